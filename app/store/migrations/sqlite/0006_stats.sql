-- Outreach statistics (SQLite): rollup tables kept exact by triggers, so a
-- staff dashboard reads a few thousand rows instead of every letter.
-- Keep column names identical to migrations/postgres: queries are shared.
--
-- day is the calendar day (YYYY-MM-DD) in the server's time zone
-- (ADVOCATE_TIMEZONE) when the row was written; rows stored before this
-- version get their UTC day. state is the supporter's state as given on the
-- form (the district's state when the form had none); it outlives erasure of
-- the supporter's address, as counts must.
--
-- Every change moves the counts with it in the same transaction. Status
-- changes, confirmations and deletes, from any code path, go through the
-- row triggers below. Inserts do not: row triggers would add a third to the
-- cost of the submissions' group commit, which instead sums its batch and
-- adds it with one multi-row upsert per rollup (store/stats_bulk.go); the
-- only other insert, a CWC delivery, adds its own counts
-- (store/outbox.go). Rows inserted by hand in a SQL shell are therefore
-- not counted until `advocate stats rebuild`, which recomputes everything
-- from the rows and reports any difference (`--check` only reports).

ALTER TABLE submissions ADD COLUMN day TEXT NOT NULL DEFAULT '';
ALTER TABLE submissions ADD COLUMN state TEXT NOT NULL DEFAULT '';
ALTER TABLE letters ADD COLUMN day TEXT NOT NULL DEFAULT '';
ALTER TABLE letters ADD COLUMN from_state TEXT NOT NULL DEFAULT '';

UPDATE submissions SET
    day = substr(created_at, 1, 10),
    state = COALESCE(NULLIF((SELECT p.state FROM supporters p WHERE p.id = submissions.supporter_id), ''),
                     district_state, '');
UPDATE letters SET
    day = (SELECT s.day FROM submissions s WHERE s.id = letters.submission_id),
    from_state = (SELECT s.state FROM submissions s WHERE s.id = letters.submission_id);

-- Rollups, each the smallest that answers its part of a dashboard. The
-- _total tables have no day: they answer dashboards without a date range.
-- stat_target_deliveries answers dashboards filtered to one target.


-- Supporters (one submission per supporter and campaign) and their
-- letters, by district. district -1 means no district was found.
CREATE TABLE stat_supporters (
    campaign_id    INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    day            TEXT NOT NULL,
    state          TEXT NOT NULL,
    district_state TEXT NOT NULL,
    district       INTEGER NOT NULL,
    submissions    INTEGER NOT NULL,
    confirmed      INTEGER NOT NULL,
    letters        INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, day, state, district_state, district)
) WITHOUT ROWID;

CREATE TABLE stat_supporters_total (
    campaign_id    INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    state          TEXT NOT NULL,
    district_state TEXT NOT NULL,
    district       INTEGER NOT NULL,
    submissions    INTEGER NOT NULL,
    confirmed      INTEGER NOT NULL,
    letters        INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, state, district_state, district)
) WITHOUT ROWID;

-- Letters by recipient and supporter's state; sent counts their
-- deliveries (any channel) that went out.
CREATE TABLE stat_letters (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    day         TEXT NOT NULL,
    target_key  TEXT NOT NULL,
    state       TEXT NOT NULL,
    letters     INTEGER NOT NULL,
    sent        INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, day, target_key, state)
) WITHOUT ROWID;

-- A dashboard filtered to one target reads its rows by this index.
CREATE INDEX stat_letters_target ON stat_letters (campaign_id, target_key, day);

CREATE TABLE stat_letters_total (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    target_key  TEXT NOT NULL,
    state       TEXT NOT NULL,
    letters     INTEGER NOT NULL,
    sent        INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, target_key, state)
) WITHOUT ROWID;

-- Deliveries by their letter's day and state, channel and status.
CREATE TABLE stat_deliveries (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    day         TEXT NOT NULL,
    state       TEXT NOT NULL,
    channel     TEXT NOT NULL,
    status      TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, day, state, channel, status)
) WITHOUT ROWID;

