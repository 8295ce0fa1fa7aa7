-- A person's own reminder of whom an invitation is for, so pending codes can be told apart and
-- cancelled.
ALTER TABLE invites ADD COLUMN label TEXT NOT NULL DEFAULT '';
