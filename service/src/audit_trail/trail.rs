//! The audit trail follower: a background task of `registre serve` that
//! records each event's leaf hash as the event is committed, and signs
//! tree heads.
//!
//! It subscribes to the log from the leaf record's length + 1 (catch up,
//! then live), hashes each event, appends the hashes to the record and
//! the tree, and signs a head
//! - once after catching up at start,
//! - every `sign_every` (60 s) if the tree grew,
//! - on demand ([`AuditTrail::sign_now`]),
//! - on shutdown ([`TrailTask::stop`]), after reading the log to its end.
//!
//! Leaves are fsynced in batches: at least every `sync_every` (1 s) and
//! always before a head covering them is signed.
//!
//! A fault (a full disk, a lost store) does not stop the trail: it shows
//! in [`Progress::fault`], and the trail starts following the log again
//! from its last recorded leaf after a backoff ([`crate::health`]). A
//! failed write of the record or of a head leaves no partial entry. Only a
//! record that disagrees with the log stops it.
//!
//! The task owns the [`Ledger`]; blocking file I/O runs on tokio's
//! blocking pool. The [`AuditTrail`] handle reads the shared tree for the
//! API (size, root, heads, proofs) and asks the task to sign.

use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use futures::StreamExt;
use registre_audit::{AuditKey, AuditPublicKey, Hash, SignedTreeHead, sign_checkpoint};
use registre_schema::{Position, RecordedEvent};
use tokio::sync::{mpsc, oneshot, watch};

use super::AuditError;
use super::dir::AuditDir;
use super::ledger::{Ledger, TreeState};
use super::proof::{self, ConsistencyProof, InclusionProof, ProofRequestError};
use super::witnesses::{ReceiveError, Witnesses};
use crate::health::{Backoff, Fault};
use crate::store::{EventStore, Feed, MAX_READ_BATCH, subscribe};

/// Events recorded per batch (one write of the record).
const BATCH: usize = 512;

/// When the trail signs and syncs.
#[derive(Debug, Clone, Copy)]
pub struct TrailSettings {
    /// Sign a head this often if the tree grew.
    pub sign_every: Duration,
    /// Fsync new leaves at least this often.
    pub sync_every: Duration,
}

impl Default for TrailSettings {
    fn default() -> Self {
        TrailSettings {
            sign_every: Duration::from_secs(60),
            sync_every: Duration::from_secs(1),
        }
    }
}

/// The state of the trail, as callers see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Leaves recorded (= last position recorded).
    pub size: u64,
    /// Whether the trail has read everything committed at some point.
    pub caught_up: bool,
    /// True when the trail stopped on an error retrying cannot heal.
    pub failed: bool,
    /// The fault the trail is retrying after.
    pub fault: Option<Fault>,
}

type SignReply = oneshot::Sender<Result<SignedTreeHead, String>>;

/// A handle on the running trail, for the API. Cheap to clone.
#[derive(Clone)]
pub struct AuditTrail {
    state: Arc<RwLock<TreeState>>,
    dir: AuditDir,
    public: AuditPublicKey,
    signer: Arc<AuditKey>,
    witnesses: Arc<Mutex<Witnesses>>,
    sign: mpsc::Sender<SignReply>,
    progress: watch::Receiver<Progress>,
}

/// The owner of the task: stop it to sign a last head.
pub struct TrailTask {
    stop: Option<oneshot::Sender<()>>,
    join: tokio::task::JoinHandle<()>,
}

