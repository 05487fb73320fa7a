//! The viewer's language: the one chosen with the switch in each page's
//! header (`/langue/en?retour=/membres`, a cookie `langue`), else the one
//! the browser prefers (`Accept-Language`), else French.
//!
//! Security invariant: the switch sends the browser back to a path of
//! this site alone (one `/`, then anything but `/` or `\`), never to
//! another site whatever `retour` says.

use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request};
use axum::http::header::{ACCEPT_LANGUAGE, HOST, REFERER, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::logins;
use super::page;
use crate::language::Language;

/// The cookie that keeps the viewer's choice (`fr` or `en`).
pub const COOKIE: &str = "langue";
/// A choice is kept a year.
const KEPT: Duration = Duration::from_secs(365 * 24 * 60 * 60);
/// The request header [`note_the_page`] writes the page's address in
/// (whatever the browser sent under that name is dropped).
const HERE: &str = "x-registre-page";

/// The language of a request's pages.
pub fn language(headers: &HeaderMap) -> Language {
    logins::cookie(headers, COOKIE)
        .and_then(Language::from_code)
        .unwrap_or_else(|| {
            Language::from_accept_language(
                headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()),
            )
        })
}

/// The page's own address, as [`note_the_page`] noted it (`/` if none).
pub fn here(headers: &HeaderMap) -> String {
    headers
        .get(HERE)
        .and_then(|v| v.to_str().ok())
        .and_then(same_site)
        .unwrap_or("/")
        .to_owned()
}

/// Notes each request's page for the switch: a page asked for is its own
/// address; a form posted and shown again (refused) comes back to the
/// page the form was on, which its `Referer` names.
pub async fn note_the_page(mut request: Request) -> Request {
    let page = if request.method() == Method::GET {
        request
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
    } else {
        referring_path(request.headers()).map(str::to_owned)
    };
    let headers = request.headers_mut();
    headers.remove(HERE);
    if let Some(value) = page.and_then(|p| HeaderValue::from_str(&p).ok()) {
        headers.insert(HERE, value);
    }
    request
}

/// The path of a `Referer` of this same host.
fn referring_path(headers: &HeaderMap) -> Option<&str> {
    let referer = headers.get(REFERER)?.to_str().ok()?;
    let host = headers.get(HOST)?.to_str().ok()?;
    let rest = referer
        .strip_prefix("http://")
        .or_else(|| referer.strip_prefix("https://"))?;
    let path = rest.strip_prefix(host)?;
    same_site(path)
}

/// `path` if a browser reads it as a path of this site: one `/` first
/// (`//host` and `/\host` name other sites), visible ASCII only (what a
/// `Location` header holds), and of a sensible length.
fn same_site(path: &str) -> Option<&str> {
    let ours = path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && path.len() <= 2048
        && path.bytes().all(|b| b.is_ascii_graphic());
    ours.then_some(path)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Back {
    retour: String,
}

/// `/langue/{fr|en}?retour=PATH`: keeps the choice and goes back.
pub async fn choose(
    headers: HeaderMap,
    Path(code): Path<String>,
    back: Result<Query<Back>, QueryRejection>,
) -> Response {
    let Some(chosen) = Language::from_code(&code) else {
        return page::not_found(language(&headers));
    };
    let back = back.map(|Query(b)| b).unwrap_or_default();
    let to = same_site(&back.retour).unwrap_or("/");
    let mut r = Redirect::to(to).into_response();
    r.headers_mut().append(
        SET_COOKIE,
        logins::set_cookie(COOKIE, chosen.code(), KEPT, logins::over_tls(&headers)),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn given_a_choice_and_a_browser_preference_when_read_then_the_choice_wins() {
        let preferred = |pairs| language(&headers(pairs));
        assert_eq!(preferred(&[]), Language::French);
        assert_eq!(preferred(&[("accept-language", "en")]), Language::English);
        assert_eq!(
            preferred(&[("accept-language", "en"), ("cookie", "langue=fr")]),
            Language::French
        );
        assert_eq!(
            preferred(&[("cookie", "registre_session=x; langue=en")]),
            Language::English
        );
        // A value that is no language: the browser's preference.
        assert_eq!(preferred(&[("cookie", "langue=de")]), Language::French);
    }

    #[test]
    fn given_return_addresses_when_checked_then_only_paths_of_this_site_pass() {
        for ours in [
            "/",
            "/membres",
            "/membres?q=S%C3%A9gou&page=2",
            "/audit#preuve",
        ] {
            assert_eq!(same_site(ours), Some(ours));
        }
        for other in [
            "",
            "//evil.example",
            "/\\evil.example",
            "https://evil.example/",
            "evil.example",
            "/membres\r\nSet-Cookie: x=y",
            "/Ségou",
            " /membres",
        ] {
            assert_eq!(same_site(other), None, "{other:?}");
        }
    }

    #[test]
    fn given_a_referer_when_read_then_only_one_of_this_host_gives_a_path() {
        let h = |referer| headers(&[("host", "registre.amm.ml"), ("referer", referer)]);
        assert_eq!(
            referring_path(&h("https://registre.amm.ml/membres/1?x=2")),
            Some("/membres/1?x=2")
        );
        assert_eq!(referring_path(&h("https://other.example/membres")), None);
        assert_eq!(
            referring_path(&h("https://registre.amm.ml.evil.example/membres")),
            None
        );
        assert_eq!(
            referring_path(&h("https://registre.amm.ml//evil.example")),
            None
        );
    }
}
