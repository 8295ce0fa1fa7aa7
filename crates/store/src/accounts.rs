//! Accounts: creating, reading, changing and deleting a person's account and everything of theirs.

use jiff::Timestamp;

use crate::{
    Backend, FORMER, FORMER_CAPITAL, NewUser, Result, Store, StoreError, USER_COLUMNS, User, UserId, UserRow, micros,
    trusted,
};

/// The rows that are a person's own, beside their plans, deleted with their account (explicit
/// deletes as well as cascades: SQLite only cascades with foreign keys on).
const OWN_ROWS: [&str; 19] = [
    "DELETE FROM checkins WHERE user_id = $1",
    "DELETE FROM readings WHERE user_id = $1",
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
    "DELETE FROM form_owners WHERE user_id = $1",
    "DELETE FROM devices WHERE user_id = $1",
    "DELETE FROM calendar_feeds WHERE user_id = $1",
    "DELETE FROM health_links WHERE user_id = $1",
    "DELETE FROM api_tokens WHERE user_id = $1",
];

impl Store {
    pub async fn create_user(&self, new: &NewUser<'_>, now: Timestamp) -> Result<User> {
        let id = UserId::fresh();
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
        self.set_time_zone_on(&mut *self.pool.acquire().await?, user, time_zone).await
    }

    pub(crate) async fn set_time_zone_on(
        &self,
        conn: &mut sqlx::AnyConnection,
        user: UserId,
        time_zone: &str,
    ) -> Result<()> {
        sqlx::query("UPDATE users SET time_zone = $1 WHERE id = $2")
            .bind(time_zone)
            .bind(user.to_string())
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// None: guess from the time zone again.
    pub async fn set_country(&self, user: UserId, country: Option<&str>) -> Result<()> {
        self.set_country_on(&mut *self.pool.acquire().await?, user, country).await
    }

    pub(crate) async fn set_country_on(
        &self,
        conn: &mut sqlx::AnyConnection,
        user: UserId,
        country: Option<&str>,
    ) -> Result<()> {
        sqlx::query("UPDATE users SET country = $1 WHERE id = $2")
            .bind(country)
            .bind(user.to_string())
            .execute(&mut *conn)
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
            // the JSON around them is never touched. Details are sealed, so this is done here,
            // not in SQL.
            let rows: Vec<(String, String, String)> =
                sqlx::query_as("SELECT id, title, details FROM proposals WHERE proposed_by = $1")
                    .bind(user.to_string())
                    .fetch_all(&mut *tx)
                    .await?;
            for (id, title, details) in rows {
                let title = title.replace(&format!("{name} suggests"), &format!("{FORMER_CAPITAL} suggests"));
                let details =
                    self.open(details)?.replace(&format!("Suggested by {name} ("), &format!("Suggested by {FORMER} ("));
                sqlx::query("UPDATE proposals SET title = $1, details = $2 WHERE id = $3")
                    .bind(title)
                    .bind(self.seal(&details)?)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        // Explicit deletes as well as cascades: SQLite only cascades with foreign_keys on.
        for table in ["proposals", "doses", "plan_revisions"] {
            let sql = match table {
                "doses" => "DELETE FROM doses WHERE user_id = $1".to_string(),
                t => format!("DELETE FROM {t} WHERE plan_id IN (SELECT id FROM plans WHERE user_id = $1)"),
            };
            sqlx::query(trusted(sql)).bind(user.to_string()).execute(&mut *tx).await?;
        }
        for sql in OWN_ROWS {
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
}
