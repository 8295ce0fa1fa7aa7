//! Issue 21: GET requests never write. Suggestions are worked out when data change (a check-in,
//! a questionnaire, a plan or revision saved) and by the hourly sweep, never when a page is
//! opened.

use reqwest::StatusCode;

use crate::helpers::{TestApp, on_both};
use crate::{check_in, days_ago, make_plan};

/// What a GET may write, by design: the session store (a session is kept where it is used), the
/// audit of a supporter's reads of a person's record, the devices a person is signed in on (when
/// each was last used), and the owner of each form handed out (so that a check-in sent after its
/// session ended is kept for the account it was shown to, and no other).
const WRITTEN_BY_DESIGN: &[&str] = &["sessions", "audit", "devices", "form_owners"];

/// Four raised days after a cut, written straight to the store (as data that came by a path that
/// did not work the readings out): opening every page leaves the database as it was, and no
/// suggestion appears until the sweep runs, which makes it once however often it runs.
#[tokio::test]
async fn pages_read_the_data_and_never_write_them() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        let (user, plan) = raised_past_the_refresh(&app, &b, "reads@example.org").await;
        let dr = app.browser();
        dr.sign_up_as("reads-dr@example.org", "Dr Lee", "clinician").await;
        crate::sharing::share_with(&b, &dr).await;

        let before = app.store.test_contents(WRITTEN_BY_DESIGN).await.unwrap();
        for path in ["/today", "/progress", "/plan", "/doses", "/checkin", "/questionnaires", "/account", "/supply"] {
            assert_eq!(b.get(path).await.status, StatusCode::OK, "{path}");
        }
        for path in ["/caseload".to_string(), format!("/people/{user}")] {
            assert_eq!(dr.get(&path).await.status, StatusCode::OK, "{path}");
        }
        let after = app.store.test_contents(WRITTEN_BY_DESIGN).await.unwrap();
        assert_eq!(before.len(), after.len());
        for ((table, was), (_, now)) in before.iter().zip(&after) {
            assert_eq!(was, now, "a page view changed the table {table}");
        }
        assert!(before.iter().any(|(t, rows)| t == "checkins" && !rows.is_empty()), "the tables were read");
        assert!(app.store.proposals(user, plan).await.unwrap().is_empty(), "no suggestion made by a view");

        // The sweep works the suggestion out, once however often (or however many instances) run it.
        let state = taper_server::AppState::build(app.store.clone(), 1, std::time::Duration::from_secs(1800)).unwrap();
        for _ in 0..3 {
            assert!(taper_server::readings::sweep(&state, jiff::Timestamp::now()).await.unwrap() >= 1);
        }
        let made = app.store.proposals(user, plan).await.unwrap();
        assert_eq!(made.len(), 1, "{made:?}");
        let today = b.get("/today").await.body;
        // First on the page, above the doses (a walk found it 1,300 px down on a phone).
        let (said, dose) = (today.find("A suggestion for you"), today.find("agreed dose today"));
        assert!(said.is_some() && said < dose, "{today}");
        app
    })
    .await;
}

/// A citalopram plan begun 17 days ago (its first cut 3 days ago), seven quiet check-ins sent
/// through the form, then four raised ones written straight to the store, past the refresh a
/// form's save brings: the person and plan.
async fn raised_past_the_refresh(
    app: &TestApp,
    b: &crate::helpers::Browser,
    email: &str,
) -> (taper_store::UserId, taper_store::PlanId) {
    b.sign_up(email).await;
    make_plan(b, &days_ago(17), "14").await;
    for d in (4..=10).rev() {
        assert_eq!(check_in(b, &days_ago(d), 2, "1").await.status, StatusCode::SEE_OTHER);
    }
    let user = app.store.user_by_email(email).await.unwrap().unwrap().id;
    let plan = app.store.plans(user).await.unwrap()[0].id;
    let scores = raised_scores();
    for d in (0..=3).rev() {
        let c = taper_store::NewCheckIn {
            date: days_ago(d).parse().unwrap(),
            scores: &scores,
            burden: 7,
            wellbeing: 6,
            sleep_hours: Some(7.0),
            note: "",
            own: &[],
        };
        app.store.save_checkin(user, &c, jiff::Timestamp::now()).await.unwrap();
    }
    (user, plan)
}

