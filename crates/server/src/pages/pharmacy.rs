//! A pharmacy order (issue 22): what the next 28, 56 or 84 days of each plan take from the
//! pharmacy, product by product, as a page and a PDF with a space for the prescriber to sign.
//! A preparation made to order lists each run of days with its dose (tapering strips), and a
//! compounded one also the capsule strengths that make every dose (core's `order`).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::ToSpan as _;
use jiff::civil::Date;
use taper_core::order::{self, OrderDay, OrderLine};
use taper_core::supply::{self, DayUse};
use taper_report::pdf::{Section, SummaryDocument, Table};

use crate::AppState;
use crate::auth::Person;
use crate::error::AppResult;
use crate::pages::mg;
use crate::pages::summary::SummaryPage;
use crate::timeline::Course;

/// The periods an order covers, in days: four, eight or twelve weeks.
const PERIODS: [i64; 3] = [28, 56, 84];

/// The order, as a page (`?as=page`) or a PDF (`?as=pdf`), for `?days=` from today.
pub async fn show(
    State(state): State<AppState>,
    person: Person,
    headers: axum::http::HeaderMap,
    secure: axum::Extension<crate::csrf::SecureCookies>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    let days = match crate::form::value(&pairs, "days").as_str() {
        "" => PERIODS[0],
        raw => match raw.parse().ok().filter(|d| PERIODS.contains(d)) {
            Some(d) => d,
            None => {
                let message = "The period: choose 28, 56 or 84 days.".to_string();
                let draft = super::handoff::Draft::refused(&pairs, message, super::handoff::Form::Order);
                let page = super::handoff::page(&state, &person, &headers, secure.0.0, draft, None).await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            }
        },
    };
    let today = person.today();
    let courses = Course::load_all(&state, person.id()).await?;
    let mut sections: Vec<Section> = courses
        .iter()
        .flat_map(|c| std::iter::once(directions(&state, c, today, days)).chain(plan_sections(&state, c, today, days)))
        .collect();
    if sections.is_empty() {
        sections.push(Section {
            id: "none".into(),
            heading: "Nothing to order".into(),
            alerts: vec![],
            lines: vec!["No plan uses a product in these days.".into()],
            table: None,
            chart: false,
        });
    }
    let end = today.saturating_add((days - 1).days());
    let doc = SummaryDocument {
        title: "Taper: a pharmacy order".into(),
        person: person.user.display_name.clone(),
        made: format!(
            "Made by {} on {}, for the {days} days from {} to {}",
            person.user.display_name,
            short(today),
            short(today),
            short(end)
        ),
        sections,
        left_out: vec![],
        disclaimer: taper_report::PRESCRIBER_NOTE.to_string(),
        sign: true,
    };
    if crate::form::value(&pairs, "as") == "pdf" {
        let bytes = state.summary_pdf(doc, None).await?;
        return Ok(super::pdf_download(&format!("taper-pharmacy-order-{today}.pdf"), bytes));
    }
    let pdf_link = Some(format!("/handoff/order?days={days}&as=pdf"));
    Ok(SummaryPage { chrome: person.chrome("sharing"), doc, chart: None, pdf_link, shared: false }.into_response())
}

fn short(d: Date) -> String {
    taper_report::pdf::short_date(d)
}

/// Each day of `course` from `today` for `days` days, with what it uses.
fn order_days(course: &Course, today: Date, days: i64) -> Vec<OrderDay> {
    (0..days)
        .filter_map(|k| {
            let date = today.saturating_add(k.days());
            let (on, _) = course.on(date)?;
            let uses = (course.uses_on(date).unwrap_or_default().iter())
                .filter_map(|u| {
                    let unit = supply::shelf_unit_named(&u.unit)?;
                    Some(DayUse { product_id: u.product_id.clone(), unit, amount: u.amount, made_mg: u.made_mg })
                })
                .collect();
            Some(OrderDay { date, dose_mg: on.dose_mg, uses })
        })
        .collect()
}

