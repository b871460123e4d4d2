//! A device as the browser shell (`app/src/sync/`) runs it: one core with the
//! cluster policy, every document of the cluster open, chunk storage that
//! completes writes in the order they were issued (IndexedDB transactions on
//! one store), the relay's heads remembered across restarts
//! ([`Core::set_remote_heads`]), a rebuild from the relay's state after a
//! refusal, storage retried five seconds after a failure, and a transport
//! that reconnects with exponential backoff (1 s doubling to 60 s, jittered).
//!
//! A crash loses the core and the writes still in flight from some point on
//! (earlier ones may have landed); the device comes back from its storage.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use automerge::ChangeHash;

use super::{MemoryStorage, SeededRng};
use crate::cluster::ClusterPolicy;
use crate::core::{Action, Config, ConnId, Core, Event, Input, PeerAuth, RejectCode, Role};
use crate::protocol::{DocumentId, PeerId};
use crate::storage::{Chunk, ChunkKey, ChunkKind};

/// Whether draft writes may fail. A failed draft write is neither retried
/// nor waited for by the rebuild's deletion of the old chunks, so a crash
/// then loses the refused edit (known bug, see the ignored test
/// `core::tests::a_draft_whose_write_failed_survives_a_restart`); until it is
/// fixed, runs keep draft writes from failing so they find other bugs.
const FAIL_DRAFT_WRITES: bool = false;

const FIRST_BACKOFF_MS: u64 = 1_000;
const MAX_BACKOFF_MS: u64 = 60_000;
/// The app retries storage this long after a failure.
const STORAGE_RETRY_MS: u64 = 5_000;

#[derive(Debug)]
enum Write {
    Put(Chunk),
    Delete(Vec<ChunkKey>),
}

/// What a device did that the world must carry out or record.
#[derive(Default, Debug)]
pub struct Output {
    pub sends: Vec<(ConnId, Vec<u8>)>,
    pub closes: Vec<ConnId>,
    /// The relay's heads this device was told (`Event::RemoteHeads`).
    pub acked: Vec<(DocumentId, Vec<ChangeHash>)>,
    /// Refusals of this device's changes, by document, and whether its copy
    /// then held one of its invalid edits (else a valid edit was refused).
    pub rejected: Vec<(DocumentId, RejectCode, bool)>,
    /// The handshake finished on this connection.
    pub ready: Vec<ConnId>,
    /// Storage operations that failed (for the trace).
    pub failed: Vec<String>,
    /// Incremental chunks that became durable (their changes are durable).
    pub durable: Vec<Vec<u8>>,
    /// What the device's storage did (when tracing).
    pub log: Vec<String>,
}

/// One device (a browser profile) of an office.
pub struct Device {
    pub name: String,
    pub office: String,
    pub auth: PeerAuth,
    pub core: Core<ClusterPolicy>,
    pub storage: MemoryStorage,
    docs: Vec<DocumentId>,
    writes: VecDeque<Write>,
    loads: Vec<DocumentId>,
    /// The app's setting `remote/<doc>`: the relay heads last seen.
    remote_heads: BTreeMap<DocumentId, Vec<ChangeHash>>,
    /// The open socket's connection id, if any.
    pub conn: Option<ConnId>,
    /// No network until then (a partition, a week away).
    pub offline_until_ms: u64,
    pub next_attempt_ms: u64,
    backoff_ms: u64,
    storage_retry_at: Option<u64>,
    /// Restarts so far (a new peer id each time, as a new tab).
    pub incarnation: u32,
    /// Chance (in 1/1000) that a write or load fails.
    pub fail_permille: u64,
    /// The invalid edits this device made (to tell a refusal it earned).
    pub invalid: BTreeSet<ChangeHash>,
    /// When a storage operation last failed.
    pub last_storage_error_ms: Option<u64>,
    /// Documents whose edits a crash lost before they were durable (with
    /// `None`: an earlier failed write, of a document not known here).
    pub lost_in_crash: BTreeSet<Option<DocumentId>>,
    /// Log storage operations into [`Output::log`].
    pub trace: bool,
}

