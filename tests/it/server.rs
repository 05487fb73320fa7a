//! The real server, started on a random port.

use crate::support::{Server, http_get, scratch};

#[test]
fn health_and_readiness_answer() {
    let dir = scratch();
    let server = Server::start(&dir.path().join("registre.db"));
    let (status, body) = http_get(server.addr, "/healthz").unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("\"ok\""), "{body}");
    let (status, body) = http_get(server.addr, "/readyz").unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("\"head\":0"), "{body}");
    let (status, _) = http_get(server.addr, "/nope").unwrap();
    assert_eq!(status, 404);
}
