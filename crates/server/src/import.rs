//! A person's own JSON export (`taper-export-1`, from Account) brought into an empty account on
//! another Taper server: the right to take one's data elsewhere (GDPR Art. 20).
//!
//! What comes across: the account's time zone and country, plans with every revision, doses,
//! check-ins, questionnaires with their item-9 and closing answers, item-9 answers kept on
//! their own, daily safety answers, withdrawal-or-return answers, medication history and the
//! safety plan. What does not, and why: sharing, the access log, supporters' flag notes and
//! pending invitations (they name people on, or belong to, the other server), and suggestions
//! (decisions about the old server's revisions; what was accepted is in the revisions). Doses go
//! to the newest plan (the export does not say which plan each belonged to). New ids are made
//! for every row; the person cannot choose them.
//!
//! **An import passes every check a form does** (issue 19, N2): nothing in the file is taken on
//! trust. Each plan revision is worked out again by core from its settings (so `safety::check`,
//! the labelled maximum and "every dose is what its preparation gives" hold; the file's own steps
//! are ignored, and a confirmation of an unusual dose given on the old server is not carried
//! over); check-in burdens and questionnaire totals are computed again from the answers; drugs,
//! time zones, countries, dates, values and text lengths are checked, and an error names the
//! record. The file and each kind of record are bounded ([`Bound`]), and everything is written
//! in one transaction: all of it or, on any error, none (N4).

use jiff::civil::Date;
use serde::Deserialize;
use serde_json::Value;
use taper_core::Catalogue;
use taper_core::history::EventKind;
use taper_core::measures::{Answers, Instrument, MAX_ANSWER};
use taper_core::symptoms::{CHECKLIST, CheckIn as Scores};
use taper_store::{
    AccountRecords, DoseStatus, ImportedAssessment, ImportedDose, ImportedMedEvent, ImportedPlan,
    ImportedQuestionnaire, NewCheckIn, NewRevision, NewSupply, Store, StoreError,
};

use crate::pages::history::{MAX_CONCURRENT, StoredBackground};
use crate::pages::safety_plan::SafetyPlan;
use crate::settings::{PlanSettings, StoredPlan};
use taper_core::assess::Leaning;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("this is not a Taper export this version can read: {0}")]
    Format(String),
    #[error("the account already has records; import only into a new, empty account")]
    NotEmpty,
    #[error("the export is inconsistent: {0}")]
    Invalid(String),
    #[error("the export is larger than an import takes: {0}")]
    TooLarge(String),
    #[error("saving failed")]
    Store(#[from] StoreError),
}

/// The largest export file an import reads.
pub const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// One kind of record an import bounds: its name in errors, and the most an import takes.
#[derive(Debug, Clone, Copy)]
pub struct Bound {
    pub what: &'static str,
    pub most: usize,
}

// The most records of each kind an import takes: about ten years of a daily life with Taper, so
// an import cannot make the pages that read them slow for everyone.
pub const PLANS: Bound = Bound { what: "plans", most: 20 };
pub const REVISIONS: Bound = Bound { what: "revisions of one plan", most: 200 };
pub const DOSES: Bound = Bound { what: "doses", most: 8000 };
pub const CHECKINS: Bound = Bound { what: "check-ins", most: 4000 };
pub const QUESTIONNAIRES: Bound = Bound { what: "questionnaires", most: 1000 };
pub const ITEM9_ANSWERS: Bound = Bound { what: "item-9 answers", most: 4000 };
pub const DAILY_ANSWERS: Bound = Bound { what: "daily safety answers", most: 4000 };
pub const ASSESSMENTS: Bound = Bound { what: "withdrawal-or-return answers", most: 500 };
pub const MED_EVENTS: Bound = Bound { what: "medication history events", most: 500 };
pub const SUPPLIES: Bound = Bound { what: "supply counts", most: 100 };
pub const SWITCHES: Bound = Bound { what: "switches", most: 50 };
/// Answers on one switch form (its fields and products).
pub const SWITCH_ANSWERS: Bound = Bound { what: "answers of one switch", most: 100 };
/// The most characters in a note or reason: what the forms take.
pub const MAX_TEXT: usize = crate::checkin_form::MAX_NOTE;

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
    /// Files from before supply was counted have none.
    #[serde(default)]
    supplies: Vec<Supply>,
    /// Files from before own symptoms have none.
    #[serde(default)]
    own_symptoms: Vec<String>,
    /// Files from before switches were followed have none.
    #[serde(default)]
    switches: Vec<Switch>,
}

