//! Turns a target dose into something a person can measure out with what they have.
//!
//! A preparation is at most a few whole or cut tablets/capsules ("coarse" pieces) plus at most one
//! "fine" source measured in small quanta: a liquid by syringe (diluted if the syringe is too
//! coarse), drops, counted beads, weighed capsule powder, or a compounded dose. Among preparations
//! inside the allowed window the solver takes the simplest one whose error is within tolerance,
//! else the nearest. It never looks outside the window the planner gives it, so it cannot round a
//! step up past the previous dose or down past the step limit.

use crate::catalogue::{CapsuleContents, Form, Product};
use crate::units::{DoseTime, DoseTimes, trim_number as n};

/// What the person measures with.
#[derive(Debug, Clone, PartialEq)]
pub struct Equipment {
    /// Halves, quarters and three-quarters of immediate-release tablets with a tablet cutter.
    pub cutter: bool,
    /// The smallest volume the oral syringe marks, in mL.
    pub syringe_ml: f64,
    /// The largest volume measured in one go, in mL.
    pub syringe_max_ml: f64,
    /// Readability of a scale in mg of powder, if the person weighs capsule contents.
    pub scale_mg: Option<f64>,
}

impl Default for Equipment {
    fn default() -> Self {
        Self { cutter: false, syringe_ml: 0.1, syringe_max_ml: 10.0, scale_mg: None }
    }
}

/// A product the person has, with what they measured about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Stock {
    pub product: Product,
    /// Average beads per capsule, counted over several capsules.
    pub beads_per_capsule: Option<u32>,
    /// Weight of one capsule's contents in mg, for weighing with a scale.
    pub fill_weight_mg: Option<f64>,
}

impl Stock {
    pub fn new(product: Product) -> Self {
        Self { product, beads_per_capsule: None, fill_weight_mg: None }
    }
}

/// Everything available to prepare doses.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Kit {
    pub stocks: Vec<Stock>,
    pub equipment: Equipment,
}

/// What a person says they have and can do, before it is checked: the products, a compounding
/// pharmacy's precision, beads counted per capsule, capsule contents weighed with a scale. One
/// builder for the command line and the web form, so both refuse the same things in the same words.
#[derive(Debug, Clone, Default)]
pub struct KitSpec {
    pub products: Vec<Product>,
    pub cutter: bool,
    pub syringe_ml: f64,
    pub scale_mg: Option<f64>,
    pub compounded_mg: Option<f64>,
    /// The precision of tapering strips the pharmacy supplies, if any.
    pub strips_mg: Option<f64>,
    /// (product id, beads counted per capsule).
    pub beads: Vec<(String, u32)>,
    /// (product id, weight of one capsule's contents in mg).
    pub fills: Vec<(String, f64)>,
}

/// Distinct products one plan may use: every catalogue drug has fewer, and the solver's search
/// grows with their number, so more are refused rather than searched.
pub const MAX_PRODUCTS: usize = 20;

/// The fewest and most beads per capsule Taper accepts as a count.
pub const BEADS_PER_CAPSULE: std::ops::RangeInclusive<u32> = 2..=5000;

impl KitSpec {
    /// Checks the spec against the drug and builds the kit. Errors name the field (`have`,
    /// `beads`, `fill`, `scale`, `compounded`) and say what is allowed.
    pub fn build(self, drug: &crate::catalogue::Drug) -> Result<Kit, crate::error::InputError> {
        use crate::error::InputError;
        let mut stocks: Vec<Stock> = Vec::new();
        for p in self.products {
            if p.drug != drug.id {
                let msg = format!("this product is {}, not {}", p.drug, drug.id);
                return Err(InputError::new("have", &p.id, msg));
            }
            if stocks.iter().any(|s| s.product.id == p.id) {
                return Err(InputError::new("have", &p.id, "is given twice; name each product once"));
            }
            stocks.push(Stock::new(p));
        }
        if let Some(precision) = self.compounded_mg {
            if !(precision.is_finite() && precision > 0.0 && precision <= crate::units::ABSURD_DOSE_MG) {
                return Err(InputError::new("compounded", n(precision), "the precision must be a dose above 0 mg"));
            }
            stocks.push(Stock::new(Product::compounded(&drug.id, precision)));
        }
        if let Some(precision) = self.strips_mg {
            if !(precision.is_finite() && precision > 0.0 && precision <= crate::units::ABSURD_DOSE_MG) {
                return Err(InputError::new("strips", n(precision), "the precision must be a dose above 0 mg"));
            }
            stocks.push(Stock::new(Product::strip(&drug.id, precision)));
        }
        for (id, count) in self.beads {
            if !BEADS_PER_CAPSULE.contains(&count) {
                let msg = format!(
                    "the count must be a whole number from {} to {}",
                    BEADS_PER_CAPSULE.start(),
                    BEADS_PER_CAPSULE.end()
                );
                return Err(InputError::new("beads", format!("{id}={count}"), msg));
            }
            capsule(&mut stocks, "beads", &id)?.beads_per_capsule = Some(count);
        }
        for (id, weight) in self.fills {
            if self.scale_mg.is_none() {
                return Err(InputError::new(
                    "fill",
                    format!("{id}={}", n(weight)),
                    "weighing needs the scale's readability",
                ));
            }
            if !(weight.is_finite() && weight > 0.0) {
                return Err(InputError::new("fill", format!("{id}={}", n(weight)), "the weight must be above 0 mg"));
            }
            capsule(&mut stocks, "fill", &id)?.fill_weight_mg = Some(weight);
        }
        if stocks.len() > MAX_PRODUCTS {
            let msg = format!("{} products; at most {}", stocks.len(), MAX_PRODUCTS);
            return Err(InputError::new("have", "", msg));
        }
        let equipment = Equipment {
            cutter: self.cutter,
            syringe_ml: self.syringe_ml,
            scale_mg: self.scale_mg,
            ..Equipment::default()
        };
        Ok(Kit { stocks, equipment })
    }
}

/// The stock of a capsule product the person has, for a field that only applies to capsules.
fn capsule<'a>(stocks: &'a mut [Stock], field: &str, id: &str) -> Result<&'a mut Stock, crate::error::InputError> {
    let stock = stocks
        .iter_mut()
        .find(|s| s.product.id == id)
        .ok_or_else(|| crate::error::InputError::new(field, id, "is not among the products you have"))?;
    if !matches!(stock.product.form, Form::Capsule { .. }) {
        return Err(crate::error::InputError::new(field, id, "is not a capsule"));
    }
    Ok(stock)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Tablet,
    Capsule,
    Ml,
    Drop,
    Bead,
    /// mg of capsule powder on a scale.
    PowderMg,
    /// mg of drug in a compounded preparation.
    Mg,
}

impl Preparation {
    /// Whether every item is measured from a liquid (and there is at least one).
    pub fn is_liquid_alone(&self) -> bool {
        !self.items.is_empty() && self.items.iter().all(|i| i.unit.is_liquid())
    }
}

impl Unit {
    /// Measured from a liquid: drawn up in mL or counted in drops.
    pub fn is_liquid(self) -> bool {
        matches!(self, Unit::Ml | Unit::Drop)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Tablet => "tablet",
            Unit::Capsule => "capsule",
            Unit::Ml => "mL",
            Unit::Drop => "drop",
            Unit::Bead => "bead",
            Unit::PowderMg => "mg-powder",
            Unit::Mg => "mg",
        }
    }
}

/// How to make a weaker liquid when the syringe cannot measure the stock finely enough.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dilution {
    pub stock_ml: f64,
    pub water_ml: f64,
    pub mg_per_ml: f64,
}

impl Dilution {
    /// How the dilution is named wherever a dose is drawn from it: its ratio first, then its
    /// strength ("the 1 in 200 dilution (0.0375 mg/mL)"). A walk found "the 0.375 mg/mL
    /// dilution" and, a step later, "the 0.0375 mg/mL dilution": one zero apart, a tenfold dose
    /// if the two are confused by someone tired.
    pub fn name(&self) -> String {
        format!("{} dilution ({} mg/mL)", self.ratio(), n(self.mg_per_ml))
    }

    /// "1 in 20": stock and water together, per part of stock.
    pub fn ratio(&self) -> String {
        format!("1 in {}", n(((self.stock_ml + self.water_ml) / self.stock_ml).round()))
    }
}

/// How much of one product a run of days uses up (clinical review minor 17: say how much stock a
/// month needs).
#[derive(Debug, Clone, PartialEq)]
pub struct StockNeed {
    pub product_id: String,
    pub amount: f64,
    pub unit: Unit,
    /// On how many days the product is used.
    pub days: u32,
}

impl Preparation {
    /// What one day of this preparation uses up, per product: whole or cut units as counted, a
    /// liquid's measured volume — or, for a dilution made fresh, the stock put into it — drops,
    /// beads and milligrams as measured. Divided doses add up their parts.
    pub fn daily_use(&self) -> Vec<StockNeed> {
        let mut out: Vec<StockNeed> = Vec::new();
        let mut add = |product_id: &str, amount: f64, unit: Unit| match out
            .iter_mut()
            .find(|n| n.product_id == product_id && n.unit == unit)
        {
            Some(n) => n.amount += amount,
            None => out.push(StockNeed { product_id: product_id.to_string(), amount, unit, days: 1 }),
        };
        if self.parts.is_empty() {
            for item in &self.items {
                match &item.dilution {
                    Some(d) => add(&item.product_id, d.stock_ml, Unit::Ml),
                    None => add(&item.product_id, item.quantity, item.unit),
                }
            }
            return out;
        }
        // A day in parts makes each dilution once (review walk: it had counted one per part).
        for item in self.parts.iter().flat_map(|(_, p)| &p.items).filter(|i| i.dilution.is_none()) {
            add(&item.product_id, item.quantity, item.unit);
        }
        for d in self.day_dilutions() {
            // Made fresh before each dose where the label asks it: once per dose drawn from it.
            let made = if d.just_before { f64::from(d.draws) } else { 1.0 };
            add(&d.product_id, d.dilution.stock_ml * made, Unit::Ml);
        }
        out
    }

    /// The dilutions a day in parts makes, once each, each big enough for every part drawn from
    /// it.
    fn day_dilutions(&self) -> Vec<DayDilution> {
        // Per dilution: the total drawn in the day, and the largest single draw.
        let mut out: Vec<(DayDilution, f64, f64)> = Vec::new();
        for item in self.parts.iter().flat_map(|(_, p)| &p.items) {
            let (Some(d), Some(drawn)) = (&item.dilution, &item.drawn) else { continue };
            match out.iter_mut().find(|(x, ..)| x.product_id == item.product_id && x.dilution.mg_per_ml == d.mg_per_ml)
            {
                Some((x, total, most)) => {
                    x.draws += 1;
                    *total += item.quantity;
                    *most = most.max(item.quantity);
                }
                None => out.push((
                    DayDilution {
                        product_id: item.product_id.clone(),
                        product: drawn.stock.clone(),
                        dilution: *d,
                        just_before: drawn.just_before,
                        draws: 1,
                    },
                    item.quantity,
                    item.quantity,
                )),
            }
        }
        out.into_iter()
            .map(|(mut x, total_ml, most_ml)| {
                // Made fresh before each dose, a dilution need only hold the largest draw.
                let needed = if x.just_before { most_ml } else { total_ml };
                let made = x.dilution.stock_ml + x.dilution.water_ml;
                let times = if made > 0.0 { (needed / made - 1e-9).ceil().max(1.0) } else { 1.0 };
                x.dilution.stock_ml *= times;
                x.dilution.water_ml *= times;
                x
            })
            .collect()
    }
}

/// One dilution a day in parts makes.
struct DayDilution {
    product_id: String,
    product: String,
    dilution: Dilution,
    just_before: bool,
    /// How many of the day's doses are drawn from it.
    draws: u32,
}

impl Preparation {
    /// The ids of the products the dose uses, its parts' too (with repeats).
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        let parts = self.parts.iter().flat_map(|(_, p)| &p.items);
        self.items.iter().chain(parts).map(|i| i.product_id.as_str())
    }

    /// Where the whole dose is measured from products whose milligrams count differently from
    /// tablets (citalopram drops), the amount of those products taken: 20 mg of drops for a dose
    /// counted as 25 mg of tablets (walk-through round 4: the headline showed the 25). `None`
    /// when any part is tablets, or no product counts differently. `relative_exposure` looks a
    /// product up by id.
    pub fn as_taken_mg(&self, relative_exposure: impl Fn(&str) -> f64) -> Option<f64> {
        let preps: Vec<&Preparation> =
            if self.parts.is_empty() { vec![self] } else { self.parts.iter().map(|(_, p)| p).collect() };
        let items: Vec<&Item> = preps.iter().flat_map(|p| &p.items).collect();
        let differs = |i: &&Item| (relative_exposure(&i.product_id) - 1.0).abs() > 1e-9;
        if items.is_empty() || !items.iter().all(differs) {
            return None;
        }
        Some(items.iter().map(|i| i.mg / relative_exposure(&i.product_id)).sum())
    }
}

/// Adds `more` into `total`, product by product.
pub fn add_stock(total: &mut Vec<StockNeed>, more: &[StockNeed]) {
    for m in more {
        match total.iter_mut().find(|n| n.product_id == m.product_id && n.unit == m.unit) {
            Some(n) => {
                n.amount += m.amount;
                n.days += m.days;
            }
            None => total.push(m.clone()),
        }
    }
}

