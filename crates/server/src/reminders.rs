//! Reminders by e-mail (issue 20): each instance looks once a minute at who asked for which
//! reminder and queues what is due in that person's own time zone; a reminder's dedupe key (person,
//! kind, day, time) means it is queued once however many instances look, and the mail queue
//! sends it. Nothing is sent in the person's quiet hours. Messages say what to do on the site,
//! never a dose, a drug or a score.

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use taper_store::{DoseLink, Reminders, UserId};

use crate::AppState;
use crate::cookies::{fresh_token, stored_hash};
use crate::error::AppResult;
use crate::mail::{EMAIL_JOB, Email};
use crate::timeline::Course;

/// When the day's one dose is reminded of where the plan gives it no time, unless the person
/// chose another time: 09:00.
pub const ONCE_A_DAY_AT: u16 = 9 * 60;
/// When the daily check-in is reminded of, if none is saved yet that day: 20:00.
pub const CHECKIN_AT: u16 = 20 * 60;
/// When the day before a step is reminded of: 18:00.
pub const STEP_AT: u16 = 18 * 60;
/// When supply that runs low is reminded of: 10:00.
pub const SUPPLY_AT: u16 = 10 * 60;
/// A reminder may go out up to an hour after its time (an instance down for a while, a restart),
/// never later: a late reminder of a dose is worse than none.
pub const WINDOW_MINUTES: u16 = 60;
/// How long a dose reminder's "I took it" link works.
pub const LINK_LIFETIME: SignedDuration = SignedDuration::from_hours(24);

/// Whether `minute` of the day falls in the quiet hours `from`–`to` (which may run past midnight).
pub fn quiet_at(quiet: Option<(u16, u16)>, minute: u16) -> bool {
    match quiet {
        Some((from, to)) if from <= to => (from..to).contains(&minute),
        Some((from, to)) => minute >= from || minute < to,
        None => false,
    }
}

/// Whether a reminder set for `at` is due at `minute`.
fn due(at: u16, minute: u16) -> bool {
    minute >= at && minute < at.saturating_add(WINDOW_MINUTES)
}

