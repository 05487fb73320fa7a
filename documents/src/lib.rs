//! registre's official documents: a receipt, an attestation of good
//! standing, a convocation, an attendance sheet, the minutes
//! (procès-verbal), a certified extract, the register of deliberations and
//! the member directory, typeset in French with typst and written as
//! PDF/A-3b.
//!
//! The crate is pure: it is handed the document's data, already read from
//! the records and written out in French, and the proofs of the records
//! it states; it returns the PDF's bytes. Nothing is read from disk or the
//! network and no clock is asked, so the same inputs give the same bytes.
//!
//! ## Layout
//! - [`world`]: the typst `World`, in memory.
//! - [`kind`]: the documents, their templates and reference codes.
//! - [`render`]: data in, PDF out, with the proofs attached.
//! - [`attachment`]: the proofs read back from a PDF.
//! - [`qr`]: the QR code that leads to the verification page.

mod attachment;
mod kind;
mod qr;
mod render;
mod world;

pub use attachment::{AttachmentError, PROOFS_FILE, proofs_of};
pub use kind::Kind;
pub use render::{Letterhead, RenderError, Rendering, check_letterhead, forget_memoized, render};
pub use world::fonts_cover;
