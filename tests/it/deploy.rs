//! What deploy/ passes to the binary: the example settings file parses and
//! the server starts with it, and the container health check command tells
//! a ready server from an absent one.

use std::path::Path;

use crate::support::{Server, registre, run, run_ok, scratch, sqlite_url};

#[test]
fn the_example_settings_file_starts_the_server_and_the_probe_sees_it() {
    let dir = scratch();
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/registre.toml");
    let server = Server::start_with(
        &dir.path().join("registre.db"),
        &["--config", config.to_str().unwrap()],
    );
    run_ok(&["probe", "--addr", &server.addr.to_string()]);

    drop(server);
    let absent = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let probe = run(&["probe", "--addr", &absent.to_string()]);
    assert!(!probe.status.success(), "the probe passed with no server");
}

/// A token created beside a running server is accepted once the server
/// has read it: `probe --token --wait` waits for that, so that a script's
/// next request is not refused.
#[test]
fn the_probe_waits_until_a_new_token_is_accepted_and_refuses_a_wrong_one() {
    let dir = scratch();
    let db = dir.path().join("registre.db");
    let server = Server::start(&db);
    let token = crate::support::create_token(&db, "secretariat", "greffe");
    let addr = server.addr.to_string();
    run_ok(&["probe", "--addr", &addr, "--token", &token, "--wait", "10"]);
    let answer = crate::support::graphql(server.addr, &token, "{ head }");
    assert_eq!(answer.status, 200, "{}", answer.body);
    let probe = run(&[
        "probe", "--addr", &addr, "--token", "reg_faux", "--wait", "0.3",
    ]);
    assert!(!probe.status.success());
    assert!(String::from_utf8_lossy(&probe.stderr).contains("401"));
}

#[test]
fn a_settings_file_with_an_unknown_key_is_refused() {
    let dir = scratch();
    let config = dir.path().join("registre.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:0\"\nstorage = \"x\"\n").unwrap();
    let out = registre()
        .args(["--config", config.to_str().unwrap(), "--store"])
        .arg(sqlite_url(&dir.path().join("r.db")))
        .args(["log"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown field `storage`"), "{err}");
}
