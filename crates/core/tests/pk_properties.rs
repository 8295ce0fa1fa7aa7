//! Property tests for the simulator and the crossover planner.
#![allow(clippy::unwrap_used)] // a test fails loudly by design

use proptest::prelude::*;
use taper_core::Mg;
use taper_core::catalogue::{Catalogue, EquivalenceScheme};
use taper_core::crossover::{CrossoverRequest, Risk, Screen, plan};
use taper_core::formulation::{Kit, Stock};
use taper_core::pk::{self, DoseEvent, Species, Swing};

fn species(parent: f64, metabolite: Option<f64>) -> Vec<Species> {
    let mut v = vec![Species::new("p", parent, true)];
    if let Some(m) = metabolite {
        v.push(Species::new("m", m, false));
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn levels_are_never_negative(parent in 1.0f64..150.0, met in proptest::option::of(2.0f64..300.0),
                                 doses in proptest::collection::vec((0.0f64..480.0, 0.0f64..100.0), 0..20)) {
        let events: Vec<DoseEvent> = doses.iter().map(|(h, mg)| DoseEvent { hour: (h * 4.0).round() / 4.0, mg: *mg }).collect();
        let c = pk::simulate(&species(parent, met), &events, 10.0, 480.0, 0.25);
        for series in &c.levels {
            prop_assert!(series.iter().all(|v| *v >= -1e-9 && v.is_finite()));
        }
    }

    #[test]
    fn daily_dosing_at_a_constant_dose_converges(parent in 2.0f64..60.0, dose in 0.1f64..100.0, times in 1usize..4) {
        let hours: Vec<f64> = (0..times).map(|i| 8.0 + 6.0 * i as f64).collect();
        let mg = vec![dose / times as f64; times];
        let days = ((pk::hours_to_steady_state(&species(parent, None)) / 24.0).ceil() as u32 + 3).max(5);
        let c = pk::simulate(&species(parent, None), &pk::daily_regimen(&hours, &mg, days), dose, f64::from(days) * 24.0, 0.25);
        let last = f64::from(days - 1) * 24.0;
        let a = Swing::of(c.window(0, last - 24.0, last)).unwrap();
        let b = Swing::of(c.window(0, last, last + 24.0)).unwrap();
        prop_assert!((a.trough - b.trough).abs() < 0.06 * b.trough.max(1.0), "not converged: {} vs {}", a.trough, b.trough);
        prop_assert!((b.average - 100.0).abs() < 6.0, "steady average {}", b.average);
    }

    #[test]
    fn crossover_never_raises_the_total_nor_passes_the_single_dose(
        from in prop::sample::select(vec!["alprazolam", "lorazepam", "clonazepam", "oxazepam", "temazepam"]),
        to in prop::sample::select(vec!["diazepam", "diazepam", "oxazepam", "chlordiazepoxide"]),
        per_dose in 0.25f64..3.0, times in 1usize..4, extra_times in 0usize..3, ashton in any::<bool>(),
        screen in proptest::collection::btree_set(prop::sample::select(vec![Risk::Copd, Risk::Opioid, Risk::Gabapentinoid, Risk::Age65]), 0..3),
    ) {
        let c = Catalogue::builtin().unwrap();
        let scheme = if ashton { EquivalenceScheme::Ashton } else { EquivalenceScheme::VaDod };
        let from_drug = c.drug(from).unwrap();
        prop_assume!(from != to);
        let mg = from_drug.from_diazepam_mg(per_dose * 10.0, EquivalenceScheme::Ashton).unwrap();
        let hours: Vec<f64> = (0..times).map(|i| 8.0 + 6.0 * i as f64).collect();
        let to_times: Vec<f64> = if extra_times == 0 { Vec::new() } else { hours.iter().copied().chain((0..extra_times).map(|i| 10.0 + 6.0 * i as f64)).collect() };
        let stocks: Vec<Stock> = c.drug(to).unwrap().products.iter().filter(|p| !matches!(p.form, taper_core::catalogue::Form::Compounded { .. } | taper_core::catalogue::Form::Strip { .. })).map(|p| Stock::new(p.clone())).collect();
        let req = CrossoverRequest {
            from_drug: from.into(),
            doses: hours.iter().map(|h| (*h, Mg::new(mg).unwrap())).collect(),
            to_drug: to.into(),
            scheme,
            stage_days: 14,
            kit: Kit { stocks, equipment: Default::default() },
            taper_step_percent: 10.0,
            taper_interval_days: 14,
            pace_override: None,
            confirm_dose: true,
            to_times,
            screen: Screen::new(screen.iter().copied()),
            reason: Some(taper_core::Justification::parse("reason", "agreed with the prescriber today").unwrap()),
        };
        match plan(&c, &req) {
            Ok(p) => {
                for pair in p.stages.windows(2) {
                    prop_assert!(pair[1].diazepam_equivalent_mg <= pair[0].diazepam_equivalent_mg + 1e-9);
                    prop_assert!(pair[1].diazepam_equivalent_mg >= 0.9 * pair[0].diazepam_equivalent_mg - 1e-9);
                }
                let ceiling = c.drug(to).unwrap().single_dose.as_ref().unwrap().max_mg;
                for s in &p.stages {
                    prop_assert!(s.doses.iter().filter(|d| d.drug == to).all(|d| d.mg <= ceiling + 1e-9), "stage {} above {ceiling} mg", s.index);
                }
                prop_assert!(p.stages.last().unwrap().doses.iter().all(|d| d.drug == to));
                let last_total: f64 = p.stages.last().unwrap().doses.iter().map(|d| d.mg).sum();
                prop_assert!((p.taper.steps[0].dose_mg.get() - last_total).abs() < 1e-9);
            }
            Err(e) => {
                let e = e.to_string();
                prop_assert!(["cannot be prepared", "needs at least", "does not plan it", "at most 4 times a day", "does not propose a switch"].iter().any(|m| e.contains(m)), "{e}");
            }
        }
    }
}
