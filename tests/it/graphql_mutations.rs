//! The secretariat over HTTP on the real server: every mutation, read your
//! writes, retries, domain refusals with their codes, and every mutation
//! refused to the other roles.

use std::net::SocketAddr;
use std::path::Path;

use serde_json::Value;

use crate::mutation_examples::MUTATIONS;
use crate::support::{
    Server, graphql, http, import_territory, percent_encode, scratch, serve_at, serve_new,
    serve_territory,
};

/// Runs a mutation that must succeed and returns its result object.
pub fn ok(addr: SocketAddr, token: &str, field: &str, args: &str) -> Value {
    let q = format!(
        "mutation {{ {field}({args}) {{ commandId streamId alreadyApplied position entityId entity events {{ id position eventType streamId }} }} }}"
    );
    let a = graphql(addr, token, &q);
    let v = a.json();
    assert!(
        v.get("errors").is_none(),
        "{field} failed: {} {}",
        a.status,
        a.body
    );
    v["data"][field].clone()
}

/// Runs a mutation that the domain must refuse, and returns the error code.
pub fn refused(addr: SocketAddr, token: &str, field: &str, args: &str) -> String {
    let q = format!("mutation {{ {field}({args}) {{ commandId }} }}");
    let v = graphql(addr, token, &q).json();
    let e = &v["errors"][0];
    assert!(
        e["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{field}: {v}"
    );
    e["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The event types of a stream, read by an auditor from the raw log.
fn stream_types(addr: SocketAddr, auditor: &str, stream: &str) -> Vec<String> {
    let q = format!(r#"{{ stream(id: "{stream}", first: 1000) {{ eventType }} }}"#);
    let v = graphql(addr, auditor, &q).json();
    v["data"]["stream"]
        .as_array()
        .unwrap_or_else(|| panic!("stream {stream}: {v}"))
        .iter()
        .map(|e| e["eventType"].as_str().unwrap().to_owned())
        .collect()
}

fn head(addr: SocketAddr, auditor: &str) -> u64 {
    graphql(addr, auditor, "{ head }").json()["data"]["head"]
        .as_u64()
        .unwrap()
}

/// What every successful mutation answers: events appended, the read
/// models at least as far as the last one, the entity as it now stands.
pub fn check_written(r: &Value, event_type: &str) {
    let events = r["events"].as_array().unwrap();
    assert!(
        events.iter().any(|e| e["eventType"] == event_type),
        "expected {event_type} in {r}"
    );
    let last = events.last().unwrap()["position"].as_u64().unwrap();
    assert!(r["position"].as_u64().unwrap() >= last, "{r}");
}

fn unit(code: &str) -> String {
    format!(r#"{{scheme: "ocha-pcode", edition: "2015", code: "{code}"}}"#)
}

/// The tokens most of these tests hold: the secretariat's and an auditor's.
pub const SECRETARIAT_AND_AUDITOR: [(&str, &str); 2] = [
    ("secretariat", "secretariat-permanent"),
    ("auditor", "auditeur"),
];

const SHA: &str = "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945";

/// A server on a store with the territory and the founding statutes of
/// 2001; a secretariat's token and an auditor's.
pub fn founded(db: &Path) -> (Server, String, String) {
    let (server, [sec, aud]) = serve_at(db, import_territory, SECRETARIAT_AND_AUDITOR);
    ok(
        server.addr,
        &sec,
        "adoptStatutes",
        r#"statutes: {effectiveFrom: "2001-02-01"}, reference: "Statuts constitutifs""#,
    );
    (server, sec, aud)
}

/// A Bureau Exécutif National, the Congrès it convenes and three member
/// communes admitted in 2005: what a motion needs to be voted.
pub struct Congress {
    pub ben: String,
    pub congress: String,
    pub members: Vec<String>,
}

impl Congress {
    pub fn establish(a: SocketAddr, sec: &str) -> Congress {
        let body = |args: &str| ok(a, sec, "establishBody", args)["entityId"].to_string();
        let ben = body(r#"name: "Bureau Exécutif National", kind: ORGAN, level: NATIONAL"#)
            .trim_matches('"')
            .to_owned();
        let congress = body(&format!(
            r#"name: "Congrès", kind: INSTANCE, level: NATIONAL, convenedByBodyId: "{ben}""#
        ))
        .trim_matches('"')
        .to_owned();
        let members = ["ML010101", "ML010102", "ML010103"]
            .iter()
            .enumerate()
            .map(|(n, code)| {
                let args = format!(
                    r#"unit: {}, duesCategory: "rurale", admittedOn: "2005-01-15", deliberationRef: "DCC-{n}", decisionRef: "BEN-{n}""#,
                    unit(code)
                );
                ok(a, sec, "admitCommune", &args)["entityId"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        Congress {
            ben,
            congress,
            members,
        }
    }

    /// The Congrès convened a month before `day` for `day`, its members
    /// present, the session opened: its id.
    pub fn sits(&self, a: SocketAddr, sec: &str, day: &str) -> String {
        let (ben, congress) = (&self.ben, &self.congress);
        let convened_on = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap()
            - chrono::Duration::days(30);
        let r = ok(
            a,
            sec,
            "conveneSession",
            &format!(
                r#"bodyId: "{congress}", convenedByBodyId: "{ben}", kind: ORDINARY, convenedOn: "{convened_on}", sessionDate: "{day}", place: "Bamako", agenda: ["Résolutions"]"#
            ),
        );
        let session = r["entityId"].as_str().unwrap().to_owned();
        for m in &self.members {
            ok(
                a,
                sec,
                "recordAttendance",
                &format!(r#"sessionId: "{session}", memberId: "{m}", delegateName: "Maire""#),
            );
        }
        ok(
            a,
            sec,
            "openSession",
            &format!(r#"sessionId: "{session}", openedAt: "{day}T10:00:00Z""#),
        );
        session
    }

    /// A motion of `kind` (about `subject`, a member id, for an exclusion)
    /// the Congrès adopts unanimously in session on `day` (convened a
    /// month before); its id.
    pub fn adopts(
        &self,
        a: SocketAddr,
        sec: &str,
        (kind, subject): (&str, Option<&str>),
        day: &str,
    ) -> String {
        let session = self.sits(a, sec, day);
        let r = ok(
            a,
            sec,
            "tableMotion",
            &format!(
                r#"sessionId: "{session}", agendaItem: 0, kind: {kind}, title: "Résolution", text: "Le Congrès décide."{}"#,
                subject
                    .map(|m| format!(r#", subjectMemberId: "{m}""#))
                    .unwrap_or_default()
            ),
        );
        let motion = r["entityId"].as_str().unwrap().to_owned();
        for m in &self.members {
            ok(
                a,
                sec,
                "recordVote",
                &format!(
                    r#"sessionId: "{session}", motionId: "{motion}", memberId: "{m}", choice: FOR"#
                ),
            );
        }
        let r = ok(
            a,
            sec,
            "closeVote",
            &format!(r#"sessionId: "{session}", motionId: "{motion}""#),
        );
        check_written(&r, "MotionAdopted");
        ok(
            a,
            sec,
            "closeSession",
            &format!(r#"sessionId: "{session}", closedAt: "{day}T18:00:00Z""#),
        );
        motion
    }
}

#[test]
fn a_secretariat_holds_a_congress_and_sees_each_change_at_once() {
    let (_dir, _db, server, [sec, aud]) = serve_territory(SECRETARIAT_AND_AUDITOR);
    let a = server.addr;

    // Statutes, bodies, posts, dues.
    let r = ok(
        a,
        &sec,
        "adoptStatutes",
        r#"statutes: {effectiveFrom: "2001-02-01"}, reference: "Statuts constitutifs""#,
    );
    check_written(&r, "StatutesAdopted");
    assert_eq!(r["entity"]["version"], 1, "{r}");
    let r = ok(
        a,
        &sec,
        "establishBody",
        r#"name: "Bureau Exécutif National", kind: ORGAN, level: NATIONAL"#,
    );
    check_written(&r, "BodyEstablished");
    let ben = r["entityId"].as_str().unwrap().to_owned();
    assert_eq!(r["entity"]["name"], "Bureau Exécutif National");
    let r = ok(
        a,
        &sec,
        "establishBody",
        &format!(r#"name: "Congrès", kind: INSTANCE, level: NATIONAL, convenedByBodyId: "{ben}""#),
    );
    let congress = r["entityId"].as_str().unwrap().to_owned();
    let r = ok(
        a,
        &sec,
        "definePost",
        &format!(r#"bodyId: "{ben}", title: "Président", seats: 1"#),
    );
    check_written(&r, "PostDefined");
    let president = r["entityId"].as_str().unwrap().to_owned();
    assert!(r["entity"]["posts"][&president].is_object(), "{r}");
    for year in [2023, 2024] {
        let r = ok(
            a,
            &sec,
            "setDuesSchedule",
            &format!(
                r#"year: {year}, tiers: [{{category: "rurale", amountXof: 50000}}], dueOn: "{year}-03-31""#
            ),
        );
        check_written(&r, "DuesScheduleSet");
        assert_eq!(r["entity"]["tiers"]["rurale"], 50000, "{r}");
    }

    // Admissions and dues, each seen at once in the registers.
    let mut members = Vec::new();
    for (n, (code, name)) in [
        ("ML010101", "Bangassi"),
        ("ML010102", "Colimbine"),
        ("ML010103", "Diamou"),
    ]
    .into_iter()
    .enumerate()
    {
        let command_id = uuid::Uuid::now_v7();
        let args = format!(
            r#"commandId: "{command_id}", unit: {}, name: "{name}", duesCategory: "rurale", admittedOn: "2022-06-01", deliberationRef: "DCC-{n}", decisionRef: "BEN-{n}""#,
            unit(code)
        );
        let r = ok(a, &sec, "admitCommune", &args);
        check_written(&r, "CommuneAdmitted");
        assert_eq!(r["entity"]["name"], name, "{r}");
        let member = r["entityId"].as_str().unwrap().to_owned();
        assert!(
            stream_types(a, &aud, &format!("member-{member}")).contains(&"CommuneAdmitted".into())
        );
        // A retry with the same command id appends nothing and answers
        // with the first call's events.
        let again = ok(a, &sec, "admitCommune", &args);
        assert_eq!(again["alreadyApplied"], true);
        assert_eq!(again["events"], r["events"]);
        for year in [2023, 2024] {
            let r = ok(
                a,
                &sec,
                "recordPayment",
                &format!(
                    r#"memberId: "{member}", year: {year}, amountXof: 50000, paidOn: "{year}-01-20", receiptRef: "R-{year}-{n}""#
                ),
            );
            check_written(&r, "DuesPaid");
            assert!(r["entity"].is_object(), "{r}");
        }
        members.push(member);
    }
    // Dues on their dates: no payment ahead of today, a receipt used once,
    // and a reversal that makes its year owed again.
    let member = &members[0];
    let pay = |year: i32, paid_on: &str, receipt: &str| {
        format!(
            r#"memberId: "{member}", year: {year}, amountXof: 50000, paidOn: "{paid_on}", receiptRef: "{receipt}""#
        )
    };
    let before = head(a, &aud);
    assert_eq!(
        refused(a, &sec, "recordPayment", &pay(2024, "2099-01-01", "R-X")),
        "DATE_IN_FUTURE"
    );
    assert_eq!(
        refused(
            a,
            &sec,
            "recordPayment",
            &pay(2024, "2024-02-01", "R-2023-0")
        ),
        "RECEIPT_ALREADY_USED"
    );
    assert_eq!(head(a, &aud), before);
    let r = ok(
        a,
        &sec,
        "reversePayment",
        &format!(
            r#"memberId: "{member}", receiptRef: "R-2024-0", reversedOn: "2024-03-01", reason: "chèque sans provision""#
        ),
    );
    check_written(&r, "DuesPaymentReversed");
    let q = r#"{ dues(year: 2024, judgedOn: "2024-04-01") { nodes { memberId paid balance } } }"#;
    let v = graphql(a, &aud, q).json();
    let nodes = v["data"]["dues"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"));
    let mine = nodes
        .iter()
        .find(|n| n["memberId"] == member.as_str())
        .unwrap();
    assert_eq!(mine["paid"], 0, "{v}");

    // A commune admitted twice: refused with its code, nothing written.
    let before = head(a, &aud);
    let code = refused(
        a,
        &sec,
        "admitCommune",
        &format!(
            r#"unit: {}, name: "Bangassi", duesCategory: "rurale", admittedOn: "2022-07-01", deliberationRef: "x", decisionRef: "y""#,
            unit("ML010101")
        ),
    );
    assert_eq!(code, "COMMUNE_ALREADY_MEMBER");
    assert_eq!(head(a, &aud), before);

    // The Congress.
    let r = ok(
        a,
        &sec,
        "conveneSession",
        &format!(
            r#"bodyId: "{congress}", convenedByBodyId: "{ben}", kind: ORDINARY, convenedOn: "2024-02-01", sessionDate: "2024-03-01", place: "Bamako", agenda: ["Élection du Bureau Exécutif National"]"#
        ),
    );
    check_written(&r, "SessionConvened");
    let session = r["entityId"].as_str().unwrap().to_owned();
    assert_eq!(r["entity"]["eligible"].as_array().unwrap().len(), 3, "{r}");
    for m in &members[..2] {
        let r = ok(
            a,
            &sec,
            "recordAttendance",
            &format!(r#"sessionId: "{session}", memberId: "{m}", delegateName: "Maire""#),
        );
        check_written(&r, "AttendanceRecorded");
        assert!(r["entity"]["present"][m].is_string(), "{r}");
    }
    let r = ok(
        a,
        &sec,
        "registerProxy",
        &format!(
            r#"sessionId: "{session}", grantorMemberId: "{}", holderMemberId: "{}""#,
            members[2], members[0]
        ),
    );
    check_written(&r, "ProxyRegistered");
    let r = ok(
        a,
        &sec,
        "openSession",
        &format!(r#"sessionId: "{session}", openedAt: "2024-03-01T10:00:00Z""#),
    );
    check_written(&r, "SessionOpened");
    assert!(
        r["entity"]["openedAt"].is_string() || r["entity"]["opened_at"].is_string(),
        "{r}"
    );
    let r = ok(
        a,
        &sec,
        "tableMotion",
        &format!(
            r#"sessionId: "{session}", agendaItem: 0, kind: ELECTION, title: "Élection du président", text: "Le Congrès élit le président du BEN.""#
        ),
    );
    check_written(&r, "MotionTabled");
    let motion = r["entityId"].as_str().unwrap().to_owned();
    assert!(r["entity"].is_object(), "{r}");
    for (m, proxy) in [
        (&members[0], None),
        (&members[1], None),
        (&members[2], Some(&members[0])),
    ] {
        let proxy = proxy
            .map(|p| format!(r#", proxyHolderMemberId: "{p}""#))
            .unwrap_or_default();
        let r = ok(
            a,
            &sec,
            "recordVote",
            &format!(
                r#"sessionId: "{session}", motionId: "{motion}", memberId: "{m}", choice: FOR{proxy}"#
            ),
        );
        check_written(&r, "VoteRecorded");
    }
    // A commune that is not on the eligible list cannot vote.
    let stranger = uuid::Uuid::now_v7();
    let code = refused(
        a,
        &sec,
        "recordVote",
        &format!(
            r#"sessionId: "{session}", motionId: "{motion}", memberId: "{stranger}", choice: AGAINST"#
        ),
    );
    assert_eq!(code, "NOT_ELIGIBLE_TO_VOTE");
    let r = ok(
        a,
        &sec,
        "closeVote",
        &format!(r#"sessionId: "{session}", motionId: "{motion}""#),
    );
    check_written(&r, "MotionAdopted");
    let r = ok(
        a,
        &sec,
        "electOfficer",
        &format!(
            r#"bodyId: "{ben}", postId: "{president}", memberId: "{}", holderName: "Maire de Bangassi", sessionId: "{session}", startsOn: "2024-03-01""#,
            members[0]
        ),
    );
    check_written(&r, "OfficerElected");
    let mandate = r["entityId"].as_str().unwrap().to_owned();
    assert!(
        r["entity"]["mandates"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["mandate_id"] == mandate.as_str()),
        "{r}"
    );
    let r = ok(
        a,
        &sec,
        "closeSession",
        &format!(r#"sessionId: "{session}", closedAt: "2024-03-01T18:00:00Z""#),
    );
    check_written(&r, "SessionClosed");

    // The minutes: drafted, signed, adopted at the next session.
    let r = ok(
        a,
        &sec,
        "draftMinutes",
        &format!(
            r#"sessionId: "{session}", sha256: "{SHA}", documentRef: "PV/CONGRES/2024/01", draftedOn: "2024-03-08""#
        ),
    );
    check_written(&r, "MinutesDrafted");
    let minutes = r["entityId"].as_str().unwrap().to_owned();
    for signatory in ["PRESIDENT", "SECRETARY"] {
        let r = ok(
            a,
            &sec,
            "signMinutes",
            &format!(
                r#"minutesId: "{minutes}", signatory: {signatory}, signatoryName: "Signataire", signedOn: "2024-03-12""#
            ),
        );
        check_written(&r, "MinutesSigned");
    }
    let r = ok(
        a,
        &sec,
        "conveneSession",
        &format!(
            r#"bodyId: "{congress}", convenedByBodyId: "{ben}", kind: EXTRAORDINARY, convenedOn: "2024-03-15", sessionDate: "2024-04-01", place: "Bamako", agenda: ["Adoption du procès-verbal"], request: {{grounds: "Adopter le procès-verbal avant l'exercice", requestedBy: BUREAU}}"#
        ),
    );
    let next = r["entityId"].as_str().unwrap().to_owned();
    for m in &members[..2] {
        ok(
            a,
            &sec,
            "recordAttendance",
            &format!(r#"sessionId: "{next}", memberId: "{m}", delegateName: "Maire""#),
        );
    }
    ok(
        a,
        &sec,
        "openSession",
        &format!(r#"sessionId: "{next}", openedAt: "2024-04-01T10:00:00Z""#),
    );
    let r = ok(
        a,
        &sec,
        "adoptMinutes",
        &format!(
            r#"minutesId: "{minutes}", adoptedInSessionId: "{next}", adoptedOn: "2024-04-01", sha256: "{SHA}""#
        ),
    );
    check_written(&r, "MinutesAdopted");
    assert!(r["entity"].is_object(), "{r}");
    let types = stream_types(a, &aud, &format!("minutes-{minutes}"));
    assert_eq!(
        types,
        [
            "MinutesDrafted",
            "MinutesSigned",
            "MinutesSigned",
            "MinutesAdopted"
        ]
    );
    // The actor recorded is the token's name and role.
    let v = graphql(
        a,
        &aud,
        &format!(r#"{{ stream(id: "minutes-{minutes}") {{ actor {{ id role }} }} }}"#),
    )
    .json();
    assert_eq!(
        v["data"]["stream"][0]["actor"],
        serde_json::json!({"id": "secretariat-permanent", "role": "SECRETARIAT"})
    );
    // Two more years' schedules: on 2026-06-01 the member whose 2024
    // payment was reversed owes three years, the threshold for suspension
    // in the default statutes; the others owe two.
    for year in [2025, 2026] {
        ok(
            a,
            &sec,
            "setDuesSchedule",
            &format!(
                r#"year: {year}, tiers: [{{category: "rurale", amountXof: 50000}}], dueOn: "{year}-03-31""#
            ),
        );
    }
    let v = graphql(
        a,
        &aud,
        r#"{ membersDueForSuspension(judgedOn: "2026-06-01") { totalCount nodes { memberId unpaidYears } } }"#,
    )
    .json();
    assert_eq!(
        v["data"]["membersDueForSuspension"]["nodes"],
        serde_json::json!([{"memberId": members[0], "unpaidYears": 3}]),
        "{v}"
    );
    drop(server);
}

#[test]
fn every_mutation_is_refused_to_auditors_dashboards_and_strangers() {
    let (_dir, _db, server, [aud, dash]) =
        serve_new([("auditor", "auditeur"), ("dashboard", "tableau")]);
    let a = server.addr;
    let before = head(a, &aud);
    for (field, query) in MUTATIONS {
        for token in [&aud, &dash] {
            let v = graphql(a, token, query).json();
            assert_eq!(
                v["errors"][0]["extensions"]["code"], "FORBIDDEN",
                "{field}: {v}"
            );
            assert!(
                v["data"].is_null() || v["data"][field].is_null(),
                "{field}: {v}"
            );
        }
        // No token: 401, nothing executed.
        let body = serde_json::json!({ "query": query }).to_string();
        let r = http(
            a,
            "POST",
            "/graphql",
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        );
        assert_eq!(r.status, 401, "{field}: {}", r.body);
        // Mutations never run over GET, whoever asks.
        let path = format!("/graphql?query={}", percent_encode(query));
        let auth = format!("Bearer {aud}");
        let r = http(a, "GET", &path, &[("Authorization", &auth)], b"");
        assert_eq!(r.status, 405, "{field}: {}", r.body);
    }
    assert_eq!(head(a, &aud), before, "a refused mutation wrote something");
}

#[test]
fn oversized_or_malformed_inputs_are_refused_before_the_domain() {
    let (_dir, _db, server, [sec, aud]) = serve_new(SECRETARIAT_AND_AUDITOR);
    let a = server.addr;
    let before = head(a, &aud);
    let long = "x".repeat(201);
    let cases = [
        (
            "admitCommune",
            format!(
                r#"unit: {}, name: "{long}", duesCategory: "rurale", admittedOn: "2022-06-01", deliberationRef: "d", decisionRef: "b""#,
                unit("ML010101")
            ),
        ),
        (
            "recordPayment",
            r#"memberId: "not-a-uuid", year: 2024, amountXof: 1, paidOn: "2024-01-01", receiptRef: "r""#.into(),
        ),
        (
            "conveneSession",
            format!(
                r#"bodyId: "{u}", convenedByBodyId: "{u}", kind: ORDINARY, convenedOn: "2024-02-01", sessionDate: "2024-03-01", place: "p", agenda: [{items}]"#,
                u = uuid::Uuid::now_v7(),
                items = vec!["\"point\""; 101].join(", ")
            ),
        ),
        (
            "setDuesSchedule",
            r#"commandId: "123", year: 2024, tiers: [], dueOn: "2024-03-31""#.into(),
        ),
    ];
    for (field, args) in cases {
        assert_eq!(refused(a, &sec, field, &args), "BAD_USER_INPUT", "{field}");
    }
    assert_eq!(head(a, &aud), before);
}

/// Dates the audit trail's canonical form cannot write (years past 9999,
/// before 0) or outside the records' years are refused by the domain,
/// naming the field, and nothing is written.
#[test]
fn dates_outside_the_records_years_are_refused_with_their_code() {
    let (_dir, _db, server, [sec, aud]) = serve_new(SECRETARIAT_AND_AUDITOR);
    let a = server.addr;
    let before = head(a, &aud);
    let member = uuid::Uuid::now_v7();
    let pay = |extra: &str, paid_on: &str| {
        format!(
            r#"{extra} memberId: "{member}", year: 2024, amountXof: 50000, paidOn: "{paid_on}", receiptRef: "R-1""#
        )
    };
    for (args, field) in [
        (pay("", "+10000-01-01"), "paid_on"),
        (pay("", "-0001-01-01"), "paid_on"),
        (pay("", "1899-12-31"), "paid_on"),
        (
            pay(r#"occurredAt: "+10000-01-01T00:00:00Z","#, "2024-03-01"),
            "occurred_at",
        ),
    ] {
        let q = format!("mutation {{ recordPayment({args}) {{ commandId }} }}");
        let v = graphql(a, &sec, &q).json();
        let e = &v["errors"][0];
        assert_eq!(e["extensions"]["code"], "DATE_OUT_OF_RANGE", "{args}: {v}");
        let message = e["message"].as_str().unwrap_or_default();
        assert!(message.contains(&format!("« {field} »")), "{message}");
    }
    assert_eq!(
        refused(
            a,
            &sec,
            "suspendMember",
            &format!(r#"memberId: "{member}", effectiveOn: "+10000-01-01", reason: "r""#),
        ),
        "DATE_OUT_OF_RANGE"
    );
    assert_eq!(head(a, &aud), before);
}

#[test]
fn statutes_are_amended_rule_by_rule_and_read_back_version_by_version() {
    let dir = scratch();
    let (server, sec, aud) = founded(&dir.path().join("r.db"));
    // An auditor reads the registers as a dashboard does.
    let (a, dash) = (server.addr, aud.clone());
    let congress = Congress::establish(a, &sec);
    let first = congress.adopts(a, &sec, ("STATUTE_AMENDMENT", None), "2009-06-01");
    let second = congress.adopts(a, &sec, ("STATUTE_AMENDMENT", None), "2019-06-01");
    let ordinary = congress.adopts(a, &sec, ("ORDINARY", None), "2019-09-01");
    // Without an adopted amendment motion, or before its session, or
    // citing a motion already applied: refused, nothing written.
    let amend = |from: &str, rules: &str, motion: &str| {
        format!(
            r#"statutes: {{effectiveFrom: "{from}", {rules}}}, reference: "Congrès, résolution", motionId: "{motion}""#
        )
    };
    let before = head(a, &aud);
    for (args, code) in [
        (
            amend("2010-01-01", "noticeDaysOrdinary: 20", &ordinary),
            "MOTION_OF_ANOTHER_KIND",
        ),
        (
            amend("2009-01-01", "noticeDaysOrdinary: 20", &first),
            "EFFECT_BEFORE_DECISION",
        ),
        (
            amend("2010-01-01", "noticeDaysOrdinary: 20", &congress.members[0]),
            "UNKNOWN_MOTION",
        ),
    ] {
        assert_eq!(refused(a, &sec, "amendStatutes", &args), code, "{args}");
    }
    assert_eq!(head(a, &aud), before);
    // A quorum of two thirds from 2010, then only the notice from 2020:
    // the second amendment keeps the first one's quorum.
    ok(
        a,
        &sec,
        "amendStatutes",
        &amend(
            "2010-01-01",
            "quorumNumerator: 2, quorumDenominator: 3",
            &first,
        ),
    );
    assert_eq!(
        refused(
            a,
            &sec,
            "amendStatutes",
            &amend("2020-01-01", "noticeDaysOrdinary: 30", &first)
        ),
        "MOTION_ALREADY_APPLIED"
    );
    let r = ok(
        a,
        &sec,
        "amendStatutes",
        &amend("2020-01-01", "noticeDaysOrdinary: 30", &second)
            .replace("Congrès, résolution", "Congrès 2019, résolution 2"),
    );
    check_written(&r, "StatutesAmended");
    // One that changes nothing is refused, even when voted.
    let third = congress.adopts(a, &sec, ("STATUTE_AMENDMENT", None), "2020-06-01");
    assert_eq!(
        refused(
            a,
            &sec,
            "amendStatutes",
            &amend("2021-01-01", "noticeDaysOrdinary: 30", &third)
        ),
        "INVALID_STATUTES"
    );
    // The motion's record shows the version it made.
    let v = graphql(
        a,
        &dash,
        &format!(r#"{{ motion(id: "{second}") {{ effects {{ kind statutesVersion }} }} }}"#),
    )
    .json();
    assert_eq!(
        v["data"]["motion"]["effects"],
        serde_json::json!([{"kind": "AMENDMENT", "statutesVersion": 3}]),
        "{v}"
    );

    let fields = "version effectiveFrom reference quorumNumerator quorumDenominator noticeDaysOrdinary majorityExclusion changes { rule before after }";
    let q = format!(r#"{{ statutes(on: "2021-06-01") {{ {fields} }} }}"#);
    let v = graphql(a, &dash, &q).json();
    let s = &v["data"]["statutes"];
    assert_eq!(s["version"], 3, "{v}");
    assert_eq!(
        (
            s["quorumNumerator"].as_u64(),
            s["quorumDenominator"].as_u64()
        ),
        (Some(2), Some(3)),
        "{v}"
    );
    assert_eq!(s["noticeDaysOrdinary"], 30, "{v}");
    assert_eq!(s["majorityExclusion"], "ABSOLUTE", "{v}");
    assert_eq!(s["reference"], "Congrès 2019, résolution 2", "{v}");
    assert_eq!(
        s["changes"],
        serde_json::json!([{"rule": "noticeDaysOrdinary", "before": "15", "after": "30"}]),
        "{v}"
    );
    let q = format!(r#"{{ statutes(on: "2015-06-01") {{ {fields} }} }}"#);
    let v = graphql(a, &dash, &q).json();
    assert_eq!(v["data"]["statutes"]["version"], 2, "{v}");
    assert_eq!(v["data"]["statutes"]["noticeDaysOrdinary"], 15, "{v}");
    let v = graphql(a, &dash, r#"{ statutes(on: "1999-01-01") { version } }"#).json();
    assert!(v["data"]["statutes"].is_null(), "{v}");
    let v = graphql(
        a,
        &dash,
        "{ statutesVersions { version effectiveFrom changes { rule } } }",
    )
    .json();
    let versions = v["data"]["statutesVersions"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(versions.len(), 3, "{v}");
    assert_eq!(versions[1]["changes"].as_array().unwrap().len(), 2, "{v}");
    drop(server);
}

#[test]
fn an_exclusion_cites_the_motion_its_body_adopted_and_the_motion_shows_it() {
    let dir = scratch();
    let (server, sec, aud) = founded(&dir.path().join("r.db"));
    let a = server.addr;
    let congress = Congress::establish(a, &sec);
    let excluded = &congress.members[2];
    let motion = congress.adopts(a, &sec, ("EXCLUSION", Some(excluded)), "2024-03-01");
    let exclude = |body: &str, on: &str| {
        format!(
            r#"memberId: "{excluded}", effectiveOn: "{on}", reason: "manquements répétés", decidedByBodyId: "{body}", hearingNotifiedOn: "2024-02-01", motionId: "{motion}""#
        )
    };
    let before = head(a, &aud);
    assert_eq!(
        refused(
            a,
            &sec,
            "excludeMember",
            &exclude(&congress.ben, "2024-03-01")
        ),
        "MOTION_OF_ANOTHER_BODY"
    );
    // The motion is about one commune: another cannot be excluded by it.
    let other = exclude(&congress.congress, "2024-03-01").replacen(
        excluded.as_str(),
        &congress.members[0],
        1,
    );
    assert_eq!(
        refused(a, &sec, "excludeMember", &other),
        "MOTION_OF_ANOTHER_SUBJECT"
    );
    assert_eq!(
        refused(
            a,
            &sec,
            "excludeMember",
            &exclude(&congress.congress, "2024-02-28")
        ),
        "EFFECT_BEFORE_DECISION"
    );
    assert_eq!(head(a, &aud), before);
    let r = ok(
        a,
        &sec,
        "excludeMember",
        &exclude(&congress.congress, "2024-03-01"),
    );
    check_written(&r, "MemberExcluded");
    let v = graphql(
        a,
        &aud,
        &format!(r#"{{ motion(id: "{motion}") {{ effects {{ kind memberId }} }} }}"#),
    )
    .json();
    assert_eq!(
        v["data"]["motion"]["effects"],
        serde_json::json!([{"kind": "EXCLUSION", "memberId": excluded}]),
        "{v}"
    );
    drop(server);
}

#[test]
fn a_council_with_rules_of_its_own_counts_its_quorum_and_its_chair_breaks_a_tie() {
    let dir = scratch();
    let (server, sec, aud) = founded(&dir.path().join("r.db"));
    let a = server.addr;
    let congress = Congress::establish(a, &sec);
    let ben = &congress.ben;
    // The founding statutes give no body rules of its own; the Congrès
    // amends them to state the Conseil National's.
    let motion = congress.adopts(a, &sec, ("STATUTE_AMENDMENT", None), "2023-06-01");
    let simple = "{comparison: MORE_THAN, share: {numerator: 1, denominator: 2}, base: VOTES_CAST, tie: CHAIR_CASTING_VOTE}";
    let rules = format!(
        "{{statutoryBody: NATIONAL_COUNCIL, membership: DESIGNATED, quorum: {{comparison: AT_LEAST, share: {{numerator: 2, denominator: 3}}}}, majorities: {{ordinary: {simple}, election: {simple}, exclusion: {simple}, statuteAmendment: {simple}, dissolution: {simple}}}, ordinarySessionEveryMonths: 12, termYears: 5, extraordinaryRequestShare: {{numerator: 1, denominator: 3}}}}"
    );
    let amend = |instances: &str| {
        format!(
            r#"statutes: {{effectiveFrom: "2023-07-01", instances: [{instances}]}}, reference: "Congrès 2023, résolution 1", motionId: "{motion}""#
        )
    };
    let before = head(a, &aud);
    assert_eq!(
        refused(
            a,
            &sec,
            "amendStatutes",
            &amend(&format!("{rules}, {rules}"))
        ),
        "BAD_USER_INPUT"
    );
    assert_eq!(head(a, &aud), before);
    ok(a, &sec, "amendStatutes", &amend(&rules));
    let v = graphql(
        a,
        &aud,
        r#"{ statutes(on: "2024-01-01") { version instances { statutoryBody membership quorum { comparison share { numerator denominator } } } changes { rule after } } }"#,
    )
    .json();
    let s = &v["data"]["statutes"];
    assert_eq!(
        s["instances"][0]["statutoryBody"], "NATIONAL_COUNCIL",
        "{v}"
    );
    assert_eq!(s["instances"][0]["quorum"]["comparison"], "AT_LEAST", "{v}");
    assert!(
        s["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["rule"] == "nationalCouncil.quorum" && c["after"] == "AT_LEAST 2/3"),
        "{v}"
    );
    // A body established before bodies said which they are is named
    // afterwards: the Congrès, not a bureau.
    let congress_id = &congress.congress;
    assert_eq!(
        refused(
            a,
            &sec,
            "nameStatutoryBody",
            &format!(r#"bodyId: "{congress_id}", statutoryBody: NATIONAL_BUREAU"#)
        ),
        "STATUTORY_BODY_MISMATCH"
    );
    let r = ok(
        a,
        &sec,
        "nameStatutoryBody",
        &format!(r#"bodyId: "{congress_id}", statutoryBody: CONGRESS"#),
    );
    check_written(&r, "StatutoryBodyNamed");
    assert_eq!(r["entity"]["statutory_body"], "congress", "{r}");
    // The Conseil National is an instance: named as an organ, it is refused.
    let council = |kind: &str| {
        format!(
            r#"name: "Conseil National", kind: {kind}, level: NATIONAL, convenedByBodyId: "{ben}", statutoryBody: NATIONAL_COUNCIL"#
        )
    };
    let before = head(a, &aud);
    assert_eq!(
        refused(a, &sec, "establishBody", &council("ORGAN")),
        "STATUTORY_BODY_MISMATCH"
    );
    assert_eq!(head(a, &aud), before);
    let council = ok(a, &sec, "establishBody", &council("INSTANCE"))["entityId"]
        .as_str()
        .unwrap()
        .to_owned();
    // Its membership is designated: no seat held, no one called to sit.
    let seat = ok(
        a,
        &sec,
        "definePost",
        &format!(r#"bodyId: "{council}", title: "Membre", seats: 3"#),
    )["entityId"]
        .as_str()
        .unwrap()
        .to_owned();
    for (n, m) in congress.members.iter().enumerate() {
        ok(
            a,
            &sec,
            "electOfficer",
            &format!(
                r#"bodyId: "{council}", postId: "{seat}", memberId: "{m}", holderName: "Maire {n}", startsOn: "2024-01-10""#
            ),
        );
    }
    // Two of the three holders sit: at least two thirds, so quorum.
    let r = ok(
        a,
        &sec,
        "conveneSession",
        &format!(
            r#"bodyId: "{council}", convenedByBodyId: "{ben}", kind: ORDINARY, convenedOn: "2024-02-01", sessionDate: "2024-03-01", place: "Bamako", agenda: ["Budget"]"#
        ),
    );
    let session = r["entityId"].as_str().unwrap().to_owned();
    let (yes, no) = (&congress.members[0], &congress.members[1]);
    for m in [yes, no] {
        ok(
            a,
            &sec,
            "recordAttendance",
            &format!(r#"sessionId: "{session}", memberId: "{m}", delegateName: "Maire""#),
        );
    }
    let r = ok(
        a,
        &sec,
        "openSession",
        &format!(r#"sessionId: "{session}", openedAt: "2024-03-01T10:00:00Z""#),
    );
    check_written(&r, "QuorumReached");
    let r = ok(
        a,
        &sec,
        "tableMotion",
        &format!(
            r#"sessionId: "{session}", agendaItem: 0, kind: ORDINARY, title: "Budget", text: "Le Conseil adopte le budget.""#
        ),
    );
    let motion = r["entityId"].as_str().unwrap().to_owned();
    for (m, choice) in [(yes, "FOR"), (no, "AGAINST")] {
        ok(
            a,
            &sec,
            "recordVote",
            &format!(
                r#"sessionId: "{session}", motionId: "{motion}", memberId: "{m}", choice: {choice}"#
            ),
        );
    }
    // One for, one against: the council's statutes give the chair the
    // casting vote, which closing the vote must record.
    let close = |casting: &str| format!(r#"sessionId: "{session}", motionId: "{motion}"{casting}"#);
    let before = head(a, &aud);
    assert_eq!(
        refused(a, &sec, "closeVote", &close("")),
        "CASTING_VOTE_REQUIRED"
    );
    assert_eq!(
        refused(a, &sec, "closeVote", &close(", castingVote: ABSTAIN")),
        "CASTING_VOTE_REQUIRED"
    );
    assert_eq!(head(a, &aud), before);
    let r = ok(a, &sec, "closeVote", &close(", castingVote: FOR"));
    check_written(&r, "MotionAdopted");
    let v = graphql(a, &aud, &format!(
        r#"{{ motion(id: "{motion}") {{ result decision {{ base castingVote rule {{ comparison base tie share {{ numerator denominator }} }} }} }} }}"#
    ))
    .json();
    let d = &v["data"]["motion"]["decision"];
    assert_eq!(v["data"]["motion"]["result"], "ADOPTED", "{v}");
    assert_eq!(d["castingVote"], "FOR", "{v}");
    assert_eq!(d["base"], 2, "{v}");
    assert_eq!(d["rule"]["tie"], "CHAIR_CASTING_VOTE", "{v}");
    assert_eq!(d["rule"]["base"], "VOTES_CAST", "{v}");
    drop(server);
}
