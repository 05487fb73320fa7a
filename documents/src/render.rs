//! Data in, PDF out: one template compiled in memory with its data, the
//! QR code of its verification page and the proofs it carries, written
//! as PDF/A-3b with the proofs attached.

use typst::foundations::{Bytes, Smart};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards};

use crate::kind::Kind;
use crate::qr;
use crate::world::MemoryWorld;

const FRAME: &str = include_str!("../templates/commun.typ");

/// The association the documents are issued by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letterhead {
    pub name: String,
    /// The town documents are made in ("Fait à Bamako, le …").
    pub town: String,
    /// One line per element (street, town, telephone…).
    pub address: Vec<String>,
    /// The emblem as SVG; none draws the association's initials.
    pub emblem_svg: Option<Vec<u8>>,
}

/// Everything one document is made of.
#[derive(Debug, Clone)]
pub struct Rendering<'a> {
    pub kind: Kind,
    /// The short reference printed on the document.
    pub reference: &'a str,
    /// The address of the verification page (what the QR code holds).
    pub verify_url: &'a str,
    /// The day the document speaks of (its PDF date: no clock is read).
    pub issued_on: (i32, u8, u8),
    pub letterhead: &'a Letterhead,
    /// The document's own data, in French, as its template reads it.
    pub data: &'a serde_json::Value,
    /// The records the document states and their proofs, attached as
    /// [`PROOFS_FILE`](crate::PROOFS_FILE).
    pub proofs: &'a [u8],
}

/// A document that could not be made: a fault of registre's templates
/// or of the data it built, never of a clerk's input.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the document's template failed: {0}")]
    Template(String),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
    #[error("the verification address is too long for a QR code")]
    AddressTooLong,
}

/// Typesets `r` and writes it as PDF/A-3b. Blocking and CPU-bound (tens
/// of milliseconds): call it off the async threads.
pub fn render(r: &Rendering<'_>) -> Result<Vec<u8>, RenderError> {
    let qr = qr::svg_of(r.verify_url).ok_or(RenderError::AddressTooLong)?;
    let (year, month, day) = r.issued_on;
    let input = serde_json::json!({
        "kind": r.kind,
        "title": r.kind.title(),
        "reference": r.reference,
        "verify_url": r.verify_url,
        "issued_on": { "year": year, "month": month, "day": day },
        "letterhead": {
            "name": r.letterhead.name,
            "address": r.letterhead.address,
            "town": r.letterhead.town,
            "emblem": r.letterhead.emblem_svg.is_some(),
        },
        "body": r.data,
    });
    let input = serde_json::to_vec(&input).map_err(|e| RenderError::Template(e.to_string()))?;
    let mut files = vec![
        ("/data.json", Bytes::new(input)),
        ("/qr.svg", Bytes::new(qr.into_bytes())),
        ("/preuves.json", Bytes::new(r.proofs.to_vec())),
    ];
    if let Some(svg) = &r.letterhead.emblem_svg {
        files.push(("/embleme.svg", Bytes::new(svg.clone())));
    }
    let world = MemoryWorld::new(
        "/main.typ",
        &[("/main.typ", r.kind.template()), ("/commun.typ", FRAME)],
        files,
    );
    let document: PagedDocument = typst::compile(&world)
        .output
        .map_err(|errors| RenderError::Template(messages(&errors)))?;
    let options = PdfOptions {
        // The PDF's identifier is derived from the reference, not drawn
        // at random, so the same document gives the same bytes.
        ident: Smart::Custom(r.reference.to_owned()),
        creator: Smart::Custom(Some("registre".into())),
        timestamp: None,
        standards: PdfStandards::new(&[PdfStandard::A_3b])
            .map_err(|e| RenderError::Pdf(e.message().to_string()))?,
        ..PdfOptions::default()
    };
    let pdf =
        typst_pdf::pdf(&document, &options).map_err(|errors| RenderError::Pdf(messages(&errors)));
    // typst memoizes what it computed, process-wide, and never forgets on
    // its own: results unused for the last few documents are dropped, so a
    // server's memory stays bounded (what the frame and fonts share stays).
    typst::comemo::evict(KEPT_FOR);
    pdf
}

/// Documents a memoized result outlives unused.
const KEPT_FOR: usize = 10;

/// Forgets every memoized result: the next document is typeset from
/// nothing (what the benchmarks time as a cold document).
pub fn forget_memoized() {
    typst::comemo::evict(0);
}

/// Typesets a page with `letterhead` alone: an emblem that cannot be
/// drawn is found when the settings are read, not on a clerk's download.
pub fn check_letterhead(letterhead: &Letterhead) -> Result<(), RenderError> {
    let data = serde_json::json!({"date_emission": "", "count": 0, "regions": []});
    render(&Rendering {
        kind: Kind::Directory,
        reference: "ANN-1",
        verify_url: "http://127.0.0.1/verifier/ANN-1",
        issued_on: (2000, 1, 1),
        letterhead,
        data: &data,
        proofs: b"{}",
    })
    .map(|_| ())
}

fn messages(errors: &[typst::diag::SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|e| e.message.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}
