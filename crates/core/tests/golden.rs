//! Golden cases from shared/clinical/pharmacology.md §2 and §8. The ladders marked *derived*
//! there are arithmetic on the Sørensen 2022 fits; the proportional sequences are published by
//! reversepsychiatry.org and antidepressantwithdrawal.info.
#![allow(clippy::unwrap_used)] // a test fails loudly by design

use taper_core::Mg;
use taper_core::catalogue::{Catalogue, DrugClass, Product};
use taper_core::formulation::{Equipment, Kit, Stock};
use taper_core::schedule::{PlanRequest, Strategy, plan};

fn catalogue() -> Catalogue {
    Catalogue::builtin().expect("catalogue")
}

/// A compounded product precise enough that realised doses show the ideal ladder.
fn compounded(drug: &str, precision: f64) -> Kit {
    Kit { stocks: vec![Stock::new(Product::compounded(drug, precision))], equipment: Equipment::default() }
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
    // §8 case 1: 20 mg → 75.22 % floored to 70 %, then 10 pp steps: 11.67, 5.83, 3.43, 2.12, 1.29,
    // 0.73, 0.31, 0 mg. Two rungs would remove more than half the dose (11.67 → 5.83 is 50.04 %,
    // 0.73 → 0.31 is 57 %), so the NICE NG222 cap holds them at half: 5.835 and 0.365 mg; from
    // 0.365 mg (11.4 %) the step to zero would exceed the 11 pp limit, so one more halving, 0.1825.
    let c = catalogue();
    let p =
        plan(&c, &request("citalopram", 20.0, Strategy::Hyperbolic { step_pp: 10.0 }, compounded("citalopram", 0.001)))
            .unwrap();
    assert!(p.is_complete());
    assert!((p.steps[0].occupancy.unwrap() - 75.22).abs() < 0.01);
    let expected = [11.67, 5.835, 3.43, 2.12, 1.29, 0.73, 0.365, 0.183, 0.0];
    let targets: Vec<f64> = p.steps.iter().skip(1).map(|s| s.target_mg).collect();
    assert_close(&targets, &expected, 0.01, "targets");
    let doses: Vec<f64> = p.steps.iter().skip(1).map(|s| s.dose_mg.get()).collect();
    assert_close(&doses, &expected, 0.01, "realised");
    // Where the cap does not bind, occupancy falls in equal 10-point steps while mg cuts shrink.
    let occ: Vec<f64> = p.steps.iter().map(|s| s.occupancy.unwrap()).collect();
    for pair in occ[2..7].windows(2) {
        assert!((pair[0] - pair[1] - 10.0).abs() < 0.1, "{occ:?}");
    }
    assert!(p.warnings.iter().any(|w| w.code == "mg-cap" && w.message.contains("half")), "{:?}", p.warnings);
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
    let doses: Vec<f64> = p.steps.iter().take(published.len()).map(|s| s.dose_mg.get()).collect();
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
    // 10 mg → 0 is far larger than the last-step limit: a prescriber's list needs a reason.
    req.pace_override =
        Some(taper_core::Justification::parse("j", "strip schedule agreed with the prescriber").unwrap());
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
    assert!((ok.steps[1].dose_mg.get() - 18.0).abs() < 1e-9);
    let err = plan(&c, &diazepam(Strategy::Proportional { step_percent: 30.0 })).unwrap_err();
    assert!(err.to_string().contains("more than the limit of 25%"), "{err}");
}

/// The four escitalopram fits of Sørensen et al. 2022 (as coded in the calculator cited in
/// shared/clinical/pharmacology.md §1): caudate, dorsal raphe nucleus, putamen, thalamus.
const ESCITALOPRAM_FITS: [(f64, f64); 4] = [(75.35, 0.66), (89.57, 2.72), (69.32, 1.22), (78.67, 2.10)];

