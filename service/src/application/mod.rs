//! The application layer: the one way in for every adapter (GraphQL
//! today; the web pages and documents next).
//!
//! Architecture invariant: adapters hold an [`Application`] and nothing
//! else of the service. They submit commands ([`Application::submit`]),
//! read the registers live ([`LiveModels`]) or as they stood
//! ([`Application::past_states`]), read the log without any way to write
//! it ([`LogReader`]), and ask the audit trail for proofs. None of them
//! names the event store or the command handler; a test walks the
//! adapters' sources to keep it so.
//!
//! ## Layout
//! - this file: [`Application`], built once at start-up.
//! - [`submit`]: a command in; what it appended and what the read models
//!   show of it out.
//! - [`read_models`]: [`LiveModels`], the registers kept up to date.
//! - [`log`]: [`LogReader`], the log read only.
//! - [`log_export`]: the log's export for an auditor's download.
//! - [`accounts`]: signing in with a name and a password.
//! - [`imports`]: members and payments from spreadsheets, all or nothing.
//! - [`documents`]: official documents in PDF, made again from their
//!   reference, and what their verification page shows.

mod accounts;
pub mod documents;
mod imports;
mod log;
mod log_export;
mod read_models;
mod submit;

use std::sync::Arc;

use registre_projections::ReadModels;

pub use accounts::{LOCKOUT, MAX_FAILED_SIGN_INS, SignInError, SignedIn};
pub use imports::{ImportError, Imported};
pub use log::{LogReader, MAX_EVENT_TYPE_LEN};
pub use log_export::{LogExport, LogExportError};
pub use read_models::LiveModels;
pub use submit::{READ_YOUR_WRITES, Submission, Submitted};

pub use crate::commands::{Appended, Command, CommandError, Outcome};
pub use crate::projector::WaitError;
pub use crate::projector::as_of::{AsOfDate, AsOfError, AsOfService};
pub use crate::store::StoreError;

use crate::accounts::CredentialFile;
use crate::audit_trail::AuditTrail;
use crate::auth::TokenRegistry;
use crate::commands::CommandHandler;
use crate::projector::Projector;
use crate::store::EventStore;

/// The service's use cases over one store. Share it (`Arc`) between
/// adapters and tasks.
pub struct Application {
    store: Arc<dyn EventStore>,
    commands: CommandHandler,
    tokens: Arc<TokenRegistry>,
    read_models: Option<LiveModels>,
    audit_trail: Option<AuditTrail>,
    past_states: Option<AsOfService>,
    /// The web accounts' password hashes (none: no one can sign in).
    credentials: Option<CredentialFile>,
    sign_in_attempts: accounts::Attempts,
    /// Password checks running at once (see [`accounts`]).
    password_checks: tokio::sync::Semaphore,
    /// The letterhead and public address of official documents.
    document_settings: Arc<documents::DocumentSettings>,
    /// Documents made at once (see [`documents`]), for signed-in readers
    /// and for the public verification page.
    document_work: tokio::sync::Semaphore,
    public_document_work: tokio::sync::Semaphore,
    /// Log exports written at once: one (each reads the whole log).
    log_exports: Arc<tokio::sync::Semaphore>,
}

impl Application {
    /// Commands and the raw log over `store`; the registers, the audit
    /// trail and past states are added by the `with_` calls (tools and
    /// tests that serve the raw log alone go without).
    pub fn new(store: Arc<dyn EventStore>, tokens: Arc<TokenRegistry>) -> Self {
        Application {
            commands: CommandHandler::new(store.clone()),
            store,
            tokens,
            read_models: None,
            audit_trail: None,
            past_states: None,
            credentials: None,
            sign_in_attempts: Default::default(),
            password_checks: tokio::sync::Semaphore::new(accounts::PASSWORD_CHECKS),
            document_settings: Arc::default(),
            document_work: tokio::sync::Semaphore::new(documents::AT_ONCE),
            public_document_work: tokio::sync::Semaphore::new(documents::PUBLIC_AT_ONCE),
            log_exports: Arc::new(tokio::sync::Semaphore::new(1)),
        }
    }

    pub fn with_read_models(mut self, projector: Projector<ReadModels>) -> Self {
        self.read_models = Some(LiveModels::new(projector));
        self
    }

    pub fn with_audit_trail(mut self, trail: AuditTrail) -> Self {
        self.audit_trail = Some(trail);
        self
    }

    pub fn with_credentials(mut self, credentials: CredentialFile) -> Self {
        self.credentials = Some(credentials);
        self
    }

    pub fn with_past_states(mut self, as_of: AsOfService) -> Self {
        self.past_states = Some(as_of);
        self
    }

    /// The log, read only.
    pub fn log(&self) -> LogReader {
        LogReader::new(self.store.clone())
    }

    /// The registers kept up to date with the log, when served.
    pub fn read_models(&self) -> Option<&LiveModels> {
        self.read_models.as_ref()
    }

    /// The registers as they stood at a past point of the log.
    pub fn past_states(&self) -> Option<&AsOfService> {
        self.past_states.as_ref()
    }

    /// The Merkle tree over the log, its signed heads and proofs.
    pub fn audit_trail(&self) -> Option<&AuditTrail> {
        self.audit_trail.as_ref()
    }

    /// The access tokens in force.
    pub fn tokens(&self) -> &Arc<TokenRegistry> {
        &self.tokens
    }
}
