//! FHIR R4 (4.0.1) for a taper, for a prescriber's or a pharmacy's system (issue 22).
//!
//! Each plan is one `MedicationRequest` (intent `plan`) whose `dosageInstruction` holds one entry
//! per dose, in order (`sequence`), each bounded to the days it lasts (`timing.repeat.
//! boundsPeriod`) with its milligrams (UCUM `mg`) and how to prepare it (`patientInstruction`).
//! A day taken in parts is one entry per dose time, sharing the sequence number: FHIR reads
//! instructions with one sequence as taken together. The stop is not a dose: the last dose's
//! period ends the day before it, and a note says the plan stops then. Questionnaire totals are
//! `Observation`s with their LOINC codes, PHQ-9 item 9 its own. A `Provenance` says what made
//! the bundle and that it is decision support.
//!
//! Written as JSON values here rather than with a crate: the resources needed are few, and the
//! tests validate the result against independent R4 models (PyPI `fhir.resources` 6.1, FHIR
//! 4.0.1).

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::{Value, json};
use taper_core::Plan;
use taper_core::measures::Instrument;

/// UCUM, the unit system FHIR quantities name for milligrams.
const UCUM: &str = "http://unitsofmeasure.org";
const LOINC: &str = "http://loinc.org";

/// Who the bundle is about: a minimal `Patient` (no name, no identifier), referred to by a
/// `urn:uuid:` so the bundle can travel without an account.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// A stable id of the person; the `Patient` is named by a hash of it, never by it.
    pub id: &'a str,
}

/// One plan as its doses over time.
#[derive(Debug, Clone, PartialEq)]
pub struct MedicationPlan {
    /// Stable for the plan, so a receiving system sees the same plan again.
    pub key: String,
    pub drug_name: String,
    pub dosings: Vec<Dosing>,
    /// Where the plan stops, the day it does.
    pub stops_on: Option<Date>,
    /// Said with the plan: that it is decision support, where it holds or ends early, and why.
    pub notes: Vec<String>,
}

/// A dose kept from `start` to `end` (inclusive; open where the plan keeps it).
#[derive(Debug, Clone, PartialEq)]
pub struct Dosing {
    pub start: Date,
    pub end: Option<Date>,
    /// "Step 3", as the plan's table names it.
    pub label: String,
    pub dose_mg: f64,
    pub instruction: String,
    /// Where the day is taken in parts: each time ("08:00"), its milligrams and instruction.
    pub times: Vec<(String, f64, String)>,
    /// Where a product in the dose counts its milligrams differently (citalopram drops, Lyrica
    /// CR), what the plan's milligrams count against ("tablets"): the dose is then sent in
    /// words only, never as a `doseQuantity` a pharmacy could dispense as the product's own mg.
    pub counted_against: Option<&'static str>,
    /// With `counted_against`, where the whole dose is of that one product: its own milligrams
    /// and what it is ("the liquid"), said first so nobody dispenses the plan's milligrams of it.
    pub taken: Option<(f64, String)>,
}

/// A questionnaire's total on its day, and PHQ-9's item 9 where answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub key: String,
    pub instrument: Instrument,
    pub date: Date,
    pub total: u32,
    pub item9: Option<u8>,
}

/// A plan made on the command line, from `first_day`: every step with a dose, to the day before
/// the next.
pub fn plan_of(plan: &Plan, first_day: Date, catalogue: &taper_core::Catalogue) -> MedicationPlan {
    let on = |day: u32| first_day.checked_add(jiff::Span::new().days(i64::from(day))).ok();
    let mut dosings = Vec::new();
    for (i, step) in plan.steps.iter().enumerate() {
        if step.dose_mg.is_zero() || step.preparation.items.is_empty() {
            continue;
        }
        let Some(start) = on(step.day) else { break };
        let end = plan.steps.get(i + 1).and_then(|next| on(next.day)).and_then(|d| d.yesterday().ok());
        let times = (step.preparation.parts.iter())
            .map(|(t, part)| (t.to_string(), part.dose_mg, part.instruction()))
            .collect();
        dosings.push(Dosing {
            start,
            end,
            label: format!("Step {}", step.index),
            dose_mg: step.dose_mg.get(),
            instruction: step.preparation.instruction(),
            times,
            counted_against: counted_against(step.preparation.ids(), catalogue),
            taken: taken_as(&step.preparation, catalogue),
        });
    }
    let stops_on = plan.steps.iter().skip(1).find(|s| s.dose_mg.is_zero()).and_then(|s| on(s.day));
    let mut notes = vec![crate::DISCLAIMER.to_string()];
    if let taper_core::schedule::PlanStatus::Incomplete { reason, .. } = &plan.status {
        notes.push(format!("The plan holds at its last dose: {reason}."));
    }
    MedicationPlan {
        key: format!("plan:{}:{first_day}", plan.drug_id),
        drug_name: plan.drug_name.clone(),
        dosings,
        stops_on,
        notes,
    }
}

