//! Faults the server heals from, and what it says about them.
//!
//! A full disk, a lost database connection or an I/O error of the state or
//! audit directory is a [`Fault`]: the component that met it (the read
//! models, the audit trail, the store) keeps its state, retries with
//! [`Backoff`], and reports the fault until a later attempt succeeds. No
//! restart is needed. `/readyz` and `/metrics` read the components' reports
//! through [`check`].
//!
//! Backends report their errors as text (`StoreError::Backend`), so a full
//! disk or a lost connection is recognised by the messages SQLite and
//! PostgreSQL give for them ([`Fault::of_store`]).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use registre_schema::Position;

use crate::audit_trail::AuditError;
use crate::store::StoreError;

/// The first wait before retrying what failed...
pub const RETRY_FIRST: Duration = Duration::from_millis(500);
/// ...doubled at each failure up to this: a healed fault is noticed within
/// this long, and a lasting one costs one attempt this often.
pub const RETRY_MAX: Duration = Duration::from_secs(5);
/// How long a failed append marks the store as faulty when no append
/// succeeds after it: the store cannot be probed without writing, and a
/// readiness check that stayed failing until the next write would keep
/// away the very writes that show it healed.
pub const STORE_FAULT_HOLD: Duration = Duration::from_secs(30);

/// Why a component cannot do its work for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// No space left on the device (or quota exceeded).
    StorageFull,
    /// The store cannot be reached (connection lost, closed, locked).
    StoreUnavailable,
    /// Any other input/output error.
    Io,
}

impl Fault {
    /// The machine-readable reason shown by `/readyz`.
    pub fn reason(self) -> &'static str {
        match self {
            Fault::StorageFull => "storage_full",
            Fault::StoreUnavailable => "store_unavailable",
            Fault::Io => "io_error",
        }
    }

    pub fn of_io(e: &std::io::Error) -> Fault {
        use std::io::ErrorKind;
        match e.kind() {
            ErrorKind::StorageFull | ErrorKind::QuotaExceeded => Fault::StorageFull,
            _ => Fault::of_text(&e.to_string()).unwrap_or(Fault::Io),
        }
    }

    /// The fault behind a store error; `None` for an error that retrying
    /// cannot heal (a conflict, a refused request, a corrupt event).
    pub fn of_store(e: &StoreError) -> Option<Fault> {
        match e {
            StoreError::Unavailable(_) => Some(Fault::StoreUnavailable),
            StoreError::Backend(text) => Some(Fault::of_text(text).unwrap_or(Fault::Io)),
            StoreError::WrongExpectedVersion { .. }
            | StoreError::Invalid(_)
            | StoreError::Corrupt { .. }
            | StoreError::Import(_)
            | StoreError::Format(_) => None,
        }
    }

    /// The fault behind an audit error; `None` when retrying cannot heal it
    /// (a record that disagrees with its heads or with the log).
    pub fn of_audit(e: &AuditError) -> Option<Fault> {
        match e {
            AuditError::Io { source, .. } => Some(Fault::of_io(source)),
            AuditError::Store(s) => Fault::of_store(s),
            // The feed ended or a blocking task was lost: start again.
            AuditError::Stopped => Some(Fault::StoreUnavailable),
            _ => None,
        }
    }

    /// Recognises the messages of SQLite (`SQLITE_FULL`, `SQLITE_BUSY`),
    /// PostgreSQL (SQLSTATE 53100 disk_full, class 08 connection errors,
    /// 57P01-03 shutdown) and the operating system.
    fn of_text(text: &str) -> Option<Fault> {
        let lower = text.to_ascii_lowercase();
        let full = ["database or disk is full", "no space left on device"];
        let gone = [
            "connection closed",
            "connection refused",
            "connection reset",
            "error communicating with the server",
            "database is locked",
        ];
        let sqlstate = text.get(..6).filter(|s| s.ends_with(':'));
        if full.iter().any(|m| lower.contains(m))
            || lower.contains("disk quota exceeded")
            || sqlstate == Some("53100:")
        {
            Some(Fault::StorageFull)
        } else if gone.iter().any(|m| lower.contains(m))
            || sqlstate.is_some_and(|s| s.starts_with("08") || s.starts_with("57P0"))
        {
            Some(Fault::StoreUnavailable)
        } else {
            None
        }
    }
}

/// Waits between attempts: [`RETRY_FIRST`], doubled up to [`RETRY_MAX`].
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { next: RETRY_FIRST }
    }
}

impl Backoff {
    /// The wait before the next attempt (each call waits longer).
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(RETRY_MAX);
        delay
    }

    /// After a success: the next failure waits [`RETRY_FIRST`] again.
    pub fn reset(&mut self) {
        self.next = RETRY_FIRST;
    }
}

/// The last append's fault, remembered for [`STORE_FAULT_HOLD`] or until
/// an append succeeds.
#[derive(Debug, Default)]
pub struct StoreFaults {
    last: Mutex<Option<(Fault, Instant)>>,
}

impl StoreFaults {
    pub fn failed(&self, fault: Fault) {
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some((fault, Instant::now()));
    }

