//! Flags for the people who support someone: what needs attention, how urgently, and the data
//! behind it. Computed here, pure; the server stores only who resolved which flag, and when.

use jiff::civil::Date;

use crate::consent::Category;
use crate::course::Change as DoseChange;
use crate::measures::{Change, Instrument, Measures};
use crate::units::trim_number as n;
use crate::waves::Reading;

/// A hold longer than this many days is flagged for review.
pub const LONG_HOLD_DAYS: i32 = 56;
/// No check-in for this many days is flagged.
pub const MISSED_CHECKIN_DAYS: i32 = 7;
/// A questionnaire this many days past due is flagged.
pub const OVERDUE_GRACE_DAYS: i32 = 7;
pub use crate::symptoms::HARD_DAY_LOOKBACK_DAYS;
/// Item-9 answers older than this no longer raise a new flag (they stay in the record).
pub const ITEM9_LOOKBACK_DAYS: i32 = 90;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Urgency {
    Urgent,
    High,
    Medium,
    Low,
}

impl Urgency {
    pub fn label(self) -> &'static str {
        match self {
            Urgency::Urgent => "urgent",
            Urgency::High => "high",
            Urgency::Medium => "medium",
            Urgency::Low => "low",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    /// Stable identity, so a resolution sticks to this flag and no other: e.g. `item9:2026-11-23`.
    pub key: String,
    pub urgency: Urgency,
    pub title: String,
    pub data: Vec<String>,
    pub source: &'static str,
    pub date: Date,
    /// Which rule raised it; the part of the record it comes from follows (`Flag::about`).
    pub kind: FlagKind,
}

/// The rules that raise flags, one per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagKind {
    Item9,
    SelfHarm,
    Deterioration,
    Overdue,
    Burden,
    HardDays,
    LongHold,
    MissedCheckins,
}

impl FlagKind {
    pub const ALL: [FlagKind; 8] = [
        FlagKind::Item9,
        FlagKind::SelfHarm,
        FlagKind::Deterioration,
        FlagKind::Overdue,
        FlagKind::Burden,
        FlagKind::HardDays,
        FlagKind::LongHold,
        FlagKind::MissedCheckins,
    ];

    /// The first part of a flag's key (`item9:2026-11-23`).
    pub fn prefix(self) -> &'static str {
        match self {
            FlagKind::Item9 => "item9",
            FlagKind::SelfHarm => "selfharm",
            FlagKind::Deterioration => "deterioration",
            FlagKind::Overdue => "overdue",
            FlagKind::Burden => "burden",
            FlagKind::HardDays => "hard",
            FlagKind::LongHold => "hold",
            FlagKind::MissedCheckins => "checkins",
        }
    }

    /// The kind of a stored key, by its prefix.
    pub fn of_key(key: &str) -> Option<FlagKind> {
        let prefix = key.split(':').next().unwrap_or_default();
        FlagKind::ALL.into_iter().find(|k| k.prefix() == prefix)
    }

    /// In words, for lists of resolved flags.
    pub fn words(self) -> &'static str {
        match self {
            FlagKind::Item9 => "PHQ-9 item 9 above zero",
            FlagKind::SelfHarm => "daily question: thoughts of self-harm",
            FlagKind::Deterioration => "reliable deterioration",
            FlagKind::Overdue => "questionnaire overdue",
            FlagKind::Burden => "burden rising after a step",
            FlagKind::HardDays => "hard days in the check-ins",
            FlagKind::LongHold => "long hold",
            FlagKind::MissedCheckins => "no recent check-ins",
        }
    }

    /// The part of the record the flag comes from: a supporter who was not given it does not
    /// see the flag either, so a flag never reveals what the person kept back.
    pub fn about(self) -> Category {
        match self {
            FlagKind::Item9 | FlagKind::Deterioration | FlagKind::Overdue => Category::Questionnaires,
            FlagKind::SelfHarm | FlagKind::Burden | FlagKind::HardDays | FlagKind::MissedCheckins => {
                Category::CheckinScores
            }
            FlagKind::LongHold => Category::PlanAndDoses,
        }
    }
}

