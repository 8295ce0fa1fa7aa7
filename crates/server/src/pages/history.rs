//! The person's medication history and the withdrawal-or-relapse aid. Both are computed by the
//! core (`history::advise`, `assess::assess`) and kept in the person's record.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use taper_core::assess::{self, Answer, Episode, Leaning, Onset, Reinstatement};
use taper_core::history::{self, Background, Event, EventKind, PaceAdvice};

use crate::AppState;
use crate::auth::Person;
use crate::error::{AppError, AppResult};
use crate::pages::learn::Cited;
use crate::views;
use askama::Template;
use askama_web::WebTemplate;

/// The most other psychiatric medications the background records (more counts the same).
pub const MAX_CONCURRENT: u32 = 20;

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct StoredBackground {
    pub concurrent: u32,
    pub intermittent: bool,
    pub past_severe: bool,
}

/// The pace the person's history suggests, from the core.
pub async fn advice_for(state: &AppState, user: taper_store::UserId, today: Date) -> AppResult<PaceAdvice> {
    let events: Vec<Event> = state
        .store
        .med_events(user)
        .await?
        .into_iter()
        .filter_map(|e| {
            EventKind::from_key(&e.kind).map(|kind| Event { date: e.date, drug: e.drug, kind, abrupt: e.abrupt })
        })
        .collect();
    let bg: StoredBackground = stored_background(state, user).await?;
    let background = Background {
        concurrent_psychotropics: bg.concurrent,
        intermittent_use: bg.intermittent,
        past_severe_withdrawal: bg.past_severe,
    };
    Ok(history::advise(&events, &background, today))
}

/// The person's answers about their medication background, or the defaults before any.
async fn stored_background(state: &AppState, user: taper_store::UserId) -> AppResult<StoredBackground> {
    Ok(state
        .store
        .med_background(user)
        .await?
        .map(|s| AppError::stored("medication background", &s))
        .transpose()?
        .unwrap_or_default())
}

async fn history_page(state: &AppState, person: &Person, error: Option<String>) -> AppResult<History> {
    let advice = advice_for(state, person.id(), person.today()).await?;
    let bg: StoredBackground = stored_background(state, person.id()).await?;
    let name = |id: &str| state.catalogue.drug(id).map_or_else(|| id.to_string(), |d| d.name.clone());
    let mut drugs: Vec<(String, String)> =
        state.catalogue.drugs().iter().map(|d| (d.id.clone(), d.name.clone())).collect();
    drugs.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(History {
        chrome: person.chrome("history"),
        events: state
            .store
            .med_events(person.id())
            .await?
            .into_iter()
            .map(|e| EventView {
                id: e.id.to_string(),
                date: e.date.to_string(),
                drug: name(&e.drug),
                what: format!(
                    "{}{}",
                    EventKind::from_key(&e.kind).map_or("", EventKind::label),
                    if e.abrupt { " (all at once)" } else { "" }
                ),
            })
            .collect(),
        kinds: EventKind::ALL.iter().map(|k| Choice { value: k.key(), label: k.label() }).collect(),
        drugs,
        concurrent: bg.concurrent,
        intermittent: bg.intermittent,
        past_severe: bg.past_severe,
        factors: advice
            .factors
            .iter()
            .map(|f| Cited { text: f.text.clone(), source: state.catalogue.cite(f.source) })
            .collect(),
        explanation: advice.explanation,
        error,
    })
}

pub async fn history(State(state): State<AppState>, person: Person) -> AppResult<Response> {
    Ok(history_page(&state, &person, None).await?.into_response())
}

#[derive(Deserialize)]
pub struct EventForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    drug: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    abrupt: String,
}

pub async fn add_event(State(state): State<AppState>, person: Person, Form(f): Form<EventForm>) -> AppResult<Response> {
    let today = person.today();
    let problem = match (f.date.trim().parse::<Date>(), EventKind::from_key(&f.kind), state.catalogue.drug(&f.drug)) {
        (Err(_), _, _) => Some("Enter the date as YYYY-MM-DD."),
        (Ok(d), _, _) if d > today => Some("That date is in the future; history is what has already happened."),
        (_, None, _) => Some("Choose what happened from the list."),
        (_, _, None) => Some("Choose the medication from the list."),
        (Ok(d), Some(kind), Some(drug)) => {
            let abrupt = f.abrupt == "yes" && kind == EventKind::Stop;
            state.store.add_med_event(person.id(), d, &drug.id, kind.key(), abrupt, person.now()).await?;
            None
        }
    };
    match problem {
        None => Ok(Redirect::to("/history").into_response()),
        Some(msg) => Ok(views::again(history_page(&state, &person, Some(msg.into())).await?)),
    }
}

