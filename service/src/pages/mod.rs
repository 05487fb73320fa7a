//! The web application: pages for the secretariat, the auditors and the
//! dashboards, in French or English, rendered on the server and served by
//! `registre serve` under `/`, beside `/graphql`.
//!
//! A second adapter over the application layer, like GraphQL: it holds an
//! [`Application`] and nothing else of the service. Templates (askama,
//! `service/templates/`) are checked at compile time and escape what they
//! print; the forms post without JavaScript, and the vendored htmx only
//! keeps the dashboard and a session's quorum live. Every asset ships
//! inside the binary.
//!
//! Every text of a page comes from the [`catalogue`](crate::catalogue),
//! whose keys are the French texts: templates call `frame.tr("…")` (or
//! `lang.tr`), the handlers pass the viewer's [`Language`] down
//! ([`page::Viewer`] reads it once per request, see [`switch`]).
//!
//! [`Language`]: crate::language::Language
//!
//! ## Layout
//! - [`logins`]: signed-in browsers (a cookie each), CSRF tokens.
//! - [`sign_in`]: `/connexion`, `/deconnexion`.
//! - [`dashboard`]: `/` and its live part.
//! - [`members`]: the directory and a member's page.
//! - [`admission`], [`payment`]: the forms that admit a commune and record
//!   a payment; [`contacts`], [`status`], [`reversal`] and
//!   [`succession`]: a member's contacts, its suspension, reinstatement
//!   or withdrawal, a payment's reversal, and its succession after a
//!   merge or a split; [`correction`]: a record of a member, a session,
//!   a body or the statutes corrected; [`reorganisation`]: communes merged, split or
//!   created by law, which successions then follow.
//! - [`dues_schedule`]: each year's dues schedule, and the form that
//!   sets the next.
//! - [`sessions`]: the calendar and convening (a second time after a
//!   failed quorum); [`session_course`]: one session's course (attendance
//!   and quorum, opening, motions and votes, closing, adjournment);
//!   [`minutes`]: its minutes drafted, signed and adopted.
//! - [`page`]: what every page shares (the signed-in viewer, the frame,
//!   refusals); [`record_form`]: the handlers of every form about the
//!   member or body its path names, [`register_form`]: of every form
//!   that adds to a register; [`submit`]: a form's command submitted; [`fields`]: a form's
//!   `Field`, its text and its refusal in the viewer's language; [`switch`]: the
//!   viewer's language and the switch that chooses it.
//! - [`audit`]: for auditors, the tree, its signed heads and proofs.
//! - [`bodies`]: the instances and organs, who holds their posts and
//!   which are overdue for a statutory meeting; [`establishment`]: a body
//!   established; [`seats`]: a body's posts defined, communes designated
//!   to them, its statutory name and mandates ended; [`elections`]: elections to
//!   them, candidacies and rounds counted; [`statutes`]: the statutes
//!   in force and every version; [`amendment`]: their general rules
//!   amended; [`body_rules`]: a statutory body's own rules amended.
//! - [`scope`]: what a viewer limited to one region sees and acts on.
//! - [`french`](crate::french): dates, amounts and names as French writes
//!   them (the catalogue's keys).
//! - [`chart`]: bar charts drawn as SVG on the server.
//! - [`assets`]: the stylesheet, htmx and GraphiQL's scripts, compiled in.

/// The value of a step that may answer the page itself (sign in first,
/// refused, not found): `?` for handlers that answer a `Response`.
macro_rules! try_page {
    ($step:expr) => {
        match $step {
            Ok(value) => value,
            Err(answer) => return axum::response::IntoResponse::into_response(answer),
        }
    };
}

mod admission;
mod amendment;
mod assets;
mod audit;
mod bodies;
mod body_rules;
mod chart;
mod contacts;
mod correction;
mod dashboard;
mod documents;
mod dues_schedule;
mod elections;
mod establishment;
mod every_text;
mod fields;
pub mod logins;
mod members;
mod minutes;
mod page;
mod payment;
mod record_form;
mod register_form;
mod reorganisation;
mod reversal;
mod scope;
mod seats;
mod session_course;
mod sessions;
mod sign_in;
mod status;
mod statutes;
mod submit;
mod succession;
mod switch;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::{get, post};

use crate::application::Application;

/// What every page handler reaches.
#[derive(Clone)]
pub struct WebState {
    pub app: Arc<Application>,
    pub logins: Arc<logins::Logins>,
    /// The dashboard's live part, rendered once per point of the log.
    pub dashboards: Arc<dashboard::Rendered>,
}

