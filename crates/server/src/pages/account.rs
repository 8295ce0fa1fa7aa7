//! The account: time zone, download everything (JSON, CSV), delete everything.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use taper_core::symptoms::CHECKLIST;

use crate::AppState;
use crate::auth::{Person, verify_password};
use crate::error::{AppError, AppResult};
use crate::views::{self, ZONES};
use askama::Template;
use askama_web::WebTemplate;

pub(crate) async fn page(
    state: &AppState,
    person: &Person,
    error: Option<String>,
    notice: Option<String>,
) -> AppResult<Account> {
    Ok(Account {
        chrome: person.chrome("account"),
        email: person.user.email.clone(),
        name: person.user.display_name.clone(),
        time_zone: person.user.time_zone.clone(),
        zones: ZONES.to_vec(),
        country: person.user.country.clone().unwrap_or_default(),
        countries: &crate::crisis::CHOICES,
        daily_safety: person.user.daily_safety,
        daily_question: taper_core::measures::DAILY_SAFETY_QUESTION,
        is_person: !person.user.role.is_supporter(),
        created: person.user.created_at.to_zoned_datetime(person.tz.clone()).date().to_string(),
        sessions: sessions(state, person).await?,
        reminders: super::reminders::view(state, person).await?,
        error,
        notice,
    })
}

