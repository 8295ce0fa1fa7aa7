//! Glue between stored records and the core: a plan's revisions become a course on the
//! calendar, check-ins become a wave/window reading, and the reading becomes proposals.

use jiff::civil::Date;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use taper_core::adapt::{self, Action, FirstCut, Situation};
use taper_core::consent::Scope;
use taper_core::course::{self, OnDate, ScheduledDose, Segment};
use taper_core::waves::{self, Analysis, Entry};
use taper_store::{
    CheckInRecord, NewProposal, NewRevision, PlanHeads, PlanWithRevisions, ProposalRecord, ProposalStatus,
    RevisionBody, RevisionHead,
};

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::settings::{PlanSettings, StoredPlan, StoredStep};

/// One revision of a plan, its settings and steps parsed.
pub struct Rev {
    pub record: RevisionHead,
    /// Why this revision was made ("Plan created", a hold, a suggestion taken).
    pub reason: String,
    pub settings: PlanSettings,
    pub plan: StoredPlan,
}

impl Rev {
    fn parse(record: RevisionHead, body: &RevisionBody, catalogue: &taper_core::Catalogue) -> AppResult<Rev> {
        let settings: PlanSettings = AppError::stored("plan settings", &body.settings)?;
        let settings = settings.effective(catalogue);
        let plan: StoredPlan = AppError::stored("plan", &body.steps)?;
        Ok(Rev { record, reason: body.reason.clone(), settings, plan })
    }
}

/// One dose of a day (`Course::doses_of`): its time ("" and `None` for the day's one dose), in
/// minutes as dose records store it, the amount and how it is taken.
pub struct DayDose {
    pub time: String,
    pub minutes: Option<u16>,
    pub mg: f64,
    pub take: String,
}

#[derive(Clone)]
pub struct Course {
    pub plan_id: taper_store::PlanId,
    pub revs: Vec<Arc<Rev>>,
    pub segments: Vec<Segment>,
}

/// "12 mg" (as `pages::mg`, which this module cannot import: pages import it).
fn mg_words(v: f64) -> String {
    format!("{} mg", taper_core::units::trim_number(v))
}

impl Course {
    /// A plan read whole (its settings and steps with it).
    pub fn from_record(p: PlanWithRevisions, catalogue: &taper_core::Catalogue) -> AppResult<Course> {
        let (heads, bodies): (PlanHeads, Vec<RevisionBody>) = p.into();
        let revs = heads
            .revisions
            .into_iter()
            .zip(bodies)
            .map(|(head, body)| Rev::parse(head, &body, catalogue).map(Arc::new))
            .collect::<AppResult<Vec<_>>>()?;
        Course::from_revs(heads.plan.id, revs)
    }

    fn from_revs(plan_id: taper_store::PlanId, revs: Vec<Arc<Rev>>) -> AppResult<Course> {
        if revs.is_empty() {
            return Err(AppError::bug("reading a stored plan: it has no revisions"));
        }
        let segments =
            revs.iter().map(|r| segment(r.record.effective, r.record.day_offset, r.record.hold, &r.plan)).collect();
        Ok(Course { plan_id, revs, segments })
    }

    /// `owner`'s plans from their revisions' heads: each revision's settings and steps as
    /// parsed before (`plan_cache`), the rest read in one query and kept.
    pub async fn of_heads(
        state: &AppState,
        owner: taper_store::UserId,
        plans: Vec<PlanHeads>,
    ) -> AppResult<Vec<Course>> {
        Ok(Course::of_many(state, vec![(owner, plans)]).await?.pop().unwrap_or_default())
    }

    /// Each owner's plans from their heads, as `of_heads`, with one read for everyone's
    /// revisions not known yet.
    pub async fn of_many(
        state: &AppState,
        owners: Vec<(taper_store::UserId, Vec<PlanHeads>)>,
    ) -> AppResult<Vec<Vec<Course>>> {
        // What is known is taken now (the cache may forget it meanwhile); the rest is read.
        let mut known: std::collections::HashMap<taper_store::RevisionId, Arc<Rev>> = std::collections::HashMap::new();
        let mut missing = Vec::new();
        for head in owners.iter().flat_map(|(_, plans)| plans).flat_map(|p| &p.revisions) {
            match state.plans.get(head.id) {
                Some(rev) => drop(known.insert(head.id, rev)),
                None => missing.push(head.id),
            }
        }
        let mut bodies =
            if missing.is_empty() { Default::default() } else { state.store.revision_bodies(&missing).await? };
        // A revision as known, else parsed from the body just read and kept.
        let mut rev_of = |owner, head: RevisionHead| -> AppResult<Arc<Rev>> {
            if let Some(rev) = known.remove(&head.id) {
                return Ok(rev);
            }
            let body = bodies
                .remove(&head.id)
                .ok_or_else(|| AppError::bug("a plan revision's settings and steps cannot be read"))?;
            let rev = Arc::new(Rev::parse(head, &body, &state.catalogue)?);
            state.plans.keep(owner, rev.record.id, Arc::clone(&rev));
            Ok(rev)
        };
        let mut out = Vec::with_capacity(owners.len());
        for (owner, plans) in owners {
            let mut courses = Vec::with_capacity(plans.len());
            for p in plans {
                let revs = p.revisions.into_iter().map(|head| rev_of(owner, head)).collect::<AppResult<Vec<_>>>()?;
                courses.push(Course::from_revs(p.plan.id, revs)?);
            }
            out.push(courses);
        }
        Ok(out)
    }

    /// The person's first plan in force, if they have one: what a page about one plan shows when
    /// none is chosen.
    pub async fn load(state: &AppState, user: taper_store::UserId) -> AppResult<Option<Course>> {
        Ok(Course::load_all(state, user).await?.into_iter().next())
    }

