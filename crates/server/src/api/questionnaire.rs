//! Recording a PHQ-9 or GAD-7 through the API, as the web form does (`self_harm::keep`): an
//! answer above zero to PHQ-9 question 9 is kept first, even with other answers missing, and
//! alerts supporters; every answer to it, a refusal too, carries crisis help for the app to show.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use taper_core::consent::Category;
use taper_core::measures::Instrument;
use utoipa::ToSchema;

use super::crisis::Crisis;
use super::{ApiError, ApiResult, Caller, ErrorBody};
use crate::AppState;

// Read by `parse`, which names the field at fault; the derive gives the OpenAPI document its shape.
/// A questionnaire answered today.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "the OpenAPI document's shape: the body is read field by field, to name the one at fault")]
pub struct NewQuestionnaire {
    /// "phq9" or "gad7".
    pub questionnaire: String,
    /// Each question's answer in order (9 for PHQ-9, 7 for GAD-7): 0 (not at all) to 3 (nearly
    /// every day); null for a question not answered (nothing is kept then, but a PHQ-9 question
    /// 9 above zero is, and alerts supporters).
    pub answers: Vec<Option<u8>>,
    /// The closing question, how difficult the problems made daily life: 0 to 3 (not scored).
    #[serde(default)]
    pub difficulty: Option<u8>,
}

/// The result as kept.
#[derive(Serialize, ToSchema)]
pub struct QuestionnaireSaved {
    pub questionnaire: String,
    #[schema(format = Date)]
    pub date: String,
    pub total: u32,
    pub max: u32,
    pub band: String,
    /// PHQ-9 question 9, 0 to 3; null for GAD-7.
    pub item9: Option<u8>,
    /// Against the same questionnaire's latest result of an earlier day, by its reliable change
    /// ("reliable improvement", "reliable deterioration", "no reliable change"; "taken again the
    /// same day: not compared"); null for the first.
    pub change: Option<String>,
    /// Present when PHQ-9 question 9 was above zero: show it to the person first.
    pub crisis: Option<Crisis>,
}

/// Records a PHQ-9 or GAD-7 answered today.
///
/// A PHQ-9 question 9 above zero is kept before anything else and alerts supporters; then every
/// answer, a refusal too, carries `crisis`: show it to the person first. The same answers sent
/// again within ten minutes are kept once. Needs a token that records check-ins and
/// questionnaires and reads questionnaires.
#[utoipa::path(post, path = "/api/v1/questionnaires", tag = "questionnaires", security(("token" = [])),
    request_body = NewQuestionnaire,
    responses(
        (status = 201, description = "Recorded", body = QuestionnaireSaved),
        (status = 400, description = "The body is wrong; `field` says which part", body = ErrorBody),
        (status = 401, description = "No token, or one that does not work", body = ErrorBody),
        (status = 403, description = "The token does not record questionnaires", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 429, description = "Too many changes in a short time; Retry-After says when to try again",
            body = ErrorBody),
    ))]
pub async fn record(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, Json<QuestionnaireSaved>)> {
    let body = body.map_err(|_| {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "The body is too large: a questionnaire is a few dozen bytes.")
    })?;
    let fields = object(&body, "{\"questionnaire\": \"gad7\", \"answers\": [0, 1, 0, 0, 2, 1, 0]}")?;
    let (inst, values, difficulty) = parse(&fields)?;
    let (today, now) = (caller.today(), jiff::Timestamp::now());
    let mine = crate::pages::questionnaires::mine(&state, caller.owner(), inst).await?;
    let resent = crate::pages::questionnaires::resent(&mine, &values, difficulty, today, now);
    // Before anything can go wrong, even a token not allowed to record questionnaires (it is
    // still the person's own): an item-9 answer is kept and flags every supporter (a resent
    // one's was kept the first time).
    let item9_raised = crate::self_harm::item9_of(inst, &values).is_some();
    let crisis = if item9_raised {
        if resent.is_none() {
            crate::self_harm::keep_item9(&state, caller.owner(), inst, &values, today, now).await?;
        }
        caller.logged(&state, "recorded an answer to PHQ-9 question 9 through the API").await?;
        let alerted = crate::self_harm::alerted(&state, caller.owner()).await?;
        Some(super::crisis::for_user(&state, &caller.user, crate::self_harm::kept_words(&alerted)))
    } else {
        None
    };
    caller.needs(&state, Category::Questionnaires).await.map_err(|e| with_crisis(e, crisis.as_ref()))?;
    may_record(&caller).map_err(|e| with_crisis(e, crisis.as_ref()))?;
    // The item-9 answer is kept above: the rest only with every question answered.
    let saved = match resent {
        Some(last) => Some(last.answers.clone()),
        None => crate::self_harm::keep_answers(&state, caller.owner(), inst, &values, difficulty, today, now)
            .await?
            .map(|a| a.items().to_vec()),
    };
    let Some(items) = saved else {
        let missing = values.iter().position(Option::is_none).unwrap_or_default();
        let e = ApiError::field(
            &format!("answers[{missing}]"),
            format!("Question {} has no answer: nothing was kept but an answer to question 9.", missing + 1),
        );
        return Err(with_crisis(e, crisis.as_ref()));
    };
    if resent.is_none() {
        caller.logged(&state, &format!("recorded a {} through the API", inst.name())).await?;
    }
    let before = if resent.is_some() { &mine[..mine.len() - 1] } else { &mine[..] };
    let scoring = state.measures.of(inst);
    let total: u32 = items.iter().map(|&v| u32::from(v)).sum();
    let earlier: Vec<&taper_store::QuestionnaireRecord> = before.iter().collect();
    let change = super::reads::change_against(&state, inst, &earlier, today, total);
    Ok((
        StatusCode::CREATED,
        Json(QuestionnaireSaved {
            questionnaire: inst.key().to_string(),
            date: today.to_string(),
            total,
            max: inst.max(),
            band: scoring.band(total).to_string(),
            item9: (inst == Instrument::Phq9).then(|| items.get(taper_core::measures::ITEM9_INDEX).copied()).flatten(),
            change,
            crisis,
        }),
    ))
}

