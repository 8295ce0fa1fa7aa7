//! Supply (issue 20): what the person has of each product their plan uses, counted down by the
//! plan and the doses recorded as missed, with the day it runs out and the day to ask the
//! pharmacy by. Core decides the arithmetic (`taper_core::supply`); this module reads the stored
//! plan and records and says it in words.

use std::collections::BTreeSet;

use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::ToSpan as _;
use jiff::civil::Date;
use serde::Deserialize;
use taper_core::supply::{self, Count, Outlook, Urgency};
use taper_core::units::trim_number as n;
use taper_store::{DoseStatus, NewSupply, SupplyRecord};

use super::long_date;
use crate::AppState;
use crate::auth::Person;
use crate::error::{AppError, AppResult};
use crate::settings::StoredUse;
use crate::timeline::Course;
use askama::Template;
use askama_web::WebTemplate;

/// The days from `from` to today whose every planned dose was recorded as missed: nothing was
/// taken from the shelf on them (today too, once its doses are recorded missed; a walk).
async fn missed_days(
    state: &AppState,
    user: taper_store::UserId,
    today: Date,
    course: &Course,
    from: Date,
) -> AppResult<BTreeSet<Date>> {
    let until = today;
    if from > until {
        return Ok(BTreeSet::new());
    }
    let records = state.store.doses_between(user, course.plan_id, from, until).await?;
    let days: BTreeSet<Date> = records.iter().map(|r| r.date).collect();
    Ok(days
        .into_iter()
        .filter(|day| {
            let planned = course.doses_of(*day).map_or(0, |d| d.len());
            let missed = records.iter().filter(|r| r.date == *day && r.status == DoseStatus::Missed).count();
            planned > 0 && missed >= planned
        })
        .collect())
}

/// A count walked through the plan for one product, up to `until` (Today needs only the days
/// within a lead time and the notice; the supply page, the whole horizon).
fn outlook_of(
    course: &Course,
    product: &str,
    (count, until): (Count, Option<Date>),
    today: Date,
    missed: &BTreeSet<Date>,
) -> Outlook {
    supply::outlook(count, today, |day| {
        if until.is_some_and(|u| day > u) {
            return None;
        }
        if missed.contains(&day) {
            return Some(0.0);
        }
        course.uses_on(day).map(|uses| uses.iter().find(|u| u.product_id == product).map_or(0.0, |u| u.amount))
    })
}

/// What a count means, in words: what is left, and when to ask for more.
fn said(o: &Outlook, unit: &str, lead_days: u32, today: Date) -> String {
    let left = if o.left <= 0.0 {
        "You have none left.".to_string()
    } else {
        format!("About {} left before today's doses.", supply::amount_words(o.left, unit))
    };
    let lead = match lead_days {
        1 => "1 day".to_string(),
        d => format!("{d} days"),
    };
    let enough = |out: Date| match out.yesterday() {
        Ok(last) if out > today => format!("Enough up to and including {}", long_date(last)),
        _ => "Not enough for today's doses".to_string(),
    };
    match (o.runs_out, o.order_by, o.urgency) {
        (Some(out), _, Urgency::OrderNow) => format!(
            "{left} {}: ask your prescriber and pharmacy for more now (the pharmacy needs {lead}).",
            enough(out)
        ),
        (Some(out), Some(by), _) => {
            format!("{left} {}: ask for more by {} (the pharmacy needs {lead}).", enough(out), long_date(by))
        }
        _ if o.past_horizon => format!("{left} At this plan it lasts more than two years."),
        _ => match o.last_covered {
            Some(last) => format!("{left} Enough for every day your plan uses it; the last is {}.", long_date(last)),
            None => format!("{left} Your plan does not use it from today on."),
        },
    }
}

fn urgency_class(u: Urgency) -> &'static str {
    match u {
        Urgency::Fine => "fine",
        Urgency::OrderSoon => "soon",
        Urgency::OrderNow => "now",
    }
}

