//! SMART Health Links (issue 22): a person makes an expiring, passcode-protected link to a
//! summary of their record (made and stopped on the hand-off page, `handoff`), for a prescriber
//! with no account. One link serves two readers:
//!
//! - a person, at `/s/{token}`: the passcode, then the summary as a page and a PDF;
//! - a SMART viewer, given the `shlink:/` (the QR code carries it after `/s/{token}#`): it posts
//!   the passcode to the manifest, `/shl/{token}`, and gets the FHIR Bundle as a JWE it opens
//!   with the key the link carries.
//!
//! A link stops at its expiry, when the person revokes it, and after [`MAX_FAILURES`] wrong
//! passcodes. Every view is written in the person's access log under the link.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use taper_core::consent::Scope;
use taper_report::shl::{self, FileKey, LinkPayload};

use crate::AppState;
use crate::auth::{Ctx, Person};
use crate::cookies::stored_hash;
use crate::error::{AppError, AppResult};
use crate::pages::summary::{self, Choice};
use crate::views::Chrome;

/// Wrong passcodes a link takes before it stops (the specification's server "limits attempts").
pub const MAX_FAILURES: i64 = 10;
/// How many of a token's last characters tell a link apart on the person's page.
const LINK_ENDING: usize = 6;
/// A name a viewer gives, at most.
const NAME_MAX: usize = 200;
/// The FHIR Bundle's content type, as the manifest names it.
const FHIR: &str = "application/fhir+json";

/// A link's state for someone holding it: usable, or stopped (all alike to the holder).
pub(crate) fn usable(link: &taper_store::HealthLink, now: Timestamp) -> bool {
    link.revoked.is_none() && now < link.expires && link.failures < MAX_FAILURES
}

/// How a link shows on the person's page: its address, QR code and `shlink:/`, its state.
#[derive(Clone)]
pub struct LinkView {
    pub id: String,
    pub label: String,
    pub address: String,
    pub shlink: String,
    pub qr: String,
    pub parts: String,
    /// "the last 90 days".
    pub period: String,
    /// The token's last characters, to tell links apart.
    pub ending: String,
    pub made: String,
    pub state: String,
    pub live: bool,
}

/// The person's links, newest first.
pub async fn views(state: &AppState, person: &Person, base: &str) -> AppResult<Vec<LinkView>> {
    let now = person.now();
    let day = |t: Timestamp| crate::pages::long_date(t.to_zoned_datetime(person.tz.clone()).date());
    let links = state.store.health_links_of(person.id()).await?;
    Ok(links
        .into_iter()
        .map(|l| {
            let address = format!("{base}/s/{}", l.token);
            let key = FileKey::decode(&l.key);
            let shlink = key.map_or_else(String::new, |k| {
                LinkPayload::with_passcode(format!("{base}/shl/{}", l.token), &k, l.expires.as_second(), &l.label)
                    .uri(Some(&address))
            });
            let opened = match (l.views, l.last_viewed) {
                (0, _) | (_, None) => "not opened yet".to_string(),
                (1, Some(t)) => format!("opened once, on {}", day(t)),
                (n, Some(t)) => format!("opened {n} times, last on {}", day(t)),
            };
            let state = match (l.revoked, l.failures >= MAX_FAILURES, now >= l.expires) {
                (Some(t), _, _) => format!("Stopped on {}; {opened}.", day(t)),
                (None, true, _) => format!("Stopped after {MAX_FAILURES} wrong passcodes; {opened}."),
                (None, false, true) => format!("Expired on {}; {opened}.", day(l.expires)),
                (None, false, false) => format!("Works until {}; {opened}.", day(l.expires)),
            };
            LinkView {
                id: l.id.to_string(),
                qr: shl::qr_svg(&shlink).unwrap_or_default(),
                parts: Scope::from_bits(l.scope).categories().map(|c| c.short()).collect::<Vec<_>>().join(", "),
                period: format!("the last {} days", l.days),
                ending: l.token.chars().rev().take(LINK_ENDING).collect::<Vec<_>>().into_iter().rev().collect(),
                made: day(l.made),
                live: usable(&l, now),
                label: l.label,
                address,
                shlink,
                state,
            }
        })
        .collect())
}

