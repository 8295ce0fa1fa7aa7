//! "Withdrawal or a return of the original condition?" — a structured aid for one episode of
//! symptoms. It weighs the features the Maudsley Deprescribing Guidelines (2024) use to tell the
//! two apart: timing after a dose change, symptoms new to the person, a physical pattern,
//! resemblance to the original condition, the response to going back up, and a history of
//! withdrawal; and what the app already knows (a rise in check-ins soon after a cut). Protracted
//! withdrawal can begin late, resemble anxiety or depression and not ease at once after going
//! back up (Hengartner et al. 2020), so a late onset and "no better after going back up" count
//! for neither side, and resemblance counts less than new symptoms. The answer is "more
//! consistent with" one or the other, or "unclear", with every reason shown. Never a diagnosis.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Onset {
    /// Within days of a dose reduction.
    Days,
    /// Two to six weeks after a reduction.
    Weeks,
    /// Months after the last change.
    Months,
    /// No dose change before the symptoms.
    NoChange,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
    Unsure,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reinstatement {
    /// Better within days of going back to the previous dose.
    ImprovedQuickly,
    /// No better after going back up.
    NoBetter,
    NotTried,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Episode {
    pub onset: Onset,
    /// Symptoms the person never had before, e.g. dizziness or electric-shock sensations.
    pub new_symptoms: Answer,
    /// Mainly physical symptoms (dizziness, nausea, flu-like feelings, shock sensations).
    pub physical: Answer,
    /// Looks like the condition the drug was first prescribed for.
    pub like_original: Answer,
    pub reinstatement: Reinstatement,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leaning {
    Withdrawal,
    Relapse,
    Unclear,
}

impl Leaning {
    pub fn key(self) -> &'static str {
        match self {
            Leaning::Withdrawal => "withdrawal",
            Leaning::Relapse => "relapse",
            Leaning::Unclear => "unclear",
        }
    }
    pub fn words(self) -> &'static str {
        match self {
            Leaning::Withdrawal => "more consistent with withdrawal",
            Leaning::Relapse => "more consistent with a return of the original condition",
            Leaning::Unclear => "unclear: the features point both ways or are not known",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub text: &'static str,
    /// Which way it points (Unclear: neither).
    pub points_to: Leaning,
    pub weight: u32,
    pub source: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub leaning: Leaning,
    pub reasons: Vec<Reason>,
}

/// The difference in weight needed to lean one way: a clear majority, so that mixed pictures
/// (the commonest, and the ones most often mislabelled) stay "unclear".
pub const MARGIN: u32 = 3;

/// What Taper already knows about the person, beyond their answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Known {
    /// A past withdrawal on reducing or stopping (medication history).
    pub past_withdrawal: bool,
    /// Their check-ins rose above their own baseline within six weeks of a dose cut.
    pub rise_after_cut: bool,
}

pub const CAVEAT: &str = "This is an aid for a conversation with your prescriber or therapist, not a diagnosis. \
    Withdrawal and the original condition can also happen together.";

fn r(text: &'static str, points_to: Leaning, weight: u32) -> Reason {
    Reason { text, points_to, weight, source: "maudsley2024" }
}

fn h(text: &'static str, points_to: Leaning, weight: u32) -> Reason {
    Reason { text, points_to, weight, source: "hengartner2020" }
}

pub fn assess(e: &Episode, known: Known) -> Assessment {
    use Leaning::{Relapse as R, Unclear as U, Withdrawal as W};
    let mut reasons =
        vec![onset(e.onset), new_symptoms(e.new_symptoms), physical(e.physical), like_original(e.like_original)];
    reasons.push(reinstatement(e.reinstatement));
    if known.past_withdrawal {
        reasons.push(r(
            "You have had withdrawal before when reducing or stopping (your medication history), which makes it more \
             likely again.",
            W,
            1,
        ));
    }
    if known.rise_after_cut {
        reasons.push(Reason {
            text: "Your check-ins rose above your own baseline within six weeks of a dose cut (Taper's reading of your \
                   check-ins).",
            points_to: W,
            weight: 1,
            source: "taper_policy",
        });
    }
    let sum = |l: Leaning| reasons.iter().filter(|x| x.points_to == l).map(|x| x.weight).sum::<u32>();
    let (w, rl) = (sum(W), sum(R));
    let leaning = if w >= rl + MARGIN {
        W
    } else if rl >= w + MARGIN {
        R
    } else {
        U
    };
    Assessment { leaning, reasons }
}

/// When it began, relative to the last dose change.
fn onset(o: Onset) -> Reason {
    use Leaning::{Relapse as R, Unclear as U, Withdrawal as W};
    match o {
        Onset::Days => r("Began within days of a dose reduction, as withdrawal usually does.", W, 2),
        Onset::Weeks => r(
            "Began weeks after a reduction: possible for withdrawal (especially with long half-life drugs) and for a \
             return of the original condition.",
            U,
            0,
        ),
        Onset::Months => h(
            "Began months after the last change: a return of the original condition often starts late, but so can \
             protracted withdrawal, especially after stopping completely or a long taper.",
            U,
            0,
        ),
        Onset::NoChange => r(
            "No dose change came before it; withdrawal follows a change (though withdrawal-like symptoms can occur on a \
             steady dose).",
            R,
            1,
        ),
        Onset::Unknown => r("Timing relative to a dose change is not known.", U, 0),
    }
}

/// Whether the symptoms are new to the person.
fn new_symptoms(a: Answer) -> Reason {
    use Leaning::{Relapse as R, Unclear as U, Withdrawal as W};
    match a {
        Answer::Yes => {
            r("Symptoms new to you, such as dizziness or electric-shock sensations, are typical of withdrawal.", W, 2)
        }
        Answer::No => r("No symptoms new to you: the features are ones you have had before.", R, 1),
        Answer::Unsure => r("Unsure whether the symptoms are new.", U, 0),
    }
}

/// Whether the pattern is mainly physical.
fn physical(a: Answer) -> Reason {
    use Leaning::{Unclear as U, Withdrawal as W};
    match a {
        Answer::Yes => {
            r("A mainly physical pattern (dizziness, nausea, flu-like feelings) points to withdrawal.", W, 1)
        }
        Answer::No => r("Mainly emotional symptoms occur in both withdrawal and the original condition.", U, 0),
        Answer::Unsure => r("Unsure whether the pattern is mainly physical.", U, 0),
    }
}

/// Whether it resembles the condition first treated.
fn like_original(a: Answer) -> Reason {
    use Leaning::{Relapse as R, Unclear as U, Withdrawal as W};
    match a {
        Answer::Yes => h(
            "It looks like the condition the medication was first prescribed for, though withdrawal can look like \
             anxiety or depression too.",
            R,
            1,
        ),
        Answer::No => r("It does not look like the original condition.", W, 1),
        Answer::Unsure => r("Unsure whether it resembles the original condition.", U, 0),
    }
}

/// What going back to the previous dose did.
fn reinstatement(x: Reinstatement) -> Reason {
    use Leaning::{Unclear as U, Withdrawal as W};
    match x {
        Reinstatement::ImprovedQuickly => {
            r("Symptoms eased within days of going back to the previous dose, which is typical of withdrawal.", W, 2)
        }
        Reinstatement::NoBetter => h(
            "No better yet after going back up: this says little either way, as withdrawal, especially after a long \
             time or a late reinstatement, may not ease at once.",
            U,
            0,
        ),
        Reinstatement::NotTried => r("Going back to the previous dose has not been tried.", U, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typical_withdrawal_and_typical_relapse_and_mixed_pictures() {
        let withdrawal = Episode {
            onset: Onset::Days,
            new_symptoms: Answer::Yes,
            physical: Answer::Yes,
            like_original: Answer::No,
            reinstatement: Reinstatement::ImprovedQuickly,
        };
        let a = assess(&withdrawal, Known::default());
        assert_eq!(a.leaning, Leaning::Withdrawal);
        assert_eq!(a.reasons.len(), 5);
        let relapse = Episode {
            onset: Onset::Months,
            new_symptoms: Answer::No,
            physical: Answer::No,
            like_original: Answer::Yes,
            reinstatement: Reinstatement::NoBetter,
        };
        let relapse = Episode { onset: Onset::NoChange, ..relapse };
        assert_eq!(assess(&relapse, Known::default()).leaning, Leaning::Relapse);
        let unknown = Episode {
            onset: Onset::Unknown,
            new_symptoms: Answer::Unsure,
            physical: Answer::Unsure,
            like_original: Answer::Unsure,
            reinstatement: Reinstatement::NotTried,
        };
        assert_eq!(assess(&unknown, Known::default()).leaning, Leaning::Unclear);
        // Soon after a cut but looking like the old condition: not decided either way.
        let mixed = Episode {
            like_original: Answer::Yes,
            new_symptoms: Answer::No,
            reinstatement: Reinstatement::NotTried,
            ..withdrawal
        };
        assert_eq!(assess(&mixed, Known::default()).leaning, Leaning::Unclear);
    }

    #[test]
    fn a_late_familiar_episode_no_better_after_going_back_up_is_not_called_a_relapse() {
        // Clinical review §7: months after the change, nothing new, like the original condition,
        // no better after reinstatement scored 5–0 for relapse. Protracted withdrawal looks just
        // like that (Hengartner 2020), so it is now "unclear", and a past withdrawal or a rise in
        // check-ins after a cut tilts it towards withdrawal.
        let late = Episode {
            onset: Onset::Months,
            new_symptoms: Answer::No,
            physical: Answer::No,
            like_original: Answer::Yes,
            reinstatement: Reinstatement::NoBetter,
        };
        assert_eq!(assess(&late, Known::default()).leaning, Leaning::Unclear);
        let a = assess(&late, Known { past_withdrawal: true, rise_after_cut: true });
        assert_ne!(a.leaning, Leaning::Relapse);
        assert!(a.reasons.iter().any(|r| r.text.contains("medication history")));
        assert!(a.reasons.iter().any(|r| r.source == "hengartner2020"));
    }
}
