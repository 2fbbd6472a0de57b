-- Supporter privacy (PostgreSQL): finding every row of one supporter by email
-- whatever its case (their export and erasure on request), and the
-- submissions a campaign's retention period has run out for.
-- Keep column names identical to migrations/sqlite: queries are shared.
--
-- Erasure blanks personal data and letter text in place; no row is deleted,
-- so letter and delivery totals stay exact.

CREATE INDEX supporters_email_lower ON supporters (lower(email));
CREATE INDEX submissions_campaign_created ON submissions (campaign_id, created_at);

-- Every lookup by email goes through lower(email) now; the plain index only
-- cost each submission an index insert.
DROP INDEX supporters_email;
