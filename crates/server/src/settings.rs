//! The plan form: what a person fills in, checked once into a core `PlanRequest`, and the
//! stored forms of a revision's settings and steps (JSON documents the store keeps as text).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use taper_core::adapt::StepUnit;
use taper_core::catalogue::Catalogue;
use taper_core::formulation::KitSpec;
use taper_core::schedule::{PlanRequest, Strategy};
use taper_core::units::{self, trim_number as n};
use taper_core::{Justification, Plan, PlanError};
use taper_report::PlanJson;

use crate::views::Field;

/// A plan's settings as saved with each revision.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PlanSettings {
    pub drug: String,
    pub start_mg: f64,
    /// "hyperbolic" or "proportional".
    pub strategy: String,
    /// Percentage points (hyperbolic) or percent of the current dose (proportional).
    pub step: f64,
    pub interval_days: u32,
    pub products: Vec<String>,
    pub cutter: bool,
    pub syringe_ml: f64,
    pub start_date: Date,
    /// A prescriber's recorded reason for a pace faster than the limits (checked by core).
    #[serde(default)]
    pub justification: Option<String>,
    /// The person confirmed a starting dose outside the plausible range.
    #[serde(default)]
    pub confirm_dose: bool,
    /// A compounding pharmacy can make doses to this precision.
    #[serde(default)]
    pub compounded_mg: Option<f64>,
    /// The pharmacy supplies tapering strips to this precision.
    #[serde(default)]
    pub strips_mg: Option<f64>,
    /// Beads counted per capsule, by product.
    #[serde(default)]
    pub beads: Vec<(String, u32)>,
    /// The scale's readability, and one capsule's contents by product, for weighing.
    #[serde(default)]
    pub scale_mg: Option<f64>,
    #[serde(default)]
    pub fills: Vec<(String, f64)>,
    /// The last dose before stopping, or a dose to end at instead of stopping.
    #[serde(default)]
    pub final_mg: Option<f64>,
    #[serde(default)]
    pub end_mg: Option<f64>,
    /// Small daily cuts between steps.
    #[serde(default)]
    pub micro_taper: bool,
}

impl PlanSettings {
    pub fn unit(&self) -> StepUnit {
        if self.strategy == "hyperbolic" { StepUnit::PercentagePoints } else { StepUnit::Percent }
    }

    pub fn step_unit(&self) -> &'static str {
        match self.unit() {
            StepUnit::PercentagePoints => " pp",
            StepUnit::Percent => "%",
        }
    }

    pub fn request(&self, catalogue: &Catalogue) -> Result<PlanRequest, PlanError> {
        let start = units::Mg::new(self.start_mg)
            .ok_or_else(|| PlanError::refused("dose", "must be a dose of 0 mg or more"))?;
        let strategy = match self.strategy.as_str() {
            "proportional" => Strategy::Proportional { step_percent: self.step },
            _ => Strategy::Hyperbolic { step_pp: self.step },
        };
        let drug = catalogue.find_drug("drug", &self.drug)?;
        let mut products = Vec::new();
        for id in &self.products {
            let p = catalogue.product(id).ok_or_else(|| PlanError::refused("products", format!("no product {id}")))?;
            products.push(p.clone());
        }
        let kit = KitSpec {
            products,
            cutter: self.cutter,
            syringe_ml: self.syringe_ml,
            scale_mg: self.scale_mg,
            compounded_mg: self.compounded_mg,
            strips_mg: self.strips_mg,
            beads: self.beads.clone(),
            fills: self.fills.clone(),
        }
        .build(drug)?;
        let mut req = PlanRequest::new(&self.drug, start, strategy, kit);
        req.interval_days = self.interval_days;
        req.pace_override =
            self.justification.as_deref().map(|j| Justification::parse("justification", j)).transpose()?;
        req.confirm_dose = self.confirm_dose;
        req.final_dose = self.final_mg.and_then(units::Mg::new);
        req.end_at = self.end_mg.and_then(units::Mg::new);
        req.micro_taper = self.micro_taper;
        Ok(req)
    }
}

