//! Supporters' notes on flags: reached out, resolved.

use jiff::Timestamp;
use uuid::Uuid;

use crate::{FlagNote, FlagNoteKind, Result, Store, StoreError, UserId, micros, ts, uuid};

impl Store {
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
        #[derive(sqlx::FromRow)]
        struct FlagNoteRow {
            flag_key: String,
            by_id: String,
            by_name: String,
            kind: String,
            note: String,
            at: i64,
        }
        let rows: Vec<FlagNoteRow> = sqlx::query_as(
            "SELECT flag_key, by_id, by_name, kind, note, at FROM flag_notes WHERE owner_id = $1 ORDER BY at",
        )
        .bind(owner.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|FlagNoteRow { flag_key: k, by_id: by, by_name: name, kind, note, at }| {
                let kind = FlagNoteKind::from_key(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("flag note kind {kind}")))?;
                Ok(FlagNote { flag_key: k, by: uuid(&by)?, by_name: name, kind, note: self.open(note)?, at: ts(at)? })
            })
            .collect()
    }
}
