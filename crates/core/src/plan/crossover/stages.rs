//! Part-dose stages (Ashton's method; clinical review D2): today's doses are replaced one
//! dose-time at a time, evening first, and a dose whose equivalent is more than the new drug's
//! largest single dose is replaced in parts, each at most that size, spread over the new drug's
//! dose-times. No dose of the new drug is ever above the label's single dose, and the day's
//! total never rises from one stage to the next.

use crate::catalogue::{Drug, EquivalenceScheme, SingleDose};
use crate::error::PlanError;
use crate::formulation::{Solver, Window};
use crate::schedule::Warning;
use crate::units::trim_number as n;

use super::{DoseAt, Stage, clock};

const EPS: f64 = 1e-9;

/// One switch from a drug to another, read in one equivalence table.
pub struct Switch<'c> {
    pub from: &'c Drug,
    pub to: &'c Drug,
    pub scheme: EquivalenceScheme,
    pub single: &'c SingleDose,
}

/// One stage's change: part of today's dose at `slot` stops and its equivalent of the new drug
/// is added at the new drug's dose-times (`adds`: index into the times, mg).
struct Move {
    slot: usize,
    last_part: bool,
    old_mg: f64,
    adds: Vec<(usize, f64)>,
}

/// The stages, the last regimen and what to say about them.
pub struct Staged {
    pub stages: Vec<Stage>,
    pub regimen: Vec<DoseAt>,
    pub warnings: Vec<Warning>,
}

impl Switch<'_> {
    /// mg of the new drug equivalent to `mg` of the old.
    pub fn equivalent(&self, mg: f64) -> f64 {
        self.from.to_diazepam_mg(mg, self.scheme).and_then(|d| self.to.from_diazepam_mg(d, self.scheme)).unwrap_or(0.0)
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

    fn stage(&self, index: usize, day: u32, doses: Vec<DoseAt>) -> Stage {
        Stage {
            index,
            day,
            diazepam_equivalent_mg: self.total(&doses, self.scheme).unwrap_or(0.0),
            other_scheme_mg: self.total(&doses, self.scheme.other()),
            doses,
        }
    }

    /// `today`: (hour, mg) of the old drug, in order of the hour; `times`: the new drug's
    /// dose-times, in order.
    pub fn stages(
        &self,
        today: &[(f64, f64)],
        times: &[f64],
        stage_days: u32,
        solver: &Solver,
    ) -> Result<Staged, PlanError> {
        let moves = self.layout(today, times)?;
        let mut left: Vec<f64> = today.iter().map(|d| d.1).collect();
        let mut dose: Vec<Option<DoseAt>> = vec![None; times.len()];
        let mut warnings = Vec::new();
        let mut stages = vec![self.stage(0, 0, self.regimen(today, &left, &dose))];
        for (k, mv) in moves.iter().enumerate() {
            let index = k + 1;
            left[mv.slot] = if mv.last_part { 0.0 } else { (left[mv.slot] - mv.old_mg).max(0.0) };
            for &(t, add) in &mv.adds {
                let had = dose[t].as_ref().map_or(0.0, |d| d.mg);
                let next = self.prepare(solver, times[t], had, add, index, today[mv.slot], &mut warnings)?;
                dose[t] = Some(next);
            }
            let day = u32::try_from(index).unwrap_or(u32::MAX).saturating_mul(stage_days);
            stages.push(self.stage(index, day, self.regimen(today, &left, &dose)));
        }
        warnings.extend(self.part_notes(today, &moves));
        let regimen = dose.into_iter().flatten().collect();
        Ok(Staged { stages, regimen, warnings })
    }

    /// The doses of one stage, in order of the hour: what is left of the old drug, then the new.
    fn regimen(&self, today: &[(f64, f64)], left: &[f64], dose: &[Option<DoseAt>]) -> Vec<DoseAt> {
        let mut out: Vec<DoseAt> = today
            .iter()
            .zip(left)
            .filter(|(_, l)| **l > EPS)
            .map(|((h, _), l)| DoseAt { hour: *h, drug: self.from.id.clone(), mg: *l, preparation: None })
            .collect();
        out.extend(dose.iter().flatten().cloned());
        out.sort_by(|a, b| a.hour.total_cmp(&b.hour).then((a.drug != self.from.id).cmp(&(b.drug != self.from.id))));
        out
    }

    /// The new drug's dose at `hour` after `add` mg more: never above what was there plus the
    /// equivalent added (so the total cannot rise), at most 10 % below it, never below what was
    /// there, and never above the single-dose ceiling; rounded down to what can be measured.
    #[allow(clippy::too_many_arguments)]
    fn prepare(
        &self,
        solver: &Solver,
        hour: f64,
        had: f64,
        add: f64,
        stage: usize,
        old: (f64, f64),
        warnings: &mut Vec<Warning>,
    ) -> Result<DoseAt, PlanError> {
        let (to, from) = (self.to, self.from);
        let high = (had + add).min(self.single.max_mg);
        let window = Window { low: had.max(high * 0.9), high, high_inclusive: true };
        let choice = solver.solve(high, window, high * 0.02).ok_or_else(|| {
            PlanError::refused("have", format!(
                "the {} mg of {} at {} (replacing {} at {}) cannot be prepared within 10% below it from the products given; add a smaller strength or an oral solution of {}",
                n(high), to.name, clock(hour), from.name, clock(old.0), to.name
            ))
        })?;
        let realised = choice.preparation.dose_mg;
        if realised < high - EPS {
            warnings.push(Warning {
                code: "rounded-down",
                step: Some(stage),
                message: format!(
                    "Stage {stage}: {} mg of {} at {} (exact equivalent {} mg, rounded down to what can be measured).",
                    n(realised),
                    to.name,
                    clock(hour),
                    n(high)
                ),
            });
        }
        Ok(DoseAt { hour, drug: to.id.clone(), mg: realised, preparation: Some(choice.preparation) })
    }
}

