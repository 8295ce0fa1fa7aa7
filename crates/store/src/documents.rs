//! The documents a person has one of (safety plan, medication background), sealed.

use jiff::Timestamp;

use crate::{Result, Store, UserId, micros};

impl Store {
    /// Keeps the person's safety plan (a JSON document the server defines), replacing any before.
    pub async fn save_safety_plan(&self, user: UserId, data: &str, now: Timestamp) -> Result<()> {
        self.save_document(Document::SafetyPlan, user, data, now).await
    }

    /// The person's safety plan document, if they have written one.
    pub async fn safety_plan(&self, user: UserId) -> Result<Option<String>> {
        self.document(Document::SafetyPlan, user).await
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
        self.save_document_on(&mut *self.pool.acquire().await?, doc, user, data, now).await
    }

    pub(crate) async fn save_document_on(
        &self,
        conn: &mut sqlx::AnyConnection,
        doc: Document,
        user: UserId,
        data: &str,
        now: Timestamp,
    ) -> Result<()> {
        let table = doc.table();
        sqlx::query(crate::trusted(format!(
            "INSERT INTO {table} (user_id, data, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at"
        )))
        .bind(user.to_string())
        .bind(self.seal(data)?)
        .bind(micros(now))
        .execute(&mut *conn)
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
pub(crate) enum Document {
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
