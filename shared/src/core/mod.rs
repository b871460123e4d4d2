//! The sans-IO sync core: automerge-repo v1 peers, per-document sync state,
//! durable-before-acknowledged storage, rights and validation.
//!
//! The same code runs in the browser, in the relay and in deterministic tests.
//! A shell feeds [`Input`]s in (a frame arrived, a connection opened, a chunk
//! was stored) and carries [`Action`]s out (send these bytes, store this chunk,
//! show this event). Nothing in here touches a socket, a clock or a disk.
//!
//! Guarantees the shells rely on:
//! - **Durable before acknowledged.** No sync message leaves the core while a
//!   change it would advertise is not yet confirmed stored ([`Input::Stored`]).
//! - **Rights on every change**, in one place: the [`gate`]. A message that
//!   carries changes the peer may not write, or that would break the schema,
//!   is not applied or stored; the peer gets a [`RejectionNotice`] and the
//!   connection keeps serving other documents. Input past the [`Limits`] is
//!   refused with an `error` before it costs anything.
//! - **One document in memory**, shared by all connections; each connection
//!   only holds a small `sync::State` per document.

mod doc_state;
mod doc_sync;
pub mod gate;
mod local;
pub mod notice;
mod peers;
pub mod policy;
mod storage_io;
mod sync_states;

use std::collections::{BTreeMap, HashMap, VecDeque};

use automerge::sync::{self, SyncDoc};
use automerge::transaction::{CommitOptions, Transaction};
use automerge::{Automerge, ChangeHash, ReadDoc};

use crate::protocol::{DecodeError, DocumentId, Message, PROTOCOL_V1, PeerId, PeerMetadata};
pub use crate::schema::ViolationCode;
use crate::storage::{Chunk, ChunkKey, ChunkKind, CompactionPolicy, merge_chunks};
use doc_state::{Deferred, DocState};
pub use gate::{GateError, Limits};
pub use notice::RejectionNotice;
pub use policy::{
    Access, DeviceAuth, DocLookup, Memo, PeerAuth, Policy, RejectCode, Rejection, TrustAll,
    Violation, new_violations,
};

/// A connection, numbered by the shell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

/// Which end of the protocol this core plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Accepts connections, answers `join` with `peer`, serves documents.
    Relay,
    /// Connects to a relay, sends `join`, asks for the documents it wants.
    Client,
}

/// Settings of a core.
#[derive(Clone, Debug)]
pub struct Config {
    pub peer_id: PeerId,
    pub storage_id: Option<String>,
    pub role: Role,
    /// Frames larger than this are refused with an error.
    pub max_frame_bytes: usize,
    /// How many documents one connection may sync.
    pub max_docs_per_connection: usize,
    pub compaction: CompactionPolicy,
    /// What one device's input may cost (see [`gate`]).
    pub limits: Limits,
    /// Relay: answer `join` with `peer`. A shell that runs several cores for
    /// one connection (documents spread over workers) lets one answer; the
    /// others take the handshake silently and serve their documents.
    pub answer_join: bool,
    /// How often the sync states of connected peers are saved when they
    /// moved (they are also saved when a peer leaves). A client has one
    /// peer and saves often (a page may be closed at any time); a relay
    /// has thousands and saves less often.
    pub save_sync_states_every_ms: u64,
    /// Load the documents the policy pins (see [`Policy::pinned`]) at start.
    /// A shell with several cores loads them in the core that serves them
    /// and gives the others read-only copies ([`Core::set_external_doc`]).
    pub load_pinned: bool,
    /// The automerge actor (author id of local edits) of every document
    /// this core loads. `None`: a random one per load, as automerge picks.
    /// A deterministic simulation sets one per core, never shared by two.
    pub actor: Option<automerge::ActorId>,
}

