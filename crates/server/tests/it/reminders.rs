//! Issue 20, reminders by e-mail: at the person's own times and time zone, never in their quiet
//! hours, each once however often the server looks, with a single-use link that records the dose
//! as taken (opening it records nothing; the button does).

use jiff::Timestamp;
use jiff::civil::Date;
use reqwest::StatusCode;
use taper_server::reminders::tick;
use taper_store::scratch::Scratch;

use super::forms::visible;
use super::helpers::{TestApp, on_both};
use super::mail::{Sink, with_mail_state};
use super::{days_ago, london_today, make_plan};

/// `hh:mm` today in London, as a moment.
fn london(today: Date, hour: i8, minute: i8) -> Timestamp {
    today.at(hour, minute, 0, 0).in_tz("Europe/London").unwrap().timestamp()
}

pub fn link_path(message: &str) -> String {
    let text = message.replace("=\r\n", "").replace("=\n", "");
    let start = text.find("http://taper.test/dose-taken/").expect("a dose link");
    let link: String = text[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    link.trim_start_matches("http://taper.test").to_string()
}

#[tokio::test]
async fn a_dose_reminder_comes_once_at_its_time_and_its_link_records_the_dose() {
    let Some(sink) = Sink::start() else { return };
    for scratch in [Some(Scratch::sqlite()), Scratch::postgres().await.ok()].into_iter().flatten() {
        let (app, state, worker) = with_mail_state(&scratch.url, &sink).await;
        let before = sink.messages().len();
        let email = format!("remind-{}@example.org", uuid::Uuid::now_v7().simple());
        let b = app.browser();
        b.sign_up(&email).await;
        // Citalopram 20 mg once a day, from today: no dose time in the plan, so 09:00.
        make_plan(&b, &days_ago(0), "14").await;
        let user = app.store.user_by_email(&email).await.unwrap().unwrap().id;
        let account = b.get("/account").await;
        assert!(account.has("id=\"reminders-h\"") && account.has("name=\"doses\""), "{}", visible(&account));
        let saved = b.submit("/account", "/account/reminders", &[("doses", "on"), ("checkin", "on")]).await;
        assert_eq!(saved.location.as_deref(), Some("/account?saved=reminders#reminders-h"));

        let today = london_today();
        assert_eq!(tick(&state, london(today, 8, 59)).await.unwrap(), 0, "not before its time");
        assert_eq!(tick(&state, london(today, 9, 5)).await.unwrap(), 1, "the 09:00 dose");
        assert_eq!(tick(&state, london(today, 9, 6)).await.unwrap(), 0, "once, however often the server looks");
        let got = sink.wait_for(before + 1).await;
        let message = got.iter().find(|m| m.contains(&email)).expect("the reminder");
        assert!(message.contains("Subject: Your 09:00 reminder"), "{message}");
        assert!(message.contains("List-Unsubscribe: <http://taper.test/account#reminders-h>"), "{message}");
        assert!(message.contains("Your 09:00 dose is due") && message.contains("/account#reminders-h"), "{message}");
        let id = message.lines().find(|l| l.starts_with("Message-ID: <")).expect("a Message-ID");
        assert!(id.trim_end().ends_with("@example.org>"), "in the sender's domain: {id}");
        assert!(!message.contains("citalopram") && !message.contains("20 mg"), "no medicine or dose in an e-mail");
        let path = link_path(message);

        // Opening the link records nothing; the button records the dose, once.
        let page = b.get(&path).await;
        assert!(page.has("Yes, I took it"), "{}", visible(&page));
        assert!(app.store.doses(user).await.unwrap().is_empty(), "opening the link records nothing");
        let stranger = app.browser();
        let done = stranger.submit(&path, &path, &[]).await;
        assert!(done.has("Recorded: your dose on"), "{}", visible(&done));
        let doses = app.store.doses(user).await.unwrap();
        assert_eq!((doses.len(), doses[0].dose_mg), (1, 20.0));
        // Single use; opened again, it says the dose is recorded (a walk could not tell).
        assert!(stranger.get(&path).await.has("This link was used: your dose on"), "single use");
        assert!(stranger.submit("/login", &path, &[]).await.has("id=\"link-invalid\""));

        // A time of the person's own for a once-a-day dose (a walk: 09:00 was fixed).
        b.submit("/account", "/account/reminders", &[("doses", "on"), ("once_at", "07:30")]).await;
        let tomorrow = today.tomorrow().unwrap();
        assert_eq!(tick(&state, london(tomorrow, 7, 35)).await.unwrap(), 1, "tomorrow's dose at 07:30");
        assert_eq!(tick(&state, london(tomorrow, 9, 5)).await.unwrap(), 0, "not again at 09:00");

        // The check-in at 20:00, not in quiet hours, and not once it is done.
        let quiet = [("checkin", "on"), ("quiet_from", "19:30"), ("quiet_to", "21:00")];
        b.submit("/account", "/account/reminders", &quiet).await;
        assert_eq!(tick(&state, london(today, 20, 10)).await.unwrap(), 0, "quiet hours");
        b.submit("/account", "/account/reminders", &[("checkin", "on")]).await;
        assert_eq!(tick(&state, london(today, 20, 10)).await.unwrap(), 1, "the check-in");
        // Half a quiet time is refused and nothing changes.
        let half = b.submit("/account", "/account/reminders", &[("doses", "on"), ("quiet_from", "22:00")]).await;
        assert_eq!(half.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(half.has("Give both ends of the quiet hours"), "{}", visible(&half));
        // What was typed stays on the form, beside the message.
        assert!(half.has("id=\"reminders-error\"") && half.has("value=\"on\" checked> Each dose"), "{}", half.body);
        assert!(half.has("name=\"quiet_from\" type=\"time\" value=\"22:00\""));
        let kept = app.store.reminders(user).await.unwrap();
        assert!(kept.checkin && !kept.doses && kept.quiet.is_none(), "{kept:?}");
        worker.abort();
        app.stop().await;
        scratch.remove().await;
    }
}

#[tokio::test]
async fn without_e_mail_the_account_says_reminders_are_off() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("off@example.org").await;
        let account = b.get("/account").await;
        assert!(account.has("id=\"reminders-off\"") && !account.has("name=\"doses\""), "{}", visible(&account));
        app
    })
    .await;
}

