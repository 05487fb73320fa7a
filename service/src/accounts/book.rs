//! The accounts as a pure fold of their events: the command line lists
//! them, sign-in reads the one under a name, with the same code.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use registre_schema::access::{ACCOUNT_CATEGORY, AccessEvent};
use registre_schema::{LogEvent, RecordedEvent, Role};
use uuid::Uuid;

/// One account, without anything of its password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    pub account_id: Uuid,
    pub name: String,
    pub full_name: String,
    pub role: Role,
    /// The one region the account sees and acts in, if limited.
    pub region: Option<String>,
    pub opened_at: DateTime<Utc>,
    /// When its password was last set (recorded time).
    pub password_set_at: Option<DateTime<Utc>>,
    /// When and why it was disabled; `None` while it may sign in.
    pub disabled: Option<(DateTime<Utc>, String)>,
}

impl AccountRecord {
    pub fn is_active(&self) -> bool {
        self.disabled.is_none()
    }
}

/// Every account seen so far, by id, and the last one opened per name.
#[derive(Debug, Default, Clone)]
pub struct AccountBook {
    accounts: BTreeMap<Uuid, AccountRecord>,
    by_name: BTreeMap<String, Uuid>,
}

impl AccountBook {
    /// Folds one event of the log; events of other streams are ignored,
    /// and an account event that cannot be read is skipped and reported
    /// (`Err` carries why).
    pub fn apply(&mut self, e: &RecordedEvent) -> Result<(), String> {
        if e.stream_id.category() != ACCOUNT_CATEGORY {
            return Ok(());
        }
        let event = AccessEvent::decode_ref(&e.event_type, e.schema_version, &e.payload)
            .map_err(|x| format!("position {}: {x}", e.position))?;
        let missing = |id: Uuid| format!("position {}: unknown account {id}", e.position);
        match event {
            AccessEvent::AccountOpened(p) => {
                self.by_name.insert(p.name.clone(), p.account_id);
                self.accounts.insert(
                    p.account_id,
                    AccountRecord {
                        account_id: p.account_id,
                        name: p.name,
                        full_name: p.full_name,
                        role: p.role,
                        region: p.region,
                        opened_at: p.opened_at,
                        password_set_at: None,
                        disabled: None,
                    },
                );
            }
            AccessEvent::AccountRoleChanged(p) => {
                let a = self
                    .accounts
                    .get_mut(&p.account_id)
                    .ok_or(missing(p.account_id))?;
                a.role = p.role;
            }
            AccessEvent::AccountPasswordSet(p) => {
                let a = self
                    .accounts
                    .get_mut(&p.account_id)
                    .ok_or(missing(p.account_id))?;
                a.password_set_at = Some(e.recorded_at);
            }
            AccessEvent::AccountDisabled(p) => {
                let a = self
                    .accounts
                    .get_mut(&p.account_id)
                    .ok_or(missing(p.account_id))?;
                a.disabled.get_or_insert((e.recorded_at, p.reason));
            }
            other => {
                return Err(format!(
                    "position {}: {} in an account stream",
                    e.position,
                    other.event_type()
                ));
            }
        }
        Ok(())
    }

    /// The account that may sign in under `name`, if any.
    pub fn active(&self, name: &str) -> Option<&AccountRecord> {
        let id = self.by_name.get(name)?;
        self.accounts.get(id).filter(|a| a.is_active())
    }

    /// Every account, in the order their ids were made (opening order).
    pub fn all(&self) -> impl Iterator<Item = &AccountRecord> {
        self.accounts.values()
    }
}

#[cfg(test)]
mod tests {
    use registre_schema::access::{
        AccountDisabled, AccountOpened, AccountPasswordSet, AccountRoleChanged, account_stream,
    };
    use registre_schema::{Actor, LogEvent};

    use super::*;

    fn recorded(position: u64, name: &str, event: AccessEvent) -> RecordedEvent {
        RecordedEvent {
            position,
            id: Uuid::now_v7(),
            stream_id: account_stream(name).unwrap(),
            revision: position,
            event_type: event.event_type().into(),
            schema_version: event.schema_version(),
            occurred_at: Utc::now(),
            recorded_at: Utc::now(),
            actor: Actor {
                id: "operator".into(),
                role: Role::System,
            },
            command_id: Uuid::now_v7(),
            correlation_id: Uuid::now_v7(),
            causation_id: None,
            payload: event.to_payload(),
        }
    }

    fn opened(id: Uuid, name: &str, role: Role) -> AccessEvent {
        AccessEvent::AccountOpened(AccountOpened {
            account_id: id,
            name: name.into(),
            full_name: "Awa Traoré".into(),
            role,
            region: None,
            opened_at: Utc::now(),
        })
    }

    #[test]
    fn given_an_opened_account_when_its_role_changes_then_it_signs_in_with_the_new_role() {
        let id = Uuid::now_v7();
        let mut book = AccountBook::default();
        for (p, e) in [
            opened(id, "awa", Role::Dashboard),
            AccessEvent::AccountPasswordSet(AccountPasswordSet { account_id: id }),
            AccessEvent::AccountRoleChanged(AccountRoleChanged {
                account_id: id,
                role: Role::Secretariat,
            }),
        ]
        .into_iter()
        .enumerate()
        {
            book.apply(&recorded(p as u64 + 1, "awa", e)).unwrap();
        }
        let a = book.active("awa").unwrap();
        assert_eq!((a.account_id, a.role), (id, Role::Secretariat));
        assert!(a.password_set_at.is_some());
    }

    #[test]
    fn given_a_disabled_account_reopened_when_read_then_only_the_new_one_is_active() {
        let (old, new) = (Uuid::now_v7(), Uuid::now_v7());
        let mut book = AccountBook::default();
        let events = [
            opened(old, "awa", Role::Secretariat),
            AccessEvent::AccountDisabled(AccountDisabled {
                account_id: old,
                reason: "départ".into(),
            }),
        ];
        for (p, e) in events.into_iter().enumerate() {
            book.apply(&recorded(p as u64 + 1, "awa", e)).unwrap();
        }
        assert_eq!(book.active("awa"), None);
        book.apply(&recorded(3, "awa", opened(new, "awa", Role::Auditor)))
            .unwrap();
        assert_eq!(book.active("awa").unwrap().account_id, new);
        assert_eq!(book.all().count(), 2);
    }
}
