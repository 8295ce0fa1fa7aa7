//! The safety invariants every plan must satisfy. The planner is built to meet them; this module
//! checks the finished plan independently (recomputing occupancy from the fits the plan read),
//! and `schedule::plan` and `crossover::plan` refuse any plan that fails. Each invariant is one
//! small function, fed its bad case by `tests/safety_net.rs`.

use std::fmt;

use crate::catalogue::{Catalogue, Drug};
use crate::pace::Pace;
use crate::plan::types::{CrossoverPlan, MAX_STEPS, Plan, PlanRequest, PlanStatus, Step, Strategy};
use crate::units::{StepSize, trim_number as n};

const EPS: f64 = 1e-7;

/// One broken invariant.
#[derive(Debug, Clone, PartialEq)]
pub enum Violation {
    NoSteps,
    WrongStart,
    TooManySteps {
        steps: usize,
    },
    /// Steps closer than the hard minimum interval, with no justification recorded.
    IntervalTooShort {
        days: u32,
        min: u32,
    },
    /// A step asked for (pp or %) above the hard limit, with no justification recorded.
    UnjustifiedPace {
        step: f64,
        max: f64,
    },
    /// The realised-step limit itself is above the policy's hard limit.
    LimitAbovePolicy {
        limit: f64,
        max: f64,
    },
    /// A step that does not start one interval after the previous (skipped or alternate days).
    NotOneInterval {
        step: usize,
    },
    DoseDoesNotFall {
        step: usize,
    },
    /// Modelled occupancy falls by more than allowed under at least one fit.
    OccupancyDrop {
        step: usize,
        drop_pp: f64,
        limit_pp: f64,
    },
    /// More of the dose removed in one step than the milligram cap allows.
    MgCut {
        step: usize,
        cut_percent: f64,
        cap_percent: f64,
    },
    /// A proportional step larger than its percentage limit.
    PercentCut {
        step: usize,
        cut_percent: f64,
        limit_percent: f64,
    },
    /// A benzodiazepine stopped from above its final-step cap.
    BenzoStopTooHigh {
        step: usize,
        from_mg: f64,
        cap_mg: f64,
    },
    /// A proportional plan stopped from above its final dose.
    StopAboveFinalDose {
        step: usize,
        from_mg: f64,
    },
    PreparationMismatch {
        step: usize,
        dose_mg: f64,
        prepared_mg: f64,
    },
    DailyOutOfRange {
        day: u32,
    },
    DailyRises {
        step: usize,
    },
    /// A micro-taper that leaves a day without a dose, or repeats one.
    DailyGap {
        step: usize,
    },
    EndsWrong,
    /// A crossover stage that raises the total diazepam-equivalent dose.
    CrossoverRaisesTotal {
        stage: usize,
    },
    CrossoverStageDays {
        stage: usize,
    },
    /// A dose of the new drug above its label's single dose (clinical review D2).
    CrossoverSingleDose {
        stage: usize,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::NoSteps => write!(f, "the plan has no steps"),
            Violation::WrongStart => write!(f, "the plan does not begin at the starting dose"),
            Violation::TooManySteps { steps } => write!(f, "the plan has {steps} steps, more than {MAX_STEPS}"),
            Violation::IntervalTooShort { days, min } => {
                write!(f, "interval {days} days is below the minimum {min} without a recorded justification")
            }
            Violation::UnjustifiedPace { step, max } => {
                write!(f, "a step of {} is above the limit {} without a recorded justification", n(*step), n(*max))
            }
            Violation::LimitAbovePolicy { limit, max } => {
                write!(f, "the step limit {} is above the policy maximum {}", n(*limit), n(*max))
            }
            Violation::NotOneInterval { step } => {
                write!(
                    f,
                    "step {step} does not follow the previous step by the interval (no skipped or alternate days)"
                )
            }
            Violation::DoseDoesNotFall { step } => write!(f, "step {step} does not go down"),
            Violation::OccupancyDrop { step, drop_pp, limit_pp } => write!(
                f,
                "step {step} lowers modelled occupancy by {} percentage points, more than {}",
                n(*drop_pp),
                n(*limit_pp)
            ),
            Violation::MgCut { step, cut_percent, cap_percent } => {
                write!(
                    f,
                    "step {step} removes {}% of the dose, more than the cap of {}%",
                    n(*cut_percent),
                    n(*cap_percent)
                )
            }
            Violation::PercentCut { step, cut_percent, limit_percent } => {
                write!(f, "step {step} cuts {}% of the dose, more than {}%", n(*cut_percent), n(*limit_percent))
            }
            Violation::BenzoStopTooHigh { step, from_mg, cap_mg } => write!(
                f,
                "step {step} stops a benzodiazepine from {} mg, above the final-step threshold of {} mg",
                n(*from_mg),
                n(*cap_mg)
            ),
            Violation::StopAboveFinalDose { step, from_mg } => {
                write!(f, "step {step} stops from {} mg, above the plan's final dose", n(*from_mg))
            }
            Violation::PreparationMismatch { step, dose_mg, prepared_mg } => {
                write!(f, "step {step} dose {} is not what its preparation gives ({})", n(*dose_mg), n(*prepared_mg))
            }
            Violation::DailyOutOfRange { day } => write!(f, "a daily dose on day {day} leaves its step's range"),
            Violation::DailyRises { step } => write!(f, "daily doses rise within step {step}"),
            Violation::DailyGap { step } => write!(f, "the daily doses of step {step} skip or repeat a day"),
            Violation::EndsWrong => write!(f, "a complete plan must end at zero or at the requested dose"),
            Violation::CrossoverRaisesTotal { stage } => {
                write!(f, "crossover stage {stage} raises the total diazepam-equivalent dose")
            }
            Violation::CrossoverStageDays { stage } => {
                write!(f, "crossover stage {stage} does not follow the previous one by the stage length")
            }
            Violation::CrossoverSingleDose { stage } => {
                write!(f, "crossover stage {stage} gives a single dose above the label's largest")
            }
        }
    }
}

