//! The relay's hub: documents spread over worker threads ("shards"), each
//! owning one sync core for its documents; the hub itself only routes.
//!
//! - **One document, one shard.** A document's shard is a hash of its id, so
//!   everything about it (gate, storage, sync messages to every device) runs
//!   on one thread in one order, without locks; different documents run in
//!   parallel.
//! - **A connection reaches every shard.** `join` goes to all of them (one
//!   answers `peer`, the others take the handshake silently); every other
//!   frame goes to the shard of its `documentId` ([`Message::route`], which
//!   reads that one field and skips the rest); frames about the connection
//!   itself go to the first shard, which answers them.
//! - **A connection's frames keep their order.** Before a frame goes to a
//!   shard, the connection waits until the frames it sent to *other* shards
//!   were handled. A leader's device that changes the cluster's scoring table
//!   and then scores the new criterion in its office document has the first
//!   change applied (and published, see below) before the second is checked.
//! - **The cluster document is read everywhere, written in one place.** The
//!   rules of every office document read the cluster document; its shard
//!   publishes a read-only copy after every change, before the change can be
//!   acknowledged or sent to anyone, and the other shards read that copy.
//! - **Every queue is bounded**: frames enter each shard through a bounded
//!   channel (a device that sends faster than its shard works waits on its
//!   own socket), and each connection's outbox holds at most
//!   [`crate::Limits::max_outbox_bytes`]; a device that does not read is
//!   disconnected with a reason (it reconnects and resumes).
//!
//! Each shard ticks its core once a second (rate limits, storage retries) and
//! publishes its storage health; [`Hub::storage_health`] adds them up.

mod shard;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use automerge::Automerge;
use shared::cluster::ClusterPolicy;
use shared::core::{Config, ConnId, Input, PeerAuth, StorageHealth};
use shared::protocol::{CborBudget, DocumentId, Message, Route};
use shared::storage::Chunk;
use tokio::sync::{Notify, mpsc, oneshot};

use crate::store::RelayStore;
use shard::{ShardMsg, ShardOutbox};

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

/// Frames one outbox holds at most (besides the byte bound).
const OUTBOX_FRAMES: usize = 1024;

/// How many frames each shard has handled, per connection: what a
/// connection waits on before it sends to another shard.
struct Progress {
    handled: Vec<AtomicU64>,
    changed: Notify,
}

impl Progress {
    fn handled(&self, shard: usize) {
        self.handled[shard].fetch_add(1, Ordering::AcqRel);
        self.changed.notify_waiters();
    }
}

/// The newest copy of the cluster document, published by its shard.
#[derive(Default)]
struct Published {
    version: AtomicU64,
    doc: Mutex<Option<(DocumentId, Arc<Automerge>)>>,
}

/// A handle to the hub (cheap to clone).
#[derive(Clone)]
pub struct Hub {
    shards: Arc<[shard::Handle]>,
    budget: CborBudget,
    max_docs_per_connection: usize,
}

/// How to start the hub.
pub struct HubOptions {
    /// Worker threads, each with its own core (at least 1).
    pub workers: usize,
    pub max_outbox_bytes: usize,
}

/// Start the hub: `opts.workers` shards on their own threads.
pub fn spawn<S: RelayStore>(policy: ClusterPolicy, store: S, cfg: Config, opts: HubOptions) -> Hub {
    let workers = opts.workers.max(1);
    let published = Arc::new(Published::default());
    let cluster = policy.directory().cluster_doc();
    let budget = cfg.limits.cbor;
    let max_docs_per_connection = cfg.max_docs_per_connection;
    let shards: Vec<shard::Handle> = (0..workers)
        .map(|index| {
            let mut cfg = cfg.clone();
            // The first shard answers handshakes and connection messages.
            cfg.answer_join = index == 0;
            // The cluster document is loaded (pinned) by its own shard only.
            let owns_cluster = cluster.is_some_and(|c| shard_of(&c, workers) == index);
            cfg.load_pinned = owns_cluster;
            shard::spawn(shard::Setup {
                index,
                policy: policy.clone(),
                store: store.clone(),
                cfg,
                max_outbox_bytes: opts.max_outbox_bytes,
                published: published.clone(),
                publishes: if owns_cluster { cluster } else { None },
            })
        })
        .collect();
    Hub {
        shards: shards.into(),
        budget,
        max_docs_per_connection,
    }
}