#[derive(Deserialize)]
struct Switch {
    answers: Vec<(String, String)>,
    start: Date,
    #[serde(default)]
    stays: Vec<(usize, u32)>,
    created_at: jiff::Timestamp,
    ended_at: Option<jiff::Timestamp>,
    /// Files from before a switch's doses were recorded have none.
    #[serde(default)]
    doses: Vec<SwitchDoseIn>,
}

#[derive(Deserialize)]
struct SwitchDoseIn {
    date: Date,
    drug: String,
    time: String,
    status: String,
    dose_mg: f64,
    recorded_at: jiff::Timestamp,
}

#[derive(Deserialize)]
struct Supply {
    product_id: String,
    unit: String,
    amount: f64,
    counted_on: Date,
    lead_days: u32,
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
    /// Whether the plan was in force when exported; files from before several plans at once
    /// have none (then only the newest was).
    #[serde(default)]
    in_force: Option<bool>,
    #[serde(default)]
    replaced_at: Option<jiff::Timestamp>,
    revisions: Vec<Revision>,
}

#[derive(Deserialize)]
struct Revision {
    effective: Date,
    day_offset: u32,
    hold: bool,
    reason: String,
    settings: Value,
    created_at: jiff::Timestamp,
}

#[derive(Deserialize)]
struct Dose {
    /// Which plan of the file's `plans` (newest first, from 0) the dose belongs to; files from
    /// before several plans at once have none (then the newest).
    #[serde(default)]
    plan: Option<usize>,
    date: Date,
    /// "08:00" for one dose time of a day taken in parts (files from before have none).
    #[serde(default)]
    time: Option<String>,
    status: String,
    dose_mg: f64,
    recorded_at: jiff::Timestamp,
}

#[derive(Deserialize)]
struct CheckIn {
    date: Date,
    /// Null for not answered (files from before had an answer for every item).
    scores: Vec<Option<u8>>,
    #[serde(default)]
    own: Vec<taper_store::OwnScore>,
    wellbeing: u8,
    sleep_hours: Option<f64>,
    note: String,
}

#[derive(Deserialize)]
struct Questionnaire {
    instrument: String,
    date: Date,
    answers: Vec<u8>,
    difficulty: Option<u8>,
}

#[derive(Deserialize)]
struct Assessment {
    date: Date,
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
    date: Date,
    drug: String,
    kind: String,
    abrupt: bool,
}

#[derive(Deserialize)]
struct Signal {
    date: Date,
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

fn invalid(msg: impl Into<String>) -> ImportError {
    ImportError::Invalid(msg.into())
}

/// The earliest date any record may carry.
const EARLIEST: Date = Date::constant(1900, 1, 1);

/// The dates records may carry: what has already happened, in the account's own time zone.
struct Days {
    today: Date,
}

impl Days {
    fn past(&self, what: &str, d: Date) -> Result<Date, ImportError> {
        if d > self.today {
            Err(invalid(format!("{what}: {d} is in the future (today is {})", self.today)))
        } else if d < EARLIEST {
            Err(invalid(format!("{what}: {d} is before {EARLIEST}")))
        } else {
            Ok(d)
        }
    }
}

fn text_limit(what: &str, s: &str) -> Result<(), ImportError> {
    let n = s.chars().count();
    if n > MAX_TEXT { Err(invalid(format!("{what}: {n} characters, at most {MAX_TEXT}"))) } else { Ok(()) }
}

/// A check-in's answers to own symptoms: as many as a form may send, short names, 0–3.
fn own_limit(what: &str, own: &[taper_store::OwnScore]) -> Result<(), ImportError> {
    use taper_core::symptoms::MAX_OWN_NAME;
    if own.len() > crate::checkin_form::OWN_FIELDS {
        return Err(invalid(format!(
            "{what}: {} own symptoms, at most {}",
            own.len(),
            crate::checkin_form::OWN_FIELDS
        )));
    }
    for o in own {
        if o.name.trim().is_empty()
            || o.name.chars().count() > MAX_OWN_NAME
            || o.score > taper_core::symptoms::MAX_SCORE
        {
            return Err(invalid(format!(
                "{what}: own symptom \"{}\" needs a name of 1 to {MAX_OWN_NAME} characters and an answer 0 to {}",
                o.name.chars().take(MAX_OWN_NAME).collect::<String>(),
                taper_core::symptoms::MAX_SCORE
            )));
        }
    }
    Ok(())
}

fn count_limit(bound: Bound, n: usize) -> Result<(), ImportError> {
    let Bound { what, most } = bound;
    if n > most { Err(ImportError::TooLarge(format!("{n} {what}, at most {most}"))) } else { Ok(()) }
}

/// A JSON value as the text the store keeps.
fn json_text(v: &Value) -> Result<String, ImportError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        other => serde_json::to_string(other).map_err(|e| invalid(e.to_string())),
    }
}

