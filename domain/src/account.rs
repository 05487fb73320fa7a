//! Personal accounts of the web application (stream `account-<uuid v5 of
//! the name>`): who may log in with a name and a password, opened, given a
//! role, given a password and disabled through the same decide/evolve as
//! every other record, so the rules below hold however an account is asked
//! for.
//!
//! A name's stream holds every account ever opened under that name; at
//! most one of them is active. Passwords are never decided on or recorded:
//! the caller keeps their hashes outside the log, and the log only says
//! that a password was set.

use registre_schema::Role;
use registre_schema::access::{
    AccessEvent, AccountDisabled, AccountOpened, AccountPasswordSet, AccountRoleChanged,
};
use uuid::Uuid;

use crate::access::MAX_REASON_LEN;
use crate::dates::Dated;
use crate::{Aggregate, Context, DomainError};

/// Longest account name, in bytes.
pub const MAX_ACCOUNT_NAME_LEN: usize = 64;
/// Longest full name, in characters.
pub const MAX_FULL_NAME_LEN: usize = 200;

/// The accounts opened under one name.
pub struct Account;

/// The active account of a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActiveAccount {
    pub account_id: Uuid,
    pub role: Role,
}

/// What a name's stream says: its active account, if any.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountName {
    pub active: Option<ActiveAccount>,
}

#[derive(Debug, Clone)]
pub enum AccountCommand {
    /// Open an account under `name`, with a password (the caller keeps its
    /// hash); it is recorded as opened at the command's time.
    Open {
        account_id: Uuid,
        name: String,
        full_name: String,
        role: Role,
        /// The one region the account is limited to, if any (its code).
        region: Option<String>,
    },
    /// Set or reset the password of the active account of `name`.
    SetPassword { name: String },
    /// Give the active account of `name` another role.
    ChangeRole { name: String, role: Role },
    /// Disable the active account of `name`.
    Disable { name: String, reason: String },
}

impl AccountCommand {
    /// The name whose stream the command writes.
    pub fn name(&self) -> &str {
        match self {
            AccountCommand::Open { name, .. }
            | AccountCommand::SetPassword { name }
            | AccountCommand::ChangeRole { name, .. }
            | AccountCommand::Disable { name, .. } => name,
        }
    }
}

/// 1 to 64 lowercase ASCII letters, digits, '.', '-' or '_', starting with
/// a letter or digit: a name is typed at login, is an actor id and part of
/// log lines.
pub fn check_account_name(name: &str) -> Result<(), DomainError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_ACCOUNT_NAME_LEN
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(DomainError::InvalidAccountName {
            name: name.chars().take(MAX_ACCOUNT_NAME_LEN).collect(),
        })
    }
}

/// Not blank, at most 200 characters, no control character.
pub fn check_full_name(full_name: &str) -> Result<(), DomainError> {
    let ok = !full_name.trim().is_empty()
        && full_name.chars().count() <= MAX_FULL_NAME_LEN
        && !full_name.chars().any(char::is_control);
    if ok {
        Ok(())
    } else {
        Err(DomainError::InvalidFullName)
    }
}

/// A region's code as the territorial lists write them (`ML01`): the
/// account is limited to the region of that code.
pub fn check_region(code: &str) -> Result<(), DomainError> {
    let ok = !code.is_empty()
        && code.len() <= crate::territory::MAX_CODE
        && code.bytes().all(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(DomainError::InvalidRegion {
            code: code.chars().take(crate::territory::MAX_CODE).collect(),
        })
    }
}

/// Accounts are for people: the operator's role is not given.
fn check_role(role: Role) -> Result<(), DomainError> {
    if role == Role::System {
        return Err(DomainError::AccountRoleNotGranted { role });
    }
    Ok(())
}

fn active(state: &AccountName, name: &str) -> Result<ActiveAccount, DomainError> {
    state
        .active
        .ok_or_else(|| DomainError::UnknownAccount { name: name.into() })
}

