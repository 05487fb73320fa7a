//! The stream-reads case: a stream's last events read with a growing tail
//! of events past the stream index's watermark.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use registre_schema::{Actor, CommandMeta, EventData, Role, StreamId};
use registre_service::store::sqlite::{Indexing, SqliteStore};
use registre_service::store::{AppendRequest, EventStore, ExpectedState};

use super::percentile;

/// Streams of the stream-reads case: as many as the AMM's members.
const READ_STREAMS: usize = 701;

/// Appends `events` one-event appends round-robin over the member streams
/// `member-0`…, 64 in flight.
async fn fill(store: &Arc<SqliteStore>, events: usize, from: usize) -> anyhow::Result<()> {
    let actor = Actor {
        id: "bench".into(),
        role: Role::System,
    };
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..64 {
        let store = store.clone();
        let actor = actor.clone();
        tasks.spawn(async move {
            for n in (from + w..from + events).step_by(64) {
                store
                    .append(AppendRequest {
                        stream_id: StreamId::new(format!("member-{}", n % READ_STREAMS))?,
                        expected: ExpectedState::Any,
                        meta: CommandMeta::new(actor.clone()),
                        events: vec![EventData::new(
                            "DuesPaid",
                            1,
                            chrono::Utc::now(),
                            serde_json::json!({
                                "member_id": "0192f0c4-7a1e-7cc2-9d1e-3b5a2f1c9e01",
                                "year": 2024, "amount_xof": 150000, "receipt": format!("R-{n}")
                            }),
                        )],
                    })
                    .await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(())
}

/// Latency of a stream's read (its last 20 events) with tails of growing
/// size past the stream index's watermark.
pub(super) async fn stream_reads(dir: &Path, events: usize, reads: usize) -> anyhow::Result<()> {
    let db = dir.join("stream-reads.db");
    // Indexed only when closed: the tail is what this case appends.
    let unindexed = Indexing {
        batch: u64::MAX,
        delay: Duration::from_secs(24 * 3600),
    };
    let store = Arc::new(SqliteStore::open_with(&db, unindexed).await?);
    fill(&store, events, 0).await?;
    match Arc::try_unwrap(store) {
        Ok(store) => store.close().await?,
        Err(_) => anyhow::bail!("the stream-reads store is still in use"),
    }
    let store = Arc::new(SqliteStore::open_with(&db, unindexed).await?);
    println!(
        "stream reads ({events} events indexed over {READ_STREAMS} streams, the last 20 events of a stream):"
    );
    let mut tail = 0;
    for target in [0, 1_024, 4_096, 8_192, 16_384] {
        fill(&store, target - tail, events + tail).await?;
        tail = target;
        let mut latencies = Vec::with_capacity(reads);
        for n in 0..reads {
            let stream = StreamId::new(format!("member-{}", (n * 7) % READ_STREAMS))?;
            let last = (events + tail) / READ_STREAMS;
            let t = Instant::now();
            let got = store
                .read_stream(&stream, last.saturating_sub(20) as u64, 20)
                .await?;
            latencies.push(t.elapsed());
            anyhow::ensure!(!got.is_empty(), "{stream} read nothing");
        }
        latencies.sort();
        println!(
            "  tail of {tail:>6} events   p50 {:>6.3} ms  p99 {:>6.3} ms",
            percentile(&latencies, 0.50).as_secs_f64() * 1e3,
            percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        );
    }
    Ok(())
}
