//! Official documents: made from the registers as they stood at a signed
//! position of the log, typeset by `registre-documents`, carrying the
//! records they state and their inclusion proofs.
//!
//! Invariants:
//! - A document is made at the size of a signed tree head, and states the
//!   first head signed at that size: the same reference gives the same
//!   bytes, however often it is downloaded (no clock is read; the
//!   letterhead and public address are settings).
//! - A reference holds all that is needed to make the document again
//!   ([`Reference`]); nothing is stored when one is issued. Its check code
//!   is a keyed function of the rest, so a reference registre did not
//!   issue is unknown: references cannot be made up or enumerated.
//! - Rendering runs on the blocking threads, never the async ones: at
//!   most [`AT_ONCE`] documents at a time for signed-in readers, and
//!   [`PUBLIC_AT_ONCE`] apart for the public verification page, so that
//!   anonymous visitors never hold up the secretariat.
//!
//! ## Layout
//! - this file: [`Documents`], issuing, making and verifying a document.
//! - [`reference`]: the short reference printed on each document.
//! - [`content`]: what each document says, from the registers.

mod content;
mod reference;

use std::sync::Arc;
use std::time::Duration;

use chrono::{Datelike, NaiveDate};
use registre_audit::{
    STATED_RECORDS_FORMAT, SignedTreeHead, StatedRecord, StatedRecords, canonical_bytes,
};
use registre_documents::{Kind, Letterhead, Rendering};
use registre_projections::ReadModels;
use registre_projections::audit_timeline::EntityKind;
use uuid::Uuid;

pub use content::Subject;
pub use reference::{MAX_REFERENCE_LEN, Reference};

use super::{Application, AsOfError};

/// The letterhead and the public address documents carry.
#[derive(Debug, Clone)]
pub struct DocumentSettings {
    pub letterhead: Letterhead,
    /// Where readers reach this registre: the verification page's
    /// address, printed and in the QR code, is this plus
    /// `/verifier/REFERENCE`.
    pub public_url: String,
}

impl Default for DocumentSettings {
    fn default() -> Self {
        DocumentSettings {
            letterhead: Letterhead {
                name: "Association des Municipalités du Mali".into(),
                town: "Bamako".into(),
                address: vec!["Secrétariat permanent".into(), "Bamako, Mali".into()],
                emblem_svg: None,
            },
            public_url: format!("http://{}", crate::config::DEFAULT_LISTEN),
        }
    }
}

/// A document asked for by what it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// The receipt of the payment recorded at this position.
    Receipt {
        payment: u64,
    },
    /// An attestation of membership and good standing on the day it is
    /// made.
    Attestation {
        member: Uuid,
    },
    Convocation {
        session: Uuid,
    },
    AttendanceSheet {
        session: Uuid,
    },
    /// The minutes of a closed session.
    Minutes {
        session: Uuid,
    },
    /// The certified extract of a decided motion.
    Extract {
        motion: Uuid,
    },
    Register {
        body: Uuid,
        year: i32,
    },
    Directory,
}

/// Why a document cannot be given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("no document has this reference")]
    UnknownReference,
    #[error("what the document is about is not in the registers")]
    UnknownSubject,
    #[error("the document does not exist yet")]
    NotYet,
    #[error("the log is empty: there is nothing to state")]
    EmptyLog,
    #[error("the registers or the audit trail are not served here")]
    Unavailable,
    #[error("the document could not be made")]
    Failed,
}

impl DocumentError {
    /// The stable code adapters answer with.
    pub fn code(&self) -> &'static str {
        match self {
            DocumentError::UnknownReference => "UNKNOWN_DOCUMENT",
            DocumentError::UnknownSubject => "UNKNOWN_SUBJECT",
            DocumentError::NotYet => "DOCUMENT_NOT_READY",
            DocumentError::EmptyLog => "EMPTY_LOG",
            DocumentError::Unavailable => "UNAVAILABLE",
            DocumentError::Failed => "INTERNAL",
        }
    }

    pub fn message_fr(&self) -> &'static str {
        match self {
            DocumentError::UnknownReference => {
                "Aucun document du registre ne porte cette référence."
            }
            DocumentError::UnknownSubject => "Ce que le document concerne n'est pas au registre.",
            DocumentError::NotYet => {
                "Ce document n'existe pas encore : la session n'est pas close, ou la délibération n'est pas votée."
            }
            DocumentError::EmptyLog => "Le registre est vide : aucun document ne peut en attester.",
            DocumentError::Unavailable => {
                "Les documents ne peuvent être établis pour le moment ; réessayez dans un instant."
            }
            DocumentError::Failed => "Le document n'a pas pu être établi.",
        }
    }
}

