-- A person's own safety plan (the Stanley–Brown structure), kept as one JSON document.
CREATE TABLE safety_plans (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    data TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
