//! Medication history and kindling-risk flags. Repeated stop/restart cycles may sensitise the
//! nervous system so that each withdrawal is worse than the last (kindling: shown for alcohol by
//! Ballenger & Post 1978, proposed but not proven for benzodiazepines and antidepressants).
//! This module lists the risk factors a history shows and turns them into a slower default
//! pace, with the reasons. The multipliers are Taper's conservative defaults (`taper_policy`).

use jiff::civil::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Start,
    Increase,
    Decrease,
    Stop,
    Reinstate,
    Switch,
}

impl EventKind {
    pub const ALL: [EventKind; 6] = [
        EventKind::Start,
        EventKind::Increase,
        EventKind::Decrease,
        EventKind::Stop,
        EventKind::Reinstate,
        EventKind::Switch,
    ];
    pub fn key(self) -> &'static str {
        match self {
            EventKind::Start => "start",
            EventKind::Increase => "increase",
            EventKind::Decrease => "decrease",
            EventKind::Stop => "stop",
            EventKind::Reinstate => "reinstate",
            EventKind::Switch => "switch",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            EventKind::Start => "started",
            EventKind::Increase => "dose increased",
            EventKind::Decrease => "dose reduced",
            EventKind::Stop => "stopped",
            EventKind::Reinstate => "started again after stopping",
            EventKind::Switch => "switched to another drug",
        }
    }
    pub fn from_key(k: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|e| e.key() == k)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub date: Date,
    pub drug: String,
    pub kind: EventKind,
    /// For a stop: all at once rather than gradually.
    pub abrupt: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Background {
    /// Other psychiatric drugs taken now, besides the one being tapered.
    pub concurrent_psychotropics: u32,
    /// Taken on some days only, or every other day.
    pub intermittent_use: bool,
    /// A past withdrawal that was severe.
    pub past_severe_withdrawal: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RiskFactor {
    pub key: &'static str,
    pub text: String,
    pub source: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PaceAdvice {
    pub factors: Vec<RiskFactor>,
    /// Multiply the usual step by this (1 = the usual pace).
    pub step_factor: f64,
    /// Days between steps by default.
    pub interval_days: u32,
    pub explanation: String,
}

/// Changes this close together count as a rapid cycle.
pub const RAPID_DAYS: i32 = 90;
/// Use for this long counts as long-term.
pub const LONG_TERM_YEARS: i16 = 2;
pub const USUAL_INTERVAL_DAYS: u32 = 28;
pub const SLOW_INTERVAL_DAYS: u32 = 42;

pub fn advise(events: &[Event], bg: &Background, today: Date) -> PaceAdvice {
    let mut ev: Vec<&Event> = events.iter().filter(|e| e.date <= today).collect();
    ev.sort_by_key(|e| e.date);
    // One function per risk factor, each with its source; the order is the order shown.
    let factors: Vec<RiskFactor> = [
        previous_attempts(&ev),
        abrupt_stops(&ev),
        rapid_cycles(&ev),
        intermittent_use(bg),
        concurrent_psychotropics(bg),
        long_term_use(&ev, today),
        past_severe_withdrawal(bg),
    ]
    .into_iter()
    .flatten()
    .collect();
    let (step_factor, interval_days) = match factors.len() {
        0 => (1.0, USUAL_INTERVAL_DAYS),
        n if n >= 3 || bg.past_severe_withdrawal => (0.5, SLOW_INTERVAL_DAYS),
        _ => (0.5, USUAL_INTERVAL_DAYS),
    };
    let explanation = if events.is_empty() && *bg == Background::default() {
        // A walk: a clinician read "Nothing in this history calls for a slower start" about a
        // person on paroxetine for nine years who had recorded no history at all.
        "No history has been recorded yet, so this cannot say whether a slower start is needed. Years of use, \
         earlier attempts to stop and a past severe withdrawal are each a reason to go more slowly: ask about \
         them; they can be recorded under History."
            .to_string()
    } else if factors.is_empty() {
        "Nothing in this history calls for a slower start than usual.".to_string()
    } else {
        format!(
            "Because of {}, Taper suggests starting more slowly than usual: steps half the usual size{}. People \
             with these histories are thought more likely to have difficult withdrawal; go more slowly still if \
             symptoms rise.",
            crate::units::join_and(&factors.iter().map(|f| f.text.as_str()).collect::<Vec<_>>()),
            if interval_days > USUAL_INTERVAL_DAYS { format!(", every {interval_days} days") } else { String::new() }
        )
    };
    PaceAdvice { factors, step_factor, interval_days, explanation }
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

fn previous_attempts(ev: &[&Event]) -> Option<RiskFactor> {
    let stops = ev.iter().filter(|e| e.kind == EventKind::Stop).count();
    (stops > 0).then(|| RiskFactor {
        key: "previous_attempts",
        text: format!("{stops} earlier attempt{} to stop", plural(stops, "", "s")),
        source: "ballenger_post1978",
    })
}

fn abrupt_stops(ev: &[&Event]) -> Option<RiskFactor> {
    let abrupt = ev.iter().filter(|e| e.kind == EventKind::Stop && e.abrupt).count();
    (abrupt > 0).then(|| RiskFactor {
        key: "abrupt_stop",
        text: format!("stopped all at once {abrupt} time{}", plural(abrupt, "", "s")),
        source: "maudsley2024",
    })
}

/// Starts, stops, restarts and switches within `RAPID_DAYS` of the one before.
fn rapid_cycles(ev: &[&Event]) -> Option<RiskFactor> {
    let changes: Vec<&&Event> = ev
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Start | EventKind::Stop | EventKind::Reinstate | EventKind::Switch))
        .collect();
    let rapid = changes.windows(2).filter(|w| (w[1].date - w[0].date).get_days() <= RAPID_DAYS).count();
    (rapid > 0).then(|| RiskFactor {
        key: "rapid_cycles",
        text: format!(
            "{rapid} start, stop or switch{} within {RAPID_DAYS} days of the one before",
            plural(rapid, "", "es")
        ),
        source: "ballenger_post1978",
    })
}

fn intermittent_use(bg: &Background) -> Option<RiskFactor> {
    bg.intermittent_use.then(|| RiskFactor {
        key: "intermittent",
        text: "taken on some days only or every other day".into(),
        source: "maudsley2024",
    })
}

fn concurrent_psychotropics(bg: &Background) -> Option<RiskFactor> {
    (bg.concurrent_psychotropics >= 2).then(|| RiskFactor {
        key: "concurrent",
        text: format!("{} other psychiatric drugs taken at the same time", bg.concurrent_psychotropics),
        source: "maudsley2024",
    })
}

/// Taken for `LONG_TERM_YEARS` or more since the first recorded start.
fn long_term_use(ev: &[&Event], today: Date) -> Option<RiskFactor> {
    let first = ev.iter().find(|e| matches!(e.kind, EventKind::Start))?;
    let span = f64::from((today - first.date).get_days()) / 365.25;
    (span >= f64::from(LONG_TERM_YEARS)).then(|| RiskFactor {
        key: "long_term",
        text: format!("taken for about {} years", span.floor()),
        source: "maudsley2024",
    })
}

fn past_severe_withdrawal(bg: &Background) -> Option<RiskFactor> {
    bg.past_severe_withdrawal.then(|| RiskFactor {
        key: "past_severe",
        text: "a past withdrawal that was severe".into(),
        source: "maudsley2024",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn ev(y: i16, m: i8, d: i8, kind: EventKind, abrupt: bool) -> Event {
        Event { date: date(y, m, d), drug: "paroxetine".into(), kind, abrupt }
    }

    /// A walk: no history recorded read as "nothing calls for a slower start" to a clinician.
    #[test]
    fn no_history_recorded_is_not_read_as_a_reassuring_one() {
        let today = date(2026, 12, 7);
        let none = advise(&[], &Background::default(), today);
        assert!(none.explanation.starts_with("No history has been recorded yet"), "{}", none.explanation);
        assert!(!none.explanation.contains("Nothing in this history"));
        let recent = advise(&[ev(2026, 1, 10, EventKind::Start, false)], &Background::default(), today);
        assert_eq!(recent.explanation, "Nothing in this history calls for a slower start than usual.");
    }

    #[test]
    fn a_history_of_cycles_slows_the_default_pace_with_reasons() {
        let events = [
            ev(2019, 1, 10, EventKind::Start, false),
            ev(2021, 3, 1, EventKind::Stop, true),
            ev(2021, 4, 2, EventKind::Reinstate, false),
        ];
        let a = advise(&events, &Background::default(), date(2026, 11, 23));
        let keys: Vec<_> = a.factors.iter().map(|f| f.key).collect();
        assert_eq!(keys, ["previous_attempts", "abrupt_stop", "rapid_cycles", "long_term"]);
        assert_eq!((a.step_factor, a.interval_days), (0.5, 42));
        assert!(a.explanation.contains("stopped all at once 1 time"), "{}", a.explanation);
        assert!(a.factors[3].text.contains("7 years"));
    }

    #[test]
    fn no_history_keeps_the_usual_pace_and_one_factor_halves_the_step() {
        let none = advise(&[], &Background::default(), date(2026, 1, 1));
        assert_eq!((none.step_factor, none.interval_days, none.factors.len()), (1.0, 28, 0));
        let bg = Background { concurrent_psychotropics: 2, ..Background::default() };
        let one = advise(&[], &bg, date(2026, 1, 1));
        assert_eq!((one.step_factor, one.interval_days), (0.5, 28));
        let severe = Background { past_severe_withdrawal: true, ..Background::default() };
        assert_eq!(advise(&[], &severe, date(2026, 1, 1)).interval_days, 42);
        // Events in the future are not history.
        let later = [ev(2027, 1, 1, EventKind::Stop, true)];
        assert!(advise(&later, &Background::default(), date(2026, 1, 1)).factors.is_empty());
    }
}
