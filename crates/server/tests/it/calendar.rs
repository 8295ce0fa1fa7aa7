//! Issue 22: the person's taper in their calendar, as a file and at a secret address, read back
//! by an independent parser (PyPI `icalendar`, installed by scripts/test-deps).

use reqwest::StatusCode;

use crate::helpers::{Browser, TestApp, on_both};
use crate::{days_ago, make_plan};

/// One event as `icalendar` reads it: (summary, start date, repeat rule, description).
type Read = (String, String, String, String);

/// The events of `text`, as PyPI `icalendar` reads them; `None` (said loudly) where the parser
/// is not installed, which fails in CI.
fn parsed(text: &str) -> Option<Vec<Read>> {
    let Ok(python) = std::env::var("TAPER_TEST_SMTP_PYTHON") else {
        assert!(!taper_store::scratch::postgres_required(), "no icalendar parser (scripts/test-deps installs it)");
        eprintln!("\n!!! SKIPPED reading a calendar with icalendar (run scripts/test) !!!\n");
        return None;
    };
    let file = std::env::temp_dir().join(format!("taper-calendar-{}.ics", uuid::Uuid::now_v7()));
    std::fs::write(&file, text).unwrap();
    let script = "import sys, json\nfrom icalendar import Calendar\n\
                  cal = Calendar.from_ical(open(sys.argv[1], 'rb').read())\n\
                  out = []\n\
                  for e in cal.walk('VEVENT'):\n\
                  \x20   rule = e.get('RRULE')\n\
                  \x20   out.append([str(e.get('SUMMARY')), e.decoded('DTSTART').isoformat(), rule.to_ical().decode() if rule else '', str(e.get('DESCRIPTION'))])\n\
                  print(json.dumps(out))\n";
    let out = std::process::Command::new(python).arg("-c").arg(script).arg(&file).output().unwrap();
    let _ = std::fs::remove_file(&file);
    assert!(out.status.success(), "icalendar could not read it: {}\n{text}", String::from_utf8_lossy(&out.stderr));
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

/// The address the calendar page shows, after making one (a redirect, so a reload makes none).
async fn make_address(b: &Browser) -> String {
    let made = b.submit("/calendar", "/calendar/link", &[]).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let page = b.get(made.location.as_deref().unwrap()).await;
    let at =
        page.body.find("id=\"calendar-address\" class=\"address\" readonly value=\"").expect("the address is shown");
    let rest = &page.body[at + "id=\"calendar-address\" class=\"address\" readonly value=\"".len()..];
    let address = rest[..rest.find('"').unwrap()].to_string();
    let webcal = format!("href=\"webcal://{}", address.split_once("://").unwrap().1);
    assert!(page.has(&webcal), "a tap to subscribe on a phone: {}", page.body);
    address
}

async fn feed(b: &Browser, address: &str) -> reqwest::Response {
    let path = &address[address.find("/calendar/feed/").unwrap()..];
    b.client.get(format!("{}{path}", b.base)).send().await.unwrap()
}

#[tokio::test]
async fn the_plan_is_a_calendar_file_and_a_secret_address_that_can_be_replaced_and_stopped() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        p.sign_up_as("p@example.org", "Pat", "person").await;
        make_plan(&p, &days_ago(0), "28").await;
        let page = p.get("/calendar").await;
        assert!(page.has("id=\"calendar-file\"") && !page.has("id=\"calendar-link-status\""), "{}", page.body);
        // This test server sends no e-mail, so the page points to no reminders (a walk).
        assert!(page.has("none carries an alarm.") && !page.has("own reminders do that"), "{}", page.body);

        let file = p.client.get(format!("{}/calendar.ics", p.base)).send().await.unwrap();
        assert_eq!(file.status(), StatusCode::OK);
        assert!(file.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
        let text = file.text().await.unwrap();
        if let Some(events) = parsed(&text) {
            // The first cut, 28 days from today, with the new dose and how to prepare it.
            let cut = days_ago(-28);
            let step = events.iter().find(|e| e.1 == cut).unwrap_or_else(|| panic!("no event on {cut}: {events:?}"));
            assert!(step.0.starts_with("Citalopram: 20 mg → ") && step.0.ends_with(" mg a day"), "{step:?}");
            assert!(step.3.contains("How to prepare it:") && step.3.contains("not a prescription"), "{step:?}");
            // The instruction once: its items are not listed again under it (a walk read them as
            // more doses).
            let how = step.3.split("How to prepare it: ").nth(1).unwrap().lines().next().unwrap();
            assert_eq!(step.3.matches(how).count(), 1, "{step:?}");
            // Each later change has its own event, every dose lower than the one before.
            let changes: Vec<&Read> = events.iter().filter(|e| e.0.starts_with("Citalopram:")).collect();
            assert!(changes.len() > 3, "{changes:?}");
            // What repeats ends two questionnaires after the last change, which says to keep
            // taking the dose where the plan stops short of zero.
            let last = changes.iter().map(|e| e.1.clone()).max().unwrap();
            let until: jiff::civil::Date = last.parse::<jiff::civil::Date>().unwrap() + jiff::Span::new().days(28);
            let until = format!("UNTIL={}", until.strftime("%Y%m%d"));
            let phq = events.iter().find(|e| e.0 == "PHQ-9 due on Taper").unwrap();
            assert_eq!(phq.1, days_ago(0));
            assert!(phq.2.contains("INTERVAL=14") && phq.2.contains(&until), "{phq:?} {until}");
            let daily = events.iter().find(|e| e.0.starts_with("Taper check-in")).unwrap();
            assert!(daily.2.contains("INTERVAL=1;") || daily.2.ends_with("INTERVAL=1"), "{daily:?}");
            assert!(daily.2.contains(&until), "{daily:?}");
            let final_change = changes.iter().max_by_key(|e| e.1.clone()).unwrap();
            assert!(final_change.0.contains("stop") || final_change.3.contains("keep taking"), "{final_change:?}");
        }

        // A secret address: read without a session, the same calendar.
        let first = make_address(&p).await;
        let anon = app.browser();
        let read = feed(&anon, &first).await;
        assert_eq!(read.status(), StatusCode::OK);
        let fed = read.text().await.unwrap();
        if let (Some(a), Some(b)) = (parsed(&fed), parsed(&text)) {
            assert_eq!(a, b, "the address serves the same calendar as the file");
        }
        let status = p.get("/calendar").await;
        assert!(status.has("id=\"calendar-link-status\"") && status.has(&first), "{}", status.body);

        // A new address stops the one before; stopping stops the new one.
        let second = make_address(&p).await;
        assert_ne!(first, second);
        assert_eq!(feed(&anon, &first).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(feed(&anon, &second).await.status(), StatusCode::OK);
        let stopped = p.submit("/calendar", "/calendar/link/stop", &[]).await;
        assert_eq!(stopped.status, StatusCode::SEE_OTHER);
        assert_eq!(feed(&anon, &second).await.status(), StatusCode::NOT_FOUND);
        let after = p.get(stopped.location.as_deref().unwrap()).await;
        assert!(after.has("The calendar address is stopped") && !after.has("id=\"calendar-link-status\""));

        // Deleting the account leaves no address behind.
        let third = make_address(&p).await;
        let id = app.store.user_by_email("p@example.org").await.unwrap().unwrap().id;
        app.store.delete_user(id).await.unwrap();
        assert_eq!(feed(&anon, &third).await.status(), StatusCode::NOT_FOUND);
        app
    })
    .await;
}

