//! Leases: work that one of several instances sharing the database does, claimed in one
//! statement so two instances never both hold it.

use jiff::Timestamp;

use crate::{Result, Store, micros};

impl Store {
    /// Claims the lease `name` for `holder` until `until`, if nobody holds it at `now` (or
    /// `holder` does already). True when claimed.
    pub async fn claim_lease(&self, name: &str, holder: &str, now: Timestamp, until: Timestamp) -> Result<bool> {
        let r = sqlx::query(
            "INSERT INTO leases (name, holder, until_at) VALUES ($1, $2, $4) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_at = excluded.until_at \
             WHERE leases.until_at <= $3 OR leases.holder = excluded.holder",
        )
        .bind(name)
        .bind(holder)
        .bind(micros(now))
        .bind(micros(until))
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Gives the lease `name` back, if `holder` holds it, so another instance may claim it now.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
