-- A step-by-step switch to a long-acting benzodiazepine the person follows on Today (issue 20:
-- the crossover in the web app). The form's answers are kept and core plans the switch again
-- from them on each view, so no rounded dose is stored. One in force at a time.
CREATE TABLE switches (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    form TEXT NOT NULL,
    start_date TEXT NOT NULL,
    -- JSON [[stage, days], ...]: stages the person stayed on longer; later stages come later.
    stays TEXT NOT NULL DEFAULT '[]',
    created_at BIGINT NOT NULL,
    ended_at BIGINT
);
CREATE INDEX switches_user ON switches (user_id);
