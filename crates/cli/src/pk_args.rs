//! `taper simulate` and `taper crossover`: flags → core requests, errors naming the flag.

use clap::Args;
use taper_core::catalogue::{Catalogue, EquivalenceScheme};
use taper_core::crossover::{self, CrossoverRequest, clock, parse_clock};
use taper_core::exposure::{self, Pattern};
use taper_core::formulation::{Equipment, Kit, Stock};
use taper_core::units::{self, trim_number as n};

use crate::plan_args::{input, plan_error, usage};

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SimFormat {
    Table,
    Csv,
    Svg,
}

#[derive(Args)]
pub struct SimulateArgs {
    /// Drug id or name.
    #[arg(long)]
    pub drug: String,
    /// Dose taken at each time, e.g. 0.5mg.
    #[arg(long, allow_hyphen_values = true)]
    pub dose: String,
    /// Times of day the dose is taken, comma-separated, e.g. 08:00,14:00,20:00.
    #[arg(long, value_delimiter = ',', default_value = "08:00")]
    pub times: Vec<String>,
    /// Days to simulate (1 to 365).
    #[arg(long, default_value = "28d")]
    pub days: String,
    /// daily, alternate-day, or skip-one-in-N.
    #[arg(long, default_value = "daily")]
    pub pattern: String,
    /// Also show what happens if a dose is skipped or taken late (hours late).
    #[arg(long, value_name = "HOURS_LATE", num_args = 0..=1, default_missing_value = "12")]
    pub missed: Option<f64>,
    /// The product taken (e.g. venlafaxine-xr-cap-75mg), for its release form; default: the
    /// drug's usual immediate-release form.
    #[arg(long)]
    pub product: Option<String>,
    #[arg(long, value_enum, default_value_t = SimFormat::Table)]
    pub format: SimFormat,
}

pub fn simulate(catalogue: &Catalogue, args: &SimulateArgs) -> anyhow::Result<String> {
    let drug = catalogue.find_drug("drug", &args.drug).map_err(input)?;
    let dose = units::parse_positive_dose("dose", &args.dose).map_err(input)?.get();
    let times = args.times.iter().map(|t| parse_clock("times", t)).collect::<Result<Vec<_>, _>>().map_err(input)?;
    if times.is_empty() || times.windows(2).any(|w| w[1] <= w[0]) {
        return Err(usage("--times must list times of day in order, e.g. 08:00,14:00,20:00"));
    }
    // A bare number of days is natural here ("--days 7").
    let days_text =
        if args.days.chars().all(|c| c.is_ascii_digit()) { format!("{}d", args.days) } else { args.days.clone() };
    let days = units::parse_days("days", &days_text).map_err(input)?;
    let pattern = Pattern::parse("pattern", &args.pattern).map_err(input)?;
    if let Some(h) = args.missed {
        exposure::check_late_hours("missed", h).map_err(input)?;
        // The missed-dose figures are read against steady daily dosing: beside an alternate-day
        // run they quoted a daily "on time" trough the run above did not have.
        if pattern != Pattern::Daily {
            return Err(usage(format!(
                "--missed: only with --pattern daily (a dose missed under the pattern '{}' is not modelled)",
                args.pattern
            )));
        }
    }
    let product = match &args.product {
        Some(id) => Some(catalogue.product(id).filter(|p| p.drug == drug.id).ok_or_else(|| {
            usage(format!(
                "--product '{id}': not a {} product; its products are: {}",
                drug.id,
                drug.products.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ")
            ))
        })?),
        None => None,
    };
    let (absorption, release_warning) = exposure::absorption(drug, product);
    let doses = vec![dose; times.len()];
    let step = exposure::step_hours_for(days);
    let mut result = exposure::analyse(drug, &absorption, &times, &doses, days, pattern, step);
    result.warnings.extend(release_warning);
    let times_text = times.iter().map(|h| clock(*h)).collect::<Vec<_>>().join(", ");
    let title = format!("{} {} mg at {times_text}, {} for {days} days", drug.name, n(dose), args.pattern);
    match args.format {
        SimFormat::Svg => Ok(taper_report::chart::exposure_svg(&result, &title)?),
        SimFormat::Csv => Ok(taper_report::exposure_csv(&result)?),
        SimFormat::Table => {
            let missed = args.missed.map(|late| exposure::missed_dose(drug, &absorption, &times, &doses, late));
            Ok(taper_report::table::exposure(&title, &result, missed.as_ref()))
        }
    }
}