/// What the milligrams of a dose made of the products `ids` count against, where one of them
/// counts differently (see `Dosing::counted_against`).
pub fn counted_against<'a>(
    mut ids: impl Iterator<Item = &'a str>,
    catalogue: &taper_core::Catalogue,
) -> Option<&'static str> {
    ids.find_map(|id| catalogue.product(id).filter(|p| p.exposure_differs()).map(|p| p.counted_against()))
}

/// Where the whole of `prep` is of products counted differently, their own milligrams (core's
/// `Preparation::as_taken_mg`) and what they are.
fn taken_as(prep: &taper_core::formulation::Preparation, catalogue: &taper_core::Catalogue) -> Option<(f64, String)> {
    let mg = prep.as_taken_mg(|id| catalogue.product(id).map_or(1.0, |p| p.relative_exposure))?;
    let product = prep.ids().find_map(|id| catalogue.product(id).filter(|p| p.exposure_differs()))?;
    Some((mg, product.describe()))
}

/// A FHIR R4 `Bundle` of type `collection`: the `Patient`, each plan's `MedicationRequest`, each
/// score's `Observation`s and a `Provenance`, stamped `now`.
pub fn bundle(subject: Subject, plans: &[MedicationPlan], scores: &[Score], now: Timestamp) -> Value {
    let now = instant(now);
    // Not the account's own id (a walk: a time-ordered id told when the account was made).
    let patient = format!("urn:uuid:{}", derived_uuid(subject.id, "patient"));
    let mut entries = vec![json!({ "fullUrl": patient, "resource": { "resourceType": "Patient" } })];
    let mut made = Vec::new();
    for plan in plans {
        let url = format!("urn:uuid:{}", derived_uuid(subject.id, &plan.key));
        entries.push(json!({ "fullUrl": url, "resource": medication_request(plan, &patient, &now) }));
        made.push(json!({ "reference": url }));
    }
    for score in scores {
        for (code, value, what) in observed(score) {
            let url = format!("urn:uuid:{}", derived_uuid(subject.id, &format!("{}:{code}", score.key)));
            entries.push(json!({ "fullUrl": url, "resource": observation(score, code, value, &what, &patient) }));
            made.push(json!({ "reference": url }));
        }
    }
    if !made.is_empty() {
        let url = format!("urn:uuid:{}", derived_uuid(subject.id, &format!("provenance:{now}")));
        entries.push(json!({ "fullUrl": url, "resource": {
            "resourceType": "Provenance",
            "target": made,
            "recorded": now,
            "agent": [{
                "type": { "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                    "code": "assembler"
                }]},
                "who": { "display": format!("Taper {} (decision support, not a prescription)", env!("CARGO_PKG_VERSION")) }
            }]
        }}));
    }
    json!({ "resourceType": "Bundle", "type": "collection", "timestamp": now, "entry": entries })
}

/// The plan as a `MedicationRequest` for `patient` (a reference).
fn medication_request(plan: &MedicationPlan, patient: &str, now: &str) -> Value {
    let mut notes: Vec<Value> = plan.notes.iter().map(|n| json!({ "text": n })).collect();
    if let Some(stop) = plan.stops_on {
        notes.push(json!({ "text": format!("The plan stops {} on {stop}: no dose from that day.", plan.drug_name) }));
    }
    let mut dosages = Vec::new();
    for (sequence, d) in (1..).zip(&plan.dosings) {
        let text = match (&d.taken, d.counted_against) {
            (Some((mg, what)), Some(a)) => format!(
                "{} from {}: {} mg of the {what} a day (the plan counts it as {} mg of {a}).",
                d.label,
                d.start,
                n(*mg),
                n(d.dose_mg)
            ),
            (None, Some(a)) => format!(
                "{} from {}: as prepared below (the plan counts the day as {} mg of {a}; some of it is a product counted differently).",
                d.label,
                d.start,
                n(d.dose_mg)
            ),
            _ => format!("{} from {}: {} mg a day.", d.label, d.start, n(d.dose_mg)),
        };
        if d.times.is_empty() {
            dosages.push(dosage(sequence, &text, d, None, d.dose_mg, &d.instruction));
        }
        for (time, mg, how) in &d.times {
            let text = format!("{text} At {time}: {} mg.", n(*mg));
            dosages.push(dosage(sequence, &text, d, Some(time), *mg, how));
        }
    }
    json!({
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "plan",
        "medicationCodeableConcept": { "text": plan.drug_name },
        "subject": { "reference": patient },
        "authoredOn": now,
        "note": notes,
        "dosageInstruction": dosages,
    })
}

