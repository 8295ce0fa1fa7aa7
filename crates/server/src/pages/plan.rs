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
use crate::pages::progress::RevisionView;
use crate::settings::{PlanForm, PlanSettings, StoredPlan, StoredStep, plan_error_fields};
use crate::timeline::Course;
use crate::views::{self, Field};
use askama::Template;
use askama_web::WebTemplate;
use taper_report::PlanJson;

/// Markets a product list can be narrowed to.
use crate::settings::MARKETS;

/// What leaving the dose times empty means for `drug`: its label's division, or once a day.
fn times_hint(drug: Option<&taper_core::Drug>) -> String {
    if let Some(d) = drug.filter(|d| d.bedtime.is_some()) {
        return format!(
            "Leave it empty for one dose a day, at bedtime, as {}'s label allows; give times if you take it more often.",
            d.name
        );
    }
    match drug.and_then(|d| d.divided.as_ref().map(|v| (d, v))) {
        Some((d, v)) => format!(
            "Leave it empty to follow the label of {}'s usual tablets and liquid: {} doses a day, at {}.",
            d.name,
            v.doses_a_day,
            taper_core::units::DoseTimes::usual(v.doses_a_day).words()
        ),
        None => {
            "Leave it empty for once a day (twice for forms whose label divides the dose, such as venlafaxine tablets)."
                .to_string()
        }
    }
}

fn form_page(state: &AppState, person: &Person, f: &PlanForm, errors: Vec<Field>, replacing: bool) -> PlanNew {
    let drug = state.catalogue.drug(&f.drug);
    let market = MARKETS.iter().find(|m| **m == f.market).map_or(String::new(), |m| (*m).to_string());
    PlanNew {
        country_note: None,
        chrome: person.chrome("plan"),
        dose_forms: dose_forms(drug, f),
        taken_now: taken_now_choices(drug, f),
        drugs: drug_options(state, drug),
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
        capsules: capsule_options(drug, f, &market),
        partial_market: crate::settings::PARTIAL_MARKETS.contains(&market.as_str()),
        market,
        markets: MARKETS.to_vec(),
        compounded: f.compounded.clone(),
        strips: f.strips.clone(),
        scale: f.scale.clone(),
        final_dose: f.final_dose.clone(),
        end_at: f.end_at.clone(),
        micro_taper: f.micro_taper,
        times: f.times.clone(),
        amounts: f.amounts.clone(),
        times_hint: times_hint(drug),
        switch_from: drug
            .filter(|d| {
                d.class.is_bzra()
                    && d.single_dose.is_none()
                    && d.diazepam_equivalent(taper_core::catalogue::EquivalenceScheme::Ashton).is_some()
            })
            .map(|d| d.id.clone()),
        dose: f.dose.clone(),
        strategy: f.strategy.clone(),
        step: f.step.clone(),
        every: f.every.clone(),
        start_date: f.start_date.clone(),
        cutter: f.cutter,
        syringe: f.syringe.clone(),
        ask_confirm: f.confirm_dose || errors.iter().any(|e| e.name == "confirm_dose"),
        ask_past_start: f.confirm_past_start || errors.iter().any(|e| e.name == "confirm_past_start"),
        confirm_past_start: f.confirm_past_start,
        errors,
        replacing,
        pace_note: None,
        justification: f.justification.clone(),
        confirm_dose: f.confirm_dose,
    }
}

/// The drug's capsules whose beads can be counted or contents weighed: only those of the market
/// offered (a walk: a UK zolpidem form asked for beads of a US-only capsule).
fn capsule_options(drug: Option<&taper_core::Drug>, f: &PlanForm, market: &String) -> Vec<CapsuleOption> {
    let value = |list: &[(String, String)], id: &str| list.iter().find(|(k, _)| k == id).map(|(_, v)| v.clone());
    drug.map(|d| {
        d.products
            .iter()
            .filter(|p| matches!(p.form, taper_core::catalogue::Form::Capsule { .. }))
            .filter(|p| market.is_empty() || p.markets.contains(market) || f.products.contains(&p.id))
            .map(|p| CapsuleOption {
                id: p.id.clone(),
                label: p.describe(),
                beads: value(&f.beads, &p.id).unwrap_or_default(),
                fill: value(&f.fills, &p.id).unwrap_or_default(),
            })
            .collect()
    })
    .unwrap_or_default()
}

/// Every drug, by name and brand, the chosen one selected.
fn drug_options(state: &AppState, drug: Option<&taper_core::Drug>) -> Vec<DrugOption> {
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
    drugs
}

