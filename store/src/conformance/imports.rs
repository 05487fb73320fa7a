//! Imports: a batch of events recorded elsewhere is accepted only if it
//! continues the log exactly (next position, next revisions, unknown ids),
//! and is then read back as it was recorded.

use std::sync::Arc;

use registre_schema::{CommandMeta, Position, RecordedEvent};
use serde_json::json;
use uuid::Uuid;

use super::{actor, all_events, assert_gapless, at, event, request, stream};
use crate::{AppendRequest, EventStore, ExpectedState, ImportRefused, StoreError};

/// An import keeps every field of every event and records its commands;
/// one that does not continue the log writes nothing. A backend that
/// cannot keep positions must refuse every import with `Unsupported`.
pub async fn imports_continue_the_log_exactly(store: Arc<dyn EventStore>) {
    // Commands of 2, 2 and 2 events: a-0 a-1 | b-0 b-1 | a-2 a-3.
    let events = recorded(1, 6);
    match store.import(events.clone()).await {
        Err(StoreError::Import(ImportRefused::Unsupported(_))) => {
            assert_eq!(store.head().await.unwrap(), 0, "a refused import wrote");
            return;
        }
        other => assert_eq!(other.unwrap(), 6),
    }
    assert_eq!(all_events(&*store).await, events);
    assert_eq!(store.head().await.unwrap(), 6);
    // A retry of an imported command deduplicates as on the original.
    let first = &events[2];
    let retry = AppendRequest {
        stream_id: first.stream_id.clone(),
        expected: ExpectedState::NoStream,
        meta: CommandMeta {
            command_id: first.command_id,
            actor: actor(),
            correlation_id: first.correlation_id,
            causation_id: None,
        },
        events: vec![event(0)],
    };
    let out = store.append(retry).await.unwrap();
    assert!(out.deduplicated);
    assert_eq!(
        (out.first_position, out.last_position, out.last_revision),
        (3, 4, 1)
    );
    assert_eq!(out.recorded_at, first.recorded_at);
    // The same events again, or a later batch that skips or repeats a
    // revision: refused, nothing written.
    assert!(matches!(
        store.import(events.clone()).await,
        Err(StoreError::Import(ImportRefused::NotNext {
            first: 1,
            head: 6
        }))
    ));
    let mut later = recorded(7, 3);
    for e in &mut later {
        e.stream_id = stream("conformance-import-b");
        e.revision += 5;
        e.recorded_at = at(2000);
    }
    assert!(matches!(
        store.import(later.clone()).await,
        Err(StoreError::Import(ImportRefused::WrongRevision {
            position: 7,
            ..
        }))
    ));
    assert_eq!(store.head().await.unwrap(), 6);
    // Plain appends go on after the import, with its streams' revisions and
    // a time not before the imported ones.
    let a = stream("conformance-import-a");
    let out = store
        .append(request(&a, ExpectedState::Exact(3), 1))
        .await
        .unwrap();
    assert_eq!((out.first_position, out.last_revision), (7, 4));
    assert!(out.recorded_at >= events[5].recorded_at);
    assert_gapless(&all_events(&*store).await);
}

/// Events another store recorded: two commands on one stream, one on
/// another, with times finer than a second.
fn recorded(start: Position, count: usize) -> Vec<RecordedEvent> {
    let commands = [Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7()];
    (0..count)
        .map(|i| {
            let position = start + i as Position;
            let command = commands[(i * commands.len()) / count];
            let (stream_id, revision) = if command == commands[1] {
                (stream("conformance-import-b"), (i - count / 3) as u64)
            } else if command == commands[0] {
                (stream("conformance-import-a"), i as u64)
            } else {
                (stream("conformance-import-a"), (i - count / 3) as u64)
            };
            RecordedEvent {
                position,
                id: Uuid::now_v7(),
                stream_id,
                revision,
                event_type: "TestHappened".into(),
                schema_version: 1,
                occurred_at: at(i as i64),
                // One time per command, as a group commit records them.
                recorded_at: at(
                    1000 + (commands.iter().position(|c| *c == command).unwrap()) as i64
                ),
                actor: actor(),
                command_id: command,
                correlation_id: command,
                // One cause per command (or none), as an append writes it.
                causation_id: (command != commands[1])
                    .then(|| Uuid::from_u128(u128::from_le_bytes(*command.as_bytes()) ^ 1)),
                payload: json!({"n": i, "lieu": "Kayes"}),
            }
        })
        .collect()
}