    pub fn succeeded(&self) {
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    pub fn current(&self) -> Option<Fault> {
        let last = *self.last.lock().unwrap_or_else(|p| p.into_inner());
        last.filter(|(_, at)| at.elapsed() < STORE_FAULT_HOLD)
            .map(|(f, _)| f)
    }
}

/// What a component is doing, as `/readyz` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// Still reading the log up to where it stood at start.
    CatchingUp,
    /// Working around a fault, retrying.
    Degraded(Fault),
    /// Stopped on an error retrying cannot heal (see the log).
    Stopped,
}

impl Status {
    /// `ok`, `catching_up`, `stopped` or the fault's reason.
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::CatchingUp => "catching_up",
            Status::Degraded(f) => f.reason(),
            Status::Stopped => "stopped",
        }
    }

    /// Whether the component does its work (a component catching up does).
    pub fn is_up(self) -> bool {
        matches!(self, Status::Ok | Status::CatchingUp)
    }
}

/// The components of a server, in the order their faults are reported.
pub const COMPONENTS: [&str; 3] = ["store", "read_models", "audit_trail"];

/// The state of every component and the log's head (if the store answered).
#[derive(Debug, Clone)]
pub struct Report {
    /// `(name, status)` for each of [`COMPONENTS`] the server runs.
    pub components: Vec<(&'static str, Status)>,
    pub head: Option<Position>,
    /// The read models' position.
    pub position: Option<Position>,
}

impl Report {
    /// The first component not up, and why.
    pub fn first_fault(&self) -> Option<(&'static str, Status)> {
        self.components.iter().copied().find(|(_, s)| !s.is_up())
    }

    pub fn catching_up(&self) -> bool {
        self.components
            .iter()
            .any(|(_, s)| *s == Status::CatchingUp)
    }
}

/// Reads every component's state (the store by reading its head).
pub async fn check(state: &crate::server::AppState) -> Report {
    let mut components = Vec::with_capacity(COMPONENTS.len());
    let head = state.store.head().await;
    let store = match &head {
        Ok(_) => state
            .metrics
            .store_faults
            .current()
            .map_or(Status::Ok, Status::Degraded),
        Err(e) => {
            tracing::warn!(error = %e, "the store does not answer");
            Status::Degraded(Fault::of_store(e).unwrap_or(Fault::StoreUnavailable))
        }
    };
    components.push(("store", store));
    let mut position = None;
    if let Some(models) = &state.read_models {
        let p = models.progress();
        position = Some(p.position);
        let status = match (p.failed, p.fault, p.caught_up) {
            (true, _, _) => Status::Stopped,
            (false, Some(fault), _) => Status::Degraded(fault),
            (false, None, false) => Status::CatchingUp,
            (false, None, true) => Status::Ok,
        };
        components.push(("read_models", status));
    }
    if let Some(trail) = &state.trail {
        let p = trail.progress();
        let status = match (p.failed, p.fault) {
            (true, _) => Status::Stopped,
            (false, Some(fault)) => Status::Degraded(fault),
            (false, None) => Status::Ok,
        };
        components.push(("audit_trail", status));
    }
    Report {
        components,
        head: head.ok(),
        position,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_disks_and_lost_connections_are_told_apart_from_other_errors() {
        let backend = |s: &str| Fault::of_store(&StoreError::Backend(s.into()));
        // SQLite (SQLITE_FULL), PostgreSQL (53100), the system.
        assert_eq!(
            backend("database or disk is full"),
            Some(Fault::StorageFull)
        );
        assert_eq!(
            backend("commit failed: database or disk is full"),
            Some(Fault::StorageFull)
        );
        assert_eq!(
            backend("53100: could not extend file \"base/1/2\": No space left on device"),
            Some(Fault::StorageFull)
        );
        assert_eq!(
            backend("08006: terminating connection"),
            Some(Fault::StoreUnavailable)
        );
        assert_eq!(backend("connection closed"), Some(Fault::StoreUnavailable));
        assert_eq!(backend("no such table: events"), Some(Fault::Io));
        assert_eq!(
            Fault::of_store(&StoreError::Unavailable("the writer has stopped".into())),
            Some(Fault::StoreUnavailable)
        );
        assert_eq!(
            Fault::of_store(&StoreError::Format("not a registre store".into())),
            None
        );
        let enospc = std::io::Error::from_raw_os_error(28);
        assert_eq!(Fault::of_io(&enospc), Fault::StorageFull);
        assert_eq!(Fault::of_io(&std::io::Error::other("boom")), Fault::Io);
    }

    #[test]
    fn backoff_doubles_up_to_its_bound_and_starts_over_after_a_success() {
        let mut b = Backoff::default();
        assert_eq!(b.next_delay(), RETRY_FIRST);
        assert_eq!(b.next_delay(), RETRY_FIRST * 2);
        for _ in 0..20 {
            assert!(b.next_delay() <= RETRY_MAX);
        }
        assert_eq!(b.next_delay(), RETRY_MAX);
        b.reset();
        assert_eq!(b.next_delay(), RETRY_FIRST);
    }

    #[test]
    fn a_failed_append_marks_the_store_until_one_succeeds() {
        let faults = StoreFaults::default();
        assert_eq!(faults.current(), None);
        faults.failed(Fault::StorageFull);
        assert_eq!(faults.current(), Some(Fault::StorageFull));
        faults.succeeded();
        assert_eq!(faults.current(), None);
    }
}