/// The shard of a document: the same on every run (documents are uniformly
/// random ids, so their first bytes spread them evenly).
fn shard_of(doc: &DocumentId, workers: usize) -> usize {
    let b = doc.as_bytes();
    (u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) % workers as u64) as usize
}

impl Hub {
    /// A new connection: every shard learns of it before its first frame.
    pub fn connect(&self, conn: ConnId, auth: PeerAuth) -> (Connection, Outbox) {
        let (tx, rx) = mpsc::channel(OUTBOX_FRAMES);
        let queued = Arc::new(AtomicUsize::new(0));
        let (bye_tx, bye_rx) = oneshot::channel();
        let goodbye = Arc::new(Mutex::new(Some(bye_tx)));
        let progress = Arc::new(Progress {
            handled: self.shards.iter().map(|_| AtomicU64::new(0)).collect(),
            changed: Notify::new(),
        });
        for s in self.shards.iter() {
            s.send(ShardMsg::Connect {
                conn,
                auth: auth.clone(),
                out: ShardOutbox {
                    frames: tx.clone(),
                    queued: queued.clone(),
                    goodbye: goodbye.clone(),
                },
            });
        }
        let connection = Connection {
            hub: self.clone(),
            conn,
            sent: vec![0; self.shards.len()],
            docs: std::collections::HashSet::new(),
            progress,
        };
        let outbox = Outbox {
            frames: rx,
            queued,
            goodbye: bye_rx,
        };
        (connection, outbox)
    }

    /// The shard (worker thread) that serves a document.
    pub fn shard_of(&self, doc: &DocumentId) -> usize {
        shard_of(doc, self.shards.len())
    }

    /// Storage health of all shards together.
    pub fn storage_health(&self) -> StorageHealth {
        let mut all = StorageHealth::default();
        for s in self.shards.iter() {
            let h = s.health();
            all.failed_writes += h.failed_writes;
            all.failed_loads += h.failed_loads;
            if all.last_error.is_none() {
                all.last_error = h.last_error;
            }
        }
        all
    }

    /// Copies of documents as the relay holds them now (loading them first
    /// if needed); `None` if a shard is gone.
    pub async fn copies(&self, docs: Vec<DocumentId>) -> Option<HashMap<DocumentId, Automerge>> {
        let mut by_shard: Vec<Vec<DocumentId>> = vec![Vec::new(); self.shards.len()];
        for d in docs {
            by_shard[shard_of(&d, self.shards.len())].push(d);
        }
        let mut waits = Vec::new();
        for (s, docs) in self.shards.iter().zip(by_shard) {
            if docs.is_empty() {
                continue;
            }
            let (tx, rx) = oneshot::channel();
            s.send(ShardMsg::Copy { docs, reply: tx });
            waits.push(rx);
        }
        let mut all = HashMap::new();
        for w in waits {
            all.extend(w.await.ok()?);
        }
        Some(all)
    }

    /// Whether the relay holds a document in memory now (it drops documents
    /// nobody syncs); `None` if its shard is gone.
    pub async fn is_loaded(&self, doc: DocumentId) -> Option<bool> {
        let (tx, rx) = oneshot::channel();
        self.shards[shard_of(&doc, self.shards.len())].send(ShardMsg::IsLoaded { doc, reply: tx });
        rx.await.ok()
    }

