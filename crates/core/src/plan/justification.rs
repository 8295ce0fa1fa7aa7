//! A prescriber's recorded reason for going faster than the pace limits.
//!
//! Parsed once at the edge (CLI flag, web form, crossover), so a plan can only carry a reason
//! that says something: blank, one-word and control-character inputs are refused. Whether a pace
//! is overridden is then one question everywhere: does the request hold a `Justification`?

use std::fmt;

use crate::error::InputError;

/// Shortest reason accepted, in characters after trimming: long enough to say why.
pub const MIN_CHARS: usize = 10;
/// Longest reason accepted, so a stored plan stays a plan.
pub const MAX_CHARS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Justification(String);

impl Justification {
    /// Checks a reason typed by a person. `field` names the flag or form field in the error.
    pub fn parse(field: &str, input: &str) -> Result<Justification, InputError> {
        let text = input.trim();
        let allowed = format!(
            "a recorded reason in words ({MIN_CHARS} to {MAX_CHARS} characters), e.g. 'switching to fluoxetine, agreed with Dr Lee on 2026-11-20'"
        );
        if text.is_empty() {
            return Err(InputError::new(field, input, format!("a justification cannot be blank; give {allowed}")));
        }
        if text.chars().any(char::is_control) {
            return Err(InputError::new(field, input, format!("control characters are not allowed; give {allowed}")));
        }
        let chars = text.chars().count();
        if !(MIN_CHARS..=MAX_CHARS).contains(&chars) {
            return Err(InputError::new(field, input, format!("{chars} characters; give {allowed}")));
        }
        if text.split_whitespace().count() < 2 {
            return Err(InputError::new(field, input, format!("one word does not say why; give {allowed}")));
        }
        Ok(Justification(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Justification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_short_and_single_word_reasons_are_refused() {
        for bad in ["", "   ", "\t\n", "because", "x y", "urgent\u{0}switch now"] {
            let e = Justification::parse("override-pace", bad).unwrap_err();
            assert_eq!(e.field, "override-pace");
            assert!(e.message.contains("reason"), "{bad:?}: {}", e.message);
        }
        assert!(Justification::parse("j", &"word ".repeat(200)).is_err());
    }

    #[test]
    fn a_real_reason_is_kept_trimmed() {
        let j = Justification::parse("j", "  switching to fluoxetine, agreed with Dr Lee  ").unwrap();
        assert_eq!(j.as_str(), "switching to fluoxetine, agreed with Dr Lee");
    }
}