/// Seven of the first 17 items at "mild", the rest of them none, the later items not answered:
/// as `check_in(b, day, 7, "1")` sends.
fn raised_scores() -> Vec<Option<u8>> {
    let mut scores = vec![None; taper_core::symptoms::CHECKLIST.len()];
    scores[..17].fill(Some(0));
    scores[..7].fill(Some(1));
    scores
}

/// Two refreshes at once (two instances' sweeps, or a check-in saved in two tabs) make one
/// suggestion: the store keeps one pending suggestion per plan, revision and rule.
#[tokio::test]
async fn a_suggestion_is_made_once_when_two_work_it_out_at_once() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        let (user, plan) = raised_past_the_refresh(&app, &b, "twice@example.org").await;
        let state = taper_server::AppState::build(app.store.clone(), 2, std::time::Duration::from_secs(1800)).unwrap();
        let now = jiff::Timestamp::now();
        let (x, y, z) = tokio::join!(
            taper_server::readings::sweep(&state, now),
            taper_server::readings::sweep(&state, now),
            taper_server::readings::sweep(&state, now)
        );
        for r in [x, y, z] {
            r.unwrap();
        }
        assert_eq!(app.store.proposals(user, plan).await.unwrap().len(), 1);
        app
    })
    .await;
}

/// A walk: reloading a preview, or restoring its tab, showed the browser's bare "HTTP ERROR
/// 405". A form's address opened as a page now leads to the page the form belongs to; nothing is
/// done, and other methods stay refused.
#[tokio::test]
async fn a_forms_address_opened_as_a_page_leads_back_to_its_page() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("again@example.org").await;
        for (path, to) in [
            ("/plan/preview", "/plan/new"),
            ("/switch/preview", "/switch"),
            ("/switch/start", "/today"),
            ("/plan/resume", "/today"),
            ("/today/dose", "/today"),
        ] {
            let page = b.get(path).await;
            assert_eq!((page.status, page.location.as_deref()), (StatusCode::SEE_OTHER, Some(to)), "{path}");
        }
        // Another method is refused (by the CSRF guard first, as any form without its token).
        let put = b.client.put(format!("{}/plan/preview", b.base)).send().await.unwrap();
        assert!(put.status().is_client_error() && put.headers().get("location").is_none(), "{}", put.status());
        app
    })
    .await;
}

