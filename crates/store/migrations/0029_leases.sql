-- Work one instance does for all that share the database (issue 21: the daily backup taken by
-- one instance when several share a SQLite file). A lease is held until `until_at`; another
-- instance may take it only after then.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until_at BIGINT NOT NULL
);