impl Flag {
    pub fn about(&self) -> Category {
        self.kind.about()
    }
}

/// A completed questionnaire, as the flags read it (defined with the measures, which the
/// proposals read too).
pub use crate::measures::Scored as Result;

pub struct Input<'a> {
    pub today: Date,
    pub measures: &'a Measures,
    /// Oldest first.
    pub results: &'a [Result],
    /// What the wave analysis says (`Analysis::reading`).
    pub reading: &'a Reading,
    /// Every plan in force (several at once: issue 20), oldest first; empty without a plan.
    pub plans: &'a [PlanInput<'a>],
    pub last_checkin: Option<Date>,
    pub questionnaire_every_days: u32,
    /// Item-9 answers above zero kept on their own (complete questionnaire or not: one that
    /// matches a completed PHQ-9 of its day is read as that one), oldest first.
    pub item9_answers: &'a [(Date, u8)],
    /// Days the optional daily check-in question about self-harm was answered "yes".
    pub daily_safety: &'a [Date],
}

/// One plan in force, as the flags read it.
pub struct PlanInput<'a> {
    /// The medicine's name, said beside its milligrams when there are several plans.
    pub name: &'a str,
    /// Its dose changes up to today, oldest first.
    pub changes: &'a [DoseChange],
    pub hold_since: Option<Date>,
    /// Days the drug takes to settle after a change (`HalfLife::days_to_settle`).
    pub settle_days: f64,
    /// The plan's first day: a questionnaire never completed is due from the first plan's.
    pub started: Date,
}

/// A dose change and the plan it belongs to.
struct PlanChange<'a> {
    plan: &'a PlanInput<'a>,
    change: &'a DoseChange,
}

impl Input<'_> {
    fn has_plan(&self) -> bool {
        !self.plans.is_empty()
    }

    /// "the dose" with one plan, "the Sertraline dose" with several: milligrams of different
    /// drugs are never said without their name.
    fn dose_of(&self, plan: &PlanInput) -> String {
        if self.plans.len() > 1 { format!("the {} dose", plan.name) } else { "the dose".to_string() }
    }

    /// The latest change of any plan on or before `on` (a cut only, with `cut`).
    fn latest_change(&self, on: Date, cut: bool) -> Option<PlanChange<'_>> {
        self.plans
            .iter()
            .flat_map(|plan| plan.changes.iter().map(move |change| PlanChange { plan, change }))
            .filter(|c| c.change.date <= on && (!cut || c.change.to_mg < c.change.from_mg))
            .max_by_key(|c| c.change.date)
    }
}

fn days(a: Date, b: Date) -> i32 {
    (a - b).get_days()
}

fn dose_context(i: &Input, on: Date) -> Option<String> {
    i.latest_change(on, false).map(|PlanChange { plan, change: c }| {
        format!(
            "{} days after {} changed from {} mg to {} mg on {}",
            days(on, c.date),
            i.dose_of(plan),
            n(c.from_mg),
            n(c.to_mg),
            c.date
        )
    })
}

/// The highest item-9 answer above zero on each day, from completed questionnaires and from the
/// answers kept on their own.
/// One answer to item 9 above zero and where it was given: in a completed PHQ-9 (its total) or
/// kept on its own (`None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Item9Answer {
    value: u8,
    total: Option<u32>,
}

