//! Issue 22: SMART Health Links. A person makes an expiring link and passcode; a prescriber with
//! no account opens the summary with it; a SMART viewer reads the FHIR Bundle through the
//! manifest (checked with independent implementations: jwcrypto, fhir.resources); the link stops
//! when revoked, at its expiry and after too many wrong passcodes, and every view is logged.

use reqwest::StatusCode;

use crate::forms::visible;
use crate::helpers::{Browser, Page, TestApp, on_both};
use crate::{days_ago, rising_after_a_step};

/// The value of the element with `id` (an input's `value`, or a span's text).
fn shown(page: &Page, id: &str) -> String {
    let at = page.body.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id}: {}", page.body));
    let rest = &page.body[at..];
    let rest = match rest.find("value=\"") {
        Some(v) if v < rest.find('>').unwrap() => &rest[v + 7..],
        _ => &rest[rest.find('>').unwrap() + 1..],
    };
    rest[..rest.find(['"', '<']).unwrap()].to_string()
}

/// A link made through the form; (its address, passcode, shlink).
async fn make_link(p: &Browser, label: &str, parts: &[&str]) -> (String, String, String) {
    let mut form: Vec<(&str, &str)> = parts.iter().map(|k| ("part", *k)).collect();
    form.extend([("days", "90"), ("expires", "7"), ("label", label)]);
    let made = p.submit("/handoff", "/handoff/links", &form).await;
    // Shown by a fresh page, so a reload makes no second link (a walk made two that way).
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", visible(&made));
    assert_eq!(made.location.as_deref(), Some("/handoff#link-made"));
    let page = p.get("/handoff").await;
    assert!(page.has("id=\"link-qr\"><svg"), "a QR code: {}", page.body);
    let again = p.get("/handoff").await;
    assert!(!again.has("id=\"link-passcode\""), "the passcode is shown once");
    let shlink = shown(&page, "link-shlink").replace("&#35;", "#");
    (shown(&page, "link-address"), shown(&page, "link-passcode"), shlink)
}

fn path_of(address: &str) -> String {
    address[address.find("/s/").unwrap()..].to_string()
}

#[tokio::test]
async fn a_prescriber_with_no_account_opens_the_summary_with_the_passcode() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        rising_after_a_step(&app, &p, "p@example.org").await;
        crate::sharing::phq9(&p, ["1", "1", "1", "1", "0", "0", "0", "0", "0"]).await;
        let (address, passcode, _) = make_link(&p, "For Dr Lee", &["plan", "checkin_scores", "questionnaires"]).await;
        assert_eq!(passcode.len(), 9, "{passcode}");
        let path = path_of(&address);

        let dr = app.browser();
        let form = dr.get(&path).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.has("Enter the passcode") && !form.has("Citalopram"), "{}", visible(&form));
        assert!(form.has("“For Dr Lee”"), "the link's name: {}", visible(&form));
        let wrong = dr.submit(&path, &path, &[("passcode", "AAAA-AAAA"), ("name", "Dr Lee")]).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.has("9 tries left before the link stops"), "{}", visible(&wrong));
        assert!(wrong.has("value=\"Dr Lee\""), "the name typed is kept");
        // Typed in small letters without the dash: the same passcode.
        let typed = passcode.replace('-', "").to_lowercase();
        let right = dr.submit(&path, &path, &[("passcode", typed.as_str()), ("name", "Dr Lee")]).await;
        assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.body);
        let summary = dr.get(&path).await;
        let text = visible(&summary);
        for expected in ["Taper: a summary for the prescriber", "Medicines now", "Citalopram", "PHQ-9", "Not included"]
        {
            assert!(text.contains(expected), "{expected}: {text}");
        }
        assert!(!summary.has("Change what it includes"), "no way into the person's own pages");
        let pdf = dr.client.get(format!("{}{path}?as=pdf", dr.base)).send().await.unwrap();
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        let one = crate::handoff_pdf::read_pages(&pdf.bytes().await.unwrap(), &["-f", "1", "-l", "1"]);
        assert!(one.contains("Medicines now") && one.contains("Citalopram"), "{one}");

        // Someone else with the address alone sees the passcode form, not the summary.
        let stranger = app.browser();
        assert!(!stranger.get(&path).await.has("Citalopram"));

        // The person sees who opened it, and when.
        let log = visible(&p.get("/sharing").await);
        assert!(log.contains("Dr Lee, through your link “For Dr Lee”") && log.contains("read your summary"), "{log}");
        assert!(log.contains("gave a wrong passcode"), "{log}");
        assert!(log.contains("1 link you made for a prescriber works now"), "{log}");
        assert!(log.contains("downloaded your summary as a PDF"), "{log}");
        let links = visible(&p.get("/handoff").await);
        assert!(links.contains("opened 2 times"), "{links}");

        // Stopped, it opens nothing, even for the browser that gave the passcode.
        let handoff = p.get("/handoff").await;
        let at = handoff.body.find("action=\"/handoff/links/").unwrap() + "action=\"".len();
        let revoke = handoff.body[at..at + handoff.body[at..].find('"').unwrap()].to_string();
        let stopped = p.submit("/handoff", &revoke, &[]).await;
        assert_eq!(stopped.status, StatusCode::SEE_OTHER);
        let after = dr.get(&path).await;
        assert_eq!(after.status, StatusCode::NOT_FOUND);
        assert!(after.has("This link does not open anything") && !after.has("Citalopram"), "{}", visible(&after));
        assert!(visible(&p.get("/handoff").await).contains("Stopped on"));
        // Another person cannot stop someone's link.
        let other = app.browser();
        other.sign_up_as("o@example.org", "Olu", "person").await;
        assert_eq!(other.submit("/handoff", &revoke, &[]).await.status, StatusCode::NOT_FOUND);
        app
    })
    .await;
}

