//! Issue 18 §7 (clinical review §11 item 4): the drugs people also come off the same way. Z-drugs
//! are planned under the benzodiazepine receptor agonist pace (Pottie 2018: a 25 % cut every two
//! weeks as the goal) and stop by the diazepam-equivalent rule where a table converts them;
//! gabapentinoids under Maudsley 2024's 10–25 % first steps. Neither has an occupancy model, so
//! both are planned by percentage of the dose, said plainly.
#![allow(clippy::unwrap_used)] // a test fails loudly by design

use taper_core::formulation::{Equipment, Kit, Stock};
use taper_core::units::DoseTimes;
use taper_core::{Catalogue, DrugClass, Mg, Plan, PlanError, PlanRequest, Product, Strategy, plan};

fn kit(c: &Catalogue, ids: &[&str], compounded: Option<(&str, f64)>) -> Kit {
    let mut stocks: Vec<Stock> = ids.iter().map(|id| Stock::new(c.product(id).unwrap().clone())).collect();
    if let Some((drug, precision)) = compounded {
        stocks.push(Stock::new(Product::compounded(drug, precision)));
    }
    Kit { stocks, equipment: Equipment::default() }
}

fn request(drug: &str, start: f64, strategy: Strategy, kit: Kit) -> PlanRequest {
    PlanRequest::new(drug, Mg::new(start).unwrap(), strategy, kit)
}

fn proportional(percent: f64) -> Strategy {
    Strategy::Proportional { step_percent: percent }
}

/// Every step but the one to zero removes at most `percent` of the dose before it (plus the
/// tenth allowed for measuring), or, where nothing measurable lay within that, at most a quarter
/// with the dose then held longer in proportion, or near the end no more milligrams than the stop
/// from the final dose and at most half (said); each held longer in proportion; steps come no
/// closer than `days`.
fn assert_paced(p: &Plan, percent: f64, days: u32) {
    for (i, pair) in p.steps.windows(2).enumerate() {
        let (a, b) = (pair[0].dose_mg.get(), pair[1].dose_mg.get());
        if b > 0.0 {
            assert!(b <= a + 1e-9, "{}: the dose never rises ({a} → {b})", p.drug_id);
            let cut = 100.0 * (a - b) / a;
            let near_stop = p.final_dose_mg.is_some_and(|f| a - b <= f + 1e-9) && p.model.is_none();
            if cut > percent * 1.1 + 1e-9 {
                let said = if cut > 25.0 + 1e-9 { "near-stop" } else { "held-longer" };
                assert!(cut <= 25.0 + 1e-9 || near_stop && cut <= 50.0 + 1e-9, "{}: {a} → {b} mg", p.drug_id);
                assert!(p.warnings.iter().any(|w| w.code == said), "{}: a larger step is said", p.drug_id);
                if let Some(next) = p.steps.get(i + 2) {
                    let held = next.day - pair[1].day;
                    assert!(
                        f64::from(held) >= f64::from(days) * cut / percent - 1e-6,
                        "{}: {a} → {b} mg held {held} days",
                        p.drug_id
                    );
                }
            }
        }
        assert!(pair[1].day - pair[0].day >= days, "{}: day {} → {}", p.drug_id, pair[0].day, pair[1].day);
    }
}

#[test]
fn the_new_classes_take_their_pace_from_policy_toml() {
    let c = Catalogue::builtin().unwrap();
    let z = c.policy.percent_pace(DrugClass::ZDrug).unwrap();
    assert_eq!((z.max_step_percent, z.min_interval_days), (25.0, 14));
    assert_eq!(z.max_step_source, "pottie2018");
    let g = c.policy.percent_pace(DrugClass::Gabapentinoid).unwrap();
    assert_eq!((g.suggested_max_step_percent, g.max_step_percent), (10.0, 25.0));
    assert_eq!(g.max_step_source, "maudsley2024_gabapentinoids");
    assert!(c.policy.percent_pace(DrugClass::Ssri).is_none());
    for (id, class) in [
        ("zolpidem", DrugClass::ZDrug),
        ("zopiclone", DrugClass::ZDrug),
        ("eszopiclone", DrugClass::ZDrug),
        ("pregabalin", DrugClass::Gabapentinoid),
        ("gabapentin", DrugClass::Gabapentinoid),
    ] {
        let d = c.drug(id).unwrap();
        assert_eq!(d.class, class, "{id}");
        assert!(d.occupancy.is_empty(), "{id}: no occupancy model is published");
    }
}

