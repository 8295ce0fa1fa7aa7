//! One module per area of the app, named for what the person does there.

pub mod account;
pub mod calendar;
pub mod caseload;
pub mod checkin;
pub mod doses;
pub mod fhir;
pub mod handoff;
pub mod health_links;
pub mod history;
pub mod learn;
pub mod password;
pub mod pause;
pub mod pharmacy;
pub mod plan;
pub mod progress;
pub mod questionnaires;
pub mod reinstate;
pub mod reminders;
pub mod safety_plan;
pub mod shared_doses;
pub mod sharing;
pub mod summary;
pub mod supply;
pub mod switch;
pub mod switch_doses;
pub mod switching;
pub mod today;
pub mod tokens;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::Ctx;
use crate::error::AppResult;
use crate::views;
use askama::Template;
use askama_web::WebTemplate;

pub async fn home(ctx: Ctx) -> AppResult<Response> {
    if ctx.user.is_some() {
        return Ok(Redirect::to("/today").into_response());
    }
    Ok(Home { chrome: ctx.chrome("home") }.into_response())
}

/// Browsers ask every page for an icon; Taper has none, and says so without a 404 in the logs
/// (a walk counted one on every page).
pub async fn favicon() -> Response {
    (StatusCode::NO_CONTENT, [(header::CACHE_CONTROL, "public, max-age=86400")]).into_response()
}

pub async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../assets/app.css"),
    )
        .into_response()
}

pub async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, views::message_page("Not found", "There is no page at this address.")).into_response()
}

/// A form's address opened as a page (a reload, a restored tab, Back, a bookmark): the page the
/// form belongs to, not a bare 405 (a walk: "This page isn't working" after a switch preview).
/// Other methods than GET and HEAD stay refused.
pub async fn opened_again(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    if method != axum::http::Method::GET && method != axum::http::Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, views::message_page("Not allowed", "This address takes a form only."))
            .into_response();
    }
    let path = uri.path();
    let to = match path {
        "/plan/preview" => "/plan/new",
        "/switch/preview" => "/switch",
        p if p.starts_with("/switch/") || p.starts_with("/today/") || p.starts_with("/plan/") => "/today",
        p if p.starts_with("/proposals/") => "/progress",
        p if p.starts_with("/people/") => "/caseload",
        _ => "/",
    };
    axum::response::Redirect::to(to).into_response()
}

/// `bytes` as a PDF download named `file` (a name Taper makes: letters, digits, dashes, dots).
pub fn pdf_download(file: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse as _;
    let disposition = format!("attachment; filename=\"{file}\"");
    ([(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response()
}

/// Formats a dose for people: "12 mg", "0.31 mg".
pub fn mg(v: f64) -> String {
    format!("{} mg", taper_core::units::trim_number(v))
}

/// "Monday 23 November 2026".
pub fn long_date(d: jiff::civil::Date) -> String {
    d.strftime("%A %-d %B %Y").to_string()
}

/// `?plan=` on a page about one plan, where the person has several in force.
#[derive(serde::Deserialize, Default)]
pub struct PlanQuery {
    pub plan: Option<String>,
}

/// Links to the same page for each plan in force, when there is more than one (`base` is the
/// page's path); empty otherwise.
pub async fn plan_links(
    state: &crate::AppState,
    user: taper_store::UserId,
    base: &str,
    current: taper_store::PlanId,
) -> AppResult<Vec<PlanLink>> {
    let active = state.store.active_plans(user).await?;
    if active.len() <= 1 {
        return Ok(Vec::new());
    }
    Ok(active
        .into_iter()
        .map(|p| PlanLink {
            href: format!("{base}?plan={}", p.id),
            name: state.catalogue.drug(&p.drug).map_or_else(|| p.drug.clone(), |d| d.name.clone()),
            current: p.id == current,
        })
        .collect())
}

// View models: what this area's templates show.

/// One plan in force, linked from a page about another (`plan_links`).
pub struct PlanLink {
    pub href: String,
    pub name: String,
    pub current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct Home {
    pub chrome: crate::views::Chrome,
}
