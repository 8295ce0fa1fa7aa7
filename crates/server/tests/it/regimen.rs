//! Several plans at once (issue 20: "a person on sertraline plus alprazolam three times a day"):
//! a second plan is saved beside the first only when the person says they take both; Today,
//! the buttons, the calendar, holding and the export keep each plan's own records; core's
//! several-plans rule is said before saving and on the plan page.

use reqwest::StatusCode;
use serde_json::Value;

use crate::days_ago;
use crate::forms::visible;
use crate::helpers::{Browser, TestApp, on_both};

fn sertraline(start: &str) -> Vec<(&str, &str)> {
    vec![
        ("drug", "sertraline"),
        ("dose", "50"),
        ("strategy", "proportional"),
        ("step", "10"),
        ("every", "28"),
        ("start_date", start),
        ("syringe", "0.1"),
        ("products", "sertraline-tab-50mg"),
        ("products", "sertraline-concentrate-20mg-ml"),
    ]
}

fn alprazolam(start: &str) -> Vec<(&str, &str)> {
    vec![
        ("drug", "alprazolam"),
        ("dose", "1.5"),
        ("strategy", "proportional"),
        ("step", "10"),
        ("every", "28"),
        ("start_date", start),
        ("syringe", "0.1"),
        ("products", "alprazolam-tab-0.25mg"),
        ("products", "alprazolam-tab-0.5mg"),
        ("products", "alprazolam-oral-solution-1mg-ml"),
    ]
}

/// Sertraline saved, then alprazolam beside it; the two plan ids, sertraline's first.
async fn both(app: &TestApp, b: &Browser, email: &str) -> (taper_store::PlanId, taper_store::PlanId) {
    b.sign_up(email).await;
    both_from(app, b, email, &days_ago(0)).await
}

/// As `both`, for a person whose evening it is (every dose of the day can be recorded, whenever
/// the test runs: a dose is recorded from an hour before its time).
async fn both_in_the_evening(app: &TestApp, b: &Browser, email: &str) -> (taper_store::PlanId, taper_store::PlanId) {
    b.sign_up(email).await;
    let (zone, date) = crate::zone_at(22);
    let user = app.store.user_by_email(email).await.unwrap().unwrap().id;
    app.store.set_time_zone(user, &zone).await.unwrap();
    both_from(app, b, email, &date.to_string()).await
}

async fn both_from(app: &TestApp, b: &Browser, email: &str, today: &str) -> (taper_store::PlanId, taper_store::PlanId) {
    let today = today.to_string();
    assert_eq!(b.submit("/plan/new?drug=sertraline", "/plan", &sertraline(&today)).await.status, StatusCode::SEE_OTHER);
    let mut form = alprazolam(&today);
    form.push(("replaces", "alongside"));
    assert_eq!(b.submit("/plan/new?drug=alprazolam", "/plan", &form).await.status, StatusCode::SEE_OTHER);
    let user = app.store.user_by_email(email).await.unwrap().unwrap().id;
    let active = app.store.active_plans(user).await.unwrap();
    assert_eq!(active.iter().map(|p| p.drug.as_str()).collect::<Vec<_>>(), ["sertraline", "alprazolam"]);
    (active[0].id, active[1].id)
}

