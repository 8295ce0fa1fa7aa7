//! Issue 12, "erasure that erases" (security probe M5/M6): after an account is deleted, nothing
//! planted through its forms can be read in the SQLite files, and a supporter who leaves is shown
//! to the people they supported as "a former supporter".

use reqwest::StatusCode;

use crate::helpers::{TestApp, on_sqlite};
use crate::sharing::{phq9, share_with};
use crate::{check_in, days_ago, make_plan};

/// Every file SQLite keeps for the database: the main file, its WAL and shared memory.
fn database_bytes(app: &TestApp) -> Vec<(String, Vec<u8>)> {
    let path = app.url.strip_prefix("sqlite:").unwrap().split('?').next().unwrap().to_string();
    ["", "-wal", "-shm", "-journal"]
        .iter()
        .filter_map(|ext| {
            let p = format!("{path}{ext}");
            std::fs::read(&p).ok().map(|b| (p, b))
        })
        .collect()
}

fn find(files: &[(String, Vec<u8>)], needle: &str) -> Option<String> {
    files.iter().find(|(_, b)| b.windows(needle.len()).any(|w| w == needle.as_bytes())).map(|(p, _)| p.clone())
}

#[tokio::test]
async fn a_deleted_account_leaves_nothing_readable_and_a_leaving_supporter_is_unnamed() {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    on_sqlite(cores, |app: TestApp| async move {
        let sam = app.browser();
        let email = "planted-mail-7q4@example.org";
        sam.sign_up_as(email, "Planted Name Kestrel", "person").await;
        make_plan(&sam, &days_ago(3), "28").await;
        let dr = app.browser();
        dr.sign_up_as("zed@example.org", "Dr Zanzibar Quill", "clinician").await;
        share_with(&sam, &dr).await;

        let secrets = [
            "planted-mail-7q4",
            "Planted Name Kestrel",
            "PLANTED-CHECKIN-NOTE-91",
            "PLANTED-SAFETY-PLAN-55",
            "PLANTED-ASSESSMENT-23",
        ];
        check_in(&sam, &days_ago(1), 2, "1").await;
        let today = crate::london_today().to_string();
        assert_eq!(
            crate::check_in_with_note(&sam, &today, "PLANTED-CHECKIN-NOTE-91").await.status,
            StatusCode::SEE_OTHER
        );
        sam.submit("/safety-plan", "/safety-plan", &[("warning_signs", "PLANTED-SAFETY-PLAN-55")]).await;
        assert_eq!(crate::assess(&sam, "PLANTED-ASSESSMENT-23").await.status, StatusCode::OK);
        phq9(&sam, ["1", "1", "1", "1", "0", "0", "0", "0", "1"]).await;
        let sam_id = app.store.user_by_email(email).await.unwrap().unwrap().id;
        // Dr Quill reads the record, notes a flag, then leaves Taper.
        dr.get(&format!("/people/{sam_id}")).await;
        let key = format!("item9:{}", crate::london_today());
        let noted = dr
            .submit(
                &format!("/people/{sam_id}"),
                &format!("/people/{sam_id}/flags/resolve"),
                &[("key", &key), ("note", "Phoned; all right for now"), ("kind", "reached_out")],
            )
            .await;
        assert_eq!(noted.status, StatusCode::SEE_OTHER);
        let all = database_bytes(&app);
        // Names and addresses are stored as written (notes are sealed, so never readable here).
        for s in ["planted-mail-7q4", "Planted Name Kestrel", "Dr Zanzibar Quill"] {
            assert!(find(&all, s).is_some(), "{s} should be in the database before deletion");
        }
        let gone = dr
            .submit("/account", "/account/delete", &[("password", "correct horse battery"), ("confirm", "yes")])
            .await;
        assert!(gone.has("Your account has been deleted"));
        let log = sam.get("/sharing").await;
        assert!(log.has("a former supporter") && !log.has("Zanzibar"), "{}", log.body);
        assert!(find(&database_bytes(&app), "Dr Zanzibar Quill").is_none(), "the supporter's name is gone");

        let deleted = sam
            .submit("/account", "/account/delete", &[("password", "correct horse battery"), ("confirm", "yes")])
            .await;
        assert!(deleted.has("Your account has been deleted"));
        let after = database_bytes(&app);
        for s in secrets {
            assert_eq!(find(&after, s), None, "{s} is still readable after the account was deleted");
        }
        app
    })
    .await;
}

