//! One shard of the hub: a thread with its own sync core for the documents
//! whose id maps to it, fed by connection tasks and storage tasks, carrying
//! the core's actions out.
//!
//! One owner per document means no locks around a core and one order of
//! events per document; storage runs in parallel tasks and reports back as
//! inputs, so a slow fsync delays only the acknowledgement it guards.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use automerge::{Automerge, ChangeHash};
use shared::cluster::ClusterPolicy;
use shared::core::{Action, Config, ConnId, Core, Event, Input, PeerAuth, StorageHealth};
use shared::protocol::DocumentId;
use tokio::sync::{mpsc, oneshot};

use super::{Goodbye, Outbound, Progress, Published};
use crate::store::RelayStore;

/// Frames from all devices waiting for one shard.
const INBOX_FRAMES: usize = 1024;
/// Frames fed to the core in one go before its actions run (see the loop).
const FRAME_BATCH: usize = 64;

/// A shard's side of a connection's outbox (every shard holds one).
pub(super) struct ShardOutbox {
    pub(super) frames: mpsc::Sender<Outbound>,
    pub(super) queued: Arc<AtomicUsize>,
    /// Shared by the shards: the first to drop the connection says why.
    pub(super) goodbye: Arc<Mutex<Option<oneshot::Sender<Goodbye>>>>,
}

/// Control messages into a shard (bounded by the number of connections,
/// storage operations in flight and HTTP requests).
pub(super) enum ShardMsg {
    Connect {
        conn: ConnId,
        auth: PeerAuth,
        out: ShardOutbox,
    },
    Disconnect {
        conn: ConnId,
    },
    Storage(Input),
    /// Copies of documents of this shard (loading them first).
    Copy {
        docs: Vec<DocumentId>,
        reply: oneshot::Sender<HashMap<DocumentId, Automerge>>,
    },
    IsLoaded {
        doc: DocumentId,
        reply: oneshot::Sender<bool>,
    },
    ReadyPeers(oneshot::Sender<usize>),
    /// Answer once every write issued so far is durable.
    Flush(oneshot::Sender<()>),
}

type Frame = (ConnId, Vec<u8>, Arc<Progress>);

/// The hub's handle on one shard.
pub(super) struct Handle {
    index: usize,
    tx: mpsc::UnboundedSender<ShardMsg>,
    frames: mpsc::Sender<Frame>,
    health: Arc<Mutex<StorageHealth>>,
}

impl Handle {
    pub(super) fn send(&self, msg: ShardMsg) {
        let _ = self.tx.send(msg);
    }

    pub(super) async fn frame(&self, conn: ConnId, bytes: Vec<u8>, progress: Arc<Progress>) {
        if let Err(e) = self.frames.send((conn, bytes, progress)).await {
            // The shard is gone (shutting down): nothing waits on this frame.
            e.0.2.handled(self.index);
        }
    }

    pub(super) fn health(&self) -> StorageHealth {
        self.health.lock().expect("health lock").clone()
    }
}

/// What a shard is started with.
pub(super) struct Setup<S> {
    pub(super) index: usize,
    pub(super) policy: ClusterPolicy,
    pub(super) store: S,
    pub(super) cfg: Config,
    pub(super) max_outbox_bytes: usize,
    pub(super) published: Arc<Published>,
    /// The document this shard publishes copies of (the cluster document).
    pub(super) publishes: Option<DocumentId>,
}

struct PendingCopy {
    docs: Vec<DocumentId>,
    reply: oneshot::Sender<HashMap<DocumentId, Automerge>>,
}

struct Shard<S: RelayStore> {
    index: usize,
    core: Core<ClusterPolicy>,
    store: S,
    conns: HashMap<ConnId, ShardOutbox>,
    /// For storage answers; weak, so the shard ends when the hub is dropped.
    tx: mpsc::WeakUnboundedSender<ShardMsg>,
    copies: Vec<PendingCopy>,
    writes_in_flight: usize,
    flush_waiters: Vec<oneshot::Sender<()>>,
    max_outbox_bytes: usize,
    health: Arc<Mutex<StorageHealth>>,
    started: Instant,
    published: Arc<Published>,
    publishes: Option<DocumentId>,
    /// Heads of the copy last published, or version of the copy last read.
    published_heads: Vec<ChangeHash>,
    seen_version: u64,
}

