//! CSRF protection for every state-changing request: each session has a random token, every
//! form carries it in a hidden `csrf` field, and any non-GET request without the matching token
//! is refused before a handler runs. (SameSite=Lax cookies are a second line of defence.)

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use crate::AppState;
use crate::views;
use askama::Template;
use askama_web::WebTemplate;

/// The largest form the app accepts.
pub const MAX_FORM_BYTES: usize = 64 * 1024;
const KEY: &str = "csrf";

/// Forgets the session's token, so the next page gets a new one (at sign-in: a token seen
/// before signing in is worthless after it).
pub async fn rotate(session: &Session) -> Result<(), tower_sessions::session::Error> {
    session.remove::<String>(KEY).await?;
    Ok(())
}

/// The session's token if it has one, else empty (creates nothing).
pub async fn existing(session: &Session) -> Result<String, tower_sessions::session::Error> {
    Ok(session.get::<String>(KEY).await?.unwrap_or_default())
}

/// The session's token, created on first use.
pub async fn token(session: &Session) -> Result<String, tower_sessions::session::Error> {
    if let Some(t) = session.get::<String>(KEY).await? {
        return Ok(t);
    }
    let t = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    session.insert(KEY, &t).await?;
    Ok(t)
}

/// Compares in time independent of where the strings differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn refuse(why: &str) -> Response {
    tracing::info!(reason = why, "refused a form without a valid CSRF token");
    (
        StatusCode::FORBIDDEN,
        views::message_page(
            "This form has expired",
            "For your safety, forms only work for a while after they are shown. Go back, reload the page and try \
             again. Nothing was changed.",
        ),
    )
        .into_response()
}

/// A "yes" to the daily question on a lapsed check-in form is held like an item-9 answer: help
/// first, the answer kept in the session and saved at the next sign-in. The rest of the
/// check-in is not kept (the person is told). `None` when the request is not such an answer.
async fn hold_selfharm(
    state: &AppState,
    session: &Session,
    path: &str,
    pairs: &[(String, String)],
    language: Option<&str>,
) -> Option<Response> {
    if path != "/checkin" {
        return None;
    }
    if crate::form::value(pairs, "selfharm").trim() != "1" {
        return None;
    }
    // The day, if it reads as one; otherwise the day of the next sign-in.
    let day = crate::form::value(pairs, "date").trim().parse::<jiff::civil::Date>().ok();
    let kept = crate::self_harm::hold_selfharm(session, day).await;
    tracing::info!(kept, "a lapsed check-in with a yes to the daily safety question was held for sign-in");
    Some(held_page(state, session, language).await)
}

/// Crisis help first — the country the browser's language names (else the international
/// directory) and the fallback, short enough for a phone; every other country is a link away —
/// then the sign-in form that saves what is held.
async fn held_page(state: &AppState, session: &Session, language: Option<&str>) -> Response {
    let csrf = token(session).await.unwrap_or_default();
    let guess = language.and_then(crate::crisis::country_of_language);
    Held {
        chrome: views::Chrome { csrf, ..views::Chrome::anonymous() },
        crisis: state.crisis.panel_for(guess, None).into_iter().cloned().collect(),
    }
    .into_response()
}

/// An item-9 answer is never thrown away because a session or form lapsed: crisis help is shown
/// at once, the answers are kept in this browser's session, and they are saved when the person
/// signs in again (`auth::login`). `None` when the request is not such an answer.
async fn hold_item9(
    state: &AppState,
    session: &Session,
    path: &str,
    pairs: &[(String, String)],
    language: Option<&str>,
) -> Option<Response> {
    use taper_core::measures::Instrument;
    if path != "/questionnaires/phq9" {
        return None;
    }
    let values = crate::self_harm::answers_of(Instrument::Phq9, pairs);
    crate::self_harm::item9_of(Instrument::Phq9, &values)?;
    let difficulty = crate::self_harm::difficulty_of(Instrument::Phq9, pairs);
    let kept = crate::self_harm::hold_phq9(session, &values, difficulty).await;
    tracing::info!(kept, "a lapsed PHQ-9 form with an item-9 answer was held for sign-in");
    Some(held_page(state, session, language).await)
}

pub async fn guard(State(state): State<AppState>, session: Session, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return refuse("not a form");
    }
    let expected = session.get::<String>(KEY).await.ok().flatten();
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, views::message_page("Too much", "That form was too large."))
            .into_response();
    };
    // Read once; the token, the holds and the NUL check all look at the same pairs.
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&bytes).into_owned().collect();
    let given = crate::form::value(&pairs, KEY);
    let valid = expected.as_deref().is_some_and(|e| same(&given, e));
    if !valid {
        let language = parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
        let path = parts.uri.path();
        if let Some(held) = hold_item9(&state, &session, path, &pairs, language).await {
            return held;
        }
        if let Some(held) = hold_selfharm(&state, &session, path, &pairs, language).await {
            return held;
        }
        return refuse(if expected.is_none() { "no token in session" } else { "token mismatch" });
    }
    // A NUL character is never meaningful in a form, and PostgreSQL refuses it in text: say so
    // here rather than fail inside a handler (security probe, low: 500s on PostgreSQL).
    if let Some(field) = pairs.iter().find(|(k, v)| k.contains('\0') || v.contains('\0')) {
        let msg = format!(
            "The field \"{}\" contains a NUL character (\\0), which Taper does not accept. Remove it and try again; nothing was saved.",
            field.0.replace('\0', "")
        );
        return (StatusCode::BAD_REQUEST, views::message_page("That form could not be read", &msg)).into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

// View models: what this area's templates show.

/// Crisis help first, then signing in again to save PHQ-9 answers a lapsed session could not.
#[derive(Template, WebTemplate)]
#[template(path = "held.html")]
pub struct Held {
    pub chrome: crate::views::Chrome,
    pub crisis: Vec<crate::crisis::Country>,
}
