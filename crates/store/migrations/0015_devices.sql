-- Browsers that have signed in to an account before (issue 19, security probe M2; OWASP's
-- "device cookies"): a sign-in from such a browser is judged on its own counter, so a guesser
-- elsewhere cannot keep the owner out. The cookie's value is stored hashed.
CREATE TABLE devices (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    issued_at BIGINT NOT NULL
);
CREATE INDEX devices_user ON devices (user_id);
CREATE INDEX devices_issued ON devices (issued_at);