CREATE TABLE stat_target_deliveries (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    target_key  TEXT NOT NULL,
    day         TEXT NOT NULL,
    state       TEXT NOT NULL,
    channel     TEXT NOT NULL,
    status      TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, target_key, day, state, channel, status)
) WITHOUT ROWID;

INSERT INTO stat_supporters
SELECT s.campaign_id, s.day, s.state, COALESCE(s.district_state, ''), COALESCE(s.district_number, -1),
       COUNT(*), COUNT(s.confirmed_at), COALESCE(SUM((SELECT COUNT(*) FROM letters l WHERE l.submission_id = s.id)), 0)
FROM submissions s GROUP BY 1, 2, 3, 4, 5;
INSERT INTO stat_supporters_total
SELECT campaign_id, state, district_state, district, SUM(submissions), SUM(confirmed), SUM(letters)
FROM stat_supporters GROUP BY 1, 2, 3, 4;

INSERT INTO stat_letters
SELECT l.campaign_id, l.day, l.target_key, l.from_state, COUNT(*),
       COALESCE(SUM((SELECT COUNT(*) FROM deliveries d WHERE d.letter_id = l.id AND d.status = 'sent')), 0)
FROM letters l GROUP BY 1, 2, 3, 4;
INSERT INTO stat_letters_total
SELECT campaign_id, target_key, state, SUM(letters), SUM(sent) FROM stat_letters GROUP BY 1, 2, 3;

INSERT INTO stat_deliveries
SELECT l.campaign_id, l.day, l.from_state, d.channel, d.status, COUNT(*)
FROM deliveries d JOIN letters l ON l.id = d.letter_id GROUP BY 1, 2, 3, 4, 5;

INSERT INTO stat_target_deliveries
SELECT l.campaign_id, l.target_key, l.day, l.from_state, d.channel, d.status, COUNT(*)
FROM deliveries d JOIN letters l ON l.id = d.letter_id GROUP BY 1, 2, 3, 4, 5, 6;

-- Submissions.


CREATE TRIGGER stat_submissions_confirm AFTER UPDATE OF confirmed_at ON submissions
WHEN (OLD.confirmed_at IS NULL) <> (NEW.confirmed_at IS NULL) BEGIN
    UPDATE stat_supporters SET confirmed = confirmed + (CASE WHEN NEW.confirmed_at IS NULL THEN -1 ELSE 1 END)
    WHERE campaign_id = NEW.campaign_id AND day = NEW.day AND state = NEW.state
      AND district_state = COALESCE(NEW.district_state, '') AND district = COALESCE(NEW.district_number, -1);
    UPDATE stat_supporters_total SET confirmed = confirmed + (CASE WHEN NEW.confirmed_at IS NULL THEN -1 ELSE 1 END)
    WHERE campaign_id = NEW.campaign_id AND state = NEW.state
      AND district_state = COALESCE(NEW.district_state, '') AND district = COALESCE(NEW.district_number, -1);
END;

CREATE TRIGGER stat_submissions_delete AFTER DELETE ON submissions BEGIN
    UPDATE stat_supporters SET submissions = submissions - 1, confirmed = confirmed - (OLD.confirmed_at IS NOT NULL)
    WHERE campaign_id = OLD.campaign_id AND day = OLD.day AND state = OLD.state
      AND district_state = COALESCE(OLD.district_state, '') AND district = COALESCE(OLD.district_number, -1);
    UPDATE stat_supporters_total SET submissions = submissions - 1, confirmed = confirmed - (OLD.confirmed_at IS NOT NULL)
    WHERE campaign_id = OLD.campaign_id AND state = OLD.state
      AND district_state = COALESCE(OLD.district_state, '') AND district = COALESCE(OLD.district_number, -1);
END;

-- Letters: counted per recipient and under their submission's district.


