-- Accounts, sessions, plans with revisions, daily doses, check-ins and proposals.
-- Timestamps are UTC microseconds since 1970 (BIGINT); civil dates are ISO text (YYYY-MM-DD) in
-- the person's own time zone. Integers are 64-bit so both backends decode them alike.
-- Applied migrations are never edited: add a new file instead.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE plans (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    drug TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX plans_user ON plans (user_id);

CREATE TABLE plan_revisions (
    id TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    number BIGINT NOT NULL,
    effective_date TEXT NOT NULL,
    day_offset BIGINT NOT NULL,
    hold BIGINT NOT NULL,
    settings TEXT NOT NULL,
    steps TEXT NOT NULL,
    reason TEXT NOT NULL,
    proposal_id TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (plan_id, number)
);

CREATE TABLE doses (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    plan_id TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    status TEXT NOT NULL,
    dose_mg DOUBLE PRECISION NOT NULL,
    recorded_at BIGINT NOT NULL,
    UNIQUE (plan_id, date)
);

CREATE TABLE checkins (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    scores TEXT NOT NULL,
    burden BIGINT NOT NULL,
    wellbeing BIGINT NOT NULL,
    sleep_hours DOUBLE PRECISION,
    note TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (user_id, date)
);

CREATE TABLE proposals (
    id TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    revision_id TEXT NOT NULL REFERENCES plan_revisions (id) ON DELETE CASCADE,
    rule TEXT NOT NULL,
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    reason TEXT NOT NULL,
    details TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_at BIGINT
);
CREATE INDEX proposals_plan ON proposals (plan_id, status);
