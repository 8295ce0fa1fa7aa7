//! A step-by-step switch to a long-acting benzodiazepine (clinical review D2): the form, with the
//! pre-switch screen it cannot be planned without, and a preview to take to the prescriber.
//! Once agreed, the person follows it on Today (`super::switching`).

use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use taper_core::catalogue::{Catalogue, EquivalenceScheme};
use taper_core::crossover::{CrossoverPlan, CrossoverRequest, Risk, Screen};
use taper_core::formulation::{Equipment, Kit, Stock};
use taper_core::units::{self, DoseTime, DoseTimes, MAX_DOSE_TIMES};
use taper_core::{Justification, PlanError};

use crate::AppState;
use crate::auth::Person;
use crate::error::AppResult;
use crate::views::Field;
use askama::Template;
use askama_web::WebTemplate;

/// What the switch form sends, as typed, so a bad answer comes back beside the others.
#[derive(Debug, Clone, Default)]
pub struct SwitchForm {
    pub from: String,
    /// Up to `MAX_DOSE_TIMES` (time, mg) pairs of today's doses.
    pub doses: Vec<(String, String)>,
    pub to: String,
    pub products: Vec<String>,
    pub cutter: bool,
    pub scheme: String,
    /// Risk words ticked, or "none".
    pub screen: Vec<String>,
    pub reason: String,
    pub to_times: String,
    pub confirm_dose: bool,
}

impl SwitchForm {
    pub(crate) fn from_pairs(pairs: &[(String, String)]) -> SwitchForm {
        let get = |k: &str| crate::form::value(pairs, k);
        let ticked = |k: &str| pairs.iter().any(|(key, v)| key == k && v == "yes");
        SwitchForm {
            from: get("from"),
            doses: (1..=MAX_DOSE_TIMES).map(|k| (get(&format!("time{k}")), get(&format!("mg{k}")))).collect(),
            to: get("to"),
            products: crate::form::values(pairs, "products"),
            cutter: ticked("cutter"),
            scheme: get("scheme"),
            screen: crate::form::values(pairs, "screen"),
            reason: get("reason"),
            to_times: get("to_times"),
            confirm_dose: ticked("confirm_dose"),
        }
    }

    /// Every answer checked at once; core decides what the answers allow.
    pub(crate) fn request(&self, catalogue: &Catalogue) -> Result<CrossoverRequest, Vec<Field>> {
        let mut errors = Vec::new();
        let doses = self.today(&mut errors);
        let to = catalogue.drug(&self.to).filter(|d| d.single_dose.is_some());
        if to.is_none() {
            errors.push(Field::error("to", "Choose the long-acting drug to switch to."));
        }
        let stocks: Vec<Stock> = to
            .map(|d| {
                d.products.iter().filter(|p| self.products.contains(&p.id)).map(|p| Stock::new(p.clone())).collect()
            })
            .unwrap_or_default();
        if to.is_some() && stocks.is_empty() {
            errors.push(Field::error("products", "Tick at least one product of the drug you switch to."));
        }
        let scheme = EquivalenceScheme::parse(&self.scheme).unwrap_or(EquivalenceScheme::Ashton);
        let screen = self.screen(&mut errors);
        let reason = match self.reason.trim() {
            "" => None,
            r => Justification::parse("reason", r).map_err(|e| errors.push(Field::error("reason", e.message))).ok(),
        };
        let to_times = match self.to_times.trim() {
            "" => Vec::new(),
            t => DoseTimes::parse("to_times", t)
                .map(|t| t.times().iter().map(|x| x.hours()).collect())
                .map_err(|e| errors.push(Field::error("to_times", e.message)))
                .unwrap_or_default(),
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CrossoverRequest {
            from_drug: self.from.clone(),
            doses,
            to_drug: self.to.clone(),
            scheme,
            stage_days: taper_core::schedule::DEFAULT_STAGE_DAYS,
            kit: Kit { stocks, equipment: Equipment { cutter: self.cutter, ..Equipment::default() } },
            taper_step_percent: taper_core::schedule::DEFAULT_STEP_PERCENT,
            taper_interval_days: taper_core::schedule::DEFAULT_INTERVAL_DAYS,
            pace_override: None,
            confirm_dose: self.confirm_dose,
            to_times,
            screen,
            reason,
        })
    }