/// The drug's products sold where the person said (all of them where they did not).
fn in_market<'d>(d: &'d taper_core::Drug, f: &PlanForm) -> impl Iterator<Item = &'d taper_core::Product> {
    let market = Some(f.market.clone()).filter(|m| !m.is_empty());
    d.products.iter().filter(move |p| market.as_ref().is_none_or(|m| p.markets.iter().any(|x| x == m)))
}

/// For any other drug, which product the dose is taken as now, if the person says (step 0 is
/// made from it, and a later change of release form is read against it: a person on a 75 mg XR
/// capsule was planned from immediate-release tablets).
fn taken_now_choices(drug: Option<&taper_core::Drug>, f: &PlanForm) -> Vec<ProductOption> {
    drug.filter(|d| !in_market(d, f).any(|p| p.exposure_differs()))
        .map(|d| {
            let unsaid = ProductOption { id: String::new(), label: "not said".into(), checked: f.dose_as.is_empty() };
            std::iter::once(unsaid)
                .chain(in_market(d, f).map(|p| ProductOption {
                    id: p.id.clone(),
                    label: p.describe(),
                    checked: f.dose_as == p.id,
                }))
                .collect()
        })
        .unwrap_or_default()
}

/// Where a product sold in the person's market counts its milligrams differently (walk-through
/// N2), how the dose now is taken: the form the plan counts in first, then each such product
/// with how it counts; empty when not asked (a walk saw Lyrica CR, sold in the US, asked in the
/// UK).
fn dose_forms(drug: Option<&taper_core::Drug>, f: &PlanForm) -> Vec<ProductOption> {
    let differ: Vec<&taper_core::Product> =
        drug.map(|d| in_market(d, f).filter(|p| p.exposure_differs()).collect()).unwrap_or_default();
    let Some(first) = differ.first() else { return Vec::new() };
    let reference = format!("as {}", first.counted_against());
    let counted = ProductOption { id: "tablets".into(), label: reference, checked: f.dose_as == "tablets" };
    std::iter::once(counted)
        .chain(differ.iter().map(|p| ProductOption {
            id: p.id.clone(),
            label: format!("as the {} ({}, its label)", p.describe(), p.exposure_words()),
            checked: f.dose_as == p.id,
        }))
        .collect()
}

pub async fn new(
    State(state): State<AppState>,
    person: Person,
    Query(pairs): Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    let replacing = !state.store.plans(person.id()).await?.is_empty();
    let mut f = PlanForm::from_pairs(&pairs);
    if !pairs.iter().any(|(k, _)| k == "market") {
        // First asked: the products of the person's own country ("every country" stays a choice).
        f.market = crate::settings::market_of(person.user.country.as_deref()).to_string();
    }
    let advice = super::history::advice_for(&state, person.id(), person.today()).await?;
    if !pairs.iter().any(|(k, _)| k == "dose") {
        // Only a drug was chosen: start from the defaults, slowed by the person's history.
        // The market chosen with the drug stays chosen (walk-through N5: it reset to "every
        // country", and the hidden field went empty).
        let market = f.market.clone();
        f = PlanForm { market, ..PlanForm::defaults(&state.catalogue, &f.drug, person.today()) };
        f.step = taper_core::units::trim_number(taper_core::schedule::DEFAULT_STEP_PP * advice.step_factor);
        f.every = advice.interval_days.to_string();
    }
    let mut page = form_page(&state, &person, &f, vec![], replacing);
    page.pace_note = (!advice.factors.is_empty()).then_some(advice.explanation);
    if pairs.iter().any(|(k, v)| k == "country" && v == "from_zone") {
        page.country_note = crate::auth::country_from_zone_words(person.user.country.as_deref());
    }
    Ok(page.into_response())
}

/// What checking and planning a form gives: the plan, or the form again with messages.
type Planned = Result<(PlanForm, PlanSettings, Plan), Box<PlanNew>>;

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
        Ok(plan) => match past_start_problem(&state.catalogue, &f, &settings, &plan, person.today()) {
            Some(fields) => Err(again(fields)),
            None => Ok((f, settings, plan)),
        },
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

