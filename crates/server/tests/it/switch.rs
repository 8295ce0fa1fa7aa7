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

/// Issue 20, the crossover on the web stage by stage: a previewed switch is started only once the
/// person says their prescriber agreed; it ends their clonazepam plan; Today shows each day's
/// stage with what to take at each time; staying longer on a stage moves the later ones; at the
/// end Today offers the diazepam plan; the switch can be stopped.
#[tokio::test]
async fn an_agreed_switch_is_followed_on_today_stage_by_stage() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("sw@example.org").await;
        let today = crate::days_ago(0);
        let plan = [
            ("drug", "clonazepam"),
            ("dose", "2"),
            ("strategy", "proportional"),
            ("step", "10"),
            ("every", "28"),
            ("start_date", today.as_str()),
            ("syringe", "0.1"),
            ("products", "clonazepam-tab-0.5mg"),
            ("products", "clonazepam-tab-2mg"),
        ];
        let saved = b.submit("/plan/new?drug=clonazepam", "/plan", &plan).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", crate::forms::visible(&saved));
        let user = app.store.user_by_email("sw@example.org").await.unwrap().unwrap().id;
        assert_eq!(app.store.active_plans(user).await.unwrap().len(), 1);
        // The plan page offers the switch with today's dose filled in, its time left to say.
        let shown = b.get("/plan").await;
        assert!(shown.has("/switch?from=clonazepam&#38;time1=&#38;mg1=2\""), "{}", shown.body);
        let form = b.get("/switch?from=clonazepam&time1=&mg1=2").await;
        assert!(form.has("value=\"2\""), "the dose is filled in");

        let four = [("to_times", "08:00, 13:00, 18:00, 22:00")];
        let answers = clonazepam(&["none"], &four);
        let preview = b.submit("/switch", "/switch/preview", &answers).await;
        assert!(preview.has("My prescriber and I agreed this switch") && preview.has("Start this switch today"));
        // Not agreed: nothing starts, and the preview says why.
        let unagreed = b.submit("/switch", "/switch/start", &answers).await;
        assert_eq!(unagreed.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unagreed.has("Tick that you and your prescriber agreed this switch"));
        assert!(app.store.active_switch(user).await.unwrap().is_none());

        // Today's dose was taken before the switch began: it stays recorded, on the switch's
        // same dose (a walk: shown as not recorded, inviting a second).
        assert_eq!(b.submit("/today", "/today/dose", &[("status", "taken")]).await.status, StatusCode::SEE_OTHER);
        let mut agreed = answers.clone();
        agreed.push(("agreed", "yes"));
        let started = b.submit("/switch", "/switch/start", &agreed).await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
        let carried = app.store.switch_doses(user).await.unwrap();
        assert_eq!(carried.len(), 1, "{carried:?}");
        assert_eq!(
            (carried[0].time, carried[0].status, carried[0].dose_mg),
            (22 * 60, taper_store::DoseStatus::Taken, 2.0)
        );
        // The replaced plan's doses stay in the dose CSV, up to the day it was replaced.
        let csv = b.get("/account/doses.csv").await.body;
        assert!(csv.contains(&format!("Clonazepam,{today},,2,taken,2,")), "{csv}");
        assert!(csv.contains(&format!("Clonazepam (switch),{today},22:00,2,taken,2,")), "{csv}");
        assert!(app.store.active_plans(user).await.unwrap().is_empty(), "the clonazepam plan ended with it");
        let t = b.get("/today").await;
        assert!(t.has("Your switch from Clonazepam to Diazepam"), "{}", crate::forms::visible(&t));
        assert!(t.has("Until the first stage, take your doses as now") && t.has("2 mg Clonazepam"));
        assert!(t.has("Stage 1 starts on"), "{}", crate::forms::visible(&t));
        assert!(!t.has("You have no plan yet"));
        assert_eq!(started.location.as_deref(), Some("/today?saved=switch-started#switch"));
        assert!(b.get("/today?saved=switch-started").await.has("Your switch has started"));
        assert!(t.has("href=\"/checkin\""), "the check-in stays on Today");
        let whole = b.get("/switch/current").await;
        assert!(whole.has("The switch you follow, begun on") && whole.has("Then the taper of the new drug"));
        assert!(!whole.has("Start this switch today"), "nothing to start again");
        // A second clonazepam plan beside the switch is refused (a walk: two instructions a day).
        let again_plan = b.submit("/plan/new?drug=clonazepam", "/plan", &plan).await;
        assert_eq!(again_plan.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(again_plan.has("A plan of this drug would give a second instruction for the same day"));
        assert!(app.store.active_plans(user).await.unwrap().is_empty());
        assert!(b.get("/plan").await.has("You follow a switch from Clonazepam to Diazepam"));
        let again = b.submit("/switch", "/switch/start", &agreed).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "one switch at a time");
        assert!(again.has("You already follow a switch"));
        // Said on the preview already, before agreeing (a walk: refused only once started).
        let second = b.submit("/switch", "/switch/preview", &answers).await;
        assert!(second.has("id=\"already\"") && !second.has("Start this switch today"), "{}", second.body);

        // Staying on stage 0 moves stage 1 a stage's length later (core's with_stays).
        let id = app.store.active_switch(user).await.unwrap().unwrap().id.to_string();
        let first = crate::forms::visible(&t);
        let stay = b.submit("/today", "/switch/stay", &[("switch", id.as_str()), ("stage", "0")]).await;
        assert_eq!(stay.status, StatusCode::SEE_OTHER);
        assert_eq!(app.store.active_switch(user).await.unwrap().unwrap().stays, vec![(0, 14)]);
        let later = crate::forms::visible(&b.get("/today").await);
        assert_ne!(first, later, "stage 1 comes later");
        let stayed_page = b.get("/today?saved=switch-stayed").await;
        assert!(stayed_page.has("You stay on this stage longer"), "{}", crate::forms::visible(&stayed_page));
        // A stage of another day (or a second press with a stale page) changes nothing.
        b.submit("/today", "/switch/stay", &[("switch", id.as_str()), ("stage", "3")]).await;
        assert_eq!(app.store.active_switch(user).await.unwrap().unwrap().stays.len(), 1);

        // The export carries it, and an import into a new account follows it the same way.
        let file = b.get("/account/export.json").await.body;
        let v: serde_json::Value = serde_json::from_str(&file).unwrap();
        assert_eq!(v["switches"][0]["stays"], serde_json::json!([[0, 14]]));
        let c = app.browser();
        c.sign_up("sw2@example.org").await;
        let other = app.store.user_by_email("sw2@example.org").await.unwrap().unwrap().id;
        let catalogue = taper_core::Catalogue::builtin().unwrap();
        taper_server::import::import(&app.store, &catalogue, other, &file).await.unwrap();
        assert_eq!(crate::forms::visible(&c.get("/today").await), later, "the same switch on the same day");

        // A clinician the person shares their plan with sees the switch and today's stage.
        let dr = app.browser();
        dr.sign_up_as("swdr@example.org", "Dr Lee", "clinician").await;
        crate::sharing::share_with(&b, &dr).await;
        let seen = dr.get(&format!("/people/{user}")).await;
        assert!(
            seen.has("Switching from Clonazepam to Diazepam") && seen.has("Before the first stage"),
            "{}",
            seen.body
        );
        assert!(dr.get("/caseload").await.has("Switching from Clonazepam to Diazepam"), "not \"No plan yet\"");

        // Four stages of 14 days on, plus the stay: the switch is complete, the plan offered.
        let record = app.store.active_switch(user).await.unwrap().unwrap();
        sqlx_shift(&app, &record.id.to_string(), 4 * 14 + 14).await;
        let done = b.get("/today").await;
        assert!(done.has("The switch was complete on"), "{}", crate::forms::visible(&done));
        // Diazepam 40 mg a day (Ashton: clonazepam 0.5 mg ≈ diazepam 10 mg), its plan form filled in.
        assert!(done.has("href=\"/plan/new?drug=diazepam&#38;dose=40\""), "{}", done.body);
        // Another account naming this switch ends nothing, and stays nothing.
        let stranger = app.browser();
        stranger.sign_up("stranger@example.org").await;
        stranger.submit("/today", "/switch/end", &[("switch", id.as_str())]).await;
        stranger.submit("/today", "/switch/stay", &[("switch", id.as_str()), ("stage", "4")]).await;
        let still = app.store.active_switch(user).await.unwrap().unwrap();
        assert_eq!((still.id.to_string(), still.stays.len()), (id.clone(), 1));
        // Once complete, the diazepam plan's form takes over from the switch when saved.
        let diazepam = [
            ("drug", "diazepam"),
            ("dose", "40"),
            ("strategy", "proportional"),
            ("step", "10"),
            ("every", "28"),
            ("start_date", today.as_str()),
            ("syringe", "0.1"),
            ("products", "diazepam-tab-2mg"),
            ("products", "diazepam-tab-5mg"),
            ("products", "diazepam-tab-10mg"),
        ];
        let next = b.submit("/plan/new?drug=diazepam", "/plan", &diazepam).await;
        assert_eq!(next.status, StatusCode::SEE_OTHER, "{}", crate::forms::visible(&next));
        assert!(app.store.active_switch(user).await.unwrap().is_none(), "the plan took over");
        assert_eq!(app.store.active_plans(user).await.unwrap()[0].drug, "diazepam");
        app
    })
    .await;
}

