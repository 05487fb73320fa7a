//! The Congress minutes: drafted with the document's hash, signed by the
//! bureau's president and secretary general, adopted by a later session.

use registre_domain::minutes::MinutesCommand;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::DemoError;
use super::generator::{Gen, at};
use super::mandates::Holder;
use super::plan::{MINUTES_ADOPTED_AT, MINUTES_DRAFTED, MINUTES_REF, MINUTES_SIGNED, SIGNATORIES};
use super::session::Held;

/// Drafted minutes, as their adoption names them.
pub(super) struct Minutes {
    id: Uuid,
    sha256: String,
}

/// Drafts the minutes of `session` and has them signed by the holders of
/// the signatories' posts (or, with none elected, by the posts' titles).
pub(super) async fn draft_and_sign(
    g: &mut Gen<'_>,
    session: &Held<'_>,
    holders: &[Holder],
) -> Result<Minutes, DemoError> {
    let minutes_id = g.uuid();
    let document = format!(
        "Procès-verbal du Congrès ordinaire du {}\nPrésents : {}\nProcurations : {}\n",
        session.plan.date,
        session.present.len(),
        session.proxies.len()
    );
    let sha256 = hex(&Sha256::digest(document.as_bytes()));
    g.run(
        None,
        at(MINUTES_DRAFTED, 9),
        MinutesCommand::Draft {
            minutes_id,
            session_id: session.id,
            sha256: sha256.clone(),
            document_ref: MINUTES_REF.into(),
            drafted_on: MINUTES_DRAFTED,
        },
    )
    .await?;
    for (signatory, title) in SIGNATORIES {
        let name = Holder::named(holders, title).map_or_else(|| title.into(), |h| h.name.clone());
        g.run(
            None,
            at(MINUTES_SIGNED, 9),
            MinutesCommand::Sign {
                minutes_id,
                signatory,
                signatory_name: name,
                signed_on: MINUTES_SIGNED,
            },
        )
        .await?;
    }
    Ok(Minutes {
        id: minutes_id,
        sha256,
    })
}

/// Adopts the minutes in `session`, on its day.
pub(super) async fn adopt(
    g: &mut Gen<'_>,
    minutes: Minutes,
    session: &Held<'_>,
) -> Result<(), DemoError> {
    g.run(
        None,
        at(session.plan.date, MINUTES_ADOPTED_AT),
        MinutesCommand::Adopt {
            minutes_id: minutes.id,
            adopted_in_session_id: session.id,
            adopted_on: session.plan.date,
            sha256: minutes.sha256,
        },
    )
    .await
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