/// What the form sends. Fields are text so a bad value can be shown back as typed.
#[derive(Debug, Clone, Default)]
pub struct PlanForm {
    pub drug: String,
    pub dose: String,
    pub strategy: String,
    pub step: String,
    pub every: String,
    pub start_date: String,
    pub cutter: bool,
    pub syringe: String,
    pub products: Vec<String>,
    /// Why this plan may go faster than the pace limits; empty for none.
    pub justification: String,
    pub confirm_dose: bool,
    /// A compounding pharmacy's precision in mg; empty for none.
    pub compounded: String,
    /// Tapering strips' precision in mg; empty for none.
    pub strips: String,
    /// Beads counted per capsule and a capsule's contents in mg, by product id, as typed.
    pub beads: Vec<(String, String)>,
    pub fills: Vec<(String, String)>,
    pub scale: String,
    /// The last dose before stopping, a dose to end at instead: empty for the defaults.
    pub final_dose: String,
    pub end_at: String,
    pub micro_taper: bool,
    /// Which market's products to list (a view choice, not a setting).
    pub market: String,
}

impl PlanForm {
    pub fn from_pairs(pairs: &[(String, String)]) -> PlanForm {
        let get = |k: &str| crate::form::value(pairs, k);
        PlanForm {
            drug: get("drug"),
            dose: get("dose"),
            strategy: get("strategy"),
            step: get("step"),
            every: get("every"),
            start_date: get("start_date"),
            cutter: pairs.iter().any(|(k, v)| k == "cutter" && v == "yes"),
            syringe: get("syringe"),
            products: unique(crate::form::values(pairs, "products")),
            justification: get("justification"),
            confirm_dose: pairs.iter().any(|(k, v)| k == "confirm_dose" && v == "yes"),
            compounded: get("compounded"),
            strips: get("strips"),
            beads: prefixed(pairs, "beads:"),
            fills: prefixed(pairs, "fill:"),
            scale: get("scale"),
            final_dose: get("final"),
            end_at: get("to"),
            micro_taper: pairs.iter().any(|(k, v)| k == "micro_taper" && v == "yes"),
            market: get("market"),
        }
    }

    /// Defaults for a drug, from core: hyperbolic at the default step, the class's default
    /// interval, starting today.
    pub fn defaults(catalogue: &Catalogue, drug: &str, today: Date) -> PlanForm {
        let every = catalogue.drug(drug).map_or(catalogue.policy.antidepressant.default_interval_days, |d| {
            taper_core::pace::Pace::new(catalogue, d, None).default_interval_days()
        });
        PlanForm {
            drug: drug.to_string(),
            strategy: "hyperbolic".into(),
            step: n(taper_core::schedule::DEFAULT_STEP_PP),
            every: every.to_string(),
            start_date: today.to_string(),
            syringe: "0.1".into(),
            ..PlanForm::default()
        }
    }

