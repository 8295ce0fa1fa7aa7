//! Issue 20, e-mail: "the e-mail path end to end against a real SMTP server started by the
//! project's scripts, asserting the messages, the single-use link and the reset flow; two
//! instances on PostgreSQL sending each message exactly once". The SMTP server is aiosmtpd
//! (PyPI), installed by scripts/test-deps; each test starts its own on a free port.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use jiff::Timestamp;
use reqwest::StatusCode;
use taper_server::AppState;
use taper_server::mail::{self, Email, MailConfig};
use taper_store::Store;
use taper_store::scratch::Scratch;

use super::forms::visible;
use super::helpers::{TestApp, on_both};

/// An SMTP server on a free port that keeps every message in a maildir.
pub struct Sink {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Sink {
    /// The sink, or `None` (said loudly) where scripts/test-deps has not installed it; in CI a
    /// missing sink fails the test instead.
    pub fn start() -> Option<Sink> {
        let Ok(python) = std::env::var("TAPER_TEST_SMTP_PYTHON") else {
            assert!(
                !taper_store::scratch::postgres_required(),
                "no SMTP sink (TAPER_TEST_SMTP_PYTHON); CI needs one (scripts/test-deps installs it)"
            );
            eprintln!("\n!!! SKIPPED an e-mail test: no SMTP sink (run scripts/test, which installs one) !!!\n");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("taper-mail-{}", uuid::Uuid::now_v7()));
        let mut child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting aiosmtpd");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(Sink { child, dir, port });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not start on port {port}");
    }

    pub fn config(&self) -> MailConfig {
        MailConfig {
            smtp_url: format!("smtp://127.0.0.1:{}", self.port),
            from: "Taper <taper@example.org>".into(),
            public_url: "http://taper.test".into(),
            poll: Duration::from_millis(50),
        }
    }

