//! Request latency of the busiest pages, served by the real app on loopback with an SQLite
//! database: a signed-in person with a plan and 60 days of check-ins. `cargo bench -p taper-server`.

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::ToSpan as _;
use reqwest::Client;
use taper_server::{AppState, app};
use taper_store::scratch::Scratch;
use taper_store::{NewCheckIn, Store};

fn token(body: &str) -> String {
    let key = "name=\"csrf\" value=\"";
    let start = body.find(key).map(|i| i + key.len()).expect("a CSRF token");
    body[start..start + body[start..].find('"').expect("token end")].to_string()
}

async fn page(client: &Client, url: String) -> String {
    client.get(url).send().await.expect("get").text().await.expect("body")
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let scratch = Scratch::sqlite();
    let today = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let (base, client) = rt.block_on(async {
        let store = Store::connect(&scratch.url).await.expect("store");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let router = app(AppState::new(store.clone()).expect("state"), false);
        tokio::spawn(async move { axum::serve(listener, router).await });
        let client = Client::builder().cookie_store(true).build().expect("client");
        let t = token(&page(&client, format!("{base}/signup")).await);
        let form = [
            ("csrf", t.as_str()),
            ("email", "bench@example.org"),
            ("display_name", "Bench"),
            ("password", "a long bench password"),
            ("confirm", "a long bench password"),
            ("time_zone", "UTC"),
            ("role", "person"),
        ];
        client.post(format!("{base}/signup")).form(&form).send().await.expect("signup");
        let start = today.checked_sub(60.days()).expect("date").to_string();
        let t = token(&page(&client, format!("{base}/plan/new?drug=citalopram")).await);
        let plan = [
            ("csrf", t.as_str()),
            ("drug", "citalopram"),
            ("dose", "20"),
            ("strategy", "hyperbolic"),
            ("step", "5"),
            ("every", "14"),
            ("start_date", start.as_str()),
            ("syringe", "0.1"),
            ("products", "citalopram-oral-drops-40mg-ml"),
        ];
        client.post(format!("{base}/plan")).form(&plan).send().await.expect("plan");
        let user = store.user_by_email("bench@example.org").await.expect("query").expect("user").id;
        for d in 0..60i64 {
            let scores = [Some(u8::try_from(d % 3).expect("small")); 17];
            let c = NewCheckIn {
                date: today.checked_sub(d.days()).expect("date"),
                scores: &scores,
                burden: scores.iter().flatten().map(|&s| u32::from(s)).sum(),
                own: &[],
                wellbeing: 6,
                sleep_hours: Some(7.0),
                note: "",
            };
            store.save_checkin(user, &c, jiff::Timestamp::now()).await.expect("check-in");
        }
        (base, client)
    });
    for path in ["/today", "/progress", "/plan"] {
        c.bench_function(&format!("GET {path} (plan + 60 check-ins)"), |b| {
            b.iter(|| {
                rt.block_on(async {
                    let r = client.get(format!("{base}{path}")).send().await.expect("get");
                    assert!(r.status().is_success());
                    r.bytes().await.expect("body")
                })
            })
        });
    }
    let t = rt.block_on(async { token(&page(&client, format!("{base}/checkin")).await) });
    let day = today.to_string();
    c.bench_function("POST /checkin (saved with synchronous=FULL, then redirect)", |b| {
        b.iter(|| {
            rt.block_on(async {
                let form = [("csrf", t.as_str()), ("wellbeing", "5"), ("date", day.as_str())];
                let r = client.post(format!("{base}/checkin")).form(&form).send().await.expect("post");
                assert!(r.status().is_success());
            })
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
