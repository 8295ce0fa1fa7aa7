//! Issue 22: the saved plan as a PDF to print or hand to the prescriber, read back by an
//! independent reader (poppler's `pdftotext`, installed by scripts/test-deps).

use reqwest::StatusCode;

use crate::forms::visible;
use crate::helpers::{TestApp, on_both};
use crate::{check_in_with_note, days_ago, make_plan, rising_after_a_step};

/// What poppler reads from a PDF, white space made single.
fn read(bytes: &[u8]) -> String {
    read_pages(bytes, &[])
}

/// What poppler reads from the PDF's pages `args` choose (`-f 1 -l 1`: page one).
pub fn read_pages(bytes: &[u8], args: &[&str]) -> String {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let file = std::env::temp_dir().join(format!("taper-plan-{}.pdf", uuid::Uuid::now_v7()));
    std::fs::write(&file, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(args)
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils; scripts/test-deps installs it)");
    let _ = std::fs::remove_file(&file);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn the_saved_plan_downloads_as_a_pdf_with_its_dates_and_preparations() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        p.sign_up_as("p@example.org", "Pat", "person").await;
        assert_eq!(p.get("/plan.pdf").await.status, StatusCode::NOT_FOUND, "no plan, no PDF");
        make_plan(&p, &days_ago(0), "28").await;
        let page = p.get("/plan").await;
        let at = page.body.find("href=\"/plan.pdf?plan=").expect("the plan page offers the PDF");
        let link = &page.body[at + 6..];
        let link = link[..link.find('"').unwrap()].to_string();
        let r = p.client.get(format!("{}{link}", p.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        let disposition = r.headers()["content-disposition"].to_str().unwrap().to_string();
        assert!(disposition.starts_with("attachment; filename=\"taper-plan-citalopram-"), "{disposition}");
        let text = read(&r.bytes().await.unwrap());
        assert!(text.contains("Citalopram: a taper plan"), "{text}");
        assert!(text.contains(taper_report::DISCLAIMER), "{text}");
        // The first cut, 28 days from today, dated as people write dates.
        let first_cut: jiff::civil::Date = days_ago(-28).parse().unwrap();
        assert!(text.contains(&format!("from {}", taper_report::pdf::short_date(first_cut))), "{text}");
        // Drops with the milligrams beside them, as the page shows them.
        assert!(text.contains("drops (") || text.contains("mL ("), "{text}");
        // Month by month, from this month, the first cut's month among them.
        assert!(text.contains("Month by month"), "{text}");
        let month = |d: jiff::civil::Date| d.strftime("%B %Y").to_string();
        let today: jiff::civil::Date = days_ago(0).parse().unwrap();
        assert!(text.contains(&month(today)) && text.contains(&month(first_cut)), "{text}");
        // Someone else's plan is not theirs to download.
        let other = app.browser();
        other.sign_up_as("o@example.org", "Olu", "person").await;
        let theirs = other.client.get(format!("{}{link}", other.base)).send().await.unwrap();
        assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
        app
    })
    .await;
}

