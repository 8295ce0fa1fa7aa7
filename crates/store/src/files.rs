//! The SQLite files are readable by their owner only (issue 19, N6): they hold e-mail
//! addresses, scores and every answer to PHQ-9's item 9. SQLite makes its WAL and shared-memory
//! files with the permissions of the database file, so making the database file 0600 (before
//! SQLite creates it, or at each start) covers all three; a backup is made into a file created
//! 0600 first.

use std::path::{Path, PathBuf};

use crate::{Result, StoreError};

/// The file a `sqlite:` URL names, if it names one (not an in-memory database).
pub(crate) fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.contains(":memory:")).then(|| PathBuf::from(path))
}

/// Creates `path` empty and readable by this user only; an error when it exists.
pub(crate) fn create_private(path: &Path) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path).map(drop).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            StoreError::Config(format!("{} already exists; choose a new file", path.display()))
        } else {
            StoreError::Config(format!("creating {}: {e}", path.display()))
        }
    })
}

/// Makes the database file at `path` and its WAL and shared-memory files readable by this user
/// only, creating the database file (empty: SQLite makes it a database) when it is missing.
pub(crate) fn private_database(path: &Path) -> Result<()> {
    if !path.exists() {
        return match create_private(path) {
            // Another process made it in the meantime: fall through and tighten it.
            Err(StoreError::Config(_)) if path.exists() => tighten_all(path),
            other => other,
        };
    }
    tighten_all(path)
}

fn tighten_all(path: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        tighten(Path::new(&name))?;
    }
    Ok(())
}

/// Takes away group and other access from an existing file of ours; a file that is missing or
/// not ours to change is left as it is.
fn tighten(file: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let Ok(meta) = std::fs::metadata(file) else { return Ok(()) };
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            match std::fs::set_permissions(file, std::fs::Permissions::from_mode(mode & 0o700)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {}
                Err(e) => return Err(StoreError::Config(format!("making {} private: {e}", file.display()))),
            }
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_file() {
        assert_eq!(
            sqlite_path("sqlite:/var/lib/taper/taper.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/taper/taper.db"))
        );
        assert_eq!(sqlite_path("sqlite:///tmp/x.db"), Some(PathBuf::from("/tmp/x.db")));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://x/y"), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_database_file_and_its_companions_become_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = std::env::temp_dir().join(format!("taper-files-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("taper.db");
        private_database(&db).unwrap();
        assert_eq!(std::fs::metadata(&db).unwrap().permissions().mode() & 0o777, 0o600, "made private");
        let wal = dir.join("taper.db-wal");
        std::fs::write(&wal, b"").unwrap();
        for f in [&db, &wal] {
            std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        private_database(&db).unwrap();
        for f in [&db, &wal] {
            assert_eq!(std::fs::metadata(f).unwrap().permissions().mode() & 0o777, 0o600, "{}", f.display());
        }
        assert!(create_private(&db).unwrap_err().to_string().contains("already exists"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// Held by the one `taper serve` of an SQLite database while it runs (a lock on a file beside
/// it, released by the system when the process ends however it ends): that server keeps
/// sessions in memory, which only stays exact while no other server changes them.
#[derive(Debug)]
pub struct ServeLock {
    _file: std::fs::File,
}

impl ServeLock {
    /// Takes the lock for the SQLite database at `url`; None for PostgreSQL (several instances
    /// may share it) or an in-memory database. Refused while another server holds it.
    pub fn take(url: &str) -> Result<Option<ServeLock>> {
        let Some(db) = sqlite_path(url) else { return Ok(None) };
        let mut name = db.clone().into_os_string();
        name.push(".serve-lock");
        let path = PathBuf::from(name);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| StoreError::Config(format!("cannot open the lock file {}: {e}", path.display())))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(ServeLock { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Config(format!(
                "another taper serve is already using {}: an SQLite database is served by one server at a time \
                 (stop the other one; for several servers on one database, use PostgreSQL)",
                db.display()
            ))),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(StoreError::Config(format!("cannot lock {}: {e}", path.display())))
            }
        }
    }
}