/// A revision as it will be stored: worked out again here.
struct PreparedRevision {
    effective: Date,
    day_offset: u32,
    hold: bool,
    settings: String,
    steps: String,
    reason: String,
    created_at: jiff::Timestamp,
    /// The largest dose in its steps.
    largest_mg: f64,
}

struct PreparedPlan {
    drug: String,
    created_at: jiff::Timestamp,
    replaced_at: Option<jiff::Timestamp>,
    revisions: Vec<PreparedRevision>,
}

/// One plan revision as this server would have made it: the settings checked and the plan
/// worked out again by core; a hold keeps only its first step, as a hold does here.
fn derive(
    catalogue: &Catalogue,
    drug: &str,
    what: &str,
    r: &Revision,
    days: &Days,
) -> Result<PreparedRevision, ImportError> {
    let in_a_year = days.today.checked_add(jiff::Span::new().years(1)).unwrap_or(days.today);
    if r.effective > in_a_year || r.effective < EARLIEST {
        return Err(invalid(format!(
            "{what}: it takes effect on {}, not between {EARLIEST} and a year from today",
            r.effective
        )));
    }
    text_limit(&format!("{what}: the reason"), &r.reason)?;
    let mut settings: PlanSettings =
        serde_json::from_value(r.settings.clone()).map_err(|e| invalid(format!("{what}: its settings: {e}")))?;
    let plan_drug = catalogue.find_drug("drug", drug).map_err(|e| invalid(format!("{what}: {e}")))?;
    let settings_drug = catalogue.find_drug("drug", &settings.drug).map_err(|e| invalid(format!("{what}: {e}")))?;
    if plan_drug.id != settings_drug.id {
        return Err(invalid(format!("{what}: the plan is for {drug} but its settings are for {}", settings.drug)));
    }
    // A dose outside the plausible range was confirmed on the old server; here it must be again.
    settings.confirm_dose = false;
    let req = settings.request(catalogue).map_err(|e| invalid(format!("{what}: {e}")))?;
    let plan = taper_core::plan(catalogue, &req).map_err(|e| invalid(format!("{what}: {e}")))?;
    let mut stored = StoredPlan::new(&plan, catalogue);
    if r.hold {
        stored = stored.first_only();
    }
    let last_day = stored.steps.last().map_or(0, |s| s.day);
    if r.day_offset > last_day {
        return Err(invalid(format!("{what}: it starts on day {} of a plan of {last_day} days", r.day_offset)));
    }
    let encode = |e: serde_json::Error| invalid(format!("{what}: {e}"));
    Ok(PreparedRevision {
        effective: r.effective,
        day_offset: r.day_offset,
        hold: r.hold,
        settings: serde_json::to_string(&settings).map_err(encode)?,
        steps: serde_json::to_string(&stored).map_err(encode)?,
        reason: r.reason.clone(),
        created_at: r.created_at,
        largest_mg: stored.steps.iter().map(|s| s.dose_mg).fold(0.0, f64::max),
    })
}

