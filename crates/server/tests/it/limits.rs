//! Issue 19, N8: a client that trickles its headers, or promises a body it never sends, is cut
//! off by the server instead of holding a connection for ever (the test app's limits are 1 s for
//! headers and 2 s for a body; the served app's are 10 s and 30 s).

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::helpers::{TestApp, on_both, on_sqlite};

/// Everything the server sends before it closes the connection (bounded, so a server that never
/// closes fails the test rather than hanging it).
async fn until_closed(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut got)).await;
    read.ok().map(|_| String::from_utf8_lossy(&got).into_owned())
}

#[tokio::test]
async fn slow_headers_and_missing_bodies_are_cut_off() {
    on_sqlite(2, |app: TestApp| async move {
        let addr = app.base.trim_start_matches("http://").to_string();
        // Headers that never end.
        let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
        slow.write_all(b"GET /health HTTP/1.1\r\nHost: taper\r\nX-Slow: 1\r\n").await.unwrap();
        let answer = until_closed(&mut slow).await;
        assert!(answer.is_some(), "the server kept a connection whose headers never ended");
        // A body promised and not sent: refused as too slow, with words for a person.
        let mut lying = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let head = "POST /login HTTP/1.1\r\nHost: taper\r\nContent-Type: application/x-www-form-urlencoded\r\n\
                    Content-Length: 100\r\nConnection: close\r\n\r\nemail";
        lying.write_all(head.as_bytes()).await.unwrap();
        let answer = until_closed(&mut lying).await.expect("the server answers and closes");
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("took too long to arrive"), "{answer}");
        // Everyone else is still served.
        assert_eq!(app.browser().get("/health").await.body, "ok");
        app
    })
    .await;
}

/// Issue 21: `/ready` answers "ready" while the database answers, and 503 once it cannot (here,
/// its connections closed), with no detail for whoever asks; on SQLite also while another holds
/// its write lock (an operator walk: a held lock still read "ready"), and ready again after.
#[tokio::test]
async fn ready_says_whether_the_database_answers() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        let ok = b.get("/ready").await;
        assert_eq!((ok.status, ok.body.as_str()), (reqwest::StatusCode::OK, "ready"));
        if app.url.starts_with("sqlite:") {
            let lock = app.store.test_hold_write_lock().await.unwrap();
            let locked = b.get("/ready").await;
            assert_eq!(locked.status, reqwest::StatusCode::SERVICE_UNAVAILABLE, "{}", locked.body);
            assert_eq!(b.get("/health").await.body, "ok", "alive meanwhile");
            lock.rollback().await.unwrap();
            assert_eq!(b.get("/ready").await.status, reqwest::StatusCode::OK, "ready again");
        }
        app.store.close().await;
        let down = b.get("/ready").await;
        assert_eq!(down.status, reqwest::StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(b.get("/health").await.body, "ok", "alive, though not ready");
        app
    })
    .await;
}

/// Issue 21: `/metrics` is off without a token (404), refuses a wrong one (401), and with the
/// token answers in the Prometheus text format, read back by an independent parser (PyPI's
/// prometheus_client, installed by scripts/test-deps): each route's latency, answers by status
/// class, the planners, the e-mail queue, the database pool, the attempt-limit refusals.
#[tokio::test]
async fn metrics_answer_only_to_the_token_in_a_format_prometheus_reads() {
    use taper_store::scratch::Scratch;
    let scratch = Scratch::sqlite();
    let off = TestApp::spawn(&scratch.url).await;
    assert_eq!(off.browser().get("/metrics").await.status, reqwest::StatusCode::NOT_FOUND, "off without a token");

    let on = Scratch::sqlite();
    let store = taper_store::Store::connect_sealed(&on.url, &taper_store::seal::Key::generate()).await.unwrap();
    let state = taper_server::AppState::build(store.clone(), 2, Duration::from_secs(1800))
        .unwrap()
        .with_metrics_token(Some("s3cret-token".into()));
    let app = TestApp::serve_state(state, store, &on.url).await;
    let b = app.browser();
    b.sign_up("m@example.org").await;
    b.get("/today").await;
    b.get("/nowhere").await;
    let get = |token: &'static str| {
        b.client.get(format!("{}/metrics", b.base)).header("authorization", format!("Bearer {token}")).send()
    };
    assert_eq!(get("wrong").await.unwrap().status(), reqwest::StatusCode::UNAUTHORIZED);
    // The scheme's name in any case (RFC 9110).
    let lower = b.client.get(format!("{}/metrics", b.base)).header("authorization", "bearer s3cret-token").send();
    assert_eq!(lower.await.unwrap().status(), reqwest::StatusCode::OK);
    let text = get("s3cret-token").await.unwrap().text().await.unwrap();
    assert!(text.contains("taper_http_request_duration_seconds_bucket{method=\"GET\",route=\"/today\",le=\"0.005\"}"));
    assert!(!text.contains("/nowhere") && !text.contains("m@example.org"), "routes, never addresses or people");

    let Ok(python) = std::env::var("TAPER_TEST_SMTP_PYTHON") else {
        assert!(!taper_store::scratch::postgres_required(), "no prometheus_client (scripts/test-deps installs it)");
        eprintln!("\n!!! SKIPPED parsing /metrics: no prometheus_client (run scripts/test) !!!\n");
        return;
    };
    let file = std::env::temp_dir().join(format!("taper-metrics-{}.txt", uuid::Uuid::now_v7()));
    std::fs::write(&file, &text).unwrap();
    let script = "import sys\nfrom prometheus_client.parser import text_string_to_metric_families as p\n\
                  for f in p(open(sys.argv[1]).read()):\n    print(f.name, f.type, len(f.samples))\n";
    let out = std::process::Command::new(python).arg("-c").arg(script).arg(&file).output().unwrap();
    let _ = std::fs::remove_file(&file);
    let families = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "prometheus_client could not read it: {}", String::from_utf8_lossy(&out.stderr));
    for (name, kind) in [
        ("taper_http_request_duration_seconds", "histogram"),
        ("taper_http_responses", "counter"),
        ("taper_planners", "gauge"),
        ("taper_planners_busy", "gauge"),
        ("taper_jobs_waiting", "gauge"),
        ("taper_jobs_failed", "gauge"),
        ("taper_db_connections", "gauge"),
        ("taper_backup_last_taken_seconds", "gauge"),
        ("taper_backup_failures", "counter"),
    ] {
        assert!(families.lines().any(|l| l.starts_with(&format!("{name} {kind} "))), "{name} {kind} in:\n{families}");
    }
}
