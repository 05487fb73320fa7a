//! What several integration tests share.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `registre` binary built for these tests.
pub fn registre() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_registre"));
    cmd.env_remove("REGISTRE_STORE")
        .env_remove("REGISTRE_CONFIG")
        .env_remove("REGISTRE_LISTEN")
        .env_remove("REGISTRE_STATE_DIR")
        .env("REGISTRE_LOG", "warn");
    cmd
}

pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite:{}", path.display())
}

/// A fresh directory for one test's files.
pub fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary directory")
}

/// A `registre serve` process on a free port, killed when dropped.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Server {
    pub fn start(db: &Path) -> Server {
        // Bind port 0 to let the system choose, then hand the port over.
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port");
        let child = registre()
            .args([
                "serve",
                "--listen",
                &addr.to_string(),
                "--store",
                &sqlite_url(db),
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("start registre serve");
        let server = Server { child, addr };
        server.wait_until_ready();
        server
    }

    fn wait_until_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok((200, _)) = http_get(self.addr, "/readyz") {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("registre serve did not become ready on {}", self.addr);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 GET, enough for health checks without an HTTP client
/// dependency: returns the status and the body.
pub fn http_get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut text = String::new();
    s.read_to_string(&mut text)?;
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|x| x.1)
        .unwrap_or("")
        .to_owned();
    Ok((status, body))
}
