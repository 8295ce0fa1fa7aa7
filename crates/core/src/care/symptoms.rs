//! Taper's own daily symptom checklist and how a check-in is scored.
//!
//! The checklist is written by Taper from symptom names common in the withdrawal literature
//! (Black et al. 2000 list dizziness, shock-like sensations, anxiety, fatigue, headache, insomnia,
//! irritability, nausea, tremor, visual disturbance; the six items added in issue 20 — tiredness,
//! flu-like feelings, tinnitus, appetite, akathisia, sexual changes — are in NHS Scotland's table
//! of withdrawal symptoms, `nhs_scotland_withdrawal`, and Fava et al. 2015). It is **not
//! validated**: it describes how a person feels from day to day and is never a diagnosis or a
//! substitute for DESS or BWSQ, which may not be embedded without a licence.
//!
//! An item left untouched is *not answered*, never "none". The day's burden is the average of the
//! answered items on the scale of the first checklist's [`REFERENCE_ITEMS`] items (0 to
//! [`MAX_BURDEN`]): a skipped item neither lowers nor raises it, and days before and after the
//! checklist grew read alike.

use crate::error::InputError;

/// The four groups the checklist is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    Physical,
    Emotional,
    Cognitive,
    Sleep,
}

impl Domain {
    pub const ALL: [Domain; 4] = [Domain::Physical, Domain::Emotional, Domain::Cognitive, Domain::Sleep];

    pub fn label(self) -> &'static str {
        match self {
            Domain::Physical => "Physical",
            Domain::Emotional => "Emotional",
            Domain::Cognitive => "Thinking",
            Domain::Sleep => "Sleep",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// Stable key used in storage and exports; never renamed.
    pub key: &'static str,
    pub label: &'static str,
    pub domain: Domain,
}

const fn item(key: &'static str, label: &'static str, domain: Domain) -> Item {
    Item { key, label, domain }
}

/// The checklist in stored order (check-ins keep one answer per position, so items are only ever
/// added at the end); shown grouped by [`Domain`].
pub const CHECKLIST: [Item; 23] = [
    item("dizziness", "Dizziness or light-headedness", Domain::Physical),
    item("shocks", "Electric-shock sensations (\"brain zaps\")", Domain::Physical),
    item("nausea", "Nausea or upset stomach", Domain::Physical),
    item("headache", "Headache", Domain::Physical),
    item("aches", "Muscle tension, aches or stiffness", Domain::Physical),
    item("tremor", "Shakiness or tremor", Domain::Physical),
    item("sweating", "Sweating, hot or cold spells", Domain::Physical),
    item("tingling", "Tingling, numbness or skin sensations", Domain::Physical),
    item("anxiety", "Anxiety, inner restlessness or agitation", Domain::Emotional),
    item("low_mood", "Low mood or tearfulness", Domain::Emotional),
    item("irritability", "Irritability or anger", Domain::Emotional),
    item("mood_swings", "Sudden mood swings", Domain::Emotional),
    item("concentration", "Trouble concentrating", Domain::Cognitive),
    item("fog", "Memory lapses or foggy thinking", Domain::Cognitive),
    item("unreal", "Feeling unreal or detached", Domain::Cognitive),
    item("insomnia", "Trouble falling or staying asleep", Domain::Sleep),
    item("dreams", "Vivid dreams or nightmares", Domain::Sleep),
    // Added in issue 20 (a new user's walk: commonly reported and missing).
    item("fatigue", "Tiredness or lack of energy", Domain::Physical),
    item("flu", "Flu-like feelings (chills, aches, runny nose)", Domain::Physical),
    item("tinnitus", "Ringing or buzzing in the ears", Domain::Physical),
    item("appetite", "Change in appetite", Domain::Physical),
    item("akathisia", "Restlessness you cannot sit still with (akathisia)", Domain::Physical),
    item("sexual", "Changes in sexual feeling or function", Domain::Physical),
];

/// Items of the first checklist, whose sum of answers (0 to 51) the burden's scale keeps.
pub const REFERENCE_ITEMS: usize = 17;

/// A day's burden is read only when at least this many items are answered: half the checklist,
/// rounded up (Taper's own rule, `taper_policy`). Averaging the answered items ("proration") is
/// the common practice and assumes the skipped items are like the answered ones (Mazza, Enders &
/// Ruehlman 2015, `mazza2015`); people skip the symptoms they do not have, so one "mild" answer
/// alone would read as a day mild on every item (a walk: a false "hard day").
pub const MIN_ANSWERED: usize = CHECKLIST.len().div_ceil(2);

/// The words for 0–3, shown beside every item.
pub const SEVERITY_LABELS: [&str; 4] = ["none", "mild", "moderate", "severe"];

/// The highest possible burden: every answered item at 3.
pub const MAX_BURDEN: u32 = 3 * REFERENCE_ITEMS as u32;

/// What the burden's scale is, where a burden is shown beside the checklist (a walk: 23 items
/// scored 0 to 3, yet a burden "0–51", read as a mistake).
pub fn burden_scale_words() -> String {
    format!(
        "Burden is the average of the items answered that day, shown on the 0 to {MAX_BURDEN} scale of the first \
         {REFERENCE_ITEMS}-item checklist ({REFERENCE_ITEMS} × 3), so days before and after the checklist grew read \
         alike. Items left unanswered do not count."
    )
}

/// The wellbeing scale runs from 0 (worst) to this (best).
pub const MAX_WELLBEING: u8 = 10;

/// A burden high in itself, whatever the person's own baseline: every item "mild" on average
/// (Taper's own line, `taper_policy`; the checklist is not a validated scale). Readings relative
/// to a baseline miss someone who is struggling all the time (a walk: every item severe for a
/// week read "near your baseline").
pub const HIGH_IN_ITSELF: f64 = REFERENCE_ITEMS as f64;
/// A hard day (`is_hard`) is flagged to supporters, and said again on the person's Today, while
/// it is this recent (Taper's own rule, `taper_policy`: a week, as for missed check-ins).
pub const HARD_DAY_LOOKBACK_DAYS: i32 = 7;

/// Whether a day's burden is hard in itself (at or above `HIGH_IN_ITSELF`): the person is told
/// what can help when they save it, and the people they share check-ins with are flagged.
pub fn is_hard(burden: f64) -> bool {
    burden >= HIGH_IN_ITSELF
}

/// Every item "moderate" on average: too high to reduce, whatever the baseline (Taper's own line).
pub const VERY_HIGH_IN_ITSELF: f64 = 2.0 * REFERENCE_ITEMS as f64;

/// Hours of sleep in a day can be at most this.
pub const MAX_SLEEP_HOURS: f64 = 24.0;

/// Whether `hours` is a possible night's sleep.
pub fn plausible_sleep(hours: f64) -> bool {
    hours.is_finite() && (0.0..=MAX_SLEEP_HOURS).contains(&hours)
}

/// One day's answers, checked once at the edge.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckIn {
    scores: [Option<u8>; CHECKLIST.len()],
    wellbeing: u8,
    sleep_hours: Option<f64>,
}

