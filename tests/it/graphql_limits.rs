//! Hostile and mistaken requests: what one request may cost, and the
//! refusal a client gets, over HTTP and in process.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use async_graphql::{Request, Variables};
use proptest::prelude::*;
use registre_schema::Role;
use registre_service::application::Application;
use registre_service::auth::{Principal, TokenRegistry};
use registre_service::graphql::limits::MAX_SELECTIONS;
use registre_service::graphql::{Caller, RegistreSchema, build_schema};
use registre_service::store::EventStore;
use registre_service::store::sqlite::SqliteStore;
use serde_json::{Value, json};

use crate::support::{Answer, Server, graphql, http, open_ws, percent_encode, scratch, serve_new};

fn get(addr: SocketAddr, token: &str, params: &[(&str, &str)], modern: bool) -> Answer {
    let qs: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect();
    let auth = format!("Bearer {token}");
    let mut headers = vec![("Authorization", auth.as_str())];
    if modern {
        headers.push(("Accept", "application/graphql-response+json"));
    }
    http(
        addr,
        "GET",
        &format!("/graphql?{}", qs.join("&")),
        &headers,
        b"",
    )
}

fn post(addr: SocketAddr, token: &str, body: &str, modern: bool) -> Answer {
    let auth = format!("Bearer {token}");
    let mut headers = vec![
        ("Content-Type", "application/json"),
        ("Authorization", auth.as_str()),
    ];
    if modern {
        headers.push(("Accept", "application/graphql-response+json"));
    }
    http(addr, "POST", "/graphql", &headers, body.as_bytes())
}

fn code(v: &Value) -> &str {
    v["errors"][0]["extensions"]["code"].as_str().unwrap_or("")
}

/// `{ ...F<n> }` where each fragment spreads the previous one twice.
fn fan_out(levels: usize) -> String {
    let mut s = format!("{{ ...F{levels} }} fragment F0 on Query {{ __typename }}");
    for i in 1..=levels {
        s.push_str(&format!(
            " fragment F{i} on Query {{ ...F{p} ...F{p} }}",
            p = i - 1
        ));
    }
    s
}

fn alive(server: &mut Server, token: &str) {
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server died"
    );
    let v = graphql(server.addr, token, "{ __typename }").json();
    assert_eq!(v["data"]["__typename"], "Query", "{v}");
}

#[test]
fn hostile_documents_are_refused_before_they_cost_and_the_server_lives() {
    let (_dir, _db, mut server, [token]) = serve_new([("dashboard", "tableau")]);
    let a = server.addr;

    let list = format!(
        "{{ members(region: {}1{}) {{ totalCount }} }}",
        "[".repeat(1_750),
        "]".repeat(1_750)
    );
    let object = format!(
        "{{ members(region: {}1{}) {{ totalCount }} }}",
        "{a: ".repeat(1_500),
        "}".repeat(1_500)
    );
    for doc in [&list, &object] {
        let r = post(a, &token, &json!({ "query": doc }).to_string(), false);
        assert_eq!(r.status, 400, "{}", r.body);
        assert_eq!(code(&r.json()), "DOCUMENT_TOO_DEEP", "{}", r.body);
        assert!(
            r.json()["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("imbriqué")
        );
        let r = get(a, &token, &[("query", doc)], false);
        assert_eq!(r.status, 400, "{}", r.body);
        assert_eq!(code(&r.json()), "DOCUMENT_TOO_DEEP", "{}", r.body);
        alive(&mut server, &token);
    }

    // Variables nested deeper than the limit (and than serde_json's own).
    let mut deep = json!(1);
    for _ in 0..100 {
        deep = json!([deep]);
    }
    let body = json!({ "query": "query($r: [String]) { members(region: $r) { totalCount } }", "variables": { "r": deep } });
    let r = post(a, &token, &body.to_string(), false);
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(code(&r.json()), "VARIABLES_TOO_DEEP", "{}", r.body);

    // Fragment fan-out: refused at once, whatever the levels.
    for levels in [21, 30] {
        let started = Instant::now();
        let r = post(
            a,
            &token,
            &json!({ "query": fan_out(levels) }).to_string(),
            true,
        );
        assert_eq!(r.status, 400, "{}", r.body);
        assert_eq!(code(&r.json()), "QUERY_TOO_LARGE", "{}", r.body);
        assert!(r.json().get("data").is_none(), "{}", r.body);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "refused only after {:?}",
            started.elapsed()
        );
    }
    let r = post(
        a,
        &token,
        &json!({ "query": "{ ...A } fragment A on Query { ...A ...A }" }).to_string(),
        false,
    );
    assert_eq!(code(&r.json()), "FRAGMENT_CYCLE", "{}", r.body);
    let many = format!("{{ {} }}", "__typename ".repeat(MAX_SELECTIONS + 1));
    let r = post(a, &token, &json!({ "query": many }).to_string(), false);
    assert_eq!(code(&r.json()), "QUERY_TOO_LARGE", "{}", r.body);
    alive(&mut server, &token);
}

