//! FHIR R4 (4.0.1) for a taper, for a prescriber's or a pharmacy's system (issue 22).
//!
//! A plan is one `MedicationRequest` (intent `plan`) whose `dosageInstruction` holds one entry per
//! step, in order (`sequence`), each bounded to the days the step lasts (`timing.repeat.
//! boundsPeriod`) with its dose in milligrams (UCUM `mg`) and how to prepare it
//! (`patientInstruction`). A day taken in parts is one entry per dose time, sharing the step's
//! sequence number: FHIR reads instructions with one sequence as taken together. The stop is not
//! a dose: the last step's period ends the day before it, and a note says the plan stops then.
//! A `Provenance` says what made it and that it is decision support.
//!
//! Written as JSON values here rather than with a crate: the resources needed are few, and the
//! tests validate the result against independent R4 models (PyPI `fhir.resources` 6.1, FHIR
//! 4.0.1).

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::{Value, json};
use taper_core::Plan;
use taper_core::formulation::Preparation;
use taper_core::schedule::Step;

/// UCUM, the unit system FHIR quantities name for milligrams.
const UCUM: &str = "http://unitsofmeasure.org";

/// Who the bundle is about: a minimal `Patient` (no name, no identifier), referred to by a
/// `urn:uuid:` so the bundle can travel without an account.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// A UUID, as text: the `Patient` and every reference to it use `urn:uuid:{id}`.
    pub id: &'a str,
}

/// The plan as a FHIR R4 `Bundle` of type `collection`: the `Patient`, the `MedicationRequest`
/// and its `Provenance`, stamped `now`. Step days count from `first_day`.
pub fn plan_bundle(plan: &Plan, first_day: Date, subject: Subject, now: Timestamp) -> Value {
    let patient = format!("urn:uuid:{}", subject.id);
    let request = format!("urn:uuid:{}", derived_uuid(subject.id, &format!("plan:{}:{first_day}", plan.drug_id)));
    let provenance =
        format!("urn:uuid:{}", derived_uuid(subject.id, &format!("provenance:{}:{first_day}", plan.drug_id)));
    let now = instant(now);
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": now,
        "entry": [
            { "fullUrl": patient, "resource": { "resourceType": "Patient" } },
            { "fullUrl": request, "resource": medication_request(plan, first_day, &patient, &now) },
            { "fullUrl": provenance, "resource": {
                "resourceType": "Provenance",
                "target": [{ "reference": request }],
                "recorded": now,
                "agent": [{
                    "type": { "coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                        "code": "assembler",
                        "display": "Assembler"
                    }]},
                    "who": { "display": format!("Taper {} (decision support)", env!("CARGO_PKG_VERSION")) }
                }]
            }}
        ]
    })
}

/// The plan as a `MedicationRequest` for `patient` (a reference).
fn medication_request(plan: &Plan, first_day: Date, patient: &str, now: &str) -> Value {
    let mut notes = vec![json!({ "text": crate::DISCLAIMER })];
    if let Some(stop) = stop_date(plan, first_day) {
        notes.push(json!({ "text": format!("The plan stops {} on {stop}: no dose from that day.", plan.drug_name) }));
    }
    if !plan.is_complete() {
        notes.push(json!({ "text": "The plan ends before its last dose; see the plan for why and what to ask." }));
    }
    json!({
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "plan",
        "medicationCodeableConcept": { "text": plan.drug_name },
        "subject": { "reference": patient },
        "authoredOn": now,
        "note": notes,
        "dosageInstruction": dosage_instructions(plan, first_day),
    })
}

/// Every step's dosage, in order; a stop (no dose) has none.
fn dosage_instructions(plan: &Plan, first_day: Date) -> Vec<Value> {
    let mut out = Vec::new();
    for (i, step) in plan.steps.iter().enumerate() {
        if step.dose_mg.get() <= 0.0 || step.preparation.items.is_empty() {
            continue;
        }
        let Some(start) = on(first_day, step.day) else { break };
        // The day before the next step; the last step runs on.
        let end = plan.steps.get(i + 1).and_then(|next| on(first_day, next.day)).and_then(|d| d.yesterday().ok());
        let sequence = i + 1;
        let text = format!("Step {} from {start}: {} mg a day.", step.index, n(step.dose_mg.get()));
        if step.preparation.parts.is_empty() {
            out.push(dosage(sequence, &text, start, end, None, &step.preparation));
        } else {
            for (time, part) in &step.preparation.parts {
                let text = format!("{text} At {time}: {} mg.", n(part.dose_mg));
                out.push(dosage(sequence, &text, start, end, Some(&time.to_string()), part));
            }
        }
    }
    out
}

/// One dosage: `prep` once a day (at `time` where given) from `start` to `end`.
fn dosage(
    sequence: usize,
    text: &str,
    start: Date,
    end: Option<Date>,
    time: Option<&str>,
    prep: &Preparation,
) -> Value {
    let mut bounds = json!({ "start": start.to_string() });
    if let Some(end) = end {
        bounds["end"] = json!(end.to_string());
    }
    let mut repeat = json!({ "boundsPeriod": bounds, "frequency": 1, "period": 1, "periodUnit": "d" });
    if let Some(t) = time {
        repeat["timeOfDay"] = json!([format!("{t}:00")]);
    }
    json!({
        "sequence": sequence,
        "text": text,
        "patientInstruction": prep.instruction(),
        "timing": { "repeat": repeat },
        "route": { "coding": [{ "system": "http://snomed.info/sct", "code": "26643006", "display": "Oral route" }] },
        "doseAndRate": [{ "doseQuantity": { "value": dose_value(prep.dose_mg), "unit": "mg", "system": UCUM, "code": "mg" } }]
    })
}

/// The date of the stop step, where the plan stops.
fn stop_date(plan: &Plan, first_day: Date) -> Option<Date> {
    plan.steps.iter().find(|s: &&Step| s.index > 0 && s.dose_mg.get() <= 0.0).and_then(|s| on(first_day, s.day))
}

/// An instant as FHIR writes it, to the second.
fn instant(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn on(first_day: Date, day: u32) -> Option<Date> {
    first_day.checked_add(jiff::Span::new().days(i64::from(day))).ok()
}

fn n(mg: f64) -> String {
    taper_core::units::trim_number(mg)
}

/// A dose as a JSON number, to the microgram (a decimal, never 0.30000000000000004).
fn dose_value(mg: f64) -> Value {
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
    fn doses_are_decimal_numbers_to_the_microgram() {
        assert_eq!(dose_value(0.1 + 0.2), json!(0.3));
        assert_eq!(dose_value(12.5), json!(12.5));
    }
}
