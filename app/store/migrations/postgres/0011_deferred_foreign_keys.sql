-- On SQLite this version defers the foreign keys of submissions, letters
-- and deliveries to commit time (see the SQLite migration and
-- deferForeignKeysSQLite in migrate.go). PostgreSQL needs no such change:
-- its multi-row INSERTs undo a failed statement without copying pages
-- beforehand, so its foreign keys stay immediate.
SELECT 1;
