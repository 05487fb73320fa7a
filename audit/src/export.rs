//! The archival export: JSON Lines that an auditor checks with nothing but
//! the file and the public key.
//!
//! ## Format (`registre-log-export-v1`)
//!
//! UTF-8, one JSON object per line, lines separated by `\n` (a final `\n`
//! and empty lines are ignored). Two kinds of line, told apart by `type`:
//!
//! - an event, in position order, starting at position 1 with no gap:
//!   `{"event":<canonical bytes of the event>,"leaf_hash":"<64 hex>","position":N,"type":"event"}`
//!   where `event` is the event's canonical JSON object (see
//!   [`crate::canonical`]) written verbatim and `leaf_hash` is
//!   `SHA-256(0x00 || those bytes)`;
//! - a signed tree head:
//!   `{"tree_head":{"key_id":…,"root_hash":…,"signature":…,"timestamp":…,"tree_size":N},"type":"tree_head"}`
//!   (see [`crate::sth`]), placed after the last event it covers.
//!
//! - a witness's cosignature of the head just before it (the head line,
//!   or the other cosignatures of that head, come first):
//!   `{"cosignature":"<base64>","tree_size":N,"type":"cosignature","witness":"<name>"}`
//!   where `cosignature` is the base64 of the note signature's bytes
//!   (key id, time, signature: see [`crate::cosignature`]) over the
//!   checkpoint of that head (see [`crate::checkpoint`]).
//!
//! The file must **end with a signed head covering every event in it**:
//! an export whose last head was cut off, or with events appended after its
//! last head, is refused as not sealed.
//!
//! The verifier rebuilds the tree from the events, uses the `leaf_hash`
//! members as the leaf record (so it can name the first altered, missing,
//! inserted or moved event) and checks every head in the file. Every line
//! is read strictly: byte for byte the canonical JSON registre writes (no
//! member twice, no space, no other escape), and an event's object exactly
//! the canonical form of an event, so nothing in the file escapes the
//! hashes and no two readers see two events in one line.
//!
//! Every line and every event is held in memory while verifying (about
//! the size of the file): fine for registre's logs, not for unbounded
//! ones.

use std::collections::HashMap;

use serde_json::Value;

use crate::canonical::{canonical_bytes, event_from_canonical_value};
use crate::checkpoint::{Checkpoint, NoteSignature};
use crate::cosignature::{Cosignature, CosignatureError, WitnessPublicKey};
use crate::merkle::{Hash, leaf_hash};
use crate::sth::{AuditPublicKey, SignedTreeHead};
use crate::verify::{Finding, VerifiedLog, verify_log};
use registre_schema::RecordedEvent;

/// Longest line accepted (an event's payload is at most 64 KiB; its
/// escaped form and envelope fit well within this).
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// Why an export was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error("line {line}: longer than {MAX_LINE_BYTES} bytes")]
    LineTooLong { line: usize },
    #[error("line {line}: {reason}")]
    Malformed { line: usize, reason: String },
    #[error(
        "the export is not sealed: it holds {events} events but its last line is not a \
         signed tree head covering all of them (last head: {last_head_size:?})"
    )]
    NotSealed {
        events: u64,
        last_head_size: Option<u64>,
    },
    #[error(
        "line {line}: the event at position {position} stands a second time (first on line {first_line})"
    )]
    RepeatedEvent {
        line: usize,
        first_line: usize,
        position: u64,
    },
    #[error("line {line}: {error}")]
    Cosignature {
        line: usize,
        error: CosignatureError,
    },
    #[error("no head of the export is cosigned by the witness {witness}")]
    NotWitnessed { witness: String },
    #[error(
        "line {line}: the signed tree head of size {tree_size} stands a second time (first on line {first_line})"
    )]
    RepeatedHead {
        line: usize,
        first_line: usize,
        tree_size: u64,
    },
    #[error(transparent)]
    Tampered(#[from] Finding),
}

/// The largest head of an export a required witness cosigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witnessed {
    pub witness: String,
    pub tree_size: u64,
    /// When the witness cosigned it, in seconds since 1970.
    pub timestamp: u64,
}

/// A cosignature line, kept until the log itself has verified.
struct CosignatureLine {
    line: usize,
    checkpoint: Checkpoint,
    signature: NoteSignature,
}

/// The export line of an event.
pub fn event_line(event: &RecordedEvent) -> Result<String, crate::CanonicalError> {
    let bytes = canonical_bytes(event)?;
    let hash = leaf_hash(&bytes);
    // The canonical bytes are valid UTF-8 JSON by construction.
    let event_json = String::from_utf8_lossy(&bytes);
    Ok(format!(
        r#"{{"event":{event_json},"leaf_hash":"{}","position":{},"type":"event"}}"#,
        hex::encode(hash),
        event.position
    ))
}

