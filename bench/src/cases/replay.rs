//! The replay case: every read model rebuilt from the log, in a process of
//! its own.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use registre_service::projector::rebuild::{Rebuilt, rebuild};
use registre_service::store::EventStore;
use registre_service::store::sqlite::SqliteStore;

use super::machine::status_kb;

/// Rebuilds every read model from the log: speed, peak memory, and the
/// resident memory the models hold.
///
/// Memory is the process's anonymous memory (`RssAnon`): the readers map
/// the database file, and its pages, which the OS cache holds anyway,
/// would otherwise count as the models'. The peak is sampled every 5 ms.
pub(super) async fn replay(db: &Path) -> anyhow::Result<()> {
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(db).await?);
    let before = status_kb("RssAnon:");
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = std::thread::spawn({
        let done = done.clone();
        move || {
            let mut peak = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(status_kb("RssAnon:"));
                std::thread::sleep(Duration::from_millis(5));
            }
            peak
        }
    });
    let rebuilt = rebuild(&store, |_| true).await;
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak = sampler.join().unwrap_or(0).max(status_kb("RssAnon:"));
    let Rebuilt {
        models,
        events,
        elapsed,
        fold,
    } = rebuilt?;
    let held = status_kb("RssAnon:").saturating_sub(before);
    println!(
        "replay: {events} events in {:.2} s, {:.0} events/s (folding the decoded events alone {:.0} events/s); peak anonymous memory {:.0} MB",
        elapsed.as_secs_f64(),
        events as f64 / elapsed.as_secs_f64(),
        events as f64 / fold.as_secs_f64().max(1e-9),
        peak as f64 / 1024.0
    );
    println!(
        "read models: {:.0} MB resident after the replay, {:.0} MB per million events",
        held as f64 / 1024.0,
        held as f64 / 1024.0 / (events.max(1) as f64 / 1e6)
    );
    drop(models);
    Ok(())
}

/// [`replay`] in a process of its own (this binary's `bench replay
/// --history`), as `registre replay` and a start-up replay run: not in the
/// process that has just generated the history, whose leftovers the
/// replay would otherwise be measured with: about 120 MB of the
/// generator's heap in the peak memory, and at times a slower fold (in
/// one profile the kernel zeroing pages for it took 18 % of the samples,
/// against under 1 % in a fresh process).
pub(super) fn replay_apart(dir: &Path, db: &Path) -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("finding this binary")?;
    let status = std::process::Command::new(exe)
        .args(["--log", "warn", "bench", "--dir"])
        .arg(dir)
        .args(["replay", "--history"])
        .arg(db)
        .stdin(std::process::Stdio::null())
        .status()
        .context("spawning the replay")?;
    anyhow::ensure!(status.success(), "the replay failed: {status}");
    Ok(())
}
