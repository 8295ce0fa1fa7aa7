//! Route-level tests of the patient app: each runs the real app on a random port against a
//! fresh SQLite database and again against a fresh PostgreSQL database.
#![allow(clippy::unwrap_used)]

mod api;
mod authz;
mod backups;
mod calendar;
mod care;
mod doses;
mod erasure;
mod forms;
mod handoff_pdf;
mod helpers;
mod import;
mod limits;
mod links;
mod logs;
mod mail;
mod pace;
mod readiness;
mod reads;
mod regimen;
mod reinstate;
mod reminders;
mod safety;
mod sharing;
mod supply;
mod switch;

use helpers::{Browser, TestApp, on_both, on_sqlite};
use jiff::ToSpan as _;
use jiff::civil::Date;
use reqwest::StatusCode;

pub fn london_today() -> Date {
    jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::get("Europe/London").unwrap()).date()
}

/// A fixed-offset time zone where it is now `hour` o'clock, and the date there: a test that
/// records doses by the time of day (a dose is recorded from an hour before its time) is the same
/// whenever it runs.
pub fn zone_at(hour: i32) -> (String, Date) {
    let now = jiff::Timestamp::now();
    let utc = now.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let mut offset = (hour - i32::from(utc.hour())).rem_euclid(24);
    if offset > 14 {
        offset -= 24;
    }
    // The tz database's Etc zones count the other way: Etc/GMT-2 is two hours ahead of UTC.
    let name = match offset {
        0 => "Etc/GMT".to_string(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    };
    let date = now.to_zoned_datetime(jiff::tz::TimeZone::get(&name).unwrap()).date();
    (name, date)
}

pub fn days_ago(n: i64) -> String {
    london_today().checked_sub(n.days()).unwrap().to_string()
}

const CHECKLIST_KEYS: [&str; 17] = [
    "dizziness",
    "shocks",
    "nausea",
    "headache",
    "aches",
    "tremor",
    "sweating",
    "tingling",
    "anxiety",
    "low_mood",
    "irritability",
    "mood_swings",
    "concentration",
    "fog",
    "unreal",
    "insomnia",
    "dreams",
];

/// A whole check-in for `date`: every item at 1, wellbeing 5, and `note`.
pub async fn check_in_with_note(b: &Browser, date: &str, note: &str) -> helpers::Page {
    let names: Vec<String> = CHECKLIST_KEYS.iter().map(|k| format!("s_{k}")).collect();
    let mut form: Vec<(&str, &str)> = vec![("date", date), ("wellbeing", "5"), ("sleep_hours", "7"), ("note", note)];
    form.extend(names.iter().map(|n| (n.as_str(), "1")));
    b.submit("/checkin", "/checkin", &form).await
}

/// The withdrawal-or-return aid answered (an episode that leans to withdrawal), with `note`.
pub async fn assess(b: &Browser, note: &str) -> helpers::Page {
    let form = [
        ("onset", "days"),
        ("new_symptoms", "yes"),
        ("physical", "yes"),
        ("like_original", "no"),
        ("reinstatement", "not_tried"),
        ("note", note),
    ];
    b.submit("/assess", "/assess", &form).await
}

/// A check-in whose first `raised` items are at `level`, the rest 0.
pub async fn check_in(b: &Browser, date: &str, raised: usize, level: &str) -> helpers::Page {
    let names: Vec<String> = CHECKLIST_KEYS.iter().map(|k| format!("s_{k}")).collect();
    let mut form: Vec<(&str, &str)> = vec![("date", date), ("wellbeing", "6"), ("sleep_hours", "7"), ("note", "")];
    for (i, n) in names.iter().enumerate() {
        form.push((n.as_str(), if i < raised { level } else { "0" }));
    }
    b.submit("/checkin", "/checkin", &form).await
}

pub async fn make_plan(b: &Browser, start: &str, every: &str) -> helpers::Page {
    b.submit(
        "/plan/new?drug=citalopram",
        "/plan",
        &[
            ("drug", "citalopram"),
            ("dose_as", "tablets"),
            ("dose", "20"),
            ("strategy", "hyperbolic"),
            ("step", "10"),
            ("every", every),
            ("start_date", start),
            ("syringe", "0.1"),
            ("products", "citalopram-tab-20mg"),
            ("products", "citalopram-oral-drops-40mg-ml"),
            // The worlds tests start from began in the past (walk-through N4 asks for this).
            ("confirm_past_start", "yes"),
        ],
    )
    .await
}

/// The world several tests start from: a citalopram plan that began 17 days ago with a step
/// every 14 days (the first cut 3 days ago), seven quiet check-ins before the cut and four raised
/// ones after it (7 points against a baseline of 2: raised, not severe), so Progress has made a
/// hold proposal. Returns the person's id, plan and proposal.
pub struct Rising {
    pub user: taper_store::UserId,
    pub plan: taper_store::PlanId,
    pub proposal: taper_store::ProposalId,
}

pub async fn rising_after_a_step(app: &TestApp, b: &Browser, email: &str) -> Rising {
    b.sign_up(email).await;
    make_plan(b, &days_ago(17), "14").await;
    for d in (4..=10).rev() {
        assert_eq!(check_in(b, &days_ago(d), 2, "1").await.status, StatusCode::SEE_OTHER);
    }
    for d in (0..=3).rev() {
        check_in(b, &days_ago(d), 7, "1").await;
    }
    b.get("/progress").await;
    let user = app.store.user_by_email(email).await.unwrap().unwrap().id;
    let plan = app.store.plans(user).await.unwrap()[0].id;
    let proposal = app.store.proposals(user, plan).await.unwrap()[0].id;
    Rising { user, plan, proposal }
}

#[tokio::test]
async fn sign_up_sign_in_sign_out_with_a_new_session_id_at_sign_in() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        assert_eq!(b.get("/today").await.location.as_deref(), Some("/login"));
        let p = b.sign_up("alex@example.org").await;
        assert_eq!(p.location.as_deref(), Some("/plan/new"));
        assert!(b.get("/today").await.has("You have no plan yet"));

        let out = b.submit("/today", "/logout", &[]).await;
        assert_eq!(out.location.as_deref(), Some("/login"));
        assert_eq!(b.get("/today").await.location.as_deref(), Some("/login"), "signed out means signed out");

        let login = b.get("/login").await;
        let wrong = b
            .post_raw(
                "/login",
                &[("csrf", &login.csrf()), ("email", "alex@example.org"), ("password", "not the one!!")],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::OK);
        assert!(wrong.has("do not match an account"));
        assert!(wrong.has("value=\"alex@example.org\""), "the e-mail typed is kept");

        let before = b.client.get(format!("{}/login", b.base)).send().await.unwrap();
        let anon = cookie(&before);
        let token = helpers_csrf(before.text().await.unwrap());
        let ok = b
            .client
            .post(format!("{}/login", b.base))
            .form(&[("csrf", token.as_str()), ("email", "ALEX@example.org "), ("password", "correct horse battery")])
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), StatusCode::SEE_OTHER);
        let sets: Vec<String> =
            ok.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
        let set = sets.iter().find(|c| c.starts_with("taper=")).expect("a session cookie").clone();
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"), "{set}");
        // The sign-in form's token (a cookie, not a session) is taken away at sign-in.
        assert!(anon.as_deref().is_none_or(|c| c.starts_with("taper-form=")), "no session before sign-in: {anon:?}");
        assert!(sets.iter().any(|c| c.starts_with("taper-form=;") && c.contains("Max-Age=0")), "{sets:?}");
        let new_id = set.split(';').next().unwrap().to_string();
        assert_ne!(Some(new_id), anon, "the session id changes at sign-in");
        assert!(b.get("/today").await.has("Today"));
        app
    })
    .await;
}

