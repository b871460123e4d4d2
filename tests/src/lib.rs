//! Helpers for the cross-crate tests: a relay on a real socket (in-process or
//! as a child process), devices signed in with real tokens, raw sockets
//! ([`wire`]).

pub mod links;
pub mod postgres;
pub mod shaper;
pub mod wire;

use std::path::{Path, PathBuf};
use std::time::Duration;

use relay::client::{Client, ClientOptions, ClientStorage};
use relay::{Limits, Running, ServeOptions};
use shared::cluster::Directory;
use shared::protocol::DocumentId;

/// How long a test waits for something that normally takes milliseconds.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A fresh, empty directory under the system temp dir.
///
/// A test's directories outlive it (a relay restarted on the same data, or
/// kept to look at after a failure); the first call of a test process
/// removes those of test processes no longer running.
pub fn temp_dir(name: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    static SWEPT: std::sync::Once = std::sync::Once::new();
    SWEPT.call_once(remove_dirs_of_finished_runs);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("thidua-test-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create temp dir");
    d
}

/// Removes `thidua-test-<name>-<pid>-<n>` directories whose process is gone.
fn remove_dirs_of_finished_runs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix("thidua-test-")) else {
            continue;
        };
        let mut parts = rest.rsplit('-');
        let (Some(_n), Some(pid)) = (parts.next(), parts.next()) else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A relay running in this process on a real socket, with the demo cluster.
///
/// With `THIDUA_TEST_STORE=postgres` in the environment, every such relay
/// keeps its documents in a throwaway PostgreSQL server of its own instead
/// of its data directory (the README's test command runs the convergence
/// and rights suites a second time that way).
pub struct TestRelay {
    pub running: Running,
    pub data_dir: PathBuf,
    /// The database the relay keeps its documents in, if not `data_dir`.
    pub store: Option<String>,
    /// The throwaway server started for it (`THIDUA_TEST_STORE=postgres`);
    /// dropped after the relay.
    _postgres: Option<postgres::TestPostgres>,
}

impl TestRelay {
    pub async fn start(name: &str) -> Self {
        Self::start_with(name, Limits::default()).await
    }

    pub async fn start_with(name: &str, limits: Limits) -> Self {
        Self::start_serving(name, limits, None).await
    }

    /// A relay that also serves the files of `static_dir` at `/`.
    pub async fn start_serving(name: &str, limits: Limits, static_dir: Option<PathBuf>) -> Self {
        Self::start_full(temp_dir(name), limits, static_dir, None, None).await
    }

    /// A relay keeping its documents, cluster directory and device tokens
    /// in the PostgreSQL database at `url` (`data_dir` holds nothing the
    /// relays of one database share).
    pub async fn start_on_postgres(url: &str, data_dir: PathBuf) -> Self {
        Self::start_full(
            data_dir,
            Limits::default(),
            None,
            None,
            Some(url.to_string()),
        )
        .await
    }

    /// A relay whose storage fails on command (see [`relay::faults`]).
    pub async fn start_faulty(name: &str, faults: std::sync::Arc<relay::faults::Faults>) -> Self {
        Self::start_full(temp_dir(name), Limits::default(), None, Some(faults), None).await
    }

    async fn start_full(
        data_dir: PathBuf,
        limits: Limits,
        static_dir: Option<PathBuf>,
        faults: Option<std::sync::Arc<relay::faults::Faults>>,
        mut store: Option<String>,
    ) -> Self {
        let mut own = None;
        if store.is_none()
            && faults.is_none()
            && std::env::var("THIDUA_TEST_STORE").as_deref() == Ok("postgres")
        {
            let pg = postgres::TestPostgres::start();
            store = Some(pg.database("thidua"));
            own = Some(pg);
        }
        let running = relay::start(ServeOptions {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: data_dir.clone(),
            demo: true,
            static_dir,
            limits,
            faults,
            // Two shards on any machine: the tests cross shards every time.
            workers: 2,
            store: store.clone(),
        })
        .await
        .expect("relay starts");
        Self {
            running,
            data_dir,
            store,
            _postgres: own,
        }
    }

    /// The relay's document as its store holds it (what survives a
    /// restart): its data directory, or its database.
    pub fn doc_on_disk(&self, doc: DocumentId) -> automerge::Automerge {
        let chunks = match &self.store {
            None => relay::store::FileStore::open(&self.data_dir)
                .expect("data dir")
                .load_blocking(&doc)
                .expect("chunks readable"),
            Some(url) => tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(async {
                    use relay::store::RelayStore;
                    let pg = relay::store::PgStore::open(url, "test")
                        .await
                        .expect("database");
                    pg.load(doc).await.expect("chunks readable")
                })
            }),
        };
        shared::storage::merge_chunks(chunks).doc
    }

    pub fn directory(&self) -> &Directory {
        &self.running.directory
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/sync", self.running.addr)
    }

    /// The demo token of an office.
    pub fn token(&self, office: &str) -> String {
        self.running
            .demo_tokens
            .iter()
            .find(|t| t.office == office)
            .expect("office has a demo token")
            .token
            .clone()
    }

    pub fn office_doc(&self, office: &str) -> DocumentId {
        self.directory().office_doc(office).expect("office exists")
    }

    /// A device of `office`, online, in-memory storage.
    pub fn device(&self, office: &str, name: &str) -> Client {
        device(&self.ws_url(), &self.token(office), name)
    }
}

