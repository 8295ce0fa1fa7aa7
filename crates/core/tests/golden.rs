//! Golden cases from shared/clinical/pharmacology.md §2 and §8. The ladders marked *derived*
//! there are arithmetic on the Sørensen 2022 fits; the proportional sequences are published by
//! reversepsychiatry.org and antidepressantwithdrawal.info.
#![allow(clippy::unwrap_used)] // a test fails loudly by design

use taper_core::Mg;
use taper_core::catalogue::{Catalogue, DrugClass, Form, Product};
use taper_core::formulation::{Equipment, Kit, Stock};
use taper_core::schedule::{PlanRequest, Strategy, plan};

fn catalogue() -> Catalogue {
    Catalogue::builtin().expect("catalogue")
}

/// A compounded product precise enough that realised doses show the ideal ladder.
fn compounded(drug: &str, precision: f64) -> Kit {
    Kit {
        stocks: vec![Stock::new(Product {
            id: format!("{drug}-compounded"),
            drug: drug.into(),
            form: Form::Compounded { precision_mg: precision },
            markets: vec![],
            source: "taper_policy".into(),
            note: None,
        })],
        equipment: Equipment::default(),
    }
}

fn request(drug: &str, start: f64, strategy: Strategy, kit: Kit) -> PlanRequest {
    PlanRequest::new(drug, Mg::new(start).unwrap(), strategy, kit)
}

fn assert_close(actual: &[f64], expected: &[f64], tol: f64, what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: {actual:?} vs {expected:?}");
    for (a, e) in actual.iter().zip(expected) {
        assert!((a - e).abs() <= tol, "{what}: {a} vs {e} (±{tol}) in {actual:?}");
    }
}

fn ladder(drug: &str, region: Option<&str>) -> Vec<f64> {
    let c = catalogue();
    let d = c.drug(drug).unwrap();
    let fit = match region {
        Some(r) => d.occupancy_in(r).unwrap(),
        None => d.default_occupancy().unwrap(),
    };
    let model = fit.model();
    (1..=8).map(|k| f64::from(k) * 10.0).filter_map(|occ| model.dose_for(occ)).collect()
}

#[test]
fn model_inverse_reproduces_derived_ladders() {
    // §2: "Other derived 10-point ladders" and the citalopram table.
    assert_close(&ladder("citalopram", None), &[0.31, 0.73, 1.29, 2.12, 3.43, 5.83, 11.67, 46.83], 0.01, "citalopram");
    assert_close(&ladder("sertraline", None), &[0.94, 2.14, 3.73, 5.94, 9.19, 14.47, 24.55, 51.42], 0.01, "sertraline");
    assert_close(&ladder("fluoxetine", None), &[0.25, 0.57, 1.01, 1.64, 2.62, 4.34, 8.21, 24.71], 0.01, "fluoxetine");
    assert_close(&ladder("duloxetine", None), &[0.78, 1.77, 3.10, 4.94, 7.69, 12.23, 21.15, 46.66], 0.01, "duloxetine");
    assert_close(
        &ladder("escitalopram", Some("thalamus")),
        &[0.31, 0.72, 1.29, 2.17, 3.66, 6.75, 16.96],
        0.01,
        "escitalopram (thalamus)",
    );
}

#[test]
fn citalopram_hyperbolic_plan_follows_the_golden_ladder() {
    // §8 case 1: 20 mg → 75.22 % floored to 70 %, then 10 pp steps.
    let c = catalogue();
    let p =
        plan(&c, &request("citalopram", 20.0, Strategy::Hyperbolic { step_pp: 10.0 }, compounded("citalopram", 0.001)))
            .unwrap();
    assert!(p.is_complete());
    assert!((p.steps[0].occupancy.unwrap() - 75.22).abs() < 0.01);
    let targets: Vec<f64> = p.steps.iter().skip(1).map(|s| s.target_mg).collect();
    assert_close(&targets, &[11.67, 5.83, 3.43, 2.12, 1.29, 0.73, 0.31, 0.0], 0.01, "targets");
    let doses: Vec<f64> = p.steps.iter().skip(1).map(|s| s.dose_mg).collect();
    assert_close(&doses, &[11.67, 5.83, 3.43, 2.12, 1.29, 0.73, 0.31, 0.0], 0.01, "realised");
    // Occupancy falls in roughly equal steps while milligram cuts shrink.
    let occ: Vec<f64> = p.steps.iter().map(|s| s.occupancy.unwrap()).collect();
    for pair in occ.windows(2).skip(1) {
        assert!((pair[0] - pair[1] - 10.0).abs() < 0.1, "{occ:?}");
    }
}

