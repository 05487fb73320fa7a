//! Every root operation against every role, in process, from the
//! permission table the schema declares (`graphql::guard::POLICY`).

use std::sync::Arc;

use async_graphql::{Request, Response, Value};
use futures::StreamExt;
use registre_schema::Role;
use registre_service::application::Application;
use registre_service::auth::{Principal, TokenRegistry, issue_token, operator};
use registre_service::commands::CommandHandler;
use registre_service::graphql::guard::{POLICY, RootKind};
use registre_service::graphql::{Caller, RegistreSchema, build_schema};
use registre_service::store::sqlite::SqliteStore;
use registre_service::store::{EventStore, ExpectedState};

use crate::support::{by_system, event_now};

/// One example operation per root field. A field without an example fails
/// the matrix test: add one with each new field.
fn example(kind: RootKind, field: &str) -> Option<&'static str> {
    Some(match (kind, field) {
        (RootKind::Query, "head") => "{ head }",
        (RootKind::Query, "events") => "{ events(first: 1) { nextFrom } }",
        (RootKind::Query, "event") => "{ event(position: 1) { position } }",
        (RootKind::Query, "stream") => r#"{ stream(id: "commune-1") { position } }"#,
        (RootKind::Subscription, "events") => "subscription { events(from: 1) { position } }",
        (RootKind::Subscription, "registerChanged") => {
            "subscription { registerChanged(from: 1) { position } }"
        }
        (RootKind::Query, "members") => "{ members(first: 1) { position } }",
        (RootKind::Query, "member") => {
            r#"{ member(id: "00000000-0000-0000-0000-000000000001") { id } }"#
        }
        (RootKind::Query, "memberByCode") => r#"{ memberByCode(code: "ML010101") { id } }"#,
        (RootKind::Query, "memberCounts") => "{ memberCounts { total } }",
        (RootKind::Query, "dues") => "{ dues(year: 2024) { totalCount } }",
        (RootKind::Query, "membersDueForSuspension") => {
            "{ membersDueForSuspension { totalCount } }"
        }
        (RootKind::Query, "statutes") => "{ statutes { version } }",
        (RootKind::Query, "statutesVersions") => "{ statutesVersions { version } }",
        (RootKind::Query, "sessions") => "{ sessions { totalCount } }",
        (RootKind::Query, "session") => {
            r#"{ session(id: "00000000-0000-0000-0000-000000000001") { id } }"#
        }
        (RootKind::Query, "resolutions") => "{ resolutions { totalCount } }",
        (RootKind::Query, "motion") => {
            r#"{ motion(id: "00000000-0000-0000-0000-000000000001") { id } }"#
        }
        (RootKind::Query, "bodies") => "{ bodies { totalCount } }",
        (RootKind::Query, "statutoryMeetings") => "{ statutoryMeetings { name overdue } }",
        (RootKind::Query, "body") => {
            r#"{ body(id: "00000000-0000-0000-0000-000000000001") { id } }"#
        }
        (RootKind::Query, "minutesRegister") => "{ minutesRegister { totalCount } }",
        (RootKind::Query, "minutes") => {
            r#"{ minutes(id: "00000000-0000-0000-0000-000000000001") { id } }"#
        }
        (RootKind::Query, "indicators") => "{ indicators { position } }",
        (RootKind::Query, "latestEvents") => "{ latestEvents { position } }",
        (RootKind::Query, "history") => {
            r#"{ history(entityId: "stream:00000000-0000-0000-0000-000000000001") { position } }"#
        }
        (RootKind::Query, "treeHead") => "{ treeHead { size } }",
        (RootKind::Query, "publicKey") => "{ publicKey { keyId } }",
        (RootKind::Query, "inclusionProof") => "{ inclusionProof(position: 1) { rootHash } }",
        (RootKind::Query, "consistencyProof") => "{ consistencyProof(from: 1, to: 1) { proof } }",
        (RootKind::Query, "asOf") => "{ asOf(position: 1) { position } }",
        (RootKind::Query, "diff") => {
            r#"{ diff(from: "2000-01-01", to: "2100-01-01") { toPosition } }"#
        }
        (RootKind::Mutation, field) => return crate::mutation_examples::example(field),
        _ => return None,
    })
}

const ROLES: [Role; 4] = [
    Role::Secretariat,
    Role::Auditor,
    Role::Dashboard,
    Role::System,
];

struct Fixture {
    schema: RegistreSchema,
    registry: Arc<TokenRegistry>,
    secrets: Vec<(Role, String)>,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = crate::support::scratch();
    let store: Arc<dyn EventStore> =
        Arc::new(SqliteStore::open(dir.path().join("r.db")).await.unwrap());
    store
        .append(by_system(
            "commune-1",
            ExpectedState::NoStream,
            vec![event_now("Tested", serde_json::json!({}))],
        ))
        .await
        .unwrap();
    let mut secrets = Vec::new();
    let commands = CommandHandler::new(store.clone());
    for role in [Role::Secretariat, Role::Auditor, Role::Dashboard] {
        let (secret, _) = issue_token(&commands, &format!("test-{role}"), role, operator())
            .await
            .unwrap();
        secrets.push((role, secret.expose().to_owned()));
    }
    let (registry, _follower) = TokenRegistry::start(store.clone()).await.unwrap();
    // The audit trail and as-of states, for their fields.
    let (trail, _trail_task) = registre_service::audit_trail::AuditTrail::start(
        store.clone(),
        registre_service::audit_trail::AuditDir::new(dir.path().join("audit")),
        registre_service::audit_trail::trail::TrailSettings::default(),
    )
    .await
    .unwrap();
    trail
        .wait_for(1, std::time::Duration::from_secs(10))
        .await
        .unwrap();
    let models = registre_service::projector::Projector::start(store.clone(), None)
        .await
        .unwrap();
    let past = registre_service::projector::as_of::AsOfService::new(store.clone(), None, 100);
    let app = Application::new(store, registry.clone())
        .with_audit_trail(trail)
        .with_read_models(models)
        .with_past_states(past);
    let schema = build_schema(Arc::new(app));
    Fixture {
        schema,
        registry,
        secrets,
        _dir: dir,
    }
}

