//! Signing in and out.
//!
//! The sign-in form carries a token that must equal a cookie set with the
//! form (double submit): another site cannot post a sign-in in the
//! viewer's browser, which would sign them into an account of its choice.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::WebState;
use super::logins::{self, COOKIE_NAME, MAX_AGE, same_token, set_cookie};
use super::page::{self, render};
use super::switch;
use crate::application::SignInError;
use crate::language::Language;

const FORM_COOKIE: &str = "registre_connexion";
/// Longest name and password read from the form (the rules allow less).
const MAX_FIELD: usize = 256;

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    lang: Language,
    token: String,
    name: String,
    error: Option<String>,
}

pub async fn form(State(state): State<WebState>, headers: HeaderMap) -> Response {
    if state.logins.find(&headers).is_some() {
        return Redirect::to("/").into_response();
    }
    fresh_form(&headers, String::new(), None, StatusCode::OK)
}

fn fresh_form(
    headers: &HeaderMap,
    name: String,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let lang = switch::language(headers);
    let Some(token) = logins::random_token() else {
        return page::unavailable(lang);
    };
    let mut r = render(&SignInPage {
        lang,
        token: token.clone(),
        name,
        error,
    });
    *r.status_mut() = status;
    let secure = logins::over_tls(headers);
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(FORM_COOKIE, &token, MAX_AGE, secure),
    );
    r
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignInForm {
    token: String,
    name: String,
    password: String,
}

pub async fn submit(
    State(state): State<WebState>,
    headers: HeaderMap,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Response {
    let lang = switch::language(&headers);
    let Form(form) = match form {
        Ok(form) => form,
        Err(rejection) => return page::unreadable_form(lang, rejection),
    };
    let expected = logins::cookie(&headers, FORM_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same_token(&form.token, expected) {
        return page::bad_csrf(lang);
    }
    let name: String = form.name.trim().chars().take(MAX_FIELD).collect();
    if form.password.len() > MAX_FIELD {
        let error = SignInError::Refused;
        return fresh_form(
            &headers,
            name,
            Some(describe(&error, lang)),
            StatusCode::UNAUTHORIZED,
        );
    }
    match state.app.sign_in(&name, &form.password).await {
        Ok(account) => {
            tracing::info!(account = %account.name, "signed in");
            let Some(id) = state.logins.start(account) else {
                return page::unavailable(lang);
            };
            let secure = logins::over_tls(&headers);
            let mut r = Redirect::to("/").into_response();
            let h = r.headers_mut();
            h.append(
                header::SET_COOKIE,
                set_cookie(COOKIE_NAME, &id, MAX_AGE, secure),
            );
            h.append(
                header::SET_COOKIE,
                set_cookie(FORM_COOKIE, "", std::time::Duration::ZERO, secure),
            );
            r
        }
        Err(e @ (SignInError::Refused | SignInError::Throttled { .. } | SignInError::Busy)) => {
            // The name only if it could be one: a password typed in the
            // wrong field must not reach the logs.
            let logged = match registre_domain::account::check_account_name(&name) {
                Ok(()) => name.as_str(),
                Err(_) => "(not an account name)",
            };
            tracing::info!(name = logged, code = e.code(), "sign-in refused");
            let status = match e {
                SignInError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
                SignInError::Busy => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::UNAUTHORIZED,
            };
            fresh_form(&headers, name, Some(describe(&e, lang)), status)
        }
        Err(e) => {
            tracing::error!(error = %e, "signing in");
            page::unavailable(lang)
        }
    }
}

/// Why a sign-in was refused, as a sentence with its code.
fn describe(e: &SignInError, lang: Language) -> String {
    let text = match e {
        SignInError::Refused => lang.tr("Nom ou mot de passe incorrect").to_owned(),
        SignInError::Throttled { minutes } => {
            let minutes = u32::try_from(*minutes).unwrap_or(u32::MAX);
            lang.fill(
                "Trop d'essais infructueux : réessayez dans {}",
                &[&lang.count(minutes, "minute", "minutes")],
            )
        }
        SignInError::Busy => lang
            .tr("Trop de connexions en cours : réessayez dans un instant")
            .to_owned(),
        // Not a refusal: answered as unavailable.
        other => other.to_string(),
    };
    format!("{text}. (code {})", e.code())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignOutForm {
    csrf: String,
}

pub async fn sign_out(
    State(state): State<WebState>,
    headers: HeaderMap,
    form: Result<Form<SignOutForm>, FormRejection>,
) -> Response {
    let lang = switch::language(&headers);
    let Form(form) = match form {
        Ok(form) => form,
        Err(rejection) => return page::unreadable_form(lang, rejection),
    };
    if let Some((id, login)) = state.logins.find(&headers) {
        if !same_token(&form.csrf, &login.csrf) {
            return page::bad_csrf(lang);
        }
        state.logins.end(&id);
    }
    let mut r = Redirect::to("/connexion").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            COOKIE_NAME,
            "",
            std::time::Duration::ZERO,
            logins::over_tls(&headers),
        ),
    );
    r
}