/// A person following a switch has no plan in force (the switch ended it): its doses are
/// reminded of all the same, once a time of day, naming no medicine, and not once recorded.
#[tokio::test]
async fn a_switchs_doses_are_reminded_of_at_their_times() {
    let Some(sink) = Sink::start() else { return };
    for scratch in [Some(Scratch::sqlite()), Scratch::postgres().await.ok()].into_iter().flatten() {
        let (app, state, worker) = with_mail_state(&scratch.url, &sink).await;
        let before = sink.messages().len();
        let email = format!("remind-switch-{}@example.org", uuid::Uuid::now_v7().simple());
        let b = app.browser();
        b.sign_up(&email).await;
        let form = [
            ("from", "clonazepam"),
            ("time1", "08:00"),
            ("mg1", "1"),
            ("time2", "20:00"),
            ("mg2", "1"),
            ("to", "diazepam"),
            ("products", "diazepam-tab-2mg"),
            ("products", "diazepam-tab-5mg"),
            ("scheme", "ashton"),
            ("screen", "none"),
            ("to_times", "08:00, 13:00, 18:00, 22:00"),
            ("agreed", "yes"),
        ];
        assert_eq!(b.submit("/switch", "/switch/start", &form).await.status, StatusCode::SEE_OTHER);
        let user = app.store.user_by_email(&email).await.unwrap().unwrap().id;
        assert!(app.store.active_plans(user).await.unwrap().is_empty());
        b.submit("/account", "/account/reminders", &[("doses", "on")]).await;

        let today = london_today();
        assert_eq!(tick(&state, london(today, 7, 55)).await.unwrap(), 0, "not before its time");
        assert_eq!(tick(&state, london(today, 8, 5)).await.unwrap(), 1, "the 08:00 doses");
        assert_eq!(tick(&state, london(today, 8, 6)).await.unwrap(), 0, "once");
        let got = sink.wait_for(before + 1).await;
        let message = got.iter().find(|m| m.contains(&email)).expect("the reminder");
        assert!(
            message.contains("Subject: Your 08:00 reminder") && message.contains("switch doses are due"),
            "{message}"
        );
        assert!(!message.to_lowercase().contains("clonazepam") && !message.contains("1 mg"), "no medicine or dose");
        // Recorded before its reminder: no reminder.
        let switch = app.store.active_switch(user).await.unwrap().unwrap();
        let dose = taper_store::SwitchDose {
            switch: switch.id,
            date: today,
            drug: "clonazepam".into(),
            time: 20 * 60,
            status: taper_store::DoseStatus::Taken,
            dose_mg: 1.0,
            recorded_at: Timestamp::now(),
        };
        app.store.record_switch_dose(user, &dose, Timestamp::now()).await.unwrap();
        assert_eq!(tick(&state, london(today, 20, 5)).await.unwrap(), 0, "recorded already");
        worker.abort();
        app.stop().await;
        scratch.remove().await;
    }
}

/// A walk: a once-a-day plan given 08:00 was reminded at 09:00 (the default for a plan with no
/// time). The plan's own time comes first.
#[tokio::test]
async fn a_once_a_day_plans_own_time_is_when_it_is_reminded() {
    let Some(sink) = Sink::start() else { return };
    let scratch = Scratch::sqlite();
    let (app, state, worker) = with_mail_state(&scratch.url, &sink).await;
    let email = format!("remind-once-{}@example.org", uuid::Uuid::now_v7().simple());
    let b = app.browser();
    b.sign_up(&email).await;
    let today = days_ago(0);
    let form = [
        ("drug", "citalopram"),
        ("dose_as", "tablets"),
        ("dose", "20"),
        ("strategy", "hyperbolic"),
        ("step", "10"),
        ("every", "28"),
        ("start_date", today.as_str()),
        ("times", "08:00"),
        ("syringe", "0.1"),
        ("products", "citalopram-tab-20mg"),
        ("products", "citalopram-oral-drops-40mg-ml"),
    ];
    let saved = b.submit("/plan/new?drug=citalopram", "/plan", &form).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", visible(&saved));
    b.submit("/account", "/account/reminders", &[("doses", "on")]).await;
    let day = london_today();
    assert_eq!(tick(&state, london(day, 7, 55)).await.unwrap(), 0, "not before its time");
    assert_eq!(tick(&state, london(day, 8, 5)).await.unwrap(), 1, "at the plan's 08:00");
    assert_eq!(tick(&state, london(day, 9, 5)).await.unwrap(), 0, "not again at 09:00");
    worker.abort();
    app.stop().await;
    scratch.remove().await;
}
