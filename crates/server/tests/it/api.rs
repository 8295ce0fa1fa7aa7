//! Issue 22: the JSON API. A person makes a token on Account, API tokens, choosing what it reads
//! and whether it records doses; an app reads their plans, doses and check-ins with it and
//! records a dose with the web app's own checks; the token stops when revoked or run out; every
//! use is in the access log. schemathesis, an independent tool, exercises the OpenAPI document
//! against a running server.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::forms::visible;
use crate::helpers::{Browser, TestApp, on_both, on_sqlite};
use crate::{days_ago, rising_after_a_step};

/// A token made through the form; it is shown once.
async fn make_token(p: &Browser, label: &str, parts: &[&str], doses: bool) -> String {
    make_token_recording(p, label, parts, doses, false).await
}

/// A token made through the form, which may record doses, and check-ins and questionnaires.
async fn make_token_recording(p: &Browser, label: &str, parts: &[&str], doses: bool, checkins: bool) -> String {
    let mut form: Vec<(&str, &str)> = parts.iter().map(|k| ("part", *k)).collect();
    form.extend([("days", "30"), ("label", label)]);
    if doses {
        form.push(("doses", "yes"));
    }
    if checkins {
        form.push(("checkins", "yes"));
    }
    let made = p.submit("/account/tokens", "/account/tokens", &form).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", visible(&made));
    assert_eq!(made.location.as_deref(), Some("/account/tokens#token-made"));
    let page = p.get("/account/tokens").await;
    let at = page.body.find("id=\"token-value\"").unwrap_or_else(|| panic!("{}", visible(&page)));
    let rest = &page.body[at..];
    let v = rest.find('>').unwrap() + 1;
    let token = rest[v..v + rest[v..].find('<').unwrap()].to_string();
    assert!(token.starts_with("taper_pat_"), "{token}");
    // How to use it, with an example of recording a dose when the token may.
    assert!(page.has("id=\"token-example\""));
    assert_eq!(page.has("id=\"token-record-example\""), doses, "{}", visible(&page));
    assert_eq!(page.has("id=\"token-checkin-example\""), checkins, "{}", visible(&page));
    assert!(!p.get("/account/tokens").await.has(&token), "the token is shown once");
    token
}

struct Api {
    base: String,
    token: String,
    client: reqwest::Client,
}

