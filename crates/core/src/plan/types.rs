//! What a plan is: the request (drug, start, `Strategy`, interval, kit) and the result (`Plan`,
//! its `Step`s, `Warning`s and status), with the defaults and caps every plan keeps. Standing
//! alone, so `safety` can check a plan without depending on the planner that made it.

use crate::catalogue::{EquivalenceScheme, OccupancyFit};
use crate::formulation::{Kit, Preparation};
use crate::justification::Justification;
use crate::occupancy::Occupancy;
use crate::units::{DoseTimes, Mg, StepSize, trim_number as n};

/// How long each stage of a benzodiazepine switch lasts unless another is chosen: the longer end
/// of ASAM 2025's one to two weeks per stage.
pub const DEFAULT_STAGE_DAYS: u32 = 14;

/// Plans never run longer than this many steps.
pub const MAX_STEPS: usize = 250;

/// The step a hyperbolic plan takes unless another is chosen: the cautious end of Horowitz &
/// Taylor's 5–10 percentage points.
pub const DEFAULT_STEP_PP: f64 = 5.0;
/// The step a proportional plan takes unless another is chosen: 10 % of the current dose, the
/// peer-support practice in shared/clinical/pharmacology.md §2.
pub const DEFAULT_STEP_PERCENT: f64 = 10.0;

/// Days between steps unless another interval is chosen: the slow end of "every 2–4 weeks"
/// (ASAM 2025 for benzodiazepines; Horowitz & Taylor 2019 for antidepressants), and one
/// 28-day tapering-strip roll (shared/clinical/pharmacology.md §2, §9).
pub const DEFAULT_INTERVAL_DAYS: u32 = 28;

/// The linear step, when none is chosen, as a percent of the starting dose: ten equal cuts.
pub const DEFAULT_LINEAR_PERCENT: f64 = 10.0;

pub use crate::formulation::MAX_PRODUCTS;

/// How far over the requested step a realised step may go because of measuring: a tenth.
pub const MEASURING_SLACK: f64 = 1.1;

#[derive(Debug, Clone, PartialEq)]
pub enum Strategy {
    /// Percentage points of occupancy per step.
    Hyperbolic { step_pp: f64 },
    /// Percent of the current dose per step.
    Proportional { step_percent: f64 },
    /// Fixed mg per step; for comparison only.
    Linear { step_mg: f64 },
    /// The doses to take, in order, after the starting dose.
    Manual { doses: Vec<Mg> },
}

impl Strategy {
    /// A step size of `value` in this strategy's unit: percentage points for hyperbolic plans,
    /// percent of the dose for proportional ones; linear and manual plans have no such limit.
    pub fn step_size(&self, value: f64) -> Option<StepSize> {
        match self {
            Strategy::Hyperbolic { .. } => Some(StepSize::PercentagePoints(value)),
            Strategy::Proportional { .. } => Some(StepSize::Percent(value)),
            Strategy::Linear { .. } | Strategy::Manual { .. } => None,
        }
    }

    /// A linear plan cutting `percent` of the starting dose each step (the default when `None`).
    pub fn linear_percent_of(start: Mg, percent: Option<f64>) -> Strategy {
        Strategy::Linear { step_mg: start.get() * percent.unwrap_or(DEFAULT_LINEAR_PERCENT) / 100.0 }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Strategy::Hyperbolic { .. } => "hyperbolic",
            Strategy::Proportional { .. } => "proportional",
            Strategy::Linear { .. } => "linear",
            Strategy::Manual { .. } => "manual",
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Strategy::Hyperbolic { step_pp } => {
                format!("{} percentage points of modelled occupancy per step", n(*step_pp))
            }
            Strategy::Proportional { step_percent } => {
                format!("{}% of the current dose per step", n(*step_percent))
            }
            Strategy::Linear { step_mg } => {
                format!("{} mg per step (linear, for comparison only)", n(*step_mg))
            }
            Strategy::Manual { doses } => format!("{} doses listed by hand", doses.len()),
        }
    }
}

