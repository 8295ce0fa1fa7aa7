//! The authorization matrix (tests/authz.toml) driven against the real app, and the rule that
//! every allowed read of someone else's record writes exactly one access-log row.

use std::collections::HashMap;

use reqwest::StatusCode;
use serde::Deserialize;

use crate::helpers::{Browser, TestApp, on_both};
use crate::sharing::with_everything;
use crate::{london_today, rising_after_a_step};

#[derive(Deserialize)]
struct Matrix {
    route: Vec<Row>,
}

#[derive(Deserialize)]
struct Row {
    route: String,
    #[serde(default)]
    form: HashMap<String, String>,
    anonymous: String,
    own: String,
    shared: String,
    revoked: String,
    other: String,
    #[serde(default)]
    audit_shared: usize,
}

/// Every `METHOD /path` the router defines, read from its source so a new route cannot be
/// forgotten here.
fn router_routes() -> Vec<String> {
    // The web app's routes, then the API's (api/mod.rs).
    let src = concat!(include_str!("../../src/lib.rs"), include_str!("../../src/api/mod.rs"));
    let mut out = Vec::new();
    for chunk in src.split(".route(\"").skip(1) {
        let path = &chunk[..chunk.find('"').unwrap()];
        // This route's call alone: up to the next route, the fallback, or the end of the function.
        let call = chunk.split(".route(").next().unwrap().split(".fallback(").next().unwrap();
        let call = call.split("\n}").next().unwrap();
        if call.contains("get(") || call.contains("any(") {
            out.push(format!("GET {path}"));
        }
        if call.contains("post(") || call.contains("any(") {
            out.push(format!("POST {path}"));
        }
    }
    out
}

fn outcome(status: StatusCode, location: Option<&str>) -> &'static str {
    if status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN {
        "denied"
    } else if status == StatusCode::UNAUTHORIZED {
        "token"
    } else if status.is_redirection() && location == Some("/login") {
        "login"
    } else if status.is_server_error() {
        "error"
    } else {
        "ok"
    }
}

async fn invite_code(p: &Browser) -> String {
    let page = p.invite(&with_everything(&[("can_propose", "yes")])).await;
    crate::sharing::invite_code(&page)
}

#[tokio::test]
async fn every_route_answers_as_the_matrix_says_and_cross_person_reads_are_logged_once() {
    let matrix: Matrix = toml::from_str(include_str!("../authz.toml")).unwrap();
    let listed: Vec<&str> = matrix.route.iter().map(|r| r.route.as_str()).collect();
    for r in router_routes() {
        assert!(listed.contains(&r.as_str()), "route {r} is missing from tests/authz.toml");
    }
    for l in &listed {
        assert!(router_routes().iter().any(|r| r == l), "tests/authz.toml lists {l}, which the router lacks");
    }

    on_both(|app: TestApp| async move {
        let matrix: Matrix = toml::from_str(include_str!("../authz.toml")).unwrap();
        let p = app.browser();
        let rising = rising_after_a_step(&app, &p, "p@example.org").await;
        let pu = app.store.user(rising.user).await.unwrap();
        let proposal = rising.proposal;

        let shared = app.browser();
        shared.sign_up_as("c1@example.org", "Dr One", "clinician").await;
        let revoked = app.browser();
        revoked.sign_up_as("c2@example.org", "Dr Two", "clinician").await;
        let other = app.browser();
        other.sign_up_as("o@example.org", "Olly", "person").await;
        for b in [&shared, &revoked] {
            let code = invite_code(&p).await;
            let joined = b.submit("/join", "/join", &[("code", &code)]).await;
            assert_eq!(joined.location, Some(format!("/people/{}", pu.id)));
        }
        let c1 = app.store.user_by_email("c1@example.org").await.unwrap().unwrap().id;
        let c2 = app.store.user_by_email("c2@example.org").await.unwrap().unwrap().id;
        let shares = app.store.shares_of(pu.id).await.unwrap();
        let s1 = shares.iter().find(|s| s.grantee == c1).unwrap().id;
        let s2 = shares.iter().find(|s| s.grantee == c2).unwrap().id;
        p.submit("/sharing", &format!("/sharing/{s2}/revoke"), &[]).await;
        invite_code(&p).await;
        let invite = app.store.pending_invites(pu.id, jiff::Timestamp::now()).await.unwrap()[0].handle.clone();
        // Never completed: overdue from the plan's first day, 17 days ago.
        let flag = format!("overdue:phq9:{}", crate::days_ago(17));
        p.submit("/history", "/history/events", &[("date", "2020-01-01"), ("drug", "citalopram"), ("kind", "start")])
            .await;
        let event = app.store.med_events(pu.id).await.unwrap()[0].id;

        let fill = |s: &str| {
            s.replace("{owner}", &pu.id.to_string())
                .replace("{proposal}", &proposal.to_string())
                .replace("{share}", &s1.to_string())
                .replace("{invite}", &invite)
                .replace("{instrument}", "phq9")
                .replace("{date}", &london_today().to_string())
                .replace("{drug}", "citalopram")
                .replace("{code}", "ABCD-EFGH-JKLM")
                .replace("{flag}", &flag)
                .replace("{event}", &event.to_string())
        };
        let mut failures = Vec::new();
        for row in &matrix.route {
            let (method, path) = row.route.split_once(' ').unwrap();
            let path = fill(path);
            let form: Vec<(String, String)> = row.form.iter().map(|(k, v)| (k.clone(), fill(v))).collect();
            let anon = app.browser();
            for (who, browser, expected) in [
                ("anonymous", &anon, &row.anonymous),
                ("other", &other, &row.other),
                ("revoked", &revoked, &row.revoked),
                ("shared", &shared, &row.shared),
                ("own", &p, &row.own),
            ] {
                let before = app.store.access_log(pu.id).await.unwrap().len();
                let page = if method == "GET" {
                    browser.get(&path).await
                } else {
                    let token_page = if who == "anonymous" { "/login" } else { "/learn" };
                    let token = browser.get(token_page).await.csrf();
                    let mut all: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
                    all.extend(form.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                    browser.post_raw(&path, &all).await
                };
                let got = outcome(page.status, page.location.as_deref());
                if got != expected {
                    failures.push(format!("{} as {who}: expected {expected}, got {got} ({})", row.route, page.status));
                }
                let written = app.store.access_log(pu.id).await.unwrap().len() - before;
                let want = if who == "shared" && got == "ok" { row.audit_shared } else { 0 };
                if written != want {
                    failures.push(format!("{} as {who}: {written} access-log rows, expected {want}", row.route));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        app
    })
    .await;
}
