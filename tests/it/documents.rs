//! Official documents end to end: from the demo history, each document is
//! issued through the links GraphQL gives, downloaded twice with the same
//! bytes, states what the registers say (pdftotext), is verified offline
//! with the public key alone (`registre document verify`) and on the
//! public verification page; a document whose attached records were
//! altered fails the check.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use registre_audit::StatedRecords;
use serde_json::Value;

use crate::support::{demo, graphql, http, out, registre, run, serve_after, sqlite_url};

/// A GET with a bearer token: status, `Location`, `Content-Type` and the
/// body's bytes.
fn get(addr: SocketAddr, path: &str, token: &str) -> (u16, String, String, Vec<u8>) {
    let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let header = |name: &str| {
        head.lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    (
        status,
        header("location"),
        header("content-type"),
        raw[split + 4..].to_vec(),
    )
}

/// Issues the document of a GraphQL link, then downloads it: its
/// reference and bytes.
fn issue(addr: SocketAddr, url: &str, token: &str) -> (String, Vec<u8>) {
    let (status, location, _, body) = get(addr, url, token);
    assert_eq!(status, 303, "{url}: {}", String::from_utf8_lossy(&body));
    let reference = location
        .strip_prefix("/documents/")
        .expect("a document")
        .to_owned();
    let (status, _, kind, pdf) = get(addr, &location, token);
    assert_eq!(status, 200, "{location}: {}", String::from_utf8_lossy(&pdf));
    assert_eq!(kind, "application/pdf");
    (reference, pdf)
}

fn pdftotext(pdf: &Path) -> Option<String> {
    let o = std::process::Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .ok()?;
    Some(
        String::from_utf8(o.stdout)
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// The words of the document titled `title` among a session's
/// `documents`, issued and read with pdftotext.
fn issued_text(addr: SocketAddr, session: &Value, title: &str, token: &str, dir: &Path) -> String {
    let url = nodes(session, &["documents"])
        .iter()
        .find(|d| d["title"] == title)
        .unwrap_or_else(|| panic!("no {title}: {session}"))["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let (reference, pdf) = issue(addr, &url, token);
    let file = dir.join(format!("{reference}.pdf"));
    std::fs::write(&file, &pdf).unwrap();
    pdftotext(&file).unwrap()
}

/// The document `pdf` written in `dir` as `REFERENCE.pdf`, and what
/// `registre document verify` says of it with the public key `key`.
fn verified(
    dir: &Path,
    reference: &str,
    pdf: &[u8],
    key: &Path,
) -> (PathBuf, std::process::Output) {
    let file = dir.join(format!("{reference}.pdf"));
    std::fs::write(&file, pdf).unwrap();
    let check = run(&[
        "document",
        "verify",
        file.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ]);
    (file, check)
}

fn nodes<'a>(v: &'a Value, path: &[&str]) -> &'a Vec<Value> {
    let mut v = v;
    for p in path {
        v = &v[p];
    }
    v.as_array().unwrap_or_else(|| panic!("{path:?} in {v}"))
}

#[test]
fn documents_from_the_demo_are_the_same_every_time_and_verified_offline_and_online() {
    // given the demo history, served, with a secretariat token
    let (dir, db, server, [token]) =
        serve_after(|db| demo(db, "40", "2"), [("secretariat", "greffe")]);
    let url = sqlite_url(&db);
    let key = PathBuf::from(format!("{}.audit/audit.pub", db.display()));

    // when GraphQL gives the documents of a closed session with a decided motion
    let answer = graphql(
        server.addr,
        &token,
        "{ sessions(state: CLOSED, first: 50) { nodes { bodyId bodyName place sessionDate documents { title url }
            motions(first: 20) { nodes { title result documents { url } } } } }
           members(first: 1) { nodes { name unitCode documents { url } } } }",
    )
    .json();
    let sessions = nodes(&answer, &["data", "sessions", "nodes"]);
    let session = sessions
        .iter()
        .find(|s| {
            nodes(s, &["motions", "nodes"])
                .iter()
                .any(|m| m["result"] == "ADOPTED")
        })
        .unwrap_or_else(|| panic!("no closed session with an adopted motion: {answer}"));
    let motion = nodes(session, &["motions", "nodes"])
        .iter()
        .find(|m| m["result"] == "ADOPTED")
        .unwrap();
    let member = &nodes(&answer, &["data", "members", "nodes"])[0];
    let mut links: Vec<(String, String)> = nodes(session, &["documents"])
        .iter()
        .map(|d| {
            (
                d["title"].as_str().unwrap().to_owned(),
                d["url"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(links.len(), 3, "{session}");
    links.push((
        "Extrait".into(),
        motion["documents"][0]["url"].as_str().unwrap().to_owned(),
    ));
    links.push((
        "Attestation".into(),
        member["documents"][0]["url"].as_str().unwrap().to_owned(),
    ));
    links.push(("Annuaire".into(), "/documents/nouveau?type=annuaire".into()));
    let year = &session["sessionDate"].as_str().unwrap()[..4];
    links.push((
        "Registre".into(),
        format!(
            "/documents/nouveau?type=registre&instance={}&annee={year}",
            session["bodyId"].as_str().unwrap()
        ),
    ));
    let payment = std::str::from_utf8(&run(&["log", "--store", &url]).stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|e| e["event_type"] == "DuesPaid")
        .expect("a payment in the demo")["position"]
        .as_u64()
        .unwrap();
    links.push((
        "Reçu".into(),
        format!("/documents/nouveau?type=recu&paiement={payment}"),
    ));

    let has_text = pdftotext(Path::new("/nonexistent")).is_some();
    assert!(
        has_text || std::env::var_os("CI").is_none(),
        "pdftotext is missing under CI"
    );
    let mut references = Vec::new();
    for (title, link) in &links {
        // then each is a PDF, the same bytes when downloaded again
        let (reference, pdf) = issue(server.addr, link, &token);
        assert!(pdf.starts_with(b"%PDF-"), "{title}");
        let (_, _, _, again) = get(server.addr, &format!("/documents/{reference}"), &token);
        assert!(again == pdf, "{title} {reference}: not the same bytes");

        // and it checks offline with the public key alone
        let (file, check) = verified(dir.path(), &reference, &pdf, &key);
        assert!(check.status.success(), "{title}: {}", out(&check));
        assert!(
            out(&check).contains(&format!("OK: document {reference}")),
            "{}",
            out(&check)
        );

        // and it states what the registers say
        if has_text {
            let text = pdftotext(&file).unwrap();
            assert!(text.contains(&reference), "{title}: {text}");
            let expected: Vec<&str> = match title.as_str() {
                "Procès-verbal" | "Convocation" | "Feuille d'émargement" => {
                    vec![
                        session["bodyName"].as_str().unwrap(),
                        session["place"].as_str().unwrap(),
                    ]
                }
                "Extrait" => vec![
                    motion["title"].as_str().unwrap(),
                    "Pour extrait certifié conforme",
                ],
                "Attestation" => vec![
                    member["name"].as_str().unwrap(),
                    member["unitCode"].as_str().unwrap(),
                ],
                "Annuaire" => vec![member["name"].as_str().unwrap()],
                "Registre" => vec![
                    session["bodyName"].as_str().unwrap(),
                    motion["title"].as_str().unwrap(),
                    "Table chronologique",
                ],
                _ => vec!["F CFA"],
            };
            for w in expected {
                assert!(text.contains(w), "{title}: {w:?} not in {text}");
            }
        }
        references.push((title.clone(), reference, pdf));
    }

    // then the minutes of the Congrès, which elected the bureau's
    // president in two rounds, give each round's count and result
    if has_text {
        let congress = sessions
            .iter()
            .find(|s| {
                s["bodyName"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("Congrès"))
            })
            .unwrap_or_else(|| panic!("no closed Congrès: {answer}"));
        let text = issued_text(server.addr, congress, "Procès-verbal", &token, dir.path());
        for w in [
            "Scrutins",
            "Président",
            "Tour 1 (majorité absolue)",
            "Tour 2 (majorité relative)",
            "bulletins valables",
            "Aucun élu à ce tour.",
            "Élu(s) :",
        ] {
            assert!(text.contains(w), "{w:?} not in the minutes: {text}");
        }

        // and an extraordinary session's convocation says why it is held
        // and who asked for it
        let bodies = graphql(
            server.addr,
            &token,
            "{ bodies(level: NATIONAL, first: 20) { nodes { id name } } }",
        )
        .json();
        let body = |prefix: &str| {
            nodes(&bodies, &["data", "bodies", "nodes"])
                .iter()
                .find(|b| b["name"].as_str().is_some_and(|n| n.starts_with(prefix)))
                .unwrap_or_else(|| panic!("no {prefix}: {bodies}"))["id"]
                .clone()
        };
        let today = chrono::Utc::now().date_naive();
        let convened = graphql(
            server.addr,
            &token,
            &format!(
                r#"mutation {{ conveneSession(bodyId: {}, convenedByBodyId: {}, kind: EXTRAORDINARY, convenedOn: "{today}", sessionDate: "{}", place: "Bamako", agenda: ["Situation financière"], request: {{grounds: "Déficit de trésorerie constaté par le commissaire aux comptes", requestedBy: BUREAU}}) {{ entityId position }} }}"#,
                body("Congrès"),
                body("Bureau Exécutif National"),
                today + chrono::Days::new(40)
            ),
        )
        .json();
        let session = &convened["data"]["conveneSession"];
        assert!(session["entityId"].is_string(), "{convened}");
        let documents = graphql(
            server.addr,
            &token,
            &format!(
                "{{ session(id: {}, minPosition: {}) {{ documents {{ title url }} }} }}",
                session["entityId"], session["position"]
            ),
        )
        .json();
        let text = issued_text(
            server.addr,
            &documents["data"]["session"],
            "Convocation",
            &token,
            dir.path(),
        );
        for w in [
            "Session demandée par",
            "le bureau qui convoque l",
            "Déficit de trésorerie",
        ] {
            assert!(text.contains(w), "{w:?} not in the convocation: {text}");
        }
    }

    // then the command line fetches a document by its reference, the same bytes
    let (_, reference, pdf) = &references[0];
    let fetched = dir.path().join("fetched.pdf");
    let fetch = |document: &str, file: &Path| {
        let server = format!("http://{}", server.addr);
        registre()
            .args(["document", "fetch", document, "--server", &server])
            .args(["--out", file.to_str().unwrap()])
            .env("REGISTRE_TOKEN", &token)
            .output()
            .unwrap()
    };
    let o = fetch(reference, &fetched);
    assert!(o.status.success(), "{}", out(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), reference);
    assert!(std::fs::read(&fetched).unwrap() == *pdf);
    let o = fetch("PV-1-999999", &dir.path().join("none.pdf"));
    assert!(
        !o.status.success() && out(&o).contains("404"),
        "{}",
        out(&o)
    );

    // then the verification page, public, confirms each reference
    for (title, reference, _) in &references {
        let page = http(
            server.addr,
            "GET",
            &format!("/verifier/{reference}"),
            &[],
            b"",
        );
        assert_eq!(page.status, 200, "{title}: {}", page.body);
        assert!(
            page.body.contains("Référence authentique"),
            "{title}: {}",
            page.body
        );
    }
    // and gives the original, the bytes the reader downloaded
    let (_, reference, pdf) = &references[0];
    let (status, _, kind, original) = get(server.addr, &format!("/verifier/{reference}/pdf"), "");
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    assert!(original == *pdf, "the original differs from the download");
    // but not for a reference whose check code was made up
    let made_up = format!("{}-0000000000", reference.rsplit_once('-').unwrap().0);
    let page = http(
        server.addr,
        "GET",
        &format!("/verifier/{made_up}"),
        &[],
        b"",
    );
    assert_eq!(page.status, 404, "{}", page.body);
    let (status, _, _, _) = get(server.addr, &format!("/verifier/{made_up}/pdf"), "");
    assert_eq!(status, 404);

    // and says so of a reference registre never printed
    let unknown = http(server.addr, "GET", "/verifier/PV-1-999999", &[], b"");
    assert_eq!(unknown.status, 404);
    assert!(unknown.body.contains("Aucun document"), "{}", unknown.body);
    let garbage = http(server.addr, "GET", "/verifier/%3Cscript%3E", &[], b"");
    assert_eq!(garbage.status, 404);
    assert!(!garbage.body.contains("<script>"));

    // when the records attached to the minutes are altered, the check fails
    let (_, reference, pdf) = references
        .iter()
        .find(|(t, _, _)| t == "Procès-verbal")
        .unwrap();
    let mut records =
        StatedRecords::from_json(&registre_documents::proofs_of(pdf).unwrap()).unwrap();
    assert!(!records.records.is_empty());
    records.records[0].event["payload"]["place"] = Value::from("Ailleurs");
    let letterhead = registre_documents::Letterhead {
        name: "Association des Municipalités du Mali".into(),
        town: "Bamako".into(),
        address: vec![],
        emblem_svg: None,
    };
    let data = serde_json::json!({"date_emission": "1er janvier 2025", "body": "", "session_kind": "",
        "session_date": "", "place": "", "convened_on": "", "notice": "", "agenda": [],
        "counts": {"eligible": 0, "present": 0, "represented": 0, "absent": 0}, "quorum": "",
        "opened_at": "", "closed_at": "", "motions": [], "elections": [], "ballots": [], "request": null,
        "present": [], "represented": []});
    let rendering = registre_documents::Rendering {
        kind: registre_documents::Kind::Minutes,
        reference,
        verify_url: "http://127.0.0.1/verifier/x",
        issued_on: (2025, 1, 1),
        letterhead: &letterhead,
        data: &data,
        proofs: b"",
    };
    // A PDF carrying `records`, checked: refused as tampered, saying `why`.
    let refused = |records: &StatedRecords, why: &str| {
        let forged = registre_documents::render(&registre_documents::Rendering {
            proofs: &records.to_json(),
            ..rendering.clone()
        })
        .unwrap();
        let file = dir.path().join("forged.pdf");
        std::fs::write(&file, forged).unwrap();
        let file = file.to_str().unwrap();
        let check = run(&["document", "verify", file, "--key", key.to_str().unwrap()]);
        assert_eq!(check.status.code(), Some(3), "{}", out(&check));
        let said = out(&check);
        assert!(said.contains("TAMPERED") && said.contains(why), "{said}");
    };
    refused(&records, "altered");

    // and when the record the reference names is dropped, it fails too
    let mut records =
        StatedRecords::from_json(&registre_documents::proofs_of(pdf).unwrap()).unwrap();
    records.records.remove(0);
    refused(&records, "do not include");

    // and without a token or a login, no document is given
    let anonymous = http(
        server.addr,
        "GET",
        &format!("/documents/{reference}"),
        &[],
        b"",
    );
    assert_eq!(anonymous.status, 303, "sent to sign in");
    assert!(server.stop().success());
}

/// Corrects the event `corrected` (a line of `registre log`) through
/// GraphQL: the correction's position.
fn correct(
    addr: SocketAddr,
    token: &str,
    corrected: &Value,
    reason: &str,
    correction: &str,
) -> u64 {
    let answer = graphql(
        addr,
        token,
        &format!(
            r#"mutation {{ correctRecord(correctedEventId: "{}", correctedStreamId: "{}",
                reason: "{reason}", correction: "{correction}") {{ events {{ position }} }} }}"#,
            corrected["id"].as_str().unwrap(),
            corrected["stream_id"].as_str().unwrap(),
        ),
    )
    .json();
    assert!(answer["errors"].is_null(), "{answer}");
    answer["data"]["correctRecord"]["events"][0]["position"]
        .as_u64()
        .expect("the correction's position")
}

