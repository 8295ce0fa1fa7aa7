//! PHQ-9 and GAD-7: the exact published wording (free to reproduce, with attribution), scoring,
//! severity bands and reliable change. Bands and thresholds are data (`data/measures.toml`).
//!
//! PHQ-9 item 9 is routed on its own, never on the total (Simon et al. 2013): any answer above
//! zero raises an urgent flag for every clinician the person shares with, and the person sees
//! crisis resources at once.

use serde::Deserialize;

use crate::error::InputError;

/// The attribution the instruments' authors ask for.
pub const ATTRIBUTION: &str = "PHQ-9 and GAD-7 developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt \
    Kroenke and colleagues, with an educational grant from Pfizer Inc. No permission required to reproduce, \
    translate, display or distribute.";

/// Days between scheduled PHQ-9 and GAD-7: both ask about the last two weeks (Kroenke et al.
/// 2001; Spitzer et al. 2006), so asking every two weeks covers every day once.
pub const QUESTIONNAIRE_EVERY_DAYS: u32 = 14;

/// Days each questionnaire asks about: "over the last 2 weeks" (Kroenke et al. 2001; Spitzer
/// et al. 2006). A questionnaire answered this long after the settling time still covers it.
pub const RECALL_DAYS: u32 = 14;

/// What a score taken on `on` is read against, from the same questionnaire's scores before it
/// (oldest first): the first and the latest taken on an earlier day. A retake the same day
/// answers for the same fortnight ([`RECALL_DAYS`]), so it is never read as a change: a walk
/// retook a PHQ-9 within the hour and was shown "a reliable worsening".
pub fn compared_with<T>(
    earlier: &[T],
    on: jiff::civil::Date,
    day: impl Fn(&T) -> jiff::civil::Date,
) -> (Option<&T>, Option<&T>) {
    let first = earlier.iter().find(|r| day(r) < on);
    let previous = earlier.iter().rev().find(|r| day(r) < on);
    (first, previous)
}

/// The four answers both instruments use, scored 0–3.
/// Where PHQ-9's item 9 sits among its answers (0-based).
pub const ITEM9_INDEX: usize = 8;

/// The highest answer to any item (and to the difficulty question): "Nearly every day".
pub const MAX_ANSWER: u8 = 3;

/// An answer a form sent, if it is one of the four (0 to `MAX_ANSWER`).
pub fn answer_of(raw: &str) -> Option<u8> {
    raw.trim().parse::<u8>().ok().filter(|v| *v <= MAX_ANSWER)
}

pub const ANSWERS: [&str; 4] = ["Not at all", "Several days", "More than half the days", "Nearly every day"];

const PHQ9_ITEMS: [&str; 9] = [
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety or \
     restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
];

/// PHQ-9's closing question: asked after the nine, never added to the score; it tells how much
/// the problems weigh on daily life (Kroenke, Spitzer & Williams 2001, the published form).
pub const DIFFICULTY_QUESTION: &str = "If you checked off any problems, how difficult have these problems made it \
     for you to do your work, take care of things at home, or get along with other people?";
/// GAD-7's closing question, unscored like PHQ-9's, in the published form's own words (Spitzer,
/// Kroenke, Williams & Löwe 2006; the form reads "have these made it" where PHQ-9's reads "have
/// these problems made it").
pub const GAD7_DIFFICULTY_QUESTION: &str = "If you checked off any problems, how difficult have these made it for \
     you to do your work, take care of things at home, or get along with other people?";
/// The four answers of either closing question, stored as 0–3.
pub const DIFFICULTY_ANSWERS: [&str; 4] =
    ["Not difficult at all", "Somewhat difficult", "Very difficult", "Extremely difficult"];

/// The optional daily check-in question (asked only when the person switches it on), in PHQ-9
/// item 9's own words so it means the same thing; any "yes" routes like item 9 above zero
/// (Simon et al. 2013: item-9 answers above zero predict attempts; a flag asks for a structured
/// risk assessment, never a diagnosis).
pub const DAILY_SAFETY_QUESTION: &str = "Since your last check-in, have you had thoughts that you would be better off \
     dead, or of hurting yourself in some way?";
