//! The conformance suite on PostgreSQL, and what is PostgreSQL's own: the
//! schema check, append-only triggers, several store instances (several
//! processes' worth of connections) writing one log.
//!
//! The server is `REGISTRE_TEST_POSTGRES`, by default
//! `postgres://postgres@127.0.0.1:5432/test`. Each test works in a fresh
//! schema of its own, dropped when its store is, so tests run in parallel.
//! Without a server each test says once why it is skipped and passes,
//! unless `CI=true`, where a missing server fails the test.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use registre_schema::{Position, StreamId};
use registre_service::store::postgres::PostgresStore;
use registre_service::store::{
    AppendRequest, EventStore, ExpectedState, Feed, StoreError, StoreWrapper, subscribe,
};
use uuid::Uuid;

use crate::support::{by_system, event_now};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

fn server_url() -> String {
    std::env::var("REGISTRE_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

/// A connection for the test's own SQL, or `None` (after saying why) when
/// no server answers and this is not CI.
async fn admin() -> Option<tokio_postgres::Client> {
    let url = server_url();
    let redacted = registre_service::store::redact_url(&url);
    let attempt = tokio::time::timeout(
        Duration::from_secs(5),
        tokio_postgres::connect(&url, tokio_postgres::NoTls),
    )
    .await;
    let error = match attempt {
        Ok(Ok((client, connection))) => {
            tokio::spawn(connection);
            return Some(client);
        }
        Ok(Err(e)) => e.to_string(),
        Err(_) => "no answer within 5 s".to_owned(),
    };
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but PostgreSQL at {redacted} is unavailable: {error}");
    }
    // Straight to stderr: the test harness captures print! of passing tests.
    let _ = writeln!(
        std::io::stderr(),
        "skipped: no PostgreSQL at {redacted} ({error}); set REGISTRE_TEST_POSTGRES to run these tests"
    );
    None
}

/// A schema name no other test (of this run or another) uses; it starts
/// with the time, so schemas a killed run left behind can be swept.
fn unique_schema() -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{SCHEMA_PREFIX}{}_{}_{}",
        unix_seconds(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
    )
}

const SCHEMA_PREFIX: &str = "registre_t_";

fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// Drops test schemas more than an hour old (left by a killed run).
async fn sweep(admin: &tokio_postgres::Client) {
    let Ok(rows) = admin
        .query(
            "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)",
            &[&SCHEMA_PREFIX],
        )
        .await
    else {
        return;
    };
    for row in rows {
        let name: String = row.get(0);
        let born = name[SCHEMA_PREFIX.len()..]
            .split('_')
            .next()
            .and_then(|s| s.parse::<u64>().ok());
        if born.is_some_and(|b| b + 3600 < unix_seconds()) {
            let _ = admin
                .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"))
                .await;
        }
    }
}

fn url_with_schema(schema: &str) -> String {
    let url = server_url();
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}schema={schema}")
}

/// A fresh schema name, or `None` when the test is skipped.
pub(crate) async fn fresh_schema() -> Option<(tokio_postgres::Client, SchemaGuard)> {
    let client = admin().await?;
    sweep(&client).await;
    Some((
        client,
        SchemaGuard {
            name: unique_schema(),
        },
    ))
}

/// Drops its schema when dropped.
pub(crate) struct SchemaGuard {
    pub name: String,
}

impl SchemaGuard {
    pub fn url(&self) -> String {
        url_with_schema(&self.name)
    }
}

impl Drop for SchemaGuard {
    fn drop(&mut self) {
        // Drop may run inside the test's runtime, which cannot be blocked
        // on: do the cleanup on a thread of its own.
        let name = self.name.clone();
        let url = server_url();
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                if let Ok((client, connection)) =
                    tokio_postgres::connect(&url, tokio_postgres::NoTls).await
                {
                    tokio::spawn(connection);
                    // Never hang a test run on a lock: a schema left behind
                    // is swept by a later run.
                    let _ = client
                        .batch_execute(&format!(
                            "SET lock_timeout = '10s'; DROP SCHEMA IF EXISTS \"{name}\" CASCADE"
                        ))
                        .await;
                }
            })
        });
        let _ = done.join();
    }
}

/// A store that drops its schema when the last handle goes.
struct Scoped {
    store: PostgresStore,
    _schema: SchemaGuard,
}

impl StoreWrapper for Scoped {
    fn inner(&self) -> &dyn EventStore {
        &self.store
    }
}

