//! Raw access to the log: the head, pages of events, one event, one
//! stream, and the live feed. For the secretariat and auditors only.

use async_graphql::{Context, Enum, Json, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures::stream::{Stream, StreamExt};
use registre_schema::{RecordedEvent, Role, StreamId};

use registre_projections::fold::stream_uuid;

use super::errors::ApiError;
use super::guard::{Caller, Policy, RootKind};
use super::read_models::{applied, short};
use super::schema::app;
use crate::application::{LiveModels, LogReader, MAX_EVENT_TYPE_LEN};

/// Most events one page returns.
pub const MAX_FIRST: u64 = 1000;
/// Events returned when `first` is not given.
pub const DEFAULT_FIRST: u64 = 100;
/// Most events a filtered page reads before it returns what it found.
pub const MAX_SCAN: usize = 10_000;
/// Longest list of event types in a filter.
pub const MAX_EVENT_TYPES: usize = 50;

/// The role an actor acted under.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Role")]
pub enum GqlRole {
    Secretariat,
    Auditor,
    Dashboard,
    System,
}

impl From<Role> for GqlRole {
    fn from(r: Role) -> Self {
        match r {
            Role::Secretariat => GqlRole::Secretariat,
            Role::Auditor => GqlRole::Auditor,
            Role::Dashboard => GqlRole::Dashboard,
            Role::System => GqlRole::System,
        }
    }
}

/// Who issued the command that appended an event.
#[derive(SimpleObject)]
pub struct Actor {
    /// Token name or operator name.
    pub id: String,
    pub role: GqlRole,
}

/// An event as it stands in the log.
pub struct Event(pub RecordedEvent);

#[Object]
impl Event {
    /// Global position: 1 for the first event, no gaps.
    async fn position(&self) -> u64 {
        self.0.position
    }
    async fn id(&self) -> String {
        self.0.id.to_string()
    }
    async fn stream_id(&self) -> &str {
        self.0.stream_id.as_str()
    }
    /// Revision within the stream, from 0.
    async fn revision(&self) -> u64 {
        self.0.revision
    }
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    async fn schema_version(&self) -> u16 {
        self.0.schema_version
    }
    /// When it happened in the world.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// When it was appended.
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }
    async fn actor(&self) -> Actor {
        Actor {
            id: self.0.actor.id.clone(),
            role: self.0.actor.role.into(),
        }
    }
    async fn command_id(&self) -> String {
        self.0.command_id.to_string()
    }
    async fn correlation_id(&self) -> String {
        self.0.correlation_id.to_string()
    }
    async fn causation_id(&self) -> Option<String> {
        self.0.causation_id.map(|c| c.to_string())
    }
    /// The payload as stored, in its recorded schema version.
    async fn payload(&self) -> Json<&serde_json::Value> {
        Json(&self.0.payload)
    }
}

/// A page of the log.
#[derive(SimpleObject)]
pub struct EventPage {
    pub events: Vec<Event>,
    /// Where the next page starts: pass it as `from`.
    pub next_from: u64,
    /// Whether events were committed past this page when it was read.
    pub has_more: bool,
}

/// Which events a page or feed keeps.
#[derive(Clone, Default)]
struct Filter {
    category: Option<String>,
    types: Option<Vec<String>>,
}

impl Filter {
    fn new(category: Option<String>, types: Option<Vec<String>>) -> Result<Filter, ApiError> {
        if category.as_ref().is_some_and(|c| c.len() > 200) {
            return Err(ApiError::bad_input(
                "streamCategory : 200 caractères au plus.",
                "streamCategory: at most 200 characters.",
            ));
        }
        if types.as_ref().is_some_and(|t| {
            t.len() > MAX_EVENT_TYPES || t.iter().any(|x| x.len() > MAX_EVENT_TYPE_LEN)
        }) {
            return Err(ApiError::bad_input(
                format!(
                    "eventTypes : {MAX_EVENT_TYPES} types au plus, de {MAX_EVENT_TYPE_LEN} caractères au plus."
                ),
                format!(
                    "eventTypes: at most {MAX_EVENT_TYPES} types of at most {MAX_EVENT_TYPE_LEN} characters."
                ),
            ));
        }
        Ok(Filter { category, types })
    }

