//! A switch's doses, recorded as taken or missed on Today (issue 20: the doses of a switch are
//! recorded as a plan's are; a walk found Taper told people following a switch to note a missed
//! dose in their check-in). The amount recorded is the one core plans for that day and time, never
//! one sent by the form.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use serde::Deserialize;
use taper_core::crossover::CrossoverPlan;
use taper_core::units::DoseTime;
use taper_store::{StoreError, SwitchDose, SwitchId, SwitchRecord};

use super::long_date;

use crate::AppState;
use crate::auth::Person;
use crate::error::{AppError, AppResult};

#[derive(Deserialize)]
pub struct DoseForm {
    #[serde(default)]
    switch: String,
    #[serde(default)]
    drug: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    status: String,
    /// The day the page showed (ISO): a page left open past midnight records the day it showed.
    #[serde(default)]
    date: String,
}

/// `raw` as a day of the switch that may be recorded (as a plan's doses); else why not.
fn day_asked(raw: &str, start: Date, today: Date) -> Result<Date, String> {
    crate::dose_records::day_asked(raw, "Doses of your switch", start, today)
}

/// Records one of today's switch doses as taken or missed (a second press corrects the first).
pub async fn record(State(state): State<AppState>, person: Person, Form(f): Form<DoseForm>) -> AppResult<Response> {
    let status = super::today::status_asked(&f.status)?;
    let id: Option<SwitchId> = f.switch.trim().parse().ok();
    let today = person.today();
    // A page from before the switch ended (or of no switch): Today as it is now, nothing recorded.
    let Some((record, plan)) = super::switching::followed(&state, person.id()).await?.filter(|(r, _)| Some(r.id) == id)
    else {
        return Ok(Redirect::to("/today").into_response());
    };
    let asked = if f.date.trim().is_empty() { today.to_string() } else { f.date.clone() };
    let date = match day_asked(&asked, record.start, today) {
        Ok(d) => d,
        Err(why) => return Ok(crate::views::again(day_page(&state, &person, &record, &plan, today, Some(why)).await?)),
    };
    let day = u32::try_from((date - record.start).get_days()).unwrap_or(0);
    let wanted = DoseTime::parse("time", &f.time).ok();
    let stage = taper_core::crossover::stage_on(&plan, day);
    let doses = stage.map(|s| s.doses.as_slice()).unwrap_or_default();
    let dose = doses.iter().find(|d| d.drug == f.drug && DoseTime::from_hours(d.hour) == wanted).ok_or_else(|| {
        // Which was sent, and the doses of that day that may be recorded.
        let name = |id: &str| state.catalogue.drug(id).map_or_else(|| id.to_string(), |d| d.name.clone());
        let those: Vec<String> = (doses.iter())
            .filter_map(|d| DoseTime::from_hours(d.hour).map(|t| format!("{t} {}", name(&d.drug))))
            .collect();
        AppError::BadRequest(format!(
            "'{} {}' is not one of that day's doses of your switch ({}): record each with its own button. Nothing was recorded.",
            f.time.trim(),
            name(f.drug.trim()),
            those.join(", ")
        ))
    })?;
    let at = wanted.ok_or_else(|| AppError::bug("a switch dose's time"))?;
    if let Some(from) = crate::dose_records::too_early(&person, date, Some(at.minutes())) {
        let why = format!("Not recorded yet. Your {at} dose is later today: you can record it from {from}.");
        return Ok(crate::views::again(day_page(&state, &person, &record, &plan, date, Some(why)).await?));
    }
    let new = SwitchDose {
        switch: record.id,
        date,
        drug: dose.drug.clone(),
        time: at.minutes(),
        status,
        dose_mg: dose.mg,
        recorded_at: person.now(),
    };
    match state.store.record_switch_dose(person.id(), &new, person.now()).await {
        Ok(()) => {}
        // Ended in another tab meanwhile: Today as it is now.
        Err(StoreError::NotFound) => return Ok(Redirect::to("/today").into_response()),
        Err(e) => return Err(e.into()),
    }
    let anchor = format!("switch-{}-{}", dose.drug, at.to_string().replace(':', ""));
    Ok(Redirect::to(&if date == today {
        format!("/today#{anchor}")
    } else {
        format!("/switch/doses?day={date}#{anchor}")
    })
    .into_response())
}

#[derive(Deserialize)]
pub struct DayQuery {
    #[serde(default)]
    day: String,
}