/// A day solved as its parts: its aim, where it must land, and its times and shares.
#[derive(Clone, Copy)]
struct DayAim<'a> {
    aim: f64,
    window: Window,
    tolerance: f64,
    times: &'a DoseTimes,
    shares: &'a [f64],
}

/// A day taken in parts, each its share of the day (`Solver::solve_scaled_parts`): the day's
/// aim, window and tolerance, the times and shares, the way each part was made the step before,
/// and whether a part may land short of its aim to keep that way (`Solver::solve_keeping`).
#[derive(Clone, Copy)]
pub struct ScaledDay<'a> {
    pub aim: f64,
    pub window: Window,
    pub tolerance: f64,
    pub times: &'a [DoseTime],
    pub shares: &'a [f64],
    pub likes: &'a [Preparation],
    pub keeping: bool,
}

/// One thing to measure out.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub product_id: String,
    pub quantity: f64,
    pub unit: Unit,
    /// The drug this item contributes.
    pub mg: f64,
    pub dilution: Option<Dilution>,
    pub text: String,
    /// For a diluted liquid: the product's name and the amount drawn ("3 mL (0.3 mg)"), so a
    /// day taken in parts makes its dilution once and draws each part from it.
    pub drawn: Option<Drawn>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Drawn {
    pub product: String,
    /// The product as the recipe names the millilitres of it mixed (`stock_words`).
    pub stock: String,
    pub amount: String,
    /// The label asks each dose to be mixed just before it is taken (`Product::mix_just_before`).
    pub just_before: bool,
}

/// A dose as it is actually prepared.
#[derive(Debug, Clone, PartialEq)]
pub struct Preparation {
    pub items: Vec<Item>,
    pub dose_mg: f64,
    /// Lower is simpler: counts pieces, cuts, dilution, counting and weighing.
    pub complexity: u32,
    /// Cautions about this way of preparing (e.g. opening a capsule whose label says not to) and
    /// the notes of the products it uses.
    pub notes: Vec<String>,
    /// How the fine part of the dose is measured, in words ("the oral drops 40 mg/mL, undiluted",
    /// "a 1 in 100 dilution of …"); empty for whole or cut units alone. A change between steps is
    /// announced and avoided where it saves nothing.
    pub method: String,
    /// The day's dose in parts, one per dose time (the label's division, or the times the
    /// person gave): (08:00, its preparation), …; the parts add up to `dose_mg`. Empty for one
    /// dose a day.
    pub parts: Parts,
}

/// A day's dose at its times: (08:00, its preparation), ….
pub type Parts = Vec<(DoseTime, Preparation)>;

impl Preparation {
    /// The day made as `parts`: their items, their sum, the way the last measured part is
    /// measured, and every part's notes once.
    pub fn of_parts(parts: Parts) -> Preparation {
        let method = parts.iter().rev().map(|(_, p)| p.method.clone()).find(|m| !m.is_empty()).unwrap_or_default();
        let mut notes: Vec<String> = Vec::new();
        for note in parts.iter().flat_map(|(_, p)| &p.notes) {
            if !notes.contains(note) {
                notes.push(note.clone());
            }
        }
        Preparation {
            items: parts.iter().flat_map(|(_, p)| p.items.clone()).collect(),
            dose_mg: parts.iter().map(|(_, p)| p.dose_mg).sum(),
            complexity: parts.iter().map(|(_, p)| p.complexity).sum(),
            notes,
            method,
            parts,
        }
    }

    /// A day taken in parts: each dilution made once, big enough for every part drawn from it,
    /// then each time with its own amount (clinical review W6; a recipe repeated per dose read
    /// as three dilutions a day).
    fn divided_instruction(&self) -> String {
        let (first, doses) = self.divided();
        let mut out = vec![format!("In {} doses.", self.parts.len())];
        out.extend(first.iter().cloned());
        // Each time with its own dose in mg (a walk: "1 × 2 mg tablet + 1 and a quarter 5 mg
        // tablets" left the 8.25 mg to be added up by the reader).
        out.extend(
            doses
                .iter()
                .zip(&self.parts)
                .map(|((when, text), (_, part))| format!("At {when}, {} mg: {text}.", n(part.dose_mg))),
        );
        out.join(" ")
    }

    /// For a day taken in parts: what to make first (each dilution, once), and each dose time
    /// with what to take then ("3 mL (0.3 mg) of the dilution"). Both empty for one dose a day.
    pub fn divided(&self) -> (Vec<String>, Vec<(DoseTime, String)>) {
        let first = self
            .day_dilutions()
            .iter()
            .map(|d| {
                if d.just_before {
                    format!(
                        "Before each dose, make a fresh {}: {}; draw that dose from it with the oral syringe at once, mix only that into a drink and drink it all, and throw the rest of the dilution away ({JUST_BEFORE}).",
                        d.dilution.name(),
                        recipe_text(&d.product, &d.dilution)
                    )
                } else {
                    format!(
                        "First make the day's {}: {}; each dose is drawn from it with the oral syringe, and what is left is thrown away at the end of the day.",
                        d.dilution.name(),
                        recipe_text(&d.product, &d.dilution)
                    )
                }
            })
            .collect();
        // Each draw names its dilution's strength: with two in a day, "of the dilution" could be
        // drawn from the stronger one (review walk: a possible tenfold dose).
        let doses = self
            .parts
            .iter()
            .map(|(when, p)| {
                let items: Vec<String> = p
                    .items
                    .iter()
                    .map(|i| match (&i.drawn, &i.dilution) {
                        (Some(drawn), Some(d)) => format!("{} of the {}", drawn.amount, d.name()),
                        _ => i.text.clone(),
                    })
                    .collect();
                (*when, items.join(" + "))
            })
            .collect();
        (first, doses)
    }

    /// An empty preparation: the step to zero, or a dose that cannot be made from the kit.
    pub fn none(dose_mg: f64) -> Preparation {
        Preparation {
            items: Vec::new(),
            dose_mg,
            complexity: 0,
            notes: Vec::new(),
            method: String::new(),
            parts: Vec::new(),
        }
    }

    /// The whole preparation, e.g. "1 × 50 mg tablet + 0.8 mL of the oral concentrate 20 mg/mL".
    /// A diluted liquid comes last, as its own sentences: how to make it, how much to draw up,
    /// and that the rest is thrown away.
    pub fn instruction(&self) -> String {
        // Nothing to prepare is "stop" only at zero; a dose the kit cannot make (today's, when
        // the products listed cannot make it) must never read as "stop".
        if self.items.is_empty() && self.dose_mg <= 0.0 {
            return "none (stop)".to_string();
        }
        if self.items.is_empty() {
            // Often a count of units, not an impossibility (clinical review minor 13: five 2 mg
            // tablets make 10 mg): the step's note says which.
            return format!("{} mg, prepared as you do today (not worked out here: see the notes)", n(self.dose_mg));
        }
        if !self.parts.is_empty() {
            return self.divided_instruction();
        }
        let (diluted, plain): (Vec<&Item>, Vec<&Item>) = self.items.iter().partition(|i| i.dilution.is_some());
        let plain = plain.iter().map(|i| i.text.as_str()).collect::<Vec<_>>().join(" + ");
        match (plain.is_empty(), diluted.first()) {
            (_, None) => plain,
            (true, Some(d)) => d.text.clone(),
            (false, Some(d)) => format!("{plain}, plus a measured dilution. {}", d.text),
        }
    }
}

/// The doses the planner allows for one step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub low: f64,
    pub high: f64,
    pub high_inclusive: bool,
}

impl Window {
    const EPS: f64 = 1e-9;
    /// Under an exclusive top (the dose before), a dose this close to it is no step: as the
    /// safety check reads it (165 mg of Lyrica CR counted at 1/1.1 came to 149.99999998 mg
    /// after 150 mg).
    const NOT_A_STEP: f64 = 1e-7;

    pub fn contains(&self, dose: f64) -> bool {
        let above = dose >= self.low - Self::EPS;
        let below =
            if self.high_inclusive { dose <= self.high + Self::EPS } else { dose < self.high - Self::NOT_A_STEP };
        above && below
    }
}

/// The solver's answer for one target.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub preparation: Preparation,
    /// Whether the error is within the tolerance the planner asked for.
    pub within_tolerance: bool,
    /// Why the dose lands where it does, when off its target by more than the tolerance: the
    /// note says so instead of "the nearest" where that would not be true.
    pub landing: Landing,
}

/// Which alternatives `Solver::alternatives` offers: none harder to prepare than `most_cost`,
/// and none mixing release forms unless `mixed_release`.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub most_cost: u32,
    pub mixed_release: bool,
}

/// Why a step's dose may be further from its target than the tolerance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Landing {
    /// The nearest dose the products make.
    #[default]
    Nearest,
    /// Made with the products and way of measuring of the step before (`Solver::solve_keeping`).
    KeptWay,
    /// A new way chosen because it makes this many steps after it too, where the nearest would
    /// need another change sooner (`Solver::alternatives`; clinical review minor 15).
    Lasting { steps: usize },
}

#[derive(Debug, Clone)]
struct Piece {
    stock: usize,
    /// 1, 0.5 or 0.25 of a unit.
    fraction: f64,
    mg: f64,
    cost: u32,
}

/// A fixed combination of whole and cut units.
#[derive(Debug, Clone)]
struct Coarse {
    mg: f64,
    /// Per stock: units (possibly fractional) used.
    counts: Vec<(usize, f64)>,
    cost: u32,
}

#[derive(Debug, Clone)]
enum FineKind {
    Syringe { dilution: Option<Dilution>, max_units: u32 },
    Drops { max_units: u32 },
    Beads { per_capsule: u32 },
    Weigh { fill_mg: f64, scale_mg: f64, max_units: u32 },
    Compounded,
    Strip,
}

#[derive(Debug, Clone)]
struct Fine {
    stock: usize,
    quantum: f64,
    kind: FineKind,
    cost: u32,
    max_mg: f64,
    /// How strong the liquid measured is (mg per mL, as counted), for a syringe or drops: a plan
    /// never goes back to a stronger one of the same product (clinical review D1).
    strength: Option<f64>,
}

/// Whole or cut tablets or capsules in one preparation, at most.
pub const MAX_PIECES: u32 = 4;
/// What changing the way a dose is measured costs, in the solver's units of effort (a cut tablet
/// costs 2, a dilution 3): a change must save more than a dilution's worth of work.
const METHOD_CHANGE_COST: u32 = 4;
/// Going back to a way of measuring the plan has left is a change the person has already made
/// once and must now undo: weighed as two changes more than a new way.
const WAY_LEFT_COST: u32 = 8;
/// How far from its target a step may land to keep to the products and way of measuring of the
/// step before: five times the planner's tolerance, or half the step asked. A step smaller than
/// asked is safe (the window keeps every step within the pace, and the next target comes from
/// the ideal curve, so the plan catches up); a new product or form each month is not (clinical
/// review minor 15). Ours.
const KEEP_PRODUCTS_TOLERANCE: f64 = 5.0;
const KEEP_PRODUCTS_STEP: f64 = 0.5;
/// How many new ways of making a step the planner weighs when a change is forced: enough for
/// each family of products (tablets, capsules, a liquid, their mixes), few enough to stay quick.
const MAX_ALTERNATIVES: usize = 12;
/// Which candidates `Solver::solve_among` considers: `like` the previous way of measuring (a
/// change costs [`METHOD_CHANGE_COST`]); `keep_strength` only liquids at the strength already
/// measured (or not yet measured); `fewest` the fewest syringe graduations a volume may be;
/// `only` these stocks alone, measured as `like`.
#[derive(Clone, Copy)]
struct Among<'a> {
    like: Option<&'a str>,
    keep_strength: bool,
    fewest: u32,
    only: Option<&'a [usize]>,
    /// The stocks the step before used: a new way from one of them is preferred.
    used: &'a [usize],
    /// Only liquids measured at this strength (mg per mL as counted).
    strength: Option<f64>,
}

impl<'a> Among<'a> {
    /// The stocks `only` of `prev`, measured its way at the strength measured now.
    fn kept_way(prev: &'a Preparation, only: &'a [usize], fewest: u32) -> Self {
        Among {
            like: Some(prev.method.as_str()),
            keep_strength: true,
            fewest,
            only: Some(only),
            used: only,
            strength: None,
        }
    }
}

/// Water beyond a glass: a dilution this large (1 in 200, 1 in 500) costs more to make, is
/// measured with a jug, and its daily waste is said when a plan takes it up.
pub const GLASS_ML: f64 = 100.0;
/// A new bottle is one more thing to get and to tell apart: as much as a change of method, so a
/// dilution of the bottle in use is preferred to one of another, even at more millilitres.
const BOTTLE_CHANGE_COST: u32 = 4;
/// Extended- and immediate-release units in one day are absorbed at different speeds (review
/// P14): taken only where nothing simpler by this much makes the dose.
const RELEASE_MIX_COST: u32 = 4;
/// How far a divided dose may stray from its share of the day, as a fraction of that share.
/// Ours: a dose half again or half as much as intended is as far as a split may lean before the
/// day is taken at fewer times instead.
const MAX_PART_STRAY: f64 = 0.5;
/// One recipe at a time is easier to keep to than a new one every step: 1 + 9 mL, 1 + 19 mL,
/// 1 + 49 mL, 1 + 99 mL, 1 + 199 mL or 1 + 499 mL. The two weakest keep the last, smallest doses
/// at ten syringe marks or more (escitalopram 0.04 mg was 0.2 mL of a 1 in 100 dilution of the
/// drops, a quarter of the dose per mark misread: clinical review minor 16); the cup still holds
/// no more than 1 mL of the stock. The two between 10 and 100 let a day split unevenly (0.5 mg in the morning,
/// 1.5 mg at night) keep both doses between ten syringe marks and a syringe-full at one strength:
/// with only 1 in 10 and 1 in 100, a morning dose under ten marks of the one needed the other, too
/// weak for the night dose (a walk: the split then broke down).
/// Weakest first, so that of two that make a dose alike, the one that lasts longer is taken.
const DILUTIONS: &[f64] = &[500.0, 200.0, 100.0, 50.0, 20.0, 10.0];

