//! The daily check-in: Taper's own checklist (0–3 per item), wellbeing 0–10, sleep, a note.
//! Any of the last 60 days can be filled in or changed; future days cannot.

use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use serde::Deserialize;
use taper_core::consent::Category;
use taper_core::measures::{DAILY_SAFETY_ANSWERS, DAILY_SAFETY_QUESTION};
use taper_core::symptoms::{self, CHECKLIST, CheckIn as Answers, Domain, SEVERITY_LABELS};
use taper_store::{CheckInRecord, NewCheckIn};

use crate::AppState;
use crate::auth::Person;
use crate::error::AppResult;
use crate::views::{self, DomainView, Field, ItemView};

/// How far back a check-in may be filled in.
pub const BACKFILL_DAYS: i64 = 60;
const MAX_NOTE: usize = 2000;

#[derive(Deserialize)]
pub struct Which {
    date: Option<String>,
    saved: Option<String>,
}

struct Typed {
    date: String,
    scores: Vec<usize>,
    wellbeing: String,
    sleep_hours: String,
    note: String,
    selfharm: String,
}

/// Crisis help and who was told, shown after a "yes" to the daily question.
#[derive(Default)]
struct Urgent {
    crisis: Vec<crate::crisis::Country>,
    words: String,
}

fn page(
    person: &Person,
    t: Typed,
    editing: bool,
    errors: Vec<Field>,
    saved: bool,
    recent: &[CheckInRecord],
    urgent: Urgent,
) -> views::CheckIn {
    let today = person.today();
    let domains = Domain::ALL
        .iter()
        .map(|&d| DomainView {
            label: d.label(),
            items: CHECKLIST
                .iter()
                .enumerate()
                .filter(|(_, i)| i.domain == d)
                .map(|(k, i)| ItemView { key: i.key, label: i.label, value: t.scores.get(k).copied().unwrap_or(0) })
                .collect(),
        })
        .collect();
    views::CheckIn {
        chrome: person.chrome("checkin"),
        date: t.date,
        min_date: earliest(today).to_string(),
        max_date: today.to_string(),
        editing,
        domains,
        severities: SEVERITY_LABELS,
        wellbeing: t.wellbeing,
        sleep_hours: t.sleep_hours,
        note: t.note,
        errors,
        saved,
        recent: recent
            .iter()
            .rev()
            .take(14)
            .map(|c| (c.date.to_string(), c.burden.to_string(), c.wellbeing.to_string()))
            .collect(),
        safety_question: person.user.daily_safety.then_some(DAILY_SAFETY_QUESTION),
        safety_answers: DAILY_SAFETY_ANSWERS,
        safety_value: t.selfharm,
        crisis: urgent.crisis,
        alert_words: urgent.words,
    }
}

/// A "yes" to the daily question is kept before anything else can go wrong, and the person is
/// told at once where help is and who was alerted. None when the form holds no "yes".
async fn keep_yes(
    state: &AppState,
    person: &Person,
    pairs: &[(String, String)],
    day: Option<Date>,
) -> AppResult<Option<Urgent>> {
    if crate::form::value(pairs, "selfharm").trim() != "1" {
        return Ok(None);
    }
    state.store.save_daily_safety(person.id(), day.unwrap_or_else(|| person.today()), 1, person.now()).await?;
    let crisis = state
        .crisis
        .panel_for(person.user.country.as_deref(), Some(&person.user.time_zone))
        .into_iter()
        .cloned()
        .collect();
    let who = crate::pages::questionnaires::alerted_about(state, person.id(), Category::CheckinScores).await?;
    Ok(Some(Urgent { crisis, words: alert_words(&who) }))
}

/// What the person is told after a "yes": who will see an urgent note, and who will not.
pub fn alert_words(who: &crate::pages::questionnaires::Alerts) -> String {
    let mut words = if who.told.is_empty() {
        "Your answer has been kept. No one has been alerted: you do not share your check-in scores with anyone."
            .to_string()
    } else {
        format!(
            "Your answer has been kept, and {} will see an urgent note to check in with you.",
            who.told.join(" and ")
        )
    };
    if !who.not_told.is_empty() {
        words.push_str(&format!(
            " {} cannot see your check-in scores, so was not alerted (you can change that under Sharing).",
            who.not_told.join(" and ")
        ));
    }
    words
}

fn earliest(today: Date) -> Date {
    today.checked_sub(jiff::Span::new().days(BACKFILL_DAYS)).unwrap_or(today)
}

fn parse_day(raw: &str, today: Date) -> Result<Date, String> {
    let d: Date = raw.trim().parse().map_err(|_| "Enter the day as YYYY-MM-DD.".to_string())?;
    if d > today {
        Err("You cannot check in for a day that has not happened yet.".into())
    } else if d < earliest(today) {
        Err(format!("Check-ins can be filled in for the last {BACKFILL_DAYS} days only."))
    } else {
        Ok(d)
    }
}

