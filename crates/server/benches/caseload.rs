//! The caseload at clinic scale (issue 21): one clinician sharing with `TAPER_BENCH_PEOPLE`
//! people (default 200), each with a plan and `TAPER_BENCH_DAYS` days of check-ins (default 730)
//! and a PHQ-9 every two weeks, on SQLite (`TAPER_BENCH_DB=postgres`: on PostgreSQL). Then one
//! person's own pages and their clinician's page of them, with 60 days and with
//! `TAPER_BENCH_DAYS`. Reported as a ratio to a limit measured in the same run: a bare axum
//! hello-world on the same machine and runtime. `cargo bench -p taper-server --bench caseload`.

use std::time::{Duration, Instant};

use jiff::ToSpan as _;
use reqwest::Client;
use taper_core::consent::Scope;
use taper_server::{AppState, app};
use taper_store::scratch::Scratch;
use taper_store::{AccountRecords, ImportedQuestionnaire, NewCheckIn, NewRevision, NewUser, Store};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn token(body: &str) -> String {
    let key = "name=\"csrf\" value=\"";
    let start = body.find(key).map(|i| i + key.len()).expect("a CSRF token");
    body[start..start + body[start..].find('"').expect("token end")].to_string()
}

async fn text(client: &Client, url: String) -> String {
    client.get(url).send().await.expect("get").text().await.expect("body")
}

/// Signs up `email` with `role` on a fresh cookie jar; the client.
async fn signed_up(base: &str, email: &str, role: &str) -> Client {
    let client = Client::builder().cookie_store(true).build().expect("client");
    let t = token(&text(&client, format!("{base}/signup")).await);
    let form = [
        ("csrf", t.as_str()),
        ("email", email),
        ("display_name", "Bench"),
        ("password", "a long bench password"),
        ("confirm", "a long bench password"),
        ("time_zone", "UTC"),
        ("role", role),
    ];
    client.post(format!("{base}/signup")).form(&form).send().await.expect("signup");
    client
}

