//! Switching from a short-acting benzodiazepine to a long-acting one (usually diazepam) one
//! dose-time at a time, then tapering the long-acting drug (Ashton; ASAM 2025: a switch may go
//! better over 1–2 weeks per stage than over 1–2 days). Equivalents come from the table the
//! prescriber picks; the other table's figure is shown beside it because they differ.
//!
//! Invariants: the total diazepam-equivalent dose never rises from one stage to the next (each
//! substituted dose is rounded down to what can be prepared), and the taper that follows obeys
//! every rule of `schedule`.

use crate::catalogue::{Catalogue, Drug, EquivalenceScheme};
use crate::error::{InputError, PlanError};
use crate::formulation::{Solver, Window};
use crate::schedule::{self, PlanRequest, Strategy, Warning};
use crate::units::{Mg, trim_number as n};

pub use super::types::{CrossoverPlan, CrossoverRequest, DoseAt, Stage};

pub fn plan(catalogue: &Catalogue, req: &CrossoverRequest) -> Result<CrossoverPlan, PlanError> {
    let (from, to) = checked_drugs(catalogue, req)?;
    let sw = Switch { from, to, scheme: req.scheme };
    let mut warnings = Vec::new();
    let (stages, regimen) = sw.stages(req, &mut warnings)?;
    let daily_total: f64 = regimen.iter().map(|d| d.mg).sum();
    let offset = stages.last().map_or(0, |s| s.day);
    let start =
        Mg::new(daily_total).ok_or_else(|| PlanError::refused("dose", "the switched dose is not a valid amount"))?;
    let strategy = Strategy::Proportional { step_percent: req.taper_step_percent };
    // The switched dose is computed, not typed: no confirmation is asked, but a total above the
    // new drug's labelled maximum is said plainly.
    let taper = schedule::plan(
        catalogue,
        &PlanRequest {
            interval_days: req.taper_interval_days,
            pace_override: req.pace_override.clone(),
            confirm_dose: true,
            ..PlanRequest::new(&to.id, start, strategy, req.kit.clone())
        },
    )?;
    warnings.extend(sw.closing_warnings(daily_total));
    let plan = CrossoverPlan {
        from_drug: from.id.clone(),
        to_drug: to.id.clone(),
        scheme: req.scheme,
        stages,
        taper,
        taper_offset_days: offset,
        warnings,
    };
    if let Some(v) = crate::safety::check_crossover(&plan, req.stage_days).first() {
        return Err(PlanError::refused(
            "plan",
            format!("the crossover failed a safety check ({v}); please report this"),
        ));
    }
    Ok(plan)
}

/// The two drugs, after every check of the request: different benzodiazepines with
/// equivalents in the chosen table, doses given, a plausible total, stages of 1–4 weeks.
fn checked_drugs<'c>(catalogue: &'c Catalogue, req: &CrossoverRequest) -> Result<(&'c Drug, &'c Drug), PlanError> {
    let from = catalogue.find_drug("from-drug", &req.from_drug)?;
    let to = catalogue.find_drug("to-drug", &req.to_drug)?;
    if from.id == to.id {
        return Err(InputError::new("to-drug", &to.id, "must differ from the drug being replaced").into());
    }
    for (drug, field) in [(from, "from-drug"), (to, "to-drug")] {
        if drug.diazepam_equivalent(req.scheme).is_none() {
            return Err(InputError::new(
                field,
                &drug.id,
                format!("has no {} equivalent; only benzodiazepines can be switched this way", req.scheme.label()),
            )
            .into());
        }
    }
    if req.doses.is_empty() || req.doses.iter().any(|(_, d)| d.is_zero()) {
        return Err(InputError::new("dose", "", "give each dose-time's dose, e.g. 0.5mg@08:00").into());
    }
    let from_total: f64 = req.doses.iter().map(|(_, d)| d.get()).sum();
    if from_total > from.max_dose_mg + 1e-9 && !req.confirm_dose {
        return Err(PlanError::Unconfirmed {
            field: "dose".into(),
            message: format!(
                "{} mg a day is above the highest labelled daily dose of {} ({} mg); please check the doses, and confirm them if they are right",
                n(from_total),
                from.name,
                n(from.max_dose_mg)
            ),
        });
    }
    if !(7..=28).contains(&req.stage_days) && req.pace_override.is_none() {
        return Err(PlanError::refused(
            "stage",
            format!(
                "stages of {} days: ASAM 2025 suggests a switch may go better over 1–2 weeks per stage; choose 7 to 28 days",
                req.stage_days
            ),
        ));
    }
    Ok((from, to))
}

