//! A native client shell around the shared sync core: tokio, tokio-tungstenite
//! and in-memory or on-disk chunks. The tests drive it as "a device"; it is also
//! `thidua-relay client` for debugging a relay from the command line.
//!
//! One task owns the core. Commands arrive over a channel; the socket is
//! (re)connected while the client is set online, with a short backoff.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use automerge::transaction::Transaction;
use futures_util::{SinkExt, StreamExt};
use shared::core::{
    Action, ChangeError, CommitMeta, Config, ConnId, Core, Event, Input, PeerAuth, Role, TrustAll,
};
use shared::protocol::{DocumentId, PeerId};
use shared::storage::{Chunk, ChunkKey, ChunkStore};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::store::FileStore;

/// Where a client keeps its chunks.
#[derive(Clone, Debug)]
pub enum ClientStorage {
    Memory,
    Dir(PathBuf),
}

/// How to start a client.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// `ws://host:port/sync`
    pub url: String,
    pub token: String,
    /// Peer id prefix, e.g. the device name.
    pub name: String,
    pub storage: ClientStorage,
    pub online: bool,
}

type Edit = Box<dyn FnOnce(&mut Transaction<'_>) -> Result<(), automerge::AutomergeError> + Send>;
type Reader = Box<dyn FnOnce(&ClientView<'_>) + Send>;

enum Cmd {
    Open(DocumentId),
    Change(
        DocumentId,
        Edit,
        oneshot::Sender<Result<(), ChangeError<automerge::AutomergeError>>>,
    ),
    Rebuild(DocumentId, oneshot::Sender<bool>),
    Read(Reader),
    SetOnline(bool),
}

/// What a reader sees: the core and every event so far.
pub struct ClientView<'a> {
    pub core: &'a Core<TrustAll>,
    pub events: &'a [Event],
    pub connected: bool,
}

/// A running client.
#[derive(Clone)]
pub struct Client {
    tx: mpsc::UnboundedSender<Cmd>,
    changed: watch::Receiver<u64>,
}

/// Why a wait ended without the condition.
#[derive(Debug, thiserror::Error)]
#[error("timed out after {0:?} waiting for: {1}")]
pub struct Timeout(pub Duration, pub String);

enum Store {
    Memory(Arc<Mutex<BTreeMap<ChunkKey, Vec<u8>>>>),
    Dir(FileStore),
}

impl Store {
    async fn load(&self, doc: &DocumentId) -> Result<Vec<Chunk>, String> {
        match self {
            Store::Memory(m) => Ok(m
                .lock()
                .expect("memory store")
                .iter()
                .filter(|(k, _)| &k.doc == doc)
                .map(|(k, b)| Chunk {
                    key: k.clone(),
                    bytes: b.clone(),
                })
                .collect()),
            Store::Dir(f) => f.load(doc).await.map_err(|e| e.to_string()),
        }
    }

    async fn put(&self, chunk: &Chunk) -> Result<(), String> {
        match self {
            Store::Memory(m) => {
                m.lock()
                    .expect("memory store")
                    .insert(chunk.key.clone(), chunk.bytes.clone());
                Ok(())
            }
            Store::Dir(f) => f.put(chunk).await.map_err(|e| e.to_string()),
        }
    }

    async fn delete(&self, keys: &[ChunkKey]) {
        match self {
            Store::Memory(m) => {
                let mut m = m.lock().expect("memory store");
                for k in keys {
                    m.remove(k);
                }
            }
            Store::Dir(f) => {
                let _ = f.delete(keys).await;
            }
        }
    }
}

impl Client {
    /// Start a client task.
    pub fn start(opts: ClientOptions) -> Result<Self, String> {
        let store = match &opts.storage {
            ClientStorage::Memory => Store::Memory(Arc::default()),
            ClientStorage::Dir(d) => Store::Dir(FileStore::open(d).map_err(|e| e.to_string())?),
        };
        let suffix = hex::encode(crate::tokens::random_bytes::<4>().map_err(|e| e.to_string())?);
        let mut cfg = Config::new(PeerId(format!("{}-{suffix}", opts.name)), Role::Client);
        cfg.storage_id = Some(format!("native-{}", opts.name));
        let (tx, rx) = mpsc::unbounded_channel();
        let (changed_tx, changed) = watch::channel(0);
        let task = ClientTask {
            core: Core::new(cfg, TrustAll),
            store,
            events: Vec::new(),
            opts,
            changed: changed_tx,
            conn_seq: 0,
        };
        tokio::spawn(task.run(rx));
        Ok(Self { tx, changed })
    }

    /// Load a document and keep it synced.
    pub fn open(&self, doc: DocumentId) {
        let _ = self.tx.send(Cmd::Open(doc));
    }

    /// Go online (connect, reconnecting if dropped) or offline.
    pub fn set_online(&self, online: bool) {
        let _ = self.tx.send(Cmd::SetOnline(online));
    }

    /// Make a local edit.
    pub async fn change(
        &self,
        doc: DocumentId,
        edit: impl FnOnce(&mut Transaction<'_>) -> Result<(), automerge::AutomergeError>
        + Send
        + 'static,
    ) -> Result<(), ChangeError<automerge::AutomergeError>> {
        let (tx, rx) = oneshot::channel();
        let _ = self.tx.send(Cmd::Change(doc, Box::new(edit), tx));
        rx.await.unwrap_or(Err(ChangeError::NotLoaded(doc)))
    }

    /// After a refusal: return to the relay's state, keeping the refused edits as a draft.
    pub async fn rebuild_from_relay(&self, doc: DocumentId) -> bool {
        let (tx, rx) = oneshot::channel();
        let _ = self.tx.send(Cmd::Rebuild(doc, tx));
        rx.await.unwrap_or(false)
    }

    /// Read the client's state.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&ClientView<'_>) -> T + Send + 'static,
    ) -> T {
        let (tx, rx) = oneshot::channel();
        let _ = self.tx.send(Cmd::Read(Box::new(move |v| {
            let _ = tx.send(f(v));
        })));
        rx.await.expect("client task alive")
    }

    /// Wait until `pred` holds (checked after every change of state).
    pub async fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&ClientView<'_>) -> bool + Send + Sync + Clone + 'static,
    ) -> Result<(), Timeout> {
        let mut changed = self.changed.clone();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let p = pred.clone();
            if self.read(move |v| p(v)).await {
                return Ok(());
            }
            if tokio::time::timeout_at(deadline, changed.changed())
                .await
                .is_err()
            {
                return Err(Timeout(timeout, what.to_string()));
            }
        }
    }

    /// Wait until `doc` is loaded, the relay has acknowledged every local change,
    /// and both sides have the same heads.
    pub async fn wait_synced(&self, doc: DocumentId, timeout: Duration) -> Result<(), Timeout> {
        self.wait_until(&format!("{doc} in sync"), timeout, move |v| {
            v.connected
                && v.core
                    .sync_status(&doc)
                    .is_some_and(|s| s.in_sync && s.unacknowledged == Some(0))
        })
        .await
    }
}

