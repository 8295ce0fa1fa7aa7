//! Plain-text tables for terminals.

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use taper_core::catalogue::{Catalogue, Drug};
use taper_core::schedule::{
    Plan, PlanStatus, off_target_beside, off_target_percent_beside, short_citation, target_beside,
};
use taper_core::units::trim_number as n;

fn base(headers: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic).set_width(120);
    t.set_header(headers.iter().map(Cell::new));
    t
}

fn right(s: String) -> Cell {
    Cell::new(s).set_alignment(CellAlignment::Right)
}

/// The plan as a table, with its header, warnings and the disclaimer.
pub fn plan(plan: &Plan, catalogue: &Catalogue) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{} — {}, a step every {} days\n",
        plan.drug_name,
        plan.strategy.describe(),
        plan.interval_days
    ));
    out.push_str(&model_lines(plan, catalogue));
    if let Some(line) = crate::step_limit_line(plan) {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(&steps_table(plan));
    out.push('\n');
    if plan.steps.iter().any(|s| !s.daily.is_empty()) {
        out.push_str("Daily micro-taper: each step's doses fall a little every day; see --format csv or json for the daily list.\n");
    }
    match &plan.status {
        PlanStatus::Complete => {
            out.push_str(&format!(
                "Ends on day {}, {} from the first day",
                plan.total_days(),
                crate::duration_words(plan.total_days())
            ));
            // A plan that ends at a dose says to stay on it (review of walk-through N10).
            match plan.steps.last().map(|s| s.dose_mg).filter(|d| !d.is_zero()) {
                Some(d) => {
                    out.push_str(&format!(", then stays at {d} a day until you and your prescriber decide more.\n"))
                }
                None => out.push_str(".\n"),
            }
        }
        PlanStatus::Incomplete { reason, suggestion } => {
            out.push_str(&format!("The plan cannot go lower yet: {reason}.\n"));
            if let Some(s) = suggestion {
                out.push_str(&format!("{}\n", s.for_cli()));
            }
        }
    }
    out.push_str(&supply_lines(plan, catalogue));
    out.push_str(&notes("Please note", &plan.warnings));
    out.push('\n');
    out.push_str(crate::DISCLAIMER);
    out.push('\n');
    out
}

/// The occupancy model's fits with their sources, or nothing without a model.
fn model_lines(plan: &Plan, catalogue: &Catalogue) -> String {
    let mut out = String::new();
    let Some(model) = &plan.model else { return out };
    let fits: Vec<String> = model
        .fits
        .iter()
        .map(|fit| {
            let cite = catalogue.source(&fit.source).map(|s| short_citation(&s.citation)).unwrap_or_default();
            format!("Emax {} %, ED50 {} mg ({}; {cite})", n(fit.emax_percent), n(fit.ed50_mg), fit.region)
        })
        .collect();
    if model.combined() {
        out.push_str(
            "Occupancy model: these fits read together. The occupancy shown is the lowest any of them reads at the dose (its region beside it); each step is held to its limit under every fit, so where another fit falls faster the fall shown is smaller than the step asked:\n",
        );
        for f in fits {
            out.push_str(&format!("  {f}\n"));
        }
    } else {
        out.push_str(&format!("Occupancy model: {}\n", fits.join("; ")));
    }
    out
}

