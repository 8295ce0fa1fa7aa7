-- Flags are answered per supporter: one supporter's note never closes another supporter's flag.
-- 'resolved' closes the flag for the one who wrote it; 'reached_out' is a note others can read.
CREATE TABLE flag_notes (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    flag_key TEXT NOT NULL,
    by_id TEXT NOT NULL,
    by_name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('resolved', 'reached_out')),
    note TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE UNIQUE INDEX flag_notes_resolved_once ON flag_notes (owner_id, flag_key, by_id) WHERE kind = 'resolved';
CREATE INDEX flag_notes_owner ON flag_notes (owner_id, at);
INSERT INTO flag_notes (id, owner_id, flag_key, by_id, by_name, kind, note, at)
    SELECT id, owner_id, flag_key, resolved_by, resolver_name, 'resolved', note, at FROM flag_resolutions;
DROP TABLE flag_resolutions;

-- Item-9 answers are kept on their own, so a PHQ-9 left incomplete never loses one.
CREATE TABLE safety_signals (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source TEXT NOT NULL CHECK (source IN ('phq9_item9')),
    value BIGINT NOT NULL CHECK (value BETWEEN 1 AND 3),
    date TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX safety_signals_user ON safety_signals (user_id, date);
