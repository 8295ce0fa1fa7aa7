//! Strategies turn a starting dose into a ladder of targets; the formulation solver realises
//! each target with what the person has, inside a window that keeps every step within its limit.
//!
//! * hyperbolic: equal drops in modelled target occupancy (Horowitz & Taylor 2019), on a grid of
//!   multiples of the step, so 20 mg citalopram (75.2 %) goes to 70 %, 60 %, … 10 %, 0 %;
//! * proportional: a fixed percentage of the current dose, down to a final dose, then zero;
//! * linear: equal milligram cuts, kept for comparison only and labelled so;
//! * manual: the doses a prescriber lists.

pub use super::types::*;
pub use crate::catalogue::short_citation;
use crate::catalogue::{CapsuleContents, Catalogue, Drug, Form};
use crate::error::{InputError, PlanError};
use crate::formulation::{Choice, Item, Kinds, Landing, Preparation, Solver, Stock, Unit, Window};
use crate::occupancy::Occupancy;
use crate::pace::{CutRule, Pace};
use crate::units::{DoseTimes, Mg, trim_number as n};

/// How far a dose may stray from the person's own share of the day, as a fraction of that share,
/// before the plan says the split moved. Ours: a tenth is a measuring difference, more is a change.
const SPLIT_STRAY: f64 = 0.1;
/// How many steps ahead a forced change of products or form is weighed: about half a year at
/// the usual pace, far enough to tell a way that lasts from one that needs changing next month.
const LOOKAHEAD_STEPS: usize = 6;

/// Checks the request, plans it and proves the result against the safety invariants.
pub fn plan(catalogue: &Catalogue, req: &PlanRequest) -> Result<Plan, PlanError> {
    let drug = catalogue.find_drug("drug", &req.drug)?;
    let ctx = Context::new(catalogue, drug, req)?;
    let plan = ctx.run();
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
    pace: Pace<'a>,
    strategy: Strategy,
    requested: Option<&'static str>,
    model: Option<ModelUsed>,
    final_dose: Option<f64>,
    limit: Option<f64>,
    solver: Solver,
    warnings: Vec<Warning>,
    /// How the starting dose is prepared, to compare later steps' release forms with.
    first_preparation: Preparation,
    /// The preparation of the step before the one being solved (release changes are read
    /// against it: clinical review W1).
    last_preparation: Preparation,
    /// Doses a day of the step before, so a change in their number is said once.
    doses_a_day: Option<usize>,
    /// Where a step took the day at fewer of the times wanted: those times and how many were
    /// kept. Later steps with the same times take no more, so the number of doses a day only
    /// falls (a walk: a diazepam crossover went 4 → 3 → 4 → 3 → 2 → 4 → 2 doses a day).
    fewer_times: Option<(DoseTimes, usize)>,
    /// The person's split of the day among their times, as shares of the day (`amounts`).
    shares: Option<Vec<f64>>,
    /// Whether a step has already said that the split moved toward equal.
    split_moved: bool,
    /// Steps larger than asked because nothing measurable lay within the step: (step, cut in
    /// percent, days held), said once at the end.
    held_longer: Vec<(usize, f64, u32)>,
    /// Of those, the steps past the class's held-step limit that are no larger than the plan's
    /// own stop: (step, from mg, to mg).
    near_stop: Vec<(usize, f64, f64)>,
    /// Where the ladder stood when the step being solved was asked for, to look ahead from.
    rung: Rung,
    /// What the steps since the plan last took up a new product used: the person has them all,
    /// so a step may be made with any of them without a change (a phase; clinical review minor
    /// 15: 150 mg and 37.5 mg capsules, then one 150 mg, then three 37.5 mg).
    phase: Vec<Item>,
    /// Every product a step so far has used (the ways of measuring left are the solver's:
    /// `Solver::leave`).
    used: Vec<String>,
}

fn product_list(drug: &Drug) -> String {
    drug.products.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ")
}

/// The products must exist and belong to the drug.
fn check_kit(drug: &Drug, req: &PlanRequest) -> Result<(), PlanError> {
    if req.kit.stocks.is_empty() {
        let msg = format!("name at least one product you have; {}'s products are: {}", drug.id, product_list(drug));
        return Err(InputError::new("have", "", msg).into());
    }
    if req.kit.stocks.len() > MAX_PRODUCTS {
        let msg = format!("{} products given; at most {MAX_PRODUCTS} distinct products", req.kit.stocks.len());
        return Err(InputError::new("have", "", msg).into());
    }
    for stock in &req.kit.stocks {
        if stock.product.drug != drug.id {
            let msg = format!(
                "this product is {}, not {}; {}'s products are: {}",
                stock.product.drug,
                drug.id,
                drug.id,
                product_list(drug)
            );
            return Err(InputError::new("have", &stock.product.id, msg).into());
        }
        // Powder cannot be counted (a re-run: "open a 15 mg capsule (about 150 beads), take out
        // 15 beads" for temazepam, whose capsules hold powder).
        let powder = matches!(stock.product.form, Form::Capsule { contents: CapsuleContents::Powder, .. });
        if powder && stock.beads_per_capsule.is_some() {
            let msg = format!(
                "the {} holds powder, not beads that can be counted: leave the bead count out, or weigh its contents instead (the weight of one capsule's contents and your scale's readability)",
                stock.product.describe()
            );
            return Err(InputError::new("beads", &stock.product.id, msg).into());
        }
    }
    Ok(())
}

/// A starting dose above the labelled maximum or far below any product is planned only once
/// confirmed: it is more often a slip of the keyboard than a real dose.
fn check_plausible(
    catalogue: &Catalogue,
    drug: &Drug,
    req: &PlanRequest,
    warnings: &mut Vec<Warning>,
) -> Result<(), PlanError> {
    let start = req.start.get();
    let policy = &catalogue.policy.plausibility;
    let low = drug.smallest_product_mg().map(|m| m * policy.low_fraction_of_smallest_product);
    let ceiling = drug.max_dose_mg * policy.refuse_above_multiple_of_max;
    if start > ceiling + 1e-9 {
        return Err(InputError::new(
            "from",
            req.start.to_string(),
            format!(
                "is more than {} times the highest labelled daily dose of {} ({} mg); Taper does not plan from it. Check the number (is it the daily dose, in mg?); a dose this high needs the prescriber's own plan",
                n(policy.refuse_above_multiple_of_max),
                drug.name,
                n(drug.max_dose_mg)
            ),
        )
        .into());
    }
    let problem = if start > drug.max_dose_mg + 1e-9 {
        Some(format!(
            "{} is above the highest labelled daily dose of {} ({} mg; {})",
            req.start,
            drug.name,
            n(drug.max_dose_mg),
            catalogue.cite(&drug.max_dose_source)
        ))
    } else {
        low.filter(|l| start < *l - 1e-12).map(|low| {
            format!(
                "{} is far below any {} product (less than {} mg, a hundredth of the smallest strength)",
                req.start,
                drug.name,
                n(low)
            )
        })
    };
    match problem {
        Some(p) if !req.confirm_dose => Err(PlanError::Unconfirmed {
            field: "from".into(),
            message: format!("{p}; please check the number, and confirm it if it is right"),
        }),
        Some(p) => {
            warnings.push(Warning::plan("dose-confirmed", format!("{p}; the dose was confirmed as right.")));
            Ok(())
        }
        None => Ok(()),
    }
}

impl<'a> Context<'a> {
    fn new(catalogue: &'a Catalogue, drug: &'a Drug, req: &'a PlanRequest) -> Result<Self, PlanError> {
        let mut warnings = Vec::new();
        check_kit(drug, req)?;
        check_plausible(catalogue, drug, req, &mut warnings)?;
        let model = drug
            .occupancy_model(req.region.as_deref())
            .map_err(|m| InputError::new("region", req.region.clone().unwrap_or_default(), m))?
            .map(|(occupancy, fits)| ModelUsed { fits, occupancy });
        let pace = Pace::new(catalogue, drug, req.pace_override.as_ref());
        let (strategy, requested) = strategy_for(catalogue, drug, req, model.is_some(), &mut warnings);
        check_interval(&pace, req, &mut warnings)?;
        check_step(&pace, &strategy, req, model.as_ref(), &mut warnings)?;
        let final_dose = final_dose(&pace, &strategy, req, model.as_ref())?;
        explain(&pace, req, model.as_ref(), &mut warnings);
        let limit = step_limit(&pace, &strategy);
        let shares = crate::times::shares(req)?;
        let mut solver = Solver::new(&req.kit);
        solver.allow_draws(crate::times::most_doses(req.times.as_ref(), &req.kit));
        Ok(Context {
            catalogue,
            drug,
            req,
            pace,
            strategy,
            requested,
            model,
            final_dose,
            limit,
            solver,
            warnings,
            first_preparation: Preparation::none(req.start.get()),
            last_preparation: Preparation::none(req.start.get()),
            doses_a_day: None,
            fewer_times: None,
            shares,
            split_moved: false,
            held_longer: Vec::new(),
            near_stop: Vec::new(),
            rung: Rung::default(),
            phase: Vec::new(),
            used: Vec::new(),
        })
    }

    fn occ(&self, mg: f64) -> Option<f64> {
        self.model.as_ref().map(|m| m.occupancy.occupancy(mg))
    }

