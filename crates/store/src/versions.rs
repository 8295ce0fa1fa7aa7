//! Each person's data version (issue 21): `users.data_version`, raised by the database itself
//! whenever a row of theirs is written, by triggers made here at every start in each database's
//! own dialect. Because the database raises it, no write can forget to (a new store method, an
//! import, a second instance on the same PostgreSQL): a page kept in memory is current exactly
//! while the person's version is the one it was made at, and a view reads one number instead of
//! every table the page shows.

use crate::{Backend, Result, Store, trusted};

/// How a table's rows name the person they belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// A column holding the person's user id.
    Column(&'static str),
    /// A `plan_id` column: the person is the plan's.
    Plan,
}

/// Every table whose rows are a person's data, with how a row names its person. A write to any
/// of them raises that person's version.
pub const VERSIONED: [(&str, Owner); 20] = [
    ("assessments", Owner::Column("user_id")),
    ("checkins", Owner::Column("user_id")),
    ("daily_safety_answers", Owner::Column("user_id")),
    ("doses", Owner::Column("user_id")),
    ("flag_notes", Owner::Column("owner_id")),
    ("invites", Owner::Column("owner_id")),
    ("med_background", Owner::Column("user_id")),
    ("med_events", Owner::Column("user_id")),
    ("plan_revisions", Owner::Plan),
    ("plans", Owner::Column("user_id")),
    ("proposals", Owner::Plan),
    ("questionnaires", Owner::Column("user_id")),
    ("readings", Owner::Column("user_id")),
    ("reminders", Owner::Column("user_id")),
    ("safety_plans", Owner::Column("user_id")),
    ("safety_signals", Owner::Column("user_id")),
    ("shares", Owner::Column("owner_id")),
    ("supplies", Owner::Column("user_id")),
    ("switch_doses", Owner::Column("user_id")),
    ("switches", Owner::Column("user_id")),
];

/// Tables that name a person but whose writes change nothing a page of theirs shows, with why
/// they do not raise the version (each is written often; raising it would only empty caches).
/// A test holds every table with a person's column to one of the two lists.
pub const UNVERSIONED: [(&str, &str); 9] = [
    ("api_tokens", "a token's last use is written as it is used; the token list is not kept"),
    ("audit", "every read of a record is logged"),
    ("calendar_feeds", "each read of the feed is written"),
    ("devices", "sign-in device cookies"),
    ("dose_links", "a link's use writes the dose itself, which is versioned"),
    ("form_owners", "form tokens, issued as pages are opened"),
    ("health_links", "each view of a link is counted"),
    ("jobs", "the e-mail queue"),
    ("password_resets", "reset tokens"),
];

/// The columns that name a person, for the test that every table is in one list or the other.
pub const OWNER_COLUMNS: [&str; 3] = ["user_id", "owner_id", "plan_id"];

/// The ids of the people a written row belongs to, as SQLite trigger SQL (`NEW`/`OLD` as the
/// operation has them).
fn sqlite_people(owner: Owner, rows: &[&str]) -> String {
    match owner {
        Owner::Column(c) => rows.iter().map(|r| format!("{r}.{c}")).collect::<Vec<_>>().join(", "),
        Owner::Plan => {
            let plans = rows.iter().map(|r| format!("{r}.plan_id")).collect::<Vec<_>>().join(", ");
            format!("SELECT user_id FROM plans WHERE id IN ({plans})")
        }
    }
}

const PG_FUNCTION: &str = "CREATE OR REPLACE FUNCTION taper_raise_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    col text := TG_ARGV[0];
    ids text[] := '{}';
BEGIN
    IF TG_OP <> 'INSERT' THEN ids := ids || (to_jsonb(OLD) ->> col); END IF;
    IF TG_OP <> 'DELETE' THEN ids := ids || (to_jsonb(NEW) ->> col); END IF;
    IF col = 'plan_id' THEN
        UPDATE users SET data_version = data_version + 1
            WHERE id IN (SELECT user_id FROM plans WHERE id = ANY (ids));
    ELSE
        UPDATE users SET data_version = data_version + 1 WHERE id = ANY (ids);
    END IF;
    RETURN NULL;
END $$";

/// A stable key for PostgreSQL's advisory lock, so instances starting together make the
/// triggers one at a time.
const PG_LOCK: i64 = 0x7461_7065_7276; // "taperv"

impl Store {
    /// Makes (or remakes, so a newer version's body replaces an older one) the triggers that
    /// raise a person's data version. Run at every start, in one transaction.
    pub(crate) async fn make_version_triggers(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(PG_LOCK).execute(&mut *tx).await?;
            sqlx::query(PG_FUNCTION).execute(&mut *tx).await?;
        }
        for (table, owner) in VERSIONED {
            for sql in trigger_sql(self.backend, table, owner) {
                sqlx::query(trusted(sql)).execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The triggers the database holds, by name (for the test that each table has its own).
    pub async fn version_triggers(&self) -> Result<Vec<String>> {
        let sql = match self.backend {
            Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name",
            Backend::Postgres => "SELECT tgname::text FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname",
        };
        Ok(sqlx::query_scalar(sql).fetch_all(&self.pool).await?)
    }

    /// Every (table, column) of the schema, for the test that each person's table is versioned.
    pub async fn schema_columns(&self) -> Result<Vec<(String, String)>> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' ORDER BY m.name, p.cid"
            }
            Backend::Postgres => {
                "SELECT table_name::text, column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
            }
        };
        Ok(sqlx::query_as(sql).fetch_all(&self.pool).await?)
    }
}

/// The name of a table's trigger for one operation (SQLite has one per operation).
pub fn trigger_name(table: &str, op: &str) -> String {
    format!("taper_version_{table}_{op}")
}

fn trigger_sql(backend: Backend, table: &str, owner: Owner) -> Vec<String> {
    match backend {
        Backend::Sqlite => [("insert", &["NEW"][..]), ("update", &["NEW", "OLD"][..]), ("delete", &["OLD"][..])]
            .into_iter()
            .flat_map(|(op, rows)| {
                let name = trigger_name(table, op);
                let people = sqlite_people(owner, rows);
                [
                    format!("DROP TRIGGER IF EXISTS {name}"),
                    format!(
                        "CREATE TRIGGER {name} AFTER {} ON {table} BEGIN \
                         UPDATE users SET data_version = data_version + 1 WHERE id IN ({people}); END",
                        op.to_uppercase()
                    ),
                ]
            })
            .collect(),
        Backend::Postgres => {
            let name = trigger_name(table, "write");
            let col = match owner {
                Owner::Column(c) => c,
                Owner::Plan => "plan_id",
            };
            vec![
                format!("DROP TRIGGER IF EXISTS {name} ON {table}"),
                format!(
                    "CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {table} \
                     FOR EACH ROW EXECUTE FUNCTION taper_raise_data_version('{col}')"
                ),
            ]
        }
    }
}
