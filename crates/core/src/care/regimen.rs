//! Several plans at once (issue 20: e.g. sertraline and clonazepam): when their cuts come in the
//! same weeks, and which to taper first.
//!
//! The rule is cautious and only advises: a prescriber may decide otherwise (a crossover cuts one
//! drug while raising another on purpose). Its sources:
//! - one medicine at a time, so that withdrawal symptoms can be traced to the medicine they come
//!   from and that medicine held or restarted (`australian_prescriber_deprescribing`);
//! - for a person on a benzodiazepine and an antidepressant who wants to stop both: the
//!   benzodiazepine first, and the antidepressant's taper at least four weeks after the last
//!   benzodiazepine dose (`ashton_antidepressants2001`).
//!
//! "Cuts in the same weeks": a cut of one plan within the settling window of a cut of the other,
//! the window being the longer of two weeks (NICE NG222 1.4.15: withdrawal symptoms usually go
//! within one to two weeks) and the drug's own time to settle after a change.

use jiff::civil::Date;

use crate::catalogue::DrugClass;

/// Days after a benzodiazepine's last dose before an antidepressant's taper starts (Ashton).
pub const AFTER_BENZODIAZEPINE_DAYS: i64 = 28;
/// The shortest settling window after a cut (NICE NG222 1.4.15).
pub const SETTLE_WINDOW_MIN_DAYS: i64 = 14;
/// How far ahead a plan's cuts are read: ten years, past the end of the slowest plan made.
pub const LOOK_AHEAD_DAYS: i64 = 3653;
/// Where the rule comes from, in the order it is said.
pub const SOURCES: [&str; 3] = ["australian_prescriber_deprescribing", "ashton_antidepressants2001", "nice_ng222"];

/// One plan in force, as the rule needs it.
#[derive(Debug, Clone)]
pub struct Taper<'a> {
    /// The drug's name as the person reads it.
    pub name: &'a str,
    pub class: DrugClass,
    /// The days its dose falls, from today on, in order (the last one the stop, where planned).
    pub cuts: Vec<Date>,
    /// Whether the last of `cuts` is the stop (to zero).
    pub stops: bool,
    /// Days the drug takes to settle after a change (core's `HalfLife::days_to_settle`).
    pub settle_days: f64,
}

impl Taper<'_> {
    fn window(&self) -> i64 {
        // Whole days, at least two weeks; a drug the catalogue cannot time settles in two weeks.
        let own = if self.settle_days.is_finite() && self.settle_days > 0.0 { self.settle_days.ceil() } else { 0.0 };
        // At most a year: the settle time of any catalogue drug is weeks.
        (own.min(365.0) as i64).max(SETTLE_WINDOW_MIN_DAYS)
    }
}

/// What the rule says about two plans.
#[derive(Debug, Clone, PartialEq)]
pub struct Advice {
    /// The first day one plan cuts within the other's settling window, with the two names (the
    /// plan cutting that day first).
    pub clash: Option<(Date, String, String)>,
    /// Which to taper first, and the day the other's cuts would start at the earliest.
    pub order: Option<Order>,
    /// Everything said, in plain words, for the person and the prescriber.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub first: String,
    pub then: String,
    /// The earliest day for the second plan's first cut, where the first plan's stop is planned.
    pub then_from: Option<Date>,
}

fn is_antidepressant(c: DrugClass) -> bool {
    matches!(
        c,
        DrugClass::Ssri
            | DrugClass::Snri
            | DrugClass::SerotoninModulator
            | DrugClass::OtherAntidepressant
            | DrugClass::Tca
    )
}

/// The first cut of `b` within `a`'s settling window after a cut of `a`, or of `a` within `b`'s
/// after one of `b`: the day, which plan cut that day, the other, and the other's cut it falls
/// after. Bounded by the two lists' lengths.
fn first_clash<'a>(a: &'a Taper<'a>, b: &'a Taper<'a>) -> Option<(Date, &'a str, &'a str, Date)> {
    // `cuts` are in order: the latest cut of `x` up to `d` is found by halving.
    let near = |x: &Taper, y: &Taper, d: Date| {
        let before = x.cuts.partition_point(|c| *c <= d);
        let latest = before.checked_sub(1).and_then(|i| x.cuts.get(i)).copied();
        latest.filter(|c| i64::from((d - *c).get_days()) < x.window() && y.cuts.binary_search(&d).is_ok())
    };
    let mut days: Vec<Date> = a.cuts.iter().chain(&b.cuts).copied().collect();
    days.sort();
    days.dedup();
    days.into_iter().find_map(|d| {
        if let Some(c) = near(a, b, d) {
            Some((d, b.name, a.name, c))
        } else {
            near(b, a, d).map(|c| (d, a.name, b.name, c))
        }
    })
}

