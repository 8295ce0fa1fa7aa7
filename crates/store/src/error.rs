//! What can go wrong in the store, in terms a caller can act on.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such record for this person (or it belongs to someone else).
    #[error("not found")]
    NotFound,
    /// A unique value is already taken, or a state change lost a race; names the field.
    #[error("{0} already exists or has changed")]
    Conflict(String),
    /// The database URL or settings cannot be used.
    #[error("{0}")]
    Config(String),
    /// A stored value cannot be read back (a bug or a hand-edited database).
    #[error("stored value cannot be read: {0}")]
    Corrupt(String),
    /// Other writes held the database for longer than a write waits for its turn.
    #[error("the database is busy with other writes (database is locked); try again")]
    Busy,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// A unique-constraint violation becomes `Conflict(field)`; anything else stays a database error.
    pub(crate) fn conflict_on(e: sqlx::Error, field: &str) -> StoreError {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(field.to_string()),
            _ => StoreError::Database(e),
        }
    }
}
