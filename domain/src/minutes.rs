//! Minutes of a session (stream `minutes-<minutes_id>`): drafted with the
//! document's SHA-256 (redrafts allowed until adoption), adopted at a later
//! session, signed by the president and the secretary. An adopted PV never
//! changes.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use registre_schema::DomainEvent;
use registre_schema::events::{MinutesAdopted, MinutesDrafted, MinutesSigned, Signatory};
use uuid::Uuid;

use crate::context::SessionFact;
use crate::dates::Dated;
use crate::text::{MAX_NAME, MAX_TEXT, required};
use crate::{Aggregate, Context, DomainError};

#[derive(Debug, Clone, PartialEq)]
pub struct Minutes {
    pub minutes_id: Uuid,
    pub session_id: Uuid,
    pub sha256: String,
    pub adopted: bool,
    pub signed_by: BTreeSet<Signatory>,
}

#[derive(Debug, Clone)]
pub enum MinutesCommand {
    /// The session must be closed (`ctx.facts.sessions`).
    Draft {
        minutes_id: Uuid,
        session_id: Uuid,
        sha256: String,
        document_ref: String,
        drafted_on: NaiveDate,
    },
    /// The adopting session must be another session, open
    /// (`ctx.facts.sessions`); `sha256` is the version put to the vote.
    Adopt {
        minutes_id: Uuid,
        adopted_in_session_id: Uuid,
        adopted_on: NaiveDate,
        sha256: String,
    },
    Sign {
        minutes_id: Uuid,
        signatory: Signatory,
        signatory_name: String,
        signed_on: NaiveDate,
    },
}

impl MinutesCommand {
    pub fn minutes_id(&self) -> Uuid {
        match self {
            MinutesCommand::Draft { minutes_id, .. }
            | MinutesCommand::Adopt { minutes_id, .. }
            | MinutesCommand::Sign { minutes_id, .. } => *minutes_id,
        }
    }
}

/// A SHA-256 written as 64 lowercase hexadecimal digits.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Minutes are drafted once their session has closed and adopted while a
/// later session sits: the session must be known and `ready`, else `refusal`.
fn session_ready(
    ctx: &Context,
    session_id: &Uuid,
    ready: impl Fn(&SessionFact) -> bool,
    refusal: DomainError,
) -> Result<(), DomainError> {
    let session = ctx
        .facts
        .sessions
        .get(session_id)
        .ok_or(DomainError::UnknownSession)?;
    if !ready(session) {
        return Err(refusal);
    }
    Ok(())
}

impl Aggregate for Minutes {
    type State = Option<Minutes>;
    type Command = MinutesCommand;
    type Event = DomainEvent;

    fn dates(command: &MinutesCommand) -> Vec<Dated> {
        match command {
            MinutesCommand::Draft { drafted_on, .. } => {
                vec![Dated::day("drafted_on", *drafted_on)]
            }
            MinutesCommand::Adopt { adopted_on, .. } => {
                vec![Dated::day("adopted_on", *adopted_on)]
            }
            MinutesCommand::Sign { signed_on, .. } => vec![Dated::day("signed_on", *signed_on)],
        }
    }