/// Faster than a quarter a step, or closer than two weeks, is refused without a recorded reason,
/// citing the class's own source; a linear plan (a large last cut) is refused outright.
#[test]
fn steps_beyond_the_class_limits_are_refused_with_the_source() {
    let c = Catalogue::builtin().unwrap();
    let cases = [
        ("zolpidem", 10.0, kit(&c, &["zolpidem-tab-10mg-uk"], Some(("zolpidem", 0.25))), "Pottie"),
        ("gabapentin", 900.0, kit(&c, &["gabapentin-cap-300mg", "gabapentin-cap-100mg"], None), "Maudsley"),
    ];
    for (drug, start, k, cited) in cases {
        let fast = request(drug, start, proportional(30.0), k.clone());
        match taper_core::plan(&c, &fast) {
            Err(PlanError::Refused { field, message }) => {
                assert_eq!(field, "step");
                assert!(message.contains("25%") && message.contains(cited), "{drug}: {message}");
            }
            other => panic!("{drug}: 30 % a step must be refused, got {other:?}"),
        }
        let close = PlanRequest { interval_days: 7, ..request(drug, start, proportional(10.0), k.clone()) };
        assert!(taper_core::plan(&c, &close).is_err(), "{drug}: a step every 7 days must be refused");
        let linear = request(drug, start, Strategy::Linear { step_mg: start / 4.0 }, k.clone());
        match taper_core::plan(&c, &linear) {
            Err(PlanError::Refused { field, .. }) => assert_eq!(field, "strategy"),
            other => panic!("{drug}: a linear plan must be refused, got {other:?}"),
        }
        let brisk = taper_core::plan(&c, &request(drug, start, proportional(20.0), k)).unwrap();
        assert!(brisk.warnings.iter().any(|w| w.code == "faster-than-suggested"), "{drug}: 20 % is warned");
    }
}

/// Zolpidem 10 mg with the scored UK tablet and a compounded preparation: 10 % steps every four
/// weeks to 1 mg (0.5 mg diazepam-equivalent under the Ashton table, which puts zolpidem 20 mg
/// beside diazepam 10 mg: RightDecisions' 10 mg ≈ 5 mg, doubled), then zero.
#[test]
fn zolpidem_stops_by_the_diazepam_equivalent_rule() {
    let c = Catalogue::builtin().unwrap();
    let zolpidem = c.drug("zolpidem").unwrap();
    let cap = c.final_step_cap_mg(zolpidem).unwrap();
    assert!((cap - 1.0).abs() < 1e-9, "0.5 mg diazepam-equivalent is {cap} mg of zolpidem");
    let req =
        request("zolpidem", 10.0, proportional(10.0), kit(&c, &["zolpidem-tab-10mg-uk"], Some(("zolpidem", 0.05))));
    let p = taper_core::plan(&c, &req).unwrap();
    assert!(p.is_complete(), "{:?}", p.status);
    assert_paced(&p, 10.0, 28);
    let last = p.steps[p.steps.len() - 2].dose_mg.get();
    assert!(last <= cap + 1e-9 && last > cap * 0.8, "stops from {last} mg");
    assert_eq!(p.final_dose_mg, Some(cap));
}

/// No table converts eszopiclone to diazepam, so it cannot stop by that rule; it stops from the
/// `[final_dose]` fraction of the start, as other drugs with no model do.
#[test]
fn eszopiclone_without_an_equivalent_stops_by_the_fraction_of_the_start() {
    let c = Catalogue::builtin().unwrap();
    let e = c.drug("eszopiclone").unwrap();
    assert!(c.final_step_cap_mg(e).is_none());
    let req = request(
        "eszopiclone",
        3.0,
        proportional(10.0),
        kit(&c, &["eszopiclone-tab-1mg"], Some(("eszopiclone", 0.005))),
    );
    let p = taper_core::plan(&c, &req).unwrap();
    let f = 3.0 * c.policy.final_dose.fraction_of_start;
    assert_eq!(p.final_dose_mg, Some(f));
    assert!(p.is_complete(), "{:?}", p.status);
    assert!(p.steps[p.steps.len() - 2].dose_mg.get() <= f + 1e-9);
    assert_paced(&p, 10.0, 28);
}