    /// Every plan the person has in force (several at once: issue 20), oldest first.
    pub async fn load_all(state: &AppState, user: taper_store::UserId) -> AppResult<Vec<Course>> {
        Course::of_heads(state, user, state.store.active_plan_heads(user).await?).await
    }

    /// The plan in force a page or form names (`plan`, its id), or the first when a page names
    /// none (`None`); a form's empty field (`Some("")`) is refused when there are several. A plan
    /// that is not the person's, or no longer in force, is not found.
    pub async fn load_chosen(
        state: &AppState,
        user: taper_store::UserId,
        plan: Option<&str>,
    ) -> AppResult<Option<Course>> {
        let mut heads = state.store.active_plan_heads(user).await?;
        let Some(raw) = plan.map(str::trim).filter(|p| !p.is_empty()) else {
            // A form that names no plan, from a person with several, acts on none of them.
            if plan.is_some() && heads.len() > 1 {
                return Err(AppError::BadRequest(
                    "You have more than one plan: use the buttons on Today, which say which medicine each is for. Nothing was changed.".into(),
                ));
            }
            heads.truncate(1);
            return Ok(Course::of_heads(state, user, heads).await?.pop());
        };
        let id: taper_store::PlanId = raw.parse().map_err(|_| AppError::NotFound)?;
        heads.retain(|p| p.plan.id == id);
        match Course::of_heads(state, user, heads).await?.pop() {
            Some(course) => Ok(Some(course)),
            None => Err(AppError::NotFound),
        }
    }

