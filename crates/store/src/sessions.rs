//! Session records: the server's session store keeps them here, keyed by a hash.

use jiff::Timestamp;

use crate::{Result, Store, UserId, micros, ts};

impl Store {
    pub async fn session_save(&self, id: &str, data: &str, expires_at: Timestamp) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
        )
        .bind(id)
        .bind(data)
        .bind(micros(expires_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Inserts a new session; false when the id is already taken.
    pub async fn session_create(&self, id: &str, data: &str, expires_at: Timestamp) -> Result<bool> {
        let r =
            sqlx::query("INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
                .bind(id)
                .bind(data)
                .bind(micros(expires_at))
                .execute(&self.pool)
                .await?;
        Ok(r.rows_affected() == 1)
    }

    /// The session's data if it has not expired at `now`.
    pub async fn session_load(&self, id: &str, now: Timestamp) -> Result<Option<(String, Timestamp)>> {
        let row: Option<(String, i64)> =
            sqlx::query_as("SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2")
                .bind(id)
                .bind(micros(now))
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(d, e)| Ok((d, ts(e)?))).transpose()
    }

    pub async fn session_delete(&self, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(&self.pool).await?;
        Ok(())
    }

    /// Removes every session whose data mentions this user id (sign-out everywhere, deletion).
    pub async fn sessions_delete_for_user(&self, user: UserId) -> Result<u64> {
        self.sessions_delete_for_user_except(user, "").await
    }

    /// Removes the user's sessions except the one stored under `keep` (sign out everywhere else).
    pub async fn sessions_delete_for_user_except(&self, user: UserId, keep: &str) -> Result<u64> {
        let pattern = format!("%\"{user}\"%");
        let r = sqlx::query("DELETE FROM sessions WHERE data LIKE $1 AND id <> $2")
            .bind(pattern)
            .bind(keep)
            .execute(&self.pool)
            .await?;
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
        Ok(r.rows_affected())
    }
}
