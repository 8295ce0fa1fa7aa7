//! The supporter's side: a caseload ordered by urgency, and one person's record on a single
//! timeline. Only people with an active share are reachable, and every read of someone else's
//! record writes one row to their access log.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use taper_core::consent::{Category, Scope};
use taper_core::flags::Urgency;
use taper_core::measures::Instrument;
use taper_report::chart::{Timeline, waves_svg};
use taper_store::{FlagNoteKind, Share, StoreError};

use super::mg;
use crate::AppState;
use crate::auth::Person;
use crate::error::{AppError, AppResult};
use crate::pages::questionnaires::ScoreView;
use crate::timeline::{self, Record};
use askama::Template;
use askama_web::WebTemplate;

/// The active share from `owner` to the viewer, or NotFound (never revealing whether the person
/// exists).
async fn shared(state: &AppState, viewer: &Person, owner: &str) -> AppResult<Share> {
    let owner: taper_store::UserId = owner.parse().map_err(|_| AppError::NotFound)?;
    state.store.active_share(owner, viewer.id()).await?.ok_or(AppError::NotFound)
}

fn flag_views(state: &AppState, r: &Record, viewer: &Person, scope: Scope) -> Vec<FlagView> {
    r.open_for_share(viewer.id(), viewer.user.role.may_resolve_urgent_flags(), scope)
        .into_iter()
        .map(|f| FlagView {
            // Only a clinician closes an urgent flag, and only for themselves; anyone may say
            // they reached out.
            can_resolve: f.urgency != Urgency::Urgent || viewer.user.role.may_resolve_urgent_flags(),
            // Every note on it, the viewer's own too (a walk: a peer never saw theirs again).
            others: r
                .notes
                .iter()
                .filter(|n| n.flag_key == f.key)
                .map(|n| format!("{}: {}", if n.by == viewer.id() { "You" } else { n.by_name.as_str() }, n.note))
                .collect(),
            waited: waited(f.date, viewer.today(), r.notes.iter().any(|n| n.flag_key == f.key)),
            key: f.key.clone(),
            urgency: f.urgency.label(),
            title: f.title.clone(),
            data: f.data.clone(),
            source: state.catalogue.source(f.source).map_or_else(|| f.source.to_string(), |s| s.citation.clone()),
        })
        .collect()
}

/// How long an open flag has waited, from the day it was raised, and whether anyone who supports
/// the person has answered it yet (issue 20: the caseload shows how long each flag has waited).
fn waited(raised: jiff::civil::Date, today: jiff::civil::Date, answered: bool) -> String {
    let days = (today - raised).get_days().max(0);
    let since = match days {
        0 => "Raised today".to_string(),
        1 => "Waiting 1 day".to_string(),
        d => format!("Waiting {d} days"),
    };
    if answered {
        format!("{since}; someone who supports them has written on it.")
    } else {
        format!("{since}; no one has answered it yet.")
    }
}

fn dose_line(r: &Record, scope: Scope) -> String {
    if !scope.contains(Category::PlanAndDoses) {
        return "They have not shared their plan and doses with you.".into();
    }
    // Each plan in force (several at once: issue 20), and a switch followed.
    let mut lines: Vec<String> = r
        .course
        .iter()
        .chain(&r.others)
        .map(|c| match c.on(r.today) {
            Some((on, _)) => format!(
                "{} {} a day{}",
                state_drug(c),
                c.dose_words(r.today).unwrap_or_else(|| mg(on.dose_mg)),
                if on.hold { ", holding" } else { "" }
            ),
            None => format!("{}: plan not started yet", state_drug(c)),
        })
        .collect();
    lines.extend(r.switching.as_ref().map(|w| format!("Switching {w}")));
    if lines.is_empty() { "No plan yet".into() } else { lines.join("; ") }
}

fn state_drug(c: &timeline::Course) -> String {
    c.current().plan.drug_name.clone()
}

/// How the caseload is ordered and narrowed (`?sort=&show=`), from a plain form.
struct CaseloadQuery {
    sort: String,
    show: String,
}

/// The orders the caseload offers: (value, words).
const SORTS: &[(&str, &str)] = &[
    ("urgent", "Most urgent first"),
    ("waiting", "Longest-waiting flag first"),
    ("checkin", "Longest since a check-in first"),
    ("name", "By name"),
];
/// Who it shows: (value, words).
const SHOWS: &[(&str, &str)] =
    &[("all", "Everyone"), ("flags", "People with open flags"), ("urgent", "People with an urgent flag")];

/// What a person's access log says when a supporter's caseload showed their flags.
const SAW_FLAGS: &str = "saw your flags on their caseload";

/// A plan the person shares, as its current revision's steps (read-only).
pub struct SharedPlan {
    pub drug: String,
    pub strategy: String,
    pub steps: Vec<crate::pages::plan::StepView>,
}

