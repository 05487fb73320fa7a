//! The web application's case: a clerk's account opened on the history,
//! signed in over HTTP, then each main page's server time (requests in
//! turn on one connection, so the figure is the page's own work plus
//! loopback) and its first load's weight over the wire, gzipped as a
//! browser asks, everything it loads included.

use std::path::Path;
use std::time::{Duration, Instant};

use registre_schema::Role;
use registre_service::accounts::{self, CredentialFile};
use registre_service::store::sqlite::SqliteStore;

use super::figures::percentile;
use super::http::{Conn, Response};
use super::server::Server;

const NAME: &str = "bench";
const PASSWORD: &str = "mot de passe du banc d'essai";

/// Opens the clerk's account the pages are read with, its hash in the
/// credentials file the server reads by default.
pub(super) async fn open_account(db: &Path) -> anyhow::Result<()> {
    let store = SqliteStore::open(db).await?;
    let commands = registre_service::commands::CommandHandler::new(std::sync::Arc::new(store));
    let url = format!("sqlite:{}", db.display());
    let credentials = CredentialFile::new(accounts::default_credentials_path(&url));
    let account = accounts::NewAccount {
        name: NAME,
        full_name: "Banc d'essai",
        role: Role::Secretariat,
        region: None,
    };
    accounts::open_account(
        &commands,
        &credentials,
        account,
        PASSWORD,
        registre_service::auth::operator(),
    )
    .await?;
    Ok(())
}

fn cookie(r: &Response, name: &str) -> Option<String> {
    r.headers
        .iter()
        .filter(|(n, _)| n == "set-cookie")
        .filter_map(|(_, v)| v.split(';').next())
        .find(|kv| kv.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

async fn sign_in(conn: &mut Conn) -> anyhow::Result<String> {
    let form = conn.send("GET", "/connexion", &[], b"").await?;
    let html = String::from_utf8_lossy(&form.body);
    let token = html
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .ok_or_else(|| anyhow::anyhow!("no token in the sign-in form"))?
        .to_owned();
    let form_cookie = cookie(&form, "registre_connexion")
        .ok_or_else(|| anyhow::anyhow!("no cookie with the sign-in form"))?;
    let body = format!(
        "token={token}&name={NAME}&password={}",
        PASSWORD.replace(' ', "+").replace('\'', "%27")
    );
    let r = conn
        .send(
            "POST",
            "/connexion",
            &[
                ("Cookie", &form_cookie),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            body.as_bytes(),
        )
        .await?;
    cookie(&r, "registre_session").ok_or_else(|| anyhow::anyhow!("sign-in refused ({})", r.status))
}

/// The dashboard and the directory loaded cold in Chromium over the slow
/// link, signed in.
pub(super) async fn slow_link(server: &Server, browser: &super::BrowserArgs) -> anyhow::Result<()> {
    if !browser.chromedriver.exists() || !browser.chromium.exists() {
        println!(
            "Slow link not measured: {} or {} is missing.",
            browser.chromedriver.display(),
            browser.chromium.display()
        );
        return Ok(());
    }
    let mut conn = Conn::connect(server.addr).await?;
    let login = sign_in(&mut conn).await?;
    super::slow_link::slow_link(
        &browser.chromedriver,
        &browser.chromium,
        server.addr,
        &login,
        &[("/", "Tableau de bord"), ("/membres", "Membres")],
        browser.browser_runs,
    )
    .await
}

/// Waits until the audit trail has recorded the whole log: after a start
/// on a long history it hashes every event, which would otherwise share
/// the two cores with the pages timed.
pub(super) async fn wait_recorded(conn: &mut Conn, token: &str) -> anyhow::Result<()> {
    let query = br#"{"query":"{ head treeHead { size } }"}"#;
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let r = conn.request("POST", "/graphql", Some(token), query).await?;
        let v: serde_json::Value = serde_json::from_slice(&r.body)?;
        let head = v["data"]["head"].as_u64();
        if head.is_some() && head == v["data"]["treeHead"]["size"].as_u64() {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the audit trail did not catch up"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

pub(super) async fn pages(server: &Server, token: &str, requests: usize) -> anyhow::Result<()> {
    let mut conn = Conn::connect(server.addr).await?;
    wait_recorded(&mut conn, token).await?;
    let login = sign_in(&mut conn).await?;
    let plain = [("Cookie", login.as_str())];
    let gzip = [("Cookie", login.as_str()), ("Accept-Encoding", "gzip")];
    // A member's page: the first of the directory.
    let directory = conn.send("GET", "/membres", &plain, b"").await?;
    let html = String::from_utf8_lossy(&directory.body);
    let member = html
        .split("<td><a href=\"/membres/")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .map(|id| format!("/membres/{id}"))
        .ok_or_else(|| anyhow::anyhow!("no member in the directory"))?;
    println!("Pages over loopback, {requests} requests each in turn, one connection:");
    // The first request of each page is its cold figure: for the dashboard,
    // its computation at a new point of the log (later ones at the same
    // point reuse it).
    for path in [
        "/",
        "/membres",
        "/membres?q=ka",
        member.as_str(),
        "/sessions",
    ] {
        let mut latencies = Vec::with_capacity(requests);
        for _ in 0..requests {
            let t = Instant::now();
            let r = conn.send("GET", path, &plain, b"").await?;
            latencies.push(t.elapsed());
            anyhow::ensure!(r.status == 200, "{path} answered {}", r.status);
        }
        let first = latencies[0];
        latencies.sort_unstable();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "  {path:<56} first {:>7.2} ms  p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
            ms(first),
            ms(percentile(&latencies, 0.50)),
            ms(percentile(&latencies, 0.99)),
            ms(*latencies.last().unwrap_or(&Duration::ZERO)),
        );
    }
    println!("First load over the wire (gzip as a browser asks, headers aside):");
    let mut assets = 0;
    for asset in ["/static/registre.css", "/static/htmx.min.js"] {
        assets += conn.send("GET", asset, &gzip, b"").await?.body.len();
    }
    for path in ["/", "/membres", member.as_str(), "/sessions"] {
        let r = conn.send("GET", path, &gzip, b"").await?;
        let encoding = r
            .header("content-encoding")
            .unwrap_or("identity")
            .to_owned();
        println!(
            "  {path:<56} page {:>6.1} KB ({encoding}) + assets {:>5.1} KB = {:>6.1} KB",
            r.body.len() as f64 / 1e3,
            assets as f64 / 1e3,
            (r.body.len() + assets) as f64 / 1e3,
        );
    }
    Ok(())
}
