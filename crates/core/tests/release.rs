//! Clinical review W1: "Venlafaxine: the switch from extended- to immediate-release can go
//! unflagged, in the same step as a large cut" — UK kit (XR 75 + 37.5 mg capsules + oral solution
//! 37.5 mg/5 mL) from 150 mg: step 4 was 34.5 mg of solution in two doses after 63.75 mg, a 46 %
//! cut and the last XR dose stopping, with no release-change warning.
#![allow(clippy::unwrap_used)] // a test fails loudly by design

use taper_core::catalogue::Form;
use taper_core::formulation::{Kit, Stock};
use taper_core::{Catalogue, Mg, PlanRequest, Strategy};

fn modified_release(c: &Catalogue, prep: &taper_core::formulation::Preparation) -> bool {
    prep.items.iter().any(|i| {
        matches!(
            c.product(&i.product_id).map(|p| &p.form),
            Some(Form::Tablet { modified_release: true, .. } | Form::Capsule { modified_release: true, .. })
        )
    })
}

/// Every venlafaxine plan over these kits and starts: the step where the last extended-release
/// unit stops says so, and takes off at most a quarter.
#[test]
fn the_last_extended_release_dose_stops_announced_and_never_with_a_large_cut() {
    let c = Catalogue::builtin().unwrap();
    let kits: [&[&str]; 4] = [
        &["venlafaxine-xr-cap-75mg", "venlafaxine-xr-cap-37.5mg", "venlafaxine-oral-solution-37.5mg-5ml"],
        &["venlafaxine-xr-cap-75mg", "venlafaxine-tab-37.5mg", "venlafaxine-oral-solution-37.5mg-5ml"],
        &["venlafaxine-xr-cap-150mg", "venlafaxine-xr-cap-37.5mg", "venlafaxine-tab-25mg"],
        &["venlafaxine-er-tab-75mg", "venlafaxine-er-tab-37.5mg", "venlafaxine-oral-solution-75mg-5ml"],
    ];
    let mut switches = 0;
    for ids in kits {
        for start in [75.0, 150.0, 225.0] {
            let kit = Kit {
                stocks: ids.iter().map(|id| Stock::new(c.product(id).unwrap().clone())).collect(),
                equipment: Default::default(),
            };
            for strategy in [Strategy::Hyperbolic { step_pp: 5.0 }, Strategy::Proportional { step_percent: 10.0 }] {
                let req = PlanRequest {
                    confirm_dose: true,
                    ..PlanRequest::new("venlafaxine", Mg::new(start).unwrap(), strategy, kit.clone())
                };
                let Ok(p) = taper_core::plan(&c, &req) else { continue };
                for pair in p.steps.windows(2) {
                    let (a, b) = (&pair[0], &pair[1]);
                    if modified_release(&c, &a.preparation)
                        && !modified_release(&c, &b.preparation)
                        && b.dose_mg.get() > 0.0
                    {
                        switches += 1;
                        let cut = 1.0 - b.dose_mg.get() / a.dose_mg.get();
                        assert!(
                            cut <= 0.25 + 1e-9,
                            "{ids:?} from {start}: step {} cuts {:.0}% as the last XR stops",
                            b.index,
                            cut * 100.0
                        );
                        assert!(
                            p.warnings.iter().any(|w| w.code == "release-change" && w.step == Some(b.index)),
                            "{ids:?} from {start}: step {} stops the last XR unannounced",
                            b.index
                        );
                    }
                }
            }
        }
    }
    assert!(switches >= 3, "the kits must exercise the switch: {switches}");
}

