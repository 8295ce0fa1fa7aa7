//! Answers about self-harm, kept before anything else can fail: PHQ-9 item 9 above zero and a
//! "yes" to the optional daily question, from the form or from a lapsed one ([`crate::lapsed`]);
//! and what the person is told about who was alerted. Its own module so the questionnaire and
//! check-in pages and the CSRF guard all use it without depending on one another.

use taper_core::consent::Category;
use taper_core::measures::{self, Answers, Instrument};

use crate::AppState;
use crate::error::{AppError, AppResult};

/// The answers a form sent: `item1..itemN`, each 0–3 or missing.
pub fn answers_of(inst: Instrument, pairs: &[(String, String)]) -> Vec<Option<u8>> {
    (1..=inst.items().len()).map(|n| choice(pairs, &format!("item{n}"))).collect()
}

/// The questionnaire's unscored closing answer, 0–3, if the form sent one.
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
    keep_item9(state, user, inst, values, today, now).await?;
    keep_answers(state, user, inst, values, difficulty, today, now).await
}

/// Keeps the questionnaire when every question is answered (its item-9 answer is kept apart, by
/// `keep_item9`). Returns the saved answers.
pub async fn keep_answers(
    state: &AppState,
    user: taper_store::UserId,
    inst: Instrument,
    values: &[Option<u8>],
    difficulty: Option<u8>,
    today: jiff::civil::Date,
    now: jiff::Timestamp,
) -> AppResult<Option<Answers>> {
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
    crate::timeline::refresh_readings(state, user, today, now).await?;
    Ok(Some(answers))
}

/// Keeps an item-9 answer above zero in `values`, alone; whether there was one.
pub async fn keep_item9(
    state: &AppState,
    user: taper_store::UserId,
    inst: Instrument,
    values: &[Option<u8>],
    today: jiff::civil::Date,
    now: jiff::Timestamp,
) -> AppResult<bool> {
    let Some(v) = item9_of(inst, values) else { return Ok(false) };
    state.store.save_signal(user, today, v, now).await?;
    Ok(true)
}

/// Crisis help for `user`: their chosen country first (else their time zone's), then the
/// international fallback.
pub fn crisis_for(state: &AppState, user: &taper_store::User) -> Vec<crate::crisis::Country> {
    state.crisis.panel_for(user.country.as_deref(), Some(&user.time_zone)).into_iter().cloned().collect()
}

/// Keeps a "yes" to the daily question for `user` on `day`, before anything else can fail, and
/// says who was alerted.
pub async fn keep_daily_yes(
    state: &AppState,
    user: taper_store::UserId,
    day: jiff::civil::Date,
    now: jiff::Timestamp,
) -> AppResult<String> {
    state.store.save_daily_safety(user, day, 1, now).await?;
    Ok(alert_words(&alerted_about(state, user, Category::CheckinScores).await?))
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
/// Each of them is also e-mailed, when the server sends e-mail (issue 20), once a day at most
/// per person and supporter, with no name and no health detail: only that a flag waits.
pub async fn alerted_about(state: &AppState, user: taper_store::UserId, about: Category) -> AppResult<Alerts> {
    let mut a = Alerts::default();
    for s in state.store.shares_of(user).await?.into_iter().filter(|s| s.revoked_at.is_none()) {
        if s.scope.contains(about) {
            email_supporter(state, user, s.grantee).await?;
            a.told.push(s.grantee_name);
        } else {
            a.not_told.push(s.grantee_name);
        }
    }
    Ok(a)
}

async fn email_supporter(state: &AppState, user: taper_store::UserId, supporter: taper_store::UserId) -> AppResult<()> {
    let Some(mail) = state.mail.as_ref() else { return Ok(()) };
    let to = state.store.user(supporter).await?;
    let now = jiff::Timestamp::now();
    let body = format!(
        "Someone who shares their Taper record with you has a new urgent flag. Please look at your caseload soon: {}/caseload\n\nTaper is not watched by anyone in real time. If you think someone is in danger now, call the emergency number.\n",
        mail.public_url
    );
    let email = crate::mail::Email { to: to.email, subject: "An urgent flag in Taper".into(), body, unsubscribe: None };
    let payload = serde_json::to_string(&email).map_err(|e| AppError::internal("an urgent e-mail", e))?;
    let day = now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let dedupe = format!("urgent:{user}:{supporter}:{day}");
    let people = taper_store::JobPeople { to: Some(supporter), about: Some(user) };
    state.store.enqueue(crate::mail::EMAIL_JOB, Some(&dedupe), &payload, people, now, now).await?;
    Ok(())
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
