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
use crate::waves::{Analysis, State};

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
    /// The plan's step in its own unit (pp, % or mg), and the smallest step allowed.
    pub step: f64,
    pub min_step: f64,
    /// "pp", "%" or "mg", for the words.
    pub step_unit: &'static str,
    /// False when the plan has no further step (it is at its end).
    pub has_next_step: bool,
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

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    /// Stay on this dose until further notice.
    Hold { dose_mg: f64 },
    /// Go back to this dose and stay there until further notice.
    Return { dose_mg: f64 },
    /// Take the next step today, with this step size from now on.
    NextStep { from_mg: f64, step: f64 },
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

/// The most cautious proposal that applies, or None.
pub fn propose(s: &Situation) -> Option<Proposal> {
    let a = s.analysis;
    let b = a.baseline?;
    let latest = a.latest()?;
    if (s.today - latest.date).get_days() > FRESH_DAYS {
        return None;
    }
    let cut = s.last_change.filter(|c| c.to_mg < c.from_mg);
    let wave_after_cut = a
        .ongoing_wave()
        .filter(|w| cut.is_some_and(|c| w.start >= c.date && (w.start - c.date).get_days() <= AFTER_CHANGE_DAYS));
    let mut data = vec![
        format!("Your baseline: {:.1} points (from {} check-ins)", b.mean, b.entries),
        format!(
            "Your latest check-in ({}): {} points; 3-day average {:.1}",
            latest.date,
            n(latest.burden),
            latest.rolling
        ),
    ];

    if let (Some(w), Some(c)) = (wave_after_cut, cut) {
        let severe_line = b.mean + SEVERE_THRESHOLDS * a.threshold;
        let severe = latest.rolling >= severe_line;
        let persistent = w.days() >= PERSISTENT_DAYS;
        data.push(format!("Dose changed on {} from {} mg to {} mg", c.date, n(c.from_mg), n(c.to_mg)));
        data.push(format!(
            "Raised since {} ({} days), above your baseline by more than {:.1} points",
            w.start,
            w.days(),
            a.threshold
        ));
        if (severe || persistent) && s.dose_mg < c.from_mg {
            if severe {
                data.push(format!("3-day average at or above {severe_line:.1}: severe for you"));
            }
            if persistent {
                data.push(format!("Raised for {PERSISTENT_DAYS} days or more: not settling"));
            }
            return Some(Proposal {
                rule: Rule::ReturnToTolerated,
                action: Action::Return { dose_mg: c.from_mg },
                title: format!("Consider going back to {} mg, the last dose you tolerated", n(c.from_mg)),
                reason: format!(
                    "Your symptoms rose after the step to {} mg and are {}. Published advice is to return to the \
                     last dose at which symptoms were tolerable, hold there until stable, and then reduce more \
                     slowly. Please talk this through with your prescriber.",
                    n(c.to_mg),
                    if severe { "severe compared with your baseline" } else { "not settling" }
                ),
                data,
                sources: vec!["horowitz_taylor2019", "maudsley2024", "taper_policy"],
            });
        }
        if s.hold_since.is_none() {
            return Some(Proposal {
                rule: Rule::HoldOnRise,
                action: Action::Hold { dose_mg: s.dose_mg },
                title: format!("Consider holding at {} mg", n(s.dose_mg)),
                reason: "Your symptoms have risen above your own baseline since your last step. Published advice is \
                         not to reduce further while withdrawal symptoms are raised: stay on this dose until they \
                         settle. Please talk this through with your prescriber."
                    .to_string(),
                data,
                sources: vec!["horowitz_taylor2019", "taper_policy"],
            });
        }
        return None;
    }

    let since = s.hold_since?;
    if !s.has_next_step || (s.today - since).get_days() < STABLE_DAYS || latest.state != State::Settled {
        return None;
    }
    let recent: Vec<_> = a.days.iter().filter(|d| (s.today - d.date).get_days() < STABLE_DAYS).collect();
    if recent.len() < STABLE_MIN_CHECKINS || recent.iter().any(|d| d.state == State::Above) {
        return None;
    }
    let step = if s.holds > 0 { (s.step / 2.0).max(s.min_step).min(s.step) } else { s.step };
    data.push(format!("On hold since {since}; {} check-ins in the last {STABLE_DAYS} days, none raised", recent.len()));
    if step < s.step {
        data.push(format!(
            "After {} hold{}, the step is halved: {}{} instead of {}{}",
            s.holds,
            if s.holds == 1 { "" } else { "s" },
            n(step),
            s.step_unit,
            n(s.step),
            s.step_unit
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
