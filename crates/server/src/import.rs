//! A person's own JSON export (`taper-export-1`, from Account) brought into an empty account on
//! another Taper server: the right to take one's data elsewhere (GDPR Art. 20).
//!
//! What comes across: the account's time zone and country, plans with every revision, doses,
//! check-ins, questionnaires with their item-9 and closing answers, item-9 answers kept on
//! their own, daily safety answers, withdrawal-or-return answers, medication history and the
//! safety plan. What does not, and why: sharing, the access log, supporters' flag notes and
//! pending invitations (they name people on, or belong to, the other server), and suggestions (decisions about the old server's revisions; what was accepted
//! is in the revisions). Doses go to the newest plan (the export does not say which plan each
//! belonged to). New ids are made for every row; the person cannot choose them.

use serde::Deserialize;
use serde_json::Value;
use taper_core::history::EventKind;
use taper_core::measures::Instrument;
use taper_core::symptoms::CHECKLIST;
use taper_store::{DoseStatus, NewCheckIn, NewDose, NewRevision, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("this is not a Taper export this version can read: {0}")]
    Format(String),
    #[error("the account already has records; import only into a new, empty account")]
    NotEmpty,
    #[error("the export is inconsistent: {0}")]
    Invalid(String),
    #[error("saving failed")]
    Store(#[from] StoreError),
}

#[derive(Deserialize)]
struct Export {
    format: String,
    account: Account,
    plans: Vec<Plan>,
    doses: Vec<Dose>,
    checkins: Vec<CheckIn>,
    checklist: Vec<String>,
    questionnaires: Vec<Questionnaire>,
    withdrawal_or_relapse: Vec<Assessment>,
    safety_plan: Option<Value>,
    medication_history: MedicationHistory,
    #[serde(default)]
    item9_answers: Vec<Signal>,
    #[serde(default)]
    daily_safety_answers: Vec<Signal>,
}

#[derive(Deserialize)]
struct Account {
    time_zone: String,
    country: Option<String>,
}

#[derive(Deserialize)]
struct Plan {
    drug: String,
    created_at: jiff::Timestamp,
    revisions: Vec<Revision>,
}

#[derive(Deserialize)]
struct Revision {
    effective: jiff::civil::Date,
    day_offset: u32,
    hold: bool,
    reason: String,
    settings: Value,
    plan: Value,
    created_at: jiff::Timestamp,
}

impl Revision {
    /// The revision as the store takes it (no proposal: suggestions stay with the old server).
    fn as_new<'a>(&'a self, settings: &'a str, steps: &'a str) -> NewRevision<'a> {
        NewRevision {
            effective: self.effective,
            day_offset: self.day_offset,
            hold: self.hold,
            settings,
            steps,
            reason: &self.reason,
            proposal: None,
        }
    }
}

#[derive(Deserialize)]
struct Dose {
    date: jiff::civil::Date,
    status: String,
    dose_mg: f64,
    recorded_at: jiff::Timestamp,
}

#[derive(Deserialize)]
struct CheckIn {
    date: jiff::civil::Date,
    burden: u32,
    scores: Vec<u8>,
    wellbeing: u8,
    sleep_hours: Option<f64>,
    note: String,
}

#[derive(Deserialize)]
struct Questionnaire {
    instrument: String,
    date: jiff::civil::Date,
    answers: Vec<u8>,
    total: u32,
    item9: Option<u8>,
    difficulty: Option<u8>,
}

#[derive(Deserialize)]
struct Assessment {
    date: jiff::civil::Date,
    answers: Value,
    leaning: String,
    note: String,
}

#[derive(Deserialize)]
struct MedicationHistory {
    events: Vec<MedEvent>,
    background: Option<Value>,
}

#[derive(Deserialize)]
struct MedEvent {
    date: jiff::civil::Date,
    drug: String,
    kind: String,
    abrupt: bool,
}

#[derive(Deserialize)]
struct Signal {
    date: jiff::civil::Date,
    value: u8,
}

/// How much came across.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub plans: usize,
    pub doses: usize,
    pub checkins: usize,
    pub questionnaires: usize,
}

fn text(v: &Value) -> Result<String, ImportError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        other => serde_json::to_string(other).map_err(|e| ImportError::Invalid(e.to_string())),
    }
}