#[tokio::test]
async fn a_second_medicine_is_added_beside_the_first_only_when_the_person_says_so() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("two@example.org").await;
        let today = days_ago(0);
        b.submit("/plan/new?drug=sertraline", "/plan", &sertraline(&today)).await;
        let user = app.store.user_by_email("two@example.org").await.unwrap().unwrap().id;

        // The preview asks what the new plan does with the one in force, and says core's rule:
        // both cut on the same day, and Ashton's order (the benzodiazepine first).
        let preview = b.submit("/plan/new?drug=alprazolam", "/plan/preview", &alprazolam(&today)).await;
        assert!(
            preview.has("It replaces my Sertraline plan") && preview.has("I take both: keep my other plan too"),
            "{}",
            visible(&preview)
        );
        assert!(!preview.has(" checked>"), "nothing chosen for the person: {}", visible(&preview));
        // Said at the top, before a phone's long table of steps, with the advice.
        let top = preview.body.find("id=\"choose-top\"").unwrap();
        assert!(
            top < preview.body.find("<table").unwrap()
                && preview.body.find("id=\"alongside\"").unwrap() < preview.body.find("<table").unwrap()
        );
        assert!(
            preview.has("id=\"alongside\"") && preview.has("reduce one medicine at a time"),
            "{}",
            visible(&preview)
        );
        assert!(preview.has("finish the benzodiazepine (Alprazolam) first"), "{}", visible(&preview));

        // Saving without choosing is refused beside the choice, and nothing is saved or replaced.
        let refused = b.submit("/plan/new?drug=alprazolam", "/plan", &alprazolam(&today)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.has("<p class=\"error\" role=\"alert\" id=\"problem-top\"><a href=\"#replaces\">"),
            "at the top too"
        );
        assert!(
            refused.has("id=\"replaces-error\"")
                && refused.has("Choose whether this plan replaces your Sertraline plan or you take both."),
            "{}",
            visible(&refused)
        );
        assert_eq!(app.store.plans(user).await.unwrap().len(), 1, "nothing saved");

        // A second plan of the same drug can only replace the first.
        let mut two_of_one = sertraline(&today);
        two_of_one.push(("replaces", "alongside"));
        let same = b.submit("/plan/new?drug=sertraline", "/plan", &two_of_one).await;
        assert!(same.has("this plan can only replace it"), "{}", visible(&same));
        assert_eq!(app.store.plans(user).await.unwrap().len(), 1, "nothing saved");

        // Someone else's plan id, or a made-up one, replaces nothing.
        let mut forged = alprazolam(&today);
        let stranger = uuid::Uuid::now_v7().to_string();
        forged.push(("replaces", &stranger));
        let forged = b.submit("/plan/new?drug=alprazolam", "/plan", &forged).await;
        assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", visible(&forged));
        assert_eq!(app.store.active_plans(user).await.unwrap().len(), 1);
        app
    })
    .await;
}

