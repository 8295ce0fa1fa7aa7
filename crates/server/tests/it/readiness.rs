//! Issue 20: "a Proceed / Caution / Hold view before each scheduled step … with every signal and
//! the rule's source shown; 'hold here', 'I'm ready for the next step' … each a new revision with
//! its reason".

use super::helpers::{TestApp, on_both};
use super::{days_ago, make_plan, rising_after_a_step};
use reqwest::StatusCode;

#[tokio::test]
async fn the_reading_before_a_step_and_holding_and_going_on_by_oneself() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("r@example.org").await;
        // Citalopram from 20 mg, begun 10 days ago, a step every 14 days: the first cut is in 4 days.
        make_plan(&b, &days_ago(10), "14").await;
        let user = app.store.user_by_email("r@example.org").await.unwrap().unwrap().id;
        let plan = app.store.plans(user).await.unwrap()[0].id;
        let today = b.get("/today").await;
        assert!(today.has("id=\"readiness\"") && today.has("Before your next step, on "), "{}", today.body);
        // No check-ins yet: Taper cannot tell, and says why, with the rule's sources.
        assert!(today.has("<span class=\"level\">Caution</span>"), "{}", today.body);
        assert!(today.has("Not enough check-ins yet to know your own baseline"));
        assert!(today.has("Taper's readiness rule, version 2") && today.has("Horowitz"), "{}", today.body);

        // Hold here: a new revision holding today's dose, with the person's own reason.
        let held = b.submit("/today", "/plan/hold", &[]).await;
        assert!(held.location.as_deref().is_some_and(|l| l.starts_with("/today?saved=held&plan=")));
        let revisions = app.store.plan(user, plan).await.unwrap().revisions;
        assert_eq!(revisions.len(), 2);
        let last = revisions.last().unwrap();
        assert!(last.hold && last.reason == "Held at 20 mg by your own choice", "{last:?}");
        let today = b.get("/today?saved=held").await;
        assert!(today.has("Your plan holds at today") && today.has("While you hold at 20 mg"), "{}", today.body);
        assert!(today.has("I&#39;m ready for the next step") && !today.has(">Hold here<"), "{}", today.body);
        let due = super::london_today().checked_add(jiff::ToSpan::days(4)).unwrap();
        let due_words = due.strftime("%A %-d %B %Y").to_string();
        let then = format!("Your next step would then come on {due_words}, as planned before you held");
        assert!(today.has(&then), "{}", today.body);
        assert!(b.get("/plan").await.has("Held at 20 mg by your own choice"), "the history says whose choice");
        // Holding twice is holding once.
        b.submit("/today", "/plan/hold", &[]).await;
        assert_eq!(app.store.plan(user, plan).await.unwrap().revisions.len(), 2);

        // Ready: the next step, never sooner than planned before the hold (a walk: it cut the dose
        // at once, days early); at the plan's own 10 pp, as the hold came before any cut (a walk: a
        // hold on the first day halved every step). The halving after a cut: regimen.rs.
        let resumed = b.submit("/today", "/plan/resume", &[]).await;
        assert!(
            resumed.location.as_deref().is_some_and(|l| l.starts_with("/today?saved=resumed&plan=")),
            "{}",
            resumed.body
        );
        let revisions = app.store.plan(user, plan).await.unwrap().revisions;
        let last = revisions.last().unwrap();
        assert!(!last.hold && last.reason.contains("You said you were ready for the next step: 10 pp"), "{last:?}");
        assert!(!last.reason.contains("half") && !last.reason.contains("said Hold"), "{last:?}");
        let today = b.get("/today?saved=resumed").await;
        assert!(today.has("Your plan goes on. Keep today&#39;s dose as below; your next step:"), "{}", today.body);
        let stays = "agreed dose today: <span class=\"big\" id=\"today-dose\">20 mg";
        assert!(today.has(stays), "today's dose stays: {}", today.body);
        assert!(today.has(&format!("on {due_words}")), "the step comes when it was due: {}", today.body);
        // Not on hold any more: going on again (a second tab) changes nothing and says so on
        // Today, signed in (a walk: an error page that looked signed out).
        let revisions = app.store.plan(user, plan).await.unwrap().revisions.len();
        let again = b.submit("/today", "/plan/resume", &[]).await;
        let back = again.location.clone().unwrap();
        assert!(back.starts_with("/today?saved=unchanged&plan="), "{back}");
        assert!(b.get(&back).await.has("had already changed"));
        assert_eq!(app.store.plan(user, plan).await.unwrap().revisions.len(), revisions, "nothing added");
        // Holding and going on again, still before the first cut, leaves the step as it is.
        b.submit("/today", "/plan/hold", &[]).await;
        b.submit("/today", "/plan/resume", &[]).await;
        let last = app.store.plan(user, plan).await.unwrap().revisions.pop().unwrap();
        assert!(last.reason.contains("ready for the next step: 10 pp per step"), "{last:?}");
        app
    })
    .await;
}

