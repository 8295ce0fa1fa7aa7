//! After a stop or a cut that went too fast (seed 004: "the drug should be reintroduced in small
//! doses"): what the guidelines say about restarting, what to watch in the days after, the
//! questions to settle with the prescriber, and what comes next.
//!
//! It never gives a dose. Guidelines name only the previous dose (NICE NG222 1.4.22; for
//! benzodiazepines ASAM 2025 puts pausing or slowing first); the smaller first doses of peer
//! support are not given per drug in any source we found, so how much to restart with is the
//! prescriber's decision, and the aid says so rather than guess.

use crate::catalogue::{Drug, DrugClass};
use crate::error::InputError;
use crate::units::Mg;

/// The longest time since a stop or cut the aid accepts, in days (ten years): beyond it the
/// date is taken as a typing mistake.
pub const MAX_DAYS_SINCE: u32 = 3650;

/// What happened to the dose.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Change {
    /// Stopped altogether.
    Stopped,
    /// Cut to this daily dose, still taken.
    Cut { to: Mg },
}

/// The person's answers.
#[derive(Debug, Clone)]
pub struct Situation<'a> {
    pub drug: &'a Drug,
    /// The last daily dose taken without trouble.
    pub previous: Mg,
    pub change: Change,
    pub days_since: u32,
    /// They have stopped (or cut fast) and restarted this or a similar drug before.
    pub earlier_restarts: bool,
}

/// One thing the aid says, and the source key it rests on (`None`: Taper's own wording of the
/// person's answers, no clinical claim).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    pub text: String,
    pub source: Option<&'static str>,
}

fn cited(text: String, source: &'static str) -> Point {
    Point { text, source: Some(source) }
}

/// What the aid shows, section by section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aid {
    /// The answers, restated: "You stopped Sertraline 50 mg 9 days ago."
    pub summary: String,
    /// Get help now: only where the change can be dangerous in itself (benzodiazepines).
    pub urgent: Option<Point>,
    pub options: Vec<Point>,
    pub watch: Vec<Point>,
    /// Questions to settle with the prescriber.
    pub ask: Vec<String>,
    pub then: Vec<Point>,
}

/// The aid for `s`; the answers are checked first (a cut must be to less than the previous dose).
pub fn aid(s: &Situation) -> Result<Aid, InputError> {
    check(s)?;
    let benzo = s.drug.class.is_benzodiazepine();
    let mut aid = Aid {
        summary: summary(s),
        urgent: benzo.then(urgent),
        options: if benzo { benzodiazepine_options(s) } else { antidepressant_options(s) },
        watch: watch(s),
        ask: questions(benzo),
        then: then(s, benzo),
    };
    if let Change::Cut { to } = s.change {
        aid.options.push(Point {
            text: format!(
                "You take {to} now. Going back up to {}, or to a dose between, is the same question, settled the same way.",
                s.previous
            ),
            source: None,
        });
    }
    Ok(aid)
}

/// Whether the aid has sources that speak for `class`: antidepressants (NICE NG222 and the
/// others cited here) and benzodiazepines (ASAM 2025). For z-drugs, gabapentinoids and
/// antipsychotics Taper has read no reinstatement guidance, so it gives none rather than borrow
/// another class's.
pub fn covers(class: DrugClass) -> bool {
    !matches!(class, DrugClass::ZDrug | DrugClass::Gabapentinoid | DrugClass::Antipsychotic)
}

fn check(s: &Situation) -> Result<(), InputError> {
    if !covers(s.drug.class) {
        return Err(InputError::new(
            "drug",
            s.drug.id.clone(),
            format!(
                "Taper has no sourced guidance on restarting {} ({}), so it offers no aid for it: speak to your prescriber promptly, and do not restart or raise a dose alone",
                s.drug.name,
                s.drug.class.with_article()
            ),
        ));
    }
    if s.previous.is_zero() {
        return Err(InputError::new(
            "previous",
            "0",
            "give the last daily dose you took without trouble, more than 0 mg",
        ));
    }
    if let Change::Cut { to } = s.change
        && to.get() >= s.previous.get()
    {
        return Err(InputError::new(
            "cut_to",
            to.to_string(),
            format!("a cut is to less than the dose before it ({}); choose \"stopped\" if you take none", s.previous),
        ));
    }
    if s.days_since > MAX_DAYS_SINCE {
        return Err(InputError::new(
            "since",
            s.days_since.to_string(),
            format!("give a date within the last {MAX_DAYS_SINCE} days"),
        ));
    }
    Ok(())
}

fn summary(s: &Situation) -> String {
    let when = match s.days_since {
        0 => "today".to_string(),
        1 => "yesterday".to_string(),
        d => format!("{d} days ago"),
    };
    match s.change {
        Change::Stopped => format!("You stopped {} {} {when}.", s.drug.name, s.previous),
        Change::Cut { to } => format!("You went from {} {} to {to} {when}.", s.drug.name, s.previous),
    }
}

