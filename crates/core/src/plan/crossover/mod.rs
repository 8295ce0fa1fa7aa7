//! Switching from a short-acting benzodiazepine to a long-acting one (usually diazepam) one
//! dose-time at a time, then tapering the long-acting drug (Ashton; ASAM 2025: a switch may go
//! better over 1–2 weeks per stage than over 1–2 days). Equivalents come from the table the
//! prescriber picks; the other table's figure is shown beside it because they differ.
//!
//! Invariants: the total diazepam-equivalent dose never rises from one stage to the next (each
//! substituted dose is rounded down to what can be prepared), and the taper that follows obeys
//! every rule of `schedule`.

mod screen;
mod stages;

use crate::catalogue::{Catalogue, Drug, EquivalenceScheme};
use crate::error::{InputError, PlanError};
use crate::formulation::Solver;
use crate::schedule::{self, PlanRequest, Strategy, Warning};
use crate::units::{Mg, trim_number as n};

pub use super::types::{CrossoverPlan, CrossoverRequest, DoseAt, Risk, Screen, Stage};
pub use screen::{LONG_ACTING_HOURS, long_acting};
use stages::Switch;

/// Most times a person may stay longer on one stage of a switch they follow: a bound on the work
/// and the page, not advice (past it, the switch is planned again with the prescriber).
pub const MAX_STAYS_PER_STAGE: usize = 4;

/// `plan` as followed with stays: each `(stage, days)` keeps the person `days` longer on that
/// stage, so every later stage, and the taper after the last, comes that much later. Doses never
/// change; only their dates do. A stay on the last stage moves nothing: the switch is done there,
/// and the taper after it starts when the person and prescriber make its plan.
pub fn with_stays(plan: &CrossoverPlan, stays: &[(usize, u32)]) -> CrossoverPlan {
    let mut out = plan.clone();
    let shift = |index: usize| -> u32 { stays.iter().filter(|(k, _)| *k < index).map(|(_, d)| *d).sum() };
    for s in &mut out.stages {
        s.day = s.day.saturating_add(shift(s.index));
    }
    let last = plan.stages.last().map_or(0, |s| s.index);
    out.taper_offset_days = out.taper_offset_days.saturating_add(shift(last));
    out
}

/// The stage in force on day `day` of the switch (stage 0 from its first day on).
pub fn stage_on(plan: &CrossoverPlan, day: u32) -> Option<&Stage> {
    plan.stages.iter().rev().find(|s| s.day <= day)
}

pub fn plan(catalogue: &Catalogue, req: &CrossoverRequest) -> Result<CrossoverPlan, PlanError> {
    let (from, to) = checked_drugs(catalogue, req)?;
    let mut today: Vec<(f64, f64)> = req.doses.iter().map(|(h, mg)| (*h, mg.get())).collect();
    today.sort_by(|a, b| a.0.total_cmp(&b.0));
    let today_mg: f64 = today.iter().map(|d| d.1).sum();
    let decision = screen::decide(from, to, req, today_mg)?;
    let single = to.single_dose.as_ref().ok_or_else(|| {
        let known: Vec<&str> =
            catalogue.drugs().iter().filter(|d| d.single_dose.is_some()).map(|d| d.id.as_str()).collect();
        PlanError::refused("to-drug", format!(
            "Taper has no labelled single-dose limit for {} on file, so it does not plan a switch to it (no dose may go above it); switch to one of: {}",
            to.name, known.join(", ")))
    })?;
    let sw = Switch { from, to, scheme: decision.scheme, single };
    let mut warnings = decision.notes;
    let switched: f64 = today.iter().map(|d| sw.equivalent(d.1)).sum();
    warnings.extend(above_label(to, switched, req)?);
    let times = dose_times(req, &today)?;
    let staged = sw.stages(&today, &times, req.stage_days, &Solver::new(&req.kit))?;
    warnings.extend(staged.warnings);
    let daily_total: f64 = staged.regimen.iter().map(|d| d.mg).sum();
    let offset = staged.stages.last().map_or(0, |s| s.day);
    let mut taper = taper_after(catalogue, req, to, &staged.regimen)?;
    // The switched dose is computed, not typed: nobody confirmed it, so the taper must not say so.
    taper.warnings.retain(|w| w.code != "dose-confirmed");
    warnings.extend(closing_warnings(&sw, req.scheme, today_mg, daily_total, &staged.regimen));
    // First: the one that matters before the first day of the switch.
    if let Some(w) = daytime_doses(&sw, &today, &staged.regimen) {
        warnings.insert(0, w);
    }
    let plan = CrossoverPlan {
        from_drug: from.id.clone(),
        to_drug: to.id.clone(),
        scheme: decision.scheme,
        stages: staged.stages,
        stage_days: req.stage_days,
        taper,
        taper_offset_days: offset,
        warnings,
        screen: req.screen.clone(),
        reason: req.reason.clone(),
        single_dose_max_mg: single.max_mg,
    };
    if let Some(v) = crate::safety::check_crossover(&plan, req.stage_days).first() {
        return Err(PlanError::refused(
            "plan",
            format!("the crossover failed a safety check ({v}); please report this"),
        ));
    }
    Ok(plan)
}

