//! The burst harness (issue 12): the real `taper serve`, started as its own process on SQLite,
//! meets 128 concurrent anonymous sign-ins (argon2 at 19 MiB each) and a wave of the heaviest
//! plan previews, while `/health` is asked every 20 ms. Reported against limits measured in the
//! same run: a bare axum hello-world's latency on the same machine, and the server's own resident
//! memory before the burst.
//!
//! Then (issue 19, item 4) an account imported at the import's limit of check-ins has its
//! heaviest page, Progress, opened by several clients at once, again with `/health` watched.
//!
//! `cargo bench -p taper --bench burst` (release build; prints a table, asserts nothing).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Client;

/// How many of each, overridable to measure one kind alone:
/// `TAPER_BURST_SIGN_INS=128 TAPER_BURST_PREVIEWS=0 cargo bench -p taper --bench burst`.
fn count(var: &str, default: usize) -> usize {
    std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn token(body: &str) -> String {
    let key = "name=\"csrf\" value=\"";
    let start = body.find(key).map(|i| i + key.len()).expect("a CSRF token");
    body[start..start + body[start..].find('"').expect("token end")].to_string()
}

/// Peak and current resident memory of a process, in MiB (Linux /proc).
fn memory_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(0.0, |kib| kib / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

async fn latency(client: &Client, url: &str) -> Duration {
    let t = Instant::now();
    let r = client.get(url).send().await.expect("get");
    r.bytes().await.expect("body");
    t.elapsed()
}

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v.get(i).copied().unwrap_or_default()
}

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_taper(dir: &std::path::Path, port: u16) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_taper"))
        .args(["serve", "--port", &port.to_string(), "--data-dir"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("taper serve");
    Server(child)
}

async fn hello_world() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

async fn sign_up(client: &Client, base: &str) {
    let t = token(&client.get(format!("{base}/signup")).send().await.expect("get").text().await.expect("body"));
    let form = [
        ("csrf", t.as_str()),
        ("email", "burst@example.org"),
        ("display_name", "Burst"),
        ("password", "a long burst password"),
        ("confirm", "a long burst password"),
        ("time_zone", "UTC"),
        ("role", "person"),
    ];
    client.post(format!("{base}/signup")).form(&form).send().await.expect("signup");
}

/// One anonymous visitor: fetch the form, send a wrong password.
async fn wrong_sign_in(base: String) -> u16 {
    let client = Client::builder().cookie_store(true).build().expect("client");
    let page = client.get(format!("{base}/login")).send().await.expect("get").text().await.expect("body");
    let form = [("csrf", token(&page)), ("email", "burst@example.org".into()), ("password", "not the password".into())];
    client.post(format!("{base}/login")).form(&form).send().await.map_or(0, |r| r.status().as_u16())
}

/// The heaviest preview the edge allows: every product of a drug, a cutter, a micro-taper.
async fn heavy_preview(client: Client, base: String) -> u16 {
    let page =
        client.get(format!("{base}/plan/new?drug=diazepam")).send().await.expect("get").text().await.expect("body");
    let mut form: Vec<(String, String)> = vec![
        ("csrf".into(), token(&page)),
        ("drug".into(), "diazepam".into()),
        ("dose".into(), "40".into()),
        ("strategy".into(), "proportional".into()),
        ("step".into(), "10".into()),
        ("every".into(), "14".into()),
        ("start_date".into(), jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date().to_string()),
        ("syringe".into(), "0.1".into()),
        ("cutter".into(), "yes".into()),
    ];
    let key = "name=\"products\" value=\"";
    let mut rest = page.as_str();
    while let Some(i) = rest.find(key) {
        rest = &rest[i + key.len()..];
        let end = rest.find('"').unwrap_or(0);
        form.push(("products".into(), rest[..end].to_string()));
    }
    client.post(format!("{base}/plan/preview")).form(&form).send().await.map_or(0, |r| r.status().as_u16())
}

/// `/health` asked every 20 ms until the flag is cleared; the latencies it saw.
fn watch_health(
    probe: &Client,
    base: &str,
) -> (std::sync::Arc<std::sync::atomic::AtomicBool>, tokio::task::JoinHandle<Vec<Duration>>) {
    let watching = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let (probe, url, flag) = (probe.clone(), format!("{base}/health"), watching.clone());
    let watch = tokio::spawn(async move {
        let mut v = Vec::new();
        while flag.load(std::sync::atomic::Ordering::Relaxed) {
            v.push(latency(&probe, &url).await);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        v
    });
    (watching, watch)
}

/// A plan saved for the signed-in `client`, then its export with `checkins` days of check-ins.
async fn export_with_checkins(client: &Client, base: &str, checkins: usize) -> serde_json::Value {
    let today = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    // The plan began within the last year (the form takes no earlier start).
    let first = today.checked_sub(jiff::Span::new().days(300)).expect("date");
    let page = client.get(format!("{base}/plan/new?drug=citalopram")).send().await.expect("get");
    let t = token(&page.text().await.expect("body"));
    let form = [
        ("csrf", t.as_str()),
        ("drug", "citalopram"),
        ("dose", "20"),
        ("strategy", "hyperbolic"),
        ("step", "10"),
        ("every", "28"),
        ("start_date", &first.to_string()),
        ("syringe", "0.1"),
        ("products", "citalopram-oral-drops-40mg-ml"),
    ];
    client.post(format!("{base}/plan")).form(&form).send().await.expect("plan");
    let text = client.get(format!("{base}/account/export.json")).send().await.expect("export").text().await;
    let mut export: serde_json::Value = serde_json::from_str(&text.expect("body")).expect("json");
    let days: Vec<serde_json::Value> = (1..=checkins)
        .map(|d| {
            let day = today.checked_sub(jiff::Span::new().days(i64::try_from(d).unwrap_or(0))).expect("date");
            let level = u8::try_from(d % 4).unwrap_or(0);
            serde_json::json!({"date": day.to_string(), "burden": 0, "scores": vec![level; 17], "wellbeing": 5,
                "sleep_hours": 7.0, "note": "a note of a realistic length about the day and how it went"})
        })
        .collect();
    export["checkins"] = serde_json::Value::Array(days);
    export
}

/// `/health` latencies while `rounds` of `clients` concurrent requests for `path` run.
async fn watched(
    probe: &Client,
    base: &str,
    heavy: &Client,
    path: &str,
    clients: usize,
    rounds: usize,
) -> (Vec<Duration>, Vec<Duration>) {
    let (watching, watch) = watch_health(probe, base);
    let mut pages = Vec::new();
    for _ in 0..rounds {
        let tasks: Vec<_> = (0..clients)
            .map(|_| {
                let (c, url) = (heavy.clone(), format!("{base}{path}"));
                tokio::spawn(async move { latency(&c, &url).await })
            })
            .collect();
        for t in tasks {
            pages.push(t.await.expect("page"));
        }
    }
    watching.store(false, std::sync::atomic::Ordering::Relaxed);
    (watch.await.expect("watch"), pages)
}

/// Issue 19, item 4: an account at the import's limit of check-ins, its Progress page opened by
/// `clients` at once for a few rounds, `/health` watched; reported against `hello_p50`.
async fn heavy_pages(dir: &std::path::Path, base: &str, probe: &Client, hello_p50: Duration, clients: usize) {
    let checkins = 4000;
    let heavy = Client::builder().cookie_store(true).build().expect("client");
    let t = token(&heavy.get(format!("{base}/signup")).send().await.expect("get").text().await.expect("body"));
    let form = [
        ("csrf", t.as_str()),
        ("email", "heavy@example.org"),
        ("display_name", "Heavy"),
        ("password", "a long heavy password"),
        ("confirm", "a long heavy password"),
        ("time_zone", "UTC"),
        ("role", "person"),
    ];
    heavy.post(format!("{base}/signup")).form(&form).send().await.expect("signup");
    let source = Client::builder().cookie_store(true).build().expect("client");
    let t = token(&source.get(format!("{base}/signup")).send().await.expect("get").text().await.expect("body"));
    let mut form = form;
    form[0].1 = t.as_str();
    form[1].1 = "source@example.org";
    source.post(format!("{base}/signup")).form(&form).send().await.expect("signup");
    let export = export_with_checkins(&source, base, checkins).await;
    let file = dir.join("heavy-export.json");
    std::fs::write(&file, export.to_string()).expect("export file");
    let imported = Command::new(env!("CARGO_BIN_EXE_taper"))
        .args(["import", "--email", "heavy@example.org", "--data-dir"])
        .arg(dir)
        .arg("--from")
        .arg(&file)
        .output()
        .expect("taper import");
    if !imported.status.success() {
        println!("heavy pages: the import failed: {}", String::from_utf8_lossy(&imported.stderr));
        return;
    }
    let ratio = |d: Duration| d.as_secs_f64() / hello_p50.as_secs_f64().max(1e-9);
    let (health, pages) = watched(probe, base, &heavy, "/progress", clients, 5).await;
    let (p50, max) = (percentile(pages.clone(), 0.5), percentile(pages, 1.0));
    println!(
        "heavy: {checkins} check-ins imported; /progress by {clients} clients at once x5: p50 {p50:.2?}, max {max:.2?}"
    );
    let (h50, hmax) = (percentile(health.clone(), 0.5), percentile(health.clone(), 1.0));
    println!(
        "/health heavy p50 {h50:.2?} (x{:.1}), max {hmax:.2?} (x{:.1}), {} samples",
        ratio(h50),
        ratio(hmax),
        health.len()
    );
}

fn main() {
    let (sign_ins, previews) = (count("TAPER_BURST_SIGN_INS", 128), count("TAPER_BURST_PREVIEWS", 16));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = std::env::temp_dir().join(format!("taper-burst-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let server = start_taper(&dir, port);
    let pid = server.0.id();
    let base = format!("http://127.0.0.1:{port}");
    rt.block_on(async {
        let probe = Client::new();
        for _ in 0..200 {
            if probe.get(format!("{base}/health")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let hello = hello_world().await;
        let person = Client::builder().cookie_store(true).build().expect("client");
        sign_up(&person, &base).await;

        let mut idle_hello = Vec::new();
        let mut idle_health = Vec::new();
        for _ in 0..100 {
            idle_hello.push(latency(&probe, &hello).await);
            idle_health.push(latency(&probe, &format!("{base}/health")).await);
        }
        let (_, rss_before) = memory_mib(pid);

        // /health every 20 ms while the burst runs.
        let (watching, watch) = watch_health(&probe, &base);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..sign_ins {
            tasks.push(tokio::spawn(wrong_sign_in(base.clone())));
        }
        for _ in 0..previews {
            tasks.push(tokio::spawn(heavy_preview(person.clone(), base.clone())));
        }
        let mut statuses = std::collections::BTreeMap::new();
        for t in tasks {
            *statuses.entry(t.await.unwrap_or(0)).or_insert(0) += 1;
        }
        let burst = started.elapsed();
        watching.store(false, std::sync::atomic::Ordering::Relaxed);
        let during = watch.await.expect("watch");
        let (peak, rss_after) = memory_mib(pid);

        let hello_p50 = percentile(idle_hello, 0.5);
        let ratio = |d: Duration| d.as_secs_f64() / hello_p50.as_secs_f64().max(1e-9);
        println!("burst: {sign_ins} concurrent wrong sign-ins + {previews} heaviest plan previews, in {burst:.2?}");
        println!("responses by status: {statuses:?}");
        println!("limit: bare axum hello-world p50 {hello_p50:.2?}");
        println!(
            "/health idle  p50 {:.2?} (x{:.1} the limit)",
            percentile(idle_health.clone(), 0.5),
            ratio(percentile(idle_health, 0.5))
        );
        let (p50, p99, max) =
            (percentile(during.clone(), 0.5), percentile(during.clone(), 0.99), percentile(during.clone(), 1.0));
        println!(
            "/health burst p50 {p50:.2?} (x{:.1}), p99 {p99:.2?} (x{:.1}), max {max:.2?} (x{:.1}), {} samples",
            ratio(p50),
            ratio(p99),
            ratio(max),
            during.len()
        );
        println!("server memory: {rss_before:.0} MiB before, peak {peak:.0} MiB, {rss_after:.0} MiB after");
        heavy_pages(&dir, &base, &probe, hello_p50, count("TAPER_BURST_HEAVY", 2)).await;
    });
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
