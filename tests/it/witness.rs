//! A witness run by a third party: it cosigns the server's checkpoints,
//! the server keeps and exports the cosignatures, and an auditor holding
//! the witness's checkpoint catches a log rolled back behind the
//! operator's own records.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{Server, create_token, out, run, scratch, sqlite_url};

fn audit_dir(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}.audit", db.display()))
}

struct Witness {
    key: PathBuf,
    vkey: String,
    state: PathBuf,
}

impl Witness {
    fn new(dir: &Path) -> Witness {
        let key = dir.join("temoin.key");
        let o = run(&[
            "witness",
            "key",
            "--name",
            "ministere.example/temoin",
            "--out",
            key.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", out(&o));
        Witness {
            key,
            vkey: String::from_utf8(o.stdout).unwrap().trim().to_string(),
            state: dir.join("temoin"),
        }
    }

    /// One round against `server`, with the log key the witness keeps.
    fn round(&self, server: &Server, log_key: &Path, token: &str) -> Output {
        run(&[
            "witness",
            "run",
            "--once",
            "--server",
            &format!("http://{}", server.addr),
            "--log-key",
            log_key.to_str().unwrap(),
            "--key",
            self.key.to_str().unwrap(),
            "--state",
            self.state.to_str().unwrap(),
            "--token",
            token,
        ])
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() != "lock" {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn a_witness_cosigns_the_log_and_catches_it_rolled_back() {
    // given a store with a few events, served, and a witness the operator trusts
    let dir = scratch();
    let db = dir.path().join("registre.db");
    let token = create_token(&db, "auditor", "ministere");
    let witness = Witness::new(dir.path());
    assert!(witness.vkey.starts_with("ministere.example/temoin+"));
    let server = Server::start(&db);
    // The witness keeps its own copy of the log's public key.
    let log_key = dir.path().join("log.pub");
    std::fs::copy(audit_dir(&db).join("audit.pub"), &log_key).unwrap();

    // when the operator has not listed the witness, its cosignature is refused
    let o = witness.round(&server, &log_key, &token);
    assert!(o.status.success(), "{}", out(&o));
    assert!(
        out(&o).contains("did not take the cosignature"),
        "{}",
        out(&o)
    );
    assert!(out(&o).contains("UNKNOWN_WITNESS"), "{}", out(&o));

    // when it is listed, the server keeps the cosignature and serves it
    std::fs::write(
        audit_dir(&db).join("witnesses"),
        format!("{}\n", witness.vkey),
    )
    .unwrap();
    let o = witness.round(&server, &log_key, &token);
    assert!(
        out(&o).contains("the server keeps the cosignature"),
        "{}",
        out(&o)
    );
    let auth = format!("Bearer {token}");
    let checkpoint = crate::support::http(
        server.addr,
        "GET",
        "/audit/checkpoint",
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(checkpoint.status, 200);
    assert!(
        checkpoint
            .body
            .contains("\n\u{2014} ministere.example/temoin "),
        "{}",
        checkpoint.body
    );
    // without a token, nothing is served
    let refused = crate::support::http(server.addr, "GET", "/audit/checkpoint", &[], b"");
    assert_eq!(refused.status, 401);
    assert!(refused.body.contains("UNAUTHENTICATED"));
    assert!(server.stop().success());

    // The operator's files at this point, to roll back to later.
    let old = dir.path().join("old");
    std::fs::create_dir(&old).unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{suffix}", db.display()));
        if from.exists() {
            std::fs::copy(&from, old.join(format!("registre.db{suffix}"))).unwrap();
        }
    }
    copy_dir(&audit_dir(&db), &audit_dir(&old.join("registre.db")));

    // when the log grows, the witness checks the new head extends the old one
    create_token(&db, "dashboard", "tableau-1");
    create_token(&db, "dashboard", "tableau-2");
    let server = Server::start(&db);
    let o = witness.round(&server, &log_key, &token);
    assert!(o.status.success(), "{}", out(&o));
    let cosigned_size = |o: &Output| {
        let text = out(o);
        let at = text.find("cosigned the tree of ").expect("a cosigned size") + 21;
        text[at..]
            .split(' ')
            .next()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    let witnessed = cosigned_size(&o);
    assert!(witnessed >= 3, "{}", out(&o));
    // a log that has not grown is not cosigned again: the server keeps one
    // cosignature per witness and head
    let kept_lines = || {
        std::fs::read_to_string(audit_dir(&db).join("cosignatures.jsonl"))
            .unwrap()
            .lines()
            .count()
    };
    let before = kept_lines();
    let o = witness.round(&server, &log_key, &token);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("has not grown"), "{}", out(&o));
    assert_eq!(kept_lines(), before);
    assert!(server.stop().success());

    // then an export carries the cosignatures and verifies with the witness's key
    let export = dir.path().join("log.jsonl");
    let o = run(&[
        "export",
        "log",
        "--store",
        &sqlite_url(&db),
        "--out",
        export.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", out(&o));
    let verify_export = |file: &Path| {
        run(&[
            "verify",
            "--export",
            file.to_str().unwrap(),
            "--key",
            log_key.to_str().unwrap(),
            "--witness-key",
            &witness.vkey,
        ])
    };
    let o = verify_export(&export);
    assert!(o.status.success(), "{}", out(&o));
    assert!(
        out(&o).contains(&format!(
            "witness ministere.example/temoin: cosigned the tree of {witnessed} events on 20"
        )),
        "{}",
        out(&o)
    );
    // and an export that lost its cosignatures does not satisfy the witness requirement
    let stripped: String = std::fs::read_to_string(&export)
        .unwrap()
        .lines()
        .filter(|l| !l.contains("\"type\":\"cosignature\""))
        .map(|l| format!("{l}\n"))
        .collect();
    let stripped_path = dir.path().join("stripped.jsonl");
    std::fs::write(&stripped_path, stripped).unwrap();
    let o = verify_export(&stripped_path);
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));

    // and the independent verifier, from the specification alone, agrees on both
    if crate::independent_verifier::python() {
        let python = |file: &Path| {
            std::process::Command::new("python3")
                .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("verifier/registre_verify.py"))
                .arg(file)
                .arg("--key")
                .arg(&log_key)
                .args(["--witness", &witness.vkey])
                .output()
                .expect("run python3")
        };
        let o = python(&export);
        assert!(o.status.success(), "{}", out(&o));
        assert_eq!(python(&stripped_path).status.code(), Some(3));
    }

    // then the store holds what the witness saw
    let kept = witness.state.join("checkpoint");
    let verify_store = |db: &Path| {
        run(&[
            "verify",
            "--store",
            &sqlite_url(db),
            "--key",
            log_key.to_str().unwrap(),
            "--checkpoint",
            kept.to_str().unwrap(),
            "--witness-key",
            &witness.vkey,
        ])
    };
    let o = verify_store(&db);
    assert!(o.status.success(), "{}", out(&o));
    assert!(
        out(&o).contains("witnessed: the log holds the tree of"),
        "{}",
        out(&o)
    );
    // a checkpoint without a witness's key to check it is only the operator's word
    let o = run(&[
        "verify",
        "--store",
        &sqlite_url(&db),
        "--key",
        log_key.to_str().unwrap(),
        "--checkpoint",
        kept.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        out(&o).contains("--checkpoint needs --witness-key"),
        "{}",
        out(&o)
    );

    // given the operator rolled the store and its audit files back to the old copy
    let rolled_back = old.join("registre.db");
    // then the operator's own records agree with each other...
    let o = run(&["verify", "--store", &sqlite_url(&rolled_back)]);
    assert!(o.status.success(), "{}", out(&o));
    // ...but the witness's checkpoint shows events were removed
    let o = verify_store(&rolled_back);
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    assert!(
        out(&o).contains("events it saw were removed"),
        "{}",
        out(&o)
    );

    // and the witness itself refuses the rolled-back server, keeping the evidence
    let server = Server::start(&rolled_back);
    let o = witness.round(&server, &log_key, &token);
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    assert!(out(&o).contains("rollback"), "{}", out(&o));
    let evidence = std::fs::read_dir(&witness.state)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("evidence-"))
        .count();
    assert_eq!(evidence, 1);
    drop(server);
}
