//! The daily check-in: Taper's own checklist (0–3 per item), wellbeing 0–10, sleep, a note.
//! Any of the last 60 days can be filled in or changed; future days cannot.

use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use serde::Deserialize;
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
}

fn page(
    person: &Person,
    t: Typed,
    editing: bool,
    errors: Vec<Field>,
    saved: bool,
    recent: &[CheckInRecord],
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
    }
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
        },
        None => Typed {
            date: day.to_string(),
            scores: vec![0; CHECKLIST.len()],
            wellbeing: String::new(),
            sleep_hours: String::new(),
            note: String::new(),
        },
    };
    Ok(page(&person, t, existing.is_some(), vec![], q.saved.is_some(), &recent).into_response())
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
        };
        return Ok(views::again(page(&person, typed, false, errors, false, &recent)));
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
    Ok(Redirect::to(&format!("/checkin?date={day}&saved=1")).into_response())
}
