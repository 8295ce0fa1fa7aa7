//! A summary of a person's record for a prescriber (issue 22), in the parts and the period the
//! person chose: one document, shown as a web page and laid out as a PDF, made for the person
//! (`handoff`) and for whoever opens a link they made (`health_links`).
//!
//! The parts are the sharing categories (`consent::Category`): a summary shows what the person
//! chose, exactly as a share with the same choice would, and names what they left out.

use askama::Template;
use askama_web::WebTemplate;
use jiff::ToSpan as _;
use jiff::civil::Date;
use taper_core::consent::{Category, Scope};
use taper_report::pdf::{Section, SummaryDocument, Table};

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::pages::mg;
use crate::timeline::{self, Course, Record};
use crate::views::Chrome;

/// The periods a summary covers, in days: a month, the 90 days issue 22 names, half a year, a year.
pub const PERIODS: [i64; 4] = [30, 90, 180, 365];
pub const DEFAULT_PERIOD: i64 = 90;
/// Steps listed ahead of today in each plan.
const STEPS_AHEAD: usize = 6;
/// Check-in notes quoted at most.
const NOTES_SHOWN: u32 = 14;

/// What the person chose: the parts, and how many days back from today.
#[derive(Debug, Clone, Copy)]
pub struct Choice {
    pub scope: Scope,
    pub days: i64,
}

impl Choice {
    /// From the form's `(name, value)` pairs: `part` (repeated) and `days`. Refused, naming the
    /// field, when no part is ticked, a part is unknown, or the period is not one offered.
    pub fn parse(pairs: &[(String, String)]) -> Result<Choice, String> {
        let parts = crate::form::values(pairs, "part");
        if parts.is_empty() {
            return Err("Choose at least one part to include.".into());
        }
        let scope = Scope::parse(parts.iter().map(String::as_str)).map_err(|e| format!("The parts: {e}"))?;
        let days = match crate::form::value(pairs, "days").as_str() {
            "" => DEFAULT_PERIOD,
            raw => raw.parse().ok().filter(|d| PERIODS.contains(d)).ok_or_else(|| {
                let (last, rest) = PERIODS.split_last().map_or((&0, &[][..]), |(l, r)| (l, r));
                let rest: Vec<String> = rest.iter().map(i64::to_string).collect();
                format!("The period: choose {} or {last} days.", rest.join(", "))
            })?,
        };
        Ok(Choice { scope, days })
    }
}

/// A summary and its chart (SVG), made of `owner`'s record as it is at `now`.
pub struct Made {
    pub doc: SummaryDocument,
    pub chart: Option<String>,
}

/// Made for the person themselves, and (later) for whoever opens a link they made: the same
/// document either way.
pub async fn made_by(
    state: &AppState,
    owner: taper_store::UserId,
    now: jiff::Timestamp,
    choice: Choice,
) -> AppResult<Made> {
    let r = timeline::record_of(state, owner, now).await?;
    let from = r.today.saturating_sub((choice.days - 1).days());
    let sees = |c: Category| choice.scope.contains(c);
    let mut sections = Vec::new();
    // Page one answers "what do they take, and how are they": doses, scores, flags, symptoms;
    // an urgent flag (thoughts of self-harm) before anything else (a walk found it third).
    let mut flagged = Some(flags(state, &r, choice.scope));
    if flagged.as_ref().is_some_and(|f| !f.alerts.is_empty()) {
        sections.extend(flagged.take());
    }
    if sees(Category::PlanAndDoses) {
        sections.push(doses_now(state, &r).await?);
    }
    if sees(Category::Questionnaires) {
        sections.push(questionnaires(state, &r, from));
    }
    sections.extend(flagged.take());
    if sees(Category::CheckinScores) {
        sections.push(burden(&r, from)?);
    }
    if sees(Category::PlanAndDoses) {
        sections.extend(plan_ahead(&r));
    }
    if sees(Category::MedicationHistory) {
        sections.push(history(state, &r).await?);
    }
    if sees(Category::WithdrawalOrReturn) {
        sections.push(assessments(state, &r, from).await?);
    }
    if sees(Category::CheckinNotes) {
        sections.push(notes(state, &r, from).await?);
    }
    let chart = chart(state, &r, choice.scope, from)?;
    if chart.is_some() {
        sections.push(Section {
            alerts: vec![],
            id: "chart".into(),
            heading: format!("The chart, {} to {}", short(from), short(r.today)),
            lines: vec![],
            table: None,
            chart: true,
        });
    }
    let doc = SummaryDocument {
        title: "Taper: a summary for the prescriber".into(),
        person: r.owner.display_name.clone(),
        made: format!(
            "Made by {} on {}, covering the {} days from {} to {}",
            r.owner.display_name,
            short(r.today),
            choice.days,
            short(from),
            short(r.today)
        ),
        sections,
        left_out: Category::ALL.iter().filter(|c| !sees(**c)).map(|c| c.short().to_string()).collect(),
        disclaimer: taper_report::PRESCRIBER_NOTE.to_string(),
        sign: false,
    };
    Ok(Made { doc, chart })
}

