//! Accounts: sign-up, sign-in, sign-out, and the extractors that tell a handler who is asking.
//!
//! Passwords: 12–128 characters, no composition rules (ASVS 2.1.1, 2.1.2, 2.1.9), hashed with
//! argon2id at OWASP's minimum parameters (m = 19 MiB, t = 2, p = 1) on one thread per core.
//! Sign-in attempts are throttled per account and per address (`throttle`, ASVS 2.2.1). The session
//! id is replaced at sign-in and the session destroyed at sign-out (ASVS 3.2.1, 3.3.1).

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Deserialize;
use taper_store::{NewUser, StoreError, User};
use tower_sessions::Session;

use crate::error::{AppError, AppResult};
use taper_core::role::Role;

use crate::throttle::{self, ClientAddr, Limit};
use crate::views::{Chrome, Field};
use crate::{ABSOLUTE_HOURS, AppState, csrf};
use askama::Template;
use askama_web::WebTemplate;

pub const MIN_PASSWORD: usize = 12;
pub const MAX_PASSWORD: usize = 128;

use crate::sessions::{SEEN_AT, SIGNED_IN_AT, USER_KEY};

fn params() -> Params {
    // OWASP Password Storage Cheat Sheet minimum for argon2id: m=19456 KiB, t=2, p=1.
    Params::new(19_456, 2, 1, None).unwrap_or_default()
}

thread_local! {
    /// Each hashing thread's own argon2 working memory, made once and reused: allocating and
    /// freeing 19 MiB per sign-in left the C allocator holding ~250 MiB after a burst.
    static BLOCKS: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn with_blocks<T>(count: usize, work: impl FnOnce(&mut [argon2::Block]) -> T) -> T {
    BLOCKS.with_borrow_mut(|blocks| {
        if blocks.len() < count {
            *blocks = vec![argon2::Block::default(); count];
        }
        work(&mut blocks[..count])
    })
}

/// A new PHC string (argon2id, the parameters above, a random 16-byte salt) for `password`.
fn hash_here(password: &[u8]) -> Result<String, argon2::password_hash::Error> {
    use argon2::password_hash::phc::{Output, ParamsString, PasswordHash as Phc, Salt};
    let params = params();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let salt_bytes = *uuid::Uuid::new_v4().as_bytes();
    let salt = Salt::new(&salt_bytes)?;
    let mut out = [0u8; 32];
    with_blocks(params.block_count(), |b| argon.hash_password_into_with_memory(password, &salt, &mut out, b))?;
    let phc = Phc {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt),
        hash: Some(Output::new(&out)?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `stored`, with the parameters it records.
fn matches_here(password: &[u8], stored: &str) -> bool {
    use argon2::password_hash::phc::Output;
    let Ok(parsed) = PasswordHash::new(stored) else { return false };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return false };
    let (Ok(params), Ok(algorithm)) = (Params::try_from(&parsed), Algorithm::try_from(parsed.algorithm.as_str()))
    else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
        None => Version::default(),
    };
    let argon = Argon2::new(algorithm, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    let done =
        with_blocks(params.block_count(), |b| argon.hash_password_into_with_memory(password, &salt, &mut out, b));
    // Output's equality is constant-time.
    done.is_ok() && Output::new(&out).is_ok_and(|o| o == expected)
}

/// argon2 runs on a fixed set of threads, one per core, and nowhere else. Each computation takes
/// 19 MiB; on tokio's blocking pool every new thread brought its own allocator arena that kept
/// those megabytes, and 128 concurrent sign-ins took the process to 4.45 GB (security probe H3).
/// A few long-lived threads keep at most a few buffers. Requests beyond them wait in line, up to
/// [`HASH_WAIT`], then are told to try again.
struct Hashers {
    jobs: std::sync::Mutex<std::sync::mpsc::Sender<Box<dyn FnOnce() + Send>>>,
    free: tokio::sync::Semaphore,
}

static HASHERS: std::sync::LazyLock<Hashers> = std::sync::LazyLock::new(|| {
    let n = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let (tx, rx) = std::sync::mpsc::channel::<Box<dyn FnOnce() + Send>>();
    let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
    for i in 0..n {
        let rx = rx.clone();
        let spawned = std::thread::Builder::new().name(format!("argon2-{i}")).spawn(move || {
            loop {
                // The lock is held only while taking a job, never while running one.
                let job = match rx.lock() {
                    Ok(r) => r.recv(),
                    Err(_) => return,
                };
                match job {
                    Ok(job) => job(),
                    Err(_) => return,
                }
            }
        });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "could not start a password hashing thread");
        }
    }
    Hashers { jobs: std::sync::Mutex::new(tx), free: tokio::sync::Semaphore::new(n) }
});
/// How long a sign-in waits for a free hasher before being told to try again.
const HASH_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

