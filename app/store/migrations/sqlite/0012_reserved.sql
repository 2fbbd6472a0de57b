-- Reserved: version 12 belongs to a change developed alongside 0013 on
-- another branch. This placeholder only keeps the numbering contiguous (the
-- runner requires 1, 2, 3... without gaps) and does nothing; the real 0012
-- replaces it when the branches meet.
SELECT 1;
