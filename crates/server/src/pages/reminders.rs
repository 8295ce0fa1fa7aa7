//! Reminders (issue 20): the person's choices under Account, and the page a dose reminder's link
//! opens, which records that one dose as taken once the person presses the button (a link opened
//! by a mail scanner records nothing).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use jiff::Timestamp;
use serde::Deserialize;
use taper_store::{DoseStatus, NewDose, Reminders};

use super::long_date;
use crate::AppState;
use crate::auth::{Ctx, Person};
use crate::cookies::stored_hash;
use crate::csrf;
use crate::error::AppResult;
use crate::reminders::clock;
use crate::timeline::Course;
use askama::Template;
use askama_web::WebTemplate;

#[derive(Deserialize)]
pub struct ReminderForm {
    #[serde(default)]
    doses: String,
    #[serde(default)]
    checkin: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    supply: String,
    #[serde(default)]
    quiet_from: String,
    #[serde(default)]
    quiet_to: String,
    #[serde(default)]
    once_at: String,
}

/// "22:00" as a minute of the day; empty is none.
fn minute_of(field: &str, raw: &str) -> Result<Option<u16>, String> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    taper_core::units::DoseTime::parse(field, t)
        .map(|d| Some(d.minutes()))
        .map_err(|e| format!("{field}: {}", e.message))
}

/// Saves the person's reminder choices; a quiet time given by half is refused, nothing changed.
pub async fn save(State(state): State<AppState>, person: Person, Form(f): Form<ReminderForm>) -> AppResult<Response> {
    let quiet = match (minute_of("Quiet from", &f.quiet_from), minute_of("Quiet until", &f.quiet_to)) {
        (Ok(Some(a)), Ok(Some(b))) if a != b => Some((a, b)),
        (Ok(None), Ok(None)) => None,
        (Err(e), _) | (_, Err(e)) => return again(&state, &person, &f, e).await,
        _ => {
            let e = "Give both ends of the quiet hours (for example 22:00 and 07:00), two different times, or neither.";
            return again(&state, &person, &f, e.into()).await;
        }
    };
    let once_at = match minute_of("Once-a-day dose at", &f.once_at) {
        Ok(m) => m,
        Err(e) => return again(&state, &person, &f, e).await,
    };
    let r = Reminders {
        once_at,
        doses: f.doses == "on",
        checkin: f.checkin == "on",
        step: f.step == "on",
        supply: f.supply == "on",
        quiet,
    };
    state.store.set_reminders(person.id(), &r, person.now()).await?;
    Ok(Redirect::to("/account?saved=reminders#reminders-h").into_response())
}

/// The Account page again with what was typed kept and the message beside the reminders' form
/// (a walk: the boxes went back to what was saved and the message sat at the page's top).
async fn again(state: &AppState, person: &Person, f: &ReminderForm, error: String) -> AppResult<Response> {
    let mut page = super::account::page(state, person, None, None).await?;
    let r = &mut page.reminders;
    (r.doses, r.checkin, r.step, r.supply) = (f.doses == "on", f.checkin == "on", f.step == "on", f.supply == "on");
    (r.quiet_from, r.quiet_to) = (f.quiet_from.trim().to_string(), f.quiet_to.trim().to_string());
    r.once_at = f.once_at.trim().to_string();
    r.error = Some(error);
    Ok(crate::views::again(page))
}

/// The choices as the Account page shows them.
pub async fn view(state: &AppState, person: &Person) -> AppResult<RemindersView> {
    let r = state.store.reminders(person.id()).await?;
    Ok(RemindersView {
        mail_on: state.mail.is_some(),
        doses: r.doses,
        checkin: r.checkin,
        step: r.step,
        supply: r.supply,
        quiet_from: r.quiet.map(|(a, _)| clock(a)).unwrap_or_default(),
        quiet_to: r.quiet.map(|(_, b)| clock(b)).unwrap_or_default(),
        once_at: clock(r.once_at.unwrap_or(crate::reminders::ONCE_A_DAY_AT)),
        checkin_at: clock(crate::reminders::CHECKIN_AT),
        step_at: clock(crate::reminders::STEP_AT),
        supply_at: clock(crate::reminders::SUPPLY_AT),
        to: person.user.email.clone(),
        error: None,
    })
}