impl Config {
    pub fn new(peer_id: PeerId, role: Role) -> Self {
        Self {
            peer_id,
            storage_id: None,
            role,
            max_frame_bytes: 16 * 1024 * 1024,
            max_docs_per_connection: 256,
            compaction: CompactionPolicy::default(),
            limits: Limits::default(),
            answer_join: true,
            save_sync_states_every_ms: match role {
                Role::Relay => 30_000,
                Role::Client => 2_000,
            },
            load_pinned: true,
            actor: None,
        }
    }
}

/// Something that happened outside the core.
#[derive(Debug)]
pub enum Input {
    /// A transport connection opened; `auth` says who is on the other end.
    Connected { conn: ConnId, auth: PeerAuth },
    /// One binary frame arrived.
    Frame { conn: ConnId, bytes: Vec<u8> },
    /// The connection closed (either side).
    Disconnected { conn: ConnId },
    /// The answer to [`Action::Load`]: every stored chunk of the document.
    Loaded {
        doc: DocumentId,
        chunks: Result<Vec<Chunk>, String>,
    },
    /// The answer to [`Action::Store`].
    Stored {
        key: ChunkKey,
        result: Result<(), String>,
    },
    /// Chunks another writer of the same storage wrote (another browser tab).
    ExternalChunks { doc: DocumentId, chunks: Vec<Chunk> },
    /// The time, in milliseconds on any monotonic clock of the shell's. The
    /// core has no clock of its own: rate limits and retries of failed
    /// storage use the last time given. Shells tick about once a second.
    Tick { now_ms: u64 },
}

/// Something the shell must do.
#[derive(Debug, PartialEq)]
pub enum Action {
    /// Send one binary frame.
    Send { conn: ConnId, bytes: Vec<u8> },
    /// Close the connection (after sending what was queued before).
    Close { conn: ConnId },
    /// Load every chunk of a document, answer with [`Input::Loaded`].
    Load { doc: DocumentId },
    /// Store a chunk durably, answer with [`Input::Stored`].
    Store { chunk: Chunk },
    /// Delete chunks (merged into a stored snapshot, or rebuilt away).
    Delete { keys: Vec<ChunkKey> },
    /// Tell the user interface or the log.
    Event(Event),
}

/// What the user interface (or the relay's log) may want to know.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// Handshake done.
    PeerReady { conn: ConnId, peer_id: PeerId },
    /// A document finished loading from storage.
    DocReady { doc: DocumentId },
    /// A document's content changed (`local`: by this core's own edit).
    DocChanged { doc: DocumentId, local: bool },
    /// The remote side does not have the document.
    DocUnavailable { doc: DocumentId },
    /// The relay's view of a document moved (acknowledgements, client side).
    RemoteHeads {
        doc: DocumentId,
        heads: Vec<ChangeHash>,
    },
    /// A change was refused: on the relay, a change from `conn`; on a client,
    /// one of ours, by the relay.
    Rejected {
        conn: ConnId,
        doc: DocumentId,
        rejection: Rejection,
    },
    /// A frame was refused (we close), or the remote sent `error`.
    ProtocolError {
        conn: ConnId,
        code: String,
        message: String,
    },
    /// Storage failed or held a damaged chunk. Nothing was dropped from memory.
    StorageProblem { doc: DocumentId, message: String },
}

/// Why a local edit was not committed. Nothing is committed in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError<E> {
    #[error("document {0} is not loaded yet")]
    NotLoaded(DocumentId),
    #[error("this device may not change document {0}")]
    NotWritable(DocumentId),
    #[error("the edit would break the document: {}", .0.iter().map(|v| v.message_en.as_str()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Violation>),
    #[error("{}", .0.message_en)]
    TooLarge(Rejection),
    #[error("the edit failed: {0}")]
    Edit(E),
}

/// Who made a local edit and when (seconds since the epoch, from the shell).
#[derive(Clone, Debug, Default)]
pub struct CommitMeta {
    pub message: Option<String>,
    pub time_secs: Option<i64>,
}

