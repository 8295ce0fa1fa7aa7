//! `taper serve`: the web app. **Only this crate knows HTTP and HTML.** Handlers parse forms
//! into core types, ask `taper-core` for every dose, reading and proposal, and keep records
//! through `taper-store`; no handler computes a dose itself.
//!
//! Pages are server-rendered HTML that work without JavaScript. Every state-changing request
//! is a form POST checked against the session's CSRF token ([`csrf`]); sessions live in the
//! database ([`sessions`]) with an idle timeout and are rotated at sign-in.

pub mod access_tokens;
pub mod api;
pub mod auth;
pub mod backups;
pub mod checkin_form;
pub mod cookies;
pub mod crisis;
pub mod csrf;
mod dose_records;
pub mod error;
pub mod form;
pub mod import;
pub mod kept;
pub mod lapsed;
pub mod listen;
pub mod mail;
pub mod metrics;
pub mod notices;
pub mod pages;
pub mod plan_cache;
pub mod readings;
pub mod reminders;
pub mod self_harm;
pub mod sessions;
pub mod settings;
pub mod throttle;
pub mod timeline;
pub mod views;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use taper_core::Catalogue;
use taper_store::Store;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

pub use error::AppError;

/// Minutes without a request after which a session ends (OWASP ASVS 3.3.2: 30 minutes idle).
pub const IDLE_MINUTES: i64 = 30;
/// Hours after sign-in after which a session ends regardless (ASVS 3.3.2: 12 hours).
pub const ABSOLUTE_HOURS: i64 = 12;

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub database_url: String,
    /// Mark cookies `Secure` (set when served behind TLS).
    pub secure_cookies: bool,
    /// Seals free text in the database (`taper_store::seal`); kept outside it.
    pub key: taper_store::seal::Key,
    /// The operator's privacy notice and terms.
    pub notices: notices::Notices,
    /// E-mail, when the operator gave an SMTP server; off otherwise.
    pub mail: Option<mail::MailConfig>,
    /// Automatic backups of a SQLite database; off for PostgreSQL (pg_dump's job).
    pub backups: Option<backups::BackupConfig>,
    /// The token that opens `/metrics`; off without one.
    pub metrics_token: Option<String>,
}

pub struct Inner {
    pub store: Store,
    pub catalogue: Catalogue,
    pub crisis: crisis::Directory,
    pub measures: taper_core::measures::Measures,
    /// Plans being worked out at once, each on a blocking thread, so a burst of plan requests
    /// can neither stall the async threads that answer everyone else nor queue without end.
    pub planners: Arc<tokio::sync::Semaphore>,
    /// How long a session lasts without a request ([`IDLE_MINUTES`]; shorter in tests).
    pub idle: std::time::Duration,
    /// How long a request waits for its plan ([`PLAN_DEADLINE`]).
    pub plan_deadline: std::time::Duration,
    /// The operator's privacy notice and terms.
    pub notices: notices::Notices,
    /// E-mail settings when the server sends e-mail (`mail`); pages that would use it say when
    /// it is off.
    pub mail: Option<mail::MailConfig>,
    /// What `/metrics` counts, and the token that opens it (off without one).
    pub metrics: Arc<metrics::Metrics>,
    pub metrics_token: Option<String>,
    /// Plan revisions read and parsed once (`plan_cache`).
    pub plans: plan_cache::Plans,
    /// Today's page as each person's data last left it (`kept`).
    pub today_pages: kept::Kept<pages::today::Today>,
    /// Each person's record as a caseload reads it, as their data last left it (`kept`).
    pub records: kept::Kept<timeline::Record>,
}

/// How long a request waits for a plan before saying so; the planner's own limits keep real
/// plans far below it (the heaviest preview in the burst harness takes milliseconds).
pub const PLAN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(20);

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("database: {0}")]
    Store(#[from] taper_store::StoreError),
    #[error("the catalogue or crisis directory does not load: {0}")]
    Data(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("server stopped: {0}")]
    Serve(std::io::Error),
}

impl AppState {
    /// One planner per core.
    pub fn new(store: Store) -> Result<AppState, StartError> {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        AppState::with_planners(store, cores)
    }

    /// `planners` plans may be worked out at once; a request beyond that is told to try again.
    pub fn with_planners(store: Store, planners: usize) -> Result<AppState, StartError> {
        AppState::build(store, planners, std::time::Duration::from_secs(60 * IDLE_MINUTES.unsigned_abs()))
    }