#[test]
fn a_corrected_record_is_printed_with_its_correction_proved_beside_it() {
    // given the demo history, a payment and an admission corrected
    let (dir, db, server, [token]) =
        serve_after(|db| demo(db, "20", "2"), [("secretariat", "greffe")]);
    let url = sqlite_url(&db);
    let key = PathBuf::from(format!("{}.audit/audit.pub", db.display()));
    let log: Vec<Value> = std::str::from_utf8(&run(&["log", "--store", &url]).stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let first = |kind: &str| {
        log.iter()
            .find(|e| e["event_type"] == kind)
            .unwrap_or_else(|| panic!("a {kind} in the demo"))
    };
    let (paid, admitted) = (first("DuesPaid"), first("CommuneAdmitted"));
    let member = admitted["stream_id"]
        .as_str()
        .unwrap()
        .trim_start_matches("member-");
    let documents = [
        (
            format!(
                "/documents/nouveau?type=recu&paiement={}",
                paid["position"].as_u64().unwrap()
            ),
            correct(
                server.addr,
                &token,
                paid,
                "Montant mal recopié du bordereau",
                "Montant reçu : 75 000 F CFA",
            ),
            paid["position"].as_u64().unwrap(),
            "Montant reçu : 75 000 F CFA (motif : Montant mal recopié du bordereau",
        ),
        (
            format!("/documents/nouveau?type=attestation&membre={member}"),
            correct(
                server.addr,
                &token,
                admitted,
                "Référence de la délibération mal recopiée",
                "Délibération n° 2003-014 du conseil communal",
            ),
            admitted["position"].as_u64().unwrap(),
            "Délibération n° 2003-014 du conseil communal (motif : Référence de la délibération mal recopiée",
        ),
    ];
    for (link, correction, record, said) in documents {
        // when its document is issued
        let (reference, pdf) = issue(server.addr, &link, &token);

        // then it checks offline with the public key alone, the record and
        // its correction among the records it attaches, each once
        let (file, check) = verified(dir.path(), &reference, &pdf, &key);
        assert!(check.status.success(), "{link}: {}", out(&check));
        let attached =
            StatedRecords::from_json(&registre_documents::proofs_of(&pdf).unwrap()).unwrap();
        let positions: Vec<u64> = attached
            .records
            .iter()
            .map(|r| r.event["position"].as_u64().expect("a position"))
            .collect();
        for p in [record, correction] {
            assert_eq!(
                positions.iter().filter(|&&q| q == p).count(),
                1,
                "{link}: {p} in {positions:?}"
            );
        }

        // and it states the correction, with the record's number
        if let Some(text) = pdftotext(&file) {
            assert!(text.contains("Corrections enregistrées"), "{link}: {text}");
            assert!(
                text.contains(&format!("{said}, enregistrement n° {record} du journal)")),
                "{link}: {text}"
            );
        }
    }
    drop(server);
}
