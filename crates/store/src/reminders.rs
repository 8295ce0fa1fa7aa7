//! Reminder choices, and the single-use "I took it" links a dose reminder carries.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::{DoseLink, PlanId, Reminders, Result, Store, UserId, date, micros, uuid};

#[derive(sqlx::FromRow)]
struct RemindersRow {
    user_id: String,
    doses: i64,
    checkin: i64,
    step: i64,
    supply: i64,
    quiet_from: Option<i64>,
    quiet_to: Option<i64>,
    once_at: Option<i64>,
}

impl RemindersRow {
    fn read(self) -> Result<(UserId, Reminders)> {
        let minute = |m: Option<i64>| m.and_then(|v| u16::try_from(v).ok());
        let quiet = match (minute(self.quiet_from), minute(self.quiet_to)) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        };
        let r = Reminders {
            doses: self.doses == 1,
            checkin: self.checkin == 1,
            step: self.step == 1,
            supply: self.supply == 1,
            quiet,
            once_at: minute(self.once_at),
        };
        Ok((uuid(&self.user_id)?, r))
    }
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    user_id: String,
    plan_id: String,
    date: String,
    dose_time: i64,
}

impl LinkRow {
    fn read(self) -> Result<DoseLink> {
        Ok(DoseLink {
            user: uuid(&self.user_id)?,
            plan: uuid(&self.plan_id)?,
            date: date(&self.date)?,
            time: u16::try_from(self.dose_time).ok(),
        })
    }
}

impl Store {
    pub async fn set_reminders(&self, user: UserId, r: &Reminders, now: Timestamp) -> Result<()> {
        sqlx::query(
            "INSERT INTO reminders (user_id, doses, checkin, step, supply, quiet_from, quiet_to, once_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (user_id) DO UPDATE SET doses = excluded.doses, \
             checkin = excluded.checkin, step = excluded.step, supply = excluded.supply, \
             quiet_from = excluded.quiet_from, quiet_to = excluded.quiet_to, once_at = excluded.once_at, \
             updated_at = excluded.updated_at",
        )
        .bind(user.to_string())
        .bind(i64::from(r.doses))
        .bind(i64::from(r.checkin))
        .bind(i64::from(r.step))
        .bind(i64::from(r.supply))
        .bind(r.quiet.map(|(a, _)| i64::from(a)))
        .bind(r.quiet.map(|(_, b)| i64::from(b)))
        .bind(r.once_at.map(i64::from))
        .bind(micros(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The person's reminder choices; all off when they never chose.
    pub async fn reminders(&self, user: UserId) -> Result<Reminders> {
        let row: Option<RemindersRow> = sqlx::query_as(
            "SELECT user_id, doses, checkin, step, supply, quiet_from, quiet_to, once_at FROM reminders WHERE user_id = $1",
        )
        .bind(user.to_string())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(RemindersRow::read).transpose()?.map(|(_, r)| r).unwrap_or_default())
    }

    /// Everyone with at least one reminder on.
    pub async fn reminded(&self) -> Result<Vec<(UserId, Reminders)>> {
        let rows: Vec<RemindersRow> = sqlx::query_as(
            "SELECT user_id, doses, checkin, step, supply, quiet_from, quiet_to, once_at FROM reminders \
             WHERE doses = 1 OR checkin = 1 OR step = 1 OR supply = 1 ORDER BY user_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(RemindersRow::read).collect()
    }

    /// Keeps a dose link's hash: it records `link`'s dose as taken, once, until `expires_at`.
    pub async fn create_dose_link(
        &self,
        token_hash: &str,
        link: &DoseLink,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO dose_links (token_hash, user_id, plan_id, date, dose_time, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(token_hash)
        .bind(link.user.to_string())
        .bind(link.plan.to_string())
        .bind(link.date.to_string())
        .bind(link.time.map_or(-1, i64::from))
        .bind(micros(expires_at))
        .bind(micros(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The dose a link still records (unused, unexpired), without using it.
    pub async fn dose_link(&self, token_hash: &str, now: Timestamp) -> Result<Option<DoseLink>> {
        let row: Option<LinkRow> = sqlx::query_as(
            "SELECT user_id, plan_id, date, dose_time FROM dose_links \
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(micros(now))
        .fetch_optional(&self.pool)
        .await?;
        row.map(LinkRow::read).transpose()
    }

    /// The dose of a link that has been used (to say that it is recorded).
    pub async fn dose_link_used(&self, token_hash: &str) -> Result<Option<DoseLink>> {
        let row: Option<LinkRow> = sqlx::query_as(
            "SELECT user_id, plan_id, date, dose_time FROM dose_links WHERE token_hash = $1 AND used_at IS NOT NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(LinkRow::read).transpose()
    }

    /// Uses a link: the dose it records, or `None` when it is unknown, used or expired (two
    /// uses at once: one wins).
    pub async fn use_dose_link(&self, token_hash: &str, now: Timestamp) -> Result<Option<DoseLink>> {
        let row: Option<LinkRow> = sqlx::query_as(
            "UPDATE dose_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 \
             RETURNING user_id, plan_id, date, dose_time",
        )
        .bind(micros(now))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(LinkRow::read).transpose()
    }

    /// Whether `plan`'s dose on `on` at `time` has a record (taken or missed).
    pub async fn dose_recorded(&self, user: UserId, plan: PlanId, on: Date, time: Option<u16>) -> Result<bool> {
        let records = self.doses_on(user, plan, on).await?;
        Ok(records.iter().any(|r| r.time == time))
    }
}
