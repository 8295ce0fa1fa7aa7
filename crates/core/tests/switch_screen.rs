//! Benzodiazepine switches a prescriber would write (clinical review, second round, D2, W4, W7):
//! no single dose of the new drug above its label's largest, whole-dose switches split into
//! part-dose stages, totals above the label refused, and a pre-switch screen that changes what
//! is proposed. Each golden case names the finding it reproduces.
#![allow(clippy::unwrap_used)] // a test fails loudly by design

use taper_core::Mg;
use taper_core::catalogue::{Catalogue, EquivalenceScheme};
use taper_core::crossover::{self, CrossoverRequest, Risk, Screen};
use taper_core::formulation::{Kit, Stock};

fn kit(c: &Catalogue, ids: &[&str]) -> Kit {
    Kit {
        stocks: ids.iter().map(|id| Stock::new(c.product(id).unwrap().clone())).collect(),
        equipment: Default::default(),
    }
}

fn request(from: &str, doses: &[(f64, f64)], to: &str, have: &[&str]) -> CrossoverRequest {
    let c = Catalogue::builtin().unwrap();
    CrossoverRequest {
        from_drug: from.into(),
        doses: doses.iter().map(|(h, mg)| (*h, Mg::new(*mg).unwrap())).collect(),
        to_drug: to.into(),
        scheme: EquivalenceScheme::Ashton,
        stage_days: 14,
        kit: kit(&c, have),
        taper_step_percent: 10.0,
        taper_interval_days: 14,
        pace_override: None,
        confirm_dose: false,
        to_times: Vec::new(),
        screen: Screen::default(),
        reason: None,
    }
}

const DIAZEPAM: &[&str] =
    &["diazepam-tab-2mg", "diazepam-tab-5mg", "diazepam-tab-10mg", "diazepam-oral-solution-1mg-ml"];

fn largest_diazepam_dose(p: &crossover::CrossoverPlan) -> f64 {
    p.stages.iter().flat_map(|s| &s.doses).filter(|d| d.drug == "diazepam").map(|d| d.mg).fold(0.0, f64::max)
}

/// D2: "Clonazepam 2 mg at 22:00 becomes diazepam 40 mg at 22:00 in a single stage."
#[test]
fn clonazepam_2mg_at_night_is_never_one_40mg_diazepam_dose() {
    let c = Catalogue::builtin().unwrap();
    let mut req = request("clonazepam", &[(22.0, 2.0)], "diazepam", DIAZEPAM);
    let err = crossover::plan(&c, &req).unwrap_err().to_string();
    assert!(err.contains("needs at least 4 doses of at most 10 mg"), "{err}");
    req.to_times = vec![8.0, 13.0, 18.0, 22.0];
    let p = crossover::plan(&c, &req).unwrap();
    assert!(largest_diazepam_dose(&p) <= 10.0 + 1e-9, "no dose above the label's 10 mg");
    assert_eq!(p.stages.len(), 5, "today + four part-dose stages of 0.5 mg clonazepam");
    let first = &p.stages[1].doses;
    assert!(first.iter().any(|d| d.drug == "clonazepam" && (d.mg - 1.5).abs() < 1e-9), "{first:?}");
    assert!(p.warnings.iter().any(|w| w.code == "part-dose" && w.message.contains("4 parts of 0.5 mg")));
    for pair in p.stages.windows(2) {
        assert!(pair[1].diazepam_equivalent_mg <= pair[0].diazepam_equivalent_mg + 1e-9);
    }
    // W7: the other table's view in words.
    let differ = p.warnings.iter().find(|w| w.code == "tables-differ").unwrap();
    assert!(differ.message.contains("doubles the load") && differ.message.contains("20 → 40 mg"), "{}", differ.message);
}

