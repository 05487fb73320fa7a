//! What several integration tests share.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use registre_service::store::{AppendRequest, ExpectedState};
use tempfile::TempDir;

/// The store conformance suite, in a module `conformance`, on the stores
/// the calling file's `fresh()` opens, with the suite's test that needs
/// threads of its own.
#[macro_export]
macro_rules! store_conformance {
    () => {
        mod conformance {
            use super::fresh;
            registre_store::conformance_tests!(fresh());

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn retries_in_one_group_are_kept_apart() {
                if let Some(store) = fresh().await {
                    registre_service::store::conformance::retries_in_one_group_are_kept_apart(
                        store,
                    )
                    .await;
                }
            }
        }
    };
}

/// The `registre` binary built for these tests.
pub fn registre() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_registre"));
    cmd.env_remove("REGISTRE_STORE")
        .env_remove("REGISTRE_CONFIG")
        .env_remove("REGISTRE_LISTEN")
        .env_remove("REGISTRE_AUDIT_DIR")
        .env_remove("REGISTRE_STATE_DIR")
        .env_remove("REGISTRE_CREDENTIALS")
        .env_remove("REGISTRE_TOKEN")
        .env("REGISTRE_LOG", "warn");
    cmd
}

/// Runs `registre` with `args` to the end.
pub fn run(args: &[&str]) -> Output {
    registre().args(args).output().expect("run registre")
}

/// Runs a prepared `registre` command to the end; it must succeed, or its
/// arguments and all it printed are shown.
pub fn succeeded(cmd: &mut Command) -> Output {
    let o = cmd.output().expect("run registre");
    assert!(
        o.status.success(),
        "registre {} failed: {}",
        cmd.get_args()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" "),
        out(&o)
    );
    o
}

/// Runs a prepared command whose reader goes away at once (its standard
/// output is closed before it writes): its status and what it said.
pub fn run_with_reader_gone(cmd: &mut Command) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run registre");
    drop(child.stdout.take());
    child.wait_with_output().expect("wait for registre")
}

/// Runs `registre` with `args`, which must succeed: its output.
pub fn run_ok(args: &[&str]) -> Output {
    succeeded(registre().args(args))
}

/// What a run printed, standard output then standard error.
pub fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite:{}", path.display())
}

/// Turns a closed store of format 3 back into format 1 or 2, as an
/// earlier build left it: no stream index of its own, the events' inline
/// `(stream_id, revision)` index, and for format 1 the `streams` table
/// (given one stream, `test-1` at revision 1).
pub fn to_older_format(db: &Path, format: i64) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute_batch(
        "DROP TABLE stream_index;
         DROP TABLE stream_index_state;
         CREATE UNIQUE INDEX events_by_stream ON events (stream_id, revision);",
    )
    .unwrap();
    if format == 1 {
        conn.execute_batch(
            "CREATE TABLE streams (stream_id TEXT PRIMARY KEY, last_revision INTEGER NOT NULL)
                 STRICT, WITHOUT ROWID;
             INSERT INTO streams VALUES ('test-1', 1);",
        )
        .unwrap();
    }
    conn.pragma_update(None, "user_version", format).unwrap();
}

/// A fresh directory for one test's files.
pub fn scratch() -> TempDir {
    tempfile::tempdir().expect("temporary directory")
}

/// Seeds the store a URL names with `registre demo`: `communes` communes
/// over `years` years.
pub fn demo_url(store: &str, communes: &str, years: &str) {
    run_ok(&[
        "demo",
        "--store",
        store,
        "--communes",
        communes,
        "--years",
        years,
    ]);
}

/// The same on the store at `db`.
pub fn demo(db: &Path, communes: &str, years: &str) {
    demo_url(&sqlite_url(db), communes, years);
}

/// Seeds the store at `db` with `registre demo`: the events it wrote.
pub fn demo_log(db: &Path, communes: &str, years: &str) -> Vec<registre_schema::RecordedEvent> {
    demo(db, communes, years);
    log_of(&sqlite_url(db))
}

/// The events of the store a URL names, as `registre log` prints them.
pub fn log_of(store: &str) -> Vec<registre_schema::RecordedEvent> {
    String::from_utf8(run_ok(&["log", "--store", store]).stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("an event per line"))
        .collect()
}

/// Imports the shipped 2015 territory list with the CLI.
pub fn import_territory(db: &Path) {
    import_territory_url(&sqlite_url(db));
}

