//! A deterministic in-memory shell around the core, for tests and benchmarks.
//!
//! It plays the part the relay and browser shells play for real: it carries
//! frames between cores over simulated links that can go down, answers storage
//! actions from an in-memory map, and can "crash" a node by dropping writes
//! that were still in flight. Everything happens in a fixed order, so a seed
//! reproduces a run exactly.
//!
//! [`Sim`] is the small shell the core's tests drive by hand: one relay core,
//! clients, links. [`chaos`] is the model of the real shells, run on seeds:
//! the relay's hub with its shards ([`hub`]), browser devices ([`device`]),
//! a cluster and its edits ([`workload`]), a faulty network, crashes and a
//! clock ([`world`]), and the invariants every run keeps ([`ledger`]).

pub mod chaos;
pub mod device;
mod faults;
pub mod hub;
pub mod ledger;
mod net;
pub mod workload;
pub mod world;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, VecDeque};

use crate::core::{Action, Config, ConnId, Core, Event, Input, PeerAuth, Policy, Role};
use crate::protocol::{DocumentId, PeerId};
use crate::storage::{Chunk, ChunkKey};

/// In-memory chunk storage of one node.
#[derive(Default, Clone, Debug)]
pub struct MemoryStorage {
    pub chunks: BTreeMap<ChunkKey, Vec<u8>>,
}

impl MemoryStorage {
    pub fn load(&self, doc: &DocumentId) -> Vec<Chunk> {
        self.chunks
            .iter()
            .filter(|(k, _)| &k.doc == doc)
            .map(|(k, b)| Chunk {
                key: k.clone(),
                bytes: b.clone(),
            })
            .collect()
    }
}

/// One core with its storage and the events it produced.
pub struct Node<P: Policy> {
    pub core: Core<P>,
    pub storage: MemoryStorage,
    pub events: Vec<Event>,
    /// Writes issued but not yet completed (completed on `settle_storage`).
    pub in_flight: VecDeque<Chunk>,
    /// Complete writes at once (true) or hold them until `settle_storage`.
    pub instant_storage: bool,
    outbox: Vec<(ConnId, Vec<u8>)>,
    closed: Vec<ConnId>,
}

impl<P: Policy> Node<P> {
    pub fn new(core: Core<P>) -> Self {
        Self {
            core,
            storage: MemoryStorage::default(),
            events: Vec::new(),
            in_flight: VecDeque::new(),
            instant_storage: true,
            outbox: Vec::new(),
            closed: Vec::new(),
        }
    }

    /// Run the core's actions until it has none left. Returns whether anything happened.
    pub fn pump(&mut self) -> bool {
        let mut any = false;
        while let Some(action) = self.core.poll() {
            any = true;
            match action {
                Action::Send { conn, bytes } => self.outbox.push((conn, bytes)),
                Action::Close { conn } => self.closed.push(conn),
                Action::Load { doc } => {
                    let chunks = self.storage.load(&doc);
                    self.core.handle(Input::Loaded {
                        doc,
                        chunks: Ok(chunks),
                    });
                }
                Action::Store { chunk } => {
                    if self.instant_storage {
                        self.complete_write(chunk);
                    } else {
                        self.in_flight.push_back(chunk);
                    }
                }
                Action::Delete { keys } => {
                    for k in keys {
                        self.storage.chunks.remove(&k);
                    }
                }
                Action::Event(e) => self.events.push(e),
            }
        }
        any
    }

    fn complete_write(&mut self, chunk: Chunk) {
        let key = chunk.key.clone();
        self.storage.chunks.insert(chunk.key, chunk.bytes);
        self.core.handle(Input::Stored {
            key,
            result: Ok(()),
        });
    }

    /// Complete every write still in flight.
    pub fn settle_storage(&mut self) {
        while let Some(chunk) = self.in_flight.pop_front() {
            self.complete_write(chunk);
            self.pump();
        }
    }
}

/// A simulated link between a client node and the relay node.
#[derive(Debug)]
pub struct Link {
    pub client: usize,
    /// The id the relay knows this connection by.
    pub relay_conn: ConnId,
    /// The id the client knows it by.
    pub client_conn: ConnId,
    pub up: bool,
}