/// Issue 22: a person makes a summary for a prescriber who does not use Taper, choosing its
/// parts and period; the page and the PDF say the same, page one holds the doses and scores, and
/// what was left out is named, never shown.
#[tokio::test]
async fn a_person_makes_a_prescriber_summary_of_the_parts_they_choose() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        rising_after_a_step(&app, &p, "p@example.org").await;
        check_in_with_note(&p, &days_ago(0), "Zaps at night #set text(red)").await;
        // A month ago, then today: a reliable change, read against the earlier score.
        crate::sharing::earlier_phq9(&app, "p@example.org", 30, [0; 9]).await;
        crate::sharing::phq9(&p, ["2", "2", "1", "1", "1", "0", "0", "0", "1"]).await;
        let form = p.get("/handoff").await;
        assert!(form.has("name=\"part\" value=\"plan\" checked") && form.has("name=\"days\" value=\"90\" checked"));
        // The notes are the person's own words: not ticked until they tick them.
        assert!(form.has("name=\"part\" value=\"checkin_notes\">"), "{}", form.body);

        let chosen = "part=plan&part=checkin_scores&part=questionnaires&days=90";
        let page = p.get(&format!("/handoff/summary?{chosen}&as=page")).await;
        assert_eq!(page.status, StatusCode::OK);
        let text = visible(&page);
        for expected in [
            "Taper: a summary for the prescriber",
            "Medicines now",
            "Citalopram",
            // The hold Progress suggested after the raised check-ins waits for their answer.
            "Waiting for their decision since",
            "The plan ahead",
            "Symptoms: waves and windows",
            "check-ins in these days",
            "PHQ-9",
            "reliable deterioration from 0",
            "Several days",
            "Flags that apply now",
            "Urgent",
            "Not included",
        ] {
            assert!(text.contains(expected), "{expected}: {text}");
        }
        assert!(!text.contains("Zaps at night"), "notes were not chosen: {text}");
        // An urgent flag comes before anything else (a walk found it third), and what was
        // recorded taken beside what was planned.
        assert!(text.find("Flags that apply now") < text.find("Medicines now"), "{text}");
        assert!(text.contains("Citalopram, doses recorded: Of the "), "{text}");
        // The urgent flag is marked, and the person reading their own copy is offered help.
        assert!(page.has("class=\"alert urgent\"") && page.has("id=\"own-crisis\""), "{}", page.body);
        assert!(text.contains("Prepared as:") && text.contains("Step 1 of"), "which product, which step: {text}");
        assert!(page.has("<svg"), "the chart, drawn on the server");

        let pdf = p.client.get(format!("{}/handoff/summary?{chosen}&as=pdf", p.base)).send().await.unwrap();
        assert_eq!(pdf.status(), StatusCode::OK);
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        let bytes = pdf.bytes().await.unwrap();
        // To look at the pages: TAPER_TEST_KEEP=<dir> keeps the PDF there.
        if let Ok(dir) = std::env::var("TAPER_TEST_KEEP") {
            std::fs::write(
                std::path::Path::new(&dir)
                    .join(format!("summary-{}.pdf", if app.url.starts_with("postgres") { "pg" } else { "sqlite" })),
                &bytes,
            )
            .unwrap();
        }
        let one = read_pages(&bytes, &["-f", "1", "-l", "1"]);
        for expected in ["Taper: a summary for the prescriber", "Medicines now", "Citalopram", "a day", "PHQ-9"] {
            assert!(one.contains(expected), "page one lacks {expected}: {one}");
        }
        let whole = read(&bytes);
        assert!(whole.contains("Not included") && whole.contains(taper_report::PRESCRIBER_NOTE), "{whole}");
        assert!(!whole.contains("Zaps at night"), "{whole}");

        // Ticked, the notes appear as typed, markup and all.
        let with_notes = p.client.get(format!("{}/handoff/summary?{chosen}&part=checkin_notes&as=pdf", p.base)).send();
        let whole = read(&with_notes.await.unwrap().bytes().await.unwrap());
        assert!(whole.contains("Zaps at night #set text(red)"), "{whole}");

        // Only the plan: no flag is claimed absent beyond the parts included (a walk read "No
        // flag applies now" while question 9 was answered, left out).
        let plan_only = visible(&p.get("/handoff/summary?part=plan&days=90").await);
        assert!(plan_only.contains("No flag applies now in the parts included"), "{plan_only}");
        assert!(
            plan_only.contains("Not included, by Alex") && plan_only.contains("choice: check-in scores"),
            "{plan_only}"
        );

        // Someone else's summary is of their own record: none of Pat's.
        let other = app.browser();
        other.sign_up_as("o@example.org", "Olu", "person").await;
        let theirs = other.get(&format!("/handoff/summary?{chosen}")).await;
        assert!(theirs.has("No plan in Taper") && !theirs.has("Citalopram"), "{}", visible(&theirs));
        app
    })
    .await;
}

/// A summary with nothing in it, or for a period not offered, is refused by name and the
/// choice is offered again.
#[tokio::test]
async fn a_summary_with_no_part_or_an_odd_period_is_refused_by_name() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        p.sign_up_as("p@example.org", "Pat", "person").await;
        let none = p.get("/handoff/summary?days=365&as=pdf").await;
        assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(none.has("Choose at least one part") && none.has("name=\"part\""), "{}", none.body);
        // Nothing ticked stays nothing ticked, and the period chosen stays chosen.
        let form = &none.body[none.body.find("action=\"/handoff/summary\"").unwrap()..];
        let form = &form[..form.find("</form>").unwrap()];
        assert!(!form.contains("value=\"plan\" checked") && form.contains("value=\"365\" checked"), "{form}");
        let odd = p.get("/handoff/summary?part=plan&days=45").await;
        assert_eq!(odd.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(odd.has("The period: choose 30, 90, 180 or 365 days."), "{}", odd.body);
        let unknown = p.get("/handoff/summary?part=passwords").await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown.has("The parts:"), "{}", unknown.body);
        app
    })
    .await;
}