/// A hypnotic taken at bedtime is meant to wear off by morning: no interdose-trough warning,
/// though zolpidem's half-life is about 2.5 hours. Taken once a day, alprazolam still warns.
#[test]
fn a_bedtime_hypnotic_gets_no_trough_warning() {
    let c = Catalogue::builtin().unwrap();
    for (drug, start, ids) in
        [("zolpidem", 10.0, ["zolpidem-tab-10mg-uk"]), ("zopiclone", 7.5, ["zopiclone-tab-7.5mg"])]
    {
        assert!(c.drug(drug).unwrap().bedtime.is_some());
        let req = PlanRequest {
            times: Some(DoseTimes::parse("times", "22:30").unwrap()),
            ..request(drug, start, proportional(10.0), kit(&c, &ids, Some((drug, 0.25))))
        };
        let p = taper_core::plan(&c, &req).unwrap();
        assert!(p.warnings.iter().all(|w| w.code != "interdose-trough"), "{drug}: {:?}", p.warnings);
    }
    let once = PlanRequest {
        times: Some(DoseTimes::parse("times", "22:30").unwrap()),
        ..request("alprazolam", 1.0, proportional(10.0), kit(&c, &["alprazolam-tab-0.25mg"], None))
    };
    let p = taper_core::plan(&c, &once).unwrap();
    assert!(p.warnings.iter().any(|w| w.code == "interdose-trough"), "the check itself still runs");
}

/// Gabapentin follows its label's three doses a day unasked (UK oral solution SmPC: three
/// separate doses, no more than 12 hours apart); pregabalin its two. Every day's parts add up to
/// the day, every step is within the gabapentinoid pace, and no plan needs a dose above the
/// labelled maximum.
#[test]
fn gabapentinoids_are_planned_at_their_labelled_times_within_pace() {
    let c = Catalogue::builtin().unwrap();
    let cases = [
        (
            "gabapentin",
            900.0,
            vec!["gabapentin-cap-300mg", "gabapentin-cap-100mg", "gabapentin-oral-solution-250mg-5ml"],
            3,
        ),
        (
            "pregabalin",
            300.0,
            vec!["pregabalin-cap-75mg", "pregabalin-cap-25mg", "pregabalin-oral-solution-20mg-ml"],
            2,
        ),
    ];
    for (drug, start, ids, doses) in cases {
        // Asked for the default (hyperbolic), a drug with no model falls back to 10 % steps.
        let hyperbolic = Strategy::Hyperbolic { step_pp: 5.0 };
        let p = taper_core::plan(&c, &request(drug, start, hyperbolic, kit(&c, &ids, None))).unwrap();
        assert!(p.is_complete(), "{drug}: {:?}", p.status);
        assert_eq!(p.steps[0].preparation.parts.len(), doses, "{drug} now");
        for s in p.steps.iter().filter(|s| !s.preparation.parts.is_empty()) {
            let sum: f64 = s.preparation.parts.iter().map(|(_, part)| part.dose_mg).sum();
            assert!((sum - s.dose_mg.get()).abs() < 1e-6, "{drug} step {}: parts {sum} of {}", s.index, s.dose_mg);
        }
        assert_paced(&p, 10.0, 28);
        assert!(p.warnings.iter().any(|w| w.code == "no-occupancy-model"), "{drug}: said plainly");
    }
}

