//! Crisis help in an API answer: sent with every answer to a check-in or questionnaire that held
//! an answer about self-harm (a "yes" to the daily question, PHQ-9 question 9 above zero), the
//! answer kept and supporters alerted before anything else, as the web app does. The app is told
//! to show it; Taper cannot make it, so the person's own pages keep it one tap away too.

use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;

/// Where help is, now: shown to the person as it is, before anything else.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Crisis {
    /// What to show first, in words.
    pub message: String,
    /// That the answer was kept, and who was alerted (and who was not, as they do not see it).
    pub alerted: String,
    /// Crisis help for the person's country first, then help anywhere.
    pub countries: Vec<CrisisCountry>,
    /// The person's safety plan and the crisis page on this server (paths).
    pub safety_plan: String,
    pub crisis_page: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CrisisCountry {
    pub country: String,
    /// The emergency number.
    pub emergency: String,
    pub services: Vec<CrisisService>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CrisisService {
    pub name: String,
    pub phone: Option<String>,
    /// A number to text, with `text_word` where one must be sent.
    pub text: Option<String>,
    pub text_word: Option<String>,
    pub url: Option<String>,
    /// When it answers.
    pub when: String,
}

/// Said above the services, as the web page's crisis block says it.
const FIRST: &str = "If you are thinking about ending your life or hurting yourself: you do not have to face this \
    alone. If you are in danger now, call your emergency number. These services are free and will listen. Taper is \
    not watched by anyone in real time.";

/// Crisis help for `user`, with `alerted` (the words said on the web after the same answer).
pub fn for_user(state: &AppState, user: &taper_store::User, alerted: String) -> Crisis {
    let countries = crate::self_harm::crisis_for(state, user)
        .into_iter()
        .map(|c| CrisisCountry {
            country: c.country,
            emergency: c.emergency,
            services: c
                .services
                .into_iter()
                .map(|s| CrisisService {
                    name: s.name,
                    phone: s.phone,
                    text: s.text,
                    text_word: s.text_word,
                    url: s.url,
                    when: s.when,
                })
                .collect(),
        })
        .collect();
    Crisis {
        message: FIRST.to_string(),
        alerted,
        countries,
        safety_plan: "/safety-plan".to_string(),
        crisis_page: "/crisis".to_string(),
    }
}
