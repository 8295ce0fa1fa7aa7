//! Issue 10 through the web form: everything the command line offers, plans that cannot reach
//! zero say in plain words what would help (and offer it), a plan with no step cannot be saved,
//! and no page shows a command-line flag or a product id.

use reqwest::StatusCode;

use crate::helpers::{Page, TestApp, on_both, on_sqlite};
use crate::{days_ago, make_plan};

/// The text a person reads: tags (and so attribute values such as product ids in form fields)
/// removed.
pub fn visible(page: &Page) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for ch in page.body.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// No `--flag` and no catalogue product id in what the person reads.
fn assert_plain(page: &Page) {
    let text = visible(page);
    let c = taper_core::Catalogue::builtin().unwrap();
    assert!(!text.split_whitespace().any(|w| w.starts_with("--") && w.len() > 2), "a flag in: {text}");
    for p in c.drugs().iter().flat_map(|d| &d.products) {
        assert!(!text.contains(&p.id), "product id {} in: {text}", p.id);
    }
}

fn clonazepam<'a>(start: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("drug", "clonazepam"),
        ("dose", "1.5"),
        ("strategy", "proportional"),
        ("step", "10"),
        ("every", "28"),
        ("start_date", start),
        ("syringe", "0.1"),
        ("products", "clonazepam-tab-0.5mg"),
    ];
    f.extend_from_slice(extra);
    f
}

#[tokio::test]
async fn clonazepam_reaches_zero_when_the_pharmacy_can_compound() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("p@example.org").await;
        let today = days_ago(0);
        let form = b.get("/plan/new?drug=clonazepam").await;
        assert!(form.has("My pharmacy can make doses to a precision of"));
        assert!(form.has("Spread each step over its days as small daily cuts"));
        assert_plain(&form);
        let with = clonazepam(&today, &[("compounded", "0.001")]);
        let preview = b.submit("/plan/new?drug=clonazepam", "/plan/preview", &with).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
        assert!(preview.has("steps to zero"), "{}", visible(&preview));
        assert!(preview.has("a compounded dose of"));
        assert_plain(&preview);
        let saved = b.submit("/plan/new?drug=clonazepam", "/plan", &with).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let user = app.store.user_by_email("p@example.org").await.unwrap().unwrap().id;
        let plan = app.store.plans(user).await.unwrap()[0].id;
        let rev = &app.store.plan(user, plan).await.unwrap().revisions[0];
        assert!(rev.settings.contains("\"compounded_mg\":0.001"), "{}", rev.settings);
        assert!(rev.steps.contains("\"complete\":true"));
        for path in ["/plan", "/today", "/progress"] {
            assert_plain(&b.get(path).await);
        }
        app
    })
    .await;
}

#[tokio::test]
async fn a_plan_with_no_step_cannot_be_saved_and_what_would_help_is_offered() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("p@example.org").await;
        let today = days_ago(0);
        // 0.5 mg from scored 0.5 mg tablets: the nearest lower dose, 0.25 mg, is half of it,
        // beyond even a step held longer (the 25 % limit). (1.5 mg now steps to 1.25 mg and holds
        // it longer: clinical review B1.)
        let mut bare = clonazepam(&today, &[]);
        bare.retain(|(k, _)| *k != "dose");
        bare.push(("dose", "0.5"));
        let preview = b.submit("/plan/new?drug=clonazepam", "/plan/preview", &bare).await;
        assert_eq!(preview.status, StatusCode::OK);
        assert!(preview.has("id=\"no-steps\""), "{}", visible(&preview));
        assert!(!preview.has("No step is larger than"), "nothing said of steps a plan does not have");
        assert!(!preview.has("Save this plan"));
        assert!(preview.has("would make this step possible"), "{}", visible(&preview));
        assert_plain(&preview);
        let refused = b.submit("/plan/new?drug=clonazepam", "/plan", &bare).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.has("This plan has no step yet"));
        assert_plain(&refused);
        let user = app.store.user_by_email("p@example.org").await.unwrap().unwrap().id;
        assert!(app.store.plans(user).await.unwrap().is_empty(), "nothing was saved");
        // Where a product would help, it is named in words and offered as a button.
        let sertraline = vec![
            ("drug", "sertraline"),
            ("dose", "100"),
            ("strategy", "proportional"),
            ("step", "10"),
            ("every", "28"),
            ("start_date", today.as_str()),
            ("syringe", "0.1"),
            ("products", "sertraline-tab-50mg"),
        ];
        let stuck = b.submit("/plan/new?drug=sertraline", "/plan/preview", &sertraline).await;
        assert!(
            stuck.has("id=\"try-with\"") && stuck.has("Adding the oral concentrate 20 mg/mL"),
            "{}",
            visible(&stuck)
        );
        assert_plain(&stuck);
        let mut taken = sertraline.clone();
        taken.push(("products", "sertraline-concentrate-20mg-ml"));
        let better = b.submit("/plan/new?drug=sertraline", "/plan/preview", &taken).await;
        assert!(better.has("Save this plan"), "{}", visible(&better));
        app
    })
    .await;
}

#[tokio::test]
async fn beads_weights_end_dose_and_micro_taper_reach_the_plan() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("p@example.org").await;
        let today = days_ago(0);
        let form = vec![
            ("drug", "venlafaxine"),
            ("dose", "75"),
            ("strategy", "proportional"),
            ("step", "10"),
            ("every", "28"),
            ("start_date", today.as_str()),
            ("syringe", "0.1"),
            ("products", "venlafaxine-xr-cap-37.5mg"),
            ("products", "venlafaxine-xr-cap-75mg"),
            ("beads:venlafaxine-xr-cap-37.5mg", "60"),
            ("to", "37.5"),
            ("micro_taper", "yes"),
        ];
        let preview = b.submit("/plan/new?drug=venlafaxine", "/plan/preview", &form).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", visible(&preview));
        assert!(preview.has("beads"), "{}", visible(&preview));
        assert_plain(&preview);
        // A bead count for a product not ticked is ignored; a nonsense count is named.
        let mut bad = form.clone();
        bad.retain(|(k, _)| !k.starts_with("beads:"));
        bad.push(("beads:venlafaxine-xr-cap-37.5mg", "many"));
        let refused = b.submit("/plan/new?drug=venlafaxine", "/plan/preview", &bad).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.has("number of beads you counted"));
        let saved = b.submit("/plan/new?drug=venlafaxine", "/plan", &form).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", visible(&saved));
        let user = app.store.user_by_email("p@example.org").await.unwrap().unwrap().id;
        let plan = app.store.plans(user).await.unwrap()[0].id;
        let rev = &app.store.plan(user, plan).await.unwrap().revisions[0];
        assert!(
            rev.settings.contains("\"end_mg\":37.5") && rev.settings.contains("\"micro_taper\":true"),
            "{}",
            rev.settings
        );
        app
    })
    .await;
}

