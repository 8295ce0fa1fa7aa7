-- Roles, consented sharing, the access log, questionnaires and flag resolutions.
-- The access log (audit) is only ever inserted into; no statement in the store updates it, and
-- it is removed only with the account it describes.

ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'person';

CREATE TABLE invites (
    code_hash TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    can_propose BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_by TEXT,
    used_at BIGINT
);

CREATE TABLE shares (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    grantee_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    can_propose BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX shares_grantee ON shares (grantee_id);
CREATE INDEX shares_owner ON shares (owner_id);

CREATE TABLE audit (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX audit_owner ON audit (owner_id, at);

CREATE TABLE questionnaires (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    instrument TEXT NOT NULL,
    date TEXT NOT NULL,
    answers TEXT NOT NULL,
    total BIGINT NOT NULL,
    item9 BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX questionnaires_user ON questionnaires (user_id, date);

CREATE TABLE flag_resolutions (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    flag_key TEXT NOT NULL,
    resolved_by TEXT NOT NULL,
    resolver_name TEXT NOT NULL,
    note TEXT NOT NULL,
    at BIGINT NOT NULL,
    UNIQUE (owner_id, flag_key)
);
