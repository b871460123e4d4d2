//! Deterministic tests of the core, through the in-memory shell in `crate::sim`.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT, ReadDoc, ScalarValue, Value};

use super::*;
use crate::sim::{MemoryStorage, ReplayOnPanic, SeededRng, Sim, seeds};
use crate::storage::Chunk;

/// Each document belongs to one office; everyone in the map may read all of
/// them; `score` must stay at or below 100.
#[derive(Clone, Default)]
struct OfficePolicy {
    owners: BTreeMap<DocumentId, String>,
}

impl Policy for OfficePolicy {
    fn access(&self, peer: &PeerAuth, doc: &DocumentId, _: &dyn DocLookup) -> Access {
        match peer {
            PeerAuth::Relay => Access::Write,
            PeerAuth::Device(d) => match self.owners.get(doc) {
                None => Access::None,
                Some(owner) if owner == &d.office => Access::Write,
                Some(_) => Access::Read,
            },
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

fn doc_id(n: u8) -> DocumentId {
    DocumentId::from_bytes([n; 16])
}

fn device(office: &str, name: &str) -> PeerAuth {
    PeerAuth::Device(DeviceAuth {
        office: office.into(),
        device: name.into(),
    })
}

fn seed(storage: &mut MemoryStorage, id: DocumentId, office: &str) {
    let mut d = Automerge::new();
    let mut tx = d.transaction();
    tx.put(ROOT, "office", office).unwrap();
    tx.commit();
    let c = Chunk::new(id, crate::storage::ChunkKind::Snapshot, d.save());
    storage.chunks.insert(c.key, c.bytes);
}

fn put(sim: &mut Sim<OfficePolicy, TrustAll>, i: usize, doc: DocumentId, key: &str, v: i64) {
    sim.clients[i]
        .core
        .change::<automerge::AutomergeError, _>(&doc, None, CommitMeta::default(), |tx| {
            tx.put(ROOT, key, v)?;
            Ok(())
        })
        .unwrap();
}

fn get(core_doc: &Automerge, key: &str) -> Option<i64> {
    match core_doc.get(ROOT, key).unwrap() {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Int(n) => Some(*n),
            _ => None,
        },
        _ => None,
    }
}

fn world(offices: &[&str]) -> (Sim<OfficePolicy, TrustAll>, Vec<DocumentId>) {
    let mut policy = OfficePolicy::default();
    let mut ids = Vec::new();
    let mut storage = MemoryStorage::default();
    for (n, o) in offices.iter().enumerate() {
        let id = doc_id(n as u8 + 1);
        policy.owners.insert(id, o.to_string());
        seed(&mut storage, id, o);
        ids.push(id);
    }
    let mut sim = Sim::new(policy);
    sim.relay.storage = storage;
    (sim, ids)
}

/// The device's tab restarts: a new core from the same storage, which
/// opens `doc` again (memory is gone, storage stays).
fn restart_client(sim: &mut Sim<OfficePolicy, TrustAll>, i: usize, doc: DocumentId) {
    let cfg = sim.clients[i].core.config().clone();
    let storage = std::mem::take(&mut sim.clients[i].storage);
    sim.clients[i] = crate::sim::Node::new(Core::new(cfg, TrustAll));
    sim.clients[i].storage = storage;
    sim.clients[i].core.open(doc);
}

/// A `sync` frame to the relay, built by hand: `changes` are raw chunks
/// (changes or a whole document), sent as they are.
fn sync_frame(
    doc: DocumentId,
    sender: &str,
    heads: Vec<automerge::ChangeHash>,
    changes: Vec<Vec<u8>>,
    version: automerge::sync::MessageVersion,
) -> Vec<u8> {
    let data = automerge::sync::Message {
        heads,
        need: Vec::new(),
        have: Vec::new(),
        changes: automerge::sync::ChunkList::from(changes),
        flags: None,
        version,
    }
    .encode();
    crate::protocol::Message::Sync {
        document_id: doc,
        sender_id: crate::protocol::PeerId::from(sender),
        target_id: crate::protocol::PeerId::from("relay"),
        data,
    }
    .encode()
}

fn open_all(sim: &mut Sim<OfficePolicy, TrustAll>, i: usize, ids: &[DocumentId]) {
    for id in ids {
        sim.clients[i].core.open(*id);
    }
    sim.run();
}

#[test]
fn two_devices_of_one_office_edit_offline_and_converge_in_either_order() {
    for first in [0usize, 1] {
        let (mut sim, ids) = world(&["LSN"]);
        let a = sim.add_client("a", device("LSN", "a"), TrustAll);
        let b = sim.add_client("b", device("LSN", "b"), TrustAll);
        for i in [a, b] {
            sim.connect(i);
            open_all(&mut sim, i, &ids);
            sim.disconnect(i);
        }
        put(&mut sim, a, ids[0], "only_a", 1);
        put(&mut sim, b, ids[0], "only_b", 2);
        put(&mut sim, a, ids[0], "both", 10);
        put(&mut sim, b, ids[0], "both", 20);
        sim.run();
        let second = 1 - first;
        sim.connect(first);
        sim.run();
        sim.connect(second);
        sim.run();
        // The first one hears about the second's edits live.
        let da = sim.clients[a].core.doc(&ids[0]).unwrap();
        let db = sim.clients[b].core.doc(&ids[0]).unwrap();
        assert_eq!(da.get_heads(), db.get_heads());
        assert_eq!(get(da, "only_a"), Some(1));
        assert_eq!(get(da, "only_b"), Some(2));
        // Both concurrent values are kept; automerge picks one winner everywhere.
        let both: Vec<_> = da.get_all(ROOT, "both").unwrap();
        assert_eq!(both.len(), 2, "the conflict keeps both values");
        assert_eq!(get(da, "both"), get(db, "both"));
        let status = sim.clients[a].core.sync_status(&ids[0]).unwrap();
        assert_eq!(status.unacknowledged, Some(0));
        assert!(status.in_sync);
    }
}

#[test]
fn acknowledged_changes_survive_a_relay_crash_mid_write() {
    let (mut sim, ids) = world(&["LSN"]);
    let a = sim.add_client("a", device("LSN", "a"), TrustAll);
    sim.connect(a);
    open_all(&mut sim, a, &ids);
    sim.relay.instant_storage = false;
    put(&mut sim, a, ids[0], "x", 1);
    sim.run();
    // The relay has the change in memory but it is not durable: it must not
    // have acknowledged it.
    let st = sim.clients[a].core.sync_status(&ids[0]).unwrap();
    assert_eq!(st.unacknowledged, Some(1));
    sim.relay.settle_storage();
    sim.run();
    let st = sim.clients[a].core.sync_status(&ids[0]).unwrap();
    assert_eq!(st.unacknowledged, Some(0), "acknowledged once durable");
    // A second change is in flight when the relay crashes.
    put(&mut sim, a, ids[0], "y", 2);
    sim.run();
    let acked = sim.clients[a].core.sync_status(&ids[0]).unwrap();
    assert_eq!(acked.unacknowledged, Some(1));
    // Crash: in-flight writes are lost, the core is rebuilt from storage.
    let storage = sim.relay.storage.clone();
    let (mut fresh, _) = world(&["LSN"]);
    fresh.relay.storage = storage;
    let fresh_core = fresh.relay.core;
    let mut loaded = crate::sim::Node::new(fresh_core);
    loaded.storage = fresh.relay.storage;
    sim.relay = loaded;
    sim.disconnect(a);
    sim.connect(a);
    sim.run();
    let relay_doc = sim.relay.core.doc(&ids[0]).unwrap();
    assert_eq!(get(relay_doc, "x"), Some(1), "acknowledged change survived");
    // The unacknowledged one was resent after reconnecting.
    assert_eq!(get(relay_doc, "y"), Some(2));
}

#[test]
fn another_offices_document_is_read_only_and_a_forced_change_is_refused() {
    let (mut sim, ids) = world(&["LSN", "CBG"]);
    let (lsn, cbg) = (ids[0], ids[1]);
    let a = sim.add_client("a", device("LSN", "a"), TrustAll);
    let b = sim.add_client("b", device("CBG", "b"), TrustAll);
    for i in [a, b] {
        sim.connect(i);
        open_all(&mut sim, i, &ids);
    }
    let before = sim.relay.core.doc(&cbg).unwrap().get_heads();
    // Device of LSN forces a change into CBG's document.
    put(&mut sim, a, cbg, "hijack", 1);
    put(&mut sim, a, lsn, "own", 7);
    sim.run();
    assert_eq!(sim.relay.core.doc(&cbg).unwrap().get_heads(), before);
    assert!(sim.clients[a].events.iter().any(|e| matches!(e,
        Event::Rejected { doc, rejection, .. } if *doc == cbg && rejection.code == RejectCode::NotWritable
            && rejection.message_vi.contains("chỉ được xem"))));
    // The same connection still syncs LSN's own document, and B never sees the hijack.
    assert_eq!(get(sim.relay.core.doc(&lsn).unwrap(), "own"), Some(7));
    assert_eq!(get(sim.clients[b].core.doc(&lsn).unwrap(), "own"), Some(7));
    assert_eq!(get(sim.clients[b].core.doc(&cbg).unwrap(), "hijack"), None);
    assert!(sim.is_online(a));
    // Later edits on LSN's document keep flowing on that connection.
    put(&mut sim, a, lsn, "own", 8);
    sim.run();
    assert_eq!(get(sim.clients[b].core.doc(&lsn).unwrap(), "own"), Some(8));
    // Rebuilding sets the refused edit aside as a draft and returns to the relay's state.
    let draft = sim.clients[a]
        .core
        .rebuild_from_relay(&cbg)
        .expect("a draft");
    sim.run();
    assert_eq!(get(sim.clients[a].core.doc(&cbg).unwrap(), "hijack"), None);
    assert!(sim.clients[a].storage.chunks.contains_key(&draft.key));
    assert!(sim.clients[a].core.sync_status(&cbg).unwrap().in_sync);
    // And CBG's own edits reach A again.
    put(&mut sim, b, cbg, "cbg", 3);
    sim.run();
    assert_eq!(get(sim.clients[a].core.doc(&cbg).unwrap(), "cbg"), Some(3));
}

#[test]
fn a_rebuild_waits_for_the_relays_changes_and_loses_nothing_accepted() {
    let (mut sim, ids) = world(&["LSN"]);
    let doc = ids[0];
    let a = sim.add_client("a", device("LSN", "a"), TrustAll);
    let b = sim.add_client("b", device("LSN", "b"), TrustAll);
    for i in [a, b] {
        sim.connect(i);
        open_all(&mut sim, i, &ids);
    }
    put(&mut sim, a, doc, "kept", 1);
    sim.run();
    // B's change reaches the relay but is not durable yet, so A cannot have
    // it when A's refused change arrives: the notice names heads A lacks.
    sim.relay.instant_storage = false;
    put(&mut sim, b, doc, "from_b", 2);
    sim.run();
    put(&mut sim, a, doc, "score", 150);
    sim.run();
    assert!(sim.clients[a].events.iter().any(|e| matches!(e,
        Event::Rejected { rejection, .. } if rejection.code == RejectCode::SchemaViolation)));
    // The app rebuilds on a refusal: with a partial base it would drop
    // accepted changes, so it waits.
    assert!(sim.clients[a].core.rebuild_from_relay(&doc).is_none());
    assert_eq!(
        get(sim.clients[a].core.doc(&doc).unwrap(), "score"),
        Some(150)
    );
    // B's change becomes durable and reaches A: the rebuild happens by itself.
    sim.relay.settle_storage();
    sim.relay.instant_storage = true;
    sim.run();
    let da = sim.clients[a].core.doc(&doc).unwrap();
    assert_eq!(get(da, "kept"), Some(1));
    assert_eq!(get(da, "from_b"), Some(2));
    assert_eq!(get(da, "score"), None, "the refused change is set aside");
    assert_eq!(sim.clients[a].core.drafts(&doc).len(), 1);
    assert!(sim.clients[a].core.sync_status(&doc).unwrap().in_sync);
    // A's storage loads to exactly that state: nothing accepted deleted,
    // nothing refused left behind.
    let stored: Vec<Chunk> = sim.clients[a]
        .storage
        .load(&doc)
        .into_iter()
        .filter(|c| c.key.kind != crate::storage::ChunkKind::Draft)
        .collect();
    let on_disk = crate::storage::merge_chunks(stored).doc;
    assert_eq!(on_disk.get_heads(), da.get_heads());
}

/// Found by the chaos simulation (`sim::chaos`, seed 20): while a device's
/// rebuild waits for the changes the relay had accepted when it refused, the
/// relay accepts more changes from other devices and sends them with those.
/// They are accepted changes: they must not end up in the draft of refused
/// edits (shown to the user as theirs) nor be dropped from the rebuilt copy.
#[test]
fn changes_the_relay_accepted_while_a_rebuild_waited_are_not_drafts() {
    let (mut sim, ids) = world(&["LSN"]);
    let doc = ids[0];
    let a = sim.add_client("a", device("LSN", "a"), TrustAll);
    let b = sim.add_client("b", device("LSN", "b"), TrustAll);
    for i in [a, b] {
        sim.connect(i);
        open_all(&mut sim, i, &ids);
    }
    // An accepted change of A's first, so that A has no sync message in
    // flight when its refused change goes out: otherwise the refused change
    // could wait for the relay's answer, which waits for storage, and the
    // refusal would come only after B's change is durable (about 1 run in
    // 30 before, depending on the random author ids).
    put(&mut sim, a, doc, "kept", 1);
    sim.run();
    // B's change is on the relay, not durable yet: A's rebuild must wait for it.
    sim.relay.instant_storage = false;
    put(&mut sim, b, doc, "from_b", 2);
    sim.run();
    put(&mut sim, a, doc, "score", 150);
    sim.run();
    assert!(
        sim.clients[a]
            .events
            .iter()
            .any(|e| matches!(e, Event::Rejected { .. })),
        "A's change was judged while B's was not durable"
    );
    // The app rebuilds on a refusal; this one waits.
    assert!(sim.clients[a].core.rebuild_from_relay(&doc).is_none());
    // Meanwhile the relay accepts another change of B's.
    put(&mut sim, b, doc, "later", 3);
    sim.run();
    let later = sim.clients[b].core.doc(&doc).unwrap().get_heads();
    sim.relay.settle_storage();
    sim.relay.instant_storage = true;
    sim.run();
    let drafts = sim.clients[a].core.drafts(&doc);
    assert_eq!(drafts.len(), 1);
    let refused = crate::sim::ledger::draft_changes(&drafts[0].bytes);
    assert_eq!(refused.len(), 1, "only the refused score is a draft");
    assert!(
        !refused.contains(&later[0]),
        "B's accepted change is no draft"
    );
    let da = sim.clients[a].core.doc(&doc).unwrap();
    assert_eq!(get(da, "later"), Some(3));
    assert_eq!(get(da, "score"), None);
    assert_same_heads(&sim, a, doc);
}

/// Found by the chaos simulation (`sim::chaos`, seed 37 with draft writes
/// failing): a rebuild stores the draft, then the snapshot, and deletes the
/// old chunks once the snapshot is durable. A draft write that failed was
/// not retried and did not hold the deletion back, so a restart lost the
/// refused edit the user was promised as a draft. Drafts are now tracked
/// writes, retried like any other, and the snapshot waits for them.
#[test]
fn a_draft_whose_write_failed_survives_a_restart() {
    let (mut sim, ids) = world(&["LSN"]);
    let doc = ids[0];
    let a = sim.add_client("a", device("LSN", "a"), TrustAll);
    sim.connect(a);
    open_all(&mut sim, a, &ids);
    put(&mut sim, a, doc, "score", 150);
    sim.run();
    // The rebuild's writes wait; the draft's fails, the snapshot's lands.
    sim.clients[a].instant_storage = false;
    let draft = sim.clients[a]
        .core
        .rebuild_from_relay(&doc)
        .expect("a draft");
    sim.clients[a].pump();
    let i = sim.clients[a]
        .in_flight
        .iter()
        .position(|c| c.key == draft.key)
        .expect("the draft is being written");
    let failed = sim.clients[a].in_flight.remove(i).unwrap();
    sim.clients[a].core.handle(Input::Stored {
        key: failed.key,
        result: Err("quota exceeded".into()),
    });
    sim.clients[a].settle_storage();
    // The app retries failed writes a few seconds later.
    sim.clients[a].core.retry_storage();
    sim.clients[a].pump();
    sim.clients[a].settle_storage();
    sim.run();
    // The tab restarts from its storage: the refused edit is still a draft.
    restart_client(&mut sim, a, doc);
    sim.run();
    assert_eq!(
        sim.clients[a].core.drafts(&doc).len(),
        1,
        "the refused edit is kept"
    );
}

/// Found by the chaos simulation (`sim::chaos`, seed 3788): a rebuild kept
/// the document's author id, so the next local edit reused the sequence
/// number of the refused one. The old chunks holding the refused change stay
/// on disk until the rebuilt snapshot is durable (for good if its write
/// fails, or when the tab dies before they are deleted): the next load then
/// holds two changes with one sequence number, refuses the later chunks,
/// and the edits made after the rebuild are gone from the device.
#[test]
fn edits_after_a_rebuild_load_beside_the_old_chunks() {
    let (mut sim, ids) = world(&["LSN"]);
    let doc = ids[0];
    let a = sim.add_client("a", device("LSN", "a"), TrustAll);
    sim.connect(a);
    open_all(&mut sim, a, &ids);
    put(&mut sim, a, doc, "score", 150);
    sim.run();
    let old_chunks = sim.clients[a].storage.chunks.clone();
    sim.clients[a]
        .core
        .rebuild_from_relay(&doc)
        .expect("a draft");
    sim.run();
    put(&mut sim, a, doc, "after", 1);
    sim.run();
    // The old chunks are still there (their deletion did not happen).
    sim.clients[a].storage.chunks.extend(old_chunks);
    restart_client(&mut sim, a, doc);
    sim.run();
    assert!(
        !sim.clients[a]
            .events
            .iter()
            .any(|e| matches!(e, Event::StorageProblem { .. })),
        "{:?}",
        sim.clients[a].events
    );
    assert_eq!(
        get(sim.clients[a].core.doc(&doc).unwrap(), "after"),
        Some(1)
    );
}

#[test]
fn a_change_the_relay_only_seems_to_have_is_asked_for_and_arrives() {
    // automerge's bloom filter wrongly says the other side has a change
    // about once in a hundred changes. A device that believes the relay has
    // its first offline edit sends only the second, which then waits on the
    // relay for the first (a filter over the same changes errs the same way
    // every time): the relay must ask for it by hash, or the two
    // would talk forever and the edits never arrive.
    let (mut sim, ids) = world(&["LSN"]);
    let doc = ids[0];
    let a = sim.add_client("a", device("LSN", "a"), TrustAll);
    sim.connect(a);
    open_all(&mut sim, a, &ids);
    sim.disconnect(a);
    put(&mut sim, a, doc, "first", 1);
    let first = sim.clients[a].core.doc(&doc).unwrap().get_heads()[0];
    put(&mut sim, a, doc, "second", 2);
    let mut relay_has: Vec<ChangeHash> = sim
        .relay
        .core
        .doc(&doc)
        .unwrap()
        .get_changes(&[])
        .iter()
        .map(|c| c.hash())
        .collect();
    relay_has.push(first);
    let forged = std::rc::Rc::new(std::cell::Cell::new(false));
    let done = forged.clone();
    sim.tamper_from_relay = Some(Box::new(move |bytes: &mut Vec<u8>| {
        let Ok(Message::Sync {
            document_id,
            sender_id,
            target_id,
            data,
        }) = Message::decode(bytes)
        else {
            return;
        };
        let mut m = sync::Message::decode(&data).unwrap();
        if m.have.is_empty() {
            return;
        }
        // The same relay changes make the same filter: the false positive
        // repeats in every message.
        m.have[0].bloom = sync::BloomFilter::from_hashes(relay_has.iter());
        done.set(true);
        *bytes = Message::Sync {
            document_id,
            sender_id,
            target_id,
            data: m.encode(),
        }
        .encode();
    }));
    sim.connect(a);
    sim.run();
    assert!(
        forged.get(),
        "the relay's bloom filter was made to claim the first edit"
    );
    let relay = sim.relay.core.doc(&doc).unwrap();
    assert_eq!(get(relay, "first"), Some(1));
    assert_eq!(get(relay, "second"), Some(2));
    let st = sim.clients[a].core.sync_status(&doc).unwrap();
    assert!(st.in_sync && st.unacknowledged == Some(0), "{st:?}");
}

#[test]
fn a_schema_breaking_change_is_refused_and_nothing_is_stored() {
    let (mut sim, ids) = world(&["LSN"]);
    let a = sim.add_client("a", device("LSN", "a"), TrustAll);
    sim.connect(a);
    open_all(&mut sim, a, &ids);
    let chunks_before = sim.relay.storage.chunks.clone();
    put(&mut sim, a, ids[0], "score", 150);
    sim.run();
    assert_eq!(sim.relay.storage.chunks, chunks_before);
    assert_eq!(get(sim.relay.core.doc(&ids[0]).unwrap(), "score"), None);
    let rejection = sim.clients[a]
        .events
        .iter()
        .find_map(|e| match e {
            Event::Rejected { rejection, .. } => Some(rejection.clone()),
            _ => None,
        })
        .expect("client told why");
    assert_eq!(rejection.code, RejectCode::SchemaViolation);
    assert!(rejection.message_vi.contains("vượt quá tối đa 100"));
    // The client still has its edit locally (nothing lost).
    assert_eq!(
        get(sim.clients[a].core.doc(&ids[0]).unwrap(), "score"),
        Some(150)
    );
}

#[test]
fn the_same_validation_runs_before_a_local_commit() {
    // A client core with the office policy refuses the edit itself.
    let (mut sim, ids) = world(&["LSN"]);
    let policy = sim.relay.core.policy().clone();
    let mut cfg = Config::new(PeerId::from("c"), Role::Client);
    cfg.storage_id = None;
    let mut core = Core::new(cfg, policy);
    core.open(ids[0]);
    let chunks = sim.relay.storage.load(&ids[0]);
    while core.poll().is_some() {}
    core.handle(Input::Loaded {
        doc: ids[0],
        chunks: Ok(chunks),
    });
    let me = device("LSN", "c");
    let err = core
        .change::<automerge::AutomergeError, _>(&ids[0], Some(&me), CommitMeta::default(), |tx| {
            tx.put(ROOT, "score", 101)?;
            Ok(())
        })
        .unwrap_err();
    assert!(
        matches!(err, ChangeError::Invalid(ref v) if v[0].code == ViolationCode::ScoreAboveMaximum)
    );
    assert_eq!(get(core.doc(&ids[0]).unwrap(), "score"), None);
    let other = device("CBG", "x");
    let err = core
        .change::<automerge::AutomergeError, _>(
            &ids[0],
            Some(&other),
            CommitMeta::default(),
            |tx| {
                tx.put(ROOT, "score", 1)?;
                Ok(())
            },
        )
        .unwrap_err();
    assert!(matches!(err, ChangeError::NotWritable(_)));
    sim.run();
}

#[test]
fn bad_frames_get_a_clear_error_and_do_not_disturb_others() {
    let (mut sim, ids) = world(&["LSN"]);
    let a = sim.add_client("a", device("LSN", "a"), TrustAll);
    let b = sim.add_client("b", device("LSN", "b"), TrustAll);
    for i in [a, b] {
        sim.connect(i);
        open_all(&mut sim, i, &ids);
    }
    sim.inject_to_relay(a, vec![0xff, 0x00, 0x01]);
    sim.run();
    assert!(!sim.is_online(a));
    assert!(sim.clients[a].events.iter().any(|e| matches!(e,
        Event::ProtocolError { code, message, .. } if code == "malformed-message" && message.contains("CBOR"))));
    put(&mut sim, b, ids[0], "still", 1);
    sim.run();
    assert_eq!(get(sim.relay.core.doc(&ids[0]).unwrap(), "still"), Some(1));
}

#[test]
fn a_document_outside_the_cluster_is_unavailable_with_a_reason() {
    let (mut sim, ids) = world(&["LSN"]);
    let a = sim.add_client("a", device("LSN", "a"), TrustAll);
    sim.connect(a);
    open_all(&mut sim, a, &ids);
    let stranger = doc_id(99);
    sim.clients[a].core.open(stranger);
    sim.run();
    assert!(sim.clients[a].events.iter().any(|e| matches!(e,
        Event::DocUnavailable { doc } if *doc == stranger)));
    assert!(sim.clients[a].events.iter().any(|e| matches!(e,
        Event::Rejected { doc, rejection, .. } if *doc == stranger && rejection.code == RejectCode::NotInCluster)));
    assert!(sim.is_online(a));
}

#[test]
fn compaction_keeps_every_change_and_deletes_only_what_it_merged() {
    let (mut sim, ids) = world(&["LSN"]);
    let a = sim.add_client("a", device("LSN", "a"), TrustAll);
    sim.connect(a);
    open_all(&mut sim, a, &ids);
    for n in 0..100 {
        put(&mut sim, a, ids[0], &format!("k{n}"), n);
        sim.run();
    }
    let relay_chunks = sim.relay.storage.load(&ids[0]);
    assert!(
        relay_chunks.len() < 40,
        "compacted: {} chunks",
        relay_chunks.len()
    );
    let merged = crate::storage::merge_chunks(relay_chunks);
    for n in 0..100 {
        assert_eq!(get(&merged.doc, &format!("k{n}")), Some(n));
    }
    let client_chunks = sim.clients[a].storage.load(&ids[0]);
    assert!(client_chunks.len() < 40);
    let merged = crate::storage::merge_chunks(client_chunks);
    assert_eq!(get(&merged.doc, "k99"), Some(99));
}

#[test]
fn eight_offices_two_devices_each_converge_on_random_schedules() {
    let offices = ["LSN", "CBG", "TQG", "LCI", "TNN", "PTO", "SLA", "DBN"];
    for seed in seeds(1..=40) {
        let _replay = ReplayOnPanic {
            seed,
            test: "core::tests::eight_offices_two_devices_each_converge_on_random_schedules",
        };
        let (mut sim, ids) = world(&offices);
        let mut rng = SeededRng::new(seed);
        let mut devices = Vec::new();
        for (n, o) in offices.iter().enumerate() {
            for d in 0..2 {
                let i = sim.add_client(&format!("{o}-{d}"), device(o, &format!("{d}")), TrustAll);
                devices.push((i, ids[n]));
                sim.connect(i);
                open_all(&mut sim, i, &ids);
            }
        }
        let mut expected: BTreeMap<(DocumentId, String), usize> = BTreeMap::new();
        // Relay writes complete late, in batches, as on a real disk.
        sim.relay.instant_storage = false;
        for step in 0..200 {
            if rng.below(3) == 0 {
                sim.relay.settle_storage();
            }
            let (i, own) = devices[rng.below(devices.len() as u64) as usize];
            match rng.below(4) {
                0 => sim.disconnect(i),
                1 => sim.connect(i),
                _ => {
                    let key = format!("s{step}");
                    put(&mut sim, i, own, &key, step);
                    expected.insert((own, key), i);
                }
            }
            if rng.below(3) == 0 {
                sim.run();
            }
        }
        for (i, _) in &devices {
            sim.connect(*i);
        }
        sim.run();
        for _ in 0..50 {
            sim.relay.settle_storage();
            sim.run();
        }
        for (i, _) in &devices {
            for id in &ids {
                let st = sim.clients[*i].core.sync_status(id).unwrap();
                assert!(
                    st.in_sync && st.unacknowledged == Some(0),
                    "seed {seed}: device {i} {id}: {st:?} {:?}",
                    sim.clients[*i].core.describe_sync(id)
                );
            }
        }
        for id in &ids {
            let relay_heads = sim.relay.core.doc(id).unwrap().get_heads();
            for (i, _) in &devices {
                let heads = sim.clients[*i].core.doc(id).unwrap().get_heads();
                assert_eq!(
                    heads, relay_heads,
                    "seed {seed}: device {i} differs on {id}"
                );
            }
        }
        let relay = &sim.relay;
        for (doc, key) in expected.keys() {
            assert!(
                get(relay.core.doc(doc).unwrap(), key).is_some(),
                "seed {seed}: edit {key} lost"
            );
        }
        assert!(
            relay
                .events
                .iter()
                .all(|e| !matches!(e, Event::Rejected { .. })),
            "seed {seed}: no legitimate edit may be refused"
        );
    }
}

/// Client `i` reconnects; returns the bytes on the wire until it settles.
fn reconnect_bytes(sim: &mut Sim<OfficePolicy, TrustAll>, i: usize) -> u64 {
    let before = sim.bytes_to_relay + sim.bytes_from_relay;
    sim.connect(i);
    sim.run();
    sim.bytes_to_relay + sim.bytes_from_relay - before
}

fn sync_state_chunks(storage: &MemoryStorage) -> Vec<ChunkKey> {
    storage
        .chunks
        .keys()
        .filter(|k| k.kind == ChunkKind::SyncState)
        .cloned()
        .collect()
}

fn assert_same_heads(sim: &Sim<OfficePolicy, TrustAll>, i: usize, doc: DocumentId) {
    let status = sim.clients[i].core.sync_status(&doc).unwrap();
    assert!(status.in_sync, "{status:?}");
    assert_eq!(status.unacknowledged, Some(0));
    assert_eq!(
        sim.clients[i].core.doc(&doc).unwrap().get_heads(),
        sim.relay.core.doc(&doc).unwrap().get_heads()
    );
}

#[test]
fn saved_sync_states_make_a_reconnect_after_a_relay_restart_cheap() {
    let (mut sim, ids) = world(&["LSN"]);
    let a = sim.add_client("a", device("LSN", "a"), TrustAll);
    sim.connect(a);
    open_all(&mut sim, a, &ids);
    for n in 0..1000 {
        put(&mut sim, a, ids[0], &format!("k{}", n % 50), n);
        if n % 100 == 0 {
            sim.run();
        }
    }
    sim.run();
    sim.disconnect(a);
    sim.run();
    assert!(
        !sync_state_chunks(&sim.relay.storage).is_empty(),
        "the relay saved a's state"
    );
    assert!(
        !sync_state_chunks(&sim.clients[a].storage).is_empty(),
        "a saved the relay's state"
    );

    // Nothing changed on either side; the relay restarted meanwhile.
    sim.restart_relay();
    let with_states = reconnect_bytes(&mut sim, a);
    assert_same_heads(&sim, a, ids[0]);

    // The same without saved states: a blank Bloom exchange over 1,000 changes.
    sim.disconnect(a);
    sim.run();
    for key in sync_state_chunks(&sim.relay.storage) {
        sim.relay.storage.chunks.remove(&key);
    }
    sim.restart_relay();
    // The client's own saved state is dropped by a restart of its core too.
    for key in sync_state_chunks(&sim.clients[a].storage) {
        sim.clients[a].storage.chunks.remove(&key);
    }
    restart_client(&mut sim, a, ids[0]);
    sim.run();
    let blank = reconnect_bytes(&mut sim, a);
    assert_same_heads(&sim, a, ids[0]);
    eprintln!(
        "up to date after a relay restart: {with_states} bytes with saved states, {blank} without"
    );
    assert!(
        with_states < 1024 && with_states * 3 < blank,
        "up to date: {with_states} bytes with saved states, {blank} without"
    );
}

#[test]
fn a_stale_or_lost_sync_state_still_converges() {
    let (mut sim, ids) = world(&["LSN"]);
    let a = sim.add_client("a", device("LSN", "a"), TrustAll);
    let b = sim.add_client("b", device("LSN", "b"), TrustAll);
    for i in [a, b] {
        sim.connect(i);
        open_all(&mut sim, i, &ids);
    }
    put(&mut sim, a, ids[0], "first", 1);
    sim.run();
    sim.disconnect(a);
    sim.run();
    // The relay's state for a as of now, kept aside.
    let old: Vec<(ChunkKey, Vec<u8>)> = sim
        .relay
        .storage
        .chunks
        .iter()
        .filter(|(k, _)| k.kind == ChunkKind::SyncState)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert!(!old.is_empty());
    sim.connect(a);
    put(&mut sim, a, ids[0], "second", 2);
    put(&mut sim, b, ids[0], "from_b", 3);
    sim.run();
    sim.disconnect(a);
    sim.run();
    // The relay comes back from a backup of its sync states that is older
    // than what a remembers, and a made more changes offline.
    for key in sync_state_chunks(&sim.relay.storage) {
        sim.relay.storage.chunks.remove(&key);
    }
    sim.relay.storage.chunks.extend(old);
    sim.restart_relay();
    put(&mut sim, a, ids[0], "offline", 4);
    put(&mut sim, b, ids[0], "meanwhile", 5);
    sim.connect(b);
    sim.connect(a);
    sim.run();
    for i in [a, b] {
        assert_same_heads(&sim, i, ids[0]);
    }
    let relay = sim.relay.core.doc(&ids[0]).unwrap();
    for (key, v) in [
        ("first", 1),
        ("second", 2),
        ("from_b", 3),
        ("offline", 4),
        ("meanwhile", 5),
    ] {
        assert_eq!(get(relay, key), Some(v), "{key}");
    }

    // a loses its saved state (storage cleared of it): still converges.
    sim.disconnect(a);
    sim.run();
    for key in sync_state_chunks(&sim.clients[a].storage) {
        sim.clients[a].storage.chunks.remove(&key);
    }
    restart_client(&mut sim, a, ids[0]);
    put(&mut sim, b, ids[0], "later", 6);
    sim.run();
    sim.connect(a);
    sim.run();
    assert_same_heads(&sim, a, ids[0]);
    assert_eq!(
        get(sim.clients[a].core.doc(&ids[0]).unwrap(), "later"),
        Some(6)
    );
}

#[test]
fn a_relay_restored_from_an_older_backup_gets_back_what_devices_hold() {
    let (mut sim, ids) = world(&["LSN"]);
    let a = sim.add_client("a", device("LSN", "a"), TrustAll);
    sim.connect(a);
    open_all(&mut sim, a, &ids);
    put(&mut sim, a, ids[0], "early", 1);
    sim.run();
    sim.disconnect(a);
    sim.run();
    let backup = sim.relay.storage.clone();
    sim.connect(a);
    put(&mut sim, a, ids[0], "late", 2);
    sim.run();
    sim.disconnect(a);
    sim.run();
    // a's saved state names "late" as shared; the relay no longer has it.
    sim.relay.storage = backup;
    sim.restart_relay();
    sim.connect(a);
    sim.run();
    assert_same_heads(&sim, a, ids[0]);
    assert_eq!(get(sim.relay.core.doc(&ids[0]).unwrap(), "late"), Some(2));
}

/// Group commit: while a document's write is under way, the changes that
/// arrive meanwhile wait and go to storage together in one chunk when it
/// answers; none of them is acknowledged before that chunk is durable.
#[test]
fn changes_arriving_during_a_write_are_stored_together_and_acknowledged_after() {
    let (mut sim, ids) = world(&["LSN"]);
    let a = sim.add_client("a", device("LSN", "a"), TrustAll);
    sim.connect(a);
    open_all(&mut sim, a, &ids);
    sim.relay.instant_storage = false;
    put(&mut sim, a, ids[0], "first", 1);
    sim.run();
    assert_eq!(sim.relay.in_flight.len(), 1, "the first change's write");
    for n in 0..5 {
        put(&mut sim, a, ids[0], &format!("k{n}"), n);
        sim.run();
    }
    assert_eq!(
        sim.relay.in_flight.len(),
        1,
        "later changes wait for the write under way"
    );
    let st = sim.clients[a].core.sync_status(&ids[0]).unwrap();
    assert_eq!(
        st.unacknowledged,
        Some(6),
        "nothing acknowledged before durable"
    );
    // The first write answers: the five waiting changes go in one chunk.
    let first = sim.relay.in_flight.pop_front().unwrap();
    sim.relay
        .storage
        .chunks
        .insert(first.key.clone(), first.bytes);
    sim.relay.core.handle(Input::Stored {
        key: first.key,
        result: Ok(()),
    });
    sim.relay.pump();
    assert_eq!(sim.relay.in_flight.len(), 1, "one write for the five");
    let mut stored = automerge::Automerge::new();
    for c in sim.relay.storage.load(&ids[0]) {
        stored.load_incremental(&c.bytes).unwrap();
    }
    let before = stored.get_changes(&[]).len();
    stored
        .load_incremental(&sim.relay.in_flight[0].bytes)
        .unwrap();
    assert_eq!(stored.get_changes(&[]).len(), before + 5);
    sim.run();
    let st = sim.clients[a].core.sync_status(&ids[0]).unwrap();
    assert_eq!(st.unacknowledged, Some(6), "the five are not durable yet");
    sim.relay.settle_storage();
    sim.run();
    let st = sim.clients[a].core.sync_status(&ids[0]).unwrap();
    assert_eq!(st.unacknowledged, Some(0));
    // Everything is on the relay's storage.
    let mut on_disk = automerge::Automerge::new();
    for c in sim.relay.storage.load(&ids[0]) {
        on_disk.load_incremental(&c.bytes).unwrap();
    }
    assert_eq!(get(&on_disk, "k4"), Some(4));
    assert_eq!(get(&on_disk, "first"), Some(1));
}

/// automerge peers resend changes they believe the other side lacks (after
/// a Bloom filter's false positive, or with a fresh sync state): a device
/// of another office echoing changes of LSN's document that the relay
/// already has is not writing anything, and is not refused; a change the
/// relay does not have is still refused, and nothing of it is applied.
#[test]
fn a_reader_echoing_changes_the_relay_has_is_not_refused() {
    let (mut sim, ids) = world(&["LSN", "CBG"]);
    let lsn = ids[0];
    let a = sim.add_client("a", device("LSN", "a"), TrustAll);
    let b = sim.add_client("b", device("CBG", "b"), TrustAll);
    for i in [a, b] {
        sim.connect(i);
        open_all(&mut sim, i, &ids);
    }
    put(&mut sim, a, lsn, "own", 7);
    sim.run();
    let relay_doc = sim.relay.core.doc(&lsn).unwrap().clone();
    let frame = |changes, heads| {
        sync_frame(
            lsn,
            "b",
            heads,
            changes,
            automerge::sync::MessageVersion::V1,
        )
    };
    // Every change of the document, sent back by the reader.
    let known: Vec<Vec<u8>> = relay_doc
        .get_changes(&[])
        .iter()
        .map(|c| c.raw_bytes().to_vec())
        .collect();
    sim.inject_to_relay(b, frame(known, relay_doc.get_heads()));
    sim.run();
    let refused = |sim: &Sim<OfficePolicy, TrustAll>| {
        sim.clients[b]
            .events
            .iter()
            .filter(|e| matches!(e, Event::Rejected { doc, .. } if *doc == lsn))
            .count()
    };
    assert_eq!(refused(&sim), 0, "an echo of known changes is not a write");
    assert_eq!(
        sim.relay.core.doc(&lsn).unwrap().get_heads(),
        relay_doc.get_heads()
    );
    // A change the relay does not have, from the same reader: refused.
    let mut fork = relay_doc.fork();
    fork.set_actor(automerge::ActorId::from(b"reader".as_slice()));
    let mut tx = fork.transaction();
    tx.put(ROOT, "own", 99).unwrap();
    tx.commit();
    let forged = fork.get_last_local_change().unwrap().raw_bytes().to_vec();
    sim.inject_to_relay(b, frame(vec![forged], fork.get_heads()));
    sim.run();
    assert_eq!(refused(&sim), 1, "a new change from a reader is refused");
    assert_eq!(get(sim.relay.core.doc(&lsn).unwrap(), "own"), Some(7));
}

/// A device back after many offline edits may send its whole document,
/// compressed (automerge does when it believes the relay lacks a third of
/// the changes). The relay checks the new changes in it, commits them once
/// (the document takes them from the checked copy instead of reading the
/// whole document a second time), stores them durably, and refuses the
/// whole message if one of them breaks a rule.
#[test]
fn a_whole_document_from_a_device_is_checked_and_committed_once() {
    let (mut sim, ids) = world(&["LSN"]);
    let doc = ids[0];
    let a = sim.add_client("a", device("LSN", "a"), TrustAll);
    sim.connect(a);
    open_all(&mut sim, a, &ids);
    let whole = |d: &Automerge| {
        let version = automerge::sync::MessageVersion::V2;
        sync_frame(doc, "a", d.get_heads(), vec![d.save()], version)
    };
    let mut offline = sim.relay.core.doc(&doc).unwrap().fork();
    let edit = |d: &mut Automerge, key: &str, v: i64| {
        let mut tx = d.transaction();
        tx.put(ROOT, key, v).unwrap();
        tx.commit();
    };
    for n in 0..30 {
        edit(&mut offline, &format!("k{n}"), n);
    }
    sim.inject_to_relay(a, whole(&offline));
    sim.run();
    assert_eq!(
        sim.relay.core.doc(&doc).unwrap().get_heads(),
        offline.get_heads()
    );
    sim.restart_relay();
    sim.connect(a);
    sim.run();
    let relay = sim.relay.core.doc(&doc).unwrap();
    assert_eq!(
        relay.get_heads(),
        offline.get_heads(),
        "durable across a restart"
    );
    assert_eq!(get(relay, "k29"), Some(29));

    // Again, with one change among them that breaks the rule.
    let accepted = offline.get_heads();
    for n in 30..60 {
        edit(&mut offline, &format!("k{n}"), n);
    }
    edit(&mut offline, "score", 150);
    sim.inject_to_relay(a, whole(&offline));
    sim.run();
    assert!(sim.clients[a].events.iter().any(|e| matches!(e,
        Event::Rejected { rejection, .. } if rejection.code == RejectCode::SchemaViolation)));
    let relay = sim.relay.core.doc(&doc).unwrap();
    assert_eq!(relay.get_heads(), accepted);
    assert_eq!(get(relay, "score"), None);
    assert_eq!(get(relay, "k30"), None);
}

/// Whether a frame from the relay carries a whole document (a chunk of
/// automerge's document type) in its sync message.
fn carries_whole_document(bytes: &[u8]) -> bool {
    let Ok(crate::protocol::Message::Sync { data, .. }) = crate::protocol::Message::decode(bytes)
    else {
        return false;
    };
    let Ok(msg) = automerge::sync::Message::decode(&data) else {
        return false;
    };
    // A chunk: magic (4 bytes), checksum (4), type (0: a document).
    msg.changes.iter().any(|c| c.get(8) == Some(&0))
}

/// automerge sends the whole document to a peer that lacks a third of its
/// changes. A device in sync on its connection gets the changes of another
/// device's burst of edits instead (rebuilding a whole document for a few
/// changes is what made the relay and the devices slow); a device that
/// connects after being away, or for the first time, still gets the whole
/// document, compressed, which costs its link the fewest bytes.
#[test]
fn a_device_in_sync_gets_changes_and_a_device_far_behind_the_whole_document() {
    use std::cell::Cell;
    use std::rc::Rc;

    let (mut sim, ids) = world(&["LSN"]);
    let doc = ids[0];
    let a = sim.add_client("a", device("LSN", "a"), TrustAll);
    let b = sim.add_client("b", device("LSN", "b"), TrustAll);
    for i in [a, b] {
        sim.connect(i);
        open_all(&mut sim, i, &ids);
    }
    let whole = Rc::new(Cell::new(0));
    let seen = whole.clone();
    sim.tamper_from_relay = Some(Box::new(move |bytes: &mut Vec<u8>| {
        if carries_whole_document(bytes) {
            seen.set(seen.get() + 1);
        }
    }));

    // A burst from b, held by the relay until it is durable, then sent to a
    // at once: 30 changes of a document of 31.
    sim.relay.instant_storage = false;
    for n in 0..30 {
        put(&mut sim, b, doc, &format!("k{n}"), n);
    }
    sim.run();
    sim.relay.settle_storage();
    sim.run();
    sim.relay.instant_storage = true;
    sim.run();
    assert_eq!(get(sim.clients[a].core.doc(&doc).unwrap(), "k29"), Some(29));
    assert_eq!(whole.get(), 0, "a device in sync got the changes");

    // a is away while b makes 60 more; back, it lacks two thirds.
    sim.disconnect(a);
    for n in 30..90 {
        put(&mut sim, b, doc, &format!("k{n}"), n);
        sim.run();
    }
    sim.connect(a);
    sim.run();
    assert_eq!(get(sim.clients[a].core.doc(&doc).unwrap(), "k89"), Some(89));
    assert_eq!(
        whole.get(),
        1,
        "a device back after a while got the whole document"
    );

    // A new device gets the whole document.
    let c = sim.add_client("c", device("LSN", "c"), TrustAll);
    sim.connect(c);
    open_all(&mut sim, c, &ids);
    assert_eq!(get(sim.clients[c].core.doc(&doc).unwrap(), "k89"), Some(89));
    assert_eq!(whole.get(), 2);
}

/// Another writer of the same storage (another relay of the database,
/// another tab) writes a chunk while this core loads the document: its
/// load may have read the storage before that chunk was there, so the chunk
/// announced meanwhile must be merged once the document is ready.
#[test]
fn a_chunk_another_writer_announces_while_the_document_loads_is_not_lost() {
    let id = doc_id(7);
    let mut base = Automerge::new();
    let mut tx = base.transaction();
    tx.put(ROOT, "score", 1).unwrap();
    tx.commit();
    let snapshot = Chunk::new(id, ChunkKind::Snapshot, base.save());
    let mut other = base.fork();
    let mut tx = other.transaction();
    tx.put(ROOT, "note", 2).unwrap();
    tx.commit();
    let newer = Chunk::new(
        id,
        ChunkKind::Incremental,
        other.save_after(&base.get_heads()),
    );
    let mut core = Core::new(
        Config::new(PeerId::from("relay"), Role::Relay),
        OfficePolicy::default(),
    );
    core.load(id);
    assert!(matches!(core.poll(), Some(Action::Load { doc }) if doc == id));
    core.handle(Input::ExternalChunks {
        doc: id,
        chunks: vec![newer],
    });
    // The load answers with what the storage held when it was read.
    core.handle(Input::Loaded {
        doc: id,
        chunks: Ok(vec![snapshot]),
    });
    let doc = core.doc(&id).expect("ready");
    assert_eq!(get(doc, "note"), Some(2));
    assert_eq!(doc.get_heads(), other.get_heads());
}

/// A device's change waits in the gate's scratch copy for its dependency
/// while another writer of the storage (another relay of the database)
/// announces a chunk whose change also waits for one. When the device's
/// dependency arrives, the document must keep the other writer's waiting
/// change (the scratch copy did not hold it): once its own dependency
/// arrives, both are there.
#[test]
fn a_waiting_change_from_another_writer_survives_a_device_completing_its_own() {
    let (mut sim, ids) = world(&["LSN"]);
    let doc = ids[0];
    let a = sim.add_client("a", device("LSN", "a"), TrustAll);
    sim.connect(a);
    open_all(&mut sim, a, &ids);
    sim.run();
    let base = sim.relay.core.doc(&doc).unwrap().fork();
    let chain = |actor: &str, keys: [&str; 2]| {
        let mut d = base.fork();
        d.set_actor(automerge::ActorId::from(actor.as_bytes()));
        for (n, k) in keys.iter().enumerate() {
            let mut tx = d.transaction();
            tx.put(ROOT, *k, n as i64 + 1).unwrap();
            tx.commit();
        }
        let changes: Vec<Vec<u8>> = d
            .get_changes(&base.get_heads())
            .iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect();
        (d.get_heads(), changes)
    };
    let (device_heads, device_changes) = chain("device-a", ["c1", "c2"]);
    let (_, other_changes) = chain("relay-2", ["k1", "k2"]);
    let v1 = || automerge::sync::MessageVersion::V1;
    // The device's second change first: it waits for the first.
    sim.inject_to_relay(
        a,
        sync_frame(
            doc,
            "a",
            device_heads.clone(),
            vec![device_changes[1].clone()],
            v1(),
        ),
    );
    sim.run();
    // Another writer's second change: it waits in the document.
    let announce = |bytes: &Vec<u8>| Input::ExternalChunks {
        doc,
        chunks: vec![Chunk::new(doc, ChunkKind::Incremental, bytes.clone())],
    };
    sim.relay.core.handle(announce(&other_changes[1]));
    // The device's first change completes its own.
    sim.inject_to_relay(
        a,
        sync_frame(doc, "a", device_heads, device_changes.clone(), v1()),
    );
    sim.run();
    // The other writer's first change completes the other's.
    sim.relay.core.handle(announce(&other_changes[0]));
    sim.run();
    let relay = sim.relay.core.doc(&doc).unwrap();
    assert_eq!(get(relay, "c2"), Some(2), "the device's changes");
    assert_eq!(
        get(relay, "k2"),
        Some(2),
        "the other writer's waiting change"
    );
    assert!(relay.get_missing_deps(&[]).is_empty());
}