/// A walk: the clinician saw "Venlafaxine 75 mg a day" and charts, but not the steps, dates and
/// preparation they are asked to agree to. Each shared plan's current revision, read-only.
fn shared_plans(plans: &[&timeline::Course], today: jiff::civil::Date) -> Vec<SharedPlan> {
    plans
        .iter()
        .map(|c| {
            let cur = c.current();
            SharedPlan {
                drug: cur.plan.drug_name.clone(),
                strategy: cur.plan.strategy.clone(),
                steps: crate::pages::plan::step_views(
                    &cur.plan.steps,
                    cur.record.effective,
                    cur.record.day_offset,
                    Some(today),
                ),
            }
        })
        .collect()
}

/// One person on the caseload with what it is sorted and narrowed by.
struct Case {
    top: Option<Urgency>,
    oldest_flag: Option<jiff::civil::Date>,
    last_checkin: Option<jiff::civil::Date>,
    view: CaseView,
}

pub async fn index(
    State(state): State<AppState>,
    person: Person,
    Query(pairs): Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (sort, show) = chosen(&pairs);
    let (people, hidden) = shown(&state, &person, sort, show).await?;
    let options = |list: &[(&'static str, &'static str)], chosen: &str| {
        list.iter().map(|(v, w)| (*v, *w, *v == chosen)).collect::<Vec<_>>()
    };
    Ok(Caseload {
        chrome: person.chrome("caseload"),
        hidden,
        people,
        sorts: options(SORTS, sort),
        shows: options(SHOWS, show),
        csv: format!("/caseload.csv?sort={sort}&show={show}"),
        country_note: if pairs.iter().any(|(k, v)| k == "country" && v == "from_zone") {
            crate::auth::country_from_zone_words(person.user.country.as_deref())
        } else {
            None
        },
    }
    .into_response())
}

/// The caseload as shown, one row a person, for a spreadsheet (issue 22: "CSV for every table a
/// clinician sees"): the same people in the same order, each flag with its urgency, what is kept
/// back. Every cell that could read as a formula is made text.
pub async fn csv(
    State(state): State<AppState>,
    person: Person,
    Query(pairs): Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (sort, show) = chosen(&pairs);
    let (people, _) = shown(&state, &person, sort, show).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| AppError::internal("writing CSV", e);
    w.write_record(["name", "dose", "last_checkin", "open_flags", "flags", "not_shared_with_you"]).map_err(csv_err)?;
    for p in people {
        let flags: Vec<String> = p.flags.iter().map(|f| format!("{}: {}", f.urgency, f.title)).collect();
        let cells = [
            p.name,
            p.dose,
            p.last_checkin_date.map(|d| d.to_string()).unwrap_or_default(),
            p.flags.len().to_string(),
            flags.join("; "),
            p.kept_back.unwrap_or_default(),
        ];
        w.write_record(cells.iter().map(|c| super::account::spreadsheet_safe(c))).map_err(csv_err)?;
    }
    let bytes = w.into_inner().map_err(|e| AppError::internal("finishing CSV", e))?;
    let body = String::from_utf8(bytes).map_err(|e| AppError::internal("CSV as text", e))?;
    Ok(super::account::download("text/csv; charset=utf-8", "taper-caseload.csv", body))
}

/// The order and the narrowing asked for, read by hand: a repeated or unknown choice is the
/// default, never an error page.
fn chosen(pairs: &[(String, String)]) -> (&'static str, &'static str) {
    let q = CaseloadQuery { sort: crate::form::value(pairs, "sort"), show: crate::form::value(pairs, "show") };
    let sort = SORTS.iter().find(|s| s.0 == q.sort).map_or("urgent", |s| s.0);
    let show = SHOWS.iter().find(|s| s.0 == q.show).map_or("all", |s| s.0);
    (sort, show)
}

/// The people `person` supports, narrowed by `show` and in the order `sort`, with how many the
/// narrowing left out. Each one's access log says the viewer saw their flags.
async fn shown(state: &AppState, person: &Person, sort: &str, show: &str) -> AppResult<(Vec<CaseView>, usize)> {
    let shares = state.store.shared_with(person.id()).await?;
    // Each person's access log says the viewer saw their flags, at most once an hour, written
    // for the whole caseload at once.
    let now = person.now();
    let owners: Vec<taper_store::UserId> = shares.iter().map(|s| s.owner).collect();
    let hour_ago = now.checked_sub(jiff::SignedDuration::from_hours(1)).unwrap_or(now);
    (state.store)
        .audit_once_since_many(&owners, person.id(), &person.user.display_name, SAW_FLAGS, now, hour_ago)
        .await?;
    // Everyone's tables read at once, a query a table (issue 21).
    let records = timeline::records_of(state, &owners, now).await?;
    let mut people: Vec<Case> = records
        .iter()
        .filter_map(|r| shares.iter().find(|s| s.owner == r.owner.id).map(|share| case(state, person, share, r)))
        .collect();
    let total = people.len();
    people.retain(|c| match show {
        "flags" => c.top.is_some(),
        "urgent" => c.top == Some(Urgency::Urgent),
        _ => true,
    });
    people.sort_by(|a, b| order(a, b, sort));
    let hidden = total - people.len();
    Ok((people.into_iter().map(|c| c.view).collect(), hidden))
}

