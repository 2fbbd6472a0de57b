-- The outreach rollups (migration 0006) are kept by the store alone, in the
-- transaction of every write that changes a counted thing
-- (store/rollups.go), and no longer also by triggers: one rule in one
-- place, where before the group commit counted its inserts in Go (with the
-- insert triggers switched off by the advocate.stats_bulk setting) and
-- triggers counted everything else. The counts already stored stay as they
-- are; they were exact, and from now on the same transactions move them.
-- Rows changed by hand in a SQL shell are counted by
-- `advocate stats rebuild`, which recounts everything from the rows.

DROP TRIGGER stat_submissions_insert ON submissions;
DROP TRIGGER stat_submissions_update ON submissions;
DROP TRIGGER stat_submissions_delete ON submissions;
DROP TRIGGER stat_letters_insert ON letters;
DROP TRIGGER stat_letters_delete ON letters;
DROP TRIGGER stat_deliveries_insert ON deliveries;
DROP TRIGGER stat_deliveries_update ON deliveries;
DROP TRIGGER stat_deliveries_delete ON deliveries;
DROP FUNCTION stat_submissions_change();
DROP FUNCTION stat_letters_change();
DROP FUNCTION stat_deliveries_change();
DROP FUNCTION stat_supporters_apply();
DROP FUNCTION stat_letters_apply();
DROP FUNCTION stat_changes_tables();