impl Api {
    fn new(app: &TestApp, token: &str) -> Api {
        Api { base: app.base.clone(), token: token.to_string(), client: reqwest::Client::new() }
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let r = self.client.get(format!("{}{path}", self.base)).bearer_auth(&self.token).send().await.unwrap();
        let status = r.status();
        (status, serde_json::from_str(&r.text().await.unwrap()).unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let r = (self.client.post(format!("{}{path}", self.base)).bearer_auth(&self.token))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, serde_json::from_str(&r.text().await.unwrap()).unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn a_token_reads_what_it_was_given_and_records_doses_as_the_web_app_does() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        rising_after_a_step(&app, &p, "p@example.org").await;
        let token = make_token(&p, "My dose widget", &["plan", "checkin_scores"], true).await;
        let api = Api::new(&app, &token);

        let (status, me) = api.get("/api/v1/me").await;
        assert_eq!(status, StatusCode::OK, "{me}");
        assert_eq!(me["name"], "Alex");
        assert_eq!(me["token"]["reads"], json!(["plan", "checkin_scores"]));
        assert_eq!(me["token"]["records_doses"], true);

        let (status, plans) = api.get("/api/v1/plans").await;
        assert_eq!(status, StatusCode::OK, "{plans}");
        let plan = &plans["plans"][0];
        assert_eq!(plan["drug"], "Citalopram");
        let today_mg = plan["dose_today_mg"].as_f64().unwrap();
        assert!(today_mg > 0.0 && today_mg < 20.0, "a step was taken 3 days ago: {plan}");
        assert_eq!(plan["today"][0]["dose_mg"].as_f64(), Some(today_mg));
        let how = plan["today"][0]["how"].as_str().unwrap().to_string();
        assert!(visible(&p.get("/today").await).contains(&how), "the web app says the same: {how}");
        let changes = plan["changes"].as_array().unwrap();
        assert!(changes.len() > 2, "{plan}");
        assert!(changes.windows(2).all(|w| w[0]["date"].as_str() < w[1]["date"].as_str()));
        assert!(changes.iter().all(|c| c["to_mg"].as_f64() < c["from_mg"].as_f64()), "a taper goes down");
        assert_eq!(changes.last().unwrap()["date"], plan["stops_on"]);
        assert!(plans["note"].as_str().unwrap().contains("not a prescription"));

        let (status, checkins) = api.get(&format!("/api/v1/checkins?from={}", days_ago(3))).await;
        assert_eq!(status, StatusCode::OK, "{checkins}");
        let days = checkins["checkins"].as_array().unwrap();
        assert_eq!(days.len(), 4, "the last four days: {checkins}");
        assert!(days.iter().all(|d| d["note"].is_null()), "notes were not given to this token");
        assert_eq!(days[0]["scores"].as_array().unwrap().len(), checkins["checklist"].as_array().unwrap().len());

        // What it was not given, and what is wrong, is said.
        let (status, refused) = api.get("/api/v1/questionnaires").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(refused["error"].as_str().unwrap().contains("does not read questionnaires"), "{refused}");
        let (status, bad) = api.get("/api/v1/doses?from=yesterday").await;
        assert_eq!((status, bad["field"].as_str()), (StatusCode::BAD_REQUEST, Some("from")), "{bad}");
        let (status, bad) = api.get("/api/v1/doses?form=2026-01-01").await;
        assert_eq!((status, bad["field"].as_str()), (StatusCode::BAD_REQUEST, Some("form")), "{bad}");

        // Recording today's dose asks what Today asks: a new way of preparing is read first.
        let new_way = p.get("/today").await.has("I have read the new way to prepare it");
        let (status, recorded) = api.post("/api/v1/doses", json!({ "status": "taken" })).await;
        let recorded = if new_way {
            assert_eq!(status, StatusCode::CONFLICT, "{recorded}");
            assert_eq!(recorded["field"], "read_new_way");
            assert!(recorded["error"].as_str().unwrap().contains("prepared a new way"), "{recorded}");
            let (status, again) = api.post("/api/v1/doses", json!({ "status": "taken", "read_new_way": true })).await;
            assert_eq!(status, StatusCode::CREATED, "{again}");
            again
        } else {
            assert_eq!(status, StatusCode::CREATED, "{recorded}");
            recorded
        };
        assert_eq!(recorded["status"], "taken");
        assert_eq!(recorded["dose_mg"].as_f64(), Some(today_mg));
        let (_, plans) = api.get("/api/v1/plans").await;
        assert_eq!(plans["plans"][0]["today"][0]["recorded"], "taken", "{plans}");
        let (_, doses) = api.get(&format!("/api/v1/doses?from={}", days_ago(0))).await;
        assert_eq!(doses["doses"].as_array().unwrap().len(), 1, "{doses}");
        let calendar = visible(&p.get(&format!("/doses/{}", days_ago(0))).await);
        assert!(calendar.contains("taken"), "the web app shows it: {calendar}");

        // A day that cannot be recorded, a field that is not one, a plan that is not there.
        let (status, bad) = api.post("/api/v1/doses", json!({ "status": "missed", "date": days_ago(100) })).await;
        assert_eq!((status, bad["field"].as_str()), (StatusCode::BAD_REQUEST, Some("date")), "{bad}");
        // Each wrong body names its field (a walk got serde's "line 1 column 11" and no field).
        for (body, field) in [
            (json!({ "status": "taken", "dose_mg": 5 }), "dose_mg"),
            (json!({ "date": days_ago(0) }), "status"),
            (json!({ "status": "took" }), "status"),
            (json!({ "status": "taken", "time": 8 }), "time"),
            (json!({ "status": "taken", "read_new_way": "yes" }), "read_new_way"),
            (json!({ "status": "missed", "plan": "" }), "plan"),
        ] {
            let (status, bad) = api.post("/api/v1/doses", body.clone()).await;
            assert_eq!((status, bad["field"].as_str()), (StatusCode::BAD_REQUEST, Some(field)), "{body}: {bad}");
        }
        let (status, bad) = api.post("/api/v1/doses", json!(["taken"])).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(bad["error"].as_str().unwrap().contains("must be a JSON object"), "{bad}");
        let huge = json!({ "status": "taken", "time": "x".repeat(200_000) });
        let (status, bad) = api.post("/api/v1/doses", huge).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{bad}");
        assert!(bad["error"].as_str().unwrap().contains("too large"), "{bad}");
        // An address or a method the API does not have is said in JSON too.
        let (status, bad) = api.get("/api/v1/nope").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(bad["error"].as_str().unwrap().contains("/api/openapi.json"), "{bad}");
        let put = api.client.put(format!("{}/api/v1/doses", app.base)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(put.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert!(put.headers()["allow"].to_str().unwrap().contains("POST"));
        let said: Value = serde_json::from_str(&put.text().await.unwrap()).unwrap();
        assert!(said["error"].as_str().unwrap().contains("does not take that method"), "{said}");
        let other = "00000000-0000-7000-8000-000000000000";
        let (status, bad) = api.post("/api/v1/doses", json!({ "status": "taken", "plan": other })).await;
        assert_eq!((status, bad["field"].as_str()), (StatusCode::NOT_FOUND, Some("plan")), "{bad}");

        // The person sees each use in their access log, refusals too, and that the token works.
        let log = visible(&p.get("/sharing").await);
        assert!(log.contains("was refused questionnaires"), "{log}");
        assert!(log.contains("1 API token you made works now"), "{log}");
        assert!(
            log.contains("the API token “My dose widget”") && log.contains("recorded a dose through the API"),
            "{log}"
        );

        // Stopped, it opens nothing.
        let page = p.get("/account/tokens").await;
        let at = page.body.find("action=\"/account/tokens/").unwrap() + "action=\"".len();
        let revoke = page.body[at..at + page.body[at..].find('"').unwrap()].to_string();
        assert_eq!(p.submit("/account/tokens", &revoke, &[]).await.status, StatusCode::SEE_OTHER);
        let (status, stopped) = api.get("/api/v1/plans").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(stopped["error"].as_str().unwrap().contains("stopped"), "{stopped}");
        // And the attempt is in the access log: a forgotten script is seen.
        let log = visible(&p.get("/sharing").await);
        assert!(log.contains("the stopped API token “My dose widget”") && log.contains("no longer works"), "{log}");
        // Nobody else can stop a person's token.
        let other = app.browser();
        other.sign_up_as("o@example.org", "Olu", "person").await;
        assert_eq!(other.submit("/account/tokens", &revoke, &[]).await.status, StatusCode::NOT_FOUND);
        app
    })
    .await;
}

#[tokio::test]
async fn the_api_takes_only_a_working_token_never_a_session() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        rising_after_a_step(&app, &p, "p@example.org").await;
        // Signed in on the web, the browser's cookies open no API address.
        let r = p.client.get(format!("{}/api/v1/plans", app.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(r.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
        let body: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert!(body["error"].as_str().unwrap().contains("Authorization"), "{body}");
        for wrong in ["taper_pat_nope", "Basic abc", &format!("taper_pat_{}", "A".repeat(43))] {
            let (status, body) = Api::new(&app, wrong).get("/api/v1/me").await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{wrong}: {body}");
        }
        // A token that ran out.
        let user = app.store.user_by_email("p@example.org").await.unwrap().unwrap().id;
        let old = "taper_pat_".to_string() + &"B".repeat(43);
        let now = jiff::Timestamp::now();
        let expired = taper_store::NewApiToken {
            token_hash: &taper_server::access_tokens::stored_hash(&old),
            label: "old",
            scope: taper_core::consent::Scope::all().bits(),
            record_doses: true,
            record_checkins: false,
            expires: now.checked_sub(jiff::SignedDuration::from_hours(1)).unwrap(),
        };
        app.store
            .api_token_add(user, &expired, now.checked_sub(jiff::SignedDuration::from_hours(24)).unwrap())
            .await
            .unwrap();
        let (status, body) = Api::new(&app, &old).get("/api/v1/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(body["error"].as_str().unwrap().contains("ran out"), "{body}");

        // A token that only reads may not record.
        let reader = make_token(&p, "Reader", &["plan"], false).await;
        let (status, body) = Api::new(&app, &reader).post("/api/v1/doses", json!({ "status": "taken" })).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        // The form refuses what makes no sense, keeping what was chosen.
        let refused = p
            .submit(
                "/account/tokens",
                "/account/tokens",
                &[("label", "Widget"), ("part", "checkin_scores"), ("doses", "yes"), ("days", "30")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(visible(&refused).contains("must read your plan and doses too"), "{}", visible(&refused));
        assert!(refused.has("value=\"Widget\""));
        let unnamed = p.submit("/account/tokens", "/account/tokens", &[("part", "plan"), ("days", "30")]).await;
        assert!(visible(&unnamed).contains("Give the token a name"));
        // A name that reads backwards in the access log is refused.
        let turned = p
            .submit(
                "/account/tokens",
                "/account/tokens",
                &[("label", "gol\u{202e}txt"), ("part", "plan"), ("days", "30")],
            )
            .await;
        assert_eq!(turned.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(visible(&turned).contains("plain text on one line"), "{}", visible(&turned));
        // The form starts with the plan alone ticked.
        let form = p.get("/account/tokens").await;
        assert!(form.has("value=\"plan\" checked") && !form.has("value=\"questionnaires\" checked"));
        app
    })
    .await;
}

/// schemathesis (scripts/test-deps installs it) generates requests from /api/openapi.json, good
/// and bad, and checks every answer against the document: statuses, content types, schemas,
/// that a request without the token is refused, that bad input is rejected with a 4xx.
#[tokio::test]
async fn schemathesis_finds_nothing_wrong_with_the_api() {
    let Ok(st) = std::env::var("TAPER_TEST_SCHEMATHESIS") else {
        assert!(!taper_store::scratch::postgres_required(), "no schemathesis (scripts/test-deps)");
        return;
    };
    on_sqlite(2, |app: TestApp| {
        let st = st.clone();
        async move {
            let p = app.browser();
            rising_after_a_step(&app, &p, "p@example.org").await;
            let all = [
                "plan",
                "checkin_scores",
                "checkin_notes",
                "questionnaires",
                "medication_history",
                "withdrawal_or_return",
            ];
            let token = make_token_recording(&p, "schemathesis", &all, true, true).await;
            // On a blocking thread: the server answers on this test's own runtime.
            let (base, token) = (app.base.clone(), token.clone());
            let out = tokio::task::spawn_blocking(move || {
                std::process::Command::new(&st)
                    // It keeps a cache in the folder it runs in: not in the source tree.
                    .current_dir(std::env::temp_dir())
                    .args(["run", &format!("{base}/api/openapi.json"), "--url", &base])
                    .args(["--header", &format!("Authorization: Bearer {token}")])
                    // Every check but positive_data_acceptance: a dose of the right shape for a day the
                    // plan does not give, or a plan id that is not the person's, is rightly refused.
                    .args(["--checks", "all", "--exclude-checks", "positive_data_acceptance"])
                    .args(["--max-examples", "100", "--seed", "1", "--no-color"])
                    .output()
                    .expect("schemathesis runs")
            })
            .await
            .unwrap();
            let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "schemathesis found failures:\n{text}");
            assert!(text.contains("Tested: 9"), "every operation was exercised: {text}");
            assert!(text.contains("passed") || text.contains("Passed"), "{text}");
            app
        }
    })
    .await;
}

/// Issue 22: "a JSON API for what the web app does". A check-in and a questionnaire recorded
/// through the API pass the web form's own checks; an answer about self-harm is kept first,
/// alerts the supporters who see that part, and every answer to it, a refusal too, carries crisis
/// help for the person's country.
#[tokio::test]
async fn a_token_records_check_ins_and_questionnaires_and_an_answer_about_self_harm_brings_help() {
    on_both(|app: TestApp| async move {
        let (sam, dr) = crate::safety::sam_shares_with_dr_lee(&app).await;
        let sam_id = app.store.user_by_email("sam@example.org").await.unwrap().unwrap().id;
        let reads_only = Api::new(&app, &make_token(&sam, "reader", &["checkin_scores"], false).await);
        let (status, refused) = reads_only.post("/api/v1/checkins", json!({ "wellbeing": 6 })).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
        assert!(refused["error"].as_str().unwrap().contains("does not record check-ins"), "{refused}");
        let token = make_token_recording(&sam, "My tracker", &["checkin_scores", "questionnaires"], false, true).await;
        assert!(sam.get("/account/tokens").await.has("Records check-ins and questionnaires."));
        let api = Api::new(&app, &token);
        assert_eq!(api.get("/api/v1/me").await.1["token"]["records_checkins"], true);

        // A check-in, as the web form keeps it.
        let today = crate::london_today();
        let (status, saved) =
            api.post("/api/v1/checkins", json!({ "symptoms": { "anxiety": 2, "insomnia": 1 }, "rest_none": true, "wellbeing": 6, "sleep_hours": 7 })).await;
        assert_eq!(status, StatusCode::CREATED, "{saved}");
        assert_eq!(saved["date"], today.to_string());
        assert!(saved["crisis"].is_null(), "{saved}");
        let kept = app.store.checkin_on(sam_id, today).await.unwrap().unwrap();
        assert_eq!((kept.wellbeing, kept.sleep_hours), (6, Some(7.0)));
        assert_eq!(kept.scores.iter().flatten().sum::<u8>(), 3, "two answered, the rest none: {:?}", kept.scores);
        assert_eq!(saved["burden"], json!(taper_core::symptoms::burden_shown(&kept.scores)));
        // Not replaced unless asked; refusals name the field and change nothing.
        for (body, field, status) in [
            (json!({ "wellbeing": 3 }), "replace", StatusCode::CONFLICT),
            (json!({ "wellbeing": 11, "replace": true }), "wellbeing", StatusCode::BAD_REQUEST),
            (json!({ "wellbeing": 3, "symptoms": { "gloom": 1 }, "replace": true }), "symptoms.gloom", StatusCode::BAD_REQUEST),
            (json!({ "wellbeing": 3, "symptoms": { "anxiety": 4 }, "replace": true }), "symptoms.anxiety", StatusCode::BAD_REQUEST),
            (json!({ "wellbeing": 3, "note": "a note", "replace": true }), "note", StatusCode::FORBIDDEN),
            (json!({ "wellbeing": 3, "date": days_ago(61), "replace": true }), "date", StatusCode::BAD_REQUEST),
            (json!({ "wellbeing": 3, "mood": 2 }), "mood", StatusCode::BAD_REQUEST),
        ] {
            let (got, e) = api.post("/api/v1/checkins", body.clone()).await;
            assert_eq!((got, e["field"].as_str()), (status, Some(field)), "{body}: {e}");
            assert!(e.get("crisis").is_none(), "{e}");
        }
        assert_eq!(app.store.checkin_on(sam_id, today).await.unwrap().unwrap().wellbeing, 6, "nothing changed");
        let (status, again) = api.post("/api/v1/checkins", json!({ "wellbeing": 4, "replace": true })).await;
        assert_eq!(status, StatusCode::CREATED, "{again}");
        assert_eq!(app.store.checkin_on(sam_id, today).await.unwrap().unwrap().wellbeing, 4);

        // A yes to the daily question, in a body refused for another reason: kept, Dr Lee
        // alerted, and the refusal carries help for Sam's country.
        let yesterday = days_ago(1);
        let (status, e) = api.post("/api/v1/checkins", json!({ "date": yesterday, "self_harm": true })).await;
        assert_eq!((status, e["field"].as_str()), (StatusCode::BAD_REQUEST, Some("wellbeing")), "{e}");
        let crisis = &e["crisis"];
        assert!(crisis["message"].as_str().unwrap().contains("call your emergency number"), "{e}");
        assert_eq!(crisis["countries"][0]["emergency"], "999", "{e}");
        assert!(crisis["alerted"].as_str().unwrap().contains("Dr Lee will see an urgent note"), "{e}");
        assert_eq!(crisis["safety_plan"], "/safety-plan");
        let answers = app.store.daily_safety_answers(sam_id).await.unwrap();
        assert!(answers.iter().any(|a| a.date.to_string() == yesterday), "kept for the day given");
        assert!(dr.get("/caseload").await.has("urgent:</strong> Daily check-in: thoughts of self-harm"));
        let (status, done) = api.post("/api/v1/checkins", json!({ "date": yesterday, "wellbeing": 2, "self_harm": true })).await;
        assert_eq!(status, StatusCode::CREATED, "{done}");
        assert_eq!(done["crisis"]["countries"][0]["emergency"], "999", "{done}");

        // PHQ-9 with only question 9 answered: kept and alerted, the rest refused, help sent.
        let mut answers = vec![Value::Null; 9];
        answers[8] = json!(1);
        let (status, e) = api.post("/api/v1/questionnaires", json!({ "questionnaire": "phq9", "answers": answers })).await;
        assert_eq!((status, e["field"].as_str()), (StatusCode::BAD_REQUEST, Some("answers[0]")), "{e}");
        assert!(e["crisis"]["alerted"].as_str().unwrap().contains("question 9 has been kept"), "{e}");
        assert_eq!(app.store.signals(sam_id).await.unwrap().len(), 1);
        assert!(app.store.questionnaires(sam_id).await.unwrap().is_empty(), "nothing else kept");
        let full = json!({ "questionnaire": "phq9", "answers": [1, 1, 0, 0, 0, 0, 0, 0, 1], "difficulty": 1 });
        let (status, phq) = api.post("/api/v1/questionnaires", full.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{phq}");
        assert_eq!((phq["total"].as_u64(), phq["max"].as_u64(), phq["item9"].as_u64()), (Some(3), Some(27), Some(1)));
        assert!(phq["crisis"]["countries"].as_array().is_some_and(|c| !c.is_empty()), "{phq}");
        // Sent again (an app retrying): kept once.
        assert_eq!(api.post("/api/v1/questionnaires", full).await.0, StatusCode::CREATED);
        assert_eq!(app.store.questionnaires(sam_id).await.unwrap().len(), 1);
        // GAD-7: no question about self-harm, so no help is attached; its refusals name the field.
        let (status, gad) =
            api.post("/api/v1/questionnaires", json!({ "questionnaire": "gad7", "answers": [0, 1, 0, 0, 2, 1, 0] })).await;
        assert_eq!(status, StatusCode::CREATED, "{gad}");
        assert!(gad["crisis"].is_null() && gad["item9"].is_null(), "{gad}");
        // A PHQ-9 retaken the same day is not read as a change, as on the web (a walk).
        let retake = json!({ "questionnaire": "phq9", "answers": [2, 2, 2, 2, 2, 2, 2, 2, 0] });
        let (status, again) = api.post("/api/v1/questionnaires", retake).await;
        assert_eq!((status, again["change"].as_str()), (StatusCode::CREATED, Some("taken again the same day: not compared")), "{again}");
        for (body, field) in [
            (json!({ "questionnaire": "bdi", "answers": [] }), "questionnaire"),
            (json!({ "questionnaire": "gad7", "answers": [0, 1] }), "answers"),
            (json!({ "questionnaire": "gad7", "answers": [0, 1, 0, 0, 2, 1, 7] }), "answers[6]"),
        ] {
            let (got, e) = api.post("/api/v1/questionnaires", body.clone()).await;
            assert_eq!((got, e["field"].as_str()), (StatusCode::BAD_REQUEST, Some(field)), "{body}: {e}");
        }
        // A token of Sam's not allowed to record them: refused, but an answer about self-harm is
        // still kept and brings help (it is Sam's own voice, whatever the token may do).
        let before = app.store.daily_safety_answers(sam_id).await.unwrap().len();
        let (status, e) = reads_only.post("/api/v1/checkins", json!({ "wellbeing": 3, "self_harm": true, "date": days_ago(2) })).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{e}");
        assert_eq!(e["crisis"]["countries"][0]["emergency"], "999", "{e}");
        assert_eq!(app.store.daily_safety_answers(sam_id).await.unwrap().len(), before + 1);
        assert!(app.store.checkin_on(sam_id, crate::london_today().yesterday().unwrap().yesterday().unwrap()).await.unwrap().is_none(), "the rest is not");
        let mut answers = vec![json!(0); 9];
        answers[8] = json!(2);
        let (status, e) = reads_only.post("/api/v1/questionnaires", json!({ "questionnaire": "phq9", "answers": answers })).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{e}");
        assert!(e["crisis"]["alerted"].as_str().unwrap().contains("question 9 has been kept"), "{e}");
        assert_eq!(app.store.signals(sam_id).await.unwrap().len(), 3, "the partial, the full and this one");
        assert_eq!(app.store.questionnaires(sam_id).await.unwrap().len(), 3, "two PHQ-9s and a GAD-7 only");

        // Every write is in Sam's access log, under the token's name.
        let log = sam.get("/sharing").await;
        assert!(log.has("recorded a check-in through the API") && log.has("recorded a PHQ-9 through the API"), "{}", visible(&log));
        app
    })
    .await;
}
