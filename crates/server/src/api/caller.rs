//! Who is calling the API: the person whose token came in the `Authorization` header.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, header};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use taper_core::consent::Category;
use taper_store::{ApiToken, StoreError, User, UserId};

use super::error::ApiError;
use crate::AppState;
use crate::access_tokens::{self, PREFIX};
use crate::throttle::{self, Limit};

/// A person, through one of their tokens that works.
pub struct Caller {
    pub user: User,
    pub tz: TimeZone,
    pub token: ApiToken,
}

const HOW: &str = "Send a token in the Authorization header (\"Authorization: Bearer taper_pat_...\"); a person \
    makes one on Account, API tokens.";

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let given = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| ApiError::unauthorized(HOW))?;
        let given = given.to_str().map_err(|_| ApiError::unauthorized(HOW))?.trim();
        let token = match given.split_once(' ') {
            Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") => t.trim(),
            _ => return Err(ApiError::unauthorized(HOW)),
        };
        if !access_tokens::looks_like_token(token) {
            return Err(ApiError::unauthorized(format!(
                "That is not a Taper token (they start \"{PREFIX}\" and are {} characters long). {HOW}",
                PREFIX.len() + taper_report::shl::TOKEN_CHARS
            )));
        }
        let now = Timestamp::now();
        let found = state.store.api_token_used(&access_tokens::stored_hash(token), now).await?;
        let token = found.ok_or_else(|| ApiError::unauthorized(format!("No token matches. {HOW}")))?;
        if let Some(why) = access_tokens::stopped(&token, now) {
            // Written down: a forgotten script, or a token someone else holds, is seen.
            let who = format!("the stopped API token \u{201c}{}\u{201d}", token.label);
            let minute_ago = now.checked_sub(jiff::SignedDuration::from_mins(1)).unwrap_or(now);
            let actor = UserId::from(token.id.uuid());
            let what = "was refused: the token no longer works";
            state.store.audit_counted(token.owner, actor, &who, what, now, minute_ago).await?;
            return Err(ApiError::unauthorized(why));
        }
        let user = match state.store.user(token.owner).await {
            Ok(u) => u,
            Err(StoreError::NotFound) => return Err(ApiError::unauthorized(format!("No token matches. {HOW}"))),
            Err(e) => return Err(e.into()),
        };
        // Changes are counted as the web app's are: a runaway script cannot fill the database.
        if parts.method == Method::POST
            && let Some(wait) = throttle::attempt(state, Limit::Post, &user.id.to_string()).await?
        {
            return Err(crate::error::AppError::Throttled(wait).into());
        }
        let tz = TimeZone::get(&user.time_zone).unwrap_or(TimeZone::UTC);
        Ok(Caller { user, tz, token })
    }
}

impl Caller {
    pub fn owner(&self) -> UserId {
        self.user.id
    }

    /// The person's own date now.
    pub fn today(&self) -> Date {
        Timestamp::now().to_zoned_datetime(self.tz.clone()).date()
    }

    /// Whether the token reads `part`.
    pub fn reads(&self, part: Category) -> bool {
        access_tokens::scope_of(&self.token).contains(part)
    }

    /// Refused unless the token reads `part`; a refusal is written in the access log too.
    pub async fn needs(&self, state: &AppState, part: Category) -> Result<(), ApiError> {
        if self.reads(part) {
            return Ok(());
        }
        self.logged(state, &format!("was refused {} (not given to the token) through the API", part.short())).await?;
        Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            format!(
                "This token does not read {}. The person can make one that does on Account, API tokens.",
                part.short()
            ),
        ))
    }

    /// Writes `what` ("read your plans") in the person's access log, under this token; a burst
    /// within a minute is counted on one row.
    pub async fn logged(&self, state: &AppState, what: &str) -> Result<(), ApiError> {
        let now = Timestamp::now();
        let minute_ago = now.checked_sub(jiff::SignedDuration::from_mins(1)).unwrap_or(now);
        let who = format!("the API token \u{201c}{}\u{201d}", self.token.label);
        let actor = UserId::from(self.token.id.uuid());
        state.store.audit_counted(self.owner(), actor, &who, what, now, minute_ago).await?;
        Ok(())
    }
}
