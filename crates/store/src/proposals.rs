//! Proposals to change a plan: pending until the person decides.

use jiff::Timestamp;

use crate::{
    NewProposal, PROPOSAL_COLUMNS, PlanId, ProposalId, ProposalRecord, ProposalRow, Result, Store, StoreError, UserId,
    micros, trusted,
};

impl Store {
    /// Adds a pending proposal to one of `user`'s plans (its reason and details sealed:
    /// a supporter's own words about the person travel in them), on a revision of that plan; anything
    /// else (another person's plan, a revision of another plan) is `NotFound` and writes nothing.
    /// A rule's suggestion already waiting on that revision is `Conflict` (made once however many
    /// instances work it out).
    pub async fn insert_proposal(&self, user: UserId, p: &NewProposal<'_>, now: Timestamp) -> Result<ProposalId> {
        let id = ProposalId::fresh();
        let r = sqlx::query(
            "INSERT INTO proposals (id, plan_id, revision_id, rule, status, title, reason, details, created_at, \
             proposed_by, proposer_name) SELECT $1, $2, $3, $4, 'pending', $5, $6, $7, $8, $9, $10 \
             WHERE EXISTS (SELECT 1 FROM plans WHERE id = $2 AND user_id = $11) \
             AND EXISTS (SELECT 1 FROM plan_revisions WHERE id = $3 AND plan_id = $2) \
             ON CONFLICT (plan_id, revision_id, rule) WHERE status = 'pending' AND rule <> 'supporter' DO NOTHING",
        )
        .bind(id.to_string())
        .bind(p.plan.to_string())
        .bind(p.revision.to_string())
        .bind(p.rule.key())
        .bind(p.title)
        .bind(self.seal(p.reason)?)
        .bind(self.seal(p.details)?)
        .bind(micros(now))
        .bind(p.proposed_by.map(|(id, _)| id.to_string()))
        .bind(p.proposed_by.map(|(_, name)| name.to_string()))
        .bind(user.to_string())
        .execute(&self.pool)
        .await?;
        if r.rows_affected() == 1 {
            return Ok(id);
        }
        // Not written: the plan or revision is not the person's, or the same rule already waits.
        let waiting: Option<(String,)> = sqlx::query_as(
            "SELECT p.id FROM proposals p JOIN plans ON plans.id = p.plan_id WHERE p.plan_id = $1 \
             AND p.revision_id = $2 AND p.rule = $3 AND p.status = 'pending' AND plans.user_id = $4",
        )
        .bind(p.plan.to_string())
        .bind(p.revision.to_string())
        .bind(p.rule.key())
        .bind(user.to_string())
        .fetch_optional(&self.pool)
        .await?;
        match waiting {
            Some(_) => Err(StoreError::Conflict("this suggestion already waits".into())),
            None => Err(StoreError::NotFound),
        }
    }

    /// All proposals on the person's plan, newest first.
    pub async fn proposals(&self, user: UserId, plan: PlanId) -> Result<Vec<ProposalRecord>> {
        let rows: Vec<ProposalRow> = sqlx::query_as(trusted(format!(
            "SELECT {PROPOSAL_COLUMNS} FROM proposals p JOIN plans ON plans.id = p.plan_id \
             WHERE p.plan_id = $1 AND plans.user_id = $2 ORDER BY p.created_at DESC, p.id DESC"
        )))
        .bind(plan.to_string())
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                let mut p = ProposalRecord::try_from(r)?;
                p.reason = self.open(p.reason)?;
                p.details = self.open(p.details)?;
                Ok(p)
            })
            .collect()
    }

    /// Declines a pending proposal on one of the person's plans.
    pub async fn decline_proposal(&self, user: UserId, proposal: ProposalId, now: Timestamp) -> Result<()> {
        let r = sqlx::query(
            "UPDATE proposals SET status = 'declined', decided_at = $1 WHERE id = $2 AND status = 'pending' \
             AND plan_id IN (SELECT id FROM plans WHERE user_id = $3)",
        )
        .bind(micros(now))
        .bind(proposal.to_string())
        .bind(user.to_string())
        .execute(&self.pool)
        .await?;
        if r.rows_affected() == 1 { Ok(()) } else { Err(StoreError::NotFound) }
    }
}