#[test]
fn argument_mistakes_are_coded_french_refusals_naming_the_field() {
    let (_dir, _db, server, [token]) = serve_new([("secretariat", "sp")]);
    let a = server.addr;
    let id = "00000000-0000-0000-0000-000000000001";
    let cases = [
        (
            "{ latestEvents(first: -3) { position } }".to_owned(),
            "first",
        ),
        (
            "{ event(position: -1) { position } }".to_owned(),
            "position",
        ),
        // Refused while validation computes its cost: named by its field.
        ("{ events(first: -1) { nextFrom } }".to_owned(), "events"),
        (
            format!(
                r#"mutation {{ definePost(bodyId: "{id}", title: "Président", seats: -5) {{ commandId }} }}"#
            ),
            "seats",
        ),
        (
            format!(
                r#"mutation {{ amendStatutes(statutes: {{effectiveFrom: "2025-01-01", quorumNumerator: -5}}, reference: "R", motionId: "{id}") {{ commandId }} }}"#
            ),
            "statutes",
        ),
        (
            format!(
                r#"mutation {{ amendStatutes(statutes: {{effectiveFrom: "2024-02-30"}}, reference: "R", motionId: "{id}") {{ commandId }} }}"#
            ),
            "statutes",
        ),
        (
            format!(
                r#"mutation {{ recordPayment(memberId: "{id}", year: 2024, amountXof: 1000, paidOn: "2024-02-30", receiptRef: "R1") {{ commandId }} }}"#
            ),
            "paidOn",
        ),
        (
            format!(
                r#"mutation {{ recordPayment(occurredAt: "2024-01-01T00:00:00+25:00", memberId: "{id}", year: 2024, amountXof: 1000, paidOn: "2024-02-01", receiptRef: "R1") {{ commandId }} }}"#
            ),
            "occurredAt",
        ),
    ];
    // Each names the argument whose value it refuses (or its field).
    for (query, field) in &cases {
        let v = graphql(a, &token, query).json();
        assert_eq!(code(&v), "BAD_USER_INPUT", "{query}: {v}");
        let message = v["errors"][0]["message"].as_str().unwrap();
        assert!(message.starts_with("Argument invalide"), "{query}: {v}");
        assert!(message.contains(&format!("« {field} »")), "{query}: {v}");
    }
    // The same through variables.
    let body = json!({ "query": "query($f: Int) { latestEvents(first: $f) { position } }", "variables": { "f": -3 } });
    let v = post(a, &token, &body.to_string(), false).json();
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v}");
    // Nothing was written.
    let v = graphql(a, &token, "{ head }").json();
    assert_eq!(v["data"]["head"], 1, "{v}");
}

/// graphql-js 16's `getIntrospectionQuery()`, as GraphiQL sends it.
const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description
    args { ...InputValue }
    type { ...TypeRef }
    isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name description
  type { ...TypeRef }
  defaultValue
}
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}
"#;