/// Its answers, stored as 0 (not kept) and 1.
pub const DAILY_SAFETY_ANSWERS: [&str; 2] = ["No", "Yes"];

/// The words for a stored difficulty answer; None for anything outside 0–3.
pub fn difficulty_words(value: u8) -> Option<&'static str> {
    DIFFICULTY_ANSWERS.get(usize::from(value)).copied()
}

const GAD7_ITEMS: [&str; 7] = [
    "Feeling nervous, anxious or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid as if something awful might happen",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Instrument {
    Phq9,
    Gad7,
}

impl Instrument {
    pub const ALL: [Instrument; 2] = [Instrument::Phq9, Instrument::Gad7];

    pub fn key(self) -> &'static str {
        match self {
            Instrument::Phq9 => "phq9",
            Instrument::Gad7 => "gad7",
        }
    }
    pub fn from_key(k: &str) -> Option<Instrument> {
        Instrument::ALL.into_iter().find(|i| i.key() == k)
    }
    pub fn name(self) -> &'static str {
        match self {
            Instrument::Phq9 => "PHQ-9",
            Instrument::Gad7 => "GAD-7",
        }
    }
    /// The LOINC code of the total score, as US Core's screening-assessment examples use it
    /// (PHQ-9 44261-6; GAD-7 70274-6, not its panel 69737-5; shared/clinical/measures-and-security.md).
    pub fn loinc_total(self) -> &'static str {
        match self {
            Instrument::Phq9 => "44261-6",
            Instrument::Gad7 => "70274-6",
        }
    }
    /// The LOINC code of PHQ-9 item 9 (thoughts of being better off dead or of self-harm), sent
    /// as its own observation so it is never lost inside a total.
    pub const PHQ9_ITEM9_LOINC: &'static str = "44260-8";

    /// The LOINC code of the instrument's panel (the form as a whole): PHQ-9 44249-1, GAD-7
    /// 69737-5 (US Core's screening-assessment examples; shared/clinical/measures-and-security.md).
    pub fn loinc_panel(self) -> &'static str {
        match self {
            Instrument::Phq9 => "44249-1",
            Instrument::Gad7 => "69737-5",
        }
    }

    /// The LOINC code of each item, in the order of [`Instrument::items`] (same source).
    pub fn loinc_items(self) -> &'static [&'static str] {
        match self {
            Instrument::Phq9 => {
                &["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8"]
            }
            Instrument::Gad7 => &["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"],
        }
    }

    /// The LOINC answer codes of an item's 0–3, shared by both instruments (same source).
    pub const LOINC_ANSWERS: [&'static str; 4] = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"];
    pub fn stem(self) -> &'static str {
        match self {
            Instrument::Phq9 => {
                "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
            }
            Instrument::Gad7 => "Over the last 2 weeks, how often have you been bothered by the following problems?",
        }
    }
    /// Whether the instrument ends with an unscored difficulty question: both do, as their
    /// published forms do (walk-through N15: GAD-7 lacked it).
    pub fn asks_difficulty(self) -> bool {
        true
    }

    /// The instrument's own closing question.
    pub fn difficulty_question(self) -> &'static str {
        match self {
            Instrument::Phq9 => DIFFICULTY_QUESTION,
            Instrument::Gad7 => GAD7_DIFFICULTY_QUESTION,
        }
    }

    pub fn items(self) -> &'static [&'static str] {
        match self {
            Instrument::Phq9 => &PHQ9_ITEMS,
            Instrument::Gad7 => &GAD7_ITEMS,
        }
    }
    pub fn max(self) -> u32 {
        3 * self.items().len() as u32
    }
}

/// One completed questionnaire, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    instrument: Instrument,
    items: Vec<u8>,
}

