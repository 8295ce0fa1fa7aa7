//! Today: the dose and how to prepare it; taken or missed, never "double up".

use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use taper_store::{DoseRecord, DoseStatus, NewDose};

use super::{long_date, mg};
use crate::AppState;
use crate::auth::Person;
use crate::error::{AppError, AppResult};
use crate::timeline::{self, Course};
use askama::Template;
use askama_web::WebTemplate;

/// `?saved=plan` after a plan is saved, so Today says so.
#[derive(Deserialize)]
pub struct Saved {
    saved: Option<String>,
    /// Which plan it was said of, where the person has several.
    plan: Option<String>,
}

pub async fn show(State(state): State<AppState>, person: Person, Query(q): Query<Saved>) -> AppResult<Response> {
    // Made once from the person's data and shown again until they change (issue 21).
    let made = crate::kept::Made::of(&person.user, person.today());
    let mut shown = match state.today_pages.get(person.id(), &made) {
        Some(kept) => Today { chrome: person.chrome("today"), name: person.user.display_name.clone(), ..kept },
        None => {
            let fresh = page(&state, &person, None).await?;
            state.today_pages.keep(person.id(), made, fresh.clone());
            fresh
        }
    };
    shown.notice = saved_notice(&shown, q.saved.as_deref(), q.plan.as_deref());
    Ok(shown.into_response())
}

/// What Today says after a form (`saved`), of the plan it was for (`plan`, named when there are
/// several), and only while it is true of that plan (a held notice for a plan that is not held
/// is not said, whatever the address says).
fn saved_notice(shown: &Today, saved: Option<&str>, plan: Option<&str>) -> Option<String> {
    let several = shown.medicines.len() > 1;
    let of = shown.medicines.iter().find(|m| plan == Some(m.plan.as_str())).or(shown.medicines.first());
    let your = match of {
        Some(m) if several => format!("Your {} plan", m.drug),
        _ => "Your plan".to_string(),
    };
    let holding = of.and_then(|m| m.dose.as_ref()).is_some_and(|d| d.hold);
    // Going on says when the next step comes (a walk read "starts today" and cut at once, though
    // the dose stays until the planned day).
    let next = of.and_then(|m| m.dose.as_ref()).and_then(|d| d.next.clone());
    let keep = next.map_or_else(String::new, |n| format!(" Keep today's dose as below; your next step: {n}."));
    match saved? {
        "plan" if several => Some("Your plan is saved. Here are today's doses.".to_string()),
        "plan" => Some("Your plan is saved. Here is today's dose.".to_string()),
        "held" if holding => Some(format!(
            "{your} holds at today's dose from today. When you are ready, press \"I'm ready for the next step\" here."
        )),
        "resumed" if !holding => Some(format!("{your} goes on.{keep}")),
        "moved" if !holding => Some(format!("{} next step is moved.{keep}", your.trim_end_matches(" plan"))),
        "switch-started" => Some("Your switch has started. Here is what to take today.".to_string()),
        "switch-stayed" => shown.switch.as_ref().and_then(|w| w.next.clone()).map(|n| {
            format!("You stay on this stage longer, and every later stage comes later too: {n} Tell your prescriber.")
        }),
        "switch-ended" => Some(
            "You no longer follow the switch. Keep taking the doses you took today until you and your prescriber agree what comes next: never stop a benzodiazepine suddenly. If you take a plan again, make it from the plan page."
                .to_string(),
        ),
        "unchanged" => Some(format!(
            "{your} had already changed (perhaps from another tab or a second tap), so nothing was changed again. Here it is as it is now."
        )),
        _ => None,
    }
}

/// The hard days the person is in now, in words (the help that follows is the template's).
fn hard_day_words(h: &taper_core::waves::HardDays) -> String {
    let most = taper_core::symptoms::MAX_BURDEN;
    if h.entries == 1 {
        format!("Your check-in on {} was a hard day (burden {:.1} of {most}).", super::long_date(h.latest), h.highest)
    } else {
        format!(
            "Your last {} check-ins, from {} to {}, were hard days (burden up to {:.1} of {most}).",
            h.entries,
            super::long_date(h.start),
            super::long_date(h.latest),
            h.highest
        )
    }
}

