//! Mandates the Congress gives (the Bureau Exécutif National, the seats of
//! the Conseil National), and a bureau member's resignation.

use std::collections::BTreeMap;

use registre_domain::body::BodyCommand;
use registre_schema::events::MandateEndReason;
use uuid::Uuid;

use super::DemoError;
use super::bodies::Post;
use super::generator::{Gen, at};
use super::plan::{BUREAU_ELECTED_AT, RESIGNATION_RECORDED, RESIGNED_ON, RESIGNING_POST};
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

/// One candidate per seat of `body`'s posts, drawn among the members
/// present, each elected from the session's day.
pub(super) async fn elect(
    g: &mut Gen<'_>,
    session: &Held<'_>,
    body: Uuid,
    posts: &[Post],
    names: &BTreeMap<Uuid, &str>,
) -> Result<Vec<Holder>, DemoError> {
    let day = session.plan.date;
    let mut holders = Vec::new();
    let mut pool = session.present.clone();
    g.rng.shuffle(&mut pool);
    for post in posts {
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
