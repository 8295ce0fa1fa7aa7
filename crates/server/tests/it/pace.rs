//! Issue 9 through the web form: a fast antidepressant plan needs a recorded reason, which is
//! stored with the plan and exported; an implausible dose must be confirmed.

use reqwest::StatusCode;

use crate::days_ago;
use crate::helpers::{TestApp, on_both};

fn form<'a>(dose: &'a str, step: &'a str, every: &'a str, start: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("drug", "citalopram"),
        ("dose_as", "tablets"),
        ("dose", dose),
        ("strategy", "hyperbolic"),
        ("step", step),
        ("every", every),
        ("start_date", start),
        ("syringe", "0.1"),
        ("products", "citalopram-tab-20mg"),
        ("products", "citalopram-oral-drops-40mg-ml"),
    ]
}

#[tokio::test]
async fn a_fast_plan_needs_a_reason_which_is_kept_with_the_plan_and_exported() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("p@example.org").await;
        let today = days_ago(0);
        // The review's 20 pp every 7 days: refused on the field, nothing saved.
        let fast = form("40", "20", "7", &today);
        let refused = b.submit("/plan/new?drug=citalopram", "/plan", &fast).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.has("minimum of 14 days"), "{}", refused.body);
        assert!(refused.has("A faster pace agreed with your prescriber"));
        let user = app.store.user_by_email("p@example.org").await.unwrap().unwrap().id;
        assert!(app.store.plans(user).await.unwrap().is_empty());
        // A blank-looking or one-word reason is named on its own field.
        let mut word = fast.clone();
        word.push(("justification", "acceptable!!"));
        let refused = b.submit("/plan/new?drug=citalopram", "/plan", &word).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.has("one word does not say why"), "{}", refused.body);
        // With a reason: previewed with the warning, saved, kept with the revision, exported.
        let mut ok = fast.clone();
        ok.push(("justification", "switching to sertraline, agreed with Dr Lee"));
        let preview = b.submit("/plan/new?drug=citalopram", "/plan/preview", &ok).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
        assert!(preview.has("Recorded justification: switching to sertraline, agreed with Dr Lee"));
        assert!(preview.has("name=\"justification\" value=\"switching to sertraline, agreed with Dr Lee\""));
        let saved = b.submit("/plan/new?drug=citalopram", "/plan", &ok).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let plan = app.store.plans(user).await.unwrap()[0].id;
        let rev = &app.store.plan(user, plan).await.unwrap().revisions[0];
        assert!(
            rev.settings.contains("\"justification\":\"switching to sertraline, agreed with Dr Lee\""),
            "{}",
            rev.settings
        );
        assert!(b.get("/plan").await.has("Recorded justification: switching to sertraline"));
        let export = b.get("/account/export.json").await;
        assert!(export.has("switching to sertraline, agreed with Dr Lee"));
        // No step of the saved plan removes more than half the dose.
        let steps: serde_json::Value = serde_json::from_str(&rev.steps).unwrap();
        let doses: Vec<f64> =
            steps["steps"].as_array().unwrap().iter().map(|s| s["dose_mg"].as_f64().unwrap()).collect();
        for w in doses.windows(2).filter(|w| w[1] > 0.0) {
            assert!(w[1] >= w[0] / 2.0 - 1e-9, "{doses:?}");
        }
        app
    })
    .await;
}

#[tokio::test]
async fn an_implausible_dose_asks_for_confirmation() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("p@example.org").await;
        let today = days_ago(0);
        // 100 mg (the label's 40 mg maximum is 2.5 times over): asked to confirm. Ten times over
        // (400 mg) is refused outright, confirmed or not (walk-through: a confirmed 5,000 mg).
        let absurd = form("400", "5", "28", &today);
        let mut absurd_confirmed = absurd.clone();
        absurd_confirmed.push(("confirm_dose", "yes"));
        let refused = b.submit("/plan/new?drug=citalopram", "/plan/preview", &absurd_confirmed).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.has("Taper does not plan from it") && refused.has("value=\"400\""), "{}", refused.body);
        let high = form("100", "5", "28", &today);
        let asked = b.submit("/plan/new?drug=citalopram", "/plan/preview", &high).await;
        assert_eq!(asked.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(asked.has("above the highest labelled daily dose of Citalopram"), "{}", asked.body);
        assert!(asked.has("name=\"confirm_dose\" value=\"yes\""), "the box to confirm is shown");
        let mut confirmed = high.clone();
        confirmed.push(("confirm_dose", "yes"));
        let preview = b.submit("/plan/new?drug=citalopram", "/plan/preview", &confirmed).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
        assert!(preview.has("the dose was confirmed as right"));
        assert!(preview.has("name=\"confirm_dose\" value=\"yes\""), "the confirmation travels to the save");
        app
    })
    .await;
}
