//! `registre log`: the log as JSON lines, for auditors.

use std::io::Write;
use std::sync::Arc;

use clap::Args;
use futures::StreamExt;
use registre_service::store::{self, EventStore, Feed};

#[derive(Args)]
pub struct LogArgs {
    /// First global position to print (1 is the first event).
    #[arg(long, default_value_t = 1)]
    pub from: u64,
    /// Print at most this many events.
    #[arg(long)]
    pub limit: Option<u64>,
    /// Keep printing new events as they are appended.
    #[arg(long)]
    pub follow: bool,
}

pub async fn run(store: Arc<dyn EventStore>, args: LogArgs) -> anyhow::Result<()> {
    let mut feed = store::subscribe(store, args.from);
    let mut printed = 0u64;
    let stdout = std::io::stdout();
    while args.limit.is_none_or(|l| printed < l) {
        let Some(item) = feed.next().await else { break };
        match item? {
            Feed::Event(e) => {
                let mut out = stdout.lock();
                serde_json::to_writer(&mut out, &e)?;
                // A closed pipe (`registre log | head`) ends the listing.
                if writeln!(out).is_err() {
                    break;
                }
                printed += 1;
            }
            Feed::CaughtUp(_) if !args.follow => break,
            Feed::CaughtUp(_) => {}
        }
    }
    Ok(())
}