    /// Today's doses: each row with a time and an amount, at least one.
    fn today(&self, errors: &mut Vec<Field>) -> Vec<(f64, units::Mg)> {
        let mut out = Vec::new();
        for (k, (time, mg)) in
            self.doses.iter().enumerate().filter(|(_, (t, m))| !t.trim().is_empty() || !m.trim().is_empty())
        {
            let row = k + 1;
            let t = DoseTime::parse("doses", time);
            let m = units::parse_positive_dose("doses", &format!("{}mg", mg.trim()));
            match (t, m) {
                (Ok(t), Ok(m)) => out.push((t.hours(), m)),
                (Err(e), _) | (_, Err(e)) => {
                    errors.push(Field::error("doses", format!("Dose {row}: {}", e.message)));
                }
            }
        }
        if out.is_empty() && !errors.iter().any(|e| e.name == "doses") {
            errors.push(Field::error("doses", "Give each dose you take now: its time (e.g. 08:00) and its mg."));
        }
        out
    }

    /// The screen must be answered: those that apply, or "none of these" alone.
    fn screen(&self, errors: &mut Vec<Field>) -> Screen {
        let none = self.screen.iter().any(|s| s == "none");
        let risks: Vec<Risk> = Risk::ALL.into_iter().filter(|r| self.screen.iter().any(|s| s == r.as_str())).collect();
        if none && !risks.is_empty() {
            errors
                .push(Field::error("screen", "\"None of these\" was ticked with others; tick only those that apply."));
        } else if !none && risks.is_empty() {
            errors.push(Field::error(
                "screen",
                "Answer the pre-switch screen: tick those that apply, or \"None of these\". A switch is not planned without it.",
            ));
        }
        Screen::new(risks)
    }
}

pub async fn form(
    State(state): State<AppState>,
    person: Person,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    form_page(&state, &person, &SwitchForm::from_pairs(&pairs), Vec::new()).into_response()
}

/// The form again with the answers sent from a preview: posted, so doses, screen and reason
/// stay out of the address bar and the browser's history (new-user walk).
pub async fn change(
    State(state): State<AppState>,
    person: Person,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    form_page(&state, &person, &SwitchForm::from_pairs(&pairs), Vec::new()).into_response()
}

pub async fn preview(
    State(state): State<AppState>,
    person: Person,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let f = SwitchForm::from_pairs(&pairs);
    let req = match f.request(&state.catalogue) {
        Ok(r) => r,
        Err(errors) => return Ok(crate::views::again(form_page(&state, &person, &f, errors))),
    };
    Ok(match state.switch(req).await? {
        Ok(plan) => {
            let hidden = pairs.into_iter().filter(|(k, _)| k != "csrf").collect();
            let mut page = preview_page(&state, &person, &plan, hidden, None);
            // Said before agreeing, not after (a walk: refused only once started).
            page.already = state.store.active_switch(person.id()).await?.is_some();
            page.into_response()
        }
        Err(e) => crate::views::again(form_page(&state, &person, &f, fields_of(&e))),
    })
}

/// Core's refusal, on the form field it is about.
fn fields_of(e: &PlanError) -> Vec<Field> {
    let (field, message) = match e {
        PlanError::Input(i) => (i.field.to_string(), format!("'{}': {}", i.value, i.message)),
        PlanError::Refused { field, message } => (field.to_string(), message.clone()),
        PlanError::Unconfirmed { field, message } => {
            return vec![
                Field::error(on_form(field), message.clone()),
                Field::error("confirm_dose", "Tick the box below if these doses are right."),
            ];
        }
    };
    vec![Field::error(on_form(&field), message)]
}

