//! `registre copy --from URL --to URL`: moves a log to another store (from
//! the embedded SQLite file to a PostgreSQL server, say), keeping every
//! event's id, position, stream revision, times, actor and command.
//!
//! It can be run again after an interruption: what the target already
//! holds must be exactly the source's first events (same leaf hashes,
//! which cover every field), and the copy goes on after them. A target
//! holding anything else is refused before anything is written.
//!
//! Memory stays bounded: events go by batches, cut between commands (an
//! import holds whole commands, so retries still deduplicate on the copy),
//! and the Merkle roots are computed on the fly. At the end the audit
//! tree's root over the whole log is computed on both sides, the target's
//! from what it reads back, and must be equal.

use anyhow::{Context, bail, ensure};
use clap::Args;
use registre_audit::{RootBuilder, event_leaf_hash};
use registre_schema::{Position, RecordedEvent};
use registre_service::audit_trail::hex;
use registre_service::store::{self, EventStore, MAX_IMPORT_EVENTS, MAX_READ_BATCH};

/// A progress line on stderr every this many events.
const PROGRESS_EVERY: u64 = 100_000;

#[derive(Args)]
pub struct CopyArgs {
    /// The store to copy from (it is only read).
    #[arg(long)]
    pub from: String,
    /// The store to copy to: new, empty, or holding an earlier, interrupted
    /// copy of the same log.
    #[arg(long)]
    pub to: String,
    /// Events read from the source at a time.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=MAX_READ_BATCH as u64))]
    pub batch: u64,
    /// Stop after copying about this many events (whole commands); run
    /// again to go on.
    #[arg(long)]
    pub limit: Option<u64>,
}

pub async fn run(args: CopyArgs) -> anyhow::Result<()> {
    ensure!(args.from != args.to, "--from and --to name the same store");
    let source = open(&args.from, true).await?;
    let target = open(&args.to, false).await?;
    let batch = args.batch as usize;
    // The log may grow while we copy (a server still running on it): copy
    // what it held when we began.
    let end = source.head().await.context("reading the source's head")?;
    let start = target.head().await.context("reading the target's head")?;
    ensure!(
        start <= end,
        "the target {} holds {start} events, more than the source's {end}: it is not a copy of \
         this log; copy into an empty store",
        target.describe()
    );
    let mut source_root = RootBuilder::new();
    let mut target_root = RootBuilder::new();
    check_prefix(
        &*source,
        &*target,
        start,
        batch,
        &mut source_root,
        &mut target_root,
    )
    .await?;
    if start > 0 {
        eprintln!(
            "the target already holds the source's first {start} events; going on from there"
        );
    }
    let copied = copy_from(
        &*source,
        &*target,
        start,
        end,
        batch,
        args.limit,
        &mut source_root,
    )
    .await?;
    let reached = start + copied;
    if reached < end {
        say!(
            "copied {copied} events ({}..={reached}); stopped at the limit, {} left: run the same \
             command again to go on",
            start + 1,
            end - reached
        );
        return Ok(());
    }
    // Read the copy back: the root must come from what the target holds,
    // not from what was sent to it.
    let mut from = start + 1;
    while from <= end {
        let events = target
            .read_all(from, batch.min((end - from + 1) as usize))
            .await
            .context("reading the copy back")?;
        let Some(last) = events.last() else { break };
        from = last.position + 1;
        for e in &events {
            target_root.push(leaf(e)?);
        }
    }
    ensure!(
        target_root.size() == end,
        "the target holds {} of the {end} events after the copy",
        target_root.size()
    );
    let (s, t) = (source_root.root(), target_root.root());
    if s != t {
        bail!(
            "the Merkle roots differ after the copy: source {} at size {end}, target {} at size {end}",
            hex(&s),
            hex(&t)
        );
    }
    say!("copied {copied} events; the target now holds the source's {end} events");
    say!("merkle root (size {end}): {} on both sides", hex(&s));
    Ok(())
}

