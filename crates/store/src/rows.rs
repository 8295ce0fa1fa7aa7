//! Records as the store hands them out, and the raw rows they are read from.

use jiff::Timestamp;
use jiff::civil::Date;
use uuid::Uuid;

use crate::{MedEventId, PlanId, ProposalId, Result, RevisionId, ShareId, StoreError, UserId, date, ts, uuid};

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub time_zone: String,
    pub role: taper_core::role::Role,
    /// Whose crisis services come first (a code of a file under `data/crisis/`); None: guess
    /// from the time zone.
    pub country: Option<String>,
    /// Whether each check-in asks about thoughts of self-harm (the person's choice; off at first).
    pub daily_safety: bool,
    pub created_at: Timestamp,
    /// Raised by the database whenever a row of this person's is written (`versions`): what a
    /// page kept in memory was made at.
    pub data_version: i64,
}

pub struct NewUser<'a> {
    /// Already normalised (trimmed, lower-case) by the caller.
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub time_zone: &'a str,
    pub role: taper_core::role::Role,
    pub country: Option<&'a str>,
}

pub(crate) const USER_COLUMNS: &str =
    "id, email, display_name, password_hash, time_zone, role, country, daily_safety, created_at, data_version";

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: String,
    email: String,
    display_name: String,
    password_hash: String,
    time_zone: String,
    role: String,
    country: Option<String>,
    daily_safety: i64,
    created_at: i64,
    data_version: i64,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<User> {
        Ok(User {
            id: uuid(&r.id)?,
            email: r.email,
            display_name: r.display_name,
            password_hash: r.password_hash,
            time_zone: r.time_zone,
            role: taper_core::role::Role::from_key(&r.role)
                .ok_or_else(|| StoreError::Corrupt(format!("user role '{}'", r.role)))?,
            country: r.country,
            daily_safety: r.daily_safety != 0,
            created_at: ts(r.created_at)?,
            data_version: r.data_version,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanRecord {
    pub id: PlanId,
    pub drug: String,
    pub created_at: Timestamp,
    /// When a newer plan took its place; `None` while it is in force.
    pub replaced_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanWithRevisions {
    pub plan: PlanRecord,
    /// Oldest first; never empty for a plan made by `create_plan`.
    pub revisions: Vec<Revision>,
}

/// One version of a plan. Revisions are only ever added, never changed, so the history stays.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub id: RevisionId,
    pub number: i64,
    pub effective: Date,
    pub day_offset: u32,
    pub hold: bool,
    /// The plan form's settings (JSON, defined by the server).
    pub settings: String,
    /// The scheduled doses (JSON, defined by the server).
    pub steps: String,
    pub reason: String,
    pub proposal: Option<ProposalId>,
    pub created_at: Timestamp,
}

/// A revision without its settings and steps: what a page needs to know which revisions a plan
/// has, so that the server can keep each one's settings and steps as it read them once
/// (revisions never change; issue 21: every page read and parsed every plan's steps again).
#[derive(Debug, Clone, PartialEq)]
pub struct RevisionHead {
    pub id: RevisionId,
    pub number: i64,
    pub effective: Date,
    pub day_offset: u32,
    pub hold: bool,
    pub proposal: Option<ProposalId>,
    pub created_at: Timestamp,
}

/// A revision's settings and steps, as stored (JSON, defined by the server), and its reason
/// (up to 2,000 characters, too long for an index entry).
#[derive(Debug, Clone, PartialEq)]
pub struct RevisionBody {
    pub settings: String,
    pub steps: String,
    pub reason: String,
}

impl Revision {
    /// The revision in two parts: which one it is, and its settings and steps.
    pub fn split(self) -> (RevisionHead, RevisionBody) {
        let Revision { id, number, effective, day_offset, hold, settings, steps, reason, proposal, created_at } = self;
        (
            RevisionHead { id, number, effective, day_offset, hold, proposal, created_at },
            RevisionBody { settings, steps, reason },
        )
    }
}

/// A plan and the heads of its revisions, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanHeads {
    pub plan: PlanRecord,
    pub revisions: Vec<RevisionHead>,
}

impl From<PlanWithRevisions> for (PlanHeads, Vec<RevisionBody>) {
    fn from(p: PlanWithRevisions) -> Self {
        let (revisions, bodies) = p.revisions.into_iter().map(Revision::split).unzip();
        (PlanHeads { plan: p.plan, revisions }, bodies)
    }
}

pub(crate) const REVISION_HEAD_COLUMNS: &str = "id, number, effective_date, day_offset, hold, proposal_id, created_at";

#[derive(sqlx::FromRow)]
pub(crate) struct RevisionHeadRow {
    id: String,
    number: i64,
    effective_date: String,
    day_offset: i64,
    hold: i64,
    proposal_id: Option<String>,
    created_at: i64,
}

impl TryFrom<RevisionHeadRow> for RevisionHead {
    type Error = StoreError;
    fn try_from(r: RevisionHeadRow) -> Result<RevisionHead> {
        Ok(RevisionHead {
            id: uuid(&r.id)?,
            number: r.number,
            effective: date(&r.effective_date)?,
            day_offset: u32::try_from(r.day_offset).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            hold: r.hold != 0,
            proposal: r.proposal_id.as_deref().map(uuid).transpose()?,
            created_at: ts(r.created_at)?,
        })
    }
}

pub struct NewRevision<'a> {
    pub effective: Date,
    pub day_offset: u32,
    pub hold: bool,
    pub settings: &'a str,
    pub steps: &'a str,
    pub reason: &'a str,
    pub proposal: Option<ProposalId>,
}

pub(crate) const REVISION_COLUMNS: &str =
    "id, number, effective_date, day_offset, hold, settings, steps, reason, proposal_id, created_at";

#[derive(sqlx::FromRow)]
pub(crate) struct RevisionRow {
    #[sqlx(flatten)]
    head: RevisionHeadRow,
    settings: String,
    steps: String,
    reason: String,
}

impl TryFrom<RevisionRow> for Revision {
    type Error = StoreError;
    fn try_from(r: RevisionRow) -> Result<Revision> {
        let RevisionHead { id, number, effective, day_offset, hold, proposal, created_at } = r.head.try_into()?;
        let RevisionRow { settings, steps, reason, .. } = r;
        Ok(Revision { id, number, effective, day_offset, hold, settings, steps, reason, proposal, created_at })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoseStatus {
    Taken,
    Missed,
}

impl DoseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DoseStatus::Taken => "taken",
            DoseStatus::Missed => "missed",
        }
    }
    pub fn parse(s: &str) -> Result<DoseStatus> {
        match s {
            "taken" => Ok(DoseStatus::Taken),
            "missed" => Ok(DoseStatus::Missed),
            other => Err(StoreError::Corrupt(format!("dose status '{other}'"))),
        }
    }
}

