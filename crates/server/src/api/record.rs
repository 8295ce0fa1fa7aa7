//! Recording a dose through the API: the same questions the web app asks before it records one.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value};
use taper_core::consent::Category;
use taper_store::NewDose;
use utoipa::ToSchema;

use super::reads::{DoseRecord, Status};
use super::{ApiError, ApiResult, Caller, ErrorBody};
use crate::AppState;
use crate::error::AppError;
use crate::timeline::Course;

// Read by `parse`, which names the field at fault; the derive gives the OpenAPI document its shape.
/// A dose to record.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordDose {
    /// The plan (its id from /api/v1/plans); may be left out when the person has one plan.
    #[schema(format = Uuid)]
    #[serde(default)]
    pub plan: Option<String>,
    /// The day (YYYY-MM-DD), today when left out. Days from the plan's first, up to 60 back.
    #[schema(format = Date)]
    #[serde(default)]
    pub date: Option<String>,
    /// The dose time ("08:00") for a day taken in parts; left out for the day's one dose.
    #[serde(default)]
    pub time: Option<String>,
    pub status: Status,
    /// True once the person has read a new way of preparing the dose (asked the first time a
    /// dose prepared a new way is recorded taken, as the web app asks).
    #[serde(default)]
    pub read_new_way: bool,
}

/// Records a dose taken or missed.
///
/// It replaces what was recorded for that dose. Needs a token that records doses.
#[utoipa::path(post, path = "/api/v1/doses", tag = "plans", security(("token" = [])),
    request_body = RecordDose,
    responses(
        (status = 201, description = "Recorded", body = DoseRecord),
        (status = 400, description = "The body is wrong; `field` says which part", body = ErrorBody),
        (status = 401, description = "No token, or one that does not work", body = ErrorBody),
        (status = 403, description = "The token does not record doses", body = ErrorBody),
        (status = 404, description = "No such plan, or no plan", body = ErrorBody),
        (status = 409, description = "Not recorded yet: the dose is prepared a new way (read it, then send \
            read_new_way), or its time has not come", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 429, description = "Too many changes in a short time; Retry-After says when to try again",
            body = ErrorBody),
    ))]
pub async fn record(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, Json<DoseRecord>)> {
    caller.needs(&state, Category::PlanAndDoses).await?;
    if !caller.token.record_doses {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "This token does not record doses. The person can make one that does on Account, API tokens.",
        ));
    }
    let body = body.map_err(|_| {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "The body is too large: a dose to record is a few dozen bytes.")
    })?;
    let asked = parse(&body)?;
    let course = plan_asked(&state, &caller, asked.plan.as_deref()).await?;
    let today = caller.today();
    let raw_date = asked.date.clone().unwrap_or_else(|| today.to_string());
    let date = crate::dose_records::day_asked(&raw_date, "Doses", course.revs[0].record.effective, today)
        .map_err(|e| ApiError::field("date", e))?;
    let (on, step) =
        course.on(date).ok_or_else(|| ApiError::field("date", format!("The plan gives no dose on {date}.")))?;
    let status = asked.status.stored();
    if status == taper_store::DoseStatus::Taken
        && !asked.read_new_way
        && let Some(since) = crate::pages::today::new_way_pending(&state, caller.owner(), &course, today).await?
        && date >= since
    {
        let how: Vec<String> = course.doses_of(date).unwrap_or_default().into_iter().map(|d| d.take).collect();
        return Err(ApiError {
            body: ErrorBody {
                error: format!(
                    "Not recorded yet. From {since} the dose is prepared a new way: {}. Once the person has read \
                     it, send the dose again with \"read_new_way\": true.",
                    how.join("; ")
                ),
                field: Some("read_new_way".into()),
                crisis: None,
            },
            ..ApiError::new(StatusCode::CONFLICT, "")
        });
    }
    let given = asked.time.as_deref().unwrap_or_default();
    let (time, dose_mg) = crate::pages::today::dose_time(&course, &on, step, given).map_err(|e| match e {
        AppError::BadRequest(m) => ApiError::field("time", m),
        other => other.into(),
    })?;
    // To the microsecond, as it is kept (a walk read two times for one record).
    let now = jiff::Timestamp::from_microsecond(jiff::Timestamp::now().as_microsecond())
        .map_err(|e| AppError::internal("the time now", e))?;
    if let Some(from) = crate::dose_records::too_early_at(&caller.tz, now, date, time) {
        return Err(ApiError {
            body: ErrorBody {
                error: format!("Not recorded yet: the {given} dose is later today; it can be recorded from {from}."),
                field: Some("time".into()),
                crisis: None,
            },
            ..ApiError::new(StatusCode::CONFLICT, "")
        });
    }
    let dose = NewDose { plan: course.plan_id, date, time, status, dose_mg };
    state.store.record_dose(caller.owner(), &dose, now).await?;
    caller.logged(&state, "recorded a dose through the API").await?;
    let recorded = taper_store::DoseRecord { plan: course.plan_id, date, time, status, dose_mg, recorded_at: now };
    Ok((StatusCode::CREATED, Json(DoseRecord::of(&recorded))))
}

