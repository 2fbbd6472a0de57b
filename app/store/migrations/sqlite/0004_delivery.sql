-- Delivery (SQLite): campaign delivery settings, double opt-in on
-- submissions, the destination address of each email delivery, and indexes
-- for the outbox, office packets and CWC exports.
-- Keep column names identical to migrations/postgres: queries are shared.

ALTER TABLE campaigns ADD COLUMN double_opt_in BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE campaigns ADD COLUMN confirm_within_hours INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN reply_to_supporter BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE campaigns ADD COLUMN org_name TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN org_statement TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN cwc_topic TEXT NOT NULL DEFAULT '';

-- confirm_token is the capability in the confirmation email ('' when the
-- campaign has no double opt-in); confirmed_at NULL means "does not count
-- yet". Submissions made before this version count.
ALTER TABLE submissions ADD COLUMN confirm_token TEXT NOT NULL DEFAULT '';
ALTER TABLE submissions ADD COLUMN confirmed_at DATETIME;
UPDATE submissions SET confirmed_at = created_at;
CREATE UNIQUE INDEX submissions_confirm_token ON submissions (confirm_token) WHERE confirm_token <> '';

-- to_address: where an email or copy goes, fixed when the letter is made.
ALTER TABLE deliveries ADD COLUMN to_address TEXT NOT NULL DEFAULT '';
-- Expired leases are found without scanning the whole outbox.
CREATE INDEX deliveries_lease ON deliveries (lease_until) WHERE status = 'sending';
-- A letter goes to CWC at most once.
CREATE UNIQUE INDEX deliveries_letter_cwc ON deliveries (letter_id) WHERE channel = 'cwc';

-- Office packets and CWC exports walk a campaign's letters office by office.
CREATE INDEX letters_campaign_target ON letters (campaign_id, target_key, id);
