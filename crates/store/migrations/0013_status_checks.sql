-- Status-like columns accept only the values the code writes (issue 13). SQLite cannot add a
-- CHECK to an existing table, so each table is rebuilt with its checks; the same statements run
-- on PostgreSQL. Nothing references these tables, so dropping them cascades nowhere.

CREATE TABLE doses_checked (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    plan_id TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('taken', 'missed')),
    dose_mg DOUBLE PRECISION NOT NULL,
    recorded_at BIGINT NOT NULL,
    UNIQUE (plan_id, date)
);
INSERT INTO doses_checked (id, user_id, plan_id, date, status, dose_mg, recorded_at)
    SELECT id, user_id, plan_id, date, status, dose_mg, recorded_at FROM doses;
DROP TABLE doses;
ALTER TABLE doses_checked RENAME TO doses;

CREATE TABLE proposals_checked (
    id TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    revision_id TEXT NOT NULL REFERENCES plan_revisions (id) ON DELETE CASCADE,
    rule TEXT NOT NULL CHECK (rule IN ('hold', 'return', 'next_step', 'supporter')),
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined')),
    title TEXT NOT NULL,
    reason TEXT NOT NULL,
    details TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    proposed_by TEXT,
    proposer_name TEXT
);
INSERT INTO proposals_checked (id, plan_id, revision_id, rule, status, title, reason, details, created_at,
        decided_at, proposed_by, proposer_name)
    SELECT id, plan_id, revision_id, rule, status, title, reason, details, created_at, decided_at, proposed_by,
        proposer_name FROM proposals;
DROP TABLE proposals;
ALTER TABLE proposals_checked RENAME TO proposals;
CREATE INDEX proposals_plan ON proposals (plan_id, status);

CREATE TABLE questionnaires_checked (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    instrument TEXT NOT NULL CHECK (instrument IN ('phq9', 'gad7')),
    date TEXT NOT NULL,
    answers TEXT NOT NULL,
    total BIGINT NOT NULL,
    item9 BIGINT,
    created_at BIGINT NOT NULL,
    difficulty BIGINT
);
INSERT INTO questionnaires_checked (id, user_id, instrument, date, answers, total, item9, created_at, difficulty)
    SELECT id, user_id, instrument, date, answers, total, item9, created_at, difficulty FROM questionnaires;
DROP TABLE questionnaires;
ALTER TABLE questionnaires_checked RENAME TO questionnaires;
CREATE INDEX questionnaires_user ON questionnaires (user_id, date);

CREATE TABLE med_events_checked (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    drug TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('start', 'increase', 'decrease', 'stop', 'reinstate', 'switch')),
    abrupt BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
INSERT INTO med_events_checked (id, user_id, date, drug, kind, abrupt, created_at)
    SELECT id, user_id, date, drug, kind, abrupt, created_at FROM med_events;
DROP TABLE med_events;
ALTER TABLE med_events_checked RENAME TO med_events;
CREATE INDEX med_events_user ON med_events (user_id, date);