    fn run(mut self) -> Plan {
        let start = self.req.start.get();
        let mut steps = vec![self.first_step(start)];
        grow_phase(&mut self.phase, &steps[0].preparation);
        self.note_used(&steps[0].preparation);
        self.solver.settle_bottles(&steps[0].preparation);
        let mut status = PlanStatus::Complete;
        // The ladder reads its own copies, so the context stays free to record warnings.
        let (strategy, model) = (self.strategy.clone(), self.model.clone());
        let mut ladder = Ladder::new(&strategy, start, model.as_ref().map(|m| &m.occupancy));
        let mut capped = Vec::new();
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
            let prev = steps.last().map_or(start, |s: &Step| s.dose_mg.get());
            let index = steps.len();
            let day = self.next_day(&steps);
            // The end is reached when the dose is there: a step toward it that the pace held
            // above it is followed by more (a sertraline plan "ended" at 32.5 mg, not 25).
            if prev <= 1e-12 || self.req.end_at.is_some_and(|e| prev <= e.get() + 1e-9) {
                break;
            }
            let Some(mut next) = ladder.next(prev, self.final_dose, self.req.end_at.map(Mg::get)) else { break };
            if next.target <= 1e-12 && self.zero_allowed(prev) {
                steps.push(Step::zero(index, day, self.occ(0.0)));
                break;
            }
            let mut window = self.window(prev, next.direction);
            if let Some(end) = self.req.end_at.filter(|_| ladder.at.reached_end) {
                // Walk-through N10: "end at 25 mg" ended at 24.5 mg. The step to the end dose
                // lands on it, or as near above it as can be made, never below.
                window.low = window.low.max(end.get());
                next.tolerance = 1e-6;
                // Where the pace does not reach the end in one step, the target is the step it
                // allows (clinical review W2: the target shown is the dose intended).
                next.target = next.target.max(window.low);
            }
            let capped_here = self.aim(prev, &mut next, window, ladder.at.reached_end);
            self.rung = ladder.at;
            let like = steps.last().map(|s: &Step| &s.preparation);
            match self.realise_release_safely(index, day, prev, &next, window, like) {
                Ok(step) => {
                    self.last_preparation = step.preparation.clone();
                    if capped_here {
                        capped.push((index, self.pace.cut_rule()));
                    }
                    ladder.accept(step.dose_mg.get());
                    grow_phase(&mut self.phase, &step.preparation);
                    if let Some(before) = like.filter(|b| !b.items.is_empty() && b.method != step.preparation.method) {
                        self.solver.leave(&before.method);
                    }
                    self.note_used(&step.preparation);
                    self.solver.settle_bottles(&step.preparation);
                    steps.push(step);
                }
                Err(incomplete) => {
                    status = incomplete;
                    break;
                }
            }
        }
        self.finish(steps, status, &capped)
    }

    /// The plan from its steps: daily micro-steps where asked, and the notes read across steps.
    fn finish(mut self, mut steps: Vec<Step>, status: PlanStatus, capped: &[(usize, CutRule)]) -> Plan {
        if self.req.micro_taper || self.strips() {
            self.add_daily(&mut steps);
        }
        if let Strategy::Linear { .. } = self.strategy {
            self.flag_linear(&steps);
        }
        self.note_capped(capped);
        self.note_held_longer(&steps);
        self.note_near_stop(&steps);
        self.note_off_target(&steps);
        self.warnings.extend(crate::times::trough_warnings(self.drug, &self.req.kit, self.req.times.as_ref(), &steps));
        self.warnings.extend(crate::times::single_dose_warning(self.drug, self.req.times.as_ref(), &steps));
        Plan {
            drug_id: self.drug.id.clone(),
            drug_name: self.drug.name.clone(),
            strategy: self.strategy.clone(),
            requested_strategy: self.requested,
            model: self.model.clone(),
            interval_days: self.req.interval_days,
            final_dose_mg: self.final_dose,
            step_limit: self.limit.and_then(|l| self.strategy.step_size(l)),
            steps,
            warnings: self.warnings,
            status,
            pace_override: self.req.pace_override.clone(),
            dose_confirmed: self.req.confirm_dose,
        }
    }

    /// Step 0: the dose taken now.
    fn first_step(&mut self, start: f64) -> Step {
        let exactly = Window { low: start, high: start, high_inclusive: true };
        // As the person takes it now, where they said and that product makes it.
        let now = self.req.taken_now.as_deref().and_then(|id| self.solver.solve_from(start, id));
        if let (Some(id), None) = (self.req.taken_now.as_deref(), &now) {
            return self.as_taken_now(start, exactly, id);
        }
        // No product named with both releases listed: the edges ask, and "tablets" is the answer
        // that leaves it unnamed, so the dose now is immediate release (a re-run: "--taken-as
        // tablets" showed "now: 1 × 75 mg extended-release capsule").
        let now = match now {
            None if self.req.taken_now.is_none() && self.solver.has_both_releases() => {
                self.solver.solve_immediate_release(start)
            }
            now => now,
        };
        let first =
            now.or_else(|| self.solver.solve(start, exactly, 0.0)).or_else(|| self.in_parts(start, exactly, 0.0));
        let preparation = match self.without_made_up_liquid(start, exactly, first) {
            Some(mut c) => {
                self.divide(0, &mut c.preparation);
                c.preparation
            }
            None => {
                self.warnings.push(Warning {
                    code: "start-not-preparable",
                    step: Some(0),
                    message: format!(
                        "Your current {} {}; keep preparing it as you do now.",
                        self.req.start,
                        self.cannot_make(exactly)
                    ),
                });
                Preparation::none(start)
            }
        };
        self.step_zero(start, preparation)
    }

    /// Step 0 when the product the person named cannot make their dose alone: never another
    /// product in its place, since step 0 is what they take now (a re-run: alprazolam 10 mg taken
    /// as 2 mg tablets read "now: 4 × 2 mg tablet + 2 mL of the oral solution", and the move to
    /// the solution at the first cut went unannounced).
    fn as_taken_now(&mut self, start: f64, exactly: Window, id: &str) -> Step {
        let product =
            self.req.kit.stocks.iter().find(|s| s.product.id == id).map_or(id.to_string(), |s| s.product.describe());
        let why = match self.solver.units_needed(exactly, 12).filter(|k| *k > crate::formulation::MAX_PIECES) {
            Some(k) => format!(
                "would take {k} of the {product} at once, more than the {} one preparation holds here",
                crate::formulation::MAX_PIECES
            ),
            None => format!("cannot be made from the {product} alone as Taper counts it"),
        };
        self.warnings.push(Warning {
            code: "start-not-preparable",
            step: Some(0),
            message: format!(
                "Your current {} {why}; keep taking it as you do now. Check with your pharmacist how you take it now.",
                self.req.start
            ),
        });
        self.step_zero(start, Preparation::none(start))
    }

    /// `first`, unless it puts a liquid in step 0 beside the tablets or capsules when the person
    /// named no product and the tablets or capsules alone make the dose (in parts if need be):
    /// then those (a re-run: alprazolam 10 mg, "tablets", read "now: 4 × 2 mg tablet + 2 mL of
    /// the oral solution", a liquid the person does not take).
    fn without_made_up_liquid(&mut self, start: f64, exactly: Window, first: Option<Choice>) -> Option<Choice> {
        // Only a liquid beside tablets or capsules: a liquid alone may be how a revised plan's
        // person takes it now, and where the tablets alone cannot make it the mix stays.
        let made_up = |c: &Choice| {
            self.req.taken_now.is_none()
                && c.preparation.items.iter().any(|i| i.unit.is_liquid())
                && c.preparation.items.iter().any(|i| !i.unit.is_liquid())
        };
        match first {
            Some(c) if made_up(&c) => {
                self.solver.kinds = Kinds::NoLiquid;
                let solid = self.solver.solve(start, exactly, 0.0).or_else(|| self.in_parts(start, exactly, 0.0));
                self.solver.kinds = Kinds::Any;
                solid.or(Some(c))
            }
            first => first,
        }
    }

    /// Why the dose now is not shown made from the products listed. Clinical review minor 13:
    /// diazepam 10 mg from 2 mg tablets is five tablets, not impossible; the limit is how many
    /// one preparation holds.
    fn cannot_make(&self, exactly: Window) -> String {
        match self.solver.units_needed(exactly, 12) {
            Some(k) => format!(
                "would take {k} tablets or capsules, more than the {} one preparation holds here",
                crate::formulation::MAX_PIECES
            ),
            None => "cannot be made exactly from the tablets or capsules listed".to_string(),
        }
    }

    /// Step 0 made as `preparation`.
    fn step_zero(&mut self, start: f64, preparation: Preparation) -> Step {
        self.first_preparation = preparation.clone();
        self.last_preparation = preparation.clone();
        Step {
            index: 0,
            day: 0,
            target_mg: start,
            dose_mg: self.req.start,
            target_occupancy: self.occ(start),
            occupancy: self.occ(start),
            fit: None,
            preparation,
            within_tolerance: true,
            daily: Vec::new(),
        }
    }

    /// The target a falling step aims at once the limits are applied, and whether the milligram
    /// cap shaped it. A prescriber's listed dose stays the target (the window still holds the
    /// realised dose), and linear plans are shown as they are, for comparison.
    /// Shapes a falling step's target and says whether the milligram cap is what bounds it. The
    /// target shown is the dose the plan intends after every cap, never below the window the
    /// limits allow (clinical review W2: targets at half the previous dose, under the occupancy
    /// limit, read as "errors" of +50 %).
    /// `at_end`: the target is the dose the plan ends at, which is kept as asked (N10).
    fn aim(&self, prev: f64, next: &mut Next, window: Window, at_end: bool) -> bool {
        if next.direction != Direction::Down {
            return false;
        }
        let capped;
        (next.target, capped) = self.shape_target(prev, next.target, window);
        if !matches!(self.strategy, Strategy::Manual { .. } | Strategy::Linear { .. })
            && !at_end
            && next.target > 1e-12
            && next.target < window.low
        {
            next.target = window.low;
            // Said as a cap only when the milligram cap is what binds; the step limit itself is
            // stated with the plan.
            return (window.low - self.pace.mg_floor(prev)).abs() < 1e-9;
        }
        capped
    }

    fn shape_target(&self, prev: f64, target: f64, window: Window) -> (f64, bool) {
        if matches!(self.strategy, Strategy::Manual { .. } | Strategy::Linear { .. }) {
            return (target, false);
        }
        let floor = self.pace.mg_floor(prev);
        if target <= 1e-12 {
            // Zero is not yet allowed: the requested step toward it instead (for a hyperbolic
            // plan under every fit; else the largest step the limits allow).
            let toward = match (&self.strategy, &self.model) {
                (Strategy::Hyperbolic { step_pp }, Some(m)) => m.occupancy.lowest_within(prev, *step_pp).max(floor),
                _ => window.low.max(0.0),
            };
            return (toward, false);
        }
        let target = self.cautious_target(prev, target);
        if target < floor - 1e-9 { (floor, true) } else { (target, false) }
    }

    /// Tapering strips are daily pouches: a plan that uses them falls a little every day.
    fn strips(&self) -> bool {
        self.req.kit.stocks.iter().any(|s| matches!(s.product.form, crate::catalogue::Form::Strip { .. }))
    }

    /// Where several fits are read, a step's target is never lower than the requested step
    /// allows under any of them.
    fn cautious_target(&self, prev: f64, target: f64) -> f64 {
        match (&self.strategy, &self.model) {
            (Strategy::Hyperbolic { step_pp }, Some(m)) if m.combined() && target > 0.0 => {
                target.max(m.occupancy.lowest_within(prev, *step_pp))
            }
            _ => target,
        }
    }

    /// The day the next step starts: one interval after the last, or longer where the last
    /// was a larger step than asked (`pace::days_held`).
    fn next_day(&self, steps: &[Step]) -> u32 {
        let Some(last) = steps.last() else { return 0 };
        let before = steps.len().checked_sub(2).map(|i| &steps[i]);
        let held = crate::plan::types::held_after(&self.strategy, self.req.interval_days, self.limit, before, last);
        last.day.saturating_add(held)
    }

    /// The lowest dose a step held longer may reach from `prev` (proportional plans only): the
    /// class's held-step limit (its hard limit unless policy.toml gives one), the milligram cap,
    /// the occupancy limit where modelled, and never below the dose the plan ends at (a walk's
    /// venlafaxine "end at 37.5 mg" went to 30).
    fn held_low(&self, prev: f64) -> Option<f64> {
        let Strategy::Proportional { .. } = self.strategy else { return None };
        let hard = self.pace.held_step_limit(&self.strategy)?;
        let by_model = match (&self.model, self.pace.max_drop_pp(&self.strategy, None, false)) {
            (Some(m), Some(pp)) => m.occupancy.lowest_within(prev, pp),
            _ => 0.0,
        };
        let end = self.req.end_at.map_or(0.0, Mg::get);
        let held = (prev * (1.0 - hard / 100.0)).max(self.pace.mg_floor(prev)).max(by_model).max(end);
        Some(self.stop_low(prev).map_or(held, |low| low.min(held)))
    }

    /// The lowest dose a step from `prev` may reach while no larger than the plan's own step to
    /// zero (`types::within_stop`), never past half the dose, an SNRI's quarter or the dose the
    /// plan ends at; `None` where the plan stops by no final dose or `prev` is already at it.
    fn stop_low(&self, prev: f64) -> Option<f64> {
        let last = self.final_dose.filter(|f| *f > 0.0 && prev > *f)?;
        let by_model =
            self.model.as_ref().map_or(0.0, |m| m.occupancy.lowest_within(prev, m.occupancy.largest_drop(last, 0.0)));
        let low = (prev - last).max(by_model);
        let end = self.req.end_at.map_or(0.0, Mg::get);
        Some(low.max(prev * (1.0 - self.pace.stop_cut_fraction())).max(end))
    }

    /// Where nothing measurable lies within the step asked for, the largest dose below it that
    /// the products make, as long as the cut stays within the class's hard limit, the
    /// milligram cap and (where modelled) the occupancy limit. Only proportional plans: the step
    /// is then held longer in proportion (`next_day`), and the warning says so.
    /// `any_way`: false to refuse (`None`) a dose made only by a way of measuring already left.
    fn stretched(
        &mut self,
        index: usize,
        prev: f64,
        window: Window,
        like: Option<&Preparation>,
        any_way: bool,
    ) -> Option<Choice> {
        let Strategy::Proportional { step_percent } = self.strategy else { return None };
        let low = self.held_low(prev)?;
        if low >= window.low - 1e-12 {
            return None;
        }
        let wider = Window { low, high: window.low, high_inclusive: false };
        // The nearest dose below the asked window (the smallest extra cut), not the simplest.
        let mut choice = self.solver.solve_like(window.low, wider, 1e-9, like)?;
        if let Some(before) = like.filter(|b| self.takes_up_again(&choice.preparation, b)) {
            // As in `find`: the way measured now, under ten marks if need be, before one left.
            let below = window.low - 1e-9;
            // A day in parts is kept dose by dose (its items are the parts', which no whole-day
            // way matches): a re-run's lorazepam went from 1.8 mL of a 1 in 20 dilution twice a
            // day to a quarter tablet beside a 1 in 100 one.
            let kept = (self.solver.nearest_keeping(below, wider, before))
                .or_else(|| {
                    self.in_kept_parts(below, wider, 0.0, true).filter(|c| !self.takes_up_again(&c.preparation, before))
                })
                .or_else(|| self.solver.solve_keeping_few(below, wider, below - low, Some(before)));
            if let Some(kept) = kept {
                choice = kept;
            }
        }
        if !any_way && like.is_some_and(|b| self.takes_up_again(&choice.preparation, b)) {
            return None;
        }
        choice.within_tolerance = true;
        let dose = choice.preparation.dose_mg;
        let cut = 100.0 * (prev - dose) / prev;
        let limit = self.limit.unwrap_or(step_percent);
        if cut > self.pace.held_step_limit(&self.strategy).map_or(limit, |h| h.max(limit)) + 1e-6 {
            // Past the class's limit only where no larger than the stop the plan ends with
            // (never past half the dose: `stop_low`); held longer in proportion all the same.
            if !crate::plan::types::within_stop(self.model.as_ref(), self.final_dose, prev, dose) {
                return None;
            }
            self.near_stop.push((index, prev, dose));
        }
        let held = crate::plan::types::days_held(self.req.interval_days, prev, dose, step_percent, limit);
        self.held_longer.push((index, cut, held));
        Some(choice)
    }

    /// Why the plan cannot take step `index` with what the person has, said so nobody reads it
    /// as "stop": the window, the unit count or a larger step the products do make, what would
    /// help, and that the plan holds.
    fn stall(&mut self, index: usize, prev: f64, aim: f64, window: Window, tolerance: f64) -> PlanStatus {
        let suggestion = self.suggest(aim, window, tolerance);
        let units = self.solver.units_needed(window, 12).map_or_else(String::new, |k| {
            format!(
                " (it would take {k} tablets or capsules, more than the {} one preparation holds)",
                crate::formulation::MAX_PIECES
            )
        });
        // Clinical review minor 22: desvenlafaxine 50 mg with 25 mg tablets — the larger step
        // the products do make is named, as a prescriber's decision.
        let larger = Window { low: 1e-9, high: window.low, high_inclusive: false };
        let half = self.catalogue.policy.step_cap.max_cut_fraction;
        // What binds: the milligram cap where it is the higher bound (the SNRI quarter at the
        // usual dose), else the occupancy limit (the re-run read "near the bottom" at 150 mg).
        let mg_cap = self.pace.mg_floor(prev);
        let bound = if mg_cap >= window.low - 1e-9 {
            format!("the limit here is {}", self.pace.cut_rule_words())
        } else {
            "the limit is in occupancy: the lower the dose, the more of it each mg holds, so a percentage allowed \
             higher up is too large a step here"
                .to_string()
        };
        let bigger = self.solver.solve(window.low, larger, 1e-6).map_or_else(String::new, |c| {
            let dose = c.preparation.dose_mg;
            let cut = (prev - dose) / prev;
            format!(
                "; the products listed make {} mg next, a cut of {} %, {}",
                n(dose),
                // One decimal: "11 %" read beside a limit of 11 % looked allowed (walk-through).
                n((1000.0 * cut).round() / 10.0),
                if cut > half + 1e-9 {
                    "more than any single step Taper plans".to_string()
                } else {
                    self.larger_step_words(prev, dose, &bound, index == 1)
                }
            )
        });
        // Walk-through (round 3): "the plan stops at 0.375 mg" read as "stop the drug". It
        // holds there; stopping from it would be the abrupt stop the plan exists to avoid.
        // A walk read "as low as one step may go" as contradicting the larger steps held longer
        // just before: both bounds are said.
        let lowest = match self.held_low(prev).filter(|l| *l < window.low - 1e-9) {
            Some(l) => format!(
                "{} mg (as low as one step may go; {} mg for a step held longer)",
                crate::units::round_sig(window.low, 3),
                crate::units::round_sig(l, 3)
            ),
            None => format!("{} mg (as low as one step may go)", crate::units::round_sig(window.low, 3)),
        };
        // A walk: desvenlafaxine's hold never said why a cutter did not help.
        let stocks = &self.req.kit.stocks;
        let whole = if !stocks.iter().all(|s| s.product.is_modified_release()) {
            ""
        } else if stocks.iter().all(|s| matches!(s.product.form, crate::catalogue::Form::Tablet { .. })) {
            " (extended-release tablets are swallowed whole, never split, so a cutter does not help)"
        } else {
            " (extended-release units are swallowed whole, unless a capsule's beads are counted)"
        };
        let reason = format!(
            "the next step must land between {lowest} and {} mg, and nothing the products listed make falls there{whole}{units}{bigger}, so the plan holds at {} mg: keep taking {} mg and do not stop suddenly",
            n(prev),
            n(prev),
            n(prev)
        );
        self.warnings.push(Warning {
            code: "cannot-prepare",
            step: Some(index),
            // The table ends before this step: "Step 4:" named a row no one could find (a re-run).
            message: format!(
                "{}, {reason}.{}",
                if index <= 1 { "From the dose taken now".to_string() } else { format!("After step {}", index - 1) },
                suggestion.as_ref().map(|s| format!(" {}", s.plain())).unwrap_or_default()
            ),
        });
        PlanStatus::Incomplete { reason, suggestion }
    }

    /// Why a cut the products make, within the milligram cap, is not taken, and, on a plan's first
    /// step (`first`), the step size that takes it with a prescriber's recorded reason (clinical
    /// review minor 22: desvenlafaxine 50 mg with 25 mg tablets should "mention the 25 mg tablet
    /// with a recorded reason"). Not later: a step size is the whole plan's, and a walk followed
    /// "a step size of 34 %" given for paroxetine's last hold at 0.6 mg into 34 % cuts from 60 mg.
    fn larger_step_words(&self, prev: f64, dose: f64, bound: &str, first: bool) -> String {
        let needed = match (&self.strategy, &self.model) {
            _ if !first => None,
            (Strategy::Hyperbolic { .. }, Some(m)) => {
                Some(format!("a step size of {} percentage points", m.occupancy.largest_drop(prev, dose).ceil()))
            }
            (Strategy::Proportional { .. }, _) => {
                Some(format!("a step size of {} %", (100.0 * (prev - dose) / prev).ceil()))
            }
            _ => None,
        };
        if self.req.pace_override.is_some() {
            // A re-walk: a reason was recorded, yet the hold said "without a prescriber's
            // recorded reason". The reason allows the pace chosen, not a larger step.
            let take = needed.map_or_else(String::new, |s| format!(" ({s}, agreed with your prescriber, takes it)"));
            format!(
                "larger than the step this plan takes: the recorded reason allows the pace chosen, not a larger \
                 step than it{take}"
            )
        } else {
            // A walk: 20 -> 12.5 mg (37.5 %) was planned and 7.5 -> 5 mg (33 %) refused.
            // In one bracket: "…; with that reason, a step size of 17 … takes it, so the plan
            // holds" read backwards to a walk.
            let mut said: Vec<String> =
                needed.map(|s| format!("with that reason, a plan with {s} takes it")).into_iter().collect();
            if matches!(self.strategy, Strategy::Hyperbolic { .. }) {
                said.push(bound.to_string());
            }
            let said = if said.is_empty() { String::new() } else { format!(" ({})", said.join("; ")) };
            format!("larger than the pace limits allow without a prescriber's recorded reason{said}")
        }
    }

    /// Solves one step, or says why the plan stops here.
    fn realise(
        &mut self,
        index: usize,
        day: u32,
        prev: f64,
        next: &Next,
        window: Window,
        like: Option<&Preparation>,
    ) -> Result<Step, PlanStatus> {
        let target = next.target;
        // The solver aims at the nearest point the limits allow; the ideal target is reported.
        let aim = target.max(window.low.min(prev));
        let tolerance = next.tolerance.max(1e-6);
        let found = self.find(aim, window, tolerance, like, next.exact);
        let left = |ctx: &Self, c: &Choice| like.is_some_and(|b| ctx.takes_up_again(&c.preparation, b));
        let (choice, target) = match found {
            // A way already left, where the way of now can make a slightly larger cut held
            // longer: that, rather than back to tablets for a step (a walk: diazepam at 5 % went
            // solution → quarter tablets → solution below 2 mg).
            Some(c) if left(self, &c) => match self.stretched(index, prev, window, like, false) {
                Some(s) => {
                    let d = s.preparation.dose_mg;
                    (s, d)
                }
                // Else the liquid alone at a weaker strength, where it makes the dose.
                None => {
                    let alone = self.liquid_alone(aim, window, tolerance, like, next.exact);
                    (alone.filter(|a| !left(self, a)).unwrap_or(c), target)
                }
            },
            Some(c) => (c, target),
            None => match self.stretched(index, prev, window, like, true) {
                // The stretched dose is the dose the plan intends (clinical review W2).
                Some(c) => {
                    let d = c.preparation.dose_mg;
                    (c, d)
                }
                None => return Err(self.stall(index, prev, aim, window, next.tolerance)),
            },
        };
        let dose = choice.preparation.dose_mg;
        // A preparation adds up positive amounts; anything else ends the plan here, never stored.
        let Some(dose_mg) = Mg::new(dose) else {
            let reason = format!("step {index} came to an impossible amount ({dose} mg); please report this");
            return Err(PlanStatus::Incomplete { reason, suggestion: None });
        };
        let mut choice = choice;
        // Divided first, so what is announced (method, cautions) is what each dose measures.
        self.divide(index, &mut choice.preparation);
        self.note_choice(index, target, &choice, like);
        let fit = self
            .model
            .as_ref()
            .filter(|m| m.combined())
            .and_then(|m| m.occupancy.governing(m.occupancy.occupancy(target)).map(str::to_string));
        Ok(Step {
            index,
            day,
            target_mg: target,
            dose_mg,
            target_occupancy: self.occ(target),
            occupancy: self.occ(dose),
            fit,
            preparation: choice.preparation,
            within_tolerance: choice.within_tolerance,
            daily: Vec::new(),
        })
    }

    /// What the person should know about the preparation chosen for a step: a dose off its
    /// target, the products' own notes, a modified-release caution, a change of method.
    fn note_choice(&mut self, index: usize, target: f64, choice: &Choice, like: Option<&Preparation>) {
        let dose = choice.preparation.dose_mg;
        if !choice.within_tolerance {
            // Kept to the way the step before was made (clinical review minor 15), a nearer dose
            // another way may exist: "the nearest you can prepare" would not be true.
            // The target as the table shows it, and the share read from the figures shown (a
            // re-run: "a target of 19 mg (5.2% above it)" beside a table's 19.02 mg).
            let shown = super::types::target_beside(target, dose);
            let off = format!(
                "{} mg for a target of {} mg ({}% {} it)",
                n(dose),
                n(shown),
                n(super::types::off_target_percent_beside(target, dose).unwrap_or(0.0).abs()),
                if dose >= target { "above" } else { "below" }
            );
            let message = match choice.landing {
                Landing::KeptWay => {
                    Some(format!("Step {index}: the nearest dose made the way the step before was made is {off}."))
                }
                Landing::Nearest => Some(format!("Step {index}: the nearest dose you can prepare is {off}.")),
                // Said with the change of products, which is why it lands there.
                Landing::Lasting { .. } => None,
            };
            if let Some(message) = message {
                self.warnings.push(Warning { code: "outside-tolerance", step: Some(index), message });
            }
        }
        if let Some(w) = self.product_change(index, target, choice, like) {
            self.warnings.push(w);
        }
        if uses_quarters(&choice.preparation) && !self.warnings.iter().any(|w| w.code == "quarter-tablets") {
            self.warnings.push(Warning {
                code: "quarter-tablets",
                step: Some(index),
                message: format!("From step {index} the dose uses quarter tablets. {QUARTER_CAUTION}"),
            });
        }
        for note in &choice.preparation.notes {
            if !self.warnings.iter().any(|w| &w.message == note) {
                self.warnings.push(Warning { code: "preparation-note", step: Some(index), message: note.clone() });
            }
        }
        if let Some(w) = self.release_note(index, &choice.preparation) {
            self.warnings.push(w);
        }
        if let Some(before) = like.map(|p| p.method.as_str()).filter(|m| *m != choice.preparation.method) {
            let mut message = method_change(index, before, &choice.preparation.method);
            // Clinical review minor 17 (waste and supply): a fresh jug of 200 or 500 mL a day.
            let most_water =
                (choice.preparation.items.iter().chain(choice.preparation.parts.iter().flat_map(|(_, p)| &p.items)))
                    .filter_map(|i| i.dilution.map(|d| d.water_ml))
                    .fold(0.0, f64::max);
            if most_water > crate::formulation::GLASS_ML {
                message.push_str(&format!(
                    " This dilution is {} mL of water a day, mostly thrown away: a pharmacy may be able to make up a weaker liquid for you instead, to measure from as it comes; ask them.",
                    n(most_water)
                ));
            }
            self.warnings.push(Warning { code: "method-change", step: Some(index), message });
        }
    }

    /// The first step that takes up a product the phase has not used: which, instead of what,
    /// and why (what the person has cannot make the step; clinical review D1 and minor 15). A
    /// step off its target to last longer says so here.
    fn product_change(
        &self,
        index: usize,
        target: f64,
        choice: &Choice,
        like: Option<&Preparation>,
    ) -> Option<Warning> {
        let name = |id: &str| {
            let stock = self.req.kit.stocks.iter().find(|s| s.product.id == id);
            stock.map_or_else(|| id.to_string(), |s| s.product.describe())
        };
        let names = |items: &mut dyn Iterator<Item = &Item>| {
            let mut list: Vec<String> = Vec::new();
            for item in items {
                let named = name(&item.product_id);
                if !list.contains(&named) {
                    list.push(named);
                }
            }
            crate::units::join_and(&list)
        };
        let prep = &choice.preparation;
        // Step 0 taken as the person takes it, which no preparation here holds: the change is read
        // against the product they named, else against how they take it now.
        let named = self.req.taken_now.as_deref().filter(|_| like.is_none_or(|p| p.items.is_empty()));
        let mut new = prep
            .items
            .iter()
            .filter(|i| {
                !self.phase.iter().any(|p| p.product_id == i.product_id) && named != Some(i.product_id.as_str())
            })
            .peekable();
        new.peek()?;
        let (keeps_some, before) = match like.filter(|p| !p.items.is_empty()) {
            Some(b) => (
                prep.items.iter().any(|i| b.items.iter().any(|p| p.product_id == i.product_id)),
                names(&mut b.items.iter()),
            ),
            None if index != 1 => return None,
            None => match named {
                Some(id) => (prep.items.iter().any(|i| i.product_id == id), name(id)),
                // Nothing named and nothing shown: as a step 0 no product makes (said there).
                None => return None,
            },
        };
        let taken = names(&mut new);
        let change = if keeps_some {
            format!("also uses the {taken} (until now only the {before})")
        } else {
            format!("is made with the {taken} instead of the {before}")
        };
        let mut message =
            format!("From step {index} the dose {change}: what you use now cannot make it within the pace.");
        if let Landing::Lasting { steps } = choice.landing {
            let after = if steps == 1 { "step after it".to_string() } else { format!("{steps} steps after it") };
            message.push_str(&format!(
                " Of the new ways, this one also makes the {after}, so it is {} mg for a target of {} mg: a smaller step than asked, within the pace, and the plan catches up after it.",
                n(prep.dose_mg),
                n(super::types::target_as_shown(target))
            ));
        }
        Some(Warning { code: "product-change", step: Some(index), message })
    }

    /// Divides the day's dose as its label says, and settles what is measured (the parts, or the
    /// whole when it is not divided): later steps never measure those liquids stronger.
    fn divide(&mut self, index: usize, prep: &mut Preparation) {
        self.divide_parts(index, prep);
        self.solver.settle(prep);
    }

    /// The day's dose in one part per dose time: the times the person gave, else the label's
    /// division of the form (venlafaxine immediate release, short-acting benzodiazepines).
    /// Where the products cannot make that many parts, fewer times are kept and the first step
    /// that does so says which (clinical review W6).
    fn divide_parts(&mut self, index: usize, prep: &mut Preparation) {
        if prep.items.is_empty() {
            return;
        }
        if !prep.parts.is_empty() {
            // Made as its parts already (`in_parts`): nothing to divide.
            self.doses_a_day = Some(prep.parts.len());
            return;
        }
        let wanted = crate::times::wanted(self.req.times.as_ref(), prep, &self.req.kit);
        let most = self.times_allowed(&wanted);
        // The dose taken now with no times given: at the label's times where equal parts make it
        // exactly, else undivided (how it is split now is not guessed). Not a step taken at
        // fewer times, and no bound on the steps after it.
        let unknown_now = index == 0 && self.req.times.is_none();
        let least = if unknown_now { most.max(2) } else { 2 };
        let mut kept = 1;
        for k in (least..=most).rev() {
            if let Some(parts) = self.divide_at(index, prep, &wanted, k) {
                // The day is measured as its parts are: their way of measuring and cautions.
                prep.method =
                    parts.iter().rev().map(|(_, p)| p.method.clone()).find(|m| !m.is_empty()).unwrap_or_default();
                for note in parts.iter().flat_map(|(_, p)| &p.notes) {
                    if !prep.notes.contains(note) {
                        prep.notes.push(note.clone());
                    }
                }
                // What is measured is the parts: the day's items are theirs, so nothing reads a
                // whole-day draw that no one makes.
                prep.items = parts.iter().flat_map(|(_, p)| p.items.clone()).collect();
                prep.parts = parts;
                kept = k;
                break;
            }
        }
        // Never at step 0: that is the dose taken now, in the form it is taken (a re-run: an
        // alprazolam user who said "1 mg tablets" was shown "now: 4 × 1 mg extended-release").
        if kept < wanted.len() && self.req.times.is_none() && !self.release_kinds(prep).0 && index > 0 {
            // Immediate release that cannot be taken at its label's times: the extended-release
            // products the person has, where they make the dose, once a day as their label
            // gives (a walk: 37.5 mg of immediate release once a day, then a note to ask for "a
            // longer-acting form" they had ticked). Times the person gave are kept as given: a
            // plan going back and forth between releases step by step is worse.
            if let Some(c) = self.solver.solve_modified_release(prep.dose_mg) {
                *prep = c.preparation;
                self.doses_a_day = Some(1);
                return;
            }
        }
        if kept == 1 && wanted.len() > 1 {
            // Solved as a day of several draws; taken once, it must fit one draw.
            match self.solver.in_single_draws(prep) {
                Some(single) => *prep = single,
                None => self.warnings.push(Warning {
                    code: "divided-dose",
                    step: Some(index),
                    message: format!("Step {index}: the day's dose needs more than one syringe-full of the liquid; draw it in two goes, as your pharmacist shows you."),
                }),
            }
        }
        self.note_doses_a_day(index, prep, &wanted, kept, unknown_now);
        if kept < wanted.len() && !unknown_now {
            self.fewer_times = Some((wanted, kept));
        }
        self.doses_a_day = Some(kept);
    }

    /// What a change in the number of doses a day says: fewer than the times wanted, or the
    /// label's split beginning after a step 0 whose split was not known.
    fn note_doses_a_day(
        &mut self,
        index: usize,
        prep: &Preparation,
        wanted: &DoseTimes,
        kept: usize,
        unknown_now: bool,
    ) {
        if kept < wanted.len() && self.doses_a_day != Some(kept) && !unknown_now {
            let labelled = crate::times::labelled_doses(prep, &self.req.kit);
            let why = if self.req.times.is_some() {
                format!("at the {} times given", wanted.len())
            } else {
                format!("in {labelled} doses a day, as its label gives,")
            };
            self.warnings.push(Warning {
                code: "divided-dose",
                step: Some(index),
                message: format!(
                    "From step {index} the day's dose is too small to take {why} with what you have: each part must be one you can make (whole or cut tablets, or a syringe draw of at least ten marks), so it is {}. Ask the prescriber whether that suits you, or whether another form could keep the times.",
                    crate::times::taken(&wanted.fewer(kept))
                ),
            });
        }
        if index > 0 && kept > 1 && self.req.times.is_none() && self.doses_a_day == Some(1) {
            // Step 0 showed the day's total, its split unknown; said where the label's split
            // begins (a re-run: alprazolam went from once a day to three doses unannounced).
            self.warnings.push(Warning {
                code: "divided-dose",
                step: Some(index),
                message: format!(
                    "From step {index} the day's dose is {}, as its label gives. How you split it now is not known, so step 0 shows the day's total: if you take it at other times, give your times and the plan keeps them.",
                    crate::times::taken(&wanted.fewer(kept))
                ),
            });
        }
    }

    /// The preparation for a step: as its doses were made the step before (a day in parts), else
    /// with the products and way of the step before, else the simplest; a day its label divides
    /// is then made as even doses where it can be. A step may land a little short of its target
    /// to keep the way of preparing it, unless the dose was asked for as such (`exact`).
    fn find(
        &mut self,
        aim: f64,
        window: Window,
        tolerance: f64,
        like: Option<&Preparation>,
        exact: bool,
    ) -> Option<Choice> {
        // Kept parts keep the way of measuring too: a pregabalin day of capsules and solution
        // went to capsules alone for one step, then back to the solution.
        // Nor take up again, dose by dose, a product left (a re-run: lorazepam's 0.5 mg tablet,
        // dropped at step 2, came back at step 40 beside a dilution).
        let same_way = |ctx: &Self, c: &Choice| {
            like.is_none_or(|b| {
                b.items.is_empty() || (c.preparation.method == b.method && !ctx.takes_up_again(&c.preparation, b))
            })
        };
        if let Some(c) = self.in_kept_parts(aim, window, tolerance, !exact).filter(|c| same_way(self, c)) {
            return Some(c);
        }
        let keep = if exact { None } else { like };
        let whole = match (self.solver.solve_keeping(aim, window, tolerance, keep), keep) {
            (Some(c), _) => Some(c),
            // Else what the phase already has, measured the same way (three 37.5 mg capsules
            // after one 150 mg: no new product), else a change that lasts.
            (None, Some(before)) => {
                let way = phase_way(&self.phase, before);
                (self.solver.solve_keeping(aim, window, tolerance, Some(&way)))
                    .or_else(|| self.lasting_change(aim, window, tolerance, like))
            }
            (None, None) => self.solver.solve_like(aim, window, tolerance, like),
        };
        let whole = match (whole, keep) {
            (Some(c), Some(before)) if self.takes_up_again(&c.preparation, before) => {
                let way = phase_way(&self.phase, before);
                let few = |b: &Preparation| self.solver.solve_keeping_few(aim, window, tolerance, Some(b));
                Some(few(before).or_else(|| few(&way)).unwrap_or(c))
            }
            (whole, _) => whole,
        };
        match whole {
            Some(c) => Some(self.as_even_parts(c, aim, window, tolerance, like, !exact)),
            None => self.in_parts(aim, window, tolerance),
        }
    }

    /// The step made from liquids alone, where the step before measured a liquid alone (a
    /// re-run: alprazolam 1 mL of the solution three times a day, then a 0.5 mg tablet beside
    /// 4 mL of a 1 in 10 dilution, where 9 mL of that dilution makes the dose).
    fn liquid_alone(
        &mut self,
        aim: f64,
        window: Window,
        tolerance: f64,
        like: Option<&Preparation>,
        exact: bool,
    ) -> Option<Choice> {
        let before = like.filter(|b| b.is_liquid_alone())?;
        self.solver.kinds = Kinds::LiquidAlone;
        let found = self.find(aim, window, tolerance, Some(before), exact);
        self.solver.kinds = Kinds::Any;
        // Off the aim is allowed inside the window the pace gives: one way of measuring is
        // worth more than a point target (a re-run: venlafaxine's solution, 2.9 mL of the
        // weaker bottle, rather than half a tablet beside 1.2 mL).
        found.filter(|c| window.contains(c.preparation.dose_mg))
    }

    /// Records the products `p` uses as used by the plan.
    fn note_used(&mut self, p: &Preparation) {
        for item in &p.items {
            if !self.used.contains(&item.product_id) {
                self.used.push(item.product_id.clone());
            }
        }
    }

    /// Whether `p` measures a way the plan measured with and left, rather than the way of the
    /// step before (tablets → a liquid → tablets again), or, once a liquid is measured, takes up
    /// again a product an earlier step used and the step before did not (a walk: diazepam at 5 %
    /// below 2 mg went solution → a quarter tablet and solution → solution → a quarter tablet and
    /// solution …). Only after a step of the liquid alone: beside tablets, the tablets taken
    /// change as cuts are made (a re-run found paroxetine's "40 mg tablet + 4.7 mL" steps end in
    /// "40 mg tablet + 0.1 mL", under ten marks, rather than take the 20 mg tablets back).
    fn takes_up_again(&self, p: &Preparation, before: &Preparation) -> bool {
        let dropped = |id: &str| self.used.iter().any(|u| u == id) && !before.items.iter().any(|b| b.product_id == id);
        // Products only once a liquid is measured: between tablets alone, a strength coming back
        // is how small cuts are made (2 mg tablets beside 5 mg ones), not a swing.
        let liquid_alone = !before.method.is_empty() && before.is_liquid_alone();
        // Nor, once the liquid is measured alone, put tablets or capsules beside it, even ones
        // never used: a re-run's sertraline went concentrate alone, then a quarter, a half and a
        // whole 25 mg tablet beside it for three steps, then back to the concentrate alone.
        let solid_beside = |i: &Item| !i.unit.is_liquid() && !before.items.iter().any(|b| b.product_id == i.product_id);
        (p.method != before.method && self.solver.has_left(&p.method))
            || (liquid_alone && p.items.iter().any(|i| dropped(&i.product_id) || solid_beside(i)))
    }

    /// A change of products or form, forced because the way of the step before cannot make
    /// this step: of the solver's own choice and its alternatives, the one whose products and
    /// way of measuring go on making the most steps after it; the solver's own on a tie. Without
    /// this, a venlafaxine plan with every product changed product or form almost every month
    /// (clinical review minor 15).
    fn lasting_change(
        &mut self,
        aim: f64,
        window: Window,
        tolerance: f64,
        like: Option<&Preparation>,
    ) -> Option<Choice> {
        let first = self.solver.solve_like(aim, window, tolerance, like);
        let Some(before) = like.filter(|p| !p.items.is_empty()) else { return first };
        let own = first?;
        let (cost, mixes) = (own.preparation.complexity, self.release_mix(&own.preparation));
        // Keeping the release form the person takes now comes first (a change of release is a
        // change of how the level rises and falls; clinical review W1), then lasting longest.
        // Then, of ways lasting alike, the form taken now (tablets stay tablets: a walk saw an
        // extended-release tablet changed for capsules that tablets could have made).
        // Before all of these, a way not yet left: going forward to a weaker dilution rather than
        // back to tablets left, which `find` would refuse and replace with a draw under ten
        // marks of the liquid now (a walk: mirtazapine 0.9, 0.8, 0.7 mL of the 15 mg/mL solution,
        // then the 1 in 10 dilution that could have made all three).
        let release = self.release_kinds(before);
        let forms = self.forms_of(before);
        let score = |ctx: &mut Self, c: &Choice| {
            let forward = !ctx.takes_up_again(&c.preparation, before);
            let same_release = ctx.release_kinds(&c.preparation) == release;
            (forward, same_release, ctx.keeps_ahead(c), ctx.forms_of(&c.preparation) == forms)
        };
        let own_goes_back = self.takes_up_again(&own.preparation, before);
        let mut best = (score(self, &own), own);
        // Never a way harder to prepare than the solver's own, nor one that mixes release forms
        // where it does not: lasting is worth no more work each day. Unless the solver's own
        // goes back to a way left: then any way forward.
        let most_cost = if own_goes_back { u32::MAX } else { cost };
        let bounds = crate::formulation::Bounds { most_cost, mixed_release: mixes };
        for mut alt in self.solver.alternatives(aim, window, tolerance, before, bounds) {
            let scored = score(self, &alt);
            if scored > best.0 {
                if !alt.within_tolerance {
                    alt.landing = Landing::Lasting { steps: scored.2 };
                }
                best = (scored, alt);
            }
        }
        Some(best.1)
    }

    /// The forms `p` is made of (tablet, capsule, liquid …), in kit order.
    fn forms_of(&self, p: &Preparation) -> Vec<&'static str> {
        let mut forms: Vec<&'static str> = (self.req.kit.stocks.iter())
            .filter(|s| p.items.iter().any(|i| i.product_id == s.product.id))
            .map(|s| s.product.form.kind())
            .collect();
        forms.sort_unstable();
        forms.dedup();
        forms
    }

    /// Whether `p` takes extended- and immediate-release units on one day.
    fn release_mix(&self, p: &Preparation) -> bool {
        self.release_kinds(p) == (true, true)
    }

    /// How many of the steps after `c` its products and way of measuring make as
    /// `Solver::solve_keeping` would, up to [`LOOKAHEAD_STEPS`]; reaching the end of the plan
    /// counts as all of them. Nothing the look changes is kept.
    fn keeps_ahead(&mut self, c: &Choice) -> usize {
        let ceiling = self.solver.ceiling();
        let end_at = self.req.end_at.map(Mg::get);
        let mut ladder =
            Ladder { strategy: &self.strategy, model: self.model.as_ref().map(|m| &m.occupancy), at: self.rung };
        let (mut prev, mut like) = (c.preparation.dose_mg, c.preparation.clone());
        let mut phase = self.phase.clone();
        let mut kept = 0;
        while kept < LOOKAHEAD_STEPS {
            self.solver.settle(&like);
            grow_phase(&mut phase, &like);
            ladder.accept(prev);
            let Some(mut next) = ladder.next(prev, self.final_dose, end_at) else { break };
            if next.target <= 1e-12 && self.zero_allowed(prev) {
                kept = LOOKAHEAD_STEPS;
                break;
            }
            if next.exact || next.direction != Direction::Down {
                break;
            }
            let window = self.window(prev, next.direction);
            self.aim(prev, &mut next, window, ladder.at.reached_end);
            let aim = next.target.max(window.low.min(prev));
            match self.solver.solve_keeping(aim, window, next.tolerance.max(1e-6), Some(&phase_way(&phase, &like))) {
                Some(k) => (prev, like) = (k.preparation.dose_mg, k.preparation),
                None => break,
            }
            kept += 1;
        }
        self.solver.set_ceiling(ceiling);
        kept
    }

    /// The first day taken in parts, made as its doses (each its share of the day, made alike)
    /// rather than the whole day cut up afterwards (a walk: venlafaxine 84.375 mg as 37.5 mg in
    /// the morning and 1¼ tablets, 46.875 mg, at night). `c` unchanged when the day is taken once
    /// or cannot be made so.
    fn as_even_parts(
        &mut self,
        c: Choice,
        aim: f64,
        window: Window,
        tolerance: f64,
        like: Option<&Preparation>,
        keeping: bool,
    ) -> Choice {
        let wanted = crate::times::wanted(self.req.times.as_ref(), &c.preparation, &self.req.kit);
        let most = self.times_allowed(&wanted);
        if !c.preparation.parts.is_empty() || most < 2 {
            return c;
        }
        let times = wanted.fewer(most).times().to_vec();
        let likes = vec![like.cloned().unwrap_or_else(|| c.preparation.clone()); times.len()];
        self.parts_at(aim, window, tolerance, &times, &likes, keeping).unwrap_or(c)
    }

    /// How many of the `wanted` times a step may take its day at: all, unless an earlier step
    /// with the same times took fewer (doses a day only fall).
    fn times_allowed(&self, wanted: &DoseTimes) -> usize {
        match &self.fewer_times {
            Some((times, kept)) if times == wanted => *kept,
            _ => wanted.len(),
        }
    }

    /// The person's own shares of the day for `n` times, else equal shares.
    fn shares_for(&self, n: usize) -> Vec<f64> {
        self.shares.clone().filter(|s| s.len() == n).unwrap_or_else(|| vec![1.0 / n as f64; n])
    }

    /// The day as its doses at `times`, each the person's share of it (else equal shares), made
    /// as `likes` were (`Solver::solve_scaled_parts`).
    fn parts_at(
        &mut self,
        aim: f64,
        window: Window,
        tolerance: f64,
        times: &[crate::units::DoseTime],
        likes: &[Preparation],
        keeping: bool,
    ) -> Option<Choice> {
        let shares = self.shares_for(times.len());
        let day = crate::formulation::ScaledDay { aim, window, tolerance, times, shares: &shares, likes, keeping };
        self.solver.solve_scaled_parts(&day)
    }

    /// A day taken at the times the step before was taken at, each dose cut in the same
    /// proportion (the person's own split kept) and made as it was made before where it can be:
    /// one way of preparing per dose time (clinical review minor 15: capsules and solution
    /// swapped between the morning and the evening dose, and between steps). `None` when the
    /// step before was one dose a day, or the parts cannot be made so; the day is then solved
    /// whole and divided.
    fn in_kept_parts(
        &mut self,
        aim: f64,
        window: Window,
        tolerance: f64,
        keeping: bool,
    ) -> Option<crate::formulation::Choice> {
        let before = &self.last_preparation.parts;
        if before.len() < 2 {
            return None;
        }
        let times: Vec<crate::units::DoseTime> = before.iter().map(|(t, _)| *t).collect();
        let likes: Vec<Preparation> = before.iter().map(|(_, p)| p.clone()).collect();
        self.parts_at(aim, window, tolerance, &times, &likes, keeping)
    }

    /// A day more units than one preparation holds, made directly as its parts at the day's
    /// times (a switch's 30 mg of diazepam as 10 mg three times, each two 5 mg tablets), where
    /// the day is taken in parts at all.
    fn in_parts(&mut self, aim: f64, window: Window, tolerance: f64) -> Option<crate::formulation::Choice> {
        let most = crate::times::most_doses(self.req.times.as_ref(), &self.req.kit);
        if most < 2 {
            return None;
        }
        let times = self.req.times.clone().unwrap_or_else(|| {
            crate::units::DoseTimes::usual(u8::try_from(most).unwrap_or(crate::units::MAX_DOSE_TIMES as u8))
        });
        let allowed = self.times_allowed(&times);
        if allowed < 2 {
            return None;
        }
        let times = times.fewer(allowed);
        let shares = self.shares_for(times.len());
        self.solver.solve_in_parts(aim, window, tolerance, &times, &shares)
    }

    /// The day in `k` of the `wanted` times: at all of them in the person's own shares, the dose
    /// taken now exactly as they take it where it can be made so; at fewer, in equal shares.
    fn divide_at(
        &mut self,
        index: usize,
        prep: &Preparation,
        wanted: &crate::units::DoseTimes,
        k: usize,
    ) -> Option<crate::formulation::Parts> {
        let times = wanted.fewer(k);
        let equal = vec![1.0 / k as f64; k];
        let Some(own) = self.shares.clone().filter(|s| s.len() == k) else {
            // The dose taken now is what the person takes: equal parts exactly where they can be
            // made (a walk: 36 mg of solution in two equal doses became 17 and 19 mg on step 0).
            if index == 0
                && let Some(parts) = self.solver.divide(prep, &times, &equal, true)
            {
                return Some(parts);
            }
            // With no times given, the dose taken now is split only where equal parts make it
            // exactly: how the person takes it is not known, and a guessed uneven split read as
            // "now: 0.3125, 0.3125 and 0.375 mg" from quarter tablets they do not use (a re-run).
            if index == 0 && self.req.times.is_none() {
                return None;
            }
            return self.solver.divide(prep, &times, &equal, false);
        };
        if index == 0
            && let Some(parts) = self.solver.divide(prep, &times, &own, true)
        {
            return Some(parts);
        }
        self.divide_keeping_strength(index, prep, &times, &own, &equal)
    }

    /// The person's shares, moved toward equal only where that keeps each dose measurable at the
    /// liquid's current strength: a small dose that alone needs a weaker dilution would lock the
    /// whole plan to it (D1) and the larger dose could no longer be drawn (a walk: lorazepam 0.5 +
    /// 1.5 mg held at 0.5 mg). Said once, at the first step that moves.
    fn divide_keeping_strength(
        &mut self,
        index: usize,
        prep: &Preparation,
        times: &crate::units::DoseTimes,
        own: &[f64],
        equal: &[f64],
    ) -> Option<crate::formulation::Parts> {
        let before = self.solver.ceiling();
        // The first split that divides at all, kept in case none keeps the strength.
        let mut weaker: Option<(crate::formulation::Parts, f64)> = None;
        for towards_equal in [0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0] {
            let shares: Vec<f64> = own.iter().zip(equal).map(|(o, e)| o + (e - o) * towards_equal).collect();
            self.solver.set_ceiling(before);
            let Some(parts) = self.solver.divide(prep, times, &shares, false) else { continue };
            if self.solver.ceiling().to_bits() == before.to_bits() {
                self.note_split_moved(index, &parts, own);
                return Some(parts);
            }
            if weaker.is_none() {
                weaker = Some((parts, self.solver.ceiling()));
            }
        }
        self.solver.set_ceiling(before);
        let (parts, ceiling) = weaker?;
        self.solver.set_ceiling(ceiling);
        self.note_split_moved(index, &parts, own);
        Some(parts)
    }

    /// Said once, at the first step whose doses stray from the person's own split by more than
    /// a tenth of a share, however they came to (a measuring difference is less).
    fn note_split_moved(&mut self, index: usize, parts: &crate::formulation::Parts, own: &[f64]) {
        let day: f64 = parts.iter().map(|(_, p)| p.dose_mg).sum();
        let strays = day > 0.0
            && parts
                .iter()
                .zip(own)
                .any(|((_, p), share)| (p.dose_mg / day - share).abs() > SPLIT_STRAY * share + 1e-9);
        if !strays || self.split_moved {
            return;
        }
        self.split_moved = true;
        // Equal shares now can only move away from equal (a check: "split more evenly (2, 2, 2,
        // 1.5 mg) than you take it now" after 10 mg four times a day).
        let equal_now = own.iter().all(|s| (s - own[0]).abs() < 1e-9);
        let how = if equal_now { "no longer in equal doses" } else { "split more evenly than you take it now" };
        self.warnings.push(Warning {
            code: "split-moved",
            step: Some(index),
            message: format!(
                "From step {index} the day is {how} ({}), so that each dose can still be measured; ask the prescriber whether that suits you.",
                parts.iter().map(|(t, p)| format!("{} mg at {t}", n(p.dose_mg))).collect::<Vec<_>>().join(", ")
            ),
        });
    }

    /// Extended- and immediate-release forms are absorbed at different speeds: a step that mixes
    /// them, or the first step that moves from one to the other, says so (review P14).
    /// Whether a preparation holds modified-release units, and immediate-release ones.
    fn release_kinds(&self, p: &Preparation) -> (bool, bool) {
        let mut k = (false, false);
        for item in &p.items {
            let Some(stock) = self.req.kit.stocks.iter().find(|s| s.product.id == item.product_id) else {
                continue;
            };
            match stock.product.form {
                crate::catalogue::Form::Tablet { modified_release: true, .. }
                | crate::catalogue::Form::Capsule { modified_release: true, .. } => k.0 = true,
                _ => k.1 = true,
            }
        }
        k
    }

    /// True when `prep` is the first step without modified-release units after one with them,
    /// or the reverse.
    fn changes_release(&self, prep: &Preparation) -> bool {
        let (last, now) = (self.release_kinds(&self.last_preparation), self.release_kinds(prep));
        (last.0 && !now.0 && now.1) || (!last.0 && last.1 && now.0 && !now.1)
    }

    /// `realise`, but for an SNRI a step that changes release form takes off at most the SNRI
    /// quarter (clinical review W1: the last extended-release dose stopped in the same step as a
    /// 46 % cut of venlafaxine).
    fn realise_release_safely(
        &mut self,
        index: usize,
        day: u32,
        prev: f64,
        next: &Next,
        window: Window,
        like: Option<&Preparation>,
    ) -> Result<Step, PlanStatus> {
        // What a discarded attempt changed is undone with its warnings: the doses a day it
        // noted and the strengths it settled (a property test found a fewer-times warning lost
        // while its state stayed).
        let (mark, doses_a_day, ceiling) = (self.warnings.len(), self.doses_a_day, self.solver.ceiling());
        let fewer_times = self.fewer_times.clone();
        let step = self.realise(index, day, prev, next, window, like)?;
        let quarter = self.catalogue.policy.step_cap.snri_max_cut_fraction;
        let most = prev * (1.0 - quarter);
        if self.drug.class != crate::catalogue::DrugClass::Snri
            || step.dose_mg.get() >= most - 1e-9
            || !self.changes_release(&step.preparation)
        {
            return Ok(step);
        }
        self.warnings.truncate(mark);
        self.doses_a_day = doses_a_day;
        self.fewer_times = fewer_times;
        self.solver.set_ceiling(ceiling);
        let narrower = Window { low: window.low.max(most), ..window };
        let aimed = Next { target: next.target.max(narrower.low), ..*next };
        self.realise(index, day, prev, &aimed, narrower, like)
    }

    fn release_note(&self, index: usize, prep: &Preparation) -> Option<Warning> {
        let (mr, ir) = self.release_kinds(prep);
        let name = &self.drug.name;
        if mr && ir {
            return Some(Warning {
                code: "release-mix",
                step: Some(index),
                message: format!(
                    "Step {index} combines extended-release and immediate-release {name}, which are absorbed at different speeds; agree this with your prescriber before you start it."
                ),
            });
        }
        // The step on which the last modified-release unit stops (or the first one starts) says
        // so, even after a mixed step (clinical review W1: the switch went unflagged).
        let last = self.release_kinds(&self.last_preparation);
        if (last.0 && !mr && ir) || (!last.0 && last.1 && mr && !ir) {
            let pairing = self
                .drug
                .release_pairing
                .as_ref()
                .map_or_else(String::new, |p| format!(" {} ({})", p.note, self.catalogue.cite(&p.source)));
            return Some(Warning {
                code: "release-change",
                step: Some(index),
                message: format!(
                    "From step {index} the {name} you take is {} instead of {}: the level in the blood rises and falls differently, so watch how you feel in the first days and talk to your prescriber.{pairing}",
                    if ir { "immediate-release" } else { "extended-release" },
                    if ir { "extended-release" } else { "immediate-release" }
                ),
            });
        }
        None
    }

    /// More than two steps off their targets are said in one line, not one each (a walk: 25 such
    /// lines before the table on a phone); the table gives each step's dose.
    fn note_off_target(&mut self, steps: &[Step]) {
        let off: Vec<&Step> = steps
            .iter()
            .filter(|s| self.warnings.iter().any(|w| w.code == "outside-tolerance" && w.step == Some(s.index)))
            .collect();
        if off.len() <= 2 {
            return;
        }
        let most = off
            .iter()
            .filter(|s| s.target_mg > 0.0)
            .map(|s| 100.0 * (s.dose_mg.get() - s.target_mg).abs() / s.target_mg)
            .fold(0.0, f64::max);
        let at = self.warnings.iter().position(|w| w.code == "outside-tolerance").unwrap_or(self.warnings.len());
        self.warnings.retain(|w| w.code != "outside-tolerance");
        let indices: Vec<usize> = off.iter().map(|s| s.index).collect();
        self.warnings.insert(
            at.min(self.warnings.len()),
            Warning {
                code: "outside-tolerance",
                step: Some(indices[0]),
                message: format!(
                    "Steps {} ({} steps) land {}, by up to {}%: each is the nearest dose the products make, or the nearest made the way the step before was made, and stays within the pace; each step's dose is in the table.",
                    ranges(&indices),
                    indices.len(),
                    // Above is a smaller step than asked, and said so (a walk read "off by 47 %"
                    // as alarming).
                    if off.iter().all(|s| s.dose_mg.get() >= s.target_mg) {
                        "above their targets (smaller steps than asked)"
                    } else {
                        "off their targets"
                    },
                    n((10.0 * most).round() / 10.0)
                ),
            },
        );
    }

    /// One line for the steps taken larger than asked and held longer (`stretched`).
    fn note_held_longer(&mut self, steps: &[Step]) {
        // The last steps past the pace limit are said by `note_near_stop`.
        let past = |i: usize| self.near_stop.iter().any(|(j, ..)| *j == i);
        let kept: Vec<(usize, f64, u32)> = (self.held_longer.iter().copied())
            .filter(|(i, ..)| steps.iter().any(|s| s.index == *i) && !past(*i))
            .collect();
        let (Some(first), Strategy::Proportional { step_percent }) = (kept.first(), &self.strategy) else { return };
        let most = kept.iter().map(|(_, c, _)| *c).fold(0.0, f64::max);
        let beyond = if self.near_stop.is_empty() { "" } else { " (but the last steps before the stop, below)" };
        // Days only of steps a later step follows: a plan that holds at its last dose says so
        // itself (a walk read "held 35 to 70 days" where no step lasted 70).
        let held: Vec<u32> =
            kept.iter().filter(|(i, ..)| steps.iter().any(|s| s.index == *i + 1)).map(|(.., d)| *d).collect();
        let (short, long) = held.iter().fold((u32::MAX, 0), |(lo, hi), d| (lo.min(*d), hi.max(*d)));
        let which = if kept.len() == 1 {
            format!("Step {} cuts", first.0)
        } else {
            format!("{} steps, from step {}, cut", kept.len(), first.0)
        };
        let days = match (held.is_empty(), short == long) {
            (true, _) => String::new(),
            (false, true) => format!(" ({short} days instead of {})", self.req.interval_days),
            (false, false) => format!(" ({short} to {long} days instead of {})", self.req.interval_days),
        };
        self.warnings.push(Warning {
            code: "held-longer",
            step: Some(first.0),
            message: format!(
                "{which} more than the {}% asked (up to {}%): nothing you can measure lies within the asked step there, so the plan takes the nearest dose below that the products make, never past the pace limit{beyond}, and holds it longer in proportion{days}, so the pace over time stays as asked. A finer preparation (a weaker dilution, a finer syringe or a compounded dose) would keep the steps even.",
                n(*step_percent),
                n((10.0 * most).round() / 10.0),
            ),
        });
    }

    /// Steps past the class's held-step limit near the end, each no larger than the plan's own
    /// step to zero: which, by how much, why that is no harsher than the stop, and how long each
    /// is held (re-runs: "lowers it by 5" without a unit, a threshold read as a dose, a range
    /// named by the dose before its first step).
    fn note_near_stop(&mut self, steps: &[Step]) {
        let kept: Vec<(usize, f64, f64)> =
            self.near_stop.iter().copied().filter(|(i, ..)| steps.iter().any(|s| s.index == *i)).collect();
        let (Some(&(first, from, _)), Some(last), Strategy::Proportional { step_percent }) =
            (kept.first(), self.final_dose, &self.strategy)
        else {
            return;
        };
        let one = kept.len() == 1;
        let step = |(i, a, b): &(usize, f64, f64)| {
            format!("{i} ({} → {} mg, {} %)", n(*a), n(*b), n((1000.0 * (a - b) / a).round() / 10.0))
        };
        let list = match kept.as_slice() {
            [only] => format!("step {}", step(only)),
            [a, .., z] if kept.len() > 3 => {
                format!("the {} steps from step {} to step {}", kept.len(), step(a), step(z))
            }
            _ => format!("steps {}", crate::units::join_and(&kept.iter().map(step).collect::<Vec<_>>())),
        };
        let last_mg = crate::units::round_sig(last, 3);
        let why = match &self.model {
            Some(m) => {
                let drops: Vec<String> =
                    kept.iter().map(|(_, a, b)| n((10.0 * m.occupancy.largest_drop(*a, *b)).round() / 10.0)).collect();
                format!(
                    "{} modelled occupancy by {} percentage points, while the plan may stop from any dose up to {last_mg} mg, a fall of up to {} percentage points",
                    if one { "it lowers" } else { "they lower" },
                    if drops.len() > 3 {
                        format!("{} to {}", drops[0], drops[drops.len() - 1])
                    } else {
                        crate::units::join_and(&drops)
                    },
                    n((10.0 * m.occupancy.largest_drop(last, 0.0)).round() / 10.0)
                )
            }
            None => {
                let what = if self.pace.benzo_final_cap_mg().is_some() {
                    let de = self.catalogue.policy.benzodiazepine.final_step_diazepam_equivalent_mg;
                    format!(" ({} mg diazepam-equivalent)", n(de))
                } else {
                    String::new()
                };
                format!(
                    "{} no more than {last_mg} mg, and the plan may stop from any dose up to {last_mg} mg{what}",
                    if one { "it removes" } else { "each removes" }
                )
            }
        };
        let days: Vec<String> = (kept.iter())
            .filter_map(|(i, ..)| self.held_longer.iter().find(|(j, ..)| j == i))
            .filter(|(i, ..)| steps.iter().any(|s| s.index == *i + 1))
            .map(|(.., d)| d.to_string())
            .collect();
        let days = if days.is_empty() { String::new() } else { format!(" ({} days)", crate::units::join_and(&days)) };
        let most = if self.pace.stop_cut_fraction() < self.catalogue.policy.step_cap.max_cut_fraction - 1e-9 {
            "a quarter of the dose"
        } else {
            "half the dose"
        };
        self.warnings.push(Warning {
            code: "near-stop",
            step: Some(first),
            message: format!(
                "Near the end, nothing smaller can be measured, so {list} cut{} more than the {}% a step held longer may otherwise cut. {} smaller than the plan's own last step: {why}. Rather than hold at {} mg for good, the plan takes {}, held longer in proportion to the {}% asked{days}, and no step but the last removes more than {most}. A finer way of measuring (a syringe with finer marks, a weaker liquid made to order or a compounded dose) would keep the steps even and shorter; ask your pharmacist.",
                if one { "s" } else { "" },
                n(self.pace.held_step_limit(&self.strategy).unwrap_or(0.0)),
                if one { "It is" } else { "Each is" },
                n(from),
                if one { "it" } else { "each" },
                n(*step_percent),
            ),
        });
    }

    /// One line per rule naming the steps the milligram cap shaped, with the rule and its source.
    fn note_capped(&mut self, capped: &[(usize, CutRule)]) {
        let mut rules: Vec<CutRule> = capped.iter().map(|(_, r)| *r).collect();
        rules.dedup();
        for rule in rules {
            let mine: Vec<usize> = capped.iter().filter(|(_, r)| *r == rule).map(|(i, _)| *i).collect();
            let Some(&first) = mine.first() else { continue };
            let list = mine.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
            self.warnings.push(Warning {
                code: "mg-cap",
                step: Some(first),
                message: format!(
                    "Step{} {list}: the model alone would cut more, but the step removes {}.",
                    if mine.len() > 1 { "s" } else { "" },
                    self.pace.cut_rule_words()
                ),
            });
        }
    }

    /// The step to zero is allowed only from a dose whose removal stays within the limits: by
    /// occupancy under every fit where a model exists, from at or below the final dose, and for a
    /// benzodiazepine from at or below its final-step cap.
    fn zero_allowed(&self, prev: f64) -> bool {
        if self.pace.benzo_final_cap_mg().is_some_and(|cap| prev > cap + 1e-9) {
            return false;
        }
        let to_zero_pp = self.pace.max_drop_pp(&self.strategy, self.limit, true);
        let by_model = match (&self.model, to_zero_pp) {
            (Some(m), Some(limit)) => m.occupancy.largest_drop(prev, 0.0) <= limit + 1e-9,
            _ => true,
        };
        match &self.strategy {
            Strategy::Hyperbolic { .. } => by_model || self.final_dose.is_some_and(|f| prev <= f + 1e-9),
            Strategy::Proportional { .. } => by_model && self.final_dose.is_some_and(|f| prev <= f + 1e-9),
            // Linear plans reach zero by their own arithmetic; their large last steps are flagged.
            Strategy::Linear { .. } => true,
            // A listed zero was checked against the limits with the list; the dose realised
            // before it must still be within them.
            Strategy::Manual { .. } => by_model,
        }
    }

    fn window(&self, prev: f64, direction: Direction) -> Window {
        let floor = self.pace.mg_floor(prev);
        let by_model = |pp: Option<f64>| match (&self.model, pp) {
            (Some(m), Some(pp)) => m.occupancy.lowest_within(prev, pp),
            _ => 0.0,
        };
        let below = |low: f64| Window { low, high: prev, high_inclusive: false };
        match &self.strategy {
            Strategy::Hyperbolic { step_pp } => below(by_model(Some(self.limit.unwrap_or(*step_pp))).max(floor)),
            Strategy::Proportional { step_percent } => {
                let limit = self.limit.unwrap_or(*step_percent);
                let pp = self.pace.max_drop_pp(&self.strategy, self.limit, false);
                below((prev * (1.0 - limit / 100.0)).max(floor).max(by_model(pp)))
            }
            Strategy::Linear { .. } => below(0.0),
            Strategy::Manual { .. } => match direction {
                Direction::Down => below(floor.max(by_model(self.pace.max_drop_pp(&self.strategy, None, false)))),
                Direction::Up => Window { low: prev + 1e-6, high: crate::units::ABSURD_DOSE_MG, high_inclusive: true },
                Direction::Hold => Window { low: prev, high: prev, high_inclusive: true },
            },
        }
    }

    /// A catalogue product of the same drug that would make the step possible.
    fn suggest(&self, target: f64, window: Window, tolerance: f64) -> Option<Suggestion> {
        let have: Vec<&str> = self.req.kit.stocks.iter().map(|s| s.product.id.as_str()).collect();
        // With no market named, the products in hand say where the person is: a re-run was offered
        // a UK-only solution beside US-only capsules.
        let shares = |a: &[String], b: &[String]| a.is_empty() || b.is_empty() || a.iter().any(|m| b.contains(m));
        let sold_here = |p: &&crate::catalogue::Product| match &self.req.market {
            Some(m) => p.markets.is_empty() || p.markets.contains(m),
            None => self.req.kit.stocks.iter().all(|s| shares(&s.product.markets, &p.markets)),
        };
        let mut candidates: Vec<_> =
            self.drug.products.iter().filter(|p| !have.contains(&p.id.as_str())).filter(sold_here).collect();
        // Liquids first: they make the smallest doses.
        candidates.sort_by_key(|p| match p.form {
            crate::catalogue::Form::Liquid { .. } => 0,
            _ => 1,
        });
        for product in candidates {
            let mut kit = self.req.kit.clone();
            kit.stocks.push(Stock::new(product.clone()));
            if Solver::new(&kit).solve(target, window, tolerance.max(1e-6)).is_some() {
                return Some(Suggestion::Product { id: product.id.clone(), description: product.describe() });
            }
        }
        let mut kit = self.req.kit.clone();
        kit.equipment.cutter = true;
        if !self.req.kit.equipment.cutter && Solver::new(&kit).solve(target, window, tolerance.max(1e-6)).is_some() {
            return Some(Suggestion::Cutter);
        }
        let compounds =
            self.req.kit.stocks.iter().any(|s| matches!(s.product.form, crate::catalogue::Form::Compounded { .. }));
        Some(if compounds { Suggestion::FinerCompounding } else { Suggestion::Compounding })
    }

    fn add_daily(&self, steps: &mut [Step]) {
        if self.req.interval_days < 2 {
            return;
        }
        // Days between step k and k+1 measure a liquid no stronger than any step up to k did and
        // no weaker than any later step will (never back up in strength, clinical review D1).
        let mut solver = self.solver.clone();
        let measured: Vec<Vec<(usize, f64)>> = steps.iter().map(|s| solver.measured(&s.preparation)).collect();
        // The bottles alike: none stronger than any step up to k, none weaker than a later one.
        let bottles: Vec<Vec<f64>> = steps.iter().map(|s| solver.bottles_of(&s.preparation)).collect();
        let (mut ceiling, mut bottle_ceiling) = (f64::INFINITY, f64::INFINITY);
        for k in 0..steps.len().saturating_sub(1) {
            ceiling = measured[k].iter().map(|(_, s)| *s).fold(ceiling, f64::min);
            let floor = measured[k + 1..].iter().flatten().map(|(_, s)| *s).fold(0.0, f64::max);
            solver.bound(ceiling, floor);
            bottle_ceiling = bottles[k].iter().copied().fold(bottle_ceiling, f64::min);
            solver.bound_bottles(bottle_ceiling, bottles[k + 1..].iter().flatten().copied().fold(0.0, f64::max));
            let (from, to) = (steps[k].dose_mg.get(), steps[k + 1].dose_mg.get());
            // A step held longer (`next_day`) has more days between.
            let interval = steps[k + 1].day - steps[k].day;
            if to >= from || interval < 2 {
                continue;
            }
            let mut prev = from;
            let mut prev_prep = steps[k].preparation.clone();
            let mut daily = Vec::new();
            for j in 1..interval {
                let target = from - (from - to) * f64::from(j) / f64::from(interval);
                let window = Window { low: to, high: prev, high_inclusive: true };
                let tol = (from - to) / f64::from(interval) / 2.0;
                let (dose, prep) = match solver.solve(target, window, tol) {
                    Some(c) => {
                        solver.settle(&c.preparation);
                        solver.settle_bottles(&c.preparation);
                        (c.preparation.dose_mg, c.preparation)
                    }
                    None => (prev, prev_prep.clone()),
                };
                // A missing day is refused by safety::check (every day has a dose).
                let Some(dose_mg) = Mg::new(dose) else { break };
                daily.push(DailyDose { day: steps[k].day + j, target_mg: target, dose_mg, preparation: prep.clone() });
                prev = dose;
                prev_prep = prep;
            }
            steps[k].daily = daily;
            // What these days measured bounds the days after them too.
            ceiling = solver.ceiling();
            bottle_ceiling = solver.bottle_ceiling();
        }
    }

    fn flag_linear(&mut self, steps: &[Step]) {
        let max = self.catalogue.policy.antidepressant.max_step_percent;
        for pair in steps.windows(2) {
            let (a, b) = (pair[0].dose_mg.get(), pair[1].dose_mg.get());
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

/// Why quarter tablets are said (a walk: 1¼ and ¾ of a 10 mg tablet, with no word that cut
/// pieces vary). The figures are for halves; quarters, smaller, vary at least as much.
pub const QUARTER_CAUTION: &str = "Cut pieces are uneven: halves cut with a tablet cutter differed by up to about 7 % \
     of the tablet's dose, and by up to 21 % when broken by hand (Habib et al., Saudi Pharm J 2014;22:454), and most \
     split tablets fail a dose-uniformity test (Teng et al., J Am Pharm Assoc 2002;42:195); quarters are smaller \
     still. Use the cutter every time, and ask your pharmacist whether a liquid or a made-to-order dose would be \
     more even.";

/// `phase` after a step made as `prep`: the same while the step uses only what it holds, else
/// begun again with the step's products.
fn grow_phase(phase: &mut Vec<Item>, prep: &Preparation) {
    if !prep.items.iter().all(|i| phase.iter().any(|p| p.product_id == i.product_id)) {
        *phase = prep.items.clone();
    }
}

/// The way of `like` (its method), with every product of the phase it belongs to.
fn phase_way(phase: &[Item], like: &Preparation) -> Preparation {
    let mut way = like.clone();
    for item in phase {
        if !way.items.iter().any(|i| i.product_id == item.product_id) {
            way.items.push(item.clone());
        }
    }
    way
}

/// Whether a preparation (or any of its parts) takes a quarter or three quarters of a tablet.
fn uses_quarters(p: &Preparation) -> bool {
    let quarter = |q: f64| ((q * 4.0).round() - q * 4.0).abs() < 1e-9 && ((q * 2.0).round() - q * 2.0).abs() > 1e-9;
    p.items.iter().any(|i| i.unit == Unit::Tablet && quarter(i.quantity))
        || p.parts.iter().any(|(_, part)| uses_quarters(part))
}

/// The line that announces a change in how the dose is measured: the new way first, then the old
/// one in a sentence of its own, and in plain words when the dose moves between drops and the
/// syringe (a walk read "… instead of the oral drops 40 mg/mL, counted in drops" as the new way).
fn method_change(index: usize, before: &str, after: &str) -> String {
    let words = |m: &str| if m.is_empty() { "tablets or capsules alone".to_string() } else { m.to_string() };
    let (drops, syringe) = (Solver::counts_drops, Solver::uses_syringe);
    let plainly = if drops(before) && syringe(after) {
        " The dose is no longer counted in drops: draw it up in mL with the oral syringe."
    } else if syringe(before) && drops(after) {
        " The dose is now counted in drops, not drawn up in mL."
    } else {
        ""
    };
    format!(
        "From step {index} the dose is measured a new way: with {}. Until then it was measured with {}.{plainly} Check the new instruction carefully the first time.",
        words(after),
        words(before)
    )
}

/// The strategy the planner uses for `requested` on `drug` (the usual region): hyperbolic needs
/// an occupancy model, else the class's suggested proportional step. A revision that changes the
/// step (halved after a hold) changes this one, not the step asked for and not used (clinical:
/// a walk's alprazolam "halved" 5 pp it never used and went on at 10 %).
pub fn strategy_used(catalogue: &Catalogue, drug: &Drug, requested: &Strategy) -> Strategy {
    let has_model = drug.occupancy_model(None).ok().flatten().is_some();
    fallback(catalogue, drug, requested, has_model).map_or_else(|| requested.clone(), |(s, _)| s)
}

/// Without a model, hyperbolic becomes proportional at the class's suggested step (the class's
/// suggested step, not the percentage points read as percent: clinical review minor 20 —
/// benzodiazepines fell back to 5 %, so alprazolam 4 mg took 2,912 days while `crossover` used
/// 10 %; ASAM 2025 starts at 5–10 %), with that step's source.
fn fallback<'c>(
    catalogue: &'c Catalogue,
    drug: &Drug,
    requested: &Strategy,
    has_model: bool,
) -> Option<(Strategy, &'c str)> {
    let policy = &catalogue.policy;
    match requested {
        Strategy::Hyperbolic { .. } if !has_model => {
            let (percent, source) = match policy.percent_pace(drug.class) {
                Some(c) => (c.suggested_max_step_percent, c.suggested_step_source),
                None => (
                    policy.antidepressant.suggested_max_step_percent,
                    policy.antidepressant.suggested_step_source.as_str(),
                ),
            };
            Some((Strategy::Proportional { step_percent: percent }, source))
        }
        _ => None,
    }
}

/// The strategy actually used: hyperbolic needs a model, else proportional (`fallback`), said.
fn strategy_for(
    catalogue: &Catalogue,
    drug: &Drug,
    req: &PlanRequest,
    has_model: bool,
    warnings: &mut Vec<Warning>,
) -> (Strategy, Option<&'static str>) {
    match (fallback(catalogue, drug, &req.strategy, has_model), &req.strategy) {
        (Some((used, source)), Strategy::Hyperbolic { step_pp }) => {
            let percent = match used {
                Strategy::Proportional { step_percent } => step_percent,
                _ => 0.0,
            };
            warnings.push(Warning::plan("no-occupancy-model", format!(
                "Taper has no occupancy model for {}, so this plan cuts {}% of the current dose per step ({}) instead of {} percentage points of occupancy; for smaller steps, ask for a proportional plan with a percentage below {}%.",
                drug.name, n(percent), catalogue.cite(source), n(*step_pp), n(percent))));
            (used, Some("hyperbolic"))
        }
        _ => (req.strategy.clone(), None),
    }
}

/// Steps closer than the hard minimum are refused without a justification; closer than the
/// suggested minimum, warned.
fn check_interval(pace: &Pace, req: &PlanRequest, warnings: &mut Vec<Warning>) -> Result<(), PlanError> {
    let (min, suggested) = (pace.min_interval_days(), pace.suggested_min_interval_days());
    let source = pace.catalogue.cite(pace.interval_source());
    if req.interval_days < min && !pace.justified {
        return Err(PlanError::refused(
            "every",
            format!(
                "steps every {} days are faster than the minimum of {min} days for {} ({source}), so the effect of one step can be judged before the next; choose {min} days or more, or give a recorded justification",
                req.interval_days,
                pace.drug.class.with_article(),
            ),
        ));
    }
    if req.interval_days < suggested {
        warnings.push(Warning::plan("faster-than-suggested", format!(
            "Steps every {} days are faster than the suggested {suggested} days or more for {} ({}); tapers after long-term use usually take months. Slow down or pause if withdrawal symptoms appear.",
            req.interval_days, pace.drug.class.with_article(), pace.catalogue.cite(pace.suggested_interval_source()))));
    }
    Ok(())
}

/// The step size: hard limits refused without a justification, faster than suggested warned,
/// and the checks particular to linear and manual plans.
fn check_step(
    pace: &Pace,
    strategy: &Strategy,
    req: &PlanRequest,
    model: Option<&ModelUsed>,
    warnings: &mut Vec<Warning>,
) -> Result<(), PlanError> {
    let catalogue = pace.catalogue;
    let (value, unit) = match strategy {
        Strategy::Hyperbolic { step_pp } => (*step_pp, " percentage points"),
        Strategy::Proportional { step_percent } => (*step_percent, "%"),
        Strategy::Linear { step_mg } => {
            if pace.percent().is_some() {
                return Err(PlanError::refused(
                    "strategy",
                    format!(
                        "a linear plan ends with a large final cut, which is unsafe for {}; use proportional",
                        pace.drug.class.with_article()
                    ),
                ));
            }
            if *step_mg >= req.start.get() {
                let msg = format!("a linear step must be smaller than the starting dose of {}", req.start);
                return Err(InputError::new("step", format!("{}mg", n(*step_mg)), msg).into());
            }
            warnings.push(Warning::plan("comparison-only",
                "Linear plans are shown for comparison only: equal milligram cuts become ever larger in effect as the dose falls. They are not a recommended way to taper.".into()));
            return Ok(());
        }
        Strategy::Manual { doses } => {
            if doses.is_empty() {
                let msg = "list at least one dose after the starting dose, e.g. 15mg,10mg,5mg,0mg";
                return Err(InputError::new("doses", "", msg).into());
            }
            return check_manual(pace, req.start.get(), doses, model);
        }
    };
    if let Some((max, source)) = pace.hard_step(strategy)
        && value > max + 1e-9
        && !pace.justified
    {
        return Err(PlanError::refused(
            "step",
            format!(
                "{}{unit} per step is more than the limit of {}{unit} ({}); use a smaller step or give a recorded justification",
                n(value),
                n(max),
                catalogue.cite(source)
            ),
        ));
    }
    if let Some(suggested) = pace.suggested_step(strategy)
        && value > suggested + 1e-9
    {
        let source = catalogue.cite(pace.suggested_step_source());
        warnings.push(Warning::plan("faster-than-suggested", format!(
            "{}{unit} per step is faster than the suggested {}{unit} or less ({source}). Slow down or pause if withdrawal symptoms appear.",
            n(value), n(suggested))));
    }
    Ok(())
}

/// The last dose before zero, chosen by occupancy where a model exists, by the fraction of the
/// start (Horowitz et al. 2021, by analogy) where none does, and for a benzodiazepine by its
/// final-step cap alone.
fn final_dose(
    pace: &Pace,
    strategy: &Strategy,
    req: &PlanRequest,
    model: Option<&ModelUsed>,
) -> Result<Option<f64>, PlanError> {
    let catalogue = pace.catalogue;
    let policy = &catalogue.policy;
    let start = req.start.get();
    if let (Some(_), Some(f)) = (req.end_at, req.final_dose) {
        return Err(InputError::new("final", f.to_string(),
            "--final and --to contradict each other: a plan that ends at a dose (--to) never takes the final step to zero").into());
    }
    if let Some(end) = req.end_at.filter(|e| e.get() >= start) {
        return Err(InputError::new(
            "to",
            end.to_string(),
            format!("must be below the starting dose of {}", req.start),
        )
        .into());
    }
    if let Some(f) = req.final_dose.filter(|f| f.get() >= start) {
        return Err(InputError::new(
            "final",
            f.to_string(),
            format!("must be below the starting dose of {}", req.start),
        )
        .into());
    }
    let modelled = model.filter(|_| matches!(strategy, Strategy::Hyperbolic { .. } | Strategy::Proportional { .. }));
    let final_dose = match (modelled, req.final_dose) {
        (Some(m), Some(f)) => {
            let allowed = match strategy {
                Strategy::Hyperbolic { step_pp } => Some(*step_pp),
                _ => pace.max_drop_pp(strategy, None, true),
            };
            let reading = m.occupancy.largest_drop(f.get(), 0.0);
            if let Some(pp) = allowed.filter(|pp| reading > pp + 1e-9) {
                let most = m.occupancy.dose_read_at_most(pp).unwrap_or(0.0);
                return Err(InputError::new("final", f.to_string(), format!(
                    "stopping from {f} would lower modelled occupancy by {} percentage points, more than the {} allowed for the last step (a recorded reason for a faster pace does not change this); the last dose before zero must be at most {} mg",
                    n((reading * 10.0).round() / 10.0), n(pp), crate::units::floor_sig(most, 3))).into());
            }
            Some(f.get())
        }
        (Some(_), None) if matches!(strategy, Strategy::Hyperbolic { .. }) => None,
        // Chosen by occupancy: the step to zero is no larger than the final-step limit.
        (Some(m), None) => m.occupancy.dose_read_at_most(policy.final_step.max_occupancy_drop_pp),
        (None, Some(f)) => Some(f.get()),
        (None, None) if matches!(strategy, Strategy::Hyperbolic { .. } | Strategy::Manual { .. }) => None,
        // A benzodiazepine stops by its own rule alone (0.5 mg diazepam-equivalent, below): a
        // fraction of the start would ask more of a smaller start (clinical review W3).
        (None, None) if pace.benzo_final_cap_mg().is_some() => None,
        (None, None) => Some(start * policy.final_dose.fraction_of_start),
    };
    let cap = pace.benzo_final_cap_mg();
    if let (Some(cap), Some(f)) = (cap, req.final_dose.map(Mg::get))
        && f > cap + 1e-9
    {
        return Err(PlanError::refused(
            "final",
            format!(
                "for a benzodiazepine the last dose before stopping must be at most {} mg of {} ({} mg diazepam-equivalent, {}); {} mg is too large a final step",
                n(cap),
                pace.drug.name,
                n(policy.benzodiazepine.final_step_diazepam_equivalent_mg),
                catalogue.cite(&policy.benzodiazepine.final_step_source),
                n(f)
            ),
        ));
    }
    Ok(match (final_dose, cap) {
        (Some(f), Some(cap)) => Some(f.min(cap)),
        (None, Some(cap)) if !matches!(strategy, Strategy::Manual { .. }) => Some(cap),
        (f, _) => f,
    })
}

/// Plan-wide notes: fits that disagree, steady state, a recorded justification.
fn explain(pace: &Pace, req: &PlanRequest, model: Option<&ModelUsed>, warnings: &mut Vec<Warning>) {
    let drug = pace.drug;
    if let Some(m) = model.filter(|m| m.combined()) {
        let regions = m.fits.iter().map(|f| f.region.as_str()).collect::<Vec<_>>().join(", ");
        warnings.push(Warning::plan("fits-disagree", format!(
            "{} has {} published occupancy fits ({regions}) and they disagree. Each step's dose is at least the one the most cautious fit gives, and no step lowers occupancy by more than its limit under any of them. The occupancy shown is the lowest any fit reads at the dose (its region beside it): where another fit falls faster, the fall shown is smaller than the step asked, because that other fit set the step. A single region can be chosen instead.",
            drug.name, m.fits.len())));
    }
    let steady_days = drug.half_life.days_to_settle();
    if f64::from(req.interval_days) < steady_days {
        warnings.push(Warning::plan("before-steady-state", format!(
            "After each change {} takes about five half-lives (about {} days) to reach its new steady level; steps every {} days come before that, so effects of one step may show during the next.",
            drug.name, n(steady_days.round()), req.interval_days)));
    }
    if let Some(j) = &req.pace_override {
        warnings.push(Warning::plan("pace-override", format!(
            "Pace limits were overridden (the milligram cap of half the current dose still applies). Recorded justification: {j}")));
    }
}

/// Doses are rounded to what can be measured, so a realised step may differ a little from the
/// ideal one: allow a tenth over the requested step, never past the hard limit unless justified.
fn step_limit(pace: &Pace, strategy: &Strategy) -> Option<f64> {
    let step = match strategy {
        Strategy::Hyperbolic { step_pp } => *step_pp,
        Strategy::Proportional { step_percent } => *step_percent,
        Strategy::Linear { .. } | Strategy::Manual { .. } => return None,
    };
    let cap = match pace.hard_step(strategy) {
        Some((max, _)) if !pace.justified => max.max(step),
        _ => 99.0,
    };
    Some((step * MEASURING_SLACK).min(cap).min(99.0))
}

/// A prescriber's list is refused where a step breaks the milligram cap, the occupancy limits
/// (for a modelled drug) or a benzodiazepine's final-step cap, unless a justification is recorded
/// (the milligram cap of half the dose holds even then).
fn check_manual(pace: &Pace, start: f64, doses: &[Mg], model: Option<&ModelUsed>) -> Result<(), PlanError> {
    let catalogue = pace.catalogue;
    let policy = &catalogue.policy;
    let drug = pace.drug;
    if doses[..doses.len() - 1].iter().any(|d| d.is_zero()) {
        return Err(InputError::new("doses", "0mg", "0 mg may only be the last dose in the list").into());
    }
    let strategy = Strategy::Manual { doses: doses.to_vec() };
    let mut before = start;
    for (i, d) in doses.iter().enumerate() {
        let d = d.get();
        let here = format!("{} mg to {} mg (dose {})", n(before), n(d), i + 1);
        let unless = if pace.justified { "" } else { ", or give a recorded justification" };
        if d == 0.0 {
            if let Some(cap) = pace.benzo_final_cap_mg().filter(|cap| before > cap + 1e-9) {
                return Err(PlanError::refused(
                    "doses",
                    format!(
                        "stopping {} from {} mg (dose {}) is too large a final step; the last dose before stopping must be at most {} mg ({} mg diazepam-equivalent, {})",
                        drug.name,
                        n(before),
                        i + 1,
                        n(cap),
                        n(policy.benzodiazepine.final_step_diazepam_equivalent_mg),
                        catalogue.cite(&policy.benzodiazepine.final_step_source)
                    ),
                ));
            }
        } else if d < before && before - d > before * pace.max_cut_fraction() + 1e-9 {
            return Err(PlanError::refused(
                "doses",
                format!(
                    "{here} cuts {}%; every step may remove {}; use smaller steps{unless}",
                    n((100.0 * (before - d) / before).round()),
                    pace.cut_rule_words()
                ),
            ));
        }
        if let (Some(m), Some(limit)) = (model, pace.max_drop_pp(&strategy, None, d == 0.0)) {
            let drop = m.occupancy.largest_drop(before, d);
            if drop > limit + 1e-9 {
                return Err(PlanError::refused(
                    "doses",
                    format!(
                        "{here} lowers modelled occupancy by {} percentage points, more than the {} allowed{} ({}); use smaller steps{unless}",
                        n((drop * 10.0).round() / 10.0),
                        n(limit),
                        if d == 0.0 { " for the step to zero" } else { " per step" },
                        catalogue.cite(if d == 0.0 {
                            &policy.final_step.source
                        } else {
                            &policy.antidepressant.max_step_source
                        })
                    ),
                ));
            }
        }
        before = d;
    }
    Ok(())
}

/// The ideal targets of a strategy, one at a time.
struct Ladder<'m> {
    strategy: &'m Strategy,
    model: Option<&'m Occupancy>,
    at: Rung,
}