/// "08:00".
pub fn clock(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// Looks at everyone with a reminder on and queues what is due at `now`; how many were queued.
pub async fn tick(state: &AppState, now: Timestamp) -> AppResult<usize> {
    let Some(mail) = state.mail.as_ref() else { return Ok(0) };
    let mut queued = 0;
    for (user, prefs) in state.store.reminded().await? {
        let account = state.store.user(user).await?;
        let tz = jiff::tz::TimeZone::get(&account.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
        let local = now.to_zoned_datetime(tz);
        let minute = u16::try_from(i32::from(local.hour()) * 60 + i32::from(local.minute())).unwrap_or(0);
        if quiet_at(prefs.quiet, minute) {
            continue;
        }
        let courses = Course::load_all(state, user).await?;
        // Planned again only for someone reminded of doses (this runs every minute). A switch core
        // can no longer plan is said on Today; it has no doses to remind of.
        let switch = match prefs.doses {
            false => None,
            true => match crate::pages::switching::followed(state, user).await {
                Ok(s) => s,
                Err(crate::error::AppError::BadRequest(_)) => None,
                Err(e) => return Err(e),
            },
        };
        if courses.is_empty() && switch.is_none() {
            continue;
        }
        let ctx = Due { state, user, to: &account.email, public: &mail.public_url, today: local.date(), minute, now };
        queued += ctx.all(&courses, prefs).await?;
        if let Some((record, plan)) = switch {
            queued += usize::from(ctx.switch_doses(&record, &plan).await?);
        }
    }
    Ok(queued)
}

/// One person's look at one moment.
struct Due<'a> {
    state: &'a AppState,
    user: UserId,
    to: &'a str,
    public: &'a str,
    today: Date,
    minute: u16,
    now: Timestamp,
}

impl Due<'_> {
    /// Everything due now for the plans in force (several at once: each plan's doses, one
    /// check-in, one step and one supply reminder for them all).
    async fn all(&self, courses: &[Course], prefs: Reminders) -> AppResult<usize> {
        let mut n = 0;
        if prefs.doses {
            for (i, course) in courses.iter().enumerate() {
                n += self.doses(course, prefs.once_at.unwrap_or(ONCE_A_DAY_AT), (i, courses.len())).await?;
            }
        }
        if prefs.checkin
            && due(CHECKIN_AT, self.minute)
            && self.state.store.checkin_on(self.user, self.today).await?.is_none()
        {
            let body =
                format!("A reminder for today's check-in, if you would like to do it: {}/checkin\n", self.public);
            n += usize::from(self.queue("checkin", "Your check-in today", body).await?);
        }
        let tomorrow = self.today.tomorrow().ok();
        let step_tomorrow = courses
            .iter()
            .any(|c| c.on(self.today).and_then(|(on, _)| on.next).is_some_and(|(d, _)| Some(d) == tomorrow));
        if prefs.step && due(STEP_AT, self.minute) && step_tomorrow {
            let body = format!(
                "Your plan's next step is tomorrow. Before it, Taper shows how you have been and how to prepare the new dose: {}/today\nIf you are not ready, you can hold there.\n",
                self.public
            );
            n += usize::from(self.queue("step", "Your next step is tomorrow", body).await?);
        }
        if prefs.supply && due(SUPPLY_AT, self.minute) && self.supply_low(courses).await? {
            let body = format!(
                "Something you count in Taper runs low, or a coming step needs a product: {}/supply\n",
                self.public
            );
            n += usize::from(self.queue("supply", "Your supply", body).await?);
        }
        Ok(n)
    }

    /// Whether any plan's supply needs saying.
    async fn supply_low(&self, courses: &[Course]) -> AppResult<bool> {
        for c in courses {
            if !crate::pages::supply::today_alerts(self.state, self.user, self.today, c).await?.is_empty() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Each dose time of `course` due now and not yet recorded, with a link that records it as
    /// taken; `(i, of)`: the plan's place among the plans in force.
    async fn doses(&self, course: &Course, once_at: u16, (i, of): (usize, usize)) -> AppResult<usize> {
        let mut n = 0;
        for d in course.doses_of(self.today).unwrap_or_default() {
            // A once-a-day plan's own time first (a walk: 08:00 given, reminded at 09:00).
            let at = d.minutes.or_else(|| course.once_a_day_at()).unwrap_or(once_at);
            if !due(at, self.minute)
                || self.state.store.dose_recorded(self.user, course.plan_id, self.today, d.minutes).await?
            {
                continue;
            }
            let token = fresh_token();
            // No medicine is named (the message may show on a locked phone): with several plans,
            // which one by its place on Today.
            let which = if of > 1 {
                format!("One of your {} doses is due: plan {} of {} on Today", clock(at), i + 1, of)
            } else {
                format!("Your {} dose is due", clock(at))
            };
            let body = format!(
                "{which}. How to prepare it is on Today: {}/today\n\nTaken it? Record it as taken with this link (it works once, for a day): {}/dose-taken/{token}\n\nMissed it? Do not take extra later to make up for it.\n",
                self.public, self.public
            );
            // The first plan keeps the key reminders had before several plans.
            let key =
                if i == 0 { format!("dose:{}", clock(at)) } else { format!("dose:{}:{}", clock(at), course.plan_id) };
            // The subject names no medicine or dose: it shows on a locked phone.
            if self.queue(&key, &format!("Your {} reminder", clock(at)), body).await? {
                let link = DoseLink { user: self.user, plan: course.plan_id, date: self.today, time: d.minutes };
                let expires = self.now.checked_add(LINK_LIFETIME).unwrap_or(self.now);
                self.state.store.create_dose_link(&stored_hash(&token), &link, expires, self.now).await?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// The switch's doses due now, one reminder a time of day while any of that time's doses is
    /// not recorded. No link records them (they are recorded one by one on Today) and no medicine
    /// is named.
    async fn switch_doses(
        &self,
        record: &taper_store::SwitchRecord,
        plan: &taper_core::crossover::CrossoverPlan,
    ) -> AppResult<bool> {
        let day = u32::try_from((self.today - record.start).get_days()).unwrap_or(0);
        let Some(stage) = taper_core::crossover::stage_on(plan, day) else { return Ok(false) };
        let recorded = self.state.store.switch_doses_on(self.user, record.id, self.today).await?;
        let minutes =
            stage.doses.iter().filter_map(|d| taper_core::units::DoseTime::from_hours(d.hour).map(|t| (d, t)));
        let Some(at) = minutes
            .filter(|(d, t)| !recorded.iter().any(|r| r.drug == d.drug && r.time == t.minutes()))
            .map(|(_, t)| t.minutes())
            .find(|&at| due(at, self.minute))
        else {
            return Ok(false);
        };
        let body = format!(
            "Your {} switch doses are due. What to take is on Today: {}/today#switch\n\nRecord each one there as taken or missed. Missed one? Do not take extra later to make up for it.\n",
            clock(at),
            self.public
        );
        self.queue(&format!("switch-dose:{}", clock(at)), &format!("Your {} reminder", clock(at)), body).await
    }

    /// Queues one reminder unless it was queued already (by any instance): true when queued now.
    async fn queue(&self, kind: &str, subject: &str, body: String) -> AppResult<bool> {
        let footer = format!(
            "\nYou get this because you switched this reminder on in Taper. To change or stop reminders: {}/account#reminders-h\n",
            self.public
        );
        let email = Email {
            to: self.to.to_string(),
            subject: subject.to_string(),
            body: format!("{body}{footer}"),
            unsubscribe: Some(format!("{}/account#reminders-h", self.public)),
        };
        let payload = serde_json::to_string(&email).map_err(|e| crate::error::AppError::internal("a reminder", e))?;
        let dedupe = format!("reminder:{}:{}:{kind}", self.user, self.today);
        // Sent as soon as a worker is free: the look decided it is due.
        let now = Timestamp::now();
        let people = taper_store::JobPeople { to: Some(self.user), about: None };
        Ok(self.state.store.enqueue(EMAIL_JOB, Some(&dedupe), &payload, people, now, now).await?)
    }
}

/// Looks once a minute until the process ends.
pub async fn run(state: AppState) {
    loop {
        if let Err(e) = tick(&state, Timestamp::now()).await {
            tracing::warn!(error = %e, "reminders could not be looked at");
        }
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hours_may_run_past_midnight() {
        let night = Some((22 * 60, 7 * 60));
        assert!(quiet_at(night, 23 * 60) && quiet_at(night, 6 * 60) && !quiet_at(night, 7 * 60));
        let afternoon = Some((13 * 60, 15 * 60));
        assert!(quiet_at(afternoon, 14 * 60) && !quiet_at(afternoon, 15 * 60) && !quiet_at(None, 0));
    }

    #[test]
    fn a_reminder_is_due_for_an_hour_from_its_time() {
        assert!(due(8 * 60, 8 * 60) && due(8 * 60, 8 * 60 + 59) && !due(8 * 60, 9 * 60) && !due(8 * 60, 7 * 60 + 59));
    }
}
