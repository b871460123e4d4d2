//! What the run promised, recorded as it happens, and the invariants checked
//! against it (see the module doc of [`super::chaos`]).

use std::collections::{BTreeMap, BTreeSet};

use automerge::{Automerge, ChangeHash, ReadDoc};

use super::MemoryStorage;
use super::workload::{Intent, Made};
use crate::core::{DocLookup, Policy};
use crate::protocol::DocumentId;
use crate::storage::{ChunkKind, merge_chunks};

/// One edit a device made.
#[derive(Debug)]
pub struct Edit {
    /// The order edits were made in.
    pub serial: u64,
    pub device: usize,
    pub doc: DocumentId,
    pub intent: Intent,
    pub what: String,
    /// Was durable on its device at some point (in an incremental chunk).
    pub durable: bool,
    /// Lost in a crash of its device before it was durable there.
    pub lost: bool,
}

/// Everything the invariants need.
#[derive(Default)]
pub struct Ledger {
    /// Heads the relay told a device it holds durably, by document.
    pub acked: BTreeMap<DocumentId, BTreeSet<ChangeHash>>,
    pub edits: BTreeMap<ChangeHash, Edit>,
    /// The changes the starting documents hold.
    pub initial: BTreeSet<ChangeHash>,
    /// Refusals a device heard for a document where it had made no invalid
    /// edit still in its copy (a valid edit refused).
    pub wrongly_refused: Vec<String>,
}

/// Whether a document holds a change (cheaply: `get_change_by_hash`
/// rebuilds the change from the operations).
pub fn has(doc: &Automerge, h: &ChangeHash) -> bool {
    if doc.get_missing_deps(&[]).is_empty() {
        !doc.get_missing_deps(&[*h]).contains(h)
    } else {
        doc.get_change_by_hash(h).is_some()
    }
}

/// The document a node's storage holds (content chunks merged).
pub fn stored_doc(storage: &MemoryStorage, doc: &DocumentId) -> Automerge {
    merge_chunks(storage.load(doc)).doc
}

/// The changes in the drafts a node's storage holds for a document.
pub fn stored_drafts(storage: &MemoryStorage, doc: &DocumentId) -> BTreeSet<ChangeHash> {
    storage
        .load(doc)
        .iter()
        .filter(|c| c.key.kind == ChunkKind::Draft)
        .flat_map(|c| draft_changes(&c.bytes))
        .collect()
}

impl Ledger {
    pub fn acked(&mut self, doc: DocumentId, heads: Vec<ChangeHash>) {
        self.acked.entry(doc).or_default().extend(heads);
    }

    pub fn made(&mut self, serial: u64, device: usize, made: Made) {
        let edit = Edit {
            serial,
            device,
            doc: made.doc,
            intent: made.intent,
            what: made.what,
            durable: false,
            lost: false,
        };
        self.edits.insert(made.hash, edit);
    }

    /// An incremental chunk reached a device's storage.
    pub fn device_wrote(&mut self, bytes: &[u8]) {
        for h in draft_changes(bytes) {
            if let Some(e) = self.edits.get_mut(&h) {
                e.durable = true;
            }
        }
    }