CREATE TRIGGER stat_letters_delete AFTER DELETE ON letters BEGIN
    UPDATE stat_letters SET letters = letters - 1
    WHERE campaign_id = OLD.campaign_id AND day = OLD.day AND target_key = OLD.target_key AND state = OLD.from_state;
    UPDATE stat_letters_total SET letters = letters - 1
    WHERE campaign_id = OLD.campaign_id AND target_key = OLD.target_key AND state = OLD.from_state;
    UPDATE stat_supporters SET letters = letters - 1
    WHERE (campaign_id, day, state, district_state, district) =
          (SELECT s.campaign_id, s.day, s.state, COALESCE(s.district_state, ''), COALESCE(s.district_number, -1)
           FROM submissions s WHERE s.id = OLD.submission_id);
    UPDATE stat_supporters_total SET letters = letters - 1
    WHERE (campaign_id, state, district_state, district) =
          (SELECT s.campaign_id, s.state, COALESCE(s.district_state, ''), COALESCE(s.district_number, -1)
           FROM submissions s WHERE s.id = OLD.submission_id);
END;

-- Deliveries: counted under their letter's keys. A view gives the keys of
-- each delivery, so the triggers read them in one place.
CREATE VIEW stat_delivery_keys AS
SELECT d.id AS id, l.campaign_id AS campaign_id, l.day AS day, l.target_key AS target_key, l.from_state AS state
FROM deliveries d JOIN letters l ON l.id = d.letter_id;


-- A delivery's letter never changes; its channel and status do.
CREATE TRIGGER stat_deliveries_update AFTER UPDATE OF status, channel ON deliveries
WHEN OLD.status <> NEW.status OR OLD.channel <> NEW.channel BEGIN
    UPDATE stat_deliveries SET n = n - 1
    WHERE channel = OLD.channel AND status = OLD.status AND (campaign_id, day, state) =
          (SELECT campaign_id, day, state FROM stat_delivery_keys WHERE id = OLD.id);
    UPDATE stat_target_deliveries SET n = n - 1
    WHERE channel = OLD.channel AND status = OLD.status AND (campaign_id, target_key, day, state) =
          (SELECT campaign_id, target_key, day, state FROM stat_delivery_keys WHERE id = OLD.id);
    INSERT INTO stat_deliveries
    SELECT campaign_id, day, state, NEW.channel, NEW.status, 1 FROM stat_delivery_keys WHERE id = NEW.id
    ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO stat_target_deliveries
    SELECT campaign_id, target_key, day, state, NEW.channel, NEW.status, 1 FROM stat_delivery_keys WHERE id = NEW.id
    ON CONFLICT DO UPDATE SET n = n + 1;
    UPDATE stat_letters SET sent = sent + (NEW.status = 'sent') - (OLD.status = 'sent')
    WHERE (OLD.status = 'sent') <> (NEW.status = 'sent') AND (campaign_id, day, target_key, state) =
          (SELECT campaign_id, day, target_key, state FROM stat_delivery_keys WHERE id = NEW.id);
    UPDATE stat_letters_total SET sent = sent + (NEW.status = 'sent') - (OLD.status = 'sent')
    WHERE (OLD.status = 'sent') <> (NEW.status = 'sent') AND (campaign_id, target_key, state) =
          (SELECT campaign_id, target_key, state FROM stat_delivery_keys WHERE id = NEW.id);
END;

CREATE TRIGGER stat_deliveries_delete AFTER DELETE ON deliveries BEGIN
    UPDATE stat_deliveries SET n = n - 1
    WHERE channel = OLD.channel AND status = OLD.status AND (campaign_id, day, state) =
          (SELECT l.campaign_id, l.day, l.from_state FROM letters l WHERE l.id = OLD.letter_id);
    UPDATE stat_target_deliveries SET n = n - 1
    WHERE channel = OLD.channel AND status = OLD.status AND (campaign_id, target_key, day, state) =
          (SELECT l.campaign_id, l.target_key, l.day, l.from_state FROM letters l WHERE l.id = OLD.letter_id);
    UPDATE stat_letters SET sent = sent - 1
    WHERE OLD.status = 'sent' AND (campaign_id, day, target_key, state) =
          (SELECT l.campaign_id, l.day, l.target_key, l.from_state FROM letters l WHERE l.id = OLD.letter_id);
    UPDATE stat_letters_total SET sent = sent - 1
    WHERE OLD.status = 'sent' AND (campaign_id, target_key, state) =
          (SELECT l.campaign_id, l.target_key, l.from_state FROM letters l WHERE l.id = OLD.letter_id);
END;