/// Every invariant the plan breaks. Empty means the plan is safe to show.
pub fn check(catalogue: &Catalogue, drug: &Drug, req: &PlanRequest, plan: &Plan) -> Vec<Violation> {
    let mut out = Vec::new();
    let Some(first) = plan.steps.first() else {
        return vec![Violation::NoSteps];
    };
    // The plan's own record decides whether the pace was justified: a plan that went faster must
    // carry its reason.
    let pace = Pace::new(catalogue, drug, plan.pace_override.as_ref());
    if (first.dose_mg.get() - req.start.get()).abs() > EPS {
        out.push(Violation::WrongStart);
    }
    if plan.steps.len() > MAX_STEPS + 1 {
        out.push(Violation::TooManySteps { steps: plan.steps.len() });
    }
    check_pace(&pace, plan, &mut out);
    for (i, pair) in plan.steps.windows(2).enumerate() {
        let (a, b) = (&pair[0], &pair[1]);
        let before = i.checked_sub(1).map(|j| &plan.steps[j]);
        check_sequence(plan, before, a, b, &mut out);
        check_caps(&pace, plan, a, b, &mut out);
        check_stop(&pace, plan, a, b, &mut out);
        check_daily(plan, a, b, req.micro_taper, &mut out);
    }
    for s in &plan.steps[1..] {
        let prepared: f64 = s.preparation.items.iter().map(|i| i.mg).sum();
        if (prepared - s.dose_mg.get()).abs() > 1e-6 {
            out.push(Violation::PreparationMismatch { step: s.index, dose_mg: s.dose_mg.get(), prepared_mg: prepared });
        }
        // A day's dose given in parts: the parts add up to it.
        let parts: f64 = s.preparation.parts.iter().map(|(_, p)| p.dose_mg).sum();
        if !s.preparation.parts.is_empty() && (parts - s.dose_mg.get()).abs() > 1e-6 {
            out.push(Violation::PreparationMismatch { step: s.index, dose_mg: s.dose_mg.get(), prepared_mg: parts });
        }
    }
    check_end(req, plan, &mut out);
    out
}