impl CheckIn {
    /// `scores` are in checklist order, `None` for not answered; fewer than the checklist's items
    /// (a check-in kept before items were added) leaves the rest not answered. Each answer must be
    /// 0–3, wellbeing 0–10, sleep 0–24 hours.
    pub fn new(scores: &[Option<u8>], wellbeing: u8, sleep_hours: Option<f64>) -> Result<Self, InputError> {
        if scores.len() > CHECKLIST.len() {
            return Err(InputError::new(
                "symptoms",
                scores.len().to_string(),
                format!("expected at most {} answers, one per checklist item", CHECKLIST.len()),
            ));
        }
        let mut out = [None; CHECKLIST.len()];
        for (i, (&s, item)) in scores.iter().zip(CHECKLIST.iter()).enumerate() {
            if let Some(v) = s
                && v > 3
            {
                return Err(InputError::new(
                    item.key,
                    v.to_string(),
                    "must be 0 (none) to 3 (severe), or not answered",
                ));
            }
            out[i] = s;
        }
        if wellbeing > MAX_WELLBEING {
            return Err(InputError::new("wellbeing", wellbeing.to_string(), format!("must be 0 to {MAX_WELLBEING}")));
        }
        if let Some(h) = sleep_hours
            && !plausible_sleep(h)
        {
            return Err(InputError::new(
                "sleep_hours",
                h.to_string(),
                format!("must be between 0 and {} hours", crate::units::trim_number(MAX_SLEEP_HOURS)),
            ));
        }
        Ok(CheckIn { scores: out, wellbeing, sleep_hours })
    }

