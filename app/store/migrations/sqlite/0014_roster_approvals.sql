-- Approval of delivery addresses (SQLite). Keep column names identical to
-- migrations/postgres: queries are shared.
--
-- An organizer's change of the email address that an executive office's or
-- a commission's letters go to takes effect only once an admin other than
-- that organizer approves it. The hand-kept tables (kept_executives,
-- kept_commissions) hold what organizers typed; the roster laid over the
-- imported one uses the approved address of each office instead, and the
-- outbox sends an office email only to an address approved for the office.

-- Every address approved for a subject ("executive:KEY", "commission:CODE").
-- is_current marks the one letters made now go to (at most one per
-- subject); earlier ones stay so that letters made while they were current
-- can still be sent.
CREATE TABLE approved_addresses (
    subject     TEXT NOT NULL,
    email       TEXT NOT NULL,
    is_current  BOOLEAN NOT NULL,
    approved_at DATETIME NOT NULL,
    approved_by TEXT NOT NULL,
    PRIMARY KEY (subject, email)
);
CREATE UNIQUE INDEX approved_addresses_current ON approved_addresses (subject) WHERE is_current;

-- Organizers' requests and admins' decisions. No foreign key to users: the
-- record outlives the accounts it mentions.
CREATE TABLE address_changes (
    id             INTEGER PRIMARY KEY,
    subject        TEXT NOT NULL,
    label          TEXT NOT NULL,
    old_email      TEXT NOT NULL,
    new_email      TEXT NOT NULL,
    status         TEXT NOT NULL,
    proposed_by    TEXT NOT NULL,
    proposed_by_id INTEGER NOT NULL,
    proposed_at    DATETIME NOT NULL,
    decided_by     TEXT NOT NULL,
    decided_by_id  INTEGER NOT NULL,
    decided_at     DATETIME
);
CREATE INDEX address_changes_status ON address_changes (status, id);
CREATE UNIQUE INDEX address_changes_one_pending ON address_changes (subject) WHERE status = 'pending';

-- Addresses organizers kept before approvals existed were in use: they
-- count as approved, so upgrading does not stop mail that was going out.
INSERT INTO approved_addresses (subject, email, is_current, approved_at, approved_by)
SELECT 'executive:' || target_key, email, 1, CURRENT_TIMESTAMP, 'in use before approvals (migration 0014)'
FROM kept_executives WHERE email <> '';
INSERT INTO approved_addresses (subject, email, is_current, approved_at, approved_by)
SELECT 'commission:' || code, email, 1, CURRENT_TIMESTAMP, 'in use before approvals (migration 0014)'
FROM kept_commissions WHERE email <> '';