/// Today as the person sees it, with `notice` at the top when there is something to say: each
/// plan in force with its dose, readiness and buttons (several at once: issue 20).
pub(crate) async fn page(state: &AppState, person: &Person, notice: Option<String>) -> AppResult<Today> {
    let today = person.today();
    let courses = Course::load_all(state, person.id()).await?;
    let checked_in = state.store.checkin_on(person.id(), today).await?.is_some();
    let mut page = Today {
        chrome: person.chrome("today"),
        name: person.user.display_name.clone(),
        has_plan: !courses.is_empty(),
        medicines: Vec::new(),
        checked_in,
        due: due_questionnaires(state, person).await?,
        proposals: 0,
        proposals_of: String::new(),
        suggested_by: None,
        notice,
        supply: Vec::new(),
        after_hold: taper_core::adapt::AFTER_HOLD,
        switch: super::switching::today_view(state, person).await?,
        own_step: None,
        hard_day: None,
    };
    let checkins = state.store.day_levels(person.id()).await?;
    // One reading of the person's check-ins, whichever plan each row is about.
    let analysis = timeline::analyse(timeline::day_entries(&checkins), timeline::first_change(&courses, today)).await?;
    page.hard_day = analysis.hard_now(today).map(|h| hard_day_words(&h));
    for (i, course) in courses.iter().enumerate() {
        let mut m = medicine(state, person, course, &analysis, i).await?;
        m.several = courses.len() > 1;
        let offers_hold = m.can_hold || m.readiness.as_ref().is_some_and(|r| !r.holding);
        m.explain_hold = offers_hold && !page.medicines.iter().any(|o: &TodayMedicine| o.explain_hold);
        page.medicines.push(m);
        for alert in super::supply::today_alerts(state, person.id(), today, course).await? {
            if !page.supply.contains(&alert) {
                page.supply.push(alert);
            }
        }
        let pending = timeline::pending_proposals(state, person.id(), course).await?;
        page.proposals += pending.len();
        // Who is suggesting: a supporter by name, else the person's own check-ins; and which
        // plan's suggestions the link opens.
        if page.suggested_by.is_none() {
            page.suggested_by = pending.iter().find_map(|p| p.proposer_name.clone());
        }
        if !pending.is_empty() && page.proposals_of.is_empty() {
            page.proposals_of = course.plan_id.to_string();
        }
    }
    Ok(page)
}

/// One plan in force as Today shows it; `i`, its place among them (the first keeps the page's
/// plain element ids).
async fn medicine(
    state: &AppState,
    person: &Person,
    course: &Course,
    analysis: &taper_core::waves::Analysis,
    i: usize,
) -> AppResult<TodayMedicine> {
    let today = person.today();
    let mut m = TodayMedicine {
        plan: course.plan_id.to_string(),
        suffix: if i == 0 { String::new() } else { format!("-{}", i + 1) },
        several: false,
        drug: course.drug_name(&state.catalogue),
        dose: None,
        starts: None,
        ended: None,
        readiness: None,
        can_hold: false,
        explain_hold: false,
    };
    let mut next = None;
    match course.on(today) {
        None => m.starts = Some(long_date(course.revs[0].record.effective)),
        Some((on, _)) if on.dose_mg <= 0.0 && on.next.is_none() => {
            let stop = course.changes(today).last().map_or(today, |c| c.date);
            m.ended = Some(long_date(stop));
        }
        Some((on, step)) => {
            let records = state.store.doses_on(person.id(), course.plan_id, today).await?;
            let new_way = new_way_pending(state, person.id(), course, today).await?;
            m.dose = Some(today_dose(person, course, today, &on, step, &records, new_way));
            next = on.next.map(|(d, _)| d);
        }
    }
    m.readiness = readiness_view(state, person, course, analysis, next).await?;
    // Holding is the person's choice at any time, not only when a step is near (a walk found no
    // way to hold after going on).
    m.can_hold = !course.current().record.hold && next.is_some() && m.readiness.is_none();
    Ok(m)
}