/// The plans, oldest first, each revision worked out again.
fn plans(catalogue: &Catalogue, e: &Export, days: &Days) -> Result<Vec<PreparedPlan>, ImportError> {
    count_limit(PLANS, e.plans.len())?;
    let mut out: Vec<PreparedPlan> = Vec::new();
    // The export lists plans newest first; they are made oldest first, so the order holds.
    for (i, p) in e.plans.iter().rev().enumerate() {
        // The plan after it in time: what replaced it, in a file from before several plans.
        let newer = e.plans.len().checked_sub(i + 1).and_then(|k| k.checked_sub(1)).and_then(|k| e.plans.get(k));
        count_limit(REVISIONS, p.revisions.len())?;
        if p.revisions.is_empty() {
            return Err(invalid(format!("plan {} ({}) has no revision", i + 1, p.drug)));
        }
        let revisions = (p.revisions.iter().enumerate())
            .map(|(k, r)| {
                derive(catalogue, &p.drug, &format!("plan {} ({}), revision {}", i + 1, p.drug, k + 1), r, days)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let drug = catalogue.find_drug("drug", &p.drug).map_err(|e| invalid(e.to_string()))?.id.clone();
        let replaced_at = match (p.in_force, newer) {
            (Some(true), _) | (None, None) => None,
            (Some(false), _) => Some(p.replaced_at.or(newer.map(|n| n.created_at)).unwrap_or(p.created_at)),
            (None, Some(n)) => Some(n.created_at),
        };
        if replaced_at.is_none() && out.iter().any(|o| o.replaced_at.is_none() && o.drug == drug) {
            return Err(invalid(format!("plan {} ({}): two plans of one drug cannot both be in force", i + 1, p.drug)));
        }
        out.push(PreparedPlan { drug, created_at: p.created_at, replaced_at, revisions });
    }
    Ok(out)
}

/// Doses: a known status, a plan of the file, a real amount no larger than that plan's largest
/// dose, a past day.
fn doses(e: &Export, plans: &[PreparedPlan], days: &Days) -> Result<Vec<ImportedDose>, ImportError> {
    count_limit(DOSES, e.doses.len())?;
    e.doses
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let what = format!("dose {} ({})", i + 1, d.date);
            let status = DoseStatus::parse(&d.status)
                .map_err(|_| invalid(format!("{what}: status '{}' is not one of: taken, missed", d.status)))?;
            // The file counts plans newest first; they are made oldest first.
            let index = match d.plan {
                None => plans.len().checked_sub(1),
                Some(k) => plans.len().checked_sub(k + 1),
            };
            let Some(plan) = index.and_then(|k| plans.get(k)) else {
                return Err(invalid(match d.plan {
                    None => format!("{what}: there is no plan for it to belong to"),
                    Some(k) => format!("{what}: plan {k} is not one of the file's plans (0 to {})", plans.len()),
                }));
            };
            let largest = plan.revisions.iter().map(|r| r.largest_mg).fold(0.0, f64::max);
            if !d.dose_mg.is_finite() || d.dose_mg < 0.0 || d.dose_mg > largest {
                return Err(invalid(format!(
                    "{what}: {} mg is not a dose of the plan (0 to {} mg)",
                    d.dose_mg,
                    crate::timeline::fmt(largest)
                )));
            }
            let time = d
                .time
                .as_deref()
                .map(|t| {
                    taper_core::units::DoseTime::parse("time", t)
                        .map(|t| t.minutes())
                        .map_err(|e| invalid(format!("{what}: {}", e.message)))
                })
                .transpose()?;
            Ok(ImportedDose {
                plan: index,
                date: days.past(&what, d.date)?,
                time,
                status,
                dose_mg: d.dose_mg,
                recorded_at: d.recorded_at,
            })
        })
        .collect()
}

/// Check-ins: this version's checklist, answers in range, the burden worked out again.
/// A check-in as checked, its burden worked out again.
struct CheckedCheckIn {
    date: Date,
    scores: Scores,
    note: String,
    own: Vec<taper_store::OwnScore>,
}

fn checkins(e: &Export, days: &Days) -> Result<Vec<CheckedCheckIn>, ImportError> {
    let ours: Vec<&str> = CHECKLIST.iter().map(|i| i.key).collect();
    // A file from before items were added has the first of ours; their answers are not answered.
    if e.checklist.len() > ours.len() || e.checklist.iter().zip(&ours).any(|(theirs, ours)| theirs != ours) {
        return Err(invalid("its check-in checklist is not this version's"));
    }
    count_limit(CHECKINS, e.checkins.len())?;
    e.checkins
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let what = format!("check-in {} ({})", i + 1, c.date);
            let scores = Scores::new(&c.scores, c.wellbeing, c.sleep_hours)
                .map_err(|err| invalid(format!("{what}: {}: {} {}", err.field, err.value, err.message)))?;
            text_limit(&format!("{what}: the note"), &c.note)?;
            own_limit(&what, &c.own)?;
            Ok(CheckedCheckIn { date: days.past(&what, c.date)?, scores, note: c.note.clone(), own: c.own.clone() })
        })
        .collect()
}

/// Questionnaires: a known instrument, answers in range, the totals worked out again.
/// A questionnaire as checked: its answers (with totals worked out again) and closing answer.
struct CheckedQuestionnaire {
    instrument: Instrument,
    date: Date,
    answers: Answers,
    difficulty: Option<u8>,
}

fn questionnaires(e: &Export, days: &Days) -> Result<Vec<CheckedQuestionnaire>, ImportError> {
    count_limit(QUESTIONNAIRES, e.questionnaires.len())?;
    e.questionnaires
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let what = format!("questionnaire {} ({})", i + 1, q.date);
            let inst = Instrument::from_key(&q.instrument).ok_or_else(|| {
                let allowed: Vec<&str> = Instrument::ALL.iter().map(|i| i.key()).collect();
                invalid(format!("{what}: instrument '{}' is not one of: {}", q.instrument, allowed.join(", ")))
            })?;
            let answers = Answers::new(inst, &q.answers)
                .map_err(|err| invalid(format!("{what}: {}: {} {}", err.field, err.value, err.message)))?;
            let difficulty = match q.difficulty {
                Some(d) if !inst.asks_difficulty() || d > MAX_ANSWER => {
                    return Err(invalid(format!(
                        "{what}: the closing answer {d} is not one of 0 to 3 for {}",
                        q.instrument
                    )));
                }
                other => other,
            };
            Ok(CheckedQuestionnaire { instrument: inst, date: days.past(&what, q.date)?, answers, difficulty })
        })
        .collect()
}

