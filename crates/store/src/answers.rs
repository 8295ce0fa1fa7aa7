//! Questionnaires (PHQ-9, GAD-7) and the answers about self-harm, kept on their own so none is lost.

use jiff::Timestamp;
use jiff::civil::Date;
use uuid::Uuid;

use crate::{QuestionnaireRecord, Result, SafetySignal, Store, StoreError, UserId, date, micros, ts, uuid};

/// An item-9 answer above zero, kept on its own.
pub(crate) const SIGNAL_INSERT: &str = "INSERT INTO safety_signals (id, user_id, source, value, date, created_at) \
     VALUES ($1, $2, 'phq9_item9', $3, $4, $5)";
/// An answer above "no" to the daily question.
pub(crate) const DAILY_SAFETY_INSERT: &str =
    "INSERT INTO daily_safety_answers (id, user_id, value, date, created_at) VALUES ($1, $2, $3, $4, $5)";

#[derive(sqlx::FromRow)]
pub(crate) struct QuestionnaireRow {
    id: String,
    instrument: String,
    date: String,
    answers: String,
    total: i64,
    item9: Option<i64>,
    difficulty: Option<i64>,
    created_at: i64,
}

impl TryFrom<QuestionnaireRow> for QuestionnaireRecord {
    type Error = StoreError;
    fn try_from(r: QuestionnaireRow) -> Result<QuestionnaireRecord> {
        let QuestionnaireRow { id, instrument, date: d, answers: a, total, item9, difficulty, created_at: c } = r;
        let bad = |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("questionnaire {id}: {e}"));
        Ok(QuestionnaireRecord {
            id: uuid(&id)?,
            instrument,
            date: date(&d)?,
            answers: serde_json::from_str(&a).map_err(|e| bad(&e))?,
            total: u32::try_from(total).map_err(|e| bad(&e))?,
            item9: item9.map(u8::try_from).transpose().map_err(|e| bad(&e))?,
            difficulty: difficulty.map(u8::try_from).transpose().map_err(|e| bad(&e))?,
            created_at: ts(c)?,
        })
    }
}

/// The tables of answers about self-harm kept on their own.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AnswerTable {
    /// PHQ-9 item-9 answers above zero.
    Signals,
    /// Answers above "no" to the daily question.
    DailySafety,
}

impl AnswerTable {
    pub(crate) fn name(self) -> &'static str {
        match self {
            AnswerTable::Signals => "safety_signals",
            AnswerTable::DailySafety => "daily_safety_answers",
        }
    }
}

/// One kept answer, as stored.
pub(crate) fn signal(d: &str, v: i64) -> Result<SafetySignal> {
    let value = u8::try_from(v).map_err(|_| StoreError::Corrupt(format!("safety answer value {v}")))?;
    Ok(SafetySignal { date: date(d)?, value })
}

impl Store {
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
        self.save_questionnaire_on(
            &mut *self.pool.acquire().await?,
            user,
            instrument,
            on,
            answers,
            total,
            item9,
            difficulty,
            now,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)] // one row, its columns, and where to write it
    pub(crate) async fn save_questionnaire_on(
        &self,
        conn: &mut sqlx::AnyConnection,
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
        .execute(&mut *conn)
        .await?;
        Ok(id)
    }

    /// The person's questionnaires, oldest first.
    pub async fn questionnaires(&self, user: UserId) -> Result<Vec<QuestionnaireRecord>> {
        Ok(self.questionnaires_of(&[user]).await?.remove(&user).unwrap_or_default())
    }

    /// Keeps an item-9 answer above zero on its own, complete questionnaire or not.
    pub async fn save_signal(&self, user: UserId, on: Date, value: u8, now: Timestamp) -> Result<()> {
        self.keep_answer(SIGNAL_INSERT, user, on, value, now).await
    }

    /// Keeps an answer above "no" to the daily question about thoughts of self-harm.
    pub async fn save_daily_safety(&self, user: UserId, on: Date, value: u8, now: Timestamp) -> Result<()> {
        self.keep_answer(DAILY_SAFETY_INSERT, user, on, value, now).await
    }

    /// One answer about self-harm, appended (never replaced) with a new id.
    async fn keep_answer(&self, sql: &'static str, user: UserId, on: Date, value: u8, now: Timestamp) -> Result<()> {
        self.keep_answer_on(&mut *self.pool.acquire().await?, sql, user, on, value, now).await
    }

    pub(crate) async fn keep_answer_on(
        &self,
        conn: &mut sqlx::AnyConnection,
        sql: &'static str,
        user: UserId,
        on: Date,
        value: u8,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(sql)
            .bind(Uuid::now_v7().to_string())
            .bind(user.to_string())
            .bind(i64::from(value))
            .bind(on.to_string())
            .bind(micros(now))
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// The person's answers above "no" to the daily question, oldest first.
    pub async fn daily_safety_answers(&self, user: UserId) -> Result<Vec<SafetySignal>> {
        Ok(self.daily_safety_answers_of(&[user]).await?.remove(&user).unwrap_or_default())
    }

    /// The person's item-9 answers above zero, oldest first.
    pub async fn signals(&self, user: UserId) -> Result<Vec<SafetySignal>> {
        Ok(self.signals_of(&[user]).await?.remove(&user).unwrap_or_default())
    }
}