fn urgent() -> Point {
    cited(
        "Stopping or cutting a benzodiazepine quickly after regular use can bring withdrawal reactions that are dangerous in themselves. Confusion, seeing or hearing things that are not there, a seizure, or feeling very unwell: get urgent medical help now (Help now, at the top of every page)."
            .into(),
        "fda_benzo_boxed2020",
    )
}

fn antidepressant_options(s: &Situation) -> Vec<Point> {
    vec![
        cited(
            format!(
                "Where withdrawal symptoms are more severe, NICE advises considering restarting {} at the previous dose ({}), then reducing again more slowly, in smaller steps, once the symptoms have resolved.",
                s.drug.name, s.previous
            ),
            "nice_ng222",
        ),
        cited(
            format!(
                "Some people restart at less than the previous dose and go up only if needed, as peer-support communities describe. No guideline gives such a dose for {}, so Taper does not suggest one: how much to restart with is for you and your prescriber to decide.",
                s.drug.name
            ),
            "sa_reinstatement",
        ),
    ]
}

fn benzodiazepine_options(s: &Situation) -> Vec<Point> {
    let mut out = vec![cited(
        "When withdrawal is significant during a taper, the guideline's first steps are to pause at the current dose or slow the taper; a temporary return to the previous dose is for rare cases, decided with the prescriber.".into(),
        "asam2025",
    )];
    if s.change == Change::Stopped {
        out.push(cited(
            format!(
                "After {} was stopped without a taper and significant symptoms follow, the guideline allows a prescriber to consider restarting it and then tapering gradually.",
                s.drug.name
            ),
            "asam2025",
        ));
    }
    out.push(cited(
        "No guideline gives a smaller restart dose for a benzodiazepine, so Taper does not suggest one: the amount is your prescriber's decision.".into(),
        "asam2025",
    ));
    out
}

fn watch(s: &Situation) -> Vec<Point> {
    let check_ins = Point {
        text: "Keep your daily check-ins: they show you and your prescriber how the days after a change go.".into(),
        source: None,
    };
    if s.drug.class.is_benzodiazepine() {
        // The antidepressant sources below do not speak for benzodiazepines (new-user walk: a
        // benzodiazepine result cited NICE's antidepressant guideline).
        return vec![
            cited(
                "If withdrawal symptoms are severe or getting worse, contact your prescriber promptly: the guideline's answer is to pause or slow down, decided together.".into(),
                "asam2025",
            ),
            check_ins,
        ];
    }
    vec![
        cited(
            "Relief is not instant: after restarting or raising the dose, withdrawal symptoms may take a few days to ease.".into(),
            "nice_ng222",
        ),
        cited(
            "If you feel worse soon after restarting, with new or stronger symptoms, tell your prescriber promptly rather than raising the dose yourself: for some people a restart makes things worse.".into(),
            "fava_cosci2019",
        ),
        cited(
            "A restart does not always work as well as before: after a break, the drug no longer helped about one person in six in a review of the studies (16.5 %).".into(),
            "bosman2018",
        ),
        check_ins,
    ]
}

fn questions(benzo: bool) -> Vec<String> {
    let mut out = vec![
        if benzo {
            "Pause or slow down first, or go back to an earlier dose for a while?".to_string()
        } else {
            "The previous dose, or a smaller one to start with?".to_string()
        },
        "How will we judge whether it helps, and after how long?".to_string(),
        "What should I do if I feel worse after the change?".to_string(),
        "How long do we hold before reducing again, and how much smaller should the steps be then?".to_string(),
    ];
    out.dedup();
    out
}