/// Start a shard on its own thread (with its own single-threaded runtime for
/// the storage tasks it starts and its ticker).
pub(super) fn spawn<S: RelayStore>(setup: Setup<S>) -> Handle {
    let (tx, rx) = mpsc::unbounded_channel();
    let (frames_tx, frames_rx) = mpsc::channel::<Frame>(INBOX_FRAMES);
    let health = Arc::new(Mutex::new(StorageHealth::default()));
    let shard = Shard {
        index: setup.index,
        core: Core::new(setup.cfg, setup.policy),
        store: setup.store,
        conns: HashMap::new(),
        tx: tx.downgrade(),
        copies: Vec::new(),
        writes_in_flight: 0,
        flush_waiters: Vec::new(),
        max_outbox_bytes: setup.max_outbox_bytes,
        health: health.clone(),
        started: Instant::now(),
        published: setup.published,
        publishes: setup.publishes,
        published_heads: Vec::new(),
        seen_version: 0,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a shard's runtime starts");
    std::thread::Builder::new()
        .name(format!("thidua-shard-{}", setup.index))
        .spawn(move || runtime.block_on(shard.run(rx, frames_rx)))
        .expect("a shard's thread starts");
    Handle {
        index: setup.index,
        tx,
        frames: frames_tx,
        health,
    }
}

impl<S: RelayStore> Shard<S> {
    async fn run(
        mut self,
        mut rx: mpsc::UnboundedReceiver<ShardMsg>,
        mut frames_rx: mpsc::Receiver<Frame>,
    ) {
        self.run_actions();
        let mut ticker = tokio::time::interval(Duration::from_secs(1));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut handled: Vec<Arc<Progress>> = Vec::new();
        loop {
            tokio::select! {
                // Control first: connects, storage answers and disconnects
                // are what lets frames make progress.
                biased;
                msg = rx.recv() => match msg {
                    Some(msg) => self.handle(msg),
                    None => break,
                },
                Some(first) = frames_rx.recv() => {
                    self.frame(first, &mut handled);
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
                            Ok(f) => self.frame(f, &mut handled),
                            Err(_) => break,
                        }
                    }
                }
                _ = ticker.tick() => {
                    let now_ms = self.started.elapsed().as_millis() as u64;
                    self.guarded(None, Input::Tick { now_ms });
                }
            }
            // Publish before anything of this round leaves (a change to the
            // cluster document is acknowledged only after this) and before
            // the connections that sent it may go on to other shards.
            self.publish();
            for p in handled.drain(..) {
                p.handled(self.index);
            }
            self.run_actions();
            self.serve_copies();
            self.publish_health();
        }
    }

    fn handle(&mut self, msg: ShardMsg) {
        match msg {
            ShardMsg::Connect { conn, auth, out } => {
                self.conns.insert(conn, out);
                self.guarded(Some(conn), Input::Connected { conn, auth });
            }
            ShardMsg::Disconnect { conn } => {
                self.conns.remove(&conn);
                self.guarded(None, Input::Disconnected { conn });
                self.core.evict_idle();
            }
            ShardMsg::Storage(input) => {
                if matches!(input, Input::Stored { .. }) {
                    self.writes_in_flight -= 1;
                }
                self.guarded(None, input);
            }
            ShardMsg::Copy { docs, reply } => {
                for d in &docs {
                    if !self.core.is_loaded(d) {
                        self.core.load(*d);
                    }
                }
                self.copies.push(PendingCopy { docs, reply });
            }
            ShardMsg::IsLoaded { doc, reply } => {
                let _ = reply.send(self.core.is_loaded(&doc));
            }
            ShardMsg::ReadyPeers(reply) => {
                let _ = reply.send(self.core.ready_peers());
            }
            ShardMsg::Flush(waiter) => {
                // Stopping: the devices' sync states are worth keeping.
                self.core.save_sync_states_now();
                self.flush_waiters.push(waiter);
            }
        }
    }

    fn frame(&mut self, (conn, bytes, progress): Frame, handled: &mut Vec<Arc<Progress>>) {
        if self.conns.contains_key(&conn) {
            self.guarded(Some(conn), Input::Frame { conn, bytes });
        }
        handled.push(progress);
    }

    /// The cluster document's shard: publish a copy when it changed.
    fn publish(&mut self) {
        let Some(id) = self.publishes else { return };
        let Some(doc) = self.core.doc(&id) else {
            return;
        };
        let heads = doc.get_heads();
        if heads == self.published_heads {
            return;
        }
        let copy = Arc::new(doc.clone());
        self.published_heads = heads;
        *self.published.doc.lock().expect("published lock") = Some((id, copy));
        self.published.version.fetch_add(1, Ordering::AcqRel);
    }

    /// Other shards: take the newest published copy.
    fn read_published(&mut self) {
        if self.publishes.is_some() {
            return;
        }
        let version = self.published.version.load(Ordering::Acquire);
        if version == self.seen_version {
            return;
        }
        self.seen_version = version;
        let copy = self.published.doc.lock().expect("published lock").clone();
        if let Some((id, doc)) = copy {
            self.core.set_external_doc(id, doc);
        }
    }

    /// Feed the core, surviving a panic: the connection whose input caused it
    /// is closed (a document it was changing reloads from durable storage
    /// when next used), every other connection goes on.
    fn guarded(&mut self, conn: Option<ConnId>, input: Input) {
        // The rules may read the cluster document: the newest copy first.
        self.read_published();
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
        if let Some(out) = self.conns.remove(&conn)
            && let Some(bye) = out.goodbye.lock().expect("goodbye lock").take()
        {
            let _ = bye.send(Goodbye { code, message });
        }
    }

    fn serve_copies(&mut self) {
        let core = &self.core;
        let (ready, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.copies)
            .into_iter()
            .partition(|r| r.docs.iter().all(|d| core.is_loaded(d)));
        self.copies = waiting;
        for r in ready {
            let copies = r
                .docs
                .iter()
                .filter_map(|d| Some((*d, self.core.doc(d)?.clone())))
                .collect();
            let _ = r.reply.send(copies);
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
                        if let Some(tx) = tx.upgrade() {
                            let _ = tx.send(ShardMsg::Storage(Input::Loaded { doc, chunks }));
                        }
                    });
                }
                Action::Store { chunk } => {
                    self.writes_in_flight += 1;
                    let (store, tx) = (self.store.clone(), self.tx.clone());
                    tokio::spawn(async move {
                        let key = chunk.key.clone();
                        let result = store.put(chunk).await.map_err(|e| e.to_string());
                        if let Some(tx) = tx.upgrade() {
                            let _ = tx.send(ShardMsg::Storage(Input::Stored { key, result }));
                        }
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
