//! A durable queue of work in the database (issue 20: e-mail goes out from here, never from a
//! request): queued once per `dedupe` key, claimed by one instance at a time for a lease, done or
//! retried with backoff, failed after the last attempt and kept for the operator to see.

use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

use crate::{Backend, Result, Store, StoreError, UserId, micros, ts};

/// Whose a queued job is: the account it is sent to, and the account it is about (an urgent
/// flag's message to a supporter); the job is deleted with either.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct JobPeople {
    pub to: Option<UserId>,
    pub about: Option<UserId>,
}

/// A job claimed for running: its id, payload (opened) and which attempt this is (1 = first).
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedJob {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub attempt: u32,
}

/// What the operator sees of a job that is not done.
#[derive(Debug, Clone, PartialEq)]
pub struct JobState {
    pub id: String,
    pub kind: String,
    pub attempts: u32,
    pub run_at: Timestamp,
    pub failed_at: Option<Timestamp>,
    pub last_error: Option<String>,
}

/// The earliest due, unclaimed job, claimed in one statement; the outer condition is checked
/// again on the row, so of two claims at once only one updates it.
const CLAIM_POSTGRES: &str = "UPDATE jobs SET locked_by = $1, locked_until = $2, attempts = attempts + 1 \
     WHERE id = (SELECT id FROM jobs WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= $3 \
     AND (locked_until IS NULL OR locked_until < $3) ORDER BY run_at LIMIT 1 FOR UPDATE SKIP LOCKED) \
     AND (locked_until IS NULL OR locked_until < $3) RETURNING id, kind, payload, attempts";
/// As `CLAIM_POSTGRES`; SQLite has no row locks (one writer at a time).
const CLAIM_SQLITE: &str = "UPDATE jobs SET locked_by = $1, locked_until = $2, attempts = attempts + 1 \
     WHERE id = (SELECT id FROM jobs WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= $3 \
     AND (locked_until IS NULL OR locked_until < $3) ORDER BY run_at LIMIT 1) \
     AND (locked_until IS NULL OR locked_until < $3) RETURNING id, kind, payload, attempts";

#[derive(sqlx::FromRow)]
struct ClaimRow {
    id: String,
    kind: String,
    payload: String,
    attempts: i64,
}

#[derive(sqlx::FromRow)]
struct StateRow {
    id: String,
    kind: String,
    attempts: i64,
    run_at: i64,
    failed_at: Option<i64>,
    last_error: Option<String>,
}

impl Store {
    /// Queues a job to run from `run_at`, for `people` (deleted with either's account); with a
    /// `dedupe` key already queued, nothing is added and the answer is false (two instances, or
    /// one looking twice, queue a message once).
    pub async fn enqueue(
        &self,
        kind: &str,
        dedupe: Option<&str>,
        payload: &str,
        people: JobPeople,
        run_at: Timestamp,
        now: Timestamp,
    ) -> Result<bool> {
        let r = sqlx::query(
            "INSERT INTO jobs (id, kind, dedupe, payload, user_id, about_id, run_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedupe) DO NOTHING",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(kind)
        .bind(dedupe)
        .bind(self.seal(payload)?)
        .bind(people.to.map(|u| u.to_string()))
        .bind(people.about.map(|u| u.to_string()))
        .bind(micros(run_at))
        .bind(micros(now))
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Claims the earliest due job for `worker` until `now + lease`: one instance gets it, the
    /// others see the next one or none (PostgreSQL skips rows another claim holds; SQLite has one
    /// writer at a time).
    pub async fn claim_job(&self, worker: &str, now: Timestamp, lease: SignedDuration) -> Result<Option<ClaimedJob>> {
        let sql = match self.backend {
            Backend::Postgres => CLAIM_POSTGRES,
            Backend::Sqlite => CLAIM_SQLITE,
        };
        let until = now.checked_add(lease).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let row: Option<ClaimRow> =
            sqlx::query_as(sql).bind(worker).bind(micros(until)).bind(micros(now)).fetch_optional(&self.pool).await?;
        row.map(|r| {
            Ok(ClaimedJob {
                id: r.id,
                kind: r.kind,
                payload: self.open(r.payload)?,
                attempt: u32::try_from(r.attempts).unwrap_or(u32::MAX),
            })
        })
        .transpose()
    }

    /// Marks a claimed job done and forgets its payload (a sent message's link and address).
    pub async fn job_done(&self, id: &str, worker: &str, now: Timestamp) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET done_at = $1, payload = '', locked_until = NULL, last_error = NULL \
             WHERE id = $2 AND locked_by = $3",
        )
        .bind(micros(now))
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failed attempt: tried again from `retry_at`, or, when `None`, failed for good
    /// (kept, with the error, for the operator).
    pub async fn job_failed(
        &self,
        id: &str,
        worker: &str,
        error: &str,
        retry_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<()> {
        let short: String = error.chars().take(500).collect();
        let sql = match retry_at {
            Some(_) => {
                "UPDATE jobs SET run_at = $1, locked_until = NULL, last_error = $2 WHERE id = $3 AND locked_by = $4"
            }
            None => {
                "UPDATE jobs SET failed_at = $1, locked_until = NULL, last_error = $2 WHERE id = $3 AND locked_by = $4"
            }
        };
        sqlx::query(sql)
            .bind(micros(retry_at.unwrap_or(now)))
            .bind(short)
            .bind(id)
            .bind(worker)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Jobs not done: waiting, being retried, or failed for good, oldest first.
    pub async fn jobs_pending(&self) -> Result<Vec<JobState>> {
        let rows: Vec<StateRow> = sqlx::query_as(
            "SELECT id, kind, attempts, run_at, failed_at, last_error FROM jobs WHERE done_at IS NULL ORDER BY created_at",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(JobState {
                    id: r.id,
                    kind: r.kind,
                    attempts: u32::try_from(r.attempts).unwrap_or(u32::MAX),
                    run_at: ts(r.run_at)?,
                    failed_at: r.failed_at.map(ts).transpose()?,
                    last_error: r.last_error,
                })
            })
            .collect()
    }
}
