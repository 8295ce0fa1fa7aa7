//! SMART Health Links a person makes for a prescriber (issue 22): found by the hash of their
//! token, their token, file key and label kept sealed, the passcode only as a hash. Every view
//! goes in the person's access log, under the link.

use jiff::Timestamp;

use crate::{HealthLinkId, Result, Store, UserId, micros, ts, uuid};

/// A link as made.
#[derive(Debug, Clone)]
pub struct NewHealthLink<'a> {
    pub token: &'a str,
    pub token_hash: &'a str,
    /// The key its files are encrypted with, as the link carries it (base64url).
    pub key: &'a str,
    pub passcode_hash: &'a str,
    pub label: &'a str,
    /// The parts of the record it shows (`consent::Scope` bits) and the days it covers.
    pub scope: i64,
    pub days: i64,
    pub expires: Timestamp,
}

/// A link as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthLink {
    pub id: HealthLinkId,
    pub owner: UserId,
    pub token: String,
    pub key: String,
    pub passcode_hash: String,
    pub label: String,
    pub scope: i64,
    pub days: i64,
    pub made: Timestamp,
    pub expires: Timestamp,
    pub revoked: Option<Timestamp>,
    pub failures: i64,
    pub views: i64,
    pub last_viewed: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    id: String,
    user_id: String,
    token_sealed: String,
    key_sealed: String,
    passcode_hash: String,
    label: String,
    scope: i64,
    days: i64,
    created_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
    failures: i64,
    views: i64,
    last_viewed_at: Option<i64>,
}

const COLUMNS: &str = "id, user_id, token_sealed, key_sealed, passcode_hash, label, scope, days, created_at, \
    expires_at, revoked_at, failures, views, last_viewed_at";

impl Store {
    pub async fn health_link_add(&self, owner: UserId, l: &NewHealthLink<'_>, now: Timestamp) -> Result<HealthLinkId> {
        let id = HealthLinkId::fresh();
        sqlx::query(
            "INSERT INTO health_links (id, user_id, token_hash, token_sealed, key_sealed, passcode_hash, label, \
             scope, days, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id.to_string())
        .bind(owner.to_string())
        .bind(l.token_hash)
        .bind(self.seal(l.token)?)
        .bind(self.seal(l.key)?)
        .bind(l.passcode_hash)
        .bind(self.seal(l.label)?)
        .bind(l.scope)
        .bind(l.days)
        .bind(micros(now))
        .bind(micros(l.expires))
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// `owner`'s links, newest first, whatever their state.
    pub async fn health_links_of(&self, owner: UserId) -> Result<Vec<HealthLink>> {
        let rows: Vec<LinkRow> = sqlx::query_as(crate::trusted(format!(
            "SELECT {COLUMNS} FROM health_links WHERE user_id = $1 ORDER BY created_at DESC"
        )))
        .bind(owner.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(|r| self.link_of(r)).collect()
    }

    /// The link whose token hashes to `token_hash`, whatever its state (the caller judges it).
    pub async fn health_link_by_token(&self, token_hash: &str) -> Result<Option<HealthLink>> {
        let row: Option<LinkRow> =
            sqlx::query_as(crate::trusted(format!("SELECT {COLUMNS} FROM health_links WHERE token_hash = $1")))
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| self.link_of(r)).transpose()
    }

    /// Counts a wrong passcode on `link`; the failures counted so far, this one included.
    pub async fn health_link_failed(&self, link: HealthLinkId) -> Result<i64> {
        let (n,): (i64,) =
            sqlx::query_as("UPDATE health_links SET failures = failures + 1 WHERE id = $1 RETURNING failures")
                .bind(link.to_string())
                .fetch_one(&self.pool)
                .await?;
        Ok(n)
    }

    /// Notes a view of `link` (`what`: "opened the summary"), on the link and in its owner's
    /// access log under `who` (a burst within a minute counted on one row).
    pub async fn health_link_viewed(&self, link: &HealthLink, who: &str, what: &str, now: Timestamp) -> Result<()> {
        sqlx::query("UPDATE health_links SET views = views + 1, last_viewed_at = $2 WHERE id = $1")
            .bind(link.id.to_string())
            .bind(micros(now))
            .execute(&self.pool)
            .await?;
        self.health_link_logged(link, who, what, now).await
    }

    /// Writes `what` in the link's owner's access log under `who`, without counting a view (a
    /// wrong passcode); a burst within a minute is counted on one row.
    pub async fn health_link_logged(&self, link: &HealthLink, who: &str, what: &str, now: Timestamp) -> Result<()> {
        // The log's actor is the link: it is who looked, whoever holds it.
        let minute_ago = now.checked_sub(jiff::SignedDuration::from_mins(1)).unwrap_or(now);
        self.audit_counted(link.owner, UserId::from(link.id.uuid()), who, what, now, minute_ago).await
    }

    /// Stops `owner`'s link at `now`. True when it was theirs and not already stopped.
    pub async fn health_link_revoke(&self, owner: UserId, link: HealthLinkId, now: Timestamp) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE health_links SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
        )
        .bind(link.to_string())
        .bind(owner.to_string())
        .bind(micros(now))
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() > 0)
    }

    fn link_of(&self, r: LinkRow) -> Result<HealthLink> {
        Ok(HealthLink {
            id: uuid(&r.id)?,
            owner: uuid(&r.user_id)?,
            token: self.open(r.token_sealed)?,
            key: self.open(r.key_sealed)?,
            passcode_hash: r.passcode_hash,
            label: self.open(r.label)?,
            scope: r.scope,
            days: r.days,
            made: ts(r.created_at)?,
            expires: ts(r.expires_at)?,
            revoked: r.revoked_at.map(ts).transpose()?,
            failures: r.failures,
            views: r.views,
            last_viewed: r.last_viewed_at.map(ts).transpose()?,
        })
    }
}
