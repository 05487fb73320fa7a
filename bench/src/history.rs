//! A long history at any size, for benchmarks and tests: the demo history
//! (through the command handler), then year after year of dues and
//! sessions decided by the pure domain and written with raw appends until
//! the log holds the number of events asked for.
//!
//! Deterministic from a seed (ids, attendance, votes, payments), apart
//! from what the store assigns (event ids, `recorded_at`).
//!
//! ## What goes through the command handler and what does not
//! - Through the handler (every check, one append per command): the demo
//!   history ([`registre_service::demo::seed`] with all 701 communes: statutes,
//!   territory, bodies, posts, admissions, two years of dues, a Congress
//!   with an election, minutes, a failed quorum and its second
//!   convocation, a resignation, a correction), and each later year's dues
//!   schedule.
//! - Decided by the pure domain ([`Aggregate::decide`] with the facts the
//!   handler's view gives) but written with raw appends, many events per
//!   append and many appends in flight: every later year's payments (one
//!   append per payment, `ExpectedState::Any`) and sessions of every
//!   instance (one append per session: convocation, attendance, opening,
//!   motions, votes, closing; `ExpectedState::NoStream`), and the minutes
//!   of each Congress (drafted and signed).
//!
//! Eligibility (members active and in good standing) is taken from the
//! handler's view once a year, so members in arrears stop being counted.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use registre_domain::context::SessionFact;
use registre_domain::member::{Member, MemberCommand};
use registre_domain::minutes::{Minutes, MinutesCommand};
use registre_domain::session::{Session, SessionCommand};
use registre_domain::statutory::tied;
use registre_domain::{Aggregate, Context, DomainError, Facts, Reason, streams};
use registre_schema::events::{DuesTier, MotionKind, SessionKind, Signatory, Tally, VoteChoice};
use registre_schema::{Actor, CommandMeta, DomainEvent, EventData, Role, StreamId};
use uuid::Uuid;

use registre_service::commands::{CommandError, CommandHandler};
use registre_service::demo::{self, DemoError, DemoSize};
use registre_service::store::{AppendRequest, EventStore, ExpectedState, StoreError};

/// Appends in flight at once while writing (the store commits them in
/// groups).
const IN_FLIGHT: usize = 64;
/// Years the bulk phase may run (a bound, not a target).
const MAX_YEARS: i32 = 500;

/// What the generator did.
#[derive(Debug, Default, Clone)]
pub struct HistoryReport {
    /// Commands issued through the command handler.
    pub commands: usize,
    /// Raw appends written.
    pub appends: usize,
    /// Events in the log at the end.
    pub events: usize,
    /// The last year with dues and sessions.
    pub last_year: i32,
}

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error(transparent)]
    Demo(#[from] DemoError),
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error("the domain refused a generated {what}: {source}")]
    Refused {
        what: &'static str,
        #[source]
        source: DomainError,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn at(date: NaiveDate, hour: u32) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_hms_opt(hour, 0, 0).expect("valid hour"))
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// One aggregate's events decided command after command on a local state.
struct Decider<A: Aggregate<Event = DomainEvent>> {
    state: A::State,
    events: Vec<DomainEvent>,
}

impl<A: Aggregate<Event = DomainEvent>> Decider<A> {
    fn new() -> Self {
        Decider {
            state: A::State::default(),
            events: Vec::new(),
        }
    }

    fn run(
        &mut self,
        ctx: &Context,
        command: A::Command,
        what: &'static str,
    ) -> Result<(), HistoryError> {
        let events = A::decide(&self.state, &command, ctx)
            .map_err(|source| HistoryError::Refused { what, source })?;
        for e in events {
            self.state = A::evolve(std::mem::take(&mut self.state), &e);
            self.events.push(e);
        }
        Ok(())
    }
}

fn encode(events: &[DomainEvent], occurred_at: DateTime<Utc>) -> Vec<EventData> {
    events
        .iter()
        .map(|e| {
            EventData::new(
                e.event_type(),
                e.schema_version(),
                occurred_at,
                e.to_payload(),
            )
        })
        .collect()
}

struct Writer {
    store: Arc<dyn EventStore>,
    pending: Vec<AppendRequest>,
    report: HistoryReport,
    target: usize,
}

impl Writer {
    fn done(&self) -> bool {
        self.report.events >= self.target
    }

