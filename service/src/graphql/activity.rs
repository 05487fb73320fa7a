//! The latest activity: the last events the read models applied, newest
//! first, as a dashboard's "what happened lately" list.
//!
//! Read from the audit timeline, so dashboards see it: type, dates and the
//! role that acted, never the actor's name nor the payload (those are in
//! `history` and the raw events, for the secretariat and auditors).

use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::errors::ApiError;
use super::events::GqlRole;
use super::guard::{Policy, RootKind};
use super::read_models::{AsOf, registers};

/// Most events `latestEvents` lists.
pub const MAX_LATEST: u32 = 100;
/// Events listed when `first` is not given.
pub const DEFAULT_LATEST: u32 = 10;

/// One recent event, without its payload.
#[derive(SimpleObject)]
pub struct RecentEvent {
    pub position: u64,
    pub event_id: String,
    pub event_type: String,
    /// The role of the actor who issued the command.
    pub role: GqlRole,
    pub occurred_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
}

/// The last events, newest first.
#[derive(SimpleObject)]
pub struct LatestEvents {
    /// Position of the log the read models were at for this answer.
    pub position: u64,
    pub events: Vec<RecentEvent>,
}

#[derive(Default)]
pub struct ActivityQuery;

#[Object(guard = "Policy(RootKind::Query)")]
impl ActivityQuery {
    /// The last `first` events of the registers (default 10, at most 100),
    /// newest first; at a past point with `asOf`.
    async fn latest_events(
        &self,
        ctx: &Context<'_>,
        first: Option<u32>,
        min_position: Option<u64>,
        as_of: Option<AsOf>,
    ) -> Result<LatestEvents, ApiError> {
        let first = first.unwrap_or(DEFAULT_LATEST);
        if first == 0 || first > MAX_LATEST {
            return Err(ApiError::bad_input(
                format!("first doit être compris entre 1 et {MAX_LATEST}."),
                format!("first must be between 1 and {MAX_LATEST}."),
            ));
        }
        let p = registers(ctx, min_position, as_of).await?;
        Ok(p.read(|rm, position| {
            let t = &rm.timeline;
            LatestEvents {
                position,
                events: t
                    .rows
                    .iter()
                    .rev()
                    .take(first as usize)
                    .map(|row| {
                        let e = t.entry(row);
                        RecentEvent {
                            position: e.position,
                            event_id: e.event_id.to_string(),
                            event_type: e.event_type.to_owned(),
                            role: e.actor.role.into(),
                            occurred_at: e.occurred_at,
                            recorded_at: e.recorded_at,
                        }
                    })
                    .collect(),
            }
        }))
    }
}
