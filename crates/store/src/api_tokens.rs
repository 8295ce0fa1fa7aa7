//! Personal access tokens for the JSON API (issue 22): made by the person on the web, found by
//! the hash of the token, the name kept sealed. A token reads only the parts of the record it was
//! given, records doses only if allowed, and stops at its expiry or when revoked.

use jiff::Timestamp;

use crate::{ApiTokenId, Result, Store, UserId, micros, ts, uuid};

/// A token as made.
#[derive(Debug, Clone)]
pub struct NewApiToken<'a> {
    pub token_hash: &'a str,
    pub label: &'a str,
    /// The parts of the record it reads (`consent::Scope` bits).
    pub scope: i64,
    pub record_doses: bool,
    /// Whether it may record check-ins and questionnaires.
    pub record_checkins: bool,
    pub expires: Timestamp,
}

/// A token as kept (never the token itself).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub owner: UserId,
    pub label: String,
    pub scope: i64,
    pub record_doses: bool,
    pub record_checkins: bool,
    pub made: Timestamp,
    pub expires: Timestamp,
    pub revoked: Option<Timestamp>,
    pub last_used: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: String,
    user_id: String,
    label: String,
    scope: i64,
    record_doses: i64,
    record_checkins: i64,
    created_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
}

const COLUMNS: &str =
    "id, user_id, label, scope, record_doses, record_checkins, created_at, expires_at, revoked_at, last_used_at";

impl Store {
    pub async fn api_token_add(&self, owner: UserId, t: &NewApiToken<'_>, now: Timestamp) -> Result<ApiTokenId> {
        let id = ApiTokenId::fresh();
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, token_hash, label, scope, record_doses, record_checkins, \
             created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id.to_string())
        .bind(owner.to_string())
        .bind(t.token_hash)
        .bind(self.seal(t.label)?)
        .bind(t.scope)
        .bind(i64::from(t.record_doses))
        .bind(i64::from(t.record_checkins))
        .bind(micros(now))
        .bind(micros(t.expires))
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// `owner`'s tokens, newest first, whatever their state.
    pub async fn api_tokens_of(&self, owner: UserId) -> Result<Vec<ApiToken>> {
        let rows: Vec<TokenRow> = sqlx::query_as(crate::trusted(format!(
            "SELECT {COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC"
        )))
        .bind(owner.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(|r| self.token_of(r)).collect()
    }

    /// How many of `owner`'s tokens still work at `now`.
    pub async fn api_tokens_working(&self, owner: UserId, now: Timestamp) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2",
        )
        .bind(owner.to_string())
        .bind(micros(now))
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }

    /// The token whose hash is `token_hash`, whatever its state (the caller judges it), noting
    /// its use at `now` (at most once a minute, so reading does not write on every request).
    pub async fn api_token_used(&self, token_hash: &str, now: Timestamp) -> Result<Option<ApiToken>> {
        let row: Option<TokenRow> =
            sqlx::query_as(crate::trusted(format!("SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1")))
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
        let Some(row) = row else { return Ok(None) };
        let token = self.token_of(row)?;
        let minute_ago = now.checked_sub(jiff::SignedDuration::from_mins(1)).unwrap_or(now);
        if token.revoked.is_none() && token.last_used.is_none_or(|t| t < minute_ago) {
            sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
                .bind(token.id.to_string())
                .bind(micros(now))
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(token))
    }

    /// Stops `owner`'s token at `now`. True when it was theirs and not already stopped.
    pub async fn api_token_revoke(&self, owner: UserId, token: ApiTokenId, now: Timestamp) -> Result<bool> {
        let r =
            sqlx::query("UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL")
                .bind(token.to_string())
                .bind(owner.to_string())
                .bind(micros(now))
                .execute(&self.pool)
                .await?;
        Ok(r.rows_affected() > 0)
    }

    fn token_of(&self, r: TokenRow) -> Result<ApiToken> {
        Ok(ApiToken {
            id: uuid(&r.id)?,
            owner: uuid(&r.user_id)?,
            label: self.open(r.label)?,
            scope: r.scope,
            record_doses: r.record_doses != 0,
            record_checkins: r.record_checkins != 0,
            made: ts(r.created_at)?,
            expires: ts(r.expires_at)?,
            revoked: r.revoked_at.map(ts).transpose()?,
            last_used: r.last_used_at.map(ts).transpose()?,
        })
    }
}
