//! FHIR R4 (4.0.1) for a taper, for a prescriber's or a pharmacy's system (issue 22).
//!
//! Each plan is one `MedicationRequest` (intent `plan`) whose `dosageInstruction` holds one entry
//! per dose, in order (`sequence`), each bounded to the days it lasts (`timing.repeat.
//! boundsPeriod`) with its milligrams (UCUM `mg`) and how to prepare it (`patientInstruction`).
//! A day taken in parts is one entry per dose time, sharing the sequence number: FHIR reads
//! instructions with one sequence as taken together. The stop is not a dose: the last dose's
//! period ends the day before it, and a note says the plan stops then. The person's history is
//! a `MedicationStatement` per course, and a `Composition` shaped as an International Patient
//! Summary's medication section lists the medicines. Each questionnaire is a
//! `QuestionnaireResponse` (LOINC item and answer codes) from which its total is derived, an
//! `Observation` with its LOINC code, PHQ-9 item 9 its own. Each day's check-in is its burden
//! from Taper's own checklist, wellbeing and hours slept, `Observation`s that say what they are. A `Provenance` says what
//! made the bundle and that it is decision support.
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
    /// When the plan's current revision was made; `None`: made now (on the command line).
    pub authored: Option<Timestamp>,
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
    /// Each item's answer, 0–3, in order: sent as a `QuestionnaireResponse` the totals are
    /// derived from (empty: none is sent).
    pub answers: Vec<u8>,
}

/// A day's check-in: the symptom burden from Taper's own checklist (0 to
/// `symptoms::MAX_BURDEN`; not a validated scale, and said so), wellbeing (0–10) and hours slept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckIn {
    pub date: Date,
    pub burden: Option<f64>,
    pub wellbeing: u8,
    pub sleep_hours: Option<f64>,
}

/// What a bundle holds about the person, each part only where they chose to include it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Record<'a> {
    pub plans: &'a [MedicationPlan],
    pub scores: &'a [Score],
    pub checkins: &'a [CheckIn],
    /// Earlier courses, stops and restarts, the drug by its name.
    pub history: &'a [taper_core::history::Event],
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
        authored: None,
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

/// A FHIR R4 `Bundle` of type `collection`: the `Patient`; each plan's `MedicationRequest`; the
/// history as `MedicationStatement`s; an IPS-shaped medication summary (`Composition`) of them;
/// each questionnaire as a `QuestionnaireResponse` with the `Observation`s derived from it; each
/// day's burden as an `Observation`; and a `Provenance`, stamped `now`.
pub fn bundle(subject: Subject, record: &Record, now: Timestamp) -> Value {
    let now = instant(now);
    let url = |what: &str| format!("urn:uuid:{}", derived_uuid(subject.id, what));
    // Not the account's own id (a walk: a time-ordered id told when the account was made).
    let patient = url("patient");
    let mut entries = vec![json!({ "fullUrl": patient, "resource": { "resourceType": "Patient" } })];
    let mut medicines = Vec::new();
    for plan in record.plans {
        medicines.push((url(&plan.key), medication_request(plan, &patient, &now)));
    }
    for (k, course) in courses(record.history).iter().enumerate() {
        medicines.push((url(&format!("history:{k}:{}", course.drug)), medication_statement(course, &patient)));
    }
    let mut made: Vec<String> = medicines.iter().map(|(u, _)| u.clone()).collect();
    entries.extend(medicines.into_iter().map(|(u, r)| json!({ "fullUrl": u, "resource": r })));
    if !made.is_empty() {
        let summary = url(&format!("summary:{now}"));
        entries.push(json!({ "fullUrl": summary, "resource": medication_summary(&made, &patient, &now) }));
        made.push(summary);
    }
    // Each form answered travels with its definition, which the responses name by its canonical
    // URL, so a receiving system need not fetch it.
    for inst in Instrument::ALL
        .into_iter()
        .filter(|i| record.scores.iter().any(|s| s.instrument == *i && !s.answers.is_empty()))
    {
        entries.push(json!({ "fullUrl": url(&format!("questionnaire:{}", inst.loinc_panel())), "resource": questionnaire(inst) }));
    }
    for score in record.scores {
        let response = (!score.answers.is_empty()).then(|| url(&format!("{}:response", score.key)));
        if let Some(r) = &response {
            entries.push(json!({ "fullUrl": r, "resource": questionnaire_response(score, &patient) }));
            made.push(r.clone());
        }
        let derive = |mut o: Value| {
            if let Some(r) = &response {
                o["derivedFrom"] = json!([{ "reference": r }]);
            }
            o
        };
        let mut members = Vec::new();
        for (code, value, what) in observed(score) {
            let u = url(&format!("{}:{code}", score.key));
            entries.push(json!({ "fullUrl": u, "resource": derive(observation(score, code, value, &what, &patient)) }));
            members.push(json!({ "reference": u }));
            made.push(u);
        }
        // US Core's screening assessment: the panel, whose members are the total and item 9.
        let u = url(&format!("{}:panel", score.key));
        let mut panel = derive(panel_observation(score, &patient));
        panel["hasMember"] = json!(members);
        entries.push(json!({ "fullUrl": u, "resource": panel }));
        made.push(u);
    }
    for c in record.checkins {
        for (what, o) in checkin_observations(c, &patient) {
            let u = url(&format!("{what}:{}", c.date));
            entries.push(json!({ "fullUrl": u, "resource": o }));
            made.push(u);
        }
    }
    if !made.is_empty() {
        entries.push(json!({ "fullUrl": url(&format!("provenance:{now}")), "resource": provenance(&made, &now) }));
    }
    json!({ "resourceType": "Bundle", "type": "collection", "timestamp": now, "entry": entries })
}