impl Switch<'_> {
    /// Where each of today's doses goes, stage by stage. Refuses a switch that cannot keep to
    /// the label's single dose and number of doses a day.
    fn layout(&self, today: &[(f64, f64)], times: &[f64]) -> Result<Vec<Move>, PlanError> {
        let ceiling = self.single.max_mg;
        let equivalents: Vec<f64> = today.iter().map(|d| self.equivalent(d.1)).collect();
        self.check_room(equivalents.iter().sum(), times)?;
        let mut room = vec![ceiling; times.len()];
        let mut moves = Vec::new();
        // Evening first: a long-acting dose at night covers the longest gap (Ashton).
        for slot in (0..today.len()).rev() {
            let e = equivalents[slot];
            let mut placed = self.place(today[slot].0, e, times, &mut room);
            let parts = ((e / ceiling) - EPS).ceil().max(1.0) as usize;
            let (part, old_part) = (e / parts as f64, today[slot].1 / parts as f64);
            for p in 0..parts {
                moves.push(Move { slot, last_part: p + 1 == parts, old_mg: old_part, adds: take(&mut placed, part) });
            }
        }
        Ok(moves)
    }

    fn check_room(&self, total: f64, times: &[f64]) -> Result<(), PlanError> {
        let (to, single) = (self.to, self.single);
        let most = f64::from(single.doses_a_day) * single.max_mg;
        let need = ((total / single.max_mg) - EPS).ceil().max(1.0) as usize;
        if total > most + EPS {
            return Err(PlanError::refused(
                "dose",
                format!(
                    "the switch comes to {} mg of {} a day, more than the label allows in {} doses of at most {} mg ({} mg); Taper does not plan it. Options to discuss with the prescriber: a direct, slow taper of {} first, down to a dose whose equivalent fits; or the other equivalence table if it is the one the prescriber uses",
                    n(total),
                    to.name,
                    single.doses_a_day,
                    n(single.max_mg),
                    n(most),
                    self.from.name.to_lowercase()
                ),
            ));
        }
        if times.len() > single.doses_a_day as usize {
            return Err(PlanError::refused(
                "to-times",
                format!(
                    "{} times a day: the label gives {} at most {} times a day",
                    times.len(),
                    to.name,
                    single.doses_a_day
                ),
            ));
        }
        if need > times.len() {
            return Err(PlanError::refused(
                "to-times",
                format!(
                    "{} mg of {} a day needs at least {} doses of at most {} mg (its label's largest single dose), but {} dose-time{} given; give {} times for the new drug, e.g. {}",
                    n(total),
                    to.name,
                    need,
                    n(single.max_mg),
                    times.len(),
                    if times.len() == 1 { " is" } else { "s are" },
                    need,
                    example_times(need)
                ),
            ));
        }
        Ok(())
    }

    /// Spreads `amount` over the dose-times: its own time first, then the nearest on the clock.
    fn place(&self, hour: f64, amount: f64, times: &[f64], room: &mut [f64]) -> Vec<(usize, f64)> {
        let mut order: Vec<usize> = (0..times.len()).collect();
        order.sort_by(|a, b| clock_gap(times[*a], hour).total_cmp(&clock_gap(times[*b], hour)).then(b.cmp(a)));
        let mut left = amount;
        let mut out = Vec::new();
        for t in order {
            let put = left.min(room[t]);
            if put > EPS {
                room[t] -= put;
                left -= put;
                out.push((t, put));
            }
        }
        out
    }

    /// Notes for the doses replaced in parts or moved to other times.
    fn part_notes(&self, today: &[(f64, f64)], moves: &[Move]) -> Vec<Warning> {
        let mut out = Vec::new();
        for (slot, (hour, mg)) in today.iter().enumerate() {
            let stages: Vec<usize> =
                moves.iter().enumerate().filter(|(_, m)| m.slot == slot).map(|(k, _)| k + 1).collect();
            if stages.len() > 1 {
                out.push(Warning { code: "part-dose", step: stages.first().copied(), message: format!(
                    "Stages {}–{}: the {} mg of {} at {} is replaced in {} parts of {} mg, so that no single dose of {} is above {} mg (its label's largest). These part doses of {} need tablets or a liquid that make them; ask the prescriber.",
                    stages[0], stages[stages.len() - 1], n(*mg), self.from.name, clock(*hour), stages.len(), n(mg / stages.len() as f64), self.to.name, n(self.single.max_mg), self.from.name) });
            }
        }
        out
    }
}

/// Takes `amount` from the front of `placed`.
fn take(placed: &mut Vec<(usize, f64)>, amount: f64) -> Vec<(usize, f64)> {
    let mut want = amount;
    let mut out = Vec::new();
    while want > EPS && !placed.is_empty() {
        let (t, have) = placed[0];
        let got = have.min(want);
        out.push((t, got));
        want -= got;
        if have - got > EPS {
            placed[0].1 = have - got
        } else {
            placed.remove(0);
        }
    }
    // Rounding leftovers belong to the last part.
    if placed.iter().all(|p| p.1 <= EPS) {
        placed.clear();
    }
    out
}

/// Hours between two times of day, the short way round the clock.
fn clock_gap(a: f64, b: f64) -> f64 {
    let d = (a - b).abs() % 24.0;
    d.min(24.0 - d)
}

/// Evenly spread waking times for `k` doses, as an example.
fn example_times(k: usize) -> &'static str {
    match k {
        1 => "22:00",
        2 => "08:00,22:00",
        3 => "08:00,14:00,22:00",
        _ => "08:00,13:00,18:00,22:00",
    }
}
