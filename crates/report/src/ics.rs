//! iCalendar (RFC 5545) for a person's taper: each change of dose on its day, and what is due
//! again and again (the check-in, the questionnaires). Written here rather than with a crate: the
//! part of the format a calendar file needs is small, and its traps (escaping, folding at 75
//! octets, CRLF) are each one function with a test.
//!
//! Every event is a whole day (`DTSTART;VALUE=DATE`): a dose changes on a date, not at a moment,
//! and a whole-day event needs no time zone. No alarms: most calendar apps ignore alarms in a
//! subscribed feed, so reminders stay with Taper's own (docs say so).

use jiff::Timestamp;
use jiff::civil::Date;

/// One whole-day event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Stable across downloads, so a calendar updates the event rather than adding another.
    pub uid: String,
    pub date: Date,
    pub summary: String,
    pub description: String,
    /// Repeats every this many days from `date`, when it does (`RRULE:FREQ=DAILY;INTERVAL=n`),
    /// up to and including `until` where given.
    pub every_days: Option<u32>,
    pub until: Option<Date>,
}

/// The calendar `name` holding `events`, stamped `now`. Lines end in CRLF and are folded at 75
/// octets, as RFC 5545 §3.1 asks.
pub fn calendar(name: &str, events: &[Event], now: Timestamp) -> String {
    let stamp = now.strftime("%Y%m%dT%H%M%SZ").to_string();
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//Taper//Taper taper calendar//EN".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        "METHOD:PUBLISH".to_string(),
        format!("X-WR-CALNAME:{}", text(name)),
    ];
    for e in events {
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:{}", text(&e.uid)));
        lines.push(format!("DTSTAMP:{stamp}"));
        lines.push(format!("DTSTART;VALUE=DATE:{}", day(e.date)));
        lines.push(format!("DTEND;VALUE=DATE:{}", day(e.date.tomorrow().unwrap_or(e.date))));
        if let Some(n) = e.every_days {
            let until = e.until.map(|u| format!(";UNTIL={}", day(u))).unwrap_or_default();
            lines.push(format!("RRULE:FREQ=DAILY;INTERVAL={}{until}", n.max(1)));
        }
        lines.push(format!("SUMMARY:{}", text(&e.summary)));
        lines.push(format!("DESCRIPTION:{}", text(&e.description)));
        lines.push("TRANSP:TRANSPARENT".into());
        lines.push("END:VEVENT".into());
    }
    lines.push("END:VCALENDAR".into());
    lines.iter().map(|l| fold(l)).collect::<Vec<_>>().join("")
}

/// One change of a day's dose, to be written as a whole-day event.
#[derive(Debug, Clone, Copy)]
pub struct DoseChange<'a> {
    pub date: Date,
    pub drug: &'a str,
    pub from_mg: f64,
    pub to_mg: f64,
    /// How to prepare the new dose, in one line (its parts and any dilution said once; a walk
    /// read the items listed again under it as extra doses).
    pub instruction: Option<&'a str>,
    /// The last change the plan makes: a dose above zero is then kept, and said so.
    pub last: bool,
}

/// The event for a change of dose, worded one way for the CLI's file and the web's calendar.
pub fn dose_change(uid: String, c: &DoseChange) -> Event {
    use taper_core::units::trim_number as n;
    let (from, to, drug) = (n(c.from_mg), n(c.to_mg), c.drug);
    let stops = c.to_mg <= 0.0;
    // The same dose made another way (tablets on a step's first day between days of strips):
    // said, so nobody reaches for a pouch that was never made (a walk).
    let same = from == to;
    let summary = if stops {
        format!("{drug}: stop ({from} mg to none)")
    } else if same {
        format!("{drug}: {to} mg a day, prepared another way")
    } else {
        format!("{drug}: {from} mg → {to} mg a day")
    };
    let mut description = if same {
        format!("From today, {to} mg of {drug} a day as before, prepared another way.")
    } else {
        format!("From today, {to} mg of {drug} a day.")
    };
    if let Some(how) = c.instruction.filter(|_| !stops) {
        description.push_str(&format!("\nHow to prepare it: {how}"));
    }
    if c.last && !stops {
        description.push_str(&format!(
            "\nThis is the last change your plan makes for now: keep taking {to} mg a day until you and your prescriber decide the next step; do not stop suddenly."
        ));
    }
    // Nothing is left to hold at zero (a walk): after the stop, the prescriber and the check-in.
    description.push_str(if stops {
        "\nIf withdrawal symptoms rise after stopping, talk to your prescriber; keep checking in on Taper. Decision support for a conversation with your prescriber, not a prescription."
    } else {
        "\nHold or slow down if withdrawal symptoms rise. Decision support for a conversation with your prescriber, not a prescription."
    });
    Event { uid, date: c.date, summary, description, every_days: None, until: None }
}

