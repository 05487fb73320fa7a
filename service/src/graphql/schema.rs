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
    SessionMutation, StatutesMutation, TerritoryMutation,
};
use super::register_changes::RegisterSubscription;
use super::resolutions::ResolutionsQuery;
use super::sessions::SessionsQuery;
use super::statutes::StatutesQuery;
use super::timeline::TimelineQuery;
use super::translation::Translation;

use crate::application::Application;

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
    StatutesQuery,
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
    TerritoryMutation,
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
    // Translation first: its `request` wraps the others and runs last;
    // then MaskErrors, whose `execute` sees what RequestLimits' left.
    .extension(Translation)
    .extension(MaskErrors)
    .extension(RequestLimits)
}

/// The schema the server runs: resolvers reach the service through the
/// [`Application`] in the schema's data, and nothing else.
pub fn build_schema(app: Arc<Application>) -> RegistreSchema {
    builder().data(app).finish()
}

/// The application in a request's data (put there by [`build_schema`]).
pub(crate) fn app<'a>(ctx: &async_graphql::Context<'a>) -> &'a Application {
    ctx.data_unchecked::<Arc<Application>>()
}

/// The SDL, as committed in `schema/registre.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
