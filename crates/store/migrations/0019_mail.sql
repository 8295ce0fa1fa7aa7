-- E-mail (issue 20): a durable queue of messages to send, and password-reset tokens.
--
-- jobs: claimed by one instance at a time (locked_by/locked_until; PostgreSQL claims with
-- FOR UPDATE SKIP LOCKED), retried with backoff until max attempts, then failed_at is set and the
-- operator sees it. payload is sealed like other free text (it holds an address and a link) and is
-- cleared once sent. dedupe keeps two instances from queueing the same message twice.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('email')),
    dedupe TEXT UNIQUE,
    payload TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    locked_by TEXT,
    locked_until BIGINT,
    done_at BIGINT,
    failed_at BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE done_at IS NULL AND failed_at IS NULL;

-- A reset token is kept only as its SHA-256; it works once, until expires_at.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    created_at BIGINT NOT NULL
);
