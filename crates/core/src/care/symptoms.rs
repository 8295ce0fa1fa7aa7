//! Taper's own daily symptom checklist and how a check-in is scored.
//!
//! The checklist is written by Taper from symptom names common in the withdrawal literature
//! (Black et al. 2000 list dizziness, shock-like sensations, anxiety, fatigue, headache, insomnia,
//! irritability, nausea, tremor, visual disturbance). It is **not validated**: it describes how a
//! person feels from day to day and is never a diagnosis or a substitute for DESS or BWSQ, which
//! may not be embedded without a licence.

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

/// The checklist, in the order it is shown.
pub const CHECKLIST: [Item; 17] = [
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
];

/// The words for 0–3, shown beside every item.
pub const SEVERITY_LABELS: [&str; 4] = ["none", "mild", "moderate", "severe"];

/// The highest possible burden: every item at 3.
pub const MAX_BURDEN: u32 = 3 * CHECKLIST.len() as u32;

/// The wellbeing scale runs from 0 (worst) to this (best).
pub const MAX_WELLBEING: u8 = 10;

/// A burden high in itself, whatever the person's own baseline: every item "mild" on average
/// (Taper's own line, `taper_policy`; the checklist is not a validated scale). Readings relative
/// to a baseline miss someone who is struggling all the time (a walk: every item severe for a
/// week read "near your baseline").
pub const HIGH_IN_ITSELF: f64 = CHECKLIST.len() as f64;
/// Every item "moderate" on average: too high to reduce, whatever the baseline (Taper's own line).
pub const VERY_HIGH_IN_ITSELF: f64 = 2.0 * CHECKLIST.len() as f64;

/// Hours of sleep in a day can be at most this.
pub const MAX_SLEEP_HOURS: f64 = 24.0;

/// Whether `hours` is a possible night's sleep.
pub fn plausible_sleep(hours: f64) -> bool {
    hours.is_finite() && (0.0..=MAX_SLEEP_HOURS).contains(&hours)
}

/// One day's answers, checked once at the edge.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckIn {
    scores: [u8; CHECKLIST.len()],
    wellbeing: u8,
    sleep_hours: Option<f64>,
}

impl CheckIn {
    /// `scores` are in checklist order. Each must be 0–3, wellbeing 0–10, sleep 0–24 hours.
    pub fn new(scores: &[u8], wellbeing: u8, sleep_hours: Option<f64>) -> Result<Self, InputError> {
        if scores.len() != CHECKLIST.len() {
            return Err(InputError::new(
                "symptoms",
                scores.len().to_string(),
                format!("expected {} answers, one per checklist item", CHECKLIST.len()),
            ));
        }
        let mut out = [0u8; CHECKLIST.len()];
        for (i, (&s, item)) in scores.iter().zip(CHECKLIST.iter()).enumerate() {
            if s > 3 {
                return Err(InputError::new(item.key, s.to_string(), "must be 0 (none) to 3 (severe)"));
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

    pub fn scores(&self) -> &[u8] {
        &self.scores
    }
    pub fn wellbeing(&self) -> u8 {
        self.wellbeing
    }
    pub fn sleep_hours(&self) -> Option<f64> {
        self.sleep_hours
    }

    /// Sum of all items, 0 to [`MAX_BURDEN`].
    pub fn burden(&self) -> u32 {
        self.scores.iter().map(|&s| u32::from(s)).sum()
    }

    /// Sum of the items of one domain.
    pub fn domain_burden(&self, domain: Domain) -> u32 {
        CHECKLIST.iter().zip(self.scores.iter()).filter(|(i, _)| i.domain == domain).map(|(_, &s)| u32::from(s)).sum()
    }
}

/// Parses one answer as typed in a form: "0" to "3"; blank means 0 (not ticked).
pub fn parse_score(field: &str, value: &str) -> Result<u8, InputError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(0);
    }
    match v.parse::<u8>() {
        Ok(s) if s <= 3 => Ok(s),
        _ => Err(InputError::new(field, value, "choose none (0), mild (1), moderate (2) or severe (3)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burden_sums_items_and_domains() {
        let mut scores = [0u8; CHECKLIST.len()];
        scores[0] = 3; // dizziness, physical
        scores[8] = 2; // anxiety, emotional
        scores[15] = 1; // insomnia, sleep
        let c = CheckIn::new(&scores, 5, Some(6.5)).unwrap();
        assert_eq!(c.burden(), 6);
        assert_eq!(c.domain_burden(Domain::Physical), 3);
        assert_eq!(c.domain_burden(Domain::Emotional), 2);
        assert_eq!(c.domain_burden(Domain::Cognitive), 0);
        assert_eq!(c.domain_burden(Domain::Sleep), 1);
        assert_eq!(MAX_BURDEN, 51);
    }

    #[test]
    fn out_of_range_answers_name_the_field() {
        let mut scores = [0u8; CHECKLIST.len()];
        scores[2] = 4;
        assert_eq!(CheckIn::new(&scores, 5, None).unwrap_err().field, "nausea");
        assert_eq!(CheckIn::new(&[0; 17], 11, None).unwrap_err().field, "wellbeing");
        assert_eq!(CheckIn::new(&[0; 17], 5, Some(25.0)).unwrap_err().field, "sleep_hours");
        assert_eq!(CheckIn::new(&[0; 3], 5, None).unwrap_err().field, "symptoms");
        assert_eq!(parse_score("x", "").unwrap(), 0);
        assert_eq!(parse_score("x", "2").unwrap(), 2);
        assert!(parse_score("x", "severe").is_err());
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
        assert!(CheckIn::new(&[0; 17], MAX_WELLBEING, Some(MAX_SLEEP_HOURS)).is_ok());
    }
}
