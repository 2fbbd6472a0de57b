-- letters (campaign_id, created_at) served no query: the dashboards read
-- the rollups, the letter lists page by id or by target
-- (letters_campaign_target), and retention works on submissions. It cost
-- an index entry per letter on the submission path.

DROP INDEX letters_campaign_created;