/// The pages' routes.
pub fn router(app: Arc<Application>) -> Router {
    let state = WebState {
        app,
        logins: Arc::default(),
        dashboards: Arc::default(),
    };
    Router::new()
        .route("/", get(dashboard::page))
        .route("/tableau/direct", get(dashboard::live))
        .route("/connexion", get(sign_in::form).post(sign_in::submit))
        .route("/deconnexion", post(sign_in::sign_out))
        .route("/membres", get(members::directory))
        .route(
            "/membres/admission",
            get(admission::form).post(register_form::submit::<admission::AdmissionFields>),
        )
        .route("/membres/{id}", get(members::member))
        .route(
            "/membres/{id}/paiement",
            post(record_form::submit::<payment::PaymentFields>),
        )
        .route(
            "/membres/{id}/coordonnees",
            get(record_form::form::<contacts::ContactFields>)
                .post(record_form::submit::<contacts::ContactFields>),
        )
        .route(
            "/membres/{id}/statut",
            get(record_form::form::<status::StatusFields>)
                .post(record_form::submit::<status::StatusFields>),
        )
        .route(
            "/membres/{id}/annulation",
            get(reversal::form).post(record_form::submit::<reversal::ReversalFields>),
        )
        .route(
            "/membres/{id}/correction",
            get(correction::form::<{ correction::MEMBER }>)
                .post(correction::submit::<{ correction::MEMBER }>),
        )
        .route(
            "/membres/{id}/succession",
            get(record_form::form::<succession::SuccessionFields>)
                .post(record_form::submit::<succession::SuccessionFields>),
        )
        .route(
            "/cotisations",
            get(dues_schedule::page).post(register_form::submit::<dues_schedule::ScheduleFields>),
        )
        .route(
            "/territoire/reorganisation",
            get(reorganisation::form)
                .post(register_form::submit::<reorganisation::ReorganisationFields>),
        )
        .route("/audit", get(audit::page))
        .route("/audit/export", get(audit::export))
        .route("/instances", get(bodies::page))
        .route(
            "/instances/nouvelle",
            get(establishment::form)
                .post(register_form::submit::<establishment::EstablishmentFields>),
        )
        .route(
            "/instances/{id}/sieges",
            get(record_form::form::<seats::SeatFields>)
                .post(record_form::submit::<seats::SeatFields>),
        )
        .route(
            "/instances/{id}/correction",
            get(correction::form::<{ correction::BODY }>)
                .post(correction::submit::<{ correction::BODY }>),
        )
        .route(
            "/instances/{id}/elections",
            get(record_form::form::<elections::ElectionFields>)
                .post(record_form::submit::<elections::ElectionFields>),
        )
        .route("/statuts", get(statutes::page))
        .route(
            "/statuts/modification",
            get(amendment::form).post(amendment::submit),
        )
        .route(
            "/statuts/correction",
            get(correction::statutes_form).post(correction::statutes_submit),
        )
        .route(
            "/statuts/instances/{slug}",
            get(body_rules::form).post(body_rules::submit),
        )
        .route("/sessions", get(sessions::calendar))
        .route(
            "/sessions/convocation",
            get(sessions::convene_form).post(register_form::submit::<sessions::ConveneFields>),
        )
        .route("/sessions/{id}", get(session_course::page))
        .route("/sessions/{id}/quorum", get(session_course::live_quorum))
        .route(
            "/sessions/{id}/correction",
            get(correction::form::<{ correction::SESSION }>)
                .post(correction::submit::<{ correction::SESSION }>),
        )
        .route(
            "/sessions/{id}/pv-redaction",
            post(minutes::draft).layer(DefaultBodyLimit::max(
                minutes::MAX_DOCUMENT_BYTES + 64 * 1024,
            )),
        )
        .route("/sessions/{id}/{step}", post(session_course::step))
        .route("/documents/nouveau", get(documents::issue))
        .route("/documents/{reference}", get(documents::download))
        .route("/verifier", get(documents::form))
        .route("/verifier/{reference}", get(documents::page))
        .route("/verifier/{reference}/pdf", get(documents::original))
        .route("/static/{*file}", get(assets::serve))
        .route("/langue/{code}", get(switch::choose))
        .with_state(state)
        .layer(axum::middleware::map_request(switch::note_the_page))
        .layer(axum::middleware::map_response(protect))
        // Pages are text and the secretariat's links are slow: gzip what
        // the browser accepts (htmx is served already compressed).
        .layer(tower_http::compression::CompressionLayer::new())
}

/// Headers every page carries: pages hold personal records, so no cache
/// keeps them (Back after signing out shows nothing) unless the answer set
/// its own (the static files); no other site may frame them; scripts,
/// styles and forms come from here alone.
async fn protect(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    r
}
