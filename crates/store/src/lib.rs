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

mod accounts;
mod answers;
mod backup;
mod batch;
mod calendar_feeds;
pub use calendar_feeds::CalendarFeed;
mod api_tokens;
mod checkins;
mod devices;
mod documents;
mod doses;
mod error;
mod files;
mod flag_notes;
mod form_owners;
mod health_links;
pub use api_tokens::{ApiToken, NewApiToken};
pub use health_links::{HealthLink, NewHealthLink};
mod history;
mod ids;
mod import;
mod jobs;
mod leases;
mod plans;
mod proposals;
mod readings;
pub use readings::KeptReading;
mod reminders;
mod resets;
mod rows;
#[cfg(feature = "test-support")]
pub mod scratch;
pub mod seal;
mod sessions;
mod sharing;
mod supplies;
mod switch_doses;
mod switches;
mod throttle;
pub mod versions;

use std::str::FromStr as _;

use jiff::Timestamp;
use jiff::civil::Date;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor as _};
use uuid::Uuid;

pub use error::StoreError;
pub use files::ServeLock;
pub use ids::{ApiTokenId, HealthLinkId, MedEventId, PlanId, ProposalId, RevisionId, ShareId, SwitchId, UserId};
pub use import::{
    AccountRecords, ImportedAssessment, ImportedDose, ImportedMedEvent, ImportedPlan, ImportedQuestionnaire,
    ImportedSwitch, ImportedSwitchDose,
};
pub use jobs::{ClaimedJob, JobPeople, JobState};
pub use rows::*;
pub use switch_doses::SwitchDose;
pub use switches::SwitchRecord;

pub type Result<T> = std::result::Result<T, StoreError>;

/// One schema for both backends: every migration is written in the SQL they share (a table
/// gaining a CHECK is rebuilt, which both accept), so there is one folder, not two copies.
static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The schema this version of Taper writes: its newest migration's number (named in backups).
pub fn schema_version() -> i64 {
    MIGRATIONS.iter().map(|m| m.version).max().unwrap_or_default()
}

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
    /// Sessions kept in memory by the one server of an SQLite database (`sessions`).
    sessions: Option<std::sync::Arc<sessions::SessionMemory>>,
    /// Throttle counts kept in memory by the same server (`throttle`).
    throttle: Option<std::sync::Arc<throttle::ThrottleMemory>>,
    /// SQLite: this process's turn to write, taken by `begin_write`.
    write_turn: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend).field("sealed", &self.sealer.is_some()).finish()
    }
}