async fn with_hasher<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    let _permit = tokio::time::timeout(HASH_WAIT, HASHERS.free.acquire())
        .await
        .map_err(|_| AppError::Busy)?
        .map_err(|e| AppError::internal("handling the request", e))?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Box<dyn FnOnce() + Send> = Box::new(move || {
        let _ = tx.send(work());
    });
    HASHERS
        .jobs
        .lock()
        .map_err(|_| AppError::bug("password hashers unavailable"))?
        .send(job)
        .map_err(|_| AppError::bug("password hashers stopped"))?;
    rx.await.map_err(|_| AppError::bug("a password hashing thread stopped"))
}

pub async fn hash_password(password: String) -> AppResult<String> {
    with_hasher(move || hash_here(password.as_bytes())).await?.map_err(|e| AppError::internal("hashing a password", e))
}

/// False for a wrong password; Busy when no hasher came free in time (the caller must not count
/// that as a failed attempt).
pub async fn password_matches(password: String, hash: String) -> AppResult<bool> {
    with_hasher(move || matches_here(password.as_bytes(), &hash)).await
}

pub async fn verify_password(password: String, hash: String) -> bool {
    password_matches(password, hash).await.unwrap_or(false)
}

/// Who is asking, if anyone, and the page furniture every template needs.
pub struct Ctx {
    pub session: Session,
    pub csrf: String,
    pub user: Option<User>,
    /// The `Set-Cookie` that gives a visitor not signed in their form token, when this request
    /// made one ([`Ctx::with_token`]); the page sends it.
    pub new_cookie: Option<String>,
}

/// Whether this server marks cookies Secure (behind TLS).
fn secure_cookies(parts: &Parts) -> bool {
    parts.extensions.get::<csrf::SecureCookies>().is_some_and(|s| s.0)
}