    /// Everything chosen: planners at once and the idle timeout.
    pub fn build(store: Store, planners: usize, idle: std::time::Duration) -> Result<AppState, StartError> {
        let catalogue = Catalogue::builtin().map_err(|e| StartError::Data(e.to_string()))?;
        let crisis = crisis::Directory::builtin().map_err(StartError::Data)?;
        let measures = taper_core::measures::Measures::builtin().map_err(StartError::Data)?;
        Ok(AppState(Arc::new(Inner {
            store,
            catalogue,
            crisis,
            measures,
            planners: Arc::new(tokio::sync::Semaphore::new(planners)),
            idle,
            plan_deadline: PLAN_DEADLINE,
            notices: notices::Notices::default(),
            mail: None,
            metrics: Arc::new(metrics::Metrics::with_planners(planners)),
            metrics_token: None,
            plans: plan_cache::Plans::default(),
            today_pages: kept::Kept::default(),
            records: kept::Kept::default(),
        })))
    }

    /// The same state with the operator's privacy notice and terms.
    #[must_use]
    pub fn with_notices(mut self, notices: notices::Notices) -> AppState {
        if let Some(inner) = Arc::get_mut(&mut self.0) {
            inner.notices = notices;
        }
        self
    }

    /// The same state sending e-mail with `mail` (links in messages, and the worker's settings).
    #[must_use]
    pub fn with_mail(mut self, mail: mail::MailConfig) -> AppState {
        if let Some(inner) = Arc::get_mut(&mut self.0) {
            inner.mail = Some(mail);
        }
        self
    }

    /// The same state opening `/metrics` to `token` (an empty token keeps it off).
    #[must_use]
    pub fn with_metrics_token(mut self, token: Option<String>) -> AppState {
        if let Some(inner) = Arc::get_mut(&mut self.0) {
            inner.metrics_token = token.filter(|t| !t.trim().is_empty());
        }
        self
    }

    /// The same state with another plan deadline (tests use zero to see the refusal).
    #[must_use]
    pub fn with_plan_deadline(mut self, deadline: std::time::Duration) -> AppState {
        if let Some(inner) = Arc::get_mut(&mut self.0) {
            inner.plan_deadline = deadline;
        }
        self
    }

    /// Asks core for a plan off the async threads. `Err(Busy)` at once when every planner is
    /// in use: nothing is queued, nothing the person sent is stored or lost.
    pub async fn plan(
        &self,
        req: taper_core::PlanRequest,
    ) -> Result<Result<taper_core::Plan, taper_core::PlanError>, AppError> {
        self.think(move |c| taper_core::plan(c, &req)).await
    }

    /// A benzodiazepine switch, planned as `plan` plans: off the async threads, bounded.
    pub async fn switch(
        &self,
        req: taper_core::crossover::CrossoverRequest,
    ) -> Result<Result<taper_core::crossover::CrossoverPlan, taper_core::PlanError>, AppError> {
        self.think(move |c| taper_core::crossover::plan(c, &req)).await
    }

    /// A PDF laid out as plans are planned: off the async threads, bounded, with the deadline.
    pub async fn pdf(&self, doc: taper_report::pdf::PlanDocument) -> Result<Vec<u8>, AppError> {
        self.think(move |_| taper_report::pdf::plan(&doc)).await?.map_err(|e| AppError::internal("laying out a PDF", e))
    }

    /// The prescriber's summary as a PDF, laid out on a planner's thread like a plan's.
    pub async fn summary_pdf(
        &self,
        doc: taper_report::pdf::SummaryDocument,
        chart: Option<String>,
    ) -> Result<Vec<u8>, AppError> {
        self.think(move |_| taper_report::pdf::summary(&doc, chart.as_deref()))
            .await?
            .map_err(|e| AppError::internal("laying out a PDF", e))
    }

    /// Runs `work` on a planner's thread, within the planners allowed at once and the deadline.
    async fn think<T: Send + 'static>(
        &self,
        work: impl FnOnce(&taper_core::Catalogue) -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let permit = self.planners.clone().try_acquire_owned().map_err(|_| AppError::Busy)?;
        let state = self.clone();
        let deadline = self.plan_deadline;
        let work = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work(&state.catalogue)
        });
        // Past the deadline the request is answered; the planner finishes on its own thread
        // and frees its permit then, so the bound on planners at once still holds.
        let started = std::time::Instant::now();
        match tokio::time::timeout(deadline, work).await {
            // A plan that arrives after the deadline (timers are coarse) is refused the same way.
            Ok(done) if started.elapsed() <= deadline => {
                done.map_err(|e| AppError::internal("waiting for the planner", e))
            }
            _ => Err(AppError::TooSlow),
        }
    }
}