fn cookie(r: &reqwest::Response) -> Option<String> {
    r.headers().get("set-cookie").and_then(|v| v.to_str().ok()).map(|s| s.split(';').next().unwrap_or("").to_string())
}

fn helpers_csrf(body: String) -> String {
    helpers::Page { status: StatusCode::OK, location: None, body }.csrf()
}

#[tokio::test]
async fn sign_up_mistakes_are_named_and_what_was_typed_is_kept() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        let p = b
            .submit(
                "/signup",
                "/signup",
                &[
                    ("email", "not-an-address"),
                    ("display_name", "Robin"),
                    ("password", "short"),
                    ("confirm", "short"),
                    ("time_zone", "Mars/Olympus"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.has("Enter an e-mail address like"));
        assert!(p.has("Use at least 12 characters (you typed 5)"));
        assert!(p.has("Choose your time zone"));
        assert!(p.has("value=\"Robin\""));
        b.sign_up("robin@example.org").await;
        let other = app.browser();
        let dup = other
            .submit(
                "/signup",
                "/signup",
                &[
                    ("email", "Robin@Example.org"),
                    ("display_name", "R"),
                    ("role", "person"),
                    ("password", "another long password"),
                    ("confirm", "another long password"),
                    ("time_zone", "UTC"),
                ],
            )
            .await;
        assert!(dup.has("An account with this e-mail address exists"));
        // The password is never sent back; the page says to type it again (a walk lost it unsaid).
        assert!(dup.has("Type your password again") && !dup.has("another long password"));
        app
    })
    .await;
}

#[tokio::test]
async fn forms_without_the_sessions_csrf_token_are_refused_and_change_nothing() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("c@example.org").await;
        for (path, form) in [
            ("/checkin", vec![("date", days_ago(0)), ("wellbeing", "5".into())]),
            ("/logout", vec![]),
            ("/account/delete", vec![("password", "correct horse battery".into()), ("confirm", "yes".into())]),
        ] {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let no_token = b.post_raw(path, &form).await;
            assert_eq!(no_token.status, StatusCode::FORBIDDEN, "{path}");
            let mut forged = form.clone();
            forged.push(("csrf", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
            assert_eq!(b.post_raw(path, &forged).await.status, StatusCode::FORBIDDEN, "{path}");
        }
        let user = app.store.user_by_email("c@example.org").await.unwrap().unwrap();
        assert!(app.store.checkins(user.id).await.unwrap().is_empty());
        assert!(b.get("/today").await.has("Today"), "still signed in");
        app
    })
    .await;
}

#[tokio::test]
async fn a_plan_is_previewed_saved_and_today_says_what_to_take_and_how() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("p@example.org").await;
        let form = b.get("/plan/new?drug=citalopram").await;
        assert!(form.has("oral drops 40 mg/mL"), "the drug's products are offered");

        // Bad input: every problem named, what was typed kept, nothing saved.
        let bad = b
            .submit(
                "/plan/new?drug=citalopram",
                "/plan/preview",
                &[
                    ("drug", "citalopram"),
                    ("dose_as", "tablets"),
                    ("dose", "twenty"),
                    ("strategy", "hyperbolic"),
                    ("step", "0"),
                    ("every", "0"),
                    ("start_date", "soon"),
                    ("syringe", "0.1"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        for msg in [
            "Enter your current daily dose",
            "Enter the step as a number above 0",
            "number of days between steps",
            "YYYY-MM-DD",
            "Tick at least one product",
        ] {
            assert!(bad.has(msg), "missing '{msg}'");
        }
        assert!(bad.has("value=\"twenty\""));
        let user = app.store.user_by_email("p@example.org").await.unwrap().unwrap();
        assert!(app.store.plans(user.id).await.unwrap().is_empty());

        let preview = b
            .submit(
                "/plan/new?drug=citalopram",
                "/plan/preview",
                &[
                    ("drug", "citalopram"),
                    ("dose_as", "tablets"),
                    ("dose", "20"),
                    ("strategy", "hyperbolic"),
                    ("step", "10"),
                    ("every", "28"),
                    ("start_date", &days_ago(0)),
                    ("syringe", "0.1"),
                    ("products", "citalopram-oral-drops-40mg-ml"),
                ],
            )
            .await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
        assert!(preview.has("<svg"), "the chart is drawn");
        assert!(preview.has("11.67 mg"), "the first hyperbolic target (70 % occupancy) is listed");
        assert!(app.store.plans(user.id).await.unwrap().is_empty(), "a preview saves nothing");

        assert_eq!(make_plan(&b, &days_ago(0), "28").await.location.as_deref(), Some("/today?saved=plan"));
        assert!(b.get("/today?saved=plan").await.has("Your plan is saved."), "the save is said");
        let today = b.get("/today").await;
        assert!(today.has("id=\"today-dose\">20 mg<"), "{}", today.body);
        assert!(today.has("<p class=\"instruction\">1 × 20 mg tablet</p>"), "{}", today.body);

        let taken = b.submit("/today", "/today/dose", &[("status", "taken")]).await;
        assert_eq!(taken.status, StatusCode::SEE_OTHER);
        let recorded = b.get("/today").await;
        assert!(recorded.has("Recorded: taken (marked at"));
        // How to put it right, as a day in parts says (a walk: only those said it).
        assert!(recorded.has("Recorded wrongly? Press the right button below to correct it."));
        b.submit("/today", "/today/dose", &[("status", "missed")]).await;
        let missed = b.get("/today").await;
        assert!(missed.has("Recorded: missed"));
        assert!(missed.has("Do not take extra"), "never suggests doubling up");
        let doses = app.store.doses(user.id).await.unwrap();
        assert_eq!(doses.len(), 1, "one record per day, corrected in place");
        assert!(b.get("/plan").await.has("Revision 1"));
        app
    })
    .await;
}

