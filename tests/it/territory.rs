//! Territorial reform from the command line and the API: a second edition
//! of the list imported, then its lineage from the first recorded.

use std::path::Path;

use crate::graphql_mutations::{import_territory, ok, refused};
use crate::support::{Server, create_token, registre, scratch, sqlite_url};

/// A second edition in which the region of Kayes is split (Nioro is a
/// region of its own), two communes of Kayes merged and a cercle renamed.
const EDITION_2023: &str =
    "region_pcode,region_name,cercle_pcode,cercle_name,commune_pcode,commune_name
ML01,Kayes,ML0101,Kayes-Ville,ML010101,Bangassi-Colimbine
ML11,Nioro,ML1101,Nioro,ML110101,Nioro
";

fn registre_in(db: &Path, args: &[&str]) -> std::process::Output {
    registre()
        .args(args)
        .args(["--store", &sqlite_url(db)])
        .output()
        .expect("run registre")
}

#[test]
fn a_reorganisation_is_recorded_from_the_command_line_and_the_api_once_its_edition_is_imported() {
    let dir = scratch();
    let db = dir.path().join("registre.db");
    import_territory(&db);
    let reorganise = |to: &str| {
        registre_in(
            &db,
            &[
                "territory",
                "reorganise",
                "--kind",
                "split",
                "--from-edition",
                "2015",
                "--from",
                "ML01",
                "--to-edition",
                "2023",
                "--to",
                "ML01",
                "--to",
                to,
                "--effective-from",
                "2023-01-01",
                "--reference",
                "Loi n° 2023-001 portant création de régions",
            ],
        )
    };
    // Before the 2023 list is imported its units are unknown: refused, in
    // French, with the code.
    let o = reorganise("ML11");
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("UNKNOWN_TERRITORIAL_UNIT"), "{err}");

    let csv = dir.path().join("mali-2023.csv");
    std::fs::write(&csv, EDITION_2023).unwrap();
    let o = registre_in(
        &db,
        &[
            "territory",
            "import",
            csv.to_str().unwrap(),
            "--scheme",
            "ocha-pcode",
            "--edition",
            "2023",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = reorganise("ML11");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("1 reorganisation(s) recorded"));
    // A successor no edition has is still refused.
    assert!(!reorganise("ML99").status.success());

    // The merge of two communes, through the API.
    let sec = create_token(&db, "secretariat", "secretariat-permanent");
    let server = Server::start(&db);
    let unit = |edition: &str, code: &str| {
        format!(r#"{{scheme: "ocha-pcode", edition: "{edition}", code: "{code}"}}"#)
    };
    let merge = |successor: &str| {
        format!(
            r#"kind: MERGE, effectiveFrom: "2023-01-01", predecessors: [{}, {}], successors: [{}], legalReference: "Décret n° 2023-002""#,
            unit("2015", "ML010101"),
            unit("2015", "ML010102"),
            unit("2023", successor)
        )
    };
    let r = ok(
        server.addr,
        &sec,
        "recordReorganisation",
        &merge("ML010101"),
    );
    assert_eq!(r["events"][0]["eventType"], "TerritorialUnitsReorganised");
    assert_eq!(r["entity"]["kind"], "merge", "{r}");
    assert_eq!(
        refused(
            server.addr,
            &sec,
            "recordReorganisation",
            &merge("ML010199")
        ),
        "UNKNOWN_TERRITORIAL_UNIT"
    );
    drop(server);
}