pub struct NewDose {
    pub plan: PlanId,
    pub date: Date,
    /// The dose time, in minutes after midnight, for a day taken in parts; `None` for the day's
    /// whole dose.
    pub time: Option<u16>,
    pub status: DoseStatus,
    pub dose_mg: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DoseRecord {
    pub plan: PlanId,
    pub date: Date,
    /// See `NewDose::time`.
    pub time: Option<u16>,
    pub status: DoseStatus,
    pub dose_mg: f64,
    pub recorded_at: Timestamp,
}

/// What a person asked to be reminded of by e-mail, and when not to be (minutes of their own
/// day, from and to; the quiet hours may run past midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reminders {
    pub doses: bool,
    pub checkin: bool,
    pub step: bool,
    pub supply: bool,
    pub quiet: Option<(u16, u16)>,
    /// When a dose taken once a day with no time in the plan is reminded of (minute of the day).
    pub once_at: Option<u16>,
}

/// The one dose a reminder's link records as taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DoseLink {
    pub user: UserId,
    pub plan: PlanId,
    pub date: Date,
    /// The dose time (minute of the day), or `None` for the day's one dose.
    pub time: Option<u16>,
}

/// A count of one product (see `Store::save_supply`).
pub struct NewSupply<'a> {
    pub product_id: &'a str,
    /// The unit the plan measures it in ("tablet", "mL", …).
    pub unit: &'a str,
    pub amount: f64,
    /// Counted on this day, before its doses.
    pub counted_on: Date,
    pub lead_days: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SupplyRecord {
    pub product_id: String,
    pub unit: String,
    pub amount: f64,
    pub counted_on: Date,
    pub lead_days: u32,
}

