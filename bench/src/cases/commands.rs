//! The command cases: durable appends through the command handler, on the
//! demo history, by 1 to 64 writers.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use registre_domain::member::MemberCommand;
use registre_schema::{Actor, CommandMeta, Role};
use registre_service::commands::CommandHandler;
use registre_service::store::EventStore;

use super::backend::Backend;
use super::figures::Figures;

/// Durable appends through the command handler: each writer records dues
/// payments for its own share of the members, one command at a time.
pub(super) async fn command_cases(
    dir: &Path,
    backend: &Backend,
    commands: usize,
    writers: &[usize],
) -> anyhow::Result<()> {
    let case = backend.fresh(dir, "commands").await?;
    let result = command_cases_on(case.store.clone(), backend, commands, writers).await;
    case.finish().await?;
    result
}

async fn command_cases_on(
    store: Arc<dyn EventStore>,
    backend: &Backend,
    commands: usize,
    writers: &[usize],
) -> anyhow::Result<()> {
    let handler = Arc::new(CommandHandler::new(store));
    let t = Instant::now();
    let seeded = registre_service::demo::seed(
        &handler,
        7,
        registre_service::demo::DemoSize {
            communes: 701,
            years: 2,
        },
    )
    .await?;
    println!(
        "command handler: seeded the demo ({} commands, {} events) in {:.1} s",
        seeded.commands,
        seeded.events,
        t.elapsed().as_secs_f64()
    );
    let mut members: Vec<uuid::Uuid> = handler
        .with_view(|v| {
            v.members
                .iter()
                .filter(|(_, m)| m.status.is_member())
                .map(|(id, _)| *id)
                .collect()
        })
        .await?;
    members.sort();
    println!(
        "durable append through the command handler (recordPayment), {commands} commands per case ({}):",
        backend.name()
    );
    for (case, &writers) in writers.iter().enumerate() {
        let writers = writers.clamp(1, members.len().max(1));
        let per_writer = commands.div_ceil(writers);
        let start = Instant::now();
        let mut tasks = Vec::new();
        for w in 0..writers {
            let mine: Vec<uuid::Uuid> = members.iter().skip(w).step_by(writers).copied().collect();
            let handler = handler.clone();
            tasks.push(tokio::spawn(async move {
                let actor = Actor {
                    id: "secretariat-permanent".into(),
                    role: Role::Secretariat,
                };
                let mut latencies = Vec::with_capacity(per_writer);
                let mut events = 0usize;
                let paid_on = chrono::NaiveDate::from_ymd_opt(2024, 5, 2).expect("valid date");
                let when = chrono::DateTime::from_naive_utc_and_offset(
                    paid_on.and_hms_opt(10, 0, 0).expect("valid time"),
                    chrono::Utc,
                );
                for n in 0..per_writer {
                    let command = MemberCommand::RecordPayment {
                        member_id: mine[n % mine.len()],
                        year: 2024,
                        amount_xof: 1_000,
                        paid_on,
                        receipt_ref: format!("B-{case}-{w}-{n}"),
                    };
                    let t = Instant::now();
                    let outcome = handler
                        .handle(CommandMeta::new(actor.clone()), when, command)
                        .await?;
                    latencies.push(t.elapsed());
                    events += outcome.events.len();
                }
                anyhow::Ok((latencies, events))
            }));
        }
        let mut latencies = Vec::new();
        let mut events = 0;
        for t in tasks {
            let (l, e) = t.await??;
            latencies.extend(l);
            events += e;
        }
        let f = Figures {
            label: format!("{writers} writer{}", if writers == 1 { "" } else { "s" }),
            commands: latencies.len(),
            events,
            elapsed: start.elapsed(),
            latencies,
        };
        println!("  {f}");
    }
    Ok(())
}
