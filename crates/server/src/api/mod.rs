//! The JSON API (issue 22): what the web app shows a person, for an app or a script of their own,
//! with a personal access token they made on Account, API tokens (`pages::tokens`). A token reads
//! only the parts of the record it was given and records doses, check-ins and questionnaires only
//! if allowed; every use is in the person's access log. Recording asks what the web app asks (for
//! a dose: the day may be recorded, the dose time is the plan's, a new way of preparing was read,
//! the time has come), and an answer about self-harm is kept first, alerts supporters and comes
//! back with crisis help, as on the web.
//!
//! The OpenAPI document at `/api/openapi.json` is generated from these handlers (utoipa), and
//! the tests run schemathesis against it.

mod caller;
mod checkin;
mod crisis;
mod error;
mod questionnaire;
mod reads;
mod record;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::AppState;
pub use caller::Caller;
pub use error::{ApiError, ApiResult, ErrorBody};

/// Where the API is.
pub const PREFIX: &str = "/api/";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Taper API",
        description = "A person's own record in Taper, for apps and scripts of their own: their plans and the \
            doses they record, check-ins, questionnaire scores and a FHIR R4 Bundle. Every request carries a personal \
            access token the person makes on Account, API tokens, as `Authorization: Bearer taper_pat_...`; a token \
            reads only the parts of the record it was given. Every error is JSON: `error` says what went wrong and \
            what to do, `field` names the parameter or body field at fault (null when none is). Doses are as planned with the person's prescriber: \
            Taper is decision support, not a prescription.",
        license(name = "MIT OR Apache-2.0")
    ),
    paths(
        reads::me,
        reads::plans,
        reads::doses,
        record::record,
        reads::checkins,
        checkin::record,
        reads::questionnaires,
        questionnaire::record,
        reads::fhir
    ),
    modifiers(&BearerToken),
    tags(
        (name = "account", description = "Who the token belongs to and what it may do."),
        (name = "plans", description = "Plans and doses: needs the token to read \"plan and doses\"."),
        (name = "checkins", description = "Daily check-ins: needs \"check-in scores\" (notes need \"check-in notes\"); \
            recording one needs a token that records check-ins and questionnaires."),
        (name = "questionnaires", description = "PHQ-9 and GAD-7: needs \"questionnaires\"; recording one needs a \
            token that records check-ins and questionnaires."),
        (name = "fhir", description = "The record as FHIR R4, with the parts the token reads.")
    )
)]
pub struct ApiDoc;

/// The one way in: a bearer token.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A personal access token (taper_pat_...) made on Account, API tokens."))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document, made once.
pub fn document() -> &'static str {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOC.get_or_init(|| ApiDoc::openapi().to_pretty_json().unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}")))
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], document()).into_response()
}

/// The API's routes (tests/authz.toml lists each).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/v1/me", get(reads::me))
        .route("/api/v1/plans", get(reads::plans))
        .route("/api/v1/doses", get(reads::doses).post(record::record))
        .route("/api/v1/checkins", get(reads::checkins).post(checkin::record))
        .route("/api/v1/questionnaires", get(reads::questionnaires).post(questionnaire::record))
        .route("/api/v1/fhir", get(reads::fhir))
        // Not an address of the API, or a method it does not take: said in JSON, as every other
        // answer (a walk got the web app's HTML page, signed-out menu and all).
        .route("/api", any(unknown))
        .route("/api/", any(unknown))
        .route("/api/{*rest}", any(unknown))
        .method_not_allowed_fallback(method_refused)
}

async fn unknown() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "No such address: /api/openapi.json lists the API's addresses.")
}

/// A method an address does not take, as JSON (axum adds the `Allow` header).
async fn method_refused() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "This address does not take that method: the Allow header lists those it takes, and /api/openapi.json \
         describes them.",
    )
}