    /// Every message received so far, as raw text.
    pub fn messages(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.dir.join("new")) else { return Vec::new() };
        entries.filter_map(Result::ok).filter_map(|e| std::fs::read_to_string(e.path()).ok()).collect()
    }

    /// Waits until `n` messages have arrived (or a few seconds have passed) and returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<String> {
        for _ in 0..200 {
            if self.messages().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.messages()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The app on `url` sending e-mail through `sink`, with its worker running.
async fn with_mail(url: &str, sink: &Sink) -> (TestApp, tokio::task::JoinHandle<()>) {
    let (app, _, worker) = with_mail_state(url, sink).await;
    (app, worker)
}

/// As `with_mail`, with the app's state (to run the reminders' look by hand).
pub async fn with_mail_state(url: &str, sink: &Sink) -> (TestApp, AppState, tokio::task::JoinHandle<()>) {
    let store = Store::connect_sealed(url, &taper_store::seal::Key::generate()).await.unwrap();
    let state = AppState::build(store.clone(), 2, Duration::from_secs(1800)).unwrap().with_mail(sink.config());
    let worker = tokio::spawn(mail::run(store.clone(), sink.config(), "worker-a".into()));
    (TestApp::serve_state(state.clone(), store, url).await, state, worker)
}

/// The link in a reset message, as a path on the app.
fn reset_path(message: &str) -> String {
    // Long lines may be folded in the raw message: join soft breaks first.
    let text = message.replace("=\r\n", "").replace("=\n", "");
    let start = text.find("http://taper.test/password/reset/").expect("a reset link");
    let link: String = text[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    link.trim_start_matches("http://taper.test").to_string()
}

#[tokio::test]
async fn a_forgotten_password_is_reset_once_from_the_link_in_the_e_mail() {
    let Some(sink) = Sink::start() else { return };
    for scratch in [Some(Scratch::sqlite()), Scratch::postgres().await.ok()].into_iter().flatten() {
        let (app, worker) = with_mail(&scratch.url, &sink).await;
        let before = sink.messages().len();
        let email = format!("reset-{}@example.org", uuid::Uuid::now_v7().simple());
        let signed_in = app.browser();
        signed_in.sign_up(&email).await;
        let user = app.store.user_by_email(&email).await.unwrap().unwrap().id;

        let visitor = app.browser();
        assert!(visitor.get("/login").await.has("href=\"/password/forgot\""), "the sign-in page offers it");
        let asked = visitor.submit("/password/forgot", "/password/forgot", &[("email", &email)]).await;
        assert!(asked.has("we have sent it a link to choose a new password"), "{}", visible(&asked));
        // The same words for an address no account uses, and no message for it.
        let nobody = visitor.submit("/password/forgot", "/password/forgot", &[("email", "nobody@example.org")]).await;
        assert!(nobody.has("we have sent it a link to choose a new password"));
        let got = sink.wait_for(before + 1).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(sink.messages().len(), before + 1, "one message, to the account's address only");
        let message = got.iter().find(|m| m.contains(&email)).expect("the message to the account");
        assert!(message.contains("Subject: Choose a new password"), "{message}");
        // A plain UTF-8 text message with its headers, the link on one line (a walk: it was
        // split by quoted-printable and lacked MIME-Version and Message-ID).
        for header in ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Message-ID: "] {
            assert!(message.contains(header), "{header}: {message}");
        }
        assert!(!message.contains("=\n") && !message.contains("=\r\n"), "no soft line breaks: {message}");
        // Asking again at once sends nothing more: one link per address in ten minutes.
        visitor.submit("/password/forgot", "/password/forgot", &[("email", &email)]).await;
        let bad = visitor.submit("/password/forgot", "/password/forgot", &[("email", "not an address")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", visible(&bad));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(sink.messages().len(), before + 1, "no second link within ten minutes");
        assert!(!message.contains("mg") && !message.contains("citalopram"), "no health detail in the message");
        let path = reset_path(message);

        // A short password and two that differ are refused; nothing changes.
        let form = visitor.get(&path).await;
        assert!(form.has("Choose a new password") && form.has("name=\"again\""), "{}", visible(&form));
        let short = visitor.submit(&path, &path, &[("password", "short"), ("again", "short")]).await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        let differ = visitor
            .submit(&path, &path, &[("password", "a brand new passphrase"), ("again", "a brand new passphrase!")])
            .await;
        assert!(differ.has("are not the same"), "{}", visible(&differ));
        assert!(
            app.browser().sign_in(&email).await.location.is_some_and(|l| l != "/login"),
            "old password still works"
        );

        let done = visitor
            .submit(&path, &path, &[("password", "a brand new passphrase"), ("again", "a brand new passphrase")])
            .await;
        assert_eq!(done.location.as_deref(), Some("/login?reset=1"));
        assert!(visitor.get("/login?reset=1").await.has("Your new password is saved"));
        // Every session of the account ended; the old password no longer signs in; the new one does.
        assert_eq!(signed_in.get("/today").await.location.as_deref(), Some("/login"));
        assert!(app.browser().sign_in(&email).await.has("do not match"));
        let fresh = app.browser();
        let signed =
            fresh.submit("/login", "/login", &[("email", &email), ("password", "a brand new passphrase")]).await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER);
        assert_ne!(signed.location.as_deref(), Some("/login"));
        // The link works once.
        let again = visitor.get(&path).await;
        assert!(again.has("id=\"link-invalid\""), "{}", visible(&again));
        let reused = visitor
            .submit("/login", &path, &[("password", "another new passphrase"), ("again", "another new passphrase")])
            .await;
        assert!(reused.has("id=\"link-invalid\""));
        assert!(app.store.user(user).await.is_ok());
        worker.abort();
        app.stop().await;
        scratch.remove().await;
    }
}

#[tokio::test]
async fn without_an_smtp_server_the_page_says_e_mail_is_off() {
    on_both(|app: TestApp| async move {
        let page = app.browser().get("/password/forgot").await;
        assert!(page.has("id=\"mail-off\"") && !page.has("name=\"email\""), "{}", visible(&page));
        app
    })
    .await;
}

/// Two instances on one PostgreSQL database, each with its worker, send every queued message
/// exactly once; an SMTP server that is not there is retried later, then kept as failed.
#[tokio::test]
async fn two_instances_send_each_message_once_and_failures_are_kept_for_the_operator() {
    let Some(sink) = Sink::start() else { return };
    let pg = match Scratch::postgres().await {
        Ok(p) => p,
        Err(e) if taper_store::scratch::postgres_required() => panic!("no PostgreSQL: {e}"),
        Err(_) => return,
    };
    let key = taper_store::seal::Key::generate();
    let a = Store::connect_sealed(&pg.url, &key).await.unwrap();
    let b = Store::connect_sealed(&pg.url, &key).await.unwrap();
    let now = Timestamp::now();
    for n in 0..20 {
        let email = Email {
            to: format!("p{n}@example.org"),
            subject: format!("Message {n}"),
            body: "Hello".into(),
            unsubscribe: None,
        };
        mail::queue(&a, &email, None, now).await.unwrap();
    }
    let first = tokio::spawn(mail::run(a.clone(), sink.config(), "worker-a".into()));
    let second = tokio::spawn(mail::run(b.clone(), sink.config(), "worker-b".into()));
    let got = sink.wait_for(20).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got_all = sink.messages();
    assert_eq!(got_all.len(), 20, "each message once ({} arrived first)", got.len());
    for n in 0..20 {
        let subject = format!("Subject: Message {n}\n");
        let count = got_all.iter().filter(|m| m.replace("\r\n", "\n").contains(&subject)).count();
        assert_eq!(count, 1, "message {n} arrived {count} times");
    }
    assert!(a.jobs_pending().await.unwrap().is_empty(), "every job done");
    first.abort();
    second.abort();

    // Nobody listening: the message is kept, retried later, and the operator sees why.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let down = MailConfig { smtp_url: format!("smtp://127.0.0.1:{closed}"), ..sink.config() };
    let email =
        Email { to: "late@example.org".into(), subject: "Later".into(), body: "Hello".into(), unsubscribe: None };
    mail::queue(&a, &email, None, Timestamp::now()).await.unwrap();
    let worker = tokio::spawn(mail::run(a.clone(), down, "worker-c".into()));
    let mut pending = Vec::new();
    for _ in 0..100 {
        pending = a.jobs_pending().await.unwrap();
        if pending.first().is_some_and(|j| j.attempts >= 1 && j.last_error.is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    worker.abort();
    let job = pending.first().expect("the message kept");
    assert_eq!((job.attempts, job.failed_at), (1, None), "tried once, to be tried again");
    assert!(job.run_at > Timestamp::now(), "not before its wait");
    a.close().await;
    b.close().await;
    pg.remove().await;
}

/// Issue 20: "urgent flags e-mail the consented supporters with no health detail in the message".
/// An item-9 answer above zero e-mails the supporter who sees questionnaires, once that day; the
/// message names nobody and says nothing of the answer.
#[tokio::test]
async fn an_urgent_flag_e_mails_the_consented_supporter_without_detail() {
    let Some(sink) = Sink::start() else { return };
    for scratch in [Some(Scratch::sqlite()), Scratch::postgres().await.ok()].into_iter().flatten() {
        let (app, worker) = with_mail(&scratch.url, &sink).await;
        let before = sink.messages().len();
        let tag = uuid::Uuid::now_v7().simple().to_string();
        let sam = app.browser();
        sam.sign_up_as(&format!("sam-{tag}@example.org"), "Sam Rivers", "person").await;
        let dr = app.browser();
        let dr_email = format!("dr-{tag}@example.org");
        dr.sign_up_as(&dr_email, "Dr Lee", "clinician").await;
        crate::sharing::share_with(&sam, &dr).await;
        crate::sharing::phq9(&sam, ["1", "1", "1", "1", "0", "0", "0", "0", "2"]).await;
        crate::sharing::phq9(&sam, ["1", "1", "1", "1", "0", "0", "0", "0", "3"]).await;
        let got = sink.wait_for(before + 1).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(sink.messages().len(), before + 1, "one e-mail that day, to the supporter only");
        let message = got.iter().find(|m| m.contains(&dr_email)).expect("the supporter's e-mail");
        assert!(message.contains("Subject: An urgent flag in Taper") && message.contains("/caseload"), "{message}");
        for detail in ["Sam", "Rivers", "question 9", "PHQ", "self-harm", "suicid"] {
            assert!(!message.contains(detail), "no name or detail ({detail}): {message}");
        }
        worker.abort();
        app.stop().await;
        scratch.remove().await;
    }
}
