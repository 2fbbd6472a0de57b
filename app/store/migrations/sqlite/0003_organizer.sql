-- Organizer workspace (SQLite): the hand-kept rosters (commissions such as
-- TLHRC and CECC, and executive-branch targets) that organizers edit.
-- Keep column names identical to migrations/postgres: queries are shared.
--
-- A roster import replaces the imported roster tables wholesale; these
-- tables are never touched by an import. Once organizers edit the hand-kept
-- rosters (kept_roster.active), the roster service lays these rows over
-- whatever was imported: every imported commission and executive target is
-- replaced by the kept ones. Letters keep their own recipient snapshots.

-- One row (id = 1). version grows with every change so that other app
-- instances notice an edit and rebuild their in-memory roster.
CREATE TABLE kept_roster (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    version    INTEGER NOT NULL,
    active     BOOLEAN NOT NULL,
    updated_at DATETIME NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE kept_commissions (
    code    TEXT PRIMARY KEY,
    pos     INTEGER NOT NULL,
    name    TEXT NOT NULL,
    chamber TEXT NOT NULL,
    url     TEXT NOT NULL,
    address TEXT NOT NULL,
    phone   TEXT NOT NULL,
    email   TEXT NOT NULL
);

CREATE TABLE kept_commission_members (
    commission_code TEXT NOT NULL REFERENCES kept_commissions (code) ON DELETE CASCADE,
    bioguide_id     TEXT NOT NULL,
    pos             INTEGER NOT NULL,
    party           TEXT NOT NULL,
    rank            INTEGER NOT NULL,
    title           TEXT NOT NULL,
    PRIMARY KEY (commission_code, bioguide_id)
);

CREATE TABLE kept_executives (
    target_key      TEXT PRIMARY KEY,
    pos             INTEGER NOT NULL,
    title           TEXT NOT NULL,
    name            TEXT NOT NULL,
    salutation      TEXT NOT NULL,
    greeting        TEXT NOT NULL,
    address         TEXT NOT NULL,
    email           TEXT NOT NULL,
    in_office_since TEXT NOT NULL
);