    /// Invariant 1 (at a relay crash and at the end): every head the relay
    /// acknowledged is in its durable storage.
    pub fn check_acked(&self, storage: &MemoryStorage) -> Result<(), String> {
        for (doc, heads) in &self.acked {
            let stored = stored_doc(storage, doc);
            for h in heads {
                if !has(&stored, h) {
                    return Err(format!(
                        "invariant 1: the relay acknowledged {h} of {doc}, but its storage does not hold it"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Invariant 3, first half: nothing is in the relay's storage that is
    /// neither a starting change nor an edit a device made.
    pub fn check_known(&self, doc: &DocumentId, stored: &Automerge) -> Result<(), String> {
        for c in stored.get_changes_meta(&[]) {
            let h = c.hash;
            if !self.initial.contains(&h) && !self.edits.contains_key(&h) {
                return Err(format!(
                    "invariant 3: the relay's storage of {doc} holds {h}, which no device made"
                ));
            }
        }
        Ok(())
    }

    /// Invariant 3, second half: no forbidden edit is in the relay's
    /// storage, nor any change a device set aside as refused (its drafts)
    /// unless the device holds it in its document again (a crash undid the
    /// rebuild before it was durable, and the device sent it anew, repaired
    /// by a later change: the draft is stale).
    pub fn check_drafts(
        &self,
        drafts: &[(usize, DocumentId, ChangeHash)],
        stored: &BTreeMap<DocumentId, Automerge>,
        device_has: &dyn Fn(usize, &DocumentId, &ChangeHash) -> bool,
    ) -> Result<(), String> {
        for (h, e) in &self.edits {
            if e.intent == Intent::Forbidden && has(&stored[&e.doc], h) {
                return Err(format!(
                    "invariant 3: the relay stored {h} (#{} {}) of device {}, which it may not write",
                    e.serial, e.what, e.device
                ));
            }
        }
        for (device, doc, h) in drafts {
            if has(&stored[doc], h) && !device_has(*device, doc, h) {
                let what = self.edits.get(h).map_or("?", |e| e.what.as_str());
                return Err(format!(
                    "invariant 3: the relay refused {h} ({what}) of device {device} on {doc}, yet its storage holds it"
                ));
            }
        }
        Ok(())
    }

    /// Invalid edits the relay holds: a later change in the same message
    /// repaired the state (the gate judges the state a message leaves).
    pub fn absorbed(&self, stored: &BTreeMap<DocumentId, Automerge>) -> usize {
        self.edits
            .iter()
            .filter(|(h, e)| e.intent.bad() && has(&stored[&e.doc], h))
            .count()
    }

    /// A device crashed and came back with `storage`. Its edits that are
    /// neither in its documents nor in its drafts there are lost: allowed
    /// only for edits that never were durable on it (or that were, but
    /// built on one whose write failed: `storage_failed`), never for one
    /// it held as a draft (`drafted`: its refused edits, kept for the user),
    /// and then the relay must not have them (nothing leaves a device
    /// before it is durable).
    pub fn device_crashed(
        &mut self,
        device: usize,
        storage: &MemoryStorage,
        drafted: &BTreeSet<ChangeHash>,
        storage_failed: bool,
        relay_has: &dyn Fn(&DocumentId, &ChangeHash) -> bool,
    ) -> Result<(), String> {
        let mut copies: BTreeMap<DocumentId, (Automerge, BTreeSet<ChangeHash>)> = BTreeMap::new();
        for (h, e) in self.edits.iter_mut() {
            if e.device != device || e.lost {
                continue;
            }
            let (copy, drafts) = copies
                .entry(e.doc)
                .or_insert_with(|| (stored_doc(storage, &e.doc), stored_drafts(storage, &e.doc)));
            if has(copy, h) || drafts.contains(h) {
                continue;
            }
            if e.durable && drafted.contains(h) {
                return Err(format!(
                    "durability: device {device} lost its refused edit {h} (#{} {}) in a crash: it was durable, then set aside as a draft that was not",
                    e.serial, e.what
                ));
            }
            if e.durable && !storage_failed {
                return Err(format!(
                    "durability: device {device} lost its edit {h} (#{} {}) in a crash, though it had been durable on the device",
                    e.serial, e.what
                ));
            }
            if relay_has(&e.doc, h) {
                return Err(format!(
                    "durability: device {device} lost its edit {h} (#{} {}) in a crash, but the relay has it: it was sent before it was durable",
                    e.serial, e.what
                ));
            }
            e.lost = true;
        }
        Ok(())
    }

    /// Invariant 5: every valid edit not lost in a crash is in the relay's
    /// storage, or set aside in its device's drafts (refused with an invalid
    /// edit it was sent with or built on).
    pub fn check_expected(
        &self,
        relay: &BTreeMap<DocumentId, Automerge>,
        drafts: &[(usize, DocumentId, ChangeHash)],
    ) -> Result<(), String> {
        let drafted: BTreeSet<&ChangeHash> = drafts.iter().map(|(_, _, h)| h).collect();
        let missing = self
            .edits
            .iter()
            .filter(|(h, e)| {
                e.intent == Intent::Valid
                    && !e.lost
                    && !has(&relay[&e.doc], h)
                    && !drafted.contains(h)
            })
            .min_by_key(|(_, e)| e.serial);
        match missing {
            Some((h, e)) => Err(format!(
                "invariant 5: the valid edit {h} (#{} {}) of device {} is neither on the relay nor in a draft",
                e.serial, e.what, e.device
            )),
            None => Ok(()),
        }
    }
}

/// Invariant 6: the relay's documents break no rule at the end.
pub fn check_valid<P: Policy>(
    policy: &P,
    relay: &BTreeMap<DocumentId, Automerge>,
) -> Result<(), String> {
    struct Lookup<'a>(&'a BTreeMap<DocumentId, Automerge>);
    impl DocLookup for Lookup<'_> {
        fn doc(&self, id: &DocumentId) -> Option<&Automerge> {
            self.0.get(id)
        }
    }
    for (id, doc) in relay {
        let v = policy.violations(id, doc, &Lookup(relay));
        if !v.is_empty() {
            let list: Vec<String> = v
                .iter()
                .map(|v| format!("{}: {}", v.path, v.message_en))
                .collect();
            return Err(format!(
                "invariant 6: the relay's {id} breaks rules: {}",
                list.join("; ")
            ));
        }
    }
    Ok(())
}

/// The changes in a draft or an incremental chunk (automerge change chunks,
/// one after another).
pub fn draft_changes(bytes: &[u8]) -> Vec<ChangeHash> {
    match chunk_changes(bytes) {
        Ok(hashes) => hashes,
        Err(e) => panic!("a draft or incremental chunk holds something other than changes: {e}"),
    }
}

/// The changes in a sequence of automerge change chunks.
pub fn chunk_changes(bytes: &[u8]) -> Result<Vec<ChangeHash>, String> {
    let mut out = Vec::new();
    let mut rest = bytes;
    // magic (4), checksum (4), type (1), length (uLEB128), body.
    while rest.len() > 9 {
        let (mut len, mut shift, mut at) = (0usize, 0, 9);
        while let Some(b) = rest.get(at) {
            len |= ((b & 0x7f) as usize) << shift;
            shift += 7;
            at += 1;
            if b & 0x80 == 0 {
                break;
            }
        }
        let end = (at + len).min(rest.len());
        let change = automerge::Change::try_from(&rest[..end]).map_err(|e| e.to_string())?;
        out.push(change.hash());
        rest = &rest[end..];
    }
    Ok(out)
}
