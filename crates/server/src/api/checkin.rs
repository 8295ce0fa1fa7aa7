//! Recording a check-in through the API: the web form's own reading and keeping
//! (`checkin_form`), reached from JSON. A "yes" to the daily question about self-harm is kept
//! first, whatever else the body holds, alerts supporters as on the web, and every answer to it
//! (even a refusal) carries crisis help for the app to show.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use taper_core::consent::Category;
use taper_core::symptoms::{CHECKLIST, MAX_OWN_PER_CHECKIN, MAX_WELLBEING};
use utoipa::ToSchema;

use super::crisis::Crisis;
use super::record::text;
use super::{ApiError, ApiResult, Caller, ErrorBody};
use crate::AppState;

// Read by `parse`, which names the field at fault; the derive gives the OpenAPI document its shape.
/// A day's check-in to record.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "the OpenAPI document's shape: the body is read field by field, to name the one at fault")]
pub struct NewCheckIn {
    /// The day (YYYY-MM-DD), today when left out; up to 60 days back.
    #[schema(format = Date)]
    #[serde(default)]
    pub date: Option<String>,
    /// The checklist's items answered, by key (from /api/v1/checkins), each 0 (none) to 3
    /// (severe); an item left out is not answered.
    #[serde(default)]
    pub symptoms: Option<std::collections::BTreeMap<String, u8>>,
    /// True: every checklist item left out is "none", said by the person.
    #[serde(default)]
    pub rest_none: bool,
    /// The person's own symptoms, each named and 0 to 3.
    #[serde(default)]
    pub own: Option<Vec<OwnSymptom>>,
    /// Wellbeing, 0 (worst) to 10 (best).
    pub wellbeing: u8,
    /// Hours slept, 0 to 24.
    #[serde(default)]
    pub sleep_hours: Option<f64>,
    /// A note in the person's words (needs a token that reads check-in notes).
    #[serde(default)]
    pub note: Option<String>,
    /// The daily question, to be asked in these words: "Since your last check-in, have you had
    /// thoughts that you would be better off dead, or of hurting yourself in some way?" True
    /// keeps the answer first, alerts the people the person shares check-in scores with, and
    /// returns crisis help.
    #[serde(default)]
    pub self_harm: bool,
    /// True to replace the day's check-in, when it has one (else 409).
    #[serde(default)]
    pub replace: bool,
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct OwnSymptom {
    pub name: String,
    /// 0 (none) to 3 (severe).
    pub score: u8,
}

/// The check-in as kept.
#[derive(Serialize, ToSchema)]
pub struct CheckInSaved {
    #[schema(format = Date)]
    pub date: String,
    /// The day's burden, 0 to 51, as GET /api/v1/checkins gives it; null when fewer than half the
    /// items were answered.
    pub burden: Option<f64>,
    /// Whether the day's burden is hard in itself: the people who see the person's check-in
    /// scores are flagged, as after the web form.
    pub hard_day: bool,
    /// Present when the body answered yes to the daily question: show it to the person first.
    pub crisis: Option<Crisis>,
}

/// Records a day's check-in.
///
/// The same checks as the web form. A `self_harm: true` is kept before anything else and alerts
/// supporters; then every answer, a refusal too, carries `crisis`: show it to the person first.
/// Needs a token that records check-ins and reads check-in scores.
#[utoipa::path(post, path = "/api/v1/checkins", tag = "checkins", security(("token" = [])),
    request_body = NewCheckIn,
    responses(
        (status = 201, description = "Recorded", body = CheckInSaved),
        (status = 400, description = "The body is wrong; `field` says which part", body = ErrorBody),
        (status = 401, description = "No token, or one that does not work", body = ErrorBody),
        (status = 403, description = "The token does not record check-ins, or does not read what was sent",
            body = ErrorBody),
        (status = 409, description = "The day has a check-in: send `replace: true` to replace it", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 429, description = "Too many changes in a short time; Retry-After says when to try again",
            body = ErrorBody),
    ))]
