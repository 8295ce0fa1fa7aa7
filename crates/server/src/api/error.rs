//! The API's errors: always JSON, always saying what was wrong and, where one field was, which.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::AppError;

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong and what to do, in words.
    pub error: String,
    /// The field at fault, when one is.
    pub field: Option<String>,
    /// Crisis help, when the request held an answer about self-harm (kept even when the rest was
    /// refused): show it to the person first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crisis: Option<Box<super::crisis::Crisis>>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
    /// For 429: seconds to wait.
    pub retry_after: Option<i64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, error: impl Into<String>) -> ApiError {
        ApiError { status, body: ErrorBody { error: error.into(), field: None, crisis: None }, retry_after: None }
    }

    /// A 400 naming the field at fault.
    pub fn field(field: &str, error: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            body: ErrorBody { error: error.into(), field: Some(field.to_string()), crisis: None },
            retry_after: None,
        }
    }

    pub fn unauthorized(error: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, error)
    }

    /// The same refusal, naming `field`.
    pub fn at(mut self, field: &str) -> ApiError {
        self.body.field = Some(field.to_string());
        self
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        match e {
            AppError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "Not found."),
            AppError::BadRequest(m) => ApiError::new(StatusCode::BAD_REQUEST, m),
            AppError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, m),
            AppError::Busy | AppError::TooSlow => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "Busy right now: nothing was changed; try again soon.")
            }
            AppError::Throttled(wait) => ApiError {
                retry_after: Some(wait),
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, crate::throttle::wait_words(wait))
            },
            AppError::Internal { context, source } => {
                let reference = crate::error::logged(&context, source.as_deref());
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("Something went wrong on our side; nothing was changed. Reference: {reference}."),
                )
            }
        }
    }
}

impl From<taper_store::StoreError> for ApiError {
    fn from(e: taper_store::StoreError) -> ApiError {
        AppError::from(e).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, axum::Json(self.body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"taper\""));
        }
        if let Some(wait) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&wait.max(1).to_string())
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    }
}
