//! Clinical review W3: a benzodiazepine's last dose came from 1/40 of the start (an antipsychotic
//! rule, by analogy), so low starting doses stalled below the 0.5 mg diazepam-equivalent stop
//! rule the same plan enforces — "Diazepam 10 mg with every product and a cutter stops at 0.36 mg
//! (10 %/28 d, day 924) ... as 'cannot prepare'". Now the stop rule alone decides.
#![allow(clippy::unwrap_used)] // a test fails loudly by design

use taper_core::formulation::{Equipment, Kit, Stock};
use taper_core::{Catalogue, Mg, PlanRequest, Strategy};

fn every_product(c: &Catalogue, drug: &str) -> Kit {
    let stocks = c
        .drug(drug)
        .unwrap()
        .products
        .iter()
        .filter(|p| {
            !matches!(
                p.form,
                taper_core::catalogue::Form::Compounded { .. } | taper_core::catalogue::Form::Strip { .. }
            )
        })
        .map(|p| Stock::new(p.clone()))
        .collect();
    Kit { stocks, equipment: Equipment { cutter: true, ..Equipment::default() } }
}

#[test]
fn diazepam_10mg_with_every_product_reaches_zero_from_half_a_milligram() {
    let c = Catalogue::builtin().unwrap();
    for start in [5.0, 10.0, 20.0] {
        let req = PlanRequest {
            interval_days: 28,
            ..PlanRequest::new(
                "diazepam",
                Mg::new(start).unwrap(),
                Strategy::Proportional { step_percent: 10.0 },
                every_product(&c, "diazepam"),
            )
        };
        let p = taper_core::plan(&c, &req).unwrap();
        assert!(p.is_complete(), "{start} mg: {:?}", p.status);
        let last = p.steps[p.steps.len() - 2].dose_mg.get();
        // The same stop rule whatever the start: from at most 0.5 mg, and not needlessly lower.
        assert!(last <= 0.5 + 1e-9 && last > 0.5 * 0.8, "{start} mg stops from {last} mg");
        assert_eq!(p.final_dose_mg, Some(0.5));
    }
}

#[test]
fn no_benzodiazepine_plan_asks_for_a_last_dose_below_its_stop_rule() {
    let c = Catalogue::builtin().unwrap();
    for drug in c.drugs().iter().filter(|d| d.class.is_benzodiazepine()) {
        let cap = c.final_step_cap_mg(drug).unwrap();
        for start in [drug.max_dose_mg / 8.0, drug.max_dose_mg / 2.0] {
            let req = PlanRequest::new(
                &drug.id,
                Mg::new(start).unwrap(),
                Strategy::Proportional { step_percent: 10.0 },
                every_product(&c, &drug.id),
            );
            let Ok(p) = taper_core::plan(&c, &PlanRequest { confirm_dose: true, ..req }) else { continue };
            assert_eq!(p.final_dose_mg, Some(cap), "{} from {start} mg", drug.id);
        }
    }
}

/// Clinical review minor 13: "Your current 10 mg cannot be made exactly from the products
/// listed" for diazepam 10 mg with 2 mg tablets, which five tablets make: a unit-count limit.
#[test]
fn a_start_beyond_one_preparation_says_it_is_the_unit_count() {
    let c = Catalogue::builtin().unwrap();
    let kit = Kit {
        stocks: vec![Stock::new(c.product("diazepam-tab-2mg").unwrap().clone())],
        equipment: Equipment::default(),
    };
    let p = taper_core::plan(
        &c,
        &PlanRequest::new("diazepam", Mg::new(10.0).unwrap(), Strategy::Proportional { step_percent: 10.0 }, kit),
    )
    .unwrap();
    let w = p.warnings.iter().find(|w| w.code == "start-not-preparable").unwrap();
    assert!(w.message.contains("would take 5 tablets or capsules, more than the 4"), "{}", w.message);
}

/// Walk-through B1 and clinical review minor 20: with the default (hyperbolic) request a
/// benzodiazepine fell back to 5 % steps, so a US temazepam user with 15 mg capsules and 0.1 mg
/// strips stopped after 47 steps at 1.8 mg, and alprazolam 4 mg ran 2,912 days. The fallback is
/// now the class's suggested step (ASAM 2025: 5–10 %), said in the plan.
#[test]
fn the_default_benzodiazepine_plan_uses_the_suggested_step_and_reaches_zero_with_strips() {
    let c = Catalogue::builtin().unwrap();
    let mut kit = Kit {
        stocks: ["temazepam-cap-15mg", "temazepam-cap-7.5mg"]
            .iter()
            .map(|id| Stock::new(c.product(id).unwrap().clone()))
            .collect(),
        equipment: Equipment::default(),
    };
    kit.stocks.push(Stock::new(taper_core::Product::strip("temazepam", 0.1)));
    let default = Strategy::Hyperbolic { step_pp: taper_core::schedule::DEFAULT_STEP_PP };
    let p = taper_core::plan(&c, &PlanRequest::new("temazepam", Mg::new(15.0).unwrap(), default, kit)).unwrap();
    assert!(p.is_complete(), "{:?}", p.status);
    assert_eq!(p.strategy, Strategy::Proportional { step_percent: c.policy.benzodiazepine.suggested_max_step_percent });
    let w = p.warnings.iter().find(|w| w.code == "no-occupancy-model").unwrap();
    assert!(w.message.contains("cuts 10% of the current dose per step (ASAM"), "{}", w.message);
}

/// A re-run of walk-through B1: with US temazepam capsules alone the plan holds at 15 mg and
/// suggested "Adding the oral solution", sold only in the UK. With no market named, a suggestion
/// is sold where the products in hand are.
#[test]
fn a_suggestion_is_sold_where_the_products_in_hand_are() {
    let c = Catalogue::builtin().unwrap();
    let us = Kit {
        stocks: vec![Stock::new(c.product("temazepam-cap-15mg").unwrap().clone())],
        equipment: Equipment::default(),
    };
    let p = taper_core::plan(
        &c,
        &PlanRequest::new("temazepam", Mg::new(15.0).unwrap(), Strategy::Proportional { step_percent: 10.0 }, us),
    )
    .unwrap();
    let taper_core::schedule::PlanStatus::Incomplete { suggestion: Some(s), .. } = &p.status else {
        panic!("capsules alone cannot make a 10 % step: {:?}", p.status)
    };
    if let taper_core::schedule::Suggestion::Product { id, .. } = s {
        let offered = c.product(id).unwrap();
        assert!(offered.markets.is_empty() || offered.markets.iter().any(|m| m == "US"), "{id}: {:?}", offered.markets);
    }
    // The UK solution is still offered to someone whose products are British.
    let uk = Kit {
        stocks: vec![Stock::new(c.product("temazepam-tab-10mg").unwrap().clone())],
        equipment: Equipment::default(),
    };
    let req = PlanRequest::new("temazepam", Mg::new(10.0).unwrap(), Strategy::Proportional { step_percent: 10.0 }, uk);
    let p = taper_core::plan(&c, &req).unwrap();
    let taper_core::schedule::PlanStatus::Incomplete {
        suggestion: Some(taper_core::schedule::Suggestion::Product { id, .. }),
        ..
    } = &p.status
    else {
        panic!("UK tablets alone: {:?}", p.status)
    };
    assert_eq!(id, "temazepam-oral-solution-10mg-5ml");
}
