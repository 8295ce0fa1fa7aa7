//! What the learning pages teach about a drug, built from the catalogue: every sentence with the
//! key of its source in `data/sources.toml`. The web app only renders these and resolves the
//! citations (issue 13: no clinical sentence or number lives in the server).

use crate::catalogue::{Drug, DrugClass};
use crate::occupancy::EmaxModel;
use crate::units::trim_number as n;

/// One sentence and the source key it rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub text: String,
    pub source: String,
}

fn note(text: impl Into<String>, source: &str) -> Note {
    Note { text: text.into(), source: source.to_string() }
}

/// A glossary entry: anchor id, term, meaning, source key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Term {
    pub id: &'static str,
    pub term: &'static str,
    pub meaning: &'static str,
    pub source: &'static str,
}

/// Below this longest active half-life, levels fall noticeably between daily doses.
pub const SHORT_HALF_LIFE_HOURS: f64 = 24.0;

/// The dose the occupancy illustration starts from when the catalogue gives no usual minimum:
/// this many times the ED50 (about 80 % of the maximum effect).
pub const ILLUSTRATION_ED50_MULTIPLE: f64 = 4.0;

const HOURS_PER_DAY: f64 = 24.0;

/// "about 26 hours" or "21–25 hours".
fn hours_range(low: f64, high: f64) -> String {
    if (low - high).abs() < 1e-9 {
        format!("about {} hours", n(low))
    } else {
        format!("{}–{} hours", n(low), n(high))
    }
}

/// The half-life of the drug and of each metabolite, with sources.
pub fn half_lives(d: &Drug) -> Vec<Note> {
    let p = &d.half_life.parent;
    let mut v = vec![note(format!("{}: half-life {}", d.name, hours_range(p.low_hours, p.high_hours)), &p.source)];
    v.extend(d.half_life.metabolites.iter().map(|m| {
        let activity = if m.active { "active" } else { "inactive" };
        note(format!("{} ({activity}): half-life {}", m.name, hours_range(m.low_hours, m.high_hours)), &m.source)
    }));
    v
}

/// How long levels take to settle after a change, from the longest active half-life.
pub fn steady_state(d: &Drug) -> String {
    let days = d.half_life.days_to_settle();
    let time = if days < 2.0 {
        format!("{} hours", n((days * HOURS_PER_DAY).round()))
    } else {
        format!("{} days", n(days.round()))
    };
    format!(
        "After a change of dose, levels settle in about five half-lives: roughly {time} for {}. Withdrawal after a cut \
         may therefore take that long to show fully.",
        d.name
    )
}

/// The modelled occupancy at a usual dose, half of it and a tenth of it, where a model exists.
pub fn occupancy_illustration(d: &Drug) -> Option<Note> {
    d.default_occupancy().map(|f| {
        let m = EmaxModel::new(f.emax_percent, f.ed50_mg);
        let dose = d.usual_min_dose_mg.unwrap_or(f.ed50_mg * ILLUSTRATION_ED50_MULTIPLE);
        note(
            format!(
                "Modelled {} occupancy ({}): {} mg gives about {:.0}%, half of that dose still about {:.0}%, and a \
                 tenth about {:.0}%.",
                d.target,
                f.region,
                n(dose),
                m.occupancy(dose),
                m.occupancy(dose / 2.0),
                m.occupancy(dose / 10.0)
            ),
            &f.source,
        )
    })
}

/// What to know before reducing this drug, by class and half-life.
pub fn notes(d: &Drug) -> Vec<Note> {
    let mut v = Vec::new();
    match d.class {
        DrugClass::Benzodiazepine => benzodiazepine_notes(&mut v),
        DrugClass::ZDrug => z_drug_notes(&mut v),
        DrugClass::Gabapentinoid => gabapentinoid_notes(d, &mut v),
        DrugClass::Antipsychotic => antipsychotic_notes(&mut v),
        _ => antidepressant_notes(d, &mut v),
    }
    if d.half_life.longest_active_hours() < SHORT_HALF_LIFE_HOURS {
        v.push(note(
            "Its short half-life means levels fall quickly between doses and after a missed or late dose.",
            "maudsley2024",
        ));
    }
    v
}

fn benzodiazepine_notes(v: &mut Vec<Note>) {
    v.push(note(
        "After regular use, reduce gradually rather than stopping: a sudden stop can cause severe withdrawal, \
         including seizures.",
        "asam2025",
    ));
    v.push(note(
        "The joint US guideline suggests starting with cuts of 5–10% every 2–4 weeks, and usually not more than \
         25% every 2 weeks; many people need slower.",
        "asam2025",
    ));
    v.push(note(
        "Some people switch to diazepam, whose long half-life smooths levels between doses, and taper that.",
        "ashton2002",
    ));
}

