//! API tokens (issue 22): a person lets an app or a script of their own read parts of their
//! record, or record doses, check-ins and questionnaires, without their password. They choose the
//! parts (as for sharing), what it may record, and how long it works; they see when each was last used and stop any.
//! The token is shown once, after a redirect (a reload must not make another).

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use taper_core::consent::{Category, Scope};

use crate::AppState;
use crate::access_tokens::{self, LIFETIMES, MAX_LABEL, MAX_WORKING};
use crate::auth::Person;
use crate::error::{AppError, AppResult};
use crate::views::Chrome;

/// Where a token just made waits for the page that shows it once.
const JUST_MADE: &str = "api-token-made";

#[derive(Template, WebTemplate)]
#[template(path = "tokens.html")]
pub struct TokensPage {
    pub chrome: Chrome,
    /// The parts a token may read: form value and words.
    pub parts: Vec<(&'static str, &'static str)>,
    pub lifetimes: &'static [i64],
    pub draft: Draft,
    pub tokens: Vec<TokenView>,
    /// The token just made, shown once, with an example request.
    pub made: Option<(String, String)>,
    /// With it, an example of recording a dose, when the token may.
    pub record_example: Option<String>,
    /// And of recording a check-in, when the token may.
    pub checkin_example: Option<String>,
    pub notice: Option<&'static str>,
    pub base: String,
}

/// The form as sent, shown again when refused.
#[derive(Debug, Clone)]
pub struct Draft {
    pub label: String,
    pub parts: Vec<String>,
    pub doses: bool,
    pub checkins: bool,
    pub days: i64,
    pub error: Option<String>,
}

impl Default for Draft {
    fn default() -> Draft {
        // Only the plan, to start: a dose widget needs no more, and each other part is one the
        // person chooses to give (a walk: scores and history were ticked for a widget).
        let parts = vec![Category::PlanAndDoses.key().to_string()];
        Draft { label: String::new(), parts, doses: false, checkins: false, days: LIFETIMES[0], error: None }
    }
}

impl Draft {
    pub fn ticked(&self, part: &str) -> bool {
        self.parts.iter().any(|p| p == part)
    }
}

pub struct TokenView {
    pub id: String,
    pub label: String,
    pub reads: String,
    pub doses: bool,
    pub checkins: bool,
    pub made: String,
    pub state: String,
    pub used: String,
    pub live: bool,
}

impl TokenView {
    fn of(t: &taper_store::ApiToken, person: &Person, now: Timestamp) -> TokenView {
        let day = |at: Timestamp| super::long_date(at.to_zoned_datetime(person.tz.clone()).date());
        let state = match access_tokens::stopped(t, now) {
            None => format!("Works until {}.", day(t.expires)),
            Some(_) if t.revoked.is_some() => "Stopped.".to_string(),
            Some(_) => format!("Ran out on {}.", day(t.expires)),
        };
        let reads: Vec<&str> = access_tokens::scope_of(t).categories().map(Category::short).collect();
        TokenView {
            id: t.id.to_string(),
            label: t.label.clone(),
            reads: if reads.is_empty() { "nothing".to_string() } else { reads.join(", ") },
            doses: t.record_doses,
            checkins: t.record_checkins,
            made: day(t.made),
            used: t.last_used.map_or_else(|| "never used".to_string(), |u| format!("last used {}", day(u))),
            live: access_tokens::stopped(t, now).is_none(),
            state,
        }
    }
}

#[derive(serde::Deserialize)]
pub struct Shown {
    #[serde(default)]
    stopped: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    person: Person,
    Extension(secure): Extension<crate::csrf::SecureCookies>,
    headers: HeaderMap,
    Query(q): Query<Shown>,
) -> AppResult<Response> {
    let made = person.ctx.session.remove::<String>(JUST_MADE).await.ok().flatten();
    let mut page = page(&state, &person, &headers, secure.0, Draft::default()).await?;
    let base = page.base.clone();
    // Whether the newest token records doses: the one just made (the list is newest first).
    let records = page.tokens.first().is_some_and(|t| t.doses);
    page.record_example = made.as_ref().filter(|_| records).map(|t| {
        format!(
            "curl -H \"Authorization: Bearer {t}\" -H \"Content-Type: application/json\" -d '{{\"status\": \"taken\"}}' {base}/api/v1/doses"
        )
    });
    let checkins = page.tokens.first().is_some_and(|t| t.checkins);
    page.checkin_example = made.as_ref().filter(|_| checkins).map(|t| {
        format!(
            "curl -H \"Authorization: Bearer {t}\" -H \"Content-Type: application/json\" -d '{{\"wellbeing\": 6, \"symptoms\": {{\"anxiety\": 1}}}}' {base}/api/v1/checkins"
        )
    });
    page.made = made.map(|t| {
        let example = format!("curl -H \"Authorization: Bearer {t}\" {base}/api/v1/plans");
        (t, example)
    });
    page.notice = q.stopped.map(|_| "The token is stopped: anything using it is refused from now on.");
    Ok(page.into_response())
}

