//! The web application's accounts over plain HTTP: the sign-in's CSRF
//! cookie, the bound on attempts, logins ended by a password reset or a
//! disabling, the headers of a page, and no password hash in the log, the
//! database or an export.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;

use crate::support::{Answer, Server, http, post_form, registre, run_ok, scratch, sqlite_url};

const PASSWORD: &str = "un mot de passe assez long";

fn account(db: &Path, credentials: &Path, args: &[&str], stdin: Option<&str>) -> bool {
    use std::io::Write;
    let mut child = registre()
        .args(["account"])
        .args(args)
        .args(["--store", &sqlite_url(db), "--credentials"])
        .arg(credentials)
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run registre account");
    let mut input = child.stdin.take().unwrap();
    if let Some(line) = stdin {
        writeln!(input, "{line}").unwrap();
    }
    drop(input);
    child.wait().unwrap().success()
}

/// The `Set-Cookie` value of `name` in an answer.
fn cookie_of(a: &Answer, name: &str) -> Option<String> {
    a.headers
        .iter()
        .filter(|(n, _)| n == "set-cookie")
        .filter_map(|(_, v)| v.split(';').next())
        .find(|kv| kv.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// Signs in as a browser would: the form (its token and cookie), then the
/// post. Returns the answer to the post.
fn sign_in(addr: SocketAddr, name: &str, password: &str) -> Answer {
    let form = http(addr, "GET", "/connexion", &[], b"");
    let token = form
        .body
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the form's token")
        .to_owned();
    let cookie = cookie_of(&form, "registre_connexion").expect("the form's cookie");
    let body = format!(
        "token={token}&name={name}&password={}",
        password.replace(' ', "+")
    );
    post_form(addr, &cookie, "/connexion", body.as_bytes())
}

fn login_cookie(addr: SocketAddr) -> String {
    let answer = sign_in(addr, "awa", PASSWORD);
    assert_eq!(answer.status, 303, "{}", answer.body);
    cookie_of(&answer, "registre_session").expect("a login cookie")
}

/// The quoted value that follows `marker` in `page`, at the first
/// `marker` whose entry names `label`; `what` says what was sought.
fn id_after(page: &str, marker: &str, label: &str, what: &str) -> String {
    page.split(marker)
        .skip(1)
        .find(|entry| entry.contains(label))
        .and_then(|entry| entry.split('"').next())
        .expect(what)
        .to_owned()
}

fn dashboard(addr: SocketAddr, cookie: &str) -> Answer {
    http(addr, "GET", "/", &[("Cookie", cookie)], b"")
}

fn setup() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let dir = scratch();
    let db = dir.path().join("registre.db");
    let credentials = dir.path().join("credentials");
    let open = [
        "create",
        "--name",
        "awa",
        "--full-name",
        "Awa Traoré",
        "--role",
        "secretariat",
    ];
    assert!(account(&db, &credentials, &open, Some(PASSWORD)));
    (dir, db, credentials)
}

#[test]
fn a_sign_in_without_its_form_cookie_is_refused_and_a_page_is_neither_cached_nor_framed() {
    let (_dir, db, credentials) = setup();
    let server = Server::start_with_credentials(&db, &credentials);
    let addr = server.addr;
    // Posted from elsewhere: no cookie of the form, so no sign-in.
    let forged = http(
        addr,
        "POST",
        "/connexion",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        format!("token=x&name=awa&password={}", PASSWORD.replace(' ', "+")).as_bytes(),
    );
    assert_eq!(forged.status, 403);
    assert!(forged.body.contains("CSRF_REFUSED"));
    assert!(cookie_of(&forged, "registre_session").is_none());

    let cookie = login_cookie(addr);
    let page = dashboard(addr, &cookie);
    assert_eq!(page.status, 200);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert!(
        page.header("content-security-policy")
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    // Signed out, the same cookie reaches nothing.
    let csrf = page
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_owned();
    let out = post_form(
        addr,
        &cookie,
        "/deconnexion",
        format!("csrf={csrf}").as_bytes(),
    );
    assert_eq!(out.status, 303);
    assert_eq!(
        dashboard(addr, &cookie).header("location"),
        Some("/connexion")
    );
}

#[test]
fn five_wrong_passwords_lock_the_name_even_for_the_right_one() {
    let (_dir, db, credentials) = setup();
    let server = Server::start_with_credentials(&db, &credentials);
    for _ in 0..5 {
        let a = sign_in(server.addr, "awa", "pas le bon mot de passe");
        assert_eq!(a.status, 401);
        assert!(a.body.contains("SIGN_IN_REFUSED"));
    }
    let a = sign_in(server.addr, "awa", PASSWORD);
    assert_eq!(a.status, 429);
    assert!(a.body.contains("SIGN_IN_THROTTLED"), "{}", a.body);
    assert!(cookie_of(&a, "registre_session").is_none());
}

#[test]
fn a_password_reset_or_a_disabling_ends_the_logins_made_before() {
    let (_dir, db, credentials) = setup();
    let server = Server::start_with_credentials(&db, &credentials);
    let addr = server.addr;
    let before_reset = login_cookie(addr);
    assert_eq!(dashboard(addr, &before_reset).status, 200);
    let new_password = "un tout autre mot de passe";
    assert!(account(
        &db,
        &credentials,
        &["reset-password", "awa"],
        Some(new_password)
    ));
    assert_eq!(dashboard(addr, &before_reset).status, 303);
    // The old password no longer signs in; the new one does.
    assert_eq!(sign_in(addr, "awa", PASSWORD).status, 401);
    let answer = sign_in(addr, "awa", new_password);
    let cookie = cookie_of(&answer, "registre_session").expect("signed in");
    assert_eq!(dashboard(addr, &cookie).status, 200);
    let disable = ["disable", "awa", "--reason", "fin de contrat"];
    assert!(account(&db, &credentials, &disable, None));
    assert_eq!(dashboard(addr, &cookie).status, 303);
    assert_eq!(sign_in(addr, "awa", new_password).status, 401);
}

#[test]
fn no_password_hash_reaches_the_log_the_database_or_an_export() {
    let (dir, db, credentials) = setup();
    assert!(account(
        &db,
        &credentials,
        &["reset-password", "awa"],
        Some("encore un autre mot de passe")
    ));
    let hashes = std::fs::read_to_string(&credentials).unwrap();
    assert_eq!(hashes.matches("$argon2id$").count(), 1, "{hashes}");
    let log = registre()
        .args(["log", "--store", &sqlite_url(&db)])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&log.stdout);
    assert!(log.contains("AccountPasswordSet"), "{log}");
    let export = dir.path().join("export.jsonl");
    let exported = registre()
        .args(["export", "log", "--store", &sqlite_url(&db), "--out"])
        .arg(&export)
        .output()
        .unwrap();
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let export = std::fs::read_to_string(&export).unwrap();
    assert!(export.contains("AccountOpened"));
    for (what, text) in [("log", log.to_string()), ("export", export)] {
        assert!(!text.contains("argon2"), "{what} holds a hash");
    }
    for file in std::fs::read_dir(dir.path()).unwrap() {
        let path = file.unwrap().path();
        if path == credentials || path.is_dir() {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !bytes.windows(8).any(|w| w == b"$argon2i"),
            "{} holds a hash",
            path.display()
        );
    }
}

/// The first member linked from a directory page.
fn first_member(page: &str) -> String {
    page.split("<td><a href=\"/membres/")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a member in the directory")
        .to_owned()
}

fn csrf_of(page: &str) -> String {
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a CSRF token")
        .to_owned()
}

#[test]
fn an_account_limited_to_a_region_sees_and_records_within_it_alone() {
    let dir = scratch();
    let db = dir.path().join("registre.db");
    let credentials = dir.path().join("credentials");
    run_ok(&["demo", "--store", &sqlite_url(&db)]);
    let open = [
        "create",
        "--name",
        "kayes",
        "--full-name",
        "Coordination régionale de Kayes",
        "--role",
        "secretariat",
        "--region",
        "ML01",
    ];
    assert!(account(&db, &credentials, &open, Some(PASSWORD)));
    // A code no territorial list holds is refused: the account would see
    // nothing.
    let mistyped = [
        "create",
        "--name",
        "kayess",
        "--full-name",
        "Coordination",
        "--role",
        "secretariat",
        "--region",
        "ML99",
    ];
    assert!(!account(&db, &credentials, &mistyped, Some(PASSWORD)));
    let whole = [
        "create",
        "--name",
        "awa",
        "--full-name",
        "Awa Traoré",
        "--role",
        "auditor",
    ];
    assert!(account(&db, &credentials, &whole, Some(PASSWORD)));
    let server = Server::start_with_credentials(&db, &credentials);
    let addr = server.addr;
    let get = |cookie: &str, path: &str| http(addr, "GET", path, &[("Cookie", cookie)], b"");

    // Someone who sees every region finds a member of Sikasso (ML03).
    let awa = cookie_of(&sign_in(addr, "awa", PASSWORD), "registre_session").unwrap();
    let elsewhere = first_member(&get(&awa, "/membres?region=ML03").body);

    let kayes = cookie_of(&sign_in(addr, "kayes", PASSWORD), "registre_session").unwrap();
    let directory = get(&kayes, "/membres").body;
    assert!(directory.contains("<td>Kayes</td>"), "{directory}");
    for other in ["Sikasso", "Koulikoro", "Bamako", "Mopti"] {
        assert!(
            !directory.contains(&format!("<td>{other}</td>")),
            "{other} shown"
        );
    }
    // Asking for another region's members shows none.
    assert!(
        get(&kayes, "/membres?region=ML03")
            .body
            .contains("0 membre(s)")
    );
    // Another region's member is not found, and cannot be recorded for.
    assert_eq!(get(&kayes, &format!("/membres/{elsewhere}")).status, 404);
    let own = first_member(&directory);
    let page = get(&kayes, &format!("/membres/{own}"));
    assert_eq!(page.status, 200);
    // What the region's account posts, with the page's CSRF token.
    let post_from_region = |path: &str, fields: &str| {
        let body = format!("csrf={}&{fields}", csrf_of(&page.body));
        post_form(addr, &kayes, path, body.as_bytes())
    };
    let before = http(addr, "GET", "/readyz", &[], b"").json()["head"].clone();
    let post = post_from_region(
        &format!("/membres/{elsewhere}/paiement"),
        "year=2024&amount=1000&paid_on=2024-03-01&receipt=R-HORS-REGION",
    );
    assert_eq!(post.status, 404);
    // Nor its contacts, form or post.
    assert_eq!(
        get(&kayes, &format!("/membres/{elsewhere}/coordonnees")).status,
        404
    );
    let post = post_from_region(
        &format!("/membres/{elsewhere}/coordonnees"),
        "mayor=Hors+r%C3%A9gion",
    );
    assert_eq!(post.status, 404);
    // Nor a national body's posts and elections.
    let bodies = get(&awa, "/instances").body;
    let ben = bodies
        .find("<h2>Bureau Exécutif National")
        .and_then(|at| bodies[at..].split("instance=").nth(1))
        .map(|id| id[..36].to_owned())
        .expect("the bureau's id on the bodies page");
    for (form, fields) in [
        ("sieges", "step=poste&title=Hors+r%C3%A9gion&seats=1"),
        ("elections", "step=ouverture&post=x&session=x&seats=1"),
        ("correction", "position=1&correction=C&reason=R"),
    ] {
        let post = post_from_region(&format!("/instances/{ben}/{form}"), fields);
        assert_eq!(post.status, 404, "{form}");
    }
    // Nor the association's own registers: the dues schedule, the
    // statutes, the territorial list. Their forms are not offered and a
    // post is refused.
    for (path, fields) in [
        (
            "/cotisations",
            "year=2030&due_on=2030-03-31&categorie=rurale&montant=1000",
        ),
        (
            "/statuts/modification",
            "version=0&effective_from=2001-01-01&reference=R",
        ),
        (
            "/statuts/instances/congres",
            "version=1&effective_from=2030-01-01&reference=R&termYears=3",
        ),
        (
            "/territoire/reorganisation",
            "kind=fusion&from_edition=2015&predecessors=ML010101&to_edition=2015&successors=ML010102&effective_from=2025-01-01&legal_reference=D",
        ),
    ] {
        let post = post_from_region(path, fields);
        assert_eq!(post.status, 403, "{path}: {}", post.body);
        assert!(post.body.contains("FORBIDDEN"), "{path}");
    }
    assert_eq!(get(&kayes, "/statuts/modification").status, 403);
    assert_eq!(get(&kayes, "/statuts/instances/congres").status, 403);
    assert_eq!(get(&kayes, "/statuts/correction").status, 404);
    assert!(!get(&kayes, "/statuts").body.contains("/statuts/correction"));
    assert_eq!(
        get(&kayes, &format!("/instances/{ben}/correction")).status,
        404
    );
    assert_eq!(get(&kayes, "/territoire/reorganisation").status, 403);
    let schedules = get(&kayes, "/cotisations");
    assert_eq!(schedules.status, 200);
    assert!(!schedules.body.contains("action=\"/cotisations\""));
    assert!(
        !get(&kayes, "/statuts")
            .body
            .contains("/statuts/modification")
    );
    assert_eq!(
        http(addr, "GET", "/readyz", &[], b"").json()["head"],
        before
    );
    // Another region's member's attestation is refused, and so is an
    // attestation issued for someone who sees every region, by its
    // reference; the member's own region gets its attestation; the
    // directory of every member is not offered.
    let outside = get(
        &kayes,
        &format!("/documents/nouveau?type=attestation&membre={elsewhere}"),
    );
    assert_eq!(outside.status, 403, "{}", outside.body);
    assert!(
        outside.body.contains("hors de votre région"),
        "{}",
        outside.body
    );
    let issued = get(
        &awa,
        &format!("/documents/nouveau?type=attestation&membre={elsewhere}"),
    );
    assert_eq!(issued.status, 303, "{}", issued.body);
    let document = issued.header("location").unwrap().to_owned();
    assert_eq!(get(&awa, &document).status, 200);
    assert_eq!(get(&kayes, &document).status, 403);
    let own_attestation = get(
        &kayes,
        &format!("/documents/nouveau?type=attestation&membre={own}"),
    );
    assert_eq!(own_attestation.status, 303, "{}", own_attestation.body);
    assert!(!directory.contains("type=annuaire"));
    assert_eq!(get(&kayes, "/documents/nouveau?type=annuaire").status, 403);

    // A payment within the region, its form posted twice: recorded once,
    // and the second answer says so.
    let payment = format!(
        "csrf={}&command_id={}&year=2024&amount=1000&paid_on=2024-03-01&receipt=R-KAYES-1",
        csrf_of(&page.body),
        field_of(&page.body, "command_id")
    );
    let post_payment = || {
        post_form(
            addr,
            &kayes,
            &format!("/membres/{own}/paiement"),
            payment.as_bytes(),
        )
    };
    let first = post_payment();
    assert_eq!(
        first.header("location"),
        Some(format!("/membres/{own}?enregistre=1").as_str())
    );
    let head_after = http(addr, "GET", "/readyz", &[], b"").json()["head"].clone();
    let again = post_payment();
    assert_eq!(
        again.header("location"),
        Some(format!("/membres/{own}?deja=1").as_str())
    );
    assert_eq!(
        http(addr, "GET", "/readyz", &[], b"").json()["head"],
        head_after
    );
    assert!(
        get(&kayes, &format!("/membres/{own}?deja=1"))
            .body
            .contains("Déjà enregistré")
    );

    // The region's conference is convened from the region; the calendar
    // shows it, and no national session.
    let form = get(&kayes, "/sessions/convocation").body;
    let body_id = id_after(
        &form,
        "<option value=\"",
        "Conférence Régionale de Kayes",
        "the region's conference among the bodies",
    );
    assert!(
        !form.contains("Conseil National"),
        "national bodies offered"
    );
    let convene = format!(
        "csrf={}&command_id={}&body={body_id}&kind=ordinaire&convened_on=2026-12-04&session_date=2027-01-30&place=Kayes&agenda=Ouverture",
        csrf_of(&form),
        field_of(&form, "command_id")
    );
    let convened = post_form(addr, &kayes, "/sessions/convocation", convene.as_bytes());
    assert_eq!(convened.status, 303, "{}", convened.body);
    let session = convened
        .header("location")
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let calendar = get(&kayes, "/sessions").body;
    assert!(
        calendar.contains("Conférence Régionale de Kayes"),
        "{calendar}"
    );
    assert!(!calendar.contains("Congrès") && !calendar.contains("Conseil National"));
    // A step posted without the login's CSRF token is refused.
    let forged = post_form(
        addr,
        &kayes,
        &format!("{session}/ouverture"),
        b"command_id=x",
    );
    assert_eq!(forged.status, 403);
    // A national session is not found from the region, nor its steps.
    let awa_calendar = get(&awa, "/sessions").body;
    let congress = id_after(
        &awa_calendar,
        "<a href=\"/sessions/",
        "Congrès",
        "a session of the Congrès",
    );
    assert_eq!(get(&kayes, &format!("/sessions/{congress}")).status, 404);
    assert_eq!(
        get(&kayes, &format!("/sessions/{congress}/quorum")).status,
        404
    );
    let step = post_form(
        addr,
        &kayes,
        &format!("/sessions/{congress}/cloture"),
        format!("csrf={}", csrf_of(&form)).as_bytes(),
    );
    assert_eq!(step.status, 404);

    // The dashboard counts the region by cercle, without the log's latest
    // records.
    let dashboard = get(&kayes, "/").body;
    assert!(dashboard.contains("Membres par cercle"));
    assert!(!dashboard.contains("Derniers enregistrements"));
}

/// The value of the hidden field `name` in a page.
fn field_of(page: &str, name: &str) -> String {
    page.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("no field {name}"))
        .to_owned()
}

