//! The pace rules of `data/policy.toml`, asked in one place by the planner, the safety check,
//! the crossover and the adaptive proposals: how often a step may come, how much of the dose it
//! may remove, how far modelled occupancy may fall, and from where the step to zero may be taken.
//!
//! A recorded [`Justification`] lifts the interval and step-size limits, never the absolute
//! milligram cap (no step but the last removes more than half the current dose).

use crate::catalogue::{Catalogue, Drug, DrugClass, PercentPace, Policy};
use crate::justification::Justification;
use crate::plan::types::Strategy;

/// The rules for one drug under one request.
#[derive(Clone, Copy)]
pub struct Pace<'a> {
    pub catalogue: &'a Catalogue,
    pub drug: &'a Drug,
    pub justified: bool,
}

/// Which rule bounds a step's milligram cut, for the words shown with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutRule {
    /// NICE NG222: each step a proportion of the previous dose, at most half.
    Half,
    /// An SNRI, at any dose: a quarter (NICE NG222's smaller example).
    Snri,
    /// The class's own limit: a benzodiazepine or z-drug (ASAM 2025's 25 % every two weeks), a
    /// gabapentinoid (Maudsley 2024's 25 % for low withdrawal risk), an antipsychotic (Horowitz
    /// 2021's 10 % a month).
    ClassLimit,
}

impl<'a> Pace<'a> {
    pub fn new(catalogue: &'a Catalogue, drug: &'a Drug, justification: Option<&Justification>) -> Self {
        Pace { catalogue, drug, justified: justification.is_some() }
    }

