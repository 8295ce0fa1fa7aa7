//! A pharmacy order (issue 22): what the days ahead of a plan use up, product by product, as a
//! pharmacy dispenses it, and for a compounded preparation or tapering strips the daily dose of
//! each run of days, so the pharmacy makes exactly the schedule. Dates come in as arguments.

use jiff::civil::Date;

use crate::supply::DayUse;

/// The longest order: a quarter of a year, about what a prescriber writes at once.
pub const MAX_ORDER_DAYS: u32 = 92;

/// One day of the plan: its dose and what it uses of each product (`supply::day_use`).
#[derive(Debug, Clone, PartialEq)]
pub struct OrderDay {
    pub date: Date,
    pub dose_mg: f64,
    pub uses: Vec<DayUse>,
}

/// Days in a row whose made-to-order dose is the same.
#[derive(Debug, Clone, PartialEq)]
pub struct DoseRun {
    pub from: Date,
    pub to: Date,
    pub dose_mg: f64,
    pub days: u32,
}

/// One product's part of the order.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderLine {
    pub product_id: String,
    /// As the shelf counts it (`supply::shelf_unit`).
    pub unit: &'static str,
    /// What the days use, exactly.
    pub needed: f64,
    /// What to dispense: `needed` rounded up to what a pharmacy hands over (a whole tablet for a
    /// half, a whole mL, a whole daily dose).
    pub dispense: f64,
    pub first_day: Date,
    /// For a preparation made to order (compounded, strips: counted in daily doses), each run
    /// of days with the milligrams made for it; empty for products bought as they are.
    pub runs: Vec<DoseRun>,
    /// Days whose made milligrams are not known (a plan kept before they were, where another
    /// product shares the day): the runs are then left empty rather than guessed.
    pub runs_unknown: bool,
}

/// The order for `days` (in date order): a line per product, in order of first use. A product
/// counted in daily doses lists its runs, a new run wherever the day's dose changes.
pub fn order(days: &[OrderDay]) -> Vec<OrderLine> {
    let mut lines: Vec<OrderLine> = Vec::new();
    for day in days {
        for u in day.uses.iter().filter(|u| u.amount > 0.0) {
            let i = match lines.iter().position(|l| l.product_id == u.product_id && l.unit == u.unit) {
                Some(i) => i,
                None => {
                    lines.push(OrderLine {
                        product_id: u.product_id.clone(),
                        unit: u.unit,
                        needed: 0.0,
                        dispense: 0.0,
                        first_day: day.date,
                        runs: Vec::new(),
                        runs_unknown: false,
                    });
                    lines.len() - 1
                }
            };
            let line = &mut lines[i];
            line.needed += u.amount;
            if u.unit == DAILY_DOSES {
                // Made alone, the day's dose is what is made; beside another product, only the
                // kept milligrams say it.
                match u.made_mg.or((day.uses.len() == 1).then_some(day.dose_mg)) {
                    Some(mg) => extend_runs(&mut line.runs, day.date, mg),
                    None => line.runs_unknown = true,
                }
            }
        }
    }
    for line in &mut lines {
        line.dispense = dispensed(line.needed);
        if line.runs_unknown {
            line.runs.clear();
        }
    }
    lines
}

/// The unit of a preparation made to order, one a day (`supply::shelf_unit` of `Unit::Mg`).
const DAILY_DOSES: &str = "daily doses";

fn extend_runs(runs: &mut Vec<DoseRun>, date: Date, dose_mg: f64) {
    match runs.last_mut() {
        // Doses are compared as the solver rounds them, to a thousandth of a milligram.
        Some(r) if (r.dose_mg - dose_mg).abs() < 1e-6 && r.to.tomorrow().ok() == Some(date) => {
            r.to = date;
            r.days += 1;
        }
        _ => runs.push(DoseRun { from: date, to: date, dose_mg, days: 1 }),
    }
}

/// An amount rounded up to a whole unit, ignoring what floating point adds past the sixth
/// decimal (thirty halves of a tablet are 15 tablets, not 16).
fn dispensed(needed: f64) -> f64 {
    (needed - 1e-6).ceil().max(0.0)
}