impl Answers {
    pub fn new(instrument: Instrument, items: &[u8]) -> Result<Answers, InputError> {
        if items.len() != instrument.items().len() {
            return Err(InputError::new(
                instrument.key(),
                items.len().to_string(),
                format!("{} has {} questions; answer each one", instrument.name(), instrument.items().len()),
            ));
        }
        if let Some((i, v)) = items.iter().enumerate().find(|(_, v)| **v > MAX_ANSWER) {
            return Err(InputError::new(format!("item{}", i + 1), v.to_string(), "answers are 0 to 3"));
        }
        Ok(Answers { instrument, items: items.to_vec() })
    }
    pub fn instrument(&self) -> Instrument {
        self.instrument
    }
    pub fn items(&self) -> &[u8] {
        &self.items
    }
    pub fn total(&self) -> u32 {
        self.items.iter().map(|&v| u32::from(v)).sum()
    }
    /// PHQ-9 item 9 (thoughts of being better off dead or of self-harm); None for GAD-7.
    pub fn item9(&self) -> Option<u8> {
        (self.instrument == Instrument::Phq9).then(|| self.items[ITEM9_INDEX])
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Band {
    pub from: u32,
    pub label: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Scoring {
    pub name: String,
    pub max: u32,
    /// A change of at least this many points is reliable.
    pub reliable_change: u32,
    pub caseness: u32,
    pub source: String,
    pub bands_source: String,
    pub bands: Vec<Band>,
}

impl Scoring {
    /// The severity band of a total: the last band whose start is not above it.
    pub fn band(&self, total: u32) -> &str {
        self.bands.iter().rev().find(|b| b.from <= total).map_or("", |b| b.label.as_str())
    }

    pub fn change(&self, before: u32, after: u32) -> Change {
        let t = i64::from(self.reliable_change);
        match i64::from(after) - i64::from(before) {
            d if d >= t => Change::ReliableDeterioration,
            d if d <= -t => Change::ReliableImprovement,
            _ => Change::NoReliableChange,
        }
    }
}

/// A completed questionnaire: which, when, its total and PHQ-9's item 9.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub instrument: Instrument,
    pub date: jiff::civil::Date,
    pub total: u32,
    pub item9: Option<u8>,
}

/// The items withdrawal raises as well as depression or anxiety (Fava et al. 2015 for SSRIs,
/// 2018 for SNRIs: insomnia, fatigue, poor concentration, agitation, anxiety, irritability,
/// appetite): item number (from 1) and what it asks about.
pub fn withdrawal_items(inst: Instrument) -> &'static [(u8, &'static str)] {
    match inst {
        Instrument::Phq9 => {
            &[(3, "sleep"), (4, "tiredness"), (5, "appetite"), (7, "concentration"), (8, "restlessness or slowness")]
        }
        Instrument::Gad7 => &[(1, "nervousness"), (4, "trouble relaxing"), (5, "restlessness"), (6, "irritability")],
    }
}

/// What to say beside a reliable deterioration whose two weeks asked about include days when
/// levels were still settling after a cut (clinical review W8: a rise after a cut was flagged with
/// no word that withdrawal raises these scores; a re-run found a PHQ-9 12 days after a citalopram
/// cut without it, though its two weeks covered the cut). `days_since_cut`: days from the latest
/// cut to the questionnaire; `settle_days`: how long the drug takes to settle after a change.
pub fn withdrawal_caution(inst: Instrument, days_since_cut: Option<i32>, settle_days: f64) -> Option<String> {
    let reach = settle_days.ceil() + f64::from(RECALL_DAYS);
    let d = days_since_cut.filter(|d| *d >= 0 && f64::from(*d) <= reach)?;
    let items = withdrawal_items(inst).iter().map(|(n, what)| format!("{what} (item {n})")).collect::<Vec<_>>();
    // Compared with the figure said, so the sentence never reads "8 days after a cut, while
    // levels were still settling (about 7 days)" (a re-run: 7.4 days rounded one way, then the other).
    let when = if f64::from(d) <= settle_days.round() {
        format!(
            "This came {d} days after a cut, while levels were still settling (about {} days).",
            settle_days.round()
        )
    } else {
        format!(
            "This came {d} days after a cut: the {RECALL_DAYS} days it asks about include days when levels were still settling (about {} days).",
            settle_days.round()
        )
    };
    Some(format!(
        "{when} Withdrawal raises {} scores too, on {} (Fava et al. 2015; 2018), so the rise may be withdrawal rather than a return of the condition. The withdrawal-or-return aid helps tell them apart; talk it through before the next cut.",
        inst.name(),
        items.join(", ")
    ))
}