/// Two people in the order `sort` asks for; by name where it cannot tell them apart.
fn order(a: &Case, b: &Case, sort: &str) -> std::cmp::Ordering {
    let by_name = a.view.name.cmp(&b.view.name);
    match sort {
        "name" => by_name,
        // Never checked in first, then the longest ago.
        "checkin" => a.last_checkin.cmp(&b.last_checkin).then(by_name),
        "waiting" => match (a.oldest_flag, b.oldest_flag) {
            (Some(x), Some(y)) => x.cmp(&y).then(by_name),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => by_name,
        },
        // Most urgent first; people without flags last; then by name.
        _ => match (a.top, b.top) {
            (Some(x), Some(y)) => x.cmp(&y).then(by_name),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => by_name,
        },
    }
}

/// "today", "yesterday", or the day and how many days ago.
fn checked_in_words(day: jiff::civil::Date, today: jiff::civil::Date) -> String {
    match (today - day).get_days() {
        d if d <= 0 => "today".to_string(),
        1 => "yesterday".to_string(),
        d => format!("{} ({d} days ago)", super::long_date(day)),
    }
}

/// One person's line on the caseload.
fn case(state: &AppState, person: &Person, share: &Share, r: &Record) -> Case {
    let open = r.open_for_share(person.id(), person.user.role.may_resolve_urgent_flags(), share.scope);
    // A check-in's day is shown only to whom the person shows their check-ins.
    let sees_checkins = share.scope.contains(Category::CheckinScores) || share.scope.contains(Category::CheckinNotes);
    let last_checkin = r.last_checkin.filter(|_| sees_checkins);
    Case {
        top: open.first().map(|f| f.urgency),
        oldest_flag: open.iter().map(|f| f.date).min(),
        last_checkin,
        view: CaseView {
            id: share.owner.to_string(),
            name: share.owner_name.clone(),
            dose: dose_line(r, share.scope),
            flags: flag_views(state, r, person, share.scope),
            kept_back: kept_back(share.scope),
            last_checkin: sees_checkins.then(|| match last_checkin {
                Some(d) => format!("Last check-in: {}.", checked_in_words(d, r.today)),
                None => "No check-in yet.".to_string(),
            }),
            last_checkin_date: last_checkin,
        },
    }
}

#[derive(Deserialize)]
pub struct Notice {
    resolved: Option<String>,
    noted: Option<String>,
    proposed: Option<String>,
}

pub async fn person(
    State(state): State<AppState>,
    viewer: Person,
    Path(id): Path<String>,
    Query(q): Query<Notice>,
) -> AppResult<Response> {
    Ok(person_page(&state, &viewer, &id, &q, Draft::default()).await?.into_response())
}

