//! The statutes (stream `statutes`): adopted once, then amended; each
//! version takes effect on its date. "The statutes in force at date D" is a
//! pure function of this stream.

use chrono::NaiveDate;
use registre_schema::DomainEvent;
use registre_schema::events::{
    ArrearsRule, Fraction, Majorities, Majority, SecondConvocationRule, Statutes, StatutesAdopted,
    StatutesAmended,
};

use crate::dates::Dated;
use crate::text::{MAX_TEXT, required};
use crate::{Aggregate, Context, DomainError};

/// The typical rules of associations of municipalities in francophone
/// Africa, shipped as version 1 and adopted by an event at initialisation.
pub fn defaults(effective_from: NaiveDate) -> Statutes {
    Statutes {
        version: 1,
        effective_from,
        notice_days_ordinary: 15,
        notice_days_extraordinary: 7,
        quorum: Fraction {
            numerator: 1,
            denominator: 2,
        },
        second_convocation: SecondConvocationRule {
            allowed_without_quorum: true,
            min_delay_days: 15,
        },
        majorities: Majorities {
            ordinary: Majority::Simple,
            election: Majority::Simple,
            exclusion: Majority::Absolute,
            statute_amendment: Majority::TwoThirds,
            dissolution: Majority::TwoThirds,
        },
        proxy_cap_per_delegate: 1,
        mandate_years: 5,
        arrears: ArrearsRule {
            unpaid_years_lose_vote: 1,
            unpaid_years_before_suspension: 3,
        },
        exclusion_hearing_notice_days: 15,
    }
}

/// Every version adopted so far, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatutesBook {
    pub versions: Vec<Statutes>,
}

impl StatutesBook {
    /// The version in force on `date`: the latest taking effect on or before it.
    pub fn in_force(&self, date: NaiveDate) -> Option<&Statutes> {
        self.versions
            .iter()
            .filter(|s| s.effective_from <= date)
            .max_by_key(|s| (s.effective_from, s.version))
    }

    pub fn latest(&self) -> Option<&Statutes> {
        self.versions.last()
    }
}

/// Commands on the statutes.
#[derive(Debug, Clone)]
pub enum StatutesCommand {
    Adopt {
        statutes: Statutes,
        reference: String,
    },
    /// The new version number is assigned here (latest + 1), whatever the
    /// command says.
    Amend {
        statutes: Statutes,
        reference: String,
    },
}

/// Rejects rules that would make decisions impossible or meaningless.
pub fn validate(s: &Statutes) -> Result<(), DomainError> {
    let bad = |reason| Err(DomainError::InvalidStatutes { reason });
    if s.quorum.denominator == 0 || s.quorum.numerator >= s.quorum.denominator {
        return bad("the quorum must be a fraction below one");
    }
    if s.mandate_years == 0 || s.mandate_years > 20 {
        return bad("the mandate length must be between 1 and 20 years");
    }
    if s.notice_days_ordinary > 365 || s.notice_days_extraordinary > 365 {
        return bad("notice periods must be at most 365 days");
    }
    if s.proxy_cap_per_delegate > 100 {
        return bad("the proxy cap must be at most 100");
    }
    if s.arrears.unpaid_years_lose_vote == 0 || s.arrears.unpaid_years_before_suspension == 0 {
        return bad("arrears thresholds must be at least one year");
    }
    Ok(())
}

impl Aggregate for StatutesBook {
    type State = StatutesBook;
    type Command = StatutesCommand;
    type Event = DomainEvent;

    fn dates(command: &StatutesCommand) -> Vec<Dated> {
        match command {
            StatutesCommand::Adopt { statutes, .. } | StatutesCommand::Amend { statutes, .. } => {
                vec![Dated::day("effective_from", statutes.effective_from)]
            }
        }
    }