/// Issue 21: a caseload reads what was kept of each person's check-ins (a reading, one row a
/// person), not two years of them. Its flags equal those read from scratch whether the kept
/// reading is stale (check-ins written after it: read afresh, nothing written) or current (kept
/// by the sweep or a form's save), after every kind of write: new check-ins, an edited one.
#[tokio::test]
async fn the_caseload_reads_kept_readings_equal_to_a_reading_from_scratch() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        let (user, _) = raised_past_the_refresh(&app, &b, "kept@example.org").await;
        let state = taper_server::AppState::build(app.store.clone(), 1, std::time::Duration::from_secs(1800)).unwrap();
        let now = jiff::Timestamp::now();
        let keys = |r: &taper_server::timeline::Record| r.flags.iter().map(|f| f.key.clone()).collect::<Vec<_>>();
        let flags = |r: &taper_server::timeline::Record| {
            r.flags.iter().map(|f| (f.key.clone(), f.title.clone(), f.data.clone())).collect::<Vec<_>>()
        };
        // Fortnightly PHQ-9s over a year: an item 9 above zero long ago, quiet scores, a retake
        // on the latest day. The caseload reads only the scores its flags need; its flags, each
        // word and figure, are those read from every score.
        for (i, weeks) in (0..26i64).rev().enumerate() {
            let day: jiff::civil::Date = days_ago(weeks * 14 + 1).parse().unwrap();
            let (total, item9) = match i {
                3 => (12, 1),
                25 => (16, 0),
                _ => (3 + u32::try_from(i % 3).unwrap(), 0),
            };
            let mut answers = [0u8; 9];
            answers[8] = item9;
            let at = now.checked_sub(jiff::SignedDuration::from_secs(100 - i64::try_from(i).unwrap())).unwrap();
            app.store.save_questionnaire(user, "phq9", day, &answers, total, Some(item9), None, at).await.unwrap();
        }
        let retake = days_ago(1).parse().unwrap();
        app.store
            .save_questionnaire(user, "phq9", retake, &[2, 2, 2, 2, 2, 2, 1, 1, 1], 15, Some(1), None, now)
            .await
            .unwrap();
        let compare = |state: taper_server::AppState| async move {
            let scratch = taper_server::timeline::record_of(&state, user, now).await.unwrap();
            let caseload = taper_server::timeline::records_of(&state, &[user], now).await.unwrap().remove(0);
            assert_eq!(flags(&caseload), flags(&scratch));
            assert_eq!(caseload.last_checkin, scratch.history.as_ref().unwrap().checkins.last().map(|c| c.date));
            scratch
        };
        // The form's saves kept a reading; the four raised days written to the store since made
        // it stale.
        let kept = app.store.readings_of(&[user]).await.unwrap();
        assert!(kept.get(&user).is_some_and(|k| !k.current), "{kept:?}");
        let before = app.store.test_contents(&[]).await.unwrap();
        let scratch = compare(state.clone()).await;
        assert_eq!(app.store.test_contents(&[]).await.unwrap(), before, "a stale reading is read, not written");
        for kind in ["burden:", "deterioration:phq9:", "item9:"] {
            assert!(keys(&scratch).iter().any(|k| k.starts_with(kind)), "{kind} {:?}", keys(&scratch));
        }

        // Kept by the sweep: current, the same reading as from scratch, the same flags.
        taper_server::readings::sweep(&state, now).await.unwrap();
        let kept = app.store.readings_of(&[user]).await.unwrap().remove(&user).unwrap();
        assert!(kept.current);
        assert_eq!(kept.reading, scratch.history.as_ref().unwrap().analysis.reading());
        compare(state.clone()).await;

        // Today's check-in edited back to quiet: stale again, and read afresh the wave is over.
        let quiet = vec![Some(0); 17];
        let c = taper_store::NewCheckIn {
            date: days_ago(0).parse().unwrap(),
            scores: &quiet,
            burden: 0,
            wellbeing: 8,
            sleep_hours: None,
            note: "",
            own: &[],
        };
        app.store.save_checkin(user, &c, jiff::Timestamp::now()).await.unwrap();
        assert!(!app.store.readings_of(&[user]).await.unwrap()[&user].current);
        compare(state.clone()).await;
        taper_server::readings::sweep(&state, now).await.unwrap();
        assert!(app.store.readings_of(&[user]).await.unwrap()[&user].current);
        compare(state).await;
        app
    })
    .await;
}

/// Issue 21: the check-in form reads the check-ins it lists (fourteen, newest first), not every
/// one with its note opened; an older check-in is still opened from its own address.
#[tokio::test]
async fn the_check_in_form_lists_the_fourteen_newest_check_ins() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("recent@example.org").await;
        for d in (1..=16).rev() {
            assert_eq!(check_in(&b, &days_ago(d), 0, "0").await.status, StatusCode::SEE_OTHER, "{d}");
        }
        let form = b.get("/checkin").await.body;
        let listed = &form[form.find("Recent check-ins").expect("a list of recent check-ins")..];
        let dates: Vec<&str> = listed
            .split("href=\"/checkin?date=")
            .skip(1)
            .map(|rest| &rest[..rest.find('"').expect("a closing quote")])
            .collect();
        let newest: Vec<String> = (1..=14).map(days_ago).collect();
        assert_eq!(dates, newest);
        let oldest = b.get(&format!("/checkin?date={}", days_ago(16))).await.body;
        assert!(oldest.contains("You already checked in for this day"), "{oldest}");
        app
    })
    .await;
}

