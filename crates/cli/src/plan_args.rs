//! `taper plan`: flags → a `PlanRequest`, checked at the edge with errors that name the flag.

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use taper_core::catalogue::{Catalogue, Product, nearest, parse_user_products};
use taper_core::formulation::{Kit, KitSpec};
use taper_core::schedule::{DEFAULT_STEP_PERCENT, DEFAULT_STEP_PP, PlanRequest, Strategy};
use taper_core::units::{self, StepSize};
use taper_core::{InputError, Justification, PlanError};

use crate::UsageError;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StrategyName {
    /// Equal drops in modelled receptor occupancy (falls back to proportional without a model).
    Hyperbolic,
    /// A fixed percentage of the current dose.
    Proportional,
    /// Equal milligram cuts; for comparison only.
    Linear,
    /// The doses given with --doses.
    Manual,
}

#[derive(Args)]
pub struct PlanArgs {
    /// Drug id or name, e.g. citalopram (see `taper drugs`).
    #[arg(long)]
    pub drug: String,
    /// The daily dose taken now, e.g. 20mg.
    #[arg(long, allow_hyphen_values = true)]
    pub from: String,
    /// What the --from dose is taken as now: tablets, or the id of the product taken (e.g.
    /// venlafaxine-xr-cap-75mg: step 0 is made from it, and a later change of release form is
    /// read against it). Asked when you --have a product that counts differently (citalopram
    /// drops: 1 mg counts as 1.25 mg of tablets).
    #[arg(long = "taken-as", value_name = "tablets|PRODUCT")]
    pub taken_as: Option<String>,
    #[arg(long, value_enum, default_value_t = StrategyName::Hyperbolic)]
    pub strategy: StrategyName,
    /// Step size: 5pp (hyperbolic, default 5pp), 10% (proportional, default 10%), 2.5mg or 10% of the start (linear).
    #[arg(long, allow_hyphen_values = true)]
    pub step: Option<String>,
    /// Time between steps, e.g. 28d or 4w.
    #[arg(long, default_value = "28d")]
    pub every: String,
    /// A product you have (repeat): a catalogue id or one from --products.
    #[arg(long = "have")]
    pub have: Vec<String>,
    /// A TOML file of your own products ([[products]] with id, drug, form, …).
    #[arg(long)]
    pub products: Option<std::path::PathBuf>,
    /// You cut tablets with a tablet cutter (halves and quarters of unscored tablets).
    #[arg(long)]
    pub cutter: bool,
    /// Smallest volume your oral syringe marks.
    #[arg(long, default_value = "0.1ml")]
    pub syringe: String,
    /// Beads per capsule you counted, as PRODUCT=COUNT (repeat).
    #[arg(long = "beads")]
    pub beads: Vec<String>,
    /// Your scale's readability, e.g. 1mg, to weigh capsule powder.
    #[arg(long)]
    pub scale: Option<String>,
    /// Weight of one capsule's contents, as PRODUCT=WEIGHT e.g. duloxetine-dr-cap-20mg=300mg (repeat).
    #[arg(long = "fill")]
    pub fill: Vec<String>,
    /// A compounding pharmacy can make doses to this precision, e.g. 0.1mg.
    #[arg(long)]
    pub compounded: Option<String>,
    /// The pharmacy supplies tapering strips (daily pouches) to this precision, e.g. 0.01mg; the
    /// plan then falls a little every day.
    #[arg(long)]
    pub strips: Option<String>,
    /// Once the dose is at or below this, the next step is zero.
    #[arg(long = "final", allow_hyphen_values = true)]
    pub final_dose: Option<String>,
    /// End the plan at this dose instead of stopping.
    #[arg(long, allow_hyphen_values = true)]
    pub to: Option<String>,
    /// Doses for --strategy manual, comma-separated, e.g. 15mg,10mg,5mg,0mg.
    #[arg(long, value_delimiter = ',')]
    pub doses: Vec<String>,
    /// Times of day the dose is taken, e.g. 08:00,20:00 (one to four). Default: the label's
    /// division for the form (alprazolam three times a day, venlafaxine tablets twice).
    #[arg(long)]
    pub times: Option<String>,
    /// With --times: what you take now at each time, e.g. 0.5mg,0.25mg,0.25mg (adding up to
    /// --from); step 0 shows it so, and later steps keep the same shares.
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub amounts: Vec<String>,
    /// Spread each step over its days as small daily cuts (as tapering strips do).
    #[arg(long)]
    pub micro_taper: bool,
    /// Occupancy fit for another brain region (see `taper drugs --format json`).
    #[arg(long)]
    pub region: Option<String>,
    /// Go faster than the pace limits; the justification is recorded in the plan.
    #[arg(long = "override-pace", value_name = "JUSTIFICATION")]
    pub override_pace: Option<String>,
    /// The starting dose is right although it is above the labelled maximum or far below any
    /// product (plans with such a dose are refused without this).
    #[arg(long)]
    pub confirm_dose: bool,
    /// table, json, csv, svg (a chart of dose and occupancy over time), ics (a calendar of the
    /// changes of dose, from --first-day), fhir (a FHIR R4 Bundle: the plan as a
    /// MedicationRequest with one dosage instruction per step, from --first-day) or pdf (the plan
    /// to print or give the prescriber, dated from --first-day if given; send it to a file:
    /// `> plan.pdf`).
    #[arg(long, value_enum, default_value_t = PlanFormat::Table)]
    pub format: PlanFormat,
    /// The plan's first day, YYYY-MM-DD, for --format ics or fhir (today if not given) or pdf (counted
    /// in days if not given).
    #[arg(long, value_name = "DATE")]
    pub first_day: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Table,
    Json,
    Csv,
    Svg,
    Ics,
    Fhir,
    Pdf,
}

