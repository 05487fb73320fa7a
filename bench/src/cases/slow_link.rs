//! The web application on a slow link: Chromium loads a page cold (a new
//! browser profile each time, so an empty cache and new connections)
//! under DevTools' network emulation, and reports when its content was
//! first painted, when it finished loading and what crossed the wire.
//!
//! chromedriver is spoken to in WebDriver's JSON over HTTP with the
//! bench's own client: six calls do not warrant a WebDriver crate in the
//! binary the bench is part of.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use super::http::Conn;

/// The link the AMM's regional offices are assumed to have.
pub struct Link {
    pub down_bits_per_s: f64,
    pub up_bits_per_s: f64,
    pub round_trip_ms: f64,
}

/// 1.6 Mbit/s down, 750 kbit/s up, 300 ms round trip.
pub const SLOW: Link = Link {
    down_bits_per_s: 1.6e6,
    up_bits_per_s: 750e3,
    round_trip_ms: 300.0,
};

/// What one cold load measured, in milliseconds from the navigation's
/// start (the browser's own clock).
#[derive(Debug, Clone, Copy)]
pub struct Load {
    pub first_paint_ms: f64,
    pub loaded_ms: f64,
    pub bytes: u64,
    pub requests: u64,
}

/// A page to load signed in: `cookie` (`name=value`) is set for the
/// server first, and `expect` must be in the page's first heading (a page
/// that sent the browser elsewhere is not measured).
pub struct Visit<'a> {
    pub server: SocketAddr,
    pub path: &'a str,
    pub cookie: &'a str,
    pub expect: &'a str,
}

/// A chromedriver process, stopped when dropped.
pub struct Driver {
    child: Child,
    addr: SocketAddr,
    profiles: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    /// Starts chromedriver on a free port of the loopback.
    pub async fn start(chromedriver: &Path) -> anyhow::Result<Driver> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("start {}", chromedriver.display()))?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let driver = Driver {
            child,
            addr,
            profiles: tempfile::tempdir()?,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(mut c) = Conn::connect(addr).await
                && let Ok(r) = c.request("GET", "/status", None, b"").await
                && r.status == 200
            {
                return Ok(driver);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("chromedriver did not answer within 20 s")
    }

    async fn call(&self, method: &str, path: &str, body: Value) -> anyhow::Result<Value> {
        let mut c = Conn::connect(self.addr).await?;
        let r = c
            .request(method, path, None, body.to_string().as_bytes())
            .await?;
        let v: Value = serde_json::from_slice(&r.body)?;
        if r.status != 200 {
            bail!("chromedriver {method} {path}: {} {v}", r.status);
        }
        Ok(v["value"].clone())
    }

    /// Makes `visit` cold over `link`, in a new browser profile.
    pub async fn cold_load(
        &self,
        chromium: &Path,
        visit: &Visit<'_>,
        link: &Link,
    ) -> anyhow::Result<Load> {
        let profile = tempfile::tempdir_in(self.profiles.path())?;
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                // A French browser, as the secretariat's: the pages follow
                // `Accept-Language` (a headless Chromium ignores `--lang`).
                "prefs": { "intl.accept_languages": "fr-FR,fr" },
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--accept-lang=fr-FR,fr",
                    "--window-size=1280,800",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            },
        }}});
        let session = self.call("POST", "/session", caps).await?["sessionId"]
            .as_str()
            .context("no session id")?
            .to_owned();
        let result = self.measure(&session, visit, link).await;
        let _ = self
            .call("DELETE", &format!("/session/{session}"), json!({}))
            .await;
        result
    }

    async fn measure(&self, session: &str, visit: &Visit<'_>, link: &Link) -> anyhow::Result<Load> {
        let Visit {
            server,
            path,
            cookie,
            expect,
        } = *visit;
        let execute = format!("/session/{session}/goog/cdp/execute");
        let cdp = |cmd: &str, params: Value| {
            self.call("POST", &execute, json!({"cmd": cmd, "params": params}))
        };
        let origin = format!("http://{server}");
        let (name, value) = cookie.split_once('=').context("cookie is name=value")?;
        // Set without visiting the server, so nothing is cached or
        // connected before the load measured.
        cdp(
            "Network.setCookie",
            json!({"name": name, "value": value, "url": origin, "httpOnly": true}),
        )
        .await?;
        cdp("Network.enable", json!({})).await?;
        cdp(
            "Network.emulateNetworkConditions",
            json!({
                "offline": false,
                "latency": link.round_trip_ms,
                "downloadThroughput": link.down_bits_per_s / 8.0,
                "uploadThroughput": link.up_bits_per_s / 8.0,
            }),
        )
        .await?;
        // Returns once the page has loaded.
        self.call(
            "POST",
            &format!("/session/{session}/url"),
            json!({"url": format!("{origin}{path}")}),
        )
        .await?;
        let script = "const n = performance.getEntriesByType('navigation')[0];\
            const p = performance.getEntriesByName('first-contentful-paint')[0];\
            const r = performance.getEntriesByType('resource');\
            const h = document.querySelector('h1');\
            return {paint: p ? p.startTime : null, loaded: n.loadEventEnd,\
              bytes: r.reduce((s, e) => s + e.transferSize, n.transferSize),\
              requests: r.length + 1, heading: h ? h.textContent : ''};";
        let v = self
            .call(
                "POST",
                &format!("/session/{session}/execute/sync"),
                json!({"script": script, "args": []}),
            )
            .await?;
        let heading = v["heading"].as_str().unwrap_or_default();
        if !heading.contains(expect) {
            bail!("{path} showed {heading:?}, not {expect:?}");
        }
        Ok(Load {
            first_paint_ms: v["paint"].as_f64().context("no first contentful paint")?,
            loaded_ms: v["loaded"].as_f64().unwrap_or_default(),
            bytes: v["bytes"].as_u64().unwrap_or_default(),
            requests: v["requests"].as_u64().unwrap_or_default(),
        })
    }
}

/// Loads each page `runs` times cold over the slow link and prints the
/// figures: first contentful paint (the content visible), load, bytes.
pub(super) async fn slow_link(
    chromedriver: &Path,
    chromium: &Path,
    server: SocketAddr,
    cookie: &str,
    pages: &[(&str, &str)],
    runs: usize,
) -> anyhow::Result<()> {
    let driver = Driver::start(chromedriver).await?;
    let link = SLOW;
    println!(
        "Cold first load in Chromium over an emulated link ({:.1} Mbit/s down, {:.0} kbit/s up, {:.0} ms round trip), {runs} runs:",
        link.down_bits_per_s / 1e6,
        link.up_bits_per_s / 1e3,
        link.round_trip_ms
    );
    for (path, expect) in pages {
        let visit = Visit {
            server,
            path,
            cookie,
            expect,
        };
        let mut loads = Vec::with_capacity(runs);
        for _ in 0..runs {
            loads.push(driver.cold_load(chromium, &visit, &link).await?);
        }
        let mut paints: Vec<f64> = loads.iter().map(|l| l.first_paint_ms).collect();
        paints.sort_by(f64::total_cmp);
        let loaded = loads.iter().map(|l| l.loaded_ms).fold(0.0, f64::max);
        let last = loads[loads.len() - 1];
        println!(
            "  {path:<12} content painted p50 {:>6.0} ms  max {:>6.0} ms   loaded max {:>6.0} ms   {:>5.1} KB in {} requests",
            paints[paints.len() / 2],
            paints[paints.len() - 1],
            loaded,
            last.bytes as f64 / 1e3,
            last.requests,
        );
    }
    Ok(())
}
