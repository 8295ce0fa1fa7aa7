//! The drug catalogue: drugs, their occupancy models, half-lives, benzodiazepine equivalents and
//! the products a person can actually hold. Data lives in `data/` as TOML with a source for every
//! number; this module parses and validates it. It reads no files: the built-in catalogue is
//! compiled in, and callers hand over the text of any local file.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::CatalogueError;
use crate::occupancy::{EmaxModel, Occupancy};

/// The catalogue files compiled into every build.
const BUILTIN_FILES: &[(&str, &str)] = &[
    ("citalopram.toml", include_str!("../../../data/catalogue/citalopram.toml")),
    ("escitalopram.toml", include_str!("../../../data/catalogue/escitalopram.toml")),
    ("sertraline.toml", include_str!("../../../data/catalogue/sertraline.toml")),
    ("paroxetine.toml", include_str!("../../../data/catalogue/paroxetine.toml")),
    ("fluoxetine.toml", include_str!("../../../data/catalogue/fluoxetine.toml")),
    ("venlafaxine.toml", include_str!("../../../data/catalogue/venlafaxine.toml")),
    ("duloxetine.toml", include_str!("../../../data/catalogue/duloxetine.toml")),
    ("desvenlafaxine.toml", include_str!("../../../data/catalogue/desvenlafaxine.toml")),
    ("vortioxetine.toml", include_str!("../../../data/catalogue/vortioxetine.toml")),
    ("mirtazapine.toml", include_str!("../../../data/catalogue/mirtazapine.toml")),
    ("trazodone.toml", include_str!("../../../data/catalogue/trazodone.toml")),
    ("amitriptyline.toml", include_str!("../../../data/catalogue/amitriptyline.toml")),
    ("nortriptyline.toml", include_str!("../../../data/catalogue/nortriptyline.toml")),
    ("pregabalin.toml", include_str!("../../../data/catalogue/pregabalin.toml")),
    ("gabapentin.toml", include_str!("../../../data/catalogue/gabapentin.toml")),
    ("alprazolam.toml", include_str!("../../../data/catalogue/alprazolam.toml")),
    ("clonazepam.toml", include_str!("../../../data/catalogue/clonazepam.toml")),
    ("lorazepam.toml", include_str!("../../../data/catalogue/lorazepam.toml")),
    ("diazepam.toml", include_str!("../../../data/catalogue/diazepam.toml")),
    ("temazepam.toml", include_str!("../../../data/catalogue/temazepam.toml")),
    ("oxazepam.toml", include_str!("../../../data/catalogue/oxazepam.toml")),
    ("chlordiazepoxide.toml", include_str!("../../../data/catalogue/chlordiazepoxide.toml")),
    ("zolpidem.toml", include_str!("../../../data/catalogue/zolpidem.toml")),
    ("zopiclone.toml", include_str!("../../../data/catalogue/zopiclone.toml")),
    ("eszopiclone.toml", include_str!("../../../data/catalogue/eszopiclone.toml")),
    ("quetiapine.toml", include_str!("../../../data/catalogue/quetiapine.toml")),
];
const SOURCES: &str = include_str!("../../../data/sources.toml");
const POLICY: &str = include_str!("../../../data/policy.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DrugClass {
    Ssri,
    Snri,
    SerotoninModulator,
    OtherAntidepressant,
    /// Tricyclic antidepressants (amitriptyline, nortriptyline): planned under the antidepressant
    /// pace rules, as NICE NG222 covers every antidepressant.
    Tca,
    Benzodiazepine,
    /// Z-drug hypnotics (zolpidem, zopiclone, eszopiclone): benzodiazepine receptor agonists,
    /// planned under the benzodiazepine pace rules (Pottie 2018 and Maudsley 2024 treat them
    /// together).
    ZDrug,
    /// Pregabalin and gabapentin: their own pace (Maudsley 2024, chapter 4).
    Gabapentinoid,
    /// Quetiapine, often taken at low doses for sleep: Horowitz 2021's antipsychotic pace.
    Antipsychotic,
}

impl DrugClass {
    pub fn as_str(self) -> &'static str {
        match self {
            DrugClass::Ssri => "ssri",
            DrugClass::Snri => "snri",
            DrugClass::SerotoninModulator => "serotonin-modulator",
            DrugClass::OtherAntidepressant => "other-antidepressant",
            DrugClass::Tca => "tca",
            DrugClass::Benzodiazepine => "benzodiazepine",
            DrugClass::ZDrug => "z-drug",
            DrugClass::Gabapentinoid => "gabapentinoid",
            DrugClass::Antipsychotic => "antipsychotic",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DrugClass::Ssri => "SSRI",
            DrugClass::Snri => "SNRI",
            DrugClass::SerotoninModulator => "serotonin modulator",
            DrugClass::OtherAntidepressant => "antidepressant (other)",
            DrugClass::Tca => "tricyclic antidepressant",
            DrugClass::Benzodiazepine => "benzodiazepine",
            DrugClass::ZDrug => "z-drug (hypnotic)",
            DrugClass::Gabapentinoid => "gabapentinoid",
            DrugClass::Antipsychotic => "antipsychotic",
        }
    }

    /// The label after "a" or "an", as said aloud: "an SSRI", "a benzodiazepine".
    pub fn with_article(self) -> String {
        let an = matches!(
            self,
            DrugClass::Ssri | DrugClass::Snri | DrugClass::OtherAntidepressant | DrugClass::Antipsychotic
        );
        format!("{} {}", if an { "an" } else { "a" }, self.label())
    }

    pub fn is_benzodiazepine(self) -> bool {
        self == DrugClass::Benzodiazepine
    }

    /// A benzodiazepine receptor agonist (a benzodiazepine or a z-drug): planned under the
    /// benzodiazepine pace, stopped by the diazepam-equivalent rule where an equivalent exists.
    pub fn is_bzra(self) -> bool {
        matches!(self, DrugClass::Benzodiazepine | DrugClass::ZDrug)
    }
}

/// One fitted occupancy curve for a brain region.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OccupancyFit {
    pub region: String,
    pub emax_percent: f64,
    pub ed50_mg: f64,
    pub source: String,
    #[serde(default)]
    pub default: bool,
    #[serde(default)]
    pub note: Option<String>,
}

