//! A sweep like the clinical review's (shared/reviews/clinical-review.md §4): every catalogue drug,
//! several starting doses, strategies, paces and product sets. Every plan made must pass the
//! safety check and both step caps (occupancy under every fit, milligram cap), including its last
//! step; the figures (plans, steps, plans ending early and why) are printed for the notes.
#![allow(clippy::unwrap_used)] // a test fails loudly by design

mod support {
    pub mod caps;
    pub mod strength;
}

use std::collections::BTreeMap;

use taper_core::catalogue::Catalogue;
use taper_core::formulation::{Equipment, Kit, Stock};
use taper_core::safety::check;
use taper_core::schedule::{PlanRequest, PlanStatus, Strategy, plan};
use taper_core::{Mg, PlanError};

#[test]
fn every_swept_plan_keeps_both_caps_to_its_last_step() {
    let c = Catalogue::builtin().unwrap();
    let (mut sampled, mut made, mut steps, mut refused) = (0, 0, 0, 0);
    let (mut all_made, mut all_early, mut returns) = (0, 0, 0);
    // Clinical review minor 16: plans that draw a volume under ten syringe marks (each said so).
    let mut few_marks: BTreeMap<String, usize> = BTreeMap::new();
    // Clinical review minor 15: how many times the plans with every product take up a new one.
    let (mut all_changes, mut all_most) = (0, 0);
    let mut early: BTreeMap<String, usize> = BTreeMap::new();
    // Issue 18 (one preparation per phase): plans that put a tablet beside a liquid measured alone.
    let mut beside: BTreeMap<String, usize> = BTreeMap::new();
    for drug in c.drugs() {
        let base = drug.usual_min_dose_mg.unwrap_or_else(|| drug.max_dose_mg / 8.0);
        let starts = [base * 0.5, base, (base * 2.0).min(drug.max_dose_mg), drug.max_dose_mg];
        let kits: Vec<Vec<Stock>> = std::iter::once(drug.products.iter().map(|p| Stock::new(p.clone())).collect())
            .chain(drug.products.iter().map(|p| vec![Stock::new(p.clone())]))
            .collect();
        let strategies = [
            Strategy::Hyperbolic { step_pp: 5.0 },
            Strategy::Hyperbolic { step_pp: 10.0 },
            Strategy::Proportional { step_percent: 5.0 },
            Strategy::Proportional { step_percent: 10.0 },
            Strategy::Proportional { step_percent: 25.0 },
        ];
        for start in starts {
            for strategy in &strategies {
                for (k, stocks) in kits.iter().enumerate() {
                    for cutter in [false, true] {
                        sampled += 1;
                        let kit =
                            Kit { stocks: stocks.clone(), equipment: Equipment { cutter, ..Equipment::default() } };
                        let mut req = PlanRequest::new(&drug.id, Mg::new(start).unwrap(), strategy.clone(), kit);
                        req.interval_days = 28;
                        let p = match plan(&c, &req) {
                            Ok(p) => p,
                            Err(PlanError::Refused { message, .. }) => {
                                assert!(!message.contains("safety check"), "{}: {message}", drug.id);
                                refused += 1;
                                continue;
                            }
                            Err(e) => panic!("{} {start} mg: {e}", drug.id),
                        };
                        made += 1;
                        steps += p.steps.len();
                        assert_eq!(check(&c, drug, &req, &p), vec![], "{} {start} mg {strategy:?}", drug.id);
                        support::caps::both_caps(&c, drug, &p).unwrap();
                        support::caps::targets_within_caps(&c, drug, &p).unwrap();
                        // Clinical review D1: never back up to a stronger liquid; ten graduations.
                        if let Some(breach) = support::strength::first_breach(&c, &p, req.kit.equipment.syringe_ml) {
                            panic!("{} {start} mg {strategy:?}: {breach}", drug.id);
                        }
                        if p.steps
                            .iter()
                            .any(|s| s.preparation.instruction().contains(taper_core::formulation::FEW_GRADUATIONS))
                        {
                            *few_marks.entry(drug.id.clone()).or_default() += 1;
                        }
                        // Clinical review D1 and minor 15: never a way of measuring taken up
                        // again after it was left (tablets → a liquid → tablets).
                        let returned = returns_to_a_way_left(&p);
                        returns += usize::from(returned);
                        assert!(
                            !returned,
                            "{} {start} mg {strategy:?} cutter={cutter} kit={k}: a way of measuring taken up again",
                            drug.id
                        );
                        if tablet_beside_a_liquid_measured_alone(&p) {
                            *beside.entry(drug.id.clone()).or_default() += 1;
                        }
                        // Doses a day only fall, but where the release changes (a walk: 4 → 3 →
                        // 4 → 2 → 3 doses a day).
                        if let Some(step) = doses_a_day_rise(&p) {
                            panic!(
                                "{} {start} mg {strategy:?} cutter={cutter} kit={k}: more doses a day at step {step}",
                                drug.id
                            );
                        }
                        // Every new product is said at the step that takes it up, with why.
                        let starts = phase_starts(&p);
                        let said: Vec<usize> =
                            (p.warnings.iter()).filter(|w| w.code == "product-change").filter_map(|w| w.step).collect();
                        assert_eq!(said, starts, "{} {start} mg {strategy:?} cutter={cutter} kit={k}", drug.id);
                        if k == 0 {
                            if starts.len() > 5 && std::env::var_os("SWEEP_DETAIL").is_some() {
                                eprintln!(
                                    "    {} {start} mg {strategy:?} cutter={cutter}: changes at {starts:?}",
                                    drug.id
                                );
                            }
                            all_changes += starts.len();
                            all_most = all_most.max(starts.len());
                        }
                        all_made += usize::from(k == 0);
                        if let PlanStatus::Incomplete { reason, suggestion } = &p.status {
                            // No one is left without a way on: a stop names a concrete option.
                            assert!(
                                suggestion.is_some() || reason.contains("steps"),
                                "{} {start} mg: stops with no option named: {reason}",
                                drug.id
                            );
                            all_early += usize::from(k == 0);
                            if k == 0 && std::env::var_os("SWEEP_DETAIL").is_some() {
                                eprintln!("    {} {start} mg {strategy:?} cutter={cutter}: {reason}", drug.id);
                            }
                            let why = if reason.contains("steps") {
                                "more than 250 steps"
                            } else {
                                "a dose cannot be prepared"
                            };
                            *early.entry(format!("{} ({why})", drug.id)).or_default() += 1;
                        }
                    }
                }
            }
        }
    }
    let ended_early: usize = early.values().sum();
    eprintln!(
        "sweep: {sampled} requests, {made} plans ({refused} refused with a reason), {steps} steps checked, 0 violations, 0 plans back up to a stronger liquid, {ended_early} plans end early"
    );
    eprintln!("  with every catalogue product of the drug: {all_made} plans, {all_early} end early");
    let few: usize = few_marks.values().sum();
    eprintln!("  {few} plans draw a volume under ten syringe marks, each said so (minor 16): {few_marks:?}");
    eprintln!("  {returns} plans take up again a way of measuring they had left (D1, minor 15)");
    eprintln!(
        "  {} plans put a tablet beside a liquid once measured alone (issue 18): {beside:?}",
        beside.values().sum::<usize>()
    );
    // 32 before a re-run's fixes (a day in parts kept dose by dose; a liquid alone at a weaker
    // strength, off its aim inside the window, before a tablet beside it; no liquid made up in
    // step 0); none now.
    assert!(beside.is_empty(), "{beside:?}");
    eprintln!(
        "  with every product: {all_changes} changes of products in {all_made} plans ({:.2} a plan, at most {all_most})",
        all_changes as f64 / all_made.max(1) as f64
    );
    for (what, count) in &early {
        eprintln!("  ends early: {what}: {count}");
    }
    assert!(made > sampled / 2, "only {made} of {sampled} requests made a plan");
}

