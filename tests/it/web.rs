//! The web application in a real browser: Debian's Chromium, headless,
//! driven by chromedriver (WebDriver) against `registre serve` on the demo
//! history. Screenshots of each main page are kept in
//! `target/web-screenshots/` to be looked at, and each is checked with
//! axe-core (WCAG 2.1 A and AA).
//!
//! Without Chromium and chromedriver these tests are skipped, except on CI
//! (`CI=true`), where `.ci/run` installs them and a missing browser fails.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use crate::support::{Server, eventually, http, post_form, registre, run_ok, scratch, sqlite_url};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub(crate) const CLERK_PASSWORD: &str = "mot de passe du secrétariat";
const VIEWER_PASSWORD: &str = "mot de passe du tableau";

/// A chromedriver process, killed when dropped.
pub(crate) struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts chromedriver, or says why the browser tests cannot run.
pub(crate) fn driver() -> Option<Driver> {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        assert!(
            std::env::var("CI").is_err(),
            "Chromium and chromedriver are required on CI (.ci/run installs them)"
        );
        eprintln!("skipped: no {CHROMIUM} or {CHROMEDRIVER}");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver { child, port };
    eventually(20, "chromedriver listens", || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    Some(driver)
}

/// A headless Chromium with a fresh profile, kept off the network (this
/// machine has none, and the application needs none).
pub(crate) async fn browser(driver: &Driver, profile: &Path, width: u32, height: u32) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            // The screen's size in CSS pixels, a phone's included (a
            // headless window is never narrower than 500 pixels).
            "mobileEmulation": {
                "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1.0 }
            },
            // A French browser: its `Accept-Language` asks for French (a
            // headless Chromium ignores `--lang` there).
            "prefs": { "intl.accept_languages": "fr-FR,fr" },
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--lang=fr-FR", "--accept-lang=fr-FR,fr",
                format!("--window-size={},{height}", width.max(500)),
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a Chromium session")
}

fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/web-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot directory");
    dir
}

pub(crate) async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("a screenshot");
    std::fs::write(screenshots().join(format!("{name}.png")), png).expect("screenshot written");
}

/// The demo history, a clerk's account and a dashboard viewer's.
pub(crate) fn demo_store(dir: &Path) -> (PathBuf, PathBuf) {
    let db = dir.join("registre.db");
    let credentials = demo_at(&sqlite_url(&db), dir);
    (db, credentials)
}

/// `registre serve` on the demo history, with its accounts.
pub(crate) fn demo_server(dir: &Path) -> Server {
    let (db, credentials) = demo_store(dir);
    Server::start_with_credentials(&db, &credentials)
}

/// The server on `db` with its accounts, and a browser signed in as the
/// clerk.
pub(crate) async fn clerk_on(
    driver: &Driver,
    dir: &Path,
    db: &Path,
    credentials: &Path,
) -> (Server, Client) {
    let server = Server::start_with_credentials(db, credentials);
    let c = browser(driver, &dir.join("chromium"), 1280, 1000).await;
    sign_in(&c, server.addr, "awa", CLERK_PASSWORD).await;
    (server, c)
}

/// The same on the demo history.
pub(crate) async fn clerk_on_demo(driver: &Driver, dir: &Path) -> (Server, Client) {
    let (db, credentials) = demo_store(dir);
    clerk_on(driver, dir, &db, &credentials).await
}

/// The same on any store; returns the credentials file.
fn demo_at(store: &str, dir: &Path) -> PathBuf {
    run_ok(&["demo", "--store", store]);
    let credentials = dir.join("credentials");
    for (name, full, role, password) in [
        ("awa", "Awa Traoré", "secretariat", CLERK_PASSWORD),
        ("tableau", "Écran du siège", "dashboard", VIEWER_PASSWORD),
    ] {
        open_account(store, &credentials, name, full, role, password);
    }
    credentials
}

pub(crate) fn open_account(
    store: &str,
    credentials: &Path,
    name: &str,
    full: &str,
    role: &str,
    pw: &str,
) {
    use std::io::Write;
    let mut child = registre()
        .args(["account", "create", "--store", store, "--credentials"])
        .arg(credentials)
        .args(["--name", name, "--full-name", full, "--role", role])
        .stdin(Stdio::piped())
        .spawn()
        .expect("run registre account create");
    writeln!(child.stdin.take().unwrap(), "{pw}").unwrap();
    assert!(child.wait().unwrap().success(), "account {name} opened");
}