async fn fresh() -> Option<Arc<dyn EventStore>> {
    let (_admin, schema) = fresh_schema().await?;
    let store = PostgresStore::open(&schema.url())
        .await
        .expect("open a fresh store");
    Some(Arc::new(Scoped {
        store,
        _schema: schema,
    }))
}

crate::store_conformance!();

fn request(stream: &str, expected: ExpectedState, count: usize) -> AppendRequest {
    by_system(
        stream,
        expected,
        (0..count)
            .map(|n| event_now("DuesPaid", serde_json::json!({ "n": n })))
            .collect(),
    )
}

#[tokio::test]
async fn the_store_url_opens_postgres() {
    let Some((_admin, schema)) = fresh_schema().await else {
        return;
    };
    let store = registre_service::store::open(&schema.url())
        .await
        .expect("open");
    assert!(
        store.describe().contains(&schema.name),
        "{}",
        store.describe()
    );
    store
        .append(request("test-1", ExpectedState::NoStream, 2))
        .await
        .unwrap();
    assert_eq!(store.head().await.unwrap(), 2);
}

#[tokio::test]
async fn a_schema_holding_something_else_is_refused_and_left_alone() {
    let Some((admin, schema)) = fresh_schema().await else {
        return;
    };
    let name = &schema.name;
    admin
        .batch_execute(&format!(
            "CREATE SCHEMA \"{name}\"; CREATE TABLE \"{name}\".minutes (t text);
             INSERT INTO \"{name}\".minutes VALUES ('congress');"
        ))
        .await
        .unwrap();
    let err = PostgresStore::open(&schema.url())
        .await
        .err()
        .expect("must refuse");
    assert!(matches!(err, StoreError::Format(_)));
    assert!(err.to_string().contains("is not a registre store"), "{err}");
    let tables: i64 = admin
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1",
            &[name],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(tables, 1, "the schema was changed");

    // A table that looks like ours but names another application.
    admin
        .batch_execute(&format!(
            "CREATE TABLE \"{name}\".store_format (application text, format int);
             INSERT INTO \"{name}\".store_format VALUES ('other', 1);"
        ))
        .await
        .unwrap();
    let err = PostgresStore::open(&schema.url()).await.err().unwrap();
    assert!(err.to_string().contains("\"other\""), "{err}");
}

#[tokio::test]
async fn a_store_from_a_newer_format_is_refused() {
    let Some((admin, schema)) = fresh_schema().await else {
        return;
    };
    drop(PostgresStore::open(&schema.url()).await.unwrap());
    admin
        .batch_execute(&format!(
            "UPDATE \"{}\".store_format SET format = 99",
            schema.name
        ))
        .await
        .unwrap();
    let err = PostgresStore::open(&schema.url()).await.err().unwrap();
    let msg = err.to_string();
    assert!(
        msg.contains("newer registre") && msg.contains("format 99"),
        "{msg}"
    );
}

#[tokio::test]
async fn a_password_never_appears_in_errors() {
    if admin().await.is_none() {
        return;
    }
    // Port 1 has no server; the error must still hide the password.
    let err = PostgresStore::open("postgres://reg:s3cret@127.0.0.1:1/test?connect_timeout=2")
        .await
        .err()
        .expect("must fail");
    assert!(!err.to_string().contains("s3cret"), "{err}");
    assert!(err.to_string().contains("reg:***@"), "{err}");
}

