//! Reads for many people at once (issue 21: the caseload read each person's tables one query at
//! a time, about ten queries a person). One query a table for up to `CHUNK` people; each
//! single-person read of the same tables is this read for one person, so both decode alike.

use std::collections::HashMap;

use crate::{
    FlagNote, FlagNoteKind, PlanRecord, PlanWithRevisions, QuestionnaireRecord, REVISION_COLUMNS, Result, Revision,
    RevisionRow, SafetySignal, Store, SwitchRecord, USER_COLUMNS, User, UserId, UserRow, trusted, uuid,
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

/// The scores of `questionnaire_scores_of`'s text, oldest first (by day, then as saved).
fn scores_from(joined: Option<&str>) -> Result<Vec<crate::QuestionnaireScore>> {
    let mut out = Vec::new();
    for entry in joined.unwrap_or("").split(',').filter(|e| !e.is_empty()) {
        let bad = |why: &str| crate::StoreError::Corrupt(format!("questionnaire score '{entry}': {why}"));
        let f: Vec<&str> = entry.split(':').collect();
        let [instrument, date, total, item9, created] = f[..] else { return Err(bad("not five fields")) };
        let score = crate::QuestionnaireScore {
            instrument: instrument.to_string(),
            date: date.parse().map_err(|_| bad("date"))?,
            total: total.parse().map_err(|_| bad("total"))?,
            item9: if item9.is_empty() { None } else { Some(item9.parse().map_err(|_| bad("item 9"))?) },
        };
        let created: i64 = created.parse().map_err(|_| bad("saved at"))?;
        out.push((score.date, created, score));
    }
    out.sort_by_key(|e| (e.0, e.1));
    Ok(out.into_iter().map(|(_, _, s)| s).collect())
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

    /// Each person's plans in force with their revisions, oldest first (as `active_plans` and `plan`).
    pub async fn active_plans_of(&self, people: &[UserId]) -> Result<HashMap<UserId, Vec<PlanWithRevisions>>> {
        let plans: Vec<(String, crate::plans::PlanRow)> = self
            .keyed_people(
                people,
                "SELECT user_id AS owner_key, id, drug, created_at, replaced_at FROM plans \
                 WHERE user_id IN ({keys}) AND replaced_at IS NULL ORDER BY user_id, created_at, id",
            )
            .await?;
        let ids: Vec<String> = plans.iter().map(|(_, p)| p.id.clone()).collect();
        let sql = format!(
            "SELECT plan_id AS owner_key, {REVISION_COLUMNS} FROM plan_revisions WHERE plan_id IN ({{keys}}) \
             ORDER BY plan_id, number"
        );
        let mut revisions = grouped(self.keyed::<RevisionRow>(&ids, &sql).await?);
        let mut out: HashMap<UserId, Vec<PlanWithRevisions>> = HashMap::new();
        for (owner, row) in plans {
            let revs = revisions.remove(&row.id).unwrap_or_default();
            out.entry(uuid(&owner)?).or_default().push(PlanWithRevisions {
                plan: PlanRecord::try_from(row)?,
                revisions: revs.into_iter().map(Revision::try_from).collect::<Result<_>>()?,
            });
        }
        Ok(out)
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

    /// Each person's questionnaire scores, oldest first, without their answers: one aggregated
    /// row each ("instrument:date:total:item9:created", integers and keys only, so SQLite turns
    /// no float into text), for the caseload's flags (issue 21).
    pub async fn questionnaire_scores_of(
        &self,
        people: &[UserId],
    ) -> Result<HashMap<UserId, Vec<crate::QuestionnaireScore>>> {
        let entry = match self.backend {
            crate::Backend::Sqlite => {
                "group_concat(instrument || ':' || date || ':' || total || ':' || COALESCE(item9, '') || ':' || created_at, ',')"
            }
            crate::Backend::Postgres => {
                "string_agg(instrument || ':' || date || ':' || total::text || ':' || COALESCE(item9::text, '') || ':' \
                 || created_at::text, ',')"
            }
        };
        let sql = format!(
            "SELECT user_id AS owner_key, {entry} AS joined FROM questionnaires WHERE user_id IN ({{keys}}) GROUP BY user_id"
        );
        let rows: Vec<(String, JoinedRow)> = self.keyed_people(people, &sql).await?;
        rows.into_iter().map(|(k, r)| Ok((uuid(&k)?, scores_from(r.joined.as_deref())?))).collect()
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
