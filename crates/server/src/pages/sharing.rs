//! Consent: a person invites someone with a one-time code, sees who has access and every read
//! of their record, and can stop sharing at any time. The invitee accepts the code.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use taper_core::consent::{Category, Scope};
use taper_store::StoreError;

use crate::AppState;
use crate::auth::Person;
use crate::error::{AppError, AppResult};
use crate::form;
use crate::views;
use askama::Template;
use askama_web::WebTemplate;

/// Access-log entries shown on the Sharing page, newest first.
const LOG_SHOWN: usize = 200;

/// Days an invitation code stays valid.
pub const INVITE_DAYS: i64 = 7;
/// No 0/O or 1/I, so a code read aloud or copied by hand survives.
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Twelve characters, each from 32 with equal chance: 60 random bits. Bytes 6 and 8 of a
/// version-4 UUID carry its version and variant, so only the other fourteen are drawn from
/// (security probe L9: one position had only 16 values).
fn new_code() -> String {
    let random = uuid::Uuid::new_v4().into_bytes();
    let bytes = random.iter().enumerate().filter(|(i, _)| *i != 6 && *i != 8).map(|(_, b)| *b);
    let chars: String = bytes.take(12).map(|b| ALPHABET[usize::from(b) % ALPHABET.len()] as char).collect();
    format!("{}-{}-{}", &chars[..4], &chars[4..8], &chars[8..])
}

/// Upper-case letters and digits only, so spaces, dashes and case do not matter.
fn normalise(code: &str) -> String {
    code.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
}