impl Aggregate for Account {
    type State = AccountName;
    type Command = AccountCommand;
    type Event = AccessEvent;

    fn dates(_: &AccountCommand) -> Vec<Dated> {
        vec![]
    }

    fn decide_dated(
        state: &AccountName,
        command: &AccountCommand,
        ctx: &Context,
    ) -> Result<Vec<AccessEvent>, DomainError> {
        // Whoever runs `registre` on the server manages accounts; no caller
        // of the API may, whatever command an adapter would build.
        if ctx.actor.role != Role::System {
            return Err(DomainError::OperatorOnly);
        }
        check_account_name(command.name())?;
        match command {
            AccountCommand::Open {
                account_id,
                name,
                full_name,
                role,
                region,
            } => {
                check_role(*role)?;
                check_full_name(full_name)?;
                if let Some(code) = region {
                    check_region(code)?;
                }
                if state.active.is_some() {
                    return Err(DomainError::AccountNameTaken { name: name.clone() });
                }
                // An account is always opened with a password.
                Ok(vec![
                    AccessEvent::AccountOpened(AccountOpened {
                        account_id: *account_id,
                        name: name.clone(),
                        full_name: full_name.clone(),
                        role: *role,
                        region: region.clone(),
                        opened_at: ctx.occurred_at,
                    }),
                    AccessEvent::AccountPasswordSet(AccountPasswordSet {
                        account_id: *account_id,
                    }),
                ])
            }
            AccountCommand::SetPassword { name } => {
                let account = active(state, name)?;
                Ok(vec![AccessEvent::AccountPasswordSet(AccountPasswordSet {
                    account_id: account.account_id,
                })])
            }
            AccountCommand::ChangeRole { name, role } => {
                check_role(*role)?;
                let account = active(state, name)?;
                if account.role == *role {
                    return Err(DomainError::AccountRoleUnchanged {
                        name: name.clone(),
                        role: *role,
                    });
                }
                Ok(vec![AccessEvent::AccountRoleChanged(AccountRoleChanged {
                    account_id: account.account_id,
                    role: *role,
                })])
            }
            AccountCommand::Disable { name, reason } => {
                if reason.trim().is_empty() {
                    return Err(DomainError::Required { field: "reason" });
                }
                if reason.len() > MAX_REASON_LEN {
                    return Err(DomainError::TooLong {
                        field: "reason",
                        max: MAX_REASON_LEN,
                    });
                }
                let account = active(state, name)?;
                Ok(vec![AccessEvent::AccountDisabled(AccountDisabled {
                    account_id: account.account_id,
                    reason: reason.clone(),
                })])
            }
        }
    }

