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

/// The strategies the web form offers, as stored in a revision's settings ("hyperbolic",
/// "proportional"); parsed once, from the form or the stored document.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FormStrategy {
    Hyperbolic,
    Proportional,
}

impl FormStrategy {
    pub fn parse(text: &str) -> Option<FormStrategy> {
        match text {
            "hyperbolic" => Some(FormStrategy::Hyperbolic),
            "proportional" => Some(FormStrategy::Proportional),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FormStrategy::Hyperbolic => "hyperbolic",
            FormStrategy::Proportional => "proportional",
        }
    }

    /// What a step of this strategy is measured in.
    pub fn unit(self) -> StepUnit {
        match self {
            FormStrategy::Hyperbolic => StepUnit::PercentagePoints,
            FormStrategy::Proportional => StepUnit::Percent,
        }
    }

    /// Core's strategy with a step of `step` in this strategy's unit.
    pub fn with_step(self, step: f64) -> Strategy {
        match self {
            FormStrategy::Hyperbolic => Strategy::Hyperbolic { step_pp: step },
            FormStrategy::Proportional => Strategy::Proportional { step_percent: step },
        }
    }
}

impl std::fmt::Display for FormStrategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A plan's settings as saved with each revision.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PlanSettings {
    pub drug: String,
    pub start_mg: f64,
    pub strategy: FormStrategy,
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
    /// Where the person gets their medicine: products suggested are ones sold there (N5).
    #[serde(default)]
    pub market: Option<String>,
    /// The times of day the dose is taken ("08:00, 20:00"); `None`: the label's division.
    #[serde(default)]
    pub times: Option<String>,
    /// With `times`: the mg taken now at each, in order ("0.5, 1.5"); `None`: equal shares.
    #[serde(default)]
    pub amounts: Option<String>,
    /// The product the dose is taken as now, when the person said (step 0 is made from it).
    #[serde(default)]
    pub taken_now: Option<String>,
}

impl PlanSettings {
    /// These settings as the planner uses them: a hyperbolic plan of a drug with no occupancy
    /// model is a proportional one at core's step (`schedule::strategy_used`), so that halving
    /// the step after a hold halves the step in use.
    pub fn effective(mut self, catalogue: &Catalogue) -> PlanSettings {
        let Some(drug) = catalogue.drug(&self.drug) else { return self };
        let asked = self.strategy.with_step(self.step);
        if let taper_core::Strategy::Proportional { step_percent } =
            taper_core::schedule::strategy_used(catalogue, drug, &asked)
            && self.strategy == FormStrategy::Hyperbolic
        {
            self.strategy = FormStrategy::Proportional;
            self.step = step_percent;
        }
        self
    }

    pub fn unit(&self) -> StepUnit {
        self.strategy.unit()
    }

    pub fn step_unit(&self) -> &'static str {
        self.unit().after_number()
    }

    pub fn request(&self, catalogue: &Catalogue) -> Result<PlanRequest, PlanError> {
        let start = units::Mg::new(self.start_mg)
            .ok_or_else(|| PlanError::refused("dose", "must be a dose of 0 mg or more"))?;
        let strategy = self.strategy.with_step(self.step);
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
        req.market = self.market.clone();
        req.times = self.times.as_deref().map(|t| units::DoseTimes::parse("times", t)).transpose()?;
        req.amounts = self.amounts.as_deref().map(parse_amounts).transpose()?;
        req.taken_now = self.taken_now.clone();
        Ok(req)
    }
}

/// The markets the plan form can list products for.
pub const MARKETS: [&str; 3] = ["UK", "EU", "US"];

/// The market whose products a plan form offers first, from the country the person gave at
/// sign-up ("" for every country where the catalogue has no complete market of its own): a walk
/// chose the UK and was offered US-only products. The catalogue's EU lists are not complete (a
/// walk from Lithuania was offered citalopram drops and no tablets), so an EU country starts
/// from every country's products; "EU" stays a choice, with a word that its list is partial.
pub fn market_of(country: Option<&str>) -> &'static str {
    match country {
        Some("GB") => "UK",
        Some("US") => "US",
        _ => "",
    }
}

