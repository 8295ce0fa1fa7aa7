//! PDFs read back by an independent reader: poppler's `pdftotext` (scripts/test-deps installs it;
//! a missing reader fails these tests rather than skipping them).
#![cfg(feature = "pdf")]
#![allow(clippy::unwrap_used)] // a test fails loudly by design

use std::process::Command;

use taper_core::formulation::{Equipment, Kit, Stock};
use taper_core::schedule::{PlanRequest, Strategy, plan};
use taper_core::{Catalogue, Mg};
use taper_report::pdf::{self, PlanDocument, StepRow, TimeRow};

/// What poppler reads from `bytes`, as it prints it (pages end with a form feed).
fn read_back(bytes: &[u8], name: &str) -> Vec<u8> {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let path = std::env::temp_dir().join(format!("taper-pdf-test-{}-{name}.pdf", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils; scripts/test-deps installs it)");
    std::fs::remove_file(&path).ok();
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// The text poppler reads, with runs of white space made one space.
fn text_of(bytes: &[u8], name: &str) -> String {
    String::from_utf8(read_back(bytes, name)).unwrap().split_whitespace().collect::<Vec<_>>().join(" ")
}

fn row(step: &str, dose: &str, how: &str) -> StepRow {
    StepRow {
        step: step.into(),
        when: "from 4 Jan 2027".into(),
        dose: dose.into(),
        how: how.into(),
        first: vec![],
        times: vec![],
        stock: None,
        notes: vec![],
    }
}

fn document(notes: Vec<String>, steps: Vec<StepRow>) -> PlanDocument {
    PlanDocument {
        title: "Paroxetine: a taper plan".into(),
        made: "Made on 7 Dec 2026".into(),
        person: Some("For #Marta *".into()),
        summary: vec!["A 5% cut of the current dose per step, a step every 28 days.".into()],
        hold: None,
        steps,
        notes,
        months: vec![],
        months_note: None,
        disclaimer: taper_report::DISCLAIMER.into(),
    }
}

/// The invariant of `pdf`: text a person typed (a name, a note) is printed as typed, never read as
/// typst markup or code — here markup that would hide text, a call that would fail the layout, and
/// a label and a reference that do not exist.
#[test]
fn a_persons_words_are_printed_never_run_as_markup() {
    let tricky = "#set text(fill: white) *not bold* $x^2$ #panic(\"boom\") <here> @nowhere _x_ // not a comment";
    let bytes = pdf::plan(&document(vec![tricky.into()], vec![row("0 (now)", "20 mg", "1 × 20 mg tablet")])).unwrap();
    let text = text_of(&bytes, "markup");
    assert!(text.contains(tricky), "{text}");
    assert!(text.contains("For #Marta *"), "{text}");
    assert!(text.contains(taper_report::DISCLAIMER), "the disclaimer, whole: {text}");
}

/// A day in parts shows what to make first, then each time with its amount; a long plan runs onto
/// more pages and still ends with its last step and the room for the prescriber's agreement.
#[test]
fn a_day_in_parts_and_a_long_plan_read_back_whole() {
    let mut parts = row("3", "8.25 mg", "");
    parts.first = vec!["First make the day's 1 in 10 dilution: 1 mL with 9 mL of water.".into()];
    parts.times = vec![
        TimeRow { time: "08:00".into(), dose: "4.25 mg".into(), take: "5.7 mL (4.25 mg) of the dilution".into() },
        TimeRow { time: "20:00".into(), dose: "4 mg".into(), take: "5.3 mL (4 mg) of the dilution".into() },
    ];
    let mut steps = vec![parts];
    steps.extend((4..90).map(|i| row(&i.to_string(), &format!("{i} mg"), "a compounded dose")));
    let bytes = pdf::plan(&document(vec![], steps)).unwrap();
    let text = text_of(&bytes, "long");
    assert!(text.contains("First make the day's 1 in 10 dilution"), "{text}");
    assert!(text.contains("08:00, 4.25 mg: 5.7 mL (4.25 mg) of the dilution"), "{text}");
    assert!(text.contains("20:00, 4 mg: 5.3 mL (4 mg) of the dilution"), "{text}");
    assert!(text.contains("89 mg"), "the last step: {text}");
    assert!(text.contains("Prescriber:") && text.contains("Signature:") && text.contains("Name:"), "{text}");
    let pages = read_back(&bytes, "long-pages").iter().filter(|b| **b == 0x0c).count();
    assert!(pages >= 3, "87 steps on {pages} pages");
}

/// A plan made by core, as the CLI prints it: every step's date from the first day and its
/// preparation with the milligrams beside the volume, the notes, the length.
#[test]
fn a_core_plan_prints_each_step_its_date_and_its_preparation() {
    let c = Catalogue::builtin().unwrap();
    let stocks = ["paroxetine-tab-20mg", "paroxetine-oral-suspension-2mg-ml"]
        .iter()
        .map(|id| Stock::new(c.product(id).unwrap().clone()))
        .collect();
    let req = PlanRequest::new(
        "paroxetine",
        Mg::new(20.0).unwrap(),
        Strategy::Proportional { step_percent: 10.0 },
        Kit { stocks, equipment: Equipment::default() },
    );
    let p = plan(&c, &req).unwrap();
    let first = jiff::civil::date(2027, 1, 4);
    let doc = PlanDocument::of_plan(&p, &c, Some(first), jiff::civil::date(2026, 12, 7));
    let bytes = pdf::plan(&doc).unwrap();
    let text = text_of(&bytes, "core");
    assert!(text.contains("Paroxetine: a taper plan") && text.contains("Made on 7 Dec 2026"), "{text}");
    assert!(text.contains("from 4 Jan 2027 (now)"), "the first day: {text}");
    for s in &p.steps[1..] {
        let when = pdf::short_date(first.checked_add(jiff::Span::new().days(i64::from(s.day))).unwrap());
        assert!(text.contains(&format!("from {when}")), "step {} on {when}: {text}", s.index);
    }
    // Every volume is printed with its milligrams (clinical review D1).
    let last_drawn = p.steps.iter().rev().find(|s| !s.dose_mg.is_zero()).unwrap();
    let how = last_drawn.preparation.instruction();
    let volume = how.split(" of the").next().unwrap();
    assert!(volume.contains("mL (") && text.contains(volume), "{volume} in {text}");
    for w in &p.warnings {
        let start: String = w.message.split_whitespace().take(8).collect::<Vec<_>>().join(" ");
        assert!(text.contains(&start), "{start}");
    }
}
