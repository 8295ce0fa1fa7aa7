//! Proposals from a person's check-ins: hold, return to the last tolerated dose, or take the
//! next (smaller) step. A proposal only describes; nothing changes until the person accepts it.
//!
//! The clinical rules are published advice (Horowitz & Taylor 2019; Maudsley Deprescribing
//! Guidelines 2024): hold a reduction while withdrawal symptoms are raised; when they are severe
//! or do not settle, go back to the last dose that was tolerated; reduce again only once stable,
//! and more slowly after a hold. The numbers below that make those words concrete (how long,
//! how high) are Taper's own conservative defaults, cited as `taper_policy`.

use jiff::civil::Date;

use crate::course::Change;
use crate::units::trim_number as n;
use crate::waves::{Analysis, Episode, State};

/// A wave counts as following a dose change when it starts within this many days of it.
pub const AFTER_CHANGE_DAYS: i32 = 42;
/// A wave this long (calendar days) is persistent.
pub const PERSISTENT_DAYS: i32 = 14;
/// A rolling mean this many thresholds above baseline is severe.
pub const SEVERE_THRESHOLDS: f64 = 2.0;
/// A hold must last this long, free of raised days, before the next step is proposed.
pub const STABLE_DAYS: i32 = 14;
/// …with at least this many check-ins in that time.
pub const STABLE_MIN_CHECKINS: usize = 7;
/// Older check-ins than this are too stale to act on.
pub const FRESH_DAYS: i32 = 3;
/// After the person declines a proposal, the same rule stays quiet on the same revision this long.
pub const DECLINE_QUIET_DAYS: i64 = 7;

/// The unit a plan's step is counted in, and so how small a proposal may make it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepUnit {
    /// Percentage points of modelled occupancy (hyperbolic plans).
    PercentagePoints,
    /// Percent of the current dose (proportional plans).
    Percent,
}

impl StepUnit {
    /// The smallest step a proposal or a supporter may shrink a plan's step to (Taper's own
    /// floor: below it steps become too small to measure or to feel).
    pub fn min_step(self) -> f64 {
        match self {
            StepUnit::PercentagePoints => 1.0,
            StepUnit::Percent => 2.5,
        }
    }

    /// The unit as written after a number in a sentence: "5 pp", "10%".
    pub fn after_number(self) -> &'static str {
        match self {
            StepUnit::PercentagePoints => " pp",
            StepUnit::Percent => "%",
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            StepUnit::PercentagePoints => "pp",
            StepUnit::Percent => "%",
        }
    }

    /// A smaller step suggested by a supporter: at least the floor and below the current step.
    pub fn smaller_step(self, current: f64, input: &str) -> Result<f64, String> {
        let min = self.min_step();
        input.trim().parse::<f64>().ok().filter(|s| s.is_finite() && *s >= min && *s < current).ok_or_else(|| {
            format!(
                "A smaller step must be at least {}{u} and below the current {}{u}.",
                n(min),
                n(current),
                u = if self == StepUnit::Percent { "%" } else { " pp" }
            )
        })
    }
}

/// Where the person is now.
#[derive(Debug, Clone, Copy)]
pub struct Situation<'a> {
    pub today: Date,
    pub analysis: &'a Analysis,
    /// Today's dose.
    pub dose_mg: f64,
    /// The most recent change of dose on or before today.
    pub last_change: Option<Change>,
    /// The plan is on hold since this date.
    pub hold_since: Option<Date>,
    /// Holds and returns so far in this plan.
    pub holds: u32,
    /// The plan's step, in its unit.
    pub step: f64,
    pub unit: StepUnit,
    /// False when the plan has no further step (it is at its end).
    pub has_next_step: bool,
    /// A reliable questionnaire worsening soon after the latest cut (`score_rise`).
    pub score_rise: Option<ScoreRise>,
}

