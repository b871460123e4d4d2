//! Seeded hostile input for the gate: the property test in the test suite
//! runs a bounded number of cases, the `fuzz_gate` benchmark binary many.
//!
//! [`run`] plays a relay core with one document owned by office `LSN`, a
//! device of `LSN` (may write) and one of `CBG` (may only read), and feeds it
//! sync messages built from real automerge changes, then framed badly on
//! purpose: split across chunks, joined, reordered, behind document chunks,
//! duplicated, truncated, corrupted (also with a checksum made again),
//! compressed, on foreign or missing
//! dependencies, with random heads. After every message it checks that
//!
//! - no change made by the reader (or by any actor it ever used) is in the
//!   relay's document,
//! - the relay's document has no violation (the policy: `score` ≤ 100),
//! - nothing panicked (a panic fails the caller).
//!
//! [`decode`] throws random and mutated frames at the protocol decoder and
//! at a relay core.

use std::collections::BTreeSet;

use automerge::sync::{self, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ROOT, ReadDoc, ScalarValue, Value};

use crate::core::{
    Access, Action, Config, ConnId, Core, DeviceAuth, DocLookup, Input, PeerAuth, Policy, Role,
    Violation, ViolationCode,
};
use crate::protocol::{DocumentId, Message, PeerId};
use crate::sim::SeededRng;
use crate::storage::{Chunk, ChunkKind};

fn the_doc() -> DocumentId {
    DocumentId::from_bytes(DOC_BYTES)
}

/// One document, owned by `LSN`; `score` must stay at or below 100.
#[derive(Clone, Copy, Default)]
pub struct FuzzPolicy;

/// The fuzzed document.
pub const DOC_BYTES: [u8; 16] = [7; 16];

impl Policy for FuzzPolicy {
    fn access(&self, peer: &PeerAuth, doc: &DocumentId, _: &dyn DocLookup) -> Access {
        match peer {
            _ if *doc != the_doc() => Access::None,
            PeerAuth::Relay => Access::Write,
            PeerAuth::Device(d) if d.office == "LSN" => Access::Write,
            PeerAuth::Device(_) => Access::Read,
        }
    }

    fn violations<R: ReadDoc>(&self, _: &DocumentId, doc: &R, _: &dyn DocLookup) -> Vec<Violation> {
        match doc.get(ROOT, "score") {
            Ok(Some((Value::Scalar(s), _))) => match s.as_ref() {
                ScalarValue::Int(n) if *n > 100 => vec![Violation {
                    path: "score".into(),
                    code: ViolationCode::ScoreAboveMaximum,
                    message_en: format!("score {n} is above the maximum 100"),
                    message_vi: format!("điểm {n} vượt quá tối đa 100"),
                }],
                _ => vec![],
            },
            _ => vec![],
        }
    }
}

/// What a run saw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub messages: usize,
    /// Messages after which the document had new changes.
    pub committed: usize,
    /// Refusal notices sent.
    pub refused: usize,
    /// Connections closed with an error (budget, malformed).
    pub closed: usize,
}

const WRITER: ConnId = ConnId(1);
const READER: ConnId = ConnId(2);

struct Relay {
    core: Core<FuzzPolicy>,
    report: Report,
}

impl Relay {
    fn new(seed_doc: &Automerge) -> Self {
        let mut cfg = Config::new(PeerId::from("relay"), Role::Relay);
        cfg.limits.max_inflated_bytes = 4 << 20;
        let mut core = Core::new(cfg, FuzzPolicy);
        core.load(the_doc());
        core.handle(Input::Loaded {
            doc: the_doc(),
            chunks: Ok(vec![Chunk::new(
                the_doc(),
                ChunkKind::Snapshot,
                seed_doc.save(),
            )]),
        });
        let mut relay = Self {
            core,
            report: Report::default(),
        };
        relay.connect(WRITER, "LSN");
        relay.connect(READER, "CBG");
        relay
    }

    fn connect(&mut self, conn: ConnId, office: &str) {
        let auth = PeerAuth::Device(DeviceAuth {
            office: office.into(),
            device: "fuzz".into(),
        });
        self.core.handle(Input::Connected { conn, auth });
        let join = Message::Join {
            sender_id: PeerId(format!("peer-{}", conn.0)),
            supported_protocol_versions: vec!["1".into()],
            metadata: None,
        };
        self.frame(conn, join.encode());
    }

    fn frame(&mut self, conn: ConnId, bytes: Vec<u8>) {
        self.core.handle(Input::Frame { conn, bytes });
        self.pump();
    }

