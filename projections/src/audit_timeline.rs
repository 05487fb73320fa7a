//! The audit timeline: every event's position with the little an auditor
//! lists (id, type, actor, dates), and for each entity (member, session,
//! body, post, mandate, motion, minutes, correction, other streams) the
//! positions of the events about it. Payloads are not copied: an entity's
//! full history is its positions, read back from the log when needed.
//!
//! Memory: one row of about 48 bytes per event plus 8 bytes per (entity,
//! event) pair; event types and actors are interned.

use std::borrow::Borrow;
use std::fmt;
use std::hash::Hash;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use registre_schema::{Actor, DomainEvent, Position};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::fold::{Fold, Meta, stream_uuid};

/// Maps keyed by ids: foldhash rather than std's SipHash, whose hashing of
/// a 17-byte key took about 8 % of the fold thread in a profile of the
/// 1M-event replay. It is seeded at random per process and map, so ids a
/// client chooses (only the secretariat's commands name new entities)
/// cannot be picked to collide without the seed; unlike SipHash, it
/// claims no resistance to an attacker who can probe its timings.
type HashMap<K, V> = foldhash::HashMap<K, V>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntityKind {
    Member,
    Body,
    Post,
    Mandate,
    Session,
    Motion,
    Minutes,
    Correction,
    /// A stream without an entity id (`statutes`, `dues-schedule`,
    /// `territory-…`): its id is a UUID v5 of the stream name.
    Stream,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Member => "member",
            EntityKind::Body => "body",
            EntityKind::Post => "post",
            EntityKind::Mandate => "mandate",
            EntityKind::Session => "session",
            EntityKind::Motion => "motion",
            EntityKind::Minutes => "minutes",
            EntityKind::Correction => "correction",
            EntityKind::Stream => "stream",
        }
    }

    fn of_category(c: &str) -> Option<EntityKind> {
        Some(match c {
            "member" => EntityKind::Member,
            "body" => EntityKind::Body,
            "session" => EntityKind::Session,
            "minutes" => EntityKind::Minutes,
            "correction" => EntityKind::Correction,
            _ => return None,
        })
    }
}

/// An entity an event is about. Shown and stored as `kind:uuid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct EntityKey {
    pub kind: EntityKind,
    pub id: Uuid,
}

/// One write of 17 bytes: the derived hash wrote the kind as a machine
/// word and the id with its length, three writes for each of the one to
/// three lookups of every event folded.
impl std::hash::Hash for EntityKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let mut bytes = [0u8; 17];
        bytes[0] = self.kind as u8;
        bytes[1..].copy_from_slice(self.id.as_bytes());
        state.write(&bytes);
    }
}

impl EntityKey {
    pub fn new(kind: EntityKind, id: Uuid) -> Self {
        EntityKey { kind, id }
    }

    /// The entity a stream is: `member-<uuid>` is a member; a stream
    /// without an entity id is itself the entity.
    pub fn of_stream(stream: &str) -> Self {
        let kind = stream.split('-').next().and_then(EntityKind::of_category);
        match (kind, stream_uuid(stream)) {
            (Some(kind), Some(id)) => EntityKey { kind, id },
            _ => EntityKey {
                kind: EntityKind::Stream,
                id: Uuid::new_v5(&Uuid::NAMESPACE_OID, stream.as_bytes()),
            },
        }
    }
}

impl fmt::Display for EntityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.as_str(), self.id)
    }
}

impl FromStr for EntityKey {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (kind, id) = s.split_once(':').ok_or("expected kind:uuid")?;
        let kind = match kind {
            "stream" => EntityKind::Stream,
            "post" => EntityKind::Post,
            "mandate" => EntityKind::Mandate,
            "motion" => EntityKind::Motion,
            other => EntityKind::of_category(other).ok_or("unknown entity kind")?,
        };
        let id = Uuid::try_parse(id).map_err(|e| e.to_string())?;
        Ok(EntityKey { kind, id })
    }
}