    /// The plan as the several-plans rule reads it (`regimen::Taper`): its cuts from `today` on.
    pub fn as_taper<'a>(
        &self,
        catalogue: &taper_core::Catalogue,
        name: &'a str,
        today: Date,
    ) -> Option<taper_core::regimen::Taper<'a>> {
        taper_of(catalogue, self.drug(), &self.segments, name, today)
    }

    /// The one time of day a once-a-day plan was given ("08:00" in the form's times), in minutes;
    /// `None` for a plan taken at several times or at no given time.
    pub fn once_a_day_at(&self) -> Option<u16> {
        let times = self.current().settings.times.as_deref()?;
        let parsed = taper_core::units::DoseTimes::parse("times", times).ok()?;
        match parsed.times() {
            [one] => Some(one.minutes()),
            _ => None,
        }
    }

    pub fn current(&self) -> &Rev {
        // from_record refuses an empty list.
        &self.revs[self.revs.len() - 1]
    }

    pub fn on(&self, date: Date) -> Option<(OnDate, &StoredStep)> {
        let on = course::dose_on(&self.segments, date)?;
        let step = self.revs.get(on.segment)?.plan.steps.get(on.step)?;
        Some((on, step))
    }

    /// The dose on `date` in words a supporter reads, as the person measures it: where the
    /// product's milligrams count differently from the plan's (citalopram drops), the amount
    /// taken first and the plan's count beside it, so no one reads a tablet figure as a liquid's.
    pub fn dose_words(&self, date: Date) -> Option<String> {
        let (on, step) = self.on(date)?;
        let dose = mg_words(on.dose_mg);
        let taken = self.day_of(&on).map_or(step.as_taken_mg, |d| d.as_taken_mg);
        Some(match (taken, &step.as_taken_words) {
            (Some(t), Some((of, against))) => {
                format!("{} of {of} (counted as {dose} of {against})", mg_words(t))
            }
            (Some(t), None) => format!("{} of the liquid (counted as {dose} of tablets)", mg_words(t)),
            (None, _) => dose,
        })
    }

    /// How the dose on `date` is measured (`StoredStep::method`), where the stored plan says.
    pub fn method_on(&self, date: Date) -> Option<&str> {
        let (on, step) = self.on(date)?;
        match self.day_of(&on) {
            Some(d) => d.method.as_deref(),
            None => step.method.as_deref(),
        }
    }

    /// The first day of a new way of preparing the dose in force on `today`, when the way changed
    /// within the last `course::NEW_WAY_LOOKBACK_DAYS` (clinical review D1: the first day of a new phase
    /// asks the person to confirm they have read the new way).
    /// A product taken up counts as a new way too (a walk: the day an extended-release capsule
    /// gave way to immediate-release tablets, Today said nothing).
    pub fn new_way_since(&self, today: Date) -> Option<Date> {
        let now = self.method_on(today)?;
        let products = |d: Date| -> Vec<&str> {
            self.uses_on(d).map(|u| u.iter().map(|x| x.product_id.as_str()).collect()).unwrap_or_default()
        };
        let taken_now = products(today);
        let mut day = today;
        for _ in 0..course::NEW_WAY_LOOKBACK_DAYS {
            let before = day.yesterday().ok()?;
            let had = products(before);
            match self.method_on(before) {
                Some(m) if m == now && taken_now.iter().all(|p| had.is_empty() || had.contains(p)) => day = before,
                Some(_) => return Some(day),
                None => return None,
            }
        }
        None
    }

    /// The doses `date` is taken in, as the stored plan gives them: each dose time of its step,
    /// or the day's one dose (a step without times, or a day between steps, which has one
    /// preparation of its own). `None` outside the plan.
    pub fn doses_of(&self, date: Date) -> Option<Vec<DayDose>> {
        let (on, step) = self.on(date)?;
        Some(match self.day_of(&on) {
            None if !step.doses.is_empty() => step
                .doses
                .iter()
                .map(|d| DayDose {
                    time: d.time.clone(),
                    minutes: taper_core::units::DoseTime::parse("time", &d.time).ok().map(|t| t.minutes()),
                    mg: d.mg,
                    take: d.take.clone(),
                })
                .collect(),
            between => vec![DayDose {
                time: String::new(),
                minutes: None,
                mg: on.dose_mg,
                take: between.map_or_else(|| step.instruction.clone(), |d| d.instruction.clone()),
            }],
        })
    }

    /// What `date` uses up, product by product, as the stored plan gives it: `None` outside the
    /// plan, and from the stop on (a last step that uses nothing); empty where the plan was
    /// stored before supply was counted (`counts_supply`).
    pub fn uses_on(&self, date: Date) -> Option<&[crate::settings::StoredUse]> {
        let (on, step) = self.on(date)?;
        let uses = match self.day_of(&on) {
            Some(d) => d.uses.as_deref(),
            None => step.uses.as_deref(),
        }
        .unwrap_or_default();
        if uses.is_empty() && on.next.is_none() && !on.hold {
            return None;
        }
        Some(uses)
    }

    /// Whether the revision in force was stored with what each day uses up.
    pub fn counts_supply(&self) -> bool {
        self.current().plan.steps.iter().all(|s| s.uses.is_some())
    }

    /// Every product the plan uses from `from` on, for at most `days` days, in order of first
    /// use, with that first day.
    pub fn products_from(&self, from: Date, days: u32) -> Vec<(Date, &crate::settings::StoredUse)> {
        let mut out: Vec<(Date, &crate::settings::StoredUse)> = Vec::new();
        let mut day = from;
        for _ in 0..days {
            let Some(uses) = self.uses_on(day) else { break };
            for u in uses {
                if !out.iter().any(|(_, seen)| seen.product_id == u.product_id) {
                    out.push((day, u));
                }
            }
            let Ok(next) = day.tomorrow() else { break };
            day = next;
        }
        out
    }

    /// The day between steps that `on` falls on, where the plan falls every day.
    pub fn day_of(&self, on: &OnDate) -> Option<&crate::settings::StoredDay> {
        let i = on.daily?;
        self.revs.get(on.segment)?.plan.steps.iter().flat_map(|s| &s.daily).nth(i)
    }

    pub fn changes(&self, until: Date) -> Vec<course::Change> {
        course::changes(&self.segments, until)
    }

    /// How the dose on `on` is prepared: the day's own way on a day between steps, else its step's.
    pub fn instruction(&self, on: &OnDate, step: &crate::settings::StoredStep) -> String {
        self.day_of(on).map_or_else(|| step.instruction.clone(), |d| d.instruction.clone())
    }

    /// The days after `from`, up to `until`, on which the dose or how it is prepared differs from
    /// the day before (every day of a daily taper whose dose falls, and a step's first day made
    /// from tablets between days of strips): each with the dose before and the dose that day.
    pub fn preparation_changes(&self, from: Date, until: Date) -> Vec<(Date, f64, f64)> {
        let mut out = Vec::new();
        let mut before = self.on(from).map(|(on, step)| (on.dose_mg, self.instruction(&on, step)));
        let mut day = from;
        while day < until {
            let Ok(next) = day.tomorrow() else { break };
            day = next;
            let now = self.on(day).map(|(on, step)| (on.dose_mg, self.instruction(&on, step)));
            if let (Some((was, how_was)), Some((is, how))) = (&before, &now)
                && (was != is || how != how_was)
            {
                out.push((day, *was, *is));
            }
            before = now;
        }
        out
    }

    /// The days after `from`, up to `until`, on which a step begins or the way of preparing the
    /// dose changes, whether or not the dose does (a walk: with tapering strips the days between
    /// steps had already reached a step's dose, so its first day, made from tablets, was no
    /// "change" and neither the prescriber's summary nor the pharmacy's directions showed it).
    pub fn turns(&self, from: Date, until: Date) -> Vec<Date> {
        let mut out = Vec::new();
        let mut before = self.on(from).map(|(on, step)| ((on.segment, on.step), self.instruction(&on, step)));
        let mut day = from;
        while day < until {
            let Ok(next) = day.tomorrow() else { break };
            day = next;
            let now = self.on(day).map(|(on, step)| ((on.segment, on.step), self.instruction(&on, step)));
            let turned = match (&before, &now) {
                (Some((was, how_was)), Some((is, how))) => {
                    was != is || (how != how_was && self.on(day).is_some_and(|(on, _)| on.daily.is_none()))
                }
                (None, Some(_)) => true,
                _ => false,
            };
            if turned {
                out.push(day);
            }
            before = now;
        }
        out
    }

    /// While the plan holds: the day its next step would have come before the hold, from the
    /// revision before it (so going on is never sooner than the prescriber agreed).
    pub fn step_due_before_hold(&self) -> Option<Date> {
        let hold = self.current();
        let (_, earlier) = self.revs.split_last()?;
        let before = earlier.last().filter(|_| hold.record.hold)?;
        before
            .plan
            .steps
            .iter()
            .filter(|s| s.day > before.record.day_offset)
            .map(|s| course::after(before.record.effective, s.day - before.record.day_offset))
            .find(|d| *d > hold.record.effective)
    }

    pub fn holds(&self) -> u32 {
        self.revs.iter().filter(|r| r.record.hold).count() as u32
    }

    pub fn drug(&self) -> &str {
        &self.current().settings.drug
    }

    /// The name a person reads for the plan's drug.
    pub fn drug_name(&self, catalogue: &taper_core::Catalogue) -> String {
        catalogue.drug(self.drug()).map_or_else(|| self.drug().to_string(), |d| d.name.clone())
    }

    /// Days the plan's drug takes to settle after a change (core's `HalfLife::days_to_settle`);
    /// 0 for a drug the catalogue no longer knows.
    pub fn settle_days(&self, catalogue: &taper_core::Catalogue) -> f64 {
        catalogue.drug(self.drug()).map_or(0.0, |d| d.half_life.days_to_settle())
    }

    /// Dose breakpoints for charts: the dose from each date on, up to `until`.
    pub fn dose_points(&self, from: Date, until: Date) -> Vec<(Date, f64)> {
        let mut points = Vec::new();
        // From the chart's first day, or from the plan's first day where the chart starts
        // earlier (walk-through: a check-in back-dated before the plan left no dose line).
        let first = self.revs[0].record.effective;
        let begin = if first > from && first <= until { first } else { from };
        if let Some((on, _)) = self.on(begin) {
            points.push((begin, on.dose_mg));
        }
        points.extend(self.changes(until).into_iter().filter(|c| c.date > begin).map(|c| (c.date, c.to_mg)));
        points
    }

    /// Occupancy breakpoints, for drugs with a model: it changes only where the dose does.
    pub fn occupancy_points(&self, from: Date, until: Date) -> Vec<(Date, f64)> {
        self.dose_points(from, until)
            .into_iter()
            .filter_map(|(d, _)| self.on(d).and_then(|(_, s)| s.occupancy).map(|o| (d, o)))
            .collect()
    }
}

