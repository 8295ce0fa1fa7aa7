//! Reading and keeping a check-in form: the day, Taper's own checklist (0–3 per item),
//! wellbeing, sleep and a note. Shared by the check-in page and by a check-in sent after its
//! session lapsed ([`crate::lapsed`]), so both read a form the same way; nothing here knows who
//! is signed in.

use jiff::civil::Date;
use taper_core::symptoms::{self, CHECKLIST, CheckIn as Answers};
use taper_store::NewCheckIn;

use crate::AppState;
use crate::error::AppResult;
use crate::views::Field;

/// How far back a check-in may be filled in.
pub const BACKFILL_DAYS: i64 = 60;
pub const MAX_NOTE: usize = 2000;

/// A check-in form as typed, to show again.
pub struct Typed {
    pub date: String,
    /// The day the form was shown for: saving it for another day that already has a check-in
    /// asks first (new-user walk: changing the day silently replaced that day's check-in).
    pub shown_for: String,
    /// One per checklist item, `None` for not answered.
    pub scores: Vec<Option<u8>>,
    pub wellbeing: String,
    pub sleep_hours: String,
    pub note: String,
    pub selfharm: String,
}

impl Typed {
    /// A check-in form as it was sent, to show again when saving it failed.
    pub fn as_sent(pairs: &[(String, String)]) -> Typed {
        let get = |k: &str| crate::form::value(pairs, k);
        Typed {
            date: get("date"),
            shown_for: get("shown_for"),
            scores: (CHECKLIST.iter())
                .map(|i| symptoms::parse_score(i.key, &get(&format!("s_{}", i.key))).ok().flatten())
                .collect(),
            wellbeing: get("wellbeing"),
            sleep_hours: get("sleep_hours"),
            note: get("note"),
            selfharm: get("selfharm"),
        }
    }

    /// A saved check-in shown in its form, with the daily question's answer `selfharm`.
    pub fn saved(c: &taper_store::CheckInRecord, selfharm: &str) -> Typed {
        Typed {
            date: c.date.to_string(),
            shown_for: c.date.to_string(),
            scores: c.scores.clone(),
            wellbeing: c.wellbeing.to_string(),
            sleep_hours: c.sleep_hours.map(|h| h.to_string()).unwrap_or_default(),
            note: c.note.clone(),
            selfharm: selfharm.to_string(),
        }
    }
}

/// The earliest day a check-in may be for.
pub fn earliest(today: Date) -> Date {
    today.checked_sub(jiff::Span::new().days(BACKFILL_DAYS)).unwrap_or(today)
}

/// A day a check-in may be for: not in the future, not before [`BACKFILL_DAYS`] ago.
pub fn parse_day(raw: &str, today: Date) -> Result<Date, String> {
    let d: Date = raw.trim().parse().map_err(|_| "Enter the day as YYYY-MM-DD.".to_string())?;
    if d > today {
        Err("You cannot check in for a day that has not happened yet.".into())
    } else if d < earliest(today) {
        Err(format!("Check-ins can be filled in for the last {BACKFILL_DAYS} days only."))
    } else {
        Ok(d)
    }
}

/// A check-in form that did not read: what is wrong, and everything as typed (to show again).
pub struct Refused {
    pub errors: Vec<Field>,
    pub typed: Typed,
}

impl Refused {
    /// The note as typed.
    pub fn note(&self) -> &str {
        &self.typed.note
    }
}

/// The day a check-in form would replace another check-in on without having been shown it: the
/// day it names, when that is not the day the form was shown for (a form that does not say, as
/// older clients, is not asked about).
pub fn replaces_unseen(pairs: &[(String, String)], today: Date) -> Option<Date> {
    let shown_for = crate::form::value(pairs, "shown_for");
    let day = parse_day(&crate::form::value(pairs, "date"), today).ok()?;
    (!shown_for.is_empty() && shown_for.trim() != day.to_string()).then_some(day)
}

