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

/// A year of daily check-ins with a wave every two months: what a person's Progress page and a
/// supporter's caseload compute on each view.
fn bench_reading(c: &mut Criterion) {
    use taper_core::adapt::{Situation, propose};
    use taper_core::course::Change;
    use taper_core::waves::{Entry, analyse};
    let start = jiff::civil::date(2026, 1, 1);
    let entries: Vec<Entry> = (0..365)
        .map(|i: i64| Entry {
            date: start.checked_add(jiff::Span::new().days(i)).expect("date"),
            burden: if i % 60 > 45 { 14.0 } else { 4.0 + (i % 3) as f64 },
        })
        .collect();
    let today = entries[364].date;
    c.bench_function("waves + proposal over a year of check-ins", |b| {
        b.iter(|| {
            let a = analyse(black_box(&entries), Some(start.checked_add(jiff::Span::new().days(30)).expect("date")));
            let s = Situation {
                today,
                analysis: &a,
                dose_mg: 12.0,
                last_change: Some(Change { date: today, from_mg: 20.0, to_mg: 12.0 }),
                hold_since: None,
                holds: 0,
                step: 5.0,
                unit: taper_core::adapt::StepUnit::PercentagePoints,
                has_next_step: true,
                score_rise: None,
            };
            black_box(propose(&s))
        })
    });
}

criterion_group!(benches, bench, bench_reading);
criterion_main!(benches);
