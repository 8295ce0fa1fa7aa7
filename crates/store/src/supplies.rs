//! What a person has of each product (issue 20: supply and refills): one count per product,
//! replaced by a newer one. Counts are not sealed: they say which product is on the shelf, not
//! how the person is, like the plan's own product list.

use jiff::Timestamp;
use uuid::Uuid;

use crate::{NewSupply, Result, Store, StoreError, SupplyRecord, UserId, date, micros};

impl Store {
    /// Saves a count of one product, replacing any earlier count of it.
    pub async fn save_supply(&self, user: UserId, s: &NewSupply<'_>, now: Timestamp) -> Result<()> {
        self.save_supply_on(&mut *self.pool.acquire().await?, user, s, now).await
    }

    pub(crate) async fn save_supply_on(
        &self,
        conn: &mut sqlx::AnyConnection,
        user: UserId,
        s: &NewSupply<'_>,
        now: Timestamp,
    ) -> Result<()> {
        if !s.amount.is_finite() || s.amount < 0.0 {
            return Err(StoreError::Conflict(format!("a supply of {} cannot be kept", s.amount)));
        }
        sqlx::query(
            "INSERT INTO supplies (id, user_id, product_id, unit, amount, counted_on, lead_days, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (user_id, product_id) DO UPDATE SET unit = excluded.unit, amount = excluded.amount, \
             counted_on = excluded.counted_on, lead_days = excluded.lead_days, updated_at = excluded.updated_at",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(user.to_string())
        .bind(s.product_id)
        .bind(s.unit)
        .bind(s.amount)
        .bind(s.counted_on.to_string())
        .bind(i64::from(s.lead_days))
        .bind(micros(now))
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Stops counting one product.
    pub async fn remove_supply(&self, user: UserId, product_id: &str) -> Result<()> {
        sqlx::query("DELETE FROM supplies WHERE user_id = $1 AND product_id = $2")
            .bind(user.to_string())
            .bind(product_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Every product the person counts, by product id.
    pub async fn supplies(&self, user: UserId) -> Result<Vec<SupplyRecord>> {
        let rows: Vec<SupplyRow> = sqlx::query_as(
            "SELECT product_id, unit, amount, counted_on, lead_days FROM supplies WHERE user_id = $1 \
             ORDER BY product_id",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(SupplyRecord::try_from).collect()
    }
}

#[derive(sqlx::FromRow)]
struct SupplyRow {
    product_id: String,
    unit: String,
    amount: f64,
    counted_on: String,
    lead_days: i64,
}

impl TryFrom<SupplyRow> for SupplyRecord {
    type Error = StoreError;
    fn try_from(r: SupplyRow) -> Result<SupplyRecord> {
        Ok(SupplyRecord {
            product_id: r.product_id,
            unit: r.unit,
            amount: r.amount,
            counted_on: date(&r.counted_on)?,
            // The column's CHECK keeps it within 0–90.
            lead_days: u32::try_from(r.lead_days)
                .map_err(|_| StoreError::Corrupt(format!("lead_days {}", r.lead_days)))?,
        })
    }
}
