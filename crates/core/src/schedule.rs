//! Strategies turn a starting dose into a ladder of targets; the formulation solver realises
//! each target with what the person has, inside a window that keeps every step within its limit.
//!
//! * hyperbolic: equal drops in modelled target occupancy (Horowitz & Taylor 2019), on a grid of
//!   multiples of the step, so 20 mg citalopram (75.2 %) goes to 70 %, 60 %, … 10 %, 0 %;
//! * proportional: a fixed percentage of the current dose, down to a final dose, then zero;
//! * linear: equal milligram cuts, kept for comparison only and labelled so;
//! * manual: the doses a prescriber lists.

use crate::catalogue::{Catalogue, Drug, OccupancyFit};
use crate::error::{InputError, PlanError};
use crate::formulation::{Kit, Preparation, Solver, Stock, Window};
use crate::occupancy::EmaxModel;
use crate::units::{Mg, trim_number as n};

/// Plans never run longer than this many steps.
pub const MAX_STEPS: usize = 250;

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
    /// Occupancy region other than the drug's default.
    pub region: Option<String>,
    pub kit: Kit,
    /// A prescriber's recorded reason for going faster than the pace limits.
    pub pace_override: Option<String>,
}

impl PlanRequest {
    /// A request with the usual defaults: a step every 28 days, the default final dose, no end
    /// dose, no micro-taper, the drug's default occupancy region, no pace override.
    pub fn new(drug: impl Into<String>, start: Mg, strategy: Strategy, kit: Kit) -> Self {
        PlanRequest {
            drug: drug.into(),
            start,
            strategy,
            interval_days: 28,
            final_dose: None,
            end_at: None,
            micro_taper: false,
            region: None,
            kit,
            pace_override: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DailyDose {
    pub day: u32,
    pub target_mg: f64,
    pub dose_mg: f64,
    pub preparation: Preparation,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub index: usize,
    /// Day the step starts, counted from the plan's start (day 0).
    pub day: u32,
    pub target_mg: f64,
    pub dose_mg: f64,
    pub target_occupancy: Option<f64>,
    pub occupancy: Option<f64>,
    pub preparation: Preparation,
    pub within_tolerance: bool,
    /// Daily doses inside the step when micro-tapering (day of the step's start excluded).
    pub daily: Vec<DailyDose>,
}

impl Step {
    pub fn error_mg(&self) -> f64 {
        self.dose_mg - self.target_mg
    }

    pub fn error_percent(&self) -> Option<f64> {
        (self.target_mg > 0.0).then(|| 100.0 * self.error_mg() / self.target_mg)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub code: &'static str,
    pub message: String,
    pub step: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PlanStatus {
    Complete,
    /// The plan stops early: the next step cannot be prepared within its limit.
    Incomplete {
        reason: String,
        suggestion: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub drug_id: String,
    pub drug_name: String,
    pub strategy: Strategy,
    /// The strategy asked for, when the planner had to use another (no occupancy model).
    pub requested_strategy: Option<&'static str>,
    pub model: Option<OccupancyFit>,
    pub interval_days: u32,
    pub final_dose_mg: Option<f64>,
    /// The largest step any realised dose may take: percentage points (hyperbolic) or percent of
    /// the dose (proportional). None for linear and manual plans.
    pub step_limit: Option<f64>,
    pub steps: Vec<Step>,
    pub warnings: Vec<Warning>,
    pub status: PlanStatus,
    pub pace_override: Option<String>,
}

impl Plan {
    pub fn is_complete(&self) -> bool {
        self.status == PlanStatus::Complete
    }
    pub fn total_days(&self) -> u32 {
        self.steps.last().map_or(0, |s| s.day)
    }
}

/// Checks the request, plans it and proves the result against the safety invariants.
pub fn plan(catalogue: &Catalogue, req: &PlanRequest) -> Result<Plan, PlanError> {
    let drug = catalogue.find_drug("drug", &req.drug)?;
    let ctx = Context::new(catalogue, drug, req)?;
    let plan = ctx.run()?;
    let violations = crate::safety::check(catalogue, drug, req, &plan);
    if let Some(v) = violations.first() {
        // A violation here is a defect in the planner; refuse rather than show an unsafe plan.
        return Err(PlanError::refused("plan", format!("the plan failed a safety check ({v}); please report this")));
    }
    Ok(plan)
}

struct Context<'a> {
    catalogue: &'a Catalogue,
    drug: &'a Drug,
    req: &'a PlanRequest,
    strategy: Strategy,
    requested: Option<&'static str>,
    fit: Option<OccupancyFit>,
    model: Option<EmaxModel>,
    final_dose: Option<f64>,
    limit: Option<f64>,
    solver: Solver,
    warnings: Vec<Warning>,
}

impl<'a> Context<'a> {
    fn new(catalogue: &'a Catalogue, drug: &'a Drug, req: &'a PlanRequest) -> Result<Self, PlanError> {
        let mut warnings = Vec::new();
        if req.kit.stocks.is_empty() {
            return Err(InputError::new(
                "have",
                "",
                format!(
                    "name at least one product you have; {}'s products are: {}",
                    drug.id,
                    drug.products.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )
            .into());
        }
        for stock in &req.kit.stocks {
            if stock.product.drug != drug.id {
                return Err(InputError::new(
                    "have",
                    &stock.product.id,
                    format!(
                        "this product is {}, not {}; {}'s products are: {}",
                        stock.product.drug,
                        drug.id,
                        drug.id,
                        drug.products.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                )
                .into());
            }
        }
        let fit = match &req.region {
            Some(region) => Some(drug.occupancy_in(region).cloned().ok_or_else(|| {
                InputError::new(
                    "region",
                    region,
                    format!(
                        "no occupancy fit for this region; {} has: {}",
                        drug.id,
                        if drug.occupancy.is_empty() {
                            "none".to_string()
                        } else {
                            drug.occupancy.iter().map(|f| f.region.as_str()).collect::<Vec<_>>().join(", ")
                        }
                    ),
                )
            })?),
            None => drug.default_occupancy().cloned(),
        };
        let model = fit.as_ref().map(OccupancyFit::model);
        let policy = &catalogue.policy;
        let benzo = drug.class.is_benzodiazepine();
        let start = req.start.get();
        let overridden = req.pace_override.as_ref().is_some_and(|j| !j.trim().is_empty());

        let min_interval =
            if benzo { policy.benzodiazepine.min_interval_days } else { policy.antidepressant.min_interval_days };
        if req.interval_days < min_interval && !overridden {
            return Err(PlanError::refused(
                "every",
                format!(
                    "steps every {} days are faster than the minimum of {min_interval} days for a {} ({}); give a recorded justification to override",
                    req.interval_days,
                    drug.class.label(),
                    cite(
                        catalogue,
                        if benzo {
                            &policy.benzodiazepine.min_interval_source
                        } else {
                            &policy.antidepressant.min_interval_source
                        }
                    )
                ),
            ));
        }

        let mut strategy = req.strategy.clone();
        let mut requested = None;
        if let Strategy::Hyperbolic { step_pp } = strategy
            && model.is_none()
        {
            warnings.push(Warning { code: "no-occupancy-model", step: None, message: format!(
                    "{} has no published occupancy model, so this plan cuts {}% of the current dose per step instead of {} percentage points of occupancy.",
                    drug.name, n(step_pp), n(step_pp)
                )});
            strategy = Strategy::Proportional { step_percent: step_pp };
            requested = Some("hyperbolic");
        }
        match &strategy {
            Strategy::Hyperbolic { step_pp } => {
                let max = policy.antidepressant.max_step_percentage_points;
                if *step_pp > max && !overridden {
                    return Err(PlanError::refused(
                        "step",
                        format!(
                            "{} percentage points per step is more than the limit of {} ({}); use a smaller step or give a recorded justification",
                            n(*step_pp),
                            n(max),
                            cite(catalogue, &policy.antidepressant.max_step_source)
                        ),
                    ));
                }
            }
            Strategy::Proportional { step_percent } => {
                let (max, source) = if benzo {
                    (policy.benzodiazepine.max_percent_per_two_weeks, &policy.benzodiazepine.max_step_source)
                } else {
                    (policy.antidepressant.max_step_percent, &policy.antidepressant.max_step_source)
                };
                if *step_percent > max && !overridden {
                    return Err(PlanError::refused(
                        "step",
                        format!(
                            "{}% per step is more than the limit of {}% ({}); use a smaller step or give a recorded justification",
                            n(*step_percent),
                            n(max),
                            cite(catalogue, source)
                        ),
                    ));
                }
                if benzo && *step_percent > 10.0 {
                    warnings.push(Warning { code: "faster-than-suggested", step: None, message: format!(
                        "ASAM 2025 suggests starting with 5–10% reductions every 2–4 weeks; {}% is faster. Slow down or pause if withdrawal symptoms appear.", n(*step_percent))});
                }
            }
            Strategy::Linear { step_mg } => {
                if benzo {
                    return Err(PlanError::refused(
                        "strategy",
                        "a linear plan ends with a large final cut, which is unsafe for a benzodiazepine; use proportional",
                    ));
                }
                if *step_mg >= start {
                    return Err(InputError::new(
                        "step",
                        format!("{}mg", n(*step_mg)),
                        format!("a linear step must be smaller than the starting dose of {}", req.start),
                    )
                    .into());
                }
                warnings.push(Warning { code: "comparison-only", step: None, message:
                    "Linear plans are shown for comparison only: equal milligram cuts become ever larger in effect as the dose falls. They are not a recommended way to taper.".into() });
            }
            Strategy::Manual { doses } => {
                if doses.is_empty() {
                    return Err(InputError::new(
                        "doses",
                        "",
                        "list at least one dose after the starting dose, e.g. 15mg,10mg,5mg,0mg",
                    )
                    .into());
                }
                check_manual(catalogue, drug, start, doses, overridden, &mut warnings)?;
            }
        }

        // The final dose before zero.
        let benzo_cap = catalogue.final_step_cap_mg(drug);
        if req.end_at.is_some() && req.final_dose.is_some() {
            return Err(InputError::new("final", req.final_dose.map(|m| m.to_string()).unwrap_or_default(),
                "--final and --to contradict each other: a plan that ends at a dose (--to) never takes the final step to zero").into());
        }
        if let Some(end) = req.end_at
            && end.get() >= start
        {
            return Err(InputError::new(
                "to",
                end.to_string(),
                format!("must be below the starting dose of {}", req.start),
            )
            .into());
        }
        let final_dose = match (&strategy, req.final_dose) {
            (_, Some(f)) if f.get() >= start => {
                return Err(InputError::new(
                    "final",
                    f.to_string(),
                    format!("must be below the starting dose of {}", req.start),
                )
                .into());
            }
            (Strategy::Hyperbolic { step_pp }, Some(f)) => {
                let model = model.as_ref().copied().unwrap_or(EmaxModel::new(100.0, 1.0));
                let limit = model.dose_for(*step_pp).unwrap_or(0.0);
                if f.get() > limit + 1e-9 {
                    return Err(InputError::new("final", f.to_string(), format!(
                        "with {} pp steps the last dose before zero must be at most {} mg ({} % occupancy); a larger final dose would make the last step bigger than the others",
                        n(*step_pp), n(limit), n(*step_pp))).into());
                }
                Some(f.get())
            }
            (Strategy::Hyperbolic { .. } | Strategy::Manual { .. }, None) => None,
            (_, Some(f)) => Some(f.get()),
            (Strategy::Proportional { .. } | Strategy::Linear { .. }, None) => {
                let default = start * policy.final_dose.fraction_of_start;
                Some(benzo_cap.map_or(default, |cap| default.min(cap)))
            }
        };
        if let (Some(cap), Some(f)) = (benzo_cap, final_dose)
            && f > cap + 1e-9
        {
            return Err(PlanError::refused(
                "final",
                format!(
                    "for a benzodiazepine the last dose before stopping must be at most {} mg of {} (0.5 mg diazepam-equivalent, {}); {} mg is too large a final step",
                    n(cap),
                    drug.name,
                    cite(catalogue, &policy.benzodiazepine.final_step_source),
                    n(f)
                ),
            ));
        }
        if let Some(usual) = drug.usual_min_dose_mg
            && start > usual * 8.0
        {
            warnings.push(Warning {
                code: "high-start",
                step: None,
                message: format!(
                    "{} is more than eight times the usual minimum dose of {} mg; please check the number.",
                    req.start,
                    n(usual)
                ),
            });
        }
        let steady_days = 5.0 * drug.half_life.longest_active_hours() / 24.0;
        if f64::from(req.interval_days) < steady_days {
            warnings.push(Warning { code: "before-steady-state", step: None, message: format!(
                "After each change {} takes about five half-lives (about {} days) to reach its new steady level; steps every {} days come before that, so effects of one step may show during the next.",
                drug.name, n(steady_days.round()), req.interval_days) });
        }
        if overridden {
            warnings.push(Warning {
                code: "pace-override",
                step: None,
                message: format!(
                    "Pace limits were overridden. Recorded justification: {}",
                    req.pace_override.as_deref().unwrap_or_default().trim()
                ),
            });
        }
        // Doses are rounded to what can be measured, so a realised step may differ a little from the
        // ideal one: allow a tenth over the requested step, never past the policy maximum.
        let limit = match &strategy {
            Strategy::Hyperbolic { step_pp } => {
                let cap = if overridden { 99.0 } else { policy.antidepressant.max_step_percentage_points };
                Some((step_pp * MEASURING_SLACK).min(cap.max(*step_pp)))
            }
            Strategy::Proportional { step_percent } => {
                let cap = if overridden {
                    99.0
                } else if benzo {
                    policy.benzodiazepine.max_percent_per_two_weeks
                } else {
                    policy.antidepressant.max_step_percent
                };
                Some((step_percent * MEASURING_SLACK).min(cap.max(*step_percent)).min(99.0))
            }
            Strategy::Linear { .. } | Strategy::Manual { .. } => None,
        };
        Ok(Context {
            catalogue,
            limit,
            drug,
            req,
            strategy,
            requested,
            fit,
            model,
            final_dose,
            solver: Solver::new(&req.kit),
            warnings,
        })
    }

    fn occ(&self, mg: f64) -> Option<f64> {
        self.model.map(|m| m.occupancy(mg))
    }

    fn run(mut self) -> Result<Plan, PlanError> {
        let start = self.req.start.get();
        let mut steps = Vec::new();
        // Step 0: the dose taken now.
        let first = self.solver.solve(start, Window { low: start, high: start, high_inclusive: true }, 0.0);
        let first_prep = match first {
            Some(c) => c.preparation,
            None => {
                self.warnings.push(Warning { code: "start-not-preparable", step: Some(0), message: format!(
                    "Your current {} cannot be made exactly from the products listed; keep preparing it as you do now.", self.req.start) });
                Preparation { items: Vec::new(), dose_mg: start, complexity: 0, notes: Vec::new() }
            }
        };
        steps.push(Step {
            index: 0,
            day: 0,
            target_mg: start,
            dose_mg: start,
            target_occupancy: self.occ(start),
            occupancy: self.occ(start),
            preparation: first_prep,
            within_tolerance: true,
            daily: Vec::new(),
        });
        let mut status = PlanStatus::Complete;
        let mut ladder = Ladder::new(&self.strategy, start, self.model);
        loop {
            if steps.len() > MAX_STEPS {
                status = PlanStatus::Incomplete {
                    reason: format!(
                        "the plan would need more than {MAX_STEPS} steps; choose a larger step or a higher final dose"
                    ),
                    suggestion: None,
                };
                break;
            }
            let prev = steps.last().map_or(start, |s: &Step| s.dose_mg);
            let index = steps.len();
            let day = u32::try_from(index).unwrap_or(u32::MAX).saturating_mul(self.req.interval_days);
            // The last dose reached: stop, or hold at the requested end.
            if prev <= 1e-12 {
                break;
            }
            if let Some(end) = self.req.end_at
                && ((prev - end.get()).abs() < 1e-9 || ladder.reached_end)
            {
                break;
            }
            let next = ladder.next(prev, self.final_dose, self.req.end_at.map(Mg::get));
            let Some(next) = next else { break };
            if next.target <= 1e-12 && self.zero_allowed(prev) {
                steps.push(Step {
                    index,
                    day,
                    target_mg: 0.0,
                    dose_mg: 0.0,
                    target_occupancy: self.occ(0.0),
                    occupancy: self.occ(0.0),
                    preparation: Preparation { items: Vec::new(), dose_mg: 0.0, complexity: 0, notes: Vec::new() },
                    within_tolerance: true,
                    daily: Vec::new(),
                });
                break;
            }
            let window = self.window(prev, next.direction);
            // The ideal target is reported; the solver aims at the nearest point the limit allows.
            let target = next.target;
            let aim = target.max(window.low.min(prev));
            match self.solver.solve(aim, window, next.tolerance.max(1e-6)) {
                Some(choice) => {
                    let dose = choice.preparation.dose_mg;
                    if !choice.within_tolerance {
                        self.warnings.push(Warning { code: "outside-tolerance", step: Some(index), message: format!(
                            "Step {index}: the nearest dose you can prepare is {} mg for a target of {} mg ({}% off).",
                            n(dose), n(target), n(if target > 0.0 { 100.0 * (dose - target) / target } else { 0.0 })) });
                    }
                    for note in &choice.preparation.notes {
                        if !self.warnings.iter().any(|w| &w.message == note) {
                            self.warnings.push(Warning {
                                code: "preparation-note",
                                step: Some(index),
                                message: note.clone(),
                            });
                        }
                    }
                    steps.push(Step {
                        index,
                        day,
                        target_mg: target,
                        dose_mg: dose,
                        target_occupancy: self.occ(target),
                        occupancy: self.occ(dose),
                        preparation: choice.preparation,
                        within_tolerance: choice.within_tolerance,
                        daily: Vec::new(),
                    });
                    ladder.accept(dose);
                }
                None => {
                    let suggestion = self.suggest(aim, window, next.tolerance);
                    let reason = format!(
                        "no dose between {} mg and {} mg can be prepared from the products listed, so the plan stops at {} mg",
                        n(window.low),
                        n(prev),
                        n(prev)
                    );
                    self.warnings.push(Warning {
                        code: "cannot-prepare",
                        step: Some(index),
                        message: format!(
                            "Step {index}: {reason}.{}",
                            suggestion.as_ref().map(|s| format!(" {s}")).unwrap_or_default()
                        ),
                    });
                    status = PlanStatus::Incomplete { reason, suggestion };
                    break;
                }
            }
        }
        if self.req.micro_taper {
            self.add_daily(&mut steps);
        }
        if let Strategy::Linear { .. } = self.strategy {
            self.flag_linear(&steps);
        }
        Ok(Plan {
            drug_id: self.drug.id.clone(),
            drug_name: self.drug.name.clone(),
            strategy: self.strategy.clone(),
            requested_strategy: self.requested,
            model: self.fit.clone(),
            interval_days: self.req.interval_days,
            final_dose_mg: self.final_dose,
            step_limit: self.limit,
            steps,
            warnings: self.warnings,
            status,
            pace_override: self.req.pace_override.clone().filter(|j| !j.trim().is_empty()),
        })
    }

    /// The step to zero is allowed only from a dose whose removal stays within the step limit
    /// (hyperbolic), or from at or below the final dose.
    fn zero_allowed(&self, prev: f64) -> bool {
        match &self.strategy {
            Strategy::Hyperbolic { step_pp } => {
                let limit = self.limit.unwrap_or(*step_pp);
                self.occ(prev).is_some_and(|o| o <= limit + 1e-9) || self.final_dose.is_some_and(|f| prev <= f + 1e-9)
            }
            Strategy::Proportional { .. } => self.final_dose.is_some_and(|f| prev <= f + 1e-9),
            // Linear plans reach zero by their own arithmetic; their large last steps are flagged.
            Strategy::Linear { .. } => true,
            Strategy::Manual { .. } => {
                !self.drug.class.is_benzodiazepine() || self.benzo_final_cap().is_some_and(|cap| prev <= cap + 1e-9)
            }
        }
    }

    fn benzo_final_cap(&self) -> Option<f64> {
        self.catalogue.final_step_cap_mg(self.drug)
    }

    fn window(&self, prev: f64, direction: Direction) -> Window {
        match &self.strategy {
            Strategy::Hyperbolic { step_pp } => {
                let limit = self.limit.unwrap_or(*step_pp);
                let low = self.model.and_then(|m| m.dose_for(m.occupancy(prev) - limit)).unwrap_or(0.0);
                Window { low, high: prev, high_inclusive: false }
            }
            Strategy::Proportional { step_percent } => {
                let limit = self.limit.unwrap_or(*step_percent);
                Window { low: prev * (1.0 - limit / 100.0), high: prev, high_inclusive: false }
            }
            Strategy::Linear { .. } => Window { low: 0.0, high: prev, high_inclusive: false },
            Strategy::Manual { .. } => match direction {
                Direction::Down => {
                    // A benzodiazepine's listed steps were checked against the pace limit; keep
                    // the realised ones inside it too.
                    let low = if self.drug.class.is_benzodiazepine() && self.req.pace_override.is_none() {
                        prev * (1.0 - self.catalogue.policy.benzodiazepine.max_percent_per_two_weeks / 100.0)
                    } else {
                        0.0
                    };
                    Window { low, high: prev, high_inclusive: false }
                }
                Direction::Up => Window { low: prev + 1e-6, high: crate::units::ABSURD_DOSE_MG, high_inclusive: true },
                Direction::Hold => Window { low: prev, high: prev, high_inclusive: true },
            },
        }
    }

    /// A catalogue product of the same drug that would make the step possible.
    fn suggest(&self, target: f64, window: Window, tolerance: f64) -> Option<String> {
        let have: Vec<&str> = self.req.kit.stocks.iter().map(|s| s.product.id.as_str()).collect();
        let mut candidates: Vec<_> = self.drug.products.iter().filter(|p| !have.contains(&p.id.as_str())).collect();
        // Liquids first: they make the smallest doses.
        candidates.sort_by_key(|p| match p.form {
            crate::catalogue::Form::Liquid { .. } => 0,
            _ => 1,
        });
        for product in candidates {
            let mut kit = self.req.kit.clone();
            kit.stocks.push(Stock::new(product.clone()));
            if Solver::new(&kit).solve(target, window, tolerance.max(1e-6)).is_some() {
                return Some(format!(
                    "Adding the {} ({}) would make this step possible; ask your prescriber or pharmacist.",
                    product.describe(),
                    product.id
                ));
            }
        }
        let mut kit = self.req.kit.clone();
        kit.equipment.cutter = true;
        if !self.req.kit.equipment.cutter && Solver::new(&kit).solve(target, window, tolerance.max(1e-6)).is_some() {
            return Some("Cutting tablets with a tablet cutter (--cutter) would make this step possible.".into());
        }
        Some("A compounding pharmacy can make this dose (add a compounded product with --compounded).".into())
    }

    fn add_daily(&self, steps: &mut [Step]) {
        let interval = self.req.interval_days;
        if interval < 2 {
            return;
        }
        for k in 0..steps.len().saturating_sub(1) {
            let (from, to) = (steps[k].dose_mg, steps[k + 1].dose_mg);
            if to >= from {
                continue;
            }
            let mut prev = from;
            let mut prev_prep = steps[k].preparation.clone();
            let mut daily = Vec::new();
            for j in 1..interval {
                let target = from - (from - to) * f64::from(j) / f64::from(interval);
                let window = Window { low: to, high: prev, high_inclusive: true };
                let tol = (from - to) / f64::from(interval) / 2.0;
                let (dose, prep) = match self.solver.solve(target, window, tol) {
                    Some(c) => (c.preparation.dose_mg, c.preparation),
                    None => (prev, prev_prep.clone()),
                };
                daily.push(DailyDose {
                    day: steps[k].day + j,
                    target_mg: target,
                    dose_mg: dose,
                    preparation: prep.clone(),
                });
                prev = dose;
                prev_prep = prep;
            }
            steps[k].daily = daily;
        }
    }

    fn flag_linear(&mut self, steps: &[Step]) {
        let max = self.catalogue.policy.antidepressant.max_step_percent;
        for pair in steps.windows(2) {
            let (a, b) = (pair[0].dose_mg, pair[1].dose_mg);
            if a > 0.0 {
                let cut = 100.0 * (a - b) / a;
                if cut > max + 1e-9 {
                    let occ = match (pair[0].occupancy, pair[1].occupancy) {
                        (Some(x), Some(y)) => {
                            format!(" and {} percentage points of occupancy", n(x - y))
                        }
                        _ => String::new(),
                    };
                    self.warnings.push(Warning {
                        code: "step-over-limit",
                        step: Some(pair[1].index),
                        message: format!(
                            "Step {}: cutting {} mg to {} mg removes {}% of the dose{occ}, more than the {}% limit.",
                            pair[1].index,
                            n(a),
                            n(b),
                            n(cut.round()),
                            n(max)
                        ),
                    });
                }
            }
        }
    }
}

/// A prescriber's list is refused where it breaks a benzodiazepine's pace or final-step limit,
/// and flagged where an antidepressant step is larger than usual.
fn check_manual(
    catalogue: &Catalogue,
    drug: &Drug,
    start: f64,
    doses: &[Mg],
    overridden: bool,
    warnings: &mut Vec<Warning>,
) -> Result<(), PlanError> {
    let policy = &catalogue.policy;
    let benzo = drug.class.is_benzodiazepine();
    if doses[..doses.len() - 1].iter().any(|d| d.is_zero()) {
        return Err(InputError::new("doses", "0mg", "0 mg may only be the last dose in the list").into());
    }
    let cap = catalogue.final_step_cap_mg(drug);
    let mut before = start;
    for (i, d) in doses.iter().enumerate() {
        let d = d.get();
        let cut = if before > 0.0 { 100.0 * (before - d) / before } else { 0.0 };
        if d == 0.0 {
            if let Some(cap) = cap.filter(|cap| before > cap + 1e-9) {
                return Err(PlanError::refused(
                    "doses",
                    format!(
                        "stopping {} from {} mg (dose {}) is too large a final step; the last dose before stopping must be at most {} mg (0.5 mg diazepam-equivalent, {})",
                        drug.name,
                        n(before),
                        i + 1,
                        n(cap),
                        cite(catalogue, &policy.benzodiazepine.final_step_source)
                    ),
                ));
            }
        } else if benzo && cut > policy.benzodiazepine.max_percent_per_two_weeks + 1e-9 && !overridden {
            return Err(PlanError::refused(
                "doses",
                format!(
                    "{} mg to {} mg (dose {}) cuts {}%, more than the limit of {}% every two weeks ({}); use smaller steps or give a recorded justification",
                    n(before),
                    n(d),
                    i + 1,
                    n(cut.round()),
                    n(policy.benzodiazepine.max_percent_per_two_weeks),
                    cite(catalogue, &policy.benzodiazepine.max_step_source)
                ),
            ));
        } else if cut > policy.antidepressant.max_step_percent + 1e-9 {
            warnings.push(Warning {
                code: "step-over-limit",
                step: Some(i + 1),
                message: format!(
                    "Step {}: {} mg to {} mg cuts {}% of the dose, more than Taper's usual limit of {}%.",
                    i + 1,
                    n(before),
                    n(d),
                    n(cut.round()),
                    n(policy.antidepressant.max_step_percent)
                ),
            });
        }
        before = d;
    }
    Ok(())
}

fn cite(catalogue: &Catalogue, source: &str) -> String {
    catalogue.source(source).map_or_else(|| source.to_string(), |s| short_citation(&s.citation))
}

/// The part of a citation before the first full stop, e.g. "ASAM Joint Clinical Practice Guideline".
pub fn short_citation(citation: &str) -> String {
    citation.split(['.', ':']).next().unwrap_or(citation).trim().to_string()
}

/// The ideal targets of a strategy, one at a time.
struct Ladder<'m> {
    strategy: &'m Strategy,
    model: Option<EmaxModel>,
    /// Hyperbolic: the next grid occupancy. Proportional/linear: the previous ideal dose.
    cursor: f64,
    previous_ideal: f64,
    manual_index: usize,
    reached_end: bool,
}

struct Next {
    target: f64,
    tolerance: f64,
    direction: Direction,
}

/// Which way a step goes. Only manual plans hold or go up, and only as listed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Down,
    Hold,
    Up,
}

impl<'m> Ladder<'m> {
    fn new(strategy: &'m Strategy, start: f64, model: Option<EmaxModel>) -> Self {
        let cursor = match (strategy, model) {
            (Strategy::Hyperbolic { step_pp }, Some(m)) => {
                let occ = m.occupancy(start);
                let grid = (occ / step_pp).floor() * step_pp;
                if (occ - grid).abs() < 1e-9 { grid - step_pp } else { grid }
            }
            _ => start,
        };
        Ladder { strategy, model, cursor, previous_ideal: start, manual_index: 0, reached_end: false }
    }

    fn next(&mut self, prev: f64, final_dose: Option<f64>, end_at: Option<f64>) -> Option<Next> {
        let mut ideal = match (self.strategy, self.model) {
            (Strategy::Hyperbolic { .. }, Some(m)) => m.dose_for(self.cursor.max(0.0)).unwrap_or(0.0),
            (Strategy::Proportional { step_percent }, _) | (Strategy::Hyperbolic { step_pp: step_percent }, None) => {
                self.cursor * (1.0 - step_percent / 100.0)
            }
            (Strategy::Linear { step_mg }, _) => (self.cursor - step_mg).max(0.0),
            (Strategy::Manual { doses }, _) => {
                let d = doses.get(self.manual_index)?.get();
                self.manual_index += 1;
                let listed_before = self.previous_ideal;
                self.previous_ideal = d;
                let direction = if d < listed_before - 1e-9 {
                    Direction::Down
                } else if d > listed_before + 1e-9 {
                    Direction::Up
                } else {
                    Direction::Hold
                };
                return Some(Next { target: d, tolerance: (0.02 * d).max(1e-6), direction });
            }
        };
        let tolerance = (0.1 * (self.previous_ideal - ideal)).abs();
        if let Some(end) = end_at {
            // Within measuring distance of the end: aim at the end itself.
            if ideal <= end + tolerance + 1e-9 {
                ideal = end;
                self.reached_end = true;
            }
        } else if let Some(f) = final_dose {
            if prev <= f + 1e-9 {
                return Some(Next { target: 0.0, tolerance: 0.0, direction: Direction::Down });
            }
            if matches!(self.strategy, Strategy::Linear { .. }) && ideal < f {
                ideal = 0.0;
            }
        }
        self.previous_ideal = ideal;
        Some(Next { target: ideal, tolerance, direction: Direction::Down })
    }

    /// Moves the ladder past the dose just realised.
    fn accept(&mut self, realised: f64) {
        match (self.strategy, self.model) {
            (Strategy::Hyperbolic { step_pp }, Some(m)) => {
                let occ = m.occupancy(realised);
                self.cursor -= step_pp;
                // Never target a grid point at or above where the person already is.
                while self.cursor >= occ - 1e-9 && self.cursor > 0.0 {
                    self.cursor -= step_pp;
                }
            }
            _ => self.cursor = self.previous_ideal,
        }
    }
}
