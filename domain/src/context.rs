//! What a decision is given besides the aggregate's state and the command.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use registre_schema::Actor;
use registre_schema::events::{
    CarriedDues, MotionKind, ReorganisationKind, Statutes, StatutoryBody, TerritorialLevel,
    TerritorialUnitKey,
};
use uuid::Uuid;

use crate::DomainError;

/// Time, actor and the read-side facts the handler fetched for one command.
#[derive(Debug, Clone)]
pub struct Context {
    /// When the command is handled.
    pub now: DateTime<Utc>,
    /// When the decided thing happened in the world (e.g. the session date).
    pub occurred_at: DateTime<Utc>,
    pub actor: Actor,
    /// The statutes in force on the command's effective date, if any.
    pub statutes: Option<Statutes>,
    pub facts: Facts,
}

impl Context {
    pub fn new(now: DateTime<Utc>, actor: Actor) -> Self {
        Context {
            now,
            occurred_at: now,
            actor,
            statutes: None,
            facts: Facts::default(),
        }
    }

    pub fn with_statutes(mut self, statutes: Option<Statutes>) -> Self {
        self.statutes = statutes;
        self
    }

    pub fn with_facts(mut self, facts: Facts) -> Self {
        self.facts = facts;
        self
    }

    /// The statutes in force, or the error every decision needing them gives.
    pub fn statutes(&self) -> Result<&Statutes, DomainError> {
        self.statutes.as_ref().ok_or(DomainError::NoStatutesInForce)
    }
}

/// A territorial unit as the territory view knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFact {
    pub level: TerritorialLevel,
    pub name: String,
}

/// A body as the handler's view knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyFact {
    pub body_id: Uuid,
    /// The body entitled to convene it (none: itself).
    pub convened_by_body_id: Option<Uuid>,
    /// Which of the statutes' bodies it is: whose quorum and majorities
    /// its sessions follow.
    pub statutory_body: Option<StatutoryBody>,
    /// Its territory (none for a national body): a bureau is elected by
    /// the instance of its own territory.
    pub territorial_unit: Option<TerritorialUnitKey>,
}

/// A past session as the handler's view knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFact {
    pub session_id: Uuid,
    pub body_id: Uuid,
    pub session_date: NaiveDate,
    pub quorum_failed: bool,
    /// The session that convenes it a second time, if one does.
    pub convened_again: Option<Uuid>,
    pub open: bool,
    pub closed: bool,
    /// Members present or represented: the most ballots a vote may count.
    pub voters: u32,
}

/// A motion as the handler's view knows it: what a decision citing it
/// checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MotionFact {
    pub motion_id: Uuid,
    pub body_id: Uuid,
    /// The body is a national instance (Congrès, Conseil National).
    pub national_instance: bool,
    pub kind: MotionKind,
    /// The member an exclusion motion concerns.
    pub subject_member_id: Option<Uuid>,
    pub adopted: bool,
    /// The date of the session that voted on it.
    pub decided_on: NaiveDate,
    /// An exclusion or an amendment the view has read cites it (the
    /// statutes' and the member's own streams say so for certain).
    pub applied: bool,
}

/// Facts from other aggregates, fetched by the handler before deciding.
/// Each command reads only the ones it needs; a missing fact reads as
/// "not known".
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Territorial units the command refers to that the territory knows.
    pub known_units: BTreeMap<TerritorialUnitKey, UnitFact>,
    /// Members active and in good standing on the command's date.
    pub eligible_members: BTreeSet<Uuid>,
    /// Members the command names whose commune lies outside the body's
    /// territory: what a refusal says instead of "not in good standing".
    pub outside_territory: BTreeSet<Uuid>,
    /// Bodies the command refers to.
    pub bodies: BTreeMap<Uuid, BodyFact>,
    /// Communes holding seats of the body a command writes that left the
    /// association, with each day they left: a mandate held that day
    /// ended then.
    pub departed: BTreeMap<Uuid, Vec<NaiveDate>>,
    /// Sessions the command refers to.
    pub sessions: BTreeMap<Uuid, SessionFact>,
    /// Years that have a dues schedule.
    pub dues_years: BTreeSet<i32>,
    /// The dues categories of the schedule in force on the command's date;
    /// `None` before any schedule is set.
    pub dues_categories: Option<BTreeSet<String>>,
    /// The command's receipt number, when another member's payment
    /// already used it.
    pub used_receipts: BTreeSet<String>,
    /// Event ids the command refers to that are in the log.
    pub known_events: BTreeSet<Uuid>,
    /// Motions the command cites.
    pub motions: BTreeMap<Uuid, MotionFact>,
    /// A member in the association whose commune is the one a command
    /// admits or names as a successor, under another edition's code
    /// (see [`crate::lineage`]).
    pub same_commune_member: Option<Uuid>,
    /// The dues position of the member a succession ends (see
    /// [`crate::dues::position_carried`]): what a successor inheriting its
    /// dues takes over.
    pub unpaid_dues: Vec<CarriedDues>,
    /// The reorganisation a succession cites, as recorded.
    pub reorganisation: Option<ReorganisationFact>,
    /// The member's commune under every edition of the territory it
    /// stands in (see [`crate::lineage`]).
    pub member_units: Vec<TerritorialUnitKey>,
}

/// A recorded reorganisation: what a succession citing it checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReorganisationFact {
    pub kind: ReorganisationKind,
    pub predecessors: Vec<TerritorialUnitKey>,
    pub successors: Vec<TerritorialUnitKey>,
}