    /// Checks every field, collecting all problems at once.
    pub fn settings(&self, catalogue: &Catalogue, today: Date) -> Result<PlanSettings, Vec<Field>> {
        let mut errors = Vec::new();
        let drug = match catalogue.find_drug("drug", &self.drug) {
            Ok(d) => Some(d),
            Err(e) => {
                errors.push(Field::error("drug", e.message));
                None
            }
        };
        let start_mg = match units::parse_positive_dose("dose", &with_unit(&self.dose, "mg")) {
            Ok(m) => m.get(),
            Err(e) => {
                errors
                    .push(Field::error("dose", format!("Enter your current daily dose in mg, e.g. 20: {}", e.message)));
                0.0
            }
        };
        let strategy = match self.strategy.as_str() {
            s @ ("hyperbolic" | "proportional") => s.to_string(),
            _ => {
                errors.push(Field::error("strategy", "Choose hyperbolic or proportional."));
                String::new()
            }
        };
        // Only the form of the number is checked here; how large a step may be is core's rule.
        let step = match units::parse_step(
            "step",
            &format!("{}{}", self.step.trim(), if strategy == "proportional" { "%" } else { "pp" }),
        ) {
            Ok(units::StepSize::PercentagePoints(s) | units::StepSize::Percent(s)) => s,
            _ => {
                errors.push(Field::error(
                    "step",
                    "Enter the step as a number above 0 and below 100: percentage points of occupancy (hyperbolic) \
                     or percent of the current dose (proportional).",
                ));
                0.0
            }
        };
        let interval_days = match self.every.trim().parse::<u32>() {
            Ok(d) if (1..=365).contains(&d) => d,
            _ => {
                errors.push(Field::error("every", "Enter the number of days between steps, e.g. 28."));
                0
            }
        };
        let start_date = match self.start_date.trim().parse::<Date>() {
            Ok(d) if (d - today).get_days().abs() <= 365 => d,
            Ok(_) => {
                errors.push(Field::error("start_date", "Choose a start date within a year of today."));
                today
            }
            Err(_) => {
                errors.push(Field::error("start_date", "Enter a date as YYYY-MM-DD."));
                today
            }
        };
        let syringe_ml = match units::parse_ml("syringe", &with_unit(&self.syringe, "ml")) {
            Ok(v) => v,
            Err(e) => {
                errors.push(Field::error("syringe", e.message));
                0.1
            }
        };
        if let Some(d) = drug {
            for p in &self.products {
                if !d.products.iter().any(|x| &x.id == p) {
                    errors.push(Field::error("products", format!("{p} is not a {} product.", d.name)));
                }
            }
            if self.products.is_empty() {
                errors.push(Field::error("products", "Tick at least one product you have or can get."));
            }
        }
        let optional_mg = |errors: &mut Vec<Field>, name: &str, v: &str, what: &str| -> Option<f64> {
            if v.trim().is_empty() {
                return None;
            }
            match units::parse_positive_dose(name, &with_unit(v, "mg")) {
                Ok(m) => Some(m.get()),
                Err(e) => {
                    errors.push(Field::error(name, format!("{what}: {}", e.message)));
                    None
                }
            }
        };
        let compounded_mg =
            optional_mg(&mut errors, "compounded", &self.compounded, "The pharmacy's precision in mg, e.g. 0.1");
        let strips_mg = optional_mg(&mut errors, "strips", &self.strips, "The strips' precision in mg, e.g. 0.01");
        let scale_mg = optional_mg(&mut errors, "scale", &self.scale, "Your scale's readability in mg, e.g. 1");
        let final_mg = optional_mg(&mut errors, "final", &self.final_dose, "The last dose before stopping, in mg");
        let end_mg = optional_mg(&mut errors, "to", &self.end_at, "The dose to end at, in mg");
        let mut beads = Vec::new();
        for (id, v) in self.beads.iter().filter(|(id, v)| self.products.contains(id) && !v.trim().is_empty()) {
            match v.trim().parse::<u32>() {
                Ok(count) => beads.push((id.clone(), count)),
                Err(_) => {
                    errors.push(Field::error("beads", "Enter the number of beads you counted in one capsule, e.g. 60."))
                }
            }
        }
        let mut fills = Vec::new();
        for (id, v) in self.fills.iter().filter(|(id, v)| self.products.contains(id) && !v.trim().is_empty()) {
            if let Some(w) = optional_mg(&mut errors, "fill", v, "The weight of one capsule's contents in mg") {
                fills.push((id.clone(), w));
            }
        }
        let justification = match self.justification.trim() {
            "" => None,
            j => match Justification::parse("justification", j) {
                Ok(j) => Some(j.as_str().to_string()),
                Err(e) => {
                    errors.push(Field::error("justification", e.message));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(PlanSettings {
            drug: drug.map(|d| d.id.clone()).unwrap_or_default(),
            start_mg,
            strategy,
            step,
            interval_days,
            products: self.products.clone(),
            cutter: self.cutter,
            syringe_ml,
            start_date,
            justification,
            confirm_dose: self.confirm_dose,
            compounded_mg,
            strips_mg,
            beads,
            scale_mg,
            fills,
            final_mg,
            end_mg,
            micro_taper: self.micro_taper,
        })
    }
}

/// Each value once, in the order first given: a checkbox list cannot name a product twice, so a
/// form that does is read as naming it once (security probe H1).
fn unique(values: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// The (suffix, value) pairs of every field whose name starts with `prefix`, e.g. `beads:<id>`.
fn prefixed(pairs: &[(String, String)], prefix: &str) -> Vec<(String, String)> {
    pairs.iter().filter_map(|(k, v)| k.strip_prefix(prefix).map(|id| (id.to_string(), v.clone()))).collect()
}

fn with_unit(v: &str, unit: &str) -> String {
    let t = v.trim();
    if t.chars().last().is_some_and(|c| c.is_ascii_digit()) { format!("{t}{unit}") } else { t.to_string() }
}

/// Turns a planning refusal into a message on the field it concerns.
pub fn plan_error_fields(e: &PlanError) -> Vec<Field> {
    match e {
        // Product ids are for programs: a person is told the message without them.
        PlanError::Input(i) if matches!(i.field.as_str(), "have" | "beads" | "fill") => {
            vec![Field::error(form_field(&i.field), i.message.clone())]
        }
        PlanError::Input(i) => vec![Field::error(form_field(&i.field), format!("{}: {}", i.value, i.message))],
        PlanError::Refused { field, message } | PlanError::Unconfirmed { field, message } => {
            vec![Field::error(form_field(field), message.clone())]
        }
    }
}

fn form_field(core_field: &str) -> &'static str {
    match core_field {
        "from" | "dose" => "dose",
        "step" => "step",
        "every" => "every",
        "drug" => "drug",
        "justification" | "override-pace" => "justification",
        "compounded" => "compounded",
        "strips" => "strips",
        "beads" => "beads",
        "fill" => "fill",
        "scale" => "scale",
        "final" => "final",
        "to" => "to",
        _ => "products",
    }
}

/// A scheduled dose as kept with a revision.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StoredStep {
    pub day: u32,
    pub dose_mg: f64,
    pub target_mg: f64,
    pub occupancy: Option<f64>,
    /// How to prepare it, in one line.
    pub instruction: String,
    /// Each part, and any dilution recipe.
    pub details: Vec<String>,
    /// The products' own cautions, shown beside the step that uses them.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// The computed plan kept with a revision, so later catalogue changes never alter an agreed plan.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StoredPlan {
    pub drug_name: String,
    pub strategy: String,
    pub step_limit: Option<String>,
    pub model: Option<String>,
    pub complete: bool,
    pub stopped_because: Option<String>,
    pub suggestion: Option<String>,
    pub warnings: Vec<String>,
    pub steps: Vec<StoredStep>,
}

impl StoredPlan {
    pub fn new(plan: &Plan, catalogue: &Catalogue) -> StoredPlan {
        let j = PlanJson::new(plan, catalogue);
        let unit = if matches!(plan.strategy, Strategy::Hyperbolic { .. }) { "percentage points" } else { "%" };
        StoredPlan {
            drug_name: j.drug.name.clone(),
            strategy: j.strategy.description.clone(),
            step_limit: j.step_limit.map(|l| format!("{} {unit}", n(l))),
            model: j
                .occupancy_model
                .as_ref()
                .map(|m| format!("{} ({})", m.region, m.citation.clone().unwrap_or_else(|| m.source.clone()))),
            complete: j.complete,
            stopped_because: j.stopped_because.clone(),
            suggestion: j.suggestion_option.as_ref().map(|s| s.description.clone()),
            warnings: j.warnings.iter().map(|w| w.message.clone()).collect(),
            steps: j
                .steps
                .iter()
                .map(|s| StoredStep {
                    day: s.day,
                    dose_mg: s.dose_mg,
                    target_mg: s.target_mg,
                    occupancy: s.occupancy_percent,
                    instruction: s.preparation.instruction.clone(),
                    details: s.preparation.items.iter().map(|i| i.instruction.clone()).collect(),
                    notes: s.preparation.notes.clone(),
                })
                .collect(),
        }
    }

    /// Only the first step: what a hold or a return keeps.
    pub fn first_only(mut self) -> StoredPlan {
        self.steps.truncate(1);
        self
    }
}
