//! What a dosing pattern means for the person: derived figures and warnings from a simulation.
//!
//! Occupancy over time maps the parent's relative level back to the daily dose that would give
//! that level at steady state, then through the drug's occupancy curve. The published curves were
//! fitted by dose, so this is an approximation, stated wherever it is shown.

use crate::catalogue::{Drug, Form, Product};
use crate::error::InputError;
use crate::pk::{self, Curve, DoseEvent, Swing};
use crate::plan::types::Warning;
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
    /// Swing over the last two days simulated of what acts: the parent and its active
    /// metabolites together, as occupancy and the interdose warning read it (clinical review
    /// minor 28: venlafaxine XR showed the parent's 169 %/27 % alone, though its metabolite,
    /// formed from it and lasting twice as long, swings far less).
    pub late_swing: Swing,
    /// The parent's own swing over the same days, where active metabolites are counted too.
    pub parent_swing: Option<Swing>,
    pub lowest_occupancy: Option<f64>,
    pub hours_to_steady_state: f64,
    pub warnings: Vec<Warning>,
}

/// Troughs below this share of the average level suggest withdrawal between doses (Taper's own
/// threshold, for prompting a conversation; not a published cut-off).
pub const INTERDOSE_TROUGH_PERCENT: f64 = 50.0;

/// How doses are absorbed in a simulation: the rate, and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Absorption {
    pub ka_per_hour: f64,
    /// The labelled peak time it reproduces, if one is known.
    pub tmax_hours: Option<f64>,
    /// In words, for the output: "peak 5.5 h after a dose (the extended-release capsule 75 mg)".
    pub basis: String,
    /// An extended- or delayed-release form, whose swings one absorption rate overstates.
    pub modified_release: bool,
}

/// The absorption of `product` (or of the drug's usual immediate-release form): from the
/// labelled peak time where one is catalogued, else Taper's default rate, with a warning when that
/// default would overstate swings (an extended- or delayed-release form without a peak time).
pub fn absorption(drug: &Drug, product: Option<&Product>) -> (Absorption, Option<Warning>) {
    let half_life = drug.half_life.parent.representative_hours();
    let modified = product.is_some_and(|p| {
        matches!(p.form, Form::Tablet { modified_release: true, .. } | Form::Capsule { modified_release: true, .. })
    });
    let (tmax, what) = match product.and_then(|p| p.tmax_hours.map(|t| (t, p.describe()))) {
        Some((t, what)) => (Some(t), what),
        None if modified => (None, String::new()),
        None => (drug.tmax_hours, format!("usual form of {}", drug.name)),
    };
    if let Some((t, ka)) = tmax.and_then(|t| pk::ka_for_tmax(t, half_life).map(|ka| (t, ka))) {
        let basis = format!("absorbed to a peak about {} h after it is taken, as the label gives for the {what}", n(t));
        // One absorption rate reproduces the peak time, not a release spread over the day
        // (clinical review minor 28): say which way the shown swing errs. Worded for every
        // modified release: a delayed-release capsule was told it "releases over many hours" and
        // pointed to another drug's label (a read-through).
        let shape = modified.then(|| Warning {
            code: "release-shape",
            step: None,
            message: format!(
                "The {what} is modelled with one absorption rate that matches its labelled peak time, not the way it releases its drug, so the swings shown are approximate; where a form releases its drug over many hours they are likely larger than they are."
            ),
        });
        return (Absorption { ka_per_hour: ka, tmax_hours: Some(t), basis, modified_release: modified }, shape);
    }
    let default = Absorption {
        ka_per_hour: pk::DEFAULT_KA_PER_HOUR,
        tmax_hours: None,
        basis: "absorbed at Taper's default rate (peaks 1–4 h after a dose); no labelled peak time is catalogued"
            .into(),
        modified_release: modified,
    };
    let warning = modified.then(|| Warning {
        code: "release-unknown",
        step: None,
        message: format!(
            "No labelled peak time is catalogued for the {}, so it is simulated as if released at once: its swings are overstated.",
            product.map(Product::describe).unwrap_or_default()
        ),
    });
    (default, warning)
}

