//! Reads for many people at once (issue 21: the caseload read each person's tables one query at
//! a time, about ten queries a person). One query a table for up to `CHUNK` people; each
//! single-person read of the same tables is this read for one person, so both decode alike.

use std::collections::HashMap;

use crate::{
    FlagNote, FlagNoteKind, PlanHeads, PlanRecord, QuestionnaireRecord, REVISION_HEAD_COLUMNS, Result, RevisionBody,
    RevisionHead, RevisionHeadRow, RevisionId, SafetySignal, Store, SwitchRecord, USER_COLUMNS, User, UserId, UserRow,
    trusted, uuid,
};

/// People a query names at most: well inside both databases' limits on bound values.
const CHUNK: usize = 500;

/// A row with the id it belongs to (a person's, or a plan's for its revisions), as `owner_key`.
#[derive(sqlx::FromRow)]
struct Keyed<T> {
    owner_key: String,
    #[sqlx(flatten)]
    row: T,
}

/// "$1, $2, …, $n".
fn placeholders(n: usize) -> String {
    (1..=n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Rows in the order they came, grouped by their key.
fn grouped<T>(rows: Vec<(String, T)>) -> HashMap<String, Vec<T>> {
    let mut out: HashMap<String, Vec<T>> = HashMap::new();
    for (k, v) in rows {
        out.entry(k).or_default().push(v);
    }
    out
}

/// Keyed by person again.
fn by_person<T>(rows: HashMap<String, Vec<T>>) -> Result<HashMap<UserId, Vec<T>>> {
    rows.into_iter().map(|(k, v)| Ok((uuid(&k)?, v))).collect()
}

#[derive(sqlx::FromRow)]
struct AnswerRow {
    date: String,
    value: i64,
}

#[derive(sqlx::FromRow)]
pub(crate) struct FlagNoteRow {
    flag_key: String,
    by_id: String,
    by_name: String,
    kind: String,
    note: String,
    at: i64,
}

#[derive(sqlx::FromRow)]
struct ScoreRow {
    instrument: String,
    date: String,
    total: i64,
    item9: Option<i64>,
    /// Read for the order alone.
    #[allow(dead_code)]
    created_at: i64,
}

impl TryFrom<ScoreRow> for crate::QuestionnaireScore {
    type Error = crate::StoreError;
    fn try_from(r: ScoreRow) -> Result<crate::QuestionnaireScore> {
        let bad = |why: &str| crate::StoreError::Corrupt(format!("questionnaire score on '{}': {why}", r.date));
        Ok(crate::QuestionnaireScore {
            instrument: r.instrument.clone(),
            date: r.date.parse().map_err(|_| bad("date"))?,
            total: u32::try_from(r.total).map_err(|_| bad("total"))?,
            item9: r.item9.map(|v| u8::try_from(v).map_err(|_| bad("item 9"))).transpose()?,
        })
    }
}

/// `questionnaire_scores_of`'s query for `people` and `kinds` (placeholder lists), every step an
/// index seek (`questionnaires_marks`), none a scan of a person's years of scores: each
/// questionnaire's first and latest day, the latest day before that, then the rows of the first
/// day, of the two latest, and with item 9 above zero between. PostgreSQL is told the order of
/// the work (`LATERAL`; left to choose, it hashed every row); SQLite has no `LATERAL`, and
/// materialised marks make it seek.
fn scores_sql(backend: crate::Backend, people: &str, kinds: &str) -> String {
    const OF: &str = "FROM questionnaires q WHERE q.user_id = m.user_id AND q.instrument = m.instrument";
    let rows = "q.instrument, q.date, q.total, q.item9, q.created_at";
    let parts = [
        format!("SELECT {rows} {OF} AND q.date = m.first_day"),
        format!("SELECT {rows} {OF} AND q.date >= m.from_day AND q.date > m.first_day"),
        format!("SELECT {rows} {OF} AND q.item9 > 0 AND q.date > m.first_day AND q.date < m.from_day"),
    ];
    let start = format!("WITH people (user_id) AS (VALUES {people}), kinds (instrument) AS (VALUES {kinds}), ");
    match backend {
        crate::Backend::Sqlite => {
            let parts = parts.map(|p| {
                p.replacen("SELECT ", "SELECT m.user_id AS owner_key, ", 1).replacen(
                    "FROM questionnaires q WHERE",
                    "FROM marks m JOIN questionnaires q ON",
                    1,
                )
            });
            format!(
                "{start}ends AS MATERIALIZED (SELECT p.user_id, k.instrument, \
                 (SELECT MIN(q.date) FROM questionnaires q WHERE q.user_id = p.user_id AND q.instrument = k.instrument) AS first_day, \
                 (SELECT MAX(q.date) FROM questionnaires q WHERE q.user_id = p.user_id AND q.instrument = k.instrument) AS last_day \
                 FROM people p CROSS JOIN kinds k), \
                 marks AS MATERIALIZED (SELECT e.user_id, e.instrument, e.first_day, COALESCE((SELECT MAX(q.date) \
                 FROM questionnaires q WHERE q.user_id = e.user_id AND q.instrument = e.instrument AND q.date < e.last_day), \
                 e.last_day) AS from_day FROM ends e WHERE e.first_day IS NOT NULL) \
                 {} ORDER BY owner_key, date, created_at",
                parts.join(" UNION ALL ")
            )
        }
        crate::Backend::Postgres => {
            let of_pair = "FROM questionnaires q WHERE q.user_id = p.user_id AND q.instrument = k.instrument";
            format!(
                "{start}marks AS MATERIALIZED (SELECT p.user_id, k.instrument, f.date AS first_day, \
                 COALESCE(l2.date, l1.date) AS from_day FROM people p CROSS JOIN kinds k \
                 JOIN LATERAL (SELECT q.date {of_pair} ORDER BY q.date LIMIT 1) f ON true \
                 JOIN LATERAL (SELECT q.date {of_pair} ORDER BY q.date DESC LIMIT 1) l1 ON true \
                 LEFT JOIN LATERAL (SELECT q.date {of_pair} AND q.date < l1.date ORDER BY q.date DESC LIMIT 1) l2 ON true) \
                 SELECT m.user_id AS owner_key, s.instrument, s.date, s.total, s.item9, s.created_at FROM marks m \
                 CROSS JOIN LATERAL ({}) s ORDER BY owner_key, s.date, s.created_at",
                parts.join(" UNION ALL ")
            )
        }
    }
}

/// One aggregated text column (`joined`).
#[derive(sqlx::FromRow)]
struct JoinedRow {
    joined: Option<String>,
}

impl Store {
    /// The rows of `sql` for `keys`: `{keys}` in it is replaced by their placeholders, and its
    /// first column is `owner_key`. In the query's order, chunk after chunk.
    async fn keyed<R>(&self, keys: &[String], sql: &str) -> Result<Vec<(String, R)>>
    where
        R: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        let mut out = Vec::new();
        for chunk in keys.chunks(CHUNK) {
            let text = sql.replace("{keys}", &placeholders(chunk.len()));
            let mut query = sqlx::query_as::<_, Keyed<R>>(trusted(text));
            for k in chunk {
                query = query.bind(k.clone());
            }
            out.extend(query.fetch_all(&self.pool).await?.into_iter().map(|k| (k.owner_key, k.row)));
        }
        Ok(out)
    }

    pub(crate) async fn keyed_people<R>(&self, people: &[UserId], sql: &str) -> Result<Vec<(String, R)>>
    where
        R: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        let keys: Vec<String> = people.iter().map(UserId::to_string).collect();
        self.keyed(&keys, sql).await
    }

    /// The accounts of `people` that exist.
    pub async fn users_of(&self, people: &[UserId]) -> Result<HashMap<UserId, User>> {
        let sql = format!("SELECT id AS owner_key, {USER_COLUMNS} FROM users WHERE id IN ({{keys}})");
        let rows: Vec<(String, UserRow)> = self.keyed_people(people, &sql).await?;
        rows.into_iter().map(|(k, r)| Ok((uuid(&k)?, User::try_from(r)?))).collect()
    }

    /// Each person's plans in force, oldest first, with the heads of their revisions (as
    /// `active_plan_heads`): the settings and steps are read by `revision_bodies`, only for
    /// revisions not already known.
    pub async fn active_plan_heads_of(&self, people: &[UserId]) -> Result<HashMap<UserId, Vec<PlanHeads>>> {
        let plans: Vec<(String, crate::plans::PlanRow)> = self
            .keyed_people(
                people,
                "SELECT user_id AS owner_key, id, drug, created_at, replaced_at FROM plans \
                 WHERE user_id IN ({keys}) AND replaced_at IS NULL ORDER BY user_id, created_at, id",
            )
            .await?;
        let ids: Vec<String> = plans.iter().map(|(_, p)| p.id.clone()).collect();
        let sql = format!(
            "SELECT plan_id AS owner_key, {REVISION_HEAD_COLUMNS} FROM plan_revisions WHERE plan_id IN ({{keys}}) \
             ORDER BY plan_id, number"
        );
        let mut revisions = grouped(self.keyed::<RevisionHeadRow>(&ids, &sql).await?);
        let mut out: HashMap<UserId, Vec<PlanHeads>> = HashMap::new();
        for (owner, row) in plans {
            let revs = revisions.remove(&row.id).unwrap_or_default();
            out.entry(uuid(&owner)?).or_default().push(PlanHeads {
                plan: PlanRecord::try_from(row)?,
                revisions: revs.into_iter().map(RevisionHead::try_from).collect::<Result<_>>()?,
            });
        }
        Ok(out)
    }

    /// The person's plans in force, oldest first, with the heads of their revisions.
    pub async fn active_plan_heads(&self, user: UserId) -> Result<Vec<PlanHeads>> {
        Ok(self.active_plan_heads_of(&[user]).await?.remove(&user).unwrap_or_default())
    }

    /// The settings and steps of the revisions `ids` (of any plan: a revision's id is known only
    /// from its plan's heads, read for its owner).
    pub async fn revision_bodies(&self, ids: &[RevisionId]) -> Result<HashMap<RevisionId, RevisionBody>> {
        #[derive(sqlx::FromRow)]
        struct BodyRow {
            settings: String,
            steps: String,
            reason: String,
        }
        let keys: Vec<String> = ids.iter().map(RevisionId::to_string).collect();
        let rows: Vec<(String, BodyRow)> = self
            .keyed(&keys, "SELECT id AS owner_key, settings, steps, reason FROM plan_revisions WHERE id IN ({keys})")
            .await?;
        rows.into_iter()
            .map(|(k, r)| Ok((uuid(&k)?, RevisionBody { settings: r.settings, steps: r.steps, reason: r.reason })))
            .collect()
    }

    /// Each person's check-in days and levels (as `day_levels`), one aggregated row each.
    pub async fn day_levels_of(&self, people: &[UserId]) -> Result<HashMap<UserId, Vec<crate::DayLevel>>> {
        let sql = format!(
            "SELECT user_id AS owner_key, {} AS joined FROM checkins WHERE user_id IN ({{keys}}) GROUP BY user_id",
            self.levels_aggregate()
        );
        let rows: Vec<(String, JoinedRow)> = self.keyed_people(people, &sql).await?;
        rows.into_iter().map(|(k, r)| Ok((uuid(&k)?, crate::checkins::day_levels_from(r.joined.as_deref())?))).collect()
    }

    /// Each person's questionnaires, oldest first (as `questionnaires`).
    pub async fn questionnaires_of(&self, people: &[UserId]) -> Result<HashMap<UserId, Vec<QuestionnaireRecord>>> {
        let rows: Vec<(String, crate::answers::QuestionnaireRow)> = self
            .keyed_people(
                people,
                "SELECT user_id AS owner_key, id, instrument, date, answers, total, item9, difficulty, created_at \
                 FROM questionnaires WHERE user_id IN ({keys}) ORDER BY user_id, date, created_at",
            )
            .await?;
        let decoded: Vec<(String, QuestionnaireRecord)> =
            rows.into_iter().map(|(k, r)| Ok((k, QuestionnaireRecord::try_from(r)?))).collect::<Result<_>>()?;
        by_person(grouped(decoded))
    }

    /// The questionnaire scores a caseload's flags read, without their answers, oldest first
    /// (by day, then as saved): of each person's each questionnaire of `instruments`, those of
    /// its first day and of its two latest days, and every one with item 9 above zero. The flags compare the latest score
    /// with the first and with the latest of an earlier day (`measures::compared_with`), count
    /// from the latest when the next is due, and keep every item-9 answer above zero; two years
    /// of fortnightly scores were a third of a caseload's time (issue 21). A route test checks
    /// the caseload's flags equal those read from every score.
    pub async fn questionnaire_scores_of(
        &self,
        people: &[UserId],
        instruments: &[&str],
    ) -> Result<HashMap<UserId, Vec<crate::QuestionnaireScore>>> {
        let mut decoded = Vec::new();
        for chunk in people.chunks(CHUNK) {
            let values =
                |from: usize, n: usize| (from..from + n).map(|i| format!("(${i})")).collect::<Vec<_>>().join(", ");
            let sql = scores_sql(self.backend, &values(1, chunk.len()), &values(chunk.len() + 1, instruments.len()));
            let mut query = sqlx::query_as::<_, Keyed<ScoreRow>>(trusted(sql));
            for k in chunk {
                query = query.bind(k.to_string());
            }
            for i in instruments {
                query = query.bind((*i).to_string());
            }
            for k in query.fetch_all(&self.pool).await? {
                decoded.push((k.owner_key, crate::QuestionnaireScore::try_from(k.row)?));
            }
        }
        by_person(grouped(decoded))
    }

    /// Each person's answers kept on their own in `table` (`safety_signals` or
    /// `daily_safety_answers`), oldest first.
    pub(crate) async fn answers_of(
        &self,
        people: &[UserId],
        table: crate::answers::AnswerTable,
    ) -> Result<HashMap<UserId, Vec<SafetySignal>>> {
        let sql = format!(
            "SELECT user_id AS owner_key, date, value FROM {} WHERE user_id IN ({{keys}}) ORDER BY user_id, date, created_at",
            table.name()
        );
        let rows: Vec<(String, AnswerRow)> = self.keyed_people(people, &sql).await?;
        let decoded: Vec<(String, SafetySignal)> =
            rows.into_iter().map(|(k, r)| Ok((k, crate::answers::signal(&r.date, r.value)?))).collect::<Result<_>>()?;
        by_person(grouped(decoded))
    }

    /// Each person's item-9 answers above zero, oldest first (as `signals`).
    pub async fn signals_of(&self, people: &[UserId]) -> Result<HashMap<UserId, Vec<SafetySignal>>> {
        self.answers_of(people, crate::answers::AnswerTable::Signals).await
    }

    /// Each person's answers above "no" to the daily question (as `daily_safety_answers`).
    pub async fn daily_safety_answers_of(&self, people: &[UserId]) -> Result<HashMap<UserId, Vec<SafetySignal>>> {
        self.answers_of(people, crate::answers::AnswerTable::DailySafety).await
    }

    /// Every supporter's notes on each person's flags, oldest first (as `flag_notes`).
    pub async fn flag_notes_of(&self, people: &[UserId]) -> Result<HashMap<UserId, Vec<FlagNote>>> {
        let rows: Vec<(String, FlagNoteRow)> = self
            .keyed_people(
                people,
                "SELECT owner_id AS owner_key, flag_key, by_id, by_name, kind, note, at FROM flag_notes \
                 WHERE owner_id IN ({keys}) ORDER BY owner_id, at",
            )
            .await?;
        let decoded: Vec<(String, FlagNote)> = rows
            .into_iter()
            .map(|(k, FlagNoteRow { flag_key, by_id, by_name, kind, note, at })| {
                let kind = FlagNoteKind::from_key(&kind)
                    .ok_or_else(|| crate::StoreError::Corrupt(format!("flag note kind {kind}")))?;
                let note =
                    FlagNote { flag_key, by: uuid(&by_id)?, by_name, kind, note: self.open(note)?, at: crate::ts(at)? };
                Ok((k, note))
            })
            .collect::<Result<_>>()?;
        by_person(grouped(decoded))
    }

    /// The switch each person follows, where there is one (as `active_switch`).
    pub async fn active_switches_of(&self, people: &[UserId]) -> Result<HashMap<UserId, SwitchRecord>> {
        let rows: Vec<(String, crate::switches::SwitchRow)> = self
            .keyed_people(
                people,
                "SELECT user_id AS owner_key, id, form, start_date, stays, created_at, ended_at FROM switches \
                 WHERE user_id IN ({keys}) AND ended_at IS NULL",
            )
            .await?;
        rows.into_iter().map(|(k, r)| Ok((uuid(&k)?, SwitchRecord::try_from(r)?))).collect()
    }
}
