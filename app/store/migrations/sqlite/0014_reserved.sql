-- Reserved: this version number belongs to a change made on another line
-- of development. This file keeps the numbering without gaps until that
-- change is merged, and is then replaced by it (delete this file when the
-- real migration with the same number arrives).
SELECT 1;