fn on_form(core_field: &str) -> &'static str {
    match core_field {
        "from-drug" | "from" => "from",
        "to-drug" | "to" => "to",
        "reason" => "reason",
        "to-times" | "to_times" => "to_times",
        "screen" => "screen",
        "products" | "have" => "products",
        _ => "doses",
    }
}

fn form_page(state: &AppState, person: &Person, f: &SwitchForm, errors: Vec<Field>) -> SwitchNew {
    let c = &state.catalogue;
    // Benzodiazepines and the z-drugs an equivalence table converts (Maudsley 2024 allows a
    // z-drug to be switched to a longer-acting benzodiazepine).
    let from = c.drugs().iter().filter(|d| {
        d.class.is_bzra() && d.diazepam_equivalent(taper_core::catalogue::EquivalenceScheme::Ashton).is_some()
    });
    let targets: Vec<&taper_core::Drug> = c.drugs().iter().filter(|d| d.single_dose.is_some()).collect();
    SwitchNew {
        chrome: person.chrome("plan"),
        from: from.map(|d| (d.id.clone(), d.name.clone(), d.id == f.from)).collect(),
        doses: f.doses.clone(),
        // Diazepam first unless another was chosen: the switch most guidance describes.
        to: targets
            .iter()
            .map(|d| (d.id.clone(), d.name.clone(), d.id == f.to || (f.to.is_empty() && d.id == "diazepam")))
            .collect(),
        products: targets
            .iter()
            .map(|d| {
                let list =
                    d.products.iter().map(|p| (p.id.clone(), p.describe(), f.products.contains(&p.id))).collect();
                (d.name.clone(), list)
            })
            .collect(),
        cutter: f.cutter,
        va_dod: f.scheme == EquivalenceScheme::VaDod.as_str(),
        risks: Risk::ALL.iter().map(|r| (r.as_str(), r.label(), f.screen.iter().any(|s| s == r.as_str()))).collect(),
        none_ticked: f.screen.iter().any(|s| s == "none"),
        reason: f.reason.clone(),
        to_times: f.to_times.clone(),
        confirm_dose: f.confirm_dose,
        ask_confirm: f.confirm_dose || errors.iter().any(|e| e.name == "confirm_dose"),
        errors,
    }
}

// View models: what this area's templates show.

#[derive(Template, WebTemplate)]
#[template(path = "switch_new.html")]
pub struct SwitchNew {
    pub chrome: crate::views::Chrome,
    /// (id, name, chosen).
    pub from: Vec<(String, String, bool)>,
    /// (time, mg) as typed, `MAX_DOSE_TIMES` rows.
    pub doses: Vec<(String, String)>,
    pub to: Vec<(String, String, bool)>,
    /// Per drug switched to: its name and (product id, label, ticked).
    pub products: Vec<ProductGroup>,
    pub cutter: bool,
    pub va_dod: bool,
    /// (word, question, ticked).
    pub risks: Vec<(&'static str, &'static str, bool)>,
    pub none_ticked: bool,
    pub reason: String,
    pub to_times: String,
    pub confirm_dose: bool,
    pub ask_confirm: bool,
    pub errors: Vec<Field>,
}

impl SwitchNew {
    pub fn err(&self, name: &str) -> &str {
        crate::views::err(&self.errors, name)
    }
}

/// A drug switched to and its products: (id, label, ticked).
pub type ProductGroup = (String, Vec<(String, String, bool)>);

