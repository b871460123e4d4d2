//! The relay's hub: one task owning the sync core, fed by connection tasks and
//! storage tasks, carrying the core's actions out.
//!
//! One owner means no locks around the core and one total order of events;
//! storage runs in parallel tasks and reports back as inputs, so a slow fsync
//! delays only the acknowledgement it guards.
//!
//! Every queue is bounded: frames from devices enter through a bounded
//! channel (a device that sends faster than the hub works waits on its own
//! socket), and each connection's outbox holds at most
//! [`crate::Limits::max_outbox_bytes`]; a device that does not read its
//! frames is disconnected with a reason (it reconnects and resumes).
//! The hub ticks the core once a second (rate limits, storage retries) and
//! publishes the storage health `/healthz` reports.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use shared::cluster::ClusterPolicy;
use shared::core::{Action, Config, ConnId, Core, Event, Input, PeerAuth, StorageHealth};
use shared::protocol::DocumentId;
use tokio::sync::{mpsc, oneshot};

use crate::store::RelayStore;

/// What a connection task receives from the hub.
#[derive(Debug)]
pub enum Outbound {
    Frame(Vec<u8>),
    Close,
}

/// Why the hub dropped a connection on its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Goodbye {
    pub code: &'static str,
    pub message: String,
}

/// A connection's side of its outbox: frames, and the bytes still queued.
pub struct Outbox {
    pub frames: mpsc::Receiver<Outbound>,
    pub queued: Arc<AtomicUsize>,
    pub goodbye: oneshot::Receiver<Goodbye>,
}

/// The hub's side of a connection's outbox.
struct OutboxTx {
    frames: mpsc::Sender<Outbound>,
    queued: Arc<AtomicUsize>,
    goodbye: Option<oneshot::Sender<Goodbye>>,
}

/// Frames one outbox holds at most (besides the byte bound).
const OUTBOX_FRAMES: usize = 1024;
/// Frames from all devices waiting for the hub.
const INBOX_FRAMES: usize = 1024;
/// Frames fed to the core in one go before its actions run (see the loop).
const FRAME_BATCH: usize = 64;

/// Create an outbox pair for a new connection.
pub fn outbox() -> (OutboxHandle, Outbox) {
    let (tx, rx) = mpsc::channel(OUTBOX_FRAMES);
    let queued = Arc::new(AtomicUsize::new(0));
    let (bye_tx, bye_rx) = oneshot::channel();
    (
        OutboxHandle(OutboxTx {
            frames: tx,
            queued: queued.clone(),
            goodbye: Some(bye_tx),
        }),
        Outbox {
            frames: rx,
            queued,
            goodbye: bye_rx,
        },
    )
}

/// The hub's end of an outbox, handed over in [`HubMsg::Connect`].
pub struct OutboxHandle(OutboxTx);

/// A read-only function run by the hub over its loaded documents.
pub type ReadFn = Box<dyn FnOnce(&Core<ClusterPolicy>) + Send>;

/// Control messages into the hub (bounded by the number of connections,
/// storage operations in flight and HTTP requests).
pub enum HubMsg {
    Connect {
        conn: ConnId,
        auth: PeerAuth,
        out: OutboxHandle,
    },
    Disconnect {
        conn: ConnId,
    },
    Storage(Input),
    /// Run a read-only function over the loaded documents (after loading `docs`).
    Read {
        docs: Vec<DocumentId>,
        f: ReadFn,
    },
    /// Answer once every write issued so far is durable (for orderly shutdown).
    Flush(oneshot::Sender<()>),
}

/// A handle to send messages to the hub.
#[derive(Clone)]
pub struct Hub {
    tx: mpsc::UnboundedSender<HubMsg>,
    frames: mpsc::Sender<(ConnId, Vec<u8>)>,
    health: Arc<Mutex<StorageHealth>>,
}

impl Hub {
    pub fn send(&self, msg: HubMsg) {
        let _ = self.tx.send(msg);
    }

    /// Hand a device's frame to the hub, waiting while the hub is busy (the
    /// caller stops reading its socket meanwhile: backpressure to the device).
    pub async fn frame(&self, conn: ConnId, bytes: Vec<u8>) {
        let _ = self.frames.send((conn, bytes)).await;
    }

    /// Storage health as of the hub's last step.
    pub fn storage_health(&self) -> StorageHealth {
        self.health.lock().expect("health lock").clone()
    }

