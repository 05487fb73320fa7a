//! Mandates the Congress gives (the Bureau Exécutif National, its
//! president by a contested election in two rounds, the seats of the
//! Conseil National), and a bureau member's resignation.

use std::collections::BTreeMap;

use registre_domain::body::BodyCommand;
use registre_domain::election::{Count, majority, winners};
use registre_schema::events::{CandidateVotes, MandateEndReason};
use uuid::Uuid;

use super::DemoError;
use super::bodies::Post;
use super::generator::{Gen, at};
use super::plan::{
    BUREAU_ELECTED_AT, CONTESTED_POST, CONTESTED_ROUNDS, RESIGNATION_RECORDED, RESIGNED_ON,
    RESIGNING_POST,
};
use super::session::Held;

/// An elected officer.
pub(super) struct Holder {
    pub(super) post_id: Uuid,
    pub(super) mandate_id: Uuid,
    pub(super) title: &'static str,
    pub(super) name: String,
}

impl Holder {
    /// The first holder of the post titled `title`.
    pub(super) fn named<'h>(holders: &'h [Holder], title: &str) -> Option<&'h Holder> {
        holders.iter().find(|h| h.title == title)
    }
}

/// The contested post goes to an election between three communes drawn
/// among those present, carrying out the election motion `decided` (if
/// any): no one has an absolute majority in the first round, the second
/// elects the first placed. Every other seat of
/// `body`'s posts is filled by one candidate drawn among the members
/// present, from the session's day.
pub(super) async fn elect(
    g: &mut Gen<'_>,
    session: &Held<'_>,
    body: Uuid,
    posts: &[Post],
    names: &BTreeMap<Uuid, &str>,
    decided: Option<Uuid>,
) -> Result<Vec<Holder>, DemoError> {
    let day = session.plan.date;
    let mut holders = Vec::new();
    let mut pool = session.present.clone();
    g.rng.shuffle(&mut pool);
    for post in posts {
        if post.title == CONTESTED_POST {
            if let Some(holder) =
                contest(g, session, (body, post), &mut pool, names, decided).await?
            {
                holders.push(holder);
            }
            continue;
        }
        for _ in 0..post.seats {
            let Some(member) = pool.pop() else { break };
            let mandate_id = g.uuid();
            let holder_name = format!("Maire de {}", names.get(&member).unwrap_or(&"?"));
            holders.push(Holder {
                post_id: post.id,
                mandate_id,
                title: post.title,
                name: holder_name.clone(),
            });
            g.run(
                None,
                at(day, BUREAU_ELECTED_AT),
                BodyCommand::ElectOfficer {
                    body_id: body,
                    post_id: post.id,
                    mandate_id,
                    member_id: member,
                    holder_name,
                    session_id: Some(session.id),
                    starts_on: day,
                },
            )
            .await?;
        }
    }
    Ok(holders)
}

/// Three candidates to a one-seat post, counted round by round until
/// one is elected; the valid ballots are those of the members present,
/// less one blank and one spoilt.
async fn contest(
    g: &mut Gen<'_>,
    session: &Held<'_>,
    (body, post): (Uuid, &Post),
    pool: &mut Vec<Uuid>,
    names: &BTreeMap<Uuid, &str>,
    decided: Option<Uuid>,
) -> Result<Option<Holder>, DemoError> {
    let when = at(session.plan.date, BUREAU_ELECTED_AT);
    let election_id = g.uuid();
    let candidates: Vec<Uuid> = (0..3).filter_map(|_| pool.pop()).collect();
    if candidates.is_empty() {
        return Ok(None);
    }
    g.run(
        None,
        when,
        BodyCommand::OpenElection {
            body_id: body,
            election_id,
            post_id: post.id,
            session_id: session.id,
            seats: 1,
            motion_id: decided,
        },
    )
    .await?;
    let name = |m: &Uuid| format!("Maire de {}", names.get(m).unwrap_or(&"?"));
    for member_id in &candidates {
        g.run(
            None,
            when,
            BodyCommand::FileCandidacy {
                body_id: body,
                election_id,
                member_id: *member_id,
                holder_name: name(member_id),
            },
        )
        .await?;
    }
    let spoilt = (session.present.len() > 4) as u32;
    let ballots = (session.present.len() as u32 - 2 * spoilt).max(1);
    let rules = g
        .handler
        .with_view(|v| v.statutes_at(session.plan.date).map(|s| s.elections))
        .await
        .map_err(|source| DemoError::Command {
            step: "election rules".into(),
            source,
        })?
        .ok_or(DemoError::Plan("no statutes in force for the election"))?;
    for (round, shares) in (1..).zip(CONTESTED_ROUNDS) {
        // The second and third candidates take their shares; the first
        // the rest, so that it leads every round.
        let others: Vec<u32> = shares.iter().map(|s| ballots * s / 100).collect();
        let first = ballots - others.iter().sum::<u32>();
        let votes: Vec<CandidateVotes> = candidates
            .iter()
            .zip(std::iter::once(first).chain(others))
            .map(|(member_id, votes)| CandidateVotes {
                member_id: *member_id,
                votes,
            })
            .collect();
        let elected = winners(&votes, ballots, 1, majority(rules, round));
        g.run(
            None,
            when,
            BodyCommand::CountElectionRound {
                body_id: body,
                election_id,
                count: Count {
                    ballots,
                    blank: spoilt,
                    spoilt,
                    votes,
                },
            },
        )
        .await?;
        if let Some(member_id) = elected.first() {
            return Ok(Some(Holder {
                post_id: post.id,
                mandate_id: Uuid::new_v5(&election_id, member_id.as_bytes()),
                title: post.title,
                name: name(member_id),
            }));
        }
    }
    Err(DemoError::Plan("the planned rounds elected no one"))
}

/// The first holder of the resigning post resigns, if there is one.
pub(super) async fn resign(
    g: &mut Gen<'_>,
    ben: Uuid,
    holders: &[Holder],
) -> Result<(), DemoError> {
    let Some(holder) = Holder::named(holders, RESIGNING_POST) else {
        return Ok(());
    };
    g.run(
        None,
        at(RESIGNATION_RECORDED, 9),
        BodyCommand::EndMandate {
            body_id: ben,
            post_id: holder.post_id,
            mandate_id: holder.mandate_id,
            ended_on: RESIGNED_ON,
            reason: MandateEndReason::Resignation,
        },
    )
    .await
}
