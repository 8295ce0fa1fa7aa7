//! A whole account's records written at once, for `taper import`: one transaction, so an import
//! that fails anywhere leaves nothing behind and can be tried again (issue 19, N4). The server
//! checks every record before it calls this; the store only writes.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::answers::{DAILY_SAFETY_INSERT, SIGNAL_INSERT};
use crate::documents::Document;
use crate::plans::{insert_plan, insert_revision};
use crate::{DoseStatus, NewCheckIn, NewDose, NewRevision, PlanId, Result, Store, StoreError, UserId};

/// One plan and its revisions, oldest first, each with when it was made.
pub struct ImportedPlan<'a> {
    pub drug: &'a str,
    pub created_at: Timestamp,
    /// When a newer plan took its place; `None` while it is in force.
    pub replaced_at: Option<Timestamp>,
    pub revisions: Vec<(NewRevision<'a>, Timestamp)>,
}

/// A dose record of one imported plan (`plan`: its place in `AccountRecords::plans`; `None` for
/// an export from before several plans, whose doses all belong to the newest plan).
#[derive(Debug, Clone)]
pub struct ImportedDose {
    pub plan: Option<usize>,
    pub date: Date,
    /// See `NewDose::time`.
    pub time: Option<u16>,
    pub status: DoseStatus,
    pub dose_mg: f64,
    pub recorded_at: Timestamp,
}

/// A questionnaire with its totals as the server recomputed them.
pub struct ImportedQuestionnaire<'a> {
    pub instrument: &'a str,
    pub date: Date,
    pub answers: &'a [u8],
    pub total: u32,
    pub item9: Option<u8>,
    pub difficulty: Option<u8>,
}

pub struct ImportedAssessment<'a> {
    pub date: Date,
    pub answers: &'a str,
    pub leaning: &'a str,
    pub note: &'a str,
}

pub struct ImportedMedEvent<'a> {
    pub date: Date,
    pub drug: &'a str,
    pub kind: &'a str,
    pub abrupt: bool,
}

/// A switch the person followed or follows.
pub struct ImportedSwitch<'a> {
    /// The switch form's answers as JSON, as the server keeps them.
    pub form: &'a str,
    pub start: Date,
    pub stays: &'a [(usize, u32)],
    pub created_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    /// Its doses as recorded.
    pub doses: Vec<ImportedSwitchDose<'a>>,
}

/// A recorded dose of an imported switch.
pub struct ImportedSwitchDose<'a> {
    pub date: Date,
    pub drug: &'a str,
    /// Minutes after midnight.
    pub time: u16,
    pub status: crate::DoseStatus,
    pub dose_mg: f64,
    pub recorded_at: Timestamp,
}

/// Everything an import brings into one account.
pub struct AccountRecords<'a> {
    pub time_zone: &'a str,
    pub country: Option<&'a str>,
    /// Oldest first.
    pub plans: Vec<ImportedPlan<'a>>,
    pub doses: Vec<ImportedDose>,
    pub checkins: Vec<NewCheckIn<'a>>,
    pub questionnaires: Vec<ImportedQuestionnaire<'a>>,
    /// Item-9 answers kept on their own, and answers to the daily question: (day, 1–3).
    pub item9_answers: Vec<(Date, u8)>,
    pub daily_safety_answers: Vec<(Date, u8)>,
    /// Oldest first.
    pub assessments: Vec<ImportedAssessment<'a>>,
    pub med_events: Vec<ImportedMedEvent<'a>>,
    pub med_background: Option<&'a str>,
    pub safety_plan: Option<&'a str>,
    pub supplies: Vec<crate::NewSupply<'a>>,
    /// The person's own symptoms beside the checklist.
    pub own_symptoms: &'a [String],
    /// At most one of them not ended.
    pub switches: Vec<ImportedSwitch<'a>>,
}

impl Store {
    /// Whether the account has no plan, check-in or questionnaire (what an import needs).
    pub async fn is_empty_account(&self, user: UserId) -> Result<bool> {
        let mut conn = self.pool.acquire().await?;
        empty(&mut conn, user).await
    }

    /// Writes `records` into `user`'s account in one transaction: all of them, or (on any
    /// error) none. `Conflict` when the account already has records (checked inside the
    /// transaction, so two imports at once cannot both pass).
    pub async fn import_account(&self, user: UserId, records: &AccountRecords<'_>, now: Timestamp) -> Result<()> {
        let mut tx = self.begin_write().await?;
        if !empty(&mut tx, user).await? {
            return Err(StoreError::Conflict("the account already has records".into()));
        }
        self.set_time_zone_on(&mut tx, user, records.time_zone).await?;
        self.set_country_on(&mut tx, user, records.country).await?;
        self.set_own_symptoms_on(&mut tx, user, records.own_symptoms).await?;
        let mut ids = Vec::new();
        for p in &records.plans {
            let id = insert_plan(&mut tx, user, p.drug, p.created_at, p.replaced_at).await?;
            for (number, (rev, at)) in (1..).zip(&p.revisions) {
                insert_revision(&mut tx, id, number, rev, *at).await?;
            }
            ids.push(id);
        }
        self.import_records(&mut tx, user, records, &ids, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn import_records(
        &self,
        conn: &mut sqlx::AnyConnection,
        user: UserId,
        r: &AccountRecords<'_>,
        plans: &[PlanId],
        now: Timestamp,
    ) -> Result<()> {
        for d in &r.doses {
            let plan = match d.plan {
                Some(i) => plans.get(i),
                None => plans.last(),
            }
            .ok_or_else(|| StoreError::Conflict("a dose without its plan".into()))?;
            let dose = NewDose { plan: *plan, date: d.date, time: d.time, status: d.status, dose_mg: d.dose_mg };
            self.record_dose_on(conn, user, &dose, d.recorded_at).await?;
        }
        for c in &r.checkins {
            self.save_checkin_on(conn, user, c, now).await?;
        }
        for s in &r.supplies {
            self.save_supply_on(conn, user, s, now).await?;
        }
        for s in &r.switches {
            crate::switches::insert_switch(conn, user, s).await?;
        }
        for q in &r.questionnaires {
            self.save_questionnaire_on(
                conn,
                user,
                q.instrument,
                q.date,
                q.answers,
                q.total,
                q.item9,
                q.difficulty,
                now,
            )
            .await?;
        }
        for (day, value) in &r.item9_answers {
            self.keep_answer_on(conn, SIGNAL_INSERT, user, *day, *value, now).await?;
        }
        for (day, value) in &r.daily_safety_answers {
            self.keep_answer_on(conn, DAILY_SAFETY_INSERT, user, *day, *value, now).await?;
        }
        for a in &r.assessments {
            self.save_assessment_on(conn, user, a.date, a.answers, a.leaning, a.note, now).await?;
        }
        for m in &r.med_events {
            self.add_med_event_on(conn, user, m.date, m.drug, m.kind, m.abrupt, now).await?;
        }
        if let Some(b) = r.med_background {
            self.save_document_on(conn, Document::MedBackground, user, b, now).await?;
        }
        if let Some(p) = r.safety_plan {
            self.save_document_on(conn, Document::SafetyPlan, user, p, now).await?;
        }
        Ok(())
    }
}

async fn empty(conn: &mut sqlx::AnyConnection, user: UserId) -> Result<bool> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM plans WHERE user_id = $1) + (SELECT COUNT(*) FROM checkins WHERE user_id = $1) \
         + (SELECT COUNT(*) FROM questionnaires WHERE user_id = $1)",
    )
    .bind(user.to_string())
    .fetch_one(&mut *conn)
    .await?;
    Ok(n == 0)
}
