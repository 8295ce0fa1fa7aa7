//! The JSON shapes Taper promises (docs/cli.md). Field names here are a public contract.

use serde::Serialize;
use taper_core::catalogue::{Catalogue, Drug, Form, OccupancyFit};
use taper_core::formulation::Preparation;
use taper_core::schedule::{Plan, PlanStatus, Suggestion};

pub fn round4(v: f64) -> f64 {
    let r = (v * 10_000.0).round() / 10_000.0;
    if r == 0.0 { 0.0 } else { r }
}

#[derive(Debug, Serialize)]
pub struct PlanJson {
    pub drug: DrugRef,
    pub strategy: StrategyJson,
    pub interval_days: u32,
    pub final_dose_mg: Option<f64>,
    /// Largest realised step allowed: percentage points (hyperbolic) or % of the dose (proportional).
    pub step_limit: Option<f64>,
    /// The one fit read, when one is (a single published fit, or a region chosen).
    pub occupancy_model: Option<ModelJson>,
    /// Every fit read; with several, each step uses the most cautious (`occupancy_fit` names it).
    pub occupancy_fits: Vec<ModelJson>,
    /// The starting dose was outside the plausible range and confirmed by the person.
    pub dose_confirmed: bool,
    pub complete: bool,
    pub stopped_because: Option<String>,
    /// What would let a stopped plan continue, in words naming the product id or flag.
    pub suggestion: Option<String>,
    /// The same, for programs: `{kind: "product"|"cutter"|"compounding", product, description}`.
    pub suggestion_option: Option<SuggestionJson>,
    pub total_days: u32,
    pub steps: Vec<StepJson>,
    pub warnings: Vec<WarningJson>,
    pub disclaimer: &'static str,
}

#[derive(Debug, Serialize)]
pub struct SuggestionJson {
    pub kind: &'static str,
    pub product: Option<String>,
    /// In words for a person, naming no id or flag.
    pub description: String,
}

impl SuggestionJson {
    fn new(s: &Suggestion) -> SuggestionJson {
        let (kind, product) = match s {
            Suggestion::Product { id, .. } => ("product", Some(id.clone())),
            Suggestion::Cutter => ("cutter", None),
            Suggestion::Compounding => ("compounding", None),
            Suggestion::FinerCompounding => ("finer-compounding", None),
        };
        SuggestionJson { kind, product, description: s.plain() }
    }
}

