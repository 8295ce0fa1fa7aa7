-- SMART Health Links a person makes for a prescriber without an account (issue 22). Found by a
-- hash of the link's token; the token, the file key and the label are kept sealed so the page can
-- show the link again; the passcode only as an argon2 hash. A link stops at its expiry, when
-- revoked, and after too many wrong passcodes; it goes with the account.
CREATE TABLE health_links (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    token_sealed TEXT NOT NULL,
    key_sealed TEXT NOT NULL,
    passcode_hash TEXT NOT NULL,
    label TEXT NOT NULL,
    scope BIGINT NOT NULL,
    days BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    failures BIGINT NOT NULL DEFAULT 0,
    views BIGINT NOT NULL DEFAULT 0,
    last_viewed_at BIGINT
);
CREATE INDEX health_links_user ON health_links (user_id, created_at);
