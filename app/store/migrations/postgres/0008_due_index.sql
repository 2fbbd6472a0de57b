-- The outbox's due index holds only the deliveries that wait for a time:
-- queued and failed emails (their next attempt) and unconfirmed ones (their
-- deadline). Download deliveries, most of a submission's rows, and sent
-- emails have no next_attempt_at and no longer cost an index entry. Every
-- query that uses the index compares next_attempt_at, which implies the
-- condition; `outbox retry` (dead rows) scans instead, as it rarely runs.

DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at) WHERE next_attempt_at IS NOT NULL;