    pub fn scores(&self) -> &[Option<u8>] {
        &self.scores
    }
    pub fn wellbeing(&self) -> u8 {
        self.wellbeing
    }
    pub fn sleep_hours(&self) -> Option<f64> {
        self.sleep_hours
    }

    /// Sum of the answered items (what was said, unscaled).
    pub fn sum(&self) -> u32 {
        self.scores.iter().flatten().map(|&s| u32::from(s)).sum()
    }

    /// The day's burden (`burden_of`).
    pub fn burden(&self) -> Option<f64> {
        burden_of(&self.scores)
    }

    /// Sum of the answered items of one domain.
    pub fn domain_burden(&self, domain: Domain) -> u32 {
        CHECKLIST
            .iter()
            .zip(self.scores.iter())
            .filter(|(i, _)| i.domain == domain)
            .filter_map(|(_, s)| s.map(u32::from))
            .sum()
    }
}

/// How many of `scores` were answered.
pub fn answered(scores: &[Option<u8>]) -> usize {
    scores.iter().flatten().count()
}

/// A day's burden from its stored answers: the average answered item times
/// [`REFERENCE_ITEMS`], 0 to [`MAX_BURDEN`] (the sum the first checklist would give at that
/// average); `None` when fewer than [`MIN_ANSWERED`] were answered. A check-in of the first
/// checklist with every item answered reads as its plain sum.
pub fn burden_of(scores: &[Option<u8>]) -> Option<f64> {
    let n = answered(scores);
    if n == 0 || n < MIN_ANSWERED {
        return None;
    }
    let sum: u32 = scores.iter().flatten().map(|&s| u32::from(s.min(3))).sum();
    Some(f64::from(sum) / n as f64 * REFERENCE_ITEMS as f64)
}

/// A person may add this many symptoms of their own beside the checklist (issue 20).
pub const MAX_OWN: usize = 5;
/// Characters in the name of one of a person's own symptoms.
pub const MAX_OWN_NAME: usize = 60;
/// Answers to own symptoms one check-in may hold: the person's list and, for a past check-in
/// edited after the list changed, as many again under names since removed.
pub const MAX_OWN_PER_CHECKIN: usize = 2 * MAX_OWN;
/// The highest answer to an item ("severe").
pub const MAX_SCORE: u8 = 3;

/// The person's own symptoms from a form's text, one per line: blank lines dropped, at most
/// [`MAX_OWN`], each at most [`MAX_OWN_NAME`] characters, no two alike (ignoring case), none with
/// control characters. Their answers are kept and shown beside the checklist, never added to the
/// burden, so the burden means the same from person to person and day to day.
pub fn parse_own(text: &str) -> Result<Vec<String>, InputError> {
    let names: Vec<String> =
        text.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|l| !l.is_empty()).collect();
    if names.len() > MAX_OWN {
        return Err(InputError::new(
            "own",
            "",
            format!("add at most {MAX_OWN} symptoms of your own, one per line (you gave {})", names.len()),
        ));
    }
    for (i, n) in names.iter().enumerate() {
        if n.chars().count() > MAX_OWN_NAME {
            return Err(InputError::new("own", n.as_str(), format!("keep each name to {MAX_OWN_NAME} characters")));
        }
        if n.chars().any(char::is_control) {
            return Err(InputError::new("own", n.as_str(), "a name cannot hold control characters"));
        }
        if names[..i].iter().any(|m| m.to_lowercase() == n.to_lowercase()) {
            return Err(InputError::new("own", n.as_str(), "this symptom is on the list twice"));
        }
    }
    Ok(names)
}

/// A day's burden as people read it (`burden_of` to one decimal).
pub fn burden_shown(scores: &[Option<u8>]) -> Option<f64> {
    burden_of(scores).map(|b| (b * 10.0).round() / 10.0)
}