/// "Sunday 3 January 2027", as the app writes dates.
fn long(d: Date) -> String {
    d.strftime("%A %-d %B %Y").to_string()
}

/// The day after `after`'s stop by `days`, where its stop is planned.
fn after_stop(t: &Taper, days: i64) -> Option<Date> {
    let stop = t.cuts.last().filter(|_| t.stops)?;
    stop.checked_add(jiff::Span::new().days(days)).ok()
}

/// What the rule says about `a` and `b`, both in force; `None` when their cuts do not meet and
/// their order needs no saying.
pub fn review(a: &Taper, b: &Taper) -> Option<Advice> {
    let found = first_clash(a, b);
    let clash = found.map(|(d, x, y, _)| (d, x.to_string(), y.to_string()));
    let (benzo, other) = match (a.class, b.class) {
        (DrugClass::Benzodiazepine, c) if is_antidepressant(c) => (Some(a), Some(b)),
        (c, DrugClass::Benzodiazepine) if is_antidepressant(c) => (Some(b), Some(a)),
        _ => (None, None),
    };
    let order = match (benzo, other) {
        (Some(bz), Some(ad)) => {
            let then_from = after_stop(bz, AFTER_BENZODIAZEPINE_DAYS);
            let too_soon = match (then_from, ad.cuts.first()) {
                (Some(from), Some(first)) => *first < from,
                // The benzodiazepine's stop is not planned yet: any antidepressant cut is too soon.
                (None, Some(_)) => true,
                (_, None) => false,
            };
            too_soon.then(|| Order { first: bz.name.to_string(), then: ad.name.to_string(), then_from })
        }
        _ => None,
    };
    if clash.is_none() && order.is_none() {
        return None;
    }
    let mut text = String::new();
    if let Some((d, x, y, earlier)) = found {
        if earlier == d {
            text.push_str(&format!("Your {x} and {y} plans both cut on {}. ", long(d)));
        } else {
            text.push_str(&format!(
                "Your {x} plan cuts on {}, while your body may still be settling from the {y} cut of {}. ",
                long(d),
                long(earlier)
            ));
        }
        text.push_str("A cautious approach is to reduce one medicine at a time: if withdrawal symptoms come, you and your prescriber can then tell which medicine they come from, and which to hold or go back on. ");
    }
    if let Some(o) = &order {
        text.push_str(&format!(
            "For people on a benzodiazepine and an antidepressant who want to stop both, Ashton's guidance is to finish the benzodiazepine ({}) first, and to start reducing the antidepressant ({}) at least {} weeks after the last benzodiazepine dose{}. ",
            o.first,
            o.then,
            AFTER_BENZODIAZEPINE_DAYS / 7,
            o.then_from.map_or_else(
                || format!(": your {} plan does not plan its stop yet", o.first),
                |d| format!(": with your {} plan as it stands, from {}", o.first, long(d))
            )
        ));
    } else if let Some((_, later, _)) = &clash {
        // The plan that cut first goes first; the other waits for its stop to settle.
        let (first, second) = if a.name == later.as_str() { (b, a) } else { (a, b) };
        if let Some(from) = after_stop(first, first.window()) {
            text.push_str(&format!(
                "One order that keeps them apart: {} first, then {} from {}, once the last {} step has settled. ",
                first.name,
                second.name,
                long(from),
                first.name
            ));
        }
    }
    text.push_str("You can hold a plan, or move its next step later, from Today. Talk it through with your prescriber: they may have reasons to do both at once.");
    Some(Advice { clash, order, text })
}