/// The median of `rounds` timings of `work`.
async fn median<F: std::future::Future<Output = ()>>(rounds: usize, mut work: impl FnMut() -> F) -> Duration {
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        work().await;
        times.push(t.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

/// The median of `work` over `rounds`, each after `first` (not timed).
async fn median_after<F, G>(rounds: usize, mut first: impl FnMut() -> G, mut work: impl FnMut() -> F) -> Duration
where
    F: std::future::Future<Output = ()>,
    G: std::future::Future<Output = ()>,
{
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        first().await;
        let t = Instant::now();
        work().await;
        times.push(t.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

/// A template plan's revision (settings, steps), saved through the form by a first person.
async fn template_plan(base: &str, store: &Store, start: &str) -> (String, String) {
    let client = signed_up(base, "template@example.org", "person").await;
    let t = token(&text(&client, format!("{base}/plan/new?drug=citalopram")).await);
    let plan = [
        ("csrf", t.as_str()),
        ("drug", "citalopram"),
        ("dose", "20"),
        ("dose_as", "tablets"),
        ("strategy", "hyperbolic"),
        ("step", "5"),
        ("every", "28"),
        ("start_date", start),
        ("syringe", "0.1"),
        ("products", "citalopram-tab-20mg"),
        ("products", "citalopram-oral-drops-40mg-ml"),
        ("confirm_past_start", "yes"),
    ];
    client.post(format!("{base}/plan")).form(&plan).send().await.expect("plan");
    let user = store.user_by_email("template@example.org").await.expect("query").expect("user").id;
    let first = store.active_plans(user).await.expect("plans")[0].id;
    let rev = store.plan(user, first).await.expect("plan").revisions.remove(0);
    (rev.settings, rev.steps)
}

/// A template plan, started today, with the settings and steps of one made through the form.
struct Template {
    settings: String,
    steps: String,
}

async fn seed(base: &str, store: &Store, people: usize, days: usize) -> Template {
    let today = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    // A start far back is refused as more than one cut at once; the plan starts today and the
    // history is check-ins and questionnaires, which is what the caseload reads for flags.
    let (settings, steps) = template_plan(base, store, &today.to_string()).await;
    let template = Template { settings, steps };
    let now = jiff::Timestamp::now();
    for p in 0..people {
        let email = format!("p{p}@example.org");
        let new = NewUser {
            email: &email,
            display_name: "Person",
            password_hash: "not used",
            time_zone: "UTC",
            role: taper_core::role::Role::Person,
            country: None,
        };
        let user = store.create_user(&new, now).await.expect("user").id;
        give_history(store, user, p, days, &template).await;
    }
    template
}

/// `days` of check-ins up to yesterday, a PHQ-9 every two weeks, the template plan, and a share
/// with the clinician (`dr@example.org`); `p` varies the scores from person to person.
async fn give_history(store: &Store, user: taper_store::UserId, p: usize, days: usize, template: &Template) {
    let now = jiff::Timestamp::now();
    let today = now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let start = today.checked_sub(i64::try_from(days).expect("days").days()).expect("start");
    let clinician = store.user_by_email("dr@example.org").await.expect("query").expect("clinician").id;
    let scores: Vec<Vec<Option<u8>>> =
        (0..days).map(|d| (0..23).map(|k| Some(u8::try_from((d + k + p) % 3).expect("small"))).collect()).collect();
    let checkins = (0..days)
        .map(|d| NewCheckIn {
            date: start.checked_add(i64::try_from(d).expect("day").days()).expect("date"),
            scores: &scores[d],
            burden: scores[d].iter().flatten().map(|&s| u32::from(s)).sum(),
            wellbeing: 6,
            sleep_hours: Some(7.0),
            note: "a note",
            own: &[],
        })
        .collect();
    let answers = [1u8, 1, 1, 1, 0, 0, 0, 0, 0];
    let questionnaires = (0..days)
        .step_by(14)
        .map(|d| ImportedQuestionnaire {
            instrument: "phq9",
            date: start.checked_add(i64::try_from(d).expect("day").days()).expect("date"),
            answers: &answers,
            total: 4,
            item9: Some(0),
            difficulty: None,
        })
        .collect();
    let records = AccountRecords {
        time_zone: "UTC",
        country: None,
        plans: vec![],
        doses: vec![],
        checkins,
        questionnaires,
        item9_answers: vec![],
        daily_safety_answers: vec![],
        assessments: vec![],
        med_events: vec![],
        med_background: None,
        safety_plan: None,
        supplies: vec![],
        own_symptoms: &[],
        switches: vec![],
    };
    store.import_account(user, &records, now).await.expect("import");
    let rev = NewRevision {
        effective: today,
        day_offset: 0,
        hold: false,
        settings: &template.settings,
        steps: &template.steps,
        reason: "Plan created",
        proposal: None,
    };
    store.create_plan(user, "citalopram", &rev, &[], now).await.expect("plan");
    let code = format!("bench-{user}");
    let expires = now.checked_add(jiff::SignedDuration::from_hours(24)).expect("expiry");
    store.create_invite(user, &code, "bench", true, Scope::all(), now, expires).await.expect("invite");
    store.redeem_invite(&code, clinician, now).await.expect("share");
}

/// A bare axum hello-world on a port of its own: the limit the caseload is compared with.
async fn hello() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let router = axum::Router::new().route("/", axum::routing::get(|| async { "hello" }));
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

fn main() {
    let people = env("TAPER_BENCH_PEOPLE", 200);
    let days = env("TAPER_BENCH_DAYS", 730);
    let rounds = env("TAPER_BENCH_ROUNDS", 9);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    // `TAPER_BENCH_DB=postgres`: a fresh database on the PostgreSQL of `TAPER_TEST_PG_URL` (else
    // the local one); SQLite otherwise.
    let postgres = std::env::var("TAPER_BENCH_DB").is_ok_and(|d| d == "postgres");
    let scratch = if postgres {
        rt.block_on(Scratch::postgres()).expect("a PostgreSQL server (TAPER_TEST_PG_URL)")
    } else {
        Scratch::sqlite()
    };
    let database = if postgres { "PostgreSQL" } else { "SQLite" };
    rt.block_on(async {
        let store = Store::connect(&scratch.url).await.expect("store");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let router = app(AppState::new(store.clone()).expect("state"), false);
        tokio::spawn(async move { axum::serve(listener, router).await });
        let dr = signed_up(&base, "dr@example.org", "clinician").await;
        let seeding = Instant::now();
        let template = seed(&base, &store, people, days).await;
        eprintln!("seeded {people} people × {days} days in {:.1} s", seeding.elapsed().as_secs_f64());

        let hello_base = hello().await;
        let plain = Client::new();
        let limit = median(rounds * 20, || async {
            let r = plain.get(format!("{hello_base}/")).send().await.expect("hello");
            assert!(r.status().is_success());
            r.bytes().await.expect("body");
        })
        .await;
        let view = || async {
            let r = dr.get(format!("{base}/caseload")).send().await.expect("caseload");
            assert!(r.status().is_success());
            let body = r.text().await.expect("body");
            assert!(body.contains(&format!("p{}@", people - 1)) || body.matches("Person").count() >= people);
        };
        let report = |what: &str, t: Duration| {
            println!(
                "GET /caseload, {people} people × {days} days on {database}, {what}: median {:.1} ms over {rounds}; hello-world {:.3} ms; ratio {:.0}×",
                t.as_secs_f64() * 1e3,
                limit.as_secs_f64() * 1e3,
                t.as_secs_f64() / limit.as_secs_f64()
            );
        };
        // The seed wrote straight to the store, as an import does: no reading is kept yet, and
        // every person's check-ins are read afresh (each round after a write of everyone's, so
        // no record is kept from the round before).
        let everyone_wrote = || async { store.test_raise_every_version().await.expect("versions") };
        report("readings not kept (every check-in read)", median_after(rounds, everyone_wrote, view).await);
        // What the server keeps when data change, here made by the sweep it runs hourly.
        let state = AppState::new(store.clone()).expect("state");
        let kept = Instant::now();
        taper_server::readings::sweep(&state, jiff::Timestamp::now()).await.expect("sweep");
        eprintln!("readings kept for {people} people in {:.1} s", kept.elapsed().as_secs_f64());
        // Every person's data changed since the last view (the first view of a busy day): each
        // record made afresh from the kept readings.
        report("readings kept, every record made afresh", median_after(rounds, everyone_wrote, view).await);
        // Nothing changed since: each record shown again as it was made (`kept`).
        report("readings kept, records kept", median(rounds, view).await);

        // One person's own pages and their clinician's page of them, with 60 days of history
        // and with `days` (issue 21: each within 1.5× between the two).
        let mut at = Vec::new();
        for (n, history) in [60, days].into_iter().enumerate() {
            let email = format!("page{n}@example.org");
            let person = signed_up(&base, &email, "person").await;
            let user = store.user_by_email(&email).await.expect("query").expect("person").id;
            give_history(&store, user, n, history, &template).await;
            taper_server::readings::sweep(&state, jiff::Timestamp::now()).await.expect("sweep");
            let mut times = Vec::new();
            for path in ["/today", "/progress", "/checkin"] {
                let url = format!("{base}{path}");
                times.push(median(rounds * 3, || async { assert!(text(&person, url.clone()).await.contains("</html>")) }).await);
            }
            let url = format!("{base}/people/{user}");
            times.push(median(rounds * 3, || async { assert!(text(&dr, url.clone()).await.contains("</html>")) }).await);
            at.push((history, times));
        }
        for (i, page) in ["/today", "/progress", "/checkin", "/people/{id}"].iter().enumerate() {
            let (short, long) = (at[0].1[i], at[1].1[i]);
            println!(
                "GET {page}: {:.1} ms with {} days, {:.1} ms with {} days ({:.2}× the shorter; {:.0}× hello-world)",
                short.as_secs_f64() * 1e3,
                at[0].0,
                long.as_secs_f64() * 1e3,
                at[1].0,
                long.as_secs_f64() / short.as_secs_f64(),
                long.as_secs_f64() / limit.as_secs_f64()
            );
        }
    });
    rt.block_on(scratch.remove());
}
