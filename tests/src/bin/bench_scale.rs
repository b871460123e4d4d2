//! Scale benchmark of the relay: many idle WebSocket connections plus many
//! active devices editing a few dozen documents, against the release relay
//! binary running as a child process (so its memory and CPU are its own).
//!
//! 1. Prepares a data directory: a synthetic cluster of `--offices` offices
//!    (`shared::demo::year::synthetic`, one year of data each) and its
//!    cluster document, written as `demo::create` writes the demo
//!    (`cluster.json` + snapshots in the `FileStore`), and one device token
//!    per simulated device (`TokenStore::issue_many`: one write for all).
//! 2. Starts the relay (`serve --workers 0`, one shard per core).
//! 3. Opens `--idle` idle connections (join, then only read: pings are
//!    answered), at `--connect-rate` per second; the relay's RSS before and
//!    after gives its memory per idle connection; its CPU is then sampled
//!    for a few seconds with only idle connections open.
//! 4. Connects `--active` devices, `--active / --offices` per office
//!    document; each is a small automerge replica that syncs its office's
//!    document over the real protocol, then, at `--rate` edits per second in
//!    total, one device at a time sets a self-score note
//!    (`selfScores/<criterion>/note`, a valid edit of its own office) and
//!    sends it. Every other device of that document measures the time from
//!    the author handing the sync message to its socket to the change being
//!    applied in its replica (one process, one clock). Active devices join
//!    with a storage id, as browsers do, so the relay keeps their sync states.
//! 5. Prints the latency percentiles, throughput, errors, the relay's and
//!    the generator's CPU and the relay's memory; exits non-zero if a
//!    connection was refused or dropped, a device failed or an edit was
//!    never delivered.
//!
//! Run (the relay built from this tree, copied so another build cannot
//! replace it mid-run):
//! ```text
//! cargo build --release -p thidua-relay -p thidua-tests --bin bench_scale
//! cp target/release/thidua-relay /tmp/scale-relay
//! THIDUA_RELAY_BIN=/tmp/scale-relay target/release/bench_scale
//! ```
//! Options (defaults in brackets): `--idle 10000 --active 1000 --offices 40
//! --rate 100 --warmup 10 --secs 60 --connect-rate 1000 --workers 0
//! --gen-threads 2 --idle-cpu-secs 10 --years 3 --keep-data --wait-quiet LOAD`
//! (`--wait-quiet 1.5`: first wait, up to 10 minutes, until the machine's
//! 1-minute load average is below 1.5).

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use automerge::sync::SyncDoc;
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{Automerge, ChangeHash, ObjType};
use futures_util::{SinkExt, StreamExt};
use relay::demo_year;
use relay::store::FileStore;
use relay::tokens::TokenStore;
use shared::cluster::{Directory, OfficeEntry};
use shared::protocol::{DocumentId, Message, PeerId};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio_tungstenite::tungstenite::Message as Ws;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Opts {
    idle: usize,
    active: usize,
    offices: usize,
    rate: f64,
    warmup: u64,
    secs: u64,
    connect_rate: u64,
    workers: usize,
    gen_threads: usize,
    idle_cpu_secs: u64,
    years: i32,
    keep_data: bool,
    /// Wait (up to 10 minutes) until the 1-minute load average is below this.
    wait_quiet: Option<f64>,
}

impl Opts {
    fn parse() -> Result<Self, String> {
        let mut o = Opts {
            idle: 10_000,
            active: 1_000,
            offices: 40,
            rate: 100.0,
            warmup: 10,
            secs: 60,
            connect_rate: 1_000,
            workers: 0,
            gen_threads: 2,
            idle_cpu_secs: 10,
            years: 3,
            keep_data: false,
            wait_quiet: None,
        };
        let mut args = std::env::args().skip(1);
        while let Some(a) = args.next() {
            if a == "--keep-data" {
                o.keep_data = true;
                continue;
            }
            let v = args.next().ok_or(format!("{a} needs a value"))?;
            let bad = |e: &dyn std::fmt::Display| format!("{a}: {e}: {v}");
            match a.as_str() {
                "--idle" => o.idle = v.parse().map_err(|e| bad(&e))?,
                "--active" => o.active = v.parse().map_err(|e| bad(&e))?,
                "--offices" => o.offices = v.parse().map_err(|e| bad(&e))?,
                "--rate" => o.rate = v.parse().map_err(|e| bad(&e))?,
                "--warmup" => o.warmup = v.parse().map_err(|e| bad(&e))?,
                "--secs" => o.secs = v.parse().map_err(|e| bad(&e))?,
                "--connect-rate" => o.connect_rate = v.parse().map_err(|e| bad(&e))?,
                "--workers" => o.workers = v.parse().map_err(|e| bad(&e))?,
                "--gen-threads" => o.gen_threads = v.parse().map_err(|e| bad(&e))?,
                "--idle-cpu-secs" => o.idle_cpu_secs = v.parse().map_err(|e| bad(&e))?,
                "--years" => o.years = v.parse().map_err(|e| bad(&e))?,
                "--wait-quiet" => o.wait_quiet = Some(v.parse().map_err(|e| bad(&e))?),
                _ => return Err(format!("unknown option {a}")),
            }
        }
        if o.offices == 0 || o.active < 2 * o.offices || o.active / o.offices > 64 {
            return Err("need 2 to 64 active devices per office (--active / --offices)".into());
        }
        if o.rate <= 0.0 || o.connect_rate == 0 || o.gen_threads == 0 || o.years < 1 {
            return Err("--rate, --connect-rate, --gen-threads, --years must be positive".into());
        }
        Ok(o)
    }

