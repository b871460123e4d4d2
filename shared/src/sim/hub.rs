//! The relay as `server/src/hub/` runs it, without threads: several shards,
//! each its own [`Core`], and a router in front of them.
//!
//! - A document lives on one shard ([`shard_of`], the hub's hash); only
//!   shard 0 answers `join` and the cluster document's shard alone loads it.
//! - Frames are routed with [`Message::route`]: a document's frames to its
//!   shard, `join` to every shard, anything else to shard 0. A connection
//!   hands a frame to a shard only once the frames it gave *other* shards
//!   were handled (the hub's per-connection order).
//! - Each shard has a control queue (connects, disconnects, storage answers)
//!   that goes before its frame inbox, as the hub's biased `select!`; a step
//!   handles one control message or a batch of frames (or a tick), then
//!   publishes the cluster document if it changed, then carries out the
//!   core's actions. Which shard steps next is the caller's (the seed's) choice.
//! - The cluster document's shard publishes a read-only copy after each
//!   step that changed it; every other shard takes the newest copy
//!   ([`Core::set_external_doc`]) before each input, as `Shard::guarded`.
//! - Storage is shared by the shards and asynchronous: loads, writes and
//!   deletes wait in a pool and complete in any order the caller picks;
//!   their answers go to the issuing shard's control queue. A crash keeps
//!   or loses each write still in flight ([`Hub::crash`]).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use automerge::{Automerge, ChangeHash};

use super::{MemoryStorage, SeededRng};
use crate::cluster::ClusterPolicy;
use crate::core::{Action, Config, ConnId, Core, Event, Input, PeerAuth};
use crate::protocol::{DocumentId, Message, Route};
use crate::storage::{Chunk, ChunkKey};

/// The shard of a document (the same hash as the real hub's).
pub fn shard_of(doc: &DocumentId, shards: usize) -> usize {
    let b = doc.as_bytes();
    (u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) % shards as u64) as usize
}

enum Control {
    Connect { conn: ConnId, auth: PeerAuth },
    Disconnect { conn: ConnId },
    Storage(Input),
}

/// One worker of the relay: a core and its queues.
pub struct Shard {
    pub core: Core<ClusterPolicy>,
    control: VecDeque<Control>,
    frames: VecDeque<(ConnId, Vec<u8>)>,
    conns: BTreeSet<ConnId>,
    tick_due: bool,
    publishes: Option<DocumentId>,
    published_heads: Vec<ChangeHash>,
    seen_version: u64,
}

/// What the relay sends down a connection.
#[derive(Debug)]
pub enum Outbound {
    Frame(Vec<u8>),
    Close,
}

#[derive(Debug)]
enum OpKind {
    Load(DocumentId),
    Write(Chunk),
    Delete(Vec<ChunkKey>),
}

/// A storage operation in flight, issued by one shard.
#[derive(Debug)]
struct Op {
    shard: usize,
    kind: OpKind,
    /// Issued as the `seq`th operation of the relay process.
    seq: u64,
}

impl Op {
    /// The order the seed picks from: by shard, document and issue order,
    /// not by content (chunk keys hash changes, whose actor ids are random)
    /// nor by the order the core issued one batch in (a `HashMap`'s).
    fn sort_key(&self) -> (usize, DocumentId, u8, u64) {
        match &self.kind {
            OpKind::Load(d) => (self.shard, *d, 0, self.seq),
            OpKind::Write(c) => (self.shard, c.key.doc, 1, self.seq),
            OpKind::Delete(k) => (
                self.shard,
                k.first().map_or(DocumentId::from_bytes([0; 16]), |k| k.doc),
                2,
                self.seq,
            ),
        }
    }
}

/// A relay connection's router state.
struct HubConn {
    /// Frames read from the socket, not yet handed to a shard, with the
    /// shards they go to.
    pending: VecDeque<(Vec<u8>, Vec<usize>)>,
    sent: Vec<u64>,
    handled: Vec<u64>,
}