/// Issue 21: Today is made once and shown again until the person's data change. Writes that
/// did not pass through this server's pages (straight to the store, as another instance or an
/// import would make them) show at the next view: the database raises the person's version.
#[tokio::test]
async fn today_shows_every_write_at_the_next_view_whoever_made_it() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("kept@example.org").await;
        make_plan(&b, &days_ago(3), "14").await;
        let user = app.store.user_by_email("kept@example.org").await.unwrap().unwrap().id;
        let plan = app.store.plans(user).await.unwrap()[0].id;
        let first = b.get("/today").await.body;
        assert!(first.contains("I took it") && first.contains(">Check in</a>"), "{first}");
        assert_eq!(b.get("/today").await.body, first, "shown again as it was");

        let dose = taper_store::NewDose {
            plan,
            date: days_ago(0).parse().unwrap(),
            time: None,
            status: taper_store::DoseStatus::Taken,
            dose_mg: 20.0,
        };
        app.store.record_dose(user, &dose, jiff::Timestamp::now()).await.unwrap();
        let taken = b.get("/today").await.body;
        assert!(taken.contains("taken (marked at"), "a dose recorded elsewhere: {taken}");

        let scores = raised_scores();
        let c = taper_store::NewCheckIn {
            date: days_ago(0).parse().unwrap(),
            scores: &scores,
            burden: 7,
            wellbeing: 6,
            sleep_hours: None,
            note: "",
            own: &[],
        };
        app.store.save_checkin(user, &c, jiff::Timestamp::now()).await.unwrap();
        let checked = b.get("/today").await.body;
        assert!(checked.contains("You have checked in today"), "a check-in saved elsewhere: {checked}");

        // A supporter's suggestion names its plan, not its person: it shows too.
        let clinician = app
            .store
            .create_user(
                &taper_store::NewUser {
                    email: "kept-dr@example.org",
                    display_name: "Dr Lee",
                    password_hash: "$argon2id$x",
                    time_zone: "Europe/London",
                    role: taper_core::role::Role::Clinician,
                    country: None,
                },
                jiff::Timestamp::now(),
            )
            .await
            .unwrap();
        let p = taper_store::NewProposal {
            plan,
            revision: app.store.plan(user, plan).await.unwrap().revisions.last().unwrap().id,
            rule: taper_core::adapt::Origin::Supporter,
            title: "Hold for a week",
            reason: "Talk first",
            details: "{}",
            proposed_by: Some((clinician.id, "Dr Lee")),
        };
        app.store.insert_proposal(user, &p, jiff::Timestamp::now()).await.unwrap();
        let suggested = b.get("/today").await.body;
        assert!(suggested.contains("Dr Lee suggests a change"), "a suggestion made elsewhere: {suggested}");
        app
    })
    .await;
}

/// One write of a property test's sequence.
#[derive(Debug, Clone)]
enum Write {
    /// A check-in `days_ago`, with `raised` items at `level`: through the form (which refreshes
    /// the readings) or straight to the store (which does not).
    CheckIn {
        days_ago: i64,
        raised: usize,
        level: u8,
        form: bool,
    },
    /// A PHQ-9 `days_ago` with this total and item 9.
    Phq9 {
        days_ago: i64,
        total: u32,
        item9: u8,
    },
    /// Holding the plan, or going on, from Today.
    Hold,
    GoOn,
    /// The hourly sweep.
    Sweep,
}

fn writes() -> impl proptest::strategy::Strategy<Value = Vec<Write>> {
    use proptest::prelude::*;
    let write = prop_oneof![
        4 => (0i64..25, 0usize..=17, 0u8..=3, any::<bool>())
            .prop_map(|(days_ago, raised, level, form)| Write::CheckIn { days_ago, raised, level, form }),
        1 => (0i64..25, 0u32..=27, 0u8..=3).prop_map(|(days_ago, total, item9)| Write::Phq9 { days_ago, total, item9 }),
        1 => Just(Write::Hold),
        1 => Just(Write::GoOn),
        1 => Just(Write::Sweep),
    ];
    proptest::collection::vec(write, 1..14)
}

/// Issue 21: after any sequence of writes (check-ins new and replaced, through the form or
/// straight to the store; questionnaires; a hold and going on; sweeps), a kept reading that says
/// it is current is the reading from scratch, and the caseload's flags, read from kept readings,
/// are those read from scratch. SQLite, one person a case on one app.
#[test]
fn kept_readings_equal_a_reading_from_scratch_after_any_writes() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let s = taper_store::scratch::Scratch::sqlite();
    let app = rt.block_on(TestApp::spawn(&s.url));
    let state = taper_server::AppState::build(app.store.clone(), 1, std::time::Duration::from_secs(1800)).unwrap();
    let config = proptest::test_runner::Config { cases: 64, failure_persistence: None, ..Default::default() };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let case = std::sync::atomic::AtomicUsize::new(0);
    let hash = rt.block_on(taper_server::auth::hash_password("correct horse battery".into())).unwrap();
    runner
        .run(&writes(), |writes| {
            let n = case.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            rt.block_on(one_sequence(&app, &state, &hash, n, &writes))
                .map_err(proptest::test_runner::TestCaseError::fail)
        })
        .unwrap();
    rt.block_on(async {
        app.stop().await;
        s.remove().await;
    });
}