    /// Read loaded documents (loading them first if needed).
    pub async fn read<T: Send + 'static>(
        &self,
        docs: Vec<DocumentId>,
        f: impl FnOnce(&Core<ClusterPolicy>) -> T + Send + 'static,
    ) -> Option<T> {
        let (tx, rx) = oneshot::channel();
        self.send(HubMsg::Read {
            docs,
            f: Box::new(move |core| {
                let _ = tx.send(f(core));
            }),
        });
        rx.await.ok()
    }
}

struct PendingRead {
    docs: Vec<DocumentId>,
    f: ReadFn,
}

struct HubTask<S: RelayStore> {
    core: Core<ClusterPolicy>,
    store: S,
    conns: HashMap<ConnId, OutboxTx>,
    tx: mpsc::UnboundedSender<HubMsg>,
    reads: Vec<PendingRead>,
    writes_in_flight: usize,
    flush_waiters: Vec<oneshot::Sender<()>>,
    max_outbox_bytes: usize,
    health: Arc<Mutex<StorageHealth>>,
    started: Instant,
}

/// Start the hub task.
pub fn spawn<S: RelayStore>(
    policy: ClusterPolicy,
    store: S,
    cfg: Config,
    max_outbox_bytes: usize,
) -> Hub {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (frames_tx, mut frames_rx) = mpsc::channel::<(ConnId, Vec<u8>)>(INBOX_FRAMES);
    let health = Arc::new(Mutex::new(StorageHealth::default()));
    let mut task = HubTask {
        core: Core::new(cfg, policy),
        store,
        conns: HashMap::new(),
        tx: tx.clone(),
        reads: Vec::new(),
        writes_in_flight: 0,
        flush_waiters: Vec::new(),
        max_outbox_bytes,
        health: health.clone(),
        started: Instant::now(),
    };
    tokio::spawn(async move {
        task.run_actions();
        let mut ticker = tokio::time::interval(Duration::from_secs(1));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                // Control first: connects, storage answers and disconnects
                // are what lets frames make progress.
                biased;
                msg = rx.recv() => match msg {
                    Some(msg) => task.handle(msg),
                    None => break,
                },
                Some((conn, bytes)) = frames_rx.recv() => {
                    task.frame(conn, bytes);
                    // Frames that are already here go in before the core is
                    // polled: it then answers each peer of a busy document
                    // once for all of them, not once per frame.
                    for _ in 1..FRAME_BATCH {
                        // Control messages go first, as in the select: a
                        // connection's Connect is sent before its first
                        // frame, so a frame taken while the control channel
                        // is empty never belongs to a connection not yet in.
                        if !rx.is_empty() {
                            break;
                        }
                        match frames_rx.try_recv() {
                            Ok((conn, bytes)) => task.frame(conn, bytes),
                            Err(_) => break,
                        }
                    }
                }
                _ = ticker.tick() => {
                    let now_ms = task.started.elapsed().as_millis() as u64;
                    task.guarded(None, Input::Tick { now_ms });
                }
            }
            task.run_actions();
            task.serve_reads();
            task.publish_health();
        }
    });
    Hub {
        tx,
        frames: frames_tx,
        health,
    }
}

impl<S: RelayStore> HubTask<S> {
    fn handle(&mut self, msg: HubMsg) {
        match msg {
            HubMsg::Connect { conn, auth, out } => {
                self.conns.insert(conn, out.0);
                self.guarded(Some(conn), Input::Connected { conn, auth });
            }
            HubMsg::Disconnect { conn } => {
                self.conns.remove(&conn);
                self.guarded(None, Input::Disconnected { conn });
                self.core.evict_idle();
            }
            HubMsg::Storage(input) => {
                if matches!(input, Input::Stored { .. }) {
                    self.writes_in_flight -= 1;
                }
                self.guarded(None, input);
            }
            HubMsg::Read { docs, f } => {
                for d in &docs {
                    if !self.core.is_loaded(d) {
                        self.core.load(*d);
                    }
                }
                self.reads.push(PendingRead { docs, f });
            }
            HubMsg::Flush(waiter) => self.flush_waiters.push(waiter),
        }
    }

    fn frame(&mut self, conn: ConnId, bytes: Vec<u8>) {
        if self.conns.contains_key(&conn) {
            self.guarded(Some(conn), Input::Frame { conn, bytes });
        }
    }