/// The export line of a signed tree head.
pub fn head_line(head: &SignedTreeHead) -> String {
    let head = serde_json::to_value(head).unwrap_or(Value::Null);
    let line = serde_json::json!({"type": "tree_head", "tree_head": head});
    // Only strings and integers: always canonical.
    crate::canonical::canonical_json(&line)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// The export line of a witness's cosignature of the head of `tree_size`.
pub fn cosignature_line(tree_size: u64, cosignature: &Cosignature) -> String {
    let note = cosignature.to_note_signature();
    let line = serde_json::json!({
        "cosignature": note.to_base64(),
        "tree_size": tree_size,
        "type": "cosignature",
        "witness": note.name,
    });
    crate::canonical::canonical_json(&line)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// Checks an export with nothing but its lines and the public key.
pub fn verify_export<S: AsRef<str>>(
    lines: impl IntoIterator<Item = S>,
    key: &AuditPublicKey,
) -> Result<VerifiedLog, ExportError> {
    read_export(lines, key).map(|(verified, _)| verified)
}

/// Checks an export as [`verify_export`] does, then the cosignatures of
/// every witness in `witnesses`: each must have cosigned at least one head
/// of the file, and every cosignature naming one of them must verify
/// (cosignatures of other witnesses are ignored, as C2SP asks). Returns,
/// per witness, the largest head it cosigned.
pub fn verify_witnessed_export<S: AsRef<str>>(
    lines: impl IntoIterator<Item = S>,
    key: &AuditPublicKey,
    witnesses: &[WitnessPublicKey],
) -> Result<(VerifiedLog, Vec<Witnessed>), ExportError> {
    let (verified, _, cosignatures) = read_lines(lines, key)?;
    let mut witnessed = Vec::new();
    for witness in witnesses {
        let mut largest: Option<Witnessed> = None;
        for c in cosignatures.iter().filter(|c| witness.names(&c.signature)) {
            let invalid = |error| ExportError::Cosignature {
                line: c.line,
                error,
            };
            let cosignature = Cosignature::from_note_signature(&c.signature).map_err(invalid)?;
            cosignature
                .verify(witness, &c.checkpoint)
                .map_err(invalid)?;
            if largest
                .as_ref()
                .is_none_or(|w| w.tree_size < c.checkpoint.tree_size)
            {
                largest = Some(Witnessed {
                    witness: witness.name().to_string(),
                    tree_size: c.checkpoint.tree_size,
                    timestamp: cosignature.timestamp,
                });
            }
        }
        witnessed.push(largest.ok_or_else(|| ExportError::NotWitnessed {
            witness: witness.name().to_string(),
        })?);
    }
    Ok((verified, witnessed))
}

/// Checks an export as [`verify_export`] does and, only if it is intact,
/// hands back its events in position order (to rebuild the read models
/// from the file alone).
pub fn read_export<S: AsRef<str>>(
    lines: impl IntoIterator<Item = S>,
    key: &AuditPublicKey,
) -> Result<(VerifiedLog, Vec<RecordedEvent>), ExportError> {
    read_lines(lines, key).map(|(verified, events, _)| (verified, events))
}

type ReadExport = (VerifiedLog, Vec<RecordedEvent>, Vec<CosignatureLine>);

fn read_lines<S: AsRef<str>>(
    lines: impl IntoIterator<Item = S>,
    key: &AuditPublicKey,
) -> Result<ReadExport, ExportError> {
    let mut cosignatures: Vec<CosignatureLine> = Vec::new();
    let mut events: Vec<RecordedEvent> = Vec::new();
    let mut record: Vec<Hash> = Vec::new();
    let mut heads: Vec<SignedTreeHead> = Vec::new();
    let mut last_is_head = false;
    // Each position's line, to name a repeated one (the tree alone would
    // only say that the export holds more events than its head).
    let mut lines_of: HashMap<u64, usize> = HashMap::new();
    // The same for heads, by signature: a head given twice changes no
    // hash, but registre never writes one twice, so the file was edited.
    let mut head_lines: HashMap<[u8; 64], usize> = HashMap::new();
    for (i, line) in lines.into_iter().enumerate() {
        let line_no = i + 1;
        let line = line.as_ref();
        if line.len() > MAX_LINE_BYTES {
            return Err(ExportError::LineTooLong { line: line_no });
        }
        if line.trim().is_empty() {
            continue;
        }
        let malformed = |reason: &str| ExportError::Malformed {
            line: line_no,
            reason: reason.to_string(),
        };
        let value: Value =
            serde_json::from_str(line).map_err(|_| malformed("not a JSON object"))?;
        let obj = value
            .as_object()
            .ok_or_else(|| malformed("not a JSON object"))?;
        // Byte for byte as registre writes it: a member given twice, an
        // escape or a space that parsers read differently could otherwise
        // show two readers two different events under one hash. Checked
        // once the line's content is known good, to name a finer fault first.
        let canonical = || {
            if crate::canonical::canonical_json(&value).is_ok_and(|c| c == line.as_bytes()) {
                Ok(())
            } else {
                Err(malformed(
                    "not written in canonical form (sorted members, each once, no space, \
                     only the required escapes)",
                ))
            }
        };
        match obj.get("type").and_then(Value::as_str) {
            Some("event") => {
                if obj.len() != 4 {
                    return Err(malformed(
                        "an event line has exactly event, leaf_hash, position and type",
                    ));
                }
                let position = obj
                    .get("position")
                    .and_then(Value::as_u64)
                    .ok_or_else(|| malformed("position must be an integer"))?;
                let hash: Hash = obj
                    .get("leaf_hash")
                    .and_then(Value::as_str)
                    .and_then(|s| hex::decode(s).ok())
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| malformed("leaf_hash must be 64 hex digits"))?;
                let event = obj
                    .get("event")
                    .ok_or_else(|| malformed("no event"))
                    .and_then(|e| {
                        event_from_canonical_value(e).map_err(|e| malformed(&e.to_string()))
                    })?;
                if event.position != position {
                    return Err(malformed("the line's position differs from its event's"));
                }
                canonical()?;
                if let Some(&first_line) = lines_of.get(&position) {
                    return Err(ExportError::RepeatedEvent {
                        line: line_no,
                        first_line,
                        position,
                    });
                }
                lines_of.insert(position, line_no);
                events.push(event);
                record.push(hash);
                last_is_head = false;
            }
            Some("tree_head") => {
                if obj.len() != 2 {
                    return Err(malformed("a tree head line has exactly tree_head and type"));
                }
                let head: SignedTreeHead = obj
                    .get("tree_head")
                    .cloned()
                    .ok_or_else(|| malformed("no tree_head"))
                    .and_then(|h| {
                        serde_json::from_value(h).map_err(|e| malformed(&e.to_string()))
                    })?;
                canonical()?;
                if head_line(&head) != line {
                    return Err(malformed(
                        "the tree head is not written in its canonical form",
                    ));
                }
                if let Some(&first_line) = head_lines.get(&head.signature) {
                    return Err(ExportError::RepeatedHead {
                        line: line_no,
                        first_line,
                        tree_size: head.tree_size,
                    });
                }
                head_lines.insert(head.signature, line_no);
                heads.push(head);
                last_is_head = true;
            }
            Some("cosignature") => {
                let line = cosignature_of(obj, heads.last().filter(|_| last_is_head), key)
                    .map_err(&malformed)?;
                canonical()?;
                cosignatures.push(CosignatureLine {
                    line: line_no,
                    checkpoint: line.0,
                    signature: line.1,
                });
            }
            _ => {
                return Err(malformed(
                    "type must be \"event\", \"tree_head\" or \"cosignature\"",
                ));
            }
        }
    }
    let count = events.len() as u64;
    let last_head_size = if last_is_head {
        heads.last().map(|h| h.tree_size)
    } else {
        None
    };
    // A last head larger than the events is a truncation, which the log
    // verification names; one smaller, or none last, leaves events unsealed.
    if last_head_size.is_none_or(|size| size < count) {
        return Err(ExportError::NotSealed {
            events: count,
            last_head_size: heads.last().map(|h| h.tree_size),
        });
    }
    let verified = verify_log(events.iter().cloned(), Some(record), heads, key)?;
    Ok((verified, events, cosignatures))
}

/// Reads a cosignature line: it must follow the head it cosigns (that
/// head's line, or other cosignatures of it). Its signature is checked
/// later, against the witnesses the auditor names.
fn cosignature_of(
    obj: &serde_json::Map<String, Value>,
    head: Option<&SignedTreeHead>,
    key: &AuditPublicKey,
) -> Result<(Checkpoint, NoteSignature), &'static str> {
    if obj.len() != 4 {
        return Err("a cosignature line has exactly cosignature, tree_size, type and witness");
    }
    let tree_size = obj.get("tree_size").and_then(Value::as_u64);
    let head = head
        .filter(|h| Some(h.tree_size) == tree_size)
        .ok_or("a cosignature must follow the tree head of its size")?;
    let name = obj
        .get("witness")
        .and_then(Value::as_str)
        .filter(|n| crate::checkpoint::valid_key_name(n))
        .ok_or("witness must be a key name (no space, no plus sign)")?;
    let signature = obj
        .get("cosignature")
        .and_then(Value::as_str)
        .and_then(|b| NoteSignature::from_base64(name, b))
        .ok_or("cosignature must be base64 of a key id and a signature")?;
    Ok((Checkpoint::of_head(head, key), signature))
}
