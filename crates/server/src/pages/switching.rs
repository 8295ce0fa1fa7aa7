//! Following a step-by-step switch on Today (issue 20: the crossover the CLI has, in the web app,
//! stage by stage). The preview's answers are kept as sent and core plans the switch again from
//! them on every view, so what Today shows is core's, never a stored copy of a number. Starting a
//! switch ends the plan of the drug switched from; when the last stage is done, Today offers the
//! new drug's plan.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use serde::Deserialize;
use taper_core::crossover::CrossoverPlan;
use taper_store::{StoreError, SwitchRecord};

use super::switch::{StageView, SwitchForm, stage_view};
use crate::AppState;
use crate::auth::Person;
use crate::error::{AppError, AppResult};

/// Form fields that are not the switch's answers.
const NOT_ANSWERS: &[&str] = &["csrf", "agreed"];

/// Starts the previewed switch today, once the person says it was agreed with their prescriber.
pub async fn start(
    State(state): State<AppState>,
    person: Person,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let answers: Vec<(String, String)> =
        pairs.iter().filter(|(k, _)| !NOT_ANSWERS.contains(&k.as_str())).cloned().collect();
    let plan = match plan_of(&state, &answers).await? {
        Ok(plan) => plan,
        Err(why) => return Err(AppError::BadRequest(why)),
    };
    let refused = if state.store.active_switch(person.id()).await?.is_some() {
        Some("You already follow a switch: see Today. Stop following it first to start another. Nothing was started.")
    } else if crate::form::value(&pairs, "agreed") != "yes" {
        Some("Tick that you and your prescriber agreed this switch: nothing was started.")
    } else {
        None
    };
    if let Some(why) = refused {
        let page = super::switch::preview_page(&state, &person, &plan, answers, Some(why.into()));
        return Ok(crate::views::again(page));
    }
    // The plan of the drug switched from ends as the switch begins: its doses are the switch's now.
    let replaces: Vec<taper_store::PlanId> = (state.store.active_plans(person.id()).await?.into_iter())
        .filter(|p| p.drug == plan.from_drug)
        .map(|p| p.id)
        .collect();
    let form = serde_json::to_string(&answers).map_err(|e| AppError::internal("keeping the switch's answers", e))?;
    match state.store.start_switch(person.id(), &form, person.today(), &replaces, person.now()).await {
        Ok(id) => {
            tracing::info!(user = %person.id(), switch = %id, "switch started");
            carry_todays_records(&state, &person, id, &plan, &replaces).await?;
            Ok(Redirect::to("/today?saved=switch-started#switch").into_response())
        }
        Err(StoreError::Conflict(_)) => Err(AppError::BadRequest(
            "You already follow a switch, or the plan it replaces changed in another tab: see Today. Nothing was started."
                .into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Today's doses already recorded on the plans the switch replaces, carried onto the switch's
/// same doses (its first stage is the doses taken now): a walk started a switch after taking the
/// 08:00 dose and Today then showed that dose as not recorded, inviting a second. A day taken
/// whole is carried onto the switch's one dose of that drug, where it has one.
async fn carry_todays_records(
    state: &AppState,
    person: &Person,
    switch: taper_store::SwitchId,
    plan: &CrossoverPlan,
    replaced: &[taper_store::PlanId],
) -> AppResult<()> {
    let today = person.today();
    let Some(stage) = taper_core::crossover::stage_on(plan, 0) else { return Ok(()) };
    let from: Vec<(u16, f64)> = (stage.doses.iter())
        .filter(|d| d.drug == plan.from_drug)
        .filter_map(|d| taper_core::units::DoseTime::from_hours(d.hour).map(|t| (t.minutes(), d.mg)))
        .collect();
    for plan_id in replaced {
        for r in state.store.doses_on(person.id(), *plan_id, today).await? {
            let at = match r.time {
                Some(t) => from.iter().find(|(m, _)| *m == t),
                None if from.len() == 1 => from.first(),
                None => None,
            };
            let Some(&(time, mg)) = at else { continue };
            let dose = taper_store::SwitchDose {
                switch,
                date: today,
                drug: plan.from_drug.clone(),
                time,
                status: r.status,
                dose_mg: mg,
                recorded_at: r.recorded_at,
            };
            state.store.record_switch_dose(person.id(), &dose, r.recorded_at).await?;
        }
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct EndForm {
    #[serde(default)]
    switch: String,
    #[serde(default)]
    confirm: String,
}

/// Stops following the switch (done, or stopped with the prescriber): before its last stage,
/// only once the person has read what stopping means for today's doses (a walk: one tap left
/// "You have no plan yet" mid-switch).
pub async fn end(State(state): State<AppState>, person: Person, Form(f): Form<EndForm>) -> AppResult<Response> {
    // No switch named (a stale page): Today as it is.
    let Ok(id) = f.switch.trim().parse::<taper_store::SwitchId>() else {
        return Ok(Redirect::to("/today").into_response());
    };
    let Some(w) = today_view(&state, &person).await?.filter(|w| w.id == id.to_string()) else {
        return Ok(Redirect::to("/today").into_response());
    };
    if w.complete.is_none() && f.confirm != "yes" {
        return Ok(EndPage { chrome: person.chrome("today"), w }.into_response());
    }
    match state.store.end_switch(person.id(), id, person.now()).await {
        Ok(()) => Ok(Redirect::to("/today?saved=switch-ended").into_response()),
        // Already ended (a second tap): Today as it is.
        Err(StoreError::NotFound) => Ok(Redirect::to("/today").into_response()),
        Err(e) => Err(e.into()),
    }
}

/// Asked before a switch is stopped part-way.
#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "switch_end.html")]
pub struct EndPage {
    pub chrome: crate::views::Chrome,
    pub w: SwitchToday,
}

/// The whole switch the person follows, with the dates it now has (stays included).
pub async fn whole(State(state): State<AppState>, person: Person) -> AppResult<Response> {
    let Some((record, plan)) = followed(&state, person.id()).await? else {
        return Ok(Redirect::to("/today").into_response());
    };
    Ok(super::switch::following_page(&state, &person, &plan, record.start).into_response())
}

/// The switch `user` follows and core's plan of it with their stays; refused (said) when core
/// can no longer work it out.
pub(crate) async fn followed(
    state: &AppState,
    user: taper_store::UserId,
) -> AppResult<Option<(SwitchRecord, CrossoverPlan)>> {
    let Some(record) = state.store.active_switch(user).await? else { return Ok(None) };
    let plan = planned(state, &record).await?.map_err(AppError::BadRequest)?;
    Ok(Some((record, plan)))
}

/// Core's plan of a kept switch, followed or ended, with its stays; or why it cannot be worked out.
pub(crate) async fn planned(state: &AppState, record: &SwitchRecord) -> AppResult<Result<CrossoverPlan, String>> {
    let answers: Vec<(String, String)> = AppError::stored("switch", &record.form)?;
    Ok(plan_of(state, &answers).await?.map(|plan| taper_core::crossover::with_stays(&plan, &record.stays)))
}

#[derive(Deserialize)]
pub struct StayForm {
    #[serde(default)]
    switch: String,
    #[serde(default)]
    stage: String,
}

/// Stays one stage's length longer on today's stage (core's `with_stays`): the later stages come
/// later. Only today's stage, before the last, and at most `MAX_STAYS_PER_STAGE` times.
pub async fn stay(State(state): State<AppState>, person: Person, Form(f): Form<StayForm>) -> AppResult<Response> {
    use taper_core::crossover::MAX_STAYS_PER_STAGE;
    // A page from before the switch ended (or of no switch): Today as it is now.
    let id: Option<taper_store::SwitchId> = f.switch.trim().parse().ok();
    let Some((record, plan)) = followed(&state, person.id()).await?.filter(|(r, _)| Some(r.id) == id) else {
        return Ok(Redirect::to("/today").into_response());
    };
    let day = u32::try_from((person.today() - record.start).get_days()).unwrap_or(0);
    let today = taper_core::crossover::stage_on(&plan, day).map_or(0, |s| s.index);
    let last = plan.stages.last().map_or(0, |s| s.index);
    let asked: usize = f.stage.trim().parse().map_err(|_| {
        AppError::BadRequest(
        "The stage to stay on was not sent: use \"Stay on this stage\" on Today, which names it. Nothing was changed."
            .into(),
    )
    })?;
    if asked != today {
        // Pressed on a page from another day, or twice: Today as it is now.
        return Ok(Redirect::to("/today#switch").into_response());
    }
    if today >= last || record.stays.iter().filter(|(k, _)| *k == today).count() >= MAX_STAYS_PER_STAGE {
        return Err(AppError::BadRequest(format!(
            "This stage cannot be made longer here (at most {MAX_STAYS_PER_STAGE} times, and not the last): talk to your prescriber about planning the switch again. Nothing was changed."
        )));
    }
    match state.store.stay_on_stage(person.id(), record.id, &record.stays, today, plan.stage_days).await {
        Ok(()) => Ok(Redirect::to("/today?saved=switch-stayed#switch").into_response()),
        Err(StoreError::Conflict(_)) => Ok(Redirect::to("/today#switch").into_response()),
        Err(e) => Err(e.into()),
    }
}

/// What a new plan of `drug` does to the switch the person follows: `Ok(None)` nothing (another
/// drug, or no switch), `Ok(Some(id))` it is the new drug's plan once the switch is complete, so
/// saving it ends the switch; `Err` why it cannot be saved now (a walk: a second clonazepam plan
/// beside the switch gave two instructions for one day).
pub(crate) async fn plan_allowed(
    state: &AppState,
    person: &Person,
    drug: &str,
) -> AppResult<Result<Option<taper_store::SwitchId>, String>> {
    let Some(w) = today_view(state, person).await? else { return Ok(Ok(None)) };
    let id: taper_store::SwitchId = w.id.parse().map_err(|_| AppError::bug("a switch's id"))?;
    Ok(if w.problem.is_some() || drug == w.from_id {
        Err(format!(
            "You follow a switch {}: its doses are on Today. A plan of this drug would give a second instruction for the same day. Stop following the switch first, with your prescriber.",
            w.from_to
        ))
    } else if drug == w.to_id {
        match w.complete {
            Some(_) => Ok(Some(id)),
            None => Err(format!(
                "You follow a switch {}: the plan of {} comes once its last stage is reached, and Today offers it then.",
                w.from_to, w.to
            )),
        }
    } else {
        Ok(None)
    })
}

/// Core's switch from the kept answers, or why it cannot be worked out.
async fn plan_of(state: &AppState, answers: &[(String, String)]) -> AppResult<Result<CrossoverPlan, String>> {
    let f = SwitchForm::from_pairs(answers);
    let req = match f.request(&state.catalogue) {
        Ok(r) => r,
        Err(errors) => {
            return Ok(Err(errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join(" ")));
        }
    };
    Ok(state.switch(req).await?.map_err(|e| e.to_string()))
}

/// The switch as Today shows it.
#[derive(Clone)]
pub struct SwitchToday {
    pub id: String,
    /// "from Clonazepam to Diazepam"; empty when core can no longer plan it.
    pub from_to: String,
    /// The drugs' ids (empty when core can no longer plan it).
    pub from_id: String,
    pub to_id: String,
    /// Today's stage, with what to take at each time.
    pub stage: Option<StageView>,
    /// Today's doses, each with what was recorded for it.
    pub doses: Vec<SwitchDoseRow>,
    /// Today (ISO), the day `doses` are of, and in words.
    pub day: String,
    pub date: String,
    /// Stages after the doses of the start (stage 0).
    pub stages: usize,
    pub next: Option<String>,
    /// Once every stage is done: the day it was complete.
    pub complete: Option<String>,
    /// The new drug's plan form, its dose filled in.
    pub plan_link: String,
    /// Days one more stay on today's stage adds, when it may be stayed on longer.
    pub can_stay: Option<u32>,
    pub to: String,
    /// When core can no longer work the switch out (its catalogue changed): said, nothing guessed.
    pub problem: Option<String>,
}

/// The switch the person follows, as Today shows it on their day.
pub(crate) async fn today_view(state: &AppState, person: &Person) -> AppResult<Option<SwitchToday>> {
    let mut w = view_of(state, person.id(), &person.tz, person.today()).await?;
    for d in w.iter_mut().flat_map(|w| w.doses.iter_mut()) {
        d.from = crate::dose_records::too_early(person, person.today(), Some(d.minutes));
    }
    Ok(w)
}

/// The switch `user` follows as it stands on `today` (their day), for them or a supporter.
pub(crate) async fn view_of(
    state: &AppState,
    user: taper_store::UserId,
    tz: &jiff::tz::TimeZone,
    today: Date,
) -> AppResult<Option<SwitchToday>> {
    let Some(record) = state.store.active_switch(user).await? else { return Ok(None) };
    let answers: Vec<(String, String)> = AppError::stored("switch", &record.form)?;
    Ok(Some(match plan_of(state, &answers).await? {
        Ok(plan) => {
            let mut w = on_day(state, &record, &plan, today);
            fill_records(state, user, tz, record.id, today, &mut w.doses).await?;
            w
        }
        Err(why) => SwitchToday {
            id: record.id.to_string(),
            from_to: String::new(),
            from_id: String::new(),
            to_id: String::new(),
            stage: None,
            doses: Vec::new(),
            day: today.to_string(),
            date: super::long_date(today),
            stages: 0,
            next: None,
            complete: None,
            plan_link: String::new(),
            can_stay: None,
            to: String::new(),
            problem: Some(format!(
                "Taper can no longer work this switch out ({why}). Take the doses your prescriber agreed, and talk to them."
            )),
        },
    }))
}

fn on_day(state: &AppState, record: &SwitchRecord, plan: &CrossoverPlan, today: Date) -> SwitchToday {
    let plan = &taper_core::crossover::with_stays(plan, &record.stays);
    let c = &state.catalogue;
    let name = |id: &str| c.drug(id).map_or_else(|| id.to_string(), |d| d.name.clone());
    let day = u32::try_from((today - record.start).get_days()).unwrap_or(0);
    let after = |d: u32| super::long_date(taper_core::course::after(record.start, d));
    let current = taper_core::crossover::stage_on(plan, day);
    let next = plan.stages.iter().find(|s| s.day > day);
    let last = plan.stages.last();
    let to_mg: f64 = last.map_or(0.0, |s| s.doses.iter().filter(|d| d.drug == plan.to_drug).map(|d| d.mg).sum());
    let stays_here = |k: usize| record.stays.iter().filter(|(s, _)| *s == k).count();
    let can_stay = current
        .filter(|s| last.is_some_and(|l| s.index < l.index))
        .filter(|s| stays_here(s.index) < taper_core::crossover::MAX_STAYS_PER_STAGE)
        .map(|_| plan.stage_days);
    SwitchToday {
        id: record.id.to_string(),
        from_to: format!("from {} to {}", name(&plan.from_drug), name(&plan.to_drug)),
        from_id: plan.from_drug.clone(),
        to_id: plan.to_drug.clone(),
        stage: current.map(|s| stage_view(c, record.start, s)),
        day: today.to_string(),
        date: super::long_date(today),
        doses: current.map(|s| rows_of(c, s, &stage_view(c, record.start, s).doses)).unwrap_or_default(),
        stages: plan.stages.len().saturating_sub(1),
        next: next.map(|s| format!("Stage {} starts on {}.", s.index, after(s.day))),
        complete: (day >= plan.taper_offset_days).then(|| after(plan.taper_offset_days)),
        can_stay,
        plan_link: format!("/plan/new?drug={}&dose={}", plan.to_drug, taper_core::units::trim_number(to_mg)),
        to: name(&plan.to_drug),
        problem: None,
    }
}

/// One dose of today's stage, as Today and the supporter's page show it.
#[derive(Clone)]
pub struct SwitchDoseRow {
    /// "08:00".
    pub time: String,
    pub minutes: u16,
    /// The catalogue's id of the medicine, and its name.
    pub drug: String,
    pub name: String,
    /// "0.5 mg Clonazepam: …", what to take.
    pub what: String,
    /// Its element id on Today: "switch-clonazepam-0800".
    pub anchor: String,
    /// "taken (marked at 08:02)" or "missed", once recorded.
    pub recorded: Option<String>,
    pub missed: bool,
    /// Still too far ahead to record: the time it can be recorded from.
    pub from: Option<String>,
}

/// The doses of `stage`, nothing recorded yet; `what` names each as the stage view does.
pub(crate) fn rows_of(
    c: &taper_core::Catalogue,
    stage: &taper_core::crossover::Stage,
    what: &[(String, String)],
) -> Vec<SwitchDoseRow> {
    (stage.doses.iter().zip(what))
        .filter_map(|(d, (time, what))| {
            let at = taper_core::units::DoseTime::from_hours(d.hour)?;
            Some(SwitchDoseRow {
                time: time.clone(),
                minutes: at.minutes(),
                anchor: format!("switch-{}-{}", d.drug, time.replace(':', "")),
                name: c.drug(&d.drug).map_or_else(|| d.drug.clone(), |x| x.name.clone()),
                drug: d.drug.clone(),
                what: what.clone(),
                recorded: None,
                missed: false,
                from: None,
            })
        })
        .collect()
}

/// Fills in what `user` recorded for each of `rows` on `on`.
pub(crate) async fn fill_records(
    state: &AppState,
    user: taper_store::UserId,
    tz: &jiff::tz::TimeZone,
    switch: taper_store::SwitchId,
    on: Date,
    rows: &mut [SwitchDoseRow],
) -> AppResult<()> {
    let records = state.store.switch_doses_on(user, switch, on).await?;
    for row in rows.iter_mut() {
        if let Some(r) = records.iter().find(|r| r.drug == row.drug && r.time == row.minutes) {
            row.recorded = Some(crate::dose_records::said_of(tz, r.status, r.date, r.recorded_at));
            row.missed = r.status == taper_store::DoseStatus::Missed;
        }
    }
    Ok(())
}