/// Proceed / Caution / Hold before the next step, a week ahead, and all the while the plan holds
/// (issue 20), with the person's own "hold here" or "I'm ready". Not for a plan that falls every
/// day (its next change is always tomorrow) unless it holds.
pub(crate) async fn readiness_view(
    state: &AppState,
    person: &Person,
    course: &Course,
    analysis: &taper_core::waves::Analysis,
    next: Option<jiff::civil::Date>,
) -> AppResult<Option<ReadinessView>> {
    use taper_core::readiness::{self, Level};
    let today = person.today();
    let holding = course.current().record.hold;
    let daily = course.current().plan.steps.iter().any(|s| !s.daily.is_empty());
    let soon = next.filter(|d| !daily && (*d - today).get_days() <= readiness::SHOW_BEFORE_STEP_DAYS);
    if !holding && soon.is_none() {
        return Ok(None);
    }
    let (s, r) = timeline::reading(state, person.id(), course, analysis, today).await?;
    if holding && !s.has_next_step {
        return Ok(None);
    }
    let resumes = course.step_due_before_hold().filter(|d| *d > today);
    Ok(Some(ReadinessView {
        level: r.level.word(),
        meaning: r.level.meaning(),
        signals: r.signals.iter().map(|x| (x.level.word(), x.text.clone())).collect(),
        // Without their closing full stops, to be joined with "; " (a walk read ".;").
        sources: r
            .sources
            .iter()
            .filter_map(|k| state.catalogue.source(k).map(|s| s.citation.trim_end_matches('.').to_string()))
            .collect(),
        when: match soon {
            Some(d) if !holding => format!("Before your next step, on {}", long_date(d)),
            _ => format!("While you hold at {}", mg(s.dose_mg)),
        },
        holding,
        confirm: holding && r.level == Level::Hold,
        version: readiness::RULE_VERSION,
        // Going on never comes sooner than the step the plan had before the hold (a walk: "I'm
        // ready" cut the dose at once, four days early).
        resumes: if holding {
            Some(match resumes {
                Some(d) => format!("Your next step would then come on {}, as planned before you held.", long_date(d)),
                None => "Your next step would then start today.".to_string(),
            })
        } else {
            None
        },
    }))
}

/// "taken (marked at 08:02)" or "missed", in the person's time zone.
fn said(person: &Person, r: &DoseRecord) -> String {
    crate::dose_records::said_of(&person.tz, r.status, r.date, r.recorded_at)
}

/// Today's dose as the page shows it: the amount, how to prepare it, and what has been recorded
/// (for a day in parts, each time with its own record: issue 20).
fn today_dose(
    person: &Person,
    course: &Course,
    today: jiff::civil::Date,
    on: &taper_core::course::OnDate,
    step: &crate::settings::StoredStep,
    records: &[DoseRecord],
    new_way: Option<jiff::civil::Date>,
) -> TodayDose {
    let day = course.day_of(on);
    let as_taken = day.map_or(step.as_taken_mg, |d| d.as_taken_mg);
    // Plans stored before the words were kept only counted drops this way.
    let (taken_of, against) =
        step.as_taken_words.clone().unwrap_or_else(|| ("the liquid".to_string(), "tablets".to_string()));
    let whole = records.iter().find(|r| r.time.is_none());
    // A day in parts lists each time with its own amount (clinical review W6); a day between
    // steps has one preparation of its own, shown whole.
    let times: Vec<TimeRow> = course
        .doses_of(today)
        .unwrap_or_default()
        .into_iter()
        .filter(|d| d.minutes.is_some())
        .map(|d| {
            let record = records.iter().find(|r| r.time.is_some() && r.time == d.minutes);
            TimeRow::of(person, today, d, record)
        })
        .collect();
    TodayDose {
        new_way: new_way.map(long_date),
        as_taken: as_taken.map(mg),
        taken_of: taken_of.clone(),
        counted_against: against.clone(),
        date: long_date(today),
        dose: mg(on.dose_mg),
        // A day between steps has its own amount and preparation (walk-through N1).
        instruction: day.map_or_else(|| step.instruction.clone(), |d| d.instruction.clone()),
        // The instruction already holds every part and any dilution recipe (walkthrough minor
        // 21: it used to be repeated below).
        details: Vec::new(),
        first: if day.is_some() { Vec::new() } else { step.first.clone() },
        missed: whole.is_some_and(|r| r.status == DoseStatus::Missed) || times.iter().any(|t| t.missed),
        times,
        notes: step.notes.clone(),
        hold: on.hold,
        // The plan stops above zero: its products cannot make a next step within the pace (a
        // walk: Today said nothing, the reason was only on the plan page).
        // A plan asked to end at this dose ("end at") is where it meant to be.
        stalled: on.next.is_none()
            && on.dose_mg > 0.0
            && !on.hold
            && course.current().settings.end_mg.is_none_or(|end| on.dose_mg > end),
        // In the same units as the headline: the next dose as measured, where it is drops too
        // (walk-through round 5: "20 mg" then "14 mg (counted as tablets)").
        next: on.next.map(|(d, dose)| {
            let taken = course.on(d).and_then(|(o, s)| course.day_of(&o).map_or(s.as_taken_mg, |x| x.as_taken_mg));
            match (as_taken, taken) {
                (Some(_), Some(t)) => {
                    format!("{} of {taken_of} (counted as {} of {against}) on {}", mg(t), mg(dose), long_date(d))
                }
                (Some(_), None) => format!("{} (as {against}) on {}", mg(dose), long_date(d)),
                _ => format!("{} on {}", mg(dose), long_date(d)),
            }
        }),
        next_needs: on.next.and_then(|(d, _)| course.on(d)).and_then(|(_, next)| new_products(step, next)),
        recorded: whole.map(|r| said(person, r)),
    }
}