/// Each check-in with a burden (core's `burden_of`: one with no item answered has none).
pub fn entries(checkins: &[CheckInRecord]) -> Vec<Entry> {
    entries_of(checkins.iter().map(|c| (c.date, c.scores.as_slice())))
}

/// The same from the burdens kept on save (`Store::day_levels`, which parses no answers).
pub fn day_entries(days: &[taper_store::DayLevel]) -> Vec<Entry> {
    days.iter().filter_map(|d| d.level.map(|burden| Entry { date: d.date, burden })).collect()
}

fn entries_of<'a>(days: impl Iterator<Item = (Date, &'a [Option<u8>])>) -> Vec<Entry> {
    days.filter_map(|(date, scores)| taper_core::symptoms::burden_of(scores).map(|burden| Entry { date, burden }))
        .collect()
}

/// The burden of each check-in that has one, for a chart.
pub fn burden_points(entries: &[Entry]) -> Vec<(Date, f64)> {
    entries.iter().map(|e| (e.date, e.burden)).collect()
}

/// The waves-and-windows reading of `checkins`, worked out on a blocking thread: its cost grows
/// with the years of check-ins, and the async threads answer everyone else meanwhile (issue 19,
/// N4: one account's Progress stalled /health for 12 s).
/// Every dose change of every plan in force up to `today`, in date order, with the longest time
/// any of their drugs takes to settle: what reads a rise "after a cut" with several plans (a cut
/// of the second drug counts as much as one of the first). Dates only are to be read from it:
/// the milligrams are of different drugs.
pub fn cuts_of_all(courses: &[Course], catalogue: &taper_core::Catalogue, today: Date) -> (Vec<course::Change>, f64) {
    let mut changes: Vec<course::Change> = courses.iter().flat_map(|c| c.changes(today)).collect();
    changes.sort_by_key(|c| c.date);
    let settle = courses.iter().map(|c| c.settle_days(catalogue)).fold(0.0, f64::max);
    (changes, settle)
}

/// One revision as the calendar reads it.
pub fn segment(effective: Date, day_offset: u32, hold: bool, plan: &StoredPlan) -> Segment {
    Segment {
        effective,
        day_offset,
        hold,
        steps: plan.steps.iter().map(|s| ScheduledDose { day: s.day, dose_mg: s.dose_mg }).collect(),
        daily: plan
            .steps
            .iter()
            .flat_map(|s| &s.daily)
            .map(|d| ScheduledDose { day: d.day, dose_mg: d.dose_mg })
            .collect(),
    }
}

/// A plan of `drug` (its revisions as `segments`) as the several-plans rule reads it: its cuts
/// from `today` on. `None` for a drug the catalogue no longer knows.
pub fn taper_of<'a>(
    catalogue: &taper_core::Catalogue,
    drug: &str,
    segments: &[Segment],
    name: &'a str,
    today: Date,
) -> Option<taper_core::regimen::Taper<'a>> {
    let drug = catalogue.drug(drug)?;
    let until = today.checked_add(jiff::Span::new().days(taper_core::regimen::LOOK_AHEAD_DAYS)).ok()?;
    let changes: Vec<course::Change> =
        course::changes(segments, until).into_iter().filter(|c| c.date >= today && c.to_mg < c.from_mg).collect();
    Some(taper_core::regimen::Taper {
        name,
        class: drug.class,
        stops: changes.last().is_some_and(|c| c.to_mg <= 0.0),
        cuts: changes.into_iter().map(|c| c.date).collect(),
        settle_days: drug.half_life.days_to_settle(),
    })
}

/// The first dose change of any plan in `courses` up to `today`: where the person's own baseline
/// ends (with several plans, the check-ins before the first cut of either).
pub fn first_change<'a>(courses: impl IntoIterator<Item = &'a Course>, today: Date) -> Option<Date> {
    courses.into_iter().filter_map(|c| c.changes(today).first().map(|ch| ch.date)).min()
}

/// The person's waves-and-windows reading, with the baseline before `first_change`
/// (`first_change`): one reading of the person, whichever plan a page is about.
pub async fn analyse(entries: Vec<Entry>, first_change: Option<Date>) -> AppResult<Analysis> {
    tokio::task::spawn_blocking(move || waves::analyse(&entries, first_change))
        .await
        .map_err(|e| AppError::internal("reading the check-ins for waves", e))
}

/// Stored alongside a proposal: what accepting does, the data and the sources.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProposalDetails {
    pub action: StoredAction,
    pub data: Vec<String>,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StoredAction {
    Hold {
        dose_mg: f64,
    },
    Return {
        dose_mg: f64,
    },
    NextStep {
        from_mg: f64,
        step: f64,
    },
    /// From today, smaller steps from the current dose (a supporter's suggestion).
    Slower {
        from_mg: f64,
        step: f64,
    },
}

impl From<Action> for StoredAction {
    fn from(a: Action) -> Self {
        match a {
            Action::Hold { dose_mg } => StoredAction::Hold { dose_mg },
            Action::Return { dose_mg } => StoredAction::Return { dose_mg },
            Action::NextStep { from_mg, step } => StoredAction::NextStep { from_mg, step },
            Action::Slower { from_mg, step } => StoredAction::Slower { from_mg, step },
        }
    }
}