/// Changes one frame in transit.
pub type Tamper = Box<dyn FnMut(&mut Vec<u8>)>;

/// A relay and its clients, wired by links.
pub struct Sim<R: Policy, C: Policy> {
    pub relay: Node<R>,
    pub clients: Vec<Node<C>>,
    pub links: Vec<Link>,
    /// How the relay authenticates each client.
    pub auths: Vec<PeerAuth>,
    /// Changes frames from the relay on their way to a client (for tests
    /// of what an imperfect but honest message does, e.g. a bloom filter's
    /// false positive).
    pub tamper_from_relay: Option<Tamper>,
    /// Bytes of frames delivered to the relay and from it (what a reconnect
    /// costs on the wire).
    pub bytes_to_relay: u64,
    pub bytes_from_relay: u64,
    next_conn: u64,
}

impl<R: Policy, C: Policy> Sim<R, C> {
    pub fn new(relay_policy: R) -> Self {
        let mut cfg = Config::new(PeerId::from("relay"), Role::Relay);
        cfg.storage_id = Some("relay-storage".into());
        Self {
            relay: Node::new(Core::new(cfg, relay_policy)),
            clients: Vec::new(),
            links: Vec::new(),
            auths: Vec::new(),
            tamper_from_relay: None,
            bytes_to_relay: 0,
            bytes_from_relay: 0,
            next_conn: 1,
        }
    }

    /// The relay process dies and starts again: writes in flight are lost,
    /// every connection drops, the new core knows only what storage holds.
    pub fn restart_relay(&mut self)
    where
        R: Clone,
    {
        for i in 0..self.clients.len() {
            self.disconnect(i);
        }
        let cfg = self.relay.core.config().clone();
        let policy = self.relay.core.policy().clone();
        let storage = std::mem::take(&mut self.relay.storage);
        let instant = self.relay.instant_storage;
        self.relay = Node::new(Core::new(cfg, policy));
        self.relay.storage = storage;
        self.relay.instant_storage = instant;
    }

    /// Add a client that authenticates as `auth`; returns its index.
    pub fn add_client(&mut self, name: &str, auth: PeerAuth, policy: C) -> usize {
        let mut cfg = Config::new(PeerId::from(name), Role::Client);
        cfg.storage_id = Some(format!("storage-{name}"));
        self.clients.push(Node::new(Core::new(cfg, policy)));
        self.auths.push(auth);
        self.clients.len() - 1
    }

    /// Whether client `i` is connected.
    pub fn is_online(&self, i: usize) -> bool {
        self.links.iter().any(|l| l.client == i && l.up)
    }

    /// Open a connection from client `i` to the relay.
    pub fn connect(&mut self, i: usize) {
        if self.is_online(i) {
            return;
        }
        let relay_conn = ConnId(self.next_conn);
        let client_conn = ConnId(self.next_conn + 1);
        self.next_conn += 2;
        self.links.push(Link {
            client: i,
            relay_conn,
            client_conn,
            up: true,
        });
        self.relay.core.handle(Input::Connected {
            conn: relay_conn,
            auth: self.auths[i].clone(),
        });
        self.clients[i].core.handle(Input::Connected {
            conn: client_conn,
            auth: PeerAuth::Relay,
        });
    }

    /// Cut client `i`'s connection (frames in transit are lost).
    pub fn disconnect(&mut self, i: usize) {
        for l in self.links.iter_mut().filter(|l| l.client == i && l.up) {
            l.up = false;
            self.relay
                .core
                .handle(Input::Disconnected { conn: l.relay_conn });
            self.clients[i].core.handle(Input::Disconnected {
                conn: l.client_conn,
            });
        }
        self.relay
            .outbox
            .retain(|(c, _)| self.links.iter().any(|l| l.relay_conn == *c && l.up));
        self.clients[i].outbox.clear();
    }