/// Imports a 2025 edition of the territorial list that splits Kidal
/// (ML080102, a member of the demo) into Kidal-Nord and Kidal-Sud.
pub(crate) fn import_kidal_split(dir: &Path, db: &Path) {
    let csv = dir.join("kidal-2025.csv");
    std::fs::write(
        &csv,
        "region_pcode,region_name,cercle_pcode,cercle_name,commune_pcode,commune_name
ML08,Kidal,ML0801,Kidal,ML080197,Kidal-Nord
ML08,Kidal,ML0801,Kidal,ML080198,Kidal-Sud
",
    )
    .unwrap();
    let imported = registre()
        .args(["territory", "import", csv.to_str().unwrap()])
        .args(["--scheme", "ocha-pcode", "--edition", "2025"])
        .args(["--store", &sqlite_url(db)])
        .output()
        .unwrap();
    assert!(imported.status.success(), "{imported:?}");
}

/// The log's head, as `/readyz` reports it.
pub(crate) fn head(addr: SocketAddr) -> u64 {
    let answer = http(addr, "GET", "/readyz", &[], b"");
    answer.json()["head"].as_u64().expect("a head")
}

pub(crate) async fn sign_in(c: &Client, addr: SocketAddr, name: &str, password: &str) {
    c.goto(&format!("http://{addr}/")).await.unwrap();
    // Not signed in: the dashboard sends the browser to sign in.
    assert!(
        c.current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/connexion")
    );
    post(c, "form", &[("name", name), ("password", password)]).await;
    wait_for_text(c, "h1", "Tableau de bord").await;
}

pub(crate) async fn text_of(c: &Client, css: &str) -> String {
    match c.find(Locator::Css(css)).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

pub(crate) async fn wait_for_text(c: &Client, css: &str, wanted: &str) {
    for _ in 0..100 {
        if text_of(c, css).await.contains(wanted) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let page = c.source().await.unwrap_or_default();
    panic!("{css} never showed {wanted:?}; the page:\n{page}");
}

/// axe-core, run in the page on screen: every WCAG 2.1 A and AA rule it
/// can check must pass.
pub(crate) async fn accessible(c: &Client, page: &str) {
    const AXE: &str = include_str!("../fixtures/axe-core/axe.min.js");
    let script = format!(
        "{AXE}\nconst done = arguments[arguments.length - 1];\n\
         axe.run(document, {{ runOnly: {{ type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }} }})\n\
           .then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' ' + JSON.stringify(v.nodes.map(n => n.target)))))\n\
           .catch(e => done(['axe failed: ' + e]));"
    );
    let found = c.execute_async(&script, vec![]).await.expect("axe ran");
    let violations: Vec<String> = serde_json::from_value(found).expect("a list");
    assert!(violations.is_empty(), "{page}: {violations:#?}");
}

/// Clicks what `locator` finds on the page; `sought` names it if nothing is.
async fn click_found(c: &Client, locator: Locator<'_>, sought: &str) {
    c.find(locator)
        .await
        .unwrap_or_else(|_| panic!("{sought}"))
        .click()
        .await
        .unwrap();
}

/// Clicks what `css` finds on the page.
pub(crate) async fn click(c: &Client, css: &str) {
    click_found(c, Locator::Css(css), &format!("{css} on the page")).await;
}

/// Clicks what the XPath `path` finds on the page.
pub(crate) async fn click_xpath(c: &Client, path: &str) {
    click_found(c, Locator::XPath(path), &format!("{path} on the page")).await;
}

/// Follows the link whose text is `text`.
pub(crate) async fn follow(c: &Client, text: &str) {
    click_found(c, Locator::LinkText(text), &format!("a link {text:?}")).await;
}

/// The browser's login cookie, as a `Cookie` header's value.
async fn login_cookie(c: &Client) -> String {
    let cookie = c
        .get_all_cookies()
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.name() == "registre_session")
        .expect("the login cookie");
    format!("registre_session={}", cookie.value())
}

/// Follows a page's download link as the browser does (its cookie, the
/// redirect to the document): the document's path, once it answered a PDF.
async fn download(c: &Client, link_css: &str) -> String {
    let link = c
        .find(Locator::Css(link_css))
        .await
        .expect("a download link");
    let href = link.attr("href").await.unwrap().expect("an address");
    let script = "const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(r => r.arrayBuffer().then(b => done([r.status, r.headers.get('content-type'),
            new URL(r.url).pathname, String.fromCharCode(...new Uint8Array(b.slice(0, 5)))])))
            .catch(e => done([0, String(e), '', '']));";
    let got = c
        .execute_async(script, vec![serde_json::Value::from(href.clone())])
        .await
        .expect("the download ran");
    assert_eq!(got[0], 200, "{href}: {got}");
    assert_eq!(got[1], "application/pdf", "{href}: {got}");
    assert_eq!(got[3], "%PDF-", "{href}: {got}");
    got[2].as_str().unwrap().to_owned()
}

