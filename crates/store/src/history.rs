//! The medication history: events and the withdrawal-or-return assessments.

use jiff::Timestamp;
use jiff::civil::Date;
use uuid::Uuid;

use crate::{AssessmentRecord, MedEventId, MedEventRecord, Result, Store, StoreError, UserId, date, micros, ts, uuid};

impl Store {
    pub async fn save_assessment(
        &self,
        user: UserId,
        on: Date,
        answers: &str,
        leaning: &str,
        note: &str,
        now: Timestamp,
    ) -> Result<()> {
        self.save_assessment_on(&mut *self.pool.acquire().await?, user, on, answers, leaning, note, now).await
    }

    pub(crate) async fn save_assessment_on(
        &self,
        conn: &mut sqlx::AnyConnection,
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
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// The person's assessments, newest first.
    pub async fn assessments(&self, user: UserId) -> Result<Vec<AssessmentRecord>> {
        #[derive(sqlx::FromRow)]
        struct AssessmentRow {
            date: String,
            answers: String,
            leaning: String,
            note: String,
            created_at: i64,
        }
        let rows: Vec<AssessmentRow> = sqlx::query_as(
            "SELECT date, answers, leaning, note, created_at FROM assessments WHERE user_id = $1 \
             ORDER BY date DESC, created_at DESC",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|AssessmentRow { date: d, answers, leaning, note, created_at: c }| {
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
        self.add_med_event_on(&mut *self.pool.acquire().await?, user, on, drug, kind, abrupt, now).await
    }

    pub(crate) async fn add_med_event_on(
        &self,
        conn: &mut sqlx::AnyConnection,
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
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// The person's medication history, oldest first.
    pub async fn med_events(&self, user: UserId) -> Result<Vec<MedEventRecord>> {
        #[derive(sqlx::FromRow)]
        struct MedEventRow {
            id: String,
            date: String,
            drug: String,
            kind: String,
            abrupt: i64,
        }
        let rows: Vec<MedEventRow> = sqlx::query_as(
            "SELECT id, date, drug, kind, abrupt FROM med_events WHERE user_id = $1 ORDER BY date, created_at",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|MedEventRow { id, date: d, drug, kind, abrupt }| {
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
}