/// One switch from a drug to another, read in one equivalence table.
struct Switch<'c> {
    from: &'c Drug,
    to: &'c Drug,
    scheme: EquivalenceScheme,
}

impl Switch<'_> {
    fn other_scheme(&self) -> EquivalenceScheme {
        match self.scheme {
            EquivalenceScheme::Ashton => EquivalenceScheme::VaDod,
            EquivalenceScheme::VaDod => EquivalenceScheme::Ashton,
        }
    }

    /// A regimen's total in diazepam mg under `scheme`.
    fn total(&self, ds: &[DoseAt], scheme: EquivalenceScheme) -> Option<f64> {
        ds.iter()
            .map(|d| {
                let drug = if d.drug == self.from.id { self.from } else { self.to };
                drug.to_diazepam_mg(d.mg, scheme)
            })
            .sum()
    }

    fn stage(&self, index: usize, day: u32, doses: &[DoseAt]) -> Stage {
        Stage {
            index,
            day,
            diazepam_equivalent_mg: self.total(doses, self.scheme).unwrap_or(0.0),
            other_scheme_mg: self.total(doses, self.other_scheme()),
            doses: doses.to_vec(),
        }
    }

    /// Stage 0 is today's regimen; each later stage replaces one dose-time, evening first (a
    /// long-acting dose at night covers the longest gap). Returns the stages and the last regimen.
    fn stages(
        &self,
        req: &CrossoverRequest,
        warnings: &mut Vec<Warning>,
    ) -> Result<(Vec<Stage>, Vec<DoseAt>), PlanError> {
        let mut doses: Vec<(f64, Mg)> = req.doses.clone();
        doses.sort_by(|a, b| a.0.total_cmp(&b.0));
        let solver = Solver::new(&req.kit);
        let mut regimen: Vec<DoseAt> = doses
            .iter()
            .map(|(h, mg)| DoseAt { hour: *h, drug: self.from.id.clone(), mg: mg.get(), preparation: None })
            .collect();
        let mut stages = vec![self.stage(0, 0, &regimen)];
        for (k, slot) in (0..doses.len()).rev().enumerate() {
            regimen[slot] = self.replace(&solver, &regimen[slot], k + 1, warnings)?;
            let day = u32::try_from(k + 1).unwrap_or(u32::MAX).saturating_mul(req.stage_days);
            stages.push(self.stage(k + 1, day, &regimen));
        }
        Ok((stages, regimen))
    }

    /// The new drug's dose for one dose-time: never more than the equivalent (the total must not
    /// rise), at most 10 % below it, rounded down to what can be measured.
    fn replace(
        &self,
        solver: &Solver,
        old: &DoseAt,
        stage: usize,
        warnings: &mut Vec<Warning>,
    ) -> Result<DoseAt, PlanError> {
        let (from, to) = (self.from, self.to);
        let equivalent =
            to.from_diazepam_mg(from.to_diazepam_mg(old.mg, self.scheme).unwrap_or(0.0), self.scheme).unwrap_or(0.0);
        let window = Window { low: equivalent * 0.9, high: equivalent, high_inclusive: true };
        let choice = solver.solve(equivalent, window, equivalent * 0.02).ok_or_else(|| {
            PlanError::refused("have", format!(
                "the {} mg of {} that replaces {} mg of {} at {} cannot be prepared within 10% below it from the products given; add a smaller strength or an oral solution of {}",
                n(equivalent), to.name, n(old.mg), from.name, clock(old.hour), to.name
            ))
        })?;
        let realised = choice.preparation.dose_mg;
        if realised < equivalent - 1e-9 {
            warnings.push(Warning { code: "rounded-down", step: Some(stage), message: format!(
                "Stage {stage}: {} mg of {} replaces {} mg of {} (exact equivalent {} mg, rounded down to what can be measured).",
                n(realised), to.name, n(old.mg), from.name, n(equivalent)) });
        }
        Ok(DoseAt { hour: old.hour, drug: to.id.clone(), mg: realised, preparation: Some(choice.preparation) })
    }

    /// What to say once the switch is done: a total above the new drug's label, tables that
    /// disagree, and how the taper after it is meant.
    fn closing_warnings(&self, daily_total: f64) -> Vec<Warning> {
        let (from, to) = (self.from, self.to);
        let mut warnings = Vec::new();
        if daily_total > to.max_dose_mg + 1e-9 {
            warnings.push(Warning { code: "above-label-maximum", step: None, message: format!(
                "The switched total of {} mg of {} a day is above its highest labelled daily dose ({} mg). Equivalents are a guide (ASAM 2025); discuss a smaller switch or a partial switch with the prescriber.",
                n(daily_total), to.name, n(to.max_dose_mg)) });
        }
        let (a, b) =
            (from.to_diazepam_mg(1.0, EquivalenceScheme::Ashton), from.to_diazepam_mg(1.0, EquivalenceScheme::VaDod));
        if let (Some(a), Some(b)) = (a, b)
            && (a - b).abs() > 1e-9
        {
            warnings.push(Warning { code: "tables-differ", step: None, message: format!(
                    "Equivalence tables differ: 1 mg of {} is {} mg of diazepam by Ashton and {} mg by VA/DoD (ASAM 2025, Table 7). This plan uses {}; equivalents are a guide and doses should be adjusted to how the person feels.",
                    from.name, n(a), n(b), self.scheme.label()) });
        }
        warnings.push(Warning { code: "taper-after-switch", step: None, message: format!(
            "After the switch the {} taper below is of the total daily dose ({} mg); it may be taken at the same times as in the last stage.",
            to.name, n(daily_total)) });
        warnings
    }
}

