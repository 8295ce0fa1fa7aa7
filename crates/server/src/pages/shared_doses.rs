//! What a supporter sees of the doses a person recorded, when they share their plan (a walk: the
//! clinician saw the plan and the charts but never whether a dose was taken or missed, though a
//! missed dose on a taper is itself a cause of withdrawal symptoms).

use jiff::civil::Date;
use jiff::tz::TimeZone;
use taper_store::{DoseRecord, DoseStatus};

use super::{long_date, mg};
use crate::AppState;
use crate::error::AppResult;
use crate::timeline::Course;

/// Days of recorded doses on a supporter's page, today included.
pub const DAYS: i32 = 14;

/// One plan's doses over the last `DAYS` days, newest first, with the counts before today.
pub struct DoseLog {
    pub drug: String,
    /// "Of the 26 doses planned over the 13 days before today: 24 taken, 1 missed, 1 with nothing
    /// recorded."
    pub counts: String,
    /// Any dose before today missed or left unrecorded: the summary is marked for the eye.
    pub gaps: bool,
    pub rows: Vec<DoseRow>,
}

pub struct DoseRow {
    pub date: String,
    pub time: String,
    pub amount: String,
    /// "taken (marked at 08:10)", "missed", "nothing recorded", "not recorded yet" (today).
    pub recorded: String,
    pub missed: bool,
}

/// The dose logs of `plans`, each read for the owner's last `DAYS` days.
pub async fn logs(
    state: &AppState,
    owner: taper_store::UserId,
    tz: &TimeZone,
    plans: &[&Course],
    today: Date,
) -> AppResult<Vec<DoseLog>> {
    let from = today.checked_sub(jiff::Span::new().days(DAYS - 1)).unwrap_or(today);
    let mut logs = Vec::with_capacity(plans.len());
    for course in plans {
        let records = state.store.doses_between(owner, course.plan_id, from, today).await?;
        logs.push(log_of(course, tz, &records, from, today));
    }
    Ok(logs)
}

/// `course`'s planned doses from `from` to `today` beside `records`.
fn log_of(course: &Course, tz: &TimeZone, records: &[DoseRecord], from: Date, today: Date) -> DoseLog {
    let mut rows = Vec::new();
    let (mut taken, mut missed, mut blank) = (0, 0, 0);
    let mut span: Option<(Date, Date)> = None;
    let mut date = today;
    while date >= from {
        for d in course.doses_of(date).unwrap_or_default() {
            let record = records.iter().find(|r| r.date == date && r.time == d.minutes);
            let recorded = match record {
                Some(r) => crate::dose_records::said_of(tz, r.status, r.date, r.recorded_at),
                None if date == today => "not recorded yet".to_string(),
                None => "nothing recorded".to_string(),
            };
            // Today's doses may not be due yet: only earlier days are counted.
            if date < today {
                span = Some(span.map_or((date, date), |(_, last)| (date, last)));
                match record.map(|r| r.status) {
                    Some(DoseStatus::Taken) => taken += 1,
                    Some(DoseStatus::Missed) => missed += 1,
                    None => blank += 1,
                }
            }
            let missed = record.is_some_and(|r| r.status == DoseStatus::Missed);
            rows.push(DoseRow { date: long_date(date), time: d.time, amount: mg(d.mg), recorded, missed });
        }
        let Ok(before) = date.yesterday() else { break };
        date = before;
    }
    DoseLog {
        drug: course.current().plan.drug_name.clone(),
        counts: counts(taken, missed, blank, span),
        gaps: missed + blank > 0,
        rows,
    }
}

/// The counts before today, over `span`, the first and last day a dose was planned.
fn counts(taken: u32, missed: u32, blank: u32, span: Option<(Date, Date)>) -> String {
    let planned = taken + missed + blank;
    let Some((first, last)) = span.filter(|_| planned > 0) else {
        return format!("No doses were planned in the {} days before today.", DAYS - 1);
    };
    let mut parts = vec![format!("{taken} taken"), format!("{missed} missed")];
    if blank > 0 {
        parts.push(format!("{blank} with nothing recorded"));
    }
    // The days doses were planned, not the window: a plan begun three days ago has three (a
    // walk read "13 days" of a plan that had two).
    let doses = if planned == 1 { "dose" } else { "doses" };
    let day = |d: Date| d.strftime("%-d %B").to_string();
    let when =
        if first == last { format!("on {}", day(first)) } else { format!("from {} to {}", day(first), day(last)) };
    format!("Of the {planned} {doses} planned {when}: {}.", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_name_missed_and_unrecorded_doses_apart_over_the_days_planned() {
        let (d1, d2) = (jiff::civil::date(2026, 12, 6), jiff::civil::date(2026, 12, 7));
        assert_eq!(
            counts(1, 1, 0, Some((d1, d2))),
            "Of the 2 doses planned from 6 December to 7 December: 1 taken, 1 missed."
        );
        assert_eq!(
            counts(2, 0, 1, Some((d1, d2))),
            "Of the 3 doses planned from 6 December to 7 December: 2 taken, 0 missed, 1 with nothing recorded."
        );
        assert_eq!(counts(0, 1, 0, Some((d2, d2))), "Of the 1 dose planned on 7 December: 0 taken, 1 missed.");
        assert_eq!(counts(0, 0, 0, None), "No doses were planned in the 13 days before today.");
    }
}