/// Interval and step size against the hard limits, unless a justification is recorded.
fn check_pace(pace: &Pace, plan: &Plan, out: &mut Vec<Violation>) {
    let min = pace.min_interval_days();
    if plan.interval_days < min && !pace.justified {
        out.push(Violation::IntervalTooShort { days: plan.interval_days, min });
    }
    let asked = match plan.strategy {
        Strategy::Hyperbolic { step_pp } => Some(step_pp),
        Strategy::Proportional { step_percent } => Some(step_percent),
        Strategy::Linear { .. } | Strategy::Manual { .. } => None,
    };
    if let (Some(step), Some((max, _))) = (asked, pace.hard_step(&plan.strategy))
        && !pace.justified
    {
        if step > max + 1e-9 {
            out.push(Violation::UnjustifiedPace { step, max });
        }
        if let Some(limit) = plan.step_limit.map(StepSize::value).filter(|l| *l > max + 1e-9) {
            out.push(Violation::LimitAbovePolicy { limit, max });
        }
    }
}

/// One dose every day: each step one interval after the last, or longer in proportion after a
/// step larger than asked (`Plan::days_held`); doses only fall (manual lists may hold or rise
/// where the prescriber listed it).
fn check_sequence(plan: &Plan, before: Option<&Step>, a: &Step, b: &Step, out: &mut Vec<Violation>) {
    if b.day != a.day.saturating_add(plan.days_held(before, a)) {
        out.push(Violation::NotOneInterval { step: b.index });
    }
    if !matches!(plan.strategy, Strategy::Manual { .. }) && b.dose_mg.get() >= a.dose_mg.get() - EPS {
        out.push(Violation::DoseDoesNotFall { step: b.index });
    }
}

/// Both bounds on a falling step: modelled occupancy under every fit, and the milligram cap
/// (not on the step to zero, which `check_stop` bounds). Linear plans are for comparison only.
fn check_caps(pace: &Pace, plan: &Plan, a: &Step, b: &Step, out: &mut Vec<Violation>) {
    if matches!(plan.strategy, Strategy::Linear { .. }) || b.dose_mg.get() >= a.dose_mg.get() - EPS {
        return;
    }
    let to_zero = b.dose_mg.get() <= EPS;
    if let (Some(model), Some(limit)) =
        (&plan.model, pace.max_drop_pp(&plan.strategy, plan.step_limit.and_then(StepSize::percentage_points), to_zero))
    {
        let from_final = to_zero && plan.final_dose_mg.is_some_and(|f| a.dose_mg.get() <= f + EPS);
        // A hyperbolic plan's own --final was checked against its step when it was given.
        let exempt = from_final && matches!(plan.strategy, Strategy::Hyperbolic { .. });
        let drop = model.occupancy.largest_drop(a.dose_mg.get(), b.dose_mg.get());
        if drop > limit + 1e-6 && !exempt {
            out.push(Violation::OccupancyDrop { step: b.index, drop_pp: drop, limit_pp: limit });
        }
    }
    // Near the end, a cut no larger than the plan's own stop may pass the class's percentage
    // limit, never half the dose (or an SNRI's quarter).
    let near_stop = plan.no_larger_than_stop(a.dose_mg.get(), b.dose_mg.get());
    if !to_zero && a.dose_mg.get() > 0.0 {
        let cut = (a.dose_mg.get() - b.dose_mg.get()) / a.dose_mg.get();
        let cap = if near_stop { pace.stop_cut_fraction() } else { pace.max_cut_fraction() };
        if cut > cap + 1e-9 {
            out.push(Violation::MgCut { step: b.index, cut_percent: 100.0 * cut, cap_percent: 100.0 * cap });
        }
    }
    if let (Strategy::Proportional { step_percent }, false) = (&plan.strategy, to_zero) {
        // A step past the limit is allowed up to the class's held-step limit, held longer in
        // proportion (checked with the sequence).
        let limit = plan.step_limit.and_then(StepSize::percent).unwrap_or(*step_percent);
        let hard = pace.held_step_limit(&plan.strategy).map_or(limit, |h| h.max(limit));
        let cut = 100.0 * (a.dose_mg.get() - b.dose_mg.get()) / a.dose_mg.get();
        if cut > hard + 1e-6 && !near_stop {
            out.push(Violation::PercentCut { step: b.index, cut_percent: cut, limit_percent: hard });
        }
    }
}

