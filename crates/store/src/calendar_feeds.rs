//! A person's calendar feed: the secret token in its address, found by its hash and kept
//! sealed so the page can show the address again; one a person.

use jiff::Timestamp;

use crate::{Result, Store, UserId, micros, ts, uuid};

/// A person's calendar feed.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarFeed {
    pub token: String,
    pub made: Timestamp,
    pub read: Option<Timestamp>,
}

impl Store {
    /// Makes `user`'s feed the one with `token` (found by `token_hash`), replacing any before it
    /// (whose address then stops working).
    pub async fn calendar_feed_set(&self, user: UserId, token: &str, token_hash: &str, now: Timestamp) -> Result<()> {
        sqlx::query(
            "INSERT INTO calendar_feeds (user_id, token_hash, token_sealed, created_at, last_read_at) \
             VALUES ($1, $2, $3, $4, NULL) ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, \
             token_sealed = excluded.token_sealed, created_at = excluded.created_at, last_read_at = NULL",
        )
        .bind(user.to_string())
        .bind(token_hash)
        .bind(self.seal(token)?)
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

    /// `user`'s feed, if they have one: its token, when it was made and when last read.
    pub async fn calendar_feed_of(&self, user: UserId) -> Result<Option<CalendarFeed>> {
        let row: Option<(String, i64, Option<i64>)> =
            sqlx::query_as("SELECT token_sealed, created_at, last_read_at FROM calendar_feeds WHERE user_id = $1")
                .bind(user.to_string())
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(token, made, read)| {
            Ok(CalendarFeed { token: self.open(token)?, made: ts(made)?, read: read.map(ts).transpose()? })
        })
        .transpose()
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