impl From<StoredAction> for Action {
    fn from(a: StoredAction) -> Self {
        match a {
            StoredAction::Hold { dose_mg } => Action::Hold { dose_mg },
            StoredAction::Return { dose_mg } => Action::Return { dose_mg },
            StoredAction::NextStep { from_mg, step } => Action::NextStep { from_mg, step },
            StoredAction::Slower { from_mg, step } => Action::Slower { from_mg, step },
        }
    }
}

/// Asks the core for a proposal and records it as pending unless the same rule is already
/// pending, or was declined lately, on the current revision. Returns the pending proposals of
/// the current revision.
/// Where the person stands today, as the adaptive rules and the readiness reading see it.
pub async fn situation<'a>(
    state: &AppState,
    user: taper_store::UserId,
    course: &Course,
    analysis: &'a Analysis,
    today: Date,
) -> AppResult<Situation<'a>> {
    let scored = results(&state.store.questionnaires(user).await?);
    Ok(situation_from(state, course, analysis, today, &scored))
}

fn situation_from<'a>(
    state: &AppState,
    course: &Course,
    analysis: &'a Analysis,
    today: Date,
    scored: &[taper_core::flags::Result],
) -> Situation<'a> {
    let cur = course.current();
    let on = course.on(today);
    let last_change = course.changes(today).last().copied();
    Situation {
        today,
        analysis,
        dose_mg: on.map_or(cur.settings.start_mg, |(o, _)| o.dose_mg),
        last_change,
        hold_since: cur.record.hold.then_some(cur.record.effective),
        holds: course.holds(),
        step: cur.settings.step,
        unit: cur.settings.unit(),
        has_next_step: on.is_some_and(|(o, _)| o.dose_mg > 0.0),
        score_rise: adapt::score_rise(scored, &state.measures, last_change, course.settle_days(&state.catalogue)),
    }
}

/// Where the person stands today and core's readiness reading of it (`readiness::read`), the
/// questionnaires read once for both.
pub async fn reading<'a>(
    state: &AppState,
    user: taper_store::UserId,
    course: &Course,
    analysis: &'a Analysis,
    today: Date,
) -> AppResult<(Situation<'a>, taper_core::readiness::Readiness)> {
    let scored = results(&state.store.questionnaires(user).await?);
    let s = situation_from(state, course, analysis, today, &scored);
    // Questionnaires say something only when one was answered since the last change.
    let since = s.last_change.map(|c| c.date);
    let answered = scored.iter().any(|q| since.is_none_or(|d| q.date >= d));
    let r = taper_core::readiness::read(&s, answered);
    Ok((s, r))
}

/// Works out each plan's suggestions from the person's data as they are now. Called when the
/// data change (a check-in, a questionnaire, a plan or a revision saved, an import) and by the
/// hourly sweep (`readings::run`) for what the passing days alone bring, never by a page view
/// (issue 21: GET requests never write). Bounded: one read of the person's day levels and
/// questionnaires, one wave analysis (linear in the days), one rule per plan.
pub async fn refresh_readings(
    state: &AppState,
    user: taper_store::UserId,
    today: Date,
    now: jiff::Timestamp,
) -> AppResult<()> {
    let courses = Course::load_all(state, user).await?;
    if courses.is_empty() {
        return Ok(());
    }
    // The count first: a check-in written while this reads leaves the kept reading stale,
    // never one that looks current without it.
    let version = state.store.levels_version(user).await?;
    let levels = state.store.day_levels(user).await?;
    let changed = first_change(&courses, today);
    let analysis = analyse(day_entries(&levels), changed).await?;
    state.store.put_reading(user, version, changed, &analysis.reading()).await?;
    for course in &courses {
        refresh_proposals(state, user, course, &analysis, today, now).await?;
    }
    Ok(())
}

/// The suggestions pending on a plan's current revision, as the data last left them.
pub async fn pending_proposals(
    state: &AppState,
    user: taper_store::UserId,
    course: &Course,
) -> AppResult<Vec<ProposalRecord>> {
    let cur = course.current().record.id;
    let all = state.store.proposals(user, course.plan_id).await?;
    Ok(all.into_iter().filter(|p| p.status == ProposalStatus::Pending && p.revision == cur).collect())
}

async fn refresh_proposals(
    state: &AppState,
    user: taper_store::UserId,
    course: &Course,
    analysis: &Analysis,
    today: Date,
    now: jiff::Timestamp,
) -> AppResult<Vec<ProposalRecord>> {
    let cur = course.current();
    let situation = situation(state, user, course, analysis, today).await?;
    let mut existing = state.store.proposals(user, course.plan_id).await?;
    if let Some(p) = adapt::propose(&situation) {
        let rule = adapt::Origin::Rule(p.rule);
        let earlier: Vec<adapt::Earlier> = existing
            .iter()
            .map(|e| adapt::Earlier {
                origin: e.rule,
                same_revision: e.revision == cur.record.id,
                pending: e.status == ProposalStatus::Pending,
                declined_secs_ago: e
                    .decided_at
                    .filter(|_| e.status == ProposalStatus::Declined)
                    .map(|d| (now - d).as_secs()),
            })
            .collect();
        if !adapt::repeats(p.rule, &earlier) {
            let details = ProposalDetails {
                action: p.action.into(),
                data: p.data.clone(),
                sources: p.sources.iter().map(|s| (*s).to_string()).collect(),
            };
            let details = serde_json::to_string(&details).map_err(|e| AppError::internal("encoding JSON", e))?;
            let new = NewProposal {
                plan: course.plan_id,
                revision: cur.record.id,
                rule,
                title: &p.title,
                reason: &p.reason,
                details: &details,
                proposed_by: None,
            };
            match state.store.insert_proposal(user, &new, now).await {
                // Made by another instance's sweep or a second tab meanwhile: the one is kept.
                Ok(_) | Err(taper_store::StoreError::Conflict(_)) => {}
                Err(e) => return Err(e.into()),
            }
            // Read back only when something was added.
            existing = state.store.proposals(user, course.plan_id).await?;
        }
    }
    Ok(existing.into_iter().filter(|p| p.status == ProposalStatus::Pending && p.revision == cur.record.id).collect())
}