#[tokio::test]
async fn two_plans_each_keep_their_own_doses_holds_and_pages() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        let (sert, alp) = both_in_the_evening(&app, &b, "both@example.org").await;
        let user = app.store.user_by_email("both@example.org").await.unwrap().unwrap().id;

        // Today: each plan with its own dose and buttons, the second with ids of its own.
        let t = b.get("/today").await;
        assert!(
            t.has("Sertraline, your agreed dose today: <span class=\"big\" id=\"today-dose\">50 mg"),
            "{}",
            visible(&t)
        );
        assert!(
            t.has("Alprazolam, your agreed dose today: <span class=\"big\" id=\"today-dose-2\">1.5 mg"),
            "{}",
            visible(&t)
        );
        assert!(t.has("I took the 08:00 dose of Alprazolam") && t.has("I took it: Sertraline"), "{}", visible(&t));
        // What holding does is said once, not once per plan (a walk).
        assert_eq!(t.body.matches("your plan's steps wait").count(), 1, "{}", visible(&t));
        assert!(t.has(&format!("name=\"plan\" value=\"{alp}\"")) && t.has(&format!("name=\"plan\" value=\"{sert}\"")));

        // A form that names no plan acts on none when there are two; a day in parts is recorded
        // time by time, never as a whole day.
        let nameless = b.submit("/today", "/today/dose", &[("status", "taken")]).await;
        assert_eq!(nameless.status, StatusCode::BAD_REQUEST);
        assert!(nameless.has("You have more than one plan"), "{}", visible(&nameless));
        assert_eq!(b.submit("/today", "/plan/hold", &[]).await.status, StatusCode::BAD_REQUEST);
        let alp_plan = alp.to_string();
        let whole = b.submit("/today", "/today/dose", &[("plan", alp_plan.as_str()), ("status", "taken")]).await;
        assert!(whole.has("record each time with its own button"), "{}", visible(&whole));
        assert!(app.store.doses(user).await.unwrap().is_empty(), "nothing recorded");

        // Alprazolam's 08:00 dose is recorded on alprazolam's plan, nothing on sertraline's.
        let alp_id = alp.to_string();
        let took = [("plan", alp_id.as_str()), ("time", "08:00"), ("status", "taken")];
        let took = b.submit("/today", "/today/dose", &took).await;
        assert_eq!(took.location, Some(format!("/today#plan-{alp}-0800")), "back at that dose");
        assert!(b.get("/today").await.has(&format!("<li id=\"plan-{alp}-0800\">")));
        let doses = app.store.doses(user).await.unwrap();
        assert_eq!(doses.len(), 1);
        assert!(doses[0].plan == alp && doses[0].dose_mg == 0.5, "{doses:?}");
        assert!(b.get("/today").await.has("Recorded for 08:00: taken"));

        // Holding alprazolam holds alprazolam only.
        let held = b.submit("/today", "/plan/hold", &[("plan", alp_id.as_str())]).await;
        assert_eq!(held.location, Some(format!("/today?saved=held&plan={alp}")));
        let said = b.get(&format!("/today?saved=held&plan={alp}")).await;
        assert!(said.has("Your Alprazolam plan holds at today&#39;s dose"), "{}", visible(&said));
        let untrue = b.get(&format!("/today?saved=held&plan={sert}")).await;
        assert!(!untrue.has("holds at today&#39;s dose"), "sertraline is not held");
        assert!(app.store.plan(user, alp).await.unwrap().revisions.last().unwrap().hold);
        assert_eq!(app.store.plan(user, sert).await.unwrap().revisions.len(), 1, "sertraline untouched");

        // The plan page: either plan, links between them, and the rule on them together.
        let plan = b.get("/plan").await;
        assert!(
            plan.has("Your Sertraline plan") && plan.has(&format!("href=\"/plan?plan={alp}\"")),
            "{}",
            visible(&plan)
        );
        assert!(plan.has("id=\"together\""), "{}", visible(&plan));
        let other = b.get(&format!("/plan?plan={alp}")).await;
        assert!(other.has("Your Alprazolam plan") && other.has("On hold at"), "{}", visible(&other));
        assert!(plan.has(&format!("/plan/chart.svg?plan={sert}")));
        assert_eq!(b.get(&format!("/plan/chart.svg?plan={alp}")).await.status, StatusCode::OK);
        // A plan that is not the person's, or not a plan, is not found.
        assert_eq!(b.get(&format!("/plan?plan={}", uuid::Uuid::now_v7())).await.status, StatusCode::NOT_FOUND);
        assert_eq!(b.get("/doses?plan=nonsense").await.status, StatusCode::NOT_FOUND);
        let doses_page = b.get(&format!("/doses?plan={alp}")).await;
        assert!(doses_page.has("Each day of your Alprazolam plan"), "{}", visible(&doses_page));

        // The CSV has both, the export says which plan each dose is of and both are in force.
        let csv = b.get("/account/doses.csv").await.body;
        assert!(csv.lines().any(|l| l.starts_with("Sertraline,")) && csv.lines().any(|l| l.starts_with("Alprazolam,")));
        let export: Value = serde_json::from_str(&b.get("/account/export.json").await.body).unwrap();
        let plans = export["plans"].as_array().unwrap();
        assert!(plans.iter().all(|p| p["in_force"] == Value::Bool(true)), "{plans:?}");
        let of = export["doses"][0]["plan"].as_u64().unwrap() as usize;
        assert_eq!(plans[of]["drug"], "alprazolam");
        app
    })
    .await;
}

#[tokio::test]
async fn an_export_of_two_plans_comes_back_as_two_plans_with_each_dose_on_its_own() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        let (_, alp) = both_in_the_evening(&app, &b, "from@example.org").await;
        let alp_id = alp.to_string();
        b.submit("/today", "/today/dose", &[("plan", alp_id.as_str()), ("time", "08:00"), ("status", "taken")]).await;
        let file = b.get("/account/export.json").await.body;

        app.browser().sign_up("to@example.org").await;
        let to = app.store.user_by_email("to@example.org").await.unwrap().unwrap().id;
        let catalogue = taper_core::Catalogue::builtin().unwrap();
        taper_server::import::import(&app.store, &catalogue, to, &file).await.unwrap();
        let active = app.store.active_plans(to).await.unwrap();
        assert_eq!(active.iter().map(|p| p.drug.as_str()).collect::<Vec<_>>(), ["sertraline", "alprazolam"]);
        let doses = app.store.doses(to).await.unwrap();
        assert_eq!(doses.len(), 1);
        assert_eq!(doses[0].plan, active[1].id, "the dose stays with alprazolam");

        // A dose that names a plan the file does not have is refused, naming it.
        let mut bad: Value = serde_json::from_str(&file).unwrap();
        bad["doses"][0]["plan"] = serde_json::json!(7);
        app.browser().sign_up("bad@example.org").await;
        let id = app.store.user_by_email("bad@example.org").await.unwrap().unwrap().id;
        let err = taper_server::import::import(&app.store, &catalogue, id, &bad.to_string()).await.unwrap_err();
        assert!(err.to_string().contains("plan 7 is not one of the file's plans"), "{err}");
        assert!(app.store.is_empty_account(id).await.unwrap());
        app
    })
    .await;
}

