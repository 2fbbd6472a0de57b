-- Outreach statistics (PostgreSQL): rollup tables kept exact by triggers, so
-- a staff dashboard reads a few thousand rows instead of every letter.
-- Keep column names identical to migrations/sqlite: queries are shared.
--
-- day is the calendar day (YYYY-MM-DD) in the server's time zone
-- (ADVOCATE_TIMEZONE) when the row was written; rows stored before this
-- version get their UTC day. state is the supporter's state as given on the
-- form (the district's state when the form had none); it outlives erasure of
-- the supporter's address, as counts must.
--
-- The triggers are statement-level with transition tables: one multi-row
-- insert or update moves the counts in a few aggregated statements, each
-- touching its rollup rows in key order. The submissions' group commit
-- inserts a batch in several statements, whose key orders would interleave
-- with another instance's and deadlock; so it sets advocate.stats_bulk for
-- its transaction (the insert triggers stand aside) and adds the whole
-- batch's counts itself, table by table in one global key order
-- (store/stats_bulk.go).
-- `advocate stats rebuild` recomputes the counts and reports any difference.

ALTER TABLE submissions ADD COLUMN day TEXT NOT NULL DEFAULT '';
ALTER TABLE submissions ADD COLUMN state TEXT NOT NULL DEFAULT '';
ALTER TABLE letters ADD COLUMN day TEXT NOT NULL DEFAULT '';
ALTER TABLE letters ADD COLUMN from_state TEXT NOT NULL DEFAULT '';

UPDATE submissions s SET
    day = to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
    state = COALESCE(NULLIF(p.state, ''), s.district_state, '')
FROM supporters p WHERE p.id = s.supporter_id;
UPDATE letters l SET day = s.day, from_state = s.state
FROM submissions s WHERE s.id = l.submission_id;

-- Rollups, each the smallest that answers its part of a dashboard. The
-- _total tables have no day: they answer dashboards without a date range.
-- stat_target_deliveries answers dashboards filtered to one target.

CREATE TABLE stat_supporters (
    campaign_id    BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    day            TEXT NOT NULL,
    state          TEXT NOT NULL,
    district_state TEXT NOT NULL,
    district       INTEGER NOT NULL,
    submissions    BIGINT NOT NULL,
    confirmed      BIGINT NOT NULL,
    letters        BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, day, state, district_state, district)
);

CREATE TABLE stat_supporters_total (
    campaign_id    BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    state          TEXT NOT NULL,
    district_state TEXT NOT NULL,
    district       INTEGER NOT NULL,
    submissions    BIGINT NOT NULL,
    confirmed      BIGINT NOT NULL,
    letters        BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, state, district_state, district)
);

CREATE TABLE stat_letters (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    day         TEXT NOT NULL,
    target_key  TEXT NOT NULL,
    state       TEXT NOT NULL,
    letters     BIGINT NOT NULL,
    sent        BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, day, target_key, state)
);

-- A dashboard filtered to one target reads its rows by this index.
CREATE INDEX stat_letters_target ON stat_letters (campaign_id, target_key, day);

CREATE TABLE stat_letters_total (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    target_key  TEXT NOT NULL,
    state       TEXT NOT NULL,
    letters     BIGINT NOT NULL,
    sent        BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, target_key, state)
);

CREATE TABLE stat_deliveries (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    day         TEXT NOT NULL,
    state       TEXT NOT NULL,
    channel     TEXT NOT NULL,
    status      TEXT NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, day, state, channel, status)
);

CREATE TABLE stat_target_deliveries (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    target_key  TEXT NOT NULL,
    day         TEXT NOT NULL,
    state       TEXT NOT NULL,
    channel     TEXT NOT NULL,
    status      TEXT NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, target_key, day, state, channel, status)
);

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

-- Each trigger first sums the statement's changes into signed deltas in a
-- temporary table (transition tables are visible only in the trigger
-- function itself), then one apply function moves every rollup.