/// A stage of a switch begun on `start`, as shown.
pub(crate) fn stage_view(c: &Catalogue, start: jiff::civil::Date, s: &taper_core::crossover::Stage) -> StageView {
    let name = |id: &str| c.drug(id).map_or_else(|| id.to_string(), |d| d.name.clone());
    StageView {
        index: s.index,
        date: super::long_date(taper_core::course::after(start, s.day)),
        doses: s
            .doses
            .iter()
            .map(|d| {
                let how = d.preparation.as_ref().map(|p| format!(": {}", p.instruction())).unwrap_or_default();
                (taper_core::crossover::clock(d.hour), format!("{} {}{how}", super::mg(d.mg), name(&d.drug)))
            })
            .collect(),
        equivalent: super::mg(s.diazepam_equivalent_mg),
    }
}

/// One stage of the switch, as shown.
#[derive(Clone)]
pub struct StageView {
    pub index: usize,
    pub date: String,
    /// (time, what to take).
    pub doses: Vec<(String, String)>,
    pub equivalent: String,
}

/// One step of the taper after the switch, as shown.
pub struct TaperView {
    pub date: String,
    pub dose: String,
    pub instruction: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "switch_preview.html")]
pub struct SwitchPreview {
    pub chrome: crate::views::Chrome,
    pub title: String,
    pub screen: Vec<&'static str>,
    pub reason: Option<String>,
    pub scheme: &'static str,
    pub stages: Vec<StageView>,
    pub taper: Vec<TaperView>,
    pub warnings: Vec<String>,
    pub hidden: Vec<(String, String)>,
    /// Why starting it was refused.
    pub error: Option<String>,
    /// The switch the person follows (no forms to start or change it), from its first day.
    pub following: Option<String>,
    /// The person follows another switch already: this one cannot start until that one stops.
    pub already: bool,
}

/// The switch the person follows, begun on `start`, as the preview shows a switch.
pub(crate) fn following_page(
    state: &AppState,
    person: &Person,
    plan: &CrossoverPlan,
    start: jiff::civil::Date,
) -> SwitchPreview {
    let mut page = SwitchPreview::new(state, person, plan, Vec::new());
    page.stages = plan.stages.iter().map(|s| stage_view(&state.catalogue, start, s)).collect();
    let on = |day: u32| super::long_date(taper_core::course::after(start, day));
    for (view, step) in page.taper.iter_mut().zip(&plan.taper.steps) {
        view.date = on(plan.taper_offset_days + step.day);
    }
    page.following = Some(super::long_date(start));
    page
}

/// The preview of `plan`, its answers `hidden` in the page for changing or starting it.
pub(crate) fn preview_page(
    state: &AppState,
    person: &Person,
    plan: &CrossoverPlan,
    hidden: Vec<(String, String)>,
    error: Option<String>,
) -> SwitchPreview {
    SwitchPreview { error, ..SwitchPreview::new(state, person, plan, hidden) }
}

impl SwitchPreview {
    fn new(state: &AppState, person: &Person, plan: &CrossoverPlan, hidden: Vec<(String, String)>) -> SwitchPreview {
        let c = &state.catalogue;
        let name = |id: &str| c.drug(id).map_or_else(|| id.to_string(), |d| d.name.clone());
        let on = |day: u32| super::long_date(taper_core::course::after(person.today(), day));
        SwitchPreview {
            chrome: person.chrome("plan"),
            title: format!("A step-by-step switch from {} to {}", name(&plan.from_drug), name(&plan.to_drug)),
            screen: plan.screen.risks().map(Risk::label).collect(),
            reason: plan.reason.as_ref().map(|r| r.as_str().to_string()),
            scheme: plan.scheme.label(),
            stages: plan.stages.iter().map(|s| stage_view(c, person.today(), s)).collect(),
            taper: plan
                .taper
                .steps
                .iter()
                .map(|s| TaperView {
                    date: on(plan.taper_offset_days + s.day),
                    dose: super::mg(s.dose_mg.get()),
                    instruction: s.preparation.instruction(),
                })
                .collect(),
            warnings: plan.warnings.iter().chain(&plan.taper.warnings).map(|w| w.message.clone()).collect(),
            hidden,
            error: None,
            following: None,
            already: false,
        }
    }
}