/// Parses one answer as typed in a form: "0" to "3"; blank means not answered.
pub fn parse_score(field: &str, value: &str) -> Result<Option<u8>, InputError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    match v.parse::<u8>() {
        Ok(s) if s <= 3 => Ok(Some(s)),
        _ => Err(InputError::new(field, value, "choose none (0), mild (1), moderate (2), severe (3) or not answered")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> [Option<u8>; CHECKLIST.len()] {
        [None; CHECKLIST.len()]
    }

    #[test]
    fn burden_sums_items_and_domains() {
        let mut scores = [Some(0u8); REFERENCE_ITEMS];
        scores[0] = Some(3); // dizziness, physical
        scores[8] = Some(2); // anxiety, emotional
        scores[15] = Some(1); // insomnia, sleep
        let c = CheckIn::new(&scores, 5, Some(6.5)).unwrap();
        // A check-in of the first checklist, every item answered: the plain sum.
        assert_eq!((c.sum(), c.burden()), (6, Some(6.0)));
        assert_eq!(c.domain_burden(Domain::Physical), 3);
        assert_eq!(c.domain_burden(Domain::Emotional), 2);
        assert_eq!(c.domain_burden(Domain::Cognitive), 0);
        assert_eq!(c.domain_burden(Domain::Sleep), 1);
        assert_eq!(MAX_BURDEN, 51);
    }

    #[test]
    fn an_item_not_answered_neither_lowers_nor_raises_the_burden() {
        // Every answered item "moderate": 34 of 51 however many were answered, from half on.
        let mut some = none();
        for s in some.iter_mut().take(MIN_ANSWERED) {
            *s = Some(2);
        }
        let all = [Some(2u8); CHECKLIST.len()];
        assert_eq!(burden_of(&some), Some(34.0));
        assert_eq!(burden_of(&all), Some(34.0));
        // Not answered is not "none", and fewer than half answered is not read: one answer alone
        // says nothing of the day (a walk: one "mild" read as a hard day).
        let mut one = none();
        one[0] = Some(1);
        assert_eq!(burden_of(&one), None);
        let mut fewer = some;
        fewer[0] = None;
        assert_eq!(burden_of(&fewer), None, "one short of half");
        assert_eq!(burden_of(&none()), None, "nothing answered: no burden");
        assert_eq!((answered(&one), MIN_ANSWERED), (1, 12));
    }

    #[test]
    fn out_of_range_answers_name_the_field() {
        let mut scores = none();
        scores[2] = Some(4);
        assert_eq!(CheckIn::new(&scores, 5, None).unwrap_err().field, "nausea");
        assert_eq!(CheckIn::new(&none(), 11, None).unwrap_err().field, "wellbeing");
        assert_eq!(CheckIn::new(&none(), 5, Some(25.0)).unwrap_err().field, "sleep_hours");
        assert_eq!(CheckIn::new(&[None; 30], 5, None).unwrap_err().field, "symptoms");
        // A check-in kept with the first checklist reads, its new items not answered.
        let old = CheckIn::new(&[Some(1); REFERENCE_ITEMS], 5, None).unwrap();
        assert_eq!(answered(old.scores()), REFERENCE_ITEMS);
        assert_eq!(parse_score("x", "").unwrap(), None);
        assert_eq!(parse_score("x", "2").unwrap(), Some(2));
        assert!(parse_score("x", "severe").is_err());
    }

    #[test]
    fn own_symptoms_are_at_most_five_short_distinct_names() {
        assert_eq!(parse_own("  jaw   clenching \n\n Burning skin\n").unwrap(), ["jaw clenching", "Burning skin"]);
        assert_eq!(parse_own("").unwrap(), Vec::<String>::new());
        assert_eq!(parse_own("a\nb\nc\nd\ne\nf").unwrap_err().field, "own");
        assert!(parse_own(&"x".repeat(MAX_OWN_NAME + 1)).is_err());
        assert!(parse_own(&"x".repeat(MAX_OWN_NAME)).is_ok());
        assert!(parse_own("Jaw pain\njaw PAIN").unwrap_err().message.contains("twice"));
        assert!(parse_own("bad\u{7}bell").is_err());
    }

    #[test]
    fn keys_are_unique() {
        let mut keys: Vec<_> = CHECKLIST.iter().map(|i| i.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), CHECKLIST.len());
    }

    #[test]
    fn sleep_is_plausible_from_zero_to_a_whole_day() {
        assert!(plausible_sleep(0.0) && plausible_sleep(MAX_SLEEP_HOURS) && plausible_sleep(7.5));
        for bad in [-0.5, 24.01, f64::NAN, f64::INFINITY] {
            assert!(!plausible_sleep(bad), "{bad}");
        }
        assert!(CheckIn::new(&none(), MAX_WELLBEING, Some(MAX_SLEEP_HOURS)).is_ok());
    }
}
