//! The real app on a random port against a fresh database, and a browser-like client that keeps
//! cookies and reads each form's CSRF token from the page.

use std::future::Future;
use std::net::SocketAddr;

use reqwest::{Client, Response, StatusCode, redirect};
use taper_server::{AppState, app};
use taper_store::Store;
use taper_store::scratch::{Scratch, postgres_admin_url};

pub struct TestApp {
    pub base: String,
    pub store: Store,
    /// The database URL (`sqlite:PATH` or `postgres://…`), for tests that look at the files.
    pub url: String,
    server: tokio::task::JoinHandle<()>,
}

impl TestApp {
    pub async fn spawn(url: &str) -> TestApp {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        TestApp::spawn_with_planners(url, cores).await
    }

    /// The app with `planners` plans allowed at once (0: every plan request finds none free).
    pub async fn spawn_with_planners(url: &str, planners: usize) -> TestApp {
        TestApp::spawn_with(url, planners, std::time::Duration::from_secs(60 * 30)).await
    }

    /// The app with a chosen idle timeout, for tests of session expiry.
    pub async fn spawn_with(url: &str, planners: usize, idle: std::time::Duration) -> TestApp {
        // Sealed as in production, with a key of its own.
        TestApp::spawn_keyed(url, planners, idle, &taper_store::seal::Key::generate()).await
    }

    /// The app sealing with `key` (two instances on one database share one key).
    pub async fn spawn_keyed(
        url: &str,
        planners: usize,
        idle: std::time::Duration,
        key: &taper_store::seal::Key,
    ) -> TestApp {
        // Sessions in memory as `taper serve` keeps them on SQLite (a no-op on PostgreSQL), the
        // test's own store sharing them, as the one server's store does.
        let store = Store::connect_sealed(url, key).await.expect("test database").with_sessions_in_memory();
        let state = AppState::build(store.clone(), planners, idle).expect("app state");
        TestApp::serve(state, store, url).await
    }

    /// The app with a chosen plan deadline (zero: every plan request runs out of time).
    pub async fn spawn_with_deadline(url: &str, deadline: std::time::Duration) -> TestApp {
        let store = Store::connect_sealed(url, &taper_store::seal::Key::generate()).await.expect("test database");
        let state = AppState::build(store.clone(), 2, std::time::Duration::from_secs(1800))
            .expect("app state")
            .with_plan_deadline(deadline);
        TestApp::serve(state, store, url).await
    }

    /// The app with a state made by the test.
    pub async fn serve_state(state: AppState, store: Store, url: &str) -> TestApp {
        TestApp::serve(state, store, url).await
    }

    async fn serve(state: AppState, store: Store, url: &str) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port");
        let addr: SocketAddr = listener.local_addr().expect("address");
        let router = app(state, false);
        let limits = taper_server::listen::Limits {
            headers: std::time::Duration::from_secs(1),
            body: std::time::Duration::from_secs(2),
            ..taper_server::listen::Limits::default()
        };
        let server = tokio::spawn(taper_server::listen::run(listener, router, limits, std::future::pending()));
        TestApp { base: format!("http://{addr}"), store, url: url.to_string(), server }
    }

    pub fn browser(&self) -> Browser {
        Browser {
            base: self.base.clone(),
            client: Client::builder().cookie_store(true).redirect(redirect::Policy::none()).build().expect("client"),
        }
    }

    pub async fn stop(self) {
        self.server.abort();
        self.store.close().await;
    }
}

/// Runs a test against a fresh SQLite database only: for behaviour no database takes part in.
pub async fn on_sqlite<F, Fut>(planners: usize, test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = TestApp>,
{
    let s = Scratch::sqlite();
    let app = TestApp::spawn_with_planners(&s.url, planners).await;
    test(app).await.stop().await;
    s.remove().await;
}

/// Runs a test against SQLite and then PostgreSQL, each with a fresh database.
pub async fn on_both<F, Fut>(test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = TestApp>,
{
    let s = Scratch::sqlite();
    let app = TestApp::spawn(&s.url).await;
    test(app).await.stop().await;
    s.remove().await;
    match Scratch::postgres().await {
        Ok(p) => {
            let app = TestApp::spawn(&p.url).await;
            test(app).await.stop().await;
            p.remove().await;
        }
        Err(e) if taper_store::scratch::postgres_required() => {
            panic!(
                "no PostgreSQL at {} ({e}); CI needs one (scripts/test-deps starts or installs it)",
                postgres_admin_url()
            )
        }
        Err(e) => {
            eprintln!(
                "\n!!! SKIPPED the PostgreSQL run of this test: no server at {} ({e}) !!!\n",
                postgres_admin_url()
            )
        }
    }
}

pub struct Browser {
    pub base: String,
    pub client: Client,
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

impl Page {
    async fn from(r: Response) -> Page {
        let status = r.status();
        let location = r.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
        Page { status, location, body: r.text().await.unwrap_or_default() }
    }

    /// The first CSRF token on the page.
    pub fn csrf(&self) -> String {
        let key = "name=\"csrf\" value=\"";
        let start = self.body.find(key).map(|i| i + key.len()).expect("a form with a CSRF token");
        let end = self.body[start..].find('"').expect("end of token") + start;
        self.body[start..end].to_string()
    }

    pub fn has(&self, text: &str) -> bool {
        self.body.contains(text)
    }
}

impl Browser {
    pub async fn get(&self, path: &str) -> Page {
        Page::from(self.client.get(format!("{}{path}", self.base)).send().await.expect("GET")).await
    }

    /// Posts a form exactly as given (no token added).
    pub async fn post_raw(&self, path: &str, form: &[(&str, &str)]) -> Page {
        Page::from(self.client.post(format!("{}{path}", self.base)).form(form).send().await.expect("POST")).await
    }

    /// Opens `page_path` for its CSRF token, then posts the form to `path` with it.
    pub async fn submit(&self, page_path: &str, path: &str, form: &[(&str, &str)]) -> Page {
        let token = self.get(page_path).await.csrf();
        let mut all: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        all.extend_from_slice(form);
        self.post_raw(path, &all).await
    }

    /// Makes an invitation on Sharing, and opens the page that shows its code (once).
    pub async fn invite(&self, form: &[(&str, &str)]) -> Page {
        let made = self.submit("/sharing", "/sharing/invite", form).await;
        match made.location.as_deref() {
            Some(to) if made.status == StatusCode::SEE_OTHER => self.get(to.split('#').next().unwrap_or(to)).await,
            _ => made,
        }
    }

    /// Signs in with the password every test account has.
    pub async fn sign_in(&self, email: &str) -> Page {
        self.submit("/login", "/login", &[("email", email), ("password", "correct horse battery")]).await
    }

    pub async fn sign_up(&self, email: &str) -> Page {
        self.sign_up_as(email, "Alex", "person").await
    }

    pub async fn sign_up_as(&self, email: &str, name: &str, role: &str) -> Page {
        let p = self
            .submit(
                "/signup",
                "/signup",
                &[
                    ("email", email),
                    ("display_name", name),
                    ("role", role),
                    ("password", "correct horse battery"),
                    ("confirm", "correct horse battery"),
                    ("time_zone", "Europe/London"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "sign-up failed: {}", p.body);
        p
    }
}