/// The level that drives the effect: the parent and its active metabolites together, each counted
/// equally (their shares of the effect are not in our sources; Taper's assumption, stated).
fn active_level(curve: &Curve, i: usize) -> f64 {
    let n = curve.levels.len().max(1) as f64;
    curve.levels.iter().map(|s| s[i]).sum::<f64>() / n
}

/// `active_level` over a window of hours.
fn active_window(curve: &Curve, from_hour: f64, to_hour: f64) -> Vec<f64> {
    let len = curve.levels.first().map_or(0, Vec::len);
    let a = ((from_hour / curve.step_hours).round() as usize).min(len);
    let b = ((to_hour / curve.step_hours).round() as usize).min(len).max(a);
    (a..b).map(|i| active_level(curve, i)).collect()
}

/// How late a dose may be said to be taken, in hours: from half an hour to a whole day (beyond
/// that it is a missed dose, which `missed_dose` also shows).
pub const LATE_HOURS: std::ops::RangeInclusive<f64> = 0.5..=24.0;

/// Checks an hours-late value for `missed_dose`.
pub fn check_late_hours(field: &str, hours: f64) -> Result<f64, InputError> {
    if LATE_HOURS.contains(&hours) {
        Ok(hours)
    } else {
        Err(InputError::new(
            field,
            hours.to_string(),
            format!("hours late must be from {} to {}", n(*LATE_HOURS.start()), n(*LATE_HOURS.end())),
        ))
    }
}

/// The simulation's time step for `days` of dosing: a quarter hour, or an hour past 120 days so
/// long runs stay small; both resolve every dosing time given to the quarter hour.
pub fn step_hours_for(days: u32) -> f64 {
    if days > 120 { 1.0 } else { 0.25 }
}

/// Simulates `days` of `mg_per_dose` taken at `times_hours` under `pattern`, and explains it.
pub fn analyse(
    drug: &Drug,
    absorption: &Absorption,
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
    let curve = pk::simulate_absorbed(&species, &doses, reference, hours, step_hours, absorption.ka_per_hour);
    let model = drug.default_occupancy().map(|f| f.model());
    // Occupancy follows the active moiety (parent and active metabolites), not the parent alone.
    let occupancy = model.map(|m| {
        (0..curve.levels[0].len())
            .map(|i| m.occupancy(reference * active_level(&curve, i) / 100.0))
            .collect::<Vec<f64>>()
    });
    let late_from = (hours - 48.0).max(0.0);
    let flat = Swing { peak: 0.0, trough: 0.0, average: 0.0 };
    let late_swing = Swing::of(&active_window(&curve, late_from, hours)).unwrap_or(flat);
    let parent_swing = (species.len() > 1).then(|| Swing::of(curve.window(0, late_from, hours)).unwrap_or(flat));
    let lowest_occupancy = occupancy.as_ref().map(|o| {
        let a = (late_from / step_hours) as usize;
        o[a.min(o.len() - 1)..].iter().copied().fold(f64::MAX, f64::min)
    });
    let run = Run {
        species: &species,
        absorption,
        times_hours,
        mg_per_dose,
        days,
        hours,
        step_hours,
        reference,
        daily,
        late_from,
    };
    let mut warnings =
        vec![Warning { code: "absorption", step: None, message: format!("Each dose is {}.", absorption.basis) }];
    warnings.extend(irregular_dosing(drug, &run, pattern, late_swing));
    warnings.extend(interdose_trough(drug, &run, pattern, late_swing));
    warnings.extend(model_notes(drug, &species, model.is_some()));
    let to_steady = pk::hours_to_steady_state(&species);
    Exposure {
        curve,
        occupancy,
        late_swing,
        parent_swing,
        lowest_occupancy,
        hours_to_steady_state: to_steady,
        warnings,
    }
}

/// One simulated run: what the warnings need to know about it.
struct Run<'a> {
    species: &'a [pk::Species],
    absorption: &'a Absorption,
    times_hours: &'a [f64],
    mg_per_dose: &'a [f64],
    days: u32,
    hours: f64,
    step_hours: f64,
    reference: f64,
    daily: f64,
    /// The last two days, where swings are read.
    late_from: f64,
}

