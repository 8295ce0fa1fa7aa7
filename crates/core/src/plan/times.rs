//! Doses at their times (clinical review W6): how many parts the day's dose is taken in, at
//! which times, and whether levels fall low between doses at those times.

use crate::catalogue::Drug;
use crate::error::InputError;
use crate::exposure::{self, INTERDOSE_TROUGH_PERCENT};
use crate::formulation::{Kit, Preparation};
use crate::plan::types::PlanRequest;
use crate::plan::types::{Step, Warning};
use crate::units::{DoseTimes, trim_number as n};

/// How many doses a day the label gives the products of `prep`: one when any of them is
/// modified-release (it carries the day), else the largest division among them (venlafaxine
/// immediate release: two; alprazolam: three), one where none says.
pub(crate) fn labelled_doses(prep: &Preparation, kit: &Kit) -> u8 {
    let mut doses = 1;
    for item in &prep.items {
        let Some(stock) = kit.stocks.iter().find(|s| s.product.id == item.product_id) else { continue };
        if stock.product.is_modified_release() {
            return 1;
        }
        doses = doses.max(stock.product.daily_doses.unwrap_or(1));
    }
    doses
}

/// The most doses a day any preparation from `kit` is taken in: the times given, else the
/// largest labelled division among its immediate-release products.
pub(crate) fn most_doses(given: Option<&DoseTimes>, kit: &Kit) -> u32 {
    given.map_or_else(
        || {
            kit.stocks
                .iter()
                .filter(|s| !s.product.is_modified_release())
                .filter_map(|s| s.product.daily_doses)
                .map(u32::from)
                .max()
                .unwrap_or(1)
        },
        |t| u32::try_from(t.len()).unwrap_or(1),
    )
}

/// The times a day's dose prepared as `prep` is taken at: those the person gave, else the
/// label's division at Taper's usual times.
pub(crate) fn wanted(given: Option<&DoseTimes>, prep: &Preparation, kit: &Kit) -> DoseTimes {
    given.cloned().unwrap_or_else(|| DoseTimes::usual(labelled_doses(prep, kit)))
}

/// The person's split of the day as shares, checked: one amount per time given, adding up to the
/// dose taken now.
pub(crate) fn shares(req: &PlanRequest) -> Result<Option<Vec<f64>>, InputError> {
    let Some(amounts) = &req.amounts else { return Ok(None) };
    let shown = || amounts.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    let Some(times) = req.times.as_ref().filter(|t| t.len() == amounts.len()) else {
        return Err(InputError::new(
            "amounts",
            shown(),
            "give one amount for each dose time, in the same order as the times",
        ));
    };
    let total: f64 = amounts.iter().map(|a| a.get()).sum();
    let start = req.start.get();
    if amounts.iter().any(|a| a.is_zero()) || (total - start).abs() > start * 1e-6 {
        return Err(InputError::new(
            "amounts",
            shown(),
            format!(
                "the amounts at {} add up to {} mg; they must add up to the daily dose, {} mg, each more than 0",
                times.words(),
                n(total),
                n(start)
            ),
        ));
    }
    Ok(Some(amounts.iter().map(|a| a.get() / start).collect()))
}

/// "taken once a day" or "taken at 08:00 and 20:00".
pub fn taken(times: &DoseTimes) -> String {
    if times.len() < 2 { "taken once a day".to_string() } else { format!("taken at {}", times.words()) }
}

/// The times a step's dose is taken at, as its parts say (once a day where it has none).
fn step_times(step: &Step) -> (Vec<f64>, Vec<f64>) {
    if step.preparation.parts.is_empty() {
        (vec![8.0], vec![step.dose_mg.get()])
    } else {
        step.preparation.parts.iter().map(|(t, p)| (t.hours(), p.dose_mg)).unzip()
    }
}

