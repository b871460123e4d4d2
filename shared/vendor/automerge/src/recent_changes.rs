//! Thi Đua patch (see `THIDUA-PATCH.md`): the changes a document received
//! most recently, kept as parsed, so that a sync message forwarding them to
//! the document's other peers copies their bytes instead of rebuilding each
//! change from the operation columns once per peer.
//!
//! Keyed by hash: a change's hash is computed from its bytes when it is
//! parsed, so a kept change is exactly the change of that hash whichever copy
//! of the document asks (copies share the store), and nothing here can be
//! sent unless the document has that hash. Bounded in count and in bytes, so
//! changes a peer sends (even ones the document then refuses) cannot grow it.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use crate::{Change, ChangeHash};

/// How many changes are kept at most (the oldest go first).
const CAPACITY: usize = 256;
/// How many bytes of changes are kept at most (the oldest go first).
const MAX_BYTES: usize = 1 << 20;
/// A change larger than this is not kept (it is rebuilt when sent).
const MAX_CHANGE_BYTES: usize = 64 << 10;

#[derive(Clone, Default)]
pub(crate) struct RecentChanges(Arc<Mutex<Kept>>);

#[derive(Default)]
struct Kept {
    by_hash: HashMap<ChangeHash, Change>,
    order: VecDeque<ChangeHash>,
    bytes: usize,
}

impl std::fmt::Debug for RecentChanges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (kept, bytes) = self
            .0
            .lock()
            .map(|k| (k.order.len(), k.bytes))
            .unwrap_or((0, 0));
        f.debug_struct("RecentChanges")
            .field("kept", &kept)
            .field("bytes", &bytes)
            .finish()
    }
}

impl RecentChanges {
    /// Keep `changes` (parsed from bytes a peer or the storage gave), dropping
    /// the oldest beyond the bounds.
    pub(crate) fn remember(&self, changes: &[Change]) {
        let Ok(mut kept) = self.0.lock() else {
            return;
        };
        for change in changes.iter().rev().take(CAPACITY).rev() {
            let size = change.raw_bytes().len();
            let hash = change.hash();
            if size > MAX_CHANGE_BYTES || kept.by_hash.contains_key(&hash) {
                continue;
            }
            while kept.order.len() >= CAPACITY || kept.bytes + size > MAX_BYTES {
                let Some(oldest) = kept.order.pop_front() else {
                    break;
                };
                if let Some(gone) = kept.by_hash.remove(&oldest) {
                    kept.bytes -= gone.raw_bytes().len();
                }
            }
            kept.order.push_back(hash);
            kept.bytes += size;
            kept.by_hash.insert(hash, change.clone());
        }
    }

    /// Every change of `hashes`, in that order, or `None` when one is not kept.
    pub(crate) fn all(&self, hashes: &[ChangeHash]) -> Option<Vec<Change>> {
        let kept = self.0.lock().ok()?;
        hashes
            .iter()
            .map(|h| kept.by_hash.get(h).cloned())
            .collect()
    }
}
