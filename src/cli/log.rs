//! `registre log`: the log as JSON lines, for auditors.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;
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
                // The whole line at once: an event longer than the output
                // buffer is written through, so a closed pipe shows there.
                let line = serde_json::to_string(&e)?;
                match writeln!(stdout.lock(), "{line}") {
                    Ok(()) => {}
                    // A closed pipe (`registre log | head`) ends the listing.
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => break,
                    Err(e) => return Err(e).context("cannot write to standard output"),
                }
                printed += 1;
            }
            Feed::CaughtUp(_) if !args.follow => break,
            Feed::CaughtUp(_) => {}
        }
    }
    Ok(())
}
