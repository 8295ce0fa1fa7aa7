//! Session records: the server's session store keeps them here, keyed by a hash.
//!
//! The one server of an SQLite database (`taper serve` holds a lock so no second one starts)
//! may also keep them in memory ([`Store::with_sessions_in_memory`]): every change of a session
//! passes through this process's store, so the copy stays exact, and a signed-in page no longer
//! waits for a read of the session first (issue 21). On PostgreSQL, where several instances
//! share the database and another may sign a session out, they are always read from it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use jiff::Timestamp;

use crate::{Backend, Result, Store, UserId, micros, ts};

/// Sessions kept in memory at most; past that the copy is emptied and refilled from the database.
const IN_MEMORY_MAX: usize = 10_000;

/// The sessions kept in memory, with a count of the changes that removed any, so that a read
/// of the database that raced with a sign-out never puts the signed-out session back.
#[derive(Debug, Default)]
pub(crate) struct SessionMemory {
    inner: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    by_id: HashMap<String, (String, Timestamp)>,
    removals: u64,
}

impl SessionMemory {
    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn removals(&self) -> u64 {
        self.kept().removals
    }

    /// Keeps a session read or written while no removal happened since `removals` was read.
    fn keep(&self, id: &str, data: &str, expires_at: Timestamp, removals: u64) {
        let mut k = self.kept();
        if k.removals != removals {
            return;
        }
        if k.by_id.len() >= IN_MEMORY_MAX {
            k.by_id.clear();
        }
        k.by_id.insert(id.to_string(), (data.to_string(), expires_at));
    }

    fn get(&self, id: &str, now: Timestamp) -> Option<(String, Timestamp)> {
        self.kept().by_id.get(id).filter(|(_, e)| *e > now).cloned()
    }

    /// Forgets `id`, or every session when None (a removal by user or by expiry).
    fn forget(&self, id: Option<&str>) {
        let mut k = self.kept();
        k.removals += 1;
        match id {
            Some(id) => {
                k.by_id.remove(id);
            }
            None => k.by_id.clear(),
        }
    }
}

impl Store {
    /// This store, keeping sessions and throttle counts in memory if it is on SQLite (see the
    /// module's note and `throttle`'s); for the one server of the database only.
    #[must_use]
    pub fn with_sessions_in_memory(mut self) -> Store {
        if self.backend == Backend::Sqlite {
            self.sessions = Some(Arc::new(SessionMemory::default()));
            self.throttle = Some(Arc::new(crate::throttle::ThrottleMemory::default()));
        }
        self
    }

    /// Forgets every session kept in memory (after a change of sessions made in SQL by user).
    pub(crate) fn forget_sessions(&self) {
        if let Some(m) = &self.sessions {
            m.forget(None);
        }
    }
}

impl Store {
    pub async fn session_save(&self, id: &str, data: &str, expires_at: Timestamp) -> Result<()> {
        let removals = self.sessions.as_ref().map(|m| m.removals());
        sqlx::query(
            "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
        )
        .bind(id)
        .bind(data)
        .bind(micros(expires_at))
        .execute(&self.pool)
        .await?;
        if let (Some(m), Some(r)) = (&self.sessions, removals) {
            m.keep(id, data, expires_at, r);
        }
        Ok(())
    }

    /// Inserts a new session; false when the id is already taken.
    pub async fn session_create(&self, id: &str, data: &str, expires_at: Timestamp) -> Result<bool> {
        let removals = self.sessions.as_ref().map(|m| m.removals());
        let r =
            sqlx::query("INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
                .bind(id)
                .bind(data)
                .bind(micros(expires_at))
                .execute(&self.pool)
                .await?;
        let made = r.rows_affected() == 1;
        if let (Some(m), Some(removals), true) = (&self.sessions, removals, made) {
            m.keep(id, data, expires_at, removals);
        }
        Ok(made)
    }

    /// The session's data if it has not expired at `now`.
    pub async fn session_load(&self, id: &str, now: Timestamp) -> Result<Option<(String, Timestamp)>> {
        if let Some(kept) = self.sessions.as_ref().and_then(|m| m.get(id, now)) {
            return Ok(Some(kept));
        }
        let removals = self.sessions.as_ref().map(|m| m.removals());
        let row: Option<(String, i64)> =
            sqlx::query_as("SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2")
                .bind(id)
                .bind(micros(now))
                .fetch_optional(&self.pool)
                .await?;
        let row = row.map(|(d, e)| Ok::<_, crate::StoreError>((d, ts(e)?))).transpose()?;
        if let (Some(m), Some(r), Some((data, expires))) = (&self.sessions, removals, &row) {
            m.keep(id, data, *expires, r);
        }
        Ok(row)
    }

    pub async fn session_delete(&self, id: &str) -> Result<()> {
        // Forgotten before and after: a read between the two cannot keep it.
        if let Some(m) = &self.sessions {
            m.forget(Some(id));
        }
        sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(&self.pool).await?;
        if let Some(m) = &self.sessions {
            m.forget(Some(id));
        }
        Ok(())
    }

    /// Removes every session whose data mentions this user id (sign-out everywhere, deletion).
    pub async fn sessions_delete_for_user(&self, user: UserId) -> Result<u64> {
        self.sessions_delete_for_user_except(user, "").await
    }

    /// Removes the user's sessions except the one stored under `keep` (sign out everywhere else).
    pub async fn sessions_delete_for_user_except(&self, user: UserId, keep: &str) -> Result<u64> {
        let pattern = format!("%\"{user}\"%");
        self.forget_sessions();
        let r = sqlx::query("DELETE FROM sessions WHERE data LIKE $1 AND id <> $2")
            .bind(pattern)
            .bind(keep)
            .execute(&self.pool)
            .await?;
        self.forget_sessions();
        Ok(r.rows_affected())
    }

    /// The user's unexpired sessions: stored id, data and expiry, soonest to expire last.
    pub async fn sessions_of_user(&self, user: UserId, now: Timestamp) -> Result<Vec<(String, String, Timestamp)>> {
        let pattern = format!("%\"{user}\"%");
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT id, data, expires_at FROM sessions WHERE data LIKE $1 AND expires_at > $2 ORDER BY expires_at DESC",
        )
        .bind(pattern)
        .bind(micros(now))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(|(i, d, e)| Ok((i, d, ts(e)?))).collect()
    }

    /// Replaces the user's password hash.
    pub async fn set_password_hash(&self, user: UserId, hash: &str) -> Result<()> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// How many sessions are stored (for tests of what creates one).
    pub async fn sessions_count(&self) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sessions").fetch_one(&self.pool).await?;
        Ok(n)
    }

    pub async fn sessions_delete_expired(&self, now: Timestamp) -> Result<u64> {
        let r =
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(micros(now)).execute(&self.pool).await?;
        self.forget_sessions();
        Ok(r.rows_affected())
    }
}