impl AuditTrail {
    /// Opens the audit directory (creating the key the first time), loads
    /// the record and starts following the log.
    pub async fn start(
        store: Arc<dyn EventStore>,
        dir: AuditDir,
        settings: TrailSettings,
    ) -> Result<(AuditTrail, TrailTask), AuditError> {
        let ledger = tokio::task::spawn_blocking(move || Ledger::open(&dir))
            .await
            .map_err(|_| AuditError::Stopped)??;
        let head = store.head().await?;
        if ledger.size() > head {
            return Err(AuditError::RecordAheadOfLog {
                recorded: ledger.size(),
                log: head,
            });
        }
        if ledger.created_key() && head > 0 {
            // Evidence starts now: events older than the audit directory
            // are recorded as the log holds them today.
            tracing::warn!(
                events = head,
                "new audit directory on a log that already holds events; \
                 they are recorded as they stand now"
            );
        }
        tracing::info!(
            leaves = ledger.size(),
            signed = ledger.signed_size(),
            key_id = %ledger.public_key().key_id(),
            dir = %ledger.dir().path().display(),
            "audit trail started"
        );
        let state = ledger.state();
        let public = ledger.public_key();
        let signer = ledger.signer();
        let audit_dir = ledger.dir().clone();
        let ledger_dir = audit_dir.clone();
        let witnesses = tokio::task::spawn_blocking(move || {
            Witnesses::open(&audit_dir.witnesses_path(), &audit_dir.cosignatures_path())
        })
        .await
        .map_err(|_| AuditError::Stopped)??;
        let witnesses = Arc::new(Mutex::new(witnesses));
        let (progress_tx, progress) = watch::channel(Progress {
            size: ledger.size(),
            caught_up: false,
            failed: false,
            fault: None,
        });
        let (sign, sign_rx) = mpsc::channel(16);
        let (stop, stop_rx) = oneshot::channel();
        let join = tokio::spawn(async move {
            let mut runner = Runner {
                ledger: Some(ledger),
                store,
                progress: progress_tx,
                stopping: false,
            };
            runner.run_healing(settings, sign_rx, stop_rx).await;
        });
        Ok((
            AuditTrail {
                state,
                dir: ledger_dir,
                public,
                signer,
                witnesses,
                sign,
                progress,
            },
            TrailTask {
                stop: Some(stop),
                join,
            },
        ))
    }

    fn read<T>(&self, f: impl FnOnce(&TreeState) -> T) -> T {
        f(&self.state.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Leaves in the tree.
    /// The audit directory the trail records in.
    pub fn dir(&self) -> &AuditDir {
        &self.dir
    }

    pub fn size(&self) -> u64 {
        self.read(|s| s.tree.size())
    }

    /// Root of the whole tree.
    pub fn root(&self) -> Hash {
        self.read(|s| s.tree.root())
    }

    /// The latest signed head.
    pub fn latest_head(&self) -> Option<SignedTreeHead> {
        self.read(|s| s.latest_head().cloned())
    }

    /// The latest head signed at exactly this size.
    pub fn head_at(&self, size: u64) -> Option<SignedTreeHead> {
        self.read(|s| s.head_at(size).cloned())
    }

    /// The first head signed at exactly this size: what an official
    /// document made at that size states, so it is the same head however
    /// often the tree is signed again at that size.
    pub fn first_head_at(&self, size: u64) -> Option<SignedTreeHead> {
        self.read(|s| s.heads.iter().find(|h| h.tree_size == size).cloned())
    }

    /// The check code of a document reference (see
    /// [`registre_audit::reference_check`]).
    pub fn reference_check(&self, reference: &str) -> [u8; registre_audit::REFERENCE_CHECK_LEN] {
        registre_audit::reference_check(&self.signer, reference)
    }

    /// The instance's public key.
    pub fn public_key(&self) -> AuditPublicKey {
        self.public
    }

    /// Proof that the event at `position` is in the tree of `size` leaves
    /// (default: the latest signed head's size when it covers it).
    pub fn inclusion_proof(
        &self,
        position: Position,
        size: Option<u64>,
    ) -> Result<InclusionProof, ProofRequestError> {
        self.read(|s| proof::inclusion(s, position, size))
    }

    /// Proof that the tree of `second` leaves extends that of `first`.
    pub fn consistency_proof(
        &self,
        first: u64,
        second: u64,
    ) -> Result<ConsistencyProof, ProofRequestError> {
        self.read(|s| proof::consistency(s, first, second))
    }

    /// The latest signed head as a C2SP checkpoint, signed by the log and
    /// carrying the cosignatures the server keeps for it.
    pub fn checkpoint(&self) -> Option<String> {
        let head = self.latest_head()?;
        let mut note = sign_checkpoint(&self.signer, &head);
        let witnesses = self.witnesses.lock().unwrap_or_else(|p| p.into_inner());
        note.signatures
            .extend(witnesses.of_size(head.tree_size).cloned());
        Some(note.to_text())
    }

    /// Takes a checkpoint of ours cosigned by trusted witnesses (see
    /// [`Witnesses::receive`]); returns how many cosignatures were new.
    pub async fn receive_cosignatures(&self, note: String) -> Result<usize, ReceiveError> {
        let trail = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut witnesses = trail.witnesses.lock().unwrap_or_else(|p| p.into_inner());
            witnesses.receive(&note, &trail.public, |size| trail.head_at(size))
        })
        .await
        .map_err(|_| ReceiveError::Audit(AuditError::Stopped))?
    }

