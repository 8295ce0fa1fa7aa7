//! `taper backup` and `taper restore`: an online, consistent copy of the SQLite database and
//! putting one back (with the server stopped). PostgreSQL is backed up with pg_dump.
//! `taper import`: a person's own JSON export into their new, empty account on this server.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use taper_store::{PG_BACKUP, Store, StoreError};

use crate::UsageError;

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
    /// The key file the server uses (as for `taper serve`); the backup must open with it.
    #[arg(long, env = "TAPER_KEY_FILE")]
    pub key_file: Option<PathBuf>,
}

#[cfg(feature = "serve")]
#[derive(Args)]
pub struct KitArgs {
    /// Where the SQLite database lives (as for `taper serve`).
    #[arg(long, env = "TAPER_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// The key file the server uses (as for `taper serve`).
    #[arg(long, env = "TAPER_KEY_FILE")]
    pub key_file: Option<PathBuf>,
    /// Where the automatic backups go (as for `taper serve`).
    #[arg(long, env = "TAPER_BACKUP_DIR")]
    pub backup_dir: Option<PathBuf>,
    /// How many automatic backups the server keeps (as for `taper serve`).
    #[arg(long, env = "TAPER_KEEP_BACKUPS", default_value_t = taper_server::backups::DEFAULT_KEEP)]
    pub keep_backups: usize,
    /// The server runs with its automatic backups off (as for `taper serve`).
    #[arg(long, env = "TAPER_NO_BACKUPS")]
    pub no_backups: bool,
}

/// The emergency kit: what an operator needs, printed, to bring the server back after losing
/// the machine (issue 21; Home Assistant gives its owners one). It names the key by its
/// fingerprint, never its contents.
#[cfg(feature = "serve")]
pub fn emergency_kit(args: &KitArgs) -> anyhow::Result<String> {
    let db = sqlite_file(args.data_dir.as_ref())?;
    let key_file = args.key_file.clone().unwrap_or_else(|| db.with_file_name("taper.key"));
    let key = read_key(Some(&key_file), &db)?;
    // The fingerprint printed must be of the key that opens this database (an operator walk
    // printed another key's without a word).
    if db.is_file() {
        let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
        runtime.block_on(async {
            let store = Store::connect_sealed(&format!("sqlite:{}", db.display()), &key).await.map_err(explain)?;
            store.close().await;
            Ok::<(), anyhow::Error>(())
        })?;
    }
    let dir = match &args.backup_dir {
        Some(d) => d.clone(),
        None => crate::serve_args::backup_dir(args.data_dir.as_ref())?,
    };
    let newest = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter_map(|n| taper_server::backups::taken_at(&n).map(|t| (t, n)))
                .max()
        })
        .ok()
        .flatten();
    Ok(format!(
        "TAPER EMERGENCY KIT — printed {now}\n\
         Keep this page apart from the server. It holds no secret.\n\n\
         Database (SQLite):   {db}\n\
         Key file:            {key_file}\n\
         Key fingerprint:     {fp}\n\
         Automatic backups:   {backups}\n\
         Newest backup:       {newest}\n\
         Schema version:      {schema} (Taper {version})\n\n\
         The key seals people's notes: without it a backup's notes cannot be read. Keep a copy of\n\
         the key file somewhere other than the backups (a password manager, a safe), and check it\n\
         by its fingerprint: `taper emergency-kit --key-file <copy>` prints the same fingerprint.\n\n\
         To restore on a new machine:\n\
         1. Install Taper {version} or later, and put the key file copy in place.\n\
         2. Stop `taper serve` if it is running.\n\
         3. taper restore --from <backup file> --data-dir <data directory> --key-file <key file>\n\
         4. Start `taper serve` again and sign in to check.\n",
        now = jiff::Timestamp::now().strftime("%Y-%m-%d %H:%M UTC"),
        db = db.display(),
        key_file = key_file.display(),
        fp = key.fingerprint(),
        backups = if args.no_backups {
            "off (--no-backups): back the database up another way".to_string()
        } else {
            format!("{} (one a day, the newest {} kept)", dir.display(), args.keep_backups)
        },
        newest = newest.map_or_else(|| "none yet".to_string(), |(_, n)| n),
        schema = taper_store::schema_version(),
        version = env!("CARGO_PKG_VERSION"),
    ))
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
    // A mistyped --data-dir would otherwise make an empty database there and "back it up"
    // (an operator walk): nothing there, nothing made.
    if !file.is_file() {
        return Err(UsageError(format!(
            "there is no database at {}: give the --data-dir that taper serve uses. Nothing was written.",
            file.display()
        ))
        .into());
    }
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
    let key = read_key(args.key_file.as_ref(), &file)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let kept =
        runtime.block_on(Store::restore_sqlite(&args.from, &file, &key, jiff::Timestamp::now())).map_err(explain)?;
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