// Each source below counts doses in tablet-equivalent mg where a product's exposure differs
// (`relative_exposure`).

/// Whole tablets, and halves and quarters where the tablet may be divided and the person can.
fn tablet_pieces(i: usize, stock: &Stock, eq: &Equipment) -> Vec<Piece> {
    let Form::Tablet { strength_mg, scored, modified_release, .. } = &stock.product.form else { return Vec::new() };
    let strength_mg = strength_mg * stock.product.relative_exposure;
    let mut pieces = vec![Piece { stock: i, fraction: 1.0, mg: strength_mg, cost: 1 }];
    let divisible = !modified_release && stock.product.divisible;
    if divisible && (scored == &Some(true) || eq.cutter) {
        pieces.push(Piece { stock: i, fraction: 0.5, mg: strength_mg / 2.0, cost: 2 });
    }
    if divisible && eq.cutter {
        pieces.push(Piece { stock: i, fraction: 0.25, mg: strength_mg / 4.0, cost: 3 });
        // Three quarters, one cut piece (a quarter cut off): a walk found 7.5 mg from a 10 mg
        // tablet impossible, as only one cut piece per product is combined.
        pieces.push(Piece { stock: i, fraction: 0.75, mg: strength_mg * 0.75, cost: 3 });
    }
    pieces
}

/// Whole capsules.
fn capsule_pieces(i: usize, stock: &Stock) -> Vec<Piece> {
    let Form::Capsule { strength_mg, .. } = &stock.product.form else { return Vec::new() };
    vec![Piece { stock: i, fraction: 1.0, mg: strength_mg * stock.product.relative_exposure, cost: 1 }]
}

/// A capsule's contents measured finely: counted beads, or powder weighed on a scale.
fn capsule_fine(i: usize, stock: &Stock, eq: &Equipment) -> Vec<Fine> {
    let Form::Capsule { strength_mg, .. } = &stock.product.form else { return Vec::new() };
    let strength_mg = strength_mg * stock.product.relative_exposure;
    let mut fine = Vec::new();
    if let Some(beads) = stock.beads_per_capsule.filter(|b| *b >= 2) {
        fine.push(Fine {
            stock: i,
            quantum: strength_mg / f64::from(beads),
            kind: FineKind::Beads { per_capsule: beads },
            cost: 3,
            max_mg: strength_mg,
            strength: None,
        });
    }
    if let (Some(fill), Some(scale)) = (stock.fill_weight_mg, eq.scale_mg)
        && fill > scale
    {
        // fill/scale is at least 1 here and bounded by the inputs' checks.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let max_units = (fill / scale).floor() as u32;
        fine.push(Fine {
            stock: i,
            quantum: strength_mg * scale / fill,
            kind: FineKind::Weigh { fill_mg: fill, scale_mg: scale, max_units },
            cost: 4,
            max_mg: strength_mg,
            strength: None,
        });
    }
    fine
}

/// A liquid by oral syringe, undiluted or in one of the standard dilutions, and by drops.
fn liquid_fine(i: usize, stock: &Stock, eq: &Equipment) -> Vec<Fine> {
    let Form::Liquid { mg_per_ml, mg_per_drop, .. } = &stock.product.form else { return Vec::new() };
    let x = stock.product.relative_exposure;
    let (mg_per_ml, mg_per_drop) = (mg_per_ml * x, mg_per_drop.map(|d| d * x));
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let max_units = (eq.syringe_max_ml / eq.syringe_ml).floor().max(1.0) as u32;
    let mut fine = vec![Fine {
        stock: i,
        quantum: mg_per_ml * eq.syringe_ml,
        kind: FineKind::Syringe { dilution: None, max_units },
        cost: 1,
        max_mg: mg_per_ml * eq.syringe_max_ml,
        strength: Some(mg_per_ml),
    }];
    for f in DILUTIONS.iter().filter(|_| stock.product.dilutable) {
        let c = mg_per_ml / f;
        fine.push(Fine {
            stock: i,
            quantum: c * eq.syringe_ml,
            kind: FineKind::Syringe {
                dilution: Some(Dilution { stock_ml: 1.0, water_ml: f - 1.0, mg_per_ml: c / x }),
                max_units,
            },
            // Half a litre of water a day is more trouble than a tenth of one: the two weakest
            // only where the others cannot give ten marks.
            cost: if *f - 1.0 > GLASS_ML { 4 } else { 3 },
            max_mg: c * eq.syringe_max_ml,
            strength: Some(c),
        });
    }
    if let Some(per_drop) = mg_per_drop {
        fine.push(Fine {
            stock: i,
            quantum: per_drop,
            kind: FineKind::Drops { max_units: 60 },
            cost: 1,
            max_mg: per_drop * 60.0,
            // Drops are the liquid as it comes from the bottle.
            strength: Some(mg_per_ml),
        });
    }
    fine
}

/// A dose made to order is more trouble than the tablets already at home: preferred only where
/// they cannot make the dose.
fn made_to_order(i: usize, stock: &Stock) -> Option<Fine> {
    let (precision_mg, kind) = match &stock.product.form {
        Form::Compounded { precision_mg } => (*precision_mg, FineKind::Compounded),
        Form::Strip { precision_mg } => (*precision_mg, FineKind::Strip),
        _ => return None,
    };
    Some(Fine { stock: i, quantum: precision_mg, kind, cost: 4, max_mg: crate::units::ABSURD_DOSE_MG, strength: None })
}

/// The fewest syringe graduations a measured volume may be: below ten, one graduation misread
/// is a tenth of the dose or more, so a weaker dilution is used instead (clinical review D1).
/// Only when no strength the person has can do it is a smaller volume offered, with
/// [`FEW_GRADUATIONS`] beside it.
pub const MIN_GRADUATIONS: u32 = 10;

/// What a syringe item says, after its volume, when it is under ten graduations.
pub const FEW_GRADUATIONS: &str = "This volume is fewer than ten marks on the syringe, so one mark misread is a tenth \
     of what you draw or more: measure it in good light with the smallest syringe you have";
/// What a drop count under ten says after it (a re-run: citalopram's plan counted 3 drops and
/// then 2, where one drop more or less is a third or half of the dose, with no caution).
pub const FEW_DROPS: &str = "Fewer than ten drops: one drop more or less is a tenth of this dose or more, so count slowly with the bottle held upright, and ask your pharmacist whether a dilution measured with an oral \
     syringe would be steadier.";

/// How [`FEW_GRADUATIONS`] ends for a liquid that may be diluted in water.
const FEW_ASK_DILUTION: &str = ", and ask your pharmacist for a weaker dilution or a made-to-order liquid.";
/// How it ends for one that may not (a walk: the suspension's note said "measure it undiluted"
/// beside a caution asking for a weaker dilution).
const FEW_ASK_LIQUID: &str =
    ", and ask your pharmacist for a weaker liquid made to order (this one is not to be diluted).";

/// How `Solver::method` ends or joins its words, so the ways of measuring can be told apart
/// from the method alone (`Solver::counts_drops`, `Solver::uses_syringe`).
const UNDILUTED: &str = ", undiluted";
/// Measured from the bottle as it is, but mixed into a drink before it is taken (its label).
const MEASURED_NEAT: &str = ", drawn up as it comes and mixed into a drink";
const DILUTION_OF: &str = " dilution of the ";
const IN_DROPS: &str = ", counted in drops";

/// A kit prepared for repeated solving: its coarse combinations and fine sources computed once.
#[derive(Debug, Clone)]
pub struct Solver {
    stocks: Vec<Stock>,
    equipment: Equipment,
    coarse: Vec<Coarse>,
    fine: Vec<Fine>,
    /// The mg of each kind of whole or cut unit, to say when the unit count is what stops a plan.
    pieces: Vec<Piece>,
    /// Per stock, whether it is modified-release.
    modified: Vec<bool>,
    /// `combinations_per_set`, made the first time a change of products is weighed.
    per_set: std::sync::OnceLock<Vec<Coarse>>,
    /// The strongest liquid strength still allowed: once a plan measures a liquid at a weaker
    /// strength (a dilution), it never goes back to a stronger one, of that bottle or another
    /// (clinical review D1: a person who carries on drawing from the bottle takes ten times the
    /// dose).
    ceiling: f64,
    /// Per stock, the weakest strength allowed (for days between two steps already fixed: never
    /// weaker than what the next step measures).
    floor: f64,
    /// How many syringe draws a day's dose may be measured in: a day taken in `n` parts is
    /// drawn `n` times, each within the syringe (clinical review W6). One unless divided.
    draws: u32,
    /// The ways of measuring (`Preparation::method`) the plan has left: taken up again only where
    /// nothing else in reach makes the dose (clinical review D1: concentrate → tablets → a
    /// dilution of the concentrate).
    left: Vec<String>,
    /// The weakest bottle (its own strength, as counted) the plan has measured from: a liquid is
    /// never measured from a stronger bottle after it, neat or diluted (a re-run: escitalopram
    /// went from the 1 mg/mL solution to a dilution of the 20 mg/mL drops, a bottle that drawn
    /// from by mistake is twenty times the dose). Set by the plan's steps only, not by looks
    /// ahead, so it needs no restoring.
    bottle_ceiling: f64,
    /// For days between two fixed steps: no bottle weaker than the later step measures from.
    bottle_floor: f64,
    /// The strongest bottle the person has (as counted), worked out once: `carries` asks of it
    /// for every candidate.
    strongest_bottle: f64,
    /// Which kinds of preparation are candidates (`Kinds::Any` but for the one solve that asks).
    pub kinds: Kinds,
}

/// The kinds of preparation a solve may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kinds {
    Any,
    /// A liquid alone, no tablet, capsule or other way beside it: for a plan that measures a
    /// liquid alone and whose cheapest next dose would put a tablet back beside it.
    LiquidAlone,
    /// No liquid: for step 0 of someone who named no product, whose tablets or capsules make the
    /// dose they take now.
    NoLiquid,
}

impl Solver {
    pub fn new(kit: &Kit) -> Solver {
        let eq = &kit.equipment;
        let mut pieces = Vec::new();
        let mut fine = Vec::new();
        for (i, stock) in kit.stocks.iter().enumerate() {
            match &stock.product.form {
                Form::Tablet { .. } => pieces.extend(tablet_pieces(i, stock, eq)),
                Form::Capsule { .. } => {
                    pieces.extend(capsule_pieces(i, stock));
                    fine.extend(capsule_fine(i, stock, eq));
                }
                Form::Liquid { .. } => fine.extend(liquid_fine(i, stock, eq)),
                Form::Compounded { .. } | Form::Strip { .. } => fine.extend(made_to_order(i, stock)),
            }
        }
        let modified: Vec<bool> = kit.stocks.iter().map(|s| s.product.is_modified_release()).collect();
        let coarse = coarse_combinations(&pieces, &modified);
        let (ceiling, floor) = (f64::INFINITY, 0.0);
        let mut solver = Solver {
            stocks: kit.stocks.clone(),
            equipment: eq.clone(),
            coarse,
            fine,
            pieces,
            modified,
            per_set: std::sync::OnceLock::new(),
            ceiling,
            floor,
            draws: 1,
            left: Vec::new(),
            bottle_ceiling: f64::INFINITY,
            bottle_floor: 0.0,
            strongest_bottle: 0.0,
            kinds: Kinds::Any,
        };
        solver.strongest_bottle =
            (0..solver.stocks.len()).map(|i| solver.bottle_strength(i)).filter(|s| s.is_finite()).fold(0.0, f64::max);
        solver
    }

    /// When no preparation lands in `window` but more than `MAX_PIECES` whole or cut units
    /// would (up to `limit`), how many: the per-dose unit limit is then what stops a plan, not
    /// the strengths (clinical review W4).
    pub fn units_needed(&self, window: Window, limit: u32) -> Option<u32> {
        let mut sums: Vec<f64> = vec![0.0];
        for count in 1..=limit {
            let mut next: Vec<f64> = Vec::new();
            for s in &sums {
                for p in self.pieces.iter().map(|p| p.mg) {
                    let v = s + p;
                    if v <= window.high + 1e-9 && !next.iter().any(|x| (x - v).abs() < 1e-6) {
                        next.push(v);
                    }
                }
            }
            if count > MAX_PIECES && next.iter().any(|v| window.contains(*v)) {
                return Some(count);
            }
            sums = next;
        }
        None
    }

    /// The liquids a day's preparation has the person measure (its parts when it is divided,
    /// else the whole): each stock and how strong it was as measured (mg per mL as counted;
    /// drops are the liquid as it comes).
    pub fn measured(&self, prep: &Preparation) -> Vec<(usize, f64)> {
        if prep.parts.is_empty() {
            self.strengths_of(prep)
        } else {
            prep.parts.iter().flat_map(|(_, p)| self.strengths_of(p)).collect()
        }
    }

