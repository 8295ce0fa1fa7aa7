//! Automatic backups of the SQLite database while `taper serve` runs (issue 21): one a day by
//! default, the newest 14 kept, each named with the app and schema version and readable by the
//! server's user only, restorable with `taper restore`. PostgreSQL is backed up with pg_dump.
//!
//! When a backup is due and which to delete are worked out from the file names alone (pure
//! functions, tested with any clock); taking one is `Store::backup_to`.

use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};
use taper_store::Store;

/// Where backups go, how many are kept and how often one is taken.
#[derive(Debug, Clone)]
pub struct BackupConfig {
    pub dir: PathBuf,
    pub keep: usize,
    pub every: SignedDuration,
}

/// How often the server looks whether a backup is due.
pub const LOOK_EVERY: std::time::Duration = std::time::Duration::from_secs(60 * 60);
/// The backups kept unless the operator says otherwise.
pub const DEFAULT_KEEP: usize = 14;
/// One backup a day.
pub const DEFAULT_EVERY: SignedDuration = SignedDuration::from_hours(24);

const PREFIX: &str = "taper-";
const SUFFIX: &str = ".db";
const STAMP: &str = "%Y%m%dT%H%M%SZ";

/// A backup's file name: `taper-<app version>-schema<N>-<UTC time>.db`.
pub fn file_name(now: Timestamp, schema: i64) -> String {
    let stamp = now.strftime(STAMP);
    format!("{PREFIX}{}-schema{schema}-{stamp}{SUFFIX}", env!("CARGO_PKG_VERSION"))
}

/// When the backup named `name` was taken, if the name is one of ours.
pub fn taken_at(name: &str) -> Option<Timestamp> {
    let rest = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let stamp = rest.rsplit('-').next()?;
    let dt = jiff::civil::DateTime::strptime(STAMP.trim_end_matches('Z'), stamp.trim_end_matches('Z')).ok()?;
    jiff::tz::TimeZone::UTC.to_timestamp(dt).ok()
}

/// Whether a backup is due at `now`, the newest being taken at `newest`.
pub fn due(newest: Option<Timestamp>, now: Timestamp, every: SignedDuration) -> bool {
    newest.is_none_or(|t| now.duration_since(t) >= every)
}

/// Of `names` (ours and others'), the backups beyond the newest `keep`, to delete; files not
/// named as ours are never touched.
pub fn beyond_keep(names: &[String], keep: usize) -> Vec<String> {
    let mut ours: Vec<(Timestamp, &String)> = names.iter().filter_map(|n| taken_at(n).map(|t| (t, n))).collect();
    ours.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(a.1)));
    ours.into_iter().skip(keep).map(|(_, n)| n.clone()).collect()
}

/// The file names in `dir` (none when it does not exist yet).
fn names_in(dir: &Path) -> std::io::Result<Vec<String>> {
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            Ok(entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// The lease that makes one instance take the backup when several share a database.
const LEASE: &str = "backup";

/// Takes a backup into `config.dir` when one is due at `now` and deletes those beyond the
/// number kept; the new file, if one was taken. Of several instances sharing the database, the
/// one (`holder`) that claims the day's lease takes it; a failed backup gives the lease back
/// so the next look, by any instance, tries again.
pub async fn take_if_due(
    store: &Store,
    config: &BackupConfig,
    now: Timestamp,
    holder: &str,
) -> Result<Option<PathBuf>, String> {
    let names = names_in(&config.dir).map_err(|e| format!("reading {}: {e}", config.dir.display()))?;
    let newest = names.iter().filter_map(|n| taken_at(n)).max();
    if !due(newest, now, config.every) {
        return Ok(None);
    }
    let until = now.checked_add(config.every).map_err(|e| format!("the next backup's time: {e}"))?;
    match store.claim_lease(LEASE, holder, now, until).await {
        Ok(true) => {}
        Ok(false) => return Ok(None),
        Err(e) => return Err(format!("claiming the backup: {e}")),
    }
    let taken = take(store, config, now).await;
    if taken.is_err() {
        let _ = store.release_lease(LEASE, holder).await;
    }
    taken.map(Some)
}

async fn take(store: &Store, config: &BackupConfig, now: Timestamp) -> Result<PathBuf, String> {
    create_private_dir(&config.dir)?;
    let path = config.dir.join(file_name(now, taper_store::schema_version()));
    store.backup_to(&path).await.map_err(|e| format!("backing up to {}: {e}", path.display()))?;
    let names = names_in(&config.dir).map_err(|e| format!("reading {}: {e}", config.dir.display()))?;
    for old in beyond_keep(&names, config.keep) {
        std::fs::remove_file(config.dir.join(&old)).map_err(|e| format!("deleting the old backup {old}: {e}"))?;
    }
    Ok(path)
}

/// The backup folder, readable by this user only when it is made here.
fn create_private_dir(dir: &Path) -> Result<(), String> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        b.mode(0o700);
    }
    b.create(dir).map_err(|e| format!("making {}: {e}", dir.display()))
}

/// Looks every hour until the process ends; a failure is logged, counted in `/metrics` and
/// tried again next hour.
pub async fn run(store: Store, config: BackupConfig, metrics: std::sync::Arc<crate::metrics::Metrics>) {
    let holder = uuid::Uuid::now_v7().to_string();
    loop {
        let now = Timestamp::now();
        match take_if_due(&store, &config, now, &holder).await {
            Ok(Some(path)) => {
                metrics.backup_taken(now);
                tracing::info!(file = %path.display(), "backup taken");
            }
            Ok(None) => {}
            Err(e) => {
                metrics.backup_failed();
                tracing::warn!(error = %e, "the automatic backup failed; trying again in an hour");
            }
        }
        tokio::time::sleep(LOOK_EVERY).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_backup_is_named_with_the_app_and_schema_and_read_back_from_its_name() {
        let t = at("2026-12-06T03:04:05Z");
        let name = file_name(t, 22);
        assert_eq!(name, format!("taper-{}-schema22-20261206T030405Z.db", env!("CARGO_PKG_VERSION")));
        assert_eq!(taken_at(&name), Some(t));
        assert_eq!(taken_at("taper.db"), None);
        assert_eq!(taken_at("notes.txt"), None);
    }

    #[test]
    fn one_is_due_a_day_after_the_newest() {
        let t = at("2026-12-06T03:00:00Z");
        assert!(due(None, t, DEFAULT_EVERY), "the first, at once");
        assert!(!due(Some(t), t + SignedDuration::from_hours(23), DEFAULT_EVERY));
        assert!(due(Some(t), t + SignedDuration::from_hours(24), DEFAULT_EVERY));
    }

    #[test]
    fn only_our_backups_beyond_the_newest_kept_are_deleted() {
        let start = at("2026-12-01T00:00:00Z");
        let mut names: Vec<String> =
            (0..20).map(|d| file_name(start + SignedDuration::from_hours(24 * d), 22)).collect();
        names.push("my-own-copy.db".into());
        names.push("taper.db".into());
        let gone = beyond_keep(&names, DEFAULT_KEEP);
        assert_eq!(gone.len(), 6);
        // The six oldest, and never a file that is not ours.
        for d in 0..6 {
            assert!(gone.contains(&file_name(start + SignedDuration::from_hours(24 * d), 22)));
        }
        assert!(!gone.iter().any(|n| n == "my-own-copy.db" || n == "taper.db"));
    }
}
