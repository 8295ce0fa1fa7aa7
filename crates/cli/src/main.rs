//! `taper`: plans that can really be measured out. CLI parsing and glue only; the decisions are
//! made in taper-core and the text in taper-report.

mod backup_args;
mod pk_args;
mod plan_args;
#[cfg(feature = "serve")]
mod serve_args;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use taper_core::Catalogue;

#[derive(Parser)]
#[command(
    name = "taper",
    version,
    about = "Plan gradual, measurable tapers of antidepressants and benzodiazepines.",
    long_about = "Plan gradual, measurable tapers of antidepressants and benzodiazepines.\n\n\
Taper is decision support for a conversation with a prescriber, not a prescription. Every plan \
says why it looks the way it does and where its numbers come from.",
    after_help = "Examples:\n  taper drugs\n  taper simulate --drug alprazolam --dose 0.5mg --times 08:00,14:00,20:00 --days 7\n  taper crossover --from-drug alprazolam --dose 0.5mg@08:00 --dose 0.5mg@14:00 --dose 0.5mg@20:00 \\\n      --screen none --to-drug diazepam --have diazepam-tab-2mg --have diazepam-tab-5mg\n  taper plan --drug citalopram --from 20mg --step 10pp --every 28d --have citalopram-oral-drops-40mg-ml\n  taper plan --drug sertraline --from 100mg --strategy proportional --step 10% \\\n      --have sertraline-tab-50mg --have sertraline-tab-25mg --have sertraline-concentrate-20mg-ml"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the drugs and products the catalogue knows, with their sources.
    Drugs(DrugsArgs),
    /// Plan a taper and show how to prepare every step.
    Plan(Box<plan_args::PlanArgs>),
    /// Plan a taper and write it for someone else: --format pdf, ics, fhir or csv, to --output FILE.
    Export(Box<plan_args::ExportArgs>),
    /// Simulate blood levels (and occupancy) for a dosing pattern: daily, alternate-day, skipped doses.
    Simulate(pk_args::SimulateArgs),
    /// Switch from a shorter-acting or high-potency benzodiazepine to a long-acting one stage by stage, then taper it.
    Crossover(Box<pk_args::CrossoverArgs>),
    /// Start the web app: accounts, plans, today's dose, check-ins, waves and windows.
    #[cfg(feature = "serve")]
    Serve(serve_args::ServeArgs),
    /// Copy the web app's SQLite database while it runs (one consistent snapshot).
    Backup(backup_args::BackupArgs),
    /// Put a backup back in place of the SQLite database (stop `taper serve` first).
    Restore(backup_args::RestoreArgs),
    /// Print the operator's emergency kit: where the database, key and backups are, the key's
    /// fingerprint, and how to restore. Print it and keep it apart from the server.
    #[cfg(feature = "serve")]
    EmergencyKit(backup_args::KitArgs),
    /// Bring a person's own JSON export into their new, empty account on this server.
    #[cfg(feature = "serve")]
    Import(backup_args::ImportArgs),
    /// Show the e-mail the web app has not sent yet: waiting, being retried, or failed for good.
    #[cfg(feature = "serve")]
    MailQueue(backup_args::DatabaseArgs),
    /// Make a single-use link for a person to choose a new password (when e-mail cannot reach them).
    #[cfg(feature = "serve")]
    ResetLink(backup_args::ResetLinkArgs),
}

#[derive(clap::Args)]
struct DrugsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// A problem with what the person typed: printed as is, exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for UsageError {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(bytes) => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (e.g. `| head`) is not an error.
            let _ = out.write_all(&bytes);
            ExitCode::SUCCESS
        }
        Err(err) => {
            if let Some(usage) = err.downcast_ref::<UsageError>() {
                eprintln!("error: {usage}");
                ExitCode::from(2)
            } else {
                eprintln!("error: {err:#}");
                ExitCode::FAILURE
            }
        }
    }
}

/// What the command prints: text, or a file's bytes (`plan --format pdf`).
fn run(cli: Cli) -> anyhow::Result<Vec<u8>> {
    let catalogue = Catalogue::builtin()?;
    match &cli.command {
        Command::Plan(args) => return plan_args::run(&catalogue, args),
        Command::Export(args) => return plan_args::export(&catalogue, args),
        _ => {}
    }
    text(cli, &catalogue).map(String::into_bytes)
}

fn text(cli: Cli, catalogue: &Catalogue) -> anyhow::Result<String> {
    match cli.command {
        Command::Drugs(args) => drugs(catalogue, args.format),
        // Planned above, as bytes (a PDF is not text).
        Command::Plan(args) => plan_args::run(catalogue, &args).map(|b| String::from_utf8_lossy(&b).into_owned()),
        Command::Export(args) => plan_args::export(catalogue, &args).map(|b| String::from_utf8_lossy(&b).into_owned()),
        Command::Simulate(args) => pk_args::simulate(catalogue, &args),
        Command::Crossover(args) => pk_args::crossover(catalogue, &args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve_args::run(&args),
        Command::Backup(args) => backup_args::backup(&args),
        Command::Restore(args) => backup_args::restore(&args),
        #[cfg(feature = "serve")]
        Command::EmergencyKit(args) => backup_args::emergency_kit(&args),
        #[cfg(feature = "serve")]
        Command::Import(args) => backup_args::import(&args),
        #[cfg(feature = "serve")]
        Command::MailQueue(args) => backup_args::mail_queue(&args),
        #[cfg(feature = "serve")]
        Command::ResetLink(args) => backup_args::reset_link(&args),
    }
}

fn drugs(catalogue: &Catalogue, format: Format) -> anyhow::Result<String> {
    match format {
        Format::Table => Ok(taper_report::table::drugs(catalogue)),
        Format::Json => {
            let list: Vec<_> = catalogue.drugs().iter().map(|d| taper_report::DrugJson::new(d, catalogue)).collect();
            Ok(serde_json::to_string_pretty(&list)? + "\n")
        }
    }
}
