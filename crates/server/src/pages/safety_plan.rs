//! The person's own safety plan, in the Stanley–Brown structure (Stanley & Brown 2012): warning
//! signs, ways to cope alone, people and places that distract, people to ask for help,
//! professionals and services, making the surroundings safer, and reasons for living, with an
//! optional named support contact. Editable, printable, and reachable from the crisis help.

use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Person;
use crate::error::{AppError, AppResult};
use crate::views::{self, Field};
use askama::Template;
use askama_web::WebTemplate;

/// The longest answer kept in one section.
pub const MAX_SECTION_CHARS: usize = 2000;

/// The plan as stored (one JSON document per person).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SafetyPlan {
    #[serde(default)]
    pub warning_signs: String,
    #[serde(default)]
    pub coping: String,
    #[serde(default)]
    pub distractions: String,
    #[serde(default)]
    pub people: String,
    #[serde(default)]
    pub professionals: String,
    #[serde(default)]
    pub safer: String,
    #[serde(default)]
    pub reasons: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
}

/// The sections in order: (form name, heading, hint).
pub const SECTIONS: [(&str, &str, &str); 7] = [
    (
        "warning_signs",
        "1. My warning signs",
        "Thoughts, feelings, situations or behaviour that tell me a crisis may be coming.",
    ),
    (
        "coping",
        "2. Things I can do on my own to take my mind off it",
        "Without contacting anyone: a walk, music, a shower, breathing.",
    ),
    (
        "distractions",
        "3. People and places that take my mind off it",
        "Friends, family, a café, a park, a place of worship.",
    ),
    ("people", "4. People I can ask for help", "Names and numbers of people I can tell how I feel."),
    (
        "professionals",
        "5. Professionals and services I can contact",
        "My prescriber, therapist, out-of-hours line and emergency number.",
    ),
    (
        "safer",
        "6. Making my surroundings safer",
        "What I will keep away or give to someone to hold, e.g. medicines beyond today's dose.",
    ),
    ("reasons", "7. My reasons for living", "What matters most to me."),
];

impl SafetyPlan {
    fn from_pairs(pairs: &[(String, String)]) -> SafetyPlan {
        let get = |k: &str| crate::form::value(pairs, k);
        SafetyPlan {
            warning_signs: get("warning_signs"),
            coping: get("coping"),
            distractions: get("distractions"),
            people: get("people"),
            professionals: get("professionals"),
            safer: get("safer"),
            reasons: get("reasons"),
            contact_name: get("contact_name"),
            contact_phone: get("contact_phone"),
        }
    }

    fn section(&self, name: &str) -> &str {
        match name {
            "warning_signs" => &self.warning_signs,
            "coping" => &self.coping,
            "distractions" => &self.distractions,
            "people" => &self.people,
            "professionals" => &self.professionals,
            "safer" => &self.safer,
            "reasons" => &self.reasons,
            _ => "",
        }
    }

    /// Problems with what was typed, by field.
    pub fn errors(&self) -> Vec<Field> {
        let mut out = Vec::new();
        for (name, heading, _) in SECTIONS {
            if self.section(name).chars().count() > MAX_SECTION_CHARS {
                out.push(Field::error(name, format!("{heading}: at most {MAX_SECTION_CHARS} characters.")));
            }
        }
        if self.contact_name.chars().count() > 200 {
            out.push(Field::error("contact_name", "The contact's name: at most 200 characters."));
        }
        let phone_ok = self.contact_phone.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
        if self.contact_phone.chars().count() > 40 || !phone_ok {
            out.push(Field::error("contact_phone", "The contact's number: digits, spaces, +, - and brackets only."));
        }
        out
    }

    /// The contact's number as a `tel:` target, when there is one.
    pub fn contact_tel(&self) -> Option<String> {
        let digits: String = self.contact_phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
        (!digits.is_empty()).then_some(digits)
    }
}

pub async fn load(state: &AppState, user: taper_store::UserId) -> AppResult<SafetyPlan> {
    Ok(state
        .store
        .safety_plan(user)
        .await?
        .map(|s| AppError::stored("safety plan", &s))
        .transpose()?
        .unwrap_or_default())
}

fn page(person: &Person, plan: SafetyPlan, errors: Vec<Field>, saved: bool) -> SafetyPlanPage {
    let sections = SECTIONS
        .iter()
        .map(|(name, heading, hint)| PlanSection { name, heading, hint, value: plan.section(name).to_string() })
        .collect();
    SafetyPlanPage {
        chrome: person.chrome("safety-plan"),
        sections,
        contact_tel: plan.contact_tel(),
        contact_name: plan.contact_name,
        contact_phone: plan.contact_phone,
        errors,
        saved,
    }
}

#[derive(Deserialize)]
pub struct Saved {
    saved: Option<String>,
}

pub async fn show(State(state): State<AppState>, person: Person, Query(q): Query<Saved>) -> AppResult<Response> {
    let plan = load(&state, person.id()).await?;
    Ok(page(&person, plan, vec![], q.saved.is_some()).into_response())
}

pub async fn save(
    State(state): State<AppState>,
    person: Person,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let plan = SafetyPlan::from_pairs(&pairs);
    let errors = plan.errors();
    if !errors.is_empty() {
        return Ok(views::again(page(&person, plan, errors, false)));
    }
    let json = serde_json::to_string(&plan).map_err(|e| AppError::internal("encoding JSON", e))?;
    state.store.save_safety_plan(person.id(), &json, person.now()).await?;
    Ok(Redirect::to("/safety-plan?saved=1").into_response())
}

// View models: what this area's templates show.

#[derive(Template, WebTemplate)]
#[template(path = "safety_plan.html")]
pub struct SafetyPlanPage {
    pub chrome: crate::views::Chrome,
    pub sections: Vec<PlanSection>,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_tel: Option<String>,
    pub errors: Vec<crate::views::Field>,
    pub saved: bool,
}

pub struct PlanSection {
    pub name: &'static str,
    pub heading: &'static str,
    pub hint: &'static str,
    pub value: String,
}