/// "urgent" → "Urgent".
fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn short(d: Date) -> String {
    taper_report::pdf::short_date(d)
}

fn section(id: &str, heading: &str, lines: Vec<String>, table: Option<Table>) -> Section {
    Section { id: id.into(), heading: heading.into(), alerts: vec![], lines, table, chart: false }
}

/// Each plan's dose today as it is measured, holds, a switch followed, and the suggestions that
/// wait for the person's answer.
async fn doses_now(state: &AppState, r: &Record) -> AppResult<Section> {
    let courses: Vec<&Course> = r.course.iter().chain(&r.others).collect();
    let mut lines: Vec<String> = courses.iter().flat_map(|c| dose_lines(state, c, r.today)).collect();
    lines.extend(r.switching.as_ref().map(|w| format!("Switching {w}.")));
    if lines.is_empty() {
        lines.push("No plan in Taper.".into());
    }
    let tz = jiff::tz::TimeZone::get(&r.owner.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    // What they recorded taking: a missed dose on a taper is itself a cause of withdrawal
    // symptoms (a walk: the summary showed only the planned dose).
    for log in crate::pages::shared_doses::logs(state, r.owner.id, &tz, &courses, r.today).await? {
        lines.push(format!("{}, doses recorded: {}", log.drug, log.counts));
    }
    for c in &courses {
        for p in state.store.proposals(r.owner.id, c.plan_id).await? {
            if p.status == taper_store::ProposalStatus::Pending {
                // The title says what; the reasoning is on their Progress page.
                lines.push(format!(
                    "Waiting for their decision since {}{}: {}",
                    short(p.created_at.to_zoned_datetime(tz.clone()).date()),
                    p.proposer_name.as_ref().map(|n| format!(", suggested by {n}")).unwrap_or_default(),
                    p.title
                ));
            }
        }
    }
    Ok(section("doses", "Medicines now", lines, None))
}

/// How far ahead a plan's changes are read: the plans Taper makes fit in it.
const AHEAD_YEARS: i16 = 10;

/// One plan today: the dose as measured, how it is prepared (which product, how much), the
/// step, and when the plan ends (a walk: the form and the product were not named).
fn dose_lines(state: &AppState, c: &Course, today: Date) -> Vec<String> {
    let drug = c.drug_name(&state.catalogue);
    let (Some((on, step)), Some(words)) = (c.on(today), c.dose_words(today)) else {
        return vec![format!("{drug}: the plan has not started yet.")];
    };
    let how = c.day_of(&on).map_or_else(|| step.instruction.clone(), |d| d.instruction.clone());
    let changes = c.changes(today.saturating_add(AHEAD_YEARS.years()));
    let last = changes.last().filter(|ch| ch.date > today);
    let steps = c.current().plan.steps.len().saturating_sub(1);
    let mut out = vec![format!("{drug}: {words} a day{}.", if on.hold { ", holding at this dose" } else { "" })];
    out.push(format!("Prepared as: {how}"));
    out.push(format!("The plan: {}.", c.current().plan.strategy.trim_end_matches('.')));
    out.push(match last {
        Some(l) if l.to_mg <= 0.0 => {
            format!("Step {} of {steps}; the plan stops {drug} on {}.", on.step, short(l.date))
        }
        Some(l) => format!("Step {} of {steps}; the plan's last change is on {}.", on.step, short(l.date)),
        None => format!("Step {} of {steps}; no further change is planned.", on.step),
    });
    out
}

/// The next steps of each plan: when, the dose as measured, and how it is prepared.
fn plan_ahead(r: &Record) -> Option<Section> {
    let mut rows = Vec::new();
    let mut counted = Vec::new();
    for c in r.course.iter().chain(&r.others) {
        // Each step's first day and each change of how the dose is prepared, not each day of a
        // daily micro-taper, which would fill the table (a walk read six pouches a day apart and
        // never the step doses); a step whose dose the days before had reached is still shown
        // (a later walk saw 10 mg, then 4.06 mg five months on).
        let coming = c.turns(r.today, r.today.saturating_add(AHEAD_YEARS.years()));
        let drug = c.current().plan.drug_name.clone();
        if coming.len() > STEPS_AHEAD {
            counted.push(format!(
                "{drug}: the next {STEPS_AHEAD} of {} steps; the last on {}.",
                coming.len(),
                coming.last().map_or_else(String::new, |l| short(*l))
            ));
        }
        if coming.iter().any(|d| c.on(d.saturating_add(1.days())).is_some_and(|(on, _)| on.daily.is_some())) {
            counted.push(format!(
                "{drug}: between these steps the dose falls a little every day (tapering strips, a pouch a day); \
                 the person's Today page and calendar, and the pharmacy order's strip table, give each day's dose."
            ));
        }
        for day in coming.into_iter().take(STEPS_AHEAD) {
            let Some((on, step)) = c.on(day) else { continue };
            rows.push(vec![
                drug.clone(),
                short(day),
                if on.dose_mg <= 0.0 {
                    "Stop (0 mg)".into()
                } else {
                    c.dose_words(day).unwrap_or_else(|| mg(on.dose_mg))
                },
                c.instruction(&on, step),
            ]);
        }
    }
    let lines = if rows.is_empty() { vec!["No change of dose is planned.".into()] } else { counted };
    let header = ["Medicine", "From", "Each day", "How it is prepared"].map(String::from).to_vec();
    Some(section("ahead", "The plan ahead", lines, (!rows.is_empty()).then_some(Table { header, rows })))
}

/// Check-ins in the period, the waves and windows read against the person's baseline, a run of
/// hard days.
fn burden(r: &Record, from: Date) -> AppResult<Section> {
    let history = r.history.as_ref().ok_or_else(|| AppError::bug("a record read without its check-ins"))?;
    let a = &history.analysis;
    let within: Vec<&taper_store::DayLevel> = history.checkins.iter().filter(|c| c.date >= from).collect();
    let mut lines = vec![match within.last() {
        Some(last) => format!("{} check-ins in these days, the latest on {}.", within.len(), short(last.date)),
        None => "No check-ins in these days.".into(),
    }];
    lines.push(taper_core::symptoms::burden_scale_words());
    lines.push(a.summary());
    for e in a.episodes.iter().filter(|e| e.end >= from) {
        let (what, extreme) = match e.kind {
            taper_core::waves::Kind::Wave => ("A wave", "highest"),
            taper_core::waves::Kind::Window => ("A window", "lowest"),
        };
        lines.push(format!(
            "{what} from {} to {}{} ({} days, {} check-ins; {extreme} rolling mean {:.1}).",
            short(e.start),
            short(e.end),
            if e.ongoing { ", still going on" } else { "" },
            e.days(),
            e.entries,
            e.extreme
        ));
    }
    if let Some(h) = a.hard_days.filter(|h| h.latest >= from) {
        lines.push(format!("Hard days (burden high in itself) from {} to {}.", short(h.start), short(h.latest)));
    }
    Ok(section("burden", "Symptoms: waves and windows", lines, None))
}

/// PHQ-9 and GAD-7 in the period, newest first, with band, reliable change and question 9.
fn questionnaires(state: &AppState, r: &Record, from: Date) -> Section {
    let all = r.questionnaires.as_deref().unwrap_or_default();
    // Each change is judged against the earlier score, even one before the period.
    let rows: Vec<Vec<String>> = crate::pages::caseload::score_views(state, all)
        .into_iter()
        .filter(|s| s.date.parse::<Date>().is_ok_and(|d| d >= from))
        .map(|s| {
            vec![
                s.date.parse::<Date>().map_or(s.date, short),
                s.name.to_string(),
                format!("{} of {}", s.total, s.max),
                s.band,
                s.change,
                match (s.name, s.item9) {
                    ("PHQ-9", "") => "Not at all".to_string(),
                    (_, "") => String::new(),
                    (_, words) => words.to_string(),
                },
            ]
        })
        .collect();
    let lines = if rows.is_empty() { vec!["No PHQ-9 or GAD-7 in these days.".into()] } else { vec![] };
    let header = ["Date", "Questionnaire", "Score", "Band", "Change", "PHQ-9 question 9"].map(String::from).to_vec();
    section("scores", "Questionnaires", lines, (!rows.is_empty()).then_some(Table { header, rows }))
}

/// The flags that apply now, in the parts chosen, most urgent first, with their source.
fn flags(state: &AppState, r: &Record, scope: Scope) -> Section {
    // Read as the person reads them (they resolve none), so no supporter's resolution hides a
    // flag from a reader outside Taper's caseload.
    let mut s = section("flags", "Flags that apply now", vec![], None);
    for f in r.open_for_share(r.owner.id, true, scope) {
        let source = state.catalogue.source(f.source).map_or_else(|| f.source.to_string(), |s| s.citation.clone());
        let line = format!(
            "{}: {} (since {}). {} Source: {}.",
            capitalised(f.urgency.label()),
            f.title,
            short(f.date),
            f.data.join(" "),
            source.trim_end_matches('.')
        );
        if f.urgency == taper_core::flags::Urgency::Urgent { s.alerts.push(line) } else { s.lines.push(line) }
    }
    if s.alerts.is_empty() && s.lines.is_empty() {
        // Only of what is included: a flag from a part left out is not known here.
        s.lines.push("No flag applies now in the parts included.".into());
    }
    s
}

/// Earlier courses, stops and restarts, and what they mean for the pace.
async fn history(state: &AppState, r: &Record) -> AppResult<Section> {
    let advice = crate::pages::history::advice_for(state, r.owner.id, r.today).await?;
    let mut lines = vec![advice.explanation];
    lines.extend(advice.factors.into_iter().map(|f| f.text));
    let rows: Vec<Vec<String>> = state
        .store
        .med_events(r.owner.id)
        .await?
        .into_iter()
        .map(|e| {
            let kind = taper_core::history::EventKind::from_key(&e.kind).map_or("", |k| k.label());
            vec![short(e.date), e.drug, kind.to_string(), if e.abrupt { "abruptly".into() } else { String::new() }]
        })
        .collect();
    let header = ["Date", "Medicine", "What happened", ""].map(String::from).to_vec();
    Ok(section(
        "history",
        "History, and what may make withdrawal harder",
        lines,
        (!rows.is_empty()).then_some(Table { header, rows }),
    ))
}

/// The person's own reading of "withdrawal or return?", in the period.
async fn assessments(state: &AppState, r: &Record, from: Date) -> AppResult<Section> {
    let lines: Vec<String> = state
        .store
        .assessments(r.owner.id)
        .await?
        .into_iter()
        .filter(|a| a.date >= from)
        .map(|a| {
            let leaning = crate::pages::history::leaning_words(&a.leaning);
            if a.note.is_empty() {
                format!("{}: {leaning}.", short(a.date))
            } else {
                format!("{}: {leaning}. “{}”", short(a.date), a.note)
            }
        })
        .collect();
    let lines = if lines.is_empty() { vec!["None in these days.".into()] } else { lines };
    Ok(section("return", "Their own reading: withdrawal or return?", lines, None))
}

/// The notes written with the latest check-ins of the period, in the person's words.
async fn notes(state: &AppState, r: &Record, from: Date) -> AppResult<Section> {
    let lines: Vec<String> = state
        .store
        .recent_checkins(r.owner.id, NOTES_SHOWN)
        .await?
        .into_iter()
        .rev()
        .filter(|c| c.date >= from && !c.note.trim().is_empty())
        .map(|c| format!("{}: “{}”", short(c.date), c.note.trim()))
        .collect();
    let lines = if lines.is_empty() { vec!["No notes in these days.".into()] } else { lines };
    Ok(section("notes", "Notes with their check-ins", lines, None))
}

/// The wave chart over the period, each panel only where its part was chosen.
fn chart(state: &AppState, r: &Record, scope: Scope, from: Date) -> AppResult<Option<String>> {
    let course = r.course.as_ref().filter(|_| scope.contains(Category::PlanAndDoses));
    let history = r.history.as_ref().filter(|_| scope.contains(Category::CheckinScores));
    let qs = r.questionnaires.as_deref().filter(|_| scope.contains(Category::Questionnaires)).unwrap_or_default();
    // Only with the check-ins: without them its burden panel would stand empty, read as no
    // symptoms rather than left out (a walk).
    if history.is_none() {
        return Ok(None);
    }
    let hidden = taper_core::waves::analyse(&[], None);
    let analysis = history.map_or(&hidden, |h| &h.analysis);
    let checkins: Vec<taper_store::DayLevel> =
        history.map(|h| h.checkins.iter().filter(|c| c.date >= from).copied().collect()).unwrap_or_default();
    let qs: Vec<taper_store::QuestionnaireRecord> = qs.iter().filter(|q| q.date >= from).cloned().collect();
    let drug = course.map(|c| c.drug_name(&state.catalogue)).unwrap_or_default();
    Ok(Some(crate::pages::caseload::period_chart(r, analysis, (course, &drug), &checkins, &qs, from)?))
}

#[derive(Template, WebTemplate)]
#[template(path = "handoff_summary.html")]
pub struct SummaryPage {
    pub chrome: Chrome,
    pub doc: SummaryDocument,
    pub chart: Option<String>,
    /// Where the same summary downloads as a PDF.
    pub pdf_link: Option<String>,
    /// Opened through a link by someone without an account (no link back to the choice).
    pub shared: bool,
}