/// Markets whose lists in the catalogue are known to be incomplete.
pub const PARTIAL_MARKETS: [&str; 1] = ["EU"];

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
    /// The person confirmed they began this plan on a first day in the past, so that today
    /// already falls on its first cut (walk-through N4).
    pub confirm_past_start: bool,
    /// How the dose now is taken, where a product's milligrams count differently from tablets
    /// (citalopram drops): "tablets" or the product's id; empty when not asked or not answered.
    pub dose_as: String,
    /// Times of day the dose is taken, as typed; empty for the label's division.
    pub times: String,
    /// The mg taken now at each of those times, as typed; empty for equal shares.
    pub amounts: String,
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
            confirm_past_start: pairs.iter().any(|(k, v)| k == "confirm_past_start" && v == "yes"),
            dose_as: get("dose_as"),
            market: get("market"),
            times: get("times"),
            amounts: get("amounts"),
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
            strategy: FormStrategy::Hyperbolic.as_str().into(),
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
        let start_mg = match drug {
            Some(d) => self.as_tablets(d, start_mg, &mut errors),
            None => start_mg,
        };
        let (strategy, step) = self.strategy_and_step(&mut errors);
        let (interval_days, start_date) = self.timing(today, &mut errors);
        let syringe_ml = match units::parse_ml("syringe", &with_unit(&self.syringe, "ml")) {
            Ok(v) => v,
            Err(e) => {
                errors.push(Field::error("syringe", e.message));
                0.0
            }
        };
        if let Some(d) = drug {
            self.check_products(d, &mut errors);
        }
        let amounts = self.amounts(&mut errors);
        let (beads, fills) = self.beads_and_fills(&mut errors);
        let justification = self.justification(&mut errors);
        let (times, split) = self.dose_times(&mut errors);
        // What the person takes now is a product they have, ticked or not.
        let taken_now = drug.and_then(|d| d.products.iter().find(|p| p.id == self.dose_as)).map(|p| p.id.clone());
        let mut products = self.products.clone();
        products.extend(taken_now.clone().filter(|t| !products.contains(t)));
        match (drug, strategy, errors.is_empty()) {
            (Some(d), Some(strategy), true) => Ok(PlanSettings {
                drug: d.id.clone(),
                start_mg,
                strategy,
                step,
                interval_days,
                products,
                cutter: self.cutter,
                syringe_ml,
                start_date,
                justification,
                confirm_dose: self.confirm_dose,
                compounded_mg: amounts.compounded,
                strips_mg: amounts.strips,
                beads,
                scale_mg: amounts.scale,
                fills,
                final_mg: amounts.final_dose,
                end_mg: amounts.end_at,
                micro_taper: self.micro_taper,
                market: MARKETS.iter().find(|m| **m == self.market).map(|m| (*m).to_string()),
                times,
                amounts: split,
                taken_now,
            }),
            _ => Err(errors),
        }
    }

    /// The dose times and the amount now at each, checked and written the one way they are kept
    /// ("08:00, 20:00"; "0.5, 1.5"); amounts need times (clinical review W6).
    fn dose_times(&self, errors: &mut Vec<Field>) -> (Option<String>, Option<String>) {
        let times = match self.times.trim() {
            "" => None,
            t => match units::DoseTimes::parse("times", t) {
                Ok(times) => Some(times.times().iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")),
                Err(e) => {
                    errors.push(Field::error("times", e.message));
                    None
                }
            },
        };
        let split = match self.amounts.trim() {
            "" => None,
            a => match parse_amounts(a) {
                Ok(list) => Some(list.iter().map(|m| n(m.get())).collect::<Vec<_>>().join(", ")),
                Err(e) => {
                    errors.push(Field::error("amounts", e.message));
                    None
                }
            },
        };
        if split.is_some() && times.is_none() {
            errors.push(Field::error(
                "amounts",
                "Give the times too: each amount belongs to one of them, in the same order.",
            ));
        }
        (times, split)
    }

    /// The dose now in tablet-equivalent mg: where a product of the drug counts differently
    /// (citalopram drops), the form must say which the person takes, and drops are converted by
    /// core's rule (walk-through N2, clinical review minor 23).
    fn as_tablets(&self, drug: &taper_core::Drug, typed_mg: f64, errors: &mut Vec<Field>) -> f64 {
        let offered: Vec<&str> = self.products.iter().map(String::as_str).collect();
        let taken_as = Some(self.dose_as.as_str()).filter(|a| !a.is_empty());
        let mg = drug.dose_now_mg(typed_mg, taken_as, &offered).unwrap_or_else(|question| {
            errors.push(Field::error("dose_as", question));
            typed_mg
        });
        // Asked once: the exposure question, where there is one, covers the form taken now.
        if errors.iter().all(|e| e.name != "dose_as")
            && let Err(question) = drug.release_question(taken_as, &offered)
        {
            errors.push(Field::error("dose_as", question));
        }
        mg
    }

    /// The strategy and its step; only the form of the number is checked here, how large a step
    /// may be is core's rule.
    fn strategy_and_step(&self, errors: &mut Vec<Field>) -> (Option<FormStrategy>, f64) {
        let strategy = FormStrategy::parse(&self.strategy);
        if strategy.is_none() {
            errors.push(Field::error("strategy", "Choose hyperbolic or proportional."));
        }
        let unit = if strategy == Some(FormStrategy::Proportional) { "%" } else { "pp" };
        let step = match units::parse_step("step", &format!("{}{unit}", self.step.trim())) {
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
        (strategy, step)
    }

    /// Days between steps (a bare number means days; the range is core's `units::parse_days`)
    /// and the start date, within a year of today.
    fn timing(&self, today: Date, errors: &mut Vec<Field>) -> (u32, Date) {
        let interval_days = match units::parse_days("every", &format!("{}d", self.every.trim())) {
            Ok(d) => d,
            Err(_) => {
                let most = units::MAX_INTERVAL_DAYS;
                let example = taper_core::schedule::DEFAULT_INTERVAL_DAYS;
                errors.push(Field::error(
                    "every",
                    format!("Enter the number of days between steps, a whole number from 1 to {most}, e.g. {example}."),
                ));
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
        (interval_days, start_date)
    }

    fn check_products(&self, d: &taper_core::Drug, errors: &mut Vec<Field>) {
        for p in &self.products {
            if !d.products.iter().any(|x| &x.id == p) {
                errors.push(Field::error("products", format!("{p} is not a {} product.", d.name)));
            }
        }
        if self.products.is_empty() {
            errors.push(Field::error("products", "Tick at least one product you have or can get."));
        }
    }

    /// The optional amounts in mg: precisions of the pharmacy, strips and scale, the last dose.
    fn amounts(&self, errors: &mut Vec<Field>) -> Amounts {
        Amounts {
            compounded: optional_mg(errors, "compounded", &self.compounded, "The pharmacy's precision in mg, e.g. 0.1"),
            strips: optional_mg(errors, "strips", &self.strips, "The strips' precision in mg, e.g. 0.01"),
            scale: optional_mg(errors, "scale", &self.scale, "Your scale's readability in mg, e.g. 1"),
            final_dose: optional_mg(errors, "final", &self.final_dose, "The last dose before stopping, in mg"),
            end_at: optional_mg(errors, "to", &self.end_at, "The dose to end at, in mg"),
        }
    }

    /// Beads counted per capsule and capsule contents by product, for the ticked products only.
    #[allow(clippy::type_complexity)]
    fn beads_and_fills(&self, errors: &mut Vec<Field>) -> (Vec<(String, u32)>, Vec<(String, f64)>) {
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
            if let Some(w) = optional_mg(errors, "fill", v, "The weight of one capsule's contents in mg") {
                fills.push((id.clone(), w));
            }
        }
        (beads, fills)
    }

    /// A prescriber's reason for a faster pace, checked by core; empty for none.
    fn justification(&self, errors: &mut Vec<Field>) -> Option<String> {
        match self.justification.trim() {
            "" => None,
            j => match Justification::parse("justification", j) {
                Ok(j) => Some(j.as_str().to_string()),
                Err(e) => {
                    errors.push(Field::error("justification", e.message));
                    None
                }
            },
        }
    }
}

/// The optional amounts of the plan form, in mg.
struct Amounts {
    compounded: Option<f64>,
    strips: Option<f64>,
    scale: Option<f64>,
    final_dose: Option<f64>,
    end_at: Option<f64>,
}

/// An optional amount in mg: empty for none, else a positive dose, or an error on `name`.
fn optional_mg(errors: &mut Vec<Field>, name: &str, v: &str, what: &str) -> Option<f64> {
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

/// "0.5, 1.5" (mg at each dose time, commas or spaces between) into doses.
fn parse_amounts(text: &str) -> Result<Vec<units::Mg>, taper_core::InputError> {
    text.split([',', ' ', ';'])
        .filter(|a| !a.trim().is_empty())
        .map(|a| {
            units::parse_positive_dose("amounts", &with_unit(a, "mg")).map_err(|_| {
                taper_core::InputError::new(
                    "amounts",
                    text,
                    "List the mg you take now at each time, in the same order as the times, e.g. 0.5, 1.5",
                )
            })
        })
        .collect()
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
        "times" => "times",
        "amounts" => "amounts",
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
    /// The days after this step, each a little lower, where the plan falls every day
    /// (micro-taper, strips); empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub daily: Vec<StoredDay>,
    /// What the step uses up until the next one ("For these 28 days: ..."), where it uses anything.
    #[serde(default)]
    pub stock: Option<String>,
    /// Where the whole dose is drops (or another product counted differently): the mg of it
    /// taken, shown before the tablet-equivalent dose.
    #[serde(default)]
    pub as_taken_mg: Option<f64>,
    /// With `as_taken_mg`: what it is of ("the liquid", "the extended-release tablets") and
    /// what the plan's milligrams count against ("tablets", "immediate release"). `None` in
    /// plans stored before (read as the liquid and tablets, all there was then).
    #[serde(default)]
    pub as_taken_words: Option<(String, String)>,
    /// How the fine part of the dose is measured (core's `Preparation::method`); a change of it
    /// starts a new way of preparing, confirmed on Today. `None` in plans stored before it.
    #[serde(default)]
    pub method: Option<String>,
    /// Where the day is taken in parts (clinical review W6): what to make first (the day's
    /// dilution), then each time with its amount. Empty for one dose a day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub first: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub doses: Vec<StoredDose>,
    /// What a day of the step uses up, product by product (core's `supply::day_use`); `None` in
    /// plans stored before supply was counted.
    #[serde(default)]
    pub uses: Option<Vec<StoredUse>>,
}

/// What one day takes from one product, as the person counts it on the shelf.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StoredUse {
    pub product_id: String,
    /// The product as a person reads it ("50 mg tablet").
    pub name: String,
    /// "tablets", "mL", … (core's `supply::shelf_unit`).
    pub unit: String,
    pub amount: f64,
    /// For a preparation made to order, the milligrams made for the day (core's
    /// `DayUse::made_mg`); `None` in plans stored before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub made_mg: Option<f64>,
}

impl StoredUse {
    fn of(prep: &taper_core::formulation::Preparation, catalogue: &Catalogue) -> Vec<StoredUse> {
        taper_core::supply::day_use(prep, catalogue)
            .into_iter()
            .map(|u| StoredUse {
                name: catalogue.product(&u.product_id).map_or_else(
                    || {
                        taper_core::catalogue::made_to_order_name(&u.product_id)
                            .map_or(u.product_id.clone(), String::from)
                    },
                    |p| p.describe(),
                ),
                product_id: u.product_id,
                unit: u.unit.to_string(),
                amount: u.amount,
                made_mg: u.made_mg,
            })
            .collect()
    }
}

/// One dose time of a day taken in parts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StoredDose {
    /// "08:00".
    pub time: String,
    pub mg: f64,
    /// What to take then: "3 mL (0.3 mg) of the dilution".
    pub take: String,
}

/// One day between steps: its plan day, dose and preparation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StoredDay {
    pub day: u32,
    pub dose_mg: f64,
    pub instruction: String,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub as_taken_mg: Option<f64>,
    #[serde(default)]
    pub uses: Option<Vec<StoredUse>>,
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
        StoredPlan {
            drug_name: j.drug.name.clone(),
            strategy: j.strategy.description.clone(),
            // Said only of a plan that has steps (a walk: "No step is larger than 11 %" above
            // "This plan has no step yet").
            step_limit: plan.step_limit.filter(|_| plan.steps.len() > 1).map(|l| {
                let limit = match l {
                    units::StepSize::PercentagePoints(v) => format!("{} percentage points", n(v)),
                    units::StepSize::Percent(v) | units::StepSize::Milligrams(v) => format!("{} %", n(v)),
                };
                format!("{limit}{}", plan.step_limit_except())
            }),
            model: j
                .occupancy_model
                .as_ref()
                .map(|m| format!("{} ({})", m.region, m.citation.clone().unwrap_or_else(|| m.source.clone()))),
            complete: j.complete,
            stopped_because: j.stopped_because.clone(),
            suggestion: j.suggestion_option.as_ref().map(|s| s.description.clone()),
            warnings: j.warnings.iter().map(|w| w.message.clone()).collect(),
            // Core's values, not the wire's rounded ones: rounding happens only when shown.
            steps: plan
                .steps
                .iter()
                .zip(&j.steps)
                .enumerate()
                .map(|(i, (core, s))| StoredStep {
                    stock: taper_report::stock_line(
                        core,
                        plan.steps.get(i + 1).map_or(plan.interval_days, |next| next.day - core.day),
                        catalogue,
                    ),
                    day: core.day,
                    dose_mg: core.dose_mg.get(),
                    target_mg: core.target_mg,
                    occupancy: core.occupancy,
                    instruction: s.preparation.instruction.clone(),
                    details: s.preparation.items.iter().map(|i| i.instruction.clone()).collect(),
                    notes: s.preparation.notes.clone(),
                    daily: core
                        .daily
                        .iter()
                        .map(|d| StoredDay {
                            day: d.day,
                            dose_mg: d.dose_mg.get(),
                            instruction: d.preparation.instruction(),
                            method: Some(d.preparation.method.clone()),
                            as_taken_mg: d
                                .preparation
                                .as_taken_mg(|id| catalogue.product(id).map_or(1.0, |p| p.relative_exposure)),
                            uses: Some(StoredUse::of(&d.preparation, catalogue)),
                        })
                        .collect(),
                    method: Some(core.preparation.method.clone()),
                    first: core.preparation.divided().0,
                    doses: core
                        .preparation
                        .parts
                        .iter()
                        .zip(core.preparation.divided().1)
                        .map(|((time, part), (_, take))| StoredDose { time: time.to_string(), mg: part.dose_mg, take })
                        .collect(),
                    as_taken_mg: core
                        .preparation
                        .as_taken_mg(|id| catalogue.product(id).map_or(1.0, |p| p.relative_exposure)),
                    as_taken_words: as_taken_words(&core.preparation, catalogue),
                    uses: Some(StoredUse::of(&core.preparation, catalogue)),
                })
                .collect(),
        }
    }

    /// Only the first step: what a hold or a return keeps.
    pub fn first_only(mut self) -> StoredPlan {
        self.steps.truncate(1);
        for s in &mut self.steps {
            s.daily.clear();
        }
        self
    }
}

