//! Throttling counters, shared by every instance on one database.

use jiff::Timestamp;

use crate::{Backend, Result, Store, micros, trusted, ts};

impl Store {
    /// Counts one attempt under `key`, in one statement so concurrent attempts cannot slip past
    /// each other. Ok(None): the attempt is allowed. Ok(Some(t)): refused, try again at `t`
    /// (the attempt is not counted). The first `free` attempts in a `window` wait for nothing;
    /// each one after that makes the next wait twice as long as the last (1 s, 2 s, 4 s …, at
    /// most `max_delay`).
    pub async fn throttle_attempt(
        &self,
        key: &str,
        now: Timestamp,
        free: i64,
        window: jiff::SignedDuration,
        max_delay: jiff::SignedDuration,
    ) -> Result<Option<Timestamp>> {
        let (least, greatest) = match self.backend {
            Backend::Sqlite => ("MIN", "MAX"),
            Backend::Postgres => ("LEAST", "GREATEST"),
        };
        // The wait this attempt leaves for the next one, from the row as it was.
        let delay = format!(
            "(CASE WHEN throttle.window_start < $3 OR throttle.attempts + 1 <= $4 THEN 0 \
             ELSE {least}({greatest}(throttle.delay_ms * 2, 1000), $5) END)"
        );
        // While attempts are free, `next_allowed` stays 0: a free attempt never holds back
        // another, so requests whose clocks read a little earlier than one that committed
        // first are not refused (security probe N3: 7 of 32 concurrent posts were).
        let sql = format!(
            "INSERT INTO throttle (key, attempts, window_start, delay_ms, next_allowed) VALUES ($1, 1, $2, 0, 0) \
             ON CONFLICT (key) DO UPDATE SET \
               attempts = CASE WHEN throttle.window_start < $3 THEN 1 ELSE throttle.attempts + 1 END, \
               window_start = CASE WHEN throttle.window_start < $3 THEN $2 ELSE throttle.window_start END, \
               delay_ms = {delay}, \
               next_allowed = CASE WHEN {delay} = 0 THEN 0 ELSE $2 + {delay} * 1000 END \
             WHERE throttle.next_allowed <= $2 \
             RETURNING attempts"
        );
        let now_us = micros(now);
        let counted: Option<(i64,)> = sqlx::query_as(trusted(sql))
            .bind(key)
            .bind(now_us)
            .bind(now_us - window.as_micros().min(i128::from(i64::MAX)) as i64)
            .bind(free)
            .bind(max_delay.as_millis().min(i128::from(i64::MAX)) as i64)
            .fetch_optional(&self.pool)
            .await?;
        if counted.is_some() {
            return Ok(None);
        }
        let row: Option<(i64,)> = sqlx::query_as("SELECT next_allowed FROM throttle WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(Some(row.map_or(Ok(now), |r| ts(r.0))?))
    }

    /// When the wait running under `key` ends, if one is running at `now` (nothing is counted).
    pub async fn throttle_wait(&self, key: &str, now: Timestamp) -> Result<Option<Timestamp>> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT next_allowed FROM throttle WHERE key = $1 AND next_allowed > $2")
                .bind(key)
                .bind(micros(now))
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| ts(r.0)).transpose()
    }

    /// How many keys the throttle holds (what refused attempts may grow).
    pub async fn throttle_rows(&self) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM throttle").fetch_one(&self.pool).await?;
        Ok(n)
    }

    /// Forgets a key's attempts (after a successful sign-in, for the account).
    pub async fn throttle_clear(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM throttle WHERE key = $1").bind(key).execute(&self.pool).await?;
        Ok(())
    }

    /// Deletes keys whose window began before `before` and that hold nobody back, so the table
    /// stays as small as the last day's attempts.
    pub async fn throttle_sweep(&self, before: Timestamp, now: Timestamp) -> Result<u64> {
        let r = sqlx::query("DELETE FROM throttle WHERE window_start < $1 AND next_allowed <= $2")
            .bind(micros(before))
            .bind(micros(now))
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected())
    }
}
