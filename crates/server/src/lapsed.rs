//! Forms sent after their session lapsed (issue 19: N1, N10, L6, walk-through M14). A PHQ-9 with
//! an item-9 answer above zero, a "yes" to the daily question, a whole check-in or a whole
//! questionnaire, sent on a form whose session has ended, is saved **for the account the form was shown to** — the one
//! its CSRF token was issued to (`form_owners`) — and for no one else: never for whoever signs
//! in next in that browser, never for a form no signed-in session was shown. Crisis help comes
//! first whenever the answer is about self-harm, whoever sent it.
//!
//! Why save at once rather than hold until sign-in: the token proves the form was shown to that
//! person; holding it in the browser is what let the next account inherit it, and saving now
//! alerts their supporters now rather than whenever they sign in again.
//!
//! What ends a token's power here: the person signing out in that browser (on a shared computer
//! the next person cannot answer in their name), "sign out everywhere else", a new password,
//! deleting the account, and [`OWNED_FOR_DAYS`]. A request that says it came from another site
//! (`Sec-Fetch-Site: cross-site`) is never saved. Nothing here writes a session.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use taper_core::measures::Instrument;
use taper_store::{User, UserId};

use crate::AppState;
use crate::error::AppResult;
use crate::self_harm;
use crate::views::{Chrome, Field};
use askama::Template;
use askama_web::WebTemplate;

/// How long after it was issued a form's token still names whose form it was. A form left open
/// overnight, or over a weekend, is still kept; an old page found later in a browser's history
/// is not.
pub const OWNED_FOR_DAYS: i64 = 7;

/// What a form that can be sent after a lapse says under its button, so nobody rushes.
pub fn hint() -> String {
    format!(
        "Take your time: after {} minutes without activity you are signed out, but what you send on this form \
         is still saved for you.",
        crate::IDLE_MINUTES
    )
}

/// The earliest issue time a token may have to still name its owner at `now`.
pub fn owned_since(now: Timestamp) -> Timestamp {
    now.checked_sub(SignedDuration::from_hours(24 * OWNED_FOR_DAYS)).unwrap_or(now)
}

/// What a refused form sent, as the CSRF guard read it.
pub struct Sent<'a> {
    pub headers: &'a HeaderMap,
    pub path: &'a str,
    pub pairs: &'a [(String, String)],
    /// The token the form carried (empty when none).
    pub given: &'a str,
}

/// The forms this module answers.
enum Kind {
    /// PHQ-9 or GAD-7: every answer, and PHQ-9's closing question. Urgent when PHQ-9's item 9
    /// is above zero (kept even when the rest is unanswered); otherwise kept only when complete.
    Questionnaire { instrument: Instrument, values: Vec<Option<u8>>, difficulty: Option<u8> },
    /// A check-in; `urgent` when it holds a "yes" to the daily question.
    CheckIn { urgent: bool },
}

impl Kind {
    fn of(sent: &Sent<'_>) -> Option<Kind> {
        if sent.path == "/checkin" {
            return Some(Kind::CheckIn { urgent: crate::form::value(sent.pairs, "selfharm").trim() == "1" });
        }
        let instrument = Instrument::from_key(sent.path.strip_prefix("/questionnaires/")?)?;
        let values = self_harm::answers_of(instrument, sent.pairs);
        let urgent = self_harm::item9_of(instrument, &values).is_some();
        if !urgent && values.iter().any(Option::is_none) {
            return None;
        }
        let difficulty = self_harm::difficulty_of(instrument, sent.pairs);
        Some(Kind::Questionnaire { instrument, values, difficulty })
    }

    fn urgent(&self) -> bool {
        match self {
            Kind::Questionnaire { instrument, values, .. } => self_harm::item9_of(*instrument, values).is_some(),
            Kind::CheckIn { urgent } => *urgent,
        }
    }
}

/// The answer to a form whose token did not match its session; `None` when it is not one of the
/// forms above (the guard refuses it as before).
pub async fn answer(state: &AppState, signed_in: Option<UserId>, sent: Sent<'_>) -> Option<Response> {
    let kind = Kind::of(&sent)?;
    let owner = match owner_of(state, signed_in, &sent).await {
        Ok(o) => o,
        Err(e) => {
            tracing::error!(error = %e, "could not look up whose lapsed form this was");
            None
        }
    };
    let Some(owner) = owner else {
        // Not a form we can tie to anyone: help when it speaks of self-harm, and nothing kept.
        tracing::info!(urgent = kind.urgent(), "a lapsed form that names no account was not kept");
        return kind.urgent().then(|| unowned(state, sent.headers));
    };
    Some(match save(state, &owner, &kind, sent.pairs).await {
        Ok(page) => page,
        Err(e) => {
            tracing::error!(error = %e, "could not save a lapsed form");
            could_not_save(state, &owner, &kind)
        }
    })
}

