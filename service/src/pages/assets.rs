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

/// GraphiQL and React (MIT), stored gzipped: see
/// `service/assets/graphiql/README.md`.
const GRAPHIQL: [(&str, &[u8], &str); 4] = [
    (
        "graphiql/react.production.min.js",
        include_bytes!("../../assets/graphiql/react.production.min.js.gz"),
        "text/javascript; charset=utf-8",
    ),
    (
        "graphiql/react-dom.production.min.js",
        include_bytes!("../../assets/graphiql/react-dom.production.min.js.gz"),
        "text/javascript; charset=utf-8",
    ),
    (
        "graphiql/graphiql.min.js",
        include_bytes!("../../assets/graphiql/graphiql.min.js.gz"),
        "text/javascript; charset=utf-8",
    ),
    (
        "graphiql/graphiql.min.css",
        include_bytes!("../../assets/graphiql/graphiql.min.css.gz"),
        "text/css; charset=utf-8",
    ),
];

pub async fn serve(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let file = file.as_str();
    let gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let (body, kind, gzipped): (Vec<u8>, &str, bool) = match file {
        "htmx.min.js" if gzip => (HTMX_GZ.to_vec(), "text/javascript; charset=utf-8", true),
        "htmx.min.js" => (HTMX.to_vec(), "text/javascript; charset=utf-8", false),
        "registre.css" => (STYLE.to_vec(), "text/css; charset=utf-8", false),
        other => match GRAPHIQL.iter().find(|(name, _, _)| *name == other) {
            Some((_, gz, kind)) if gzip => (gz.to_vec(), kind, true),
            // A client that does not take gzip (rare: a tool, not a
            // browser) gets the file inflated.
            Some((_, gz, kind)) => {
                let mut plain = Vec::new();
                match std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(*gz), &mut plain)
                {
                    Ok(_) => (plain, kind, false),
                    Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
                }
            }
            None => return (StatusCode::NOT_FOUND, "Fichier introuvable.").into_response(),
        },
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