#[tokio::test]
async fn product_cautions_stand_beside_the_steps_that_use_them() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("p@example.org").await;
        let start = days_ago(30);
        let form = vec![
            ("drug", "sertraline"),
            ("dose", "50"),
            ("strategy", "proportional"),
            ("step", "10"),
            ("every", "28"),
            ("start_date", start.as_str()),
            ("syringe", "0.1"),
            ("products", "sertraline-tab-50mg"),
            ("products", "sertraline-concentrate-20mg-ml"),
            ("confirm_past_start", "yes"),
        ];
        let preview = b.submit("/plan/new?drug=sertraline", "/plan/preview", &form).await;
        assert!(
            preview.has("<ul class=\"notes\"><li>Oral concentrate 20 mg/mL: Contains 12% alcohol"),
            "{}",
            visible(&preview)
        );
        assert_eq!(b.submit("/plan/new?drug=sertraline", "/plan", &form).await.status, StatusCode::SEE_OTHER);
        // A month in, today's dose is made with the concentrate, and its caution is beside it.
        let today = b.get("/today").await;
        assert!(today.has("aria-label=\"Cautions\"") && today.has("Contains 12% alcohol"), "{}", visible(&today));
        app
    })
    .await;
}

#[tokio::test]
async fn a_product_repeated_many_times_is_read_once() {
    // Security probe H1: 'products' repeated 64 times (a 2 KB form) killed the server.
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("p@example.org").await;
        let today = days_ago(0);
        let mut form = vec![
            ("drug", "citalopram"),
            ("dose_as", "tablets"),
            ("dose", "20"),
            ("strategy", "hyperbolic"),
            ("step", "5"),
            ("every", "28"),
            ("start_date", today.as_str()),
            ("syringe", "0.1"),
            ("cutter", "yes"),
        ];
        form.extend(std::iter::repeat_n(("products", "citalopram-tab-20mg"), 64));
        // Read as the one product it names; the preview is made at once.
        let preview = b.submit("/plan/new?drug=citalopram", "/plan/preview", &form).await;
        assert_eq!(preview.status, StatusCode::OK);
        assert_plain(&preview);
        assert_eq!(b.get("/health").await.status, StatusCode::OK, "the server is still there");
        app
    })
    .await;
}