#[tokio::test]
async fn a_rise_after_a_step_brings_a_hold_proposal_and_accepting_adds_a_revision() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        let Rising { user, plan, proposal } = rising_after_a_step(&app, &b, "w@example.org").await;
        let progress = b.get("/progress").await;
        assert!(progress.has("Consider holding at"), "{}", progress.body);
        assert!(progress.has("Horowitz MA, Taylor D"), "the source is named");
        assert!(progress.has("Dose changed on"), "the data behind it are shown");
        // With the day they are from (a walk read a suggestion's "latest check-in" beside a newer one).
        let from = format!("The data behind it, on {} when it was suggested", london_today());
        assert!(progress.has(&from), "{}", progress.body);
        // Today's next planned change says the suggestion may change it (a walk read it above the
        // advice to hold as if it still stood).
        let today = b.get("/today").await;
        assert!(today.has("unless you accept the suggestion above."), "{}", today.body);
        assert!(progress.has("1 wave"), "{}", progress.body);
        assert!(progress.has("<svg"));
        // The same chart is drawn for supporters: its legend speaks to neither (walkthrough minor 14).
        assert!(progress.has("baseline (usual level)"), "{}", progress.body);

        // Seeing the page again does not make a second proposal.
        b.get("/progress").await;
        assert_eq!(app.store.proposals(user, plan).await.unwrap().len(), 1);

        let path = format!("/proposals/{proposal}/accept");
        let accepted = b.submit("/progress", &path, &[]).await;
        assert!(accepted.location.as_deref().is_some_and(|l| l.starts_with("/progress?done=accepted&plan=")));
        let revs = app.store.plan(user, plan).await.unwrap().revisions;
        assert_eq!(revs.len(), 2);
        assert!(revs[1].hold && revs[1].reason.starts_with("Hold at"));
        assert_eq!(revs[1].proposal, Some(proposal));
        assert!(b.get("/today").await.has("You are holding at this dose"));
        let page = b.get("/plan").await;
        assert!(page.has("Revision 2") && page.has("Revision 1"), "the full history stays visible");
        assert_eq!(b.submit("/progress", &path, &[]).await.status, StatusCode::CONFLICT, "no double accept");
        app
    })
    .await;
}

#[tokio::test]
async fn a_person_can_reach_only_their_own_records() {
    on_both(|app: TestApp| async move {
        let a = app.browser();
        let Rising { user: ua, plan, proposal } = rising_after_a_step(&app, &a, "a@example.org").await;

        let b = app.browser();
        b.sign_up("b@example.org").await;
        let accept = b.submit("/today", &format!("/proposals/{proposal}/accept"), &[]).await;
        assert_eq!(accept.status, StatusCode::NOT_FOUND);
        let decline = b.submit("/today", &format!("/proposals/{proposal}/decline"), &[]).await;
        assert_eq!(decline.status, StatusCode::NOT_FOUND);
        assert_eq!(app.store.plan(ua, plan).await.unwrap().revisions.len(), 1);
        for path in ["/today", "/plan", "/progress", "/account/export.json", "/checkin"] {
            let page = b.get(path).await;
            assert!(!page.has("a@example.org") && !page.has("citalopram") && !page.has("Citalopram"), "{path}");
        }
        assert!(b.get(&format!("/checkin?date={}", days_ago(1))).await.has("value=\"\""), "no one else's answers");
        app
    })
    .await;
}

#[tokio::test]
async fn check_in_mistakes_are_named_kept_and_nothing_is_lost() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("k@example.org").await;
        assert_eq!(check_in(&b, &days_ago(0), 2, "3").await.status, StatusCode::SEE_OTHER);
        let token = b.get("/checkin").await.csrf();
        let tomorrow = london_today().checked_add(1.days()).unwrap().to_string();
        let bad = b
            .post_raw(
                "/checkin",
                &[
                    ("csrf", &token),
                    ("date", &tomorrow),
                    ("wellbeing", "11"),
                    ("sleep_hours", "30"),
                    ("s_dizziness", "7"),
                    ("note", "kept"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        for msg in [
            "has not happened yet",
            "from 0 (worst) to 10",
            "between 0 and 24",
            "Dizziness or light-headedness: 7 is not one of the answers",
        ] {
            assert!(bad.has(msg), "missing '{msg}'");
        }
        assert!(bad.has(">kept</textarea>") && bad.has("value=\"11\""), "what was typed is kept");
        let u = app.store.user_by_email("k@example.org").await.unwrap().unwrap();
        let saved = app.store.checkins(u.id).await.unwrap();
        assert_eq!((saved.len(), saved[0].burden), (1, 6), "the earlier check-in is untouched");
        // Editing today's entry replaces it.
        check_in(&b, &days_ago(0), 1, "1").await;
        assert_eq!(app.store.checkins(u.id).await.unwrap()[0].burden, 1);
        assert!(b.get("/checkin").await.has("You already checked in for this day"));
        app
    })
    .await;
}

#[tokio::test]
async fn everything_can_be_downloaded_and_the_account_deleted() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("d@example.org").await;
        make_plan(&b, &days_ago(0), "28").await;
        check_in(&b, &days_ago(1), 2, "2").await;
        b.submit("/today", "/today/dose", &[("status", "taken"), ("read_new_way", "yes")]).await;

        let json = b.client.get(format!("{}/account/export.json", b.base)).send().await.unwrap();
        assert!(json.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
        let v: serde_json::Value = serde_json::from_str(&json.text().await.unwrap()).unwrap();
        assert_eq!(v["account"]["email"], "d@example.org");
        assert_eq!(v["checkins"][0]["burden"].as_f64(), Some(4.0));
        assert_eq!(v["checkins"][0]["scores"].as_array().unwrap().len(), v["checklist"].as_array().unwrap().len());
        assert_eq!(v["plans"][0]["revisions"][0]["settings"]["drug"], "citalopram");
        assert_eq!(v["doses"][0]["status"], "taken");
        assert_eq!((v["doses"][0]["plan"].as_u64(), v["doses"][0]["drug"].as_str()), (Some(0), Some("citalopram")));

        let csv = b.get("/account/export.csv").await.body;
        let mut lines = csv.lines();
        assert!(lines.next().unwrap().starts_with("date,doses,burden,wellbeing,sleep_hours,dizziness"));
        assert!(lines.next().unwrap().starts_with(&format!("{},,4,6,7,2,2,0", days_ago(1))));
        assert!(lines.next().unwrap().starts_with(&format!("{},citalopram 20 mg taken,", days_ago(0))), "{csv}");

        let wrong =
            b.submit("/account", "/account/delete", &[("password", "not my password"), ("confirm", "yes")]).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(app.store.user_by_email("d@example.org").await.unwrap().is_some(), "nothing deleted");
        let gone =
            b.submit("/account", "/account/delete", &[("password", "correct horse battery"), ("confirm", "yes")]).await;
        assert!(gone.has("Your account has been deleted"));
        assert!(app.store.user_by_email("d@example.org").await.unwrap().is_none());
        assert_eq!(b.get("/today").await.location.as_deref(), Some("/login"));
        app
    })
    .await;
}