/// Capsules a day a compounded dose is made of at most, when strengths are combined: two, so a
/// day is never more than two capsules to take. Taper's own choice.
pub const CAPSULES_A_DAY: usize = 2;
/// The most distinct doses and the largest dose (in the pharmacy's steps) searched; beyond them
/// each dose is its own strength.
const MAX_DOSES: usize = 64;
const MAX_STEPS: u32 = 100_000;

/// Strengths a compounding pharmacy could make so that every dose of a schedule is one or two
/// of them, and how each dose is made.
#[derive(Debug, Clone, PartialEq)]
pub struct Strengths {
    pub strengths_mg: Vec<f64>,
    /// Each distinct dose, largest first, with the capsules that make it.
    pub recipes: Vec<(f64, Vec<f64>)>,
}

impl Strengths {
    /// The capsules that make `dose_mg`, where it is one of the schedule's doses.
    pub fn recipe_for(&self, dose_mg: f64) -> Option<&[f64]> {
        self.recipes.iter().find(|(d, _)| (d - dose_mg).abs() < 1e-9).map(|(_, caps)| caps.as_slice())
    }
}

/// A small set of capsule strengths, each a multiple of `precision_mg`, from which every dose in
/// `doses_mg` is made with at most [`CAPSULES_A_DAY`] capsules (a strength may be taken twice).
/// Found by a greedy search (the strength that makes the most doses not yet made, repeatedly),
/// then pruned of strengths the others make redundant: a smaller set may exist, and the order
/// says so. `None` when a dose is not a multiple of the precision or the schedule is too large
/// to search; the order then lists each dose as its own strength.
pub fn fewest_strengths(doses_mg: &[f64], precision_mg: f64) -> Option<Strengths> {
    if precision_mg.is_nan() || precision_mg <= 0.0 {
        return None;
    }
    let mut doses: Vec<u32> = Vec::new();
    for d in doses_mg.iter().filter(|d| **d > 0.0) {
        let steps = (d / precision_mg).round();
        if (steps * precision_mg - d).abs() > precision_mg * 1e-6 || steps > f64::from(MAX_STEPS) {
            return None;
        }
        doses.push(steps as u32);
    }
    doses.sort_unstable_by(|a, b| b.cmp(a));
    doses.dedup();
    if doses.len() > MAX_DOSES {
        return None;
    }
    let chosen = prune(greedy(&doses, &candidates(&doses)), &doses);
    let mg = |steps: u32| f64::from(steps) * precision_mg;
    let recipes = doses
        .iter()
        .map(|d| (mg(*d), made_of(*d, &chosen).unwrap_or_default().into_iter().map(mg).collect()))
        .collect();
    let mut strengths_mg: Vec<f64> = chosen.into_iter().map(mg).collect();
    strengths_mg.sort_by(|a, b| b.total_cmp(a));
    Some(Strengths { strengths_mg, recipes })
}

/// Strengths worth trying: each dose, its half, and the difference of any two.
fn candidates(doses: &[u32]) -> Vec<u32> {
    let mut c: Vec<u32> = doses.to_vec();
    c.extend(doses.iter().filter(|d| *d % 2 == 0).map(|d| d / 2));
    for (i, a) in doses.iter().enumerate() {
        c.extend(doses[i + 1..].iter().map(|b| a - b).filter(|x| *x > 0));
    }
    c.sort_unstable();
    c.dedup();
    c
}

/// How `dose` is made of at most [`CAPSULES_A_DAY`] of `strengths`, the fewest capsules first.
fn made_of(dose: u32, strengths: &[u32]) -> Option<Vec<u32>> {
    if strengths.contains(&dose) {
        return Some(vec![dose]);
    }
    let mut pairs = strengths.iter().filter(|s| **s < dose).filter(|s| strengths.contains(&(dose - **s)));
    pairs.next().map(|s| {
        let mut two = vec![*s, dose - s];
        two.sort_unstable_by(|a, b| b.cmp(a));
        two
    })
}