impl Serialize for EntityKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EntityKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One event as the timeline keeps it; stored as a JSON array to keep
/// saved models small.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row(
    /// Position in the log.
    pub Position,
    /// The event's id.
    pub Uuid,
    /// Index into `event_types`.
    pub u16,
    /// Index into `actors`.
    pub u32,
    /// `occurred_at`, microseconds since the Unix epoch.
    pub i64,
    /// `recorded_at`, microseconds since the Unix epoch.
    pub i64,
);

/// An event of an entity's history, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry<'a> {
    pub position: Position,
    pub event_id: Uuid,
    pub event_type: &'a str,
    pub actor: &'a Actor,
    pub occurred_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
}

/// A lookup table rebuilt from the interned list after loading; it never
/// takes part in comparisons or the saved form.
#[derive(Debug, Clone)]
struct Index<K>(HashMap<K, u32>);

impl<K> Default for Index<K> {
    fn default() -> Self {
        Index(HashMap::default())
    }
}

impl<K: Clone + Eq + Hash> Index<K> {
    /// `k`'s place in `list`, appended if new. The table is rebuilt first
    /// when it lags the list (a loaded model has the list only).
    fn intern<Q>(&mut self, list: &mut Vec<K>, k: &Q) -> u32
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if self.0.len() != list.len() {
            self.0 = (0..)
                .zip(list.iter())
                .map(|(i, k)| (k.clone(), i))
                .collect();
        }
        if let Some(i) = self.0.get(k) {
            return *i;
        }
        let i = list.len() as u32;
        list.push(k.to_owned());
        self.0.insert(k.to_owned(), i);
        i
    }
}

impl<K> PartialEq for Index<K> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// The entity of the stream last folded, and room for an event's keys:
/// events come in runs on one stream (a session's attendance and votes),
/// so its id is parsed once per run, and no list is allocated per event.
/// Like [`Index`], never compared or saved.
#[derive(Debug, Clone, Default)]
struct Scratch {
    stream: String,
    key: Option<EntityKey>,
    keys: Vec<EntityKey>,
}