/// Each day with an answer above zero, and every such answer of that day (walk-through N8: two
/// answers on one day are said apart, never a mix of one's words and the other's total).
fn item9_by_day(i: &Input) -> Vec<(Date, Vec<Item9Answer>)> {
    let mut all: Vec<(Date, Item9Answer)> = i
        .results
        .iter()
        .filter(|r| r.instrument == Instrument::Phq9)
        .filter_map(|r| r.item9.filter(|v| *v > 0).map(|v| (r.date, Item9Answer { value: v, total: Some(r.total) })))
        .collect();
    // The answers kept on their own include those of completed questionnaires (kept before the
    // rest is scored): one the same as a completed PHQ-9's that day is that answer, not a second
    // (a walk: a completed PHQ-9 read as "not completed" beside itself).
    let completed = all.clone();
    all.extend(
        i.item9_answers
            .iter()
            .filter(|(_, v)| *v > 0)
            .filter(|&&(d, v)| !completed.iter().any(|(cd, a)| *cd == d && a.value == v))
            .map(|&(d, v)| (d, Item9Answer { value: v, total: None })),
    );
    all.sort();
    all.dedup();
    let mut out: Vec<(Date, Vec<Item9Answer>)> = Vec::new();
    for (d, a) in all {
        match out.last_mut() {
            Some(last) if last.0 == d => last.1.push(a),
            _ => out.push((d, vec![a])),
        }
    }
    out
}

/// Every flag that applies, most urgent first (then newest first): one function per rule,
/// each testable and citable on its own.
pub fn flags(i: &Input) -> Vec<Flag> {
    let rules: [fn(&Input) -> Vec<Flag>; 7] =
        [item9_flags, self_harm_flags, questionnaire_flags, burden_flags, hard_day_flags, hold_flags, checkin_flags];
    let mut out: Vec<Flag> = rules.iter().flat_map(|rule| rule(i)).collect();
    // Two questionnaires on one day raise one flag for that day.
    out.sort_by(|a, b| a.urgency.cmp(&b.urgency).then(b.date.cmp(&a.date)).then(a.key.cmp(&b.key)));
    out.dedup_by(|a, b| a.key == b.key);
    out
}

/// PHQ-9 item 9 above zero, completed or kept on its own: urgent, for each day (Simon et al. 2013).
fn item9_flags(i: &Input) -> Vec<Flag> {
    let mut out = Vec::new();
    for (date, answers) in item9_by_day(i) {
        if days(i.today, date) > ITEM9_LOOKBACK_DAYS {
            continue;
        }
        let word = |v: u8| crate::measures::ANSWERS[usize::from(v.min(3))];
        let mut data: Vec<String> = answers
            .iter()
            .map(|a| match a.total {
                Some(total) => format!(
                    "On {date}, in a completed PHQ-9 (total {total}), thoughts of being better off dead or of self-harm: \"{}\"",
                    word(a.value)
                ),
                None => format!(
                    "On {date}, thoughts of being better off dead or of self-harm: \"{}\"; the rest of that PHQ-9 was not completed, and this answer was kept on its own.",
                    word(a.value)
                ),
            })
            .collect();
        data.push("Any answer above zero calls for a structured risk assessment; it is not a diagnosis.".into());
        out.push(Flag {
            key: format!("item9:{date}"),
            urgency: Urgency::Urgent,
            title: "PHQ-9 item 9 answered above zero: check in with them about safety".into(),
            data,
            source: "simon2013",
            date,
            kind: FlagKind::Item9,
        });
    }
    out
}

/// A "yes" to the optional daily question: urgent, for each day, like item 9.
fn self_harm_flags(i: &Input) -> Vec<Flag> {
    let mut out = Vec::new();
    let mut yes_days: Vec<Date> = i.daily_safety.to_vec();
    yes_days.sort_unstable();
    yes_days.dedup();
    for date in yes_days.into_iter().rev() {
        if date > i.today || days(i.today, date) > ITEM9_LOOKBACK_DAYS {
            continue;
        }
        out.push(Flag {
            key: format!("selfharm:{date}"),
            urgency: Urgency::Urgent,
            title: "Daily check-in: thoughts of self-harm: check in with them about safety".into(),
            data: vec![
                format!("On {date}, asked \"{}\", they answered \"Yes\"", crate::measures::DAILY_SAFETY_QUESTION),
                // Not "they chose to be asked": an app of theirs may send it with the question
                // off (a walk read that untrue sentence in a prescriber's PDF).
                "Asked at check-in when they switch it on, or by an app of theirs in the same words; a yes routes \
                 like PHQ-9 item 9 above zero."
                    .into(),
                "Any answer above zero calls for a structured risk assessment; it is not a diagnosis.".into(),
            ],
            source: "simon2013",
            date,
            kind: FlagKind::SelfHarm,
        });
    }
    out
}