/// The revision that accepting `action` today creates.
pub async fn revision_for(
    state: &AppState,
    course: &Course,
    action: StoredAction,
    today: Date,
) -> AppResult<(PlanSettings, StoredPlan, u32, bool, String)> {
    let cur = course.current();
    let mut settings = cur.settings.clone();
    settings.start_date = today;
    // How the plan changes, and why in words, are core's; this only builds and stores it.
    let reason = Action::from(action).reason(settings.unit());
    let revision = Action::from(action).revision();
    settings.start_mg = revision.from_mg;
    settings.step = revision.step.unwrap_or(settings.step);
    let req = settings.request(&state.catalogue).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let plan = state.plan(req).await?.map_err(|e| AppError::BadRequest(e.to_string()))?;
    let stored = StoredPlan::new(&plan, &state.catalogue);
    match revision.first_cut {
        FirstCut::None => Ok((settings, stored.first_only(), 0, true, reason)),
        FirstCut::AfterOneInterval => Ok((settings, stored, 0, false, reason)),
        FirstCut::Today => {
            let offset =
                stored.steps.get(1).map(|s| s.day).ok_or_else(|| AppError::BadRequest("no further step".into()))?;
            Ok((settings, stored, offset, false, reason))
        }
    }
}

pub fn fmt(v: f64) -> String {
    taper_core::units::trim_number(v)
}

/// Stores a revision built by [`revision_for`].
pub async fn add_revision(
    state: &AppState,
    user: taper_store::UserId,
    course: &Course,
    built: (PlanSettings, StoredPlan, u32, bool, String),
    today: Date,
    proposal: Option<taper_store::ProposalId>,
    now: jiff::Timestamp,
) -> AppResult<i64> {
    let (settings, plan, day_offset, hold, reason) = built;
    let settings = serde_json::to_string(&settings).map_err(|e| AppError::internal("encoding JSON", e))?;
    let steps = serde_json::to_string(&plan).map_err(|e| AppError::internal("encoding JSON", e))?;
    let rev = NewRevision {
        effective: today,
        day_offset,
        hold,
        settings: &settings,
        steps: &steps,
        reason: &reason,
        proposal,
    };
    let number = state.store.add_revision(user, course.plan_id, &rev, course.current().record.number, now).await?;
    refresh_readings(state, user, today, now).await?;
    Ok(number)
}

/// A person's check-ins and the wave reading of them, for one person's page.
#[derive(Clone)]
pub struct History {
    /// Every check-in's day and burden (no answers or notes: `Store::recent_checkins` for those).
    pub checkins: Vec<taper_store::DayLevel>,
    pub analysis: Analysis,
}

/// Everything a supporter's views need about one person, computed by the core.
#[derive(Clone)]
pub struct Record {
    pub owner: taper_store::User,
    pub today: Date,
    /// The first plan in force (what the flags and suggestions read), and the others.
    pub course: Option<Course>,
    pub others: Vec<Course>,
    /// The day of the latest check-in.
    pub last_checkin: Option<Date>,
    /// Every check-in and the wave reading of them (`record_of`); `None` when read for a
    /// caseload (`records_of`), whose flags read what was kept of them (issue 21).
    pub history: Option<History>,
    /// Every questionnaire with its answers (`record_of`); `None` when read for a caseload
    /// (`records_of`), which shows no answers.
    pub questionnaires: Option<Vec<taper_store::QuestionnaireRecord>>,
    /// Every flag that applies, most urgent first; each supporter sees those they have not resolved.
    pub flags: Vec<taper_core::flags::Flag>,
    /// Every supporter's notes on the flags, oldest first.
    pub notes: Vec<taper_store::FlagNote>,
    /// A switch the person follows, in words ("from Clonazepam to Diazepam").
    pub switching: Option<String>,
}

impl Record {
    /// The flags `viewer` has not resolved: one supporter's resolution never hides a flag from
    /// another, except that an urgent flag a clinician resolved is closed for a supporter who
    /// cannot resolve urgent flags (`resolves_urgent` false: a peer), who could otherwise never
    /// clear it (walk-through N9: it sat at the top of a peer's caseload for 90 days).
    pub fn open_for(&self, viewer: taper_store::UserId, resolves_urgent: bool) -> Vec<&taper_core::flags::Flag> {
        use taper_store::FlagNoteKind::Resolved;
        self.flags
            .iter()
            .filter(|f| {
                !self.notes.iter().any(|n| {
                    n.flag_key == f.key
                        && n.kind == Resolved
                        && (n.by == viewer || (!resolves_urgent && f.urgency == taper_core::flags::Urgency::Urgent))
                })
            })
            .collect()
    }

    /// Whether the note closed, for `viewer`, an urgent flag someone else (a clinician) resolved.
    pub fn closed_for_peer(&self, n: &taper_store::FlagNote, resolves_urgent: bool) -> bool {
        !resolves_urgent
            && n.kind == taper_store::FlagNoteKind::Resolved
            && self.flags.iter().any(|f| f.key == n.flag_key && f.urgency == taper_core::flags::Urgency::Urgent)
    }
}

impl Record {
    /// The flags `viewer` has not resolved, among those about what the person lets them see.
    pub fn open_for_share(
        &self,
        viewer: taper_store::UserId,
        resolves_urgent: bool,
        scope: Scope,
    ) -> Vec<&taper_core::flags::Flag> {
        self.open_for(viewer, resolves_urgent).into_iter().filter(|f| scope.contains(f.about())).collect()
    }
}

