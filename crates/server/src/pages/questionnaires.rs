//! PHQ-9 and GAD-7 for the person: scheduled every 14 days, scored with bands and reliable
//! change. An item-9 answer above zero shows crisis resources in the very same response and
//! never blocks saving.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use taper_core::measures::{ANSWERS, ATTRIBUTION, Answers, Change, Instrument};
use taper_store::QuestionnaireRecord;

use crate::AppState;
use crate::auth::Person;
use crate::error::{AppError, AppResult};
use crate::views::{self, Field, QuestionView, ScoreView};
use taper_core::measures::QUESTIONNAIRE_EVERY_DAYS;

fn instrument(key: &str) -> AppResult<Instrument> {
    Instrument::from_key(key).ok_or(AppError::NotFound)
}

fn change_text(state: &AppState, inst: Instrument, previous: Option<&QuestionnaireRecord>, total: u32) -> String {
    let s = state.measures.of(inst);
    match previous {
        None => "Your first score: later ones are compared with it.".into(),
        Some(p) => match s.change(p.total, total) {
            Change::ReliableDeterioration => {
                format!("Up {} from {} on {}: a reliable worsening.", total - p.total, p.total, p.date)
            }
            Change::ReliableImprovement => {
                format!("Down {} from {} on {}: a reliable improvement.", p.total - total, p.total, p.date)
            }
            Change::NoReliableChange => format!("{} on {}: no reliable change.", p.total, p.date),
        },
    }
}

pub async fn index(State(state): State<AppState>, person: Person) -> AppResult<Response> {
    let qs = state.store.questionnaires(person.id()).await?;
    let today = person.today();
    let due = Instrument::ALL
        .iter()
        .map(|&i| {
            let last = qs.iter().rev().find(|q| q.instrument == i.key());
            let status = match last {
                None => "not done yet — due now".to_string(),
                Some(q) => {
                    let due = taper_core::course::after(q.date, QUESTIONNAIRE_EVERY_DAYS);
                    if due <= today { format!("due (last done {})", q.date) } else { format!("next due {due}") }
                }
            };
            (i.key(), i.name(), status)
        })
        .collect();
    let mut history = Vec::new();
    for (k, q) in qs.iter().enumerate() {
        let Some(inst) = Instrument::from_key(&q.instrument) else { continue };
        let prev = qs[..k].iter().rev().find(|p| p.instrument == q.instrument);
        history.push(ScoreView {
            date: q.date.to_string(),
            name: inst.name(),
            total: q.total,
            max: inst.max(),
            band: state.measures.of(inst).band(q.total).to_string(),
            change: change_text(&state, inst, prev, q.total),
        });
    }
    history.reverse();
    Ok(views::Questionnaires { chrome: person.chrome("questionnaires"), due, history, attribution: ATTRIBUTION }
        .into_response())
}

fn form_page(
    person: &Person,
    inst: Instrument,
    values: &[Option<u8>],
    errors: Vec<Field>,
    crisis: Vec<crate::crisis::Country>,
) -> views::QuestionnaireForm {
    views::QuestionnaireForm {
        chrome: person.chrome("questionnaires"),
        key: inst.key(),
        name: inst.name(),
        stem: inst.stem(),
        questions: inst
            .items()
            .iter()
            .enumerate()
            .map(|(i, text)| QuestionView { n: i + 1, text, value: values.get(i).copied().flatten().map(usize::from) })
            .collect(),
        answers: ANSWERS,
        attribution: ATTRIBUTION,
        errors,
        crisis,
    }
}

pub async fn form(person: Person, Path(key): Path<String>) -> AppResult<Response> {
    let inst = instrument(&key)?;
    Ok(form_page(&person, inst, &[], vec![], vec![]).into_response())
}

pub async fn save(
    State(state): State<AppState>,
    person: Person,
    Path(key): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let inst = instrument(&key)?;
    let values: Vec<Option<u8>> = (1..=inst.items().len())
        .map(|n| {
            pairs
                .iter()
                .find(|(k, _)| *k == format!("item{n}"))
                .and_then(|(_, v)| v.trim().parse::<u8>().ok())
                .filter(|v| *v <= 3)
        })
        .collect();
    let crisis = state.crisis.ordered_for(Some(&person.user.time_zone)).into_iter().cloned().collect::<Vec<_>>();
    let item9_raised = inst == Instrument::Phq9 && values.get(8).copied().flatten().is_some_and(|v| v > 0);
    let missing: Vec<Field> = values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_none())
        .map(|(i, _)| Field::error(format!("item{}", i + 1), format!("Question {} has no answer.", i + 1)))
        .collect();
    if !missing.is_empty() {
        let shown = if item9_raised { crisis } else { vec![] };
        return Ok(views::again(form_page(&person, inst, &values, missing, shown)));
    }
    let items: Vec<u8> = values.iter().map(|v| v.unwrap_or(0)).collect();
    let answers = Answers::new(inst, &items).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let previous =
        state.store.questionnaires(person.id()).await?.into_iter().rev().find(|q| q.instrument == inst.key());
    let today = person.today();
    state
        .store
        .save_questionnaire(
            person.id(),
            inst.key(),
            today,
            answers.items(),
            answers.total(),
            answers.item9(),
            person.now(),
        )
        .await?;
    if item9_raised {
        tracing::warn!(user = %person.id(), "PHQ-9 item 9 above zero: urgent flag raised for everyone shared with");
    }
    let shared_with = state.store.shares_of(person.id()).await?.iter().filter(|s| s.revoked_at.is_none()).count();
    let page = views::QuestionnaireResult {
        chrome: person.chrome("questionnaires"),
        score: ScoreView {
            date: today.to_string(),
            name: inst.name(),
            total: answers.total(),
            max: inst.max(),
            band: state.measures.of(inst).band(answers.total()).to_string(),
            change: change_text(&state, inst, previous.as_ref(), answers.total()),
        },
        item9: item9_raised,
        shared_with,
        crisis: if item9_raised { crisis } else { vec![] },
    };
    Ok(page.into_response())
}
