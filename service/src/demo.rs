//! The demo history generator: a realistic, deterministic history issued
//! through the command handler, so every event is one the domain accepted.
//!
//! Deterministic from a seed (ids, choices, payments), apart from what the
//! store assigns (event ids, `recorded_at`). [`DemoSize`] scales it: the
//! benchmarks reuse it at larger sizes.
//!
//! # Layout
//! - `generator.rs`: the generator's state, its seeded RNG and command helpers.
//! - `session.rs`: attendance with proxies and a motion's vote.

use std::collections::BTreeMap;

use chrono::Datelike;
use registre_domain::body::BodyCommand;
use registre_domain::correction::CorrectRecord;
use registre_domain::dues::SetDuesSchedule;
use registre_domain::member::MemberCommand;
use registre_domain::minutes::MinutesCommand;
use registre_domain::session::SessionCommand;
use registre_domain::statutes::{StatutesCommand, defaults};
use registre_domain::streams::member_id_for;
use registre_domain::territory::{TerritoryCommand, UnitRow};
use registre_schema::events::{
    BodyKind, BodyLevel, DuesTier, MandateEndReason, MotionKind, SessionKind, Signatory,
    TerritorialLevel, TerritorialUnitKey,
};
use registre_schema::{Actor, Role, StreamId};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::commands::{CommandError, CommandHandler};
use crate::store::StoreError;

mod generator;
mod session;

use generator::{Gen, at, day};
use session::{attend, hex, vote_motion};

/// The 2015 reference list shipped with registre.
pub const MALI_2015_CSV: &str = include_str!("../../data/mali-admin-2015.csv");

/// How big a history to generate.
#[derive(Debug, Clone, Copy)]
pub struct DemoSize {
    /// Communes admitted (at most the 701 of the 2015 list).
    pub communes: usize,
    /// Dues years, ending with 2024.
    pub years: i32,
}

impl Default for DemoSize {
    fn default() -> Self {
        DemoSize {
            communes: 300,
            years: 8,
        }
    }
}