/// A plan's changes of dose as events from `first_day` (the CLI's `--format ics`): each step
/// whose dose differs from the one before, on its day, with how to prepare it.
pub fn plan_events(plan: &taper_core::Plan, first_day: Date) -> Vec<Event> {
    let changes: Vec<&[taper_core::schedule::Step]> =
        // A held step (a manual plan may list one) changes nothing.
        plan.steps.windows(2).filter(|pair| pair[0].dose_mg != pair[1].dose_mg).collect();
    let mut out = Vec::new();
    for (k, pair) in changes.iter().enumerate() {
        let (before, step) = (&pair[0], &pair[1]);
        let Ok(date) = first_day.checked_add(jiff::Span::new().days(i64::from(step.day))) else { break };
        let instruction = step.preparation.instruction();
        let change = DoseChange {
            date,
            drug: &plan.drug_name,
            from_mg: before.dose_mg.get(),
            to_mg: step.dose_mg.get(),
            instruction: Some(&instruction),
            last: k + 1 == changes.len(),
        };
        out.push(dose_change(format!("{}-step{}-{}@taper", plan.drug_id, step.index, day(first_day)), &change));
    }
    out
}

/// A date as iCalendar writes it: 20270228.
fn day(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}

/// A TEXT value (§3.3.11): backslash, semicolon and comma escaped, a new line as `\n`; other
/// control characters dropped (they cannot appear in a content line).
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// `line` as content lines of at most 75 octets each, every continuation beginning with one
/// space, each ended by CRLF (§3.1); never splitting a UTF-8 character.
fn fold(line: &str) -> String {
    const MOST: usize = 75;
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > MOST {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_as_the_rfc_asks() {
        assert_eq!(text("a, b; c\\d\nnext\r"), "a\\, b\\; c\\\\d\\nnext");
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_a_character() {
        let line = format!("DESCRIPTION:{}", "é".repeat(60));
        let folded = fold(&line);
        for l in folded.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets: {l}", l.len());
        }
        let unfolded = folded.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, line);
    }

    #[test]
    fn a_change_of_dose_says_how_to_prepare_it_and_a_last_dose_is_kept() {
        let c = DoseChange {
            date: jiff::civil::date(2027, 2, 28),
            drug: "Citalopram",
            from_mg: 20.0,
            to_mg: 16.0,
            instruction: Some("0.4 mL of the drops"),
            last: true,
        };
        let kept = dose_change("a@taper".into(), &c);
        assert_eq!(kept.summary, "Citalopram: 20 mg → 16 mg a day");
        assert!(kept.description.contains("How to prepare it: 0.4 mL of the drops"));
        assert!(kept.description.contains("keep taking 16 mg a day"));
        let stop = dose_change("b@taper".into(), &DoseChange { to_mg: 0.0, ..c });
        assert_eq!(stop.summary, "Citalopram: stop (20 mg to none)");
        assert!(!stop.description.contains("How to prepare") && !stop.description.contains("keep taking"));
        assert!(stop.description.contains("talk to your prescriber") && !stop.description.contains("Hold or slow"));
    }

    #[test]
    fn an_event_is_a_whole_day_and_repeats_when_asked() {
        let e = Event {
            uid: "step-1@taper".into(),
            date: jiff::civil::date(2027, 2, 28),
            summary: "Citalopram: 20 mg → 16 mg".into(),
            description: "0.4 mL, counted".into(),
            every_days: Some(28),
            until: Some(jiff::civil::date(2027, 6, 30)),
        };
        let cal = calendar("Taper", &[e], Timestamp::UNIX_EPOCH);
        assert!(cal.starts_with("BEGIN:VCALENDAR\r\n") && cal.ends_with("END:VCALENDAR\r\n"));
        assert!(cal.contains("DTSTART;VALUE=DATE:20270228\r\n") && cal.contains("DTEND;VALUE=DATE:20270301\r\n"));
        assert!(cal.contains("RRULE:FREQ=DAILY;INTERVAL=28;UNTIL=20270630\r\n"));
        assert!(cal.contains("DTSTAMP:19700101T000000Z\r\n"));
        assert!(cal.contains("DESCRIPTION:0.4 mL\\, counted\r\n"));
        assert!(!cal.replace("\r\n", "").contains('\n'), "every line ends in CRLF");
    }
}