pub async fn record(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, Json<CheckInSaved>)> {
    let body = body.map_err(|_| {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "The body is too large: a check-in is at most a few kilobytes.")
    })?;
    let now = jiff::Timestamp::now();
    let today = caller.today();
    let fields = super::questionnaire::object(&body, "{\"wellbeing\": 6}")?;
    // Before anything can go wrong, even a token not allowed to record check-ins (it is still the
    // person's own): a "yes" is kept and alerts supporters.
    let crisis = match fields.get("self_harm") {
        Some(Value::Bool(true)) => {
            let pairs = [("date".to_string(), text(&fields, "date")?.unwrap_or_default())];
            let day = crate::checkin_form::day_or_today(&pairs, today);
            let alerted = crate::self_harm::keep_daily_yes(&state, caller.owner(), day, now).await?;
            caller.logged(&state, "recorded a yes to the daily question through the API").await?;
            Some(super::crisis::for_user(&state, &caller.user, alerted))
        }
        _ => None,
    };
    let with_crisis = |e: ApiError| super::questionnaire::with_crisis(e, crisis.as_ref());
    caller.needs(&state, Category::CheckinScores).await.map_err(&with_crisis)?;
    super::questionnaire::may_record(&caller).map_err(&with_crisis)?;
    let pairs = form_pairs(&fields, today).map_err(&with_crisis)?;
    if !crate::form::value(&pairs, "note").trim().is_empty() && !caller.reads(Category::CheckinNotes) {
        let e = ApiError::new(
            StatusCode::FORBIDDEN,
            "This token does not read check-in notes, so it cannot write one: leave out \"note\", or the person can \
             make a token that reads notes on Account, API tokens.",
        );
        return Err(with_crisis(e.at("note")));
    }
    if let Ok(day) = crate::checkin_form::parse_day(&crate::form::value(&pairs, "date"), today)
        && !matches!(fields.get("replace"), Some(Value::Bool(true)))
        && state.store.checkin_on(caller.owner(), day).await?.is_some()
    {
        let e = ApiError::new(
            StatusCode::CONFLICT,
            format!("{day} has a check-in already: send \"replace\": true to replace it, or leave it as it is."),
        );
        return Err(with_crisis(e.at("replace")));
    }
    let day = match crate::checkin_form::store_form(&state, caller.owner(), &pairs, today, now).await? {
        Ok(day) => day,
        Err(refused) => {
            let first = refused.errors.first();
            let field = first.map_or_else(|| "body".to_string(), |f| field_of(&f.name));
            let message = first.map_or_else(|| "The check-in could not be read.".to_string(), |f| f.message.clone());
            return Err(with_crisis(ApiError::field(&field, message)));
        }
    };
    caller.logged(&state, "recorded a check-in through the API").await?;
    let saved = state.store.checkin_on(caller.owner(), day).await?;
    let burden = saved.as_ref().and_then(|c| taper_core::symptoms::burden_shown(&c.scores));
    let hard_day = saved
        .as_ref()
        .and_then(|c| taper_core::symptoms::burden_of(&c.scores))
        .is_some_and(taper_core::symptoms::is_hard);
    Ok((StatusCode::CREATED, Json(CheckInSaved { date: day.to_string(), burden, hard_day, crisis })))
}

/// The JSON field a form field's error is about.
fn field_of(form_field: &str) -> String {
    if CHECKLIST.iter().any(|i| i.key == form_field) {
        format!("symptoms.{form_field}")
    } else {
        form_field.to_string()
    }
}

/// The fields a check-in may have.
const FIELDS: &[&str] =
    &["date", "symptoms", "rest_none", "own", "wellbeing", "sleep_hours", "note", "self_harm", "replace"];