/// Where less than half of a rise between two answer sets is on the items withdrawal also raises,
/// a sentence that says so (walk-through round 4: a rise mostly in mood items still read "may be
/// withdrawal"). `None` when the answers do not fit the questionnaire or nothing rose.
pub fn rise_mostly_elsewhere(inst: Instrument, before: &[u8], after: &[u8]) -> Option<String> {
    if before.len() != after.len() || before.len() != inst.items().len() {
        return None;
    }
    let overlap: Vec<usize> = withdrawal_items(inst).iter().map(|(n, _)| usize::from(*n) - 1).collect();
    // PHQ-9's question 9 leans neither way: thoughts of self-harm come with agitation in
    // withdrawal as well as with depression, and a walk read its rise as "a return … is
    // possible". It is answered by its own urgent routing, not weighed here.
    let neutral = |i: usize| inst == Instrument::Phq9 && i == ITEM9_INDEX;
    let rise = |i: usize| if neutral(i) { 0 } else { i32::from(after[i]) - i32::from(before[i]) };
    let total: i32 = (0..after.len()).map(rise).filter(|r| *r > 0).sum();
    let on_overlap: i32 = overlap.iter().map(|i| rise(*i)).filter(|r| *r > 0).sum();
    if total <= 0 || 2 * on_overlap >= total {
        return None;
    }
    let others: Vec<String> =
        (0..after.len()).filter(|i| !overlap.contains(i) && rise(*i) > 0).map(|i| (i + 1).to_string()).collect();
    Some(format!(
        "Most of this rise is on questions withdrawal raises less (item {}): a return of how you felt before is possible too, so talk it through with your prescriber soon.",
        others.join(", ")
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    ReliableImprovement,
    ReliableDeterioration,
    NoReliableChange,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Measures {
    pub phq9: Scoring,
    pub gad7: Scoring,
}

impl Measures {
    /// The compiled-in `data/measures.toml`.
    pub fn builtin() -> Result<Measures, String> {
        Measures::parse(include_str!("../../../../data/measures.toml")).map_err(|e| format!("data/measures.toml: {e}"))
    }

    pub fn parse(text: &str) -> Result<Measures, String> {
        let m: Measures = toml::from_str(text).map_err(|e| e.to_string())?;
        for (s, i) in [(&m.phq9, Instrument::Phq9), (&m.gad7, Instrument::Gad7)] {
            if s.max != i.max() {
                return Err(format!("{} max {} should be {}", s.name, s.max, i.max()));
            }
            if s.bands.first().map(|b| b.from) != Some(0) || s.bands.windows(2).any(|w| w[0].from >= w[1].from) {
                return Err(format!("{} bands must start at 0 and rise", s.name));
            }
        }
        Ok(m)
    }

    pub fn of(&self, i: Instrument) -> &Scoring {
        match i {
            Instrument::Phq9 => &self.phq9,
            Instrument::Gad7 => &self.gad7,
        }
    }
}

/// Jacobson & Truax (1991) reliable change index: (x2 − x1) / S_diff, where
/// S_diff = √(2·SE²) and SE = SD·√(1 − r). |RCI| > 1.96 is reliable change.
pub fn reliable_change_index(x1: f64, x2: f64, sd: f64, reliability: f64) -> f64 {
    let se = sd * (1.0 - reliability).sqrt();
    (x2 - x1) / (2.0 * se * se).sqrt()
}

/// The smallest change that is reliable at the 95 % level: 1.96 · S_diff.
pub fn reliable_change_amount(sd: f64, reliability: f64) -> f64 {
    let se = sd * (1.0 - reliability).sqrt();
    1.96 * (2.0 * se * se).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_has_its_loinc_code_and_item_9_is_the_one_sent_alone() {
        for i in Instrument::ALL {
            assert_eq!(i.loinc_items().len(), i.items().len(), "{}", i.name());
            assert_ne!(i.loinc_panel(), i.loinc_total(), "a panel is not a total (69737-5 is GAD-7's panel)");
        }
        assert_eq!(Instrument::Phq9.loinc_items()[ITEM9_INDEX], Instrument::PHQ9_ITEM9_LOINC);
        assert_eq!(Instrument::LOINC_ANSWERS.len(), ANSWERS.len());
    }

    #[test]
    fn both_end_with_their_own_unscored_difficulty_question() {
        assert!(Instrument::Phq9.asks_difficulty() && Instrument::Gad7.asks_difficulty());
        assert!(Instrument::Gad7.difficulty_question().contains("how difficult have these made it"));
        assert!(Instrument::Phq9.difficulty_question().contains("how difficult have these problems made it"));
        assert_eq!(difficulty_words(0), Some("Not difficult at all"));
        assert_eq!(difficulty_words(3), Some("Extremely difficult"));
        assert_eq!(difficulty_words(4), None);
        // Not scored: the maximum stays 27.
        assert_eq!(Instrument::Phq9.max(), 27);
    }

    #[test]
    fn scores_and_bands_follow_the_published_cut_points() {
        let m = Measures::builtin().unwrap();
        let a = Answers::new(Instrument::Phq9, &[1, 2, 1, 1, 0, 1, 1, 2, 1]).unwrap();
        assert_eq!((a.total(), a.item9()), (10, Some(1)));
        assert_eq!(m.phq9.band(a.total()), "moderate");
        for (total, band) in
            [(0, "minimal"), (4, "minimal"), (5, "mild"), (14, "moderate"), (15, "moderately severe"), (27, "severe")]
        {
            assert_eq!(m.phq9.band(total), band, "PHQ-9 {total}");
        }
        for (total, band) in [(4, "minimal"), (9, "mild"), (10, "moderate"), (21, "severe")] {
            assert_eq!(m.gad7.band(total), band, "GAD-7 {total}");
        }
        let g = Answers::new(Instrument::Gad7, &[3; 7]).unwrap();
        assert_eq!((g.total(), g.item9()), (21, None));
    }

    #[test]
    fn a_retake_the_same_day_is_not_what_a_score_is_read_against() {
        let d = |day: i8| jiff::civil::date(2026, 3, day);
        let earlier = [(d(1), 4), (d(9), 6), (d(9), 16)];
        let (first, previous) = compared_with(&earlier, d(9), |r| r.0);
        assert_eq!((first, previous), (Some(&(d(1), 4)), Some(&(d(1), 4))));
        let (first, previous) = compared_with(&earlier, d(10), |r| r.0);
        assert_eq!((first, previous), (Some(&(d(1), 4)), Some(&(d(9), 16))));
        assert_eq!(compared_with(&earlier[..1], d(1), |r| r.0), (None, None), "only a same-day score before");
    }

    #[test]
    fn reliable_change_uses_the_nhs_talking_therapies_thresholds() {
        let m = Measures::builtin().unwrap();
        assert_eq!(m.phq9.change(8, 14), Change::ReliableDeterioration);
        assert_eq!(m.phq9.change(8, 13), Change::NoReliableChange);
        assert_eq!(m.phq9.change(16, 10), Change::ReliableImprovement);
        assert_eq!(m.gad7.change(5, 9), Change::ReliableDeterioration);
        assert_eq!(m.gad7.change(5, 8), Change::NoReliableChange);
    }

    #[test]
    fn a_rise_soon_after_a_cut_is_read_with_withdrawal_in_mind() {
        let c = withdrawal_caution(Instrument::Phq9, Some(6), 7.3).unwrap();
        assert!(c.contains("6 days after a cut") && c.contains("sleep (item 3)") && c.contains("Fava"), "{c}");
        assert!(withdrawal_caution(Instrument::Gad7, Some(3), 7.0).unwrap().contains("irritability (item 6)"));
        // Later, but its two weeks still reach back into the settling time (a re-run of W8:
        // 12 days after a citalopram cut there was no caution).
        let later = withdrawal_caution(Instrument::Phq9, Some(12), 7.3).unwrap();
        assert!(later.contains("12 days after a cut: the 14 days it asks about include days"), "{later}");
        assert!(withdrawal_caution(Instrument::Phq9, Some(22), 7.3).is_some());
        // Never past the settling time it names (a re-run: "8 days after a cut, while levels were
        // still settling (about 7 days)").
        let eighth = withdrawal_caution(Instrument::Phq9, Some(8), 7.3).unwrap();
        assert!(eighth.contains("8 days after a cut: the 14 days") && eighth.contains("(about 7 days)"), "{eighth}");
        assert!(
            withdrawal_caution(Instrument::Phq9, Some(7), 7.3).unwrap().contains("while levels were still settling")
        );
        // Past the settling time and the two weeks, before the cut, or with no cut: nothing to add.
        assert_eq!(withdrawal_caution(Instrument::Phq9, Some(23), 7.3), None);
        assert_eq!(withdrawal_caution(Instrument::Phq9, Some(-1), 7.3), None);
        assert_eq!(withdrawal_caution(Instrument::Phq9, None, 7.3), None);
        // A rise mostly in mood items (1, 2, 6) says a return is possible too; one mostly in sleep,
        // tiredness and concentration does not.
        let mood = rise_mostly_elsewhere(Instrument::Phq9, &[0; 9], &[3, 3, 1, 0, 0, 3, 0, 0, 0]).unwrap();
        assert!(mood.contains("item 1, 2, 6") && mood.contains("return"), "{mood}");
        assert_eq!(rise_mostly_elsewhere(Instrument::Phq9, &[0; 9], &[0, 1, 3, 3, 0, 0, 3, 0, 0]), None);
        // Question 9 is weighed neither way (a walk: a rise on it read as "a return is possible").
        assert_eq!(rise_mostly_elsewhere(Instrument::Phq9, &[0; 9], &[0, 0, 1, 1, 0, 0, 0, 0, 3]), None);
        let with9 = rise_mostly_elsewhere(Instrument::Phq9, &[0; 9], &[3, 3, 0, 0, 0, 1, 0, 0, 3]).unwrap();
        assert!(with9.contains("item 1, 2, 6)") && !with9.contains('9'), "{with9}");
        assert_eq!(rise_mostly_elsewhere(Instrument::Phq9, &[0; 9], &[0; 7]), None);
    }

    #[test]
    fn jacobson_truax_worked_example() {
        // SD 5 and reliability 0.84: SE = 5·0.4 = 2, S_diff = √8 ≈ 2.83, so 1.96·S_diff ≈ 5.54
        // points; a rise from 10 to 17 gives RCI = 7/2.83 ≈ 2.47 (> 1.96: reliable).
        assert!((reliable_change_amount(5.0, 0.84) - 5.544).abs() < 1e-3);
        assert!((reliable_change_index(10.0, 17.0, 5.0, 0.84) - 2.475).abs() < 1e-3);
        assert!(reliable_change_index(10.0, 15.0, 5.0, 0.84) < 1.96);
    }

    #[test]
    fn answers_are_checked() {
        assert_eq!(Answers::new(Instrument::Phq9, &[0; 7]).unwrap_err().field, "phq9");
        assert_eq!(Answers::new(Instrument::Gad7, &[0, 0, 4, 0, 0, 0, 0]).unwrap_err().field, "item3");
        assert!(Measures::parse("[phq9]\nname='x'").is_err());
    }

    #[test]
    fn a_form_answer_is_one_of_the_four_or_nothing() {
        assert_eq!(answer_of(" 3 "), Some(MAX_ANSWER));
        assert_eq!(answer_of("0"), Some(0));
        for bad in ["4", "-1", "", "two", "3.0"] {
            assert_eq!(answer_of(bad), None, "{bad}");
        }
        assert_eq!(Answers::new(Instrument::Phq9, &[0, 0, 0, 0, 0, 0, 0, 0, 2]).expect("valid").item9(), Some(2));
        assert_eq!(PHQ9_ITEMS.len(), ITEM9_INDEX + 1);
    }
}
