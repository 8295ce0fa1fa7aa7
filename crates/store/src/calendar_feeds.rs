//! A person's calendar feed: the hash of the secret token in its address, one a person.

use jiff::Timestamp;

use crate::{Result, Store, UserId, micros, ts, uuid};

impl Store {
    /// Makes `user`'s feed the one whose token hashes to `token_hash`, replacing any before it
    /// (whose address then stops working).
    pub async fn calendar_feed_set(&self, user: UserId, token_hash: &str, now: Timestamp) -> Result<()> {
        sqlx::query(
            "INSERT INTO calendar_feeds (user_id, token_hash, created_at, last_read_at) VALUES ($1, $2, $3, NULL) \
             ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, \
             created_at = excluded.created_at, last_read_at = NULL",
        )
        .bind(user.to_string())
        .bind(token_hash)
        .bind(micros(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Stops `user`'s feed. True when there was one.
    pub async fn calendar_feed_stop(&self, user: UserId) -> Result<bool> {
        let r = sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1")
            .bind(user.to_string())
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    /// When `user`'s feed was made and last read, if they have one.
    pub async fn calendar_feed_of(&self, user: UserId) -> Result<Option<(Timestamp, Option<Timestamp>)>> {
        let row: Option<(i64, Option<i64>)> =
            sqlx::query_as("SELECT created_at, last_read_at FROM calendar_feeds WHERE user_id = $1")
                .bind(user.to_string())
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(made, read)| Ok((ts(made)?, read.map(ts).transpose()?))).transpose()
    }

    /// The person whose feed token hashes to `token_hash`, noting the read at `now`.
    pub async fn calendar_feed_owner(&self, token_hash: &str, now: Timestamp) -> Result<Option<UserId>> {
        let row: Option<(String,)> =
            sqlx::query_as("UPDATE calendar_feeds SET last_read_at = $2 WHERE token_hash = $1 RETURNING user_id")
                .bind(token_hash)
                .bind(micros(now))
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(u,)| uuid(&u)).transpose()
    }
}