/// The clinical review's re-run (its new problem N-1): venlafaxine 75 mg with every product was
/// planned from two 37.5 mg immediate-release tablets, so a person on the 75 mg XR capsule
/// moved to the oral solution with no release-change note, and saying which product they take
/// changed nothing. Step 0 is now made from the product taken now, and the change is announced.
#[test]
fn the_product_taken_now_is_step_0_and_a_change_of_release_from_it_is_said() {
    let c = Catalogue::builtin().unwrap();
    let drug = c.drug("venlafaxine").unwrap();
    let kit =
        Kit { stocks: drug.products.iter().map(|p| Stock::new(p.clone())).collect(), equipment: Default::default() };
    let mut req = PlanRequest::new("venlafaxine", Mg::new(75.0).unwrap(), Strategy::Hyperbolic { step_pp: 5.0 }, kit);
    req.taken_now = Some("venlafaxine-xr-cap-75mg".into());
    let p = taper_core::plan(&c, &req).unwrap();
    let first = &p.steps[0].preparation;
    assert!(first.items.iter().all(|i| i.product_id == "venlafaxine-xr-cap-75mg"), "{}", first.instruction());
    let modified = |id: &str| c.product(id).unwrap().is_modified_release();
    let switch = p.steps.iter().find(|s| s.preparation.items.iter().any(|i| !modified(&i.product_id))).unwrap();
    assert!(
        p.warnings.iter().any(|w| w.code == "release-change" && w.step == Some(switch.index)),
        "the move to immediate release at step {} is said: {:?}",
        switch.index,
        p.warnings
    );
}

/// A re-run of the clinical review (minor 14): venlafaxine 75 mg with every product and a cutter
/// read "three quarters of a 37.5 mg tablet" while a 37.5 mg extended-release tablet, never to
/// be cut, was listed too. With both releases in the kit an immediate-release unit says so.
#[test]
fn beside_extended_release_units_an_immediate_release_tablet_is_named_so() {
    let c = Catalogue::builtin().unwrap();
    let drug = c.drug("venlafaxine").unwrap();
    let both = Kit {
        stocks: drug.products.iter().map(|p| Stock::new(p.clone())).collect(),
        equipment: taper_core::formulation::Equipment { cutter: true, ..Default::default() },
    };
    let mut req = PlanRequest::new("venlafaxine", Mg::new(75.0).unwrap(), Strategy::Hyperbolic { step_pp: 5.0 }, both);
    req.taken_now = Some("venlafaxine-xr-cap-75mg".into());
    let p = taper_core::plan(&c, &req).unwrap();
    let texts: Vec<String> = p.steps.iter().map(|s| s.preparation.instruction()).collect();
    let cut: Vec<&String> = texts.iter().filter(|t| t.contains("cut with a tablet cutter")).collect();
    assert!(!cut.is_empty(), "{texts:?}");
    for t in cut {
        assert!(t.contains("immediate-release tablet"), "{t}");
    }
    // A strength no extended-release unit shares needs no such word when it is all there is.
    let ir = Kit {
        stocks: vec![Stock::new(c.product("venlafaxine-tab-25mg").unwrap().clone())],
        equipment: taper_core::formulation::Equipment { cutter: true, ..Default::default() },
    };
    let req = PlanRequest::new("venlafaxine", Mg::new(75.0).unwrap(), Strategy::Hyperbolic { step_pp: 5.0 }, ir);
    let p = taper_core::plan(&c, &req).unwrap();
    assert!(p.steps.iter().all(|s| !s.preparation.instruction().contains("immediate-release")));
}

/// The clinical review's re-run (N-8): a plan held at venlafaxine 150 mg, where the SNRI quarter
/// cap binds, explained itself with occupancy "near the bottom". The hold names the limit that
/// binds.
#[test]
fn a_hold_names_the_limit_that_binds() {
    let c = Catalogue::builtin().unwrap();
    let ids = ["venlafaxine-xr-cap-150mg", "venlafaxine-tab-75mg"];
    let kit = Kit {
        stocks: ids.iter().map(|id| Stock::new(c.product(id).unwrap().clone())).collect(),
        equipment: Default::default(),
    };
    let req = PlanRequest::new("venlafaxine", Mg::new(150.0).unwrap(), Strategy::Hyperbolic { step_pp: 5.0 }, kit);
    let p = taper_core::plan(&c, &req).unwrap();
    let hold = p.warnings.iter().find(|w| w.code == "cannot-prepare").expect("a hold");
    assert!(hold.message.contains("the limit here is at most a quarter"), "{}", hold.message);
    assert!(!hold.message.contains("limit is in occupancy"), "{}", hold.message);
    // It names the last step in the table, not the one after it that no row shows (a re-run).
    let last = p.steps.last().unwrap().index;
    let named = if last == 0 { "From the dose taken now, ".to_string() } else { format!("After step {last}, ") };
    assert!(hold.message.starts_with(&named), "{}", hold.message);
}

