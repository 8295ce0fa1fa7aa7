//! Answers about self-harm, kept before anything else can fail: PHQ-9 item 9 above zero and a
//! "yes" to the optional daily question, from the form or held across a lapsed session until
//! sign-in; and what the person is told about who was alerted. Its own module so the
//! questionnaire and check-in pages, the CSRF guard and sign-in all use it without depending
//! on one another.

use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use taper_core::consent::Category;
use taper_core::measures::{self, Answers, Instrument};

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::views;
use tower_sessions::Session;

/// The answers a form sent: `item1..itemN`, each 0–3 or missing.
pub fn answers_of(inst: Instrument, pairs: &[(String, String)]) -> Vec<Option<u8>> {
    (1..=inst.items().len()).map(|n| choice(pairs, &format!("item{n}"))).collect()
}

/// PHQ-9's unscored closing answer, 0–3, if the form sent one; None for other instruments.
pub fn difficulty_of(inst: Instrument, pairs: &[(String, String)]) -> Option<u8> {
    inst.asks_difficulty().then(|| choice(pairs, "difficulty")).flatten()
}

/// One of the four answers (0–3) a form sent under `name`; None when missing or anything else.
fn choice(pairs: &[(String, String)], name: &str) -> Option<u8> {
    pairs.iter().find(|(k, _)| k == name).and_then(|(_, v)| measures::answer_of(v))
}

/// The item-9 answer above zero in PHQ-9 answers, if any.
pub fn item9_of(inst: Instrument, values: &[Option<u8>]) -> Option<u8> {
    (inst == Instrument::Phq9)
        .then(|| values.get(measures::ITEM9_INDEX).copied().flatten())
        .flatten()
        .filter(|v| *v > 0)
}

/// Keeps what can be kept: an item-9 answer above zero always (so it flags every supporter even
/// when the rest is unanswered), the questionnaire when complete. Returns the saved answers.
pub async fn keep(
    state: &AppState,
    user: taper_store::UserId,
    inst: Instrument,
    values: &[Option<u8>],
    difficulty: Option<u8>,
    today: jiff::civil::Date,
    now: jiff::Timestamp,
) -> AppResult<Option<Answers>> {
    if let Some(v) = item9_of(inst, values) {
        state.store.save_signal(user, today, v, now).await?;
    }
    if values.iter().any(Option::is_none) {
        return Ok(None);
    }
    let items: Vec<u8> = values.iter().map(|v| v.unwrap_or(0)).collect();
    let answers = Answers::new(inst, &items).map_err(|e| AppError::BadRequest(e.to_string()))?;
    state
        .store
        .save_questionnaire(
            user,
            inst.key(),
            today,
            answers.items(),
            answers.total(),
            answers.item9(),
            difficulty.filter(|_| inst.asks_difficulty()),
            now,
        )
        .await?;
    Ok(Some(answers))
}

/// Who an urgent questionnaire flag reaches now, and who it does not because the person keeps
/// their questionnaires from them.
#[derive(Debug, Default)]
pub struct Alerts {
    pub told: Vec<String>,
    pub not_told: Vec<String>,
}

pub async fn alerted(state: &AppState, user: taper_store::UserId) -> AppResult<Alerts> {
    alerted_about(state, user, Category::Questionnaires).await
}

/// Who an urgent flag from `about` reaches: the active supporters who see that part of the record.
pub async fn alerted_about(state: &AppState, user: taper_store::UserId, about: Category) -> AppResult<Alerts> {
    let mut a = Alerts::default();
    for s in state.store.shares_of(user).await?.into_iter().filter(|s| s.revoked_at.is_none()) {
        if s.scope.contains(about) {
            a.told.push(s.grantee_name);
        } else {
            a.not_told.push(s.grantee_name);
        }
    }
    Ok(a)
}

/// What the person is told when an item-9 answer was kept before the rest was answered.
pub fn kept_words(alerted: &Alerts) -> String {
    alert_sentence(alerted, "Your answer to question 9 has been kept", "your questionnaires")
}

/// Why someone the person shares with was not alerted about an item-9 answer.
pub const NOT_TOLD: &str = "cannot see your questionnaires, so was not alerted (you can change that under Sharing).";

/// What the person is told after a "yes" to the daily question.
pub fn alert_words(who: &Alerts) -> String {
    alert_sentence(who, "Your answer has been kept", "your check-in scores")
}