/// The taper of the total daily dose once the switch is done, at the regimen's own times and
/// split (a day more than one preparation holds is then made dose by dose; a new-user walk found
/// a 30 mg diazepam day "prepared as you do today" and a taper that never started).
fn taper_after(
    catalogue: &Catalogue,
    req: &CrossoverRequest,
    to: &Drug,
    regimen: &[DoseAt],
) -> Result<schedule::Plan, PlanError> {
    let daily_total: f64 = regimen.iter().map(|d| d.mg).sum();
    let start =
        Mg::new(daily_total).ok_or_else(|| PlanError::refused("dose", "the switched dose is not a valid amount"))?;
    let strategy = Strategy::Proportional { step_percent: req.taper_step_percent };
    let times = crate::units::DoseTimes::new(
        regimen.iter().filter_map(|d| crate::units::DoseTime::from_hours(d.hour)).collect(),
    )
    .ok()
    .filter(|t| t.len() == regimen.len() && t.len() > 1);
    let amounts = times.as_ref().map(|_| {
        let mut sorted: Vec<&DoseAt> = regimen.iter().collect();
        sorted.sort_by(|a, b| a.hour.total_cmp(&b.hour));
        sorted.iter().filter_map(|d| Mg::new(d.mg)).collect::<Vec<_>>()
    });
    schedule::plan(
        catalogue,
        &PlanRequest {
            interval_days: req.taper_interval_days,
            pace_override: req.pace_override.clone(),
            confirm_dose: true,
            times,
            amounts,
            ..PlanRequest::new(&to.id, start, strategy, req.kit.clone())
        },
    )
}

/// A switched total above the new drug's labelled daily maximum is refused unless the
/// prescriber's reason is recorded (clinical review D2: refused, not merely flagged).
fn above_label(to: &Drug, switched: f64, req: &CrossoverRequest) -> Result<Option<Warning>, PlanError> {
    if switched <= to.max_dose_mg + 1e-9 {
        return Ok(None);
    }
    let what = format!(
        "the switch comes to {} mg of {} a day, above its highest labelled daily dose ({} mg)",
        n(switched),
        to.name,
        n(to.max_dose_mg)
    );
    match &req.reason {
        None => Err(PlanError::refused(
            "reason",
            format!(
                "{what}; it is planned only with the prescriber's recorded reason. Equivalents are a guide (ASAM 2025): a partial switch, or a direct taper first, may be better"
            ),
        )),
        Some(r) => Ok(Some(Warning {
            code: "above-label-maximum",
            step: None,
            message: format!(
                "{}: planned for the recorded reason \u{201c}{r}\u{201d}. Equivalents are a guide (ASAM 2025).",
                crate::units::capitalise(&what)
            ),
        })),
    }
}

/// The new drug's dose-times: as asked, or today's.
fn dose_times(req: &CrossoverRequest, today: &[(f64, f64)]) -> Result<Vec<f64>, PlanError> {
    if req.to_times.is_empty() {
        let mut t: Vec<f64> = today.iter().map(|d| d.0).collect();
        t.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
        return Ok(t);
    }
    let mut t = req.to_times.clone();
    t.sort_by(f64::total_cmp);
    if t.windows(2).any(|w| (w[1] - w[0]).abs() < 1e-9) {
        return Err(InputError::new("to-times", "", "each time of day may appear once").into());
    }
    Ok(t)
}

