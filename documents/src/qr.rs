//! The QR code printed on every document: the address of its
//! verification page, drawn as SVG for typst to place.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The SVG of a QR code for `text` (medium error correction: a folded or
/// stained paper still scans); none if `text` is too long for one.
pub(crate) fn svg_of(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    Some(
        code.render::<svg::Color<'_>>()
            .quiet_zone(true)
            .min_dimensions(200, 200)
            .build(),
    )
}
