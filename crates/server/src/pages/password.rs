//! A forgotten password, reset by e-mail (issue 20): the same answer whether or not an account
//! uses the address; a single-use link that expires after an hour, kept only as its hash; a new
//! password ends every session of the account. Off, and said so, without e-mail on the server.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{Ctx, check_password, hash_password};
use crate::cookies::{fresh_token, stored_hash};
use crate::csrf;
use crate::error::AppResult;
use crate::mail::{self, Email};
use crate::throttle::{self, Limit};
use askama::Template;
use askama_web::WebTemplate;

/// How long a reset link works.
pub const LINK_LIFETIME: SignedDuration = SignedDuration::from_hours(1);

/// One link per address in this time: asking again sooner sends nothing more (a walk got four
/// e-mails with four different links from quick asks).
pub const RESEND_AFTER: SignedDuration = SignedDuration::from_mins(10);

pub async fn forgot_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Extension(secure): Extension<csrf::SecureCookies>,
) -> AppResult<Response> {
    let ctx = ctx.with_token(secure);
    Ok(ctx.send(Forgot {
        chrome: ctx.chrome("login"),
        mail_on: state.mail.is_some(),
        sent: None,
        error: None,
        email: String::new(),
    }))
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// Queues a reset link when an account uses the address (and the address has not asked too
/// often); says the same either way.
pub async fn forgot(State(state): State<AppState>, ctx: Ctx, Form(f): Form<ForgotForm>) -> AppResult<Response> {
    let page = |sent: Option<String>, error: Option<String>| Forgot {
        chrome: ctx.chrome("login"),
        mail_on: state.mail.is_some(),
        sent,
        error,
        email: f.email.trim().to_string(),
    };
    let Some(settings) = state.mail.as_ref() else { return Ok(page(None, None).into_response()) };
    let email = match crate::auth::normalise_email(&f.email) {
        Ok(e) => e,
        Err(e) => return Ok(crate::views::again(page(None, Some(e)))),
    };
    let said = Some(format!(
        "If an account uses {email}, we have sent it a link to choose a new password. The link works once, for one hour. It can take a few minutes to arrive: look in your spam folder too. A new link is sent at most every {} minutes.",
        RESEND_AFTER.as_mins()
    ));
    let account = throttle::account_key(&email);
    if throttle::attempt(&state, Limit::Reset, &account).await?.is_some() {
        tracing::warn!(account = %account, "password reset not sent: asked too often");
        return Ok(page(said, None).into_response());
    }
    let now = Timestamp::now();
    let recent = now.checked_sub(RESEND_AFTER).unwrap_or(now);
    if let Some(user) = state.store.user_by_email(&email).await?
        && !state.store.reset_since(user.id, recent).await?
    {
        let token = fresh_token();
        let expires = now.checked_add(LINK_LIFETIME).unwrap_or(now);
        state.store.create_reset(&stored_hash(&token), user.id, expires, now).await?;
        let body = format!(
            "Someone, we hope you, asked to choose a new password for your Taper account.\n\nTo choose one, open this link within one hour. It works once:\n{}/password/reset/{token}\n\nIf you did not ask, you can ignore this e-mail: your password stays as it is.\n",
            settings.public_url
        );
        let email = Email { to: user.email.clone(), subject: "Choose a new password".into(), body, unsubscribe: None };
        mail::queue(&state.store, &email, Some(user.id), now).await?;
        tracing::info!(user = %user.id, "password reset link queued");
    }
    Ok(page(said, None).into_response())
}

pub async fn reset_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Extension(secure): Extension<csrf::SecureCookies>,
    Path(raw): Path<String>,
) -> AppResult<Response> {
    let ctx = ctx.with_token(secure);
    let valid = match crate::cookies::token_of(&raw) {
        Some(t) => state.store.reset_owner(&stored_hash(t), Timestamp::now()).await?.is_some(),
        None => false,
    };
    Ok(ctx.send(Reset::new(ctx.chrome("login"), raw, valid, None)))
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    again: String,
}

/// Sets the new password, uses the link, ends every session, and sends the person to sign in.
pub async fn reset(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(f): Form<ResetForm>,
) -> AppResult<Response> {
    let again = |error: String| crate::views::again(Reset::new(ctx.chrome("login"), raw.clone(), true, Some(error)));
    let gone = || Reset::new(ctx.chrome("login"), raw.clone(), false, None).into_response();
    let Some(token) = crate::cookies::token_of(&raw) else { return Ok(gone()) };
    if let Err(e) = check_password(&f.password) {
        return Ok(again(e));
    }
    if f.password != f.again {
        return Ok(again("The two passwords are not the same: type the new one twice.".into()));
    }
    let hash = hash_password(f.password).await?;
    match state.store.use_reset(&stored_hash(token), &hash, Timestamp::now()).await? {
        Some(user) => {
            tracing::info!(user = %user, "password reset");
            Ok(Redirect::to("/login?reset=1").into_response())
        }
        None => Ok(gone()),
    }
}

// View models: what this area's templates show.

#[derive(Template, WebTemplate)]
#[template(path = "forgot.html")]
pub struct Forgot {
    pub chrome: crate::views::Chrome,
    pub mail_on: bool,
    /// What was said after the form was sent (the same whether or not the account exists).
    pub sent: Option<String>,
    /// Why the address given cannot be used.
    pub error: Option<String>,
    /// The address as typed.
    pub email: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "reset.html")]
pub struct Reset {
    pub chrome: crate::views::Chrome,
    pub token: String,
    /// Whether the link still works.
    pub valid: bool,
    pub error: Option<String>,
    /// The fewest and most characters a password may have.
    pub min: usize,
    pub max: usize,
}

impl Reset {
    fn new(chrome: crate::views::Chrome, token: String, valid: bool, error: Option<String>) -> Reset {
        Reset { chrome, token, valid, error, min: crate::auth::MIN_PASSWORD, max: crate::auth::MAX_PASSWORD }
    }
}