struct ClientTask {
    core: Core<TrustAll>,
    store: Store,
    events: Vec<Event>,
    opts: ClientOptions,
    changed: watch::Sender<u64>,
    conn_seq: u64,
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

impl ClientTask {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Cmd>) {
        let mut socket: Option<(ConnId, Socket)> = None;
        let mut backoff = Duration::from_millis(50);
        let mut retry_at = tokio::time::Instant::now();
        loop {
            if self.opts.online && socket.is_none() && tokio::time::Instant::now() >= retry_at {
                match self.connect().await {
                    Ok(s) => {
                        self.conn_seq += 1;
                        let conn = ConnId(self.conn_seq);
                        self.core.handle(Input::Connected {
                            conn,
                            auth: PeerAuth::Relay,
                        });
                        socket = Some((conn, s));
                        backoff = Duration::from_millis(50);
                    }
                    Err(_) => {
                        retry_at = tokio::time::Instant::now() + backoff;
                        backoff = (backoff * 2).min(Duration::from_secs(2));
                    }
                }
            }
            if !self.pump(&mut socket).await {
                continue;
            }
            self.notify();
            let wake = tokio::time::sleep_until(
                retry_at.max(tokio::time::Instant::now() + Duration::from_millis(20)),
            );
            tokio::select! {
                cmd = rx.recv() => match cmd {
                    None => break,
                    Some(cmd) => self.command(cmd, &mut socket),
                },
                frame = next_frame(&mut socket) => match frame {
                    Some(bytes) => {
                        if let Some((conn, _)) = &socket {
                            self.core.handle(Input::Frame { conn: *conn, bytes });
                        }
                    }
                    None => {
                        if let Some((conn, _)) = socket.take() {
                            self.core.handle(Input::Disconnected { conn });
                        }
                        retry_at = tokio::time::Instant::now() + backoff;
                    }
                },
                _ = wake, if self.opts.online && socket.is_none() => {}
            }
            self.pump(&mut socket).await;
            self.notify();
        }
    }

