-- Supporter prefix (PostgreSQL): the optional courtesy title (Mr., Ms., Dr., ...)
-- a supporter chose, which CWC exports need. '' means none was given.
-- Keep column names identical to migrations/sqlite: queries are shared.

ALTER TABLE supporters ADD COLUMN prefix TEXT NOT NULL DEFAULT '';