    fn strengths_of(&self, prep: &Preparation) -> Vec<(usize, f64)> {
        let mut out = Vec::new();
        for item in &prep.items {
            let Some(stock) = self.stocks.iter().position(|s| s.product.id == item.product_id) else { continue };
            let product = &self.stocks[stock].product;
            let Form::Liquid { mg_per_ml, .. } = product.form else { continue };
            let raw = match item.unit {
                Unit::Ml => item.dilution.map_or(mg_per_ml, |d| d.mg_per_ml),
                Unit::Drop => mg_per_ml,
                _ => continue,
            };
            out.push((stock, raw * product.relative_exposure));
        }
        out
    }

    /// Records that the plan measured `prep` (its parts, when it has them): from now on, every
    /// liquid only at the weakest of those strengths or weaker — never back up in strength, nor
    /// on to another bottle stronger than the one measured (a venlafaxine plan drew its 1 in 10
    /// dilution from the 7.5 mg/mL solution, then from the 15 mg/mL one: the same volumes, twice
    /// the dose).
    /// Records that the plan has left the way of measuring `method`.
    pub fn leave(&mut self, method: &str) {
        if !self.left.iter().any(|m| m == method) {
            self.left.push(method.to_string());
        }
    }

    /// Records the bottles `prep` measures from: none stronger is measured from after it.
    pub fn settle_bottles(&mut self, prep: &Preparation) {
        let bottles: Vec<usize> = self.measured(prep).into_iter().map(|(stock, _)| stock).collect();
        for stock in bottles {
            self.bottle_ceiling = self.bottle_ceiling.min(self.bottle_strength(stock));
        }
    }

    /// The strengths of the bottles `prep` measures from.
    pub fn bottles_of(&self, prep: &Preparation) -> Vec<f64> {
        self.measured(prep).into_iter().map(|(stock, _)| self.bottle_strength(stock)).collect()
    }

    /// The weakest bottle measured from so far (unbounded before any).
    pub fn bottle_ceiling(&self) -> f64 {
        self.bottle_ceiling
    }

    /// Bounds the bottles for the days between two fixed steps, as `bound` does strengths.
    pub fn bound_bottles(&mut self, ceiling: f64, floor: f64) {
        self.bottle_ceiling = ceiling;
        self.bottle_floor = floor;
    }

    /// A liquid stock's own strength, as counted (mg per mL × its relative exposure).
    fn bottle_strength(&self, stock: usize) -> f64 {
        let product = &self.stocks[stock].product;
        match product.form {
            Form::Liquid { mg_per_ml, .. } => mg_per_ml * product.relative_exposure,
            _ => f64::INFINITY,
        }
    }

    /// Whether the plan has left the way of measuring `method` (see `leave`).
    pub fn has_left(&self, method: &str) -> bool {
        self.left.iter().any(|m| m == method)
    }

    pub fn settle(&mut self, prep: &Preparation) {
        let weakest = self.measured(prep).into_iter().map(|(_, s)| s).fold(f64::INFINITY, f64::min);
        self.ceiling = self.ceiling.min(weakest);
    }

    /// Lets a day's dose be measured in up to `n` syringe draws (a day taken in `n` parts); the
    /// parts themselves are always solved one draw each.
    pub fn allow_draws(&mut self, n: u32) {
        self.draws = n.max(1);
    }

    /// The most a fine source gives in one day's measuring.
    fn fine_max_mg(&self, fine: &Fine) -> f64 {
        if matches!(fine.kind, FineKind::Syringe { .. }) { fine.max_mg * f64::from(self.draws) } else { fine.max_mg }
    }

    /// `prep` again, when one of its liquids is drawn beyond one syringe: the same dose in one
    /// draw each, for a day that was not divided after all. `None` when it cannot be.
    pub fn in_single_draws(&mut self, prep: &Preparation) -> Option<Preparation> {
        let max = self.equipment.syringe_max_ml;
        if !prep.items.iter().any(|i| i.unit == Unit::Ml && i.quantity > max + 1e-9) {
            return Some(prep.clone());
        }
        let draws = std::mem::replace(&mut self.draws, 1);
        let dose = prep.dose_mg;
        let c = self.solve(dose, Window { low: dose, high: dose, high_inclusive: true }, 1e-9);
        self.draws = draws;
        c.map(|c| c.preparation).filter(|p| (p.dose_mg - dose).abs() <= 1e-9)
    }

    /// The strongest strength still allowed, per stock.
    pub fn ceiling(&self) -> f64 {
        self.ceiling
    }

    /// Puts back the strengths allowed before an attempt that was discarded.
    pub fn set_ceiling(&mut self, ceiling: f64) {
        self.ceiling = ceiling;
    }

    /// Bounds for solving the days between two fixed steps: no liquid stronger than `ceiling`,
    /// none weaker than `floor` (across bottles, as `settle`).
    pub fn bound(&mut self, ceiling: f64, floor: f64) {
        self.ceiling = ceiling;
        self.floor = floor;
    }

    /// A liquid taken up at a new strength must be able to carry the whole dose alone: doses only
    /// fall, so when the tablets beside it drop out it can go on, and the plan never needs a
    /// stronger one again (a remainder measured from a weak dilution stalled plans otherwise).
    /// The strongest bottle, measured neat, is the exception for a step after the dose taken
    /// now (`after_now`): nothing stronger could be needed after it, and until it carries the
    /// dose alone the tablets beside it stay (paroxetine 60 mg with 20 and 40 mg tablets and the
    /// 2 mg/mL suspension took cuts of 17 to 25 % on tablets alone, each held longer, rather than
    /// 40 mg and 8.5 mL). The dose taken now is shown as the units alone make it where they can.
    fn carries(&self, fine: &Fine, window: Window, after_now: bool) -> bool {
        // Before any liquid is measured the ceiling is unbounded, and no strength is current.
        let current = |s: f64| self.ceiling.is_finite() && (s - self.ceiling).abs() <= self.ceiling * 1e-9;
        fine.strength.is_none_or(|s| {
            current(s) || self.fine_max_mg(fine) >= window.low - 1e-9 || (after_now && self.strongest_neat(fine))
        })
    }

    /// Whether `fine` measures, undiluted, the strongest liquid the person has.
    fn strongest_neat(&self, fine: &Fine) -> bool {
        let neat = matches!(fine.kind, FineKind::Syringe { dilution: None, .. } | FineKind::Drops { .. });
        let own = self.bottle_strength(fine.stock);
        neat && own.is_finite() && own >= self.strongest_bottle * (1.0 - 1e-9)
    }

    /// Whether `fine` is allowed after what the plan has measured so far; with `keep_strength`,
    /// a liquid already measured only at that same strength.
    fn allowed(&self, fine: &Fine, keep_strength: bool) -> bool {
        let bottle = self.bottle_strength(fine.stock);
        if fine.strength.is_some()
            && (bottle > self.bottle_ceiling * (1.0 + 1e-9) || bottle < self.bottle_floor * (1.0 - 1e-9))
        {
            return false;
        }
        fine.strength.is_none_or(|s| {
            let (ceiling, floor) = (self.ceiling, self.floor);
            let floor = if keep_strength && ceiling.is_finite() { floor.max(ceiling) } else { floor };
            s <= ceiling * (1.0 + 1e-9) && s >= floor * (1.0 - 1e-9)
        })
    }

    /// The preparation for `target` within `window`: the simplest within `tolerance` mg of the
    /// target, else the nearest. `None` when nothing the person has lands inside the window.
    pub fn solve(&self, target: f64, window: Window, tolerance: f64) -> Option<Choice> {
        self.solve_like(target, window, tolerance, None)
    }

    /// Before `solve_like`: the products and the way of measuring of `like` alone, when they make
    /// a dose in the window within [`KEEP_PRODUCTS_TOLERANCE`] times the tolerance or half the
    /// step asked: a plan changes product or form only when what the person uses now cannot make
    /// the next dose (clinical review minor 15: a new product or form almost every month). `None`
    /// when they cannot, when there is no step before, or for a step up.
    pub fn solve_keeping(
        &self,
        target: f64,
        window: Window,
        tolerance: f64,
        like: Option<&Preparation>,
    ) -> Option<Choice> {
        self.keeping(target, window, tolerance, like, MIN_GRADUATIONS)
    }

    /// `solve_keeping`, with volumes under ten syringe marks allowed and said plainly: for when
    /// the way of the step before can go on only so, and every other way is one the plan has
    /// already left (a quetiapine plan went tablets → suspension → a quarter tablet → 0.9 mL of
    /// suspension → a quarter tablet and 0.5 mL; clinical review D1).
    pub fn solve_keeping_few(
        &self,
        target: f64,
        window: Window,
        tolerance: f64,
        like: Option<&Preparation>,
    ) -> Option<Choice> {
        let mut c = self.keeping(target, window, tolerance, like, 1)?;
        self.mark_few(&mut c);
        Some(c)
    }

    /// Adds [`FEW_GRADUATIONS`] to each volume of `c` under ten syringe marks, in the step's own
    /// instruction, where the volume is read.
    fn mark_few(&self, c: &mut Choice) {
        let least = self.least_ml();
        for item in c.preparation.items.iter_mut().filter(|i| i.unit == Unit::Ml && i.quantity < least) {
            if item.text.contains(FEW_GRADUATIONS) {
                continue;
            }
            let stop = if item.text.ends_with('.') { "" } else { "." };
            let dilutable = self.stocks.iter().any(|s| s.product.id == item.product_id && s.product.dilutable);
            let ask = if dilutable { FEW_ASK_DILUTION } else { FEW_ASK_LIQUID };
            item.text = format!("{}{stop} {FEW_GRADUATIONS}{ask}", item.text);
        }
    }

    /// The way of `like` (its products and way of measuring, ten marks or more), the dose in
    /// `window` nearest `target`, not the cheapest: for a larger cut held longer, which should be
    /// the smallest extra cut (a re-run: sertraline went 26 mg → 1 mL, 20 mg, a 23 % cut, where
    /// 1.2 mL made 24 mg, because a millilitre less was cheaper to measure).
    pub fn nearest_keeping(&self, target: f64, window: Window, like: &Preparation) -> Option<Choice> {
        if like.items.is_empty() {
            return None;
        }
        let only = self.stocks_in(like);
        // No tolerance: of the doses in the window, the nearest first, then the cheapest.
        self.solve_among(target, window, 0.0, &Among::kept_way(like, &only, MIN_GRADUATIONS))
    }

    fn keeping(
        &self,
        target: f64,
        window: Window,
        tolerance: f64,
        like: Option<&Preparation>,
        fewest: u32,
    ) -> Option<Choice> {
        // Only for a step down (the window's top is the dose before), and only on its side of
        // the target: a smaller step than asked, never a larger one.
        let down = window.high < crate::units::ABSURD_DOSE_MG && target < window.high;
        let prev = like.filter(|p| down && !p.items.is_empty())?;
        let only = self.stocks_in(prev);
        // A step at least half the one asked.
        let half_step = (window.high - target) * KEEP_PRODUCTS_STEP;
        let loose = (tolerance * KEEP_PRODUCTS_TOLERANCE).max(half_step);
        let smaller = Window { low: window.low.max(target - tolerance), ..window };
        let same = Among::kept_way(prev, &only, fewest);
        let mut c = self.solve_among(target, smaller, loose, &same).filter(|c| c.within_tolerance)?;
        c.within_tolerance = (c.preparation.dose_mg - target).abs() <= tolerance + 1e-12;
        c.landing = if c.within_tolerance { Landing::Nearest } else { Landing::KeptWay };
        Some(c)
    }

    /// The ways of making a step down that a change of products or form could take: in
    /// `window`, never below `target` by more than `tolerance` and never above it by more than
    /// `solve_keeping` allows a kept way; the cheapest per set of products and way of measuring,
    /// cheapest first, at most [`MAX_ALTERNATIVES`]. The planner weighs how many steps after each
    /// can be made the same way (clinical review minor 15: a new product almost every month).
    pub fn alternatives(
        &self,
        target: f64,
        window: Window,
        tolerance: f64,
        like: &Preparation,
        within: Bounds,
    ) -> Vec<Choice> {
        if window.high >= crate::units::ABSURD_DOSE_MG || target >= window.high {
            return Vec::new();
        }
        let loose = (tolerance * KEEP_PRODUCTS_TOLERANCE).max((window.high - target) * KEEP_PRODUCTS_STEP);
        let smaller = Window { low: window.low.max(target - tolerance), ..window };
        let used = self.stocks_in(like);
        let among = Among {
            like: Some(like.method.as_str()),
            keep_strength: false,
            fewest: MIN_GRADUATIONS,
            only: None,
            used: &used,
            strength: None,
        };
        // Per set of stocks and way of measuring: the cheapest, then the nearest.
        let key = |c: &Candidate| (c.cost, ((c.mg - target).abs() * 1e6).round() as i64);
        let mut best: Vec<(Vec<usize>, String, Candidate)> = Vec::new();
        let combos = self.per_set.get_or_init(|| combinations_per_set(&self.pieces, self.stocks.len()));
        self.each_candidate(combos, target, smaller, &among, &mut |cand: Candidate| {
            if (cand.mg - target).abs() > loose + 1e-12
                || cand.cost > within.most_cost
                || (!within.mixed_release && self.mixes_release(&cand))
            {
                return;
            }
            let mut stocks: Vec<usize> = self.stocks_of(&cand).collect();
            stocks.sort_unstable();
            stocks.dedup();
            let method = self.method(cand.fine.map(|(fi, _)| fi));
            match best.iter_mut().find(|(s, m, _)| *s == stocks && *m == method) {
                Some(entry) if key(&cand) < key(&entry.2) => entry.2 = cand,
                Some(_) => {}
                None => best.push((stocks, method, cand)),
            }
        });
        best.sort_by_key(|(_, _, c)| key(c));
        best.truncate(MAX_ALTERNATIVES);
        best.into_iter()
            .map(|(_, _, cand)| {
                let within = (cand.mg - target).abs() <= tolerance + 1e-12;
                Choice { preparation: self.build(&cand), within_tolerance: within, landing: Landing::Nearest }
            })
            .collect()
    }