/// A first day in the past that makes today fall on a later step (walk-through N4): one cut on
/// is kept only once confirmed, more than one or a stop never (the rule is core's).
fn past_start_problem(
    catalogue: &taper_core::Catalogue,
    f: &PlanForm,
    settings: &PlanSettings,
    plan: &Plan,
    today: Date,
) -> Option<Vec<Field>> {
    let steps: Vec<course::ScheduledDose> =
        plan.steps.iter().map(|s| course::ScheduledDose { day: s.day, dose_mg: s.dose_mg.get() }).collect();
    let daily: Vec<course::ScheduledDose> = plan
        .steps
        .iter()
        .flat_map(|s| &s.daily)
        .map(|d| course::ScheduledDose { day: d.day, dose_mg: d.dose_mg.get() })
        .collect();
    // The dose now as the person typed it: drops in the drops' mg, converted back by core's rule
    // (the typed text may carry a unit, so it is not re-read here).
    let now = match catalogue.product(&f.dose_as).filter(|p| p.exposure_differs()) {
        Some(p) => format!(
            "{} of {} (counted as {} of {})",
            mg(p.product_mg(settings.start_mg)),
            p.taken_as_noun(),
            mg(settings.start_mg),
            p.counted_against()
        ),
        None => mg(settings.start_mg),
    };
    let began = long_date(settings.start_date);
    match course::past_start(&steps, &daily, settings.start_date, today) {
        course::PastStart::OnStart => None,
        course::PastStart::Confirm { .. } if f.confirm_past_start => None,
        course::PastStart::Confirm { dose_mg, days_ago, .. } => Some(vec![
            Field::error(
                "start_date",
                format!(
                    "A first day of {began} is {days_ago} day{} ago: the dose today would already be {}, below the {now} you take now.",
                    if days_ago == 1 { "" } else { "s" },
                    mg(dose_mg)
                ),
            ),
            Field::error(
                "confirm_past_start",
                format!(
                    "Tick the box only if your taper really began on {began} and you already take {} today. If you take {now} today, do not tick it: choose today or a later day as the first day, or ticking would cut your dose at once.",
                    mg(dose_mg)
                ),
            ),
        ]),
        course::PastStart::Refuse { step, dose_mg, days_ago } => {
            let lands =
                if dose_mg == 0.0 { "a stop (0 mg)".to_string() } else { format!("{} (step {step})", mg(dose_mg)) };
            Some(vec![Field::error(
                "start_date",
                format!(
                    "A first day of {began} is {days_ago} days ago: today would be {lands}, more than one step at once from the {now} you take now. Choose today or a later day; if a taper is already under way, plan from the dose you take today."
                ),
            )])
        }
    }
}

/// The note on a plan's last step: above zero it is not an end; at zero, what comes after.
fn last_step_note(last: bool, above_zero: bool) -> Option<String> {
    match (last, above_zero) {
        (true, true) => Some(
            "Your plan stays at this dose from here: keep taking it until you and your prescriber decide the next step; do not stop suddenly.".to_string(),
        ),
        // A walk: the stop row said nothing of the weeks after it.
        (true, false) => Some(
            "After the last dose, keep checking in: withdrawal symptoms can begin days or weeks later and can be mistaken for a return of what the medicine treated. If they come, see Symptoms after stopping (on Today) and talk to your prescriber. Ask your pharmacy how to return what is left.".to_string(),
        ),
        (false, _) => None,
    }
}

pub(crate) fn step_views(steps: &[StoredStep], effective: Date, day_offset: u32, today: Option<Date>) -> Vec<StepView> {
    let mut out: Vec<StepView> = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        if s.day < day_offset && steps.get(i + 1).is_some_and(|n| n.day <= day_offset) {
            continue; // before this revision took effect
        }
        let date = course::after(effective, s.day.saturating_sub(day_offset));
        let ends = steps.get(i + 1).map(|n| course::after(effective, n.day.saturating_sub(day_offset)));
        let last = ends.is_none();
        out.push(StepView {
            index: i,
            date: date.to_string(),
            day: s.day,
            dose: mg(s.dose_mg),
            target: mg(taper_core::schedule::target_beside(s.target_mg, s.dose_mg)),
            occupancy: s.occupancy.map(|o| format!("{o:.1} %")).unwrap_or_else(|| "—".into()),
            instruction: s.instruction.clone(),
            first: s.first.clone(),
            times: s.doses.iter().map(|d| (d.time.clone(), mg(d.mg), d.take.clone())).collect(),
            notes: last_step_note(last, s.dose_mg > 0.0)
                .into_iter()
                .chain(s.notes.iter().filter(|n| i == 0 || !steps[i - 1].notes.contains(n)).cloned())
                .collect(),
            current: today.is_some_and(|t| date <= t && ends.is_none_or(|e| t < e)),
            // The last step lasts until the next decision: its stock is for each such span (a
            // walk read "For these 28 days" on a plan's last card as its end).
            stock: s.stock.clone().map(|st| if last { taper_report::for_each_span(st) } else { st }),
            daily: s
                .daily
                .iter()
                .map(|d| DayView {
                    today: today == Some(course::after(effective, d.day.saturating_sub(day_offset))),
                    date: course::after(effective, d.day.saturating_sub(day_offset)).to_string(),
                    dose: mg(d.dose_mg),
                    instruction: d.instruction.clone(),
                })
                .collect(),
        });
    }
    out
}

