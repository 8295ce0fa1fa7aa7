//! Reading and keeping a check-in form: the day, Taper's own checklist (0–3 per item),
//! wellbeing, sleep and a note. Shared by the check-in page and by a check-in sent after its
//! session lapsed ([`crate::lapsed`]), so both read a form the same way; nothing here knows who
//! is signed in.

use jiff::civil::Date;
use taper_core::symptoms::{self, CHECKLIST, CheckIn as Answers};
use taper_store::{NewCheckIn, OwnScore};

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
    /// The person's own symptoms as the form sent them (name, answer).
    pub own: Vec<(String, Option<u8>)>,
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
            own: own_as_sent(pairs),
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
            own: c.own.iter().map(|o| (o.name.clone(), Some(o.score))).collect(),
        }
    }

    /// The own symptoms to show: each of the person's current ones with its answer here, then any
    /// answered here under a name no longer on their list (so saving again loses nothing).
    pub fn own_shown(&self, names: &[String]) -> Vec<(String, Option<u8>)> {
        let answer = |n: &str| self.own.iter().find(|(m, _)| m == n).and_then(|(_, a)| *a);
        let mut out: Vec<(String, Option<u8>)> = names.iter().map(|n| (n.clone(), answer(n))).collect();
        out.extend(self.own.iter().filter(|(n, a)| a.is_some() && !names.contains(n)).cloned());
        out
    }
}

/// The form's own symptoms: `own_<i>` names each, `o_<i>` answers it; a name too long or an odd
/// answer is dropped here and refused by `parse_form`.
fn own_as_sent(pairs: &[(String, String)]) -> Vec<(String, Option<u8>)> {
    (0..OWN_FIELDS)
        .filter_map(|i| {
            let name = crate::form::value(pairs, &format!("own_{i}")).trim().to_string();
            let answer = symptoms::parse_score("own", &crate::form::value(pairs, &format!("o_{i}"))).ok().flatten();
            (!name.is_empty()).then_some((name, answer))
        })
        .collect()
}

/// Own-symptom fields a form may hold (core's limit).
pub const OWN_FIELDS: usize = symptoms::MAX_OWN_PER_CHECKIN;

/// The answered own symptoms of a form, or why one is refused.
fn parse_own(pairs: &[(String, String)], errors: &mut Vec<Field>) -> Vec<OwnScore> {
    let mut out = Vec::new();
    for i in 0..OWN_FIELDS {
        let name = crate::form::value(pairs, &format!("own_{i}")).trim().to_string();
        if name.is_empty() {
            continue;
        }
        if name.chars().count() > symptoms::MAX_OWN_NAME {
            errors.push(Field::error(
                "own",
                format!("Keep each symptom's name to {} characters.", symptoms::MAX_OWN_NAME),
            ));
            continue;
        }
        match symptoms::parse_score("own", &crate::form::value(pairs, &format!("o_{i}"))) {
            Ok(Some(score)) => out.push(OwnScore { name, score }),
            Ok(None) => {}
            Err(e) => errors
                .push(Field::error("own", format!("{name}: {} is not one of the answers; {}", e.value, e.message))),
        }
    }
    out
}

/// A check-in's own symptoms in words: "jaw clenching: moderate; burning skin: mild".
pub fn own_words(own: &[OwnScore]) -> String {
    let word = |s: u8| symptoms::SEVERITY_LABELS.get(usize::from(s)).copied().unwrap_or_default();
    own.iter().map(|o| format!("{}: {}", o.name, word(o.score))).collect::<Vec<_>>().join("; ")
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
    let (day, a, note, own) = match parse_form(pairs, today) {
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
        own: &own,
    };
    state.store.save_checkin(user, &record, now).await?;
    crate::timeline::refresh_readings(state, user, today, now).await?;
    Ok(Ok(day))
}

/// What a check-in form held: the day, the answers and the note when they all read.
type Parsed = (Date, Answers, String, Vec<OwnScore>);

fn parse_form(pairs: &[(String, String)], today: Date) -> Result<Parsed, Box<Refused>> {
    let get = |k: &str| crate::form::value(pairs, k);
    let mut errors = Vec::new();
    let day = parse_day(&get("date"), today).map_err(|m| errors.push(Field::error("date", m))).ok();
    let mut scores = parse_scores(pairs, &mut errors);
    // "The rest: none", ticked by the person: what they left unanswered is none, said by them.
    if crate::form::value(pairs, "rest_none") == "yes" {
        for s in scores.iter_mut().filter(|s| s.is_none()) {
            *s = Some(0);
        }
    }
    let own = parse_own(pairs, &mut errors);
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
            Ok(a) => return Ok((d, a, note, own)),
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
        own: own_as_sent(pairs),
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
