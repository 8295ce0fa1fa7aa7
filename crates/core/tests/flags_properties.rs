//! Invariants of questionnaire scoring and clinician flags.
#![allow(clippy::unwrap_used)]

use jiff::ToSpan as _;
use jiff::civil::{Date, date};
use proptest::prelude::*;
use taper_core::consent::Category;
use taper_core::flags::FlagKind;
use taper_core::flags::{self, Input, PlanInput, Urgency};
use taper_core::measures::{Answers, Instrument, Measures};
use taper_core::waves::analyse;

fn day(i: i64) -> Date {
    date(2026, 1, 1).checked_add(i.days()).unwrap()
}

fn results() -> impl Strategy<Value = Vec<flags::Result>> {
    prop::collection::vec((any::<bool>(), prop::collection::vec(0u8..=3, 9), 0i64..200), 0..8).prop_map(|v| {
        let mut out: Vec<flags::Result> = v
            .into_iter()
            .map(|(phq, items, d)| {
                let inst = if phq { Instrument::Phq9 } else { Instrument::Gad7 };
                let a = Answers::new(inst, &items[..inst.items().len()]).unwrap();
                flags::Result { instrument: inst, date: day(d), total: a.total(), item9: a.item9() }
            })
            .collect();
        out.sort_by_key(|r| r.date);
        out
    })
}

proptest! {
    #[test]
    fn scores_stay_in_range_and_bands_never_fall_as_scores_rise(items in prop::collection::vec(0u8..=3, 9)) {
        let m = Measures::builtin().unwrap();
        for inst in Instrument::ALL {
            let a = Answers::new(inst, &items[..inst.items().len()]).unwrap();
            prop_assert!(a.total() <= inst.max());
            let s = m.of(inst);
            let rank = |t: u32| s.bands.iter().position(|b| b.label == s.band(t)).unwrap();
            for t in 0..inst.max() {
                prop_assert!(rank(t) <= rank(t + 1));
            }
        }
    }

    #[test]
    fn item_9_above_zero_always_raises_an_urgent_flag_first(rs in results(), today in 150i64..200,
                                                            alone in proptest::collection::vec((0i64..200, 1u8..4), 0..4),
                                                            daily in proptest::collection::vec(0i64..200, 0..4)) {
        let m = Measures::builtin().unwrap();
        let analysis = analyse(&[], None);
        let input = Input {
            today: day(today),
            measures: &m,
            results: &rs,
            reading: &analysis.reading(),
            plans: &[PlanInput { name: "sertraline", changes: &[], hold_since: None, settle_days: 7.3, started: day(0) }],
            last_checkin: None,
            questionnaire_every_days: 14,
            item9_answers: &alone.iter().map(|(d, v)| (day(*d), *v)).collect::<Vec<_>>(),
            daily_safety: &daily.iter().map(|d| day(*d)).collect::<Vec<_>>(),
        };
        let fl = flags::flags(&input);
        // An item-9 answer kept on its own (an incomplete PHQ-9) flags like a completed one.
        for (d, _) in alone.iter().filter(|(d, _)| *d <= today && today - *d <= 90) {
            let key = format!("item9:{}", day(*d));
            prop_assert!(fl.iter().any(|f| f.key == key && f.urgency == Urgency::Urgent), "no urgent flag for {key}");
        }
        // A "yes" to the daily question flags like item 9, on the day it was given.
        for d in daily.iter().filter(|d| **d <= today && today - **d <= 90) {
            let key = format!("selfharm:{}", day(*d));
            prop_assert!(fl.iter().any(|f| f.key == key && f.urgency == Urgency::Urgent), "no urgent flag for {key}");
        }
        for r in rs.iter().filter(|r| r.item9.is_some_and(|v| v > 0) && r.date <= day(today) && (day(today) - r.date).get_days() <= 90) {
            let key = format!("item9:{}", r.date);
            prop_assert!(fl.iter().any(|f| f.key == key && f.urgency == Urgency::Urgent), "no urgent flag for {key}");
        }
        prop_assert!(fl.windows(2).all(|w| w[0].urgency <= w[1].urgency), "most urgent first");
        // A flag shows only to supporters who see what it comes from: questionnaire flags go
        // with questionnaires, the missed check-in flag with check-in scores; its key starts
        // with its kind.
        for f in &fl {
            let expected = match f.kind {
                FlagKind::Item9 | FlagKind::Deterioration | FlagKind::Overdue => Category::Questionnaires,
                FlagKind::SelfHarm | FlagKind::Burden | FlagKind::HardDays | FlagKind::MissedCheckins => {
                    Category::CheckinScores
                }
                FlagKind::LongHold => Category::PlanAndDoses,
            };
            prop_assert_eq!(f.about(), expected, "{}", f.key);
            prop_assert_eq!(FlagKind::of_key(&f.key), Some(f.kind), "{}", f.key);
        }
        let keys: std::collections::HashSet<_> = fl.iter().map(|f| &f.key).collect();
        prop_assert_eq!(keys.len(), fl.len(), "keys identify flags");
    }
}