/// Whose form this was: the account its token was issued to (within [`OWNED_FOR_DAYS`], not
/// ended since); else, for a request the browser says came from this site, the account signed
/// in now (a stale token from another tab: N10). Never when the browser says another site sent it.
async fn owner_of(state: &AppState, signed_in: Option<UserId>, sent: &Sent<'_>) -> AppResult<Option<User>> {
    let site = sent.headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()).unwrap_or("");
    if site.eq_ignore_ascii_case("cross-site") || site.eq_ignore_ascii_case("same-site") {
        return Ok(None);
    }
    let mut id = None;
    if !sent.given.is_empty() {
        let key = crate::cookies::stored_hash(sent.given);
        id = state.store.form_owner(&key, owned_since(Timestamp::now())).await?;
    }
    if id.is_none() && site.eq_ignore_ascii_case("same-origin") {
        id = signed_in;
    }
    let Some(id) = id else { return Ok(None) };
    match state.store.user(id).await {
        Ok(u) => Ok(Some(u)),
        Err(taper_store::StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Saves what the form holds for `owner` and says so.
async fn save(state: &AppState, owner: &User, kind: &Kind, pairs: &[(String, String)]) -> AppResult<Response> {
    let now = Timestamp::now();
    let tz = jiff::tz::TimeZone::get(&owner.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let today = now.to_zoned_datetime(tz).date();
    let mut words = Vec::new();
    let mut errors = Vec::new();
    let mut note = String::new();
    match kind {
        Kind::Questionnaire { instrument, values, difficulty } => {
            let saved = self_harm::keep(state, owner.id, *instrument, values, *difficulty, today, now).await?;
            if kind.urgent() {
                words.push(self_harm::kept_words(&self_harm::alerted(state, owner.id).await?));
            }
            words.push(match (saved.is_some(), kind.urgent()) {
                (true, true) => {
                    format!("Your whole {} was saved too; you can see it under Questionnaires.", instrument.name())
                }
                (true, false) => format!("Your {} was saved; you can see it under Questionnaires.", instrument.name()),
                (false, _) => {
                    "The rest of the questionnaire was not finished; you can fill it in again under Questionnaires."
                        .into()
                }
            });
        }
        Kind::CheckIn { urgent } => {
            if *urgent {
                let day = crate::checkin_form::day_or_today(pairs, today);
                words.push(self_harm::keep_daily_yes(state, owner.id, day, now).await?);
            }
            match crate::checkin_form::store_form(state, owner.id, pairs, today, now).await? {
                Ok(day) => words.push(format!("Your check-in for {day} is saved.")),
                Err(refused) => {
                    words.push(
                        "The rest of that check-in could not be saved as it was: fix what is listed below in a new \
                         check-in once you have signed in."
                            .into(),
                    );
                    note = refused.note().to_string();
                    errors = refused.errors;
                }
            }
        }
    }
    tracing::info!(urgent = kind.urgent(), "a lapsed form was saved for the account it was shown to");
    let crisis = if kind.urgent() { self_harm::crisis_for(state, owner) } else { Vec::new() };
    Ok(Lapsed { chrome: Chrome::anonymous(), title: "Your answers are saved".into(), crisis, words, errors, note }
        .into_response())
}

/// Crisis help first, in the country the browser's language names, and the plain truth that the
/// answer was not kept.
fn unowned(state: &AppState, headers: &HeaderMap) -> Response {
    let language = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let guess = language.and_then(crate::crisis::country_of_language);
    Lapsed {
        chrome: Chrome::anonymous(),
        title: "You were signed out".into(),
        crisis: state.crisis.panel_for(guess, None).into_iter().cloned().collect(),
        words: vec![
            "Your answer could not be saved: this form was not from a session Taper could match to an account \
             (it was signed out, or it is more than a week old)."
                .into(),
            "Sign in and answer again, so that it is kept and the people you share your record with can see it.".into(),
        ],
        errors: Vec::new(),
        note: String::new(),
    }
    .into_response()
}

/// Help first when it was about self-harm, and the truth that saving failed.
fn could_not_save(state: &AppState, owner: &User, kind: &Kind) -> Response {
    let page = Lapsed {
        chrome: Chrome::anonymous(),
        title: "Your answers could not be saved".into(),
        crisis: if kind.urgent() { self_harm::crisis_for(state, owner) } else { Vec::new() },
        words: vec!["Something went wrong while saving. Sign in and answer again, so that it is kept.".into()],
        errors: Vec::new(),
        note: String::new(),
    };
    (StatusCode::SERVICE_UNAVAILABLE, page).into_response()
}

// View models: what this area's templates show.

/// What a lapsed form led to: help first when it spoke of self-harm, what was saved, and the
/// way back in (a link: this page writes no session, so it shows no form).
#[derive(Template, WebTemplate)]
#[template(path = "lapsed.html")]
pub struct Lapsed {
    pub chrome: Chrome,
    pub title: String,
    pub crisis: Vec<crate::crisis::Country>,
    pub words: Vec<String>,
    /// What could not be saved of a check-in, field by field.
    pub errors: Vec<Field>,
    /// The check-in's note as typed, when the check-in could not be saved, to copy.
    pub note: String,
}