/// The viewer side, by independent implementations: scripts/shl_check.py reads the payload, asks
/// the manifest, opens the JWE with jwcrypto and validates the Bundle with fhir.resources.
fn check(link: &str, passcode: &str, extra: &[&str]) -> Option<serde_json::Value> {
    let Ok(python) = std::env::var("TAPER_TEST_SMTP_PYTHON") else {
        assert!(!taper_store::scratch::postgres_required(), "no SMART viewer checker (scripts/test-deps)");
        return None;
    };
    let checker = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/shl_check.py");
    let out = std::process::Command::new(python)
        .arg(checker)
        .args([link, passcode, "Clinic EHR"])
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

#[tokio::test]
async fn a_smart_viewer_reads_the_bundle_through_the_manifest_with_the_passcode() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        rising_after_a_step(&app, &p, "p@example.org").await;
        crate::sharing::phq9(&p, ["1", "1", "1", "1", "0", "0", "0", "0", "1"]).await;
        let (_, passcode, shlink) = make_link(&p, "Clinic", &["plan", "questionnaires"]).await;
        assert!(shlink.contains("/s/") && shlink.contains("#shlink:/"), "{shlink}");
        // The checker runs blocking: off the runtime the server answers on.
        let (link, code) = (shlink.clone(), passcode.clone());
        let Some(read) = tokio::task::spawn_blocking(move || check(&link, &code, &[])).await.unwrap() else {
            return app;
        };
        assert_eq!(read["status"], 200, "{read}");
        assert_eq!(read["payload"]["flag"], "P");
        assert_eq!(read["payload"]["label"], "Clinic");
        let file = &read["files"][0];
        assert_eq!(file["cty"], "application/fhir+json");
        assert_eq!(file["how"], "embedded");
        assert_eq!(file["resources"]["MedicationRequest"], 1, "{read}");
        assert_eq!(file["resources"]["Observation"], 3, "the PHQ-9 total, item 9 and their panel: {read}");
        // A viewer that takes only short embedded files gets an address to fetch it from.
        let (link, code) = (shlink.clone(), passcode.clone());
        let read = tokio::task::spawn_blocking(move || check(&link, &code, &["10"])).await.unwrap().unwrap();
        assert_eq!(read["files"][0]["how"], "location", "{read}");
        assert_eq!(read["files"][0]["resources"]["MedicationRequest"], 1, "{read}");
        // The file's address cannot be made by whoever holds the link: a ticket sealed with the
        // link's own key (in the shlink:/) opens nothing, so the passcode cannot be skipped.
        let payload = shlink.split("shlink:/").nth(1).unwrap();
        let payload: serde_json::Value = serde_json::from_slice(
            &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload).unwrap(),
        )
        .unwrap();
        let key = taper_report::shl::FileKey::decode(payload["key"].as_str().unwrap()).unwrap();
        let forged = taper_report::shl::encrypt(&key, "text/plain", b"99999999999");
        let token = &shlink[shlink.find("/s/").unwrap() + 3..shlink.find('#').unwrap()];
        let file = p.client.get(format!("{}/shl/{token}/file/{forged}", p.base)).send().await.unwrap();
        assert_eq!(file.status(), StatusCode::NOT_FOUND, "a forged ticket");
        // A wrong passcode: 401 and the tries left.
        let link = shlink.clone();
        let wrong = tokio::task::spawn_blocking(move || check(&link, "WRONG-CODE", &[])).await.unwrap().unwrap();
        assert_eq!(wrong["status"], 401);
        assert_eq!(wrong["body"]["remainingAttempts"], 9, "{wrong}");
        let log = visible(&p.get("/sharing").await);
        assert!(log.contains("Clinic EHR, through your link “Clinic”") && log.contains("as FHIR"), "{log}");
        app
    })
    .await;
}