/// A document made.
#[derive(Debug, Clone)]
pub struct Pdf {
    pub bytes: Vec<u8>,
    /// `recu-RECU-12-40-20250315-0123456789.pdf`.
    pub file_name: String,
}

/// What the verification page shows of a reference.
#[derive(Debug, Clone)]
pub struct Verification {
    pub reference: Reference,
    /// The head the document states, and whether its root is the root of
    /// the tree the trail holds at its size.
    pub head: SignedTreeHead,
    /// The latest signed head, and whether the tree of the document's head
    /// is a prefix of it (both signed roots checked against the tree, and
    /// a consistency proof between them).
    pub latest: Option<(SignedTreeHead, bool)>,
    pub records: Vec<VerifiedEntry>,
}

/// One record a document states, checked against the latest signed head.
#[derive(Debug, Clone)]
pub struct VerifiedEntry {
    pub position: u64,
    pub event_type: String,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    pub leaf_hash: String,
    /// Its inclusion proof leads to the latest signed head's root.
    pub included: bool,
}

/// The documents use case (see the module doc).
pub struct Documents<'a> {
    app: &'a Application,
}

impl Application {
    pub fn documents(&self) -> Documents<'_> {
        Documents { app: self }
    }

    pub fn with_documents(mut self, settings: DocumentSettings) -> Self {
        self.document_settings = Arc::new(settings);
        self
    }
}

/// Documents made at once for signed-in readers.
pub const AT_ONCE: usize = 2;
/// Documents made or verified at once for the public verification page,
/// apart, so that anonymous visitors never hold up the secretariat.
pub const PUBLIC_AT_ONCE: usize = 1;

/// How long issuing waits for the registers and the trail to reach the
/// log's head.
const CATCH_UP: Duration = Duration::from_secs(10);

/// Who asks: a signed-in reader, or anyone (the verification page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asker {
    Reader,
    Public,
}