/// Every pair of `tapers` the rule has something to say about, in order.
pub fn review_all(tapers: &[Taper]) -> Vec<Advice> {
    let mut out = Vec::new();
    for (i, a) in tapers.iter().enumerate() {
        for b in tapers.iter().skip(i + 1) {
            out.extend(review(a, b));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn every(from: Date, days: i64, n: usize) -> Vec<Date> {
        (0..n).map(|k| from.checked_add(jiff::Span::new().days(days * k as i64)).unwrap()).collect()
    }

    fn sertraline(cuts: Vec<Date>) -> Taper<'static> {
        Taper { name: "sertraline", class: DrugClass::Ssri, cuts, stops: true, settle_days: 5.0 }
    }

    fn clonazepam(cuts: Vec<Date>) -> Taper<'static> {
        Taper { name: "clonazepam", class: DrugClass::Benzodiazepine, cuts, stops: true, settle_days: 10.0 }
    }

    #[test]
    fn cuts_in_the_same_weeks_are_named_with_the_first_day_they_meet() {
        let s = sertraline(every(date(2027, 1, 1), 28, 6));
        let c =
            Taper { class: DrugClass::Gabapentinoid, name: "pregabalin", ..clonazepam(every(date(2027, 1, 8), 28, 6)) };
        let a = review(&s, &c).expect("advice");
        // Pregabalin's first cut, a week after sertraline's: inside sertraline's two weeks.
        assert_eq!(a.clash, Some((date(2027, 1, 8), "pregabalin".to_string(), "sertraline".to_string())));
        assert!(a.text.contains("one medicine at a time"), "{}", a.text);
        assert_eq!(a.order, None, "no source orders these two");
        assert!(a.text.contains("sertraline first, then pregabalin from"), "{}", a.text);
        assert!(
            a.text.contains("Your pregabalin plan cuts on Friday 8 January 2027, while your body may still be settling from the sertraline cut of Friday 1 January 2027."),
            "{}",
            a.text
        );
    }

    #[test]
    fn cuts_on_the_same_day_are_said_as_one_day() {
        let s = sertraline(vec![date(2027, 1, 1)]);
        let c = clonazepam(vec![date(2027, 1, 1)]);
        let a = review(&s, &c).expect("advice");
        assert!(
            a.text.starts_with("Your clonazepam and sertraline plans both cut on Friday 1 January 2027."),
            "{}",
            a.text
        );
    }

    #[test]
    fn cuts_apart_by_more_than_each_window_are_left_alone() {
        let s = sertraline(vec![date(2027, 1, 1)]);
        let c = Taper { class: DrugClass::Gabapentinoid, name: "pregabalin", ..clonazepam(vec![date(2027, 1, 15)]) };
        assert_eq!(review(&s, &c), None, "14 days after is outside a 14-day window");
        let c = Taper { class: DrugClass::Gabapentinoid, name: "pregabalin", ..clonazepam(vec![date(2027, 1, 14)]) };
        assert!(review(&s, &c).is_some(), "13 days after is inside it");
    }

    #[test]
    fn a_drug_slow_to_settle_widens_its_window() {
        let slow = Taper { settle_days: 30.0, ..sertraline(vec![date(2027, 1, 1)]) };
        let c = Taper { class: DrugClass::Gabapentinoid, name: "pregabalin", ..clonazepam(vec![date(2027, 1, 25)]) };
        assert!(review(&slow, &c).is_some());
    }

    #[test]
    fn a_benzodiazepine_and_an_antidepressant_are_ordered_benzodiazepine_first() {
        // Sertraline cutting from the start, clonazepam stopping on 1 March: Ashton asks the
        // antidepressant to wait four weeks after the last benzodiazepine dose.
        let s = sertraline(vec![date(2027, 2, 15)]);
        let c = clonazepam(vec![date(2027, 2, 1), date(2027, 3, 1)]);
        let a = review(&s, &c).expect("advice");
        assert_eq!(
            a.order,
            Some(Order { first: "clonazepam".into(), then: "sertraline".into(), then_from: Some(date(2027, 3, 29)) })
        );
        assert_eq!(a.clash, None);
        assert!(a.text.contains("from Monday 29 March 2027"), "{}", a.text);
        // Already in that order, with the four weeks: nothing to say.
        let later = sertraline(vec![date(2027, 3, 29)]);
        assert_eq!(review(&later, &c), None);
        assert_eq!(review(&c, &later), None, "either way round");
    }

    #[test]
    fn a_benzodiazepine_whose_stop_is_not_planned_asks_the_antidepressant_to_wait() {
        let s = sertraline(vec![date(2030, 1, 1)]);
        let c = Taper { stops: false, ..clonazepam(vec![date(2027, 2, 1)]) };
        let a = review(&c, &s).expect("advice");
        assert_eq!(a.order.and_then(|o| o.then_from), None);
    }

    #[test]
    fn a_z_drug_gets_the_one_at_a_time_warning_but_no_order_its_source_does_not_give() {
        let s = sertraline(vec![date(2027, 1, 1)]);
        let z = Taper { class: DrugClass::ZDrug, name: "zolpidem", ..clonazepam(vec![date(2027, 1, 3)]) };
        let a = review(&s, &z).expect("advice");
        assert!(a.clash.is_some() && a.order.is_none());
    }

    #[test]
    fn three_plans_are_read_pair_by_pair() {
        let s = sertraline(vec![date(2027, 1, 1)]);
        let c = clonazepam(vec![date(2027, 1, 2)]);
        let p = Taper { class: DrugClass::Gabapentinoid, name: "pregabalin", ..clonazepam(vec![date(2028, 1, 2)]) };
        let all = review_all(&[s, c, p]);
        assert_eq!(all.len(), 1, "only sertraline with clonazepam: pregabalin's cut is a year apart");
        assert!(all[0].clash.is_some() && all[0].order.is_some());
    }
}
