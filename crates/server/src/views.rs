//! Page templates (askama, compiled in) and the small view models they show. Handlers fill
//! these with text already formatted; templates only lay it out.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// What every page shows around its content.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub csrf: String,
    /// The signed-in person's chosen name.
    pub user: Option<String>,
    /// A clinician or peer supporter (sees a caseload rather than a plan).
    pub supporter: bool,
    /// Which navigation item is current.
    pub nav: &'static str,
}

impl Chrome {
    pub fn anonymous() -> Chrome {
        Chrome { csrf: String::new(), user: None, supporter: false, nav: "" }
    }
    pub fn current(&self, item: &str) -> &'static str {
        if self.nav == item { "page" } else { "false" }
    }
}

/// A form shown again because of what was typed in it (422), with the person's input kept.
pub fn again(page: impl IntoResponse) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// A message on one form field.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub message: String,
}

impl Field {
    pub fn error(name: impl Into<String>, message: impl Into<String>) -> Field {
        Field { name: name.into(), message: message.into() }
    }
}

/// Finds the message for a field, for templates.
pub fn err<'a>(errors: &'a [Field], name: &str) -> &'a str {
    errors.iter().find(|f| f.name == name).map_or("", |f| f.message.as_str())
}

#[derive(Template, WebTemplate)]
#[template(path = "message.html")]
pub struct Message {
    pub chrome: Chrome,
    pub title: String,
    pub message: String,
}

/// A page with only a title and a message, for errors outside any session.
pub fn message_page(title: &str, message: &str) -> Html<String> {
    let m = Message { chrome: Chrome::anonymous(), title: title.into(), message: message.into() };
    Html(m.render().unwrap_or_else(|_| format!("<!doctype html><title>{title}</title><p>{message}</p>")))
}

#[derive(Template, WebTemplate)]
#[template(path = "safety_plan.html")]
pub struct SafetyPlanPage {
    pub chrome: Chrome,
    pub sections: Vec<PlanSection>,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_tel: Option<String>,
    pub errors: Vec<Field>,
    pub saved: bool,
}

pub struct PlanSection {
    pub name: &'static str,
    pub heading: &'static str,
    pub hint: &'static str,
    pub value: String,
}

