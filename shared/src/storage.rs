//! The storage-chunk model: a document is stored as snapshots plus incremental
//! chunks, each keyed by the SHA-256 of its bytes.
//!
//! Why this shape: writers only ever *add* chunks, and a chunk's key is its
//! content, so two writers (two browser tabs, two relay tasks) can never
//! overwrite each other. Compaction writes a new snapshot first and deletes
//! afterwards only the chunks that snapshot merged; a crash in between leaves
//! harmless duplicates, never a hole. The key layout mirrors automerge-repo's
//! (`<documentId>/<snapshot|incremental>/<hash>`).
//!
//! The [`ChunkStore`] trait is the interface each shell implements (IndexedDB in
//! the browser, files on the relay, memory in tests).

use std::collections::BTreeSet;
use std::fmt;

use automerge::Automerge;
use sha2::{Digest, Sha256};

use crate::protocol::DocumentId;

/// Whether a chunk is a whole-document snapshot or a run of changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChunkKind {
    /// A compacted document (`Automerge::save`).
    Snapshot,
    /// Changes appended since some earlier state (`Automerge::save_after`).
    Incremental,
    /// Changes the relay refused, set aside for the user (never merged).
    Draft,
    /// What this replica and one peer last knew they share (automerge-repo's
    /// `sync-state/<storageId>`), so a reconnect starts from there (never
    /// merged; see `core::sync_states`).
    SyncState,
}

impl ChunkKind {
    /// Whether the chunk holds document content (merged when loading).
    pub fn is_content(self) -> bool {
        matches!(self, ChunkKind::Snapshot | ChunkKind::Incremental)
    }
}

impl ChunkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChunkKind::Snapshot => "snapshot",
            ChunkKind::Incremental => "incremental",
            ChunkKind::Draft => "draft",
            ChunkKind::SyncState => "syncstate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "snapshot" => Some(ChunkKind::Snapshot),
            "incremental" => Some(ChunkKind::Incremental),
            "draft" => Some(ChunkKind::Draft),
            "syncstate" => Some(ChunkKind::SyncState),
            _ => None,
        }
    }
}

/// The key of one stored chunk: document, kind and hex SHA-256 of the bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChunkKey {
    pub doc: DocumentId,
    pub kind: ChunkKind,
    pub hash: String,
}

impl ChunkKey {
    /// The key for `bytes` (content addressed).
    pub fn for_bytes(doc: DocumentId, kind: ChunkKind, bytes: &[u8]) -> Self {
        Self {
            doc,
            kind,
            hash: content_hash(bytes),
        }
    }

    /// Parse `<doc>/<kind>/<hash>`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split('/');
        let doc = parts.next()?.parse().ok()?;
        let kind = ChunkKind::parse(parts.next()?)?;
        let hash = parts.next()?;
        if parts.next().is_some()
            || hash.len() != 64
            || !hash.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return None;
        }
        Some(Self {
            doc,
            kind,
            hash: hash.to_string(),
        })
    }
}

impl fmt::Display for ChunkKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.doc, self.kind.as_str(), self.hash)
    }
}

/// Hex SHA-256 of some bytes.
pub fn content_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A stored chunk: its key and bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    pub key: ChunkKey,
    pub bytes: Vec<u8>,
}

impl Chunk {
    pub fn new(doc: DocumentId, kind: ChunkKind, bytes: Vec<u8>) -> Self {
        Self {
            key: ChunkKey::for_bytes(doc, kind, &bytes),
            bytes,
        }
    }
}

/// A problem met while loading chunks. Loading never stops at one bad chunk:
/// the rest still load and the bad chunk is left on disk for a person to inspect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkProblem {
    /// The bytes do not hash to the key: the chunk was damaged after writing.
    HashMismatch(ChunkKey),
    /// Automerge could not read the bytes.
    Unreadable { key: ChunkKey, error: String },
}

impl fmt::Display for ChunkProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChunkProblem::HashMismatch(k) => {
                write!(
                    f,
                    "stored chunk {k} is damaged (its content does not match its hash); it was skipped and kept for inspection"
                )
            }
            ChunkProblem::Unreadable { key, error } => {
                write!(
                    f,
                    "stored chunk {key} could not be read ({error}); it was skipped and kept for inspection"
                )
            }
        }
    }
}