/// Raised check-ins after a cut: the reading says Hold; going on anyway asks the person to
/// confirm they talked it through, and nothing changes until they do.
#[tokio::test]
async fn going_on_against_a_hold_reading_is_confirmed_first() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        let rising = rising_after_a_step(&app, &p, "h@example.org").await;
        assert_eq!(p.submit("/today", "/plan/hold", &[]).await.status, StatusCode::SEE_OTHER);
        let today = p.get("/today").await;
        assert!(today.has("<span class=\"level\">Hold</span>") && today.has("name=\"confirm\""), "{}", today.body);
        assert!(today.has("raised above your baseline"), "{}", today.body);
        let before = app.store.plan(rising.user, rising.plan).await.unwrap().revisions.len();
        let refused = p.submit("/today", "/plan/resume", &[]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.has("Not changed yet"), "{}", refused.body);
        assert_eq!(app.store.plan(rising.user, rising.plan).await.unwrap().revisions.len(), before);
        let gone_on = p.submit("/today", "/plan/resume", &[("confirm", "yes")]).await;
        assert!(
            gone_on.location.as_deref().is_some_and(|l| l.starts_with("/today?saved=resumed&plan=")),
            "{}",
            gone_on.body
        );
        let revisions = app.store.plan(rising.user, rising.plan).await.unwrap().revisions;
        assert_eq!(revisions.len(), before + 1);
        assert!(revisions.last().unwrap().reason.contains("the readiness reading said Hold"), "the history says so");
        app
    })
    .await;
}

/// A walk found no way to hold once the next step was more than a week away: "Hold here" is
/// offered on its own then, without a reading.
#[tokio::test]
async fn holding_is_offered_at_any_time_between_steps() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("a@example.org").await;
        make_plan(&b, &days_ago(0), "28").await;
        let today = b.get("/today").await;
        assert!(today.has("id=\"hold-anytime\"") && !today.has("id=\"readiness\""), "{}", today.body);
        assert!(
            b.submit("/today", "/plan/hold", &[])
                .await
                .location
                .as_deref()
                .is_some_and(|l| l.starts_with("/today?saved=held&plan="))
        );
        let held = b.get("/today").await;
        assert!(held.has("id=\"readiness\"") && !held.has("id=\"hold-anytime\""), "{}", held.body);
        app
    })
    .await;
}

/// A walk saved a check-in with every item severe and read only "Saved": a day raised above the
/// person's own baseline now says what can help (hold, the prescriber, the withdrawal-or-return
/// aid, help now); a quiet day says nothing more.
#[tokio::test]
async fn a_raised_check_in_says_what_can_help() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        rising_after_a_step(&app, &p, "c@example.org").await;
        let raised = p.get(&format!("/checkin?date={}&saved=1", days_ago(0))).await;
        assert!(raised.has("id=\"raised-help\"") && raised.has("href=\"/crisis\""), "{}", raised.body);
        assert!(raised.has("hold at your current dose") && !raised.has("relapse"), "{}", raised.body);
        let quiet = p.get(&format!("/checkin?date={}&saved=1", days_ago(6))).await;
        assert!(!quiet.has("id=\"raised-help\""), "{}", quiet.body);
        // A first check-in, with no baseline yet, every item severe: said too (a walk read only "Saved").
        let q = app.browser();
        q.sign_up("first@example.org").await;
        super::check_in(&q, &days_ago(0), 17, "3").await;
        let first = q.get(&format!("/checkin?date={}&saved=1", days_ago(0))).await;
        assert!(first.has("id=\"raised-help\""), "{}", first.body);
        app
    })
    .await;
}

/// Issue 20: "shift later steps by N days" as a revision with its reason. The next step moves by
/// the days asked, today's dose stays, and a move past one interval from today, or a number that
/// is not one, is refused with nothing changed.
#[tokio::test]
async fn the_next_step_moves_later_by_the_days_asked() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("m@example.org").await;
        // A step every 14 days, begun 10 days ago: the next step is in 4 days.
        make_plan(&b, &days_ago(10), "14").await;
        let user = app.store.user_by_email("m@example.org").await.unwrap().unwrap().id;
        let plan = app.store.plans(user).await.unwrap()[0].id;
        assert!(b.get("/today").await.has("id=\"move-later\""));
        for bad in ["0", "15", "soon"] {
            let refused = b.submit("/today", "/plan/move", &[("days", bad)]).await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}");
            assert!(refused.has("from 1 to 14") && refused.has("Nothing was changed"), "{bad}: {}", refused.body);
        }
        let too_far = b.submit("/today", "/plan/move", &[("days", "12")]).await;
        assert_eq!(too_far.status, StatusCode::BAD_REQUEST);
        assert!(too_far.has("can move at most 10 days"), "{}", too_far.body);
        assert_eq!(app.store.plan(user, plan).await.unwrap().revisions.len(), 1, "nothing changed");

        let moved = b.submit("/today", "/plan/move", &[("days", "7")]).await;
        assert!(moved.location.as_deref().is_some_and(|l| l.starts_with("/today?saved=moved&plan=")));
        let to = super::london_today().checked_add(jiff::ToSpan::days(11)).unwrap();
        let last = app.store.plan(user, plan).await.unwrap().revisions.pop().unwrap();
        assert_eq!(last.reason, format!("Next step moved 7 days later, to {to}, by your own choice"));
        let today = b.get("/today?saved=moved").await;
        let to_words = to.strftime("%A %-d %B %Y").to_string();
        assert!(today.has("agreed dose today: <span class=\"big\" id=\"today-dose\">20 mg"), "{}", today.body);
        assert!(today.has(&format!("on {to_words}")) && today.has("Your next step is moved."), "{}", today.body);
        app
    })
    .await;
}
