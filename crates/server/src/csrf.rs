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
use crate::error::AppResult;
use crate::views;
use taper_store::UserId;

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

/// A signed-in session's token, created on first use and recorded as issued to `user`, so a
/// form sent after the session lapsed can still be told apart as theirs ([`crate::lapsed`]).
pub async fn token_for(state: &AppState, session: &Session, user: UserId) -> AppResult<String> {
    if let Some(t) = session.get::<String>(KEY).await? {
        return Ok(t);
    }
    let t = crate::cookies::fresh_token();
    state.store.form_owner_issue(&crate::cookies::stored_hash(&t), user, jiff::Timestamp::now()).await?;
    session.insert(KEY, &t).await?;
    Ok(t)
}

/// The cookie that carries the token of someone not signed in (sign-in and sign-up forms), so
/// showing those forms stores nothing on the server (security probe L6). The form must send
/// the same value (a double-submit token); `__Host-` behind TLS, so no other host can set it.
fn form_cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-taper-form" } else { "taper-form" }
}

/// Whether cookies are marked Secure (the server runs behind TLS); an extension every request carries.
#[derive(Debug, Clone, Copy)]
pub struct SecureCookies(pub bool);

/// The anonymous form token this request's cookie carries, if it is one Taper could have made.
pub fn form_cookie(headers: &axum::http::HeaderMap, secure: bool) -> Option<String> {
    crate::cookies::token(headers, form_cookie_name(secure))
}

/// A new anonymous form token and the `Set-Cookie` value that gives it to the browser (for the
/// idle time of a session; strict, so no other site's request carries it).
pub fn new_form_cookie(secure: bool) -> (String, String) {
    let t = crate::cookies::fresh_token();
    let cookie = crate::cookies::set(form_cookie_name(secure), &t, 60 * crate::IDLE_MINUTES, secure);
    (t, cookie)
}

/// The `Set-Cookie` value that removes the anonymous form token (at sign-in, so a token seen
/// before signing in is worthless after it).
pub fn clear_form_cookie(secure: bool) -> String {
    crate::cookies::set(form_cookie_name(secure), "", 0, secure)
}

/// Whether reading a body failed because its deadline passed (`listen::Limits::body`).
fn timed_out(e: &axum::Error) -> bool {
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if c.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        cause = c.source();
    }
    false
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

/// Where SMART Health Links' manifests are (`pages::health_links`): posted to as JSON, not forms.
pub const MANIFEST_PREFIX: &str = "/shl/";

pub async fn guard(State(state): State<AppState>, session: Session, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    // A SMART Health Link's manifest is an API for viewers on other sites: it reads no cookie or
    // session, the link's token and passcode are what let a request in, so a forged cross-site
    // request gains nothing.
    if req.uri().path().starts_with(MANIFEST_PREFIX) {
        return next.run(req).await;
    }
    // The JSON API reads no cookie or session either: a request gets in only with a token in its
    // Authorization header, which no other site can make a browser send.
    if req.uri().path().starts_with(crate::api::PREFIX) {
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
    // A signed-in session's own token; someone not signed in, the one their form cookie carries.
    let signed_in = session.get::<UserId>(crate::sessions::USER_KEY).await.ok().flatten();
    let secure = req.extensions().get::<SecureCookies>().is_some_and(|s| s.0);
    let expected = match session.get::<String>(KEY).await.ok().flatten() {
        Some(t) => Some(t),
        None if signed_in.is_none() => form_cookie(req.headers(), secure),
        None => None,
    };
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, MAX_FORM_BYTES).await {
        Ok(b) => b,
        Err(e) if timed_out(&e) => {
            let words = "That form took too long to arrive. Check your connection and send it again.";
            return (StatusCode::REQUEST_TIMEOUT, views::message_page("Too slow", words)).into_response();
        }
        Err(_) => {
            return (StatusCode::PAYLOAD_TOO_LARGE, views::message_page("Too much", "That form was too large."))
                .into_response();
        }
    };
    // Read once; the token, the holds and the NUL check all look at the same pairs.
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&bytes).into_owned().collect();
    let given = crate::form::value(&pairs, KEY);
    let valid = expected.as_deref().is_some_and(|e| same(&given, e));
    if !valid {
        let sent =
            crate::lapsed::Sent { headers: &parts.headers, path: parts.uri.path(), pairs: &pairs, given: &given };
        if let Some(page) = crate::lapsed::answer(&state, signed_in, sent).await {
            return page;
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