    /// Chunks another relay of the same database wrote: the document's
    /// shard merges what it has not merged yet (if it has the document
    /// loaded) and syncs its devices. Returns once the shard has taken them
    /// (one delivery at a time per caller: the shard's queue stays short).
    pub async fn external(&self, doc: DocumentId, chunks: Vec<Chunk>) {
        let shard = &self.shards[shard_of(&doc, self.shards.len())];
        shard.send(ShardMsg::Storage(Input::ExternalChunks { doc, chunks }));
        let (tx, rx) = oneshot::channel();
        shard.send(ShardMsg::IsLoaded { doc, reply: tx });
        let _ = rx.await;
    }

    /// Connections that finished the handshake (every shard serves each;
    /// the first one answers handshakes).
    pub async fn ready_peers(&self) -> Option<usize> {
        let (tx, rx) = oneshot::channel();
        self.shards[0].send(ShardMsg::ReadyPeers(tx));
        rx.await.ok()
    }

    /// Save the devices' sync states and wait until every write issued so
    /// far is durable (orderly shutdown).
    pub async fn flush(&self) {
        let mut waits = Vec::new();
        for s in self.shards.iter() {
            let (tx, rx) = oneshot::channel();
            s.send(ShardMsg::Flush(tx));
            waits.push(rx);
        }
        for w in waits {
            let _ = w.await;
        }
    }

    fn targets(&self, bytes: &[u8]) -> (Targets, Option<DocumentId>) {
        match Message::route(bytes, self.budget) {
            Route::Doc(d) => (Targets::One(shard_of(&d, self.shards.len())), Some(d)),
            Route::Join => (Targets::All, None),
            Route::Connection => (Targets::One(0), None),
        }
    }
}

/// Why the hub refused a connection's frame (the connection closes with it).
#[derive(Debug)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
}

enum Targets {
    One(usize),
    All,
}

impl Targets {
    fn contains(&self, shard: usize) -> bool {
        match self {
            Targets::One(s) => *s == shard,
            Targets::All => true,
        }
    }
}

/// A connection's way into the hub; dropping it tells every shard the
/// connection is gone.
pub struct Connection {
    hub: Hub,
    conn: ConnId,
    /// Frames sent to each shard.
    sent: Vec<u64>,
    /// Documents this connection sent frames about (the shards each see
    /// only theirs, so the limit per connection is kept here).
    docs: std::collections::HashSet<DocumentId>,
    progress: Arc<Progress>,
}

impl Connection {
    /// Hand a device's frame to the shard that serves it, waiting while
    /// that shard is busy or while frames this connection sent to other
    /// shards are not handled yet (the caller stops reading its socket
    /// meanwhile: backpressure to the device, and one order per connection).
    pub async fn frame(&mut self, bytes: Vec<u8>) -> Result<(), Refusal> {
        let (targets, doc) = self.hub.targets(&bytes);
        if let Some(doc) = doc
            && !self.docs.contains(&doc)
        {
            if self.docs.len() >= self.hub.max_docs_per_connection {
                return Err(Refusal {
                    code: "too-many-documents",
                    message: format!(
                        "this connection already syncs {} documents, the most one connection may; open another connection",
                        self.docs.len()
                    ),
                });
            }
            self.docs.insert(doc);
        }
        self.wait_for_others(&targets).await;
        match targets {
            Targets::One(s) => {
                self.sent[s] += 1;
                self.hub.shards[s]
                    .frame(self.conn, bytes, self.progress.clone())
                    .await;
            }
            Targets::All => {
                for s in 0..self.hub.shards.len() {
                    self.sent[s] += 1;
                    self.hub.shards[s]
                        .frame(self.conn, bytes.clone(), self.progress.clone())
                        .await;
                }
            }
        }
        Ok(())
    }

    async fn wait_for_others(&self, targets: &Targets) {
        loop {
            let changed = self.progress.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let behind = (0..self.sent.len()).any(|s| {
                !targets.contains(s)
                    && self.progress.handled[s].load(Ordering::Acquire) < self.sent[s]
            });
            if !behind {
                return;
            }
            changed.await;
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        for s in self.hub.shards.iter() {
            s.send(ShardMsg::Disconnect { conn: self.conn });
        }
    }
}