/// The relay: shards, router, shared storage.
pub struct Hub {
    pub shards: Vec<Shard>,
    pub storage: MemoryStorage,
    ops: Vec<Op>,
    conns: BTreeMap<ConnId, HubConn>,
    published: Option<(u64, DocumentId, Arc<Automerge>)>,
    /// The clock value the relay process started at (its ticks count from it).
    pub started_ms: u64,
    /// Frames and closes for connections, in the order shards produced them.
    pub out: Vec<(ConnId, Outbound)>,
    /// Refusals the relay logged: connection, document.
    pub rejected: Vec<(ConnId, DocumentId)>,
    /// Chance (in 1/1000) that a write or load fails.
    pub fail_permille: u64,
    seq: u64,
    /// What happened inside, when tracing (see [`Hub::trace`]).
    pub log: Option<Vec<String>>,
}

impl Hub {
    /// Start the relay process: `shards` workers over `storage`.
    pub fn start(
        policy: &ClusterPolicy,
        cfg: &Config,
        shards: usize,
        storage: MemoryStorage,
        now_ms: u64,
    ) -> Self {
        let cluster = policy.directory().cluster_doc();
        let shards = (0..shards)
            .map(|index| {
                let mut cfg = cfg.clone();
                cfg.answer_join = index == 0;
                let owns = cluster.is_some_and(|c| shard_of(&c, shards) == index);
                cfg.load_pinned = owns;
                // The relay writes no changes; a fixed actor keeps even
                // its snapshots the same on every run of a seed.
                cfg.actor = Some(automerge::ActorId::from(
                    format!("relay-{index}").as_bytes(),
                ));
                Shard {
                    core: Core::new(cfg, policy.clone()),
                    control: VecDeque::new(),
                    frames: VecDeque::new(),
                    conns: BTreeSet::new(),
                    tick_due: false,
                    publishes: if owns { cluster } else { None },
                    published_heads: Vec::new(),
                    seen_version: 0,
                }
            })
            .collect();
        let mut hub = Self {
            shards,
            storage,
            ops: Vec::new(),
            conns: BTreeMap::new(),
            published: None,
            started_ms: now_ms,
            out: Vec::new(),
            rejected: Vec::new(),
            fail_permille: 0,
            seq: 0,
            log: None,
        };
        for i in 0..hub.shards.len() {
            hub.run_actions(i);
        }
        hub
    }

    /// The shard serving a document.
    pub fn shard_of(&self, doc: &DocumentId) -> usize {
        shard_of(doc, self.shards.len())
    }

    /// The core holding a document.
    pub fn core_of(&self, doc: &DocumentId) -> &Core<ClusterPolicy> {
        &self.shards[self.shard_of(doc)].core
    }

    /// A device connected: every shard hears of it before its first frame.
    pub fn connect(&mut self, conn: ConnId, auth: PeerAuth) {
        let n = self.shards.len();
        self.conns.insert(
            conn,
            HubConn {
                pending: VecDeque::new(),
                sent: vec![0; n],
                handled: vec![0; n],
            },
        );
        for s in &mut self.shards {
            s.control.push_back(Control::Connect {
                conn,
                auth: auth.clone(),
            });
        }
    }

    /// Whether the relay holds this connection open.
    pub fn is_open(&self, conn: ConnId) -> bool {
        self.conns.contains_key(&conn)
    }

    /// A frame arrived on a connection's socket.
    pub fn receive(&mut self, conn: ConnId, bytes: Vec<u8>) {
        if self.conns.contains_key(&conn) {
            let targets = self.targets(&bytes);
            if let Some(c) = self.conns.get_mut(&conn) {
                c.pending.push_back((bytes, targets));
            }
        }
    }

    /// The connection's task ended: frames not yet routed are lost, every
    /// shard is told (frames already in a shard's inbox are skipped there).
    pub fn disconnect(&mut self, conn: ConnId) {
        if self.conns.remove(&conn).is_some() {
            for s in &mut self.shards {
                s.control.push_back(Control::Disconnect { conn });
            }
        }
    }

