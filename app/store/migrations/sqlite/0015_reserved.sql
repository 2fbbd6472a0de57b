-- Reserved: this number belongs to a change made on another branch at the
-- same time as 0016. Delete this placeholder (in both dialects) when that
-- change is merged; it does nothing.
SELECT 1;