#[test]
fn graphql_over_http_follows_the_specification() {
    let (_dir, _db, server, [token]) = serve_new([("dashboard", "tableau")]);
    let a = server.addr;

    // The standard introspection query passes, over POST and GET.
    let body = json!({ "query": INTROSPECTION, "operationName": "IntrospectionQuery" });
    let r = post(a, &token, &body.to_string(), true);
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert!(v.get("errors").is_none(), "{v}");
    assert!(v["data"]["__schema"]["types"].as_array().unwrap().len() > 10);
    let r = get(a, &token, &[("query", INTROSPECTION)], false);
    assert!(r.json().get("errors").is_none(), "{}", r.body);

    // Deeper than the introspection query: refused in French, with a code.
    let deep = format!(
        "{{ __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }} }}",
        "ofType { ".repeat(9),
        "} ".repeat(9)
    );
    let v = post(a, &token, &json!({ "query": deep }).to_string(), false).json();
    assert_eq!(code(&v), "GRAPHQL_VALIDATION_FAILED", "{v}");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Requête trop profonde"),
        "{v}"
    );

    // GET takes the specification's `operationName`.
    let two = "query A { a: __typename } query B { b: __typename }";
    let v = get(a, &token, &[("query", two), ("operationName", "B")], false).json();
    assert_eq!(v["data"], json!({ "b": "Query" }), "{v}");
    let v = get(
        a,
        &token,
        &[("query", two), ("operationName", "A"), ("variables", "{}")],
        false,
    )
    .json();
    assert_eq!(v["data"], json!({ "a": "Query" }), "{v}");

    // A request error has no `data` entry, and is a 400 with the new
    // media type.
    for query in ["{ head", "{ nope }"] {
        let r = post(a, &token, &json!({ "query": query }).to_string(), true);
        assert_eq!(r.status, 400, "{}", r.body);
        let v = r.json();
        assert!(v.get("data").is_none(), "{v}");
        assert!(!code(&v).is_empty(), "{v}");
        let r = get(a, &token, &[("query", query)], true);
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(r.json().get("data").is_none(), "{}", r.body);
    }

    // No query, or an empty batch: 400 with a French message and a code.
    for (body, expected) in [
        ("{}", "MISSING_QUERY"),
        (r#"{"variables":{}}"#, "MISSING_QUERY"),
        (r#"{"query":null}"#, "MISSING_QUERY"),
        (r#"[{"query":"{ head }"},{}]"#, "MISSING_QUERY"),
        ("[]", "EMPTY_BATCH"),
        ("3", "BAD_REQUEST"),
    ] {
        for modern in [false, true] {
            let r = post(a, &token, body, modern);
            assert_eq!(r.status, 400, "{body}: {}", r.body);
            assert_eq!(code(&r.json()), expected, "{body}: {}", r.body);
        }
    }
    let r = get(a, &token, &[("variables", "{}")], false);
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(code(&r.json()), "MISSING_QUERY", "{}", r.body);
    assert!(
        r.json()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("query")
    );
}

/// The schema in process, as every transport runs it, with read models.
struct Fixture {
    rt: tokio::runtime::Runtime,
    schema: RegistreSchema,
    _dir: tempfile::TempDir,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let dir = scratch();
        let schema = rt.block_on(async {
            let store: Arc<dyn EventStore> =
                Arc::new(SqliteStore::open(dir.path().join("r.db")).await.unwrap());
            let (registry, _follower) = TokenRegistry::start(store.clone()).await.unwrap();
            let models = registre_service::projector::Projector::start(store.clone(), None)
                .await
                .unwrap();
            build_schema(Arc::new(
                Application::new(store, registry).with_read_models(models),
            ))
        });
        Fixture {
            rt,
            schema,
            _dir: dir,
        }
    })
}

fn nested_list(depth: usize) -> String {
    format!("{}\"x\"{}", "[".repeat(depth), "]".repeat(depth))
}

fn nested_object(depth: usize) -> String {
    format!("{}1{}", "{a: ".repeat(depth), "}".repeat(depth))
}

fn nested_json(depth: usize) -> Value {
    let mut v = json!("x");
    for i in 0..depth {
        v = if i % 2 == 0 {
            json!([v])
        } else {
            json!({ "a": v })
        };
    }
    v
}

