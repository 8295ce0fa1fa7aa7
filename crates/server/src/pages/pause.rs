//! Pausing by oneself (issue 20): "hold here" keeps today's dose until the person says they are
//! ready; "I'm ready for the next step" goes on, more slowly after a hold as the adaptive rule
//! would. Each is a new revision of the plan with its reason, as a proposal accepted is.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use taper_core::adapt::{self, Action};

use crate::AppState;
use crate::auth::Person;
use crate::error::{AppError, AppResult};
use crate::timeline::{self, Course, StoredAction};

/// A revision refused because another was added meanwhile (a double tap, a second tab): Today
/// again, showing the plan as it now is, with nothing changed twice.
fn changed_meanwhile(added: AppResult<i64>, course: &Course) -> AppResult<Option<Response>> {
    match added {
        Ok(_) => Ok(None),
        Err(AppError::Conflict(_)) => {
            Ok(Some(Redirect::to(&format!("/today?saved=unchanged&plan={}", course.plan_id)).into_response()))
        }
        Err(e) => Err(e),
    }
}

/// Which of the person's plans in force a button is for (several at once); the first when none.
#[derive(Deserialize)]
pub struct HoldForm {
    #[serde(default)]
    plan: String,
}

/// Holds at today's dose from today. Holding twice is holding once.
pub async fn hold(State(state): State<AppState>, person: Person, Form(f): Form<HoldForm>) -> AppResult<Response> {
    let today = person.today();
    let course = Course::load_chosen(&state, person.id(), Some(&f.plan)).await?.ok_or(AppError::NotFound)?;
    if course.current().record.hold {
        return Ok(Redirect::to(&format!("/today?saved=held&plan={}", course.plan_id)).into_response());
    }
    let (on, _) = course.on(today).ok_or_else(|| AppError::BadRequest("Your plan has not started yet.".into()))?;
    if on.dose_mg <= 0.0 {
        return Err(AppError::BadRequest("Your plan has ended: there is no dose to hold.".into()));
    }
    let action = StoredAction::Hold { dose_mg: on.dose_mg };
    let mut built = timeline::revision_for(&state, &course, action, today).await?;
    let settings = &course.current().settings;
    built.4 = adapt::own_reason(Action::from(action), settings.unit(), settings.step, false);
    if let Some(again) = changed_meanwhile(
        timeline::add_revision(&state, person.id(), &course, built, today, None, person.now()).await,
        &course,
    )? {
        return Ok(again);
    }
    tracing::info!(user = %person.id(), "plan held by the person");
    Ok(Redirect::to(&format!("/today?saved=held&plan={}", course.plan_id)).into_response())
}

#[derive(Deserialize)]
pub struct ResumeForm {
    /// "yes" when the person confirmed going on although the reading says Hold.
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    plan: String,
    /// "yes" to go on at the plan's own step when its products cannot make the smaller one.
    #[serde(default)]
    own_step: String,
}

