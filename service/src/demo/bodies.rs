//! The bodies and their posts: the national ones, then a bureau and an
//! instance for each unit of a local tier.

use registre_domain::body::BodyCommand;
use registre_domain::territory::UnitRow;
use registre_schema::events::{BodyKind, BodyLevel};
use uuid::Uuid;

use super::DemoError;
use super::founding::key;
use super::generator::{Gen, at};
use super::plan::{BODIES_ESTABLISHED, LocalTier, NATIONAL_BODIES, National};

/// The national bodies' ids.
pub(super) struct NationalBodies {
    ben: Uuid,
    congress: Uuid,
    council: Uuid,
    secretariat: Uuid,
}

impl NationalBodies {
    pub(super) fn id(&self, body: National) -> Uuid {
        match body {
            National::Ben => self.ben,
            National::Congress => self.congress,
            National::Council => self.council,
            National::Secretariat => self.secretariat,
        }
    }
}

/// A post of the Bureau Exécutif National.
pub(super) struct Post {
    pub(super) id: Uuid,
    pub(super) title: &'static str,
    pub(super) seats: u32,
}

pub(super) async fn establish_national(g: &mut Gen<'_>) -> Result<NationalBodies, DemoError> {
    // All four ids are drawn before the first body is established, so the
    // Secrétariat can name the Bureau as its parent.
    let bodies = NationalBodies {
        ben: g.uuid(),
        congress: g.uuid(),
        council: g.uuid(),
        secretariat: g.uuid(),
    };
    for body in &NATIONAL_BODIES {
        g.run(
            None,
            at(BODIES_ESTABLISHED, 9),
            BodyCommand::Establish {
                body_id: bodies.id(body.body),
                name: body.name.into(),
                kind: body.kind,
                level: BodyLevel::National,
                territorial_unit: None,
                convened_by_body_id: body.convened_by.map(|b| bodies.id(b)),
                parent_body_id: body.parent.map(|b| bodies.id(b)),
                statutory_body: body.statutory,
            },
        )
        .await?;
    }
    Ok(bodies)
}

/// Defines `posts` (title, seats) on a body, at `hour` on the bodies' day.
pub(super) async fn define_posts(
    g: &mut Gen<'_>,
    body_id: Uuid,
    posts: &[(&'static str, u32)],
    hour: u32,
) -> Result<Vec<Post>, DemoError> {
    let mut defined = Vec::new();
    for &(title, seats) in posts {
        let post_id = g.uuid();
        g.run(
            None,
            at(BODIES_ESTABLISHED, hour),
            BodyCommand::DefinePost {
                body_id,
                post_id,
                title: title.into(),
                seats,
            },
        )
        .await?;
        defined.push(Post {
            id: post_id,
            title,
            seats,
        });
    }
    Ok(defined)
}

/// For each unit: its bureau, the instance the bureau convenes, then the
/// bureau's single-seat posts.
pub(super) async fn establish_local(
    g: &mut Gen<'_>,
    tier: &LocalTier,
    units: &[&UnitRow],
    ben: Uuid,
) -> Result<(), DemoError> {
    for unit in units {
        let bureau = g.uuid();
        let instance = g.uuid();
        let (bureau_statutory, instance_statutory) = tier.statutory;
        for (body_id, prefix, kind, convened_by, statutory) in [
            (bureau, tier.bureau, BodyKind::Organ, None, bureau_statutory),
            (
                instance,
                tier.instance,
                BodyKind::Instance,
                Some(bureau),
                instance_statutory,
            ),
        ] {
            g.run(
                None,
                at(BODIES_ESTABLISHED, tier.hour),
                BodyCommand::Establish {
                    body_id,
                    name: format!("{prefix}{}", unit.name),
                    kind,
                    level: tier.level,
                    territorial_unit: Some(key(&unit.code)),
                    convened_by_body_id: convened_by,
                    parent_body_id: Some(ben),
                    statutory_body: Some(statutory),
                },
            )
            .await?;
        }
        let posts: Vec<_> = tier.posts.iter().map(|&title| (title, 1)).collect();
        define_posts(g, bureau, &posts, tier.hour + 1).await?;
    }
    Ok(())
}