/// Refused unless the token may record check-ins and questionnaires.
pub fn may_record(caller: &Caller) -> ApiResult<()> {
    if caller.token.record_checkins {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "This token does not record check-ins and questionnaires. The person can make one that does on Account, API \
         tokens.",
    ))
}

/// The body as a JSON object, or a refusal that shows `example`.
pub fn object(body: &[u8], example: &str) -> ApiResult<Map<String, Value>> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(StatusCode::BAD_REQUEST, format!("The body is not JSON ({e}); send e.g. {example}."))
    })?;
    match value {
        Value::Object(fields) => Ok(fields),
        _ => Err(ApiError::new(StatusCode::BAD_REQUEST, format!("The body must be a JSON object, e.g. {example}."))),
    }
}

/// `e` with crisis help, when the body held an answer about self-harm: a refusal must not hide it.
pub fn with_crisis(mut e: ApiError, crisis: Option<&Crisis>) -> ApiError {
    if let Some(c) = crisis {
        e.body.crisis = Some(Box::new(c.clone()));
    }
    e
}

/// The fields a questionnaire may have.
const FIELDS: &[&str] = &["questionnaire", "answers", "difficulty"];

type Parsed = (Instrument, Vec<Option<u8>>, Option<u8>);

fn parse(fields: &Map<String, Value>) -> ApiResult<Parsed> {
    if let Some(k) = fields.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(ApiError::field(k, format!("'{k}' is not a field of a questionnaire: {}.", FIELDS.join(", "))));
    }
    let inst = match fields.get("questionnaire") {
        Some(Value::String(k)) => Instrument::from_key(k),
        _ => None,
    }
    .ok_or_else(|| ApiError::field("questionnaire", "questionnaire is \"phq9\" or \"gad7\"."))?;
    let n = inst.items().len();
    let Some(Value::Array(list)) = fields.get("answers") else {
        return Err(ApiError::field("answers", format!("answers is a list of {n} answers, each 0 to 3 or null.")));
    };
    if list.len() != n {
        return Err(ApiError::field(
            "answers",
            format!("{} has {n} questions; {} answers were sent.", inst.name(), list.len()),
        ));
    }
    let mut values = Vec::with_capacity(n);
    for (i, v) in list.iter().enumerate() {
        values.push(match v {
            Value::Null => None,
            Value::Number(x) if x.as_u64().is_some_and(|a| a <= u64::from(taper_core::measures::MAX_ANSWER)) => {
                x.as_u64().and_then(|a| u8::try_from(a).ok())
            }
            _ => return Err(ApiError::field(&format!("answers[{i}]"), "Each answer is 0 to 3, or null for none.")),
        });
    }
    let difficulty = match fields.get("difficulty") {
        None | Some(Value::Null) => None,
        Some(Value::Number(x))
            if inst.asks_difficulty()
                && x.as_u64().is_some_and(|a| a <= u64::from(taper_core::measures::MAX_ANSWER)) =>
        {
            x.as_u64().and_then(|a| u8::try_from(a).ok())
        }
        Some(_) if !inst.asks_difficulty() => {
            return Err(ApiError::field("difficulty", format!("{} does not ask it: leave it out.", inst.name())));
        }
        Some(_) => return Err(ApiError::field("difficulty", "difficulty is 0 to 3, or left out.")),
    };
    Ok((inst, values, difficulty))
}