/// Per questionnaire: a reliable deterioration (from the first score or the last), and overdue.
fn questionnaire_flags(i: &Input) -> Vec<Flag> {
    let mut out = Vec::new();
    for inst in Instrument::ALL {
        let scoring = i.measures.of(inst);
        let mine: Vec<&Result> = i.results.iter().filter(|r| r.instrument == inst).collect();
        let (last, earlier) = mine.split_last().map_or((None, &[][..]), |(l, e)| (Some(*l), e));
        let (first, prev) = last.map_or((None, None), |l| crate::measures::compared_with(earlier, l.date, |r| r.date));
        if let (Some(last), Some(first), Some(prev)) = (last, first, prev) {
            let from_baseline = scoring.change(first.total, last.total) == Change::ReliableDeterioration;
            let from_previous = scoring.change(prev.total, last.total) == Change::ReliableDeterioration;
            if from_baseline || from_previous {
                let mut data = vec![
                    format!("{} on {}: {} ({})", scoring.name, last.date, last.total, scoring.band(last.total)),
                    format!("First score {} on {}; previous {} on {}", first.total, first.date, prev.total, prev.date),
                    format!("A rise of {} points or more is reliable for {}", scoring.reliable_change, scoring.name),
                ];
                data.extend(dose_context(i, last.date));
                let cut = i.latest_change(last.date, true);
                data.extend(crate::measures::withdrawal_caution(
                    inst,
                    cut.as_ref().map(|c| days(last.date, c.change.date)),
                    cut.as_ref().map_or(0.0, |c| c.plan.settle_days),
                ));
                out.push(Flag {
                    key: format!("deterioration:{}:{}", inst.key(), last.date),
                    urgency: Urgency::High,
                    title: format!("Reliable deterioration on {}", scoring.name),
                    data,
                    source: "nhs_tt",
                    date: last.date,
                    kind: FlagKind::Deterioration,
                });
            }
        }
        // Never completed: due from the first plan's first day (a walk: flagged overdue the day
        // the account was made).
        let first_plan = i.plans.iter().map(|p| p.started).min();
        let due = mine.last().map(|r| crate::course::after(r.date, i.questionnaire_every_days)).or(first_plan);
        if i.has_plan() && due.is_some_and(|d| days(i.today, d) > OVERDUE_GRACE_DAYS) {
            let since = due.unwrap_or(i.today);
            out.push(Flag {
                key: format!("overdue:{}:{}", inst.key(), since),
                urgency: Urgency::Low,
                title: format!("{} overdue", scoring.name),
                data: vec![match mine.last() {
                    Some(r) => format!("Last completed {}; due every {} days", r.date, i.questionnaire_every_days),
                    None => "Never completed".into(),
                }],
                source: "taper_policy",
                date: since,
                kind: FlagKind::Overdue,
            });
        }
    }
    out
}

/// Symptom burden rising in a wave that began soon after a dose cut.
fn burden_flags(i: &Input) -> Vec<Flag> {
    let mut out = Vec::new();
    if let (Some(w), Some(PlanChange { plan, change: c })) =
        (i.reading.ongoing_wave.as_ref(), i.latest_change(i.today, true))
        && w.start >= c.date
        && days(w.start, c.date) <= crate::adapt::AFTER_CHANGE_DAYS
    {
        let base = i.reading.baseline_mean.unwrap_or(0.0);
        out.push(Flag {
            key: format!("burden:{}", w.start),
            urgency: Urgency::Medium,
            title: "Symptom burden rising after a dose step".into(),
            data: vec![
                format!(
                    "{} changed from {} mg to {} mg on {}",
                    crate::units::capitalise(&i.dose_of(plan)),
                    n(c.from_mg),
                    n(c.to_mg),
                    c.date
                ),
                format!(
                    "Raised since {} ({} days); 3-day average up to {:.1} against a baseline of {:.1}",
                    w.start,
                    w.days(),
                    w.extreme,
                    base
                ),
            ],
            source: "horowitz_taylor2019",
            date: w.start,
            kind: FlagKind::Burden,
        });
    }
    out
}