/// Answers about self-harm kept on their own: 1 to 3, on a past day.
fn signals(bound: Bound, list: &[Signal], days: &Days) -> Result<Vec<(Date, u8)>, ImportError> {
    count_limit(bound, list.len())?;
    let what = bound.what;
    list.iter()
        .enumerate()
        .map(|(i, s)| {
            let which = format!("{what} {} ({})", i + 1, s.date);
            if !(1..=MAX_ANSWER).contains(&s.value) {
                return Err(invalid(format!("{which}: {} is not one of 1 to {MAX_ANSWER}", s.value)));
            }
            Ok((days.past(&which, s.date)?, s.value))
        })
        .collect()
}

/// Withdrawal-or-return answers: a known leaning, bounded answers and note.
struct CheckedAssessment {
    date: Date,
    answers: String,
    leaning: String,
    note: String,
}

fn assessments(e: &Export, days: &Days) -> Result<Vec<CheckedAssessment>, ImportError> {
    count_limit(ASSESSMENTS, e.withdrawal_or_relapse.len())?;
    let leanings = [Leaning::Withdrawal, Leaning::Relapse, Leaning::Unclear].map(Leaning::key);
    // Oldest first, as they were written (the export lists them newest first).
    (e.withdrawal_or_relapse.iter().rev().enumerate())
        .map(|(i, a)| {
            let what = format!("withdrawal-or-return answer {} ({})", i + 1, a.date);
            if !leanings.contains(&a.leaning.as_str()) {
                return Err(invalid(format!("{what}: leaning '{}' is not one of: {}", a.leaning, leanings.join(", "))));
            }
            text_limit(&format!("{what}: the note"), &a.note)?;
            let answers = json_text(&a.answers)?;
            text_limit(&format!("{what}: the answers"), &answers)?;
            Ok(CheckedAssessment {
                date: days.past(&what, a.date)?,
                answers,
                leaning: a.leaning.clone(),
                note: a.note.clone(),
            })
        })
        .collect()
}

/// Medication history events: a drug in the catalogue, a known kind, a past day.
struct CheckedEvent {
    date: Date,
    drug: String,
    kind: EventKind,
    abrupt: bool,
}

fn med_events(catalogue: &Catalogue, e: &Export, days: &Days) -> Result<Vec<CheckedEvent>, ImportError> {
    count_limit(MED_EVENTS, e.medication_history.events.len())?;
    (e.medication_history.events.iter().enumerate())
        .map(|(i, m)| {
            let what = format!("medication history event {} ({})", i + 1, m.date);
            let kind = EventKind::from_key(&m.kind).ok_or_else(|| {
                let allowed: Vec<&str> = EventKind::ALL.iter().map(|k| k.key()).collect();
                invalid(format!("{what}: kind '{}' is not one of: {}", m.kind, allowed.join(", ")))
            })?;
            let drug = catalogue
                .drug(&m.drug)
                .ok_or_else(|| invalid(format!("{what}: no drug '{}' in the catalogue", m.drug)))?;
            let date = days.past(&what, m.date)?;
            Ok(CheckedEvent { date, drug: drug.id.clone(), kind, abrupt: m.abrupt && kind == EventKind::Stop })
        })
        .collect()
}

/// The medication background and the safety plan, read as the pages read them and checked as
/// their forms check them.
fn documents(e: &Export) -> Result<(Option<String>, Option<String>), ImportError> {
    let background = match document::<StoredBackground>("the medication background", &e.medication_history.background)?
    {
        Some(mut bg) => {
            bg.concurrent = bg.concurrent.min(MAX_CONCURRENT);
            Some(serde_json::to_string(&bg).map_err(|e| invalid(e.to_string()))?)
        }
        None => None,
    };
    let safety_plan = match document::<SafetyPlan>("the safety plan", &e.safety_plan)? {
        Some(plan) => {
            if let Some(f) = plan.errors().first() {
                return Err(invalid(format!("the safety plan: {}", f.message)));
            }
            Some(serde_json::to_string(&plan).map_err(|e| invalid(e.to_string()))?)
        }
        None => None,
    };
    Ok((background, safety_plan))
}