/// A section per product the plan uses in the period.
fn plan_sections(state: &AppState, course: &Course, today: Date, days: i64) -> Vec<Section> {
    let drug = course.drug_name(&state.catalogue);
    let names: Vec<(String, String)> = (0..days)
        .filter_map(|k| course.uses_on(today.saturating_add(k.days())))
        .flatten()
        .map(|u| (u.product_id.clone(), u.name.clone()))
        .collect();
    order::order(&order_days(course, today, days))
        .into_iter()
        .map(|line| {
            let name = match names.iter().find(|(id, n)| *id == line.product_id && *n != line.product_id) {
                Some((_, n)) => n.clone(),
                // Made-to-order products are not in the catalogue; plans kept only their ids.
                None => taper_core::catalogue::made_to_order_name(&line.product_id)
                    .map_or(line.product_id.clone(), String::from),
            };
            product_section(course, &drug, &name, line, today, days)
        })
        .collect()
}

/// Rows of directions listed at most; a daily taper's days between are in its strip table.
const DIRECTIONS_SHOWN: usize = 12;

/// What the person takes over the order's days, as a label would say it: from each change (a
/// step, not each day of a daily taper), the dose as measured and how it is prepared (a walk:
/// a pharmacist could not write a label from quantities alone).
fn directions(state: &AppState, course: &Course, today: Date, days: i64) -> Section {
    let end = today.saturating_add((days - 1).days());
    let rows: Vec<Vec<String>> = runs(course, today, end).into_iter().take(DIRECTIONS_SHOWN).collect();
    let mut lines = vec![format!("The plan: {}.", course.current().plan.strategy.trim_end_matches('.'))];
    if course.uses_on(today.saturating_add(1.days())).is_some_and(|u| u.iter().any(|x| x.made_mg.is_some()))
        && course.on(today.saturating_add(1.days())).is_some_and(|(on, _)| on.daily.is_some())
    {
        lines.push(
            "Between these steps the dose falls a little each day: each day's dose is in the table below.".into(),
        );
    }
    Section {
        id: format!("directions-{}", course.plan_id),
        heading: format!("{}: directions", course.drug_name(&state.catalogue)),
        alerts: vec![],
        lines,
        table: Some(Table { header: ["From", "Each day", "How it is prepared"].map(String::from).to_vec(), rows }),
        chart: false,
    }
}

/// The order's days as runs a label can be written from: each step's days prepared one way, and
/// each run of days between steps (a pouch a day, or a little less each day) as one row that
/// says so. A walk read "from 8 Dec: 10 mg, 2 × 5 mg tablet" above a strip table that gave 9.5 mg
/// pouches from 12 Dec, and no direction for a step's tablet day between strip days.
fn runs(course: &Course, today: Date, end: Date) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut open: Option<(String, Date, f64, f64)> = None;
    let mut day = today;
    while day <= end {
        let Some((on, step)) = course.on(day) else { break };
        let strip = course.uses_on(day).is_some_and(|u| u.iter().any(|x| x.made_mg.is_some()));
        let key = match (on.daily.is_some(), strip) {
            (true, true) => {
                "a pouch a day from the tapering strip: each day's dose is in the strip table below".to_string()
            }
            (true, false) => {
                "a little less each day: the person's Today page gives each day's amount and how to measure it"
                    .to_string()
            }
            (false, _) => course.instruction(&on, step),
        };
        match &mut open {
            Some((k, _, _, last)) if *k == key && on.daily.is_some() => *last = on.dose_mg,
            Some((k, _, first, _)) if *k == key && mg(on.dose_mg) == mg(*first) => {}
            _ => {
                rows.extend(open.take().map(|run| run_row(course, run)));
                open = Some((key, day, on.dose_mg, on.dose_mg));
            }
        }
        let Ok(next) = day.tomorrow() else { break };
        day = next;
    }
    rows.extend(open.map(|run| run_row(course, run)));
    rows
}

/// One run's row: from when, the dose (falling, for days between steps), how it is prepared.
fn run_row(course: &Course, (how, from, first, last): (String, Date, f64, f64)) -> Vec<String> {
    let dose = if first <= 0.0 {
        "None (stopped)".to_string()
    } else if mg(first) != mg(last) {
        format!("{} falling to {}", mg(first), mg(last))
    } else {
        course.dose_words(from).unwrap_or_else(|| mg(first))
    };
    vec![short(from), dose, how]
}

