//! Whole responses to read-model queries, kept until the read models move.
//!
//! Dashboards poll a few queries over and over. Between two events the
//! answer of a read-model query cannot change: it is a function of the
//! read models at one position, the arguments, the caller's role (guards)
//! and today's date (defaults such as "good standing today"). So the
//! encoded response is kept, keyed by the request's exact bytes, the role
//! and the response media type, and served while the read models stay at
//! the position and the day it was computed at. The first request after an
//! event computes afresh.
//!
//! Only a query whose every root field reads the read models alone (see
//! [`CACHEABLE_FIELDS`]) is kept; fields that read the store's head, the
//! audit trail or the as-of service never are, nor a response with errors.
//! An answer is kept only when the read models did not move while it was
//! computed, so it is one consistent state, like every uncached answer.

use std::collections::HashMap;
use std::sync::RwLock;

use async_graphql::parser::types::{OperationDefinition, OperationType, Selection};
use axum::body::Bytes;
use axum::http::StatusCode;
use chrono::NaiveDate;
use registre_schema::Role;

/// Root query fields answered from the read models alone.
///
/// `history` is here although each entry's `event` reads the store: it
/// reads an event at a position the read models already applied, and the
/// log never changes below its head.
pub const CACHEABLE_FIELDS: &[&str] = &[
    "members",
    "member",
    "memberCounts",
    "dues",
    "membersDueForSuspension",
    "statutes",
    "statutesVersions",
    "sessions",
    "session",
    "resolutions",
    "motion",
    "bodies",
    "body",
    "minutesRegister",
    "minutes",
    "indicators",
    "history",
    "latestEvents",
    "__typename",
];

/// Most responses kept at once.
pub const MAX_ENTRIES: usize = 1024;
/// Largest response kept.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// Most bytes kept in all (requests and responses).
pub const MAX_TOTAL_BYTES: usize = 64 * 1024 * 1024;

/// What a cached answer is looked up by.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub role: Role,
    /// The response media type asked (it changes the status of errors).
    pub modern: bool,
    /// The request as received: a POST body or a GET query string.
    pub request: Bytes,
}

/// An encoded response.
#[derive(Clone)]
pub struct Cached {
    pub status: StatusCode,
    pub body: Bytes,
}

/// The read models' position and the day an answer was computed at.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Epoch {
    pub position: u64,
    pub day: NaiveDate,
}

pub struct ResponseCache {
    inner: RwLock<Inner>,
}

struct Inner {
    epoch: Option<Epoch>,
    entries: HashMap<Key, Cached>,
    bytes: usize,
}

impl Default for ResponseCache {
    fn default() -> Self {
        ResponseCache {
            inner: RwLock::new(Inner {
                epoch: None,
                entries: HashMap::new(),
                bytes: 0,
            }),
        }
    }
}

impl ResponseCache {
    /// The answer kept for `key`, if it was computed at `now`.
    pub fn get(&self, key: &Key, now: Epoch) -> Option<Cached> {
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        if inner.epoch != Some(now) {
            return None;
        }
        inner.entries.get(key).cloned()
    }

    /// Keeps `value`, computed at `at`. An answer older than what is kept
    /// is dropped; a newer one replaces everything kept.
    ///
    /// The request and the body are copied into buffers of their exact
    /// size: a request's `Bytes` may be a slice of the connection's whole
    /// read buffer and an encoded body may have spare capacity, which the
    /// count of [`MAX_TOTAL_BYTES`] would not see.
    pub fn put(&self, key: Key, value: Cached, at: Epoch) {
        if value.body.len() > MAX_RESPONSE_BYTES {
            return;
        }
        let key = Key {
            request: Bytes::copy_from_slice(&key.request),
            ..key
        };
        let value = Cached {
            body: Bytes::copy_from_slice(&value.body),
            ..value
        };
        let size = key.request.len() + value.body.len();
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        match inner.epoch {
            Some(e) if e == at => {}
            // Positions only grow, but a day may not be compared that way
            // when the clock is set back: any other epoch starts afresh,
            // unless it is an older position (an answer computed before
            // the one kept: stale).
            Some(e) if e.position > at.position => return,
            _ => {
                inner.epoch = Some(at);
                inner.entries.clear();
                inner.bytes = 0;
            }
        }
        if inner.entries.contains_key(&key)
            || inner.entries.len() >= MAX_ENTRIES
            || inner.bytes + size > MAX_TOTAL_BYTES
        {
            return;
        }
        inner.entries.insert(key, value);
        inner.bytes += size;
    }

    /// Bytes kept (requests and responses).
    pub fn bytes(&self) -> usize {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).bytes
    }
}