    fn targets(&self, bytes: &[u8]) -> Vec<usize> {
        let budget = self.shards[0].core.config().limits.cbor;
        match Message::route(bytes, budget) {
            Route::Doc(d) => vec![self.shard_of(&d)],
            Route::Join => (0..self.shards.len()).collect(),
            Route::Connection => vec![0],
        }
    }

    /// Connections whose next frame may go to its shards now.
    pub fn routable(&self) -> Vec<ConnId> {
        self.conns
            .iter()
            .filter(|(_, c)| {
                c.pending.front().is_some_and(|(_, targets)| {
                    (0..self.shards.len())
                        .all(|s| targets.contains(&s) || c.handled[s] >= c.sent[s])
                })
            })
            .map(|(id, _)| *id)
            .collect()
    }

    /// Hand a connection's next frame to its shards (see [`Hub::routable`]).
    pub fn route(&mut self, conn: ConnId) {
        let Some((bytes, targets)) = self
            .conns
            .get_mut(&conn)
            .and_then(|c| c.pending.pop_front())
        else {
            return;
        };
        for s in targets {
            if let Some(c) = self.conns.get_mut(&conn) {
                c.sent[s] += 1;
            }
            self.shards[s].frames.push_back((conn, bytes.clone()));
        }
    }

    /// A frame of a connection the relay closed long ago, arriving late.
    /// `bypass`: straight into the core of its shard (the core must drop
    /// frames of connections it does not know), else into the shard's inbox.
    pub fn stale_frame(&mut self, conn: ConnId, bytes: Vec<u8>, bypass: bool) {
        for s in self.targets(&bytes) {
            if bypass {
                self.handle(
                    s,
                    Input::Frame {
                        conn,
                        bytes: bytes.clone(),
                    },
                );
                self.run_actions(s);
            } else {
                self.shards[s].frames.push_back((conn, bytes.clone()));
            }
        }
    }

    /// Time passed: every shard's ticker fires once (missed ticks coalesce).
    pub fn tick(&mut self) {
        for s in &mut self.shards {
            s.tick_due = true;
        }
    }

    /// A long quiet time passed: every shard ticked during it (and before
    /// anything that arrives after it), as the real shards tick each second.
    pub fn tick_now(&mut self, now_ms: u64) {
        for i in 0..self.shards.len() {
            self.shards[i].tick_due = false;
            let now_ms = now_ms.saturating_sub(self.started_ms);
            self.handle(i, Input::Tick { now_ms });
            self.publish(i);
            self.run_actions(i);
        }
    }

    /// Shards with something to do.
    pub fn busy_shards(&self) -> Vec<usize> {
        (0..self.shards.len())
            .filter(|&i| {
                let s = &self.shards[i];
                !s.control.is_empty() || !s.frames.is_empty() || s.tick_due
            })
            .collect()
    }

    /// Whether a shard has work other than a tick.
    pub fn has_work(&self) -> bool {
        self.shards
            .iter()
            .any(|s| !s.control.is_empty() || !s.frames.is_empty())
            || self.conns.values().any(|c| !c.pending.is_empty())
    }

    /// One turn of a shard's loop: one control message, else a batch of up
    /// to `batch` frames or the tick; then publish, then the core's actions.
    pub fn step(&mut self, i: usize, batch: usize, now_ms: u64, rng: &mut SeededRng) {
        let mut handled: Vec<ConnId> = Vec::new();
        if let Some(c) = self.shards[i].control.pop_front() {
            match c {
                Control::Connect { conn, auth } => {
                    self.shards[i].conns.insert(conn);
                    self.handle(i, Input::Connected { conn, auth });
                }
                Control::Disconnect { conn } => {
                    self.shards[i].conns.remove(&conn);
                    self.handle(i, Input::Disconnected { conn });
                    self.shards[i].core.evict_idle();
                }
                Control::Storage(input) => self.handle(i, input),
            }
        } else if self.takes_frames(i, rng) {
            for _ in 0..batch.max(1) {
                let Some((conn, bytes)) = self.shards[i].frames.pop_front() else {
                    break;
                };
                if self.shards[i].conns.contains(&conn) {
                    self.handle(i, Input::Frame { conn, bytes });
                }
                handled.push(conn);
            }
        } else if self.shards[i].tick_due {
            self.shards[i].tick_due = false;
            let now_ms = now_ms.saturating_sub(self.started_ms);
            self.handle(i, Input::Tick { now_ms });
        }
        self.publish(i);
        for conn in handled {
            if let Some(c) = self.conns.get_mut(&conn) {
                c.handled[i] += 1;
            }
        }
        self.run_actions(i);
    }

