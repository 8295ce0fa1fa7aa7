//! Property tests for the simulator and the crossover planner.
#![allow(clippy::unwrap_used)] // a test fails loudly by design

use proptest::prelude::*;
use taper_core::Mg;
use taper_core::catalogue::{Catalogue, EquivalenceScheme};
use taper_core::crossover::{CrossoverRequest, plan};
use taper_core::formulation::{Kit, Stock};
use taper_core::pk::{self, DoseEvent, Species, Swing};

fn species(parent: f64, metabolite: Option<f64>) -> Vec<Species> {
    let mut v = vec![Species { name: "p".into(), half_life_hours: parent, half_life_derived: false, is_parent: true }];
    if let Some(m) = metabolite {
        v.push(Species { name: "m".into(), half_life_hours: m, half_life_derived: false, is_parent: false });
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
    fn crossover_never_raises_the_total(from in prop::sample::select(vec!["alprazolam", "lorazepam", "clonazepam", "oxazepam", "temazepam"]),
                                        per_dose in 0.25f64..2.0, times in 1usize..4, ashton in any::<bool>()) {
        let c = Catalogue::builtin().unwrap();
        let scheme = if ashton { EquivalenceScheme::Ashton } else { EquivalenceScheme::VaDod };
        let from_drug = c.drug(from).unwrap();
        let mg = from_drug.from_diazepam_mg(per_dose * 10.0, EquivalenceScheme::Ashton).unwrap();
        let req = CrossoverRequest {
            from_drug: from.into(),
            doses: (0..times).map(|i| (8.0 + 6.0 * i as f64, Mg::new(mg).unwrap())).collect(),
            to_drug: "diazepam".into(),
            scheme,
            stage_days: 14,
            kit: Kit { stocks: ["diazepam-tab-2mg", "diazepam-tab-5mg", "diazepam-oral-solution-1mg-ml"].iter().map(|id| Stock::new(c.product(id).unwrap().clone())).collect(), equipment: Default::default() },
            taper_step_percent: 10.0,
            taper_interval_days: 14,
            pace_override: None,
            confirm_dose: true,
        };
        match plan(&c, &req) {
            Ok(p) => {
                for pair in p.stages.windows(2) {
                    prop_assert!(pair[1].diazepam_equivalent_mg <= pair[0].diazepam_equivalent_mg + 1e-9);
                    prop_assert!(pair[1].diazepam_equivalent_mg >= 0.9 * pair[0].diazepam_equivalent_mg - 1e-9);
                }
                prop_assert!(p.stages.last().unwrap().doses.iter().all(|d| d.drug == "diazepam"));
                let last_total: f64 = p.stages.last().unwrap().doses.iter().map(|d| d.mg).sum();
                prop_assert!((p.taper.steps[0].dose_mg.get() - last_total).abs() < 1e-9);
            }
            Err(e) => prop_assert!(e.to_string().contains("cannot be prepared"), "{e}"),
        }
    }
}