    fn per_doc(&self) -> usize {
        self.active / self.offices
    }
}

// ---------------------------------------------------------------------------
// /proc
// ---------------------------------------------------------------------------

/// A `kB` field of /proc/<pid>/status, in bytes.
fn status_kb(pid: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with(field))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(0, |kb| kb * 1024)
}

fn rss(pid: &str) -> u64 {
    status_kb(pid, "VmRSS:")
}

/// User + system CPU time of a process (all threads), from /proc/<pid>/stat
/// (clock ticks of USER_HZ, 100 on Linux).
fn cpu_time(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) closed by ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15 (1-based), 12 and 13 after ')'.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// Busy and total jiffies of the whole machine (/proc/stat).
fn machine_jiffies() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let line = stat.lines().next().unwrap_or_default();
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

/// The 1-minute load average (other work on the machine shows here).
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_default()
}

/// CPU time of a process's threads and their time waiting for a CPU while
/// runnable (/proc/<pid>/task/<tid>/schedstat), added up by thread name.
fn thread_cpu(pid: &str) -> HashMap<String, (Duration, Duration)> {
    let mut out: HashMap<String, (Duration, Duration)> = HashMap::new();
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for t in dir.flatten() {
        let tid = t.file_name().to_string_lossy().to_string();
        let name = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/comm"))
            .unwrap_or_default()
            .trim()
            .to_string();
        let sched = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/schedstat"))
            .unwrap_or_default();
        let mut f = sched
            .split_whitespace()
            .map(|x| x.parse::<u64>().unwrap_or(0));
        let (run, wait) = (f.next().unwrap_or(0), f.next().unwrap_or(0));
        let e = out.entry(name).or_default();
        e.0 += Duration::from_nanos(run);
        e.1 += Duration::from_nanos(wait);
    }
    out
}

/// Time a process's threads spent runnable but waiting for a CPU, added up.
fn waiting(pid: &str) -> Duration {
    thread_cpu(pid).values().map(|t| t.1).sum()
}

fn threads(pid: &str) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task")).map_or(0, |d| d.count())
}

fn open_fds(pid: &str) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

/// CPU use between two points, as a share of one core.
struct CpuWindow {
    pid: String,
    threads0: HashMap<String, (Duration, Duration)>,
    me_wait0: Duration,
    relay0: Duration,
    me0: Duration,
    machine0: (u64, u64),
    t0: Instant,
}

struct CpuUse {
    relay: f64,
    /// The relay's threads by name: running and waiting for a CPU, as a
    /// share of one core, busiest first.
    threads: Vec<(String, f64, f64)>,
    me: f64,
    machine: f64,
    relay_secs: f64,
    me_secs: f64,
    /// The generator's threads' time waiting for a CPU, added up, per second.
    me_wait: f64,
}

impl CpuWindow {
    fn start(pid: &str) -> Self {
        Self {
            pid: pid.to_string(),
            threads0: thread_cpu(pid),
            me_wait0: waiting("self"),
            relay0: cpu_time(pid),
            me0: cpu_time("self"),
            machine0: machine_jiffies(),
            t0: Instant::now(),
        }
    }

    fn end(&self) -> CpuUse {
        let wall = self.t0.elapsed().as_secs_f64();
        let relay = (cpu_time(&self.pid) - self.relay0).as_secs_f64();
        let me = (cpu_time("self") - self.me0).as_secs_f64();
        let (busy, total) = machine_jiffies();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let machine = if total > self.machine0.1 {
            (busy - self.machine0.0) as f64 / (total - self.machine0.1) as f64 * cores
        } else {
            0.0
        };
        let mut threads: Vec<(String, f64, f64)> = thread_cpu(&self.pid)
            .into_iter()
            .map(|(name, (run, wait))| {
                let (run0, wait0) = self.threads0.get(&name).copied().unwrap_or_default();
                (
                    name,
                    run.saturating_sub(run0).as_secs_f64() / wall,
                    wait.saturating_sub(wait0).as_secs_f64() / wall,
                )
            })
            .filter(|(_, x, _)| *x > 0.001)
            .collect();
        threads.sort_by(|a, b| b.1.total_cmp(&a.1));
        CpuUse {
            me_wait: waiting("self").saturating_sub(self.me_wait0).as_secs_f64() / wall,
            relay: relay / wall,
            threads,
            me: me / wall,
            machine,
            relay_secs: relay,
            me_secs: me,
        }
    }
}

fn mib(b: u64) -> String {
    format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0))
}

fn pct(x: f64) -> String {
    format!("{:.0} %", x * 100.0)
}

// ---------------------------------------------------------------------------
// Data directory
// ---------------------------------------------------------------------------

struct Prepared {
    /// Office document of each office, in directory order.
    office_docs: Vec<DocumentId>,
    /// Tokens: the active devices' first (device i is of office i % offices),
    /// then the idle connections'.
    tokens: Vec<String>,
}

fn new_doc_id() -> DocumentId {
    relay::demo::new_doc_id().expect("random")
}