/// Issue 12: plans are worked out off the async threads, a bounded number at once. When none is
/// free the person is told plainly, with Retry-After, and nothing is saved or half-saved.
#[tokio::test]
async fn when_no_planner_is_free_the_answer_is_a_clear_busy_page_and_nothing_is_saved() {
    on_sqlite(0, |app: TestApp| async move {
        let b = app.browser();
        b.sign_up("p@example.org").await;
        let today = days_ago(0);
        let with = clonazepam(&today, &[("compounded", "0.001")]);
        for path in ["/plan/preview", "/plan"] {
            let busy = b.submit("/plan/new?drug=clonazepam", path, &with).await;
            assert_eq!(busy.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
            assert!(busy.has("Nothing you typed was saved or lost"), "{}", busy.body);
        }
        let id = app.store.user_by_email("p@example.org").await.unwrap().unwrap().id;
        assert!(app.store.plans(id).await.unwrap().is_empty(), "nothing stored");
        // Everything that needs no planner still answers.
        assert_eq!(b.get("/today").await.status, StatusCode::OK);
        assert_eq!(b.get("/health").await.status, StatusCode::OK);
        app
    })
    .await;
}

/// Issue 12: a plan that takes longer than its deadline gets a clear answer, not a hung
/// request, and nothing is saved. (Here the deadline is zero, so every plan runs out of time.)
#[tokio::test]
async fn a_plan_over_its_deadline_gets_a_clear_answer_and_nothing_is_saved() {
    let s = taper_store::scratch::Scratch::sqlite();
    let app = TestApp::spawn_with_deadline(&s.url, std::time::Duration::ZERO).await;
    let b = app.browser();
    b.sign_up("slow@example.org").await;
    let today = days_ago(0);
    let with = clonazepam(&today, &[("compounded", "0.001")]);
    for path in ["/plan/preview", "/plan"] {
        let slow = b.submit("/plan/new?drug=clonazepam", path, &with).await;
        assert_eq!(slow.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(slow.has("took too long to work out") && slow.has("Nothing was saved"), "{}", slow.body);
    }
    let id = app.store.user_by_email("slow@example.org").await.unwrap().unwrap().id;
    assert!(app.store.plans(id).await.unwrap().is_empty(), "nothing stored");
    app.stop().await;
    s.remove().await;
}

/// Security probe I2: when the database cannot take a check-in (a full disk), the form comes
/// back with everything typed and the reason (503), instead of a bare error that loses it.
#[tokio::test]
async fn a_check_in_that_cannot_be_saved_comes_back_as_typed() {
    on_sqlite(2, |app: TestApp| async move {
        let sam = app.browser();
        sam.sign_up("full@example.org").await;
        app.store.fail_writes_to("checkins").await.unwrap();
        let sent = crate::check_in_with_note(&sam, &crate::days_ago(0), "KEEP-THIS-LONG-NOTE about tonight").await;
        assert_eq!(sent.status, StatusCode::SERVICE_UNAVAILABLE, "{}", sent.body);
        assert!(sent.has("could not be saved just now") && sent.has("KEEP-THIS-LONG-NOTE about tonight"));
        assert!(sent.has("name=\"s_dizziness\" value=\"1\" checked"), "the answers as typed");
        app
    })
    .await;
}

/// Security probe I2: every response says no page may use the camera, microphone or location,
/// and keeps other windows from reaching into it.
#[tokio::test]
async fn every_response_carries_the_security_headers() {
    on_sqlite(2, |app: TestApp| async move {
        for path in ["/", "/login", "/crisis", "/nowhere"] {
            let r = app.browser().client.get(format!("{}{path}", app.base)).send().await.unwrap();
            let h = r.headers();
            assert!(h["permissions-policy"].to_str().unwrap().contains("camera=()"), "{path}");
            assert_eq!(h["cross-origin-opener-policy"], "same-origin", "{path}");
            assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
            assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"), "{path}");
        }
        app
    })
    .await;
}

/// Issue 19, item 7: the operator's privacy notice and terms, linked from sign-up and every
/// page's footer; without them the pages say so and what to ask.
#[tokio::test]
async fn the_operators_privacy_notice_and_terms_are_linked_from_every_page() {
    let s = taper_store::scratch::Scratch::sqlite();
    let dir = std::env::temp_dir().join(format!("taper-notices-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("privacy.txt"), "Run by the Example Clinic.\n\nData live in Dublin <b>only</b>.").unwrap();
    let notices = taper_server::notices::Notices::read(Some(&dir.join("privacy.txt")), None).unwrap();
    let store = taper_store::Store::connect_sealed(&s.url, &taper_store::seal::Key::generate()).await.unwrap();
    let state = taper_server::AppState::build(store.clone(), 2, std::time::Duration::from_secs(1800))
        .unwrap()
        .with_notices(notices);
    let app = TestApp::serve_state(state, store, &s.url).await;
    let b = app.browser();
    for path in ["/", "/login", "/crisis", "/learn"] {
        let page = b.get(path).await;
        assert!(page.has("href=\"/privacy\"") && page.has("href=\"/terms\""), "{path}");
    }
    assert!(b.get("/signup").await.has("read who runs this server"));
    let privacy = b.get("/privacy").await;
    assert!(privacy.has("Run by the Example Clinic.") && privacy.has("Data live in Dublin"), "{}", privacy.body);
    assert!(!privacy.has("<b>only</b>"), "the operator's text is shown as text, never as HTML");
    assert!(privacy.has("What Taper does with your data"));
    let terms = b.get("/terms").await;
    assert!(terms.has("have not published terms of use here"), "{}", terms.body);
    let big = dir.join("big.txt");
    std::fs::write(&big, "x".repeat(70_000)).unwrap();
    assert!(taper_server::notices::Notices::read(None, Some(&big)).unwrap_err().contains("at most"));
    std::fs::remove_dir_all(&dir).unwrap();
    app.stop().await;
    s.remove().await;
}

/// New-user walk: the check-in form opened for today, its day changed to yesterday (which had a
/// check-in) and saved, silently replaced yesterday's long note. Now it asks first, keeps what was
/// typed, and replaces only when saved again.
#[tokio::test]
async fn changing_the_day_never_silently_replaces_that_days_check_in() {
    on_both(|app: TestApp| async move {
        let sam = app.browser();
        sam.sign_up("days@example.org").await;
        let yesterday = days_ago(1);
        crate::check_in_with_note(&sam, &yesterday, "YESTERDAY-LONG-NOTE").await;
        let id = app.store.user_by_email("days@example.org").await.unwrap().unwrap().id;
        // The form as shown for today, its day then changed to yesterday.
        let shown = sam.get("/checkin").await;
        // A walk read "Burden (0–51)" beside 23 items scored 0–3 as a mistake: the scale is said.
        assert!(shown.has("Burden (0–51)") && shown.has("the average of the items answered"), "{}", visible(&shown));
        let token = shown.csrf();
        let today = days_ago(0);
        let keys: Vec<String> = crate::CHECKLIST_KEYS.iter().map(|k| format!("s_{k}")).collect();
        let mut form: Vec<(&str, &str)> = vec![
            ("csrf", &token),
            ("shown_for", &today),
            ("date", &yesterday),
            ("wellbeing", "7"),
            ("note", "TODAY-NOTE"),
        ];
        form.extend(keys.iter().map(|k| (k.as_str(), "0")));
        let asked = sam.post_raw("/checkin", &form).await;
        assert_eq!(asked.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(asked.has(&format!("You already checked in for {yesterday}")) && asked.has("TODAY-NOTE"));
        assert!(asked.has(&format!("name=\"shown_for\" value=\"{yesterday}\"")), "a second save replaces it");
        let kept = app.store.checkin_on(id, yesterday.parse().unwrap()).await.unwrap().unwrap();
        assert_eq!(kept.note, "YESTERDAY-LONG-NOTE", "nothing replaced yet");
        form[1] = ("shown_for", &yesterday);
        assert_eq!(sam.post_raw("/checkin", &form).await.status, StatusCode::SEE_OTHER);
        let replaced = app.store.checkin_on(id, yesterday.parse().unwrap()).await.unwrap().unwrap();
        assert_eq!(replaced.note, "TODAY-NOTE", "replaced when saved again, knowingly");
        app
    })
    .await;
}

/// Walk-through N4: a first day typed months back made Today show "Alprazolam: 0 mg today", an
/// abrupt stop, without a word; one a few weeks back jumped a cut with no question.
#[tokio::test]
async fn a_first_day_in_the_past_never_jumps_to_a_stop_and_one_cut_on_is_confirmed() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("bea@example.org").await;
        let long_ago = days_ago(187);
        let bea = vec![
            ("drug", "alprazolam"),
            ("dose", "1.5"),
            ("strategy", "proportional"),
            ("step", "25"),
            ("every", "7"),
            ("justification", "short course, reviewed weekly by Dr Chen"),
            ("start_date", long_ago.as_str()),
            ("syringe", "0.1"),
            ("products", "alprazolam-tab-0.25mg"),
            ("products", "alprazolam-tab-0.5mg"),
            ("cutter", "yes"),
            ("confirm_past_start", "yes"),
        ];
        for to in ["/plan/preview", "/plan"] {
            let page = b.submit("/plan/new?drug=alprazolam", to, &bea).await;
            assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{to}: {}", visible(&page));
            assert!(page.has("187 days ago") && page.has("more than one step at once"), "{}", visible(&page));
        }
        let user = app.store.user_by_email("bea@example.org").await.unwrap().unwrap().id;
        assert!(app.store.plans(user).await.unwrap().is_empty(), "nothing was saved");

        // One cut on: asked, then kept once confirmed; Today shows that cut's dose.
        let weeks_ago = days_ago(30);
        let sertraline = |confirm: bool| {
            let mut f = vec![
                ("drug", "sertraline"),
                ("dose", "50"),
                ("strategy", "proportional"),
                ("step", "10"),
                ("every", "28"),
                ("start_date", weeks_ago.as_str()),
                ("syringe", "0.1"),
                ("products", "sertraline-tab-50mg"),
                ("products", "sertraline-concentrate-20mg-ml"),
            ];
            if confirm {
                f.push(("confirm_past_start", "yes"));
            }
            f
        };
        let asked = b.submit("/plan/new?drug=sertraline", "/plan/preview", &sertraline(false)).await;
        assert_eq!(asked.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            asked.has("30 days ago: the dose today would already be 45 mg, below the 50 mg you take now"),
            "{}",
            visible(&asked)
        );
        assert!(asked.has("name=\"confirm_past_start\""));
        let saved = b.submit("/plan/new?drug=sertraline", "/plan", &sertraline(true)).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", visible(&saved));
        assert!(b.get("/today").await.has("45 mg"));
        // Today's date needs no confirmation.
        let today = days_ago(0);
        let mut now = sertraline(false);
        now.retain(|(k, _)| *k != "start_date");
        now.push(("start_date", today.as_str()));
        let preview = b.submit("/plan/new?drug=sertraline", "/plan/preview", &now).await;
        assert_eq!(preview.status, StatusCode::OK);
        // Walk-through N7: the preview says how long the plan runs, and when that is years.
        assert!(preview.has("steps to zero over about") && preview.has("years: the last on"), "{}", visible(&preview));
        assert!(preview.has("At this pace the plan runs for more than a year."));
        app
    })
    .await;
}

/// Walk-through N1: "Small daily cuts" was accepted, then ignored: Today on day 15 said
/// "Sertraline: 100 mg today … Next planned change: 53.5 mg", an overnight cut of 46 %.
#[tokio::test]
async fn small_daily_cuts_reach_today_the_preview_and_the_plan() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("noa@example.org").await;
        let began = days_ago(15);
        let mut form = vec![
            ("drug", "sertraline"),
            ("dose", "100"),
            ("strategy", "hyperbolic"),
            ("step", "5"),
            ("every", "28"),
            ("start_date", began.as_str()),
            ("syringe", "0.1"),
            ("products", "sertraline-tab-50mg"),
            ("strips", "0.1"),
            ("micro_taper", "yes"),
        ];
        // Fifteen days in, the dose is already below 100 mg: asked before it is kept.
        let asked = b.submit("/plan/new?drug=sertraline", "/plan/preview", &form).await;
        assert_eq!(asked.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", visible(&asked));
        assert!(asked.has("15 days ago: the dose today would already be"), "{}", visible(&asked));
        form.push(("confirm_past_start", "yes"));
        let preview = b.submit("/plan/new?drug=sertraline", "/plan/preview", &form).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", visible(&preview));
        assert!(preview.has("Then a little less each day: 27 days"), "{}", visible(&preview));
        let saved = b.submit("/plan/new?drug=sertraline", "/plan", &form).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", visible(&saved));
        let today = b.get("/today").await;
        let text = visible(&today);
        let dose: f64 = text
            .split("your agreed dose today:")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|d| d.parse().ok())
            .unwrap_or_else(|| panic!("no dose in: {text}"));
        assert!(dose < 90.0 && dose > 60.0, "about halfway between 100 and 53.5 mg on day 15, not {dose}: {text}");
        let next: f64 = text
            .split("Next planned change:")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|d| d.parse().ok())
            .unwrap_or_else(|| panic!("no next change in: {text}"));
        assert!(next < dose && dose - next < 5.0, "tomorrow a little less, not {next} after {dose}");
        assert!(b.get("/plan").await.has("Then a little less each day"));
        app
    })
    .await;
}

