//! Supporters' notes on flags: reached out, resolved.

use jiff::Timestamp;
use uuid::Uuid;

use crate::{FlagNote, FlagNoteKind, Result, Store, StoreError, UserId, micros};

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
        Ok(self.flag_notes_of(&[owner]).await?.remove(&owner).unwrap_or_default())
    }
}