    fn decide_dated(
        state: &Option<Minutes>,
        command: &MinutesCommand,
        ctx: &Context,
    ) -> Result<Vec<DomainEvent>, DomainError> {
        match command {
            MinutesCommand::Draft {
                minutes_id,
                session_id,
                sha256,
                document_ref,
                drafted_on,
            } => {
                if let Some(m) = state {
                    if m.adopted {
                        return Err(DomainError::MinutesAlreadyAdopted);
                    }
                    if m.session_id != *session_id {
                        return Err(DomainError::MinutesOfAnotherSession);
                    }
                }
                if !is_sha256_hex(sha256) {
                    return Err(DomainError::InvalidHash);
                }
                required("document_ref", document_ref, MAX_TEXT)?;
                session_ready(ctx, session_id, |s| s.closed, DomainError::SessionNotClosed)?;
                Ok(vec![
                    MinutesDrafted {
                        minutes_id: *minutes_id,
                        session_id: *session_id,
                        sha256: sha256.clone(),
                        document_ref: document_ref.clone(),
                        drafted_on: *drafted_on,
                    }
                    .into(),
                ])
            }
            MinutesCommand::Adopt {
                minutes_id,
                adopted_in_session_id,
                adopted_on,
                sha256,
            } => {
                let m = state.as_ref().ok_or(DomainError::MinutesNotDrafted)?;
                if m.adopted {
                    return Err(DomainError::MinutesAlreadyAdopted);
                }
                if *sha256 != m.sha256 {
                    return Err(DomainError::HashMismatch);
                }
                if *adopted_in_session_id == m.session_id {
                    return Err(DomainError::AdoptedInOwnSession);
                }
                session_ready(
                    ctx,
                    adopted_in_session_id,
                    |s| s.open,
                    DomainError::SessionNotOpen,
                )?;
                Ok(vec![
                    MinutesAdopted {
                        minutes_id: *minutes_id,
                        adopted_in_session_id: *adopted_in_session_id,
                        adopted_on: *adopted_on,
                        sha256: sha256.clone(),
                        statutes_version: ctx.statutes()?.version,
                    }
                    .into(),
                ])
            }
            MinutesCommand::Sign {
                minutes_id,
                signatory,
                signatory_name,
                signed_on,
            } => {
                let m = state.as_ref().ok_or(DomainError::MinutesNotDrafted)?;
                if m.signed_by.contains(signatory) {
                    return Err(DomainError::AlreadySigned);
                }
                required("signatory_name", signatory_name, MAX_NAME)?;
                Ok(vec![
                    MinutesSigned {
                        minutes_id: *minutes_id,
                        signatory: *signatory,
                        signatory_name: signatory_name.clone(),
                        signed_on: *signed_on,
                    }
                    .into(),
                ])
            }
        }
    }