/// Everything needed to plan one drug.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    pub drug: String,
    pub start: Mg,
    pub strategy: Strategy,
    pub interval_days: u32,
    /// Once a dose is at or below this, the next step is zero.
    pub final_dose: Option<Mg>,
    /// End the plan at this dose instead of stopping.
    pub end_at: Option<Mg>,
    /// Spread each step over its days as small daily decrements.
    pub micro_taper: bool,
    /// One occupancy region instead of every published fit read most cautiously.
    pub region: Option<String>,
    pub kit: Kit,
    /// A prescriber's recorded reason for going faster than the pace limits.
    pub pace_override: Option<Justification>,
    /// The person confirmed a starting dose outside the plausible range (above the labelled
    /// maximum, or far below any product).
    pub confirm_dose: bool,
    /// Where the person gets their medicine ("US", "UK"): a product suggested to make a step
    /// possible is one sold there (walk-through N5). `None`: any.
    pub market: Option<String>,
    /// The times of day the dose is taken (clinical review W6); `None`: the label's division
    /// of the products' form at Taper's usual times (`DoseTimes::usual`).
    pub times: Option<DoseTimes>,
    /// With `times`: the dose taken now at each of them, as the person takes it; step 0 shows
    /// it so, and later days keep the same shares. `None`: equal shares.
    pub amounts: Option<Vec<Mg>>,
    /// The product the dose is taken as now, when the person says: step 0 is made from it, so
    /// a later change of release form or product is read against what they really take
    /// (clinical review re-run: a person on a 75 mg XR capsule was planned from immediate-release
    /// tablets, and the move to the oral solution went unannounced). `None`: the planner's own.
    pub taken_now: Option<String>,
}

