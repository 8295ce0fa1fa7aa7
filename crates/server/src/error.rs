//! One error type for handlers: safe messages for the person, details only in the log.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use taper_store::StoreError;

use crate::views;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("conflict: {0}")]
    Conflict(String),
    /// Something on our side failed: what was being done, and the error that caused it (kept as
    /// the source, so the log shows the whole chain).
    #[error("internal error while {context}")]
    Internal {
        context: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// Every planner is in use; the request was not queued.
    #[error("busy")]
    Busy,
    /// Working out a plan took longer than its deadline; nothing was saved.
    #[error("too slow")]
    TooSlow,
    /// Too many attempts in a short time: try again in this many seconds.
    #[error("throttled for {0} s")]
    Throttled(i64),
}

impl AppError {
    /// A failure of something we called, with what we were doing.
    pub fn internal(context: impl Into<String>, source: impl std::error::Error + Send + Sync + 'static) -> AppError {
        AppError::Internal { context: context.into(), source: Some(Box::new(source)) }
    }

    /// A stored JSON document (`what`: "plan settings", "safety plan", …) read back into its
    /// type. The one way a document that cannot be read is handled: an internal error naming it,
    /// logged with its cause, shown with a reference, and nothing written over it. Never a
    /// silent default, which a later save would turn into lost data.
    pub fn stored<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> AppResult<T> {
        serde_json::from_str(text).map_err(|e| AppError::internal(format!("reading the stored {what}"), e))
    }

    /// Something that should not happen and has no error of its own to carry.
    pub fn bug(context: impl Into<String>) -> AppError {
        AppError::Internal { context: context.into(), source: None }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(f) => AppError::Conflict(f),
            other => AppError::internal("using the database", other),
        }
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(e: tower_sessions::session::Error) -> Self {
        AppError::internal("using the session", e)
    }
}

impl From<taper_report::chart::ChartError> for AppError {
    fn from(e: taper_report::chart::ChartError) -> Self {
        AppError::internal("drawing a chart", e)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, title, message) = match &self {
            AppError::NotFound => (StatusCode::NOT_FOUND, "Not found", "There is nothing here.".to_string()),
            AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, "That did not work", m.clone()),
            AppError::Conflict(_) => (
                StatusCode::CONFLICT,
                "Already done",
                "This was already done, perhaps in another tab. Nothing was changed twice.".to_string(),
            ),
            AppError::Busy => {
                let page = views::message_page(
                    "Busy right now",
                    "Taper is busy with other people's requests (working out plans or checking passwords). \
                     Nothing you typed was saved or lost: go back and press the button again in a few seconds.",
                );
                return (StatusCode::SERVICE_UNAVAILABLE, [(axum::http::header::RETRY_AFTER, "5")], page)
                    .into_response();
            }
            AppError::Throttled(wait) => {
                let page = views::message_page("Please wait a moment", &crate::throttle::wait_words(*wait));
                return crate::throttle::refused(page.into_response(), *wait);
            }
            AppError::TooSlow => {
                let page = views::message_page(
                    "That plan took too long to work out",
                    "Taper stopped waiting for this plan after 20 seconds. Nothing was saved or lost: go back and try \
                     again with fewer products ticked, or a larger step, or ask for help from the pharmacy.",
                );
                return (StatusCode::SERVICE_UNAVAILABLE, page).into_response();
            }
            AppError::Internal { context, source } => {
                let reference = logged(context, source.as_deref());
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side",
                    format!("Nothing you entered before this was lost. Reference: {reference}."),
                )
            }
        };
        (status, views::message_page(title, &message)).into_response()
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Logs an internal error with the whole chain of its causes, for whoever reads the log; the
/// reference (12 characters) that finds it there, to show the person instead of the detail.
pub fn logged(context: &str, source: Option<&(dyn std::error::Error + Send + Sync + 'static)>) -> String {
    let reference = uuid::Uuid::new_v4().simple().to_string();
    let mut detail = context.to_string();
    let mut cause: Option<&(dyn std::error::Error + 'static)> = source.map(|e| e as &(dyn std::error::Error + 'static));
    while let Some(c) = cause {
        detail.push_str(": ");
        detail.push_str(&c.to_string());
        cause = c.source();
    }
    tracing::error!(%reference, %detail, "internal error");
    reference[..12].to_string()
}
