//! Issue 20: "the last 60 days can be recorded or corrected; a dose calendar". Today records
//! today only; `/doses` lists each day of the plan with what was recorded, and a day's page
//! records a dose not recorded or corrects one, per dose time.

use super::forms::visible;
use super::helpers::{TestApp, on_both};
use super::{days_ago, make_plan};
use reqwest::StatusCode;

#[tokio::test]
async fn an_earlier_days_dose_is_recorded_and_corrected_from_the_calendar() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("d@example.org").await;
        // Citalopram, begun 17 days ago, a step every 14 days: the first cut, three days ago, is
        // measured in drops (a new way of preparing it).
        make_plan(&b, &days_ago(17), "14").await;
        let user = app.store.user_by_email("d@example.org").await.unwrap().unwrap().id;
        assert!(b.get("/today").await.has("href=\"/doses?plan="), "Today links to the calendar");

        let calendar = b.get("/doses").await;
        assert_eq!(calendar.status, StatusCode::OK);
        // Every day of the plan so far, newest first, none recorded.
        for n in 0..=17 {
            assert!(calendar.has(&format!("href=\"/doses/{}?plan=", days_ago(n))), "day {n}: {}", visible(&calendar));
        }
        assert!(!calendar.has(&format!("href=\"/doses/{}?plan=", days_ago(18))), "nothing before the plan began");
        assert!(calendar.has("17 doses before today have nothing recorded"), "{}", visible(&calendar));

        // Five days ago, before the cut: recorded taken, then corrected to missed.
        let five = days_ago(5);
        let day = b.get(&format!("/doses/{five}")).await;
        assert!(
            day.has("Your agreed dose that day: <strong>20 mg</strong>") && day.has("Nothing recorded yet"),
            "{}",
            visible(&day)
        );
        let taken = b.submit(&format!("/doses/{five}"), &format!("/doses/{five}"), &[("status", "taken")]).await;
        assert_eq!(taken.status, StatusCode::SEE_OTHER);
        assert!(b.get(&format!("/doses/{five}")).await.has("Recorded: taken (marked on "));
        b.submit(&format!("/doses/{five}"), &format!("/doses/{five}"), &[("status", "missed")]).await;
        let corrected = b.get(&format!("/doses/{five}")).await;
        assert!(corrected.has("Recorded: missed."), "{}", visible(&corrected));
        let doses = app.store.doses(user).await.unwrap();
        assert_eq!(doses.len(), 1, "a correction replaces the record, it does not add one");
        assert_eq!(doses[0].date.to_string(), five);
        assert_eq!(doses[0].dose_mg, 20.0);

        // Two days ago, after the cut: taken is asked to confirm the new way first, as on Today.
        let two = days_ago(2);
        let asked = b.submit(&format!("/doses/{two}"), &format!("/doses/{two}"), &[("status", "taken")]).await;
        assert_eq!(asked.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(asked.has("Not recorded yet") && asked.has("name=\"read_new_way\""), "{}", visible(&asked));
        assert_eq!(app.store.doses(user).await.unwrap().len(), 1, "nothing recorded");
        let confirmed = b
            .submit(&format!("/doses/{two}"), &format!("/doses/{two}"), &[("status", "taken"), ("read_new_way", "yes")])
            .await;
        assert_eq!(confirmed.status, StatusCode::SEE_OTHER);
        let recorded = app.store.doses(user).await.unwrap();
        let cut = recorded.iter().find(|d| d.date.to_string() == two).unwrap();
        assert_eq!(cut.dose_mg, 12.5, "the dose that day, not today's or the start's");
        let calendar = b.get("/doses").await;
        assert!(calendar.has("15 doses before today have nothing recorded"), "{}", visible(&calendar));

        // Days that cannot be recorded are refused by name, and nothing changes.
        let future = super::london_today().tomorrow().unwrap().to_string();
        for (raw, says) in [
            (future.as_str(), "is outside those days"),
            (days_ago(18).as_str(), "is outside those days"),
            ("yesterday", "is not a date"),
        ] {
            let refused = b.submit("/doses", &format!("/doses/{raw}"), &[("status", "taken")]).await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{raw}");
            assert!(refused.has(says) && refused.has("Doses can be recorded from"), "{raw}: {}", visible(&refused));
            // Still signed in, on the calendar (a walk: a bare error page read as signed out).
            assert!(refused.has("<h1>Your doses</h1>") && refused.has("action=\"/logout\""), "{}", visible(&refused));
            assert_eq!(b.get(&format!("/doses/{raw}")).await.status, StatusCode::BAD_REQUEST, "{raw}");
        }
        let wrong_time = b
            .submit(&format!("/doses/{five}"), &format!("/doses/{five}"), &[("time", "08:00"), ("status", "taken")])
            .await;
        assert_eq!(wrong_time.status, StatusCode::BAD_REQUEST);
        assert!(wrong_time.has("taken once: record it without a time"), "{}", wrong_time.body);
        assert_eq!(app.store.doses(user).await.unwrap().len(), 2, "nothing more recorded");
        app
    })
    .await;
}

