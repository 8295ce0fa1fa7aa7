-- A person's calendar feed (issue 22): a secret address their calendar app subscribes to. Only
-- a hash of its token is kept; one feed a person, replaced when they make a new address.
CREATE TABLE calendar_feeds (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_read_at BIGINT
);
