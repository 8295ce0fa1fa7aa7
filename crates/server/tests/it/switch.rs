//! Clinical review D2 on the web: the switch to a long-acting benzodiazepine is asked with its
//! pre-switch screen, and the answers change what is proposed.

use reqwest::StatusCode;

use crate::helpers::{TestApp, on_both};

/// The review's reproduction: clonazepam 2 mg at 22:00 switched to diazepam (Ashton: 40 mg a
/// day) had been one 40 mg dose. On the web it must be spread over enough times, no dose above
/// the label's 10 mg, and nothing is planned until the screen is answered.
fn clonazepam<'a>(screen: &'a [&'a str], extra: &'a [(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("from", "clonazepam"),
        ("time1", "22:00"),
        ("mg1", "2"),
        ("to", "diazepam"),
        ("products", "diazepam-tab-2mg"),
        ("products", "diazepam-tab-5mg"),
        ("scheme", "ashton"),
    ];
    form.extend(screen.iter().map(|s| ("screen", *s)));
    form.extend_from_slice(extra);
    form
}

#[tokio::test]
async fn a_switch_is_asked_with_its_screen_and_the_screen_changes_it() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("p@example.org").await;
        let asked = b.get("/switch").await;
        assert!(asked.has("Before a switch: does any of these apply?") && asked.has("value=\"sleep-apnoea\""));

        // Unanswered, nothing is planned, and the answers come back as typed.
        let unanswered = b.submit("/switch", "/switch/preview", &clonazepam(&[], &[])).await;
        assert_eq!(unanswered.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unanswered.has("Answer the pre-switch screen") && unanswered.has("value=\"22:00\""));

        // One time is not enough for 40 mg of diazepam at 10 mg a dose: say how many.
        let one_time = b.submit("/switch", "/switch/preview", &clonazepam(&["none"], &[])).await;
        assert_eq!(one_time.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(one_time.has("needs at least 4 doses of at most 10 mg"), "{}", one_time.body);
        assert!(!one_time.has("--to-times"), "no command-line words on the web");

        let four = [("to_times", "08:00, 13:00, 18:00, 22:00")];
        let planned = b.submit("/switch", "/switch/preview", &clonazepam(&["none"], &four)).await;
        assert_eq!(planned.status, StatusCode::OK, "{}", planned.body);
        assert!(
            planned.has("A step-by-step switch from Clonazepam to Diazepam")
                && planned.has("Pre-switch screen: none of age 65 or over")
        );
        assert!(planned.has("<strong>08:00</strong>") && planned.has("Then the taper of the new drug"));
        // No single diazepam dose above the label's 10 mg.
        for bad in ["12 mg Diazepam", "15 mg Diazepam", "20 mg Diazepam", "40 mg Diazepam"] {
            assert!(!planned.has(bad), "{bad} in {}", planned.body);
        }

        // New-user walk: the taper after the switch starts, dose by dose; "Change the answers"
        // is posted; diazepam is offered first.
        assert!(!planned.has("prepared as you do today"), "{}", planned.body);
        assert!(planned.has("<form method=\"post\" action=\"/switch\">"));
        assert!(asked.has("<option value=\"diazepam\" selected>"));

        // Sleep apnoea: no switch to a long-acting drug.
        let apnoea = b.submit("/switch", "/switch/preview", &clonazepam(&["sleep-apnoea"], &four)).await;
        assert_eq!(apnoea.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(apnoea.has("sleep apnoea") && !apnoea.has("Then the taper"), "{}", apnoea.body);
        // "None" with a condition is a contradiction, said so.
        let both = b.submit("/switch", "/switch/preview", &clonazepam(&["none", "copd"], &four)).await;
        assert!(both.has("tick only those that apply"));
        app
    })
    .await;
}