    /// Signs a head of the tree as the trail has it now (call
    /// [`wait_for`](Self::wait_for) first to cover a given write).
    pub async fn sign_now(&self) -> Result<SignedTreeHead, AuditError> {
        let (tx, rx) = oneshot::channel();
        self.sign.send(tx).await.map_err(|_| AuditError::Stopped)?;
        match rx.await {
            Ok(Ok(head)) => Ok(head),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "signing a tree head failed");
                Err(AuditError::Stopped)
            }
            Err(_) => Err(AuditError::Stopped),
        }
    }

    pub fn progress(&self) -> Progress {
        *self.progress.borrow()
    }

    /// Waits until the trail has recorded `position`. Fails if it stopped
    /// or `timeout` passed.
    pub async fn wait_for(&self, position: Position, timeout: Duration) -> Result<(), AuditError> {
        let mut rx = self.progress.clone();
        let wait = rx.wait_for(|p| p.size >= position || p.failed);
        match tokio::time::timeout(timeout, wait).await {
            Ok(Ok(p)) if !p.failed => Ok(()),
            _ => Err(AuditError::Stopped),
        }
    }
}

impl TrailTask {
    /// Reads the log to its end, signs a last head if the tree grew, and
    /// waits for the task to end.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = self.join.await;
    }
}

struct Runner {
    /// Taken while a blocking call has it.
    ledger: Option<Ledger>,
    store: Arc<dyn EventStore>,
    progress: watch::Sender<Progress>,
    /// Set once asked to stop: what fails then is not retried.
    stopping: bool,
}

impl Runner {
    /// Runs the trail, starting it again after each fault, until asked to
    /// stop or stopped by an error retrying cannot heal.
    async fn run_healing(
        &mut self,
        settings: TrailSettings,
        mut sign_rx: mpsc::Receiver<SignReply>,
        mut stop: oneshot::Receiver<()>,
    ) {
        let mut backoff = Backoff::default();
        loop {
            let error = match self.run(settings, &mut sign_rx, &mut stop).await {
                Ok(()) => return,
                Err(e) => e,
            };
            let fault = match Fault::of_audit(&error) {
                // A ledger lost with a panicked blocking task is not back.
                Some(fault) if !self.stopping && self.ledger.is_some() => fault,
                _ => {
                    tracing::error!(error = %error, "the audit trail stopped; no tree head will be signed");
                    self.progress.send_modify(|p| p.failed = true);
                    return;
                }
            };
            // No fault left from the last retry: it got going again.
            if self.progress.borrow().fault.is_none() {
                backoff.reset();
            }
            let delay = backoff.next_delay();
            tracing::warn!(error = %error, reason = fault.reason(), retry_in = ?delay,
                "the audit trail met a fault; retrying");
            self.progress.send_modify(|p| p.fault = Some(fault));
            tokio::select! {
                _ = &mut stop => {
                    self.stopping = true;
                    if let Err(e) = self.finish().await {
                        tracing::error!(error = %e, "the audit trail could not seal its last events");
                    }
                    return;
                }
                () = tokio::time::sleep(delay) => {}
            }
        }
    }