#[tokio::test]
async fn events_cannot_be_edited_through_sql() {
    let Some((admin, schema)) = fresh_schema().await else {
        return;
    };
    let store = PostgresStore::open(&schema.url()).await.unwrap();
    store
        .append(request("test-1", ExpectedState::Any, 1))
        .await
        .unwrap();
    let s = &schema.name;
    for sql in [
        format!("UPDATE \"{s}\".events SET payload = '{{}}'"),
        format!("DELETE FROM \"{s}\".events"),
        format!("TRUNCATE \"{s}\".events"),
        format!("DELETE FROM \"{s}\".commands"),
    ] {
        let err = admin.batch_execute(&sql).await.unwrap_err();
        let msg = err.as_db_error().map(|d| d.message().to_owned());
        assert!(
            msg.as_deref().is_some_and(|m| m.contains("append-only")),
            "{sql}: {err:?}"
        );
    }
    assert_eq!(store.read_all(1, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_corrupt_payload_is_reported_with_its_position_and_type() {
    let Some((admin, schema)) = fresh_schema().await else {
        return;
    };
    let store = PostgresStore::open(&schema.url()).await.unwrap();
    for _ in 0..2 {
        store
            .append(request("test-1", ExpectedState::Any, 1))
            .await
            .unwrap();
    }
    // Damage the second event behind registre's back.
    let s = &schema.name;
    admin
        .batch_execute(&format!(
            "ALTER TABLE \"{s}\".events DISABLE TRIGGER events_append_only;
             UPDATE \"{s}\".events SET payload = '{{not json' WHERE position = 2;"
        ))
        .await
        .unwrap();
    match store.read_all(1, 10).await {
        Err(StoreError::Corrupt {
            position,
            event_type,
            ..
        }) => assert_eq!((position, event_type.as_str()), (2, "DuesPaid")),
        other => panic!("expected a corrupt-event error, got {other:?}"),
    }
}

/// Several store instances on one schema, as several registre processes
/// would be, each with its own write connection; every transaction is
/// slowed by a random sleep in a trigger, so commits finish out of the
/// order in which they started. A reader tailing through yet another
/// instance must see every acknowledged event once, in a gapless order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn slowed_writers_on_many_connections_never_make_a_reader_skip() {
    const INSTANCES: usize = 6;
    const WRITERS_PER_INSTANCE: usize = 6;
    const APPENDS: usize = 8;
    let Some((admin, schema)) = fresh_schema().await else {
        return;
    };
    let reader = Arc::new(PostgresStore::open(&schema.url()).await.unwrap());
    let s = &schema.name;
    admin
        .batch_execute(&format!(
            "CREATE FUNCTION \"{s}\".dawdle() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN PERFORM pg_sleep(random() * 0.004); RETURN NULL; END $$;
             CREATE TRIGGER dawdle AFTER INSERT ON \"{s}\".events
                 FOR EACH STATEMENT EXECUTE FUNCTION \"{s}\".dawdle();"
        ))
        .await
        .unwrap();
    let total = (INSTANCES * WRITERS_PER_INSTANCE * APPENDS * 2) as Position;

    let tail = {
        let feed = subscribe(reader.clone(), 1);
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut feed = feed;
            while (seen.len() as Position) < total {
                match tokio::time::timeout(Duration::from_secs(60), feed.next()).await {
                    Ok(Some(Ok(Feed::Event(e)))) => seen.push(e),
                    Ok(Some(Ok(Feed::CaughtUp(_)))) => {}
                    other => panic!("tail ended early: {other:?}"),
                }
            }
            seen
        })
    };
    let mut writers = Vec::new();
    for i in 0..INSTANCES {
        let store = Arc::new(PostgresStore::open(&schema.url()).await.unwrap());
        for w in 0..WRITERS_PER_INSTANCE {
            let store = store.clone();
            writers.push(tokio::spawn(async move {
                let stream = format!("test-{i}-{w}");
                let mut acks = Vec::new();
                for n in 0..APPENDS {
                    let expected = match n {
                        0 => ExpectedState::NoStream,
                        n => ExpectedState::Exact(2 * n as u64 - 1),
                    };
                    let req = request(&stream, expected, 2);
                    let ids: Vec<Uuid> = req.events.iter().map(|e| e.id).collect();
                    acks.push((store.append(req).await.expect("append"), ids));
                }
                acks
            }));
        }
    }
    let mut acked: BTreeMap<Position, Uuid> = BTreeMap::new();
    for w in writers {
        for (out, ids) in w.await.unwrap() {
            for (p, id) in (out.first_position..=out.last_position).zip(ids) {
                assert!(acked.insert(p, id).is_none(), "position {p} granted twice");
            }
        }
    }
    let seen = tail.await.unwrap();
    assert_eq!(seen.len() as Position, total);
    for (i, e) in seen.iter().enumerate() {
        assert_eq!(
            e.position,
            i as Position + 1,
            "the reader skipped or repeated"
        );
        assert_eq!(acked.get(&e.position), Some(&e.id), "at {}", e.position);
    }
    assert!(
        seen.windows(2)
            .all(|w| w[0].recorded_at <= w[1].recorded_at),
        "recorded_at went back between instances"
    );
}

