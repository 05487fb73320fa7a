//! The proofs a document carries, read back from its PDF: the attached
//! file named [`PROOFS_FILE`], found by its file specification.

use hayro_syntax::Pdf;
use hayro_syntax::object::{Dict, Object, Stream};

/// The name of the attached file that holds the records a document
/// states and their proofs.
pub const PROOFS_FILE: &str = "registre-preuves.json";

/// Why a PDF's proofs could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentError {
    #[error("the file is not a PDF that can be read")]
    NotPdf,
    #[error("the PDF carries no {PROOFS_FILE}")]
    Missing,
    #[error("the PDF carries {PROOFS_FILE} more than once")]
    Repeated,
    #[error("{PROOFS_FILE} cannot be decoded")]
    Undecodable,
}

/// The bytes of the PDF's attached [`PROOFS_FILE`].
pub fn proofs_of(pdf: &[u8]) -> Result<Vec<u8>, AttachmentError> {
    let pdf = Pdf::new(pdf.to_vec()).map_err(|_| AttachmentError::NotPdf)?;
    let mut found: Option<Vec<u8>> = None;
    for object in pdf.objects() {
        let Object::Dict(dict) = object else { continue };
        if !names_proofs(&dict) {
            continue;
        }
        let stream = dict
            .get::<Dict<'_>>("EF")
            .and_then(|ef| ef.get::<Stream<'_>>("F"))
            .ok_or(AttachmentError::Undecodable)?;
        let data = stream.decoded().map_err(|_| AttachmentError::Undecodable)?;
        if found.replace(data.into_owned()).is_some() {
            return Err(AttachmentError::Repeated);
        }
    }
    found.ok_or(AttachmentError::Missing)
}

/// A file specification whose name is [`PROOFS_FILE`].
fn names_proofs(dict: &Dict<'_>) -> bool {
    dict.contains_key("EF")
        && ["F", "UF"].iter().any(|key| {
            dict.get::<hayro_syntax::object::String<'_>>(*key)
                .is_some_and(|s| s.as_bytes() == PROOFS_FILE.as_bytes())
        })
}