impl PlanRequest {
    /// A request with the usual defaults: a step every 28 days, the default final dose, no end
    /// dose, no micro-taper, every occupancy fit, no pace override, no confirmed dose.
    pub fn new(drug: impl Into<String>, start: Mg, strategy: Strategy, kit: Kit) -> Self {
        PlanRequest {
            drug: drug.into(),
            start,
            strategy,
            interval_days: DEFAULT_INTERVAL_DAYS,
            final_dose: None,
            end_at: None,
            micro_taper: false,
            region: None,
            kit,
            pace_override: None,
            confirm_dose: false,
            market: None,
            times: None,
            amounts: None,
            taken_now: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DailyDose {
    pub day: u32,
    pub target_mg: f64,
    /// The dose prepared that day: an `Mg`, never negative or NaN.
    pub dose_mg: Mg,
    pub preparation: Preparation,
}

impl DailyDose {
    /// How far the prepared dose is from the ideal target, in mg.
    pub fn error_mg(&self) -> f64 {
        self.dose_mg.get() - self.target_mg
    }
}

/// An ideal target as shown beside the dose: to a hundredth of a milligram, or three significant
/// figures below 1 mg (where hundredths would turn 0.0236 mg into 0.02). Targets are not measured
/// out, only compared with the dose, so finer figures ("4.8311 mg", clinical review §10) would
/// suggest a precision no preparation has.
#[allow(clippy::cast_possible_truncation)] // a float's decimal exponent fits an i32
pub fn target_as_shown(target_mg: f64) -> f64 {
    if !target_mg.is_finite() || target_mg == 0.0 {
        return target_mg;
    }
    let decimals = if target_mg.abs() >= 1.0 { 2 } else { 2 - target_mg.abs().log10().floor() as i32 };
    let scale = 10f64.powi(decimals);
    (target_mg * scale).round() / scale
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub index: usize,
    /// Day the step starts, counted from the plan's start (day 0).
    pub day: u32,
    pub target_mg: f64,
    /// The dose realised from the kit: an `Mg`, never negative or NaN.
    pub dose_mg: Mg,
    pub target_occupancy: Option<f64>,
    pub occupancy: Option<f64>,
    /// Where several fits are read, the region whose fit governs this step's target.
    pub fit: Option<String>,
    pub preparation: Preparation,
    pub within_tolerance: bool,
    /// Daily doses inside the step when micro-tapering (day of the step's start excluded).
    pub daily: Vec<DailyDose>,
}

impl Step {
    pub fn error_mg(&self) -> f64 {
        self.dose_mg.get() - self.target_mg
    }

    pub fn error_percent(&self) -> Option<f64> {
        (self.target_mg > 0.0).then(|| 100.0 * self.error_mg() / self.target_mg)
    }

    /// The stock the `days` from this step's first day use up: its own preparation on days
    /// without a daily dose of their own, each daily dose on its day.
    pub fn stock(&self, days: u32) -> Vec<crate::formulation::StockNeed> {
        let mut total = Vec::new();
        let own_days = days.saturating_sub(u32::try_from(self.daily.len()).unwrap_or(u32::MAX));
        for n in self.preparation.daily_use() {
            crate::formulation::add_stock(
                &mut total,
                &[crate::formulation::StockNeed { amount: n.amount * f64::from(own_days), days: own_days, ..n }],
            );
        }
        for d in &self.daily {
            crate::formulation::add_stock(&mut total, &d.preparation.daily_use());
        }
        total
    }

    pub(crate) fn zero(index: usize, day: u32, occupancy: Option<f64>) -> Step {
        Step {
            index,
            day,
            target_mg: 0.0,
            dose_mg: Mg::ZERO,
            target_occupancy: occupancy,
            occupancy,
            fit: None,
            preparation: Preparation::none(0.0),
            within_tolerance: true,
            daily: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub code: &'static str,
    pub message: String,
    pub step: Option<usize>,
}

impl Warning {
    pub(crate) fn plan(code: &'static str, message: String) -> Warning {
        Warning { code, message, step: None }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum PlanStatus {
    Complete,
    /// The plan stops early: the next step cannot be prepared within its limit.
    Incomplete {
        reason: String,
        suggestion: Option<Suggestion>,
    },
}

/// A concrete option that would let a stopped plan continue.
#[derive(Debug, Clone, PartialEq)]
pub enum Suggestion {
    /// A product of the same drug the person does not have yet.
    Product { id: String, description: String },
    /// Cutting tablets with a tablet cutter.
    Cutter,
    /// A compounding pharmacy's preparation.
    Compounding,
    /// A finer precision from the compounding pharmacy the person already uses.
    FinerCompounding,
}

impl Suggestion {
    /// In words for a person, naming no product id or command-line flag.
    pub fn plain(&self) -> String {
        match self {
            Suggestion::Product { description, .. } => {
                format!("Adding the {description} would make this step possible; ask your prescriber or pharmacist.")
            }
            Suggestion::Cutter => "Cutting tablets with a tablet cutter would make this step possible.".into(),
            Suggestion::Compounding => {
                "A compounding pharmacy can make the next step's dose; ask your prescriber or pharmacist about it."
                    .into()
            }
            Suggestion::FinerCompounding => {
                "Your pharmacy would need to make the next step's dose more precisely; ask them how fine they can go."
                    .into()
            }
        }
    }

    /// In words for the command line, naming the product id or the flag to add.
    pub fn for_cli(&self) -> String {
        match self {
            Suggestion::Product { id, description } => format!(
                "Adding the {description} (--have {id}) would make this step possible; ask your prescriber or pharmacist."
            ),
            Suggestion::Cutter => {
                "Cutting tablets with a tablet cutter (--cutter) would make this step possible.".into()
            }
            Suggestion::Compounding => {
                "A compounding pharmacy can make the next step's dose (add a compounded product with --compounded)."
                    .into()
            }
            Suggestion::FinerCompounding => "A finer --compounded precision would make this dose possible.".into(),
        }
    }
}

/// The occupancy fits a plan read: one region's, or several read most cautiously.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelUsed {
    pub fits: Vec<OccupancyFit>,
    pub occupancy: Occupancy,
}

impl ModelUsed {
    pub fn combined(&self) -> bool {
        self.fits.len() > 1
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub drug_id: String,
    pub drug_name: String,
    pub strategy: Strategy,
    /// The strategy asked for, when the planner had to use another (no occupancy model).
    pub requested_strategy: Option<&'static str>,
    pub model: Option<ModelUsed>,
    pub interval_days: u32,
    pub final_dose_mg: Option<f64>,
    /// The largest step any realised dose may take: percentage points (hyperbolic) or percent of
    /// the dose (proportional). None for linear and manual plans.
    pub step_limit: Option<StepSize>,
    pub steps: Vec<Step>,
    pub warnings: Vec<Warning>,
    pub status: PlanStatus,
    pub pace_override: Option<Justification>,
    pub dose_confirmed: bool,
}

impl Plan {
    pub fn is_complete(&self) -> bool {
        self.status == PlanStatus::Complete
    }
    pub fn total_days(&self) -> u32 {
        self.steps.last().map_or(0, |s| s.day)
    }

    /// The plan as a revision that took effect `day_offset` days into it shows it: the steps
    /// from the one in force on that day, counted from it; with `hold`, that dose alone (a
    /// plan's chart drew the whole re-plan from its first day, though Today and the table had
    /// moved on: a walk).
    pub fn as_revised(mut self, day_offset: u32, hold: bool) -> Plan {
        let first = self.steps.iter().rposition(|s| s.day <= day_offset).unwrap_or(0);
        self.steps.drain(..first);
        for s in &mut self.steps {
            s.day = s.day.saturating_sub(day_offset);
            s.daily.retain(|d| d.day >= day_offset);
            for d in &mut s.daily {
                d.day -= day_offset;
            }
        }
        if hold {
            self.steps.truncate(1);
            if let Some(s) = self.steps.first_mut() {
                s.daily.clear();
            }
        }
        self
    }

    /// What the plan's step limit does not cover, in words to follow "No step is larger than
    /// …": steps held longer, and for a limit in percent the last step, to zero (a walk read "No
    /// step is larger than 11 %" above a last step of 3.6 mg to 0). Empty when nothing is excepted.
    pub fn step_limit_except(&self) -> String {
        let mut out = Vec::new();
        if self.warnings.iter().any(|w| w.code == "held-longer" || w.code == "near-stop") {
            out.push("the steps held longer (see the notes)".to_string());
        }
        let percent = self.step_limit.is_some_and(|l| !matches!(l, StepSize::PercentagePoints(_)));
        if let [.., before, last] = self.steps.as_slice()
            && percent
            && last.dose_mg.is_zero()
        {
            out.push(format!("the last step, from {} mg to zero, the stop", n(before.dose_mg.get())));
        }
        if out.is_empty() { String::new() } else { format!(", except {}", out.join(" and ")) }
    }

    /// A proportional plan's cut from `from` to `to` (not to zero) that is no larger than its own
    /// step to zero (see `within_stop`).
    pub fn no_larger_than_stop(&self, from: f64, to: f64) -> bool {
        matches!(self.strategy, Strategy::Proportional { .. })
            && within_stop(self.model.as_ref(), self.final_dose_mg, from, to)
    }

    /// Days `step` is held before the next one: the interval, or longer in proportion where the
    /// cut into it (from `before`) went past the plan's step limit (see `days_held` below).
    pub fn days_held(&self, before: Option<&Step>, step: &Step) -> u32 {
        held_after(&self.strategy, self.interval_days, self.step_limit.and_then(StepSize::percent), before, step)
    }
}

/// A cut from `from` to `to` (both above zero) no larger than stopping from `final_dose`, the
/// step to zero the plan takes at its end anyway: it removes no more milligrams than that stop
/// (a benzodiazepine's 0.5 mg diazepam-equivalent, or the final dose), and, where a model is read,
/// no more modelled occupancy under any fit (milligrams alone would allow large cuts high on the
/// flat top of the curve; occupancy alone would too). Holding above such a step is no gentler than the stop that
/// follows it (clinical review minor 21 and walk-through B1: plans held for good at 0.6 mg of
/// paroxetine and 0.03 mg of clonazepam, a little above the dose they may stop from).
pub(crate) fn within_stop(model: Option<&ModelUsed>, final_dose: Option<f64>, from: f64, to: f64) -> bool {
    let Some(last) = final_dose.filter(|f| *f > 0.0) else { return false };
    if to <= 0.0 || to >= from {
        return false;
    }
    from - to <= last + 1e-9
        && model.is_none_or(|m| m.occupancy.largest_drop(from, to) <= m.occupancy.largest_drop(last, 0.0) + 1e-9)
}

/// Days `step` is held under `strategy` (proportional plans only), given the step reached from
/// `before` and the plan's realised step limit in percent: the one rule the planner lays days
/// out by and the safety net checks them by. Near the end too: held one interval, the last steps
/// ran up to ten times the pace asked, in occupancy as in milligrams (a walk); the pace over time
/// stays as asked, at the cost of long holds at small doses, which the plan says.
pub(crate) fn held_after(
    strategy: &Strategy,
    interval: u32,
    limit_percent: Option<f64>,
    before: Option<&Step>,
    step: &Step,
) -> u32 {
    match (strategy, before) {
        (Strategy::Proportional { step_percent }, Some(b)) => days_held(
            interval,
            b.dose_mg.get(),
            step.dose_mg.get(),
            *step_percent,
            limit_percent.unwrap_or(*step_percent),
        ),
        _ => interval,
    }
}

#[derive(Debug, Clone)]
pub struct CrossoverRequest {
    pub from_drug: String,
    /// The dose taken at each dose-time now: (hour of day, mg).
    pub doses: Vec<(f64, Mg)>,
    pub to_drug: String,
    pub scheme: EquivalenceScheme,
    /// Days each stage lasts (ASAM 2025: 1–2 weeks).
    pub stage_days: u32,
    /// What the person has of the long-acting drug.
    pub kit: Kit,
    /// The taper of the long-acting drug after the switch.
    pub taper_step_percent: f64,
    pub taper_interval_days: u32,
    pub pace_override: Option<Justification>,
    /// The person confirmed a daily total above the drug's labelled maximum.
    pub confirm_dose: bool,
    /// Times of day the new drug is taken (hours after midnight); empty: the times of today's
    /// doses.
    pub to_times: Vec<f64>,
    /// The pre-switch screen's answers.
    pub screen: Screen,
    /// A prescriber's recorded reason for a switch the label or the screen would otherwise
    /// stop (a total above the new drug's labelled maximum; a long-acting drug at 65 or over).
    pub reason: Option<Justification>,
}

/// What the pre-switch screen asks before a benzodiazepine switch (clinical review §11: age,
/// liver, lungs and sleep apnoea, opioids and gabapentinoids, pregnancy). Answered once at the
/// edge; "none of these" is an answer, so a screen that was never asked cannot reach a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Screen(std::collections::BTreeSet<Risk>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Risk {
    Age65,
    Liver,
    Copd,
    SleepApnoea,
    Opioid,
    Gabapentinoid,
    Pregnancy,
}

impl Risk {
    pub const ALL: [Risk; 7] =
        [Risk::Age65, Risk::Liver, Risk::Copd, Risk::SleepApnoea, Risk::Opioid, Risk::Gabapentinoid, Risk::Pregnancy];

    /// The word used on the command line and in forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Age65 => "age-65",
            Risk::Liver => "liver",
            Risk::Copd => "copd",
            Risk::SleepApnoea => "sleep-apnoea",
            Risk::Opioid => "opioid",
            Risk::Gabapentinoid => "gabapentinoid",
            Risk::Pregnancy => "pregnancy",
        }
    }

    /// The question, in words.
    pub fn label(self) -> &'static str {
        match self {
            Risk::Age65 => "aged 65 or over",
            Risk::Liver => "liver disease",
            Risk::Copd => "COPD or another long-term lung disease",
            Risk::SleepApnoea => "sleep apnoea",
            Risk::Opioid => "takes an opioid",
            Risk::Gabapentinoid => "takes gabapentin or pregabalin",
            Risk::Pregnancy => "pregnant or may become pregnant",
        }
    }
}

impl Screen {
    pub fn new(risks: impl IntoIterator<Item = Risk>) -> Screen {
        Screen(risks.into_iter().collect())
    }

    /// "none", or a comma-separated list of `Risk::as_str` words.
    pub fn parse(field: &str, input: &str) -> Result<Screen, crate::error::InputError> {
        let allowed = || {
            format!(
                "answer 'none', or list those that apply, comma-separated: {}",
                Risk::ALL.iter().map(|r| format!("{} ({})", r.as_str(), r.label())).collect::<Vec<_>>().join(", ")
            )
        };
        let text = input.trim();
        if text.eq_ignore_ascii_case("none") {
            return Ok(Screen::default());
        }
        let mut risks = std::collections::BTreeSet::new();
        for word in text.split(',').map(str::trim) {
            let risk = Risk::ALL.into_iter().find(|r| r.as_str().eq_ignore_ascii_case(word));
            match risk {
                Some(r) => risks.insert(r),
                None => return Err(crate::error::InputError::new(field, input, allowed())),
            };
        }
        Ok(Screen(risks))
    }

    pub fn has(&self, risk: Risk) -> bool {
        self.0.contains(&risk)
    }

    pub fn risks(&self) -> impl Iterator<Item = Risk> + '_ {
        self.0.iter().copied()
    }

    pub fn is_clear(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DoseAt {
    pub hour: f64,
    pub drug: String,
    pub mg: f64,
    /// How to prepare it, for doses of the new drug; `None` for the drug being replaced.
    pub preparation: Option<Preparation>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub index: usize,
    pub day: u32,
    pub doses: Vec<DoseAt>,
    /// Total daily diazepam-equivalent under the chosen table.
    pub diazepam_equivalent_mg: f64,
    /// The same doses under the other table, to show the difference.
    pub other_scheme_mg: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CrossoverPlan {
    pub from_drug: String,
    pub to_drug: String,
    pub scheme: EquivalenceScheme,
    pub stages: Vec<Stage>,
    /// Days each stage lasts, as asked.
    pub stage_days: u32,
    /// The taper of the long-acting drug, starting the day after the last stage ends; its days
    /// are counted from the start of the crossover.
    pub taper: Plan,
    pub taper_offset_days: u32,
    pub warnings: Vec<Warning>,
    /// The screen the switch was planned with, and the reason recorded, if any.
    pub screen: Screen,
    pub reason: Option<Justification>,
    /// The new drug's largest single dose (label); no dose of it in any stage is above it.
    pub single_dose_max_mg: f64,
}

/// How long a dose reached by a cut from `from_mg` to `to_mg` is held: `interval` days, or,
/// where the cut is larger than the step `limit` (in percent of the dose) because nothing
/// measurable lay within it, longer in proportion to the step asked for, so that no part of the
/// plan goes faster over time than asked (clinical review B1 and minor 21: plans held for ever
/// at a dose whose next measurable step was 11 % against 10 % asked).
pub fn days_held(interval: u32, from_mg: f64, to_mg: f64, asked_percent: f64, limit_percent: f64) -> u32 {
    if from_mg <= 0.0 || to_mg <= 0.0 || to_mg >= from_mg || asked_percent <= 0.0 {
        return interval;
    }
    let cut = 100.0 * (from_mg - to_mg) / from_mg;
    if cut <= limit_percent + 1e-6 {
        return interval;
    }
    let days = (f64::from(interval) * cut / asked_percent - 1e-9).ceil();
    if days >= f64::from(u32::MAX) { u32::MAX } else { (days as u32).max(interval) }
}

#[cfg(test)]
mod held_tests {
    use super::*;

    #[test]
    fn a_larger_step_is_held_longer_in_proportion() {
        // Within the limit: the interval.
        assert_eq!(days_held(28, 10.0, 9.0, 10.0, 11.0), 28);
        assert_eq!(days_held(28, 10.0, 8.9, 10.0, 11.0), 28);
        // 0.09 → 0.08 mg is 11.1 %: 28 × 11.1 / 10 = 31.1, held 32 days.
        assert_eq!(days_held(28, 0.09, 0.08, 10.0, 11.0), 32);
        // 0.5 → 0.4 mg is 20 %: twice the interval.
        assert_eq!(days_held(28, 0.5, 0.4, 10.0, 11.0), 56);
        // Rises, holds and the step to zero are not cuts it speaks for.
        assert_eq!(days_held(28, 1.0, 1.0, 10.0, 11.0), 28);
        assert_eq!(days_held(28, 1.0, 0.0, 10.0, 11.0), 28);
    }
}

/// The target as shown beside `dose_mg`: the dose itself where they differ by less than the
/// smallest figure shown (a walk read "Target 1.21 mg, Dose 1.215 mg, +0.005 mg" for a step
/// exactly on target), else `target_as_shown`.
pub fn target_beside(target_mg: f64, dose_mg: f64) -> f64 {
    if (target_mg - dose_mg).abs() < 5e-5 { dose_mg } else { target_as_shown(target_mg) }
}

/// How far `dose_mg` is from its target as the two are shown side by side, so the three figures
/// agree (54 mg against 53.55 mg: +0.45 mg).
pub fn off_target_beside(target_mg: f64, dose_mg: f64) -> f64 {
    target_as_shown(dose_mg - target_beside(target_mg, dose_mg))
}

/// `off_target_beside` as a share of the target shown, to a tenth of a percent; `None` for a
/// target of zero.
pub fn off_target_percent_beside(target_mg: f64, dose_mg: f64) -> Option<f64> {
    let shown = target_beside(target_mg, dose_mg);
    (shown > 0.0).then(|| (1000.0 * off_target_beside(target_mg, dose_mg) / shown).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::{off_target_beside, off_target_percent_beside, target_as_shown, target_beside};

    #[test]
    fn the_share_off_target_is_read_from_the_figures_shown_too() {
        // A re-run: "1.58 → 1.65, +0.07 mg (+4.8%)", where the figures shown give 4.4 %.
        assert_eq!(off_target_percent_beside(1.5753, 1.65), Some(4.4));
        assert_eq!(off_target_percent_beside(19.0212, 20.0), Some(5.2));
        assert_eq!(off_target_percent_beside(0.0, 0.0), None);
    }

    #[test]
    fn the_difference_shown_is_read_from_the_figures_shown() {
        assert_eq!(off_target_beside(53.5512, 54.0), 0.45);
        assert_eq!(off_target_beside(1.214_999_999, 1.215), 0.0);
        assert_eq!(off_target_beside(0.023_81, 0.0236), -0.0002);
    }

    #[test]
    fn a_step_on_its_target_shows_the_same_figure_twice() {
        assert_eq!(target_beside(1.215, 1.215), 1.215);
        assert_eq!(target_beside(1.214_999_999, 1.215), 1.215);
        assert_eq!(target_beside(32.1714, 37.5), 32.17);
    }

    #[test]
    fn targets_are_shown_no_finer_than_a_preparation_measures() {
        // Clinical review §10: a target of "4.8311 mg" beside a dose of 4.8 mg.
        assert_eq!(target_as_shown(4.8311), 4.83);
        assert_eq!(target_as_shown(56.25), 56.25);
        assert_eq!(target_as_shown(4.6875), 4.69);
        // Below 1 mg, three significant figures keep small targets readable.
        assert_eq!(target_as_shown(0.023_649), 0.0236);
        assert_eq!(target_as_shown(0.7157), 0.716);
        assert_eq!(target_as_shown(-0.0311), -0.0311);
        assert_eq!(target_as_shown(0.0), 0.0);
    }
}
