//! The person's taper in their own calendar (issue 22): a file to import, and a secret address
//! a calendar app subscribes to, which the person can replace or stop. Each change of dose is an
//! event on its day with how to prepare the new dose; the questionnaires and the check-in are
//! events that repeat. Only a hash of the address's token is stored.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan as _};
use serde::Deserialize;
use taper_core::measures::{Instrument, QUESTIONNAIRE_EVERY_DAYS};
use taper_report::ics::{self, Event};

use crate::AppState;
use crate::auth::Person;
use crate::cookies::{fresh_token, stored_hash, token_of};
use crate::error::{AppError, AppResult};
use crate::timeline::Course;

/// How far ahead changes of dose are written: the plans Taper makes fit in it.
const AHEAD_YEARS: i16 = 10;

#[derive(Template, WebTemplate)]
#[template(path = "calendar.html")]
pub struct CalendarPage {
    pub chrome: crate::views::Chrome,
    pub has_plan: bool,
    /// The address in use, to copy (https) and to tap on a phone (webcal), when there is one.
    pub address: Option<(String, String)>,
    /// When the address in use was made and last read by a calendar app, in words.
    pub link: Option<(String, String)>,
    pub notice: Option<&'static str>,
    /// Whether this server sends e-mail, and so reminders (the page points to them only then).
    pub reminders: bool,
}

#[derive(Deserialize)]
pub struct Shown {
    #[serde(default)]
    stopped: Option<String>,
    #[serde(default)]
    made: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    person: Person,
    Extension(secure): Extension<crate::csrf::SecureCookies>,
    headers: HeaderMap,
    Query(q): Query<Shown>,
) -> AppResult<Response> {
    let notice = match (q.stopped, q.made.as_deref()) {
        (Some(_), _) => Some("The calendar address is stopped: calendars that used it get nothing more."),
        (None, Some("new")) => Some("A new calendar address is made; the one before it has stopped working."),
        (None, Some(_)) => Some("Your calendar address is made."),
        (None, None) => None,
    };
    let has_plan = !Course::load_all(&state, person.id()).await?.is_empty();
    let feed = state.store.calendar_feed_of(person.id()).await?;
    let zone = person.tz.clone();
    let when = |t: Timestamp| super::long_date(t.to_zoned_datetime(zone.clone()).date());
    let base = public_base(&state, &headers, secure.0);
    let address = feed.as_ref().map(|f| {
        let https = format!("{base}/calendar/feed/{}", f.token);
        let webcal = format!("webcal://{}", https.split_once("://").map_or(https.as_str(), |(_, rest)| rest));
        (https, webcal)
    });
    let link = feed.map(|f| (when(f.made), f.read.map_or_else(|| "not yet".to_string(), when)));
    let reminders = state.mail.is_some();
    Ok(CalendarPage { chrome: person.chrome("today"), has_plan, address, link, notice, reminders }.into_response())
}

/// Makes a new secret address (the one before stops working). The page is shown by a redirect,
/// so a reload does not make yet another address (a walk's reload stopped the one just made).
pub async fn make_link(State(state): State<AppState>, person: Person) -> AppResult<Response> {
    let before = state.store.calendar_feed_of(person.id()).await?.is_some();
    let token = fresh_token();
    state.store.calendar_feed_set(person.id(), &token, &stored_hash(&token), person.now()).await?;
    tracing::info!(user = %person.id(), "calendar address made");
    Ok(Redirect::to(if before { "/calendar?made=new" } else { "/calendar?made=first" }).into_response())
}

/// Stops the secret address.
pub async fn stop_link(State(state): State<AppState>, person: Person) -> AppResult<Response> {
    state.store.calendar_feed_stop(person.id()).await?;
    tracing::info!(user = %person.id(), "calendar address stopped");
    Ok(Redirect::to("/calendar?stopped=yes").into_response())
}

/// The calendar as a file, for the signed-in person.
pub async fn file(State(state): State<AppState>, person: Person) -> AppResult<Response> {
    let text = calendar_of(&state, &person.user, person.today()).await?;
    Ok(ics_response(text, Some("taper.ics")))
}

