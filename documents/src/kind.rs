//! The documents registre prints, each with its template and the code
//! that opens its reference (`RECU-…`, `PV-…`).

use serde::Serialize;

/// One kind of official document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A receipt for one dues payment.
    Receipt,
    /// An attestation of membership and good standing on a date.
    Attestation,
    /// The convocation to a session.
    Convocation,
    /// The attendance sheet (feuille d'émargement) of a session.
    AttendanceSheet,
    /// The minutes (procès-verbal) of a session.
    Minutes,
    /// A certified extract of one deliberation.
    Extract,
    /// The register of deliberations of a body for a year.
    Register,
    /// The member directory.
    Directory,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Receipt,
        Kind::Attestation,
        Kind::Convocation,
        Kind::AttendanceSheet,
        Kind::Minutes,
        Kind::Extract,
        Kind::Register,
        Kind::Directory,
    ];

    /// The code a reference starts with.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Receipt => "RECU",
            Kind::Attestation => "ATT",
            Kind::Convocation => "CONV",
            Kind::AttendanceSheet => "EMARG",
            Kind::Minutes => "PV",
            Kind::Extract => "EXT",
            Kind::Register => "REG",
            Kind::Directory => "ANN",
        }
    }

    pub fn from_code(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The document's name, in French.
    pub fn title(self) -> &'static str {
        match self {
            Kind::Receipt => "Reçu de cotisation",
            Kind::Attestation => "Attestation d'adhésion et de régularité",
            Kind::Convocation => "Convocation",
            Kind::AttendanceSheet => "Feuille d'émargement",
            Kind::Minutes => "Procès-verbal",
            Kind::Extract => "Extrait du registre des délibérations",
            Kind::Register => "Registre des délibérations",
            Kind::Directory => "Annuaire des membres",
        }
    }

    /// A file name for the document, in ASCII.
    pub fn file_stem(self) -> &'static str {
        match self {
            Kind::Receipt => "recu",
            Kind::Attestation => "attestation",
            Kind::Convocation => "convocation",
            Kind::AttendanceSheet => "feuille-emargement",
            Kind::Minutes => "proces-verbal",
            Kind::Extract => "extrait",
            Kind::Register => "registre-deliberations",
            Kind::Directory => "annuaire",
        }
    }

    pub(crate) fn template(self) -> &'static str {
        match self {
            Kind::Receipt => include_str!("../templates/recu.typ"),
            Kind::Attestation => include_str!("../templates/attestation.typ"),
            Kind::Convocation => include_str!("../templates/convocation.typ"),
            Kind::AttendanceSheet => include_str!("../templates/emargement.typ"),
            Kind::Minutes => include_str!("../templates/proces-verbal.typ"),
            Kind::Extract => include_str!("../templates/extrait.typ"),
            Kind::Register => include_str!("../templates/registre.typ"),
            Kind::Directory => include_str!("../templates/annuaire.typ"),
        }
    }
}
