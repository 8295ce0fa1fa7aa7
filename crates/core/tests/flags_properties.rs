//! Invariants of questionnaire scoring and clinician flags.
#![allow(clippy::unwrap_used)]

use jiff::ToSpan as _;
use jiff::civil::{Date, date};
use proptest::prelude::*;
use taper_core::consent::Category;
use taper_core::flags::FlagKind;
use taper_core::flags::{self, Input, Urgency};
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
            analysis: &analysis,
            changes: &[],
            hold_since: None,
            last_checkin: None,
            has_plan: true,
            questionnaire_every_days: 14,
            item9_answers: &alone.iter().map(|(d, v)| (day(*d), *v)).collect::<Vec<_>>(),
            daily_safety: &daily.iter().map(|d| day(*d)).collect::<Vec<_>>(),
            settle_days: 7.3,
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
                FlagKind::SelfHarm | FlagKind::Burden | FlagKind::MissedCheckins => Category::CheckinScores,
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
        analysis: &analysis,
        changes: &changes,
        hold_since: None,
        last_checkin: Some(day(14)),
        has_plan: true,
        questionnaire_every_days: 14,
        item9_answers: &[],
        daily_safety: &[],
        settle_days: 7.3,
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
    let later = Input { settle_days: 3.0, ..input };
    let fl = flags::flags(&later);
    let f = fl.iter().find(|f| f.key == "deterioration:phq9:2026-01-15").unwrap();
    assert!(f.data.iter().all(|d| !d.contains("Withdrawal raises")), "settled a week before: {:?}", f.data);
    assert!(fl.iter().any(|f| f.key.starts_with("overdue:gad7")), "GAD-7 never done");
}
