//! The daily check-in: Taper's own checklist (0–3 per item), wellbeing 0–10, sleep, a note.
//! Any of the last 60 days can be filled in or changed; future days cannot.

use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use serde::Deserialize;
use taper_core::measures::{DAILY_SAFETY_ANSWERS, DAILY_SAFETY_QUESTION};
use taper_core::symptoms::{CHECKLIST, Domain, SEVERITY_LABELS};
use taper_store::CheckInRecord;

use crate::AppState;
use crate::auth::Person;
use crate::checkin_form::{Refused, Typed, earliest, parse_day, replaces_unseen, store_form};
use crate::error::AppResult;
use crate::views::{self, Field};
use askama::Template;
use askama_web::WebTemplate;

#[derive(Deserialize)]
pub struct Which {
    date: Option<String>,
    saved: Option<String>,
}

/// The check-ins the form lists below it, newest first.
const RECENT_SHOWN: u32 = 14;

/// What every showing of the form reads besides the form: the recent check-ins (oldest first,
/// as the store gives them; only those listed: issue 21, two years of notes were opened for
/// fourteen rows) and the person's own symptoms.
struct Context {
    recent: Vec<CheckInRecord>,
    own: Vec<String>,
}

impl Context {
    async fn load(state: &AppState, person: &Person) -> AppResult<Context> {
        Ok(Context {
            recent: state.store.recent_checkins(person.id(), RECENT_SHOWN).await?,
            own: state.store.own_symptoms(person.id()).await?,
        })
    }
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
    ctx: &Context,
    urgent: Urgent,
) -> CheckIn {
    let today = person.today();
    let recent = &ctx.recent;
    let own = t
        .own_shown(&ctx.own)
        .into_iter()
        .map(|(name, value)| OwnView { name, value: value.map(usize::from) })
        .collect();
    let domains = Domain::ALL
        .iter()
        .map(|&d| DomainView {
            label: d.label(),
            items: CHECKLIST
                .iter()
                .enumerate()
                .filter(|(_, i)| i.domain == d)
                .map(|(k, i)| ItemView {
                    key: i.key,
                    label: i.label,
                    value: t.scores.get(k).copied().flatten().map(usize::from),
                })
                .collect(),
        })
        .collect();
    CheckIn {
        chrome: person.chrome("checkin"),
        date: t.date,
        shown_for: t.shown_for,
        min_date: earliest(today).to_string(),
        max_date: today.to_string(),
        editing,
        domains,
        own,
        severities: SEVERITY_LABELS,
        wellbeing: t.wellbeing,
        sleep_hours: t.sleep_hours,
        note: t.note,
        errors,
        saved,
        recent: recent
            .iter()
            .rev()
            .map(|c| {
                let burden = taper_core::symptoms::burden_shown(&c.scores)
                    .map_or_else(|| "too few answered".to_string(), |b| b.to_string());
                (c.date.to_string(), burden, c.wellbeing.to_string(), crate::checkin_form::own_words(&c.own))
            })
            .collect(),
        safety_question: person.user.daily_safety.then_some(DAILY_SAFETY_QUESTION),
        safety_answers: DAILY_SAFETY_ANSWERS,
        safety_value: t.selfharm,
        crisis: urgent.crisis,
        alert_words: urgent.words,
        raised: false,
        max_own: taper_core::symptoms::MAX_OWN,
        max_burden: taper_core::symptoms::MAX_BURDEN,
        burden_scale: taper_core::symptoms::burden_scale_words(),
        min_answered: taper_core::symptoms::MIN_ANSWERED,
        items: CHECKLIST.len(),
    }
}

/// Whether the check-in saved for `day` reads as raised above the person's own baseline (core's
/// wave reading): then the saved page says what can help (a walk saved every item as severe and
/// read only "Saved").
async fn raised_on(state: &AppState, person: &Person, day: Date) -> AppResult<bool> {
    let levels = state.store.day_levels(person.id()).await?;
    // High in itself (a first check-in has no baseline to be raised above: a walk saved every
    // item severe and read nothing more), or raised above the person's own baseline.
    if levels.iter().any(|d| d.date == day && d.level.is_some_and(taper_core::symptoms::is_hard)) {
        return Ok(true);
    }
    let courses = crate::timeline::Course::load_all(state, person.id()).await?;
    let first = crate::timeline::first_change(&courses, person.today());
    let analysis = crate::timeline::analyse(crate::timeline::day_entries(&levels), first).await?;
    Ok(analysis.days.iter().any(|d| d.date == day && d.state == taper_core::waves::State::Above))
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
    let day = day.unwrap_or_else(|| person.today());
    let words = crate::self_harm::keep_daily_yes(state, person.id(), day, person.now()).await?;
    Ok(Some(Urgent { crisis: crate::self_harm::crisis_for(state, &person.user), words }))
}