/// Crisis help first, then signing in again to save PHQ-9 answers a lapsed session could not.
#[derive(Template, WebTemplate)]
#[template(path = "held.html")]
pub struct Held {
    pub chrome: Chrome,
    pub crisis: Vec<crate::crisis::Country>,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct Home {
    pub chrome: Chrome,
}

#[derive(Template, WebTemplate)]
#[template(path = "signup.html")]
pub struct Signup {
    pub chrome: Chrome,
    pub email: String,
    pub display_name: String,
    pub time_zone: String,
    pub zones: Vec<&'static str>,
    pub role: String,
    pub roles: Vec<(&'static str, &'static str)>,
    pub country: String,
    pub countries: &'static [(String, String)],
    pub errors: Vec<Field>,
}

/// Time zones offered at sign-up; any IANA name is accepted.
pub const ZONES: [&str; 43] = [
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Vienna",
    "Europe/Zurich",
    "Europe/Brussels",
    "Europe/Warsaw",
    "Europe/Prague",
    "Europe/Budapest",
    "Europe/Bucharest",
    "Europe/Stockholm",
    "Europe/Oslo",
    "Europe/Copenhagen",
    "Europe/Helsinki",
    "Europe/Athens",
    "Africa/Johannesburg",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Hong_Kong",
    "Asia/Tokyo",
    "Australia/Perth",
    "Australia/Adelaide",
    "Australia/Brisbane",
    "Australia/Sydney",
    "Australia/Melbourne",
    "Pacific/Auckland",
    "America/St_Johns",
    "America/Halifax",
    "America/Toronto",
    "America/New_York",
    "America/Chicago",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "America/Denver",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
];

impl Signup {
    pub fn new(chrome: Chrome, f: &crate::auth::SignupForm, errors: Vec<Field>) -> Signup {
        Signup {
            chrome,
            email: f.email.clone(),
            display_name: f.display_name.clone(),
            time_zone: f.time_zone.clone(),
            zones: ZONES.to_vec(),
            role: f.role.clone(),
            roles: crate::auth::roles(),
            country: f.country.trim().to_string(),
            countries: &crate::crisis::CHOICES,
            errors,
        }
    }
    pub fn err(&self, name: &str) -> &str {
        err(&self.errors, name)
    }
    pub fn is_zone(&self, z: &str) -> bool {
        self.time_zone == z
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct Login {
    pub chrome: Chrome,
    pub email: String,
    pub error: Option<String>,
}

pub struct TodayDose {
    pub date: String,
    pub dose: String,
    pub instruction: String,
    pub details: Vec<String>,
    /// The products' own cautions for today's preparation.
    pub notes: Vec<String>,
    pub hold: bool,
    pub next: Option<String>,
    /// "taken at 08:02", "missed", or empty.
    pub recorded: Option<String>,
    pub missed: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "today.html")]
pub struct Today {
    pub chrome: Chrome,
    pub name: String,
    pub has_plan: bool,
    pub drug: String,
    pub dose: Option<TodayDose>,
    pub starts: Option<String>,
    pub checked_in: bool,
    /// Questionnaires that are due: (key, name).
    pub due: Vec<(&'static str, &'static str)>,
    pub proposals: usize,
    /// A supporter's name when one of the pending suggestions is theirs.
    pub suggested_by: Option<String>,
    pub notice: Option<String>,
}

pub struct ItemView {
    pub key: &'static str,
    pub label: &'static str,
    pub value: usize,
}

pub struct DomainView {
    pub label: &'static str,
    pub items: Vec<ItemView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "checkin.html")]
pub struct CheckIn {
    pub chrome: Chrome,
    pub date: String,
    pub min_date: String,
    pub max_date: String,
    pub editing: bool,
    pub domains: Vec<DomainView>,
    pub severities: [&'static str; 4],
    pub wellbeing: String,
    pub sleep_hours: String,
    pub note: String,
    pub errors: Vec<Field>,
    pub saved: bool,
    pub recent: Vec<(String, String, String)>,
    /// The daily question about self-harm, when the person chose to be asked it.
    pub safety_question: Option<&'static str>,
    pub safety_answers: [&'static str; 2],
    /// "1" when this form's answer was yes (kept on a re-shown form).
    pub safety_value: String,
    /// Shown at once after a "yes", with who was alerted.
    pub crisis: Vec<crate::crisis::Country>,
    pub alert_words: String,
}

impl CheckIn {
    pub fn err(&self, name: &str) -> &str {
        err(&self.errors, name)
    }
}

pub struct ProposalView {
    pub id: String,
    pub title: String,
    pub reason: String,
    /// What accepting does: "Accepting ends your hold: you stay on 12 mg until …".
    pub effect: String,
    /// Who suggested it: a supporter's name, or "your check-ins".
    pub by: String,
    pub data: Vec<String>,
    pub sources: Vec<String>,
    pub status: String,
    pub when: String,
}

pub struct EpisodeView {
    pub kind: &'static str,
    pub start: String,
    pub end: String,
    pub days: i32,
    pub extreme: String,
}

pub struct RevisionView {
    pub number: i64,
    pub effective: String,
    pub reason: String,
    pub summary: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "progress.html")]
pub struct Progress {
    pub chrome: Chrome,
    pub has_plan: bool,
    pub chart: String,
    pub summary: String,
    pub method: String,
    pub episodes: Vec<EpisodeView>,
    pub pending: Vec<ProposalView>,
    pub history: Vec<ProposalView>,
    pub revisions: Vec<RevisionView>,
    pub notice: Option<String>,
}

pub struct DrugOption {
    pub id: String,
    pub label: String,
    pub selected: bool,
}

pub struct ProductOption {
    pub id: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "plan_new.html")]
pub struct PlanNew {
    pub chrome: Chrome,
    pub drugs: Vec<DrugOption>,
    pub drug: String,
    pub drug_name: String,
    pub products: Vec<ProductOption>,
    pub dose: String,
    pub strategy: String,
    pub step: String,
    pub every: String,
    pub start_date: String,
    pub cutter: bool,
    pub syringe: String,
    pub errors: Vec<Field>,
    pub replacing: bool,
    /// Why the suggested pace is slower than usual (from the medication history).
    pub pace_note: Option<String>,
    /// A prescriber's reason for a faster pace, as typed.
    pub justification: String,
    pub confirm_dose: bool,
    /// The dose looked implausible: show the box that confirms it.
    pub ask_confirm: bool,
    pub compounded: String,
    pub strips: String,
    pub scale: String,
    pub final_dose: String,
    pub end_at: String,
    pub micro_taper: bool,
    /// The drug's capsules, for beads counted and contents weighed.
    pub capsules: Vec<CapsuleOption>,
    /// Which market's products are listed ("" for all), and the choices.
    pub market: String,
    pub markets: Vec<&'static str>,
}

pub struct CapsuleOption {
    pub id: String,
    pub label: String,
    pub beads: String,
    pub fill: String,
}

impl PlanNew {
    pub fn err(&self, name: &str) -> &str {
        err(&self.errors, name)
    }
}

pub struct StepView {
    pub date: String,
    pub day: u32,
    pub dose: String,
    pub target: String,
    pub occupancy: String,
    pub instruction: String,
    /// Product cautions, on the first step that uses the product.
    pub notes: Vec<String>,
    pub current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "plan_preview.html")]