impl OccupancyFit {
    pub fn model(&self) -> EmaxModel {
        EmaxModel::new(self.emax_percent, self.ed50_mg)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HalfLifeRange {
    pub low_hours: f64,
    pub high_hours: f64,
    /// A published typical or mean value where one exists.
    #[serde(default)]
    pub typical_hours: Option<f64>,
    pub source: String,
}

impl HalfLifeRange {
    /// The value used for simulation: the published typical value, else the middle of the range
    /// (our arithmetic, reported as such).
    pub fn representative_hours(&self) -> f64 {
        self.typical_hours.unwrap_or((self.low_hours + self.high_hours) / 2.0)
    }

    pub fn is_derived(&self) -> bool {
        self.typical_hours.is_none() && self.low_hours != self.high_hours
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metabolite {
    pub name: String,
    pub low_hours: f64,
    pub high_hours: f64,
    #[serde(default)]
    pub typical_hours: Option<f64>,
    pub active: bool,
    pub source: String,
    /// When the metabolite peaks after a dose whose parent peaks at a known time (one labelled
    /// study); simulations fit how much of it is formed during absorption to it.
    #[serde(default)]
    pub peak: Option<MetabolitePeak>,
}

/// A labelled pair of peak times after the same dose: the parent's and the metabolite's.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetabolitePeak {
    pub hours: f64,
    pub parent_hours: f64,
    pub source: String,
}

impl Metabolite {
    pub fn range(&self) -> HalfLifeRange {
        HalfLifeRange {
            low_hours: self.low_hours,
            high_hours: self.high_hours,
            typical_hours: self.typical_hours,
            source: self.source.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HalfLife {
    pub parent: HalfLifeRange,
    #[serde(default)]
    pub metabolites: Vec<Metabolite>,
}

impl HalfLife {
    /// The longest representative half-life among the parent and its active metabolites.
    pub fn longest_active_hours(&self) -> f64 {
        self.metabolites
            .iter()
            .filter(|m| m.active)
            .map(|m| m.range().representative_hours())
            .fold(self.parent.representative_hours(), f64::max)
    }

    /// Days for levels to settle after a change of dose: `HALF_LIVES_TO_SETTLE` of the longest
    /// active half-life.
    pub fn days_to_settle(&self) -> f64 {
        self.longest_active_hours() * HALF_LIVES_TO_SETTLE / 24.0
    }
}

/// Half-lives after which levels are taken to have settled after a change: after five, 97 % of
/// the way (1 − 2⁻⁵). The labels say the same in days, e.g. citalopram's ~35 h half-life and
/// "steady state in about one week" (FDA label; shared/clinical/pharmacology.md §3).
pub const HALF_LIVES_TO_SETTLE: f64 = 5.0;

/// Which published equivalence table to convert with. They differ, so both are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EquivalenceScheme {
    Ashton,
    VaDod,
}

impl EquivalenceScheme {
    pub fn as_str(self) -> &'static str {
        match self {
            EquivalenceScheme::Ashton => "ashton",
            EquivalenceScheme::VaDod => "va-dod",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            EquivalenceScheme::Ashton => "Ashton (2002/2007)",
            EquivalenceScheme::VaDod => "VA/DoD (2021)",
        }
    }
    /// The other table, whose figure is shown beside the one chosen.
    pub fn other(self) -> Self {
        match self {
            EquivalenceScheme::Ashton => EquivalenceScheme::VaDod,
            EquivalenceScheme::VaDod => EquivalenceScheme::Ashton,
        }
    }
    pub fn parse(input: &str) -> Option<Self> {
        match input.to_ascii_lowercase().as_str() {
            "ashton" => Some(Self::Ashton),
            "va-dod" | "vadod" | "va/dod" => Some(Self::VaDod),
            _ => None,
        }
    }
}

/// The dose of this drug roughly equivalent to 10 mg of oral diazepam, per one table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiazepamEquivalent {
    pub scheme: EquivalenceScheme,
    pub mg: f64,
    pub source: String,
}

/// The label's largest single dose and most doses a day, for a drug a switch may move to: a
/// switch never puts more than `max_mg` into one dose, nor spreads a day over more than
/// `doses_a_day` doses.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SingleDose {
    pub max_mg: f64,
    pub doses_a_day: u32,
    pub source: String,
}

/// How many doses a day the label divides the day's dose into for the drug's immediate-release
/// forms ("0.25 to 0.5 mg given three times daily"); plans show each dose at its time.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DividedDoses {
    pub doses_a_day: u8,
    pub source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CapsuleContents {
    /// Small beads or spheroids that can be counted.
    Beads,
    /// Enteric-coated pellets (the label says not to open), countable by those who choose to.
    EntericPellets,
    /// Powder, which can be weighed.
    Powder,
    Unknown,
}

/// A drug the label has taken once a night, just before bed (a hypnotic; quetiapine for bipolar
/// depression). Levels that fall low by morning are its purpose, not a warning.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bedtime {
    pub source: String,
}

/// Where the labels pair modified- and immediate-release doses differently (Ambien 5 and 10 mg
/// with Ambien CR 6.25 and 12.5 mg), what a change between them must say: the same milligrams
/// may not act the same (a re-run: zolpidem 7.5 mg immediate release to 6.25 mg extended release
/// read as a 17 % cut, perhaps a third).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleasePairing {
    pub note: String,
    pub source: String,
}

/// What a product physically is, and so how it can be divided.
#[derive(Debug, Clone, PartialEq)]
pub enum Form {
    Tablet {
        strength_mg: f64,
        scored: Option<bool>,
        modified_release: bool,
        /// What kind of tablet, where plain "tablet" would confuse two products of the same
        /// strength (walk-through N12: "orally disintegrating tablet").
        kind: Option<String>,
    },
    Capsule {
        strength_mg: f64,
        contents: CapsuleContents,
        modified_release: bool,
        /// What kind of capsule, where plain "capsule" would confuse two products (N12).
        kind: Option<String>,
    },
    Liquid {
        mg_per_ml: f64,
        mg_per_drop: Option<f64>,
        label: String,
    },
    /// Made by a compounding pharmacy at a stated precision (a capsule or liquid of any multiple).
    Compounded {
        precision_mg: f64,
    },
    /// A tapering strip: a roll of numbered daily pouches, each the same as or a little less than
    /// the day before, usually 28 days a roll (Regenboog Apotheek; Groot & van Os 2018).
    Strip {
        precision_mg: f64,
    },
}

impl Form {
    pub fn kind(&self) -> &'static str {
        match self {
            Form::Tablet { .. } => "tablet",
            Form::Capsule { .. } => "capsule",
            Form::Liquid { .. } => "liquid",
            Form::Compounded { .. } => "compounded",
            Form::Strip { .. } => "strip",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub id: String,
    pub drug: String,
    pub form: Form,
    pub markets: Vec<String>,
    pub source: String,
    pub note: Option<String>,
    /// Exposure of 1 mg of this product relative to 1 mg of the drug's tablets or capsules, where
    /// a label states that they differ (citalopram drops: 1.25). Plan doses are tablet-equivalent.
    pub relative_exposure: f64,
    /// False where the product must not be diluted with water (e.g. above the drug's solubility).
    pub dilutable: bool,
    /// True where the label asks each dose to be mixed immediately before it is taken (sertraline
    /// concentrate): a measuring dilution is then made just before each dose, never for the day.
    pub mix_just_before: bool,
    /// Hours from a dose to the peak level, where the label gives it for this form (extended-
    /// and delayed-release forms); the simulation's absorption follows it.
    pub tmax_hours: Option<f64>,
    /// How many doses a day the label requires for this form (venlafaxine immediate release: the
    /// day's dose in two or three parts); plans split each day's dose this many ways.
    pub daily_doses: Option<u8>,
    /// False for tablets that must not be split or cut (orally disintegrating tablets).
    pub divisible: bool,
}

/// What a made-to-order product ([`Product::strip`], [`Product::compounded`]) is called, from its
/// id: such products are made for a plan, not kept in the catalogue.
pub fn made_to_order_name(id: &str) -> Option<&'static str> {
    if id.ends_with(STRIP_SUFFIX) {
        Some("tapering strips (a pouch a day)")
    } else if id.ends_with(COMPOUNDED_SUFFIX) {
        Some("compounded preparation")
    } else {
        None
    }
}

/// Whether `id` is a compounding pharmacy's preparation ([`Product::compounded`]).
pub fn is_compounded(id: &str) -> bool {
    id.ends_with(COMPOUNDED_SUFFIX)
}

const STRIP_SUFFIX: &str = "-tapering-strip";
const COMPOUNDED_SUFFIX: &str = "-compounded";

impl Product {
    /// Tapering strips of `drug`, each day's pouch made to `precision_mg`.
    pub fn strip(drug: &str, precision_mg: f64) -> Product {
        Product {
            id: format!("{drug}{STRIP_SUFFIX}"),
            form: Form::Strip { precision_mg },
            source: "tapering_strips".into(),
            ..Product::compounded(drug, precision_mg)
        }
    }

    /// A compounding pharmacy's preparation of `drug` to `precision_mg`.
    pub fn compounded(drug: &str, precision_mg: f64) -> Product {
        Product {
            id: format!("{drug}{COMPOUNDED_SUFFIX}"),
            drug: drug.to_string(),
            form: Form::Compounded { precision_mg },
            markets: Vec::new(),
            source: "taper_policy".into(),
            note: None,
            relative_exposure: 1.0,
            dilutable: true,
            mix_just_before: false,
            tmax_hours: None,
            daily_doses: None,
            divisible: true,
        }
    }

    /// The tablet-equivalent of `mg` taken as this product (citalopram drops: × 1.25, label);
    /// plans count in tablet-equivalent mg, so a dose taken as drops is converted once, at the
    /// edge (walk-through N2: "20 mg of drops" read as 20 mg of tablets was a silent 20 % cut).
    pub fn tablet_equivalent_mg(&self, mg: f64) -> f64 {
        mg * self.relative_exposure
    }

    /// The inverse of `tablet_equivalent_mg`: mg of this product that count as `tablet_mg`.
    pub fn product_mg(&self, tablet_mg: f64) -> f64 {
        tablet_mg / self.relative_exposure
    }

    /// Extended- or delayed-release tablets and capsules.
    pub fn is_modified_release(&self) -> bool {
        matches!(self.form, Form::Tablet { modified_release: true, .. } | Form::Capsule { modified_release: true, .. })
    }

    /// True where 1 mg of this product does not count as 1 mg of the drug's tablets.
    pub fn exposure_differs(&self) -> bool {
        (self.relative_exposure - 1.0).abs() > 1e-9
    }

