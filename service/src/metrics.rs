//! Prometheus metrics: what happened, counted where it happens.
//!
//! - `registre_appends_total`, `registre_appended_events_total`,
//!   `registre_append_conflicts_total`: counted by [`InstrumentedStore`],
//!   the wrapper every append of the server goes through.
//! - `registre_http_request_duration_seconds{route,status}` and
//!   `registre_graphql_request_duration_seconds{operation}`: timed by the
//!   HTTP layer and the GraphQL handler.
//! - `registre_log_head`: the log's last position, read at each scrape.
//! - `registre_graphql_cache_hits_total`, `registre_graphql_cache_misses_total`:
//!   read-model queries answered from the response cache, or computed.
//! - `registre_component_up{component}`: 1 while the store, the read models
//!   or the audit trail does its work, 0 while it retries after a fault
//!   (see [`crate::health`]); set at each scrape.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use registre_schema::Position;

use crate::health::{Fault, StoreFaults};
use crate::store::{AppendOutcome, AppendRequest, EventStore, StoreError, StoreWrapper};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    /// A fixed route name, never the raw path (unbounded label values would
    /// let any client grow the registry).
    pub route: &'static str,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ComponentLabels {
    /// One of [`crate::health::COMPONENTS`].
    pub component: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct GraphqlLabels {
    /// `query`, `mutation`, `batch` or `invalid`.
    pub operation: &'static str,
}

/// Every metric of the process.
pub struct Metrics {
    registry: Registry,
    pub appends: Counter,
    pub appended_events: Counter,
    pub append_conflicts: Counter,
    pub http_latency: Family<HttpLabels, Histogram>,
    pub graphql_latency: Family<GraphqlLabels, Histogram>,
    pub log_head: Gauge,
    pub graphql_cache_hits: Counter,
    pub graphql_cache_misses: Counter,
    pub component_up: Family<ComponentLabels, Gauge>,
    /// The last failed append's fault, for `/readyz`.
    pub store_faults: StoreFaults,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms to about 16 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

impl Metrics {
    pub fn new() -> Arc<Metrics> {
        let mut registry = Registry::default();
        let appends = Counter::default();
        let appended_events = Counter::default();
        let append_conflicts = Counter::default();
        let http_latency =
            Family::<HttpLabels, Histogram>::new_with_constructor(latency_histogram as fn() -> _);
        let graphql_latency = Family::<GraphqlLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> _,
        );
        let log_head = Gauge::default();
        let graphql_cache_hits = Counter::default();
        let graphql_cache_misses = Counter::default();
        let component_up = Family::<ComponentLabels, Gauge>::default();
        registry.register(
            "registre_component_up",
            "1 while a component (store, read_models, audit_trail) works, 0 while it retries after a fault",
            component_up.clone(),
        );
        registry.register(
            "registre_graphql_cache_hits",
            "GraphQL requests answered from the response cache",
            graphql_cache_hits.clone(),
        );
        registry.register(
            "registre_graphql_cache_misses",
            "GraphQL requests looked up in the response cache and computed",
            graphql_cache_misses.clone(),
        );
        registry.register(
            "registre_appends",
            "Appends committed (deduplicated retries excluded)",
            appends.clone(),
        );
        registry.register(
            "registre_appended_events",
            "Events appended to the log",
            appended_events.clone(),
        );
        registry.register(
            "registre_append_conflicts",
            "Appends refused because the stream had changed (wrong expected revision)",
            append_conflicts.clone(),
        );
        registry.register(
            "registre_http_request_duration_seconds",
            "HTTP request latency",
            http_latency.clone(),
        );
        registry.register(
            "registre_graphql_request_duration_seconds",
            "GraphQL query and mutation execution latency",
            graphql_latency.clone(),
        );
        registry.register(
            "registre_log_head",
            "Global position of the last event in the log",
            log_head.clone(),
        );
        Arc::new(Metrics {
            registry,
            appends,
            appended_events,
            append_conflicts,
            http_latency,
            graphql_latency,
            log_head,
            graphql_cache_hits,
            graphql_cache_misses,
            component_up,
            store_faults: StoreFaults::default(),
        })
    }