/// Sync state of one document with the relay (client side).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncStatus {
    /// A relay connection is up and has started syncing this document.
    pub connected: bool,
    /// Changes here that the relay has not acknowledged, if its heads are known.
    pub unacknowledged: Option<usize>,
    /// The relay has everything this replica has and vice versa.
    pub in_sync: bool,
}

/// Rejected edits kept aside after a rebuild, for the user to fix or discard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    pub key: ChunkKey,
    /// The refused changes (automerge change bytes, appliable on the accepted state).
    pub bytes: Vec<u8>,
}

#[derive(Debug)]
enum Handshake {
    /// Relay: waiting for `join`.
    AwaitJoin,
    /// Client: sent `join`, waiting for `peer`.
    AwaitPeer,
    Ready {
        remote: PeerId,
    },
}

#[derive(Debug)]
struct PeerDoc {
    sync: sync::State,
    /// A change from this peer was refused; further changes are dropped until
    /// the peer is back on heads we know.
    rejected: bool,
    /// The last rejection notice received (client side), for rebuilding.
    notice: Option<RejectionNotice>,
    /// The heads we last actually sent this peer. automerge's sync state
    /// assumes a peer whose heads equal ours knows that we have them; with
    /// acknowledgement held back until a change is durable, that assumption
    /// breaks, so we track what we told the peer ourselves.
    announced: Option<Vec<ChangeHash>>,
    /// Times we sent this peer the document from scratch on this connection.
    full_syncs: u32,
    /// We sent this peer a sync message since it last asked from scratch:
    /// only an ask after an answer counts against the limit (a device on a
    /// slow link sends several before our first answer arrives, honestly).
    answered: bool,
    /// The peer showed our heads on this connection: from then on it is
    /// in sync, and what it lacks is what arrived since (see
    /// `flush_one_now`: it gets changes, not the whole document).
    in_sync: bool,
    /// When each change in `sync.sent_hashes` was sent (shell time).
    sent_at: BTreeMap<ChangeHash, u64>,
    /// How often the peer named a change we sent in its `need` since.
    asked_again: BTreeMap<ChangeHash, u32>,
}

impl PeerDoc {
    fn new() -> Self {
        Self {
            sync: sync::State::new(),
            rejected: false,
            notice: None,
            announced: None,
            full_syncs: 0,
            answered: false,
            in_sync: false,
            sent_at: BTreeMap::new(),
            asked_again: BTreeMap::new(),
        }
    }
}

/// A token bucket for one connection's `ephemeral` messages (time from
/// [`Input::Tick`]).
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at_ms: u64,
    dropped: u32,
}

#[derive(Debug)]
struct Peer {
    auth: PeerAuth,
    /// The key this peer's sync states are saved under (it has storage).
    storage_key: Option<String>,
    handshake: Handshake,
    docs: BTreeMap<DocumentId, PeerDoc>,
    ephemeral: Bucket,
}

#[derive(Debug)]
enum Slot {
    Loading {
        waiting: Vec<(ConnId, Message)>,
        /// `open` was called while loading.
        wanted: bool,
        /// The last load failed; it is tried again (never served as empty).
        failure: Option<LoadFailure>,
        /// Chunks another writer of the storage announced meanwhile: the
        /// load may have read the storage before they were there (at most
        /// [`MAX_EXTERNAL_WHILE_LOADING`]).
        external: Vec<Chunk>,
    },
    Ready(Box<DocState>),
}

/// Chunks announced by other writers that one loading document keeps.
const MAX_EXTERNAL_WHILE_LOADING: usize = 1024;

/// A load that failed and waits to be retried.
#[derive(Debug)]
struct LoadFailure {
    attempts: u32,
    /// When to try again; `None` while a retry is under way.
    retry_at_ms: Option<u64>,
}

/// Delay before retry `attempt` (1, 2, 4 … 60 seconds).
fn backoff_ms(attempt: u32) -> u64 {
    1000u64
        .saturating_mul(1 << attempt.saturating_sub(1).min(6))
        .min(60_000)
}

