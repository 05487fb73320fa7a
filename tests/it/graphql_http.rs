//! GraphQL over HTTP against the real server: authentication, revocation,
//! the GraphQL-over-HTTP rules, limits, masked errors and metrics.

use crate::support::{
    Server, create_token, eventually, graphql, http, post_json, registre, run_with_reader_gone,
    scratch, serve_new, sqlite_url, token_cli,
};

const EVENTS_QUERY: &str = "{ head events(first: 10) { events { position streamId eventType actor { id role } payload } nextFrom hasMore } }";

#[test]
fn missing_bad_and_revoked_tokens_get_401_and_a_revocation_takes_effect_live() {
    let dir = scratch();
    let db = dir.path().join("registre.db");
    let auditor = create_token(&db, "auditor", "controle-interne");
    assert!(auditor.starts_with("reg_"), "{auditor}");
    let server = Server::start(&db);

    let ok = graphql(server.addr, &auditor, EVENTS_QUERY);
    assert_eq!(ok.status, 200, "{}", ok.body);
    let v = ok.json();
    assert_eq!(v["data"]["head"], 1, "{v}");
    let e = &v["data"]["events"]["events"][0];
    assert_eq!(e["eventType"], "AccessTokenIssued");
    assert_eq!(e["actor"]["id"], "operator");
    assert_eq!(e["actor"]["role"], "SYSTEM");
    assert_eq!(e["payload"]["name"], "controle-interne");
    // The log holds the hash, never the secret.
    assert!(!ok.body.contains(&auditor));

    let no_token = http(
        server.addr,
        "POST",
        "/graphql",
        &[("Content-Type", "application/json")],
        br#"{"query":"{ head }"}"#,
    );
    assert_eq!(no_token.status, 401);
    assert_eq!(
        no_token.json()["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    assert_eq!(no_token.header("www-authenticate"), Some("Bearer"));
    let forged = format!("{}x", &auditor[..auditor.len() - 1]);
    assert_eq!(graphql(server.addr, &forged, "{ head }").status, 401);
    assert_eq!(graphql(server.addr, "", "{ head }").status, 401);
    let get = http(
        server.addr,
        "GET",
        "/graphql?query=%7Bhead%7D",
        &[("Authorization", "Basic x")],
        b"",
    );
    assert_eq!(get.status, 401);

    // Revoked from another process while the server runs.
    let (ok, _, err) = token_cli(
        &db,
        &["revoke", "controle-interne", "--reason", "fin de mission"],
    );
    assert!(ok, "{err}");
    eventually(5, "the revocation reaches the server", || {
        graphql(server.addr, &auditor, "{ head }").status == 401
    });
    let (ok, list, _) = token_cli(&db, &["list"]);
    assert!(ok);
    assert!(
        list.contains("controle-interne") && list.contains("fin de mission"),
        "{list}"
    );
    assert!(!list.contains(&auditor));
}

#[test]
fn token_names_are_unique_among_active_tokens() {
    let dir = scratch();
    let db = dir.path().join("registre.db");
    create_token(&db, "dashboard", "tableau");
    let (ok, _, err) = token_cli(&db, &["create", "--role", "auditor", "--name", "tableau"]);
    assert!(!ok && err.contains("already exists"), "{err}");
    let (ok, _, err) = token_cli(&db, &["create", "--role", "system", "--name", "x"]);
    assert!(!ok && err.contains("not system"), "{err}");
    let (ok, _, err) = token_cli(&db, &["create", "--role", "auditor", "--name", "a b"]);
    assert!(!ok && err.contains("invalid token name"), "{err}");
    let (ok, _, err) = token_cli(&db, &["revoke", "inconnu"]);
    assert!(!ok && err.contains("no active token"), "{err}");
    // After a revocation the name can be issued again, with a new secret.
    assert!(token_cli(&db, &["revoke", "tableau"]).0);
    create_token(&db, "dashboard", "tableau");
    // A secret that cannot be shown (its reader went away) fails the
    // command, which says what to do about the token it issued.
    let out = run_with_reader_gone(
        registre()
            .args(["token", "create", "--role", "auditor", "--name", "perdu"])
            .args(["--store", &sqlite_url(&db)]),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("revoke it and issue another"), "{err}");
}

#[test]
fn the_graphql_over_http_rules_hold() {
    let (_dir, _db, server, [secretariat]) = serve_new([("secretariat", "sp")]);
    let auth = format!("Bearer {secretariat}");
    let a = server.addr;

    // GET runs queries...
    let r = http(
        a,
        "GET",
        "/graphql?query=%7B%20head%20%7D",
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["data"]["head"], 1);
    assert_eq!(r.header("content-type"), Some("application/json"));
    // ...never mutations.
    let r = http(
        a,
        "GET",
        "/graphql?query=mutation%20%7B%20__typename%20%7D",
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(r.status, 405, "{}", r.body);
    assert_eq!(r.header("allow"), Some("POST"));

    // Bodies a browser may send cross-site without a preflight: 415.
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let r = http(
            a,
            "POST",
            "/graphql",
            &[("Content-Type", ct), ("Authorization", &auth)],
            br#"{"query":"{ head }"}"#,
        );
        assert_eq!(r.status, 415, "{ct}: {}", r.body);
    }
    let r = http(
        a,
        "POST",
        "/graphql",
        &[("Authorization", &auth)],
        br#"{"query":"{ head }"}"#,
    );
    assert_eq!(r.status, 415);

    // The newer media type, when asked for.
    let r = http(
        a,
        "POST",
        "/graphql",
        &[
            ("Content-Type", "application/json; charset=utf-8"),
            ("Accept", "application/graphql-response+json"),
            ("Authorization", &auth),
        ],
        br#"{"query":"{ head }"}"#,
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/graphql-response+json")
    );
    assert!(r.header("x-request-id").is_some());
    let r = http(
        a,
        "POST",
        "/graphql",
        &[
            ("Content-Type", "application/json"),
            ("Accept", "application/graphql-response+json"),
            ("Authorization", &auth),
        ],
        br#"{"query":"{ nope }"}"#,
    );
    assert_eq!(
        r.status, 400,
        "a validation error is a request error: {}",
        r.body
    );

    // Size, batch, depth and complexity limits.
    let big = format!(
        r#"{{"query":"{{ head }}","variables":{{"x":"{}"}}}}"#,
        "a".repeat(300 * 1024)
    );
    let r = post_json(a, &auth, big.as_bytes());
    assert_eq!(r.status, 413);
    let batch = format!("[{}]", [r#"{"query":"{ head }"}"#; 11].join(","));
    let r = post_json(a, &auth, batch.as_bytes());
    assert_eq!(r.status, 400, "{}", r.body);
    let batch = format!("[{}]", [r#"{"query":"{ head }"}"#; 2].join(","));
    let r = post_json(a, &auth, batch.as_bytes());
    assert_eq!(r.status, 200);
    assert_eq!(r.json()[1]["data"]["head"], 1);
    let deep = format!(
        "{{ __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }} }}",
        "ofType { ".repeat(9),
        "} ".repeat(9)
    );
    let r = graphql(a, &secretariat, &deep);
    let v = r.json();
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Requête trop profonde"),
        "{v}"
    );
    let aliases: String = (0..10).map(|i| format!("e{i}: events(first: 1000) {{ events {{ position id streamId revision eventType payload }} }} ")).collect();
    let v = graphql(a, &secretariat, &format!("{{ {aliases} }}")).json();
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Requête trop coûteuse"),
        "{v}"
    );
    assert!(v.get("data").is_none_or(|d| d.is_null()), "{v}");

    // Out-of-range arguments: a clear, coded error.
    let v = graphql(a, &secretariat, "{ events(first: 5000) { nextFrom } }").json();
    assert_eq!(
        v["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{v}"
    );

    // Other methods.
    let r = http(a, "PUT", "/graphql", &[("Authorization", &auth)], b"");
    assert_eq!(r.status, 405);

    // GraphiQL for a browser.
    let r = http(
        a,
        "GET",
        "/graphql",
        &[("Accept", "text/html,application/xhtml+xml")],
        b"",
    );
    assert_eq!(r.status, 200);
    assert!(r.body.to_lowercase().contains("graphiql"), "{}", r.body);
}

#[test]
fn internal_errors_are_masked_and_logged_with_a_request_id() {
    let dir = scratch();
    let db = dir.path().join("registre.db");
    let auditor = create_token(&db, "auditor", "audit");
    create_token(&db, "dashboard", "victime");
    {
        // Damage the payload of event 2, behind registre's back.
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "DROP TRIGGER events_no_update; UPDATE events SET payload = '{not json' WHERE position = 2;",
        )
        .unwrap();
    }
    // The damaged event stops the read models, so the server never becomes
    // ready; it still answers, and must not leak what went wrong.
    let server = Server::spawn(&db, &[]);
    server.wait_for_200("/healthz");
    let r = graphql(
        server.addr,
        &auditor,
        "{ event(position: 2) { eventType } }",
    );
    assert_eq!(r.status, 200);
    let v = r.json();
    let e = &v["errors"][0];
    assert_eq!(e["extensions"]["code"], "INTERNAL", "{v}");
    let id = e["extensions"]["requestId"].as_str().unwrap();
    assert!(e["message"].as_str().unwrap().contains(id));
    for leak in [
        "corrupt",
        "position 2",
        "json",
        "sqlite",
        "AccessTokenIssued",
        "expected",
    ] {
        assert!(
            !r.body.to_lowercase().contains(&leak.to_lowercase()),
            "{leak} leaked: {}",
            r.body
        );
    }
    // A readable event still answers.
    let v = graphql(
        server.addr,
        &auditor,
        "{ event(position: 1) { eventType } }",
    )
    .json();
    assert_eq!(v["data"]["event"]["eventType"], "AccessTokenIssued");
}

#[test]
fn metrics_are_served_in_prometheus_text() {
    let (_dir, _db, server, [token]) = serve_new([("auditor", "audit")]);
    assert_eq!(graphql(server.addr, &token, "{ head }").status, 200);
    let r = http(server.addr, "GET", "/metrics", &[], b"");
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
    for line in [
        "registre_log_head 1",
        "registre_appends_total 0",
        "registre_append_conflicts_total 0",
        "registre_http_request_duration_seconds_count{route=\"graphql\",status=\"200\"} 1",
        "registre_graphql_request_duration_seconds_count{operation=\"query\"} 1",
    ] {
        assert!(r.body.contains(line), "missing {line:?} in\n{}", r.body);
    }
}