/// The day a form's "yes" to the daily question is for: the day it names when that is one a
/// check-in may be for, else today.
pub fn day_or_today(pairs: &[(String, String)], today: Date) -> Date {
    parse_day(&crate::form::value(pairs, "date"), today).unwrap_or(today)
}

/// Saves a check-in form for `user`, whose own date is `today`: the day saved, or why not.
pub async fn store_form(
    state: &AppState,
    user: taper_store::UserId,
    pairs: &[(String, String)],
    today: Date,
    now: jiff::Timestamp,
) -> AppResult<Result<Date, Box<Refused>>> {
    let (day, a, note) = match parse_form(pairs, today) {
        Ok(parsed) => parsed,
        Err(refused) => return Ok(Err(refused)),
    };
    let record = NewCheckIn {
        date: day,
        scores: a.scores(),
        burden: a.sum(),
        wellbeing: a.wellbeing(),
        sleep_hours: a.sleep_hours(),
        note: note.trim(),
    };
    state.store.save_checkin(user, &record, now).await?;
    Ok(Ok(day))
}

/// What a check-in form held: the day, the answers and the note when they all read.
fn parse_form(pairs: &[(String, String)], today: Date) -> Result<(Date, Answers, String), Box<Refused>> {
    let get = |k: &str| crate::form::value(pairs, k);
    let mut errors = Vec::new();
    let day = parse_day(&get("date"), today).map_err(|m| errors.push(Field::error("date", m))).ok();
    let scores = parse_scores(pairs, &mut errors);
    let wellbeing = match get("wellbeing").trim().parse::<u8>() {
        Ok(w) if w <= symptoms::MAX_WELLBEING => Some(w),
        _ => {
            let top = symptoms::MAX_WELLBEING;
            errors.push(Field::error("wellbeing", format!("Choose a number from 0 (worst) to {top} (best).")));
            None
        }
    };
    let sleep = parse_sleep(&get("sleep_hours")).map_err(|m| errors.push(Field::error("sleep_hours", m))).ok();
    let note = get("note");
    if note.chars().count() > MAX_NOTE {
        errors.push(Field::error("note", format!("Keep the note to {MAX_NOTE} characters.")));
    }
    if let (Some(d), Some(w), Some(sleep), true) = (day, wellbeing, sleep, errors.is_empty()) {
        match Answers::new(&scores, w, sleep) {
            Ok(a) => return Ok((d, a, note)),
            Err(e) => errors.push(Field::error(e.field.clone(), e.message)),
        }
    }
    let typed = Typed {
        date: get("date"),
        shown_for: get("shown_for"),
        scores,
        wellbeing: get("wellbeing"),
        sleep_hours: get("sleep_hours"),
        note,
        selfharm: get("selfharm"),
    };
    Err(Box::new(Refused { errors, typed }))
}

/// One 0–3 answer per checklist item, `None` for not answered; an odd one is an error naming the
/// item.
fn parse_scores(pairs: &[(String, String)], errors: &mut Vec<Field>) -> Vec<Option<u8>> {
    CHECKLIST
        .iter()
        .map(|item| match symptoms::parse_score(item.key, &crate::form::value(pairs, &format!("s_{}", item.key))) {
            Ok(s) => s,
            Err(e) => {
                let msg = format!("{}: {} is not one of the answers; {}", item.label, e.value, e.message);
                errors.push(Field::error(item.key, msg));
                None
            }
        })
        .collect()
}

/// Hours slept: empty for not said, else 0 to 24.
fn parse_sleep(raw: &str) -> Result<Option<f64>, String> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    match raw.trim().parse::<f64>() {
        Ok(h) if symptoms::plausible_sleep(h) => Ok(Some(h)),
        _ => Err(format!("Enter hours of sleep between 0 and {}, or leave it empty.", symptoms::MAX_SLEEP_HOURS)),
    }
}
