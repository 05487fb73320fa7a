//! The membership register: members with their place in the territory,
//! their history, their dues, and counts for dashboards.

use async_graphql::{ComplexObject, Context, Enum, ID, Object, SimpleObject};
use chrono::NaiveDate;
use registre_projections::ReadModels;
use registre_projections::membership::{self as m, MemberFilter, MemberRecord};
use registre_projections::search::Search;

use super::errors::ApiError;
use super::guard::{Policy, RootKind};
use super::read_models::{
    AsOf, Conn, Correction, Page, corrections, id, nested, nested_ranked, not_found, page_cost,
    registers, short, uuid,
};
use crate::language::Message;

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(
    name = "MemberStatus",
    remote = "registre_projections::membership::MemberStatus"
)]
pub enum GqlMemberStatus {
    Active,
    Suspended,
    Excluded,
    Withdrawn,
    Succeeded,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(
    name = "MembershipChange",
    remote = "registre_projections::membership::MembershipChange"
)]
pub enum GqlMembershipChange {
    Admitted,
    Suspended,
    Reinstated,
    Excluded,
    Withdrew,
    SucceededTo,
    SucceededBy,
}

/// A territorial unit as a register shows it.
#[derive(SimpleObject, Clone)]
pub struct Place {
    pub code: String,
    pub name: String,
}

fn place(p: Option<m::Place>) -> Option<Place> {
    p.map(|p| Place {
        code: p.code,
        name: p.name,
    })
}

/// One step of a membership's history.
#[derive(SimpleObject, Clone)]
pub struct HistoryStep {
    pub change: GqlMembershipChange,
    pub effective_on: NaiveDate,
    /// Why, or the decision's reference.
    pub reason: Option<String>,
    /// The other member of a succession.
    pub other_member_id: Option<ID>,
    pub statutes_version: Option<u32>,
    /// Position of the event in the log.
    pub position: u64,
}

/// A member's dues for one year.
#[derive(SimpleObject, Clone)]
pub struct DuesYear {
    pub year: i32,
    /// Owed, in francs CFA.
    pub due: i64,
    pub paid: i64,
    /// `due - paid`: positive is owed, negative paid in advance.
    pub balance: i64,
    /// Past the year's due date (today, or the day of a past point) with a
    /// positive balance.
    pub in_arrears: bool,
}

/// How the secretariat reaches a member, as recorded at one position.
#[derive(SimpleObject, Clone)]
pub struct MemberContacts {
    pub mayor: Option<String>,
    pub secretary_general: Option<String>,
    pub phones: Vec<String>,
    pub email: Option<String>,
    pub postal_address: Option<String>,
    /// The day the secretariat recorded them.
    pub recorded_on: NaiveDate,
    /// Position of the recording in the log.
    pub position: u64,
}

fn contacts(r: &m::RecordedContacts) -> MemberContacts {
    let c = &r.contacts;
    MemberContacts {
        mayor: c.mayor.clone(),
        secretary_general: c.secretary_general.clone(),
        phones: c.phones.clone(),
        email: c.email.clone(),
        postal_address: c.postal_address.clone(),
        recorded_on: r.recorded_on,
        position: r.position,
    }
}

/// A member commune.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Member {
    pub id: ID,
    pub name: String,
    /// Code of the member's unit in its reference list.
    pub unit_code: String,
    pub unit_scheme: String,
    pub unit_edition: String,
    pub region: Option<Place>,
    pub cercle: Option<Place>,
    pub commune: Option<Place>,
    pub dues_category: String,
    pub status: GqlMemberStatus,
    pub member_since: NaiveDate,
    pub deliberation_ref: Option<String>,
    pub decision_ref: Option<String>,
    pub predecessor_id: Option<ID>,
    pub successor_id: Option<ID>,
    #[graphql(skip)]
    history: Vec<HistoryStep>,
    pub corrections: Vec<Correction>,
    /// Its contacts in force; none until first recorded.
    pub contacts: Option<MemberContacts>,
    /// Every recording of its contacts, the one in force last.
    pub contacts_history: Vec<MemberContacts>,
    #[graphql(skip)]
    dues: Vec<DuesYear>,
    /// In good standing today (for a past point, on its day), by the
    /// statutes in force.
    pub in_good_standing: bool,
    /// Position of the log the read models were at for this answer.
    pub read_position: u64,
    /// Its attestation of membership and good standing (on the day it is
    /// judged on), in PDF.
    pub documents: Vec<super::documents::DocumentLink>,
}