impl Device {
    pub fn new(
        name: &str,
        office: &str,
        policy: &ClusterPolicy,
        docs: Vec<DocumentId>,
        storage: MemoryStorage,
    ) -> Self {
        let auth = PeerAuth::Device(crate::core::DeviceAuth {
            office: office.into(),
            device: name.into(),
        });
        let mut d = Self {
            name: name.into(),
            office: office.into(),
            auth,
            core: Core::new(Config::new(PeerId::from("x"), Role::Client), policy.clone()),
            storage,
            docs,
            writes: VecDeque::new(),
            loads: Vec::new(),
            remote_heads: BTreeMap::new(),
            conn: None,
            offline_until_ms: 0,
            next_attempt_ms: 0,
            backoff_ms: 0,
            storage_retry_at: None,
            incarnation: 0,
            fail_permille: 0,
            invalid: BTreeSet::new(),
            last_storage_error_ms: None,
            lost_in_crash: BTreeSet::new(),
            trace: false,
        };
        d.boot();
        d
    }

    /// Start the app: a new core over what storage holds, every document open.
    fn boot(&mut self) {
        let mut cfg = Config::new(
            PeerId::from(format!("{}#{}", self.name, self.incarnation).as_str()),
            Role::Client,
        );
        cfg.storage_id = Some(format!("idb-{}", self.name));
        // Its own author id, as a new tab's random one, but the same on
        // every run of the seed.
        cfg.actor = Some(automerge::ActorId::from(
            format!("{}#{}", self.name, self.incarnation).as_bytes(),
        ));
        self.core = Core::new(cfg, self.core.policy().clone());
        for doc in self.docs.clone() {
            self.core.open(doc);
        }
    }

    /// Carry out the core's actions, as `SyncHandle::pump`: then rebuild the
    /// documents a refusal named, and again.
    pub fn pump(&mut self, out: &mut Output) {
        loop {
            let mut rebuild = Vec::new();
            while let Some(action) = self.core.poll() {
                match action {
                    Action::Send { conn, bytes } => {
                        if self.conn == Some(conn) {
                            out.sends.push((conn, bytes));
                        }
                    }
                    Action::Close { conn } => {
                        if self.conn == Some(conn) {
                            out.closes.push(conn);
                        }
                    }
                    Action::Load { doc } => self.loads.push(doc),
                    Action::Store { chunk } => self.writes.push_back(Write::Put(chunk)),
                    Action::Delete { keys } => self.writes.push_back(Write::Delete(keys)),
                    Action::Event(e) => match e {
                        Event::DocReady { doc } => {
                            if let Some(heads) = self.remote_heads.get(&doc) {
                                self.core.set_remote_heads(&doc, heads.clone());
                            }
                        }
                        Event::RemoteHeads { doc, heads } => {
                            self.remote_heads.insert(doc, heads.clone());
                            out.acked.push((doc, heads));
                        }
                        Event::Rejected { doc, rejection, .. } => {
                            let held = self.core.doc(&doc).is_some_and(|d| {
                                self.invalid.iter().any(|h| super::ledger::has(d, h))
                            });
                            out.rejected.push((doc, rejection.code, held));
                            if rejection.code != RejectCode::NotInCluster {
                                rebuild.push(doc);
                            }
                        }
                        Event::PeerReady { conn, .. } => {
                            self.backoff_ms = 0;
                            out.ready.push(conn);
                        }
                        _ => {}
                    },
                }
            }
            if rebuild.is_empty() {
                return;
            }
            for doc in rebuild {
                self.core.rebuild_from_relay(&doc);
            }
        }
    }

    /// Feed one input and carry out what follows.
    pub fn input(&mut self, input: Input, out: &mut Output) {
        self.core.handle(input);
        self.pump(out);
    }

    /// The socket opened.
    pub fn connected(&mut self, conn: ConnId, out: &mut Output) {
        self.conn = Some(conn);
        self.input(
            Input::Connected {
                conn,
                auth: PeerAuth::Relay,
            },
            out,
        );
    }

    /// The socket closed (or a connection attempt failed): try again later.
    pub fn disconnected(&mut self, now_ms: u64, rng: &mut SeededRng, out: &mut Output) {
        if let Some(conn) = self.conn.take() {
            self.input(Input::Disconnected { conn }, out);
        }
        self.backoff_ms = if self.backoff_ms == 0 {
            FIRST_BACKOFF_MS
        } else {
            (self.backoff_ms * 2).min(MAX_BACKOFF_MS)
        };
        // Jitter between half and the whole backoff.
        let half = self.backoff_ms / 2;
        self.next_attempt_ms = now_ms + half + rng.below(half + 1);
    }