    fn evolve(mut state: Option<Minutes>, event: &DomainEvent) -> Option<Minutes> {
        match event {
            DomainEvent::MinutesDrafted(e) => match state.as_mut() {
                // A redraft replaces the hash; earlier signatures were of
                // another document.
                Some(m) => {
                    m.sha256 = e.sha256.clone();
                    m.signed_by.clear();
                }
                None => {
                    state = Some(Minutes {
                        minutes_id: e.minutes_id,
                        session_id: e.session_id,
                        sha256: e.sha256.clone(),
                        adopted: false,
                        signed_by: BTreeSet::new(),
                    })
                }
            },
            DomainEvent::MinutesAdopted(_) => {
                if let Some(m) = state.as_mut() {
                    m.adopted = true;
                }
            }
            DomainEvent::MinutesSigned(e) => {
                if let Some(m) = state.as_mut() {
                    m.signed_by.insert(e.signatory);
                }
            }
            _ => {}
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    const HASH2: &str = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";

    fn sessions(f: &mut crate::Facts) {
        for (n, open, closed) in [(1, false, true), (2, true, false), (3, false, false)] {
            f.sessions.insert(
                id(n),
                SessionFact {
                    session_id: id(n),
                    body_id: id(9),
                    session_date: d(2024, 3, 1),
                    quorum_failed: false,
                    convened_again: None,
                    open,
                    closed,
                    voters: 0,
                },
            );
        }
    }

    fn draft(session: u128, hash: &str) -> MinutesCommand {
        MinutesCommand::Draft {
            minutes_id: id(10),
            session_id: id(session),
            sha256: hash.into(),
            document_ref: "PV".into(),
            drafted_on: d(2024, 3, 5),
        }
    }

    fn drafted(hash: &str) -> DomainEvent {
        MinutesDrafted {
            minutes_id: id(10),
            session_id: id(1),
            sha256: hash.into(),
            document_ref: "PV".into(),
            drafted_on: d(2024, 3, 5),
        }
        .into()
    }

    fn adopt(session: u128, hash: &str) -> MinutesCommand {
        MinutesCommand::Adopt {
            minutes_id: id(10),
            adopted_in_session_id: id(session),
            adopted_on: d(2025, 3, 1),
            sha256: hash.into(),
        }
    }

    fn adopted() -> DomainEvent {
        MinutesAdopted {
            minutes_id: id(10),
            adopted_in_session_id: id(2),
            adopted_on: d(2025, 3, 1),
            sha256: HASH.into(),
            statutes_version: 1,
        }
        .into()
    }

    #[test]
    fn minutes_of_a_closed_session_are_drafted_with_their_hash() {
        given::<Minutes>(vec![])
            .with_facts(sessions)
            .when(draft(1, HASH))
            .then_events(vec![drafted(HASH)]);
        given::<Minutes>(vec![])
            .with_facts(sessions)
            .when(draft(3, HASH))
            .then_error("SESSION_NOT_CLOSED");
        given::<Minutes>(vec![])
            .with_facts(sessions)
            .when(draft(1, &HASH.to_uppercase()))
            .then_error("INVALID_HASH");
        given::<Minutes>(vec![])
            .when(draft(1, HASH))
            .then_error("UNKNOWN_SESSION");
    }

    #[test]
    fn a_draft_may_be_replaced_until_adoption_only() {
        given::<Minutes>(vec![drafted(HASH)])
            .with_facts(sessions)
            .when(draft(1, HASH2))
            .then_events(vec![drafted(HASH2)]);
        given::<Minutes>(vec![drafted(HASH)])
            .with_facts(sessions)
            .when(draft(3, HASH2))
            .then_error("MINUTES_OF_ANOTHER_SESSION");
        given::<Minutes>(vec![drafted(HASH), adopted()])
            .with_facts(sessions)
            .when(draft(1, HASH2))
            .then_error("MINUTES_ALREADY_ADOPTED");
    }

    #[test]
    fn minutes_are_adopted_once_at_a_later_open_session() {
        given::<Minutes>(vec![drafted(HASH)])
            .with_facts(sessions)
            .when(adopt(2, HASH))
            .then_events(vec![adopted()]);
        given::<Minutes>(vec![drafted(HASH)])
            .with_facts(sessions)
            .when(adopt(2, HASH2))
            .then_error("HASH_MISMATCH");
        given::<Minutes>(vec![drafted(HASH)])
            .with_facts(sessions)
            .when(adopt(1, HASH))
            .then_error("ADOPTED_IN_OWN_SESSION");
        given::<Minutes>(vec![drafted(HASH)])
            .with_facts(sessions)
            .when(adopt(3, HASH))
            .then_error("SESSION_NOT_OPEN");
        given::<Minutes>(vec![drafted(HASH), adopted()])
            .with_facts(sessions)
            .when(adopt(2, HASH))
            .then_error("MINUTES_ALREADY_ADOPTED");
        given::<Minutes>(vec![])
            .when(adopt(2, HASH))
            .then_error("MINUTES_NOT_DRAFTED");
    }

    #[test]
    fn the_president_and_the_secretary_sign_once_each() {
        let sign = |who| MinutesCommand::Sign {
            minutes_id: id(10),
            signatory: who,
            signatory_name: "A. Traoré".into(),
            signed_on: d(2024, 3, 6),
        };
        let signed: DomainEvent = MinutesSigned {
            minutes_id: id(10),
            signatory: Signatory::President,
            signatory_name: "A. Traoré".into(),
            signed_on: d(2024, 3, 6),
        }
        .into();
        given::<Minutes>(vec![drafted(HASH)])
            .when(sign(Signatory::President))
            .then_events(vec![signed.clone()]);
        given::<Minutes>(vec![drafted(HASH), signed.clone()])
            .when(sign(Signatory::President))
            .then_error("ALREADY_SIGNED");
        given::<Minutes>(vec![drafted(HASH), signed])
            .when(sign(Signatory::Secretary))
            .then_events(vec![
                MinutesSigned {
                    minutes_id: id(10),
                    signatory: Signatory::Secretary,
                    signatory_name: "A. Traoré".into(),
                    signed_on: d(2024, 3, 6),
                }
                .into(),
            ]);
        given::<Minutes>(vec![])
            .when(sign(Signatory::President))
            .then_error("MINUTES_NOT_DRAFTED");
    }
}
