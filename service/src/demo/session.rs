//! Sessions, as the Congress and the Conseil National hold them: convened,
//! attended (with proxies), opened, motions put to the vote, closed.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use registre_domain::session::SessionCommand;
use registre_schema::events::{MotionKind, Tally, VoteChoice};
use uuid::Uuid;

use crate::commands::Command;

use super::DemoError;
use super::bodies::NationalBodies;
use super::generator::{Gen, at};
use super::plan::{MotionPlan, National, SessionPlan};

/// A session that was convened and opened, and who sits in it.
pub(super) struct Held<'p> {
    pub(super) id: Uuid,
    pub(super) body_id: Uuid,
    pub(super) plan: &'p SessionPlan,
    /// How many members were called to sit.
    pub(super) eligible: u32,
    pub(super) present: Vec<Uuid>,
    /// (grantor, holder) pairs.
    pub(super) proxies: Vec<(Uuid, Uuid)>,
}

/// Convenes the session the plan describes, records who attends from the
/// members eligible on the convocation day, and opens it.
pub(super) async fn convene_and_open<'p>(
    g: &mut Gen<'_>,
    plan: &'p SessionPlan,
    bodies: &NationalBodies,
    second_convocation_of: Option<Uuid>,
    names: &BTreeMap<Uuid, &str>,
) -> Result<Held<'p>, DemoError> {
    let session_id = g.uuid();
    let body_id = bodies.id(plan.body);
    g.run(
        None,
        at(plan.convened_on, 9),
        SessionCommand::Convene {
            session_id,
            body_id,
            convened_by_body_id: bodies.id(National::Ben),
            kind: plan.kind,
            convened_on: plan.convened_on,
            session_date: plan.date,
            place: plan.place.into(),
            agenda: plan.agenda.iter().map(|&item| item.into()).collect(),
            second_convocation_of,
            request: None,
        },
    )
    .await?;
    let eligible = g.eligible(body_id, plan.convened_on).await?;
    let (present, proxies) = attend(g, session_id, plan, &eligible, names).await?;
    g.run(
        None,
        at(plan.date, 10),
        SessionCommand::Open {
            session_id,
            opened_at: at(plan.date, 10),
        },
    )
    .await?;
    Ok(Held {
        id: session_id,
        body_id,
        plan,
        eligible: eligible.len() as u32,
        present,
        proxies,
    })
}

/// `percent` of `n`, rounded to the nearest.
fn share_of(n: usize, percent: u8) -> usize {
    (n * usize::from(percent) + 50) / 100
}

/// Records the attendance of the plan's share of the eligible members and,
/// if it says so, gives half of the absent members' proxies to distinct
/// present members.
async fn attend(
    g: &mut Gen<'_>,
    session_id: Uuid,
    plan: &SessionPlan,
    eligible: &[Uuid],
    names: &BTreeMap<Uuid, &str>,
) -> Result<(Vec<Uuid>, Vec<(Uuid, Uuid)>), DemoError> {
    // The plan's share exactly (rounded), drawn at random: whether a
    // quorum is met is the plan's, whatever the number convened.
    let mut drawn = eligible.to_vec();
    g.rng.shuffle(&mut drawn);
    let attending = share_of(drawn.len(), plan.attendance);
    let absent = drawn.split_off(attending);
    let present = drawn;
    let batch: Vec<(DateTime<Utc>, Command)> = present
        .iter()
        .map(|m| {
            (
                at(plan.date, 8),
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
    let givers = if plan.proxies { absent.len() } else { 0 };
    for (grantor, holder) in absent[..givers].iter().step_by(2).zip(present.iter()) {
        g.run(
            None,
            at(plan.date, 9),
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

/// Puts each motion to the vote, in order.
pub(super) async fn vote_motions(
    g: &mut Gen<'_>,
    session: &Held<'_>,
    motions: &[MotionPlan],
    excluded: Option<Uuid>,
) -> Result<Vec<Uuid>, DemoError> {
    let mut ids = Vec::with_capacity(motions.len());
    for motion in motions {
        // An exclusion motion is of one member: none, no motion.
        let subject = match motion.kind {
            MotionKind::Exclusion => match excluded {
                Some(member) => Some(member),
                None => continue,
            },
            _ => None,
        };
        ids.push(vote_motion(g, session, motion, subject).await?);
    }
    Ok(ids)
}

/// Tables a motion, has every present member (and proxy) vote with
/// the motion's support percent for, and closes the vote.
async fn vote_motion(
    g: &mut Gen<'_>,
    session: &Held<'_>,
    motion: &MotionPlan,
    subject_member_id: Option<Uuid>,
) -> Result<Uuid, DemoError> {
    let session_id = session.id;
    let when = at(session.plan.date, motion.hour);
    let motion_id = g.uuid();
    g.run(
        None,
        when,
        SessionCommand::TableMotion {
            session_id,
            motion_id,
            agenda_item: motion.item,
            kind: motion.kind,
            title: motion.title.into(),
            text: format!("Le texte soumis au vote : {}.", motion.title),
            subject_member_id,
        },
    )
    .await?;
    let voters = session
        .present
        .iter()
        .map(|m| (*m, None))
        .chain(session.proxies.iter().map(|(g, h)| (*g, Some(*h))));
    let mut voters: Vec<_> = voters.collect();
    g.rng.shuffle(&mut voters);
    // The motion's support exactly (rounded); of the others, three in four
    // vote against and the rest abstain.
    let voted = voters.len() as u32;
    let votes_for = share_of(voters.len(), motion.support);
    let votes_against = votes_for + (voters.len() - votes_for) * 3 / 4;
    let mut tally = Tally {
        votes_for: 0,
        votes_against: 0,
        abstentions: 0,
        absent: 0,
    };
    for (n, (member_id, holder)) in voters.into_iter().enumerate() {
        let choice = if n < votes_for {
            VoteChoice::For
        } else if n < votes_against {
            VoteChoice::Against
        } else {
            VoteChoice::Abstain
        };
        match choice {
            VoteChoice::For => tally.votes_for += 1,
            VoteChoice::Against => tally.votes_against += 1,
            VoteChoice::Abstain => tally.abstentions += 1,
        }
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
    // On a tie the statutes leave to the chair, the chair votes for.
    let body_id = session.body_id;
    let tied = g
        .tied(
            body_id,
            session.plan.date,
            motion.kind,
            &tally,
            voted,
            session.eligible,
        )
        .await?;
    g.run(
        None,
        when,
        SessionCommand::CloseVote {
            session_id,
            motion_id,
            casting_vote: tied.then_some(VoteChoice::For),
        },
    )
    .await?;
    Ok(motion_id)
}

/// Closes the session at the hour its plan gives.
pub(super) async fn close(g: &mut Gen<'_>, session: &Held<'_>) -> Result<(), DemoError> {
    let hour = session
        .plan
        .closes_at
        .expect("the demo closes only sessions planned to close");
    let closed_at = at(session.plan.date, hour);
    g.run(
        None,
        closed_at,
        SessionCommand::Close {
            session_id: session.id,
            closed_at,
        },
    )
    .await
}