/// A day taken in parts is recorded time by time, each with its own amount.
#[tokio::test]
async fn an_earlier_day_in_parts_is_recorded_time_by_time() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("g@example.org").await;
        let start = days_ago(3);
        let plan = vec![
            ("drug", "gabapentin"),
            ("dose", "900"),
            ("strategy", "proportional"),
            ("step", "10"),
            ("every", "28"),
            ("start_date", start.as_str()),
            ("confirm_past_start", "yes"),
            ("syringe", "0.1"),
            ("products", "gabapentin-cap-300mg"),
            ("products", "gabapentin-cap-100mg"),
        ];
        assert_eq!(b.submit("/plan/new?drug=gabapentin", "/plan", &plan).await.status, StatusCode::SEE_OTHER);
        let day = days_ago(1);
        let page = b.get(&format!("/doses/{day}")).await;
        for time in ["08:00", "15:00", "22:00"] {
            assert!(page.has(&format!("I took the {time} dose")), "{time}: {}", visible(&page));
        }
        b.submit(&format!("/doses/{day}"), &format!("/doses/{day}"), &[("time", "15:00"), ("status", "missed")]).await;
        b.submit(&format!("/doses/{day}"), &format!("/doses/{day}"), &[("time", "22:00"), ("status", "taken")]).await;
        let page = b.get(&format!("/doses/{day}")).await;
        assert!(
            page.has("Recorded for 15:00: missed.") && page.has("Recorded for 22:00: taken (marked on "),
            "{}",
            visible(&page)
        );
        let calendar = b.get("/doses").await;
        assert!(
            calendar.has("7 doses before today have nothing recorded"),
            "3 days before today × 3 doses, 2 recorded: {}",
            visible(&calendar)
        );
        let user = app.store.user_by_email("g@example.org").await.unwrap().unwrap().id;
        let doses = app.store.doses(user).await.unwrap();
        assert!(doses.iter().all(|d| d.dose_mg == 300.0 && d.time.is_some()), "each part's own amount");
        // The CSV: every planned dose, time by time, with what was recorded (issue 20).
        let csv = b.get("/account/doses.csv").await.body;
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "medicine,date,time,planned_mg,recorded,recorded_mg,marked_at");
        assert_eq!(lines.len(), 1 + 4 * 3, "four days of three doses: {csv}");
        assert!(lines.iter().any(|l| l.contains(&format!(",{day},15:00,300,missed,0,"))), "{csv}");
        assert!(lines.iter().any(|l| l.contains(&format!(",{day},22:00,300,taken,300,"))), "{csv}");
        assert!(lines.iter().any(|l| *l == format!("Gabapentin,{start},08:00,300,,,")), "{csv}");
        app
    })
    .await;
}

/// A walk: a clinician saw the plan and the charts but never whether a dose was taken. With the
/// plan shared, the person's page counts the doses before today and lists each; without it,
/// nothing of them shows.
#[tokio::test]
async fn a_supporter_sees_the_doses_taken_and_missed_only_with_the_plan_shared() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        p.sign_up("p@example.org").await;
        make_plan(&p, &days_ago(17), "14").await;
        for (n, status) in [(5, "taken"), (4, "missed"), (20, "taken")] {
            let day = days_ago(n);
            let r = p.submit(&format!("/doses/{day}"), &format!("/doses/{day}"), &[("status", status)]).await;
            // Twenty days ago is before the plan: refused, so nothing is counted for it.
            let want = if n == 20 { StatusCode::BAD_REQUEST } else { StatusCode::SEE_OTHER };
            assert_eq!(r.status, want, "{n} days ago");
        }
        let pid = app.store.user_by_email("p@example.org").await.unwrap().unwrap().id;
        let dr = app.browser();
        dr.sign_up_as("dr@example.org", "Dr Lee", "clinician").await;
        crate::sharing::share_with(&p, &dr).await;
        let page = dr.get(&format!("/people/{pid}")).await;
        assert!(page.has("Citalopram: doses recorded"), "{}", visible(&page));
        // Thirteen days before today, one dose each: one taken, one missed, eleven unrecorded.
        assert!(
            page.has(&format!(
                "Of the 13 doses planned from {} to {}: 1 taken, 1 missed, 11 with nothing recorded.",
                day_words(13),
                day_words(1)
            )),
            "{}",
            visible(&page)
        );
        assert!(page.has("class=\"dose-counts gaps\""), "gaps are marked for the eye");
        assert!(page.has("<tr class=\"missed\">"), "the missed dose's row is marked");
        assert!(page.has("not recorded yet"), "today's dose, not yet due, is not called unrecorded");

        // Shared without the plan: no doses at all.
        let nurse = app.browser();
        nurse.sign_up_as("n@example.org", "Nurse Ama", "clinician").await;
        let without: Vec<(&str, &str)> = taper_core::consent::Category::ALL
            .iter()
            .filter(|c| **c != taper_core::consent::Category::PlanAndDoses)
            .map(|c| ("share", c.key()))
            .collect();
        let invited = p.invite(&without).await;
        nurse.submit("/join", "/join", &[("code", &crate::sharing::invite_code(&invited))]).await;
        let page = nurse.get(&format!("/people/{pid}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.has("doses recorded") && !page.has("1 missed"), "{}", visible(&page));
        assert!(page.has("<figure class=\"chart\""), "scores are shared: the chart is drawn");

        // Shared nothing the chart draws: a sentence, not an empty frame (a walk).
        let peer = app.browser();
        peer.sign_up_as("v@example.org", "Val", "peer").await;
        let invited = p.invite(&[("share", "medication_history")]).await;
        peer.submit("/join", "/join", &[("code", &crate::sharing::invite_code(&invited))]).await;
        let page = peer.get(&format!("/people/{pid}")).await;
        assert!(page.has("id=\"chart-not-shared\"") && !page.has("<figure class=\"chart\""), "{}", visible(&page));
        assert!(page.has("They do not share their check-in scores with you"), "{}", visible(&page));
        app
    })
    .await;
}

/// "6 December", `n` days before London's today.
fn day_words(n: i64) -> String {
    super::london_today().checked_sub(jiff::Span::new().days(n)).unwrap().strftime("%-d %B").to_string()
}
