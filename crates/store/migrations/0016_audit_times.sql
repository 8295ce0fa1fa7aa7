-- Reads of a person's record by one supporter within a minute are one access-log row with how
-- many times (issue 19, security probe L5): a burst is recorded, the log is not flooded.
ALTER TABLE audit ADD COLUMN times BIGINT NOT NULL DEFAULT 1;
