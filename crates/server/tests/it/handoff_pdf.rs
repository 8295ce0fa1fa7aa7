//! Issue 22: the saved plan as a PDF to print or hand to the prescriber, read back by an
//! independent reader (poppler's `pdftotext`, installed by scripts/test-deps).

use reqwest::StatusCode;

use crate::helpers::{TestApp, on_both};
use crate::{days_ago, make_plan};

/// What poppler reads from a PDF, white space made single.
fn read(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let file = std::env::temp_dir().join(format!("taper-plan-{}.pdf", uuid::Uuid::now_v7()));
    std::fs::write(&file, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
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
        // Someone else's plan is not theirs to download.
        let other = app.browser();
        other.sign_up_as("o@example.org", "Olu", "person").await;
        let theirs = other.client.get(format!("{}{link}", other.base)).send().await.unwrap();
        assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
        app
    })
    .await;
}