/// Stopping a switch part-way is asked first, with today's doses and what stopping means (a
/// walk: one tap left "You have no plan yet" mid-switch).
#[tokio::test]
async fn stopping_a_switch_part_way_says_what_to_take_first() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("stop@example.org").await;
        let mut agreed = clonazepam(&["none"], &[("to_times", "08:00, 13:00, 18:00, 22:00")]);
        agreed.push(("agreed", "yes"));
        assert_eq!(b.submit("/switch", "/switch/start", &agreed).await.status, StatusCode::SEE_OTHER);
        let user = app.store.user_by_email("stop@example.org").await.unwrap().unwrap().id;
        let id = app.store.active_switch(user).await.unwrap().unwrap().id.to_string();
        let asked = b.submit("/today", "/switch/end", &[("switch", id.as_str())]).await;
        assert_eq!(asked.status, StatusCode::OK);
        assert!(asked.has("never stop a benzodiazepine suddenly") && asked.has("2 mg Clonazepam"), "{}", asked.body);
        assert!(app.store.active_switch(user).await.unwrap().is_some(), "nothing stopped without the answer");
        let ended = b.submit("/today", "/switch/end", &[("switch", id.as_str()), ("confirm", "yes")]).await;
        assert_eq!(ended.location.as_deref(), Some("/today?saved=switch-ended"));
        assert!(app.store.active_switch(user).await.unwrap().is_none());
        assert!(b.get("/today?saved=switch-ended").await.has("Keep taking the doses you took today"));
        app
    })
    .await;
}

