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
    /// Path to ask.
    #[arg(long, default_value = "/readyz")]
    pub path: String,
}

pub fn run(args: ProbeArgs) -> anyhow::Result<()> {
    let addr: SocketAddr = args
        .addr
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {}", args.addr))?
        .next()
        .with_context(|| format!("no address for {}", args.addr))?;
    if !args.path.starts_with('/') || args.path.contains(['\r', '\n', ' ']) {
        bail!("invalid path {:?}", args.path);
    }
    let timeout = Duration::from_secs(3);
    let mut s = TcpStream::connect_timeout(&addr, timeout)
        .with_context(|| format!("cannot connect to {addr}"))?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    write!(
        s,
        "GET {} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n",
        args.path
    )?;
    let mut head = [0u8; 64];
    let n = s.read(&mut head)?;
    let status = std::str::from_utf8(&head[..n])
        .ok()
        .and_then(|t| t.split(' ').nth(1))
        .unwrap_or("?")
        .to_owned();
    if status != "200" {
        bail!("{addr}{} answered {status}", args.path);
    }
    say!("{addr}{} is ready", args.path);
    Ok(())
}
