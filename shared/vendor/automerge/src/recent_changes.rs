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

use crate::sync::Have;
use crate::{Change, ChangeHash};

/// How many changes are kept at most (the oldest go first).
const CAPACITY: usize = 256;
/// How many bytes of changes are kept at most (the oldest go first).
const MAX_BYTES: usize = 1 << 20;
/// A change larger than this is not kept (it is rebuilt when sent).
const MAX_CHANGE_BYTES: usize = 64 << 10;
/// Bloom filters kept (the `have` of the last sync messages generated), and
/// the most changes a kept filter covers (at 10 bits each, ≈ 61 KiB).
const FILTERS: usize = 8;
const MAX_FILTER_ENTRIES: usize = 50_000;

#[derive(Clone, Default)]
pub(crate) struct RecentChanges(Arc<Mutex<Kept>>);

#[derive(Default)]
struct Kept {
    by_hash: HashMap<ChangeHash, Change>,
    order: VecDeque<ChangeHash>,
    bytes: usize,
    /// (the document's heads, the peer's last sync heads, the filter of the
    /// changes since them), newest last.
    filters: VecDeque<(Vec<ChangeHash>, Vec<ChangeHash>, Have)>,
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
            kept.by_hash
                .insert(hash, change.without_received_compression());
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

    /// The `have` made earlier for a peer whose last sync was `last_sync`,
    /// when the document's heads were `heads`. The heads fix the document's
    /// whole history, so the changes since `last_sync`, and their filter,
    /// are the same: peers of a document in the same state share one.
    pub(crate) fn filter(&self, heads: &[ChangeHash], last_sync: &[ChangeHash]) -> Option<Have> {
        let kept = self.0.lock().ok()?;
        kept.filters
            .iter()
            .rev()
            .find(|(h, l, _)| h == heads && l == last_sync)
            .map(|(_, _, have)| have.clone())
    }

    /// Keeps `have`, a filter of `entries` changes, made at `heads`.
    pub(crate) fn keep_filter(&self, heads: Vec<ChangeHash>, have: &Have, entries: usize) {
        if entries > MAX_FILTER_ENTRIES {
            return;
        }
        let Ok(mut kept) = self.0.lock() else {
            return;
        };
        if kept.filters.len() >= FILTERS {
            kept.filters.pop_front();
        }
        kept.filters
            .push_back((heads, have.last_sync.clone(), have.clone()));
    }
}
