//! Quantities parsed once at the edge: a dose in milligrams, a step size, an interval.
//!
//! Every parser names the input it rejects and says what is allowed, so the CLI and the web
//! forms can show the message as it is.

use std::fmt;

use crate::error::InputError;

/// Doses above this are refused as typing mistakes rather than planned: well above the largest
/// labelled daily dose in the catalogue (gabapentin, 3,600 mg). Each drug's own labelled maximum
/// asks for confirmation far below it.
pub const ABSURD_DOSE_MG: f64 = 5000.0;

/// A non-negative, finite amount of drug in milligrams.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Mg(f64);

impl Mg {
    pub const ZERO: Mg = Mg(0.0);

    /// Builds a dose from a number the program computed. Negative zero and tiny negative
    /// rounding noise become zero; anything else invalid is refused.
    pub fn new(value: f64) -> Option<Mg> {
        if !value.is_finite() {
            return None;
        }
        if value < 0.0 {
            return if value > -1e-9 { Some(Mg(0.0)) } else { None };
        }
        Some(Mg(value))
    }

    pub fn get(self) -> f64 {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0 <= 1e-12
    }
}

impl fmt::Display for Mg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} mg", trim_number(self.0))
    }
}

/// Prints a number with at most four decimals and no trailing zeros: 12, 0.31, 11.6667.
/// `x` to `digits` significant figures, for a bound quoted in words ("0.281", not "0.2812").
pub fn round_sig(x: f64, digits: i32) -> String {
    if x == 0.0 || !x.is_finite() {
        return trim_number(x);
    }
    let scale = 10f64.powi(digits - 1 - x.abs().log10().floor() as i32);
    trim_number((x * scale).round() / scale)
}

/// `x` to `digits` significant figures rounded down, as text: for a ceiling ("at most 0.147 mg"
/// for 0.1475, never a figure above it; a walk read "at most 0.5703 mg").
#[allow(clippy::cast_possible_truncation)] // a float's decimal exponent fits an i32
pub fn floor_sig(x: f64, digits: i32) -> String {
    if x <= 0.0 || !x.is_finite() {
        return trim_number(x);
    }
    let scale = 10f64.powi(digits - 1 - x.log10().floor() as i32);
    trim_number((x * scale).floor() / scale)
}

/// A sentence's first letter in upper case ("the dose" → "The dose").
/// "a", "a and b", "a, b and c".
pub fn join_and<S: AsRef<str>>(parts: &[S]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", rest.join(", "), last.as_ref())
        }
    }
}

pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

pub fn trim_number(value: f64) -> String {
    let rounded = (value * 10_000.0).round() / 10_000.0;
    let mut s = format!("{rounded:.4}");
    while s.ends_with('0') {
        s.pop();
    }
    if s.ends_with('.') {
        s.pop();
    }
    if s == "-0" { "0".to_string() } else { s }
}

/// A decimal comma read as a point ("12,5" is 12.5; walk-through: it was "unknown unit ',5mg'").
/// A comma followed by three digits after a non-zero whole part ("1,000") could be a thousands
/// separator, a thousandfold difference, so it is left for the parser to refuse.
pub(crate) fn decimal_comma(input: &str) -> String {
    let s = input.trim();
    let Some(at) = s.find(',') else { return s.to_string() };
    let (whole, rest) = (&s[..at], &s[at + 1..]);
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let only_digits_before = !whole.is_empty() && whole.chars().all(|c| c.is_ascii_digit());
    let thousands = digits == 3 && !whole.trim_start_matches('0').is_empty();
    if s.contains('.') || rest.contains(',') || !only_digits_before || digits == 0 || thousands {
        return s.to_string();
    }
    format!("{whole}.{rest}")
}

/// Splits "20mg", "20 mg", "0.5mcg" into number and unit text.
fn split_number(input: &str) -> Option<(f64, String)> {
    let normalised = decimal_comma(input);
    let s = normalised.as_str();
    let end = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == '-' || *c == '+'))
        .map_or(s.len(), |(i, _)| i);
    let (number, unit) = s.split_at(end);
    let value: f64 = number.parse().ok()?;
    Some((value, unit.trim().to_ascii_lowercase()))
}