/// The result of merging a document's chunks.
#[derive(Debug)]
pub struct LoadedDoc {
    pub doc: Automerge,
    /// Keys of the chunks merged into `doc` (and only those).
    pub merged: BTreeSet<ChunkKey>,
    pub problems: Vec<ChunkProblem>,
}

/// Merge all chunks of one document: snapshots first, then incrementals.
/// Order among chunks does not matter to automerge; snapshots first is faster.
/// Draft chunks are not part of the document and are skipped.
pub fn merge_chunks(chunks: Vec<Chunk>) -> LoadedDoc {
    let mut chunks: Vec<Chunk> = chunks
        .into_iter()
        .filter(|c| c.key.kind.is_content())
        .collect();
    chunks.sort_by_key(|c| c.key.kind);
    let mut doc = Automerge::new();
    let mut merged = BTreeSet::new();
    let mut problems = Vec::new();
    for chunk in chunks {
        if content_hash(&chunk.bytes) != chunk.key.hash {
            problems.push(ChunkProblem::HashMismatch(chunk.key));
            continue;
        }
        match doc.load_incremental(&chunk.bytes) {
            Ok(_) => {
                merged.insert(chunk.key);
            }
            Err(e) => problems.push(ChunkProblem::Unreadable {
                key: chunk.key,
                error: e.to_string(),
            }),
        }
    }
    LoadedDoc {
        doc,
        merged,
        problems,
    }
}

/// When to compact a document's chunks into one snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompactionPolicy {
    /// Compact once this many chunks are stored for one document.
    pub max_chunks: usize,
}

impl Default for CompactionPolicy {
    fn default() -> Self {
        Self { max_chunks: 32 }
    }
}

/// The storage interface each shell implements.
///
/// `put` must be durable when it returns `Ok` (fsync, or a committed IndexedDB
/// transaction). `delete` of a missing key is not an error.
#[allow(async_fn_in_trait)]
pub trait ChunkStore {
    type Error: std::error::Error;
    /// All chunks of one document (order does not matter).
    async fn load(&self, doc: &DocumentId) -> Result<Vec<Chunk>, Self::Error>;
    /// Store one chunk durably.
    async fn put(&self, chunk: &Chunk) -> Result<(), Self::Error>;
    /// Delete chunks (only ones a compaction merged).
    async fn delete(&self, keys: &[ChunkKey]) -> Result<(), Self::Error>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::{ROOT, ReadDoc, transaction::Transactable};

    fn doc_id() -> DocumentId {
        DocumentId::from_bytes([5; 16])
    }

    #[test]
    fn key_text_round_trips() {
        let k = ChunkKey::for_bytes(doc_id(), ChunkKind::Incremental, b"abc");
        assert_eq!(ChunkKey::parse(&k.to_string()), Some(k));
        assert_eq!(ChunkKey::parse("nonsense"), None);
    }

    #[test]
    fn merge_skips_a_damaged_chunk_and_keeps_the_rest() {
        let mut d = Automerge::new();
        let mut tx = d.transaction();
        tx.put(ROOT, "a", 1).unwrap();
        tx.commit();
        let heads = d.get_heads();
        let first = Chunk::new(doc_id(), ChunkKind::Snapshot, d.save());
        let mut tx = d.transaction();
        tx.put(ROOT, "b", 2).unwrap();
        tx.commit();
        let second = Chunk::new(doc_id(), ChunkKind::Incremental, d.save_after(&heads));
        let mut damaged = second.clone();
        damaged.key.hash = content_hash(b"other");

        let loaded = merge_chunks(vec![second.clone(), first.clone()]);
        assert!(loaded.problems.is_empty());
        assert_eq!(loaded.merged.len(), 2);
        assert!(loaded.doc.get(ROOT, "b").unwrap().is_some());

        let loaded = merge_chunks(vec![first, damaged.clone()]);
        assert_eq!(
            loaded.problems,
            vec![ChunkProblem::HashMismatch(damaged.key)]
        );
        assert!(loaded.doc.get(ROOT, "a").unwrap().is_some());
        assert!(loaded.doc.get(ROOT, "b").unwrap().is_none());
    }
}
