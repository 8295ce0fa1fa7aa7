//! Consented sharing: invitations, shares and the access log.

use jiff::Timestamp;
use taper_core::consent::Scope;
use uuid::Uuid;

use crate::{AuditRecord, PendingInvite, Result, Share, ShareId, Store, StoreError, UserId, micros, ts, uuid};

const SHARE_SELECT: &str = "SELECT s.id, s.owner_id, o.display_name AS owner_name, s.grantee_id, \
    g.display_name AS grantee_name, g.role AS grantee_role, s.can_propose, s.created_at, s.revoked_at, s.scope \
    FROM shares s JOIN users o ON o.id = s.owner_id JOIN users g ON g.id = s.grantee_id";

#[derive(sqlx::FromRow)]
struct ShareRow {
    id: String,
    owner_id: String,
    owner_name: String,
    grantee_id: String,
    grantee_name: String,
    grantee_role: String,
    can_propose: i64,
    created_at: i64,
    revoked_at: Option<i64>,
    scope: i64,
}

fn share(r: ShareRow) -> Result<Share> {
    Ok(Share {
        id: uuid(&r.id)?,
        owner: uuid(&r.owner_id)?,
        owner_name: r.owner_name,
        grantee: uuid(&r.grantee_id)?,
        grantee_name: r.grantee_name,
        grantee_role: taper_core::role::Role::from_key(&r.grantee_role)
            .ok_or_else(|| StoreError::Corrupt(format!("user role '{}'", r.grantee_role)))?,
        can_propose: r.can_propose != 0,
        scope: Scope::from_bits(r.scope),
        created_at: ts(r.created_at)?,
        revoked_at: r.revoked_at.map(ts).transpose()?,
    })
}

