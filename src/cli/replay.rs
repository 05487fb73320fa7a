//! `registre replay`: rebuilds every read model from the log alone,
//! offline, and prints a digest per model, the position reached and the
//! speed. `--to` and `--as-of` stop early; `--check` compares with the
//! models the server saved and fails on any difference.
//!
//! It reads the store it is pointed at and nothing else, so an auditor
//! runs it on a copy of the store; or, with `--export FILE --key KEY`, on
//! an archival export alone (no store is opened). The export is checked
//! before anything is folded, exactly as `registre verify --export` checks
//! it: every line's form, every event's canonical form and leaf hash,
//! positions from 1 without gap, every signed head's signature (with the
//! key given) and root, and that the file ends with a head covering all its
//! events. What no file can show is whether the instance's log went on
//! after that last head, or whether the key given is the instance's: the
//! auditor's own copy of the public key answers the second.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use registre_audit::{ExportError, read_export};
use registre_projections::{ReadModel, ReadModels};
use registre_schema::{DecodedEvent, Position, RecordedEvent};
use registre_service::audit_trail::dir::read_public_key;
use registre_service::audit_trail::hex;
use registre_service::projector::load_saved;
use registre_service::projector::rebuild::rebuild;
use registre_service::store::EventStore;

use super::Tampered;
use super::verify::read_lines;

#[derive(Args)]
pub struct ReplayArgs {
    /// Stop after this global position.
    #[arg(long, conflicts_with_all = ["as_of", "check"])]
    pub to: Option<Position>,
    /// Stop at this date (RFC 3339 date: the whole day, UTC; or date-time),
    /// compared with when events were recorded.
    #[arg(long, value_parser = parse_as_of, conflicts_with = "check")]
    pub as_of: Option<AsOf>,
    /// Compare with the read models the server saved (in the state
    /// directory); exit non-zero on any difference.
    #[arg(long)]
    pub check: bool,
    /// Replay this archival export (`registre export log`) instead of the
    /// store: no store is opened; needs --key.
    #[arg(long, requires = "key", conflicts_with = "check")]
    pub export: Option<PathBuf>,
    /// The public key to check the export's signed heads with (an
    /// auditor's own copy).
    #[arg(long, requires = "export")]
    pub key: Option<PathBuf>,
}

/// Where a replay stops by date: the same reading as the API's `asOf`.
pub use registre_service::projector::as_of::AsOfDate as AsOf;

fn parse_as_of(s: &str) -> Result<AsOf, String> {
    AsOf::parse(s)
}

/// The result of a replay.
struct Replayed {
    models: ReadModels,
    events: u64,
    elapsed: Duration,
    fold: Duration,
}

/// Folds the log from the start while `keep` says so.
async fn replay(
    store: &Arc<dyn EventStore>,
    keep: impl Fn(&DecodedEvent) -> bool,
) -> anyhow::Result<Replayed> {
    let r = rebuild(store, keep).await?;
    Ok(Replayed {
        models: r.models,
        events: r.events,
        elapsed: r.elapsed,
        fold: r.fold,
    })
}

/// Folds the events of a verified export while `keep` says so.
fn fold(
    events: &[RecordedEvent],
    keep: impl Fn(&RecordedEvent) -> bool,
) -> anyhow::Result<Replayed> {
    let started = Instant::now();
    let mut models = ReadModels::default();
    let mut count = 0u64;
    for e in events.iter().take_while(|e| keep(e)) {
        models.apply(e)?;
        count += 1;
    }
    let fold = started.elapsed();
    Ok(Replayed {
        models,
        events: count,
        elapsed: fold,
        fold,
    })
}

fn rate(events: u64, d: Duration) -> u64 {
    (events as f64 / d.as_secs_f64().max(1e-9)) as u64
}

