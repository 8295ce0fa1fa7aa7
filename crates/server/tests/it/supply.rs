//! Issue 20, supply: "what the person has; Taper counts down by the plan and the recorded doses,
//! shows days left, warns ahead of a compounding lead time (default 14 days, editable) and before
//! a step that needs a product they lack".

use jiff::ToSpan as _;
use reqwest::StatusCode;

use super::forms::visible;
use super::helpers::{TestApp, on_both};
use super::{days_ago, london_today, make_plan};

fn long(d: jiff::civil::Date) -> String {
    d.strftime("%A %-d %B %Y").to_string()
}

fn in_days(n: i64) -> jiff::civil::Date {
    london_today().checked_add(n.days()).unwrap()
}

#[tokio::test]
async fn a_count_runs_down_by_the_plan_and_today_says_when_to_ask_for_more() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("s@example.org").await;
        // Citalopram 20 mg from today, a step every 14 days: one 20 mg tablet a day until the
        // first cut on day 14, which is measured in drops.
        make_plan(&b, &days_ago(0), "14").await;
        let user = app.store.user_by_email("s@example.org").await.unwrap().unwrap().id;

        let page = b.get("/supply").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.has("Today's doses use 1 tablet."), "{}", visible(&page));
        assert!(page.has("Not counted yet"), "{}", visible(&page));
        assert!(
            page.has(&format!("Your Citalopram plan uses it from {}.", long(in_days(14)))),
            "the drops, from the cut: {}",
            visible(&page)
        );
        assert!(page.has("How much you have (mL)"), "drops are counted as the bottle's mL: {}", visible(&page));
        // Today points out the drops the first cut needs, within the lead time and a week.
        let today = b.get("/today").await;
        assert!(today.has(&format!("From {} your Citalopram plan uses the", long(in_days(14)))), "{}", visible(&today));

        // Ten tablets, a week's lead time: days 0 to 9 are covered; day 10 is not.
        let saved = b
            .submit(
                "/supply",
                "/supply",
                &[("product", "citalopram-tab-20mg"), ("amount", "10"), ("counted", &days_ago(0)), ("lead_days", "7")],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let page = b.get("/supply?saved=1").await;
        let expect = format!("Enough up to and including {}: ask for more by {}", long(in_days(9)), long(in_days(3)));
        assert!(page.has("About 10 tablets left") && page.has(&expect), "{}", visible(&page));
        let today = b.get("/today").await;
        assert!(
            today.has(&format!("lasts until {}: ask for more by {}", long(in_days(9)), long(in_days(3)))),
            "{}",
            visible(&today)
        );

        // Twenty cover every day the plan uses tablets: nothing to say on Today.
        b.submit(
            "/supply",
            "/supply",
            &[("product", "citalopram-tab-20mg"), ("amount", "20"), ("counted", &days_ago(0)), ("lead_days", "7")],
        )
        .await;
        // Tablets stop at the first cut, on day 14: the last day they are used is day 13.
        let lasting = b.get("/supply").await;
        let last = format!("Enough for every day your plan uses it; the last is {}.", long(in_days(13)));
        assert!(lasting.has(&last), "{}", visible(&lasting));
        assert!(!b.get("/today").await.has("lasts until"));
        // An empty pharmacy box keeps the days saved (a walk: it fell back to 14).
        let count =
            [("product", "citalopram-tab-20mg"), ("amount", "20"), ("counted", &days_ago(0)), ("lead_days", "")];
        b.submit("/supply", "/supply", &count).await;
        assert_eq!(app.store.supplies(user).await.unwrap()[0].lead_days, 7);

        // A bad count is refused on its field, what was typed is kept, and the saved count stays.
        let bad = b
            .submit(
                "/supply",
                "/supply",
                &[("product", "citalopram-tab-20mg"), ("amount", "lots"), ("counted", &days_ago(0))],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.has("How much you have: &#39;lots&#39;"), "{}", visible(&bad));
        assert!(bad.has("value=\"lots\""), "what was typed is kept");
        // Said at the top as well, the field marked, the page opened at the product (a walk).
        assert!(bad.has("id=\"supply-error\"") && bad.has("aria-invalid=\"true\""), "{}", visible(&bad));
        let future = b
            .submit(
                "/supply",
                "/supply",
                &[("product", "citalopram-tab-20mg"), ("amount", "5"), ("counted", &in_days(1).to_string())],
            )
            .await;
        assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(future.has("Day you counted"), "{}", visible(&future));
        let kept = app.store.supplies(user).await.unwrap();
        assert_eq!((kept.len(), kept[0].amount, kept[0].lead_days), (1, 20.0, 7), "nothing changed");

        // A product the plan does not use is refused.
        let other = b.submit("/supply", "/supply", &[("product", "sertraline-tab-50mg"), ("amount", "5")]).await;
        assert_eq!(other.status, StatusCode::BAD_REQUEST);

        // Stopping the count removes it.
        let removed = b.submit("/supply", "/supply", &[("product", "citalopram-tab-20mg"), ("remove", "yes")]).await;
        assert_eq!(removed.location.as_deref(), Some("/supply?removed=1"));
        assert!(b.get("/supply?removed=1").await.has("Taper no longer counts that product"));
        assert!(app.store.supplies(user).await.unwrap().is_empty());
        app
    })
    .await;
}

#[tokio::test]
async fn days_recorded_as_missed_take_nothing_from_the_count() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        b.sign_up("m@example.org").await;
        make_plan(&b, &days_ago(5), "28").await;
        // Ten tablets counted five days ago; two of the days since recorded as missed.
        b.submit(
            "/supply",
            "/supply",
            &[("product", "citalopram-tab-20mg"), ("amount", "10"), ("counted", &days_ago(5)), ("lead_days", "")],
        )
        .await;
        assert!(b.get("/supply").await.has("About 5 tablets left"), "five days taken");
        for n in [4, 2] {
            let d = days_ago(n);
            b.submit(&format!("/doses/{d}"), &format!("/doses/{d}"), &[("status", "missed")]).await;
        }
        let page = b.get("/supply").await;
        assert!(page.has("About 7 tablets left"), "{}", visible(&page));
        // The default lead time is two weeks: 7 tablets run out in 7 days, so ask now.
        assert!(
            page.has("ask your prescriber and pharmacy for more now (the pharmacy needs 14 days"),
            "{}",
            visible(&page)
        );
        // Today's dose recorded missed takes nothing either (a walk: it still counted).
        b.submit("/today", "/today/dose", &[("date", &days_ago(0)), ("status", "missed")]).await;
        let page = b.get("/supply").await;
        assert!(page.has(&format!("Enough up to and including {}", long(in_days(7)))), "{}", visible(&page));
        app
    })
    .await;
}