fn occ((emax, ed50): (f64, f64), d: f64) -> f64 {
    emax * d / (ed50 + d)
}

fn dose((emax, ed50): (f64, f64), o: f64) -> Option<f64> {
    (o < emax.min(100.0)).then(|| if o <= 0.0 { 0.0 } else { ed50 * o / (emax - o) })
}

#[test]
fn escitalopram_takes_the_most_cautious_fit_at_every_rung() {
    // 10 mg at 10 pp, all four fits read together (no region given). Each target is the highest
    // of: the dose every fit gives at the rung (the lowest reading of the previous dose minus
    // 10 pp), and the dose no fit reads more than 10 pp below the previous one; never less than
    // half the previous dose. Worked by hand for step 1: dorsal raphe reads 10 mg as
    // 89.57·10/12.72 = 70.42 %; 60.42 % is 2.72·60.42/29.15 = 5.637 mg, above the rung dose
    // (thalamus at 51.8 %: 4.05 mg). The caudate default of the old plan gave 8.6 → 2.58 mg.
    let c = catalogue();
    let p = plan(
        &c,
        &request("escitalopram", 10.0, Strategy::Hyperbolic { step_pp: 10.0 }, compounded("escitalopram", 0.0001)),
    )
    .unwrap();
    assert!(p.is_complete());
    assert_eq!(p.model.as_ref().unwrap().fits.len(), 4, "every published fit is read");
    assert!((p.steps[1].target_mg - 5.637).abs() < 0.001, "{}", p.steps[1].target_mg);
    let lowest = |d: f64| ESCITALOPRAM_FITS.iter().map(|f| occ(*f, d)).fold(f64::INFINITY, f64::min);
    let rung0 = lowest(10.0) - 10.0;
    for (k, pair) in p.steps.windows(2).enumerate() {
        let (a, b) = (&pair[0], &pair[1]);
        for f in ESCITALOPRAM_FITS {
            assert!(
                occ(f, a.dose_mg.get()) - occ(f, b.dose_mg.get()) <= 11.0 + 1e-6,
                "step {} drops too far under {f:?}",
                b.index
            );
        }
        if b.target_mg == 0.0 {
            continue;
        }
        let rung = rung0 - 10.0 * k as f64;
        let at_rung = ESCITALOPRAM_FITS.iter().filter_map(|f| dose(*f, rung)).fold(0.0, f64::max);
        let within =
            ESCITALOPRAM_FITS.iter().map(|f| dose(*f, occ(*f, a.dose_mg.get()) - 10.0).unwrap()).fold(0.0, f64::max);
        let expected = at_rung.max(within).max(a.dose_mg.get() / 2.0);
        assert!((b.target_mg - expected).abs() < 1e-3, "step {}: target {} vs {expected}", b.index, b.target_mg);
        assert!(b.fit.is_some(), "the governing fit is shown");
    }
    // Walk: the occupancy shown (the lowest reading) fell by less than the step asked, with no
    // word why. It does where another fit sets the step, and the note says so.
    let shown_less = p.steps.windows(2).any(|w| {
        let (a, b) = (w[0].dose_mg.get(), w[1].dose_mg.get());
        let fastest = ESCITALOPRAM_FITS.iter().map(|f| occ(*f, a) - occ(*f, b)).fold(0.0, f64::max);
        b > 0.0 && w[0].occupancy.unwrap() - w[1].occupancy.unwrap() < fastest - 1.0
    });
    assert!(shown_less, "no step where another fit falls faster: the note would be idle");
    let note = p.warnings.iter().find(|w| w.code == "fits-disagree").unwrap();
    assert!(note.message.contains("where another fit falls faster, the fall shown is smaller"), "{}", note.message);
    // --region still picks one fit.
    let mut one =
        request("escitalopram", 10.0, Strategy::Hyperbolic { step_pp: 10.0 }, compounded("escitalopram", 0.0001));
    one.region = Some("caudate".into());
    let p = plan(&c, &one).unwrap();
    assert_eq!(p.model.unwrap().fits.len(), 1);
}