pub struct PlanPreview {
    pub chrome: Chrome,
    pub drug_name: String,
    pub strategy: String,
    pub step_limit: String,
    pub model: String,
    pub status: String,
    pub warnings: Vec<String>,
    pub steps: Vec<StepView>,
    pub chart: String,
    /// The submitted form, re-sent on save.
    pub hidden: Vec<(String, String)>,
    /// A plan with no step yet cannot be saved.
    pub can_save: bool,
    /// What would let a stopped plan go on, offered as a button: its words and the form it sends.
    pub try_with: Option<(String, Vec<(String, String)>)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "plan.html")]
pub struct PlanPage {
    pub chrome: Chrome,
    pub has_plan: bool,
    pub drug_name: String,
    pub strategy: String,
    pub step_limit: String,
    pub status: String,
    pub hold: Option<String>,
    pub warnings: Vec<String>,
    pub steps: Vec<StepView>,
    pub revisions: Vec<RevisionView>,
    pub disclaimer: &'static str,
}

pub struct DrugLink {
    pub id: String,
    pub name: String,
    pub class: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "learn_index.html")]
pub struct LearnIndex {
    pub chrome: Chrome,
    pub drugs: Vec<DrugLink>,
}

pub struct Cited {
    pub text: String,
    pub source: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "learn_drug.html")]
pub struct LearnDrug {
    pub chrome: Chrome,
    pub name: String,
    /// "Zoloft, Lustral", or empty.
    pub brands: String,
    pub class: &'static str,
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
    pub chrome: Chrome,
    pub terms: Vec<Term>,
}

#[derive(Template, WebTemplate)]
#[template(path = "crisis.html")]
pub struct Crisis {
    pub chrome: Chrome,
    pub countries: Vec<crate::crisis::Country>,
}

/// One browser signed in to the account.
pub struct SessionView {
    pub signed_in: String,
    pub last_active: String,
    pub this: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
pub struct Account {
    pub chrome: Chrome,
    pub email: String,
    pub name: String,
    pub time_zone: String,
    pub zones: Vec<&'static str>,
    pub country: String,
    pub countries: &'static [(String, String)],
    pub daily_safety: bool,
    pub daily_question: &'static str,
    pub is_person: bool,
    pub created: String,
    pub sessions: Vec<SessionView>,
    pub error: Option<String>,
    pub notice: Option<String>,
}

impl Account {
    pub fn is_zone(&self, z: &str) -> bool {
        self.time_zone == z
    }
}

pub struct QuestionView {
    pub n: usize,
    pub text: &'static str,
    pub value: Option<usize>,
}

impl QuestionView {
    pub fn is(&self, answer: &usize) -> bool {
        self.value == Some(*answer)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "questionnaire_form.html")]
pub struct QuestionnaireForm {
    pub chrome: Chrome,
    pub key: &'static str,
    pub name: &'static str,
    pub stem: &'static str,
    pub questions: Vec<QuestionView>,
    pub answers: [&'static str; 4],
    /// PHQ-9's unscored closing question and its answers.
    pub difficulty: Option<(&'static str, [&'static str; 4])>,
    pub difficulty_value: Option<usize>,
    pub attribution: &'static str,
    pub errors: Vec<Field>,
    /// Shown at once when item 9 was answered above zero, even if the form has other problems.
    pub crisis: Vec<crate::crisis::Country>,
}

impl QuestionnaireForm {
    pub fn difficulty_is(&self, a: &usize) -> bool {
        self.difficulty_value == Some(*a)
    }
}

pub struct ScoreView {
    pub date: String,
    pub name: &'static str,
    pub total: u32,
    pub max: u32,
    pub band: String,
    pub change: String,
    /// PHQ-9's unscored closing answer, in words; empty when not answered.
    pub difficulty: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "questionnaires.html")]