/// Moves a switch's first day `days` back, as if it had begun then.
async fn sqlx_shift(app: &TestApp, id: &str, days: i64) {
    let start = crate::days_ago(days);
    app.store.test_set_switch_start(id, &start).await.unwrap();
}

/// Issue 20 and a walk: Today told a person following a switch to note a missed dose in their
/// check-in. Each dose of the switch is now recorded on its own, with the amount core plans
/// (never one the form sends), corrected by a second press, back-dated within the switch's days,
/// refused ahead of its time, shown to a supporter who sees the plan, in the CSV, the export and
/// an import.
#[tokio::test]
async fn a_switchs_doses_are_recorded_one_by_one() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("swd@example.org").await;
        let user = app.store.user_by_email("swd@example.org").await.unwrap().unwrap().id;
        // Noon where the person lives: the 08:00 dose is past, the 20:00 one to come.
        let (zone, date) = crate::zone_at(12);
        app.store.set_time_zone(user, &zone).await.unwrap();
        let mut agreed =
            clonazepam(&["none"], &[("time2", "20:00"), ("mg2", "1"), ("to_times", "08:00, 13:00, 18:00, 22:00")]);
        agreed.retain(|(k, _)| *k != "time1" && *k != "mg1");
        agreed.extend([("time1", "08:00"), ("mg1", "1"), ("agreed", "yes")]);
        let started = b.submit("/switch", "/switch/start", &agreed).await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", crate::forms::visible(&started));
        let id = app.store.active_switch(user).await.unwrap().unwrap().id.to_string();
        // Begun yesterday where the person lives (not in London: at 22:00 UTC the zone where it
        // is noon is already on the next day): yesterday's doses can be recorded too.
        app.store.test_set_switch_start(&id, &date.yesterday().unwrap().to_string()).await.unwrap();

        let t = b.get("/today").await;
        assert!(t.has("I took the 08:00 Clonazepam"), "{}", crate::forms::visible(&t));
        assert!(t.has(&format!("<p class=\"date\">{}</p>", date.strftime("%A %-d %B %Y"))), "the day it shows");
        assert!(!t.has("Taper does not record the doses of a switch"));
        assert!(!t.has("I took the 20:00 Clonazepam") && t.has("Later today: you can record it from 19:00."));
        let day = date.to_string();
        let dose = |time: &'static str, status: &'static str, on: String| {
            vec![
                ("switch", id.clone()),
                ("drug", "clonazepam".into()),
                ("time", time.into()),
                ("status", status.into()),
                ("date", on),
            ]
        };
        let send = |form: Vec<(&'static str, String)>| {
            let b = &b;
            async move {
                let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                b.submit("/today", "/switch/dose", &pairs).await
            }
        };
        let taken = send(dose("08:00", "taken", day.clone())).await;
        assert_eq!(taken.location.as_deref(), Some("/today#switch-clonazepam-0800"));
        let t = b.get("/today").await;
        assert!(t.has("Recorded for 08:00: taken (marked at"), "{}", crate::forms::visible(&t));
        // A second press corrects it; the amount is core's 1 mg whatever the form says.
        send(dose("08:00", "missed", day.clone())).await;
        let records = app.store.switch_doses(user).await.unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(
            (records[0].status, records[0].dose_mg, records[0].time),
            (taper_store::DoseStatus::Missed, 1.0, 480)
        );
        // Ahead of its time, not of the day, or before the switch: refused, nothing recorded.
        let early = send(dose("20:00", "taken", day.clone())).await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(early.has("Your 20:00 dose is later today: you can record it from 19:00."));
        let wrong = send(dose("09:00", "taken", day.clone())).await;
        assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
        assert!(wrong.has("not one of that day&#39;s doses of your switch"), "{}", wrong.body);
        // It names what was sent and the doses that may be recorded.
        assert!(
            wrong.has("&#39;09:00 Clonazepam&#39;") && wrong.has("(08:00 Clonazepam, 20:00 Clonazepam)"),
            "{}",
            wrong.body
        );
        let before = date.checked_sub(jiff::Span::new().days(2)).unwrap().to_string();
        let refused = send(dose("08:00", "taken", before)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.has("Doses of your switch can be recorded from"), "{}", crate::forms::visible(&refused));
        assert_eq!(app.store.switch_doses(user).await.unwrap().len(), 1);
        // Yesterday, from the day's page: the evening dose is past there.
        let yesterday = date.yesterday().unwrap().to_string();
        let page = b.get(&format!("/switch/doses?day={yesterday}")).await;
        assert!(
            page.has("I took the 20:00 Clonazepam") && !page.has("Later today"),
            "{}",
            crate::forms::visible(&page)
        );
        let back = send(dose("20:00", "taken", yesterday.clone())).await;
        assert_eq!(
            back.location.as_deref(),
            Some(format!("/switch/doses?day={yesterday}#switch-clonazepam-2000").as_str())
        );
        assert!(b.get(&format!("/switch/doses?day={yesterday}")).await.has("Recorded for 20:00: taken (marked on"));
        // Another account naming this switch records nothing.
        let stranger = app.browser();
        stranger.sign_up("swd-stranger@example.org").await;
        let pairs = [("switch", id.as_str()), ("drug", "clonazepam"), ("time", "08:00"), ("status", "taken")];
        stranger.submit("/today", "/switch/dose", &pairs).await;
        assert_eq!(app.store.switch_doses(user).await.unwrap().len(), 2);

        // The CSV lists each planned dose of the switch with its record.
        let csv = b.get("/account/doses.csv").await.body;
        assert!(csv.contains(&format!("Clonazepam (switch),{yesterday},20:00,1,taken,1,")), "{csv}");
        assert!(csv.contains(&format!("Clonazepam (switch),{day},08:00,1,missed,0,")), "{csv}");
        assert!(csv.contains(&format!("Clonazepam (switch),{day},20:00,1,,,")), "{csv}");
        // A clinician the person shares their plan with sees today's records.
        let dr = app.browser();
        dr.sign_up_as("swd-dr@example.org", "Dr Lee", "clinician").await;
        crate::sharing::share_with(&b, &dr).await;
        let seen = dr.get(&format!("/people/{user}")).await;
        assert!(
            seen.has("Recorded: missed.") && seen.has("Not recorded yet today."),
            "{}",
            crate::forms::visible(&seen)
        );
        // The export carries them; an import brings them into a new account as they were.
        let file = b.get("/account/export.json").await.body;
        let v: serde_json::Value = serde_json::from_str(&file).unwrap();
        assert_eq!(v["switches"][0]["doses"].as_array().map(Vec::len), Some(2), "{v}");
        assert_eq!(v["switches"][0]["doses"][0]["time"], "20:00");
        let c = app.browser();
        c.sign_up("swd2@example.org").await;
        let other = app.store.user_by_email("swd2@example.org").await.unwrap().unwrap().id;
        let catalogue = taper_core::Catalogue::builtin().unwrap();
        taper_server::import::import(&app.store, &catalogue, other, &file).await.unwrap();
        let theirs = app.store.switch_doses(other).await.unwrap();
        let mine = app.store.switch_doses(user).await.unwrap();
        let key = |d: &taper_store::SwitchDose| (d.date, d.drug.clone(), d.time, d.status, d.dose_mg, d.recorded_at);
        assert_eq!(theirs.iter().map(key).collect::<Vec<_>>(), mine.iter().map(key).collect::<Vec<_>>());
        // A file whose switch dose names another medicine is refused by name.
        let bad = file.replacen("\"drug\": \"clonazepam\"", "\"drug\": \"sertraline\"", 1);
        let d = app.browser();
        d.sign_up("swd3@example.org").await;
        let third = app.store.user_by_email("swd3@example.org").await.unwrap().unwrap().id;
        let err = taper_server::import::import(&app.store, &catalogue, third, &bad).await.unwrap_err();
        assert!(err.to_string().contains("'sertraline' is not one of the switch's medicines"), "{err}");
        // Security probe N2's way, on a switch: a recorded dose set to 999 mg is refused, naming
        // the largest the switch plans, and nothing is written.
        assert!(file.contains("\"dose_mg\": 1.0"), "{file}");
        let big = file.replacen("\"dose_mg\": 1.0", "\"dose_mg\": 999.0", 1);
        let err = taper_server::import::import(&app.store, &catalogue, third, &big).await.unwrap_err();
        assert!(err.to_string().contains("999 mg is not a dose of the switch (0 to 1 mg)"), "{err}");
        assert!(app.store.switch_doses(third).await.unwrap().is_empty());
        // Stopped, the switch's doses stay in the CSV up to the day it ended (a walk: they went).
        let ended = b.submit("/today", "/switch/end", &[("switch", id.as_str()), ("confirm", "yes")]).await;
        assert_eq!(ended.status, StatusCode::SEE_OTHER);
        let csv = b.get("/account/doses.csv").await.body;
        assert!(csv.contains(&format!("Clonazepam (switch),{yesterday},20:00,1,taken,1,")), "{csv}");
        assert!(csv.contains(&format!("Clonazepam (switch),{day},08:00,1,missed,0,")), "{csv}");
        app
    })
    .await;
}
