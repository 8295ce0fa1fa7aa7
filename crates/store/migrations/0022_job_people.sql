-- A queued message belongs to the people it is to and about: deleting either account deletes
-- it ("deleted means unreadable": a queued reminder still went to a deleted account's address,
-- and a failed one kept that address, sealed, for good).
ALTER TABLE jobs ADD COLUMN user_id TEXT REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE jobs ADD COLUMN about_id TEXT REFERENCES users (id) ON DELETE CASCADE;
CREATE INDEX jobs_user ON jobs (user_id);
CREATE INDEX jobs_about ON jobs (about_id);
