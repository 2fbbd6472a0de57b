-- Advocate schema, version 1 (SQLite).
-- Keep column names identical to migrations/postgres: queries are shared.
-- Times are UTC text "YYYY-MM-DD HH:MM:SS.SSS" written by the application.

-- Roster: replaced wholesale by each import. No foreign keys point into it:
-- letters keep their own recipient snapshots. pos keeps the import order.
CREATE TABLE roster_imports (
    version     INTEGER PRIMARY KEY,
    imported_at DATETIME NOT NULL,
    source      TEXT NOT NULL,
    legislators INTEGER NOT NULL,
    committees  INTEGER NOT NULL,
    memberships INTEGER NOT NULL,
    offices     INTEGER NOT NULL,
    zips        INTEGER NOT NULL,
    shapes      INTEGER NOT NULL,
    executives  INTEGER NOT NULL
);

CREATE TABLE legislators (
    bioguide_id   TEXT PRIMARY KEY,
    pos           INTEGER NOT NULL,
    first_name    TEXT NOT NULL,
    middle_name   TEXT NOT NULL,
    last_name     TEXT NOT NULL,
    suffix        TEXT NOT NULL,
    nickname      TEXT NOT NULL,
    official_name TEXT NOT NULL,
    chamber       TEXT NOT NULL,
    state         TEXT NOT NULL,
    district      INTEGER NOT NULL,
    party         TEXT NOT NULL,
    caucus        TEXT NOT NULL,
    state_rank    TEXT NOT NULL,
    class         INTEGER NOT NULL,
    term_start    TEXT NOT NULL,
    term_end      TEXT NOT NULL,
    url           TEXT NOT NULL,
    address       TEXT NOT NULL,
    office        TEXT NOT NULL,
    phone         TEXT NOT NULL,
    contact_form  TEXT NOT NULL,
    email         TEXT NOT NULL
);

CREATE TABLE district_offices (
    id          TEXT PRIMARY KEY,
    pos         INTEGER NOT NULL,
    bioguide_id TEXT NOT NULL,
    address     TEXT NOT NULL,
    suite       TEXT NOT NULL,
    building    TEXT NOT NULL,
    city        TEXT NOT NULL,
    state       TEXT NOT NULL,
    zip         TEXT NOT NULL,
    phone       TEXT NOT NULL,
    fax         TEXT NOT NULL,
    hours       TEXT NOT NULL,
    lat         REAL NOT NULL,
    lon         REAL NOT NULL,
    has_point   BOOLEAN NOT NULL
);

CREATE TABLE committees (
    code        TEXT PRIMARY KEY,
    pos         INTEGER NOT NULL,
    parent_code TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    chamber     TEXT NOT NULL,
    url         TEXT NOT NULL,
    address     TEXT NOT NULL,
    phone       TEXT NOT NULL,
    email       TEXT NOT NULL
);

CREATE TABLE memberships (
    committee_code TEXT NOT NULL,
    bioguide_id    TEXT NOT NULL,
    pos            INTEGER NOT NULL,
    party          TEXT NOT NULL,
    rank           INTEGER NOT NULL,
    title          TEXT NOT NULL,
    PRIMARY KEY (committee_code, bioguide_id)
);

CREATE TABLE executive_targets (
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

CREATE TABLE zip_districts (
    pos      INTEGER PRIMARY KEY,
    zip      TEXT NOT NULL,
    state    TEXT NOT NULL,
    district INTEGER NOT NULL
);
CREATE UNIQUE INDEX zip_districts_zip ON zip_districts (zip, state, district);

-- polygons: compact binary encoding (see shapes.go), not JSON.
CREATE TABLE district_shapes (
    state    TEXT NOT NULL,
    district INTEGER NOT NULL,
    pos      INTEGER NOT NULL,
    geoid    TEXT NOT NULL,
    polygons BLOB NOT NULL,
    PRIMARY KEY (state, district)
);

-- Campaign side.
CREATE TABLE campaigns (
    id             INTEGER PRIMARY KEY,
    slug           TEXT NOT NULL UNIQUE,
    title          TEXT NOT NULL,
    summary        TEXT NOT NULL,
    ask            TEXT NOT NULL,
    facts          TEXT NOT NULL, -- JSON object
    status         TEXT NOT NULL,
    starts_at      DATETIME,
    ends_at        DATETIME,
    retention_days INTEGER NOT NULL,
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL
);

CREATE TABLE target_rules (
    id                INTEGER PRIMARY KEY,
    campaign_id       INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    kind              TEXT NOT NULL,
    committee_code    TEXT NOT NULL,
    leadership_only   BOOLEAN NOT NULL,
    only_constituents BOOLEAN NOT NULL,
    executive_key     TEXT NOT NULL,
    position          INTEGER NOT NULL
);
CREATE INDEX target_rules_campaign ON target_rules (campaign_id, position);

CREATE TABLE template_versions (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    author      TEXT NOT NULL,
    note        TEXT NOT NULL,
    created_at  DATETIME NOT NULL,
    UNIQUE (campaign_id, kind, version)
);

-- Supporter side.
CREATE TABLE supporters (
    id         INTEGER PRIMARY KEY,
    first_name TEXT NOT NULL,
    last_name  TEXT NOT NULL,
    email      TEXT NOT NULL,
    address1   TEXT NOT NULL,
    address2   TEXT NOT NULL,
    city       TEXT NOT NULL,
    state      TEXT NOT NULL,
    zip        TEXT NOT NULL,
    lat        REAL,
    lon        REAL,
    contact_ok BOOLEAN NOT NULL,
    erased_at  DATETIME,
    created_at DATETIME NOT NULL
);
CREATE INDEX supporters_email ON supporters (email);

CREATE TABLE submissions (
    id               INTEGER PRIMARY KEY,
    campaign_id      INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    supporter_id     INTEGER NOT NULL REFERENCES supporters (id),
    token            TEXT NOT NULL UNIQUE,
    dedup_key        TEXT NOT NULL,
    personal_message TEXT NOT NULL,
    district_state   TEXT,
    district_number  INTEGER,
    created_at       DATETIME NOT NULL,
    UNIQUE (campaign_id, dedup_key)
);
CREATE INDEX submissions_supporter ON submissions (supporter_id);

CREATE TABLE letters (
    id                  INTEGER PRIMARY KEY,
    submission_id       INTEGER NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    campaign_id         INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    template_version_id INTEGER REFERENCES template_versions (id),
    recipient           TEXT NOT NULL, -- JSON snapshot of app.Target
    target_key          TEXT NOT NULL,
    target_kind         TEXT NOT NULL,
    bioguide_id         TEXT NOT NULL,
    state               TEXT NOT NULL,
    district            INTEGER,
    subject             TEXT NOT NULL,
    body                TEXT NOT NULL,
    created_at          DATETIME NOT NULL
);
CREATE INDEX letters_submission ON letters (submission_id);
CREATE INDEX letters_campaign_created ON letters (campaign_id, created_at);

-- One row per letter and channel; email rows form the outbox.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    letter_id       INTEGER NOT NULL REFERENCES letters (id) ON DELETE CASCADE,
    channel         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at DATETIME,
    last_error      TEXT NOT NULL,
    lease_owner     TEXT NOT NULL,
    lease_until     DATETIME,
    message_id      TEXT NOT NULL,
    sent_at         DATETIME,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX deliveries_letter ON deliveries (letter_id);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
