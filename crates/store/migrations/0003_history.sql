-- Withdrawal-or-relapse assessments, medication history, and proposals made by a supporter.

CREATE TABLE assessments (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    answers TEXT NOT NULL,
    leaning TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX assessments_user ON assessments (user_id, date);

CREATE TABLE med_events (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    drug TEXT NOT NULL,
    kind TEXT NOT NULL,
    abrupt BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX med_events_user ON med_events (user_id, date);

CREATE TABLE med_background (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    data TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

ALTER TABLE proposals ADD COLUMN proposed_by TEXT;
ALTER TABLE proposals ADD COLUMN proposer_name TEXT;