pub struct Questionnaires {
    pub chrome: Chrome,
    pub due: Vec<(&'static str, &'static str, String)>,
    pub history: Vec<ScoreView>,
    pub attribution: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "questionnaire_result.html")]
pub struct QuestionnaireResult {
    pub chrome: Chrome,
    pub score: ScoreView,
    pub item9: bool,
    /// Who an urgent flag reached, by name.
    pub alerted: crate::pages::questionnaires::Alerts,
    pub not_told: &'static str,
    pub crisis: Vec<crate::crisis::Country>,
}

pub struct ShareView {
    pub id: String,
    /// What they see, in words.
    pub sees: String,
    pub choices: Vec<CategoryView>,
    pub name: String,
    pub role: String,
    pub can_propose: bool,
    pub since: String,
    pub revoked: Option<String>,
}

pub struct LogView {
    pub at: String,
    pub who: String,
    pub what: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "sharing.html")]
pub struct Sharing {
    pub chrome: Chrome,
    /// The invitation form's boxes, all ticked.
    pub categories: Vec<CategoryView>,
    pub shares: Vec<ShareView>,
    pub log: Vec<LogView>,
    /// Older entries not shown (they are in the export).
    pub log_more: usize,
    pub pending: Vec<InviteView>,
    pub new_code: Option<(String, String)>,
    pub notice: Option<String>,
}

/// One part of the record a person may share, as a checkbox.
pub struct CategoryView {
    pub key: &'static str,
    pub text: &'static str,
    pub checked: bool,
}

/// An invitation nobody has accepted yet, as its owner sees it.
pub struct InviteView {
    pub handle: String,
    pub label: String,
    pub sees: String,
    pub can_propose: bool,
    pub made: String,
    pub expires: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "join.html")]
pub struct Join {
    pub chrome: Chrome,
    pub code: String,
    pub error: Option<String>,
}

pub struct FlagView {
    pub key: String,
    pub urgency: &'static str,
    pub title: String,
    pub data: Vec<String>,
    pub source: String,
    /// Whether this viewer may close it (urgent flags: clinicians only, for themselves).
    pub can_resolve: bool,
    /// Other supporters' notes on it: "Dr Lee: called, safe".
    pub others: Vec<String>,
}

pub struct CaseView {
    pub id: String,
    pub name: String,
    pub dose: String,
    pub flags: Vec<FlagView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "caseload.html")]
pub struct Caseload {
    pub chrome: Chrome,
    pub people: Vec<CaseView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "person.html")]
pub struct PersonPage {
    pub chrome: Chrome,
    pub id: String,
    pub name: String,
    pub can_propose: bool,
    pub summary: String,
    pub dose: String,
    pub chart: String,
    pub flags: Vec<FlagView>,
    pub resolved: Vec<(String, String, String, String)>,
    pub scores: Vec<ScoreView>,
    pub checkins: Vec<(String, String, String, String)>,
    pub notice: Option<String>,
    pub assessments: Vec<(String, String, String)>,
    pub pace: String,
    pub step_unit: String,
    /// This supporter's own suggestions and what became of them: (date, title, outcome).
    pub mine: Vec<(String, String, String)>,
}

pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

pub struct Question {
    pub name: &'static str,
    pub legend: &'static str,
    pub choices: Vec<Choice>,
    pub selected: String,
}

pub struct ReasonView {
    pub text: &'static str,
    pub points_to: &'static str,
    pub source: String,
}

pub struct AssessmentView {
    pub date: String,
    pub leaning: String,
    pub note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "assess.html")]
pub struct Assess {
    pub chrome: Chrome,
    pub questions: Vec<Question>,
    pub note: String,
    pub error: Option<String>,
    pub result: Option<(String, Vec<ReasonView>)>,
    pub caveat: &'static str,
    pub history: Vec<AssessmentView>,
}

pub struct EventView {
    pub id: String,
    pub date: String,
    pub drug: String,
    pub what: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "history.html")]
pub struct History {
    pub chrome: Chrome,
    pub events: Vec<EventView>,
    pub kinds: Vec<Choice>,
    pub drugs: Vec<(String, String)>,
    pub concurrent: u32,
    pub intermittent: bool,
    pub past_severe: bool,
    pub factors: Vec<Cited>,
    pub explanation: String,
    pub error: Option<String>,
}
