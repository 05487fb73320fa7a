//! From an event's stored form to its current form.
//!
//! An event type's payload schema may change; events already in the log
//! never do. Each change bumps the type's schema version and registers one
//! step that turns a payload of version `n` into version `n + 1`. Reading an
//! old event applies the steps in order, so the domain and projections only
//! ever see current payloads.

use std::collections::HashMap;

use serde_json::Value;

/// Turns a payload of one version into the next version.
pub type UpcastStep = fn(Value) -> Result<Value, String>;

/// Why a stored event cannot be brought to its current form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpcastError {
    #[error("unknown event type {event_type:?}")]
    UnknownType { event_type: String },
    #[error(
        "event type {event_type:?} has schema version {version}, newer than this registre knows ({current})"
    )]
    FutureVersion {
        event_type: String,
        version: u16,
        current: u16,
    },
    #[error("no upcast step for {event_type:?} from version {version}")]
    MissingStep { event_type: String, version: u16 },
    #[error("upcasting {event_type:?} from version {version} failed: {reason}")]
    StepFailed {
        event_type: String,
        version: u16,
        reason: String,
    },
}

/// The registry of current versions and upcast steps.
#[derive(Debug, Default, Clone)]
pub struct Upcaster {
    current: HashMap<String, u16>,
    steps: HashMap<(String, u16), UpcastStep>,
}

impl Upcaster {
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares the current schema version of an event type.
    pub fn current(mut self, event_type: &str, version: u16) -> Self {
        self.current.insert(event_type.to_owned(), version);
        self
    }

    /// Registers the step from `from_version` to `from_version + 1`.
    pub fn step(mut self, event_type: &str, from_version: u16, step: UpcastStep) -> Self {
        self.steps
            .insert((event_type.to_owned(), from_version), step);
        self
    }

    /// The current version of an event type, if it is known.
    pub fn current_version(&self, event_type: &str) -> Option<u16> {
        self.current.get(event_type).copied()
    }

    /// Brings a stored payload to the current version of its type.
    pub fn upcast(
        &self,
        event_type: &str,
        mut version: u16,
        mut payload: Value,
    ) -> Result<(u16, Value), UpcastError> {
        let current = self
            .current_version(event_type)
            .ok_or_else(|| UpcastError::UnknownType {
                event_type: event_type.to_owned(),
            })?;
        if version > current {
            return Err(UpcastError::FutureVersion {
                event_type: event_type.to_owned(),
                version,
                current,
            });
        }
        while version < current {
            let step = self
                .steps
                .get(&(event_type.to_owned(), version))
                .ok_or_else(|| UpcastError::MissingStep {
                    event_type: event_type.to_owned(),
                    version,
                })?;
            payload = step(payload).map_err(|reason| UpcastError::StepFailed {
                event_type: event_type.to_owned(),
                version,
                reason,
            })?;
            version += 1;
        }
        Ok((version, payload))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rename_amount(mut v: Value) -> Result<Value, String> {
        let amount = v
            .get_mut("amount")
            .map(Value::take)
            .ok_or("missing amount")?;
        v["amount_xof"] = amount;
        v.as_object_mut().unwrap().remove("amount");
        Ok(v)
    }

    fn add_currency(mut v: Value) -> Result<Value, String> {
        v["currency"] = json!("XOF");
        Ok(v)
    }

    fn upcaster() -> Upcaster {
        Upcaster::new()
            .current("DuesPaid", 3)
            .step("DuesPaid", 1, rename_amount)
            .step("DuesPaid", 2, add_currency)
    }

    #[test]
    fn old_versions_are_brought_to_the_current_one_step_by_step() {
        let (v, p) = upcaster()
            .upcast("DuesPaid", 1, json!({"amount": 5000}))
            .unwrap();
        assert_eq!(v, 3);
        assert_eq!(p, json!({"amount_xof": 5000, "currency": "XOF"}));
    }

    #[test]
    fn current_versions_pass_unchanged() {
        let p = json!({"amount_xof": 1, "currency": "XOF"});
        assert_eq!(upcaster().upcast("DuesPaid", 3, p.clone()).unwrap(), (3, p));
    }

    #[test]
    fn unknown_future_and_broken_events_are_typed_errors() {
        let u = upcaster();
        assert!(matches!(
            u.upcast("Nope", 1, json!({})),
            Err(UpcastError::UnknownType { .. })
        ));
        assert!(matches!(
            u.upcast("DuesPaid", 4, json!({})),
            Err(UpcastError::FutureVersion { current: 3, .. })
        ));
        assert!(matches!(
            u.upcast("DuesPaid", 1, json!({})),
            Err(UpcastError::StepFailed { version: 1, .. })
        ));
        let gap = Upcaster::new().current("X", 2);
        assert!(matches!(
            gap.upcast("X", 1, json!({})),
            Err(UpcastError::MissingStep { version: 1, .. })
        ));
    }
}