#[cfg(feature = "serve")]
#[derive(Args)]
pub struct ImportArgs {
    /// The person's export (Account → Download as JSON on their old server).
    #[arg(long)]
    pub from: PathBuf,
    /// The e-mail address of their new, empty account on this server.
    #[arg(long)]
    pub email: String,
    #[command(flatten)]
    pub at: DatabaseArgs,
}

/// The server's database URL and key, from the same options as `taper serve`.
#[cfg(feature = "serve")]
fn server_database(at: &DatabaseArgs) -> anyhow::Result<(String, taper_store::seal::Key)> {
    let url = match &at.database {
        Some(u) => u.clone(),
        None => format!("sqlite:{}", sqlite_file(at.data_dir.as_ref())?.display()),
    };
    Ok((url, read_key(at.key_file.as_ref(), &sqlite_file(at.data_dir.as_ref())?)?))
}

#[cfg(feature = "serve")]
pub fn import(args: &ImportArgs) -> anyhow::Result<String> {
    let (url, key) = server_database(&args.at)?;
    let json = taper_server::import::read_file(&args.from).map_err(|e| UsageError(e.to_string()))?;
    let catalogue = taper_core::Catalogue::builtin().context("loading the catalogue")?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let summary = runtime.block_on(async {
        let store = Store::connect_sealed(&url, &key).await.map_err(explain)?;
        let user = store
            .user_by_email(&args.email.trim().to_lowercase())
            .await
            .map_err(explain)?
            .ok_or_else(|| UsageError(format!("no account {} on this server: sign up first", args.email)))?;
        let done = taper_server::import::import(&store, &catalogue, user.id, &json).await;
        store.close().await;
        done.map_err(|e| match e {
            taper_server::import::ImportError::Store(s) => explain(s),
            other => UsageError(other.to_string()).into(),
        })
    })?;
    Ok(format!(
        "Imported into {}: {} plan(s), {} check-in(s), {} questionnaire(s), {} dose(s), with medication history, \
         withdrawal-or-return answers and the safety plan. Sharing and the access log stay with the old server.\n",
        args.email, summary.plans, summary.checkins, summary.questionnaires, summary.doses
    ))
}

/// The server's database and key, as for `taper serve` (for `import`, `mail-queue`, `reset-link`).
#[cfg(feature = "serve")]
#[derive(clap::Args)]
pub struct DatabaseArgs {
    /// Where the SQLite database lives (as for `taper serve`).
    #[arg(long, env = "TAPER_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// A PostgreSQL URL instead of the SQLite file (as for `taper serve`).
    #[arg(long, env = "TAPER_DATABASE_URL")]
    pub database: Option<String>,
    /// The key file the server uses (as for `taper serve`).
    #[arg(long, env = "TAPER_KEY_FILE")]
    pub key_file: Option<PathBuf>,
}

/// The e-mail not yet sent: waiting, being retried (with the last error) or failed for good.
/// Addresses and messages are not shown: they are sealed, and the operator needs only the state.
#[cfg(feature = "serve")]
pub fn mail_queue(args: &DatabaseArgs) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    let (url, key) = server_database(args)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let jobs = runtime.block_on(async {
        let store = Store::connect_sealed(&url, &key).await.map_err(explain)?;
        let jobs = store.jobs_pending().await.map_err(explain);
        store.close().await;
        jobs
    })?;
    if jobs.is_empty() {
        return Ok("Nothing waiting: every queued e-mail has been sent.\n".to_string());
    }
    let mut out = String::new();
    for j in &jobs {
        let state = match j.failed_at {
            Some(t) => format!("FAILED for good at {t}"),
            None if j.attempts == 0 => format!("waiting, due {}", j.run_at),
            None => format!("to be tried again at {}", j.run_at),
        };
        let error = j.last_error.as_deref().map(|e| format!(" — last error: {e}")).unwrap_or_default();
        let _ = writeln!(out, "{} {} after {} attempt(s): {state}{error}", j.id, j.kind, j.attempts);
    }
    Ok(out)
}

