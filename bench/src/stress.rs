//! `registre stress-append` (hidden): appends from many writers and prints
//! each acknowledgement as it arrives, so the crash tests can kill the
//! process mid-load and check that every acknowledged event survived.

use std::sync::Arc;

use clap::Args;
use registre_schema::{Actor, CommandMeta, EventData, Role, StreamId};
use registre_service::store::{AppendRequest, EventStore, ExpectedState};

#[derive(Args)]
pub struct StressArgs {
    #[arg(long, default_value_t = 16)]
    pub writers: usize,
    #[arg(long, default_value_t = 3)]
    pub events_per_append: usize,
    /// Appends per writer; unlimited when absent.
    #[arg(long)]
    pub appends: Option<usize>,
}

pub async fn run(store: Arc<dyn EventStore>, args: StressArgs) -> anyhow::Result<()> {
    let actor = Actor {
        id: "stress".into(),
        role: Role::System,
    };
    let mut tasks = Vec::new();
    for w in 0..args.writers {
        let store = store.clone();
        let actor = actor.clone();
        let events_per_append = args.events_per_append;
        let appends = args.appends;
        tasks.push(tokio::spawn(async move {
            let stream = StreamId::new(format!("stress-{}-{w}", uuid::Uuid::now_v7()))?;
            let mut last_revision = None;
            let mut n = 0usize;
            while appends.is_none_or(|a| n < a) {
                let req = AppendRequest {
                    stream_id: stream.clone(),
                    expected: ExpectedState::of(last_revision),
                    meta: CommandMeta::new(actor.clone()),
                    events: (0..events_per_append)
                        .map(|i| {
                            EventData::new(
                                "StressAppended",
                                1,
                                chrono::Utc::now(),
                                serde_json::json!({"writer": w, "append": n, "index": i}),
                            )
                        })
                        .collect(),
                };
                let command = req.meta.command_id;
                let out = store.append(req).await?;
                last_revision = Some(out.last_revision);
                println!(
                    "ack {command} {} {} {}",
                    out.stream_id, out.first_position, out.last_position
                );
                n += 1;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(())
}