/// One product's row: its use now, its count and what the count means.
fn row(
    course: &Course,
    drug: &str,
    first: Date,
    u: &StoredUse,
    record: Option<&SupplyRecord>,
    today: Date,
    missed: &BTreeSet<Date>,
) -> SupplyRow {
    let now = course.uses_on(today).and_then(|us| us.iter().find(|x| x.product_id == u.product_id));
    let mut r = SupplyRow {
        product_id: u.product_id.clone(),
        // Named with its drug: two plans' "0.5 mg tablet" are told apart (a walk).
        name: format!("{drug} {}", u.name),
        drug: drug.to_string(),
        unit: u.unit.clone(),
        from: (first > today).then(|| long_date(first)),
        use_now: now.map(|x| supply::amount_words(x.amount, &x.unit)),
        status: "Not counted yet: count what you have and enter it below to see how long it lasts.".to_string(),
        urgency: "none",
        amount: String::new(),
        counted: today.to_string(),
        lead: supply::DEFAULT_LEAD_DAYS.to_string(),
        error: None,
    };
    if let Some(rec) = record {
        let count = Count { amount: rec.amount, counted: rec.counted_on, lead_days: rec.lead_days };
        let o = outlook_of(course, &u.product_id, (count, None), today, missed);
        r.status = format!(
            "You counted {} on {}. {}",
            supply::amount_words(rec.amount, &rec.unit),
            long_date(rec.counted_on),
            said(&o, &u.unit, rec.lead_days, today)
        );
        r.urgency = urgency_class(o.urgency);
        r.amount = n(rec.amount);
        r.counted = rec.counted_on.to_string();
        r.lead = rec.lead_days.to_string();
    }
    r
}

/// The page: every product the plan uses from today on, each with its count and outlook.
async fn supply_page(state: &AppState, person: &Person, shown: Shown) -> AppResult<SupplyPage> {
    let today = person.today();
    let mut page = SupplyPage {
        chrome: person.chrome("today"),
        has_plan: false,
        counts: true,
        drug: String::new(),
        rows: Vec::new(),
        notice: match shown {
            Shown::Plain => None,
            Shown::Saved => Some("Saved."),
            Shown::Removed => Some("Taper no longer counts that product. Enter a count again at any time."),
        },
        error: None,
    };
    // Every plan in force, each with its own products (several at once: issue 20).
    let courses = Course::load_all(state, person.id()).await?;
    if courses.is_empty() {
        return Ok(page);
    }
    page.has_plan = true;
    page.counts = courses.iter().all(Course::counts_supply);
    let names: Vec<String> = courses.iter().map(|c| c.drug_name(&state.catalogue)).collect();
    page.drug = match names.split_last() {
        Some((last, [])) => format!("{last} plan"),
        Some((last, rest)) => format!("{} and {last} plans", rest.join(", ")),
        None => String::new(),
    };
    let records = state.store.supplies(person.id()).await?;
    let oldest = records.iter().map(|r| r.counted_on).min().unwrap_or(today);
    for (course, name) in courses.iter().zip(&names) {
        let missed = missed_days(state, person.id(), today, course, oldest).await?;
        page.rows.extend(course.products_from(today, supply::HORIZON_DAYS).into_iter().map(|(first, u)| {
            row(course, name, first, u, records.iter().find(|r| r.product_id == u.product_id), today, &missed)
        }));
    }
    Ok(page)
}

/// What the page says at its top after a form.
#[derive(Clone, Copy)]
enum Shown {
    Plain,
    Saved,
    Removed,
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
    removed: Option<String>,
}

pub async fn show(State(state): State<AppState>, person: Person, Query(q): Query<SavedQuery>) -> AppResult<Response> {
    let shown = match (q.saved, q.removed) {
        (_, Some(_)) => Shown::Removed,
        (Some(_), None) => Shown::Saved,
        (None, None) => Shown::Plain,
    };
    Ok(supply_page(&state, &person, shown).await?.into_response())
}

#[derive(Deserialize)]
pub struct SupplyForm {
    #[serde(default)]
    product: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    counted: String,
    #[serde(default)]
    lead_days: String,
    #[serde(default)]
    remove: String,
}