/// A stored document in an export, as JSON or as the JSON text the store kept; None when absent.
fn document<T: serde::de::DeserializeOwned>(what: &str, v: &Option<Value>) -> Result<Option<T>, ImportError> {
    let Some(v) = v.as_ref().filter(|v| !v.is_null()) else { return Ok(None) };
    let read = match v {
        Value::String(text) => serde_json::from_str(text),
        other => serde_json::from_value(other.clone()),
    };
    read.map(Some).map_err(|e| invalid(format!("{what}: {e}")))
}

/// Reads an export file's text, refusing one larger than [`MAX_BYTES`] before reading it whole.
pub fn read_file(path: &std::path::Path) -> Result<String, ImportError> {
    use std::io::Read as _;
    let file =
        std::fs::File::open(path).map_err(|e| ImportError::Format(format!("reading {}: {e}", path.display())))?;
    let mut text = String::new();
    file.take(MAX_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| ImportError::Format(format!("reading {}: {e}", path.display())))?;
    if text.len() as u64 > MAX_BYTES {
        return Err(ImportError::TooLarge(format!("the file is over {} MiB", MAX_BYTES / (1024 * 1024))));
    }
    Ok(text)
}

/// Everything in an export, checked and ready to write.
struct Checked {
    time_zone: String,
    country: Option<String>,
    plans: Vec<PreparedPlan>,
    doses: Vec<ImportedDose>,
    checkins: Vec<CheckedCheckIn>,
    questionnaires: Vec<CheckedQuestionnaire>,
    item9: Vec<(Date, u8)>,
    daily: Vec<(Date, u8)>,
    assessments: Vec<CheckedAssessment>,
    events: Vec<CheckedEvent>,
    background: Option<String>,
    safety_plan: Option<String>,
    supplies: Vec<Supply>,
    own_symptoms: Vec<String>,
    /// (answers as kept, start, stays, created, ended).
    switches: Vec<CheckedSwitch>,
}

struct CheckedSwitch {
    form: String,
    start: Date,
    stays: Vec<(usize, u32)>,
    created_at: jiff::Timestamp,
    ended_at: Option<jiff::Timestamp>,
    doses: Vec<CheckedSwitchDose>,
}

struct CheckedSwitchDose {
    date: Date,
    drug: String,
    time: u16,
    status: DoseStatus,
    dose_mg: f64,
    recorded_at: jiff::Timestamp,
}

/// A switch's recorded doses: of its two medicines, from its first day, at times of the day,
/// no more than the largest dose of that medicine the switch plans.
fn switch_doses(
    what: &str,
    s: &Switch,
    plan: &taper_core::crossover::CrossoverPlan,
    days: &Days,
) -> Result<Vec<CheckedSwitchDose>, ImportError> {
    count_limit(DOSES, s.doses.len())?;
    let largest = |drug: &str| {
        let planned = plan.stages.iter().flat_map(|st| &st.doses).filter(|d| d.drug == drug);
        planned.map(|d| d.mg).fold(0.0, f64::max)
    };
    s.doses
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let what = format!("{what}, dose {} ({})", i + 1, d.date);
            if d.drug != plan.from_drug && d.drug != plan.to_drug {
                return Err(invalid(format!("{what}: '{}' is not one of the switch's medicines", d.drug)));
            }
            let most = largest(&d.drug);
            if !d.dose_mg.is_finite() || d.dose_mg < 0.0 || d.dose_mg > most {
                return Err(invalid(format!(
                    "{what}: {} mg is not a dose of the switch (0 to {} mg)",
                    d.dose_mg,
                    crate::timeline::fmt(most)
                )));
            }
            if d.date < s.start {
                return Err(invalid(format!("{what}: before the switch began ({})", s.start)));
            }
            Ok(CheckedSwitchDose {
                date: days.past(&what, d.date)?,
                drug: d.drug.clone(),
                time: taper_core::units::DoseTime::parse("time", &d.time)
                    .map_err(|e| invalid(format!("{what}: {}", e.message)))?
                    .minutes(),
                status: DoseStatus::parse(&d.status)
                    .map_err(|_| invalid(format!("{what}: status '{}' is not one of: taken, missed", d.status)))?,
                dose_mg: d.dose_mg,
                recorded_at: d.recorded_at,
            })
        })
        .collect()
}