#[test]
fn deterioration_after_a_step_is_flagged_with_the_dose_context() {
    let m = Measures::builtin().unwrap();
    let rs = [
        flags::Result { instrument: Instrument::Phq9, date: day(0), total: 5, item9: Some(0) },
        flags::Result { instrument: Instrument::Phq9, date: day(14), total: 12, item9: Some(0) },
    ];
    let changes = [taper_core::course::Change { date: day(7), from_mg: 20.0, to_mg: 12.0 }];
    let analysis = analyse(&[], None);
    let input = Input {
        today: day(14),
        measures: &m,
        results: &rs,
        reading: &analysis.reading(),
        plans: &[PlanInput {
            name: "sertraline",
            changes: &changes,
            hold_since: None,
            settle_days: 7.3,
            started: day(0),
        }],
        last_checkin: Some(day(14)),
        questionnaire_every_days: 14,
        item9_answers: &[],
        daily_safety: &[],
    };
    let fl = flags::flags(&input);
    let f = fl.iter().find(|f| f.key == "deterioration:phq9:2026-01-15").unwrap();
    assert_eq!(f.urgency, Urgency::High);
    assert!(f.data.iter().any(|d| d.contains("7 days after the dose changed from 20 mg to 12 mg")), "{:?}", f.data);
    // Clinical review W8: within the settling time after a cut, the flag says withdrawal raises
    // these scores, which items, and points to the withdrawal-or-return aid.
    assert!(
        f.data
            .iter()
            .any(|d| d.contains("Withdrawal raises PHQ-9 scores too") && d.contains("withdrawal-or-return aid")),
        "{:?}",
        f.data
    );
    let settled =
        [PlanInput { name: "sertraline", changes: &changes, hold_since: None, settle_days: 3.0, started: day(0) }];
    let later = Input { plans: &settled, ..input };
    let fl = flags::flags(&later);
    let f = fl.iter().find(|f| f.key == "deterioration:phq9:2026-01-15").unwrap();
    // Settled four days before, but the two weeks the PHQ-9 asks about still reach the settling
    // days (a re-run of W8 found a questionnaire 12 days after a cut without the caution).
    assert!(
        f.data.iter().any(|d| d.contains("the 14 days it asks about include days when levels were still settling")),
        "{:?}",
        f.data
    );
    assert!(fl.iter().any(|f| f.key.starts_with("overdue:gad7")), "GAD-7 never done");
}

/// Walk-through N8: item 9 kept on its own ("More than half the days") and, the same day, a
/// completed PHQ-9 with item 9 "Several days" (total 16). The flag says each answer with where it
/// came from; it never pairs one answer's words with the other's total.
#[test]
fn two_item9_answers_on_one_day_are_said_apart() {
    let m = Measures::builtin().unwrap();
    let rs = [flags::Result { instrument: Instrument::Phq9, date: day(10), total: 16, item9: Some(1) }];
    let analysis = analyse(&[], None);
    let input = Input {
        today: day(10),
        measures: &m,
        results: &rs,
        reading: &analysis.reading(),
        plans: &[PlanInput { name: "sertraline", changes: &[], hold_since: None, settle_days: 7.3, started: day(0) }],
        last_checkin: Some(day(10)),
        questionnaire_every_days: 14,
        item9_answers: &[(day(10), 2)],
        daily_safety: &[],
    };
    let fl = flags::flags(&input);
    let f = fl.iter().find(|f| f.kind == FlagKind::Item9).unwrap();
    assert_eq!(fl.iter().filter(|f| f.kind == FlagKind::Item9).count(), 1, "one flag for the day");
    let completed = f.data.iter().find(|d| d.contains("total 16")).unwrap();
    assert!(completed.contains("\"Several days\""), "{completed}");
    assert!(!completed.contains("More than half"), "{completed}");
    let alone = f.data.iter().find(|d| d.contains("kept on its own")).unwrap();
    assert!(alone.contains("\"More than half the days\""), "{alone}");
    assert!(!alone.contains("total"), "{alone}");

    // The answer kept as the completed PHQ-9 was sent is that PHQ-9's, not a second, incomplete
    // one (a walk: "the rest of that PHQ-9 was not completed" beside the completed one).
    let kept = [(day(10), 1)];
    let once = Input { item9_answers: &kept, ..input };
    let fl = flags::flags(&once);
    let f = fl.iter().find(|f| f.kind == FlagKind::Item9).unwrap();
    assert!(f.data.iter().any(|d| d.contains("total 16")), "{:?}", f.data);
    assert!(f.data.iter().all(|d| !d.contains("not completed")), "{:?}", f.data);
}

