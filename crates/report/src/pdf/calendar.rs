//! The plan month by month, for the person's PDF (issue 22: "a month calendar"): each day of each
//! month with the day's dose, a new dose marked, a box to tick. Only the layout of dates is done
//! here; each day's dose comes in words from the caller, who reads it from the plan.

use jiff::civil::Date;
use serde::Serialize;

/// Months a calendar shows at most; the steps table has the rest.
pub const MAX_MONTHS: usize = 12;

/// A month as a grid of weeks from Monday.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Month {
    /// "January 2027".
    pub name: String,
    /// Empty cells before the first, Monday first.
    pub blanks: u8,
    pub days: Vec<CalendarDay>,
}

/// One day: its number, its dose ("" outside the plan), and whether the dose is new that day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalendarDay {
    pub day: i8,
    pub dose: String,
    pub change: bool,
}

/// The months from `from` to `until` (both included; at most [`MAX_MONTHS`]), each day with
/// `dose_on(day)`; a day whose dose is not the day before's is a change (the first day is one).
pub fn months(from: Date, until: Date, dose_on: impl Fn(Date) -> Option<String>) -> Vec<Month> {
    let mut out = Vec::new();
    let mut first = from.first_of_month();
    let mut before: Option<String> = None;
    while first <= until && out.len() < MAX_MONTHS {
        let mut days = Vec::new();
        let mut day = first;
        while day.month() == first.month() {
            let dose = if day < from || day > until { None } else { dose_on(day) };
            let change = dose.is_some() && dose != before;
            if day >= from {
                before.clone_from(&dose);
            }
            days.push(CalendarDay { day: day.day(), dose: dose.unwrap_or_default(), change });
            let Ok(next) = day.tomorrow() else { break };
            day = next;
        }
        let blanks = u8::try_from(first.weekday().to_monday_zero_offset()).unwrap_or(0);
        out.push(Month { name: first.strftime("%B %Y").to_string(), blanks, days });
        let Ok(next) = first.last_of_month().tomorrow() else { break };
        first = next;
    }
    out
}

/// What to say when the plan runs past the months shown, from `from` to `until`.
pub fn months_note(from: Date, until: Date) -> Option<String> {
    let months = (i32::from(until.year()) - i32::from(from.year())) * 12 + i32::from(until.month())
        - i32::from(from.month())
        + 1;
    (usize::try_from(months).unwrap_or(0) > MAX_MONTHS)
        .then(|| format!("The calendar shows the first {MAX_MONTHS} months; the table above has every step."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_month_starts_on_its_weekday_and_marks_each_new_dose() {
        // 4 January 2027 is a Monday; 1 January a Friday: four empty cells before it.
        let dose = |d: Date| Some(if d < date(2027, 2, 1) { "20 mg" } else { "15 mg" }.to_string());
        let m = months(date(2027, 1, 4), date(2027, 2, 10), dose);
        assert_eq!(m.len(), 2);
        assert_eq!((m[0].name.as_str(), m[0].blanks, m[0].days.len()), ("January 2027", 4, 31));
        assert_eq!(m[0].days[2].dose, "", "before the plan's first day");
        assert!(m[0].days[3].change && m[0].days[3].dose == "20 mg", "the first day is a change");
        assert!(!m[0].days[4].change);
        assert!(m[1].days[0].change && m[1].days[0].dose == "15 mg");
        assert_eq!(m[1].days[10].dose, "", "after the last day");
        assert_eq!(m[1].blanks, 0, "1 February 2027 is a Monday");
    }

    #[test]
    fn a_long_plan_shows_its_first_months_only() {
        let m = months(date(2027, 1, 1), date(2030, 1, 1), |_| Some("1 mg".into()));
        assert_eq!(m.len(), MAX_MONTHS);
        assert_eq!(m[MAX_MONTHS - 1].name, "December 2027");
        assert!(months_note(date(2027, 1, 1), date(2030, 1, 1)).is_some());
        assert_eq!(months_note(date(2027, 1, 31), date(2027, 12, 1)), None, "twelve months fit");
    }
}
