//! Official documents as GraphQL gives them: a link per document, which
//! issues it at the log as it stands and answers with the PDF (a browser
//! signed in to the pages, or a bearer token).

use async_graphql::SimpleObject;
use uuid::Uuid;

/// An official document about a record, in PDF.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct DocumentLink {
    /// What the document is, in French (`Procès-verbal`).
    pub title: String,
    /// Its address on this server, relative to its root.
    pub url: String,
}

fn link(title: &str, query: String) -> DocumentLink {
    DocumentLink {
        title: title.to_owned(),
        url: format!("/documents/nouveau?{query}"),
    }
}

/// A session's convocation and attendance sheet, and its minutes once
/// closed.
pub(crate) fn of_session(session: Uuid, closed: bool) -> Vec<DocumentLink> {
    [
        ("Convocation", "convocation"),
        ("Feuille d'émargement", "emargement"),
        ("Procès-verbal", "pv"),
    ]
    .into_iter()
    .filter(|(_, kind)| closed || *kind != "pv")
    .map(|(title, kind)| link(title, format!("type={kind}&session={session}")))
    .collect()
}

/// A decided motion's certified extract.
pub(crate) fn of_motion(motion: Uuid, decided: bool) -> Vec<DocumentLink> {
    if !decided {
        return Vec::new();
    }
    vec![link(
        "Extrait du registre des délibérations",
        format!("type=extrait&motion={motion}"),
    )]
}

/// A member's attestation of good standing on the day it is made.
pub(crate) fn of_member(member: Uuid) -> Vec<DocumentLink> {
    vec![link(
        "Attestation d'adhésion et de régularité",
        format!("type=attestation&membre={member}"),
    )]
}
