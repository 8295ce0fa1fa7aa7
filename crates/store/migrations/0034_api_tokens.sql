-- Personal access tokens for the JSON API (issue 22), made, limited and revoked by the person.
-- Found by a SHA-256 of the token (256 random bits, so a fast hash is enough; the token itself is
-- shown once and never kept); the name is sealed. `scope` holds the parts of the record it reads
-- (`consent::Scope` bits, as sharing does); `record_doses` whether it may record doses taken.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    scope BIGINT NOT NULL,
    record_doses BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    last_used_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);
