//! `taper backup` and `taper restore`: an online, consistent copy of the SQLite database and
//! putting one back (with the server stopped). PostgreSQL is backed up with pg_dump.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use taper_store::{PG_BACKUP, Store, StoreError};

use crate::UsageError;
use crate::serve_args::sqlite_file;

#[derive(Args)]
pub struct BackupArgs {
    /// The new file to write the copy to (it must not exist yet).
    #[arg(long)]
    pub to: PathBuf,
    /// Where the SQLite database lives (as for `taper serve`).
    #[arg(long, env = "TAPER_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// A PostgreSQL URL: then this tells you how to use pg_dump instead.
    #[arg(long, env = "TAPER_DATABASE_URL")]
    pub database: Option<String>,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// A file made by `taper backup`.
    #[arg(long)]
    pub from: PathBuf,
    /// Where the SQLite database lives (as for `taper serve`).
    #[arg(long, env = "TAPER_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
}

/// Store errors that are the person's to fix (a file in the way, a server still running)
/// become usage errors, printed as they are.
fn explain(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Config(m) => UsageError(m).into(),
        other => anyhow::Error::new(other),
    }
}

pub fn backup(args: &BackupArgs) -> anyhow::Result<String> {
    if args.database.is_some() {
        return Err(UsageError(PG_BACKUP.to_string()).into());
    }
    let file = sqlite_file(args.data_dir.as_ref())?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let store = Store::connect(&format!("sqlite:{}", file.display())).await?;
        let done = store.backup_to(&args.to).await.map_err(explain);
        store.close().await;
        done
    })?;
    Ok(format!(
        "Backed up {} to {}.\nThe copy holds everything, including accounts deleted since: keep it safe and delete it \
         when your retention period ends. Its notes are sealed with taper.key: back that file up too, apart from \
         the copy.\n",
        file.display(),
        args.to.display()
    ))
}

pub fn restore(args: &RestoreArgs) -> anyhow::Result<String> {
    let file = sqlite_file(args.data_dir.as_ref())?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let kept = runtime.block_on(Store::restore_sqlite(&args.from, &file, jiff::Timestamp::now())).map_err(explain)?;
    Ok(match kept {
        Some(old) => format!(
            "Restored {} from {}. The database it replaced is kept at {}.\n",
            file.display(),
            args.from.display(),
            old.display()
        ),
        None => format!("Restored {} from {}.\n", file.display(), args.from.display()),
    })
}