/// The same into the store a URL names.
pub fn import_territory_url(store: &str) {
    let csv = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mali-admin-2015.csv");
    succeeded(
        registre()
            .args(["territory", "import"])
            .arg(&csv)
            .args(["--scheme", "ocha-pcode", "--edition", "2015"])
            .args(["--store", store]),
    );
}

/// The store at `db` readied by `prepare`, the tokens `roles` names
/// (role, name) issued in it, then a server on it: the server and the
/// tokens' secrets in the order of `roles`.
pub fn serve_at<const N: usize>(
    db: &Path,
    prepare: impl FnOnce(&Path),
    roles: [(&str, &str); N],
) -> (Server, [String; N]) {
    prepare(db);
    let tokens = roles.map(|(role, name)| create_token(db, role, name));
    (Server::start(db), tokens)
}

/// The same with a store `registre.db` in a fresh directory: the
/// directory (bind it to a name: it must outlive the server), the store's
/// path, the server and the tokens.
pub fn serve_after<const N: usize>(
    prepare: impl FnOnce(&Path),
    roles: [(&str, &str); N],
) -> (TempDir, PathBuf, Server, [String; N]) {
    let dir = scratch();
    let db = dir.path().join("registre.db");
    let (server, tokens) = serve_at(&db, prepare, roles);
    (dir, db, server, tokens)
}

/// The same on an empty store.
pub fn serve_new<const N: usize>(
    roles: [(&str, &str); N],
) -> (TempDir, PathBuf, Server, [String; N]) {
    serve_after(|_| {}, roles)
}

/// The same on a store holding the shipped 2015 territory list.
pub fn serve_territory<const N: usize>(
    roles: [(&str, &str); N],
) -> (TempDir, PathBuf, Server, [String; N]) {
    serve_after(import_territory, roles)
}

/// A `registre serve` process on a free port, killed when dropped.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Server {
    pub fn start(db: &Path) -> Server {
        Self::start_with(db, &[])
    }

    /// Starts with the web accounts in `credentials`.
    pub fn start_with_credentials(db: &Path, credentials: &Path) -> Server {
        let credentials = credentials.to_str().expect("UTF-8 path");
        Self::start_with(db, &["--credentials", credentials])
    }

    /// Starts with extra global arguments (before `serve`).
    pub fn start_with(db: &Path, global_args: &[&str]) -> Server {
        let server = Self::spawn(db, global_args);
        server.wait_until_ready();
        server
    }

    /// Starts on any store URL, keeping its read models and audit files
    /// under `work` (a PostgreSQL store has no file to put them beside).
    pub fn start_url(store: &str, work: &Path) -> Server {
        let state = work.join("state");
        let audit = work.join("audit");
        let args = [
            "--state-dir",
            state.to_str().expect("UTF-8 path"),
            "--audit-dir",
            audit.to_str().expect("UTF-8 path"),
        ];
        let server = Self::spawn_url(store, &args);
        server.wait_until_ready();
        server
    }

    /// Starts without waiting for readiness.
    pub fn spawn(db: &Path, global_args: &[&str]) -> Server {
        Self::spawn_url(&sqlite_url(db), global_args)
    }

    fn spawn_url(store: &str, global_args: &[&str]) -> Server {
        Self::spawn_serving(store, global_args, &[])
    }

    /// Starts `registre serve` on a port the system picks, with arguments
    /// before `serve` and after it, and reads the address it bound from
    /// the line it prints: no port is chosen beforehand, so no other
    /// process can take it in between.
    pub fn spawn_serving(store: &str, global_args: &[&str], serve_args: &[&str]) -> Server {
        use std::io::BufRead;
        let mut child = registre()
            .args(global_args)
            .args(["serve", "--listen", "127.0.0.1:0", "--store", store])
            .args(serve_args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start registre serve");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = std::io::BufReader::new(stdout).lines();
        let addr = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(a) = line.strip_prefix("registre: listening on http://") {
                        break a.parse().expect("a socket address");
                    }
                }
                _ => {
                    let status = child.wait();
                    panic!("registre serve stopped before listening: {status:?}");
                }
            }
        };
        // Whatever else it prints is read and dropped, so that a full pipe
        // never blocks the server.
        std::thread::spawn(move || lines.for_each(drop));
        Server { child, addr }
    }

    fn wait_until_ready(&self) {
        self.wait_for_200("/readyz");
    }

    /// Waits until `path` answers 200: `/healthz` for a server that is up
    /// but may never be ready (a damaged log stops its read models).
    pub fn wait_for_200(&self, path: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok((200, _)) = http_get(self.addr, path) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("registre serve did not answer 200 on {}{path}", self.addr);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 GET, enough for health checks without an HTTP client
/// dependency: returns the status and the body.
pub fn http_get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut text = String::new();
    s.read_to_string(&mut text)?;
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|x| x.1)
        .unwrap_or("")
        .to_owned();
    Ok((status, body))
}

