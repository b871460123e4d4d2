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
//! - **Rights on every change.** A message that carries changes the peer may not
//!   write, or that would break the schema, is not applied or stored; the peer
//!   gets a [`RejectionNotice`] and the connection keeps serving other documents.
//! - **One document in memory**, shared by all connections; each connection
//!   only holds a small `sync::State` per document.

mod doc_state;
pub mod notice;
pub mod policy;

use std::collections::{BTreeMap, HashMap, VecDeque};

use automerge::sync::{self, SyncDoc};
use automerge::transaction::{CommitOptions, Transaction};
use automerge::{Automerge, ChangeHash, ReadDoc};

use crate::protocol::{DocumentId, Message, PROTOCOL_V1, PeerId, PeerMetadata};
use crate::storage::{Chunk, ChunkKey, ChunkKind, CompactionPolicy, merge_chunks};
use doc_state::DocState;
pub use notice::RejectionNotice;
pub use policy::{
    Access, DeviceAuth, DocLookup, PeerAuth, Policy, RejectCode, Rejection, TrustAll, Violation,
    new_violations,
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
}

impl PeerDoc {
    fn new() -> Self {
        Self {
            sync: sync::State::new(),
            rejected: false,
            notice: None,
            announced: None,
        }
    }
}

#[derive(Debug)]
struct Peer {
    auth: PeerAuth,
    handshake: Handshake,
    docs: BTreeMap<DocumentId, PeerDoc>,
}

#[derive(Debug)]
enum Slot {
    Loading {
        waiting: Vec<(ConnId, Message)>,
        /// `open` was called while loading.
        wanted: bool,
    },
    Ready(Box<DocState>),
}

struct Docs<'a>(&'a HashMap<DocumentId, Slot>);