pub async fn form(State(state): State<AppState>, person: Person, Query(q): Query<Which>) -> AppResult<Response> {
    let today = person.today();
    let day = q.date.as_deref().and_then(|d| parse_day(d, today).ok()).unwrap_or(today);
    let existing = state.store.checkin_on(person.id(), day).await?;
    let recent = state.store.checkins(person.id()).await?;
    let t = match &existing {
        Some(c) => Typed {
            date: day.to_string(),
            scores: c.scores.iter().map(|&s| usize::from(s)).collect(),
            wellbeing: c.wellbeing.to_string(),
            sleep_hours: c.sleep_hours.map(|h| h.to_string()).unwrap_or_default(),
            note: c.note.clone(),
            selfharm: String::new(),
        },
        None => Typed {
            date: day.to_string(),
            scores: vec![0; CHECKLIST.len()],
            wellbeing: String::new(),
            sleep_hours: String::new(),
            note: String::new(),
            selfharm: String::new(),
        },
    };
    Ok(page(&person, t, existing.is_some(), vec![], q.saved.is_some(), &recent, Urgent::default()).into_response())
}

pub async fn save(
    State(state): State<AppState>,
    person: Person,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let get = |k: &str| crate::form::value(&pairs, k);
    let today = person.today();
    let mut errors = Vec::new();
    let day = parse_day(&get("date"), today).map_err(|m| errors.push(Field::error("date", m))).ok();
    let urgent = keep_yes(&state, &person, &pairs, day).await?;
    let mut scores = Vec::with_capacity(CHECKLIST.len());
    for item in CHECKLIST {
        match symptoms::parse_score(item.key, &get(&format!("s_{}", item.key))) {
            Ok(s) => scores.push(s),
            Err(e) => {
                errors.push(Field::error(
                    item.key,
                    format!("{}: {} is not one of the answers; {}", item.label, e.value, e.message),
                ));
                scores.push(0);
            }
        }
    }
    let wellbeing = match get("wellbeing").trim().parse::<u8>() {
        Ok(w) if w <= 10 => Some(w),
        _ => {
            errors.push(Field::error("wellbeing", "Choose a number from 0 (worst) to 10 (best)."));
            None
        }
    };
    let sleep_raw = get("sleep_hours");
    let sleep = if sleep_raw.trim().is_empty() {
        None
    } else {
        match sleep_raw.trim().parse::<f64>() {
            Ok(h) if h.is_finite() && (0.0..=24.0).contains(&h) => Some(h),
            _ => {
                errors.push(Field::error("sleep_hours", "Enter hours of sleep between 0 and 24, or leave it empty."));
                None
            }
        }
    };
    let note = get("note");
    if note.chars().count() > MAX_NOTE {
        errors.push(Field::error("note", format!("Keep the note to {MAX_NOTE} characters.")));
    }
    let answers = match (day, wellbeing, errors.is_empty()) {
        (Some(d), Some(w), true) => match Answers::new(&scores, w, sleep) {
            Ok(a) => Some((d, a)),
            Err(e) => {
                errors.push(Field::error(e.field.clone(), e.message));
                None
            }
        },
        _ => None,
    };
    let Some((day, a)) = answers else {
        let recent = state.store.checkins(person.id()).await?;
        let typed = Typed {
            date: get("date"),
            scores: scores.iter().map(|&s| usize::from(s)).collect(),
            wellbeing: get("wellbeing"),
            sleep_hours: sleep_raw,
            note,
            selfharm: get("selfharm"),
        };
        return Ok(views::again(page(&person, typed, false, errors, false, &recent, urgent.unwrap_or_default())));
    };
    let record = NewCheckIn {
        date: day,
        scores: a.scores(),
        burden: a.burden(),
        wellbeing: a.wellbeing(),
        sleep_hours: a.sleep_hours(),
        note: note.trim(),
    };
    state.store.save_checkin(person.id(), &record, person.now()).await?;
    match urgent {
        // Help in the same response, not after a redirect the person may never follow.
        Some(u) => {
            let recent = state.store.checkins(person.id()).await?;
            let typed = Typed {
                date: day.to_string(),
                scores: record.scores.iter().map(|&s| usize::from(s)).collect(),
                wellbeing: record.wellbeing.to_string(),
                sleep_hours: record.sleep_hours.map(|h| h.to_string()).unwrap_or_default(),
                note: record.note.to_string(),
                selfharm: "1".into(),
            };
            Ok(page(&person, typed, true, vec![], true, &recent, u).into_response())
        }
        None => Ok(Redirect::to(&format!("/checkin?date={day}&saved=1")).into_response()),
    }
}
