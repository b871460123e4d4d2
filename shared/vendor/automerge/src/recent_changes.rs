//! Thi Đua patch (see `THIDUA-PATCH.md`): the changes a document received
//! most recently, kept as parsed, so that a sync message forwarding them to
//! the document's other peers copies their bytes instead of rebuilding each
//! change from the operation columns once per peer.
//!
//! Keyed by hash: a change's hash is computed from its bytes when it is
//! parsed, so a kept change is exactly the change of that hash whichever copy
//! of the document asks (copies share the store), and nothing here can be
//! sent unless the document has that hash.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use crate::{Change, ChangeHash};

/// How many changes are kept (the oldest go first).
const CAPACITY: usize = 256;

#[derive(Clone, Default)]
pub(crate) struct RecentChanges(Arc<Mutex<Kept>>);

#[derive(Default)]
struct Kept {
    by_hash: HashMap<ChangeHash, Change>,
    order: VecDeque<ChangeHash>,
}

impl std::fmt::Debug for RecentChanges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept = self.0.lock().map(|k| k.order.len()).unwrap_or(0);
        f.debug_struct("RecentChanges")
            .field("kept", &kept)
            .finish()
    }
}

impl RecentChanges {
    /// Keep `changes` (received from a peer), dropping the oldest beyond the capacity.
    pub(crate) fn remember(&self, changes: &[Change]) {
        let Ok(mut kept) = self.0.lock() else {
            return;
        };
        for change in changes.iter().rev().take(CAPACITY).rev() {
            let hash = change.hash();
            if kept.by_hash.contains_key(&hash) {
                continue;
            }
            if kept.order.len() == CAPACITY {
                if let Some(oldest) = kept.order.pop_front() {
                    kept.by_hash.remove(&oldest);
                }
            }
            kept.order.push_back(hash);
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