/// One row per step: target, dose, error, occupancy and how to prepare it.
fn steps_table(plan: &Plan) -> String {
    // "Off target", not "Error": the dose differs from the ideal where products or a cap allow no
    // closer dose, which is the plan working (clinical review W2).
    let mut t = base(&["Step", "Day", "Target", "Dose", "Off target", "Occupancy", "Prepare"]);
    for s in &plan.steps {
        let shown = target_beside(s.target_mg, s.dose_mg.get());
        let off = off_target_beside(s.target_mg, s.dose_mg.get());
        let err = if s.target_mg > 0.0 && off.abs() >= 5e-5 {
            let sign = if off > 0.0 { "+" } else { "" };
            format!(
                "{sign}{} mg ({:+.1}%)",
                n(off),
                off_target_percent_beside(s.target_mg, s.dose_mg.get()).unwrap_or(0.0)
            )
        } else {
            "—".to_string()
        };
        let occ = match (s.occupancy, &s.fit) {
            (None, _) => "—".to_string(),
            (Some(o), None) => format!("{o:.1} %"),
            (Some(o), Some(fit)) => format!("{o:.1} % ({fit})"),
        };
        t.add_row(vec![
            right(s.index.to_string()),
            right(s.day.to_string()),
            right(format!("{} mg", n(shown))),
            right(format!("{} mg", n(s.dose_mg.get()))),
            right(err),
            right(occ),
            Cell::new(if s.index == 0 {
                format!("now: {}", s.preparation.instruction())
            } else {
                s.preparation.instruction()
            }),
        ]);
    }
    t.to_string()
}

/// What each step uses until the next, for the pharmacy (clinical review minor 17: the CSV and
/// the web said it, the table did not); the last step's is for each span it is kept.
fn supply_lines(plan: &Plan, catalogue: &Catalogue) -> String {
    let mut lines = Vec::new();
    for (i, s) in plan.steps.iter().enumerate() {
        let Some(line) = crate::stock_line(s, crate::step_days(plan, i), catalogue) else { continue };
        let line = if i + 1 == plan.steps.len() { crate::for_each_span(line) } else { line };
        lines.push(format!("  Step {}: {line}", s.index));
    }
    if lines.is_empty() {
        return String::new();
    }
    format!("\nWhat each step uses:\n{}\n", lines.join("\n"))
}

/// Warnings as a bulleted list under a heading; empty when there are none.
pub fn notes(heading: &str, warnings: &[taper_core::schedule::Warning]) -> String {
    if warnings.is_empty() {
        return String::new();
    }
    let mut out = format!("\n{heading}:\n");
    for w in warnings {
        out.push_str(&format!("  • {}\n", w.message));
    }
    out
}

/// The catalogue's drugs, one row each.
pub fn drugs(catalogue: &Catalogue) -> String {
    let mut t = base(&["Drug", "Class", "Occupancy model", "Half-life (h)", "Products"]);
    for d in catalogue.drugs() {
        t.add_row(vec![
            Cell::new(&d.id),
            Cell::new(d.class.label()),
            Cell::new(model_text(d)),
            Cell::new(half_life_text(d)),
            Cell::new(d.products.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join("\n")),
        ]);
    }
    let mut out = t.to_string();
    out.push_str("\nSources: `taper drugs --format json` lists the source of every number; data/sources.toml has the citations.\n");
    out
}

fn model_text(d: &Drug) -> String {
    match d.default_occupancy() {
        Some(f) => format!("Emax {} %, ED50 {} mg\n({}, {})", n(f.emax_percent), n(f.ed50_mg), f.region, f.source),
        None => "none (planned by % of dose)".to_string(),
    }
}

fn half_life_text(d: &Drug) -> String {
    let p = &d.half_life.parent;
    let mut s =
        if p.low_hours == p.high_hours { n(p.low_hours) } else { format!("{}–{}", n(p.low_hours), n(p.high_hours)) };
    for m in d.half_life.metabolites.iter().filter(|m| m.active) {
        s.push_str(&format!("\n{}: {}–{}", m.name, n(m.low_hours), n(m.high_hours)));
    }
    s
}

