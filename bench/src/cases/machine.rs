//! The machine a run measures: its cores, memory and load, and how fast
//! its disk completes an fsync, the floor under every durable append.

use std::path::Path;
use std::time::Instant;

pub(super) fn print_machine() {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| proc_kb(&m, "MemTotal:"))
        .unwrap_or(0);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "machine: {cores} cores, {:.1} GiB memory, load average {}",
        mem as f64 / 1024.0 / 1024.0,
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
}

pub(super) fn print_fsync_rate(dir: &Path) -> anyhow::Result<()> {
    let rate = fsync_rate(dir)?;
    println!("disk: {rate:.0} fsyncs/s (4 KiB write + fdatasync, one thread)");
    Ok(())
}

fn proc_kb(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

pub(super) fn status_kb(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| proc_kb(&s, key))
        .unwrap_or(0)
}

/// The floor under every durable append: how often this disk completes a
/// small write plus fdatasync.
fn fsync_rate(dir: &Path) -> anyhow::Result<f64> {
    use std::io::Write;
    let path = dir.join("fsync-probe");
    let mut f = std::fs::File::create(&path)?;
    let block = [0u8; 4096];
    let n = 300;
    let start = Instant::now();
    for _ in 0..n {
        f.write_all(&block)?;
        f.sync_data()?;
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    drop(f);
    std::fs::remove_file(path)?;
    Ok(rate)
}
