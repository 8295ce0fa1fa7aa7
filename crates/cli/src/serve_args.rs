//! `taper serve`: start the web app on an embedded SQLite file (default) or PostgreSQL.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use crate::UsageError;

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
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TAPER_LOG").unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let shown = if database_url.starts_with("sqlite:") { database_url.clone() } else { redact(&database_url) };
    let config = taper_server::Config {
        bind: SocketAddr::new(args.bind, args.port),
        database_url,
        secure_cookies: args.secure_cookies,
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(taper_server::serve(config, |addr| {
        eprintln!("Taper is running at http://{addr}/ (database: {shown}). Press Ctrl-C to stop.");
    }))?;
    Ok(String::new())
}

/// The SQLite file in the data directory (`--data-dir`, else the platform's), the directory
/// created if needed.
pub fn sqlite_file(data_dir: Option<&PathBuf>) -> anyhow::Result<PathBuf> {
    let dir = match data_dir {
        Some(d) => d.clone(),
        None => dirs::data_dir()
            .map(|d| d.join("taper"))
            .ok_or_else(|| UsageError("no data directory on this system; pass --data-dir".into()))?,
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating the data directory {}", dir.display()))?;
    Ok(dir.join("taper.db"))
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