impl Ctx {
    pub fn chrome(&self, nav: &'static str) -> Chrome {
        Chrome {
            csrf: self.csrf.clone(),
            user: self.user.as_ref().map(|u| u.display_name.clone()),
            supporter: self.user.as_ref().is_some_and(|u| u.role.is_supporter()),
            nav,
        }
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, m)| AppError::bug(format!("session layer missing: {m}")))?;
        let mut user = None;
        if let Some(id) = session.get::<taper_store::UserId>(USER_KEY).await? {
            let fresh = session
                .get::<i64>(SIGNED_IN_AT)
                .await?
                .is_some_and(|t| Timestamp::now().as_second() - t < ABSOLUTE_HOURS * 3600);
            match state.store.user(id).await {
                Ok(u) if fresh => {
                    // The idle timeout slides: a signed-in request re-saves the session (which
                    // pushes its expiry on) when the last save is a quarter of the idle time old,
                    // so activity keeps it alive at one write per few minutes, not per request.
                    let now = Timestamp::now().as_millisecond();
                    let quarter = i64::try_from(state.idle.as_millis() / 4).unwrap_or(i64::MAX);
                    let seen = session.get::<i64>(SEEN_AT).await?;
                    if seen.is_none_or(|t| now - t >= quarter) {
                        session.insert(SEEN_AT, now).await?;
                    }
                    user = Some(u);
                }
                Ok(_) | Err(StoreError::NotFound) => {
                    // Too old or the account is gone: end the session.
                    session.flush().await?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        // After any flush above, so an ended session gets a fresh token. Someone not signed in
        // has only the token their form cookie carries (made by the sign-in and sign-up pages):
        // no anonymous request writes a session row (security probe L6).
        let csrf = match &user {
            Some(u) => csrf::token_for(state, &session, u.id).await?,
            None => match csrf::existing(&session).await? {
                t if !t.is_empty() => t,
                _ => csrf::form_cookie(&parts.headers, secure_cookies(parts)).unwrap_or_default(),
            },
        };
        Ok(Ctx { session, csrf, user, new_cookie: None })
    }
}

impl Ctx {
    /// This visitor's CSRF token, made now if they had none: for the pages that show a form to
    /// someone not signed in (sign-in, sign-up). It lives in a cookie, not in a stored session,
    /// so showing these forms writes nothing on the server (security probe L6).
    pub fn with_token(mut self, secure: csrf::SecureCookies) -> Ctx {
        if self.csrf.is_empty() {
            let (token, cookie) = csrf::new_form_cookie(secure.0);
            self.csrf = token;
            self.new_cookie = Some(cookie);
        }
        self
    }

    /// `page` with the form cookie this request made, if any.
    pub fn send(&self, page: impl IntoResponse) -> Response {
        match &self.new_cookie {
            Some(c) => crate::cookies::append(page.into_response(), c),
            None => page.into_response(),
        }
    }
}

/// A signed-in person. Handlers that take one are only reached when signed in; others are
/// sent to the sign-in page.
pub struct Person {
    pub ctx: Ctx,
    pub user: User,
    pub tz: TimeZone,
}

impl Person {
    pub fn chrome(&self, nav: &'static str) -> Chrome {
        self.ctx.chrome(nav)
    }
    pub fn now(&self) -> Timestamp {
        Timestamp::now()
    }
    /// The person's own calendar date now.
    pub fn today(&self) -> Date {
        self.now().to_zoned_datetime(self.tz.clone()).date()
    }
    pub fn id(&self) -> taper_store::UserId {
        self.user.id
    }
}

/// Where a signed-in account starts: a person's Today, a supporter's caseload.
pub fn home_of(u: &User) -> &'static str {
    if u.role.is_supporter() { "/caseload" } else { "/today" }
}

pub struct SignInFirst;

impl IntoResponse for SignInFirst {
    fn into_response(self) -> Response {
        Redirect::to("/login").into_response()
    }
}

impl FromRequestParts<AppState> for Person {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        let Some(user) = ctx.user.clone() else { return Err(SignInFirst.into_response()) };
        // Every change a signed-in person sends is counted: a runaway script or a stolen session
        // cannot fill the database (issue 12, limits on posting). Reading is not counted.
        // Never the forms that can carry an answer about self-harm: PHQ-9 and the check-in
        // (a check-in replaces the day's, so it cannot fill anything).
        let safety_form = matches!(parts.uri.path(), "/questionnaires/phq9" | "/checkin");
        if parts.method == axum::http::Method::POST && !safety_form {
            let wait = throttle::attempt(state, Limit::Post, &user.id.to_string())
                .await
                .map_err(|e| AppError::from(e).into_response())?;
            if let Some(wait) = wait {
                return Err(AppError::Throttled(wait).into_response());
            }
        }
        let tz = TimeZone::get(&user.time_zone).unwrap_or(TimeZone::UTC);
        Ok(Person { ctx, user, tz })
    }
}

// ── sign-up ─────────────────────────────────────────────────────────────────────────────────

#[derive(Deserialize, Default)]
pub struct SignupForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub confirm: String,
    #[serde(default)]
    pub time_zone: String,
    #[serde(default)]
    pub role: String,
    /// Whose crisis services come first; empty: guess from the time zone.
    #[serde(default)]
    pub country: String,
    /// The country the form suggested from the browser's language (see `zone_over_suggestion`).
    #[serde(default)]
    pub country_suggested: String,
}