/// Skipping days makes levels swing far more than the same amount taken daily: say by how much.
fn irregular_dosing(drug: &Drug, r: &Run, pattern: Pattern, late_swing: Swing) -> Option<Warning> {
    if pattern == Pattern::Daily {
        return None;
    }
    let daily_doses = events(
        r.times_hours,
        &r.mg_per_dose.iter().map(|m| m * r.reference / r.daily.max(1e-12)).collect::<Vec<_>>(),
        r.days,
        Pattern::Daily,
    );
    let daily_curve =
        pk::simulate_absorbed(r.species, &daily_doses, r.reference, r.hours, r.step_hours, r.absorption.ka_per_hour);
    let steady_daily = Swing::of(&active_window(&daily_curve, r.late_from, r.hours)).unwrap_or(late_swing);
    let label = match pattern {
        Pattern::AlternateDay => "Taking doses every other day".to_string(),
        Pattern::SkipOneIn(k) => format!("Skipping one day in {k}"),
        Pattern::Daily => String::new(),
    };
    Some(Warning {
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
    })
}

/// Levels falling below `INTERDOSE_TROUGH_PERCENT` of their average between daily doses.
fn interdose_trough(drug: &Drug, r: &Run, pattern: Pattern, late_swing: Swing) -> Option<Warning> {
    if drug.bedtime.is_some() {
        // Taken at bedtime to wear off by morning (see `times::trough_warnings`).
        return None;
    }
    let parent_half_life = r.species[0].half_life_hours;
    // Whether levels fall low between doses is judged on what acts: parent and active metabolites
    // (`late_swing` is theirs).
    let active = late_swing;
    if !(active.average > 0.0
        && 100.0 * active.trough / active.average < INTERDOSE_TROUGH_PERCENT
        && pattern == Pattern::Daily)
    {
        return None;
    }
    if r.absorption.modified_release {
        // The release-shape or release-unknown note says the model overstates this form's swings:
        // raise the question without presenting the modelled fall as a finding.
        return Some(Warning {
            code: "interdose-trough",
            step: None,
            message: format!(
                "In this model {} levels (with any active metabolite) fall to {}% of their average before the next dose; the model follows only this form's peak time, so the fall may be smaller (see the note on its release). If symptoms come before each next dose, they can be withdrawal; taking the day's amount as two doses is a question for the prescriber (never cut or open an extended-release unit unless its label allows it).",
                drug.name,
                n(active.trough.round())
            ),
        });
    }
    let suggestion = if drug.class.is_benzodiazepine() {
        "splitting the day's dose into more, smaller doses, or a step-by-step switch to a long-acting benzodiazepine such as diazepam (ASAM 2025)"
    } else {
        "splitting the day's dose, or a longer-acting form, with the prescriber"
    };
    Some(Warning {
        code: "interdose-trough",
        step: None,
        message: format!(
            "With a half-life of about {} hours, {} levels (with any active metabolite) fall to {}% of their average before the next dose. Symptoms between doses can be withdrawal; consider {suggestion}.",
            n(parent_half_life.round()),
            drug.name,
            n(active.trough.round())
        ),
    })
}