/// Saves (or removes) the count of one product the plan uses; a refusal shows the page again
/// with the message on that product's form and what was typed kept.
pub async fn save(State(state): State<AppState>, person: Person, Form(f): Form<SupplyForm>) -> AppResult<Response> {
    let today = person.today();
    let courses = Course::load_all(&state, person.id()).await?;
    if courses.is_empty() {
        return Err(AppError::NotFound);
    }
    let products: Vec<_> = courses.iter().flat_map(|c| c.products_from(today, supply::HORIZON_DAYS)).collect();
    let Some((_, used)) = products.iter().find(|(_, u)| u.product_id == f.product) else {
        return Err(AppError::BadRequest("Choose a product one of your plans uses from today on.".into()));
    };
    if f.remove == "yes" {
        state.store.remove_supply(person.id(), &f.product).await?;
        return Ok(Redirect::to("/supply?removed=1").into_response());
    }
    // An empty box keeps the pharmacy's days already saved (a walk: it fell back to 14).
    let saved_lead = match f.lead_days.trim() {
        "" => state
            .store
            .supplies(person.id())
            .await?
            .into_iter()
            .find(|r| r.product_id == f.product)
            .map(|r| r.lead_days.to_string()),
        _ => None,
    };
    let lead = saved_lead.unwrap_or_else(|| f.lead_days.clone());
    match Count::from_form(&f.amount, &f.counted, &lead, today) {
        Ok(c) => {
            let new = NewSupply {
                product_id: &used.product_id,
                unit: &used.unit,
                amount: c.amount,
                counted_on: c.counted,
                lead_days: c.lead_days,
            };
            state.store.save_supply(person.id(), &new, person.now()).await?;
            Ok(Redirect::to(&format!("/supply?saved=1#supply-{}", used.product_id)).into_response())
        }
        Err(e) => {
            let mut page = supply_page(&state, &person, Shown::Plain).await?;
            if let Some(r) = page.rows.iter_mut().find(|r| r.product_id == f.product) {
                page.error = Some((r.product_id.clone(), r.name.clone()));
                let field = match e.field.as_str() {
                    "counted" => "Day you counted",
                    "lead_days" => "Days the pharmacy needs",
                    _ => "How much you have",
                };
                r.error = Some(format!("{field}: '{}' — {}.", e.value, e.message));
                (r.amount, r.counted, r.lead) = (f.amount.clone(), f.counted.clone(), f.lead_days.clone());
            }
            Ok(crate::views::again(page))
        }
    }
}

/// What Today says about supply: each counted product whose day to ask for more is near or
/// past, and each product a coming step needs that the person has not counted.
pub(crate) async fn today_alerts(
    state: &AppState,
    user: taper_store::UserId,
    today: Date,
    course: &Course,
) -> AppResult<Vec<String>> {
    let records = state.store.supplies(user).await?;
    let drug = course.drug_name(&state.catalogue);
    // Only the days that can make something urgent (a lead time and the notice), not the whole
    // horizon: Today asks this on every view.
    let lead = records.iter().map(|r| r.lead_days).max().unwrap_or(0).max(supply::DEFAULT_LEAD_DAYS);
    let products = course.products_from(today, supply::days_that_decide(lead));
    let oldest = records.iter().map(|r| r.counted_on).min().unwrap_or(today);
    let missed =
        if records.is_empty() { BTreeSet::new() } else { missed_days(state, user, today, course, oldest).await? };
    let mut out = Vec::new();
    for (first, u) in products {
        match records.iter().find(|r| r.product_id == u.product_id) {
            Some(rec) => {
                let count = Count { amount: rec.amount, counted: rec.counted_on, lead_days: rec.lead_days };
                let until = today.checked_add(i64::from(supply::days_that_decide(rec.lead_days)).days()).ok();
                let o = outlook_of(course, &u.product_id, (count, until), today, &missed);
                match (o.runs_out, o.order_by, o.urgency) {
                    (Some(_), _, Urgency::OrderNow) => {
                        out.push(format!("What you have of the {drug} {} runs out soon: ask for more now.", u.name));
                    }
                    (Some(out_on), Some(by), Urgency::OrderSoon) => out.push(format!(
                        "What you have of the {drug} {} lasts until {}: ask for more by {}.",
                        u.name,
                        out_on.yesterday().map_or_else(|_| long_date(out_on), long_date),
                        long_date(by)
                    )),
                    _ => {}
                }
            }
            None if first > today && supply::new_product_due(first, today, supply::DEFAULT_LEAD_DAYS) => {
                out.push(format!("From {} your {drug} plan uses the {}: check you have it.", long_date(first), u.name));
            }
            None => {}
        }
    }
    Ok(out)
}

// View models: what this area's templates show.

pub struct SupplyRow {
    pub product_id: String,
    /// The product with its drug ("Sertraline 50 mg tablet"), and the drug alone.
    pub name: String,
    pub drug: String,
    /// "tablets", "mL", …
    pub unit: String,
    /// The first day it is used, when after today.
    pub from: Option<String>,
    /// "1.5 tablets", where today uses it.
    pub use_now: Option<String>,
    pub status: String,
    /// "none" (not counted), "fine", "soon" or "now".
    pub urgency: &'static str,
    /// The form's values: the count, the day counted (ISO) and the pharmacy's days.
    pub amount: String,
    pub counted: String,
    pub lead: String,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "supply.html")]
pub struct SupplyPage {
    pub chrome: crate::views::Chrome,
    pub has_plan: bool,
    /// Whether the plan was stored with what each day uses (plans saved before supply was not).
    pub counts: bool,
    pub drug: String,
    pub rows: Vec<SupplyRow>,
    /// "Saved." or what removing a count did.
    pub notice: Option<&'static str>,
    /// The product whose form was refused: (id, name), for the summary at the top.
    pub error: Option<(String, String)>,
}