async fn one_sequence(
    app: &TestApp,
    state: &taper_server::AppState,
    hash: &str,
    n: usize,
    writes: &[Write],
) -> Result<(), String> {
    // Made in the store and signed in, so many cases (and proptest's shrinking) stay under the
    // sign-up limit per address.
    let email = format!("sequence{n}@example.org");
    let new = taper_store::NewUser {
        email: &email,
        display_name: "Alex",
        password_hash: hash,
        time_zone: "Europe/London",
        role: taper_core::role::Role::Person,
        country: None,
    };
    app.store.create_user(&new, jiff::Timestamp::now()).await.unwrap();
    let b = app.browser();
    assert_eq!(b.sign_in(&email).await.status, StatusCode::SEE_OTHER);
    make_plan(&b, &days_ago(20), "14").await;
    let user = app.store.user_by_email(&email).await.unwrap().unwrap().id;
    for w in writes {
        match *w {
            Write::CheckIn { days_ago: d, raised, level, form: true } => {
                check_in(&b, &days_ago(d), raised, &level.to_string()).await;
            }
            Write::CheckIn { days_ago: d, raised, level, form: false } => {
                let mut scores = vec![None; taper_core::symptoms::CHECKLIST.len()];
                scores[..17].fill(Some(0));
                scores[..raised].fill(Some(level));
                let c = taper_store::NewCheckIn {
                    date: days_ago(d).parse().unwrap(),
                    scores: &scores,
                    burden: u32::try_from(raised).unwrap() * u32::from(level),
                    wellbeing: 6,
                    sleep_hours: Some(7.0),
                    note: "",
                    own: &[],
                };
                app.store.save_checkin(user, &c, jiff::Timestamp::now()).await.unwrap();
            }
            Write::Phq9 { days_ago: d, total, item9 } => {
                let mut answers = [0u8; 9];
                answers[8] = item9;
                let day = days_ago(d).parse().unwrap();
                let now = jiff::Timestamp::now();
                app.store.save_questionnaire(user, "phq9", day, &answers, total, Some(item9), None, now).await.unwrap();
            }
            Write::Hold => {
                b.submit("/today", "/plan/hold", &[]).await;
            }
            Write::GoOn => {
                b.submit("/today", "/plan/resume", &[]).await;
            }
            Write::Sweep => {
                taper_server::readings::sweep(state, jiff::Timestamp::now()).await.unwrap();
            }
        }
        // After every write, not only the last: the caseload keeps each record it made.
        same_as_from_scratch(app, state, user, writes).await?;
    }
    Ok(())
}

/// The caseload's record of `user` (kept or read) against one read from scratch.
async fn same_as_from_scratch(
    app: &TestApp,
    state: &taper_server::AppState,
    user: taper_store::UserId,
    writes: &[Write],
) -> Result<(), String> {
    let now = jiff::Timestamp::now();
    let scratch = taper_server::timeline::record_of(state, user, now).await.unwrap();
    let caseload = taper_server::timeline::records_of(state, &[user], now).await.unwrap().remove(0);
    let flags = |r: &taper_server::timeline::Record| {
        r.flags.iter().map(|f| (f.key.clone(), f.title.clone(), f.data.clone())).collect::<Vec<_>>()
    };
    if flags(&caseload) != flags(&scratch) {
        return Err(format!(
            "caseload flags {:?} != from scratch {:?} after {writes:?}",
            flags(&caseload),
            flags(&scratch)
        ));
    }
    if let Some(kept) = app.store.readings_of(&[user]).await.unwrap().remove(&user)
        && kept.current
    {
        let fresh = scratch.history.as_ref().unwrap().analysis.reading();
        // A kept reading is made from the first change as it was when kept; the flags above
        // compare what each would show. Current and made from the same first change: equal.
        let first = taper_server::timeline::first_change(scratch.course.iter().chain(&scratch.others), scratch.today);
        if kept.first_change == first && kept.reading != fresh {
            return Err(format!("kept {:?} != from scratch {fresh:?} after {writes:?}", kept.reading));
        }
    }
    Ok(())
}
