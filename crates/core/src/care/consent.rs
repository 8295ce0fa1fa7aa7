//! What a person lets each supporter see, one category at a time. The person chooses per
//! invitation and may change it later; every supporter view asks [`Scope::contains`] before it
//! shows a part of the record, and every flag says which category it comes from, so a flag never
//! reveals data the person did not share.

/// One part of a person's record that can be shared or kept back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// Current dose, the plan and its chart, holds.
    PlanAndDoses,
    /// Daily symptom and wellbeing numbers, and the waves found in them.
    CheckinScores,
    /// The free-text note written with a check-in.
    CheckinNotes,
    /// PHQ-9 and GAD-7 totals, bands, changes and the item-9 alert.
    Questionnaires,
    /// Earlier courses, stops and restarts (shapes the advised pace).
    MedicationHistory,
    /// The person's own answers and notes in "Withdrawal or return?".
    WithdrawalOrReturn,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::PlanAndDoses,
        Category::CheckinScores,
        Category::CheckinNotes,
        Category::Questionnaires,
        Category::MedicationHistory,
        Category::WithdrawalOrReturn,
    ];

    /// The form field's value.
    pub fn key(self) -> &'static str {
        match self {
            Category::PlanAndDoses => "plan",
            Category::CheckinScores => "checkin_scores",
            Category::CheckinNotes => "checkin_notes",
            Category::Questionnaires => "questionnaires",
            Category::MedicationHistory => "medication_history",
            Category::WithdrawalOrReturn => "withdrawal_or_return",
        }
    }

    pub fn from_key(key: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.key() == key)
    }

    /// What the supporter will see, in the person's words.
    pub fn describe(self) -> &'static str {
        match self {
            Category::PlanAndDoses => "your plan and doses: current dose, holds and a chart of your doses",
            Category::CheckinScores => {
                "your check-in scores: symptom and wellbeing numbers, the waves in them, and a note when you have not checked in for a while"
            }
            Category::CheckinNotes => "the notes you write with your check-ins",
            Category::Questionnaires => {
                "your PHQ-9 and GAD-7 results — and if you answer question 9 (thoughts of self-harm) above zero, an urgent note at the top of their list"
            }
            Category::MedicationHistory => "your medication history: earlier courses, stops and restarts",
            Category::WithdrawalOrReturn => "your answers and notes in \"Withdrawal or return?\"",
        }
    }

    /// Short name, for lists of what someone sees.
    pub fn short(self) -> &'static str {
        match self {
            Category::PlanAndDoses => "plan and doses",
            Category::CheckinScores => "check-in scores",
            Category::CheckinNotes => "check-in notes",
            Category::Questionnaires => "questionnaires",
            Category::MedicationHistory => "medication history",
            Category::WithdrawalOrReturn => "withdrawal-or-return answers",
        }
    }

    fn bit(self) -> u8 {
        1 << (Category::ALL.iter().position(|c| *c == self).unwrap_or(0))
    }
}

/// The categories one supporter may see. Stored as a small integer; bits this version does not
/// know are dropped on reading, so an old build never shows more than was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope(u8);

impl Scope {
    /// Everything: what every share made before categories existed means.
    pub fn all() -> Scope {
        Scope(Category::ALL.iter().fold(0, |a, c| a | c.bit()))
    }

    pub fn none() -> Scope {
        Scope(0)
    }

    pub fn from_bits(bits: i64) -> Scope {
        Scope((bits & i64::from(Scope::all().0)) as u8)
    }

    pub fn bits(self) -> i64 {
        i64::from(self.0)
    }

    pub fn with(self, c: Category) -> Scope {
        Scope(self.0 | c.bit())
    }

    pub fn contains(self, c: Category) -> bool {
        self.0 & c.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn categories(self) -> impl Iterator<Item = Category> {
        Category::ALL.into_iter().filter(move |c| self.contains(*c))
    }

    /// Form values to a scope: unknown values are an error naming the value, and nothing at all is
    /// refused (an empty share would show a name and nothing else).
    pub fn parse<'a>(keys: impl IntoIterator<Item = &'a str>) -> Result<Scope, String> {
        let mut s = Scope::none();
        for k in keys {
            let c = Category::from_key(k).ok_or_else(|| format!("'{k}' is not something Taper can share"))?;
            s = s.with(c);
        }
        if s.is_empty() { Err("Choose at least one part of your record to share.".into()) } else { Ok(s) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_has_its_own_bit_and_round_trips_through_storage() {
        let mut seen = 0u8;
        for c in Category::ALL {
            assert_eq!(seen & c.bit(), 0, "{c:?} shares a bit");
            seen |= c.bit();
            assert_eq!(Category::from_key(c.key()), Some(c));
            let only = Scope::none().with(c);
            assert_eq!(Scope::from_bits(only.bits()), only);
            assert!(only.contains(c) && Category::ALL.iter().filter(|o| only.contains(**o)).count() == 1);
        }
        assert_eq!(Scope::all().categories().count(), 6);
    }

    #[test]
    fn unknown_bits_from_storage_are_dropped_not_shown() {
        let s = Scope::from_bits(0b1100_0001);
        assert_eq!(s.categories().collect::<Vec<_>>(), [Category::PlanAndDoses]);
        assert!(Scope::from_bits(-1) == Scope::all());
    }

    #[test]
    fn form_values_parse_with_a_clear_error() {
        assert_eq!(
            Scope::parse(["plan", "questionnaires"]).unwrap().categories().collect::<Vec<_>>(),
            [Category::PlanAndDoses, Category::Questionnaires]
        );
        assert!(Scope::parse(["passwords"]).unwrap_err().contains("'passwords'"));
        assert!(Scope::parse([]).unwrap_err().contains("at least one"));
    }
}
