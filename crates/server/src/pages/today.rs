//! Today: the dose and how to prepare it; taken or missed, never "double up".

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use taper_store::{DoseStatus, NewDose};

use super::{long_date, mg};
use crate::AppState;
use crate::auth::Person;
use crate::error::{AppError, AppResult};
use crate::timeline::{self, Course};
use askama::Template;
use askama_web::WebTemplate;

pub async fn show(State(state): State<AppState>, person: Person) -> AppResult<Response> {
    Ok(page(&state, &person, None).await?.into_response())
}

/// Today as the person sees it, with `notice` at the top when there is something to say.
async fn page(state: &AppState, person: &Person, notice: Option<String>) -> AppResult<Today> {
    let today = person.today();
    let course = Course::load(state, person.id()).await?;
    let checked_in = state.store.checkin_on(person.id(), today).await?.is_some();
    let mut page = Today {
        chrome: person.chrome("today"),
        name: person.user.display_name.clone(),
        has_plan: course.is_some(),
        drug: String::new(),
        dose: None,
        starts: None,
        checked_in,
        due: due_questionnaires(state, person).await?,
        proposals: 0,
        suggested_by: None,
        notice,
    };
    let Some(course) = course else { return Ok(page) };
    page.drug = state.catalogue.drug(course.drug()).map_or_else(|| course.drug().to_string(), |d| d.name.clone());
    match course.on(today) {
        None => page.starts = Some(long_date(course.revs[0].record.effective)),
        Some((on, step)) => {
            let record = state.store.dose_on(person.id(), course.plan_id, today).await?;
            let new_way = new_way_pending(state, person, &course, today).await?;
            let as_taken = course.day_of(&on).map_or(step.as_taken_mg, |d| d.as_taken_mg);
            page.dose = Some(TodayDose {
                new_way: new_way.map(long_date),
                as_taken: as_taken.map(mg),
                date: long_date(today),
                dose: mg(on.dose_mg),
                // A day between steps has its own amount and preparation (walk-through N1).
                instruction: course.day_of(&on).map_or_else(|| step.instruction.clone(), |d| d.instruction.clone()),
                // The instruction already holds every part and any dilution recipe (walkthrough
                // minor 21: it used to be repeated below).
                details: Vec::new(),
                // A day in parts lists each time with its own amount (clinical review W6); a day
                // between steps has one preparation of its own.
                first: if course.day_of(&on).is_some() { Vec::new() } else { step.first.clone() },
                times: if course.day_of(&on).is_some() {
                    Vec::new()
                } else {
                    step.doses.iter().map(|d| (d.time.clone(), mg(d.mg), d.take.clone())).collect()
                },
                notes: step.notes.clone(),
                hold: on.hold,
                // In the same units as the headline: the next dose as measured, where it is
                // drops too (walk-through round 5: "20 mg" then "14 mg (counted as tablets)").
                next: on.next.map(|(d, dose)| {
                    let taken =
                        course.on(d).and_then(|(o, s)| course.day_of(&o).map_or(s.as_taken_mg, |x| x.as_taken_mg));
                    match (as_taken, taken) {
                        (Some(_), Some(t)) => {
                            format!("{} of the liquid (counted as {} of tablets) on {}", mg(t), mg(dose), long_date(d))
                        }
                        (Some(_), None) => format!("{} (as tablets) on {}", mg(dose), long_date(d)),
                        _ => format!("{} on {}", mg(dose), long_date(d)),
                    }
                }),
                recorded: record.as_ref().map(|r| match r.status {
                    DoseStatus::Taken => {
                        format!("taken at {}", r.recorded_at.to_zoned_datetime(person.tz.clone()).strftime("%H:%M"))
                    }
                    DoseStatus::Missed => "missed".to_string(),
                }),
                missed: record.is_some_and(|r| r.status == DoseStatus::Missed),
            });
        }
    }
    let checkins = state.store.checkins(person.id()).await?;
    let analysis = timeline::analyse(&checkins, Some(&course), today).await?;
    let pending = timeline::refresh_proposals(state, person.id(), &course, &analysis, today, person.now()).await?;
    page.proposals = pending.len();
    // Who is suggesting: a supporter by name, else the person's own check-ins.
    page.suggested_by = pending.iter().find_map(|p| p.proposer_name.clone());
    Ok(page)
}