/// A suggestion as typed, and what was wrong with it, for the form shown again (a walk: a bad
/// step size gave a bare error page, the reason written was lost).
#[derive(Default)]
pub struct Draft {
    pub kind: String,
    pub step: String,
    pub reason: String,
    /// (field, message).
    pub error: Option<(&'static str, String)>,
}

impl Draft {
    pub fn message(&self) -> Option<&str> {
        self.error.as_ref().map(|(_, m)| m.as_str())
    }

    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.error.as_ref().filter(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }
}

async fn person_page(state: &AppState, viewer: &Person, id: &str, q: &Notice, draft: Draft) -> AppResult<PersonPage> {
    let state = state.clone();
    let share = shared(&state, viewer, id).await?;
    let now = viewer.now();
    let r = timeline::record_of(&state, share.owner, now).await?;
    // Every read is counted; reads within a minute share one row (security probe L5).
    let minute_ago = now.checked_sub(jiff::SignedDuration::from_mins(1)).unwrap_or(now);
    state
        .store
        .audit_counted(share.owner, viewer.id(), &viewer.user.display_name, "viewed your record", now, minute_ago)
        .await?;

    let sees = |c: Category| share.scope.contains(c);
    // Only what the person shares reaches the page: the chart's lines, its start date and the
    // tables below are each built from a shared part or left empty.
    let hidden = taper_core::waves::analyse(&[], None);
    // One person's record is read with its history (`record_of`).
    let history = r.history.as_ref().ok_or_else(|| AppError::bug("a record read without its check-ins"))?;
    let analysis = if sees(Category::CheckinScores) { &history.analysis } else { &hidden };
    // The chart's burden only with the scores shared; the table's last rows (notes opened
    // for them alone) with scores or notes, each part as shared.
    let days: &[taper_store::DayLevel] = if sees(Category::CheckinScores) { &history.checkins } else { &[] };
    let recent = recent_shared(&state, share.owner, share.scope).await?;
    let questionnaires: &[taper_store::QuestionnaireRecord] =
        if sees(Category::Questionnaires) { r.questionnaires.as_deref().unwrap_or_default() } else { &[] };
    let course = r.course.as_ref().filter(|_| sees(Category::PlanAndDoses));
    let drug = course.map(|c| c.drug_name(&state.catalogue)).unwrap_or_default();
    // Nothing the chart draws is shared: no empty frame, a sentence (a walk read an empty chart).
    let draws = [Category::PlanAndDoses, Category::CheckinScores, Category::Questionnaires];
    let chart = if draws.into_iter().any(sees) {
        shared_chart(&r, analysis, (course, &drug), days, questionnaires)?
    } else {
        String::new()
    };
    let score_views = score_views(&state, questionnaires);
    let plans: Vec<&timeline::Course> =
        r.course.iter().chain(&r.others).filter(|_| sees(Category::PlanAndDoses)).collect();
    let mine = my_suggestions(&state, viewer, share.owner, &plans).await?;
    let owner_tz = jiff::tz::TimeZone::get(&r.owner.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let page = PersonPage {
        doses: super::shared_doses::logs(&state, share.owner, &owner_tz, &plans, r.today).await?,
        dose_days: super::shared_doses::DAYS,
        plan_steps: shared_plans(&plans, r.today),
        switch: switch_shared(&state, &r, share.scope).await?,
        mine,
        kept_back: kept_back(share.scope),
        chrome: viewer.chrome("caseload"),
        id: share.owner.to_string(),
        name: share.owner_name.clone(),
        can_propose: share.can_propose && course.is_some(),
        summary: chart_summary(analysis, &drug, plans.len(), sees(Category::CheckinScores)),
        dose: dose_line(&r, share.scope),
        chart,
        flags: flag_views(&state, &r, viewer, share.scope),
        resolved: resolved_by(&r, viewer, share.scope),
        scores: score_views,
        checkins: checkin_rows(&recent, share.scope),
        max_burden: taper_core::symptoms::MAX_BURDEN,
        burden_scale: taper_core::symptoms::burden_scale_words(),
        notice: notice_words(q),
        assessments: assessments_shared(&state, share.owner, sees(Category::WithdrawalOrReturn)).await?,
        pace: if sees(Category::MedicationHistory) {
            crate::pages::history::advice_for(&state, share.owner, r.today).await?.explanation
        } else {
            "They have not shared their medication history with you.".into()
        },
        step_unit: course.map(|c| c.current().settings.step_unit().trim().to_string()).unwrap_or_default(),
        plans: suggestion_plans(&plans),
        draft,
    };
    Ok(page)
}

/// What the page says after a form sent from it.
fn notice_words(q: &Notice) -> Option<String> {
    match (&q.resolved, &q.noted, &q.proposed) {
        (Some(_), _, _) => Some("Flag resolved; your note is kept with it.".to_string()),
        (_, Some(_), _) => {
            Some("Noted. Your note is shown to the others who support them, and the flag stays open.".to_string())
        }
        (_, _, Some(_)) => Some("Suggestion sent. It waits for them to accept or decline.".to_string()),
        _ => None,
    }
}

/// The person's own answers in "Withdrawal or return?", when they share them: (date, leaning, note).
async fn assessments_shared(
    state: &AppState,
    owner: taper_store::UserId,
    shared: bool,
) -> AppResult<Vec<(String, String, String)>> {
    if !shared {
        return Ok(vec![]);
    }
    Ok((state.store.assessments(owner).await?.into_iter())
        .map(|a| (a.date.to_string(), crate::pages::history::leaning_words(&a.leaning).to_string(), a.note))
        .collect())
}

/// What the chart shows, in words; with several plans, which one its dose panel draws. Without
/// the check-in scores shared, says so rather than "no check-ins".
fn chart_summary(analysis: &taper_core::waves::Analysis, drug: &str, plans: usize, scores: bool) -> String {
    let waves = if scores {
        analysis.summary()
    } else {
        "They do not share their check-in scores with you, so no symptoms or waves are shown.".to_string()
    };
    match plans.saturating_sub(1) {
        0 => waves,
        1 => format!("{waves} The dose panel shows {drug}; the 1 other plan is listed below."),
        others => format!("{waves} The dose panel shows {drug}; the {others} other plans are listed below."),
    }
}

/// The chart a supporter sees: dose and occupancy, symptom waves and questionnaire scores, each
/// only when shared (empty otherwise), from the first shared day to today.
fn shared_chart(
    r: &Record,
    analysis: &taper_core::waves::Analysis,
    (course, drug): (Option<&timeline::Course>, &str),
    checkins: &[taper_store::DayLevel],
    questionnaires: &[taper_store::QuestionnaireRecord],
) -> AppResult<String> {
    let first = [
        checkins.first().map(|c| c.date),
        course.map(|c| c.revs[0].record.effective),
        questionnaires.first().map(|q| q.date),
    ]
    .into_iter()
    .flatten()
    .min()
    .unwrap_or(r.today)
    .min(r.today);
    period_chart(r, analysis, (course, drug), checkins, questionnaires, first)
}

/// The same chart from `first` to today (a summary's period).
pub(crate) fn period_chart(
    r: &Record,
    analysis: &taper_core::waves::Analysis,
    (course, drug): (Option<&timeline::Course>, &str),
    checkins: &[taper_store::DayLevel],
    questionnaires: &[taper_store::QuestionnaireRecord],
    first: jiff::civil::Date,
) -> AppResult<String> {
    let (dose, occ) =
        course.map_or((vec![], vec![]), |c| (c.dose_points(first, r.today), c.occupancy_points(first, r.today)));
    let scores: Vec<(&str, Vec<(jiff::civil::Date, f64)>)> = Instrument::ALL
        .iter()
        .map(|&i| {
            let pts = questionnaires
                .iter()
                .filter(|q| q.instrument == i.key())
                .map(|q| (q.date, 100.0 * f64::from(q.total) / f64::from(i.max())))
                .collect();
            (i.name(), pts)
        })
        .collect();
    let burden = crate::timeline::burden_points(&crate::timeline::day_entries(checkins));
    Ok(waves_svg(&Timeline {
        analysis,
        dose: &dose,
        drug,
        occupancy: &occ,
        start: first,
        end: r.today,
        burden: &burden,
        scores: &scores,
    })?)
}

/// Each questionnaire with its band and its change from the one before, newest first.
pub(crate) fn score_views(state: &AppState, questionnaires: &[taper_store::QuestionnaireRecord]) -> Vec<ScoreView> {
    let mut views = Vec::new();
    for (k, qr) in questionnaires.iter().enumerate() {
        let Some(inst) = Instrument::from_key(&qr.instrument) else { continue };
        let s = state.measures.of(inst);
        let earlier: Vec<&taper_store::QuestionnaireRecord> =
            questionnaires[..k].iter().filter(|p| p.instrument == qr.instrument).collect();
        // Never a retake the same day: it answers for the same fortnight.
        let prev = taper_core::measures::compared_with(&earlier, qr.date, |r| r.date).1.copied();
        let change = match prev.map(|p| (p, s.change(p.total, qr.total))) {
            Some((p, taper_core::measures::Change::ReliableDeterioration)) => {
                format!("reliable deterioration from {}", p.total)
            }
            Some((p, taper_core::measures::Change::ReliableImprovement)) => {
                format!("reliable improvement from {}", p.total)
            }
            Some((p, _)) => format!("no reliable change from {}", p.total),
            // A retake the same day answers for the same fortnight (a walk: two the same day
            // were both called "first").
            None if !earlier.is_empty() => "retaken the same day, not compared".into(),
            None => "first".into(),
        };
        views.push(ScoreView {
            date: qr.date.to_string(),
            name: inst.name(),
            total: qr.total,
            max: inst.max(),
            band: s.band(qr.total).to_string(),
            change,
            difficulty: qr.difficulty.and_then(taper_core::measures::difficulty_words).unwrap_or_default(),
            // The supporter reads the flag, which carries core's withdrawal caution.
            withdrawal: false,
            item9: super::questionnaires::item9_words(qr.item9),
        });
    }
    views.reverse();
    views
}

/// The viewer's own suggestions on this plan, with what became of them.
async fn my_suggestions(
    state: &AppState,
    viewer: &Person,
    owner: taper_store::UserId,
    courses: &[&timeline::Course],
) -> AppResult<Vec<(String, String, String)>> {
    let mut out = Vec::new();
    for c in courses {
        let drug = c.current().plan.drug_name.clone();
        out.extend(
            state
                .store
                .proposals(owner, c.plan_id)
                .await?
                .into_iter()
                .filter(|p| p.proposed_by == Some(viewer.id()))
                .map(|p| {
                    let outcome = match p.status {
                        taper_store::ProposalStatus::Pending => "waiting for them to decide".to_string(),
                        other => other.as_str().to_string(),
                    };
                    let title = if courses.len() > 1 { format!("{drug}: {}", p.title) } else { p.title };
                    (p.created_at.to_zoned_datetime(viewer.tz.clone()).date().to_string(), title, outcome)
                }),
        );
    }
    Ok(out)
}

/// The last 14 check-ins, each part shown only when shared.
/// The last check-ins, their notes opened, when their scores or notes are shared.
async fn recent_shared(
    state: &AppState,
    owner: taper_store::UserId,
    scope: Scope,
) -> AppResult<Vec<taper_store::CheckInRecord>> {
    if scope.contains(Category::CheckinScores) || scope.contains(Category::CheckinNotes) {
        Ok(state.store.recent_checkins(owner, RECENT_ROWS).await?)
    } else {
        Ok(Vec::new())
    }
}

/// The switch the person follows, when they share their plan.
async fn switch_shared(state: &AppState, r: &Record, scope: Scope) -> AppResult<Option<super::switching::SwitchToday>> {
    if scope.contains(Category::PlanAndDoses) {
        let tz = jiff::tz::TimeZone::get(&r.owner.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
        super::switching::view_of(state, r.owner.id, &tz, r.today).await
    } else {
        Ok(None)
    }
}

/// Check-ins listed on a supporter's page.
const RECENT_ROWS: u32 = 14;

fn checkin_rows(checkins: &[taper_store::CheckInRecord], scope: Scope) -> Vec<CheckinRow> {
    let hidden = || "not shared".to_string();
    checkins
        .iter()
        .rev()
        .map(|c| {
            let scores = scope.contains(Category::CheckinScores);
            let burden = taper_core::symptoms::burden_shown(&c.scores);
            CheckinRow {
                day: c.date.to_string(),
                burden: if scores {
                    burden.map_or_else(|| "too few answered".to_string(), |b| b.to_string())
                } else {
                    hidden()
                },
                wellbeing: if scores { c.wellbeing.to_string() } else { hidden() },
                // The person's own symptoms go with their scores.
                own: if scores { crate::checkin_form::own_words(&c.own) } else { hidden() },
                note: if scope.contains(Category::CheckinNotes) { c.note.clone() } else { hidden() },
            }
        })
        .collect()
}

/// One recent check-in on a supporter's page, each part as shared.
pub struct CheckinRow {
    pub day: String,
    pub burden: String,
    pub wellbeing: String,
    pub own: String,
    pub note: String,
}

/// What a supporter is told about flags they cannot see: the parts of the record that raise
/// flags and that the person keeps from them. Without it, an urgent flag vanished when the
/// person narrowed their sharing, and a clinician could think it had been dealt with.
fn kept_back(scope: Scope) -> Option<String> {
    let mut hidden: Vec<Category> = Vec::new();
    for c in taper_core::flags::FlagKind::ALL.iter().map(|k| k.about()).filter(|c| !scope.contains(*c)) {
        if !hidden.contains(&c) {
            hidden.push(c);
        }
    }
    let (last, rest) = hidden.split_last()?;
    let list = match rest {
        [] => last.short().to_string(),
        _ => format!("{} and {}", rest.iter().map(|c| c.short()).collect::<Vec<_>>().join(", "), last.short()),
    };
    Some(format!(
        "They do not share their {list} with you, so no flag about that part of their record is shown here, \
         however urgent; it still reaches anyone they share it with."
    ))
}

/// The flags this viewer resolved, in words: only those about what the person still shares
/// with them (a withdrawn category hides its resolved flags too: security probe N9).
fn resolved_by(r: &Record, viewer: &Person, scope: Scope) -> Vec<(String, String, String, String)> {
    let shared = |key: &str| taper_core::flags::FlagKind::of_key(key).is_some_and(|k| scope.contains(k.about()));
    r.notes
        .iter()
        .filter(|n| {
            let mine = n.by == viewer.id() && n.kind == FlagNoteKind::Resolved;
            (mine || r.closed_for_peer(n, viewer.user.role.may_resolve_urgent_flags())) && shared(&n.flag_key)
        })
        .map(|x| {
            (
                x.at.to_zoned_datetime(viewer.tz.clone()).date().to_string(),
                flag_words(&x.flag_key),
                x.note.clone(),
                x.by_name.clone(),
            )
        })
        .collect()
}

#[derive(Deserialize)]
pub struct ResolveForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    note: String,
    /// "resolved" (the default) or "reached_out".
    #[serde(default)]
    kind: String,
}

pub async fn resolve(
    State(state): State<AppState>,
    viewer: Person,
    Path(id): Path<String>,
    Form(f): Form<ResolveForm>,
) -> AppResult<Response> {
    let share = shared(&state, &viewer, &id).await?;
    let note = f.note.trim();
    if note.is_empty() || note.chars().count() > 2000 {
        return Err(AppError::BadRequest("Write what you did (up to 2000 characters).".into()));
    }
    let now = viewer.now();
    let r = timeline::record_of(&state, share.owner, now).await?;
    let flag = r
        .open_for_share(viewer.id(), viewer.user.role.may_resolve_urgent_flags(), share.scope)
        .into_iter()
        .find(|x| x.key == f.key)
        .ok_or(AppError::NotFound)?;
    let kind = match f.kind.as_str() {
        "reached_out" => FlagNoteKind::ReachedOut,
        "resolved" | "" if flag.urgency == Urgency::Urgent && !viewer.user.role.may_resolve_urgent_flags() => {
            return Err(AppError::BadRequest(
                "Only a clinician can resolve an urgent flag. Say that you reached out instead: your note is shown to the others, and their flags stay open."
                    .into(),
            ));
        }
        "resolved" | "" => FlagNoteKind::Resolved,
        _ => {
            return Err(AppError::BadRequest(
                "That is not an action on a flag: press \"I reached out\" or \"Resolve it\". Nothing was noted.".into(),
            ));
        }
    };
    match state.store.note_flag(share.owner, &flag.key, viewer.id(), &viewer.user.display_name, kind, note, now).await {
        Ok(()) | Err(StoreError::Conflict(_)) => {}
        Err(e) => return Err(e.into()),
    }
    let what = match kind {
        // A clinician's resolution of an urgent flag also closes it for peers (`Record::open_for`).
        FlagNoteKind::Resolved if flag.urgency == Urgency::Urgent => "resolved an urgent flag",
        FlagNoteKind::Resolved => "resolved a flag for themselves",
        FlagNoteKind::ReachedOut => "noted that they reached out about a flag",
    };
    state
        .store
        .audit(share.owner, viewer.id(), &viewer.user.display_name, &format!("{what}: {}", flag.title), now)
        .await?;
    // Said as it is: reaching out leaves the flag open (a walk read "Flag resolved" after it).
    let said = if kind == FlagNoteKind::ReachedOut { "noted" } else { "resolved" };
    Ok(Redirect::to(&format!("/people/{}?{said}=1", share.owner)).into_response())
}

/// The person's page again with the suggestion as typed and its error beside the field.
async fn shown_again(state: &AppState, viewer: &Person, id: &str, draft: Draft) -> AppResult<Response> {
    let none = Notice { resolved: None, noted: None, proposed: None };
    let page = person_page(state, viewer, id, &none, draft).await?;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Deserialize)]
pub struct ProposeForm {
    /// Which of their plans in force (several at once); may be left out when they have one.
    #[serde(default)]
    plan: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    reason: String,
}

/// With several plans, which one a suggestion may be for, each with its step's unit; none with one.
fn suggestion_plans(plans: &[&timeline::Course]) -> Vec<(String, String)> {
    if plans.len() <= 1 {
        return Vec::new();
    }
    plans
        .iter()
        .map(|c| {
            let unit = c.current().settings.step_unit().trim().to_string();
            (c.plan_id.to_string(), format!("{} (steps in {unit})", c.current().plan.drug_name))
        })
        .collect()
}

/// The plan in force a suggestion is for: the one named, or the only one.
fn chosen_plan<'r>(r: &'r Record, plan: &str) -> AppResult<&'r timeline::Course> {
    let all: Vec<&timeline::Course> = r.course.iter().chain(&r.others).collect();
    match (plan.trim(), all.as_slice()) {
        (_, []) => Err(AppError::BadRequest("They have no plan to change yet.".into())),
        ("", [one]) => Ok(one),
        ("", _) => Err(AppError::BadRequest(
            "They have more than one plan: choose which one your suggestion is for. Nothing was sent.".into(),
        )),
        (id, _) => all.into_iter().find(|c| c.plan_id.to_string() == id).ok_or(AppError::NotFound),
    }
}

