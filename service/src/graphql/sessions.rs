//! Sessions: the calendar, notice, attendance, quorum, the motions voted
//! and the minutes of each session.

use std::collections::HashMap;

use async_graphql::{ComplexObject, Context, Enum, ID, Object, OutputType, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use registre_projections::ReadModels;
use registre_projections::resolutions::ResolutionFilter;
use registre_projections::sessions::{SessionFilter, SessionRecord};

use super::documents::{self, DocumentLink};
use super::domain_enums::Requester;
use super::errors::ApiError;
use super::guard::{Policy, RootKind};
use super::minutes::{Minutes, minutes};
use super::read_models::{
    AsOf, Conn, Correction, Page, corrections, date_key, id, nested, nested_ranked, not_found,
    page_cost, registers, uuid,
};
use super::resolutions::{Motion, motion};
use registre_schema::events::RequestedBy;
use uuid::Uuid;

use super::domain_enums::SessionKind as GqlSessionKind;

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(
    name = "SessionState",
    remote = "registre_projections::sessions::SessionState"
)]
pub enum GqlSessionState {
    Convened,
    QuorumFailed,
    Open,
    Closed,
    Adjourned,
}

/// The count taken when the quorum was checked.
#[derive(SimpleObject)]
pub struct Quorum {
    pub reached: bool,
    pub eligible: u32,
    pub present: u32,
    /// Absent members represented by a present proxy holder.
    pub represented: u32,
    pub required: u32,
    pub position: u64,
}

#[derive(SimpleObject, Clone)]
pub struct Present {
    pub member_id: ID,
    pub delegate_name: String,
}

#[derive(SimpleObject, Clone)]
pub struct Represented {
    pub grantor_member_id: ID,
    pub holder_member_id: ID,
}

/// An eligible member neither present nor represented.
#[derive(SimpleObject, Clone)]
pub struct Absent {
    pub member_id: ID,
}

/// Who attended, among the members eligible at the convocation. Each
/// entry carries its member's place in the eligible list, fixed at the
/// convocation: the cursor of its page (members move between the three
/// lists while the session is held).
pub struct Attendance {
    read_position: u64,
    present: Vec<(u64, Present)>,
    represented: Vec<(u64, Represented)>,
    absent: Vec<(u64, Absent)>,
}

#[Object]
impl Attendance {
    #[graphql(complexity = "child_complexity * page_cost(first)")]
    async fn present(
        &self,
        first: Option<u32>,
        after: Option<String>,
    ) -> Result<Conn<Present>, ApiError> {
        ranked(self.read_position, &self.present, first, after)
    }

    #[graphql(complexity = "child_complexity * page_cost(first)")]
    async fn represented(
        &self,
        first: Option<u32>,
        after: Option<String>,
    ) -> Result<Conn<Represented>, ApiError> {
        ranked(self.read_position, &self.represented, first, after)
    }

    #[graphql(complexity = "child_complexity * page_cost(first)")]
    async fn absent(
        &self,
        first: Option<u32>,
        after: Option<String>,
    ) -> Result<Conn<Absent>, ApiError> {
        ranked(self.read_position, &self.absent, first, after)
    }
}

/// A page of one attendance list, its cursor the member's eligible place.
fn ranked<T: Clone + OutputType>(
    position: u64,
    items: &[(u64, T)],
    first: Option<u32>,
    after: Option<String>,
) -> Result<Conn<T>, ApiError> {
    nested_ranked(
        position,
        items.iter().map(|(rank, t)| (*rank, t)),
        first,
        after,
        Clone::clone,
    )
}

/// A session of an instance or organ.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Session {
    pub id: ID,
    pub body_id: ID,
    pub body_name: Option<String>,
    pub convened_by_body_id: ID,
    pub kind: GqlSessionKind,
    pub state: GqlSessionState,
    pub convened_on: NaiveDate,
    pub session_date: NaiveDate,
    pub place: String,
    pub agenda: Vec<String>,
    /// Members active and in good standing on the convocation date.
    pub eligible_count: u32,
    /// Days between convocation and session.
    pub notice_days: i64,
    /// Days the statutes required.
    pub notice_required: Option<u32>,
    pub notice_compliant: Option<bool>,
    pub second_convocation_of: Option<ID>,
    pub second_convocations: Vec<ID>,
    /// An extraordinary session's grounds.
    pub grounds: Option<String>,
    /// Who asked for an extraordinary session.
    pub requested_by: Option<Requester>,
    /// The members who asked, when members did.
    pub requested_by_member_ids: Vec<ID>,
    pub quorum: Option<Quorum>,
    pub opened_at: Option<DateTime<Utc>>,
    pub without_quorum: bool,
    pub closed_at: Option<DateTime<Utc>>,
    /// Why the session was adjourned.
    pub adjourned: Option<String>,
    pub statutes_version: u32,
    /// Position of the convocation in the log.
    pub position: u64,
    pub corrections: Vec<Correction>,
    #[graphql(skip)]
    motions: Vec<Motion>,
    /// The minutes of this session.
    pub minutes: Vec<Minutes>,
    /// Position of the log the read models were at for this answer.
    pub read_position: u64,
    /// Its convocation and attendance sheet, and its minutes once closed,
    /// in PDF.
    pub documents: Vec<DocumentLink>,
    #[graphql(skip)]
    record: SessionRecord,
}