#[test]
fn proportional_ten_percent_matches_published_sequences() {
    let c = catalogue();
    // reversepsychiatry.org, from 10 mg (4-decimal rounding).
    let p = plan(
        &c,
        &request("citalopram", 10.0, Strategy::Proportional { step_percent: 10.0 }, compounded("citalopram", 0.0001)),
    )
    .unwrap();
    let targets: Vec<f64> = p.steps.iter().take(10).map(|s| s.target_mg).collect();
    assert_close(&targets, &[10.0, 9.0, 8.1, 7.29, 6.561, 5.9049, 5.3144, 4.783, 4.3047, 3.8742], 0.0001, "from 10 mg");
    // antidepressantwithdrawal.info, from 20 mg (it rounds inconsistently: ±0.1 mg).
    let p = plan(
        &c,
        &request("citalopram", 20.0, Strategy::Proportional { step_percent: 10.0 }, compounded("citalopram", 0.0001)),
    )
    .unwrap();
    let published = [
        20.0, 18.0, 16.2, 14.5, 13.1, 11.8, 10.6, 9.5, 8.6, 7.7, 6.9, 6.2, 5.6, 5.0, 4.5, 4.1, 3.7, 3.3, 3.0, 2.7, 2.4,
        2.2, 1.9, 1.7, 1.6, 1.4, 1.3, 1.1, 1.0, 0.9,
    ];
    let doses: Vec<f64> = p.steps.iter().take(published.len()).map(|s| s.dose_mg).collect();
    assert_close(&doses, &published, 0.1, "from 20 mg");
}

#[test]
fn occupancy_at_usual_minimum_dose_is_70_to_90_percent() {
    // Meyer 2004 (76–85 %) and Sørensen 2022 (~80 %): every SSRI/SNRI's default fit.
    let c = catalogue();
    for d in c.drugs().iter().filter(|d| matches!(d.class, DrugClass::Ssri | DrugClass::Snri)) {
        let usual = d.usual_min_dose_mg.unwrap_or_else(|| panic!("{} has no usual dose", d.id));
        let occ = d.default_occupancy().unwrap().model().occupancy(usual);
        assert!((70.0..=90.0).contains(&occ), "{} at {usual} mg: {occ}", d.id);
    }
}

#[test]
fn tapering_strip_arithmetic() {
    // §8 case 9: a plan that ends after N 28-day strips lasts 28·N days.
    let c = catalogue();
    let mut req = request(
        "paroxetine",
        20.0,
        Strategy::Manual { doses: vec![Mg::new(10.0).unwrap(), Mg::ZERO] },
        compounded("paroxetine", 0.1),
    );
    req.micro_taper = true;
    let p = plan(&c, &req).unwrap();
    assert_eq!(p.total_days(), 56);
    assert_eq!(p.steps[0].daily.len() + p.steps[1].daily.len(), 54, "every day but the two step days has its own dose");
}

#[test]
fn benzodiazepine_pace_validator_follows_asam() {
    // §8 case 7: 20 → 18 mg diazepam after 2 weeks (10 %) passes; 30 % in 2 weeks is refused.
    let c = catalogue();
    let diazepam = |strategy| {
        let mut r = request("diazepam", 20.0, strategy, compounded("diazepam", 0.01));
        r.interval_days = 14;
        r
    };
    let ok = plan(&c, &diazepam(Strategy::Proportional { step_percent: 10.0 })).unwrap();
    assert!((ok.steps[1].dose_mg - 18.0).abs() < 1e-9);
    let err = plan(&c, &diazepam(Strategy::Proportional { step_percent: 30.0 })).unwrap_err();
    assert!(err.to_string().contains("more than the limit of 25%"), "{err}");
}
