//! An entity's history: the events about a member, session, body, post,
//! mandate, motion, minutes or stream, with their actors, from the audit
//! timeline. For the secretariat and auditors.

use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};
use registre_projections::audit_timeline::{EntityKey, EntityKind};
use uuid::Uuid;

use super::errors::ApiError;
use super::events::{Actor, Event};
use super::guard::{Policy, RootKind};
use super::read_models::{AsOf, Conn, MAX_TEXT_ARG, Page, not_found, page_cost, registers};
use super::schema::app;

/// One event of an entity's history.
pub struct HistoryEntry {
    position: u64,
    event_id: Uuid,
    event_type: String,
    actor: registre_schema::Actor,
    occurred_at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
}

#[Object]
impl HistoryEntry {
    async fn position(&self) -> u64 {
        self.position
    }
    async fn event_id(&self) -> String {
        self.event_id.to_string()
    }
    async fn event_type(&self) -> &str {
        &self.event_type
    }
    async fn actor(&self) -> Actor {
        Actor {
            id: self.actor.id.clone(),
            role: self.actor.role.into(),
        }
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.occurred_at
    }
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.recorded_at
    }
    /// The whole event as stored: envelope and payload.
    async fn event(&self, ctx: &Context<'_>) -> Result<Option<Event>, ApiError> {
        Ok(app(ctx).log().event(self.position).await?.map(Event))
    }
}

/// The kinds a bare id is looked up as, in this order.
const KINDS: [EntityKind; 8] = [
    EntityKind::Member,
    EntityKind::Session,
    EntityKind::Body,
    EntityKind::Motion,
    EntityKind::Minutes,
    EntityKind::Post,
    EntityKind::Mandate,
    EntityKind::Correction,
];

#[derive(Default)]
pub struct TimelineQuery;

#[Object(guard = "Policy(RootKind::Query)")]
impl TimelineQuery {
    /// The events about one entity, in log order, with their actors.
    /// `entityId` is `kind:uuid` (`member:…`, `session:…`, `body:…`,
    /// `post:…`, `mandate:…`, `motion:…`, `minutes:…`, `correction:…`,
    /// `stream:…`) or a bare uuid, looked up among those kinds.
    #[graphql(complexity = "child_complexity * page_cost(first)")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        entity_id: String,
        first: Option<u32>,
        after: Option<String>,
        min_position: Option<u64>,
        as_of: Option<AsOf>,
    ) -> Result<Conn<HistoryEntry>, ApiError> {
        if entity_id.len() > MAX_TEXT_ARG {
            return Err(ApiError::bad_input(
                format!("entityId : {MAX_TEXT_ARG} caractères au plus."),
                format!("entityId: at most {MAX_TEXT_ARG} characters."),
            ));
        }
        let keys: Vec<EntityKey> = match Uuid::try_parse(&entity_id) {
            Ok(id) => KINDS.iter().map(|k| EntityKey::new(*k, id)).collect(),
            Err(_) => vec![entity_id.parse().map_err(|_| {
                ApiError::bad_input(
                    "entityId : un uuid, ou « genre:uuid » (member, session, body…).",
                    "entityId: a uuid, or \"kind:uuid\" (member, session, body…).",
                )
            })?],
        };
        let page = Page::new(first, after)?;
        let p = registers(ctx, min_position, as_of).await?;
        p.read(|rm, pos| {
            let t = &rm.timeline;
            let key = keys
                .iter()
                .find(|k| t.entities.contains_key(k))
                .ok_or_else(|| not_found("entité", "entity", &entity_id))?;
            let items = t
                .history(*key, None)
                .into_iter()
                .map(|h| (format!("{:020}", h.position), h))
                .collect();
            Ok(page.cut(pos, items, |h| HistoryEntry {
                position: h.position,
                event_id: h.event_id,
                event_type: h.event_type.to_owned(),
                actor: h.actor.clone(),
                occurred_at: h.occurred_at,
                recorded_at: h.recorded_at,
            }))
        })
    }
}