/// What the generator did.
#[derive(Debug, Default, Clone)]
pub struct DemoReport {
    pub commands: usize,
    pub events: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the store is not empty: the demo only seeds an empty store")]
    NotEmpty,
    #[error("demo command {step} refused: {source}")]
    Command {
        step: String,
        #[source]
        source: CommandError,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the shipped territory list is unreadable: {0}")]
    Territory(String),
}

struct Commune {
    id: Uuid,
    name: String,
    category: &'static str,
    /// 0: pays on time; 1: stops paying; 2: pays half some years.
    habit: u8,
    stops_in: i32,
}

/// Seeds an empty store through `handler`.
pub async fn seed(
    handler: &CommandHandler,
    seed: u64,
    size: DemoSize,
) -> Result<DemoReport, DemoError> {
    if handler.store().head().await? != 0 {
        return Err(DemoError::NotEmpty);
    }
    let mut g = Gen {
        handler,
        rng: fastrand::Rng::with_seed(seed),
        report: DemoReport::default(),
        secretariat: Actor {
            id: "secretariat-permanent".into(),
            role: Role::Secretariat,
        },
    };
    let system = Some(Actor::system());

    // Statutes and territory.
    let founding = day(2001, 2, 1);
    g.run(
        system.clone(),
        at(founding, 9),
        StatutesCommand::Adopt {
            statutes: defaults(founding),
            reference: "Statuts adoptés par l'Assemblée générale constitutive".into(),
        },
    )
    .await?;
    let units = crate::territory_csv::parse(MALI_2015_CSV.as_bytes())
        .map_err(|e| DemoError::Territory(e.to_string()))?;
    g.run(
        system,
        at(day(2015, 4, 8), 9),
        TerritoryCommand::Import {
            scheme: "ocha-pcode".into(),
            edition: "2015".into(),
            units: units.clone(),
        },
    )
    .await?;
    let key = |code: &str| TerritorialUnitKey {
        scheme: "ocha-pcode".into(),
        edition: "2015".into(),
        code: code.into(),
    };

    // Bodies and posts.
    let start = day(2016, 1, 10);
    let ben = g.uuid();
    let congress = g.uuid();
    let council = g.uuid();
    let secretariat_body = g.uuid();
    let national = [
        (ben, "Bureau Exécutif National", BodyKind::Organ, None, None),
        (
            secretariat_body,
            "Secrétariat permanent",
            BodyKind::Organ,
            None,
            Some(ben),
        ),
        (congress, "Congrès", BodyKind::Instance, Some(ben), None),
        (
            council,
            "Conseil National",
            BodyKind::Instance,
            Some(ben),
            None,
        ),
    ];
    for (body_id, name, kind, convened_by, parent) in national {
        g.run(
            None,
            at(start, 9),
            BodyCommand::Establish {
                body_id,
                name: name.into(),
                kind,
                level: BodyLevel::National,
                territorial_unit: None,
                convened_by_body_id: convened_by,
                parent_body_id: parent,
            },
        )
        .await?;
    }
    let mut ben_posts = Vec::new();
    for (title, seats) in [
        ("Président", 1),
        ("Vice-président", 3),
        ("Secrétaire général", 1),
        ("Trésorier", 1),
        ("Trésorier adjoint", 1),
        ("Secrétaire à l'organisation", 1),
    ] {
        let post_id = g.uuid();
        ben_posts.push((post_id, title, seats));
        g.run(
            None,
            at(start, 10),
            BodyCommand::DefinePost {
                body_id: ben,
                post_id,
                title: title.into(),
                seats,
            },
        )
        .await?;
    }
    let regions: Vec<&UnitRow> = units
        .iter()
        .filter(|u| u.level == TerritorialLevel::Region)
        .collect();
    for region in &regions {
        let bureau = g.uuid();
        let conference = g.uuid();
        for (body_id, name, kind, convened_by) in [
            (
                bureau,
                format!("Bureau de la Coordination Régionale de {}", region.name),
                BodyKind::Organ,
                None,
            ),
            (
                conference,
                format!("Conférence Régionale de {}", region.name),
                BodyKind::Instance,
                Some(bureau),
            ),
        ] {
            g.run(
                None,
                at(start, 11),
                BodyCommand::Establish {
                    body_id,
                    name,
                    kind,
                    level: BodyLevel::Regional,
                    territorial_unit: Some(key(&region.code)),
                    convened_by_body_id: convened_by,
                    parent_body_id: Some(ben),
                },
            )
            .await?;
        }
        for title in ["Président", "Secrétaire", "Trésorier"] {
            let post_id = g.uuid();
            g.run(
                None,
                at(start, 12),
                BodyCommand::DefinePost {
                    body_id: bureau,
                    post_id,
                    title: title.into(),
                    seats: 1,
                },
            )
            .await?;
        }
    }
    // Cercle bodies for the cercles of the first region.
    let first_region = regions.first().map(|r| r.code.clone()).unwrap_or_default();
    let cercles: Vec<&UnitRow> = units
        .iter()
        .filter(|u| {
            u.level == TerritorialLevel::Cercle
                && u.parent_code.as_deref() == Some(first_region.as_str())
        })
        .collect();
    for cercle in cercles {
        let bureau = g.uuid();
        let assembly = g.uuid();
        for (body_id, name, kind, convened_by) in [
            (
                bureau,
                format!("Bureau du Cercle de {}", cercle.name),
                BodyKind::Organ,
                None,
            ),
            (
                assembly,
                format!("Assemblée de Cercle de {}", cercle.name),
                BodyKind::Instance,
                Some(bureau),
            ),
        ] {
            g.run(
                None,
                at(start, 14),
                BodyCommand::Establish {
                    body_id,
                    name,
                    kind,
                    level: BodyLevel::Cercle,
                    territorial_unit: Some(key(&cercle.code)),
                    convened_by_body_id: convened_by,
                    parent_body_id: Some(ben),
                },
            )
            .await?;
        }
    }

    // Admissions.
    let mut candidates: Vec<&UnitRow> = units
        .iter()
        .filter(|u| u.level == TerritorialLevel::Commune)
        .collect();
    g.rng.shuffle(&mut candidates);
    candidates.truncate(size.communes.min(candidates.len()));
    let last_year = 2024;
    let first_year = last_year - size.years.max(2) + 1;
    let mut communes = Vec::new();
    let mut batch = Vec::new();
    for (n, u) in candidates.iter().enumerate() {
        let unit = key(&u.code);
        let category = if u.code.starts_with("ML09") {
            "urbaine"
        } else {
            "rurale"
        };
        let admitted_on = day(first_year - 1, 1, 15) + chrono::Days::new(g.rng.u64(0..300));
        let habit = match g.rng.u8(0..100) {
            0..80 => 0,
            80..92 => 1,
            _ => 2,
        };
        let stops_in = g.rng.i32(first_year..=last_year);
        communes.push(Commune {
            id: member_id_for(&unit),
            name: u.name.clone(),
            category,
            habit,
            stops_in,
        });
        batch.push((
            at(admitted_on, 10),
            MemberCommand::Admit {
                unit,
                name: u.name.clone(),
                dues_category: category.into(),
                admitted_on,
                deliberation_ref: format!("Délibération du conseil communal n°{:03}", n + 1),
                decision_ref: format!("Décision BEN n°{}-{:03}", admitted_on.year(), n + 1),
            }
            .into(),
        ));
    }
    g.run_many(batch).await?;

    // Dues schedules and payments.
    let amounts = [("urbaine", 250_000i64), ("rurale", 50_000i64)];
    for year in first_year..=last_year {
        g.run(
            None,
            at(day(year, 1, 5), 9),
            SetDuesSchedule {
                year,
                tiers: amounts
                    .iter()
                    .map(|(c, a)| DuesTier {
                        category: (*c).into(),
                        amount_xof: *a,
                    })
                    .collect(),
                due_on: day(year, 3, 31),
            },
        )
        .await?;
    }
    let owed: BTreeMap<&str, i64> = amounts.into_iter().collect();
    let mut receipt = 0u32;
    let mut first_payment = None;
    for year in first_year..=last_year {
        let mut batch = Vec::new();
        for c in &communes {
            let amount = owed[c.category];
            let pays = match c.habit {
                0 => year < last_year || g.rng.u8(0..100) < 60,
                1 => year < c.stops_in,
                _ => g.rng.bool(),
            };
            let amount = if c.habit == 2 && !pays {
                amount / 2
            } else if pays {
                amount
            } else {
                continue;
            };
            receipt += 1;
            let paid_on = day(year, 1, 20) + chrono::Days::new(g.rng.u64(0..60));
            first_payment.get_or_insert(c.id);
            batch.push((
                at(paid_on, 11),
                MemberCommand::RecordPayment {
                    member_id: c.id,
                    year,
                    amount_xof: amount,
                    paid_on,
                    receipt_ref: format!("R-{year}-{receipt:05}"),
                }
                .into(),
            ));
        }
        g.run_many(batch).await?;
    }

    // A member with long arrears is suspended.
    if let Some(c) = communes
        .iter()
        .find(|c| c.habit == 1 && c.stops_in <= last_year - 3)
    {
        g.run(
            None,
            at(day(2024, 1, 15), 10),
            MemberCommand::Suspend {
                member_id: c.id,
                effective_on: day(2024, 1, 15),
                reason: "Cotisations impayées depuis trois exercices".into(),
            },
        )
        .await?;
    }

    // The Congress: convened with notice, attendance, proxies, quorum,
    // motions, the bureau's election, closing.
    let congress_session = g.uuid();
    let congress_day = day(2024, 3, 1);
    g.run(
        None,
        at(day(2024, 2, 1), 9),
        SessionCommand::Convene {
            session_id: congress_session,
            body_id: congress,
            convened_by_body_id: ben,
            kind: SessionKind::Ordinary,
            convened_on: day(2024, 2, 1),
            session_date: congress_day,
            place: "Centre International de Conférences de Bamako".into(),
            agenda: vec![
                "Rapport d'activités 2019-2023".into(),
                "Modification des statuts : délai de convocation".into(),
                "Élection du Bureau Exécutif National".into(),
            ],
            second_convocation_of: None,
        },
    )
    .await?;
    let eligible: Vec<Uuid> = handler
        .with_view(|v| v.eligible(Some(congress), day(2024, 2, 1)))
        .await
        .map_err(|source| DemoError::Command {
            step: "eligible list".into(),
            source,
        })?
        .into_iter()
        .collect();
    let names: BTreeMap<Uuid, &str> = communes.iter().map(|c| (c.id, c.name.as_str())).collect();
    let (present, proxies) = attend(
        &mut g,
        congress_session,
        &eligible,
        &names,
        80,
        true,
        congress_day,
    )
    .await?;
    g.run(
        None,
        at(congress_day, 10),
        SessionCommand::Open {
            session_id: congress_session,
            opened_at: at(congress_day, 10),
        },
    )
    .await?;
    let motions = [
        (
            0,
            MotionKind::Ordinary,
            "Adoption du rapport d'activités 2019-2023",
            90u8,
        ),
        (
            1,
            MotionKind::StatuteAmendment,
            "Porter le délai de convocation des sessions ordinaires à 30 jours",
            55,
        ),
        (
            2,
            MotionKind::Election,
            "Élection du Bureau Exécutif National",
            85,
        ),
    ];
    for (item, kind, title, support) in motions {
        vote_motion(
            &mut g,
            congress_session,
            item,
            kind,
            title,
            support,
            &present,
            &proxies,
            at(congress_day, 11 + item),
        )
        .await?;
    }
    // The bureau: one candidate per seat among the members present.
    let mut holders = Vec::new();
    let mut pool = present.clone();
    g.rng.shuffle(&mut pool);
    for (post_id, title, seats) in &ben_posts {
        for _ in 0..*seats {
            let Some(member) = pool.pop() else { break };
            let mandate_id = g.uuid();
            let holder_name = format!("Maire de {}", names.get(&member).unwrap_or(&"?"));
            holders.push((*post_id, mandate_id, *title, holder_name.clone()));
            g.run(
                None,
                at(congress_day, 15),
                BodyCommand::ElectOfficer {
                    body_id: ben,
                    post_id: *post_id,
                    mandate_id,
                    member_id: member,
                    holder_name,
                    session_id: Some(congress_session),
                    starts_on: congress_day,
                },
            )
            .await?;
        }
    }
    g.run(
        None,
        at(congress_day, 18),
        SessionCommand::Close {
            session_id: congress_session,
            closed_at: at(congress_day, 18),
        },
    )
    .await?;

    // The minutes: drafted with the document's hash, signed.
    let minutes_id = g.uuid();
    let document = format!(
        "Procès-verbal du Congrès ordinaire du {congress_day}\nPrésents : {}\nProcurations : {}\n",
        present.len(),
        proxies.len()
    );
    let sha256 = hex(&Sha256::digest(document.as_bytes()));
    g.run(
        None,
        at(day(2024, 3, 8), 9),
        MinutesCommand::Draft {
            minutes_id,
            session_id: congress_session,
            sha256: sha256.clone(),
            document_ref: "PV/CONGRES/2024/01".into(),
            drafted_on: day(2024, 3, 8),
        },
    )
    .await?;
    let president = holders
        .iter()
        .find(|h| h.2 == "Président")
        .map(|h| h.3.clone())
        .unwrap_or_else(|| "Président".into());
    let secretary = holders
        .iter()
        .find(|h| h.2 == "Secrétaire général")
        .map(|h| h.3.clone())
        .unwrap_or_else(|| "Secrétaire général".into());
    for (signatory, name) in [
        (Signatory::President, president),
        (Signatory::Secretary, secretary),
    ] {
        g.run(
            None,
            at(day(2024, 3, 12), 9),
            MinutesCommand::Sign {
                minutes_id,
                signatory,
                signatory_name: name,
                signed_on: day(2024, 3, 12),
            },
        )
        .await?;
    }

    // The Conseil National fails quorum; its second convocation deliberates
    // without quorum, adopts the Congress minutes and a budget.
    let first = g.uuid();
    let first_day = day(2024, 6, 5);
    g.run(
        None,
        at(day(2024, 5, 15), 9),
        SessionCommand::Convene {
            session_id: first,
            body_id: council,
            convened_by_body_id: ben,
            kind: SessionKind::Ordinary,
            convened_on: day(2024, 5, 15),
            session_date: first_day,
            place: "Siège de l'AMM, Bamako".into(),
            agenda: vec![
                "Adoption du procès-verbal du Congrès".into(),
                "Budget 2025".into(),
            ],
            second_convocation_of: None,
        },
    )
    .await?;
    let council_eligible: Vec<Uuid> = handler
        .with_view(|v| v.eligible(Some(council), day(2024, 5, 15)))
        .await
        .map_err(|source| DemoError::Command {
            step: "eligible list".into(),
            source,
        })?
        .into_iter()
        .collect();
    attend(
        &mut g,
        first,
        &council_eligible,
        &names,
        30,
        false,
        first_day,
    )
    .await?;
    g.run(
        None,
        at(first_day, 10),
        SessionCommand::Open {
            session_id: first,
            opened_at: at(first_day, 10),
        },
    )
    .await?;
    let second = g.uuid();
    let second_day = day(2024, 6, 25);
    g.run(
        None,
        at(day(2024, 6, 6), 9),
        SessionCommand::Convene {
            session_id: second,
            body_id: council,
            convened_by_body_id: ben,
            kind: SessionKind::Ordinary,
            convened_on: day(2024, 6, 6),
            session_date: second_day,
            place: "Siège de l'AMM, Bamako".into(),
            agenda: vec![
                "Adoption du procès-verbal du Congrès".into(),
                "Budget 2025".into(),
            ],
            second_convocation_of: Some(first),
        },
    )
    .await?;
    let second_eligible: Vec<Uuid> = handler
        .with_view(|v| v.eligible(Some(council), day(2024, 6, 6)))
        .await
        .map_err(|source| DemoError::Command {
            step: "eligible list".into(),
            source,
        })?
        .into_iter()
        .collect();
    let (present2, proxies2) = attend(
        &mut g,
        second,
        &second_eligible,
        &names,
        25,
        false,
        second_day,
    )
    .await?;
    g.run(
        None,
        at(second_day, 10),
        SessionCommand::Open {
            session_id: second,
            opened_at: at(second_day, 10),
        },
    )
    .await?;
    g.run(
        None,
        at(second_day, 11),
        MinutesCommand::Adopt {
            minutes_id,
            adopted_in_session_id: second,
            adopted_on: second_day,
            sha256,
        },
    )
    .await?;
    vote_motion(
        &mut g,
        second,
        1,
        MotionKind::Ordinary,
        "Adoption du budget 2025",
        80,
        &present2,
        &proxies2,
        at(second_day, 12),
    )
    .await?;
    g.run(
        None,
        at(second_day, 17),
        SessionCommand::Close {
            session_id: second,
            closed_at: at(second_day, 17),
        },
    )
    .await?;

    // A vice-president resigns.
    if let Some((post_id, mandate_id, _, _)) = holders.iter().find(|h| h.2 == "Vice-président") {
        g.run(
            None,
            at(day(2024, 9, 2), 9),
            BodyCommand::EndMandate {
                body_id: ben,
                post_id: *post_id,
                mandate_id: *mandate_id,
                ended_on: day(2024, 9, 1),
                reason: MandateEndReason::Resignation,
            },
        )
        .await?;
    }

    // A correction: a payment's receipt number was mistyped.
    if let Some(member) = first_payment {
        let stream = StreamId::new(format!("member-{member}")).expect("valid stream id");
        let events = handler.store().read_stream(&stream, 0, 100).await?;
        if let Some(paid) = events.iter().find(|e| e.event_type == "DuesPaid") {
            let correction_id = g.uuid();
            g.run(
                None,
                at(day(2024, 10, 1), 9),
                CorrectRecord {
                    correction_id,
                    corrected_event_id: paid.id,
                    corrected_stream_id: stream.to_string(),
                    reason: "Numéro de reçu mal saisi".into(),
                    correction: "Le numéro du reçu est celui du carnet 2, pas du carnet 1".into(),
                },
            )
            .await?;
        }
    }
    Ok(g.report)
}
