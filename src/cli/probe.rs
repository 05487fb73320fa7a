//! `registre probe`: asks a running server whether it is ready, for
//! container health checks and service managers (no HTTP client needed in
//! the image). Exit 0 when the endpoint answers 200.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;

#[derive(Args)]
pub struct ProbeArgs {
    /// Address of the server.
    #[arg(long, default_value = "127.0.0.1:8080", env = "REGISTRE_PROBE_ADDR")]
    pub addr: String,
    /// Path to ask [default: /readyz; with --token, a GraphQL query the
    /// token must be accepted for].
    #[arg(long)]
    pub path: Option<String>,
    /// Ask with this bearer token: exit 0 once the server accepts it (a
    /// token just created is taken by a running server within a second).
    /// From the environment, it stays out of the process list.
    #[arg(long, env = "REGISTRE_PROBE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Keep asking, every tenth of a second, for up to this many seconds.
    #[arg(long, default_value_t = 0.0)]
    pub wait: f64,
}

/// The status line's code of one request.
fn status(addr: SocketAddr, path: &str, token: Option<&str>) -> anyhow::Result<String> {
    let timeout = Duration::from_secs(3);
    let mut s = TcpStream::connect_timeout(&addr, timeout)
        .with_context(|| format!("cannot connect to {addr}"))?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n"
    )?;
    let mut head = [0u8; 64];
    let n = s.read(&mut head)?;
    Ok(std::str::from_utf8(&head[..n])
        .ok()
        .and_then(|t| t.split(' ').nth(1))
        .unwrap_or("?")
        .to_owned())
}

pub fn run(args: ProbeArgs) -> anyhow::Result<()> {
    let addr: SocketAddr = args
        .addr
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {}", args.addr))?
        .next()
        .with_context(|| format!("no address for {}", args.addr))?;
    let token = args.token.as_deref();
    let path = args.path.as_deref().unwrap_or(match token {
        Some(_) => "/graphql?query=%7B__typename%7D",
        None => "/readyz",
    });
    if !path.starts_with('/') || path.contains(['\r', '\n', ' ']) {
        bail!("invalid path {path:?}");
    }
    if token.is_some_and(|t| t.contains(['\r', '\n'])) {
        bail!("invalid token");
    }
    if !args.wait.is_finite() {
        bail!("--wait takes a number of seconds");
    }
    let deadline =
        std::time::Instant::now() + Duration::from_secs_f64(args.wait.clamp(0.0, 3600.0));
    loop {
        let answered = status(addr, path, token);
        match &answered {
            Ok(code) if code == "200" => break,
            _ if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Ok(code) => bail!("{addr}{path} answered {code}"),
            Err(_) => return answered.map(drop),
        }
    }
    say!("{addr}{path} is ready");
    Ok(())
}