    fn notify(&self) {
        self.changed.send_modify(|n| *n += 1);
    }

    async fn connect(&self) -> Result<Socket, String> {
        let sep = if self.opts.url.contains('?') {
            '&'
        } else {
            '?'
        };
        let url = format!("{}{sep}token={}", self.opts.url, self.opts.token);
        let (s, _) = tokio_tungstenite::connect_async(url)
            .await
            .map_err(|e| e.to_string())?;
        Ok(s)
    }

    fn command(&mut self, cmd: Cmd, socket: &mut Option<(ConnId, Socket)>) {
        match cmd {
            Cmd::Open(doc) => self.core.open(doc),
            Cmd::Change(doc, edit, reply) => {
                let r = self
                    .core
                    .change(&doc, None, CommitMeta::default(), edit)
                    .map(|_| ());
                let _ = reply.send(r);
            }
            Cmd::Rebuild(doc, reply) => {
                let _ = reply.send(self.core.rebuild_from_relay(&doc).is_some());
            }
            Cmd::Read(f) => f(&ClientView {
                core: &self.core,
                events: &self.events,
                connected: socket.is_some() && self.core.ready_peers() > 0,
            }),
            Cmd::SetOnline(online) => {
                self.opts.online = online;
                if !online && let Some((conn, _)) = socket.take() {
                    self.core.handle(Input::Disconnected { conn });
                }
            }
        }
    }

    /// Carry out the core's actions. Returns false if the socket was lost.
    async fn pump(&mut self, socket: &mut Option<(ConnId, Socket)>) -> bool {
        let mut ok = true;
        while let Some(action) = self.core.poll() {
            match action {
                Action::Send { conn, bytes } => {
                    if let Some((c, s)) = socket.as_mut()
                        && *c == conn
                        && s.send(WsMessage::Binary(bytes.into())).await.is_err()
                    {
                        self.core.handle(Input::Disconnected { conn });
                        *socket = None;
                        ok = false;
                    }
                }
                Action::Close { conn } => {
                    if let Some((c, mut s)) = socket.take() {
                        if c == conn {
                            let _ = s.close(None).await;
                        } else {
                            *socket = Some((c, s));
                        }
                    }
                }
                Action::Load { doc } => {
                    let chunks = self.store.load(&doc).await;
                    self.core.handle(Input::Loaded { doc, chunks });
                }
                Action::Store { chunk } => {
                    let result = self.store.put(&chunk).await;
                    self.core.handle(Input::Stored {
                        key: chunk.key,
                        result,
                    });
                }
                Action::Delete { keys } => self.store.delete(&keys).await,
                Action::Event(e) => self.events.push(e),
            }
        }
        ok
    }
}

async fn next_frame(socket: &mut Option<(ConnId, Socket)>) -> Option<Vec<u8>> {
    let Some((_, s)) = socket.as_mut() else {
        return std::future::pending().await;
    };
    loop {
        match s.next().await {
            Some(Ok(WsMessage::Binary(b))) => return Some(b.to_vec()),
            Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => continue,
        }
    }
}