/// A reliable worsening on PHQ-9 or GAD-7 after the latest cut, while the drug was still
/// settling: the score before and the latest one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreRise {
    pub name: &'static str,
    pub before: (Date, u32),
    pub after: (Date, u32),
    pub cut: Change,
}

/// Reads the questionnaires (oldest first) against the latest cut: the latest score since it,
/// if taken within `settle_days`, and the one before that; a reliable rise is a `ScoreRise`
/// (clinical review W8; walk-through round 3: a PHQ-9 from 6 to 18 three days after a cut left
/// "No suggestions right now").
pub fn score_rise(
    results: &[crate::measures::Scored],
    measures: &crate::measures::Measures,
    cut: Option<Change>,
    settle_days: f64,
) -> Option<ScoreRise> {
    let cut = cut.filter(|c| c.to_mg < c.from_mg)?;
    crate::measures::Instrument::ALL.into_iter().find_map(|inst| {
        let scoring = measures.of(inst);
        let mine: Vec<&crate::measures::Scored> = results.iter().filter(|r| r.instrument == inst).collect();
        // The latest score since the cut, against the one before it: a later, calmer score (or
        // one after the drug settled) lets the check-ins speak again.
        let at = mine.iter().rposition(|r| r.date >= cut.date)?;
        let after = mine[at];
        // Never a retake the same day: it answers for the same fortnight.
        let before = *crate::measures::compared_with(&mine[..at], after.date, |r| r.date).1?;
        let within = f64::from((after.date - cut.date).get_days()) <= settle_days.ceil();
        if !(within && scoring.change(before.total, after.total) == crate::measures::Change::ReliableDeterioration) {
            return None;
        }
        Some(ScoreRise {
            name: inst.name(),
            before: (before.date, before.total),
            after: (after.date, after.total),
            cut,
        })
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    HoldOnRise,
    ReturnToTolerated,
    StepWhenStable,
}

impl Rule {
    /// Stable key for storage.
    pub fn key(self) -> &'static str {
        match self {
            Rule::HoldOnRise => "hold",
            Rule::ReturnToTolerated => "return",
            Rule::StepWhenStable => "next_step",
        }
    }
    pub fn from_key(key: &str) -> Option<Rule> {
        [Rule::HoldOnRise, Rule::ReturnToTolerated, Rule::StepWhenStable].into_iter().find(|r| r.key() == key)
    }
}

/// Where a proposal came from: one of core's rules, or a supporter's suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Rule(Rule),
    Supporter,
}

impl Origin {
    /// Stable key for storage: the rule's key, or "supporter".
    pub fn key(self) -> &'static str {
        match self {
            Origin::Rule(r) => r.key(),
            Origin::Supporter => "supporter",
        }
    }
    pub fn from_key(key: &str) -> Option<Origin> {
        if key == "supporter" { Some(Origin::Supporter) } else { Rule::from_key(key).map(Origin::Rule) }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    /// Stay on this dose until further notice.
    Hold { dose_mg: f64 },
    /// Go back to this dose and stay there until further notice.
    Return { dose_mg: f64 },
    /// Take the next step today, with this step size from now on.
    NextStep { from_mg: f64, step: f64 },
    /// Smaller steps from this dose (a supporter's suggestion): today's dose for one more
    /// interval, then the new steps.
    Slower { from_mg: f64, step: f64 },
}

/// When the first cut of a revised plan comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstCut {
    /// No cut: the plan holds until another decision.
    None,
    /// The first cut of the re-plan is taken on the day the revision starts.
    Today,
    /// The current dose is kept for one interval, then the cuts begin.
    AfterOneInterval,
}

/// What accepting an action does to the plan: re-plan from `from_mg` with `step` (or keep the
/// current step), and when the first cut comes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Revision {
    pub from_mg: f64,
    pub step: Option<f64>,
    pub first_cut: FirstCut,
}

/// An earlier proposal on the same plan, as the repeat rule reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Earlier {
    pub origin: Origin,
    /// Made on the revision now in force.
    pub same_revision: bool,
    pub pending: bool,
    /// Seconds since the person declined it; None when not declined.
    pub declined_secs_ago: Option<i64>,
}

