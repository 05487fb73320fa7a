//! The web application: French pages for the secretariat, the auditors and
//! the dashboards, rendered on the server and served by `registre serve`
//! under `/`, beside `/graphql`.
//!
//! A second adapter over the application layer, like GraphQL: it holds an
//! [`Application`] and nothing else of the service. Templates (askama,
//! `service/templates/`) are checked at compile time and escape what they
//! print; the core forms post without JavaScript, and the vendored htmx
//! only keeps the dashboard live. Every asset ships inside the binary.
//!
//! ## Layout
//! - [`session`]: sessions in cookies, CSRF tokens.
//! - [`sign_in`]: `/connexion`, `/deconnexion`.
//! - [`dashboard`]: `/` and its live part.
//! - [`members`]: the directory and a member's page.
//! - [`admission`], [`payment`]: the forms that admit a commune and record
//!   a payment.
//! - [`page`]: what every page shares (the signed-in viewer, the frame,
//!   refusals).
//! - [`french`]: dates, amounts and names as French writes them.
//! - [`chart`]: bar charts drawn as SVG on the server.
//! - [`assets`]: the stylesheet and htmx, compiled in.

mod admission;
mod assets;
mod chart;
mod dashboard;
mod fields;
pub mod french;
mod members;
mod page;
mod payment;
pub mod session;
mod sign_in;
mod submit;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::application::Application;

/// What every page handler reaches.
#[derive(Clone)]
pub struct WebState {
    pub app: Arc<Application>,
    pub sessions: Arc<session::Sessions>,
}

/// The pages' routes.
pub fn router(app: Arc<Application>) -> Router {
    let state = WebState {
        app,
        sessions: Arc::default(),
    };
    Router::new()
        .route("/", get(dashboard::page))
        .route("/tableau/direct", get(dashboard::live))
        .route("/connexion", get(sign_in::form).post(sign_in::submit))
        .route("/deconnexion", post(sign_in::sign_out))
        .route("/membres", get(members::directory))
        .route(
            "/membres/admission",
            get(admission::form).post(admission::submit),
        )
        .route("/membres/{id}", get(members::member))
        .route("/membres/{id}/paiement", post(payment::submit))
        .route("/static/{file}", get(assets::serve))
        .with_state(state)
}
