-- Counts behind the submission and download limits (app/limit), kept in the
-- database so that a restart or a second instance does not reset them.
-- One row per limited key (a client network, a mailbox) and fixed window,
-- which starts at window_start (Unix seconds). Old windows are deleted by
-- the instances as they go.
CREATE TABLE limit_counts (
    key          TEXT    NOT NULL,
    window_start INTEGER NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
) WITHOUT ROWID;
CREATE INDEX limit_counts_window ON limit_counts (window_start);
