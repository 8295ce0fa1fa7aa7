//! Before a step: Proceed, Caution or Hold, read from the person's own recent check-ins,
//! questionnaires and the adaptive rules (`adapt`), with every signal that led there and the
//! sources of the rule (issue 20: "a Proceed / Caution / Hold view before each scheduled step …
//! with every signal and the rule's source shown"). It describes; the person decides, with their
//! prescriber, and may hold or go on whatever it says.
//!
//! The rule, version 2 (version 1 read only against the baseline): Hold when the check-ins or a questionnaire call for a hold or a return
//! (`adapt::propose`), or when the latest 3-day average is raised, or very high in itself
//! (`symptoms::VERY_HIGH_IN_ITSELF`, whatever the baseline); else Caution when it is high in
//! itself (`symptoms::HIGH_IN_ITSELF`), when Taper
//! cannot tell (no baseline yet, no check-in in `FRESH_DAYS`, fewer than `STABLE_MIN_CHECKINS` in
//! the last `STABLE_DAYS`), when the latest average is neither raised nor settled, or when a wave
//! ended less than `STABLE_DAYS` ago; else Proceed. Published advice behind it: do not reduce
//! while withdrawal symptoms are raised, and reduce again only once stable (Horowitz & Taylor
//! 2019; Maudsley 2024); the numbers are Taper's own (`taper_policy`), the same as `adapt`'s.

use crate::adapt::{FRESH_DAYS, Rule, STABLE_DAYS, STABLE_MIN_CHECKINS, Situation, propose};
use crate::symptoms::{HIGH_IN_ITSELF, MAX_BURDEN, VERY_HIGH_IN_ITSELF};
use crate::waves::State;

/// The version of the rule above, kept with what it says so a reading can be traced.
pub const RULE_VERSION: u32 = 2;

/// How many days before a scheduled step the reading is shown (ours: a week to notice and to
/// talk to the prescriber), and always while the plan holds.
pub const SHOW_BEFORE_STEP_DAYS: i32 = 7;

/// What the signals add up to, least to most cautious.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Proceed,
    Caution,
    Hold,
}

impl Level {
    pub fn word(self) -> &'static str {
        match self {
            Level::Proceed => "Proceed",
            Level::Caution => "Caution",
            Level::Hold => "Hold",
        }
    }

    /// What the level means, in a sentence for the person.
    pub fn meaning(self) -> &'static str {
        match self {
            Level::Proceed => "Your own recent data show nothing against the next step.",
            Level::Caution => {
                "Taper cannot tell clearly how you are, or you are not fully settled: think it over, and talk to your prescriber if unsure."
            }
            Level::Hold => {
                "Your own recent data suggest not reducing yet: published advice is to wait until withdrawal symptoms settle."
            }
        }
    }
}

/// One thing the reading rests on, and which way it points.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub level: Level,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Readiness {
    pub level: Level,
    pub signals: Vec<Signal>,
    /// Source keys in `data/sources.toml`.
    pub sources: Vec<&'static str>,
}

/// Reads `s` as the rule above says. `answered` is whether a PHQ-9 or GAD-7 was answered since
/// the last change: without one, the questionnaires say nothing either way (a walk read "no
/// reliable worsening" where none had been answered).
pub fn read(s: &Situation, answered: bool) -> Readiness {
    let mut signals = Vec::new();
    if let Some(p) = propose(s).filter(|p| p.rule != Rule::StepWhenStable) {
        signals.push(Signal { level: Level::Hold, text: format!("{}: {}", p.title, first_sentence(&p.reason)) });
    }
    signals.extend(checkin_signals(s));
    if let Some(r) = &s.score_rise {
        signals.push(Signal {
            level: Level::Hold,
            text: format!("Your {} rose reliably, from {} to {}, after your last step", r.name, r.before.1, r.after.1),
        });
    } else if answered {
        signals.push(Signal {
            level: Level::Proceed,
            text: "No reliable worsening on PHQ-9 or GAD-7 since your last step".to_string(),
        });
    }
    let level = signals.iter().map(|x| x.level).max().unwrap_or(Level::Caution);
    Readiness { level, signals, sources: vec!["horowitz_taylor2019", "maudsley2024", "taper_policy"] }
}

/// What the check-ins say: how fresh and how many they are, and where the latest one stands.
fn checkin_signals(s: &Situation) -> Vec<Signal> {
    let a = s.analysis;
    let mut out = Vec::new();
    if let Some(latest) = a.latest() {
        // High in itself, whatever the baseline: a baseline built on hard days reads hard days as usual.
        if latest.rolling >= VERY_HIGH_IN_ITSELF {
            out.push(Signal {
                level: Level::Hold,
                text: format!(
                    "Your latest 3-day average ({:.1} of {MAX_BURDEN}) is very high in itself, whatever your usual level: reduce only once you are steadier",
                    latest.rolling
                ),
            });
        } else if latest.rolling >= HIGH_IN_ITSELF {
            out.push(Signal {
                level: Level::Caution,
                text: format!(
                    "Your latest 3-day average ({:.1} of {MAX_BURDEN}) is high in itself, whatever your usual level",
                    latest.rolling
                ),
            });
        }
    }
    let (Some(_), Some(latest)) = (a.baseline, a.latest()) else {
        out.push(Signal {
            level: Level::Caution,
            text: "Not enough check-ins yet to know your own baseline, so Taper cannot compare how you are now"
                .to_string(),
        });
        return out;
    };
    let age = (s.today - latest.date).get_days();
    if age > FRESH_DAYS {
        out.push(Signal {
            level: Level::Caution,
            text: format!("Your latest check-in is {age} days old: a check-in today would tell more"),
        });
    }
    let recent: Vec<_> = a.days.iter().filter(|d| (s.today - d.date).get_days() < STABLE_DAYS).collect();
    let raised = recent.iter().filter(|d| d.state == State::Above).count();
    let count = format!(
        "{} check-in{} in the last {STABLE_DAYS} days, {raised} raised",
        recent.len(),
        if recent.len() == 1 { "" } else { "s" }
    );
    if recent.len() < STABLE_MIN_CHECKINS {
        out.push(Signal {
            level: Level::Caution,
            text: format!("{count}: {STABLE_MIN_CHECKINS} or more give a clear reading"),
        });
    } else {
        out.push(Signal { level: if raised > 0 { Level::Caution } else { Level::Proceed }, text: count });
    }
    out.push(match latest.state {
        State::Above => Signal {
            level: Level::Hold,
            text: format!("Your latest 3-day average ({:.1}) is raised above your baseline", latest.rolling),
        },
        State::Between => Signal {
            level: Level::Caution,
            text: format!("Your latest 3-day average ({:.1}) is above your baseline but not raised", latest.rolling),
        },
        State::Settled => Signal {
            level: Level::Proceed,
            text: format!("Your latest 3-day average ({:.1}) is near your baseline", latest.rolling),
        },
    });
    if let Some(w) = a.waves().filter(|w| !w.ongoing).last().filter(|w| (s.today - w.end).get_days() < STABLE_DAYS) {
        out.push(Signal {
            level: Level::Caution,
            text: format!("A wave ended {} days ago", (s.today - w.end).get_days()),
        });
    }
    out
}

fn first_sentence(text: &str) -> &str {
    text.split_inclusive(". ").next().map_or(text, |s| s.trim_end().trim_end_matches('.'))
}
