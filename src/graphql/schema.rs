//! The schema: root types, limits, data and extensions.
//!
//! Read models and mutations plug in here: a read model's query type joins
//! [`Query`]'s `MergedObject`, a mutation type replaces `EmptyMutation`.

use std::sync::Arc;

use async_graphql::{EmptyMutation, MergedObject, MergedSubscription, Schema};

use super::errors::MaskErrors;
use super::events::{EventQuery, EventSubscription};
use crate::auth::TokenRegistry;
use crate::store::EventStore;

/// Deepest selection accepted.
pub const MAX_DEPTH: usize = 12;
/// Highest complexity accepted (one per field, times the page size of
/// lists; see `events`).
pub const MAX_COMPLEXITY: usize = 500;
/// Deepest nesting of the query document itself (against stack exhaustion
/// while parsing).
pub const MAX_RECURSIVE_DEPTH: usize = 32;
/// Most directives on one field.
pub const MAX_DIRECTIVES: usize = 10;

#[derive(MergedObject, Default)]
pub struct Query(EventQuery);

#[derive(MergedSubscription, Default)]
pub struct Subscription(EventSubscription);

pub type RegistreSchema = Schema<Query, EmptyMutation, Subscription>;

/// The schema without data, for its SDL.
pub fn builder() -> async_graphql::SchemaBuilder<Query, EmptyMutation, Subscription> {
    Schema::build(Query::default(), EmptyMutation, Subscription::default())
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_recursive_depth(MAX_RECURSIVE_DEPTH)
        .limit_directives(MAX_DIRECTIVES)
        .extension(MaskErrors)
}

/// The schema the server runs.
pub fn build_schema(store: Arc<dyn EventStore>, registry: Arc<TokenRegistry>) -> RegistreSchema {
    builder().data(store).data(registry).finish()
}

/// The SDL, as committed in `schema/registre.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