/// "08:00" for 8.0.
pub fn clock(hour: f64) -> String {
    let minutes = (hour * 60.0).round() as i64;
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Parses "08:00" or "8" into hours after midnight.
pub fn parse_clock(field: &str, input: &str) -> Result<f64, InputError> {
    let bad = || InputError::new(field, input, "expected a time of day such as 08:00 or 20:30");
    let (h, m) = match input.trim().split_once(':') {
        Some((h, m)) => (h.parse::<u32>().map_err(|_| bad())?, m.parse::<u32>().map_err(|_| bad())?),
        None => (input.trim().parse::<u32>().map_err(|_| bad())?, 0),
    };
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(f64::from(h) + f64::from(m) / 60.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formulation::{Kit, Stock};

    fn request(scheme: EquivalenceScheme) -> CrossoverRequest {
        let c = Catalogue::builtin().unwrap();
        CrossoverRequest {
            from_drug: "alprazolam".into(),
            doses: [8.0, 14.0, 20.0].iter().map(|h| (*h, Mg::new(0.5).unwrap())).collect(),
            to_drug: "diazepam".into(),
            scheme,
            stage_days: 14,
            kit: Kit {
                stocks: [
                    "diazepam-tab-2mg",
                    "diazepam-tab-5mg",
                    "diazepam-oral-solution-1mg-ml",
                    "diazepam-oral-solution-2mg-5ml",
                ]
                .iter()
                .map(|id| Stock::new(c.product(id).unwrap().clone()))
                .collect(),
                equipment: Default::default(),
            },
            taper_step_percent: 10.0,
            taper_interval_days: 14,
            pace_override: None,
            confirm_dose: false,
        }
    }

    #[test]
    fn alprazolam_1_5mg_switches_to_30mg_diazepam_by_ashton() {
        let c = Catalogue::builtin().unwrap();
        let p = plan(&c, &request(EquivalenceScheme::Ashton)).unwrap();
        assert_eq!(p.stages.len(), 4);
        assert!((p.stages[0].diazepam_equivalent_mg - 30.0).abs() < 1e-9);
        assert!((p.stages[0].other_scheme_mg.unwrap() - 15.0).abs() < 1e-9, "VA/DoD gives 15 mg");
        let last = p.stages.last().unwrap();
        assert!(last.doses.iter().all(|d| d.drug == "diazepam" && (d.mg - 10.0).abs() < 1e-9));
        assert!(p.taper.is_complete());
        assert!((p.taper.steps[0].dose_mg.get() - 30.0).abs() < 1e-9);
        for pair in p.stages.windows(2) {
            assert!(pair[1].diazepam_equivalent_mg <= pair[0].diazepam_equivalent_mg + 1e-9);
            assert_eq!(pair[1].day, pair[0].day + 14);
        }
        // Evening first.
        assert_eq!(p.stages[1].doses[2].drug, "diazepam");
        assert_eq!(p.stages[1].doses[0].drug, "alprazolam");
    }

    #[test]
    fn va_dod_gives_half_the_diazepam() {
        let c = Catalogue::builtin().unwrap();
        let p = plan(&c, &request(EquivalenceScheme::VaDod)).unwrap();
        assert!((p.stages.last().unwrap().diazepam_equivalent_mg - 15.0).abs() < 1e-9);
    }

    #[test]
    fn clock_round_trips() {
        assert_eq!(clock(parse_clock("t", "20:30").unwrap()), "20:30");
        assert!(parse_clock("t", "25:00").is_err());
    }
}