    pub fn observe_http(&self, route: &'static str, status: u16, elapsed: Duration) {
        self.http_latency
            .get_or_create(&HttpLabels { route, status })
            .observe(elapsed.as_secs_f64());
    }

    /// The text exposition format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// A store that counts appends and conflicts as they happen, and sets the
/// head gauge from appends and head reads; its other methods are the inner
/// store's ([`StoreWrapper`]).
pub struct InstrumentedStore {
    inner: Arc<dyn EventStore>,
    metrics: Arc<Metrics>,
}

impl InstrumentedStore {
    pub fn wrap(inner: Arc<dyn EventStore>, metrics: Arc<Metrics>) -> Arc<dyn EventStore> {
        Arc::new(InstrumentedStore { inner, metrics })
    }
}

#[async_trait]
impl StoreWrapper for InstrumentedStore {
    fn inner(&self) -> &dyn EventStore {
        self.inner.as_ref()
    }

    async fn append(&self, req: AppendRequest) -> Result<AppendOutcome, StoreError> {
        let result = self.inner.append(req).await;
        match &result {
            Ok(_) => self.metrics.store_faults.succeeded(),
            Err(e) => {
                if let Some(fault) = Fault::of_store(e) {
                    self.metrics.store_faults.failed(fault);
                }
            }
        }
        match &result {
            Ok(out) if !out.deduplicated => {
                self.metrics.appends.inc();
                self.metrics
                    .appended_events
                    .inc_by(out.last_position + 1 - out.first_position);
                let _ = self
                    .metrics
                    .log_head
                    .set(i64::try_from(out.last_position).unwrap_or(i64::MAX));
            }
            Ok(_) => {}
            Err(StoreError::WrongExpectedVersion { .. }) => {
                self.metrics.append_conflicts.inc();
            }
            Err(_) => {}
        }
        result
    }

    async fn head(&self) -> Result<Position, StoreError> {
        let head = self.inner.head().await?;
        let _ = self
            .metrics
            .log_head
            .set(i64::try_from(head).unwrap_or(i64::MAX));
        Ok(head)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ExpectedState;
    use crate::store::sqlite::SqliteStore;
    use registre_schema::{Actor, CommandMeta, EventData, StreamId};

    fn req(stream: &str, expected: ExpectedState, n: usize) -> AppendRequest {
        AppendRequest {
            stream_id: StreamId::new(stream).unwrap(),
            expected,
            meta: CommandMeta::new(Actor::system()),
            events: (0..n)
                .map(|_| EventData::new("Tested", 1, chrono::Utc::now(), serde_json::json!({})))
                .collect(),
        }
    }

    #[tokio::test]
    async fn appends_conflicts_and_head_are_counted_where_they_happen() {
        let dir = tempfile::tempdir().unwrap();
        let metrics = Metrics::new();
        let store = InstrumentedStore::wrap(
            Arc::new(SqliteStore::open(dir.path().join("m.db")).await.unwrap()),
            metrics.clone(),
        );
        store
            .append(req("a-1", ExpectedState::NoStream, 3))
            .await
            .unwrap();
        let retry = req("a-2", ExpectedState::Any, 2);
        store.append(retry.clone()).await.unwrap();
        store.append(retry).await.unwrap(); // deduplicated: not counted again
        let err = store.append(req("a-1", ExpectedState::NoStream, 1)).await;
        assert!(matches!(err, Err(StoreError::WrongExpectedVersion { .. })));
        assert_eq!(metrics.appends.get(), 2);
        assert_eq!(metrics.appended_events.get(), 5);
        assert_eq!(metrics.append_conflicts.get(), 1);
        assert_eq!(metrics.log_head.get(), 5);
        let text = metrics.encode();
        assert!(text.contains("registre_appends_total 2"), "{text}");
        assert!(text.contains("registre_append_conflicts_total 1"), "{text}");
        assert!(text.contains("registre_log_head 5"), "{text}");
    }
}
