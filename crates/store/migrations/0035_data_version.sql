-- Issue 21: each person's data version, raised by the database itself whenever a row of theirs
-- is written (the triggers are made by `Store::connect`, in each database's own dialect: see
-- `versions.rs`). A page kept in memory is current while it was made at this version, so a view
-- reads one number instead of every table the page shows.
ALTER TABLE users ADD COLUMN data_version BIGINT NOT NULL DEFAULT 0;
