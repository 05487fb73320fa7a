//! What a decision is given besides the aggregate's state and the command.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use registre_schema::Actor;
use registre_schema::events::{Statutes, TerritorialLevel, TerritorialUnitKey};
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
}

/// A past session as the handler's view knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFact {
    pub session_id: Uuid,
    pub body_id: Uuid,
    pub session_date: NaiveDate,
    pub quorum_failed: bool,
    pub open: bool,
    pub closed: bool,
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
    /// Bodies the command refers to.
    pub bodies: BTreeMap<Uuid, BodyFact>,
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
}
