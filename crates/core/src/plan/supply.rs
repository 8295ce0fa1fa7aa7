//! Supply: how long what a person has of one product lasts on their plan, and when to ask the
//! pharmacy for more (issue 20). A count is taken on a day before that day's doses; the plan's
//! use is taken off day by day (a day recorded as missed uses nothing), and the days ahead are
//! walked until the count no longer covers a day. Dates come in as arguments; nothing here reads
//! a clock.

use jiff::ToSpan as _;
use jiff::civil::Date;

use crate::catalogue::{Catalogue, Form};
use crate::error::InputError;
use crate::formulation::{Preparation, Unit};

/// Days the pharmacy is given to make or order a product, unless the person says otherwise.
/// A compounded liquid commonly takes up to two weeks; the person edits it per product (tablets
/// usually come sooner). Taper's own default, from the issue that asked for supply.
pub const DEFAULT_LEAD_DAYS: u32 = 14;

/// The longest lead time accepted: a quarter of a year.
pub const MAX_LEAD_DAYS: u32 = 90;

/// How many days before the order-by date the reminder starts: a week to get to the prescriber
/// and the pharmacy. Taper's own choice.
pub const NOTICE_DAYS: u32 = 7;

/// The oldest count accepted, in days before today; the walk from it is bounded by this.
pub const MAX_COUNT_AGE_DAYS: u32 = 366;

/// How far ahead the walk looks: two years, beyond which "lasts past" is said instead.
pub const HORIZON_DAYS: u32 = 730;

/// The largest amount on hand accepted, in any unit (tablets, mL, beads, drops, mg).
pub const MAX_AMOUNT: f64 = 100_000.0;

/// What one day of `prep` takes from one product, as the person counts it on the shelf.
#[derive(Debug, Clone, PartialEq)]
pub struct DayUse {
    pub product_id: String,
    /// See [`shelf_unit`].
    pub unit: &'static str,
    pub amount: f64,
    /// For a preparation made to order (a compounded dose, a strip's pouch): the milligrams made
    /// for the day, which may be only part of the day's dose (a tablet beside it).
    pub made_mg: Option<f64>,
}

/// How a product is counted on the shelf, in the plural: whole or cut units as fractions of
/// tablets or capsules, a liquid in mL (for a dilution, the stock put into it), drops, beads,
/// milligrams of powder; a compounded preparation or a tapering strip as daily doses.
pub fn shelf_unit(unit: Unit) -> &'static str {
    match unit {
        Unit::Tablet => "tablets",
        Unit::Capsule => "capsules",
        Unit::Ml => "mL",
        Unit::Drop => "drops",
        Unit::Bead => "beads",
        Unit::PowderMg => "mg of powder",
        Unit::Mg => "daily doses",
    }
}

/// A [`shelf_unit`] read back from its words (as a stored plan keeps it).
pub fn shelf_unit_named(words: &str) -> Option<&'static str> {
    [Unit::Tablet, Unit::Capsule, Unit::Ml, Unit::Drop, Unit::Bead, Unit::PowderMg, Unit::Mg]
        .into_iter()
        .map(shelf_unit)
        .find(|u| *u == words)
}

/// An amount with its [`shelf_unit`], singular for exactly one ("1 tablet", "1.5 tablets",
/// "0.6 mL").
pub fn amount_words(amount: f64, unit: &str) -> String {
    let number = crate::units::trim_number(amount);
    let singular = match unit {
        "tablets" => "tablet",
        "capsules" => "capsule",
        "drops" => "drop",
        "beads" => "bead",
        "daily doses" => "daily dose",
        other => other,
    };
    if number == "1" { format!("1 {singular}") } else { format!("{number} {unit}") }
}

