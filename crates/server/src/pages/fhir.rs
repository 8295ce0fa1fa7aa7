//! The person's taper for a prescriber's or pharmacy's system (issue 22): a FHIR R4 Bundle to
//! download, with each plan from today on (one dosage instruction per dose, with how to prepare
//! it), the history, the questionnaires with PHQ-9 item 9 on its own, the last year's daily
//! burden, and no name or identifier.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiff::ToSpan as _;
use jiff::civil::Date;
use taper_core::consent::{Category, Scope};
use taper_core::history::{Event, EventKind};
use taper_core::measures::Instrument;
use taper_report::fhir::{self, CheckIn, Dosing, MedicationPlan, Record, Score, Subject};

use crate::AppState;
use crate::auth::Person;
use crate::error::AppResult;
use crate::timeline::Course;

/// How far ahead a plan's doses are written: the plans Taper makes fit in it.
pub(crate) const AHEAD_YEARS: i16 = 10;

/// The bundle, as a file to keep or hand on.
pub async fn download(State(state): State<AppState>, person: Person) -> AppResult<Response> {
    let bundle = bundle_of(&state, person.id(), person.today(), Scope::all(), DAYS).await?;
    let mut response = ([(header::CONTENT_TYPE, "application/fhir+json")], bundle).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_DISPOSITION, header::HeaderValue::from_static("attachment; filename=\"taper-fhir.json\""));
    h.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(response)
}

/// How many days of check-ins a download or an API read holds (a link holds its own period).
pub const DAYS: i64 = 365;

/// `owner`'s bundle as JSON, with only the parts `scope` holds (a link made for some parts hands
/// on no others): plans with "plan and doses", the history with "medication history", the
/// questionnaires with "questionnaires", and the last `days` days' check-ins with "check-in scores".
pub async fn bundle_of(
    state: &AppState,
    owner: taper_store::UserId,
    today: Date,
    scope: Scope,
    days: i64,
) -> AppResult<String> {
    let plans: Vec<MedicationPlan> = if scope.contains(Category::PlanAndDoses) {
        Course::load_all(state, owner).await?.iter().map(|c| plan_of(state, c, today)).collect()
    } else {
        Vec::new()
    };
    let scores: Vec<Score> = if scope.contains(Category::Questionnaires) {
        (state.store.questionnaires(owner).await?.into_iter())
            .filter_map(|q| {
                let instrument = Instrument::from_key(&q.instrument)?;
                let (key, date, total, item9) = (q.id.to_string(), q.date, q.total, q.item9);
                Some(Score { key, instrument, date, total, item9, answers: q.answers })
            })
            .collect()
    } else {
        Vec::new()
    };
    let since = today.saturating_sub((days - 1).days());
    let checkins: Vec<CheckIn> = if scope.contains(Category::CheckinScores) {
        (state.store.checkins(owner).await?.iter())
            .filter(|c| c.date >= since && c.date <= today)
            .map(|c| CheckIn {
                date: c.date,
                burden: taper_core::symptoms::burden_shown(&c.scores),
                wellbeing: c.wellbeing,
                sleep_hours: c.sleep_hours,
            })
            .collect()
    } else {
        Vec::new()
    };
    let history: Vec<Event> = if scope.contains(Category::MedicationHistory) {
        (state.store.med_events(owner).await?.into_iter())
            .filter_map(|e| {
                let drug = state.catalogue.drug(&e.drug).map_or(e.drug.clone(), |d| d.name.clone());
                Some(Event { date: e.date, drug, kind: EventKind::from_key(&e.kind)?, abrupt: e.abrupt })
            })
            .collect()
    } else {
        Vec::new()
    };
    let id = owner.to_string();
    let record = Record { plans: &plans, scores: &scores, checkins: &checkins, history: &history };
    Ok(fhir::bundle(Subject { id: &id }, &record, jiff::Timestamp::now()).to_string())
}

/// One plan from `today`: today's dose, then each change, each to the day before the next.
fn plan_of(state: &AppState, course: &Course, today: Date) -> MedicationPlan {
    let changes = course.changes(today.saturating_add(AHEAD_YEARS.years()));
    let starts: Vec<Date> =
        std::iter::once(today).chain(changes.iter().map(|c| c.date).filter(|d| *d > today)).collect();
    let stops_on = changes.iter().find(|c| c.date > today && c.to_mg <= 0.0).map(|c| c.date);
    let mut dosings = Vec::new();
    for (k, start) in starts.iter().enumerate() {
        let Some((on, step)) = course.on(*start) else { continue };
        if on.dose_mg <= 0.0 {
            continue;
        }
        let instruction = course.day_of(&on).map_or_else(|| step.instruction.clone(), |d| d.instruction.clone());
        dosings.push(Dosing {
            start: *start,
            end: starts.get(k + 1).and_then(|next| next.yesterday().ok()),
            label: format!("Step {}", on.step),
            dose_mg: on.dose_mg,
            instruction,
            times: step.doses.iter().map(|d| (d.time.clone(), d.mg, d.take.clone())).collect(),
            counted_against: fhir::counted_against(
                step.uses.iter().flatten().map(|u| u.product_id.as_str()),
                &state.catalogue,
            )
            // Plans stored before the products were kept counted only drops differently.
            .or_else(|| step.as_taken_mg.map(|_| "tablets")),
            taken: step
                .as_taken_mg
                .zip(step.as_taken_words.as_ref().map(|(of, _)| of.trim_start_matches("the ").to_string())),
        });
    }
    MedicationPlan {
        key: format!("plan:{}", course.plan_id),
        drug_name: course.drug_name(&state.catalogue),
        dosings,
        stops_on,
        notes: vec![taper_report::DISCLAIMER.to_string()],
        authored: Some(course.current().record.created_at),
    }
}
