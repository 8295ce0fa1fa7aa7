//! PHQ-9 and GAD-7 for the person: scheduled every 14 days, scored with bands and reliable
//! change. An item-9 answer above zero shows crisis resources in the very same response and
//! never blocks saving.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use taper_core::measures::{ANSWERS, ATTRIBUTION, Answers, Change, DIFFICULTY_ANSWERS, Instrument, difficulty_words};
use taper_store::QuestionnaireRecord;

use crate::AppState;
use crate::auth::Person;
use crate::error::{AppError, AppResult};
use crate::self_harm::{Alerts, NOT_TOLD, alerted, answers_of, difficulty_of, item9_of, keep, kept_words};
use crate::views::{self, Field};
use askama::Template;
use askama_web::WebTemplate;
use taper_core::measures::QUESTIONNAIRE_EVERY_DAYS;

fn instrument(key: &str) -> AppResult<Instrument> {
    Instrument::from_key(key).ok_or(AppError::NotFound)
}

/// The person's dose changes and how long their drug takes to settle, to read a questionnaire
/// with withdrawal in mind (clinical review W8).
struct Cuts {
    changes: Vec<taper_core::course::Change>,
    settle_days: f64,
}

impl Cuts {
    async fn load(state: &AppState, person: &Person) -> AppResult<Cuts> {
        // Every plan's cuts (several at once): only their dates are read here.
        let courses = crate::timeline::Course::load_all(state, person.id()).await?;
        let (changes, settle_days) = crate::timeline::cuts_of_all(&courses, &state.catalogue, person.today());
        Ok(Cuts { changes, settle_days })
    }

    fn worsened_after_cut(
        &self,
        state: &AppState,
        inst: Instrument,
        against: Against,
        total: u32,
        date: jiff::civil::Date,
    ) -> bool {
        let s = state.measures.of(inst);
        [against.first, against.previous]
            .into_iter()
            .flatten()
            .any(|p| s.change(p.total, total) == Change::ReliableDeterioration)
            && self.caution(inst, date).is_some()
    }

    /// Core's caution for a worsening on `date`, if it came while levels were settling after a cut.
    fn caution(&self, inst: Instrument, date: jiff::civil::Date) -> Option<String> {
        let cut = taper_core::course::last_cut(&self.changes, date);
        taper_core::measures::withdrawal_caution(inst, cut.map(|c| (date - c.date).get_days()), self.settle_days)
    }
}

/// What a score is read against (`measures::compared_with`: never a retake the same day), and
/// whether it retakes one taken that day.
#[derive(Clone, Copy)]
struct Against<'a> {
    first: Option<&'a QuestionnaireRecord>,
    previous: Option<&'a QuestionnaireRecord>,
    retake: bool,
}

