//! Plans and realises every catalogue drug with all of its products.
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use taper_core::Mg;
use taper_core::catalogue::Catalogue;
use taper_core::formulation::{Kit, Stock};
use taper_core::schedule::{PlanRequest, Strategy, plan};

fn requests(catalogue: &Catalogue) -> Vec<PlanRequest> {
    catalogue
        .drugs()
        .iter()
        .map(|d| {
            let start = d
                .usual_min_dose_mg
                .unwrap_or_else(|| d.products.iter().filter_map(|p| p.unit_strength_mg()).fold(1.0, f64::max));
            let strategy = if d.class.is_benzodiazepine() {
                Strategy::Proportional { step_percent: 10.0 }
            } else {
                Strategy::Hyperbolic { step_pp: 10.0 }
            };
            let kit =
                Kit { stocks: d.products.iter().cloned().map(Stock::new).collect(), equipment: Default::default() };
            PlanRequest::new(&d.id, Mg::new(start).expect("positive"), strategy, kit)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let catalogue = Catalogue::builtin().expect("catalogue");
    let reqs = requests(&catalogue);
    c.bench_function("plan every catalogue drug (17 plans)", |b| {
        b.iter(|| {
            for r in &reqs {
                black_box(plan(&catalogue, black_box(r)).ok());
            }
        })
    });
    let cit = reqs.iter().find(|r| r.drug == "citalopram").expect("citalopram").clone();
    c.bench_function("plan citalopram 20 mg hyperbolic, all products", |b| {
        b.iter(|| black_box(plan(&catalogue, black_box(&cit)).ok()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