/// A day of the switch (today unless asked): its doses with what was recorded, to record or
/// correct one.
pub async fn day(
    State(state): State<AppState>,
    person: Person,
    axum::extract::Query(q): axum::extract::Query<DayQuery>,
) -> AppResult<Response> {
    let Some((record, plan)) = super::switching::followed(&state, person.id()).await? else {
        return Ok(Redirect::to("/today").into_response());
    };
    let today = person.today();
    let raw = if q.day.trim().is_empty() { today.to_string() } else { q.day.clone() };
    Ok(match day_asked(&raw, record.start, today) {
        Ok(date) => day_page(&state, &person, &record, &plan, date, None).await?.into_response(),
        Err(why) => crate::views::again(day_page(&state, &person, &record, &plan, today, Some(why)).await?),
    })
}

async fn day_page(
    state: &AppState,
    person: &Person,
    record: &SwitchRecord,
    plan: &CrossoverPlan,
    date: Date,
    error: Option<String>,
) -> AppResult<SwitchDosesPage> {
    let today = person.today();
    let day = u32::try_from((date - record.start).get_days()).unwrap_or(0);
    let mut doses = taper_core::crossover::stage_on(plan, day)
        .map(|s| {
            super::switching::rows_of(
                &state.catalogue,
                s,
                &super::switch::stage_view(&state.catalogue, record.start, s).doses,
            )
        })
        .unwrap_or_default();
    super::switching::fill_records(state, person.id(), &person.tz, record.id, date, &mut doses).await?;
    for d in &mut doses {
        d.from = crate::dose_records::too_early(person, date, Some(d.minutes));
    }
    let earliest = crate::dose_records::earliest_recordable(record.start, today);
    Ok(SwitchDosesPage {
        chrome: person.chrome("today"),
        error,
        date: long_date(date),
        is_today: date == today,
        earliest: earliest.to_string(),
        today: today.to_string(),
        w: SwitchDay { id: record.id.to_string(), day: date.to_string(), doses },
    })
}

/// The rows of one day of a switch, as the shared list shows them.
pub struct SwitchDay {
    pub id: String,
    /// The day, ISO.
    pub day: String,
    pub doses: Vec<super::switching::SwitchDoseRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "switch_doses_page.html")]
pub struct SwitchDosesPage {
    pub chrome: crate::views::Chrome,
    pub error: Option<String>,
    pub date: String,
    pub is_today: bool,
    /// The day picker's bounds (ISO).
    pub earliest: String,
    pub today: String,
    pub w: SwitchDay,
}

/// The switch the person follows as CSV rows, day by day from its first day to today, one per
/// planned dose with what was recorded: the medicine ("Clonazepam (switch)"), then the columns of
/// a plan's rows.
pub(crate) async fn csv_rows(state: &AppState, person: &Person) -> AppResult<Vec<Vec<String>>> {
    let records = state.store.switch_doses(person.id()).await?;
    let mut rows = Vec::new();
    // Every switch, the ended ones up to the day they ended (a walk: stopping a switch took its
    // doses out of the CSV).
    for record in state.store.switches(person.id()).await? {
        // A switch core can no longer plan has no planned doses to list; its records stay in the export.
        let Ok(plan) = super::switching::planned(state, &record).await? else { continue };
        let last = record.ended_at.map_or_else(|| person.today(), |t| t.to_zoned_datetime(person.tz.clone()).date());
        rows.extend(switch_rows(state, person, &record, &plan, last, &records));
    }
    Ok(rows)
}

/// One switch's planned doses from its first day to `last`, each with its record.
fn switch_rows(
    state: &AppState,
    person: &Person,
    record: &SwitchRecord,
    plan: &CrossoverPlan,
    last: Date,
    records: &[SwitchDose],
) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut date = record.start;
    while date <= last {
        let day = u32::try_from((date - record.start).get_days()).unwrap_or(0);
        for d in taper_core::crossover::stage_on(plan, day).map(|s| s.doses.as_slice()).unwrap_or_default() {
            let Some(at) = DoseTime::from_hours(d.hour) else { continue };
            let r = (records.iter())
                .find(|r| r.switch == record.id && r.date == date && r.drug == d.drug && r.time == at.minutes());
            let name = state.catalogue.drug(&d.drug).map_or_else(|| d.drug.clone(), |x| x.name.clone());
            let (status, taken, marked) =
                crate::dose_records::recorded_cells(&person.tz, r.map(|r| (r.status, r.dose_mg, r.recorded_at)));
            let planned = taper_core::units::trim_number(d.mg);
            rows.push(vec![
                format!("{name} (switch)"),
                date.to_string(),
                at.to_string(),
                planned,
                status,
                taken,
                marked,
            ]);
        }
        let Ok(next) = date.tomorrow() else { break };
        date = next;
    }
    rows
}