    /// Carry out actions; reconnect a peer the core closed.
    fn pump(&mut self) {
        let mut reconnect = Vec::new();
        while let Some(action) = self.core.poll() {
            match action {
                Action::Store { chunk } => self.core.handle(Input::Stored {
                    key: chunk.key,
                    result: Ok(()),
                }),
                Action::Close { conn } => reconnect.push(conn),
                Action::Send { bytes, .. } => {
                    if let Ok(Message::Ephemeral { .. }) = Message::decode(&bytes) {
                        self.report.refused += 1;
                    }
                }
                Action::Load { doc } => self.core.handle(Input::Loaded {
                    doc,
                    chunks: Ok(Vec::new()),
                }),
                Action::Delete { .. } | Action::Event(_) => {}
            }
        }
        for conn in reconnect {
            self.report.closed += 1;
            self.core.handle(Input::Disconnected { conn });
            self.connect(conn, if conn == WRITER { "LSN" } else { "CBG" });
        }
    }

    fn doc(&self) -> &Automerge {
        self.core.doc(&the_doc()).expect("loaded")
    }
}

/// Changes made by a peer on its copy of the document.
struct Author {
    copy: Automerge,
    actors: BTreeSet<ActorId>,
}

impl Author {
    fn edit(
        &mut self,
        rng: &mut SeededRng,
        f: impl FnOnce(&mut automerge::transaction::Transaction<'_>, &mut SeededRng),
    ) -> Vec<u8> {
        if rng.below(3) == 0 {
            // A fresh actor now and then.
            let actor = ActorId::from(rng.next_u64().to_be_bytes().to_vec());
            self.actors.insert(actor.clone());
            self.copy.set_actor(actor);
        }
        self.actors.insert(self.copy.get_actor().clone());
        let before = self.copy.get_heads();
        let mut tx = self.copy.transaction();
        f(&mut tx, rng);
        tx.commit();
        self.copy
            .get_changes(&before)
            .iter()
            .flat_map(|c| c.raw_bytes().to_vec())
            .collect()
    }
}

/// A chunk of type 2 (compressed change) for change chunk `raw` (type 1).
fn compress(raw: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    // Header: magic (4), checksum (4), type (1), uLEB length, data.
    let mut i = 9;
    let mut len: usize = 0;
    let mut shift = 0;
    loop {
        let b = *raw.get(i)?;
        len |= usize::from(b & 0x7f) << shift;
        i += 1;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
        if shift > 28 {
            return None;
        }
    }
    let data = raw.get(i..i + len)?;
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).ok()?;
    let packed = e.finish().ok()?;
    let mut out = raw[..8].to_vec();
    out.push(2);
    let mut n = packed.len();
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            break;
        }
        out.push(b | 0x80);
    }
    out.extend(packed);
    Some(out)
}

/// Frame change bytes into chunk-list entries the way an attacker might.
fn frame(rng: &mut SeededRng, changes: Vec<Vec<u8>>, other: &Automerge) -> Vec<Vec<u8>> {
    let mut chunks = changes;
    let mutations = rng.below(4);
    for _ in 0..mutations {
        match rng.below(11) {
            0 if !chunks.is_empty() => {
                // Split one entry in two.
                let i = rng.below(chunks.len() as u64) as usize;
                let c = chunks.remove(i);
                let at = rng.below(c.len() as u64 + 1) as usize;
                chunks.insert(i, c[at..].to_vec());
                chunks.insert(i, c[..at].to_vec());
            }
            1 if chunks.len() > 1 => {
                // Join all entries into one.
                chunks = vec![chunks.concat()];
            }
            2 => chunks.reverse(),
            3 => {
                // Behind a document chunk (empty, or another document).
                let doc = if rng.below(2) == 0 {
                    Automerge::new().save()
                } else {
                    other.save()
                };
                match chunks.first_mut() {
                    Some(first) if rng.below(2) == 0 => {
                        let mut joined = doc;
                        joined.extend_from_slice(first);
                        *first = joined;
                    }
                    _ => chunks.insert(0, doc),
                }
            }
            4 if !chunks.is_empty() => {
                let i = rng.below(chunks.len() as u64) as usize;
                let c = chunks[i].clone();
                chunks.push(c);
            }
            5 if !chunks.is_empty() => {
                // Truncate.
                let i = rng.below(chunks.len() as u64) as usize;
                let cut = rng.below(chunks[i].len() as u64 + 1) as usize;
                chunks[i].truncate(cut);
            }
            6 if !chunks.is_empty() => {
                // Corrupt a byte.
                let i = rng.below(chunks.len() as u64) as usize;
                if !chunks[i].is_empty() {
                    let at = rng.below(chunks[i].len() as u64) as usize;
                    chunks[i][at] ^= 1 << rng.below(8);
                }
            }
            7 if !chunks.is_empty() => {
                let i = rng.below(chunks.len() as u64) as usize;
                if let Some(c) = compress(&chunks[i]) {
                    chunks[i] = c;
                }
            }
            8 => chunks.push(other.save_after(&[])),
            9 => {
                // Damaged, with the checksum the damage has (anyone can
                // compute one): a byte of a change, or of a whole document
                // saved without compression.
                let whole = if chunks.is_empty() || rng.below(2) == 0 {
                    other.save_nocompress()
                } else {
                    chunks.remove(rng.below(chunks.len() as u64) as usize)
                };
                chunks.push(damaged(rng, whole));
            }
            _ => {}
        }
    }
    chunks
}