/// Several plans at once (issue 20): a rise after the second drug's cut is read against that cut,
/// its milligrams are said with its name, the settling time is that drug's, and a long hold of
/// either plan is flagged.
#[test]
fn with_two_plans_each_change_is_named_and_each_hold_is_seen() {
    let m = Measures::builtin().unwrap();
    let rs = [
        flags::Result { instrument: Instrument::Phq9, date: day(0), total: 5, item9: Some(0) },
        flags::Result { instrument: Instrument::Phq9, date: day(70), total: 12, item9: Some(0) },
    ];
    let sertraline = [taper_core::course::Change { date: day(1), from_mg: 50.0, to_mg: 40.0 }];
    let alprazolam = [taper_core::course::Change { date: day(66), from_mg: 1.5, to_mg: 1.25 }];
    let analysis = analyse(&[], None);
    let plans = [
        PlanInput {
            name: "Sertraline",
            changes: &sertraline,
            hold_since: Some(day(2)),
            settle_days: 5.0,
            started: day(0),
        },
        PlanInput { name: "Alprazolam", changes: &alprazolam, hold_since: None, settle_days: 2.0, started: day(40) },
    ];
    let input = Input {
        today: day(70),
        measures: &m,
        results: &rs,
        reading: &analysis.reading(),
        plans: &plans,
        last_checkin: Some(day(70)),
        questionnaire_every_days: 14,
        item9_answers: &[],
        daily_safety: &[],
    };
    let fl = flags::flags(&input);
    let f = fl.iter().find(|f| f.kind == FlagKind::Deterioration).unwrap();
    assert!(
        f.data.iter().any(|d| d.contains("4 days after the Alprazolam dose changed from 1.5 mg to 1.25 mg")),
        "{:?}",
        f.data
    );
    // Four days after the cut is past alprazolam's two days to settle, but the two weeks asked
    // about reach back into them.
    assert!(f.data.iter().any(|d| d.contains("4 days after a cut: the 14 days it asks about")), "{:?}", f.data);
    let hold = fl.iter().find(|f| f.kind == FlagKind::LongHold).unwrap();
    assert!(hold.data[0].starts_with("Sertraline: holding since 2026-01-03"), "{:?}", hold.data);
}

/// A questionnaire never completed is overdue a grace after the first plan's first day, not on the
/// day the account was made (a walk).
#[test]
fn a_questionnaire_never_completed_is_overdue_only_a_grace_after_the_plan_starts() {
    let m = Measures::builtin().unwrap();
    let analysis = analyse(&[], None);
    let plans = [PlanInput { name: "sertraline", changes: &[], hold_since: None, settle_days: 5.0, started: day(0) }];
    let on = |today: i64| {
        let input = Input {
            today: day(today),
            measures: &m,
            results: &[],
            reading: &analysis.reading(),
            plans: &plans,
            last_checkin: Some(day(today)),
            questionnaire_every_days: 14,
            item9_answers: &[],
            daily_safety: &[],
        };
        flags::flags(&input).iter().filter(|f| f.kind == FlagKind::Overdue).count()
    };
    assert_eq!(on(0), 0, "not on the first day");
    assert_eq!(on(i64::from(flags::OVERDUE_GRACE_DAYS)), 0);
    assert_eq!(on(i64::from(flags::OVERDUE_GRACE_DAYS) + 1), 2, "PHQ-9 and GAD-7, a grace after the start");
}