    /// Record what happened, when tracing.
    fn log(&mut self, what: impl FnOnce() -> String) {
        if let Some(log) = &mut self.log {
            log.push(what());
        }
    }

    /// Whether a shard's turn goes to its frames (else to its tick, when
    /// one is due: now and then even with frames waiting).
    fn takes_frames(&self, i: usize, rng: &mut SeededRng) -> bool {
        let s = &self.shards[i];
        !s.frames.is_empty() && (!s.tick_due || rng.below(4) != 0)
    }

    /// Feed one input, with the newest published cluster document first.
    fn handle(&mut self, i: usize, input: Input) {
        self.log(|| format!("shard {i} <- {}", describe_input(&input)));
        let about = match (&self.log, &input) {
            (Some(_), Input::Frame { bytes, .. }) => match Message::decode(bytes) {
                Ok(Message::Sync { document_id, .. }) => Some(document_id),
                _ => None,
            },
            _ => None,
        };
        self.handle_input(i, input);
        if let Some(doc) = about {
            let heads = self.shards[i].core.doc(&doc).map(|d| {
                d.get_heads()
                    .iter()
                    .map(|h| h.to_string()[..8].to_string())
                    .collect::<Vec<_>>()
            });
            self.log(|| format!("shard {i}: {doc} heads now {heads:?}"));
        }
    }

    fn handle_input(&mut self, i: usize, input: Input) {
        let shard = &mut self.shards[i];
        if shard.publishes.is_none()
            && let Some((version, id, doc)) = &self.published
            && *version != shard.seen_version
        {
            shard.seen_version = *version;
            shard.core.set_external_doc(*id, doc.clone());
            if let Some(log) = &mut self.log {
                log.push(format!("shard {i} takes the cluster document v{version}"));
            }
        }
        shard.core.handle(input);
    }

    fn publish(&mut self, i: usize) {
        let shard = &mut self.shards[i];
        let Some(id) = shard.publishes else { return };
        let Some(doc) = shard.core.doc(&id) else {
            return;
        };
        let heads = doc.get_heads();
        if heads == shard.published_heads {
            return;
        }
        let version = self.published.as_ref().map_or(0, |p| p.0) + 1;
        self.published = Some((version, id, Arc::new(doc.clone())));
        shard.published_heads = heads;
        self.log(|| format!("shard {i} publishes the cluster document (v{version})"));
    }

    fn run_actions(&mut self, i: usize) {
        while let Some(action) = self.shards[i].core.poll() {
            match action {
                Action::Send { conn, bytes } => {
                    if self.shards[i].conns.contains(&conn) {
                        self.out.push((conn, Outbound::Frame(bytes)));
                    }
                }
                Action::Close { conn } => {
                    if self.shards[i].conns.remove(&conn) {
                        self.out.push((conn, Outbound::Close));
                    }
                }
                Action::Load { doc } => self.issue(i, OpKind::Load(doc)),
                Action::Store { chunk } => self.issue(i, OpKind::Write(chunk)),
                Action::Delete { keys } => self.issue(i, OpKind::Delete(keys)),
                Action::Event(Event::Rejected {
                    conn,
                    doc,
                    rejection,
                }) => {
                    self.log(|| {
                        format!(
                            "shard {i}: refused {doc} from conn {}: {}",
                            conn.0, rejection.message_en
                        )
                    });
                    self.rejected.push((conn, doc));
                }
                Action::Event(e) => self.log(|| format!("shard {i}: {e:?}")),
            }
        }
    }

