//! The files the pages load, compiled into the binary: nothing is fetched
//! from elsewhere, so the application works with no internet at all.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// htmx 2.0.11 (BSD Zero Clause licence), from the npm package
/// `htmx.org`, and its gzip form.
const HTMX: &[u8] = include_bytes!("../../assets/htmx.min.js");
const HTMX_GZ: &[u8] = include_bytes!("../../assets/htmx.min.js.gz");
const STYLE: &[u8] = include_bytes!("../../assets/registre.css");

pub async fn serve(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let (body, kind, gzipped) = match file.as_str() {
        "htmx.min.js" if gzip => (HTMX_GZ, "text/javascript; charset=utf-8", true),
        "htmx.min.js" => (HTMX, "text/javascript; charset=utf-8", false),
        "registre.css" => (STYLE, "text/css; charset=utf-8", false),
        _ => return (StatusCode::NOT_FOUND, "Fichier introuvable.").into_response(),
    };
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    // The files change only with the binary; a day in the cache spares
    // slow links a request per page.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if gzipped {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response
}