/// The session's note that this visitor gave this link's passcode.
fn opened_key(link: &taper_store::HealthLink) -> String {
    format!("shl-opened:{}", link.id)
}

/// The link behind `token`, while it works.
async fn live_link(state: &AppState, token: &str, now: Timestamp) -> AppResult<Option<taper_store::HealthLink>> {
    if !shl::is_token(token) {
        return Ok(None);
    }
    Ok(state.store.health_link_by_token(&stored_hash(token)).await?.filter(|l| usable(l, now)))
}

fn gone(ctx: &Ctx) -> Response {
    let page = ViewerPage {
        chrome: ctx.chrome(""),
        token: String::new(),
        label: String::new(),
        name: String::new(),
        error: None,
        gone: true,
    };
    (StatusCode::NOT_FOUND, page).into_response()
}

/// The page a link opens: the passcode asked, or the summary when this visitor gave it already.
pub async fn open_form(
    State(state): State<AppState>,
    ctx: Ctx,
    secure: axum::Extension<crate::csrf::SecureCookies>,
    Path(token): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    let now = Timestamp::now();
    let Some(link) = live_link(&state, &token, now).await? else { return Ok(gone(&ctx)) };
    if ctx.session.get::<bool>(&opened_key(&link)).await.ok().flatten() == Some(true) {
        let pdf = crate::form::value(&q, "as") == "pdf";
        return shown(&state, &ctx, &link, &token, pdf, now).await;
    }
    let ctx = ctx.with_token(secure.0);
    let label = link.label.clone();
    Ok(ctx.send(ViewerPage { chrome: ctx.chrome(""), token, label, name: String::new(), error: None, gone: false }))
}

/// The passcode given: the summary when it is right, the form again (with the tries left) when
/// it is wrong, the link stopped at the last wrong try.
pub async fn open(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let now = Timestamp::now();
    let Some(link) = live_link(&state, &token, now).await? else { return Ok(gone(&ctx)) };
    let typed = shl::passcode_typed(&crate::form::value(&pairs, "passcode"));
    let name: String = crate::form::value(&pairs, "name").trim().chars().take(NAME_MAX).collect();
    if !crate::auth::password_matches(typed, link.passcode_hash.clone()).await? {
        let failures = wrong_passcode(&state, &link, &name, now).await?;
        if failures >= MAX_FAILURES {
            return Ok(gone(&ctx));
        }
        let left = MAX_FAILURES - failures;
        let error = format!(
            "That passcode is not right. {left} {} left before the link stops; ask the person who sent it for \
             the passcode.",
            if left == 1 { "try" } else { "tries" }
        );
        let label = link.label.clone();
        let page = ViewerPage { chrome: ctx.chrome(""), token, label, name, error: Some(error), gone: false };
        return Ok((StatusCode::UNAUTHORIZED, page).into_response());
    }
    ctx.session.insert(&opened_key(&link), true).await.map_err(|e| AppError::internal("keeping a link opened", e))?;
    if !name.is_empty() {
        ctx.session
            .insert(&format!("{}:name", opened_key(&link)), name)
            .await
            .map_err(|e| AppError::internal("keeping a name", e))?;
    }
    // Shown by a fresh GET, so a reload neither posts the passcode again nor counts a try.
    Ok(Redirect::to(&format!("/s/{token}")).into_response())
}