    /// What the milligrams a plan counts in are, for this product's drug: "tablets" (citalopram
    /// drops count against them), "immediate release" for a modified-release product whose
    /// label converts from it (Lyrica CR against capsules; a walk read "as tablets" for a drug
    /// sold as capsules).
    pub fn counted_against(&self) -> &'static str {
        if self.is_modified_release() { "immediate release" } else { "tablets" }
    }

    /// What a dose measured from this product is "of", where its milligrams count differently:
    /// "the liquid", "the extended-release tablets".
    pub fn taken_as_noun(&self) -> String {
        match &self.form {
            Form::Liquid { .. } => "the liquid".to_string(),
            f => {
                let mr = if self.is_modified_release() { "extended-release " } else { "" };
                format!("the {mr}{}s", f.kind())
            }
        }
    }

    /// How this product's milligrams count, in words a person can check against the label:
    /// "165 mg of it counts as 150 mg of immediate release", "1 mg of it counts as 1.25 mg of
    /// tablets" (a walk found "1 mg of it counts as 0.9091 mg" cryptic).
    pub fn exposure_words(&self) -> String {
        use crate::units::trim_number as n;
        let mg = match self.form {
            Form::Tablet { strength_mg, .. } | Form::Capsule { strength_mg, .. } => strength_mg,
            _ => 1.0,
        };
        let counted = (self.tablet_equivalent_mg(mg) * 100.0).round() / 100.0;
        format!("{} mg of it counts as {} mg of {}", n(mg), n(counted), self.counted_against())
    }

    /// A short human name: "20 mg tablet", "40 mg/mL oral drops".
    pub fn describe(&self) -> String {
        use crate::units::trim_number as n;
        match &self.form {
            Form::Tablet { strength_mg, modified_release, kind, .. } => match kind {
                Some(kind) => format!("{} mg {kind}", n(*strength_mg)),
                None => {
                    let mr = if *modified_release { " extended-release" } else { "" };
                    format!("{} mg{mr} tablet", n(*strength_mg))
                }
            },
            Form::Capsule { strength_mg, kind, .. } => {
                format!("{} mg {}", n(*strength_mg), kind.as_deref().unwrap_or("capsule"))
            }
            Form::Liquid { label, .. } => label.clone(),
            Form::Compounded { precision_mg } => {
                format!("compounded preparation (to {} mg)", n(*precision_mg))
            }
            Form::Strip { precision_mg } => format!("tapering strip (daily pouches to {} mg)", n(*precision_mg)),
        }
    }

    /// The amount of drug one whole unit holds, where a unit exists.
    pub fn unit_strength_mg(&self) -> Option<f64> {
        match self.form {
            Form::Tablet { strength_mg, .. } | Form::Capsule { strength_mg, .. } => Some(strength_mg),
            _ => None,
        }
    }
}

/// The stored format of a product (flattened, with `form` naming the kind).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductRecord {
    pub id: String,
    #[serde(default)]
    pub drug: Option<String>,
    pub form: String,
    #[serde(default)]
    pub strength_mg: Option<f64>,
    #[serde(default)]
    pub scored: Option<bool>,
    #[serde(default)]
    pub modified_release: bool,
    #[serde(default)]
    pub contents: Option<CapsuleContents>,
    #[serde(default)]
    pub mg_per_ml: Option<f64>,
    #[serde(default)]
    pub mg_per_drop: Option<f64>,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub precision_mg: Option<f64>,
    #[serde(default)]
    pub markets: Vec<String>,
    pub source: String,
    #[serde(default)]
    pub note: Option<String>,
    /// See `Product::relative_exposure`; needs `relative_exposure_source`.
    #[serde(default)]
    pub relative_exposure: Option<f64>,
    #[serde(default)]
    pub relative_exposure_source: Option<String>,
    /// See `Product::dilutable` (default true).
    #[serde(default)]
    pub dilute_in_water: Option<bool>,
    /// See `Product::mix_just_before` (default false).
    #[serde(default)]
    pub mix_just_before: bool,
    /// See `Product::divisible` (default true).
    #[serde(default)]
    pub divisible: Option<bool>,
    /// See `Product::daily_doses` (2 to 4).
    #[serde(default)]
    pub daily_doses: Option<u8>,
    /// See `Product::tmax_hours`; needs `tmax_source`.
    #[serde(default)]
    pub tmax_hours: Option<f64>,
    #[serde(default)]
    pub tmax_source: Option<String>,
}

fn positive(value: Option<f64>, what: &str, id: &str) -> Result<f64, String> {
    match value {
        Some(v) if v.is_finite() && v > 0.0 && v <= crate::units::ABSURD_DOSE_MG => Ok(v),
        Some(v) => Err(format!("product {id}: {what} must be a positive number, got {v}")),
        None => Err(format!("product {id}: {what} is required")),
    }
}