/// A supporter with permission suggests a change; it waits for the person like any proposal.
pub async fn propose(
    State(state): State<AppState>,
    viewer: Person,
    Path(id): Path<String>,
    Form(f): Form<ProposeForm>,
) -> AppResult<Response> {
    let share = shared(&state, &viewer, &id).await?;
    // Suggesting a change needs both the permission and sight of the plan it changes.
    if !share.can_propose || !share.scope.contains(Category::PlanAndDoses) {
        return Err(AppError::NotFound);
    }
    let now = viewer.now();
    let r = timeline::record_of(&state, share.owner, now).await?;
    let course = chosen_plan(&r, &f.plan)?;
    let (on, _) = course.on(r.today).ok_or_else(|| AppError::BadRequest("Their plan has not started yet.".into()))?;
    let again = |field: &'static str, message: String| Draft {
        kind: f.kind.clone(),
        step: f.step.clone(),
        reason: f.reason.clone(),
        error: Some((field, message)),
    };
    let reason = f.reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        let draft = again("reason", "Say why you suggest this, in up to 2000 characters.".into());
        return shown_again(&state, &viewer, &id, draft).await;
    }
    let cur = course.current();
    let unit = cur.settings.step_unit();
    let (action, title) = match f.kind.as_str() {
        "hold" => (
            timeline::StoredAction::Hold { dose_mg: on.dose_mg },
            format!(
                "{} suggests holding at {}",
                viewer.user.display_name,
                course.dose_words(r.today).unwrap_or_else(|| mg(on.dose_mg))
            ),
        ),
        "slower" => {
            let step = match cur.settings.unit().smaller_step(cur.settings.step, &f.step) {
                Ok(step) => step,
                Err(message) => return shown_again(&state, &viewer, &id, again("step", message)).await,
            };
            (
                timeline::StoredAction::Slower { from_mg: on.dose_mg, step },
                format!(
                    "{} suggests smaller steps: {}{unit} from {}",
                    viewer.user.display_name,
                    timeline::fmt(step),
                    mg(on.dose_mg)
                ),
            )
        }
        _ => return shown_again(&state, &viewer, &id, again("kind", "Choose a hold or smaller steps.".into())).await,
    };
    let details = timeline::ProposalDetails {
        action,
        data: vec![
            format!("Suggested by {} ({})", viewer.user.display_name, viewer.user.role.key()),
            format!("Their reason: {reason}"),
        ],
        sources: vec![],
    };
    let details = serde_json::to_string(&details).map_err(|e| AppError::internal("encoding JSON", e))?;
    let new = taper_store::NewProposal {
        plan: course.plan_id,
        revision: cur.record.id,
        rule: taper_core::adapt::Origin::Supporter,
        title: &title,
        reason: "A suggestion from someone you share your record with. Nothing changes unless you accept it.",
        details: &details,
        proposed_by: Some((viewer.id(), &viewer.user.display_name)),
    };
    state.store.insert_proposal(share.owner, &new, now).await?;
    state
        .store
        .audit(share.owner, viewer.id(), &viewer.user.display_name, "suggested a change to your plan", now)
        .await?;
    Ok(Redirect::to(&format!("/people/{}?proposed=1", share.owner)).into_response())
}