/// Switches: each one core can plan from its answers (so Today can show it), days in the past,
/// stays within core's bound, at most one not ended.
fn switches(catalogue: &Catalogue, e: &Export, days: &Days) -> Result<Vec<CheckedSwitch>, ImportError> {
    count_limit(SWITCHES, e.switches.len())?;
    if e.switches.iter().filter(|s| s.ended_at.is_none()).count() > 1 {
        return Err(invalid("more than one switch is followed at once"));
    }
    let mut out = Vec::new();
    for (k, s) in e.switches.iter().enumerate() {
        let what = format!("switch {}", k + 1);
        count_limit(SWITCH_ANSWERS, s.answers.len())?;
        for (key, value) in &s.answers {
            text_limit(&format!("{what}: an answer"), key)?;
            text_limit(&format!("{what}: an answer"), value)?;
        }
        let req = crate::pages::switch::SwitchForm::from_pairs(&s.answers).request(catalogue).map_err(|errors| {
            invalid(format!("{what}: {}", errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join(" ")))
        })?;
        let plan = taper_core::crossover::plan(catalogue, &req).map_err(|err| invalid(format!("{what}: {err}")))?;
        let most = taper_core::crossover::MAX_STAYS_PER_STAGE;
        for &(stage, _) in &s.stays {
            let times = s.stays.iter().filter(|(k, _)| *k == stage).count();
            if stage >= plan.stages.len() || times > most {
                return Err(invalid(format!(
                    "{what}: a stay on stage {stage} that cannot be (at most {most} a stage)"
                )));
            }
        }
        if s.stays.iter().any(|(_, d)| *d != plan.stage_days) {
            return Err(invalid(format!("{what}: a stay is one stage's length ({} days)", plan.stage_days)));
        }
        out.push(CheckedSwitch {
            doses: switch_doses(&what, s, &plan, days)?,
            form: serde_json::to_string(&s.answers).map_err(|err| invalid(format!("{what}: {err}")))?,
            start: days.past(&what, s.start)?,
            stays: s.stays.clone(),
            created_at: s.created_at,
            ended_at: s.ended_at,
        });
    }
    Ok(out)
}

/// Supply counts: a catalogue product, a shelf unit, and an amount, day and lead time core
/// accepts (the day no older than a count may be).
fn supplies(catalogue: &Catalogue, e: &Export, days: &Days) -> Result<Vec<Supply>, ImportError> {
    use taper_core::formulation::Unit;
    use taper_core::supply::{Count, shelf_unit};
    count_limit(SUPPLIES, e.supplies.len())?;
    let units =
        [Unit::Tablet, Unit::Capsule, Unit::Ml, Unit::Drop, Unit::Bead, Unit::PowderMg, Unit::Mg].map(shelf_unit);
    e.supplies
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let what = format!("supply count {} ({})", i + 1, s.product_id);
            if catalogue.product(&s.product_id).is_none() {
                return Err(invalid(format!("{what}: not a product Taper knows")));
            }
            if !units.contains(&s.unit.as_str()) {
                return Err(invalid(format!("{what}: unit '{}' is not one of: {}", s.unit, units.join(", "))));
            }
            let c = Count::parse(s.amount, s.counted_on, s.lead_days, days.today)
                .map_err(|err| invalid(format!("{what}: {}", err.message)))?;
            Ok(Supply {
                product_id: s.product_id.clone(),
                unit: s.unit.clone(),
                amount: c.amount,
                counted_on: c.counted,
                lead_days: c.lead_days,
            })
        })
        .collect()
}

/// Reads and checks the whole file; `now` decides which days have happened (in the account's
/// own time zone, from the file).
fn check(catalogue: &Catalogue, json: &str, now: jiff::Timestamp) -> Result<Checked, ImportError> {
    if json.len() as u64 > MAX_BYTES {
        return Err(ImportError::TooLarge(format!("the file is over {} MiB", MAX_BYTES / (1024 * 1024))));
    }
    let e: Export = serde_json::from_str(json).map_err(|err| ImportError::Format(err.to_string()))?;
    if e.format != "taper-export-1" {
        return Err(ImportError::Format(format!("format '{}'", e.format)));
    }
    let time_zone = e.account.time_zone.trim().to_string();
    let zone = jiff::tz::TimeZone::get(&time_zone).map_err(|_| {
        invalid(format!("the account's time zone '{}' is not one this server knows", e.account.time_zone))
    })?;
    let given = e.account.country.as_deref().unwrap_or_default();
    let country = crate::crisis::parse_country(given)
        .map_err(|_| invalid(format!("the account's country '{given}' is not one Taper offers")))?;
    let days = Days { today: now.to_zoned_datetime(zone).date() };
    let plans = plans(catalogue, &e, &days)?;
    let (background, safety_plan) = documents(&e)?;
    Ok(Checked {
        time_zone,
        country,
        doses: doses(&e, &plans, &days)?,
        plans,
        checkins: checkins(&e, &days)?,
        questionnaires: questionnaires(&e, &days)?,
        item9: signals(ITEM9_ANSWERS, &e.item9_answers, &days)?,
        daily: signals(DAILY_ANSWERS, &e.daily_safety_answers, &days)?,
        assessments: assessments(&e, &days)?,
        events: med_events(catalogue, &e, &days)?,
        background,
        safety_plan,
        supplies: supplies(catalogue, &e, &days)?,
        // Core's rule for the list (at most five short, distinct names).
        own_symptoms: taper_core::symptoms::parse_own(&e.own_symptoms.join("\n"))
            .map_err(|err| invalid(format!("own symptoms: {}: {}", err.value, err.message)))?,
        switches: switches(catalogue, &e, &days)?,
    })
}

