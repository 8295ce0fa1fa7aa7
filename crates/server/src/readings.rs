//! The hourly readings sweep: what the passing days alone bring (a plan's next step coming due,
//! days settled since a cut) without a new check-in or questionnaire. Pages only read what the
//! last change of data and this sweep left (issue 21: GET requests never write). Each instance
//! sweeps; a suggestion is made once however many do (the store keeps one pending suggestion per
//! plan, revision and rule).

use jiff::Timestamp;

use crate::AppState;
use crate::error::AppResult;

/// How often the sweep runs.
pub const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// Refreshes the readings of everyone with a plan in force, on their own day; how many people.
pub async fn sweep(state: &AppState, now: Timestamp) -> AppResult<usize> {
    let people = state.store.people_with_plans().await?;
    for (user, zone) in &people {
        let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
        let today = now.to_zoned_datetime(tz).date();
        crate::timeline::refresh_readings(state, *user, today, now).await?;
    }
    Ok(people.len())
}

/// Sweeps every `SWEEP_EVERY` until the process ends; the first an hour after start, not at it
/// (every instance starting at once would each read everyone; what data changes bring is made
/// when they change).
pub async fn run(state: AppState) {
    loop {
        tokio::time::sleep(SWEEP_EVERY).await;
        if let Err(e) = sweep(&state, Timestamp::now()).await {
            tracing::warn!(error = %e, "readings could not be refreshed");
        }
    }
}
