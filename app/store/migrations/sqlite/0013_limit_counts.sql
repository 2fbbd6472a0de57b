-- Counts behind the submission and download limits (app/limit), kept in the
-- database so that a restart or a second instance does not reset them.
-- One row per limited key (a client network, a mailbox) and fixed window,
-- which starts at window_start and ends at window_end (Unix seconds).
-- Windows that ended are deleted by the instances as they go.
CREATE TABLE limit_counts (
    key          TEXT    NOT NULL,
    window_start INTEGER NOT NULL,
    window_end   INTEGER NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
) WITHOUT ROWID;
CREATE INDEX limit_counts_end ON limit_counts (window_end);
