//! Territorial reform from the command line and the API: a second edition
//! of the list imported, then its lineage from the first recorded.

use std::path::Path;
use std::process::Command;

use crate::graphql_mutations::{ok, refused};
use crate::support::{
    Server, create_token, graphql, import_territory, registre, scratch, serve_after, sqlite_url,
    succeeded,
};

/// A second edition in which the region of Kayes is split (Nioro is a
/// region of its own), two communes of Kayes merged and a cercle renamed.
const EDITION_2023: &str =
    "region_pcode,region_name,cercle_pcode,cercle_name,commune_pcode,commune_name
ML01,Kayes,ML0101,Kayes-Ville,ML010101,Bangassi-Colimbine
ML11,Nioro,ML1101,Nioro,ML110101,Nioro
";

/// `registre ARGS…` on the store at `db`.
fn registre_in(db: &Path, args: &[&str]) -> Command {
    let mut cmd = registre();
    cmd.args(args).args(["--store", &sqlite_url(db)]);
    cmd
}

/// Imports `list` as the 2023 edition, from a file beside the store.
fn import_2023(db: &Path, list: &str) {
    let csv = db.with_file_name("mali-2023.csv");
    std::fs::write(&csv, list).unwrap();
    succeeded(&mut registre_in(
        db,
        &[
            "territory",
            "import",
            csv.to_str().unwrap(),
            "--scheme",
            "ocha-pcode",
            "--edition",
            "2023",
        ],
    ));
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
        .output()
        .expect("run registre territory reorganise")
    };
    // Before the 2023 list is imported its units are unknown: refused, in
    // French, with the code.
    let o = reorganise("ML11");
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("UNKNOWN_TERRITORIAL_UNIT"), "{err}");

    import_2023(&db, EDITION_2023);
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

/// A 2023 list that splits the region of Kayes (the cercle of Nioro,
/// ML0106, becomes the region of Nioro, its commune of Nioro, ML010610,
/// recoded ML110101), renames the cercle of Kayes Kayes-Ville, renames and recodes
/// Colimbine (ML010102 in 2015) ML010199, and merges Diamou and Djelebou
/// into ML010105.
const EDITION_2023_RENAMED: &str =
    "region_pcode,region_name,cercle_pcode,cercle_name,commune_pcode,commune_name
ML01,Kayes,ML0101,Kayes-Ville,ML010101,Bangassi
ML01,Kayes,ML0101,Kayes-Ville,ML010199,Colimbine-Nouvelle
ML01,Kayes,ML0101,Kayes-Ville,ML010105,Diamou-Fusionnée
ML11,Nioro,ML1101,Nioro,ML110101,Nioro
";