fn prepare(dir: &Path, o: &Opts) -> Prepared {
    let t = Instant::now();
    let store = FileStore::open(dir).expect("data dir");
    let (cluster, generated) = demo_year::synthetic(o.offices, (2027 - o.years)..=2026);
    // As the demo does: the newest seeded change an hour ago.
    let shift = relay::demo::commit_time_shift(&generated);
    let mut offices = Vec::new();
    let mut office_docs = Vec::new();
    let mut bytes = 0usize;
    for g in &generated {
        let id = new_doc_id();
        let doc = demo_year::office_automerge(&g.doc, cluster.year, g.as_of, shift);
        bytes += doc.save().len();
        store
            .put_blocking(&relay::demo::snapshot(id, &doc))
            .expect("store office");
        offices.push(OfficeEntry {
            code: g.spec.code.clone(),
            name: g.spec.name.clone(),
            province: g.spec.province.clone(),
            url: id.url(),
        });
        office_docs.push(id);
    }
    let cluster_id = new_doc_id();
    let cluster_doc = shared::schema::new_cluster_doc(&cluster);
    store
        .put_blocking(&relay::demo::snapshot(cluster_id, &cluster_doc))
        .expect("store cluster");
    let directory = Directory {
        cluster: shared::demo::DEMO_CLUSTER_NAME.to_string(),
        cluster_url: cluster_id.url(),
        former: Vec::new(),
        offices,
    };
    relay::demo::write_directory(dir, &directory).expect("cluster.json");
    println!(
        "data: {} office documents ({} years, {} KiB saved, {:.0} KiB each) + the cluster document, in {:.1} s",
        o.offices,
        o.years,
        bytes / 1024,
        bytes as f64 / 1024.0 / o.offices as f64,
        t.elapsed().as_secs_f64()
    );

    // Tokens: one per device. `token issue` rewrites (and fsyncs) the whole
    // file once per token, so thousands go through `issue_many` (one write);
    // one more through `issue` shows the cost of one `token issue` then.
    let names: Vec<(String, String)> = (0..o.active)
        .map(|i| {
            let office = &directory.offices[i % o.offices].code;
            (office.clone(), format!("active-{i}"))
        })
        .chain((0..o.idle).map(|i| {
            let office = &directory.offices[i % o.offices].code;
            (office.clone(), format!("idle-{i}"))
        }))
        .collect();
    let refs: Vec<(&str, &str)> = names
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let tokens_store = TokenStore::open(dir);
    let t = Instant::now();
    let issued = tokens_store.issue_many(&refs).expect("issue tokens");
    let batch = t.elapsed();
    let t = Instant::now();
    tokens_store
        .issue(&directory.offices[0].code, "one-more")
        .expect("issue one");
    let one = t.elapsed();
    let file = std::fs::metadata(tokens_store.path()).map_or(0, |m| m.len());
    println!(
        "tokens: {} issued in one batch in {:.2} s; one more `token issue` (rewrites the {} file) took {:.1} ms",
        issued.len(),
        batch.as_secs_f64(),
        mib(file),
        one.as_secs_f64() * 1e3
    );
    Prepared {
        office_docs,
        tokens: issued.into_iter().map(|(t, _)| t).collect(),
    }
}

// ---------------------------------------------------------------------------
// The relay process
// ---------------------------------------------------------------------------

async fn start_relay(
    bin: &Path,
    dir: &Path,
    port: u16,
    o: &Opts,
) -> (tokio::process::Child, String) {
    use tokio::io::AsyncBufReadExt;
    let log = std::fs::File::create(dir.join("relay.log")).expect("relay log");
    let mut child = tokio::process::Command::new(bin)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--workers",
            &o.workers.to_string(),
            "--max-connections",
            &(o.idle + o.active + 100).max(20_000).to_string(),
            "--data-dir",
        ])
        .arg(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("could not run {}: {e}", bin.display()));
    let pid = child.id().expect("relay pid").to_string();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    loop {
        match tokio::time::timeout(Duration::from_secs(60), lines.next_line()).await {
            Ok(Ok(Some(line))) if line.starts_with("Open ") => break,
            Ok(Ok(Some(_))) => continue,
            other => panic!(
                "the relay did not start ({other:?}); see {}",
                dir.join("relay.log").display()
            ),
        }
    }
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, pid)
}

// ---------------------------------------------------------------------------
// Connections
// ---------------------------------------------------------------------------

/// Counters shared by every connection task.
#[derive(Default)]
struct Counters {
    idle_open: AtomicU64,
    idle_failed: AtomicU64,
    idle_dropped: AtomicU64,
    pings: AtomicU64,
    active_ready: AtomicU64,
    active_failed: AtomicU64,
    edits: AtomicU64,
    edits_skipped: AtomicU64,
    edit_errors: AtomicU64,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    /// Set when the benchmark closes its connections: closes are no failures then.
    stopping: AtomicBool,
    /// Why connections failed or closed: reason → count.
    reasons: Mutex<HashMap<String, u64>>,
}

impl Counters {
    fn reason(&self, r: impl Into<String>) {
        *self
            .reasons
            .lock()
            .expect("reasons")
            .entry(r.into())
            .or_default() += 1;
    }
}

async fn connect(url: &str, token: &str, small: bool) -> Result<Socket, String> {
    let cfg = small.then(|| WebSocketConfig::default().read_buffer_size(4096));
    let (s, _) =
        tokio_tungstenite::connect_async_with_config(format!("{url}?token={token}"), cfg, true)
            .await
            .map_err(|e| format!("connect: {e}"))?;
    Ok(s)
}

fn frame(m: &Message) -> Ws {
    Ws::Binary(m.encode().into())
}