/// A check-in hard in itself reaches the clinician, whatever the person's baseline and whether or
/// not a dose just changed (a walk: burden 20.7, "zaps, crying, could not work", raised no flag).
#[test]
fn a_hard_day_in_the_check_ins_is_flagged_once_for_each_run() {
    use taper_core::symptoms::HIGH_IN_ITSELF;
    use taper_core::waves::Entry;
    let m = Measures::builtin().unwrap();
    let changes = [taper_core::course::Change { date: day(10), from_mg: 20.0, to_mg: 18.0 }];
    let plans =
        [PlanInput { name: "Paroxetine", changes: &changes, hold_since: None, settle_days: 5.0, started: day(0) }];
    let flags_on = |entries: &[(i64, f64)], today: i64, plans: &[PlanInput]| {
        let entries: Vec<Entry> = entries.iter().map(|(d, b)| Entry { date: day(*d), burden: *b }).collect();
        let analysis = analyse(&entries, Some(day(10)));
        let input = Input {
            today: day(today),
            measures: &m,
            results: &[],
            reading: &analysis.reading(),
            plans,
            last_checkin: entries.last().map(|e| e.date),
            questionnaire_every_days: 14,
            item9_answers: &[],
            daily_safety: &[],
        };
        flags::flags(&input).into_iter().filter(|f| f.kind == FlagKind::HardDays).collect::<Vec<_>>()
    };
    // The walk's day: the first check-in, so no baseline to rise above, and no wave.
    let one = flags_on(&[(20, 20.7)], 21, &plans);
    assert_eq!(one.len(), 1, "{one:?}");
    assert_eq!(one[0].key, format!("hard:{}", day(20)));
    assert_eq!(one[0].urgency, Urgency::Medium);
    assert_eq!(one[0].about(), Category::CheckinScores);
    assert!(one[0].data[0].starts_with("Burden 20.7 on 2026-01-21 (of 51)"), "{:?}", one[0].data);
    assert!(one[0].data[1].contains("10 days after the dose changed from 20 mg to 18 mg"), "{:?}", one[0].data);
    // Just under the line is not hard; the line itself is.
    assert!(flags_on(&[(20, HIGH_IN_ITSELF - 0.1)], 21, &plans).is_empty());
    assert_eq!(flags_on(&[(20, HIGH_IN_ITSELF)], 21, &plans).len(), 1);
    // Three hard check-ins in a row are one flag, keyed by the first, so resolving it holds while
    // the run goes on; an easier day ends the run, and the next hard day is a new flag.
    let run = flags_on(&[(15, 5.0), (16, 25.0), (17, 30.5), (18, 19.0)], 19, &plans);
    assert_eq!(run.len(), 1);
    assert_eq!(run[0].key, format!("hard:{}", day(16)));
    assert!(run[0].data[0].starts_with("Burden up to 30.5 on 3 check-ins in a row"), "{:?}", run[0].data);
    let again = flags_on(&[(16, 25.0), (17, 5.0), (18, 19.0)], 19, &plans);
    assert_eq!(again[0].key, format!("hard:{}", day(18)));
    // A week later it is no longer new; without a plan the flags say nothing of check-ins.
    assert_eq!(flags_on(&[(20, 20.7)], 27, &plans).len(), 1);
    assert!(flags_on(&[(20, 20.7)], 28, &plans).is_empty());
    assert!(flags_on(&[(20, 20.7)], 21, &[]).is_empty());
}

/// Today says a hard day again while it is the person's latest check-in and recent; an easier
/// check-in after it, or a week gone by, ends that (a walk: after a hard day, Today said only
/// "You have checked in today", while the clinician had a flag).
#[test]
fn the_person_hears_of_a_hard_day_while_it_is_their_latest() {
    use taper_core::waves::Entry;
    let read = |entries: &[(i64, f64)]| {
        let entries: Vec<Entry> = entries.iter().map(|(d, b)| Entry { date: day(*d), burden: *b }).collect();
        analyse(&entries, None)
    };
    let hard = read(&[(9, 3.0), (10, 25.0)]);
    let now = hard.hard_now(day(10)).unwrap();
    assert_eq!((now.start, now.latest, now.entries), (day(10), day(10), 1));
    assert!(hard.hard_now(day(17)).is_some());
    assert!(hard.hard_now(day(18)).is_none(), "a week on");
    assert!(read(&[(10, 25.0), (11, 4.0)]).hard_now(day(11)).is_none(), "an easier day since");
    let run = read(&[(10, 25.0), (11, 18.0)]).hard_now(day(11)).unwrap();
    assert_eq!((run.start, run.entries), (day(10), 2));
}
