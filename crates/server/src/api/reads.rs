//! What a token reads: the account, plans with today's doses and the changes ahead, recorded
//! doses, check-ins, questionnaire scores, and the FHIR Bundle.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiff::ToSpan as _;
use jiff::civil::Date;
use serde::Serialize;
use taper_core::consent::Category;
use taper_core::measures::{Change, Instrument};
use taper_core::symptoms::CHECKLIST;
use taper_store::DoseStatus;
use utoipa::{IntoParams, ToSchema};

use super::{ApiError, ApiResult, Caller, ErrorBody};
use crate::AppState;
use crate::timeline::Course;

/// Said with every dose the API gives.
const DECISION_SUPPORT: &str = "Doses as planned with your prescriber. Taper is decision support, not a \
    prescription: change nothing without talking to them.";

/// The part of the record a token reads, as the token page names it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Plan,
    CheckinScores,
    CheckinNotes,
    Questionnaires,
    MedicationHistory,
    WithdrawalOrReturn,
}

impl Part {
    fn of(c: Category) -> Part {
        match c {
            Category::PlanAndDoses => Part::Plan,
            Category::CheckinScores => Part::CheckinScores,
            Category::CheckinNotes => Part::CheckinNotes,
            Category::Questionnaires => Part::Questionnaires,
            Category::MedicationHistory => Part::MedicationHistory,
            Category::WithdrawalOrReturn => Part::WithdrawalOrReturn,
        }
    }
}

/// Who the token belongs to and what it may do.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// The name the person goes by in Taper.
    pub name: String,
    /// Their time zone (IANA); their days are counted in it.
    pub time_zone: String,
    /// Their own date now.
    #[schema(format = Date)]
    pub today: String,
    /// Where crisis help for their country is listed, on this server.
    pub crisis_help: String,
    pub token: TokenInfo,
}

/// The token the request came with.
#[derive(Serialize, ToSchema)]
pub struct TokenInfo {
    pub name: String,
    /// The parts of the record it reads.
    pub reads: Vec<Part>,
    /// Whether it may record doses.
    pub records_doses: bool,
    /// Whether it may record check-ins and questionnaires.
    pub records_checkins: bool,
    #[schema(format = DateTime)]
    pub expires_at: String,
}

/// Who the token belongs to and what it may do.
#[utoipa::path(get, path = "/api/v1/me", tag = "account", security(("token" = [])),
    responses(
        (status = 200, description = "The account and the token", body = Me),
        (status = 401, description = "No token, or one that does not work", body = ErrorBody),
    ))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Me>> {
    let reads = access_scope(&caller).map(Part::of).collect();
    caller.logged(&state, "read what the token may do through the API").await?;
    Ok(Json(Me {
        name: caller.user.display_name.clone(),
        time_zone: caller.user.time_zone.clone(),
        today: caller.today().to_string(),
        crisis_help: "/crisis".to_string(),
        token: TokenInfo {
            name: caller.token.label.clone(),
            reads,
            records_doses: caller.token.record_doses,
            records_checkins: caller.token.record_checkins,
            expires_at: caller.token.expires.to_string(),
        },
    }))
}

fn access_scope(caller: &Caller) -> impl Iterator<Item = Category> {
    crate::access_tokens::scope_of(&caller.token).categories()
}

/// Taken or missed.
#[derive(Serialize, serde::Deserialize, ToSchema, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Taken,
    Missed,
}

impl Status {
    pub fn of(s: DoseStatus) -> Status {
        match s {
            DoseStatus::Taken => Status::Taken,
            DoseStatus::Missed => Status::Missed,
        }
    }
    pub fn stored(self) -> DoseStatus {
        match self {
            Status::Taken => DoseStatus::Taken,
            Status::Missed => DoseStatus::Missed,
        }
    }
}

/// The person's plans in force.
#[derive(Serialize, ToSchema)]
pub struct Plans {
    pub plans: Vec<Plan>,
    /// How to read these doses.
    pub note: String,
}

/// One plan: today's dose and each change ahead.
#[derive(Serialize, ToSchema)]
pub struct Plan {
    /// The plan's id (to record its doses).
    #[schema(format = Uuid)]
    pub id: String,
    pub drug: String,
    /// Today's dose in words, as the person measures it.
    pub dose_today: Option<String>,
    /// Today's dose in the plan's milligrams.
    pub dose_today_mg: Option<f64>,
    /// Whether the plan is held (no change until the person goes on).
    pub held: bool,
    /// Today's doses, each with what was recorded.
    pub today: Vec<PlannedDose>,
    /// Each change of dose after today.
    pub changes: Vec<PlanChange>,
    /// The day the plan stops the medicine, when it does.
    #[schema(format = Date)]
    pub stops_on: Option<String>,
}

