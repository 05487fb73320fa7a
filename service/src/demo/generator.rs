//! The generator's state: its seeded RNG (every id comes from it, in
//! order) and the helpers that issue commands and count what they appended.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use registre_domain::statutory::tied;
use registre_schema::events::{MotionKind, Tally};
use registre_schema::{Actor, CommandMeta, Role};
use uuid::Uuid;

use crate::commands::{Command, CommandError, CommandHandler, Outcome};

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

impl<'a> Gen<'a> {
    /// Commands are the permanent secretariat's unless a step names
    /// another actor.
    pub(super) fn new(handler: &'a CommandHandler, seed: u64) -> Self {
        Gen {
            handler,
            rng: fastrand::Rng::with_seed(seed),
            report: DemoReport::default(),
            secretariat: Actor {
                id: "secretariat-permanent".into(),
                role: Role::Secretariat,
            },
        }
    }

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
        let label = label(&command);
        let outcome = self.handler.handle(meta, when, command).await;
        self.count(label, outcome)
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
                    (label(c), handler.handle(meta, *when, c.clone()).await)
                },
            ))
            .await;
            for (label, outcome) in results {
                self.count(label, outcome)?;
            }
        }
        Ok(())
    }

    /// The members a session of `body_id` convened on `date` would count.
    pub(super) async fn eligible(
        &self,
        body_id: Uuid,
        date: NaiveDate,
    ) -> Result<Vec<Uuid>, DemoError> {
        let eligible = self
            .handler
            .with_view(|v| v.eligible(Some(body_id), date))
            .await
            .map_err(|source| DemoError::Command {
                step: "eligible list".into(),
                source,
            })?;
        Ok(eligible.into_iter().collect())
    }

    /// Whether a motion's vote is tied where the chair decides: the rule
    /// of its kind in the session's body, counted on `tally`.
    pub(super) async fn tied(
        &self,
        body_id: Uuid,
        date: NaiveDate,
        kind: MotionKind,
        tally: &Tally,
        present: u32,
        members: u32,
    ) -> Result<bool, DemoError> {
        self.handler
            .with_view(|v| {
                let body = v.bodies.get(&body_id).and_then(|b| b.fact.statutory_body);
                v.statutes_at(date)
                    .is_some_and(|s| tied(&s, body, kind, tally, members, present))
            })
            .await
            .map_err(|source| DemoError::Command {
                step: "tie".into(),
                source,
            })
    }

    fn count(
        &mut self,
        label: String,
        outcome: Result<Outcome, CommandError>,
    ) -> Result<(), DemoError> {
        let outcome = outcome.map_err(|source| DemoError::Command {
            step: label,
            source,
        })?;
        self.report.commands += 1;
        self.report.events += outcome.events.len();
        Ok(())
    }
}

/// A refused command is named by the start of its debug form.
fn label(command: &Command) -> String {
    format!("{command:?}").chars().take(120).collect()
}