/// Where a ladder stands: copied, so the planner can look a few steps ahead from it.
#[derive(Clone, Copy, Default)]
struct Rung {
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
    /// A dose asked for as such (a listed dose, the dose to end at): made as near as it can be,
    /// never moved to keep the way of preparing it (`Solver::solve_keeping`).
    exact: bool,
}

/// Which way a step goes. Only manual plans hold or go up, and only as listed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Down,
    Hold,
    Up,
}

impl<'m> Ladder<'m> {
    fn new(strategy: &'m Strategy, start: f64, model: Option<&'m Occupancy>) -> Self {
        let cursor = match (strategy, model) {
            (Strategy::Hyperbolic { step_pp }, Some(m)) => {
                // The grid of multiples of the step, unless its first point is less than half a
                // step below the start: then the first step is a whole step, and the plan keeps
                // that spacing (no pointless first step).
                let occ = m.occupancy(start);
                let grid = (occ / step_pp).floor() * step_pp;
                if occ - grid < step_pp / 2.0 { occ - step_pp } else { grid }
            }
            _ => start,
        };
        Ladder { strategy, model, at: Rung { cursor, previous_ideal: start, manual_index: 0, reached_end: false } }
    }

    fn next(&mut self, prev: f64, final_dose: Option<f64>, end_at: Option<f64>) -> Option<Next> {
        let mut ideal = match (self.strategy, self.model) {
            // Less than half a step left above zero: the next step is to zero.
            (Strategy::Hyperbolic { step_pp }, Some(_)) if self.at.cursor < step_pp / 2.0 => 0.0,
            (Strategy::Hyperbolic { .. }, Some(m)) => m.dose_for(self.at.cursor.max(0.0)).unwrap_or(0.0),
            (Strategy::Proportional { step_percent }, _) | (Strategy::Hyperbolic { step_pp: step_percent }, None) => {
                self.at.cursor * (1.0 - step_percent / 100.0)
            }
            (Strategy::Linear { step_mg }, _) => (self.at.cursor - step_mg).max(0.0),
            (Strategy::Manual { doses }, _) => {
                let d = doses.get(self.at.manual_index)?.get();
                self.at.manual_index += 1;
                let listed_before = self.at.previous_ideal;
                self.at.previous_ideal = d;
                let direction = if d < listed_before - 1e-9 {
                    Direction::Down
                } else if d > listed_before + 1e-9 {
                    Direction::Up
                } else {
                    Direction::Hold
                };
                return Some(Next { target: d, tolerance: (0.02 * d).max(1e-6), direction, exact: true });
            }
        };
        let tolerance = (0.1 * (self.at.previous_ideal - ideal)).abs();
        let mut exact = false;
        if let Some(end) = end_at {
            // Within measuring distance of the end: aim at the end itself.
            if ideal <= end + tolerance + 1e-9 {
                ideal = end;
                self.at.reached_end = true;
                exact = true;
            }
        } else if let Some(f) = final_dose {
            if prev <= f + 1e-9 {
                return Some(Next { target: 0.0, tolerance: 0.0, direction: Direction::Down, exact: true });
            }
            if matches!(self.strategy, Strategy::Linear { .. }) && ideal < f {
                ideal = 0.0;
            }
        }
        self.at.previous_ideal = ideal;
        Some(Next { target: ideal, tolerance, direction: Direction::Down, exact })
    }