impl PartialEq for Scratch {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditTimeline {
    pub event_types: Vec<String>,
    pub actors: Vec<Actor>,
    /// Every domain event, in log order.
    pub rows: Vec<Row>,
    /// Hashed, since every event looks up one to three entities (a
    /// B-tree's search was the largest part of this fold); saved and
    /// digested in key order, as the other models' maps, so the saved form
    /// and the digest stay as they were.
    #[serde(serialize_with = "in_key_order")]
    pub entities: HashMap<EntityKey, Vec<Position>>,
    #[serde(skip)]
    type_index: Index<String>,
    #[serde(skip)]
    actor_index: Index<Actor>,
    #[serde(skip)]
    scratch: Scratch,
}

fn in_key_order<S: serde::Serializer>(
    map: &HashMap<EntityKey, Vec<Position>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_unstable_by_key(|(k, _)| *k);
    s.collect_map(entries)
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn from_micros(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or_default()
}

/// The entities an event is about besides its stream's.
fn related(event: &DomainEvent, out: &mut Vec<EntityKey>) {
    use DomainEvent as E;
    use EntityKind as K;
    let mut add = |k, id| out.push(EntityKey::new(k, id));
    match event {
        E::SessionConvened(e) => add(K::Body, e.body_id),
        E::AttendanceRecorded(e) => add(K::Member, e.member_id),
        E::ProxyRegistered(e) => add(K::Member, e.grantor_member_id),
        E::MotionTabled(e) => add(K::Motion, e.motion_id),
        E::VoteRecorded(e) => {
            add(K::Motion, e.motion_id);
            add(K::Member, e.member_id);
        }
        E::MotionAdopted(e) => add(K::Motion, e.motion_id),
        E::MotionRejected(e) => add(K::Motion, e.motion_id),
        E::PostDefined(e) => add(K::Post, e.post_id),
        E::OfficerElected(e) => {
            add(K::Post, e.post_id);
            add(K::Mandate, e.mandate_id);
            add(K::Member, e.member_id);
        }
        E::MandateStarted(e) => add(K::Mandate, e.mandate_id),
        E::MandateEnded(e) => add(K::Mandate, e.mandate_id),
        E::ElectionOpened(e) => {
            add(K::Post, e.post_id);
            add(K::Session, e.session_id);
        }
        E::CandidacyFiled(e) => add(K::Member, e.member_id),
        E::ElectionRoundCounted(e) => {
            for c in &e.votes {
                add(K::Member, c.member_id);
            }
        }
        E::MinutesDrafted(e) => add(K::Session, e.session_id),
        E::MinutesAdopted(e) => add(K::Session, e.adopted_in_session_id),
        E::RecordCorrected(e) => out.push(EntityKey::of_stream(&e.corrected_stream_id)),
        _ => {}
    }
}

impl AuditTimeline {
    fn intern_type(&mut self, t: &str) -> u16 {
        // Events come in runs of one type (a session's votes): try the
        // last one before hashing.
        if let Some(last) = self.rows.last()
            && self
                .event_types
                .get(usize::from(last.2))
                .is_some_and(|l| l == t)
        {
            return last.2;
        }
        self.type_index.intern(&mut self.event_types, t) as u16
    }

    fn intern_actor(&mut self, a: &Actor) -> u32 {
        if let Some(last) = self.rows.last()
            && self.actors.get(last.3 as usize).is_some_and(|l| l == a)
        {
            return last.3;
        }
        self.actor_index.intern(&mut self.actors, a)
    }

    /// The row of the event at `position`, if it is a domain event read.
    pub fn row(&self, position: Position) -> Option<&Row> {
        let i = self.rows.binary_search_by_key(&position, |r| r.0).ok()?;
        self.rows.get(i)
    }

    /// Where the event with this id stands, searched among the events of
    /// the stream it belongs to.
    pub fn find(&self, stream: &str, event_id: Uuid) -> Option<&Row> {
        self.entities
            .get(&EntityKey::of_stream(stream))?
            .iter()
            .filter_map(|p| self.row(*p))
            .find(|r| r.1 == event_id)
    }

    pub fn event_type(&self, row: &Row) -> &str {
        self.event_types.get(usize::from(row.2)).map_or("", |s| s)
    }

    pub fn entry(&self, row: &Row) -> HistoryEntry<'_> {
        static UNKNOWN: std::sync::LazyLock<Actor> = std::sync::LazyLock::new(Actor::system);
        HistoryEntry {
            position: row.0,
            event_id: row.1,
            event_type: self.event_type(row),
            actor: self.actors.get(row.3 as usize).unwrap_or(&UNKNOWN),
            occurred_at: from_micros(row.4),
            recorded_at: from_micros(row.5),
        }
    }

    /// An entity's events, in log order, recorded up to `as_of` if given.
    pub fn history(&self, key: EntityKey, as_of: Option<DateTime<Utc>>) -> Vec<HistoryEntry<'_>> {
        let Some(positions) = self.entities.get(&key) else {
            return Vec::new();
        };
        positions
            .iter()
            .filter_map(|p| self.row(*p))
            .filter(|r| as_of.is_none_or(|t| r.5 <= micros(t)))
            .map(|r| self.entry(r))
            .collect()
    }

    /// Events recorded in `[from, to)`, in log order.
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<HistoryEntry<'_>> {
        let (from, to) = (micros(from), micros(to));
        // recorded_at never decreases along the log: binary search it.
        let start = self.rows.partition_point(|r| r.5 < from);
        self.rows[start..]
            .iter()
            .take_while(|r| r.5 < to)
            .map(|r| self.entry(r))
            .collect()
    }

    /// The last position recorded at or before `t` (0 if none).
    pub fn position_at(&self, t: DateTime<Utc>) -> Position {
        let end = self.rows.partition_point(|r| r.5 <= micros(t));
        end.checked_sub(1).map_or(0, |i| self.rows[i].0)
    }
}