/// What made the bundle: Taper, as decision support.
fn provenance(made: &[String], now: &str) -> Value {
    let targets: Vec<Value> = made.iter().map(|u| json!({ "reference": u })).collect();
    json!({
        "resourceType": "Provenance",
        "target": targets,
        "recorded": now,
        "agent": [{
            "type": { "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                "code": "assembler"
            }]},
            "who": { "display": format!("Taper {} (decision support, not a prescription)", env!("CARGO_PKG_VERSION")) }
        }]
    })
}

/// A course of one drug from the history: from a start (or restart) to a stop, with what
/// changed between; open where no stop follows.
#[derive(Debug, Clone, PartialEq)]
struct Course {
    drug: String,
    start: Option<Date>,
    stop: Option<Date>,
    abrupt: bool,
    changes: Vec<String>,
}

/// The history's events, drug by drug, as courses.
fn courses(events: &[taper_core::history::Event]) -> Vec<Course> {
    use taper_core::history::EventKind;
    let mut sorted: Vec<&taper_core::history::Event> = events.iter().collect();
    sorted.sort_by(|a, b| (&a.drug, a.date).cmp(&(&b.drug, b.date)));
    let mut out: Vec<Course> = Vec::new();
    let mut open: Option<Course> = None;
    for e in sorted {
        if open.as_ref().is_some_and(|c| c.drug != e.drug) {
            out.extend(open.take());
        }
        let fresh = || Course { drug: e.drug.clone(), start: None, stop: None, abrupt: false, changes: Vec::new() };
        match e.kind {
            EventKind::Start | EventKind::Reinstate => {
                out.extend(open.take());
                open = Some(Course { start: Some(e.date), ..fresh() });
            }
            EventKind::Stop => {
                let mut c = open.take().unwrap_or_else(fresh);
                c.stop = Some(e.date);
                c.abrupt = e.abrupt;
                out.push(c);
            }
            EventKind::Increase | EventKind::Decrease | EventKind::Switch => {
                open.get_or_insert_with(fresh).changes.push(format!("{} on {}", e.kind.label(), e.date));
            }
        }
    }
    out.extend(open);
    out
}

/// A course as a `MedicationStatement`: stopped where it ended, active where it did not.
fn medication_statement(c: &Course, patient: &str) -> Value {
    let mut period = json!({});
    if let Some(s) = c.start {
        period["start"] = json!(s.to_string());
    }
    if let Some(e) = c.stop {
        period["end"] = json!(e.to_string());
    }
    let mut notes: Vec<Value> = c.changes.iter().map(|t| json!({ "text": t })).collect();
    if c.abrupt {
        notes.push(json!({ "text": "Stopped all at once rather than gradually (from the person's history)." }));
    }
    let mut out = json!({
        "resourceType": "MedicationStatement",
        "status": if c.stop.is_some() { "stopped" } else { "active" },
        "medicationCodeableConcept": { "text": c.drug },
        "subject": { "reference": patient },
        "informationSource": { "reference": patient },
        "note": notes,
    });
    if c.start.is_some() || c.stop.is_some() {
        out["effectivePeriod"] = period;
    }
    out
}