/// The first day of a new way of preparing the dose, while no dose has been recorded taken since
/// it began: until then Today asks the person to confirm they have read it (clinical review D1).
async fn new_way_pending(
    state: &AppState,
    person: &Person,
    course: &Course,
    today: jiff::civil::Date,
) -> AppResult<Option<jiff::civil::Date>> {
    let Some(since) = course.new_way_since(today) else { return Ok(None) };
    let taken_since = state.store.taken_since(person.id(), course.plan_id, since).await?;
    Ok((!taken_since).then_some(since))
}

#[derive(Deserialize)]
pub struct DoseForm {
    #[serde(default)]
    status: String,
    /// "yes" when the person ticked that they have read a new way of preparing the dose.
    #[serde(default)]
    read_new_way: String,
}

pub async fn record(State(state): State<AppState>, person: Person, Form(f): Form<DoseForm>) -> AppResult<Response> {
    let status = match f.status.as_str() {
        "taken" => DoseStatus::Taken,
        "missed" => DoseStatus::Missed,
        _ => return Err(AppError::BadRequest("Choose 'I took it' or 'I missed it'.".into())),
    };
    let today = person.today();
    let course = Course::load(&state, person.id()).await?.ok_or(AppError::NotFound)?;
    let (on, _) = course.on(today).ok_or_else(|| AppError::BadRequest("Your plan has not started yet.".into()))?;
    if status == DoseStatus::Taken
        && f.read_new_way != "yes"
        && let Some(since) = new_way_pending(&state, &person, &course, today).await?
    {
        // Today again, with what to do at the top: nothing recorded, nothing lost (walk-through
        // round 4: an error page with the signed-out menu looked like being logged out).
        let notice = format!(
            "Not recorded yet. From {} your dose is prepared a new way: read \"How to prepare it\" below, tick \"I have read the new way to prepare it\", then press \"I took it\".",
            long_date(since)
        );
        return Ok(crate::views::again(page(&state, &person, Some(notice)).await?));
    }
    let dose = NewDose { plan: course.plan_id, date: today, status, dose_mg: on.dose_mg };
    state.store.record_dose(person.id(), &dose, person.now()).await?;
    Ok(Redirect::to("/today").into_response())
}

async fn due_questionnaires(state: &AppState, person: &Person) -> AppResult<Vec<(&'static str, &'static str)>> {
    let qs = state.store.questionnaires(person.id()).await?;
    let today = person.today();
    Ok(taper_core::measures::Instrument::ALL
        .iter()
        .filter(|i| {
            qs.iter().rev().find(|q| q.instrument == i.key()).is_none_or(|q| {
                taper_core::course::after(q.date, taper_core::measures::QUESTIONNAIRE_EVERY_DAYS) <= today
            })
        })
        .map(|i| (i.key(), i.name()))
        .collect())
}

// View models: what this area's templates show.

pub struct TodayDose {
    /// The first day of a new way of preparing the dose, not yet confirmed.
    pub new_way: Option<String>,
    /// Where the whole dose is drops (counted differently from tablets): the amount of drops.
    pub as_taken: Option<String>,
    pub date: String,
    pub dose: String,
    pub instruction: String,
    pub details: Vec<String>,
    /// For a day taken in parts: what to make first, then (time, amount, what to take).
    pub first: Vec<String>,
    pub times: Vec<(String, String, String)>,
    /// The products' own cautions for today's preparation.
    pub notes: Vec<String>,
    pub hold: bool,
    pub next: Option<String>,
    /// "taken at 08:02", "missed", or empty.
    pub recorded: Option<String>,
    pub missed: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "today.html")]
pub struct Today {
    pub chrome: crate::views::Chrome,
    pub name: String,
    pub has_plan: bool,
    pub drug: String,
    pub dose: Option<TodayDose>,
    pub starts: Option<String>,
    pub checked_in: bool,
    /// Questionnaires that are due: (key, name).
    pub due: Vec<(&'static str, &'static str)>,
    pub proposals: usize,
    /// A supporter's name when one of the pending suggestions is theirs.
    pub suggested_by: Option<String>,
    pub notice: Option<String>,
}