/// The calendar at its secret address, for a calendar app (no session): nothing is revealed
/// for an address that is not in use.
pub async fn feed(State(state): State<AppState>, Path(raw): Path<String>) -> AppResult<Response> {
    let token = token_of(&raw).ok_or(AppError::NotFound)?;
    let user =
        state.store.calendar_feed_owner(&stored_hash(token), Timestamp::now()).await?.ok_or(AppError::NotFound)?;
    let user = state.store.user(user).await?;
    let zone = jiff::tz::TimeZone::get(&user.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let today = Timestamp::now().to_zoned_datetime(zone).date();
    Ok(ics_response(calendar_of(&state, &user, today).await?, None))
}

fn ics_response(text: String, attachment: Option<&str>) -> Response {
    let mut response = ([(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], text).into_response();
    if let Some(name) = attachment
        && let Ok(v) = header::HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
    {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    response
}

/// Where this server is reached: the address e-mail links use when it is set, else the host
/// the request came to.
pub(crate) fn public_base(state: &AppState, headers: &HeaderMap, secure: bool) -> String {
    if let Some(mail) = &state.mail {
        return mail.public_url.trim_end_matches('/').to_string();
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = if secure { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// The person's calendar: every plan's changes of dose, the questionnaires and the check-in.
async fn calendar_of(state: &AppState, user: &taper_store::User, today: Date) -> AppResult<String> {
    let courses = Course::load_all(state, user.id).await?;
    let mut events = Vec::new();
    for course in &courses {
        events.extend(dose_changes(state, course, today));
    }
    if !courses.is_empty() {
        // What repeats ends two questionnaires after the last change of dose (a download or the
        // next read of the address carries it further when the plan changes).
        let last = events.iter().map(|e| e.date).max().unwrap_or(today).max(today);
        let until = taper_core::course::after(last, 2 * QUESTIONNAIRE_EVERY_DAYS);
        events.extend(questionnaires_due(state, user.id, today, until).await?);
        events.push(Event {
            uid: format!("{}-checkin@taper", user.id),
            date: today,
            summary: "Taper check-in: how are you today?".into(),
            description: "A minute on Taper's check-in shows waves and windows and when to hold.".into(),
            every_days: Some(1),
            until: Some(until),
        });
    }
    Ok(ics::calendar("Taper", &events, Timestamp::now()))
}

/// Each change of one plan's dose, and of how it is prepared, on its day, with how to prepare
/// that day's dose (a walk: a step's first day made from tablets between days of strips had no
/// event, and the day before said to take a pouch).
fn dose_changes(state: &AppState, course: &Course, today: Date) -> Vec<Event> {
    let until = today.saturating_add(AHEAD_YEARS.years());
    let drug = course.drug_name(&state.catalogue);
    let changes = course.preparation_changes(today, until);
    let last = changes.len().checked_sub(1);
    let mut out = Vec::new();
    for (k, &(date, from_mg, to_mg)) in changes.iter().enumerate() {
        // That day's own preparation: on a day between steps (tapering strips, daily cuts) it is
        // the day's, not its step's (a walk read "9.5 mg: 2 × 5 mg tablet", the step's 10 mg).
        let instruction = course.on(date).map(|(on, step)| course.instruction(&on, step));
        let c = ics::DoseChange {
            date,
            drug: &drug,
            from_mg,
            to_mg,
            instruction: instruction.as_deref(),
            last: Some(k) == last,
        };
        out.push(ics::dose_change(format!("{}-{date}@taper", course.plan_id), &c));
    }
    out
}

/// PHQ-9 and GAD-7, each from the day it is next due, again every so many days.
async fn questionnaires_due(
    state: &AppState,
    user: taper_store::UserId,
    today: Date,
    until: Date,
) -> AppResult<Vec<Event>> {
    let done = state.store.questionnaires(user).await?;
    let mut out = Vec::new();
    for inst in Instrument::ALL {
        let last = done.iter().rev().find(|q| q.instrument == inst.key()).map(|q| q.date);
        let due = last.map_or(today, |d| taper_core::course::after(d, QUESTIONNAIRE_EVERY_DAYS));
        out.push(Event {
            uid: format!("{user}-{}@taper", inst.key()),
            date: due,
            summary: format!("{} due on Taper", inst.name()),
            description: format!(
                "A few questions about the last two weeks, every {QUESTIONNAIRE_EVERY_DAYS} days: Taper compares each score with the ones before it."
            ),
            every_days: Some(QUESTIONNAIRE_EVERY_DAYS),
            until: Some(until),
        });
    }
    Ok(out)
}