    fn evolve(state: AccountName, event: &AccessEvent) -> AccountName {
        let is_active = |id: Uuid| state.active.is_some_and(|a| a.account_id == id);
        match event {
            AccessEvent::AccountOpened(e) => AccountName {
                active: Some(ActiveAccount {
                    account_id: e.account_id,
                    role: e.role,
                }),
            },
            AccessEvent::AccountRoleChanged(e) if is_active(e.account_id) => AccountName {
                active: Some(ActiveAccount {
                    account_id: e.account_id,
                    role: e.role,
                }),
            },
            AccessEvent::AccountDisabled(e) if is_active(e.account_id) => AccountName::default(),
            // A password changes nothing the rules look at; tokens live in
            // streams of their own and never reach this one.
            AccessEvent::AccountRoleChanged(_)
            | AccessEvent::AccountDisabled(_)
            | AccessEvent::AccountPasswordSet(_)
            | AccessEvent::Issued(_)
            | AccessEvent::Revoked(_) => state,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    /// A name's stream, its commands typed by the operator.
    fn given_accounts(history: Vec<AccessEvent>) -> Given<Account> {
        given::<Account>(history).with_ctx(|c| c.actor = registre_schema::Actor::system())
    }

    fn open(n: u128, name: &str, role: Role) -> AccountCommand {
        AccountCommand::Open {
            account_id: id(n),
            name: name.into(),
            full_name: "Awa Diarra".into(),
            role,
            region: None,
        }
    }

    fn opened(n: u128, name: &str, role: Role) -> AccessEvent {
        AccessEvent::AccountOpened(AccountOpened {
            account_id: id(n),
            name: name.into(),
            full_name: "Awa Diarra".into(),
            role,
            region: None,
            opened_at: ctx().occurred_at,
        })
    }

    fn password_set(n: u128) -> AccessEvent {
        AccessEvent::AccountPasswordSet(AccountPasswordSet { account_id: id(n) })
    }

    fn role_changed(n: u128, role: Role) -> AccessEvent {
        AccessEvent::AccountRoleChanged(AccountRoleChanged {
            account_id: id(n),
            role,
        })
    }

    fn disabled(n: u128) -> AccessEvent {
        AccessEvent::AccountDisabled(AccountDisabled {
            account_id: id(n),
            reason: "départ".into(),
        })
    }

    fn disable(name: &str) -> AccountCommand {
        AccountCommand::Disable {
            name: name.into(),
            reason: "départ".into(),
        }
    }

    fn change_role(name: &str, role: Role) -> AccountCommand {
        AccountCommand::ChangeRole {
            name: name.into(),
            role,
        }
    }

    fn set_password(name: &str) -> AccountCommand {
        AccountCommand::SetPassword { name: name.into() }
    }

    /// An open account of `name` with the role secretariat.
    fn open_account(n: u128, name: &str) -> Vec<AccessEvent> {
        vec![opened(n, name, Role::Secretariat), password_set(n)]
    }

    #[test]
    fn an_account_is_opened_with_its_password() {
        given_accounts(vec![])
            .when(open(1, "awa.diarra", Role::Secretariat))
            .then_events(open_account(1, "awa.diarra"));
    }

    #[test]
    fn a_name_holds_one_active_account_at_a_time() {
        given_accounts(open_account(1, "awa.diarra"))
            .when(open(2, "awa.diarra", Role::Auditor))
            .then_error("ACCOUNT_NAME_TAKEN");
        // Once disabled, the name may be opened again, as a new account.
        let mut history = open_account(1, "awa.diarra");
        history.push(disabled(1));
        given_accounts(history)
            .when(open(2, "awa.diarra", Role::Auditor))
            .then_events(vec![
                opened(2, "awa.diarra", Role::Auditor),
                password_set(2),
            ]);
    }

    #[test]
    fn a_password_is_set_on_the_active_account() {
        let mut history = open_account(1, "awa.diarra");
        history.extend([disabled(1), opened(2, "awa.diarra", Role::Dashboard)]);
        given_accounts(history)
            .when(set_password("awa.diarra"))
            .then_events(vec![password_set(2)]);
        given_accounts(vec![])
            .when(set_password("awa.diarra"))
            .then_error("UNKNOWN_ACCOUNT");
    }

    #[test]
    fn a_role_changes_to_another_role() {
        given_accounts(open_account(1, "awa.diarra"))
            .when(change_role("awa.diarra", Role::Auditor))
            .then_events(vec![role_changed(1, Role::Auditor)]);
        given_accounts(open_account(1, "awa.diarra"))
            .when(change_role("awa.diarra", Role::Secretariat))
            .then_error("ACCOUNT_ROLE_UNCHANGED");
        // The role the rules compare with is the last one given.
        let mut history = open_account(1, "awa.diarra");
        history.push(role_changed(1, Role::Auditor));
        given_accounts(history.clone())
            .when(change_role("awa.diarra", Role::Auditor))
            .then_error("ACCOUNT_ROLE_UNCHANGED");
        given_accounts(history)
            .when(change_role("awa.diarra", Role::Secretariat))
            .then_events(vec![role_changed(1, Role::Secretariat)]);
        given_accounts(vec![])
            .when(change_role("awa.diarra", Role::Auditor))
            .then_error("UNKNOWN_ACCOUNT");
    }

    #[test]
    fn only_the_active_account_is_disabled() {
        given_accounts(open_account(1, "awa.diarra"))
            .when(disable("awa.diarra"))
            .then_events(vec![disabled(1)]);
        given_accounts(vec![])
            .when(disable("awa.diarra"))
            .then_error("UNKNOWN_ACCOUNT");
        let mut history = open_account(1, "awa.diarra");
        history.push(disabled(1));
        given_accounts(history.clone())
            .when(disable("awa.diarra"))
            .then_error("UNKNOWN_ACCOUNT");
        given_accounts(history.clone())
            .when(set_password("awa.diarra"))
            .then_error("UNKNOWN_ACCOUNT");
        given_accounts(history)
            .when(change_role("awa.diarra", Role::Auditor))
            .then_error("UNKNOWN_ACCOUNT");
    }

    #[test]
    fn a_disabling_gives_a_reason() {
        for blank in ["", "   "] {
            given_accounts(open_account(1, "awa.diarra"))
                .when(AccountCommand::Disable {
                    name: "awa.diarra".into(),
                    reason: blank.into(),
                })
                .then_error_naming("FIELD_REQUIRED", "reason");
        }
        given_accounts(open_account(1, "awa.diarra"))
            .when(AccountCommand::Disable {
                name: "awa.diarra".into(),
                reason: "x".repeat(MAX_REASON_LEN + 1),
            })
            .then_error_naming("FIELD_TOO_LONG", "reason");
        // The limit is in bytes, as for a token's revocation.
        given_accounts(open_account(1, "awa.diarra"))
            .when(AccountCommand::Disable {
                name: "awa.diarra".into(),
                reason: "é".repeat(MAX_REASON_LEN / 2 + 1),
            })
            .then_error_naming("FIELD_TOO_LONG", "reason");
        given_accounts(open_account(1, "awa.diarra"))
            .when(AccountCommand::Disable {
                name: "awa.diarra".into(),
                reason: "x".repeat(MAX_REASON_LEN),
            })
            .then_events(vec![AccessEvent::AccountDisabled(AccountDisabled {
                account_id: id(1),
                reason: "x".repeat(MAX_REASON_LEN),
            })]);
    }

    #[test]
    fn only_the_operator_manages_accounts() {
        for role in [Role::Secretariat, Role::Auditor, Role::Dashboard] {
            given_accounts(vec![])
                .with_ctx(|c| c.actor.role = role)
                .when(open(1, "awa.diarra", Role::Dashboard))
                .then_error("OPERATOR_ONLY");
            for command in [
                set_password("awa.diarra"),
                change_role("awa.diarra", Role::Auditor),
                disable("awa.diarra"),
            ] {
                given_accounts(open_account(1, "awa.diarra"))
                    .with_ctx(|c| c.actor.role = role)
                    .when(command)
                    .then_error("OPERATOR_ONLY");
            }
        }
    }

    #[test]
    fn account_names_are_checked() {
        let long = "a".repeat(MAX_ACCOUNT_NAME_LEN + 1);
        for bad in ["", "Awa", "a b", "-x", ".x", "_x", "é", "awa@diarra", &long] {
            given_accounts(vec![])
                .when(open(1, bad, Role::Auditor))
                .then_error("INVALID_ACCOUNT_NAME");
            given_accounts(vec![])
                .when(set_password(bad))
                .then_error("INVALID_ACCOUNT_NAME");
        }
        for good in [
            "a",
            "7",
            "awa.diarra",
            "a-b_c.9",
            &"a".repeat(MAX_ACCOUNT_NAME_LEN),
        ] {
            assert_eq!(check_account_name(good), Ok(()), "{good}");
        }
    }

    #[test]
    fn full_names_are_checked() {
        let long = "a".repeat(MAX_FULL_NAME_LEN + 1);
        for bad in ["", "  \t ", "Awa\nDiarra", "Awa\u{7}", &long] {
            given_accounts(vec![])
                .when(AccountCommand::Open {
                    account_id: id(1),
                    name: "awa.diarra".into(),
                    full_name: bad.into(),
                    role: Role::Auditor,
                    region: None,
                })
                .then_error("INVALID_FULL_NAME");
        }
        // 200 characters, counted as characters, not bytes.
        let full_name = "é".repeat(MAX_FULL_NAME_LEN);
        given_accounts(vec![])
            .when(AccountCommand::Open {
                account_id: id(1),
                name: "awa.diarra".into(),
                full_name: full_name.clone(),
                role: Role::Auditor,
                region: None,
            })
            .then_events(vec![
                AccessEvent::AccountOpened(AccountOpened {
                    account_id: id(1),
                    name: "awa.diarra".into(),
                    full_name,
                    role: Role::Auditor,
                    region: None,
                    opened_at: ctx().occurred_at,
                }),
                password_set(1),
            ]);
    }

    #[test]
    fn an_account_limited_to_a_region_records_its_code() {
        let limited = |code: &str| AccountCommand::Open {
            account_id: id(1),
            name: "coordination.kayes".into(),
            full_name: "Coordination régionale de Kayes".into(),
            role: Role::Secretariat,
            region: Some(code.into()),
        };
        given_accounts(vec![])
            .when(limited("ML01"))
            .then_events(vec![
                AccessEvent::AccountOpened(AccountOpened {
                    account_id: id(1),
                    name: "coordination.kayes".into(),
                    full_name: "Coordination régionale de Kayes".into(),
                    role: Role::Secretariat,
                    region: Some("ML01".into()),
                    opened_at: ctx().occurred_at,
                }),
                password_set(1),
            ]);
        for bad in ["", "ML 01", "ML-01", &"M".repeat(33)] {
            given_accounts(vec![])
                .when(limited(bad))
                .then_error("INVALID_REGION");
        }
    }

    #[test]
    fn the_operators_role_is_not_given_to_an_account() {
        given_accounts(vec![])
            .when(open(1, "awa.diarra", Role::System))
            .then_error("ACCOUNT_ROLE_NOT_GRANTED");
        given_accounts(open_account(1, "awa.diarra"))
            .when(change_role("awa.diarra", Role::System))
            .then_error("ACCOUNT_ROLE_NOT_GRANTED");
    }

    #[test]
    fn a_refused_command_appends_nothing() {
        // What the store appends is what decide returns: a refusal is an
        // error, never a partial list (here, the opening's password event).
        let state = Account::fold(open_account(1, "awa.diarra").iter());
        let mut operator = ctx();
        operator.actor = registre_schema::Actor::system();
        for command in [
            open(2, "awa.diarra", Role::Auditor),
            change_role("awa.diarra", Role::Secretariat),
            disable("Awa"),
        ] {
            let result = Account::decide(&state, &command, &operator);
            assert!(result.is_err(), "{command:?} gave {result:?}");
        }
    }

    #[test]
    fn token_events_and_stale_ids_leave_the_state_alone() {
        let state = Account::fold(open_account(1, "awa.diarra").iter());
        let token = AccessEvent::Revoked(registre_schema::access::AccessTokenRevoked {
            token_id: id(1),
            reason: "x".into(),
        });
        assert_eq!(Account::evolve(state.clone(), &token), state);
        assert_eq!(Account::evolve(state.clone(), &disabled(9)), state);
        assert_eq!(
            Account::evolve(state.clone(), &role_changed(9, Role::Auditor)),
            state
        );
        assert_eq!(
            state.active,
            Some(ActiveAccount {
                account_id: id(1),
                role: Role::Secretariat
            })
        );
    }
}
