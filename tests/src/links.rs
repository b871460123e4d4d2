//! Devices behind shaped links ([`crate::shaper`]): what the slow-link test
//! and the slow-link and reconnect benchmarks share.

use std::path::{Path, PathBuf};
use std::time::Duration;

use automerge::{ActorId, Automerge, ChangeHash};
use relay::client::{Client, ClientOptions, ClientStorage};
use shared::protocol::DocumentId;

use crate::shaper::{ShapeConfig, Shaper, ShaperStats};
use crate::{PATIENCE, TestRelay, set_text, temp_dir};

/// A device keeping its documents in `dir` (a real device: what it holds
/// survives a restart of the client).
pub fn dir_device(url: &str, token: &str, name: &str, dir: &Path, online: bool) -> Client {
    Client::start(ClientOptions {
        url: url.to_string(),
        token: token.to_string(),
        name: name.to_string(),
        storage: ClientStorage::Dir(dir.to_path_buf()),
        online,
    })
    .expect("client starts")
}

/// Stop a client: offline, then every handle dropped (its task ends).
pub async fn stop(client: Client) {
    client.set_online(false);
    drop(client);
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// Wait until the client has loaded `doc` (from its storage or the relay).
pub async fn wait_loaded(client: &Client, doc: DocumentId) {
    client
        .wait_until("document loaded", PATIENCE, move |v| {
            v.core.doc(&doc).is_some()
        })
        .await
        .expect("document loads");
}

/// The key and value of the `n`th edit of a day's work (a text field at the
/// root of the office document, which the schema accepts).
pub fn day_edit(n: usize) -> (String, String) {
    (
        format!("nhatKy{n:04}"),
        format!("Việc {n}: đã đối chiếu hồ sơ thi đua, chờ duyệt"),
    )
}

/// Make the `n`th edit of the day.
pub async fn make_day_edit(client: &Client, doc: DocumentId, n: usize) {
    let (k, v) = day_edit(n);
    set_text(client, doc, &k, &v).await;
}

/// The changes of `actor` in `doc`: their hashes and the sum of their bytes
/// (`raw_bytes`, as a sync message carries them).
pub fn changes_of(doc: &Automerge, actor: &ActorId) -> (Vec<ChangeHash>, u64) {
    let mine: Vec<_> = doc
        .get_changes(&[])
        .into_iter()
        .filter(|c| c.actor_id() == actor)
        .collect();
    let bytes = mine.iter().map(|c| c.raw_bytes().len() as u64).sum();
    (mine.iter().map(|c| c.hash()).collect(), bytes)
}

/// The actor the client writes `doc` with.
pub async fn actor(client: &Client, doc: DocumentId) -> ActorId {
    client
        .read(move |v| v.core.doc(&doc).map(|d| d.get_actor().clone()))
        .await
        .expect("document loaded")
}

/// A day's work through a link: the parameters.
#[derive(Clone, Debug)]
pub struct Day {
    pub edits: usize,
    /// Time between two edits (the device does not wait for acknowledgement).
    pub pace: Duration,
    pub link: ShapeConfig,
    /// How long to wait for the last edits to be acknowledged.
    pub patience: Duration,
    /// The relay's limits (the defaults unless a benchmark tries others).
    pub relay_limits: relay::Limits,
}

/// What a day's work left behind.
pub struct DayOutcome {
    pub relay: TestRelay,
    pub shaper: Shaper,
    pub device: Client,
    pub doc: DocumentId,
    /// The actor of the day's edits.
    pub actor: ActorId,
    /// From the first edit until the relay acknowledged them all (durable).
    pub synced_after: Duration,
    /// The link's counts from the device's first connection through it.
    pub stats: ShaperStats,
    /// The day's changes as the device holds them, and their bytes.
    pub changes: Vec<ChangeHash>,
    pub change_bytes: u64,
    /// When each edit was made, from the start of the link (its drop
    /// schedule's origin).
    pub edits_at: Vec<Duration>,
    /// What the device sent through the link (empty unless `link.record_up`).
    pub sent: Sent,
    /// The protocol errors the device met (the relay closing on it).
    pub protocol_errors: Vec<String>,
    /// The device's storage directory.
    pub storage: PathBuf,
}

impl Day {
    /// Yesterday, at the office, the device downloaded its office document
    /// over a good link; today it works through `self.link`, making
    /// `self.edits` edits at `self.pace`, then waits until the relay has
    /// acknowledged them all.
    pub async fn run(&self, name: &str) -> Result<DayOutcome, String> {
        let relay = TestRelay::start_with(name, self.relay_limits.clone()).await;
        let office = "LSN";
        let doc = relay.office_doc(office);
        let token = relay.token(office);
        let storage = temp_dir(&format!("{name}-device"));
        let yesterday = dir_device(&relay.ws_url(), &token, "may-vung-cao", &storage, true);
        yesterday.open(doc);
        yesterday
            .wait_synced(doc, PATIENCE)
            .await
            .map_err(|e| format!("download at the office: {e}"))?;
        stop(yesterday).await;

        let shaper = Shaper::start(relay.running.addr, self.link.clone()).await;
        let link_up = tokio::time::Instant::now();
        let device = dir_device(&shaper.ws_url(), &token, "may-vung-cao", &storage, true);
        device.open(doc);
        wait_loaded(&device, doc).await;
        let actor = actor(&device, doc).await;
        let started = tokio::time::Instant::now();
        let mut edits_at = Vec::with_capacity(self.edits);
        for n in 0..self.edits {
            make_day_edit(&device, doc, n).await;
            edits_at.push(link_up.elapsed());
            tokio::time::sleep(self.pace).await;
        }
        device
            .wait_synced(doc, self.patience)
            .await
            .map_err(|e| format!("{e} ({:?} through the link)", shaper.stats()))?;
        let synced_after = started.elapsed();
        let stats = shaper.stats();
        let mine = actor.clone();
        let (changes, change_bytes) = device
            .read(move |v| v.core.doc(&doc).map(|d| changes_of(d, &mine)))
            .await
            .expect("document loaded");
        let protocol_errors = device
            .read(|v| {
                v.events
                    .iter()
                    .filter_map(|e| match e {
                        shared::core::Event::ProtocolError { code, message, .. } => {
                            Some(format!("{code}: {message}"))
                        }
                        _ => None,
                    })
                    .collect()
            })
            .await;
        let sent = Sent::decode(&shaper.recorded_up());
        Ok(DayOutcome {
            edits_at,
            sent,
            protocol_errors,
            relay,
            shaper,
            device,
            doc,
            actor,
            synced_after,
            stats,
            changes,
            change_bytes,
            storage,
        })
    }
}

/// What devices sent on their connections, read back from the bytes a shaper
/// recorded upstream ([`Shaper::recorded_up`]): WebSocket frames, protocol
/// messages, sync messages and the changes they carried.
#[derive(Debug, Default)]
pub struct Sent {
    /// Complete protocol messages (a message cut off by a drop is not).
    pub messages: usize,
    /// Sync (and request) messages among them, and those carrying no change.
    pub sync_messages: usize,
    pub sync_without_changes: usize,
    /// Sync messages carrying a whole document (automerge sends one when the
    /// peer lacks more than a third of the document's changes), and their
    /// bytes.
    pub whole_documents: usize,
    pub whole_document_bytes: u64,
    /// How many times each change was sent by itself (not counting whole
    /// documents).
    pub sends: std::collections::HashMap<ChangeHash, usize>,
}

impl Sent {
    /// Decode what devices sent (one byte stream per connection).
    pub fn decode(streams: &[Vec<u8>]) -> Sent {
        let mut sent = Sent::default();
        for stream in streams {
            for payload in client_frames(stream) {
                sent.message(&payload);
            }
        }
        sent
    }

    /// Times `changes` were sent by themselves in all, and the most any one was.
    pub fn sends_of(&self, changes: &[ChangeHash]) -> (usize, usize) {
        let counts = changes
            .iter()
            .map(|h| self.sends.get(h).copied().unwrap_or(0));
        (counts.clone().sum(), counts.max().unwrap_or(0))
    }

    fn message(&mut self, payload: &[u8]) {
        use shared::protocol::Message;
        let Ok(msg) = Message::decode(payload) else {
            return;
        };
        self.messages += 1;
        let (Message::Sync { data, .. } | Message::Request { data, .. }) = msg else {
            return;
        };
        self.sync_messages += 1;
        let Ok(sync) = automerge::sync::Message::decode(&data) else {
            return;
        };
        if sync.changes.is_empty() {
            self.sync_without_changes += 1;
        }
        for entry in sync.changes.iter() {
            // An entry is one change (v1) or storage chunks back to back (v2):
            // changes, or a whole document.
            for (kind, chunk) in storage_chunks(entry) {
                if kind == DOCUMENT_CHUNK {
                    self.whole_documents += 1;
                    self.whole_document_bytes += chunk.len() as u64;
                } else if let Ok(change) = automerge::Change::from_bytes(chunk.to_vec()) {
                    *self.sends.entry(change.hash()).or_default() += 1;
                }
            }
        }
    }
}

/// The type byte of an automerge document chunk (1 and 2 are changes).
const DOCUMENT_CHUNK: u8 = 0;

/// Split automerge storage chunks laid back to back: magic (4 bytes),
/// checksum (4), type (1), length (LEB128), data.
fn storage_chunks(mut bytes: &[u8]) -> Vec<(u8, &[u8])> {
    let mut out = Vec::new();
    while bytes.len() > 9 && bytes[..4] == [0x85, 0x6f, 0x4a, 0x83] {
        let kind = bytes[8];
        let (mut len, mut shift, mut at) = (0usize, 0u32, 9usize);
        while let Some(b) = bytes.get(at) {
            len |= ((b & 0x7f) as usize) << shift;
            shift += 7;
            at += 1;
            if b & 0x80 == 0 || shift > 56 {
                break;
            }
        }
        let Some(chunk) = bytes.get(..at + len) else {
            break;
        };
        out.push((kind, chunk));
        bytes = &bytes[at + len..];
    }
    out
}

/// The complete data messages in what a WebSocket client sent: after the
/// HTTP upgrade request, masked frames (continuations joined; control frames
/// and a frame cut off at the end skipped).
fn client_frames(stream: &[u8]) -> Vec<Vec<u8>> {
    let Some(start) = stream.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Vec::new();
    };
    let mut rest = &stream[start + 4..];
    let mut out = Vec::new();
    let mut partial: Vec<u8> = Vec::new();
    loop {
        if rest.len() < 2 {
            return out;
        }
        let (fin, opcode) = (rest[0] & 0x80 != 0, rest[0] & 0x0f);
        let masked = rest[1] & 0x80 != 0;
        let (len, mut at) = match rest[1] & 0x7f {
            126 if rest.len() >= 4 => (u16::from_be_bytes([rest[2], rest[3]]) as usize, 4),
            127 if rest.len() >= 10 => (
                u64::from_be_bytes(rest[2..10].try_into().expect("8 bytes")) as usize,
                10,
            ),
            126 | 127 => return out,
            n => (n as usize, 2),
        };
        let mask = if masked {
            let Some(m) = rest.get(at..at + 4) else {
                return out;
            };
            at += 4;
            [m[0], m[1], m[2], m[3]]
        } else {
            [0; 4]
        };
        let Some(body) = rest.get(at..at + len) else {
            return out; // cut off by a drop
        };
        let data: Vec<u8> = body
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ mask[i % 4])
            .collect();
        rest = &rest[at + len..];
        // Continuation, text or binary; close, ping and pong are skipped.
        if opcode <= 0x2 {
            partial.extend(data);
            if fin {
                out.push(std::mem::take(&mut partial));
            }
        }
    }
}

/// Wait until the relay, on the current connection, has told the client
/// that it holds exactly the client's heads of `doc` (and acknowledged every
/// local change). Stricter than `wait_synced`, which after a reconnection
/// may already hold on what the relay said on the previous connection.
pub async fn wait_confirmed(
    client: &Client,
    doc: DocumentId,
    timeout: Duration,
) -> Result<(), relay::client::Timeout> {
    client
        .wait_until("relay confirmed our heads", timeout, move |v| {
            let Some(d) = v.core.doc(&doc) else {
                return false;
            };
            // `describe_sync` lists the live connections' sync states.
            let theirs = format!("their_heads=Some({:?})", d.get_heads());
            v.connected
                && v.core
                    .sync_status(&doc)
                    .is_some_and(|s| s.in_sync && s.unacknowledged == Some(0))
                && v.core
                    .describe_sync(&doc)
                    .iter()
                    .any(|l| l.contains(&theirs))
        })
        .await
}
