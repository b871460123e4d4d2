//! One document held by the core: the automerge document, which of its chunks
//! are durable, and compaction.

use std::collections::{BTreeMap, BTreeSet};

use automerge::{Automerge, ChangeHash, ReadDoc};

use crate::protocol::DocumentId;
use crate::storage::{Chunk, ChunkKey, ChunkKind, CompactionPolicy};

/// Whether a chunk write is under way or failed (and waits for a retry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WriteState {
    InFlight,
    Failed,
}

/// A compaction under way: the snapshot being written and what it merged.
#[derive(Debug)]
pub(crate) struct Compaction {
    pub snapshot: ChunkKey,
    pub merged: BTreeSet<ChunkKey>,
    /// The snapshot holds everything the merged chunks held (an ordinary
    /// compaction). After a rebuild it does not: a merged chunk written
    /// again meanwhile is then kept.
    pub covers_merged: bool,
}

/// A sync message held by the gate for other documents' rules.
#[derive(Debug)]
pub(crate) struct Deferred {
    pub conn: crate::core::ConnId,
    pub is_request: bool,
    /// The message's automerge sync data, as it arrived.
    pub data: Vec<u8>,
    /// Refused if still objected to after this time.
    pub deadline_ms: u64,
}

/// A loaded document.
#[derive(Debug)]
pub(crate) struct DocState {
    pub id: DocumentId,
    pub doc: Automerge,
    /// The gate's scratch copy, kept only while changes wait in it for their
    /// missing dependencies (the document itself never holds such changes).
    /// Dropped on any other mutation of the document and on a refusal.
    pub mirror: Option<Automerge>,
    /// Chunks known to be durable whose content is merged into `doc`.
    pub stored: BTreeSet<ChunkKey>,
    /// Incremental chunks written but not yet confirmed durable.
    pub pending: BTreeMap<ChunkKey, (Chunk, WriteState)>,
    /// Heads covered by the chunks written so far (durable or pending).
    pub saved_heads: Vec<ChangeHash>,
    pub compaction: Option<Compaction>,
    /// Rejected edits kept for the user to fix or discard (never merged).
    pub drafts: BTreeMap<ChunkKey, Vec<u8>>,
    /// The relay's last known heads for this document (client side).
    pub remote_heads: Option<Vec<ChangeHash>>,
    /// Client side: keep this document synced with the relay.
    pub wanted: bool,
    /// Never evict (e.g. the cluster document the policy needs).
    pub pinned: bool,
    /// The violations of the current state, keyed by this document's heads and
    /// the heads of the documents the policy depends on: a change is checked
    /// against its "before" without validating the unchanged document again.
    pub checked: Option<(Vec<ChangeHash>, Vec<crate::core::Violation>)>,
    /// What the policy kept from the last validation of this document
    /// ([`crate::core::Policy::violations_since`]), so the next one reads
    /// only what changed. Stale memos are harmless: the policy checks the
    /// heads they were made at.
    pub memo: Option<crate::core::policy::Memo>,
    /// Bytes of messages whose changes wait in the mirror for missing
    /// dependencies (bounded by the gate).
    pub waiting_bytes: usize,
    /// Client: a rebuild from the relay's state waits for the relay's
    /// changes or for writes to finish.
    pub rebuild_wanted: bool,
    /// Messages held until the documents their rules read change (see
    /// `gate::Admitted::Deferred`), in arrival order.
    pub deferred: std::collections::VecDeque<Deferred>,
    /// Saved sync states, by peer (see `core::sync_states`).
    pub sync_states: BTreeMap<String, crate::core::sync_states::SavedState>,
    /// Drafts being written (or failed, waiting for a retry).
    pub draft_writes: BTreeMap<ChunkKey, (Chunk, WriteState)>,
    /// A rebuild's snapshot, written once its drafts are durable: it lets
    /// the old chunks (which still hold the refused changes) be deleted.
    pub snapshot_after_drafts: Option<Chunk>,
}

impl DocState {
    pub fn new(id: DocumentId, doc: Automerge, stored: BTreeSet<ChunkKey>) -> Self {
        let saved_heads = doc.get_heads();
        Self {
            id,
            doc,
            mirror: None,
            stored,
            pending: BTreeMap::new(),
            saved_heads,
            compaction: None,
            drafts: BTreeMap::new(),
            remote_heads: None,
            wanted: false,
            pinned: false,
            checked: None,
            memo: None,
            waiting_bytes: 0,
            rebuild_wanted: false,
            sync_states: BTreeMap::new(),
            deferred: std::collections::VecDeque::new(),
            draft_writes: BTreeMap::new(),
            snapshot_after_drafts: None,
        }
    }

    /// True when every change in `doc` is in a durable chunk: only then may
    /// heads be sent to anyone.
    pub fn durable(&self) -> bool {
        self.pending.is_empty() && self.doc.get_heads() == self.saved_heads
    }