fn z_drug_notes(v: &mut Vec<Note>) {
    v.push(note(
        "It can be tapered directly, or switched to a longer-acting benzodiazepine such as diazepam and that \
         tapered; the evidence favours neither, so your preference counts.",
        "maudsley2024_bz_z",
    ));
    v.push(note(
        "The Canadian guideline on sleeping tablets of this kind calls a cut of a quarter of the dose every two \
         weeks a reasonable goal; Taper suggests smaller cuts to begin with.",
        "pottie2018",
    ));
    v.push(note(
        "Scottish guidance suggests reviewing and reducing the dose every two to four weeks, guided by how you are.",
        "nhs_scotland_bz2024",
    ));
}

fn gabapentinoid_notes(d: &Drug, v: &mut Vec<Note>) {
    // Each drug's own label, from its catalogue entry (walk-through: gabapentin's page cited the
    // pregabalin label).
    if let Some(label) = &d.gradual_stop_source {
        v.push(note("Do not stop it suddenly: its label asks for a gradual reduction, over at least a week.", label));
    }
    v.push(note(
        "The Maudsley guidelines suggest first cuts of about 10% of the dose where withdrawal is likely to be hard, \
         15% in between and 25% where it is not; tapers can be sped up later more easily than slowed.",
        "maudsley2024_gabapentinoids",
    ));
    v.push(note(
        "Symptoms after a cut may start only after a delay, as the drug leaves the body, then peak and ease.",
        "maudsley2024_gabapentinoids",
    ));
}

fn antipsychotic_notes(v: &mut Vec<Note>) {
    v.push(note(
        "Changes the brain has made to the drug can last months after a reduction, so the proposed pace is slow: \
         10% of the most recent dose or less each month, or a quarter of it every three to six months.",
        "horowitz2021",
    ));
    v.push(note(
        "Cuts are best made as a share of the most recent dose, so they get smaller as the dose falls; the last \
         dose before stopping may need to be very small.",
        "horowitz2021",
    ));
}

fn antidepressant_notes(d: &Drug, v: &mut Vec<Note>) {
    v.push(note(
        "Reducing or stopping can cause withdrawal symptoms. For some people they are severe or last a long time, \
         and they are easily mistaken for the original condition coming back.",
        "horowitz_taylor2019",
    ));
    v.push(note(
        "Because the effect on the target levels off at higher doses, equal cuts in effect mean ever smaller cuts \
         in milligrams as the dose gets lower.",
        "horowitz_taylor2019",
    ));
    if d.id != "fluoxetine" {
        v.push(note(
            "Taking it every other day to reduce is likely to cause withdrawal between doses; daily smaller doses \
             are gentler.",
            "maudsley2024",
        ));
    }
}