/// The step to zero: a benzodiazepine only from at or below its cap, a proportional plan only
/// from at or below its final dose.
fn check_stop(pace: &Pace, plan: &Plan, a: &Step, b: &Step, out: &mut Vec<Violation>) {
    if b.dose_mg.get() > EPS || a.dose_mg.get() <= EPS {
        return;
    }
    if let Some(cap) = pace.benzo_final_cap_mg().filter(|cap| a.dose_mg.get() > cap + EPS) {
        out.push(Violation::BenzoStopTooHigh { step: b.index, from_mg: a.dose_mg.get(), cap_mg: cap });
    }
    if matches!(plan.strategy, Strategy::Proportional { .. })
        && plan.final_dose_mg.is_none_or(|f| a.dose_mg.get() > f + EPS)
    {
        out.push(Violation::StopAboveFinalDose { step: b.index, from_mg: a.dose_mg.get() });
    }
}

/// A micro-taper gives a dose for every day between two steps, inside their range, never rising.
fn check_daily(plan: &Plan, a: &Step, b: &Step, micro_taper: bool, out: &mut Vec<Violation>) {
    for d in &a.daily {
        if d.dose_mg.get() > a.dose_mg.get() + EPS || d.dose_mg.get() < b.dose_mg.get() - EPS {
            out.push(Violation::DailyOutOfRange { day: d.day });
        }
    }
    if a.daily.windows(2).any(|w| w[1].dose_mg.get() > w[0].dose_mg.get() + EPS) {
        out.push(Violation::DailyRises { step: a.index });
    }
    let expected = micro_taper && plan.interval_days >= 2 && b.dose_mg.get() < a.dose_mg.get();
    if expected || !a.daily.is_empty() {
        let days: Vec<u32> = a.daily.iter().map(|d| d.day).collect();
        let want: Vec<u32> = (a.day + 1..b.day).collect();
        if days != want {
            out.push(Violation::DailyGap { step: a.index });
        }
    }
}

fn check_end(req: &PlanRequest, plan: &Plan, out: &mut Vec<Violation>) {
    if plan.status != PlanStatus::Complete || matches!(plan.strategy, Strategy::Manual { .. }) {
        return;
    }
    let ends_right = match (req.end_at, plan.steps.last()) {
        (Some(end), Some(s)) => (s.target_mg - end.get()).abs() < EPS,
        (None, Some(s)) => s.dose_mg.get() <= EPS,
        (_, None) => false,
    };
    if !ends_right {
        out.push(Violation::EndsWrong);
    }
}

/// A crossover never raises the total diazepam-equivalent dose, and its stages follow one
/// another by the stage length. The taper after it is checked by `check`.
pub fn check_crossover(plan: &CrossoverPlan, stage_days: u32) -> Vec<Violation> {
    let mut out = Vec::new();
    for pair in plan.stages.windows(2) {
        if pair[1].diazepam_equivalent_mg > pair[0].diazepam_equivalent_mg + 1e-9 {
            out.push(Violation::CrossoverRaisesTotal { stage: pair[1].index });
        }
        if pair[1].day != pair[0].day + stage_days {
            out.push(Violation::CrossoverStageDays { stage: pair[1].index });
        }
    }
    for s in &plan.stages {
        if s.doses.iter().any(|d| d.drug == plan.to_drug && d.mg > plan.single_dose_max_mg + 1e-9) {
            out.push(Violation::CrossoverSingleDose { stage: s.index });
        }
    }
    out
}