/// Walk-through N5: "Products sold in" did nothing — the select went back to "every country",
/// UK products stayed listed, and a US-only person was told to ask for the UK oral solution.
#[tokio::test]
async fn products_sold_in_keeps_its_choice_and_only_offers_what_is_sold_there() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("us@example.org").await;
        let form = b.get("/plan/new?drug=temazepam&market=US").await;
        assert!(form.has("<option value=\"US\" selected>US</option>"), "{}", visible(&form));
        assert!(form.has("name=\"market\" value=\"US\""));
        assert!(!form.has("oral solution 10 mg/5 mL") && form.has("7.5 mg capsule"), "{}", visible(&form));
        let today = days_ago(0);
        let plan = vec![
            ("drug", "temazepam"),
            ("market", "US"),
            ("dose", "15"),
            ("strategy", "proportional"),
            ("step", "10"),
            ("every", "28"),
            ("start_date", today.as_str()),
            ("syringe", "0.1"),
            ("products", "temazepam-cap-15mg"),
        ];
        let preview = b.submit("/plan/new?drug=temazepam&market=US", "/plan/preview", &plan).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", visible(&preview));
        assert!(!preview.has("oral solution 10 mg/5 mL"), "a UK-only product offered: {}", visible(&preview));
        // Without a market, the UK solution may be suggested as before.
        let anywhere: Vec<(&str, &str)> = plan.iter().copied().filter(|(k, _)| *k != "market").collect();
        let preview = b.submit("/plan/new?drug=temazepam", "/plan/preview", &anywhere).await;
        assert_eq!(preview.status, StatusCode::OK);
        app
    })
    .await;
}

/// A walk from Lithuania (2026-12-06): the form chose "EU" and offered citalopram drops alone,
/// so tablets could not be ticked. The catalogue's EU lists are partial: an EU country starts
/// from every country's products, and choosing EU says its list is incomplete.
#[tokio::test]
async fn a_person_in_the_eu_is_offered_their_tablets() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("lt@example.org").await;
        b.submit("/account", "/account/country", &[("country", "LT")]).await;
        let form = b.get("/plan/new?drug=citalopram").await;
        assert!(form.has("value=\"citalopram-tab-20mg\""), "{}", visible(&form));
        assert!(form.has("<option value=\"\" selected>every country</option>"), "{}", visible(&form));
        let eu = b.get("/plan/new?drug=citalopram&market=EU").await;
        assert!(eu.has("value=\"citalopram-tab-20mg\"") && eu.has("oral drops 40 mg/mL"), "{}", visible(&eu));
        assert!(eu.has("id=\"partial-market\"") && eu.has("is not complete yet"), "{}", visible(&eu));
        app
    })
    .await;
}

/// Walk-through (new drugs): choosing EU for quetiapine left "What you have or can get" empty
/// with no word why. The form now says none is listed there and links to every country's.
#[tokio::test]
async fn a_market_with_no_products_says_so_and_offers_every_country() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("eu@example.org").await;
        let form = b.get("/plan/new?drug=quetiapine&market=EU").await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(
            form.has("id=\"no-products\"") && form.has("Taper lists no Quetiapine products sold in EU"),
            "{}",
            visible(&form)
        );
        assert!(form.has("href=\"/plan/new?drug=quetiapine&amp;market=\""));
        let every = b.get("/plan/new?drug=quetiapine&market=").await;
        assert!(!every.has("id=\"no-products\"") && every.has("oral suspension 20 mg/mL"), "{}", visible(&every));
        app
    })
    .await;
}

/// Walk-through N10: "end the plan at this dose" said "3 steps to zero" and the last row was
/// 24.5 mg, below the 25 mg asked for.
#[tokio::test]
async fn a_plan_ending_at_a_dose_ends_there_and_says_so() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("end@example.org").await;
        let today = days_ago(0);
        let form = vec![
            ("drug", "sertraline"),
            ("dose", "100"),
            ("strategy", "hyperbolic"),
            ("step", "5"),
            ("every", "28"),
            ("start_date", today.as_str()),
            ("syringe", "0.1"),
            ("products", "sertraline-tab-50mg"),
            ("products", "sertraline-tab-25mg"),
            ("products", "sertraline-concentrate-20mg-ml"),
            ("to", "25"),
        ];
        let preview = b.submit("/plan/new?drug=sertraline", "/plan/preview", &form).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", visible(&preview));
        let text = visible(&preview);
        assert!(
            text.contains("steps down to 25 mg, where the plan ends and you stay") && !text.contains("to zero"),
            "{text}"
        );
        assert!(!text.contains("24.5 mg"), "{text}");
        // Clinical review minor 17: each step says what stock its days use.
        assert!(text.contains("For these 28 days: 56 × 50 mg tablet"), "{text}");
        app
    })
    .await;
}

