//! Signing in: a name and a password checked against the account's stream
//! and the credentials file, with a bound on failed attempts.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use registre_schema::Role;
use uuid::Uuid;

use super::Application;
use crate::accounts::{self, AccountRecord, password};
use crate::store::StoreError;

/// Sign-in attempts allowed under one name within [`LOCKOUT`] (a success
/// forgets them).
pub const MAX_FAILED_SIGN_INS: u32 = 5;
/// How long a name stays locked after too many failures.
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// Names whose failures are remembered at once; the oldest are forgotten
/// beyond it, so a flood of invented names cannot grow memory.
const MAX_REMEMBERED_NAMES: usize = 10_000;
/// Password checks run at once; beyond, a sign-in is turned away.
pub(super) const PASSWORD_CHECKS: usize = 4;

/// Who signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub account_id: Uuid,
    pub name: String,
    pub full_name: String,
    pub role: Role,
    /// The one region the account sees and acts in, if limited.
    pub region: Option<String>,
    /// When the password was last set: a login made before a reset ends.
    pub password_set_at: Option<DateTime<Utc>>,
}

impl From<&AccountRecord> for SignedIn {
    fn from(a: &AccountRecord) -> Self {
        SignedIn {
            account_id: a.account_id,
            name: a.name.clone(),
            full_name: a.full_name.clone(),
            role: a.role,
            region: a.region.clone(),
            password_set_at: a.password_set_at,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// A wrong name or password, told apart to no one.
    #[error("nom ou mot de passe incorrect")]
    Refused,
    /// Too many attempts under this name; try again later.
    #[error("trop d'essais infructueux : réessayez dans {minutes} minute{}", if *minutes > 1 { "s" } else { "" })]
    Throttled { minutes: u64 },
    /// Too many sign-ins being checked at once.
    #[error("trop de connexions en cours : réessayez dans un instant")]
    Busy,
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
            SignInError::Busy => "SIGN_IN_BUSY",
            SignInError::Store(_) | SignInError::Credentials(_) => "UNAVAILABLE",
        }
    }
}

/// Sign-in attempts per name, counted before the password is checked:
/// attempts sent at once cannot pass the bound together.
///
/// Keyed by name alone, so five wrong tries lock the name for its owner
/// too: the price of not letting anyone guess without bound (a bound per
/// client address would not hold behind a proxy).
#[derive(Default)]
pub(super) struct Attempts(Mutex<HashMap<String, (u32, Instant)>>);

impl Attempts {
    /// Counts an attempt under `name`, or says how long the name stays
    /// locked.
    fn begin(&self, name: &str, now: Instant) -> Result<(), Duration> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((count, since)) = map.get_mut(name) {
            let elapsed = now.saturating_duration_since(*since);
            if elapsed >= LOCKOUT {
                *count = 0;
                *since = now;
            } else if *count >= MAX_FAILED_SIGN_INS {
                return Err(LOCKOUT - elapsed);
            }
            *count += 1;
            return Ok(());
        }
        if map.len() >= MAX_REMEMBERED_NAMES {
            // Full: forget the oldest name rather than stop counting, so a
            // flood of invented names cannot switch the bound off.
            if let Some(oldest) = map
                .iter()
                .min_by_key(|(_, (_, since))| *since)
                .map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
        }
        map.insert(name.to_owned(), (1, now));
        Ok(())
    }

    /// A successful sign-in forgets the name's attempts.
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
        if let Err(left) = self.sign_in_attempts.begin(name, Instant::now()) {
            return Err(SignInError::Throttled {
                minutes: left.as_secs().div_ceil(60),
            });
        }
        // Each check takes some 19 MiB and tens of milliseconds: a few at
        // a time, the others turned away rather than queued.
        let Ok(_permit) = self.password_checks.try_acquire() else {
            return Err(SignInError::Busy);
        };
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
                self.sign_in_attempts.succeed(name);
                Ok(SignedIn::from(&a))
            }
            None => Err(SignInError::Refused),
        }
    }

    /// The account active under `name` now, if it is still `account_id`
    /// and its password has not been set again since `password_set_at`:
    /// a login ends when its account is disabled or its password reset,
    /// and takes a changed role at once.
    pub async fn signed_in_account(
        &self,
        name: &str,
        account_id: Uuid,
        password_set_at: Option<DateTime<Utc>>,
    ) -> Result<Option<SignedIn>, StoreError> {
        Ok(accounts::active_account(self.store.as_ref(), name)
            .await?
            .filter(|a| a.account_id == account_id && a.password_set_at == password_set_at)
            .map(|a| SignedIn::from(&a)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_five_attempts_when_a_sixth_comes_then_the_name_is_locked_until_the_delay_ends() {
        let attempts = Attempts::default();
        let t0 = Instant::now();
        for _ in 0..MAX_FAILED_SIGN_INS {
            assert!(attempts.begin("awa", t0).is_ok());
        }
        // Counted before any password is checked: a sixth sent at the same
        // time as the others is refused too.
        assert!(attempts.begin("awa", t0).is_err());
        assert!(attempts.begin("moussa", t0).is_ok());
        assert!(attempts.begin("awa", t0 + LOCKOUT).is_ok());
    }

    #[test]
    fn given_attempts_when_a_sign_in_succeeds_then_they_are_forgotten() {
        let attempts = Attempts::default();
        let t0 = Instant::now();
        for _ in 0..MAX_FAILED_SIGN_INS - 1 {
            attempts.begin("awa", t0).unwrap();
        }
        attempts.succeed("awa");
        for _ in 0..MAX_FAILED_SIGN_INS {
            assert!(attempts.begin("awa", t0).is_ok());
        }
    }

    #[test]
    fn given_a_flood_of_invented_names_when_a_real_one_is_tried_then_it_is_still_counted() {
        let attempts = Attempts::default();
        let t0 = Instant::now();
        for _ in 0..MAX_FAILED_SIGN_INS {
            attempts.begin("awa", t0).unwrap();
        }
        for i in 0..MAX_REMEMBERED_NAMES {
            attempts
                .begin(&format!("invente{i}"), t0 + Duration::from_millis(1))
                .unwrap();
        }
        // The oldest entry went, yet the bound holds from then on.
        for _ in 0..MAX_FAILED_SIGN_INS {
            attempts
                .begin("awa", t0 + Duration::from_millis(2))
                .unwrap();
        }
        assert!(
            attempts
                .begin("awa", t0 + Duration::from_millis(2))
                .is_err()
        );
    }
}
