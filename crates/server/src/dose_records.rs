//! How a recorded dose is said, and from when a dose can be recorded: shared by Today, the dose
//! calendar, a switch's doses and the CSV, so they never disagree.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use taper_core::units::DoseTime;
use taper_store::DoseStatus;

use crate::auth::Person;

/// When the dose at `minutes` on `date` is still too far ahead to record, the time it can be
/// recorded from (core's rule); `None` once it can be, and for a day's one dose (no time).
pub(crate) fn too_early(person: &Person, date: Date, minutes: Option<u16>) -> Option<String> {
    let time = DoseTime::from_minutes(minutes?)?;
    let now = person.now().to_zoned_datetime(person.tz.clone());
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
