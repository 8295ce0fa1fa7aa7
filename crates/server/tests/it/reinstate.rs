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
                && form.has("never suggests a dose")
                && !form.has("What the guidelines say")
        );

        let nine = days_ago(9);
        let aid = b.get(&format!("/reinstate?drug=sertraline&previous=50&change=stopped&since={nine}")).await;
        assert_eq!(aid.status, StatusCode::OK);
        assert!(aid.has("You stopped Sertraline 50 mg 9 days ago."), "{}", aid.body);
        assert!(aid.has("at the previous dose (50 mg)") && aid.has("NICE guideline NG222"), "{}", aid.body);
        assert!(aid.has("Taper does not suggest one") && aid.has("a few days to ease"));
        assert!(!aid.has("role=\"alert\"><strong>"), "no urgent panel for an antidepressant");

        let benzo = b
            .get(&format!("/reinstate?drug=alprazolam&previous=1&change=cut&cut_to=0.5&since={nine}&restarts=yes"))
            .await;
        assert_eq!(benzo.status, StatusCode::OK);
        assert!(benzo.has("a seizure") && benzo.has("pause at the current dose"), "{}", benzo.body);
        assert!(benzo.has("You take 0.5 mg now") && benzo.has("more slowly still"));

        // Impossible answers come back by field, as typed.
        let up = b.get(&format!("/reinstate?drug=sertraline&previous=50&change=cut&cut_to=75&since={nine}")).await;
        assert_eq!(up.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(up.has("a cut is to less than the dose before it") && up.has("value=\"75\""), "{}", up.body);
        let tomorrow = days_ago(-1);
        let future = b.get(&format!("/reinstate?drug=sertraline&previous=50&change=stopped&since={tomorrow}")).await;
        assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(future.has("cannot be after today"));
        app
    })
    .await;
}
