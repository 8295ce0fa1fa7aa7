//! Consented sharing: invitations, shares, the access log, questionnaires, supporters' notes on flags
//! and the item-9 answers kept on their own.

use jiff::Timestamp;
use jiff::civil::Date;
use taper_core::consent::Scope;
use uuid::Uuid;

use crate::{
    AssessmentRecord, AuditRecord, FlagNote, FlagNoteKind, MedEventId, MedEventRecord, PendingInvite,
    QuestionnaireRecord, Result, SafetySignal, Share, ShareId, Store, StoreError, UserId, date, micros, ts, uuid,
};

const SHARE_SELECT: &str = "SELECT s.id, s.owner_id, o.display_name, s.grantee_id, g.display_name, g.role, \
    s.can_propose, s.created_at, s.revoked_at, s.scope FROM shares s JOIN users o ON o.id = s.owner_id \
    JOIN users g ON g.id = s.grantee_id";

type ShareRow = (String, String, String, String, String, String, i64, i64, Option<i64>, i64);
type QuestionnaireRow = (String, String, String, String, i64, Option<i64>, Option<i64>, i64);

fn share(r: ShareRow) -> Result<Share> {
    Ok(Share {
        id: uuid(&r.0)?,
        owner: uuid(&r.1)?,
        owner_name: r.2,
        grantee: uuid(&r.3)?,
        grantee_name: r.4,
        grantee_role: taper_core::role::Role::from_key(&r.5)
            .ok_or_else(|| StoreError::Corrupt(format!("user role '{}'", r.5)))?,
        can_propose: r.6 != 0,
        scope: Scope::from_bits(r.9),
        created_at: ts(r.7)?,
        revoked_at: r.8.map(ts).transpose()?,
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
        let rows: Vec<(String, String, i64, i64, i64, i64)> = sqlx::query_as(
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
                    handle: r.0,
                    label: self.open(r.1)?,
                    can_propose: r.2 != 0,
                    scope: Scope::from_bits(r.5),
                    created_at: ts(r.3)?,
                    expires_at: ts(r.4)?,
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
        sqlx::query(
            "INSERT INTO audit (id, owner_id, actor_id, actor_name, action, at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(owner.to_string())
        .bind(actor.to_string())
        .bind(actor_name)
        .bind(action)
        .bind(micros(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Appends to the owner's access log unless the same person logged the same action there
    /// since `since`: a supporter reloading their caseload makes one row an hour, not thousands
    /// (security probe L5). One statement, so concurrent views cannot both slip in.
    pub async fn audit_once_since(
        &self,
        owner: UserId,
        actor: UserId,
        actor_name: &str,
        action: &str,
        now: Timestamp,
        since: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit (id, owner_id, actor_id, actor_name, action, at) \
             SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM audit \
             WHERE owner_id = $2 AND actor_id = $3 AND action = $5 AND at > $7)",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(owner.to_string())
        .bind(actor.to_string())
        .bind(actor_name)
        .bind(action)
        .bind(micros(now))
        .bind(micros(since))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The owner's access log, newest first.
    pub async fn access_log(&self, owner: UserId) -> Result<Vec<AuditRecord>> {
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT actor_id, actor_name, action, at FROM audit WHERE owner_id = $1 ORDER BY at DESC, id DESC",
        )
        .bind(owner.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(a, n, act, at)| Ok(AuditRecord { actor: uuid(&a)?, actor_name: n, action: act, at: ts(at)? }))
            .collect()
    }

    #[allow(clippy::too_many_arguments)] // one row, its columns
    pub async fn save_questionnaire(
        &self,
        user: UserId,
        instrument: &str,
        on: Date,
        answers: &[u8],
        total: u32,
        item9: Option<u8>,
        difficulty: Option<u8>,
        now: Timestamp,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        let answers = serde_json::to_string(answers).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO questionnaires (id, user_id, instrument, date, answers, total, item9, difficulty, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id.to_string())
        .bind(user.to_string())
        .bind(instrument)
        .bind(on.to_string())
        .bind(answers)
        .bind(i64::from(total))
        .bind(item9.map(i64::from))
        .bind(difficulty.map(i64::from))
        .bind(micros(now))
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// The person's questionnaires, oldest first.
    pub async fn questionnaires(&self, user: UserId) -> Result<Vec<QuestionnaireRecord>> {
        let rows: Vec<QuestionnaireRow> = sqlx::query_as(
            "SELECT id, instrument, date, answers, total, item9, difficulty, created_at FROM questionnaires \
             WHERE user_id = $1 \
             ORDER BY date, created_at",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, inst, d, a, total, item9, difficulty, c)| {
                let bad = |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("questionnaire {id}: {e}"));
                Ok(QuestionnaireRecord {
                    id: uuid(&id)?,
                    instrument: inst,
                    date: date(&d)?,
                    answers: serde_json::from_str(&a).map_err(|e| bad(&e))?,
                    total: u32::try_from(total).map_err(|e| bad(&e))?,
                    item9: item9.map(u8::try_from).transpose().map_err(|e| bad(&e))?,
                    difficulty: difficulty.map(u8::try_from).transpose().map_err(|e| bad(&e))?,
                    created_at: ts(c)?,
                })
            })
            .collect()
    }

    /// A supporter's note on a flag of the owner's record; Conflict if they already resolved it.
    #[allow(clippy::too_many_arguments)] // one row, its columns
    pub async fn note_flag(
        &self,
        owner: UserId,
        flag_key: &str,
        by: UserId,
        by_name: &str,
        kind: FlagNoteKind,
        note: &str,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO flag_notes (id, owner_id, flag_key, by_id, by_name, kind, note, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(owner.to_string())
        .bind(flag_key)
        .bind(by.to_string())
        .bind(by_name)
        .bind(kind.key())
        .bind(self.seal(note)?)
        .bind(micros(now))
        .execute(&self.pool)
        .await
        .map_err(|e| StoreError::conflict_on(e, "flag"))?;
        Ok(())
    }

    /// Every supporter's notes on the owner's flags, oldest first.
    pub async fn flag_notes(&self, owner: UserId) -> Result<Vec<FlagNote>> {
        let rows: Vec<(String, String, String, String, String, i64)> = sqlx::query_as(
            "SELECT flag_key, by_id, by_name, kind, note, at FROM flag_notes WHERE owner_id = $1 ORDER BY at",
        )
        .bind(owner.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(k, by, name, kind, note, at)| {
                let kind = FlagNoteKind::from_key(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("flag note kind {kind}")))?;
                Ok(FlagNote { flag_key: k, by: uuid(&by)?, by_name: name, kind, note: self.open(note)?, at: ts(at)? })
            })
            .collect()
    }

    /// Keeps an item-9 answer above zero on its own, complete questionnaire or not.
    pub async fn save_signal(&self, user: UserId, on: Date, value: u8, now: Timestamp) -> Result<()> {
        self.keep_answer(
            "INSERT INTO safety_signals (id, user_id, source, value, date, created_at) \
             VALUES ($1, $2, 'phq9_item9', $3, $4, $5)",
            user,
            on,
            value,
            now,
        )
        .await
    }

    /// Keeps an answer above "no" to the daily question about thoughts of self-harm.
    pub async fn save_daily_safety(&self, user: UserId, on: Date, value: u8, now: Timestamp) -> Result<()> {
        self.keep_answer(
            "INSERT INTO daily_safety_answers (id, user_id, value, date, created_at) VALUES ($1, $2, $3, $4, $5)",
            user,
            on,
            value,
            now,
        )
        .await
    }

    /// One answer about self-harm, appended (never replaced) with a new id.
    async fn keep_answer(&self, sql: &'static str, user: UserId, on: Date, value: u8, now: Timestamp) -> Result<()> {
        sqlx::query(sql)
            .bind(Uuid::now_v7().to_string())
            .bind(user.to_string())
            .bind(i64::from(value))
            .bind(on.to_string())
            .bind(micros(now))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The person's answers above "no" to the daily question, oldest first.
    pub async fn daily_safety_answers(&self, user: UserId) -> Result<Vec<SafetySignal>> {
        self.answers("SELECT date, value FROM daily_safety_answers WHERE user_id = $1 ORDER BY date, created_at", user)
            .await
    }

    /// Answers about self-harm kept on their own, oldest first.
    async fn answers(&self, sql: &'static str, user: UserId) -> Result<Vec<SafetySignal>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(sql).bind(user.to_string()).fetch_all(&self.pool).await?;
        rows.into_iter()
            .map(|(d, v)| {
                let value = u8::try_from(v).map_err(|_| StoreError::Corrupt(format!("safety answer value {v}")))?;
                Ok(SafetySignal { date: date(&d)?, value })
            })
            .collect()
    }

    /// Keeps the person's safety plan (a JSON document the server defines), replacing any before.
    pub async fn save_safety_plan(&self, user: UserId, data: &str, now: Timestamp) -> Result<()> {
        self.save_document(Document::SafetyPlan, user, data, now).await
    }

    /// The person's safety plan document, if they have written one.
    pub async fn safety_plan(&self, user: UserId) -> Result<Option<String>> {
        self.document(Document::SafetyPlan, user).await
    }

    /// The person's item-9 answers above zero, oldest first.
    pub async fn signals(&self, user: UserId) -> Result<Vec<SafetySignal>> {
        self.answers("SELECT date, value FROM safety_signals WHERE user_id = $1 ORDER BY date, created_at", user).await
    }

    pub async fn save_assessment(
        &self,
        user: UserId,
        on: Date,
        answers: &str,
        leaning: &str,
        note: &str,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO assessments (id, user_id, date, answers, leaning, note, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(user.to_string())
        .bind(on.to_string())
        .bind(answers)
        .bind(leaning)
        .bind(self.seal(note)?)
        .bind(micros(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The person's assessments, newest first.
    pub async fn assessments(&self, user: UserId) -> Result<Vec<AssessmentRecord>> {
        let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
            "SELECT date, answers, leaning, note, created_at FROM assessments WHERE user_id = $1 \
             ORDER BY date DESC, created_at DESC",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(d, answers, leaning, note, c)| {
                Ok(AssessmentRecord { date: date(&d)?, answers, leaning, note: self.open(note)?, created_at: ts(c)? })
            })
            .collect()
    }

    pub async fn add_med_event(
        &self,
        user: UserId,
        on: Date,
        drug: &str,
        kind: &str,
        abrupt: bool,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO med_events (id, user_id, date, drug, kind, abrupt, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(user.to_string())
        .bind(on.to_string())
        .bind(drug)
        .bind(kind)
        .bind(i64::from(abrupt))
        .bind(micros(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The person's medication history, oldest first.
    pub async fn med_events(&self, user: UserId) -> Result<Vec<MedEventRecord>> {
        let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
            "SELECT id, date, drug, kind, abrupt FROM med_events WHERE user_id = $1 ORDER BY date, created_at",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, d, drug, kind, abrupt)| {
                Ok(MedEventRecord { id: uuid(&id)?, date: date(&d)?, drug, kind, abrupt: abrupt != 0 })
            })
            .collect()
    }

    pub async fn delete_med_event(&self, user: UserId, id: MedEventId) -> Result<()> {
        let r = sqlx::query("DELETE FROM med_events WHERE id = $1 AND user_id = $2")
            .bind(id.to_string())
            .bind(user.to_string())
            .execute(&self.pool)
            .await?;
        if r.rows_affected() == 1 { Ok(()) } else { Err(StoreError::NotFound) }
    }

    /// The person's medication background (JSON defined by the server).
    pub async fn set_med_background(&self, user: UserId, data: &str, now: Timestamp) -> Result<()> {
        self.save_document(Document::MedBackground, user, data, now).await
    }

    pub async fn med_background(&self, user: UserId) -> Result<Option<String>> {
        self.document(Document::MedBackground, user).await
    }

    /// One sealed document per person, replaced whole.
    async fn save_document(&self, doc: Document, user: UserId, data: &str, now: Timestamp) -> Result<()> {
        let table = doc.table();
        sqlx::query(crate::trusted(format!(
            "INSERT INTO {table} (user_id, data, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at"
        )))
        .bind(user.to_string())
        .bind(self.seal(data)?)
        .bind(micros(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn document(&self, doc: Document, user: UserId) -> Result<Option<String>> {
        let table = doc.table();
        let row: Option<(String,)> =
            sqlx::query_as(crate::trusted(format!("SELECT data FROM {table} WHERE user_id = $1")))
                .bind(user.to_string())
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| self.open(r.0)).transpose()
    }
}

/// The documents a person has one of.
#[derive(Clone, Copy)]
enum Document {
    SafetyPlan,
    MedBackground,
}

impl Document {
    fn table(self) -> &'static str {
        match self {
            Document::SafetyPlan => "safety_plans",
            Document::MedBackground => "med_background",
        }
    }
}