/// One dose of a day.
#[derive(Serialize, ToSchema)]
pub struct PlannedDose {
    /// The dose time ("08:00"), or null for the day's one dose.
    pub time: Option<String>,
    pub dose_mg: f64,
    /// How to take and prepare it.
    pub how: String,
    /// What was recorded for it, if anything.
    pub recorded: Option<Status>,
}

/// A change of dose ahead.
#[derive(Serialize, ToSchema)]
pub struct PlanChange {
    #[schema(format = Date)]
    pub date: String,
    pub from_mg: f64,
    pub to_mg: f64,
    /// How that day's doses are taken and prepared.
    pub how: Vec<String>,
}

/// The person's plans in force, with today's doses and each change ahead.
#[utoipa::path(get, path = "/api/v1/plans", tag = "plans", security(("token" = [])),
    responses(
        (status = 200, description = "The plans in force", body = Plans),
        (status = 401, description = "No token, or one that does not work", body = ErrorBody),
        (status = 403, description = "The token does not read plan and doses", body = ErrorBody),
    ))]
pub async fn plans(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Plans>> {
    caller.needs(&state, Category::PlanAndDoses).await?;
    let today = caller.today();
    let mut plans = Vec::new();
    for course in Course::load_all(&state, caller.owner()).await? {
        // Today's records only, not every dose ever recorded.
        let records = state.store.doses_between(caller.owner(), course.plan_id, today, today).await?;
        plans.push(plan_of(&state, &course, today, &records));
    }
    caller.logged(&state, "read the plans through the API").await?;
    Ok(Json(Plans { plans, note: DECISION_SUPPORT.to_string() }))
}

/// One plan from `today`: today's doses with what `records` (today's) say of them, each change ahead.
fn plan_of(state: &AppState, course: &Course, today: Date, records: &[taper_store::DoseRecord]) -> Plan {
    let today_doses = (course.doses_of(today).unwrap_or_default().into_iter())
        .map(|d| PlannedDose {
            recorded: records.iter().find(|r| r.time == d.minutes).map(|r| Status::of(r.status)),
            time: (!d.time.is_empty()).then_some(d.time),
            dose_mg: d.mg,
            how: d.take,
        })
        .collect();
    let ahead = course.changes(today.saturating_add(crate::pages::fhir::AHEAD_YEARS.years()));
    let changes: Vec<PlanChange> = (ahead.iter().filter(|c| c.date > today))
        .map(|c| PlanChange {
            date: c.date.to_string(),
            from_mg: c.from_mg,
            to_mg: c.to_mg,
            how: course.doses_of(c.date).unwrap_or_default().into_iter().map(|d| d.take).collect(),
        })
        .collect();
    let on = course.on(today);
    Plan {
        id: course.plan_id.to_string(),
        drug: course.drug_name(&state.catalogue),
        dose_today: course.dose_words(today),
        dose_today_mg: on.as_ref().map(|(o, _)| o.dose_mg),
        held: on.is_some_and(|(o, _)| o.hold),
        today: today_doses,
        stops_on: ahead.iter().find(|c| c.date > today && c.to_mg <= 0.0).map(|c| c.date.to_string()),
        changes,
    }
}

/// A period of days, both ends included; either may be left out.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct Period {
    /// The first day (YYYY-MM-DD).
    #[param(format = Date)]
    from: Option<String>,
    /// The last day (YYYY-MM-DD).
    #[param(format = Date)]
    to: Option<String>,
}

/// The period asked in `q`, or which field is wrong. Unknown parameters are refused, so a
/// misspelt one is not silently ignored.
fn period(q: &[(String, String)]) -> ApiResult<(Option<Date>, Option<Date>)> {
    if let Some((k, _)) = q.iter().find(|(k, _)| k != "from" && k != "to") {
        return Err(ApiError::field(k, format!("'{k}' is not a parameter here: only from and to (YYYY-MM-DD).")));
    }
    let day = |name: &str| -> ApiResult<Option<Date>> {
        let Some((_, v)) = q.iter().rfind(|(k, _)| k == name) else { return Ok(None) };
        v.trim().parse::<Date>().map(Some).map_err(|_| {
            ApiError::field(name, format!("'{v}' is not a date of the calendar (YYYY-MM-DD, e.g. 2026-12-01)."))
        })
    };
    let (from, to) = (day("from")?, day("to")?);
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(ApiError::field("to", format!("The period ends ({t}) before it starts ({f}).")));
    }
    Ok((from, to))
}

fn within(d: Date, (from, to): (Option<Date>, Option<Date>)) -> bool {
    from.is_none_or(|f| d >= f) && to.is_none_or(|t| d <= t)
}