#[tokio::test]
async fn learning_and_crisis_pages_are_open_to_everyone_and_crisis_is_one_tap_away() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        let crisis = b.get("/crisis").await;
        assert!(crisis.has("href=\"tel:116123\"") && crisis.has("href=\"tel:988\"") && crisis.has("13 11 14"));
        let drug = b.get("/learn/sertraline").await;
        assert!(drug.has("half-life") && drug.has("Sertraline"));
        assert!(b.get("/learn/diazepam").await.has("seizures"));
        // Walk-through N16: source names were cut at a decimal point ("(Clonazepam 0)").
        let clonazepam = b.get("/learn/clonazepam").await;
        assert!(
            !clonazepam.has("(Clonazepam 0)") && clonazepam.has("Clonazepam 0.5 mg/5 mL and 2 mg/5 mL oral solution")
        );
        assert!(clonazepam.has("0.25 mg orally disintegrating tablet"), "N12");
        let glossary = b.get("/learn/glossary").await;
        for term in [
            "Tolerance",
            "Tachyphylaxis",
            "Protracted withdrawal",
            "Kindling",
            "Tolerance withdrawal",
            "Dependence",
            "Addiction",
            "Misuse",
        ] {
            assert!(glossary.has(&format!(">{term}</dt>")), "{term}");
        }
        assert_eq!(b.get("/learn/nothing").await.status, StatusCode::NOT_FOUND);
        b.sign_up("e@example.org").await;
        for path in
            ["/", "/today", "/checkin", "/progress", "/plan", "/plan/new", "/learn", "/account", "/crisis", "/nowhere"]
        {
            let p = b.get(path).await;
            let page = if p.status == StatusCode::SEE_OTHER { b.get(p.location.as_deref().unwrap()).await } else { p };
            assert!(page.has("href=\"/crisis\""), "{path} has no crisis link");
        }
        app
    })
    .await;
}

/// Security probe, low findings: NUL characters get a clear 400 on both backends (they were a
/// 500 on PostgreSQL, one of them anonymous) and nothing is saved; the CSRF token seen before
/// signing in is worthless after it; HSTS is sent when --secure-cookies says TLS is in front.
#[tokio::test]
async fn nul_characters_are_refused_clearly_and_the_csrf_token_changes_at_sign_in() {
    on_both(|app: TestApp| async move {
        let anon = app.browser();
        let refused = anon
            .submit(
                "/signup",
                "/signup",
                &[
                    ("email", "a\0b@example.org"),
                    ("display_name", "N"),
                    ("password", "correct horse battery"),
                    ("confirm", "correct horse battery"),
                    ("role", "person"),
                    ("time_zone", "Europe/London"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(
            refused.has("The field &#34;email&#34; contains a NUL character")
                || refused.has("contains a NUL character")
        );
        assert!(app.store.user_by_email("ab@example.org").await.unwrap().is_none());

        let b = app.browser();
        let before = b.get("/login").await.csrf();
        b.sign_up("n@example.org").await;
        let after = b.get("/today").await.csrf();
        assert_ne!(before, after, "a new token once signed in");
        let stale = b.post_raw("/logout", &[("csrf", &before)]).await;
        assert_eq!(stale.status, StatusCode::FORBIDDEN, "the pre-sign-in token no longer works");

        let note =
            b.submit("/checkin", "/checkin", &[("date", &days_ago(0)), ("wellbeing", "5"), ("note", "x\0y")]).await;
        assert_eq!(note.status, StatusCode::BAD_REQUEST);
        let id = app.store.user_by_email("n@example.org").await.unwrap().unwrap().id;
        assert!(app.store.checkins(id).await.unwrap().is_empty(), "nothing saved");
        app
    })
    .await;
}

#[tokio::test]
async fn strict_transport_security_is_sent_only_behind_tls() {
    let s = taper_store::scratch::Scratch::sqlite();
    let store = taper_store::Store::connect(&s.url).await.unwrap();
    for (secure, expected) in [(true, Some("max-age=31536000")), (false, None)] {
        let state = taper_server::AppState::new(store.clone()).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, taper_server::app(state, secure)).await;
        });
        let r = reqwest::get(format!("http://{addr}/health")).await.unwrap();
        let hsts = r.headers().get("strict-transport-security").map(|v| v.to_str().unwrap().to_string());
        assert_eq!(hsts.as_deref(), expected, "secure cookies: {secure}");
        server.abort();
    }
    store.close().await;
    s.remove().await;
}

/// Security probe M4: the idle timeout was counted from sign-in (the session was never saved
/// again), so people active for half an hour lost what they typed. It now slides with activity.
/// Here with a 4-second idle timeout: active for 7 s, still signed in; 6 s idle, signed out.
#[tokio::test]
async fn the_idle_timeout_slides_with_activity_and_ends_an_idle_session() {
    let s = taper_store::scratch::Scratch::sqlite();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let app = TestApp::spawn_with(&s.url, cores, std::time::Duration::from_secs(4)).await;
    let b = app.browser();
    b.sign_up("idle@example.org").await;
    for _ in 0..5 {
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        let page = b.get("/today").await;
        assert_eq!(page.status, StatusCode::OK, "active, so still signed in");
    }
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    assert_eq!(b.get("/today").await.location.as_deref(), Some("/login"), "idle too long");
    app.stop().await;
    s.remove().await;
}