    /// Queues an append; writes when enough are queued. Appends beyond
    /// the target are dropped, so the log ends within one append of it.
    async fn push(&mut self, req: AppendRequest) -> Result<(), HistoryError> {
        let queued: usize = self.pending.iter().map(|r| r.events.len()).sum();
        if self.report.events + queued >= self.target {
            return self.flush().await;
        }
        self.pending.push(req);
        if self.pending.len() >= IN_FLIGHT {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), HistoryError> {
        let batch = std::mem::take(&mut self.pending);
        let store = &self.store;
        let results = futures::future::join_all(batch.into_iter().map(|r| store.append(r))).await;
        for r in results {
            let outcome = r?;
            self.report.appends += 1;
            self.report.events += (outcome.last_position - outcome.first_position + 1) as usize;
        }
        Ok(())
    }
}

/// Generates a history of about `target_events` events (at least the demo
/// history, and never more than one append past the target) into the
/// empty store behind `handler`.
pub async fn generate(
    handler: &CommandHandler,
    seed: u64,
    target_events: usize,
) -> Result<HistoryReport, HistoryError> {
    let base = demo::seed(
        handler,
        seed,
        DemoSize {
            communes: 701,
            years: 2,
        },
    )
    .await?;
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x6869_7374_6f72_7921);
    let mut uuid = move || {
        let mut bytes = [0u8; 16];
        bytes.iter_mut().for_each(|b| *b = rng.u8(..));
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    };
    let mut choice_rng = fastrand::Rng::with_seed(seed.wrapping_mul(31).wrapping_add(7));
    let secretariat = Actor {
        id: "secretariat-permanent".into(),
        role: Role::Secretariat,
    };
    let mut w = Writer {
        store: handler.store().clone(),
        pending: Vec::new(),
        report: HistoryReport {
            commands: base.commands,
            events: handler.store().head().await? as usize,
            last_year: 2024,
            ..HistoryReport::default()
        },
        target: target_events,
    };
    // Each member's payment habit: 0 pays on time, 1 pays late, 2 skips
    // some years.
    let mut habits: BTreeMap<Uuid, u8> = BTreeMap::new();
    let meta = |uuid: &mut dyn FnMut() -> Uuid| {
        let command_id = uuid();
        CommandMeta {
            command_id,
            actor: secretariat.clone(),
            correlation_id: command_id,
            causation_id: None,
        }
    };