/// What one day of `prep` uses up, product by product (`Preparation::daily_use`), in
/// [`shelf_unit`]s: a compounded preparation or strip is one daily dose a day, and drops of a
/// catalogue liquid are the mL of the bottle they come from (its mg per drop and per mL, from
/// its label), since a bottle is bought and counted by volume.
pub fn day_use(prep: &Preparation, catalogue: &Catalogue) -> Vec<DayUse> {
    let mut out: Vec<DayUse> = Vec::new();
    for n in prep.daily_use() {
        let made = (n.unit == Unit::Mg).then_some(n.amount);
        let (amount, unit) = match (n.unit, catalogue.product(&n.product_id).map(|p| &p.form)) {
            (Unit::Mg, _) => (1.0, Unit::Mg),
            (Unit::Drop, Some(Form::Liquid { mg_per_ml, mg_per_drop: Some(per_drop), .. })) => {
                (n.amount * per_drop / mg_per_ml, Unit::Ml)
            }
            (unit, _) => (n.amount, unit),
        };
        let unit = shelf_unit(unit);
        match out.iter_mut().find(|u| u.product_id == n.product_id && u.unit == unit) {
            Some(u) => {
                u.amount += amount;
                u.made_mg = u.made_mg.zip(made).map(|(a, b)| a + b).or(u.made_mg).or(made);
            }
            None => out.push(DayUse { product_id: n.product_id, unit, amount, made_mg: made }),
        }
    }
    out
}

/// What the person has of one product, counted on `counted` before that day's doses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Count {
    pub amount: f64,
    pub counted: Date,
    /// Days the pharmacy needs to supply more.
    pub lead_days: u32,
}

impl Count {
    /// Reads a count as typed on a form: an amount ("40", "12,5"), the day counted (2026-12-01)
    /// and the pharmacy's days; each refusal names its field and what is allowed.
    pub fn from_form(amount: &str, counted: &str, lead_days: &str, today: Date) -> Result<Count, InputError> {
        let a = amount.trim();
        let plain = crate::units::decimal_comma(a);
        // Digits and one decimal point only: "1e3" or "1.000.5" are not counts a person writes.
        let digits = !plain.is_empty() && plain.chars().all(|c| c.is_ascii_digit() || c == '.');
        let value: f64 =
            plain.parse().ok().filter(|_| digits && plain.matches('.').count() <= 1).ok_or_else(|| {
                InputError::new("amount", a, "write how much you have as a number, such as 40 or 12.5")
            })?;
        let c = counted.trim();
        let day: Date = c
            .parse()
            .map_err(|_| InputError::new("counted", c, "write the day you counted as a date, such as 2026-12-01"))?;
        let l = lead_days.trim();
        let lead: u32 = if l.is_empty() {
            DEFAULT_LEAD_DAYS
        } else {
            l.parse().map_err(|_| {
                InputError::new(
                    "lead_days",
                    l,
                    format!("write the pharmacy's days as a whole number from 0 to {MAX_LEAD_DAYS}"),
                )
            })?
        };
        Count::parse(value, day, lead, today)
    }

    /// Checks a count as given on a form or in an import: the amount 0 to [`MAX_AMOUNT`], the
    /// date not after `today` nor more than [`MAX_COUNT_AGE_DAYS`] before it, the lead time 0 to
    /// [`MAX_LEAD_DAYS`].
    pub fn parse(amount: f64, counted: Date, lead_days: u32, today: Date) -> Result<Count, InputError> {
        if !amount.is_finite() || !(0.0..=MAX_AMOUNT).contains(&amount) {
            return Err(InputError::new(
                "amount",
                amount.to_string(),
                format!("give how much you have now, from 0 to {MAX_AMOUNT}"),
            ));
        }
        let oldest = today.checked_sub(i64::from(MAX_COUNT_AGE_DAYS).days()).unwrap_or(today);
        if counted > today || counted < oldest {
            return Err(InputError::new(
                "counted",
                counted.to_string(),
                format!("the day you counted must be today or within the last {MAX_COUNT_AGE_DAYS} days"),
            ));
        }
        if lead_days > MAX_LEAD_DAYS {
            return Err(InputError::new(
                "lead_days",
                lead_days.to_string(),
                format!("give the pharmacy's days from 0 to {MAX_LEAD_DAYS}"),
            ));
        }
        Ok(Count { amount, counted, lead_days })
    }
}

/// How soon to act on a product's supply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    /// Lasts past the order-by date by more than [`NOTICE_DAYS`], or to the end of the plan.
    Fine,
    /// The order-by date is within [`NOTICE_DAYS`].
    OrderSoon,
    /// The order-by date has come: a new supply ordered today may arrive after the count runs out.
    OrderNow,
}