    /// `dose` exactly, from the product `id` alone, if it makes it: the dose as the person takes
    /// it now.
    pub fn solve_from(&self, dose: f64, id: &str) -> Option<Choice> {
        let only: Vec<usize> = (0..self.stocks.len()).filter(|s| self.stocks[*s].product.id == id).collect();
        self.solve_exactly_from(dose, &only)
    }

    fn solve_exactly_from(&self, dose: f64, only: &[usize]) -> Option<Choice> {
        if only.is_empty() {
            return None;
        }
        let exactly = Window { low: dose, high: dose, high_inclusive: true };
        let among = Among {
            like: None,
            keep_strength: true,
            fewest: MIN_GRADUATIONS,
            only: Some(only),
            used: &[],
            strength: None,
        };
        self.solve_among(dose, exactly, 1e-9, &among).filter(|c| (c.preparation.dose_mg - dose).abs() <= 1e-9)
    }

    /// `dose` exactly, from the modified-release products alone, if they make it: for a day of
    /// immediate release that cannot be taken at its label's times.
    pub fn solve_modified_release(&self, dose: f64) -> Option<Choice> {
        self.solve_exactly_from(dose, &self.stocks_released(true))
    }

    /// `dose` exactly, from the immediate-release products alone, if they make it: the dose taken
    /// now by someone who said "tablets" (immediate release) with both releases listed.
    pub fn solve_immediate_release(&self, dose: f64) -> Option<Choice> {
        self.solve_exactly_from(dose, &self.stocks_released(false))
    }

    /// The stocks that are (`modified`) or are not modified-release.
    fn stocks_released(&self, modified: bool) -> Vec<usize> {
        (0..self.stocks.len()).filter(|s| self.modified[*s] == modified).collect()
    }

    /// Whether the kit has both modified- and immediate-release products.
    pub fn has_both_releases(&self) -> bool {
        self.modified.iter().any(|m| *m) && self.modified.iter().any(|m| !m)
    }

    /// As `solve`, but keeping to `like` (the previous step's `Preparation::method`) unless
    /// another way is simpler by more than a change of method costs: one dilution strength and
    /// one form per phase, rather than a new one every step.
    ///
    /// A liquid already measured keeps its strength while it can make a dose in the window: a
    /// weaker dilution is taken only when nothing at the current strength lands there, so the
    /// plan does not lock itself into a strength too weak for the doses after (one preparation
    /// per phase; clinical review D1).
    pub fn solve_like(
        &self,
        target: f64,
        window: Window,
        tolerance: f64,
        like: Option<&Preparation>,
    ) -> Option<Choice> {
        self.solve_like_as(target, window, tolerance, like, true)
    }

    /// `solve_like`; `longest`: a new weaker strength is the longest-lasting one that makes the
    /// dose (for a whole day; a day's parts share the strength their smallest needs instead).
    fn solve_like_as(
        &self,
        target: f64,
        window: Window,
        tolerance: f64,
        like: Option<&Preparation>,
        longest: bool,
    ) -> Option<Choice> {
        let fewest = MIN_GRADUATIONS;
        let method = like.map(|p| p.method.as_str());
        let used = like.map(|p| self.stocks_in(p)).unwrap_or_default();
        let like = method;
        let keep = self.solve_among(
            target,
            window,
            tolerance,
            &Among { like, keep_strength: true, fewest, only: None, used: &used, strength: None },
        );
        // A way the plan has left, found at the strength measured now, is weighed against the
        // other strengths first.
        if keep.as_ref().is_some_and(|c| c.within_tolerance && !self.left.contains(&c.preparation.method)) {
            return keep;
        }
        let change = self.solve_among(
            target,
            window,
            tolerance,
            &Among { like, keep_strength: false, fewest, only: None, used: &used, strength: None },
        );
        let chosen = match (keep, change) {
            (Some(k), Some(c)) => {
                let err = |x: &Choice| (x.preparation.dose_mg - target).abs();
                Some(if c.within_tolerance || err(&c) < err(&k) - 1e-12 { c } else { k })
            }
            (k, c) => k.or(c),
        }
        .map(|c| if longest { self.longest_lasting(c, target, window, tolerance, like, &used) } else { c });
        chosen.or_else(|| {
            // Only when no strength the person has gives ten graduations: fewer, said plainly.
            // The caution stands in the step's own instruction, where the volume is read.
            let mut c = self.solve_among(
                target,
                window,
                tolerance,
                &Among { like, keep_strength: false, fewest: 1, only: None, used: &used, strength: None },
            )?;
            self.mark_few(&mut c);
            Some(c)
        })
    }

    /// `c` again, or where it takes up a weaker liquid strength than the plan measures now, the
    /// weakest that makes the dose as well: of two new strengths the one that lasts longer, so the
    /// plan changes strength as few times as it can (a sertraline plan went neat, 1 in 10, 1 in
    /// 20, 1 in 50 where neat, 1 in 10, 1 in 100 would do).
    fn longest_lasting(
        &self,
        c: Choice,
        target: f64,
        window: Window,
        tolerance: f64,
        like: Option<&str>,
        used: &[usize],
    ) -> Choice {
        let now = self.ceiling;
        let Some(taken) = self.strengths_of(&c.preparation).into_iter().map(|(_, s)| s).reduce(f64::min) else {
            return c;
        };
        if taken >= now * (1.0 - 1e-9) {
            return c;
        }
        let mut weaker: Vec<f64> =
            self.fine.iter().filter_map(|f| f.strength).filter(|s| *s < taken * (1.0 - 1e-9)).collect();
        weaker.sort_by(f64::total_cmp);
        weaker.dedup_by(|a, b| (*a - *b).abs() <= *b * 1e-9);
        let err = |x: &Choice| (x.preparation.dose_mg - target).abs();
        for w in weaker {
            let among =
                Among { like, keep_strength: false, fewest: MIN_GRADUATIONS, only: None, used, strength: Some(w) };
            if let Some(alt) = self.solve_among(target, window, tolerance, &among)
                && (alt.within_tolerance || (!c.within_tolerance && err(&alt) <= err(&c) + 1e-12))
            {
                return alt;
            }
        }
        c
    }

    /// The smallest volume measured without a caution: [`MIN_GRADUATIONS`] of the syringe's marks.
    fn least_ml(&self) -> f64 {
        f64::from(MIN_GRADUATIONS) * self.equipment.syringe_ml - 1e-9
    }

    /// The stocks `prep` uses (its parts', when divided).
    fn stocks_in(&self, prep: &Preparation) -> Vec<usize> {
        let mut out: Vec<usize> =
            prep.items.iter().filter_map(|i| self.stocks.iter().position(|s| s.product.id == i.product_id)).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The whole and cut unit combinations of the stocks `only` alone. The solver's own list
    /// keeps the simplest way per dose of all the products, which can hide the way a kept set
    /// makes it (three 37.5 mg capsules behind one 112.5 mg tablet).
    fn combinations_of(&self, only: &[usize]) -> Vec<Coarse> {
        let pieces: Vec<Piece> = self.pieces.iter().filter(|p| only.contains(&p.stock)).cloned().collect();
        coarse_combinations(&pieces, &self.modified)
    }

    /// Whether a candidate takes extended- and immediate-release units together.
    fn mixes_release(&self, cand: &Candidate) -> bool {
        let (mut mr, mut ir) = (false, false);
        for s in self.stocks_of(cand) {
            if self.stocks[s].product.is_modified_release() { mr = true } else { ir = true }
        }
        mr && ir
    }

    /// The stocks a candidate uses (a stock may come twice: as units and as its fine part).
    /// An iterator: `mixes_release` asks it of every candidate.
    fn stocks_of<'c>(&'c self, cand: &'c Candidate) -> impl Iterator<Item = usize> + 'c {
        cand.coarse.counts.iter().map(|(s, _)| *s).chain(cand.fine.map(|(fi, _)| self.fine[fi].stock))
    }

    /// Whether a candidate uses only the stocks `only` and measures as `like` does.
    fn keeps_to(&self, cand: &Candidate, like: Option<&str>, only: &[usize]) -> bool {
        let coarse = cand.coarse.counts.iter().all(|(stock, _)| only.contains(stock));
        let fine = cand.fine.is_none_or(|(fi, _)| only.contains(&self.fine[fi].stock));
        coarse && fine && like.is_none_or(|m| m == self.method(cand.fine.map(|(fi, _)| fi)))
    }

    fn solve_among(&self, target: f64, window: Window, tolerance: f64, among: &Among) -> Option<Choice> {
        let mut best_tol: Option<(u32, f64, Candidate)> = None;
        let mut best_any: Option<(f64, u32, Candidate)> = None;
        let local;
        let combos = match among.only {
            Some(only) => {
                local = self.combinations_of(only);
                &local
            }
            None => &self.coarse,
        };
        self.each_candidate(combos, target, window, among, &mut |cand: Candidate| {
            let err = (cand.mg - target).abs();
            if err <= tolerance + 1e-12 {
                let better = best_tol.as_ref().is_none_or(|(c, e, _)| {
                    (cand.cost, err) < (*c, *e) && !(cand.cost == *c && (err - e).abs() < 1e-12)
                });
                if better {
                    best_tol = Some((cand.cost, err, cand.clone()));
                }
            }
            let better = best_any
                .as_ref()
                .is_none_or(|(e, c, _)| err < *e - 1e-12 || ((err - e).abs() <= 1e-12 && cand.cost < *c));
            if better {
                best_any = Some((err, cand.cost, cand));
            }
        });
        let (cand, within) = match (best_tol, best_any) {
            (Some((_, _, c)), _) => (c, true),
            (None, Some((_, _, c))) => (c, false),
            (None, None) => return None,
        };
        Some(Choice { preparation: self.build(&cand), within_tolerance: within, landing: Landing::Nearest })
    }

    /// Every candidate in `window` that `among` allows, its cost raised for a change of method,
    /// of bottle or a mix of release forms, handed to `consider`.
    fn each_candidate<'c>(
        &self,
        combos: &'c [Coarse],
        target: f64,
        window: Window,
        among: &Among,
        consider: &mut dyn FnMut(Candidate<'c>),
    ) {
        let Among { like, keep_strength, fewest, only, used, strength } = *among;
        let mut weigh = |mut cand: Candidate<'c>| {
            if !window.contains(cand.mg) || only.is_some_and(|o| !self.keeps_to(&cand, like, o)) {
                return;
            }
            let liquid = |fi: usize| matches!(self.fine[fi].kind, FineKind::Syringe { .. } | FineKind::Drops { .. });
            let refused = match self.kinds {
                Kinds::Any => false,
                Kinds::LiquidAlone => !cand.coarse.counts.is_empty() || cand.fine.is_none_or(|(fi, _)| !liquid(fi)),
                Kinds::NoLiquid => cand.fine.is_some_and(|(fi, _)| liquid(fi)),
            };
            if refused {
                return;
            }
            let method = (like.is_some() || !self.left.is_empty()).then(|| self.method(cand.fine.map(|(fi, _)| fi)));
            // Also where no way is asked for (each dose of a divided day is solved afresh).
            if method.as_ref().is_some_and(|new| like != Some(new.as_str()) && self.left.contains(new)) {
                cand.cost += WAY_LEFT_COST;
            }
            if let (Some(m), Some(new)) = (like, &method)
                && m != new
            {
                cand.cost += METHOD_CHANGE_COST;
                // Between two new ways, the one from a bottle already in use (a 1 in 100 dilution
                // of the same solution rather than a 1 in 50 of another, at the same strength).
                if cand.fine.is_some_and(|(fi, _)| !used.is_empty() && !used.contains(&self.fine[fi].stock)) {
                    cand.cost += BOTTLE_CHANGE_COST;
                }
            }
            if self.mixes_release(&cand) {
                cand.cost += RELEASE_MIX_COST;
            }
            consider(cand);
        };
        for coarse in combos {
            if coarse.mg > window.high + 1e-9 {
                continue;
            }
            if coarse.mg > 0.0 {
                weigh(Candidate { coarse, fine: None, mg: coarse.mg, cost: coarse.cost });
            }
            let remainder = target - coarse.mg;
            for (fi, fine) in self.fine.iter().enumerate() {
                if matches!(fine.kind, FineKind::Compounded | FineKind::Strip) && coarse.mg > 0.0
                    || !self.allowed(fine, keep_strength)
                    || !self.carries(fine, window, like.is_some())
                    || strength.is_some_and(|s| fine.strength.is_none_or(|f| (f - s).abs() > s * 1e-9))
                {
                    continue;
                }
                let low_need = (window.low - coarse.mg).max(0.0);
                if low_need > self.fine_max_mg(fine) + 1e-9 {
                    continue;
                }
                let ideal = (remainder / fine.quantum).max(0.0);
                // The fewest graduations a syringe may measure is a candidate too: the nearest
                // dose a coarse syringe can still give when the ideal is below it.
                let least = if matches!(fine.kind, FineKind::Syringe { .. }) { f64::from(fewest) } else { 1.0 };
                for units in [ideal.floor(), ideal.ceil(), (low_need / fine.quantum).ceil(), least] {
                    let Some(units) = self.valid_units(fine, units, fewest) else {
                        continue;
                    };
                    let mg = coarse.mg + f64::from(units) * fine.quantum;
                    let cost = coarse.cost + self.fine_cost(fine, units);
                    weigh(Candidate { coarse, fine: Some((fi, units)), mg, cost });
                }
            }
        }
    }

