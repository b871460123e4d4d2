//! # The admission gate (cổng kiểm soát): the one place where changes are let in
//!
//! Every change that enters a document passes here: changes a device sends
//! to the relay ([`admit_remote`]) and edits made on this device
//! ([`check_local`]). Nothing else in the core applies a change from a peer
//! that is not trusted.
//!
//! For a sync message from a device the gate does, in this order:
//!
//! 1. **Framing under a budget** ([`sync_shape`]): counts of heads, needs,
//!    "have" entries and change chunks against what the message holds and the
//!    [`Limits`]; the Bloom filters' parameters.
//! 2. **Cost before parsing** ([`chunks`]): changes, operations and inflated
//!    bytes counted from the chunks' own framing (run lengths are counted,
//!    not expanded; DEFLATE is inflated only up to what is left of the
//!    budget). Past the budget the frame is refused with an `error`.
//! 3. **Apply to a scratch copy with the operation that applies for real**
//!    (`receive_sync_message`, on a copy of the document and of the peer's
//!    sync state), then take the set of new changes *from the result*
//!    (`get_changes_meta` against the heads before): what automerge applied,
//!    however the bytes were framed (a change hidden behind a document chunk,
//!    a change cut over two chunks, duplicates, reordering).
//! 4. **Check every new change and the resulting state**: the peer's right to
//!    write the document (a peer that may only read it is refused for any
//!    change the relay does not already have, or that would wait in the
//!    scratch copy; changes it merely echoes back are nothing new), each
//!    change's size, the document's size, the schema
//!    and rules (only violations the change introduces count).
//! 5. **Commit exactly what was checked**: the checked copy becomes the
//!    document (each change is applied once), unless changes wait in it for
//!    their dependencies: then the document takes only the applied changes
//!    from it and must reach its heads. On refusal the scratch copy is
//!    dropped and the peer is told why; its later changes are dropped unread
//!    until it is back on heads the relay knows.
//!
//! Changes whose dependencies are missing stay only in the scratch copy
//! (automerge keeps them queued there until the dependencies arrive, and then
//! they are new changes of that message and checked like any other), never in
//! the document itself, so they cannot block compaction; the bytes of
//! messages that left such changes waiting are bounded, past that the scratch
//! copy and its queue are dropped.
//!
//! Local edits go through [`check_local`]: the same rights, change-size,
//! document-size and validation checks, on the transaction before it commits.

mod chunks;
mod cursor;
pub mod fuzz;
pub(super) mod sync_shape;

use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, ReadDoc};

use super::{
    Access, Core, DocState, PeerDoc, Policy, RejectCode, Rejection, Violation, new_violations,
};
use crate::protocol::{CborBudget, DocumentId};

use chunks::Cost;

