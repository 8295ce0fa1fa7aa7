//! Waves and windows: a descriptive reading of a person's daily symptom burden against their own
//! baseline. Not a diagnosis, and not validated: no validated wave detector for psychiatric-drug
//! withdrawal exists (see docs/waves.md). The rule is Taper's, after single-patient control
//! charts (Int J Qual Health Care 2007;19:187) and the ANIMA rule of a rise over a short personal
//! baseline lasting at least three days:
//!
//! * baseline: the person's check-ins before their first dose change (the last 7 of them), or
//!   else their first 7 check-ins; at least 3 are needed. A check-in far from the others (more
//!   than 3 median absolute deviations from their median, and more than the smallest threshold)
//!   is set aside before the mean and spread are taken: one hard day just before the first cut
//!   must not lift the line a wave is read against (Leys et al. 2013, J Exp Soc Psychol 49:764);
//! * threshold: twice the baseline's standard deviation, and never less than 3 points;
//! * a **wave**: at least 3 check-ins in a row whose 3-day rolling mean is above baseline +
//!   threshold;
//! * a **window**: after a wave, at least 3 check-ins in a row whose rolling mean is back within
//!   half a threshold of baseline.

use jiff::civil::Date;

/// Check-ins used for the baseline.
pub const BASELINE_DAYS: usize = 7;
/// Fewer check-ins than this give no baseline and no reading.
pub const MIN_BASELINE: usize = 3;
/// Check-ins in a row that make a wave or a window.
pub const MIN_RUN: usize = 3;
/// Smallest threshold, in checklist points.
pub const MIN_THRESHOLD: f64 = 3.0;
/// A baseline check-in further than this many median absolute deviations (scaled to a standard
/// deviation) from the baseline's median is set aside. Leys et al. 2013 (J Exp Soc Psychol 49:764)
/// call 3 very conservative and 2.5 moderately so; Taper takes the conservative one, so only a
/// clearly odd day is left out.
pub const SET_ASIDE_MADS: f64 = 3.0;
/// Scales a median absolute deviation to estimate a standard deviation (normal data; Leys et al. 2013).
const MAD_TO_SD: f64 = 1.4826;
/// Calendar days the rolling mean looks back over (inclusive of the day itself).
pub const ROLLING_DAYS: i32 = 3;
/// A gap longer than this many days between check-ins ends a run.
pub const MAX_GAP_DAYS: i32 = 3;