/// Whether storage is working, as far as the core knows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StorageHealth {
    /// Chunk writes that failed and wait to be retried (nothing acknowledged
    /// depends on them: their changes are not advertised yet).
    pub failed_writes: usize,
    /// Documents whose load failed and is being retried.
    pub failed_loads: usize,
    /// The most recent storage error, for the operator.
    pub last_error: Option<String>,
}

/// Documents this core holds, then read-only copies of documents another
/// core holds (see [`Core::set_external_doc`]).
#[derive(Clone, Copy)]
struct Docs<'a>(&'a HashMap<DocumentId, Slot>, &'a External);

/// Read-only copies of documents held by other cores of the same shell.
type External = HashMap<DocumentId, std::sync::Arc<Automerge>>;

impl DocLookup for Docs<'_> {
    fn doc(&self, id: &DocumentId) -> Option<&Automerge> {
        match self.0.get(id) {
            Some(Slot::Ready(st)) => Some(&st.doc),
            _ => self.1.get(id).map(|d| &**d),
        }
    }
}

/// The sync core. See the module docs.
pub struct Core<P: Policy> {
    cfg: Config,
    policy: P,
    docs: HashMap<DocumentId, Slot>,
    peers: BTreeMap<ConnId, Peer>,
    actions: VecDeque<Action>,
    /// Sync messages owed, by document: to every peer (`None`) or to some.
    /// They are generated when the shell next polls, once per document and
    /// peer however many inputs asked for them (a shell that feeds several
    /// inputs before polling gets one message per peer, not one per input).
    flushes: BTreeMap<DocumentId, Option<std::collections::BTreeSet<ConnId>>>,
    /// Copies of documents another core holds, for rules that read them.
    external: External,
    ephemeral_count: u64,
    /// The shell's time (see [`Input::Tick`]).
    now_ms: u64,
    /// When the sync states of connected peers are saved next.
    next_state_save_ms: u64,
    /// When to retry failed writes, and how many retries failed in a row.
    write_retry: Option<(u64, u32)>,
    last_storage_error: Option<String>,
}

impl<P: Policy> Core<P> {
    pub fn new(cfg: Config, policy: P) -> Self {
        let mut core = Self {
            cfg,
            policy,
            docs: HashMap::new(),
            peers: BTreeMap::new(),
            actions: VecDeque::new(),
            flushes: BTreeMap::new(),
            external: HashMap::new(),
            ephemeral_count: 0,
            now_ms: 0,
            next_state_save_ms: 0,
            write_retry: None,
            last_storage_error: None,
        };
        if core.cfg.load_pinned {
            for doc in core.policy.pinned() {
                core.ensure_loading(doc);
            }
        }
        core
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    pub fn policy(&self) -> &P {
        &self.policy
    }

    /// The next action for the shell, if any. Sync messages owed since the
    /// last poll are generated here, once the other actions are out.
    pub fn poll(&mut self) -> Option<Action> {
        if self.actions.is_empty() {
            self.run_flushes();
        }
        self.actions.pop_front()
    }

    /// All pending actions.
    pub fn drain(&mut self) -> Vec<Action> {
        self.run_flushes();
        self.actions.drain(..).collect()
    }

    /// A loaded document.
    pub fn doc(&self, id: &DocumentId) -> Option<&Automerge> {
        match self.docs.get(id) {
            Some(Slot::Ready(st)) => Some(&st.doc),
            _ => None,
        }
    }

    /// Read access to every loaded document.
    pub fn lookup(&self) -> impl DocLookup + '_ {
        Docs(&self.docs, &self.external)
    }

    /// A read-only copy of a document another core holds (a shell with
    /// several cores: the cluster document, which the rules of every office
    /// document read). Replaces the previous copy; documents this core holds
    /// itself are always read from its own state.
    pub fn set_external_doc(&mut self, id: DocumentId, doc: std::sync::Arc<Automerge>) {
        self.external.insert(id, doc);
        // Changes held for the rules of other documents may pass now.
        self.retry_deferred(true);
    }