impl ProductRecord {
    /// Checks a record and turns it into a product of `drug`.
    pub fn into_product(self, drug: &str) -> Result<Product, String> {
        let id = self.id.clone();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')) {
            return Err(format!("product id '{id}' may use only letters, digits, '-', '.', '_'"));
        }
        let form = match self.form.as_str() {
            "tablet" => Form::Tablet {
                strength_mg: positive(self.strength_mg, "strength_mg", &id)?,
                scored: self.scored,
                modified_release: self.modified_release,
                kind: self.label.clone(),
            },
            "capsule" => Form::Capsule {
                strength_mg: positive(self.strength_mg, "strength_mg", &id)?,
                contents: self.contents.unwrap_or(CapsuleContents::Unknown),
                modified_release: self.modified_release,
                kind: self.label.clone(),
            },
            "liquid" => {
                let mg_per_ml = positive(self.mg_per_ml, "mg_per_ml", &id)?;
                let mg_per_drop = match self.mg_per_drop {
                    Some(_) => Some(positive(self.mg_per_drop, "mg_per_drop", &id)?),
                    None => None,
                };
                let label =
                    self.label.unwrap_or_else(|| format!("liquid {} mg/mL", crate::units::trim_number(mg_per_ml)));
                Form::Liquid { mg_per_ml, mg_per_drop, label }
            }
            "compounded" => Form::Compounded { precision_mg: positive(self.precision_mg, "precision_mg", &id)? },
            "strip" => Form::Strip { precision_mg: positive(self.precision_mg, "precision_mg", &id)? },
            other => {
                return Err(format!(
                    "product {id}: form '{other}' is not one of tablet, capsule, liquid, compounded, strip"
                ));
            }
        };
        let daily_doses = match self.daily_doses {
            None => None,
            Some(n @ 2..=4) => Some(n),
            Some(n) => return Err(format!("product {id}: daily_doses {n} must be from 2 to 4")),
        };
        let tmax_hours = match (self.tmax_hours, &self.tmax_source) {
            (None, _) => None,
            (Some(t), Some(_)) if t.is_finite() && t > 0.0 && t <= 48.0 => Some(t),
            (Some(t), Some(_)) => return Err(format!("product {id}: tmax_hours {t} must be from 0 to 48")),
            (Some(_), None) => return Err(format!("product {id}: tmax_hours needs tmax_source")),
        };
        let relative_exposure = match (self.relative_exposure, &self.relative_exposure_source) {
            (None, _) => 1.0,
            (Some(r), Some(_)) if r.is_finite() && (0.2..=5.0).contains(&r) => r,
            (Some(r), Some(_)) => return Err(format!("product {id}: relative_exposure {r} must be from 0.2 to 5")),
            (Some(_), None) => return Err(format!("product {id}: relative_exposure needs relative_exposure_source")),
        };
        Ok(Product {
            id,
            drug: drug.to_string(),
            form,
            markets: self.markets,
            source: self.source,
            note: self.note,
            relative_exposure,
            dilutable: self.dilute_in_water.unwrap_or(true),
            mix_just_before: self.mix_just_before,
            tmax_hours,
            daily_doses,
            divisible: self.divisible.unwrap_or(true),
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct DrugRecord {
    id: String,
    name: String,
    class: DrugClass,
    target: String,
    #[serde(default)]
    usual_min_dose_mg: Option<f64>,
    #[serde(default)]
    usual_min_dose_source: Option<String>,
    max_dose_mg: f64,
    max_dose_source: String,
    #[serde(default)]
    brands: Vec<String>,
    #[serde(default)]
    brands_source: Option<String>,
    #[serde(default)]
    tmax_hours: Option<f64>,
    #[serde(default)]
    tmax_source: Option<String>,
    about: String,
    #[serde(default)]
    occupancy: Vec<OccupancyFit>,
    half_life: HalfLife,
    #[serde(default)]
    diazepam_equivalent: Vec<DiazepamEquivalent>,
    #[serde(default)]
    single_dose: Option<SingleDose>,
    #[serde(default)]
    divided: Option<DividedDoses>,
    #[serde(default)]
    bedtime: Option<Bedtime>,
    #[serde(default)]
    release_pairing: Option<ReleasePairing>,
    /// The label that asks for the drug to be stopped gradually, cited by its learn page.
    #[serde(default)]
    gradual_stop_source: Option<String>,
    #[serde(default)]
    products: Vec<ProductRecord>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Drug {
    pub id: String,
    pub name: String,
    pub class: DrugClass,
    pub target: String,
    pub usual_min_dose_mg: Option<f64>,
    /// The highest labelled daily dose for any indication; above it a start must be confirmed.
    pub max_dose_mg: f64,
    pub max_dose_source: String,
    /// Brand names the drug is sold under, so a person can find it by the name on their box.
    pub brands: Vec<String>,
    /// Hours to the peak level for the usual immediate-release form, where the label gives it.
    pub tmax_hours: Option<f64>,
    pub about: String,
    pub occupancy: Vec<OccupancyFit>,
    pub half_life: HalfLife,
    pub diazepam_equivalents: Vec<DiazepamEquivalent>,
    /// The label's single-dose ceiling, where a switch may move to this drug.
    pub single_dose: Option<SingleDose>,
    /// The label's division of the day's dose for immediate-release forms; each such product
    /// without its own `daily_doses` carries it.
    pub divided: Option<DividedDoses>,
    /// Taken once, at bedtime, as its label allows: its levels are meant to fall by morning.
    pub bedtime: Option<Bedtime>,
    /// Where the labels pair the releases' doses differently, what a change of release says.
    pub release_pairing: Option<ReleasePairing>,
    /// The source (the drug's own label) that asks for a gradual stop, where one is catalogued.
    pub gradual_stop_source: Option<String>,
    pub products: Vec<Product>,
}

impl Drug {
    /// The dose taken now, `typed_mg`, in the tablet-equivalent mg plans count in. Where a
    /// product among `offered` (the ids the person has) counts differently from tablets
    /// (citalopram drops, × 1.25 by its label), the person must say which they take now:
    /// `taken_as` is "tablets" or that product's id; `Err` is the question to ask (walk-through
    /// N2, clinical review minor 23: "20 mg" typed for drops was read as tablets, a silent cut).
    pub fn dose_now_mg(&self, typed_mg: f64, taken_as: Option<&str>, offered: &[&str]) -> Result<f64, String> {
        let differ: Vec<&Product> = self.products.iter().filter(|p| p.exposure_differs()).collect();
        if let Some(p) = differ.iter().find(|p| Some(p.id.as_str()) == taken_as) {
            // A modified-release unit is never split: a dose of it that is not a whole number of
            // units was typed in the other form's milligrams (a walk: 150 typed for one 165 mg
            // Lyrica CR tablet became 136.36 mg, and the first cut 18 %).
            if let (true, Form::Tablet { strength_mg, .. } | Form::Capsule { strength_mg, .. }) =
                (p.is_modified_release(), &p.form)
            {
                let units = typed_mg / strength_mg;
                if (units - units.round()).abs() > 1e-6 || units.round() < 1.0 {
                    return Err(format!(
                        "{} mg is not a whole number of the {}, which is never split: type the milligrams on its label ({} mg for one, {} mg for two), or choose how you take it if it is another form",
                        crate::units::trim_number(typed_mg),
                        p.describe(),
                        crate::units::trim_number(*strength_mg),
                        crate::units::trim_number(strength_mg * 2.0)
                    ));
                }
            }
            return Ok(p.tablet_equivalent_mg(typed_mg));
        }
        // Asked only when such a product is offered (walk-through round 4: a person with only
        // tablets was stopped by the question).
        if taken_as == Some("tablets") || !differ.iter().any(|p| offered.contains(&p.id.as_str())) {
            return Ok(typed_mg);
        }
        Err(format!(
            "Say whether you take your {} now as {} or as the {}: {} (its label), so the plan must know which.",
            self.name,
            differ[0].counted_against(),
            differ.iter().map(|p| p.describe()).collect::<Vec<_>>().join(" or the "),
            differ[0].exposure_words()
        ))
    }

    /// Where the products `offered` include both modified- and immediate-release ones, the
    /// person must say which they take now: step 0 is made from it and a later change of
    /// release is read against it (a re-run: venlafaxine XR 75 mg with every product was shown
    /// as taken now as immediate-release tablets in two doses, and no change of release was
    /// said). `taken_as` is "tablets" (immediate release) or a product's id; `Err` is the
    /// question to ask.
    pub fn release_question(&self, taken_as: Option<&str>, offered: &[&str]) -> Result<(), String> {
        let listed = |modified: bool| {
            self.products
                .iter()
                .filter(move |p| offered.contains(&p.id.as_str()) && p.is_modified_release() == modified)
        };
        if taken_as.is_some() || listed(false).next().is_none() {
            return Ok(());
        }
        let modified: Vec<String> = listed(true).map(Product::describe).collect();
        if modified.is_empty() {
            return Ok(());
        }
        Err(format!(
            "Say how you take your {} now: the products listed include extended-release ones ({}) and immediate-release ones, which are absorbed differently, so the plan starts from the one you take and points out any later change of release.",
            self.name,
            modified.join(", ")
        ))
    }

    /// The fit shown on its own (Learn, `taper drugs`), if the drug has one.
    pub fn default_occupancy(&self) -> Option<&OccupancyFit> {
        self.occupancy.iter().find(|f| f.default)
    }

    /// The occupancy model a plan reads: the named region's fit, or every published fit read
    /// together, most cautiously (see `occupancy::Occupancy`). `Ok(None)` when the drug has no
    /// model; an error names the regions that exist.
    pub fn occupancy_model(&self, region: Option<&str>) -> Result<Option<(Occupancy, Vec<OccupancyFit>)>, String> {
        let fits: Vec<OccupancyFit> = match region {
            Some(r) => vec![self.occupancy_in(r).cloned().ok_or_else(|| {
                let known = self.occupancy.iter().map(|f| f.region.as_str()).collect::<Vec<_>>();
                format!(
                    "no occupancy fit for this region; {} has: {}",
                    self.id,
                    if known.is_empty() { "none".to_string() } else { known.join(", ") }
                )
            })?],
            None => self.occupancy.clone(),
        };
        let model = Occupancy::cautious(fits.iter().map(|f| (f.region.clone(), f.model())).collect());
        Ok(model.map(|m| (m, fits)))
    }

    /// The smallest amount one unit of any product holds: mg per tablet or capsule, mg per mL,
    /// or a compounding precision.
    pub fn smallest_product_mg(&self) -> Option<f64> {
        self.products
            .iter()
            .map(|p| match p.form {
                Form::Tablet { strength_mg, .. } | Form::Capsule { strength_mg, .. } => strength_mg,
                Form::Liquid { mg_per_ml, .. } => mg_per_ml,
                Form::Compounded { precision_mg } | Form::Strip { precision_mg } => precision_mg,
            })
            .reduce(f64::min)
    }

    pub fn occupancy_in(&self, region: &str) -> Option<&OccupancyFit> {
        self.occupancy.iter().find(|f| f.region.eq_ignore_ascii_case(region))
    }

    pub fn diazepam_equivalent(&self, scheme: EquivalenceScheme) -> Option<&DiazepamEquivalent> {
        self.diazepam_equivalents.iter().find(|e| e.scheme == scheme)
    }

    /// mg of diazepam equivalent to `mg` of this drug under `scheme`.
    pub fn to_diazepam_mg(&self, mg: f64, scheme: EquivalenceScheme) -> Option<f64> {
        self.diazepam_equivalent(scheme).map(|e| mg * 10.0 / e.mg)
    }

    /// mg of this drug equivalent to `diazepam_mg` under `scheme`.
    pub fn from_diazepam_mg(&self, diazepam_mg: f64, scheme: EquivalenceScheme) -> Option<f64> {
        self.diazepam_equivalent(scheme).map(|e| diazepam_mg * e.mg / 10.0)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Source {
    pub citation: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// Pace limits by class, read from `data/policy.toml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub antidepressant: AntidepressantPolicy,
    pub step_cap: StepCapPolicy,
    pub benzodiazepine: BenzodiazepinePolicy,
    pub z_drug: PercentPolicy,
    pub gabapentinoid: PercentPolicy,
    pub antipsychotic: PercentPolicy,
    pub final_step: FinalStepPolicy,
    pub final_dose: FinalDosePolicy,
    pub plausibility: PlausibilityPolicy,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AntidepressantPolicy {
    pub default_interval_days: u32,
    pub suggested_min_interval_days: u32,
    pub suggested_interval_source: String,
    pub min_interval_days: u32,
    pub min_interval_source: String,
    pub suggested_max_step_percentage_points: f64,
    pub suggested_max_step_percent: f64,
    pub suggested_step_source: String,
    pub max_step_percentage_points: f64,
    pub max_step_percent: f64,
    pub max_step_source: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepCapPolicy {
    pub max_cut_fraction: f64,
    pub max_cut_source: String,
    pub snri_max_cut_fraction: f64,
    pub snri_source: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenzodiazepinePolicy {
    pub default_interval_days: u32,
    pub min_interval_days: u32,
    pub min_interval_source: String,
    pub suggested_max_step_percent: f64,
    pub max_percent_per_two_weeks: f64,
    pub max_step_source: String,
    pub final_step_diazepam_equivalent_mg: f64,
    pub final_step_source: String,
}

/// Z-drugs and gabapentinoids: planned by percentage of the current dose, like
/// benzodiazepines, each class with its own sources.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PercentPolicy {
    pub default_interval_days: u32,
    pub min_interval_days: u32,
    pub min_interval_source: String,
    pub suggested_max_step_percent: f64,
    pub suggested_step_source: String,
    pub max_step_percent: f64,
    pub max_step_source: String,
    /// The largest step taken, where nothing measurable lies within the step asked, when it is
    /// then held longer in proportion (`days_held`); the hard limit where not given.
    #[serde(default)]
    pub max_held_step_percent: Option<f64>,
}

impl BenzodiazepinePolicy {
    /// Its pace as the other percentage classes give theirs (ASAM 2025 for the step suggested
    /// and the limit alike; no larger held step).
    fn pace(&self) -> PercentPace<'_> {
        PercentPace {
            default_interval_days: self.default_interval_days,
            min_interval_days: self.min_interval_days,
            min_interval_source: &self.min_interval_source,
            suggested_max_step_percent: self.suggested_max_step_percent,
            suggested_step_source: &self.max_step_source,
            max_step_percent: self.max_percent_per_two_weeks,
            max_step_source: &self.max_step_source,
            max_held_step_percent: self.max_percent_per_two_weeks,
        }
    }
}

impl PercentPolicy {
    fn pace(&self) -> PercentPace<'_> {
        PercentPace {
            default_interval_days: self.default_interval_days,
            min_interval_days: self.min_interval_days,
            min_interval_source: &self.min_interval_source,
            suggested_max_step_percent: self.suggested_max_step_percent,
            suggested_step_source: &self.suggested_step_source,
            max_step_percent: self.max_step_percent,
            max_step_source: &self.max_step_source,
            max_held_step_percent: self.max_held_step_percent.unwrap_or(self.max_step_percent),
        }
    }

    /// The suggested step inside the limit, the limit inside the milligram cap, the default
    /// interval no shorter than the minimum.
    fn consistent(&self, max_cut_fraction: f64) -> bool {
        self.suggested_max_step_percent > 0.0
            && self.suggested_max_step_percent <= self.max_step_percent
            && self.max_step_percent < 100.0 * max_cut_fraction + 1e-9
            && self
                .max_held_step_percent
                .is_none_or(|h| h >= self.max_step_percent && h < 100.0 * max_cut_fraction + 1e-9)
            && self.min_interval_days >= 1
            && self.default_interval_days >= self.min_interval_days
    }
}

/// The pace of a class planned by percentage of the current dose (benzodiazepines, z-drugs,
/// gabapentinoids), read from its section of `policy.toml`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PercentPace<'a> {
    pub default_interval_days: u32,
    pub min_interval_days: u32,
    pub min_interval_source: &'a str,
    pub suggested_max_step_percent: f64,
    pub suggested_step_source: &'a str,
    /// The largest cut a step may make without a recorded reason, in percent of the dose.
    pub max_step_percent: f64,
    pub max_step_source: &'a str,
    /// See `PercentPolicy::max_held_step_percent`.
    pub max_held_step_percent: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinalStepPolicy {
    pub max_occupancy_drop_pp: f64,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinalDosePolicy {
    pub fraction_of_start: f64,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlausibilityPolicy {
    pub low_fraction_of_smallest_product: f64,
    pub refuse_above_multiple_of_max: f64,
    pub source: String,
}

impl Policy {
    /// The percentage pace of `class`, or `None` for antidepressants (planned under
    /// `[antidepressant]`, by occupancy where a model exists).
    pub fn percent_pace(&self, class: DrugClass) -> Option<PercentPace<'_>> {
        match class {
            DrugClass::Benzodiazepine => Some(self.benzodiazepine.pace()),
            DrugClass::ZDrug => Some(self.z_drug.pace()),
            DrugClass::Gabapentinoid => Some(self.gabapentinoid.pace()),
            DrugClass::Antipsychotic => Some(self.antipsychotic.pace()),
            _ => None,
        }
    }

    fn cited(&self) -> [&str; 20] {
        [
            &self.antidepressant.suggested_interval_source,
            &self.antidepressant.min_interval_source,
            &self.antidepressant.suggested_step_source,
            &self.antidepressant.max_step_source,
            &self.step_cap.max_cut_source,
            &self.step_cap.snri_source,
            &self.benzodiazepine.min_interval_source,
            &self.benzodiazepine.max_step_source,
            &self.benzodiazepine.final_step_source,
            &self.z_drug.min_interval_source,
            &self.z_drug.suggested_step_source,
            &self.z_drug.max_step_source,
            &self.gabapentinoid.min_interval_source,
            &self.gabapentinoid.suggested_step_source,
            &self.gabapentinoid.max_step_source,
            &self.antipsychotic.min_interval_source,
            &self.antipsychotic.suggested_step_source,
            &self.antipsychotic.max_step_source,
            &self.final_step.source,
            &self.final_dose.source,
        ]
    }

    /// Checks that the limits make sense together (a suggested pace inside the hard one, fractions
    /// inside (0, 1)), so a slip in `policy.toml` is a load error rather than a silent loosening.
    fn validate(&self) -> Result<(), String> {
        let a = &self.antidepressant;
        let fraction = |v: f64| v > 0.0 && v < 1.0;
        let ok = a.min_interval_days >= 1
            && a.suggested_min_interval_days >= a.min_interval_days
            && a.default_interval_days >= a.suggested_min_interval_days
            && a.suggested_max_step_percentage_points <= a.max_step_percentage_points
            && a.suggested_max_step_percent <= a.max_step_percent
            && a.max_step_percent < 100.0 * self.step_cap.max_cut_fraction + 1e-9
            && fraction(self.step_cap.max_cut_fraction)
            && self.step_cap.snri_max_cut_fraction <= self.step_cap.max_cut_fraction
            && fraction(self.step_cap.snri_max_cut_fraction)
            && self.benzodiazepine.suggested_max_step_percent <= self.benzodiazepine.max_percent_per_two_weeks
            && self.benzodiazepine.default_interval_days >= self.benzodiazepine.min_interval_days
            && self.z_drug.consistent(self.step_cap.max_cut_fraction)
            && self.gabapentinoid.consistent(self.step_cap.max_cut_fraction)
            && self.antipsychotic.consistent(self.step_cap.max_cut_fraction)
            && self.final_step.max_occupancy_drop_pp > 0.0
            && fraction(self.final_dose.fraction_of_start)
            && fraction(self.plausibility.low_fraction_of_smallest_product)
            && self.plausibility.refuse_above_multiple_of_max > 1.0;
        if ok { Ok(()) } else { Err("limits contradict each other (see the comments in policy.toml)".into()) }
    }
}

/// Everything the planner knows: drugs with their products, the sources they cite, the policy.
#[derive(Debug, Clone)]
pub struct Catalogue {
    drugs: Vec<Drug>,
    sources: BTreeMap<String, Source>,
    pub policy: Policy,
}

/// The part of a citation before the first full stop or colon that ends a phrase (followed by a
/// space, outside brackets), e.g. "ASAM Joint Clinical Practice Guideline". A decimal point
/// ("0.5 mg/5 mL") or a bracketed "rev. 2024" is not a full stop (walk-through N16: "Clonazepam 0").
pub fn short_citation(citation: &str) -> String {
    let mut depth = 0_i32;
    let mut chars = citation.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            '.' | ':' if depth <= 0 && chars.peek().is_none_or(|(_, next)| next.is_whitespace()) => {
                return citation[..i].trim().to_string();
            }
            _ => {}
        }
    }
    citation.trim().to_string()
}

impl Catalogue {
    /// The short citation of the source under `key`, or the key when it is unknown.
    pub fn cite(&self, key: &str) -> String {
        self.source(key).map_or_else(|| key.to_string(), |s| short_citation(&s.citation))
    }

    /// The catalogue compiled into the program. Its files are checked by the test-suite, so a
    /// failure here is a build defect, reported rather than panicking.
    pub fn builtin() -> Result<Catalogue, CatalogueError> {
        Catalogue::from_texts(BUILTIN_FILES, SOURCES, POLICY)
    }

    /// Builds a catalogue from file texts: `(file name, TOML)` per drug, the sources and the policy.
    pub fn from_texts(files: &[(&str, &str)], sources: &str, policy: &str) -> Result<Catalogue, CatalogueError> {
        let sources: BTreeMap<String, Source> = toml::from_str(sources)
            .map_err(|e| CatalogueError { file: "sources.toml".into(), message: e.to_string() })?;
        let policy: Policy = toml::from_str(policy)
            .map_err(|e| CatalogueError { file: "policy.toml".into(), message: e.to_string() })?;
        let mut drugs = Vec::new();
        for (file, text) in files {
            let err = |message: String| CatalogueError { file: (*file).to_string(), message };
            let record: DrugRecord = toml::from_str(text).map_err(|e| err(e.to_string()))?;
            let drug = build_drug(record, &sources).map_err(err)?;
            if drugs.iter().any(|d: &Drug| d.id == drug.id) {
                return Err(CatalogueError {
                    file: (*file).to_string(),
                    message: format!("drug '{}' defined twice", drug.id),
                });
            }
            drugs.push(drug);
        }
        policy.validate().map_err(|message| CatalogueError { file: "policy.toml".into(), message })?;
        for cited in policy.cited() {
            if !sources.contains_key(cited) {
                return Err(CatalogueError {
                    file: "policy.toml".into(),
                    message: format!("unknown source '{cited}'"),
                });
            }
        }
        let mut product_ids = std::collections::BTreeSet::new();
        for p in drugs.iter().flat_map(|d| &d.products) {
            if !product_ids.insert(p.id.clone()) {
                return Err(CatalogueError {
                    file: format!("{}.toml", p.drug),
                    message: format!("product id '{}' is used twice", p.id),
                });
            }
        }
        drugs.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Catalogue { drugs, sources, policy })
    }

    pub fn drugs(&self) -> &[Drug] {
        &self.drugs
    }

    /// A drug by id, name or brand name (any case): `sertraline`, `Zoloft`, `lustral`.
    pub fn drug(&self, id: &str) -> Option<&Drug> {
        let id = id.trim().to_ascii_lowercase();
        self.drugs.iter().find(|d| {
            d.id == id || d.name.eq_ignore_ascii_case(&id) || d.brands.iter().any(|b| b.eq_ignore_ascii_case(&id))
        })
    }

    /// Looks a drug up, or explains which names exist and which are nearest.
    pub fn find_drug(&self, field: &str, id: &str) -> Result<&Drug, crate::error::InputError> {
        self.drug(id).ok_or_else(|| {
            let near = nearest(
                id,
                self.drugs
                    .iter()
                    .map(|d| d.id.as_str())
                    .chain(self.drugs.iter().flat_map(|d| d.brands.iter().map(String::as_str))),
            );
            let hint = if near.is_empty() { String::new() } else { format!("did you mean {}? ", near.join(" or ")) };
            crate::error::InputError::new(
                field,
                id,
                format!(
                    "no such drug in the catalogue; {hint}known drugs: {}",
                    self.drugs.iter().map(|d| d.id.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )
        })
    }

    pub fn product(&self, id: &str) -> Option<&Product> {
        self.drugs.iter().flat_map(|d| &d.products).find(|p| p.id == id)
    }

    /// For a benzodiazepine or a z-drug with an Ashton equivalent, the largest dose from which
    /// the step to zero may be taken: `policy.benzodiazepine.final_step_diazepam_equivalent_mg`
    /// converted with the Ashton table. `None` for other drugs (eszopiclone, which no table
    /// converts, stops by `[final_dose]`).
    pub fn final_step_cap_mg(&self, drug: &Drug) -> Option<f64> {
        if !drug.class.is_bzra() {
            return None;
        }
        drug.from_diazepam_mg(self.policy.benzodiazepine.final_step_diazepam_equivalent_mg, EquivalenceScheme::Ashton)
    }

    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.get(id)
    }

    pub fn sources(&self) -> impl Iterator<Item = (&str, &Source)> {
        self.sources.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// Up to three names within a small edit distance of `input`, nearest first.
pub fn nearest<'a>(input: &str, names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let input = input.to_ascii_lowercase();
    let mut scored: Vec<(usize, &str)> = names
        .map(|n| (strsim::levenshtein(&input, n), n))
        .filter(|(d, n)| *d <= (n.len() / 3).max(2) || n.starts_with(&input) && input.len() >= 3)
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, n)| n.to_string()).collect()
}

fn build_drug(record: DrugRecord, sources: &BTreeMap<String, Source>) -> Result<Drug, String> {
    if record.id.is_empty() || !record.id.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
        return Err(format!("drug id '{}' must be lowercase letters and '-'", record.id));
    }
    check_occupancy(&record, sources)?;
    check_doses_and_timing(&record, sources)?;
    check_half_lives(&record.half_life, sources)?;
    check_diazepam_equivalents(&record, sources)?;
    if let Some(d) = &record.divided {
        cited(sources, &d.source, "divided")?;
        if !(2..=4).contains(&d.doses_a_day) {
            return Err(format!("divided: doses_a_day {} must be from 2 to 4", d.doses_a_day));
        }
    }
    if let Some(b) = &record.bedtime {
        cited(sources, &b.source, "bedtime")?;
        if record.divided.is_some() {
            return Err("a drug taken once at bedtime cannot also have its day divided".into());
        }
    }
    if let Some(s) = &record.gradual_stop_source {
        cited(sources, s, "gradual_stop_source")?;
    }
    if let Some(r) = &record.release_pairing {
        cited(sources, &r.source, "release_pairing")?;
    }
    let mut products = Vec::new();
    for p in record.products {
        let mut product = build_product(p, &record.id, sources)?;
        if product.daily_doses.is_none() && !product.is_modified_release() {
            product.daily_doses = record.divided.as_ref().map(|d| d.doses_a_day);
        }
        products.push(product);
    }
    name_immediate_release(&mut products);
    Ok(Drug {
        id: record.id,
        name: record.name,
        class: record.class,
        target: record.target,
        usual_min_dose_mg: record.usual_min_dose_mg,
        max_dose_mg: record.max_dose_mg,
        max_dose_source: record.max_dose_source,
        brands: record.brands,
        tmax_hours: record.tmax_hours,
        about: record.about,
        occupancy: record.occupancy,
        half_life: record.half_life,
        diazepam_equivalents: record.diazepam_equivalent,
        single_dose: record.single_dose,
        divided: record.divided,
        bedtime: record.bedtime,
        release_pairing: record.release_pairing,
        gradual_stop_source: record.gradual_stop_source,
        products,
    })
}

/// `s` is a key of `sources`, or an error saying which figure (`what`) cites it.
fn cited(sources: &BTreeMap<String, Source>, s: &str, what: &str) -> Result<(), String> {
    if sources.contains_key(s) { Ok(()) } else { Err(format!("{what} cites unknown source '{s}'")) }
}

/// Every fit cited and possible; exactly one marked default when there are any.
fn check_occupancy(record: &DrugRecord, sources: &BTreeMap<String, Source>) -> Result<(), String> {
    for fit in &record.occupancy {
        cited(sources, &fit.source, &format!("occupancy fit for {}", fit.region))?;
        if !(fit.emax_percent > 0.0 && fit.emax_percent < 200.0 && fit.ed50_mg > 0.0) {
            return Err(format!("occupancy fit for {} has an impossible Emax or ED50", fit.region));
        }
    }
    if !record.occupancy.is_empty() && record.occupancy.iter().filter(|f| f.default).count() != 1 {
        return Err("exactly one occupancy fit must be marked default".into());
    }
    Ok(())
}

/// The usual and maximum doses, time to peak and brands: each cited, each plausible.
fn check_doses_and_timing(record: &DrugRecord, sources: &BTreeMap<String, Source>) -> Result<(), String> {
    if record.usual_min_dose_mg.is_some() {
        match &record.usual_min_dose_source {
            Some(s) => cited(sources, s, "usual_min_dose_mg")?,
            None => return Err("usual_min_dose_mg needs usual_min_dose_source".into()),
        }
    }
    cited(sources, &record.max_dose_source, "max_dose_mg")?;
    match (&record.tmax_source, record.tmax_hours) {
        (Some(s), Some(t)) if t > 0.0 && t <= 48.0 => cited(sources, s, "tmax_hours")?,
        (None, None) => {}
        _ => return Err("tmax_hours must be from 0 to 48 h and needs tmax_source".into()),
    }
    match (&record.brands_source, record.brands.is_empty()) {
        (Some(s), _) => cited(sources, s, "brands")?,
        (None, false) => return Err("brands needs brands_source".into()),
        (None, true) => {}
    }
    if !(record.max_dose_mg > 0.0 && record.max_dose_mg <= crate::units::ABSURD_DOSE_MG)
        || record.usual_min_dose_mg.is_some_and(|u| u > record.max_dose_mg)
    {
        return Err(format!(
            "max_dose_mg {} must be positive, at most {} and not below usual_min_dose_mg",
            record.max_dose_mg,
            crate::units::ABSURD_DOSE_MG
        ));
    }
    Ok(())
}

/// An immediate-release tablet or capsule with the strength of an extended-release unit of the
/// same drug is named "immediate-release" everywhere it is named (supply lists, notes): a re-run
/// read "42 × 37.5 mg tablet" beside a 37.5 mg extended-release tablet that must not be cut.
fn name_immediate_release(products: &mut [Product]) {
    let modified: Vec<f64> =
        products.iter().filter(|p| p.is_modified_release()).filter_map(Product::unit_strength_mg).collect();
    for p in products.iter_mut().filter(|p| !p.is_modified_release()) {
        let same = |mg: f64| modified.iter().any(|m| (m - mg).abs() < 1e-9);
        match &mut p.form {
            Form::Tablet { strength_mg, kind: kind @ None, .. } if same(*strength_mg) => {
                *kind = Some("immediate-release tablet".into());
            }
            Form::Capsule { strength_mg, kind: kind @ None, .. } if same(*strength_mg) => {
                *kind = Some("immediate-release capsule".into());
            }
            _ => {}
        }
    }
}

fn check_half_lives(hl: &HalfLife, sources: &BTreeMap<String, Source>) -> Result<(), String> {
    cited(sources, &hl.parent.source, "half_life.parent")?;
    check_range(hl.parent.low_hours, hl.parent.high_hours, hl.parent.typical_hours, "half_life.parent")?;
    for m in &hl.metabolites {
        cited(sources, &m.source, &format!("metabolite {}", m.name))?;
        check_range(m.low_hours, m.high_hours, m.typical_hours, &m.name)?;
        if let Some(peak) = &m.peak {
            cited(sources, &peak.source, &format!("metabolite {} peak", m.name))?;
            // Formed from the parent, it cannot peak before it; `pk::presystemic_share` fits the
            // pair (a core test checks every catalogued pair has a fit).
            if !(peak.parent_hours > 0.0 && peak.hours > peak.parent_hours && peak.hours <= 48.0) {
                return Err(format!(
                    "metabolite {}: peak hours {} must come after the parent's {} and within 48 h",
                    m.name, peak.hours, peak.parent_hours
                ));
            }
        }
    }
    Ok(())
}

/// Each equivalent cited and positive; a benzodiazepine has at least one.
fn check_diazepam_equivalents(record: &DrugRecord, sources: &BTreeMap<String, Source>) -> Result<(), String> {
    for e in &record.diazepam_equivalent {
        cited(sources, &e.source, "diazepam_equivalent")?;
        if e.mg.is_nan() || e.mg <= 0.0 {
            return Err("diazepam_equivalent mg must be positive".into());
        }
    }
    if record.class.is_benzodiazepine() && record.diazepam_equivalent.is_empty() {
        return Err("a benzodiazepine needs at least one diazepam_equivalent".into());
    }
    if let Some(d) = &record.single_dose {
        cited(sources, &d.source, "single_dose")?;
        if !(d.max_mg > 0.0 && d.max_mg <= record.max_dose_mg && (1..=6).contains(&d.doses_a_day)) {
            return Err(format!(
                "single_dose: max_mg {} must be positive and at most max_dose_mg {}; doses_a_day {} must be 1 to 6",
                d.max_mg, record.max_dose_mg, d.doses_a_day
            ));
        }
    }
    Ok(())
}

/// A product inside a drug's file: its figures cited, and naming no other drug.
fn build_product(p: ProductRecord, drug: &str, sources: &BTreeMap<String, Source>) -> Result<Product, String> {
    cited(sources, &p.source, &format!("product {}", p.id))?;
    if let Some(s) = &p.relative_exposure_source {
        cited(sources, s, &format!("product {} relative_exposure", p.id))?;
    }
    if let Some(s) = &p.tmax_source {
        cited(sources, s, &format!("product {} tmax_hours", p.id))?;
    }
    if let Some(d) = &p.drug
        && d != drug
    {
        return Err(format!("product {} names drug '{d}' inside {drug}", p.id));
    }
    p.into_product(drug)
}

fn check_range(low: f64, high: f64, typical: Option<f64>, what: &str) -> Result<(), String> {
    if !(low > 0.0 && high >= low) {
        return Err(format!("{what}: half-life range {low}–{high} h is not valid"));
    }
    if let Some(t) = typical
        && !(low..=high).contains(&t)
    {
        return Err(format!("{what}: typical half-life {t} h lies outside {low}–{high} h"));
    }
    Ok(())
}

/// A person's own products, from a local TOML file with `[[products]]` entries naming their drug.
pub fn parse_user_products(file: &str, text: &str) -> Result<Vec<Product>, CatalogueError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        products: Vec<ProductRecord>,
    }
    let err = |message: String| CatalogueError { file: file.to_string(), message };
    let parsed: File = toml::from_str(text).map_err(|e| err(e.to_string()))?;
    parsed
        .products
        .into_iter()
        .map(|record| {
            let drug = record.drug.clone().ok_or_else(|| err(format!("product {} needs a 'drug'", record.id)))?;
            record.into_product(&drug).map_err(err)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> Catalogue {
        Catalogue::builtin().expect("built-in catalogue is valid")
    }

    #[test]
    fn a_short_citation_ends_at_a_full_stop_not_a_decimal_point() {
        assert_eq!(
            short_citation("Clonazepam 0.5 mg/5 mL oral solution (UK SmPC). More."),
            "Clonazepam 0.5 mg/5 mL oral solution (UK SmPC)"
        );
        assert_eq!(
            short_citation("ASAM Joint Clinical Practice Guideline on Benzodiazepine Tapering, 2025. J Gen"),
            "ASAM Joint Clinical Practice Guideline on Benzodiazepine Tapering, 2025"
        );
        assert_eq!(
            short_citation("Valium, US information (rev. August 2024): boxed warning"),
            "Valium, US information (rev. August 2024)"
        );
        assert_eq!(short_citation("No stop at all"), "No stop at all");
    }

    /// Walk-through N12: "0.25 mg tablet (US)" appeared twice on the alprazolam form, once for
    /// the orally disintegrating tablet; nothing told them apart, for sight or a screen reader.
    #[test]
    fn every_product_of_a_drug_reads_differently() {
        let c = Catalogue::builtin().unwrap();
        let mut same = Vec::new();
        for d in c.drugs() {
            let mut seen = std::collections::BTreeMap::new();
            for p in &d.products {
                let shown = format!("{} ({})", p.describe(), p.markets.join(", "));
                if let Some(other) = seen.insert(shown.clone(), p.id.clone()) {
                    same.push(format!("{other} and {} both read '{shown}'", p.id));
                }
            }
        }
        assert!(same.is_empty(), "{same:#?}");
        assert_eq!(c.product("alprazolam-odt-0.25mg").unwrap().describe(), "0.25 mg orally disintegrating tablet");
    }

    #[test]
    fn builtin_catalogue_has_every_seed_drug() {
        let c = builtin();
        for id in [
            "citalopram",
            "escitalopram",
            "sertraline",
            "paroxetine",
            "fluoxetine",
            "venlafaxine",
            "duloxetine",
            "desvenlafaxine",
            "vortioxetine",
            "trazodone",
            "amitriptyline",
            "nortriptyline",
            "alprazolam",
            "clonazepam",
            "lorazepam",
            "diazepam",
            "temazepam",
            "mirtazapine",
            "oxazepam",
            "chlordiazepoxide",
        ] {
            let drug = c.drug(id).unwrap_or_else(|| panic!("{id} missing"));
            assert!(!drug.products.is_empty(), "{id} has no products");
        }
    }

    #[test]
    fn every_cited_source_exists() {
        let c = builtin();
        for d in c.drugs() {
            for p in &d.products {
                assert!(c.source(&p.source).is_some(), "{} cites {}", p.id, p.source);
            }
        }
        // The rules in code that name their sources by key.
        for k in crate::regimen::SOURCES {
            assert!(c.source(k).is_some(), "regimen cites {k}");
        }
    }

    #[test]
    fn equivalence_tables_differ_and_both_are_kept() {
        // ASAM 2025 Table 7 (pharmacology notes §8 case 8).
        let c = builtin();
        let alp = c.drug("alprazolam").unwrap();
        assert!((alp.to_diazepam_mg(1.5, EquivalenceScheme::Ashton).unwrap() - 30.0).abs() < 1e-9);
        assert!((alp.to_diazepam_mg(1.5, EquivalenceScheme::VaDod).unwrap() - 15.0).abs() < 1e-9);
        let clon = c.drug("clonazepam").unwrap();
        assert!((clon.to_diazepam_mg(1.0, EquivalenceScheme::Ashton).unwrap() - 20.0).abs() < 1e-9);
        let lor = c.drug("lorazepam").unwrap();
        assert!((lor.to_diazepam_mg(3.0, EquivalenceScheme::Ashton).unwrap() - 30.0).abs() < 1e-9);
        let tem = c.drug("temazepam").unwrap();
        assert!((tem.to_diazepam_mg(20.0, EquivalenceScheme::Ashton).unwrap() - 10.0).abs() < 1e-9);
    }

    #[test]
    fn brand_names_find_their_drug() {
        let c = builtin();
        for (brand, id) in [
            ("Zoloft", "sertraline"),
            ("lustral", "sertraline"),
            ("Cipramil", "citalopram"),
            ("KLONOPIN", "clonazepam"),
            ("Rivotril", "clonazepam"),
            ("Xanax", "alprazolam"),
            ("Effexor XR", "venlafaxine"),
        ] {
            assert_eq!(c.drug(brand).map(|d| d.id.as_str()), Some(id), "{brand}");
        }
        assert!(c.find_drug("drug", "Zolof").unwrap_err().message.contains("did you mean"));
    }

    #[test]
    fn an_immediate_release_unit_beside_an_extended_release_one_of_its_strength_is_named_so() {
        let c = builtin();
        let name = |id: &str| c.product(id).unwrap().describe();
        assert_eq!(name("venlafaxine-tab-37.5mg"), "37.5 mg immediate-release tablet");
        assert_eq!(name("venlafaxine-er-tab-37.5mg"), "37.5 mg extended-release tablet");
        // No extended-release 25 mg unit: plain.
        assert_eq!(name("venlafaxine-tab-25mg"), "25 mg tablet");
        assert_eq!(name("sertraline-tab-50mg"), "50 mg tablet");
    }

    #[test]
    fn unknown_drug_suggests_nearest() {
        let c = builtin();
        let err = c.find_drug("drug", "citalopam").unwrap_err();
        assert!(err.message.contains("did you mean citalopram"), "{}", err.message);
    }

    #[test]
    fn bad_files_are_refused_with_the_file_named() {
        let bad = "id = \"x\"\nname = \"X\"\nclass = \"ssri\"\ntarget = \"t\"\nmax_dose_mg = 40\nmax_dose_source = \"label_maxima\"\nabout = \"a\"\n[half_life]\nparent = { low_hours = 5, high_hours = 4, source = \"asam2025\" }\n";
        let err = Catalogue::from_texts(&[("x.toml", bad)], SOURCES, POLICY).unwrap_err();
        assert_eq!(err.file, "x.toml");
        assert!(err.message.contains("not valid"), "{}", err.message);
        let uncited = "id = \"x\"\nname = \"X\"\nclass = \"ssri\"\ntarget = \"t\"\nmax_dose_mg = 40\nmax_dose_source = \"label_maxima\"\nabout = \"a\"\n[half_life]\nparent = { low_hours = 5, high_hours = 6, source = \"nowhere\" }\n";
        let err = Catalogue::from_texts(&[("x.toml", uncited)], SOURCES, POLICY).unwrap_err();
        assert!(err.message.contains("unknown source 'nowhere'"), "{}", err.message);
        let no_max = "id = \"x\"\nname = \"X\"\nclass = \"ssri\"\ntarget = \"t\"\nabout = \"a\"\n[half_life]\nparent = { low_hours = 5, high_hours = 6, source = \"asam2025\" }\n";
        let err = Catalogue::from_texts(&[("x.toml", no_max)], SOURCES, POLICY).unwrap_err();
        assert!(err.message.contains("max_dose_mg"), "{}", err.message);
        // A metabolite peak no share of first-pass formation can give: before the parent's.
        let too_early = "id = \"x\"\nname = \"X\"\nclass = \"ssri\"\ntarget = \"t\"\nmax_dose_mg = 40\nmax_dose_source = \"label_maxima\"\nabout = \"a\"\n[half_life]\nparent = { low_hours = 5, high_hours = 5, source = \"asam2025\" }\n[[half_life.metabolites]]\nname = \"M\"\nlow_hours = 11\nhigh_hours = 11\nactive = true\nsource = \"asam2025\"\npeak = { hours = 3, parent_hours = 5.5, source = \"effexor_xr_peaks\" }\n";
        let err = Catalogue::from_texts(&[("x.toml", too_early)], SOURCES, POLICY).unwrap_err();
        assert!(err.message.contains("metabolite M: peak hours 3 must come after"), "{}", err.message);
        let fits = too_early.replace("hours = 3,", "hours = 9,");
        assert!(Catalogue::from_texts(&[("x.toml", &fits)], SOURCES, POLICY).is_ok());
    }

    #[test]
    fn a_policy_that_loosens_itself_is_refused() {
        // A suggested step above the hard limit, and a proportional limit above the mg cap.
        for (from, to) in [
            ("suggested_max_step_percentage_points = 10", "suggested_max_step_percentage_points = 30"),
            ("max_step_percent = 25", "max_step_percent = 60"),
            (
                "min_interval_days = 14\nmin_interval_source = \"nice_ng222\"",
                "min_interval_days = 0\nmin_interval_source = \"nice_ng222\"",
            ),
        ] {
            assert!(POLICY.contains(from), "{from}");
            let loose = POLICY.replacen(from, to, 1);
            let err = Catalogue::from_texts(BUILTIN_FILES, SOURCES, &loose).unwrap_err();
            assert_eq!(err.file, "policy.toml");
            assert!(err.message.contains("contradict"), "{}", err.message);
        }
    }

    #[test]
    fn user_products_parse() {
        let text = "[[products]]\nid = \"my-citalopram-1mg-ml\"\ndrug = \"citalopram\"\nform = \"liquid\"\nmg_per_ml = 1\nsource = \"taper_policy\"\n";
        let products = parse_user_products("mine.toml", text).unwrap();
        assert_eq!(products[0].drug, "citalopram");
        assert!(matches!(products[0].form, Form::Liquid { mg_per_ml, .. } if mg_per_ml == 1.0));
        let missing = "[[products]]\nid = \"x\"\nform = \"tablet\"\nsource = \"s\"\n";
        assert!(parse_user_products("mine.toml", missing).unwrap_err().message.contains("needs a 'drug'"));
    }
}
