//! Taper's persistence. **Only this crate knows SQL.** One schema on two backends: an embedded
//! SQLite file (the default) or PostgreSQL, chosen by the URL's scheme; one folder of migrations
//! in the SQL both share, embedded and run at start.
//!
//! Every query that reads or changes a person's records names the owner in its `WHERE` clause,
//! so a caller cannot reach another person's rows by guessing an id.
//!
//! Types here are storage rows: ids are UUIDs, timestamps UTC `jiff::Timestamp`s (stored as
//! microseconds), civil dates `jiff::civil::Date`s in the person's own time zone (stored as ISO
//! text). JSON columns hold documents the server defines and the store does not interpret.

mod error;
mod ids;
mod rows;
pub mod scratch;
pub mod seal;
mod sharing;

use std::str::FromStr as _;

use jiff::Timestamp;
use jiff::civil::Date;
use sqlx::Connection as _;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor as _};
use uuid::Uuid;

pub use error::StoreError;
pub use ids::{MedEventId, PlanId, ProposalId, RevisionId, ShareId, UserId};
pub use rows::*;

pub type Result<T> = std::result::Result<T, StoreError>;

/// One schema for both backends: every migration is written in the SQL they share (a table
/// gaining a CHECK is rebuilt, which both accept), so there is one folder, not two copies.
static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Encrypts free text on its way in and out (`seal`); None: stored as written.
    sealer: Option<std::sync::Arc<seal::Sealer>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend).field("sealed", &self.sealer.is_some()).finish()
    }
}

/// The free-text columns that are sealed, with each table's key column.
const SEALED: [(&str, &str, &str); 6] = [
    ("checkins", "id", "note"),
    ("assessments", "id", "note"),
    ("flag_notes", "id", "note"),
    ("safety_plans", "user_id", "data"),
    ("med_background", "user_id", "data"),
    ("invites", "code_hash", "label"),
];
/// What the key check row holds, sealed.
const KEY_CHECK: &str = "taper key check";

fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

fn ts(us: i64) -> Result<Timestamp> {
    Timestamp::from_microsecond(us).map_err(|e| StoreError::Corrupt(format!("timestamp {us}: {e}")))
}

fn date(s: &str) -> Result<Date> {
    Date::from_str(s).map_err(|e| StoreError::Corrupt(format!("date '{s}': {e}")))
}

/// SQL assembled only from this crate's constant column lists and table names, never from input.
pub(crate) fn trusted(sql: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(sql)
}

/// What to do instead of `taper backup` on PostgreSQL.
pub const PG_BACKUP: &str = "on PostgreSQL, back up with pg_dump (pg_dump --format=custom --file=taper.dump URL) \
    and restore with pg_restore (pg_restore --clean --if-exists --dbname=URL taper.dump)";

/// How a deleted supporter is named in the records of the people they supported.
pub const FORMER: &str = "a former supporter";
const FORMER_CAPITAL: &str = "A former supporter";

