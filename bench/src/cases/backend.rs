//! The stores the append and command cases write to: a fresh SQLite file
//! or a fresh PostgreSQL schema per case, dropped when the case ends.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use registre_service::store::EventStore;
use registre_service::store::sqlite::{Indexing, SqliteStore};

use super::PostgresArg;

/// Where the append cases write.
pub(super) enum Backend {
    /// A fresh SQLite file per case, under `--dir`.
    Sqlite(Indexing),
    /// A fresh schema per case in this PostgreSQL database.
    Postgres(String),
}

impl Backend {
    /// The default store, then PostgreSQL when a URL was given.
    pub(super) fn chosen(arg: &PostgresArg, indexing: Indexing) -> Vec<Backend> {
        let mut v = vec![Backend::Sqlite(indexing)];
        v.extend(arg.postgres.clone().map(Backend::Postgres));
        v
    }

    pub(super) fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite(_) => "sqlite store",
            Backend::Postgres(_) => "postgres store",
        }
    }

    /// A new empty store for the case `case`.
    pub(super) async fn fresh(&self, dir: &Path, case: &str) -> anyhow::Result<CaseStore> {
        match self {
            Backend::Sqlite(indexing) => Ok(CaseStore {
                store: Arc::new(
                    SqliteStore::open_with(dir.join(format!("{case}.db")), *indexing).await?,
                ),
                schema: None,
            }),
            Backend::Postgres(url) => {
                let (base, query) = url.split_once('?').unwrap_or((url, ""));
                let mut params: Vec<&str> = query
                    .split('&')
                    .filter(|p| !p.is_empty() && !p.starts_with("schema="))
                    .collect();
                let driver_url = if params.is_empty() {
                    base.to_owned()
                } else {
                    format!("{base}?{}", params.join("&"))
                };
                let schema = format!(
                    "bench_{}_{}_{}",
                    std::process::id(),
                    chrono::Utc::now().timestamp(),
                    case.replace('-', "_")
                );
                let with_schema = format!("schema={schema}");
                params.push(&with_schema);
                let store =
                    registre_service::store::open(&format!("{base}?{}", params.join("&"))).await?;
                Ok(CaseStore {
                    store,
                    schema: Some((driver_url, schema)),
                })
            }
        }
    }
}

/// A case's store; a PostgreSQL schema made for it is dropped by `finish`.
pub(super) struct CaseStore {
    pub(super) store: Arc<dyn EventStore>,
    schema: Option<(String, String)>,
}

impl CaseStore {
    pub(super) async fn finish(self) -> anyhow::Result<()> {
        drop(self.store);
        if let Some((url, schema)) = self.schema {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .context("connecting to drop a benchmark schema")?;
            let driver = tokio::spawn(connection);
            client
                .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                .await
                .with_context(|| format!("dropping the benchmark schema {schema}"))?;
            drop(client);
            let _ = driver.await;
        }
        Ok(())
    }
}
