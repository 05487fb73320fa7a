//! SIGKILL during a stream of mutations: after a restart the read models
//! equal a full rebuild from the log.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::graphql_mutations::{SECRETARIAT_AND_AUDITOR, ok};
use crate::support::{Server, graphql, run_ok, serve_territory, sqlite_url};

/// Commune codes of the shipped list.
fn commune_codes() -> Vec<String> {
    let csv = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mali-admin-2015.csv"),
    )
    .unwrap();
    csv.lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(4).map(str::to_owned))
        .collect()
}

#[test]
fn a_server_killed_mid_stream_restarts_with_read_models_equal_to_a_rebuild() {
    let (_dir, db, server, [sec, aud]) = serve_territory(SECRETARIAT_AND_AUDITOR);
    let addr = server.addr;
    ok(
        addr,
        &sec,
        "adoptStatutes",
        r#"statutes: {effectiveFrom: "2001-02-01"}, reference: "Statuts""#,
    );
    ok(
        addr,
        &sec,
        "setDuesSchedule",
        r#"year: 2024, tiers: [{category: "rurale", amountXof: 50000}], dueOn: "2024-03-31""#,
    );

    // A stream of admissions and payments from another thread.
    let acked = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (acked, stop, sec) = (acked.clone(), stop.clone(), sec.clone());
        std::thread::spawn(move || {
            for (n, code) in commune_codes().into_iter().enumerate() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let admit = format!(
                    r#"mutation {{ admitCommune(unit: {{scheme: "ocha-pcode", edition: "2015", code: "{code}"}}, duesCategory: "rurale", admittedOn: "2023-01-15", deliberationRef: "D{n}", decisionRef: "B{n}") {{ entityId }} }}"#
                );
                // The server dies under us: a failed request ends the stream.
                let sent = std::panic::catch_unwind(|| graphql(addr, &sec, &admit).json());
                let Ok(v) = sent else { break };
                let Some(member) = v["data"]["admitCommune"]["entityId"].as_str() else {
                    break;
                };
                let pay = format!(
                    r#"mutation {{ recordPayment(memberId: "{member}", year: 2024, amountXof: 50000, paidOn: "2024-02-01", receiptRef: "R{n}") {{ position }} }}"#
                );
                let sent = std::panic::catch_unwind(|| graphql(addr, &sec, &pay).json());
                if !matches!(sent, Ok(v) if v["data"]["recordPayment"].is_object()) {
                    break;
                }
                acked.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.load(Ordering::SeqCst) < 40 {
        assert!(Instant::now() < deadline, "too few mutations acknowledged");
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(server); // SIGKILL, mid-stream.
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    let acknowledged = acked.load(Ordering::SeqCst);

    // Restarted on the same store and state directory: every acknowledged
    // admission is there, and mutations go on.
    let server = Server::start(&db);
    let v = graphql(
        server.addr,
        &aud,
        r#"{ events(first: 1000, eventTypes: ["CommuneAdmitted"]) { events { position } } }"#,
    )
    .json();
    let admitted = v["data"]["events"]["events"].as_array().unwrap().len();
    assert!(admitted >= acknowledged, "{admitted} < {acknowledged}");
    ok(
        server.addr,
        &sec,
        "setDuesSchedule",
        r#"year: 2025, tiers: [{category: "rurale", amountXof: 60000}], dueOn: "2025-03-31""#,
    );
    // A clean stop saves the live read models; they must equal a rebuild
    // from the log.
    assert!(server.stop().success());
    let out = run_ok(&["replay", "--check", "--store", &sqlite_url(&db)]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.matches(" same").count(), 9, "{stdout}");
    assert!(!stdout.contains("DIFFERS"), "{stdout}");
}
