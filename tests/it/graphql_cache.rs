//! The response cache on the real server: a repeated read-model query is
//! answered from it, an event makes the next answer fresh, and what it
//! must not keep (other roles, errors, the log's head) it does not.

use crate::graphql_mutations::ok;
use crate::support::{graphql, http_get, serve_territory};

/// The value of a counter in `/metrics` (0 when not yet exported).
fn counter(addr: std::net::SocketAddr, name: &str) -> u64 {
    let (status, text) = http_get(addr, "/metrics").expect("GET /metrics");
    assert_eq!(status, 200);
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0)
}

const COUNTS: &str =
    "{ memberCounts { total } latestEvents(first: 3) { position events { eventType role } } }";

#[test]
fn a_repeated_query_is_served_from_the_cache_until_the_next_event() {
    let (_dir, _db, server, [sec, dash]) = serve_territory([
        ("secretariat", "secretariat-permanent"),
        ("dashboard", "tableau"),
    ]);
    let a = server.addr;
    ok(
        a,
        &sec,
        "adoptStatutes",
        r#"statutes: {effectiveFrom: "2001-02-01"}, reference: "Statuts""#,
    );

    let hits = "registre_graphql_cache_hits_total";
    let first = graphql(a, &dash, COUNTS);
    assert_eq!(first.status, 200, "{}", first.body);
    let before = counter(a, hits);
    let again = graphql(a, &dash, COUNTS);
    assert_eq!(
        again.body, first.body,
        "the same state gives the same answer"
    );
    assert_eq!(counter(a, hits), before + 1, "the second answer was kept");
    assert_eq!(first.json()["data"]["memberCounts"]["total"], 0);
    assert_eq!(
        first.json()["data"]["latestEvents"]["events"][0]["eventType"],
        "StatutesAdopted"
    );

    // An event: the next answer is computed on the new state.
    ok(
        a,
        &sec,
        "admitCommune",
        r#"unit: {scheme: "ocha-pcode", edition: "2015", code: "ML010101"}, duesCategory: "urbaine", admittedOn: "2020-01-15", deliberationRef: "D1", decisionRef: "B1""#,
    );
    let after = graphql(a, &dash, COUNTS).json();
    assert_eq!(after["data"]["memberCounts"]["total"], 1, "{after}");
    assert_eq!(
        after["data"]["latestEvents"]["events"][0]["eventType"],
        "CommuneAdmitted"
    );
    assert_eq!(
        after["data"]["latestEvents"]["events"][0]["role"],
        "SECRETARIAT"
    );
    let hits_now = counter(a, hits);
    assert_eq!(
        hits_now,
        before + 1,
        "a moved register is never served from the cache"
    );

    // Refused to a role: never kept, the refusal stays a refusal.
    let history =
        r#"{ history(entityId: "stream:00000000-0000-0000-0000-000000000000") { totalCount } }"#;
    for _ in 0..2 {
        let v = graphql(a, &dash, history).json();
        assert_eq!(v["errors"][0]["extensions"]["code"], "FORBIDDEN", "{v}");
    }
    // Fields outside the read models (the log's head) are never kept.
    let head = graphql(a, &sec, "{ head }").json()["data"]["head"].clone();
    graphql(a, &sec, "{ head }");
    assert!(head.as_u64().is_some_and(|h| h >= 2));
    assert_eq!(
        counter(a, hits),
        hits_now,
        "no hit for refusals nor for the head"
    );
}