impl Fixture {
    fn caller(&self, role: Role) -> Caller {
        match self.secrets.iter().find(|(r, _)| *r == role) {
            Some((_, secret)) => Caller(self.registry.authenticate(secret).unwrap()),
            // No token can carry the system role; build its caller by hand.
            None => Caller(Principal {
                token_id: uuid::Uuid::now_v7(),
                name: format!("test-{role}"),
                role,
            }),
        }
    }
}

async fn run(f: &Fixture, kind: RootKind, query: &str, role: Role) -> Response {
    let schema = &f.schema;
    let req = Request::new(query).data(f.caller(role));
    match kind {
        RootKind::Subscription => {
            let mut stream = schema.execute_stream(req);
            match tokio::time::timeout(std::time::Duration::from_secs(2), stream.next()).await {
                Ok(first) => first.unwrap_or_else(|| panic!("no response to {query} as {role}")),
                // A refusal is the stream's first item, sent at once; a
                // stream still open and silent was let through (the
                // fixture's log holds no change to the registers).
                Err(_) => Response::new(Value::Null),
            }
        }
        _ => schema.execute(req).await,
    }
}

fn code(r: &Response) -> Option<String> {
    let ext = r.errors.first()?.extensions.as_ref()?;
    match ext.get("code")? {
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

#[tokio::test]
async fn every_operation_is_allowed_to_exactly_the_roles_its_permission_names() {
    let f = fixture().await;
    let schema = &f.schema;
    let mut checked = 0;
    for &(kind, field, permission) in POLICY {
        let query = example(kind, field)
            .unwrap_or_else(|| panic!("no example operation for {kind:?} {field}: add one"));
        for role in ROLES {
            let r = run(&f, kind, query, role).await;
            if permission.allows(role) && kind == RootKind::Mutation {
                // Past the guard, the domain may still refuse the example
                // (its entities do not exist here): any answer but a
                // refusal of the caller will do.
                assert!(
                    !matches!(code(&r).as_deref(), Some("FORBIDDEN" | "UNAUTHENTICATED")),
                    "{kind:?} {field} as {role}: {:?}",
                    r.errors
                );
            } else if permission.allows(role) {
                // Lookups of ids the fixture's log does not hold answer
                // NOT_FOUND: the guard let them through.
                assert!(
                    r.errors.is_empty() || code(&r).as_deref() == Some("NOT_FOUND"),
                    "{kind:?} {field} as {role}: {:?}",
                    r.errors
                );
            } else {
                assert_eq!(
                    code(&r).as_deref(),
                    Some("FORBIDDEN"),
                    "{kind:?} {field} as {role}: {r:?}"
                );
                assert!(
                    matches!(&r.data, Value::Null)
                        || matches!(&r.data, Value::Object(o) if o.values().all(|v| *v == Value::Null)),
                    "{kind:?} {field} as {role} returned data: {:?}",
                    r.data
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, POLICY.len() * ROLES.len());
    // Without a caller at all, nothing runs either.
    let r = schema.execute("{ head }").await;
    assert_eq!(code(&r).as_deref(), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn every_root_field_of_the_schema_is_in_the_permission_table() {
    let f = fixture().await;
    let r = f
        .schema
        .execute(
            "{ __schema { queryType { fields { name } } mutationType { fields { name } } subscriptionType { fields { name } } } }",
        )
        .await;
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let v = r.data.into_json().unwrap();
    let mut in_schema = Vec::new();
    for (kind, key) in [
        (RootKind::Query, "queryType"),
        (RootKind::Mutation, "mutationType"),
        (RootKind::Subscription, "subscriptionType"),
    ] {
        for f in v["__schema"][key]["fields"]
            .as_array()
            .into_iter()
            .flatten()
        {
            in_schema.push((kind, f["name"].as_str().unwrap().to_owned()));
        }
    }
    for (kind, name) in &in_schema {
        assert!(
            POLICY.iter().any(|(k, f, _)| k == kind && f == name),
            "{kind:?} {name} has no line in graphql::guard::POLICY"
        );
    }
    for (kind, field, _) in POLICY {
        assert!(
            in_schema.iter().any(|(k, n)| k == kind && n == field),
            "POLICY lists {kind:?} {field}, which the schema does not have"
        );
    }
}

#[test]
fn the_committed_sdl_is_what_the_code_generates() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/registre.graphql");
    let generated = registre_service::graphql::sdl();
    if std::env::var_os("REGISTRE_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schema/registre.graphql is not what the code generates; regenerate it with\n  \
         REGISTRE_BLESS=1 cargo test --test it graphql_roles::the_committed_sdl\n\
         and review the diff"
    );
}