/// The plan in one line: how many steps, how long it runs and when it ends (walk-through N7:
/// a six-year plan never said so).
fn status_line(p: &StoredPlan, effective: Date, day_offset: u32) -> String {
    let steps = p.steps.len().saturating_sub(1);
    let last = p.steps.last().map_or(0, |s| s.day);
    let length = taper_report::duration_words(last.saturating_sub(day_offset));
    let ends = long_date(course::after(effective, last.saturating_sub(day_offset)));
    let years = taper_report::years_note(last.saturating_sub(day_offset));
    if p.complete {
        // Walk-through N10: a plan that ends at a dose said "to zero".
        return match p.steps.last().map(|s| s.dose_mg).filter(|d| *d > 0.0) {
            Some(d) => format!(
                "{steps} steps down to {}, where the plan ends and you stay, over {length}: the last on {ends}.{years}",
                mg(d)
            ),
            None => format!("{steps} steps to zero over {length}: the last on {ends}.{years}"),
        };
    }
    let mut s = if steps == 0 {
        "No step can be planned yet".to_string()
    } else {
        format!("Holds after {steps} step{}, {length} in, from {ends}", if steps == 1 { "" } else { "s" })
    };
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
    // A switch in force may stop this plan: said now, not after the person has read it all.
    let problem = super::switching::plan_allowed(&state, &person, &settings.drug).await?.err();
    Ok(preview_page(&state, &person, &pairs, &settings, &plan, problem).await?.into_response())
}

/// The preview of a planned form; `problem` when saving it was refused (the choice of what it
/// replaces), said beside that choice.
async fn preview_page(
    state: &AppState,
    person: &Person,
    pairs: &[(String, String)],
    settings: &PlanSettings,
    plan: &Plan,
    problem: Option<String>,
) -> AppResult<PlanPreview> {
    let stored = StoredPlan::new(plan, &state.catalogue);
    let chart = taper_report::chart::plan_svg(plan)?;
    // Everything the person sent, to save or to change it (the choice of what it replaces is
    // asked again on this page).
    let hidden: Vec<(String, String)> = pairs.iter().filter(|(k, _)| k != "csrf" && k != "replaces").cloned().collect();
    let try_with = PlanJson::new(plan, &state.catalogue).suggestion_option.and_then(|s| {
        let mut with = hidden.clone();
        match (s.kind, s.product) {
            ("product", Some(id)) => with.push(("products".into(), id)),
            ("cutter", _) => with.push(("cutter".into(), "yes".into())),
            // A pharmacy's precision is for the person to find out; the form has a field for it.
            _ => return None,
        }
        Some((s.description, with))
    });
    let active = Course::load_all(state, person.id()).await?;
    let chosen = crate::form::value(pairs, "replaces");
    Ok(PlanPreview {
        chrome: person.chrome("plan"),
        drug_name: stored.drug_name.clone(),
        strategy: stored.strategy.clone(),
        step_limit: stored.step_limit.clone().unwrap_or_default(),
        model: stored.model.clone().unwrap_or_default(),
        status: status_line(&stored, settings.start_date, 0),
        warnings: stored.warnings.clone(),
        steps: step_views(&stored.steps, settings.start_date, 0, None),
        chart,
        can_save: stored.steps.len() > 1,
        hidden,
        try_with,
        choices: replace_choices(state, &active, &settings.drug, &chosen),
        alongside: alongside_advice(state, &active, settings, &stored, person.today()),
        problem,
    })
}

/// What saving may do with the plans in force: replace one of them, or keep them all (not when
/// one is of the same drug: that one can only be replaced). Empty with no plan in force.
fn replace_choices(state: &AppState, active: &[Course], drug: &str, chosen: &str) -> Vec<Choice> {
    let same = active.iter().find(|c| c.drug() == drug);
    let mut out: Vec<Choice> = active
        .iter()
        .filter(|c| same.is_none_or(|s| s.plan_id == c.plan_id))
        .map(|c| Choice {
            value: c.plan_id.to_string(),
            label: if same.is_some() {
                format!("It changes my {} plan (its history is kept)", c.drug_name(&state.catalogue))
            } else {
                format!("It replaces my {} plan (kept in my records)", c.drug_name(&state.catalogue))
            },
            checked: chosen == c.plan_id.to_string() || same.is_some(),
        })
        .collect();
    if same.is_none() && !active.is_empty() {
        out.push(Choice {
            value: ALONGSIDE.into(),
            label: if active.len() > 1 {
                "I take them all: keep my other plans too".into()
            } else {
                "I take both: keep my other plan too".into()
            },
            checked: chosen == ALONGSIDE,
        });
    }
    out
}