impl<'a> Against<'a> {
    /// `earlier`: the same questionnaire's scores before this one, oldest first.
    fn of(earlier: &[&'a QuestionnaireRecord], on: jiff::civil::Date) -> Against<'a> {
        let (first, previous) = taper_core::measures::compared_with(earlier, on, |r| r.date);
        Against { first: first.copied(), previous: previous.copied(), retake: earlier.iter().any(|r| r.date == on) }
    }
}

/// The score against the last one and, when they differ, the first (walk-through round 3: the
/// first result says later ones are compared with it, so they are — 4, 13, 14 read "no reliable
/// change" against 13 only).
fn change_text(
    state: &AppState,
    inst: Instrument,
    against: Against,
    (total, items): (u32, &[u8]),
    (cuts, date): (&Cuts, jiff::civil::Date),
) -> String {
    let s = state.measures.of(inst);
    let (Some(first), Some(p)) = (against.first, against.previous) else {
        if against.retake {
            return "Taken again the same day: both ask about the same two weeks, so this one is not read as a change from the other. Later scores are compared with it.".into();
        }
        return "Your first score: later ones are compared with it and with the one before.".into();
    };
    let mut t = match s.change(p.total, total) {
        Change::ReliableDeterioration => {
            format!("Up {} from {} on {}: a reliable worsening.", total - p.total, p.total, p.date)
        }
        Change::ReliableImprovement => {
            format!("Down {} from {} on {}: a reliable improvement.", p.total - total, p.total, p.date)
        }
        Change::NoReliableChange => format!("{} on {}: no reliable change.", p.total, p.date),
    };
    if first.id != p.id {
        t.push_str(&format!(" Since your first score, {} on {}: ", first.total, first.date));
        t.push_str(&match s.change(first.total, total) {
            Change::ReliableDeterioration => format!("up {}, a reliable worsening.", total - first.total),
            Change::ReliableImprovement => format!("down {}, a reliable improvement.", first.total - total),
            Change::NoReliableChange => "no reliable change.".into(),
        });
    }
    let worse = [p.total, first.total].iter().any(|b| s.change(*b, total) == Change::ReliableDeterioration);
    if let Some(c) = cuts.caution(inst, date).filter(|_| worse) {
        t.push(' ');
        t.push_str(&c);
        if let Some(e) = taper_core::measures::rise_mostly_elsewhere(inst, &p.answers, items) {
            t.push(' ');
            t.push_str(&e);
        }
    }
    t
}

pub async fn index(State(state): State<AppState>, person: Person) -> AppResult<Response> {
    let qs = state.store.questionnaires(person.id()).await?;
    let today = person.today();
    let due = Instrument::ALL
        .iter()
        .map(|&i| {
            let last = qs.iter().rev().find(|q| q.instrument == i.key());
            let status = match last {
                None => "not done yet — due now".to_string(),
                Some(q) => {
                    let due = taper_core::course::after(q.date, QUESTIONNAIRE_EVERY_DAYS);
                    if due <= today { format!("due (last done {})", q.date) } else { format!("next due {due}") }
                }
            };
            (i.key(), i.name(), status)
        })
        .collect();
    let cuts = Cuts::load(&state, &person).await?;
    let mut history = Vec::new();
    for (k, q) in qs.iter().enumerate() {
        let Some(inst) = Instrument::from_key(&q.instrument) else { continue };
        let earlier: Vec<&QuestionnaireRecord> = qs[..k].iter().filter(|p| p.instrument == q.instrument).collect();
        let against = Against::of(&earlier, q.date);
        history.push(ScoreView {
            date: q.date.to_string(),
            name: inst.name(),
            total: q.total,
            max: inst.max(),
            band: state.measures.of(inst).band(q.total).to_string(),
            withdrawal: cuts.worsened_after_cut(&state, inst, against, q.total, q.date),
            change: change_text(&state, inst, against, (q.total, &q.answers), (&cuts, q.date)),
            difficulty: q.difficulty.and_then(difficulty_words).unwrap_or_default(),
            item9: item9_words(q.item9),
        });
    }
    history.reverse();
    let kept = kept_alone(&state, person.id(), &qs).await?;
    let any_item9 = history.iter().any(|h| !h.item9.is_empty());
    Ok(Questionnaires {
        chrome: person.chrome("questionnaires"),
        due,
        history,
        any_item9,
        kept,
        attribution: ATTRIBUTION,
    }
    .into_response())
}

/// Answers to PHQ-9 question 9 kept on their own (the rest not completed), newest first: the
/// person's own record shows what their supporters see (a walk found them only on the
/// supporter's side). One matching a completed PHQ-9 of its day is that PHQ-9's.
async fn kept_alone(
    state: &AppState,
    user: taper_store::UserId,
    qs: &[QuestionnaireRecord],
) -> AppResult<Vec<(String, &'static str)>> {
    let completed = |d: jiff::civil::Date, v: u8| {
        qs.iter().any(|q| q.instrument == Instrument::Phq9.key() && q.date == d && q.item9 == Some(v))
    };
    let mut out: Vec<(String, &'static str)> = state
        .store
        .signals(user)
        .await?
        .into_iter()
        .filter(|s| s.value > 0 && !completed(s.date, s.value))
        .map(|s| {
            let words = taper_core::measures::ANSWERS.get(usize::from(s.value)).copied().unwrap_or_default();
            (s.date.to_string(), words)
        })
        .collect();
    out.reverse();
    Ok(out)
}

fn form_page(
    person: &Person,
    inst: Instrument,
    values: &[Option<u8>],
    difficulty: Option<u8>,
    errors: Vec<Field>,
    crisis: Vec<crate::crisis::Country>,
) -> QuestionnaireForm {
    QuestionnaireForm {
        chrome: person.chrome("questionnaires"),
        key: inst.key(),
        name: inst.name(),
        stem: inst.stem(),
        questions: inst
            .items()
            .iter()
            .enumerate()
            .map(|(i, text)| QuestionView { n: i + 1, text, value: values.get(i).copied().flatten().map(usize::from) })
            .collect(),
        answers: ANSWERS,
        difficulty: inst.asks_difficulty().then_some((inst.difficulty_question(), DIFFICULTY_ANSWERS)),
        difficulty_value: difficulty.map(usize::from),
        attribution: ATTRIBUTION,
        errors,
        crisis,
    }
}

pub async fn form(person: Person, Path(key): Path<String>) -> AppResult<Response> {
    let inst = instrument(&key)?;
    Ok(form_page(&person, inst, &[], None, vec![], vec![]).into_response())
}

/// How soon the same answers sent again are taken for a reload of the result page rather than
/// the questionnaire taken again.
const RESENT_WITHIN: jiff::SignedDuration = jiff::SignedDuration::from_mins(10);

/// The person's results of `inst`, oldest first.
pub async fn mine(
    state: &AppState,
    user: taper_store::UserId,
    inst: Instrument,
) -> AppResult<Vec<QuestionnaireRecord>> {
    Ok(state.store.questionnaires(user).await?.into_iter().filter(|q| q.instrument == inst.key()).collect())
}

/// The last of `mine` when `values` and `difficulty` are the same submission sent again: a reload
/// of the result page sends the same answers (a walk stored a second GAD-7), as does an app
/// retrying; kept once and read as it was the first time.
pub fn resent<'a>(
    mine: &'a [QuestionnaireRecord],
    values: &[Option<u8>],
    difficulty: Option<u8>,
    today: jiff::civil::Date,
    now: jiff::Timestamp,
) -> Option<&'a QuestionnaireRecord> {
    mine.last().filter(|last| {
        let same: Option<Vec<u8>> = values.iter().copied().collect();
        let recent = now.duration_since(last.created_at) < RESENT_WITHIN;
        last.date == today && same.as_deref() == Some(&last.answers[..]) && last.difficulty == difficulty && recent
    })
}

pub async fn save(
    State(state): State<AppState>,
    person: Person,
    Path(key): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let inst = instrument(&key)?;
    let values = answers_of(inst, &pairs);
    let crisis = crate::self_harm::crisis_for(&state, &person.user);
    let item9_raised = item9_of(inst, &values).is_some();
    let mine = mine(&state, person.id(), inst).await?;
    let today = person.today();
    let difficulty = difficulty_of(inst, &pairs);
    let resent = resent(&mine, &values, difficulty, today, person.now());
    let before = if resent.is_some() { &mine[..mine.len() - 1] } else { &mine[..] };
    let earlier: Vec<&QuestionnaireRecord> = before.iter().collect();
    let against = Against::of(&earlier, today);
    // Before anything can go wrong: an item-9 answer is kept and flags every supporter (a
    // resubmission's was kept the first time).
    let saved = match resent {
        Some(last) => Some(Answers::new(inst, &last.answers).map_err(|e| AppError::BadRequest(e.to_string()))?),
        None => keep(&state, person.id(), inst, &values, difficulty, today, person.now()).await?,
    };
    let alerted = if item9_raised { alerted(&state, person.id()).await? } else { Alerts::default() };
    let Some(answers) = saved else {
        let mut missing: Vec<Field> = values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_none())
            .map(|(i, _)| Field::error(format!("item{}", i + 1), format!("Question {} has no answer.", i + 1)))
            .collect();
        if item9_raised {
            missing.insert(0, Field::error("item9", kept_words(&alerted)));
        }
        let shown = if item9_raised { crisis } else { vec![] };
        return Ok(views::again(form_page(&person, inst, &values, difficulty, missing, shown)));
    };
    let cuts = Cuts::load(&state, &person).await?;
    let page = QuestionnaireResult {
        chrome: person.chrome("questionnaires"),
        score: ScoreView {
            date: today.to_string(),
            name: inst.name(),
            total: answers.total(),
            max: inst.max(),
            band: state.measures.of(inst).band(answers.total()).to_string(),
            withdrawal: cuts.worsened_after_cut(&state, inst, against, answers.total(), today),
            change: change_text(&state, inst, against, (answers.total(), answers.items()), (&cuts, today)),
            difficulty: difficulty.and_then(difficulty_words).unwrap_or_default(),
            item9: item9_words(
                answers.items().get(taper_core::measures::ITEM9_INDEX).copied().filter(|_| inst == Instrument::Phq9),
            ),
        },
        item9: item9_raised,
        alerted,
        not_told: NOT_TOLD,
        crisis: if item9_raised { crisis } else { vec![] },
    };
    Ok(page.into_response())
}