/// Opens a store; the source must already exist.
async fn open(url: &str, existing: bool) -> anyhow::Result<std::sync::Arc<dyn EventStore>> {
    if existing && let Some(path) = url.strip_prefix("sqlite:") {
        let path = path.strip_prefix("//").unwrap_or(path);
        ensure!(
            std::path::Path::new(path).is_file(),
            "no store file at {path}"
        );
    }
    store::open(url)
        .await
        .with_context(|| format!("opening the store {}", store::redact_url(url)))
}

fn leaf(e: &RecordedEvent) -> anyhow::Result<registre_audit::Hash> {
    event_leaf_hash(e).with_context(|| format!("hashing the event at position {}", e.position))
}

/// Checks that the target's `len` events are the source's first ones,
/// feeding both roots.
async fn check_prefix(
    source: &dyn EventStore,
    target: &dyn EventStore,
    len: Position,
    batch: usize,
    source_root: &mut RootBuilder,
    target_root: &mut RootBuilder,
) -> anyhow::Result<()> {
    let mut from = 1;
    while from <= len {
        let want = batch.min((len - from + 1) as usize);
        let (ours, theirs) =
            futures::try_join!(source.read_all(from, want), target.read_all(from, want))
                .context("reading both logs")?;
        ensure!(
            ours.len() == want && theirs.len() == want,
            "a store returned fewer events than its head promises near position {from}"
        );
        for (s, t) in ours.iter().zip(&theirs) {
            let (a, b) = (leaf(s)?, leaf(t)?);
            if a != b || s.position != t.position {
                bail!(
                    "the target {} holds other events than the source: position {} is event {} \
                     ({}) there and {} ({}) in the source; copy into an empty store",
                    target.describe(),
                    t.position,
                    t.id,
                    t.event_type,
                    s.id,
                    s.event_type
                );
            }
            source_root.push(a);
            target_root.push(b);
        }
        from += want as Position;
    }
    Ok(())
}

/// Copies the source's events after `start` up to `end`, by imports of
/// whole commands. Returns how many were copied.
async fn copy_from(
    source: &dyn EventStore,
    target: &dyn EventStore,
    start: Position,
    end: Position,
    batch: usize,
    limit: Option<u64>,
    source_root: &mut RootBuilder,
) -> anyhow::Result<u64> {
    let mut pending: Vec<RecordedEvent> = Vec::new();
    let mut from = start + 1;
    let mut copied = 0u64;
    while from <= end || !pending.is_empty() {
        if from <= end {
            // Never read far past the limit: a limited run stops soon
            // after it (at the end of the command it reached).
            let left = limit.map_or(u64::MAX, |l| l.saturating_sub(copied).max(1));
            let want = (batch as u64).min(end - from + 1).min(left) as usize;
            let events = source
                .read_all(from, want)
                .await
                .context("reading the source")?;
            let Some(last) = events.last() else {
                bail!("the source returned nothing at position {from}, below its head {end}")
            };
            from = last.position + 1;
            for e in &events {
                source_root.push(leaf(e)?);
            }
            pending.extend(events);
        }
        // Hold back the last command's events unless the log ends with
        // them: its next events may be in the next batch.
        let cut = if from > end {
            pending.len()
        } else {
            let last = pending[pending.len() - 1].command_id;
            pending
                .iter()
                .rposition(|e| e.command_id != last)
                .map_or(0, |i| i + 1)
        };
        ensure!(
            pending.len() <= MAX_IMPORT_EVENTS,
            "command {} at position {} has more events than one append may hold",
            pending[0].command_id,
            pending[0].position
        );
        if cut == 0 {
            continue;
        }
        let rest = pending.split_off(cut);
        let n = pending.len() as u64;
        target
            .import(std::mem::replace(&mut pending, rest))
            .await
            .with_context(|| format!("writing to the target {}", target.describe()))?;
        if (copied + n) / PROGRESS_EVERY > copied / PROGRESS_EVERY {
            eprintln!("copied {} of {} events", start + copied + n, end);
        }
        copied += n;
        if limit.is_some_and(|l| copied >= l) {
            break;
        }
    }
    Ok(copied)
}