/// How much one device may make the relay do. Every decode of device input
/// is bounded by one of these; each is refused with a message saying which.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// CBOR nesting and item counts of one frame.
    pub cbor: CborBudget,
    /// Heads, needed hashes or last-sync hashes listed in one sync message.
    pub max_heads: usize,
    /// "Have" entries (Bloom filters) in one sync message.
    pub max_have: usize,
    /// Bloom filter parameters automerge can use safely (it writes 10 and 7).
    pub max_bloom_bits_per_entry: u32,
    pub max_bloom_probes: u32,
    /// Changes in one sync message (also: change chunks).
    pub max_changes: usize,
    /// Operations in one sync message.
    pub max_ops: usize,
    /// Operations in one change.
    pub max_ops_per_change: usize,
    /// Bytes of one message's changes once compressed parts are inflated.
    pub max_inflated_bytes: usize,
    /// Bytes of one change's message text.
    pub max_change_message_bytes: usize,
    /// Operations in one document (its whole state).
    pub max_doc_ops: u64,
    /// Bytes of messages whose changes wait for missing dependencies.
    pub max_waiting_bytes: usize,
    /// Times one connection may make the relay send a document from scratch.
    pub max_full_syncs: u32,
    /// Bytes of one `ephemeral` message's data.
    pub max_ephemeral_bytes: usize,
    /// `ephemeral` messages one connection may send per second (sustained),
    /// and in a burst.
    pub ephemeral_per_second: u32,
    pub ephemeral_burst: u32,
    /// Messages held for a document, per document: while it loads, and
    /// while other documents' rules are awaited ([`Admitted::Deferred`]).
    pub max_waiting_messages: usize,
    /// Bytes of the messages held for one document (as above). One message
    /// is always let in when nothing else is held.
    pub max_held_bytes: usize,
    /// How long changes that only other documents' rules object to are
    /// held, waiting for those documents, before they are refused (ms of
    /// [`crate::core::Input::Tick`] time).
    pub defer_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            cbor: CborBudget::default(),
            max_heads: 1024,
            max_have: 16,
            max_bloom_bits_per_entry: 64,
            max_bloom_probes: 64,
            // An office's year is a few thousand changes; a device back after
            // weeks offline sends that many at once. The 16 MiB frame bounds
            // an honest message first; these bound what a frame can claim.
            max_changes: 50_000,
            max_ops: 1_000_000,
            max_ops_per_change: 100_000,
            max_inflated_bytes: 64 << 20,
            max_change_message_bytes: 4096,
            // A demo office's three years are ~30,000 operations.
            max_doc_ops: 2_000_000,
            max_waiting_bytes: 4 << 20,
            max_full_syncs: 4,
            max_ephemeral_bytes: 4096,
            ephemeral_per_second: 20,
            ephemeral_burst: 50,
            max_waiting_messages: 64,
            max_held_bytes: 8 << 20,
            defer_ms: 5_000,
        }
    }
}

/// A frame the gate refuses outright: the connection gets an `error` with
/// this code and message, and closes. Nothing was applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateError {
    pub code: &'static str,
    pub message: String,
    /// Refused for its size, not for being malformed.
    pub over_budget: bool,
}

impl GateError {
    pub(crate) fn malformed(message: String) -> Self {
        Self {
            code: "malformed-sync-data",
            message,
            over_budget: false,
        }
    }

    pub(crate) fn over_budget(message: String) -> Self {
        Self {
            code: "over-budget",
            message,
            over_budget: true,
        }
    }
}

/// What happened to a sync message from a device.
#[derive(Debug)]
pub(super) enum Admitted {
    /// No new change was applied (none sent, all known, or dropped while the
    /// peer is refused); the sync state moved on.
    Nothing,
    /// New changes passed every check and are in the document.
    Committed,
    /// The changes were refused; the sync state moved on without them.
    Refused(Rejection),
    /// Only rules that read other documents object (a score for a criterion
    /// the relay's copy of the cluster document does not have yet: the
    /// device may have sent that change on another document a moment ago).
    /// Nothing was applied and the sync state did not move; the caller holds
    /// the message and asks again when those documents change, refusing it
    /// once [`Limits::defer_ms`] has passed.
    Deferred,
}

/// Everything the gate reads besides the document and the peer.
pub(super) struct Context<'a, P: Policy> {
    pub policy: &'a P,
    /// The other loaded documents (cross-document rules).
    pub docs: super::Docs<'a>,
    pub limits: &'a Limits,
    pub doc_id: DocumentId,
    pub access: Access,
    /// Changes that only other documents' rules object to may be held
    /// (see [`Admitted::Deferred`]) instead of refused.
    pub may_defer: bool,
}