/// The two drugs, after every check of the request: different benzodiazepines with
/// equivalents in the chosen table, doses given, a plausible total, stages of 1–4 weeks.
fn checked_drugs<'c>(catalogue: &'c Catalogue, req: &CrossoverRequest) -> Result<(&'c Drug, &'c Drug), PlanError> {
    let from = catalogue.find_drug("from-drug", &req.from_drug)?;
    let to = catalogue.find_drug("to-drug", &req.to_drug)?;
    if from.id == to.id {
        return Err(InputError::new("to-drug", &to.id, "must differ from the drug being replaced").into());
    }
    // The chosen table must convert both drugs; the other is read where it can be (a z-drug
    // has an Ashton equivalent only: walk-through, "has no VA/DoD equivalent" for a switch the
    // plan page had just offered with the Ashton table chosen).
    for (drug, field) in [(from, "from-drug"), (to, "to-drug")] {
        if drug.diazepam_equivalent(req.scheme).is_none() {
            let hint = if drug.diazepam_equivalent(req.scheme.other()).is_some() {
                format!("; choose the {} table, which has one", req.scheme.other().label())
            } else {
                "; only benzodiazepines and the z-drugs an equivalence table converts can be switched this way"
                    .to_string()
            };
            return Err(InputError::new(
                field,
                &drug.id,
                format!("{} has no {} equivalent{hint}", drug.name, req.scheme.label()),
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

/// What to say once the switch is done: what the other table makes of it, and how the taper
/// after it is meant.
fn closing_warnings(
    sw: &Switch,
    asked: EquivalenceScheme,
    today_mg: f64,
    daily_total: f64,
    regimen: &[DoseAt],
) -> Vec<Warning> {
    let (from, to) = (sw.from, sw.to);
    let mut warnings = Vec::new();
    if let Some(w) = tables_differ(sw, asked, today_mg, daily_total) {
        warnings.push(w);
    }
    let times = regimen.iter().map(|d| format!("{} mg at {}", n(d.mg), clock(d.hour))).collect::<Vec<_>>().join(", ");
    warnings.push(Warning { code: "taper-after-switch", step: None, message: format!(
        "After the switch the {} taper below is of the total daily dose ({} mg, taken as {times}); each cut may come off one dose-time at a time, and no dose of {} above {} mg. {} is no longer taken.",
        to.name, n(daily_total), to.name, n(sw.single.max_mg), from.name) });
    warnings
}

/// Doses of the new drug at times of day the old one was not taken (a walk: clonazepam 2 mg at
/// bedtime became 10 mg of diazepam four times a day, 08:00 and 13:00 included, with nothing
/// said of being drowsy in the day). The labels of both caution against driving or operating
/// machinery until the person knows how the drug affects them (`diazepam_label`).
fn daytime_doses(sw: &Switch, today: &[(f64, f64)], regimen: &[DoseAt]) -> Option<Warning> {
    let new: Vec<String> = regimen
        .iter()
        .filter(|d| !today.iter().any(|(h, _)| (h - d.hour).abs() < 1e-9))
        .map(|d| clock(d.hour))
        .collect();
    if new.is_empty() {
        return None;
    }
    Some(Warning {
        code: "new-dose-times",
        step: None,
        message: format!(
            "This switch adds doses of {} at {}, when you took no {} before: it can make you drowsy and slow in the day. Do not drive or use machines until you know how it affects you, and avoid alcohol (its label). Ask the prescriber whether fewer daytime doses would do.",
            sw.to.name,
            crate::units::join_and(&new),
            sw.from.name
        ),
    })
}

/// The equivalence tables' disagreement in words (clinical review W7): what the switch does to
/// the load under the table not used.
fn tables_differ(sw: &Switch, asked: EquivalenceScheme, today_mg: f64, daily_total: f64) -> Option<Warning> {
    let (from, to) = (sw.from, sw.to);
    let other = sw.scheme.other();
    let today_other = from.to_diazepam_mg(today_mg, other)?;
    let after_other = to.to_diazepam_mg(daily_total, other)?;
    let today_used = from.to_diazepam_mg(today_mg, sw.scheme)?;
    if (today_other - today_used).abs() < 1e-9
        && (to.to_diazepam_mg(1.0, other)? - to.to_diazepam_mg(1.0, sw.scheme)?).abs() < 1e-9
    {
        return None;
    }
    let ratio = after_other / today_other;
    let effect = if (ratio - 2.0).abs() < 0.05 {
        "doubles the load".to_string()
    } else if (ratio - 0.5).abs() < 0.025 {
        "halves the load".to_string()
    } else if ratio > 1.0 {
        format!("raises the load by {} %", n((ratio * 100.0 - 100.0).round()))
    } else {
        format!("lowers the load by {} %", n((100.0 - ratio * 100.0).round()))
    };
    let chosen = if sw.scheme == asked { "chosen" } else { "used for the breathing risk above" };
    Some(Warning {
        code: "tables-differ",
        step: None,
        message: format!(
            "Equivalence tables differ (ASAM 2025, Table 7): today's {} mg of {} is {} mg of diazepam by {} (the table {chosen}) but {} mg by {}. Under {} this switch to {} mg of {} {effect} ({} → {} mg diazepam-equivalent). Equivalents are a guide; adjust to how the person feels, with the prescriber.",
            n(today_mg),
            from.name,
            n(today_used),
            sw.scheme.label(),
            n(today_other),
            other.label(),
            other.label(),
            n(daily_total),
            to.name,
            n(today_other),
            n(after_other)
        ),
    })
}

/// "08:00" for 8.0.
pub fn clock(hour: f64) -> String {
    let minutes = (hour * 60.0).round() as i64;
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Parses "08:00" or "8" into hours after midnight (the one parser of times of day,
/// `DoseTime::parse`).
pub fn parse_clock(field: &str, input: &str) -> Result<f64, InputError> {
    crate::units::DoseTime::parse(field, input).map(crate::units::DoseTime::hours)
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
            to_times: Vec::new(),
            screen: Screen::default(),
            reason: None,
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
