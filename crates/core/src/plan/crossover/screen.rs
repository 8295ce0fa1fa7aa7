//! The pre-switch screen (clinical review D2, §11): what a prescriber checks before moving
//! someone from one benzodiazepine to another, and what each answer changes. Every rule cites
//! its source in `data/sources.toml`; the planner only asks.
//!
//! - pregnancy or sleep apnoea: no switch is proposed (a direct taper, planned with the
//!   specialist, changes less);
//! - liver disease: no switch to a long-acting drug (the diazepam label contraindicates severe
//!   hepatic insufficiency; its active metabolite accumulates);
//! - 65 or over: a switch to a long-acting drug only with a recorded reason (AGS Beers 2023);
//! - COPD, an opioid or a gabapentinoid: the switch uses whichever equivalence table gives the
//!   smaller dose (FDA boxed warning; FDA 2019 on gabapentinoids).

use crate::catalogue::{Drug, EquivalenceScheme};
use crate::error::PlanError;
use crate::schedule::Warning;
use crate::units::trim_number as n;

use super::{CrossoverRequest, Risk};

/// A drug whose longest active half-life (parent or metabolite) is above this many hours is
/// long-acting in Ashton's table sense (diazepam, chlordiazepoxide, clonazepam), and
/// accumulates where metabolism is slow.
pub const LONG_ACTING_HOURS: f64 = 24.0;

/// What the screen leaves of the request: the table to use and what to say about it.
pub struct Decision {
    pub scheme: EquivalenceScheme,
    pub notes: Vec<Warning>,
}

pub fn long_acting(drug: &Drug) -> bool {
    drug.half_life.longest_active_hours() > LONG_ACTING_HOURS
}

/// Reads the screen against the two drugs; `today_mg` is today's daily total of the drug being
/// replaced.
pub fn decide(from: &Drug, to: &Drug, req: &CrossoverRequest, today_mg: f64) -> Result<Decision, PlanError> {
    refuse_outright(from, to, req)?;
    let mut notes = Vec::new();
    older_adult(to, req, &mut notes)?;
    let scheme = breathing(from, to, req, today_mg, &mut notes);
    if req.screen.is_clear() {
        notes.push(note(
            "screen",
            "Pre-switch screen: none of age 65 or over, liver disease, COPD, sleep apnoea, opioids, gabapentinoids or pregnancy applies, as answered.".into(),
        ));
    }
    Ok(Decision { scheme, notes })
}

fn refuse_outright(from: &Drug, to: &Drug, req: &CrossoverRequest) -> Result<(), PlanError> {
    let direct =
        format!("a direct, slow taper of {} (a plan for {} itself) changes less", from.name.to_lowercase(), from.name);
    if req.screen.has(Risk::Pregnancy) {
        return Err(PlanError::refused(
            "screen",
            format!(
                "Taper does not propose a switch in pregnancy: it changes the drug the baby is exposed to, and benzodiazepine labels warn of neonatal sedation and withdrawal after use late in pregnancy (Valium US label, 2024). Plan it with the obstetric and prescribing team; {direct}."
            ),
        ));
    }
    if req.screen.has(Risk::SleepApnoea) {
        return Err(PlanError::refused(
            "screen",
            format!(
                "Taper does not propose a switch with sleep apnoea: the diazepam label contraindicates it (Valium US label, 2024), and a switch can raise the load for a while. Discuss with the prescriber; {direct}."
            ),
        ));
    }
    if req.screen.has(Risk::Liver) && long_acting(to) {
        return Err(PlanError::refused(
            "screen",
            format!(
                "With liver disease Taper does not propose a switch to {}: it is long-acting ({} h), and the diazepam label contraindicates severe hepatic insufficiency (Valium US label, 2024). Oxazepam or lorazepam are cleared without active metabolites; a switch to oxazepam instead, or {direct}.",
                to.name,
                n(to.half_life.longest_active_hours().round())
            ),
        ));
    }
    Ok(())
}

fn older_adult(to: &Drug, req: &CrossoverRequest, notes: &mut Vec<Warning>) -> Result<(), PlanError> {
    if !(req.screen.has(Risk::Age65) && long_acting(to)) {
        return Ok(());
    }
    match &req.reason {
        None => Err(PlanError::refused(
            "reason",
            format!(
                "At 65 or over a switch to long-acting {} is proposed only with the prescriber's recorded reason: older adults are more sensitive to benzodiazepines and clear long-acting ones slowly (AGS Beers Criteria 2023). A direct, slow taper of the current drug avoids the switch; or record the prescriber's reason.",
                to.name
            ),
        )),
        Some(r) => {
            notes.push(note("screen", format!("Age 65 or over: long-acting {} accumulates (AGS Beers Criteria 2023); switch planned for the recorded reason \u{201c}{r}\u{201d}. Watch for drowsiness, unsteadiness and falls.", to.name)));
            Ok(())
        }
    }
}

/// With COPD, an opioid or a gabapentinoid, the table that gives the smaller dose.
fn breathing(
    from: &Drug,
    to: &Drug,
    req: &CrossoverRequest,
    today_mg: f64,
    notes: &mut Vec<Warning>,
) -> EquivalenceScheme {
    let why: Vec<&str> = [Risk::Copd, Risk::Opioid, Risk::Gabapentinoid]
        .into_iter()
        .filter(|r| req.screen.has(*r))
        .map(Risk::label)
        .collect();
    if why.is_empty() {
        return req.scheme;
    }
    let other = req.scheme.other();
    let new_mg = |s| from.to_diazepam_mg(today_mg, s).and_then(|d| to.from_diazepam_mg(d, s));
    let (asked, alt) = (new_mg(req.scheme), new_mg(other));
    let scheme = match (asked, alt) {
        (Some(a), Some(b)) if b < a - 1e-9 => other,
        _ => req.scheme,
    };
    notes.push(note(
        "screen",
        format!(
            "Breathing risk ({}): benzodiazepines with opioids or gabapentinoids, or with lung disease, can depress breathing (FDA boxed warning in the Valium US label; FDA 2019 on gabapentin and pregabalin). The switch uses the {} table, which gives the smaller dose{}; start low and watch for drowsiness and slow breathing.",
            why.join(", "),
            scheme.label(),
            if scheme == req.scheme { "" } else { " (instead of the one asked for)" }
        ),
    ));
    scheme
}

fn note(code: &'static str, message: String) -> Warning {
    Warning { code, step: None, message }
}