/// The medicines as an International Patient Summary's medication section: a `Composition`
/// shaped as IPS STU2's (LOINC 60591-5, section 10160-0) whose entries are the plans and the
/// history. Not a whole IPS document (which is a `document` Bundle with allergies and problems).
fn medication_summary(entries: &[String], patient: &str, now: &str) -> Value {
    let refs: Vec<Value> = entries.iter().map(|u| json!({ "reference": u })).collect();
    json!({
        "resourceType": "Composition",
        "status": "final",
        "type": { "coding": [{ "system": LOINC, "code": "60591-5", "display": "Patient summary Document" }] },
        "subject": { "reference": patient },
        "date": now,
        "author": [{ "reference": patient }],
        "title": "Medication summary from Taper (decision support, not a prescription)",
        "section": [{
            "title": "Medication Summary",
            "code": { "coding": [{ "system": LOINC, "code": "10160-0", "display": "History of Medication use Narrative" }] },
            "text": {
                "status": "generated",
                "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">The taper plans in force (MedicationRequest) and the earlier courses the person recorded (MedicationStatement).</div>"
            },
            "entry": refs,
        }],
    })
}

/// A completed questionnaire as a `QuestionnaireResponse`: each item by its LOINC code, its
/// answer by LOINC's answer code.
fn questionnaire_response(score: &Score, patient: &str) -> Value {
    let inst = score.instrument;
    let items: Vec<Value> = (inst.loinc_items().iter().zip(inst.items()).zip(&score.answers))
        .map(|((code, text), a)| {
            let answer = Instrument::LOINC_ANSWERS.get(usize::from(*a)).copied().unwrap_or_default();
            let words = taper_core::measures::ANSWERS.get(usize::from(*a)).copied().unwrap_or_default();
            json!({
                "linkId": code,
                "text": text,
                "answer": [{ "valueCoding": { "system": LOINC, "code": answer, "display": words } }],
            })
        })
        .collect();
    json!({
        "resourceType": "QuestionnaireResponse",
        "questionnaire": format!("http://loinc.org/q/{}", inst.loinc_panel()),
        "status": "completed",
        "subject": { "reference": patient },
        "authored": score.date.to_string(),
        "item": items,
    })
}

/// The form itself, as LOINC codes it: each item with its four answers.
fn questionnaire(inst: Instrument) -> Value {
    let answers: Vec<Value> = (Instrument::LOINC_ANSWERS.iter().zip(taper_core::measures::ANSWERS))
        .map(|(code, words)| json!({ "valueCoding": { "system": LOINC, "code": code, "display": words } }))
        .collect();
    let items: Vec<Value> = (inst.loinc_items().iter().zip(inst.items()))
        .map(|(code, text)| {
            json!({
                "linkId": code,
                "code": [{ "system": LOINC, "code": code }],
                "text": text,
                "type": "choice",
                "required": true,
                "answerOption": answers,
            })
        })
        .collect();
    json!({
        "resourceType": "Questionnaire",
        "url": format!("http://loinc.org/q/{}", inst.loinc_panel()),
        "title": inst.name(),
        "status": "active",
        "subjectType": ["Patient"],
        "code": [{ "system": LOINC, "code": inst.loinc_panel() }],
        "description": inst.stem(),
        "item": items,
    })
}

/// The panel `Observation` of a score (US Core screening assessment): the form as a whole.
fn panel_observation(score: &Score, patient: &str) -> Value {
    let code = score.instrument.loinc_panel();
    survey(
        patient,
        score.date,
        json!({ "coding": [{ "system": LOINC, "code": code }], "text": format!("{} panel", score.instrument.name()) }),
    )
}

/// A day's check-in as `Observation`s: the burden (its scale named as Taper's own), wellbeing and
/// hours slept, each with what it is in words (none has a LOINC code that means Taper's scale).
fn checkin_observations(c: &CheckIn, patient: &str) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    if let Some(b) = c.burden {
        let what = format!(
            "Withdrawal symptom burden, 0-{}, from Taper's own daily checklist (not a validated scale)",
            taper_core::symptoms::MAX_BURDEN
        );
        let mut o = survey(patient, c.date, json!({ "text": what }));
        o["valueQuantity"] = json!({ "value": decimal(b), "unit": "score", "system": UCUM, "code": "{score}" });
        out.push(("burden", o));
    }
    let what = "Wellbeing today, 0-10, from Taper's daily check-in (not a validated scale)";
    let mut o = survey(patient, c.date, json!({ "text": what }));
    o["valueInteger"] = json!(c.wellbeing);
    out.push(("wellbeing", o));
    if let Some(h) = c.sleep_hours {
        let mut o = survey(patient, c.date, json!({ "text": "Hours slept, as the person recorded them" }));
        o["valueQuantity"] = json!({ "value": decimal(h), "unit": "h", "system": UCUM, "code": "h" });
        out.push(("sleep", o));
    }
    out
}

