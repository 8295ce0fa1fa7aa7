//! Throttling counters, shared by every instance on one database; kept in memory instead by the
//! one server of an SQLite database (`Store::with_sessions_in_memory`), so a form sent costs no
//! commit of its own for its count (issue 21: a check-in made three commits). The memory follows
//! the statement's rule exactly (`Counter::attempt`; a test runs both side by side). A restart
//! forgets the counts, as it would a wait of at most an hour.

use std::collections::HashMap;
use std::sync::Mutex;

use jiff::Timestamp;

use crate::{Backend, Result, Store, micros, trusted, ts};

/// One key's count: the row of the `throttle` table, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counter {
    attempts: i64,
    window_start: i64,
    delay_ms: i64,
    next_allowed: i64,
}

impl Counter {
    /// `prev` after one attempt at `now`, as the upsert in `throttle_attempt` makes it; `Err`
    /// (the row unchanged) when a wait is running.
    fn attempt(
        prev: Option<Counter>,
        now: i64,
        window_start_before: i64,
        free: i64,
        max_delay_ms: i64,
    ) -> Option<Counter> {
        let Some(p) = prev else {
            return Some(Counter { attempts: 1, window_start: now, delay_ms: 0, next_allowed: 0 });
        };
        if p.next_allowed > now {
            return None;
        }
        let fresh = p.window_start < window_start_before;
        let delay = if fresh || p.attempts < free { 0 } else { (p.delay_ms * 2).max(1000).min(max_delay_ms) };
        Some(Counter {
            attempts: if fresh { 1 } else { p.attempts + 1 },
            window_start: if fresh { now } else { p.window_start },
            delay_ms: delay,
            next_allowed: if delay == 0 { 0 } else { now + delay * 1000 },
        })
    }
}

/// The counts of the one server of an SQLite database.
#[derive(Debug, Default)]
pub(crate) struct ThrottleMemory {
    counters: Mutex<HashMap<String, Counter>>,
}

/// Keys kept in memory at most; past it the oldest windows that hold nobody back are dropped, as
/// the hourly sweep drops them from the table.
const MEMORY_KEYS: usize = 100_000;

impl ThrottleMemory {
    fn counters(&self) -> std::sync::MutexGuard<'_, HashMap<String, Counter>> {
        // A panic while holding it cannot leave a count half made: each is replaced whole.
        self.counters.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

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
        let before_us = now_us - window.as_micros().min(i128::from(i64::MAX)) as i64;
        let max_delay_ms = max_delay.as_millis().min(i128::from(i64::MAX)) as i64;
        if let Some(m) = &self.throttle {
            let mut counters = m.counters();
            if counters.len() >= MEMORY_KEYS && !counters.contains_key(key) {
                counters.retain(|_, c| c.window_start >= before_us || c.next_allowed > now_us);
                // Still full (a flood of new keys within the window): the oldest window goes, so
                // memory stays bounded (security probe M1) at the cost of one early release.
                if counters.len() >= MEMORY_KEYS
                    && let Some(oldest) = counters.iter().min_by_key(|(_, c)| c.window_start).map(|(k, _)| k.clone())
                {
                    counters.remove(&oldest);
                }
            }
            let prev = counters.get(key).copied();
            return match Counter::attempt(prev, now_us, before_us, free, max_delay_ms) {
                Some(c) => {
                    counters.insert(key.to_string(), c);
                    Ok(None)
                }
                None => Ok(Some(ts(prev.map_or(now_us, |p| p.next_allowed))?)),
            };
        }
        let counted: Option<(i64,)> = sqlx::query_as(trusted(sql))
            .bind(key)
            .bind(now_us)
            .bind(before_us)
            .bind(free)
            .bind(max_delay_ms)
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
        if let Some(m) = &self.throttle {
            let next = m.counters().get(key).map(|c| c.next_allowed).filter(|n| *n > micros(now));
            return next.map(ts).transpose();
        }
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
        if let Some(m) = &self.throttle {
            return Ok(m.counters().len() as i64);
        }
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM throttle").fetch_one(&self.pool).await?;
        Ok(n)
    }

    /// Forgets a key's attempts (after a successful sign-in, for the account).
    pub async fn throttle_clear(&self, key: &str) -> Result<()> {
        if let Some(m) = &self.throttle {
            m.counters().remove(key);
            return Ok(());
        }
        sqlx::query("DELETE FROM throttle WHERE key = $1").bind(key).execute(&self.pool).await?;
        Ok(())
    }

    /// Deletes keys whose window began before `before` and that hold nobody back, so the table
    /// stays as small as the last day's attempts.
    pub async fn throttle_sweep(&self, before: Timestamp, now: Timestamp) -> Result<u64> {
        if let Some(m) = &self.throttle {
            let mut counters = m.counters();
            let n = counters.len();
            counters.retain(|_, c| c.window_start >= micros(before) || c.next_allowed > micros(now));
            return Ok((n - counters.len()) as u64);
        }
        let r = sqlx::query("DELETE FROM throttle WHERE window_start < $1 AND next_allowed <= $2")
            .bind(micros(before))
            .bind(micros(now))
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected())
    }
}
