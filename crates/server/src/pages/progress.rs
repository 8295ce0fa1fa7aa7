//! Progress: the waves-and-windows chart over the dose, and proposals to accept or decline.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use taper_core::waves::Kind;
use taper_report::chart::{Timeline, waves_svg};
use taper_store::{ProposalRecord, ProposalStatus};

use super::long_date;
use super::mg;
use crate::AppState;
use crate::auth::Person;
use crate::error::{AppError, AppResult};
use crate::timeline::{self, Course, ProposalDetails, StoredAction};
use askama::Template;
use askama_web::WebTemplate;
use taper_core::adapt::FirstCut;

#[derive(Deserialize)]
pub struct Notice {
    done: Option<String>,
    /// Which plan in force, where the person has several.
    plan: Option<String>,
}

fn cite(state: &AppState, key: &str) -> String {
    state.catalogue.source(key).map_or_else(|| key.to_string(), |s| s.citation.clone())
}

/// What accepting does to the plan, in words, so a hold never ends silently.
fn effect(action: StoredAction, course: Option<&Course>, today: jiff::civil::Date) -> String {
    let holding = course.is_some_and(|c| c.current().record.hold);
    let cur = course.map(|c| &c.current().settings);
    let unit = cur.map_or("", |s| s.step_unit());
    let interval = cur.map_or(taper_core::schedule::DEFAULT_INTERVAL_DAYS, |s| s.interval_days);
    let ends = if holding { "Accepting ends your hold: " } else { "Accepting changes your plan: " };
    let revision = taper_core::adapt::Action::from(action).revision();
    match (action, revision.first_cut) {
        (StoredAction::Hold { dose_mg }, _) => {
            format!("Accepting keeps you on {} with no further cut until you decide to go on.", mg(dose_mg))
        }
        (StoredAction::Return { dose_mg }, _) => {
            format!("Accepting takes you back to {} from today and holds you there.", mg(dose_mg))
        }
        (_, FirstCut::Today) => format!(
            "{ends}the next cut is today, and steps are {}{unit} from now on.",
            timeline::fmt(revision.step.unwrap_or_default())
        ),
        (_, _) => format!(
            "{ends}you stay on {} until {}, then take steps of {}{unit}.",
            mg(revision.from_mg),
            long_date(taper_core::course::after(today, interval)),
            timeline::fmt(revision.step.unwrap_or_default())
        ),
    }
}

fn proposal_view(
    state: &AppState,
    p: &ProposalRecord,
    person: &Person,
    course: Option<&Course>,
) -> AppResult<ProposalView> {
    let details: ProposalDetails = AppError::stored("proposal", &p.details)?;
    Ok(ProposalView {
        id: p.id.to_string(),
        title: p.title.clone(),
        reason: p.reason.clone(),
        effect: effect(details.action, course, person.today()),
        by: p.proposer_name.clone().unwrap_or_else(|| "your check-ins".to_string()),
        data: details.data.clone(),
        sources: details.sources.iter().map(|s| cite(state, s)).collect(),
        status: p.status.as_str().to_string(),
        when: p.created_at.to_zoned_datetime(person.tz.clone()).date().to_string(),
    })
}

pub async fn show(State(state): State<AppState>, person: Person, Query(q): Query<Notice>) -> AppResult<Response> {
    let today = person.today();
    let course = Course::load_chosen(&state, person.id(), q.plan.as_deref()).await?;
    let checkins = state.store.day_levels(person.id()).await?;
    let all = Course::load_all(&state, person.id()).await?;
    let entries = timeline::day_entries(&checkins);
    let analysis = timeline::analyse(entries.clone(), timeline::first_change(&all, today)).await?;
    let plans = match &course {
        Some(c) => super::plan_links(&state, person.id(), "/progress", c.plan_id).await?,
        None => Vec::new(),
    };
    let drug = course.as_ref().map(|c| c.drug_name(&state.catalogue)).unwrap_or_default();

    let (pending, history, revisions) = match &course {
        Some(c) => suggestions_and_revisions(&state, &person, c).await?,
        None => (Vec::new(), Vec::new(), Vec::new()),
    };

    let first = [checkins.first().map(|c| c.date), course.as_ref().map(|c| c.revs[0].record.effective)]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(today);
    let start = first.min(today);
    let (dose, occ) =
        course.as_ref().map_or((vec![], vec![]), |c| (c.dose_points(start, today), c.occupancy_points(start, today)));
    let burden = timeline::burden_points(&entries);
    let chart = waves_svg(&Timeline {
        analysis: &analysis,
        dose: &dose,
        drug: &drug,
        occupancy: &occ,
        start,
        end: today,
        burden: &burden,
        scores: &[],
    })?;
    let page = Progress {
        chrome: person.chrome("progress"),
        has_plan: course.is_some(),
        plans,
        drug,
        chart,
        summary: analysis.summary(),
        method: taper_core::waves::method(),
        episodes: analysis
            .episodes
            .iter()
            .map(|e| EpisodeView {
                kind: if e.kind == Kind::Wave { "Wave" } else { "Window" },
                start: e.start.to_string(),
                end: if e.ongoing { format!("{} (ongoing)", e.end) } else { e.end.to_string() },
                days: e.days(),
                extreme: format!("{:.1}", e.extreme),
            })
            .collect(),
        pending,
        history,
        revisions,
        notice: q.done.map(|d| match d.as_str() {
            "accepted" => "Done: your plan has a new revision. The earlier versions stay in its history.".to_string(),
            _ => "Noted: the plan stays as it is.".to_string(),
        }),
    };
    Ok(page.into_response())
}

