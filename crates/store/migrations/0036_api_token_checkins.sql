-- Issue 22: a token may record check-ins and questionnaires (as the web app does: an answer about
-- self-harm is kept first and alerts supporters), allowed apart from recording doses. Tokens
-- made before could not, so they still cannot.
ALTER TABLE api_tokens ADD COLUMN record_checkins BIGINT NOT NULL DEFAULT 0;