    fn keeps(&self, e: &RecordedEvent) -> bool {
        self.category
            .as_deref()
            .is_none_or(|c| e.stream_id.category() == c)
            && self
                .types
                .as_ref()
                .is_none_or(|t| t.contains(&e.event_type))
    }
}

fn check_first(first: Option<u64>) -> Result<usize, ApiError> {
    let first = first.unwrap_or(DEFAULT_FIRST);
    if first == 0 || first > MAX_FIRST {
        return Err(ApiError::bad_input(
            format!("first doit être compris entre 1 et {MAX_FIRST}."),
            format!("first must be between 1 and {MAX_FIRST}."),
        ));
    }
    Ok(first as usize)
}

fn log(ctx: &Context<'_>) -> LogReader {
    app(ctx).log()
}

/// Queries on the raw log.
#[derive(Default)]
pub struct EventQuery;

#[Object(guard = "Policy(RootKind::Query)")]
impl EventQuery {
    /// Global position of the last event (0 for an empty log).
    async fn head(&self, ctx: &Context<'_>) -> Result<u64, ApiError> {
        Ok(log(ctx).head().await?)
    }

    /// Events in log order from position `from` (default 1), at most
    /// `first` (default 100, at most 1000), optionally only of one stream
    /// category and of some event types.
    #[graphql(
        complexity = "child_complexity * (1 + first.unwrap_or(DEFAULT_FIRST).min(MAX_FIRST) as usize / 100)"
    )]
    async fn events(
        &self,
        ctx: &Context<'_>,
        from: Option<u64>,
        first: Option<u64>,
        stream_category: Option<String>,
        event_types: Option<Vec<String>>,
    ) -> Result<EventPage, ApiError> {
        let first = check_first(first)?;
        let filter = Filter::new(stream_category, event_types)?;
        let log = log(ctx);
        let mut next = from.unwrap_or(1).max(1);
        let mut events = Vec::new();
        let mut scanned = 0usize;
        let mut has_more = false;
        'scan: while scanned < MAX_SCAN {
            let batch = log.read(next, first.max(100)).await?;
            if batch.is_empty() {
                break;
            }
            for e in batch {
                if events.len() == first || scanned == MAX_SCAN {
                    has_more = true;
                    break 'scan;
                }
                scanned += 1;
                next = e.position + 1;
                if filter.keeps(&e) {
                    events.push(Event(e));
                }
            }
        }
        if !has_more {
            has_more = log.head().await? >= next;
        }
        Ok(EventPage {
            events,
            next_from: next,
            has_more,
        })
    }

    /// The event at a global position, if there is one.
    async fn event(&self, ctx: &Context<'_>, position: u64) -> Result<Option<Event>, ApiError> {
        Ok(log(ctx).event(position).await?.map(Event))
    }

    /// Events of one stream from revision `from` (default 0), at most
    /// `first` (default 100, at most 1000).
    #[graphql(
        complexity = "child_complexity * (1 + first.unwrap_or(DEFAULT_FIRST).min(MAX_FIRST) as usize / 100)"
    )]
    async fn stream(
        &self,
        ctx: &Context<'_>,
        id: String,
        from: Option<u64>,
        first: Option<u64>,
    ) -> Result<Vec<Event>, ApiError> {
        let first = check_first(first)?;
        let id = StreamId::new(id).map_err(|e| {
            ApiError::bad_input(
                "Identifiant de flux invalide : une catégorie, un tiret, puis des lettres ASCII, des chiffres ou - _ . : (par exemple member-…).",
                format!("Invalid stream id: {}.", e.reason),
            )
        })?;
        let events = log(ctx).stream(&id, from.unwrap_or(0), first).await?;
        Ok(events.into_iter().map(Event).collect())
    }
}

