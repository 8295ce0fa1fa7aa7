//! What a dosing pattern means for the person: derived figures and warnings from a simulation.
//!
//! Occupancy over time maps the parent's relative level back to the daily dose that would give
//! that level at steady state, then through the drug's occupancy curve. The published curves were
//! fitted by dose, so this is an approximation, stated wherever it is shown.

use crate::catalogue::Drug;
use crate::error::InputError;
use crate::pk::{self, Curve, DoseEvent, Swing};
use crate::schedule::Warning;
use crate::units::trim_number as n;

/// How the doses are taken across days.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pattern {
    /// Every day.
    Daily,
    /// The day's doses every other day, nothing in between.
    AlternateDay,
    /// Every day except one day in every `n`.
    SkipOneIn(u32),
}

impl Pattern {
    pub fn parse(field: &str, input: &str) -> Result<Pattern, InputError> {
        match input {
            "daily" => Ok(Pattern::Daily),
            "alternate-day" => Ok(Pattern::AlternateDay),
            other => other
                .strip_prefix("skip-one-in-")
                .and_then(|k| k.parse::<u32>().ok())
                .filter(|k| (2..=30).contains(k))
                .map(Pattern::SkipOneIn)
                .ok_or_else(|| {
                    InputError::new(field, input, "expected daily, alternate-day or skip-one-in-N (N from 2 to 30)")
                }),
        }
    }

