//! Issue 20: a Proceed / Caution / Hold reading before each step, from the person's own recent
//! check-ins, questionnaires and the adaptive rules, with every signal and the rule's sources.
#![allow(clippy::unwrap_used)] // a test fails loudly by design

use jiff::ToSpan as _;
use jiff::civil::{Date, date};
use taper_core::Catalogue;
use taper_core::adapt::{Situation, StepUnit, own_reason, resume_step};
use taper_core::course::Change;
use taper_core::readiness::{Level, read};
use taper_core::waves::{Entry, analyse};

fn day(i: i64) -> Date {
    date(2026, 1, 1).checked_add(i.days()).unwrap()
}

fn situation<'a>(a: &'a taper_core::waves::Analysis, today: i64, change: Change) -> Situation<'a> {
    Situation {
        today: day(today),
        analysis: a,
        dose_mg: change.to_mg,
        last_change: Some(change),
        hold_since: None,
        holds: 0,
        step: 10.0,
        unit: StepUnit::Percent,
        has_next_step: true,
        score_rise: None,
    }
}

fn texts(r: &taper_core::readiness::Readiness) -> String {
    r.signals.iter().map(|s| format!("[{}] {}", s.level.word(), s.text)).collect::<Vec<_>>().join("\n")
}

/// Settled daily check-ins for weeks after a cut: Proceed, saying why.
#[test]
fn settled_and_checked_in_reads_proceed_with_its_reasons() {
    let entries: Vec<Entry> = (1..=40).map(|d| Entry { date: day(d), burden: 4.0 }).collect();
    let cut = Change { date: day(12), from_mg: 20.0, to_mg: 18.0 };
    let a = analyse(&entries, Some(cut.date));
    let r = read(&situation(&a, 40, cut), true);
    assert_eq!(r.level, Level::Proceed, "{}", texts(&r));
    let t = texts(&r);
    assert!(t.contains("14 check-ins in the last 14 days, 0 raised") && t.contains("near your baseline"), "{t}");
    assert!(t.contains("No reliable worsening on PHQ-9 or GAD-7"), "{t}");
    // Every source is in the catalogue's list.
    let c = Catalogue::builtin().unwrap();
    for s in &r.sources {
        assert!(c.source(s).is_some(), "unknown source {s}");
    }
}

/// A rise after a cut: Hold, with the rule's own words; a rise in a questionnaire likewise.
#[test]
fn a_rise_after_a_cut_reads_hold() {
    let mut entries: Vec<Entry> = (1..=20).map(|d| Entry { date: day(d), burden: 4.0 }).collect();
    entries.extend((21..=25).map(|d| Entry { date: day(d), burden: 14.0 }));
    let cut = Change { date: day(20), from_mg: 20.0, to_mg: 18.0 };
    let a = analyse(&entries, Some(cut.date));
    let r = read(&situation(&a, 25, cut), false);
    assert_eq!(r.level, Level::Hold, "{}", texts(&r));
    assert!(texts(&r).contains("[Hold] Consider going back to 20 mg"), "the rule's own proposal: {}", texts(&r));
    assert!(texts(&r).contains("raised above your baseline"), "{}", texts(&r));

    use taper_core::flags::Result as Score;
    use taper_core::measures::{Instrument, Measures};
    let m = Measures::builtin().unwrap();
    let settled: Vec<Entry> = (1..=40).map(|d| Entry { date: day(d), burden: 4.0 }).collect();
    let a = analyse(&settled, Some(day(36)));
    let cut = Change { date: day(36), from_mg: 20.0, to_mg: 18.0 };
    let score = |d: i64, total: u32| Score { instrument: Instrument::Phq9, date: day(d), total, item9: Some(0) };
    let rise = taper_core::adapt::score_rise(&[score(20, 5), score(38, 17)], &m, Some(cut), 7.0);
    let r = read(&Situation { score_rise: rise, ..situation(&a, 40, cut) }, true);
    assert_eq!(r.level, Level::Hold, "{}", texts(&r));
    assert!(texts(&r).contains("PHQ-9 rose reliably, from 5 to 17"), "{}", texts(&r));
}

