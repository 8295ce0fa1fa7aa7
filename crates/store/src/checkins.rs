//! Daily check-ins, one per person and day; notes sealed.

use jiff::Timestamp;
use jiff::civil::Date;
use uuid::Uuid;

use crate::{
    Backend, CHECKIN_COLUMNS, CheckInRecord, CheckInRow, DayLevel, NewCheckIn, Result, Store, StoreError, UserId,
    micros, trusted,
};

impl Store {
    /// Saves the day's check-in, replacing an earlier one for the same date.
    pub async fn save_checkin(&self, user: UserId, c: &NewCheckIn<'_>, now: Timestamp) -> Result<()> {
        // One transaction: the check-in and its count land together, at one sync to disk.
        let mut tx = self.begin_write().await?;
        self.save_checkin_on(&mut tx, user, c, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn save_checkin_on(
        &self,
        conn: &mut sqlx::AnyConnection,
        user: UserId,
        c: &NewCheckIn<'_>,
        now: Timestamp,
    ) -> Result<()> {
        let scores = serde_json::to_string(c.scores).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let own = if c.own.is_empty() {
            String::new()
        } else {
            self.seal(&serde_json::to_string(c.own).map_err(|e| StoreError::Corrupt(e.to_string()))?)?
        };
        sqlx::query(
            "INSERT INTO checkins (id, user_id, date, scores, burden, wellbeing, sleep_hours, note, own_scores, created_at, updated_at, level) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11) \
             ON CONFLICT (user_id, date) DO UPDATE SET scores = excluded.scores, burden = excluded.burden, level = excluded.level, \
             wellbeing = excluded.wellbeing, sleep_hours = excluded.sleep_hours, note = excluded.note, \
             own_scores = excluded.own_scores, updated_at = excluded.updated_at",
        )
        // Not prepared once per connection: PostgreSQL fixes a parameter's type at the first run,
        // and a first NULL (no sleep hours, no burden) then refused a number on the same
        // connection ("incorrect binary data format in bind parameter 11").
        .persistent(false)
        .bind(Uuid::now_v7().to_string())
        .bind(user.to_string())
        .bind(c.date.to_string())
        .bind(scores)
        .bind(i64::from(c.burden))
        .bind(i64::from(c.wellbeing))
        .bind(c.sleep_hours)
        .bind(self.seal(c.note)?)
        .bind(own)
        .bind(micros(now))
        // Core's reading of the answers, kept with them (migration 0025).
        .bind(taper_core::symptoms::burden_of(c.scores))
        .execute(&mut *conn)
        .await?;
        // A kept reading made before this write is no longer current (issue 21).
        sqlx::query("UPDATE users SET levels_version = levels_version + 1 WHERE id = $1")
            .bind(user.to_string())
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// The person's check-ins, oldest first.
    pub async fn checkins(&self, user: UserId) -> Result<Vec<CheckInRecord>> {
        let rows: Vec<CheckInRow> =
            sqlx::query_as(trusted(format!("SELECT {CHECKIN_COLUMNS} FROM checkins WHERE user_id = $1 ORDER BY date")))
                .bind(user.to_string())
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(|r| self.checkin_of(r)).collect()
    }

    /// Each check-in's day and burden as core reads it (kept on save), oldest first: what the
    /// readings need, without parsing answers or opening a sealed note (issue 21: the caseload
    /// opened every note of every person for its flags).
    pub async fn day_levels(&self, user: UserId) -> Result<Vec<DayLevel>> {
        Ok(self.day_levels_of(&[user]).await?.remove(&user).unwrap_or_default())
    }

    /// A person's check-in levels in one aggregated text, "date=micropoints,…": each row crosses
    /// from SQLite's worker thread on its own, and two years of check-ins were most of the
    /// caseload's time (issue 21). Levels travel as whole millionths of a point: turning a float
    /// into text cost SQLite more than the rest of the read, and a burden is read to a tenth.
    pub(crate) fn levels_aggregate(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => {
                "group_concat(date || '=' || COALESCE(CAST(ROUND(level * 1000000) AS INTEGER), ''), ',')"
            }
            Backend::Postgres => "string_agg(date || '=' || COALESCE(ROUND(level * 1000000)::bigint::text, ''), ',')",
        }
    }
}

/// Levels travel as whole millionths of a point.
const MICRO: f64 = 1_000_000.0;

/// The days of `levels_aggregate`'s text, oldest first.
pub(crate) fn day_levels_from(joined: Option<&str>) -> Result<Vec<DayLevel>> {
    let mut out =
        joined.unwrap_or("").split(',').filter(|d| !d.is_empty()).map(day_level).collect::<Result<Vec<_>>>()?;
    out.sort_by_key(|d| d.date);
    Ok(out)
}

/// "2026-01-02=7.25" (or "2026-01-02=" with no level), as `day_levels` reads it.
fn day_level(text: &str) -> Result<DayLevel> {
    let bad = |why: String| StoreError::Corrupt(format!("check-in level '{text}': {why}"));
    let (date, level) = text.split_once('=').ok_or_else(|| bad("no '='".into()))?;
    let date = date.parse().map_err(|e| bad(format!("{e}")))?;
    let level = match level {
        "" => None,
        l => Some(l.parse::<i64>().map_err(|e| bad(format!("{e}")))? as f64 / MICRO),
    };
    Ok(DayLevel { date, level })
}

impl Store {
    /// The person's last `n` check-ins, oldest first, notes opened.
    pub async fn recent_checkins(&self, user: UserId, n: u32) -> Result<Vec<CheckInRecord>> {
        let rows: Vec<CheckInRow> = sqlx::query_as(trusted(format!(
            "SELECT {CHECKIN_COLUMNS} FROM checkins WHERE user_id = $1 ORDER BY date DESC LIMIT $2"
        )))
        .bind(user.to_string())
        .bind(i64::from(n))
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<CheckInRecord> = rows.into_iter().map(|r| self.checkin_of(r)).collect::<Result<_>>()?;
        out.reverse();
        Ok(out)
    }

    pub async fn checkin_on(&self, user: UserId, on: Date) -> Result<Option<CheckInRecord>> {
        let row: Option<CheckInRow> =
            sqlx::query_as(trusted(format!("SELECT {CHECKIN_COLUMNS} FROM checkins WHERE user_id = $1 AND date = $2")))
                .bind(user.to_string())
                .bind(on.to_string())
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| self.checkin_of(r)).transpose()
    }
}

impl Store {
    /// The person's own symptoms (at most what the server allows), in their order.
    pub async fn own_symptoms(&self, user: UserId) -> Result<Vec<String>> {
        let stored: Option<String> = sqlx::query_scalar("SELECT own_symptoms FROM users WHERE id = $1")
            .bind(user.to_string())
            .fetch_optional(&self.pool)
            .await?;
        let stored = stored.ok_or(StoreError::NotFound)?;
        if stored.is_empty() {
            return Ok(Vec::new());
        }
        serde_json::from_str(&self.open(stored)?).map_err(|e| StoreError::Corrupt(format!("own symptoms: {e}")))
    }

    /// Replaces the person's own symptoms; past check-ins keep the names they were answered under.
    pub async fn set_own_symptoms(&self, user: UserId, names: &[String]) -> Result<()> {
        self.set_own_symptoms_on(&mut *self.pool.acquire().await?, user, names).await
    }

    pub(crate) async fn set_own_symptoms_on(
        &self,
        conn: &mut sqlx::AnyConnection,
        user: UserId,
        names: &[String],
    ) -> Result<()> {
        let stored = if names.is_empty() {
            String::new()
        } else {
            self.seal(&serde_json::to_string(names).map_err(|e| StoreError::Corrupt(e.to_string()))?)?
        };
        let done = sqlx::query("UPDATE users SET own_symptoms = $1 WHERE id = $2")
            .bind(stored)
            .bind(user.to_string())
            .execute(&mut *conn)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
