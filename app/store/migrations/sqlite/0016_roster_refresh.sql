-- The roster refreshes itself (SQLite). Keep column names identical to
-- migrations/postgres: queries are shared.
--
-- roster_refresh is one row that several instances on one database agree
-- through: an instance refreshes only when it wins the conditional UPDATE
-- that moves last_attempt_at (an interval after the previous attempt) and
-- takes the lease, so a refresh runs once per interval whatever the number
-- of instances.
CREATE TABLE roster_refresh (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    lease_owner     TEXT NOT NULL DEFAULT '',
    lease_until     DATETIME,
    last_attempt_at DATETIME,
    last_success_at DATETIME,
    last_error      TEXT NOT NULL DEFAULT ''
);
INSERT INTO roster_refresh (id) VALUES (1);

-- campaign_flags tell organizers that a refresh changed whom a campaign
-- writes to (a Member left, a seat fell vacant, a chair changed): one row
-- per campaign and refresh, the changes one per line, until dismissed.
CREATE TABLE campaign_flags (
    id             INTEGER PRIMARY KEY,
    campaign_id    INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    roster_version INTEGER NOT NULL,
    changes        TEXT NOT NULL,
    created_at     DATETIME NOT NULL,
    dismissed_at   DATETIME,
    dismissed_by   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX campaign_flags_open ON campaign_flags (campaign_id, id) WHERE dismissed_at IS NULL;