/// Each plan's dose times are reminded of, each once, without naming either medicine; the link
/// records the dose on the plan it was for.
#[tokio::test]
async fn each_plans_doses_are_reminded_of_and_the_link_records_on_that_plan() {
    use crate::mail::{Sink, with_mail_state};
    use taper_store::scratch::Scratch;
    let Some(sink) = Sink::start() else { return };
    for scratch in [Some(Scratch::sqlite()), Scratch::postgres().await.ok()].into_iter().flatten() {
        let (app, state, worker) = with_mail_state(&scratch.url, &sink).await;
        let before = sink.messages().len();
        let email = format!("two-{}@example.org", uuid::Uuid::now_v7().simple());
        let b = app.browser();
        let (sert, alp) = both(&app, &b, &email).await;
        b.submit("/account", "/account/reminders", &[("doses", "on")]).await;
        let at = |h: i8, m: i8| crate::london_today().at(h, m, 0, 0).in_tz("Europe/London").unwrap().timestamp();
        // Alprazolam at 08:00 (its label's three doses), sertraline once a day at 09:00.
        assert_eq!(taper_server::reminders::tick(&state, at(8, 5)).await.unwrap(), 1);
        assert_eq!(taper_server::reminders::tick(&state, at(8, 6)).await.unwrap(), 0, "once");
        assert_eq!(taper_server::reminders::tick(&state, at(9, 5)).await.unwrap(), 1);
        let got = sink.wait_for(before + 2).await;
        let mine: Vec<&String> = got.iter().filter(|m| m.contains(&email)).collect();
        assert_eq!(mine.len(), 2);
        let eight = mine.iter().find(|m| m.contains("Your 08:00 reminder")).expect("08:00");
        assert!(eight.contains("One of your 08:00 doses is due: plan 2 of 2 on Today"), "{eight}");
        for m in &mine {
            assert!(!m.to_lowercase().contains("alprazolam") && !m.to_lowercase().contains("sertraline"), "{m}");
        }
        let path = crate::reminders::link_path(eight);
        b.submit(&path, &path, &[]).await;
        let user = app.store.user_by_email(&email).await.unwrap().unwrap().id;
        let doses = app.store.doses(user).await.unwrap();
        assert_eq!(doses.len(), 1);
        assert!(doses[0].plan == alp && doses[0].plan != sert && doses[0].dose_mg == 0.5, "{doses:?}");
        worker.abort();
    }
}

/// A walk: two "Hold here" at once saved two holds, and going on after them brought the next
/// step to today. And alprazolam, planned "hyperbolic" (it has no occupancy model, so core cuts
/// 10 % of the dose), went on after a hold at the same 10 % while the history said "halved".
#[tokio::test]
async fn holds_at_once_hold_once_and_going_on_halves_the_step_in_use() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("hold@example.org").await;
        // Begun 30 days ago: the first cut came two days ago, so going on after a hold halves.
        let start = days_ago(30);
        let mut form = alprazolam(&start);
        form.retain(|(k, _)| *k != "strategy" && *k != "step");
        form.extend([("strategy", "hyperbolic"), ("step", "5"), ("confirm_past_start", "yes")]);
        assert_eq!(b.submit("/plan/new?drug=alprazolam", "/plan", &form).await.status, StatusCode::SEE_OTHER);
        let user = app.store.user_by_email("hold@example.org").await.unwrap().unwrap().id;
        let plan = app.store.active_plans(user).await.unwrap()[0].id;
        let id = plan.to_string();

        let token = b.get("/today").await.csrf();
        let hold = || {
            b.client
                .post(format!("{}/plan/hold", b.base))
                .form(&[("csrf", token.as_str()), ("plan", id.as_str())])
                .send()
        };
        let (w, x, y, z) = tokio::join!(hold(), hold(), hold(), hold());
        // Each press lands on Today, or, where every planner is busy with the others (planners
        // are bounded and nothing queues), is refused with nothing stored.
        let statuses: Vec<StatusCode> = [w, x, y, z].into_iter().map(|r| r.unwrap().status()).collect();
        assert!(
            statuses.iter().all(|s| *s == StatusCode::SEE_OTHER || *s == StatusCode::SERVICE_UNAVAILABLE),
            "{statuses:?}"
        );
        assert!(statuses.contains(&StatusCode::SEE_OTHER), "one press at least is taken: {statuses:?}");
        let revs = app.store.plan(user, plan).await.unwrap().revisions;
        assert_eq!(revs.iter().filter(|r| r.hold).count(), 1, "one hold, however many presses");
        let held_dose = visible(&b.get("/today").await)
            .split("agreed dose today:")
            .nth(1)
            .and_then(|t| t.split(" mg").next())
            .map(|t| t.trim().to_string())
            .unwrap();

        let gone_on = b.submit("/today", "/plan/resume", &[("plan", id.as_str()), ("confirm", "yes")]).await;
        assert_eq!(gone_on.status, StatusCode::SEE_OTHER);
        let revs = app.store.plan(user, plan).await.unwrap().revisions;
        let last = revs.last().unwrap();
        let settings: Value = serde_json::from_str(&last.settings).unwrap();
        assert_eq!((settings["strategy"].as_str(), settings["step"].as_f64()), (Some("proportional"), Some(5.0)));
        assert!(last.reason.contains("half the 10%"), "{}", last.reason);
        // Today's dose is kept until the step the plan had before the hold.
        let t = b.get("/today").await;
        assert!(t.has(&format!("id=\"today-dose\">{held_dose} mg")), "{held_dose}: {}", visible(&t));
        app
    })
    .await;
}