#[test]
fn sertraline_proportional_ends_with_a_last_step_inside_the_limit() {
    // Review finding A4: 200 mg at 10 % used to stop from 5 mg (36 % occupancy). The final dose
    // is now chosen by occupancy: 5 pp under the striatal fit is 7.72·5/(92.01−5) = 0.4436 mg.
    let c = catalogue();
    let p = plan(
        &c,
        &request("sertraline", 200.0, Strategy::Proportional { step_percent: 10.0 }, compounded("sertraline", 0.001)),
    )
    .unwrap();
    assert!(p.is_complete());
    assert!((p.final_dose_mg.unwrap() - 0.4436).abs() < 1e-3, "{:?}", p.final_dose_mg);
    let n = p.steps.len();
    let (before, last) = (&p.steps[n - 2], &p.steps[n - 1]);
    assert_eq!(last.dose_mg.get(), 0.0);
    let drop = occ((92.01, 7.72), before.dose_mg.get());
    assert!(drop <= 5.0 + 1e-9, "last step drops {drop} pp from {} mg", before.dose_mg.get());
}

#[test]
fn citalopram_at_5pp_starts_with_a_real_step() {
    // Review finding A11: 20 mg (75.22 %) used to go to the 75 % rung, 19.6 mg, a 0.22 pp step.
    // The first step is now a whole step: 70.22 % = 2.33·70.22/(83.98−70.22) = 11.89 mg.
    let c = catalogue();
    let p =
        plan(&c, &request("citalopram", 20.0, Strategy::Hyperbolic { step_pp: 5.0 }, compounded("citalopram", 0.001)))
            .unwrap();
    let first = &p.steps[1];
    assert!((first.target_mg - 11.89).abs() < 0.01, "{}", first.target_mg);
    let drop = p.steps[0].occupancy.unwrap() - first.occupancy.unwrap();
    assert!((2.5..=5.5).contains(&drop), "first step is {drop} pp");
    // The same holds for a re-plan from any dose, e.g. after a hold at 11.89 mg.
    let again = plan(
        &c,
        &request(
            "citalopram",
            first.dose_mg.get(),
            Strategy::Hyperbolic { step_pp: 5.0 },
            compounded("citalopram", 0.001),
        ),
    )
    .unwrap();
    let drop = again.steps[0].occupancy.unwrap() - again.steps[1].occupancy.unwrap();
    assert!((2.5..=5.5).contains(&drop), "re-plan's first step is {drop} pp");
}

/// Issue 18 §7: "mirtazapine's missing strengths". Its EU packs (Remergon, Remeron SolTab: EMA
/// Article 30 referral, Annex I) are offered to someone in the EU, tablets, orodispersible
/// tablets and the 15 mg/mL solution; its usual range starts at 15 mg (UK solution SmPC).
#[test]
fn mirtazapine_is_sold_in_the_eu_in_every_form() {
    let c = Catalogue::builtin().unwrap();
    let m = c.drug("mirtazapine").unwrap();
    assert_eq!(m.usual_min_dose_mg, Some(15.0));
    let eu: Vec<&str> =
        m.products.iter().filter(|p| p.markets.iter().any(|k| k == "EU")).map(|p| p.id.as_str()).collect();
    for strength in ["15mg", "30mg", "45mg"] {
        assert!(eu.contains(&format!("mirtazapine-tab-{strength}-eu").as_str()), "{eu:?}");
        assert!(eu.contains(&format!("mirtazapine-odt-{strength}-eu").as_str()), "{eu:?}");
    }
    assert!(eu.contains(&"mirtazapine-oral-solution-15mg-ml-eu"));
    // The orodispersible tablets are never split.
    assert!(m.products.iter().filter(|p| p.id.contains("odt")).all(|p| !p.divisible));
}