pub async fn form(State(state): State<AppState>, person: Person, Query(q): Query<Which>) -> AppResult<Response> {
    let today = person.today();
    let day = q.date.as_deref().and_then(|d| parse_day(d, today).ok()).unwrap_or(today);
    let existing = state.store.checkin_on(person.id(), day).await?;
    let ctx = Context::load(&state, &person).await?;
    let t = match &existing {
        Some(c) => Typed::saved(c, ""),
        None => Typed {
            date: day.to_string(),
            shown_for: day.to_string(),
            // Nothing chosen for the person: an untouched item is not answered, never "none".
            scores: vec![None; CHECKLIST.len()],
            wellbeing: String::new(),
            sleep_hours: String::new(),
            note: String::new(),
            selfharm: String::new(),
            own: Vec::new(),
        },
    };
    let mut shown = page(&person, t, existing.is_some(), vec![], q.saved.is_some(), &ctx, Urgent::default());
    shown.raised = q.saved.is_some() && existing.is_some() && raised_on(&state, &person, day).await?;
    Ok(shown.into_response())
}

pub async fn save(
    State(state): State<AppState>,
    person: Person,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let today = person.today();
    // A "yes" to the daily question is kept first, whatever else the form holds.
    let day = parse_day(&crate::form::value(&pairs, "date"), today).ok();
    let urgent = keep_yes(&state, &person, &pairs, day).await?;
    if let Some(other) = replaces_unseen(&pairs, today)
        && state.store.checkin_on(person.id(), other).await?.is_some()
    {
        // Shown again for that day: saving once more replaces it, knowingly.
        let mut typed = Typed::as_sent(&pairs);
        typed.shown_for = other.to_string();
        let why = Field::error(
            "date",
            format!(
                "You already checked in for {other}; saving this would replace that check-in. To keep it, choose \
                 another day, or open {other} from the list below to change it. To replace it, save again."
            ),
        );
        let ctx = Context::load(&state, &person).await?;
        let page = page(&person, typed, true, vec![why], false, &ctx, urgent.unwrap_or_default());
        return Ok(views::again(page));
    }
    let day = match store_form(&state, person.id(), &pairs, today, person.now()).await {
        Ok(Ok(day)) => day,
        // The database could not take it (a full disk, say): the check-in as typed comes back
        // with the reason, so nothing the person wrote is lost (security probe I2).
        Err(e @ crate::error::AppError::Internal { .. }) => {
            tracing::error!(error = %e, "a check-in could not be saved");
            let ctx = Context::load(&state, &person)
                .await
                .unwrap_or_else(|_| Context { recent: Vec::new(), own: Vec::new() });
            let why = Field::error(
                "date",
                "Your check-in could not be saved just now: the server could not write it. Everything you typed is \
                 still below; please try again in a little while.",
            );
            let page = page(&person, Typed::as_sent(&pairs), false, vec![why], false, &ctx, urgent.unwrap_or_default());
            return Ok((axum::http::StatusCode::SERVICE_UNAVAILABLE, page).into_response());
        }
        Err(e) => return Err(e),
        Ok(Err(refused)) => {
            let Refused { errors, typed } = *refused;
            let ctx = Context::load(&state, &person).await?;
            let page = page(&person, typed, false, errors, false, &ctx, urgent.unwrap_or_default());
            return Ok(views::again(page));
        }
    };
    match urgent {
        // Help in the same response, not after a redirect the person may never follow.
        Some(u) => {
            let ctx = Context::load(&state, &person).await?;
            let saved = state.store.checkin_on(person.id(), day).await?;
            let typed = match saved {
                Some(c) => Typed::saved(&c, "1"),
                None => return Err(crate::error::AppError::bug("a check-in just saved cannot be read")),
            };
            Ok(page(&person, typed, true, vec![], true, &ctx, u).into_response())
        }
        None => Ok(Redirect::to(&format!("/checkin?date={day}&saved=1")).into_response()),
    }
}

#[derive(Deserialize)]
pub struct OwnQuery {
    saved: Option<String>,
}

/// The form to name one's own symptoms.
pub async fn own_form(State(state): State<AppState>, person: Person, Query(q): Query<OwnQuery>) -> AppResult<Response> {
    let text = state.store.own_symptoms(person.id()).await?.join("\n");
    Ok(OwnPage::new(&person, text, String::new(), q.saved.is_some()).into_response())
}