// View models: what this area's templates show.

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
    pub chrome: crate::views::Chrome,
    pub key: &'static str,
    pub name: &'static str,
    pub stem: &'static str,
    pub questions: Vec<QuestionView>,
    pub answers: [&'static str; 4],
    /// The unscored closing question and its answers.
    pub difficulty: Option<(&'static str, [&'static str; 4])>,
    pub difficulty_value: Option<usize>,
    pub attribution: &'static str,
    pub errors: Vec<crate::views::Field>,
    /// Shown at once when item 9 was answered above zero, even if the form has other problems.
    pub crisis: Vec<crate::crisis::Country>,
}

impl QuestionnaireForm {
    /// Under the button: a lapsed session loses nothing sent on this form.
    pub fn lapse_hint(&self) -> String {
        crate::lapsed::hint()
    }

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
    /// The unscored closing answer, in words; empty when not answered.
    pub difficulty: &'static str,
    /// A worsening soon after a cut: point to the withdrawal-or-return aid.
    pub withdrawal: bool,
    /// PHQ-9's question 9 answered above zero, in its answer's words; empty otherwise. Shown
    /// wherever the score is (a walk: after the result page nothing marked it).
    pub item9: &'static str,
}

/// The words of a PHQ-9 question-9 answer above zero; empty for zero or none.
pub fn item9_words(item9: Option<u8>) -> &'static str {
    item9
        .filter(|v| *v > 0)
        .and_then(|v| taper_core::measures::ANSWERS.get(usize::from(v)).copied())
        .unwrap_or_default()
}

#[derive(Template, WebTemplate)]
#[template(path = "questionnaires.html")]
pub struct Questionnaires {
    pub chrome: crate::views::Chrome,
    pub due: Vec<(&'static str, &'static str, String)>,
    pub history: Vec<ScoreView>,
    /// Some score above has question 9 above zero.
    pub any_item9: bool,
    /// Question 9 answered on its own: (day, answer).
    pub kept: Vec<(String, &'static str)>,
    pub attribution: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "questionnaire_result.html")]
pub struct QuestionnaireResult {
    pub chrome: crate::views::Chrome,
    pub score: ScoreView,
    pub item9: bool,
    /// Who an urgent flag reached, by name.
    pub alerted: crate::self_harm::Alerts,
    pub not_told: &'static str,
    pub crisis: Vec<crate::crisis::Country>,
}