/// An `Observation` of category survey about `patient` on `date`, of `code`, without its value.
fn survey(patient: &str, date: Date, code: Value) -> Value {
    json!({
        "resourceType": "Observation",
        "status": "final",
        "category": [{ "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "survey"
        }]}],
        "code": code,
        "subject": { "reference": patient },
        "effectiveDateTime": date.to_string(),
    })
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
        "authoredOn": plan.authored.map_or_else(|| now.to_string(), instant),
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
    let mut o = survey(patient, score.date, json!({ "coding": [{ "system": LOINC, "code": code }], "text": what }));
    o["valueInteger"] = json!(value);
    o
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
    fn the_history_becomes_courses_stopped_or_still_taken() {
        use taper_core::history::{Event, EventKind};
        let ev =
            |y, kind, abrupt, drug: &str| Event { date: jiff::civil::date(y, 1, 1), drug: drug.into(), kind, abrupt };
        let history = [
            ev(2019, EventKind::Stop, true, "Paroxetine"),
            ev(2015, EventKind::Start, false, "Paroxetine"),
            ev(2017, EventKind::Increase, false, "Paroxetine"),
            ev(2020, EventKind::Reinstate, false, "Paroxetine"),
            ev(2021, EventKind::Stop, false, "Sertraline"),
        ];
        let c = courses(&history);
        assert_eq!(c.len(), 3, "{c:?}");
        assert_eq!(
            (c[0].start.map(|d| d.year()), c[0].stop.map(|d| d.year()), c[0].abrupt),
            (Some(2015), Some(2019), true)
        );
        assert_eq!(c[0].changes, ["dose increased on 2017-01-01"]);
        assert_eq!((c[1].start.map(|d| d.year()), c[1].stop), (Some(2020), None), "taken again since 2020");
        assert_eq!((c[2].drug.as_str(), c[2].start, c[2].stop.map(|d| d.year())), ("Sertraline", None, Some(2021)));
        let p = medication_statement(&c[1], "urn:uuid:p");
        assert_eq!(p["status"], "active");
        assert_eq!(medication_statement(&c[0], "urn:uuid:p")["status"], "stopped");
    }

    #[test]
    fn a_questionnaire_response_codes_each_item_and_answer_and_the_total_derives_from_it() {
        let phq = Score {
            key: "q1".into(),
            instrument: Instrument::Phq9,
            date: jiff::civil::date(2027, 1, 4),
            total: 3,
            item9: Some(1),
            answers: vec![0, 1, 0, 0, 0, 0, 0, 1, 1],
        };
        let r = questionnaire_response(&phq, "urn:uuid:p");
        assert_eq!(r["questionnaire"], "http://loinc.org/q/44249-1");
        let items = r["item"].as_array().unwrap();
        assert_eq!(items.len(), 9);
        assert_eq!(items[8]["linkId"], "44260-8");
        assert_eq!(items[8]["answer"][0]["valueCoding"]["code"], "LA6569-3", "1: several days");
        assert_eq!(items[0]["answer"][0]["valueCoding"]["display"], "Not at all");
        let b = bundle(Subject { id: "s" }, &Record { scores: &[phq], ..Record::default() }, Timestamp::UNIX_EPOCH);
        let entries = b["entry"].as_array().unwrap();
        let response = entries.iter().find(|e| e["resource"]["resourceType"] == "QuestionnaireResponse").unwrap();
        let derived: Vec<&Value> =
            entries.iter().filter(|e| e["resource"]["derivedFrom"][0]["reference"] == response["fullUrl"]).collect();
        assert_eq!(derived.len(), 3, "the total, item 9 and the panel derive from the response");
        let panel = derived.iter().find(|e| e["resource"]["code"]["coding"][0]["code"] == "44249-1").unwrap();
        let members: Vec<&Value> =
            panel["resource"]["hasMember"].as_array().unwrap().iter().map(|m| &m["reference"]).collect();
        let others: Vec<&Value> =
            derived.iter().filter(|e| e["fullUrl"] != panel["fullUrl"]).map(|e| &e["fullUrl"]).collect();
        assert_eq!(members, others, "the panel's members are the total and item 9");
        let form = entries.iter().find(|e| e["resource"]["resourceType"] == "Questionnaire").unwrap();
        assert_eq!(form["resource"]["url"], r["questionnaire"], "the response names the form the bundle carries");
        assert_eq!(form["resource"]["item"][8]["answerOption"][1]["valueCoding"]["code"], "LA6569-3");
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
            answers: vec![2, 2, 2, 2, 2, 2, 1, 0, 1],
        };
        let codes: Vec<&str> = observed(&phq).iter().map(|o| o.0).collect();
        assert_eq!(codes, ["44261-6", "44260-8"]);
        let gad = Score { instrument: Instrument::Gad7, item9: None, ..phq };
        assert_eq!(observed(&gad).iter().map(|o| o.0).collect::<Vec<_>>(), ["70274-6"]);
    }
}