/// Fills the payment form of the member page on screen and posts it.
pub(crate) async fn post_payment(c: &Client, amount: &str, receipt: &str) {
    post(
        c,
        "form[action$='/paiement']",
        &[("year", "2024"), ("amount", amount), ("receipt", receipt)],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_admits_a_commune_and_records_its_payment_in_a_browser() {
    let Some(driver) = driver() else { return };
    let dir = scratch();
    let server = demo_server(dir.path());
    clerk_admits_and_records(&driver, server.addr, dir.path(), "").await;
    drop(server);
}

/// The same on PostgreSQL: the pages know nothing of the store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_admits_a_commune_and_records_its_payment_in_a_browser_on_postgresql() {
    let Some(driver) = driver() else { return };
    let Some((_client, schema)) = crate::store_postgres::fresh_schema().await else {
        return;
    };
    let dir = scratch();
    let store = schema.url();
    let credentials = demo_at(&store, dir.path());
    let work = dir.path();
    let args = [
        "--credentials",
        credentials.to_str().unwrap(),
        "--state-dir",
        &work.join("state").display().to_string(),
        "--audit-dir",
        &work.join("audit").display().to_string(),
    ]
    .map(String::from);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let server = Server::spawn_serving(&store, &args, &[]);
    server.wait_for_200("/readyz");
    clerk_admits_and_records(&driver, server.addr, dir.path(), "-postgresql").await;
    drop(server);
}

/// Signs in, admits a commune, records a payment (refused, then accepted,
/// then refused again by the rules), searches the directory and forges a
/// post; screenshots are named with `suffix`.
async fn clerk_admits_and_records(driver: &Driver, addr: SocketAddr, dir: &Path, suffix: &str) {
    let c = browser(driver, &dir.join(format!("chromium{suffix}")), 1280, 1000).await;

    // The sign-in page, then a wrong password: refused in French.
    c.goto(&format!("http://{addr}/connexion")).await.unwrap();
    shot(&c, &format!("sign-in{suffix}")).await;
    accessible(&c, "sign-in").await;
    post(
        &c,
        "form",
        &[("name", "awa"), ("password", "pas le bon mot de passe")],
    )
    .await;
    wait_for_text(&c, "#erreur", "Nom ou mot de passe incorrect").await;
    c.delete_all_cookies().await.unwrap();

    sign_in(&c, addr, "awa", CLERK_PASSWORD).await;
    wait_for_text(&c, ".card", "Membres").await;
    // 300 admitted, one of them excluded by the Conseil National, two
    // merged into one.
    let members = text_of(&c, ".card .figure").await;
    assert_eq!(members.trim(), "298");
    shot(&c, &format!("dashboard{suffix}")).await;
    accessible(&c, "dashboard").await;

    // Admit a commune picked from the list, not typed as a code.
    c.goto(&format!("http://{addr}/membres/admission"))
        .await
        .unwrap();
    let commune = c
        .find(Locator::Css("#commune optgroup option"))
        .await
        .unwrap();
    let label = commune.text().await.unwrap();
    let name = label.split(" (").next().unwrap().to_owned();
    commune.click().await.unwrap();
    click(&c, "#category option:nth-child(2)").await;
    let form = c.form(Locator::Css("form.form")).await.unwrap();
    form.set_by_name(
        "deliberation",
        "Délibération n° 12/2024 du conseil communal",
    )
    .await
    .unwrap();
    form.set_by_name("decision", "Décision n° 2024-07 du Bureau exécutif")
        .await
        .unwrap();
    shot(&c, &format!("admission{suffix}")).await;
    accessible(&c, "admission").await;
    form.submit().await.unwrap();
    wait_for_text(&c, ".done", "Enregistré").await;
    assert_eq!(text_of(&c, "h1").await, name);
    assert!(text_of(&c, ".facts").await.contains("membre actif"));
    let member_url = c.current_url().await.unwrap();

    // A payment with a malformed amount is refused beside its field, and
    // nothing is recorded.
    let before = head(addr);
    post_payment(&c, "cinquante mille", "R-WEB-1").await;
    wait_for_text(&c, "#amount-error", "Montant : montant invalide").await;
    assert_eq!(head(addr), before, "a refused form records nothing");

    // A good one is recorded and listed.
    c.goto(member_url.as_str()).await.unwrap();
    post_payment(&c, "50 000", "R-WEB-1").await;
    wait_for_text(&c, ".done", "Enregistré").await;
    wait_for_text(&c, "main", "50\u{202f}000 F CFA").await;
    assert!(head(addr) > before);
    shot(&c, &format!("member{suffix}")).await;
    accessible(&c, "member").await;

    // Its receipt downloads as a PDF, and its reference is confirmed on the
    // public verification page.
    let receipt = download(&c, "a[href*='type=recu']").await;
    let reference = receipt
        .strip_prefix("/documents/")
        .expect("a document")
        .to_owned();
    assert!(reference.starts_with("RECU-"), "{reference}");
    assert!(
        download(&c, "a[href*='type=attestation']")
            .await
            .starts_with("/documents/ATT-")
    );
    c.goto(&format!("http://{addr}/verifier/{reference}"))
        .await
        .unwrap();
    wait_for_text(&c, "main", "Référence authentique").await;
    wait_for_text(&c, "main", "Paiement").await;
    shot(&c, &format!("verifier{suffix}")).await;
    accessible(&c, "verification page").await;
    c.goto(member_url.as_str()).await.unwrap();

    // The same receipt again: the domain refuses it, in French, with its
    // code, and nothing is recorded.
    let before = head(addr);
    post_payment(&c, "10 000", "R-WEB-1").await;
    wait_for_text(&c, ".refusal", "RECEIPT_ALREADY_USED").await;
    assert_eq!(head(addr), before);
    shot(&c, &format!("member-refused{suffix}")).await;
    accessible(&c, "member with a refusal").await;

    // Its contacts: a malformed e-mail is refused beside its field and
    // nothing is recorded; then they are, and the member's page shows them.
    c.goto(&format!("http://{addr}{}/coordonnees", member_url.path()))
        .await
        .unwrap();
    let before = head(addr);
    post(
        &c,
        "form.form",
        &[
            ("mayor", "Fatoumata Coulibaly"),
            ("phones", "+223 20 22 33 44\n76 00 11 22"),
            ("email", "mairie-sans-arobase"),
        ],
    )
    .await;
    wait_for_text(&c, "#email-error", "nom@domaine.ml").await;
    assert_eq!(head(addr), before);
    shot(&c, &format!("contacts-refused{suffix}")).await;
    accessible(&c, "contacts form").await;
    post(&c, "form.form", &[("email", "mairie@exemple.ml")]).await;
    wait_for_text(&c, ".done", "Enregistré").await;
    wait_for_text(&c, "main", "Fatoumata Coulibaly").await;
    wait_for_text(&c, ".timeline", "Coordonnées enregistrées").await;
    assert!(head(addr) > before);
    shot(&c, &format!("member-contacts{suffix}")).await;

    // Its status: reinstating an active member is refused by the domain,
    // in French with its code, and nothing is recorded; a suspension with
    // its reason is, then the reinstatement.
    let status_page = format!("http://{addr}{}/statut", member_url.path());
    let change = |value: &'static str, reason: &'static str| {
        let c = c.clone();
        async move {
            click(&c, &format!("#change-{value}")).await;
            post(&c, "form.form", &[("reason", reason)]).await;
        }
    };
    c.goto(&status_page).await.unwrap();
    let before = head(addr);
    change("reintegration", "Régularisation").await;
    wait_for_text(&c, ".refusal", "MEMBER_NOT_SUSPENDED").await;
    assert_eq!(head(addr), before);
    shot(&c, &format!("status-refused{suffix}")).await;
    accessible(&c, "status form").await;
    change("suspension", "Cotisations impayées depuis trois exercices").await;
    wait_for_text(&c, ".done", "Enregistré").await;
    wait_for_text(&c, ".facts", "suspendu").await;
    c.goto(&status_page).await.unwrap();
    change("reintegration", "Arriérés réglés").await;
    wait_for_text(&c, ".facts", "membre actif").await;
    wait_for_text(&c, ".timeline", "Réintégration").await;

    // The payment reversed from the member's page, with its reason: it
    // stays listed, said reversed, and its year is owed again.
    click(&c, "a[href*='/annulation?recu=R-WEB-1']").await;
    wait_for_text(&c, "main", "reçu R-WEB-1").await;
    accessible(&c, "reversal form").await;
    post(&c, "form.form", &[("reason", "Chèque sans provision")]).await;
    wait_for_text(&c, ".done", "Enregistré").await;
    wait_for_text(&c, "main", "Chèque sans provision").await;

    // The directory finds the new member with an accent typed in its name.
    let accented = name.replacen('e', "é", 1).replacen('a', "à", 1);
    c.goto(&format!("http://{addr}/membres")).await.unwrap();
    post(&c, "form.filters", &[("q", &accented)]).await;
    wait_for_text(&c, "table", &name).await;
    shot(&c, &format!("directory{suffix}")).await;
    accessible(&c, "directory").await;

    // The directory as of a past day, in force then (no member yet in
    // 1990), and a date it cannot read, said in French.
    c.goto(&format!("http://{addr}/membres?le=1990-01-01&sens=vigueur"))
        .await
        .unwrap();
    wait_for_text(&c, ".done", "Registre en vigueur le 1er janvier 1990").await;
    wait_for_text(&c, "main", "0 membre(s)").await;
    c.goto(&format!("http://{addr}/membres?le=31%2F12%2F2024"))
        .await
        .unwrap();
    wait_for_text(&c, ".refusal", "Date invalide").await;

    // Regions speak of an edition: the two communes of Kayes the demo's
    // example reform merged are there in 2015, and nowhere in the example
    // edition, where their merged commune stands instead.
    c.goto(&format!(
        "http://{addr}/membres?edition=2015&region=ML01&statut=remplace"
    ))
    .await
    .unwrap();
    wait_for_text(&c, "main", "2 membre(s)").await;
    c.goto(&format!(
        "http://{addr}/membres?edition=2025-exemple&region=ML01&statut=remplace"
    ))
    .await
    .unwrap();
    wait_for_text(&c, "main", "0 membre(s)").await;
    let selected = c
        .find(Locator::Css("#edition option[selected]"))
        .await
        .expect("the editions are offered")
        .text()
        .await
        .unwrap();
    assert_eq!(selected, "2025-exemple");

    // A form posted without the session's CSRF token is refused, even
    // with the session's cookie.
    let cookie = login_cookie(&c).await;
    let before = head(addr);
    let forged = post_form(
        addr,
        &cookie,
        &format!("{}/paiement", member_url.path()),
        b"year=2024&amount=1000&paid_on=2024-03-01&receipt=R-FORGED",
    );
    assert_eq!(forged.status, 403);
    assert!(forged.body.contains("CSRF_REFUSED"), "{}", forged.body);
    assert_eq!(head(addr), before);

    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_follows_records_made_elsewhere_and_a_viewer_cannot_record() {
    let Some(driver) = driver() else { return };
    let dir = scratch();
    let server = demo_server(dir.path());
    let addr = server.addr;

    // A dashboard account on a phone-sized screen.
    let viewer = browser(&driver, &dir.path().join("viewer"), 360, 800).await;
    sign_in(&viewer, addr, "tableau", VIEWER_PASSWORD).await;
    shot(&viewer, "dashboard-phone").await;
    accessible(&viewer, "dashboard on a phone").await;
    let nav = text_of(&viewer, "nav").await;
    assert!(!nav.contains("Admettre"), "{nav}");
    // A dashboard reads the registers, not the log: no latest records.
    assert!(
        !text_of(&viewer, "main")
            .await
            .contains("Derniers enregistrements")
    );
    let dues_before = text_of(&viewer, "#direct table").await;

    // The clerk records a payment in another browser.
    let clerk = browser(&driver, &dir.path().join("clerk"), 1280, 1000).await;
    sign_in(&clerk, addr, "awa", CLERK_PASSWORD).await;
    clerk
        .goto(&format!("http://{addr}/membres?statut=actif"))
        .await
        .unwrap();
    click(&clerk, "table tbody a").await;
    wait_for_text(&clerk, "main", "Cotisations par année").await;
    post_payment(&clerk, "25 000", "R-LIVE-1").await;
    wait_for_text(&clerk, ".done", "Enregistré").await;
    let head_after = head(addr);
    // The clerk, who reads the log, sees it among the latest records.
    clerk.goto(&format!("http://{addr}/")).await.unwrap();
    wait_for_text(&clerk, "ol.list li", "Paiement de cotisation").await;

    // The viewer's dashboard shows it without being reloaded: the position
    // it stands at, and the dues collected.
    wait_for_text(&viewer, "#direct p.muted", &format!("n° {head_after}")).await;
    assert_ne!(text_of(&viewer, "#direct table").await, dues_before);

    // The viewer reaches no form: the page refuses, and so does a post
    // carrying the viewer's own valid CSRF token.
    viewer
        .goto(&format!("http://{addr}/membres/admission"))
        .await
        .unwrap();
    wait_for_text(&viewer, "h1", "Accès refusé").await;
    viewer.goto(&format!("http://{addr}/audit")).await.unwrap();
    wait_for_text(&viewer, "h1", "Accès refusé").await;
    viewer.goto(&format!("http://{addr}/")).await.unwrap();
    let csrf = viewer
        .find(Locator::Css("input[name='csrf']"))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap()
        .expect("the sign-out form's token");
    let cookie = login_cookie(&viewer).await;
    let before = head(addr);
    let body = format!("csrf={csrf}&commune=x");
    let post = post_form(addr, &cookie, "/membres/admission", body.as_bytes());
    assert_eq!(post.status, 403);
    assert!(post.body.contains("(code FORBIDDEN)"), "{}", post.body);
    assert_eq!(head(addr), before);

    // GraphiQL loads from the server alone (this machine has no internet).
    clerk.goto(&format!("http://{addr}/graphql")).await.unwrap();
    clerk
        .wait()
        .for_element(Locator::Css(".graphiql-container"))
        .await
        .expect("GraphiQL rendered");
    shot(&clerk, "graphiql").await;

    viewer.close().await.unwrap();
    clerk.close().await.unwrap();
    drop(server);
}

/// Posts the form of the page on screen that `css` finds, after filling
/// `fields` (name, value).
pub(crate) async fn post(c: &Client, css: &str, fields: &[(&str, &str)]) {
    let form = c.form(Locator::Css(css)).await.unwrap();
    for (name, value) in fields {
        form.set_by_name(name, value).await.unwrap();
    }
    form.submit().await.unwrap();
}

/// The convocation form, with the body whose name starts with `body`
/// chosen.
async fn convocation_form(c: &Client, addr: SocketAddr, body: &str) {
    c.goto(&format!("http://{addr}/sessions/convocation"))
        .await
        .unwrap();
    click_xpath(
        c,
        &format!("//select[@id='body']/option[starts-with(normalize-space(.), '{body}')]"),
    )
    .await;
}

/// Convenes a session of the body whose name starts with `body`, on
/// `date`, and returns its page's address.
pub(crate) async fn convene(c: &Client, addr: SocketAddr, body: &str, date: &str) -> String {
    convocation_form(c, addr, body).await;
    post(
        c,
        "form.form",
        &[
            ("session_date", date),
            ("place", "Kidal, salle de la mairie"),
            ("agenda", "Ouverture\nBudget 2027\nDivers"),
        ],
    )
    .await;
    wait_for_text(c, ".done", "Enregistré").await;
    c.current_url().await.unwrap().as_str().to_owned()
}

/// Records the one convened member present and opens the session.
pub(crate) async fn attend_and_open(c: &Client) {
    post(
        c,
        "#emargement form[action$='/emargement']",
        &[("delegate", "Aminata Maïga")],
    )
    .await;
    wait_for_text(c, "#quorum", "le quorum est atteint").await;
    post(c, "#emargement form[action$='/ouverture']", &[]).await;
    wait_for_text(c, ".facts", "en séance").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_runs_its_course_from_convocation_to_signed_minutes_in_a_browser() {
    let Some(driver) = driver() else { return };
    let dir = scratch();
    let (server, c) = clerk_on_demo(&driver, dir.path()).await;
    let addr = server.addr;

    // Too short a notice is refused by the statutes, and nothing is kept.
    let before = head(addr);
    convocation_form(&c, addr, "Conférence Régionale de Kidal").await;
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string();
    post(
        &c,
        "form.form",
        &[
            ("session_date", &tomorrow),
            ("place", "Kidal"),
            ("agenda", "Ouverture"),
        ],
    )
    .await;
    wait_for_text(&c, ".refusal", "NOTICE_TOO_SHORT").await;
    assert_eq!(head(addr), before);

    // An extraordinary session states its grounds: without them it is
    // refused next to the field, and nothing is kept; asked for by the
    // bureau, it is recorded and its page says why and by whom.
    let soon = (chrono::Utc::now().date_naive() + chrono::Days::new(20)).to_string();
    convocation_form(&c, addr, "Conférence Régionale de Kidal").await;
    click(&c, "input[name='kind'][value='extraordinaire']").await;
    let fields = [
        ("session_date", soon.as_str()),
        ("place", "Kidal"),
        ("agenda", "Vacance de la coordination"),
    ];
    post(&c, "form.form", &fields).await;
    wait_for_text(&c, "#request-error", "Motifs").await;
    shot(&c, "convene-refused").await;
    accessible(&c, "convocation").await;
    assert_eq!(head(addr), before);
    let mut with_grounds = fields.to_vec();
    with_grounds.push(("grounds", "Démission du président de la coordination"));
    post(&c, "form.form", &with_grounds).await;
    wait_for_text(&c, ".facts", "Démission du président").await;
    wait_for_text(&c, ".facts", "le bureau qui la convoque").await;
    shot(&c, "session-extraordinary").await;

    // Convened with due notice; one commune of Kidal is convened.
    let date = (chrono::Utc::now().date_naive() + chrono::Days::new(40)).to_string();
    let session = convene(&c, addr, "Conférence Régionale de Kidal", &date).await;
    wait_for_text(&c, ".facts", "délai respecté").await;
    wait_for_text(&c, "#quorum", "sur 1 convoqué").await;
    attend_and_open(&c).await;

    // A motion, a vote, the vote closed, the session closed.
    post(
        &c,
        "form[action$='/motion']",
        &[
            ("title", "Budget 2027"),
            ("text", "La Conférence adopte le budget 2027."),
        ],
    )
    .await;
    wait_for_text(&c, "#motions", "vote en cours").await;
    click(&c, "#motions input[value='pour']").await;
    click(&c, "#motions form[action$='/votes'] button").await;
    wait_for_text(&c, "#motions", "1 pour, 0 contre").await;
    post(&c, "form[action$='/cloture-vote']", &[]).await;
    wait_for_text(&c, "#motions", "adoptée").await;
    shot(&c, "session-open").await;
    accessible(&c, "session").await;
    post(&c, "form[action$='/cloture']", &[]).await;
    wait_for_text(&c, ".facts", "close").await;

    // The minutes drafted from their document: only its SHA-256 is kept.
    let document = dir.path().join("pv.txt");
    std::fs::write(
        &document,
        "Procès-verbal de la Conférence Régionale de Kidal",
    )
    .unwrap();
    let form = c
        .form(Locator::Css("form[action$='/pv-redaction']"))
        .await
        .unwrap();
    form.set_by_name("document_ref", "PV-CRK-2027-01")
        .await
        .unwrap();
    form.set_by_name("drafted_on", &date).await.unwrap();
    c.find(Locator::Css("#document"))
        .await
        .unwrap()
        .send_keys(document.to_str().unwrap())
        .await
        .unwrap();
    form.submit().await.unwrap();
    wait_for_text(&c, "#proces-verbal", "PV-CRK-2027-01").await;
    use sha2::Digest;
    let sha = hex::encode(sha2::Sha256::digest(std::fs::read(&document).unwrap()));
    wait_for_text(&c, "#proces-verbal", &sha[..16]).await;

    // Adopted in a later session of the same body, open; then signed.
    let later = (chrono::Utc::now().date_naive() + chrono::Days::new(80)).to_string();
    convene(&c, addr, "Conférence Régionale de Kidal", &later).await;
    attend_and_open(&c).await;
    c.goto(&session).await.unwrap();
    post(&c, "form[action$='/pv-adoption']", &[]).await;
    wait_for_text(&c, "#proces-verbal", "adopté, à signer").await;
    for (signatory, name) in [
        ("president", "Alhousseini Ag"),
        ("secretaire", "Fatouma Walet"),
    ] {
        let form = c
            .form(Locator::Css("form[action$='/pv-signature']"))
            .await
            .unwrap();
        form.set_by_name("signatory", signatory).await.unwrap();
        form.set_by_name("name", name).await.unwrap();
        form.set_by_name("signed_on", &later).await.unwrap();
        form.submit().await.unwrap();
        wait_for_text(&c, "#proces-verbal", name).await;
    }
    wait_for_text(&c, "#proces-verbal", "adopté et signé").await;
    // Its documents download as PDFs.
    for kind in ["convocation", "emargement", "pv"] {
        let path = download(&c, &format!("a[href*='type={kind}&']")).await;
        assert!(path.starts_with("/documents/"), "{path}");
    }
    assert!(
        download(&c, "a[href*='type=extrait']")
            .await
            .starts_with("/documents/EXT-")
    );
    shot(&c, "session-closed").await;
    accessible(&c, "closed session").await;
    c.goto(&format!("http://{addr}/sessions")).await.unwrap();
    accessible(&c, "calendar").await;
    c.goto(&format!("http://{addr}/sessions/convocation"))
        .await
        .unwrap();
    accessible(&c, "convocation").await;

    // The statutes in force, in French, and the bodies with their holders.
    c.goto(&format!("http://{addr}/statuts")).await.unwrap();
    // Version 2: the notice the Congress's motion changed, the rest kept.
    wait_for_text(&c, "main", "En vigueur : version 2").await;
    wait_for_text(&c, "main", "15 → 30").await;
    wait_for_text(&c, "main", "Majorité d'une modification des statuts").await;
    accessible(&c, "statutes").await;
    c.goto(&format!("http://{addr}/instances")).await.unwrap();
    wait_for_text(&c, "main", "Bureau Exécutif National").await;
    wait_for_text(&c, "main", "Président").await;
    accessible(&c, "bodies").await;
    shot(&c, "bodies").await;

    // The auditors' page: the tree, its signed head, a proof.
    c.goto(&format!("http://{addr}/audit?position=1"))
        .await
        .unwrap();
    wait_for_text(&c, "#preuve", "Empreinte de la feuille").await;
    accessible(&c, "audit").await;
    shot(&c, "audit").await;
    c.goto(&format!("http://{addr}/audit?position=0"))
        .await
        .unwrap();
    wait_for_text(&c, "#preuve .refusal", "Les positions commencent à 1").await;

    c.close().await.unwrap();
    drop(server);
}

/// A clerk records a member's succession after a split recorded on the
/// command line: the form offers the split's successors, and the member
/// is then succeeded, its successor a member.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_records_a_succession_after_a_split_in_a_browser() {
    let Some(driver) = driver() else { return };
    let dir = scratch();
    let (db, credentials) = demo_store(dir.path());
    // A 2025 list that splits Kidal (ML080102, a member of the demo) in
    // two, and the split recorded.
    import_kidal_split(dir.path(), &db);
    let reorganised = registre()
        .args(["territory", "reorganise", "--kind", "split"])
        .args(["--from-edition", "2015", "--from", "ML080102"])
        .args([
            "--to-edition",
            "2025",
            "--to",
            "ML080197",
            "--to",
            "ML080198",
        ])
        .args(["--effective-from", "2025-01-01"])
        .args([
            "--reference",
            "Décret n° 2024-0999 portant scission de Kidal",
        ])
        .args(["--store", &sqlite_url(&db)])
        .output()
        .unwrap();
    assert!(reorganised.status.success(), "{reorganised:?}");
    let server = Server::start_with_credentials(&db, &credentials);
    let addr = server.addr;
    let c = browser(&driver, &dir.path().join("chromium"), 1280, 1000).await;
    sign_in(&c, addr, "awa", CLERK_PASSWORD).await;

    // From Kidal's page, its succession: the split's two successors.
    c.goto(&format!("http://{addr}/membres?q=ML080102&edition=2015"))
        .await
        .unwrap();
    follow(&c, "Kidal").await;
    follow(&c, "Succession").await;
    wait_for_text(&c, "h1", "Succession de Kidal").await;
    wait_for_text(&c, "#successor", "scission du 1er janvier 2025").await;
    wait_for_text(&c, "#successor", "Kidal-Sud (ML080198").await;
    shot(&c, "succession").await;
    accessible(&c, "succession").await;

    // Without a date it is refused beside the field, and nothing is kept.
    let before = head(addr);
    post(&c, "form.form", &[("effective_on", "")]).await;
    wait_for_text(&c, "#effective_on-error", "Date de la succession").await;
    assert_eq!(head(addr), before);

    // Kidal-Nord succeeds Kidal: Kidal's page says it was succeeded.
    post(&c, "form.form", &[("effective_on", "2025-01-01")]).await;
    wait_for_text(&c, ".done", "Enregistré").await;
    wait_for_text(&c, "main", "remplacé par un successeur").await;
    assert!(head(addr) > before);
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_defines_a_post_and_designates_a_commune_to_it_in_a_browser() {
    let Some(driver) = driver() else { return };
    let dir = scratch();
    let (server, c) = clerk_on_demo(&driver, dir.path()).await;
    let addr = server.addr;

    // From the bodies, the Conseil National's seats: its statutes say the
    // communes holding them are who sits in it.
    from_bodies(&c, addr, "Conseil National", "postes et sièges").await;
    wait_for_text(&c, "h1", "Postes et sièges · Conseil National").await;
    wait_for_text(&c, "main", "qui en détiennent les sièges").await;

    // A post defined with its seats.
    post(
        &c,
        "form:has(input[name='step'][value='poste'])",
        &[("title", "Suppléant"), ("seats", "2")],
    )
    .await;
    wait_for_text(&c, ".done", "Enregistré").await;
    wait_for_text(&c, ".facts", "Suppléant").await;

    // A code no member has is refused beside its field; nothing is kept.
    let before = head(addr);
    designate(&c, "ML999999").await;
    wait_for_text(&c, "#commune-error", "aucun membre").await;
    assert_eq!(head(addr), before);

    // Kidal designated: it holds the seat from its date.
    designate(&c, "ML080102").await;
    wait_for_text(&c, ".done", "Enregistré").await;
    wait_for_text(&c, ".facts", "Maire de Kidal").await;
    shot(&c, "seats").await;
    accessible(&c, "seats").await;
    assert!(head(addr) > before);

    // The bureau's elections: the Congrès elected its president in two
    // rounds, the first without an absolute majority.
    from_bodies(&c, addr, "Bureau Exécutif National", "élections").await;
    wait_for_text(&c, "h1", "Élections · Bureau Exécutif National").await;
    wait_for_text(&c, "main", "Tour 2 (majorité relative)").await;
    wait_for_text(&c, "main", "personne n'est élu").await;
    wait_for_text(&c, "main", "— élu").await;
    // Every session is over: an election cannot be opened.
    wait_for_text(&c, "main", "Aucune session n'est ouverte").await;
    shot(&c, "elections").await;
    accessible(&c, "elections").await;
    drop(server);
}

/// Follows, on the bodies page, the link `link` of the body `body`.
pub(crate) async fn from_bodies(c: &Client, addr: SocketAddr, body: &str, link: &str) {
    c.goto(&format!("http://{addr}/instances")).await.unwrap();
    click_xpath(
        c,
        &format!(
            "//section[h2[starts-with(normalize-space(.), '{body}')]]//a[contains(., '{link}')]"
        ),
    )
    .await;
}

/// Designates the commune of P-code `commune` to the post "Suppléant".
async fn designate(c: &Client, commune: &str) {
    click_xpath(
        c,
        "//select[@id='post']/option[normalize-space(.) = 'Suppléant']",
    )
    .await;
    post(
        c,
        "form:has(input[name='step'][value='designation'])",
        &[
            ("commune", commune),
            ("holder", "Maire de Kidal"),
            ("starts_on", "2024-07-01"),
        ],
    )
    .await;
}