/// One dosage: `mg` once a day (at `time` where given) over `d`'s days.
fn dosage(sequence: usize, text: &str, d: &Dosing, time: Option<&str>, mg: f64, how: &str) -> Value {
    let mut bounds = json!({ "start": d.start.to_string() });
    if let Some(end) = d.end {
        bounds["end"] = json!(end.to_string());
    }
    let mut repeat = json!({ "boundsPeriod": bounds, "frequency": 1, "period": 1, "periodUnit": "d" });
    if let Some(t) = time {
        repeat["timeOfDay"] = json!([format!("{t}:00")]);
    }
    let mut out = json!({
        "sequence": sequence,
        "text": text,
        "patientInstruction": how,
        "timing": { "repeat": repeat },
        "route": { "coding": [{ "system": "http://snomed.info/sct", "code": "26643006", "display": "Oral route" }] },
    });
    if d.counted_against.is_none() {
        out["doseAndRate"] =
            json!([{ "doseQuantity": { "value": decimal(mg), "unit": "mg", "system": UCUM, "code": "mg" } }]);
    }
    out
}

/// What a score is sent as: its total, and PHQ-9 item 9 on its own where answered.
fn observed(score: &Score) -> Vec<(&'static str, u32, String)> {
    let name = score.instrument.name();
    let mut out = vec![(score.instrument.loinc_total(), score.total, format!("{name} total score"))];
    if let (Instrument::Phq9, Some(v)) = (score.instrument, score.item9) {
        out.push((Instrument::PHQ9_ITEM9_LOINC, u32::from(v), "PHQ-9 item 9".to_string()));
    }
    out
}

fn observation(score: &Score, code: &str, value: u32, what: &str, patient: &str) -> Value {
    json!({
        "resourceType": "Observation",
        "status": "final",
        "category": [{ "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "survey"
        }]}],
        "code": { "coding": [{ "system": LOINC, "code": code }], "text": what },
        "subject": { "reference": patient },
        "effectiveDateTime": score.date.to_string(),
        "valueInteger": value
    })
}

/// An instant as FHIR writes it, to the second.
fn instant(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn n(mg: f64) -> String {
    taper_core::units::trim_number(mg)
}

/// An amount as a JSON number, to the microgram (a decimal, never 0.30000000000000004).
fn decimal(mg: f64) -> Value {
    let rounded = (mg * 1000.0).round() / 1000.0;
    serde_json::Number::from_f64(rounded).map_or(Value::Null, Value::Number)
}

/// A UUID-shaped name for `what` of `subject`, the same on every export, so a receiving system
/// sees the same plan again rather than a new one. Not a secret and not random: a stable hash
/// (FNV-1a, 128 bits) laid out as a version-8 UUID (RFC 9562, custom).
fn derived_uuid(subject: &str, what: &str) -> String {
    let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for b in subject.bytes().chain([0u8]).chain(what.bytes()) {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
    }
    let mut bytes = h.to_be_bytes();
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_derived_uuid_is_stable_distinct_and_shaped_as_a_uuid() {
        let a = derived_uuid("s", "plan:citalopram");
        assert_eq!(a, derived_uuid("s", "plan:citalopram"));
        assert_ne!(a, derived_uuid("s", "plan:sertraline"));
        assert_ne!(a, derived_uuid("t", "plan:citalopram"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "8", "version 8");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "RFC variant: {a}");
    }

    #[test]
    fn amounts_are_decimal_numbers_to_the_microgram() {
        assert_eq!(decimal(0.1 + 0.2), json!(0.3));
        assert_eq!(decimal(12.5), json!(12.5));
    }

    #[test]
    fn item_9_travels_as_its_own_observation_and_gad_7_as_its_total() {
        let phq = Score {
            key: "q1".into(),
            instrument: Instrument::Phq9,
            date: jiff::civil::date(2027, 1, 4),
            total: 14,
            item9: Some(1),
        };
        let codes: Vec<&str> = observed(&phq).iter().map(|o| o.0).collect();
        assert_eq!(codes, ["44261-6", "44260-8"]);
        let gad = Score { instrument: Instrument::Gad7, item9: None, ..phq };
        assert_eq!(observed(&gad).iter().map(|o| o.0).collect::<Vec<_>>(), ["70274-6"]);
    }
}
