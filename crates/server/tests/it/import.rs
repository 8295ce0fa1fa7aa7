//! Issue 19, N2 and N4: a malicious-import corpus. An export is taken from a real account, then
//! tampered with one way at a time; each tampered file is refused with an error that names the
//! record (nothing written), or — for the plan's own steps — ignored in favour of what core works
//! out again from the settings.

use reqwest::StatusCode;
use serde_json::{Value, json};
use taper_server::import::{ImportError, import};

use crate::helpers::{TestApp, on_both};
use crate::{check_in_with_note, days_ago, make_plan};

/// A real export: a citalopram plan from 20 mg, three check-ins, a dose, a PHQ-9 and an item-9
/// answer, a safety plan and a history event.
async fn an_export(app: &TestApp) -> Value {
    let sam = app.browser();
    sam.sign_up("source@example.org").await;
    make_plan(&sam, &days_ago(20), "14").await;
    for d in [3, 2, 1] {
        check_in_with_note(&sam, &days_ago(d), "a quiet day").await;
    }
    sam.submit("/today", "/today/dose", &[("date", &days_ago(0)), ("status", "taken"), ("read_new_way", "yes")]).await;
    crate::sharing::phq9(&sam, ["1", "1", "1", "1", "0", "0", "0", "0", "1"]).await;
    sam.submit("/safety-plan", "/safety-plan", &[("reasons", "My sister")]).await;
    let event = [("date", "2022-02-01"), ("drug", "citalopram"), ("kind", "stop"), ("abrupt", "yes")];
    sam.submit("/history", "/history/events", &event).await;
    let count = [("product", "citalopram-oral-drops-40mg-ml"), ("amount", "20"), ("counted", &days_ago(0))];
    sam.submit("/supply", "/supply", &count).await;
    serde_json::from_str(&sam.get("/account/export.json").await.body).unwrap()
}

/// Imports `file` into a new account `email`; the error, or None when it came across.
async fn try_import(app: &TestApp, email: &str, file: &Value) -> (taper_store::UserId, Option<ImportError>) {
    app.browser().sign_up(email).await;
    let id = app.store.user_by_email(email).await.unwrap().unwrap().id;
    let catalogue = taper_core::Catalogue::builtin().unwrap();
    let done = import(&app.store, &catalogue, id, &file.to_string()).await;
    (id, done.err())
}

/// Refused, with words that contain `says`, and nothing written.
async fn refused(app: &TestApp, n: usize, file: &Value, says: &str) {
    let (id, err) = try_import(app, &format!("t{n}@example.org"), file).await;
    let err = err.unwrap_or_else(|| panic!("tampering {n} was imported"));
    assert!(err.to_string().contains(says), "tampering {n}: {err}");
    assert!(app.store.is_empty_account(id).await.unwrap(), "tampering {n}: something was written");
    assert!(app.store.signals(id).await.unwrap().is_empty() && app.store.safety_plan(id).await.unwrap().is_none());
}

