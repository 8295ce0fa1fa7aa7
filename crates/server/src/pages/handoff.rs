//! For the prescriber (issue 22): the page where a person makes a summary of their record
//! (`summary`) to open or download, makes and stops links a prescriber opens it with
//! (`health_links`), and downloads the FHIR file.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
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

/// Where a link just made waits, with its passcode, for the page that shows it once (a reload
/// of that page must not make another link: a walk made two that way).
const JUST_MADE: &str = "handoff-link-made";

/// The hand-off page: choose what the summary holds, open it or download it; links made for a
/// prescriber; the FHIR file.
pub async fn show(
    State(state): State<AppState>,
    person: Person,
    headers: axum::http::HeaderMap,
    secure: axum::Extension<crate::csrf::SecureCookies>,
    Query(q): Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    let just_made = person.ctx.session.remove::<(String, String)>(JUST_MADE).await.ok().flatten();
    let mut page = page(&state, &person, &headers, secure.0.0, Draft::default(), just_made).await?;
    if !crate::form::value(&q, "stopped").is_empty() {
        page.notice = Some("The link is stopped: it opens nothing from now on.".into());
    }
    Ok(page.into_response())
}

/// The page's three forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Summary,
    Link,
    Order,
}

impl Form {
    fn named(name: &str) -> Option<Form> {
        match name {
            "summary" => Some(Form::Summary),
            "link" => Some(Form::Link),
            "order" => Some(Form::Order),
            _ => None,
        }
    }
}

/// The choices as the person made them in the form that was refused, shown again with what was
/// wrong beside that form; the other forms show their defaults (a walk: a refused form came
/// back with the defaults ticked, and its error sat above another form).
#[derive(Debug, Clone)]
pub struct Draft {
    pub parts: Vec<String>,
    pub days: i64,
    pub expires: i64,
    pub label: String,
    pub error: Option<String>,
    pub form: Form,
}

impl Default for Draft {
    fn default() -> Draft {
        Draft {
            parts: default_parts(),
            days: DEFAULT_PERIOD,
            expires: LIFETIMES[0],
            label: String::new(),
            error: None,
            form: Form::Summary,
        }
    }
}

/// Ticked at first: every part but the notes, which are the person's own words.
fn default_parts() -> Vec<String> {
    Category::ALL.iter().filter(|c| **c != Category::CheckinNotes).map(|c| c.key().to_string()).collect()
}

impl Draft {
    pub fn refused(pairs: &[(String, String)], error: String, form: Form) -> Draft {
        let fallback = Draft::default();
        Draft {
            parts: crate::form::values(pairs, "part"),
            days: crate::form::value(pairs, "days").parse().unwrap_or(fallback.days),
            expires: crate::form::value(pairs, "expires").parse().unwrap_or(fallback.expires),
            label: crate::form::value(pairs, "label"),
            error: Some(error),
            form,
        }
    }

    /// Whether this draft is the one `form` (by name) shows.
    fn is(&self, form: &str) -> bool {
        self.error.is_some() && Form::named(form) == Some(self.form)
    }

    pub fn ticked_in(&self, form: &str, key: &str) -> bool {
        if self.is(form) { self.parts.iter().any(|p| p == key) } else { default_parts().iter().any(|p| p == key) }
    }

    pub fn days_in(&self, form: &str) -> i64 {
        if self.is(form) { self.days } else { Draft::default().days }
    }

    pub fn error_in(&self, form: &str) -> Option<&str> {
        self.error.as_deref().filter(|_| self.is(form))
    }
}

/// The page, with a refused choice shown again, or a link just made (its id and passcode,
/// shown this once).
pub async fn page(
    state: &AppState,
    person: &Person,
    headers: &axum::http::HeaderMap,
    secure: bool,
    draft: Draft,
    just_made: Option<(String, String)>,
) -> AppResult<HandoffPage> {
    let base = super::calendar::public_base(state, headers, secure);
    let links = super::health_links::views(state, person, &base).await?;
    let made = just_made.and_then(|(id, passcode)| links.iter().find(|l| l.id == id).map(|l| (l.clone(), passcode)));
    Ok(HandoffPage {
        chrome: person.chrome("sharing"),
        parts: Category::ALL.iter().map(|c| (c.key(), c.describe())).collect(),
        periods: PERIODS.to_vec(),
        lifetimes: LIFETIMES.to_vec(),
        draft,
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
            let draft = Draft::refused(&pairs, message, Form::Summary);
            let page = page(&state, &person, &headers, secure.0.0, draft, None).await?;
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let made = made_by(&state, person.id(), person.now(), choice).await?;
    if crate::form::value(&pairs, "as") == "pdf" {
        let bytes = state.summary_pdf(made.doc, made.chart).await?;
        return Ok(super::pdf_download(&format!("taper-summary-{}.pdf", person.today()), bytes));
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

/// Makes a link; the page it goes to shows it, with its passcode, once.
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
            let draft = Draft::refused(&pairs, message, Form::Link);
            let page = page(&state, &person, &headers, secure.0.0, draft, None).await?;
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
    let id = state.store.health_link_add(person.id(), &link, now).await?;
    person
        .ctx
        .session
        .insert(JUST_MADE, (id.to_string(), passcode))
        .await
        .map_err(|e| AppError::internal("keeping a new link's passcode for its page", e))?;
    Ok(Redirect::to("/handoff#link-made").into_response())
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
    /// (field value, words).
    pub parts: Vec<(&'static str, &'static str)>,
    pub periods: Vec<i64>,
    pub lifetimes: Vec<i64>,
    pub draft: Draft,
    pub notice: Option<String>,
    /// A link just made, with its passcode.
    pub made: Option<(super::health_links::LinkView, String)>,
    /// The person's links, newest first.
    pub links: Vec<super::health_links::LinkView>,
    pub max_failures: i64,
}