    /// The day's dose `prep` in one part per time of `times`, each the nearest preparable
    /// `shares` of the day (equal shares, or the person's own split), the last what remains, so
    /// the parts add up to the day's dose exactly. With `exact`, each part must be its share
    /// exactly (the dose taken now, as the person takes it). `None` when it cannot be made.
    /// Each part is settled as it is made, so the parts of one day are measured at one strength
    /// or going weaker; nothing is settled when the day cannot be divided.
    pub fn divide(&mut self, prep: &Preparation, times: &DoseTimes, shares: &[f64], exact: bool) -> Option<Parts> {
        let before = self.ceiling;
        let draws = std::mem::replace(&mut self.draws, 1);
        // An immediate-release day is never divided into doses of a modified-release unit, which
        // is taken once a day (a re-run: 150 mg of immediate-release tablets taken now became
        // "At 08:00, 75 mg: 1 × 75 mg extended-release capsule" twice).
        let immediate = !self.stocks_in(prep).iter().any(|s| self.modified[*s]);
        // Aiming every part but the last a little off its share can leave a remainder the
        // products make; of the ways that work, the one measuring the fewest strengths a day,
        // then the closest to the shares, is kept. No part is drawn under ten syringe marks.
        let mut best: Option<(usize, f64, Parts, f64)> = None;
        let leans: &[f64] = if exact { &[0.0] } else { &[0.0, -0.05, 0.05, -0.1, 0.1, -0.15, 0.15] };
        for lean in leans {
            self.ceiling = before;
            let Some(parts) = self.divide_settling(prep, times, shares, 1.0 + lean, exact, immediate) else { continue };
            // A part under ten syringe marks is refused: fewer parts, each measurable, instead.
            let least = self.least_ml();
            if parts.iter().flat_map(|(_, p)| &p.items).any(|i| i.unit == Unit::Ml && i.quantity < least) {
                continue;
            }
            // Nor a part far from its share (a walk: lorazepam 0.5 + 1.5 mg became 0.02 mg in the
            // morning and 0.57 at night, then 0.5 and 0.03 the next step): fewer times, said, is
            // safer than doses swinging between the times.
            if parts.iter().zip(shares).any(|((_, p), share)| {
                let want = prep.dose_mg * share;
                (p.dose_mg - want).abs() > want * MAX_PART_STRAY + 1e-9
            }) {
                continue;
            }
            let strengths = {
                let mut s: Vec<(usize, u64)> =
                    parts.iter().flat_map(|(_, p)| self.strengths_of(p)).map(|(k, v)| (k, v.to_bits())).collect();
                s.sort_unstable();
                s.dedup();
                s.len()
            };
            let spread = parts
                .iter()
                .zip(shares)
                .map(|((_, p), share)| (p.dose_mg - prep.dose_mg * share).abs())
                .fold(0.0, f64::max);
            if best.as_ref().is_none_or(|b| (strengths, spread) < (b.0, b.1)) {
                best = Some((strengths, spread, parts, self.ceiling));
            }
        }
        self.draws = draws;
        match best {
            Some((_, _, parts, ceiling)) => {
                self.ceiling = ceiling;
                Some(parts)
            }
            None => {
                self.ceiling = before;
                None
            }
        }
    }

    /// A day that one preparation cannot hold (more units than `MAX_PIECES`), made as its parts
    /// instead: each part near its share of `aim`, the last landing the day in `window`, each
    /// part within the unit limit and measurable. The day's preparation then is its parts.
    pub fn solve_in_parts(
        &mut self,
        aim: f64,
        window: Window,
        tolerance: f64,
        times: &DoseTimes,
        shares: &[f64],
    ) -> Option<Choice> {
        // Each part as close to its share as the planner's own tolerance asks, else as near as
        // a part may be (15 %): a day nearer its target first.
        let tight = (tolerance / aim.max(1e-9)).clamp(1e-6, 0.15);
        let day = DayAim { aim, window, tolerance, times, shares };
        self.parts_within(&day, tight).or_else(|| self.parts_within(&day, 0.15))
    }

    fn parts_within(&mut self, day: &DayAim, part_fraction: f64) -> Option<Choice> {
        let DayAim { aim, window, tolerance, times, shares } = *day;
        let before = self.ceiling;
        let draws = std::mem::replace(&mut self.draws, 1);
        let n = times.len();
        let mut parts: Parts = Vec::new();
        let mut sum = 0.0;
        let least = self.least_ml();
        let mut ok = true;
        for (k, when) in times.times().iter().enumerate() {
            let share = aim * shares.get(k).copied().unwrap_or(1.0 / n as f64);
            let (target, w) = if k + 1 == n {
                let low = (window.low - sum).max(1e-9);
                (share.max(low), Window { low, high: window.high - sum, high_inclusive: window.high_inclusive })
            } else {
                (share, Window { low: 1e-9, high: (window.high - sum).max(1e-9), high_inclusive: false })
            };
            match self
                .solve(target, w, share * part_fraction)
                .filter(|c| !c.preparation.items.iter().any(|i| i.unit == Unit::Ml && i.quantity < least))
            {
                Some(c) => {
                    sum += c.preparation.dose_mg;
                    self.settle(&c.preparation);
                    parts.push((*when, c.preparation));
                }
                None => {
                    ok = false;
                    break;
                }
            }
        }
        self.draws = draws;
        if !ok || !window.contains(sum) {
            self.ceiling = before;
            return None;
        }
        let preparation = Preparation::of_parts(parts);
        let within = (sum - aim).abs() <= tolerance + 1e-9;
        Some(Choice { preparation, within_tolerance: within, landing: Landing::Nearest })
    }

    /// A day taken in parts as the day before it was: each part its `shares` of `aim`, within
    /// its share of `window` (so every dose is cut in the same proportion as the day, an uneven
    /// split included), made the way that part was made before (`likes`, one per time) where it
    /// can be, and parts of equal share made identically. `None` when a part cannot land in its
    /// share of the window, measurably, without modified-release units; nothing is settled then.
    pub fn solve_scaled_parts(&mut self, day: &ScaledDay) -> Option<Choice> {
        let before = self.ceiling;
        let draws = std::mem::replace(&mut self.draws, 1);
        let parts = self.scaled_parts(day);
        self.draws = draws;
        let Some((parts, kept)) = parts else {
            self.ceiling = before;
            return None;
        };
        let preparation = Preparation::of_parts(parts);
        let within = (preparation.dose_mg - day.aim).abs() <= day.tolerance + 1e-9;
        let landing = if kept && !within { Landing::KeptWay } else { Landing::Nearest };
        Some(Choice { preparation, within_tolerance: within, landing })
    }

    fn scaled_parts(&mut self, day: &ScaledDay) -> Option<(Parts, bool)> {
        let ScaledDay { aim, window, tolerance, times, shares, likes, keeping } = *day;
        let least = self.least_ml();
        let mut made: Vec<Option<Preparation>> = vec![None; times.len()];
        let mut kept = false;
        // The smallest dose first: when it needs a weaker liquid, it takes the strongest weaker
        // one that makes it, and the larger doses of the day then share that strength (never two
        // strengths in one day); a night dose three times the morning's fits the same syringe.
        let mut order: Vec<usize> = (0..times.len()).collect();
        order.sort_by(|a, b| shares.get(*a).unwrap_or(&0.0).total_cmp(shares.get(*b).unwrap_or(&0.0)));
        for k in order {
            let share = *shares.get(k)?;
            let same = made
                .iter()
                .enumerate()
                .find(|(j, p)| p.is_some() && shares.get(*j).is_some_and(|s| (s - share).abs() <= 1e-9))
                .and_then(|(_, p)| p.clone());
            let part = match same {
                Some(p) => p,
                None => {
                    let w = Window { low: window.low * share, high: window.high * share, ..window };
                    let like = likes.get(k);
                    let (part_aim, part_tolerance) = (aim * share, tolerance * share);
                    let same_way = if keeping { self.solve_keeping(part_aim, w, part_tolerance, like) } else { None };
                    let c = same_way.or_else(|| self.solve_like_as(part_aim, w, part_tolerance, like, false))?;
                    kept |= c.landing == Landing::KeptWay;
                    let p = c.preparation;
                    if p.items.is_empty()
                        || p.items.iter().any(|i| i.unit == Unit::Ml && i.quantity < least)
                        || self.modified_release(&p)
                    {
                        return None;
                    }
                    p
                }
            };
            self.settle(&part);
            made[k] = Some(part);
        }
        let parts: Parts = times.iter().zip(made).map(|(t, p)| p.map(|p| (*t, p))).collect::<Option<Parts>>()?;
        Some((parts, kept))
    }

    /// Whether `prep` holds a modified-release unit (never one of several doses a day).
    fn modified_release(&self, prep: &Preparation) -> bool {
        prep.items
            .iter()
            .any(|i| self.stocks.iter().any(|s| s.product.id == i.product_id && s.product.is_modified_release()))
    }

    fn divide_settling(
        &mut self,
        prep: &Preparation,
        times: &DoseTimes,
        shares: &[f64],
        lean: f64,
        exact: bool,
        immediate: bool,
    ) -> Option<Parts> {
        let n = times.len();
        let mut parts = Vec::new();
        let mut left = prep.dose_mg;
        for (k, when) in times.times().iter().enumerate() {
            let last = k + 1 == n;
            let share = prep.dose_mg * shares.get(k).copied().unwrap_or(1.0 / n as f64);
            let (target, window) = if last {
                (left, Window { low: left, high: left, high_inclusive: true })
            } else {
                (share * lean, Window { low: 1e-9, high: left, high_inclusive: false })
            };
            let tolerance = if last || exact { 1e-9 } else { share * 0.15 };
            let c = self.solve_part(target, window, tolerance, immediate)?;
            if (last || exact) && (c.preparation.dose_mg - target).abs() > 1e-9 {
                return None;
            }
            left -= c.preparation.dose_mg;
            self.settle(&c.preparation);
            parts.push((*when, c.preparation));
        }
        Some(parts)
    }

    /// One dose of a divided day: as `solve`, but from the immediate-release products alone
    /// when the day is `immediate` release and the kit has modified-release ones too. The
    /// solver's own list keeps the simplest way per dose of all the products, which would hide
    /// two 37.5 mg tablets behind one 75 mg capsule.
    fn solve_part(&self, target: f64, window: Window, tolerance: f64, immediate: bool) -> Option<Choice> {
        if !immediate || !self.modified.iter().any(|m| *m) {
            return self.solve(target, window, tolerance);
        }
        let immediate = self.stocks_released(false);
        let among = |keep_strength| Among {
            like: None,
            keep_strength,
            fewest: MIN_GRADUATIONS,
            only: Some(&immediate),
            used: &[],
            strength: None,
        };
        self.solve_among(target, window, tolerance, &among(true))
            .filter(|c| c.within_tolerance)
            .or_else(|| self.solve_among(target, window, tolerance, &among(false)))
    }

    /// The method of a candidate whose fine source is `fine` (see `Preparation::method`).
    fn method(&self, fine: Option<usize>) -> String {
        let Some(f) = fine.map(|fi| &self.fine[fi]) else { return String::new() };
        let desc = self.stocks[f.stock].product.describe();
        match &f.kind {
            FineKind::Syringe { dilution: None, .. } if self.stocks[f.stock].product.mix_just_before => {
                format!("the {desc}{MEASURED_NEAT}")
            }
            FineKind::Syringe { dilution: None, .. } => format!("the {desc}{UNDILUTED}"),
            FineKind::Syringe { dilution: Some(d), .. } => {
                format!("a 1 in {}{DILUTION_OF}{desc} ({} mg/mL)", n(d.stock_ml + d.water_ml), n(d.mg_per_ml))
            }
            FineKind::Drops { .. } => format!("the {desc}{IN_DROPS}"),
            FineKind::Beads { .. } => format!("beads counted from a {desc}"),
            FineKind::Weigh { .. } => format!("contents weighed from a {desc}"),
            FineKind::Compounded => "a compounded preparation".to_string(),
            FineKind::Strip => "tapering strips".to_string(),
        }
    }

    /// Whether a method (`Preparation::method`) counts drops.
    pub fn counts_drops(method: &str) -> bool {
        method.ends_with(IN_DROPS)
    }

    /// Whether a method draws a liquid up with the oral syringe, neat or diluted.
    pub fn uses_syringe(method: &str) -> bool {
        method.ends_with(UNDILUTED) || method.ends_with(MEASURED_NEAT) || method.contains(DILUTION_OF)
    }

    /// Measuring more liquid or counting many drops is more work, so tablets carry the bulk of a
    /// dose and the fine source the remainder.
    fn fine_cost(&self, fine: &Fine, units: u32) -> u32 {
        let extra = match fine.kind {
            FineKind::Syringe { dilution, .. } => {
                let ml = f64::from(units) * self.equipment.syringe_ml;
                let per = if dilution.is_some() { 2.0 } else { 1.0 };
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let e = (ml / per).ceil() as u32;
                e
            }
            FineKind::Drops { .. } => units.div_ceil(10),
            _ => 0,
        };
        fine.cost + extra
    }