/// Parses a dose such as `20mg`, `0.5 mg`, `500mcg` or `500µg`.
pub fn parse_dose(field: &str, input: &str) -> Result<Mg, InputError> {
    let allowed = "a dose such as 20mg, 0.5mg or 500mcg";
    let bad = |why: &str| InputError::new(field, input, format!("{why}; expected {allowed}"));
    let (value, unit) = split_number(input).ok_or_else(|| bad("not a number with a unit"))?;
    let mg = match unit.as_str() {
        "mg" => value,
        "mcg" | "µg" | "ug" => value / 1000.0,
        "" => return Err(bad("the unit is missing")),
        other if other.starts_with(',') => {
            return Err(bad("a comma here could be a decimal point or a thousands separator: write 12.5mg or 1000mg"));
        }
        other => return Err(bad(&format!("unknown unit '{other}'"))),
    };
    if !mg.is_finite() || mg < 0.0 {
        return Err(bad("a dose cannot be negative"));
    }
    if mg > ABSURD_DOSE_MG {
        return Err(InputError::new(
            field,
            input,
            format!(
                "{} is far above any daily dose of these drugs; the largest accepted is {ABSURD_DOSE_MG} mg",
                trim_number(mg)
            ),
        ));
    }
    Ok(Mg(mg))
}

/// A dose that must be above zero (a starting dose).
pub fn parse_positive_dose(field: &str, input: &str) -> Result<Mg, InputError> {
    let dose = parse_dose(field, input)?;
    if dose.is_zero() {
        return Err(InputError::new(field, input, "must be more than 0 mg"));
    }
    Ok(dose)
}

/// A step size: percentage points of occupancy, a percentage of the current dose, or milligrams.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StepSize {
    /// Percentage points of modelled target occupancy, e.g. `10pp`.
    PercentagePoints(f64),
    /// Percent of the current dose, e.g. `10%`.
    Percent(f64),
    /// A fixed amount, e.g. `2.5mg` (linear plans only).
    Milligrams(f64),
}

impl StepSize {
    /// The number, whatever its unit.
    pub fn value(self) -> f64 {
        match self {
            StepSize::PercentagePoints(v) | StepSize::Percent(v) | StepSize::Milligrams(v) => v,
        }
    }
    /// The size in percentage points of occupancy, if that is its unit.
    pub fn percentage_points(self) -> Option<f64> {
        if let StepSize::PercentagePoints(v) = self { Some(v) } else { None }
    }
    /// The size in percent of the current dose, if that is its unit.
    pub fn percent(self) -> Option<f64> {
        if let StepSize::Percent(v) = self { Some(v) } else { None }
    }
}

/// Parses `10pp`, `10%` or `2.5mg`. Sizes must be above 0 and below 100.
pub fn parse_step(field: &str, input: &str) -> Result<StepSize, InputError> {
    let allowed = "10pp (percentage points of occupancy), 10% (of the current dose) or 2.5mg";
    let (value, unit) = split_number(input)
        .ok_or_else(|| InputError::new(field, input, format!("expected a step such as {allowed}")))?;
    let step = match unit.as_str() {
        "pp" => StepSize::PercentagePoints(value),
        "%" => StepSize::Percent(value),
        "mg" => StepSize::Milligrams(value),
        "" => {
            return Err(InputError::new(field, input, format!("the unit is missing; expected {allowed}")));
        }
        other => {
            return Err(InputError::new(field, input, format!("unknown unit '{other}'; expected {allowed}")));
        }
    };
    let limited = match step {
        StepSize::PercentagePoints(v) | StepSize::Percent(v) => !(v > 0.0 && v < 100.0),
        StepSize::Milligrams(v) => !(v > 0.0 && v <= ABSURD_DOSE_MG),
    };
    if limited || !value.is_finite() {
        return Err(InputError::new(
            field,
            input,
            "a step must be more than 0 and less than 100 (pp or %), or a positive mg amount",
        ));
    }
    Ok(step)
}

/// The longest interval between steps Taper accepts, in days: a year.
pub const MAX_INTERVAL_DAYS: u32 = 365;

