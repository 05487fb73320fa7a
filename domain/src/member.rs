//! A member commune (stream `member-<member_id>`): admission, suspension,
//! reinstatement, exclusion, withdrawal, succession and dues payments.
//!
//! The member id derives from the commune's territorial key
//! ([`crate::streams::member_id_for`]), so two racing admissions of one
//! commune write to the same stream and one of them conflicts.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use registre_schema::DomainEvent;
use registre_schema::events::{
    CarriedDues, CommuneAdmitted, DuesPaid, DuesPaymentReversed, MemberContactsRecorded,
    MemberExcluded, MemberReinstated, MemberSuspended, MemberWithdrew, MembershipSucceeded,
    MotionKind, TerritorialLevel, TerritorialUnitKey,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::contacts::{self, Contacts};
use crate::dates::Dated;
use crate::decided::{Competent, Decision, decided_by};
use crate::dues::YearPaid;
use crate::streams::member_id_for;
use crate::text::{MAX_NAME, MAX_TEXT, required};
use crate::{Aggregate, Context, DomainError, Reason};

/// Largest single payment accepted (a typo guard: a billion francs CFA).
pub const MAX_PAYMENT_XOF: i64 = 1_000_000_000;

/// A member's standing in the association. The registers show and save
/// this same type, so it serialises by its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    Active,
    Suspended,
    Excluded,
    Withdrawn,
    /// Replaced by a successor commune after a reorganisation.
    Succeeded,
}

impl MemberStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberStatus::Active => "active",
            MemberStatus::Suspended => "suspended",
            MemberStatus::Excluded => "excluded",
            MemberStatus::Withdrawn => "withdrawn",
            MemberStatus::Succeeded => "succeeded",
        }
    }
}

impl Member {
    /// The status in force on `date`: the change with the latest effective
    /// date on or before it (the last recorded among equal dates); `None`
    /// before the membership began.
    pub fn status_on(&self, date: NaiveDate) -> Option<MemberStatus> {
        status_in_force(&self.status_changes, date)
    }
}

/// The status in force on `date` among dated changes, as
/// [`Member::status_on`] reads it; read models keep their own status type.
pub fn status_in_force<S: Copy>(changes: &[(NaiveDate, S)], date: NaiveDate) -> Option<S> {
    changes
        .iter()
        .enumerate()
        .filter(|(_, (effective, _))| *effective <= date)
        .max_by_key(|(i, (effective, _))| (*effective, *i))
        .map(|(_, (_, status))| *status)
}