fn hash(code: &str) -> String {
    Sha256::digest(normalise(code).as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

async fn page(
    state: &AppState,
    person: &Person,
    new_code: Option<(String, String)>,
    notice: Option<String>,
) -> AppResult<Sharing> {
    let tz = person.tz.clone();
    let when = |t: jiff::Timestamp| t.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string();
    let shares = state
        .store
        .shares_of(person.id())
        .await?
        .into_iter()
        .map(|s| ShareView {
            id: s.id.to_string(),
            sees: s.scope.categories().map(Category::short).collect::<Vec<_>>().join(", "),
            choices: choices(s.scope),
            name: s.grantee_name,
            role: s.grantee_role.label().to_string(),
            can_propose: s.can_propose,
            since: when(s.created_at),
            revoked: s.revoked_at.map(when),
        })
        .collect();
    // The newest entries on the page; all of them are in the export (security probe L5: a
    // long log buried the page).
    let all = state.store.access_log(person.id()).await?;
    let log_more = all.len().saturating_sub(LOG_SHOWN);
    let log = all
        .into_iter()
        .take(LOG_SHOWN)
        .map(|a| LogView {
            at: when(a.at),
            who: a.actor_name,
            what: if a.times > 1 { format!("{} ({} times within a minute)", a.action, a.times) } else { a.action },
        })
        .collect();
    let pending = state
        .store
        .pending_invites(person.id(), person.now())
        .await?
        .into_iter()
        .map(|i| InviteView {
            handle: i.handle,
            label: i.label,
            sees: i.scope.categories().map(Category::short).collect::<Vec<_>>().join(", "),
            can_propose: i.can_propose,
            made: when(i.created_at),
            expires: when(i.expires_at),
        })
        .collect();
    // Links made for a prescriber are a way in too: said here, stopped on the hand-off page.
    let now = jiff::Timestamp::now();
    let links_open =
        state.store.health_links_of(person.id()).await?.iter().filter(|l| super::health_links::usable(l, now)).count();
    // And tokens an app of the person's own reads with (a walk: Sharing said no one could).
    let tokens_working = state.store.api_tokens_working(person.id(), now).await?;
    Ok(Sharing {
        links_open,
        tokens_working,
        chrome: person.chrome("sharing"),
        categories: choices(Scope::all()),
        shares,
        log,
        log_more,
        pending,
        new_code,
        notice,
    })
}

/// One checkbox per category, ticked when `scope` holds it.
fn choices(scope: Scope) -> Vec<CategoryView> {
    Category::ALL
        .into_iter()
        .map(|c| CategoryView { key: c.key(), text: c.describe(), checked: scope.contains(c) })
        .collect()
}

/// The ticked categories of a sharing form (field `share`, one value per box).
fn parse_scope(pairs: &[(String, String)]) -> Result<Scope, String> {
    let keys = form::values(pairs, "share");
    Scope::parse(keys.iter().map(String::as_str))
}

/// Where an invitation just made waits for the page that shows its code once (a reload of a page
/// made by the form made another invitation each time: a walk).
const JUST_MADE: &str = "invite-made";

/// What a change on this page did, said on the page it redirects to (so a reload changes nothing).
#[derive(Deserialize)]
pub struct Done {
    #[serde(default)]
    done: Option<String>,
}

impl Done {
    fn words(&self) -> Option<String> {
        Some(
            match self.done.as_deref()? {
                "stopped" => "Sharing stopped. They can no longer see your record.",
                "saved" => "Saved. From now on they see only what is ticked.",
                "cancelled" => "Invitation cancelled. That code no longer works.",
                _ => return None,
            }
            .to_string(),
        )
    }
}

pub async fn show(
    State(state): State<AppState>,
    person: Person,
    headers: HeaderMap,
    Query(done): Query<Done>,
) -> AppResult<Response> {
    let made = person.ctx.session.remove::<String>(JUST_MADE).await.ok().flatten();
    let made = made.map(|code| {
        let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("localhost");
        let link = format!("http://{host}/join/{code}");
        (code, link)
    });
    Ok(page(&state, &person, made, done.words()).await?.into_response())
}

/// Longest note on whom an invitation is for.
const LABEL_MAX: usize = 80;

/// The person's own note on an invitation: trimmed, short, one line.
fn parse_label(raw: &str) -> Result<String, String> {
    let label = raw.trim();
    if label.chars().count() > LABEL_MAX {
        return Err(format!(
            "\"Who is it for?\" can be up to {LABEL_MAX} characters; yours has {}.",
            label.chars().count()
        ));
    }
    if label.chars().any(char::is_control) {
        return Err("\"Who is it for?\" must be on one line.".into());
    }
    Ok(label.to_string())
}

pub async fn invite(
    State(state): State<AppState>,
    person: Person,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let parsed = parse_label(&form::value(&pairs, "label")).and_then(|l| Ok((l, parse_scope(&pairs)?)));
    let (label, scope) = match parsed {
        Ok(v) => v,
        Err(msg) => return Ok(views::again(page(&state, &person, None, Some(msg)).await?)),
    };
    let can_propose = form::value(&pairs, "can_propose") == "yes";
    let code = new_code();
    let now = person.now();
    let expires = now.checked_add(jiff::SignedDuration::from_hours(24 * INVITE_DAYS)).unwrap_or(now);
    state.store.create_invite(person.id(), &hash(&code), &label, can_propose, scope, now, expires).await?;
    person.ctx.session.insert(JUST_MADE, code).await.map_err(|e| AppError::internal("keeping a new invitation", e))?;
    Ok(Redirect::to("/sharing#invite-code").into_response())
}

pub async fn revoke(State(state): State<AppState>, person: Person, Path(id): Path<String>) -> AppResult<Response> {
    let id: taper_store::ShareId = id.parse().map_err(|_| AppError::NotFound)?;
    state.store.revoke_share(person.id(), id, person.now()).await?;
    tracing::info!(user = %person.id(), "sharing stopped");
    Ok(Redirect::to("/sharing?done=stopped").into_response())
}

/// Changes what one supporter sees, from the next page they open.
pub async fn set_scope(
    State(state): State<AppState>,
    person: Person,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let id: taper_store::ShareId = id.parse().map_err(|_| AppError::NotFound)?;
    // Whose share it is comes first, so a stranger learns nothing from the form's errors.
    if !state.store.shares_of(person.id()).await?.iter().any(|s| s.id == id && s.revoked_at.is_none()) {
        return Err(AppError::NotFound);
    }
    let scope = match parse_scope(&pairs) {
        Ok(s) => s,
        // Keeping nothing is what "Stop sharing" is for; say so rather than guess.
        Err(msg) => {
            let msg = format!("{msg} To share nothing at all, use \"Stop sharing\".");
            return Ok(views::again(page(&state, &person, None, Some(msg)).await?));
        }
    };
    match state.store.set_share_scope(person.id(), id, scope).await {
        Ok(()) => Ok(Redirect::to("/sharing?done=saved").into_response()),
        Err(StoreError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

pub async fn cancel_invite(
    State(state): State<AppState>,
    person: Person,
    Path(handle): Path<String>,
) -> AppResult<Response> {
    // Only a hash is a handle: anything else cannot name an invitation.
    if handle.len() != 64 || !handle.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    match state.store.cancel_invite(person.id(), &handle).await {
        Ok(()) => Ok(Redirect::to("/sharing?done=cancelled").into_response()),
        Err(StoreError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

pub async fn join_form(person: Person) -> AppResult<Response> {
    Ok(Join { chrome: person.chrome("join"), code: String::new(), error: None, signed_out: false }.into_response())
}

/// An invitation link. Signed out, the page says to sign in or make an account and come back,
/// with the code shown (a walk: the link went to a bare sign-in page that never mentioned the
/// invitation, and after signing up the clinician met an empty caseload).
pub async fn join_link(
    ctx: crate::auth::Ctx,
    axum::Extension(secure): axum::Extension<crate::csrf::SecureCookies>,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let code = normalise(&code);
    if ctx.user.is_some() {
        return Ok(Join { chrome: ctx.chrome("join"), code, error: None, signed_out: false }.into_response());
    }
    let ctx = ctx.with_token(secure);
    Ok(ctx.send(Join { chrome: ctx.chrome("join"), code, error: None, signed_out: true }))
}

#[derive(Deserialize)]
pub struct JoinForm {
    #[serde(default)]
    code: String,
}

pub async fn join(State(state): State<AppState>, person: Person, Form(f): Form<JoinForm>) -> AppResult<Response> {
    let refuse = |msg: &str| {
        views::again(Join {
            chrome: person.chrome("join"),
            code: f.code.clone(),
            error: Some(msg.into()),
            signed_out: false,
        })
    };
    // Codes cannot be guessed in any useful time (12 characters of 32), and this keeps it so.
    if let Some(wait) =
        crate::throttle::attempt(&state, crate::throttle::Limit::Redeem, &person.id().to_string()).await?
    {
        return Ok(crate::throttle::refused(refuse(&crate::throttle::wait_words(wait)), wait));
    }
    if normalise(&f.code).len() != 12 {
        return Ok(refuse("An invitation code has 12 letters and digits, like ABCD-EFGH-JKLM."));
    }
    // Checked before the code is used, so a code tried on the wrong account still works on the
    // right one. A record shared into a personal account would appear on no caseload.
    if !person.user.role.is_supporter() {
        return Ok(refuse(
            "This account is for your own taper, so it cannot accept an invitation code (if the code is \
             yours, give it to the person who supports you). To support someone, sign up with a separate \
             clinician or peer-supporter account and use the code there; it stays valid.",
        ));
    }
    match state.store.redeem_invite(&hash(&f.code), person.id(), person.now()).await {
        Ok(share) => {
            tracing::info!(grantee = %person.id(), owner = %share.owner, "sharing accepted");
            Ok(Redirect::to(&format!("/people/{}", share.owner)).into_response())
        }
        Err(StoreError::NotFound) => {
            Ok(refuse("That code is not valid: it may have been used already or be more than 7 days old."))
        }
        Err(StoreError::Conflict(_)) => {
            Ok(refuse("That is your own code: give it to the person you want to share with."))
        }
        Err(e) => Err(e.into()),
    }
}

// View models: what this area's templates show.

pub struct ShareView {
    pub id: String,
    /// What they see, in words.
    pub sees: String,
    pub choices: Vec<CategoryView>,
    pub name: String,
    pub role: String,
    pub can_propose: bool,
    pub since: String,
    pub revoked: Option<String>,
}

pub struct LogView {
    pub at: String,
    pub who: String,
    pub what: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "sharing.html")]
pub struct Sharing {
    pub chrome: crate::views::Chrome,
    /// Links for a prescriber that work now.
    pub links_open: usize,
    /// API tokens that work now (Account, API tokens).
    pub tokens_working: i64,
    /// The invitation form's boxes, all ticked.
    pub categories: Vec<CategoryView>,
    pub shares: Vec<ShareView>,
    pub log: Vec<LogView>,
    /// Older entries not shown (they are in the export).
    pub log_more: usize,
    pub pending: Vec<InviteView>,
    pub new_code: Option<(String, String)>,
    pub notice: Option<String>,
}

/// One part of the record a person may share, as a checkbox.
pub struct CategoryView {
    pub key: &'static str,
    pub text: &'static str,
    pub checked: bool,
}

/// An invitation nobody has accepted yet, as its owner sees it.
pub struct InviteView {
    pub handle: String,
    pub label: String,
    pub sees: String,
    pub can_propose: bool,
    pub made: String,
    pub expires: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "join.html")]
pub struct Join {
    pub chrome: crate::views::Chrome,
    pub code: String,
    pub error: Option<String>,
    /// Opened from an invitation link by someone not signed in.
    pub signed_out: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_readable_and_typing_variations_do_not_matter() {
        let c = new_code();
        assert_eq!(c.len(), 14);
        assert!(normalise(&c).bytes().all(|b| ALPHABET.contains(&b)));
        assert_eq!(hash(&c), hash(&c.to_lowercase().replace('-', " ")));
        assert_ne!(new_code(), new_code());
        // Every position takes every one of the 32 characters (L9: position 7 took 16).
        let mut seen = vec![std::collections::BTreeSet::new(); 12];
        for _ in 0..2000 {
            for (i, b) in normalise(&new_code()).bytes().enumerate() {
                seen[i].insert(b);
            }
        }
        assert!(
            seen.iter().all(|s| s.len() == ALPHABET.len()),
            "{:?}",
            seen.iter().map(|s| s.len()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn an_invitation_label_is_one_short_line() {
        assert_eq!(parse_label("  for Dr Lee "), Ok("for Dr Lee".into()));
        assert!(parse_label(&"x".repeat(LABEL_MAX + 1)).unwrap_err().contains("up to 80 characters"));
        assert!(parse_label("two\nlines").unwrap_err().contains("one line"));
    }
}