/// What the model assumes: metabolites counted equally, mid-range half-lives.
fn model_notes(drug: &Drug, species: &[pk::Species], has_model: bool) -> Vec<Warning> {
    let mut warnings = Vec::new();
    if species.len() > 1 && has_model {
        warnings.push(Warning {
            code: "active-metabolite",
            step: None,
            message: format!(
                "Modelled occupancy follows {} and its active metabolite together, counted equally; their exact shares of the effect are not published in our sources.",
                drug.name
            ),
        });
    }
    for m in species.iter().filter(|s| s.presystemic_share > 0.0) {
        warnings.push(Warning {
            code: "metabolite-formation",
            step: None,
            message: format!(
                "About {}% of {} is modelled as formed while each dose is absorbed, the rest from {} in the blood: the split that reproduces the peak times in {}'s label.",
                n((100.0 * m.presystemic_share).round()),
                m.name,
                drug.name,
                drug.name
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
    warnings
}

fn events(times_hours: &[f64], mg_per_dose: &[f64], days: u32, pattern: Pattern) -> Vec<DoseEvent> {
    pk::daily_regimen(times_hours, mg_per_dose, days)
        .into_iter()
        .filter(|e| pattern.takes((e.hour / 24.0).floor() as u32))
        .collect()
}

/// The lowest level of what acts (parent and active metabolites) over a steady day of
/// `mg_per_dose` taken at `times_hours`, in % of that day's average: how far levels fall before
/// the next dose. Plans read it at their own dose times (clinical review W6). `None` for no dose.
pub fn steady_trough_percent(
    drug: &Drug,
    absorption: &Absorption,
    times_hours: &[f64],
    mg_per_dose: &[f64],
) -> Option<f64> {
    let daily: f64 = mg_per_dose.iter().sum();
    if daily.is_nan() || daily <= 0.0 || times_hours.len() != mg_per_dose.len() {
        return None;
    }
    let species = pk::species(drug);
    let days = ((pk::hours_to_steady_state(&species) / 24.0).ceil() as u32 + 2).clamp(5, 120);
    let doses = pk::daily_regimen(times_hours, mg_per_dose, days);
    let hours = f64::from(days) * 24.0;
    let curve = pk::simulate_absorbed(&species, &doses, daily, hours, 0.25, absorption.ka_per_hour);
    let day = Swing::of(&active_window(&curve, hours - 24.0, hours))?;
    (day.average > 0.0).then(|| 100.0 * day.trough / day.average)
}

/// What happens to levels if today's last dose is missed, or taken late, after `days` of steady dosing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MissedDose {
    pub on_time_trough: f64,
    pub skipped_trough: f64,
    pub late_trough: f64,
    pub late_hours: f64,
}

pub fn missed_dose(
    drug: &Drug,
    absorption: &Absorption,
    times_hours: &[f64],
    mg_per_dose: &[f64],
    late_hours: f64,
) -> MissedDose {
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
        let c = pk::simulate_absorbed(&species, doses, daily, hours, 0.25, absorption.ka_per_hour);
        Swing::of(&active_window(&c, last_day_start, hours)).map_or(0.0, |s| s.trough)
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
        let usual = absorption(drug, None).0;
        let daily = analyse(drug, &usual, &[8.0], &[50.0], 28, Pattern::Daily, 0.5);
        let alt = analyse(drug, &usual, &[8.0], &[100.0], 28, Pattern::AlternateDay, 0.5);
        assert!(alt.late_swing.fluctuation_percent() > 2.0 * daily.late_swing.fluctuation_percent());
        assert!(alt.warnings.iter().any(|w| w.code == "irregular-dosing"));
        assert!(daily.warnings.iter().all(|w| w.code != "irregular-dosing"));
    }

    #[test]
    fn short_acting_benzodiazepine_once_daily_has_deep_troughs() {
        let c = Catalogue::builtin().unwrap();
        let alprazolam = c.drug("alprazolam").unwrap();
        let once = analyse(alprazolam, &absorption(alprazolam, None).0, &[8.0], &[1.5], 7, Pattern::Daily, 0.25);
        assert!(once.warnings.iter().any(|w| w.code == "interdose-trough" && w.message.contains("diazepam")));
        let diazepam = c.drug("diazepam").unwrap();
        let long = analyse(diazepam, &absorption(diazepam, None).0, &[8.0], &[30.0], 60, Pattern::Daily, 0.5);
        assert!(long.warnings.iter().all(|w| w.code != "interdose-trough"));
    }

    #[test]
    fn venlafaxine_extended_release_swings_less_than_immediate_release() {
        // Review K1/K2: one absorption model for every product made venlafaxine XR swing 258 %
        // with occupancy from the parent alone. The XR capsule peaks 5.5 h after a dose (label),
        // and occupancy follows venlafaxine with its active metabolite O-desmethylvenlafaxine.
        let c = Catalogue::builtin().unwrap();
        let v = c.drug("venlafaxine").unwrap();
        let xr = absorption(v, c.product("venlafaxine-xr-cap-75mg")).0;
        let ir = absorption(v, c.product("venlafaxine-tab-75mg")).0;
        assert_eq!(xr.tmax_hours, Some(5.5));
        let sim = |a: &Absorption| analyse(v, a, &[8.0], &[75.0], 7, Pattern::Daily, 0.25);
        let (x, i) = (sim(&xr), sim(&ir));
        assert!(x.late_swing.fluctuation_percent() < i.late_swing.fluctuation_percent() - 50.0);
        assert!(x.lowest_occupancy.unwrap() > i.lowest_occupancy.unwrap());
        assert!(x.warnings.iter().any(|w| w.code == "active-metabolite"));
        // The capsule is never told to try "a longer-acting form": its modelled fall is overstated.
        assert!(
            x.warnings.iter().filter(|w| w.code == "interdose-trough").all(|w| !w.message.contains("longer-acting"))
        );
        // An extended-release form with no catalogued peak time says its swings are overstated.
        let er = c.product("venlafaxine-er-tab-75mg").unwrap();
        let (_, warning) = absorption(v, Some(er));
        assert!(warning.is_some_and(|w| w.code == "release-unknown"));
        // One with a peak time says its single absorption rate overstates the swing; an
        // immediate-release tablet needs no such note.
        let (_, capsule) = absorption(v, c.product("venlafaxine-xr-cap-75mg"));
        assert!(capsule.is_some_and(|w| w.code == "release-shape" && w.message.contains("likely larger")));
        assert!(absorption(v, c.product("venlafaxine-tab-75mg")).1.is_none());
        // The metabolite's first-pass share is said with the label it comes from.
        let note = x.warnings.iter().find(|w| w.code == "metabolite-formation").expect("said");
        assert!(note.message.contains("O-desmethylvenlafaxine") && note.message.contains("label"), "{}", note.message);
    }

    #[test]
    fn the_swing_shown_is_what_acts_with_the_parent_alone_beside_it() {
        // Clinical review minor 28: "`simulate` for venlafaxine XR still shows a large swing
        // (peak 169 %, trough 27 %)" — the parent alone, while occupancy and the trough warning
        // already followed venlafaxine with O-desmethylvenlafaxine. The headline swing is now
        // theirs together (the metabolite is formed from the parent and cleared more slowly).
        let c = Catalogue::builtin().unwrap();
        let v = c.drug("venlafaxine").unwrap();
        let xr = absorption(v, c.product("venlafaxine-xr-cap-75mg")).0;
        let x = analyse(v, &xr, &[8.0], &[75.0], 28, Pattern::Daily, 0.25);
        let parent = x.parent_swing.expect("venlafaxine has an active metabolite");
        assert!(parent.trough < 35.0 && parent.peak > 150.0, "the review's parent swing: {parent:?}");
        assert!(x.late_swing.trough > parent.trough + 15.0, "{:?} vs {parent:?}", x.late_swing);
        assert!(x.late_swing.peak < parent.peak - 15.0, "{:?} vs {parent:?}", x.late_swing);
        // A drug without an active metabolite shows one swing, its own.
        let s = c.drug("sertraline").unwrap();
        let one = analyse(s, &absorption(s, None).0, &[8.0], &[50.0], 28, Pattern::Daily, 0.5);
        assert!(one.parent_swing.is_none());
    }

    #[test]
    fn a_skipped_dose_falls_lower_than_a_late_one() {
        let c = Catalogue::builtin().unwrap();
        let paroxetine = c.drug("paroxetine").unwrap();
        let m = missed_dose(paroxetine, &absorption(paroxetine, None).0, &[8.0], &[20.0], 6.0);
        assert!(m.skipped_trough < m.late_trough && m.late_trough <= m.on_time_trough + 1e-9, "{m:?}");
    }

    #[test]
    fn hours_late_outside_half_an_hour_to_a_day_are_refused_naming_the_field() {
        assert_eq!(check_late_hours("missed", 0.5), Ok(0.5));
        assert_eq!(check_late_hours("missed", 24.0), Ok(24.0));
        for bad in [0.0, 0.49, 24.5, f64::NAN, f64::INFINITY] {
            let e = check_late_hours("missed", bad).unwrap_err();
            assert_eq!(e.field, "missed");
            assert!(e.message.contains("0.5 to 24"), "{}", e.message);
        }
        assert!(step_hours_for(120) < step_hours_for(121));
    }
}
