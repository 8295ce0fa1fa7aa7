-- Whose forms a CSRF token was issued to (issue 19, security probe N1/N10): a PHQ-9 with an
-- item-9 answer, or a "yes" to the daily question, sent on a form whose session has lapsed is
-- saved for the account the form was shown to, and for no one else. Tokens are stored hashed;
-- a row ends when its session is signed out, at "sign out everywhere else", with the account,
-- or a few days after it was issued.
CREATE TABLE form_owners (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    issued_at BIGINT NOT NULL
);
CREATE INDEX form_owners_user ON form_owners (user_id);
CREATE INDEX form_owners_issued ON form_owners (issued_at);