impl Fold for AuditTimeline {
    fn on(&mut self, meta: &Meta<'_>, event: &DomainEvent) {
        let t = self.intern_type(meta.event_type);
        let a = self.intern_actor(meta.actor);
        self.rows.push(Row(
            meta.position,
            meta.event_id,
            t,
            a,
            micros(meta.occurred_at),
            micros(meta.recorded_at),
        ));
        let scratch = &mut self.scratch;
        let stream = meta.stream.as_str();
        let key = match scratch.key {
            Some(key) if scratch.stream == stream => key,
            _ => {
                let key = EntityKey::of_stream(stream);
                scratch.stream.clear();
                scratch.stream.push_str(stream);
                scratch.key = Some(key);
                key
            }
        };
        let keys = &mut scratch.keys;
        keys.clear();
        keys.push(key);
        related(event, keys);
        keys.dedup();
        for k in keys.iter() {
            self.entities.entry(*k).or_default().push(meta.position);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use registre_schema::events::{MotionKind, VoteChoice};

    #[test]
    fn an_entity_history_lists_its_events_with_actors() {
        let rm = given(vec![
            admitted(1, "ML010101", 2020),
            body(10, "Congrès"),
            convened(20, 10, d(2024, 1, 1), d(2024, 1, 20), &[1], None),
            attended(20, 1),
            tabled(20, 30, MotionKind::Ordinary),
            voted(20, 30, 1, VoteChoice::For, None),
            corrected(1, "member", 1, "typo"),
        ]);
        let t = &rm.timeline;
        let member = t.history(EntityKey::new(EntityKind::Member, id(1)), None);
        let positions: Vec<_> = member.iter().map(|h| h.position).collect();
        assert_eq!(positions, vec![1, 4, 6, 7]);
        assert_eq!(member[0].event_type, "CommuneAdmitted");
        assert_eq!(member[0].actor.id, "secretariat-test");
        let motion = t.history(EntityKey::new(EntityKind::Motion, id(30)), None);
        assert_eq!(motion.len(), 2);
        let session = t.history(EntityKey::new(EntityKind::Session, id(20)), None);
        assert_eq!(session.len(), 4);
        assert_eq!(t.actors.len(), 1);
        // Each event is recorded one minute after the previous one.
        let cut = t.entry(t.row(3).unwrap()).recorded_at;
        assert_eq!(t.position_at(cut), 3);
        assert_eq!(
            t.history(EntityKey::new(EntityKind::Member, id(1)), Some(cut))
                .len(),
            1
        );
        assert_eq!(t.between(cut, cut + chrono::Duration::minutes(2)).len(), 2);
        let key: EntityKey = "member:00000000-0000-0000-0000-000000000001"
            .parse()
            .unwrap();
        assert_eq!(key, EntityKey::new(EntityKind::Member, id(1)));
    }

    #[test]
    fn entities_are_saved_and_digested_in_key_order() {
        // Fourteen entities: in hash order they would come sorted about
        // once in 14! runs.
        let mut events: Vec<_> = (1..=10)
            .map(|m| admitted(m, &format!("ML0101{m:02}"), 2020))
            .collect();
        events.push(body(100, "Congrès"));
        events.push(convened(
            200,
            100,
            d(2024, 1, 1),
            d(2024, 1, 20),
            &[1, 2],
            None,
        ));
        events.push(tabled(200, 300, MotionKind::Ordinary));
        events.push(tabled(200, 301, MotionKind::Ordinary));
        let rm = given(events);
        let entities = &rm.timeline.entities;
        assert_eq!(entities.len(), 14, "{entities:?}");
        let sorted: std::collections::BTreeMap<_, _> = entities.iter().collect();
        let expected = format!("\"entities\":{}", serde_json::to_string(&sorted).unwrap());
        let json = serde_json::to_string(&rm.timeline).unwrap();
        assert!(json.contains(&expected), "{json}");
    }
}