/// Admit (or refuse) the changes of one sync message from a device.
pub(super) fn admit_remote<P: Policy>(
    cx: &Context<'_, P>,
    st: &mut DocState,
    pd: &mut PeerDoc,
    mut msg: sync::Message,
) -> Result<Admitted, GateError> {
    if msg.changes.is_empty() || pd.rejected {
        // Dropped unread while refused: automerge sees no changes at all.
        msg.changes = sync::ChunkList::empty();
        receive_without_changes(st, pd, msg);
        return Ok(Admitted::Nothing);
    }
    let mut meter = chunks::Meter::new(cx.limits);
    for chunk in msg.changes.iter() {
        meter.measure(chunk)?;
    }
    let cost = meter.cost();

    // Apply to the scratch copy, with the operation that applies for real.
    let before_heads = st.doc.get_heads();
    let mut scratch_sync = pd.sync.clone();
    let without_changes = sync::Message {
        changes: sync::ChunkList::empty(),
        ..msg.clone()
    };
    // The scratch copy: the one changes wait in for their dependencies, or
    // else a copy of the document. Copying costs far less than applying a
    // change (automerge copies its columns; it does not rebuild them), and
    // the checked copy then becomes the document: each change is applied
    // once.
    let mirror = st.mirror.get_or_insert_with(|| st.doc.clone());
    // automerge 0.12 panics on some malformed chunks that carry a valid
    // checksum (anyone can compute one): reading them happens on the copy,
    // so a panic costs only the copy, and the device gets an error rather
    // than the whole document being dropped and loaded again.
    let applied = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        mirror.receive_sync_message(&mut scratch_sync, msg)?;
        let waiting = !mirror.get_missing_deps(&[]).is_empty();
        let meta = mirror.get_changes_meta(&before_heads);
        // What the document applied must be the change that was sent: a
        // damaged change can decode without an error into other operations,
        // and rebuilding it later (to forward or store it) would fail. The
        // new changes are rebuilt from the document's columns once, here.
        let intact = rebuilt_intact(mirror, &meta);
        let new: Vec<(u64, usize)> = meta
            .iter()
            .map(|m| (change_ops(m), m.message.as_ref().map_or(0, |t| t.len())))
            .collect();
        Ok::<_, automerge::AutomergeError>((waiting, new, intact))
    }));
    let (waiting, new) = match applied {
        Ok(Ok((waiting, new, true))) => (waiting, new),
        Ok(Err(e)) => {
            st.mirror = None;
            st.waiting_bytes = 0;
            return Err(GateError::malformed(format!(
                "a change in the sync message could not be applied ({e})"
            )));
        }
        Ok(Ok((_, _, false))) | Err(_) => {
            st.mirror = None;
            st.waiting_bytes = 0;
            return Err(GateError::malformed(
                "a change in the sync message is damaged: its columns cannot be read".to_string(),
            ));
        }
    };
    if cx.access != Access::Write && (!new.is_empty() || waiting) {
        // A reader sent changes the relay does not have (or that would wait
        // in the scratch copy for a writer's message to complete them).
        st.mirror = None;
        st.waiting_bytes = 0;
        return Ok(refuse(st, pd, without_changes, not_writable(cx)));
    }
    if new.is_empty() {
        // Nothing new: also a reader echoing changes it got from the relay
        // (automerge peers resend what they think the other side lacks).
        pd.sync = scratch_sync;
        if !waiting {
            st.mirror = None; // only a copy of the document
        }
        track_waiting(st, waiting, &cost, cx.limits);
        return Ok(Admitted::Nothing);
    }

    // Check every new change and the state they make.
    let mirror = st.mirror.as_ref().expect("set above");
    let refusal = new
        .iter()
        .find_map(|(ops, message)| change_too_large(cx.limits, *ops, *message))
        .or_else(|| document_too_large(cx.limits, mirror.stats().num_ops));
    let verdict = match refusal {
        Some(r) => Err(r),
        None => {
            let before = Core::violations_before(cx.policy, cx.docs, &cx.doc_id, st);
            let mirror = st.mirror.as_ref().expect("set above");
            // The policy reads only what the new changes touched, from
            // what it read of the state before (the memo).
            let (after, memo) =
                cx.policy
                    .violations_since(&cx.doc_id, mirror, st.memo.take(), &cx.docs);
            let introduced = new_violations(&before, after.clone());
            if introduced.is_empty() {
                Ok((after, memo))
            } else if cx.may_defer && introduced.iter().all(|v| cx.policy.reads_other_docs(v)) {
                st.mirror = None;
                st.waiting_bytes = 0;
                return Ok(Admitted::Deferred);
            } else {
                Err(Rejection::from_violations(&introduced))
            }
        }
    };
    let (after, memo) = match verdict {
        Ok(checked) => checked,
        Err(rejection) => {
            st.mirror = None;
            st.waiting_bytes = 0;
            return Ok(refuse(st, pd, without_changes, rejection));
        }
    };

    // Commit exactly the changes that were checked: the checked copy becomes
    // the document. When changes wait in it for their dependencies, it stays
    // the scratch copy (the document never holds changes it cannot apply)
    // and the document takes from it only what was applied.
    let mirror = st.mirror.take().expect("set above");
    pd.sync = scratch_sync;
    // (A document holding changes that wait for a dependency, which only a
    // trusted writer of the storage can put there, keeps them: it takes the
    // applied changes too rather than being replaced.)
    let doc_waiting = st.doc.get_missing_deps(&[]);
    if waiting || !doc_waiting.is_empty() {
        let target = mirror.get_heads();
        let _ = st.doc.load_incremental(&mirror.save_after(&before_heads));
        if st.doc.get_heads() != target || st.doc.get_missing_deps(&[]).len() > doc_waiting.len() {
            // Never leave the two apart: the checked copy is the truth.
            tracing::error!(doc = %cx.doc_id, "the document and its checked copy differed after a commit; adopted the checked copy");
            st.doc = Automerge::load(&mirror.save()).unwrap_or_else(|_| mirror.clone());
        }
        if waiting {
            st.mirror = Some(mirror);
        }
    } else {
        st.doc = mirror;
    }
    st.checked = Some((Core::validity_key(cx.policy, cx.docs, &st.doc), after));
    st.memo = memo;
    track_waiting(st, waiting, &cost, cx.limits);
    Ok(Admitted::Committed)
}