/// `chunk` with one bit of its body flipped and its checksum made again
/// (unchanged if it is not one whole chunk).
fn damaged(rng: &mut SeededRng, mut chunk: Vec<u8>) -> Vec<u8> {
    // magic (4), checksum (4), type, LEB128 length, body.
    let mut c = super::cursor::Cursor::new(chunk.get(9..).unwrap_or_default());
    let len = c.uleb("length").unwrap_or(0) as usize;
    if len == 0 || c.remaining() != len {
        return chunk;
    }
    let at = chunk.len() - len;
    let i = at + rng.below(len as u64) as usize;
    chunk[i] ^= 1 << rng.below(8);
    use sha2::Digest;
    let hash = sha2::Sha256::new()
        .chain_update(&chunk[8..at])
        .chain_update(&chunk[at..])
        .finalize();
    chunk[4..8].copy_from_slice(&hash[..4]);
    chunk
}

/// Run `steps` hostile messages from `seed`. Panics (with the seed and the
/// step) when the relay accepts what it must not.
pub fn run(seed: u64, steps: usize) -> Report {
    let mut rng = SeededRng::new(seed);
    let mut base = Automerge::new();
    {
        let mut tx = base.transaction();
        tx.put(ROOT, "office", "LSN").unwrap();
        tx.put(ROOT, "score", 10).unwrap();
        tx.commit();
    }
    let mut relay = Relay::new(&base);
    let mut writer = Author {
        copy: base.fork(),
        actors: BTreeSet::new(),
    };
    let mut reader = Author {
        copy: base.fork(),
        actors: BTreeSet::new(),
    };
    // Another document entirely: foreign dependencies.
    let mut foreign = Automerge::new();
    {
        let mut tx = foreign.transaction();
        tx.put(ROOT, "office", "CBG").unwrap();
        tx.commit();
    }
    for step in 0..steps {
        let from_reader = rng.below(3) == 0;
        let author = if from_reader {
            &mut reader
        } else {
            &mut writer
        };
        if rng.below(4) == 0 {
            // Catch up with the relay (the usual case for an honest peer).
            let mut copy = relay.doc().fork();
            copy.set_actor(author.copy.get_actor().clone());
            author.copy = copy;
        }
        let mut changes = Vec::new();
        let n = 1 + rng.below(3);
        for _ in 0..n {
            let bytes = author.edit(&mut rng, |tx, rng| match rng.below(4) {
                0 => {
                    tx.put(ROOT, "score", (rng.below(200)) as i64).unwrap();
                }
                1 => {
                    tx.put(ROOT, "note", format!("ghi chú {}", rng.below(1000)))
                        .unwrap();
                }
                2 => {
                    let list = tx
                        .put_object(ROOT, "items", automerge::ObjType::List)
                        .unwrap();
                    for i in 0..rng.below(50) {
                        tx.insert(&list, i as usize, i as i64).unwrap();
                    }
                }
                _ => {
                    tx.put(ROOT, "office", "CBG").unwrap();
                }
            });
            changes.push(bytes);
        }
        if rng.below(6) == 0 && changes.len() > 1 {
            changes.remove(0); // a missing dependency
        }
        if rng.below(8) == 0 {
            // A change on another document's history.
            let mut f = foreign.fork();
            let mut tx = f.transaction();
            tx.put(ROOT, "score", 5000).unwrap();
            tx.commit();
            changes.push(f.get_last_local_change().unwrap().raw_bytes().to_vec());
        }
        let chunks = frame(&mut rng, changes, &foreign);
        let heads = match rng.below(5) {
            0 => Vec::new(),
            1 => vec![automerge::ChangeHash(
                rng.next_u64().to_be_bytes().repeat(4).try_into().unwrap(),
            )],
            _ => author.copy.get_heads(),
        };
        let msg = sync::Message {
            heads,
            need: Vec::new(),
            have: Vec::new(),
            changes: sync::ChunkList::from(chunks),
            flags: None,
            version: if rng.below(2) == 0 {
                sync::MessageVersion::V1
            } else {
                sync::MessageVersion::V2
            },
        };
        let mut data = msg.encode();
        if rng.below(20) == 0 && !data.is_empty() {
            let at = rng.below(data.len() as u64) as usize;
            data[at] ^= 0xff;
        }
        let conn = if from_reader { READER } else { WRITER };
        let before = relay.doc().get_heads();
        let wire = Message::Sync {
            document_id: the_doc(),
            sender_id: PeerId(format!("peer-{}", conn.0)),
            target_id: PeerId::from("relay"),
            data,
        };
        relay.frame(conn, wire.encode());
        relay.report.messages += 1;
        if relay.doc().get_heads() != before {
            relay.report.committed += 1;
        }
        let doc = relay.doc();
        let intruders: Vec<_> = doc
            .get_changes_meta(&[])
            .iter()
            .filter(|m| reader.actors.contains(&m.actor))
            .map(|m| m.hash)
            .collect();
        assert!(
            intruders.is_empty(),
            "seed {seed} step {step}: the reader's changes {intruders:?} are in the document"
        );
        let violations = FuzzPolicy.violations(&the_doc(), doc, &NoDocs);
        assert!(
            violations.is_empty(),
            "seed {seed} step {step}: the document fails validation: {violations:?}"
        );
    }
    relay.report
}