#[tokio::test]
async fn a_link_stops_after_ten_wrong_passcodes_and_at_its_expiry() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        p.sign_up_as("p@example.org", "Pat", "person").await;
        crate::make_plan(&p, &days_ago(0), "28").await;
        let (address, passcode, _) = make_link(&p, "Ten tries", &["plan"]).await;
        let path = path_of(&address);
        let dr = app.browser();
        dr.get(&path).await;
        for left in (1..10).rev() {
            let wrong = dr.submit(&path, &path, &[("passcode", "AAAA-AAAA")]).await;
            let words = if left == 1 { "1 try left" } else { &format!("{left} tries left") };
            assert!(wrong.has(words), "{left}: {}", visible(&wrong));
        }
        let last = dr.submit(&path, &path, &[("passcode", "AAAA-AAAA")]).await;
        assert_eq!(last.status, StatusCode::NOT_FOUND);
        // Now even the right passcode opens nothing.
        let late = app.browser();
        let page = late.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(!page.has("Citalopram"));
        assert!(visible(&p.get("/handoff").await).contains("Stopped after 10 wrong passcodes"));
        let _ = passcode;

        // A link whose time is up, made as the form makes one but already past its expiry.
        let user = app.store.user_by_email("p@example.org").await.unwrap().unwrap().id;
        let token = taper_report::shl::fresh_token();
        let hash = taper_server::auth::hash_password("ABCD2345".into()).await.unwrap();
        let now = jiff::Timestamp::now();
        let key = taper_report::shl::FileKey::generate().encoded();
        let link = taper_store::NewHealthLink {
            token: &token,
            token_hash: &taper_server::cookies::stored_hash(&token),
            key: &key,
            passcode_hash: &hash,
            label: "Old",
            scope: taper_core::consent::Scope::all().bits(),
            days: 90,
            expires: now.checked_sub(jiff::SignedDuration::from_secs(1)).unwrap(),
        };
        app.store.health_link_add(user, &link, now).await.unwrap();
        let expired = app.browser();
        assert_eq!(expired.get(&format!("/s/{token}")).await.status, StatusCode::NOT_FOUND);
        let manifest = expired
            .client
            .post(format!("{}/shl/{token}", expired.base))
            .header("content-type", "application/json")
            .body(r#"{"recipient":"EHR","passcode":"ABCD-2345"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(manifest.status(), StatusCode::NOT_FOUND);
        assert!(visible(&p.get("/handoff").await).contains("Expired on"));
        app
    })
    .await;
}

/// The manifest refuses what it cannot use, by name, and answers a viewer's preflight.
#[tokio::test]
async fn the_manifest_names_what_is_wrong_with_a_request() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        p.sign_up_as("p@example.org", "Pat", "person").await;
        let (address, _, _) = make_link(&p, "", &["plan"]).await;
        let token = &address[address.find("/s/").unwrap() + 3..];
        let post = |body: &'static str| {
            p.client
                .post(format!("{}/shl/{token}", p.base))
                .header("content-type", "application/json")
                .body(body)
                .send()
        };
        let bad = post("not json").await.unwrap();
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        assert!(bad.text().await.unwrap().contains("recipient and passcode"));
        let nobody = post(r#"{"recipient":"  ","passcode":"x"}"#).await.unwrap();
        assert_eq!(nobody.status(), StatusCode::BAD_REQUEST);
        assert!(nobody.text().await.unwrap().contains("recipient: say who is asking"));
        let unknown = p
            .client
            .post(format!("{}/shl/{}", p.base, taper_report::shl::fresh_token()))
            .header("content-type", "application/json")
            .body(r#"{"recipient":"EHR","passcode":"x"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        let pre = p.client.request(reqwest::Method::OPTIONS, format!("{}/shl/{token}", p.base)).send().await.unwrap();
        assert_eq!(pre.headers()["access-control-allow-origin"], "*");
        // Made without a label, it is named for what it is.
        assert!(visible(&p.get("/handoff").await).contains("Taper summary"));
        // The form names a bad choice and keeps the page.
        let odd = p
            .submit(
                "/handoff",
                "/handoff/links",
                &[("part", "plan"), ("days", "180"), ("expires", "365"), ("label", "Mine")],
            )
            .await;
        assert_eq!(odd.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(odd.has("How long it lasts: choose 7 or 30 days."), "{}", visible(&odd));
        // What was chosen comes back as chosen, not the defaults (a walk).
        assert!(odd.has("value=\"180\" checked") && odd.has("value=\"Mine\""), "{}", odd.body);
        assert!(odd.has("name=\"part\" value=\"questionnaires\">"), "unticked stays unticked: {}", odd.body);
        assert!(odd.has("id=\"link-error\"") && !odd.has("id=\"handoff-error\""), "the error at its form");
        assert!(odd.has("id=\"top-error\"") && odd.has("href=\"#links\""), "and said at the top, linked to it");
        // The summary's form keeps its defaults: the link's choice is not its.
        let summary_form = &odd.body[odd.body.find("action=\"/handoff/summary\"").unwrap()..];
        let summary_form = &summary_form[..summary_form.find("</form>").unwrap()];
        assert!(summary_form.contains("value=\"questionnaires\" checked"), "{summary_form}");
        app
    })
    .await;
}
