//! Education pages generated from the catalogue, the glossary, and crisis resources. Open to
//! everyone, signed in or not.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use taper_core::teaching;

use crate::AppState;
use crate::auth::Ctx;
use crate::error::{AppError, AppResult};
use askama::Template;
use askama_web::WebTemplate;

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let mut drugs: Vec<DrugLink> = state
        .catalogue
        .drugs()
        .iter()
        .map(|d| DrugLink { id: d.id.clone(), name: d.name.clone(), class: d.class.label() })
        .collect();
    drugs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(LearnIndex { chrome: ctx.chrome("learn"), drugs }.into_response())
}

pub async fn drug(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult<Response> {
    let d = state.catalogue.drug(&id).ok_or(AppError::NotFound)?;
    let cited = |n: teaching::Note| Cited { source: state.catalogue.cite(&n.source), text: n.text };
    let half_lives = teaching::half_lives(d).into_iter().map(cited).collect();
    let steady_state = teaching::steady_state(d);
    let model = teaching::occupancy_illustration(d).map(cited);
    let products = d
        .products
        .iter()
        .map(|p| Cited {
            text: if p.markets.is_empty() {
                p.describe()
            } else {
                format!("{} ({})", p.describe(), p.markets.join(", "))
            },
            source: state.catalogue.cite(&p.source),
        })
        .collect();
    let page = LearnDrug {
        chrome: ctx.chrome("learn"),
        name: d.name.clone(),
        brands: d.brands.join(", "),
        // "An antipsychotic", "A benzodiazepine" (walk-through: "A antipsychotic").
        class: {
            let a = d.class.with_article();
            let mut c = a.chars();
            c.next().map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
        },
        target: d.target.clone(),
        about: d.about.clone(),
        half_lives,
        steady_state,
        model,
        notes: teaching::notes(d).into_iter().map(cited).collect(),
        products,
    };
    Ok(page.into_response())
}

pub async fn glossary(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let terms = teaching::GLOSSARY
        .iter()
        .map(|t| Term { id: t.id, term: t.term, meaning: t.meaning, source: state.catalogue.cite(t.source) })
        .collect();
    Ok(Glossary { chrome: ctx.chrome("learn"), terms }.into_response())
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
    Ok(Crisis { chrome: ctx.chrome("crisis"), countries }.into_response())
}

// View models: what this area's templates show.

pub struct DrugLink {
    pub id: String,
    pub name: String,
    pub class: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "learn_index.html")]
pub struct LearnIndex {
    pub chrome: crate::views::Chrome,
    pub drugs: Vec<DrugLink>,
}

pub struct Cited {
    pub text: String,
    pub source: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "learn_drug.html")]
pub struct LearnDrug {
    pub chrome: crate::views::Chrome,
    pub name: String,
    /// "Zoloft, Lustral", or empty.
    pub brands: String,
    /// The class with its article, capitalised: "An SSRI".
    pub class: String,
    pub target: String,
    pub about: String,
    pub half_lives: Vec<Cited>,
    pub steady_state: String,
    pub model: Option<Cited>,
    pub notes: Vec<Cited>,
    pub products: Vec<Cited>,
}

pub struct Term {
    pub id: &'static str,
    pub term: &'static str,
    pub meaning: &'static str,
    pub source: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "glossary.html")]
pub struct Glossary {
    pub chrome: crate::views::Chrome,
    pub terms: Vec<Term>,
}

#[derive(Template, WebTemplate)]
#[template(path = "crisis.html")]
pub struct Crisis {
    pub chrome: crate::views::Chrome,
    pub countries: Vec<crate::crisis::Country>,
}