#[ComplexObject]
impl Session {
    /// Present, represented by proxy, and absent members.
    async fn attendance(&self) -> Attendance {
        let a = self.record.attendance();
        let places: HashMap<Uuid, u64> = (0..)
            .zip(&self.record.eligible)
            .map(|(i, m)| (*m, i))
            .collect();
        let place = |m: &Uuid| places.get(m).copied().unwrap_or(u64::MAX);
        Attendance {
            read_position: self.read_position,
            present: a
                .present
                .into_iter()
                .map(|m| {
                    let p = Present {
                        member_id: id(m),
                        delegate_name: self.record.present.get(&m).cloned().unwrap_or_default(),
                    };
                    (place(&m), p)
                })
                .collect(),
            represented: a
                .represented
                .into_iter()
                .map(|(g, h)| {
                    let r = Represented {
                        grantor_member_id: id(g),
                        holder_member_id: id(h),
                    };
                    (place(&g), r)
                })
                .collect(),
            absent: a
                .absent
                .into_iter()
                .map(|m| (place(&m), Absent { member_id: id(m) }))
                .collect(),
        }
    }

    /// The motions tabled, in agenda order, with their tallies.
    #[graphql(complexity = "child_complexity * page_cost(first)")]
    async fn motions(
        &self,
        first: Option<u32>,
        after: Option<String>,
    ) -> Result<Conn<Motion>, ApiError> {
        nested(
            self.read_position,
            &self.motions,
            first,
            after,
            Clone::clone,
        )
    }
}

pub(crate) fn session(rm: &ReadModels, s: &SessionRecord, read_position: u64) -> Session {
    let motions = rm
        .resolutions
        .list(&ResolutionFilter {
            session_id: Some(s.session_id),
            ..Default::default()
        })
        .into_iter()
        .map(|r| motion(r, read_position))
        .collect();
    Session {
        id: id(s.session_id),
        body_id: id(s.body_id),
        body_name: rm.bodies.body(s.body_id).map(|b| b.name.clone()),
        convened_by_body_id: id(s.convened_by_body_id),
        kind: s.kind.into(),
        state: s.state.into(),
        convened_on: s.convened_on,
        session_date: s.session_date,
        place: s.place.clone(),
        agenda: s.agenda.clone(),
        eligible_count: s.eligible.len() as u32,
        notice_days: s.notice_days,
        notice_required: s.notice_required,
        notice_compliant: s.notice_compliant,
        second_convocation_of: s.second_convocation_of.map(id),
        second_convocations: s.second_convocations.iter().copied().map(id).collect(),
        grounds: s.request.as_ref().map(|r| r.grounds.clone()),
        requested_by: s.request.as_ref().map(|r| match r.requested_by {
            RequestedBy::Bureau => Requester::Bureau,
            RequestedBy::Members { .. } => Requester::Members,
        }),
        requested_by_member_ids: match s.request.as_ref().map(|r| &r.requested_by) {
            Some(RequestedBy::Members { member_ids }) => {
                member_ids.iter().copied().map(id).collect()
            }
            _ => Vec::new(),
        },
        quorum: s.quorum.map(|q| Quorum {
            reached: q.reached,
            eligible: q.count.eligible,
            present: q.count.present,
            represented: q.count.represented,
            required: q.count.required,
            position: q.position,
        }),
        opened_at: s.opened_at,
        without_quorum: s.without_quorum,
        closed_at: s.closed_at,
        adjourned: s.adjourned.clone(),
        statutes_version: s.statutes_version,
        position: s.position,
        corrections: corrections(&s.corrections),
        motions,
        minutes: rm
            .minutes
            .of_session(s.session_id)
            .into_iter()
            .map(|m| minutes(m, read_position))
            .collect(),
        read_position,
        documents: documents::of_session(
            s.session_id,
            s.state == registre_projections::sessions::SessionState::Closed,
        ),
        record: s.clone(),
    }
}

#[derive(Default)]
pub struct SessionsQuery;

#[Object(guard = "Policy(RootKind::Query)")]
impl SessionsQuery {
    /// The calendar: sessions by date, filtered by body, kind, state and
    /// session dates (`from`, `to` included).
    #[graphql(complexity = "child_complexity * page_cost(first)")]
    #[allow(clippy::too_many_arguments)]
    async fn sessions(
        &self,
        ctx: &Context<'_>,
        body_id: Option<ID>,
        kind: Option<GqlSessionKind>,
        state: Option<GqlSessionState>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        first: Option<u32>,
        after: Option<String>,
        min_position: Option<u64>,
        as_of: Option<AsOf>,
    ) -> Result<Conn<Session>, ApiError> {
        let f = SessionFilter {
            body_id: body_id.as_ref().map(|b| uuid(b, "instance")).transpose()?,
            kind: kind.map(Into::into),
            state: state.map(Into::into),
            from,
            to,
        };
        let page = Page::new(first, after)?;
        let p = registers(ctx, min_position, as_of).await?;
        Ok(p.read(|rm, pos| {
            let items = rm
                .sessions
                .calendar(&f)
                .into_iter()
                .map(|s| {
                    (
                        format!("{}|{}", date_key(Some(s.session_date)), s.session_id),
                        s,
                    )
                })
                .collect();
            page.cut(pos, items, |s| session(rm, s, pos))
        }))
    }

    /// One session with its attendance, quorum, motions and tallies.
    async fn session(
        &self,
        ctx: &Context<'_>,
        id: ID,
        min_position: Option<u64>,
        as_of: Option<AsOf>,
    ) -> Result<Session, ApiError> {
        let key = uuid(&id, "session")?;
        let p = registers(ctx, min_position, as_of).await?;
        p.read(|rm, pos| {
            rm.sessions
                .session(key)
                .map(|s| session(rm, s, pos))
                .ok_or_else(|| not_found("session", "session", key))
        })
    }
}
