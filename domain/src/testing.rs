//! The given/when/then harness of the domain's tests.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use registre_schema::events::{Statutes, TerritorialUnitKey};
use registre_schema::{Actor, Role};
use uuid::Uuid;

use crate::{Aggregate, Context, Facts};

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
}

pub fn at(y: i32, m: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, day, 9, 0, 0).unwrap()
}

pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub fn key(code: &str) -> TerritorialUnitKey {
    TerritorialUnitKey {
        scheme: "ocha-pcode".into(),
        edition: "2015".into(),
        code: code.into(),
    }
}

pub fn statutes() -> Statutes {
    crate::statutes::with_typical_instances(d(2001, 2, 1))
}

/// A context at 2024-03-01 with the default statutes and no facts.
pub fn ctx() -> Context {
    Context::new(
        at(2024, 3, 1),
        Actor {
            id: "secretariat".into(),
            role: Role::Secretariat,
        },
    )
    .with_statutes(Some(statutes()))
}

pub struct Given<A: Aggregate> {
    history: Vec<A::Event>,
    ctx: Context,
    _a: std::marker::PhantomData<A>,
}

pub fn given<A: Aggregate>(history: Vec<A::Event>) -> Given<A> {
    Given {
        history,
        ctx: ctx(),
        _a: std::marker::PhantomData,
    }
}

pub struct When<A: Aggregate> {
    result: Result<Vec<A::Event>, crate::DomainError>,
    _a: std::marker::PhantomData<A>,
}

impl<A: Aggregate> Given<A> {
    pub fn with_ctx(mut self, f: impl FnOnce(&mut Context)) -> Self {
        f(&mut self.ctx);
        self
    }

    pub fn with_facts(mut self, f: impl FnOnce(&mut Facts)) -> Self {
        f(&mut self.ctx.facts);
        self
    }

    pub fn when(self, command: A::Command) -> When<A> {
        let state = A::fold(self.history.iter());
        When {
            result: A::decide(&state, &command, &self.ctx),
            _a: std::marker::PhantomData,
        }
    }
}

impl<A: Aggregate> When<A> {
    /// Asserts the exact events; returns them for further checks.
    #[track_caller]
    pub fn then_events(self, expected: Vec<A::Event>) -> Vec<A::Event> {
        match self.result {
            Ok(events) => {
                assert_eq!(events, expected);
                events
            }
            Err(e) => panic!("expected events, got error {}: {e}", e.code()),
        }
    }

    /// Asserts a refusal whose French message names `field`.
    #[track_caller]
    pub fn then_error_naming(self, code: &str, field: &str) {
        match self.result {
            Ok(events) => panic!("expected error {code}, got events {events:?}"),
            Err(e) => {
                assert_eq!(e.code(), code, "{e}");
                assert!(e.message_fr().contains(&format!("« {field} »")), "{e:?}");
            }
        }
    }

    #[track_caller]
    pub fn then_error(self, code: &str) {
        match self.result {
            Ok(events) => panic!("expected error {code}, got events {events:?}"),
            Err(e) => {
                assert_eq!(e.code(), code, "{e}");
                assert!(!e.message_fr().is_empty());
            }
        }
    }
}