/// What a count means on `today`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outlook {
    /// What should be left before today's doses (never below zero).
    pub left: f64,
    /// The first day the count does not cover in full; `None` when it lasts to the end of the
    /// plan or past the horizon.
    pub runs_out: Option<Date>,
    /// The last day to ask the pharmacy, `lead_days` before `runs_out`.
    pub order_by: Option<Date>,
    /// Whether the walk stopped at the horizon with the count still lasting.
    pub past_horizon: bool,
    /// The last day the plan uses the product that the count covers (from today); `None` when
    /// no day from today uses it.
    pub last_covered: Option<Date>,
    pub urgency: Urgency,
}

/// Walks `count` through the plan: `use_on(day)` is the planned use of the product on `day`
/// (0 where the day's doses were all recorded missed or the product is not used), `None` after
/// the plan ends. Days before `count.counted` are never asked.
pub fn outlook(count: Count, today: Date, mut use_on: impl FnMut(Date) -> Option<f64>) -> Outlook {
    let mut left = count.amount;
    let mut day = count.counted;
    // The days already past: the count less what they used.
    while day < today {
        left = (left - use_on(day).unwrap_or(0.0)).max(0.0);
        let Ok(next) = day.tomorrow() else { break };
        day = next;
    }
    let now = left;
    let mut runs_out = None;
    let mut ended = false;
    let mut last_covered = None;
    // Whether the product was still in use on the last day walked: only then does a count that
    // outlasts the walk last "more than two years" (a walk: 90 tablets a plan used for 28 days
    // of a longer plan read so).
    let mut in_use = false;
    for _ in 0..HORIZON_DAYS {
        match use_on(day) {
            None => {
                ended = true;
                break;
            }
            // A small tolerance: a count entered to two decimals covers what it says.
            Some(u) if u > left + 1e-9 => {
                runs_out = Some(day);
                break;
            }
            Some(u) => {
                left -= u;
                in_use = u > 0.0;
                if in_use {
                    last_covered = Some(day);
                }
            }
        }
        let Ok(next) = day.tomorrow() else { break };
        day = next;
    }
    let order_by = runs_out.map(|d| d.checked_sub(i64::from(count.lead_days).days()).unwrap_or(d));
    let urgency = match order_by {
        Some(o) if o <= today => Urgency::OrderNow,
        Some(o) if o <= today.checked_add(i64::from(NOTICE_DAYS).days()).unwrap_or(today) => Urgency::OrderSoon,
        _ => Urgency::Fine,
    };
    Outlook {
        left: now,
        runs_out,
        order_by,
        past_horizon: runs_out.is_none() && !ended && in_use,
        last_covered,
        urgency,
    }
}

/// How many days from today decide whether to act on a count with `lead_days`: a run-out any
/// later leaves its order-by day past the notice, so a look for reminders need not walk further.
pub fn days_that_decide(lead_days: u32) -> u32 {
    lead_days + NOTICE_DAYS + 1
}