/// Walk-through N2 (clinical review minor 23): Alex takes 20 mg of citalopram as drops; the form
/// read it as 20 mg of tablets and Today showed 0.4 mL (16 mg of drops), a silent 20 % cut.
#[tokio::test]
async fn the_form_asks_whether_the_dose_now_is_drops_or_tablets() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("alex@example.org").await;
        let today = days_ago(0);
        let mut form = vec![
            ("drug", "citalopram"),
            ("dose", "20"),
            ("strategy", "hyperbolic"),
            ("step", "5"),
            ("every", "28"),
            ("start_date", today.as_str()),
            ("syringe", "0.1"),
            ("products", "citalopram-oral-drops-40mg-ml"),
        ];
        let page = b.get("/plan/new?drug=citalopram").await;
        assert!(page.has("You take that dose now") && page.has("counts as 1.25 mg of tablets"), "{}", visible(&page));
        let asked = b.submit("/plan/new?drug=citalopram", "/plan/preview", &form).await;
        assert_eq!(asked.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(asked.has("Say whether you take your Citalopram now as tablets or as the"), "{}", visible(&asked));
        form.push(("dose_as", "citalopram-oral-drops-40mg-ml"));
        let preview = b.submit("/plan/new?drug=citalopram", "/plan/preview", &form).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", visible(&preview));
        // Day 0 is the same 20 mg of drops (0.5 mL), counted as 25 mg of tablets: no cut.
        assert!(
            preview.has("10 drops of the oral drops 40 mg/mL (20 mg as the liquid, counted as 25 mg of tablets)"),
            "{}",
            visible(&preview)
        );
        let saved = b.submit("/plan/new?drug=citalopram", "/plan", &form).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let today = b.get("/today").await;
        // The headline is what is measured, 20 mg of drops, with the tablet count beside it.
        assert!(
            today.has("id=\"today-dose\">20 mg<") && today.has("Counted as 25 mg of tablets"),
            "{}",
            visible(&today)
        );
        // The next change in the same units (walk-through round 5: "20 mg" then "14 mg").
        assert!(today.has("of the liquid (counted as"), "{}", visible(&today));
        // Their prescriber reads the same two figures, the drops first (a walk found the caseload
        // and person page saying "Citalopram 25 mg a day" for 20 mg of drops).
        let dr = app.browser();
        dr.sign_up_as("dr@example.org", "Dr Lee", "clinician").await;
        crate::sharing::share_with(&b, &dr).await;
        let both = "Citalopram 20 mg of the liquid (counted as 25 mg of tablets) a day";
        let caseload = dr.get("/caseload").await;
        assert!(caseload.has(both), "{}", visible(&caseload));
        let user = app.store.user_by_email("alex@example.org").await.unwrap().unwrap().id;
        let person = dr.get(&format!("/people/{user}")).await;
        assert!(person.has(both) && !person.has("Citalopram 25 mg a day"), "{}", visible(&person));
        // A first day in the past names the dose now as typed, "20mg" with its unit included.
        let long_ago = days_ago(40);
        let mut past: Vec<(&str, &str)> =
            form.iter().copied().filter(|(k, _)| *k != "start_date" && *k != "dose").collect();
        past.extend([("start_date", long_ago.as_str()), ("dose", "20mg")]);
        let asked = b.submit("/plan/new?drug=citalopram", "/plan/preview", &past).await;
        assert!(
            asked.has("below the 20 mg of the liquid (counted as 25 mg of tablets) you take now"),
            "{}",
            visible(&asked)
        );
        app
    })
    .await;
}

/// The clinical re-run: Lyrica CR was counted milligram for milligram with capsules; its label
/// converts 150 mg a day of capsules to 165 mg of CR. A walk then found the question worded for
/// tablets and drops ("as tablets", "1 mg of it counts as 0.9091 mg"), and asked in the UK where
/// CR is not sold. Now it is asked only where CR is sold, in the label's own numbers, and Today
/// names what is taken.
#[tokio::test]
async fn lyrica_cr_taken_now_is_asked_in_its_own_words_where_it_is_sold() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("sam@example.org").await;
        let uk = b.get("/plan/new?drug=pregabalin&market=UK").await;
        assert!(!uk.has("type=\"radio\" name=\"dose_as\""), "{}", visible(&uk));
        let us = b.get("/plan/new?drug=pregabalin&market=US").await;
        assert!(us.has("82.5 mg of it counts as 75 mg of immediate release"), "{}", visible(&us));
        assert!(us.has("as immediate release"), "{}", visible(&us));
        let today = days_ago(0);
        let form = vec![
            ("drug", "pregabalin"),
            ("dose", "165"),
            ("strategy", "proportional"),
            ("step", "10"),
            ("every", "28"),
            ("start_date", today.as_str()),
            ("syringe", "0.1"),
            ("market", "US"),
            ("products", "pregabalin-er-tab-165mg"),
            ("products", "pregabalin-er-tab-82.5mg"),
            ("products", "pregabalin-cap-25mg"),
            ("products", "pregabalin-cap-50mg"),
            ("products", "pregabalin-cap-75mg"),
            ("dose_as", "pregabalin-er-tab-165mg"),
        ];
        let preview = b.submit("/plan/new?drug=pregabalin", "/plan/preview", &form).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", visible(&preview));
        assert!(preview.has("counted as 150 mg of immediate release"), "{}", visible(&preview));
        let saved = b.submit("/plan/new?drug=pregabalin", "/plan", &form).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", visible(&saved));
        let page = b.get("/today").await;
        assert!(
            page.has("id=\"today-dose\">165 mg<") && page.has("of the extended-release tablets"),
            "{}",
            visible(&page)
        );
        assert!(page.has("Counted as 150 mg of immediate release"), "{}", visible(&page));
        assert!(!page.has("of the liquid"), "{}", visible(&page));
        app
    })
    .await;
}

