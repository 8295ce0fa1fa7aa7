-- One sealed value that tells whether the key a server starts with is the one this database's
-- free text was sealed with (crates/store/src/seal.rs).
CREATE TABLE seal_check (
    id BIGINT PRIMARY KEY,
    value TEXT NOT NULL
);
