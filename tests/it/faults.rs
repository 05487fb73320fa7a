//! Faults on the real server: a full disk under the read models, the audit
//! trail or the store. The disk is a small tmpfs filled with a file; the
//! server must answer every command honestly (never an error for a
//! command it recorded, `STORAGE_FULL` for one it could not), say why in
//! `/readyz` and `/metrics`, and heal once the file is deleted, without a
//! restart. Mounting needs root: elsewhere the tests say so and pass.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use async_graphql::Request;
use async_trait::async_trait;
use registre_projections::ReadModels;
use registre_schema::{DecodedEvent, Position, RecordedEvent, Role};
use registre_service::application::Application;
use registre_service::auth::{Principal, TokenRegistry};
use registre_service::graphql::{Caller, build_schema};
use registre_service::projector::Projector;
use registre_service::store::sqlite::SqliteStore;
use registre_service::store::{CategoryBatch, EventStore, StoreError, StoreWrapper};
use serde_json::Value;

use crate::support::{Server, create_token, eventually, graphql, http_get, scratch};

/// Generous bound for a server to heal (retries back off up to a few
/// seconds): the tests wait for outcomes, not for durations.
const HEAL_SECS: u64 = 90;

/// A small tmpfs, unmounted when dropped.
struct Tmpfs {
    dir: PathBuf,
    filler: PathBuf,
}