/// A stored id read back as its type (`UserId`, `PlanId`, … or a bare `Uuid`).
fn uuid<T: From<Uuid>>(s: &str) -> Result<T> {
    Uuid::parse_str(s).map(T::from).map_err(|e| StoreError::Corrupt(format!("id '{s}': {e}")))
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `url`: `sqlite:PATH` or
    /// `postgres://…`. Any other scheme is refused.
    pub async fn connect(url: &str) -> Result<Store> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::Config(format!(
                "database URL must start with sqlite: or postgres:// (got '{}')",
                url.split(':').next().unwrap_or_default()
            )));
        };
        let mut opts = AnyPoolOptions::new().max_connections(if backend == Backend::Sqlite { 4 } else { 8 });
        if backend == Backend::Sqlite {
            // Every write that returns success is on disk: WAL with a full sync at each commit.
            opts = opts.after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 5000").await?;
                    // Deleted content is overwritten with zeros, so "deleted" means unreadable.
                    conn.execute("PRAGMA secure_delete = ON").await?;
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = FULL").await?;
                    Ok(())
                })
            });
        }
        let url = if backend == Backend::Sqlite && !url.contains('?') { format!("{url}?mode=rwc") } else { url.into() };
        let pool = opts.connect(&url).await?;
        MIGRATIONS.run(&pool).await?;
        Ok(Store { pool, backend, sealer: None })
    }

    /// A transaction that may write. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a deferred transaction that reads and then writes cannot wait for the lock
    /// and fails with "database is locked" under concurrency (security probe M3); an immediate
    /// one waits its turn under `busy_timeout`. PostgreSQL's default is already right.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Opens the database like [`Store::connect`], sealing free text with `key`. The first start
    /// with a key seals what was written before; every later start checks that the key is the
    /// one the database was sealed with, and refuses a different one (nothing would be readable).
    pub async fn connect_sealed(url: &str, key: &seal::Key) -> Result<Store> {
        let mut store = Store::connect(url).await?;
        let sealer = std::sync::Arc::new(seal::Sealer::new(key));
        let check: Option<(String,)> =
            sqlx::query_as("SELECT value FROM seal_check WHERE id = 1").fetch_optional(&store.pool).await?;
        match check {
            Some((v,)) if sealer.open(&v).ok().as_deref() == Some(KEY_CHECK) => {}
            Some(_) => {
                return Err(StoreError::Config(
                    "the key file does not match this database: start Taper with the key it was made with".into(),
                ));
            }
            None => {
                // Seal what was written before there was a key, then mark the database as sealed.
                let mut tx = store.begin_write().await?;
                for (table, id, col) in SEALED {
                    let rows: Vec<(String, String)> =
                        sqlx::query_as(trusted(format!("SELECT {id}, {col} FROM {table} WHERE {col} <> ''")))
                            .fetch_all(&mut *tx)
                            .await?;
                    for (k, v) in rows.into_iter().filter(|(_, v)| !seal::is_sealed(v)) {
                        sqlx::query(trusted(format!("UPDATE {table} SET {col} = $1 WHERE {id} = $2")))
                            .bind(sealer.seal(&v)?)
                            .bind(k)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                sqlx::query("INSERT INTO seal_check (id, value) VALUES (1, $1)")
                    .bind(sealer.seal(KEY_CHECK)?)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                if store.backend == Backend::Sqlite {
                    // The plain text's old pages leave the main file and the WAL now, not later.
                    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&store.pool).await?;
                }
            }
        }
        store.sealer = Some(sealer);
        Ok(store)
    }

    fn seal(&self, plain: &str) -> Result<String> {
        seal::seal(self.sealer.as_deref(), plain)
    }

    fn open(&self, stored: String) -> Result<String> {
        seal::open(self.sealer.as_deref(), stored)
    }

    fn open_checkin(&self, mut c: CheckInRecord) -> Result<CheckInRecord> {
        c.note = self.open(std::mem::take(&mut c.note))?;
        Ok(c)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A value of a SQLite pragma, for tests of durability settings.
    pub async fn sqlite_pragma(&self, name: &str) -> Result<String> {
        if !name.chars().all(|c| c.is_ascii_alphabetic() || c == '_') {
            return Err(StoreError::Config(format!("not a pragma name: {name}")));
        }
        let row: (String,) = sqlx::query_as(trusted(format!("SELECT CAST({name} AS TEXT) FROM pragma_{name}")))
            .fetch_one(&self.pool)
            .await?;
        Ok(row.0)
    }

    // ── accounts ────────────────────────────────────────────────────────────────────────────

    pub async fn create_user(&self, new: &NewUser<'_>, now: Timestamp) -> Result<User> {
        let id = UserId::new();
        sqlx::query(
            "INSERT INTO users (id, email, display_name, password_hash, time_zone, role, country, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.to_string())
        .bind(new.email)
        .bind(new.display_name)
        .bind(new.password_hash)
        .bind(new.time_zone)
        .bind(new.role.key())
        .bind(new.country)
        .bind(micros(now))
        .execute(&self.pool)
        .await
        .map_err(|e| StoreError::conflict_on(e, "email"))?;
        self.user(id).await
    }

    pub async fn user(&self, id: UserId) -> Result<User> {
        let row: UserRow = sqlx::query_as(trusted(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        row.try_into()
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        let row: Option<UserRow> =
            sqlx::query_as(trusted(format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1")))
                .bind(email)
                .fetch_optional(&self.pool)
                .await?;
        row.map(User::try_from).transpose()
    }

    pub async fn set_time_zone(&self, user: UserId, time_zone: &str) -> Result<()> {
        sqlx::query("UPDATE users SET time_zone = $1 WHERE id = $2")
            .bind(time_zone)
            .bind(user.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// None: guess from the time zone again.
    pub async fn set_country(&self, user: UserId, country: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE users SET country = $1 WHERE id = $2")
            .bind(country)
            .bind(user.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Switches the daily question about thoughts of self-harm on or off.
    pub async fn set_daily_safety(&self, user: UserId, on: bool) -> Result<()> {
        sqlx::query("UPDATE users SET daily_safety = $1 WHERE id = $2")
            .bind(i64::from(on))
            .bind(user.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes the account and, through the schema's cascades, every record that belongs to it.
    /// Sessions are deleted by the caller, which knows them.
    pub async fn delete_user(&self, user: UserId) -> Result<()> {
        let mut tx = self.begin_write().await?;
        // A supporter who leaves is no longer named in the records of the people they supported:
        // what they did stays (it is part of those records), who did it becomes "a former supporter".
        let name: Option<(String,)> = sqlx::query_as("SELECT display_name FROM users WHERE id = $1")
            .bind(user.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if let Some((name,)) = name {
            for sql in [
                "UPDATE flag_notes SET by_name = $2 WHERE by_id = $1",
                "UPDATE audit SET actor_name = $2 WHERE actor_id = $1",
                "UPDATE proposals SET proposer_name = $2 WHERE proposed_by = $1",
            ] {
                sqlx::query(sql).bind(user.to_string()).bind(FORMER).execute(&mut *tx).await?;
            }
            // Their suggestions' titles and details name them too, in the server's two phrasings
            // ("{name} suggests …", "Suggested by {name} (…"); only those phrases are replaced, so
            // the JSON around them is never touched.
            sqlx::query(
                "UPDATE proposals SET title = REPLACE(title, $2, $3), details = REPLACE(details, $4, $5) \
                 WHERE proposed_by = $1",
            )
            .bind(user.to_string())
            .bind(format!("{name} suggests"))
            .bind(format!("{FORMER_CAPITAL} suggests"))
            .bind(format!("Suggested by {name} ("))
            .bind(format!("Suggested by {FORMER} ("))
            .execute(&mut *tx)
            .await?;
        }
        // Explicit deletes as well as cascades: SQLite only cascades with foreign_keys on.
        for table in ["proposals", "doses", "plan_revisions"] {
            let sql = match table {
                "doses" => "DELETE FROM doses WHERE user_id = $1".to_string(),
                t => format!("DELETE FROM {t} WHERE plan_id IN (SELECT id FROM plans WHERE user_id = $1)"),
            };
            sqlx::query(trusted(sql)).bind(user.to_string()).execute(&mut *tx).await?;
        }
        for sql in [
            "DELETE FROM checkins WHERE user_id = $1",
            "DELETE FROM plans WHERE user_id = $1",
            "DELETE FROM questionnaires WHERE user_id = $1",
            "DELETE FROM assessments WHERE user_id = $1",
            "DELETE FROM med_events WHERE user_id = $1",
            "DELETE FROM med_background WHERE user_id = $1",
            "DELETE FROM audit WHERE owner_id = $1",
            "DELETE FROM flag_notes WHERE owner_id = $1",
            "DELETE FROM safety_signals WHERE user_id = $1",
            "DELETE FROM daily_safety_answers WHERE user_id = $1",
            "DELETE FROM safety_plans WHERE user_id = $1",
            "DELETE FROM invites WHERE owner_id = $1",
            "DELETE FROM shares WHERE owner_id = $1 OR grantee_id = $1",
        ] {
            sqlx::query(sql).bind(user.to_string()).execute(&mut *tx).await?;
        }
        let done = sqlx::query("DELETE FROM users WHERE id = $1").bind(user.to_string()).execute(&mut *tx).await?;
        tx.commit().await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        if self.backend == Backend::Sqlite {
            // secure_delete has zeroed the freed cells in the pages the transaction wrote; the
            // checkpoint copies them into the main file and empties the WAL, whose older frames
            // still held the deleted text.
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await?;
        }
        Ok(())
    }

    // ── backups (SQLite) ────────────────────────────────────────────────────────────────────

    /// An online, consistent copy of the whole SQLite database in a new file (`VACUUM INTO`:
    /// one snapshot, taken while the server keeps running, compacted). PostgreSQL backups are
    /// pg_dump's job: Config error with how.
    pub async fn backup_to(&self, target: &std::path::Path) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Config(PG_BACKUP.into()));
        }
        if target.exists() {
            return Err(StoreError::Config(format!("{} already exists; choose a new file", target.display())));
        }
        sqlx::query("VACUUM INTO $1").bind(target.display().to_string()).execute(&self.pool).await?;
        Ok(())
    }

    /// Puts a backup made by [`Store::backup_to`] in place of the SQLite file `target`, with
    /// the server stopped. The backup is checked first (migrated to this version on a copy,
    /// `integrity_check` ok); the file it replaces is kept beside it as
    /// `taper.db.before-restore-<seconds>`. Returns that path, if there was a file.
    pub async fn restore_sqlite(
        backup: &std::path::Path,
        target: &std::path::Path,
        now: Timestamp,
    ) -> Result<Option<std::path::PathBuf>> {
        let io = |what: &str, e: std::io::Error| StoreError::Config(format!("{what}: {e}"));
        if !backup.is_file() {
            return Err(StoreError::Config(format!("no backup file at {}", backup.display())));
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
        let check = Store::connect(&format!("sqlite:{}", staged.display())).await?;
        let (verdict,): (String,) = sqlx::query_as("PRAGMA integrity_check").fetch_one(&check.pool).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&check.pool).await?;
        check.close().await;
        if verdict != "ok" {
            let _ = std::fs::remove_file(&staged);
            return Err(StoreError::Corrupt(format!("the backup fails its integrity check: {verdict}")));
        }
        let kept = if target.exists() {
            let aside = target.with_extension(format!("db.before-restore-{}", now.as_second()));
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

    // ── throttling (shared by every instance on this database) ──────────────────────────────

    /// Counts one attempt under `key`, in one statement so concurrent attempts cannot slip past
    /// each other. Ok(None): the attempt is allowed. Ok(Some(t)): refused, try again at `t`
    /// (the attempt is not counted). The first `free` attempts in a `window` wait for nothing;
    /// each one after that makes the next wait twice as long as the last (1 s, 2 s, 4 s …, at
    /// most `max_delay`).
    pub async fn throttle_attempt(
        &self,
        key: &str,
        now: Timestamp,
        free: i64,
        window: jiff::SignedDuration,
        max_delay: jiff::SignedDuration,
    ) -> Result<Option<Timestamp>> {
        let (least, greatest) = match self.backend {
            Backend::Sqlite => ("MIN", "MAX"),
            Backend::Postgres => ("LEAST", "GREATEST"),
        };
        // The wait this attempt leaves for the next one, from the row as it was.
        let delay = format!(
            "(CASE WHEN throttle.window_start < $3 OR throttle.attempts + 1 <= $4 THEN 0 \
             ELSE {least}({greatest}(throttle.delay_ms * 2, 1000), $5) END)"
        );
        let sql = format!(
            "INSERT INTO throttle (key, attempts, window_start, delay_ms, next_allowed) VALUES ($1, 1, $2, 0, $2) \
             ON CONFLICT (key) DO UPDATE SET \
               attempts = CASE WHEN throttle.window_start < $3 THEN 1 ELSE throttle.attempts + 1 END, \
               window_start = CASE WHEN throttle.window_start < $3 THEN $2 ELSE throttle.window_start END, \
               delay_ms = {delay}, \
               next_allowed = $2 + {delay} * 1000 \
             WHERE throttle.next_allowed <= $2 \
             RETURNING attempts"
        );
        let now_us = micros(now);
        let counted: Option<(i64,)> = sqlx::query_as(trusted(sql))
            .bind(key)
            .bind(now_us)
            .bind(now_us - window.as_micros().min(i128::from(i64::MAX)) as i64)
            .bind(free)
            .bind(max_delay.as_millis().min(i128::from(i64::MAX)) as i64)
            .fetch_optional(&self.pool)
            .await?;
        if counted.is_some() {
            return Ok(None);
        }
        let row: Option<(i64,)> = sqlx::query_as("SELECT next_allowed FROM throttle WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(Some(row.map_or(Ok(now), |r| ts(r.0))?))
    }

    /// Forgets a key's attempts (after a successful sign-in, for the account).
    pub async fn throttle_clear(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM throttle WHERE key = $1").bind(key).execute(&self.pool).await?;
        Ok(())
    }

    /// Deletes keys whose window began before `before` and that hold nobody back, so the table
    /// stays as small as the last day's attempts.
    pub async fn throttle_sweep(&self, before: Timestamp, now: Timestamp) -> Result<u64> {
        let r = sqlx::query("DELETE FROM throttle WHERE window_start < $1 AND next_allowed <= $2")
            .bind(micros(before))
            .bind(micros(now))
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected())
    }

    // ── sessions (the server's SessionStore keeps its records here) ─────────────────────────

    pub async fn session_save(&self, id: &str, data: &str, expires_at: Timestamp) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
        )
        .bind(id)
        .bind(data)
        .bind(micros(expires_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Inserts a new session; false when the id is already taken.
    pub async fn session_create(&self, id: &str, data: &str, expires_at: Timestamp) -> Result<bool> {
        let r =
            sqlx::query("INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
                .bind(id)
                .bind(data)
                .bind(micros(expires_at))
                .execute(&self.pool)
                .await?;
        Ok(r.rows_affected() == 1)
    }

    /// The session's data if it has not expired at `now`.
    pub async fn session_load(&self, id: &str, now: Timestamp) -> Result<Option<(String, Timestamp)>> {
        let row: Option<(String, i64)> =
            sqlx::query_as("SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2")
                .bind(id)
                .bind(micros(now))
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(d, e)| Ok((d, ts(e)?))).transpose()
    }

    pub async fn session_delete(&self, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(&self.pool).await?;
        Ok(())
    }

    /// Removes every session whose data mentions this user id (sign-out everywhere, deletion).
    pub async fn sessions_delete_for_user(&self, user: UserId) -> Result<u64> {
        self.sessions_delete_for_user_except(user, "").await
    }

    /// Removes the user's sessions except the one stored under `keep` (sign out everywhere else).
    pub async fn sessions_delete_for_user_except(&self, user: UserId, keep: &str) -> Result<u64> {
        let pattern = format!("%\"{user}\"%");
        let r = sqlx::query("DELETE FROM sessions WHERE data LIKE $1 AND id <> $2")
            .bind(pattern)
            .bind(keep)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected())
    }

    /// The user's unexpired sessions: stored id, data and expiry, soonest to expire last.
    pub async fn sessions_of_user(&self, user: UserId, now: Timestamp) -> Result<Vec<(String, String, Timestamp)>> {
        let pattern = format!("%\"{user}\"%");
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT id, data, expires_at FROM sessions WHERE data LIKE $1 AND expires_at > $2 ORDER BY expires_at DESC",
        )
        .bind(pattern)
        .bind(micros(now))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(|(i, d, e)| Ok((i, d, ts(e)?))).collect()
    }

    /// Replaces the user's password hash.
    pub async fn set_password_hash(&self, user: UserId, hash: &str) -> Result<()> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// How many sessions are stored (for tests of what creates one).
    pub async fn sessions_count(&self) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sessions").fetch_one(&self.pool).await?;
        Ok(n)
    }

    pub async fn sessions_delete_expired(&self, now: Timestamp) -> Result<u64> {
        let r =
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(micros(now)).execute(&self.pool).await?;
        Ok(r.rows_affected())
    }

    // ── plans and revisions ─────────────────────────────────────────────────────────────────

    /// Creates a plan with its first revision.
    pub async fn create_plan(
        &self,
        user: UserId,
        drug: &str,
        first: &NewRevision<'_>,
        now: Timestamp,
    ) -> Result<PlanId> {
        let id = PlanId::new();
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO plans (id, user_id, drug, created_at) VALUES ($1, $2, $3, $4)")
            .bind(id.to_string())
            .bind(user.to_string())
            .bind(drug)
            .bind(micros(now))
            .execute(&mut *tx)
            .await?;
        insert_revision(&mut tx, id, 1, first, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The person's plans, newest first.
    pub async fn plans(&self, user: UserId) -> Result<Vec<PlanRecord>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT id, drug, created_at FROM plans WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(|(id, drug, c)| Ok(PlanRecord { id: uuid(&id)?, drug, created_at: ts(c)? })).collect()
    }

    /// One of the person's plans with all its revisions, oldest first.
    pub async fn plan(&self, user: UserId, plan: PlanId) -> Result<PlanWithRevisions> {
        let (id, drug, created): (String, String, i64) =
            sqlx::query_as("SELECT id, drug, created_at FROM plans WHERE id = $1 AND user_id = $2")
                .bind(plan.to_string())
                .bind(user.to_string())
                .fetch_optional(&self.pool)
                .await?
                .ok_or(StoreError::NotFound)?;
        let rows: Vec<RevisionRow> = sqlx::query_as(trusted(format!(
            "SELECT {REVISION_COLUMNS} FROM plan_revisions WHERE plan_id = $1 ORDER BY number"
        )))
        .bind(&id)
        .fetch_all(&self.pool)
        .await?;
        Ok(PlanWithRevisions {
            plan: PlanRecord { id: uuid(&id)?, drug, created_at: ts(created)? },
            revisions: rows.into_iter().map(Revision::try_from).collect::<Result<_>>()?,
        })
    }

    /// Adds a revision to the person's plan. When it comes from a proposal, the proposal is
    /// marked accepted in the same transaction, and only if it was still pending.
    pub async fn add_revision(&self, user: UserId, plan: PlanId, rev: &NewRevision<'_>, now: Timestamp) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let owner: Option<(String,)> = sqlx::query_as("SELECT id FROM plans WHERE id = $1 AND user_id = $2")
            .bind(plan.to_string())
            .bind(user.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if owner.is_none() {
            return Err(StoreError::NotFound);
        }
        let (max,): (Option<i64>,) = sqlx::query_as("SELECT MAX(number) FROM plan_revisions WHERE plan_id = $1")
            .bind(plan.to_string())
            .fetch_one(&mut *tx)
            .await?;
        let number = max.unwrap_or(0) + 1;
        if let Some(p) = rev.proposal {
            let r = sqlx::query(
                "UPDATE proposals SET status = 'accepted', decided_at = $1 WHERE id = $2 AND plan_id = $3 AND status = 'pending'",
            )
            .bind(micros(now))
            .bind(p.to_string())
            .bind(plan.to_string())
            .execute(&mut *tx)
            .await?;
            if r.rows_affected() != 1 {
                return Err(StoreError::Conflict("proposal".into()));
            }
        }
        insert_revision(&mut tx, plan, number, rev, now).await?;
        tx.commit().await?;
        Ok(number)
    }

    // ── doses ───────────────────────────────────────────────────────────────────────────────

    /// Records the day's dose as taken or missed (one record per plan and day; a later record
    /// replaces an earlier one, e.g. "missed" corrected to "taken").
    pub async fn record_dose(&self, user: UserId, d: &NewDose, now: Timestamp) -> Result<()> {
        let owned: Option<(String,)> = sqlx::query_as("SELECT id FROM plans WHERE id = $1 AND user_id = $2")
            .bind(d.plan.to_string())
            .bind(user.to_string())
            .fetch_optional(&self.pool)
            .await?;
        if owned.is_none() {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "INSERT INTO doses (id, user_id, plan_id, date, status, dose_mg, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (plan_id, date) DO UPDATE SET status = excluded.status, dose_mg = excluded.dose_mg, \
             recorded_at = excluded.recorded_at",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(user.to_string())
        .bind(d.plan.to_string())
        .bind(d.date.to_string())
        .bind(d.status.as_str())
        .bind(d.dose_mg)
        .bind(micros(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The record for one plan and day, if any.
    pub async fn dose_on(&self, user: UserId, plan: PlanId, on: Date) -> Result<Option<DoseRecord>> {
        let row: Option<(String, String, f64, i64)> = sqlx::query_as(
            "SELECT date, status, dose_mg, recorded_at FROM doses WHERE user_id = $1 AND plan_id = $2 AND date = $3",
        )
        .bind(user.to_string())
        .bind(plan.to_string())
        .bind(on.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(d, s, mg, at)| {
            Ok(DoseRecord { plan, date: date(&d)?, status: DoseStatus::parse(&s)?, dose_mg: mg, recorded_at: ts(at)? })
        })
        .transpose()
    }

    pub async fn doses(&self, user: UserId) -> Result<Vec<DoseRecord>> {
        let rows: Vec<(String, String, String, f64, i64)> = sqlx::query_as(
            "SELECT plan_id, date, status, dose_mg, recorded_at FROM doses WHERE user_id = $1 ORDER BY date, recorded_at",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(p, d, s, mg, at)| {
                Ok(DoseRecord {
                    plan: uuid(&p)?,
                    date: date(&d)?,
                    status: DoseStatus::parse(&s)?,
                    dose_mg: mg,
                    recorded_at: ts(at)?,
                })
            })
            .collect()
    }

    // ── check-ins ───────────────────────────────────────────────────────────────────────────

    /// Saves the day's check-in, replacing an earlier one for the same date.
    pub async fn save_checkin(&self, user: UserId, c: &NewCheckIn<'_>, now: Timestamp) -> Result<()> {
        let scores = serde_json::to_string(c.scores).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO checkins (id, user_id, date, scores, burden, wellbeing, sleep_hours, note, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
             ON CONFLICT (user_id, date) DO UPDATE SET scores = excluded.scores, burden = excluded.burden, \
             wellbeing = excluded.wellbeing, sleep_hours = excluded.sleep_hours, note = excluded.note, \
             updated_at = excluded.updated_at",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(user.to_string())
        .bind(c.date.to_string())
        .bind(scores)
        .bind(i64::from(c.burden))
        .bind(i64::from(c.wellbeing))
        .bind(c.sleep_hours)
        .bind(self.seal(c.note)?)
        .bind(micros(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The person's check-ins, oldest first.
    pub async fn checkins(&self, user: UserId) -> Result<Vec<CheckInRecord>> {
        let rows: Vec<CheckInRow> =
            sqlx::query_as(trusted(format!("SELECT {CHECKIN_COLUMNS} FROM checkins WHERE user_id = $1 ORDER BY date")))
                .bind(user.to_string())
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(|r| CheckInRecord::try_from(r).and_then(|c| self.open_checkin(c))).collect()
    }

    pub async fn checkin_on(&self, user: UserId, on: Date) -> Result<Option<CheckInRecord>> {
        let row: Option<CheckInRow> =
            sqlx::query_as(trusted(format!("SELECT {CHECKIN_COLUMNS} FROM checkins WHERE user_id = $1 AND date = $2")))
                .bind(user.to_string())
                .bind(on.to_string())
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| CheckInRecord::try_from(r).and_then(|c| self.open_checkin(c))).transpose()
    }

    // ── proposals ───────────────────────────────────────────────────────────────────────────

    /// Adds a pending proposal to one of `user`'s plans, on a revision of that plan; anything
    /// else (another person's plan, a revision of another plan) is `NotFound` and writes nothing.
    pub async fn insert_proposal(&self, user: UserId, p: &NewProposal<'_>, now: Timestamp) -> Result<ProposalId> {
        let id = ProposalId::new();
        let r = sqlx::query(
            "INSERT INTO proposals (id, plan_id, revision_id, rule, status, title, reason, details, created_at, \
             proposed_by, proposer_name) SELECT $1, $2, $3, $4, 'pending', $5, $6, $7, $8, $9, $10 \
             WHERE EXISTS (SELECT 1 FROM plans WHERE id = $2 AND user_id = $11) \
             AND EXISTS (SELECT 1 FROM plan_revisions WHERE id = $3 AND plan_id = $2)",
        )
        .bind(id.to_string())
        .bind(p.plan.to_string())
        .bind(p.revision.to_string())
        .bind(p.rule.key())
        .bind(p.title)
        .bind(p.reason)
        .bind(p.details)
        .bind(micros(now))
        .bind(p.proposed_by.map(|(id, _)| id.to_string()))
        .bind(p.proposed_by.map(|(_, name)| name.to_string()))
        .bind(user.to_string())
        .execute(&self.pool)
        .await?;
        if r.rows_affected() == 1 { Ok(id) } else { Err(StoreError::NotFound) }
    }

    /// All proposals on the person's plan, newest first.
    pub async fn proposals(&self, user: UserId, plan: PlanId) -> Result<Vec<ProposalRecord>> {
        let rows: Vec<ProposalRow> = sqlx::query_as(trusted(format!(
            "SELECT {PROPOSAL_COLUMNS} FROM proposals p JOIN plans ON plans.id = p.plan_id \
             WHERE p.plan_id = $1 AND plans.user_id = $2 ORDER BY p.created_at DESC, p.id DESC"
        )))
        .bind(plan.to_string())
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(ProposalRecord::try_from).collect()
    }

    /// Declines a pending proposal on one of the person's plans.
    pub async fn decline_proposal(&self, user: UserId, proposal: ProposalId, now: Timestamp) -> Result<()> {
        let r = sqlx::query(
            "UPDATE proposals SET status = 'declined', decided_at = $1 WHERE id = $2 AND status = 'pending' \
             AND plan_id IN (SELECT id FROM plans WHERE user_id = $3)",
        )
        .bind(micros(now))
        .bind(proposal.to_string())
        .bind(user.to_string())
        .execute(&self.pool)
        .await?;
        if r.rows_affected() == 1 { Ok(()) } else { Err(StoreError::NotFound) }
    }
}

async fn insert_revision(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    plan: PlanId,
    number: i64,
    r: &NewRevision<'_>,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO plan_revisions (id, plan_id, number, effective_date, day_offset, hold, settings, steps, reason, \
         proposal_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(plan.to_string())
    .bind(number)
    .bind(r.effective.to_string())
    .bind(i64::from(r.day_offset))
    .bind(i64::from(r.hold))
    .bind(r.settings)
    .bind(r.steps)
    .bind(r.reason)
    .bind(r.proposal.map(|p| p.to_string()))
    .bind(micros(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