/// Issue 22: the person's plans and scores as a FHIR R4 Bundle, valid against the R4 models of
/// PyPI fhir.resources 6.1 (scripts/fhir_check.py; in CI a missing validator fails): the plan's
/// doses from today, one dosage instruction each with its milligrams, and a PHQ-9 total with item
/// 9 as its own Observation. No name travels.
#[tokio::test]
async fn the_plan_and_scores_download_as_a_valid_fhir_r4_bundle() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        p.sign_up_as("f@example.org", "Frankie Example", "person").await;
        make_plan(&p, &days_ago(0), "28").await;
        crate::sharing::phq9(&p, ["1", "1", "1", "1", "1", "1", "1", "1", "1"]).await;
        crate::check_in(&p, &days_ago(0), 4, "2").await;
        for (date, kind) in [("2015-03-01", "start"), ("2019-06-01", "stop"), ("2020-01-01", "reinstate")] {
            let form = [("date", date), ("drug", "citalopram"), ("kind", kind)];
            assert_eq!(p.submit("/history", "/history/events", &form).await.status, StatusCode::SEE_OTHER);
        }
        let account = p.get("/account").await;
        assert!(account.has("id=\"fhir-file\""), "{}", account.body);
        let got = p.client.get(format!("{}/handoff/fhir.json", p.base)).send().await.unwrap();
        assert_eq!(got.status(), StatusCode::OK);
        assert!(got.headers()["content-type"].to_str().unwrap().starts_with("application/fhir+json"));
        let text = got.text().await.unwrap();
        assert!(!text.contains("Frankie") && !text.contains("f@example.org"), "no name or e-mail: {text}");
        let account = app.store.user_by_email("f@example.org").await.unwrap().unwrap().id.to_string();
        assert!(!text.contains(&account), "not the account's id (it tells when it was made): {text}");
        let bundle: serde_json::Value = serde_json::from_str(&text).unwrap();
        let resources: Vec<&serde_json::Value> =
            bundle["entry"].as_array().unwrap().iter().map(|e| &e["resource"]).collect();
        let request = resources.iter().find(|r| r["resourceType"] == "MedicationRequest").expect("the plan");
        assert_eq!(request["medicationCodeableConcept"]["text"], "Citalopram");
        let dosages = request["dosageInstruction"].as_array().unwrap();
        assert!(dosages.len() > 3, "{dosages:?}");
        assert_eq!(dosages[0]["timing"]["repeat"]["boundsPeriod"]["start"], days_ago(0));
        assert_eq!(dosages[0]["doseAndRate"][0]["doseQuantity"]["value"], 20.0);
        assert_eq!(dosages[1]["timing"]["repeat"]["boundsPeriod"]["start"], days_ago(-28));
        let codes: Vec<&str> = resources
            .iter()
            .filter(|r| r["resourceType"] == "Observation")
            .filter_map(|r| r["code"]["coding"][0]["code"].as_str())
            .collect();
        assert_eq!(codes, ["44261-6", "44260-8", "44249-1"], "the PHQ-9 total, item 9 and the panel");
        // US Core's screening assessment: the panel has the total and item 9 as members.
        let panel = resources.iter().find(|r| r["code"]["coding"][0]["code"] == "44249-1").unwrap();
        let url_of = |code: &str| {
            bundle["entry"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["resource"]["code"]["coding"][0]["code"] == code)
                .unwrap()["fullUrl"]
                .clone()
        };
        let members: Vec<&serde_json::Value> =
            panel["hasMember"].as_array().unwrap().iter().map(|m| &m["reference"]).collect();
        assert_eq!(members, [&url_of("44261-6"), &url_of("44260-8")]);
        // The form travels with the answers, under the canonical URL the response names.
        let form = resources.iter().find(|r| r["resourceType"] == "Questionnaire").expect("the PHQ-9 itself");
        assert_eq!(form["url"], "http://loinc.org/q/44249-1");
        assert_eq!(form["item"].as_array().unwrap().len(), 9);
        // When the plan was made, not when it was exported.
        let made = request["authoredOn"].as_str().unwrap();
        assert!(made <= bundle["timestamp"].as_str().unwrap(), "{made}");
        let item9 = resources.iter().find(|r| r["code"]["coding"][0]["code"] == "44260-8").unwrap();
        assert_eq!(item9["valueInteger"], 1);
        // The answers travel as a QuestionnaireResponse the total is derived from.
        let response = resources.iter().find(|r| r["resourceType"] == "QuestionnaireResponse").expect("the answers");
        assert_eq!(response["item"].as_array().unwrap().len(), 9);
        assert_eq!(response["item"][8]["answer"][0]["valueCoding"]["code"], "LA6569-3", "item 9: several days");
        assert!(item9["derivedFrom"][0]["reference"].as_str().unwrap().starts_with("urn:uuid:"));
        // The day's burden, said to be Taper's own scale.
        let burden =
            resources.iter().find(|r| r["code"]["text"].as_str().is_some_and(|t| t.contains("burden"))).unwrap();
        let scale = burden["code"]["text"].as_str().unwrap();
        assert!(scale.contains("0-51") && scale.contains("not a validated scale"), "{scale}");
        assert_eq!(burden["effectiveDateTime"], days_ago(0));
        // With the day's wellbeing and sleep, as the check-in recorded them (6 and 7 hours).
        let said = |what: &str| {
            resources.iter().find(|r| r["code"]["text"].as_str().is_some_and(|t| t.starts_with(what))).unwrap()
        };
        assert_eq!(said("Wellbeing")["valueInteger"], 6);
        assert_eq!(said("Hours slept")["valueQuantity"]["value"], 7.0);
        // The history as courses: 2015 to 2019 stopped, taken again since 2020.
        let statements: Vec<&&serde_json::Value> =
            resources.iter().filter(|r| r["resourceType"] == "MedicationStatement").collect();
        assert_eq!(statements.len(), 2, "{statements:?}");
        assert_eq!(statements[0]["status"], "stopped");
        assert_eq!(statements[0]["effectivePeriod"]["end"], "2019-06-01");
        assert_eq!(statements[1]["status"], "active");
        let summary = resources.iter().find(|r| r["resourceType"] == "Composition").expect("a medication summary");
        assert_eq!(summary["section"][0]["code"]["coding"][0]["code"], "10160-0");
        assert_eq!(summary["section"][0]["entry"].as_array().unwrap().len(), 3, "the plan and the two courses");
        match std::env::var("TAPER_TEST_SMTP_PYTHON") {
            Ok(python) => {
                let file = std::env::temp_dir().join(format!("taper-fhir-{}.json", uuid::Uuid::now_v7()));
                std::fs::write(&file, &text).unwrap();
                let checker = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/fhir_check.py");
                let out = std::process::Command::new(python).arg(checker).arg(&file).output().unwrap();
                let _ = std::fs::remove_file(&file);
                assert!(out.status.success(), "not valid FHIR R4: {}", String::from_utf8_lossy(&out.stderr));
                let read: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                assert_eq!(
                    read["resources"]["Observation"], 6,
                    "the total, item 9, the panel, the day's burden, wellbeing, sleep"
                );
                assert_eq!(read["resources"]["Questionnaire"], 1);
                assert_eq!(read["resources"]["QuestionnaireResponse"], 1);
                assert_eq!(read["resources"]["MedicationStatement"], 2);
                assert_eq!(read["resources"]["Composition"], 1);
                assert_eq!(read["dosages"], dosages.len());
            }
            Err(_) => assert!(!taper_store::scratch::postgres_required(), "no FHIR validator (scripts/test-deps)"),
        }
        app
    })
    .await;
}
