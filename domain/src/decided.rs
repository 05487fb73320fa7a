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

/// Who may decide: a named body, or any national instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Competent {
    Body(Uuid),
    NationalInstance,
}

impl Competent {
    fn admits(self, motion: &MotionFact) -> bool {
        match self {
            Competent::Body(id) => motion.body_id == id,
            Competent::NationalInstance => motion.national_instance,
        }
    }

    fn reason(self) -> Reason {
        match self {
            Competent::Body(_) => Reason::new("the body named as deciding", "l'instance nommée"),
            Competent::NationalInstance => Reason::new(
                "a national instance: the Congrès or the Conseil National",
                "une instance nationale : le Congrès ou le Conseil National",
            ),
        }
    }
}

/// The motion `motion_id` if it may decide a `kind` decision taking
/// effect on `effective_on`.
pub fn decided_by<'a>(
    ctx: &'a Context,
    motion_id: &Uuid,
    kind: MotionKind,
    competent: Competent,
    effective_on: NaiveDate,
) -> Result<&'a MotionFact, DomainError> {
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
            adopted: true,
            decided_on: d(2024, 3, 1),
            applied: false,
        }
    }

    fn when(motion: MotionFact, competent: Competent, on: NaiveDate) -> Result<(), &'static str> {
        let mut c = ctx();
        c.facts.motions.insert(motion.motion_id, motion);
        decided_by(&c, &id(50), MotionKind::Exclusion, competent, on)
            .map(|_| ())
            .map_err(|e| e.code())
    }

    #[test]
    fn given_an_adopted_motion_of_the_body_when_cited_then_it_decides() {
        assert_eq!(
            when(exclusion_motion(), Competent::Body(id(3)), d(2024, 3, 1)),
            Ok(())
        );
        assert_eq!(
            when(
                exclusion_motion(),
                Competent::NationalInstance,
                d(2024, 4, 1)
            ),
            Ok(())
        );
    }

    #[test]
    fn given_each_flaw_when_cited_then_the_refusal_names_it() {
        let m = exclusion_motion;
        let on = d(2024, 3, 1);
        let body = Competent::Body(id(3));
        let mut c = ctx();
        c.facts.motions.insert(id(50), m());
        assert_eq!(
            decided_by(&c, &id(51), MotionKind::Exclusion, body, on).map_err(|e| e.code()),
            Err("UNKNOWN_MOTION")
        );
        let ordinary = MotionFact {
            kind: MotionKind::Ordinary,
            ..m()
        };
        assert_eq!(when(ordinary, body, on), Err("MOTION_OF_ANOTHER_KIND"));
        assert_eq!(
            when(m(), Competent::Body(id(4)), on),
            Err("MOTION_OF_ANOTHER_BODY")
        );
        let regional = MotionFact {
            national_instance: false,
            ..m()
        };
        assert_eq!(
            when(regional, Competent::NationalInstance, on),
            Err("MOTION_OF_ANOTHER_BODY")
        );
        let rejected = MotionFact {
            adopted: false,
            ..m()
        };
        assert_eq!(when(rejected, body, on), Err("MOTION_NOT_ADOPTED"));
        let applied = MotionFact {
            applied: true,
            ..m()
        };
        assert_eq!(when(applied, body, on), Err("MOTION_ALREADY_APPLIED"));
        assert_eq!(
            when(m(), body, d(2024, 2, 29)),
            Err("EFFECT_BEFORE_DECISION")
        );
    }
}