/// A supporter's suggestion names the plan it is for when the person has several (a walk: it
/// went to the first plan, in the first plan's step unit, without saying so).
#[tokio::test]
async fn a_supporters_suggestion_names_which_plan_it_is_for() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        let (sert, alp) = both(&app, &b, "sam2@example.org").await;
        let dr = app.browser();
        dr.sign_up_as("lee@example.org", "Dr Lee", "clinician").await;
        crate::sharing::share_with(&b, &dr).await;
        let user = app.store.user_by_email("sam2@example.org").await.unwrap().unwrap().id;
        let page = format!("/people/{user}");
        let shown = dr.get(&page).await;
        assert!(shown.has("Which plan") && shown.has("Alprazolam (steps in %)"), "{}", visible(&shown));
        // The chart's dose panel draws one plan and says which (a walk: one unnamed line).
        assert!(shown.has("The dose panel shows Sertraline; the 1 other plan is listed below"), "{}", visible(&shown));
        assert!(shown.has("Sertraline, mg per day"), "the axis names it");
        let send = format!("/people/{user}/proposals");
        let unnamed = dr.submit(&page, &send, &[("kind", "hold"), ("reason", "a hard week")]).await;
        assert_eq!(unnamed.status, StatusCode::BAD_REQUEST);
        assert!(unnamed.has("more than one plan"), "{}", visible(&unnamed));
        let alp_id = alp.to_string();
        let sent = dr.submit(&page, &send, &[("plan", &alp_id), ("kind", "hold"), ("reason", "a hard week")]).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER);
        assert_eq!(app.store.proposals(user, alp).await.unwrap().len(), 1, "on alprazolam's plan");
        assert!(app.store.proposals(user, sert).await.unwrap().is_empty());
        let today = b.get("/today").await;
        assert!(today.has("Dr Lee suggests a change") && today.has(&format!("/progress?plan={alp}#proposals")));
        assert!(dr.get(&page).await.has("Alprazolam: Dr Lee suggests holding"), "the supporter's list names it");
        app
    })
    .await;
}