pub async fn delete_event(
    State(state): State<AppState>,
    person: Person,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id: taper_store::MedEventId = id.parse().map_err(|_| AppError::NotFound)?;
    state.store.delete_med_event(person.id(), id).await?;
    Ok(Redirect::to("/history").into_response())
}

#[derive(Deserialize)]
pub struct BackgroundForm {
    #[serde(default)]
    concurrent: String,
    #[serde(default)]
    intermittent: String,
    #[serde(default)]
    past_severe: String,
}

pub async fn background(
    State(state): State<AppState>,
    person: Person,
    Form(f): Form<BackgroundForm>,
) -> AppResult<Response> {
    let Ok(concurrent) = f.concurrent.trim().parse::<u32>().map(|n| n.min(MAX_CONCURRENT)) else {
        let msg = "Enter how many other psychiatric medications, e.g. 0.";
        return Ok(views::again(history_page(&state, &person, Some(msg.into())).await?));
    };
    let bg =
        StoredBackground { concurrent, intermittent: f.intermittent == "yes", past_severe: f.past_severe == "yes" };
    let json = serde_json::to_string(&bg).map_err(|e| AppError::internal("encoding JSON", e))?;
    state.store.set_med_background(person.id(), &json, person.now()).await?;
    Ok(Redirect::to("/history").into_response())
}

// ── withdrawal or relapse ───────────────────────────────────────────────────────────────────

const ONSET: [(&str, &str, Onset); 5] = [
    ("days", "Within days of a dose reduction", Onset::Days),
    ("weeks", "Two to six weeks after a reduction", Onset::Weeks),
    ("months", "Months after the last change", Onset::Months),
    ("none", "There was no dose change before it", Onset::NoChange),
    ("unknown", "I don't know", Onset::Unknown),
];
const ANSWERS: [(&str, &str, Answer); 3] =
    [("yes", "Yes", Answer::Yes), ("no", "No", Answer::No), ("unsure", "Not sure", Answer::Unsure)];
const REINSTATE: [(&str, &str, Reinstatement); 3] = [
    ("better", "Yes, and I felt better within days", Reinstatement::ImprovedQuickly),
    ("no_better", "Yes, and it did not help", Reinstatement::NoBetter),
    ("not_tried", "No, not tried", Reinstatement::NotTried),
];

fn questions(get: &(dyn Fn(&str) -> String + Sync)) -> Vec<Question> {
    let q = |name, legend, choices: Vec<Choice>| Question { name, legend, choices, selected: get(name) };
    let yn = || ANSWERS.iter().map(|(v, l, _)| Choice { value: v, label: l }).collect();
    vec![
        q(
            "onset",
            "When did these symptoms begin?",
            ONSET.iter().map(|(v, l, _)| Choice { value: v, label: l }).collect(),
        ),
        q(
            "new_symptoms",
            "Are some symptoms new to you — never part of how you felt before (for example dizziness or electric-shock sensations)?",
            yn(),
        ),
        q(
            "physical",
            "Are the symptoms mainly physical (dizziness, nausea, flu-like feelings, shock sensations)?",
            yn(),
        ),
        q("like_original", "Does it look like the condition the medication was first prescribed for?", yn()),
        q(
            "reinstatement",
            "Have you gone back to the previous dose?",
            REINSTATE.iter().map(|(v, l, _)| Choice { value: v, label: l }).collect(),
        ),
    ]
}

async fn assess_page(
    state: &AppState,
    person: &Person,
    get: &(dyn Fn(&str) -> String + Sync),
    result: Option<(String, Vec<ReasonView>)>,
    error: Option<String>,
) -> AppResult<Assess> {
    Ok(Assess {
        chrome: person.chrome("assess"),
        questions: questions(get),
        note: get("note"),
        error,
        result,
        caveat: assess::CAVEAT,
        history: state
            .store
            .assessments(person.id())
            .await?
            .into_iter()
            .map(|a| AssessmentView {
                date: a.date.to_string(),
                leaning: leaning_words(&a.leaning).to_string(),
                note: a.note,
            })
            .collect(),
    })
}

pub fn leaning_words(key: &str) -> &'static str {
    [Leaning::Withdrawal, Leaning::Relapse, Leaning::Unclear]
        .into_iter()
        .find(|l| l.key() == key)
        .map_or("", Leaning::words)
}

