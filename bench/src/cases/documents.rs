//! Official documents: receipts of different payments and the minutes of
//! the sessions with the most members present (Congrès, about six hundred
//! of 701), each issued over HTTP and downloaded once, as a clerk asks for
//! them (a different document each time, so typst's memoized results help
//! only with what documents share); then the minutes of a Congrès with
//! exactly 700 present and every record's proof, typeset in the process
//! alone, from nothing.

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

/// Issues the document of each link, then downloads it once: the
/// downloads' latencies, sorted, and the last PDF's size.
async fn first_downloads(
    conn: &mut Conn,
    token: &str,
    links: impl Iterator<Item = String>,
) -> anyhow::Result<(Vec<Duration>, usize)> {
    let mut latencies = Vec::new();
    let mut size = 0;
    for link in links {
        let path = issue(conn, token, &link).await?;
        let t = Instant::now();
        let r = conn.request("GET", &path, Some(token), b"").await?;
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
    // The closed sessions with the most members present, and payments.
    let query = br#"{"query":"{ sessions(state: CLOSED, first: 500) { nodes { id quorum { present } } } }"}"#;
    let r = conn.request("POST", "/graphql", Some(token), query).await?;
    let v: Value = serde_json::from_slice(&r.body)?;
    let mut sessions: Vec<(u64, String)> = v["data"]["sessions"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| {
            Some((
                s["quorum"]["present"].as_u64()?,
                s["id"].as_str()?.to_owned(),
            ))
        })
        .collect();
    sessions.sort_unstable_by(|a, b| b.cmp(a));
    sessions.truncate(minutes);
    anyhow::ensure!(
        !sessions.is_empty(),
        "no closed session in the history: {v}"
    );
    let query = format!(
        r#"{{"query":"{{ events(eventTypes: [\"DuesPaid\"], first: {receipts}) {{ events {{ position }} }} }}"}}"#
    );
    let r = conn
        .request("POST", "/graphql", Some(token), query.as_bytes())
        .await?;
    let v: Value = serde_json::from_slice(&r.body)?;
    let payments: Vec<u64> = v["data"]["events"]["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["position"].as_u64())
        .collect();
    anyhow::ensure!(!payments.is_empty(), "no payment in the history: {v}");

    println!(
        "Documents over loopback, each a different one downloaded once (its first download), one connection:"
    );
    let receipts = payments
        .iter()
        .map(|p| format!("/documents/nouveau?type=recu&paiement={p}"));
    let (latencies, size) = first_downloads(&mut conn, token, receipts).await?;
    report("receipt (goal: p99 <= 100 ms)", &latencies, size);
    let (most, fewest) = (sessions[0].0, sessions[sessions.len() - 1].0);
    let minutes_of = sessions
        .iter()
        .map(|(_, s)| format!("/documents/nouveau?type=pv&session={s}"));
    let (latencies, size) = first_downloads(&mut conn, token, minutes_of).await?;
    report(
        &format!("minutes, {fewest} to {most} present (goal: <= 1 s)"),
        &latencies,
        size,
    );

    // Exactly 700 present, each with an attendance record and its proof
    // of 20 hashes (a log of about a million events), typeset alone and
    // from nothing: typst's memoized results are forgotten before each.
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
        registre_documents::forget_memoized();
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
    report(
        "minutes, 700 present, typeset alone, cold",
        &latencies,
        size,
    );
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
        "motions": motions, "elections": [], "ballots": [], "request": null,
        "present": names, "represented": [],
    });
    let record = json!({
        "event": {"position": 1, "payload": {"member_id": "00000000-0000-0000-0000-000000000000"}},
        "proof": vec!["0".repeat(64); 20],
    });
    let proofs = json!({"records": vec![record; n + 20]});
    (data, serde_json::to_vec(&proofs).expect("json"))
}