pub fn results(qs: &[taper_store::QuestionnaireRecord]) -> Vec<taper_core::flags::Result> {
    scored(&qs.iter().map(score_of).collect::<Vec<_>>())
}

/// A questionnaire's score alone.
fn score_of(q: &taper_store::QuestionnaireRecord) -> taper_store::QuestionnaireScore {
    taper_store::QuestionnaireScore { instrument: q.instrument.clone(), date: q.date, total: q.total, item9: q.item9 }
}

/// The scores as the flags read them (an unknown instrument is left out).
fn scored(scores: &[taper_store::QuestionnaireScore]) -> Vec<taper_core::flags::Result> {
    scores
        .iter()
        .filter_map(|q| {
            taper_core::measures::Instrument::from_key(&q.instrument).map(|instrument| taper_core::flags::Result {
                instrument,
                date: q.date,
                total: q.total,
                item9: q.item9,
            })
        })
        .collect()
}

/// A person's check-ins as read: all of them, or for a caseload what was kept of them.
enum Levels {
    All(Vec<taper_store::DayLevel>),
    /// For a caseload: the latest check-in's day, the kept reading, and the check-ins where it
    /// was stale (`read`).
    Kept {
        last: Option<Date>,
        kept: Option<taper_store::KeptReading>,
        read: Option<Vec<taper_store::DayLevel>>,
    },
}

/// What a person's reading is made from, as read from the store.
struct Reads {
    owner: taper_store::User,
    plans: Vec<Course>,
    levels: Levels,
    /// Every questionnaire with its answers, for one person's page; none for a caseload.
    questionnaires: Option<Vec<taper_store::QuestionnaireRecord>>,
    scores: Vec<taper_store::QuestionnaireScore>,
    signals: Vec<taper_store::SafetySignal>,
    daily: Vec<taper_store::SafetySignal>,
    notes: Vec<taper_store::FlagNote>,
    switch: Option<taper_store::SwitchRecord>,
}

pub async fn record_of(state: &AppState, owner: taper_store::UserId, now: jiff::Timestamp) -> AppResult<Record> {
    let store = &state.store;
    // Each read at once (one round trip's wait on PostgreSQL, not eight).
    let (user, plans, questionnaires, levels, signals, daily, notes, switch) = tokio::try_join!(
        async { Ok(store.user(owner).await?) },
        Course::load_all(state, owner),
        async { Ok(store.questionnaires(owner).await?) },
        // Levels only: check-in notes are read for the few rows a page shows (issue 21: every
        // note of every person was opened for the caseload).
        async { Ok(store.day_levels(owner).await?) },
        async { Ok(store.signals(owner).await?) },
        async { Ok(store.daily_safety_answers(owner).await?) },
        async { Ok(store.flag_notes(owner).await?) },
        async { Ok::<_, AppError>(store.active_switch(owner).await?) },
    )?;
    let reads = Reads {
        owner: user,
        plans,
        levels: Levels::All(levels),
        scores: questionnaires.iter().map(score_of).collect(),
        questionnaires: Some(questionnaires),
        signals,
        daily,
        notes,
        switch,
    };
    record_from(state, reads, now).await
}