    /// Deliver frames and run actions until nothing moves.
    ///
    /// Panics when the nodes are still talking after 100,000 rounds: honest
    /// peers settle in a handful, so that is a livelock (two peers asking
    /// each other for something neither will send), not a slow run.
    pub fn run(&mut self) {
        for _ in 0..100_000 {
            let mut any = self.relay.pump();
            for c in &mut self.clients {
                any |= c.pump();
            }
            any |= self.deliver();
            if !any {
                return;
            }
        }
        panic!("the simulation did not settle: the nodes keep sending each other messages");
    }

    fn deliver(&mut self) -> bool {
        let mut any = false;
        // Closes first, so a closed link drops what follows.
        for conn in std::mem::take(&mut self.relay.closed) {
            if let Some(i) = self.links.iter().position(|l| l.relay_conn == conn && l.up) {
                let client = self.links[i].client;
                // Deliver what was sent before the close (the error message).
                let frames: Vec<Vec<u8>> = self
                    .relay
                    .outbox
                    .iter()
                    .filter(|(c, _)| *c == conn)
                    .map(|(_, b)| b.clone())
                    .collect();
                self.relay.outbox.retain(|(c, _)| *c != conn);
                let client_conn = self.links[i].client_conn;
                for bytes in frames {
                    self.clients[client].core.handle(Input::Frame {
                        conn: client_conn,
                        bytes,
                    });
                }
                self.disconnect(client);
                any = true;
            }
        }
        for i in 0..self.clients.len() {
            for conn in std::mem::take(&mut self.clients[i].closed) {
                if self.links.iter().any(|l| l.client_conn == conn && l.up) {
                    self.disconnect(i);
                    any = true;
                }
            }
        }
        for (conn, mut bytes) in std::mem::take(&mut self.relay.outbox) {
            if let Some(l) = self.links.iter().find(|l| l.relay_conn == conn && l.up) {
                let (client, client_conn) = (l.client, l.client_conn);
                if let Some(tamper) = self.tamper_from_relay.as_mut() {
                    tamper(&mut bytes);
                }
                self.bytes_from_relay += bytes.len() as u64;
                self.clients[client].core.handle(Input::Frame {
                    conn: client_conn,
                    bytes,
                });
                any = true;
            }
        }
        for i in 0..self.clients.len() {
            for (conn, bytes) in std::mem::take(&mut self.clients[i].outbox) {
                if let Some(l) = self.links.iter().find(|l| l.client_conn == conn && l.up) {
                    let relay_conn = l.relay_conn;
                    self.bytes_to_relay += bytes.len() as u64;
                    self.relay.core.handle(Input::Frame {
                        conn: relay_conn,
                        bytes,
                    });
                    any = true;
                }
            }
        }
        any
    }

    /// Send raw bytes from client `i` to the relay, bypassing its core
    /// (for malformed-input tests).
    pub fn inject_to_relay(&mut self, i: usize, bytes: Vec<u8>) {
        if let Some(l) = self.links.iter().find(|l| l.client == i && l.up) {
            let conn = l.relay_conn;
            self.relay.core.handle(Input::Frame { conn, bytes });
        }
    }
}

/// A tiny deterministic generator (xorshift64*), so a seed repeats a run exactly.
#[derive(Clone, Debug)]
pub struct SeededRng(u64);

impl SeededRng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// The seeds a test runs: `range`, or only `THIDUA_SIM_SEED` when it is set
/// (to replay one that failed).
pub fn seeds(range: std::ops::RangeInclusive<u64>) -> Vec<u64> {
    match std::env::var("THIDUA_SIM_SEED") {
        Ok(seed) => vec![seed.parse().expect("THIDUA_SIM_SEED is a number")],
        Err(_) => range.collect(),
    }
}

/// Prints the one-line command that replays a seed when a test fails
/// inside it (a failed assertion or a livelock in `Sim::run`).
pub struct ReplayOnPanic {
    pub seed: u64,
    /// The test's path in the crate, e.g. `core::tests::name`.
    pub test: &'static str,
}

impl Drop for ReplayOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "replay: THIDUA_SIM_SEED={} cargo test -p thidua-shared --lib {} -- --exact",
                self.seed, self.test
            );
        }
    }
}
