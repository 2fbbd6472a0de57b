-- The outreach rollups (migration 0006) are kept by the store alone, in the
-- transaction of every write that changes a counted thing
-- (store/rollups.go), and no longer also by triggers: one rule in one
-- place, where before inserts were counted in Go and status changes,
-- confirmations and deletes by triggers. The counts already stored stay as
-- they are; they were exact, and from now on the same transactions move
-- them. Rows changed by hand in a SQL shell are counted by
-- `advocate stats rebuild`, which recounts everything from the rows.

DROP TRIGGER stat_submissions_confirm;
DROP TRIGGER stat_submissions_delete;
DROP TRIGGER stat_letters_delete;
DROP TRIGGER stat_deliveries_update;
DROP TRIGGER stat_deliveries_delete;
DROP VIEW stat_delivery_keys;