/// Join, with a storage id when given (as a browser with IndexedDB does:
/// the relay then keeps the peer's sync state); the relay's peer id.
async fn join(s: &mut Socket, peer: &str, storage: Option<String>) -> Result<PeerId, String> {
    s.send(frame(&Message::Join {
        sender_id: PeerId::from(peer),
        supported_protocol_versions: vec!["1".into()],
        metadata: storage.map(|id| shared::protocol::PeerMetadata {
            storage_id: Some(id),
            is_ephemeral: false,
        }),
    }))
    .await
    .map_err(|e| format!("send join: {e}"))?;
    loop {
        match s.next().await {
            Some(Ok(Ws::Binary(b))) => match Message::decode(&b) {
                Ok(Message::Peer { sender_id, .. }) => return Ok(sender_id),
                Ok(Message::Error { code, message }) => {
                    return Err(format!("refused: {} ({message})", code.unwrap_or_default()));
                }
                Ok(other) => return Err(format!("unexpected {other:?}")),
                Err(e) => return Err(format!("bad frame: {e}")),
            },
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(format!("socket: {e}")),
            None => return Err("closed before peer".into()),
        }
    }
}

/// An idle device: joins, then reads until told to stop (tungstenite answers
/// the relay's pings while the socket is read).
async fn idle_conn(
    url: Arc<str>,
    token: String,
    i: usize,
    counters: Arc<Counters>,
    mut stop: watch::Receiver<bool>,
    opened: tokio::sync::OwnedSemaphorePermit,
) {
    let attempt = async {
        let mut s = connect(&url, &token, true).await?;
        join(&mut s, &format!("scale-idle-{i}"), None).await?;
        Ok::<_, String>(s)
    };
    let mut s = match tokio::time::timeout(Duration::from_secs(60), attempt).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            counters.idle_failed.fetch_add(1, Ordering::Relaxed);
            counters.reason(format!("idle: {e}"));
            return;
        }
        Err(_) => {
            counters.idle_failed.fetch_add(1, Ordering::Relaxed);
            counters.reason("idle: connect+join timed out (60 s)");
            return;
        }
    };
    drop(opened);
    counters.idle_open.fetch_add(1, Ordering::Relaxed);
    loop {
        tokio::select! {
            m = s.next() => match m {
                Some(Ok(Ws::Ping(_))) => { counters.pings.fetch_add(1, Ordering::Relaxed); }
                Some(Ok(Ws::Binary(b))) => {
                    if let Ok(Message::Error { code, message }) = Message::decode(&b) {
                        counters.reason(format!("idle closed: {} ({message})", code.unwrap_or_default()));
                    }
                }
                Some(Ok(Ws::Close(_))) | None if counters.stopping.load(Ordering::Relaxed) => break,
                Some(Ok(Ws::Close(_))) | None => {
                    counters.idle_dropped.fetch_add(1, Ordering::Relaxed);
                    counters.reason("idle: closed by the relay");
                    break;
                }
                Some(Ok(_)) => {}
                Some(Err(_)) if counters.stopping.load(Ordering::Relaxed) => break,
                Some(Err(e)) => {
                    counters.idle_dropped.fetch_add(1, Ordering::Relaxed);
                    counters.reason(format!("idle: socket error: {e}"));
                    break;
                }
            },
            _ = stop.changed() => {
                let _ = s.close(None).await;
                break;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Active devices and delivery tracking
// ---------------------------------------------------------------------------

/// An edit not yet applied by every device of its document.
struct Pending {
    hash: ChangeHash,
    sent: Instant,
    /// Devices (slots of the document) that have it, the author included.
    got: u64,
    measured: bool,
    /// Whether the first other device has it.
    first_seen: bool,
}

/// Delivery state of one document, shared by its devices.
#[derive(Default)]
struct DocTrack {
    pending: Vec<Pending>,
    /// (seconds since the run's start at sending, latency in µs) of measured deliveries.
    latencies: Vec<(u32, u32)>,
    /// Per measured edit: latency to the first and to the last other device (µs).
    first: Vec<u32>,
    last: Vec<u32>,
}

struct Shared {
    tracks: Vec<Mutex<DocTrack>>,
    counters: Arc<Counters>,
    /// Edits are measured while set.
    measuring: AtomicBool,
    base: Instant,
    per_doc: usize,
}

impl Shared {
    fn full(&self) -> u64 {
        if self.per_doc == 64 {
            u64::MAX
        } else {
            (1u64 << self.per_doc) - 1
        }
    }
}

struct Device {
    index: usize,
    doc_index: usize,
    slot: usize,
    doc_id: DocumentId,
    peer: PeerId,
    relay: PeerId,
    doc: Automerge,
    state: automerge::sync::State,
    socket: Socket,
    shared: Arc<Shared>,
}

impl Device {
    async fn send_sync(&mut self, data: Vec<u8>) -> Result<(), String> {
        let m = Message::Sync {
            document_id: self.doc_id,
            sender_id: self.peer.clone(),
            target_id: self.relay.clone(),
            data,
        }
        .encode();
        self.shared
            .counters
            .bytes_out
            .fetch_add(m.len() as u64, Ordering::Relaxed);
        self.socket
            .send(Ws::Binary(m.into()))
            .await
            .map_err(|e| format!("send: {e}"))
    }

    /// Handle one frame from the relay; Err closes the device.
    async fn on_frame(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.shared
            .counters
            .bytes_in
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        match Message::decode(bytes).map_err(|e| format!("bad frame: {e}"))? {
            Message::Sync { data, .. } => {
                let msg = automerge::sync::Message::decode(&data)
                    .map_err(|e| format!("bad sync message: {e}"))?;
                let had_changes = !msg.changes.is_empty();
                self.doc
                    .receive_sync_message(&mut self.state, msg)
                    .map_err(|e| format!("receive: {e}"))?;
                if had_changes {
                    self.note_applied();
                }
                if let Some(reply) = self.doc.generate_sync_message(&mut self.state) {
                    self.send_sync(reply.encode()).await?;
                }
                Ok(())
            }
            Message::Error { code, message } => Err(format!(
                "relay error: {} ({message})",
                code.unwrap_or_default()
            )),
            Message::DocUnavailable { .. } => Err("doc-unavailable".into()),
            _ => Ok(()),
        }
    }

    /// Record the pending edits of this document that this replica now has.
    fn note_applied(&self) {
        let now = Instant::now();
        let bit = 1u64 << self.slot;
        let full = self.shared.full();
        let mut t = self.shared.tracks[self.doc_index].lock().expect("track");
        let DocTrack {
            pending,
            latencies,
            first,
            last,
        } = &mut *t;
        for p in pending.iter_mut() {
            if p.got & bit == 0 && self.doc.get_change_meta_by_hash(&p.hash).is_some() {
                p.got |= bit;
                if p.measured {
                    let at = p.sent.duration_since(self.shared.base).as_secs() as u32;
                    let lat = now.duration_since(p.sent).as_micros().min(u32::MAX as u128) as u32;
                    latencies.push((at, lat));
                    if !p.first_seen {
                        first.push(lat);
                    }
                    if p.got == full {
                        last.push(lat);
                    }
                }
                p.first_seen = true;
            }
        }
        pending.retain(|p| p.got != full);
    }

    /// Make one edit and send it.
    async fn edit(&mut self, n: u64) -> Result<(), String> {
        let criterion = format!("C{}", 1 + (self.index % 6));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let mut tx = self.doc.transaction();
        let made = (|| {
            let scores = match shared::schema::read::map(&tx, &automerge::ROOT, "selfScores") {
                Some(s) => s,
                None => tx.put_object(automerge::ROOT, "selfScores", ObjType::Map)?,
            };
            let c = match shared::schema::read::map(&tx, &scores, criterion.as_str()) {
                Some(c) => c,
                None => {
                    // A score needs its points to be valid.
                    let c = tx.put_object(&scores, criterion.as_str(), ObjType::Map)?;
                    tx.put(&c, "points", 0.0)?;
                    c
                }
            };
            tx.put(&c, "note", format!("scale edit {n} by {}", self.peer))?;
            Ok::<_, automerge::AutomergeError>(())
        })();
        if let Err(e) = made {
            tx.rollback();
            return Err(format!("edit: {e}"));
        }
        let (hash, _) = tx.commit_with(CommitOptions::default().with_time(now));
        let hash = hash.ok_or("edit made no change")?;
        let Some(msg) = self.doc.generate_sync_message(&mut self.state) else {
            return Err("no sync message after an edit".into());
        };
        let data = msg.encode();
        {
            let mut t = self.shared.tracks[self.doc_index].lock().expect("track");
            t.pending.push(Pending {
                hash,
                sent: Instant::now(),
                got: 1u64 << self.slot,
                first_seen: false,
                measured: self.shared.measuring.load(Ordering::Relaxed),
            });
        }
        self.shared.counters.edits.fetch_add(1, Ordering::Relaxed);
        self.send_sync(data).await
    }

    /// Sync the document from scratch until both sides have the same heads.
    async fn initial_sync(&mut self) -> Result<(), String> {
        let first = self
            .doc
            .generate_sync_message(&mut self.state)
            .ok_or("no first sync message")?;
        self.send_sync(first.encode()).await?;
        loop {
            match self.socket.next().await {
                Some(Ok(Ws::Binary(b))) => self.on_frame(&b).await?,
                Some(Ok(Ws::Close(_))) | None => return Err("closed during sync".into()),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(format!("socket: {e}")),
            }
            let heads = self.doc.get_heads();
            if !heads.is_empty() && self.state.their_heads.as_deref() == Some(&heads[..]) {
                return Ok(());
            }
        }
    }

    async fn run(mut self, mut edits: mpsc::Receiver<u64>) {
        loop {
            let r = tokio::select! {
                m = self.socket.next() => match m {
                    Some(Ok(Ws::Binary(b))) => self.on_frame(&b).await,
                    Some(Ok(Ws::Close(_))) | None => Err("closed by the relay".to_string()),
                    Some(Ok(_)) => Ok(()),
                    Some(Err(e)) => Err(format!("socket: {e}")),
                },
                n = edits.recv() => match n {
                    Some(n) => self.edit(n).await.inspect_err(|_| {
                        self.shared.counters.edit_errors.fetch_add(1, Ordering::Relaxed);
                    }),
                    None => {
                        let _ = self.socket.close(None).await;
                        return;
                    }
                },
            };
            if let Err(e) = r {
                if self.shared.counters.stopping.load(Ordering::Relaxed) {
                    return;
                }
                self.shared
                    .counters
                    .active_failed
                    .fetch_add(1, Ordering::Relaxed);
                self.shared.counters.reason(format!("active: {e}"));
                return;
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn active_device(
    url: Arc<str>,
    token: String,
    index: usize,
    doc_index: usize,
    slot: usize,
    doc_id: DocumentId,
    shared: Arc<Shared>,
    edits: mpsc::Receiver<u64>,
    gate: Arc<Semaphore>,
) {
    let permit = gate.acquire_owned().await.expect("gate");
    let peer = format!("scale-active-{index}");
    let setup = async {
        let mut socket = connect(&url, &token, false).await?;
        let relay = join(&mut socket, &peer, Some(format!("scale-storage-{index}"))).await?;
        let mut d = Device {
            index,
            doc_index,
            slot,
            doc_id,
            peer: PeerId::from(peer.as_str()),
            relay,
            doc: Automerge::new(),
            state: automerge::sync::State::new(),
            socket,
            shared: shared.clone(),
        };
        d.initial_sync().await?;
        Ok::<_, String>(d)
    };
    let device = match tokio::time::timeout(Duration::from_secs(300), setup).await {
        Ok(Ok(d)) => d,
        Ok(Err(e)) => {
            shared
                .counters
                .active_failed
                .fetch_add(1, Ordering::Relaxed);
            shared.counters.reason(format!("active setup: {e}"));
            return;
        }
        Err(_) => {
            shared
                .counters
                .active_failed
                .fetch_add(1, Ordering::Relaxed);
            shared.counters.reason("active setup timed out (300 s)");
            return;
        }
    };
    drop(permit);
    shared.counters.active_ready.fetch_add(1, Ordering::Relaxed);
    device.run(edits).await;
}

// ---------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i] as f64 / 1000.0
}

fn ms(x: f64) -> String {
    format!("{x:.1} ms")
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

fn main() -> ExitCode {
    let o = match Opts::parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("bench_scale: {e}");
            return ExitCode::FAILURE;
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(o.gen_threads)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run(o))
}

async fn run(o: Opts) -> ExitCode {
    let bin = thidua_tests::relay_binary();
    if let Some(quiet) = o.wait_quiet {
        let t = Instant::now();
        while loadavg().parse::<f64>().unwrap_or(0.0) >= quiet && t.elapsed().as_secs() < 600 {
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        println!(
            "waited {:.0} s for the load average to fall below {quiet} (now {})",
            t.elapsed().as_secs_f64(),
            loadavg()
        );
    }
    let load0 = loadavg();
    let dir = thidua_tests::temp_dir("scale");
    println!(
        "bench_scale: {} idle connections + {} active devices over {} office documents ({} per document), {} edits/s, {} s measured after {} s warm-up",
        o.idle,
        o.active,
        o.offices,
        o.per_doc(),
        o.rate,
        o.secs,
        o.warmup
    );
    println!(
        "relay: {} (child process), data in {}",
        bin.display(),
        dir.display()
    );
    let prep = {
        let (d, o2) = (dir.clone(), o.clone());
        tokio::task::spawn_blocking(move || prepare(&d, &o2))
            .await
            .expect("prepare")
    };
    // The relay re-reads a token file changed within the last 2 s on every
    // check: let it age first, as it would have in production.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let port = thidua_tests::free_port();
    let (mut child, pid) = start_relay(&bin, &dir, port, &o).await;
    let url: Arc<str> = format!("ws://127.0.0.1:{port}/sync").into();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_start = rss(&pid);
    println!(
        "relay started: pid {pid}, {} threads, RSS {}",
        threads(&pid),
        mib(rss_start)
    );

    let counters = Arc::new(Counters::default());
    let (stop_tx, stop_rx) = watch::channel(false);

    // ---- Idle connections ------------------------------------------------
    let t = Instant::now();
    let in_flight = Arc::new(Semaphore::new(256));
    let period = Duration::from_secs_f64(1.0 / o.connect_rate as f64);
    let mut tick = tokio::time::interval(period.max(Duration::from_micros(100)));
    let per_tick = if period < Duration::from_micros(100) {
        (o.connect_rate / 10_000).max(1)
    } else {
        1
    };
    let idle_tokens = &prep.tokens[o.active..];
    let mut i = 0;
    while i < o.idle {
        tick.tick().await;
        for _ in 0..per_tick {
            if i == o.idle {
                break;
            }
            let permit = in_flight.clone().acquire_owned().await.expect("permit");
            tokio::spawn(idle_conn(
                url.clone(),
                idle_tokens[i].clone(),
                i,
                counters.clone(),
                stop_rx.clone(),
                permit,
            ));
            i += 1;
        }
    }
    while counters.idle_open.load(Ordering::Relaxed) + counters.idle_failed.load(Ordering::Relaxed)
        < o.idle as u64
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let idle_secs = t.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle_open = counters.idle_open.load(Ordering::Relaxed);
    let rss_idle = rss(&pid);
    let per_idle = (rss_idle.saturating_sub(rss_start)) as f64 / idle_open.max(1) as f64;
    println!(
        "idle: {idle_open} open ({} failed) in {idle_secs:.1} s ({:.0}/s); relay RSS {} -> {}: {:.1} KiB per idle connection; {} fds, {} threads",
        counters.idle_failed.load(Ordering::Relaxed),
        idle_open as f64 / idle_secs,
        mib(rss_start),
        mib(rss_idle),
        per_idle / 1024.0,
        open_fds(&pid),
        threads(&pid),
    );
    let idle_cpu = if o.idle_cpu_secs > 0 {
        let w = CpuWindow::start(&pid);
        tokio::time::sleep(Duration::from_secs(o.idle_cpu_secs)).await;
        let c = w.end();
        let by_thread: Vec<String> = c
            .threads
            .iter()
            .map(|(n, x, w)| format!("{n} {} (waiting for a CPU {})", pct(*x), pct(*w)))
            .collect();
        println!(
            "idle: relay CPU with only idle connections open: {} of a core over {} s (generator {}); by thread: {}",
            pct(c.relay),
            o.idle_cpu_secs,
            pct(c.me),
            by_thread.join(", ")
        );
        Some(c)
    } else {
        None
    };

    // ---- Active devices --------------------------------------------------
    let per_doc = o.per_doc();
    let active = per_doc * o.offices;
    let shared = Arc::new(Shared {
        tracks: (0..o.offices).map(|_| Mutex::default()).collect(),
        counters: counters.clone(),
        measuring: AtomicBool::new(false),
        base: Instant::now(),
        per_doc,
    });
    let t = Instant::now();
    let gate = Arc::new(Semaphore::new(32));
    let mut senders = Vec::with_capacity(active);
    let rss_before_active = rss(&pid);
    let mut handles = Vec::new();
    for i in 0..active {
        let (tx, rx) = mpsc::channel(4);
        senders.push(tx);
        let doc_index = i % o.offices;
        handles.push(tokio::spawn(active_device(
            url.clone(),
            prep.tokens[i].clone(),
            i,
            doc_index,
            i / o.offices,
            prep.office_docs[doc_index],
            shared.clone(),
            rx,
            gate.clone(),
        )));
    }
    while counters.active_ready.load(Ordering::Relaxed)
        + counters.active_failed.load(Ordering::Relaxed)
        < active as u64
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ready = counters.active_ready.load(Ordering::Relaxed);
    let rss_active = rss(&pid);
    println!(
        "active: {ready} devices synced their document ({} failed) in {:.1} s; relay RSS {} -> {}; received {}",
        counters.active_failed.load(Ordering::Relaxed),
        t.elapsed().as_secs_f64(),
        mib(rss_before_active),
        mib(rss_active),
        mib(counters.bytes_in.load(Ordering::Relaxed)),
    );

    // ---- Edits -----------------------------------------------------------
    let bytes_in0 = counters.bytes_in.load(Ordering::Relaxed);
    let bytes_out0 = counters.bytes_out.load(Ordering::Relaxed);
    let edit_period = Duration::from_secs_f64(1.0 / o.rate);
    let mut tick = tokio::time::interval(edit_period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let warm_end = Instant::now() + Duration::from_secs(o.warmup);
    let end = warm_end + Duration::from_secs(o.secs);
    let mut n: u64 = 0;
    let mut cpu: Option<CpuWindow> = None;
    let mut measured_start = Instant::now();
    let mut edits_at_start = 0;
    let mut next_report = warm_end + Duration::from_secs(10);
    let mut last_report_len = 0usize;
    loop {
        let now = tick.tick().await.into_std();
        if now >= end {
            break;
        }
        if cpu.is_none() && now >= warm_end {
            shared.measuring.store(true, Ordering::Relaxed);
            cpu = Some(CpuWindow::start(&pid));
            measured_start = now;
            edits_at_start = counters.edits.load(Ordering::Relaxed);
        }
        if now >= next_report {
            next_report += Duration::from_secs(10);
            let mut all: Vec<u32> = Vec::new();
            for t in &shared.tracks {
                all.extend(t.lock().expect("track").latencies.iter().map(|x| x.1));
            }
            let len = all.len();
            let mut window: Vec<u32> = all.split_off(last_report_len.min(len));
            last_report_len = len;
            window.sort_unstable();
            let c = cpu.as_ref().map(|c| c.end());
            println!(
                "  +{:>3.0} s: {} edits, {} deliveries in the last 10 s, p50 {} p99 {} max {}; relay CPU {} so far",
                now.duration_since(measured_start).as_secs_f64(),
                counters.edits.load(Ordering::Relaxed) - edits_at_start,
                window.len(),
                ms(percentile(&window, 0.5)),
                ms(percentile(&window, 0.99)),
                ms(percentile(&window, 1.0)),
                c.map_or("-".into(), |c| pct(c.relay)),
            );
        }
        // Consecutive edits go to different documents (device i is of
        // document i % offices).
        let device = (n as usize) % active;
        match senders[device].try_send(n) {
            Ok(()) => {}
            Err(_) => {
                counters.edits_skipped.fetch_add(1, Ordering::Relaxed);
            }
        }
        n += 1;
    }
    let measured_secs = measured_start.elapsed().as_secs_f64();
    let cpu_use = cpu.map(|c| c.end());
    let edits_measured = counters.edits.load(Ordering::Relaxed) - edits_at_start;
    let rss_run = rss(&pid);
    let hwm = status_kb(&pid, "VmHWM:");
    // Drain: every edit reaches every device, or is counted undelivered.
    let drain = Instant::now();
    loop {
        let pending: usize = shared
            .tracks
            .iter()
            .map(|t| t.lock().expect("track").pending.len())
            .sum();
        if pending == 0 || drain.elapsed() > Duration::from_secs(15) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let full = shared.full();
    let mut undelivered = 0u64;
    let mut undelivered_edits = 0u64;
    let mut samples: Vec<(u32, u32)> = Vec::new();
    let (mut first, mut last) = (Vec::new(), Vec::new());
    for t in &shared.tracks {
        let t = t.lock().expect("track");
        for p in &t.pending {
            undelivered_edits += 1;
            undelivered += u64::from((full & !p.got).count_ones());
        }
        samples.extend(t.latencies.iter().copied());
        first.extend(t.first.iter().copied());
        last.extend(t.last.iter().copied());
    }
    first.sort_unstable();
    last.sort_unstable();
    let bytes_in = counters.bytes_in.load(Ordering::Relaxed) - bytes_in0;
    let bytes_out = counters.bytes_out.load(Ordering::Relaxed) - bytes_out0;
    counters.stopping.store(true, Ordering::Relaxed);
    drop(senders);
    let _ = stop_tx.send(true);
    for h in handles {
        let _ = tokio::time::timeout(Duration::from_secs(10), h).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let relay_alive = matches!(child.try_wait(), Ok(None));
    let _ = child.start_kill();
    let _ = child.wait().await;

    // ---- Report ----------------------------------------------------------
    let mut lat: Vec<u32> = samples.iter().map(|s| s.1).collect();
    lat.sort_unstable();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!();
    println!("## Scale: {} idle + {} active", o.idle, active);
    println!("| what | figure |");
    println!("| --- | --- |");
    println!(
        "| machine | {cores} cores; relay `--workers {}` (0: one shard per core); generator {} tokio threads |",
        o.workers, o.gen_threads
    );
    println!(
        "| idle connections open | {idle_open} of {} ({} failed, {} dropped later) in {idle_secs:.1} s |",
        o.idle,
        counters.idle_failed.load(Ordering::Relaxed),
        counters.idle_dropped.load(Ordering::Relaxed)
    );
    println!(
        "| relay RSS: started / + idle / + active synced / end of run (peak) | {} / {} / {} / {} ({}) |",
        mib(rss_start),
        mib(rss_idle),
        mib(rss_active),
        mib(rss_run),
        mib(hwm)
    );
    println!(
        "| relay memory per idle connection | {:.1} KiB |",
        per_idle / 1024.0
    );
    if let Some(c) = &idle_cpu {
        println!(
            "| relay CPU, only idle connections | {} of a core |",
            pct(c.relay)
        );
    }
    println!(
        "| active devices synced | {ready} of {active} ({} failed) |",
        counters.active_failed.load(Ordering::Relaxed)
    );
    println!(
        "| edits sent (measured {measured_secs:.0} s) | {edits_measured} ({:.1}/s; {} skipped: device busy; {} edit errors) |",
        edits_measured as f64 / measured_secs,
        counters.edits_skipped.load(Ordering::Relaxed),
        counters.edit_errors.load(Ordering::Relaxed)
    );
    println!(
        "| deliveries (applied by another device) | {} ({:.0}/s) |",
        lat.len(),
        lat.len() as f64 / measured_secs
    );
    println!(
        "| delivery latency p50 / p90 / p99 / max | {} / {} / {} / {} |",
        ms(percentile(&lat, 0.5)),
        ms(percentile(&lat, 0.9)),
        ms(percentile(&lat, 0.99)),
        ms(percentile(&lat, 1.0))
    );
    println!(
        "| per edit: to the first other device p50 / p99; to the last p50 / p99 | {} / {} ; {} / {} |",
        ms(percentile(&first, 0.5)),
        ms(percentile(&first, 0.99)),
        ms(percentile(&last, 0.5)),
        ms(percentile(&last, 0.99))
    );
    println!(
        "| undelivered after a 15 s drain | {undelivered} deliveries of {undelivered_edits} edits |"
    );
    if let Some(c) = &cpu_use {
        println!(
            "| CPU during the run: relay / generator / whole machine | {} / {} / {} of a core ({:.1} s / {:.1} s of CPU; generator threads waiting for a CPU {}) |",
            pct(c.relay),
            pct(c.me),
            pct(c.machine),
            c.relay_secs,
            c.me_secs,
            pct(c.me_wait)
        );
        let by_thread: Vec<String> = c
            .threads
            .iter()
            .map(|(n, x, w)| format!("{n} {} (waiting for a CPU {})", pct(*x), pct(*w)))
            .collect();
        println!(
            "| relay threads: running (waiting for a CPU while runnable), one core = 100 % | {} |",
            by_thread.join(", ")
        );
    }
    println!(
        "| generator traffic during the run: received / sent | {} / {} |",
        mib(bytes_in),
        mib(bytes_out)
    );
    println!(
        "| load average (1 min) at start / end: other processes share the machine | {load0} / {} |",
        loadavg()
    );
    println!(
        "| relay pings answered by idle connections | {} |",
        counters.pings.load(Ordering::Relaxed)
    );
    // p99 per 10 s of sending time, to show when the slow ones happened.
    let start_sec = measured_start.duration_since(shared.base).as_secs() as u32;
    let mut windows: std::collections::BTreeMap<u32, Vec<u32>> = Default::default();
    for (at, l) in &samples {
        windows
            .entry(at.saturating_sub(start_sec) / 10)
            .or_default()
            .push(*l);
    }
    let line: Vec<String> = windows
        .into_iter()
        .map(|(w, mut v)| {
            v.sort_unstable();
            format!("{}s:{:.0}", w * 10, percentile(&v, 0.99))
        })
        .collect();
    println!("p99 (ms) per 10 s window: {}", line.join(" "));
    let reasons = counters.reasons.lock().expect("reasons");
    if !reasons.is_empty() {
        println!("failures and closes:");
        let mut r: Vec<_> = reasons.iter().collect();
        r.sort_by(|a, b| b.1.cmp(a.1));
        for (why, n) in r.iter().take(12) {
            println!("  {n:>6} × {why}");
        }
    }
    let log = std::fs::read_to_string(dir.join("relay.log")).unwrap_or_default();
    let refused = log.lines().filter(|l| l.contains("refused")).count();
    let errors = log
        .lines()
        .filter(|l| l.contains(" ERROR ") || l.contains(" WARN "))
        .count();
    println!(
        "relay log: {} lines, {refused} refusals, {errors} warnings/errors ({})",
        log.lines().count(),
        dir.join("relay.log").display()
    );
    let p99 = percentile(&lat, 0.99);
    let broke = counters.idle_failed.load(Ordering::Relaxed) > 0
        || counters.idle_dropped.load(Ordering::Relaxed) > 0
        || counters.active_failed.load(Ordering::Relaxed) > 0
        || counters.edit_errors.load(Ordering::Relaxed) > 0
        || undelivered > 0
        || lat.is_empty()
        || !relay_alive;
    println!(
        "goal (p99 < 50 ms): {}",
        if p99 < 50.0 { "met" } else { "NOT met" }
    );
    if !o.keep_data {
        let _ = std::fs::remove_dir_all(&dir);
    }
    if broke {
        println!("FAILED: something broke (see above)");
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