/// A walk: pregabalin 150 mg with 25, 50 and 75 mg capsules holds at 75 mg. Its last card read
/// "For these 28 days" with nothing about holding, and the hold's reason said "as low as one
/// step may go" just after three larger steps held longer. The last card now says the plan stays
/// there, its stock is for each span, and both bounds are named.
#[tokio::test]
async fn a_plan_that_holds_says_so_on_its_last_step() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("kit@example.org").await;
        let today = days_ago(0);
        let form = vec![
            ("drug", "pregabalin"),
            ("dose", "150"),
            ("strategy", "proportional"),
            ("step", "10"),
            ("every", "28"),
            ("start_date", today.as_str()),
            ("syringe", "0.1"),
            ("market", "UK"),
            ("products", "pregabalin-cap-25mg"),
            ("products", "pregabalin-cap-50mg"),
            ("products", "pregabalin-cap-75mg"),
        ];
        let preview = b.submit("/plan/new?drug=pregabalin", "/plan/preview", &form).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", visible(&preview));
        let text = visible(&preview);
        let hold = text.rfind("Your plan stays at this dose from here").expect("the hold on the last step");
        let each = text.find("For each ").expect("the last step's stock for each span");
        assert!(text.rfind("For these ").is_some_and(|these| these < each) && each < hold, "{text}");
        assert_eq!(text.matches("Your plan stays at this dose from here").count(), 1, "{text}");
        assert!(text.contains("for a step held longer"), "{text}");
        app
    })
    .await;
}

/// A walk: a plan's last row, "0 mg · none (stop)", said nothing of the weeks after it. It now
/// says to keep checking in, that withdrawal can come later, and where to look.
#[tokio::test]
async fn the_stop_says_what_comes_after_it() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("lee@example.org").await;
        make_plan(&b, &days_ago(0), "28").await;
        let page = b.get("/plan").await;
        let text = visible(&page);
        assert!(text.contains("none (stop)"), "{text}");
        let stop = text.rfind("none (stop)").unwrap();
        assert!(text[stop..].contains("After the last dose, keep checking in"), "{}", &text[stop..]);
        assert_eq!(text.matches("After the last dose, keep checking in").count(), 1, "{text}");
        app
    })
    .await;
}

/// A walk: Today's "Next planned change: 136 mg on …" said nothing of the oral solution that
/// step needs, a new prescription. It now names what the next step uses that today's does not.
#[tokio::test]
async fn today_names_a_product_the_next_step_needs() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("noor@example.org").await;
        let today = days_ago(0);
        let form = vec![
            ("drug", "pregabalin"),
            ("dose", "150"),
            ("strategy", "proportional"),
            ("step", "10"),
            ("every", "28"),
            ("start_date", today.as_str()),
            ("syringe", "0.1"),
            ("market", "UK"),
            ("products", "pregabalin-cap-75mg"),
            ("products", "pregabalin-oral-solution-20mg-ml"),
        ];
        let saved = b.submit("/plan/new?drug=pregabalin", "/plan", &form).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", visible(&saved));
        let page = b.get("/today").await;
        assert!(page.has("That step uses the oral solution 20 mg/mL, which you do not use now"), "{}", visible(&page));
        app
    })
    .await;
}

/// Clinical review D1 (item 1): the first day of a new way of preparing the dose asks the person,
/// on Today, to confirm they have read it before the dose is recorded as taken.
#[tokio::test]
async fn a_new_way_to_prepare_the_dose_is_confirmed_on_today() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("way@example.org").await;
        // Citalopram from tablets, 17 days ago, steps every 14 days: the first cut (three days
        // ago) is measured in drops.
        crate::make_plan(&b, &days_ago(17), "14").await;
        let today = b.get("/today").await;
        assert!(today.has("id=\"new-way\"") && today.has("name=\"read_new_way\""), "{}", visible(&today));
        let refused = b.submit("/today", "/today/dose", &[("status", "taken")]).await;
        // Today again, with what to do at the top and the box to tick.
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.has("Not recorded yet") && refused.has("name=\"read_new_way\""), "{}", visible(&refused));
        let user = app.store.user_by_email("way@example.org").await.unwrap().unwrap().id;
        assert!(app.store.doses(user).await.unwrap().is_empty(), "nothing recorded");
        // A missed dose needs no confirmation; a taken one with it is kept, and the question goes.
        let taken = b.submit("/today", "/today/dose", &[("status", "taken"), ("read_new_way", "yes")]).await;
        assert_eq!(taken.status, StatusCode::SEE_OTHER);
        let after = b.get("/today").await;
        assert!(!after.has("id=\"new-way\"") && after.has("Recorded: taken (marked at"), "{}", visible(&after));
        app
    })
    .await;
}

/// Clinical review W6: the plan form takes dose times; the preview shows each time's amount,
/// a bad time is refused with the field named and nothing saved, and Today lists each time with
/// its own amount. Left empty, alprazolam follows its label: three doses a day.
#[tokio::test]
async fn dose_times_reach_the_plan_and_today_lists_each() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("p@example.org").await;
        let today = days_ago(0);
        let first_day = today.as_str();
        let form = |times: &'static str| {
            vec![
                ("drug", "alprazolam"),
                // Three equal doses of 0.5 mg: with no times given, the dose taken now is split at
                // the label's times only where equal parts make it exactly.
                ("dose", "1.5"),
                ("strategy", "proportional"),
                ("step", "10"),
                ("every", "28"),
                ("start_date", first_day),
                ("syringe", "0.1"),
                ("products", "alprazolam-tab-0.25mg"),
                ("products", "alprazolam-tab-0.5mg"),
                ("products", "alprazolam-oral-solution-1mg-ml"),
                ("times", times),
            ]
        };
        let asked = b.get("/plan/new?drug=alprazolam").await;
        assert!(
            asked.has("name=\"times\"") && asked.has("3 doses a day, at 08:00, 15:00 and 22:00"),
            "{}",
            visible(&asked)
        );
        let bad = b.submit("/plan/new?drug=alprazolam", "/plan/preview", &form("8am")).await;
        assert!(bad.has("is not a time of day") && bad.has("href=\"#times\""), "{}", visible(&bad));
        // A screen reader is told which field is wrong and why (walk: no aria-invalid).
        assert!(bad.has("aria-invalid=\"true\" aria-describedby=\"times-error\"") && bad.has("id=\"times-error\""));
        assert!(b.submit("/plan/new?drug=alprazolam", "/plan", &form("08:00, 08:30")).await.has("2 hours apart"));
        assert!(!b.get("/today").await.has("agreed dose today"), "nothing saved from a refused form");

        let preview = b.submit("/plan/new?drug=alprazolam", "/plan/preview", &form("07:00, 19:00")).await;
        assert!(!preview.has("name=\"replaces\""), "no plan yet: nothing to replace");
        // Each time on its own line with its amount (a new-user walk: one paragraph ran them together).
        assert!(preview.has("<p>In 2 doses.</p>"), "{}", visible(&preview));
        assert!(
            preview.has("<strong>07:00</strong> · ") && preview.has("<strong>19:00</strong> · "),
            "{}",
            visible(&preview)
        );
        // Once a day, the trough between doses is said.
        let once = b.submit("/plan/new?drug=alprazolam", "/plan/preview", &form("22:00")).await;
        assert!(once.has("taken once a day, Alprazolam levels"), "{}", visible(&once));

        assert_eq!(b.submit("/plan/new?drug=alprazolam", "/plan", &form("")).await.status, StatusCode::SEE_OTHER);
        let t = b.get("/today").await;
        assert!(t.has("taken in 3 parts") && t.has("aria-label=\"Your doses today\""), "{}", visible(&t));
        for time in ["08:00", "15:00", "22:00"] {
            assert!(t.has(&format!("<strong>{time}</strong>")), "{time}: {}", visible(&t));
        }
        // The history line names the strategy the plan used, as core says it.
        let plan = b.get("/plan").await;
        assert!(plan.has("1.5 mg, 10% of the current dose per step, every 28 days"), "{}", visible(&plan));
        // A second plan of the drug says before saving that it changes this one (a walk lost a
        // plan so), and not that both are taken.
        let again = b.submit("/plan/new?drug=alprazolam", "/plan/preview", &form("")).await;
        assert!(again.has("It changes my Alprazolam plan") && !again.has("I take both"), "{}", visible(&again));
        app
    })
    .await;
}

