//! Password-reset tokens: kept only as a hash, single use, expiring.

use jiff::Timestamp;

use crate::{Result, Store, UserId, micros, uuid};

impl Store {
    /// Keeps a new reset token's hash for `user` until `expires_at`.
    pub async fn create_reset(
        &self,
        token_hash: &str,
        user: UserId,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO password_resets (token_hash, user_id, expires_at, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user.to_string())
        .bind(micros(expires_at))
        .bind(micros(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Whether a reset link was made for `user` at `since` or later.
    pub async fn reset_since(&self, user: UserId, since: Timestamp) -> Result<bool> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT 1 FROM password_resets WHERE user_id = $1 AND created_at >= $2 LIMIT 1")
                .bind(user.to_string())
                .bind(micros(since))
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.is_some())
    }

    /// Whose unused, unexpired token this is, without using it (to show the form).
    pub async fn reset_owner(&self, token_hash: &str, now: Timestamp) -> Result<Option<UserId>> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT user_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(micros(now))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(u,)| uuid(&u)).transpose()
    }

    /// Uses a token: sets the new password hash, marks the token and every other token of the
    /// user used, and ends every session of theirs, in one transaction. `None` when the token
    /// is unknown, used or expired (two uses at once: one wins).
    pub async fn use_reset(&self, token_hash: &str, password_hash: &str, now: Timestamp) -> Result<Option<UserId>> {
        let mut tx = self.begin_write().await?;
        let row: Option<(String,)> = sqlx::query_as(
            "UPDATE password_resets SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 \
             RETURNING user_id",
        )
        .bind(micros(now))
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((user,)) = row else { return Ok(None) };
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(&user)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
            .bind(micros(now))
            .bind(&user)
            .execute(&mut *tx)
            .await?;
        // Sessions name their user in their data (see `sessions_delete_for_user`).
        self.forget_sessions();
        sqlx::query("DELETE FROM sessions WHERE data LIKE $1").bind(format!("%\"{user}\"%")).execute(&mut *tx).await?;
        tx.commit().await?;
        self.forget_sessions();
        Ok(Some(uuid(&user)?))
    }
}