pub fn usage(e: impl std::fmt::Display) -> anyhow::Error {
    UsageError(e.to_string()).into()
}

pub fn input(e: InputError) -> anyhow::Error {
    usage(format!("--{} '{}': {}", e.field, e.value, e.message))
}

pub fn plan_error(e: PlanError) -> anyhow::Error {
    match e {
        PlanError::Input(i) => input(i),
        PlanError::Refused { field, message } => usage(format!("--{field}: {message}")),
        PlanError::Unconfirmed { field, message } => {
            usage(format!("--{field}: {message} (add --confirm-dose if the dose is right)"))
        }
    }
}

/// A products file larger than this is refused rather than read.
const MAX_PRODUCTS_FILE_BYTES: u64 = 1 << 20;

pub fn request(catalogue: &Catalogue, args: &PlanArgs) -> anyhow::Result<PlanRequest> {
    let drug = catalogue.find_drug("drug", &args.drug).map_err(input)?;
    let typed = units::parse_positive_dose("from", &args.from).map_err(input)?;
    let offered: Vec<&str> = args.have.iter().map(String::as_str).collect();
    if let Some(t) = args.taken_as.as_deref().filter(|t| *t != "tablets" && !drug.products.iter().any(|p| p.id == *t)) {
        return Err(usage(format!(
            "--taken-as '{t}': say tablets, or one of {}'s products (see `taper drugs`)",
            drug.id
        )));
    }
    let start = drug
        .dose_now_mg(typed.get(), args.taken_as.as_deref(), &offered)
        .map_err(|question| usage(format!("--taken-as: {question} Add --taken-as tablets or the product's id.")))?;
    drug.release_question(args.taken_as.as_deref(), &offered).map_err(|question| {
        usage(format!(
            "--taken-as: {question} Add --taken-as tablets (immediate release) or the id of the product you take."
        ))
    })?;
    // Tablet-equivalent mg of a positive dose is positive.
    let start = units::Mg::new(start).ok_or_else(|| usage(format!("--from '{}': not a dose", args.from)))?;
    let interval_days = units::parse_days("every", &args.every).map_err(input)?;
    let strategy = strategy(args, start)?;
    if args.strategy != StrategyName::Manual && !args.doses.is_empty() {
        return Err(usage("--doses only applies to --strategy manual"));
    }
    let kit = kit(catalogue, drug, args)?;
    Ok(PlanRequest {
        drug: drug.id.clone(),
        start,
        strategy,
        interval_days,
        final_dose: args.final_dose.as_deref().map(|f| units::parse_dose("final", f)).transpose().map_err(input)?,
        end_at: args.to.as_deref().map(|t| units::parse_dose("to", t)).transpose().map_err(input)?,
        micro_taper: args.micro_taper,
        region: args.region.clone(),
        kit,
        pace_override: justification(args.override_pace.as_deref())?,
        confirm_dose: args.confirm_dose,
        market: None,
        taken_now: args.taken_as.clone().filter(|t| t != "tablets"),
        times: args.times.as_deref().map(|t| units::DoseTimes::parse("times", t)).transpose().map_err(input)?,
        amounts: if args.amounts.is_empty() {
            None
        } else {
            Some(
                args.amounts
                    .iter()
                    .map(|a| units::parse_positive_dose("amounts", a))
                    .collect::<Result<_, _>>()
                    .map_err(input)?,
            )
        },
    })
}