/// How the reading works, in plain words for the person, built from the constants above so the
/// words cannot drift from the rule.
pub fn method() -> String {
    format!(
        "Your baseline is the average of your check-ins before your first dose change (up to {BASELINE_DAYS} of \
         them), or of your first {BASELINE_DAYS} check-ins; a check-in far from the others in that set (one hard day \
         just before the first cut, say) is set aside so that it does not lift the line. Each day's burden runs from 0 to {max}: the average of \
         the checklist items you answered, scaled so that {mild} is \"mild\" on average and {max} is every answered \
         item \"severe\"; an item you leave unanswered neither lowers nor raises it, and a day with fewer than \
         {half} items answered is not read. The line is the average of the last {ROLLING_DAYS} days. A wave is at least {MIN_RUN} \
         check-ins in a row whose {ROLLING_DAYS}-day average is above your baseline by more than twice your \
         baseline's day-to-day variation (and never less than {min} points). A window is at least {MIN_RUN} \
         check-ins in a row, after a wave, back within half that distance of your baseline. This is Taper's own \
         description, modelled on single-person control charts; it is not validated and not a diagnosis.",
        max = crate::symptoms::MAX_BURDEN,
        mild = crate::symptoms::REFERENCE_ITEMS,
        half = crate::symptoms::MIN_ANSWERED,
        min = crate::units::trim_number(MIN_THRESHOLD),
    )
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry {
    pub date: Date,
    pub burden: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Baseline {
    pub mean: f64,
    pub sd: f64,
    pub entries: usize,
    /// Check-ins of the baseline's span left out as far from the others (`SET_ASIDE_MADS`).
    pub set_aside: usize,
    /// The first of them, to name it.
    pub first_set_aside: Option<Date>,
    pub from: Date,
    pub to: Date,
    /// True when the baseline comes from check-ins before the first dose change.
    pub before_first_change: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Rolling mean above baseline + threshold.
    Above,
    /// Rolling mean within half a threshold of baseline, or below it.
    Settled,
    /// In between: not clearly up, not clearly back.
    Between,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Day {
    pub date: Date,
    pub burden: f64,
    pub rolling: f64,
    pub state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Wave,
    Window,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Wave => "wave",
            Kind::Window => "window",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Episode {
    pub kind: Kind,
    pub start: Date,
    pub end: Date,
    pub entries: usize,
    /// Highest rolling mean in a wave, lowest in a window.
    pub extreme: f64,
    /// True when the episode runs up to the latest check-in.
    pub ongoing: bool,
}

impl Episode {
    /// Calendar days from start to end, both included.
    pub fn days(&self) -> i32 {
        (self.end - self.start).get_days() + 1
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    Rising,
    Falling,
    Steady,
    /// Fewer than two weeks of check-ins.
    TooFewData,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub baseline: Option<Baseline>,
    pub threshold: f64,
    pub days: Vec<Day>,
    pub episodes: Vec<Episode>,
    pub trend: Trend,
    /// The latest run of hard check-ins, read with or without a baseline.
    pub hard_days: Option<HardDays>,
    /// The day of the latest check-in read.
    pub latest_entry: Option<Date>,
}

/// What the flags read of an analysis: the baseline's mean and the wave running up to the
/// latest check-in. Small enough to keep per person when their check-ins change, so that a
/// caseload need not read every check-in of every person (issue 21).
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub baseline_mean: Option<f64>,
    pub ongoing_wave: Option<Episode>,
    /// The latest run of hard days, however old (the flags judge its age).
    pub hard_days: Option<HardDays>,
}

/// Check-ins one after another whose burden is high in itself (`symptoms::is_hard`), ending at
/// the latest such check-in. A wave is read against the person's own baseline and after a change
/// of dose; this is not, so a hard day reaches the clinician even without either (a walk: a
/// check-in of burden 20.7, "zaps, crying, could not work", raised no flag).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HardDays {
    pub start: Date,
    pub latest: Date,
    /// Check-ins in the run.
    pub entries: usize,
    pub highest: f64,
}

impl Analysis {
    /// The hard days the person is in now: their latest check-in is one, and recent (a walk:
    /// after a hard day Today said only "You have checked in today", while the clinician had a
    /// flag).
    pub fn hard_now(&self, today: Date) -> Option<HardDays> {
        self.hard_days.filter(|h| {
            Some(h.latest) == self.latest_entry
                && h.latest <= today
                && (today - h.latest).get_days() <= crate::symptoms::HARD_DAY_LOOKBACK_DAYS
        })
    }

    /// What the flags read of it.
    pub fn reading(&self) -> Reading {
        Reading {
            baseline_mean: self.baseline.map(|b| b.mean),
            ongoing_wave: self.ongoing_wave().copied(),
            hard_days: self.hard_days,
        }
    }

    pub fn waves(&self) -> impl Iterator<Item = &Episode> {
        self.episodes.iter().filter(|e| e.kind == Kind::Wave)
    }
    pub fn windows(&self) -> impl Iterator<Item = &Episode> {
        self.episodes.iter().filter(|e| e.kind == Kind::Window)
    }
    pub fn latest(&self) -> Option<&Day> {
        self.days.last()
    }
    /// The wave that runs up to the latest check-in, if any.
    pub fn ongoing_wave(&self) -> Option<&Episode> {
        self.episodes.iter().rev().find(|e| e.kind == Kind::Wave && e.ongoing)
    }

    /// One paragraph a person can read.
    pub fn summary(&self) -> String {
        let Some(b) = self.baseline else {
            return format!(
                "Not enough check-ins yet: a baseline needs at least {MIN_BASELINE}. Waves and windows are read \
                 against a personal baseline, so there is nothing to compare with yet."
            );
        };
        let waves: Vec<_> = self.waves().collect();
        let windows = self.windows().count();
        let mut s = format!(
            "Baseline {:.1} points (from {} check-ins, {} to {}{}{}). ",
            b.mean,
            b.entries,
            b.from,
            b.to,
            if b.before_first_change { ", before the first dose change" } else { "" },
            match b.set_aside {
                0 => String::new(),
                1 => format!(
                    "; one check-in far from the others, on {}, set aside",
                    b.first_set_aside.map_or_else(String::new, |d| d.to_string())
                ),
                n => format!(
                    "; {n} check-ins far from the others set aside, the first on {}",
                    b.first_set_aside.map_or_else(String::new, |d| d.to_string())
                ),
            }
        );
        if waves.is_empty() {
            s.push_str("No waves so far. ");
        } else {
            let mean_len = waves.iter().map(|w| f64::from(w.days())).sum::<f64>() / waves.len() as f64;
            let longest = waves.iter().map(|w| w.days()).max().unwrap_or(0);
            s.push_str(&format!(
                "{} wave{} (average {:.0} days, longest {} days), {} window{}. ",
                waves.len(),
                if waves.len() == 1 { "" } else { "s" },
                mean_len,
                longest,
                windows,
                if windows == 1 { "" } else { "s" }
            ));
        }
        s.push_str(match self.trend {
            Trend::Rising => "Over the last two weeks burden has been rising.",
            Trend::Falling => "Over the last two weeks burden has been falling.",
            Trend::Steady => "Over the last two weeks burden has been steady.",
            Trend::TooFewData => "Two weeks of check-ins are needed to describe a trend.",
        });
        s
    }
}

/// Reads the series. `entries` may be in any order and have gaps; one entry per date (a later
/// duplicate replaces an earlier one). `first_change` is the date of the first dose change.
pub fn analyse(entries: &[Entry], first_change: Option<Date>) -> Analysis {
    // One entry a day, the later of two for the same day; sorted by date. Linear after the
    // sort (was quadratic: 4,000 days took seconds, issue 19 N4).
    let mut finite: Vec<Entry> = entries.iter().filter(|e| e.burden.is_finite()).copied().collect();
    finite.sort_by_key(|e| e.date); // stable: same-day entries keep their order
    let mut sorted: Vec<Entry> = Vec::with_capacity(finite.len());
    for e in finite {
        match sorted.last_mut() {
            Some(x) if x.date == e.date => *x = e,
            _ => sorted.push(e),
        }
    }

    let baseline = baseline(&sorted, first_change);
    let threshold = baseline.map_or(MIN_THRESHOLD, |b| (2.0 * b.sd).max(MIN_THRESHOLD));
    let days: Vec<Day> = match baseline {
        None => Vec::new(),
        Some(b) => sorted
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let rolling = rolling_mean(&sorted[..=i], e.date);
                let state = if rolling > b.mean + threshold {
                    State::Above
                } else if rolling <= b.mean + threshold / 2.0 {
                    State::Settled
                } else {
                    State::Between
                };
                Day { date: e.date, burden: e.burden, rolling, state }
            })
            .collect(),
    };
    let episodes = episodes(&days);
    let trend = trend(&sorted, threshold);
    let hard_days = hard_days(&sorted);
    let latest_entry = sorted.last().map(|e| e.date);
    Analysis { baseline, threshold, days, episodes, trend, hard_days, latest_entry }
}

/// The latest run of hard check-ins (see `HardDays`), from entries one a day in date order.
fn hard_days(sorted: &[Entry]) -> Option<HardDays> {
    let last = sorted.iter().rposition(|e| crate::symptoms::is_hard(e.burden))?;
    let run = &sorted[..=last];
    let first = run.iter().rposition(|e| !crate::symptoms::is_hard(e.burden)).map_or(0, |i| i + 1);
    let run = &run[first..];
    Some(HardDays {
        start: run[0].date,
        latest: run[run.len() - 1].date,
        entries: run.len(),
        highest: run.iter().map(|e| e.burden).fold(f64::MIN, f64::max),
    })
}

fn baseline(sorted: &[Entry], first_change: Option<Date>) -> Option<Baseline> {
    let before: Vec<&Entry> = match first_change {
        Some(c) => sorted.iter().filter(|e| e.date < c).collect(),
        None => Vec::new(),
    };
    let (chosen, before_first_change): (Vec<&Entry>, bool) = if before.len() >= MIN_BASELINE {
        (before[before.len().saturating_sub(BASELINE_DAYS)..].to_vec(), true)
    } else {
        (sorted.iter().take(BASELINE_DAYS).collect(), false)
    };
    if chosen.len() < MIN_BASELINE {
        return None;
    }
    let values: Vec<f64> = chosen.iter().map(|e| e.burden).collect();
    let far = |v: f64, centre: f64, reach: f64| (v - centre).abs() > reach;
    let centre = median(&values);
    let mad = median(&values.iter().map(|v| (v - centre).abs()).collect::<Vec<_>>());
    // Never closer than the smallest threshold: burdens come in small steps, so many baselines
    // have a deviation of 0, and an ordinary day must not count as odd.
    let reach = (SET_ASIDE_MADS * MAD_TO_SD * mad).max(MIN_THRESHOLD);
    // Fewer than half can lie beyond the median's reach, so at least 2 of 3 are kept.
    let kept: Vec<f64> = values.iter().copied().filter(|v| !far(*v, centre, reach)).collect();
    let first_set_aside = chosen.iter().find(|e| far(e.burden, centre, reach)).map(|e| e.date);
    let n = kept.len() as f64;
    let mean = kept.iter().sum::<f64>() / n;
    let var = if kept.len() > 1 { kept.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
    Some(Baseline {
        mean,
        sd: var.sqrt(),
        entries: kept.len(),
        set_aside: values.len() - kept.len(),
        first_set_aside,
        from: chosen[0].date,
        to: chosen[chosen.len() - 1].date,
        before_first_change,
    })
}

/// The middle value (the mean of the middle two for an even count); `values` is not empty.
fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len().is_multiple_of(2) { (v[mid - 1] + v[mid]) / 2.0 } else { v[mid] }
}

/// The mean over the window ending at `date`; `upto` is the sorted entries up to and including
/// that day, so only its last few (one entry a day at most) can be in the window.
fn rolling_mean(upto: &[Entry], date: Date) -> f64 {
    let from = upto.len().saturating_sub(ROLLING_DAYS.unsigned_abs() as usize);
    let window: Vec<f64> = upto[from..]
        .iter()
        .filter(|e| e.date <= date && (date - e.date).get_days() < ROLLING_DAYS)
        .map(|e| e.burden)
        .collect();
    // The day itself is always in the window, so it is never empty.
    window.iter().sum::<f64>() / window.len().max(1) as f64
}

fn episodes(days: &[Day]) -> Vec<Episode> {
    let mut out = Vec::new();
    let mut seen_wave = false;
    let mut i = 0;
    while i < days.len() {
        let state = days[i].state;
        let mut j = i + 1;
        while j < days.len() && days[j].state == state && (days[j].date - days[j - 1].date).get_days() <= MAX_GAP_DAYS {
            j += 1;
        }
        let run = &days[i..j];
        let span = (run[run.len() - 1].date - run[0].date).get_days() + 1;
        let long_enough = run.len() >= MIN_RUN && span >= MIN_RUN as i32;
        let kind = match state {
            State::Above if long_enough => Some(Kind::Wave),
            State::Settled if long_enough && seen_wave => Some(Kind::Window),
            _ => None,
        };
        if let Some(kind) = kind {
            let rollings = run.iter().map(|d| d.rolling);
            let extreme = match kind {
                Kind::Wave => rollings.fold(f64::MIN, f64::max),
                Kind::Window => rollings.fold(f64::MAX, f64::min),
            };
            seen_wave |= kind == Kind::Wave;
            out.push(Episode {
                kind,
                start: run[0].date,
                end: run[run.len() - 1].date,
                entries: run.len(),
                extreme,
                ongoing: j == days.len(),
            });
        }
        i = j;
    }
    out
}

fn trend(sorted: &[Entry], threshold: f64) -> Trend {
    let Some(last) = sorted.last() else { return Trend::TooFewData };
    let age = |e: &Entry| (last.date - e.date).get_days();
    let recent: Vec<f64> = sorted.iter().filter(|e| age(e) < 14).map(|e| e.burden).collect();
    let earlier: Vec<f64> = sorted.iter().filter(|e| (14..28).contains(&age(e))).map(|e| e.burden).collect();
    if recent.len() < 3 || earlier.len() < 3 {
        return Trend::TooFewData;
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let diff = mean(&recent) - mean(&earlier);
    if diff > threshold / 2.0 {
        Trend::Rising
    } else if diff < -threshold / 2.0 {
        Trend::Falling
    } else {
        Trend::Steady
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    /// The analysis as first written (quadratic): the later entry of a day wins, and the rolling
    /// mean is taken over every entry. The linear one must give the same days, bit for bit.
    fn reference_days(entries: &[Entry]) -> Vec<(Date, u64)> {
        let mut sorted: Vec<Entry> = Vec::new();
        for e in entries.iter().filter(|e| e.burden.is_finite()) {
            match sorted.iter_mut().find(|x| x.date == e.date) {
                Some(x) => *x = *e,
                None => sorted.push(*e),
            }
        }
        sorted.sort_by_key(|e| e.date);
        sorted
            .iter()
            .map(|e| {
                let w: Vec<f64> = (sorted.iter())
                    .filter(|x| x.date <= e.date && (e.date - x.date).get_days() < ROLLING_DAYS)
                    .map(|x| x.burden)
                    .collect();
                (e.date, (w.iter().sum::<f64>() / w.len() as f64).to_bits())
            })
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn the_linear_analysis_matches_the_first_one(
            raw in proptest::collection::vec((0i64..120, 0u8..52), 0..200),
        ) {
            let start = date(2026, 1, 1);
            let entries: Vec<Entry> = raw
                .iter()
                .map(|&(d, b)| Entry { date: start.checked_add(jiff::Span::new().days(d)).unwrap(), burden: f64::from(b) })
                .collect();
            let a = analyse(&entries, None);
            if !a.days.is_empty() {
                let got: Vec<(Date, u64)> = a.days.iter().map(|d| (d.date, d.rolling.to_bits())).collect();
                proptest::prop_assert_eq!(got, reference_days(&entries));
            }
        }
    }

    fn series(start: Date, values: &[f64]) -> Vec<Entry> {
        values
            .iter()
            .enumerate()
            .map(|(i, &b)| Entry { date: start.checked_add(jiff::Span::new().days(i as i64)).unwrap(), burden: b })
            .collect()
    }

    #[test]
    fn rise_after_a_change_is_a_wave_and_the_return_a_window() {
        let start = date(2026, 1, 1);
        let v = [4.0, 5.0, 4.0, 5.0, 4.0, 5.0, 4.0, 14.0, 15.0, 16.0, 15.0, 5.0, 4.0, 4.0, 5.0, 4.0];
        let a = analyse(&series(start, &v), Some(date(2026, 1, 8)));
        let b = a.baseline.unwrap();
        assert!(b.before_first_change);
        assert!((b.mean - 31.0 / 7.0).abs() < 1e-9);
        assert_eq!(a.threshold, MIN_THRESHOLD); // sd ≈ 0.53, so the floor applies
        let waves: Vec<_> = a.waves().collect();
        assert_eq!(waves.len(), 1);
        assert_eq!(waves[0].start, date(2026, 1, 8));
        // The rolling mean stays raised for two days after the burden falls.
        assert_eq!(waves[0].end, date(2026, 1, 13));
        let windows: Vec<_> = a.windows().collect();
        assert_eq!(windows.len(), 1);
        assert!(windows[0].ongoing);
    }

    /// Walk 2 of issue 20 (2026-12-06): six calm check-ins, a hard day the day before the first
    /// cut, then a rise. The hard day had lifted the baseline's mean and doubled its spread, so the
    /// rise read as "steady" and nothing was suggested.
    #[test]
    fn a_hard_day_before_the_first_cut_does_not_hide_the_rise_after_it() {
        let v = [5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 22.0, 14.0, 15.0, 15.0, 16.0, 15.0];
        let a = analyse(&series(date(2026, 1, 1), &v), Some(date(2026, 1, 8)));
        let b = a.baseline.unwrap();
        assert!(b.before_first_change);
        assert_eq!((b.mean, b.entries, b.set_aside), (5.0, 6, 1));
        assert_eq!(a.threshold, MIN_THRESHOLD);
        let wave = a.ongoing_wave().expect("the rise after the cut is a wave");
        assert!(wave.start <= date(2026, 1, 8), "{wave:?}");
        assert!(a.summary().contains("one check-in far from the others, on 2026-01-07, set aside"), "{}", a.summary());
        // Without the setting aside the line would be about 18: mean 7.4, spread 6.4.
        assert!(b.mean + a.threshold < 14.0);
    }

    #[test]
    fn an_ordinary_spread_sets_nothing_aside() {
        let v = [3.0, 6.0, 4.0, 8.0, 5.0, 2.0, 7.0];
        let b = analyse(&series(date(2026, 1, 1), &v), None).baseline.unwrap();
        assert_eq!((b.entries, b.set_aside), (7, 0));
        assert!((b.mean - 5.0).abs() < 1e-9);
    }

    proptest::proptest! {
        /// However odd one baseline day is, six calm ones (within a point of each other) keep the
        /// line a wave is read against within 5 points of their highest.
        #[test]
        fn one_odd_baseline_day_cannot_lift_the_line_far(
            low in 0.0f64..40.0,
            calm in proptest::collection::vec(0.0f64..=1.0, 6),
            odd in 0.0f64..=51.0,
            at in 0usize..7,
        ) {
            let mut v: Vec<f64> = calm.iter().map(|c| low + c).collect();
            v.insert(at, odd);
            let a = analyse(&series(date(2026, 1, 1), &v), None);
            let b = a.baseline.unwrap();
            let highest = calm.iter().map(|c| low + c).fold(f64::MIN, f64::max);
            proptest::prop_assert!(b.mean + a.threshold <= highest + 5.0, "{b:?} {}", a.threshold);
        }
    }

    #[test]
    fn too_few_check_ins_give_no_reading() {
        let a = analyse(&series(date(2026, 1, 1), &[3.0, 20.0]), None);
        assert!(a.baseline.is_none());
        assert!(a.episodes.is_empty());
        assert!(a.summary().contains("Not enough check-ins"));
    }

    #[test]
    fn a_single_bad_day_is_not_a_wave() {
        let v = [2.0, 2.0, 2.0, 2.0, 20.0, 2.0, 2.0, 2.0, 2.0];
        let a = analyse(&series(date(2026, 1, 1), &v), None);
        // The spike lifts the rolling mean for three days, but it is only one day's burden.
        assert!(a.days.iter().filter(|d| d.state == State::Above).count() <= 3);
        let v = [2.0, 2.0, 2.0, 2.0, 20.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0];
        let a = analyse(&series(date(2026, 1, 1), &v), Some(date(2026, 1, 5)));
        assert_eq!(a.waves().count(), 1, "{:?}", a.days);
    }

    #[test]
    fn the_method_in_words_names_the_rules_numbers() {
        let m = method();
        assert!(m.contains(&format!("up to {BASELINE_DAYS} of them")), "{m}");
        assert!(m.contains(&format!("from 0 to {}", crate::symptoms::MAX_BURDEN)), "{m}");
        assert!(m.contains(&format!("at least {MIN_RUN} check-ins")), "{m}");
        assert!(m.contains("not validated and not a diagnosis"), "{m}");
    }
}
