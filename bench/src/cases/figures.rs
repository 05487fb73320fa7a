//! What the timed cases print: throughput and latency percentiles.

use std::time::Duration;

pub(super) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted
        .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}

pub struct Figures {
    pub label: String,
    pub commands: usize,
    pub events: usize,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        let mut l = self.latencies.clone();
        l.sort_unstable();
        let pct = |p: f64| {
            l.get(((l.len() as f64 * p) as usize).min(l.len().saturating_sub(1)))
                .copied()
                .unwrap_or_default()
        };
        write!(
            f,
            "{:<12} {:>9.0} commands/s {:>9.0} events/s   latency p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
            self.label,
            self.commands as f64 / secs,
            self.events as f64 / secs,
            pct(0.50).as_secs_f64() * 1e3,
            pct(0.99).as_secs_f64() * 1e3,
            l.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        )
    }
}