/// The choice that keeps every plan in force beside the new one.
const ALONGSIDE: &str = "alongside";

/// What core's several-plans rule says of the new plan beside each plan in force of another drug.
fn alongside_advice(
    state: &AppState,
    active: &[Course],
    settings: &PlanSettings,
    stored: &StoredPlan,
    today: Date,
) -> Vec<String> {
    let new = [crate::timeline::segment(settings.start_date, 0, false, stored)];
    let name = stored.drug_name.clone();
    let Some(mine) = crate::timeline::taper_of(&state.catalogue, &settings.drug, &new, &name, today) else {
        return Vec::new();
    };
    let names: Vec<String> = active.iter().map(|c| c.drug_name(&state.catalogue)).collect();
    active
        .iter()
        .zip(&names)
        .filter(|(c, _)| c.drug() != settings.drug)
        .filter_map(|(c, n)| c.as_taper(&state.catalogue, n, today))
        .filter_map(|other| taper_core::regimen::review(&mine, &other))
        .map(|a| a.text)
        .collect()
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
    let ends_switch = match super::switching::plan_allowed(&state, &person, &settings.drug).await? {
        Ok(id) => id,
        Err(problem) => {
            let page = preview_page(&state, &person, &pairs, &settings, &plan, Some(problem)).await?;
            return Ok(views::again(page));
        }
    };
    let replaces = match replaced(&state, &person, &pairs, &settings.drug).await? {
        Ok(r) => r,
        Err(problem) => {
            let page = preview_page(&state, &person, &pairs, &settings, &plan, Some(problem)).await?;
            return Ok(views::again(page));
        }
    };
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
    let created = keep_plan(&state, &person, &settings, first, &replaces).await?;
    match created {
        Ok(()) => {}
        // Replaced meanwhile (another tab): asked again with the plans now in force.
        Err(taper_store::StoreError::Conflict(_)) => {
            let why = "Your plans changed while this page was open: choose again what this plan replaces.";
            let page = preview_page(&state, &person, &pairs, &settings, &plan, Some(why.into())).await?;
            return Ok(views::again(page));
        }
        Err(e) => return Err(e.into()),
    }
    if let Some(id) = ends_switch {
        // The new drug's plan takes over from the completed switch.
        match state.store.end_switch(person.id(), id, person.now()).await {
            Ok(()) | Err(taper_store::StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    tracing::info!(user = %person.id(), "plan saved");
    // Said on Today (a walk: nothing said the plan was saved).
    Ok(Redirect::to("/today?saved=plan").into_response())
}

/// Keeps a saved plan. A new plan of a drug already in force, from the day its current revision
/// began or later, is a revision of that plan: today's recorded doses, its supply and suggestions
/// stay with it (a replacing plan began with nothing recorded today, inviting a second dose).
/// Otherwise a new plan, replacing `replaces`.
async fn keep_plan(
    state: &AppState,
    person: &Person,
    settings: &PlanSettings,
    first: taper_store::NewRevision<'_>,
    replaces: &[taper_store::PlanId],
) -> AppResult<Result<(), taper_store::StoreError>> {
    let (user, now) = (person.id(), person.now());
    let kept = match same_drug_course(state, person, replaces, &settings.drug).await? {
        Some(course) if settings.start_date >= course.current().record.effective => {
            let rev = taper_store::NewRevision { reason: "Changed by you: a new dose, pace or products", ..first };
            let after = course.current().record.number;
            state.store.add_revision(user, course.plan_id, &rev, after, now).await.map(|_| ())
        }
        _ => state.store.create_plan(user, &settings.drug, &first, replaces, now).await.map(|_| ()),
    };
    if kept.is_ok() {
        crate::timeline::refresh_readings(state, user, person.today(), now).await?;
    }
    Ok(kept)
}

/// The plan in force of `drug` among those `replaces` names, as a course.
async fn same_drug_course(
    state: &AppState,
    person: &Person,
    replaces: &[taper_store::PlanId],
    drug: &str,
) -> AppResult<Option<Course>> {
    let mut active = state.store.active_plan_heads(person.id()).await?;
    active.retain(|p| p.plan.drug == drug && replaces.contains(&p.plan.id));
    active.truncate(1);
    Ok(Course::of_heads(state, person.id(), active).await?.pop())
}

/// The plans in force the new one replaces, from the form's `replaces`: none with no plan in
/// force; the plan of the same drug, which only it can replace; else the one chosen, or none
/// when the person takes both. `Err` with what to choose when the form does not say.
async fn replaced(
    state: &AppState,
    person: &Person,
    pairs: &[(String, String)],
    drug: &str,
) -> AppResult<Result<Vec<taper_store::PlanId>, String>> {
    let active = state.store.active_plans(person.id()).await?;
    let given = crate::form::value(pairs, "replaces");
    let given = given.trim();
    if let Some(same) = active.iter().find(|p| p.drug == drug) {
        // A second plan of one drug would give two doses a day of it: it can only replace.
        return Ok(if given.is_empty() || given == same.id.to_string() {
            Ok(vec![same.id])
        } else {
            Err(format!("You have a {} plan in force: this plan can only replace it.", drug_label(state, &same.drug)))
        });
    }
    if active.is_empty() {
        return Ok(Ok(Vec::new()));
    }
    if given == ALONGSIDE {
        return Ok(Ok(Vec::new()));
    }
    Ok(match active.iter().find(|p| p.id.to_string() == given) {
        Some(p) => Ok(vec![p.id]),
        None => Err(format!(
            "Choose whether this plan replaces your {} plan or you take both.",
            active.iter().map(|p| drug_label(state, &p.drug)).collect::<Vec<_>>().join(" or ")
        )),
    })
}

fn drug_label(state: &AppState, id: &str) -> String {
    state.catalogue.drug(id).map_or_else(|| id.to_string(), |d| d.name.clone())
}

pub async fn show(
    State(state): State<AppState>,
    person: Person,
    Query(q): Query<super::PlanQuery>,
) -> AppResult<Response> {
    // Only the words: the switch's stages are not planned again for this page.
    let switching = crate::timeline::switch_words(&state, person.id()).await?;
    let Some(course) = Course::load_chosen(&state, person.id(), q.plan.as_deref()).await? else {
        return Ok(PlanPage {
            chrome: person.chrome("plan"),
            switching,
            switch_link: None,
            has_plan: false,
            plan: String::new(),
            plans: vec![],
            together: vec![],
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
    let page = PlanPage {
        chrome: person.chrome("plan"),
        switch_link: switch_link(&state, &course, today),
        switching,
        has_plan: true,
        plan: course.plan_id.to_string(),
        plans: super::plan_links(&state, person.id(), "/plan", course.plan_id).await?,
        together: together_advice(&state, &person).await?,
        drug_name: cur.plan.drug_name.clone(),
        strategy: cur.plan.strategy.clone(),
        step_limit: cur.plan.step_limit.clone().unwrap_or_default(),
        status: if cur.record.hold {
            String::new()
        } else {
            status_line(&cur.plan, cur.record.effective, cur.record.day_offset)
        },
        hold: hold_words(&course),
        warnings: cur.plan.warnings.clone(),
        steps: step_views(&cur.plan.steps, cur.record.effective, cur.record.day_offset, Some(today)),
        revisions: RevisionView::all_of(&course),
        disclaimer: taper_report::DISCLAIMER,
    };
    Ok(page.into_response())
}

/// For a plan of a short-acting benzodiazepine or z-drug an equivalence table converts: the
/// switch form with today's doses at their times filled in (a walk found the switch only from
/// the new-plan form, its doses to type again).
fn switch_link(state: &AppState, course: &Course, today: jiff::civil::Date) -> Option<String> {
    let drug = state.catalogue.drug(course.drug())?;
    let converts = drug.diazepam_equivalent(taper_core::catalogue::EquivalenceScheme::Ashton).is_some();
    if !drug.class.is_bzra() || drug.single_dose.is_some() || !converts {
        return None;
    }
    let doses = course.doses_of(today)?;
    let mut link = format!("/switch?from={}", drug.id);
    // A dose without a time keeps its time blank, for the person to say: never guessed.
    for (k, d) in doses.iter().filter(|d| d.mg > 0.0).enumerate() {
        link.push_str(&format!("&time{n}={}&mg{n}={}", d.time, taper_core::units::trim_number(d.mg), n = k + 1));
    }
    Some(link)
}

/// What core's several-plans rule says of the plans in force, pair by pair (empty with one).
async fn together_advice(state: &AppState, person: &Person) -> AppResult<Vec<String>> {
    let all = Course::load_all(state, person.id()).await?;
    let names: Vec<String> = all.iter().map(|c| c.drug_name(&state.catalogue)).collect();
    let tapers: Vec<_> =
        all.iter().zip(&names).filter_map(|(c, n)| c.as_taper(&state.catalogue, n, person.today())).collect();
    Ok(taper_core::regimen::review_all(&tapers).into_iter().map(|a| a.text).collect())
}

/// The current revision's dose and occupancy chart, as an SVG image (used by the plan page and
/// its printout).
pub async fn chart(
    State(state): State<AppState>,
    person: Person,
    Query(q): Query<super::PlanQuery>,
) -> AppResult<Response> {
    let course = Course::load_chosen(&state, person.id(), q.plan.as_deref()).await?.ok_or(AppError::NotFound)?;
    let cur = course.current();
    let req = cur
        .settings
        .request(&state.catalogue)
        .map_err(|e| AppError::internal("rebuilding a stored plan's request", e))?;
    let plan = state.plan(req).await?.map_err(|e| AppError::internal("rebuilding a stored plan's request", e))?;
    // As the revision in force has it: from the step it took effect on, or held.
    let plan = plan.as_revised(cur.record.day_offset, cur.record.hold);
    let svg = taper_report::chart::plan_svg(&plan)?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

/// A plan on hold, in words, for the page and the PDF alike.
fn hold_words(course: &Course) -> Option<String> {
    let cur = course.current();
    cur.record.hold.then(|| {
        format!(
            "On hold at {} since {}. The next step waits until you are stable and you decide to go on.",
            mg(cur.settings.start_mg),
            long_date(cur.record.effective)
        )
    })
}

/// The month calendar's last day: the plan's stop, else its last change ahead, else today.
fn calendar_end(course: &Course, today: Date) -> Date {
    use jiff::ToSpan as _;
    let changes = course.changes(today.saturating_add(super::fhir::AHEAD_YEARS.years()));
    let stop = changes.iter().find(|c| c.date > today && c.to_mg <= 0.0);
    stop.or(changes.last()).map_or(today, |c| c.date).max(today)
}

/// The saved plan (the revision in force) as a PDF to print or hand to the prescriber: the steps,
/// dates and preparations the plan page shows, the notes, and room for the agreement.
pub async fn pdf(
    State(state): State<AppState>,
    person: Person,
    Query(q): Query<super::PlanQuery>,
) -> AppResult<Response> {
    let course = Course::load_chosen(&state, person.id(), q.plan.as_deref()).await?.ok_or(AppError::NotFound)?;
    let cur = course.current();
    let today = person.today();
    let hold = hold_words(&course);
    let mut summary = vec![format!("{}.", cur.plan.strategy)];
    if !cur.record.hold {
        summary.push(status_line(&cur.plan, cur.record.effective, cur.record.day_offset));
    }
    if let Some(limit) = cur.plan.step_limit.as_ref().filter(|l| !l.is_empty()) {
        summary.push(format!("No step is larger than {limit}."));
    }
    let steps = step_views(&cur.plan.steps, cur.record.effective, cur.record.day_offset, None)
        .into_iter()
        .map(|s| taper_report::pdf::StepRow {
            step: if s.index == 0 { "0 (now)".to_string() } else { s.index.to_string() },
            when: format!(
                "from {}",
                s.date.parse::<Date>().map_or_else(|_| s.date.clone(), taper_report::pdf::short_date)
            ),
            dose: s.dose,
            how: s.instruction,
            first: s.first,
            times: s
                .times
                .into_iter()
                .map(|(time, dose, take)| taper_report::pdf::TimeRow { time, dose, take })
                .collect(),
            stock: s.stock,
            notes: s.notes,
        })
        .collect();
    let doc = taper_report::pdf::PlanDocument {
        title: format!("{}: a taper plan", cur.plan.drug_name),
        made: format!("Made on {}", taper_report::pdf::short_date(today)),
        person: None,
        summary,
        hold,
        steps,
        notes: cur.plan.warnings.clone(),
        months: taper_report::pdf::months(today, calendar_end(&course, today), |d| {
            course.on(d).map(|(on, _)| mg(on.dose_mg))
        }),
        months_note: taper_report::pdf::months_note(today, calendar_end(&course, today)),
        disclaimer: taper_report::DISCLAIMER.to_string(),
    };
    let bytes = state.pdf(doc).await?;
    // A catalogue id, kept to its letters anyway: it goes into a header.
    let drug: String = cur.settings.drug.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    Ok(super::pdf_download(&format!("taper-plan-{drug}-{today}.pdf"), bytes))
}

// View models: what this area's templates show.

pub struct DrugOption {
    pub id: String,
    pub label: String,
    pub selected: bool,
}

pub struct ProductOption {
    pub id: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "plan_new.html")]
pub struct PlanNew {
    /// Just signed up, with the country taken from the time zone: what was set and where to change it.
    pub country_note: Option<String>,
    /// How the dose now is taken, where products count differently; empty when not asked.
    pub dose_forms: Vec<ProductOption>,
    /// Which product the dose is taken as now, for drugs with no product counted differently.
    pub taken_now: Vec<ProductOption>,
    pub chrome: crate::views::Chrome,
    pub drugs: Vec<DrugOption>,
    pub drug: String,
    pub drug_name: String,
    pub products: Vec<ProductOption>,
    pub dose: String,
    pub strategy: String,
    pub step: String,
    pub every: String,
    pub start_date: String,
    pub cutter: bool,
    pub syringe: String,
    pub errors: Vec<crate::views::Field>,
    pub replacing: bool,
    /// Why the suggested pace is slower than usual (from the medication history).
    pub pace_note: Option<String>,
    /// A prescriber's reason for a faster pace, as typed.
    pub justification: String,
    pub confirm_dose: bool,
    /// The dose looked implausible: show the box that confirms it.
    pub ask_confirm: bool,
    /// The first day is in the past and today falls on the first cut: show the box.
    pub ask_past_start: bool,
    pub confirm_past_start: bool,
    pub compounded: String,
    pub strips: String,
    pub scale: String,
    pub final_dose: String,
    pub end_at: String,
    pub micro_taper: bool,
    /// Times of day the dose is taken, as typed, and what an empty answer means for this drug.
    pub times: String,
    /// The mg taken now at each time, as typed.
    pub amounts: String,
    pub times_hint: String,
    /// A benzodiazepine a step-by-step switch could start from (`/switch`).
    pub switch_from: Option<String>,
    /// The drug's capsules, for beads counted and contents weighed.
    pub capsules: Vec<CapsuleOption>,
    /// Which market's products are listed ("" for all), and the choices.
    pub market: String,
    pub markets: Vec<&'static str>,
    /// The market chosen is one whose list the catalogue knows to be incomplete.
    pub partial_market: bool,
}

pub struct CapsuleOption {
    pub id: String,
    pub label: String,
    pub beads: String,
    pub fill: String,
}

impl PlanNew {
    pub fn err(&self, name: &str) -> &str {
        crate::views::err(&self.errors, name)
    }
}

pub struct StepView {
    /// The step's number as the notes name it ("Step 3: ..."); 0 is the dose taken now.
    pub index: usize,
    pub date: String,
    pub day: u32,
    pub dose: String,
    pub target: String,
    pub occupancy: String,
    pub instruction: String,
    /// A day taken in parts, as a list (walk: a paragraph ran the times together): what to make
    /// first, then (time, amount, what to take).
    pub first: Vec<String>,
    pub times: Vec<(String, String, String)>,
    /// Product cautions, on the first step that uses the product.
    pub notes: Vec<String>,
    pub current: bool,
    /// The days after the step, each a little lower, where the plan falls every day.
    pub daily: Vec<DayView>,
    /// What the step uses up until the next one.
    pub stock: Option<String>,
}

/// One day between steps, as shown under its step.
pub struct DayView {
    pub today: bool,
    pub date: String,
    pub dose: String,
    pub instruction: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "plan_preview.html")]
pub struct PlanPreview {
    pub chrome: crate::views::Chrome,
    pub drug_name: String,
    pub strategy: String,
    pub step_limit: String,
    pub model: String,
    pub status: String,
    pub warnings: Vec<String>,
    pub steps: Vec<StepView>,
    pub chart: String,
    /// The submitted form, re-sent on save.
    pub hidden: Vec<(String, String)>,
    /// A plan with no step yet cannot be saved.
    pub can_save: bool,
    /// What would let a stopped plan go on, offered as a button: its words and the form it sends.
    pub try_with: Option<(String, Vec<(String, String)>)>,
    /// What saving does with the plans in force (`replaces`); empty with none.
    pub choices: Vec<Choice>,
    /// Core's several-plans rule on this plan beside the others in force.
    pub alongside: Vec<String>,
    /// Why saving was refused, said beside the choice.
    pub problem: Option<String>,
}

/// One radio button.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "plan.html")]
pub struct PlanPage {
    pub chrome: crate::views::Chrome,
    /// A switch the person follows ("from Clonazepam to Diazepam").
    pub switching: Option<String>,
    /// The switch form with this plan's doses filled in, for a drug that can be switched.
    pub switch_link: Option<String>,
    pub has_plan: bool,
    /// The plan shown, and links to the others in force.
    pub plan: String,
    pub plans: Vec<super::PlanLink>,
    /// Core's several-plans rule on the plans in force.
    pub together: Vec<String>,
    pub drug_name: String,
    pub strategy: String,
    pub step_limit: String,
    pub status: String,
    pub hold: Option<String>,
    pub warnings: Vec<String>,
    pub steps: Vec<StepView>,
    pub revisions: Vec<RevisionView>,
    pub disclaimer: &'static str,
}