    /// Whether the device would open a connection now.
    pub fn wants_to_connect(&self, now_ms: u64) -> bool {
        self.conn.is_none() && now_ms >= self.offline_until_ms && now_ms >= self.next_attempt_ms
    }

    /// Storage work in flight.
    pub fn storage_busy(&self) -> bool {
        !self.writes.is_empty() || !self.loads.is_empty()
    }

    /// Complete the oldest write (writes land in order) or a load.
    pub fn complete_storage(&mut self, rng: &mut SeededRng, now_ms: u64, out: &mut Output) {
        let load = !self.loads.is_empty() && (self.writes.is_empty() || rng.below(2) == 0);
        let fails = rng.below(1000) < self.fail_permille;
        if load {
            self.loads.sort();
            let doc = self
                .loads
                .remove(rng.below(self.loads.len() as u64) as usize);
            let chunks = if fails {
                self.retry_later(now_ms);
                out.failed.push(format!("load of {doc}"));
                Err("simulated read error".to_string())
            } else {
                Ok(self.storage.load(&doc))
            };
            self.input(Input::Loaded { doc, chunks }, out);
            return;
        }
        let trace = self.trace;
        match self.writes.pop_front() {
            Some(Write::Put(chunk)) => {
                let key = chunk.key.clone();
                if trace {
                    out.log
                        .push(format!("put {key} ({} pending)", self.writes.len()));
                }
                let fails = fails && (FAIL_DRAFT_WRITES || key.kind != ChunkKind::Draft);
                let result = if fails {
                    self.retry_later(now_ms);
                    out.failed.push(format!("write to {}", key.doc));
                    Err("simulated write error".to_string())
                } else {
                    if key.kind == ChunkKind::Incremental {
                        out.durable.push(chunk.bytes.clone());
                    }
                    self.storage.chunks.insert(chunk.key, chunk.bytes);
                    Ok(())
                };
                self.input(Input::Stored { key, result }, out);
            }
            Some(Write::Delete(keys)) => {
                if trace {
                    let list: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
                    out.log.push(format!("delete {}", list.join(" ")));
                }
                for k in keys {
                    self.storage.chunks.remove(&k);
                }
            }
            None => {}
        }
    }

    fn retry_later(&mut self, now_ms: u64) {
        self.last_storage_error_ms = Some(now_ms);
        self.storage_retry_at
            .get_or_insert(now_ms + STORAGE_RETRY_MS);
    }

    /// Time passed: the app's storage retry, if one is due.
    pub fn tick(&mut self, now_ms: u64, out: &mut Output) {
        if self.storage_retry_at.is_some_and(|t| t <= now_ms) {
            self.storage_retry_at = None;
            self.core.handle(Input::Tick { now_ms });
            self.core.retry_storage();
            self.pump(out);
        }
    }

    /// Whether a storage retry is scheduled.
    pub fn retry_pending(&self) -> bool {
        self.storage_retry_at.is_some()
    }

    /// The tab dies: writes from a point on are lost, the core is gone; the
    /// app starts again from storage (offline until it reconnects). Returns
    /// the incremental chunks that landed.
    pub fn crash(&mut self, rng: &mut SeededRng) -> Vec<Vec<u8>> {
        let landed = rng.below(self.writes.len() as u64 + 1) as usize;
        let mut durable = Vec::new();
        for w in self.writes.iter().skip(landed) {
            if let Write::Put(c) = w
                && c.key.kind == ChunkKind::Incremental
            {
                self.lost_in_crash.insert(Some(c.key.doc));
            }
        }
        for doc in &self.docs {
            if !self.core.is_durable(doc) && self.core.is_loaded(doc) {
                // Edits waiting for a write under way: gone with the core.
                self.lost_in_crash.insert(Some(*doc));
            }
        }
        if self.storage_retry_at.is_some() {
            // Failed writes waited for their retry: gone with the core.
            self.lost_in_crash.insert(None);
        }
        for w in self.writes.drain(..).take(landed) {
            match w {
                Write::Put(c) => {
                    if c.key.kind == ChunkKind::Incremental {
                        durable.push(c.bytes.clone());
                    }
                    self.storage.chunks.insert(c.key, c.bytes);
                }
                Write::Delete(keys) => {
                    for k in keys {
                        self.storage.chunks.remove(&k);
                    }
                }
            }
        }
        self.loads.clear();
        self.conn = None;
        self.storage_retry_at = None;
        self.backoff_ms = 0;
        self.incarnation += 1;
        self.boot();
        durable
    }
}