/// A plan's pending suggestions (as the last change of data left them), its decided ones, and its
/// revisions, newest first.
async fn suggestions_and_revisions(
    state: &AppState,
    person: &Person,
    c: &Course,
) -> AppResult<(Vec<ProposalView>, Vec<ProposalView>, Vec<RevisionView>)> {
    let open = timeline::pending_proposals(state, person.id(), c).await?;
    let pending = open.iter().map(|p| proposal_view(state, p, person, Some(c))).collect::<AppResult<_>>()?;
    let history = state
        .store
        .proposals(person.id(), c.plan_id)
        .await?
        .iter()
        .filter(|p| p.status != ProposalStatus::Pending)
        .map(|p| proposal_view(state, p, person, Some(c)))
        .collect::<AppResult<_>>()?;
    Ok((pending, history, RevisionView::all_of(c)))
}

pub fn revision_summary(r: &timeline::Rev) -> String {
    let s = &r.settings;
    if r.record.hold {
        format!("Hold at {} mg until a later revision", timeline::fmt(s.start_mg))
    } else {
        // The strategy the plan used, as core says it: a drug without a model is planned
        // proportionally though hyperbolic was asked (walk: the line said "hyperbolic 5 pp").
        let steps = r.plan.steps.len().saturating_sub(1);
        format!(
            "{} mg, {}, every {} days ({steps} step{})",
            timeline::fmt(s.start_mg),
            r.plan.strategy,
            s.interval_days,
            if steps == 1 { "" } else { "s" }
        )
    }
}

pub async fn accept(State(state): State<AppState>, person: Person, Path(id): Path<String>) -> AppResult<Response> {
    let id: taper_store::ProposalId = id.parse().map_err(|_| AppError::NotFound)?;
    // Of whichever plan in force it was made for (several at once).
    let mut found = None;
    for course in Course::load_all(&state, person.id()).await? {
        let of = state.store.proposals(person.id(), course.plan_id).await?.into_iter().find(|p| p.id == id);
        if let Some(p) = of {
            found = Some((course, p));
            break;
        }
    }
    let (course, proposal) = found.ok_or(AppError::NotFound)?;
    if proposal.status != ProposalStatus::Pending || proposal.revision != course.current().record.id {
        return Err(AppError::Conflict("proposal".into()));
    }
    let details: ProposalDetails = AppError::stored("proposal", &proposal.details)?;
    let today = person.today();
    let built = timeline::revision_for(&state, &course, details.action, today).await?;
    timeline::add_revision(&state, person.id(), &course, built, today, Some(id), person.now()).await?;
    tracing::info!(user = %person.id(), rule = %proposal.rule, "proposal accepted");
    Ok(Redirect::to(&format!("/progress?done=accepted&plan={}", course.plan_id)).into_response())
}

pub async fn decline(State(state): State<AppState>, person: Person, Path(id): Path<String>) -> AppResult<Response> {
    let id: taper_store::ProposalId = id.parse().map_err(|_| AppError::NotFound)?;
    state.store.decline_proposal(person.id(), id, person.now()).await?;
    Ok(Redirect::to("/progress?done=declined").into_response())
}

// View models: what this area's templates show.

pub struct ProposalView {
    pub id: String,
    pub title: String,
    pub reason: String,
    /// What accepting does: "Accepting ends your hold: you stay on 12 mg until …".
    pub effect: String,
    /// Who suggested it: a supporter's name, or "your check-ins".
    pub by: String,
    pub data: Vec<String>,
    pub sources: Vec<String>,
    pub status: String,
    pub when: String,
}

pub struct EpisodeView {
    pub kind: &'static str,
    pub start: String,
    pub end: String,
    pub days: i32,
    pub extreme: String,
}

pub struct RevisionView {
    pub number: i64,
    pub effective: String,
    pub reason: String,
    pub summary: String,
}

impl RevisionView {
    /// Every revision of `c`, newest first.
    pub fn all_of(c: &Course) -> Vec<RevisionView> {
        c.revs
            .iter()
            .rev()
            .map(|r| RevisionView {
                number: r.record.number,
                effective: long_date(r.record.effective),
                reason: r.reason.clone(),
                summary: revision_summary(r),
            })
            .collect()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "progress.html")]
pub struct Progress {
    pub chrome: crate::views::Chrome,
    pub has_plan: bool,
    /// The plans in force, where there are several, and the drug of the one shown.
    pub plans: Vec<super::PlanLink>,
    pub drug: String,
    pub chart: String,
    pub summary: String,
    pub method: String,
    pub episodes: Vec<EpisodeView>,
    pub pending: Vec<ProposalView>,
    pub history: Vec<ProposalView>,
    pub revisions: Vec<RevisionView>,
    pub notice: Option<String>,
}
