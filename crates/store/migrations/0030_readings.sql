-- Issue 21: what the flags read of a person's check-ins (the baseline's mean and the wave running
-- up to the latest check-in), kept when the check-ins change, so that a caseload need not read
-- two years of check-ins for every person it shows. `levels_version` counts the changes of a
-- person's check-ins; a reading is current while it was made at that count (and from the same
-- first change of dose), and read from scratch otherwise.
ALTER TABLE users ADD COLUMN levels_version BIGINT NOT NULL DEFAULT 0;

CREATE TABLE readings (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    levels_version BIGINT NOT NULL,
    first_change TEXT NOT NULL,
    baseline_mean DOUBLE PRECISION,
    wave_start TEXT,
    wave_end TEXT,
    wave_entries BIGINT,
    wave_extreme DOUBLE PRECISION
);