impl MemberStatus {
    /// Still part of the association (active or suspended).
    pub fn is_member(self) -> bool {
        matches!(self, MemberStatus::Active | MemberStatus::Suspended)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub member_id: Uuid,
    pub unit: TerritorialUnitKey,
    pub name: String,
    pub dues_category: String,
    pub status: MemberStatus,
    /// Start of the current membership (admission or succession).
    pub member_since: NaiveDate,
    /// Every status change with its effective date, in the order recorded
    /// (the admission first). A change may be recorded after its effective
    /// date, so the status on a past date is read from here, not `status`.
    pub status_changes: Vec<(NaiveDate, MemberStatus)>,
    /// Paid per dues year, in francs CFA, with the payments' dates.
    pub paid: BTreeMap<i32, YearPaid>,
    /// Its payments by receipt number.
    pub receipts: BTreeMap<String, Receipt>,
    /// The members it succeeded: one, or several for a merge.
    pub predecessors: Vec<Uuid>,
    /// Dues taken over from predecessors by succession, by year.
    pub carried_dues: BTreeMap<i32, i64>,
    /// The reorganisation of the succession that began its membership
    /// (a merge's other predecessors may join it) or ended it (a split's
    /// other successors may follow it).
    pub reorganisation: Option<Uuid>,
    /// The members that succeeded it (several for a split).
    pub successors: Vec<Uuid>,
    /// A successor took over its dues: no other one may.
    pub dues_taken_over: bool,
    pub contacts: Contacts,
}

/// A payment as its receipt stands in the member's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub year: i32,
    pub amount_xof: i64,
    pub paid_on: NaiveDate,
    pub reversed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MemberCommand {
    Admit {
        unit: TerritorialUnitKey,
        /// Empty: the territorial list's name.
        name: String,
        /// The clerk states that a name other than the list's is meant;
        /// without it such a name is refused.
        keep_different_name: bool,
        dues_category: String,
        admitted_on: NaiveDate,
        deliberation_ref: String,
        decision_ref: String,
    },
    Suspend {
        member_id: Uuid,
        effective_on: NaiveDate,
        reason: String,
    },
    Reinstate {
        member_id: Uuid,
        effective_on: NaiveDate,
        reason: String,
    },
    Exclude {
        member_id: Uuid,
        effective_on: NaiveDate,
        reason: String,
        decided_by_body_id: Uuid,
        hearing_notified_on: NaiveDate,
        /// The exclusion motion the body adopted.
        motion_id: Uuid,
    },
    Withdraw {
        member_id: Uuid,
        effective_on: NaiveDate,
        reason: String,
    },
    /// Decided on the predecessor's stream; the handler also appends the
    /// event to the successor's stream after [`check_successor`].
    Succeed {
        member_id: Uuid,
        successor_unit: TerritorialUnitKey,
        successor_name: String,
        keep_different_name: bool,
        dues_category: String,
        effective_on: NaiveDate,
        inherits_dues: bool,
        reorganisation_id: Option<Uuid>,
    },
    RecordPayment {
        member_id: Uuid,
        year: i32,
        amount_xof: i64,
        paid_on: NaiveDate,
        receipt_ref: String,
    },
    /// Reverses the payment recorded under `receipt_ref`.
    ReversePayment {
        member_id: Uuid,
        receipt_ref: String,
        reversed_on: NaiveDate,
        reason: String,
    },
    /// States the member's contacts from now on (all of them).
    RecordContacts { member_id: Uuid, contacts: Contacts },
}

impl MemberCommand {
    /// The stream's member id.
    pub fn member_id(&self) -> Uuid {
        use MemberCommand as C;
        match self {
            C::Admit { unit, .. } => member_id_for(unit),
            C::Suspend { member_id, .. }
            | C::Reinstate { member_id, .. }
            | C::Exclude { member_id, .. }
            | C::Withdraw { member_id, .. }
            | C::Succeed { member_id, .. }
            | C::RecordPayment { member_id, .. }
            | C::ReversePayment { member_id, .. }
            | C::RecordContacts { member_id, .. } => *member_id,
        }
    }
}

/// Checks the successor's own stream before a succession is appended to
/// it: the commune is not a member, or is one by a succession of the same
/// reorganisation from other predecessors (a merge), in the same dues
/// category.
pub fn check_successor(
    successor: &Option<Member>,
    succession: &MembershipSucceeded,
) -> Result<(), DomainError> {
    match successor {
        Some(m) if m.status.is_member() => {
            let merged = succession.reorganisation_id.is_some()
                && m.reorganisation == succession.reorganisation_id
                && !m.predecessors.contains(&succession.predecessor_member_id);
            if !merged {
                return Err(DomainError::CommuneAlreadyMember);
            }
            if m.dues_category != succession.dues_category {
                return Err(DomainError::InvalidReorganisation {
                    reason: Reason::new(
                        "the merged commune already has another dues category",
                        "la commune issue de la fusion a déjà une autre catégorie de cotisation",
                    ),
                });
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The commune's name as recorded: the territorial reference's when none
/// is given. A different name is recorded only when the clerk says it is
/// meant (the list spells "Segou Commune", the association "Ségou"),
/// never silently.
fn known_commune(
    ctx: &Context,
    unit: &TerritorialUnitKey,
    (field, name, keep_different_name): (&'static str, &str, bool),
) -> Result<String, DomainError> {
    let reference = match ctx.facts.known_units.get(unit) {
        Some(u) if u.level == TerritorialLevel::Commune => &u.name,
        _ => {
            return Err(DomainError::UnknownTerritorialUnit {
                code: unit.code.chars().take(64).collect(),
            });
        }
    };
    let given = name.trim();
    if given.is_empty() || given == reference {
        return Ok(reference.clone());
    }
    if keep_different_name {
        required(field, given, MAX_NAME)?;
        return Ok(given.into());
    }
    Err(DomainError::NameDiffersFromReference {
        given: given.chars().take(MAX_NAME).collect(),
        reference: reference.clone(),
    })
}

/// A dues category the schedule in force has (when one is set: before
/// the first schedule there is nothing to check against).
fn known_category(ctx: &Context, category: &str) -> Result<(), DomainError> {
    match &ctx.facts.dues_categories {
        Some(known) if !known.contains(category) => Err(DomainError::UnknownDuesCategory {
            category: category.chars().take(64).collect(),
            known: known.iter().cloned().collect::<Vec<_>>().join(", "),
        }),
        _ => Ok(()),
    }
}

/// The reorganisation a succession cites makes `successor` of the
/// member's commune: a merge, a split or a creation of which the commune
/// (under any edition's code) is a predecessor and `successor` a successor.
fn in_reorganisation(
    m: &Member,
    successor: &TerritorialUnitKey,
    ctx: &Context,
) -> Result<(), DomainError> {
    use registre_schema::events::ReorganisationKind as K;
    let r = ctx
        .facts
        .reorganisation
        .as_ref()
        .ok_or(DomainError::UnknownReorganisation)?;
    let ours = r
        .predecessors
        .iter()
        .any(|p| *p == m.unit || ctx.facts.member_units.contains(p));
    if !matches!(r.kind, K::Merge | K::Split | K::Creation)
        || !ours
        || !r.successors.contains(successor)
    {
        return Err(DomainError::NotInReorganisation);
    }
    Ok(())
}

/// Adds a succession's carried dues to a successor's.
fn carry(into: &mut BTreeMap<i32, i64>, carried: &[CarriedDues]) {
    for c in carried {
        *into.entry(c.year).or_default() += c.amount_xof;
    }
}

fn member(state: &Option<Member>) -> Result<&Member, DomainError> {
    state.as_ref().ok_or(DomainError::UnknownMember)
}

fn still_member(state: &Option<Member>) -> Result<&Member, DomainError> {
    let m = member(state)?;
    if !m.status.is_member() {
        return Err(DomainError::MemberAlreadyLeft);
    }
    Ok(m)
}

impl Aggregate for Member {
    type State = Option<Member>;
    type Command = MemberCommand;
    type Event = DomainEvent;

    fn dates(command: &MemberCommand) -> Vec<Dated> {
        use MemberCommand as C;
        match command {
            C::Admit { admitted_on, .. } => vec![Dated::day("admitted_on", *admitted_on)],
            C::Exclude {
                effective_on,
                hearing_notified_on,
                ..
            } => vec![
                Dated::day("effective_on", *effective_on),
                Dated::day("hearing_notified_on", *hearing_notified_on),
            ],
            C::Suspend { effective_on, .. }
            | C::Reinstate { effective_on, .. }
            | C::Withdraw { effective_on, .. }
            | C::Succeed { effective_on, .. } => vec![Dated::day("effective_on", *effective_on)],
            C::RecordPayment { paid_on, .. } => vec![Dated::day("paid_on", *paid_on)],
            C::ReversePayment { reversed_on, .. } => {
                vec![Dated::day("reversed_on", *reversed_on)]
            }
            C::RecordContacts { .. } => vec![],
        }
    }

    fn decide_dated(
        state: &Option<Member>,
        command: &MemberCommand,
        ctx: &Context,
    ) -> Result<Vec<DomainEvent>, DomainError> {
        use MemberCommand as C;
        let event: DomainEvent = match command {
            C::Admit {
                unit,
                name,
                keep_different_name,
                dues_category,
                admitted_on,
                deliberation_ref,
                decision_ref,
            } => {
                if state.as_ref().is_some_and(|m| m.status.is_member())
                    || ctx.facts.same_commune_member.is_some()
                {
                    return Err(DomainError::CommuneAlreadyMember);
                }
                required("dues_category", dues_category, MAX_NAME)?;
                required("deliberation_ref", deliberation_ref, MAX_TEXT)?;
                required("decision_ref", decision_ref, MAX_TEXT)?;
                let name = known_commune(ctx, unit, ("name", name, *keep_different_name))?;
                known_category(ctx, dues_category)?;
                CommuneAdmitted {
                    member_id: member_id_for(unit),
                    unit: unit.clone(),
                    name,
                    dues_category: dues_category.clone(),
                    admitted_on: *admitted_on,
                    deliberation_ref: deliberation_ref.clone(),
                    decision_ref: decision_ref.clone(),
                    statutes_version: ctx.statutes()?.version,
                }
                .into()
            }
            C::Suspend {
                member_id,
                effective_on,
                reason,
            } => {
                if still_member(state)?.status != MemberStatus::Active {
                    return Err(DomainError::MemberNotActive);
                }
                required("reason", reason, MAX_TEXT)?;
                MemberSuspended {
                    member_id: *member_id,
                    effective_on: *effective_on,
                    reason: reason.clone(),
                    statutes_version: ctx.statutes()?.version,
                }
                .into()
            }
            C::Reinstate {
                member_id,
                effective_on,
                reason,
            } => {
                if still_member(state)?.status != MemberStatus::Suspended {
                    return Err(DomainError::MemberNotSuspended);
                }
                required("reason", reason, MAX_TEXT)?;
                MemberReinstated {
                    member_id: *member_id,
                    effective_on: *effective_on,
                    reason: reason.clone(),
                    statutes_version: ctx.statutes()?.version,
                }
                .into()
            }
            C::Exclude {
                member_id,
                effective_on,
                reason,
                decided_by_body_id,
                hearing_notified_on,
                motion_id,
            } => {
                still_member(state)?;
                required("reason", reason, MAX_TEXT)?;
                let statutes = ctx.statutes()?;
                let motion = decided_by(
                    ctx,
                    motion_id,
                    Decision {
                        kind: MotionKind::Exclusion,
                        competent: Competent::NamedNationalInstance(*decided_by_body_id),
                        subject_member_id: Some(*member_id),
                        effective_on: *effective_on,
                    },
                )?;
                // Heard before the vote, with the statutory notice.
                let days = (motion.decided_on - *hearing_notified_on).num_days();
                if days < i64::from(statutes.exclusion_hearing_notice_days) {
                    return Err(DomainError::HearingNoticeTooShort {
                        required_days: statutes.exclusion_hearing_notice_days,
                    });
                }
                MemberExcluded {
                    member_id: *member_id,
                    effective_on: *effective_on,
                    reason: reason.clone(),
                    decided_by_body_id: *decided_by_body_id,
                    hearing_notified_on: *hearing_notified_on,
                    statutes_version: statutes.version,
                    motion_id: Some(*motion_id),
                }
                .into()
            }
            C::Withdraw {
                member_id,
                effective_on,
                reason,
            } => {
                still_member(state)?;
                required("reason", reason, MAX_TEXT)?;
                MemberWithdrew {
                    member_id: *member_id,
                    effective_on: *effective_on,
                    reason: reason.clone(),
                }
                .into()
            }
            C::Succeed {
                member_id,
                successor_unit,
                successor_name,
                keep_different_name,
                dues_category,
                effective_on,
                inherits_dues,
                reorganisation_id,
            } => {
                // A split's successors each succeed the one predecessor,
                // under the same reorganisation.
                let m = member(state)?;
                let split = m.status == MemberStatus::Succeeded
                    && reorganisation_id.is_some()
                    && m.reorganisation == *reorganisation_id
                    && !m.successors.contains(&member_id_for(successor_unit));
                if !split {
                    still_member(state)?;
                }
                if *inherits_dues && m.dues_taken_over {
                    return Err(DomainError::DuesAlreadyCarried);
                }
                required("dues_category", dues_category, MAX_NAME)?;
                let successor_name = known_commune(
                    ctx,
                    successor_unit,
                    ("successor_name", successor_name, *keep_different_name),
                )?;
                known_category(ctx, dues_category)?;
                if reorganisation_id.is_some() {
                    in_reorganisation(m, successor_unit, ctx)?;
                }
                let successor_member_id = member_id_for(successor_unit);
                if successor_member_id == m.member_id || ctx.facts.same_commune_member.is_some() {
                    return Err(DomainError::CommuneAlreadyMember);
                }
                MembershipSucceeded {
                    predecessor_member_id: *member_id,
                    successor_member_id,
                    successor_unit: successor_unit.clone(),
                    successor_name,
                    dues_category: dues_category.clone(),
                    effective_on: *effective_on,
                    inherits_dues: *inherits_dues,
                    reorganisation_id: *reorganisation_id,
                    statutes_version: ctx.statutes()?.version,
                    carried_dues: if *inherits_dues {
                        ctx.facts.unpaid_dues.clone()
                    } else {
                        Vec::new()
                    },
                }
                .into()
            }
            C::RecordPayment {
                member_id,
                year,
                amount_xof,
                paid_on,
                receipt_ref,
            } => {
                let m = still_member(state)?;
                if *amount_xof <= 0 || *amount_xof > MAX_PAYMENT_XOF {
                    return Err(DomainError::InvalidAmount);
                }
                required("receipt_ref", receipt_ref, MAX_TEXT)?;
                if !ctx.facts.dues_years.contains(year) {
                    return Err(DomainError::NoDuesSchedule { year: *year });
                }
                // Money is recorded once it is received, never ahead.
                if *paid_on > ctx.now.date_naive() {
                    return Err(DomainError::DateInFuture { field: "paid_on" });
                }
                // This member's receipts are checked in its own stream (no
                // race); other members' through the handler's view.
                if m.receipts.contains_key(receipt_ref)
                    || ctx.facts.used_receipts.contains(receipt_ref)
                {
                    return Err(DomainError::ReceiptAlreadyUsed {
                        receipt_ref: receipt_ref.chars().take(64).collect(),
                    });
                }
                DuesPaid {
                    member_id: *member_id,
                    year: *year,
                    amount_xof: *amount_xof,
                    paid_on: *paid_on,
                    receipt_ref: receipt_ref.clone(),
                }
                .into()
            }
            C::ReversePayment {
                member_id,
                receipt_ref,
                reversed_on,
                reason,
            } => {
                let m = member(state)?;
                // Its dues position is the successor's now.
                if m.dues_taken_over {
                    return Err(DomainError::DuesAlreadyCarried);
                }
                required("receipt_ref", receipt_ref, MAX_TEXT)?;
                required("reason", reason, MAX_TEXT)?;
                let receipt = match m.receipts.get(receipt_ref) {
                    Some(r) if r.reversed => return Err(DomainError::PaymentAlreadyReversed),
                    Some(r) => r,
                    None => {
                        return Err(DomainError::UnknownReceipt {
                            receipt_ref: receipt_ref.chars().take(64).collect(),
                        });
                    }
                };
                if *reversed_on < receipt.paid_on {
                    return Err(DomainError::ReversalBeforePayment);
                }
                if *reversed_on > ctx.now.date_naive() {
                    return Err(DomainError::DateInFuture {
                        field: "reversed_on",
                    });
                }
                DuesPaymentReversed {
                    member_id: *member_id,
                    receipt_ref: receipt_ref.clone(),
                    year: receipt.year,
                    amount_xof: receipt.amount_xof,
                    reversed_on: *reversed_on,
                    reason: reason.clone(),
                }
                .into()
            }
            C::RecordContacts {
                member_id,
                contacts,
            } => {
                let m = member(state)?;
                contacts::check(contacts)?;
                if m.contacts == *contacts {
                    return Err(DomainError::ContactsUnchanged);
                }
                MemberContactsRecorded {
                    member_id: *member_id,
                    contacts: contacts.clone(),
                }
                .into()
            }
        };
        Ok(vec![event])
    }

    fn evolve(mut state: Option<Member>, event: &DomainEvent) -> Option<Member> {
        use DomainEvent as E;
        let set_status = |state: &mut Option<Member>, status, effective_on| {
            if let Some(m) = state.as_mut() {
                m.status = status;
                m.status_changes.push((effective_on, status));
            }
        };
        match event {
            E::CommuneAdmitted(e) => {
                state = Some(Member {
                    member_id: e.member_id,
                    unit: e.unit.clone(),
                    name: e.name.clone(),
                    dues_category: e.dues_category.clone(),
                    status: MemberStatus::Active,
                    member_since: e.admitted_on,
                    status_changes: vec![(e.admitted_on, MemberStatus::Active)],
                    paid: BTreeMap::new(),
                    receipts: BTreeMap::new(),
                    predecessors: Vec::new(),
                    carried_dues: BTreeMap::new(),
                    reorganisation: None,
                    successors: Vec::new(),
                    dues_taken_over: false,
                    contacts: Contacts::default(),
                });
            }
            E::MemberSuspended(e) => {
                set_status(&mut state, MemberStatus::Suspended, e.effective_on)
            }
            E::MemberReinstated(e) => set_status(&mut state, MemberStatus::Active, e.effective_on),
            E::MemberExcluded(e) => set_status(&mut state, MemberStatus::Excluded, e.effective_on),
            E::MemberWithdrew(e) => set_status(&mut state, MemberStatus::Withdrawn, e.effective_on),
            E::MembershipSucceeded(e) => match state.as_mut() {
                Some(m) if m.member_id == e.predecessor_member_id => {
                    if m.status != MemberStatus::Succeeded {
                        m.status = MemberStatus::Succeeded;
                        m.status_changes
                            .push((e.effective_on, MemberStatus::Succeeded));
                    }
                    m.reorganisation = e.reorganisation_id;
                    m.successors.push(e.successor_member_id);
                    m.dues_taken_over |= e.inherits_dues;
                }
                // Another predecessor of a merge joins the successor.
                Some(m) if m.member_id == e.successor_member_id && m.status.is_member() => {
                    m.predecessors.push(e.predecessor_member_id);
                    carry(&mut m.carried_dues, &e.carried_dues);
                }
                _ => {
                    let mut carried_dues = BTreeMap::new();
                    carry(&mut carried_dues, &e.carried_dues);
                    state = Some(Member {
                        member_id: e.successor_member_id,
                        unit: e.successor_unit.clone(),
                        name: e.successor_name.clone(),
                        dues_category: e.dues_category.clone(),
                        status: MemberStatus::Active,
                        member_since: e.effective_on,
                        status_changes: vec![(e.effective_on, MemberStatus::Active)],
                        paid: BTreeMap::new(),
                        receipts: BTreeMap::new(),
                        predecessors: vec![e.predecessor_member_id],
                        carried_dues,
                        reorganisation: e.reorganisation_id,
                        successors: Vec::new(),
                        dues_taken_over: false,
                        contacts: Contacts::default(),
                    });
                }
            },
            E::DuesPaid(e) => {
                if let Some(m) = state.as_mut() {
                    m.paid
                        .entry(e.year)
                        .or_default()
                        .add(e.paid_on, e.amount_xof);
                    // A log from before receipts were checked may hold one
                    // twice: the last payment under it is the one kept.
                    m.receipts.insert(
                        e.receipt_ref.clone(),
                        Receipt {
                            year: e.year,
                            amount_xof: e.amount_xof,
                            paid_on: e.paid_on,
                            reversed: false,
                        },
                    );
                }
            }
            E::MemberContactsRecorded(e) => {
                if let Some(m) = state.as_mut() {
                    m.contacts = e.contacts.clone();
                }
            }
            E::DuesPaymentReversed(e) => {
                if let Some(m) = state.as_mut() {
                    m.paid
                        .entry(e.year)
                        .or_default()
                        .add(e.reversed_on, -e.amount_xof);
                    if let Some(r) = m.receipts.get_mut(&e.receipt_ref) {
                        r.reversed = true;
                    }
                }
            }
            _ => {}
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::ReorganisationFact;
    use crate::context::UnitFact;
    use crate::testing::*;
    use registre_schema::events::ReorganisationKind;

    fn admit() -> MemberCommand {
        MemberCommand::Admit {
            unit: key("ML010101"),
            name: "Bangassi".into(),
            keep_different_name: false,
            dues_category: "rurale".into(),
            admitted_on: d(2024, 3, 1),
            deliberation_ref: "Délib. 2024-01".into(),
            decision_ref: "BEN 2024-07".into(),
        }
    }

    pub(crate) fn admitted(code: &str) -> DomainEvent {
        CommuneAdmitted {
            member_id: member_id_for(&key(code)),
            unit: key(code),
            name: "Bangassi".into(),
            dues_category: "rurale".into(),
            admitted_on: d(2024, 3, 1),
            deliberation_ref: "Délib. 2024-01".into(),
            decision_ref: "BEN 2024-07".into(),
            statutes_version: 1,
        }
        .into()
    }

    fn knows(code: &str, level: TerritorialLevel) -> impl FnOnce(&mut crate::Facts) {
        let code = code.to_owned();
        move |f| {
            f.known_units.insert(
                key(&code),
                UnitFact {
                    level,
                    name: "Bangassi".into(),
                },
            );
        }
    }

    fn mid() -> Uuid {
        member_id_for(&key("ML010101"))
    }

    #[test]
    fn a_known_commune_is_admitted_with_the_statutes_version() {
        given::<Member>(vec![])
            .with_facts(knows("ML010101", TerritorialLevel::Commune))
            .when(admit())
            .then_events(vec![admitted("ML010101")]);
    }

    #[test]
    fn a_commune_admitted_without_a_name_takes_the_territorial_references() {
        let mut unnamed = admit();
        if let MemberCommand::Admit { name, .. } = &mut unnamed {
            *name = "  ".into();
        }
        given::<Member>(vec![])
            .with_facts(knows("ML010101", TerritorialLevel::Commune))
            .when(unnamed)
            .then_events(vec![admitted("ML010101")]);
    }

    #[test]
    fn a_name_other_than_the_territorial_references_is_refused() {
        let mut other = admit();
        if let MemberCommand::Admit { name, .. } = &mut other {
            *name = "Bangasi".into();
        }
        given::<Member>(vec![])
            .with_facts(knows("ML010101", TerritorialLevel::Commune))
            .when(other.clone())
            .then_error("NAME_DIFFERS_FROM_REFERENCE");
        // Said on purpose, it is recorded as given.
        if let MemberCommand::Admit {
            keep_different_name,
            ..
        } = &mut other
        {
            *keep_different_name = true;
        }
        let mut as_given = admitted("ML010101");
        if let DomainEvent::CommuneAdmitted(e) = &mut as_given {
            e.name = "Bangasi".into();
        }
        given::<Member>(vec![])
            .with_facts(knows("ML010101", TerritorialLevel::Commune))
            .when(other)
            .then_events(vec![as_given]);
    }

    #[test]
    fn admission_needs_a_known_commune() {
        given::<Member>(vec![])
            .when(admit())
            .then_error("UNKNOWN_TERRITORIAL_UNIT");
        given::<Member>(vec![])
            .with_facts(knows("ML010101", TerritorialLevel::Cercle))
            .when(admit())
            .then_error("UNKNOWN_TERRITORIAL_UNIT");
    }

    #[test]
    fn a_commune_is_admitted_once_but_may_return_after_leaving() {
        given::<Member>(vec![admitted("ML010101")])
            .with_facts(knows("ML010101", TerritorialLevel::Commune))
            .when(admit())
            .then_error("COMMUNE_ALREADY_MEMBER");
        let left = MemberWithdrew {
            member_id: mid(),
            effective_on: d(2024, 1, 1),
            reason: "délibération".into(),
        };
        given::<Member>(vec![admitted("ML010101"), left.into()])
            .with_facts(knows("ML010101", TerritorialLevel::Commune))
            .when(admit())
            .then_events(vec![admitted("ML010101")]);
    }

    #[test]
    fn a_commune_in_the_association_under_another_editions_code_is_not_admitted_again() {
        given::<Member>(vec![])
            .with_facts(knows("ML010101", TerritorialLevel::Commune))
            .with_facts(|f| f.same_commune_member = Some(Uuid::from_u128(7)))
            .when(admit())
            .then_error("COMMUNE_ALREADY_MEMBER");
    }

    #[test]
    fn admission_needs_statutes_in_force() {
        given::<Member>(vec![])
            .with_facts(knows("ML010101", TerritorialLevel::Commune))
            .with_ctx(|c| c.statutes = None)
            .when(admit())
            .then_error("NO_STATUTES_IN_FORCE");
    }

    fn suspended() -> DomainEvent {
        MemberSuspended {
            member_id: mid(),
            effective_on: d(2024, 3, 1),
            reason: "arriérés".into(),
            statutes_version: 1,
        }
        .into()
    }

    #[test]
    fn suspension_and_reinstatement() {
        let suspend = MemberCommand::Suspend {
            member_id: mid(),
            effective_on: d(2024, 3, 1),
            reason: "arriérés".into(),
        };
        given::<Member>(vec![admitted("ML010101")])
            .when(suspend.clone())
            .then_events(vec![suspended()]);
        given::<Member>(vec![admitted("ML010101"), suspended()])
            .when(suspend.clone())
            .then_error("MEMBER_NOT_ACTIVE");
        given::<Member>(vec![])
            .when(suspend)
            .then_error("UNKNOWN_MEMBER");
        let reinstate = MemberCommand::Reinstate {
            member_id: mid(),
            effective_on: d(2024, 3, 1),
            reason: "régularisation".into(),
        };
        given::<Member>(vec![admitted("ML010101"), suspended()])
            .when(reinstate.clone())
            .then_events(vec![
                MemberReinstated {
                    member_id: mid(),
                    effective_on: d(2024, 3, 1),
                    reason: "régularisation".into(),
                    statutes_version: 1,
                }
                .into(),
            ]);
        given::<Member>(vec![admitted("ML010101")])
            .when(reinstate)
            .then_error("MEMBER_NOT_SUSPENDED");
    }

    /// The Conseil National's adopted motion of 2024-03-20 excluding the
    /// member.
    fn exclusion_voted(f: &mut crate::Facts) {
        f.motions.insert(
            id(50),
            crate::context::MotionFact {
                motion_id: id(50),
                body_id: id(1),
                national_instance: true,
                kind: MotionKind::Exclusion,
                subject_member_id: Some(mid()),
                adopted: true,
                decided_on: d(2024, 3, 20),
                applied: false,
            },
        );
    }

    #[test]
    fn exclusion_needs_the_hearing_notice_and_the_bodys_adopted_motion() {
        let exclude = |notified| MemberCommand::Exclude {
            member_id: mid(),
            effective_on: d(2024, 3, 20),
            reason: "arriérés".into(),
            decided_by_body_id: id(1),
            hearing_notified_on: notified,
            motion_id: id(50),
        };
        given::<Member>(vec![admitted("ML010101"), suspended()])
            .with_facts(exclusion_voted)
            .when(exclude(d(2024, 3, 5)))
            .then_events(vec![
                MemberExcluded {
                    member_id: mid(),
                    effective_on: d(2024, 3, 20),
                    reason: "arriérés".into(),
                    decided_by_body_id: id(1),
                    hearing_notified_on: d(2024, 3, 5),
                    statutes_version: 1,
                    motion_id: Some(id(50)),
                }
                .into(),
            ]);
        // Without the motion (or with one the body did not adopt): refused.
        given::<Member>(vec![admitted("ML010101"), suspended()])
            .when(exclude(d(2024, 3, 5)))
            .then_error("UNKNOWN_MOTION");
        given::<Member>(vec![admitted("ML010101"), suspended()])
            .with_facts(|f| {
                exclusion_voted(f);
                f.motions.get_mut(&id(50)).unwrap().body_id = id(2);
            })
            .when(exclude(d(2024, 3, 5)))
            .then_error("MOTION_OF_ANOTHER_BODY");
        given::<Member>(vec![admitted("ML010101"), suspended()])
            .with_facts(|f| {
                exclusion_voted(f);
                f.motions.get_mut(&id(50)).unwrap().subject_member_id = Some(id(99));
            })
            .when(exclude(d(2024, 3, 5)))
            .then_error("MOTION_OF_ANOTHER_SUBJECT");
        given::<Member>(vec![admitted("ML010101")])
            .with_facts(exclusion_voted)
            .when(exclude(d(2024, 3, 6)))
            .then_error("HEARING_NOTICE_TOO_SHORT");
        let excluded = MemberExcluded {
            member_id: mid(),
            effective_on: d(2024, 3, 20),
            reason: "x".into(),
            decided_by_body_id: id(1),
            hearing_notified_on: d(2024, 3, 5),
            statutes_version: 1,
            motion_id: None,
        };
        given::<Member>(vec![admitted("ML010101"), excluded.into()])
            .with_facts(exclusion_voted)
            .when(exclude(d(2024, 3, 5)))
            .then_error("MEMBER_ALREADY_LEFT");
    }

    #[test]
    fn withdrawal() {
        let withdraw = MemberCommand::Withdraw {
            member_id: mid(),
            effective_on: d(2024, 3, 1),
            reason: "délibération du conseil communal".into(),
        };
        let withdrew: DomainEvent = MemberWithdrew {
            member_id: mid(),
            effective_on: d(2024, 3, 1),
            reason: "délibération du conseil communal".into(),
        }
        .into();
        given::<Member>(vec![admitted("ML010101")])
            .when(withdraw.clone())
            .then_events(vec![withdrew.clone()]);
        given::<Member>(vec![admitted("ML010101"), withdrew])
            .when(withdraw)
            .then_error("MEMBER_ALREADY_LEFT");
    }

    fn succeed(code: &str, inherits_dues: bool, reorganisation: u128) -> MemberCommand {
        MemberCommand::Succeed {
            member_id: mid(),
            successor_unit: key(code),
            // Left blank: the territorial reference's name is recorded.
            successor_name: String::new(),
            keep_different_name: false,
            dues_category: "rurale".into(),
            effective_on: d(2024, 3, 1),
            inherits_dues,
            reorganisation_id: Some(id(reorganisation)),
        }
    }

    fn succeeded(
        (predecessor, code): (Uuid, &str),
        inherits_dues: bool,
        reorganisation: u128,
        carried_dues: Vec<CarriedDues>,
    ) -> DomainEvent {
        MembershipSucceeded {
            predecessor_member_id: predecessor,
            successor_member_id: member_id_for(&key(code)),
            successor_unit: key(code),
            successor_name: "Bangassi".into(),
            dues_category: "rurale".into(),
            effective_on: d(2024, 3, 1),
            inherits_dues,
            reorganisation_id: Some(id(reorganisation)),
            statutes_version: 1,
            carried_dues,
        }
        .into()
    }

    /// Reorganisation `n` of `kind`, from and to these 2015 codes.
    fn reorganisation(
        kind: ReorganisationKind,
        from: &[&str],
        to: &[&str],
    ) -> impl Fn(&mut crate::Facts) {
        let fact = ReorganisationFact {
            kind,
            predecessors: from.iter().map(|c| key(c)).collect(),
            successors: to.iter().map(|c| key(c)).collect(),
        };
        move |f| f.reorganisation = Some(fact.clone())
    }

    fn merger(f: &mut crate::Facts) {
        reorganisation(
            ReorganisationKind::Merge,
            &["ML010101", "ML010102"],
            &["ML010199"],
        )(f)
    }

    fn arrears_2023(amount_xof: i64) -> Vec<CarriedDues> {
        vec![CarriedDues {
            year: 2023,
            amount_xof,
        }]
    }

    #[test]
    fn succession_ends_the_predecessor_and_starts_the_successor_with_its_dues() {
        let event = succeeded((mid(), "ML010199"), true, 9, arrears_2023(50_000));
        given::<Member>(vec![admitted("ML010101")])
            .with_facts(knows("ML010199", TerritorialLevel::Commune))
            .with_facts(merger)
            .with_facts(|f| f.unpaid_dues = arrears_2023(50_000))
            .when(succeed("ML010199", true, 9))
            .then_events(vec![event.clone()]);
        given::<Member>(vec![admitted("ML010101")])
            .when(succeed("ML010199", true, 9))
            .then_error("UNKNOWN_TERRITORIAL_UNIT");
        let pred = Member::fold([&admitted("ML010101"), &event]).unwrap();
        assert_eq!(pred.status, MemberStatus::Succeeded);
        let succ = Member::fold([&event]).unwrap();
        assert_eq!(succ.member_id, member_id_for(&key("ML010199")));
        assert_eq!(succ.status, MemberStatus::Active);
        assert_eq!(succ.predecessors, vec![mid()]);
        assert_eq!(succ.carried_dues, BTreeMap::from([(2023, 50_000)]));
        let again = |from: Uuid, reorganisation: u128| match succeeded(
            (from, "ML010199"),
            true,
            reorganisation,
            vec![],
        ) {
            DomainEvent::MembershipSucceeded(e) => e,
            _ => unreachable!(),
        };
        assert!(check_successor(&Some(succ.clone()), &again(mid(), 9)).is_err());
        assert!(check_successor(&Some(succ), &again(id(5), 8)).is_err());
        assert!(check_successor(&None, &again(mid(), 9)).is_ok());
    }

    #[test]
    fn a_successor_that_does_not_inherit_takes_over_no_dues() {
        given::<Member>(vec![admitted("ML010101")])
            .with_facts(knows("ML010199", TerritorialLevel::Commune))
            .with_facts(merger)
            .with_facts(|f| f.unpaid_dues = arrears_2023(50_000))
            .when(succeed("ML010199", false, 9))
            .then_events(vec![succeeded((mid(), "ML010199"), false, 9, vec![])]);
    }

    #[test]
    fn a_succession_is_one_its_reorganisation_makes() {
        let merge = |f: &mut crate::Facts| {
            knows("ML010199", TerritorialLevel::Commune)(f);
            merger(f);
        };
        // Unknown, a rename, or a commune it does not name on either side:
        // refused, each for its reason.
        given::<Member>(vec![admitted("ML010101")])
            .with_facts(knows("ML010199", TerritorialLevel::Commune))
            .when(succeed("ML010199", false, 9))
            .then_error("UNKNOWN_REORGANISATION");
        given::<Member>(vec![admitted("ML010101")])
            .with_facts(knows("ML010199", TerritorialLevel::Commune))
            .with_facts(reorganisation(
                ReorganisationKind::Rename,
                &["ML010101"],
                &["ML010199"],
            ))
            .when(succeed("ML010199", false, 9))
            .then_error("NOT_IN_REORGANISATION");
        given::<Member>(vec![admitted("ML010103")])
            .with_facts(merge)
            .when(MemberCommand::Succeed {
                member_id: member_id_for(&key("ML010103")),
                successor_unit: key("ML010199"),
                successor_name: String::new(),
                keep_different_name: false,
                dues_category: "rurale".into(),
                effective_on: d(2024, 3, 1),
                inherits_dues: false,
                reorganisation_id: Some(id(9)),
            })
            .then_error("NOT_IN_REORGANISATION");
        given::<Member>(vec![admitted("ML010101")])
            .with_facts(merge)
            .with_facts(knows("ML010198", TerritorialLevel::Commune))
            .when(succeed("ML010198", false, 9))
            .then_error("NOT_IN_REORGANISATION");
        // A member admitted under another edition's code of a predecessor
        // is that predecessor.
        let mut under_2010 = admitted("ML010101");
        if let DomainEvent::CommuneAdmitted(e) = &mut under_2010 {
            e.unit.edition = "2010".into();
        }
        given::<Member>(vec![under_2010])
            .with_facts(merge)
            .with_facts(|f| f.member_units = vec![key("ML010101")])
            .when(succeed("ML010199", false, 9))
            .then_events(vec![succeeded((mid(), "ML010199"), false, 9, vec![])]);
    }

    #[test]
    fn a_succeeded_members_payment_is_reversed_on_its_successor_once_it_took_its_dues() {
        let paid: DomainEvent = DuesPaid {
            member_id: mid(),
            year: 2023,
            amount_xof: 50_000,
            paid_on: d(2023, 2, 1),
            receipt_ref: "R-1".into(),
        }
        .into();
        let reverse = MemberCommand::ReversePayment {
            member_id: mid(),
            receipt_ref: "R-1".into(),
            reversed_on: d(2024, 6, 1),
            reason: "chèque rejeté".into(),
        };
        let history = vec![
            admitted("ML010101"),
            paid,
            succeeded((mid(), "ML010199"), true, 9, vec![]),
        ];
        given::<Member>(history)
            .when(reverse)
            .then_error("DUES_ALREADY_CARRIED");
    }

    #[test]
    fn a_merge_joins_its_predecessors_and_their_dues_in_one_successor() {
        // Given a successor that took over one predecessor's dues,
        let first = succeeded((id(1), "ML010199"), true, 9, arrears_2023(50_000));
        let succ = Member::fold([&first]).unwrap();
        // a second predecessor of the same reorganisation may join it,
        let joining = |category: &str| match succeeded((id(2), "ML010199"), true, 9, vec![]) {
            DomainEvent::MembershipSucceeded(mut e) => {
                e.dues_category = category.into();
                e
            }
            _ => unreachable!(),
        };
        assert!(check_successor(&Some(succ.clone()), &joining("rurale")).is_ok());
        // in the merged commune's dues category,
        assert_eq!(
            check_successor(&Some(succ.clone()), &joining("urbaine"))
                .unwrap_err()
                .code(),
            "INVALID_REORGANISATION"
        );
        // and then it holds both, and owes both predecessors' arrears.
        let second = succeeded((id(2), "ML010199"), true, 9, arrears_2023(30_000));
        let merged = Member::fold([&first, &second]).unwrap();
        assert_eq!(merged.predecessors, vec![id(1), id(2)]);
        assert_eq!(merged.carried_dues, BTreeMap::from([(2023, 80_000)]));
        assert_eq!(merged.member_since, d(2024, 3, 1));
    }

    #[test]
    fn a_split_succeeds_one_commune_by_several_and_its_dues_go_to_one() {
        let first = succeeded((mid(), "ML010198"), true, 9, vec![]);
        let split = vec![admitted("ML010101"), first];
        let split_facts = reorganisation(
            ReorganisationKind::Split,
            &["ML010101"],
            &["ML010198", "ML010197"],
        );
        // A second successor of the same reorganisation follows the first,
        given::<Member>(split.clone())
            .with_facts(knows("ML010197", TerritorialLevel::Commune))
            .with_facts(&split_facts)
            .when(succeed("ML010197", false, 9))
            .then_events(vec![succeeded((mid(), "ML010197"), false, 9, vec![])]);
        // but may not take over the dues the first took over,
        given::<Member>(split.clone())
            .with_facts(knows("ML010197", TerritorialLevel::Commune))
            .with_facts(&split_facts)
            .when(succeed("ML010197", true, 9))
            .then_error("DUES_ALREADY_CARRIED");
        // nor the same successor twice,
        given::<Member>(split.clone())
            .with_facts(knows("ML010198", TerritorialLevel::Commune))
            .when(succeed("ML010198", false, 9))
            .then_error("MEMBER_ALREADY_LEFT");
        // and no succession of another reorganisation follows.
        given::<Member>(split)
            .with_facts(knows("ML010197", TerritorialLevel::Commune))
            .when(succeed("ML010197", false, 8))
            .then_error("MEMBER_ALREADY_LEFT");
    }

    #[test]
    fn payments_need_a_schedule_and_a_positive_amount() {
        let pay = |amount| MemberCommand::RecordPayment {
            member_id: mid(),
            year: 2024,
            amount_xof: amount,
            paid_on: d(2024, 3, 1),
            receipt_ref: "R-1".into(),
        };
        let events = given::<Member>(vec![admitted("ML010101")])
            .with_facts(|f| {
                f.dues_years.insert(2024);
            })
            .when(pay(50_000))
            .then_events(vec![
                DuesPaid {
                    member_id: mid(),
                    year: 2024,
                    amount_xof: 50_000,
                    paid_on: d(2024, 3, 1),
                    receipt_ref: "R-1".into(),
                }
                .into(),
            ]);
        let m = Member::fold(std::iter::once(&admitted("ML010101")).chain(&events)).unwrap();
        assert_eq!(m.paid[&2024].total, 50_000);
        given::<Member>(vec![admitted("ML010101")])
            .when(pay(50_000))
            .then_error("NO_DUES_SCHEDULE");
        given::<Member>(vec![admitted("ML010101")])
            .with_facts(|f| {
                f.dues_years.insert(2024);
            })
            .when(pay(0))
            .then_error("INVALID_AMOUNT");
        given::<Member>(vec![])
            .when(pay(1))
            .then_error("UNKNOWN_MEMBER");
    }

    #[test]
    fn a_payment_is_dated_by_today_at_the_latest_and_its_receipt_is_used_once() {
        let pay = |paid_on, receipt: &str| MemberCommand::RecordPayment {
            member_id: mid(),
            year: 2024,
            amount_xof: 50_000,
            paid_on,
            receipt_ref: receipt.into(),
        };
        let paid = |receipt: &str| -> DomainEvent {
            DuesPaid {
                member_id: mid(),
                year: 2024,
                amount_xof: 50_000,
                paid_on: d(2024, 2, 1),
                receipt_ref: receipt.into(),
            }
            .into()
        };
        let schedule = |f: &mut crate::Facts| {
            f.dues_years.insert(2024);
        };
        // The context's today is 2024-03-01.
        given::<Member>(vec![admitted("ML010101")])
            .with_facts(schedule)
            .when(pay(d(2024, 3, 2), "R-1"))
            .then_error_naming("DATE_IN_FUTURE", "paid_on");
        given::<Member>(vec![admitted("ML010101")])
            .with_facts(schedule)
            .when(pay(d(2099, 1, 1), "R-1"))
            .then_error_naming("DATE_IN_FUTURE", "paid_on");
        // A receipt already recorded for this member, or for another one.
        given::<Member>(vec![admitted("ML010101"), paid("R-1")])
            .with_facts(schedule)
            .when(pay(d(2024, 2, 1), "R-1"))
            .then_error("RECEIPT_ALREADY_USED");
        given::<Member>(vec![admitted("ML010101")])
            .with_facts(|f| {
                schedule(f);
                f.used_receipts.insert("R-7".into());
            })
            .when(pay(d(2024, 2, 1), "R-7"))
            .then_error("RECEIPT_ALREADY_USED");
        given::<Member>(vec![admitted("ML010101"), paid("R-1")])
            .with_facts(schedule)
            .when(pay(d(2024, 2, 1), "R-2"))
            .then_events(vec![paid("R-2")]);
    }

    #[test]
    fn a_reversed_payment_no_longer_counts_from_its_reversal() {
        let paid: DomainEvent = DuesPaid {
            member_id: mid(),
            year: 2024,
            amount_xof: 50_000,
            paid_on: d(2024, 2, 1),
            receipt_ref: "R-1".into(),
        }
        .into();
        let reverse = |receipt: &str, on| MemberCommand::ReversePayment {
            member_id: mid(),
            receipt_ref: receipt.into(),
            reversed_on: on,
            reason: "chèque sans provision".into(),
        };
        let reversed: DomainEvent = DuesPaymentReversed {
            member_id: mid(),
            receipt_ref: "R-1".into(),
            year: 2024,
            amount_xof: 50_000,
            reversed_on: d(2024, 2, 20),
            reason: "chèque sans provision".into(),
        }
        .into();
        given::<Member>(vec![admitted("ML010101"), paid.clone()])
            .when(reverse("R-1", d(2024, 2, 20)))
            .then_events(vec![reversed.clone()]);
        let m = Member::fold([&admitted("ML010101"), &paid, &reversed]).unwrap();
        assert_eq!(m.paid[&2024].by(d(2024, 2, 19)), 50_000);
        assert_eq!(m.paid[&2024].by(d(2024, 2, 20)), 0);
        assert_eq!(m.paid[&2024].total, 0);
        given::<Member>(vec![admitted("ML010101"), paid.clone(), reversed])
            .when(reverse("R-1", d(2024, 2, 21)))
            .then_error("PAYMENT_ALREADY_REVERSED");
        given::<Member>(vec![admitted("ML010101"), paid.clone()])
            .when(reverse("R-2", d(2024, 2, 20)))
            .then_error("UNKNOWN_RECEIPT");
        given::<Member>(vec![admitted("ML010101"), paid.clone()])
            .when(reverse("R-1", d(2024, 1, 31)))
            .then_error("REVERSAL_BEFORE_PAYMENT");
        given::<Member>(vec![admitted("ML010101"), paid])
            .when(reverse("R-1", d(2024, 3, 2)))
            .then_error_naming("DATE_IN_FUTURE", "reversed_on");
    }

    #[test]
    fn a_dues_category_must_be_one_of_the_schedule_in_force() {
        let with_schedule = |f: &mut crate::Facts| {
            knows("ML010101", TerritorialLevel::Commune)(f);
            f.dues_categories = Some(["rurale".to_string(), "urbaine".to_string()].into());
        };
        let mut trailing_space = admit();
        if let MemberCommand::Admit { dues_category, .. } = &mut trailing_space {
            *dues_category = "Rurale ".into();
        }
        given::<Member>(vec![])
            .with_facts(with_schedule)
            .when(trailing_space)
            .then_error("UNKNOWN_DUES_CATEGORY");
        given::<Member>(vec![])
            .with_facts(with_schedule)
            .when(admit())
            .then_events(vec![admitted("ML010101")]);
        // Before any schedule is set there is nothing to check against.
        given::<Member>(vec![])
            .with_facts(knows("ML010101", TerritorialLevel::Commune))
            .when(admit())
            .then_events(vec![admitted("ML010101")]);
    }

    #[test]
    fn given_a_member_when_a_date_falls_outside_the_years_then_it_is_refused_naming_it() {
        let pay = |paid_on| MemberCommand::RecordPayment {
            member_id: mid(),
            year: 2024,
            amount_xof: 50_000,
            paid_on,
            receipt_ref: "R-1".into(),
        };
        let schedule = |f: &mut crate::Facts| {
            f.dues_years.insert(2024);
        };
        // Given a member and a schedule, when paid on the first and last
        // days of the years, then the payment is recorded (on a day when
        // the last one is not in the future).
        for paid_on in [d(1900, 1, 1), d(2200, 12, 31)] {
            let events = given::<Member>(vec![admitted("ML010101")])
                .with_facts(schedule)
                .with_ctx(|c| c.now = at(2200, 12, 31))
                .when(pay(paid_on))
                .then_events(vec![
                    DuesPaid {
                        member_id: mid(),
                        year: 2024,
                        amount_xof: 50_000,
                        paid_on,
                        receipt_ref: "R-1".into(),
                    }
                    .into(),
                ]);
            assert_eq!(events.len(), 1);
        }
        // When paid past RFC 3339's years or just outside the range, then refused.
        for paid_on in [d(10000, 1, 1), d(-1, 1, 1), d(1899, 12, 31), d(2201, 1, 1)] {
            given::<Member>(vec![admitted("ML010101")])
                .with_facts(schedule)
                .when(pay(paid_on))
                .then_error_naming("DATE_OUT_OF_RANGE", "paid_on");
        }
        // The same for a change of status's date.
        given::<Member>(vec![admitted("ML010101")])
            .when(MemberCommand::Suspend {
                member_id: mid(),
                effective_on: d(10000, 1, 1),
                reason: "Arriérés".into(),
            })
            .then_error_naming("DATE_OUT_OF_RANGE", "effective_on");
    }

    #[test]
    fn given_a_valid_payment_when_it_occurred_outside_the_years_then_it_is_refused() {
        // Given a payment the member's state accepts, when the envelope's
        // occurrence (given apart from the command) is year 10000.
        given::<Member>(vec![admitted("ML010101")])
            .with_facts(|f| {
                f.dues_years.insert(2024);
            })
            .with_ctx(|c| c.occurred_at = at(10000, 1, 1))
            .when(MemberCommand::RecordPayment {
                member_id: mid(),
                year: 2024,
                amount_xof: 50_000,
                paid_on: d(2024, 3, 1),
                receipt_ref: "R-1".into(),
            })
            // Then it is refused naming the envelope's field.
            .then_error_naming("DATE_OUT_OF_RANGE", "occurred_at");
    }
}
