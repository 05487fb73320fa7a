//! Auditors receive stores on read-only media: `verify`, `log`, `replay`
//! and `token list` must read a store closed cleanly there, and refuse
//! clearly, in French, one whose WAL cannot be read without writing.
//!
//! Root ignores permission bits, so `chmod a-w` proves nothing when the
//! tests run as root (as in CI): each command runs in a mount namespace of
//! its own (`unshare -m`) where the store's directory is bind-mounted
//! read-only, which refuses writes to root too. Without `unshare` or the
//! right to mount, the tests say so and skip.

use std::path::Path;
use std::process::{Command, Output};

use registre_service::store::sqlite::SqliteStore;
use registre_service::store::{EventStore, ExpectedState};

use crate::support::{by_system, create_token, event_now, registre, scratch, sqlite_url};

/// Runs `registre ARGS --store sqlite:DB` with `dir` mounted read-only.
fn run_read_only(dir: &Path, db: &Path, args: &[&str]) -> Output {
    let script = r#"dir="$1"; shift; mount --bind "$dir" "$dir" && mount -o remount,ro,bind "$dir" && exec "$@""#;
    Command::new("unshare")
        .args(["-m", "sh", "-c", script, "sh"])
        .arg(dir)
        .arg(env!("CARGO_BIN_EXE_registre"))
        .args(args)
        .args(["--store", &sqlite_url(db)])
        .env_remove("REGISTRE_STORE")
        .env_remove("REGISTRE_CONFIG")
        .env_remove("REGISTRE_AUDIT_DIR")
        .env_remove("REGISTRE_STATE_DIR")
        .env("REGISTRE_LOG", "warn")
        .output()
        .expect("run unshare")
}

/// Whether a read-only bind mount can be made here and refuses writes,
/// even to root; if not, why.
fn read_only_mounts(dir: &Path) -> Result<(), String> {
    let o = Command::new("unshare")
        .args([
            "-m",
            "sh",
            "-c",
            r#"mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && ! touch "$1/probe""#,
            "sh",
        ])
        .arg(dir)
        .output()
        .map_err(|e| format!("unshare cannot run: {e}"))?;
    if !o.status.success() {
        return Err(format!(
            "no read-only bind mount (needs root and CAP_SYS_ADMIN): {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ));
    }
    assert!(
        !dir.join("probe").exists(),
        "the read-only mount let a write through"
    );
    Ok(())
}

fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A demo store with a token and a signed head, in `dir`.
fn demo_store(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("registre.db");
    let url = sqlite_url(&db);
    for args in [
        &["demo", "--communes", "30", "--years", "2"][..],
        &["audit", "sign"][..],
    ] {
        if args[0] == "audit" {
            create_token(&db, "auditor", "cour-des-comptes");
        }
        let o = registre()
            .args(args)
            .args(["--store", &url])
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {}", text(&o));
    }
    db
}

fn wal(db: &Path) -> std::path::PathBuf {
    std::path::PathBuf::from(format!("{}-wal", db.display()))
}

#[test]
fn a_store_closed_cleanly_is_read_on_read_only_media() {
    let dir = scratch();
    if let Err(why) = read_only_mounts(dir.path()) {
        eprintln!("skipped: {why}");
        return;
    }
    let db = demo_store(dir.path());
    // Closed cleanly: its WAL copied into the file and emptied or removed.
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        SqliteStore::open(&db).await.unwrap().close().await.unwrap();
    });
    assert!(std::fs::metadata(wal(&db)).map_or(true, |m| m.len() == 0));

    let o = run_read_only(dir.path(), &db, &["verify"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("tree size: 1898"), "{}", text(&o));
    let o = run_read_only(dir.path(), &db, &["log", "--limit", "3"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 3);
    let o = run_read_only(dir.path(), &db, &["replay"]);
    assert!(o.status.success(), "{}", text(&o));
    // Each read model's digest (the first line says how fast).
    let digests = |o: &Output| -> Vec<String> {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .skip(1)
            .map(str::to_owned)
            .collect()
    };
    let read_only_digests = digests(&o);
    assert_eq!(read_only_digests.len(), 9, "{}", text(&o));
    let o = run_read_only(dir.path(), &db, &["token", "list"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("cour-des-comptes"), "{}", text(&o));

    // The same read models as on writable media.
    let o = registre()
        .args(["replay", "--store", &sqlite_url(&db)])
        .output()
        .unwrap();
    assert_eq!(digests(&o), read_only_digests);
}

#[test]
fn a_store_whose_wal_cannot_be_read_on_read_only_media_is_refused_in_french() {
    let dir = scratch();
    let media = dir.path().join("media");
    std::fs::create_dir(&media).unwrap();
    if let Err(why) = read_only_mounts(&media) {
        eprintln!("skipped: {why}");
        return;
    }
    let db = demo_store(dir.path());
    // A store still open, its WAL holding its last commit, copied to the
    // media without its `-shm`. (Forgotten, the store is never closed,
    // so its WAL is not emptied while it is copied.)
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = SqliteStore::open(&db).await.unwrap();
        store
            .append(by_system(
                "probe-1",
                ExpectedState::Any,
                vec![event_now("ProbeRecorded", serde_json::json!({}))],
            ))
            .await
            .unwrap();
        std::mem::forget(store);
    });
    let copy = media.join("registre.db");
    std::fs::copy(&db, &copy).unwrap();
    std::fs::copy(wal(&db), wal(&copy)).unwrap();
    assert!(std::fs::metadata(wal(&copy)).is_ok_and(|m| m.len() > 0));

    for args in [&["verify"][..], &["log"], &["replay"], &["token", "list"]] {
        let o = run_read_only(&media, &copy, args);
        assert!(!o.status.success(), "{args:?}: {}", text(&o));
        assert!(
            text(&o).contains("n'a pas été fermé proprement"),
            "{args:?}: {}",
            text(&o)
        );
    }
}