    /// Moves the ladder past the dose just realised.
    fn accept(&mut self, realised: f64) {
        match (self.strategy, self.model) {
            (Strategy::Hyperbolic { step_pp }, Some(m)) => {
                let occ = m.occupancy(realised);
                self.at.cursor -= step_pp;
                // Never target a grid point at or above where the person already is.
                while self.at.cursor >= occ - 1e-9 && self.at.cursor > 0.0 {
                    self.at.cursor -= step_pp;
                }
            }
            // Proportional and linear steps count from the dose really taken, so targets do not
            // drift away from what is prepared (review finding A10).
            _ => self.at.cursor = if self.at.reached_end { self.at.previous_ideal } else { realised },
        }
    }
}

/// "3, 6–9, 12": step numbers with runs joined.
fn ranges(indices: &[usize]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < indices.len() {
        let mut j = i;
        while j + 1 < indices.len() && indices[j + 1] == indices[j] + 1 {
            j += 1;
        }
        out.push(if j > i { format!("{}–{}", indices[i], indices[j]) } else { indices[i].to_string() });
        i = j + 1;
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::method_change;

    /// A walk read "… instead of the oral drops 40 mg/mL, counted in drops" as the new way: the
    /// new way comes first, the old one in its own sentence, and drops → syringe said plainly.
    #[test]
    fn a_new_way_of_measuring_is_named_first_and_drops_to_syringe_said_plainly() {
        let m = method_change(
            4,
            "the oral drops 40 mg/mL, counted in drops",
            "a 1 in 50 dilution of the oral drops 40 mg/mL (0.8 mg/mL)",
        );
        assert!(m.starts_with("From step 4 the dose is measured a new way: with a 1 in 50 dilution"), "{m}");
        assert!(m.contains("Until then it was measured with the oral drops 40 mg/mL, counted in drops."), "{m}");
        assert!(m.contains("no longer counted in drops: draw it up in mL with the oral syringe"), "{m}");
        let back =
            method_change(9, "the oral drops 40 mg/mL (0.8 mg/mL), undiluted", "the oral drops, counted in drops");
        assert!(back.contains("now counted in drops, not drawn up in mL"), "{back}");
        let tablets = method_change(1, "", "the oral concentrate 20 mg/mL, undiluted");
        assert!(
            tablets.contains("Until then it was measured with tablets or capsules alone.")
                && !tablets.contains("drops"),
            "{tablets}"
        );
    }
}
