//! Doses of a switch, taken or missed: one per switch, day, medicine and dose time.

use jiff::Timestamp;
use jiff::civil::Date;
use uuid::Uuid;

use crate::{DoseStatus, Result, Store, StoreError, SwitchId, UserId, date, micros, ts};

/// One dose of a switch, as recorded or to record.
#[derive(Debug, Clone, PartialEq)]
pub struct SwitchDose {
    pub switch: SwitchId,
    pub date: Date,
    /// The catalogue's id of the medicine.
    pub drug: String,
    /// Minutes after midnight.
    pub time: u16,
    pub status: DoseStatus,
    /// What core planned for that stage and time.
    pub dose_mg: f64,
    /// When it was recorded (ignored when recording: the store stamps it).
    pub recorded_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct SwitchDoseRow {
    switch_id: String,
    date: String,
    drug: String,
    dose_time: i64,
    status: String,
    dose_mg: f64,
    recorded_at: i64,
}

impl TryFrom<SwitchDoseRow> for SwitchDose {
    type Error = StoreError;
    fn try_from(r: SwitchDoseRow) -> Result<SwitchDose> {
        Ok(SwitchDose {
            switch: r.switch_id.parse().map_err(|e| StoreError::Corrupt(format!("switch dose: {e}")))?,
            date: date(&r.date)?,
            drug: r.drug,
            time: u16::try_from(r.dose_time).map_err(|e| StoreError::Corrupt(format!("switch dose time: {e}")))?,
            status: DoseStatus::parse(&r.status)?,
            dose_mg: r.dose_mg,
            recorded_at: ts(r.recorded_at)?,
        })
    }
}

impl Store {
    /// Records one dose of the person's switch in force as taken or missed; a later record of the
    /// same day, medicine and time replaces the earlier one (a correction). `NotFound` when the
    /// switch is not theirs or has ended.
    pub async fn record_switch_dose(&self, user: UserId, d: &SwitchDose, now: Timestamp) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        let open: Option<(String,)> =
            sqlx::query_as("SELECT id FROM switches WHERE id = $1 AND user_id = $2 AND ended_at IS NULL")
                .bind(d.switch.to_string())
                .bind(user.to_string())
                .fetch_optional(&mut *conn)
                .await?;
        if open.is_none() {
            return Err(StoreError::NotFound);
        }
        insert(&mut conn, user, &SwitchDose { recorded_at: now, ..d.clone() }).await
    }

    /// The records of one switch and day, by time.
    pub async fn switch_doses_on(&self, user: UserId, switch: SwitchId, on: Date) -> Result<Vec<SwitchDose>> {
        let rows: Vec<SwitchDoseRow> = sqlx::query_as(
            "SELECT switch_id, date, drug, dose_time, status, dose_mg, recorded_at FROM switch_doses \
             WHERE user_id = $1 AND switch_id = $2 AND date = $3 ORDER BY dose_time, drug",
        )
        .bind(user.to_string())
        .bind(switch.to_string())
        .bind(on.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(SwitchDose::try_from).collect()
    }

    /// Every switch dose the person recorded, by date and time (the export and the CSV).
    pub async fn switch_doses(&self, user: UserId) -> Result<Vec<SwitchDose>> {
        let rows: Vec<SwitchDoseRow> = sqlx::query_as(
            "SELECT switch_id, date, drug, dose_time, status, dose_mg, recorded_at FROM switch_doses \
             WHERE user_id = $1 ORDER BY date, dose_time, drug",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(SwitchDose::try_from).collect()
    }
}

/// Writes one record, replacing the one of the same switch, day, medicine and time.
pub(crate) async fn insert(conn: &mut sqlx::AnyConnection, user: UserId, d: &SwitchDose) -> Result<()> {
    if d.time >= 24 * 60 {
        return Err(StoreError::Conflict(format!("dose time {} is not a minute of the day", d.time)));
    }
    sqlx::query(
        "INSERT INTO switch_doses (id, user_id, switch_id, date, drug, dose_time, status, dose_mg, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (switch_id, date, drug, dose_time) DO UPDATE SET status = excluded.status, \
         dose_mg = excluded.dose_mg, recorded_at = excluded.recorded_at",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(user.to_string())
    .bind(d.switch.to_string())
    .bind(d.date.to_string())
    .bind(&d.drug)
    .bind(i64::from(d.time))
    .bind(d.status.as_str())
    .bind(d.dose_mg)
    .bind(micros(d.recorded_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}