/// D2: "Alprazolam 1 + 1 + 2 mg becomes 80 mg diazepam a day ... the plan is still produced."
#[test]
fn alprazolam_4mg_is_refused_where_the_switch_passes_the_label() {
    let c = Catalogue::builtin().unwrap();
    let mut req = request("alprazolam", &[(8.0, 1.0), (14.0, 1.0), (22.0, 2.0)], "diazepam", DIAZEPAM);
    req.to_times = vec![8.0, 13.0, 18.0, 22.0];
    let err = crossover::plan(&c, &req).unwrap_err().to_string();
    assert!(
        err.contains("80 mg of Diazepam a day, above its highest labelled daily dose (40 mg)")
            && err.contains("recorded reason"),
        "{err}"
    );
    // A recorded reason does not move the label's single dose or number of doses.
    req.reason = Some(taper_core::Justification::parse("reason", "inpatient switch under supervision").unwrap());
    let err = crossover::plan(&c, &req).unwrap_err().to_string();
    assert!(err.contains("in 4 doses of at most 10 mg") && err.contains("does not plan it"), "{err}");
    // Under VA/DoD the same regimen is 40 mg: planned, ten milligrams at most per dose.
    req.scheme = EquivalenceScheme::VaDod;
    req.reason = None;
    let p = crossover::plan(&c, &req).unwrap();
    assert!(largest_diazepam_dose(&p) <= 10.0 + 1e-9);
    assert!((p.stages[0].diazepam_equivalent_mg - 40.0).abs() < 1e-9);
}

/// D2 / B9: "Nothing asks about age, liver disease, COPD or sleep apnoea, or opioid
/// co-prescription before proposing these doses."
#[test]
fn the_screen_changes_what_is_proposed() {
    let c = Catalogue::builtin().unwrap();
    let base = request("alprazolam", &[(8.0, 0.5), (22.0, 0.5)], "diazepam", DIAZEPAM);
    let with = |risks: &[Risk]| CrossoverRequest { screen: Screen::new(risks.iter().copied()), ..base.clone() };
    let clear = crossover::plan(&c, &base).unwrap();
    assert!((clear.stages.last().unwrap().diazepam_equivalent_mg - 20.0).abs() < 1e-9, "Ashton: 20 mg");

    // Liver disease: no switch to long-acting diazepam; oxazepam (no active metabolite) is allowed.
    let err = crossover::plan(&c, &with(&[Risk::Liver])).unwrap_err().to_string();
    assert!(err.contains("liver disease") && err.contains("oxazepam"), "{err}");
    let ox = CrossoverRequest {
        to_drug: "oxazepam".into(),
        kit: kit(&c, &["oxazepam-tab-10mg", "oxazepam-tab-15mg"]),
        ..with(&[Risk::Liver])
    };
    let p = crossover::plan(&c, &ox).unwrap();
    assert!(p.stages.last().unwrap().doses.iter().all(|d| d.drug == "oxazepam"));

    // Pregnancy and sleep apnoea: no switch at all.
    for risk in [Risk::Pregnancy, Risk::SleepApnoea] {
        let err = crossover::plan(&c, &with(&[risk])).unwrap_err().to_string();
        assert!(err.contains("does not propose a switch") && err.contains("direct, slow taper"), "{err}");
    }

    // 65 or over: only with a recorded reason, which the plan then carries.
    let older = with(&[Risk::Age65]);
    assert!(crossover::plan(&c, &older).unwrap_err().to_string().contains("Beers"));
    let reason = taper_core::Justification::parse("reason", "long interdose withdrawal on alprazolam, agreed").unwrap();
    let p = crossover::plan(&c, &CrossoverRequest { reason: Some(reason), ..older }).unwrap();
    assert!(p.reason.is_some() && p.warnings.iter().any(|w| w.message.contains("falls")));

    // Opioids (FDA boxed warning): the table giving the smaller dose, VA/DoD here, even when
    // Ashton was asked for.
    let p = crossover::plan(&c, &with(&[Risk::Opioid])).unwrap();
    assert_eq!(p.scheme, EquivalenceScheme::VaDod);
    assert!((p.stages.last().unwrap().diazepam_equivalent_mg - 10.0).abs() < 1e-9, "VA/DoD: 10 mg");
    assert!(p.warnings.iter().any(|w| w.code == "screen" && w.message.contains("instead of the one asked for")));
}