pub async fn assess_form(State(state): State<AppState>, person: Person) -> AppResult<Response> {
    Ok(assess_page(&state, &person, &|_| String::new(), None, None).await?.into_response())
}

pub async fn assess_save(
    State(state): State<AppState>,
    person: Person,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let get = |k: &str| crate::form::value(&pairs, k);
    let onset = ONSET.iter().find(|o| o.0 == get("onset")).map(|o| o.2);
    let ans = |k: &str| ANSWERS.iter().find(|a| a.0 == get(k)).map(|a| a.2);
    let rein = REINSTATE.iter().find(|r| r.0 == get("reinstatement")).map(|r| r.2);
    let note = get("note");
    let (Some(onset), Some(new_symptoms), Some(physical), Some(like_original), Some(reinstatement), true) =
        (onset, ans("new_symptoms"), ans("physical"), ans("like_original"), rein, note.chars().count() <= 2000)
    else {
        return Ok(views::again(
            assess_page(
                &state,
                &person,
                &get,
                None,
                Some("Please answer every question (\"Not sure\" is fine).".into()),
            )
            .await?,
        ));
    };
    // What the app already knows: a past withdrawal (medication history), and a rise in check-ins
    // within six weeks of a cut (the core's wave reading).
    let stored: StoredBackground = stored_background(&state, person.id()).await?;
    let checkins = state.store.day_levels(person.id()).await?;
    let all = crate::timeline::Course::load_all(&state, person.id()).await?;
    let first = crate::timeline::first_change(&all, person.today());
    let analysis = crate::timeline::analyse(crate::timeline::day_entries(&checkins), first).await?;
    // A cut of any plan in force (several at once).
    let (changes, _) = crate::timeline::cuts_of_all(&all, &state.catalogue, person.today());
    let cuts: Vec<jiff::civil::Date> =
        changes.into_iter().filter(|ch| ch.to_mg < ch.from_mg).map(|ch| ch.date).collect();
    let known = assess::Known {
        past_withdrawal: stored.past_severe,
        rise_after_cut: analysis.ongoing_wave().is_some_and(|w| {
            cuts.iter().any(|c| w.start >= *c && (w.start - *c).get_days() <= taper_core::adapt::AFTER_CHANGE_DAYS)
        }),
    };
    let a = assess::assess(&Episode { onset, new_symptoms, physical, like_original, reinstatement }, known);
    let answers = serde_json::json!({
        "onset": get("onset"), "new_symptoms": get("new_symptoms"), "physical": get("physical"),
        "like_original": get("like_original"), "reinstatement": get("reinstatement"),
        "reasons": a.reasons.iter().map(|r| r.text).collect::<Vec<_>>(),
    })
    .to_string();
    state
        .store
        .save_assessment(person.id(), person.today(), &answers, a.leaning.key(), note.trim(), person.now())
        .await?;
    let reasons = a
        .reasons
        .iter()
        .map(|r| ReasonView {
            text: r.text,
            points_to: match r.points_to {
                Leaning::Withdrawal => "points to withdrawal",
                Leaning::Relapse => "points to the original condition",
                Leaning::Unclear => "neither way",
            },
            source: state.catalogue.source(r.source).map_or_else(|| r.source.to_string(), |s| s.citation.clone()),
        })
        .collect();
    Ok(assess_page(&state, &person, &get, Some((a.leaning.words().to_string(), reasons)), None).await?.into_response())
}

// View models: what this area's templates show.

pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

pub struct Question {
    pub name: &'static str,
    pub legend: &'static str,
    pub choices: Vec<Choice>,
    pub selected: String,
}

pub struct ReasonView {
    pub text: &'static str,
    pub points_to: &'static str,
    pub source: String,
}

pub struct AssessmentView {
    pub date: String,
    pub leaning: String,
    pub note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "assess.html")]
pub struct Assess {
    pub chrome: crate::views::Chrome,
    pub questions: Vec<Question>,
    pub note: String,
    pub error: Option<String>,
    pub result: Option<(String, Vec<ReasonView>)>,
    pub caveat: &'static str,
    pub history: Vec<AssessmentView>,
}

pub struct EventView {
    pub id: String,
    pub date: String,
    pub drug: String,
    pub what: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "history.html")]
pub struct History {
    pub chrome: crate::views::Chrome,
    pub events: Vec<EventView>,
    pub kinds: Vec<Choice>,
    pub drugs: Vec<(String, String)>,
    pub concurrent: u32,
    pub intermittent: bool,
    pub past_severe: bool,
    pub factors: Vec<Cited>,
    pub explanation: String,
    pub error: Option<String>,
}
