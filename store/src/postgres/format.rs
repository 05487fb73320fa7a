//! The schema a store lives in: the SQL of its tables and statements,
//! with the schema's name quoted in, and the creation of the schema on
//! first open or the check that it holds a registre store of a format
//! this build reads. Every statement text is here, so the layout of the
//! tables can be read in one place.

use tokio_postgres::Client;

use super::target::Target;
use super::{APPLICATION, STORE_FORMAT, backend};
use crate::StoreError;

/// SQL of one schema, with its name quoted in.
pub(super) struct Sql {
    pub(super) lock_head: String,
    pub(super) known_commands: String,
    pub(super) known_streams: String,
    pub(super) known_ids: String,
    pub(super) write: String,
    pub(super) read_all: String,
    pub(super) read_stream: String,
    pub(super) head: String,
    pub(super) import: String,
    pub(super) channel: String,
}

impl Sql {
    pub(super) fn new(schema: &str) -> Sql {
        let s = format!("\"{schema}\"");
        let select_event = format!(
            "SELECT position, id, stream_id, revision, event_type, schema_version, occurred_at,
                recorded_at, actor_id, actor_role, command_id, correlation_id, causation_id,
                payload FROM {s}.events"
        );
        Sql {
            lock_head: format!("SELECT position, recorded_at FROM {s}.log_head FOR UPDATE"),
            known_commands: format!(
                "SELECT command_id, stream_id, first_position, last_position, last_revision,
                    recorded_at FROM {s}.commands WHERE command_id = ANY($1::uuid[])"
            ),
            known_streams: format!(
                "SELECT stream_id, last_revision FROM {s}.streams WHERE stream_id = ANY($1::text[])"
            ),
            known_ids: format!("SELECT id FROM {s}.events WHERE id = ANY($1::uuid[])"),
            // The whole group in one statement: events, streams, commands,
            // the head, and the wake-up sent at commit.
            write: format!(
                "WITH ev AS (
                    INSERT INTO {s}.events (position, id, stream_id, revision, event_type,
                        schema_version, occurred_at, recorded_at, actor_id, actor_role,
                        command_id, correlation_id, causation_id, payload)
                    SELECT e.position, e.id, e.stream_id, e.revision, e.event_type,
                        e.schema_version, e.occurred_at, $14, e.actor_id, e.actor_role,
                        e.command_id, e.correlation_id, e.causation_id, e.payload
                    FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::bigint[], $5::text[],
                        $6::int[], $7::timestamptz[], $8::text[], $9::text[], $10::uuid[],
                        $11::uuid[], $12::uuid[], $13::text[])
                        AS e(position, id, stream_id, revision, event_type, schema_version,
                            occurred_at, actor_id, actor_role, command_id, correlation_id,
                            causation_id, payload)
                 ), st AS (
                    INSERT INTO {s}.streams (stream_id, last_revision)
                    SELECT * FROM unnest($15::text[], $16::bigint[])
                    ON CONFLICT (stream_id) DO UPDATE SET last_revision = excluded.last_revision
                 ), cm AS (
                    INSERT INTO {s}.commands (command_id, stream_id, first_position,
                        last_position, last_revision, recorded_at)
                    SELECT c.*, $14 FROM unnest($17::uuid[], $18::text[], $19::bigint[],
                        $20::bigint[], $21::bigint[]) AS c
                 ), h AS (
                    UPDATE {s}.log_head SET position = $22, recorded_at = $14
                 )
                 SELECT pg_notify($23, $22::text)"
            ),
            read_all: format!("{select_event} WHERE position >= $1 ORDER BY position LIMIT $2"),
            read_stream: format!(
                "{select_event} WHERE stream_id = $1 AND revision >= $2 ORDER BY revision LIMIT $3"
            ),
            head: format!("SELECT position FROM {s}.log_head"),
            // Like `write`, with each event's and command's own time.
            import: format!(
                "WITH ev AS (
                    INSERT INTO {s}.events (position, id, stream_id, revision, event_type,
                        schema_version, occurred_at, recorded_at, actor_id, actor_role,
                        command_id, correlation_id, causation_id, payload)
                    SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::bigint[],
                        $5::text[], $6::int[], $7::timestamptz[], $8::timestamptz[], $9::text[],
                        $10::text[], $11::uuid[], $12::uuid[], $13::uuid[], $14::text[])
                 ), st AS (
                    INSERT INTO {s}.streams (stream_id, last_revision)
                    SELECT * FROM unnest($15::text[], $16::bigint[])
                    ON CONFLICT (stream_id) DO UPDATE SET last_revision = excluded.last_revision
                 ), cm AS (
                    INSERT INTO {s}.commands (command_id, stream_id, first_position,
                        last_position, last_revision, recorded_at)
                    SELECT * FROM unnest($17::uuid[], $18::text[], $19::bigint[],
                        $20::bigint[], $21::bigint[], $22::timestamptz[])
                 ), h AS (
                    UPDATE {s}.log_head SET position = $23, recorded_at = $24
                 )
                 SELECT pg_notify($25, $23::text)"
            ),
            channel: channel(schema),
        }
    }
}

fn channel(schema: &str) -> String {
    format!("registre_head.{schema}")
}