async fn page(
    state: &AppState,
    person: &Person,
    headers: &HeaderMap,
    secure: bool,
    draft: Draft,
) -> AppResult<TokensPage> {
    let now = person.now();
    let tokens = state.store.api_tokens_of(person.id()).await?.iter().map(|t| TokenView::of(t, person, now)).collect();
    Ok(TokensPage {
        chrome: person.chrome("account"),
        parts: Category::ALL.iter().map(|c| (c.key(), c.short())).collect(),
        lifetimes: &LIFETIMES,
        draft,
        tokens,
        made: None,
        record_example: None,
        checkin_example: None,
        notice: None,
        base: super::calendar::public_base(state, headers, secure),
    })
}

/// A token as asked for on the form.
struct Asked {
    label: String,
    scope: Scope,
    doses: bool,
    checkins: bool,
    days: i64,
}

/// The form read, or what is wrong with it in words.
fn parse(pairs: &[(String, String)]) -> Result<Asked, String> {
    let label = crate::form::value(pairs, "label").trim().to_string();
    if label.is_empty() {
        return Err("Give the token a name, so you know later what uses it (e.g. \"My dose widget\").".into());
    }
    if label.chars().count() > MAX_LABEL {
        return Err(format!("A token's name can be at most {MAX_LABEL} characters."));
    }
    // On one line, and read as written: no control characters, none that turn text around.
    if label.chars().any(|c| {
        c.is_control() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }) {
        return Err("A token's name must be plain text on one line (no control or direction characters).".into());
    }
    let parts = pairs.iter().filter(|(k, _)| k == "part").map(|(_, v)| v.as_str());
    let mut scope = Scope::none();
    for p in parts {
        let c = Category::from_key(p).ok_or_else(|| format!("'{p}' is not a part of your record a token can read."))?;
        scope = scope.with(c);
    }
    let doses = crate::form::value(pairs, "doses") == "yes";
    if doses && !scope.contains(Category::PlanAndDoses) {
        return Err("A token that records doses must read your plan and doses too: tick \"plan and doses\".".into());
    }
    let checkins = crate::form::value(pairs, "checkins") == "yes";
    if checkins && !scope.contains(Category::CheckinScores) && !scope.contains(Category::Questionnaires) {
        return Err("A token that records check-ins or questionnaires must read them too: tick \"check-in scores\", \"questionnaires\" or both.".into());
    }
    if scope.is_empty() {
        return Err("Tick at least one part of your record for the token to read.".into());
    }
    let days: i64 = crate::form::value(pairs, "days").parse().unwrap_or(0);
    if !LIFETIMES.contains(&days) {
        return Err(format!("Choose how long the token works: {} days.", LIFETIMES.map(|d| d.to_string()).join(", ")));
    }
    Ok(Asked { label, scope, doses, checkins, days })
}

pub async fn make(
    State(state): State<AppState>,
    person: Person,
    Extension(secure): Extension<crate::csrf::SecureCookies>,
    headers: HeaderMap,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let now = person.now();
    let working = state.store.api_tokens_working(person.id(), now).await?;
    let parsed = parse(&pairs).and_then(|p| {
        if working >= MAX_WORKING {
            Err(format!("You have {MAX_WORKING} tokens that work: stop one you no longer use first."))
        } else {
            Ok(p)
        }
    });
    let asked = match parsed {
        Ok(p) => p,
        Err(message) => {
            let draft = Draft {
                label: crate::form::value(&pairs, "label"),
                parts: pairs.iter().filter(|(k, _)| k == "part").map(|(_, v)| v.clone()).collect(),
                doses: crate::form::value(&pairs, "doses") == "yes",
                checkins: crate::form::value(&pairs, "checkins") == "yes",
                days: crate::form::value(&pairs, "days").parse().unwrap_or(LIFETIMES[0]),
                error: Some(message),
            };
            return Ok(crate::views::again(page(&state, &person, &headers, secure.0, draft).await?));
        }
    };
    let token = access_tokens::fresh();
    let expires = now
        .checked_add(jiff::SignedDuration::from_hours(asked.days * 24))
        .map_err(|e| AppError::internal("a token's expiry", e))?;
    let new = taper_store::NewApiToken {
        token_hash: &access_tokens::stored_hash(&token),
        label: &asked.label,
        scope: asked.scope.bits(),
        record_doses: asked.doses,
        record_checkins: asked.checkins,
        expires,
    };
    state.store.api_token_add(person.id(), &new, now).await?;
    person
        .ctx
        .session
        .insert(JUST_MADE, token)
        .await
        .map_err(|e| AppError::internal("keeping a new token for its page", e))?;
    Ok(Redirect::to("/account/tokens#token-made").into_response())
}

/// Stops one of the person's tokens; a token that is not theirs is not found.
pub async fn revoke(State(state): State<AppState>, person: Person, Path(id): Path<String>) -> AppResult<Response> {
    let id: taper_store::ApiTokenId = id.parse().map_err(|_| AppError::NotFound)?;
    if !state.store.api_token_revoke(person.id(), id, person.now()).await? {
        let mine = state.store.api_tokens_of(person.id()).await?.into_iter().any(|t| t.id == id);
        if !mine {
            return Err(AppError::NotFound);
        }
    }
    Ok(Redirect::to("/account/tokens?stopped=1#tokens").into_response())
}
