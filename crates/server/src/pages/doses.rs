//! Doses over the last days: a calendar of what the plan gave at each time and what was
//! recorded, and a day's page to record a dose not yet recorded or correct one (issue 20: "the
//! last 60 days can be recorded or corrected; a dose calendar"). Today records today only.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use serde::Deserialize;
use taper_store::{DoseRecord, DoseStatus, NewDose};

use super::today::{TimeRow, dose_time, new_way_pending};
use super::{long_date, mg};
use crate::AppState;
use crate::auth::Person;
use crate::error::{AppError, AppResult};
use crate::timeline::Course;
use askama::Template;
use askama_web::WebTemplate;

/// The days that may be recorded or corrected: from the plan's first day (within
/// `dose_records::earliest_recordable`) to today.
fn days(course: &Course, today: Date) -> (Date, Date) {
    (crate::dose_records::earliest_recordable(course.revs[0].record.effective, today), today)
}

/// `raw` as a day that may be recorded, or a clear refusal that names the days that may.
fn day_asked(raw: &str, course: &Course, today: Date) -> Result<Date, String> {
    crate::dose_records::day_asked(raw, "Doses", course.revs[0].record.effective, today)
}

/// The calendar again with `error` at the top, for a day that cannot be recorded: the person
/// stays signed in and one tap from the days that can (a walk: a bare error page read as signed out).
async fn refused(state: &AppState, person: &Person, plan: Option<&str>, error: String) -> AppResult<Response> {
    let page = calendar_page(state, person, plan, Some(error)).await?;
    Ok((axum::http::StatusCode::BAD_REQUEST, page).into_response())
}

/// A day of the plan: each dose, as planned, with what was recorded for it.
fn planned(person: &Person, course: &Course, date: Date, records: &[DoseRecord]) -> Option<PlannedDay> {
    let (on, _) = course.on(date)?;
    let times = course
        .doses_of(date)?
        .into_iter()
        .map(|d| {
            let record = records.iter().find(|r| r.date == date && r.time == d.minutes);
            TimeRow::of(person, date, d, record)
        })
        .collect();
    Some(PlannedDay { iso: date.to_string(), date: long_date(date), dose: mg(on.dose_mg), times })
}

/// The dose calendar: each day the plan gave a dose, newest first, with each time's record.
pub async fn calendar(
    State(state): State<AppState>,
    person: Person,
    Query(q): Query<super::PlanQuery>,
) -> AppResult<Response> {
    Ok(calendar_page(&state, &person, q.plan.as_deref(), None).await?.into_response())
}

async fn calendar_page(
    state: &AppState,
    person: &Person,
    plan: Option<&str>,
    error: Option<String>,
) -> AppResult<DosesPage> {
    let today = person.today();
    let chrome = person.chrome("today");
    let mut page = DosesPage {
        chrome,
        has_plan: false,
        drug: String::new(),
        plan: String::new(),
        plans: Vec::new(),
        days: Vec::new(),
        unrecorded: 0,
        error,
    };
    let Some(course) = Course::load_chosen(state, person.id(), plan).await? else { return Ok(page) };
    page.plan = course.plan_id.to_string();
    page.plans = super::plan_links(state, person.id(), "/doses", course.plan_id).await?;
    let (from, to) = days(&course, today);
    let records = state.store.doses_between(person.id(), course.plan_id, from, to).await?;
    let mut date = to;
    while date >= from {
        page.days.extend(planned(person, &course, date, &records));
        let Ok(before) = date.yesterday() else { break };
        date = before;
    }
    // Today's doses may not be due yet: only earlier days count as unrecorded.
    let today_iso = today.to_string();
    page.unrecorded =
        page.days.iter().filter(|d| d.iso != today_iso).flat_map(|d| &d.times).filter(|t| t.recorded.is_none()).count();
    page.drug = state.catalogue.drug(course.drug()).map_or_else(|| course.drug().to_string(), |d| d.name.clone());
    page.has_plan = true;
    Ok(page)
}

/// One day's doses, each with "I took it" / "I missed it" to record or correct.
pub async fn day(
    State(state): State<AppState>,
    person: Person,
    Path(raw): Path<String>,
    Query(q): Query<super::PlanQuery>,
) -> AppResult<Response> {
    let course = Course::load_chosen(&state, person.id(), q.plan.as_deref()).await?.ok_or(AppError::NotFound)?;
    match day_asked(&raw, &course, person.today()) {
        Ok(date) => Ok(day_page(&state, &person, &course, date, None).await?.into_response()),
        Err(e) => refused(&state, &person, q.plan.as_deref(), e).await,
    }
}

async fn day_page(
    state: &AppState,
    person: &Person,
    course: &Course,
    date: Date,
    notice: Option<String>,
) -> AppResult<DayPage> {
    let today = person.today();
    let records = state.store.doses_between(person.id(), course.plan_id, date, date).await?;
    let day = planned(person, course, date, &records).ok_or(AppError::NotFound)?;
    let new_way =
        new_way_pending(state, person.id(), course, today).await?.filter(|since| date >= *since).map(long_date);
    Ok(DayPage {
        chrome: person.chrome("today"),
        is_today: date == today,
        day,
        new_way,
        notice,
        plan: course.plan_id.to_string(),
        drug: course.drug_name(&state.catalogue),
    })
}

#[derive(Deserialize)]
pub struct DayForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    read_new_way: String,
    #[serde(default)]
    plan: String,
}