struct NoDocs;

impl DocLookup for NoDocs {
    fn doc(&self, _: &DocumentId) -> Option<&Automerge> {
        None
    }
}

/// Throw `cases` random and mutated frames at the decoder and at a relay
/// core. Panics on a panic; returns how many frames decoded.
pub fn decode(seed: u64, cases: usize) -> usize {
    let mut rng = SeededRng::new(seed);
    let mut base = Automerge::new();
    let mut tx = base.transaction();
    tx.put(ROOT, "office", "LSN").unwrap();
    tx.commit();
    let mut relay = Relay::new(&base);
    let valid: Vec<Vec<u8>> = vec![
        Message::Join {
            sender_id: PeerId::from("a"),
            supported_protocol_versions: vec!["1".into()],
            metadata: None,
        }
        .encode(),
        Message::Sync {
            document_id: the_doc(),
            sender_id: PeerId::from("peer-1"),
            target_id: PeerId::from("relay"),
            data: {
                let mut st = sync::State::new();
                base.generate_sync_message(&mut st).unwrap().encode()
            },
        }
        .encode(),
        Message::Ephemeral {
            document_id: the_doc(),
            sender_id: PeerId::from("peer-1"),
            target_id: PeerId::from("relay"),
            count: 1,
            session_id: "s".into(),
            data: vec![0xa1, 0x61, 0x78, 0x01],
        }
        .encode(),
    ];
    let mut decoded = 0;
    for _ in 0..cases {
        let mut frame = if rng.below(4) == 0 {
            (0..rng.below(64)).map(|_| rng.next_u64() as u8).collect()
        } else {
            valid[rng.below(valid.len() as u64) as usize].clone()
        };
        for _ in 0..rng.below(6) {
            match rng.below(4) {
                0 if !frame.is_empty() => {
                    let at = rng.below(frame.len() as u64) as usize;
                    frame[at] = rng.next_u64() as u8;
                }
                1 if !frame.is_empty() => {
                    let at = rng.below(frame.len() as u64) as usize;
                    frame.truncate(at);
                }
                2 => {
                    let at = rng.below(frame.len() as u64 + 1) as usize;
                    frame.insert(at, rng.next_u64() as u8);
                }
                _ => {
                    let at = rng.below(frame.len() as u64 + 1) as usize;
                    let n = rng.below(8) as usize;
                    let byte = [0x9f, 0xbf, 0x5f, 0x81, 0xa1, 0x1b][rng.below(6) as usize];
                    for _ in 0..n {
                        frame.insert(at, byte);
                    }
                }
            }
        }
        if Message::decode(&frame).is_ok() {
            decoded += 1;
        }
        let conn = if rng.below(2) == 0 { WRITER } else { READER };
        relay.frame(conn, frame);
    }
    decoded
}
