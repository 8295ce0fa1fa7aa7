//! `taper serve`: start the web app on an embedded SQLite file (default) or PostgreSQL.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use crate::UsageError;
use crate::backup_args::sqlite_file;

#[derive(Args)]
pub struct ServeArgs {
    /// Port to listen on.
    #[arg(long, env = "TAPER_PORT", default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on; the default serves this computer only.
    #[arg(long, env = "TAPER_BIND", default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Where the SQLite database lives (default: your platform's data directory, e.g. ~/.local/share/taper).
    #[arg(long, env = "TAPER_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// A PostgreSQL URL (postgres://…) to use instead of the SQLite file.
    #[arg(long, env = "TAPER_DATABASE_URL")]
    pub database: Option<String>,
    /// Mark cookies Secure: set this when a TLS proxy serves Taper over https.
    #[arg(long, env = "TAPER_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// The key that seals notes in the database (default: taper.key in the data directory,
    /// made on first start). Keep it, and back it up apart from the database: without it the
    /// notes cannot be read.
    #[arg(long, env = "TAPER_KEY_FILE")]
    pub key_file: Option<PathBuf>,
    /// Your privacy notice, as plain text (paragraphs between blank lines): who runs this
    /// server, where the data live, who can see them. Shown at /privacy and linked on every page.
    #[arg(long, env = "TAPER_PRIVACY_NOTICE")]
    pub privacy_notice: Option<PathBuf>,
    /// Your terms of use, as plain text. Shown at /terms and linked on every page.
    #[arg(long, env = "TAPER_TERMS")]
    pub terms: Option<PathBuf>,
    /// Send e-mail (password-reset links) through this SMTP server: smtps://user:pass@host
    /// (TLS), smtp://user:pass@host?tls=required (STARTTLS) or smtp://127.0.0.1:25 (a relay on
    /// this machine). Without it e-mail is off, and the pages that would use it say so.
    #[arg(long, env = "TAPER_SMTP_URL", requires_all = ["mail_from", "public_url"])]
    pub smtp_url: Option<String>,
    /// The sender of Taper's e-mail, e.g. "Taper <taper@example.org>".
    #[arg(long, env = "TAPER_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// The address people open this server at (links in e-mail start with it), e.g.
    /// https://taper.example.org.
    #[arg(long, env = "TAPER_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Where the automatic daily backups of the SQLite database go (default: backups/ beside
    /// the database). Each is readable by this user only; restore one with `taper restore`.
    #[arg(long, env = "TAPER_BACKUP_DIR")]
    pub backup_dir: Option<PathBuf>,
    /// How many automatic backups to keep (the oldest beyond this are deleted).
    #[arg(long, env = "TAPER_KEEP_BACKUPS", default_value_t = taper_server::backups::DEFAULT_KEEP,
          value_parser = clap::value_parser!(usize))]
    pub keep_backups: usize,
    /// Turn the automatic backups off (back the database up another way).
    #[arg(long, env = "TAPER_NO_BACKUPS")]
    pub no_backups: bool,
    /// Open /metrics (Prometheus text format) to requests with `Authorization: Bearer TOKEN`;
    /// without it /metrics is off. Use a long random token and keep it with your monitoring.
    #[arg(long, env = "TAPER_METRICS_TOKEN")]
    pub metrics_token: Option<String>,
    /// How the log on standard error is written: text (for a person reading it) or json (one
    /// object a line, for a log collector).
    #[arg(long, env = "TAPER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

pub fn run(args: &ServeArgs) -> anyhow::Result<String> {
    let database_url = match &args.database {
        Some(url)
            if url.starts_with("postgres://") || url.starts_with("postgresql://") || url.starts_with("sqlite:") =>
        {
            url.clone()
        }
        Some(url) => {
            let scheme = url.split(':').next().unwrap_or_default();
            return Err(UsageError(format!(
                "--database '{scheme}:…': use a postgres:// URL (or leave it out for the built-in SQLite file)"
            ))
            .into());
        }
        None => format!("sqlite:{}", sqlite_file(args.data_dir.as_ref())?.display()),
    };
    // Checked before anything is made (an operator walk: a refused --keep-backups 0 had already
    // made the data directory, its key and database).
    let backups = backups_of(args, &database_url)?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("TAPER_LOG").unwrap_or_else(|_| "info,sqlx=warn".into());
    let log = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match args.log_format {
        // Colour only for a terminal: a log file keeps plain text (an operator walk).
        LogFormat::Text => log.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).init(),
        // One JSON object a line, the event's fields flattened beside its level and time.
        LogFormat::Json => log.json().flatten_event(true).with_current_span(false).init(),
    }
    let shown = if database_url.starts_with("sqlite:") { database_url.clone() } else { redact(&database_url) };
    let key_file = match &args.key_file {
        Some(f) => f.clone(),
        None => sqlite_file(args.data_dir.as_ref())?.with_file_name("taper.key"),
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let key = match load_key(&key_file)? {
        Some(key) => key,
        None => runtime.block_on(make_key(&key_file, &database_url))?,
    };
    let notices = taper_server::notices::Notices::read(args.privacy_notice.as_deref(), args.terms.as_deref())
        .map_err(UsageError)?;
    let mail = match (&args.smtp_url, &args.mail_from, &args.public_url) {
        (Some(smtp_url), Some(from), Some(public_url)) => {
            let m = taper_server::mail::MailConfig {
                smtp_url: smtp_url.clone(),
                from: from.clone(),
                public_url: public_url.trim_end_matches('/').to_string(),
                poll: std::time::Duration::from_secs(5),
            };
            m.check().map_err(UsageError)?;
            Some(m)
        }
        _ => None,
    };
    let config = taper_server::Config {
        bind: SocketAddr::new(args.bind, args.port),
        backups,
        metrics_token: args.metrics_token.clone(),
        database_url,
        secure_cookies: args.secure_cookies,
        key,
        notices,
        mail,
    };
    runtime.block_on(taper_server::serve(config, |addr| {
        // Through the log, so a JSON log stays one object a line.
        tracing::info!("Taper is running at http://{addr}/ (database: {shown}). Press Ctrl-C to stop.");
    }))?;
    Ok(String::new())
}

