-- Several plans at once (issue 20: e.g. sertraline and clonazepam). A plan is in force until a
-- newer one replaces it; before this migration the newest plan of each person replaced every
-- earlier one, so each earlier plan is marked replaced when the next one was made.
ALTER TABLE plans ADD COLUMN replaced_at BIGINT;

UPDATE plans SET replaced_at = (
    SELECT MIN(n.created_at) FROM plans n
    WHERE n.user_id = plans.user_id
      AND (n.created_at > plans.created_at OR (n.created_at = plans.created_at AND n.id > plans.id))
);
