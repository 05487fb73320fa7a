//! Elections through the API, against the real server: the Congrès in
//! session elects the bureau's president in two rounds, and the result
//! gives the mandate.

use crate::graphql_mutations::{Congress, check_written, founded, ok, refused};
use crate::support::{graphql, scratch};

/// The types of the events a mutation appended, in order.
fn types(r: &serde_json::Value) -> Vec<&str> {
    r["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect()
}

#[test]
fn the_congress_elects_the_bureaus_president_in_two_rounds_and_the_result_gives_the_mandate() {
    let dir = scratch();
    let (server, sec, _) = founded(&dir.path().join("r.db"));
    let a = server.addr;
    let c = Congress::establish(a, &sec);
    let ben = c.ben.clone();
    let r = ok(
        a,
        &sec,
        "definePost",
        &format!(r#"bodyId: "{ben}", title: "Président", seats: 1"#),
    );
    let president = r["entityId"].as_str().unwrap().to_owned();

    // No election outside a session in progress.
    let unknown = uuid::Uuid::now_v7();
    let open = |session: &str| {
        format!(r#"bodyId: "{ben}", postId: "{president}", sessionId: "{session}", seats: 1"#)
    };
    assert_eq!(
        refused(a, &sec, "openElection", &open(&unknown.to_string())),
        "UNKNOWN_SESSION"
    );
    let session = c.sits(a, &sec, "2024-03-01");
    // The Congrès adopts the election motion the election carries out; a
    // motion of another kind may not be cited.
    let table = |kind: &str| {
        let r = ok(
            a,
            &sec,
            "tableMotion",
            &format!(
                r#"sessionId: "{session}", agendaItem: 0, kind: {kind}, title: "Élection du bureau", text: "Le Congrès élit son bureau.""#
            ),
        );
        r["entityId"].as_str().unwrap().to_owned()
    };
    let (election_motion, other) = (table("ELECTION"), table("ORDINARY"));
    for motion in [&election_motion, &other] {
        for m in &c.members {
            ok(
                a,
                &sec,
                "recordVote",
                &format!(
                    r#"sessionId: "{session}", motionId: "{motion}", memberId: "{m}", choice: FOR"#
                ),
            );
        }
        let r = ok(
            a,
            &sec,
            "closeVote",
            &format!(r#"sessionId: "{session}", motionId: "{motion}""#),
        );
        check_written(&r, "MotionAdopted");
    }
    let citing = |motion: &str| format!(r#"{}, motionId: "{motion}""#, open(&session));
    assert_eq!(
        refused(a, &sec, "openElection", &citing(&other)),
        "MOTION_OF_ANOTHER_KIND"
    );
    let r = ok(a, &sec, "openElection", &citing(&election_motion));
    check_written(&r, "ElectionOpened");
    let election = r["entityId"].as_str().unwrap().to_owned();

    for (m, name) in c.members.iter().zip(["Maire A", "Maire B", "Maire C"]) {
        let r = ok(
            a,
            &sec,
            "fileCandidacy",
            &format!(
                r#"bodyId: "{ben}", electionId: "{election}", memberId: "{m}", holderName: "{name}""#
            ),
        );
        check_written(&r, "CandidacyFiled");
    }
    let round = |votes: [u32; 3]| {
        let votes: Vec<String> = c
            .members
            .iter()
            .zip(votes)
            .map(|(m, v)| format!(r#"{{memberId: "{m}", votes: {v}}}"#))
            .collect();
        format!(
            r#"bodyId: "{ben}", electionId: "{election}", ballots: 3, votes: [{}]"#,
            votes.join(", ")
        )
    };
    // Three ballots cannot be more than the three members present.
    assert_eq!(
        refused(
            a,
            &sec,
            "countElectionRound",
            &format!(
                r#"bodyId: "{ben}", electionId: "{election}", ballots: 3, blank: 1, votes: []"#
            )
        ),
        "TOO_MANY_BALLOTS"
    );
    // First round: one vote each, no absolute majority, no one elected.
    let r = ok(a, &sec, "countElectionRound", &round([1, 1, 1]));
    assert_eq!(types(&r), ["ElectionRoundCounted"]);
    // Candidacies are closed once a round is counted.
    let late = uuid::Uuid::now_v7();
    assert_eq!(
        refused(
            a,
            &sec,
            "fileCandidacy",
            &format!(
                r#"bodyId: "{ben}", electionId: "{election}", memberId: "{late}", holderName: "Maire D""#
            )
        ),
        "CANDIDACIES_CLOSED"
    );
    // Second round, by a relative majority: the first placed is elected
    // and holds the post from the session's day, in the same append.
    let r = ok(a, &sec, "countElectionRound", &round([2, 1, 0]));
    assert_eq!(
        types(&r),
        ["ElectionRoundCounted", "OfficerElected", "MandateStarted"]
    );
    assert_eq!(
        refused(a, &sec, "countElectionRound", &round([2, 1, 0])),
        "ELECTION_COMPLETE"
    );

    // The body's record shows the election, its rounds and the holder.
    let q = format!(
        r#"{{ body(id: "{ben}") {{ composition(on: "2024-03-02") {{ title holders {{ nodes {{ holderName memberId electedInSessionId }} }} }} elections {{ nodes {{ seats complete heldOn candidates {{ holderName elected }} rounds {{ round majority ballots electedMemberIds votes {{ votes }} }} }} }} }} }}"#
    );
    let v = graphql(a, &sec, &q).json();
    let b = &v["data"]["body"];
    let holders = &b["composition"][0]["holders"]["nodes"];
    assert_eq!(holders[0]["holderName"], "Maire A", "{v}");
    assert_eq!(holders[0]["memberId"], c.members[0].as_str());
    assert_eq!(holders[0]["electedInSessionId"], session.as_str());
    let e = &b["elections"]["nodes"][0];
    assert_eq!(e["complete"], true);
    assert_eq!(e["heldOn"], "2024-03-01");
    assert_eq!(e["rounds"][0]["majority"], "ABSOLUTE");
    assert_eq!(e["rounds"][1]["majority"], "RELATIVE");
    assert_eq!(e["rounds"][0]["electedMemberIds"], serde_json::json!([]));
    assert_eq!(e["rounds"][1]["electedMemberIds"][0], c.members[0].as_str());
    assert_eq!(e["candidates"][0]["elected"], true);
    assert_eq!(e["candidates"][1]["elected"], false);

    // The motion's record shows what it caused: this election.
    let q = format!(
        r#"{{ motion(id: "{election_motion}") {{ effects {{ kind bodyId electionId }} }} }}"#
    );
    let v = graphql(a, &sec, &q).json();
    let effects = &v["data"]["motion"]["effects"];
    assert_eq!(effects[0]["kind"], "ELECTION", "{v}");
    assert_eq!(effects[0]["electionId"], election.as_str());
    assert_eq!(effects[0]["bodyId"], ben.as_str());
    drop(server);
}