/// Security probe M2: 100 failures locked the owner out, with no per-address limit. Now each
/// attempt after the free ten in an hour makes the next wait twice as long (capped), counted in
/// the database; the owner with the right password gets in once the short wait is over, and
/// every refusal says how long to wait (429 with Retry-After).
#[tokio::test]
async fn wrong_passwords_slow_down_a_guesser_without_locking_out_the_owner() {
    on_both(|app: TestApp| async move {
        let owner = app.browser();
        owner.sign_up("owner@example.org").await;
        owner.submit("/today", "/logout", &[]).await;
        let guesser = app.browser();
        for i in 0..11 {
            let r = guesser
                .submit("/login", "/login", &[("email", "owner@example.org"), ("password", "guess guess guess")])
                .await;
            assert!(r.has("do not match an account"), "attempt {i}: {}", r.body);
        }
        let slowed = guesser
            .submit("/login", "/login", &[("email", "OWNER@example.org"), ("password", "guess guess guess")])
            .await;
        assert_eq!(slowed.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(slowed.has("please wait 1 seconds") || slowed.has("please wait"), "{}", slowed.body);
        // The wait is over in a second; the owner signs in and their count starts again.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let back = owner.sign_in("owner@example.org").await;
        assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
        app
    })
    .await;
}

/// Issue 19, M2 and M1: a guesser sending wrong passwords for the owner's address from another
/// browser is slowed, while the owner's own browser (it signed in before: its device cookie) is
/// judged on its own counter and gets straight in. A guesser trying many addresses from one
/// address is refused per address first, so refused attempts add no rows.
#[tokio::test]
async fn a_guesser_cannot_keep_the_owner_out_of_a_browser_that_signed_in_before() {
    on_both(|app: TestApp| async move {
        let owner = app.browser();
        owner.sign_up("owner@example.org").await;
        owner.submit("/today", "/logout", &[]).await;
        let guesser = app.browser();
        let wrong = [("email", "owner@example.org"), ("password", "guess guess guess")];
        for _ in 0..10 {
            assert!(guesser.submit("/login", "/login", &wrong).await.has("do not match"));
        }
        // A patient guesser has pushed the account's wait to its cap (as one guess every 15
        // minutes would keep it there).
        let account = format!("signin:account:{}", taper_server::throttle::account_key("owner@example.org"));
        for _ in 0..12 {
            let cap = jiff::SignedDuration::from_mins(15);
            app.store
                .throttle_attempt(&account, jiff::Timestamp::now(), 10, jiff::SignedDuration::from_hours(1), cap)
                .await
                .unwrap();
        }
        let slowed = guesser.submit("/login", "/login", &wrong).await;
        assert_eq!(slowed.status, StatusCode::TOO_MANY_REQUESTS);
        let right = [("email", "owner@example.org"), ("password", "correct horse battery")];
        // A browser that never signed in to this account waits with the guesser.
        let stranger = app.browser();
        assert_eq!(stranger.submit("/login", "/login", &right).await.status, StatusCode::TOO_MANY_REQUESTS);
        // The owner's own browser is judged on its own counter and gets straight in.
        let back = owner.submit("/login", "/login", &right).await;
        assert_eq!(back.status, StatusCode::SEE_OTHER, "the owner's browser gets in at once: {}", back.body);

        // Many addresses tried from one client address: after the address's free 50 (less the
        // 18 above), every further attempt is refused before any account is counted.
        let rows = app.store.throttle_rows().await.unwrap();
        let sprayer = app.browser();
        let mut tried = 0;
        for i in 0..60 {
            let email = format!("nobody{i}@example.org");
            let r = sprayer.submit("/login", "/login", &[("email", &email), ("password", "guess guess guess")]).await;
            if r.status != StatusCode::TOO_MANY_REQUESTS {
                tried += 1;
            }
        }
        assert!(tried < 60, "the address limit was reached");
        let added = app.store.throttle_rows().await.unwrap() - rows;
        assert!(added <= tried, "one row per counted account at most: {added} rows for {tried} counted");
        app
    })
    .await;
}

/// Walk-through N13: about 50 sign-ins an hour from one address (a clinic behind one NAT) made
/// every right password wait minutes. Only wrong passwords are counted now: 60 people signing in
/// from one address with their right passwords, each from a new browser, all get in.
#[tokio::test]
async fn right_passwords_from_one_busy_address_are_never_slowed() {
    on_sqlite(2, |app: TestApp| async move {
        let ward = app.browser();
        ward.sign_up("ward@example.org").await;
        for i in 0..60 {
            let browser = app.browser();
            let form = [("email", "ward@example.org"), ("password", "correct horse battery")];
            let r = browser.submit("/login", "/login", &form).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "sign-in {i}: {}", r.body);
        }
        assert_eq!(app.store.throttle_rows().await.unwrap(), 1, "only the sign-up is counted, no right password");
        app
    })
    .await;
}

/// Issue 19, N3: 32 forms sent at once by one account, far under its limit, are all let
/// through (the throttle refused 7 of 32 when a later request committed first).
#[tokio::test]
async fn concurrent_forms_under_the_limit_are_never_refused() {
    on_both(|app: TestApp| async move {
        let sam = app.browser();
        sam.sign_up("many@example.org").await;
        let token = sam.get("/account").await.csrf();
        let tasks: Vec<_> = (0..32)
            .map(|i| {
                let client = sam.client.clone();
                let url = format!("{}/account/time-zone", sam.base);
                let token = token.clone();
                let zone = if i % 2 == 0 { "Europe/London" } else { "Europe/Dublin" };
                tokio::spawn(async move {
                    client
                        .post(url)
                        .form(&[("csrf", token.as_str()), ("time_zone", zone)])
                        .send()
                        .await
                        .unwrap()
                        .status()
                })
            })
            .collect();
        let mut refused = 0;
        for t in tasks {
            let status = t.await.unwrap();
            assert!(status.is_redirection() || status == StatusCode::TOO_MANY_REQUESTS, "{status}");
            if status == StatusCode::TOO_MANY_REQUESTS {
                refused += 1;
            }
        }
        assert_eq!(refused, 0, "refused under the limit");
        app
    })
    .await;
}

/// Issue 12, harness (3): two `taper serve` instances on one PostgreSQL database share sessions
/// and throttles — a person signed in on one is signed in on the other, and wrong passwords sent
/// to both count together.
#[tokio::test]
async fn two_instances_on_one_postgresql_share_sessions_and_throttles() {
    let p = match taper_store::scratch::Scratch::postgres().await {
        Ok(p) => p,
        Err(e) if taper_store::scratch::postgres_required() => panic!("no PostgreSQL ({e}); CI needs one"),
        Err(e) => return eprintln!("\n!!! SKIPPED: no PostgreSQL ({e}) !!!\n"),
    };
    let key = taper_store::seal::Key::generate();
    let half_hour = std::time::Duration::from_secs(1800);
    let a = TestApp::spawn_keyed(&p.url, 2, half_hour, &key).await;
    let b = TestApp::spawn_keyed(&p.url, 2, half_hour, &key).await;
    let on_a = a.browser();
    on_a.sign_up("both@example.org").await;
    // The same browser (cookie jar) asks the other instance.
    let on_b = helpers::Browser { base: b.base.clone(), client: on_a.client.clone() };
    assert_eq!(on_b.get("/today").await.status, StatusCode::OK, "signed in on both");
    on_b.submit("/today", "/logout", &[]).await;
    assert_eq!(on_a.get("/today").await.location.as_deref(), Some("/login"), "signed out on both");

    // Six wrong passwords on each instance: the twelfth attempt overall is the one slowed.
    let (ga, gb) = (a.browser(), b.browser());
    let wrong = [("email", "both@example.org"), ("password", "guess guess guess")];
    for _ in 0..5 {
        assert!(ga.submit("/login", "/login", &wrong).await.has("do not match"));
        assert!(gb.submit("/login", "/login", &wrong).await.has("do not match"));
    }
    assert!(ga.submit("/login", "/login", &wrong).await.has("do not match"), "the eleventh is let through");
    assert_eq!(gb.submit("/login", "/login", &wrong).await.status, StatusCode::TOO_MANY_REQUESTS);
    a.stop().await;
    b.stop().await;
    p.remove().await;
}

