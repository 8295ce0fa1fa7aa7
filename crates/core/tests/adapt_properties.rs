//! Invariants of the wave/window reading and of the proposal rules, over random diaries.
#![allow(clippy::unwrap_used)]

use jiff::ToSpan as _;
use jiff::civil::{Date, date};
use proptest::prelude::*;
use taper_core::adapt::{Action, Rule, Situation, StepUnit, propose};
use taper_core::course::Change;
use taper_core::waves::{Entry, Kind, MIN_RUN, State, analyse};

fn day(i: i64) -> Date {
    date(2026, 1, 1).checked_add(i.days()).unwrap()
}

/// Diaries of up to 60 days, with gaps, burdens 0–51.
fn diary() -> impl Strategy<Value = Vec<Entry>> {
    prop::collection::vec((0i64..3, 0u32..=51), 0..60).prop_map(|v| {
        let mut d = 0;
        v.into_iter()
            .map(|(gap, b)| {
                d += 1 + if gap == 2 { 1 } else { 0 };
                Entry { date: day(d), burden: f64::from(b) }
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn waves_are_raised_runs_and_windows_follow_waves(entries in diary(), change in 0i64..40) {
        let a = analyse(&entries, Some(day(change)));
        if a.baseline.is_none() {
            prop_assert!(a.episodes.is_empty());
            return Ok(());
        }
        let b = a.baseline.unwrap();
        prop_assert!(a.threshold >= 3.0);
        let mut last_end: Option<Date> = None;
        let mut seen_wave = false;
        for e in &a.episodes {
            prop_assert!(e.entries >= MIN_RUN);
            prop_assert!(e.start <= e.end);
            if let Some(prev) = last_end { prop_assert!(e.start > prev, "episodes overlap"); }
            last_end = Some(e.end);
            let inside: Vec<_> = a.days.iter().filter(|d| d.date >= e.start && d.date <= e.end).collect();
            match e.kind {
                Kind::Wave => {
                    seen_wave = true;
                    prop_assert!(inside.iter().all(|d| d.state == State::Above && d.rolling > b.mean + a.threshold));
                }
                Kind::Window => {
                    prop_assert!(seen_wave, "a window before any wave");
                    prop_assert!(inside.iter().all(|d| d.rolling <= b.mean + a.threshold / 2.0));
                }
            }
        }
    }

    #[test]
    fn proposals_never_step_down_on_raised_burden_nor_grow_the_step(
        entries in diary(),
        change_day in 0i64..60,
        hold_day in prop::option::of(0i64..60),
        holds in 0u32..4,
        step in 1.0f64..20.0,
        dose in 0.5f64..40.0,
        cut in 0.05f64..0.5,
    ) {
        let a = analyse(&entries, Some(day(change_day)));
        let today = entries.last().map_or(day(0), |e| e.date);
        let change = Change { date: day(change_day), from_mg: dose / (1.0 - cut), to_mg: dose };
        let s = Situation {
            today,
            analysis: &a,
            dose_mg: dose,
            last_change: Some(change),
            hold_since: hold_day.map(day),
            holds,
            step,
            unit: StepUnit::PercentagePoints,
            has_next_step: true,
            score_rise: None,
        };
        let Some(p) = propose(&s) else { return Ok(()) };
        prop_assert!(!p.sources.is_empty() && !p.data.is_empty() && !p.reason.is_empty());
        match p.action {
            Action::NextStep { from_mg, step: next } => {
                prop_assert_eq!(p.rule, Rule::StepWhenStable);
                prop_assert_eq!(from_mg, dose);
                let latest = a.latest().unwrap();
                prop_assert!(latest.state == State::Settled, "step proposed while burden is not back at baseline");
                prop_assert!(a.days.iter().filter(|d| (today - d.date).get_days() < 14).all(|d| d.state != State::Above));
                prop_assert!(next <= step, "step grew from {step} to {next}");
                if holds > 0 { prop_assert!(next < step || step <= 1.0); }
            }
            Action::Hold { dose_mg } => {
                prop_assert_eq!(dose_mg, dose);
                prop_assert!(s.hold_since.is_none());
                prop_assert_eq!(a.latest().unwrap().state, State::Above);
            }
            Action::Return { dose_mg } => {
                prop_assert!(dose_mg > dose, "a return must go back up to the tolerated dose");
                prop_assert_eq!(dose_mg, change.from_mg);
                prop_assert_eq!(a.latest().unwrap().state, State::Above);
            }
            Action::Slower { .. } => prop_assert!(false, "propose never makes a supporter's suggestion"),
        }
    }
}

#[test]
fn a_rise_after_a_step_proposes_a_hold_then_a_return_and_stability_a_smaller_step() {
    // Seven quiet days, a cut on day 8, then a moderate rise (9 > 4 + 3, below the severe 4 + 2·3).
    let mut entries: Vec<Entry> = (1..=7).map(|d| Entry { date: day(d), burden: 4.0 }).collect();
    entries.extend((8..=11).map(|d| Entry { date: day(d), burden: 9.0 }));
    let a = analyse(&entries, Some(day(8)));
    let change = Change { date: day(8), from_mg: 20.0, to_mg: 12.0 };
    let s = Situation {
        today: day(11),
        analysis: &a,
        dose_mg: 12.0,
        last_change: Some(change),
        hold_since: None,
        holds: 0,
        step: 10.0,
        unit: StepUnit::PercentagePoints,
        has_next_step: true,
        score_rise: None,
    };
    let p = propose(&s).unwrap();
    assert_eq!(p.action, Action::Hold { dose_mg: 12.0 });
    assert!(p.data.iter().any(|d| d.contains("from 20 mg to 12 mg")), "{:?}", p.data);

    // Holding, and the burden climbs to severe: going back is proposed.
    entries.extend((12..=14).map(|d| Entry { date: day(d), burden: 15.0 }));
    let a = analyse(&entries, Some(day(8)));
    let s2 = Situation { today: day(14), analysis: &a, hold_since: Some(day(11)), holds: 1, ..s };
    assert_eq!(propose(&s2).unwrap().action, Action::Return { dose_mg: 20.0 });

    // Settled for two weeks on hold: the next step, halved because of the hold.
    entries.extend((15..=35).map(|d| Entry { date: day(d), burden: 4.0 }));
    let a = analyse(&entries, Some(day(8)));
    let s3 = Situation { today: day(35), analysis: &a, ..s2 };
    assert_eq!(propose(&s3).unwrap().action, Action::NextStep { from_mg: 12.0, step: 5.0 });
    // Without a hold behind it, nothing is proposed: the plan's own schedule stands.
    let s4 = Situation { hold_since: None, holds: 0, ..s3 };
    assert_eq!(propose(&s4), None);
}

/// Two new-user walks (2026-12-06): six calm days, a very hard day the day before the first cut,
/// then hard days after it. The wave's 3-day average began the day before the cut, and the rule
/// read only waves begun on or after it: Progress showed an ongoing wave and "No suggestions
/// right now". A wave that runs past the cut is answered with a hold; going back is only for a
/// rise the cut brought, or one begun more than a 3-day average earlier would count too.
#[test]
fn a_rise_begun_the_day_before_a_cut_and_running_past_it_is_answered() {
    let mut entries: Vec<Entry> = (1..=6).map(|d| Entry { date: day(d), burden: 1.5 }).collect();
    entries.push(Entry { date: day(7), burden: 30.0 });
    entries.extend((8..=15).map(|d| Entry { date: day(d), burden: 16.0 }));
    let a = analyse(&entries, Some(day(8)));
    let wave = a.ongoing_wave().unwrap();
    assert_eq!(wave.start, day(7), "the hard day lifts the average from the day before the cut");
    let s = Situation {
        today: day(15),
        analysis: &a,
        dose_mg: 12.5,
        last_change: Some(Change { date: day(8), from_mg: 20.0, to_mg: 12.5 }),
        hold_since: None,
        holds: 0,
        step: 5.0,
        unit: StepUnit::PercentagePoints,
        has_next_step: true,
        score_rise: None,
    };
    let p = propose(&s).expect("a hold, not silence");
    assert_eq!(p.rule, Rule::ReturnToTolerated, "severe, and begun with the cut: {p:?}");
    assert!(p.reason.starts_with("Your symptoms rose around the step to 12.5 mg"), "{}", p.reason);
    // Begun well before the cut (a week of hard days), the dose before was not tolerated either:
    // a hold, never "go back".
    let mut early: Vec<Entry> = (1..=6).map(|d| Entry { date: day(d), burden: 1.5 }).collect();
    early.extend((7..=22).map(|d| Entry { date: day(d), burden: 16.0 }));
    let a = analyse(&early, Some(day(7)));
    let s = Situation {
        today: day(22),
        analysis: &a,
        last_change: Some(Change { date: day(15), from_mg: 20.0, to_mg: 12.5 }),
        ..s
    };
    assert!(a.ongoing_wave().is_some_and(|w| w.start < day(13)));
    let p = propose(&s).expect("a hold");
    assert_eq!(p.action, Action::Hold { dose_mg: 12.5 }, "{p:?}");
    // Already holding: nothing more to suggest while it stands.
    let held = Situation { hold_since: Some(day(16)), holds: 1, ..s };
    assert_eq!(propose(&held), None);
}

/// Walk-through round 3: a PHQ-9 from 6 to 18 three days after a cut left "No suggestions right
/// now" and the next cut on Today. A questionnaire rise while the drug settles proposes a hold
/// like a rise in check-ins, and blocks the next step while it stands.
#[test]
fn a_questionnaire_rise_soon_after_a_cut_proposes_a_hold_and_never_the_next_step() {
    use taper_core::flags::Result as Score;
    use taper_core::measures::{Instrument, Measures};
    let m = Measures::builtin().unwrap();
    let cut = Change { date: day(20), from_mg: 20.0, to_mg: 12.0 };
    let score = |d: i64, total: u32| Score { instrument: Instrument::Phq9, date: day(d), total, item9: Some(0) };
    let rise = taper_core::adapt::score_rise(&[score(10, 6), score(23, 18)], &m, Some(cut), 7.3).unwrap();
    assert_eq!((rise.before.1, rise.after.1, rise.name), (6, 18, "PHQ-9"));
    // Outside the settling time, without a reliable rise, or with no cut: nothing.
    assert_eq!(taper_core::adapt::score_rise(&[score(10, 6), score(40, 18)], &m, Some(cut), 7.3), None);
    assert_eq!(taper_core::adapt::score_rise(&[score(10, 6), score(23, 8)], &m, Some(cut), 7.3), None);
    assert_eq!(taper_core::adapt::score_rise(&[score(23, 18)], &m, Some(cut), 7.3), None);
    // Both scores after the cut, the later one reliably higher: a rise while settling too.
    assert!(taper_core::adapt::score_rise(&[score(21, 6), score(23, 18)], &m, Some(cut), 7.3).is_some());
    // A calmer score since lets the check-ins speak again.
    assert_eq!(taper_core::adapt::score_rise(&[score(10, 6), score(23, 18), score(26, 7)], &m, Some(cut), 7.3), None);
    // No check-ins at all: the hold is still proposed.
    let a = analyse(&[], Some(day(20)));
    let s = Situation {
        today: day(23),
        analysis: &a,
        dose_mg: 12.0,
        last_change: Some(cut),
        hold_since: None,
        holds: 0,
        step: 10.0,
        unit: StepUnit::PercentagePoints,
        has_next_step: true,
        score_rise: Some(rise),
    };
    let p = propose(&s).unwrap();
    assert_eq!(p.action, Action::Hold { dose_mg: 12.0 });
    assert!(
        p.reason.contains("rose from 6 to 18, 3 days after your last step") && p.sources.contains(&"fava2015"),
        "{}",
        p.reason
    );
    // Already holding: no next step while the rise stands, even with settled check-ins.
    let mut entries: Vec<Entry> = (1..=40).map(|d| Entry { date: day(d), burden: 4.0 }).collect();
    entries.truncate(40);
    let a = analyse(&entries, Some(day(20)));
    let held = Situation { today: day(40), analysis: &a, hold_since: Some(day(23)), holds: 1, ..s };
    assert_eq!(propose(&held), None);
}

#[test]
fn accepting_says_how_the_plan_changes() {
    use taper_core::adapt::FirstCut;
    // A hold or a return keeps the dose with no further cut; the next step starts today; a
    // supporter's smaller steps keep today's dose for one more interval.
    let hold = Action::Hold { dose_mg: 12.0 }.revision();
    assert_eq!((hold.from_mg, hold.step, hold.first_cut), (12.0, None, FirstCut::None));
    assert_eq!(Action::Return { dose_mg: 20.0 }.revision().first_cut, FirstCut::None);
    let next = Action::NextStep { from_mg: 12.0, step: 2.5 }.revision();
    assert_eq!((next.step, next.first_cut), (Some(2.5), FirstCut::Today));
    let slower = Action::Slower { from_mg: 12.0, step: 2.5 }.revision();
    assert_eq!(slower.first_cut, FirstCut::AfterOneInterval);
    assert!(!Action::Hold { dose_mg: 1.0 }.resumes() && Action::Slower { from_mg: 1.0, step: 1.0 }.resumes());
}

#[test]
fn a_supporters_smaller_step_is_checked_in_core() {
    let pp = StepUnit::PercentagePoints;
    assert_eq!(pp.smaller_step(5.0, " 2.5 "), Ok(2.5));
    for bad in ["5", "7", "0.5", "x", "NaN", "inf"] {
        let e = pp.smaller_step(5.0, bad).unwrap_err();
        assert!(e.contains("at least 1 pp and below the current 5 pp"), "{bad}: {e}");
    }
    assert!(StepUnit::Percent.smaller_step(10.0, "2").unwrap_err().contains("at least 2.5%"));
}