fn then(s: &Situation, benzo: bool) -> Vec<Point> {
    let mut out = vec![cited(
        "Once symptoms have settled, hold; then reduce more slowly than before, in smaller steps, each only when the last one's symptoms have resolved or are tolerable.".into(),
        if benzo { "asam2025" } else { "nice_ng222" },
    )];
    if s.earlier_restarts {
        out.push(cited(
            "You have stopped and restarted before. Repeated stops and restarts are reported to make later withdrawal harder (\"kindling\"; clinical and personal accounts, not yet measured in trials): plan the next taper more slowly still, and record the earlier attempts in your medication history so Taper slows its suggestions.".into(),
            "guerra2024",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;

    fn situation(c: &Catalogue, drug: &str, change: Change, restarts: bool) -> Aid {
        let s = Situation {
            drug: c.drug(drug).unwrap(),
            previous: Mg::new(50.0).unwrap(),
            change,
            days_since: 9,
            earlier_restarts: restarts,
        };
        aid(&s).unwrap()
    }

    /// No dose is ever computed: nothing in the aid names a milligram amount other than the two
    /// the person gave.
    #[test]
    fn the_aid_names_no_dose_of_its_own() {
        let c = Catalogue::builtin().unwrap();
        for drug in c.drugs().iter().filter(|d| covers(d.class)) {
            for change in [Change::Stopped, Change::Cut { to: Mg::new(25.0).unwrap() }] {
                let a = situation(&c, &drug.id, change, true);
                let all: Vec<&str> = a
                    .options
                    .iter()
                    .chain(&a.watch)
                    .chain(&a.then)
                    .map(|p| p.text.as_str())
                    .chain(a.ask.iter().map(String::as_str))
                    .collect();
                for text in all {
                    let doses: Vec<&str> = text.split(" mg").collect();
                    for before in &doses[..doses.len() - 1] {
                        let word = before.rsplit(' ').next().unwrap_or("");
                        let number = word.trim_start_matches(|c: char| !c.is_ascii_digit());
                        assert!(["50", "25"].contains(&number), "{}: '{number} mg' in {text}", drug.id);
                    }
                }
            }
        }
    }

    /// No source Taper has read speaks for restarting a z-drug or a gabapentinoid: the aid is
    /// refused for them, with the drug named, rather than borrowing another class's advice.
    #[test]
    fn classes_without_sources_get_no_aid() {
        let c = Catalogue::builtin().unwrap();
        for id in ["zolpidem", "eszopiclone", "pregabalin", "gabapentin", "quetiapine"] {
            let drug = c.drug(id).unwrap();
            let s = Situation {
                drug,
                previous: Mg::new(10.0).unwrap(),
                change: Change::Stopped,
                days_since: 3,
                earlier_restarts: false,
            };
            let e = aid(&s).unwrap_err();
            assert_eq!(e.field, "drug");
            assert!(e.message.contains(&drug.name) && e.message.contains("prescriber"), "{}", e.message);
        }
        assert!(covers(c.drug("alprazolam").unwrap().class) && covers(c.drug("sertraline").unwrap().class));
    }

    #[test]
    fn benzodiazepines_put_pausing_first_and_warn_of_danger() {
        let c = Catalogue::builtin().unwrap();
        let a = situation(&c, "alprazolam", Change::Stopped, false);
        // Only benzodiazepine sources speak for a benzodiazepine.
        for p in a.urgent.iter().chain(&a.options).chain(&a.watch).chain(&a.then) {
            assert!(p.source.is_none_or(|s| ["asam2025", "fda_benzo_boxed2020"].contains(&s)), "{p:?}");
        }
        assert!(a.urgent.as_ref().is_some_and(|u| u.text.contains("seizure")));
        assert!(a.options[0].text.contains("pause") && a.options[0].source == Some("asam2025"));
        let ad = situation(&c, "sertraline", Change::Stopped, false);
        assert!(ad.urgent.is_none());
        assert!(ad.options[0].text.contains("previous dose (50 mg)") && ad.options[0].source == Some("nice_ng222"));
        assert!(ad.options[1].text.contains("does not suggest one"));
    }

    #[test]
    fn earlier_restarts_slow_what_comes_next() {
        let c = Catalogue::builtin().unwrap();
        assert_eq!(situation(&c, "sertraline", Change::Stopped, false).then.len(), 1);
        let again = situation(&c, "sertraline", Change::Stopped, true);
        assert!(again.then.iter().any(|p| p.text.contains("more slowly still") && p.source == Some("guerra2024")));
    }

    #[test]
    fn impossible_answers_are_refused_by_field() {
        let c = Catalogue::builtin().unwrap();
        let drug = c.drug("sertraline").unwrap();
        let base = Situation {
            drug,
            previous: Mg::new(50.0).unwrap(),
            change: Change::Stopped,
            days_since: 3,
            earlier_restarts: false,
        };
        let up = Situation { change: Change::Cut { to: Mg::new(75.0).unwrap() }, ..base.clone() };
        assert_eq!(aid(&up).unwrap_err().field, "cut_to");
        let old = Situation { days_since: MAX_DAYS_SINCE + 1, ..base.clone() };
        assert_eq!(aid(&old).unwrap_err().field, "since");
        let none = Situation { previous: Mg::ZERO, ..base };
        assert_eq!(aid(&none).unwrap_err().field, "previous");
    }

    /// Every source the aid cites is in the catalogue's sources.
    #[test]
    fn every_point_is_cited_from_the_sources() {
        let c = Catalogue::builtin().unwrap();
        for drug in ["sertraline", "lorazepam"] {
            let a = situation(&c, drug, Change::Stopped, true);
            for p in a.urgent.iter().chain(&a.options).chain(&a.watch).chain(&a.then) {
                if let Some(s) = p.source {
                    assert!(c.source(s).is_some(), "{s} is not in sources.toml");
                }
            }
        }
    }
}