/// The catalogue accepts a starting dose up to gabapentin's labelled 3,600 mg without calling it
/// a typing slip; above the label it asks for confirmation, as for every drug.
#[test]
fn gabapentin_at_its_labelled_maximum_is_planned() {
    let c = Catalogue::builtin().unwrap();
    let ids = ["gabapentin-tab-600mg", "gabapentin-cap-300mg", "gabapentin-cap-100mg"];
    let p = taper_core::plan(&c, &request("gabapentin", 3600.0, proportional(10.0), kit(&c, &ids, None))).unwrap();
    assert_eq!(p.steps[0].dose_mg.get(), 3600.0);
    assert!(taper_core::plan(&c, &request("gabapentin", 4000.0, proportional(10.0), kit(&c, &ids, None))).is_err());
}

/// Quetiapine, planned at Horowitz et al. 2021's monthly option (10 % of the most recent dose or
/// less each month): larger steps or closer ones need a recorded reason; the last dose before
/// stopping is 1/40 of the start (the same paper); its suspension is measured undiluted.
#[test]
fn quetiapine_follows_the_antipsychotic_pace() {
    let c = Catalogue::builtin().unwrap();
    let a = c.policy.percent_pace(DrugClass::Antipsychotic).unwrap();
    assert_eq!((a.suggested_max_step_percent, a.max_step_percent, a.min_interval_days), (10.0, 10.0, 28));
    let k = Kit {
        equipment: Equipment { syringe_ml: 0.01, ..Equipment::default() },
        ..kit(&c, &["quetiapine-tab-25mg", "quetiapine-oral-suspension-20mg-ml"], None)
    };
    match taper_core::plan(&c, &request("quetiapine", 50.0, proportional(25.0), k.clone())) {
        Err(PlanError::Refused { field, message }) => {
            assert_eq!(field, "step");
            assert!(message.contains("10%") && message.contains("antipsychotic"), "{message}");
        }
        other => panic!("25 % a month must be refused, got {other:?}"),
    }
    let fortnightly = PlanRequest { interval_days: 14, ..request("quetiapine", 50.0, proportional(10.0), k.clone()) };
    assert!(taper_core::plan(&c, &fortnightly).is_err(), "steps two weeks apart are refused");
    let p = taper_core::plan(&c, &request("quetiapine", 50.0, proportional(10.0), k)).unwrap();
    assert_paced(&p, 10.0, 28);
    assert_eq!(p.final_dose_mg, Some(50.0 * c.policy.final_dose.fraction_of_start));
    assert!(p.warnings.iter().all(|w| w.code != "interdose-trough"), "taken at bedtime as its label allows");
    for s in &p.steps {
        assert!(
            s.preparation.items.iter().all(|i| i.dilution.is_none()),
            "step {}: the suspension is never diluted",
            s.index
        );
    }
}

/// Walk-through (new drugs): a confirmed 5,000 mg of zolpidem was planned and repeated back as
/// "keep taking 5000 mg". Far above the label (here four times its maximum), a start is refused
/// even when confirmed, with the field named; just above the label, confirmation still works.
#[test]
fn a_confirmed_dose_far_above_the_label_is_refused() {
    let c = Catalogue::builtin().unwrap();
    let k = kit(&c, &["zolpidem-tab-10mg-uk"], Some(("zolpidem", 0.25)));
    let absurd = PlanRequest { confirm_dose: true, ..request("zolpidem", 5000.0, proportional(10.0), k.clone()) };
    match taper_core::plan(&c, &absurd) {
        Err(PlanError::Input(e)) => {
            assert_eq!(e.field, "from");
            assert!(e.message.contains("4 times") && e.message.contains("Zolpidem"), "{}", e.message);
        }
        other => panic!("5000 mg must be refused, got {other:?}"),
    }
    let above = PlanRequest { confirm_dose: true, ..request("zolpidem", 15.0, proportional(10.0), k) };
    assert!(taper_core::plan(&c, &above).is_ok(), "just above the label, a confirmed dose is planned");
}

