//! Official documents: a receipt and the largest minutes of the history
//! (a Congrès: about six hundred members present of 701) issued over HTTP,
//! then made again on each download, as a clerk or a reader asks for them
//! (each download typesets the PDF afresh: nothing is cached); then the
//! minutes of a Congrès with exactly 700 present and every record's proof,
//! typeset in the process alone.

use std::time::{Duration, Instant};

use registre_documents::{Kind, Letterhead, Rendering};
use serde_json::{Value, json};

use super::figures::percentile;
use super::http::Conn;
use super::server::Server;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Issues the document of `link`; its address.
async fn issue(conn: &mut Conn, token: &str, link: &str) -> anyhow::Result<String> {
    let r = conn.request("GET", link, Some(token), b"").await?;
    anyhow::ensure!(r.status == 303, "{link} answered {}", r.status);
    r.header("location")
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("{link}: no document"))
}

/// Downloads `path` `n` times: the latencies, sorted, and the PDF's size.
async fn downloads(
    conn: &mut Conn,
    token: &str,
    path: &str,
    n: usize,
) -> anyhow::Result<(Vec<Duration>, usize)> {
    let mut latencies = Vec::with_capacity(n);
    let mut size = 0;
    for _ in 0..n {
        let t = Instant::now();
        let r = conn.request("GET", path, Some(token), b"").await?;
        latencies.push(t.elapsed());
        anyhow::ensure!(r.status == 200, "{path} answered {}", r.status);
        size = r.body.len();
    }
    latencies.sort_unstable();
    Ok((latencies, size))
}

fn report(what: &str, latencies: &[Duration], size: usize) {
    println!(
        "  {what:<44} n {:>4}  p50 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms  ({:.0} KB)",
        latencies.len(),
        ms(percentile(latencies, 0.50)),
        ms(percentile(latencies, 0.99)),
        ms(*latencies.last().unwrap_or(&Duration::ZERO)),
        size as f64 / 1e3,
    );
}

pub(super) async fn documents(
    server: &Server,
    token: &str,
    receipts: usize,
    minutes: usize,
) -> anyhow::Result<()> {
    let mut conn = Conn::connect(server.addr).await?;
    super::pages::wait_recorded(&mut conn, token).await?;
    // The session with the most members present, and a payment.
    let query = br#"{"query":"{ sessions(state: CLOSED, first: 100) { nodes { id quorum { present } } } }"}"#;
    let r = conn.request("POST", "/graphql", Some(token), query).await?;
    let v: Value = serde_json::from_slice(&r.body)?;
    let (session, present) = v["data"]["sessions"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| {
            Some((
                s["id"].as_str()?.to_owned(),
                s["quorum"]["present"].as_u64()?,
            ))
        })
        .max_by_key(|(_, p)| *p)
        .ok_or_else(|| anyhow::anyhow!("no closed session in the history: {v}"))?;
    let query =
        br#"{"query":"{ events(eventTypes: [\"DuesPaid\"], first: 1) { events { position } } }"}"#;
    let r = conn.request("POST", "/graphql", Some(token), query).await?;
    let v: Value = serde_json::from_slice(&r.body)?;
    let payment = v["data"]["events"]["events"][0]["position"]
        .as_u64()
        .ok_or_else(|| anyhow::anyhow!("no payment in the history: {v}"))?;

    println!("Documents over loopback, each download typeset afresh, one connection:");
    let receipt = issue(
        &mut conn,
        token,
        &format!("/documents/nouveau?type=recu&paiement={payment}"),
    )
    .await?;
    let (l, size) = downloads(&mut conn, token, &receipt, receipts).await?;
    report("receipt (goal: p99 <= 100 ms)", &l, size);
    let pv = issue(
        &mut conn,
        token,
        &format!("/documents/nouveau?type=pv&session={session}"),
    )
    .await?;
    let (l, size) = downloads(&mut conn, token, &pv, minutes).await?;
    report(
        &format!("minutes, {present} present (goal: <= 1 s)"),
        &l,
        size,
    );

    // Exactly 700 present, each with an attendance record and its proof
    // of 20 hashes (a log of about a million events), typeset alone.
    let (data, proofs) = congress(700);
    let letterhead = Letterhead {
        name: "Association des Municipalités du Mali".into(),
        town: "Bamako".into(),
        address: vec!["Bamako, Mali".into()],
        emblem_svg: None,
    };
    let mut latencies = Vec::with_capacity(minutes);
    let mut size = 0;
    for _ in 0..minutes {
        let t = Instant::now();
        let pdf = registre_documents::render(&Rendering {
            kind: Kind::Minutes,
            reference: "PV-2-1000000",
            verify_url: "http://127.0.0.1:8080/verifier/PV-2-1000000",
            issued_on: (2025, 3, 15),
            letterhead: &letterhead,
            data: &data,
            proofs: &proofs,
        })?;
        latencies.push(t.elapsed());
        size = pdf.len();
    }
    latencies.sort_unstable();
    report("minutes, 700 present, typesetting alone", &latencies, size);
    Ok(())
}

/// A Congrès' minutes with `n` present and its stated records.
fn congress(n: usize) -> (Value, Vec<u8>) {
    let names: Vec<String> = (0..n)
        .map(|i| format!("Commune de Kɔnɔbugu {i:03}"))
        .collect();
    let motions: Vec<Value> = (1..=6)
        .map(|i| json!({"n": i, "agenda_item": i, "title": format!("Délibération {i}"), "kind": "ordinaire",
            "text": "L'assemblée adopte la proposition du Bureau exécutif national. ".repeat(4),
            "votes_for": 600, "votes_against": 60, "abstentions": 40, "by_proxy": 0, "result": "adoptée",
            "majority": "majorité simple"}))
        .collect();
    let data = json!({
        "date_emission": "15 mars 2025", "body": "Congrès", "session_kind": "ordinaire",
        "session_date": "15 mars 2025", "place": "Bamako", "convened_on": "1er mars 2025",
        "notice": "14 jours de préavis, 10 requis par les statuts : délai respecté",
        "agenda": (1..=6).map(|i| format!("Point {i}")).collect::<Vec<_>>(),
        "counts": {"eligible": n, "present": n, "represented": 0, "absent": 0},
        "quorum": "Quorum atteint", "opened_at": "à 9 h 00", "closed_at": "à 17 h 00",
        "motions": motions, "elections": [], "present": names, "represented": [],
    });
    let record = json!({
        "event": {"position": 1, "payload": {"member_id": "00000000-0000-0000-0000-000000000000"}},
        "proof": vec!["0".repeat(64); 20],
    });
    let proofs = json!({"records": vec![record; n + 20]});
    (data, serde_json::to_vec(&proofs).expect("json"))
}