#[ComplexObject]
impl Member {
    /// Every change of the membership, in log order.
    #[graphql(complexity = "child_complexity * page_cost(first)")]
    async fn history(
        &self,
        first: Option<u32>,
        after: Option<String>,
    ) -> Result<Conn<HistoryStep>, ApiError> {
        nested(
            self.read_position,
            &self.history,
            first,
            after,
            Clone::clone,
        )
    }

    /// Each year's dues from the first year of membership on.
    #[graphql(complexity = "child_complexity * page_cost(first)")]
    async fn dues(
        &self,
        first: Option<u32>,
        after: Option<String>,
    ) -> Result<Conn<DuesYear>, ApiError> {
        // A year may come before others already listed (a schedule set
        // late for a year paid in advance): the year is the cursor.
        nested_ranked(
            self.read_position,
            self.dues
                .iter()
                .map(|d| (u64::from(d.year.unsigned_abs()), d)),
            first,
            after,
            Clone::clone,
        )
    }
}

/// The member as the registers show it, judged on `today`.
pub(crate) fn member(
    models: &ReadModels,
    r: &MemberRecord,
    read_position: u64,
    today: NaiveDate,
) -> Member {
    let p = models.membership.placement(&r.unit);
    let dues = models
        .dues
        .member_positions(r.member_id)
        .into_iter()
        .map(|d| DuesYear {
            year: d.year,
            due: d.due,
            paid: d.paid,
            balance: d.balance,
            in_arrears: d.balance > 0
                && models
                    .dues
                    .schedules
                    .get(&d.year)
                    .is_some_and(|s| s.due_on < today),
        })
        .collect();
    Member {
        documents: super::documents::of_member(r.member_id),
        id: id(r.member_id),
        name: r.name.clone(),
        unit_code: r.unit.code.clone(),
        unit_scheme: r.unit.scheme.clone(),
        unit_edition: r.unit.edition.clone(),
        region: place(p.region),
        cercle: place(p.cercle),
        commune: place(p.commune),
        dues_category: r.dues_category.clone(),
        status: r.status.into(),
        member_since: r.member_since,
        deliberation_ref: r.deliberation_ref.clone(),
        decision_ref: r.decision_ref.clone(),
        predecessor_id: r.predecessor.map(id),
        successor_id: r.successor.map(id),
        history: r
            .history
            .iter()
            .map(|h| HistoryStep {
                change: h.change.into(),
                effective_on: h.effective_on,
                reason: h.reason.clone(),
                other_member_id: h.other_member_id.map(id),
                statutes_version: h.statutes_version,
                position: h.position,
            })
            .collect(),
        corrections: corrections(&r.corrections),
        contacts: r.contacts.last().map(contacts),
        contacts_history: r.contacts.iter().map(contacts).collect(),
        dues,
        in_good_standing: models.dues.in_good_standing(r.member_id, today),
        read_position,
    }
}

#[derive(SimpleObject)]
pub struct StatusCount {
    pub status: GqlMemberStatus,
    pub count: u32,
}

#[derive(SimpleObject)]
pub struct CodeCount {
    /// The unit's code (`?` when it is not in the reference list).
    pub code: String,
    pub count: u32,
}

/// Members counted by status, region and cercle.
#[derive(SimpleObject)]
pub struct MemberCounts {
    pub position: u64,
    pub total: u32,
    pub by_status: Vec<StatusCount>,
    pub by_region: Vec<CodeCount>,
    pub by_cercle: Vec<CodeCount>,
}

fn filter(
    edition: Option<String>,
    region: Option<String>,
    cercle: Option<String>,
    status: Option<GqlMemberStatus>,
    search: Option<String>,
) -> Result<MemberFilter, ApiError> {
    Ok(MemberFilter {
        edition: short(edition, "edition")?,
        region: short(region, "region")?,
        cercle: short(cercle, "cercle")?,
        status: status.map(Into::into),
        search: short(search, "search")?.as_deref().and_then(Search::new),
    })
}

