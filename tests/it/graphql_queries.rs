//! The read-model queries against a real server seeded by `registre demo`:
//! a dashboard reads the registers, an auditor reads an entity's history.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::support::{Server, demo, graphql, serve_after};

struct Fixture {
    server: Server,
    dashboard: String,
    auditor: String,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let (dir, _db, server, [dashboard, auditor]) = serve_after(
        |db| demo(db, "80", "3"),
        [("dashboard", "tableau-de-bord"), ("auditor", "auditrice")],
    );
    Fixture {
        server,
        dashboard,
        auditor,
        _dir: dir,
    }
}

impl Fixture {
    /// Runs a query and returns its data, failing on any error.
    fn data(&self, token: &str, query: &str) -> Value {
        let a = graphql(self.server.addr, token, query).json();
        assert!(a.get("errors").is_none(), "{query}: {a}");
        a["data"].clone()
    }

    /// Runs a query expected to fail and returns its first error's code.
    fn error_code(&self, token: &str, query: &str) -> String {
        let a = graphql(self.server.addr, token, query).json();
        a["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("{query}: no error code in {a}"))
            .to_owned()
    }

    /// Every node of a connection, following cursors `size` at a time.
    fn all(&self, field: &str, args: &str, selection: &str, size: u32) -> Vec<Value> {
        let mut out = Vec::new();
        let mut after = String::new();
        loop {
            let q = format!(
                "{{ {field}(first: {size} {args} {after}) {{ totalCount position \
                 pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ {selection} }} }} }} }}"
            );
            let d = self.data(&self.dashboard, &q);
            let c = &d[field];
            let edges = c["edges"].as_array().unwrap();
            assert!(edges.len() <= size as usize);
            out.extend(edges.iter().map(|e| e["node"].clone()));
            if !c["pageInfo"]["hasNextPage"].as_bool().unwrap() {
                assert_eq!(out.len() as u64, c["totalCount"].as_u64().unwrap());
                return out;
            }
            after = format!(
                r#", after: "{}""#,
                c["pageInfo"]["endCursor"].as_str().unwrap()
            );
        }
    }
}

/// The nodes of one page of a connection.
fn nodes(connection: &Value) -> Vec<Value> {
    connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("not a connection: {connection}"))
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

fn ids(nodes: &[Value]) -> Vec<String> {
    nodes
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_dashboard_reads_the_registers_and_an_auditor_the_history() {
    let f = fixture();

    // Members: counts by region add up to the total, paging returns each
    // member once, and the region filter keeps that region's members.
    let counts = f.data(
        &f.dashboard,
        "{ memberCounts { position total byRegion { code count } byStatus { status count } } }",
    )["memberCounts"]
        .clone();
    let total = counts["total"].as_u64().unwrap();
    assert_eq!(
        total, 81,
        "the demo admitted 80 communes, two of which merged into an 81st"
    );
    assert!(counts["position"].as_u64().unwrap() > 0);
    let by_region: BTreeMap<String, u64> = counts["byRegion"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["code"].as_str().unwrap().to_owned(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(by_region.len() > 1, "{by_region:?}");
    assert_eq!(by_region.values().sum::<u64>(), total);
    let by_status: u64 = counts["byStatus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .sum();
    assert_eq!(by_status, total);

    let members = f.all("members", "", "id status region { code }", 7);
    let unique: BTreeSet<_> = ids(&members).into_iter().collect();
    assert_eq!(members.len() as u64, total);
    assert_eq!(unique.len() as u64, total, "every member once");

    let (region, n) = by_region.iter().max_by_key(|(_, n)| **n).unwrap();
    let in_region = f.all(
        "members",
        &format!(r#", region: "{region}""#),
        "id region { code }",
        50,
    );
    assert_eq!(in_region.len() as u64, *n);
    assert!(
        in_region
            .iter()
            .all(|m| m["region"]["code"] == region.as_str())
    );
    let active = f.all("members", ", status: ACTIVE", "id status", 100);
    assert!(active.iter().all(|m| m["status"] == "ACTIVE"));
    let suspended = f.all("members", ", status: SUSPENDED", "id status", 100);
    assert!(suspended.iter().all(|m| m["status"] == "SUSPENDED"));
    assert!(active.len() < members.len() || suspended.is_empty());

    // A member lookup has its history and its dues.
    let first = &ids(&members)[0];
    let m = f.data(
        &f.dashboard,
        &format!(
            r#"{{ member(id: "{first}") {{ id name readPosition history {{ edges {{ node {{ change effectiveOn position }} }} }} dues(first: 500) {{ edges {{ node {{ year due paid balance }} }} }} }} }}"#
        ),
    )["member"]
        .clone();
    assert_eq!(m["id"], first.as_str());
    let history = nodes(&m["history"]);
    assert_eq!(history[0]["change"], "ADMITTED");
    assert!(history[0]["position"].as_u64().unwrap() > 0);
    assert!(!nodes(&m["dues"]).is_empty());
    for d in &nodes(&m["dues"]) {
        assert_eq!(
            d["due"].as_i64().unwrap() - d["paid"].as_i64().unwrap(),
            d["balance"].as_i64().unwrap()
        );
    }

    // Dues: the arrears filter splits the year's positions.
    let year = "year: 2024, judgedOn: \"2024-12-31\"";
    let dues = f.all(
        "dues",
        &format!(", {year}"),
        "memberId balance inArrears",
        100,
    );
    let late = f.all(
        "dues",
        &format!(", {year}, inArrears: true"),
        "memberId balance inArrears",
        100,
    );
    let paid = f.all(
        "dues",
        &format!(", {year}, inArrears: false"),
        "memberId inArrears",
        100,
    );
    assert_eq!(late.len() + paid.len(), dues.len());
    assert!(
        late.iter()
            .all(|d| d["inArrears"] == true && d["balance"].as_i64().unwrap() > 0)
    );

    // Sessions: a held session shows its quorum, and its motions' tallies
    // are the resolutions register's.
    let closed = f.all(
        "sessions",
        ", state: CLOSED",
        "id state quorum { reached present represented eligible required }",
        20,
    );
    assert!(!closed.is_empty(), "the demo holds sessions");
    assert!(closed.iter().all(|s| s["state"] == "CLOSED"));
    let mut checked_motions = 0;
    for s in &closed {
        let id = s["id"].as_str().unwrap();
        let q = s["quorum"].clone();
        assert!(
            q["present"].as_u64().unwrap() + q["represented"].as_u64().unwrap()
                <= q["eligible"].as_u64().unwrap()
        );
        let session = f.data(
            &f.dashboard,
            &format!(
                r#"{{ session(id: "{id}") {{ id eligibleCount attendance {{ present(first: 500) {{ totalCount edges {{ node {{ memberId }} }} }} represented {{ totalCount }} absent {{ totalCount }} }}
                     motions(first: 50) {{ edges {{ node {{ id result votesFor votesAgainst abstentions decision {{ tally {{ votesFor votesAgainst abstentions absent }} rule {{ comparison base tie share {{ numerator denominator }} }} base castingVote }} }} }} }} }} }}"#
            ),
        )["session"]
            .clone();
        let a = &session["attendance"];
        let attended = ["present", "represented", "absent"]
            .map(|k| a[k]["totalCount"].as_u64().unwrap())
            .iter()
            .sum::<u64>();
        assert_eq!(attended, session["eligibleCount"].as_u64().unwrap());
        // Paged two by two, the present are the same, in the same order.
        let present = nodes(&a["present"]);
        assert_eq!(
            present.len() as u64,
            a["present"]["totalCount"].as_u64().unwrap()
        );
        let mut paged = Vec::new();
        let mut after = String::new();
        loop {
            let q = format!(
                r#"{{ session(id: "{id}") {{ attendance {{ present(first: 2{after}) {{ pageInfo {{ hasNextPage endCursor }} edges {{ node {{ memberId }} }} }} }} }} }}"#
            );
            let page = f.data(&f.dashboard, &q)["session"]["attendance"]["present"].clone();
            assert!(nodes(&page).len() <= 2);
            paged.extend(nodes(&page));
            if page["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = format!(
                r#", after: "{}""#,
                page["pageInfo"]["endCursor"].as_str().unwrap()
            );
        }
        assert_eq!(paged, present);
        let register = f.all(
            "resolutions",
            &format!(r#", sessionId: "{id}""#),
            "id result votesFor votesAgainst abstentions decision { tally { votesFor votesAgainst abstentions absent } rule { comparison base tie share { numerator denominator } } base castingVote }",
            50,
        );
        assert_eq!(nodes(&session["motions"]), register);
        for mo in &register {
            if let Some(t) = mo["decision"]["tally"].as_object() {
                assert_eq!(t["votesFor"], mo["votesFor"]);
                assert_eq!(t["votesAgainst"], mo["votesAgainst"]);
                // The base a decision counted is the one its rule names.
                let cast = t["votesFor"].as_u64().unwrap() + t["votesAgainst"].as_u64().unwrap();
                let base = mo["decision"]["base"].as_u64().unwrap();
                match mo["decision"]["rule"]["base"].as_str().unwrap() {
                    "VOTES_CAST" => assert_eq!(base, cast),
                    "VOTES_CAST_WITH_ABSTENTIONS" => {
                        assert_eq!(base, cast + t["abstentions"].as_u64().unwrap())
                    }
                    _ => assert!(base <= session["eligibleCount"].as_u64().unwrap()),
                }
                checked_motions += 1;
            }
        }
    }
    assert!(checked_motions > 0, "some motion was decided");
    let adopted = f.all("resolutions", ", result: ADOPTED", "id result", 50);
    assert!(!adopted.is_empty());
    assert!(adopted.iter().all(|r| r["result"] == "ADOPTED"));
    let all_motions = f.all("resolutions", "", "id", 13);
    let unique: BTreeSet<_> = ids(&all_motions).into_iter().collect();
    assert_eq!(unique.len(), all_motions.len());
    let one = &ids(&adopted)[0];
    let motion = f.data(
        &f.dashboard,
        &format!(r#"{{ motion(id: "{one}") {{ id result }} }}"#),
    );
    assert_eq!(motion["motion"]["result"], "ADOPTED");

    // Statutory meetings: the demo's Assemblées de Cercle never meet, so
    // they are overdue; the Congrès met in 2024 and is due by 2029.
    let meetings = f.data(
        &f.dashboard,
        r#"{ statutoryMeetings(on: "2025-06-30") { name statutoryBody everyMonths lastMet nextDue overdue } }"#,
    )["statutoryMeetings"]
        .as_array()
        .unwrap()
        .clone();
    let congress = meetings
        .iter()
        .find(|m| m["statutoryBody"] == "CONGRESS")
        .expect("the Congrès has a meeting rule");
    assert_eq!(congress["overdue"], false, "{congress}");
    assert!(congress["lastMet"].as_str().is_some(), "{congress}");
    let silent_cercle = meetings
        .iter()
        .find(|m| m["statutoryBody"] == "CERCLE_ASSEMBLY" && m["lastMet"].is_null())
        .expect("an Assemblée de Cercle that never met");
    assert_eq!(silent_cercle["overdue"], true, "{silent_cercle}");
    for m in &meetings {
        let overdue = m["nextDue"].as_str().unwrap() < "2025-06-30";
        assert_eq!(m["overdue"], overdue, "{m}");
    }
    let overdue_only = f.data(
        &f.dashboard,
        r#"{ statutoryMeetings(on: "2025-06-30", overdueOnly: true) { name } }"#,
    )["statutoryMeetings"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        overdue_only,
        meetings.iter().filter(|m| m["overdue"] == true).count()
    );

    // Bodies: a body shows its posts and its holders on a date.
    let bodies = f.all("bodies", "", "id name", 50);
    assert!(!bodies.is_empty());
    let mut holders = 0;
    for b in &bodies {
        let id = b["id"].as_str().unwrap();
        let body = f.data(
            &f.dashboard,
            &format!(r#"{{ body(id: "{id}") {{ name posts {{ title holders {{ edges {{ node {{ holderName }} }} }} }} composition(on: "2024-06-30") {{ title holders {{ totalCount edges {{ node {{ holderName startsOn }} }} }} }} mandates {{ totalCount }} }} }}"#),
        )["body"]
            .clone();
        let c = body["composition"].as_array().unwrap();
        assert_eq!(c.len(), body["posts"].as_array().unwrap().len());
        holders += c
            .iter()
            .map(|s| s["holders"]["totalCount"].as_u64().unwrap())
            .sum::<u64>();
    }
    assert!(holders > 0, "some post is held in mid-2024");

    // Minutes: the state filter filters.
    let minutes = f.all("minutesRegister", "", "id status", 50);
    assert!(!minutes.is_empty());
    let signed = f.all("minutesRegister", ", status: SIGNED", "id status", 50);
    assert!(signed.iter().all(|m| m["status"] == "SIGNED"));
    let mid = &ids(&minutes)[0];
    let one = f.data(
        &f.dashboard,
        &format!(r#"{{ minutes(id: "{mid}") {{ id drafts {{ sha256 }} }} }}"#),
    );
    assert!(!one["minutes"]["drafts"].as_array().unwrap().is_empty());

    // Indicators: the regions' shares add up to the whole.
    let i = f.data(
        &f.dashboard,
        r#"{ indicators(on: "2024-06-30") { position goodStanding { part whole }
             goodStandingByRegion { region share { part whole ratio } }
             attendance { part whole } quorumFailed quorumReached unsignedMinutes } }"#,
    )["indicators"]
        .clone();
    let regions = i["goodStandingByRegion"].as_array().unwrap();
    let part: u64 = regions
        .iter()
        .map(|r| r["share"]["part"].as_u64().unwrap())
        .sum();
    let whole: u64 = regions
        .iter()
        .map(|r| r["share"]["whole"].as_u64().unwrap())
        .sum();
    assert_eq!(part, i["goodStanding"]["part"].as_u64().unwrap());
    assert_eq!(whole, i["goodStanding"]["whole"].as_u64().unwrap());
    assert!(part <= whole && whole > 0);
    assert!(i["quorumFailed"].as_u64().unwrap() + i["quorumReached"].as_u64().unwrap() > 0);

    // History: auditors only; it lists the member's admission with its actor.
    let q = format!(
        r#"{{ history(entityId: "member:{first}") {{ position edges {{ node {{ position eventType actor {{ id role }} event {{ commandId }} }} }} }} }}"#
    );
    assert_eq!(f.error_code(&f.dashboard, &q), "FORBIDDEN");
    let h = f.data(&f.auditor, &q)["history"].clone();
    let events = h["edges"].as_array().unwrap();
    assert_eq!(events[0]["node"]["eventType"], "CommuneAdmitted");
    assert_eq!(
        events[0]["node"]["position"], history[0]["position"],
        "the history and the register agree"
    );
    assert!(
        !events[0]["node"]["actor"]["id"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    assert!(events[0]["node"]["event"]["commandId"].is_string());
    let bare = f.data(
        &f.auditor,
        &format!(r#"{{ history(entityId: "{first}") {{ totalCount }} }}"#),
    );
    assert_eq!(
        bare["history"]["totalCount"].as_u64().unwrap() as usize,
        events.len()
    );
}

#[test]
fn unknown_ids_bad_arguments_and_positions_get_clear_errors() {
    let f = fixture();
    let nobody = "00000000-0000-7000-8000-000000000000";
    for field in ["member", "session", "motion", "body", "minutes"] {
        let q = format!(r#"{{ {field}(id: "{nobody}") {{ id }} }}"#);
        assert_eq!(f.error_code(&f.dashboard, &q), "NOT_FOUND", "{field}");
        let q = format!(r#"{{ {field}(id: "not-a-uuid") {{ id }} }}"#);
        assert_eq!(f.error_code(&f.dashboard, &q), "BAD_USER_INPUT", "{field}");
    }
    let q = format!(r#"{{ history(entityId: "{nobody}") {{ totalCount }} }}"#);
    assert_eq!(f.error_code(&f.auditor, &q), "NOT_FOUND");
    assert_eq!(
        f.error_code(&f.dashboard, "{ members(first: 501) { totalCount } }"),
        "BAD_USER_INPUT"
    );
    assert_eq!(
        f.error_code(&f.dashboard, r#"{ members(after: "%%%") { totalCount } }"#),
        "BAD_USER_INPUT"
    );
    // Lists inside a record have the same bounds.
    let one = f.data(
        &f.dashboard,
        "{ members(first: 1) { edges { node { id } } } }",
    );
    let one = one["members"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for list in [
        "history(first: 501)",
        "dues(first: 0)",
        r#"history(after: "%%%")"#,
    ] {
        let q = format!(r#"{{ member(id: "{one}") {{ {list} {{ totalCount }} }} }}"#);
        assert_eq!(f.error_code(&f.dashboard, &q), "BAD_USER_INPUT", "{list}");
    }
    // Read your writes: a position the log has is waited for, one past its
    // head is refused at once.
    let head = f.data(&f.auditor, "{ head }")["head"].as_u64().unwrap();
    let d = f.data(
        &f.dashboard,
        &format!("{{ memberCounts(minPosition: {head}) {{ position }} }}"),
    );
    assert!(d["memberCounts"]["position"].as_u64().unwrap() >= head);
    let past = head + 1000;
    assert_eq!(
        f.error_code(
            &f.dashboard,
            &format!("{{ members(minPosition: {past}) {{ position }} }}")
        ),
        "BAD_USER_INPUT"
    );
}
