//! A plan's course on the calendar: each revision of a plan starts on a date and runs until the
//! next one. From the revisions this module answers "what is the dose on this date?" and "when
//! did the dose change?". Dates come in as arguments; nothing here reads a clock.

use jiff::civil::Date;
use jiff::{Span, ToSpan as _};

/// How far back Today looks for the start of a new way of preparing the dose: six weeks, past
/// the longest usual step interval, so a way that began within the step in force is still
/// asked about until a dose is recorded (clinical review D1). Taper's own choice.
pub const NEW_WAY_LOOKBACK_DAYS: usize = 42;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScheduledDose {
    /// Day counted from the plan's day 0.
    pub day: u32,
    pub dose_mg: f64,
}

/// One revision: its steps, the date it takes effect, and which plan day that date is.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub effective: Date,
    /// The plan day that falls on `effective` (0 = the plan's first day; a revision that takes
    /// the next step at once starts at that step's day).
    pub day_offset: u32,
    /// A hold: one dose, kept until a later revision.
    pub hold: bool,
    pub steps: Vec<ScheduledDose>,
    /// The doses of the days between steps where a plan falls a little every day (micro-taper,
    /// strips), in order; empty otherwise. A hold takes none of them.
    pub daily: Vec<ScheduledDose>,
}