/// When Taper cannot tell: Caution, and why (no baseline yet; check-ins stale or too few).
#[test]
fn too_little_or_stale_data_reads_caution() {
    let cut = Change { date: day(5), from_mg: 20.0, to_mg: 18.0 };
    let a = analyse(&[], Some(cut.date));
    let r = read(&situation(&a, 30, cut), false);
    assert_eq!(r.level, Level::Caution, "{}", texts(&r));
    assert!(texts(&r).contains("Not enough check-ins yet to know your own baseline"), "{}", texts(&r));
    assert!(!texts(&r).contains("PHQ-9"), "nothing said of questionnaires none answered: {}", texts(&r));

    let entries: Vec<Entry> = (1..=20).map(|d| Entry { date: day(d), burden: 4.0 }).collect();
    let a = analyse(&entries, Some(cut.date));
    let r = read(&situation(&a, 26, cut), false);
    assert_eq!(r.level, Level::Caution, "{}", texts(&r));
    let t = texts(&r);
    assert!(t.contains("latest check-in is 6 days old") && t.contains("8 check-ins in the last 14 days"), "{t}");
}

/// Going on after a hold by one's own choice takes the same halved step as the rule's proposal,
/// and the words kept with the revision say whose choice it was.
#[test]
fn going_on_by_ones_own_choice_is_said_so_and_slower_after_a_hold() {
    let a = analyse(&[], None);
    let cut = Change { date: day(5), from_mg: 20.0, to_mg: 18.0 };
    let s = Situation { holds: 1, hold_since: Some(day(10)), ..situation(&a, 30, cut) };
    assert_eq!(resume_step(&s), 5.0);
    assert_eq!(resume_step(&Situation { holds: 0, ..s }), 10.0);
    // Held before any cut (the plan's first day): nothing to go on more slowly from.
    assert_eq!(resume_step(&Situation { last_change: None, ..s }), 10.0);
    use taper_core::adapt::Action;
    assert_eq!(
        own_reason(Action::Hold { dose_mg: 18.0 }, StepUnit::Percent, 10.0, false),
        "Held at 18 mg by your own choice"
    );
    let on = own_reason(Action::NextStep { from_mg: 18.0, step: 5.0 }, StepUnit::Percent, 10.0, true);
    assert!(on.contains("5% per step") && on.contains("half the 10% before") && on.contains("said Hold"), "{on}");
    let plain = own_reason(Action::NextStep { from_mg: 18.0, step: 10.0 }, StepUnit::Percent, 10.0, false);
    assert!(!plain.contains("half") && !plain.contains("Hold"), "{plain}");
}

/// A walk checked in every item "severe" for a week and read "Proceed … near your baseline": the
/// baseline was built on those days. A burden very high in itself reads Hold whatever the
/// baseline; high in itself, Caution; with no baseline yet, never Proceed.
#[test]
fn a_burden_high_in_itself_is_never_proceed() {
    use taper_core::symptoms::{HIGH_IN_ITSELF, MAX_BURDEN};
    let cut = Change { date: day(2), from_mg: 20.0, to_mg: 18.0 };
    let severe: Vec<Entry> = (1..=20).map(|d| Entry { date: day(d), burden: f64::from(MAX_BURDEN) }).collect();
    let a = analyse(&severe, Some(cut.date));
    let r = read(&situation(&a, 20, cut), false);
    assert_eq!(r.level, Level::Hold, "{}", texts(&r));
    assert!(texts(&r).contains("very high in itself, whatever your usual level"), "{}", texts(&r));
    let mild: Vec<Entry> = (1..=20).map(|d| Entry { date: day(d), burden: HIGH_IN_ITSELF + 1.0 }).collect();
    let a = analyse(&mild, Some(cut.date));
    let r = read(&situation(&a, 20, cut), false);
    assert_eq!(r.level, Level::Caution, "{}", texts(&r));
    assert!(texts(&r).contains("high in itself"), "{}", texts(&r));
    let first = [Entry { date: day(20), burden: f64::from(MAX_BURDEN) }];
    let a = analyse(&first, Some(cut.date));
    let r = read(&situation(&a, 20, cut), false);
    assert_ne!(r.level, Level::Proceed, "no baseline yet, and never Proceed: {}", texts(&r));
}