/// How many operations a change holds (its counters run from `start_op`
/// to `max_op`).
fn change_ops(m: &automerge::ChangeMetadata<'_>) -> u64 {
    (m.max_op + 1).saturating_sub(m.start_op)
}

/// Whether the changes `meta` names, rebuilt from `doc`'s operation
/// columns, hash to what was sent. A rebuild passes over the operations
/// whose counters lie between the lowest first and the highest last
/// counter of the changes asked for: changes made near each other (an
/// honest message's) are rebuilt in one pass; when their counters lie far
/// apart (a device can choose them), each is rebuilt alone, so that no
/// message makes the relay read more of the document than its own
/// changes' operations span.
fn rebuilt_intact(doc: &Automerge, meta: &[automerge::ChangeMetadata<'_>]) -> bool {
    let rebuilt_as_sent = |hashes: &[automerge::ChangeHash]| {
        doc.rebuild_changes(hashes).is_ok_and(|rebuilt| {
            let mut got: Vec<automerge::ChangeHash> = rebuilt.iter().map(|c| c.hash()).collect();
            let mut want = hashes.to_vec();
            got.sort_unstable();
            want.sort_unstable();
            got == want
        })
    };
    let sent: Vec<automerge::ChangeHash> = meta.iter().map(|m| m.hash).collect();
    let (Some(low), Some(high)) = (
        meta.iter().map(|m| m.start_op).min(),
        meta.iter().map(|m| m.max_op).max(),
    ) else {
        return true; // nothing new
    };
    let own: u64 = meta.iter().map(change_ops).sum();
    let span = (high + 1).saturating_sub(low);
    if span <= own.saturating_mul(2).saturating_add(64) {
        rebuilt_as_sent(&sent)
    } else {
        sent.iter()
            .all(|h| rebuilt_as_sent(std::slice::from_ref(h)))
    }
}

fn not_writable<P: Policy>(cx: &Context<'_, P>) -> Rejection {
    let name = cx.policy.describe(&cx.doc_id);
    Rejection {
        code: RejectCode::NotWritable,
        message_en: format!(
            "Your office may read \"{name}\" but not change it; the change was not saved on the relay."
        ),
        message_vi: format!(
            "Đơn vị của bạn chỉ được xem \"{name}\", không được sửa; thay đổi không được lưu trên máy chủ."
        ),
    }
}

/// Let automerge read a message that carries no changes (heads, needs, haves).
fn receive_without_changes(st: &mut DocState, pd: &mut PeerDoc, msg: sync::Message) {
    debug_assert!(msg.changes.is_empty());
    let before = st.doc.get_heads();
    // Without changes automerge only updates the sync state; it cannot fail
    // or change the document.
    if st.doc.receive_sync_message(&mut pd.sync, msg).is_err() || st.doc.get_heads() != before {
        tracing::error!("a sync message without changes changed the document");
    }
    if pd.rejected
        && pd
            .sync
            .their_heads
            .as_ref()
            .is_some_and(|heads| heads.iter().all(|h| st.doc.get_change_by_hash(h).is_some()))
    {
        // The peer dropped the refused changes: serve it normally again.
        pd.rejected = false;
        pd.sync.set_read_only(false);
    }
}

fn refuse(
    st: &mut DocState,
    pd: &mut PeerDoc,
    mut msg: sync::Message,
    rejection: Rejection,
) -> Admitted {
    msg.changes = sync::ChunkList::empty();
    pd.rejected = true;
    pd.sync.set_read_only(true);
    receive_without_changes(st, pd, msg);
    Admitted::Refused(rejection)
}

/// Remember how much is held for changes waiting on dependencies; past the
/// limit, drop the scratch copy and what waits in it.
fn track_waiting(st: &mut DocState, waiting: bool, cost: &Cost, limits: &Limits) {
    if !waiting {
        st.waiting_bytes = 0;
        return;
    }
    st.waiting_bytes = st.waiting_bytes.saturating_add(cost.inflated);
    if st.waiting_bytes > limits.max_waiting_bytes {
        tracing::warn!(doc = %st.id, "dropped changes waiting for missing dependencies");
        st.mirror = None;
        st.waiting_bytes = 0;
    }
}

fn change_too_large(limits: &Limits, ops: u64, message_bytes: usize) -> Option<Rejection> {
    if ops > limits.max_ops_per_change as u64 {
        return Some(Rejection {
            code: RejectCode::TooLarge,
            message_en: format!(
                "One change holds {ops} operations, more than the {} allowed; make the edit in smaller steps.",
                limits.max_ops_per_change
            ),
            message_vi: format!(
                "Một thay đổi gồm {ops} thao tác, vượt quá giới hạn {} thao tác; hãy chia nhỏ việc chỉnh sửa.",
                limits.max_ops_per_change
            ),
        });
    }
    if message_bytes > limits.max_change_message_bytes {
        return Some(Rejection {
            code: RejectCode::TooLarge,
            message_en: format!(
                "A change's description is {message_bytes} bytes long, more than the {} allowed.",
                limits.max_change_message_bytes
            ),
            message_vi: format!(
                "Phần mô tả của một thay đổi dài {message_bytes} byte, vượt quá giới hạn {} byte.",
                limits.max_change_message_bytes
            ),
        });
    }
    None
}

fn document_too_large(limits: &Limits, ops: u64) -> Option<Rejection> {
    (ops > limits.max_doc_ops).then(|| Rejection {
        code: RejectCode::TooLarge,
        message_en: format!(
            "The document would hold {ops} operations, more than the {} one document may hold; \
             ask the administrator to archive past years.",
            limits.max_doc_ops
        ),
        message_vi: format!(
            "Tài liệu sẽ có {ops} thao tác, vượt quá giới hạn {} thao tác của một tài liệu; \
             đề nghị quản trị viên lưu trữ dữ liệu các năm trước.",
            limits.max_doc_ops
        ),
    })
}

/// Why a local edit may not be committed.
#[derive(Debug)]
pub(super) enum LocalRefusal {
    NotWritable,
    TooLarge(Rejection),
    Invalid(Vec<Violation>),
}

/// The gate for an edit made on this device, on its transaction before it
/// commits: the same rights, sizes and validation a relay checks. Returns
/// the violations of the state after the edit (for the cache).
pub(super) fn check_local<P: Policy>(
    cx: &Context<'_, P>,
    before: &[Violation],
    doc_ops: u64,
    pending_ops: usize,
    message_bytes: usize,
    after: &Automerge,
) -> Result<Vec<Violation>, LocalRefusal> {
    if cx.access != Access::Write {
        return Err(LocalRefusal::NotWritable);
    }
    if let Some(r) = change_too_large(cx.limits, pending_ops as u64, message_bytes)
        .or_else(|| document_too_large(cx.limits, doc_ops.saturating_add(pending_ops as u64)))
    {
        return Err(LocalRefusal::TooLarge(r));
    }
    let all = cx.policy.violations(&cx.doc_id, after, &cx.docs);
    let introduced = new_violations(before, all.clone());
    if introduced.is_empty() {
        Ok(all)
    } else {
        Err(LocalRefusal::Invalid(introduced))
    }
}

#[cfg(test)]
mod tests {
    /// Thousands of seeded hostile sync messages: the relay never applies a
    /// change the reader made, never holds an invalid document, never panics.
    #[test]
    fn random_hostile_sync_messages_never_get_past_the_gate() {
        let mut total = super::fuzz::Report::default();
        for seed in 1..=4 {
            let r = super::fuzz::run(seed, 500);
            total.messages += r.messages;
            total.committed += r.committed;
            total.refused += r.refused;
            total.closed += r.closed;
        }
        assert_eq!(total.messages, 2000);
        // The run exercised every outcome, or it proves little.
        assert!(total.committed > 50, "{total:?}");
        assert!(total.refused > 50, "{total:?}");
        assert!(total.closed > 50, "{total:?}");
    }

    /// The rebuild check passes honest changes whether they are rebuilt
    /// together (counters near each other) or alone (far apart: a new
    /// device's first change, counter 1, beside one after a long history).
    #[test]
    fn honest_changes_pass_the_rebuild_check_together_or_alone() {
        use automerge::transaction::Transactable;
        use automerge::{ActorId, Automerge, ROOT};
        let mut doc = Automerge::new().with_actor(ActorId::from(vec![1; 16]));
        for i in 0..300 {
            let mut tx = doc.transaction();
            tx.put(ROOT, format!("k{}", i % 7), i as i64).unwrap();
            tx.commit();
        }
        let before = doc.get_heads();
        // Far apart: a fresh device's first change (no dependencies,
        // counter 1) and the next change of the long history.
        let mut fresh = Automerge::new().with_actor(ActorId::from(vec![2; 16]));
        let mut tx = fresh.transaction();
        tx.put(ROOT, "fresh", 1).unwrap();
        tx.commit();
        let mut tx = doc.transaction();
        tx.put(ROOT, "next", 1).unwrap();
        tx.commit();
        doc.merge(&mut fresh).unwrap();
        let meta = doc.get_changes_meta(&before);
        assert_eq!(meta.len(), 2);
        let starts: Vec<u64> = meta.iter().map(|m| m.start_op).collect();
        assert!(
            starts.contains(&1) && starts.iter().any(|s| *s > 300),
            "{starts:?}"
        );
        assert!(super::rebuilt_intact(&doc, &meta));
        // Near each other: three changes in a row.
        let before = doc.get_heads();
        for i in 0..3 {
            let mut tx = doc.transaction();
            tx.put(ROOT, "row", i).unwrap();
            tx.commit();
        }
        let meta = doc.get_changes_meta(&before);
        assert_eq!(meta.len(), 3);
        assert!(super::rebuilt_intact(&doc, &meta));
        assert!(super::rebuilt_intact(&doc, &[]));
    }

    /// Random and mutated frames: decoded or refused, never a panic.
    #[test]
    fn random_and_mutated_frames_never_panic() {
        let decoded = super::fuzz::decode(7, 20_000);
        assert!(
            decoded > 100,
            "some mutated frames still decode ({decoded})"
        );
    }
}