/// Doses recorded.
#[derive(Serialize, ToSchema)]
pub struct Doses {
    pub doses: Vec<DoseRecord>,
}

/// One dose recorded.
#[derive(Serialize, ToSchema)]
pub struct DoseRecord {
    #[schema(format = Uuid)]
    pub plan: String,
    #[schema(format = Date)]
    pub date: String,
    /// The dose time, or null for the day's one dose.
    pub time: Option<String>,
    pub status: Status,
    pub dose_mg: f64,
    #[schema(format = DateTime)]
    pub recorded_at: String,
}

impl DoseRecord {
    pub fn of(r: &taper_store::DoseRecord) -> DoseRecord {
        DoseRecord {
            plan: r.plan.to_string(),
            date: r.date.to_string(),
            time: r.time.and_then(taper_core::units::DoseTime::from_minutes).map(|t| t.to_string()),
            status: Status::of(r.status),
            dose_mg: r.dose_mg,
            recorded_at: r.recorded_at.to_string(),
        }
    }
}

/// The doses recorded, oldest first, in the period asked.
#[utoipa::path(get, path = "/api/v1/doses", tag = "plans", security(("token" = [])), params(Period),
    responses(
        (status = 200, description = "The doses recorded", body = Doses),
        (status = 400, description = "A parameter is wrong; `field` says which", body = ErrorBody),
        (status = 401, description = "No token, or one that does not work", body = ErrorBody),
        (status = 403, description = "The token does not read plan and doses", body = ErrorBody),
    ))]
pub async fn doses(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<Vec<(String, String)>>,
) -> ApiResult<Json<Doses>> {
    caller.needs(&state, Category::PlanAndDoses).await?;
    let asked = period(&q)?;
    let mut doses: Vec<DoseRecord> = (state.store.doses(caller.owner()).await?.iter())
        .filter(|r| within(r.date, asked))
        .map(DoseRecord::of)
        .collect();
    doses.sort_by(|a, b| (&a.date, &a.time).cmp(&(&b.date, &b.time)));
    caller.logged(&state, "read the doses recorded through the API").await?;
    Ok(Json(Doses { doses }))
}

/// Check-ins.
#[derive(Serialize, ToSchema)]
pub struct CheckIns {
    /// The checklist's items, in the order of each check-in's `scores`.
    pub checklist: Vec<ChecklistItem>,
    pub checkins: Vec<CheckIn>,
}

#[derive(Serialize, ToSchema)]
pub struct ChecklistItem {
    pub key: String,
    pub label: String,
}

/// One day's check-in.
#[derive(Serialize, ToSchema)]
pub struct CheckIn {
    #[schema(format = Date)]
    pub date: String,
    /// The day's burden as Taper reads it: the average answered item times 17, so 0 to 51 (the
    /// sum the first 17-item checklist gives); null when fewer than half the items were answered.
    pub burden: Option<f64>,
    /// Each checklist item's score, 0 (none) to 3 (severe), null where not answered.
    pub scores: Vec<Option<u8>>,
    /// Wellbeing, 0-10.
    pub wellbeing: u8,
    pub sleep_hours: Option<f64>,
    /// The note; null unless the token reads check-in notes.
    pub note: Option<String>,
}

/// The check-ins, oldest first, in the period asked.
#[utoipa::path(get, path = "/api/v1/checkins", tag = "checkins", security(("token" = [])), params(Period),
    responses(
        (status = 200, description = "The check-ins", body = CheckIns),
        (status = 400, description = "A parameter is wrong; `field` says which", body = ErrorBody),
        (status = 401, description = "No token, or one that does not work", body = ErrorBody),
        (status = 403, description = "The token does not read check-in scores", body = ErrorBody),
    ))]
pub async fn checkins(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<Vec<(String, String)>>,
) -> ApiResult<Json<CheckIns>> {
    caller.needs(&state, Category::CheckinScores).await?;
    let asked = period(&q)?;
    let notes = caller.reads(Category::CheckinNotes);
    let mut checkins: Vec<CheckIn> = (state.store.checkins(caller.owner()).await?.into_iter())
        .filter(|c| within(c.date, asked))
        .map(|c| CheckIn {
            date: c.date.to_string(),
            burden: taper_core::symptoms::burden_shown(&c.scores),
            scores: c.scores,
            wellbeing: c.wellbeing,
            sleep_hours: c.sleep_hours,
            note: notes.then_some(c.note),
        })
        .collect();
    checkins.sort_by(|a, b| a.date.cmp(&b.date));
    let checklist =
        CHECKLIST.iter().map(|i| ChecklistItem { key: i.key.to_string(), label: i.label.to_string() }).collect();
    caller.logged(&state, "read the check-ins through the API").await?;
    Ok(Json(CheckIns { checklist, checkins }))
}