#[test]
fn a_commune_keeps_one_member_across_editions_and_the_directory_says_which_edition_it_reads() {
    let (_dir, _db, server, [sec]) = serve_after(
        |db| {
            import_territory(db);
            import_2023(db, EDITION_2023_RENAMED);
        },
        [("secretariat", "secretariat-permanent")],
    );
    let a = server.addr;
    let unit = |edition: &str, code: &str| {
        format!(r#"{{scheme: "ocha-pcode", edition: "{edition}", code: "{code}"}}"#)
    };
    ok(
        a,
        &sec,
        "adoptStatutes",
        r#"statutes: {effectiveFrom: "2001-02-01"}, reference: "Statuts constitutifs""#,
    );
    for (kind, from, to) in [
        ("RENAME", vec!["ML010102"], vec!["ML010199"]),
        ("RENAME", vec!["ML0101"], vec!["ML0101"]),
        ("SPLIT", vec!["ML01"], vec!["ML01", "ML11"]),
        ("TRANSFER", vec!["ML0106"], vec!["ML1101"]),
        ("TRANSFER", vec!["ML010610"], vec!["ML110101"]),
    ] {
        let units = |edition: &str, codes: &[&str]| {
            codes
                .iter()
                .map(|c| unit(edition, c))
                .collect::<Vec<_>>()
                .join(", ")
        };
        ok(
            a,
            &sec,
            "recordReorganisation",
            &format!(
                r#"kind: {kind}, effectiveFrom: "2023-01-01", predecessors: [{}], successors: [{}], legalReference: "Décret n° 2023-003""#,
                units("2015", &from),
                units("2023", &to)
            ),
        );
    }
    let admit = |edition: &str, code: &str| {
        format!(
            r#"unit: {}, duesCategory: "rurale", admittedOn: "2005-01-15", deliberationRef: "DCC-{code}", decisionRef: "BEN-{code}""#,
            unit(edition, code)
        )
    };
    // Given Bangassi, Colimbine and Nioro admitted under their 2015 codes,
    let bangassi = ok(a, &sec, "admitCommune", &admit("2015", "ML010101"))["entityId"].clone();
    ok(a, &sec, "admitCommune", &admit("2015", "ML010102"));
    let last = ok(a, &sec, "admitCommune", &admit("2015", "ML010610"));
    // when any is admitted again under its 2023 code, it is refused: the
    // commune is already the member it was (its code unchanged, or carried
    // by the rename or the transfer).
    for code in ["ML010101", "ML010199", "ML110101"] {
        assert_eq!(
            refused(a, &sec, "admitCommune", &admit("2023", code)),
            "COMMUNE_ALREADY_MEMBER",
            "{code}"
        );
    }
    // The register places Nioro in 2023's region of Nioro, the other two
    // in 2023's Kayes, all three in 2015's Kayes; a region code speaks of
    // an edition.
    let position = last["position"].as_u64().unwrap();
    let count = |args: &str| {
        let q = format!("{{ members({args}, minPosition: {position}) {{ totalCount }} }}");
        let v = graphql(a, &sec, &q).json();
        assert!(v.get("errors").is_none(), "{v}");
        v["data"]["members"]["totalCount"].as_u64().unwrap()
    };
    assert_eq!(count(r#"edition: "2023", region: "ML11""#), 1);
    assert_eq!(count(r#"edition: "2023", cercle: "ML1101""#), 1);
    assert_eq!(count(r#"edition: "2023", region: "ML01""#), 2);
    assert_eq!(count(r#"edition: "2023", cercle: "ML0101""#), 2);
    assert_eq!(count(r#"edition: "2015", region: "ML01""#), 3);
    assert_eq!(count(r#"edition: "2015", cercle: "ML0106""#), 1);
    assert_eq!(count(r#"region: "ML01""#), 3);

    // Diamou and Djelebou (ML010103, ML010104) merge into ML010105;
    // Djelebou left 2022 unpaid, which the merged commune takes over.
    ok(
        a,
        &sec,
        "setDuesSchedule",
        r#"year: 2022, tiers: [{category: "rurale", amountXof: 50000}], dueOn: "2022-03-31""#,
    );
    let diamou = ok(a, &sec, "admitCommune", &admit("2015", "ML010103"))["entityId"].clone();
    let djelebou = ok(a, &sec, "admitCommune", &admit("2015", "ML010104"))["entityId"].clone();
    ok(
        a,
        &sec,
        "recordPayment",
        &format!(
            r#"memberId: {diamou}, year: 2022, amountXof: 50000, paidOn: "2022-02-01", receiptRef: "R-2022-1""#
        ),
    );
    let merge = ok(
        a,
        &sec,
        "recordReorganisation",
        &format!(
            r#"kind: MERGE, effectiveFrom: "2023-01-01", predecessors: [{}, {}], successors: [{}], legalReference: "Décret n° 2023-004""#,
            unit("2015", "ML010103"),
            unit("2015", "ML010104"),
            unit("2023", "ML010105")
        ),
    );
    let reorganisation = merge["entityId"].clone();
    let succeed = |member: &serde_json::Value| {
        format!(
            r#"memberId: {member}, successorUnit: {}, duesCategory: "rurale", effectiveOn: "2023-01-01", inheritsDues: true, reorganisationId: {reorganisation}"#,
            unit("2023", "ML010105")
        )
    };
    // A succession is one its reorganisation makes: Bangassi is no
    // predecessor of this merger.
    assert_eq!(
        refused(a, &sec, "recordSuccession", &succeed(&bangassi)),
        "NOT_IN_REORGANISATION"
    );
    let first = ok(a, &sec, "recordSuccession", &succeed(&diamou));
    let second = ok(a, &sec, "recordSuccession", &succeed(&djelebou));
    // Both name the one successor, which stays the member it became.
    assert_eq!(first["entityId"], second["entityId"]);
    assert_eq!(
        refused(a, &sec, "recordSuccession", &succeed(&djelebou)),
        "MEMBER_ALREADY_LEFT"
    );
    let merged = second["entityId"].as_str().unwrap().to_owned();
    let position = second["position"].as_u64().unwrap();
    let q = format!(
        "{{ dues(year: 2022, minPosition: {position}) {{ nodes {{ memberId due paid balance }} }} }}"
    );
    let v = graphql(a, &sec, &q).json();
    let row = v["data"]["dues"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["memberId"] == merged.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(row["due"], 50000, "{row}");
    assert_eq!(row["balance"], 50000, "{row}");
    // The dues register's region filter reads an edition as well: the
    // merged commune is of 2023's Kayes, and of no 2015 region.
    let in_region = |args: &str| {
        let q = format!(
            "{{ dues(year: 2022, {args}, minPosition: {position}) {{ nodes {{ memberId }} }} }}"
        );
        let v = graphql(a, &sec, &q).json();
        v["data"]["dues"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{v}"))
            .iter()
            .any(|n| n["memberId"] == merged.as_str())
    };
    assert!(in_region(r#"edition: "2023", region: "ML01""#));
    assert!(!in_region(r#"edition: "2015", region: "ML01""#));
    drop(server);
}