/// Parses an interval such as `28d`, `4w` or `2weeks` into whole days (1 to `MAX_INTERVAL_DAYS`).
pub fn parse_days(field: &str, input: &str) -> Result<u32, InputError> {
    let allowed = "a number of days or weeks such as 28d or 4w";
    let (value, unit) =
        split_number(input).ok_or_else(|| InputError::new(field, input, format!("expected {allowed}")))?;
    let days = match unit.as_str() {
        "d" | "day" | "days" => value,
        "w" | "wk" | "week" | "weeks" => value * 7.0,
        "" => {
            return Err(InputError::new(field, input, format!("the unit is missing; expected {allowed}")));
        }
        other => {
            return Err(InputError::new(field, input, format!("unknown unit '{other}'; expected {allowed}")));
        }
    };
    if days.fract() != 0.0 || !(1.0..=f64::from(MAX_INTERVAL_DAYS)).contains(&days) {
        return Err(InputError::new(
            field,
            input,
            format!("must be a whole number of days from 1 to {MAX_INTERVAL_DAYS}"),
        ));
    }
    // Checked above: a whole number within 1..=MAX_INTERVAL_DAYS.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(days as u32)
}

/// Parses a volume such as `0.1ml` (syringe resolution).
pub fn parse_ml(field: &str, input: &str) -> Result<f64, InputError> {
    let (value, unit) =
        split_number(input).ok_or_else(|| InputError::new(field, input, "expected a volume such as 0.1ml"))?;
    if unit != "ml" {
        return Err(InputError::new(field, input, "expected a volume in mL such as 0.1ml"));
    }
    if !(value > 0.0 && value <= 100.0) {
        return Err(InputError::new(field, input, "must be more than 0 and at most 100 mL"));
    }
    Ok(value)
}

/// A time of day a dose is taken, to the minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DoseTime(u16);

impl DoseTime {
    /// `hour`:`minute`; `None` outside a day.
    pub fn at(hour: u16, minute: u16) -> Option<DoseTime> {
        // Checked before it is computed: "9999:00" must be refused, not overflow (fuzz smoke).
        (hour < 24 && minute < 60).then(|| DoseTime(hour * 60 + minute))
    }

    /// The time `hours` after midnight, to the minute; `None` outside a day.
    pub fn from_hours(hours: f64) -> Option<DoseTime> {
        let minutes = (hours * 60.0).round();
        // Checked: 0 to 1439 minutes.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        (0.0..1440.0).contains(&minutes).then_some(DoseTime(minutes as u16))
    }

    /// Hours after midnight, as the simulation counts them.
    pub fn hours(self) -> f64 {
        f64::from(self.0) / 60.0
    }

    /// The time `minutes` after midnight; `None` outside a day.
    pub fn from_minutes(minutes: u16) -> Option<DoseTime> {
        (minutes < 24 * 60).then_some(DoseTime(minutes))
    }

    /// Minutes after midnight (0 to 1439).
    pub fn minutes(self) -> u16 {
        self.0
    }

    /// The earliest time of the same day this dose can be recorded, taken or missed: a dose is
    /// recorded when it comes, not hours ahead (a walk: the evening dose marked taken at breakfast
    /// showed as taken all day). `RECORD_EARLY_MINUTES` before it, or midnight.
    pub fn recordable_from(self) -> DoseTime {
        DoseTime(self.0.saturating_sub(RECORD_EARLY_MINUTES))
    }

    /// Parses "08:00", "8:30" or "20" (24-hour clock).
    pub fn parse(field: &str, input: &str) -> Result<DoseTime, InputError> {
        let bad =
            || InputError::new(field, input, "expected a time of day on the 24-hour clock, such as 08:00 or 20:30");
        let text = input.trim();
        // "2200" or "830", as a phone's number pad types them (a walk: no colon to be had).
        let compact = (3..=4).contains(&text.len()) && text.chars().all(|c| c.is_ascii_digit());
        let (h, m) = if compact { text.split_at(text.len() - 2) } else { text.split_once(':').unwrap_or((text, "0")) };
        let (Ok(h), Ok(m)) = (h.trim().parse::<u16>(), m.trim().parse::<u16>()) else { return Err(bad()) };
        DoseTime::at(h, m).ok_or_else(bad)
    }
}

impl fmt::Display for DoseTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// Labels divide a day's dose into at most four (oxazepam, chlordiazepoxide: three or four
/// times daily); more is refused as a typing mistake.
pub const MAX_DOSE_TIMES: usize = 4;