/// Ends the person's hold: the next step today, with the step the adaptive rule would take.
pub async fn resume(State(state): State<AppState>, person: Person, Form(f): Form<ResumeForm>) -> AppResult<Response> {
    let today = person.today();
    let course = Course::load_chosen(&state, person.id(), Some(&f.plan)).await?.ok_or(AppError::NotFound)?;
    if !course.current().record.hold {
        // Gone on already (another tab, a second tap): Today as the plan now is.
        return Ok(Redirect::to(&format!("/today?saved=unchanged&plan={}", course.plan_id)).into_response());
    }
    let checkins = state.store.day_levels(person.id()).await?;
    let all = Course::load_all(&state, person.id()).await?;
    let analysis = timeline::analyse(timeline::day_entries(&checkins), timeline::first_change(&all, today)).await?;
    let (s, r) = timeline::reading(&state, person.id(), &course, &analysis, today).await?;
    if !s.has_next_step {
        return Err(AppError::BadRequest("Your plan has ended: there is no next step.".into()));
    }
    let against_hold = r.level == taper_core::readiness::Level::Hold;
    if against_hold && f.confirm != "yes" {
        // Today again with the reading and what to do: nothing changed.
        let notice = "Not changed yet. Your own recent data suggest holding (see why below). To go on anyway, tick that you have talked it through with your prescriber, then press \"I'm ready for the next step\" again.".to_string();
        return Ok(crate::views::again(super::today::page(&state, &person, Some(notice)).await?));
    }
    // Slower after a hold, but once: each hold and go-on halving again took a walk's plan from
    // 5 pp to 1 pp in three holds. Halved from the plan's first step, never below the current.
    let first = course.revs[0].settings.step;
    let halved = adapt::resume_step(&adapt::Situation { step: first, ..s }).min(s.step);
    // Asked for by the person once the smaller step could not be made (a walk: held for good).
    let step = if f.own_step == "yes" { s.step } else { halved };
    if f.own_step == "yes" && f.confirm != "yes" {
        let notice = "Not changed yet. To go on at your plan's own step, tick that you have talked it through with your prescriber.".to_string();
        return Ok(crate::views::again(super::today::page(&state, &person, Some(notice)).await?));
    }
    let action = StoredAction::NextStep { from_mg: s.dose_mg, step };
    let mut built = match timeline::revision_for(&state, &course, action, today).await {
        Ok(built) => built,
        // The smaller step cannot be made with the products in the plan (a walk: a bare error
        // page, the plan on hold, and no way on): Today says why and what to do; nothing changed.
        Err(AppError::BadRequest(_)) => {
            // The plan's own step is offered only where it can be made (a walk: offered a way
            // on that failed the same way, the plan held for good).
            let own = step < s.step
                && timeline::revision_for(
                    &state,
                    &course,
                    StoredAction::NextStep { from_mg: s.dose_mg, step: s.step },
                    today,
                )
                .await
                .is_ok();
            let drug = course.drug_name(&state.catalogue);
            let notice = if own {
                format!(
                    "Not changed: your plan stays on hold. After a hold the steps are smaller, and the products in your {drug} plan cannot make the next smaller step. Make the plan again from today with a product that measures smaller amounts (such as a liquid), which changes this plan; or, with your prescriber, go on at your plan's own step below."
                )
            } else {
                format!(
                    "Not changed: your plan stays on hold. The products in your {drug} plan cannot make its next step, smaller or as planned, within the pace limits. Make the plan again from today with a product that measures smaller amounts (such as a liquid), which changes this plan, and talk with your prescriber."
                )
            };
            let mut page = super::today::page(&state, &person, Some(notice)).await?;
            let unit = course.current().settings.unit().after_number();
            page.own_step = own.then(|| (course.plan_id.to_string(), format!("{}{unit}", timeline::fmt(s.step))));
            return Ok(crate::views::again(page));
        }
        Err(e) => return Err(e),
    };
    let settings = &course.current().settings;
    built.4 = adapt::own_reason(Action::from(action), settings.unit(), settings.step, against_hold);
    // Not sooner than the step the plan had before the hold: today's dose stays until then.
    if let Some(due) = course.step_due_before_hold().filter(|d| *d > today) {
        let wait = u32::try_from((due - today).get_days()).unwrap_or(0);
        built.2 = built.2.saturating_sub(wait);
    }
    if let Some(again) = changed_meanwhile(
        timeline::add_revision(&state, person.id(), &course, built, today, None, person.now()).await,
        &course,
    )? {
        return Ok(again);
    }
    tracing::info!(user = %person.id(), "plan resumed by the person");
    Ok(Redirect::to(&format!("/today?saved=resumed&plan={}", course.plan_id)).into_response())
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    days: String,
    #[serde(default)]
    plan: String,
}

/// Moves the next step later by the days asked, keeping today's dose until then; later steps move
/// with it. At most one interval (longer is a hold, which waits for the person instead).
pub async fn move_later(State(state): State<AppState>, person: Person, Form(f): Form<MoveForm>) -> AppResult<Response> {
    let today = person.today();
    let course = Course::load_chosen(&state, person.id(), Some(&f.plan)).await?.ok_or(AppError::NotFound)?;
    let cur = course.current();
    let interval = cur.settings.interval_days;
    let days: u32 = f.days.trim().parse().ok().filter(|d| (1..=interval).contains(d)).ok_or_else(|| {
        AppError::BadRequest(format!(
            "Days to move the next step: give a whole number from 1 to {interval} (one interval); to wait longer, hold instead. Nothing was changed."
        ))
    })?;
    let (on, _) = course.on(today).ok_or_else(|| AppError::BadRequest("Your plan has not started yet.".into()))?;
    let next = on.next.map(|(d, _)| d).filter(|_| !cur.record.hold && on.dose_mg > 0.0).ok_or_else(|| {
        AppError::BadRequest("There is no next step to move: your plan holds or has ended. Nothing was changed.".into())
    })?;
    let to = taper_core::course::after(next, days);
    let action = StoredAction::NextStep { from_mg: on.dose_mg, step: cur.settings.step };
    let mut built = timeline::revision_for(&state, &course, action, today).await?;
    built.4 = adapt::moved_reason(days, to);
    // Today's dose until `to`, then the steps at the plan's own pace: no further than one of the
    // re-planned intervals from today (a longer wait is a hold).
    let wait = u32::try_from((to - today).get_days()).unwrap_or(0);
    if wait > built.2 {
        let most = days.saturating_sub(wait - built.2);
        return Err(AppError::BadRequest(format!(
            "Your next step can move at most {most} day{} from {}, one interval from today; to wait longer, hold instead. Nothing was changed.",
            if most == 1 { "" } else { "s" },
            super::long_date(next)
        )));
    }
    built.2 -= wait;
    if let Some(again) = changed_meanwhile(
        timeline::add_revision(&state, person.id(), &course, built, today, None, person.now()).await,
        &course,
    )? {
        return Ok(again);
    }
    tracing::info!(user = %person.id(), days, "next step moved later by the person");
    Ok(Redirect::to(&format!("/today?saved=moved&plan={}", course.plan_id)).into_response())
}