pub struct NewCheckIn<'a> {
    pub date: Date,
    /// One answer per checklist item in core's order, `None` for not answered.
    pub scores: &'a [Option<u8>],
    /// The answered items' plain sum (core's `burden_of` is what the readings use).
    pub burden: u32,
    pub wellbeing: u8,
    pub sleep_hours: Option<f64>,
    pub note: &'a str,
    /// Answers to the person's own symptoms, by name (answered ones only).
    pub own: &'a [OwnScore],
}

/// An answer to one of the person's own symptoms, kept with its name as it was that day (a
/// symptom renamed later does not relabel the past).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OwnScore {
    pub name: String,
    pub score: u8,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckInRecord {
    pub date: Date,
    /// As kept: shorter than today's checklist for a check-in kept before items were added.
    pub scores: Vec<Option<u8>>,
    /// The answered items' plain sum (core's `burden_of` is what the readings use).
    pub burden: u32,
    pub wellbeing: u8,
    pub sleep_hours: Option<f64>,
    pub note: String,
    pub own: Vec<OwnScore>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A check-in as the readings see it (`Store::day_levels`): its day and burden, `None` when no
/// item was answered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayLevel {
    pub date: Date,
    pub level: Option<f64>,
}

pub(crate) const CHECKIN_COLUMNS: &str =
    "date, scores, burden, wellbeing, sleep_hours, note, own_scores, created_at, updated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct CheckInRow {
    date: String,
    scores: String,
    burden: i64,
    wellbeing: i64,
    sleep_hours: Option<f64>,
    note: String,
    /// Sealed JSON of `OwnScore`s, '' for none; opened by `Store::checkin_of`.
    pub(crate) own_scores: String,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<CheckInRow> for CheckInRecord {
    type Error = StoreError;
    fn try_from(r: CheckInRow) -> Result<CheckInRecord> {
        let corrupt = |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("check-in {}: {e}", r.date));
        Ok(CheckInRecord {
            date: date(&r.date)?,
            scores: serde_json::from_str(&r.scores).map_err(|e| corrupt(&e))?,
            burden: u32::try_from(r.burden).map_err(|e| corrupt(&e))?,
            wellbeing: u8::try_from(r.wellbeing).map_err(|e| corrupt(&e))?,
            sleep_hours: r.sleep_hours,
            note: r.note,
            // Still sealed here: `Store::checkin_of` opens it with the note.
            own: Vec::new(),
            created_at: ts(r.created_at)?,
            updated_at: ts(r.updated_at)?,
        })
    }
}

pub struct NewProposal<'a> {
    pub plan: PlanId,
    pub revision: RevisionId,
    pub rule: taper_core::adapt::Origin,
    pub title: &'a str,
    pub reason: &'a str,
    /// JSON: the data, sources and action (defined by the server).
    pub details: &'a str,
    /// A supporter who proposed it (None: Taper's rules did).
    pub proposed_by: Option<(UserId, &'a str)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposalStatus {
    Pending,
    Accepted,
    Declined,
}

impl ProposalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalStatus::Pending => "pending",
            ProposalStatus::Accepted => "accepted",
            ProposalStatus::Declined => "declined",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProposalRecord {
    pub id: ProposalId,
    pub plan: PlanId,
    pub revision: RevisionId,
    pub rule: taper_core::adapt::Origin,
    pub status: ProposalStatus,
    pub title: String,
    pub reason: String,
    pub details: String,
    pub created_at: Timestamp,
    pub decided_at: Option<Timestamp>,
    pub proposed_by: Option<UserId>,
    pub proposer_name: Option<String>,
}

pub(crate) const PROPOSAL_COLUMNS: &str = "p.id, p.plan_id, p.revision_id, p.rule, p.status, p.title, p.reason, \
    p.details, p.created_at, p.decided_at, p.proposed_by, p.proposer_name";

