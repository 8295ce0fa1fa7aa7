//! For the prescriber (issue 22): the page where a person makes a summary of their record
//! (`summary`) to open or download, makes and stops links a prescriber opens it with
//! (`health_links`), and downloads the FHIR file.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::SignedDuration;
use taper_core::consent::Category;
use taper_report::shl::{self, FileKey};

use crate::AppState;
use crate::auth::Person;
use crate::cookies::stored_hash;
use crate::error::{AppError, AppResult};
use crate::pages::summary::{Choice, DEFAULT_PERIOD, PERIODS, SummaryPage, made_by};
use crate::views::Chrome;

/// The hand-off page: choose what the summary holds, open it or download it; links made for a
/// prescriber; the FHIR file.
pub async fn show(
    State(state): State<AppState>,
    person: Person,
    headers: axum::http::HeaderMap,
    secure: axum::Extension<crate::csrf::SecureCookies>,
    Query(q): Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    let mut page = page(&state, &person, &headers, secure.0.0, None, None).await?;
    if !crate::form::value(&q, "stopped").is_empty() {
        page.notice = Some("The link is stopped: it opens nothing from now on.".into());
    }
    Ok(page.into_response())
}

/// The page, with an error in the choice, or a link just made and its passcode (shown once).
pub async fn page(
    state: &AppState,
    person: &Person,
    headers: &axum::http::HeaderMap,
    secure: bool,
    error: Option<String>,
    passcode: Option<String>,
) -> AppResult<HandoffPage> {
    let base = super::calendar::public_base(state, headers, secure);
    let mut links = super::health_links::views(state, person, &base).await?;
    // A link just made is the newest; it is shown on its own, with its passcode.
    let made = match passcode {
        Some(p) if !links.is_empty() => Some((links.remove(0), p)),
        _ => None,
    };
    Ok(HandoffPage {
        chrome: person.chrome("sharing"),
        parts: Category::ALL
            .iter()
            // Notes are the person's own words: left for them to tick.
            .map(|c| (c.key(), c.describe(), *c != Category::CheckinNotes))
            .collect(),
        periods: PERIODS.iter().map(|d| (*d, *d == DEFAULT_PERIOD)).collect(),
        error,
        notice: None,
        made,
        links,
        max_failures: super::health_links::MAX_FAILURES,
    })
}

/// The summary, as a page (`?as=page`, the default) or a PDF (`?as=pdf`).
pub async fn summary(
    State(state): State<AppState>,
    person: Person,
    headers: axum::http::HeaderMap,
    secure: axum::Extension<crate::csrf::SecureCookies>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    let choice = match Choice::parse(&pairs) {
        Ok(c) => c,
        Err(message) => {
            let page = page(&state, &person, &headers, secure.0.0, Some(message), None).await?;
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let made = made_by(&state, person.id(), person.now(), choice).await?;
    if crate::form::value(&pairs, "as") == "pdf" {
        let bytes = state.summary_pdf(made.doc, made.chart).await?;
        let name = format!("attachment; filename=\"taper-summary-{}.pdf\"", person.today());
        return Ok((
            [(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, name)],
            bytes,
        )
            .into_response());
    }
    // The same choice, as a PDF.
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(k, _)| k != "as"))
        .append_pair("as", "pdf")
        .finish();
    let pdf_link = Some(format!("/handoff/summary?{query}"));
    Ok(SummaryPage { chrome: person.chrome("sharing"), doc: made.doc, chart: made.chart, pdf_link, shared: false }
        .into_response())
}

/// How long a link lasts: the person chooses (issue 22: 7 or 30 days).
const LIFETIMES: [i64; 2] = [7, 30];

fn seconds(days: i64) -> SignedDuration {
    SignedDuration::from_hours(days.saturating_mul(24))
}

/// What the person wrote in the form that makes a link.
struct LinkForm {
    choice: Choice,
    lifetime: i64,
    label: String,
}

impl LinkForm {
    fn parse(pairs: &[(String, String)]) -> Result<LinkForm, String> {
        let choice = Choice::parse(pairs)?;
        let lifetime = crate::form::value(pairs, "expires")
            .parse()
            .ok()
            .filter(|d| LIFETIMES.contains(d))
            .ok_or("How long it lasts: choose 7 or 30 days.")?;
        let label = crate::form::value(pairs, "label").trim().to_string();
        if label.chars().count() > shl::LABEL_MAX {
            return Err(format!("The label: at most {} characters.", shl::LABEL_MAX));
        }
        Ok(LinkForm { choice, lifetime, label })
    }
}

/// Makes a link and shows it, with its passcode, once.
pub async fn make_link(
    State(state): State<AppState>,
    person: Person,
    headers: HeaderMap,
    secure: axum::Extension<crate::csrf::SecureCookies>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let form = match LinkForm::parse(&pairs) {
        Ok(f) => f,
        Err(message) => {
            let page = page(&state, &person, &headers, secure.0.0, Some(message), None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let (token, key, passcode) = (shl::fresh_token(), FileKey::generate(), shl::passcode());
    let label = if form.label.is_empty() { "Taper summary".to_string() } else { form.label.clone() };
    let passcode_hash = crate::auth::hash_password(shl::passcode_typed(&passcode)).await?;
    let now = person.now();
    let link = taper_store::NewHealthLink {
        token: &token,
        token_hash: &stored_hash(&token),
        key: &key.encoded(),
        passcode_hash: &passcode_hash,
        label: &label,
        scope: form.choice.scope.bits(),
        days: form.choice.days,
        expires: now.checked_add(seconds(form.lifetime)).map_err(|e| AppError::internal("a link's expiry", e))?,
    };
    state.store.health_link_add(person.id(), &link, now).await?;
    let page = page(&state, &person, &headers, secure.0.0, None, Some(passcode)).await?;
    Ok(page.into_response())
}

/// Stops one of the person's links; a link that is not theirs is not found.
pub async fn revoke_link(State(state): State<AppState>, person: Person, Path(id): Path<String>) -> AppResult<Response> {
    let id: taper_store::HealthLinkId = id.parse().map_err(|_| AppError::NotFound)?;
    if !state.store.health_link_revoke(person.id(), id, person.now()).await? {
        let mine = state.store.health_links_of(person.id()).await?.into_iter().any(|l| l.id == id);
        if !mine {
            return Err(AppError::NotFound);
        }
    }
    Ok(Redirect::to("/handoff?stopped=1#links").into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "handoff.html")]
pub struct HandoffPage {
    pub chrome: Chrome,
    /// (field value, words, ticked at first).
    pub parts: Vec<(&'static str, &'static str, bool)>,
    /// (days, chosen at first).
    pub periods: Vec<(i64, bool)>,
    pub error: Option<String>,
    pub notice: Option<String>,
    /// A link just made, with its passcode.
    pub made: Option<(super::health_links::LinkView, String)>,
    /// The person's other links, newest first.
    pub links: Vec<super::health_links::LinkView>,
    pub max_failures: i64,
}