/// Counts a wrong passcode and writes it in the person's access log, with the link's stop at
/// the last one; the failures so far.
async fn wrong_passcode(
    state: &AppState,
    link: &taper_store::HealthLink,
    name: &str,
    now: Timestamp,
) -> AppResult<i64> {
    let failures = state.store.health_link_failed(link.id).await?;
    let who = who_of(name, &link.label);
    let what = if failures >= MAX_FAILURES {
        format!("gave a wrong passcode; after {MAX_FAILURES} the link has stopped")
    } else {
        "gave a wrong passcode".to_string()
    };
    state.store.health_link_logged(link, &who, &what, now).await?;
    Ok(failures)
}

/// Who looked, as the access log says it.
fn who_of(name: &str, label: &str) -> String {
    if name.is_empty() {
        format!("Someone with your link “{label}”")
    } else {
        format!("{name}, through your link “{label}”")
    }
}

/// The summary a link opens, as a page or a PDF, noted in the person's access log.
async fn shown(
    state: &AppState,
    ctx: &Ctx,
    link: &taper_store::HealthLink,
    token: &str,
    pdf: bool,
    now: Timestamp,
) -> AppResult<Response> {
    let name = ctx.session.get::<String>(&format!("{}:name", opened_key(link))).await.ok().flatten();
    let who = who_of(name.as_deref().unwrap_or_default(), &link.label);
    let what = if pdf { "downloaded your summary as a PDF" } else { "read your summary" };
    state.store.health_link_viewed(link, &who, what, now).await?;
    let choice = Choice { scope: Scope::from_bits(link.scope), days: link.days };
    let mut made = summary::made_by(state, link.owner, now, choice).await?;
    made.doc.made = format!("{}; shared through the link “{}”", made.doc.made, link.label);
    let mut response = if pdf {
        let bytes = state.summary_pdf(made.doc, made.chart).await?;
        super::pdf_download(&format!("taper-summary-{}.pdf", now.strftime("%Y-%m-%d")), bytes)
    } else {
        let pdf_link = Some(format!("/s/{token}?as=pdf"));
        summary::SummaryPage { chrome: ctx.chrome(""), doc: made.doc, chart: made.chart, pdf_link, shared: true }
            .into_response()
    };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// A SMART viewer's request for the link's files (the specification's manifest request).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestRequest {
    recipient: String,
    #[serde(default)]
    passcode: String,
    #[serde(default)]
    embedded_length_max: Option<u64>,
}

/// The manifest: the FHIR Bundle as a JWE, for the right passcode; 401 with the tries left for a
/// wrong one; 404 for a link that does not work. Open to any origin: viewers are web apps
/// elsewhere, and the link's token and passcode are what let them in (no cookie is read).
pub async fn manifest(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    secure: axum::Extension<crate::csrf::SecureCookies>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let now = Timestamp::now();
    let answer = |status: StatusCode, value: serde_json::Value| {
        let mut r = (status, axum::Json(value)).into_response();
        r.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        r
    };
    let Some(link) = live_link(&state, &token, now).await? else {
        return Ok(answer(StatusCode::NOT_FOUND, serde_json::json!({ "error": "No such link, or it has stopped." })));
    };
    let request: ManifestRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            let message = format!("The request must be JSON with recipient and passcode: {e}");
            return Ok(answer(StatusCode::BAD_REQUEST, serde_json::json!({ "error": message })));
        }
    };
    let recipient: String = request.recipient.trim().chars().take(NAME_MAX).collect();
    if recipient.is_empty() {
        let message = "recipient: say who is asking (a name or an organisation).";
        return Ok(answer(StatusCode::BAD_REQUEST, serde_json::json!({ "error": message })));
    }
    if !crate::auth::password_matches(shl::passcode_typed(&request.passcode), link.passcode_hash.clone()).await? {
        let failures = wrong_passcode(&state, &link, &recipient, now).await?;
        let left = (MAX_FAILURES - failures).max(0);
        return Ok(answer(StatusCode::UNAUTHORIZED, serde_json::json!({ "remainingAttempts": left })));
    }
    let who = who_of(&recipient, &link.label);
    state.store.health_link_viewed(&link, &who, "fetched your plans and scores as FHIR", now).await?;
    let jwe = bundle_jwe(&state, &link, now).await?;
    if request.embedded_length_max.is_some_and(|max| max < jwe.len() as u64) {
        // Too long to embed for this viewer: a short-lived address instead, its ticket sealed
        // with a key only the server can make (`ticket_key`).
        let until = now.as_second().saturating_add(LOCATION_MINUTES * 60);
        let ticket = shl::encrypt(&ticket_key(&link), "text/plain", until.to_string().as_bytes());
        let location = format!("{}/shl/{token}/file/{ticket}", base_of(&state, &headers, secure.0.0));
        return Ok(answer(
            StatusCode::OK,
            serde_json::json!({ "files": [{ "contentType": FHIR, "location": location }] }),
        ));
    }
    Ok(answer(StatusCode::OK, serde_json::json!({ "files": [{ "contentType": FHIR, "embedded": jwe }] })))
}

