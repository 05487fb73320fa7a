//! `registre demo` then `registre log`: a coherent history whose every
//! event carries actor, command id, occurred_at, recorded_at, and whose
//! decisions carry the statutes version. Also the territory import's
//! command-line behaviour.

use std::collections::BTreeMap;

use registre_schema::DomainEvent;

use crate::support::{demo_url, log_of, run, scratch, serve_until_saved, sqlite_url};

#[test]
fn the_demo_history_is_complete_and_every_decision_names_its_statutes() {
    let dir = scratch();
    let url = sqlite_url(&dir.path().join("demo.db"));
    demo_url(&url, "120", "4");
    let events = log_of(&url);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for e in &events {
        *counts.entry(e.event_type.clone()).or_default() += 1;
        assert!(!e.actor.id.is_empty());
        assert!(!e.command_id.is_nil());
        assert!(e.recorded_at >= e.occurred_at, "{e:?}");
        let event = DomainEvent::decode(&e.event_type, e.schema_version, e.payload.clone())
            .expect("every event decodes");
        let decision = matches!(
            event,
            DomainEvent::CommuneAdmitted(_)
                | DomainEvent::MemberSuspended(_)
                | DomainEvent::SessionConvened(_)
                | DomainEvent::QuorumReached(_)
                | DomainEvent::QuorumFailed(_)
                | DomainEvent::MotionAdopted(_)
                | DomainEvent::MotionRejected(_)
                | DomainEvent::OfficerElected(_)
                | DomainEvent::MinutesAdopted(_)
        );
        if decision {
            assert_eq!(event.statutes_version(), Some(1), "{e:?}");
            assert_eq!(e.payload["statutes_version"], 1);
        }
    }
    for t in [
        "StatutesAdopted",
        "TerritorialUnitRegistered",
        "BodyEstablished",
        "PostDefined",
        "CommuneAdmitted",
        "DuesScheduleSet",
        "DuesPaid",
        "SessionConvened",
        "AttendanceRecorded",
        "ProxyRegistered",
        "QuorumReached",
        "QuorumFailed",
        "SessionOpened",
        "MotionTabled",
        "VoteRecorded",
        "MotionAdopted",
        "MotionRejected",
        "MemberExcluded",
        "StatutesAmended",
        "OfficerElected",
        "MandateStarted",
        "MandateEnded",
        "SessionClosed",
        "MinutesDrafted",
        "MinutesSigned",
        "MinutesAdopted",
        "RecordCorrected",
        "DuesPaymentReversed",
        "TerritorialUnitsReorganised",
        "MembershipSucceeded",
        "ElectionRoundCounted",
    ] {
        assert!(counts.contains_key(t), "no {t} in the demo: {counts:?}");
    }
    assert_eq!(counts["CommuneAdmitted"], 120);
    // The 2015 list, then the example edition, which is the same but for
    // two communes merged into one.
    assert_eq!(
        counts["TerritorialUnitRegistered"],
        (9 + 50 + 701) + (9 + 50 + 701 - 1)
    );
    // The merger: one reorganisation, each predecessor's succession
    // written to both streams.
    assert_eq!(counts["TerritorialUnitsReorganised"], 1);
    assert_eq!(counts["MembershipSucceeded"], 4);

    // Served once: the audit trail it keeps verifies the log, and the
    // read models it saved are what a replay of the log gives.
    serve_until_saved(&dir.path().join("demo.db"));
    let said = crate::support::out;
    let verify = run(&["verify", "--store", &url]);
    assert!(verify.status.success(), "{}", said(&verify));
    assert!(said(&verify).contains("intact"), "{}", said(&verify));
    let check = run(&["replay", "--check", "--store", &url]);
    assert!(check.status.success(), "{}", said(&check));
    assert!(
        said(&check).contains("match the replay"),
        "{}",
        said(&check)
    );

    // A second run refuses: the store is not empty.
    let again = run(&["demo", "--store", &url]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));
    assert_eq!(log_of(&url).len(), events.len());
}

#[test]
fn territory_import_is_idempotent_and_refuses_malformed_files_whole() {
    let dir = scratch();
    let url = sqlite_url(&dir.path().join("t.db"));
    let csv = dir.path().join("units.csv");
    std::fs::write(
        &csv,
        "region_pcode,region_name,cercle_pcode,cercle_name,commune_pcode,commune_name\n\
         ML01,Kayes,ML0101,Kayes,ML010101,Bangassi\n\
         ML01,Kayes,ML0101,Kayes,ML010102,Colimbine\n\
         ML01,Kayes,ML0201,Kita,ML020101,Badia\n",
    )
    .unwrap();
    let import = |path: &std::path::Path| {
        run(&[
            "territory",
            "import",
            path.to_str().unwrap(),
            "--scheme",
            "ocha-pcode",
            "--edition",
            "2015",
            "--store",
            &url,
        ])
    };
    let bad = import(&csv);
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("line 4"), "{stderr}");
    assert!(log_of(&url).is_empty(), "nothing is imported");

    let text = std::fs::read_to_string(&csv).unwrap();
    std::fs::write(&csv, text.lines().take(3).collect::<Vec<_>>().join("\n")).unwrap();
    let ok = import(&csv);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(log_of(&url).len(), 4);
    let again = import(&csv);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).starts_with("0 unit"));
    assert_eq!(log_of(&url).len(), 4);
}