/// Issues a token with `registre token create` and returns its secret.
pub fn create_token(db: &Path, role: &str, name: &str) -> String {
    create_token_url(&sqlite_url(db), role, name)
}

/// Issues a token in the store a URL names.
pub fn create_token_url(store: &str, role: &str, name: &str) -> String {
    let out = run_ok(&[
        "token", "create", "--role", role, "--name", name, "--store", store,
    ]);
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Runs `registre token ARGS…` and returns (success, stdout, stderr).
pub fn token_cli(db: &Path, args: &[&str]) -> (bool, String, String) {
    let out = registre()
        .arg("token")
        .args(args)
        .args(["--store", &sqlite_url(db)])
        .output()
        .expect("run registre token");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An HTTP answer: status, headers (names lowercased), body.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }
}

/// A minimal HTTP/1.1 request with `Connection: close` (responses of this
/// server have a Content-Length; chunked bodies are not decoded).
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    s.write_all(head.as_bytes()).unwrap();
    // The server may answer (413) and close before reading the whole body.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// POSTs a GraphQL query as JSON with a bearer token.
pub fn graphql(addr: SocketAddr, token: &str, query: &str) -> Answer {
    let body = serde_json::json!({ "query": query }).to_string();
    post_json(addr, &format!("Bearer {token}"), body.as_bytes())
}

/// POSTs a JSON body to `/graphql` with an `Authorization` header.
pub fn post_json(addr: SocketAddr, auth: &str, body: &[u8]) -> Answer {
    http(
        addr,
        "POST",
        "/graphql",
        &[
            ("Content-Type", "application/json"),
            ("Authorization", auth),
        ],
        body,
    )
}

/// POSTs a form, URL-encoded, with a cookie.
pub fn post_form(addr: SocketAddr, cookie: &str, path: &str, body: &[u8]) -> Answer {
    http(
        addr,
        "POST",
        path,
        &[
            ("Cookie", cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        body,
    )
}

/// A WebSocket to a server.
pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a GraphQL WebSocket (`graphql-transport-ws`) to the server at
/// `addr`: the socket and the answer to its handshake.
pub async fn open_ws(
    addr: SocketAddr,
) -> (
    Ws,
    tokio_tungstenite::tungstenite::handshake::client::Response,
) {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = format!("ws://{addr}/graphql")
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    tokio_tungstenite::connect_async(req)
        .await
        .expect("websocket handshake")
}

/// Percent-encodes a query string value.
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Waits until `check` holds, or panics after `secs` seconds.
pub fn eventually(secs: u64, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("not within {secs} s: {what}");
}

impl Server {
    /// Stops the server with SIGTERM (a clean shutdown: it saves its read
    /// models) and waits for it to exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(s) = self.child.try_wait().expect("wait for registre serve") {
                return s;
            }
            assert!(Instant::now() < deadline, "registre serve ignored SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Serves the store at `db` until the server has saved its read models
/// (in `<db>.state`), then stops it: the snapshot's path.
pub fn serve_until_saved(db: &Path) -> std::path::PathBuf {
    let saved = std::path::PathBuf::from(format!("{}.state", db.display())).join(format!(
        "read_models.v{}.snap",
        <registre_projections::ReadModels as registre_projections::ReadModel>::VERSION
    ));
    let server = Server::start(db);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !saved.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(server);
    assert!(saved.exists(), "the server saved no read models");
    saved
}

/// The system's append of `events` to `stream`.
pub fn by_system(
    stream: &str,
    expected: ExpectedState,
    events: Vec<registre_schema::EventData>,
) -> AppendRequest {
    AppendRequest {
        stream_id: registre_schema::StreamId::new(stream).unwrap(),
        expected,
        meta: registre_schema::CommandMeta::new(registre_schema::Actor::system()),
        events,
    }
}

/// An event of `event_type` (schema version 1) occurring now, carrying
/// `payload`.
pub fn event_now(event_type: &str, payload: serde_json::Value) -> registre_schema::EventData {
    registre_schema::EventData::new(event_type, 1, chrono::Utc::now(), payload)
}
