-- Doses of a switch the person follows, taken or missed, one per switch, day, medicine and dose
-- time (issue 20: a switch's doses are recorded as a plan's are). The amount is the one core
-- planned for that stage, kept as recorded; dose_time is the minute of the day.
CREATE TABLE switch_doses (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    switch_id TEXT NOT NULL REFERENCES switches (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    drug TEXT NOT NULL,
    dose_time INTEGER NOT NULL CHECK (dose_time BETWEEN 0 AND 1439),
    status TEXT NOT NULL CHECK (status IN ('taken', 'missed')),
    dose_mg DOUBLE PRECISION NOT NULL CHECK (dose_mg >= 0),
    recorded_at BIGINT NOT NULL,
    UNIQUE (switch_id, date, drug, dose_time)
);
CREATE INDEX switch_doses_user ON switch_doses (user_id);
