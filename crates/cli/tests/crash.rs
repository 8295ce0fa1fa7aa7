//! The crash-durability harness (issue 12), short enough for every CI run: the real
//! `taper serve` process takes check-ins from concurrent clients and is killed with SIGKILL at
//! an arbitrary moment, several times; after each restart every check-in the server had
//! acknowledged (303) is there exactly once and the database passes its integrity check. On
//! SQLite and on PostgreSQL.
//!
//! Longer runs: `TAPER_CRASH_ROUNDS=50 cargo test -p taper --test crash -- --nocapture`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Client;
use taper_store::Store;
use taper_store::seal::Key;

const CLIENTS: usize = 6;

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn start(dir: &Path, port: u16, database: Option<&str>) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_taper"));
    cmd.args(["serve", "--port", &port.to_string(), "--data-dir"])
        .arg(dir)
        .arg("--key-file")
        .arg(dir.join("taper.key"));
    if let Some(url) = database {
        cmd.args(["--database", url]);
    }
    Server(cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("taper serve"))
}

async fn wait_up(base: &str) {
    let probe = Client::new();
    let until = Instant::now() + Duration::from_secs(30);
    while Instant::now() < until {
        if probe.get(format!("{base}/health")).send().await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("taper serve did not come up at {base}");
}

fn token(body: &str) -> String {
    let key = "name=\"csrf\" value=\"";
    let start = body.find(key).map(|i| i + key.len()).expect("a CSRF token");
    body[start..start + body[start..].find('"').expect("token end")].to_string()
}

async fn sign_up(client: &Client, base: &str, email: &str) {
    let page = client.get(format!("{base}/signup")).send().await.expect("get").text().await.expect("body");
    let form = [
        ("csrf", token(&page)),
        ("email", email.to_string()),
        ("display_name", "Crash".into()),
        ("password", "a long crash password".into()),
        ("confirm", "a long crash password".into()),
        ("time_zone", "UTC".into()),
        ("role", "person".into()),
    ];
    let r = client.post(format!("{base}/signup")).form(&form).send().await.expect("sign-up");
    assert!(r.status().is_redirection(), "sign-up: {}", r.status());
}

/// Posts check-ins for successive days until the server goes away; returns the days it
/// acknowledged.
async fn write_until_killed(client: Client, base: String, days: Vec<String>) -> Vec<String> {
    let mut acked = Vec::new();
    for day in days {
        let Ok(page) = client.get(format!("{base}/checkin?date={day}")).send().await else { break };
        let Ok(body) = page.text().await else { break };
        let mut form = vec![
            ("csrf".to_string(), token(&body)),
            ("date".into(), day.clone()),
            ("wellbeing".into(), "6".into()),
            ("note".into(), format!("written on {day}")),
        ];
        for k in taper_core::symptoms::CHECKLIST {
            form.push((format!("s_{}", k.key), "1".into()));
        }
        match client.post(format!("{base}/checkin")).form(&form).send().await {
            Ok(r) if r.status() == reqwest::StatusCode::SEE_OTHER => acked.push(day),
            Ok(r) => panic!("check-in for {day}: {}", r.status()),
            Err(_) => break,
        }
    }
    acked
}

fn rounds() -> usize {
    std::env::var("TAPER_CRASH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3)
}

async fn run(dir: PathBuf, database: Option<String>) {
    let url = database.clone().unwrap_or_else(|| format!("sqlite:{}", dir.join("taper.db").display()));
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start(&dir, port, database.as_deref());
    wait_up(&base).await;
    let clients: Vec<Client> = (0..CLIENTS)
        .map(|_| {
            Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("client")
        })
        .collect();
    for (i, c) in clients.iter().enumerate() {
        sign_up(c, &base, &format!("crash{i}@example.org")).await;
    }
    let today = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let mut acked: Vec<BTreeSet<String>> = vec![BTreeSet::new(); CLIENTS];
    let mut next_day = 0i64;
    let mut acknowledgements = 0;
    for _ in 0..rounds() {
        // Within the 60 days a check-in may be written for; long runs write some days again
        // (a replacement, still one row per day).
        let days: Vec<String> = (next_day..next_day + 12)
            .map(|d| today.checked_sub(jiff::Span::new().days(d % 58)).expect("a date").to_string())
            .collect();
        next_day += 12;
        let tasks: Vec<_> =
            clients.iter().map(|c| tokio::spawn(write_until_killed(c.clone(), base.clone(), days.clone()))).collect();
        // Killed at an arbitrary moment a little into the writing.
        // Instant::now().elapsed() is always about zero; the wall clock's nanoseconds vary.
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let jitter = u64::from(nanos % 400);
        tokio::time::sleep(Duration::from_millis(150 + jitter)).await;
        let _ = server.0.kill(); // SIGKILL on Unix
        let _ = server.0.wait();
        for (i, t) in tasks.into_iter().enumerate() {
            let got = t.await.expect("client task");
            acknowledgements += got.len();
            acked[i].extend(got);
        }
        server = start(&dir, port, database.as_deref());
        wait_up(&base).await;
    }
    drop(server);
    // Every acknowledged check-in is there exactly once; the database is whole.
    let key = Key::from_hex(&std::fs::read_to_string(dir.join("taper.key")).expect("key file")).expect("key");
    let store = Store::connect_sealed(&url, &key).await.expect("the database reopens");
    let mut total = 0;
    for (i, days) in acked.iter().enumerate() {
        let user = store.user_by_email(&format!("crash{i}@example.org")).await.expect("query").expect("user");
        let stored: Vec<String> =
            store.checkins(user.id).await.expect("check-ins").iter().map(|c| c.date.to_string()).collect();
        let unique: BTreeSet<&String> = stored.iter().collect();
        assert_eq!(unique.len(), stored.len(), "a day stored twice for client {i}");
        for d in days {
            assert!(stored.contains(d), "client {i}: the acknowledged check-in for {d} was lost");
        }
        total += days.len();
    }
    if database.is_none() {
        assert_eq!(store.sqlite_pragma("integrity_check").await.expect("pragma"), "ok");
    }
    assert!(total > 0, "no write was acknowledged: the harness did not exercise anything");
    eprintln!(
        "crash harness ({}): {} SIGKILLs, {acknowledgements} acknowledged writes ({total} distinct days), 0 lost",
        if database.is_some() { "PostgreSQL" } else { "SQLite" },
        rounds()
    );
    store.close().await;
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("taper-crash-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill_on_sqlite() {
    let dir = temp_dir("sqlite");
    run(dir.clone(), None).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill_on_postgresql() {
    let p = match taper_store::scratch::Scratch::postgres().await {
        Ok(p) => p,
        Err(e) if taper_store::scratch::postgres_required() => panic!("no PostgreSQL ({e}); CI needs one"),
        Err(e) => return eprintln!("\n!!! SKIPPED: no PostgreSQL ({e}) !!!\n"),
    };
    let dir = temp_dir("pg");
    run(dir.clone(), Some(p.url.clone())).await;
    p.remove().await;
    let _ = std::fs::remove_dir_all(&dir);
}