    /// Follows the log until asked to stop, then seals it ([`Self::finish`]).
    async fn run(
        &mut self,
        settings: TrailSettings,
        sign_rx: &mut mpsc::Receiver<SignReply>,
        stop: &mut oneshot::Receiver<()>,
    ) -> Result<(), AuditError> {
        let from = self.progress.borrow().size + 1;
        let mut feed = subscribe(self.store.clone(), from).ready_chunks(BATCH);
        let mut sign_tick = tokio::time::interval(settings.sign_every);
        let mut sync_tick = tokio::time::interval(settings.sync_every);
        sign_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        sync_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Both fire at once first; the start is covered by the catch-up head.
        sign_tick.tick().await;
        sync_tick.tick().await;
        let mut signed_after_catch_up = false;
        loop {
            tokio::select! {
                biased;
                _ = &mut *stop => {
                    self.stopping = true;
                    break;
                }
                Some(reply) = sign_rx.recv() => {
                    let head = self.blocking(|l| l.sign(chrono::Utc::now())).await;
                    let _ = reply.send(head.as_ref().map(Clone::clone).map_err(|e| e.to_string()));
                    head?;
                }
                // Timers before the feed: under a steady stream of events
                // the feed is always ready and would starve them.
                _ = sign_tick.tick() => self.sign_if_grown().await?,
                _ = sync_tick.tick() => self.blocking(Ledger::sync).await?,
                items = feed.next() => {
                    let Some(items) = items else { return Err(AuditError::Stopped) };
                    let mut events: Vec<RecordedEvent> = Vec::with_capacity(items.len());
                    let mut caught_up = false;
                    for item in items {
                        match item? {
                            Feed::Event(e) => events.push(e),
                            Feed::CaughtUp(_) => caught_up = true,
                        }
                    }
                    self.record(events).await?;
                    if caught_up && !signed_after_catch_up {
                        signed_after_catch_up = true;
                        self.progress.send_modify(|p| p.caught_up = true);
                        self.sign_if_grown().await?;
                    }
                }
            }
        }
        drop(feed);
        self.finish().await
    }

    /// Shutdown: records what was committed, then seals it.
    async fn finish(&mut self) -> Result<(), AuditError> {
        loop {
            let size = self.progress.borrow().size;
            let batch = self.store.read_all(size + 1, MAX_READ_BATCH).await?;
            if batch.is_empty() {
                break;
            }
            self.record(batch).await?;
        }
        if let Some(head) = self
            .blocking(|l| l.sign_if_grown(chrono::Utc::now()))
            .await?
        {
            tracing::info!(
                tree_size = head.tree_size,
                "signed the last tree head before stopping"
            );
        }
        Ok(())
    }

    async fn record(&mut self, events: Vec<RecordedEvent>) -> Result<(), AuditError> {
        if events.is_empty() {
            return Ok(());
        }
        let size = self
            .blocking(move |l| l.append(&events).map(|()| l.size()))
            .await?;
        self.progress.send_modify(|p| p.size = size);
        Ok(())
    }

    async fn sign_if_grown(&mut self) -> Result<(), AuditError> {
        if let Some(head) = self
            .blocking(|l| l.sign_if_grown(chrono::Utc::now()))
            .await?
        {
            tracing::debug!(tree_size = head.tree_size, "signed a tree head");
        }
        Ok(())
    }

    /// Runs `f` on the ledger on the blocking pool.
    async fn blocking<T: Send + 'static>(
        &mut self,
        f: impl FnOnce(&mut Ledger) -> Result<T, AuditError> + Send + 'static,
    ) -> Result<T, AuditError> {
        let mut ledger = self.ledger.take().ok_or(AuditError::Stopped)?;
        let (ledger, out) = tokio::task::spawn_blocking(move || {
            let out = f(&mut ledger);
            (ledger, out)
        })
        .await
        .map_err(|_| AuditError::Stopped)?;
        self.ledger = Some(ledger);
        if out.is_ok() {
            self.progress.send_if_modified(|p| p.fault.take().is_some());
        }
        out
    }
}