/// The body as the web form's fields (the day `today` when left out), or which field is wrong and why.
fn form_pairs(fields: &Map<String, Value>, today: jiff::civil::Date) -> ApiResult<Vec<(String, String)>> {
    if let Some(k) = fields.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(ApiError::field(k, format!("'{k}' is not a field of a check-in: {}.", FIELDS.join(", "))));
    }
    let mut pairs = vec![("date".to_string(), text(fields, "date")?.unwrap_or_else(|| today.to_string()))];
    pairs.extend(symptoms(fields)?);
    if flag(fields, "rest_none")? {
        pairs.push(("rest_none".into(), "yes".into()));
    }
    pairs.extend(own(fields)?);
    match fields.get("wellbeing") {
        Some(Value::Number(n)) if n.as_u64().is_some_and(|w| w <= u64::from(MAX_WELLBEING)) => {
            pairs.push(("wellbeing".into(), n.to_string()));
        }
        _ => {
            return Err(ApiError::field(
                "wellbeing",
                format!("wellbeing is a whole number from 0 (worst) to {MAX_WELLBEING} (best)."),
            ));
        }
    }
    match fields.get("sleep_hours") {
        None | Some(Value::Null) => {}
        Some(Value::Number(n)) => pairs.push(("sleep_hours".into(), n.to_string())),
        Some(_) => return Err(ApiError::field("sleep_hours", "sleep_hours is a number of hours, 0 to 24.")),
    }
    pairs.push(("note".into(), text(fields, "note")?.unwrap_or_default()));
    flag(fields, "self_harm")?;
    flag(fields, "replace")?;
    Ok(pairs)
}

/// One answer, 0 to 3, as the form sends it; `field` names it when it is not one.
fn score(field: &str, v: &Value) -> ApiResult<String> {
    match v.as_u64() {
        Some(n) if n <= u64::from(taper_core::symptoms::MAX_SCORE) => Ok(n.to_string()),
        _ => Err(ApiError::field(field, format!("{field} is 0 (none), 1 (mild), 2 (moderate) or 3 (severe)."))),
    }
}

/// The checklist's answers as the form's `s_<key>` fields.
fn symptoms(fields: &Map<String, Value>) -> ApiResult<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    match fields.get("symptoms") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (key, v) in m {
                let field = format!("symptoms.{key}");
                if !CHECKLIST.iter().any(|i| i.key == key) {
                    let keys: Vec<&str> = CHECKLIST.iter().map(|i| i.key).collect();
                    let why = format!("'{key}' is not a checklist item: {}.", keys.join(", "));
                    return Err(ApiError::field(&field, why));
                }
                pairs.push((format!("s_{key}"), score(&field, v)?));
            }
        }
        Some(_) => return Err(ApiError::field("symptoms", "symptoms is an object: {\"<item key>\": 0 to 3}.")),
    }
    Ok(pairs)
}

/// The person's own symptoms as the form's `own_<i>` (name) and `o_<i>` (answer) fields.
fn own(fields: &Map<String, Value>) -> ApiResult<Vec<(String, String)>> {
    let list = match fields.get("own") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) if list.len() <= MAX_OWN_PER_CHECKIN => list,
        Some(_) => {
            let why = format!(
                "own is a list of at most {MAX_OWN_PER_CHECKIN} symptoms: [{{\"name\": \"...\", \"score\": 0 to 3}}]."
            );
            return Err(ApiError::field("own", why));
        }
    };
    let mut pairs = Vec::new();
    for (i, o) in list.iter().enumerate() {
        let field = format!("own[{i}]");
        let name = o.get("name").and_then(Value::as_str).filter(|n| !n.trim().is_empty());
        let only_these = o.as_object().is_some_and(|m| m.keys().all(|k| k == "name" || k == "score"));
        let (Some(name), Some(s), true) = (name, o.get("score"), only_these) else {
            return Err(ApiError::field(&field, format!("{field} is {{\"name\": \"...\", \"score\": 0 to 3}}.")));
        };
        pairs.push((format!("own_{i}"), name.to_string()));
        pairs.push((format!("o_{i}"), score(&format!("{field}.score"), s)?));
    }
    Ok(pairs)
}

/// An optional true or false.
fn flag(fields: &Map<String, Value>, name: &str) -> ApiResult<bool> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(ApiError::field(name, format!("{name} is true or false."))),
    }
}

#[cfg(test)]
mod tests {
    /// The flag a "yes" raises says it was asked in these words: the API asks apps to use them.
    #[test]
    fn the_api_document_gives_the_daily_question_in_its_own_words() {
        let doc = super::super::document().replace("\\n", " ");
        let doc = doc.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(doc.contains(taper_core::measures::DAILY_SAFETY_QUESTION), "{doc}");
    }
}