    fn policy(&self) -> &'a Policy {
        &self.catalogue.policy
    }

    /// Planned under the benzodiazepine rules (a benzodiazepine or a z-drug).
    pub fn benzo(&self) -> bool {
        self.drug.class.is_bzra()
    }

    /// The class's percentage pace (benzodiazepines, z-drugs, gabapentinoids); `None` for
    /// antidepressants.
    pub fn percent(&self) -> Option<PercentPace<'a>> {
        self.policy().percent_pace(self.drug.class)
    }

    /// The interval a new plan gets unless the person chooses another.
    pub fn default_interval_days(&self) -> u32 {
        self.percent().map_or(self.policy().antidepressant.default_interval_days, |c| c.default_interval_days)
    }

    /// Steps closer together than this are refused without a justification.
    pub fn min_interval_days(&self) -> u32 {
        self.percent().map_or(self.policy().antidepressant.min_interval_days, |c| c.min_interval_days)
    }

    /// Steps closer together than this are allowed with a warning.
    pub fn suggested_min_interval_days(&self) -> u32 {
        self.percent().map_or(self.policy().antidepressant.suggested_min_interval_days, |c| c.min_interval_days)
    }

    pub fn suggested_interval_source(&self) -> &'a str {
        self.percent().map_or(&self.policy().antidepressant.suggested_interval_source, |c| c.min_interval_source)
    }

    pub fn interval_source(&self) -> &'a str {
        self.percent().map_or(&self.policy().antidepressant.min_interval_source, |c| c.min_interval_source)
    }

    /// The source of the suggested step, in words for a warning.
    pub fn suggested_step_source(&self) -> &'a str {
        self.percent().map_or(&self.policy().antidepressant.suggested_step_source, |c| c.suggested_step_source)
    }

    /// The largest step a strategy may ask for without a justification, in its own unit
    /// (percentage points or percent), with its source. `None` for linear and manual plans.
    pub fn hard_step(&self, strategy: &Strategy) -> Option<(f64, &'a str)> {
        let p = self.policy();
        match strategy {
            Strategy::Hyperbolic { .. } => {
                Some((p.antidepressant.max_step_percentage_points, &p.antidepressant.max_step_source))
            }
            Strategy::Proportional { .. } if let Some(c) = self.percent() => {
                Some((c.max_step_percent, c.max_step_source))
            }
            Strategy::Proportional { .. } => {
                Some((p.antidepressant.max_step_percent, &p.antidepressant.max_step_source))
            }
            Strategy::Linear { .. } | Strategy::Manual { .. } => None,
        }
    }

    /// The largest proportional step taken where nothing measurable lies within the step asked,
    /// then held longer in proportion: the class's held-step limit, else its hard limit.
    pub fn held_step_limit(&self, strategy: &Strategy) -> Option<f64> {
        match (strategy, self.percent()) {
            (Strategy::Proportional { .. }, Some(c)) => Some(c.max_held_step_percent),
            (Strategy::Proportional { .. }, None) => self.hard_step(strategy).map(|(h, _)| h),
            _ => None,
        }
    }

    /// The largest step allowed without a warning, in the strategy's unit.
    pub fn suggested_step(&self, strategy: &Strategy) -> Option<f64> {
        let p = self.policy();
        match strategy {
            Strategy::Hyperbolic { .. } => Some(p.antidepressant.suggested_max_step_percentage_points),
            Strategy::Proportional { .. } if let Some(c) = self.percent() => Some(c.suggested_max_step_percent),
            Strategy::Proportional { .. } => Some(p.antidepressant.suggested_max_step_percent),
            Strategy::Linear { .. } | Strategy::Manual { .. } => None,
        }
    }

    /// The rule bounding a step's cut (any step but the one to zero).
    pub fn cut_rule(&self) -> CutRule {
        if self.justified {
            CutRule::Half
        } else if self.percent().is_some() {
            CutRule::ClassLimit
        } else if self.drug.class == DrugClass::Snri {
            CutRule::Snri
        } else {
            CutRule::Half
        }
    }

    /// The largest fraction of the dose one step (other than the step to zero) may remove.
    pub fn max_cut_fraction(&self) -> f64 {
        let p = self.policy();
        match self.cut_rule() {
            CutRule::Half => p.step_cap.max_cut_fraction,
            CutRule::Snri => p.step_cap.snri_max_cut_fraction,
            // The largest cut any step may make: a step past the class's hard limit is only ever
            // one held longer in proportion (`days_held`), which the sequence check holds to.
            CutRule::ClassLimit => {
                self.percent().map_or(p.step_cap.max_cut_fraction, |c| c.max_held_step_percent / 100.0)
            }
        }
    }

    /// The largest fraction of the dose a step no larger than the plan's own step to zero may
    /// remove (`Plan::no_larger_than_stop`): past the class's percentage limit, never past half
    /// the dose (NICE NG222), nor past the SNRI quarter where it applies.
    pub fn stop_cut_fraction(&self) -> f64 {
        let p = self.policy();
        match self.cut_rule() {
            CutRule::Snri => p.step_cap.snri_max_cut_fraction,
            CutRule::Half | CutRule::ClassLimit => p.step_cap.max_cut_fraction.max(self.max_cut_fraction()),
        }
    }

    /// The lowest dose the next step may reach from `dose_mg`, by the milligram cap alone.
    pub fn mg_floor(&self, dose_mg: f64) -> f64 {
        dose_mg * (1.0 - self.max_cut_fraction())
    }

    /// The milligram cap in words, with its source, e.g. "at most half of the current dose (NICE …)".
    pub fn cut_rule_words(&self) -> String {
        let p = self.policy();
        let (what, source) = match (self.cut_rule(), self.percent()) {
            (CutRule::ClassLimit, Some(c)) => (
                format!(
                    "at most {}% of the current dose a step, with steps at least {} days apart",
                    crate::units::trim_number(c.max_held_step_percent),
                    c.min_interval_days
                ),
                c.max_step_source,
            ),
            (CutRule::Snri, _) => (
                "at most a quarter of the current dose for an SNRI, at any dose: its effect on the noradrenaline transporter is not modelled, and smaller cuts are advised as the dose becomes lower".to_string(),
                p.step_cap.snri_source.as_str(),
            ),
            _ => ("at most half of the current dose".to_string(), p.step_cap.max_cut_source.as_str()),
        };
        format!("{what} ({})", self.catalogue.cite(source))
    }

    /// How far modelled occupancy may fall in one step, under every fit, for a plan of
    /// `strategy` whose realised step limit is `step_limit`; `None` where no occupancy bound
    /// applies (linear plans, for comparison only, and justified plans other than hyperbolic).
    pub fn max_drop_pp(&self, strategy: &Strategy, step_limit: Option<f64>, to_zero: bool) -> Option<f64> {
        let p = self.policy();
        match strategy {
            Strategy::Hyperbolic { step_pp } => Some(step_limit.unwrap_or(*step_pp)),
            Strategy::Linear { .. } => None,
            _ if self.justified => None,
            Strategy::Proportional { .. } | Strategy::Manual { .. } if to_zero => {
                Some(p.final_step.max_occupancy_drop_pp)
            }
            Strategy::Proportional { .. } | Strategy::Manual { .. } => {
                Some(p.antidepressant.max_step_percentage_points)
            }
        }
    }

    /// For a benzodiazepine, the largest dose the step to zero may come from.
    pub fn benzo_final_cap_mg(&self) -> Option<f64> {
        self.catalogue.final_step_cap_mg(self.drug)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Clinical review W5: `policy.toml` promised a hyperbolic step to zero of at most 5 pp "or
    /// its own step limit when that is smaller"; the code allowed the plan's own limit. The
    /// policy now says what the code does, and this holds them together.
    #[test]
    fn the_step_to_zero_is_what_policy_toml_says() {
        let c = Catalogue::builtin().unwrap();
        let pace = Pace::new(&c, c.drug("sertraline").unwrap(), None);
        let five = c.policy.final_step.max_occupancy_drop_pp;
        assert_eq!(pace.max_drop_pp(&Strategy::Hyperbolic { step_pp: 10.0 }, Some(11.0), true), Some(11.0));
        assert_eq!(pace.max_drop_pp(&Strategy::Hyperbolic { step_pp: 5.0 }, Some(5.5), true), Some(5.5));
        assert_eq!(pace.max_drop_pp(&Strategy::Proportional { step_percent: 10.0 }, None, true), Some(five));
        let text = include_str!("../../../../data/policy.toml");
        assert!(
            text.replace("\n# ", " ").contains("hyperbolic plan's step to zero is one more of its own equal steps")
        );
    }
}