/// Doses closer than this are one dose taken in two goes, not two doses (Taper's own floor).
pub const MIN_HOURS_BETWEEN_DOSES: u16 = 2;

/// How long before its time a dose can be recorded: a dose taken a little early is a dose taken;
/// one hours away has not been taken yet. Not a dosing rule, a recording one.
pub const RECORD_EARLY_MINUTES: u16 = 60;

/// The times of day the day's dose is taken: one to `MAX_DOSE_TIMES`, in order, at least
/// `MIN_HOURS_BETWEEN_DOSES` apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoseTimes(Vec<DoseTime>);

impl DoseTimes {
    /// Parses "08:00, 20:00" (commas or spaces between times).
    pub fn parse(field: &str, input: &str) -> Result<DoseTimes, InputError> {
        let times = input
            .split([',', ' ', ';'])
            .filter(|t| !t.trim().is_empty())
            .map(|t| DoseTime::parse(field, t).map_err(|_| InputError::new(field, input, format!(
                "'{}' is not a time of day: list one to {MAX_DOSE_TIMES} times on the 24-hour clock, such as 08:00, 20:00.",
                t.trim()
            ))))
            .collect::<Result<Vec<_>, _>>()?;
        DoseTimes::new(times).map_err(|why| InputError::new(field, input, why))
    }

    /// Checks and orders `times`; the error says what is allowed.
    pub fn new(mut times: Vec<DoseTime>) -> Result<DoseTimes, String> {
        if times.is_empty() || times.len() > MAX_DOSE_TIMES {
            return Err(format!("List one to {MAX_DOSE_TIMES} times of day, such as 08:00, 20:00."));
        }
        times.sort();
        let gap = |a: DoseTime, b: DoseTime| b.minutes() - a.minutes();
        let close = times.windows(2).any(|w| gap(w[0], w[1]) < MIN_HOURS_BETWEEN_DOSES * 60)
            || times.len() > 1 && 24 * 60 - gap(times[0], times[times.len() - 1]) < MIN_HOURS_BETWEEN_DOSES * 60;
        if close {
            return Err(format!("Dose times must be at least {MIN_HOURS_BETWEEN_DOSES} hours apart."));
        }
        Ok(DoseTimes(times))
    }

    /// The usual times for `n` doses a day when none are given: morning and evening, or spread
    /// from 08:00 to 22:00 (Taper's defaults; the person or prescriber changes them).
    pub fn usual(n: u8) -> DoseTimes {
        let hours: &[u16] = match n {
            0 | 1 => &[8],
            2 => &[8, 20],
            3 => &[8, 15, 22],
            _ => &[8, 12, 17, 22],
        };
        DoseTimes(hours.iter().map(|h| DoseTime(h * 60)).collect())
    }

    pub fn times(&self) -> &[DoseTime] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `k` of these times, spread as evenly as the list allows (first and last kept), for a day
    /// whose dose cannot be made in as many parts.
    pub fn fewer(&self, k: usize) -> DoseTimes {
        let n = self.0.len();
        if k >= n || k == 0 {
            return self.clone();
        }
        if k == 1 {
            return DoseTimes(vec![self.0[n - 1]]);
        }
        DoseTimes((0..k).map(|i| self.0[(i * (n - 1) + (k - 1) / 2) / (k - 1)]).collect())
    }

    /// "08:00, 15:00 and 22:00".
    pub fn words(&self) -> String {
        let t: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        match t.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => t.join(""),
        }
    }
}

#[cfg(test)]
mod decimal_comma_tests {
    use super::*;

    #[test]
    fn a_time_typed_without_a_colon_is_read() {
        assert_eq!(DoseTime::parse("time", "2200").unwrap().to_string(), "22:00");
        assert_eq!(DoseTime::parse("time", "830").unwrap().to_string(), "08:30");
        assert_eq!(DoseTime::parse("time", "8").unwrap().to_string(), "08:00");
        assert!(DoseTime::parse("time", "2460").is_err() && DoseTime::parse("time", "99999").is_err());
    }