/// What the next step uses that this one does not, said so the person can get it in time (a
/// walk: Today's next change said nothing of the oral solution it needs, a new prescription).
fn new_products(now: &crate::settings::StoredStep, next: &crate::settings::StoredStep) -> Option<String> {
    let has = |id: &str| now.uses.iter().flatten().any(|u| u.product_id == id);
    let names: Vec<&str> =
        next.uses.iter().flatten().filter(|u| !has(&u.product_id)).map(|u| u.name.as_str()).collect();
    (!names.is_empty()).then(|| {
        format!(
            "That step uses the {}, which you do not use now: make sure you have {} by then (ask your prescriber or pharmacy in good time).",
            names.join(" and the "),
            if names.len() > 1 { "them" } else { "it" }
        )
    })
}

/// The first day of a new way of preparing the dose, while no dose has been recorded taken since
/// it began: until then Today asks the person to confirm they have read it (clinical review D1).
pub(crate) async fn new_way_pending(
    state: &AppState,
    user: taper_store::UserId,
    course: &Course,
    today: jiff::civil::Date,
) -> AppResult<Option<jiff::civil::Date>> {
    let Some(since) = course.new_way_since(today) else { return Ok(None) };
    let taken_since = state.store.taken_since(user, course.plan_id, since).await?;
    Ok((!taken_since).then_some(since))
}

#[derive(Deserialize)]
pub struct DoseForm {
    #[serde(default)]
    status: String,
    /// "yes" when the person ticked that they have read a new way of preparing the dose.
    #[serde(default)]
    read_new_way: String,
    /// For a day taken in parts, the dose time this record is for ("08:00").
    #[serde(default)]
    time: String,
    /// Which plan in force the dose is of (several at once); the first when none.
    #[serde(default)]
    plan: String,
}

/// The button pressed on a dose form: "I took it" or "I missed it", nothing else.
pub(crate) fn status_asked(raw: &str) -> AppResult<DoseStatus> {
    DoseStatus::parse(raw).map_err(|_| AppError::BadRequest("Choose 'I took it' or 'I missed it'.".into()))
}

pub async fn record(State(state): State<AppState>, person: Person, Form(f): Form<DoseForm>) -> AppResult<Response> {
    let status = status_asked(&f.status)?;
    let today = person.today();
    let course = Course::load_chosen(&state, person.id(), Some(&f.plan)).await?.ok_or(AppError::NotFound)?;
    let (on, step) = course.on(today).ok_or_else(|| AppError::BadRequest("Your plan has not started yet.".into()))?;
    if status == DoseStatus::Taken
        && f.read_new_way != "yes"
        && let Some(since) = new_way_pending(&state, person.id(), &course, today).await?
    {
        // Today again, with what to do at the top: nothing recorded, nothing lost (walk-through
        // round 4: an error page with the signed-out menu looked like being logged out).
        let notice = format!(
            "Not recorded yet. From {} your dose is prepared a new way: read \"How to prepare it\" below, tick \"I have read the new way to prepare it\", then press \"I took it\".",
            long_date(since)
        );
        return Ok(crate::views::again(page(&state, &person, Some(notice)).await?));
    }
    let (time, dose_mg) = dose_time(&course, &on, step, &f.time)?;
    if let (Some(t), Some(from)) = (time, crate::dose_records::too_early(&person, today, time)) {
        return early_again(&state, &person, t, &from).await;
    }
    let dose = NewDose { plan: course.plan_id, date: today, time, status, dose_mg };
    state.store.record_dose(person.id(), &dose, person.now()).await?;
    // Back at that dose, where the record is shown (walks: it was off-screen).
    let at = time.and_then(taper_core::units::DoseTime::from_minutes).map(|t| anchor(&t.to_string()));
    Ok(Redirect::to(&format!("/today#plan-{}{}", course.plan_id, at.unwrap_or_default())).into_response())
}

