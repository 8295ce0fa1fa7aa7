//! Whose forms a CSRF token was issued to, so an answer about self-harm sent on a lapsed form is
//! saved for the person the form was shown to and for no one else (issue 19, N1). Tokens are
//! kept as hashes; the server hashes them before asking.

use jiff::Timestamp;

use crate::{Result, Store, UserId, micros, uuid};

impl Store {
    /// Records that the token hashed as `token_hash` was issued to `user` at `now`.
    pub async fn form_owner_issue(&self, token_hash: &str, user: UserId, now: Timestamp) -> Result<()> {
        sqlx::query(
            "INSERT INTO form_owners (token_hash, user_id, issued_at) VALUES ($1, $2, $3) \
             ON CONFLICT (token_hash) DO NOTHING",
        )
        .bind(token_hash)
        .bind(user.to_string())
        .bind(micros(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The account a token was issued to, if it was issued after `since` and not ended since.
    pub async fn form_owner(&self, token_hash: &str, since: Timestamp) -> Result<Option<UserId>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT user_id FROM form_owners WHERE token_hash = $1 AND issued_at > $2")
                .bind(token_hash)
                .bind(micros(since))
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(u,)| uuid(&u)).transpose()
    }

    /// Ends one token (its session was signed out).
    pub async fn form_owner_end(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM form_owners WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await?;
        Ok(())
    }

    /// Ends every token of `user` except `keep` (sign out everywhere else, a new password).
    pub async fn form_owners_end_except(&self, user: UserId, keep: &str) -> Result<u64> {
        let r = sqlx::query("DELETE FROM form_owners WHERE user_id = $1 AND token_hash <> $2")
            .bind(user.to_string())
            .bind(keep)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected())
    }

    /// Forgets tokens issued before `before`.
    pub async fn form_owners_sweep(&self, before: Timestamp) -> Result<u64> {
        let r = sqlx::query("DELETE FROM form_owners WHERE issued_at <= $1")
            .bind(micros(before))
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected())
    }
}
