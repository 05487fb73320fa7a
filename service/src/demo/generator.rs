//! The generator's state: its seeded RNG (every id comes from it, in
//! order) and the helpers that issue commands and count what they appended.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use registre_schema::{Actor, CommandMeta};
use uuid::Uuid;

use crate::commands::{Command, CommandHandler};

use super::{DemoError, DemoReport};

pub(super) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid demo date")
}

pub(super) fn at(date: NaiveDate, hour: u32) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_hms_opt(hour, 0, 0).expect("valid hour"))
}

pub(super) struct Gen<'a> {
    pub(super) handler: &'a CommandHandler,
    pub(super) rng: fastrand::Rng,
    pub(super) report: DemoReport,
    pub(super) secretariat: Actor,
}

impl Gen<'_> {
    pub(super) fn uuid(&mut self) -> Uuid {
        let mut bytes = [0u8; 16];
        bytes.iter_mut().for_each(|b| *b = self.rng.u8(..));
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    fn meta(&mut self, actor: &Actor) -> CommandMeta {
        let command_id = self.uuid();
        CommandMeta {
            command_id,
            actor: actor.clone(),
            correlation_id: command_id,
            causation_id: None,
        }
    }

    pub(super) async fn run(
        &mut self,
        actor: Option<Actor>,
        when: DateTime<Utc>,
        command: impl Into<Command>,
    ) -> Result<(), DemoError> {
        let command = command.into();
        let actor = actor.unwrap_or_else(|| self.secretariat.clone());
        let meta = self.meta(&actor);
        let label = format!("{command:?}").chars().take(120).collect::<String>();
        let outcome = self
            .handler
            .handle(meta, when, command)
            .await
            .map_err(|source| DemoError::Command {
                step: label,
                source,
            })?;
        self.report.commands += 1;
        self.report.events += outcome.events.len();
        Ok(())
    }

    /// Runs commands on distinct streams concurrently (the store's group
    /// commit makes this much faster than one by one).
    pub(super) async fn run_many(
        &mut self,
        batch: Vec<(DateTime<Utc>, Command)>,
    ) -> Result<(), DemoError> {
        for chunk in batch.chunks(64) {
            let actor = self.secretariat.clone();
            let metas: Vec<_> = chunk.iter().map(|_| self.meta(&actor)).collect();
            let handler = self.handler;
            let results = futures::future::join_all(chunk.iter().zip(metas).map(
                |((when, c), meta)| async move {
                    (
                        format!("{c:?}").chars().take(120).collect::<String>(),
                        handler.handle(meta, *when, c.clone()).await,
                    )
                },
            ))
            .await;
            for (label, r) in results {
                let outcome = r.map_err(|source| DemoError::Command {
                    step: label,
                    source,
                })?;
                self.report.commands += 1;
                self.report.events += outcome.events.len();
            }
        }
        Ok(())
    }
}