pub async fn run(
    store: Arc<dyn EventStore>,
    args: ReplayArgs,
    state_dir: &Path,
) -> anyhow::Result<()> {
    let saved = if args.check {
        let saved = load_saved::<ReadModels>(state_dir)
            .await?
            .with_context(|| {
                format!(
                    "no saved read models in {} (set --state-dir)",
                    state_dir.display()
                )
            })?;
        Some(saved)
    } else {
        None
    };
    let stop_at = saved.as_ref().map(|(_, p)| *p).or(args.to);
    let as_of = args.as_of;
    let r = replay(&store, |e| {
        stop_at.is_none_or(|p| e.position <= p) && as_of.is_none_or(|a| a.includes(e.recorded_at))
    })
    .await?;
    let Some((saved, saved_position)) = saved else {
        print_replayed(&r);
        return Ok(());
    };
    let position = r.models.position;
    print_speed(&r);
    let replayed = r.models.digests();
    if position != saved_position {
        bail!(
            "the log ends at position {position}, before the saved read models ({saved_position})"
        );
    }
    let mut differ = Vec::new();
    for ((name, mine), (_, theirs)) in replayed.iter().zip(saved.digests()) {
        let verdict = if *mine == theirs { "same" } else { "DIFFERS" };
        say!("{name:<16} {mine} {verdict}");
        if *mine != theirs {
            differ.push(*name);
        }
    }
    if !differ.is_empty() {
        bail!(
            "saved read models at position {saved_position} differ from the replay: {}",
            differ.join(", ")
        );
    }
    say!("saved read models at position {saved_position} match the replay");
    Ok(())
}

/// Replays an export file alone (the caller opens no store).
pub fn run_export(args: ReplayArgs) -> anyhow::Result<()> {
    let (Some(file), Some(key_file)) = (&args.export, &args.key) else {
        bail!("--export needs --key");
    };
    let started = Instant::now();
    let key = read_public_key(key_file)?;
    let f = std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let lines =
        read_lines(BufReader::new(f)).with_context(|| format!("reading {}", file.display()))?;
    let (verified, events) = match read_export(lines, &key) {
        Ok(read) => read,
        Err(e @ (ExportError::Tampered(_) | ExportError::NotSealed { .. })) => {
            bail!(Tampered(format!("{}: {e}", file.display())))
        }
        Err(e) => bail!(Tampered(format!(
            "{}: not a valid export: {e}",
            file.display()
        ))),
    };
    let checked = started.elapsed();
    say!(
        "export intact: {} events, every leaf hash and {} signed head(s) checked in {:.3} s; \
         sealed by the head of size {}, root {}",
        verified.size,
        verified.heads_checked,
        checked.as_secs_f64(),
        verified.size,
        hex(&verified.root)
    );
    let (to, as_of) = (args.to, args.as_of);
    let r = fold(&events, |e| {
        to.is_none_or(|p| e.position <= p) && as_of.is_none_or(|a| a.includes(e.recorded_at))
    })?;
    print_replayed(&r);
    Ok(())
}

fn print_speed(r: &Replayed) {
    say!(
        "position {}: {} events in {:.3} s, {} events/s (folding the decoded events alone: {} events/s)",
        r.models.position,
        r.events,
        r.elapsed.as_secs_f64(),
        rate(r.events, r.elapsed),
        rate(r.events, r.fold),
    );
}

fn print_replayed(r: &Replayed) {
    print_speed(r);
    for (name, digest) in r.models.digests() {
        say!("{name:<16} {digest}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    #[test]
    fn as_of_takes_a_whole_day_or_an_instant() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let day = parse_as_of("2024-03-01").unwrap();
        assert!(day.includes(t("2024-03-01T23:59:59Z")));
        assert!(!day.includes(t("2024-03-02T00:00:00Z")));
        let instant = parse_as_of("2024-03-01T12:00:00+01:00").unwrap();
        assert!(instant.includes(t("2024-03-01T11:00:00Z")));
        assert!(!instant.includes(t("2024-03-01T11:00:01Z")));
        assert!(parse_as_of("yesterday").is_err());
    }
}
