-- A person's calendar feed (issue 22): a secret address their calendar app subscribes to. It is
-- found by a hash of its token; the token itself is kept sealed so the page can show the address
-- again. One feed a person, replaced when they make a new address.
CREATE TABLE calendar_feeds (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    token_sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_read_at BIGINT
);