/// Records (or corrects) one dose of an earlier day; the day's page again, saying so.
pub async fn record(
    State(state): State<AppState>,
    person: Person,
    Path(raw): Path<String>,
    Form(f): Form<DayForm>,
) -> AppResult<Response> {
    let status = super::today::status_asked(&f.status)?;
    let today = person.today();
    let course = Course::load_chosen(&state, person.id(), Some(&f.plan)).await?.ok_or(AppError::NotFound)?;
    let date = match day_asked(&raw, &course, today) {
        Ok(d) => d,
        Err(e) => return refused(&state, &person, Some(&f.plan), e).await,
    };
    let (on, step) = course.on(date).ok_or(AppError::NotFound)?;
    // A day of a new way of preparing, not yet confirmed: the same question as Today asks.
    if status == DoseStatus::Taken
        && f.read_new_way != "yes"
        && new_way_pending(&state, person.id(), &course, today).await?.is_some_and(|since| date >= since)
    {
        let notice = "Not recorded yet. This day's dose was prepared a new way: read how below, tick \"I have read the new way to prepare it\", then press the button for the dose you took.".to_string();
        return Ok(crate::views::again(day_page(&state, &person, &course, date, Some(notice)).await?));
    }
    let (time, dose_mg) = dose_time(&course, &on, step, &f.time)?;
    if let (Some(t), Some(from)) = (time, crate::dose_records::too_early(&person, date, time)) {
        let at = taper_core::units::DoseTime::from_minutes(t).map(|t| t.to_string()).unwrap_or_default();
        let notice = format!("Not recorded yet. The {at} dose is later today: you can record it from {from}.");
        return Ok(crate::views::again(day_page(&state, &person, &course, date, Some(notice)).await?));
    }
    let dose = NewDose { plan: course.plan_id, date, time, status, dose_mg };
    state.store.record_dose(person.id(), &dose, person.now()).await?;
    Ok(Redirect::to(&format!("/doses/{date}?plan={}#recorded", course.plan_id)).into_response())
}

/// Every planned dose of the plan, day by day and time by time from its first day to today, with
/// what was recorded for it (issue 20: "the CSV has planned and recorded doses per time"); one
/// row per dose, for a spreadsheet. A person without a plan gets the header alone.
pub async fn csv(State(state): State<AppState>, person: Person) -> AppResult<Response> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| AppError::internal("writing CSV", e);
    w.write_record(["medicine", "date", "time", "planned_mg", "recorded", "recorded_mg", "marked_at"])
        .map_err(csv_err)?;
    // Every plan, oldest first, one after the other (several at once: issue 20); a plan another
    // replaced up to the day it was replaced (a walk: starting a switch took the replaced plan's
    // doses out of the CSV).
    let mut plans = state.store.plans(person.id()).await?;
    plans.reverse();
    for p in plans {
        let course = Course::from_record(state.store.plan(person.id(), p.id).await?, &state.catalogue)?;
        let name = course.drug_name(&state.catalogue);
        let last = p.replaced_at.map_or_else(|| person.today(), |t| t.to_zoned_datetime(person.tz.clone()).date());
        let first = course.revs[0].record.effective;
        let records = state.store.doses_between(person.id(), course.plan_id, first, last).await?;
        let mut date = first;
        while date <= last {
            for row in planned_rows(&person, &course, date, &records) {
                w.write_record(std::iter::once(name.as_str()).chain(row.iter().map(String::as_str)))
                    .map_err(csv_err)?;
            }
            let Ok(next) = date.tomorrow() else { break };
            date = next;
        }
    }
    for row in super::switch_doses::csv_rows(&state, &person).await? {
        w.write_record(&row).map_err(csv_err)?;
    }
    let bytes = w.into_inner().map_err(|e| AppError::internal("finishing CSV", e))?;
    Ok(super::account::download(
        "text/csv; charset=utf-8",
        "taper-doses.csv",
        String::from_utf8_lossy(&bytes).into_owned(),
    ))
}

/// One day's planned doses as CSV rows: date, time ("" for the day's one dose), planned mg, and
/// what was recorded ("taken", "missed" or ""), its mg and when it was marked.
fn planned_rows(person: &Person, course: &Course, date: Date, records: &[DoseRecord]) -> Vec<Vec<String>> {
    course
        .doses_of(date)
        .unwrap_or_default()
        .into_iter()
        .map(|d| {
            let r = records.iter().find(|r| r.date == date && r.time == d.minutes);
            let (status, taken, marked) =
                crate::dose_records::recorded_cells(&person.tz, r.map(|r| (r.status, r.dose_mg, r.recorded_at)));
            vec![date.to_string(), d.time, taper_core::units::trim_number(d.mg), status, taken, marked]
        })
        .collect()
}

// View models: what this area's templates show.

pub struct PlannedDay {
    /// 2026-12-01, for the day's address.
    pub iso: String,
    pub date: String,
    pub dose: String,
    pub times: Vec<TimeRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "doses.html")]
pub struct DosesPage {
    pub chrome: crate::views::Chrome,
    pub has_plan: bool,
    pub drug: String,
    /// The plan shown, and the others in force.
    pub plan: String,
    pub plans: Vec<super::PlanLink>,
    pub days: Vec<PlannedDay>,
    /// Doses with nothing recorded, over the days listed before today.
    pub unrecorded: usize,
    /// Why a day asked for cannot be recorded.
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "dose_day.html")]
pub struct DayPage {
    pub chrome: crate::views::Chrome,
    pub is_today: bool,
    pub day: PlannedDay,
    /// The first day of a new way of preparing, not yet confirmed, when this day is on or after it.
    pub new_way: Option<String>,
    pub notice: Option<String>,
    /// The plan the day is of, sent with each button, and its drug.
    pub plan: String,
    pub drug: String,
}
