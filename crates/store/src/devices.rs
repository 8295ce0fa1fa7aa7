//! Browsers that signed in to an account before, by a hash of their device cookie, so the
//! server can judge their sign-ins on their own counter (issue 19, M2).

use jiff::Timestamp;

use crate::{Result, Store, UserId, micros};

impl Store {
    /// Records that the browser whose cookie hashes to `token_hash` signed in to `user` at `now`.
    pub async fn device_issue(&self, token_hash: &str, user: UserId, now: Timestamp) -> Result<()> {
        sqlx::query(
            "INSERT INTO devices (token_hash, user_id, issued_at) VALUES ($1, $2, $3) \
             ON CONFLICT (token_hash) DO UPDATE SET user_id = excluded.user_id, issued_at = excluded.issued_at",
        )
        .bind(token_hash)
        .bind(user.to_string())
        .bind(micros(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Whether the browser whose cookie hashes to `token_hash` signed in, after `since`, to the
    /// account with this (normalised) e-mail address.
    pub async fn device_known(&self, token_hash: &str, email: &str, since: Timestamp) -> Result<bool> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT d.issued_at FROM devices d JOIN users u ON u.id = d.user_id \
             WHERE d.token_hash = $1 AND u.email = $2 AND d.issued_at > $3",
        )
        .bind(token_hash)
        .bind(email)
        .bind(micros(since))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Forgets browsers that last signed in before `before`.
    pub async fn devices_sweep(&self, before: Timestamp) -> Result<u64> {
        let r =
            sqlx::query("DELETE FROM devices WHERE issued_at <= $1").bind(micros(before)).execute(&self.pool).await?;
        Ok(r.rows_affected())
    }
}