/// Issue 22: a pharmacy order for the weeks ahead. Tablets are dispensed whole; a strip series
/// lists each run of days with the milligrams of its pouches, the runs adding up to what is
/// dispensed; a compounded preparation also the capsule strengths that make every dose. The
/// PDF has a space for the prescriber to sign.
#[tokio::test]
async fn a_pharmacy_order_lists_what_the_weeks_ahead_take() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        p.sign_up_as("p@example.org", "Pat", "person").await;
        let today = days_ago(0);
        let strips = [
            ("drug", "sertraline"),
            ("dose", "100"),
            ("strategy", "hyperbolic"),
            ("step", "5"),
            ("every", "28"),
            ("start_date", today.as_str()),
            ("syringe", "0.1"),
            ("products", "sertraline-tab-50mg"),
            ("strips", "0.1"),
            ("micro_taper", "yes"),
        ];
        let saved = p.submit("/plan/new?drug=sertraline", "/plan", &strips).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", visible(&saved));
        let page = p.get("/handoff/order?days=56&as=page").await;
        assert_eq!(page.status, StatusCode::OK);
        let text = visible(&page);
        assert!(text.contains("Taper: a pharmacy order") && text.contains("for the 56 days from"), "{text}");
        // Today's dose, 100 mg, is two 50 mg tablets: the tablets are first used today.
        let first = taper_report::pdf::short_date(today.parse().unwrap());
        assert!(text.contains(&format!("tablets used over the days; first used {first}")), "{text}");
        // The strips: a pouch for each day between, each run of days with its dose.
        let strip = page.body.split("id=\"sertraline-tapering-strip\"").nth(1).expect("a strip section");
        let strip = &strip[..strip.find("</section>").unwrap()];
        let days: Vec<u32> = strip
            .split("data-label=\"Days\">")
            .skip(1)
            .map(|cell| cell[..cell.find('<').unwrap()].parse().unwrap())
            .collect();
        assert!(days.len() > 1, "a new run each day of a daily taper: {strip}");
        let dispensed: u32 = strip.split("Dispense ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
        assert_eq!(days.iter().sum::<u32>(), dispensed, "the runs add up to what is dispensed");
        let doses: Vec<f64> = strip
            .split("data-label=\"Each day\">")
            .skip(1)
            .map(|cell| cell[..cell.find(" mg<").unwrap()].parse().unwrap())
            .collect();
        assert!(doses.windows(2).all(|w| w[1] < w[0]), "a little less each day: {doses:?}");
        assert!(doses[0] < 100.0 && strip.contains("tapering strips (a pouch a day)"), "{strip}");
        // Pouches are needed tomorrow, sooner than a pharmacy may take to make them: said first.
        assert!(strip.contains("Made to order and first needed on"), "{strip}");
        // Directions a label can be written from: the steps with how each is prepared.
        assert!(text.contains("Sertraline: directions") && text.contains("How it is prepared"), "{text}");
        let pdf = p.client.get(format!("{}/handoff/order?days=56&as=pdf", p.base)).send().await.unwrap();
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        let whole = read(&pdf.bytes().await.unwrap());
        assert!(
            whole.contains("Dispense") && whole.contains("Signature") && whole.contains("Date of birth"),
            "{whole}"
        );
        assert!(whole.contains(taper_report::PRESCRIBER_NOTE), "{whole}");

        // A compounded clonazepam plan: the strengths that make its doses.
        let c = app.browser();
        c.sign_up_as("c@example.org", "Cam", "person").await;
        let plan = [
            ("drug", "clonazepam"),
            ("dose", "1.5"),
            ("strategy", "proportional"),
            ("step", "10"),
            ("every", "14"),
            ("start_date", today.as_str()),
            ("syringe", "0.1"),
            ("products", "clonazepam-tab-0.5mg"),
            ("compounded", "0.01"),
        ];
        let saved = c.submit("/plan/new?drug=clonazepam", "/plan", &plan).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", visible(&saved));
        // Over 84 days: 1.5 mg as tablets, then each 10 % step compounded; no step is two of the
        // others, so each is its own strength, said so.
        let text = visible(&c.get("/handoff/order?days=84").await);
        assert!(
            text.contains("Clonazepam: compounded preparation") && text.contains("Dispense 70 daily doses"),
            "{text}"
        );
        assert!(text.contains("Each dose below is its own capsule strength"), "{text}");
        // (Strengths shared between doses, "0.2 mg is two of 0.1 mg", are core's `order` tests.)
        assert!(!text.contains("Made of"), "no column when each dose is its own strength: {text}");
        if let Ok(dir) = std::env::var("TAPER_TEST_KEEP") {
            let pdf = c.client.get(format!("{}/handoff/order?days=84&as=pdf", c.base)).send().await.unwrap();
            std::fs::write(std::path::Path::new(&dir).join("order-compounded.pdf"), pdf.bytes().await.unwrap())
                .unwrap();
        }
        // An odd period is refused by name.
        let odd = c.get("/handoff/order?days=30").await;
        assert_eq!(odd.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Shown again at the order's own form, the page kept.
        assert!(odd.has("id=\"order-error\">The period: choose 28, 56 or 84 days."), "{}", odd.body);
        app
    })
    .await;
}