    fn issue(&mut self, shard: usize, kind: OpKind) {
        self.seq += 1;
        let seq = self.seq;
        self.ops.push(Op { shard, kind, seq });
    }

    /// Storage operations in flight.
    pub fn ops_in_flight(&self) -> usize {
        self.ops.len()
    }

    /// Complete one storage operation, picked by the seed; its answer waits
    /// in the shard's control queue.
    pub fn complete_op(&mut self, rng: &mut SeededRng) {
        if self.ops.is_empty() {
            return;
        }
        self.ops.sort_by_cached_key(Op::sort_key);
        let op = self.ops.remove(rng.below(self.ops.len() as u64) as usize);
        let fails = rng.below(1000) < self.fail_permille;
        let input = match op.kind {
            OpKind::Load(doc) => Input::Loaded {
                doc,
                chunks: if fails {
                    Err("simulated read error".into())
                } else {
                    Ok(self.storage.load(&doc))
                },
            },
            OpKind::Write(chunk) => {
                let key = chunk.key.clone();
                let result = if fails {
                    Err("simulated write error".into())
                } else {
                    self.storage.chunks.insert(chunk.key, chunk.bytes);
                    Ok(())
                };
                Input::Stored { key, result }
            }
            OpKind::Delete(keys) => {
                for k in keys {
                    self.storage.chunks.remove(&k);
                }
                return;
            }
        };
        self.shards[op.shard]
            .control
            .push_back(Control::Storage(input));
    }

    /// The process dies: each write or delete in flight either reached the
    /// disk or did not (the seed says which), everything else is gone.
    /// Returns what is on disk.
    pub fn crash(&mut self, rng: &mut SeededRng) -> MemoryStorage {
        self.ops.sort_by_cached_key(Op::sort_key);
        for op in std::mem::take(&mut self.ops) {
            if rng.below(2) == 0 {
                continue;
            }
            match op.kind {
                OpKind::Write(c) => {
                    self.storage.chunks.insert(c.key, c.bytes);
                }
                OpKind::Delete(keys) => {
                    for k in keys {
                        self.storage.chunks.remove(&k);
                    }
                }
                OpKind::Load(_) => {}
            }
        }
        std::mem::take(&mut self.storage)
    }
}

/// One line about an input, for traces.
pub(super) fn describe_input(input: &Input) -> String {
    match input {
        Input::Frame { conn, bytes } => match Message::decode(bytes) {
            Ok(
                Message::Sync {
                    document_id, data, ..
                }
                | Message::Request {
                    document_id, data, ..
                },
            ) => {
                let (changes, hashes, need) = automerge::sync::Message::decode(&data).map_or(
                    (0, Vec::new(), Vec::new()),
                    |m| {
                        let hashes: Vec<String> = m
                            .changes
                            .iter()
                            .flat_map(|c| super::ledger::chunk_changes(c).unwrap_or_default())
                            .map(|h| h.to_string()[..8].to_string())
                            .collect();
                        let need: Vec<String> = m
                            .need
                            .iter()
                            .map(|h| h.to_string()[..8].to_string())
                            .collect();
                        (m.changes.len(), hashes, need)
                    },
                );
                format!(
                    "sync {document_id} from conn {} ({changes} change chunks) {hashes:?} need {need:?}",
                    conn.0
                )
            }
            Ok(m) => format!("{} from conn {}", m.type_name(), conn.0),
            Err(_) => format!("bad frame from conn {}", conn.0),
        },
        Input::Loaded { doc, chunks } => format!(
            "loaded {doc} ({})",
            chunks
                .as_ref()
                .map_or_else(|e| e.clone(), |c| format!("{} chunks", c.len()))
        ),
        Input::Stored { key, result } => format!("stored {} {:?}", key.doc, result),
        other => format!("{other:?}"),
    }
}