    fn valid_units(&self, fine: &Fine, units: f64, fewest: u32) -> Option<u32> {
        if !(1.0..=1e6).contains(&units) {
            return None;
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let u = units as u32;
        if matches!(fine.kind, FineKind::Syringe { .. }) && u < fewest {
            return None;
        }
        let max = match fine.kind {
            FineKind::Syringe { max_units, .. } => max_units.saturating_mul(self.draws),
            FineKind::Drops { max_units } | FineKind::Weigh { max_units, .. } => max_units,
            FineKind::Beads { per_capsule } => per_capsule - 1,
            FineKind::Compounded | FineKind::Strip => u32::MAX,
        };
        (u <= max).then_some(u)
    }

    fn build(&self, cand: &Candidate) -> Preparation {
        let coarse = cand.coarse;
        let mut items = Vec::new();
        let mut notes = Vec::new();
        for (stock, qty) in &coarse.counts {
            let p = &self.stocks[*stock].product;
            items.push(whole_or_cut_item(p, *qty, self.has_both_releases()));
            note_product(p, &mut notes);
        }
        if let Some((fi, units)) = cand.fine {
            let fine = &self.fine[fi];
            let p = &self.stocks[fine.stock].product;
            items.push(self.fine_item(fine, units, &mut notes));
            note_product(p, &mut notes);
        }
        let method = self.method(cand.fine.map(|(fi, _)| fi));
        Preparation { items, dose_mg: cand.mg, complexity: cand.cost, notes, method, parts: Vec::new() }
    }

    /// `units` of a fine source as one item, adding any caution its method needs to `notes`.
    fn fine_item(&self, fine: &Fine, units: u32, notes: &mut Vec<String>) -> Item {
        let p = &self.stocks[fine.stock].product;
        let mg = f64::from(units) * fine.quantum;
        let item = |quantity: f64, unit: Unit, dilution: Option<Dilution>, text: String| Item {
            product_id: p.id.clone(),
            quantity,
            unit,
            mg,
            dilution,
            text,
            drawn: None,
        };
        match &fine.kind {
            FineKind::Syringe { dilution, .. } => {
                let ml = f64::from(units) * self.equipment.syringe_ml;
                let mut it = item(round_qty(ml), Unit::Ml, *dilution, syringe_text(p, ml, mg, dilution.as_ref()));
                if dilution.is_some() {
                    it.drawn = Some(Drawn {
                        product: p.describe(),
                        stock: stock_words(p),
                        amount: drawn_amount(p, ml, mg),
                        just_before: p.mix_just_before,
                    });
                }
                it
            }
            FineKind::Drops { .. } => {
                // Every amount carries its milligrams (a re-run: "9 drops of the oral drops").
                let counted = as_tablets(p, mg);
                let plain = if counted.is_empty() { format!(" ({} mg)", n(mg)) } else { String::new() };
                let few = if units < MIN_GRADUATIONS { format!(". {FEW_DROPS}") } else { String::new() };
                let text = format!(
                    "{units} drop{}{plain} of the {}{counted}{few}",
                    if units == 1 { "" } else { "s" },
                    p.describe()
                );
                item(f64::from(units), Unit::Drop, None, text)
            }
            FineKind::Beads { per_capsule } => {
                item(f64::from(units), Unit::Bead, None, beads_text(p, *per_capsule, units, notes))
            }
            FineKind::Weigh { fill_mg, scale_mg, .. } => {
                let powder = f64::from(units) * scale_mg;
                item(round_qty(powder), Unit::PowderMg, None, weigh_text(p, powder, *fill_mg, *scale_mg, notes))
            }
            FineKind::Strip => {
                item(round_qty(mg), Unit::Mg, None, format!("the day's pouch from the tapering strip ({} mg)", n(mg)))
            }
            FineKind::Compounded => item(round_qty(mg), Unit::Mg, None, format!("a compounded dose of {} mg", n(mg))),
        }
    }
}

/// `qty` whole, halved or quartered tablets or capsules of `p`, and how to cut them. Where the
/// kit also holds extended-release units, an immediate-release one says so (a re-run read "three
/// quarters of a 37.5 mg tablet" beside a 37.5 mg extended-release tablet that must not be cut).
fn whole_or_cut_item(p: &Product, qty: f64, both_releases: bool) -> Item {
    let (unit, noun) = match (&p.form, both_releases) {
        (Form::Capsule { kind: Some(kind), .. }, _) => (Unit::Capsule, kind.as_str()),
        (Form::Tablet { kind: Some(kind), .. }, _) => (Unit::Tablet, kind.as_str()),
        (Form::Capsule { .. }, false) => (Unit::Capsule, "capsule"),
        (Form::Capsule { .. }, true) => (Unit::Capsule, "immediate-release capsule"),
        (_, false) => (Unit::Tablet, "tablet"),
        (_, true) => (Unit::Tablet, "immediate-release tablet"),
    };
    let strength = p.unit_strength_mg().unwrap_or(0.0);
    let eq = qty * strength * p.relative_exposure;
    let cut = if qty.fract() == 0.0 {
        ""
    } else if matches!(p.form, Form::Tablet { scored: Some(true), .. }) && (qty * 2.0).fract() == 0.0 {
        " (break on the score line)"
    } else {
        " (cut with a tablet cutter)"
    };
    Item {
        product_id: p.id.clone(),
        quantity: qty,
        unit,
        mg: eq,
        dilution: None,
        text: if qty.fract() == 0.0 {
            // An extended-release unit says so: a walk read "1 × 225 mg tablet" and "1 × 37.5 mg
            // capsule" as the same release as the tablets beside them.
            // So does a unit of its own kind: "1 × 0.25 mg tablet" was an orally disintegrating one
            // (a re-run).
            let own_kind = matches!(&p.form, Form::Tablet { kind: Some(_), .. } | Form::Capsule { kind: Some(_), .. });
            let name =
                if p.is_modified_release() || own_kind { p.describe() } else { format!("{} mg {noun}", n(strength)) };
            format!("{} × {name}{}", n(qty), as_tablets(p, eq))
        } else {
            // In words with the milligrams beside them, not "1½ ×": a tired reader took the small
            // fraction for "1" or "12" (a walk).
            let cut = cut.trim_start().trim_start_matches('(').trim_end_matches(')');
            // Cut pieces differ by up to about 7 % (`schedule::QUARTER_CAUTION`, Habib 2014), so "28.125 mg"
            // would claim a precision it has not (a re-run, review §10): three figures, "about".
            let mg = qty * strength;
            let shown = crate::units::round_sig(mg, 3);
            let about = if shown == n(mg) { "" } else { "about " };
            format!(
                "{} ({about}{shown} mg; {cut}){}",
                pieces_in_words(qty, &format!("{} mg {noun}", n(strength))),
                as_tablets(p, eq)
            )
        },
        drawn: None,
    }
}

/// "0.9 mL (1.8 mg)": every volume with its milligrams, a second number to catch a tenfold slip
/// (review D1).
fn drawn_amount(p: &Product, ml: f64, mg: f64) -> String {
    match as_tablets(p, mg) {
        t if t.is_empty() => format!("{} mL ({} mg)", n(ml), n(mg)),
        t => format!("{} mL{t}", n(ml)),
    }
}

/// Why a dilution of a product whose label asks each dose to be mixed just before it is taken
/// is never kept (clinical review minor 18: sertraline concentrate).
/// Said only with a dilution: measuring through water is the plan's, not the label's (a re-run of
/// minor 18 found the plan never said so).
const JUST_BEFORE: &str = "its label asks for each dose to be mixed just before it is taken, never in advance; measuring a small dose through a water dilution is not in the label, so check this way with your pharmacist";

/// A product as a recipe names the millilitres of it mixed. Drops are measured by the syringe
/// here: a walk found that after months of counting drops, "mix 1 mL of the oral drops" could be
/// read as one drop, a dose twenty times too weak.
fn stock_words(p: &Product) -> String {
    match p.form {
        Form::Liquid { mg_per_ml, mg_per_drop: Some(per_drop), .. } if per_drop > 0.0 => format!(
            "{} (drawn up with the oral syringe, not counted: 1 mL is {} drops)",
            p.describe(),
            n((mg_per_ml / per_drop).round())
        ),
        _ => p.describe(),
    }
}

/// "mix 1 mL of the … with 9 mL of water (0.1 mg/mL) and shake". Water beyond a glass is
/// measured with a jug (a walk: "499 mL of water", with nothing said to measure it by).
fn recipe_text(stock: &str, d: &Dilution) -> String {
    let jug = if d.water_ml > GLASS_ML { "; measure the water with a kitchen measuring jug" } else { "" };
    format!(
        "mix {} mL of the {stock} with {} mL of water ({} mg/mL{jug}) and shake",
        n(d.stock_ml),
        n(d.water_ml),
        n(d.mg_per_ml)
    )
}

/// `ml` of a liquid by oral syringe, with the dilution recipe when there is one.
fn syringe_text(p: &Product, ml: f64, mg: f64, dilution: Option<&Dilution>) -> String {
    let desc = p.describe();
    let amount = drawn_amount(p, ml, mg);
    match dilution {
        // Measured neat but never taken neat (clinical review minor 18: the row said "undiluted"
        // beside a note saying "never take it neat").
        None if p.mix_just_before => {
            format!("{amount} of the {desc}, drawn up as it comes, then mixed into a drink just before you take it")
        }
        None => format!("{amount} of the {desc}, undiluted"),
        // The dose drawn from it is mixed into a drink as the concentrate's own is (its label):
        // a walk found the calendar's dilution steps saying only "take only that".
        Some(d) if p.mix_just_before => format!(
            "Just before the dose, make the {} dilution: {}. Draw up {amount} with the oral syringe at once; mix only that into a drink and drink it all. Throw the rest of the dilution away ({JUST_BEFORE}).",
            d.ratio(),
            recipe_text(&stock_words(p), d)
        ),
        Some(d) => format!(
            "Make the {} dilution: {}. Draw up {amount} with the oral syringe and take only that. Throw the rest away (make it fresh each day).",
            d.ratio(),
            recipe_text(&stock_words(p), d)
        ),
    }
}

/// Beads counted from a capsule; more than half a capsule is said as what to take out.
fn beads_text(p: &Product, per_capsule: u32, units: u32, notes: &mut Vec<String>) -> String {
    let desc = p.describe();
    if matches!(p.form, Form::Capsule { contents: CapsuleContents::EntericPellets, .. }) {
        notes.push(format!("The label of the {desc} says not to open it; counting its pellets is off-label — agree it with your prescriber."));
    }
    if units * 2 > per_capsule {
        let out = per_capsule - units;
        format!(
            "open a {desc} (about {per_capsule} beads), take out {out} bead{} and take the other {units}",
            if out == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "{units} bead{} counted from a {desc} (of about {per_capsule} beads)",
            if units == 1 { "" } else { "s" }
        )
    }
}

/// Powder or pellets weighed from a capsule, with a caution when the amount is near the scale's
/// readability.
fn weigh_text(p: &Product, powder: f64, fill_mg: f64, scale_mg: f64, notes: &mut Vec<String>) -> String {
    let desc = p.describe();
    // A re-run: 10 mg of temazepam powder weighed with no word that this is off-label or that a
    // part of the powder need not hold its share of the drug.
    let caution = format!(
        "Weighing part of the contents of a {desc} is not in its label, and the drug need not be spread evenly through the powder, so a weighed part may hold more or less than its share: ask your pharmacist before relying on it."
    );
    if !notes.contains(&caution) {
        notes.push(caution);
    }
    if powder < 10.0 * scale_mg {
        notes.push(format!("Weighing {} mg of powder is under ten times your scale's readability ({} mg) and may be unreliable (Inner Compass guide).", n(powder), n(scale_mg)));
    }
    match p.form {
        Form::Capsule { contents: CapsuleContents::Powder | CapsuleContents::Unknown, .. } => {
            format!("weigh {} mg of powder from a {desc} (contents {} mg)", n(powder), n(fill_mg))
        }
        _ => format!(
            "weigh {} mg of the pellets from a {desc} (contents {} mg); do not crush them",
            n(powder),
            n(fill_mg)
        ),
    }
}

/// The product's own note (label cautions, alcohol content, how long it keeps), once.
fn note_product(p: &Product, notes: &mut Vec<String>) {
    if let Some(note) = &p.note {
        let line = format!("{}: {note}", crate::units::capitalise(&p.describe()));
        if !notes.contains(&line) {
            notes.push(line);
        }
    }
}

/// For a product whose exposure per mg differs from the tablets', what the amount is as tablets.
fn as_tablets(p: &Product, equivalent_mg: f64) -> String {
    if (p.relative_exposure - 1.0).abs() < 1e-9 {
        return String::new();
    }
    let form = match p.form {
        Form::Liquid { .. } => "as the liquid",
        Form::Capsule { .. } => "as capsules",
        Form::Tablet { .. } | Form::Compounded { .. } | Form::Strip { .. } => "as this form",
    };
    let against = p.counted_against();
    format!(" ({} mg {form}, counted as {} mg of {against})", n(equivalent_mg / p.relative_exposure), n(equivalent_mg))
}

#[derive(Debug, Clone)]
struct Candidate<'c> {
    coarse: &'c Coarse,
    fine: Option<(usize, u32)>,
    mg: f64,
    cost: u32,
}