    /// Write the changes made since the last write as one incremental chunk.
    /// Returns the chunk to store, if there was anything new.
    ///
    /// Group commit: while a write of this document is under way (or failed
    /// and waits for its retry), changes made meanwhile are not written yet;
    /// they go in one chunk when that write answers ([`Self::stored_ok`]'s
    /// caller persists again). A busy document thus costs one durable write
    /// per round trip to storage, not one per change, and nothing is
    /// acknowledged before its own write is durable ([`Self::durable`]).
    pub fn persist(&mut self) -> Option<Chunk> {
        if !self.pending.is_empty() {
            return None;
        }
        let heads = self.doc.get_heads();
        if heads == self.saved_heads {
            return None;
        }
        let bytes = self.doc.save_after(&self.saved_heads);
        self.saved_heads = heads;
        if bytes.is_empty() {
            return None;
        }
        let chunk = Chunk::new(self.id, ChunkKind::Incremental, bytes);
        if self.stored.contains(&chunk.key) {
            return None;
        }
        self.pending
            .insert(chunk.key.clone(), (chunk.clone(), WriteState::InFlight));
        Some(chunk)
    }

    /// Start a compaction if enough chunks piled up. Returns the snapshot to store.
    pub fn maybe_compact(&mut self, policy: &CompactionPolicy) -> Option<Chunk> {
        if self.compaction.is_some()
            || self.stored.len() < policy.max_chunks.max(2)
            || !self.doc.get_missing_deps(&[]).is_empty()
        {
            return None;
        }
        let chunk = Chunk::new(self.id, ChunkKind::Snapshot, self.doc.save());
        let mut merged = self.stored.clone();
        merged.remove(&chunk.key);
        self.compaction = Some(Compaction {
            snapshot: chunk.key.clone(),
            merged,
            covers_merged: true,
        });
        Some(chunk)
    }

    /// Record a successful write. Returns the keys to delete (a finished compaction).
    pub fn stored_ok(&mut self, key: &ChunkKey) -> Option<Vec<ChunkKey>> {
        if self.pending.remove(key).is_some() {
            self.stored.insert(key.clone());
            return None;
        }
        match &self.compaction {
            Some(c) if &c.snapshot == key => {
                let c = self.compaction.take()?;
                let deletable: Vec<ChunkKey> = c
                    .merged
                    .into_iter()
                    .filter(|k| {
                        c.covers_merged
                            || (!self.stored.contains(k) && !self.pending.contains_key(k))
                    })
                    .collect();
                for k in &deletable {
                    self.stored.remove(k);
                }
                self.stored.insert(c.snapshot);
                Some(deletable)
            }
            _ => None,
        }
    }

    /// Record a failed write; it is retried on [`super::Core::retry_storage`].
    pub fn stored_failed(&mut self, key: &ChunkKey) {
        if let Some(entry) = self.draft_writes.get_mut(key) {
            entry.1 = WriteState::Failed;
        } else if let Some(entry) = self.pending.get_mut(key) {
            entry.1 = WriteState::Failed;
        } else if matches!(&self.compaction, Some(c) if &c.snapshot == key) {
            // Nothing lost: the incrementals stay; try compacting again later.
            self.compaction = None;
        }
    }

    /// How many chunk writes failed and wait for a retry.
    pub fn failed_writes(&self) -> usize {
        self.pending
            .values()
            .chain(self.draft_writes.values())
            .filter(|(_, s)| *s == WriteState::Failed)
            .count()
    }

    /// A draft's write answered well: the rebuild's snapshot once every
    /// draft is durable.
    pub fn draft_stored(&mut self, key: &ChunkKey) -> Option<Chunk> {
        self.draft_writes.remove(key)?;
        if self.draft_writes.is_empty() {
            self.snapshot_after_drafts.take()
        } else {
            None
        }
    }

    /// Chunks whose write failed, marked in flight again.
    pub fn take_failed(&mut self) -> Vec<Chunk> {
        self.pending
            .values_mut()
            .chain(self.draft_writes.values_mut())
            .filter(|(_, s)| *s == WriteState::Failed)
            .map(|(c, s)| {
                *s = WriteState::InFlight;
                c.clone()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_that_does_not_cover_the_old_chunks_keeps_one_written_again() {
        let id = DocumentId::from_bytes([9; 16]);
        let mut st = DocState::new(id, Automerge::new(), BTreeSet::new());
        let old = Chunk::new(id, ChunkKind::Incremental, b"old".to_vec());
        let again = Chunk::new(id, ChunkKind::Incremental, b"again".to_vec());
        let snapshot = Chunk::new(id, ChunkKind::Snapshot, b"snap".to_vec());
        // As after a rebuild: the old chunks wait for deletion, not covered.
        st.compaction = Some(Compaction {
            snapshot: snapshot.key.clone(),
            merged: [old.key.clone(), again.key.clone()].into(),
            covers_merged: false,
        });
        // `again` is written again (same bytes, same key) before the snapshot lands.
        st.pending
            .insert(again.key.clone(), (again.clone(), WriteState::InFlight));
        assert_eq!(st.stored_ok(&again.key), None);
        let deleted = st.stored_ok(&snapshot.key).expect("compaction done");
        assert_eq!(deleted, vec![old.key.clone()]);
        assert!(st.stored.contains(&again.key) && st.stored.contains(&snapshot.key));
        // An ordinary compaction deletes everything it merged.
        st.compaction = Some(Compaction {
            snapshot: Chunk::new(id, ChunkKind::Snapshot, b"s2".to_vec()).key,
            merged: [again.key.clone()].into(),
            covers_merged: true,
        });
        let s2 = Chunk::new(id, ChunkKind::Snapshot, b"s2".to_vec()).key;
        assert_eq!(st.stored_ok(&s2), Some(vec![again.key.clone()]));
    }
}