#[derive(Default)]
pub struct MembershipQuery;

#[Object(guard = "Policy(RootKind::Query)")]
impl MembershipQuery {
    /// Members by id, filtered by region code, cercle code, status and a
    /// search: a name with accents and case ignored (`segou` finds
    /// Ségou), or the start of a P-code (`ML0401`).
    #[graphql(complexity = "child_complexity * page_cost(first)")]
    #[allow(clippy::too_many_arguments)]
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The edition of the territory the region and cercle codes are of (`2015`): each member is placed by its commune in that edition, carried there by renames and transfers. Without it, each member is placed in the edition it was admitted under."
        )]
        edition: Option<String>,
        region: Option<String>,
        cercle: Option<String>,
        status: Option<GqlMemberStatus>,
        search: Option<String>,
        first: Option<u32>,
        after: Option<String>,
        min_position: Option<u64>,
        as_of: Option<AsOf>,
    ) -> Result<Conn<Member>, ApiError> {
        let f = filter(edition, region, cercle, status, search)?;
        let page = Page::new(first, after)?;
        let p = registers(ctx, min_position, as_of).await?;
        let day = p.today();
        Ok(p.read(|rm, pos| {
            let items = rm
                .membership
                .members(&f)
                .into_iter()
                .map(|r| (r.member_id.to_string(), r))
                .collect();
            page.cut(pos, items, |r| member(rm, r, pos, day))
        }))
    }

    /// One member with its history and dues.
    async fn member(
        &self,
        ctx: &Context<'_>,
        id: ID,
        min_position: Option<u64>,
        as_of: Option<AsOf>,
    ) -> Result<Member, ApiError> {
        let key = uuid(&id, "membre")?;
        let p = registers(ctx, min_position, as_of).await?;
        let day = p.today();
        p.read(|rm, pos| {
            let r = rm
                .membership
                .member(key)
                .ok_or_else(|| not_found("membre", "member", key))?;
            Ok(member(rm, r, pos, day))
        })
    }

    /// The member of the unit with this code (a P-code: `ML040101`): the
    /// commune's membership in force if it has one, else its latest.
    async fn member_by_code(
        &self,
        ctx: &Context<'_>,
        code: String,
        min_position: Option<u64>,
        as_of: Option<AsOf>,
    ) -> Result<Member, ApiError> {
        let code = short(Some(code), "code")?.unwrap_or_default();
        let p = registers(ctx, min_position, as_of).await?;
        let day = p.today();
        p.read(|rm, pos| {
            let r = rm.membership.by_code(&code).ok_or_else(|| {
                ApiError::NotFound(Message::new(
                    format!("Aucun membre pour le code « {code} »."),
                    format!("No member for the code \"{code}\"."),
                ))
            })?;
            Ok(member(rm, r, pos, day))
        })
    }

    /// Members counted by status, region and cercle, with the same
    /// filters as `members`.
    #[allow(clippy::too_many_arguments)]
    async fn member_counts(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The edition of the territory the region and cercle codes are of (`2015`): each member is placed by its commune in that edition, carried there by renames and transfers. Without it, each member is placed in the edition it was admitted under."
        )]
        edition: Option<String>,
        region: Option<String>,
        cercle: Option<String>,
        status: Option<GqlMemberStatus>,
        search: Option<String>,
        min_position: Option<u64>,
        as_of: Option<AsOf>,
    ) -> Result<MemberCounts, ApiError> {
        let f = filter(edition, region, cercle, status, search)?;
        let p = registers(ctx, min_position, as_of).await?;
        Ok(p.read(|rm, pos| {
            let c = rm.membership.counts(&f);
            let codes = |m: std::collections::BTreeMap<String, u32>| {
                m.into_iter()
                    .map(|(code, count)| CodeCount { code, count })
                    .collect()
            };
            MemberCounts {
                position: pos,
                total: c.total,
                by_status: c
                    .by_status
                    .into_iter()
                    .map(|(s, count)| StatusCount {
                        status: s.into(),
                        count,
                    })
                    .collect(),
                by_region: codes(c.by_region),
                by_cercle: codes(c.by_cercle),
            }
        }))
    }
}
