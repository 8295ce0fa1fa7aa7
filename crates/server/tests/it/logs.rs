//! Issue 12, log hygiene (security probe M8: the log linked a user id to an item-9 answer):
//! secrets planted through every kind of form — e-mail, password, names, notes, a safety plan,
//! an invitation's label and code, answers — never reach the log; a failed sign-in is logged
//! with a hashed account key and the client address.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use reqwest::StatusCode;

use crate::helpers::{TestApp, on_both};
use crate::sharing::{phq9, with_everything};
use crate::{days_ago, make_plan};

#[derive(Clone)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every log line of this test binary from now on, at the production filter plus this crate's
/// debug lines (stricter than what `taper serve` writes by default).
fn captured() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = Sink(buf.clone());
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("info,taper_server=debug,sqlx=warn"))
            .with_ansi(false)
            .with_writer(move || sink.clone())
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
        buf
    })
}

fn log_text() -> String {
    captured().lock().map(|v| String::from_utf8_lossy(&v).into_owned()).unwrap_or_default()
}

#[tokio::test]
async fn nothing_a_person_types_reaches_the_log() {
    captured();
    on_both(|app: TestApp| async move {
        let sam = app.browser();
        let email = "log-secret-mail-k2@example.org";
        let form = [
            ("email", email),
            ("display_name", "LogSecretName Harrow"),
            ("role", "person"),
            ("password", "LogSecretPassword-551"),
            ("confirm", "LogSecretPassword-551"),
            ("time_zone", "Europe/London"),
        ];
        assert_eq!(sam.submit("/signup", "/signup", &form).await.status, StatusCode::SEE_OTHER);
        make_plan(&sam, &days_ago(3), "28").await;
        let today = crate::london_today().to_string();
        crate::check_in_with_note(&sam, &today, "LogSecretNote-77").await;
        sam.submit(
            "/safety-plan",
            "/safety-plan",
            &[("warning_signs", "LogSecretPlan-31"), ("contact_phone", "0700 900 123")],
        )
        .await;
        let invite = sam.invite(&with_everything(&[("label", "LogSecretLabel-90")])).await;
        let code = crate::sharing::invite_code(&invite);
        let dr = app.browser();
        dr.sign_up_as("log-dr@example.org", "Dr Log", "clinician").await;
        assert_eq!(dr.submit("/join", "/join", &[("code", &code)]).await.status, StatusCode::SEE_OTHER);
        phq9(&sam, ["1", "1", "1", "1", "0", "0", "0", "0", "3"]).await;
        let csrf = sam.get("/today").await.csrf();
        let wrong = app.browser();
        wrong.submit("/login", "/login", &[("email", email), ("password", "LogSecretWrongGuess-4")]).await;

        let log = log_text();
        for secret in [
            email,
            "LogSecretName",
            "LogSecretPassword",
            "LogSecretNote",
            "LogSecretPlan",
            "0700 900 123",
            "LogSecretLabel",
            &code,
            &code.replace('-', ""),
            &csrf,
            "LogSecretWrongGuess",
        ] {
            assert!(!log.contains(secret), "the log holds {secret}");
        }
        // No line ties anyone to an answer: no item-9 value, no score, next to an id.
        for line in log.lines().filter(|l| l.contains("user=")) {
            assert!(!line.contains("item9") && !line.contains("item 9") && !line.contains("score"), "{line}");
        }
        // A failed sign-in is logged, with the account as a hash and the client address.
        let key = taper_server::throttle::account_key(email);
        assert!(
            log.lines().any(|l| l.contains("sign-in failed") && l.contains(&key) && l.contains("addr=127.0.0.1")),
            "{log}"
        );
        app
    })
    .await;
}