/// Where a dose is above the label's largest single dose (diazepam: 2–10 mg two to four times a
/// day), the first step where it is, said once: taken at one time with no times given (how the
/// day is split is the prescriber's, not guessed), or a part at a time given. A re-run found
/// `plan` showing 40 mg of diazepam as "4 × 10 mg tablet" with no word, where `crossover`
/// refuses any single dose above 10 mg.
pub(crate) fn single_dose_warning(drug: &Drug, given: Option<&DoseTimes>, steps: &[Step]) -> Option<Warning> {
    let single = drug.single_dose.as_ref()?;
    let above = |mg: f64| mg > single.max_mg + 1e-9;
    let first = steps.iter().find(|s| {
        let parts = &s.preparation.parts;
        if parts.is_empty() { above(s.dose_mg.get()) } else { parts.iter().any(|(_, p)| above(p.dose_mg)) }
    })?;
    let how = if given.is_some() {
        "a dose at one of the times given is above it".to_string()
    } else {
        format!(
            "with no times given, the day's {} mg is shown as one amount; give the times it is taken at to see each dose",
            n(first.dose_mg.get())
        )
    };
    Some(Warning {
        code: "single-dose",
        step: Some(first.index),
        message: format!(
            "From step {}, {how}. {}'s label gives at most {} mg in one dose, up to {} doses a day: ask the prescriber how to divide the day.",
            first.index,
            drug.name,
            n(single.max_mg),
            single.doses_a_day
        ),
    })
}

/// Where levels of what acts fall below `INTERDOSE_TROUGH_PERCENT` of their average before the
/// next dose, at the plan's own times: read at the first step and wherever the number of doses
/// a day changes (clinical review W6: an alprazolam plan taken once a day had no warning, though
/// `simulate` showed a 36 % trough).
pub(crate) fn trough_warnings(drug: &Drug, kit: &Kit, given: Option<&DoseTimes>, steps: &[Step]) -> Vec<Warning> {
    let mut out = Vec::new();
    // The dose taken now, left whole because no times were given and it does not split evenly
    // at the label's: how it is taken is not known, so no trough is read into it (a check found
    // "As taken now, taken once a day, … levels fall to about 36 %", an assumption never made).
    let unknown_now = given.is_none() && steps.iter().any(|s| !s.preparation.parts.is_empty());
    if drug.bedtime.is_some() {
        // A hypnotic taken at bedtime is meant to be gone by morning: low levels by day are
        // its purpose, not withdrawal between doses.
        return out;
    }
    let mut doses_before = None;
    for step in steps.iter().filter(|s| !s.dose_mg.is_zero() && !s.preparation.items.is_empty()) {
        if unknown_now && step.index == 0 && step.preparation.parts.is_empty() {
            continue;
        }
        let (hours, mgs) = step_times(step);
        let products: Vec<&crate::catalogue::Product> = (step.preparation.items.iter())
            .filter_map(|i| kit.stocks.iter().find(|s| s.product.id == i.product_id))
            .map(|s| &s.product)
            .collect();
        let modified = products.iter().any(|p| p.is_modified_release());
        // Read again where the doses a day or the release form change.
        if doses_before == Some((hours.len(), modified)) {
            continue;
        }
        doses_before = Some((hours.len(), modified));
        // An extended-release form is modelled with one absorption rate, which overstates its
        // swing (clinical review minor 28), and without a labelled peak time as if released at
        // once: a walk was told to ask for "a longer-acting form" while taking one. No warning
        // is better than a wrong one here.
        if modified {
            continue;
        }
        let (absorption, _) = exposure::absorption(drug, products.first().copied());
        let Some(trough) = exposure::steady_trough_percent(drug, &absorption, &hours, &mgs) else { continue };
        if trough >= INTERDOSE_TROUGH_PERCENT {
            continue;
        }
        let when = if step.index == 0 { "As taken now".to_string() } else { format!("From step {}", step.index) };
        let how = DoseTimes::new(step.preparation.parts.iter().map(|(t, _)| *t).collect())
            .map_or_else(|_| "taken once a day".to_string(), |t| taken(&t));
        let has_modified = kit.stocks.iter().any(|s| s.product.is_modified_release());
        let suggestion = if drug.class.is_benzodiazepine() {
            "more, smaller doses spread over the day, or a step-by-step switch to a long-acting benzodiazepine such as diazepam (ASAM 2025)"
        } else if has_modified {
            // The extended release the person has cannot make this step, or the plan would use
            // it (a walk was told to ask for the form it had just left).
            "more doses spread over the day (the extended-release products listed cannot make this dose)"
        } else {
            "more doses spread over the day, or a longer-acting form"
        };
        out.push(Warning {
            code: "interdose-trough",
            step: Some(step.index),
            message: format!(
                "{when}, {how}, {} levels (with any active metabolite) fall to about {}% of their average before the next dose (modelled; half-life about {} hours). Symptoms before a dose is due can be withdrawal between doses: ask the prescriber about {suggestion}.",
                drug.name,
                n(trough.round()),
                n(drug.half_life.parent.representative_hours().round()),
            ),
        });
    }
    out
}
