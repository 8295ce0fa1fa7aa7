-- The optional daily question about thoughts of self-harm: off until the person switches it on.
ALTER TABLE users ADD COLUMN daily_safety BIGINT NOT NULL DEFAULT 0;

-- Answers above "no", kept on their own like item-9 answers: a check-in edited or left unfinished
-- never loses one. An answer of "no" is not stored.
CREATE TABLE daily_safety_answers (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    value BIGINT NOT NULL CHECK (value BETWEEN 1 AND 3),
    date TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX daily_safety_answers_user ON daily_safety_answers (user_id, date);
