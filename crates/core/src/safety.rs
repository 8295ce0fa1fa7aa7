//! The safety invariants every plan must satisfy. The planner is built to meet them; this module
//! checks the finished plan independently, and `schedule::plan` refuses any plan that fails.

use crate::catalogue::{Catalogue, Drug};
use crate::schedule::{MAX_STEPS, Plan, PlanRequest, PlanStatus, Strategy};

const EPS: f64 = 1e-7;

/// Every invariant the plan breaks, in words. Empty means the plan is safe to show.
pub fn check(catalogue: &Catalogue, drug: &Drug, req: &PlanRequest, plan: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    let steps = &plan.steps;
    let Some(first) = steps.first() else {
        return vec!["the plan has no steps".into()];
    };
    if (first.dose_mg - req.start.get()).abs() > EPS {
        out.push("the plan does not begin at the starting dose".into());
    }
    if steps.len() > MAX_STEPS + 1 {
        out.push(format!("the plan has {} steps, more than {MAX_STEPS}", steps.len()));
    }
    let benzo = drug.class.is_benzodiazepine();
    let policy = &catalogue.policy;
    let overridden = plan.pace_override.is_some();
    let min_interval =
        if benzo { policy.benzodiazepine.min_interval_days } else { policy.antidepressant.min_interval_days };
    if plan.interval_days < min_interval && !overridden {
        out.push(format!("interval {} is below the minimum {min_interval}", plan.interval_days));
    }
    let manual = matches!(plan.strategy, Strategy::Manual { .. });
    let final_cap = catalogue.final_step_cap_mg(drug);
    for pair in steps.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if b.day != a.day + plan.interval_days {
            out.push(format!(
                "step {} does not follow the previous step by the interval (no skipped or alternate days)",
                b.index
            ));
        }
        if !manual && b.dose_mg >= a.dose_mg - EPS {
            out.push(format!("step {} does not go down", b.index));
        }
        let to_zero = b.dose_mg <= EPS;
        if to_zero && benzo && final_cap.is_some_and(|cap| a.dose_mg > cap + EPS) {
            out.push(format!(
                "step {} stops a benzodiazepine from {} mg, above the final-step threshold",
                b.index, a.dose_mg
            ));
        }
        match plan.strategy {
            Strategy::Hyperbolic { step_pp } => {
                let limit = plan.step_limit.unwrap_or(step_pp);
                if let (Some(oa), Some(ob)) = (a.occupancy, b.occupancy) {
                    let exempt = to_zero && plan.final_dose_mg.is_some_and(|f| a.dose_mg <= f + EPS);
                    if oa - ob > limit + 1e-6 && !exempt {
                        out.push(format!("step {} drops occupancy by {:.3} pp, more than {limit}", b.index, oa - ob));
                    }
                }
            }
            Strategy::Proportional { step_percent } => {
                let limit = plan.step_limit.unwrap_or(step_percent);
                let exempt = to_zero && plan.final_dose_mg.is_some_and(|f| a.dose_mg <= f + EPS);
                if a.dose_mg > 0.0 && !exempt && 100.0 * (a.dose_mg - b.dose_mg) / a.dose_mg > limit + 1e-6 {
                    out.push(format!("step {} cuts more than {limit}% of the dose", b.index));
                }
            }
            Strategy::Linear { .. } | Strategy::Manual { .. } => {}
        }
        let sum: f64 = b.preparation.items.iter().map(|i| i.mg).sum();
        if (sum - b.dose_mg).abs() > 1e-6 {
            out.push(format!("step {} dose {} is not what its preparation gives ({sum})", b.index, b.dose_mg));
        }
        for d in &a.daily {
            if d.dose_mg > a.dose_mg + EPS || d.dose_mg < b.dose_mg - EPS {
                out.push(format!("a daily dose on day {} leaves its step's range", d.day));
            }
        }
        if a.daily.windows(2).any(|w| w[1].dose_mg > w[0].dose_mg + EPS) {
            out.push(format!("daily doses rise within step {}", a.index));
        }
    }
    if let Some(limit) = plan.step_limit {
        let cap = if benzo {
            policy.benzodiazepine.max_percent_per_two_weeks
        } else if matches!(plan.strategy, Strategy::Hyperbolic { .. }) {
            policy.antidepressant.max_step_percentage_points
        } else {
            policy.antidepressant.max_step_percent
        };
        if limit > cap + 1e-9 && !overridden {
            out.push(format!("the step limit {limit} is above the policy maximum {cap}"));
        }
    }
    if plan.status == PlanStatus::Complete {
        let last = steps.last().map_or(0.0, |s| s.dose_mg);
        let ends_right = match req.end_at {
            Some(end) => steps.last().is_some_and(|s| (s.target_mg - end.get()).abs() < EPS),
            None => last <= EPS,
        };
        if !ends_right && !manual {
            out.push("a complete plan must end at zero or at the requested dose".into());
        }
    }
    out
}
