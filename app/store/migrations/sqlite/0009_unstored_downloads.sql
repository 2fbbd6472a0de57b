-- A new letter's pending download delivery is no longer stored as a row
-- (store/downloads.go): a letter without a download row has a pending one.
-- Letters stored before without any download row (none are made so by the
-- app, but hand-made or imported data may have them) now count as such in
-- the delivery rollups, which a stats rebuild also finds.

INSERT INTO stat_deliveries (campaign_id, day, state, channel, status, n)
SELECT l.campaign_id, l.day, l.from_state, 'download', 'pending', COUNT(*)
FROM letters l
WHERE NOT EXISTS (SELECT 1 FROM deliveries x WHERE x.letter_id = l.id AND x.channel = 'download')
GROUP BY l.campaign_id, l.day, l.from_state
ON CONFLICT DO UPDATE SET n = n + excluded.n;

INSERT INTO stat_target_deliveries (campaign_id, target_key, day, state, channel, status, n)
SELECT l.campaign_id, l.target_key, l.day, l.from_state, 'download', 'pending', COUNT(*)
FROM letters l
WHERE NOT EXISTS (SELECT 1 FROM deliveries x WHERE x.letter_id = l.id AND x.channel = 'download')
GROUP BY l.campaign_id, l.target_key, l.day, l.from_state
ON CONFLICT DO UPDATE SET n = n + excluded.n;
