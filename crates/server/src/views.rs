//! What every page shares: the chrome around it, form-field errors, the plain message page and
//! the time zones offered. Each area's own view models live beside its handlers (`pages/*`,
//! `auth` for signing up and in, `lapsed` for forms sent after their session ended). Handlers fill them with text already
//! formatted; templates (askama, compiled in) only lay it out.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// What every page shows around its content.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub csrf: String,
    /// The signed-in person's chosen name.
    pub user: Option<String>,
    /// A clinician or peer supporter (sees a caseload rather than a plan).
    pub supporter: bool,
    /// Which navigation item is current.
    pub nav: &'static str,
}

impl Chrome {
    pub fn anonymous() -> Chrome {
        Chrome { csrf: String::new(), user: None, supporter: false, nav: "" }
    }
    pub fn current(&self, item: &str) -> &'static str {
        if self.nav == item { "page" } else { "false" }
    }
}

/// A form shown again because of what was typed in it (422), with the person's input kept.
pub fn again(page: impl IntoResponse) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// A message on one form field.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub message: String,
}

impl Field {
    pub fn error(name: impl Into<String>, message: impl Into<String>) -> Field {
        Field { name: name.into(), message: message.into() }
    }
}

/// Finds the message for a field, for templates.
pub fn err<'a>(errors: &'a [Field], name: &str) -> &'a str {
    errors.iter().find(|f| f.name == name).map_or("", |f| f.message.as_str())
}

#[derive(Template, WebTemplate)]
#[template(path = "message.html")]
pub struct Message {
    pub chrome: Chrome,
    pub title: String,
    pub message: String,
}

/// A page with only a title and a message, for errors outside any session.
pub fn message_page(title: &str, message: &str) -> Html<String> {
    let m = Message { chrome: Chrome::anonymous(), title: title.into(), message: message.into() };
    Html(m.render().unwrap_or_else(|_| format!("<!doctype html><title>{title}</title><p>{message}</p>")))
}

/// Time zones offered at sign-up; any IANA name is accepted.
/// Every country with crisis help has a zone here (a walk from Lithuania had to pick Helsinki).
pub const ZONES: [&str; 56] = [
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Vienna",
    "Europe/Zurich",
    "Europe/Brussels",
    "Europe/Warsaw",
    "Europe/Prague",
    "Europe/Budapest",
    "Europe/Bucharest",
    "Europe/Stockholm",
    "Europe/Oslo",
    "Europe/Copenhagen",
    "Europe/Helsinki",
    "Europe/Tallinn",
    "Europe/Riga",
    "Europe/Vilnius",
    "Europe/Athens",
    "Europe/Sofia",
    "Europe/Zagreb",
    "Europe/Ljubljana",
    "Europe/Bratislava",
    "Europe/Luxembourg",
    "Europe/Vaduz",
    "Europe/Malta",
    "Asia/Nicosia",
    "Atlantic/Reykjavik",
    "Africa/Johannesburg",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Hong_Kong",
    "Asia/Tokyo",
    "Australia/Perth",
    "Australia/Adelaide",
    "Australia/Brisbane",
    "Australia/Sydney",
    "Australia/Melbourne",
    "Pacific/Auckland",
    "America/St_Johns",
    "America/Halifax",
    "America/Toronto",
    "America/New_York",
    "America/Chicago",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "America/Denver",
    // Arizona keeps standard time all year (a walk found no zone for it).
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
];