/// The log from `from` on (the backlog), then each event as it is
/// committed, with no gap and no repeat; without `from`, only events
/// committed after the call. Ends when the caller's token is revoked.
/// Every live subscription reads the log through this.
pub(crate) async fn feed(
    ctx: &Context<'_>,
    from: Option<u64>,
) -> Result<impl Stream<Item = Result<RecordedEvent, ApiError>> + use<>, ApiError> {
    let log = log(ctx);
    let from = match from {
        Some(p) => p,
        None => log.head().await? + 1,
    };
    let registry = app(ctx).tokens().clone();
    let token = ctx.data_opt::<Caller>().map(|c| c.0.token_id);
    Ok(log
        .follow(from)
        .take_while(move |_| {
            // A revoked token's subscription stops at the next event.
            let active = token.is_none_or(|t| registry.is_active(t));
            futures::future::ready(active)
        })
        .map(|item| item.map_err(ApiError::from)))
}

/// The region code of the member whose stream an event is on, once the
/// read models include the event (so a member's own admission finds it).
async fn member_region(models: &LiveModels, e: &RecordedEvent) -> Result<Option<String>, ApiError> {
    if e.stream_id.category() != "member" {
        return Ok(None);
    }
    let Some(member) = stream_uuid(e.stream_id.as_str()) else {
        return Ok(None);
    };
    applied(models, e.position).await?;
    Ok(models.read(|rm, _| {
        rm.membership
            .member(member)
            .and_then(|m| rm.membership.region_now(&m.unit))
            .map(str::to_owned)
    }))
}

/// The live feed of the raw log.
#[derive(Default)]
pub struct EventSubscription;

#[Subscription(guard = "Policy(RootKind::Subscription)")]
impl EventSubscription {
    /// Every event from position `from` on (the backlog), then each new
    /// event as it is committed, with no gap and no repeat. Without `from`,
    /// only events committed after the subscription started. Ends when the
    /// caller's token is revoked.
    ///
    /// `region` (a region code of the reference list, e.g. `ML01`) keeps
    /// the events of members' streams (admission, status changes,
    /// successions, dues payments) whose commune lies in that region, in
    /// the latest edition of the territory.
    /// Other streams (bodies, sessions, minutes, statutes, dues schedules,
    /// territory, corrections, tokens) belong to no region: with `region`
    /// they are left out, even when a body serves that region.
    async fn events(
        &self,
        ctx: &Context<'_>,
        from: Option<u64>,
        stream_category: Option<String>,
        event_types: Option<Vec<String>>,
        region: Option<String>,
    ) -> Result<impl Stream<Item = Result<Event, ApiError>> + use<>, ApiError> {
        let filter = Filter::new(stream_category, event_types)?;
        let region = short(region, "region")?;
        let models = match region {
            Some(_) => Some(
                app(ctx)
                    .read_models()
                    .cloned()
                    .ok_or_else(|| ApiError::Internal("read models are not served here".into()))?,
            ),
            None => None,
        };
        let feed = feed(ctx, from).await?.filter_map(move |item| {
            let (filter, region, models) = (filter.clone(), region.clone(), models.clone());
            async move {
                let e = match item {
                    Ok(e) if filter.keeps(&e) => e,
                    Ok(_) => return None,
                    Err(e) => return Some(Err(e)),
                };
                let (Some(want), Some(models)) = (region, models) else {
                    return Some(Ok(Event(e)));
                };
                match member_region(&models, &e).await {
                    Ok(Some(r)) if r == want => Some(Ok(Event(e))),
                    Ok(_) => None,
                    Err(err) => Some(Err(err)),
                }
            }
        });
        Ok(feed)
    }
}