/// Signs up `email` in a zone where it is now `hour` o'clock, with gabapentin 900 mg a day
/// (08:00, 15:00, 22:00) from that day; the person's id and that day.
async fn gabapentin_at(
    app: &TestApp,
    b: &crate::helpers::Browser,
    email: &str,
    hour: i32,
) -> (taper_store::UserId, jiff::civil::Date) {
    b.sign_up(email).await;
    let (zone, date) = crate::zone_at(hour);
    let user = app.store.user_by_email(email).await.unwrap().unwrap().id;
    app.store.set_time_zone(user, &zone).await.unwrap();
    let today = date.to_string();
    let plan = [
        ("drug", "gabapentin"),
        ("dose", "900"),
        ("strategy", "proportional"),
        ("step", "10"),
        ("every", "28"),
        ("start_date", today.as_str()),
        ("syringe", "0.1"),
        ("products", "gabapentin-cap-300mg"),
        ("products", "gabapentin-cap-100mg"),
    ];
    assert_eq!(b.submit("/plan/new?drug=gabapentin", "/plan", &plan).await.status, StatusCode::SEE_OTHER);
    (user, date)
}

/// Issue 20 and a new-user walk: "Today has one 'I took it' pair for gabapentin's three doses, so
/// a missed afternoon dose can't be recorded on its own." Each time now has its own record; a
/// missed one brings the never-double-up advice; a time that is not today's is refused by name;
/// the export carries each time.
#[tokio::test]
async fn each_dose_time_is_recorded_on_its_own() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        // Late in the evening where the person lives: every dose of the day can be recorded.
        gabapentin_at(&app, &b, "g@example.org", 22).await;
        let t = b.get("/today").await;
        for time in ["08:00", "15:00", "22:00"] {
            assert!(t.has(&format!("I took the {time} dose")), "{time}: {}", visible(&t));
        }
        assert!(!t.has(">I took it<"), "no whole-day button for a day in parts");
        b.submit("/today", "/today/dose", &[("time", "08:00"), ("status", "taken")]).await;
        b.submit("/today", "/today/dose", &[("time", "15:00"), ("status", "missed")]).await;
        let t = b.get("/today").await;
        assert!(
            t.has("Recorded for 08:00: taken (marked at") && t.has("Recorded for 15:00: missed."),
            "{}",
            visible(&t)
        );
        assert!(!t.has("Recorded for 22:00") && t.has("Do not take extra to make up for it"), "{}", visible(&t));
        let wrong = b.submit("/today", "/today/dose", &[("time", "09:00"), ("status", "taken")]).await;
        assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
        assert!(wrong.has("not one of that day&#39;s dose times (08:00, 15:00, 22:00)"), "{}", wrong.body);
        let export: serde_json::Value = serde_json::from_str(&b.get("/account/export.json").await.body).unwrap();
        let times: Vec<(&str, &str)> = export["doses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["time"].as_str().unwrap_or(""), d["status"].as_str().unwrap_or("")))
            .collect();
        assert_eq!(times, vec![("08:00", "taken"), ("15:00", "missed")]);
        // Each part's own amount is kept: 300 mg, not the day's 900 mg.
        assert!(export["doses"].as_array().unwrap().iter().all(|d| d["dose_mg"] == 300.0), "{export}");
        app
    })
    .await;
}

/// A walk: the evening dose could be marked taken at breakfast, and showed as taken all day. A
/// dose is recorded from an hour before its time (core's `RECORD_EARLY_MINUTES`); before that
/// Today says when, and a press records nothing.
#[tokio::test]
async fn a_dose_hours_ahead_is_not_recorded_yet() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        // Noon where the person lives: 08:00 is past, 15:00 and 22:00 are to come.
        let (user, date) = gabapentin_at(&app, &b, "early@example.org", 12).await;
        let today = date.to_string();
        let t = b.get("/today").await;
        assert!(t.has("I took the 08:00 dose"), "{}", visible(&t));
        assert!(
            !t.has("I took the 22:00 dose") && t.has("Later today: you can record it from 21:00."),
            "{}",
            visible(&t)
        );
        let early = b.submit("/today", "/today/dose", &[("time", "22:00"), ("status", "taken")]).await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            early.has("Not recorded yet. Your 22:00 dose is later today: you can record it from 21:00."),
            "{}",
            visible(&early)
        );
        let early = b.submit("/today", "/today/dose", &[("time", "15:00"), ("status", "missed")]).await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY, "missed ahead of time is not known yet either");
        assert!(app.store.doses(user).await.unwrap().is_empty(), "nothing recorded");
        // The day's page refuses it the same way.
        let day = b
            .submit(&format!("/doses/{today}"), &format!("/doses/{today}"), &[("time", "22:00"), ("status", "taken")])
            .await;
        assert_eq!(day.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(day.has("The 22:00 dose is later today: you can record it from 21:00."), "{}", visible(&day));
        // The morning's dose is recorded as ever.
        b.submit("/today", "/today/dose", &[("time", "08:00"), ("status", "taken")]).await;
        assert_eq!(app.store.doses(user).await.unwrap().len(), 1);
        app
    })
    .await;
}