/// Instances race on one stream with exact expectations, and retry one
/// command through two instances at once: the database, not a process,
/// decides.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_share_concurrency_checks_and_retries() {
    const INSTANCES: usize = 4;
    const WINS: usize = 5;
    let Some((_admin, schema)) = fresh_schema().await else {
        return;
    };
    let mut stores = Vec::new();
    for _ in 0..INSTANCES {
        stores.push(Arc::new(PostgresStore::open(&schema.url()).await.unwrap()));
    }
    let mut tasks = Vec::new();
    for store in &stores {
        for _ in 0..3 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut wins = Vec::new();
                while wins.len() < WINS {
                    let s = StreamId::new("test-race").unwrap();
                    let last = store
                        .read_stream(&s, 0, 10_000)
                        .await
                        .unwrap()
                        .last()
                        .map(|e| e.revision);
                    match store
                        .append(request("test-race", ExpectedState::of(last), 1))
                        .await
                    {
                        Ok(out) => wins.push(out.last_revision),
                        Err(StoreError::WrongExpectedVersion { .. }) => {}
                        Err(e) => panic!("unexpected error: {e}"),
                    }
                }
                wins
            }));
        }
    }
    let mut granted = HashSet::new();
    for t in tasks {
        for r in t.await.unwrap() {
            assert!(granted.insert(r), "revision {r} granted twice");
        }
    }
    assert_eq!(granted.len(), INSTANCES * 3 * WINS);

    // One command sent through two instances at once: written once.
    let req = request("test-retry", ExpectedState::NoStream, 3);
    let (a, b) = tokio::join!(stores[0].append(req.clone()), stores[1].append(req.clone()));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.deduplicated != b.deduplicated, "{a:?} {b:?}");
    assert_eq!(a.first_position, b.first_position);
    let s = StreamId::new("test-retry").unwrap();
    assert_eq!(stores[2].read_stream(&s, 0, 10).await.unwrap().len(), 3);
}

/// An append PostgreSQL refuses (a time before 4713 BC, which it cannot
/// store) fails alone: the appends committed in the same group stand.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_append_the_database_refuses_fails_alone() {
    let Some((_admin, schema)) = fresh_schema().await else {
        return;
    };
    let store = Arc::new(PostgresStore::open(&schema.url()).await.unwrap());
    let mut tasks = Vec::new();
    for i in 0..40 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut req = request(&format!("test-{i}"), ExpectedState::NoStream, 2);
            if i == 7 {
                req.events[1].occurred_at = chrono::NaiveDate::from_ymd_opt(-5000, 1, 1)
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .unwrap()
                    .and_utc();
            }
            (i, store.append(req).await)
        }));
    }
    for t in tasks {
        match t.await.unwrap() {
            (7, r) => assert!(matches!(r, Err(StoreError::Backend(_))), "{r:?}"),
            (_, r) => assert!(r.is_ok(), "{r:?}"),
        }
    }
    assert_eq!(store.head().await.unwrap(), 39 * 2);
    let s = StreamId::new("test-7").unwrap();
    assert!(store.read_stream(&s, 0, 10).await.unwrap().is_empty());
}