/// The whole application: routes, sessions, CSRF and security headers.
pub fn app(state: AppState, secure_cookies: bool) -> Router {
    let sessions = SessionManagerLayer::new(sessions::DbSessions(state.store.clone()))
        .with_name(if secure_cookies { "__Host-taper" } else { "taper" })
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure_cookies)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(
            time::Duration::try_from(state.idle).unwrap_or(time::Duration::minutes(IDLE_MINUTES)),
        ));
    let router = routes()
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .fallback(pages::not_found)
        .method_not_allowed_fallback(pages::opened_again)
        .layer(axum::middleware::from_fn_with_state(state.clone(), csrf::guard))
        .layer(sessions)
        .layer(axum::Extension(csrf::SecureCookies(secure_cookies)))
        .layer(axum::extract::DefaultBodyLimit::max(csrf::MAX_FORM_BYTES));
    security_headers(router, secure_cookies).with_state(state)
}

/// 200 "ready" while the database answers a query, else 503 with no detail.
async fn ready(axum::extract::State(state): axum::extract::State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    match tokio::time::timeout(READY_WITHIN, state.store.can_write()).await {
        Ok(Ok(())) => "ready".into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "not ready: the database does not answer");
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, "the database does not answer").into_response()
        }
        Err(_) => {
            tracing::warn!("not ready: the database takes no writes now (its write lock is held)");
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, "the database takes no writes now").into_response()
        }
    }
}

/// How long `/ready` waits for the database to take a write before saying it is not ready.
const READY_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);

/// Every page and form of the app (tests/authz.toml lists each one with who may use it).
fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/health", get(|| async { "ok" }))
        // For a load balancer or orchestrator: ready only while the database answers.
        .route("/ready", get(ready))
        .route("/metrics", get(metrics::show))
        .route("/assets/app.css", get(pages::stylesheet))
        .route("/favicon.ico", get(pages::favicon))
        .route("/signup", get(auth::signup_form).post(auth::signup))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/today", get(pages::today::show))
        .route("/today/dose", post(pages::today::record))
        .route("/doses", get(pages::doses::calendar))
        .route("/doses/{date}", get(pages::doses::day).post(pages::doses::record))
        .route("/supply", get(pages::supply::show).post(pages::supply::save))
        .route("/account/reminders", post(pages::reminders::save))
        .route("/dose-taken/{token}", get(pages::reminders::taken_form).post(pages::reminders::taken))
        .route("/password/forgot", get(pages::password::forgot_form).post(pages::password::forgot))
        .route("/password/reset/{token}", get(pages::password::reset_form).post(pages::password::reset))
        .route("/checkin", get(pages::checkin::form).post(pages::checkin::save))
        .route("/checkin/own", get(pages::checkin::own_form).post(pages::checkin::own_save))
        .route("/progress", get(pages::progress::show))
        .route("/proposals/{proposal}/accept", post(pages::progress::accept))
        .route("/proposals/{proposal}/decline", post(pages::progress::decline))
        .route("/plan", get(pages::plan::show).post(pages::plan::save))
        .route("/plan/new", get(pages::plan::new))
        .route("/plan/preview", post(pages::plan::preview))
        .route("/plan/chart.svg", get(pages::plan::chart))
        .route("/plan.pdf", get(pages::plan::pdf))
        .route("/plan/hold", post(pages::pause::hold))
        .route("/plan/resume", post(pages::pause::resume))
        .route("/plan/move", post(pages::pause::move_later))
        .route("/switch", get(pages::switch::form).post(pages::switch::change))
        .route("/switch/preview", post(pages::switch::preview))
        .route("/switch/start", post(pages::switching::start))
        .route("/switch/end", post(pages::switching::end))
        .route("/switch/stay", post(pages::switching::stay))
        .route("/switch/dose", post(pages::switch_doses::record))
        .route("/switch/doses", get(pages::switch_doses::day))
        .route("/switch/current", get(pages::switching::whole))
        .route("/learn", get(pages::learn::index))
        .route("/learn/glossary", get(pages::learn::glossary))
        .route("/learn/{drug}", get(pages::learn::drug))
        .route("/crisis", get(pages::learn::crisis))
        .route("/privacy", get(notices::privacy))
        .route("/terms", get(notices::terms))
        .route("/safety-plan", get(pages::safety_plan::show).post(pages::safety_plan::save))
        .route("/questionnaires", get(pages::questionnaires::index))
        .route("/questionnaires/{instrument}", get(pages::questionnaires::form).post(pages::questionnaires::save))
        .route("/history", get(pages::history::history))
        .route("/history/events", post(pages::history::add_event))
        .route("/history/events/{event}/delete", post(pages::history::delete_event))
        .route("/history/background", post(pages::history::background))
        .route("/assess", get(pages::history::assess_form).post(pages::history::assess_save))
        .route("/reinstate", get(pages::reinstate::form).post(pages::reinstate::show))
        .route("/sharing", get(pages::sharing::show))
        .route("/sharing/invite", post(pages::sharing::invite))
        .route("/sharing/{share}/revoke", post(pages::sharing::revoke))
        .route("/sharing/{share}/scope", post(pages::sharing::set_scope))
        .route("/sharing/invites/{invite}/cancel", post(pages::sharing::cancel_invite))
        .route("/join", get(pages::sharing::join_form).post(pages::sharing::join))
        .route("/join/{code}", get(pages::sharing::join_link))
        .route("/caseload", get(pages::caseload::index))
        .route("/caseload.csv", get(pages::caseload::csv))
        .route("/people/{owner}", get(pages::caseload::person))
        .route("/people/{owner}/flags/resolve", post(pages::caseload::resolve))
        .route("/people/{owner}/proposals", post(pages::caseload::propose))
        .route("/account", get(pages::account::show))
        .route("/account/time-zone", post(pages::account::time_zone))
        .route("/account/country", post(pages::account::country))
        .route("/account/daily-safety", post(pages::account::daily_safety))
        .route("/account/password", post(pages::account::password))
        .route("/account/sign-out-others", post(pages::account::sign_out_others))
        .route("/account/delete", post(pages::account::delete))
        .merge(handoff_routes())
}

