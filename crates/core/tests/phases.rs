//! Clinical review minor 15 ("Product hopping. With many products, the plan changes product or
//! form almost every month … Prefer the fewest changes") and issue 18 §1: within a phase the
//! product, the strength measured and the method stay the same; a change comes only when what
//! the person uses cannot make the next dose. Also the per-dose pace of an uneven split.
#![allow(clippy::unwrap_used)] // a test fails loudly by design

use taper_core::catalogue::Form;
use taper_core::formulation::{Equipment, Kit, Stock, Unit};
use taper_core::units::{DoseTime, DoseTimes};
use taper_core::{Catalogue, Mg, Plan, PlanRequest, Strategy};

fn request(c: &Catalogue, drug: &str, start: f64, ids: &[&str], cutter: bool, strategy: Strategy) -> PlanRequest {
    let kit = Kit {
        stocks: ids.iter().map(|id| Stock::new(c.product(id).unwrap().clone())).collect(),
        equipment: Equipment { cutter, ..Equipment::default() },
    };
    PlanRequest::new(drug, Mg::new(start).unwrap(), strategy, kit)
}

/// The ways of measuring a plan takes, in order, each once (a return to one left is a new entry).
fn ways(p: &Plan) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in p.steps.iter().filter(|s| !s.preparation.items.is_empty()) {
        if out.last() != Some(&s.preparation.method) {
            out.push(s.preparation.method.clone());
        }
    }
    out
}

/// The liquid products a plan measures from.
fn bottles(c: &Catalogue, p: &Plan) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in &p.steps {
        for i in s.preparation.items.iter().filter(|i| matches!(i.unit, Unit::Ml | Unit::Drop)) {
            let liquid = c.product(&i.product_id).is_some_and(|p| matches!(p.form, Form::Liquid { .. }));
            if liquid && !out.contains(&i.product_id) {
                out.push(i.product_id.clone());
            }
        }
    }
    out
}

/// Pregabalin 150 mg in two doses (its label), with 25, 50 and 75 mg capsules and the 20 mg/mL
/// solution: before, the morning and evening doses were made differently and the plan went
/// from capsules to solution and back (steps 3, 4, 8, 11). Now every divided day is the same
/// preparation at both times, and the plan goes capsules → solution → 1 in 10 → 1 in 100, never
/// back.
#[test]
fn a_divided_day_is_made_one_way_and_the_plan_never_goes_back_to_a_way_it_left() {
    let c = Catalogue::builtin().unwrap();
    let ids = ["pregabalin-cap-25mg", "pregabalin-cap-50mg", "pregabalin-cap-75mg", "pregabalin-oral-solution-20mg-ml"];
    let mut req = request(&c, "pregabalin", 150.0, &ids, false, Strategy::Proportional { step_percent: 10.0 });
    req.interval_days = 14;
    let p = taper_core::plan(&c, &req).unwrap();
    for s in p.steps.iter().filter(|s| !s.preparation.parts.is_empty()) {
        let first = &s.preparation.parts[0].1;
        for (t, part) in &s.preparation.parts {
            assert_eq!(part.instruction(), first.instruction(), "step {} at {t}", s.index);
        }
    }
    let w = ways(&p);
    let mut seen = w.clone();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), w.len(), "a way of measuring taken up again after it was left: {w:#?}");
    assert!(w.len() <= 4, "{w:#?}");
    let changes = p.warnings.iter().filter(|w| w.code == "method-change").count();
    assert_eq!(changes, w.len() - 1, "every change announced, no other");
    // Steps a little off their targets are said once, not once each (a walk: 25 such lines).
    let off: Vec<_> = p.warnings.iter().filter(|w| w.code == "outside-tolerance").collect();
    assert_eq!(off.len(), 1, "{off:#?}");
    assert!(
        off[0].message.contains(" steps) land above their targets (smaller steps than asked)"),
        "{}",
        off[0].message
    );
}

