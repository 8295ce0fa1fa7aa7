//! Switches a person follows: the form's answers and the day it began; one in force at a time.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::{PlanId, Result, Store, StoreError, SwitchId, UserId, micros};

/// A switch as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct SwitchRecord {
    pub id: SwitchId,
    /// The switch form's answers, as the server wrote them (JSON).
    pub form: String,
    pub start: Date,
    /// (stage, days) the person stayed on a stage longer, in the order asked.
    pub stays: Vec<(usize, u32)>,
    pub created_at: Timestamp,
    pub ended_at: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct SwitchRow {
    id: String,
    form: String,
    start_date: String,
    stays: String,
    created_at: i64,
    ended_at: Option<i64>,
}

impl TryFrom<SwitchRow> for SwitchRecord {
    type Error = StoreError;
    fn try_from(r: SwitchRow) -> Result<SwitchRecord> {
        let corrupt = |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("switch {}: {e}", r.id));
        Ok(SwitchRecord {
            id: r.id.parse().map_err(|e| corrupt(&e))?,
            start: r.start_date.parse().map_err(|e| corrupt(&e))?,
            form: r.form,
            stays: serde_json::from_str(&r.stays).map_err(|e| corrupt(&e))?,
            created_at: crate::ts(r.created_at)?,
            ended_at: r.ended_at.map(crate::ts).transpose()?,
        })
    }
}

impl Store {
    /// Starts a switch from `start`, ending the plans it `replaces` (the drug switched from) in
    /// the same transaction. `Conflict` when a switch is already in force, or a plan to end is
    /// not the person's or no longer in force (a second tab).
    pub async fn start_switch(
        &self,
        user: UserId,
        form: &str,
        start: Date,
        replaces: &[PlanId],
        now: Timestamp,
    ) -> Result<SwitchId> {
        let mut tx = self.begin_write().await?;
        let open: Option<(String,)> = sqlx::query_as("SELECT id FROM switches WHERE user_id = $1 AND ended_at IS NULL")
            .bind(user.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if open.is_some() {
            return Err(StoreError::Conflict("a switch is already in force".into()));
        }
        crate::plans::replace_plans(&mut tx, user, replaces, now).await?;
        let id = SwitchId::fresh();
        sqlx::query("INSERT INTO switches (id, user_id, form, start_date, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id.to_string())
            .bind(user.to_string())
            .bind(form)
            .bind(start.to_string())
            .bind(micros(now))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The switch the person follows, if any.
    pub async fn active_switch(&self, user: UserId) -> Result<Option<SwitchRecord>> {
        Ok(self.active_switches_of(&[user]).await?.remove(&user))
    }

    /// Every switch of the person, oldest first (for the export).
    pub async fn switches(&self, user: UserId) -> Result<Vec<SwitchRecord>> {
        let rows: Vec<SwitchRow> = sqlx::query_as(
            "SELECT id, form, start_date, stays, created_at, ended_at FROM switches WHERE user_id = $1 ORDER BY created_at, id",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(SwitchRecord::try_from).collect()
    }

    /// Records that the person stays `days` longer on `stage` of their switch `id` (its later
    /// stages come that much later), unless `stays_before` no longer matches what is kept (a
    /// second tab, a double tap: `Conflict`). `NotFound` when it is not theirs or has ended.
    pub async fn stay_on_stage(
        &self,
        user: UserId,
        id: SwitchId,
        stays_before: &[(usize, u32)],
        stage: usize,
        days: u32,
    ) -> Result<()> {
        let before = serde_json::to_string(stays_before).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut after = stays_before.to_vec();
        after.push((stage, days));
        let after = serde_json::to_string(&after).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let r = sqlx::query(
            "UPDATE switches SET stays = $1 WHERE id = $2 AND user_id = $3 AND ended_at IS NULL AND stays = $4",
        )
        .bind(after)
        .bind(id.to_string())
        .bind(user.to_string())
        .bind(before)
        .execute(&self.pool)
        .await?;
        if r.rows_affected() == 1 {
            return Ok(());
        }
        match self.active_switch(user).await? {
            Some(s) if s.id == id => Err(StoreError::Conflict("the switch changed meanwhile".into())),
            _ => Err(StoreError::NotFound),
        }
    }

    /// Ends the person's switch `id`; `NotFound` when it is not theirs or already ended.
    pub async fn end_switch(&self, user: UserId, id: SwitchId, now: Timestamp) -> Result<()> {
        let r = sqlx::query("UPDATE switches SET ended_at = $1 WHERE id = $2 AND user_id = $3 AND ended_at IS NULL")
            .bind(micros(now))
            .bind(id.to_string())
            .bind(user.to_string())
            .execute(&self.pool)
            .await?;
        if r.rows_affected() == 1 { Ok(()) } else { Err(StoreError::NotFound) }
    }
}

/// Writes an imported switch as it was, with its recorded doses.
pub(crate) async fn insert_switch(
    conn: &mut sqlx::AnyConnection,
    user: UserId,
    s: &crate::ImportedSwitch<'_>,
) -> Result<()> {
    let stays = serde_json::to_string(s.stays).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let id = SwitchId::fresh();
    sqlx::query(
        "INSERT INTO switches (id, user_id, form, start_date, stays, created_at, ended_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id.to_string())
    .bind(user.to_string())
    .bind(s.form)
    .bind(s.start.to_string())
    .bind(stays)
    .bind(micros(s.created_at))
    .bind(s.ended_at.map(micros))
    .execute(&mut *conn)
    .await?;
    for d in &s.doses {
        let dose = crate::SwitchDose {
            switch: id,
            date: d.date,
            drug: d.drug.to_string(),
            time: d.time,
            status: d.status,
            dose_mg: d.dose_mg,
            recorded_at: d.recorded_at,
        };
        crate::switch_doses::insert(conn, user, &dose).await?;
    }
    Ok(())
}
