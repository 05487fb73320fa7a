//! The real server, started on a random port.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

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

/// A server whose connection bounds are lowered by `serve` flags.
fn start_serving(db: &std::path::Path, serve_args: &[&str]) -> Server {
    let server = Server::spawn_serving(&crate::support::sqlite_url(db), &[], serve_args);
    server.wait_for_200("/readyz");
    server
}

/// Whether the server closes `s` before `within`, while the client sends
/// one byte of `trickle` (if any) every 200 ms and never a whole header.
fn closed_by_server(mut s: TcpStream, trickle: &[u8], within: Duration) -> bool {
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let deadline = Instant::now() + within;
    let mut sent = 0;
    let mut buf = [0u8; 256];
    while Instant::now() < deadline {
        if sent < trickle.len() {
            if s.write_all(&trickle[sent..=sent]).is_err() {
                return true;
            }
            sent += 1;
        }
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return true,
        }
    }
    false
}

#[test]
fn slow_and_idle_connections_are_closed_after_the_header_timeout() {
    let dir = scratch();
    let server = start_serving(
        &dir.path().join("registre.db"),
        &["--header-read-timeout", "1"],
    );
    // Ten clients trickle a header that never ends, ten send nothing, one
    // is kept alive after a request and then says nothing more.
    let header = format!(
        "GET /healthz HTTP/1.1\r\nHost: {}\r\nX-Slow: {}",
        server.addr,
        "a".repeat(200)
    );
    let mut clients = Vec::new();
    for i in 0..20 {
        let s = TcpStream::connect(server.addr).unwrap();
        let trickle = if i % 2 == 0 {
            header.clone().into_bytes()
        } else {
            Vec::new()
        };
        clients.push(std::thread::spawn(move || {
            closed_by_server(s, &trickle, Duration::from_secs(20))
        }));
    }
    let mut kept = TcpStream::connect(server.addr).unwrap();
    write!(
        kept,
        "GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n",
        server.addr
    )
    .unwrap();
    // Meanwhile a normal request is answered.
    let (status, _) = http_get(server.addr, "/healthz").unwrap();
    assert_eq!(status, 200);
    for c in clients {
        assert!(
            c.join().unwrap(),
            "a slow client was still connected after 20 s"
        );
    }
    kept.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut answer = Vec::new();
    // The answer, then the end of the stream once idle (not a timeout).
    let end = kept.read_to_end(&mut answer);
    assert!(
        end.is_ok()
            || !matches!(
                end.as_ref().unwrap_err().kind(),
                ErrorKind::WouldBlock | ErrorKind::TimedOut
            ),
        "a kept-alive idle connection was still open after 20 s"
    );
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
    let (status, _) = http_get(server.addr, "/healthz").unwrap();
    assert_eq!(status, 200);
}

#[test]
fn connections_beyond_the_cap_wait_for_a_free_one() {
    let dir = scratch();
    let server = start_serving(
        &dir.path().join("registre.db"),
        &["--max-connections", "2", "--header-read-timeout", "60"],
    );
    let holders: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(server.addr).unwrap())
        .collect();
    // Both slots are taken (the second connection may be accepted a
    // moment after the first): a third client is not answered...
    std::thread::sleep(Duration::from_millis(300));
    let mut third = TcpStream::connect(server.addr).unwrap();
    write!(
        third,
        "GET /healthz HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        server.addr
    )
    .unwrap();
    third
        .set_read_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    let mut buf = [0u8; 64];
    assert!(
        third.read(&mut buf).is_err(),
        "answered beyond the connection cap"
    );
    // ...until one of them leaves.
    drop(holders);
    third
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut answer = String::new();
    third.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[test]
fn a_stop_ends_even_with_connections_that_never_send_a_request() {
    let dir = scratch();
    let server = start_serving(
        &dir.path().join("registre.db"),
        &["--header-read-timeout", "3"],
    );
    // hyper's graceful shutdown waits for a connection's first request;
    // the header timeout is what ends these two.
    let _idle = TcpStream::connect(server.addr).unwrap();
    let mut partial = TcpStream::connect(server.addr).unwrap();
    write!(partial, "GET /healthz HTTP/1.1\r\nHo").unwrap();
    let (status, _) = http_get(server.addr, "/healthz").unwrap();
    assert_eq!(status, 200);
    // `stop` fails if the server is still running after 30 s.
    assert!(server.stop().success());
}

#[test]
fn logs_written_to_a_pipe_carry_no_colour_codes() {
    use std::io::BufRead;
    let dir = scratch();
    let mut child = crate::support::registre()
        .args(["--log", "info", "serve", "--listen", "127.0.0.1:0"])
        .args([
            "--store",
            &crate::support::sqlite_url(&dir.path().join("registre.db")),
        ])
        .env_remove("NO_COLOR")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start registre serve");
    let stderr = child.stderr.take().unwrap();
    // Read until the server says it serves (or its stderr ends).
    let reader = std::thread::spawn(move || {
        let mut logs = String::new();
        for line in std::io::BufReader::new(stderr).lines() {
            let line = line.unwrap();
            logs.push_str(&line);
            logs.push('\n');
            if line.contains("registre is serving") {
                break;
            }
        }
        logs
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while !reader.is_finished() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    let logs = reader.join().unwrap();
    assert!(logs.contains("registre is serving"), "{logs}");
    assert!(!logs.contains("\x1b["), "{logs}");
}
