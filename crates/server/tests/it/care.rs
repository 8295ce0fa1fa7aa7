//! Withdrawal-or-relapse aid, medication history and a supporter's suggestion, through the routes.

use reqwest::StatusCode;

use crate::helpers::{TestApp, on_both};
use crate::sharing::with_everything;
use crate::{days_ago, make_plan};

#[tokio::test]
async fn the_withdrawal_or_relapse_aid_answers_with_reasons_and_keeps_the_episode() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        p.sign_up("p@example.org").await;
        let missing = p.submit("/assess", "/assess", &[("onset", "days")]).await;
        assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(missing.has("Please answer every question") && missing.has("value=\"days\" checked"));
        let done = p
            .submit(
                "/assess",
                "/assess",
                &[
                    ("onset", "days"),
                    ("new_symptoms", "yes"),
                    ("physical", "yes"),
                    ("like_original", "no"),
                    ("reinstatement", "not_tried"),
                    ("note", "brain zaps since Tuesday"),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::OK);
        assert!(done.has("This episode is more consistent with withdrawal"));
        assert!(done.has("electric-shock sensations") && done.has("Horowitz MA, Taylor D. The Maudsley Deprescribing"));
        assert!(done.has("not a diagnosis"));
        let again = p.get("/assess").await;
        assert!(again.has("brain zaps since Tuesday"), "kept in the record");
        app
    })
    .await;
}

#[tokio::test]
async fn a_history_of_abrupt_stops_slows_the_suggested_pace_and_says_why() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        p.sign_up("p@example.org").await;
        let usual = p.get("/plan/new?drug=citalopram").await;
        assert!(usual.has("id=\"step\" name=\"step\" inputmode=\"decimal\" value=\"5\""));
        let future = p
            .submit("/history", "/history/events", &[("date", "2999-01-01"), ("drug", "citalopram"), ("kind", "stop")])
            .await;
        assert!(future.has("in the future"));
        for (date, kind, abrupt) in
            [("2018-05-01", "start", ""), ("2022-02-01", "stop", "yes"), ("2022-03-15", "reinstate", "")]
        {
            let r = p
                .submit(
                    "/history",
                    "/history/events",
                    &[("date", date), ("drug", "citalopram"), ("kind", kind), ("abrupt", abrupt)],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
        }
        let history = p.get("/history").await;
        assert!(history.has("stopped all at once 1 time") && history.has("every 42 days"), "{}", history.body);
        let slower = p.get("/plan/new?drug=citalopram").await;
        assert!(
            slower.has("value=\"2.5\"") && slower.has("id=\"every\" name=\"every\" inputmode=\"numeric\" value=\"42\"")
        );
        assert!(slower.has("id=\"pace-note\""));
        app
    })
    .await;
}

#[tokio::test]
async fn a_supporter_with_permission_suggests_and_the_person_decides() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        p.sign_up("p@example.org").await;
        make_plan(&p, &days_ago(17), "14").await;
        let dr = app.browser();
        dr.sign_up_as("dr@example.org", "Dr Lee", "clinician").await;
        let viewer = app.browser();
        viewer.sign_up_as("v@example.org", "Val", "peer").await;
        for (b, propose) in [(&dr, "yes"), (&viewer, "")] {
            let page = p.invite(&with_everything(&[("can_propose", propose)])).await;
            b.submit("/join", "/join", &[("code", &crate::sharing::invite_code(&page))]).await;
        }
        let pid = app.store.user_by_email("p@example.org").await.unwrap().unwrap().id;
        let path = format!("/people/{pid}/proposals");
        assert!(!viewer.get(&format!("/people/{pid}")).await.has("Suggest a change"));
        let refused = viewer.submit(&format!("/people/{pid}"), &path, &[("kind", "hold"), ("reason", "x")]).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "view-only sharing cannot propose");
        // A walk: a bad step size gave a bare error page and lost the reason written. The page
        // comes back with the error beside the field and everything as typed.
        let reason = "Sleep is poor since the last step";
        let too_big = dr
            .submit(&format!("/people/{pid}"), &path, &[("kind", "slower"), ("step", "20"), ("reason", reason)])
            .await;
        assert_eq!(too_big.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(too_big.has("id=\"step-error\"") && too_big.has("aria-invalid=\"true\""), "{}", too_big.body);
        assert!(too_big.has(&format!(">{reason}</textarea>")) && too_big.has("value=\"20\""), "{}", too_big.body);
        assert!(too_big.has("value=\"slower\" checked") && too_big.has("Your suggestion was not sent"));
        assert!(too_big.has("Sign out") || too_big.has("/logout"), "still signed in: {}", too_big.body);
        let no_reason =
            dr.submit(&format!("/people/{pid}"), &path, &[("kind", "slower"), ("step", "5"), ("reason", "  ")]).await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(no_reason.has("id=\"reason-error\"") && no_reason.has("value=\"5\""), "{}", no_reason.body);
        let sent = dr
            .submit(
                &format!("/people/{pid}"),
                &path,
                &[("kind", "slower"), ("step", "5"), ("reason", "Sleep is poor since the last step")],
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER);

        let progress = p.get("/progress").await;
        assert!(progress.has("Dr Lee suggests smaller steps: 5 pp from 12.5 mg"), "{}", progress.body);
        assert!(progress.has("Their reason: Sleep is poor since the last step"));
        // Attributed to its author, and it says what accepting does (issue 11).
        assert!(progress.has("Suggested by Dr Lee."), "{}", progress.body);
        // A supporter's suggestion carries no rule source: no empty "Sources:" line (walkthrough minor 2).
        assert!(!progress.has("Sources: </p>"), "{}", progress.body);
        assert!(
            progress.has("you stay on 12.5 mg until") && progress.has("then take steps of 5 pp"),
            "{}",
            progress.body
        );
        assert!(p.get("/today").await.has("Dr Lee suggests a change to your plan."));
        assert!(dr.get(&format!("/people/{pid}")).await.has("waiting for them to decide"));
        let plan = app.store.plans(pid).await.unwrap()[0].id;
        let proposal = app
            .store
            .proposals(pid, plan)
            .await
            .unwrap()
            .into_iter()
            .find(|x| x.rule == taper_core::adapt::Origin::Supporter)
            .unwrap();
        let accepted = p.submit("/progress", &format!("/proposals/{}/accept", proposal.id), &[]).await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER);
        let revs = app.store.plan(pid, plan).await.unwrap().revisions;
        assert_eq!(revs.len(), 2);
        assert!(revs[1].reason.starts_with("Smaller steps from 12.5 mg: 5 pp per step"), "{}", revs[1].reason);
        assert!(!revs[1].hold && revs[1].day_offset == 0, "today's dose is kept; smaller steps follow");
        assert!(p.get("/today").await.has("id=\"today-dose\">10 mg<"));
        assert!(p.get("/sharing").await.has("suggested a change to your plan"));
        assert!(dr.get(&format!("/people/{pid}")).await.has("— accepted"), "the supporter sees the outcome");
        app
    })
    .await;
}