/// Every status, questionnaire and medication event is one this version knows, so a file that
/// would be refused half-way (the database checks these columns) is refused before any write.
fn check_kinds(e: &Export) -> Result<(), ImportError> {
    let unknown = |what: &str, value: &str, allowed: Vec<&str>| {
        ImportError::Invalid(format!("{what} '{value}' is not one of: {}", allowed.join(", ")))
    };
    if let Some(d) = e.doses.iter().find(|d| DoseStatus::parse(&d.status).is_err()) {
        let allowed = vec![DoseStatus::Taken.as_str(), DoseStatus::Missed.as_str()];
        return Err(unknown("a dose's status", &d.status, allowed));
    }
    if let Some(q) = e.questionnaires.iter().find(|q| Instrument::from_key(&q.instrument).is_none()) {
        let allowed = Instrument::ALL.iter().map(|i| i.key()).collect();
        return Err(unknown("a questionnaire's instrument", &q.instrument, allowed));
    }
    if let Some(m) = e.medication_history.events.iter().find(|m| EventKind::from_key(&m.kind).is_none()) {
        let allowed = EventKind::ALL.iter().map(|k| k.key()).collect();
        return Err(unknown("a medication event's kind", &m.kind, allowed));
    }
    Ok(())
}

/// Imports `json` into `user`'s account, which must be empty. Checked before anything is
/// written: the format, the check-in checklist (its items must be this version's, in order).
pub async fn import(store: &Store, user: taper_store::UserId, json: &str) -> Result<Summary, ImportError> {
    let e: Export = serde_json::from_str(json).map_err(|err| ImportError::Format(err.to_string()))?;
    if e.format != "taper-export-1" {
        return Err(ImportError::Format(format!("format '{}'", e.format)));
    }
    let ours: Vec<&str> = CHECKLIST.iter().map(|i| i.key).collect();
    if e.checklist != ours {
        return Err(ImportError::Invalid("its check-in checklist is not this version's".into()));
    }
    if e.checkins.iter().any(|c| c.scores.len() != ours.len()) {
        return Err(ImportError::Invalid("a check-in has the wrong number of answers".into()));
    }
    check_kinds(&e)?;
    if !store.plans(user).await?.is_empty()
        || !store.checkins(user).await?.is_empty()
        || !store.questionnaires(user).await?.is_empty()
    {
        return Err(ImportError::NotEmpty);
    }
    let now = jiff::Timestamp::now();
    store.set_time_zone(user, &e.account.time_zone).await?;
    store.set_country(user, e.account.country.as_deref()).await?;
    let mut summary = Summary::default();
    // The export lists plans newest first; they are made oldest first, so the order holds.
    let mut newest = None;
    for p in e.plans.iter().rev() {
        let mut revs = p.revisions.iter();
        let Some(first) = revs.next() else { continue };
        let (settings, steps) = (text(&first.settings)?, text(&first.plan)?);
        let id = store.create_plan(user, &p.drug, &first.as_new(&settings, &steps), p.created_at).await?;
        for r in revs {
            let (settings, steps) = (text(&r.settings)?, text(&r.plan)?);
            store.add_revision(user, id, &r.as_new(&settings, &steps), r.created_at).await?;
        }
        newest = Some(id);
        summary.plans += 1;
    }
    for d in &e.doses {
        let plan = newest.ok_or_else(|| ImportError::Invalid("doses without a plan".into()))?;
        let status = DoseStatus::parse(&d.status)?;
        store.record_dose(user, &NewDose { plan, date: d.date, status, dose_mg: d.dose_mg }, d.recorded_at).await?;
        summary.doses += 1;
    }
    for c in &e.checkins {
        let record = NewCheckIn {
            date: c.date,
            scores: &c.scores,
            burden: c.burden,
            wellbeing: c.wellbeing,
            sleep_hours: c.sleep_hours,
            note: &c.note,
        };
        store.save_checkin(user, &record, now).await?;
        summary.checkins += 1;
    }
    for q in &e.questionnaires {
        store.save_questionnaire(user, &q.instrument, q.date, &q.answers, q.total, q.item9, q.difficulty, now).await?;
        summary.questionnaires += 1;
    }
    for s in &e.item9_answers {
        store.save_signal(user, s.date, s.value, now).await?;
    }
    for s in &e.daily_safety_answers {
        store.save_daily_safety(user, s.date, s.value, now).await?;
    }
    // Oldest first, as they were written (the export lists them newest first).
    for a in e.withdrawal_or_relapse.iter().rev() {
        store.save_assessment(user, a.date, &text(&a.answers)?, &a.leaning, &a.note, now).await?;
    }
    for m in &e.medication_history.events {
        store.add_med_event(user, m.date, &m.drug, &m.kind, m.abrupt, now).await?;
    }
    if let Some(b) = &e.medication_history.background {
        store.set_med_background(user, &text(b)?, now).await?;
    }
    if let Some(p) = &e.safety_plan {
        store.save_safety_plan(user, &text(p)?, now).await?;
    }
    Ok(summary)
}