-- Supporters: submissions, confirmed and letters deltas by day and district.
CREATE FUNCTION stat_supporters_apply() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stat_supporters AS t
    SELECT campaign_id, day, state, dstate, dnum, SUM(subs), SUM(conf), SUM(lets)
    FROM stat_supporter_changes GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (campaign_id, day, state, district_state, district) DO UPDATE SET
        submissions = t.submissions + excluded.submissions, confirmed = t.confirmed + excluded.confirmed,
        letters = t.letters + excluded.letters;
    INSERT INTO stat_supporters_total AS t
    SELECT campaign_id, state, dstate, dnum, SUM(subs), SUM(conf), SUM(lets)
    FROM stat_supporter_changes GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (campaign_id, state, district_state, district) DO UPDATE SET
        submissions = t.submissions + excluded.submissions, confirmed = t.confirmed + excluded.confirmed,
        letters = t.letters + excluded.letters;
    DELETE FROM stat_supporter_changes;
END $$;

CREATE FUNCTION stat_changes_tables() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('pg_temp.stat_supporter_changes') IS NULL THEN
        CREATE TEMP TABLE stat_supporter_changes (campaign_id BIGINT, day TEXT, state TEXT, dstate TEXT, dnum INTEGER,
            subs BIGINT, conf BIGINT, lets BIGINT) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE stat_letter_changes (letter_id BIGINT, campaign_id BIGINT, day TEXT, target_key TEXT,
            state TEXT, channel TEXT, status TEXT, lets BIGINT, n BIGINT) ON COMMIT DELETE ROWS;
    END IF;
END $$;

CREATE FUNCTION stat_submissions_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND current_setting('advocate.stats_bulk', true) = 'on' THEN
        RETURN NULL; -- the group commit adds these rows' counts itself
    END IF;
    PERFORM stat_changes_tables();
    IF TG_OP = 'INSERT' THEN
        INSERT INTO stat_supporter_changes
        SELECT campaign_id, day, state, COALESCE(district_state, ''), COALESCE(district_number, -1),
               1, (confirmed_at IS NOT NULL)::int, 0 FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO stat_supporter_changes
        SELECT n.campaign_id, n.day, n.state, COALESCE(n.district_state, ''), COALESCE(n.district_number, -1),
               0, CASE WHEN n.confirmed_at IS NULL THEN -1 ELSE 1 END, 0
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE (o.confirmed_at IS NULL) <> (n.confirmed_at IS NULL);
    ELSE
        INSERT INTO stat_supporter_changes
        SELECT campaign_id, day, state, COALESCE(district_state, ''), COALESCE(district_number, -1),
               -1, -(confirmed_at IS NOT NULL)::int, 0 FROM old_rows;
    END IF;
    PERFORM stat_supporters_apply();
    RETURN NULL;
END $$;

CREATE TRIGGER stat_submissions_insert AFTER INSERT ON submissions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stat_submissions_change();
CREATE TRIGGER stat_submissions_update AFTER UPDATE ON submissions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stat_submissions_change();
CREATE TRIGGER stat_submissions_delete AFTER DELETE ON submissions
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION stat_submissions_change();

-- Letters and deliveries: deltas keyed by the letter, applied to the letter
-- rollups (letters, sent), the delivery rollups and the supporters' letters.
CREATE FUNCTION stat_letters_apply() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stat_letters AS t
    SELECT campaign_id, day, target_key, state, SUM(lets), COALESCE(SUM(n) FILTER (WHERE status = 'sent'), 0)
    FROM stat_letter_changes GROUP BY 1, 2, 3, 4
    HAVING SUM(lets) <> 0 OR COALESCE(SUM(n) FILTER (WHERE status = 'sent'), 0) <> 0 ORDER BY 1, 2, 3, 4
    ON CONFLICT (campaign_id, day, target_key, state) DO UPDATE SET
        letters = t.letters + excluded.letters, sent = t.sent + excluded.sent;
    INSERT INTO stat_letters_total AS t
    SELECT campaign_id, target_key, state, SUM(lets), COALESCE(SUM(n) FILTER (WHERE status = 'sent'), 0)
    FROM stat_letter_changes GROUP BY 1, 2, 3
    HAVING SUM(lets) <> 0 OR COALESCE(SUM(n) FILTER (WHERE status = 'sent'), 0) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (campaign_id, target_key, state) DO UPDATE SET
        letters = t.letters + excluded.letters, sent = t.sent + excluded.sent;
    INSERT INTO stat_deliveries AS t
    SELECT campaign_id, day, state, channel, status, SUM(n)
    FROM stat_letter_changes WHERE channel IS NOT NULL GROUP BY 1, 2, 3, 4, 5 HAVING SUM(n) <> 0 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (campaign_id, day, state, channel, status) DO UPDATE SET n = t.n + excluded.n;
    INSERT INTO stat_target_deliveries AS t
    SELECT campaign_id, target_key, day, state, channel, status, SUM(n)
    FROM stat_letter_changes WHERE channel IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(n) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (campaign_id, target_key, day, state, channel, status) DO UPDATE SET n = t.n + excluded.n;
    DELETE FROM stat_letter_changes;