/// The glossary, in Taper's own words, each entry with its source key.
pub const GLOSSARY: [Term; 12] = [
    Term {
        id: "tolerance",
        term: "Tolerance",
        meaning: "The nervous system adapts to a drug over time, so the same dose does less than it did. It can happen at \
         ordinary doses taken exactly as prescribed.",
        source: "ashton2002",
    },
    Term {
        id: "tachyphylaxis",
        term: "Tachyphylaxis",
        meaning: "An antidepressant that worked stops working as well, gradually or quite suddenly, although it is still taken \
         the same way.",
        source: "targum2014",
    },
    Term {
        id: "withdrawal",
        term: "Withdrawal",
        meaning: "Symptoms that come from the body having adapted to a drug, when the dose is lowered or stopped: for example \
         dizziness, electric-shock sensations, anxiety, sleep problems. They are a physical effect of the change, \
         not a sign of weakness.",
        source: "horowitz_taylor2019",
    },
    Term {
        id: "protracted-withdrawal",
        term: "Protracted withdrawal",
        meaning: "Withdrawal that lasts months or years. In one study of people's accounts it lasted from 5 months to over \
         13 years, most often around two years. It often eases with time.",
        source: "hengartner2020",
    },
    Term {
        id: "waves-windows",
        term: "Waves and windows",
        meaning: "Words from tapering communities: a wave is a spell when symptoms come back or get worse, a window a spell \
         of relief. They often alternate during recovery.",
        source: "maudsley2024",
    },
    Term {
        id: "kindling",
        term: "Kindling",
        meaning: "The idea that each stop-and-restart of a drug can make the next withdrawal worse, as seen with repeated \
         alcohol withdrawal. It is proposed, not proven, for benzodiazepines; it is one reason to avoid stopping \
         and starting again.",
        source: "ballenger_post1978",
    },
    Term {
        id: "tolerance-withdrawal",
        term: "Tolerance withdrawal",
        meaning: "Withdrawal-like symptoms while still taking the same dose, as the body keeps adapting to it.",
        source: "ashton2002",
    },
    Term {
        id: "dependence",
        term: "Dependence",
        meaning: "The body has adapted to a drug, so reducing or stopping it causes withdrawal. It happens with ordinary, \
         as-prescribed use and says nothing about how a person has used the drug.",
        source: "ashton2002",
    },
    Term {
        id: "addiction",
        term: "Addiction",
        meaning: "Compulsive use with craving and loss of control despite harm. It is different from dependence: most people \
         on antidepressants or benzodiazepines who have withdrawal are not addicted.",
        source: "blanco2018",
    },
    Term {
        id: "misuse",
        term: "Misuse",
        meaning: "Taking a drug other than as prescribed (more of it, more often, or someone else's). In a large US survey \
         of people using benzodiazepines, about one in six reported any misuse and fewer than one in fifty had a \
         use disorder.",
        source: "blanco2018",
    },
    Term {
        id: "hyperbolic-tapering",
        term: "Hyperbolic tapering",
        meaning: "Reducing a drug's effect at its target by equal amounts, which means the milligram cuts get smaller and \
         smaller as the dose approaches zero.",
        source: "horowitz_taylor2019",
    },
    Term {
        id: "reinstatement",
        term: "Going back to a tolerated dose",
        meaning: "If withdrawal after a cut is severe or does not settle, returning to the last dose that was tolerated, \
         holding there, and then reducing more slowly.",
        source: "horowitz_taylor2019",
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalogue;

    /// A z-drug's or gabapentinoid's notes come from sources written for it, never from the
    /// antidepressant or benzodiazepine guidelines (as the reinstatement aid learned the hard way).
    #[test]
    fn hypnotics_and_gabapentinoids_are_taught_from_their_own_sources() {
        let c = Catalogue::builtin().expect("the built-in catalogue");
        for (id, own) in [
            ("zolpidem", &["maudsley2024_bz_z", "pottie2018", "nhs_scotland_bz2024", "maudsley2024"][..]),
            ("pregabalin", &["lyrica_smpc", "maudsley2024_gabapentinoids", "maudsley2024"][..]),
            ("gabapentin", &["neurontin_smpc_uk", "maudsley2024_gabapentinoids", "maudsley2024"][..]),
            ("quetiapine", &["horowitz2021", "maudsley2024"][..]),
        ] {
            let n = notes(c.drug(id).expect("in the catalogue"));
            assert!(n.len() >= 2, "{id}");
            for note in n {
                assert!(own.contains(&note.source.as_str()), "{id}: {} cites {}", note.text, note.source);
            }
        }
        // Each gabapentinoid's "do not stop suddenly" cites its own label, from `data/`.
        for id in ["pregabalin", "gabapentin"] {
            let d = c.drug(id).expect("in the catalogue");
            let label = d.gradual_stop_source.as_deref().expect("a label that asks for a gradual stop");
            assert!(notes(d).iter().any(|n| n.source == label && n.text.contains("gradual")), "{id}");
        }
    }

    #[test]
    fn every_note_names_a_source_the_catalogue_knows() {
        let c = Catalogue::builtin().expect("the built-in catalogue");
        for d in c.drugs() {
            let all = notes(d).into_iter().chain(half_lives(d)).chain(occupancy_illustration(d));
            for note in all {
                assert!(c.source(&note.source).is_some(), "{}: unknown source {}", d.id, note.source);
            }
        }
        for t in GLOSSARY {
            assert!(c.source(t.source).is_some(), "glossary {}: unknown source {}", t.id, t.source);
        }
    }

    #[test]
    fn settling_time_is_five_longest_active_half_lives() {
        let c = Catalogue::builtin().expect("the built-in catalogue");
        // Fluoxetine: norfluoxetine's half-life runs to weeks, so settling is counted in days.
        let fluoxetine = c.drug("fluoxetine").expect("fluoxetine");
        let days = (fluoxetine.half_life.longest_active_hours() * 5.0 / 24.0).round();
        assert!(steady_state(fluoxetine).contains(&format!("{} days", n(days))), "{}", steady_state(fluoxetine));
        // Benzodiazepines always carry the seizure warning; short half-lives the between-dose one.
        let d = c.drug("diazepam").expect("diazepam");
        assert!(notes(d).iter().any(|n| n.text.contains("seizures")));
        let short = c.drugs().iter().find(|d| d.half_life.longest_active_hours() < SHORT_HALF_LIFE_HOURS);
        let s = short.expect("a catalogue drug with a short half-life (venlafaxine, paroxetine)");
        assert!(notes(s).iter().any(|n| n.text.contains("short half-life")), "{}", s.id);
    }
}
