//! A plan made on the command line, as the PDF shows it.

use jiff::civil::Date;
use taper_core::schedule::PlanStatus;
use taper_core::units::trim_number as n;
use taper_core::{Catalogue, Plan};

use super::{PlanDocument, StepRow, TimeRow};

/// "4 Jan 2027".
pub fn short_date(d: Date) -> String {
    d.strftime("%-d %b %Y").to_string()
}

impl PlanDocument {
    /// `first_day`: the plan's first day, to date its steps; without it steps are counted in days.
    pub fn of_plan(plan: &Plan, catalogue: &Catalogue, first_day: Option<Date>, made: Date) -> PlanDocument {
        let steps = plan
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (first, parts) = s.preparation.divided();
                let when = match (i, first_day) {
                    (0, Some(d)) => format!("from {} (now)", short_date(d)),
                    (0, None) => "now".to_string(),
                    (_, Some(d)) => format!("from {}", short_date(after(d, s.day))),
                    (_, None) => format!("day {}", s.day),
                };
                let days = crate::step_days(plan, i);
                let last = i + 1 == plan.steps.len();
                StepRow {
                    step: i.to_string(),
                    when,
                    dose: s.dose_mg.to_string(),
                    how: s.preparation.instruction(),
                    first,
                    times: s
                        .preparation
                        .parts
                        .iter()
                        .zip(parts)
                        .map(|((time, part), (_, take))| TimeRow {
                            time: time.to_string(),
                            dose: format!("{} mg", n(part.dose_mg)),
                            take,
                        })
                        .collect(),
                    stock: crate::stock_line(s, days, catalogue)
                        .map(|l| if last { crate::for_each_span(l) } else { l }),
                    // The plan's notes (below the table) carry the products' cautions.
                    notes: Vec::new(),
                }
            })
            .collect();
        PlanDocument {
            title: format!("{}: a taper plan", plan.drug_name),
            made: format!("Made on {}", short_date(made)),
            person: None,
            summary: summary(plan, first_day),
            hold: match &plan.status {
                PlanStatus::Complete => None,
                PlanStatus::Incomplete { reason, suggestion } => Some(format!(
                    "The plan cannot go lower yet: {reason}.{}",
                    suggestion.as_ref().map(|s| format!(" {}", s.plain())).unwrap_or_default()
                )),
            },
            steps,
            notes: plan.warnings.iter().map(|w| w.message.clone()).collect(),
            months: first_day.map(|d| calendar(plan, d)).unwrap_or_default(),
            months_note: first_day.and_then(|d| super::months_note(d, after(d, last_day(plan)))),
            disclaimer: crate::DISCLAIMER.to_string(),
        }
    }
}

/// The day of the plan's last step.
fn last_day(plan: &Plan) -> u32 {
    plan.steps.last().map_or(0, |s| s.day)
}

/// The plan from `first`, month by month: each day the dose of the step in force.
fn calendar(plan: &Plan, first: Date) -> Vec<super::Month> {
    super::months(first, after(first, last_day(plan)), |day| {
        let offset = (day - first).get_days();
        let step = plan.steps.iter().rev().find(|s| i64::from(s.day) <= i64::from(offset))?;
        Some(step.dose_mg.to_string())
    })
}

fn after(d: Date, days: u32) -> Date {
    d.checked_add(jiff::Span::new().days(i64::from(days))).unwrap_or(d)
}

fn summary(plan: &Plan, first_day: Option<Date>) -> Vec<String> {
    let mut out = vec![format!("{}, a step every {} days.", capitalise(&plan.strategy.describe()), plan.interval_days)];
    out.extend(crate::step_limit_line(plan));
    if let PlanStatus::Complete = plan.status {
        let end = first_day.map(|d| format!(" ({})", short_date(after(d, plan.total_days())))).unwrap_or_default();
        let stays = match plan.steps.last().map(|s| s.dose_mg).filter(|d| !d.is_zero()) {
            Some(d) => format!(", then stays at {d} a day until you and your prescriber decide more"),
            None => String::new(),
        };
        out.push(format!(
            "{} steps over {}: the last on day {}{end}{stays}.",
            plan.steps.len().saturating_sub(1),
            crate::duration_words(plan.total_days()),
            plan.total_days()
        ));
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}
