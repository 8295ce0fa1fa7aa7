//! Plans and their revisions: revisions are only ever added.

use jiff::Timestamp;
use uuid::Uuid;

use crate::{
    NewRevision, PlanId, PlanRecord, PlanWithRevisions, REVISION_COLUMNS, Result, Revision, RevisionRow, Store,
    StoreError, UserId, micros, trusted, ts, uuid,
};

impl Store {
    /// Creates a plan with its first revision; the person's plans in `replaces` stop being in
    /// force in the same transaction (`Conflict` when one of them is not theirs or was already
    /// replaced, so two saves at once cannot both replace it).
    pub async fn create_plan(
        &self,
        user: UserId,
        drug: &str,
        first: &NewRevision<'_>,
        replaces: &[PlanId],
        now: Timestamp,
    ) -> Result<PlanId> {
        let mut tx = self.begin_write().await?;
        replace_plans(&mut tx, user, replaces, now).await?;
        let id = insert_plan(&mut tx, user, drug, now, None).await?;
        insert_revision(&mut tx, id, 1, first, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The person's plans in force (not replaced by a newer one), oldest first: the order they
    /// are shown in, the first being the one a page shows when none is chosen.
    pub async fn active_plans(&self, user: UserId) -> Result<Vec<PlanRecord>> {
        let rows: Vec<PlanRow> = sqlx::query_as(
            "SELECT id, drug, created_at, replaced_at FROM plans WHERE user_id = $1 AND replaced_at IS NULL \
             ORDER BY created_at, id",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(PlanRecord::try_from).collect()
    }

    /// Everyone with a plan in force, with their time zone (the hourly readings sweep).
    pub async fn people_with_plans(&self) -> Result<Vec<(UserId, String)>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT DISTINCT u.id, u.time_zone FROM users u JOIN plans p ON p.user_id = u.id \
             WHERE p.replaced_at IS NULL ORDER BY u.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(|(id, tz)| Ok((crate::uuid(&id)?, tz))).collect()
    }

    /// The person's plans, newest first.
    pub async fn plans(&self, user: UserId) -> Result<Vec<PlanRecord>> {
        let rows: Vec<PlanRow> = sqlx::query_as(
            "SELECT id, drug, created_at, replaced_at FROM plans WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(PlanRecord::try_from).collect()
    }

    /// One of the person's plans with all its revisions, oldest first.
    pub async fn plan(&self, user: UserId, plan: PlanId) -> Result<PlanWithRevisions> {
        let row: PlanRow =
            sqlx::query_as("SELECT id, drug, created_at, replaced_at FROM plans WHERE id = $1 AND user_id = $2")
                .bind(plan.to_string())
                .bind(user.to_string())
                .fetch_optional(&self.pool)
                .await?
                .ok_or(StoreError::NotFound)?;
        let rows: Vec<RevisionRow> = sqlx::query_as(trusted(format!(
            "SELECT {REVISION_COLUMNS} FROM plan_revisions WHERE plan_id = $1 ORDER BY number"
        )))
        .bind(&row.id)
        .fetch_all(&self.pool)
        .await?;
        Ok(PlanWithRevisions {
            plan: PlanRecord::try_from(row)?,
            revisions: rows.into_iter().map(Revision::try_from).collect::<Result<_>>()?,
        })
    }

    /// Adds a revision to the person's plan, after revision number `after` (the one it was worked
    /// out from): `Conflict` when another was added meanwhile (two holds at once would otherwise
    /// stack, and going on after them came a step early). When it comes from a proposal, the
    /// proposal is marked accepted in the same transaction, and only if it was still pending.
    pub async fn add_revision(
        &self,
        user: UserId,
        plan: PlanId,
        rev: &NewRevision<'_>,
        after: i64,
        now: Timestamp,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let owner: Option<(String,)> = sqlx::query_as("SELECT id FROM plans WHERE id = $1 AND user_id = $2")
            .bind(plan.to_string())
            .bind(user.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if owner.is_none() {
            return Err(StoreError::NotFound);
        }
        let (max,): (Option<i64>,) = sqlx::query_as("SELECT MAX(number) FROM plan_revisions WHERE plan_id = $1")
            .bind(plan.to_string())
            .fetch_one(&mut *tx)
            .await?;
        if max.unwrap_or(0) != after {
            return Err(StoreError::Conflict("the plan changed meanwhile".into()));
        }
        // Two transactions that both read `after` insert the same number: the unique
        // (plan_id, number) refuses the second, which is the same conflict.
        let number = after + 1;
        if let Some(p) = rev.proposal {
            let r = sqlx::query(
                "UPDATE proposals SET status = 'accepted', decided_at = $1 WHERE id = $2 AND plan_id = $3 AND status = 'pending'",
            )
            .bind(micros(now))
            .bind(p.to_string())
            .bind(plan.to_string())
            .execute(&mut *tx)
            .await?;
            if r.rows_affected() != 1 {
                return Err(StoreError::Conflict("proposal".into()));
            }
        }
        match insert_revision(&mut tx, plan, number, rev, now).await {
            Err(StoreError::Database(e)) => return Err(StoreError::conflict_on(e, "the plan changed meanwhile")),
            other => other?,
        }
        tx.commit().await?;
        Ok(number)
    }
}
/// Marks `plans` of `user` replaced at `now`; `Conflict` when one is not theirs or no longer in
/// force (a second tab).
pub(crate) async fn replace_plans(
    conn: &mut sqlx::AnyConnection,
    user: UserId,
    plans: &[PlanId],
    now: Timestamp,
) -> Result<()> {
    for old in plans {
        let r = sqlx::query("UPDATE plans SET replaced_at = $1 WHERE id = $2 AND user_id = $3 AND replaced_at IS NULL")
            .bind(micros(now))
            .bind(old.to_string())
            .bind(user.to_string())
            .execute(&mut *conn)
            .await?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Conflict("the plan to replace".into()));
        }
    }
    Ok(())
}

/// A new plan row (its revisions are added after); `replaced` when it is no longer in force.
pub(crate) async fn insert_plan(
    conn: &mut sqlx::AnyConnection,
    user: UserId,
    drug: &str,
    now: Timestamp,
    replaced: Option<Timestamp>,
) -> Result<PlanId> {
    let id = PlanId::fresh();
    sqlx::query("INSERT INTO plans (id, user_id, drug, created_at, replaced_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id.to_string())
        .bind(user.to_string())
        .bind(drug)
        .bind(micros(now))
        .bind(replaced.map(micros))
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

pub(crate) async fn insert_revision(
    conn: &mut sqlx::AnyConnection,
    plan: PlanId,
    number: i64,
    r: &NewRevision<'_>,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO plan_revisions (id, plan_id, number, effective_date, day_offset, hold, settings, steps, reason, \
         proposal_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(plan.to_string())
    .bind(number)
    .bind(r.effective.to_string())
    .bind(i64::from(r.day_offset))
    .bind(i64::from(r.hold))
    .bind(r.settings)
    .bind(r.steps)
    .bind(r.reason)
    .bind(r.proposal.map(|p| p.to_string()))
    .bind(micros(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub(crate) struct PlanRow {
    pub(crate) id: String,
    drug: String,
    created_at: i64,
    replaced_at: Option<i64>,
}

impl TryFrom<PlanRow> for PlanRecord {
    type Error = StoreError;
    fn try_from(r: PlanRow) -> Result<PlanRecord> {
        Ok(PlanRecord {
            id: uuid(&r.id)?,
            drug: r.drug,
            created_at: ts(r.created_at)?,
            replaced_at: r.replaced_at.map(ts).transpose()?,
        })
    }
}