/// Clinical review minor 14 (§4): "Below 75 mg the half cap allows 56 → 32 mg … I would not
/// sign": venlafaxine 75 → 56.25 → 31.75 mg and duloxetine 60 → 45 → 28 mg at the hyperbolic
/// default with every product and a cutter. NICE NG222 1.4.17 asks for smaller reductions (for
/// example 25 %) as the dose becomes lower, so an SNRI's step removes at most a quarter at any
/// dose, and the mg-cap note says so.
#[test]
fn an_snri_below_its_usual_dose_loses_at_most_a_quarter_a_step() {
    let c = Catalogue::builtin().unwrap();
    for (drug, start) in [("venlafaxine", 75.0), ("duloxetine", 60.0), ("venlafaxine", 225.0)] {
        let kit = Kit {
            stocks: c.drug(drug).unwrap().products.iter().map(|p| Stock::new(p.clone())).collect(),
            equipment: taper_core::formulation::Equipment { cutter: true, ..Default::default() },
        };
        let req = PlanRequest::new(drug, Mg::new(start).unwrap(), Strategy::Hyperbolic { step_pp: 5.0 }, kit);
        let p = taper_core::plan(&c, &req).unwrap();
        let doses: Vec<f64> = p.steps.iter().map(|s| s.dose_mg.get()).collect();
        for w in doses.windows(2).filter(|w| w[1] > 0.0) {
            assert!((w[0] - w[1]) / w[0] <= 0.25 + 1e-9, "{drug} from {start}: {w:?} in {doses:?}");
        }
        assert!(doses[2] >= start * 0.75 * 0.75 - 1e-9, "{drug}: {doses:?}");
        let capped = p.warnings.iter().find(|w| w.code == "mg-cap").unwrap();
        assert!(capped.message.contains("a quarter of the current dose for an SNRI"), "{}", capped.message);
    }
}

/// A re-run (dangerous): with immediate- and extended-release products listed, a person who said
/// they take the immediate-release tablets now was shown step 0 as extended-release ("now: 4 ×
/// 1 mg extended-release tablet"), because the label's division of the day could not be made;
/// step 1 then announced a change "to immediate release", the reverse of what happened. Step 0
/// is the dose taken now, in the form it is taken.
#[test]
fn the_dose_taken_now_keeps_the_form_it_is_taken_in() {
    let c = Catalogue::builtin().unwrap();
    let cases = [
        ("alprazolam", 4.0, "alprazolam-tab-1mg", "alprazolam-er-tab-1mg"),
        ("alprazolam", 2.0, "alprazolam-tab-0.5mg", "alprazolam-er-tab-1mg"),
        ("venlafaxine", 150.0, "venlafaxine-tab-50mg", "venlafaxine-xr-cap-150mg"),
        ("venlafaxine", 75.0, "venlafaxine-tab-75mg", "venlafaxine-xr-cap-75mg"),
    ];
    for (drug, start, taken, other) in cases {
        let kit = Kit {
            stocks: [taken, other].iter().map(|id| Stock::new(c.product(id).unwrap().clone())).collect(),
            equipment: Default::default(),
        };
        let mut req =
            PlanRequest::new(drug, Mg::new(start).unwrap(), Strategy::Proportional { step_percent: 10.0 }, kit);
        req.taken_now = Some(taken.to_string());
        let p = taper_core::plan(&c, &req).unwrap();
        let now = &p.steps[0].preparation;
        assert!(!now.items.is_empty() && now.items.iter().all(|i| i.product_id == taken), "{drug} {start} mg: {now:?}");
        assert!(!modified_release(&c, now), "{drug} {start} mg");
        // A later move to extended release is said as that, never as the reverse.
        for w in p.warnings.iter().filter(|w| w.code == "release-change") {
            assert!(
                !w.message.contains("immediate-release instead of extended-release") || w.step != Some(1),
                "{}",
                w.message
            );
        }
    }
}
