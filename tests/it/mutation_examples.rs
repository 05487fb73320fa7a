//! One example of each mutation, valid as GraphQL (the domain may refuse
//! it): the roles matrix runs them, the HTTP tests refuse them.

/// `(field, operation)` for every mutation.
pub const MUTATIONS: &[(&str, &str)] = &[
    (
        "admitCommune",
        r#"mutation { admitCommune(unit: {scheme: "ocha-pcode", edition: "2015", code: "ML010101"}, duesCategory: "urbaine", admittedOn: "2020-01-15", deliberationRef: "D1", decisionRef: "B1") { commandId events { position } } }"#,
    ),
    (
        "suspendMember",
        r#"mutation { suspendMember(memberId: "00000000-0000-0000-0000-000000000001", effectiveOn: "2024-01-01", reason: "r") { commandId events { position } } }"#,
    ),
    (
        "reinstateMember",
        r#"mutation { reinstateMember(memberId: "00000000-0000-0000-0000-000000000001", effectiveOn: "2024-01-01", reason: "r") { commandId events { position } } }"#,
    ),
    (
        "withdrawMember",
        r#"mutation { withdrawMember(memberId: "00000000-0000-0000-0000-000000000001", effectiveOn: "2024-01-01", reason: "r") { commandId events { position } } }"#,
    ),
    (
        "excludeMember",
        r#"mutation { excludeMember(memberId: "00000000-0000-0000-0000-000000000001", effectiveOn: "2024-01-01", reason: "r", decidedByBodyId: "00000000-0000-0000-0000-000000000001", hearingNotifiedOn: "2023-12-01", motionId: "00000000-0000-0000-0000-000000000002") { commandId events { position } } }"#,
    ),
    (
        "recordSuccession",
        r#"mutation { recordSuccession(memberId: "00000000-0000-0000-0000-000000000001", successorUnit: {scheme: "ocha-pcode", edition: "2015", code: "ML010101"}, successorName: "n", duesCategory: "rurale", effectiveOn: "2024-01-01", inheritsDues: true) { commandId events { position } } }"#,
    ),
    (
        "recordPayment",
        r#"mutation { recordPayment(memberId: "00000000-0000-0000-0000-000000000001", year: 2024, amountXof: 1000, paidOn: "2024-02-01", receiptRef: "R1") { commandId events { position } } }"#,
    ),
    (
        "reversePayment",
        r#"mutation { reversePayment(memberId: "00000000-0000-0000-0000-000000000001", receiptRef: "R1", reversedOn: "2024-03-01", reason: "chèque sans provision") { commandId events { position } } }"#,
    ),
    (
        "recordContacts",
        r#"mutation { recordContacts(memberId: "00000000-0000-0000-0000-000000000001", mayor: "Fatoumata Coulibaly", phones: ["+223 20 22 33 44"], email: "mairie@kayes.ml", postalAddress: "BP 12, Kayes") { commandId events { position } } }"#,
    ),
    (
        "setDuesSchedule",
        r#"mutation { setDuesSchedule(year: 2024, tiers: [{category: "rurale", amountXof: 50000}], dueOn: "2024-03-31") { commandId events { position } } }"#,
    ),
    (
        "adoptStatutes",
        r#"mutation { adoptStatutes(statutes: {effectiveFrom: "2001-02-01"}, reference: "Statuts") { commandId events { position } } }"#,
    ),
    (
        "amendStatutes",
        r#"mutation { amendStatutes(statutes: {effectiveFrom: "2025-01-01"}, reference: "Révision", motionId: "00000000-0000-0000-0000-000000000002") { commandId events { position } } }"#,
    ),
    (
        "establishBody",
        r#"mutation { establishBody(name: "Congrès", kind: INSTANCE, level: NATIONAL) { commandId events { position } } }"#,
    ),
    (
        "nameStatutoryBody",
        r#"mutation { nameStatutoryBody(bodyId: "00000000-0000-0000-0000-000000000001", statutoryBody: CONGRESS) { commandId events { position } } }"#,
    ),
    (
        "definePost",
        r#"mutation { definePost(bodyId: "00000000-0000-0000-0000-000000000001", title: "Président", seats: 1) { commandId events { position } } }"#,
    ),
    (
        "electOfficer",
        r#"mutation { electOfficer(bodyId: "00000000-0000-0000-0000-000000000001", postId: "00000000-0000-0000-0000-000000000001", memberId: "00000000-0000-0000-0000-000000000001", holderName: "n", startsOn: "2024-03-01") { commandId events { position } } }"#,
    ),
    (
        "recordReorganisation",
        r#"mutation { recordReorganisation(kind: SPLIT, effectiveFrom: "2023-01-01", predecessors: [{scheme: "ocha-pcode", edition: "2015", code: "ML01"}], successors: [{scheme: "ocha-pcode", edition: "2023", code: "ML11"}], legalReference: "Loi n° 2023-001") { commandId events { position } } }"#,
    ),
    (
        "openElection",
        r#"mutation { openElection(bodyId: "00000000-0000-0000-0000-000000000001", postId: "00000000-0000-0000-0000-000000000001", sessionId: "00000000-0000-0000-0000-000000000001", seats: 1) { commandId events { position } } }"#,
    ),
    (
        "fileCandidacy",
        r#"mutation { fileCandidacy(bodyId: "00000000-0000-0000-0000-000000000001", electionId: "00000000-0000-0000-0000-000000000001", memberId: "00000000-0000-0000-0000-000000000001", holderName: "n") { commandId events { position } } }"#,
    ),
    (
        "countElectionRound",
        r#"mutation { countElectionRound(bodyId: "00000000-0000-0000-0000-000000000001", electionId: "00000000-0000-0000-0000-000000000001", ballots: 10, votes: [{memberId: "00000000-0000-0000-0000-000000000001", votes: 6}]) { commandId events { position } } }"#,
    ),
    (
        "endMandate",
        r#"mutation { endMandate(bodyId: "00000000-0000-0000-0000-000000000001", postId: "00000000-0000-0000-0000-000000000001", mandateId: "00000000-0000-0000-0000-000000000001", endedOn: "2024-09-01", reason: RESIGNATION) { commandId events { position } } }"#,
    ),
    (
        "conveneSession",
        r#"mutation { conveneSession(bodyId: "00000000-0000-0000-0000-000000000001", convenedByBodyId: "00000000-0000-0000-0000-000000000001", kind: ORDINARY, convenedOn: "2024-02-01", sessionDate: "2024-03-01", place: "Bamako", agenda: ["Rapport"]) { commandId events { position } } }"#,
    ),
    (
        "recordAttendance",
        r#"mutation { recordAttendance(sessionId: "00000000-0000-0000-0000-000000000001", memberId: "00000000-0000-0000-0000-000000000001", delegateName: "n") { commandId events { position } } }"#,
    ),
    (
        "registerProxy",
        r#"mutation { registerProxy(sessionId: "00000000-0000-0000-0000-000000000001", grantorMemberId: "00000000-0000-0000-0000-000000000001", holderMemberId: "00000000-0000-0000-0000-000000000001") { commandId events { position } } }"#,
    ),
    (
        "openSession",
        r#"mutation { openSession(sessionId: "00000000-0000-0000-0000-000000000001", openedAt: "2024-03-01T10:00:00Z") { commandId events { position } } }"#,
    ),
    (
        "tableMotion",
        r#"mutation { tableMotion(sessionId: "00000000-0000-0000-0000-000000000001", agendaItem: 0, kind: ORDINARY, title: "t", text: "x") { commandId events { position } } }"#,
    ),
    (
        "recordVote",
        r#"mutation { recordVote(sessionId: "00000000-0000-0000-0000-000000000001", motionId: "00000000-0000-0000-0000-000000000001", memberId: "00000000-0000-0000-0000-000000000001", choice: FOR) { commandId events { position } } }"#,
    ),
    (
        "closeVote",
        r#"mutation { closeVote(sessionId: "00000000-0000-0000-0000-000000000001", motionId: "00000000-0000-0000-0000-000000000001") { commandId events { position } } }"#,
    ),
    (
        "closeSession",
        r#"mutation { closeSession(sessionId: "00000000-0000-0000-0000-000000000001", closedAt: "2024-03-01T18:00:00Z") { commandId events { position } } }"#,
    ),
    (
        "adjournSession",
        r#"mutation { adjournSession(sessionId: "00000000-0000-0000-0000-000000000001", reason: "r") { commandId events { position } } }"#,
    ),
    (
        "draftMinutes",
        r#"mutation { draftMinutes(sessionId: "00000000-0000-0000-0000-000000000001", sha256: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", documentRef: "PV1", draftedOn: "2024-03-08") { commandId events { position } } }"#,
    ),
    (
        "adoptMinutes",
        r#"mutation { adoptMinutes(minutesId: "00000000-0000-0000-0000-000000000001", adoptedInSessionId: "00000000-0000-0000-0000-000000000001", adoptedOn: "2024-06-25", sha256: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") { commandId events { position } } }"#,
    ),
    (
        "signMinutes",
        r#"mutation { signMinutes(minutesId: "00000000-0000-0000-0000-000000000001", signatory: PRESIDENT, signatoryName: "n", signedOn: "2024-03-12") { commandId events { position } } }"#,
    ),
    (
        "correctRecord",
        r#"mutation { correctRecord(correctedEventId: "00000000-0000-0000-0000-000000000001", correctedStreamId: "member-x", reason: "r", correction: "c") { commandId events { position } } }"#,
    ),
];

pub fn example(field: &str) -> Option<&'static str> {
    MUTATIONS.iter().find(|(f, _)| *f == field).map(|(_, q)| *q)
}