/// Check-ins hard in themselves, the latest within [`HARD_DAY_LOOKBACK_DAYS`]: one flag for each
/// run of them, whatever the person's baseline and whether or not a dose just changed.
fn hard_day_flags(i: &Input) -> Vec<Flag> {
    let Some(h) = i
        .reading
        .hard_days
        .filter(|h| i.has_plan() && h.latest <= i.today && days(i.today, h.latest) <= HARD_DAY_LOOKBACK_DAYS)
    else {
        return Vec::new();
    };
    let when = if h.entries == 1 {
        format!("on {}", h.latest)
    } else {
        format!("on {} check-ins in a row, from {} to {}", h.entries, h.start, h.latest)
    };
    let mut data = vec![format!(
        "Burden {} {when} (of {}); Taper reads a day as hard from {}, every item mild on average",
        if h.entries == 1 { format!("{:.1}", h.highest) } else { format!("up to {:.1}", h.highest) },
        crate::symptoms::MAX_BURDEN,
        n(crate::symptoms::HIGH_IN_ITSELF)
    )];
    data.extend(dose_context(i, h.latest));
    vec![Flag {
        key: format!("hard:{}", h.start),
        urgency: Urgency::Medium,
        title: if h.entries == 1 { "A hard day in the check-ins".into() } else { "Hard days in the check-ins".into() },
        data,
        source: "taper_policy",
        date: h.start,
        kind: FlagKind::HardDays,
    }]
}

/// A hold longer than [`LONG_HOLD_DAYS`], one flag for each day a hold began (two plans held
/// since the same day are one flag, which names both).
fn hold_flags(i: &Input) -> Vec<Flag> {
    let mut since: Vec<(Date, &str)> = i
        .plans
        .iter()
        .filter_map(|p| p.hold_since.filter(|d| days(i.today, *d) > LONG_HOLD_DAYS).map(|d| (d, p.name)))
        .collect();
    since.sort_unstable();
    let mut out: Vec<Flag> = Vec::new();
    for (date, name) in since {
        if let Some(f) = out.iter_mut().find(|f| f.date == date) {
            f.data.push(format!("{name} is held since then too"));
            continue;
        }
        let what = if i.plans.len() > 1 { format!("{name}: holding") } else { "Holding".to_string() };
        out.push(Flag {
            key: format!("hold:{date}"),
            urgency: Urgency::Low,
            title: "On hold for a long time".into(),
            data: vec![format!("{what} since {date} ({} days); review whether and how to go on", days(i.today, date))],
            source: "taper_policy",
            date,
            kind: FlagKind::LongHold,
        });
    }
    out
}

/// No check-in for [`MISSED_CHECKIN_DAYS`] days while a plan runs.
fn checkin_flags(i: &Input) -> Vec<Flag> {
    let mut out = Vec::new();
    if i.has_plan() && i.last_checkin.is_none_or(|d| days(i.today, d) >= MISSED_CHECKIN_DAYS) {
        out.push(Flag {
            key: format!("checkins:{}", i.last_checkin.map_or_else(|| "never".to_string(), |d| d.to_string())),
            urgency: Urgency::Low,
            title: "No recent check-ins".into(),
            data: vec![match i.last_checkin {
                Some(d) => format!("Last check-in {d} ({} days ago)", days(i.today, d)),
                None => "No check-in yet".into(),
            }],
            source: "taper_policy",
            date: i.last_checkin.unwrap_or(i.today),
            kind: FlagKind::MissedCheckins,
        });
    }
    out
}