/// The records of `owners` that exist, in their order: each table read once for all of them
/// (issue 21: a caseload read about ten queries a person), then each made as `record_of` makes
/// one.
pub async fn records_of(
    state: &AppState,
    owners: &[taper_store::UserId],
    now: jiff::Timestamp,
) -> AppResult<Vec<Record>> {
    // The accounts first, with each person's data version: a record made since from the same
    // data, day and time zone is shown again (`kept`); only the others are read (issue 21).
    let users = state.store.users_of(owners).await?;
    let made = |u: &taper_store::User| {
        let tz = jiff::tz::TimeZone::get(&u.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
        crate::kept::Made::of(u, now.to_zoned_datetime(tz).date())
    };
    let mut found = std::collections::HashMap::new();
    let mut unread = std::collections::HashMap::new();
    for (id, user) in users {
        match state.records.get(id, &made(&user)) {
            Some(r) => {
                found.insert(id, r);
            }
            None => {
                unread.insert(id, user);
            }
        }
    }
    let missing: Vec<taper_store::UserId> = owners.iter().filter(|id| unread.contains_key(id)).copied().collect();
    // Each record carries the account read above, so its key is the one its data were read under.
    for r in read_records(state, &missing, unread, now).await? {
        state.records.keep(r.owner.id, made(&r.owner), r.clone());
        found.insert(r.owner.id, r);
    }
    Ok(owners.iter().filter_map(|id| found.remove(id)).collect())
}

/// The records of `owners` read from the database, `users` their accounts (read first).
async fn read_records(
    state: &AppState,
    owners: &[taper_store::UserId],
    mut users: std::collections::HashMap<taper_store::UserId, taper_store::User>,
    now: jiff::Timestamp,
) -> AppResult<Vec<Record>> {
    let store = &state.store;
    let instruments = taper_core::measures::Instrument::ALL.map(|i| i.key());
    // Each table once for everyone, all at once (on PostgreSQL each read waits a round trip, and
    // the pool has connections to spare). What was kept of each person's check-ins, not the
    // check-ins (issue 21); scores alone, without answers (they were a third of its time).
    let (mut plans, mut kept, mut last, mut scores, mut signals, mut daily, mut notes, mut switches) = tokio::try_join!(
        store.active_plan_heads_of(owners),
        store.readings_of(owners),
        store.last_checkins_of(owners),
        store.questionnaire_scores_of(owners, &instruments),
        store.signals_of(owners),
        store.daily_safety_answers_of(owners),
        store.flag_notes_of(owners),
        store.active_switches_of(owners),
    )?;
    // The check-ins only of those whose kept reading is stale or missing, all in one read.
    let stale: Vec<taper_store::UserId> = owners
        .iter()
        .filter(|id| plans.get(id).is_some_and(|p| !p.is_empty()) && kept.get(id).is_none_or(|k| !k.current))
        .copied()
        .collect();
    let mut levels = store.day_levels_of(&stale).await?;
    let heads: Vec<(taper_store::UserId, Vec<PlanHeads>)> =
        owners.iter().map(|id| (*id, plans.remove(id).unwrap_or_default())).collect();
    let mut courses: std::collections::HashMap<taper_store::UserId, Vec<Course>> =
        owners.iter().copied().zip(Course::of_many(state, heads).await?).collect();
    let mut out = Vec::with_capacity(owners.len());
    for id in owners {
        let Some(owner) = users.remove(id) else { continue };
        let reads = Reads {
            owner,
            plans: courses.remove(id).unwrap_or_default(),
            levels: Levels::Kept { last: last.remove(id), kept: kept.remove(id), read: levels.remove(id) },
            questionnaires: None,
            scores: scores.remove(id).unwrap_or_default(),
            signals: signals.remove(id).unwrap_or_default(),
            daily: daily.remove(id).unwrap_or_default(),
            notes: notes.remove(id).unwrap_or_default(),
            switch: switches.remove(id),
        };
        out.push(record_from(state, reads, now).await?);
    }
    Ok(out)
}

/// A person's record from what was read: their plans, the wave reading and the flags.
async fn record_from(state: &AppState, reads: Reads, now: jiff::Timestamp) -> AppResult<Record> {
    let Reads { owner, plans, levels, questionnaires, scores, signals, daily, notes, switch } = reads;
    let tz = jiff::tz::TimeZone::get(&owner.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let today = now.to_zoned_datetime(tz).date();
    let mut all = plans.into_iter();
    let course = all.next();
    let others: Vec<Course> = all.collect();
    let changed = first_change(course.iter().chain(&others), today);
    let (reading, last_checkin, history) = match levels {
        Levels::All(checkins) => {
            let analysis = analyse(day_entries(&checkins), changed).await?;
            (analysis.reading(), checkins.last().map(|c| c.date), Some(History { checkins, analysis }))
        }
        Levels::Kept { last, kept, read } => {
            let courses = courses_of(&course, &others);
            (kept_or_read(state, owner.id, &courses, changed, kept, read).await?, last, None)
        }
    };
    let results = scored(&scores);
    let all: Vec<&Course> = course.iter().chain(&others).collect();
    let names: Vec<String> = all.iter().map(|c| c.drug_name(&state.catalogue)).collect();
    let changes: Vec<Vec<course::Change>> = all.iter().map(|c| c.changes(today)).collect();
    let plans: Vec<taper_core::flags::PlanInput> = all
        .iter()
        .zip(&names)
        .zip(&changes)
        .map(|((c, name), changes)| taper_core::flags::PlanInput {
            name,
            changes,
            hold_since: c.current().record.hold.then_some(c.current().record.effective),
            settle_days: c.settle_days(&state.catalogue),
            started: c.revs[0].record.effective,
        })
        .collect();
    let signals: Vec<(Date, u8)> = signals.into_iter().map(|s| (s.date, s.value)).collect();
    let daily: Vec<Date> = daily.into_iter().map(|s| s.date).collect();
    let input = taper_core::flags::Input {
        today,
        measures: &state.measures,
        results: &results,
        reading: &reading,
        plans: &plans,
        last_checkin,
        questionnaire_every_days: taper_core::measures::QUESTIONNAIRE_EVERY_DAYS,
        item9_answers: &signals,
        daily_safety: &daily,
    };
    let flags = taper_core::flags::flags(&input);
    let switching = switch.map(|s| words_of_switch(state, &s)).transpose()?;
    Ok(Record { owner, today, course, others, last_checkin, history, questionnaires, flags, notes, switching })
}

fn courses_of<'a>(course: &'a Option<Course>, others: &'a [Course]) -> Vec<&'a Course> {
    course.iter().chain(others).collect()
}

/// The reading the flags need for a caseload: none without a plan (only a wave after a change of
/// dose raises a flag), the kept one while it is current, else read from the check-ins now
/// (never written here: GET requests never write; the next write or the hourly sweep keeps it).
async fn kept_or_read(
    state: &AppState,
    owner: taper_store::UserId,
    courses: &[&Course],
    changed: Option<Date>,
    kept: Option<taper_store::KeptReading>,
    read: Option<Vec<taper_store::DayLevel>>,
) -> AppResult<waves::Reading> {
    if courses.is_empty() {
        return Ok(waves::Reading { baseline_mean: None, ongoing_wave: None, hard_days: None });
    }
    match kept.filter(|k| k.current && k.first_change == changed) {
        Some(k) => Ok(k.reading),
        None => {
            // Read with the others where it was known stale; else (kept from another first
            // change of dose) now.
            let levels = match read {
                Some(levels) => levels,
                None => state.store.day_levels(owner).await?,
            };
            Ok(analyse(day_entries(&levels), changed).await?.reading())
        }
    }
}

/// The switch `user` follows, in words, read from its kept answers.
pub async fn switch_words(state: &AppState, user: taper_store::UserId) -> AppResult<Option<String>> {
    state.store.active_switch(user).await?.map(|s| words_of_switch(state, &s)).transpose()
}

/// A switch in words ("from Clonazepam to Diazepam").
fn words_of_switch(state: &AppState, s: &taper_store::SwitchRecord) -> AppResult<String> {
    let answers: Vec<(String, String)> = AppError::stored("switch", &s.form)?;
    let name = |key: &str| {
        let id = crate::form::value(&answers, key);
        state.catalogue.drug(&id).map_or(id, |d| d.name.clone())
    };
    Ok(format!("from {} to {}", name("from"), name("to")))
}