/// The plan named, or the one plan when none is named.
async fn plan_asked(state: &AppState, caller: &Caller, plan: Option<&str>) -> ApiResult<Course> {
    // Left out means the one plan; given, it must be an id (an empty one is not "left out").
    let Some(raw) = plan.map(str::trim) else {
        let mut all = Course::load_all(state, caller.owner()).await?;
        return match all.len() {
            0 => {
                Err(ApiError::new(StatusCode::NOT_FOUND, "The person has no plan in force: make one on the web first."))
            }
            1 => Ok(all.remove(0)),
            n => Err(ApiError::field(
                "plan",
                format!("The person has {n} plans: name one by its id (from /api/v1/plans)."),
            )),
        };
    };
    if raw.parse::<taper_store::PlanId>().is_err() {
        return Err(ApiError::field("plan", format!("'{raw}' is not a plan id (a UUID from /api/v1/plans).")));
    }
    match Course::load_chosen(state, caller.owner(), Some(raw)).await {
        Ok(Some(c)) => Ok(c),
        Ok(None) | Err(AppError::NotFound) => {
            let mut e = ApiError::new(StatusCode::NOT_FOUND, format!("No plan in force has the id {raw}."));
            e.body.field = Some("plan".into());
            Err(e)
        }
        Err(e) => Err(e.into()),
    }
}

/// The fields a dose to record may have.
const FIELDS: [&str; 5] = ["plan", "date", "time", "status", "read_new_way"];

/// The body read as a dose to record, or which field is wrong and why.
fn parse(body: &[u8]) -> ApiResult<RecordDose> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("The body is not JSON ({e}); send e.g. {{\"status\": \"taken\"}}."),
        )
    })?;
    let Value::Object(fields) = value else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "The body must be a JSON object, e.g. {\"status\": \"taken\"}.",
        ));
    };
    if let Some(k) = fields.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(ApiError::field(k, format!("'{k}' is not a field of a dose to record: {}.", FIELDS.join(", "))));
    }
    let status = match fields.get("status") {
        Some(Value::String(s)) if s == "taken" => Status::Taken,
        Some(Value::String(s)) if s == "missed" => Status::Missed,
        _ => return Err(ApiError::field("status", "Say whether the dose was \"taken\" or \"missed\".")),
    };
    let read_new_way = match fields.get("read_new_way") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ApiError::field("read_new_way", "read_new_way is true or false.")),
    };
    Ok(RecordDose {
        plan: text(&fields, "plan")?,
        date: text(&fields, "date")?,
        time: text(&fields, "time")?,
        status,
        read_new_way,
    })
}

/// An optional text field.
pub(super) fn text(fields: &Map<String, Value>, name: &str) -> ApiResult<Option<String>> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::field(name, format!("{name} is text (a string), or left out."))),
    }
}
