//! After a stop or cut that went too fast: the reinstatement aid (seed 004). The answers go to
//! core (`reinstate::aid`), which says what the guidelines say and never gives a dose; nothing
//! is saved. The answers are posted, so nothing about the person's medication goes into the
//! address bar or the browser's history.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use taper_core::reinstate::{self, Change, Situation};
use taper_core::units;

use crate::AppState;
use crate::auth::Person;
use crate::pages::learn::Cited;
use crate::views::Field;
use askama::Template;
use askama_web::WebTemplate;

/// The answers as typed, so a bad one comes back beside the others.
#[derive(Debug, Clone, Default)]
struct Answers {
    drug: String,
    previous: String,
    change: String,
    cut_to: String,
    since: String,
    restarts: bool,
}

impl Answers {
    fn from_pairs(pairs: &[(String, String)]) -> Answers {
        let get = |k: &str| crate::form::value(pairs, k);
        Answers {
            drug: get("drug"),
            previous: get("previous"),
            change: get("change"),
            cut_to: get("cut_to"),
            since: get("since"),
            restarts: get("restarts") == "yes",
        }
    }

    /// Every answer checked at once; core checks what the answers mean together.
    fn situation<'a>(&self, state: &'a AppState, today: Date, errors: &mut Vec<Field>) -> Option<Situation<'a>> {
        let drug = state.catalogue.drug(&self.drug);
        if drug.is_none() {
            errors.push(Field::error("drug", "Choose the medication."));
        }
        let dose = |field: &str, v: &str, what: &str, errors: &mut Vec<Field>| {
            // The label says mg: a blank or a word gets the question back, not a unit lesson.
            units::parse_positive_dose(field, &format!("{}mg", v.trim()))
                .map_err(|_| errors.push(Field::error(field, format!("{what}, e.g. 20."))))
                .ok()
        };
        let previous = dose("previous", &self.previous, "The last daily dose you took without trouble, in mg", errors);
        let change = match self.change.as_str() {
            "stopped" => Some(Change::Stopped),
            "cut" => {
                dose("cut_to", &self.cut_to, "The daily dose you take now, in mg", errors).map(|to| Change::Cut { to })
            }
            _ => {
                errors.push(Field::error("change", "Say whether you stopped, or cut to a lower dose."));
                None
            }
        };
        let days_since = match self.since.trim().parse::<Date>() {
            Ok(d) if d <= today => u32::try_from((today - d).get_days()).ok(),
            Ok(_) => {
                errors.push(Field::error("since", "The date of the stop or cut cannot be after today."));
                None
            }
            Err(_) => {
                errors.push(Field::error("since", "Give the date of the stop or cut, e.g. 2026-11-20."));
                None
            }
        };
        Some(Situation {
            drug: drug?,
            previous: previous?,
            change: change?,
            days_since: days_since?,
            earlier_restarts: self.restarts,
        })
    }
}

pub async fn form(State(state): State<AppState>, person: Person) -> Response {
    Reinstate::form(&state, &person, &Answers::default()).into_response()
}

pub async fn show(State(state): State<AppState>, person: Person, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let answers = Answers::from_pairs(&pairs);
    let mut page = Reinstate::form(&state, &person, &answers);
    let mut errors = Vec::new();
    let situation = answers.situation(&state, person.today(), &mut errors);
    match situation.filter(|_| errors.is_empty()).map(|s| reinstate::aid(&s)) {
        Some(Ok(aid)) => {
            page.aid = Some(AidView::new(&state, &aid));
            page.into_response()
        }
        Some(Err(e)) => {
            page.errors = vec![Field::error(e.field.clone(), taper_core::units::capitalise(&e.message))];
            crate::views::again(page)
        }
        None => {
            page.errors = errors;
            crate::views::again(page)
        }
    }
}

// View models: what this area's templates show.

pub struct AidView {
    pub summary: String,
    pub urgent: Option<Cited>,
    pub options: Vec<Cited>,
    pub watch: Vec<Cited>,
    pub ask: Vec<String>,
    pub then: Vec<Cited>,
}

impl AidView {
    fn new(state: &AppState, aid: &reinstate::Aid) -> AidView {
        let cite = |p: &reinstate::Point| Cited {
            text: p.text.clone(),
            source: p.source.map(|s| state.catalogue.cite(s)).unwrap_or_default(),
        };
        AidView {
            summary: aid.summary.clone(),
            urgent: aid.urgent.as_ref().map(cite),
            options: aid.options.iter().map(cite).collect(),
            watch: aid.watch.iter().map(cite).collect(),
            ask: aid.ask.clone(),
            then: aid.then.iter().map(cite).collect(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "reinstate.html")]
pub struct Reinstate {
    pub chrome: crate::views::Chrome,
    /// (id, name, chosen).
    pub drugs: Vec<(String, String, bool)>,
    /// The drugs the aid has no sources for, named so their absence from the list is explained.
    pub not_covered: String,
    pub previous: String,
    pub change: String,
    pub cut_to: String,
    pub since: String,
    pub restarts: bool,
    pub errors: Vec<Field>,
    pub aid: Option<AidView>,
}

impl Reinstate {
    fn form(state: &AppState, person: &Person, a: &Answers) -> Reinstate {
        Reinstate {
            chrome: person.chrome("learn"),
            drugs: state
                .catalogue
                .drugs()
                .iter()
                .filter(|d| taper_core::reinstate::covers(d.class))
                .map(|d| (d.id.clone(), d.name.clone(), d.id == a.drug))
                .collect(),
            not_covered: state
                .catalogue
                .drugs()
                .iter()
                .filter(|d| !taper_core::reinstate::covers(d.class))
                .map(|d| d.name.clone())
                .collect::<Vec<_>>()
                .join(", "),
            previous: a.previous.clone(),
            change: a.change.clone(),
            cut_to: a.cut_to.clone(),
            since: a.since.clone(),
            restarts: a.restarts,
            errors: Vec::new(),
            aid: None,
        }
    }

    pub fn err(&self, name: &str) -> &str {
        crate::views::err(&self.errors, name)
    }
}
