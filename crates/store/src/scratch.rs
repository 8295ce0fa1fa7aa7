//! Throw-away databases for tests: a fresh SQLite file or a freshly created PostgreSQL database,
//! removed again by [`Scratch::remove`]. Used by this crate's and the server's test suites.

use sqlx::{Connection as _, Executor as _};
use uuid::Uuid;

use crate::{Result, StoreError};

/// Whether a missing PostgreSQL must fail the tests rather than skip their PostgreSQL half: in CI
/// (`CI` set) or when `TAPER_REQUIRE_POSTGRES` is set.
pub fn postgres_required() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty()) || std::env::var_os("TAPER_REQUIRE_POSTGRES").is_some()
}

/// The PostgreSQL server tests use: `TAPER_TEST_PG_URL`, else the local one with trust auth.
pub fn postgres_admin_url() -> String {
    std::env::var("TAPER_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub struct Scratch {
    pub url: String,
    kind: Kind,
}

enum Kind {
    Sqlite(std::path::PathBuf),
    Postgres { admin: String, name: String },
}

impl Scratch {
    /// A new SQLite file in the system temp directory.
    pub fn sqlite() -> Scratch {
        let dir = std::env::temp_dir().join(format!("taper-test-{}", Uuid::new_v4().simple()));
        // If the directory cannot be made, connecting reports it.
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("taper.db");
        Scratch { url: format!("sqlite:{}", path.display()), kind: Kind::Sqlite(dir) }
    }

    /// A new, empty PostgreSQL database, or an error if no server answers.
    pub async fn postgres() -> Result<Scratch> {
        sqlx::any::install_default_drivers();
        let admin = postgres_admin_url();
        let name = format!("taper_test_{}", Uuid::new_v4().simple());
        let mut conn = sqlx::AnyConnection::connect(&admin).await?;
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await?;
        conn.close().await?;
        let (base, _) = admin.rsplit_once('/').ok_or_else(|| StoreError::Config(format!("bad URL {admin}")))?;
        Ok(Scratch { url: format!("{base}/{name}"), kind: Kind::Postgres { admin, name } })
    }

    /// Deletes the file or drops the database.
    pub async fn remove(self) {
        match self.kind {
            Kind::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Kind::Postgres { admin, name } => {
                if let Ok(mut conn) = sqlx::AnyConnection::connect(&admin).await {
                    let _ =
                        conn.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).await;
                    let _ = conn.close().await;
                }
            }
        }
    }
}