/// W4: "the taper says '80 mg … the dose was confirmed as right', but nobody confirmed it", and
/// the stop at a per-dose unit limit is said as such. Since the taper after a switch keeps the
/// switch's times, a day more than one preparation holds is made dose by dose (new-user walk):
/// the taper goes on past where one preparation would hold, each dose within the label's 10 mg.
#[test]
fn the_taper_after_a_switch_claims_no_confirmation_and_names_the_unit_limit() {
    let c = Catalogue::builtin().unwrap();
    let mut req = request(
        "clonazepam",
        &[(22.0, 2.0)],
        "diazepam",
        &["diazepam-tab-2mg", "diazepam-tab-5mg", "diazepam-tab-10mg"],
    );
    req.to_times = vec![8.0, 13.0, 18.0, 22.0];
    let p = crossover::plan(&c, &req).unwrap();
    assert!(p.taper.warnings.iter().all(|w| !w.message.contains("confirmed")));
    assert!(p.taper.steps.iter().all(|s| s.preparation.parts.iter().all(|(_, q)| q.dose_mg <= 10.0 + 1e-9)));
    assert!(p.taper.steps.len() > 15 && p.taper.steps.last().unwrap().dose_mg.get() < 10.0, "the taper goes on");

    // Once a day, 12 mg of diazepam from 2 mg tablets is six tablets: the unit limit, said so.
    let once = taper_core::PlanRequest::new(
        "diazepam",
        taper_core::Mg::new(12.0).unwrap(),
        taper_core::Strategy::Proportional { step_percent: 10.0 },
        req.kit.clone(),
    );
    let only_2mg = taper_core::PlanRequest {
        kit: taper_core::formulation::Kit {
            stocks: vec![taper_core::formulation::Stock::new(c.product("diazepam-tab-2mg").unwrap().clone())],
            equipment: Default::default(),
        },
        ..once
    };
    let plan = taper_core::plan(&c, &only_2mg).unwrap();
    let stop = plan.warnings.iter().find(|w| w.code == "start-not-preparable").unwrap();
    assert!(
        stop.message.contains("would take 6 tablets or capsules, more than the 4 one preparation holds"),
        "{}",
        stop.message
    );
}

#[test]
fn the_screen_is_parsed_once_and_refuses_unknown_answers() {
    assert!(Screen::parse("screen", "none").unwrap().is_clear());
    let s = Screen::parse("screen", "Liver, opioid").unwrap();
    assert!(s.has(Risk::Liver) && s.has(Risk::Opioid) && !s.has(Risk::Age65));
    let e = Screen::parse("screen", "kidneys").unwrap_err();
    assert_eq!(e.field, "screen");
    assert!(e.message.contains("sleep-apnoea"), "{}", e.message);
    assert!(Screen::parse("screen", "").is_err());
}

/// A switch followed with stays (issue 20): staying longer on a stage moves every later stage and
/// the taper by exactly those days, keeps every dose, and never moves an earlier stage; a stay
/// on the last stage moves nothing.
#[test]
fn staying_longer_on_a_stage_moves_only_what_comes_after() {
    let c = Catalogue::builtin().unwrap();
    let mut req = request("clonazepam", &[(22.0, 2.0)], "diazepam", DIAZEPAM);
    req.to_times = vec![8.0, 13.0, 18.0, 22.0];
    let p = crossover::plan(&c, &req).unwrap();
    assert_eq!(p.stage_days, 14);
    let stayed = crossover::with_stays(&p, &[(2, 7), (2, 14), (4, 30)]);
    for (a, b) in p.stages.iter().zip(&stayed.stages) {
        assert_eq!(a.doses, b.doses, "doses never change");
        let expected = if a.index > 2 { a.day + 21 } else { a.day };
        assert_eq!(b.day, expected, "stage {}", a.index);
    }
    assert_eq!(stayed.taper_offset_days, p.taper_offset_days + 21, "the last stage (4) stay moves nothing");
    assert!(stayed.stages.windows(2).all(|w| w[0].day < w[1].day));
    assert_eq!(crossover::with_stays(&p, &[]), p);
    // The stage in force on a day: stage 2 on its first day and up to the day before stage 3,
    // which comes 21 days later with the stays.
    let stage2 = stayed.stages[2].day;
    assert_eq!(crossover::stage_on(&stayed, stage2).map(|s| s.index), Some(2));
    assert_eq!(crossover::stage_on(&stayed, stage2 + 14 + 21 - 1).map(|s| s.index), Some(2));
    assert_eq!(crossover::stage_on(&stayed, stage2 + 14 + 21).map(|s| s.index), Some(3));
    assert_eq!(crossover::stage_on(&stayed, 0).map(|s| s.index), Some(0));
}