/// How long a file's address from the manifest works, in minutes.
const LOCATION_MINUTES: i64 = 1;

fn base_of(state: &AppState, headers: &HeaderMap, secure: bool) -> String {
    super::calendar::public_base(state, headers, secure)
}

/// The link's FHIR Bundle (of its parts, as of the owner's today) as a JWE with the link's key:
/// what the manifest embeds and a file address serves.
async fn bundle_jwe(state: &AppState, link: &taper_store::HealthLink, now: Timestamp) -> AppResult<String> {
    let owner = state.store.user(link.owner).await?;
    let tz = jiff::tz::TimeZone::get(&owner.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let today = now.to_zoned_datetime(tz).date();
    let bundle = super::fhir::bundle_of(state, link.owner, today, Scope::from_bits(link.scope), link.days).await?;
    let key = FileKey::decode(&link.key).ok_or_else(|| AppError::bug("a link's key does not decode"))?;
    Ok(shl::encrypt(&key, FHIR, bundle.as_bytes()))
}

/// The key a file address's ticket is sealed with. Not the link's file key: whoever holds the
/// link holds that, and could make a ticket for any time without the passcode. Derived from the
/// passcode's hash, which never leaves the server (and changes with no link but its own).
fn ticket_key(link: &taper_store::HealthLink) -> FileKey {
    use sha2::Digest as _;
    let digest = sha2::Sha256::new()
        .chain_update(b"taper shl ticket\0")
        .chain_update(link.passcode_hash.as_bytes())
        .chain_update(b"\0")
        .chain_update(link.key.as_bytes())
        .finalize();
    FileKey::from_bytes(digest.into())
}

/// A file at the address a manifest gave: the JWE, while the ticket's minute lasts.
pub async fn file(State(state): State<AppState>, Path((token, ticket)): Path<(String, String)>) -> AppResult<Response> {
    let now = Timestamp::now();
    let link = live_link(&state, &token, now).await?.ok_or(AppError::NotFound)?;
    let until = shl::decrypt(&ticket_key(&link), &ticket)
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|t| t.parse::<i64>().ok())
        .ok_or(AppError::NotFound)?;
    if now.as_second() > until {
        return Err(AppError::NotFound);
    }
    let mut r = ([(header::CONTENT_TYPE, "application/jose")], bundle_jwe(&state, &link, now).await?).into_response();
    r.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// A viewer's preflight before it posts JSON from another origin.
pub async fn manifest_preflight() -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    let h = r.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST"));
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type"));
    r
}

#[derive(Template, WebTemplate)]
#[template(path = "link_open.html")]
pub struct ViewerPage {
    pub chrome: Chrome,
    pub token: String,
    /// The link's name, as the person gave it.
    pub label: String,
    /// The name the viewer typed, kept when a passcode is wrong.
    pub name: String,
    pub error: Option<String>,
    /// The link has stopped, expired, or never was.
    pub gone: bool,
}