fn greedy(doses: &[u32], candidates: &[u32]) -> Vec<u32> {
    let mut chosen: Vec<u32> = Vec::new();
    // Each round makes at least one more dose (a dose is its own candidate), so it ends.
    while doses.iter().any(|d| made_of(*d, &chosen).is_none()) {
        let made = |extra: u32| {
            let mut with = chosen.clone();
            with.push(extra);
            doses.iter().filter(|d| made_of(**d, &with).is_some()).count()
        };
        // The most doses made; of equals, the larger strength (fewer capsules over the days).
        let best = candidates.iter().filter(|c| !chosen.contains(c)).max_by_key(|c| (made(**c), **c));
        match best {
            Some(b) => chosen.push(*b),
            None => break,
        }
    }
    chosen
}

/// Drops each strength the others make redundant, smallest first.
fn prune(mut chosen: Vec<u32>, doses: &[u32]) -> Vec<u32> {
    chosen.sort_unstable();
    let mut i = 0;
    while i < chosen.len() {
        let without: Vec<u32> = chosen.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, s)| *s).collect();
        if doses.iter().all(|d| made_of(*d, &without).is_some()) {
            chosen = without;
        } else {
            i += 1;
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(date: &str, dose_mg: f64, uses: &[(&str, &'static str, f64)]) -> OrderDay {
        OrderDay {
            date: date.parse().unwrap(),
            dose_mg,
            uses: uses
                .iter()
                .map(|(p, u, a)| DayUse { product_id: p.to_string(), unit: u, amount: *a, made_mg: None })
                .collect(),
        }
    }

    #[test]
    fn halves_and_millilitres_add_up_and_are_dispensed_whole() {
        // 14 days of half a tablet and 0.35 mL, then 14 days of 0.3 mL alone.
        let mut days: Vec<OrderDay> = (1..=14)
            .map(|d| day(&format!("2027-01-{d:02}"), 12.0, &[("tab", "tablets", 0.5), ("drops", "mL", 0.35)]))
            .collect();
        days.extend((15..=28).map(|d| day(&format!("2027-01-{d:02}"), 6.0, &[("drops", "mL", 0.3)])));
        let o = order(&days);
        assert_eq!(o.len(), 2);
        assert_eq!((o[0].product_id.as_str(), o[0].needed, o[0].dispense), ("tab", 7.0, 7.0));
        assert!((o[1].needed - 9.1).abs() < 1e-9, "{}", o[1].needed);
        assert_eq!(o[1].dispense, 10.0);
        assert_eq!(o[1].first_day, "2027-01-01".parse::<Date>().unwrap());
        assert!(o.iter().all(|l| l.runs.is_empty()), "bought as they are: no runs");
    }

    #[test]
    fn a_strip_series_lists_each_run_of_days_with_its_dose() {
        let mut days = Vec::new();
        for (d, dose) in [(1, 4.2), (2, 4.2), (3, 4.2), (4, 3.8), (5, 3.8), (6, 4.2)] {
            days.push(day(&format!("2027-03-{d:02}"), dose, &[("strip", "daily doses", 1.0)]));
        }
        let o = order(&days);
        assert_eq!(o[0].dispense, 6.0);
        let runs: Vec<(u32, f64, u32)> = o[0].runs.iter().map(|r| (r.from.day() as u32, r.dose_mg, r.days)).collect();
        // A dose met again later is a new run: the pouches follow the calendar.
        assert_eq!(runs, [(1, 4.2, 3), (4, 3.8, 2), (6, 4.2, 1)]);
        assert_eq!(o[0].runs[0].to, "2027-03-03".parse::<Date>().unwrap());
    }

    #[test]
    fn a_gap_in_the_days_starts_a_new_run_and_nothing_used_orders_nothing() {
        let days = [
            day("2027-03-01", 2.0, &[("strip", "daily doses", 1.0)]),
            day("2027-03-03", 2.0, &[("strip", "daily doses", 1.0)]),
            day("2027-03-04", 0.0, &[("strip", "daily doses", 0.0)]),
        ];
        let o = order(&days);
        assert_eq!(o[0].runs.len(), 2);
        assert_eq!(o[0].dispense, 2.0);
        assert!(order(&[day("2027-03-04", 0.0, &[])]).is_empty());
    }

    #[test]
    fn a_made_dose_beside_a_tablet_is_the_part_made_and_never_guessed() {
        let made = |date: &str, made_mg: Option<f64>| OrderDay {
            date: date.parse().unwrap(),
            dose_mg: 1.35,
            uses: vec![
                DayUse { product_id: "tab".into(), unit: "tablets", amount: 1.0, made_mg: None },
                DayUse { product_id: "comp".into(), unit: "daily doses", amount: 1.0, made_mg },
            ],
        };
        let o = order(&[made("2027-05-01", Some(0.35)), made("2027-05-02", Some(0.35))]);
        assert_eq!(o[1].runs.iter().map(|r| (r.dose_mg, r.days)).collect::<Vec<_>>(), [(0.35, 2)]);
        // Kept without the made milligrams: no runs rather than the whole 1.35 mg.
        let o = order(&[made("2027-05-01", None)]);
        assert!(o[1].runs.is_empty() && o[1].runs_unknown && o[1].dispense == 1.0);
    }

    #[test]
    fn whole_amounts_are_not_rounded_up_by_floating_point() {
        let days: Vec<OrderDay> =
            (1..=30).map(|d| day(&format!("2027-04-{d:02}"), 5.0, &[("tab", "tablets", 0.1)])).collect();
        assert_eq!(order(&days)[0].dispense, 3.0);
    }

    #[test]
    fn every_dose_is_made_of_at_most_two_capsules_of_fewer_strengths_than_doses() {
        // A hyperbolic citalopram schedule made to 0.1 mg: eight doses.
        let doses = [11.7, 8.4, 6.1, 4.5, 3.2, 2.3, 1.6, 1.1];
        let s = fewest_strengths(&doses, 0.1).unwrap();
        assert!(s.strengths_mg.len() < doses.len(), "{s:?}");
        for (dose, caps) in &s.recipes {
            assert!(!caps.is_empty() && caps.len() <= CAPSULES_A_DAY, "{dose}: {caps:?}");
            assert!((caps.iter().sum::<f64>() - dose).abs() < 1e-9, "{dose}: {caps:?}");
            assert!(caps.iter().all(|c| s.strengths_mg.iter().any(|x| (x - c).abs() < 1e-9)));
        }
        assert_eq!(s.recipes.len(), doses.len());
        assert_eq!(s.recipe_for(11.7).map(<[f64]>::len), s.recipes.first().map(|(_, c)| c.len()));
        assert_eq!(s.recipe_for(5.0), None);
    }

    #[test]
    fn doses_that_are_multiples_share_one_strength() {
        // 4, 2 and 1 mg: 2 mg (twice for 4) and 1 mg; or 4 = 2+2, 2, 1 — two strengths at most.
        let s = fewest_strengths(&[4.0, 2.0, 1.0], 0.5).unwrap();
        assert_eq!(s.strengths_mg.len(), 2, "{s:?}");
        let one = fewest_strengths(&[3.0, 1.5], 0.5).unwrap();
        assert_eq!(one.strengths_mg, [1.5], "3 mg is two of 1.5 mg");
    }

    #[test]
    fn a_dose_off_the_pharmacy_precision_or_none_at_all_is_refused() {
        assert_eq!(fewest_strengths(&[1.25], 0.1), None);
        assert_eq!(fewest_strengths(&[1.0], 0.0), None);
        assert_eq!(fewest_strengths(&[], 0.1).unwrap().strengths_mg, Vec::<f64>::new());
    }

    proptest::proptest! {
        /// Whatever the schedule: every dose made exactly of one or two chosen strengths, and
        /// never more strengths than doses.
        #[test]
        fn every_dose_is_made_and_no_more_strengths_than_doses(steps in proptest::collection::vec(1u32..400, 1..20)) {
            let doses: Vec<f64> = steps.iter().map(|s| f64::from(*s) * 0.1).collect();
            let s = fewest_strengths(&doses, 0.1).unwrap();
            let mut distinct = steps.clone();
            distinct.sort_unstable();
            distinct.dedup();
            proptest::prop_assert!(s.strengths_mg.len() <= distinct.len());
            proptest::prop_assert_eq!(s.recipes.len(), distinct.len());
            for (dose, caps) in &s.recipes {
                proptest::prop_assert!(!caps.is_empty() && caps.len() <= CAPSULES_A_DAY);
                proptest::prop_assert!((caps.iter().sum::<f64>() - dose).abs() < 1e-6);
            }
        }
    }
}