/// A stored flag key in words: "item9:2026-11-23" → "PHQ-9 item 9 above zero (2026-11-23)".
fn flag_words(key: &str) -> String {
    let (kind, rest) = key.split_once(':').unwrap_or((key, ""));
    let what = taper_core::flags::FlagKind::of_key(key).map_or_else(|| kind.to_string(), |k| k.words().to_string());
    if rest.is_empty() { what.to_string() } else { format!("{what} ({})", rest.replace(':', ", ")) }
}

// View models: what this area's templates show.

pub struct FlagView {
    /// "Waiting 3 days; no one has answered it yet."
    pub waited: String,
    pub key: String,
    pub urgency: &'static str,
    pub title: String,
    pub data: Vec<String>,
    pub source: String,
    /// Whether this viewer may close it (urgent flags: clinicians only, for themselves).
    pub can_resolve: bool,
    /// Other supporters' notes on it: "Dr Lee: called, safe".
    pub others: Vec<String>,
}

pub struct CaseView {
    pub id: String,
    pub name: String,
    pub dose: String,
    pub flags: Vec<FlagView>,
    /// Which flags this supporter cannot see, and why.
    pub kept_back: Option<String>,
    /// When they last checked in, where they share their check-ins.
    pub last_checkin: Option<String>,
    /// The same day as a date (the CSV's column; a walk found the sentence there).
    pub last_checkin_date: Option<jiff::civil::Date>,
}