/// The browsers signed in to this account: when each signed in, when it was last active, and
/// which one is asking.
async fn sessions(state: &AppState, person: &Person) -> AppResult<Vec<SessionView>> {
    let mine = crate::sessions::this_browser(&person.ctx.session);
    let when = |secs: Option<i64>| {
        secs.and_then(|s| jiff::Timestamp::from_second(s).ok())
            .map(|t| t.to_zoned_datetime(person.tz.clone()).strftime("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|| "unknown".into())
    };
    Ok(state
        .store
        .sessions_of_user(person.id(), person.now())
        .await?
        .into_iter()
        .map(|(key, data, _)| {
            let (signed_in, seen) = crate::sessions::session_times(&data);
            let device = crate::sessions::session_device(&data).unwrap_or_else(|| "A browser".to_string());
            SessionView { device, signed_in: when(signed_in), last_active: when(seen), this: key == mine }
        })
        .collect())
}

/// `?saved=…` after a setting is changed, so the page says so (walk-through N14: nothing said
/// "Saved").
#[derive(Deserialize)]
pub struct Saved {
    saved: Option<String>,
}

pub async fn show(State(state): State<AppState>, person: Person, Query(q): Query<Saved>) -> AppResult<Response> {
    let notice = match q.saved.as_deref() {
        Some("time-zone") => Some(format!("Saved: your time zone is {}.", person.user.time_zone)),
        Some("country") => Some("Saved: where you live. Crisis help for it comes first.".to_string()),
        Some("reminders") => Some("Saved: your reminders.".to_string()),
        Some("daily-safety") => Some(if person.user.daily_safety {
            "Saved: you will be asked the daily question.".to_string()
        } else {
            "Saved: the daily question is off.".to_string()
        }),
        _ => None,
    };
    Ok(page(&state, &person, None, notice).await?.into_response())
}

/// Signs out every other browser; this one stays signed in.
pub async fn sign_out_others(State(state): State<AppState>, person: Person) -> AppResult<Response> {
    let keep = crate::sessions::this_browser(&person.ctx.session);
    let n = state.store.sessions_delete_for_user_except(person.id(), &keep).await?;
    state.store.form_owners_end_except(person.id(), &crate::cookies::stored_hash(&person.ctx.csrf)).await?;
    tracing::info!(user = %person.id(), signed_out = n, "signed out everywhere else");
    let words = match n {
        0 => "No other browser was signed in.".to_string(),
        1 => "Signed out 1 other browser.".to_string(),
        n => format!("Signed out {n} other browsers."),
    };
    Ok(page(&state, &person, None, Some(words)).await?.into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

/// Changes the password (the current one first), then signs out every other browser.
pub async fn password(
    State(state): State<AppState>,
    person: Person,
    Form(f): Form<PasswordForm>,
) -> AppResult<Response> {
    let refuse =
        async |msg: String| -> AppResult<Response> { Ok(views::again(page(&state, &person, Some(msg), None).await?)) };
    if let Err(m) = crate::auth::check_password(&f.new) {
        return refuse(format!("New password: {m}")).await;
    }
    if f.new != f.confirm {
        return refuse("The two new passwords are not the same. Nothing was changed.".into()).await;
    }
    if !verify_password(f.current.clone(), person.user.password_hash.clone()).await {
        return refuse("Your current password is not right. Nothing was changed.".into()).await;
    }
    let hash = crate::auth::hash_password(f.new.clone()).await?;
    state.store.set_password_hash(person.id(), &hash).await?;
    let keep = crate::sessions::this_browser(&person.ctx.session);
    state.store.sessions_delete_for_user_except(person.id(), &keep).await?;
    // This browser stays signed in under a new session id (security probe I2): an id seen
    // before the change is worthless after it.
    person.ctx.session.cycle_id().await?;
    state.store.form_owners_end_except(person.id(), &crate::cookies::stored_hash(&person.ctx.csrf)).await?;
    tracing::info!(user = %person.id(), "password changed");
    Ok(page(&state, &person, None, Some("Password changed. Every other browser has been signed out.".into()))
        .await?
        .into_response())
}

#[derive(Deserialize)]
pub struct ZoneForm {
    #[serde(default)]
    time_zone: String,
}

pub async fn time_zone(State(state): State<AppState>, person: Person, Form(f): Form<ZoneForm>) -> AppResult<Response> {
    let tz = f.time_zone.trim();
    if TimeZone::get(tz).is_err() {
        return Ok(views::again(
            page(&state, &person, Some("Choose your time zone from the list.".into()), None).await?,
        ));
    }
    state.store.set_time_zone(person.id(), tz).await?;
    Ok(Redirect::to("/account?saved=time-zone").into_response())
}

#[derive(Deserialize)]
pub struct CountryForm {
    #[serde(default)]
    country: String,
}

pub async fn country(State(state): State<AppState>, person: Person, Form(f): Form<CountryForm>) -> AppResult<Response> {
    match crate::crisis::parse_country(&f.country) {
        Ok(c) => {
            state.store.set_country(person.id(), c.as_deref()).await?;
            Ok(Redirect::to("/account?saved=country").into_response())
        }
        Err(m) => Ok(views::again(page(&state, &person, Some(m), None).await?)),
    }
}

#[derive(Deserialize)]
pub struct DailySafetyForm {
    #[serde(default)]
    daily_safety: String,
}

/// The person switches the daily question about self-harm on or off; it is theirs to decide.
pub async fn daily_safety(
    State(state): State<AppState>,
    person: Person,
    Form(f): Form<DailySafetyForm>,
) -> AppResult<Response> {
    let on = match f.daily_safety.as_str() {
        "on" => true,
        "off" => false,
        _ => {
            let msg = "Choose whether to be asked the daily question.".to_string();
            return Ok(views::again(page(&state, &person, Some(msg), None).await?));
        }
    };
    state.store.set_daily_safety(person.id(), on).await?;
    Ok(Redirect::to("/account?saved=daily-safety").into_response())
}

#[derive(Serialize)]
struct Export {
    format: &'static str,
    exported_at: String,
    account: ExportAccount,
    plans: Vec<ExportPlan>,
    doses: Vec<ExportDose>,
    /// What the person counted of each product (issue 20: supply).
    supplies: Vec<serde_json::Value>,
    /// Which reminders they asked for, and their quiet hours.
    reminders: serde_json::Value,
    checkins: Vec<ExportCheckIn>,
    checklist: Vec<&'static str>,
    /// Symptoms of the person's own beside the checklist (each check-in keeps its answers by name).
    own_symptoms: Vec<String>,
    /// Switches followed on Today: the preview's answers (core plans them again), the first day,
    /// the stages stayed on longer.
    switches: Vec<serde_json::Value>,
    questionnaires: Vec<serde_json::Value>,
    withdrawal_or_relapse: Vec<serde_json::Value>,
    safety_plan: Option<serde_json::Value>,
    medication_history: serde_json::Value,
    /// Item-9 answers kept on their own (from a PHQ-9 not finished), and "yes" answers to the
    /// daily safety question.
    item9_answers: Vec<serde_json::Value>,
    daily_safety_answers: Vec<serde_json::Value>,
    /// What supporters wrote about the flags on this record (security probe L7).
    flag_notes: Vec<serde_json::Value>,
    /// Invitation codes made and not yet accepted (the codes themselves are never kept).
    pending_invitations: Vec<serde_json::Value>,
    sharing: Vec<serde_json::Value>,
    access_log: Vec<serde_json::Value>,
    /// API tokens made (never the tokens themselves: only their hashes are kept).
    api_tokens: Vec<serde_json::Value>,
}

#[derive(Serialize)]
struct ExportAccount {
    email: String,
    display_name: String,
    time_zone: String,
    /// Whose crisis services come first; null: guessed from the time zone.
    country: Option<String>,
    created_at: String,
}

#[derive(Serialize)]
struct ExportPlan {
    drug: String,
    created_at: String,
    /// Whether it is in force (several plans can be), and when a newer one replaced it if not.
    in_force: bool,
    replaced_at: Option<String>,
    revisions: Vec<serde_json::Value>,
    proposals: Vec<serde_json::Value>,
}

#[derive(Serialize)]
struct ExportDose {
    /// Which of `plans` (newest first, from 0) it belongs to, and that plan's drug.
    plan: usize,
    drug: String,
    date: String,
    /// The dose time ("08:00") for a day taken in parts; absent for the day's whole dose.
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<String>,
    status: &'static str,
    dose_mg: f64,
    recorded_at: String,
}

#[derive(Serialize)]
struct ExportCheckIn {
    date: String,
    /// The day's burden as Taper reads it (core's `burden_of`, to one decimal); null when no item
    /// was answered.
    burden: Option<f64>,
    /// One per checklist item, null for not answered.
    scores: Vec<Option<u8>>,
    wellbeing: u8,
    sleep_hours: Option<f64>,
    note: String,
    /// Answers to the person's own symptoms, by name; not part of the burden.
    own: Vec<taper_store::OwnScore>,
}

/// A switch with the doses recorded for it (`doses` holds every switch's).
fn switch_json(s: taper_store::SwitchRecord, doses: &[taper_store::SwitchDose]) -> serde_json::Value {
    let doses: Vec<serde_json::Value> = (doses.iter().filter(|d| d.switch == s.id))
        .map(|d| {
            serde_json::json!({
                "date": d.date.to_string(), "drug": d.drug,
                "time": taper_core::units::DoseTime::from_minutes(d.time).map(|t| t.to_string()),
                "status": d.status.as_str(), "dose_mg": d.dose_mg, "recorded_at": d.recorded_at.to_string(),
            })
        })
        .collect();
    serde_json::json!({
        "answers": json_or_string(&s.form), "start": s.start.to_string(), "stays": s.stays,
        "created_at": s.created_at.to_string(), "ended_at": s.ended_at.map(|t| t.to_string()),
        "doses": doses,
    })
}

fn json_or_string(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|_| serde_json::Value::String(s.to_string()))
}

async fn export(state: &AppState, person: &Person) -> AppResult<Export> {
    let (store, id) = (&state.store, person.id());
    Ok(Export {
        format: "taper-export-1",
        exported_at: person.now().to_string(),
        account: ExportAccount {
            email: person.user.email.clone(),
            display_name: person.user.display_name.clone(),
            time_zone: person.user.time_zone.clone(),
            country: person.user.country.clone(),
            created_at: person.user.created_at.to_string(),
        },
        plans: export_plans(state, id).await?,
        doses: {
            let order = store.plans(id).await?;
            store
                .doses(id)
                .await?
                .into_iter()
                .map(|d| {
                    let at = order.iter().position(|p| p.id == d.plan).unwrap_or_default();
                    ExportDose::of(at, order.get(at).map(|p| p.drug.clone()).unwrap_or_default(), d)
                })
                .collect()
        },
        supplies: store
            .supplies(id)
            .await?
            .into_iter()
            .map(|s| {
                serde_json::json!({
                    "product_id": s.product_id, "unit": s.unit, "amount": s.amount,
                    "counted_on": s.counted_on.to_string(), "lead_days": s.lead_days,
                })
            })
            .collect(),
        reminders: {
            let r = store.reminders(id).await?;
            serde_json::json!({
                "doses": r.doses, "checkin": r.checkin, "step": r.step, "supply": r.supply,
                "quiet_from": r.quiet.map(|(a, _)| crate::reminders::clock(a)),
                "quiet_to": r.quiet.map(|(_, b)| crate::reminders::clock(b)),
                "once_at": r.once_at.map(crate::reminders::clock),
            })
        },
        checkins: store.checkins(id).await?.into_iter().map(ExportCheckIn::from).collect(),
        checklist: CHECKLIST.iter().map(|i| i.key).collect(),
        own_symptoms: store.own_symptoms(id).await?,
        switches: {
            let doses = store.switch_doses(id).await?;
            store.switches(id).await?.into_iter().map(|s| switch_json(s, &doses)).collect()
        },
        questionnaires: store.questionnaires(id).await?.into_iter().map(questionnaire_json).collect(),
        withdrawal_or_relapse: store.assessments(id).await?.into_iter().map(assessment_json).collect(),
        safety_plan: store.safety_plan(id).await?.map(|p| json_or_string(&p)),
        item9_answers: store.signals(id).await?.into_iter().map(answer_json).collect(),
        daily_safety_answers: store.daily_safety_answers(id).await?.into_iter().map(answer_json).collect(),
        flag_notes: store.flag_notes(id).await?.into_iter().map(flag_note_json).collect(),
        pending_invitations: store.pending_invites(id, person.now()).await?.into_iter().map(invite_json).collect(),
        medication_history: serde_json::json!({
            "events": store.med_events(id).await?.into_iter().map(|e| serde_json::json!({
                "date": e.date.to_string(), "drug": e.drug, "kind": e.kind, "abrupt": e.abrupt,
            })).collect::<Vec<_>>(),
            "background": store.med_background(id).await?.map(|b| json_or_string(&b)),
        }),
        sharing: store.shares_of(id).await?.into_iter().map(share_json).collect(),
        access_log: store
            .access_log(id)
            .await?
            .into_iter()
            .map(|a| serde_json::json!({ "who": a.actor_name, "what": a.action, "at": a.at.to_string(), "times": a.times }))
            .collect(),
        api_tokens: store.api_tokens_of(id).await?.into_iter().map(api_token_json).collect(),
    })
}

fn api_token_json(t: taper_store::ApiToken) -> serde_json::Value {
    let reads: Vec<&str> = crate::access_tokens::scope_of(&t).categories().map(|c| c.key()).collect();
    serde_json::json!({
        "name": t.label, "reads": reads, "records_doses": t.record_doses, "records_checkins": t.record_checkins, "made_at": t.made.to_string(),
        "expires_at": t.expires.to_string(), "stopped_at": t.revoked.map(|x| x.to_string()),
        "last_used_at": t.last_used.map(|x| x.to_string()),
    })
}

/// Every plan with every revision and suggestion, newest plan first.
async fn export_plans(state: &AppState, id: taper_store::UserId) -> AppResult<Vec<ExportPlan>> {
    let mut plans = Vec::new();
    for p in state.store.plans(id).await? {
        let full = state.store.plan(id, p.id).await?;
        let proposals = state.store.proposals(id, p.id).await?;
        plans.push(ExportPlan {
            drug: p.drug,
            created_at: p.created_at.to_string(),
            in_force: p.replaced_at.is_none(),
            replaced_at: p.replaced_at.map(|t| t.to_string()),
            revisions: full.revisions.iter().map(revision_json).collect(),
            proposals: proposals.iter().map(proposal_json).collect(),
        });
    }
    Ok(plans)
}

fn revision_json(r: &taper_store::Revision) -> serde_json::Value {
    serde_json::json!({
        "number": r.number,
        "effective": r.effective.to_string(),
        "day_offset": r.day_offset,
        "hold": r.hold,
        "reason": r.reason,
        "settings": json_or_string(&r.settings),
        "plan": json_or_string(&r.steps),
        "created_at": r.created_at.to_string(),
    })
}

fn proposal_json(x: &taper_store::ProposalRecord) -> serde_json::Value {
    serde_json::json!({
        "rule": x.rule.key(),
        "status": x.status.as_str(),
        "title": x.title,
        "reason": x.reason,
        "details": json_or_string(&x.details),
        "created_at": x.created_at.to_string(),
        "decided_at": x.decided_at.map(|d| d.to_string()),
    })
}

impl ExportDose {
    /// `d`, the record of the `plan`th plan of the export.
    fn of(plan: usize, drug: String, d: taper_store::DoseRecord) -> ExportDose {
        ExportDose {
            plan,
            drug,
            date: d.date.to_string(),
            time: d.time.and_then(taper_core::units::DoseTime::from_minutes).map(|t| t.to_string()),
            status: d.status.as_str(),
            dose_mg: d.dose_mg,
            recorded_at: d.recorded_at.to_string(),
        }
    }
}

impl From<taper_store::CheckInRecord> for ExportCheckIn {
    fn from(c: taper_store::CheckInRecord) -> ExportCheckIn {
        ExportCheckIn {
            date: c.date.to_string(),
            burden: taper_core::symptoms::burden_shown(&c.scores),
            scores: c.scores,
            wellbeing: c.wellbeing,
            sleep_hours: c.sleep_hours,
            note: c.note,
            own: c.own,
        }
    }
}

fn questionnaire_json(q: taper_store::QuestionnaireRecord) -> serde_json::Value {
    serde_json::json!({
        "instrument": q.instrument, "date": q.date.to_string(), "answers": q.answers,
        "total": q.total, "item9": q.item9, "difficulty": q.difficulty,
    })
}

fn assessment_json(a: taper_store::AssessmentRecord) -> serde_json::Value {
    serde_json::json!({
        "date": a.date.to_string(), "answers": json_or_string(&a.answers), "leaning": a.leaning, "note": a.note,
    })
}

/// An answer about self-harm kept on its own (item 9, or the daily question).
fn answer_json(s: taper_store::SafetySignal) -> serde_json::Value {
    serde_json::json!({ "date": s.date.to_string(), "value": s.value })
}

fn flag_note_json(n: taper_store::FlagNote) -> serde_json::Value {
    serde_json::json!({
        "flag": n.flag_key, "by": n.by_name, "kind": n.kind.key(), "note": n.note, "at": n.at.to_string(),
    })
}

fn invite_json(i: taper_store::PendingInvite) -> serde_json::Value {
    serde_json::json!({
        "label": i.label, "made": i.created_at.to_string(), "expires": i.expires_at.to_string(),
        "may_suggest_changes": i.can_propose,
        "would_see": i.scope.categories().map(taper_core::consent::Category::key).collect::<Vec<_>>(),
    })
}

fn share_json(s: taper_store::Share) -> serde_json::Value {
    serde_json::json!({
        "with": s.grantee_name, "role": s.grantee_role.key(), "can_propose": s.can_propose,
        "sees": s.scope.categories().map(taper_core::consent::Category::key).collect::<Vec<_>>(),
        "since": s.created_at.to_string(), "revoked_at": s.revoked_at.map(|t| t.to_string()),
    })
}

pub(crate) fn download(content_type: &'static str, name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response()
}

pub async fn export_json(State(state): State<AppState>, person: Person) -> AppResult<Response> {
    let data = export(&state, &person).await?;
    let body = serde_json::to_string_pretty(&data).map_err(|e| AppError::internal("encoding JSON", e))?;
    Ok(download("application/json", "taper-export.json", body))
}

/// One row per day that has a check-in or a dose record: the day's dose and its status, and the
/// check-in's answers. Opens in any spreadsheet.
/// Free text as a spreadsheet cell that is never read as a formula: a leading `=`, `+`, `-`, `@`,
/// tab or carriage return gets a `'` before it (OWASP, "CSV injection").
pub(crate) fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_string() }
}

pub async fn export_csv(State(state): State<AppState>, person: Person) -> AppResult<Response> {
    let data = export(&state, &person).await?;
    let mut days: Vec<String> =
        data.checkins.iter().map(|c| c.date.clone()).chain(data.doses.iter().map(|d| d.date.clone())).collect();
    days.sort();
    days.dedup();
    let mut w = csv::Writer::from_writer(Vec::new());
    // Every dose recorded that day, of every plan, in one cell ("sertraline 50 mg taken;
    // alprazolam 08:00 0.5 mg taken"); doses.csv has one row per planned dose.
    let mut header: Vec<String> = ["date", "doses", "burden", "wellbeing", "sleep_hours"].map(String::from).to_vec();
    header.extend(CHECKLIST.iter().map(|i| i.key.to_string()));
    header.push("own_symptoms".into());
    header.push("note".into());
    let csv_err = |e: csv::Error| AppError::internal("writing CSV", e);
    w.write_record(&header).map_err(csv_err)?;
    for day in days {
        let doses: Vec<String> = data
            .doses
            .iter()
            .filter(|d| d.date == day)
            .map(|d| {
                let time = d.time.as_deref().map(|t| format!("{t} ")).unwrap_or_default();
                format!("{} {time}{} mg {}", d.drug, taper_core::units::trim_number(d.dose_mg), d.status)
            })
            .collect();
        let c = data.checkins.iter().find(|c| c.date == day);
        let mut row = vec![
            day.clone(),
            doses.join("; "),
            c.and_then(|c| taper_core::symptoms::burden_shown(&c.scores)).map(|b| b.to_string()).unwrap_or_default(),
            c.map(|c| c.wellbeing.to_string()).unwrap_or_default(),
            c.and_then(|c| c.sleep_hours).map(|h| h.to_string()).unwrap_or_default(),
        ];
        for k in 0..CHECKLIST.len() {
            // Blank: not answered.
            row.push(c.and_then(|c| c.scores.get(k).copied().flatten()).map(|s| s.to_string()).unwrap_or_default());
        }
        let own = c.map(|c| c.own.iter().map(|o| format!("{}: {}", o.name, o.score)).collect::<Vec<_>>().join("; "));
        row.push(spreadsheet_safe(&own.unwrap_or_default()));
        row.push(c.map(|c| spreadsheet_safe(&c.note)).unwrap_or_default());
        w.write_record(&row).map_err(csv_err)?;
    }
    let bytes = w.into_inner().map_err(|e| AppError::internal("finishing CSV", e))?;
    Ok(download("text/csv; charset=utf-8", "taper-export.csv", String::from_utf8_lossy(&bytes).into_owned()))
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn delete(State(state): State<AppState>, person: Person, Form(f): Form<DeleteForm>) -> AppResult<Response> {
    if f.confirm != "yes" {
        let msg = "Tick the box to confirm that you want to delete everything.".to_string();
        return Ok(views::again(page(&state, &person, Some(msg), None).await?));
    }
    if !verify_password(f.password.clone(), person.user.password_hash.clone()).await {
        let msg = "That password is not right. Nothing was deleted.".to_string();
        return Ok(views::again(page(&state, &person, Some(msg), None).await?));
    }
    let id = person.id();
    state.store.delete_user(id).await?;
    state.plans.forget(id);
    state.today_pages.forget(id);
    state.records.forget(id);
    person.ctx.session.flush().await?;
    state.store.sessions_delete_for_user(id).await?;
    tracing::info!(user = %id, "account deleted");
    Ok((
        axum::http::StatusCode::OK,
        views::message_page(
            "Your account has been deleted",
            "Everything Taper kept about you has been removed. Thank you for having used Taper; we wish you well.",
        ),
    )
        .into_response())
}

// View models: what this area's templates show.

/// One browser signed in to the account.
pub struct SessionView {
    /// "Firefox on Windows".
    pub device: String,
    pub signed_in: String,
    pub last_active: String,
    pub this: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
pub struct Account {
    pub chrome: crate::views::Chrome,
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
    pub reminders: super::reminders::RemindersView,
    pub error: Option<String>,
    pub notice: Option<String>,
}

impl Account {
    pub fn is_zone(&self, z: &str) -> bool {
        self.time_zone == z
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn notes_that_look_like_formulas_are_kept_as_text_in_the_csv() {
        for f in ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx"] {
            assert_eq!(super::spreadsheet_safe(f), format!("'{f}"));
        }
        assert_eq!(super::spreadsheet_safe("felt better"), "felt better");
    }
}