/// Security probe, low: no password change and no "sign out everywhere"; session ids stored as
/// they were. Account now lists the browsers signed in, signs the others out, and changes the
/// password (which signs the others out too); the table holds only hashes of session ids.
#[tokio::test]
async fn account_lists_sessions_signs_out_others_and_changes_the_password() {
    on_both(|app: TestApp| async move {
        let here = app.browser();
        here.sign_up("pw@example.org").await;
        // Walk-through N17: each place is named by its browser and system.
        let firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(firefox)
            .build()
            .unwrap();
        let there = helpers::Browser { base: app.base.clone(), client };
        let signed = there.sign_in("pw@example.org").await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER);
        let account = here.get("/account").await;
        assert_eq!(account.body.matches(": signed in ").count(), 2, "{}", account.body);
        assert!(account.has("<li>Firefox on Windows: signed in"), "{}", account.body);
        assert!(account.has("this browser"));
        let id = app.store.user_by_email("pw@example.org").await.unwrap().unwrap().id;
        let stored = app.store.sessions_of_user(id, jiff::Timestamp::now()).await.unwrap();
        assert_eq!(stored.len(), 2);
        for (key, _, _) in &stored {
            assert!(key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()), "stored as a hash: {key}");
        }
        let out = here.submit("/account", "/account/sign-out-others", &[]).await;
        assert!(out.has("Signed out 1 other browser."));
        assert_eq!(there.get("/today").await.location.as_deref(), Some("/login"));
        assert_eq!(here.get("/today").await.status, StatusCode::OK, "this browser stays signed in");

        let wrong = here
            .submit(
                "/account",
                "/account/password",
                &[("current", "nope"), ("new", "a brand new river"), ("confirm", "a brand new river")],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.has("current password is not right"));
        let short = here
            .submit(
                "/account",
                "/account/password",
                &[("current", "correct horse battery"), ("new", "short"), ("confirm", "short")],
            )
            .await;
        assert!(short.has("New password:"));
        there.sign_in("pw@example.org").await;
        let pw_id = app.store.user_by_email("pw@example.org").await.unwrap().unwrap().id;
        let ids_before: Vec<String> =
            app.store.sessions_of_user(pw_id, jiff::Timestamp::now()).await.unwrap().into_iter().map(|s| s.0).collect();
        let changed = here
            .submit(
                "/account",
                "/account/password",
                &[("current", "correct horse battery"), ("new", "a brand new river"), ("confirm", "a brand new river")],
            )
            .await;
        assert!(changed.has("Password changed"), "{}", changed.body);
        // This browser stays signed in, under a session id it did not have before (I2).
        let after = app.store.sessions_of_user(pw_id, jiff::Timestamp::now()).await.unwrap();
        assert_eq!(after.len(), 1, "only this browser's session");
        assert!(!ids_before.contains(&after[0].0), "the session id changed with the password");
        assert_eq!(here.get("/today").await.status, StatusCode::OK);
        assert_eq!(there.get("/today").await.location.as_deref(), Some("/login"), "others signed out");
        let old = app.browser();
        let refused = old.sign_in("pw@example.org").await;
        assert!(refused.has("do not match"));
        let new = app.browser();
        let ok =
            new.submit("/login", "/login", &[("email", "pw@example.org"), ("password", "a brand new river")]).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        app
    })
    .await;
}