/// When "Where you live" was left at the browser language's suggestion and the chosen time zone
/// lies in another country, that country: the time zone is the stronger sign of where someone is
/// (a walk: an en-US browser in Asia/Kolkata would have seen 911 and 988 first). It is taken and
/// said, not asked: asking refused the form and emptied both passwords over a country the person
/// never chose (a later walk, from Europe).
fn zone_over_suggestion(f: &SignupForm) -> Option<&'static str> {
    let suggested = f.country_suggested.trim();
    let zone = crate::crisis::country_of_zone(f.time_zone.trim())?;
    (!suggested.is_empty() && f.country.trim() == suggested && zone != suggested).then_some(zone)
}

/// Said where an account lands when its country was taken from the time zone (`?country=from_zone`).
pub fn country_from_zone_words(country: Option<&str>) -> Option<String> {
    let name = crate::crisis::CHOICES.iter().find(|(c, _)| Some(c.as_str()) == country).map(|(_, n)| n)?;
    Some(format!(
        "Crisis help is set for {name}, the country of your time zone. If you live elsewhere, change \"Where you live\" under Account: its crisis help comes first on every page."
    ))
}

/// The roles an account can have, with the words shown for them (the sign-up form's choices).
pub fn roles() -> Vec<(&'static str, &'static str)> {
    Role::ALL.iter().map(|r| (r.key(), r.describe())).collect()
}

pub async fn signup_form(
    ctx: Ctx,
    Extension(secure): Extension<csrf::SecureCookies>,
    headers: axum::http::HeaderMap,
) -> AppResult<Response> {
    if let Some(u) = &ctx.user {
        return Ok(Redirect::to(home_of(u)).into_response());
    }
    let ctx = ctx.with_token(secure);
    // Whose crisis help comes first: the country the browser's language names, shown chosen so
    // the person sees it and can change it. Left at the UTC default, "guess from my time zone"
    // found no country and an Irish person saw only 112 after item 9 (new-user walk).
    let language = headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let country = language.and_then(crate::crisis::country_of_language).unwrap_or_default().to_string();
    Ok(ctx.send(Signup::new(
        ctx.chrome("signup"),
        &SignupForm {
            time_zone: zone_of_country(&country).unwrap_or_default().into(),
            role: Role::Person.key().into(),
            country_suggested: country.clone(),
            country,
            ..Default::default()
        },
        vec![],
    )))
}

/// The time zone to offer first for `country` (the browser language's): the one zone of the list
/// in that country, or none where it has several or none, so the person chooses (a walk: every
/// sign-up began at UTC, and reminders and "today" came at the wrong hours for whoever kept it).
fn zone_of_country(country: &str) -> Option<&'static str> {
    let mut zones = crate::views::ZONES.iter().filter(|z| crate::crisis::country_of_zone(z) == Some(country));
    match (zones.next(), zones.next()) {
        (Some(z), None) => Some(z),
        _ => None,
    }
}

/// Trimmed, lower-case; must look like an address (something@something.something).
pub fn normalise_email(raw: &str) -> Result<String, String> {
    let e = raw.trim().to_lowercase();
    let ok = e.len() <= 254
        && e.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        })
        && !e.contains(char::is_whitespace);
    if ok { Ok(e) } else { Err("Enter an e-mail address like name@example.org.".into()) }
}

pub fn check_password(p: &str) -> Result<(), String> {
    let n = p.chars().count();
    if p.trim().is_empty() && n > 0 {
        // A walk signed up with twelve spaces.
        Err("Use letters, numbers or other characters, not only spaces.".into())
    } else if n < MIN_PASSWORD {
        Err(format!("Use at least {MIN_PASSWORD} characters (you typed {n}). A few words in a row work well."))
    } else if n > MAX_PASSWORD {
        Err(format!("Use at most {MAX_PASSWORD} characters."))
    } else {
        Ok(())
    }
}