/// Whether a new proposal from `rule` would repeat one the person already has: the same rule is
/// pending on the revision in force, or was declined there less than `DECLINE_QUIET_DAYS` ago
/// (so a "no" is respected for a week rather than asked again at the next check-in).
pub fn repeats(rule: Rule, earlier: &[Earlier]) -> bool {
    earlier.iter().any(|e| {
        e.same_revision
            && e.origin == Origin::Rule(rule)
            && (e.pending || e.declined_secs_ago.is_some_and(|s| s < DECLINE_QUIET_DAYS * 86_400))
    })
}

impl Action {
    /// Why the plan changed, in the words kept with the new revision.
    pub fn reason(self, unit: StepUnit) -> String {
        let u = unit.after_number();
        match self {
            Action::Hold { dose_mg } => format!("Hold at {} mg: symptoms rose after a step", n(dose_mg)),
            Action::Return { dose_mg } => {
                format!("Back to {} mg, the last dose tolerated: symptoms severe or not settling", n(dose_mg))
            }
            Action::NextStep { step, .. } => {
                format!("Next step after a stable hold, {}{u} per step from now on", n(step))
            }
            Action::Slower { from_mg, step } => {
                format!("Smaller steps from {} mg: {}{u} per step", n(from_mg), n(step))
            }
        }
    }

    pub fn revision(self) -> Revision {
        match self {
            Action::Hold { dose_mg } | Action::Return { dose_mg } => {
                Revision { from_mg: dose_mg, step: None, first_cut: FirstCut::None }
            }
            Action::NextStep { from_mg, step } => Revision { from_mg, step: Some(step), first_cut: FirstCut::Today },
            Action::Slower { from_mg, step } => {
                Revision { from_mg, step: Some(step), first_cut: FirstCut::AfterOneInterval }
            }
        }
    }