/// `kept`, then who will see an urgent note and who will not because they do not see `shared`
/// (the part of the record the answer belongs to).
fn alert_sentence(alerted: &Alerts, kept: &str, shared: &str) -> String {
    let mut words = if alerted.told.is_empty() {
        format!("{kept}. No one has been alerted: you do not share {shared} with anyone.")
    } else {
        format!("{kept}, and {} will see an urgent note to check in with you.", alerted.told.join(" and "))
    };
    if !alerted.not_told.is_empty() {
        words.push_str(&format!(
            " {} cannot see {shared}, so was not alerted (you can change that under Sharing).",
            alerted.not_told.join(" and ")
        ));
    }
    words
}

/// Where PHQ-9 answers wait, in the browser's session, when the form they came on had lapsed.
const PENDING_PHQ9: &str = "pending_phq9";
/// PHQ-9's unscored closing answer from the same lapsed form, kept beside the answers.
const PENDING_PHQ9_DIFFICULTY: &str = "pending_phq9_difficulty";
/// Where a "yes" to the daily question waits (the day it was for), when the check-in form lapsed.
const PENDING_SELFHARM: &str = "pending_selfharm";

/// Holds PHQ-9 answers from a lapsed form in the session until sign-in; whether it was kept.
pub async fn hold_phq9(session: &Session, values: &[Option<u8>], difficulty: Option<u8>) -> bool {
    session.insert(PENDING_PHQ9, values).await.is_ok()
        && session.insert(PENDING_PHQ9_DIFFICULTY, difficulty).await.is_ok()
}

/// Holds a "yes" to the daily question from a lapsed check-in (the day it was for, if it read
/// as one) in the session until sign-in; whether it was kept.
pub async fn hold_selfharm(session: &Session, day: Option<jiff::civil::Date>) -> bool {
    session.insert(PENDING_SELFHARM, day.map(|d| d.to_string()).unwrap_or_default()).await.is_ok()
}

/// What lapsed forms left in the session, taken out at sign-in (before the session is renewed).
pub struct HeldAnswers {
    phq9: Option<Vec<Option<u8>>>,
    difficulty: Option<u8>,
    selfharm_day: Option<String>,
}

pub async fn take_held(session: &Session) -> HeldAnswers {
    HeldAnswers {
        phq9: session.remove(PENDING_PHQ9).await.ok().flatten(),
        difficulty: session.remove(PENDING_PHQ9_DIFFICULTY).await.ok().flatten().flatten(),
        selfharm_day: session.remove(PENDING_SELFHARM).await.ok().flatten(),
    }
}

/// Saves what was held for `u` and says so; `None` when nothing was held. Both can wait at
/// once (two lapsed forms); neither is dropped.
pub async fn save_held(
    state: &AppState,
    u: &taper_store::User,
    held: HeldAnswers,
    now: Timestamp,
) -> AppResult<Option<Response>> {
    let tz = jiff::tz::TimeZone::get(&u.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let today = now.to_zoned_datetime(tz).date();
    let mut words = Vec::new();
    if let Some(day) = &held.selfharm_day {
        let on = day.parse::<jiff::civil::Date>().ok().filter(|d| *d <= today).unwrap_or(today);
        state.store.save_daily_safety(u.id, on, 1, now).await?;
        let who = alerted_about(state, u.id, Category::CheckinScores).await?;
        words.push(alert_words(&who));
        words.push("The rest of that check-in was not kept; you can fill it in again under Check in.".into());
    }
    let Some(values) = &held.phq9 else {
        return Ok(
            (!words.is_empty()).then(|| views::message_page("Your answer is saved", &words.join(" ")).into_response())
        );
    };
    let saved = keep(state, u.id, Instrument::Phq9, values, held.difficulty, today, now).await?;
    words.push(kept_words(&alerted(state, u.id).await?));
    words.push(if saved.is_some() {
        "Your whole PHQ-9 was saved too; you can see it under Questionnaires.".into()
    } else {
        "The rest of the questionnaire was not finished; you can fill it in again under Questionnaires.".into()
    });
    Ok(Some(views::message_page("Your answers are saved", &words.join(" ")).into_response()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_words_name_who_was_alerted_and_who_was_not() {
        let both = Alerts { told: vec!["Dr Lee".into()], not_told: vec!["Val".into()] };
        let words = kept_words(&both);
        assert!(words.starts_with("Your answer to question 9 has been kept, and Dr Lee will see an urgent note"));
        assert!(words.ends_with(&format!("Val {NOT_TOLD}")), "{words}");
        let alone = alert_words(&Alerts::default());
        assert_eq!(
            alone,
            "Your answer has been kept. No one has been alerted: you do not share your check-in scores with anyone."
        );
    }
}
