-- Reminders by e-mail (issue 20): what each person asked to be reminded of, with quiet hours in
-- their own time zone (minutes of the day; the hours may run past midnight), and single-use links
-- in a dose reminder that record that dose as taken (kept as a hash; one dose; they expire).
CREATE TABLE reminders (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    doses BIGINT NOT NULL DEFAULT 0 CHECK (doses IN (0, 1)),
    checkin BIGINT NOT NULL DEFAULT 0 CHECK (checkin IN (0, 1)),
    step BIGINT NOT NULL DEFAULT 0 CHECK (step IN (0, 1)),
    supply BIGINT NOT NULL DEFAULT 0 CHECK (supply IN (0, 1)),
    quiet_from BIGINT CHECK (quiet_from BETWEEN 0 AND 1439),
    quiet_to BIGINT CHECK (quiet_to BETWEEN 0 AND 1439),
    -- When a dose taken once a day with no time in the plan is reminded of; NULL: 09:00.
    once_at BIGINT CHECK (once_at BETWEEN 0 AND 1439),
    updated_at BIGINT NOT NULL
);

CREATE TABLE dose_links (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    plan_id TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    dose_time BIGINT NOT NULL CHECK (dose_time BETWEEN -1 AND 1439),
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    created_at BIGINT NOT NULL
);