#[tokio::test]
async fn a_tampered_export_is_refused_naming_the_record_and_writes_nothing() {
    on_both(|app: TestApp| async move {
        let good = an_export(&app).await;
        let tamper = |f: &dyn Fn(&mut Value)| {
            let mut v = good.clone();
            f(&mut v);
            v
        };
        let cases: Vec<(Value, &str)> = vec![
            // A start far above the labelled maximum, "confirmed" on the old server.
            (
                tamper(&|v| {
                    v["plans"][0]["revisions"][0]["settings"]["start_mg"] = json!(999.0);
                    v["plans"][0]["revisions"][0]["settings"]["confirm_dose"] = json!(true);
                }),
                "plan 1 (citalopram), revision 1",
            ),
            (tamper(&|v| v["plans"][0]["drug"] = json!("nosuchdrug")), "nosuchdrug"),
            (tamper(&|v| v["plans"][0]["revisions"][0]["settings"]["products"] = json!(["made-up"])), "made-up"),
            (tamper(&|v| v["account"]["time_zone"] = json!("Mars/Olympus_Mons")), "Mars/Olympus_Mons"),
            (tamper(&|v| v["account"]["country"] = json!("ZQ")), "country 'ZQ'"),
            (tamper(&|v| v["checkins"][1]["date"] = json!("2099-01-01")), "check-in 2 (2099-01-01)"),
            (tamper(&|v| v["checkins"][0]["note"] = json!("x".repeat(5000))), "at most 2000"),
            (tamper(&|v| v["checkins"][0]["wellbeing"] = json!(11)), "wellbeing"),
            (tamper(&|v| v["checkins"][0]["scores"][0] = json!(9)), "must be 0 (none) to 3"),
            (tamper(&|v| v["questionnaires"][0]["answers"] = json!(vec![3; 30])), "questionnaire 1"),
            (tamper(&|v| v["item9_answers"][0]["value"] = json!(7)), "item-9 answers 1"),
            (tamper(&|v| v["doses"][0]["dose_mg"] = json!(999.0)), "dose 1"),
            (tamper(&|v| v["doses"][0]["status"] = json!("exploded")), "taken, missed"),
            (tamper(&|v| v["doses"][0]["time"] = json!("25:00")), "dose 1"),
            (tamper(&|v| v["supplies"][0]["amount"] = json!(-3.0)), "supply count 1"),
            (tamper(&|v| v["supplies"][0]["product_id"] = json!("made-up")), "supply count 1 (made-up)"),
            (tamper(&|v| v["supplies"][0]["unit"] = json!("crates")), "unit 'crates'"),
            (tamper(&|v| v["medication_history"]["events"][0]["drug"] = json!("nosuchdrug")), "no drug 'nosuchdrug'"),
            (tamper(&|v| v["safety_plan"]["reasons"] = json!("x".repeat(3000))), "the safety plan"),
            (
                tamper(&|v| {
                    v["withdrawal_or_relapse"] =
                        json!([{"date": "2026-01-01", "answers": {}, "leaning": "cured", "note": ""}])
                }),
                "leaning 'cured'",
            ),
            (
                tamper(&|v| {
                    let one = v["checkins"][0].clone();
                    v["checkins"] = Value::Array(vec![one; 4001]);
                }),
                "4001 check-ins, at most 4000",
            ),
        ];
        for (n, (file, says)) in cases.iter().enumerate() {
            refused(&app, n, file, says).await;
        }
        app
    })
    .await;
}

/// The review's N2 reproduction: every dose in the file's plan set to 999 mg. The file's steps
/// are not what Today reads: core works the plan out again from its settings.
#[tokio::test]
async fn an_imported_plan_is_worked_out_again_so_tampered_steps_never_reach_today() {
    on_both(|app: TestApp| async move {
        let mut file = an_export(&app).await;
        let mut total_before = 0;
        for rev in file["plans"][0]["revisions"].as_array_mut().unwrap() {
            for step in rev["plan"]["steps"].as_array_mut().unwrap() {
                for k in ["dose_mg", "target_mg"] {
                    step[k] = json!(999.0);
                }
            }
        }
        for q in file["questionnaires"].as_array_mut().unwrap() {
            total_before = q["total"].as_u64().unwrap();
            q["total"] = json!(99);
            q["item9"] = json!(3);
        }
        let (id, err) = try_import(&app, "moved@example.org", &file).await;
        assert!(err.is_none(), "{err:?}");
        let qs = app.store.questionnaires(id).await.unwrap();
        assert_eq!((u64::from(qs[0].total), qs[0].item9), (total_before, Some(1)), "totals worked out again");
        let b = app.browser();
        let signed = b.sign_in("moved@example.org").await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER);
        let today = b.get("/today").await;
        // "999 mg", not "999": a token or id on the page may hold those digits.
        assert!(!today.has("999 mg") && today.has("Citalopram"), "{}", today.body);
        app
    })
    .await;
}

/// A file over the size limit is refused before it is parsed.
#[test]
fn an_oversized_file_is_refused_before_reading_it_whole() {
    let path = std::env::temp_dir().join(format!("taper-import-big-{}.json", std::process::id()));
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(taper_server::import::MAX_BYTES + 1).unwrap();
    let err = taper_server::import::read_file(&path).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert!(matches!(err, ImportError::TooLarge(_)), "{err}");
}