/// Documents and variables a hostile or careless client may send.
fn hostile() -> impl Strategy<Value = (String, Value)> {
    let none = || Just(json!({}));
    prop_oneof![
        (0usize..200).prop_map(|d| (
            format!("{{ members(region: {}) {{ totalCount }} }}", nested_list(d)),
            json!({})
        )),
        (0usize..200).prop_map(|d| (
            format!(
                "{{ members(region: {}) {{ totalCount }} }}",
                nested_object(d)
            ),
            json!({})
        )),
        (0usize..40).prop_map(|l| (fan_out(l), json!({}))),
        (0usize..120).prop_map(|d| (
            "query($r: [String]) { members(region: $r) { totalCount } }".to_owned(),
            json!({ "r": nested_json(d) })
        )),
        any::<i64>().prop_map(|n| (
            format!(
                "{{ latestEvents(first: {n}) {{ position }} event(position: {n}) {{ position }} }}"
            ),
            json!({})
        )),
        any::<i64>().prop_map(|n| (
            "query($n: Int) { latestEvents(first: $n) { position } }".to_owned(),
            json!({ "n": n })
        )),
        ".{0,200}".prop_map(|s| (s, json!({}))),
        (".{0,60}", none()).prop_map(|(s, v)| (
            format!("{{ members(region: {}) {{ totalCount }} }}", json!(s)),
            v
        )),
        "[\\[\\]{}()\"#a-z:!$ ]{0,300}".prop_map(|s| (s, json!({}))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Whatever comes, the answer is a result or refusals that each carry a
    /// code, never an internal error, never a panic, and it comes soon.
    #[test]
    fn any_request_gets_a_result_or_a_coded_refusal((query, variables) in hostile()) {
        let f = fixture();
        let caller = Caller(Principal {
            token_id: uuid::Uuid::now_v7(),
            name: "test".into(),
            role: Role::Dashboard,
        });
        let request = Request::new(query.clone())
            .variables(Variables::from_json(variables))
            .data(caller);
        let started = Instant::now();
        let response = f.rt.block_on(f.schema.execute(request));
        prop_assert!(started.elapsed() < Duration::from_secs(10), "{query}: {:?}", started.elapsed());
        for e in &response.errors {
            let code = e.extensions.as_ref().and_then(|x| x.get("code").cloned());
            prop_assert!(code.is_some(), "{query}: no code: {e:?}");
            prop_assert_ne!(code, Some(async_graphql::Value::from("INTERNAL")), "{}: {:?}", query, e);
        }
    }
}

/// The websocket transport runs the same limits (the schema's extension).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_websocket_refuses_hostile_documents_and_stays_up() {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    let (_dir, _db, mut server, [token]) = serve_new([("dashboard", "tableau")]);
    let (mut ws, _) = open_ws(server.addr).await;
    let mut send = async |v: Value| ws.send(Message::Text(v.to_string().into())).await.unwrap();
    send(
        json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}}),
    )
    .await;
    let deep = format!(
        "subscription {{ events(from: {}1{}) {{ position }} }}",
        "[".repeat(1_750),
        "]".repeat(1_750)
    );
    send(json!({"id": "1", "type": "subscribe", "payload": {"query": deep}})).await;
    send(json!({"id": "2", "type": "subscribe", "payload": {"query": fan_out(30)}})).await;
    let mut codes = Vec::new();
    while codes.len() < 2 {
        let m = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("an answer within 10 s")
            .expect("the socket is open")
            .expect("a readable message");
        let Message::Text(t) = m else { continue };
        let v: Value = serde_json::from_str(&t).unwrap();
        // A refusal comes as `error`, or as `next` with errors.
        let errors = match v["type"].as_str() {
            Some("error") => &v["payload"],
            Some("next") => &v["payload"]["errors"],
            _ => continue,
        };
        codes.push((
            v["id"].as_str().unwrap().to_owned(),
            errors[0]["extensions"]["code"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
        ));
    }
    codes.sort();
    assert_eq!(
        codes,
        [
            ("1".to_owned(), "DOCUMENT_TOO_DEEP".to_owned()),
            ("2".to_owned(), "QUERY_TOO_LARGE".to_owned())
        ]
    );
    alive(&mut server, &token);
}