impl Store {
    /// Records an invitation. Only a hash of the code is kept, so the table cannot be used to
    /// accept it.
    pub async fn create_invite(
        &self,
        owner: UserId,
        code_hash: &str,
        label: &str,
        can_propose: bool,
        scope: Scope,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO invites (code_hash, owner_id, label, can_propose, created_at, expires_at, scope) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(code_hash)
        .bind(owner.to_string())
        .bind(self.seal(label)?)
        .bind(i64::from(can_propose))
        .bind(micros(now))
        .bind(micros(expires_at))
        .bind(scope.bits())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The person's invitations that can still be accepted, newest first.
    pub async fn pending_invites(&self, owner: UserId, now: Timestamp) -> Result<Vec<PendingInvite>> {
        #[derive(sqlx::FromRow)]
        struct InviteRow {
            code_hash: String,
            label: String,
            can_propose: i64,
            created_at: i64,
            expires_at: i64,
            scope: i64,
        }
        let rows: Vec<InviteRow> = sqlx::query_as(
            "SELECT code_hash, label, can_propose, created_at, expires_at, scope FROM invites \
             WHERE owner_id = $1 AND used_at IS NULL AND expires_at > $2 ORDER BY created_at DESC",
        )
        .bind(owner.to_string())
        .bind(micros(now))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(PendingInvite {
                    handle: r.code_hash,
                    label: self.open(r.label)?,
                    can_propose: r.can_propose != 0,
                    scope: Scope::from_bits(r.scope),
                    created_at: ts(r.created_at)?,
                    expires_at: ts(r.expires_at)?,
                })
            })
            .collect()
    }

    /// Withdraws an invitation nobody has accepted. NotFound when it is not the owner's, or is
    /// already used (then the share itself is what to stop).
    pub async fn cancel_invite(&self, owner: UserId, handle: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM invites WHERE owner_id = $1 AND code_hash = $2 AND used_at IS NULL")
            .bind(owner.to_string())
            .bind(handle)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 1 { Ok(()) } else { Err(StoreError::NotFound) }
    }

    /// Uses an invitation once: the grantee gets access to the owner's record. NotFound when the
    /// code is unknown, used or expired; Conflict("own") for one's own code.
    pub async fn redeem_invite(&self, code_hash: &str, grantee: UserId, now: Timestamp) -> Result<Share> {
        let mut tx = self.begin_write().await?;
        let row: Option<(String, i64, i64)> = sqlx::query_as(
            "SELECT owner_id, can_propose, scope FROM invites WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(code_hash)
        .bind(micros(now))
        .fetch_optional(&mut *tx)
        .await?;
        let (owner, can_propose, scope) = row.ok_or(StoreError::NotFound)?;
        if owner == grantee.to_string() {
            return Err(StoreError::Conflict("own".into()));
        }
        let used =
            sqlx::query("UPDATE invites SET used_by = $1, used_at = $2 WHERE code_hash = $3 AND used_at IS NULL")
                .bind(grantee.to_string())
                .bind(micros(now))
                .bind(code_hash)
                .execute(&mut *tx)
                .await?;
        if used.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        // One active share per pair: an earlier active one is replaced.
        sqlx::query("UPDATE shares SET revoked_at = $1 WHERE owner_id = $2 AND grantee_id = $3 AND revoked_at IS NULL")
            .bind(micros(now))
            .bind(&owner)
            .bind(grantee.to_string())
            .execute(&mut *tx)
            .await?;
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO shares (id, owner_id, grantee_id, can_propose, created_at, scope) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.to_string())
        .bind(&owner)
        .bind(grantee.to_string())
        .bind(can_propose)
        .bind(micros(now))
        .bind(scope)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let row: ShareRow = sqlx::query_as(crate::trusted(format!("{SHARE_SELECT} WHERE s.id = $1")))
            .bind(id.to_string())
            .fetch_one(&self.pool)
            .await?;
        share(row)
    }

    /// Everyone the person has shared with, current and revoked, newest first.
    pub async fn shares_of(&self, owner: UserId) -> Result<Vec<Share>> {
        let rows: Vec<ShareRow> =
            sqlx::query_as(crate::trusted(format!("{SHARE_SELECT} WHERE s.owner_id = $1 ORDER BY s.created_at DESC")))
                .bind(owner.to_string())
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(share).collect()
    }

    /// The people who currently share their record with `grantee`.
    pub async fn shared_with(&self, grantee: UserId) -> Result<Vec<Share>> {
        let rows: Vec<ShareRow> = sqlx::query_as(crate::trusted(format!(
            "{SHARE_SELECT} WHERE s.grantee_id = $1 AND s.revoked_at IS NULL ORDER BY o.display_name"
        )))
        .bind(grantee.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(share).collect()
    }

    /// The active share from `owner` to `grantee`, if there is one.
    pub async fn active_share(&self, owner: UserId, grantee: UserId) -> Result<Option<Share>> {
        let row: Option<ShareRow> = sqlx::query_as(crate::trusted(format!(
            "{SHARE_SELECT} WHERE s.owner_id = $1 AND s.grantee_id = $2 AND s.revoked_at IS NULL"
        )))
        .bind(owner.to_string())
        .bind(grantee.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(share).transpose()
    }

    /// Changes what an active share lets the supporter see. NotFound when the share is not the
    /// owner's or has been stopped.
    pub async fn set_share_scope(&self, owner: UserId, share: ShareId, scope: Scope) -> Result<()> {
        let r = sqlx::query("UPDATE shares SET scope = $1 WHERE id = $2 AND owner_id = $3 AND revoked_at IS NULL")
            .bind(scope.bits())
            .bind(share.to_string())
            .bind(owner.to_string())
            .execute(&self.pool)
            .await?;
        if r.rows_affected() == 1 { Ok(()) } else { Err(StoreError::NotFound) }
    }

    pub async fn revoke_share(&self, owner: UserId, share: ShareId, now: Timestamp) -> Result<()> {
        let r = sqlx::query("UPDATE shares SET revoked_at = $1 WHERE id = $2 AND owner_id = $3 AND revoked_at IS NULL")
            .bind(micros(now))
            .bind(share.to_string())
            .bind(owner.to_string())
            .execute(&self.pool)
            .await?;
        if r.rows_affected() == 1 { Ok(()) } else { Err(StoreError::NotFound) }
    }

    /// Appends to the owner's access log.
    pub async fn audit(
        &self,
        owner: UserId,
        actor: UserId,
        actor_name: &str,
        action: &str,
        now: Timestamp,
    ) -> Result<()> {
        insert_audit(&mut *self.pool.acquire().await?, owner, actor, actor_name, action, now).await
    }

    /// Logs `action` by `actor` in each owner's access log, unless it is there since `since`
    /// (security probe L5): one read of what `actor` already logged, then one transaction for
    /// the rest, or none when nothing is missing (issue 21: a write per person on every caseload
    /// view).
    pub async fn audit_once_since_many(
        &self,
        owners: &[UserId],
        actor: UserId,
        actor_name: &str,
        action: &str,
        now: Timestamp,
        since: Timestamp,
    ) -> Result<()> {
        let logged: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT owner_id FROM audit WHERE actor_id = $1 AND action = $2 AND at > $3")
                .bind(actor.to_string())
                .bind(action)
                .bind(micros(since))
                .fetch_all(&self.pool)
                .await?;
        let missing: Vec<String> = owners.iter().map(UserId::to_string).filter(|o| !logged.contains(o)).collect();
        if missing.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        for owner in missing {
            sqlx::query(
                "INSERT INTO audit (id, owner_id, actor_id, actor_name, action, at) \
                 SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM audit \
                 WHERE owner_id = $2 AND actor_id = $3 AND action = $5 AND at > $7)",
            )
            .bind(Uuid::now_v7().to_string())
            .bind(owner)
            .bind(actor.to_string())
            .bind(actor_name)
            .bind(action)
            .bind(micros(now))
            .bind(micros(since))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Appends to the owner's access log, or — when the same person logged the same action there
    /// since `since` — counts one more time on that row: a burst of reads is recorded with how
    /// many there were, in one row per window (security probe L5).
    pub async fn audit_counted(
        &self,
        owner: UserId,
        actor: UserId,
        actor_name: &str,
        action: &str,
        now: Timestamp,
        since: Timestamp,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let counted = sqlx::query(
            "UPDATE audit SET times = times + 1 WHERE id = (SELECT id FROM audit WHERE owner_id = $1 AND \
             actor_id = $2 AND actor_name = $5 AND action = $3 AND at > $4 ORDER BY at DESC LIMIT 1)",
        )
        .bind(owner.to_string())
        .bind(actor.to_string())
        .bind(action)
        .bind(micros(since))
        // The name too: one link is opened by several people, each named as they gave it (a
        // walk saw a named prescriber's reads counted on an unnamed visitor's row).
        .bind(actor_name)
        .execute(&mut *tx)
        .await?;
        if counted.rows_affected() == 0 {
            insert_audit(&mut tx, owner, actor, actor_name, action, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The owner's access log, newest first.
    pub async fn access_log(&self, owner: UserId) -> Result<Vec<AuditRecord>> {
        #[derive(sqlx::FromRow)]
        struct AuditRow {
            actor_id: String,
            actor_name: String,
            action: String,
            at: i64,
            times: i64,
        }
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT actor_id, actor_name, action, at, times FROM audit WHERE owner_id = $1 ORDER BY at DESC, id DESC",
        )
        .bind(owner.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(AuditRecord {
                    actor: uuid(&r.actor_id)?,
                    actor_name: r.actor_name,
                    action: r.action,
                    at: ts(r.at)?,
                    times: u32::try_from(r.times).unwrap_or(u32::MAX),
                })
            })
            .collect()
    }
}

/// One row of an owner's access log.
async fn insert_audit(
    conn: &mut sqlx::AnyConnection,
    owner: UserId,
    actor: UserId,
    actor_name: &str,
    action: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("INSERT INTO audit (id, owner_id, actor_id, actor_name, action, at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(Uuid::now_v7().to_string())
        .bind(owner.to_string())
        .bind(actor.to_string())
        .bind(actor_name)
        .bind(action)
        .bind(micros(now))
        .execute(&mut *conn)
        .await?;
    Ok(())
}