/// Throughput of appends (one event each), with 1 and 64 concurrent
/// writers on one store. Prints events/s; asserts nothing about speed.
/// `cargo test --test it store_postgres::throughput -- --ignored --nocapture`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check"]
async fn throughput() {
    let Some((_admin, schema)) = fresh_schema().await else {
        return;
    };
    let store = Arc::new(PostgresStore::open(&schema.url()).await.unwrap());
    for writers in [1usize, 64] {
        let per_writer = 4000 / writers;
        let started = Instant::now();
        let mut tasks = Vec::new();
        for w in 0..writers {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let stream = format!("bench-{writers}-{w}");
                for _ in 0..per_writer {
                    store
                        .append(request(&stream, ExpectedState::Any, 1))
                        .await
                        .unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let secs = started.elapsed().as_secs_f64();
        let events = (per_writer * writers) as f64;
        println!(
            "{writers:>2} writer(s): {events} appends of 1 event in {secs:.2} s = {:.0} events/s",
            events / secs
        );
    }
}

/// TLS to the test server, which must serve it. Debian's PostgreSQL does,
/// with its "snakeoil" certificate issued for `localhost`;
/// `REGISTRE_TEST_POSTGRES_CA` names the CA file of another server and
/// `REGISTRE_TEST_POSTGRES_TLS_HOST` the host name its certificate bears.
mod tls {
    use super::*;

    const SNAKEOIL: &str = "/etc/ssl/certs/ssl-cert-snakeoil.pem";

    /// A CA made for these tests alone: it signed no server's certificate.
    const FOREIGN_CA: &str = "-----BEGIN CERTIFICATE-----
MIIBoTCCAUegAwIBAgIUP/4mBnUVHXKbkIt3pFIPtExMF1EwCgYIKoZIzj0EAwIw
JTEjMCEGA1UEAwwaQXV0b3JpdGUgZXRyYW5nZXJlIGRlIHRlc3QwIBcNMjYxMjA0
MDQyNzI2WhgPMjEyNjExMTAwNDI3MjZaMCUxIzAhBgNVBAMMGkF1dG9yaXRlIGV0
cmFuZ2VyZSBkZSB0ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEe0Ghrtuy
ad4Y9cT4LuzlCZb25UyQ73ocfDgQ7iy/VwUSo90uM9sBLPdGGIUHLfrMY5jyhKrX
R09eQw/6xWU0+6NTMFEwHQYDVR0OBBYEFELbI0QGPZiQ2aukdfampXlGl5TQMB8G
A1UdIwQYMBaAFELbI0QGPZiQ2aukdfampXlGl5TQMA8GA1UdEwEB/wQFMAMBAf8w
CgYIKoZIzj0EAwIDSAAwRQIgEMqpMbjHui+B/rBEnOIUpDh4w+1njw/7R0ClLvvH
sToCIQDnUXdk2yhJFpESkApYIxD+gO6+L0WweEbV9ejwG286LQ==
-----END CERTIFICATE-----
";

    struct Tls {
        admin: tokio_postgres::Client,
        schema: SchemaGuard,
        /// The CA file that signed the server's certificate.
        ca: String,
        /// The host name in the server's certificate.
        named_host: String,
    }

    impl Tls {
        /// The store URL with these extra parameters.
        fn url(&self, params: &str) -> String {
            format!("{}&{params}", self.schema.url())
        }

        /// The same, reaching the server by `host`.
        fn url_at(&self, host: &str, params: &str) -> String {
            with_host(&self.url(params), host)
        }
    }

    /// `url` with its (first) host replaced.
    fn with_host(url: &str, host: &str) -> String {
        let start = url.find("://").map_or(0, |i| i + 3);
        let authority_end = url[start..]
            .find(['/', '?'])
            .map_or(url.len(), |i| start + i);
        let start = url[start..authority_end]
            .rfind('@')
            .map_or(start, |i| start + i + 1);
        let end = url[start..]
            .find([':', '/', '?', ','])
            .map_or(url.len(), |i| start + i);
        format!("{}{host}{}", &url[..start], &url[end..])
    }

    /// The server and its CA, or `None` (after saying why) when the server
    /// does not serve TLS and this is not CI.
    async fn tls_server() -> Option<Tls> {
        let (admin, schema) = fresh_schema().await?;
        let ssl: String = admin.query_one("SHOW ssl", &[]).await.unwrap().get(0);
        let ca = std::env::var("REGISTRE_TEST_POSTGRES_CA").unwrap_or_else(|_| SNAKEOIL.into());
        let named_host =
            std::env::var("REGISTRE_TEST_POSTGRES_TLS_HOST").unwrap_or_else(|_| "localhost".into());
        if ssl != "on" || !std::path::Path::new(&ca).is_file() {
            let why = format!("PostgreSQL serves no TLS (ssl = {ssl}) or {ca} is missing");
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true but {why}");
            }
            let _ = writeln!(std::io::stderr(), "skipped: {why}");
            return None;
        }
        Some(Tls {
            admin,
            schema,
            ca,
            named_host,
        })
    }

    /// How many of the connections named `application` the server counts,
    /// and whether all of them are encrypted.
    async fn encrypted(admin: &tokio_postgres::Client, application: &str) -> (i64, bool) {
        let row = admin
            .query_one(
                "SELECT count(*), coalesce(bool_and(s.ssl), false)
                 FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
                 WHERE a.application_name = $1",
                &[&application],
            )
            .await
            .unwrap();
        (row.get(0), row.get(1))
    }

    #[tokio::test]
    async fn sslmode_require_encrypts_the_connections_that_append_and_read() {
        let Some(tls) = tls_server().await else {
            return;
        };
        for (sslmode, wanted) in [("require", true), ("prefer", true), ("disable", false)] {
            let application = format!("registre_tls_{sslmode}_{}", std::process::id());
            let url = tls.url(&format!("sslmode={sslmode}&application_name={application}"));
            let store = PostgresStore::open(&url).await.expect(sslmode);
            let stream = format!("tls-{sslmode}");
            store
                .append(request(&stream, ExpectedState::Any, 2))
                .await
                .expect(sslmode);
            let id = StreamId::new(&stream).unwrap();
            assert_eq!(store.read_stream(&id, 0, 10).await.unwrap().len(), 2);
            let (connections, all_encrypted) = encrypted(&tls.admin, &application).await;
            assert!(connections >= 2, "{sslmode}: {connections} connection(s)");
            assert_eq!(all_encrypted, wanted, "{sslmode}");
        }
    }

    #[tokio::test]
    async fn verify_ca_trusts_the_servers_ca_whatever_the_host_is_called() {
        let Some(tls) = tls_server().await else {
            return;
        };
        // By address: the certificate does not name 127.0.0.1, and
        // verify-ca does not ask it to.
        let url = tls.url_at(
            "127.0.0.1",
            &format!("sslmode=verify-ca&sslrootcert={}", tls.ca),
        );
        let store = PostgresStore::open(&url).await.expect("verify-ca");
        store
            .append(request("tls-ca", ExpectedState::NoStream, 1))
            .await
            .unwrap();
        assert_eq!(store.head().await.unwrap(), 1);
    }

    #[tokio::test]
    async fn verify_full_also_wants_the_host_name_of_the_certificate() {
        let Some(tls) = tls_server().await else {
            return;
        };
        let params = format!("sslmode=verify-full&sslrootcert={}&password=s3cret", tls.ca);
        let err = PostgresStore::open(&tls.url_at("127.0.0.1", &params))
            .await
            .err()
            .expect("127.0.0.1 is not the name in the certificate");
        let msg = err.to_string();
        assert!(matches!(err, StoreError::Format(_)), "{msg}");
        assert!(msg.contains("nom d'hôte"), "{msg}");
        assert!(msg.ends_with("(PG_TLS_CERT_REFUSED)"), "{msg}");
        assert!(!msg.contains("s3cret"), "{msg}");

        let store = PostgresStore::open(&tls.url_at(&tls.named_host, &params))
            .await
            .expect("the name in the certificate");
        assert!(!store.describe().contains("s3cret"), "{}", store.describe());
        store
            .append(request("tls-full", ExpectedState::NoStream, 1))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_ca_that_did_not_sign_the_servers_certificate_is_refused() {
        let Some(tls) = tls_server().await else {
            return;
        };
        let foreign = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(foreign.path(), FOREIGN_CA).unwrap();
        // `require` with a CA file checks it, as libpq does.
        for sslmode in ["verify-ca", "verify-full", "require"] {
            let params = format!("sslmode={sslmode}&sslrootcert={}", foreign.path().display());
            let err = PostgresStore::open(&tls.url_at(&tls.named_host, &params))
                .await
                .err()
                .expect(sslmode);
            let msg = err.to_string();
            assert!(msg.contains("autorité de confiance"), "{sslmode}: {msg}");
            assert!(msg.ends_with("(PG_TLS_CERT_REFUSED)"), "{sslmode}: {msg}");
        }
    }

    #[tokio::test]
    async fn a_unix_socket_connects_in_clear_when_tls_is_only_preferred() {
        let Some(tls) = tls_server().await else {
            return;
        };
        let dir = std::env::var("REGISTRE_TEST_POSTGRES_SOCKET_DIR")
            .unwrap_or_else(|_| "/var/run/postgresql".into());
        if !std::path::Path::new(&dir).join(".s.PGSQL.5432").exists() {
            let _ = writeln!(std::io::stderr(), "skipped: no PostgreSQL socket in {dir}");
            return;
        }
        // PostgreSQL speaks no TLS on a socket, and a socket has no host
        // name to check: `prefer` (the default) must connect all the same.
        let url = format!(
            "postgres://postgres@/test?host={dir}&schema={}",
            tls.schema.name
        );
        let store = PostgresStore::open(&url).await.expect("over the socket");
        store
            .append(request("tls-socket", ExpectedState::NoStream, 1))
            .await
            .unwrap();
    }

    #[test]
    fn hosts_are_replaced_in_test_urls() {
        assert_eq!(
            with_host(
                "postgres://postgres@127.0.0.1:5432/test?schema=x",
                "localhost"
            ),
            "postgres://postgres@localhost:5432/test?schema=x"
        );
        assert_eq!(
            with_host("postgresql://db/test", "localhost"),
            "postgresql://localhost/test"
        );
    }
}
