//! Group commit, shared by the backends with one writer task (SQLite,
//! PostgreSQL): callers queue their appends; the writer takes the first,
//! then whatever queued up while it committed the previous group, commits
//! them together and answers each on its own channel. One commit (one
//! fsync) serves every append of a group.

use tokio::sync::mpsc;

use crate::{AppendOutcome, AppendRequest, StoreError, validate};

/// How large a group may grow.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GroupLimits {
    pub appends: usize,
    pub events: usize,
}

/// An append waiting for a backend's single writer task, which commits
/// the queued appends in groups and answers each on its own channel.
///
/// `P` is what the caller prepared for the writer, on the caller's thread
/// (SQLite: each payload's JSON text), so that the one writer does not.
pub(crate) struct WriteJob<P = ()> {
    pub req: AppendRequest,
    pub prepared: P,
    pub reply: tokio::sync::oneshot::Sender<Answer<P>>,
}

/// The writer's answer to an append, with the append handed back: the
/// caller's task drops it, so that freeing its payloads is not the one
/// writer's work between two groups.
pub(crate) struct Answer<P> {
    pub result: Result<AppendOutcome, StoreError>,
    pub spent: (AppendRequest, P),
}

impl<P> WriteJob<P> {
    /// Sends the result; the caller may have gone (timeout, cancelled
    /// request), and the append stands either way.
    pub fn answer(self, result: Result<AppendOutcome, StoreError>) {
        let WriteJob {
            req,
            prepared,
            reply,
        } = self;
        let _ = reply.send(Answer {
            result,
            spent: (req, prepared),
        });
    }
}

/// Validates an append, prepares it for the writer (`prepare`), hands it
/// over and waits for its answer: the `append` of every group-committing
/// backend.
pub(crate) async fn submit<P>(
    queue: &mpsc::Sender<WriteJob<P>>,
    req: AppendRequest,
    prepare: impl FnOnce(&AppendRequest) -> Result<P, StoreError>,
) -> Result<AppendOutcome, StoreError> {
    validate(&req)?;
    let prepared = prepare(&req)?;
    let (reply, answer) = tokio::sync::oneshot::channel();
    queue
        .send(WriteJob {
            req,
            prepared,
            reply,
        })
        .await
        .map_err(|_| StoreError::Unavailable("the writer has stopped".into()))?;
    let Answer { result, spent } = answer
        .await
        .map_err(|_| StoreError::Unavailable("the writer stopped before answering".into()))?;
    drop(spent);
    result
}

/// Fills `group` (empty) with `first` and the appends queued behind it,
/// within `limits`.
pub(crate) fn gather<P>(
    first: WriteJob<P>,
    queue: &mut mpsc::Receiver<WriteJob<P>>,
    limits: GroupLimits,
    group: &mut Vec<WriteJob<P>>,
) {
    let mut events = first.req.events.len();
    group.push(first);
    while group.len() < limits.appends && events < limits.events {
        match queue.try_recv() {
            Ok(job) => {
                events += job.req.events.len();
                group.push(job);
            }
            Err(_) => break,
        }
    }
}

/// Answers every append of a committed group, in order, and empties it.
pub(crate) fn answer_all<P>(
    group: &mut Vec<WriteJob<P>>,
    results: Vec<Result<AppendOutcome, StoreError>>,
) {
    for (job, result) in group.drain(..).zip(results) {
        job.answer(result);
    }
}
