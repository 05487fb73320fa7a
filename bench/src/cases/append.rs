//! The raw append cases: pre-built events appended straight to the store,
//! by 1 to 64 writers, each on its own stream.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use registre_schema::{Actor, CommandMeta, EventData, Role, StreamId};
use registre_service::store::{AppendRequest, EventStore, ExpectedState};

use super::backend::Backend;
use super::figures::Figures;

pub(super) async fn append_cases(
    dir: &Path,
    backend: &Backend,
    appends: usize,
    events_per_append: usize,
    writers: &[usize],
) -> anyhow::Result<()> {
    println!(
        "raw append, {events_per_append} event(s) per append, {appends} appends per case ({}):",
        backend.name()
    );
    for (i, w) in writers.iter().enumerate() {
        let case = backend.fresh(dir, &format!("append-{i}")).await?;
        let r = raw_append(case.store.clone(), (*w).max(1), appends, events_per_append).await;
        case.finish().await?;
        println!("  {}", r?);
    }
    Ok(())
}

/// `writers` tasks share `appends` appends of pre-built events, each writer
/// on its own stream with an exact expected revision.
async fn raw_append(
    store: Arc<dyn EventStore>,
    writers: usize,
    appends: usize,
    events_per_append: usize,
) -> anyhow::Result<Figures> {
    let actor = Actor {
        id: "bench".into(),
        role: Role::System,
    };
    let per_writer = appends.div_ceil(writers);
    // Build every request first so the clock measures the store alone,
    // round by round across the writers: ids (UUIDv7) are then minted in
    // about the order they are appended, as they are in a live system,
    // instead of each writer's ids forming a run of their own that every
    // group would insert into at 64 places.
    let streams = (0..writers)
        .map(|w| StreamId::new(format!("bench-{w}")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut prepared: Vec<Vec<AppendRequest>> = (0..writers)
        .map(|_| Vec::with_capacity(per_writer))
        .collect();
    for n in 0..per_writer {
        for (w, stream) in streams.iter().enumerate() {
            prepared[w].push(AppendRequest {
                stream_id: stream.clone(),
                expected: if n == 0 {
                    ExpectedState::NoStream
                } else {
                    ExpectedState::Exact((n * events_per_append - 1) as u64)
                },
                meta: CommandMeta::new(actor.clone()),
                events: (0..events_per_append)
                    .map(|i| {
                        EventData::new(
                            "DuesPaid",
                            1,
                            chrono::Utc::now(),
                            serde_json::json!({
                                "member_id": "0192f0c4-7a1e-7cc2-9d1e-3b5a2f1c9e01",
                                "year": 2024, "amount_xof": 150000, "index": i,
                                "receipt": format!("R-{w}-{n}-{i}")
                            }),
                        )
                    })
                    .collect(),
            });
        }
    }
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(writers);
    for requests in prepared {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(requests.len());
            for req in requests {
                let t = Instant::now();
                store.append(req).await?;
                latencies.push(t.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::with_capacity(appends);
    for t in tasks {
        latencies.extend(t.await??);
    }
    let elapsed = start.elapsed();
    Ok(Figures {
        label: format!("{writers} writer{}", if writers == 1 { "" } else { "s" }),
        commands: latencies.len(),
        events: latencies.len() * events_per_append,
        elapsed,
        latencies,
    })
}
