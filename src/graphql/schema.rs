//! The schema: root types, limits, data and extensions.
//!
//! Read models and mutations plug in here: a read model's query type joins
//! [`Query`]'s `MergedObject`, a mutation type joins [`Mutation`]'s (see `mutations`).

use std::sync::Arc;

use async_graphql::{MergedObject, MergedSubscription, Schema};

use super::activity::ActivityQuery;
use super::as_of::AsOfQuery;
use super::audit::AuditQuery;
use super::bodies::BodiesQuery;
use super::dues::DuesQuery;
use super::errors::MaskErrors;
use super::events::{EventQuery, EventSubscription};
use super::indicators::IndicatorsQuery;
use super::limits::RequestLimits;
use super::membership::MembershipQuery;
use super::minutes::MinutesQuery;
use super::mutations::{
    BodyMutation, CorrectionMutation, DuesMutation, MemberMutation, MinutesMutation,
    SessionMutation, StatutesMutation,
};
use super::register_changes::RegisterSubscription;
use super::resolutions::ResolutionsQuery;
use super::sessions::SessionsQuery;
use super::timeline::TimelineQuery;
use registre_projections::ReadModels;

use crate::audit::AuditTrail;
use crate::auth::TokenRegistry;
use crate::commands::CommandHandler;
use crate::projection::Projector;
use crate::projection::as_of::AsOfService;
use crate::store::EventStore;

/// Deepest selection accepted: the depth of the standard introspection
/// query (graphql-js `getIntrospectionQuery`: `__schema`, `types`,
/// `fields`, `args`, `type`, seven `ofType`, `name`), which GraphiQL and
/// code generators send. The work of deep queries is bounded by
/// [`MAX_COMPLEXITY`] and `limits::MAX_SELECTIONS`.
pub const MAX_DEPTH: usize = 13;
/// Highest complexity accepted (one per field, times the page size of
/// lists; see `events`).
pub const MAX_COMPLEXITY: usize = 500;
/// Deepest nesting of selection sets, fragments included, that
/// async-graphql walks before validation: that of the text, which is
/// bounded before parsing.
pub const MAX_RECURSIVE_DEPTH: usize = super::limits::MAX_NESTING;
/// Most directives on one field.
pub const MAX_DIRECTIVES: usize = 10;

#[derive(MergedObject, Default)]
pub struct Query(
    EventQuery,
    MembershipQuery,
    DuesQuery,
    SessionsQuery,
    ResolutionsQuery,
    BodiesQuery,
    MinutesQuery,
    IndicatorsQuery,
    TimelineQuery,
    ActivityQuery,
    AuditQuery,
    AsOfQuery,
);

/// One mutation per domain command, for the secretariat.
#[derive(MergedObject, Default)]
pub struct Mutation(
    MemberMutation,
    DuesMutation,
    StatutesMutation,
    BodyMutation,
    SessionMutation,
    MinutesMutation,
    CorrectionMutation,
);

#[derive(MergedSubscription, Default)]
pub struct Subscription(EventSubscription, RegisterSubscription);

pub type RegistreSchema = Schema<Query, Mutation, Subscription>;

/// The schema without data, for its SDL.
pub fn builder() -> async_graphql::SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .limit_recursive_depth(MAX_RECURSIVE_DEPTH)
    .limit_directives(MAX_DIRECTIVES)
    .extension(RequestLimits)
    .extension(MaskErrors)
}

/// What resolvers reach through the schema's data (`ctx.data::<T>()`).
/// The store and the token registry are always there; the others are
/// absent in tools and tests that serve the raw log alone, and resolvers
/// that need them answer with a masked internal error then.
pub struct SchemaDeps {
    pub store: Arc<dyn EventStore>,
    pub registry: Arc<TokenRegistry>,
    pub read_models: Option<Projector<ReadModels>>,
    pub trail: Option<AuditTrail>,
    pub commands: Option<Arc<CommandHandler>>,
    pub as_of: Option<AsOfService>,
}

impl SchemaDeps {
    pub fn new(store: Arc<dyn EventStore>, registry: Arc<TokenRegistry>) -> Self {
        SchemaDeps {
            store,
            registry,
            read_models: None,
            trail: None,
            commands: None,
            as_of: None,
        }
    }
}

/// The schema the server runs.
pub fn build_schema(deps: SchemaDeps) -> RegistreSchema {
    let mut b = builder().data(deps.store).data(deps.registry);
    if let Some(m) = deps.read_models {
        b = b.data(m);
    }
    if let Some(t) = deps.trail {
        b = b.data(t);
    }
    if let Some(c) = deps.commands {
        b = b.data(c);
    }
    if let Some(a) = deps.as_of {
        b = b.data(a);
    }
    b.finish()
}

/// The SDL, as committed in `schema/registre.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