    /// Feed the core, surviving a panic: the connection whose input caused it
    /// is closed (a document it was changing reloads from durable storage
    /// when next used), every other connection goes on.
    fn guarded(&mut self, conn: Option<ConnId>, input: Input) {
        let core = &mut self.core;
        if std::panic::catch_unwind(AssertUnwindSafe(|| core.handle(input))).is_err() {
            tracing::error!(conn = ?conn.map(|c| c.0), "the sync core panicked on an input; the connection is closed");
            if let Some(conn) = conn {
                self.drop_conn(
                    conn,
                    "internal-error",
                    "the relay could not process a message from this device; reconnect".into(),
                );
                let _ = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    self.core.handle(Input::Disconnected { conn })
                }));
            }
        }
    }

    /// Disconnect a connection from the hub's side, telling it why.
    fn drop_conn(&mut self, conn: ConnId, code: &'static str, message: String) {
        if let Some(mut out) = self.conns.remove(&conn)
            && let Some(bye) = out.goodbye.take()
        {
            let _ = bye.send(Goodbye { code, message });
        }
    }

    fn serve_reads(&mut self) {
        let core = &self.core;
        let (ready, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.reads)
            .into_iter()
            .partition(|r| r.docs.iter().all(|d| core.is_loaded(d)));
        self.reads = waiting;
        for r in ready {
            (r.f)(&self.core);
        }
        if self.writes_in_flight == 0 {
            for w in self.flush_waiters.drain(..) {
                let _ = w.send(());
            }
        }
    }

    fn publish_health(&mut self) {
        let now = self.core.storage_health();
        let mut shared = self.health.lock().expect("health lock");
        if *shared != now {
            *shared = now;
        }
    }

    fn run_actions(&mut self) {
        while let Some(action) = self.core.poll() {
            match action {
                Action::Send { conn, bytes } => self.send_frame(conn, bytes),
                Action::Close { conn } => {
                    if let Some(out) = self.conns.remove(&conn) {
                        let _ = out.frames.try_send(Outbound::Close);
                    }
                }
                Action::Load { doc } => {
                    let (store, tx) = (self.store.clone(), self.tx.clone());
                    tokio::spawn(async move {
                        let chunks = store.load(doc).await.map_err(|e| e.to_string());
                        let _ = tx.send(HubMsg::Storage(Input::Loaded { doc, chunks }));
                    });
                }
                Action::Store { chunk } => {
                    self.writes_in_flight += 1;
                    let (store, tx) = (self.store.clone(), self.tx.clone());
                    tokio::spawn(async move {
                        let key = chunk.key.clone();
                        let result = store.put(chunk).await.map_err(|e| e.to_string());
                        let _ = tx.send(HubMsg::Storage(Input::Stored { key, result }));
                    });
                }
                Action::Delete { keys } => {
                    let store = self.store.clone();
                    tokio::spawn(async move {
                        if let Err(e) = store.delete(keys).await {
                            tracing::warn!("compaction could not delete merged chunks: {e}");
                        }
                    });
                }
                Action::Event(e) => log_event(&e),
            }
        }
    }

    /// Queue a frame for a connection; one that cannot keep up is dropped.
    fn send_frame(&mut self, conn: ConnId, bytes: Vec<u8>) {
        let Some(out) = self.conns.get(&conn) else {
            return;
        };
        let len = bytes.len();
        let queued = out.queued.fetch_add(len, Ordering::AcqRel) + len;
        let full = queued > self.max_outbox_bytes && queued > len;
        if full || out.frames.try_send(Outbound::Frame(bytes)).is_err() {
            out.queued.fetch_sub(len, Ordering::AcqRel);
            let message = format!(
                "this device did not read what the relay sent ({} bytes waiting); the connection closes and the app reconnects by itself",
                queued
            );
            tracing::warn!(conn = conn.0, "dropping a slow connection: {message}");
            self.drop_conn(conn, "too-slow", message);
            self.guarded(None, Input::Disconnected { conn });
        }
    }
}

fn log_event(e: &Event) {
    match e {
        Event::PeerReady { conn, peer_id } => {
            tracing::info!(conn = conn.0, %peer_id, "peer joined")
        }
        Event::Rejected {
            conn,
            doc,
            rejection,
        } => {
            tracing::warn!(conn = conn.0, %doc, code = rejection.code.as_str(), "refused a change: {}", rejection.message_en)
        }
        Event::ProtocolError {
            conn,
            code,
            message,
        } => tracing::warn!(conn = conn.0, code, "protocol error: {message}"),
        Event::StorageProblem { doc, message } => tracing::error!(%doc, "storage: {message}"),
        Event::DocChanged { doc, .. } => tracing::debug!(%doc, "document changed"),
        Event::DocReady { doc } => tracing::debug!(%doc, "document loaded"),
        Event::DocUnavailable { doc } => tracing::debug!(%doc, "document unavailable"),
        Event::RemoteHeads { .. } => {}
    }
}