/// A questionnaire's rise three days after a cut of the *second* plan is read with withdrawal in
/// mind, as one after the first plan's cut is (clinical review W8): with several plans, every
/// plan's cuts count.
#[tokio::test]
async fn a_rise_after_the_second_plans_cut_is_read_with_withdrawal_in_mind() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("w8@example.org").await;
        b.submit("/plan/new?drug=sertraline", "/plan", &sertraline(&days_ago(0))).await;
        // Citalopram from 17 days ago, a step every 14 days: its cut was 3 days ago.
        let start = days_ago(17);
        let citalopram = [
            ("drug", "citalopram"),
            ("dose_as", "tablets"),
            ("dose", "20"),
            ("strategy", "hyperbolic"),
            ("step", "10"),
            ("every", "14"),
            ("start_date", start.as_str()),
            ("syringe", "0.1"),
            ("products", "citalopram-tab-20mg"),
            ("products", "citalopram-oral-drops-40mg-ml"),
            ("confirm_past_start", "yes"),
            ("replaces", "alongside"),
        ];
        let saved = b.submit("/plan/new?drug=citalopram", "/plan", &citalopram).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", visible(&saved));
        crate::sharing::earlier_phq9(&app, "w8@example.org", 5, [0, 1, 1, 0, 0, 0, 0, 0, 0]).await;
        let second = crate::sharing::phq9(&b, ["2", "2", "1", "1", "1", "1", "0", "0", "0"]).await;
        assert!(second.has("reliable worsening"), "{}", visible(&second));
        assert!(second.has("Withdrawal raises PHQ-9 scores too"), "{}", visible(&second));
        // The supporter's flag reads the same cut, naming its medicine beside its milligrams.
        let dr = app.browser();
        dr.sign_up_as("w8dr@example.org", "Dr Lee", "clinician").await;
        crate::sharing::share_with(&b, &dr).await;
        let user = app.store.user_by_email("w8@example.org").await.unwrap().unwrap().id;
        let person = dr.get(&format!("/people/{user}")).await;
        assert!(person.has("3 days after the Citalopram dose changed from 20 mg to"), "{}", visible(&person));
        assert!(person.has("Withdrawal raises PHQ-9 scores too"), "{}", visible(&person));
        app
    })
    .await;
}

/// Issue 20, "changes of products or pace, each a new revision with its reason": a new plan of the
/// drug in force from today is a revision of that plan, so the dose already recorded today stays
/// recorded (a replacing plan began with nothing recorded, inviting a second dose).
#[tokio::test]
async fn a_new_pace_for_the_drug_in_force_is_a_revision_and_keeps_todays_record() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("pace@example.org").await;
        let today = days_ago(0);
        assert_eq!(
            b.submit("/plan/new?drug=sertraline", "/plan", &sertraline(&today)).await.status,
            StatusCode::SEE_OTHER
        );
        let user = app.store.user_by_email("pace@example.org").await.unwrap().unwrap().id;
        let plan = app.store.active_plans(user).await.unwrap()[0].id;
        let id = plan.to_string();
        b.submit("/today", "/today/dose", &[("plan", id.as_str()), ("status", "taken"), ("read_new_way", "yes")]).await;
        assert!(b.get("/today").await.has("Recorded"), "taken today");

        let mut slower = sertraline(&today);
        slower.retain(|(k, _)| *k != "step" && *k != "every");
        slower.extend([("step", "5"), ("every", "42")]);
        let saved = b.submit("/plan/new?drug=sertraline", "/plan", &slower).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", visible(&saved));
        let active = app.store.active_plans(user).await.unwrap();
        assert_eq!(active.iter().map(|p| p.id).collect::<Vec<_>>(), [plan], "the same plan, in force");
        let revs = app.store.plan(user, plan).await.unwrap().revisions;
        assert_eq!(revs.len(), 2);
        assert!(revs[1].reason.contains("Changed by you"), "{}", revs[1].reason);
        let settings: Value = serde_json::from_str(&revs[1].settings).unwrap();
        assert_eq!(settings["interval_days"].as_u64(), Some(42), "{settings}");
        let t = b.get("/today").await;
        assert!(t.has("Recorded"), "today's dose is still recorded: {}", visible(&t));
        app
    })
    .await;
}

