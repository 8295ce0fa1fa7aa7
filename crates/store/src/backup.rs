//! Backups and restores of a SQLite database, and reading its contents for comparison.

use jiff::Timestamp;
use sqlx::Connection as _;

use crate::{Backend, PG_BACKUP, Result, Store, StoreError, trusted};
use sqlx::any::install_default_drivers;

/// Whether `file` starts as every SQLite database file does.
fn is_sqlite_file(file: &std::path::Path) -> bool {
    use std::io::Read as _;
    let mut head = [0u8; 16];
    std::fs::File::open(file).and_then(|mut f| f.read_exact(&mut head)).is_ok() && &head == b"SQLite format 3\0"
}

impl Store {
    /// An online, consistent copy of the whole SQLite database in a new file (`VACUUM INTO`:
    /// one snapshot, taken while the server keeps running, compacted). PostgreSQL backups are
    /// pg_dump's job: Config error with how.
    pub async fn backup_to(&self, target: &std::path::Path) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Config(PG_BACKUP.into()));
        }
        // Made empty and private first (an error if it exists): VACUUM INTO writes into it and
        // keeps its permissions, so the copy is never readable by others, not even for a moment.
        crate::files::create_private(target)?;
        if let Err(e) = sqlx::query("VACUUM INTO $1").bind(target.display().to_string()).execute(&self.pool).await {
            let _ = std::fs::remove_file(target);
            return Err(e.into());
        }
        Ok(())
    }

    /// Puts a backup made by [`Store::backup_to`] in place of the SQLite file `target`, with
    /// the server stopped. The backup is checked first (migrated to this version on a copy,
    /// `integrity_check` ok); the file it replaces is kept beside it as
    /// `taper.db.before-restore-<seconds>`. Returns that path, if there was a file.
    pub async fn restore_sqlite(
        backup: &std::path::Path,
        target: &std::path::Path,
        key: &crate::seal::Key,
        now: Timestamp,
    ) -> Result<Option<std::path::PathBuf>> {
        let io = |what: &str, e: std::io::Error| StoreError::Config(format!("{what}: {e}"));
        if !backup.is_file() {
            return Err(StoreError::Config(format!("no backup file at {}", backup.display())));
        }
        if !is_sqlite_file(backup) {
            return Err(StoreError::Config(format!(
                "{} is not a Taper backup (it is not an SQLite database file)",
                backup.display()
            )));
        }
        // Refuse while anything else has the database open: leaving WAL mode needs it alone.
        if target.exists() {
            install_default_drivers();
            let mut conn = sqlx::AnyConnection::connect(&format!("sqlite:{}", target.display())).await?;
            sqlx::query("PRAGMA busy_timeout = 0").execute(&mut conn).await?;
            let mode: std::result::Result<(String,), _> =
                sqlx::query_as("PRAGMA journal_mode = DELETE").fetch_one(&mut conn).await;
            let alone = matches!(&mode, Ok((m,)) if m.eq_ignore_ascii_case("delete"));
            if alone {
                sqlx::query("PRAGMA journal_mode = WAL").execute(&mut conn).await?;
            }
            conn.close().await?;
            if !alone {
                return Err(StoreError::Config(format!(
                    "{} is in use: stop taper serve before restoring",
                    target.display()
                )));
            }
        }
        let staged = target.with_extension("db.restoring");
        let _ = std::fs::remove_file(&staged);
        std::fs::copy(backup, &staged).map_err(|e| io("copying the backup", e))?;
        if let Err(e) = Store::check_staged(&staged, key).await {
            let _ = std::fs::remove_file(&staged);
            for ext in ["db.restoring-wal", "db.restoring-shm"] {
                let _ = std::fs::remove_file(target.with_extension(ext));
            }
            return Err(e);
        }
        let kept = if target.exists() {
            // Never over an earlier one (two restores in one second lost the first database).
            let mut aside = target.with_extension(format!("db.before-restore-{}", now.as_second()));
            let mut n = 1;
            while aside.exists() {
                n += 1;
                aside = target.with_extension(format!("db.before-restore-{}-{n}", now.as_second()));
            }
            std::fs::rename(target, &aside).map_err(|e| io("keeping the current database", e))?;
            Some(aside)
        } else {
            None
        };
        for ext in ["db-wal", "db-shm", "db.restoring-wal", "db.restoring-shm"] {
            let _ = std::fs::remove_file(target.with_extension(ext));
        }
        std::fs::rename(&staged, target).map_err(|e| io("putting the backup in place", e))?;
        Ok(kept)
    }

    /// A staged copy is migrated to this version, passes `integrity_check`, and opens with the
    /// server's key (a backup sealed with another key would leave a server that cannot start:
    /// security probe N7).
    async fn check_staged(staged: &std::path::Path, key: &crate::seal::Key) -> Result<()> {
        // One plain connection, read-only, first: a file cut short fails here at once, where the
        // pool behind `Store::connect` kept retrying until its timeout (an operator walk).
        install_default_drivers();
        let damaged = |e: &dyn std::fmt::Display| {
            StoreError::Corrupt(format!("the backup is damaged or cut short, so it cannot be restored ({e})"))
        };
        let mut conn = sqlx::AnyConnection::connect(&format!("sqlite:{}?mode=ro", staged.display()))
            .await
            .map_err(|e| damaged(&e))?;
        let quick: std::result::Result<(String,), _> = sqlx::query_as("PRAGMA quick_check").fetch_one(&mut conn).await;
        let _ = conn.close().await;
        match quick {
            Ok((v,)) if v == "ok" => {}
            Ok((v,)) => return Err(damaged(&v)),
            Err(e) => return Err(damaged(&e)),
        }
        let check = Store::connect(&format!("sqlite:{}", staged.display())).await?;
        let (verdict,): (String,) = sqlx::query_as("PRAGMA integrity_check").fetch_one(&check.pool).await?;
        check.close().await;
        if verdict != "ok" {
            return Err(StoreError::Corrupt(format!("the backup fails its integrity check: {verdict}")));
        }
        let sealed =
            Store::connect_sealed(&format!("sqlite:{}", staged.display()), key).await.map_err(|e| match e {
                StoreError::Config(m) if m.contains("does not match") => StoreError::Config(
                    "the backup was sealed with another key than this server's: restore with the --key-file of the \
                 server that made it, or keep the current database (nothing was changed)"
                        .into(),
                ),
                other => other,
            })?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&sealed.pool).await?;
        sealed.close().await;
        Ok(())
    }

    /// Every table's name, row count and contents as text, in a fixed order (SQLite): for
    /// comparing a database with its backup.
    pub async fn sqlite_contents(&self) -> Result<Vec<(String, i64, String)>> {
        let tables: Vec<(String,)> = sqlx::query_as(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for (t,) in tables {
            if !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(StoreError::Corrupt(format!("table name {t}")));
            }
            let cols: Vec<(String,)> =
                sqlx::query_as(trusted(format!("SELECT name FROM pragma_table_info('{t}') ORDER BY cid")))
                    .fetch_all(&self.pool)
                    .await?;
            let row = cols.iter().map(|(c,)| format!("quote(\"{c}\")")).collect::<Vec<_>>().join(" || ',' || ");
            let (count, text): (i64, Option<String>) = sqlx::query_as(trusted(format!(
                "SELECT count(*), group_concat(r, char(10)) FROM (SELECT {row} AS r FROM \"{t}\" ORDER BY 1)"
            )))
            .fetch_one(&self.pool)
            .await?;
            out.push((t, count, text.unwrap_or_default()));
        }
        Ok(out)
    }
}