impl PreparedRevision {
    /// The revision as the store takes it (no proposal: suggestions stay with the old server).
    fn record(&self) -> (NewRevision<'_>, jiff::Timestamp) {
        let rev = NewRevision {
            effective: self.effective,
            day_offset: self.day_offset,
            hold: self.hold,
            settings: &self.settings,
            steps: &self.steps,
            reason: &self.reason,
            proposal: None,
        };
        (rev, self.created_at)
    }
}

impl PreparedPlan {
    fn record(&self) -> ImportedPlan<'_> {
        ImportedPlan {
            drug: &self.drug,
            created_at: self.created_at,
            replaced_at: self.replaced_at,
            revisions: self.revisions.iter().map(PreparedRevision::record).collect(),
        }
    }
}

impl Checked {
    /// The records as the store writes them.
    fn records(&self) -> AccountRecords<'_> {
        AccountRecords {
            time_zone: &self.time_zone,
            country: self.country.as_deref(),
            plans: self.plans.iter().map(PreparedPlan::record).collect(),
            doses: self.doses.clone(),
            checkins: (self.checkins.iter())
                .map(|c| NewCheckIn {
                    date: c.date,
                    scores: c.scores.scores(),
                    burden: c.scores.sum(),
                    wellbeing: c.scores.wellbeing(),
                    sleep_hours: c.scores.sleep_hours(),
                    note: &c.note,
                    own: &c.own,
                })
                .collect(),
            questionnaires: (self.questionnaires.iter())
                .map(|q| ImportedQuestionnaire {
                    instrument: q.instrument.key(),
                    date: q.date,
                    answers: q.answers.items(),
                    total: q.answers.total(),
                    item9: q.answers.item9(),
                    difficulty: q.difficulty,
                })
                .collect(),
            item9_answers: self.item9.clone(),
            daily_safety_answers: self.daily.clone(),
            assessments: (self.assessments.iter())
                .map(|a| ImportedAssessment { date: a.date, answers: &a.answers, leaning: &a.leaning, note: &a.note })
                .collect(),
            med_events: (self.events.iter())
                .map(|m| ImportedMedEvent { date: m.date, drug: &m.drug, kind: m.kind.key(), abrupt: m.abrupt })
                .collect(),
            med_background: self.background.as_deref(),
            safety_plan: self.safety_plan.as_deref(),
            supplies: (self.supplies.iter())
                .map(|s| NewSupply {
                    product_id: &s.product_id,
                    unit: &s.unit,
                    amount: s.amount,
                    counted_on: s.counted_on,
                    lead_days: s.lead_days,
                })
                .collect(),
            own_symptoms: &self.own_symptoms,
            switches: (self.switches.iter())
                .map(|s| taper_store::ImportedSwitch {
                    form: &s.form,
                    start: s.start,
                    stays: &s.stays,
                    created_at: s.created_at,
                    ended_at: s.ended_at,
                    doses: (s.doses.iter())
                        .map(|d| taper_store::ImportedSwitchDose {
                            date: d.date,
                            drug: &d.drug,
                            time: d.time,
                            status: d.status,
                            dose_mg: d.dose_mg,
                            recorded_at: d.recorded_at,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Imports `json` into `user`'s account, which must be empty: every record checked first (see
/// the module's notes), then all written in one transaction.
pub async fn import(
    store: &Store,
    catalogue: &Catalogue,
    user: taper_store::UserId,
    json: &str,
) -> Result<Summary, ImportError> {
    let now = jiff::Timestamp::now();
    let checked = check(catalogue, json, now)?;
    if !store.is_empty_account(user).await? {
        return Err(ImportError::NotEmpty);
    }
    let records = checked.records();
    match store.import_account(user, &records, now).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => return Err(ImportError::NotEmpty),
        Err(e) => return Err(e.into()),
    }
    Ok(Summary {
        plans: records.plans.len(),
        doses: records.doses.len(),
        checkins: records.checkins.len(),
        questionnaires: records.questionnaires.len(),
    })
}