/// The review's own reproduction: venlafaxine 225 mg with every product (and a cutter) used the
/// ER tablet, XR capsule + IR tablet, half an IR tablet + the 112.5 mg ER tablet, IR 100, IR 75,
/// then both oral solutions by turns. Now the liquid phase draws from one bottle only, and no way
/// of measuring is taken up again once left; every step still keeps the SNRI caps (the safety net
/// is run by `plan`).
#[test]
fn venlafaxine_with_every_product_measures_from_one_bottle() {
    let c = Catalogue::builtin().unwrap();
    let drug = c.drug("venlafaxine").unwrap();
    let ids: Vec<&str> = drug.products.iter().map(|p| p.id.as_str()).collect();
    let p = taper_core::plan(&c, &request(&c, "venlafaxine", 225.0, &ids, true, Strategy::Hyperbolic { step_pp: 5.0 }))
        .unwrap();
    assert_eq!(bottles(&c, &p).len(), 1, "{:?}", bottles(&c, &p));
    let w = ways(&p);
    let mut seen = w.clone();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), w.len(), "{w:#?}");
    assert_eq!(p.steps.last().unwrap().dose_mg.get(), 0.0, "the plan still reaches zero");
}

/// The products a plan takes up, step by step: a step that uses a product the steps since the
/// last change have not used begins a new phase.
fn phase_starts(p: &Plan) -> Vec<usize> {
    let mut phase: Vec<String> = Vec::new();
    let mut starts = Vec::new();
    for s in p.steps.iter().filter(|s| !s.preparation.items.is_empty()) {
        let ids: Vec<String> = s.preparation.items.iter().map(|i| i.product_id.clone()).collect();
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

/// Clinical review minor 15, the review's own case: venlafaxine 225 mg with every product
/// changed product or form at steps 1, 2, 3, 4 and 6 (ER tablet → XR capsule + IR tablet → XR
/// capsule → 112.5 mg ER tablet → IR tablet + solution → solution). A forced change now weighs
/// how long each new way lasts, keeps the release form taken now where it can, and counts every
/// product the phase has used as at hand: 37.5 mg and 150 mg capsules carry the plan from 187.5
/// to 112.5 mg, then the immediate-release products to the end. Each new product is said, with
/// why; the step that lands off its target to last longer says so.
#[test]
fn venlafaxine_with_every_product_changes_products_only_twice() {
    let c = Catalogue::builtin().unwrap();
    let drug = c.drug("venlafaxine").unwrap();
    let ids: Vec<&str> = drug.products.iter().map(|p| p.id.as_str()).collect();
    // Taken now as the 225 mg extended-release tablet, as in the review (with both releases
    // listed and none named, the dose now is read as immediate release).
    let mut req = request(&c, "venlafaxine", 225.0, &ids, true, Strategy::Hyperbolic { step_pp: 5.0 });
    req.taken_now = Some("venlafaxine-er-tab-225mg".into());
    let p = taper_core::plan(&c, &req).unwrap();
    let starts = phase_starts(&p);
    assert_eq!(starts.len(), 2, "phases begin at steps {starts:?}");
    let said: Vec<usize> = p.warnings.iter().filter(|w| w.code == "product-change").filter_map(|w| w.step).collect();
    assert_eq!(said, starts, "every new product is said at the step that takes it up");
    let first = &p.steps[starts[0]].preparation;
    let modified = |id: &str| c.product(id).unwrap().is_modified_release();
    assert!(first.items.iter().all(|i| modified(&i.product_id)), "the first change keeps extended release: {first:?}");
    let lasting = p.warnings.iter().find(|w| w.code == "product-change" && w.step == Some(starts[0])).unwrap();
    assert!(lasting.message.contains("also makes the"), "{}", lasting.message);
    assert!(!p.warnings.iter().any(|w| w.code == "release-mix"), "no day mixes release forms");
    assert_eq!(p.steps.last().unwrap().dose_mg.get(), 0.0, "the plan still reaches zero");
}

/// Lorazepam taken as 0.5 mg in the morning and 1.5 mg at night: each dose is cut in the same
/// proportion as the day (the per-dose pace), so the night dose stays about three times the
/// morning's while both can be measured; where they cannot, the plan says the split moved.
/// A walk found the split breaking down without a cutter: 0.02 mg in the morning and 0.57 at
/// night, then 0.5 and 0.03 the next step. With or without a cutter, the night dose now never
/// falls below the morning one.
#[test]
fn an_uneven_split_keeps_its_proportions_step_by_step() {
    for cutter in [true, false] {
        uneven_split(cutter);
    }
}

fn uneven_split(cutter: bool) {
    let c = Catalogue::builtin().unwrap();
    let ids = ["lorazepam-tab-0.5mg", "lorazepam-tab-1mg", "lorazepam-oral-concentrate-2mg-ml"];
    let mut req = request(&c, "lorazepam", 2.0, &ids, cutter, Strategy::Proportional { step_percent: 10.0 });
    req.times = Some(DoseTimes::new(vec![DoseTime::at(8, 0).unwrap(), DoseTime::at(22, 0).unwrap()]).unwrap());
    req.amounts = Some(vec![Mg::new(0.5).unwrap(), Mg::new(1.5).unwrap()]);
    let p = taper_core::plan(&c, &req).unwrap();
    let moved = p.warnings.iter().find(|w| w.code == "split-moved").and_then(|w| w.step).unwrap_or(usize::MAX);
    let mut kept = 0;
    for s in p.steps.iter().filter(|s| s.preparation.parts.len() == 2 && s.index < moved) {
        let ratio = s.preparation.parts[1].1.dose_mg / s.preparation.parts[0].1.dose_mg;
        assert!((2.5..=3.5).contains(&ratio), "cutter {cutter}, step {}: night {ratio:.2} × morning", s.index);
        kept += 1;
    }
    assert!(kept >= 20, "cutter {cutter}: the split held for {kept} steps only");
    for s in p.steps.iter().filter(|s| s.preparation.parts.len() == 2 && s.index >= moved) {
        let ratio = s.preparation.parts[1].1.dose_mg / s.preparation.parts[0].1.dose_mg;
        assert!(
            (1.0..3.5).contains(&ratio),
            "cutter {cutter}: moved, but not towards even: step {} {ratio:.2}",
            s.index
        );
    }
    assert!(
        p.steps.iter().all(|s| s.dose_mg.get() == 0.0 || s.preparation.parts.len() == 2),
        "cutter {cutter}: both times kept"
    );
}

/// A walk read "No step is larger than 11 %" above a last step of 3.6 mg to zero: a limit in
/// percent names the stop as its exception; a limit in occupancy points needs none.
#[test]
fn the_step_limit_names_the_stop_as_its_exception() {
    let c = Catalogue::builtin().unwrap();
    let ids = ["pregabalin-cap-25mg", "pregabalin-oral-solution-20mg-ml"];
    let p = taper_core::plan(
        &c,
        &request(&c, "pregabalin", 150.0, &ids, false, Strategy::Proportional { step_percent: 10.0 }),
    )
    .unwrap();
    let last = p.steps[p.steps.len() - 2].dose_mg.get();
    assert_eq!(p.steps.last().unwrap().dose_mg.get(), 0.0);
    let except = p.step_limit_except();
    assert!(
        except.contains(&format!("the last step, from {} mg to zero", taper_core::units::trim_number(last))),
        "{except}"
    );
    let s = taper_core::plan(
        &c,
        &request(
            &c,
            "sertraline",
            50.0,
            &["sertraline-concentrate-20mg-ml"],
            false,
            Strategy::Hyperbolic { step_pp: 5.0 },
        ),
    )
    .unwrap();
    assert!(!s.step_limit_except().contains("last step"), "{}", s.step_limit_except());
}

/// A walk saw a plan's chart draw the whole re-plan from its first day after going on from a
/// hold, though Today and the table had moved on: a revision taking effect part-way shows its
/// plan from the step then in force; a hold shows that dose alone.
#[test]
fn a_revised_plan_is_drawn_from_where_it_took_effect() {
    let c = Catalogue::builtin().unwrap();
    let mut req = request(
        &c,
        "sertraline",
        50.0,
        &["sertraline-concentrate-20mg-ml"],
        false,
        Strategy::Proportional { step_percent: 10.0 },
    );
    req.interval_days = 14;
    let p = taper_core::plan(&c, &req).unwrap();
    let days: Vec<u32> = p.steps.iter().map(|s| s.day).collect();
    assert_eq!(&days[..3], &[0, 14, 28]);
    let shifted = p.clone().as_revised(10, false);
    assert_eq!(shifted.steps[0].dose_mg, p.steps[0].dose_mg, "the dose in force on day 10 first");
    assert_eq!(shifted.steps.iter().map(|s| s.day).take(3).collect::<Vec<_>>(), [0, 4, 18]);
    let on_step = p.clone().as_revised(14, false);
    assert_eq!(on_step.steps[0].dose_mg, p.steps[1].dose_mg);
    assert_eq!(on_step.steps[1].day, 14);
    let held = p.as_revised(0, true);
    assert_eq!(held.steps.len(), 1);
}

/// Walk-through N10 again, found by the server's test once plans kept their products longer:
/// sertraline 100 mg "ending at 25 mg" reached the step toward 25 mg with 50 mg taken, where the
/// pace allowed no lower than 32.5 mg, and the plan ended there. A step toward the end that the
/// pace holds above it is followed by more, and its target is the step the pace allows.
#[test]
fn a_plan_ending_at_a_dose_goes_on_until_it_is_there() {
    let c = Catalogue::builtin().unwrap();
    let ids = ["sertraline-tab-50mg", "sertraline-tab-25mg", "sertraline-concentrate-20mg-ml"];
    let mut req = request(&c, "sertraline", 100.0, &ids, false, Strategy::Hyperbolic { step_pp: 5.0 });
    req.end_at = Some(Mg::new(25.0).unwrap());
    let p = taper_core::plan(&c, &req).unwrap();
    let last = p.steps.last().unwrap();
    assert!((last.dose_mg.get() - 25.0).abs() < 1e-9, "ends at {} mg", last.dose_mg);
    for s in &p.steps {
        assert!(s.dose_mg.get() >= 25.0 - 1e-9, "step {} below the end: {} mg", s.index, s.dose_mg);
        let aims_at_end = (s.target_mg - 25.0).abs() < 1e-9;
        assert!(
            !aims_at_end || (s.dose_mg.get() - 25.0).abs() < 1e-9,
            "step {} aims at 25 mg, gives {}",
            s.index,
            s.dose_mg
        );
    }
}

/// The D1 reproduction left after the lookahead (issue 18): quetiapine 100 mg with every
/// product and a cutter went tablets → the 20 mg/mL suspension (which is not diluted) → three
/// quarters of a 25 mg tablet → 0.9 mL of suspension → half a tablet → …, because a volume under
/// ten syringe marks made a quarter tablet look better for one step. Now the suspension phase goes
/// on, each volume under ten marks said in its own instruction, and tablets alone never return.
/// Diazepam 40 mg with every product did the same between its tablets and solutions.
#[test]
fn a_liquid_that_cannot_be_diluted_goes_on_rather_than_back_to_tablets() {
    let c = Catalogue::builtin().unwrap();
    for (drug, start) in [("quetiapine", 100.0), ("diazepam", 40.0)] {
        let ids: Vec<&str> = c.drug(drug).unwrap().products.iter().map(|p| p.id.as_str()).collect();
        for cutter in [false, true] {
            for strategy in [Strategy::Proportional { step_percent: 10.0 }, Strategy::Hyperbolic { step_pp: 5.0 }] {
                let p = taper_core::plan(&c, &request(&c, drug, start, &ids, cutter, strategy.clone())).unwrap();
                let w = ways(&p);
                let mut seen = w.clone();
                seen.sort();
                seen.dedup();
                assert_eq!(seen.len(), w.len(), "{drug} {strategy:?} cutter={cutter}: a way taken up again: {w:#?}");
                for s in &p.steps {
                    for i in s.preparation.items.iter().filter(|i| i.unit == Unit::Ml && i.quantity < 1.0 - 1e-9) {
                        assert!(
                            i.text.contains(taper_core::formulation::FEW_GRADUATIONS),
                            "{drug} step {}: {} mL unannounced: {}",
                            s.index,
                            i.quantity,
                            i.text
                        );
                    }
                }
            }
        }
    }
}

/// The re-run's reproduction (issue 18, D1): diazepam 10 mg at 5 % with 2, 5 and 10 mg tablets,
/// the 1 mg/mL solution and a cutter went, below 2 mg, solution → quarter tablets → solution →
/// a quarter tablet and 0.4 mL → solution → … Once the solution is measured, the plan now stays
/// with it, a cut of one syringe mark held longer where 5 % cannot be measured, and no product
/// left comes back.
#[test]
fn once_a_liquid_is_measured_no_product_left_comes_back() {
    let c = Catalogue::builtin().unwrap();
    let cases: [(&str, f64, &[&str]); 2] = [
        (
            "diazepam",
            10.0,
            &["diazepam-tab-2mg", "diazepam-tab-5mg", "diazepam-tab-10mg", "diazepam-oral-solution-1mg-ml"],
        ),
        ("quetiapine", 100.0, &["quetiapine-tab-25mg", "quetiapine-tab-100mg", "quetiapine-oral-suspension-20mg-ml"]),
    ];
    for (drug, start, ids) in cases {
        let req = request(&c, drug, start, ids, true, Strategy::Proportional { step_percent: 5.0 });
        let p = taper_core::plan(&c, &req).unwrap();
        let measured = |s: &taper_core::schedule::Step| !s.preparation.method.is_empty();
        let first = p.steps.iter().position(measured).expect("the plan measures the liquid");
        let mut used: Vec<&str> = Vec::new();
        let mut before: Vec<&str> = Vec::new();
        for s in p.steps.iter().filter(|s| !s.preparation.items.is_empty()) {
            let now: Vec<&str> = s.preparation.items.iter().map(|i| i.product_id.as_str()).collect();
            if s.index > first {
                assert!(measured(s), "{drug} step {}: tablets alone again: {}", s.index, s.preparation.instruction());
                for id in &now {
                    assert!(
                        before.contains(id) || !used.contains(id),
                        "{drug} step {}: {id} taken up again: {}",
                        s.index,
                        s.preparation.instruction()
                    );
                }
            }
            used.extend(now.iter().copied());
            before = now;
        }
    }
}

/// A full-suite failure on the way (issue 18): venlafaxine 75 mg, 10 %, 37.5 and 75 mg XR
/// capsules with 60 beads counted, ending at 37.5 mg, stepped from 39.375 mg to 30 mg, because
/// a larger cut held longer (taken rather than measuring again a way left) did not stop at the
/// end dose. It ends at 37.5 mg, one whole capsule.
#[test]
fn a_larger_cut_held_longer_never_passes_the_end_dose() {
    let c = Catalogue::builtin().unwrap();
    let ids = ["venlafaxine-xr-cap-37.5mg", "venlafaxine-xr-cap-75mg"];
    let mut req = request(&c, "venlafaxine", 75.0, &ids, false, Strategy::Proportional { step_percent: 10.0 });
    req.kit.stocks[0].beads_per_capsule = Some(60);
    req.end_at = Some(Mg::new(37.5).unwrap());
    let p = taper_core::plan(&c, &req).unwrap();
    assert!(p.is_complete(), "{:?}", p.status);
    assert!((p.steps.last().unwrap().dose_mg.get() - 37.5).abs() < 1e-9);
    assert!(p.steps.iter().all(|s| s.dose_mg.get() >= 37.5 - 1e-9));
}

/// The final re-run (issue 18, D1): escitalopram 10 mg at 5 % with every product measured the
/// 1 mg/mL solution, then a 1 in 100 dilution of the 20 mg/mL drops, a bottle that drawn from by
/// mistake is twenty times the dose; venlafaxine 225 mg went from the 37.5 mg/5 mL solution to
/// a dilution of the 75 mg/5 mL one. A plan never measures from a stronger bottle after a
/// weaker one, neat or diluted.
#[test]
fn no_stronger_bottle_after_a_weaker_one() {
    let c = Catalogue::builtin().unwrap();
    for (drug, start) in [("escitalopram", 10.0), ("venlafaxine", 225.0)] {
        let ids: Vec<&str> = c.drug(drug).unwrap().products.iter().map(|p| p.id.as_str()).collect();
        let p =
            taper_core::plan(&c, &request(&c, drug, start, &ids, false, Strategy::Proportional { step_percent: 5.0 }))
                .unwrap();
        let strength = |id: &str| match c.product(id).unwrap().form {
            Form::Liquid { mg_per_ml, .. } => mg_per_ml * c.product(id).unwrap().relative_exposure,
            _ => f64::INFINITY,
        };
        let mut weakest = f64::INFINITY;
        for s in &p.steps {
            for i in s.preparation.ids().filter(|id| strength(id).is_finite()) {
                assert!(strength(i) <= weakest * (1.0 + 1e-9), "{drug} step {}: {i} after a weaker bottle", s.index);
                weakest = weakest.min(strength(i));
            }
        }
    }
}

/// Paroxetine 60 mg at 5 % a month with 20 and 40 mg tablets and the 2 mg/mL suspension took
/// cuts of 17 to 25 % on tablets alone, each held longer (60 → 50 → 40 → 30 mg): the suspension
/// was refused beside the tablets because ten millilitres of it cannot carry the whole dose. It
/// is the strongest liquid there is, so nothing stronger can be needed after it: it now tops the
/// tablets up, and every step keeps to the 5 % asked (plus a tenth for measuring).
#[test]
fn the_strongest_liquid_tops_up_tablets_rather_than_larger_cuts_held_longer() {
    let c = Catalogue::builtin().unwrap();
    let ids = ["paroxetine-tab-20mg", "paroxetine-tab-40mg", "paroxetine-oral-suspension-2mg-ml"];
    let strategy = Strategy::Proportional { step_percent: 5.0 };
    let p = taper_core::plan(&c, &request(&c, "paroxetine", 60.0, &ids, false, strategy)).unwrap();
    for w in p.steps.windows(2).take_while(|w| w[1].dose_mg.get() >= 20.0) {
        let (before, after) = (w[0].dose_mg.get(), w[1].dose_mg.get());
        assert!(after >= before * (1.0 - 0.055) - 1e-9, "step {}: {before} → {after} mg", w[1].index);
    }
    assert!(p.steps.iter().take(4).skip(1).all(|s| s.preparation.items.iter().any(|i| i.unit == Unit::Ml)));
    // Two re-runs: "1 × 40 mg tablet + 0.1 mL (0.2 mg)", one mark the whole draw, rather than
    // take the 20 mg tablets back beside the suspension. Tablets beside a liquid change as cuts
    // are made; no draw is under ten marks while the dose is above 20 mg.
    let under_ten = (p.steps.iter().take_while(|s| s.dose_mg.get() > 20.0))
        .flat_map(|s| &s.preparation.items)
        .find(|i| i.unit == Unit::Ml && i.quantity < 1.0 - 1e-9);
    assert!(under_ten.is_none(), "{under_ten:?}");
}

/// With every paroxetine product, the same plan went 20 mg + 37.5 mg controlled release, then
/// 30 mg + 25 mg controlled release, then 40 mg + 12.5 mg controlled release: a new pair of
/// tablets each month, and the two release forms in one day (their doses do not match mg for mg,
/// the controlled-release note says). It now keeps the ordinary tablets and the suspension.
#[test]
fn every_paroxetine_product_does_not_mix_controlled_release_into_each_step() {
    let c = Catalogue::builtin().unwrap();
    let ids: Vec<&str> = c.drug("paroxetine").unwrap().products.iter().map(|p| p.id.as_str()).collect();
    let p = taper_core::plan(
        &c,
        &request(&c, "paroxetine", 60.0, &ids, false, Strategy::Proportional { step_percent: 5.0 }),
    )
    .unwrap();
    let mixed: Vec<usize> = (p.steps.iter())
        .filter(|s| {
            let cr = |i: &taper_core::formulation::Item| i.product_id.contains("-cr-");
            s.preparation.items.iter().any(cr) && !s.preparation.items.iter().all(cr)
        })
        .map(|s| s.index)
        .collect();
    assert_eq!(mixed, Vec::<usize>::new(), "steps mixing controlled and immediate release");
}

/// A re-run: sertraline 100 mg at 5 % with every product went 26 mg → "1 mL (20 mg)" of the
/// concentrate, a 23 % cut held 130 days, where 1.2 mL made 24 mg: the larger cut held longer
/// took the cheapest draw, not the nearest dose. It now takes the nearest the way of measuring
/// makes, so no cut is more than twice the 5 % asked.
#[test]
fn a_cut_held_longer_is_the_smallest_the_way_of_measuring_makes() {
    let c = Catalogue::builtin().unwrap();
    let ids: Vec<&str> = c.drug("sertraline").unwrap().products.iter().map(|p| p.id.as_str()).collect();
    let strategy = Strategy::Proportional { step_percent: 5.0 };
    let p = taper_core::plan(&c, &request(&c, "sertraline", 100.0, &ids, false, strategy)).unwrap();
    for w in p.steps.windows(2).filter(|w| !w[1].dose_mg.is_zero()) {
        let (before, after) = (w[0].dose_mg.get(), w[1].dose_mg.get());
        assert!(after >= before * 0.9 - 1e-9, "step {}: {before} → {after} mg", w[1].index);
    }
}

/// Noted at stop 38 (minor 16): mirtazapine 30 mg at 10 % with every product and a cutter drew
/// 0.9, 0.8 and 0.7 mL of the 15 mg/mL solution, each under ten syringe marks, then took the
/// 1 in 10 dilution that could have made all three. Going back to the tablets left was refused,
/// and the few-marks draw was the fallback; a way forward now comes first.
#[test]
fn a_weaker_dilution_comes_before_a_draw_under_ten_marks() {
    let c = Catalogue::builtin().unwrap();
    let ids: Vec<&str> = c.drug("mirtazapine").unwrap().products.iter().map(|p| p.id.as_str()).collect();
    let p = taper_core::plan(
        &c,
        &request(&c, "mirtazapine", 30.0, &ids, true, Strategy::Proportional { step_percent: 10.0 }),
    )
    .unwrap();
    for s in &p.steps {
        let text = s.preparation.instruction();
        assert!(!text.contains(taper_core::formulation::FEW_GRADUATIONS), "step {}: {text}", s.index);
        for i in s.preparation.items.iter().filter(|i| i.unit == Unit::Ml) {
            assert!(i.quantity >= 1.0 - 1e-9, "step {}: {} mL in {text}", s.index, i.quantity);
        }
    }
    assert!(ways(&p).iter().any(|w| w.contains("1 in 10")), "{:?}", ways(&p));
}

/// A re-run (issue 18, one preparation per phase): sertraline 50 mg at 5 % with every product and
/// a cutter measured the concentrate alone, then put a quarter, a half and a whole 25 mg tablet
/// beside it for three steps (the last with 0.3 mL, under ten marks), then went back to the
/// concentrate alone. Once a liquid is measured alone, no tablet or capsule joins it: a step the
/// liquid cannot make within the pace is taken a little larger and held longer instead.
#[test]
fn once_a_liquid_is_measured_alone_no_tablet_joins_it() {
    let c = Catalogue::builtin().unwrap();
    let ids = ["sertraline-tab-25mg", "sertraline-tab-50mg", "sertraline-tab-100mg", "sertraline-concentrate-20mg-ml"];
    let strategy = Strategy::Proportional { step_percent: 5.0 };
    let p = taper_core::plan(&c, &request(&c, "sertraline", 50.0, &ids, true, strategy)).unwrap();
    let liquid_alone = |s: &taper_core::schedule::Step| {
        !s.preparation.items.is_empty() && s.preparation.items.iter().all(|i| matches!(i.unit, Unit::Ml | Unit::Drop))
    };
    let first = p.steps.iter().position(liquid_alone).expect("the plan measures the concentrate alone");
    for s in p.steps.iter().skip(first).filter(|s| !s.preparation.items.is_empty()) {
        assert!(liquid_alone(s), "step {}: {}", s.index, s.preparation.instruction());
    }
    // The steps the concentrate cannot make within 5.5 % are a little larger and held longer,
    // never past the class's held-step limit.
    // A step's dose is kept longer than the 28 days when it was larger than asked.
    let held: Vec<_> = p.steps.windows(3).filter(|w| w[2].day - w[1].day > 28).collect();
    assert!(!held.is_empty());
    for w in held {
        let cut = 1.0 - w[1].dose_mg.get() / w[0].dose_mg.get();
        assert!(cut > 0.055 - 1e-9 && cut < 0.10, "step {}: {cut}", w[1].index);
    }
}

/// A re-run (issue 18): alprazolam 10 mg at 10 % with every product measured 1 mL of the solution
/// three times a day, then put a 0.5 mg tablet beside 4 mL of a 1 in 10 dilution, where 9 mL of
/// that dilution alone makes the dose. Once the solution is measured alone, each later day is the
/// liquid alone. Lorazepam's concentrate did the same.
#[test]
fn a_day_of_liquid_alone_goes_on_as_a_liquid_when_it_needs_a_weaker_strength() {
    let c = Catalogue::builtin().unwrap();
    for drug in ["alprazolam", "lorazepam"] {
        let ids: Vec<&str> = c.drug(drug).unwrap().products.iter().map(|p| p.id.as_str()).collect();
        let req = request(&c, drug, 10.0, &ids, false, Strategy::Proportional { step_percent: 10.0 });
        let p = taper_core::plan(&c, &req).unwrap();
        let liquid = |s: &taper_core::schedule::Step| {
            !s.preparation.items.is_empty()
                && s.preparation.items.iter().all(|i| matches!(i.unit, Unit::Ml | Unit::Drop))
        };
        let first = p.steps.iter().position(liquid).expect("the plan measures the liquid alone");
        for s in p.steps.iter().skip(first).filter(|s| !s.preparation.items.is_empty()) {
            assert!(liquid(s), "{drug} step {}: {}", s.index, s.preparation.instruction());
        }
    }
}

/// A re-run (issue 18): alprazolam 10 mg taken as 2 mg tablets read "now: 4 × 2 mg tablet + 2 mL
/// of the oral solution" (five tablets are more than one preparation holds), a liquid the person
/// does not take, and so the solution's first use at a cut was never announced. Named, step 0 is
/// the dose as taken, with why it is not worked out; unnamed, it is made from the tablets listed
/// (in parts if need be). Either way no liquid, and the solution's first step says so.
#[test]
fn step_zero_never_puts_in_a_liquid_the_person_does_not_take() {
    let c = Catalogue::builtin().unwrap();
    let ids = ["alprazolam-tab-2mg", "alprazolam-tab-0.5mg", "alprazolam-oral-solution-1mg-ml"];
    for named in [Some("alprazolam-tab-2mg"), None] {
        let mut req = request(&c, "alprazolam", 10.0, &ids, false, Strategy::Proportional { step_percent: 10.0 });
        req.taken_now = named.map(str::to_string);
        let p = taper_core::plan(&c, &req).unwrap();
        let zero = &p.steps[0];
        let liquid = |s: &taper_core::schedule::Step| {
            s.preparation
                .items
                .iter()
                .chain(s.preparation.parts.iter().flat_map(|(_, p)| &p.items))
                .any(|i| i.unit == Unit::Ml)
        };
        assert!(!liquid(zero), "{named:?}: {}", zero.preparation.instruction());
        if named.is_some() {
            assert!(zero.preparation.items.is_empty(), "{}", zero.preparation.instruction());
            let why = p.warnings.iter().find(|w| w.code == "start-not-preparable" && w.step == Some(0)).unwrap();
            assert!(why.message.contains("5 of the 2 mg immediate-release tablet at once"), "{}", why.message);
        }
        let first = p.steps.iter().find(|s| liquid(s)).unwrap().index;
        assert!(
            p.warnings.iter().any(|w| w.code == "product-change" && w.step == Some(first)),
            "{named:?}: the solution's first step {first} is announced"
        );
    }
}