impl Segment {
    /// Every dose the segment plans, step or day, in order of the day.
    fn points(&self) -> Vec<ScheduledDose> {
        let mut all = self.steps.clone();
        if !self.hold {
            all.extend(self.daily.iter().copied());
        }
        all.sort_by_key(|p| p.day);
        all
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OnDate {
    pub dose_mg: f64,
    pub segment: usize,
    pub step: usize,
    pub hold: bool,
    /// The next planned change inside the same revision: its date and dose.
    pub next: Option<(Date, f64)>,
    /// Where the dose is one of the days between steps: its index in `Segment::daily`.
    pub daily: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    pub date: Date,
    pub from_mg: f64,
    pub to_mg: f64,
}

fn plus_days(d: Date, days: i64) -> Date {
    d.checked_add(Span::new().days(days)).unwrap_or(d)
}

/// The segment in force on `date`: the latest whose effective date is not after it.
fn segment_on(segments: &[Segment], date: Date) -> Option<usize> {
    segments
        .iter()
        .enumerate()
        .filter(|(_, s)| s.effective <= date)
        .max_by_key(|(i, s)| (s.effective, *i))
        .map(|(i, _)| i)
}

/// The dose on `date`, or None before the first revision or for an empty one.
pub fn dose_on(segments: &[Segment], date: Date) -> Option<OnDate> {
    let si = segment_on(segments, date)?;
    let seg = &segments[si];
    let elapsed = (date - seg.effective).get_days();
    let plan_day = i64::from(seg.day_offset) + i64::from(elapsed);
    let step = seg.steps.iter().rposition(|s| i64::from(s.day) <= plan_day).or(if seg.steps.is_empty() {
        None
    } else {
        Some(0)
    })?;
    let on_step = seg.steps[step];
    let daily = if seg.hold {
        None
    } else {
        seg.daily.iter().rposition(|d| d.day > on_step.day && i64::from(d.day) <= plan_day)
    };
    let dose_mg = daily.map_or(on_step.dose_mg, |i| seg.daily[i].dose_mg);
    let next = if seg.hold {
        None
    } else {
        seg.points()
            .into_iter()
            .find(|p| i64::from(p.day) > plan_day && (p.dose_mg - dose_mg).abs() > 1e-9)
            .map(|n| (plus_days(date, i64::from(n.day) - plan_day), n.dose_mg))
    };
    Some(OnDate { dose_mg, segment: si, step, hold: seg.hold, next, daily })
}

/// The latest cut (a change down) on or before `on`.
pub fn last_cut(changes: &[Change], on: Date) -> Option<&Change> {
    changes.iter().rev().find(|c| c.date <= on && c.to_mg < c.from_mg)
}

/// Every change of dose from the first revision up to and including `until`.
pub fn changes(segments: &[Segment], until: Date) -> Vec<Change> {
    let mut order: Vec<usize> = (0..segments.len()).collect();
    order.sort_by_key(|&i| (segments[i].effective, i));
    // Breakpoints: the date and the dose from then on.
    let mut points: Vec<(Date, f64)> = Vec::new();
    for (k, &i) in order.iter().enumerate() {
        let seg = &segments[i];
        let end = order.get(k + 1).map(|&j| segments[j].effective);
        if end == Some(seg.effective) {
            continue; // replaced on the same day
        }
        let Some(first) = dose_on(std::slice::from_ref(seg), seg.effective) else { continue };
        points.push((seg.effective, first.dose_mg));
        if seg.hold {
            continue;
        }
        for s in seg.points().iter().filter(|s| s.day > seg.day_offset) {
            let d = plus_days(seg.effective, i64::from(s.day - seg.day_offset));
            if d > until || end.is_some_and(|e| d >= e) {
                break;
            }
            points.push((d, s.dose_mg));
        }
    }
    points
        .windows(2)
        .filter(|w| w[1].0 <= until && (w[1].1 - w[0].1).abs() > 1e-9)
        .map(|w| Change { date: w[1].0, from_mg: w[0].1, to_mg: w[1].1 })
        .collect()
}

/// What a first day before today makes of today's dose (new-user walk-through N4: a first day
/// typed months back made Today jump to "0 mg" of a benzodiazepine).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PastStart {
    /// Today is still on the starting dose (or the first day is not in the past).
    OnStart,
    /// Today already falls on the first cut: the person goes from the dose now to `dose_mg` at
    /// once, so the plan is kept only once they confirm they began it then.
    Confirm { step: usize, dose_mg: f64, days_ago: u32 },
    /// Today would be more than one step on, or a stop: never kept. A taper already under way
    /// is planned from the dose taken today.
    Refuse { step: usize, dose_mg: f64, days_ago: u32 },
}

/// `daily`: the days between steps where the plan falls every day (see `Segment::daily`).
pub fn past_start(steps: &[ScheduledDose], daily: &[ScheduledDose], first_day: Date, today: Date) -> PastStart {
    let days_ago = u32::try_from((today - first_day).get_days()).unwrap_or(0);
    let seg =
        Segment { effective: first_day, day_offset: 0, hold: false, steps: steps.to_vec(), daily: daily.to_vec() };
    let Some(on) = dose_on(std::slice::from_ref(&seg), today).filter(|_| days_ago > 0) else {
        return PastStart::OnStart;
    };
    match (on.step, on.daily) {
        (0, None) => PastStart::OnStart,
        // Partway down to the first step, or on it: below the dose taken now.
        (0, Some(_)) | (1, None) if on.dose_mg > 0.0 => {
            PastStart::Confirm { step: on.step, dose_mg: on.dose_mg, days_ago }
        }
        (step, _) => PastStart::Refuse { step, dose_mg: on.dose_mg, days_ago },
    }
}

/// The date `days` after `date` (saturating at the calendar's end).
pub fn after(date: Date, days: u32) -> Date {
    date.checked_add(i64::from(days).days()).unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn ladder() -> Vec<ScheduledDose> {
        [(0, 20.0), (28, 12.0), (56, 8.0), (84, 5.0)].map(|(day, dose_mg)| ScheduledDose { day, dose_mg }).to_vec()
    }

    #[test]
    fn dose_follows_the_steps_then_a_hold_replaces_them() {
        let plan =
            Segment { effective: date(2026, 1, 1), day_offset: 0, hold: false, steps: ladder(), daily: Vec::new() };
        let segs = vec![plan.clone()];
        assert!(dose_on(&segs, date(2025, 12, 31)).is_none());
        assert_eq!(dose_on(&segs, date(2026, 1, 28)).unwrap().dose_mg, 20.0);
        let on = dose_on(&segs, date(2026, 1, 29)).unwrap();
        assert_eq!((on.dose_mg, on.step), (12.0, 1));
        assert_eq!(on.next, Some((date(2026, 2, 26), 8.0)));

        let hold = Segment {
            effective: date(2026, 2, 10),
            day_offset: 0,
            hold: true,
            steps: vec![ScheduledDose { day: 0, dose_mg: 12.0 }],
            daily: Vec::new(),
        };
        let segs = vec![plan, hold];
        let later = dose_on(&segs, date(2026, 6, 1)).unwrap();
        assert!(later.hold);
        assert_eq!((later.dose_mg, later.next), (12.0, None));
        let ch = changes(&segs, date(2026, 12, 31));
        assert_eq!(ch, vec![Change { date: date(2026, 1, 29), from_mg: 20.0, to_mg: 12.0 }]);
    }

    /// Walk-through N1: with small daily cuts, the dose on a day between steps is that day's,
    /// and the next change is tomorrow's, never the next step's overnight drop.
    #[test]
    fn daily_cuts_between_steps_are_the_dose_of_their_day() {
        let daily: Vec<ScheduledDose> =
            (1..28).map(|d| ScheduledDose { day: d, dose_mg: 20.0 - 8.0 * f64::from(d) / 28.0 }).collect();
        let seg = Segment { effective: date(2026, 1, 1), day_offset: 0, hold: false, steps: ladder(), daily };
        let segs = vec![seg.clone()];
        let mid = dose_on(&segs, date(2026, 1, 15)).unwrap();
        assert_eq!((mid.step, mid.daily), (0, Some(13)));
        assert!((mid.dose_mg - 16.0).abs() < 1e-9, "halfway between 20 and 12: {}", mid.dose_mg);
        let (when, next) = mid.next.unwrap();
        assert_eq!(when, date(2026, 1, 16));
        assert!(next < mid.dose_mg && next > 12.0);
        assert_eq!(dose_on(&segs, date(2026, 1, 29)).unwrap().dose_mg, 12.0);
        // A hold keeps one dose, daily cuts or not.
        let held = Segment { hold: true, ..seg };
        assert_eq!(dose_on(&[held], date(2026, 1, 15)).unwrap().dose_mg, 20.0);
        // Every day's change is a change.
        assert_eq!(changes(&segs, date(2026, 1, 29)).len(), 28);
    }

    /// Walk-through N4: Bea's alprazolam plan with a first day of 2026-06-01 showed "0 mg today"
    /// on 2026-12-05; Alex's, begun 2026-10-15, jumped from 20 mg to 12.5 mg.
    #[test]
    fn a_first_day_in_the_past_never_starts_with_a_stop_or_more_than_one_cut() {
        let today = date(2026, 12, 5);
        let bea = [(0, 1.5), (7, 1.125), (14, 0.85), (21, 0.64), (28, 0.0)]
            .map(|(day, dose_mg)| ScheduledDose { day, dose_mg })
            .to_vec();
        assert!(matches!(
            past_start(&bea, &[], date(2026, 6, 1), today),
            PastStart::Refuse { step: 4, dose_mg, days_ago: 187 } if dose_mg == 0.0
        ));
        // One cut on: confirm; same day or later: nothing to say.
        assert_eq!(
            past_start(&ladder(), &[], date(2026, 10, 15), date(2026, 11, 20)),
            PastStart::Confirm { step: 1, dose_mg: 12.0, days_ago: 36 }
        );
        assert_eq!(past_start(&ladder(), &[], date(2026, 11, 20), today), PastStart::OnStart);
        assert_eq!(past_start(&ladder(), &[], today, today), PastStart::OnStart);
        assert_eq!(past_start(&ladder(), &[], date(2026, 12, 6), today), PastStart::OnStart);
        assert!(matches!(past_start(&ladder(), &[], date(2026, 9, 1), today), PastStart::Refuse { step: 3, .. }));
        // A stop one step on is refused too.
        let short = [(0, 0.5), (28, 0.0)].map(|(day, dose_mg)| ScheduledDose { day, dose_mg }).to_vec();
        assert!(matches!(past_start(&short, &[], date(2026, 10, 1), today), PastStart::Refuse { step: 1, .. }));
        // With daily cuts, a few days back already means less than the dose now; past the
        // first step's days, more than one cut.
        let daily: Vec<ScheduledDose> =
            (1..28).map(|d| ScheduledDose { day: d, dose_mg: 20.0 - 8.0 * f64::from(d) / 28.0 }).collect();
        assert!(matches!(
            past_start(&ladder(), &daily, date(2026, 11, 20), today),
            PastStart::Confirm { step: 0, days_ago: 15, .. }
        ));
        assert!(matches!(past_start(&ladder(), &daily, date(2026, 10, 1), today), PastStart::Refuse { .. }));
    }

    #[test]
    fn a_revision_can_start_mid_plan() {
        // Taking the next step at once: the revision starts on the step's own day.
        let segs = vec![
            Segment {
                effective: date(2026, 1, 1),
                day_offset: 0,
                hold: true,
                steps: vec![ScheduledDose { day: 0, dose_mg: 12.0 }],
                daily: Vec::new(),
            },
            Segment { effective: date(2026, 3, 1), day_offset: 28, hold: false, steps: ladder(), daily: Vec::new() },
        ];
        assert_eq!(dose_on(&segs, date(2026, 3, 1)).unwrap().dose_mg, 12.0);
        assert_eq!(dose_on(&segs, date(2026, 3, 29)).unwrap().dose_mg, 8.0);
        assert_eq!(
            changes(&segs, date(2026, 3, 31)),
            vec![Change { date: date(2026, 3, 29), from_mg: 12.0, to_mg: 8.0 }]
        );
    }
}