    let mut year = 2025;
    while !w.done() && year < 2025 + MAX_YEARS {
        // The year's schedule, through the handler.
        let m = meta(&mut uuid);
        let outcome = handler
            .handle(
                m,
                at(day(year, 1, 5), 9),
                registre_domain::dues::SetDuesSchedule {
                    year,
                    tiers: vec![
                        DuesTier {
                            category: "urbaine".into(),
                            amount_xof: 250_000,
                        },
                        DuesTier {
                            category: "rurale".into(),
                            amount_xof: 50_000,
                        },
                    ],
                    due_on: day(year, 3, 31),
                },
            )
            .await?;
        w.report.commands += 1;
        w.report.events += outcome.events.len();

        // The facts of the year, from the handler's caught-up view.
        let convened_on = day(year, 2, 1);
        let (statutes, dues_years, members, instances) = handler
            .with_view(|v| {
                let members: Vec<(Uuid, Member)> =
                    v.members.iter().map(|(id, m)| (*id, m.clone())).collect();
                let mut instances: Vec<_> = v
                    .bodies
                    .values()
                    .filter(|b| b.fact.convened_by_body_id.is_some())
                    .map(|b| {
                        (
                            b.fact.clone(),
                            b.level,
                            v.eligible(Some(b.fact.body_id), convened_on),
                        )
                    })
                    .collect();
                instances.sort_by_key(|(f, _, _)| f.body_id);
                (
                    v.statutes_at(convened_on),
                    v.schedules.years.keys().copied().collect(),
                    members,
                    instances,
                )
            })
            .await?;
        let mut members = members;
        members.sort_by_key(|(id, _)| *id);

        // Payments.
        let facts = Facts {
            dues_years,
            ..Facts::default()
        };
        for (id, member) in &members {
            let habit = *habits
                .entry(*id)
                .or_insert_with(|| match choice_rng.u8(0..100) {
                    0..85 => 0,
                    85..95 => 1,
                    _ => 2,
                });
            if habit == 2 && choice_rng.bool() {
                continue;
            }
            let paid_on =
                day(year, if habit == 1 { 6 } else { 1 }, 20) + Days::new(choice_rng.u64(0..60));
            let ctx = Context::new(at(paid_on, 11), secretariat.clone())
                .with_statutes(statutes.clone())
                .with_facts(facts.clone());
            let amount = if member.dues_category == "urbaine" {
                250_000
            } else {
                50_000
            };
            let command = MemberCommand::RecordPayment {
                member_id: *id,
                year,
                amount_xof: amount,
                paid_on,
                receipt_ref: format!("R-{year}-{}", &id.simple().to_string()[..8]),
            };
            // A member who has left pays nothing: the domain says so.
            let Ok(events) = Member::decide(&Some(member.clone()), &command, &ctx) else {
                continue;
            };
            w.push(AppendRequest {
                stream_id: stream(streams::member(*id))?,
                expected: ExpectedState::Any,
                meta: meta(&mut uuid),
                events: encode(&events, ctx.occurred_at),
            })
            .await?;
            if w.done() {
                break;
            }
        }

        // Sessions: the Congress once a year (in April), every other
        // instance three times (March, July, November): enough records a
        // year for a history of a million events to end within the years
        // the domain dates (`registre_domain::dates::YEARS`).
        for (fact, level, eligible) in &instances {
            if eligible.is_empty() {
                continue;
            }
            let national_congress = matches!(level, registre_schema::events::BodyLevel::National);
            let sittings = if national_congress { 1 } else { 3 };
            for sitting in 0..sittings {
                let month = if national_congress {
                    4
                } else {
                    3 + 4 * sitting
                };
                let session_day = day(year, month, 10);
                let convened = day(year, month - 2, 1);
                let session_id = uuid();
                let mut facts = Facts {
                    eligible_members: eligible.clone(),
                    ..Facts::default()
                };
                facts.bodies.insert(fact.body_id, fact.clone());
                let ctx = Context::new(at(convened, 9), secretariat.clone())
                    .with_statutes(statutes.clone())
                    .with_facts(facts);
                let mut d = Decider::<Session>::new();
                let motions = 3u32;
                d.run(
                    &ctx,
                    SessionCommand::Convene {
                        session_id,
                        body_id: fact.body_id,
                        convened_by_body_id: fact.convened_by_body_id.unwrap_or(fact.body_id),
                        kind: SessionKind::Ordinary,
                        convened_on: convened,
                        session_date: session_day,
                        place: "Siège de l'AMM, Bamako".into(),
                        agenda: (0..motions)
                            .map(|i| format!("Point {} de l'ordre du jour", i + 1))
                            .collect(),
                        second_convocation_of: None,
                        request: None,
                    },
                    "convocation",
                )?;
                let present: Vec<Uuid> = eligible
                    .iter()
                    .copied()
                    .filter(|_| choice_rng.u8(0..100) < 85)
                    .collect();
                for m in &present {
                    d.run(
                        &ctx,
                        SessionCommand::RecordAttendance {
                            session_id,
                            member_id: *m,
                            delegate_name: format!(
                                "Maire de la commune {}",
                                &m.simple().to_string()[..6]
                            ),
                        },
                        "attendance",
                    )?;
                }
                d.run(
                    &ctx,
                    SessionCommand::Open {
                        session_id,
                        opened_at: at(session_day, 10),
                    },
                    "opening",
                )?;
                // A small body may miss its quorum: the session ends there,
                // as the domain decided.
                let quorum_failed = d.events.iter().any(|e| e.event_type() == "QuorumFailed");
                let motions = if quorum_failed { 0 } else { motions };
                for item in 0..motions {
                    let motion_id = uuid();
                    d.run(
                        &ctx,
                        SessionCommand::TableMotion {
                            session_id,
                            motion_id,
                            agenda_item: item,
                            kind: MotionKind::Ordinary,
                            title: format!("Résolution {} de la session", item + 1),
                            text: "Le texte soumis au vote.".into(),
                            subject_member_id: None,
                        },
                        "motion",
                    )?;
                    let (mut votes_for, mut votes_against) = (0u32, 0u32);
                    for m in &present {
                        let roll = choice_rng.u8(0..100);
                        let choice = match roll {
                            0..75 => VoteChoice::For,
                            75..92 => VoteChoice::Against,
                            _ => VoteChoice::Abstain,
                        };
                        votes_for += u32::from(choice == VoteChoice::For);
                        votes_against += u32::from(choice == VoteChoice::Against);
                        d.run(
                            &ctx,
                            SessionCommand::RecordVote {
                                session_id,
                                motion_id,
                                member_id: *m,
                                choice,
                                proxy_holder_member_id: None,
                            },
                            "vote",
                        )?;
                    }
                    d.run(
                        &ctx,
                        SessionCommand::CloseVote {
                            session_id,
                            motion_id,
                            // On a tie the statutes leave to the chair, the
                            // chair votes for.
                            casting_vote: statutes
                                .as_ref()
                                .is_some_and(|s| {
                                    let tally = Tally {
                                        votes_for,
                                        votes_against,
                                        abstentions: 0,
                                        absent: 0,
                                    };
                                    // The chair decides only a simple majority
                                    // of the votes cast: abstentions and the
                                    // absent do not change its base.
                                    tied(s, fact.statutory_body, MotionKind::Ordinary, &tally, 0, 0)
                                })
                                .then_some(VoteChoice::For),
                        },
                        "vote closing",
                    )?;
                }
                if !quorum_failed {
                    d.run(
                        &ctx,
                        SessionCommand::Close {
                            session_id,
                            closed_at: at(session_day, 17),
                        },
                        "closing",
                    )?;
                }
                let session_stream = stream(streams::session(session_id))?;
                if d.events.len() > registre_service::store::MAX_EVENTS_PER_APPEND {
                    // Larger than one append may carry: write in parts.
                    let mut revision = None;
                    for part in d
                        .events
                        .chunks(registre_service::store::MAX_EVENTS_PER_APPEND)
                    {
                        let req = AppendRequest {
                            stream_id: session_stream.clone(),
                            expected: ExpectedState::of(revision),
                            meta: meta(&mut uuid),
                            events: encode(part, at(session_day, 10)),
                        };
                        revision = Some(
                            revision.map_or(part.len() as u64 - 1, |r: u64| r + part.len() as u64),
                        );
                        w.push(req).await?;
                        w.flush().await?;
                    }
                } else {
                    w.push(AppendRequest {
                        stream_id: session_stream,
                        expected: ExpectedState::NoStream,
                        meta: meta(&mut uuid),
                        events: encode(&d.events, at(session_day, 10)),
                    })
                    .await?;
                }
                if national_congress && !quorum_failed {
                    // Its minutes: drafted, signed by the president and the
                    // secretary (the session must be on the log first).
                    w.flush().await?;
                    let mut facts = Facts::default();
                    facts.sessions.insert(
                        session_id,
                        SessionFact {
                            session_id,
                            body_id: fact.body_id,
                            session_date: session_day,
                            quorum_failed: false,
                            convened_again: None,
                            open: false,
                            closed: true,
                            voters: 0,
                        },
                    );
                    let drafted = session_day + Days::new(7);
                    let ctx = Context::new(at(drafted, 9), secretariat.clone())
                        .with_statutes(statutes.clone())
                        .with_facts(facts);
                    let minutes_id = uuid();
                    let mut d = Decider::<Minutes>::new();
                    d.run(
                        &ctx,
                        MinutesCommand::Draft {
                            minutes_id,
                            session_id,
                            sha256: format!("{:064x}", u128::from_le_bytes(*uuid().as_bytes())),
                            document_ref: format!("PV/CONGRES/{year}/01"),
                            drafted_on: drafted,
                        },
                        "minutes",
                    )?;
                    for (signatory, name) in [
                        (Signatory::President, "Président du BEN"),
                        (Signatory::Secretary, "Secrétaire général du BEN"),
                    ] {
                        d.run(
                            &ctx,
                            MinutesCommand::Sign {
                                minutes_id,
                                signatory,
                                signatory_name: name.into(),
                                signed_on: drafted,
                            },
                            "signature",
                        )?;
                    }
                    w.push(AppendRequest {
                        stream_id: stream(streams::minutes(minutes_id))?,
                        expected: ExpectedState::NoStream,
                        meta: meta(&mut uuid),
                        events: encode(&d.events, at(drafted, 9)),
                    })
                    .await?;
                }
                if w.done() {
                    break;
                }
            }
            if w.done() {
                break;
            }
        }
        w.flush().await?;
        w.report.last_year = year;
        year += 1;
    }
    w.flush().await?;
    w.report.events = w.store.head().await? as usize;
    Ok(w.report)
}

fn stream(name: String) -> Result<StreamId, HistoryError> {
    StreamId::new(name).map_err(|_| HistoryError::Refused {
        what: "stream name",
        source: DomainError::InvalidTerritorialUnit {
            code: String::new(),
            reason: Reason::new(
                "a generated stream name is invalid",
                "un nom de flux généré est invalide",
            ),
        },
    })
}