/// What hands the taper and the record to other places: the person's own files, calendar (file
/// and secret address), the prescriber's summary and links, the pharmacy order, FHIR, the API.
fn handoff_routes() -> Router<AppState> {
    Router::new()
        .route("/account/export.json", get(pages::account::export_json))
        .route("/account/export.csv", get(pages::account::export_csv))
        .route("/account/doses.csv", get(pages::doses::csv))
        .route("/calendar", get(pages::calendar::show))
        .route("/calendar.ics", get(pages::calendar::file))
        .route("/calendar/link", post(pages::calendar::make_link))
        .route("/calendar/link/stop", post(pages::calendar::stop_link))
        .route("/calendar/feed/{token}", get(pages::calendar::feed))
        .route("/handoff", get(pages::handoff::show))
        .route("/handoff/summary", get(pages::handoff::summary))
        .route("/handoff/order", get(pages::pharmacy::show))
        .route("/handoff/links", post(pages::handoff::make_link))
        .route("/handoff/links/{link}/revoke", post(pages::handoff::revoke_link))
        .route("/s/{token}", get(pages::health_links::open_form).post(pages::health_links::open))
        .route("/shl/{token}", post(pages::health_links::manifest).options(pages::health_links::manifest_preflight))
        .route("/shl/{token}/file/{ticket}", get(pages::health_links::file))
        .route("/handoff/fhir.json", get(pages::fhir::download))
        .route("/account/tokens", get(pages::tokens::show).post(pages::tokens::make))
        .route("/account/tokens/{token}/revoke", post(pages::tokens::revoke))
        .merge(api::routes())
}

/// The headers every response carries; Strict-Transport-Security only behind TLS (which is
/// what --secure-cookies says).
fn security_headers(router: Router<AppState>, secure_cookies: bool) -> Router<AppState> {
    let router = router
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; \
                 frame-ancestors 'none'; base-uri 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        // Nothing here needs a camera, a microphone or a location; a page opened from Taper
        // cannot reach back into it (security probe I2).
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(
                "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    if secure_cookies {
        router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ))
    } else {
        router
    }
}

/// Opens the database (migrating it), binds, and serves until Ctrl-C. `ready` is told the
/// address actually bound (useful with port 0).
pub async fn serve(config: Config, ready: impl FnOnce(SocketAddr)) -> Result<(), StartError> {
    // The one server of an SQLite database keeps sessions in memory (`taper_store::ServeLock`).
    let lock = taper_store::ServeLock::take(&config.database_url)?;
    let mut store = Store::connect_sealed(&config.database_url, &config.key).await?;
    if lock.is_some() {
        store = store.with_sessions_in_memory();
    }
    let mut state = AppState::new(store.clone())?
        .with_notices(config.notices.clone())
        .with_metrics_token(config.metrics_token.clone());
    if let Some(mail) = config.mail.clone() {
        state = state.with_mail(mail.clone());
        tokio::spawn(mail::run(store.clone(), mail, format!("worker-{}", uuid::Uuid::now_v7())));
        tokio::spawn(reminders::run(state.clone()));
    }
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|source| StartError::Bind { addr: config.bind, source })?;
    let addr = listener.local_addr().map_err(StartError::Serve)?;
    ready(addr);
    tokio::spawn(sessions::sweep_expired(store.clone()));
    tokio::spawn(readings::run(state.clone()));
    if let Some(b) = config.backups.clone().filter(|_| store.backend() == taper_store::Backend::Sqlite) {
        tokio::spawn(backups::run(store.clone(), b, state.metrics.clone()));
    }
    // With each connection's address, for the per-address limits (`throttle::ClientAddr`).
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    listen::run(listener, app(state, config.secure_cookies), listen::Limits::default(), shutdown).await;
    store.close().await;
    drop(lock);
    Ok(())
}
