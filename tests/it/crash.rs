//! Acknowledged means durable: a writer killed with SIGKILL in the middle
//! of a load loses no acknowledged event, and leaves no partial append.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use registre_service::store::EventStore;
use registre_service::store::sqlite::SqliteStore;
use uuid::Uuid;

use crate::support::{registre, scratch, sqlite_url};

const EVENTS_PER_APPEND: u64 = 3;

struct Ack {
    command: Uuid,
    stream: String,
    first: u64,
    last: u64,
}

/// Runs `registre stress-append` until it has acknowledged at least
/// `at_least` appends, kills it with SIGKILL, and returns every
/// acknowledgement it printed.
fn load_then_kill(url: &str, at_least: usize) -> Vec<Ack> {
    let mut child = registre()
        .args(["stress-append", "--store", url, "--writers", "16"])
        .args(["--events-per-append", &EVENTS_PER_APPEND.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start stress-append");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let f: Vec<&str> = line.split(' ').collect();
            assert_eq!(f[0], "ack", "unexpected output: {line}");
            let _ = tx.send(Ack {
                command: f[1].parse().unwrap(),
                stream: f[2].to_owned(),
                first: f[3].parse().unwrap(),
                last: f[4].parse().unwrap(),
            });
        }
    });
    let mut acks = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while acks.len() < at_least {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(a) => acks.push(a),
            Err(_) => panic!("only {} acknowledgements before the deadline", acks.len()),
        }
    }
    child.kill().expect("SIGKILL"); // Child::kill sends SIGKILL on Unix.
    child.wait().unwrap();
    reader.join().unwrap();
    // Acknowledgements already in the pipe when the process died count too.
    acks.extend(rx.try_iter());
    acks
}

async fn check_log(path: &std::path::Path, acks: &[Ack]) -> u64 {
    let store = SqliteStore::open(path)
        .await
        .expect("reopen after the crash");
    let head = store.head().await.unwrap();
    let mut events = Vec::new();
    while (events.len() as u64) < head {
        events.extend(store.read_all(events.len() as u64 + 1, 5000).await.unwrap());
    }
    // Gapless and in order.
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.position, i as u64 + 1);
    }
    // Every acknowledged append is there, where it was acknowledged.
    for a in acks {
        for p in a.first..=a.last {
            let e = &events[(p - 1) as usize];
            assert_eq!(e.command_id, a.command, "position {p}");
            assert_eq!(e.stream_id.as_str(), a.stream, "position {p}");
        }
    }
    // No partial append: each command's events are whole and contiguous.
    let mut by_command: HashMap<Uuid, Vec<u64>> = HashMap::new();
    for e in &events {
        by_command.entry(e.command_id).or_default().push(e.position);
    }
    for (command, positions) in &by_command {
        assert_eq!(
            positions.len() as u64,
            EVENTS_PER_APPEND,
            "partial append {command}"
        );
        assert!(positions.windows(2).all(|w| w[1] == w[0] + 1));
    }
    let ids: HashSet<Uuid> = events.iter().map(|e| e.id).collect();
    assert_eq!(ids.len(), events.len(), "an event appears twice");
    head
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_events_survive_sigkill() {
    let dir = scratch();
    let path = dir.path().join("registre.db");
    let url = sqlite_url(&path);
    let first = tokio::task::spawn_blocking({
        let url = url.clone();
        move || load_then_kill(&url, 1500)
    })
    .await
    .unwrap();
    let head = check_log(&path, &first).await;
    assert!(head >= 1500 * EVENTS_PER_APPEND);

    // The recovered store takes writes again, and survives a second crash.
    let second = tokio::task::spawn_blocking(move || load_then_kill(&url, 1500))
        .await
        .unwrap();
    assert!(second.iter().all(|a| a.first > head));
    let all: Vec<Ack> = first.into_iter().chain(second).collect();
    check_log(&path, &all).await;
}