impl DocLookup for Docs<'_> {
    fn doc(&self, id: &DocumentId) -> Option<&Automerge> {
        match self.0.get(id) {
            Some(Slot::Ready(st)) => Some(&st.doc),
            _ => None,
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
    ephemeral_count: u64,
}

impl<P: Policy> Core<P> {
    pub fn new(cfg: Config, policy: P) -> Self {
        let mut core = Self {
            cfg,
            policy,
            docs: HashMap::new(),
            peers: BTreeMap::new(),
            actions: VecDeque::new(),
            ephemeral_count: 0,
        };
        for doc in core.policy.pinned() {
            core.ensure_loading(doc);
        }
        core
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    pub fn policy(&self) -> &P {
        &self.policy
    }

    /// Replace the policy (e.g. after the cluster directory changed).
    pub fn set_policy(&mut self, policy: P) {
        self.policy = policy;
    }

    /// The next action for the shell, if any.
    pub fn poll(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// All pending actions.
    pub fn drain(&mut self) -> Vec<Action> {
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
        Docs(&self.docs)
    }

    /// Ids of loaded documents.
    pub fn loaded_docs(&self) -> Vec<DocumentId> {
        self.docs
            .iter()
            .filter(|(_, s)| matches!(s, Slot::Ready(_)))
            .map(|(id, _)| *id)
            .collect()
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
                self.peers.remove(&conn);
            }
            Input::Loaded { doc, chunks } => self.on_loaded(doc, chunks),
            Input::Stored { key, result } => self.on_stored(key, result),
            Input::ExternalChunks { doc, chunks } => self.on_external(doc, chunks),
        }
    }

    /// Re-issue chunk writes that failed (call when storage may work again).
    pub fn retry_storage(&mut self) {
        let mut stores = Vec::new();
        for slot in self.docs.values_mut() {
            if let Slot::Ready(st) = slot {
                stores.extend(st.take_failed());
            }
        }
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

    // ----- local edits (client) -----

    /// Make a local edit. The edit runs in a transaction; it is committed only
    /// if `peer_auth` may write the document and the result introduces no
    /// schema violation. Then it is stored and (once durable) sent to the relay.
    pub fn change<E, F>(
        &mut self,
        doc: &DocumentId,
        as_peer: Option<&PeerAuth>,
        meta: CommitMeta,
        edit: F,
    ) -> Result<Option<ChangeHash>, ChangeError<E>>
    where
        F: FnOnce(&mut Transaction<'_>) -> Result<(), E>,
    {
        if let Some(auth) = as_peer
            && self.policy.access(auth, doc, &Docs(&self.docs)) != Access::Write
        {
            return Err(ChangeError::NotWritable(*doc));
        }
        let Some(Slot::Ready(mut st)) = self.docs.remove(doc) else {
            return Err(ChangeError::NotLoaded(*doc));
        };
        let before = Self::violations_before(&self.policy, &self.docs, doc, &mut st);
        let mut after_all = Vec::new();
        let result = (|| {
            let lookup = Docs(&self.docs);
            let mut tx = st.doc.transaction();
            if let Err(e) = edit(&mut tx) {
                tx.rollback();
                return Err(ChangeError::Edit(e));
            }
            after_all = self.policy.violations(doc, &tx, &lookup);
            let introduced = new_violations(&before, after_all.clone());
            if !introduced.is_empty() {
                tx.rollback();
                return Err(ChangeError::Invalid(introduced));
            }
            let mut opts = CommitOptions::default();
            if let Some(m) = meta.message {
                opts = opts.with_message(m);
            }
            if let Some(t) = meta.time_secs {
                opts = opts.with_time(t);
            }
            Ok(tx.commit_with(opts).0)
        })();
        let changed = matches!(result, Ok(Some(_)));
        if changed {
            st.mirror = None;
            st.checked = Some((
                Self::validity_key(&self.policy, &self.docs, &st.doc),
                after_all,
            ));
        }
        self.docs.insert(*doc, Slot::Ready(st));
        if changed {
            self.event(Event::DocChanged {
                doc: *doc,
                local: true,
            });
            self.persist(doc);
        }
        result
    }

    /// Apply raw automerge changes as if made here, skipping every check.
    /// For diagnostics and tests that must show the relay refusing a change.
    pub fn force_apply(&mut self, doc: &DocumentId, change_bytes: &[u8]) -> Result<(), String> {
        let Some(Slot::Ready(st)) = self.docs.get_mut(doc) else {
            return Err(format!("document {doc} is not loaded"));
        };
        st.doc
            .load_incremental(change_bytes)
            .map_err(|e| e.to_string())?;
        st.mirror = None;
        self.event(Event::DocChanged {
            doc: *doc,
            local: true,
        });
        self.persist(doc);
        Ok(())
    }

    /// Client: where this document stands with the relay.
    pub fn sync_status(&self, doc: &DocumentId) -> Option<SyncStatus> {
        let Some(Slot::Ready(st)) = self.docs.get(doc) else {
            return None;
        };
        let connected = self
            .peers
            .values()
            .any(|p| matches!(p.handshake, Handshake::Ready { .. }) && p.docs.contains_key(doc));
        let unacknowledged = st.remote_heads.as_ref().map(|heads| {
            let known: Vec<ChangeHash> = heads
                .iter()
                .filter(|h| st.doc.get_change_by_hash(h).is_some())
                .copied()
                .collect();
            if known.len() == heads.len() && known == st.doc.get_heads() {
                0
            } else {
                st.doc.get_changes(&known).len()
            }
        });
        let in_sync = st.remote_heads.as_deref() == Some(&st.doc.get_heads()[..]);
        Some(SyncStatus {
            connected,
            unacknowledged,
            in_sync,
        })
    }

    /// A one-line summary per connection of its sync state for `doc` (diagnostics).
    pub fn describe_sync(&self, doc: &DocumentId) -> Vec<String> {
        self.peers
            .iter()
            .filter_map(|(c, p)| {
                let pd = p.docs.get(doc)?;
                let s = &pd.sync;
                Some(format!(
                    "conn {}: their_heads={:?} last_sent={:?} shared={:?} in_flight={} responded={} rejected={}",
                    c.0, s.their_heads, s.last_sent_heads, s.shared_heads, s.in_flight, s.have_responded, pd.rejected
                ))
            })
            .collect()
    }

    /// Client: restore the relay heads remembered from an earlier session, so
    /// the unacknowledged count is right before the first sync.
    pub fn set_remote_heads(&mut self, doc: &DocumentId, heads: Vec<ChangeHash>) {
        if let Some(Slot::Ready(st)) = self.docs.get_mut(doc)
            && st.remote_heads.is_none()
        {
            st.remote_heads = Some(heads);
        }
    }

    /// Rejected edits kept for this document.
    pub fn drafts(&self, doc: &DocumentId) -> Vec<Draft> {
        match self.docs.get(doc) {
            Some(Slot::Ready(st)) => st
                .drafts
                .iter()
                .map(|(k, b)| Draft {
                    key: k.clone(),
                    bytes: b.clone(),
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Forget a draft (the user discarded it).
    pub fn discard_draft(&mut self, key: &ChunkKey) {
        if let Some(Slot::Ready(st)) = self.docs.get_mut(&key.doc)
            && st.drafts.remove(key).is_some()
        {
            self.actions.push_back(Action::Delete {
                keys: vec![key.clone()],
            });
        }
    }

    /// Client, after the relay refused our changes: go back to the relay's
    /// accepted state, keep the refused changes as a draft (stored first, so
    /// nothing is lost), and resume syncing from a clean state.
    /// Returns the draft, or `None` when there was nothing to set aside.
    pub fn rebuild_from_relay(&mut self, doc: &DocumentId) -> Option<Draft> {
        let accepted = self.peers.values().find_map(|p| {
            p.docs
                .get(doc)
                .and_then(|pd| pd.notice.as_ref())
                .map(|n| n.accepted_heads.clone())
        })?;
        let Some(Slot::Ready(st)) = self.docs.get_mut(doc) else {
            return None;
        };
        let base: Vec<ChangeHash> = accepted
            .into_iter()
            .filter(|h| st.doc.get_change_by_hash(h).is_some())
            .collect();
        let refused = st.doc.get_changes(&base);
        if refused.is_empty() {
            return None;
        }
        let mut bytes = Vec::new();
        for c in &refused {
            bytes.extend_from_slice(c.raw_bytes());
        }
        let rebuilt = match st.doc.fork_at(&base) {
            Ok(d) => d.with_actor(st.doc.get_actor().clone()),
            Err(e) => {
                let message = format!("could not rebuild from the relay's state: {e}");
                self.event(Event::StorageProblem { doc: *doc, message });
                return None;
            }
        };
        let draft = Chunk::new(*doc, ChunkKind::Draft, bytes);
        let snapshot = Chunk::new(*doc, ChunkKind::Snapshot, rebuilt.save());
        let mut old: Vec<ChunkKey> = st.stored.iter().cloned().collect();
        old.extend(st.pending.keys().cloned());
        old.retain(|k| k != &snapshot.key);
        st.doc = rebuilt;
        st.mirror = None;
        st.pending.clear();
        st.compaction = Some(doc_state::Compaction {
            snapshot: snapshot.key.clone(),
            merged: old.into_iter().collect(),
        });
        st.saved_heads = st.doc.get_heads();
        st.drafts.insert(draft.key.clone(), draft.bytes.clone());
        let result = Draft {
            key: draft.key.clone(),
            bytes: draft.bytes.clone(),
        };
        // Draft first, then the snapshot; old chunks go only once the snapshot is durable.
        self.actions.push_back(Action::Store { chunk: draft });
        self.actions.push_back(Action::Store { chunk: snapshot });
        for peer in self.peers.values_mut() {
            if let Some(pd) = peer.docs.get_mut(doc) {
                *pd = PeerDoc::new();
            }
        }
        self.event(Event::DocChanged {
            doc: *doc,
            local: true,
        });
        self.flush(doc);
        Some(result)
    }

    // ----- inputs -----

    fn on_connected(&mut self, conn: ConnId, auth: PeerAuth) {
        let handshake = match self.cfg.role {
            Role::Relay => Handshake::AwaitJoin,
            Role::Client => {
                let join = Message::Join {
                    sender_id: self.cfg.peer_id.clone(),
                    supported_protocol_versions: vec![PROTOCOL_V1.to_string()],
                    metadata: Some(self.metadata()),
                };
                self.send(conn, &join);
                Handshake::AwaitPeer
            }
        };
        self.peers.insert(
            conn,
            Peer {
                auth,
                handshake,
                docs: BTreeMap::new(),
            },
        );
    }

    fn metadata(&self) -> PeerMetadata {
        PeerMetadata {
            storage_id: self.cfg.storage_id.clone(),
            is_ephemeral: self.cfg.storage_id.is_none(),
        }
    }

    fn on_frame(&mut self, conn: ConnId, bytes: Vec<u8>) {
        if !self.peers.contains_key(&conn) {
            return;
        }
        if bytes.len() > self.cfg.max_frame_bytes {
            let message = format!(
                "frame of {} bytes is larger than the limit of {} bytes",
                bytes.len(),
                self.cfg.max_frame_bytes
            );
            return self.fail(conn, "frame-too-large", message);
        }
        let msg = match Message::decode(&bytes) {
            Ok(m) => m,
            Err(e) => return self.fail(conn, "malformed-message", e.to_string()),
        };
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        match (&peer.handshake, msg) {
            (
                Handshake::AwaitJoin,
                Message::Join {
                    sender_id,
                    supported_protocol_versions,
                    ..
                },
            ) => {
                if !supported_protocol_versions.iter().any(|v| v == PROTOCOL_V1) {
                    let message = format!(
                        "unsupported protocol versions {supported_protocol_versions:?}; this relay speaks version 1"
                    );
                    return self.fail(conn, "unsupported-protocol", message);
                }
                peer.handshake = Handshake::Ready {
                    remote: sender_id.clone(),
                };
                let reply = Message::Peer {
                    sender_id: self.cfg.peer_id.clone(),
                    target_id: sender_id.clone(),
                    selected_protocol_version: PROTOCOL_V1.to_string(),
                    metadata: Some(self.metadata()),
                };
                self.send(conn, &reply);
                self.event(Event::PeerReady {
                    conn,
                    peer_id: sender_id,
                });
            }
            (Handshake::AwaitJoin, other) => {
                let message = format!(
                    "expected a \"join\" message first, got {:?}",
                    other.type_name()
                );
                self.fail(conn, "join-expected", message)
            }
            (
                Handshake::AwaitPeer,
                Message::Peer {
                    sender_id,
                    selected_protocol_version,
                    ..
                },
            ) => {
                if selected_protocol_version != PROTOCOL_V1 {
                    let message = format!(
                        "relay selected protocol {selected_protocol_version:?}, we speak 1"
                    );
                    return self.fail(conn, "unsupported-protocol", message);
                }
                peer.handshake = Handshake::Ready {
                    remote: sender_id.clone(),
                };
                self.event(Event::PeerReady {
                    conn,
                    peer_id: sender_id,
                });
                let wanted: Vec<DocumentId> = self
                    .docs
                    .iter()
                    .filter(|(_, s)| matches!(s, Slot::Ready(st) if st.wanted))
                    .map(|(id, _)| *id)
                    .collect();
                for doc in wanted {
                    self.begin_sync(conn, doc);
                }
            }
            (_, Message::Error { message, code }) => {
                self.event(Event::ProtocolError {
                    conn,
                    code: code.unwrap_or_else(|| "remote-error".into()),
                    message,
                });
                self.actions.push_back(Action::Close { conn });
                self.peers.remove(&conn);
            }
            (Handshake::AwaitPeer, other) => {
                let message = format!(
                    "expected a \"peer\" message first, got {:?}",
                    other.type_name()
                );
                self.fail(conn, "peer-expected", message)
            }
            (Handshake::Ready { .. }, msg) => self.on_ready_message(conn, msg),
        }
    }

    fn on_ready_message(&mut self, conn: ConnId, msg: Message) {
        match msg {
            Message::Request { document_id, .. } | Message::Sync { document_id, .. } => {
                self.on_doc_message(conn, document_id, msg)
            }
            Message::DocUnavailable { document_id, .. } => {
                self.event(Event::DocUnavailable { doc: document_id })
            }
            Message::Ephemeral {
                document_id, data, ..
            } if self.cfg.role == Role::Client => {
                if let Some(notice) = RejectionNotice::decode(&data) {
                    self.event(Event::Rejected {
                        conn,
                        doc: document_id,
                        rejection: notice.rejection.clone(),
                    });
                    if let Some(pd) = self
                        .peers
                        .get_mut(&conn)
                        .and_then(|p| p.docs.get_mut(&document_id))
                    {
                        pd.notice = Some(notice);
                    }
                }
            }
            Message::Ephemeral { .. } => self.forward_ephemeral(conn, msg),
            Message::Leave { .. } => {
                self.actions.push_back(Action::Close { conn });
                self.peers.remove(&conn);
            }
            Message::Join { .. } | Message::Peer { .. } => {
                // A repeated handshake message: harmless, ignore.
            }
            Message::Error { .. } => unreachable!("handled before"),
            Message::RemoteSubscriptionChange { .. } | Message::RemoteHeadsChanged { .. } => {
                // Remote-heads gossip is optional in the protocol; not used here.
            }
        }
    }

    fn forward_ephemeral(&mut self, from: ConnId, msg: Message) {
        let Message::Ephemeral {
            document_id,
            sender_id,
            count,
            session_id,
            data,
            ..
        } = msg
        else {
            return;
        };
        let targets: Vec<(ConnId, PeerId)> = self
            .peers
            .iter()
            .filter(|(c, p)| **c != from && p.docs.contains_key(&document_id))
            .filter_map(|(c, p)| match &p.handshake {
                Handshake::Ready { remote } => Some((*c, remote.clone())),
                _ => None,
            })
            .collect();
        for (conn, remote) in targets {
            let out = Message::Ephemeral {
                document_id,
                sender_id: sender_id.clone(),
                target_id: remote,
                count,
                session_id: session_id.clone(),
                data: data.clone(),
            };
            self.send(conn, &out);
        }
    }

    fn on_doc_message(&mut self, conn: ConnId, doc_id: DocumentId, msg: Message) {
        let Some(peer) = self.peers.get(&conn) else {
            return;
        };
        let access = self.policy.access(&peer.auth, &doc_id, &Docs(&self.docs));
        if access == Access::None {
            let rejection = Rejection {
                code: RejectCode::NotInCluster,
                message_en: format!(
                    "Document {doc_id} is not part of your cluster: you cannot read or write it."
                ),
                message_vi: format!(
                    "Tài liệu {doc_id} không thuộc cụm thi đua của bạn: bạn không được đọc hay ghi."
                ),
            };
            self.send_unavailable(conn, doc_id);
            self.send_notice(conn, doc_id, rejection, Vec::new());
            return;
        }
        if !peer.docs.contains_key(&doc_id) && peer.docs.len() >= self.cfg.max_docs_per_connection {
            let message = format!(
                "this connection already syncs {} documents, the most one connection may; open another connection",
                peer.docs.len()
            );
            return self.fail(conn, "too-many-documents", message);
        }
        match self.docs.get_mut(&doc_id) {
            None => {
                self.docs.insert(
                    doc_id,
                    Slot::Loading {
                        waiting: vec![(conn, msg)],
                        wanted: false,
                    },
                );
                self.actions.push_back(Action::Load { doc: doc_id });
                return;
            }
            Some(Slot::Loading { waiting, .. }) => {
                waiting.push((conn, msg));
                return;
            }
            Some(Slot::Ready(_)) => {}
        }
        let (is_request, data) = match msg {
            Message::Request { data, .. } => (true, data),
            Message::Sync { data, .. } => (false, data),
            _ => return,
        };
        let mut sync_msg = match sync::Message::decode(&data) {
            Ok(m) => m,
            Err(e) => {
                let message = format!(
                    "the data of a {} message for {doc_id} is not an automerge sync message ({e})",
                    if is_request { "request" } else { "sync" }
                );
                return self.fail(conn, "malformed-sync-data", message);
            }
        };
        let Some(Slot::Ready(mut st)) = self.docs.remove(&doc_id) else {
            return;
        };
        let trusted = self.cfg.role == Role::Client;
        let peer = self.peers.get_mut(&conn).expect("checked above");
        let pd = peer.docs.entry(doc_id).or_insert_with(PeerDoc::new);
        let mut refusal: Option<Rejection> = None;
        let mut checked_after = None;
        if !trusted && !sync_msg.changes.is_empty() {
            let unknown = has_unknown_changes(&st.doc, &sync_msg.changes);
            if unknown && pd.rejected {
                sync_msg.changes = sync::ChunkList::empty();
            } else if unknown && access != Access::Write {
                let name = self.policy.describe(&doc_id);
                refusal = Some(Rejection {
                    code: RejectCode::NotWritable,
                    message_en: format!(
                        "Your office may read \"{name}\" but not change it; the change was not saved on the relay."
                    ),
                    message_vi: format!(
                        "Đơn vị của bạn chỉ được xem \"{name}\", không được sửa; thay đổi không được lưu trên máy chủ."
                    ),
                });
            } else if unknown {
                let before = Self::violations_before(&self.policy, &self.docs, &doc_id, &mut st);
                let lookup = Docs(&self.docs);
                let mirror = st.mirror.get_or_insert_with(|| st.doc.clone());
                let mut unreadable = None;
                for chunk in sync_msg.changes.iter() {
                    if let Err(e) = mirror.load_incremental(chunk) {
                        unreadable = Some(e.to_string());
                        break;
                    }
                }
                refusal = match unreadable {
                    Some(e) => Some(Rejection {
                        code: RejectCode::SchemaViolation,
                        message_en: format!("The change could not be read ({e})."),
                        message_vi: format!("Không đọc được thay đổi ({e})."),
                    }),
                    None => {
                        let after = self.policy.violations(&doc_id, &*mirror, &lookup);
                        let introduced = new_violations(&before, after.clone());
                        checked_after =
                            Some((Self::validity_key(&self.policy, &self.docs, mirror), after));
                        (!introduced.is_empty()).then(|| Rejection::from_violations(&introduced))
                    }
                };
                if refusal.is_some() {
                    st.mirror = None;
                }
            }
        } else if pd.rejected
            && sync_msg
                .heads
                .iter()
                .all(|h| st.doc.get_change_by_hash(h).is_some())
        {
            // The peer dropped the refused changes: serve it normally again.
            pd.rejected = false;
            pd.sync.set_read_only(false);
        }
        if refusal.is_some() {
            sync_msg.changes = sync::ChunkList::empty();
            pd.rejected = true;
            pd.sync.set_read_only(true);
        }
        let before = st.doc.get_heads();
        let received = st.doc.receive_sync_message(&mut pd.sync, sync_msg);
        let changed = st.doc.get_heads() != before;
        if refusal.is_none()
            && let Some(checked) = checked_after
        {
            st.checked = Some(checked);
        }
        if changed
            && (trusted || st.mirror.as_ref().map(|m| m.get_heads()) != Some(st.doc.get_heads()))
        {
            st.mirror = None;
        }
        if trusted {
            let theirs = pd.sync.their_heads.clone();
            if theirs.is_some() && theirs != st.remote_heads {
                st.remote_heads = theirs.clone();
                self.actions.push_back(Action::Event(Event::RemoteHeads {
                    doc: doc_id,
                    heads: theirs.unwrap_or_default(),
                }));
            }
        }
        let empty = st.doc.get_heads().is_empty();
        let accepted_heads = st.doc.get_heads();
        self.docs.insert(doc_id, Slot::Ready(st));
        if let Err(e) = received {
            let message = format!("a change for {doc_id} could not be applied ({e})");
            return self.fail(conn, "bad-change", message);
        }
        if let Some(rejection) = refusal {
            self.event(Event::Rejected {
                conn,
                doc: doc_id,
                rejection: rejection.clone(),
            });
            self.send_notice(conn, doc_id, rejection, accepted_heads);
        }
        if changed {
            self.event(Event::DocChanged {
                doc: doc_id,
                local: false,
            });
            self.persist(&doc_id);
        }
        if is_request && empty && self.cfg.role == Role::Relay {
            self.send_unavailable(conn, doc_id);
        } else if self.cfg.role == Role::Relay || changed {
            self.flush(&doc_id);
        } else {
            self.flush_one(conn, &doc_id);
        }
    }

    fn on_loaded(&mut self, doc: DocumentId, chunks: Result<Vec<Chunk>, String>) {
        let (waiting, wanted) = match self.docs.get_mut(&doc) {
            Some(Slot::Loading { waiting, wanted }) => (std::mem::take(waiting), *wanted),
            _ => return,
        };
        let (automerge, stored, drafts, problems) = match chunks {
            Ok(chunks) => {
                let (drafts, chunks): (Vec<Chunk>, Vec<Chunk>) = chunks
                    .into_iter()
                    .partition(|c| c.key.kind == ChunkKind::Draft);
                let loaded = merge_chunks(chunks);
                let problems: Vec<String> = loaded.problems.iter().map(|p| p.to_string()).collect();
                (loaded.doc, loaded.merged, drafts, problems)
            }
            Err(e) => (
                Automerge::new(),
                Default::default(),
                Vec::new(),
                vec![format!("could not load from storage: {e}")],
            ),
        };
        let mut st = DocState::new(doc, automerge, stored);
        st.drafts = drafts.into_iter().map(|c| (c.key, c.bytes)).collect();
        st.pinned = self.policy.pinned().contains(&doc);
        st.wanted = wanted;
        self.docs.insert(doc, Slot::Ready(Box::new(st)));
        for message in problems {
            self.event(Event::StorageProblem { doc, message });
        }
        self.event(Event::DocReady { doc });
        for (conn, msg) in waiting {
            self.on_doc_message(conn, doc, msg);
        }
        if wanted {
            self.begin_sync_all(doc);
        }
    }

    fn on_stored(&mut self, key: ChunkKey, result: Result<(), String>) {
        let doc = key.doc;
        let Some(Slot::Ready(st)) = self.docs.get_mut(&doc) else {
            return;
        };
        match result {
            Ok(()) => {
                if key.kind == ChunkKind::Draft {
                    return;
                }
                if let Some(keys) = st.stored_ok(&key) {
                    if !keys.is_empty() {
                        self.actions.push_back(Action::Delete { keys });
                    }
                } else if let Some(chunk) = st.maybe_compact(&self.cfg.compaction) {
                    self.actions.push_back(Action::Store { chunk });
                }
                if st.durable() {
                    self.flush(&doc);
                }
            }
            Err(e) => {
                st.stored_failed(&key);
                let message = format!(
                    "could not save changes to storage ({e}); they are kept in memory and will be saved again"
                );
                self.event(Event::StorageProblem { doc, message });
            }
        }
    }

    fn on_external(&mut self, doc: DocumentId, chunks: Vec<Chunk>) {
        let Some(Slot::Ready(st)) = self.docs.get_mut(&doc) else {
            return;
        };
        let before = st.doc.get_heads();
        let all_saved = before == st.saved_heads;
        let mut problems = Vec::new();
        for chunk in chunks {
            match chunk.key.kind {
                ChunkKind::Draft => {
                    st.drafts.insert(chunk.key, chunk.bytes);
                }
                _ if st.stored.contains(&chunk.key) || st.pending.contains_key(&chunk.key) => {}
                _ => match st.doc.load_incremental(&chunk.bytes) {
                    Ok(_) => {
                        st.stored.insert(chunk.key);
                    }
                    Err(e) => problems.push(format!(
                        "chunk {} from another tab could not be read ({e})",
                        chunk.key
                    )),
                },
            }
        }
        let changed = st.doc.get_heads() != before;
        if changed {
            st.mirror = None;
            if all_saved {
                st.saved_heads = st.doc.get_heads();
            }
        }
        for message in problems {
            self.event(Event::StorageProblem { doc, message });
        }
        if changed {
            self.event(Event::DocChanged { doc, local: false });
            self.persist(&doc);
            self.flush(&doc);
        }
    }

    // ----- helpers -----

    /// What a document's validity depends on: its heads and those of the
    /// documents the policy reads (e.g. the cluster document's scoring table).
    fn validity_key(
        policy: &P,
        docs: &HashMap<DocumentId, Slot>,
        doc: &Automerge,
    ) -> Vec<ChangeHash> {
        let mut key = doc.get_heads();
        for pinned in policy.pinned() {
            if let Some(Slot::Ready(p)) = docs.get(&pinned) {
                key.extend(p.doc.get_heads());
            }
        }
        key
    }

    /// The violations of a document's current state, from the cache when
    /// nothing it depends on changed since it was last checked.
    fn violations_before(
        policy: &P,
        docs: &HashMap<DocumentId, Slot>,
        doc_id: &DocumentId,
        st: &mut DocState,
    ) -> Vec<Violation> {
        let key = Self::validity_key(policy, docs, &st.doc);
        if let Some((k, v)) = &st.checked
            && *k == key
        {
            return v.clone();
        }
        let v = policy.violations(doc_id, &st.doc, &Docs(docs));
        st.checked = Some((key, v.clone()));
        v
    }

    fn ensure_loading(&mut self, doc: DocumentId) {
        if let std::collections::hash_map::Entry::Vacant(e) = self.docs.entry(doc) {
            e.insert(Slot::Loading {
                waiting: Vec::new(),
                wanted: false,
            });
            self.actions.push_back(Action::Load { doc });
        }
    }

    fn begin_sync_all(&mut self, doc: DocumentId) {
        let conns: Vec<ConnId> = self
            .peers
            .iter()
            .filter(|(_, p)| matches!(p.handshake, Handshake::Ready { .. }))
            .map(|(c, _)| *c)
            .collect();
        for conn in conns {
            self.begin_sync(conn, doc);
        }
    }

    /// Client: start syncing `doc` with the relay on `conn`.
    fn begin_sync(&mut self, conn: ConnId, doc: DocumentId) {
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        if peer.docs.contains_key(&doc) {
            return;
        }
        peer.docs.insert(doc, PeerDoc::new());
        self.flush_one(conn, &doc);
    }

    /// Send sync messages for `doc` to every peer syncing it, if durable.
    fn flush(&mut self, doc: &DocumentId) {
        let conns: Vec<ConnId> = self
            .peers
            .iter()
            .filter(|(_, p)| p.docs.contains_key(doc))
            .map(|(c, _)| *c)
            .collect();
        for conn in conns {
            self.flush_one(conn, doc);
        }
    }

    fn flush_one(&mut self, conn: ConnId, doc: &DocumentId) {
        let Some(Slot::Ready(st)) = self.docs.get(doc) else {
            return;
        };
        if !st.durable() {
            return; // sent from on_stored once durable
        }
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        let Handshake::Ready { remote } = &peer.handshake else {
            return;
        };
        let Some(pd) = peer.docs.get_mut(doc) else {
            return;
        };
        let first = !pd.sync.have_responded;
        let heads = st.doc.get_heads();
        if pd.announced.as_ref() != Some(&heads) {
            // Make sure the peer hears our current heads (see `PeerDoc::announced`).
            pd.sync.last_sent_heads.clear();
        }
        let Some(sync_msg) = st.doc.generate_sync_message(&mut pd.sync) else {
            return;
        };
        pd.announced = Some(sync_msg.heads.clone());
        let data = sync_msg.encode();
        let msg = if first && self.cfg.role == Role::Client && st.doc.get_heads().is_empty() {
            Message::Request {
                document_id: *doc,
                sender_id: self.cfg.peer_id.clone(),
                target_id: remote.clone(),
                data,
            }
        } else {
            Message::Sync {
                document_id: *doc,
                sender_id: self.cfg.peer_id.clone(),
                target_id: remote.clone(),
                data,
            }
        };
        self.send(conn, &msg);
    }

    fn persist(&mut self, doc: &DocumentId) {
        if let Some(Slot::Ready(st)) = self.docs.get_mut(doc)
            && let Some(chunk) = st.persist()
        {
            self.actions.push_back(Action::Store { chunk });
        }
    }

    fn send(&mut self, conn: ConnId, msg: &Message) {
        self.actions.push_back(Action::Send {
            conn,
            bytes: msg.encode(),
        });
    }

    fn send_unavailable(&mut self, conn: ConnId, doc: DocumentId) {
        if let Some(Handshake::Ready { remote }) = self.peers.get(&conn).map(|p| &p.handshake) {
            let msg = Message::DocUnavailable {
                document_id: doc,
                sender_id: self.cfg.peer_id.clone(),
                target_id: remote.clone(),
            };
            self.send(conn, &msg);
        }
    }

    fn send_notice(
        &mut self,
        conn: ConnId,
        doc: DocumentId,
        rejection: Rejection,
        accepted_heads: Vec<ChangeHash>,
    ) {
        let Some(Handshake::Ready { remote }) = self.peers.get(&conn).map(|p| &p.handshake) else {
            return;
        };
        let remote = remote.clone();
        self.ephemeral_count += 1;
        let notice = RejectionNotice {
            rejection,
            accepted_heads,
        };
        let msg = Message::Ephemeral {
            document_id: doc,
            sender_id: self.cfg.peer_id.clone(),
            target_id: remote,
            count: self.ephemeral_count,
            session_id: self.cfg.peer_id.to_string(),
            data: notice.encode(),
        };
        self.send(conn, &msg);
    }

    /// Refuse a frame: tell the peer why, close the connection, log it.
    fn fail(&mut self, conn: ConnId, code: &str, message: String) {
        let err = Message::Error {
            message: message.clone(),
            code: Some(code.to_string()),
        };
        self.send(conn, &err);
        self.actions.push_back(Action::Close { conn });
        self.peers.remove(&conn);
        self.event(Event::ProtocolError {
            conn,
            code: code.to_string(),
            message,
        });
    }

    fn event(&mut self, e: Event) {
        self.actions.push_back(Action::Event(e));
    }
}

/// Whether any chunk of a sync message holds a change `doc` does not have.
fn has_unknown_changes(doc: &Automerge, chunks: &sync::ChunkList) -> bool {
    for bytes in chunks.iter() {
        match automerge::Change::from_bytes(bytes.to_vec()) {
            Ok(change) => {
                if doc.get_change_by_hash(&change.hash()).is_none() {
                    return true;
                }
            }
            // Not a single change: a whole-document chunk (sync v2) or a run of
            // changes. Load it on its own and compare.
            Err(_) => match Automerge::load(bytes) {
                Ok(other) => {
                    if other
                        .get_heads()
                        .iter()
                        .any(|h| doc.get_change_by_hash(h).is_none())
                    {
                        return true;
                    }
                }
                Err(_) => return true, // unreadable: let validation refuse it
            },
        }
    }
    false
}

#[cfg(test)]
mod tests;
