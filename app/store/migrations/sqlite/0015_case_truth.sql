-- Case truth (SQLite): a campaign about a person's case changes as the case
-- does. Facts get where they come from and when they were last checked, a
-- campaign gets a review interval, an outcome when it closes, a list of
-- recipients who already acted (letters thank them instead of asking), and
-- dated case updates shown on its public page.
-- Keep column names identical to migrations/postgres: queries are shared.
--
-- Existing campaigns keep every fact; having no entry in fact_sources, each
-- shows as "not verified" until an organizer checks it.

-- JSON object: fact key -> {"verified_on": "2026-02-04T00:00:00Z", "source": "..."}.
ALTER TABLE campaigns ADD COLUMN fact_sources TEXT NOT NULL DEFAULT '{}';
-- Days between fact checks; 0 means the default (30).
ALTER TABLE campaigns ADD COLUMN review_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN outcome_on DATETIME;
-- JSON array of {"key", "action", "source", "on"}: recipients who already acted.
ALTER TABLE campaigns ADD COLUMN acted TEXT NOT NULL DEFAULT '[]';

CREATE TABLE case_updates (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    posted_on   DATETIME NOT NULL,
    body        TEXT NOT NULL,
    source_url  TEXT NOT NULL,
    author      TEXT NOT NULL,
    created_at  DATETIME NOT NULL
);
CREATE INDEX case_updates_campaign ON case_updates (campaign_id, posted_on);