#[test]
fn an_auditor_downloads_the_logs_export_and_checks_it_with_the_public_key_alone() {
    let (dir, db, credentials) = setup();
    for (name, full_name, role) in [
        ("ines", "Inès Maïga", "auditor"),
        ("tableau", "Tableau de bord", "dashboard"),
    ] {
        let open = [
            "create",
            "--name",
            name,
            "--full-name",
            full_name,
            "--role",
            role,
        ];
        assert!(account(&db, &credentials, &open, Some(PASSWORD)));
    }
    let server = Server::start_with_credentials(&db, &credentials);
    let a = server.addr;
    let signed_in = |name| {
        let answer = sign_in(a, name, PASSWORD);
        assert_eq!(answer.status, 303, "{}", answer.body);
        cookie_of(&answer, "registre_session").expect("a login cookie")
    };
    // Refused to a role that does not read the log.
    let viewer = signed_in("tableau");
    assert_eq!(
        http(a, "GET", "/audit/export", &[("Cookie", &viewer)], b"").status,
        403
    );
    let ines = signed_in("ines");
    crate::support::eventually(20, "a signed head", || {
        http(a, "GET", "/audit", &[("Cookie", &ines)], b"")
            .body
            .contains("/audit/export")
    });
    let answer = http(a, "GET", "/audit/export", &[("Cookie", &ines)], b"");
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer
            .header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment; filename=\"registre-journal-")),
        "{:?}",
        answer.headers
    );
    let file = dir.path().join("journal.jsonl");
    std::fs::write(&file, &answer.body).unwrap();
    let key = std::path::PathBuf::from(format!("{}.audit", db.display())).join("audit.pub");
    let verify = || {
        registre()
            .args(["verify", "--export"])
            .arg(&file)
            .arg("--key")
            .arg(&key)
            .output()
            .unwrap()
    };
    let check = verify();
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{said}");
    assert!(said.contains("latest signed head: size"), "{said}");
    // One byte changed and the same check fails.
    std::fs::write(&file, answer.body.replacen("ines", "inez", 1)).unwrap();
    assert!(!verify().status.success());
    drop(server);
}