/// Issue 12, encryption at rest: what people write in their own words is sealed with a key kept
/// outside the database, so a copied taper.db alone does not show it; the app shows it as
/// written.
#[tokio::test]
async fn notes_and_the_safety_plan_cannot_be_read_from_the_database_file() {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    on_sqlite(cores, |app: TestApp| async move {
        let sam = app.browser();
        sam.sign_up("sealed@example.org").await;
        make_plan(&sam, &days_ago(3), "28").await;
        let today = crate::london_today().to_string();
        assert_eq!(
            crate::check_in_with_note(&sam, &today, "SEALED-NOTE-ABOUT-MY-DAD").await.status,
            StatusCode::SEE_OTHER
        );
        sam.submit("/safety-plan", "/safety-plan", &[("reasons", "SEALED-REASONS-MY-DOG")]).await;
        assert_eq!(crate::assess(&sam, "SEALED-ASSESSMENT-NOTE").await.status, StatusCode::OK);
        sam.invite(&crate::sharing::with_everything(&[("label", "SEALED-LABEL")])).await;
        // A symptom of their own, named and answered.
        sam.submit("/checkin/own", "/checkin/own", &[("own", "SEALED-OWN-SYMPTOM")]).await;
        let yesterday = crate::london_today().yesterday().unwrap().to_string();
        let answered =
            [("date", yesterday.as_str()), ("wellbeing", "5"), ("own_0", "SEALED-OWN-SYMPTOM"), ("o_0", "2")];
        assert_eq!(sam.submit("/checkin", "/checkin", &answered).await.status, StatusCode::SEE_OTHER);
        assert!(sam.get("/checkin").await.has("SEALED-OWN-SYMPTOM: moderate"));
        // The app shows them as written …
        assert!(sam.get(&format!("/checkin?date={today}")).await.has("SEALED-NOTE-ABOUT-MY-DAD"));
        assert!(sam.get("/safety-plan").await.has("SEALED-REASONS-MY-DOG"));
        assert!(sam.get("/sharing").await.has("SEALED-LABEL"));
        // … and the database files hold none of them.
        let files = database_bytes(&app);
        for s in [
            "SEALED-NOTE-ABOUT-MY-DAD",
            "SEALED-REASONS-MY-DOG",
            "SEALED-ASSESSMENT-NOTE",
            "SEALED-LABEL",
            "SEALED-OWN-SYMPTOM",
        ] {
            assert_eq!(find(&files, s), None, "{s} is readable in the database file");
        }
        app
    })
    .await;
}

/// Issue 19, N5: a supporter's reason for a suggestion is their own words about the person:
/// sealed like the other free text, shown as written, absent from the database files.
#[tokio::test]
async fn a_supporters_reason_for_a_suggestion_cannot_be_read_from_the_database_file() {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    on_sqlite(cores, |app: TestApp| async move {
        let p = app.browser();
        p.sign_up("p@example.org").await;
        make_plan(&p, &days_ago(17), "14").await;
        let dr = app.browser();
        dr.sign_up_as("dr@example.org", "Dr Lee", "clinician").await;
        let page = p.invite(&crate::sharing::with_everything(&[("can_propose", "yes")])).await;
        dr.submit("/join", "/join", &[("code", &crate::sharing::invite_code(&page))]).await;
        let pid = app.store.user_by_email("p@example.org").await.unwrap().unwrap().id;
        let form = [("kind", "slower"), ("step", "5"), ("reason", "SEALED-REASON-PANIC-ATTACKS")];
        let sent = dr.submit(&format!("/people/{pid}"), &format!("/people/{pid}/proposals"), &form).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        assert!(p.get("/progress").await.has("Their reason: SEALED-REASON-PANIC-ATTACKS"));
        assert_eq!(find(&database_bytes(&app), "SEALED-REASON-PANIC-ATTACKS"), None, "readable in the database file");
        app
    })
    .await;
}