/// What a dose counted differently is of, and what it counts against, from the first product in
/// `p` whose milligrams count differently (see `StoredStep::as_taken_words`).
fn as_taken_words(p: &taper_core::formulation::Preparation, catalogue: &Catalogue) -> Option<(String, String)> {
    let preps: Vec<&taper_core::formulation::Preparation> =
        if p.parts.is_empty() { vec![p] } else { p.parts.iter().map(|(_, part)| part).collect() };
    preps
        .iter()
        .flat_map(|part| &part.items)
        .filter_map(|i| catalogue.product(&i.product_id))
        .find(|product| product.exposure_differs())
        .map(|product| (product.taken_as_noun(), product.counted_against().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> PlanForm {
        let today = Date::constant(2026, 11, 24);
        let catalogue = Catalogue::builtin().expect("the built-in catalogue");
        let mut f = PlanForm::defaults(&catalogue, "citalopram", today);
        f.dose = "20".into();
        f.dose_as = "tablets".into();
        f.products = vec!["citalopram-oral-drops-40mg-ml".into()];
        f
    }

    /// Issue 13: the agreed plan keeps core's values; the wire's four-decimal rounding is for
    /// showing only.
    #[test]
    fn a_stored_plan_keeps_cores_unrounded_values() {
        let catalogue = Catalogue::builtin().expect("the built-in catalogue");
        let settings = form().settings(&catalogue, Date::constant(2026, 11, 24)).expect("valid settings");
        let plan = taper_core::plan(&catalogue, &settings.request(&catalogue).expect("a request")).expect("a plan");
        let stored = StoredPlan::new(&plan, &catalogue);
        assert_eq!(stored.steps.len(), plan.steps.len());
        let mut unrounded = 0;
        for (kept, core) in stored.steps.iter().zip(&plan.steps) {
            assert_eq!(kept.dose_mg.to_bits(), core.dose_mg.get().to_bits());
            assert_eq!(kept.target_mg.to_bits(), core.target_mg.to_bits());
            assert_eq!(kept.occupancy.map(f64::to_bits), core.occupancy.map(f64::to_bits));
            unrounded += usize::from(core.target_mg != taper_report::wire::round4(core.target_mg));
        }
        assert!(unrounded > 0, "the probe needs targets with more than four decimals");
    }

    #[test]
    fn the_form_strategy_is_parsed_once_and_stored_as_before() {
        assert_eq!(FormStrategy::parse("proportional"), Some(FormStrategy::Proportional));
        assert_eq!(FormStrategy::parse("linear"), None);
        let mut f = form();
        f.strategy = "linear".into();
        let errors = f.settings(&Catalogue::builtin().expect("catalogue"), Date::constant(2026, 11, 24)).unwrap_err();
        assert!(errors.iter().any(|e| e.name == "strategy"), "{errors:?}");
        assert_eq!(serde_json::to_string(&FormStrategy::Hyperbolic).expect("json"), "\"hyperbolic\"");
    }
}