#[derive(sqlx::FromRow)]
pub(crate) struct ProposalRow {
    id: String,
    plan_id: String,
    revision_id: String,
    rule: String,
    status: String,
    title: String,
    reason: String,
    details: String,
    created_at: i64,
    decided_at: Option<i64>,
    proposed_by: Option<String>,
    proposer_name: Option<String>,
}

impl TryFrom<ProposalRow> for ProposalRecord {
    type Error = StoreError;
    fn try_from(r: ProposalRow) -> Result<ProposalRecord> {
        let status = match r.status.as_str() {
            "pending" => ProposalStatus::Pending,
            "accepted" => ProposalStatus::Accepted,
            "declined" => ProposalStatus::Declined,
            other => return Err(StoreError::Corrupt(format!("proposal status '{other}'"))),
        };
        Ok(ProposalRecord {
            id: uuid(&r.id)?,
            plan: uuid(&r.plan_id)?,
            revision: uuid(&r.revision_id)?,
            rule: taper_core::adapt::Origin::from_key(&r.rule)
                .ok_or_else(|| StoreError::Corrupt(format!("proposal rule '{}'", r.rule)))?,
            status,
            title: r.title,
            reason: r.reason,
            details: r.details,
            created_at: ts(r.created_at)?,
            decided_at: r.decided_at.map(ts).transpose()?,
            proposed_by: r.proposed_by.as_deref().map(uuid).transpose()?,
            proposer_name: r.proposer_name,
        })
    }
}

/// A person's consent for another account to see their record.
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    pub id: ShareId,
    pub owner: UserId,
    pub owner_name: String,
    pub grantee: UserId,
    pub grantee_name: String,
    pub grantee_role: taper_core::role::Role,
    pub can_propose: bool,
    /// What the person lets this supporter see.
    pub scope: taper_core::consent::Scope,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// An invitation not yet accepted. `handle` names it to its owner only (the stored hash of the
/// code, which cannot be used to accept it).
#[derive(Debug, Clone, PartialEq)]
pub struct PendingInvite {
    pub handle: String,
    pub label: String,
    pub can_propose: bool,
    pub scope: taper_core::consent::Scope,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// One read of a person's record by someone else. Written by the server, never edited.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub actor: UserId,
    pub actor_name: String,
    pub action: String,
    /// When, or when the first of a burst counted in this row.
    pub at: Timestamp,
    /// How many times (more than one: a burst within a minute).
    pub times: u32,
}

/// A questionnaire's score alone, as the flags read it (no answers): `Store::questionnaire_scores_of`.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionnaireScore {
    pub instrument: String,
    pub date: Date,
    pub total: u32,
    pub item9: Option<u8>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QuestionnaireRecord {
    pub id: Uuid,
    pub instrument: String,
    pub date: Date,
    pub answers: Vec<u8>,
    pub total: u32,
    pub item9: Option<u8>,
    /// The unscored closing question (PHQ-9 or GAD-7), 0–3, if answered.
    pub difficulty: Option<u8>,
    pub created_at: Timestamp,
}

/// What a supporter wrote about a flag: `Resolved` closes it for them alone; `ReachedOut` is a
/// note the others can read, which closes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagNoteKind {
    Resolved,
    ReachedOut,
}

impl FlagNoteKind {
    pub fn key(self) -> &'static str {
        match self {
            FlagNoteKind::Resolved => "resolved",
            FlagNoteKind::ReachedOut => "reached_out",
        }
    }
    pub fn from_key(key: &str) -> Option<FlagNoteKind> {
        [FlagNoteKind::Resolved, FlagNoteKind::ReachedOut].into_iter().find(|k| k.key() == key)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FlagNote {
    pub flag_key: String,
    pub by: UserId,
    pub by_name: String,
    pub kind: FlagNoteKind,
    pub note: String,
    pub at: Timestamp,
}

/// An item-9 answer above zero, kept whether or not the questionnaire was completed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SafetySignal {
    pub date: Date,
    pub value: u8,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AssessmentRecord {
    pub date: Date,
    /// JSON answers (defined by the server).
    pub answers: String,
    pub leaning: String,
    pub note: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MedEventRecord {
    pub id: MedEventId,
    pub date: Date,
    pub drug: String,
    pub kind: String,
    pub abrupt: bool,
}
