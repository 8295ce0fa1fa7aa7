//! Doses taken or missed: one per plan and day, or, for a day taken in parts, one per dose time.

use jiff::Timestamp;
use jiff::civil::Date;
use uuid::Uuid;

use crate::{DoseRecord, DoseStatus, NewDose, PlanId, Result, Store, StoreError, UserId, date, micros, ts, uuid};

impl Store {
    /// Records the day's dose, or one dose time's, as taken or missed (one record per plan, day
    /// and time; a later record replaces an earlier one, e.g. "missed" corrected to "taken").
    pub async fn record_dose(&self, user: UserId, d: &NewDose, now: Timestamp) -> Result<()> {
        self.record_dose_on(&mut *self.pool.acquire().await?, user, d, now).await
    }

    pub(crate) async fn record_dose_on(
        &self,
        conn: &mut sqlx::AnyConnection,
        user: UserId,
        d: &NewDose,
        now: Timestamp,
    ) -> Result<()> {
        let owned: Option<(String,)> = sqlx::query_as("SELECT id FROM plans WHERE id = $1 AND user_id = $2")
            .bind(d.plan.to_string())
            .bind(user.to_string())
            .fetch_optional(&mut *conn)
            .await?;
        if owned.is_none() {
            return Err(StoreError::NotFound);
        }
        let time = match d.time {
            None => -1_i64,
            Some(m) if m < 24 * 60 => i64::from(m),
            Some(m) => return Err(StoreError::Conflict(format!("dose time {m} is not a minute of the day"))),
        };
        sqlx::query(
            "INSERT INTO doses (id, user_id, plan_id, date, dose_time, status, dose_mg, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (plan_id, date, dose_time) DO UPDATE SET status = excluded.status, dose_mg = excluded.dose_mg, \
             recorded_at = excluded.recorded_at",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(user.to_string())
        .bind(d.plan.to_string())
        .bind(d.date.to_string())
        .bind(time)
        .bind(d.status.as_str())
        .bind(d.dose_mg)
        .bind(micros(now))
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// The records for one plan and day: the whole day's, or one per dose time, earliest first.
    pub async fn doses_on(&self, user: UserId, plan: PlanId, on: Date) -> Result<Vec<DoseRecord>> {
        let rows: Vec<DoseRow> = sqlx::query_as(
            "SELECT plan_id, date, dose_time, status, dose_mg, recorded_at FROM doses \
             WHERE user_id = $1 AND plan_id = $2 AND date = $3 ORDER BY dose_time",
        )
        .bind(user.to_string())
        .bind(plan.to_string())
        .bind(on.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(DoseRecord::try_from).collect()
    }

    /// The records for one plan from `from` to `to`, both included, by date then time: the dose
    /// calendar's days, bounded however long the history (ISO dates compare as text).
    pub async fn doses_between(&self, user: UserId, plan: PlanId, from: Date, to: Date) -> Result<Vec<DoseRecord>> {
        let rows: Vec<DoseRow> = sqlx::query_as(
            "SELECT plan_id, date, dose_time, status, dose_mg, recorded_at FROM doses \
             WHERE user_id = $1 AND plan_id = $2 AND date >= $3 AND date <= $4 ORDER BY date, dose_time",
        )
        .bind(user.to_string())
        .bind(plan.to_string())
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(DoseRecord::try_from).collect()
    }

    /// Whether a dose of `plan` was recorded taken on `since` or later: one indexed lookup,
    /// where Today asks it on every view (ISO dates compare as text).
    pub async fn taken_since(&self, user: UserId, plan: PlanId, since: Date) -> Result<bool> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT 1 FROM doses WHERE user_id = $1 AND plan_id = $2 AND date >= $3 AND status = $4 LIMIT 1",
        )
        .bind(user.to_string())
        .bind(plan.to_string())
        .bind(since.to_string())
        .bind(DoseStatus::Taken.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    pub async fn doses(&self, user: UserId) -> Result<Vec<DoseRecord>> {
        let rows: Vec<DoseRow> = sqlx::query_as(
            "SELECT plan_id, date, dose_time, status, dose_mg, recorded_at FROM doses WHERE user_id = $1 \
             ORDER BY date, dose_time, recorded_at",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(DoseRecord::try_from).collect()
    }
}

#[derive(sqlx::FromRow)]
struct DoseRow {
    plan_id: String,
    date: String,
    dose_time: i64,
    status: String,
    dose_mg: f64,
    recorded_at: i64,
}

impl TryFrom<DoseRow> for DoseRecord {
    type Error = StoreError;
    fn try_from(r: DoseRow) -> Result<DoseRecord> {
        Ok(DoseRecord {
            plan: uuid(&r.plan_id)?,
            date: date(&r.date)?,
            // -1 is the whole day; the column's CHECK keeps the rest within the day.
            time: u16::try_from(r.dose_time).ok(),
            status: DoseStatus::parse(&r.status)?,
            dose_mg: r.dose_mg,
            recorded_at: ts(r.recorded_at)?,
        })
    }
}