    /// Whether every change of a loaded document is in durable storage
    /// (false while a write is under way or edits wait for one).
    pub fn is_durable(&self, id: &DocumentId) -> bool {
        matches!(self.docs.get(id), Some(Slot::Ready(st)) if st.durable())
    }

    /// Whether a document is loaded (not still loading).
    pub fn is_loaded(&self, id: &DocumentId) -> bool {
        matches!(self.docs.get(id), Some(Slot::Ready(_)))
    }

    /// Number of open connections that finished the handshake.
    pub fn ready_peers(&self) -> usize {
        self.peers
            .values()
            .filter(|p| matches!(p.handshake, Handshake::Ready { .. }))
            .count()
    }

    /// Load a document from storage (without syncing it anywhere by itself).
    pub fn load(&mut self, doc: DocumentId) {
        self.ensure_loading(doc);
    }

    /// Client: load a document from storage and keep it synced with the relay.
    pub fn open(&mut self, doc: DocumentId) {
        self.ensure_loading(doc);
        match self.docs.get_mut(&doc) {
            Some(Slot::Loading { wanted, .. }) => *wanted = true,
            Some(Slot::Ready(st)) if !st.wanted => {
                st.wanted = true;
                self.begin_sync_all(doc);
            }
            _ => {}
        }
    }

    /// Feed one input in.
    pub fn handle(&mut self, input: Input) {
        match input {
            Input::Connected { conn, auth } => self.on_connected(conn, auth),
            Input::Frame { conn, bytes } => self.on_frame(conn, bytes),
            Input::Disconnected { conn } => {
                self.save_sync_states(Some(conn));
                self.peers.remove(&conn);
            }
            Input::Loaded { doc, chunks } => self.on_loaded(doc, chunks),
            Input::Stored { key, result } => self.on_stored(key, result),
            Input::ExternalChunks { doc, chunks } => self.on_external(doc, chunks),
            Input::Tick { now_ms } => self.on_tick(now_ms),
        }
    }

    /// Whether storage works: failed writes and loads waiting for a retry.
    pub fn storage_health(&self) -> StorageHealth {
        let mut health = StorageHealth {
            last_error: self.last_storage_error.clone(),
            ..StorageHealth::default()
        };
        for slot in self.docs.values() {
            match slot {
                Slot::Ready(st) => health.failed_writes += st.failed_writes(),
                Slot::Loading {
                    failure: Some(_), ..
                } => health.failed_loads += 1,
                Slot::Loading { .. } => {}
            }
        }
        if health.failed_writes == 0 && health.failed_loads == 0 {
            health.last_error = None;
        }
        health
    }

    /// Re-issue chunk writes that failed now (they are also retried with
    /// backoff on [`Input::Tick`]).
    pub fn retry_storage(&mut self) {
        let mut stores = Vec::new();
        for slot in self.docs.values_mut() {
            if let Slot::Ready(st) = slot {
                stores.extend(st.take_failed());
            }
        }
        // In one order every run (the map's is random): seeds replay.
        stores.sort_by(|a, b| a.key.cmp(&b.key));
        for chunk in stores {
            self.actions.push_back(Action::Store { chunk });
        }
    }

    /// Drop documents nobody syncs and that are fully durable (memory bound).
    pub fn evict_idle(&mut self) {
        let in_use: std::collections::BTreeSet<DocumentId> = self
            .peers
            .values()
            .flat_map(|p| p.docs.keys().copied())
            .collect();
        self.docs.retain(|id, slot| match slot {
            Slot::Loading { .. } => true,
            Slot::Ready(st) => {
                st.pinned
                    || st.wanted
                    || in_use.contains(id)
                    || !st.durable()
                    || st.compaction.is_some()
            }
        });
    }

    fn event(&mut self, e: Event) {
        self.actions.push_back(Action::Event(e));
    }
}

#[cfg(test)]
mod tests;