/// `--strategy` with `--step` (or `--doses`), each step in the unit its strategy takes.
fn strategy(args: &PlanArgs, start: units::Mg) -> anyhow::Result<Strategy> {
    let step = args.step.as_deref().map(|s| units::parse_step("step", s)).transpose().map_err(input)?;
    Ok(match (args.strategy, step) {
        (StrategyName::Hyperbolic, None) => Strategy::Hyperbolic { step_pp: DEFAULT_STEP_PP },
        (StrategyName::Hyperbolic, Some(StepSize::PercentagePoints(pp))) => Strategy::Hyperbolic { step_pp: pp },
        (StrategyName::Proportional, None) => Strategy::Proportional { step_percent: DEFAULT_STEP_PERCENT },
        (StrategyName::Proportional, Some(StepSize::Percent(p))) => Strategy::Proportional { step_percent: p },
        (StrategyName::Linear, Some(StepSize::Milligrams(mg))) => Strategy::Linear { step_mg: mg },
        (StrategyName::Linear, Some(StepSize::Percent(p))) => Strategy::linear_percent_of(start, Some(p)),
        (StrategyName::Linear, None) => Strategy::linear_percent_of(start, None),
        (StrategyName::Manual, Some(_)) => {
            return Err(usage("--step does not apply to --strategy manual; list the doses with --doses"));
        }
        (StrategyName::Manual, None) => {
            let doses = args
                .doses
                .iter()
                .map(|d| units::parse_dose("doses", d))
                .collect::<Result<Vec<_>, _>>()
                .map_err(input)?;
            Strategy::Manual { doses }
        }
        (s, Some(_)) => {
            let (name, allowed) = match s {
                StrategyName::Hyperbolic => ("hyperbolic", "percentage points, e.g. 5pp"),
                StrategyName::Proportional => ("proportional", "a percentage of the current dose, e.g. 10%"),
                _ => ("linear", "mg or a percentage of the starting dose"),
            };
            return Err(usage(format!(
                "--step '{}': a {name} plan takes {allowed}",
                args.step.as_deref().unwrap_or_default()
            )));
        }
    })
}

/// The person's own products from `--products`, read with a size limit.
fn own_products(args: &PlanArgs) -> anyhow::Result<Vec<Product>> {
    let mut own: Vec<Product> = Vec::new();
    if let Some(path) = &args.products {
        // Read at most a little over the limit, so /dev/zero or a huge file cannot exhaust memory.
        use std::io::Read as _;
        let mut text = String::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_PRODUCTS_FILE_BYTES + 1).read_to_string(&mut text))
            .with_context(|| format!("reading --products {}", path.display()))?;
        if text.len() as u64 > MAX_PRODUCTS_FILE_BYTES {
            return Err(usage(format!(
                "--products {}: larger than 1 MiB; a products file is a short list",
                path.display()
            )));
        }
        own = parse_user_products(&path.display().to_string(), &text).map_err(|e| usage(format!("--products {e}")))?;
    }
    Ok(own)
}

