//! Supply counted in what a person buys (issue 20): a plan's days as shelf units.
#![allow(clippy::unwrap_used)] // a test fails loudly by design

use taper_core::Mg;
use taper_core::catalogue::Catalogue;
use taper_core::formulation::{Equipment, Kit, Stock};
use taper_core::schedule::{PlanRequest, Strategy, plan};
use taper_core::supply::day_use;

fn kit(c: &Catalogue, ids: &[&str]) -> Kit {
    let stocks = ids.iter().map(|id| Stock::new(c.product(id).unwrap().clone())).collect();
    Kit { stocks, equipment: Equipment::default() }
}

#[test]
fn drops_are_counted_as_the_bottles_ml_and_tablets_as_tablets() {
    let c = Catalogue::builtin().unwrap();
    let req = PlanRequest::new(
        "citalopram",
        Mg::new(20.0).unwrap(),
        Strategy::Hyperbolic { step_pp: 10.0 },
        kit(&c, &["citalopram-tab-20mg", "citalopram-oral-drops-40mg-ml"]),
    );
    let p = plan(&c, &req).unwrap();
    let first = day_use(&p.steps[0].preparation, &c);
    assert_eq!(first.len(), 1);
    assert_eq!((first[0].product_id.as_str(), first[0].unit, first[0].amount), ("citalopram-tab-20mg", "tablets", 1.0));
    // Every drop of the 40 mg/mL bottle is 2 mg (its SmPC): 20 drops to the mL.
    let dropped = p.steps.iter().find(|s| s.preparation.items.iter().any(|i| i.product_id.contains("drops"))).unwrap();
    let counted = dropped.preparation.items.iter().find(|i| i.product_id.contains("drops")).unwrap();
    let used = day_use(&dropped.preparation, &c);
    let drops = used.iter().find(|u| u.product_id.contains("drops")).unwrap();
    assert_eq!(drops.unit, "mL");
    assert!(
        (drops.amount - counted.quantity / 20.0).abs() < 1e-9,
        "{} drops read as {} mL",
        counted.quantity,
        drops.amount
    );
}