/// `taper reset-link`: a single-use link for a person who cannot get e-mail from this server.
#[cfg(feature = "serve")]
#[derive(clap::Args)]
pub struct ResetLinkArgs {
    /// The e-mail address of the account.
    #[arg(long)]
    pub email: String,
    /// Where people open this server, put before the link (e.g. https://taper.example.org).
    #[arg(long, env = "TAPER_PUBLIC_URL")]
    pub public_url: Option<String>,
    #[command(flatten)]
    pub at: DatabaseArgs,
}

/// Makes a link that lets the account's owner choose a new password, once, within an hour; the
/// operator hands it over in person or by a channel they trust (never a ticket others can read).
#[cfg(feature = "serve")]
pub fn reset_link(args: &ResetLinkArgs) -> anyhow::Result<String> {
    let (url, key) = server_database(&args.at)?;
    let email = args.email.trim().to_lowercase();
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let token = runtime.block_on(async {
        let store = Store::connect_sealed(&url, &key).await.map_err(explain)?;
        let user = store.user_by_email(&email).await.map_err(explain)?;
        let made = match user {
            Some(u) => {
                let token = taper_server::cookies::fresh_token();
                let now = jiff::Timestamp::now();
                let expires = now.checked_add(taper_server::pages::password::LINK_LIFETIME).unwrap_or(now);
                let hash = taper_server::cookies::stored_hash(&token);
                store.create_reset(&hash, u.id, expires, now).await.map_err(explain).map(|()| token)
            }
            None => Err(UsageError(format!("no account {email} on this server")).into()),
        };
        store.close().await;
        made
    })?;
    let base = args.public_url.as_deref().unwrap_or_default().trim_end_matches('/');
    Ok(format!(
        "A link for {email} to choose a new password; it works once, within one hour:\n{base}/password/reset/{token}\n{}",
        if base.is_empty() { "(put this server's address before it)\n" } else { "" }
    ))
}

/// The server's key: `--key-file`, else `taper.key` beside the database file `db`.
fn read_key(key_file: Option<&PathBuf>, db: &std::path::Path) -> anyhow::Result<taper_store::seal::Key> {
    let key_file = key_file.cloned().unwrap_or_else(|| db.with_file_name("taper.key"));
    let key_text = std::fs::read_to_string(&key_file).map_err(|e| {
        UsageError(format!(
            "reading the key file {}: {e}. Put back the key file you kept apart from the backups (on a new machine, \
             copy it here first) or pass --key-file; a new key cannot open what the old one sealed.",
            key_file.display()
        ))
    })?;
    taper_store::seal::Key::from_hex(&key_text).map_err(explain)
}

/// The SQLite file in the data directory (`--data-dir`, else the platform's), the directory
/// created if needed. A directory Taper makes, and its own default one, are readable by their
/// owner only (issue 19, N6); a directory an operator chose is left as they set it.
pub fn sqlite_file(data_dir: Option<&PathBuf>) -> anyhow::Result<PathBuf> {
    let (dir, ours) = match data_dir {
        Some(d) => (d.clone(), false),
        None => (
            dirs::data_dir()
                .map(|d| d.join("taper"))
                .ok_or_else(|| UsageError("no data directory on this system; pass --data-dir".into()))?,
            true,
        ),
    };
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt as _;
            builder.mode(0o700);
        }
        builder.create(&dir).with_context(|| format!("creating the data directory {}", dir.display()))?;
    } else if ours {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("making the data directory {} private", dir.display()))?;
        }
    }
    Ok(dir.join("taper.db"))
}