#[derive(Debug, Serialize)]
pub struct DrugRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct StrategyJson {
    pub name: &'static str,
    pub description: String,
    /// Set when the requested strategy could not be used (e.g. hyperbolic without a model).
    pub requested: Option<&'static str>,
    pub pace_override: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ModelJson {
    pub emax_percent: f64,
    pub ed50_mg: f64,
    pub region: String,
    pub source: String,
    pub citation: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct StepJson {
    pub index: usize,
    pub day: u32,
    pub target_mg: f64,
    pub dose_mg: f64,
    pub error_mg: f64,
    pub error_percent: Option<f64>,
    pub target_occupancy_percent: Option<f64>,
    pub occupancy_percent: Option<f64>,
    /// Where several fits are read, the region whose fit governs this step.
    pub occupancy_fit: Option<String>,
    pub within_tolerance: bool,
    pub preparation: PreparationJson,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub daily: Vec<DailyJson>,
    /// What the step uses up until the next one, in words; absent when nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct DailyJson {
    pub day: u32,
    pub target_mg: f64,
    pub dose_mg: f64,
    pub preparation: PreparationJson,
}

#[derive(Debug, Serialize)]
pub struct PreparationJson {
    pub instruction: String,
    pub items: Vec<ItemJson>,
    /// Cautions for this preparation: the products' own notes (label warnings, alcohol, how long
    /// it keeps) and how it is measured.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The day's dose at its times, where it is taken in parts (clinical review W6); `items`
    /// then holds every part's items, and each dose's `instruction` is what to take then (any
    /// dilution is made once for the day, as the step's `instruction` says).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub doses: Vec<DoseJson>,
}

#[derive(Debug, Serialize)]
pub struct DoseJson {
    /// "08:00".
    pub time: String,
    pub mg: f64,
    pub instruction: String,
    pub items: Vec<ItemJson>,
}

#[derive(Debug, Serialize)]
pub struct ItemJson {
    pub product: String,
    pub quantity: f64,
    pub unit: &'static str,
    pub mg: f64,
    pub instruction: String,
    pub dilution: Option<DilutionJson>,
}

#[derive(Debug, Serialize)]
pub struct DilutionJson {
    pub stock_ml: f64,
    pub water_ml: f64,
    pub mg_per_ml: f64,
}

#[derive(Debug, Serialize)]
pub struct WarningJson {
    pub code: &'static str,
    pub message: String,
    pub step: Option<usize>,
}

fn round_opt(v: Option<f64>) -> Option<f64> {
    v.map(|x| (x * 100.0).round() / 100.0)
}

pub fn preparation(p: &Preparation) -> PreparationJson {
    PreparationJson {
        instruction: p.instruction(),
        notes: p.notes.clone(),
        items: items(&p.items),
        doses: p
            .parts
            .iter()
            .zip(p.divided().1)
            .map(|((time, part), (_, text))| DoseJson {
                time: time.to_string(),
                mg: round4(part.dose_mg),
                instruction: text,
                items: items(&part.items),
            })
            .collect(),
    }
}

fn items(items: &[taper_core::formulation::Item]) -> Vec<ItemJson> {
    items
        .iter()
        .map(|i| ItemJson {
            product: i.product_id.clone(),
            quantity: round4(i.quantity),
            unit: i.unit.as_str(),
            mg: round4(i.mg),
            instruction: i.text.clone(),
            dilution: i.dilution.map(|d| DilutionJson {
                stock_ml: d.stock_ml,
                water_ml: d.water_ml,
                mg_per_ml: round4(d.mg_per_ml),
            }),
        })
        .collect()
}

fn model(fit: &OccupancyFit, catalogue: &Catalogue) -> ModelJson {
    ModelJson {
        emax_percent: fit.emax_percent,
        ed50_mg: fit.ed50_mg,
        region: fit.region.clone(),
        source: fit.source.clone(),
        citation: catalogue.source(&fit.source).map(|s| s.citation.clone()),
    }
}

impl PlanJson {
    pub fn new(plan: &Plan, catalogue: &Catalogue) -> Self {
        let (stopped_because, suggestion) = match &plan.status {
            PlanStatus::Complete => (None, None),
            PlanStatus::Incomplete { reason, suggestion } => (Some(reason.clone()), suggestion.as_ref()),
        };
        PlanJson {
            drug: DrugRef { id: plan.drug_id.clone(), name: plan.drug_name.clone() },
            strategy: StrategyJson {
                name: plan.strategy.name(),
                description: plan.strategy.describe(),
                requested: plan.requested_strategy,
                pace_override: plan.pace_override.as_ref().map(|j| j.as_str().to_string()),
            },
            interval_days: plan.interval_days,
            final_dose_mg: plan.final_dose_mg.map(round4),
            step_limit: plan.step_limit.map(|s| round4(s.value())),
            occupancy_model: plan
                .model
                .as_ref()
                .filter(|m| !m.combined())
                .and_then(|m| m.fits.first())
                .map(|f| model(f, catalogue)),
            occupancy_fits: plan.model.iter().flat_map(|m| &m.fits).map(|f| model(f, catalogue)).collect(),
            dose_confirmed: plan.dose_confirmed,
            complete: plan.is_complete(),
            stopped_because,
            suggestion: suggestion.map(Suggestion::for_cli),
            suggestion_option: suggestion.map(SuggestionJson::new),
            total_days: plan.total_days(),
            steps: plan
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| StepJson {
                    stock: crate::stock_line(s, crate::step_days(plan, i), catalogue),
                    index: s.index,
                    day: s.day,
                    target_mg: round4(s.target_mg),
                    dose_mg: round4(s.dose_mg.get()),
                    error_mg: round4(s.error_mg()),
                    error_percent: round_opt(s.error_percent()),
                    target_occupancy_percent: round_opt(s.target_occupancy),
                    occupancy_percent: round_opt(s.occupancy),
                    occupancy_fit: s.fit.clone(),
                    within_tolerance: s.within_tolerance,
                    preparation: preparation(&s.preparation),
                    daily: s
                        .daily
                        .iter()
                        .map(|d| DailyJson {
                            day: d.day,
                            target_mg: round4(d.target_mg),
                            dose_mg: round4(d.dose_mg.get()),
                            preparation: preparation(&d.preparation),
                        })
                        .collect(),
                })
                .collect(),
            warnings: plan
                .warnings
                .iter()
                .map(|w| WarningJson { code: w.code, message: w.message.clone(), step: w.step })
                .collect(),
            disclaimer: crate::DISCLAIMER,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct DrugJson {
    pub id: String,
    pub name: String,
    /// Brand names it is sold under; `--drug` accepts them too.
    pub brands: Vec<String>,
    /// The highest labelled daily dose; a start above it must be confirmed.
    pub max_dose_mg: f64,
    pub class: &'static str,
    pub target: String,
    pub about: String,
    pub usual_min_dose_mg: Option<f64>,
    pub occupancy_model: Option<ModelJson>,
    pub other_occupancy_fits: Vec<ModelJson>,
    pub half_life_hours: HalfLifeJson,
    pub diazepam_equivalents: Vec<EquivalentJson>,
    pub products: Vec<ProductJson>,
}

#[derive(Debug, Serialize)]
pub struct HalfLifeJson {
    pub low: f64,
    pub high: f64,
    pub typical: Option<f64>,
    pub source: String,
    pub metabolites: Vec<MetaboliteJson>,
}

#[derive(Debug, Serialize)]
pub struct MetaboliteJson {
    pub name: String,
    pub low: f64,
    pub high: f64,
    pub typical: Option<f64>,
    pub active: bool,
    pub source: String,
}

#[derive(Debug, Serialize)]
pub struct EquivalentJson {
    /// "ashton" or "va-dod".
    pub scheme: &'static str,
    /// mg of this drug roughly equivalent to 10 mg oral diazepam.
    pub mg_equivalent_to_10mg_diazepam: f64,
    pub source: String,
}

#[derive(Debug, Serialize)]
pub struct ProductJson {
    pub id: String,
    pub form: &'static str,
    pub description: String,
    pub strength_mg: Option<f64>,
    pub mg_per_ml: Option<f64>,
    pub mg_per_drop: Option<f64>,
    /// true, false, or null where our sources do not say.
    pub scored: Option<bool>,
    pub modified_release: bool,
    pub markets: Vec<String>,
    pub source: String,
    pub note: Option<String>,
}

impl DrugJson {
    pub fn new(d: &Drug, catalogue: &Catalogue) -> Self {
        let hl = &d.half_life;
        DrugJson {
            id: d.id.clone(),
            name: d.name.clone(),
            brands: d.brands.clone(),
            max_dose_mg: d.max_dose_mg,
            class: d.class.as_str(),
            target: d.target.clone(),
            about: d.about.clone(),
            usual_min_dose_mg: d.usual_min_dose_mg,
            occupancy_model: d.default_occupancy().map(|f| model(f, catalogue)),
            other_occupancy_fits: d.occupancy.iter().filter(|f| !f.default).map(|f| model(f, catalogue)).collect(),
            half_life_hours: HalfLifeJson {
                low: hl.parent.low_hours,
                high: hl.parent.high_hours,
                typical: hl.parent.typical_hours,
                source: hl.parent.source.clone(),
                metabolites: hl
                    .metabolites
                    .iter()
                    .map(|m| MetaboliteJson {
                        name: m.name.clone(),
                        low: m.low_hours,
                        high: m.high_hours,
                        typical: m.typical_hours,
                        active: m.active,
                        source: m.source.clone(),
                    })
                    .collect(),
            },
            diazepam_equivalents: d
                .diazepam_equivalents
                .iter()
                .map(|e| EquivalentJson {
                    scheme: e.scheme.as_str(),
                    mg_equivalent_to_10mg_diazepam: e.mg,
                    source: e.source.clone(),
                })
                .collect(),
            products: d
                .products
                .iter()
                .map(|p| {
                    let (strength, per_ml, per_drop, scored, mr) = match &p.form {
                        Form::Tablet { strength_mg, scored, modified_release, .. } => {
                            (Some(*strength_mg), None, None, *scored, *modified_release)
                        }
                        Form::Capsule { strength_mg, modified_release, .. } => {
                            (Some(*strength_mg), None, None, None, *modified_release)
                        }
                        Form::Liquid { mg_per_ml, mg_per_drop, .. } => {
                            (None, Some(*mg_per_ml), *mg_per_drop, None, false)
                        }
                        Form::Compounded { .. } | Form::Strip { .. } => (None, None, None, None, false),
                    };
                    ProductJson {
                        id: p.id.clone(),
                        form: p.form.kind(),
                        description: p.describe(),
                        strength_mg: strength,
                        mg_per_ml: per_ml,
                        mg_per_drop: per_drop,
                        scored,
                        modified_release: mr,
                        markets: p.markets.clone(),
                        source: p.source.clone(),
                        note: p.note.clone(),
                    }
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct CrossoverJson {
    pub from_drug: String,
    pub to_drug: String,
    pub scheme: &'static str,
    pub stages: Vec<StageJson>,
    /// Days of the taper are counted from the start of the crossover.
    pub taper_offset_days: u32,
    pub taper: PlanJson,
    pub warnings: Vec<WarningJson>,
    /// The pre-switch screen's answers that apply (empty: none of them).
    pub screen: Vec<&'static str>,
    /// The prescriber's recorded reason, where the label or screen asked for one.
    pub reason: Option<String>,
    /// The new drug's largest single dose; no dose in any stage is above it.
    pub single_dose_max_mg: f64,
    pub disclaimer: &'static str,
}

#[derive(Debug, Serialize)]
pub struct StageJson {
    pub index: usize,
    pub day: u32,
    pub diazepam_equivalent_mg: f64,
    pub other_scheme_diazepam_equivalent_mg: Option<f64>,
    pub doses: Vec<StageDoseJson>,
}

#[derive(Debug, Serialize)]
pub struct StageDoseJson {
    pub time: String,
    pub drug: String,
    pub mg: f64,
    pub preparation: Option<PreparationJson>,
}

impl CrossoverJson {
    pub fn new(plan: &taper_core::crossover::CrossoverPlan, catalogue: &Catalogue) -> Self {
        CrossoverJson {
            from_drug: plan.from_drug.clone(),
            to_drug: plan.to_drug.clone(),
            scheme: plan.scheme.as_str(),
            stages: plan
                .stages
                .iter()
                .map(|s| StageJson {
                    index: s.index,
                    day: s.day,
                    diazepam_equivalent_mg: round4(s.diazepam_equivalent_mg),
                    other_scheme_diazepam_equivalent_mg: s.other_scheme_mg.map(round4),
                    doses: s
                        .doses
                        .iter()
                        .map(|d| StageDoseJson {
                            time: taper_core::crossover::clock(d.hour),
                            drug: d.drug.clone(),
                            mg: round4(d.mg),
                            preparation: d.preparation.as_ref().map(preparation),
                        })
                        .collect(),
                })
                .collect(),
            taper_offset_days: plan.taper_offset_days,
            taper: PlanJson::new(&plan.taper, catalogue),
            warnings: plan
                .warnings
                .iter()
                .map(|w| WarningJson { code: w.code, message: w.message.clone(), step: w.step })
                .collect(),
            screen: plan.screen.risks().map(|r| r.as_str()).collect(),
            reason: plan.reason.as_ref().map(ToString::to_string),
            single_dose_max_mg: plan.single_dose_max_mg,
            disclaimer: crate::DISCLAIMER,
        }
    }
}