/// Whether `op` is a query whose every root field is in
/// [`CACHEABLE_FIELDS`] and takes no `asOf` (an as-of answer comes from
/// the as-of service, not from the read models served). Fragments at the
/// root are not looked into: such a query is simply not kept.
pub fn is_cacheable(op: &OperationDefinition) -> bool {
    op.ty == OperationType::Query
        && op.selection_set.node.items.iter().all(|s| match &s.node {
            Selection::Field(f) => {
                CACHEABLE_FIELDS.contains(&f.node.name.node.as_str())
                    && f.node
                        .arguments
                        .iter()
                        .all(|(name, _)| name.node.as_str() != "asOf")
            }
            Selection::FragmentSpread(_) | Selection::InlineFragment(_) => false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(request: &str) -> Key {
        Key {
            role: Role::Dashboard,
            modern: false,
            request: Bytes::copy_from_slice(request.as_bytes()),
        }
    }

    fn cached(body: &str) -> Cached {
        Cached {
            status: StatusCode::OK,
            body: Bytes::copy_from_slice(body.as_bytes()),
        }
    }

    fn epoch(position: u64, day: u32) -> Epoch {
        Epoch {
            position,
            day: NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
        }
    }

    #[test]
    fn an_answer_is_served_only_at_the_epoch_it_was_computed_at() {
        let c = ResponseCache::default();
        c.put(key("q"), cached("a"), epoch(7, 1));
        assert_eq!(c.get(&key("q"), epoch(7, 1)).unwrap().body, "a");
        assert!(c.get(&key("q"), epoch(8, 1)).is_none(), "another position");
        assert!(c.get(&key("q"), epoch(7, 2)).is_none(), "another day");
        assert!(c.get(&key("other"), epoch(7, 1)).is_none());
    }

    #[test]
    fn the_role_and_the_media_type_are_part_of_the_key() {
        let c = ResponseCache::default();
        c.put(key("q"), cached("a"), epoch(1, 1));
        let auditor = Key {
            role: Role::Auditor,
            ..key("q")
        };
        let modern = Key {
            modern: true,
            ..key("q")
        };
        assert!(c.get(&auditor, epoch(1, 1)).is_none());
        assert!(c.get(&modern, epoch(1, 1)).is_none());
    }

    #[test]
    fn a_newer_answer_empties_the_cache_and_an_older_one_is_dropped() {
        let c = ResponseCache::default();
        c.put(key("q"), cached("at 5"), epoch(5, 1));
        c.put(key("r"), cached("at 6"), epoch(6, 1));
        assert!(c.get(&key("q"), epoch(5, 1)).is_none());
        assert_eq!(c.get(&key("r"), epoch(6, 1)).unwrap().body, "at 6");
        c.put(key("q"), cached("late, at 5"), epoch(5, 1));
        assert!(c.get(&key("q"), epoch(5, 1)).is_none());
        assert!(c.get(&key("q"), epoch(6, 1)).is_none());
    }

    #[test]
    fn the_cache_is_bounded() {
        let c = ResponseCache::default();
        for i in 0..MAX_ENTRIES + 10 {
            c.put(key(&i.to_string()), cached("x"), epoch(1, 1));
        }
        let kept = (0..MAX_ENTRIES + 10)
            .filter(|i| c.get(&key(&i.to_string()), epoch(1, 1)).is_some())
            .count();
        assert_eq!(kept, MAX_ENTRIES);
        let huge = "x".repeat(MAX_RESPONSE_BYTES + 1);
        c.put(key("huge"), cached(&huge), epoch(2, 1));
        assert!(c.get(&key("huge"), epoch(2, 1)).is_none());
    }

    #[test]
    fn the_bytes_kept_are_bounded() {
        let c = ResponseCache::default();
        let body = "x".repeat(MAX_RESPONSE_BYTES);
        for i in 0..MAX_TOTAL_BYTES / MAX_RESPONSE_BYTES + 10 {
            c.put(key(&i.to_string()), cached(&body), epoch(1, 1));
            assert!(c.bytes() <= MAX_TOTAL_BYTES, "{} kept", c.bytes());
        }
        assert!(c.bytes() > MAX_TOTAL_BYTES - 2 * MAX_RESPONSE_BYTES);
        // Keeping the same key again changes nothing.
        let before = c.bytes();
        c.put(key("0"), cached("y"), epoch(1, 1));
        assert_eq!(c.bytes(), before);
        assert_eq!(
            c.get(&key("0"), epoch(1, 1)).unwrap().body.len(),
            body.len()
        );
    }

    #[test]
    fn what_is_kept_does_not_hold_the_buffers_it_came_from() {
        // A request read from a connection may be a slice of its read
        // buffer; an encoded body may have spare capacity.
        let buffer = Bytes::from(vec![b'q'; 64 * 1024]);
        let body = Bytes::from(vec![b'a'; 64 * 1024]);
        let c = ResponseCache::default();
        c.put(
            Key {
                request: buffer.slice(0..10),
                ..key("")
            },
            Cached {
                status: StatusCode::OK,
                body: body.slice(0..10),
            },
            epoch(1, 1),
        );
        assert!(buffer.is_unique(), "the request's buffer is still held");
        assert!(body.is_unique(), "the body's buffer is still held");
        assert_eq!(c.bytes(), 20);
    }
}
