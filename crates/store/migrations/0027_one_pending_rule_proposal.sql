-- One pending suggestion per plan, revision and rule (issue 21): suggestions are now worked out
-- when data change and by each instance's hourly sweep, so two may try at once; the second is
-- refused here. Supporters' suggestions are not limited. Duplicates left by pages that used to
-- make suggestions when viewed are removed first, the earliest kept.
DELETE FROM proposals
WHERE status = 'pending' AND rule <> 'supporter'
  AND EXISTS (
    SELECT 1 FROM proposals earlier
    WHERE earlier.plan_id = proposals.plan_id AND earlier.revision_id = proposals.revision_id
      AND earlier.rule = proposals.rule AND earlier.status = 'pending'
      AND (earlier.created_at < proposals.created_at
           OR (earlier.created_at = proposals.created_at AND earlier.id < proposals.id))
  );
CREATE UNIQUE INDEX proposals_one_pending_rule ON proposals (plan_id, revision_id, rule)
    WHERE status = 'pending' AND rule <> 'supporter';