/// A raw HTTP/1.1 GET: (status line, headers, body).
/// `GET path` with extra request header lines (`"Name: value"`): the
/// status line, the lower-cased headers and the body bytes.
pub async fn http_get_bytes(
    addr: std::net::SocketAddr,
    path: &str,
    headers: &[String],
) -> (String, String, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(addr)
        .await
        .expect("relay accepts");
    let extra: String = headers.iter().map(|h| format!("{h}\r\n")).collect();
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\n{extra}Connection: close\r\n\r\n");
    tcp.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tcp.read_to_end(&mut out).await.unwrap();
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("headers end");
    let head = String::from_utf8_lossy(&out[..split]).to_string();
    let (status, headers) = head.split_once("\r\n").unwrap_or((&head, ""));
    (
        status.to_string(),
        headers.to_lowercase(),
        out[split + 4..].to_vec(),
    )
}

pub async fn http_get(
    addr: std::net::SocketAddr,
    path: &str,
    token: Option<&str>,
) -> (String, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(addr)
        .await
        .expect("relay accepts");
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n");
    tcp.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tcp.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let (status, headers) = head.split_once("\r\n").unwrap_or((head, ""));
    (status.to_string(), headers.to_lowercase(), body.to_string())
}

/// A device connecting to `url` with `token`.
pub fn device(url: &str, token: &str, name: &str) -> Client {
    Client::start(ClientOptions {
        url: url.to_string(),
        token: token.to_string(),
        name: name.to_string(),
        storage: ClientStorage::Memory,
        online: true,
    })
    .expect("client starts")
}

/// The relay binary: `THIDUA_RELAY_BIN` if set, else the one built next to
/// this executable (target/<profile>/thidua-relay, for tests in deps/ and
/// for binaries alike).
pub fn relay_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("THIDUA_RELAY_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("current exe");
    let candidates: Vec<PathBuf> = exe
        .ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join("thidua-relay"))
        .collect();
    candidates
        .iter()
        .find(|p| p.exists())
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "{} is missing: build it first with `cargo build -p thidua-relay` (the README's test command does)",
                candidates[0].display()
            )
        })
}

/// Read a text field at the root of a document, if the client has it.
pub async fn root_text(c: &Client, doc: DocumentId, key: &'static str) -> Option<String> {
    c.read(move |v| {
        let d = v.core.doc(&doc)?;
        shared::schema::read::text(d, &automerge::ROOT, key)
    })
    .await
}

/// Set a text field at the root of a document.
pub async fn set_text(c: &Client, doc: DocumentId, key: &str, value: &str) {
    let (k, v) = (key.to_string(), value.to_string());
    c.change(doc, move |tx| {
        use automerge::transaction::Transactable;
        tx.put(automerge::ROOT, k, v)?;
        Ok(())
    })
    .await
    .expect("local edit commits");
}

/// Heads of a document as the client holds it.
pub async fn heads(c: &Client, doc: DocumentId) -> Vec<automerge::ChangeHash> {
    c.read(move |v| v.core.doc(&doc).map(|d| d.get_heads()).unwrap_or_default())
        .await
}

/// A free TCP port on localhost.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind a free port")
        .local_addr()
        .expect("local address")
        .port()
}

/// Start the relay binary with the demo cluster; returns the child and the
/// sign-in token it printed for each office (code, token).
pub async fn spawn_relay(
    data_dir: &Path,
    port: u16,
) -> (tokio::process::Child, Vec<(String, String)>) {
    spawn_relay_with(data_dir, port, &[]).await
}

/// As [`spawn_relay`], with more arguments for `serve` (e.g. `--store`).
pub async fn spawn_relay_with(
    data_dir: &Path,
    port: u16,
    more: &[&str],
) -> (tokio::process::Child, Vec<(String, String)>) {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(relay_binary())
        .args([
            "serve",
            "--demo",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(data_dir)
        .args(more)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("relay binary runs");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut tokens = Vec::new();
    while let Ok(Some(line)) = tokio::time::timeout(PATIENCE, lines.next_line())
        .await
        .expect("the relay prints its sign-in links")
    {
        if let (Some(code), Some(token)) =
            (line.split_whitespace().next(), line.split("token=").nth(1))
        {
            tokens.push((code.to_string(), token.to_string()));
        }
        if line.starts_with("Open ") {
            break;
        }
    }
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, tokens)
}

/// The peak resident memory (VmHWM) of a process, in bytes.
pub fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