    #[test]
    fn a_decimal_comma_is_a_point_but_a_thousands_comma_is_refused() {
        assert_eq!(parse_dose("from", "12,5mg").unwrap().get(), 12.5);
        assert_eq!(parse_dose("from", "0,25 mg").unwrap().get(), 0.25);
        assert_eq!(parse_dose("from", "0,125mg").unwrap().get(), 0.125);
        let e = parse_dose("from", "1,000mg").unwrap_err();
        assert_eq!(e.field, "from");
        assert!(e.message.contains("thousands"), "{}", e.message);
        assert!(parse_dose("from", "1,5,0mg").is_err());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dose_is_recordable_from_an_hour_before_its_time_and_never_the_day_before() {
        let at = |h, m| DoseTime::at(h, m).unwrap();
        assert_eq!(at(20, 0).recordable_from(), at(19, 0));
        assert_eq!(at(8, 30).recordable_from(), at(7, 30));
        // Early in the day it is midnight, not a time of the day before.
        assert_eq!(at(0, 30).recordable_from(), at(0, 0));
        assert_eq!(at(0, 0).recordable_from(), at(0, 0));
    }

    #[test]
    fn dose_times_parse_order_and_refuse_what_cannot_be_taken() {
        let t = DoseTimes::parse("times", "20:00, 8").unwrap();
        assert_eq!(t.words(), "08:00 and 20:00");
        assert_eq!(t.times()[1].hours(), 20.0);
        for (bad, says) in [
            ("25:00", "not a time of day"),
            ("8:61", "not a time of day"),
            ("noon", "not a time of day"),
            ("9999:00", "not a time of day"),
            ("08:9999", "not a time of day"),
            ("", "one to 4"),
            ("06:00 10:00 14:00 18:00 22:00", "one to 4"),
            ("08:00 09:00", "2 hours apart"),
            ("23:30 00:30", "2 hours apart"),
        ] {
            let err = DoseTimes::parse("times", bad).unwrap_err().to_string();
            assert!(err.contains(says) && err.contains("times"), "{bad}: {err}");
        }
    }

    #[test]
    fn fewer_dose_times_keep_the_first_and_last() {
        let four = DoseTimes::usual(4);
        assert_eq!(four.fewer(2).words(), "08:00 and 22:00");
        assert_eq!(four.fewer(3).len(), 3);
        assert_eq!(four.fewer(3).times()[0], four.times()[0]);
        assert_eq!(four.fewer(3).times()[2], four.times()[3]);
        assert_eq!(DoseTimes::usual(3).fewer(1).words(), "22:00");
    }

    #[test]
    fn doses_parse_with_units() {
        assert_eq!(parse_dose("from", "20mg").map(Mg::get), Ok(20.0));
        assert_eq!(parse_dose("from", " 0.5 mg ").map(Mg::get), Ok(0.5));
        assert_eq!(parse_dose("from", "500mcg").map(Mg::get), Ok(0.5));
    }

    #[test]
    fn bad_doses_name_the_problem() {
        let err = parse_dose("from", "20 mgs").unwrap_err();
        assert!(err.to_string().contains("unknown unit 'mgs'"), "{err}");
        assert!(parse_dose("from", "-5mg").unwrap_err().to_string().contains("negative"));
        assert!(parse_dose("from", "20").unwrap_err().to_string().contains("unit is missing"));
        assert!(parse_dose("from", "20000mg").unwrap_err().to_string().contains("far above"));
        assert!(parse_positive_dose("from", "0mg").unwrap_err().to_string().contains("more than 0"));
    }

    #[test]
    fn steps_and_days() {
        assert_eq!(parse_step("step", "10pp"), Ok(StepSize::PercentagePoints(10.0)));
        assert_eq!(parse_step("step", "10%"), Ok(StepSize::Percent(10.0)));
        assert!(parse_step("step", "0%").is_err());
        assert!(parse_step("step", "100pp").is_err());
        assert_eq!(parse_days("every", "4w"), Ok(28));
        assert!(parse_days("every", "0d").is_err());
        assert!(parse_days("every", "1.5d").is_err());
    }

    #[test]
    fn numbers_print_trimmed() {
        assert_eq!(trim_number(12.000_000_000_1), "12");
        assert_eq!(trim_number(0.3100), "0.31");
        assert_eq!(trim_number(11.666_666), "11.6667");
    }
}
