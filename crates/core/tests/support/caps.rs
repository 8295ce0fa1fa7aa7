//! The two bounds on every falling step, written from the published fits and `data/policy.toml`
//! directly rather than through `taper_core::safety` or `pace`, for the property tests, the sweep
//! and the web-plan tests: (1) modelled occupancy falls by at most the plan's limit under *every*
//! fit of the drug (hyperbolic: its step limit; otherwise the hard per-step limit, and the
//! final-step limit for the step to zero); (2) no step but the one to zero removes more than half
//! the dose, or a quarter for a benzodiazepine or an SNRI (near the end of a proportional plan, a
//! benzodiazepine's step no larger than its own stop may take up to half). A recorded
//! justification lifts the limits of (1) for non-hyperbolic plans and the quarter of (2), never
//! the half. Linear plans are for comparison only and are exempt.

use taper_core::catalogue::{Catalogue, Drug, DrugClass};
use taper_core::{Plan, Strategy};

/// `Err` names the first step that breaks a bound.
pub fn both_caps(c: &Catalogue, drug: &Drug, p: &Plan) -> Result<(), String> {
    caps_to(c, drug, p, |s| s.dose_mg.get())
}

/// The same bounds for the target column, from each realised dose to the next step's target
/// (clinical review W2: a prescriber copying the targets would write steps the limits forbid).
/// Manual plans list their own targets and are exempt.
#[allow(dead_code)] // not every test binary that includes this module reads targets
pub fn targets_within_caps(c: &Catalogue, drug: &Drug, p: &Plan) -> Result<(), String> {
    if matches!(p.strategy, Strategy::Manual { .. }) {
        return Ok(());
    }
    caps_to(c, drug, p, |s| s.target_mg).map_err(|e| format!("target: {e}"))
}

fn caps_to(
    c: &Catalogue,
    drug: &Drug,
    p: &Plan,
    to: impl Fn(&taper_core::schedule::Step) -> f64,
) -> Result<(), String> {
    if matches!(p.strategy, Strategy::Linear { .. }) {
        return Ok(());
    }
    let policy = &c.policy;
    let fits: Vec<(f64, f64)> = drug.occupancy.iter().map(|f| (f.emax_percent, f.ed50_mg)).collect();
    let occ = |(emax, ed50): (f64, f64), d: f64| if d <= 0.0 { 0.0 } else { emax * d / (ed50 + d) };
    let justified = p.pace_override.is_some();
    for pair in p.steps.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let next = to(b);
        if next >= a.dose_mg.get() {
            continue;
        }
        let to_zero = next <= 1e-12 || b.dose_mg.get() == 0.0;
        let pp = match p.strategy {
            Strategy::Hyperbolic { .. } => p.step_limit.and_then(taper_core::units::StepSize::percentage_points),
            _ if justified => None,
            _ if to_zero => Some(policy.final_step.max_occupancy_drop_pp),
            _ => Some(policy.antidepressant.max_step_percentage_points),
        };
        for &fit in fits.iter().filter(|_| pp.is_some()) {
            let (drop, limit) = (occ(fit, a.dose_mg.get()) - occ(fit, next), pp.unwrap_or(f64::INFINITY));
            if drop > limit + 1e-6 {
                return Err(format!("{} step {}: {drop} pp > {limit} under fit {fit:?}", drug.id, b.index));
            }
        }
        // Near the end of a proportional plan, a cut no larger than its own stop from its final
        // dose (in occupancy under every fit, else in mg) may pass the class's percentage limit,
        // never half the dose nor an SNRI's quarter.
        let near_stop = matches!(p.strategy, Strategy::Proportional { .. })
            && !to_zero
            && p.final_dose_mg.is_some_and(|f| {
                let stop = fits.iter().map(|&fit| occ(fit, f)).fold(0.0, f64::max);
                let drop = fits.iter().map(|&fit| occ(fit, a.dose_mg.get()) - occ(fit, next)).fold(0.0, f64::max);
                a.dose_mg.get() - next <= f + 1e-9 && (fits.is_empty() || drop <= stop + 1e-9)
            });
        if !to_zero {
            let cap = if drug.class == DrugClass::Snri && !justified {
                policy.step_cap.snri_max_cut_fraction
            } else if near_stop || justified {
                policy.step_cap.max_cut_fraction
            } else if drug.class == DrugClass::Benzodiazepine {
                policy.benzodiazepine.max_percent_per_two_weeks / 100.0
            } else if drug.class == DrugClass::ZDrug {
                policy.z_drug.max_held_step_percent.unwrap_or(policy.z_drug.max_step_percent) / 100.0
            } else if drug.class == DrugClass::Gabapentinoid {
                policy.gabapentinoid.max_held_step_percent.unwrap_or(policy.gabapentinoid.max_step_percent) / 100.0
            } else if drug.class == DrugClass::Antipsychotic {
                policy.antipsychotic.max_held_step_percent.unwrap_or(policy.antipsychotic.max_step_percent) / 100.0
            } else {
                policy.step_cap.max_cut_fraction
            };
            let cut = (a.dose_mg.get() - next) / a.dose_mg.get();
            if cut > cap + 1e-9 {
                return Err(format!("{} step {}: removes {:.2} % > {} %", drug.id, b.index, 100.0 * cut, 100.0 * cap));
            }
        }
    }
    Ok(())
}