/// Today again, saying the dose at `time` cannot be recorded before `from`; nothing recorded.
async fn early_again(state: &AppState, person: &Person, time: u16, from: &str) -> AppResult<Response> {
    let at = taper_core::units::DoseTime::from_minutes(time).map(|t| t.to_string()).unwrap_or_default();
    let notice = format!("Not recorded yet. Your {at} dose is later today: you can record it from {from}.");
    Ok(crate::views::again(page(state, person, Some(notice)).await?))
}

/// The part of an element id that names a dose time: "-0800" for 08:00.
fn anchor(time: &str) -> String {
    format!("-{}", time.replace(':', ""))
}

/// The dose time a record is for, with that time's amount; the whole day when none is given.
/// A time that is not one of that day's doses is refused, naming the times that are.
pub(crate) fn dose_time(
    course: &Course,
    on: &taper_core::course::OnDate,
    step: &crate::settings::StoredStep,
    given: &str,
) -> AppResult<(Option<u16>, f64)> {
    let parts = if course.day_of(on).is_some() { &[][..] } else { step.doses.as_slice() };
    if given.trim().is_empty() {
        // A day in parts is recorded time by time (a whole-day record beside them showed on
        // Today but in no calendar or CSV).
        if !parts.is_empty() {
            let times: Vec<&str> = parts.iter().map(|d| d.time.as_str()).collect();
            return Err(AppError::BadRequest(format!(
                "That day's dose is taken in parts ({}): record each time with its own button.",
                times.join(", ")
            )));
        }
        return Ok((None, on.dose_mg));
    }
    let wanted = taper_core::units::DoseTime::parse("time", given).ok().map(|t| t.minutes());
    parts
        .iter()
        .find(|d| {
            wanted.is_some() && taper_core::units::DoseTime::parse("time", &d.time).ok().map(|t| t.minutes()) == wanted
        })
        .map(|d| (wanted, d.mg))
        .ok_or_else(|| {
            let times: Vec<&str> = parts.iter().map(|d| d.time.as_str()).collect();
            AppError::BadRequest(if times.is_empty() {
                "That day's dose is taken once: record it without a time.".to_string()
            } else {
                format!("'{}' is not one of that day's dose times ({}).", given.trim(), times.join(", "))
            })
        })
}

async fn due_questionnaires(state: &AppState, person: &Person) -> AppResult<Vec<(&'static str, &'static str)>> {
    let qs = state.store.questionnaires(person.id()).await?;
    let today = person.today();
    Ok(taper_core::measures::Instrument::ALL
        .iter()
        .filter(|i| {
            qs.iter().rev().find(|q| q.instrument == i.key()).is_none_or(|q| {
                taper_core::course::after(q.date, taper_core::measures::QUESTIONNAIRE_EVERY_DAYS) <= today
            })
        })
        .map(|i| (i.key(), i.name()))
        .collect())
}

// View models: what this area's templates show.

#[derive(Clone)]
pub struct TodayDose {
    /// The first day of a new way of preparing the dose, not yet confirmed.
    pub new_way: Option<String>,
    /// Where the whole dose is drops (counted differently from tablets): the amount of drops.
    pub as_taken: Option<String>,
    /// What the next step uses that today's does not, to get in time.
    pub next_needs: Option<String>,
    /// With `as_taken`: what it is of ("the liquid") and what the plan counts in ("tablets").
    pub taken_of: String,
    pub counted_against: String,
    pub date: String,
    pub dose: String,
    pub instruction: String,
    pub details: Vec<String>,
    /// For a day taken in parts: what to make first, then each time with its own record.
    pub first: Vec<String>,
    pub times: Vec<TimeRow>,
    /// The products' own cautions for today's preparation.
    pub notes: Vec<String>,
    pub hold: bool,
    /// The plan goes no lower than today's dose with its products.
    pub stalled: bool,
    pub next: Option<String>,
    /// The whole day's record: "taken at 08:02", "missed", or empty.
    pub recorded: Option<String>,
    /// Any dose of today missed: the "never double up" advice is shown.
    pub missed: bool,
}