#[derive(Deserialize)]
pub struct OwnForm {
    #[serde(default)]
    own: String,
}

/// Saves the person's own symptoms (core's `parse_own`), or shows the list again with why not.
pub async fn own_save(State(state): State<AppState>, person: Person, Form(f): Form<OwnForm>) -> AppResult<Response> {
    use taper_core::symptoms::MAX_OWN_NAME;
    match taper_core::symptoms::parse_own(&f.own) {
        Ok(names) => {
            state.store.set_own_symptoms(person.id(), &names).await?;
            Ok(Redirect::to("/checkin/own?saved=1").into_response())
        }
        Err(e) => {
            let why = match e.value.as_str() {
                "" => taper_core::units::capitalise(&e.message),
                v if v.chars().count() > MAX_OWN_NAME => {
                    format!("{}…: {}", v.chars().take(MAX_OWN_NAME).collect::<String>(), e.message)
                }
                v => format!("{v}: {}", e.message),
            };
            Ok(views::again(OwnPage::new(&person, f.own, why, false)))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "checkin_own.html")]
pub struct OwnPage {
    pub chrome: crate::views::Chrome,
    pub text: String,
    pub error: String,
    pub saved: bool,
    pub max_own: usize,
    pub max_name: usize,
}

impl OwnPage {
    fn new(person: &Person, text: String, error: String, saved: bool) -> OwnPage {
        OwnPage {
            chrome: person.chrome("checkin"),
            text,
            error,
            saved,
            max_own: taper_core::symptoms::MAX_OWN,
            max_name: taper_core::symptoms::MAX_OWN_NAME,
        }
    }
}

// View models: what this area's templates show.

pub struct ItemView {
    pub key: &'static str,
    pub label: &'static str,
    /// The answer chosen, `None` for not answered.
    pub value: Option<usize>,
}

impl ItemView {
    /// Whether answer `s` is the one chosen (the template's loop hands it by reference).
    pub fn chosen(&self, s: impl std::borrow::Borrow<usize>) -> bool {
        self.value == Some(*s.borrow())
    }
}

/// One of the person's own symptoms on the form.
pub struct OwnView {
    pub name: String,
    pub value: Option<usize>,
}

impl OwnView {
    /// Whether answer `s` is the one chosen.
    pub fn chosen(&self, s: impl std::borrow::Borrow<usize>) -> bool {
        self.value == Some(*s.borrow())
    }
}

pub struct DomainView {
    pub label: &'static str,
    pub items: Vec<ItemView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "checkin.html")]
pub struct CheckIn {
    pub chrome: crate::views::Chrome,
    pub date: String,
    /// The day the form was shown for (hidden), to ask before replacing another day's check-in.
    pub shown_for: String,
    pub min_date: String,
    pub max_date: String,
    pub editing: bool,
    pub domains: Vec<DomainView>,
    pub severities: [&'static str; 4],
    pub wellbeing: String,
    pub sleep_hours: String,
    pub note: String,
    pub errors: Vec<crate::views::Field>,
    pub saved: bool,
    pub recent: Vec<(String, String, String, String)>,
    pub own: Vec<OwnView>,
    pub max_own: usize,
    pub max_burden: u32,
    pub burden_scale: String,
    pub min_answered: usize,
    pub items: usize,
    /// The daily question about self-harm, when the person chose to be asked it.
    pub safety_question: Option<&'static str>,
    pub safety_answers: [&'static str; 2],
    /// "1" when this form's answer was yes (kept on a re-shown form).
    pub safety_value: String,
    /// Shown at once after a "yes", with who was alerted.
    pub crisis: Vec<crate::crisis::Country>,
    pub alert_words: String,
    /// Just saved, and raised above the person's own baseline: what can help is said.
    pub raised: bool,
}

impl CheckIn {
    /// The day the form is for, in words ("Sunday 6 December 2026"), or as sent when it does not
    /// read as a day.
    pub fn day_words(&self) -> String {
        self.date.parse::<Date>().map_or_else(|_| self.date.clone(), super::long_date)
    }

    /// Whether any recent check-in has answers to the person's own symptoms (a column for them).
    pub fn any_own(&self) -> bool {
        self.recent.iter().any(|r| !r.3.is_empty())
    }

    /// Under the button: a lapsed session loses nothing sent on this form.
    pub fn lapse_hint(&self) -> String {
        crate::lapsed::hint()
    }

    pub fn err(&self, name: &str) -> &str {
        crate::views::err(&self.errors, name)
    }
}
