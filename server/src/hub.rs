//! The relay's hub: one task owning the sync core, fed by connection tasks and
//! storage tasks, carrying the core's actions out.
//!
//! One owner means no locks around the core and one total order of events;
//! disk writes run on the blocking pool in parallel and report back as inputs,
//! so a slow fsync delays only the acknowledgement it guards.

use std::collections::HashMap;

use shared::cluster::ClusterPolicy;
use shared::core::{Action, Config, ConnId, Core, Event, Input, PeerAuth};
use shared::protocol::DocumentId;
use shared::storage::ChunkStore;
use tokio::sync::{mpsc, oneshot};

use crate::store::FileStore;

/// What a connection task receives from the hub.
#[derive(Debug)]
pub enum Outbound {
    Frame(Vec<u8>),
    Close,
}

/// A read-only function run by the hub over its loaded documents.
pub type ReadFn = Box<dyn FnOnce(&Core<ClusterPolicy>) + Send>;

/// Messages into the hub.
pub enum HubMsg {
    Connect {
        conn: ConnId,
        auth: PeerAuth,
        out: mpsc::UnboundedSender<Outbound>,
    },
    Frame {
        conn: ConnId,
        bytes: Vec<u8>,
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
}

impl Hub {
    pub fn send(&self, msg: HubMsg) {
        let _ = self.tx.send(msg);
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

struct HubTask {
    core: Core<ClusterPolicy>,
    store: FileStore,
    conns: HashMap<ConnId, mpsc::UnboundedSender<Outbound>>,
    tx: mpsc::UnboundedSender<HubMsg>,
    reads: Vec<PendingRead>,
    writes_in_flight: usize,
    flush_waiters: Vec<oneshot::Sender<()>>,
}

/// Start the hub task.
pub fn spawn(policy: ClusterPolicy, store: FileStore, cfg: Config) -> Hub {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut task = HubTask {
        core: Core::new(cfg, policy),
        store,
        conns: HashMap::new(),
        tx: tx.clone(),
        reads: Vec::new(),
        writes_in_flight: 0,
        flush_waiters: Vec::new(),
    };
    tokio::spawn(async move {
        task.run_actions();
        while let Some(msg) = rx.recv().await {
            task.handle(msg);
            task.run_actions();
            task.serve_reads();
        }
    });
    Hub { tx }
}

impl HubTask {
    fn handle(&mut self, msg: HubMsg) {
        match msg {
            HubMsg::Connect { conn, auth, out } => {
                self.conns.insert(conn, out);
                self.core.handle(Input::Connected { conn, auth });
            }
            HubMsg::Frame { conn, bytes } => self.core.handle(Input::Frame { conn, bytes }),
            HubMsg::Disconnect { conn } => {
                self.conns.remove(&conn);
                self.core.handle(Input::Disconnected { conn });
                self.core.evict_idle();
            }
            HubMsg::Storage(input) => {
                if matches!(input, Input::Stored { .. }) {
                    self.writes_in_flight -= 1;
                }
                self.core.handle(input);
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

    fn run_actions(&mut self) {
        while let Some(action) = self.core.poll() {
            match action {
                Action::Send { conn, bytes } => {
                    if let Some(out) = self.conns.get(&conn) {
                        let _ = out.send(Outbound::Frame(bytes));
                    }
                }
                Action::Close { conn } => {
                    if let Some(out) = self.conns.remove(&conn) {
                        let _ = out.send(Outbound::Close);
                    }
                }
                Action::Load { doc } => {
                    let (store, tx) = (self.store.clone(), self.tx.clone());
                    tokio::spawn(async move {
                        let chunks = store.load(&doc).await.map_err(|e| e.to_string());
                        let _ = tx.send(HubMsg::Storage(Input::Loaded { doc, chunks }));
                    });
                }
                Action::Store { chunk } => {
                    self.writes_in_flight += 1;
                    let (store, tx) = (self.store.clone(), self.tx.clone());
                    tokio::spawn(async move {
                        let result = store.put(&chunk).await.map_err(|e| e.to_string());
                        let key = chunk.key;
                        let _ = tx.send(HubMsg::Storage(Input::Stored { key, result }));
                    });
                }
                Action::Delete { keys } => {
                    let store = self.store.clone();
                    tokio::spawn(async move {
                        if let Err(e) = store.delete(&keys).await {
                            tracing::warn!("compaction could not delete merged chunks: {e}");
                        }
                    });
                }
                Action::Event(e) => log_event(&e),
            }
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