/// A crossover: the stages of the switch, then the taper of the long-acting drug.
pub fn crossover(plan: &taper_core::crossover::CrossoverPlan, catalogue: &Catalogue) -> String {
    let mut out = format!(
        "Switch from {} to {}, one dose-time at a time, no single dose above {} mg (equivalents: {})\n",
        plan.from_drug,
        plan.to_drug,
        n(plan.single_dose_max_mg),
        plan.scheme.label()
    );
    let mut t = base(&["Stage", "Day", "Doses", "Diazepam-equivalent", "Other table"]);
    for s in &plan.stages {
        let doses = s
            .doses
            .iter()
            .map(|d| {
                let prep = d.preparation.as_ref().map(|p| format!(" ({})", p.instruction())).unwrap_or_default();
                format!("{} {} {} mg{prep}", taper_core::crossover::clock(d.hour), d.drug, n(d.mg))
            })
            .collect::<Vec<_>>()
            .join("\n");
        t.add_row(vec![
            right(s.index.to_string()),
            right(s.day.to_string()),
            Cell::new(doses),
            right(format!("{} mg", n(s.diazepam_equivalent_mg))),
            right(s.other_scheme_mg.map_or_else(|| "—".into(), |m| format!("{} mg", n(m)))),
        ]);
    }
    out.push_str(&t.to_string());
    // The switch's own notes (the screen, how stages split a dose, tables that disagree) right
    // under its stages: after a taper table of two hundred lines a reader may never reach them
    // (a re-run of the clinical review).
    out.push_str(&notes("About the switch", &plan.warnings));
    out.push_str(&format!(
        "\n\nThen, from day {} (days below count from the start of the taper):\n",
        plan.taper_offset_days
    ));
    let taper = self::plan(&plan.taper, catalogue);
    out.push_str(&taper);
    out
}

/// A simulated dosing pattern: the half-lives used, derived figures and warnings.
pub fn exposure(
    title: &str,
    result: &taper_core::exposure::Exposure,
    missed: Option<&taper_core::exposure::MissedDose>,
) -> String {
    let mut out = format!("{title}\n");
    out.push_str("Levels are relative: 100% is the steady-state average of the amount taken. One-compartment model, first-order absorption and elimination.\n\n");
    for s in &result.curve.species {
        let derived = if s.half_life_derived { " (middle of the published range)" } else { "" };
        out.push_str(&format!("  {}: half-life {} h{derived}\n", s.name, n(s.half_life_hours)));
    }
    out.push_str(&format!(
        "  New steady level reached (five half-lives, 97 % of the way) about {} days after any change.\n",
        n((result.hours_to_steady_state / 24.0 * 10.0).round() / 10.0)
    ));
    let sw = result.late_swing;
    let what = match (&result.parent_swing, result.curve.species.first()) {
        (Some(_), Some(parent)) => format!(" ({} with its active metabolite, what acts)", parent.name),
        _ => String::new(),
    };
    out.push_str(&format!(
        "  Last two days{what}: peak {}%, trough {}%, swing {}% of the average.\n",
        n(sw.peak.round()),
        n(sw.trough.round()),
        n(sw.fluctuation_percent().round())
    ));
    if let (Some(p), Some(parent)) = (&result.parent_swing, result.curve.species.first()) {
        out.push_str(&format!(
            "  {} alone: peak {}%, trough {}% (its metabolite, formed from it and cleared more slowly, evens the swings out).\n",
            parent.name,
            n(p.peak.round()),
            n(p.trough.round())
        ));
    }
    if let Some(o) = result.lowest_occupancy {
        out.push_str(&format!("  Lowest modelled occupancy between doses: {} %.\n", n((o * 10.0).round() / 10.0)));
    }
    if let Some(m) = missed {
        out.push_str(&format!(
            "  If one dose is missed, the level falls to {}% (on time: {}%); taken {} h late instead, to {}%. Never double the next dose.\n",
            n(m.skipped_trough.round()),
            n(m.on_time_trough.round()),
            n(m.late_hours),
            n(m.late_trough.round())
        ));
    }
    out.push_str(&notes("Please note", &result.warnings));
    out.push('\n');
    out.push_str(crate::DISCLAIMER);
    out.push('\n');
    out
}