/// Walk-through (new drugs): with ordinary zolpidem tablets (10 mg scored, 5 mg) and a cutter
/// the plan held at 10 mg for ever. Quarter tablets make 8.75 mg (¾ × 10 mg + ¼ × 5 mg), a
/// 12.5 % cut, within the z-drug limit of 25 % (Pottie 2018): the plan now takes it and holds it
/// longer in proportion to the 10 % asked, and says so, rather than no plan at all.
#[test]
fn zolpidem_from_tablets_and_a_cutter_is_planned_with_longer_holds() {
    let c = Catalogue::builtin().unwrap();
    let mut k = kit(&c, &["zolpidem-tab-10mg-uk", "zolpidem-tab-5mg-uk"], None);
    k.equipment.cutter = true;
    let p = taper_core::plan(&c, &request("zolpidem", 10.0, proportional(10.0), k)).unwrap();
    assert!(p.steps.len() > 2, "{:?}", p.status);
    let w = p.warnings.iter().find(|w| w.code == "held-longer").expect("the longer holds are said");
    assert!(w.message.contains("10% asked"), "{}", w.message);
    for pair in p.steps.windows(2).filter(|w| w[1].dose_mg.get() > 0.0) {
        let cut = 100.0 * (pair[0].dose_mg.get() - pair[1].dose_mg.get()) / pair[0].dose_mg.get();
        assert!(cut <= 25.0 + 1e-6, "{} → {}", pair[0].dose_mg, pair[1].dose_mg);
    }
    // 10 → 8.75 mg is 12.5 %: held 35 days (28 × 12.5 / 10), not 28.
    assert_eq!(p.steps[1].dose_mg.get(), 8.75);
    assert_eq!(p.steps[2].day - p.steps[1].day, 35);
    assert!(
        taper_core::safety::check(
            &c,
            c.drug("zolpidem").unwrap(),
            &request("zolpidem", 10.0, proportional(10.0), {
                let mut k = kit(&c, &["zolpidem-tab-10mg-uk", "zolpidem-tab-5mg-uk"], None);
                k.equipment.cutter = true;
                k
            }),
            &p
        )
        .is_empty()
    );
}

/// The re-run's finding: Lyrica CR was counted milligram for milligram with capsules, though its
/// label converts 150 mg a day of capsules to 165 mg of CR (lyrica_cr_conversion). One 165 mg CR
/// tablet now counts as 150 mg, a person taking CR is asked which form the dose is, and no plan
/// steps from 150 mg of capsules to "165 mg of CR" as if that were a cut.
#[test]
fn lyrica_cr_counts_a_tenth_less_than_its_milligrams() {
    let c = Catalogue::builtin().unwrap();
    let drug = c.drug("pregabalin").unwrap();
    let cr = c.product("pregabalin-er-tab-165mg").unwrap();
    assert!((cr.tablet_equivalent_mg(165.0) - 150.0).abs() < 1e-6);
    // Said in the label's own numbers (a walk found "1 mg of it counts as 0.9091 mg" cryptic).
    assert_eq!(cr.exposure_words(), "165 mg of it counts as 150 mg of immediate release");
    assert_eq!(cr.taken_as_noun(), "the extended-release tablets");
    let drops = c.product("citalopram-oral-drops-40mg-ml").unwrap();
    assert_eq!(drops.exposure_words(), "1 mg of it counts as 1.25 mg of tablets");
    assert_eq!(drops.taken_as_noun(), "the liquid");
    let offered = ["pregabalin-cap-75mg", "pregabalin-er-tab-165mg"];
    let asked = drug.dose_now_mg(165.0, None, &offered).unwrap_err();
    assert!(asked.contains("165 mg extended-release tablet"), "{asked}");
    assert!((drug.dose_now_mg(165.0, Some("pregabalin-er-tab-165mg"), &offered).unwrap() - 150.0).abs() < 1e-6);
    let ids: Vec<&str> = drug.products.iter().filter(|p| !p.id.contains("oral")).map(|p| p.id.as_str()).collect();
    let kit = Kit {
        stocks: ids.iter().map(|id| Stock::new(c.product(id).unwrap().clone())).collect(),
        equipment: Equipment::default(),
    };
    let req =
        PlanRequest::new("pregabalin", Mg::new(150.0).unwrap(), Strategy::Proportional { step_percent: 10.0 }, kit);
    let p = plan(&c, &req).unwrap();
    for pair in p.steps.windows(2) {
        assert!(pair[1].dose_mg.get() < pair[0].dose_mg.get() - 1e-6, "step {} does not go down", pair[1].index);
    }
    for s in &p.steps {
        let counted: f64 = s.preparation.items.iter().map(|i| i.mg).sum();
        assert!(
            (counted - s.dose_mg.get()).abs() < 1e-6,
            "step {}: items {counted} mg, dose {}",
            s.index,
            s.dose_mg.get()
        );
        for i in s.preparation.items.iter().filter(|i| i.product_id.starts_with("pregabalin-er-tab")) {
            let labelled: f64 =
                i.product_id.trim_start_matches("pregabalin-er-tab-").trim_end_matches("mg").parse().unwrap();
            assert!(
                (i.mg - i.quantity * labelled / 1.1).abs() < 1e-6,
                "step {}: {} counted {} mg",
                s.index,
                i.product_id,
                i.mg
            );
        }
    }
}