fn schema_ddl(schema: &str) -> String {
    let s = format!("\"{schema}\"");
    format!(
        "CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE {s}.store_format (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    application text    NOT NULL,
    format      integer NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO {s}.store_format (application, format) VALUES ('{APPLICATION}', {STORE_FORMAT});
-- The last assigned position. Writers lock this row until they commit:
-- positions are handed out in commit order (see the module doc).
CREATE TABLE {s}.log_head (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    position    bigint  NOT NULL,
    recorded_at timestamptz
);
INSERT INTO {s}.log_head (position) VALUES (0);
CREATE TABLE {s}.events (
    position       bigint  PRIMARY KEY,
    id             uuid    NOT NULL UNIQUE,
    stream_id      text    NOT NULL,
    revision       bigint  NOT NULL,
    event_type     text    NOT NULL,
    schema_version integer NOT NULL,
    occurred_at    timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL,
    actor_id       text    NOT NULL,
    actor_role     text    NOT NULL,
    command_id     uuid    NOT NULL,
    correlation_id uuid    NOT NULL,
    causation_id   uuid,
    payload        text    NOT NULL, -- the JSON text exactly as written
    UNIQUE (stream_id, revision)
);
CREATE TABLE {s}.streams (
    stream_id     text   PRIMARY KEY,
    last_revision bigint NOT NULL
);
CREATE TABLE {s}.commands (
    command_id     uuid   PRIMARY KEY,
    stream_id      text   NOT NULL,
    first_position bigint NOT NULL,
    last_position  bigint NOT NULL,
    last_revision  bigint NOT NULL,
    recorded_at    timestamptz NOT NULL
);
-- The log is append-only; these refuse edits made through SQL by mistake.
-- (Deliberate tampering is what the audit tree detects.)
CREATE FUNCTION {s}.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'registre % are append-only', TG_TABLE_NAME; END $$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON {s}.events
    FOR EACH ROW EXECUTE FUNCTION {s}.refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON {s}.events
    FOR EACH STATEMENT EXECUTE FUNCTION {s}.refuse_change();
CREATE TRIGGER commands_append_only BEFORE UPDATE OR DELETE ON {s}.commands
    FOR EACH ROW EXECUTE FUNCTION {s}.refuse_change();
CREATE TRIGGER commands_no_truncate BEFORE TRUNCATE ON {s}.commands
    FOR EACH STATEMENT EXECUTE FUNCTION {s}.refuse_change();
"
    )
}

/// Creates the schema on first open, or checks that it is a registre store
/// of a format this build reads. Leaves anything else untouched.
pub(super) async fn prepare_schema(client: &mut Client, target: &Target) -> Result<(), StoreError> {
    let tx = client.transaction().await.map_err(backend)?;
    match create_or_check(&tx, target).await {
        Ok(()) => tx.commit().await.map_err(backend),
        Err(e) => {
            // Roll back now rather than on drop, so no catalog lock
            // outlives the refusal.
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

async fn create_or_check(
    tx: &tokio_postgres::Transaction<'_>,
    target: &Target,
) -> Result<(), StoreError> {
    let schema = &target.schema;
    // Two processes opening a fresh database at once: one creates, the
    // other waits and then finds the schema made.
    tx.execute(
        "SELECT pg_advisory_xact_lock(1380271921, hashtext($1))",
        &[schema],
    )
    .await
    .map_err(backend)?;
    let objects: i64 = tx
        .query_one(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1",
            &[schema],
        )
        .await
        .map_err(backend)?
        .get(0);
    let not_ours = |detail: String| {
        StoreError::Format(format!(
            "schema {schema:?} of {} is not a registre store ({detail}); name another with ?schema=NAME",
            target.described
        ))
    };
    if objects == 0 {
        tx.batch_execute(&schema_ddl(schema))
            .await
            .map_err(|e| match e.as_db_error() {
                Some(db) => StoreError::Format(format!(
                    "cannot create the registre schema {schema:?} in {}: {}",
                    target.described,
                    db.message()
                )),
                None => backend(e),
            })?;
    } else {
        let has_format: bool = tx
            .query_one(
                "SELECT to_regclass(format('%I.store_format', $1::text)) IS NOT NULL",
                &[schema],
            )
            .await
            .map_err(backend)?
            .get(0);
        if !has_format {
            return Err(not_ours(format!(
                "it holds {objects} other objects and no format record"
            )));
        }
        let row = tx
            .query_opt(
                &format!("SELECT application, format FROM \"{schema}\".store_format"),
                &[],
            )
            .await
            .map_err(|e| not_ours(format!("unreadable format record: {e}")))?
            .ok_or_else(|| not_ours("empty format record".into()))?;
        let application: String = row.try_get(0).map_err(|e| not_ours(e.to_string()))?;
        let format: i32 = row.try_get(1).map_err(|e| not_ours(e.to_string()))?;
        if application != APPLICATION {
            return Err(not_ours(format!("its format record names {application:?}")));
        }
        if format > STORE_FORMAT {
            return Err(StoreError::Format(format!(
                "schema {schema:?} of {} was written by a newer registre (store format {format}); this build reads format {STORE_FORMAT} at most",
                target.described
            )));
        }
    }
    Ok(())
}