impl Documents<'_> {
    pub fn settings(&self) -> &DocumentSettings {
        &self.app.document_settings
    }

    /// The address of a reference's verification page.
    pub fn verify_url(&self, reference: &Reference) -> String {
        format!(
            "{}/verifier/{reference}",
            self.settings().public_url.trim_end_matches('/')
        )
    }

    /// A reference for `order` at the log as it stands, signing a tree
    /// head at its size when none was.
    pub async fn issue(&self, order: Order) -> Result<Reference, DocumentError> {
        let trail = self.app.audit_trail().ok_or(DocumentError::Unavailable)?;
        let live = self.app.read_models().ok_or(DocumentError::Unavailable)?;
        let head = self
            .app
            .log()
            .head()
            .await
            .map_err(|_| DocumentError::Unavailable)?;
        if head == 0 {
            return Err(DocumentError::EmptyLog);
        }
        trail
            .wait_for(head, CATCH_UP)
            .await
            .map_err(|_| DocumentError::Unavailable)?;
        let signed = match trail.latest_head() {
            Some(h) if h.tree_size == trail.size() => h,
            _ => trail
                .sign_now()
                .await
                .map_err(|_| DocumentError::Unavailable)?,
        };
        let at = signed.tree_size;
        live.wait_for(at, CATCH_UP)
            .await
            .map_err(|_| DocumentError::Unavailable)?;
        // Made today: on a quiet log the head may be days old, but the
        // registers it closes are today's.
        let made_on = chrono::Utc::now()
            .date_naive()
            .max(signed.timestamp.date_naive());
        let mut reference = self
            .with_models_at(at, |m| reference_of(m, order, at, made_on))
            .await??;
        reference.check = trail.reference_check(&reference.body());
        Ok(reference)
    }

    /// Runs `f` on the registers as they stood at `at`: the live ones
    /// when they are there, else replayed to it.
    async fn with_models_at<T>(
        &self,
        at: u64,
        f: impl FnOnce(&ReadModels) -> T,
    ) -> Result<T, DocumentError> {
        let live = self.app.read_models().ok_or(DocumentError::Unavailable)?;
        let mut f = Some(f);
        let now = live.read(|m, position| (position == at).then(|| (f.take().expect("once"))(m)));
        if let Some(out) = now {
            return Ok(out);
        }
        let past = self.app.past_states().ok_or(DocumentError::Unavailable)?;
        let models = past.at(at).await.map_err(|e| match e {
            AsOfError::BeyondHead { .. } => DocumentError::UnknownReference,
            e => {
                tracing::warn!(error = %e, "the registers at a document's position could not be read");
                DocumentError::Unavailable
            }
        })?;
        Ok((f.take().expect("once"))(&models))
    }

    /// What a reference is about, for adapters that limit who sees what.
    pub async fn subject(&self, reference: &Reference) -> Result<Subject, DocumentError> {
        self.head_of(reference)?;
        self.with_models_at(reference.at, |m| content::subject(m, reference))
            .await?
            .ok_or(DocumentError::UnknownReference)
    }

    /// What an order is about, read in the live registers (to check a
    /// reader's scope before anything is issued).
    pub fn subject_of(&self, order: Order) -> Option<Subject> {
        let live = self.app.read_models()?;
        live.read(|m, _| content::subject_of(m, order))
    }

    /// The head a reference was made at, once its check code is this
    /// registre's: a made-up reference is unknown, whatever it names.
    fn head_of(&self, reference: &Reference) -> Result<SignedTreeHead, DocumentError> {
        let trail = self.app.audit_trail().ok_or(DocumentError::Unavailable)?;
        let expected = trail.reference_check(&reference.body());
        let same = expected
            .iter()
            .zip(reference.check)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
        let head = trail
            .first_head_at(reference.at)
            .filter(|h| same && h.timestamp.date_naive() <= reference.made_on);
        head.ok_or(DocumentError::UnknownReference)
    }

    async fn turn(&self, asker: Asker) -> Result<tokio::sync::SemaphorePermit<'_>, DocumentError> {
        let work = match asker {
            Asker::Reader => &self.app.document_work,
            Asker::Public => &self.app.public_document_work,
        };
        work.acquire().await.map_err(|_| DocumentError::Unavailable)
    }

    /// The document a reference names, made again from the log.
    pub async fn pdf(&self, reference: &Reference, asker: Asker) -> Result<Pdf, DocumentError> {
        let head = self.head_of(reference)?;
        let _turn = self.turn(asker).await?;
        let content = self
            .with_models_at(reference.at, |m| content::build(m, reference))
            .await??;
        let stated = self
            .stated_records(reference, head, &content.positions)
            .await?;
        let settings = self.app.document_settings.clone();
        let verify_url = self.verify_url(reference);
        let reference = *reference;
        let made_on = reference.made_on;
        let bytes = tokio::task::spawn_blocking(move || {
            let text = reference.to_string();
            registre_documents::render(&Rendering {
                kind: reference.kind,
                reference: &text,
                verify_url: &verify_url,
                issued_on: (made_on.year(), made_on.month() as u8, made_on.day() as u8),
                letterhead: &settings.letterhead,
                data: &content.data,
                proofs: &stated.to_json(),
            })
        })
        .await
        .map_err(|_| DocumentError::Failed)?
        .map_err(|e| {
            tracing::error!(error = %e, "a document could not be rendered");
            DocumentError::Failed
        })?;
        Ok(Pdf {
            bytes,
            file_name: format!("{}-{reference}.pdf", reference.kind.file_stem()),
        })
    }

    /// The records `positions` with their proofs in the tree of `head`.
    async fn stated_records(
        &self,
        reference: &Reference,
        head: SignedTreeHead,
        positions: &[u64],
    ) -> Result<StatedRecords, DocumentError> {
        let trail = self.app.audit_trail().ok_or(DocumentError::Unavailable)?;
        let log = self.app.log();
        let mut records = Vec::with_capacity(positions.len());
        for &position in positions {
            let event = log
                .event(position)
                .await
                .map_err(|_| DocumentError::Unavailable)?
                .ok_or(DocumentError::Failed)?;
            let bytes = canonical_bytes(&event).map_err(|_| DocumentError::Failed)?;
            let proof = trail
                .inclusion_proof(position, Some(head.tree_size))
                .map_err(|_| DocumentError::Failed)?;
            records.push(StatedRecord {
                event: serde_json::from_slice(&bytes).map_err(|_| DocumentError::Failed)?,
                proof: proof.proof.iter().map(hex::encode).collect(),
            });
        }
        Ok(StatedRecords {
            format: STATED_RECORDS_FORMAT.into(),
            reference: reference.to_string(),
            tree_head: head,
            records,
        })
    }

    /// The verification page's findings: the document's head checked
    /// against the tree, and each record it states proved in the latest
    /// signed head's tree.
    pub async fn verification(&self, reference: &Reference) -> Result<Verification, DocumentError> {
        let head = self.head_of(reference)?;
        let _turn = self.turn(Asker::Public).await?;
        let trail = self.app.audit_trail().ok_or(DocumentError::Unavailable)?;
        let rows = self
            .with_models_at(reference.at, |m| {
                content::build(m, reference).map(|c| {
                    c.positions
                        .iter()
                        .filter_map(|&p| {
                            m.timeline.row(p).map(|r| {
                                let e = m.timeline.entry(r);
                                (p, e.event_type.to_owned(), e.recorded_at)
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .await??;
        let latest = trail.latest_head().unwrap_or_else(|| head.clone());
        // Both signed roots must be the tree's, and the later tree must
        // extend the earlier: checked on the proofs, not taken from the
        // heads file alone.
        let consistent = trail
            .consistency_proof(head.tree_size, latest.tree_size)
            .is_ok_and(|p| p.first_root == head.root_hash && p.second_root == latest.root_hash);
        let records = rows
            .into_iter()
            .map(|(position, event_type, recorded_at)| {
                let proof = trail
                    .inclusion_proof(position, Some(latest.tree_size))
                    .ok()
                    .filter(|p| p.root_hash == latest.root_hash);
                VerifiedEntry {
                    position,
                    event_type,
                    recorded_at,
                    leaf_hash: proof
                        .as_ref()
                        .map(|p| hex::encode(p.leaf_hash))
                        .unwrap_or_default(),
                    included: proof.is_some(),
                }
            })
            .collect();
        Ok(Verification {
            reference: *reference,
            head,
            latest: Some((latest, consistent)),
            records,
        })
    }
}

/// The reference of `order` in registers at `at`, made on `made_on`,
/// without its check code (the caller adds it).
fn reference_of(
    m: &ReadModels,
    order: Order,
    at: u64,
    made_on: NaiveDate,
) -> Result<Reference, DocumentError> {
    content::ready(m, order)?;
    let first =
        |kind, id| content::first_position(m, kind, id).ok_or(DocumentError::UnknownSubject);
    let (kind, subject, year) = match order {
        Order::Receipt { payment } => {
            content::subject_of(m, order).ok_or(DocumentError::UnknownSubject)?;
            (Kind::Receipt, payment, None)
        }
        Order::Attestation { member } => {
            (Kind::Attestation, first(EntityKind::Member, member)?, None)
        }
        Order::Convocation { session } => (
            Kind::Convocation,
            first(EntityKind::Session, session)?,
            None,
        ),
        Order::AttendanceSheet { session } => (
            Kind::AttendanceSheet,
            first(EntityKind::Session, session)?,
            None,
        ),
        Order::Minutes { session } => (Kind::Minutes, first(EntityKind::Session, session)?, None),
        Order::Extract { motion } => (Kind::Extract, first(EntityKind::Motion, motion)?, None),
        Order::Register { body, year } => {
            (Kind::Register, first(EntityKind::Body, body)?, Some(year))
        }
        Order::Directory => (Kind::Directory, 0, None),
    };
    let reference = Reference {
        kind,
        subject,
        at,
        made_on,
        year,
        check: [0; registre_audit::REFERENCE_CHECK_LEN],
    };
    // A reference that does not read back (a year of five digits) is
    // refused here rather than printed.
    Reference::parse(&reference.to_string())
        .filter(|r| *r == reference)
        .ok_or(DocumentError::UnknownSubject)
}
