-- Role grants waiting for a second administrator (SQLite). The
-- supporter-data role opens every supporter's name, address and email, so
-- one administrator alone cannot give it from the web: the request waits
-- here until another administrator approves or refuses it. Decided rows
-- stay as the record of who asked and who agreed.
-- Keep column names identical to migrations/postgres: queries are shared.

CREATE TABLE role_grants (
    id                 INTEGER PRIMARY KEY,
    user_id            INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role               TEXT NOT NULL,
    status             TEXT NOT NULL,    -- pending, approved, refused
    requested_by       INTEGER NOT NULL, -- the asking admin's user id (0: command line)
    requested_by_label TEXT NOT NULL,    -- their email, or "cli"
    requested_at       DATETIME NOT NULL,
    decided_by         INTEGER NOT NULL, -- 0 while pending
    decided_by_label   TEXT NOT NULL,
    decided_at         DATETIME
);
-- One open request per user and role, whoever asks.
CREATE UNIQUE INDEX role_grants_pending ON role_grants (user_id, role) WHERE status = 'pending';
CREATE INDEX role_grants_status ON role_grants (status, id);