/// A walk: sertraline from 50 mg tablets alone, held, then "I'm ready" — the smaller step after a
/// hold cannot be made with those tablets. Today says so and what to do; the hold stays.
#[tokio::test]
async fn going_on_when_the_smaller_step_cannot_be_made_says_why_and_keeps_the_hold() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("tablets@example.org").await;
        // Sertraline 50 mg tablets and a cutter alone (the walk's products), begun 30 days ago:
        // the first cut came two days ago, then a hold.
        let start = days_ago(30);
        let form = |start: &str| {
            vec![
                ("drug", "sertraline".to_string()),
                ("dose", "50".into()),
                ("strategy", "hyperbolic".into()),
                ("step", "5".into()),
                ("every", "28".into()),
                ("start_date", start.to_string()),
                ("confirm_past_start", "yes".into()),
                ("syringe", "0.1".into()),
                ("products", "sertraline-tab-50mg".into()),
                ("cutter", "yes".into()),
            ]
        };
        let pairs = |f: &[(&'static str, String)]| f.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
        let send = |f: Vec<(&'static str, String)>| {
            let b = &b;
            async move {
                let p: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
                b.submit("/plan/new?drug=sertraline", "/plan", &p).await
            }
        };
        let saved = send(pairs(&form(&start))).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", visible(&saved));
        let user = app.store.user_by_email("tablets@example.org").await.unwrap().unwrap().id;
        let plan = app.store.active_plans(user).await.unwrap()[0].id.to_string();
        // The plan itself goes no lower than 37.5 mg with these products: Today says so, with
        // where to read why (a walk: it was said only on the plan page).
        let t = b.get("/today").await;
        assert!(t.has("Your plan goes no lower than this dose") && t.has("do not stop suddenly"), "{}", visible(&t));
        b.submit("/today", "/plan/hold", &[("plan", plan.as_str())]).await;
        let went = b.submit("/today", "/plan/resume", &[("plan", plan.as_str()), ("confirm", "yes")]).await;
        let revs = app.store.plan(user, plan.parse().unwrap()).await.unwrap().revisions;
        assert_eq!(went.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", visible(&went));
        // Neither a smaller step nor the plan's own can be made from 37.5 mg with 50 mg tablets:
        // said so, and no way on is offered that would fail the same way.
        assert!(went.has("cannot make its next step, smaller or as planned"), "{}", visible(&went));
        assert!(!went.has("id=\"own-step\""), "{}", visible(&went));
        // Said as a refusal, not as news (a walk read it in the green "done" box).
        assert!(went.has("<p class=\"error\" role=\"status\">Not changed: your plan stays on hold."), "{}", went.body);
        assert!(revs.last().unwrap().hold, "still held");
        // Asked for without the prescriber's word: nothing changes.
        let own = [("plan", plan.as_str()), ("own_step", "yes")];
        let unticked = b.submit("/today", "/plan/resume", &own).await;
        assert_eq!(unticked.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unticked.has("tick that you have talked it through with your prescriber"), "{}", visible(&unticked));
        assert!(app.store.plan(user, plan.parse().unwrap()).await.unwrap().revisions.last().unwrap().hold);

        // With a liquid both steps can be made: going on at the plan's own step, asked for with
        // the prescriber's word, takes that step, not the halved one.
        let l = app.browser();
        l.sign_up("liquid@example.org").await;
        let liquid_user = app.store.user_by_email("liquid@example.org").await.unwrap().unwrap().id;
        let mut f = form(&start);
        f.push(("products", "sertraline-concentrate-20mg-ml".into()));
        let p: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(l.submit("/plan/new?drug=sertraline", "/plan", &p).await.status, StatusCode::SEE_OTHER);
        let lp = app.store.active_plans(liquid_user).await.unwrap()[0].id.to_string();
        l.submit("/today", "/plan/hold", &[("plan", lp.as_str())]).await;
        let on =
            l.submit("/today", "/plan/resume", &[("plan", lp.as_str()), ("own_step", "yes"), ("confirm", "yes")]).await;
        assert_eq!(on.status, StatusCode::SEE_OTHER, "{}", visible(&on));
        let last = app.store.plan(liquid_user, lp.parse().unwrap()).await.unwrap().revisions.pop().unwrap();
        assert!(!last.hold && last.settings.contains("\"step\":5.0"), "{}", last.settings);

        // Held on the first day, before any cut, and gone on: the step is the plan's own (a
        // walk's plan doubled in length from one tap).
        let c = app.browser();
        c.sign_up("first-day@example.org").await;
        let other = app.store.user_by_email("first-day@example.org").await.unwrap().unwrap().id;
        let f = form(&days_ago(0));
        let p: Vec<(&str, &str)> =
            f.iter().filter(|(k, _)| *k != "confirm_past_start").map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(c.submit("/plan/new?drug=sertraline", "/plan", &p).await.status, StatusCode::SEE_OTHER);
        let first = app.store.active_plans(other).await.unwrap()[0].id.to_string();
        c.submit("/today", "/plan/hold", &[("plan", first.as_str())]).await;
        let resumed = c.submit("/today", "/plan/resume", &[("plan", first.as_str())]).await;
        assert_eq!(resumed.status, StatusCode::SEE_OTHER, "{}", visible(&resumed));
        let last = app.store.plan(other, first.parse().unwrap()).await.unwrap().revisions.pop().unwrap();
        assert!(!last.hold && last.settings.contains("\"step\":5.0"), "not halved: {}", last.settings);
        app
    })
    .await;
}