impl Tmpfs {
    /// Mounts 4 MiB at `dir`, or says why it cannot and returns `None`.
    fn mount(dir: &Path) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
            .arg(dir)
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Tmpfs {
                dir: dir.to_path_buf(),
                filler: dir.join("filler"),
            }),
            Ok(o) => {
                eprintln!(
                    "SKIPPED: cannot mount a tmpfs (root needed): {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                );
                None
            }
            Err(e) => {
                eprintln!("SKIPPED: cannot run mount: {e}");
                None
            }
        }
    }

    /// Takes every free byte.
    fn fill(&self) {
        let mut f = std::fs::File::create(&self.filler).unwrap();
        let chunk = vec![0u8; 16 * 1024];
        loop {
            match f.write(&chunk) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    assert_eq!(e.raw_os_error(), Some(28), "filling: {e}");
                    break;
                }
            }
        }
    }

    fn free(&self) {
        std::fs::remove_file(&self.filler).unwrap();
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazy: a server being killed may still hold files open.
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

fn readyz(addr: SocketAddr) -> (u16, Value) {
    let (status, body) = http_get(addr, "/readyz").unwrap();
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn metrics(addr: SocketAddr) -> String {
    http_get(addr, "/metrics").unwrap().1
}

/// Whether `/readyz` says `component` is degraded for `reason`.
fn degraded(addr: SocketAddr, component: &str, reason: &str) -> bool {
    let (status, body) = readyz(addr);
    status == 503 && body["status"] == "degraded" && body["components"][component] == reason
}

fn ready(addr: SocketAddr) -> bool {
    readyz(addr).0 == 200
}

const RESULT: &str = "commandId alreadyApplied registersBehind events { position eventType }";

/// Establishes a body; the answer's `data` field, or its error code.
fn establish(addr: SocketAddr, token: &str, command_id: &str, name: &str) -> Result<Value, String> {
    let q = format!(
        r#"mutation {{ establishBody(commandId: "{command_id}", name: "{name}", kind: ORGAN, level: NATIONAL) {{ {RESULT} }} }}"#
    );
    let v = graphql(addr, token, &q).json();
    match v.get("errors") {
        None => Ok(v["data"]["establishBody"].clone()),
        Some(errors) => Err(errors[0]["extensions"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
            + " "
            + errors[0]["message"].as_str().unwrap_or_default()),
    }
}

/// A server on `db` with its read models and audit trail where given.
fn serve(db: &Path, state: &Path, audit: &Path) -> Server {
    Server::spawn(
        db,
        &[
            "--state-dir",
            state.to_str().unwrap(),
            "--audit-dir",
            audit.to_str().unwrap(),
        ],
    )
}

#[test]
fn a_server_started_on_a_full_state_dir_serves_says_why_and_heals() {
    let work = scratch();
    let Some(disk) = Tmpfs::mount(&work.path().join("disk")) else {
        return;
    };
    // Given a log (the token's event) and a full disk for the read models
    let db = work.path().join("r.db");
    let sec = create_token(&db, "secretariat", "secretariat");
    disk.fill();
    // When the server starts: its first save of the read models fails
    let server = serve(&db, &disk.dir.join("state"), &work.path().join("audit"));
    server.wait_for_200("/healthz");
    let a = server.addr;
    eventually(
        HEAL_SECS,
        "readyz says the read models' disk is full",
        || degraded(a, "read_models", "storage_full"),
    );
    assert_eq!(readyz(a).1["reason"], "storage_full");
    assert!(
        metrics(a).contains(r#"registre_component_up{component="read_models"} 0"#),
        "{}",
        metrics(a)
    );
    // Then commands are recorded and answered as such, the registers
    // keep up in memory, and a retry answers with the first call's events
    let id = uuid::Uuid::now_v7().to_string();
    let first = establish(a, &sec, &id, "Bureau").expect("recorded");
    assert_eq!(first["alreadyApplied"], false);
    assert_eq!(first["registersBehind"], false);

    assert_eq!(first["events"][0]["eventType"], "BodyEstablished");
    let again = establish(a, &sec, &id, "Bureau").expect("retry answered");
    assert_eq!(again["alreadyApplied"], true);
    assert_eq!(again["events"], first["events"]);
    // When space is freed, it saves and becomes ready without a restart
    disk.free();
    eventually(HEAL_SECS, "the server is ready again", || ready(a));
    assert!(
        metrics(a).contains(r#"registre_component_up{component="read_models"} 1"#),
        "{}",
        metrics(a)
    );
    assert!(has_snapshot(&disk.dir));
}

/// Whether a saved read model is in the state dir.
fn has_snapshot(disk: &Path) -> bool {
    std::fs::read_dir(disk.join("state"))
        .map(|d| {
            d.filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy().ends_with(".snap"))
        })
        .unwrap_or(false)
}

#[test]
fn a_full_store_disk_refuses_commands_with_storage_full_and_heals() {
    let work = scratch();
    let Some(disk) = Tmpfs::mount(&work.path().join("disk")) else {
        return;
    };
    // Given a server whose store is on a disk about to fill
    let db = disk.dir.join("r.db");
    let sec = create_token(&db, "secretariat", "secretariat");
    let server = serve(&db, &work.path().join("state"), &work.path().join("audit"));
    server.wait_for_200("/readyz");
    let a = server.addr;
    establish(a, &sec, &uuid::Uuid::now_v7().to_string(), "Bureau").expect("recorded");
    // When the disk is full, commands are recorded while the store's
    // files have room, then refused with STORAGE_FULL: never INTERNAL
    disk.fill();
    let mut refused = None;
    for n in 0..500 {
        let id = uuid::Uuid::now_v7().to_string();
        match establish(a, &sec, &id, &format!("Commission {n}")) {
            Ok(r) => assert_eq!(r["alreadyApplied"], false),
            Err(e) => {
                assert_eq!(
                    e,
                    "STORAGE_FULL Espace disque plein : la commande n'a pas été enregistrée."
                );
                refused = Some((id, n));
                break;
            }
        }
    }
    let (id, n) = refused.expect("a command refused for want of space");
    assert!(degraded(a, "store", "storage_full"), "{:?}", readyz(a));
    // Then, once space is freed, the refused command was not recorded:
    // sent again, it is applied now, and the server is ready again
    disk.free();
    let mut answer = None;
    eventually(HEAL_SECS, "the refused command is accepted", || {
        answer = establish(a, &sec, &id, &format!("Commission {n}")).ok();
        answer.is_some()
    });
    let answer = answer.unwrap();
    assert_eq!(answer["alreadyApplied"], false, "{answer}");
    assert_eq!(answer["events"][0]["eventType"], "BodyEstablished");
    eventually(HEAL_SECS, "the server is ready again", || ready(a));
}

#[test]
fn a_full_audit_disk_pauses_the_trail_and_it_catches_up_once_freed() {
    let work = scratch();
    let Some(disk) = Tmpfs::mount(&work.path().join("disk")) else {
        return;
    };
    // Given a server whose audit trail is on a disk about to fill
    let db = work.path().join("r.db");
    let sec = create_token(&db, "secretariat", "secretariat");
    let server = serve(&db, &work.path().join("state"), &disk.dir.join("audit"));
    server.wait_for_200("/readyz");
    let a = server.addr;
    disk.fill();
    // When commands go on until the trail's record needs more space
    // (it has a page's worth of room left: up to 128 leaves)
    let mut n = 0;
    while !degraded(a, "audit_trail", "storage_full") {
        n += 1;
        assert!(n < 400, "the trail never reported the full disk");
        let r = establish(
            a,
            &sec,
            &uuid::Uuid::now_v7().to_string(),
            &format!("C {n}"),
        )
        .expect("commands are recorded whatever the trail's disk");
        assert_eq!(r["alreadyApplied"], false);
    }
    assert!(metrics(a).contains(r#"registre_component_up{component="audit_trail"} 0"#));
    // Then, once space is freed, it records every event and is ready
    disk.free();
    eventually(HEAL_SECS, "the server is ready again", || ready(a));
    let head = readyz(a).1["head"].as_u64().unwrap();
    eventually(HEAL_SECS, "every event has its leaf, once", || {
        std::fs::metadata(disk.dir.join("audit/leaves.bin"))
            .map(|m| m.len())
            .ok()
            == Some(head * 32)
    });
}

/// A store the read models cannot read, as when their connection is lost
/// while the command handler's still works.
struct Unreadable(Arc<dyn EventStore>);

#[async_trait]
impl StoreWrapper for Unreadable {
    fn inner(&self) -> &dyn EventStore {
        self.0.as_ref()
    }
    async fn read_all(&self, _: Position, _: usize) -> Result<Vec<RecordedEvent>, StoreError> {
        Err(lost_connection())
    }
    async fn read_all_decoded(
        &self,
        _: Position,
        _: usize,
    ) -> Result<Vec<DecodedEvent>, StoreError> {
        Err(lost_connection())
    }
    async fn read_category(
        &self,
        _: &str,
        _: Position,
        _: usize,
    ) -> Result<CategoryBatch, StoreError> {
        Err(lost_connection())
    }
    fn describe(&self) -> String {
        "unreadable".into()
    }
}

fn lost_connection() -> StoreError {
    StoreError::Backend("connection closed".into())
}

#[tokio::test]
async fn a_recorded_command_is_answered_as_recorded_when_the_registers_lag() {
    // Given read models that cannot follow the log
    let dir = scratch();
    let store: Arc<dyn EventStore> =
        Arc::new(SqliteStore::open(dir.path().join("r.db")).await.unwrap());
    let models = Projector::<ReadModels>::start(Arc::new(Unreadable(store.clone())), None)
        .await
        .unwrap();
    let (registry, _follower) = TokenRegistry::start(store.clone()).await.unwrap();
    let app = Application::new(store.clone(), registry).with_read_models(models);
    let schema = build_schema(Arc::new(app));
    let caller = || {
        Caller(Principal {
            token_id: uuid::Uuid::now_v7(),
            name: "secretariat-permanent".into(),
            role: Role::Secretariat,
        })
    };
    let id = uuid::Uuid::now_v7();
    let mutation = format!(
        r#"mutation {{ adoptStatutes(commandId: "{id}", statutes: {{effectiveFrom: "2001-02-01"}}, reference: "Statuts") {{ {RESULT} entity }} }}"#
    );
    // When a command is recorded
    let first = schema.execute(Request::new(&mutation).data(caller())).await;
    // Then it is answered as recorded, with a flag that the registers lag
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    let first = first.data.into_json().unwrap()["adoptStatutes"].clone();
    assert_eq!(first["registersBehind"], true, "{first}");
    assert_eq!(first["entity"], Value::Null);
    assert_eq!(first["events"][0]["eventType"], "StatutesAdopted");
    assert_eq!(store.head().await.unwrap(), first["events"][0]["position"]);
    // And sent again, it answers with the first call's events
    let again = schema.execute(Request::new(&mutation).data(caller())).await;
    assert!(again.errors.is_empty(), "{:?}", again.errors);
    let again = again.data.into_json().unwrap()["adoptStatutes"].clone();
    assert_eq!(again["alreadyApplied"], true, "{again}");
    assert_eq!(again["events"], first["events"]);
}
