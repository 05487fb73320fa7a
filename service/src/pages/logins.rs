//! Signed-in browsers (logins): a random id in a cookie, the account and
//! a CSRF token kept on the server. (A governance session is another
//! thing: see `sessions.rs`.)
//!
//! Security invariants: the cookie is `HttpOnly` and `SameSite=Strict`
//! (and `Secure` behind TLS); a login ends on sign-out, after
//! [`IDLE`] without a request, after [`MAX_AGE`] in all, and at once when
//! its account is disabled; every form posted carries the login's CSRF
//! token, compared in constant time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::application::SignedIn;
use axum::http::HeaderMap;
use axum::http::header::{COOKIE, HeaderValue};
use base64::Engine;
use registre_schema::Role;

pub const COOKIE_NAME: &str = "registre_session";
/// A login unused this long is over.
pub const IDLE: Duration = Duration::from_secs(2 * 60 * 60);
/// A login is over this long after sign-in, used or not.
pub const MAX_AGE: Duration = Duration::from_secs(12 * 60 * 60);
/// Sessions kept at once; beyond it the least recently used ends.
const MAX_SESSIONS: usize = 10_000;

/// One signed-in browser.
#[derive(Debug, Clone)]
pub struct Login {
    pub account: SignedIn,
    pub csrf: String,
    started: Instant,
    last_seen: Instant,
}

impl Login {
    pub fn can_write(&self) -> bool {
        self.account.role == Role::Secretariat
    }
}

#[derive(Default)]
pub struct Logins(Mutex<HashMap<String, Login>>);

impl Logins {
    /// Starts a login; returns the cookie's value.
    pub fn start(&self, account: SignedIn) -> Option<String> {
        let id = random_token()?;
        let now = Instant::now();
        let login = Login {
            account,
            csrf: random_token()?,
            started: now,
            last_seen: now,
        };
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, s| alive(s, now));
        if map.len() >= MAX_SESSIONS
            && let Some(oldest) = map
                .iter()
                .min_by_key(|(_, s)| s.last_seen)
                .map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
        map.insert(id.clone(), login);
        Some(id)
    }

    /// The live login named by the request's cookie, touched: a request
    /// of the viewer's keeps it from going idle.
    pub fn find(&self, headers: &HeaderMap) -> Option<(String, Login)> {
        self.lookup(headers, true)
    }

    /// The live login, untouched: the live parts of a page ask on their own
    /// every few seconds, and must not keep an unattended screen signed in.
    pub fn peek(&self, headers: &HeaderMap) -> Option<(String, Login)> {
        self.lookup(headers, false)
    }

    fn lookup(&self, headers: &HeaderMap, touch: bool) -> Option<(String, Login)> {
        let id = cookie(headers, COOKIE_NAME)?;
        let now = Instant::now();
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let login = map.get_mut(id)?;
        if !alive(login, now) {
            map.remove(id);
            return None;
        }
        if touch {
            login.last_seen = now;
        }
        Some((id.to_owned(), login.clone()))
    }

    /// Takes a role changed since sign-in.
    pub fn refresh(&self, id: &str, account: SignedIn) {
        if let Some(s) = self.0.lock().unwrap_or_else(|p| p.into_inner()).get_mut(id) {
            s.account = account;
        }
    }

    pub fn end(&self, id: &str) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(id);
    }

    #[cfg(test)]
    fn age(&self, id: &str, by: Duration) {
        if let Some(s) = self.0.lock().unwrap().get_mut(id) {
            s.started -= by;
            s.last_seen -= by;
        }
    }
}

fn alive(s: &Login, now: Instant) -> bool {
    now.saturating_duration_since(s.last_seen) < IDLE
        && now.saturating_duration_since(s.started) < MAX_AGE
}

/// 256 random bits, URL-safe.
pub fn random_token() -> Option<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).ok()?;
    Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Whether a form's token is the expected one, in time that does not
/// depend on where they differ.
pub fn same_token(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The value of cookie `name` in the request.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value with the session's attributes; `max_age` 0
/// deletes the cookie.
pub fn set_cookie(name: &str, value: &str, max_age: Duration, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        max_age.as_secs()
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Whether the browser reached the server over TLS (through a proxy that
/// says so): its cookies then carry `Secure`.
pub fn over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn account() -> SignedIn {
        SignedIn {
            account_id: Uuid::now_v7(),
            name: "awa".into(),
            full_name: "Awa Traoré".into(),
            role: Role::Secretariat,
            region: None,
            password_set_at: None,
        }
    }

    fn headers(cookie: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_str(cookie).unwrap());
        h
    }

    #[test]
    fn given_a_started_login_when_its_cookie_comes_back_then_it_is_found_until_it_ends() {
        let logins = Logins::default();
        let id = logins.start(account()).unwrap();
        let h = headers(&format!("autre=1; {COOKIE_NAME}={id}"));
        assert_eq!(logins.find(&h).unwrap().1.account.name, "awa");
        logins.end(&id);
        assert!(logins.find(&h).is_none());
    }

    #[test]
    fn given_an_idle_login_when_it_comes_back_then_it_is_over() {
        let logins = Logins::default();
        let id = logins.start(account()).unwrap();
        logins.age(&id, IDLE);
        assert!(
            logins
                .find(&headers(&format!("{COOKIE_NAME}={id}")))
                .is_none()
        );
    }

    #[test]
    fn given_a_login_only_peeked_at_when_the_idle_delay_passes_then_it_is_over() {
        let logins = Logins::default();
        let id = logins.start(account()).unwrap();
        let h = headers(&format!("{COOKIE_NAME}={id}"));
        logins.age(&id, IDLE / 2);
        assert!(logins.peek(&h).is_some());
        logins.age(&id, IDLE / 2);
        assert!(logins.peek(&h).is_none());
    }

    #[test]
    fn given_a_forged_cookie_when_looked_up_then_nothing_is_found() {
        let logins = Logins::default();
        logins.start(account()).unwrap();
        assert!(
            logins
                .find(&headers(&format!("{COOKIE_NAME}=invente")))
                .is_none()
        );
    }

    #[test]
    fn given_tokens_when_compared_then_only_the_same_one_passes() {
        let t = random_token().unwrap();
        assert_eq!(t.len(), 43);
        assert!(same_token(&t, &t.clone()));
        assert!(!same_token(&random_token().unwrap(), &t));
        assert!(!same_token("", &t));
    }

    #[test]
    fn given_a_cookie_when_set_then_it_is_http_only_and_strict() {
        let v = set_cookie(COOKIE_NAME, "abc", MAX_AGE, true);
        let v = v.to_str().unwrap();
        assert!(v.contains("HttpOnly") && v.contains("SameSite=Strict") && v.ends_with("Secure"));
        assert!(
            !set_cookie(COOKIE_NAME, "abc", MAX_AGE, false)
                .to_str()
                .unwrap()
                .contains("Secure")
        );
    }
}
