//! Minutes (procès-verbaux): drafts, adoption and signatures, with the
//! hash of the document each step was about.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::NaiveDate;
use registre_projections::minutes::MinutesRecord;

use super::errors::ApiError;
use super::guard::{Policy, RootKind};
use super::read_models::{
    AsOf, Conn, Correction, Page, corrections, id, not_found, page_cost, registers, uuid,
};

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(
    name = "MinutesStatus",
    remote = "registre_projections::minutes::MinutesStatus"
)]
pub enum GqlMinutesStatus {
    Drafted,
    Adopted,
    /// Adopted and signed by both the president and the secretary.
    Signed,
}

use super::domain_enums::Signatory as GqlSignatory;

#[derive(SimpleObject)]
pub struct Draft {
    pub sha256: String,
    pub document_ref: String,
    pub drafted_on: NaiveDate,
    pub position: u64,
}

#[derive(SimpleObject)]
pub struct Adoption {
    pub adopted_in_session_id: ID,
    pub adopted_on: NaiveDate,
    pub sha256: String,
    pub statutes_version: u32,
    pub position: u64,
}

#[derive(SimpleObject)]
pub struct Signature {
    pub signatory: GqlSignatory,
    pub name: String,
    pub signed_on: NaiveDate,
    pub position: u64,
}

/// The minutes of a session.
#[derive(SimpleObject)]
pub struct Minutes {
    pub id: ID,
    pub session_id: ID,
    pub status: GqlMinutesStatus,
    /// Hash of the document as it stands (adopted, else latest draft).
    pub sha256: Option<String>,
    /// Every draft, the latest last.
    pub drafts: Vec<Draft>,
    pub adoption: Option<Adoption>,
    pub signatures: Vec<Signature>,
    pub corrections: Vec<Correction>,
    /// Position of the log the read models were at for this answer.
    pub read_position: u64,
}

pub(crate) fn minutes(r: &MinutesRecord, read_position: u64) -> Minutes {
    Minutes {
        id: id(r.minutes_id),
        session_id: id(r.session_id),
        status: r.status().into(),
        sha256: r.sha256().map(str::to_owned),
        drafts: r
            .drafts
            .iter()
            .map(|d| Draft {
                sha256: d.sha256.clone(),
                document_ref: d.document_ref.clone(),
                drafted_on: d.drafted_on,
                position: d.position,
            })
            .collect(),
        adoption: r.adoption.as_ref().map(|a| Adoption {
            adopted_in_session_id: id(a.adopted_in_session_id),
            adopted_on: a.adopted_on,
            sha256: a.sha256.clone(),
            statutes_version: a.statutes_version,
            position: a.position,
        }),
        signatures: r
            .signatures
            .iter()
            .map(|s| Signature {
                signatory: s.signatory.into(),
                name: s.name.clone(),
                signed_on: s.signed_on,
                position: s.position,
            })
            .collect(),
        corrections: corrections(&r.corrections),
        read_position,
    }
}

#[derive(Default)]
pub struct MinutesQuery;

#[Object(guard = "Policy(RootKind::Query)")]
impl MinutesQuery {
    /// Minutes by id, filtered by status (drafted, adopted, signed) and
    /// session.
    #[graphql(complexity = "child_complexity * page_cost(first)")]
    #[allow(clippy::too_many_arguments)]
    async fn minutes_register(
        &self,
        ctx: &Context<'_>,
        status: Option<GqlMinutesStatus>,
        session_id: Option<ID>,
        first: Option<u32>,
        after: Option<String>,
        min_position: Option<u64>,
        as_of: Option<AsOf>,
    ) -> Result<Conn<Minutes>, ApiError> {
        let session = session_id
            .as_ref()
            .map(|s| uuid(s, "session"))
            .transpose()?;
        let status = status.map(registre_projections::minutes::MinutesStatus::from);
        let page = Page::new(first, after)?;
        let p = registers(ctx, min_position, as_of).await?;
        Ok(p.read(|rm, pos| {
            let items = rm
                .minutes
                .minutes
                .values()
                .filter(|m| status.is_none_or(|s| m.status() == s))
                .filter(|m| session.is_none_or(|s| m.session_id == s))
                .map(|m| (m.minutes_id.to_string(), m))
                .collect();
            page.cut(pos, items, |m| minutes(m, pos))
        }))
    }

    /// One minutes record with its drafts, adoption and signatures.
    async fn minutes(
        &self,
        ctx: &Context<'_>,
        id: ID,
        min_position: Option<u64>,
        as_of: Option<AsOf>,
    ) -> Result<Minutes, ApiError> {
        let key = uuid(&id, "procès-verbal")?;
        let p = registers(ctx, min_position, as_of).await?;
        p.read(|rm, pos| {
            rm.minutes
                .get(key)
                .map(|m| minutes(m, pos))
                .ok_or_else(|| not_found("procès-verbal", "minutes", key))
        })
    }
}
