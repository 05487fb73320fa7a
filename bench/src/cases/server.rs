//! The start-up and GraphQL cases: they spawn the real `registre serve`
//! on a copy-free store (the one the history was generated into).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::http::{self, Conn};
use super::percentile;

/// Longest wait for `/readyz`.
const READY_DEADLINE: Duration = Duration::from_secs(300);

/// A running `registre serve`, stopped with SIGTERM (so it saves its read
/// models) when dropped or [`Server::stop`]ped.
pub struct Server {
    child: Option<Child>,
    pub addr: SocketAddr,
}

/// Where a store's state and audit files go.
pub struct StorePaths {
    pub db: PathBuf,
    pub state: PathBuf,
    pub audit: PathBuf,
}

impl StorePaths {
    pub fn beside(db: &Path) -> StorePaths {
        StorePaths {
            db: db.to_path_buf(),
            state: db.with_extension("state"),
            audit: db.with_extension("audit"),
        }
    }
}

impl Server {
    /// Spawns the server and waits for `/readyz`; returns it and the time
    /// from spawn to ready.
    pub async fn start(paths: &StorePaths, log: &Path) -> anyhow::Result<(Server, Duration)> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let exe = std::env::current_exe().context("finding this binary")?;
        let log = std::fs::File::create(log)?;
        let t = Instant::now();
        let child = Command::new(exe)
            .arg("--store")
            .arg(format!("sqlite:{}", paths.db.display()))
            .arg("--state-dir")
            .arg(&paths.state)
            .arg("--audit-dir")
            .arg(&paths.audit)
            .arg("--log")
            .arg("warn")
            .arg("serve")
            .arg("--listen")
            .arg(addr.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("spawning registre serve")?;
        let mut server = Server {
            child: Some(child),
            addr,
        };
        match http::wait_ready(addr, READY_DEADLINE).await {
            Some(_) => Ok((server, t.elapsed())),
            None => {
                server.stop()?;
                bail!("the server was not ready within {READY_DEADLINE:?}")
            }
        }
    }

    /// SIGTERM, then wait for the process to save and exit.
    pub fn stop(&mut self) -> anyhow::Result<()> {
        if let Some(mut child) = self.child.take() {
            // The child we spawned, by its id.
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                if child.try_wait()?.is_some() {
                    break;
                }
                if Instant::now() > deadline {
                    child.kill()?;
                    child.wait()?;
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// Figures of one GraphQL case.
pub struct Load {
    pub label: String,
    pub requests: usize,
    pub errors: usize,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
}

impl std::fmt::Display for Load {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut l = self.latencies.clone();
        l.sort_unstable();
        write!(
            f,
            "{:<14} {:>8.0} requests/s   p50 {:>6.2} ms  p99 {:>6.2} ms  ({} requests, {} errors)",
            self.label,
            self.requests as f64 / self.elapsed.as_secs_f64(),
            percentile(&l, 0.50).as_secs_f64() * 1e3,
            percentile(&l, 0.99).as_secs_f64() * 1e3,
            self.requests,
            self.errors,
        )
    }
}

/// `connections` keep-alive connections post `query` until `requests`
/// are done or `limit` has passed. A response that is not 200 or carries
/// `errors` counts as an error; the first one is printed.
/// How the requests of a load vary.
#[derive(Clone, PartialEq, Eq)]
pub enum Texts {
    /// Every request the same: the server may answer from its response
    /// cache, as it does for dashboards polling one query.
    Same,
    /// Each request's text made unique by a comment, so each one is parsed,
    /// validated and executed: the cost of an answer computed afresh.
    Distinct,
    /// `MEMBER_ID` in the text replaced by each of these in turn, so
    /// concurrent mutations fall on different members' streams, and
    /// `REQUEST_N` by the request's number (a receipt of its own).
    Members(Arc<Vec<String>>),
}

/// A response's top-level `errors`, the rest skipped without being built.
#[derive(serde::Deserialize)]
struct Outcome {
    errors: Option<serde::de::IgnoredAny>,
}

#[allow(clippy::too_many_arguments)]
pub async fn load(
    addr: SocketAddr,
    token: &str,
    label: &str,
    query: &str,
    texts: Texts,
    connections: usize,
    requests: usize,
    limit: Duration,
) -> anyhow::Result<Load> {
    let query: Arc<str> = query.into();
    let token: Arc<str> = token.into();
    let issued = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (query, token, issued) = (query.clone(), token.clone(), issued.clone());
        let texts = texts.clone();
        let same = serde_json::to_vec(&serde_json::json!({ "query": &*query }))?;
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::connect(addr).await?;
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            let mut first_error = None;
            loop {
                let n = issued.fetch_add(1, Ordering::Relaxed);
                if n >= requests || start.elapsed() >= limit {
                    break;
                }
                let distinct;
                let body = match &texts {
                    Texts::Same => &same,
                    Texts::Distinct => {
                        let text = format!("# request {n}\n{query}");
                        distinct = serde_json::to_vec(&serde_json::json!({ "query": text }))?;
                        &distinct
                    }
                    Texts::Members(ids) => {
                        let text = query
                            .replace("MEMBER_ID", &ids[n % ids.len()])
                            .replace("REQUEST_N", &n.to_string());
                        distinct = serde_json::to_vec(&serde_json::json!({ "query": text }))?;
                        &distinct
                    }
                };
                let t = Instant::now();
                let r = conn.request("POST", "/graphql", Some(&token), body).await?;
                latencies.push(t.elapsed());
                let failed = r.status != 200
                    || serde_json::from_slice::<Outcome>(&r.body)
                        .map(|o| o.errors.is_some())
                        .unwrap_or(true);
                if failed {
                    errors += 1;
                    first_error.get_or_insert_with(|| {
                        format!("{} {}", r.status, String::from_utf8_lossy(&r.body))
                    });
                }
            }
            anyhow::Ok((latencies, errors, first_error))
        }));
    }
    let mut out = Load {
        label: label.into(),
        requests: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    let mut first_error = None;
    for t in tasks {
        let (l, e, f) = t.await??;
        out.requests += l.len();
        out.latencies.extend(l);
        out.errors += e;
        first_error = first_error.or(f);
    }
    out.elapsed = start.elapsed();
    if let Some(e) = first_error {
        let e: String = e.chars().take(300).collect();
        println!("  ({label}: first error response: {e})");
    }
    Ok(out)
}
