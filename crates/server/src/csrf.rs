//! CSRF protection for every state-changing request: each session has a random token, every
//! form carries it in a hidden `csrf` field, and any non-GET request without the matching token
//! is refused before a handler runs. (SameSite=Lax cookies are a second line of defence.)

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use crate::views;

/// The largest form the app accepts.
pub const MAX_FORM_BYTES: usize = 64 * 1024;
const KEY: &str = "csrf";

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

pub async fn guard(session: Session, req: Request, next: Next) -> Response {
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
    let Ok(Some(expected)) = session.get::<String>(KEY).await else {
        return refuse("no token in session");
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, views::message_page("Too much", "That form was too large."))
            .into_response();
    };
    let given = form_urlencoded_value(&bytes, KEY);
    if !given.as_deref().is_some_and(|g| same(g, &expected)) {
        return refuse("token mismatch");
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

fn form_urlencoded_value(body: &[u8], key: &str) -> Option<String> {
    form_urlencoded::parse(body).find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}