pub async fn signup(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
    Extension(secure): Extension<csrf::SecureCookies>,
    headers: axum::http::HeaderMap,
    Form(mut f): Form<SignupForm>,
) -> AppResult<Response> {
    if let Some(wait) = throttle::attempt(&state, Limit::SignUpAddress, &addr.key()).await? {
        tracing::warn!(addr = %addr.key(), wait, "sign-up refused: too many from one address");
        let errors = vec![Field::error("email", throttle::wait_words(wait))];
        return Ok(throttle::refused(Signup::new(ctx.chrome("signup"), &f, errors).into_response(), wait));
    }
    let mut errors = Vec::new();
    let email = normalise_email(&f.email).map_err(|m| errors.push(Field::error("email", m))).ok();
    let name = f.display_name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        errors.push(Field::error("display_name", "Enter a name of up to 60 characters; any name you like."));
    }
    if let Err(m) = check_password(&f.password) {
        errors.push(Field::error("password", m));
    } else if f.password != f.confirm {
        errors.push(Field::error("confirm", "The two passwords are not the same."));
    }
    if TimeZone::get(f.time_zone.trim()).is_err() {
        errors.push(Field::error("time_zone", "Choose your time zone from the list."));
    }
    let from_zone = zone_over_suggestion(&f);
    if let Some(zone) = from_zone {
        f.country = zone.to_string();
    }
    let country = crate::crisis::parse_country(&f.country).map_err(|m| errors.push(Field::error("country", m))).ok();
    let role = Role::from_key(&f.role).unwrap_or_else(|| {
        errors.push(Field::error("role", "Choose how you will use Taper."));
        Role::Person
    });
    let (Some(email), true) = (email, errors.is_empty()) else {
        return Ok(Signup::again(ctx.chrome("signup"), &f, errors, from_zone.is_some()).into_response());
    };
    let hash = hash_password(f.password.clone()).await?;
    let country = country.flatten();
    let new = NewUser {
        email: &email,
        display_name: name,
        password_hash: &hash,
        time_zone: f.time_zone.trim(),
        role,
        country: country.as_deref(),
    };
    match state.store.create_user(&new, Timestamp::now()).await {
        Ok(user) => {
            tracing::info!(user = %user.id, "account created");
            start_session(&ctx.session, user.id, &headers).await?;
            let home = if user.role.is_supporter() { "/caseload" } else { "/plan/new" };
            let to = if from_zone.is_some() { format!("{home}?country=from_zone") } else { home.to_string() };
            let page = signed_in(Redirect::to(&to), secure);
            Ok(remember_device(&state, page, user.id, None, None, secure).await?)
        }
        Err(StoreError::Conflict(_)) => {
            let errors = vec![Field::error("email", "An account with this e-mail address exists. Sign in instead.")];
            Ok(Signup::again(ctx.chrome("signup"), &f, errors, from_zone.is_some()).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// This browser remembered as one that signed in to `user` (its device cookie made now, or its
/// known one renewed), so a guesser elsewhere cannot keep it out (issue 19, M2).
async fn remember_device(
    state: &AppState,
    page: Response,
    user: taper_store::UserId,
    known: Option<String>,
    device: Option<&str>,
    secure: csrf::SecureCookies,
) -> AppResult<Response> {
    let token = match (known, device) {
        (Some(key), Some(token)) => {
            throttle::clear(state, Limit::SignInDevice, &key).await?;
            token.to_string()
        }
        _ => crate::cookies::fresh_token(),
    };
    state.store.device_issue(&throttle::device_key(&token), user, Timestamp::now()).await?;
    Ok(crate::cookies::append(page, &throttle::set_device_cookie(&token, secure.0)))
}

/// `page` with the anonymous form token removed: a token seen before signing in is worthless after it.
fn signed_in(page: impl IntoResponse, secure: csrf::SecureCookies) -> Response {
    crate::cookies::append(page.into_response(), &csrf::clear_form_cookie(secure.0))
}

async fn start_session(session: &Session, user: taper_store::UserId, headers: &axum::http::HeaderMap) -> AppResult<()> {
    // A new id at sign-in, so a session id known before sign-in is worthless after it.
    session.cycle_id().await?;
    crate::csrf::rotate(session).await?;
    session.insert(USER_KEY, user).await?;
    session.insert(SIGNED_IN_AT, Timestamp::now().as_second()).await?;
    let agent = headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    session.insert(crate::sessions::DEVICE, crate::sessions::device_of(agent)).await?;
    Ok(())
}

// ── sign-in and sign-out ────────────────────────────────────────────────────────────────────

#[derive(Deserialize, Default)]
pub struct LoginForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    reset: Option<String>,
}

pub async fn login_form(
    ctx: Ctx,
    Extension(secure): Extension<csrf::SecureCookies>,
    axum::extract::Query(q): axum::extract::Query<LoginQuery>,
) -> AppResult<Response> {
    if let Some(u) = &ctx.user {
        return Ok(Redirect::to(home_of(u)).into_response());
    }
    let ctx = ctx.with_token(secure);
    let notice = q.reset.map(|_| "Your new password is saved. Sign in with it.".to_string());
    Ok(ctx.send(Login { chrome: ctx.chrome("login"), email: String::new(), error: None, notice }))
}

pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
    Extension(secure): Extension<csrf::SecureCookies>,
    headers: axum::http::HeaderMap,
    Form(f): Form<LoginForm>,
) -> AppResult<Response> {
    let email = f.email.trim().to_lowercase();
    let wrong = |chrome, msg: &str| {
        Login { chrome, email: f.email.trim().to_string(), error: Some(msg.to_string()), notice: None }.into_response()
    };
    // A wait already running refuses the attempt before any password is checked; only a wrong
    // password is counted, after the check (the hashers are a fixed pool, so a burst that
    // arrives before its count is bounded by them).
    let device = throttle::device_cookie(&headers, secure.0);
    let keys = throttle::sign_in_keys(&state, &email, addr, device.as_deref()).await?;
    let account = throttle::account_key(&email);
    if let Some(wait) = keys.wait(&state).await? {
        tracing::warn!(account = %account, addr = %addr.key(), wait, "sign-in refused: too many attempts");
        state.metrics.refused("signin");
        return Ok(throttle::refused(wrong(ctx.chrome("login"), &throttle::wait_words(wait)), wait));
    }
    let user = state.store.user_by_email(&email).await?;
    // Verify against a dummy hash when there is no such account, so timing does not tell.
    let hash = user.as_ref().map_or_else(|| DUMMY_HASH.to_string(), |u| u.password_hash.clone());
    let ok = password_matches(f.password.clone(), hash).await? && user.is_some();
    match user {
        Some(u) if ok => {
            tracing::info!(user = %u.id, "signed in");
            throttle::clear(&state, Limit::SignInAccount, &account).await?;
            start_session(&ctx.session, u.id, &headers).await?;
            let page = signed_in(Redirect::to(home_of(&u)), secure);
            let known = keys.device().map(str::to_string);
            Ok(remember_device(&state, page, u.id, known, device.as_deref(), secure).await?)
        }
        _ => {
            keys.failed(&state).await?;
            tracing::info!(account = %account, addr = %addr.key(), "sign-in failed");
            Ok(wrong(ctx.chrome("login"), "That e-mail address and password do not match an account."))
        }
    }
}

/// argon2id of a random string, same parameters as real hashes.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Kx1Q2k3v6Gc7l0H0b8bV3c1q3b2O0m7Zb8mS3mWq1yQ";

pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    // A deliberate sign-out: forms shown in this session no longer speak for this account
    // (on a shared computer, the next person cannot answer in their name).
    state.store.form_owner_end(&crate::cookies::stored_hash(&ctx.csrf)).await?;
    ctx.session.flush().await?;
    Ok(Redirect::to("/login").into_response())
}