/// A walk: a person taking one 165 mg Lyrica CR tablet typed 150 (the capsule-equivalent the
/// form had just shown) and chose CR; the plan read 150 mg of CR, 136.36 mg, and its first cut
/// from the real 150 was 18 %. A modified-release dose that is not whole units is asked again.
#[test]
fn a_modified_release_dose_that_is_not_whole_units_is_asked_again() {
    let c = Catalogue::builtin().unwrap();
    let drug = c.drug("pregabalin").unwrap();
    let offered = ["pregabalin-er-tab-165mg"];
    let asked = drug.dose_now_mg(150.0, Some("pregabalin-er-tab-165mg"), &offered).unwrap_err();
    assert!(asked.contains("150 mg is not a whole number of the 165 mg extended-release tablet"), "{asked}");
    assert!((drug.dose_now_mg(330.0, Some("pregabalin-er-tab-165mg"), &offered).unwrap() - 300.0).abs() < 1e-6);
}

/// The final re-run: beads were accepted for temazepam capsules, which hold powder, and the plan
/// said "open a 15 mg capsule (about 150 beads), take out 15 beads". A bead count for a powder
/// capsule is refused, naming the capsule and what to do instead.
#[test]
fn beads_are_refused_for_a_capsule_of_powder() {
    let c = Catalogue::builtin().unwrap();
    let mut stock = Stock::new(c.product("temazepam-cap-15mg").unwrap().clone());
    stock.beads_per_capsule = Some(150);
    let kit = Kit { stocks: vec![stock], equipment: Equipment::default() };
    let req = PlanRequest::new("temazepam", Mg::new(15.0).unwrap(), Strategy::Proportional { step_percent: 10.0 }, kit);
    let refused = plan(&c, &req).unwrap_err().to_string();
    assert!(refused.contains("holds powder, not beads"), "{refused}");
}

/// Re-run (issue 18): zolpidem 10 mg with every product went immediate release → extended
/// release → immediate release, counting milligrams alike, though the labels' largest doses are
/// 10 mg and 12.5 mg. Each change of release now says the milligrams may not act the same and
/// that the prescriber sets that step, with its source; paroxetine's controlled release too.
#[test]
fn a_change_of_release_says_when_the_labels_pair_the_doses_differently() {
    let c = Catalogue::builtin().unwrap();
    for (drug, start) in [("zolpidem", 10.0), ("paroxetine", 37.5)] {
        let stocks = c.drug(drug).unwrap().products.iter().map(|p| Stock::new(p.clone())).collect();
        let kit = Kit { stocks, equipment: Equipment { cutter: true, ..Equipment::default() } };
        let req = PlanRequest {
            taken_now: c.drug(drug).unwrap().products.iter().find(|p| p.is_modified_release()).map(|p| p.id.clone()),
            confirm_dose: true,
            ..PlanRequest::new(drug, Mg::new(start).unwrap(), Strategy::Proportional { step_percent: 10.0 }, kit)
        };
        let p = taper_core::plan(&c, &req).unwrap();
        let changes: Vec<&str> =
            p.warnings.iter().filter(|w| w.code == "release-change").map(|w| w.message.as_str()).collect();
        assert!(!changes.is_empty(), "{drug}: no change of release to read");
        for m in changes {
            assert!(m.contains("the prescriber should set the dose of this step"), "{drug}: {m}");
        }
    }
}
