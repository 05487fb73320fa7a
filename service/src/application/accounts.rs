//! Signing in: a name and a password checked against the account's stream
//! and the credentials file, with a bound on failed attempts.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use registre_schema::Role;
use uuid::Uuid;

use super::Application;
use crate::accounts::{self, AccountRecord, password};
use crate::store::StoreError;

/// Failed sign-ins allowed under one name within [`LOCKOUT`].
pub const MAX_FAILED_SIGN_INS: u32 = 5;
/// How long a name stays locked after too many failures.
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// Names whose failures are remembered at once; the oldest are forgotten
/// beyond it, so a flood of invented names cannot grow memory.
const MAX_REMEMBERED_NAMES: usize = 10_000;

/// Who signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub account_id: Uuid,
    pub name: String,
    pub full_name: String,
    pub role: Role,
}

impl From<&AccountRecord> for SignedIn {
    fn from(a: &AccountRecord) -> Self {
        SignedIn {
            account_id: a.account_id,
            name: a.name.clone(),
            full_name: a.full_name.clone(),
            role: a.role,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// A wrong name or password, told apart to no one.
    #[error("nom ou mot de passe incorrect")]
    Refused,
    /// Too many failures under this name; try again later.
    #[error("trop d'essais infructueux : réessayez dans {minutes} minutes")]
    Throttled { minutes: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the credentials cannot be read: {0}")]
    Credentials(String),
}

impl SignInError {
    /// Stable code shown to the user beside the message.
    pub fn code(&self) -> &'static str {
        match self {
            SignInError::Refused => "SIGN_IN_REFUSED",
            SignInError::Throttled { .. } => "SIGN_IN_THROTTLED",
            SignInError::Store(_) | SignInError::Credentials(_) => "UNAVAILABLE",
        }
    }
}

/// Failed sign-ins per name.
#[derive(Default)]
pub(super) struct FailedSignIns(Mutex<HashMap<String, (u32, Instant)>>);

impl FailedSignIns {
    fn locked_for(&self, name: &str, now: Instant) -> Option<Duration> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let (count, since) = map.get(name)?;
        let elapsed = now.saturating_duration_since(*since);
        (*count >= MAX_FAILED_SIGN_INS && elapsed < LOCKOUT).then(|| LOCKOUT - elapsed)
    }

    fn fail(&self, name: &str, now: Instant) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_REMEMBERED_NAMES && !map.contains_key(name) {
            map.retain(|_, (_, since)| now.saturating_duration_since(*since) < LOCKOUT);
            if map.len() >= MAX_REMEMBERED_NAMES {
                return;
            }
        }
        let entry = map.entry(name.to_owned()).or_insert((0, now));
        if now.saturating_duration_since(entry.1) >= LOCKOUT {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    fn succeed(&self, name: &str) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name);
    }
}

impl Application {
    /// Checks a name and password. Unknown names, disabled accounts and
    /// wrong passwords are refused alike and take as long.
    pub async fn sign_in(&self, name: &str, given: &str) -> Result<SignedIn, SignInError> {
        let now = Instant::now();
        if let Some(left) = self.failed_sign_ins.locked_for(name, now) {
            return Err(SignInError::Throttled {
                minutes: left.as_secs().div_ceil(60),
            });
        }
        let account = accounts::active_account(self.store.as_ref(), name).await?;
        let phc = match (&account, &self.credentials) {
            (Some(a), Some(file)) => file
                .get(a.account_id)
                .map_err(|e| SignInError::Credentials(e.to_string()))?,
            _ => None,
        };
        let given = given.to_owned();
        let matched = tokio::task::spawn_blocking(move || {
            let phc = phc.as_deref();
            password::matches(&given, phc.unwrap_or(password::decoy())) && phc.is_some()
        })
        .await
        .unwrap_or(false);
        match account.filter(|_| matched) {
            Some(a) => {
                self.failed_sign_ins.succeed(name);
                Ok(SignedIn::from(&a))
            }
            None => {
                self.failed_sign_ins.fail(name, now);
                Err(SignInError::Refused)
            }
        }
    }

    /// The account active under `name` now, if it is still `account_id`:
    /// a session ends when its account is disabled, and takes a changed
    /// role at once.
    pub async fn signed_in_account(
        &self,
        name: &str,
        account_id: Uuid,
    ) -> Result<Option<SignedIn>, StoreError> {
        Ok(accounts::active_account(self.store.as_ref(), name)
            .await?
            .filter(|a| a.account_id == account_id)
            .map(|a| SignedIn::from(&a)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_five_failures_when_a_sixth_try_comes_then_the_name_is_locked_until_the_delay_ends() {
        let failed = FailedSignIns::default();
        let t0 = Instant::now();
        for _ in 0..MAX_FAILED_SIGN_INS - 1 {
            failed.fail("awa", t0);
        }
        assert_eq!(failed.locked_for("awa", t0), None);
        failed.fail("awa", t0);
        assert!(failed.locked_for("awa", t0).is_some());
        assert_eq!(failed.locked_for("moussa", t0), None);
        assert_eq!(failed.locked_for("awa", t0 + LOCKOUT), None);
    }

    #[test]
    fn given_failures_when_a_sign_in_succeeds_then_they_are_forgotten() {
        let failed = FailedSignIns::default();
        let t0 = Instant::now();
        for _ in 0..MAX_FAILED_SIGN_INS - 1 {
            failed.fail("awa", t0);
        }
        failed.succeed("awa");
        failed.fail("awa", t0);
        assert_eq!(failed.locked_for("awa", t0), None);
    }
}
