//! Everything that turns core values into text for people and programs.
//!
//! **Architecture invariant:** core types are not `Serialize`; this crate owns the wire format
//! (`wire`), documented in docs/cli.md, so the domain can change without breaking consumers.

pub mod chart;
pub mod fhir;
pub mod ics;
#[cfg(feature = "pdf")]
pub mod pdf;
pub mod shl;
pub mod table;
pub mod wire;

pub use wire::{DrugJson, PlanJson};

/// Shown with every plan, in every format.
pub const DISCLAIMER: &str = "Decision support for a conversation with your prescriber, not a prescription. \
Hold or slow down if withdrawal symptoms rise; never double up a missed dose.";

/// What a document made for a prescriber says of itself (the person's own documents say
/// [`DISCLAIMER`], which speaks to them).
pub const PRESCRIBER_NOTE: &str = "Made by the person with Taper, decision-support software; not a prescription. \
Doses are the plan they recorded: check them with the person before acting on them.";

/// CSV of a plan: one row per step (and per day when micro-tapering).
/// A plan's length in words a person can hold on to (walk-through N7: an 85-step plan never said
/// it runs for six and a half years): weeks under two months, months under two years, else years.
pub fn duration_words(days: u32) -> String {
    let d = f64::from(days);
    if days < 60 {
        let weeks = (d / 7.0).round().max(1.0);
        format!("about {} week{}", weeks, if weeks == 1.0 { "" } else { "s" })
    } else if days < 730 {
        format!("about {} months", (d / 30.44).round())
    } else {
        format!("about {} years", taper_core::units::trim_number((d / 365.25 * 2.0).round() / 2.0))
    }
}

/// "No step is larger than 11% of the dose (…), except …", for the table and the PDF alike;
/// `None` for a plan without a step limit or steps.
pub fn step_limit_line(plan: &taper_core::Plan) -> Option<String> {
    use taper_core::units::StepSize;
    let limit = plan.step_limit.filter(|_| plan.steps.len() > 1)?;
    let unit = match limit {
        StepSize::PercentagePoints(_) => " percentage points of occupancy",
        StepSize::Percent(_) | StepSize::Milligrams(_) => "% of the dose",
    };
    Some(format!(
        "No step is larger than {}{unit} (the step asked for, plus a tenth for measuring){}.",
        taper_core::units::trim_number(limit.value()),
        plan.step_limit_except()
    ))
}

/// The days step `i` of `plan` lasts: to the next step, or one interval for the last.
pub fn step_days(plan: &taper_core::Plan, i: usize) -> u32 {
    let day = plan.steps.get(i).map_or(0, |s| s.day);
    plan.steps.get(i + 1).map_or(plan.interval_days, |next| next.day - day)
}

/// `stock_line` for a plan's last step, which lasts until the next decision: for each span of
/// its days, not "these" (a walk read "For these 28 days" on the last card as the plan's end).
pub fn for_each_span(line: String) -> String {
    line.replacen("For these ", "For each ", 1)
}

/// What a step uses up over `days`, in words: "For these 28 days: 42 × 0.5 mg tablet; 30 mL
/// of the oral solution 1 mg/mL" (clinical review minor 17); `None` for a step that uses nothing.
pub fn stock_line(step: &taper_core::schedule::Step, days: u32, catalogue: &taper_core::Catalogue) -> Option<String> {
    use taper_core::formulation::Unit;
    use taper_core::units::trim_number as n;
    let needs = step.stock(days);
    if needs.is_empty() || days == 0 {
        return None;
    }
    let parts: Vec<String> = needs
        .iter()
        .map(|need| {
            // Strips and compounded doses are made for the person, not catalogue products.
            let name = catalogue.product(&need.product_id).map_or_else(
                || {
                    if need.product_id.ends_with("-tapering-strip") { "tapering strip" } else { "compounded doses" }
                        .to_string()
                },
                |p| p.describe(),
            );
            let amount = n((need.amount * 100.0).round() / 100.0);
            match need.unit {
                // Whole tablets to supply: the cut pieces left over are taken on the days after
                // (a walk read "43.75 × 5 mg tablet").
                Unit::Tablet | Unit::Capsule => format!("{} × {name}", n((need.amount - 1e-9).ceil())),
                Unit::Ml => format!("{amount} mL of the {name}"),
                Unit::Drop => format!("{amount} drops of the {name}"),
                Unit::Bead => format!("{amount} counted beads of the {name}"),
                Unit::PowderMg => format!("{amount} mg of powder from the {name}"),
                Unit::Mg => format!("{} daily doses from the {name}", need.days),
            }
        })
        .collect();
    Some(format!("For these {days} days: {}", parts.join("; ")))
}

/// What to add when a plan runs past a year, so nobody learns it only on the last row.
pub fn years_note(days: u32) -> &'static str {
    if days >= 365 { " At this pace the plan runs for more than a year." } else { "" }
}

