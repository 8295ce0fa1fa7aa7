//! Making a plan (choose a drug, fill in, preview, save) and showing the current one.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use taper_core::course;
use taper_core::schedule::Plan;

use super::{long_date, mg};
use crate::AppState;
use crate::auth::Person;
use crate::error::{AppError, AppResult};
use crate::settings::{PlanForm, PlanSettings, StoredPlan, StoredStep, plan_error_fields};
use crate::timeline::Course;
use crate::views::{self, DrugOption, Field, ProductOption, StepView};
use taper_report::PlanJson;

/// Markets a product list can be narrowed to.
const MARKETS: [&str; 3] = ["UK", "EU", "US"];

fn form_page(state: &AppState, person: &Person, f: &PlanForm, errors: Vec<Field>, replacing: bool) -> views::PlanNew {
    let drug = state.catalogue.drug(&f.drug);
    let market = MARKETS.iter().find(|m| **m == f.market).map_or(String::new(), |m| (*m).to_string());
    let value = |list: &[(String, String)], id: &str| list.iter().find(|(k, _)| k == id).map(|(_, v)| v.clone());
    let mut drugs: Vec<DrugOption> = state
        .catalogue
        .drugs()
        .iter()
        .map(|d| DrugOption {
            id: d.id.clone(),
            label: if d.brands.is_empty() {
                format!("{} ({})", d.name, d.class.label())
            } else {
                format!("{} — {} ({})", d.name, d.brands.join(", "), d.class.label())
            },
            selected: drug.is_some_and(|x| x.id == d.id),
        })
        .collect();
    drugs.sort_by(|a, b| a.label.cmp(&b.label));
    views::PlanNew {
        chrome: person.chrome("plan"),
        drugs,
        drug: drug.map(|d| d.id.clone()).unwrap_or_default(),
        drug_name: drug.map(|d| d.name.clone()).unwrap_or_default(),
        products: drug
            .map(|d| {
                d.products
                    .iter()
                    .filter(|p| market.is_empty() || p.markets.contains(&market) || f.products.contains(&p.id))
                    .map(|p| ProductOption {
                        id: p.id.clone(),
                        label: if p.markets.is_empty() {
                            p.describe()
                        } else {
                            format!("{} ({})", p.describe(), p.markets.join(", "))
                        },
                        checked: f.products.contains(&p.id),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        capsules: drug
            .map(|d| {
                d.products
                    .iter()
                    .filter(|p| matches!(p.form, taper_core::catalogue::Form::Capsule { .. }))
                    .map(|p| views::CapsuleOption {
                        id: p.id.clone(),
                        label: p.describe(),
                        beads: value(&f.beads, &p.id).unwrap_or_default(),
                        fill: value(&f.fills, &p.id).unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        market,
        markets: MARKETS.to_vec(),
        compounded: f.compounded.clone(),
        strips: f.strips.clone(),
        scale: f.scale.clone(),
        final_dose: f.final_dose.clone(),
        end_at: f.end_at.clone(),
        micro_taper: f.micro_taper,
        dose: f.dose.clone(),
        strategy: f.strategy.clone(),
        step: f.step.clone(),
        every: f.every.clone(),
        start_date: f.start_date.clone(),
        cutter: f.cutter,
        syringe: f.syringe.clone(),
        ask_confirm: f.confirm_dose || errors.iter().any(|e| e.name == "confirm_dose"),
        errors,
        replacing,
        pace_note: None,
        justification: f.justification.clone(),
        confirm_dose: f.confirm_dose,
    }
}

pub async fn new(
    State(state): State<AppState>,
    person: Person,
    Query(pairs): Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    let replacing = !state.store.plans(person.id()).await?.is_empty();
    let mut f = PlanForm::from_pairs(&pairs);
    let advice = super::history::advice_for(&state, person.id(), person.today()).await?;
    if !pairs.iter().any(|(k, _)| k == "dose") {
        // Only a drug was chosen: start from the defaults, slowed by the person's history.
        f = PlanForm::defaults(&state.catalogue, &f.drug, person.today());
        f.step = taper_core::units::trim_number(taper_core::schedule::DEFAULT_STEP_PP * advice.step_factor);
        f.every = advice.interval_days.to_string();
    }
    let mut page = form_page(&state, &person, &f, vec![], replacing);
    page.pace_note = (!advice.factors.is_empty()).then_some(advice.explanation);
    Ok(page.into_response())
}

/// What checking and planning a form gives: the plan, or the form again with messages.
type Planned = Result<(PlanForm, PlanSettings, Plan), Box<views::PlanNew>>;

/// Checks the form and plans it; on any problem, the form again with messages. `Err` only when
/// no planner is free (or one failed).
async fn plan_from_form(state: &AppState, person: &Person, pairs: &[(String, String)]) -> AppResult<Planned> {
    let f = PlanForm::from_pairs(pairs);
    let again = |errors| Box::new(form_page(state, person, &f, errors, false));
    let settings = match f.settings(&state.catalogue, person.today()) {
        Ok(s) => s,
        Err(errors) => return Ok(Err(again(errors))),
    };
    let req = match settings.request(&state.catalogue) {
        Ok(r) => r,
        Err(e) => return Ok(Err(again(plan_error_fields(&e)))),
    };
    Ok(match state.plan(req).await? {
        Ok(plan) => Ok((f, settings, plan)),
        Err(e) => {
            let mut fields = plan_error_fields(&e);
            if matches!(e, taper_core::PlanError::Unconfirmed { .. }) {
                // The box to tick appears with the message.
                fields.push(Field::error("confirm_dose", "Tick the box below if this dose is right."));
            }
            Err(again(fields))
        }
    })
}

fn step_views(steps: &[StoredStep], effective: Date, day_offset: u32, today: Option<Date>) -> Vec<StepView> {
    let mut out: Vec<StepView> = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        if s.day < day_offset && steps.get(i + 1).is_some_and(|n| n.day <= day_offset) {
            continue; // before this revision took effect
        }
        let date = course::after(effective, s.day.saturating_sub(day_offset));
        let ends = steps.get(i + 1).map(|n| course::after(effective, n.day.saturating_sub(day_offset)));
        out.push(StepView {
            date: date.to_string(),
            day: s.day,
            dose: mg(s.dose_mg),
            target: mg(taper_core::schedule::target_as_shown(s.target_mg)),
            occupancy: s.occupancy.map(|o| format!("{o:.1} %")).unwrap_or_else(|| "—".into()),
            instruction: s.instruction.clone(),
            notes: s.notes.iter().filter(|n| i == 0 || !steps[i - 1].notes.contains(n)).cloned().collect(),
            current: today.is_some_and(|t| date <= t && ends.is_none_or(|e| t < e)),
        });
    }
    out
}

fn status_line(p: &StoredPlan) -> String {
    let steps = p.steps.len().saturating_sub(1);
    if p.complete {
        return format!("{steps} steps to zero.");
    }
    let mut s =
        if steps == 0 { "No step can be planned yet".to_string() } else { format!("Stops after {steps} steps") };
    if let Some(why) = &p.stopped_because {
        s.push_str(&format!(": {why}."));
    }
    if let Some(sugg) = &p.suggestion {
        s.push_str(&format!(" {sugg}"));
    }
    s
}

pub async fn preview(
    State(state): State<AppState>,
    person: Person,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (_, settings, plan) = match plan_from_form(&state, &person, &pairs).await? {
        Ok(x) => x,
        Err(page) => return Ok(views::again(*page)),
    };
    let stored = StoredPlan::new(&plan, &state.catalogue);
    let chart = taper_report::chart::plan_svg(&plan)?;
    // Everything the person sent, to save or to change it.
    let hidden: Vec<(String, String)> = pairs.iter().filter(|(k, _)| k != "csrf").cloned().collect();
    let try_with = PlanJson::new(&plan, &state.catalogue).suggestion_option.and_then(|s| {
        let mut with = hidden.clone();
        match (s.kind, s.product) {
            ("product", Some(id)) => with.push(("products".into(), id)),
            ("cutter", _) => with.push(("cutter".into(), "yes".into())),
            // A pharmacy's precision is for the person to find out; the form has a field for it.
            _ => return None,
        }
        Some((s.description, with))
    });
    let page = views::PlanPreview {
        chrome: person.chrome("plan"),
        drug_name: stored.drug_name.clone(),
        strategy: stored.strategy.clone(),
        step_limit: stored.step_limit.clone().unwrap_or_default(),
        model: stored.model.clone().unwrap_or_default(),
        status: status_line(&stored),
        warnings: stored.warnings.clone(),
        steps: step_views(&stored.steps, settings.start_date, 0, None),
        chart,
        can_save: stored.steps.len() > 1,
        hidden,
        try_with,
    };
    Ok(page.into_response())
}

pub async fn save(
    State(state): State<AppState>,
    person: Person,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (f, settings, plan) = match plan_from_form(&state, &person, &pairs).await? {
        Ok(x) => x,
        Err(page) => return Ok(views::again(*page)),
    };
    let stored = StoredPlan::new(&plan, &state.catalogue);
    if stored.steps.len() < 2 {
        // Nothing to take but today's dose: saving it would promise a taper that is not there.
        let why = format!(
            "This plan has no step yet: {}. {}",
            stored.stopped_because.clone().unwrap_or_default(),
            stored.suggestion.clone().unwrap_or_default()
        );
        return Ok(views::again(form_page(&state, &person, &f, vec![Field::error("products", why)], false)));
    }
    let settings_json = serde_json::to_string(&settings).map_err(|e| AppError::internal("encoding JSON", e))?;
    let steps_json = serde_json::to_string(&stored).map_err(|e| AppError::internal("encoding JSON", e))?;
    let first = taper_store::NewRevision {
        effective: settings.start_date,
        day_offset: 0,
        hold: false,
        settings: &settings_json,
        steps: &steps_json,
        reason: "Plan created",
        proposal: None,
    };
    state.store.create_plan(person.id(), &settings.drug, &first, person.now()).await?;
    tracing::info!(user = %person.id(), "plan saved");
    Ok(Redirect::to("/today").into_response())
}

pub async fn show(State(state): State<AppState>, person: Person) -> AppResult<Response> {
    let Some(course) = Course::load(&state, person.id()).await? else {
        return Ok(views::PlanPage {
            chrome: person.chrome("plan"),
            has_plan: false,
            drug_name: String::new(),
            strategy: String::new(),
            step_limit: String::new(),
            status: String::new(),
            hold: None,
            warnings: vec![],
            steps: vec![],
            revisions: vec![],
            disclaimer: taper_report::DISCLAIMER,
        }
        .into_response());
    };
    let cur = course.current();
    let today = person.today();
    let page = views::PlanPage {
        chrome: person.chrome("plan"),
        has_plan: true,
        drug_name: cur.plan.drug_name.clone(),
        strategy: cur.plan.strategy.clone(),
        step_limit: cur.plan.step_limit.clone().unwrap_or_default(),
        status: if cur.record.hold { String::new() } else { status_line(&cur.plan) },
        hold: cur.record.hold.then(|| {
            format!(
                "On hold at {} since {}. The next step waits until you are stable and you decide to go on.",
                mg(cur.settings.start_mg),
                long_date(cur.record.effective)
            )
        }),
        warnings: cur.plan.warnings.clone(),
        steps: step_views(&cur.plan.steps, cur.record.effective, cur.record.day_offset, Some(today)),
        revisions: course
            .revs
            .iter()
            .rev()
            .map(|r| views::RevisionView {
                number: r.record.number,
                effective: long_date(r.record.effective),
                reason: r.record.reason.clone(),
                summary: super::progress::revision_summary(r),
            })
            .collect(),
        disclaimer: taper_report::DISCLAIMER,
    };
    Ok(page.into_response())
}

/// The current revision's dose and occupancy chart, as an SVG image (used by the plan page and
/// its printout).
pub async fn chart(State(state): State<AppState>, person: Person) -> AppResult<Response> {
    let course = Course::load(&state, person.id()).await?.ok_or(AppError::NotFound)?;
    let cur = course.current();
    let req = cur
        .settings
        .request(&state.catalogue)
        .map_err(|e| AppError::internal("rebuilding a stored plan's request", e))?;
    let plan = state.plan(req).await?.map_err(|e| AppError::internal("rebuilding a stored plan's request", e))?;
    let svg = taper_report::chart::plan_svg(&plan)?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}
