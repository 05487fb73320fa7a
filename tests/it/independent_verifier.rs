//! The independent verifier (`verifier/registre_verify.py`, written from
//! `docs/audit-spec.md` and sharing no code with registre) and `registre
//! verify --export` agree on the demo history's export: both accept it
//! with the same size, root and latest head, and both refuse each tampered
//! copy, each for its reason. The verifier also reproduces every committed
//! test vector.
//!
//! Without python3 and its `cryptography` module these tests are skipped,
//! except on CI (`CI=true`), where `.ci/run` installs the module and a
//! missing one fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use registre_audit::event_line;
use registre_schema::RecordedEvent;

use crate::support::{demo, registre, scratch, sqlite_url};

const TAMPERED: i32 = 3;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Whether python3 and `cryptography` are there, or says why not.
pub(crate) fn python() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("CI").is_err(),
            "python3 and its cryptography module are required on CI (.ci/run installs it)"
        );
        eprintln!("skipped: no python3 with the cryptography module");
    }
    ok
}

fn python_verify(args: &[&Path]) -> Output {
    Command::new("python3")
        .arg(root().join("verifier/registre_verify.py"))
        .args(args)
        .output()
        .expect("run python3")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The lines of `out` that both verifiers print about an intact export.
fn summary(out: &str) -> Vec<&str> {
    out.lines()
        .filter(|l| {
            l.starts_with("tree size: ")
                || l.starts_with("root: ")
                || l.starts_with("latest signed head: ")
        })
        .collect()
}

/// The demo history, signed and exported; returns the export and the
/// public key file.
fn demo_export(dir: &Path) -> (PathBuf, PathBuf) {
    let db = dir.join("registre.db");
    demo(&db, "6", "2");
    for args in [
        vec!["audit", "sign"],
        vec![
            "export",
            "log",
            "--out",
            dir.join("log.jsonl").to_str().unwrap(),
        ],
    ] {
        let o = registre()
            .args(&args)
            .args(["--store", &sqlite_url(&db)])
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {:?}", text(&o));
    }
    let key = PathBuf::from(format!("{}.audit", db.display())).join("audit.pub");
    (dir.join("log.jsonl"), key)
}

fn registre_verify(export: &Path, key: &Path) -> Output {
    registre()
        .args(["verify", "--export"])
        .arg(export)
        .arg("--key")
        .arg(key)
        .output()
        .unwrap()
}

fn is_event(line: &str) -> bool {
    line.contains(r#""type":"event"}"#)
}

#[test]
fn both_verifiers_accept_the_demo_export_and_print_the_same_tree() {
    if !python() {
        return;
    }
    // Given the demo history's export and its public key
    let dir = scratch();
    let (export, key) = demo_export(dir.path());
    // When registre and the independent verifier check it
    let ours = registre_verify(&export, &key);
    let theirs = python_verify(&[&export, Path::new("--key"), &key]);
    // Then both accept it, with the same size, root and latest head
    let (ours_out, ours_err) = text(&ours);
    let (theirs_out, theirs_err) = text(&theirs);
    assert!(ours.status.success(), "{ours_out}\n{ours_err}");
    assert!(theirs.status.success(), "{theirs_out}\n{theirs_err}");
    assert_eq!(summary(&ours_out).len(), 3, "{ours_out}");
    assert_eq!(summary(&ours_out), summary(&theirs_out));
    // and the verifier counted as many events as the tree has leaves
    let events = std::fs::read_to_string(&export)
        .unwrap()
        .lines()
        .filter(|l| is_event(l))
        .count();
    assert!(events > 10, "the demo export holds {events} events");
    assert!(
        theirs_out.contains(&format!("events: {events}\n")),
        "{theirs_out}"
    );
    assert!(
        ours_out.contains(&format!("tree size: {events}\n")),
        "{ours_out}"
    );
}

#[test]
fn both_verifiers_refuse_each_tampered_copy_for_its_reason() {
    if !python() {
        return;
    }
    // Given the demo history's export
    let dir = scratch();
    let (export, key) = demo_export(dir.path());
    let body = std::fs::read_to_string(&export).unwrap();
    let lines: Vec<String> = body.lines().map(String::from).collect();
    let events: Vec<usize> = (0..lines.len()).filter(|&i| is_event(&lines[i])).collect();
    let middle = events[events.len() / 2];
    assert!(lines.last().unwrap().contains(r#""type":"tree_head""#));

    let payload_digit_changed = {
        let line = &lines[middle];
        let start = line.find(r#""payload":"#).unwrap();
        let at = start + line[start..].find(|c: char| c.is_ascii_digit()).unwrap();
        let mut bytes = line.clone().into_bytes();
        bytes[at] = if bytes[at] == b'9' {
            b'8'
        } else {
            bytes[at] + 1
        };
        String::from_utf8(bytes).unwrap()
    };
    let head_root_altered = {
        let line = lines.last().unwrap();
        let at = line.find(r#""root_hash":""#).unwrap() + 13;
        let mut bytes = line.clone().into_bytes();
        bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
        String::from_utf8(bytes).unwrap()
    };
    let appended_event = {
        let last: serde_json::Value =
            serde_json::from_str(&lines[*events.last().unwrap()]).unwrap();
        let mut e: RecordedEvent = serde_json::from_value(last["event"].clone()).unwrap();
        e.position += 1;
        event_line(&e).unwrap()
    };
    type Edit = Box<dyn Fn(&mut Vec<String>)>;
    let cases: Vec<(&str, Edit, &str, &str)> = vec![
        (
            "a payload byte changed",
            Box::new(move |l| l[middle] = payload_digit_changed.clone()),
            "is not the event first recorded there",
            "[altered]",
        ),
        (
            "an event line deleted",
            Box::new(move |l| {
                l.remove(middle);
            }),
            "is missing (deleted)",
            "[sequence]",
        ),
        (
            "two event lines swapped",
            Box::new(move |l| l.swap(middle, middle + 1)),
            "out of place (swapped or moved)",
            "[sequence]",
        ),
        (
            "the last head's root altered",
            Box::new(move |l| *l.last_mut().unwrap() = head_root_altered.clone()),
            "has an invalid signature",
            "[bad_signature]",
        ),
        (
            "the last head removed",
            Box::new(|l| {
                l.pop();
            }),
            "not sealed",
            "[not_sealed]",
        ),
        (
            "an event appended after the last head",
            Box::new(move |l| l.push(appended_event.clone())),
            "not sealed",
            "[not_sealed]",
        ),
        (
            "an event line given twice",
            Box::new(move |l| {
                let copy = l[middle].clone();
                l.insert(middle + 1, copy);
            }),
            "stands a second time",
            "[sequence]",
        ),
    ];
    assert!(is_event(&lines[middle + 1]));
    for (about, edit, ours_says, theirs_says) in cases {
        // When a copy is tampered with
        let mut copy = lines.clone();
        edit(&mut copy);
        let file = dir.path().join("tampered.jsonl");
        std::fs::write(&file, copy.join("\n") + "\n").unwrap();
        // Then registre and the independent verifier both refuse it, each
        // naming the reason
        let ours = registre_verify(&file, &key);
        let theirs = python_verify(&[&file, Path::new("--key"), &key]);
        let (_, ours_err) = text(&ours);
        let (_, theirs_err) = text(&theirs);
        assert_eq!(ours.status.code(), Some(TAMPERED), "{about}: {ours_err}");
        assert!(ours_err.contains(ours_says), "{about}: {ours_err}");
        assert_eq!(
            theirs.status.code(),
            Some(TAMPERED),
            "{about}: {theirs_err}"
        );
        assert!(theirs_err.contains(theirs_says), "{about}: {theirs_err}");
    }
}

#[test]
fn the_independent_verifier_reproduces_every_committed_vector() {
    if !python() {
        return;
    }
    // Given the committed vectors, when the verifier checks them, then all agree
    let o = python_verify(&[Path::new("--vectors"), &root().join("docs/audit-vectors")]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(
        out.contains("agree with the registre audit trail, version 1"),
        "{out}"
    );
}