fn product_section(course: &Course, drug: &str, name: &str, line: OrderLine, today: Date, days: i64) -> Section {
    let mut lines = vec![
        format!(
            "Dispense {} ({} used over the days; first used {}).",
            supply::amount_words(line.dispense, line.unit),
            supply::amount_words(line.needed, line.unit),
            short(line.first_day)
        ),
        format!(
            "Lasts to {}; ask for the next order by {} ({} days a pharmacy may need, Taper's default).",
            short(today.saturating_add((days - 1).days())),
            short(today.saturating_add((days - i64::from(supply::DEFAULT_LEAD_DAYS)).max(0).days())),
            supply::DEFAULT_LEAD_DAYS
        ),
    ];
    // Made to order and needed sooner than a pharmacy may take to make it: said first.
    let lead = today.saturating_add(i64::from(supply::DEFAULT_LEAD_DAYS).days());
    if !line.runs.is_empty() && line.first_day < lead {
        lines.insert(
            0,
            format!(
                "Made to order and first needed on {}, sooner than the {} days a pharmacy may take: ask now. If it \
                 cannot be ready in time, stay at the dose before it until it is, and tell the prescriber.",
                short(line.first_day),
                supply::DEFAULT_LEAD_DAYS
            ),
        );
    }
    let compounded = taper_core::catalogue::is_compounded(&line.product_id);
    let precision = course.current().settings.compounded_mg.filter(|_| compounded);
    let strengths = precision
        .and_then(|p| order::fewest_strengths(&line.runs.iter().map(|r| r.dose_mg).collect::<Vec<_>>(), p))
        // When no dose is made of two others, each is its own strength: said plainly, no column.
        .filter(|s| s.strengths_mg.len() < s.recipes.len());
    match (&strengths, precision) {
        (Some(s), _) => lines.push(format!(
            "Capsule strengths that make every dose with at most {} capsules a day: {} (Taper's search; the \
             pharmacy may find fewer). Each dose below says which.",
            order::CAPSULES_A_DAY,
            s.strengths_mg.iter().map(|m| mg(*m)).collect::<Vec<_>>().join(", ")
        )),
        (None, Some(_)) => {
            lines.push("Each dose below is its own capsule strength: none is made of two of the others.".into())
        }
        (None, None) => {}
    }
    if line.runs_unknown {
        lines.push(
            "Each day's dose of it is not kept with this plan (made before Taper kept it): read it from the plan's \
             steps, or make the plan again."
                .into(),
        );
    }
    runs_section(line, drug, name, lines, strengths)
}

/// The product's section; a made-to-order product lists its runs of days (and, compounded, the
/// capsules of each dose).
fn runs_section(line: OrderLine, drug: &str, name: &str, lines: Vec<String>, s: Option<order::Strengths>) -> Section {
    let table = (!line.runs.is_empty()).then(|| {
        let made = |dose: f64| {
            s.as_ref()
                .and_then(|s| s.recipe_for(dose))
                .map(|caps| caps.iter().map(|c| mg(*c)).collect::<Vec<_>>().join(" + "))
                .unwrap_or_else(|| mg(dose))
        };
        // "Made of" only where strengths are combined: a strip's pouch is made as it is.
        let mut header = ["From", "To", "Each day", "Days"].map(String::from).to_vec();
        header.extend(s.as_ref().map(|_| "Made of".to_string()));
        let rows = line
            .runs
            .iter()
            .map(|r| {
                let mut row = vec![short(r.from), short(r.to), mg(r.dose_mg), r.days.to_string()];
                row.extend(s.as_ref().map(|_| made(r.dose_mg)));
                row
            })
            .collect();
        Table { header, rows }
    });
    Section {
        id: line.product_id.clone(),
        heading: format!("{drug}: {name}"),
        alerts: vec![],
        lines,
        table,
        chart: false,
    }
}
