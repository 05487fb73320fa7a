//! Session steps the Congress and the Conseil National share: attendance
//! with proxies, and a motion put to the vote.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use registre_domain::session::SessionCommand;
use registre_schema::events::{MotionKind, VoteChoice};
use uuid::Uuid;

use crate::commands::Command;

use super::DemoError;
use super::generator::{Gen, at};

/// Records the attendance of `percent` of the eligible members and, if
/// asked, gives half of the absent members' proxies to distinct present
/// members.
pub(super) async fn attend(
    g: &mut Gen<'_>,
    session_id: Uuid,
    eligible: &[Uuid],
    names: &BTreeMap<Uuid, &str>,
    percent: u8,
    with_proxies: bool,
    date: NaiveDate,
) -> Result<(Vec<Uuid>, Vec<(Uuid, Uuid)>), DemoError> {
    let mut present = Vec::new();
    let mut absent = Vec::new();
    for m in eligible {
        if g.rng.u8(0..100) < percent {
            present.push(*m);
        } else {
            absent.push(*m);
        }
    }
    let batch: Vec<(DateTime<Utc>, Command)> = present
        .iter()
        .map(|m| {
            (
                at(date, 8),
                SessionCommand::RecordAttendance {
                    session_id,
                    member_id: *m,
                    delegate_name: format!("Maire de {}", names.get(m).unwrap_or(&"?")),
                }
                .into(),
            )
        })
        .collect();
    // One session stream: these run one after the other.
    for (when, c) in batch {
        g.run(None, when, c).await?;
    }
    let mut proxies = Vec::new();
    let givers = if with_proxies { absent.len() } else { 0 };
    for (grantor, holder) in absent[..givers].iter().step_by(2).zip(present.iter()) {
        g.run(
            None,
            at(date, 9),
            SessionCommand::RegisterProxy {
                session_id,
                grantor_member_id: *grantor,
                holder_member_id: *holder,
            },
        )
        .await?;
        proxies.push((*grantor, *holder));
    }
    Ok((present, proxies))
}

/// Tables a motion, has every present member (and proxy) vote with about
/// `support` percent for, and closes the vote.
#[allow(clippy::too_many_arguments)]
pub(super) async fn vote_motion(
    g: &mut Gen<'_>,
    session_id: Uuid,
    agenda_item: u32,
    kind: MotionKind,
    title: &str,
    support: u8,
    present: &[Uuid],
    proxies: &[(Uuid, Uuid)],
    when: DateTime<Utc>,
) -> Result<(), DemoError> {
    let motion_id = g.uuid();
    g.run(
        None,
        when,
        SessionCommand::TableMotion {
            session_id,
            motion_id,
            agenda_item,
            kind,
            title: title.into(),
            text: format!("Le texte soumis au vote : {title}."),
        },
    )
    .await?;
    let voters = present
        .iter()
        .map(|m| (*m, None))
        .chain(proxies.iter().map(|(g, h)| (*g, Some(*h))));
    let voters: Vec<_> = voters.collect();
    for (member_id, holder) in voters {
        let roll = g.rng.u8(0..100);
        let choice = if roll < support {
            VoteChoice::For
        } else if roll < support + (100 - support) * 3 / 4 {
            VoteChoice::Against
        } else {
            VoteChoice::Abstain
        };
        g.run(
            None,
            when,
            SessionCommand::RecordVote {
                session_id,
                motion_id,
                member_id,
                choice,
                proxy_holder_member_id: holder,
            },
        )
        .await?;
    }
    g.run(
        None,
        when,
        SessionCommand::CloseVote {
            session_id,
            motion_id,
        },
    )
    .await
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