    fn takes(self, day: u32) -> bool {
        match self {
            Pattern::Daily => true,
            Pattern::AlternateDay => day.is_multiple_of(2),
            Pattern::SkipOneIn(k) => day % k != k - 1,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Exposure {
    pub curve: Curve,
    /// Modelled occupancy at each sample, where the drug has a model.
    pub occupancy: Option<Vec<f64>>,
    /// Swing of the parent over the last two days simulated.
    pub late_swing: Swing,
    pub lowest_occupancy: Option<f64>,
    pub hours_to_steady_state: f64,
    pub warnings: Vec<Warning>,
}

/// Troughs below this share of the average level suggest withdrawal between doses (Taper's own
/// threshold, for prompting a conversation; not a published cut-off).
pub const INTERDOSE_TROUGH_PERCENT: f64 = 50.0;

/// Simulates `days` of `mg_per_dose` taken at `times_hours` under `pattern`, and explains it.
pub fn analyse(
    drug: &Drug,
    times_hours: &[f64],
    mg_per_dose: &[f64],
    days: u32,
    pattern: Pattern,
    step_hours: f64,
) -> Exposure {
    let species = pk::species(drug);
    let daily: f64 = mg_per_dose.iter().sum();
    let doses = events(times_hours, mg_per_dose, days, pattern);
    // The reference is the average daily amount actually taken, so 100 % is its steady average.
    let taken_days = (0..days).filter(|d| pattern.takes(*d)).count() as f64;
    let reference = daily * taken_days / f64::from(days.max(1));
    let hours = f64::from(days) * 24.0;
    let curve = pk::simulate(&species, &doses, reference, hours, step_hours);
    let model = drug.default_occupancy().map(|f| f.model());
    let occupancy =
        model.map(|m| curve.levels[0].iter().map(|level| m.occupancy(reference * level / 100.0)).collect::<Vec<f64>>());
    let late_from = (hours - 48.0).max(0.0);
    let late_swing =
        Swing::of(curve.window(0, late_from, hours)).unwrap_or(Swing { peak: 0.0, trough: 0.0, average: 0.0 });
    let lowest_occupancy = occupancy.as_ref().map(|o| {
        let a = (late_from / step_hours) as usize;
        o[a.min(o.len() - 1)..].iter().copied().fold(f64::MAX, f64::min)
    });
    let mut warnings = Vec::new();
    let to_steady = pk::hours_to_steady_state(&species);
    if pattern != Pattern::Daily {
        let daily_doses = events(
            times_hours,
            &mg_per_dose.iter().map(|m| m * reference / daily.max(1e-12)).collect::<Vec<_>>(),
            days,
            Pattern::Daily,
        );
        let daily_curve = pk::simulate(&species, &daily_doses, reference, hours, step_hours);
        let steady_daily = Swing::of(daily_curve.window(0, late_from, hours)).unwrap_or(late_swing);
        let label = match pattern {
            Pattern::AlternateDay => "Taking doses every other day".to_string(),
            Pattern::SkipOneIn(k) => format!("Skipping one day in {k}"),
            Pattern::Daily => String::new(),
        };
        warnings.push(Warning {
            code: "irregular-dosing",
            step: None,
            message: format!(
                "{label} makes {} levels swing between {}% and {}% of their average, against {}%–{}% with the same amount spread evenly every day. \
Swings like this can bring withdrawal symptoms and may sensitise the nervous system; alternate-day dosing to taper antidepressants risks severe withdrawal (O'Neill et al. 2026){}. Taper never plans such schedules.",
                drug.name,
                n(late_swing.trough.round()),
                n(late_swing.peak.round()),
                n(steady_daily.trough.round()),
                n(steady_daily.peak.round()),
                // Maudsley 2024 exempts fluoxetine, whose long-lived metabolite smooths the swings;
                // NICE NG222 allows alternate days at 20 mg. Say so rather than cite them against it.
                if drug.id == "fluoxetine" {
                    "; fluoxetine is the exception the Maudsley guidelines and NICE NG222 make, because its active metabolite lasts so long"
                } else {
                    "; the Maudsley Deprescribing Guidelines say it is likely to provoke withdrawal for any antidepressant other than fluoxetine"
                }
            ),
        });
    }
    let parent_half_life = species[0].half_life_hours;
    if late_swing.average > 0.0
        && 100.0 * late_swing.trough / late_swing.average < INTERDOSE_TROUGH_PERCENT
        && pattern == Pattern::Daily
    {
        let suggestion = if drug.class.is_benzodiazepine() {
            "splitting the day's dose into more, smaller doses, or a step-by-step switch to a long-acting benzodiazepine such as diazepam (ASAM 2025)"
        } else {
            "splitting the day's dose, or a longer-acting form, with the prescriber"
        };
        warnings.push(Warning {
            code: "interdose-trough",
            step: None,
            message: format!(
                "With a half-life of about {} hours, {} levels fall to {}% of their average before the next dose. Symptoms between doses can be withdrawal; consider {suggestion}.",
                n(parent_half_life.round()),
                drug.name,
                n((100.0 * late_swing.trough / late_swing.average).round())
            ),
        });
    }
    if species.iter().any(|s| s.half_life_derived) {
        warnings.push(Warning {
            code: "derived-half-life",
            step: None,
            message: "Where only a range of half-lives is published, the middle of the range is used.".into(),
        });
    }
    Exposure { curve, occupancy, late_swing, lowest_occupancy, hours_to_steady_state: to_steady, warnings }
}

fn events(times_hours: &[f64], mg_per_dose: &[f64], days: u32, pattern: Pattern) -> Vec<DoseEvent> {
    pk::daily_regimen(times_hours, mg_per_dose, days)
        .into_iter()
        .filter(|e| pattern.takes((e.hour / 24.0).floor() as u32))
        .collect()
}

/// What happens to levels if today's last dose is missed, or taken late, after `days` of steady dosing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MissedDose {
    pub on_time_trough: f64,
    pub skipped_trough: f64,
    pub late_trough: f64,
    pub late_hours: f64,
}

pub fn missed_dose(drug: &Drug, times_hours: &[f64], mg_per_dose: &[f64], late_hours: f64) -> MissedDose {
    let species = pk::species(drug);
    let days = ((pk::hours_to_steady_state(&species) / 24.0).ceil() as u32 + 2).clamp(5, 120);
    let daily: f64 = mg_per_dose.iter().sum();
    let base = pk::daily_regimen(times_hours, mg_per_dose, days + 2);
    let last_day_start = f64::from(days) * 24.0;
    // The first dose of day `days` is the one missed (or taken late).
    let first = base.iter().position(|e| e.hour >= last_day_start).unwrap_or(0);
    let mut skipped = base.clone();
    skipped.remove(first);
    let mut late = base.clone();
    late[first].hour += late_hours;
    let hours = last_day_start + 48.0;
    let trough = |doses: &[DoseEvent]| {
        let c = pk::simulate(&species, doses, daily, hours, 0.25);
        Swing::of(c.window(0, last_day_start, hours)).map_or(0.0, |s| s.trough)
    };
    MissedDose {
        on_time_trough: trough(&base),
        skipped_trough: trough(&skipped),
        late_trough: trough(&late),
        late_hours,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;

    #[test]
    fn alternate_day_swings_far_more_than_daily() {
        let c = Catalogue::builtin().unwrap();
        let drug = c.drug("sertraline").unwrap();
        let daily = analyse(drug, &[8.0], &[50.0], 28, Pattern::Daily, 0.5);
        let alt = analyse(drug, &[8.0], &[100.0], 28, Pattern::AlternateDay, 0.5);
        assert!(alt.late_swing.fluctuation_percent() > 2.0 * daily.late_swing.fluctuation_percent());
        assert!(alt.warnings.iter().any(|w| w.code == "irregular-dosing"));
        assert!(daily.warnings.iter().all(|w| w.code != "irregular-dosing"));
    }

    #[test]
    fn short_acting_benzodiazepine_once_daily_has_deep_troughs() {
        let c = Catalogue::builtin().unwrap();
        let alprazolam = c.drug("alprazolam").unwrap();
        let once = analyse(alprazolam, &[8.0], &[1.5], 7, Pattern::Daily, 0.25);
        assert!(once.warnings.iter().any(|w| w.code == "interdose-trough" && w.message.contains("diazepam")));
        let diazepam = c.drug("diazepam").unwrap();
        let long = analyse(diazepam, &[8.0], &[30.0], 60, Pattern::Daily, 0.5);
        assert!(long.warnings.iter().all(|w| w.code != "interdose-trough"));
    }

    #[test]
    fn a_skipped_dose_falls_lower_than_a_late_one() {
        let c = Catalogue::builtin().unwrap();
        let m = missed_dose(c.drug("paroxetine").unwrap(), &[8.0], &[20.0], 6.0);
        assert!(m.skipped_trough < m.late_trough && m.late_trough <= m.on_time_trough + 1e-9, "{m:?}");
    }
}