/// The automatic backups: on for the SQLite file unless turned off, never for PostgreSQL.
fn backups_of(args: &ServeArgs, database_url: &str) -> anyhow::Result<Option<taper_server::backups::BackupConfig>> {
    if args.no_backups || !database_url.starts_with("sqlite:") {
        return Ok(None);
    }
    if args.keep_backups == 0 {
        return Err(UsageError("--keep-backups: keep at least 1, or turn backups off with --no-backups".into()).into());
    }
    let dir = match &args.backup_dir {
        Some(d) => d.clone(),
        None => backup_dir(args.data_dir.as_ref())?,
    };
    if dir.exists() && !dir.is_dir() {
        return Err(UsageError(format!("--backup-dir {}: that is a file, not a folder", dir.display())).into());
    }
    Ok(Some(taper_server::backups::BackupConfig {
        dir,
        keep: args.keep_backups,
        every: taper_server::backups::DEFAULT_EVERY,
    }))
}

/// backups/ beside the SQLite file.
pub fn backup_dir(data_dir: Option<&PathBuf>) -> anyhow::Result<PathBuf> {
    Ok(sqlite_file(data_dir)?.with_file_name("backups"))
}

/// The key in `file`; None when there is no such file yet.
fn load_key(file: &std::path::Path) -> anyhow::Result<Option<taper_store::seal::Key>> {
    use taper_store::seal::Key;
    match std::fs::read_to_string(file) {
        Ok(text) => {
            let key = Key::from_hex(&text).map_err(|e| UsageError(format!("{}: {e}", file.display())))?;
            keep_private(file);
            Ok(Some(key))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow::Error::new(e).context(format!("reading the key file {}", file.display()))),
    }
}

/// A key file others can read is made readable by its owner only, and said (an operator walk:
/// a 0644 key stayed so, though the database beside it is kept 0600).
fn keep_private(file: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = std::fs::metadata(file)
            && meta.permissions().mode() & 0o077 != 0
            && std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600)).is_ok()
        {
            tracing::warn!(
                "The key file {} was readable by others; it is now readable by its owner only.",
                file.display()
            );
        }
    }
    #[cfg(not(unix))]
    let _ = file;
}

/// A new key for a database that has none yet, written to `file` (readable by this user only)
/// only once the database has taken it. A database sealed with another key is refused and no
/// file is written, so a missing key file is never replaced by a wrong one (security probe N7).
async fn make_key(file: &std::path::Path, database_url: &str) -> anyhow::Result<taper_store::seal::Key> {
    use taper_store::seal::Key;
    let key = Key::generate();
    match taper_store::Store::connect_sealed(database_url, &key).await {
        Ok(store) => store.close().await,
        Err(taper_store::StoreError::Config(m)) if m.contains("does not match") => {
            return Err(UsageError(format!(
                "the key file {} is missing, and the database was sealed with a key: put the key file back (from \
                 where you keep it, apart from the database backups) or pass --key-file. Nothing was changed.",
                file.display()
            ))
            .into());
        }
        Err(e) => return Err(anyhow::Error::new(e).context("opening the database")),
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut f = options.open(file).with_context(|| format!("creating the key file {}", file.display()))?;
    std::io::Write::write_all(&mut f, format!("{}\n", key.to_hex()).as_bytes())
        .with_context(|| format!("writing the key file {}", file.display()))?;
    tracing::warn!(
        "Made a new key at {}: it seals notes in the database. Back it up apart from the database.",
        file.display()
    );
    Ok(key)
}

/// A database URL without its password, for printing.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s && url[s + 3..at].contains(':') => {
            let user = url[s + 3..at].split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_never_printed() {
        assert_eq!(redact("postgres://taper:s3cret@db:5432/taper"), "postgres://taper:***@db:5432/taper");
        assert_eq!(redact("postgres://postgres@127.0.0.1/t"), "postgres://postgres@127.0.0.1/t");
    }
}