/// PHQ-9 and GAD-7 results.
#[derive(Serialize, ToSchema)]
pub struct Questionnaires {
    pub results: Vec<QuestionnaireResult>,
    /// Where crisis help is, when a PHQ-9's question 9 was answered above zero.
    pub crisis_help: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct QuestionnaireResult {
    /// "phq9" or "gad7".
    pub instrument: String,
    pub name: String,
    #[schema(format = Date)]
    pub date: String,
    pub total: u32,
    pub max: u32,
    pub band: String,
    /// PHQ-9 question 9 (thoughts of self-harm), 0-3; null for GAD-7.
    pub item9: Option<u8>,
    /// Against the same questionnaire's latest result of an earlier day, by its reliable change
    /// ("reliable improvement", "reliable deterioration", "no reliable change"; "taken again the
    /// same day: not compared"); null for the first.
    pub change: Option<String>,
}

/// A score's reliable change against the latest of `earlier` (the same questionnaire's, oldest
/// first) taken on an earlier day, as the web app reads it: a retake the same day answers for the
/// same fortnight and is never read as a change (a walk saw "reliable deterioration" here and
/// "retaken the same day, not compared" on the clinician's page).
pub fn change_against(
    state: &AppState,
    inst: Instrument,
    earlier: &[&taper_store::QuestionnaireRecord],
    on: jiff::civil::Date,
    total: u32,
) -> Option<String> {
    let (_, previous) = taper_core::measures::compared_with(earlier, on, |r| r.date);
    match previous {
        Some(p) => Some(change_words(state.measures.of(inst).change(p.total, total)).to_string()),
        None if earlier.iter().any(|r| r.date == on) => Some("taken again the same day: not compared".to_string()),
        None => None,
    }
}

/// A reliable change as the API says it.
pub fn change_words(c: Change) -> &'static str {
    match c {
        Change::ReliableImprovement => "reliable improvement",
        Change::ReliableDeterioration => "reliable deterioration",
        Change::NoReliableChange => "no reliable change",
    }
}

/// The PHQ-9 and GAD-7 results, oldest first.
#[utoipa::path(get, path = "/api/v1/questionnaires", tag = "questionnaires", security(("token" = [])),
    responses(
        (status = 200, description = "The results", body = Questionnaires),
        (status = 401, description = "No token, or one that does not work", body = ErrorBody),
        (status = 403, description = "The token does not read questionnaires", body = ErrorBody),
    ))]
pub async fn questionnaires(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Questionnaires>> {
    caller.needs(&state, Category::Questionnaires).await?;
    let mut all = state.store.questionnaires(caller.owner()).await?;
    all.sort_by_key(|q| (q.date, q.created_at));
    let mut results: Vec<QuestionnaireResult> = Vec::new();
    for (i, q) in all.iter().enumerate() {
        let Some(inst) = Instrument::from_key(&q.instrument) else { continue };
        let scoring = state.measures.of(inst);
        let earlier: Vec<&taper_store::QuestionnaireRecord> =
            all[..i].iter().filter(|p| p.instrument == q.instrument).collect();
        let change = change_against(&state, inst, &earlier, q.date, q.total);
        results.push(QuestionnaireResult {
            instrument: inst.key().to_string(),
            name: inst.name().to_string(),
            date: q.date.to_string(),
            total: q.total,
            max: inst.max(),
            band: scoring.band(q.total).to_string(),
            item9: q.item9,
            change,
        });
    }
    let crisis_help = results.iter().any(|r| r.item9.is_some_and(|v| v > 0)).then(|| "/crisis".to_string());
    caller.logged(&state, "read the questionnaires through the API").await?;
    Ok(Json(Questionnaires { results, crisis_help }))
}

/// The record as a FHIR R4 Bundle (the plans as MedicationRequests, the questionnaires as
/// Observations), with the parts the token reads.
#[utoipa::path(get, path = "/api/v1/fhir", tag = "fhir", security(("token" = [])),
    responses(
        (status = 200, description = "A FHIR R4 Bundle (collection)", content_type = "application/fhir+json",
            body = Object),
        (status = 401, description = "No token, or one that does not work", body = ErrorBody),
    ))]
pub async fn fhir(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    let scope = crate::access_tokens::scope_of(&caller.token);
    let bundle =
        crate::pages::fhir::bundle_of(&state, caller.owner(), caller.today(), scope, crate::pages::fhir::DAYS).await?;
    caller.logged(&state, "read the FHIR record through the API").await?;
    Ok(([(header::CONTENT_TYPE, "application/fhir+json")], bundle).into_response())
}