/// Whether a step that first uses a product the person has not counted, starting on `starts`,
/// should be pointed out on `today`: when fewer than the lead time and the notice remain.
pub fn new_product_due(starts: Date, today: Date, lead_days: u32) -> bool {
    let ahead = today.checked_add(i64::from(lead_days + NOTICE_DAYS).days()).unwrap_or(today);
    starts >= today && starts <= ahead
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: i8) -> Date {
        Date::constant(2026, 12, day)
    }

    #[test]
    fn a_count_runs_out_on_the_first_day_it_cannot_cover() {
        // 10 tablets counted on the 1st, one a day: the 1st to the 10th are covered.
        let c = Count::parse(10.0, d(1), 3, d(4)).unwrap();
        let o = outlook(c, d(4), |_| Some(1.0));
        assert_eq!((o.left, o.runs_out, o.order_by, o.last_covered), (7.0, Some(d(11)), Some(d(8)), Some(d(10))));
        assert_eq!(o.urgency, Urgency::OrderSoon);
    }

    #[test]
    fn missed_days_use_nothing_and_the_end_of_the_plan_stops_the_walk() {
        let c = Count::parse(3.0, d(1), 0, d(3)).unwrap();
        // The 1st was missed; the plan ends after the 4th.
        let o = outlook(c, d(3), |day| match day.day() {
            1 => Some(0.0),
            2..=4 => Some(1.0),
            _ => None,
        });
        assert_eq!((o.left, o.runs_out, o.urgency, o.past_horizon), (2.0, None, Urgency::Fine, false));
        assert_eq!(o.last_covered, Some(d(4)), "the last day the plan uses it");
    }

    #[test]
    fn the_order_by_date_passed_is_order_now() {
        let c = Count::parse(2.0, d(1), 14, d(1)).unwrap();
        let o = outlook(c, d(1), |_| Some(0.5));
        assert_eq!((o.runs_out, o.urgency), (Some(d(5)), Urgency::OrderNow));
    }

    #[test]
    fn a_count_that_outlasts_the_horizon_says_so() {
        let c = Count::parse(10_000.0, d(1), 14, d(1)).unwrap();
        let o = outlook(c, d(1), |_| Some(1.0));
        assert!(o.past_horizon && o.runs_out.is_none() && o.urgency == Urgency::Fine);
    }

    #[test]
    fn a_product_a_long_plan_stops_using_early_is_covered_to_its_last_day_not_past_the_horizon() {
        // 90 tablets, one a day for the plan's first 28 days; the plan goes on for years with
        // other products (the use is 0, not "the plan has ended").
        let c = Count::parse(90.0, d(1), 14, d(1)).unwrap();
        let first = d(1);
        let o = outlook(c, first, |day| Some(if (day - first).get_days() < 28 { 1.0 } else { 0.0 }));
        assert!(!o.past_horizon, "{o:?}");
        assert_eq!(o.last_covered, first.checked_add(27.days()).ok());
    }

    #[test]
    fn bad_counts_name_their_field() {
        assert_eq!(Count::parse(-1.0, d(1), 14, d(1)).unwrap_err().field, "amount");
        assert_eq!(Count::parse(f64::NAN, d(1), 14, d(1)).unwrap_err().field, "amount");
        assert_eq!(Count::parse(1.0, d(2), 14, d(1)).unwrap_err().field, "counted");
        assert_eq!(Count::parse(1.0, Date::constant(2025, 1, 1), 14, d(1)).unwrap_err().field, "counted");
        assert_eq!(Count::parse(1.0, d(1), MAX_LEAD_DAYS + 1, d(1)).unwrap_err().field, "lead_days");
    }

    #[test]
    fn a_form_count_reads_a_decimal_comma_and_names_bad_fields() {
        let c = Count::from_form("12,5", "2026-12-01", "", d(1)).unwrap();
        assert_eq!((c.amount, c.lead_days), (12.5, DEFAULT_LEAD_DAYS));
        assert_eq!(Count::from_form("lots", "2026-12-01", "", d(1)).unwrap_err().field, "amount");
        assert_eq!(Count::from_form("1e3", "2026-12-01", "", d(1)).unwrap_err().field, "amount");
        assert_eq!(Count::from_form("1", "yesterday", "", d(1)).unwrap_err().field, "counted");
        assert_eq!(Count::from_form("1", "2026-12-01", "2.5", d(1)).unwrap_err().field, "lead_days");
    }

    #[test]
    fn amounts_read_in_the_singular_for_one() {
        assert_eq!(amount_words(1.0, "tablets"), "1 tablet");
        assert_eq!(amount_words(1.5, "tablets"), "1.5 tablets");
        assert_eq!(amount_words(1.0, "mL"), "1 mL");
        assert_eq!(amount_words(0.25, "daily doses"), "0.25 daily doses");
    }

    #[test]
    fn a_walk_cut_at_the_deciding_days_urges_as_the_whole_walk_does() {
        for (amount, lead) in [(3.0, 0), (10.0, 3), (21.0, 14), (22.0, 14), (400.0, 14)] {
            let c = Count::parse(amount, d(1), lead, d(1)).unwrap();
            let whole = outlook(c, d(1), |_| Some(1.0));
            let last = d(1).checked_add(i64::from(days_that_decide(lead)).days()).unwrap();
            let cut = outlook(c, d(1), |day| (day < last).then_some(1.0));
            assert_eq!(cut.urgency, whole.urgency, "{amount} with {lead} days' lead");
        }
    }

    #[test]
    fn a_new_product_is_pointed_out_within_lead_and_notice() {
        assert!(new_product_due(d(20), d(1), 14));
        assert!(!new_product_due(d(23), d(1), 14));
        assert!(!new_product_due(d(1), d(2), 14), "already started: the count is asked on the page instead");
    }
}