/// The first step taken at more times a day than the step before, unless it or the step before
/// changes or mixes release forms (extended release once a day, then immediate release at its
/// label's times).
fn doses_a_day_rise(p: &taper_core::Plan) -> Option<usize> {
    let taken: Vec<&taper_core::schedule::Step> = p.steps.iter().filter(|s| !s.preparation.items.is_empty()).collect();
    taken.windows(2).find_map(|w| {
        let (a, b) = (w[0].preparation.parts.len().max(1), w[1].preparation.parts.len().max(1));
        let release = p.warnings.iter().any(|x| {
            matches!(x.code, "release-change" | "release-mix")
                && (x.step == Some(w[1].index) || x.step == Some(w[0].index))
        });
        // Step 0 is the dose taken now, undivided where how it is split is not known.
        (b > a && !release && w[0].index > 0).then_some(w[1].index)
    })
}

/// The steps that take up a product the steps since the last change have not used.
fn phase_starts(p: &taper_core::Plan) -> Vec<usize> {
    let mut phase: Vec<&str> = Vec::new();
    let mut starts = Vec::new();
    for s in p.steps.iter().filter(|s| !s.preparation.items.is_empty()) {
        let ids: Vec<&str> = s.preparation.items.iter().map(|i| i.product_id.as_str()).collect();
        if !ids.iter().all(|id| phase.contains(id)) {
            // A dose taken now that the products do not make has no phase to change from.
            if s.index > 0 && !phase.is_empty() {
                starts.push(s.index);
            }
            phase = ids;
        }
    }
    starts
}

/// Whether a plan puts a tablet or capsule beside a liquid once it has measured the liquid
/// alone (a re-run: sertraline's concentrate alone, then a quarter, a half and a whole 25 mg
/// tablet beside it, then the concentrate alone again).
fn tablet_beside_a_liquid_measured_alone(p: &taper_core::Plan) -> bool {
    use taper_core::formulation::Unit;
    let liquid = |i: &taper_core::formulation::Item| matches!(i.unit, Unit::Ml | Unit::Drop);
    let mut alone = false;
    for s in p.steps.iter().filter(|s| !s.preparation.items.is_empty()) {
        let all = s.preparation.items.iter().all(liquid);
        if alone && !all {
            return true;
        }
        alone |= all;
    }
    false
}

/// Whether a plan's steps go back to a way of measuring they had left (tablets alone → a liquid
/// → tablets alone).
fn returns_to_a_way_left(p: &taper_core::Plan) -> bool {
    let mut left: Vec<&str> = Vec::new();
    let mut current: Option<&str> = None;
    for s in p.steps.iter().filter(|s| !s.preparation.items.is_empty()) {
        let m = s.preparation.method.as_str();
        if current != Some(m) {
            if left.contains(&m) {
                return true;
            }
            if let Some(c) = current {
                left.push(c);
            }
            current = Some(m);
        }
    }
    false
}