/// Security probe L6: every anonymous page view wrote a session row. Now no anonymous request
/// stores one: reading pages, showing the sign-in and sign-up forms (their token is in a
/// cookie), a wrong password, and a lapsed form with an item-9 answer. Signing up is the first.
#[tokio::test]
async fn reading_pages_without_signing_in_stores_no_session() {
    on_both(|app: TestApp| async move {
        let reader = app.browser();
        for path in ["/", "/learn", "/learn/glossary", "/crisis", "/nowhere"] {
            reader.get(path).await;
        }
        assert_eq!(app.store.sessions_count().await.unwrap(), 0, "no rows for reading");
        for _ in 0..5 {
            let form = reader.get("/login").await;
            assert!(!form.csrf().is_empty());
            reader.get("/signup").await;
        }
        let wrong =
            reader.submit("/login", "/login", &[("email", "no@example.org"), ("password", "not it at all")]).await;
        assert!(wrong.has("do not match"), "{}", wrong.body);
        let anon = app.browser();
        let mut item9 = vec![("item9", "3")];
        item9.extend([("item1", "0"), ("item2", "0")]);
        assert_eq!(anon.post_raw("/questionnaires/phq9", &item9).await.status, StatusCode::OK);
        assert_eq!(app.store.sessions_count().await.unwrap(), 0, "the form token lives in a cookie");
        // A form token without its cookie, or a cookie without the form's token, is refused.
        let token = reader.get("/login").await.csrf();
        let stranger = app.browser();
        let forged = stranger.post_raw("/login", &[("csrf", &token), ("email", "a@b.cd"), ("password", "x")]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        reader.sign_up("reader@example.org").await;
        assert_eq!(reader.get("/today").await.status, StatusCode::OK);
        app
    })
    .await;
}

/// Issue 12, portability (GDPR Art. 20): a person's export imported into a new account on
/// another, empty Taper server, then exported again, is the same export apart from what the
/// person cannot choose or what names other people (stated in `taper_server::import`).
#[tokio::test]
async fn an_export_imported_elsewhere_exports_the_same() {
    on_both(|app: TestApp| async move {
        let sam = app.browser();
        sam.sign_up("move@example.org").await;
        sam.submit("/account", "/account/country", &[("country", "IE")]).await;
        make_plan(&sam, &days_ago(20), "14").await;
        for d in [3, 2, 1] {
            check_in(&sam, &days_ago(d), 2, "1").await;
        }
        let today = days_ago(0);
        sam.submit("/today", "/today/dose", &[("date", &today), ("status", "taken"), ("read_new_way", "yes")]).await;
        crate::sharing::phq9(&sam, ["1", "1", "1", "1", "0", "0", "0", "0", "1"]).await;
        crate::sharing::phq9(&sam, ["", "", "", "", "", "", "", "", "2"]).await;
        sam.submit("/safety-plan", "/safety-plan", &[("warning_signs", "Not sleeping"), ("reasons", "My sister")])
            .await;
        let event = [("date", "2022-02-01"), ("drug", "citalopram"), ("kind", "stop"), ("abrupt", "yes")];
        sam.submit("/history", "/history/events", &event).await;
        assess(&sam, "zaps").await;
        let count = [
            ("product", "citalopram-oral-drops-40mg-ml"),
            ("amount", "12.5"),
            ("counted", &today),
            ("lead_days", "10"),
        ];
        let counted = sam.submit("/supply", "/supply", &count).await;
        assert_eq!(counted.status, reqwest::StatusCode::SEE_OTHER, "{}", counted.body);
        let first = sam.get("/account/export.json").await.body;
        let exported: serde_json::Value = serde_json::from_str(&first).unwrap();
        assert_eq!(exported["supplies"][0]["amount"], 12.5, "the supply count is exported: {first}");

        // Another server, a new account, the file brought across.
        let elsewhere = taper_store::scratch::Scratch::sqlite();
        let other = TestApp::spawn(&elsewhere.url).await;
        let moved = other.browser();
        moved.sign_up("moved@example.org").await;
        let id = other.store.user_by_email("moved@example.org").await.unwrap().unwrap().id;
        let catalogue = taper_core::Catalogue::builtin().unwrap();
        let summary = taper_server::import::import(&other.store, &catalogue, id, &first).await.unwrap();
        assert_eq!((summary.plans, summary.checkins, summary.questionnaires, summary.doses), (1, 3, 1, 1));
        let again = taper_server::import::import(&other.store, &catalogue, id, &first).await.unwrap_err();
        assert!(again.to_string().contains("empty account"), "{again}");
        let second = moved.get("/account/export.json").await.body;

        let strip = |text: &str| {
            let mut v: serde_json::Value = serde_json::from_str(text).unwrap();
            let o = v.as_object_mut().unwrap();
            for k in ["exported_at", "sharing", "access_log", "flag_notes", "pending_invitations"] {
                o.remove(k);
            }
            let account = o.get_mut("account").unwrap().as_object_mut().unwrap();
            account.remove("email");
            account.remove("created_at");
            account.remove("display_name");
            for p in o.get_mut("plans").unwrap().as_array_mut().unwrap() {
                p.as_object_mut().unwrap().remove("proposals");
            }
            v
        };
        assert_eq!(strip(&second), strip(&first));
        assert!(first.contains("\"item9_answers\"") && first.contains("My sister"));
        let bad = taper_server::import::import(&other.store, &catalogue, id, "{\"format\":\"something-else\"}")
            .await
            .unwrap_err();
        assert!(bad.to_string().contains("not a Taper export"), "{bad}");
        // A kind this version does not know is refused before anything is written (issue 13:
        // the database would refuse it half-way).
        let mut tampered: serde_json::Value = serde_json::from_str(&first).unwrap();
        tampered["medication_history"]["events"][0]["kind"] = "paused".into();
        other.browser().sign_up("tampered@example.org").await;
        let fresh = other.store.user_by_email("tampered@example.org").await.unwrap().unwrap().id;
        let refused =
            taper_server::import::import(&other.store, &catalogue, fresh, &tampered.to_string()).await.unwrap_err();
        assert!(refused.to_string().contains("'paused'"), "{refused}");
        assert!(refused.to_string().contains("start, increase, decrease, stop, reinstate, switch"), "{refused}");
        assert!(other.store.plans(fresh).await.unwrap().is_empty(), "nothing written");
        other.stop().await;
        elsewhere.remove().await;
        app
    })
    .await;
}

/// Issue 12, limits on posting: a signed-in account that sends forms far faster than a person
/// can is slowed (429 with Retry-After), except for the forms that can carry an answer about
/// self-harm, which are never refused for that.
#[tokio::test]
async fn a_flood_of_forms_is_slowed_but_never_an_answer_about_self_harm() {
    let s = taper_store::scratch::Scratch::sqlite();
    let app = TestApp::spawn(&s.url).await;
    let b = app.browser();
    b.sign_up("flood@example.org").await;
    let id = app.store.user_by_email("flood@example.org").await.unwrap().unwrap().id;
    // Use up the free allowance directly, as 600 quick form posts would.
    for _ in 0..601 {
        app.store
            .throttle_attempt(
                &format!("post:account:{id}"),
                jiff::Timestamp::now(),
                600,
                jiff::SignedDuration::from_hours(1),
                jiff::SignedDuration::from_mins(1),
            )
            .await
            .unwrap();
    }
    let slowed = b.submit("/account", "/account/time-zone", &[("time_zone", "Europe/Paris")]).await;
    assert_eq!(slowed.status, StatusCode::TOO_MANY_REQUESTS, "{}", slowed.body);
    assert!(slowed.has("Please wait a moment"));
    let answered = crate::sharing::phq9(&b, ["0", "0", "0", "0", "0", "0", "0", "0", "1"]).await;
    assert_eq!(answered.status, StatusCode::OK, "item 9 is never refused: {}", answered.body);
    assert!(answered.has("crisis-now"));
    app.stop().await;
    s.remove().await;
}

/// Security probe L7: the export left out what supporters wrote about the person's flags and
/// the invitations not yet accepted.
#[tokio::test]
async fn the_export_holds_supporters_flag_notes_and_pending_invitations() {
    on_both(|app: TestApp| async move {
        let sam = app.browser();
        sam.sign_up("exp@example.org").await;
        let dr = app.browser();
        dr.sign_up_as("expdr@example.org", "Dr Exp", "clinician").await;
        crate::sharing::share_with(&sam, &dr).await;
        crate::sharing::phq9(&sam, ["1", "1", "1", "1", "0", "0", "0", "0", "1"]).await;
        let sam_id = app.store.user_by_email("exp@example.org").await.unwrap().unwrap().id;
        let key = format!("item9:{}", crate::london_today());
        dr.submit(
            &format!("/people/{sam_id}"),
            &format!("/people/{sam_id}/flags/resolve"),
            &[("key", &key), ("note", "RESOLVEMARK phoned"), ("kind", "resolved")],
        )
        .await;
        sam.invite(&crate::sharing::with_everything(&[("label", "for my GP")])).await;
        let export: serde_json::Value = serde_json::from_str(&sam.get("/account/export.json").await.body).unwrap();
        assert!(export["flag_notes"].to_string().contains("RESOLVEMARK phoned"), "{}", export["flag_notes"]);
        assert!(export["flag_notes"].to_string().contains("Dr Exp"));
        assert!(export["pending_invitations"].to_string().contains("for my GP"));
        app
    })
    .await;
}

/// Walk-through N14: account settings changed without a word. Each now says it is saved.
#[tokio::test]
async fn account_settings_say_they_are_saved() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("saved@example.org").await;
        for (action, field, value, says) in [
            ("/account/time-zone", "time_zone", "Europe/Paris", "Saved: your time zone is Europe/Paris."),
            ("/account/country", "country", "FR", "Saved: where you live."),
            ("/account/daily-safety", "daily_safety", "on", "Saved: you will be asked the daily question."),
        ] {
            let done = b.submit("/account", action, &[(field, value)]).await;
            let to = done.location.clone().unwrap_or_default();
            assert!(to.starts_with("/account?saved="), "{action}: {to}");
            assert!(b.get(&to).await.has(says), "{action}");
        }
        assert!(!b.get("/account").await.has("Saved:"), "said once, after the change");
        app
    })
    .await;
}