END $$;

CREATE FUNCTION stat_letters_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND current_setting('advocate.stats_bulk', true) = 'on' THEN
        RETURN NULL; -- the group commit adds these rows' counts itself
    END IF;
    PERFORM stat_changes_tables();
    IF TG_OP = 'INSERT' THEN
        INSERT INTO stat_letter_changes
        SELECT id, campaign_id, day, target_key, from_state, NULL, NULL, 1, 0 FROM new_rows;
        INSERT INTO stat_supporter_changes
        SELECT s.campaign_id, s.day, s.state, COALESCE(s.district_state, ''), COALESCE(s.district_number, -1), 0, 0, 1
        FROM new_rows l JOIN submissions s ON s.id = l.submission_id;
    ELSE
        INSERT INTO stat_letter_changes
        SELECT id, campaign_id, day, target_key, from_state, NULL, NULL, -1, 0 FROM old_rows;
        INSERT INTO stat_supporter_changes
        SELECT s.campaign_id, s.day, s.state, COALESCE(s.district_state, ''), COALESCE(s.district_number, -1), 0, 0, -1
        FROM old_rows l JOIN submissions s ON s.id = l.submission_id;
    END IF;
    PERFORM stat_letters_apply();
    PERFORM stat_supporters_apply();
    RETURN NULL;
END $$;

CREATE TRIGGER stat_letters_insert AFTER INSERT ON letters
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stat_letters_change();
CREATE TRIGGER stat_letters_delete AFTER DELETE ON letters
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION stat_letters_change();

-- An update that moves no delivery between (channel, status) pairs writes
-- nothing. A delivery's letter never changes.
CREATE FUNCTION stat_deliveries_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND current_setting('advocate.stats_bulk', true) = 'on' THEN
        RETURN NULL; -- the group commit adds these rows' counts itself
    END IF;
    PERFORM stat_changes_tables();
    IF TG_OP = 'INSERT' THEN
        INSERT INTO stat_letter_changes
        SELECT d.letter_id, l.campaign_id, l.day, l.target_key, l.from_state, d.channel, d.status, 0, 1
        FROM new_rows d JOIN letters l ON l.id = d.letter_id;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO stat_letter_changes
        SELECT c.letter_id, l.campaign_id, l.day, l.target_key, l.from_state, c.channel, c.status, 0, c.delta
        FROM (SELECT n.letter_id, n.channel, n.status, 1 AS delta
              FROM new_rows n JOIN old_rows o ON o.id = n.id
              WHERE (o.status, o.channel) IS DISTINCT FROM (n.status, n.channel)
              UNION ALL
              SELECT o.letter_id, o.channel, o.status, -1
              FROM new_rows n JOIN old_rows o ON o.id = n.id
              WHERE (o.status, o.channel) IS DISTINCT FROM (n.status, n.channel)) c
        JOIN letters l ON l.id = c.letter_id;
    ELSE
        INSERT INTO stat_letter_changes
        SELECT d.letter_id, l.campaign_id, l.day, l.target_key, l.from_state, d.channel, d.status, 0, -1
        FROM old_rows d JOIN letters l ON l.id = d.letter_id;
    END IF;
    PERFORM stat_letters_apply();
    RETURN NULL;
END $$;

CREATE TRIGGER stat_deliveries_insert AFTER INSERT ON deliveries
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stat_deliveries_change();
CREATE TRIGGER stat_deliveries_update AFTER UPDATE ON deliveries
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stat_deliveries_change();
CREATE TRIGGER stat_deliveries_delete AFTER DELETE ON deliveries
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION stat_deliveries_change();
