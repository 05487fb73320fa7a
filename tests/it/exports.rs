//! `registre export csv` and `registre export popolo` on a demo history.

use std::collections::BTreeSet;
use std::path::Path;

use registre_schema::RecordedEvent;

use crate::support::{demo_log, registre, scratch, sqlite_url};

fn export(db: &Path, args: &[&str]) -> std::process::Output {
    registre()
        .args(["export"])
        .args(args)
        .args(["--store", &sqlite_url(db)])
        .output()
        .unwrap()
}

fn count(events: &[RecordedEvent], t: &str) -> usize {
    events.iter().filter(|e| e.event_type == t).count()
}

#[test]
fn registers_export_as_csv_with_accents_and_popolo_with_its_structure() {
    let dir = scratch();
    let db = dir.path().join("registre.db");
    let events = demo_log(&db, "40", "2");

    let read = |register: &str, header: &str| {
        let out = dir.path().join(format!("{register}.csv"));
        let o = export(
            &db,
            &[
                "csv",
                "--register",
                register,
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let bytes = std::fs::read(&out).unwrap();
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "{register}: no BOM");
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert!(text.starts_with(header), "{register}: {}", &text[..80]);
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        (text, rows)
    };
    let (text, members) = read(
        "membership",
        "id_membre,nom,région,cercle,code_commune,statut,",
    );
    // One row per admission and per successor (a merger's successor
    // succeeds several members, each succession written to both streams).
    let successors: BTreeSet<&str> = events
        .iter()
        .filter(|e| e.event_type == "MembershipSucceeded")
        .filter_map(|e| e.payload["successor_member_id"].as_str())
        .collect();
    assert!(!successors.is_empty(), "the demo has a merger");
    assert_eq!(
        members.len(),
        count(&events, "CommuneAdmitted") + successors.len()
    );
    // Names of the Mali reference list carry accents (Ségou, Tombouctou's
    // communes...): they come out as UTF-8, not mangled.
    assert!(
        text.chars().any(|c| "éèêàçôîû".contains(c)),
        "no accent in the register"
    );
    assert!(text.contains("\r\n"), "RFC 4180 line ends");
    let (_, dues) = read(
        "dues",
        "id_membre,nom,année,dû_xof,payé_xof,solde_xof,en_retard",
    );
    assert!(!dues.is_empty());
    // Values in French too: statuses, results, kinds.
    let statuses: BTreeSet<&str> = members.iter().map(|r| &r[5]).collect();
    assert!(statuses.contains("membre actif"), "{statuses:?}");
    assert!(!statuses.contains("active"), "{statuses:?}");
    let (_, resolutions) = read(
        "resolutions",
        "id_motion,organe,date_session,point,type,titre,",
    );
    assert_eq!(resolutions.len(), count(&events, "MotionTabled"));
    let results: BTreeSet<&str> = resolutions.iter().map(|r| &r[10]).collect();
    assert!(results.contains("adoptée"), "{results:?}");
    assert!(
        results
            .iter()
            .all(|r| ["adoptée", "rejetée", "vote en cours"].contains(r)),
        "{results:?}"
    );
    let kinds: BTreeSet<&str> = resolutions.iter().map(|r| &r[4]).collect();
    assert!(kinds.contains("élection"), "{kinds:?}");
    let (_, officers) = read("officers", "organe,poste,titulaire,id_membre,commune,");
    assert_eq!(officers.len(), count(&events, "OfficerElected"));
    // An existing file is not replaced without --force.
    let out = dir.path().join("membership.csv");
    let o = export(
        &db,
        &[
            "csv",
            "--register",
            "membership",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(!o.status.success());

    let out = dir.path().join("popolo.json");
    let o = export(&db, &["popolo", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let ids = |key: &str| -> BTreeSet<String> {
        doc[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let orgs = ids("organizations");
    let persons = ids("persons");
    let posts = ids("posts");
    let motions = ids("motions");
    assert!(orgs.contains("association"));
    let communes = doc["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["classification"] == "commune")
        .count();
    assert_eq!(communes, members.len());
    for m in doc["memberships"].as_array().unwrap() {
        assert!(orgs.contains(m["organization_id"].as_str().unwrap()), "{m}");
        match m["person_id"].as_str() {
            Some(p) => {
                assert!(persons.contains(p));
                assert!(posts.contains(m["post_id"].as_str().unwrap()));
            }
            None => assert!(orgs.contains(m["member"]["id"].as_str().unwrap())),
        }
    }
    for p in doc["posts"].as_array().unwrap() {
        assert!(orgs.contains(p["organization_id"].as_str().unwrap()));
    }
    assert_eq!(motions.len(), resolutions.len());
    let votes = doc["vote_events"].as_array().unwrap();
    assert!(!votes.is_empty());
    for v in votes {
        assert!(motions.contains(v["motion_id"].as_str().unwrap()));
        let options: Vec<&str> = v["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["option"].as_str().unwrap())
            .collect();
        assert_eq!(options, ["yes", "no", "abstain"]);
    }
    // Counts add up to the votes recorded.
    let cast: u64 = votes
        .iter()
        .flat_map(|v| v["counts"].as_array().unwrap())
        .map(|c| c["value"].as_u64().unwrap())
        .sum();
    assert_eq!(cast as usize, count(&events, "VoteRecorded"));
}
