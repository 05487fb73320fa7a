//! A clerk's spreadsheets into the log with `registre members import` and
//! `registre payments import`, beside a running server: the shipped
//! samples go in whole, a second run adds nothing, a file with bad lines
//! names each one in French and writes nothing; imported communes are
//! then found by name without accents and by P-code, with their contacts.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::graphql_mutations::ok;
use crate::support::{graphql, out, registre, serve_territory, sqlite_url, succeeded};

fn sample(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

/// `registre REGISTER import FILE` on the store at `db`.
fn import(db: &Path, register: &str, file: &str) -> Command {
    let mut cmd = registre();
    cmd.args([register, "import", file, "--store", &sqlite_url(db)]);
    cmd
}

/// Imports a file that must go in: what the import printed.
fn imported(db: &Path, register: &str, file: &str) -> String {
    out(&succeeded(&mut import(db, register, file)))
}

/// Imports a file that must be refused: what the import said.
fn refused(db: &Path, register: &str, file: &str) -> String {
    let o = import(db, register, file)
        .output()
        .expect("run registre import");
    assert!(!o.status.success(), "{}", out(&o));
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn head(addr: SocketAddr, token: &str) -> u64 {
    graphql(addr, token, "{ head }").json()["data"]["head"]
        .as_u64()
        .unwrap()
}

fn query(addr: SocketAddr, token: &str, q: &str) -> Value {
    let v = graphql(addr, token, q).json();
    assert!(v.get("errors").is_none(), "{q}: {v}");
    v["data"].clone()
}

#[test]
fn a_clerks_spreadsheets_go_in_whole_once_and_bad_lines_are_named_in_french() {
    let (dir, db, server, [secretariat]) = serve_territory([("secretariat", "greffe")]);
    let a = server.addr;
    ok(
        a,
        &secretariat,
        "adoptStatutes",
        r#"statutes: {effectiveFrom: "2001-02-01"}, reference: "Statuts de l'AMM""#,
    );

    // Bad lines: each named with its line and reason; nothing written.
    let bad = dir.path().join("membres.csv");
    std::fs::write(
        &bad,
        "\u{feff}Code commune;Nom;Catégorie cotisation;Admise le;Délibération;Décision\r\n\
         ML040224;Ségou;urbaine;15/03/2003;D-1;B-1\r\n\
         ML999999;Nulle part;urbaine;15/03/2003;D-2;B-2\r\n\
         ML040216;Markala;urbaine;31/02/2003;D-3;B-3\r\n",
    )
    .unwrap();
    let before = head(a, &secretariat);
    let said = refused(&db, "members", bad.to_str().unwrap());
    assert!(
        said.contains("ligne 4 :") && said.contains("INVALID_DATE"),
        "{said}"
    );
    assert!(said.contains("rien n'a été importé"), "{said}");
    // The shape is read first: the unknown commune is named once the
    // dates are right.
    std::fs::write(
        &bad,
        "code_commune,nom,categorie_cotisation,admise_le,deliberation,decision\n\
         ML040224,Ségou,urbaine,2003-03-15,D-1,B-1\n\
         ML999999,Nulle part,urbaine,2003-03-15,D-2,B-2\n",
    )
    .unwrap();
    let said = refused(&db, "members", bad.to_str().unwrap());
    assert!(
        said.contains("ligne 3 : La collectivité ML999999 est inconnue")
            && said.contains("UNKNOWN_TERRITORIAL_UNIT"),
        "{said}"
    );
    // The list spells it "Segou Commune": another name is not taken
    // silently (the sample says `nom_different` = oui).
    assert!(
        said.contains("ligne 2 : Le nom « Ségou » diffère de celui de la liste territoriale, « Segou Commune »")
            && said.contains("NAME_DIFFERS_FROM_REFERENCE"),
        "{said}"
    );
    assert_eq!(head(a, &secretariat), before, "a refused file wrote");

    // The sample goes in whole, then again adds nothing.
    let said = imported(&db, "members", &sample("exemple-membres.csv"));
    assert!(said.contains("5 importée(s), 0 déjà"), "{said}");
    let after = head(a, &secretariat);
    assert!(after > before);
    let said = imported(&db, "members", &sample("exemple-membres.csv"));
    assert!(said.contains("0 importée(s), 5 déjà"), "{said}");
    assert_eq!(head(a, &secretariat), after, "a second import wrote");
    // A row changed since (another name for Ségou) is not taken as done:
    // it is a second admission of a member, refused.
    let changed = std::fs::read_to_string(sample("exemple-membres.csv"))
        .unwrap()
        .replacen(";Ségou;", ";Ségou-Ville;", 1);
    std::fs::write(&bad, changed).unwrap();
    let said = refused(&db, "members", bad.to_str().unwrap());
    assert!(
        said.contains("ligne 2 :") && said.contains("COMMUNE_ALREADY_MEMBER"),
        "{said}"
    );
    assert_eq!(head(a, &secretariat), after);

    // Found by name without accents, and by P-code, with contacts.
    let q = format!(
        r#"{{ members(search: "segou", minPosition: {after}) {{ nodes {{ id name unitCode }} }} }}"#
    );
    let found = query(a, &secretariat, &q);
    let nodes = found["members"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 1, "{found}");
    assert_eq!(nodes[0]["name"], "Ségou");
    let q = r#"{ memberByCode(code: "ML040224") { id name contacts { mayor phones email } } }"#;
    let m = &query(a, &secretariat, q)["memberByCode"];
    assert_eq!(m["id"], nodes[0]["id"]);
    assert_eq!(m["contacts"]["mayor"], "Nana Touré");
    assert_eq!(m["contacts"]["phones"][1], "76 12 34 56");

    // Contacts recorded through the API; the answer gives the event's id
    // and stream, all a correction needs.
    let r = ok(
        a,
        &secretariat,
        "recordContacts",
        &format!(
            r#"memberId: "{}", mayor: "Nana Touré", phones: ["+223 21 32 00 01"], email: "mairie@segou.ml""#,
            m["id"].as_str().unwrap()
        ),
    );
    let event = &r["events"][0];
    assert_eq!(event["eventType"], "MemberContactsRecorded");
    let q = format!(
        r#"mutation {{ correctRecord(correctedEventId: "{}", correctedStreamId: "{}", reason: "erreur de saisie", correction: "le numéro est le 21 32 00 00") {{ events {{ eventType }} }} }}"#,
        event["id"].as_str().unwrap(),
        event["streamId"].as_str().unwrap()
    );
    let corrected = query(a, &secretariat, &q);
    assert_eq!(
        corrected["correctRecord"]["events"][0]["eventType"],
        "RecordCorrected"
    );

    // Payments: need the year's schedule; then in whole, once.
    ok(
        a,
        &secretariat,
        "setDuesSchedule",
        r#"year: 2025, tiers: [{category: "urbaine", amountXof: 100000}, {category: "rurale", amountXof: 25000}], dueOn: "2025-03-31""#,
    );
    let said = imported(&db, "payments", &sample("exemple-paiements.csv"));
    assert!(said.contains("3 importée(s)"), "{said}");
    let paid = head(a, &secretariat);
    let o = import(&db, "payments", &sample("exemple-paiements.csv"))
        .output()
        .expect("run registre import");
    assert!(out(&o).contains("0 importée(s), 3 déjà"), "{}", out(&o));
    assert_eq!(head(a, &secretariat), paid);
    let q = format!(
        r#"{{ dues(year: 2025, minPosition: {paid}) {{ nodes {{ memberId paid inArrears }} }} }}"#
    );
    let dues = query(a, &secretariat, &q);
    let rows = dues["dues"]["nodes"].as_array().unwrap();
    let segou = rows.iter().find(|r| r["memberId"] == m["id"]).unwrap();
    assert_eq!(segou["paid"], 100_000);
    assert_eq!(
        rows.iter().filter(|r| r["inArrears"] == true).count(),
        2,
        "Markala and Banco owe 2025: {dues}"
    );

    // The two kinds of "as of" on the day after the first admissions: in
    // force then (three communes admitted on 2003-03-15, entered today),
    // and as recorded then (nothing: the secretariat entered them today).
    let names = |as_of: &str| -> Vec<String> {
        let q = format!(r#"{{ members(asOf: {as_of}) {{ nodes {{ name }} }} }}"#);
        let mut names: Vec<String> = query(a, &secretariat, &q)["members"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["name"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        names(r#"{inForceOn: "2003-03-16"}"#),
        ["Commune I du District de Bamako", "Markala", "Ségou"]
    );
    assert!(names(r#"{date: "2003-03-16"}"#).is_empty());
    // Payments count from their own day in the world.
    let q =
        r#"{ dues(year: 2025, asOf: {inForceOn: "2025-02-15"}) { nodes { memberName paid } } }"#;
    let dues = query(a, &secretariat, q);
    let paid_by = |name: &str| {
        dues["dues"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["memberName"] == name)
            .map(|n| n["paid"].as_i64().unwrap())
    };
    assert_eq!(paid_by("Ségou"), Some(100_000));
    assert_eq!(paid_by("Commune I du District de Bamako"), Some(0));
    // The exports answer both too.
    let rows = |flag: &str| -> usize {
        let out = dir.path().join(format!("membres{flag}.csv"));
        succeeded(
            registre()
                .args(["export", "csv", "--register", "membership", "--out"])
                .arg(&out)
                .args([flag, "2003-03-16", "--store", &sqlite_url(&db)]),
        );
        std::fs::read_to_string(&out).unwrap().lines().count() - 1
    };
    assert_eq!(rows("--in-force-on"), 3);
    assert_eq!(rows("--recorded-by"), 0);

    // A payment file naming a receipt already used is refused whole.
    let again = dir.path().join("paiements.csv");
    std::fs::write(
        &again,
        "code_commune;annee;montant_xof;paye_le;recu\n\
         ML040216;2025;100 000;01/04/2025;R-2025-0001\n",
    )
    .unwrap();
    let said = refused(&db, "payments", again.to_str().unwrap());
    assert!(
        said.contains("ligne 2 :") && said.contains("RECEIPT_ALREADY_USED"),
        "{said}"
    );
    assert_eq!(head(a, &secretariat), paid);
}