pub fn plan_csv(plan: &taper_core::Plan, catalogue: &taper_core::Catalogue) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["step", "day", "target_mg", "dose_mg", "error_mg", "occupancy_percent", "preparation", "stock"])?;
    let occ = |o: Option<f64>| o.map(|v| format!("{:.2}", v)).unwrap_or_default();
    for (i, s) in plan.steps.iter().enumerate() {
        // What the step's days use up, for the pharmacy (clinical review minor 17: it was in
        // JSON and the web app only).
        let stock = stock_line(s, step_days(plan, i), catalogue).unwrap_or_default();
        w.write_record([
            s.index.to_string(),
            s.day.to_string(),
            wire::round4(s.target_mg).to_string(),
            wire::round4(s.dose_mg.get()).to_string(),
            wire::round4(s.error_mg()).to_string(),
            occ(s.occupancy),
            s.preparation.instruction(),
            stock,
        ])?;
        for d in &s.daily {
            w.write_record([
                s.index.to_string(),
                d.day.to_string(),
                wire::round4(d.target_mg).to_string(),
                wire::round4(d.dose_mg.get()).to_string(),
                wire::round4(d.error_mg()).to_string(),
                String::new(),
                d.preparation.instruction(),
                String::new(),
            ])?;
        }
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// CSV of a simulation: `hour`, one `<species>_level_percent` column per species, then
/// `occupancy_percent` where the drug has a model.
pub fn exposure_csv(result: &taper_core::exposure::Exposure) -> Result<String, csv::Error> {
    let curve = &result.curve;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["hour".to_string()];
    header.extend(curve.species.iter().map(|s| format!("{}_level_percent", s.name.replace([' ', ','], "_"))));
    if result.occupancy.is_some() {
        header.push("occupancy_percent".into());
    }
    w.write_record(&header)?;
    for (i, hour) in curve.hours().enumerate() {
        let mut row = vec![taper_core::units::trim_number(hour)];
        row.extend(curve.levels.iter().map(|series| format!("{:.3}", series[i])));
        if let Some(o) = &result.occupancy {
            row.push(format!("{:.3}", o[i]));
        }
        w.write_record(&row)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn plan_lengths_read_in_weeks_months_or_years() {
        assert_eq!(super::duration_words(7), "about 1 week");
        assert_eq!(super::duration_words(56), "about 8 weeks");
        assert_eq!(super::duration_words(252), "about 8 months");
        assert_eq!(super::duration_words(2380), "about 6.5 years");
    }

    use taper_core::Mg;
    use taper_core::catalogue::Catalogue;
    use taper_core::formulation::{Kit, Stock};
    use taper_core::schedule::{PlanRequest, Strategy, plan};

    /// A walk read "For these 14 days: 17.5 × 5 mg tablet": what is supplied is whole tablets.
    #[test]
    fn supply_counts_whole_tablets() {
        let c = Catalogue::builtin().unwrap();
        let mut kit = Kit {
            stocks: vec![Stock::new(c.product("citalopram-tab-20mg").unwrap().clone())],
            equipment: Default::default(),
        };
        kit.equipment.cutter = true;
        let req =
            PlanRequest::new("citalopram", Mg::new(15.0).unwrap(), Strategy::Proportional { step_percent: 10.0 }, kit);
        let p = plan(&c, &req).unwrap();
        // ¾ of a 20 mg tablet a day for 14 days is 10.5 tablets: 11 are supplied.
        let line = super::stock_line(&p.steps[0], 14, &c).unwrap();
        assert_eq!(line, "For these 14 days: 11 × 20 mg tablet");
    }

    #[test]
    fn csv_quotes_instructions_with_commas_and_round_trips() {
        let c = Catalogue::builtin().unwrap();
        let kit = Kit {
            stocks: vec![Stock::new(c.product("citalopram-oral-drops-40mg-ml").unwrap().clone())],
            equipment: Default::default(),
        };
        let req = PlanRequest::new("citalopram", Mg::new(20.0).unwrap(), Strategy::Hyperbolic { step_pp: 10.0 }, kit);
        let p = plan(&c, &req).unwrap();
        let text = super::plan_csv(&p, &c).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), p.steps.len());
        for (i, (row, step)) in rows.iter().zip(&p.steps).enumerate() {
            assert_eq!(row.len(), 8);
            assert_eq!(&row[6], step.preparation.instruction());
            assert_eq!(row[7], super::stock_line(step, super::step_days(&p, i), &c).unwrap_or_default());
        }
        assert!(rows.iter().any(|r| r[7].starts_with("For these ")), "a step's stock is there");
        assert!(rows.iter().any(|r| r[6].contains(", ") || r[6].contains("dilution")), "a dilution recipe is present");
    }
}
