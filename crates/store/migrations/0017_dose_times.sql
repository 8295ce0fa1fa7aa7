-- A day taken in parts records each dose time on its own (issue 20: one "I took it" for
-- gabapentin's three doses could not say which was missed). dose_time is the minute of the day
-- the dose is due (0-1439), or -1 for the whole day's dose. SQLite cannot change a UNIQUE
-- constraint, so the table is rebuilt (as in 0013); the same statements run on PostgreSQL.

CREATE TABLE doses_timed (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    plan_id TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    dose_time INTEGER NOT NULL DEFAULT -1 CHECK (dose_time BETWEEN -1 AND 1439),
    status TEXT NOT NULL CHECK (status IN ('taken', 'missed')),
    dose_mg DOUBLE PRECISION NOT NULL,
    recorded_at BIGINT NOT NULL,
    UNIQUE (plan_id, date, dose_time)
);
INSERT INTO doses_timed (id, user_id, plan_id, date, dose_time, status, dose_mg, recorded_at)
    SELECT id, user_id, plan_id, date, -1, status, dose_mg, recorded_at FROM doses;
DROP TABLE doses;
ALTER TABLE doses_timed RENAME TO doses;