#[derive(Args)]
pub struct CrossoverArgs {
    /// The benzodiazepine taken now (shorter-acting or high-potency, such as alprazolam or clonazepam).
    #[arg(long)]
    pub from_drug: String,
    /// Each dose-time now, as DOSE@TIME (repeat), e.g. --dose 0.5mg@08:00.
    #[arg(long = "dose", required = true)]
    pub doses: Vec<String>,
    /// The long-acting drug to switch to.
    #[arg(long, default_value = "diazepam")]
    pub to_drug: String,
    /// Equivalence table: ashton or va-dod (ASAM 2025, Table 7).
    #[arg(long, default_value = "ashton")]
    pub scheme: String,
    /// How long each stage lasts (ASAM 2025: 1–2 weeks).
    #[arg(long, default_value = "14d")]
    pub stage: String,
    /// Taper step after the switch, % of the current dose (ASAM 2025: 5–10%).
    #[arg(long, default_value = "10%")]
    pub step: String,
    /// Time between taper steps after the switch (the same default as `taper plan` for a
    /// benzodiazepine: ASAM 2025 suggests every 2–4 weeks).
    #[arg(long, default_value = "28d")]
    pub every: String,
    /// Products of the long-acting drug you have (repeat).
    #[arg(long = "have")]
    pub have: Vec<String>,
    #[arg(long)]
    pub cutter: bool,
    /// Go faster than the pace limits; the justification is recorded in the plan.
    #[arg(long = "override-pace", value_name = "JUSTIFICATION")]
    pub override_pace: Option<String>,
    /// Today's doses are right although their total is above the labelled maximum.
    #[arg(long)]
    pub confirm_dose: bool,
    /// Times of day the new drug is to be taken, comma-separated (default: today's times). No
    /// single dose goes above the label's largest, so a large switch may need more times.
    #[arg(long, value_delimiter = ',')]
    pub to_times: Vec<String>,
    /// The pre-switch screen, required: 'none', or those that apply, comma-separated:
    /// age-65, liver, copd, sleep-apnoea, opioid, gabapentinoid, pregnancy.
    #[arg(long)]
    pub screen: Option<String>,
    /// The prescriber's reason for a switch above the new drug's labelled daily maximum, or to a
    /// long-acting drug at 65 or over; recorded with the plan.
    #[arg(long, value_name = "REASON")]
    pub reason: Option<String>,
    #[arg(long, value_enum, default_value_t = CrossoverFormat::Table)]
    pub format: CrossoverFormat,
}

/// What `crossover` prints: only the forms it has (a walk: `--help` offered csv, then refused it).
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum CrossoverFormat {
    Table,
    Json,
}

/// The screen is a question that must be answered: a switch planned without it could hide a
/// reason not to switch (clinical review D2).
fn screen(answer: Option<&str>) -> anyhow::Result<crossover::Screen> {
    let Some(answer) = answer else {
        return Err(usage(format!(
            "--screen: answer the pre-switch screen before a switch is planned: 'none', or those that apply, comma-separated: {}",
            crossover::Risk::ALL
                .iter()
                .map(|r| format!("{} ({})", r.as_str(), r.label()))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    crossover::Screen::parse("screen", answer).map_err(input)
}

pub fn crossover(catalogue: &Catalogue, args: &CrossoverArgs) -> anyhow::Result<String> {
    let mut doses = Vec::new();
    for spec in &args.doses {
        let (dose, time) = spec
            .split_once('@')
            .ok_or_else(|| usage(format!("--dose '{spec}': expected DOSE@TIME, e.g. 0.5mg@08:00")))?;
        doses.push((
            parse_clock("dose", time).map_err(input)?,
            units::parse_positive_dose("dose", dose).map_err(input)?,
        ));
    }
    let scheme = EquivalenceScheme::parse(&args.scheme)
        .ok_or_else(|| usage(format!("--scheme '{}': expected ashton or va-dod", args.scheme)))?;
    let step = match units::parse_step("step", &args.step).map_err(input)? {
        units::StepSize::Percent(p) => p,
        _ => {
            return Err(usage(format!(
                "--step '{}': the taper after a switch takes a percentage of the current dose, e.g. 10%",
                args.step
            )));
        }
    };
    let to = catalogue.find_drug("to-drug", &args.to_drug).map_err(input)?;
    let mut stocks = Vec::new();
    for id in &args.have {
        let p = catalogue.product(id).filter(|p| p.drug == to.id).ok_or_else(|| {
            usage(format!(
                "--have '{id}': not a product of {}; its products are: {}",
                to.id,
                to.products.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ")
            ))
        })?;
        stocks.push(Stock::new(p.clone()));
    }
    if stocks.is_empty() {
        return Err(usage(format!(
            "--have: name at least one product of {}, e.g. {}",
            to.id,
            to.products.first().map_or("", |p| p.id.as_str())
        )));
    }
    let req = CrossoverRequest {
        from_drug: args.from_drug.clone(),
        doses,
        to_drug: to.id.clone(),
        scheme,
        stage_days: units::parse_days("stage", &args.stage).map_err(input)?,
        kit: Kit { stocks, equipment: Equipment { cutter: args.cutter, ..Equipment::default() } },
        taper_step_percent: step,
        taper_interval_days: units::parse_days("every", &args.every).map_err(input)?,
        pace_override: crate::plan_args::justification(args.override_pace.as_deref())?,
        confirm_dose: args.confirm_dose,
        to_times: args.to_times.iter().map(|t| parse_clock("to-times", t)).collect::<Result<_, _>>().map_err(input)?,
        screen: screen(args.screen.as_deref())?,
        reason: args
            .reason
            .as_deref()
            .map(|r| taper_core::Justification::parse("reason", r))
            .transpose()
            .map_err(input)?,
    };
    let plan = crossover::plan(catalogue, &req).map_err(plan_error)?;
    match args.format {
        CrossoverFormat::Json => {
            Ok(serde_json::to_string_pretty(&taper_report::wire::CrossoverJson::new(&plan, catalogue))? + "\n")
        }
        CrossoverFormat::Table => Ok(taper_report::table::crossover(&plan, catalogue)),
    }
}