fn round_qty(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

/// A cut quantity of `unit` in words: "half a 10 mg tablet", "three quarters of a …",
/// "1 and a half 10 mg tablets". Pieces are quarters at the finest.
#[allow(clippy::cast_possible_truncation)] // a few pieces
fn pieces_in_words(q: f64, unit: &str) -> String {
    let whole = q.trunc() as i64;
    let part = match ((q - q.trunc()) * 4.0).round() as i64 {
        1 => "a quarter",
        2 => "a half",
        _ => "three quarters",
    };
    match whole {
        0 if part == "a half" => format!("half a {unit}"),
        0 => format!("{part} of a {unit}"),
        w => format!("{w} and {part} {unit}s"),
    }
}

/// All combinations of up to `MAX_PIECES` pieces, at most one cut piece per product, keeping
/// the simplest combination for each distinct total.
/// Every way of making a dose from at most [`MAX_PIECES`] whole or cut units, the simplest per
/// dose; `modified` says per stock whether it is modified-release, so that of two equally simple
/// ways the one that does not mix release forms is kept (a 37.5 mg immediate-release tablet
/// beside a 150 mg capsule had hidden two capsules).
fn coarse_combinations(pieces: &[Piece], modified: &[bool]) -> Vec<Coarse> {
    let mut out = every_combination(pieces, modified.len());
    let mixes = |c: &Coarse| {
        let mr = c.counts.iter().filter(|(s, _)| modified[*s]).count();
        mr > 0 && mr < c.counts.len()
    };
    out.sort_by(|a, b| a.mg.total_cmp(&b.mg).then(a.cost.cmp(&b.cost)).then(mixes(a).cmp(&mixes(b))));
    out.dedup_by(|later, earlier| (later.mg - earlier.mg).abs() < 1e-9);
    out
}

/// As `coarse_combinations`, the simplest per dose and set of products: the ways a change of
/// products could take (`Solver::alternatives`), which the list per dose alone hides (two
/// 187.5 mg ways: extended-release tablets or capsules).
fn combinations_per_set(pieces: &[Piece], stocks: usize) -> Vec<Coarse> {
    let mut out = every_combination(pieces, stocks);
    let set = |c: &Coarse| c.counts.iter().map(|(s, _)| *s).collect::<Vec<usize>>();
    out.sort_by(|a, b| a.mg.total_cmp(&b.mg).then(set(a).cmp(&set(b))).then(a.cost.cmp(&b.cost)));
    out.dedup_by(|later, earlier| (later.mg - earlier.mg).abs() < 1e-9 && set(later) == set(earlier));
    out
}

/// Every combination of at most [`MAX_PIECES`] whole or cut units (each cut piece once).
fn every_combination(pieces: &[Piece], stocks: usize) -> Vec<Coarse> {
    let mut out: Vec<Coarse> = vec![Coarse { mg: 0.0, counts: Vec::new(), cost: 0 }];
    let mut counts = vec![0.0_f64; stocks];
    let mut cut_used = vec![false; stocks];
    fn walk(
        pieces: &[Piece],
        start: usize,
        used: u32,
        mg: f64,
        cost: u32,
        counts: &mut Vec<f64>,
        cut_used: &mut Vec<bool>,
        out: &mut Vec<Coarse>,
    ) {
        if used == MAX_PIECES {
            return;
        }
        for (i, piece) in pieces.iter().enumerate().skip(start) {
            let is_cut = piece.fraction < 1.0;
            if is_cut && cut_used[piece.stock] {
                continue;
            }
            counts[piece.stock] += piece.fraction;
            if is_cut {
                cut_used[piece.stock] = true;
            }
            let total = mg + piece.mg;
            let c = cost + piece.cost;
            let list: Vec<(usize, f64)> =
                counts.iter().enumerate().filter(|(_, q)| **q > 0.0).map(|(s, q)| (s, *q)).collect();
            out.push(Coarse { mg: total, counts: list, cost: c });
            // Cut pieces can only be taken once; whole ones may repeat.
            let next = if is_cut { i + 1 } else { i };
            walk(pieces, next, used + 1, total, c, counts, cut_used, out);
            counts[piece.stock] -= piece.fraction;
            if is_cut {
                cut_used[piece.stock] = false;
            }
        }
    }
    walk(pieces, 0, 0, 0.0, 0, &mut counts, &mut cut_used, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;

    fn kit(ids: &[&str]) -> Kit {
        let c = Catalogue::builtin().unwrap();
        Kit {
            stocks: ids.iter().map(|id| Stock::new(c.product(id).unwrap().clone())).collect(),
            equipment: Equipment::default(),
        }
    }

    fn open(low: f64, high: f64) -> Window {
        Window { low, high, high_inclusive: false }
    }

    /// A re-run: temazepam powder weighed from a capsule with no word that this is off-label or
    /// that a weighed part need not hold its share of the drug.
    #[test]
    fn weighing_a_capsules_powder_says_it_is_off_label_and_may_be_uneven() {
        let mut k = kit(&["temazepam-cap-15mg"]);
        k.stocks[0].fill_weight_mg = Some(150.0);
        k.equipment.scale_mg = Some(1.0);
        let c = Solver::new(&k).solve(13.5, open(13.0, 14.0), 0.2).unwrap();
        assert!(c.preparation.instruction().contains("weigh"), "{}", c.preparation.instruction());
        let caution: Vec<&String> = c.preparation.notes.iter().filter(|n| n.contains("not in its label")).collect();
        assert_eq!(caution.len(), 1, "{:?}", c.preparation.notes);
        assert!(caution[0].contains("spread evenly") && caution[0].contains("pharmacist"), "{}", caution[0]);
    }

    #[test]
    fn tablets_plus_liquid_make_an_in_between_dose() {
        let solver =
            Solver::new(&kit(&["sertraline-tab-50mg", "sertraline-tab-25mg", "sertraline-concentrate-20mg-ml"]));
        let choice = solver.solve(66.0, open(60.0, 100.0), 0.5).unwrap();
        assert!((choice.preparation.dose_mg - 66.0).abs() < 1e-9, "{:?}", choice);
        // 50 mg + 0.8 mL would measure fewer than ten graduations: never (clinical review D1).
        // The concentrate alone is measured instead, with its milligrams beside the volume.
        let liquid = choice.preparation.items.iter().find(|i| i.unit == Unit::Ml).expect("a measured liquid");
        assert!(liquid.quantity >= 1.0 - 1e-9, "{liquid:?}");
        assert_eq!(
            liquid.text,
            "3.3 mL (66 mg) of the oral concentrate 20 mg/mL, drawn up as it comes, then mixed into a drink just before you take it"
        );
    }

    #[test]
    fn a_first_liquid_taken_up_can_carry_the_whole_dose_alone() {
        // The sweep found nortriptyline plans taking up a 1 in 20 dilution beside a tablet,
        // then stuck at 5 mg: the dilution could never carry the dose once the tablet dropped
        // out, and no stronger liquid may follow a weaker one. Before any liquid was measured,
        // every strength counted as the current one, so the rule never applied to the first.
        let ids = ["nortriptyline-cap-10mg", "nortriptyline-oral-solution-10mg-5ml"];
        let solver = Solver::new(&kit(&ids));
        for target in [10.12, 9.11, 8.2, 6.84, 5.14] {
            let window = open(target * 0.9, target * 1.1);
            let Some(choice) = solver.solve(target, window, target * 0.01) else { continue };
            for item in choice.preparation.items.iter().filter(|i| i.unit == Unit::Ml) {
                let strength = item.dilution.as_ref().map_or(2.0, |d| d.mg_per_ml);
                let most = strength * Equipment::default().syringe_max_ml;
                assert!(most >= window.low - 1e-9, "{target} mg: {strength} mg/mL carries {most} mg: {item:?}");
            }
        }
    }

    #[test]
    fn dilutes_when_the_syringe_is_too_coarse() {
        let solver = Solver::new(&kit(&["citalopram-oral-drops-40mg-ml"]));
        let choice = solver.solve(0.5, open(0.4, 0.73), 0.04).unwrap();
        let item = &choice.preparation.items[0];
        assert!(item.dilution.is_some() && item.quantity >= 1.0 - 1e-9, "{item:?}");
        assert!((choice.preparation.dose_mg - 0.5).abs() <= 0.04);
        // 0.31 mg was 0.8 mL of a 1 in 100 dilution (clinical review minor 16): a weaker one
        // measures it in ten graduations or more.
        let small = solver.solve(0.31, open(0.25, 0.73), 0.04).unwrap();
        let item = &small.preparation.items[0];
        let weak = item.dilution.as_ref().is_some_and(|d| d.stock_ml + d.water_ml > 100.0);
        assert!(small.within_tolerance && weak && item.quantity >= 1.0 - 1e-9, "{item:?}");
        // 0.06 mg would be 0.6 mL of the weakest dilution (0.1 mg/mL counted as tablets): the
        // nearest dose ten graduations can give is offered instead, never a smaller volume.
        let near = solver.solve(0.06, open(0.05, 0.2), 0.006).unwrap();
        assert!(
            !near.within_tolerance
                && near.preparation.items.iter().all(|i| i.unit != Unit::Ml || i.quantity >= 1.0 - 1e-9),
            "{near:?}"
        );
    }

    #[test]
    fn never_leaves_the_window() {
        let solver = Solver::new(&kit(&["sertraline-tab-50mg"]));
        // With whole 50 mg tablets only, nothing lies in [80, 100).
        assert!(solver.solve(90.0, open(80.0, 100.0), 1.0).is_none());
        let choice = solver.solve(45.0, open(40.0, 100.0), 1.0).unwrap();
        assert!((choice.preparation.dose_mg - 50.0).abs() < 1e-9);
        assert!(!choice.within_tolerance);
    }

    #[test]
    fn scored_tablets_halve_without_a_cutter_but_unscored_need_one() {
        let solver = Solver::new(&kit(&["diazepam-tab-5mg"]));
        let c = solver.solve(2.5, open(2.0, 5.0), 0.1).unwrap();
        assert_eq!(c.preparation.instruction(), "half a 5 mg tablet (2.5 mg; break on the score line)");
        // Celexa 10 mg is not scored (its 20 and 40 mg tablets are).
        let solver = Solver::new(&kit(&["citalopram-tab-10mg"]));
        assert!(solver.solve(5.0, open(4.0, 10.0), 0.1).is_none());
        let mut with_cutter = kit(&["citalopram-tab-10mg"]);
        with_cutter.equipment.cutter = true;
        let c = Solver::new(&with_cutter).solve(5.0, open(4.0, 10.0), 0.1).unwrap();
        assert!(c.preparation.instruction().contains("tablet cutter"));
    }

    /// A walk: "1½ × 10 mg tablet" and "¾ × 10 mg tablet", whose small fractions a tired reader
    /// can take for "1" or "12". Cut pieces are written in words, with their milligrams.
    #[test]
    fn cut_tablets_are_written_in_words_with_their_milligrams() {
        assert_eq!(pieces_in_words(0.25, "10 mg tablet"), "a quarter of a 10 mg tablet");
        assert_eq!(pieces_in_words(0.5, "10 mg tablet"), "half a 10 mg tablet");
        assert_eq!(pieces_in_words(0.75, "10 mg tablet"), "three quarters of a 10 mg tablet");
        assert_eq!(pieces_in_words(1.25, "10 mg tablet"), "1 and a quarter 10 mg tablets");
        assert_eq!(pieces_in_words(2.5, "10 mg tablet"), "2 and a half 10 mg tablets");
        let mut with_cutter = kit(&["citalopram-tab-10mg"]);
        with_cutter.equipment.cutter = true;
        let c = Solver::new(&with_cutter).solve(7.5, open(7.0, 8.0), 0.1).unwrap();
        let text = c.preparation.instruction();
        assert_eq!(text, "three quarters of a 10 mg tablet (7.5 mg; cut with a tablet cutter)");
        assert!(!text.contains(['¼', '½', '¾']));
        // A piece whose exact share has more figures than a cut piece holds says "about" (a
        // re-run, review §10: "28.125 mg" from three quarters of a 37.5 mg tablet).
        let mut quarters = kit(&["venlafaxine-tab-37.5mg"]);
        quarters.equipment.cutter = true;
        let c = Solver::new(&quarters).solve(28.125, open(27.0, 29.0), 0.1).unwrap();
        assert!(c.preparation.instruction().contains("(about 28.1 mg; cut"), "{}", c.preparation.instruction());
    }

    #[test]
    fn extended_release_is_never_cut() {
        let mut k = kit(&["desvenlafaxine-er-tab-50mg"]);
        k.equipment.cutter = true;
        assert!(Solver::new(&k).solve(25.0, open(10.0, 50.0), 1.0).is_none());
    }

    #[test]
    fn beads_count_when_the_person_gives_a_count() {
        let mut k = kit(&["venlafaxine-xr-cap-37.5mg"]);
        k.stocks[0].beads_per_capsule = Some(60);
        let c = Solver::new(&k).solve(30.0, open(25.0, 37.5), 0.5).unwrap();
        assert_eq!(c.preparation.items[0].unit, Unit::Bead);
        assert!((c.preparation.dose_mg - 30.0).abs() < 1e-9, "48 beads × 0.625 mg");
    }

    #[test]
    fn an_empty_preparation_reads_as_stop_only_at_zero() {
        assert_eq!(Preparation::none(0.0).instruction(), "none (stop)");
        let today = Preparation::none(20.0).instruction();
        assert!(!today.contains("stop") && today.starts_with("20 mg, prepared as you do today"), "{today}");
    }
}
