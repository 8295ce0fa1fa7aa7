//! How a recorded dose is said, and from when a dose can be recorded: shared by Today, the dose
//! calendar, a switch's doses and the CSV, so they never disagree.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use taper_core::units::DoseTime;
use taper_store::DoseStatus;

use crate::auth::Person;
use crate::checkin_form::BACKFILL_DAYS;
use crate::pages::long_date;

/// The first day whose doses may be recorded or corrected: the plan's or switch's `first` day, at
/// most `BACKFILL_DAYS` back (as check-ins). The last is today.
pub(crate) fn earliest_recordable(first: Date, today: Date) -> Date {
    today.checked_sub(jiff::Span::new().days(BACKFILL_DAYS - 1)).unwrap_or(today).max(first)
}

/// `raw` as a day whose doses (of `what`: "Doses", "Doses of your switch") may be recorded, from
/// `first` on, or a refusal that names the days that may.
pub(crate) fn day_asked(raw: &str, what: &str, first: Date, today: Date) -> Result<Date, String> {
    let from = earliest_recordable(first, today);
    let allowed = format!("from {} to today, {}", long_date(from), long_date(today));
    let date: Date = raw.trim().parse().map_err(|_| {
        format!("'{}' is not a date (write it as 2026-12-01). {what} can be recorded {allowed}.", raw.trim())
    })?;
    if date < from || date > today {
        return Err(format!("{what} can be recorded {allowed}; {} is outside those days.", long_date(date)));
    }
    Ok(date)
}

/// When the dose at `minutes` on `date` is still too far ahead to record, the time it can be
/// recorded from (core's rule); `None` once it can be, and for a day's one dose (no time).
pub(crate) fn too_early(person: &Person, date: Date, minutes: Option<u16>) -> Option<String> {
    too_early_at(&person.tz, person.now(), date, minutes)
}

/// [`too_early`] for someone in time zone `tz` at `now`.
pub(crate) fn too_early_at(tz: &TimeZone, now: Timestamp, date: Date, minutes: Option<u16>) -> Option<String> {
    let time = DoseTime::from_minutes(minutes?)?;
    let now = now.to_zoned_datetime(tz.clone());
    let from = time.recordable_from();
    let clock_now = DoseTime::at(now.hour().unsigned_abs().into(), now.minute().unsigned_abs().into())?;
    (date > now.date() || date == now.date() && clock_now < from).then(|| from.to_string())
}

/// A dose of `date` recorded `status` at `recorded_at`, as said in time zone `tz`: "taken
/// (marked at 08:02)" or "missed".
pub(crate) fn said_of(tz: &TimeZone, status: DoseStatus, date: Date, recorded_at: Timestamp) -> String {
    match status {
        // When it was marked, not when it was taken (a walk read "taken at 17:40" for a morning dose).
        DoseStatus::Taken => {
            let marked = recorded_at.to_zoned_datetime(tz.clone());
            // Marked on another day (recorded later, from Your doses): that day too.
            if marked.date() == date {
                format!("taken (marked at {})", marked.strftime("%H:%M"))
            } else {
                format!("taken (marked on {} at {})", marked.strftime("%-d %B"), marked.strftime("%H:%M"))
            }
        }
        DoseStatus::Missed => "missed".to_string(),
    }
}

/// The CSV's cells for a dose recorded `(status, mg, when)`: status, mg taken, when marked; three
/// empty cells when nothing was recorded.
pub(crate) fn recorded_cells(tz: &TimeZone, r: Option<(DoseStatus, f64, Timestamp)>) -> (String, String, String) {
    let Some((status, dose_mg, at)) = r else { return Default::default() };
    (
        status.as_str().to_string(),
        // A missed dose is none taken (a walk summed recorded_mg and counted it).
        match status {
            DoseStatus::Missed => "0".to_string(),
            DoseStatus::Taken => taper_core::units::trim_number(dose_mg),
        },
        at.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string(),
    )
}