/// One plan in force on Today.
#[derive(Clone)]
pub struct TodayMedicine {
    /// Its id, sent with each of its buttons.
    pub plan: String,
    /// Added to its element ids: empty for the first plan, "-2" for the second.
    pub suffix: String,
    /// Whether the person has more than one plan in force (each then says its drug in its buttons).
    pub several: bool,
    pub drug: String,
    pub dose: Option<TodayDose>,
    pub starts: Option<String>,
    /// The day the plan reached its last dose of nothing, once it has: Today says so instead of
    /// a dose of 0 mg to record (issue 20: after a plan ends, check-ins go on).
    pub ended: Option<String>,
    pub readiness: Option<ReadinessView>,
    /// "Hold here" offered on its own, when no reading is shown and the plan has a next step.
    pub can_hold: bool,
    /// Whether its "Hold here" says in full what holding does: the first plan offering it only
    /// (a walk: with two plans, the same paragraph twice).
    pub explain_hold: bool,
}

/// The readiness reading as Today shows it.
#[derive(Clone)]
pub struct ReadinessView {
    /// "Proceed", "Caution" or "Hold".
    pub level: &'static str,
    pub meaning: &'static str,
    /// Each signal: its level and what it says.
    pub signals: Vec<(&'static str, String)>,
    pub sources: Vec<String>,
    /// "Before your next step, on …" or "While you hold at 12 mg".
    pub when: String,
    pub holding: bool,
    /// Going on while the reading says Hold asks the person to confirm they talked it through.
    pub confirm: bool,
    pub version: u32,
    /// While holding: when going on would bring the next step.
    pub resumes: Option<String>,
}

/// One dose time of a day taken in parts, with what has been recorded for it.
#[derive(Clone)]
pub struct TimeRow {
    pub time: String,
    /// Its element id's ending ("-0800").
    pub anchor: String,
    pub amount: String,
    pub take: String,
    pub recorded: Option<String>,
    pub missed: bool,
    /// Still too far ahead to record: the time it can be recorded from.
    pub from: Option<String>,
}

impl TimeRow {
    /// `dose` of `date` as shown, with `record`, the record for its time, if any.
    pub(crate) fn of(
        person: &Person,
        date: jiff::civil::Date,
        dose: timeline::DayDose,
        record: Option<&DoseRecord>,
    ) -> TimeRow {
        TimeRow {
            from: crate::dose_records::too_early(person, date, dose.minutes),
            anchor: anchor(&dose.time),
            time: dose.time,
            amount: mg(dose.mg),
            take: dose.take,
            recorded: record.map(|r| said(person, r)),
            missed: record.is_some_and(|r| r.status == DoseStatus::Missed),
        }
    }
}

#[derive(Clone, Template, WebTemplate)]
#[template(path = "today.html")]
pub struct Today {
    pub chrome: crate::views::Chrome,
    pub name: String,
    pub has_plan: bool,
    /// Each plan in force, oldest first.
    pub medicines: Vec<TodayMedicine>,
    pub checked_in: bool,
    /// The hard days the person is in now (`Analysis::hard_now`), in words.
    pub hard_day: Option<String>,
    /// Questionnaires that are due: (key, name).
    pub due: Vec<(&'static str, &'static str)>,
    pub proposals: usize,
    /// The plan whose suggestions the link opens.
    pub proposals_of: String,
    /// A supporter's name when one of the pending suggestions is theirs.
    pub suggested_by: Option<String>,
    pub notice: Option<String>,
    /// Products running low or needed soon (`supply::today_alerts`).
    pub supply: Vec<String>,
    /// What going on after a hold does, said beside the hold buttons (core's rule).
    pub after_hold: &'static str,
    /// A step-by-step switch the person follows.
    pub switch: Option<super::switching::SwitchToday>,
    /// After a hold whose smaller step cannot be made: the plan, and its own step in words, to go
    /// on at it instead (the person's choice, with their prescriber).
    pub own_step: Option<(String, String)>,
}