/// A new-user walk: "step 0 changes the person's regimen without asking". The form now asks how
/// much is taken now at each time; the plan starts from that split and keeps its shares, and
/// amounts that do not add up are refused with both figures, nothing saved.
#[tokio::test]
async fn the_dose_now_at_each_time_is_asked_and_kept() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("p@example.org").await;
        let today = days_ago(0);
        let form = |times: &'static str, amounts: &'static str| {
            vec![
                ("drug", "lorazepam"),
                ("dose", "2"),
                ("strategy", "proportional"),
                ("step", "10"),
                ("every", "28"),
                ("start_date", today.as_str()),
                ("syringe", "0.1"),
                ("products", "lorazepam-tab-0.5mg"),
                ("products", "lorazepam-tab-1mg"),
                ("products", "lorazepam-oral-concentrate-2mg-ml"),
                ("times", times),
                ("amounts", amounts),
            ]
        };
        let page = "/plan/new?drug=lorazepam";
        let split = b.submit(page, "/plan/preview", &form("08:00, 22:00", "0.5, 1.5")).await;
        assert_eq!(split.status, StatusCode::OK, "{}", visible(&split));
        assert!(
            split.has("<strong>08:00</strong> · 0.5 mg") && split.has("<strong>22:00</strong> · 1.5 mg"),
            "{}",
            visible(&split)
        );
        let short = b.submit(page, "/plan/preview", &form("08:00, 22:00", "0.5, 1")).await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            short.has("add up to 1.5 mg") && short.has("the daily dose, 2 mg") && short.has("href=\"#amounts\""),
            "{}",
            visible(&short)
        );
        let no_times = b.submit(page, "/plan/preview", &form("", "0.5, 1.5")).await;
        assert!(no_times.has("Give the times too"), "{}", visible(&no_times));
        assert!(!b.get("/today").await.has("agreed dose today"), "nothing saved");
        app
    })
    .await;
}

/// Walk-through (new drugs): after a first check-in the Progress chart showed no point (only
/// the legend's circle), because points came from the waves reading, which needs a baseline
/// first. Every check-in is drawn from the first.
#[tokio::test]
async fn a_first_check_in_is_drawn_on_the_progress_chart() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("first@example.org").await;
        // Check-ins are drawn as circles of radius 4 (the legend's key has radius 3).
        let points = |page: &Page| page.body.matches("r=\"4\"").count();
        assert_eq!(points(&b.get("/progress").await), 0);
        crate::check_in(&b, &days_ago(0), 2, "2").await;
        let after = b.get("/progress").await;
        assert_eq!(points(&after), 1, "one point for the one check-in: {}", after.body);
        // A plan from today with a check-in back-dated to yesterday: the dose line still shows
        // (a walk saw the mg-per-day panel go blank, its axis 0 to 1 mg).
        crate::make_plan(&b, &days_ago(0), "28").await;
        crate::check_in(&b, &days_ago(1), 1, "1").await;
        let chart = b.get("/progress").await;
        let dose_panel = chart.body.split("mg per day").nth(1).unwrap_or_default();
        assert!(dose_panel.contains("\n20.0\n"), "the 20 mg dose on its axis: {}", chart.body);
        app
    })
    .await;
}

/// A walk chose the UK at sign-up and was offered US-only products: a new plan form now offers
/// the products of the person's own country first, and "every country" stays one choice away.
#[tokio::test]
async fn the_plan_form_offers_the_persons_own_countrys_products_first() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        let signed = b
            .submit(
                "/signup",
                "/signup",
                &[
                    ("email", "uk@example.org"),
                    ("display_name", "Sam"),
                    ("role", "person"),
                    ("password", "correct horse battery"),
                    ("confirm", "correct horse battery"),
                    ("time_zone", "Europe/London"),
                    ("country", "GB"),
                ],
            )
            .await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
        let form = b.get("/plan/new?drug=temazepam").await;
        assert!(form.has("<option value=\"UK\" selected>"), "{}", visible(&form));
        assert!(
            form.has("oral solution 10 mg/5 mL") && !form.has("value=\"temazepam-cap-22.5mg\""),
            "{}",
            visible(&form)
        );
        let every = b.get("/plan/new?drug=temazepam&market=").await;
        assert!(every.has("<option value=\"\" selected>every country</option>"), "{}", visible(&every));
        app
    })
    .await;
}

/// Venlafaxine 75 mg taken now as one 75 mg XR capsule, from `start`, with the 37.5 mg
/// immediate-release tablets to taper with.
fn taken_as_xr_75(start: &str) -> Vec<(&'static str, &str)> {
    vec![
        ("drug", "venlafaxine"),
        ("dose", "75"),
        ("dose_as", "venlafaxine-xr-cap-75mg"),
        ("strategy", "hyperbolic"),
        ("step", "5"),
        ("every", "28"),
        ("start_date", start),
        ("syringe", "0.1"),
        ("products", "venlafaxine-tab-37.5mg"),
    ]
}

/// The clinical review's re-run (N-1): a person on a 75 mg venlafaxine XR capsule could not say
/// so, was planned from immediate-release tablets, and the move to the oral solution went
/// unannounced. The form asks which product the dose is taken as now; the preview's first row is
/// then that product, even when it was not ticked, and the change is said. A second re-run found
/// the question could be left unanswered with both releases ticked, and step 0 made of
/// immediate-release tablets: it is then asked, as an error on the form.
#[tokio::test]
async fn the_product_taken_now_is_the_first_row_and_a_change_of_release_from_it_is_said() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("xr@example.org").await;
        let form_page = b.get("/plan/new?drug=venlafaxine").await;
        assert!(form_page.has("You take that dose now as</label>"), "{}", visible(&form_page));
        let today = days_ago(0);
        let mut form = taken_as_xr_75(&today);
        form.push(("products", "venlafaxine-oral-solution-75mg-5ml"));
        let mut unsaid: Vec<(&str, &str)> = form.iter().copied().filter(|(k, _)| *k != "dose_as").collect();
        unsaid.push(("products", "venlafaxine-xr-cap-75mg"));
        let asked = b.submit("/plan/new?drug=venlafaxine", "/plan/preview", &unsaid).await;
        assert_eq!(asked.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", visible(&asked));
        assert!(asked.has("Say how you take your Venlafaxine now"), "{}", visible(&asked));
        assert!(asked.has("id=\"dose_as-error\""), "{}", visible(&asked));
        let preview = b.submit("/plan/new?drug=venlafaxine", "/plan/preview", &form).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", visible(&preview));
        let text = visible(&preview);
        assert!(text.contains("1 × 75 mg extended-release capsule"), "{text}");
        assert!(text.contains("is immediate-release instead of extended-release"), "{text}");
        app
    })
    .await;
}

/// A walk: the day an extended-release capsule gave way to immediate-release tablets, Today said
/// nothing, since both are whole units (no new way of measuring). A product taken up is a new
/// way to prepare the dose too, confirmed on Today.
#[tokio::test]
async fn a_change_of_product_is_a_new_way_on_today() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("xrway@example.org").await;
        let start = days_ago(30);
        let mut form = taken_as_xr_75(&start);
        form.extend([("cutter", "yes"), ("confirm_past_start", "yes")]);
        let saved = b.submit("/plan/new?drug=venlafaxine", "/plan", &form).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", visible(&saved));
        let today = b.get("/today").await;
        assert!(today.has("37.5 mg immediate-release tablet") && today.has("id=\"new-way\""), "{}", visible(&today));
        app
    })
    .await;
}