/// A walk: a diazepam plan with tapering strips between its steps. The days between had
/// already reached each step's dose, so the step's first day, made from tablets, was no "change
/// of dose": the prescriber's summary jumped from 10 mg to 4.06 mg five months on, the pharmacy
/// order had no direction for that day, and the calendar told each day between to take the
/// step's tablets (9.5 mg: "2 × 5 mg tablet", which is 10 mg).
#[tokio::test]
async fn a_plan_with_strips_hands_on_every_step_and_each_days_own_preparation() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        p.sign_up_as("p@example.org", "Pat", "person").await;
        let today = crate::london_today();
        let iso = today.to_string();
        let plan = [
            ("drug", "diazepam"),
            ("dose", "10"),
            ("strategy", "proportional"),
            ("step", "10"),
            ("every", "14"),
            ("start_date", iso.as_str()),
            ("syringe", "0.1"),
            ("products", "diazepam-tab-2mg"),
            ("products", "diazepam-tab-5mg"),
            ("products", "diazepam-oral-solution-2mg-5ml"),
            ("strips", "0.5"),
            ("micro_taper", "yes"),
        ];
        let saved = p.submit("/plan/new?drug=diazepam", "/plan", &plan).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", visible(&saved));
        let step_one = today.checked_add(jiff::Span::new().days(14)).unwrap();
        let step_one_short = taper_report::pdf::short_date(step_one);

        // The calendar: each day between steps is prepared as that day's pouch, of its own dose.
        let ics = p.get("/calendar.ics").await.body.replace("\r\n ", "");
        let mut pouches = 0;
        for event in ics.split("BEGIN:VEVENT").skip(1) {
            let Some(to) = event.split("From today\\, ").nth(1).and_then(|t| t.split(" of Diazepam").next()) else {
                continue;
            };
            if let Some(rest) = event.split("pouch from the tapering strip (").nth(1) {
                assert_eq!(&rest[..rest.find(')').unwrap()], to, "a pouch of the day's own dose: {event}");
                pouches += 1;
            }
        }
        assert!(pouches > 1, "the days between steps are told to take their pouch: {ics}");
        // Step one's first day, made from tablets, has its own event (a re-walk: none, so the
        // day before's "take the day's pouch" stood for it).
        let on_step_one = format!("DTSTART;VALUE=DATE:{}", step_one.strftime("%Y%m%d"));
        assert!(ics.contains(&on_step_one), "{ics}");

        // The pharmacy's directions and the prescriber's plan ahead both show step one's day.
        let order = visible(&p.get("/handoff/order?days=28&as=page").await);
        let directions = order.split("Diazepam: directions").nth(1).expect("directions");
        assert!(directions.contains(&step_one_short), "step one's day has a direction: {order}");
        // The days of strips are a direction of their own, not step zero's tablets (a re-walk).
        assert!(directions.contains("a pouch a day from the tapering strip"), "{order}");
        let summary = visible(&p.get("/handoff/summary?as=page&days=90&part=plan").await);
        let ahead = summary.split("The plan ahead").nth(1).expect("the plan ahead");
        assert!(ahead.contains(&step_one_short), "step one is in the plan ahead: {summary}");
        assert!(ahead.contains("between these steps the dose falls a little every day"), "{summary}");
        app
    })
    .await;
}