/// The products the person has (`--have`, from the catalogue or `--products`), the equipment
/// and the fine-measuring flags, checked by core into a kit.
fn kit(catalogue: &Catalogue, drug: &taper_core::Drug, args: &PlanArgs) -> anyhow::Result<Kit> {
    let own = own_products(args)?;
    let mut products: Vec<Product> = Vec::new();
    // What the person takes now is a product they have, listed or not.
    let taken = args.taken_as.iter().filter(|t| *t != "tablets" && !args.have.contains(t));
    for id in args.have.iter().chain(taken) {
        let product = own.iter().find(|p| &p.id == id).or_else(|| catalogue.product(id)).cloned().ok_or_else(|| {
            let names = drug.products.iter().map(|p| p.id.as_str()).chain(own.iter().map(|p| p.id.as_str()));
            let near = nearest(id, names);
            let hint = if near.is_empty() { String::new() } else { format!("did you mean {}? ", near.join(" or ")) };
            usage(format!(
                "--have '{id}': no such product; {hint}{}'s products are: {}",
                drug.id,
                drug.products.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ")
            ))
        })?;
        products.push(product);
    }
    let pair = |flag: &str, spec: &str, example: &str| -> anyhow::Result<(String, String)> {
        spec.split_once('=')
            .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
            .ok_or_else(|| usage(format!("--{flag} '{spec}': expected PRODUCT=VALUE, e.g. {example}")))
    };
    let mut beads = Vec::new();
    for spec in &args.beads {
        let (id, count) = pair("beads", spec, "venlafaxine-xr-cap-37.5mg=60")?;
        let count: u32 =
            count.parse().map_err(|_| usage(format!("--beads '{spec}': the count must be a whole number")))?;
        beads.push((id, count));
    }
    let mut fills = Vec::new();
    for spec in &args.fill {
        let (id, weight) = pair("fill", spec, "duloxetine-dr-cap-20mg=300mg")?;
        fills.push((id, units::parse_positive_dose("fill", &weight).map_err(input)?.get()));
    }
    let one = |field: &str, v: &Option<String>| -> anyhow::Result<Option<f64>> {
        v.as_deref().map(|s| units::parse_positive_dose(field, s).map(|m| m.get())).transpose().map_err(input)
    };
    KitSpec {
        products,
        cutter: args.cutter,
        syringe_ml: units::parse_ml("syringe", &args.syringe).map_err(input)?,
        scale_mg: one("scale", &args.scale)?,
        compounded_mg: one("compounded", &args.compounded)?,
        strips_mg: one("strips", &args.strips)?,
        beads,
        fills,
    }
    .build(drug)
    .map_err(input)
}

/// `--override-pace`, checked once: a blank or one-word reason is refused.
pub fn justification(input: Option<&str>) -> anyhow::Result<Option<Justification>> {
    input.map(|j| Justification::parse("override-pace", j)).transpose().map_err(input_error)
}

fn input_error(e: InputError) -> anyhow::Error {
    input(e)
}

#[cfg(feature = "pdf")]
fn pdf(plan: &taper_core::Plan, catalogue: &Catalogue, args: &PlanArgs) -> anyhow::Result<Vec<u8>> {
    let first = args.first_day.as_ref().map(|_| first_day(args)).transpose()?;
    let doc = taper_report::pdf::PlanDocument::of_plan(plan, catalogue, first, today());
    Ok(taper_report::pdf::plan(&doc)?)
}

#[cfg(not(feature = "pdf"))]
fn pdf(_: &taper_core::Plan, _: &Catalogue, _: &PlanArgs) -> anyhow::Result<Vec<u8>> {
    Err(usage("--format pdf: this taper was built without PDFs (the `pdf` feature); use another format"))
}