/// The free-text columns that are sealed, with each table's key column.
const SEALED: [(&str, &str, &str); 13] = [
    ("checkins", "id", "note"),
    ("proposals", "id", "reason"),
    ("proposals", "id", "details"),
    ("assessments", "id", "note"),
    ("flag_notes", "id", "note"),
    ("safety_plans", "user_id", "data"),
    ("med_background", "user_id", "data"),
    ("invites", "code_hash", "label"),
    ("calendar_feeds", "user_id", "token_sealed"),
    ("health_links", "id", "token_sealed"),
    ("health_links", "id", "key_sealed"),
    ("health_links", "id", "label"),
    ("api_tokens", "id", "label"),
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

/// How long a write waits for its turn, as long as SQLite's own `busy_timeout`.
const WRITE_TURN_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// A transaction that may write ([`Store::begin_write`]), holding this process's write turn on
/// SQLite until it commits, rolls back or is dropped. It is used as the connection it runs on.
pub struct WriteTx {
    // Dropped first, so an abandoned transaction is rolled back before the turn passes on.
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }

    pub async fn rollback(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &sqlx::AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }
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

/// Seals every value of the [`SEALED`] columns still in plain text; how many it sealed.
async fn seal_plain(conn: &mut sqlx::AnyConnection, sealer: &seal::Sealer) -> Result<usize> {
    let mut sealed = 0;
    for (table, id, col) in SEALED {
        let rows: Vec<(String, String)> = sqlx::query_as(trusted(format!(
            "SELECT {id}, {col} FROM {table} WHERE {col} <> '' AND {col} NOT LIKE 'enc1:%'"
        )))
        .fetch_all(&mut *conn)
        .await?;
        for (k, v) in rows.into_iter().filter(|(_, v)| !seal::is_sealed(v)) {
            sqlx::query(trusted(format!("UPDATE {table} SET {col} = $1 WHERE {id} = $2")))
                .bind(sealer.seal(&v)?)
                .bind(k)
                .execute(&mut *conn)
                .await?;
            sealed += 1;
        }
    }
    Ok(sealed)
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
            // A connection to a local file cannot go stale, and pinging it before each use was a
            // round trip to its worker thread for every query (issue 21's load benchmark).
            opts = opts.test_before_acquire(false);
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
        if let Some(path) = files::sqlite_path(url).filter(|_| backend == Backend::Sqlite) {
            files::private_database(&path)?;
        }
        let url = if backend == Backend::Sqlite && !url.contains('?') { format!("{url}?mode=rwc") } else { url.into() };
        let pool = opts.connect(&url).await?;
        MIGRATIONS.run(&pool).await?;
        if backend == Backend::Sqlite {
            // A file SQLite could only open read-only (say, made immutable) would start and then
            // fail every save: refuse at start instead (security probe I2). Deleting nothing is
            // still a write to SQLite.
            if let Err(e) = sqlx::query("DELETE FROM throttle WHERE key = 'startup write check'").execute(&pool).await {
                pool.close().await;
                return Err(StoreError::Config(format!(
                    "the database cannot be written ({e}): check the file's permissions and that the disk has room"
                )));
            }
        }
        let write_turn = (backend == Backend::Sqlite).then(|| std::sync::Arc::new(tokio::sync::Mutex::new(())));
        let store = Store { pool, backend, sealer: None, sessions: None, throttle: None, write_turn };
        store.make_version_triggers().await?;
        Ok(store)
    }

    /// A transaction that may write. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a deferred transaction that reads and then writes cannot wait for the lock
    /// and fails with "database is locked" under concurrency (security probe M3). It first waits
    /// for this process's write turn, so its writers queue in memory and each starts the moment
    /// the last commits, instead of meeting at SQLite's lock, whose busy handler sleeps a
    /// millisecond or more between tries (issue 21: that sleep, not the disk, held check-ins to
    /// a tenth of SQLite's commit rate). PostgreSQL's default is already right.
    async fn begin_write(&self) -> Result<WriteTx> {
        Ok(match (&self.write_turn, self.backend) {
            (Some(turn), Backend::Sqlite) => {
                let turn = tokio::time::timeout(WRITE_TURN_WAIT, turn.clone().lock_owned())
                    .await
                    .map_err(|_| StoreError::Busy)?;
                WriteTx { tx: self.pool.begin_with("BEGIN IMMEDIATE").await?, _turn: Some(turn) }
            }
            (None, Backend::Sqlite) => WriteTx { tx: self.pool.begin_with("BEGIN IMMEDIATE").await?, _turn: None },
            (_, Backend::Postgres) => WriteTx { tx: self.pool.begin().await?, _turn: None },
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
        let mut sealed_now = 0;
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
                sealed_now += seal_plain(&mut tx, &sealer).await?;
                sqlx::query("INSERT INTO seal_check (id, value) VALUES (1, $1)")
                    .bind(sealer.seal(KEY_CHECK)?)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
        }
        // Every start: anything still in plain text (a column sealed since this database was
        // first sealed, such as suggestions' reasons, issue 19 N5) is sealed now.
        let mut tx = store.begin_write().await?;
        sealed_now += seal_plain(&mut tx, &sealer).await?;
        tx.commit().await?;
        if sealed_now > 0 && store.backend == Backend::Sqlite {
            // The plain text's old pages leave the main file and the WAL now, not later.
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&store.pool).await?;
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

    /// A stored check-in, its note and own symptoms opened.
    fn checkin_of(&self, mut r: CheckInRow) -> Result<CheckInRecord> {
        let own = std::mem::take(&mut r.own_scores);
        let mut c = CheckInRecord::try_from(r)?;
        c.note = self.open(std::mem::take(&mut c.note))?;
        if !own.is_empty() {
            let plain = self.open(own)?;
            c.own = serde_json::from_str(&plain)
                .map_err(|e| StoreError::Corrupt(format!("check-in {}: own symptoms: {e}", c.date)))?;
        }
        Ok(c)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Database connections open, and of those idle (for `/metrics`).
    pub fn pool_use(&self) -> (u64, u64) {
        (u64::from(self.pool.size()), self.pool.num_idle() as u64)
    }

    /// Whether the database answers (for a readiness probe).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Whether the database would take a write now: on SQLite the write lock is taken and let go
    /// at once, writing nothing (an operator walk: a held lock still read "ready"); on PostgreSQL,
    /// whose writes take no lock of the whole database, that it answers.
    pub async fn can_write(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => self.begin_write().await?.rollback().await?,
            Backend::Postgres => self.ping().await?,
        }
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Makes every later write to `table` fail as a full disk would (SQLite only), for tests
    /// that nothing typed is lost when saving fails.
    #[cfg(feature = "test-support")]
    pub async fn fail_writes_to(&self, table: &str) -> Result<()> {
        if self.backend != Backend::Sqlite || !table.chars().all(|c| c.is_ascii_alphabetic() || c == '_') {
            return Err(StoreError::Config(format!("cannot make writes to {table} fail here")));
        }
        for event in ["INSERT", "UPDATE"] {
            sqlx::query(trusted(format!(
                "CREATE TRIGGER full_{table}_{event} BEFORE {event} ON {table} \
                 BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END"
            )))
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    /// Holds the database's write lock until the transaction is rolled back or dropped (SQLite; on
    /// PostgreSQL an open transaction), for tests of what waits on it.
    #[cfg(feature = "test-support")]
    pub async fn test_hold_write_lock(&self) -> Result<WriteTx> {
        self.begin_write().await
    }

    /// Raises every person's data version, as a write of each would (benchmarks of pages made
    /// afresh rather than kept).
    #[cfg(feature = "test-support")]
    pub async fn test_raise_every_version(&self) -> Result<()> {
        sqlx::query("UPDATE users SET data_version = data_version + 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Moves a switch's first day (tests of a switch followed for weeks).
    #[cfg(feature = "test-support")]
    pub async fn test_set_switch_start(&self, id: &str, start: &str) -> Result<()> {
        sqlx::query("UPDATE switches SET start_date = $1 WHERE id = $2")
            .bind(start)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Every table's rows as one text per table, except the tables named in `except` (tests that
    /// a request writes nothing: issue 21, GET requests never write).
    #[cfg(feature = "test-support")]
    pub async fn test_contents(&self, except: &[&str]) -> Result<Vec<(String, String)>> {
        let kept = |t: &str| !except.contains(&t);
        if self.backend() == Backend::Sqlite {
            // The backups' comparison, the one way SQLite's rows are read as text.
            let all = self.sqlite_contents().await?;
            return Ok(all.into_iter().filter(|(t, _, _)| kept(t)).map(|(t, _, rows)| (t, rows)).collect());
        }
        let tables: Vec<(String,)> = sqlx::query_as(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_type = 'BASE TABLE' ORDER BY table_name",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for (table,) in tables.into_iter().filter(|(t,)| kept(t)) {
            if !table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(StoreError::Config(format!("not a table name: {table}")));
            }
            let sql = format!("SELECT coalesce(string_agg(x::text, '|' ORDER BY x::text), '') FROM \"{table}\" x");
            let (text,): (String,) = sqlx::query_as(trusted(sql)).fetch_one(&self.pool).await?;
            out.push((table, text));
        }
        Ok(out)
    }

    /// A value of a SQLite pragma, for tests of durability settings.
    #[cfg(feature = "test-support")]
    pub async fn sqlite_pragma(&self, name: &str) -> Result<String> {
        if !name.chars().all(|c| c.is_ascii_alphabetic() || c == '_') {
            return Err(StoreError::Config(format!("not a pragma name: {name}")));
        }
        let row: (String,) = sqlx::query_as(trusted(format!("SELECT CAST({name} AS TEXT) FROM pragma_{name}")))
            .fetch_one(&self.pool)
            .await?;
        Ok(row.0)
    }
}