#[derive(Template, WebTemplate)]
#[template(path = "caseload.html")]
pub struct Caseload {
    pub chrome: crate::views::Chrome,
    pub people: Vec<CaseView>,
    /// People left out by the "show" choice.
    pub hidden: usize,
    /// The choices of order and of who is shown: (value, words, chosen).
    pub sorts: Vec<(&'static str, &'static str, bool)>,
    pub shows: Vec<(&'static str, &'static str, bool)>,
    /// The same list as a spreadsheet, in the same order.
    pub csv: String,
    /// Just signed up, with the country taken from the time zone: what was set and where to change it.
    pub country_note: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "person.html")]
pub struct PersonPage {
    pub chrome: crate::views::Chrome,
    /// A switch the person follows, when they share their plan.
    pub switch: Option<super::switching::SwitchToday>,
    pub id: String,
    pub name: String,
    pub can_propose: bool,
    pub summary: String,
    pub dose: String,
    pub chart: String,
    pub flags: Vec<FlagView>,
    pub resolved: Vec<(String, String, String, String)>,
    pub scores: Vec<ScoreView>,
    pub checkins: Vec<CheckinRow>,
    pub max_burden: u32,
    pub burden_scale: String,
    pub notice: Option<String>,
    pub plan_steps: Vec<SharedPlan>,
    /// Each shared plan's doses of the last days, as recorded.
    pub doses: Vec<super::shared_doses::DoseLog>,
    pub dose_days: i32,
    pub assessments: Vec<(String, String, String)>,
    pub pace: String,
    pub step_unit: String,
    /// The plans a suggestion may be for, when there are several: (id, words).
    pub plans: Vec<(String, String)>,
    /// The suggestion form's values and error, when it comes back.
    pub draft: Draft,
    /// This supporter's own suggestions and what became of them: (date, title, outcome).
    pub mine: Vec<(String, String, String)>,
    /// Which flags this supporter cannot see, and why.
    pub kept_back: Option<String>,
}

#[cfg(test)]
mod waited_tests {
    use jiff::civil::date;

    #[test]
    fn a_flag_says_how_long_it_has_waited_and_whether_anyone_answered() {
        let today = date(2026, 12, 6);
        assert_eq!(super::waited(today, today, false), "Raised today; no one has answered it yet.");
        assert_eq!(
            super::waited(date(2026, 12, 3), today, true),
            "Waiting 3 days; someone who supports them has written on it."
        );
        assert_eq!(super::waited(date(2026, 12, 5), today, false), "Waiting 1 day; no one has answered it yet.");
    }
}