/// A dose link's page: which dose it records, and a button; or that it no longer works.
pub async fn taken_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Extension(secure): Extension<csrf::SecureCookies>,
    Path(raw): Path<String>,
) -> AppResult<Response> {
    let ctx = ctx.with_token(secure);
    let link = match crate::cookies::token_of(&raw) {
        Some(t) => state.store.dose_link(&stored_hash(t), Timestamp::now()).await?,
        None => None,
    };
    let dose = link.map(|l| describe(l.date, l.time));
    // A link already used says what became of its dose, so nobody wonders whether it counted.
    let done = match (&dose, crate::cookies::token_of(&raw)) {
        (None, Some(t)) => match state.store.dose_link_used(&stored_hash(t)).await? {
            Some(l) if state.store.dose_recorded(l.user, l.plan, l.date, l.time).await? => {
                Some(format!("This link was used: your {} is recorded.", describe(l.date, l.time)))
            }
            _ => None,
        },
        _ => None,
    };
    Ok(ctx.send(DoseTaken { chrome: ctx.chrome("today"), token: raw, dose, done }))
}

/// Records the link's dose as taken, once; the same dose already recorded is left as it is.
pub async fn taken(State(state): State<AppState>, ctx: Ctx, Path(raw): Path<String>) -> AppResult<Response> {
    let page = |dose: Option<String>, done: Option<String>| {
        DoseTaken { chrome: ctx.chrome("today"), token: raw.clone(), dose, done }.into_response()
    };
    let Some(token) = crate::cookies::token_of(&raw) else { return Ok(page(None, None)) };
    let Some(link) = state.store.use_dose_link(&stored_hash(token), Timestamp::now()).await? else {
        return Ok(page(None, None));
    };
    let said = describe(link.date, link.time);
    if state.store.dose_recorded(link.user, link.plan, link.date, link.time).await? {
        return Ok(page(None, Some(format!("Your {said} was already recorded; nothing was changed."))));
    }
    let active = Course::load_all(&state, link.user).await?;
    let Some(course) = active.into_iter().find(|c| c.plan_id == link.plan) else {
        return Ok(page(None, Some("Your plan has changed since this reminder: record the dose on Today.".into())));
    };
    let Some(d) = course.doses_of(link.date).unwrap_or_default().into_iter().find(|d| d.minutes == link.time) else {
        return Ok(page(None, Some("That dose is no longer in your plan: record the dose on Today.".into())));
    };
    let dose = NewDose { plan: link.plan, date: link.date, time: link.time, status: DoseStatus::Taken, dose_mg: d.mg };
    state.store.record_dose(link.user, &dose, Timestamp::now()).await?;
    tracing::info!(user = %link.user, "dose recorded from a reminder's link");
    Ok(page(None, Some(format!("Recorded: your {said}, taken."))))
}

fn describe(date: jiff::civil::Date, time: Option<u16>) -> String {
    match time {
        Some(m) => format!("{} dose on {}", clock(m), long_date(date)),
        None => format!("dose on {}", long_date(date)),
    }
}

// View models: what this area's templates show.

pub struct RemindersView {
    pub mail_on: bool,
    pub doses: bool,
    pub checkin: bool,
    pub step: bool,
    pub supply: bool,
    pub quiet_from: String,
    pub quiet_to: String,
    /// When each reminder goes out ("09:00").
    pub once_at: String,
    pub checkin_at: String,
    pub step_at: String,
    pub supply_at: String,
    /// The address reminders go to.
    pub to: String,
    /// Why the choices sent could not be saved.
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "dose_taken.html")]
pub struct DoseTaken {
    pub chrome: crate::views::Chrome,
    pub token: String,
    /// The dose the link records, while it still works.
    pub dose: Option<String>,
    /// What pressing the button did.
    pub done: Option<String>,
}
