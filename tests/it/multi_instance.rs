//! Two `registre serve` processes on one PostgreSQL schema: both take
//! commands, conflicting commands sent to both at once (admitting the same
//! commune, suspending the same member) never break an invariant, their read models converge, and a subscriber on each sees
//! every event, whichever process appended it.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::store_postgres::fresh_schema;
use crate::support::{
    Server, Ws, create_token_url, eventually, graphql, import_territory_url, open_ws, scratch,
};

/// A subscriber to every event from position 1.
async fn subscribe(addr: SocketAddr, token: &str) -> Ws {
    let (mut ws, _) = open_ws(addr).await;
    let init =
        json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}});
    ws.send(Message::Text(init.to_string().into()))
        .await
        .unwrap();
    assert_eq!(next_json(&mut ws).await["type"], "connection_ack");
    let sub = json!({"id": "all", "type": "subscribe", "payload": {"query":
        "subscription { events(from: 1) { position eventType } }"}});
    ws.send(Message::Text(sub.to_string().into()))
        .await
        .unwrap();
    ws
}

async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("a message within 20 s")
            .expect("the socket is open")
            .expect("a readable message");
        match m {
            Message::Text(t) => return serde_json::from_str(&t).unwrap(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// The positions a subscriber receives, up to `head`: must be 1..=head.
async fn positions_until(ws: &mut Ws, head: u64) -> Vec<u64> {
    let mut seen = Vec::new();
    while seen.last().is_none_or(|p| *p < head) {
        let m = next_json(ws).await;
        assert_eq!(m["type"], "next", "{m}");
        seen.push(m["payload"]["data"]["events"]["position"].as_u64().unwrap());
    }
    seen
}

/// Sends a mutation; its data, or its error code.
fn mutate(addr: SocketAddr, token: &str, field: &str, args: &str) -> Result<Value, String> {
    let q = format!("mutation {{ {field}({args}) {{ alreadyApplied position entityId }} }}");
    let v = graphql(addr, token, &q).json();
    match v.get("errors") {
        None => Ok(v["data"][field].clone()),
        Some(e) => Err(e[0]["extensions"]["code"]
            .as_str()
            .unwrap_or("NO_CODE")
            .to_owned()),
    }
}

fn head(addr: SocketAddr, token: &str) -> u64 {
    graphql(addr, token, "{ head }").json()["data"]["head"]
        .as_u64()
        .unwrap()
}

fn data(addr: SocketAddr, token: &str, query: &str) -> Value {
    let v = graphql(addr, token, query).json();
    assert!(v.get("errors").is_none(), "{query}: {v}");
    v["data"].clone()
}

/// Both at once, from two threads: (answer of a, answer of b).
fn both_at_once(
    a: SocketAddr,
    b: SocketAddr,
    token: &str,
    field: &'static str,
    args: String,
) -> (Result<Value, String>, Result<Value, String>) {
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let run = |addr: SocketAddr| {
        let (barrier, token, args) = (barrier.clone(), token.to_owned(), args.clone());
        std::thread::spawn(move || {
            barrier.wait();
            mutate(addr, &token, field, &args)
        })
    };
    let (ta, tb) = (run(a), run(b));
    (ta.join().unwrap(), tb.join().unwrap())
}

fn unit(code: &str) -> String {
    format!(r#"{{scheme: "ocha-pcode", edition: "2015", code: "{code}"}}"#)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_database_keep_the_invariants_and_converge() {
    let Some((_admin, schema)) = fresh_schema().await else {
        return;
    };
    let pg = schema.url();
    let (sec, aud) = {
        let pg = pg.clone();
        tokio::task::spawn_blocking(move || {
            import_territory_url(&pg);
            (
                create_token_url(&pg, "secretariat", "secretariat-permanent"),
                create_token_url(&pg, "auditor", "auditrice"),
            )
        })
        .await
        .unwrap()
    };
    let (work_a, work_b) = (scratch(), scratch());
    let (server_a, server_b) = {
        let (pg, wa, wb) = (
            pg.clone(),
            work_a.path().to_owned(),
            work_b.path().to_owned(),
        );
        tokio::task::spawn_blocking(move || {
            (Server::start_url(&pg, &wa), Server::start_url(&pg, &wb))
        })
        .await
        .unwrap()
    };
    let (a, b) = (server_a.addr, server_b.addr);
    let mut feed_a = subscribe(a, &aud).await;
    let mut feed_b = subscribe(b, &aud).await;

    let communes = [
        "ML010101", "ML010102", "ML010103", "ML010104", "ML010105", "ML010106",
    ];
    let (sec2, aud2) = (sec.clone(), aud.clone());
    let (admitted, paid) = tokio::task::spawn_blocking(move || {
        let (sec, aud) = (sec2, aud2);
        // Statutes and dues adopted through A; B must see them before it
        // admits (its command handler reads the log, not its memory).
        mutate(
            a,
            &sec,
            "adoptStatutes",
            r#"statutes: {effectiveFrom: "2001-02-01"}, reference: "Statuts""#,
        )
        .unwrap();
        mutate(
            a,
            &sec,
            "setDuesSchedule",
            r#"year: 2024, tiers: [{category: "rurale", amountXof: 50000}], dueOn: "2024-03-31""#,
        )
        .unwrap();
        // The same commune admitted on both servers at once, with distinct
        // command ids: exactly one admission.
        let mut members = Vec::new();
        for (n, code) in communes.iter().enumerate() {
            let args = format!(
                r#"unit: {}, duesCategory: "rurale", admittedOn: "2024-01-15", deliberationRef: "D-{n}", decisionRef: "B-{n}""#,
                unit(code)
            );
            let (ra, rb) = both_at_once(a, b, &sec, "admitCommune", args);
            let wins: Vec<&Value> = [&ra, &rb]
                .into_iter()
                .filter_map(|r| r.as_ref().ok())
                .filter(|v| v["alreadyApplied"] == false)
                .collect();
            assert_eq!(wins.len(), 1, "{code}: {ra:?} / {rb:?}");
            for r in [&ra, &rb] {
                if let Err(code) = r {
                    assert!(
                        code == "COMMUNE_ALREADY_MEMBER" || code == "CONFLICT",
                        "{code}"
                    );
                }
            }
            members.push(wins[0]["entityId"].as_str().unwrap().to_owned());
        }
        // Payments to the same member on both at once: each acknowledged
        // payment is in the log exactly once, whichever server took it
        // (a refusal may only be a duplicate receipt or a conflict).
        let mut paid = 0;
        for (n, m) in members.iter().enumerate() {
            let args = |server: &str| {
                format!(
                    r#"memberId: "{m}", year: 2024, amountXof: 25000, paidOn: "2024-02-0{}", receiptRef: "R-{n}-{server}""#,
                    n + 1
                )
            };
            let (ra, rb) = std::thread::scope(|s| {
                let ta = s.spawn(|| mutate(a, &sec, "recordPayment", &args("a")));
                let tb = s.spawn(|| mutate(b, &sec, "recordPayment", &args("b")));
                (ta.join().unwrap(), tb.join().unwrap())
            });
            for r in [&ra, &rb] {
                match r {
                    Ok(v) => {
                        assert_eq!(v["alreadyApplied"], false);
                        paid += 1;
                    }
                    Err(code) => assert_eq!(code, "CONFLICT", "{ra:?} / {rb:?}"),
                }
            }
        }
        // The same member suspended on both at once: suspended once.
        for m in &members[..3] {
            let args = format!(r#"memberId: "{m}", effectiveOn: "2024-05-02", reason: "arriérés""#);
            let (ra, rb) = both_at_once(a, b, &sec, "suspendMember", args);
            let wins = [&ra, &rb]
                .into_iter()
                .filter(|r| r.as_ref().is_ok_and(|v| v["alreadyApplied"] == false))
                .count();
            assert_eq!(wins, 1, "{ra:?} / {rb:?}");
            for r in [&ra, &rb] {
                if let Err(code) = r {
                    assert!(code == "MEMBER_NOT_ACTIVE" || code == "CONFLICT", "{code}");
                }
            }
        }
        // Ordinary traffic on both.
        for (n, code) in ["ML010107", "ML010108", "ML010109", "ML010110"]
            .iter()
            .enumerate()
        {
            let server = if n % 2 == 0 { a } else { b };
            mutate(
                server,
                &sec,
                "admitCommune",
                &format!(
                    r#"unit: {}, duesCategory: "rurale", admittedOn: "2024-01-20", deliberationRef: "d", decisionRef: "b""#,
                    unit(code)
                ),
            )
            .unwrap();
        }
        let _ = aud;
        (members, paid)
    })
    .await
    .unwrap();
    assert_eq!(admitted.len(), communes.len());

    let h = head(a, &aud).max(head(b, &aud));
    // Both read models converge on the same answers.
    let queries = [
        format!(
            "{{ memberCounts(minPosition: {h}) {{ position total byStatus {{ status count }} }} }}"
        ),
        format!(
            "{{ members(first: 100, minPosition: {h}) {{ totalCount edges {{ node {{ id name status }} }} }} }}"
        ),
        format!(
            r#"{{ indicators(on: "2024-06-30", minPosition: {h}) {{ position goodStanding {{ part whole }} }} }}"#
        ),
    ];
    let mut answers = Vec::new();
    for q in &queries {
        let (qa, qb) = (q.clone(), q.clone());
        let (aud_a, aud_b) = (aud.clone(), aud.clone());
        let (da, db) = tokio::task::spawn_blocking(move || {
            let mut da = Value::Null;
            // minPosition waits a bounded time; retry until caught up.
            eventually(20, "server A catches up", || {
                let v = graphql(a, &aud_a, &qa).json();
                da = v["data"].clone();
                v.get("errors").is_none()
            });
            (da, data(b, &aud_b, &qb))
        })
        .await
        .unwrap();
        assert_eq!(da, db, "{q}");
        answers.push(da);
    }
    assert_eq!(
        answers[0]["memberCounts"]["total"],
        communes.len() + 4,
        "{}",
        answers[0]
    );
    // No double admission in the log itself.
    let events = crate::support::log_of(&pg);
    assert_eq!(events.len() as u64, h);
    let mut admissions: BTreeMap<String, usize> = BTreeMap::new();
    for e in events.iter().filter(|e| e.event_type == "CommuneAdmitted") {
        *admissions
            .entry(e.payload["unit"]["code"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(admissions.len(), communes.len() + 4);
    assert!(admissions.values().all(|n| *n == 1), "{admissions:?}");
    let suspensions = events
        .iter()
        .filter(|e| e.event_type == "MemberSuspended")
        .count();
    assert_eq!(suspensions, 3);
    let payments = events.iter().filter(|e| e.event_type == "DuesPaid").count();
    assert_eq!(payments, paid, "acknowledged payments and the log disagree");

    // Each subscriber saw every event, in order, whoever appended it.
    let want: Vec<u64> = (1..=h).collect();
    assert_eq!(positions_until(&mut feed_a, h).await, want);
    assert_eq!(positions_until(&mut feed_b, h).await, want);
}