/// `taper export`: a plan made here, written for someone else.
#[derive(clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub plan: PlanArgs,
    /// The file to write; standard output when not given (a PDF is refused on a terminal).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
}

/// The formats `taper export` writes: files to hand on, not the tables `taper plan` shows.
const EXPORTED: [(PlanFormat, &str); 4] = [
    (PlanFormat::Pdf, "a PDF to print or give the prescriber"),
    (PlanFormat::Ics, "an iCalendar file of the changes of dose"),
    (PlanFormat::Fhir, "a FHIR R4 Bundle"),
    (PlanFormat::Csv, "a spreadsheet of the steps"),
];

pub fn export(catalogue: &Catalogue, args: &ExportArgs) -> anyhow::Result<Vec<u8>> {
    let Some((_, what)) = EXPORTED.iter().find(|(f, _)| *f == args.plan.format) else {
        return Err(usage(
            "--format: taper export writes pdf, ics, fhir or csv (give one); taper plan shows a table, json or svg",
        ));
    };
    let Some(path) = &args.output else { return run(catalogue, &args.plan) };
    let bytes = made(catalogue, &args.plan)?;
    std::fs::write(path, &bytes).with_context(|| format!("writing --output {}", path.display()))?;
    Ok(format!("Wrote {} ({} bytes): {what}.\n", path.display(), bytes.len()).into_bytes())
}

/// The plan in its format, as bytes: a PDF is not text.
pub fn run(catalogue: &Catalogue, args: &PlanArgs) -> anyhow::Result<Vec<u8>> {
    if args.format == PlanFormat::Pdf && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return Err(usage(
            "--format pdf: a PDF would fill the terminal with bytes; send it to a file, e.g. taper export … --format pdf --output plan.pdf",
        ));
    }
    made(catalogue, args)
}

/// The plan in its format, wherever it goes.
fn made(catalogue: &Catalogue, args: &PlanArgs) -> anyhow::Result<Vec<u8>> {
    let req = request(catalogue, args)?;
    let plan = taper_core::plan(catalogue, &req).map_err(plan_error)?;
    let text = match args.format {
        PlanFormat::Pdf => return pdf(&plan, catalogue, args),
        PlanFormat::Table => taper_report::table::plan(&plan, catalogue),
        PlanFormat::Json => serde_json::to_string_pretty(&taper_report::PlanJson::new(&plan, catalogue))? + "\n",
        PlanFormat::Csv => taper_report::plan_csv(&plan, catalogue)?,
        PlanFormat::Svg => taper_report::chart::plan_svg(&plan)?,
        PlanFormat::Ics => {
            let events = taper_report::ics::plan_events(&plan, first_day(args)?);
            taper_report::ics::calendar(&format!("Taper: {}", plan.drug_name), &events, jiff::Timestamp::now())
        }
        PlanFormat::Fhir => {
            // A plan made here belongs to no account: a new Patient id each export.
            let id = uuid::Uuid::new_v4().to_string();
            let subject = taper_report::fhir::Subject { id: &id };
            let plans = [taper_report::fhir::plan_of(&plan, first_day(args)?, catalogue)];
            let record = taper_report::fhir::Record { plans: &plans, ..Default::default() };
            let bundle = taper_report::fhir::bundle(subject, &record, jiff::Timestamp::now());
            serde_json::to_string_pretty(&bundle)? + "\n"
        }
    };
    Ok(text.into_bytes())
}

/// `--first-day`, else today here.
fn first_day(args: &PlanArgs) -> anyhow::Result<jiff::civil::Date> {
    Ok(match &args.first_day {
        Some(d) => d.trim().parse::<jiff::civil::Date>().map_err(|_| {
            usage(format!("--first-day '{d}': give the plan's first day as YYYY-MM-DD, e.g. 2027-01-04"))
        })?,
        None => today(),
    })
}

fn today() -> jiff::civil::Date {
    jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::system()).date()
}