/// Issue 20: an untouched item is "not answered", never a silent "none"; the burden is the
/// average of what was answered; the commonly reported symptoms that were missing are asked.
#[tokio::test]
async fn an_item_left_untouched_is_not_answered_and_does_not_lower_the_burden() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("na@example.org").await;
        let form = b.get("/checkin").await;
        for v in ["0", "1", "2", "3"] {
            assert!(!form.body.contains(&format!("value=\"{v}\" checked")), "nothing is chosen for the person");
        }
        assert!(form.body.contains("name=\"s_dizziness\" value=\"\" checked> not answered"));
        for item in [
            "Tiredness or lack of energy",
            "Flu-like feelings",
            "Ringing or buzzing in the ears",
            "Change in appetite",
            "(akathisia)",
            "Changes in sexual feeling or function",
        ] {
            assert!(form.has(item), "{item} is asked");
        }
        // Two items answered "severe", the rest untouched.
        let today = days_ago(0);
        let saved = b
            .submit(
                "/checkin",
                "/checkin",
                &[("date", today.as_str()), ("wellbeing", "3"), ("s_fatigue", "3"), ("s_shocks", "3")],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let u = app.store.user_by_email("na@example.org").await.unwrap().unwrap();
        let kept = &app.store.checkins(u.id).await.unwrap()[0];
        assert_eq!(kept.scores.iter().flatten().count(), 2, "the rest kept as not answered: {:?}", kept.scores);
        // Two answers say nothing of the day: no burden is read (a walk: a false "hard day"),
        // and nothing is counted as none.
        let again = b.get(&format!("/checkin?date={today}&saved=1")).await;
        assert!(again.has(&format!("{today}</a></td><td>too few answered</td>")), "{}", again.body);
        assert!(!again.has("This day was a hard one"), "not read as a hard day");
        assert!(again.body.contains("name=\"s_fatigue\" value=\"3\" checked"));
        assert!(again.body.contains("name=\"s_dizziness\" value=\"\" checked"), "shown as not answered");
        let v: serde_json::Value = serde_json::from_str(&b.get("/account/export.json").await.body).unwrap();
        assert_eq!(v["checkins"][0]["scores"][0], serde_json::Value::Null);
        assert_eq!(v["checkins"][0]["burden"], serde_json::Value::Null);

        // Half the items answered "severe", the rest untouched: the top of the scale, not 36 of 51.
        let keys: Vec<String> = CHECKLIST_KEYS.iter().take(12).map(|k| format!("s_{k}")).collect();
        let mut half: Vec<(&str, &str)> = vec![("date", today.as_str()), ("wellbeing", "3")];
        half.extend(keys.iter().map(|k| (k.as_str(), "3")));
        b.submit("/checkin", "/checkin", &half).await;
        assert!(b.get("/checkin").await.has(&format!("{today}</a></td><td>51</td>")));

        // "The rest: none", ticked by the person: the two severe answers among 23 items.
        let rest =
            [("date", today.as_str()), ("wellbeing", "3"), ("s_fatigue", "3"), ("s_shocks", "3"), ("rest_none", "yes")];
        let sent = b.submit("/checkin", "/checkin", &rest).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", crate::forms::visible(&sent));
        let kept = &app.store.checkins(u.id).await.unwrap()[0];
        assert_eq!(kept.scores.iter().flatten().count(), 23, "the rest answered none, by the person");
        assert!(b.get("/checkin").await.has(&format!("{today}</a></td><td>4.4</td>")), "6 / 23 × 17");
        app
    })
    .await;
}

/// Issue 20: up to five symptoms of the person's own, asked at each check-in, kept by name,
/// shown to a supporter who sees check-in scores, never added to the burden; carried by an
/// export into a new account.
#[tokio::test]
async fn a_person_adds_symptoms_of_their_own_and_they_travel_with_the_check_ins() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("own@example.org").await;
        assert!(b.get("/checkin").await.has("add up to 5 symptoms of your own"));
        let six = b.submit("/checkin/own", "/checkin/own", &[("own", "a\nb\nc\nd\ne\nf")]).await;
        assert_eq!(six.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(six.has("at most 5") && six.has("a\nb\nc\nd\ne\nf"), "refused, as typed: {}", six.body);
        let saved = b.submit("/checkin/own", "/checkin/own", &[("own", "Jaw clenching\n\nBurning skin")]).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let form = b.get("/checkin").await;
        assert!(form.has("<legend>Jaw clenching</legend>") && form.has("<legend>Burning skin</legend>"));
        let today = days_ago(0);
        let sent = [
            ("date", today.as_str()),
            ("wellbeing", "5"),
            ("s_dizziness", "1"),
            ("rest_none", "yes"),
            ("own_0", "Jaw clenching"),
            ("o_0", "3"),
            ("own_1", "Burning skin"),
        ];
        assert_eq!(b.submit("/checkin", "/checkin", &sent).await.status, StatusCode::SEE_OTHER);
        let again = b.get("/checkin").await;
        // Not part of the burden: one item "mild" and the rest none, 1 / 23 × 17.
        assert!(again.has(&format!("{today}</a></td><td>0.7</td>")), "{}", again.body);
        assert!(again.has("Jaw clenching: severe") && !again.has("Burning skin: "), "unanswered is not shown as none");
        assert!(again.body.contains("name=\"o_0\" value=\"3\" checked"));

        // Removing a symptom keeps the answers already given, and editing that day keeps it.
        b.submit("/checkin/own", "/checkin/own", &[("own", "Burning skin")]).await;
        let day = b.get(&format!("/checkin?date={today}")).await;
        assert!(day.has("<legend>Jaw clenching</legend>"), "a past answer under a removed name is still shown");

        let dr = app.browser();
        dr.sign_up_as("owndr@example.org", "Dr Lee", "clinician").await;
        crate::sharing::share_with(&b, &dr).await;
        let u = app.store.user_by_email("own@example.org").await.unwrap().unwrap().id;
        assert!(dr.get(&format!("/people/{u}")).await.has("Jaw clenching: severe"));

        let file = b.get("/account/export.json").await.body;
        let v: serde_json::Value = serde_json::from_str(&file).unwrap();
        assert_eq!(v["own_symptoms"], serde_json::json!(["Burning skin"]));
        assert_eq!(v["checkins"][0]["own"][0]["name"], "Jaw clenching");
        let c = app.browser();
        c.sign_up("own2@example.org").await;
        let id = app.store.user_by_email("own2@example.org").await.unwrap().unwrap().id;
        let catalogue = taper_core::Catalogue::builtin().unwrap();
        taper_server::import::import(&app.store, &catalogue, id, &file).await.unwrap();
        assert_eq!(app.store.own_symptoms(id).await.unwrap(), ["Burning skin"]);
        assert_eq!(app.store.checkins(id).await.unwrap()[0].own[0].score, 3);
        app
    })
    .await;
}

/// Issue 20: once a plan has reached its last dose of nothing, Today says it ended and asks for
/// check-ins to go on, instead of a dose of 0 mg to record.
#[tokio::test]
async fn after_a_plan_ends_today_says_so_and_check_ins_go_on() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("ended@example.org").await;
        make_plan(&b, &days_ago(0), "28").await;
        let user = app.store.user_by_email("ended@example.org").await.unwrap().unwrap().id;
        let plan = app.store.active_plans(user).await.unwrap()[0].id;
        let first = app.store.plan(user, plan).await.unwrap().revisions.remove(0);
        // The same plan, today far past its last step (as a shift would place it).
        let rev = taper_store::NewRevision {
            effective: crate::london_today(),
            day_offset: 100_000,
            hold: false,
            settings: &first.settings,
            steps: &first.steps,
            reason: "test: the plan has run its course",
            proposal: None,
        };
        app.store.add_revision(user, plan, &rev, first.number, jiff::Timestamp::now()).await.unwrap();
        let today = b.get("/today").await;
        assert!(today.has("Your Citalopram plan ended on"), "{}", today.body);
        assert!(today.has("Keep checking in") && today.has("href=\"/checkin\""));
        assert!(!today.has("I took it") && !today.has("today-dose"), "no dose of nothing to record");
        assert_eq!(check_in(&b, &days_ago(0), 2, "1").await.status, StatusCode::SEE_OTHER, "check-ins go on");
        app
    })
    .await;
}