// View models: what this area's templates show.

#[derive(Template, WebTemplate)]
#[template(path = "signup.html")]
pub struct Signup {
    pub chrome: Chrome,
    pub email: String,
    pub display_name: String,
    pub time_zone: String,
    pub zones: Vec<&'static str>,
    pub role: String,
    pub roles: Vec<(&'static str, &'static str)>,
    pub country: String,
    pub country_suggested: String,
    /// Why the country changed by itself (taken from the time zone).
    pub country_note: Option<String>,
    pub countries: &'static [(String, String)],
    pub errors: Vec<Field>,
}

impl Signup {
    pub fn new(chrome: crate::views::Chrome, f: &crate::auth::SignupForm, errors: Vec<crate::views::Field>) -> Signup {
        Signup {
            chrome,
            email: f.email.clone(),
            display_name: f.display_name.clone(),
            time_zone: f.time_zone.clone(),
            zones: crate::views::ZONES.to_vec(),
            role: f.role.clone(),
            roles: crate::auth::roles(),
            country: f.country.trim().to_string(),
            // Kept after an error, so the time zone still decides when the country was only
            // suggested (a walk: a missing time zone cleared it, and US crisis lines came first
            // for someone in London).
            country_suggested: f.country_suggested.clone(),
            country_note: None,
            countries: &crate::crisis::CHOICES,
            errors,
        }
    }
    /// The form again with `errors`; `from_zone`: its country was just taken from the time zone.
    pub fn again(chrome: Chrome, f: &SignupForm, errors: Vec<Field>, from_zone: bool) -> Signup {
        let mut page = Signup::new(chrome, f, errors);
        if from_zone {
            // Sent again, the country is the person's own to leave or change.
            page.country_suggested = String::new();
            page.country_note = Some("Set from your time zone. Choose another if you live elsewhere.".into());
        }
        page
    }
    pub fn err(&self, name: &str) -> &str {
        crate::views::err(&self.errors, name)
    }
    pub fn is_zone(&self, z: &str) -> bool {
        self.time_zone == z
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct Login {
    pub chrome: Chrome,
    pub email: String,
    pub error: Option<String>,
    /// Said above the form (a password just reset).
    pub notice: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Security probe H3: password hashing never spreads over new threads (each kept its 19 MiB);
    /// however many arrive at once, the work runs on the fixed hasher threads only.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_password_work_runs_on_the_fixed_hasher_threads_only() {
        let tasks: Vec<_> = (0..32)
            .map(|_| tokio::spawn(with_hasher(|| std::thread::current().name().unwrap_or_default().to_string())))
            .collect();
        let mut names = std::collections::BTreeSet::new();
        for t in tasks {
            names.insert(t.await.unwrap().unwrap());
        }
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        assert!(names.iter().all(|n| n.starts_with("argon2-")), "{names:?}");
        assert!(names.len() <= cores, "{names:?}");
        let hash = hash_password("a long quiet river".into()).await.unwrap();
        assert!(password_matches("a long quiet river".into(), hash.clone()).await.unwrap());
        assert!(!password_matches("another river".into(), hash).await.unwrap());
    }

    /// The reused-buffer hashing writes and reads the same PHC strings as the argon2 crate's own
    /// hasher, so every hash stored before still verifies, and the crate would read ours.
    #[test]
    fn hashes_interoperate_with_the_argon2_crates_own() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let standard = Argon2::new(Algorithm::Argon2id, Version::V0x13, params());
        let theirs = standard.hash_password(b"a long quiet river").unwrap().to_string();
        assert!(matches_here(b"a long quiet river", &theirs));
        assert!(!matches_here(b"a long quiet rivet", &theirs));
        let ours = hash_here(b"a long quiet river").unwrap();
        assert!(ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{ours}");
        assert!(standard.verify_password(b"a long quiet river", &PasswordHash::new(&ours).unwrap()).is_ok());
        assert!(!matches_here(b"x", "not a hash"));
        assert_ne!(hash_here(b"same").unwrap(), hash_here(b"same").unwrap(), "a new salt each time");
    }
}