    /// True when accepting ends a hold (the plan takes steps again).
    pub fn resumes(self) -> bool {
        self.revision().first_cut != FirstCut::None
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub rule: Rule,
    pub action: Action,
    pub title: String,
    /// Why, in a sentence.
    pub reason: String,
    /// The data behind it, one fact per line.
    pub data: Vec<String>,
    /// Source keys in `data/sources.toml`.
    pub sources: Vec<&'static str>,
}

/// The most cautious proposal that applies, or None. A questionnaire rise after a cut answers
/// like a rise in check-ins: hold, and never the next step while it stands.
pub fn propose(s: &Situation) -> Option<Proposal> {
    match (from_checkins(s), s.score_rise) {
        (Some(p), _) if p.rule != Rule::StepWhenStable => Some(p),
        (_, Some(r)) => hold_on_score(s, &r),
        (p, None) => p,
    }
}

/// What holding does to the steps after it, in words for the person before they hold: the rule
/// is `resume_step`'s, so the page says what the planner does (a walk held without knowing it).
pub const AFTER_HOLD: &str = "When you go on after a hold, the steps that follow are half the size of your plan's \
     first steps (once: a later hold does not halve them again; a hold before your first step changes nothing), as \
     published advice is to go on more slowly after a hold (Horowitz & Taylor 2019); your prescriber can set another \
     pace.";

/// The step to go on with after a hold: the plan's own, halved after an earlier hold or return
/// (reduce more slowly after a hold; Horowitz & Taylor 2019), never below the floor. A hold
/// before the plan's first cut leaves the step as it was: there is no step yet to go on more
/// slowly from (a walk: a hold and "ready" on the first day, before any cut, halved every step
/// and doubled the plan's length).
pub fn resume_step(s: &Situation) -> f64 {
    if s.holds > 0 && s.last_change.is_some() { (s.step / 2.0).max(s.unit.min_step()).min(s.step) } else { s.step }
}

/// Why the plan changed when the person held or went on by their own choice, in the words kept
/// with the new revision (issue 20: "pausing by oneself"): a step smaller than `before` says
/// why, and going on while the reading said Hold (`against_hold`) says so, for whoever reads the
/// history later.
pub fn own_reason(action: Action, unit: StepUnit, before: f64, against_hold: bool) -> String {
    let u = unit.after_number();
    match action {
        Action::Hold { dose_mg } | Action::Return { dose_mg } => {
            format!("Held at {} mg by your own choice", n(dose_mg))
        }
        Action::NextStep { step, .. } | Action::Slower { step, .. } => {
            let slower = if (step - before / 2.0).abs() <= 1e-9 {
                format!(", half the {}{u} before: after a hold, published advice is to go on more slowly", n(before))
            } else if step < before {
                format!(
                    ", smaller than the {}{u} before: after a hold, published advice is to go on more slowly",
                    n(before)
                )
            } else {
                String::new()
            };
            let against = if against_hold {
                "; the readiness reading said Hold, and you confirmed you had talked it through with your prescriber"
            } else {
                ""
            };
            format!("You said you were ready for the next step: {}{u} per step from now on{slower}{against}", n(step))
        }
    }
}

/// Why the plan changed when the person moved their next step later, in the words kept with the
/// new revision (issue 20: "shift later steps by N days").
pub fn moved_reason(days: u32, to: jiff::civil::Date) -> String {
    format!("Next step moved {days} day{} later, to {to}, by your own choice", if days == 1 { "" } else { "s" })
}

/// The proposal the check-ins alone call for.
fn from_checkins(s: &Situation) -> Option<Proposal> {
    let a = s.analysis;
    let b = a.baseline?;
    let latest = a.latest()?;
    if (s.today - latest.date).get_days() > FRESH_DAYS {
        return None;
    }
    let cut = s.last_change.filter(|c| c.to_mg < c.from_mg);
    // An ongoing wave that runs past a cut, begun no later than six weeks after it. It may have
    // begun before the cut: one hard day the day before lifts the 3-day average from that day
    // (two walks: the rise after the cut then answered "No suggestions right now"), and a cut
    // made during a rise is no reason to cut again.
    let wave_after_cut = a
        .ongoing_wave()
        .filter(|w| cut.is_some_and(|c| w.end >= c.date && (w.start - c.date).get_days() <= AFTER_CHANGE_DAYS));
    let data = vec![
        format!("Your baseline: {:.1} points (from {} check-ins)", b.mean, b.entries),
        format!(
            "Your latest check-in ({}): {} points; 3-day average {:.1}",
            latest.date,
            // To a tenth, as the baseline and average beside it (a walk read "38.4348 points").
            n((latest.burden * 10.0).round() / 10.0),
            latest.rolling
        ),
    ];
    match (wave_after_cut, cut) {
        // A rise after a cut is answered by one of the two rules for it, or by nothing.
        (Some(w), Some(c)) => return_to_tolerated(s, w, &c, data.clone()).or_else(|| hold_on_rise(s, w, &c, data)),
        _ => step_when_stable(s, data),
    }
}

/// Rule: a reliable questionnaire worsening while the drug settles after a cut suggests holding
/// (Horowitz & Taylor 2019; withdrawal raises these scores too, Fava et al. 2015).
fn hold_on_score(s: &Situation, r: &ScoreRise) -> Option<Proposal> {
    if s.hold_since.is_some() {
        return None;
    }
    let days = (r.after.0 - r.cut.date).get_days();
    Some(Proposal {
        rule: Rule::HoldOnRise,
        action: Action::Hold { dose_mg: s.dose_mg },
        title: format!("Consider holding at {} mg", n(s.dose_mg)),
        reason: format!(
            "Your {} rose from {} to {}, {days} days after your last step, while your medicine was still \
             settling. Withdrawal raises these scores too, so this may be withdrawal rather than a return \
             of how you felt before. Published advice is not to reduce further while withdrawal symptoms \
             are raised: stay on this dose until they settle. Please talk this through with your prescriber.",
            r.name, r.before.1, r.after.1
        ),
        data: vec![
            format!("Dose changed on {} from {} mg to {} mg", r.cut.date, n(r.cut.from_mg), n(r.cut.to_mg)),
            format!("{} {} on {}; {} on {}", r.name, r.before.1, r.before.0, r.after.1, r.after.0),
        ],
        sources: vec!["horowitz_taylor2019", "fava2015", "taper_policy"],
    })
}

/// The facts about a rise after a cut, shown with either rule that answers it.
fn rise_facts(s: &Situation, w: &Episode, c: &Change, data: &mut Vec<String>) {
    data.push(format!("Dose changed on {} from {} mg to {} mg", c.date, n(c.from_mg), n(c.to_mg)));
    data.push(format!(
        "Raised since {} ({} days), above your baseline by more than {:.1} points",
        w.start,
        w.days(),
        s.analysis.threshold
    ));
}

/// Rule: symptoms after a cut that are severe for this person, or not settling, suggest going
/// back to the last tolerated dose (Horowitz & Taylor 2019; Maudsley 2024).
fn return_to_tolerated(s: &Situation, w: &Episode, c: &Change, mut data: Vec<String>) -> Option<Proposal> {
    let (a, b, latest) = (s.analysis, s.analysis.baseline?, s.analysis.latest()?);
    let severe_line = b.mean + SEVERE_THRESHOLDS * a.threshold;
    let severe = latest.rolling >= severe_line;
    let persistent = w.days() >= PERSISTENT_DAYS;
    // Going back is for a rise the cut brought: one begun more than a 3-day average before it
    // was there at the dose before too, so that dose was not "tolerated"; holding answers it.
    let began_with_cut = (c.date - w.start).get_days() < crate::waves::ROLLING_DAYS;
    if !((severe || persistent) && began_with_cut && s.dose_mg < c.from_mg) {
        return None;
    }
    rise_facts(s, w, c, &mut data);
    if severe {
        data.push(format!("3-day average at or above {severe_line:.1}: severe for you"));
    }
    if persistent {
        data.push(format!("Raised for {PERSISTENT_DAYS} days or more: not settling"));
    }
    Some(Proposal {
        rule: Rule::ReturnToTolerated,
        action: Action::Return { dose_mg: c.from_mg },
        title: format!("Consider going back to {} mg, the last dose you tolerated", n(c.from_mg)),
        reason: format!(
            "Your symptoms rose {} the step to {} mg and are {}. Published advice is to return to the \
             last dose at which symptoms were tolerable, hold there until stable, and then reduce more \
             slowly. Please talk this through with your prescriber.",
            // Begun a day or two before the cut (a walk saw "after" beside "Raised since" the day before).
            if w.start < c.date { "around" } else { "after" },
            n(c.to_mg),
            if severe { "severe compared with your baseline" } else { "not settling" }
        ),
        data,
        sources: vec!["horowitz_taylor2019", "maudsley2024", "taper_policy"],
    })
}

/// Rule: a rise after a cut, not yet on hold, suggests holding at today's dose (Horowitz &
/// Taylor 2019).
fn hold_on_rise(s: &Situation, w: &Episode, c: &Change, mut data: Vec<String>) -> Option<Proposal> {
    if s.hold_since.is_some() {
        return None;
    }
    rise_facts(s, w, c, &mut data);
    Some(Proposal {
        rule: Rule::HoldOnRise,
        action: Action::Hold { dose_mg: s.dose_mg },
        title: format!("Consider holding at {} mg", n(s.dose_mg)),
        reason: "Your symptoms have risen above your own baseline since your last step. Published advice is \
                 not to reduce further while withdrawal symptoms are raised: stay on this dose until they \
                 settle. Please talk this through with your prescriber."
            .to_string(),
        data,
        sources: vec!["horowitz_taylor2019", "taper_policy"],
    })
}

/// Rule: on hold and settled for `STABLE_DAYS`, with enough check-ins and none raised, the next
/// step may come, halved after a hold (Horowitz & Taylor 2019; Maudsley 2024).
fn step_when_stable(s: &Situation, mut data: Vec<String>) -> Option<Proposal> {
    let (a, latest) = (s.analysis, s.analysis.latest()?);
    let since = s.hold_since?;
    if !s.has_next_step || (s.today - since).get_days() < STABLE_DAYS || latest.state != State::Settled {
        return None;
    }
    let recent: Vec<_> = a.days.iter().filter(|d| (s.today - d.date).get_days() < STABLE_DAYS).collect();
    if recent.len() < STABLE_MIN_CHECKINS || recent.iter().any(|d| d.state == State::Above) {
        return None;
    }
    let step = resume_step(s);
    data.push(format!("On hold since {since}; {} check-ins in the last {STABLE_DAYS} days, none raised", recent.len()));
    if step < s.step {
        data.push(format!(
            "After {} hold{}, the step is halved: {}{} instead of {}{}",
            s.holds,
            if s.holds == 1 { "" } else { "s" },
            n(step),
            s.unit.symbol(),
            n(s.step),
            s.unit.symbol()
        ));
    }
    Some(Proposal {
        rule: Rule::StepWhenStable,
        action: Action::NextStep { from_mg: s.dose_mg, step },
        title: format!("You have been stable on {} mg: consider the next step", n(s.dose_mg)),
        reason: format!(
            "Your check-ins have been back near your baseline for at least {STABLE_DAYS} days. Published advice is \
             to reduce again only once stable{}. Please talk this through with your prescriber.",
            if step < s.step { ", and more slowly after a hold" } else { "" }
        ),
        data,
        sources: vec!["horowitz_taylor2019", "maudsley2024", "taper_policy"],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_origin_round_trips_through_its_key_and_unknown_keys_are_none() {
        let all = [
            Origin::Rule(Rule::HoldOnRise),
            Origin::Rule(Rule::ReturnToTolerated),
            Origin::Rule(Rule::StepWhenStable),
            Origin::Supporter,
        ];
        for o in all {
            assert_eq!(Origin::from_key(o.key()), Some(o));
        }
        assert_eq!(Origin::from_key("anything"), None);
    }

    #[test]
    fn a_pending_or_lately_declined_proposal_is_not_repeated() {
        let hold = Origin::Rule(Rule::HoldOnRise);
        let e = |same_revision, pending, declined_secs_ago| Earlier {
            origin: hold,
            same_revision,
            pending,
            declined_secs_ago,
        };
        assert!(repeats(Rule::HoldOnRise, &[e(true, true, None)]));
        assert!(repeats(Rule::HoldOnRise, &[e(true, false, Some(DECLINE_QUIET_DAYS * 86_400 - 1))]));
        assert!(!repeats(Rule::HoldOnRise, &[e(true, false, Some(DECLINE_QUIET_DAYS * 86_400))]), "a week later");
        assert!(!repeats(Rule::HoldOnRise, &[e(false, true, None)]), "another revision");
        assert!(!repeats(Rule::StepWhenStable, &[e(true, true, None)]), "another rule");
        assert!(!repeats(Rule::HoldOnRise, &[Earlier { origin: Origin::Supporter, ..e(true, true, None) }]));
    }

    #[test]
    fn the_reason_kept_with_a_revision_names_dose_and_step_in_their_unit() {
        assert_eq!(
            Action::Hold { dose_mg: 7.5 }.reason(StepUnit::Percent),
            "Hold at 7.5 mg: symptoms rose after a step"
        );
        let slower = Action::Slower { from_mg: 10.0, step: 2.5 }.reason(StepUnit::PercentagePoints);
        assert_eq!(slower, "Smaller steps from 10 mg: 2.5 pp per step");
    }
}
