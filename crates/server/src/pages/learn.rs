//! Education pages generated from the catalogue, the glossary, and crisis resources. Open to
//! everyone, signed in or not.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use taper_core::catalogue::{Drug, DrugClass};
use taper_core::occupancy::EmaxModel;
use taper_core::units::trim_number as n;

use crate::AppState;
use crate::auth::Ctx;
use crate::error::{AppError, AppResult};
use crate::views::{self, Cited, DrugLink, Term};

fn cite(state: &AppState, key: &str) -> String {
    state.catalogue.source(key).map_or_else(|| key.to_string(), |s| taper_core::schedule::short_citation(&s.citation))
}

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let mut drugs: Vec<DrugLink> = state
        .catalogue
        .drugs()
        .iter()
        .map(|d| DrugLink { id: d.id.clone(), name: d.name.clone(), class: d.class.label() })
        .collect();
    drugs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(views::LearnIndex { chrome: ctx.chrome("learn"), drugs }.into_response())
}

fn range(low: f64, high: f64) -> String {
    if (low - high).abs() < 1e-9 {
        format!("about {} hours", n(low))
    } else {
        format!("{}–{} hours", n(low), n(high))
    }
}

fn notes(state: &AppState, d: &Drug) -> Vec<Cited> {
    let c = |text: &str, key: &str| Cited { text: text.to_string(), source: cite(state, key) };
    let mut v = Vec::new();
    if d.class == DrugClass::Benzodiazepine {
        v.push(c(
            "After regular use, reduce gradually rather than stopping: a sudden stop can cause severe withdrawal, \
             including seizures.",
            "asam2025",
        ));
        v.push(c(
            "The joint US guideline suggests starting with cuts of 5–10% every 2–4 weeks, and usually not more than \
             25% every 2 weeks; many people need slower.",
            "asam2025",
        ));
        v.push(c(
            "Some people switch to diazepam, whose long half-life smooths levels between doses, and taper that.",
            "ashton2002",
        ));
    } else {
        v.push(c(
            "Reducing or stopping can cause withdrawal symptoms. For some people they are severe or last a long time, \
             and they are easily mistaken for the original condition coming back.",
            "horowitz_taylor2019",
        ));
        v.push(c(
            "Because the effect on the target levels off at higher doses, equal cuts in effect mean ever smaller cuts \
             in milligrams as the dose gets lower.",
            "horowitz_taylor2019",
        ));
        if d.id != "fluoxetine" {
            v.push(c(
                "Taking it every other day to reduce is likely to cause withdrawal between doses; daily smaller doses \
                 are gentler.",
                "maudsley2024",
            ));
        }
    }
    if d.half_life.longest_active_hours() < 24.0 {
        v.push(c(
            "Its short half-life means levels fall quickly between doses and after a missed or late dose.",
            "maudsley2024",
        ));
    }
    v
}

