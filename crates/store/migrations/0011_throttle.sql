-- Attempts counted per key (a hashed account, a client address, a user id), shared by every
-- instance on this database. After the free attempts in a window each further attempt doubles
-- the wait before the next one, up to a cap: a slower attacker, never a locked-out owner.
CREATE TABLE throttle (
    key TEXT PRIMARY KEY,
    attempts BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    delay_ms BIGINT NOT NULL,
    next_allowed BIGINT NOT NULL
);
CREATE INDEX throttle_window ON throttle (window_start);
