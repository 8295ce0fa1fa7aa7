//! Seed 004: a person who stopped or cut too fast can ask what restarting involves. The aid
//! cites the guidelines, never gives a dose of its own, and refuses impossible answers by field.

use reqwest::StatusCode;

use crate::days_ago;
use crate::helpers::{TestApp, on_both};

#[tokio::test]
async fn the_reinstatement_aid_cites_the_guidelines_and_gives_no_dose() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("p@example.org").await;
        let form = b.get("/reinstate").await;
        assert!(
            form.has("Stopped or cut too quickly?")
                && form.has("never works out a dose of its own")
                && !form.has("What the guidelines say")
        );
        // Walk-through (new drugs): the drugs the aid has no sources for are named, not silently
        // missing, and sent to the prescriber.
        assert!(form.has("id=\"not-covered\"") && form.has("Zolpidem") && form.has("Gabapentin"), "{}", form.body);
        assert!(!form.has("<option value=\"zolpidem\""));

        let nine = days_ago(9);
        let ask = |pairs: Vec<(&'static str, String)>| {
            let b = &b;
            async move {
                let form: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
                b.submit("/reinstate", "/reinstate", &form).await
            }
        };
        let sertraline = |change: &str, cut_to: &str, since: &str| {
            vec![
                ("drug", "sertraline".to_string()),
                ("previous", "50".to_string()),
                ("change", change.to_string()),
                ("cut_to", cut_to.to_string()),
                ("since", since.to_string()),
            ]
        };
        let aid = ask(sertraline("stopped", "", &nine)).await;
        assert_eq!(aid.status, StatusCode::OK);
        assert!(aid.has("You stopped Sertraline 50 mg 9 days ago."), "{}", aid.body);
        assert!(aid.has("at the previous dose (50 mg)") && aid.has("NICE guideline NG222"), "{}", aid.body);
        assert!(aid.has("Taper does not suggest one") && aid.has("a few days to ease"));
        assert!(!aid.has("role=\"alert\"><strong>"), "no urgent panel for an antidepressant");

        let benzo = ask(vec![
            ("drug", "alprazolam".to_string()),
            ("previous", "1".to_string()),
            ("change", "cut".to_string()),
            ("cut_to", "0.5".to_string()),
            ("since", nine.clone()),
            ("restarts", "yes".to_string()),
        ])
        .await;
        assert_eq!(benzo.status, StatusCode::OK);
        assert!(benzo.has("a seizure") && benzo.has("pause at the current dose"), "{}", benzo.body);
        assert!(benzo.has("You take 0.5 mg now") && benzo.has("more slowly still"));
        assert!(!benzo.has("NICE"), "the antidepressant guideline does not speak for a benzodiazepine");
        // Nothing typed travels in the address: the form is posted.
        assert!(form.has("<form method=\"post\" action=\"/reinstate\">"));

        // Impossible answers come back by field, as typed.
        let up = ask(sertraline("cut", "75", &nine)).await;
        assert_eq!(up.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(up.has("A cut is to less than the dose before it") && up.has("value=\"75\""), "{}", up.body);
        // Nothing ticked under "What happened" is asked for, never a silent page.
        let unticked = ask(sertraline("", "", &nine)).await;
        assert_eq!(unticked.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unticked.has("Say whether you stopped"));
        let tomorrow = days_ago(-1);
        let future = ask(sertraline("stopped", "", &tomorrow)).await;
        assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(future.has("cannot be after today"));
        app
    })
    .await;
}