pub async fn drug(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult<Response> {
    let d = state.catalogue.drug(&id).ok_or(AppError::NotFound)?;
    let p = &d.half_life.parent;
    let mut half_lives = vec![Cited {
        text: format!("{}: half-life {}", d.name, range(p.low_hours, p.high_hours)),
        source: cite(&state, &p.source),
    }];
    half_lives.extend(d.half_life.metabolites.iter().map(|m| Cited {
        text: format!(
            "{} ({}): half-life {}",
            m.name,
            if m.active { "active" } else { "inactive" },
            range(m.low_hours, m.high_hours)
        ),
        source: cite(&state, &m.source),
    }));
    let days = d.half_life.longest_active_hours() * 5.0 / 24.0;
    let steady_state = format!(
        "After a change of dose, levels settle in about five half-lives: roughly {} for {}. Withdrawal after a cut \
         may therefore take that long to show fully.",
        if days < 2.0 { format!("{} hours", n((days * 24.0).round())) } else { format!("{} days", n(days.round())) },
        d.name
    );
    let model = d.default_occupancy().map(|f| {
        let m = EmaxModel::new(f.emax_percent, f.ed50_mg);
        let dose = d.usual_min_dose_mg.unwrap_or(f.ed50_mg * 4.0);
        Cited {
            text: format!(
                "Modelled {} occupancy ({}): {} mg gives about {:.0}%, half of that dose still about {:.0}%, and a \
                 tenth about {:.0}%.",
                d.target,
                f.region,
                n(dose),
                m.occupancy(dose),
                m.occupancy(dose / 2.0),
                m.occupancy(dose / 10.0)
            ),
            source: cite(&state, &f.source),
        }
    });
    let products = d
        .products
        .iter()
        .map(|p| Cited {
            text: if p.markets.is_empty() {
                p.describe()
            } else {
                format!("{} ({})", p.describe(), p.markets.join(", "))
            },
            source: cite(&state, &p.source),
        })
        .collect();
    let page = views::LearnDrug {
        chrome: ctx.chrome("learn"),
        name: d.name.clone(),
        brands: d.brands.join(", "),
        class: d.class.label(),
        target: d.target.clone(),
        about: d.about.clone(),
        half_lives,
        steady_state,
        model,
        notes: notes(&state, d),
        products,
    };
    Ok(page.into_response())
}

/// The glossary, in Taper's own words.
const TERMS: [(&str, &str, &str, &str); 12] = [
    (
        "tolerance",
        "Tolerance",
        "The nervous system adapts to a drug over time, so the same dose does less than it did. It can happen at \
         ordinary doses taken exactly as prescribed.",
        "ashton2002",
    ),
    (
        "tachyphylaxis",
        "Tachyphylaxis",
        "An antidepressant that worked stops working as well, gradually or quite suddenly, although it is still taken \
         the same way.",
        "targum2014",
    ),
    (
        "withdrawal",
        "Withdrawal",
        "Symptoms that come from the body having adapted to a drug, when the dose is lowered or stopped: for example \
         dizziness, electric-shock sensations, anxiety, sleep problems. They are a physical effect of the change, \
         not a sign of weakness.",
        "horowitz_taylor2019",
    ),
    (
        "protracted-withdrawal",
        "Protracted withdrawal",
        "Withdrawal that lasts months or years. In one study of people's accounts it lasted from 5 months to over \
         13 years, most often around two years. It often eases with time.",
        "hengartner2020",
    ),
    (
        "waves-windows",
        "Waves and windows",
        "Words from tapering communities: a wave is a spell when symptoms come back or get worse, a window a spell \
         of relief. They often alternate during recovery.",
        "maudsley2024",
    ),
    (
        "kindling",
        "Kindling",
        "The idea that each stop-and-restart of a drug can make the next withdrawal worse, as seen with repeated \
         alcohol withdrawal. It is proposed, not proven, for benzodiazepines; it is one reason to avoid stopping \
         and starting again.",
        "ballenger_post1978",
    ),
    (
        "tolerance-withdrawal",
        "Tolerance withdrawal",
        "Withdrawal-like symptoms while still taking the same dose, as the body keeps adapting to it.",
        "ashton2002",
    ),
    (
        "dependence",
        "Dependence",
        "The body has adapted to a drug, so reducing or stopping it causes withdrawal. It happens with ordinary, \
         as-prescribed use and says nothing about how a person has used the drug.",
        "ashton2002",
    ),
    (
        "addiction",
        "Addiction",
        "Compulsive use with craving and loss of control despite harm. It is different from dependence: most people \
         on antidepressants or benzodiazepines who have withdrawal are not addicted.",
        "blanco2018",
    ),
    (
        "misuse",
        "Misuse",
        "Taking a drug other than as prescribed (more of it, more often, or someone else's). In a large US survey \
         of people using benzodiazepines, about one in six reported any misuse and fewer than one in fifty had a \
         use disorder.",
        "blanco2018",
    ),
    (
        "hyperbolic-tapering",
        "Hyperbolic tapering",
        "Reducing a drug's effect at its target by equal amounts, which means the milligram cuts get smaller and \
         smaller as the dose approaches zero.",
        "horowitz_taylor2019",
    ),
    (
        "reinstatement",
        "Going back to a tolerated dose",
        "If withdrawal after a cut is severe or does not settle, returning to the last dose that was tolerated, \
         holding there, and then reducing more slowly.",
        "horowitz_taylor2019",
    ),
];

pub async fn glossary(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let terms =
        TERMS.iter().map(|&(id, term, meaning, key)| Term { id, term, meaning, source: cite(&state, key) }).collect();
    Ok(views::Glossary { chrome: ctx.chrome("learn"), terms }.into_response())
}

pub async fn crisis(State(state): State<AppState>, ctx: Ctx, headers: axum::http::HeaderMap) -> AppResult<Response> {
    let user = ctx.user.as_ref();
    // Signed in: the country they chose, else their time zone's. Not signed in: the country the
    // browser's language names, else 112 and the international directory first.
    let language = headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let chosen = match user {
        Some(u) => u.country.as_deref(),
        None => language.and_then(crate::crisis::country_of_language),
    };
    let countries = state.crisis.ordered_for(chosen, user.map(|u| u.time_zone.as_str())).into_iter().cloned().collect();
    Ok(views::Crisis { chrome: ctx.chrome("crisis"), countries }.into_response())
}
