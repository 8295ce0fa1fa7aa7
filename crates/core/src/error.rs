//! Errors the core can report. Each says which input is wrong and what is allowed.

use std::fmt;

/// A value given by a person that cannot be used as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The name of the field or flag, e.g. `from` or `step`.
    pub field: String,
    /// What was given.
    pub value: String,
    /// Why it cannot be used, and what is allowed.
    pub message: String,
}

impl InputError {
    pub fn new(field: impl Into<String>, value: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), value: value.into(), message: message.into() }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} '{}': {}", self.field, self.value, self.message)
    }
}

impl std::error::Error for InputError {}

/// Why a plan could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Input(#[from] InputError),
    /// The request is valid on its own but breaks a pace or safety limit.
    #[error("{field}: {message}")]
    Refused { field: String, message: String },
    /// The request is planned only once the person confirms a value (an implausible dose).
    #[error("{field}: {message}")]
    Unconfirmed { field: String, message: String },
}

impl PlanError {
    pub fn refused(field: impl Into<String>, message: impl Into<String>) -> Self {
        PlanError::Refused { field: field.into(), message: message.into() }
    }
}

/// The built-in or a user's catalogue file is not valid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("catalogue {file}: {message}")]
pub struct CatalogueError {
    pub file: String,
    pub message: String,
}