    fn decide_dated(
        state: &StatutesBook,
        command: &StatutesCommand,
        _ctx: &Context,
    ) -> Result<Vec<DomainEvent>, DomainError> {
        match command {
            StatutesCommand::Adopt {
                statutes,
                reference,
            } => {
                if !state.versions.is_empty() {
                    return Err(DomainError::StatutesAlreadyAdopted);
                }
                required("reference", reference, MAX_TEXT)?;
                validate(statutes)?;
                let statutes = Statutes {
                    version: 1,
                    ..statutes.clone()
                };
                Ok(vec![
                    StatutesAdopted {
                        statutes,
                        reference: reference.clone(),
                    }
                    .into(),
                ])
            }
            StatutesCommand::Amend {
                statutes,
                reference,
            } => {
                let latest = state.latest().ok_or(DomainError::StatutesNotAdopted)?;
                required("reference", reference, MAX_TEXT)?;
                validate(statutes)?;
                if statutes.effective_from < latest.effective_from {
                    return Err(DomainError::AmendmentBeforeCurrent {
                        current: latest.effective_from,
                    });
                }
                let statutes = Statutes {
                    version: latest.version + 1,
                    ..statutes.clone()
                };
                Ok(vec![
                    StatutesAmended {
                        statutes,
                        reference: reference.clone(),
                    }
                    .into(),
                ])
            }
        }
    }

    fn evolve(mut state: StatutesBook, event: &DomainEvent) -> StatutesBook {
        match event {
            DomainEvent::StatutesAdopted(e) => state.versions.push(e.statutes.clone()),
            DomainEvent::StatutesAmended(e) => state.versions.push(e.statutes.clone()),
            _ => {}
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn adopt() -> StatutesCommand {
        StatutesCommand::Adopt {
            statutes: defaults(d(2001, 2, 1)),
            reference: "AG constitutive".into(),
        }
    }

    fn adopted() -> DomainEvent {
        StatutesAdopted {
            statutes: defaults(d(2001, 2, 1)),
            reference: "AG constitutive".into(),
        }
        .into()
    }

    #[test]
    fn adoption_records_version_one() {
        given::<StatutesBook>(vec![])
            .when(adopt())
            .then_events(vec![adopted()]);
    }

    #[test]
    fn given_no_statutes_when_adopted_in_force_outside_the_years_then_it_is_refused() {
        given::<StatutesBook>(vec![])
            .when(StatutesCommand::Adopt {
                statutes: defaults(d(10000, 1, 1)),
                reference: "AG constitutive".into(),
            })
            .then_error_naming("DATE_OUT_OF_RANGE", "effective_from");
    }

    #[test]
    fn statutes_are_adopted_once() {
        given::<StatutesBook>(vec![adopted()])
            .when(adopt())
            .then_error("STATUTES_ALREADY_ADOPTED");
    }

    #[test]
    fn an_impossible_quorum_is_refused() {
        let mut s = defaults(d(2001, 2, 1));
        s.quorum.denominator = 0;
        given::<StatutesBook>(vec![])
            .when(StatutesCommand::Adopt {
                statutes: s,
                reference: "x".into(),
            })
            .then_error("INVALID_STATUTES");
    }

    #[test]
    fn amendment_takes_the_next_version_and_applies_from_its_date() {
        let mut s = defaults(d(2020, 1, 1));
        s.version = 99;
        s.notice_days_ordinary = 30;
        let mut expected = s.clone();
        expected.version = 2;
        let events = given::<StatutesBook>(vec![adopted()])
            .when(StatutesCommand::Amend {
                statutes: s,
                reference: "Congrès 2019".into(),
            })
            .then_events(vec![
                StatutesAmended {
                    statutes: expected,
                    reference: "Congrès 2019".into(),
                }
                .into(),
            ]);
        let book = StatutesBook::fold(std::iter::once(&adopted()).chain(events.iter()));
        assert_eq!(book.in_force(d(2019, 12, 31)).unwrap().version, 1);
        assert_eq!(book.in_force(d(2020, 1, 1)).unwrap().version, 2);
        assert_eq!(
            book.in_force(d(2020, 1, 1)).unwrap().notice_days_ordinary,
            30
        );
        assert!(book.in_force(d(2000, 1, 1)).is_none());
    }

    #[test]
    fn amendments_need_adopted_statutes_and_a_date_not_before_the_current_one() {
        let amend = |date| StatutesCommand::Amend {
            statutes: defaults(date),
            reference: "x".into(),
        };
        given::<StatutesBook>(vec![])
            .when(amend(d(2020, 1, 1)))
            .then_error("STATUTES_NOT_ADOPTED");
        given::<StatutesBook>(vec![adopted()])
            .when(amend(d(2000, 1, 1)))
            .then_error("AMENDMENT_BEFORE_CURRENT");
        given::<StatutesBook>(vec![adopted()])
            .when(StatutesCommand::Amend {
                statutes: defaults(d(2020, 1, 1)),
                reference: " ".into(),
            })
            .then_error("FIELD_REQUIRED");
    }
}
