//! Decisions that take effect: an exclusion or an amendment of the
//! statutes cites the motion that decided it, adopted by the competent
//! body, of the kind the statutes judge with the matching majority, and
//! takes effect no earlier than the session that voted it. A motion takes
//! effect once.

use chrono::NaiveDate;
use registre_schema::events::MotionKind;
use uuid::Uuid;

use crate::context::MotionFact;
use crate::{Context, DomainError, Reason};

/// Who may decide: a national instance (the Congrès or the Conseil
/// National), any of them or the one named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Competent {
    NationalInstance,
    NamedNationalInstance(Uuid),
}

impl Competent {
    fn admits(self, motion: &MotionFact) -> bool {
        motion.national_instance
            && match self {
                Competent::NationalInstance => true,
                Competent::NamedNationalInstance(id) => motion.body_id == id,
            }
    }

    fn reason(self) -> Reason {
        match self {
            Competent::NamedNationalInstance(_) => Reason::new(
                "the national instance named as deciding",
                "l'instance nationale nommée comme décidant",
            ),
            Competent::NationalInstance => Reason::new(
                "a national instance: the Congrès or the Conseil National",
                "une instance nationale : le Congrès ou le Conseil National",
            ),
        }
    }
}

/// What a decision citing a motion is: its kind, who may take it, the
/// member it concerns (an exclusion), the day it takes effect.
#[derive(Debug, Clone, Copy)]
pub struct Decision {
    pub kind: MotionKind,
    pub competent: Competent,
    pub subject_member_id: Option<Uuid>,
    pub effective_on: NaiveDate,
}

/// The motion `motion_id` if it may take `decision`.
pub fn decided_by<'a>(
    ctx: &'a Context,
    motion_id: &Uuid,
    decision: Decision,
) -> Result<&'a MotionFact, DomainError> {
    let Decision {
        kind,
        competent,
        subject_member_id,
        effective_on,
    } = decision;
    let motion = ctx
        .facts
        .motions
        .get(motion_id)
        .ok_or(DomainError::UnknownMotion)?;
    if motion.kind != kind {
        return Err(DomainError::MotionOfAnotherKind {
            expected: match kind {
                MotionKind::Exclusion => "exclusion",
                _ => "statute amendment",
            },
        });
    }
    if !competent.admits(motion) {
        return Err(DomainError::MotionOfAnotherBody {
            competent: competent.reason(),
        });
    }
    if subject_member_id.is_some() && motion.subject_member_id != subject_member_id {
        return Err(DomainError::MotionOfAnotherSubject);
    }
    if !motion.adopted {
        return Err(DomainError::MotionNotAdopted);
    }
    if motion.applied {
        return Err(DomainError::MotionAlreadyApplied);
    }
    if effective_on < motion.decided_on {
        return Err(DomainError::EffectBeforeDecision {
            decided_on: motion.decided_on,
        });
    }
    Ok(motion)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn exclusion_motion() -> MotionFact {
        MotionFact {
            motion_id: id(50),
            body_id: id(3),
            national_instance: true,
            kind: MotionKind::Exclusion,
            subject_member_id: Some(id(7)),
            adopted: true,
            decided_on: d(2024, 3, 1),
            applied: false,
        }
    }

    fn excluding(member: u128, competent: Competent, on: NaiveDate) -> Decision {
        Decision {
            kind: MotionKind::Exclusion,
            competent,
            subject_member_id: Some(id(member)),
            effective_on: on,
        }
    }

    fn when(motion: MotionFact, decision: Decision) -> Result<(), &'static str> {
        let mut c = ctx();
        c.facts.motions.insert(motion.motion_id, motion);
        decided_by(&c, &id(50), decision)
            .map(|_| ())
            .map_err(|e| e.code())
    }

    #[test]
    fn given_an_adopted_motion_of_the_body_when_cited_then_it_decides() {
        let body = Competent::NamedNationalInstance(id(3));
        assert_eq!(
            when(exclusion_motion(), excluding(7, body, d(2024, 3, 1))),
            Ok(())
        );
        let any = Competent::NationalInstance;
        assert_eq!(
            when(exclusion_motion(), excluding(7, any, d(2024, 4, 1))),
            Ok(())
        );
    }

    #[test]
    fn given_each_flaw_when_cited_then_the_refusal_names_it() {
        let m = exclusion_motion;
        let on = d(2024, 3, 1);
        let body = Competent::NamedNationalInstance(id(3));
        let mut c = ctx();
        c.facts.motions.insert(id(50), m());
        assert_eq!(
            decided_by(&c, &id(51), excluding(7, body, on)).map_err(|e| e.code()),
            Err("UNKNOWN_MOTION")
        );
        let ordinary = MotionFact {
            kind: MotionKind::Ordinary,
            ..m()
        };
        assert_eq!(
            when(ordinary, excluding(7, body, on)),
            Err("MOTION_OF_ANOTHER_KIND")
        );
        let other_body = Competent::NamedNationalInstance(id(4));
        assert_eq!(
            when(m(), excluding(7, other_body, on)),
            Err("MOTION_OF_ANOTHER_BODY")
        );
        let regional = MotionFact {
            national_instance: false,
            ..m()
        };
        assert_eq!(
            when(regional, excluding(7, body, on)),
            Err("MOTION_OF_ANOTHER_BODY")
        );
        assert_eq!(
            when(m(), excluding(8, body, on)),
            Err("MOTION_OF_ANOTHER_SUBJECT")
        );
        let rejected = MotionFact {
            adopted: false,
            ..m()
        };
        assert_eq!(
            when(rejected, excluding(7, body, on)),
            Err("MOTION_NOT_ADOPTED")
        );
        let applied = MotionFact {
            applied: true,
            ..m()
        };
        assert_eq!(
            when(applied, excluding(7, body, on)),
            Err("MOTION_ALREADY_APPLIED")
        );
        assert_eq!(
            when(m(), excluding(7, body, d(2024, 2, 29))),
            Err("EFFECT_BEFORE_DECISION")
        );
    }
}
