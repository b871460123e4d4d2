//! The seven changes of the vendored automerge (`shared/vendor/automerge`, see
//! its `THIDUA-PATCH.md`), against what they replace.
//!
//! 1. What a peer's acknowledgement clears: the hashes a sync state has sent
//!    are trimmed with the acknowledging heads' vector clock instead of a walk
//!    over the whole history. A change the peer has not yet acknowledged must
//!    stay in `sent_hashes` (or it would be sent twice), and one it has must
//!    go (or the relay would hold it forever and never send it again after a
//!    reset). Checked against the plain definition, "ancestors of the heads",
//!    on random histories with concurrent writers and merges.
//! 2. What a hub forwards: changes it received last are copied into the sync
//!    messages for its other peers instead of rebuilt from its columns. Every
//!    peer must end with exactly the writers' changes, whether they were kept
//!    or had to be rebuilt (bursts longer than what is kept), and a change a
//!    copy of the document received but the document never took is never
//!    sent. The same holds for `get_changes(heads)` and `save_after(heads)`,
//!    which copy kept changes too (what the relay validates and stores).
//!    What is kept of a received change costs the change's own bytes, not
//!    the (padded, arbitrarily large) compressed chunk it arrived in.
//! 3. The Bloom filter a document sends (its `have`) is made once per
//!    distinct (document heads, peer's last sync) and shared by its peers
//!    and copies: it must be the filter a fresh document in that state makes,
//!    and a copy in another state (a refused change) must not lend its own.
//! 4. What a document sends a peer (the changes no filter of the peer's
//!    contains, and what depends on them) is found in one pass in causal
//!    order: it must be exactly what the protocol's definition gives, for
//!    filters over random sets of changes. A filter's probes are computed
//!    one at a time: the bits it sets and finds must be the protocol's.
//! 5. Nothing a device may send makes the document fail: sync messages of
//!    any heads, needs and filters past the relay's gate, and documents whose
//!    changes depend on later or missing ones.
//! 6. A transaction's state read as a document (`pending_state`, what local
//!    edits are checked on) reads exactly like the transaction.
//! 7. Changes rebuilt together (`rebuild_changes`, the gate's check that a
//!    document holds what was sent) are the changes rebuilt one at a time.

use std::collections::{BTreeMap, BTreeSet};

use automerge::sync::{self, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ChangeHash, ROOT, ReadDoc};
use thidua_tests::wire::{padded_compressed_chunk, read_leb128};

/// xorshift64*: a seeded sequence, so a failure names its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A history written by `writers` replicas that edit concurrently and merge
/// at random; returns the merged document and some heads seen along the way.
fn random_history(
    rng: &mut Rng,
    writers: usize,
    steps: usize,
) -> (AutoCommit, Vec<Vec<ChangeHash>>) {
    let mut replicas: Vec<AutoCommit> = (0..writers)
        .map(|i| AutoCommit::new().with_actor(ActorId::from(vec![i as u8 + 1; 16])))
        .collect();
    let mut seen_heads = Vec::new();
    for step in 0..steps {
        let w = rng.below(writers);
        if rng.below(4) == 0 {
            let other = rng.below(writers);
            if other != w {
                let mut from = replicas[other].clone();
                replicas[w].merge(&mut from).unwrap();
            }
        }
        replicas[w]
            .put(ROOT, format!("k{}", rng.below(8)), step as i64)
            .unwrap();
        replicas[w].commit();
        if rng.below(3) == 0 {
            seen_heads.push(replicas[w].get_heads());
        }
    }
    let mut doc = replicas[0].clone();
    for r in replicas.iter_mut().skip(1) {
        doc.merge(r).unwrap();
    }
    seen_heads.push(Vec::new());
    seen_heads.push(doc.get_heads());
    (doc, seen_heads)
}

/// The changes `heads` include, by definition: everything but what a peer at
/// `heads` would still be sent.
fn ancestors(doc: &mut AutoCommit, heads: &[ChangeHash]) -> BTreeSet<ChangeHash> {
    let all: BTreeSet<ChangeHash> = doc.get_changes(&[]).iter().map(|c| c.hash()).collect();
    let missing: BTreeSet<ChangeHash> = doc.get_changes(heads).iter().map(|c| c.hash()).collect();
    all.difference(&missing).copied().collect()
}

/// The message a peer whose document stands at `heads` sends first.
fn acknowledgement_at(doc: &mut AutoCommit, heads: &[ChangeHash]) -> sync::Message {
    let mut peer = doc.fork_at(heads).unwrap();
    peer.sync()
        .generate_sync_message(&mut sync::State::new())
        .expect("a first message")
}

#[test]
fn an_acknowledgement_clears_exactly_the_sent_changes_the_peer_now_has() {
    for seed in 1..=60u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let writers = 1 + rng.below(4);
        let steps = 20 + rng.below(120);
        let (mut doc, seen_heads) = random_history(&mut rng, writers, steps);
        let all: Vec<ChangeHash> = doc.get_changes(&[]).iter().map(|c| c.hash()).collect();
        for heads in &seen_heads {
            let sent: BTreeSet<ChangeHash> =
                all.iter().filter(|_| rng.below(3) == 0).copied().collect();
            // A peer with no heads has lost everything: automerge starts over
            // with it (a full resend), so nothing stays "sent".
            let expected: BTreeSet<ChangeHash> = if heads.is_empty() {
                BTreeSet::new()
            } else {
                sent.difference(&ancestors(&mut doc, heads))
                    .copied()
                    .collect()
            };
            let ack = acknowledgement_at(&mut doc, heads);
            let mut state = sync::State::new();
            state.sent_hashes = sent.clone();
            doc.sync().receive_sync_message(&mut state, ack).unwrap();
            assert_eq!(
                state.sent_hashes,
                expected,
                "seed {seed}: {writers} writers, {steps} steps, acknowledged {} heads",
                heads.len()
            );
        }
    }
}

#[test]
fn two_documents_still_converge_when_acknowledgements_cross_new_changes() {
    // Both sides write between rounds, so every acknowledgement arrives
    // while newer changes are in flight.
    let mut a = AutoCommit::new();
    let mut b = AutoCommit::new();
    let (mut sa, mut sb) = (sync::State::new(), sync::State::new());
    for round in 0..300i64 {
        a.put(ROOT, "a", round).unwrap();
        a.commit();
        if round % 3 == 0 {
            b.put(ROOT, format!("b{}", round % 7), round).unwrap();
            b.commit();
        }
        if let Some(m) = a.sync().generate_sync_message(&mut sa) {
            b.sync().receive_sync_message(&mut sb, m).unwrap();
        }
        if let Some(m) = b.sync().generate_sync_message(&mut sb) {
            a.sync().receive_sync_message(&mut sa, m).unwrap();
        }
    }
    for _ in 0..10 {
        if let Some(m) = a.sync().generate_sync_message(&mut sa) {
            b.sync().receive_sync_message(&mut sb, m).unwrap();
        }
        if let Some(m) = b.sync().generate_sync_message(&mut sb) {
            a.sync().receive_sync_message(&mut sa, m).unwrap();
        }
    }
    assert_eq!(a.get_heads(), b.get_heads());
    assert!(sa.sent_hashes.is_empty() && sb.sent_hashes.is_empty());
}

/// One sync round between `a` and `b` until neither has anything to say.
fn sync_pair(a: &mut AutoCommit, sa: &mut sync::State, b: &mut AutoCommit, sb: &mut sync::State) {
    for _ in 0..50 {
        let to_b = a.sync().generate_sync_message(sa);
        let to_a = b.sync().generate_sync_message(sb);
        if to_b.is_none() && to_a.is_none() {
            return;
        }
        if let Some(m) = to_b {
            b.sync().receive_sync_message(sb, m).unwrap();
        }
        if let Some(m) = to_a {
            a.sync().receive_sync_message(sa, m).unwrap();
        }
    }
    panic!("the two documents did not settle in 50 rounds");
}

/// Changes as (hash, bytes), in their order.
fn hashed(changes: Vec<automerge::Change>) -> Vec<(ChangeHash, Vec<u8>)> {
    changes
        .into_iter()
        .map(|c| (c.hash(), c.raw_bytes().to_vec()))
        .collect()
}

/// Every change of `doc`, by hash, as bytes.
fn changes_by_hash(doc: &mut AutoCommit) -> BTreeMap<ChangeHash, Vec<u8>> {
    hashed(doc.get_changes(&[])).into_iter().collect()
}

#[test]
fn a_hub_forwards_exactly_the_writers_changes_kept_or_rebuilt() {
    for seed in 1..=12u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let mut hub = AutoCommit::new();
        let mut peers: Vec<AutoCommit> = (0..4)
            .map(|i| AutoCommit::new().with_actor(ActorId::from(vec![i as u8 + 1; 16])))
            .collect();
        let mut hub_states: Vec<sync::State> =
            (0..peers.len()).map(|_| sync::State::new()).collect();
        let mut peer_states: Vec<sync::State> =
            (0..peers.len()).map(|_| sync::State::new()).collect();
        for round in 0..12 {
            // Some peers write: a few changes, or a burst longer than the
            // 256 the hub keeps (so some forwards must be rebuilt).
            for (p, peer) in peers.iter_mut().enumerate() {
                if rng.below(2) == 0 {
                    let n = if rng.below(5) == 0 {
                        300
                    } else {
                        1 + rng.below(6)
                    };
                    for i in 0..n {
                        peer.put(
                            ROOT,
                            format!("p{p}k{}", rng.below(10)),
                            (round * 1000 + i) as i64,
                        )
                        .unwrap();
                        peer.commit();
                    }
                }
            }
            // The peers sync with the hub in a random order.
            let mut order: Vec<usize> = (0..peers.len()).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, rng.below(i + 1));
            }
            for p in order {
                sync_pair(
                    &mut hub,
                    &mut hub_states[p],
                    &mut peers[p],
                    &mut peer_states[p],
                );
            }
        }
        for p in 0..peers.len() {
            sync_pair(
                &mut hub,
                &mut hub_states[p],
                &mut peers[p],
                &mut peer_states[p],
            );
        }
        let expected = changes_by_hash(&mut hub);
        for (p, peer) in peers.iter_mut().enumerate() {
            assert_eq!(peer.get_heads(), hub.get_heads(), "seed {seed}: peer {p}");
            assert!(
                changes_by_hash(peer) == expected,
                "seed {seed}: peer {p} holds other changes"
            );
        }
    }
}

/// A hub between one writer and one reader, each with its sync states.
struct Line {
    hub: AutoCommit,
    writer: AutoCommit,
    reader: AutoCommit,
    hub_writer: sync::State,
    writer_hub: sync::State,
    hub_reader: sync::State,
    reader_hub: sync::State,
}

impl Line {
    fn new() -> Self {
        Line {
            hub: AutoCommit::new(),
            writer: AutoCommit::new().with_actor(ActorId::from(vec![7; 16])),
            reader: AutoCommit::new().with_actor(ActorId::from(vec![8; 16])),
            hub_writer: sync::State::new(),
            writer_hub: sync::State::new(),
            hub_reader: sync::State::new(),
            reader_hub: sync::State::new(),
        }
    }

    /// The writer, then the reader, syncs with the hub.
    fn sync(&mut self) {
        sync_pair(
            &mut self.hub,
            &mut self.hub_writer,
            &mut self.writer,
            &mut self.writer_hub,
        );
        self.sync_reader();
    }

    fn sync_reader(&mut self) {
        sync_pair(
            &mut self.hub,
            &mut self.hub_reader,
            &mut self.reader,
            &mut self.reader_hub,
        );
    }
}

#[test]
fn a_change_only_a_copy_received_is_never_sent() {
    // The relay's gate applies a device's changes to a copy of the document
    // and drops the copy when it refuses them; the copy shares what the
    // document keeps of received changes.
    let mut line = Line::new();
    line.writer.put(ROOT, "accepted", 1).unwrap();
    line.writer.commit();
    line.sync();

    line.writer.put(ROOT, "refused", 2).unwrap();
    line.writer.commit();
    let refused = line.writer.get_heads();
    let mut copy = line.hub.clone();
    let mut copy_state = line.hub_writer.clone();
    let message = line
        .writer
        .sync()
        .generate_sync_message(&mut line.writer_hub)
        .unwrap();
    copy.sync()
        .receive_sync_message(&mut copy_state, message)
        .unwrap();
    assert_eq!(copy.get_heads(), refused, "the copy took the change");
    drop(copy);

    line.sync_reader();
    let reader = &mut line.reader;
    assert!(
        reader.get_change_by_hash(&refused[0]).is_none(),
        "the reader got a change the hub never took"
    );
    assert_eq!(reader.get(ROOT, "refused").unwrap(), None);
    assert!(reader.get(ROOT, "accepted").unwrap().is_some());
}

#[test]
fn a_hub_forwards_changes_too_large_to_keep() {
    // Changes over 64 KiB, and more bytes than the 1 MiB the hub keeps, are
    // rebuilt when forwarded: the peers still get each of them whole.
    let mut line = Line::new();
    for (i, size) in [100_000usize, 30_000, 30_000, 200_000, 50_000]
        .iter()
        .cycle()
        .take(40)
        .enumerate()
    {
        let text: String = (0..*size)
            .map(|j| char::from(b'a' + ((i + j) % 26) as u8))
            .collect();
        line.writer.put(ROOT, format!("k{}", i % 7), text).unwrap();
        line.writer.commit();
        if i % 4 == 3 {
            line.sync();
        }
    }
    line.sync();
    assert_eq!(line.reader.get_heads(), line.writer.get_heads());
    assert!(changes_by_hash(&mut line.reader) == changes_by_hash(&mut line.writer));
}

/// The changes since `heads` rebuilt from the document's columns: a copy
/// loaded from its saved bytes keeps no received changes.
fn rebuilt_since(doc: &mut AutoCommit, heads: &[ChangeHash]) -> Vec<(ChangeHash, Vec<u8>)> {
    let mut fresh = AutoCommit::load(&doc.save()).unwrap();
    hashed(fresh.get_changes(heads))
}

#[test]
fn changes_since_heads_are_the_same_kept_or_rebuilt() {
    // The relay reads the changes a device just sent (`get_changes`) to find
    // what they touched, and stores them (`save_after`). Kept or rebuilt,
    // they must be exactly the document's changes since those heads, in an
    // order another document can load, and never a change only a refused
    // copy received.
    for seed in 1..=8u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let mut line = Line::new();
        for round in 0..10 {
            let before = line.hub.get_heads();
            // A burst, sometimes longer than the 256 changes the hub keeps.
            let n = if rng.below(4) == 0 {
                300
            } else {
                1 + rng.below(8)
            };
            for i in 0..n {
                line.writer
                    .put(
                        ROOT,
                        format!("k{}", rng.below(12)),
                        (round * 1000 + i) as i64,
                    )
                    .unwrap();
                line.writer.commit();
            }
            // Sometimes a copy of the hub takes one more change and is
            // dropped, as the gate drops a refused copy.
            if rng.below(3) == 0 {
                let mut writer = line.writer.fork().with_actor(ActorId::from(vec![9; 16]));
                let mut writer_state = line.writer_hub.clone();
                writer.put(ROOT, "refused", round as i64).unwrap();
                writer.commit();
                let mut copy = line.hub.clone();
                let mut copy_state = line.hub_writer.clone();
                sync_pair(&mut copy, &mut copy_state, &mut writer, &mut writer_state);
                assert_eq!(
                    copy.get_heads(),
                    writer.get_heads(),
                    "the copy took the change"
                );
                drop(copy);
            }
            line.sync();
            let hub = &mut line.hub;
            let since = hashed(hub.get_changes(&before));
            assert!(
                since == rebuilt_since(hub, &before),
                "seed {seed} round {round}: get_changes differs from the rebuilt changes"
            );
            assert_eq!(
                since.len(),
                n,
                "seed {seed} round {round}: not the writer's {n} changes"
            );
            let appended = hub.save_after(&before);
            assert_eq!(
                appended,
                since
                    .iter()
                    .flat_map(|(_, b)| b.clone())
                    .collect::<Vec<u8>>(),
                "seed {seed} round {round}: save_after"
            );
            // What was stored loads on top of the earlier state.
            let mut earlier = hub.fork_at(&before).unwrap();
            earlier.load_incremental(&appended).unwrap();
            assert_eq!(
                earlier.get_heads(),
                hub.get_heads(),
                "seed {seed} round {round}"
            );
            assert_eq!(hub.get(ROOT, "refused").unwrap(), None);
        }
    }
}

/// What `doc` says it has (`have`) to a peer in `state`, and what a fresh
/// document loaded from its bytes (nothing kept) says in the same state.
fn have_kept_and_fresh(
    doc: &mut AutoCommit,
    state: &sync::State,
) -> (Vec<sync::Have>, Vec<sync::Have>) {
    let mut fresh = AutoCommit::load(&doc.save()).unwrap();
    let kept = doc.sync().generate_sync_message(&mut state.clone());
    let made = fresh.sync().generate_sync_message(&mut state.clone());
    (
        kept.map(|m| m.have).unwrap_or_default(),
        made.map(|m| m.have).unwrap_or_default(),
    )
}

#[test]
fn a_shared_bloom_filter_is_the_one_the_documents_state_makes() {
    for seed in 1..=8u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let mut line = Line::new();
        for round in 0..8 {
            for i in 0..1 + rng.below(20) {
                line.writer
                    .put(
                        ROOT,
                        format!("k{}", rng.below(12)),
                        (round * 100 + i) as i64,
                    )
                    .unwrap();
                line.writer.commit();
            }
            // The writer syncs; the reader's state now lags the hub.
            sync_pair(
                &mut line.hub,
                &mut line.hub_writer,
                &mut line.writer,
                &mut line.writer_hub,
            );
            // Both peers' filters are made (and kept) at the hub's heads.
            let (kept, made) = have_kept_and_fresh(&mut line.hub, &line.hub_reader);
            assert!(
                !kept.is_empty(),
                "seed {seed} round {round}: no filter sent"
            );
            assert_eq!(kept, made, "seed {seed} round {round}: reader");
            let (kept, made) = have_kept_and_fresh(&mut line.hub, &line.hub_writer);
            assert_eq!(kept, made, "seed {seed} round {round}: writer");
            // A copy that took one more change makes its own filter, and
            // lends it to nobody.
            let mut copy = line.hub.clone();
            let mut other = line.writer.fork().with_actor(ActorId::from(vec![9; 16]));
            other.put(ROOT, "refused", round as i64).unwrap();
            other.commit();
            copy.merge(&mut other).unwrap();
            let (kept, made) = have_kept_and_fresh(&mut copy, &line.hub_reader);
            assert_eq!(kept, made, "seed {seed} round {round}: the copy");
            drop(copy);
            let (kept, made) = have_kept_and_fresh(&mut line.hub, &line.hub_reader);
            assert_eq!(kept, made, "seed {seed} round {round}: after the copy");
            line.sync_reader();
        }
        assert_eq!(
            line.reader.get_heads(),
            line.writer.get_heads(),
            "seed {seed}"
        );
    }
}

#[test]
fn a_received_change_is_kept_at_its_own_size_however_it_was_compressed() {
    // A device can wrap a small change in a huge compressed chunk (deflate
    // allows padding). The document keeps received changes (and hands them
    // on); what it keeps must be the change, not the device's chunk.
    let mut writer = AutoCommit::new().with_actor(ActorId::from(vec![7; 16]));
    writer.put(ROOT, "first", 1).unwrap();
    writer.commit();
    let mut hub = AutoCommit::new();
    hub.load_incremental(&writer.save()).unwrap();
    let before = hub.get_heads();
    writer.put(ROOT, "note", "ghi chú ".repeat(300)).unwrap();
    writer.commit();
    let change = writer.get_changes(&before).pop().unwrap();
    let chunk = padded_compressed_chunk(&change, 200_000);
    assert!(chunk.len() > 1_000_000);

    hub.load_incremental(&chunk).unwrap();
    assert_eq!(
        hub.get_heads(),
        writer.get_heads(),
        "the padded chunk was not taken"
    );
    let mut kept = hub.get_changes(&before);
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].hash(), change.hash());
    let forwarded = kept[0].bytes().len();
    assert!(
        forwarded <= change.raw_bytes().len(),
        "the hub holds and hands on {forwarded} bytes for a change of {}",
        change.raw_bytes().len()
    );
}

/// The changes a sync message carries, by hash, in their order.
fn carried(message: &sync::Message) -> Vec<ChangeHash> {
    message
        .changes
        .iter()
        .map(|bytes| {
            automerge::Change::from_bytes(bytes.to_vec())
                .unwrap()
                .hash()
        })
        .collect()
}

/// What a document must send a peer that says it has `have` and needs
/// `need`, by the protocol's definition: the needed changes the document has
/// (each once, unless sent anyway), then, of the changes after the filters' last sync,
/// those no filter contains and every change that depends on one of them.
fn owed(doc: &mut AutoCommit, have: &[sync::Have], need: &[ChangeHash]) -> Vec<ChangeHash> {
    let last_sync: Vec<ChangeHash> = have
        .iter()
        .flat_map(|h| h.last_sync.iter().copied())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let since = doc.get_changes(&last_sync);
    let mut dependents: BTreeMap<ChangeHash, Vec<ChangeHash>> = BTreeMap::new();
    let mut sent = BTreeSet::new();
    for change in &since {
        for dep in change.deps() {
            dependents.entry(*dep).or_default().push(change.hash());
        }
        if have.iter().all(|h| !h.bloom.contains_hash(&change.hash())) {
            sent.insert(change.hash());
        }
    }
    let mut stack: Vec<ChangeHash> = sent.iter().copied().collect();
    while let Some(hash) = stack.pop() {
        for dependent in dependents.get(&hash).into_iter().flatten() {
            if sent.insert(*dependent) {
                stack.push(*dependent);
            }
        }
    }
    let mut owed: Vec<ChangeHash> = Vec::new();
    for hash in need {
        if doc.get_change_by_hash(hash).is_some() && !sent.contains(hash) && !owed.contains(hash) {
            owed.push(*hash);
        }
    }
    owed.extend(since.iter().map(|c| c.hash()).filter(|h| sent.contains(h)));
    owed
}

#[test]
fn a_document_sends_exactly_what_the_peers_filter_lacks_and_what_depends_on_it() {
    // The fourth change: what to send is found in one pass over the changes
    // since the peer's last sync, in the graph's causal order, instead of a
    // closure over a map of dependents. Peers' filters here cover random
    // sets (not only what a real peer holds), so many sent changes are there
    // because something they depend on was sent. Peers also ask for changes
    // by hash, some twice (0.12.0 panicked on that).
    let mut cases = 0;
    for seed in 1..=24u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let writers = 1 + rng.below(5);
        let steps = 40 + rng.below(200);
        let (mut doc, seen_heads) = random_history(&mut rng, writers, steps);
        let all: Vec<ChangeHash> = doc.get_changes(&[]).iter().map(|c| c.hash()).collect();
        for round in 0..6 {
            let last_sync = seen_heads[rng.below(seen_heads.len())].clone();
            let percent = [0, 50, 90, 99, 100][rng.below(5)];
            let held: Vec<ChangeHash> = all
                .iter()
                .filter(|_| rng.below(100) < percent)
                .copied()
                .collect();
            let mut have = vec![sync::Have {
                last_sync,
                bloom: sync::BloomFilter::from_hashes(held.iter()),
            }];
            if rng.below(3) == 0 {
                let second: Vec<ChangeHash> =
                    all.iter().filter(|_| rng.below(2) == 0).copied().collect();
                have.push(sync::Have {
                    last_sync: seen_heads[rng.below(seen_heads.len())].clone(),
                    bloom: sync::BloomFilter::from_hashes(second.iter()),
                });
            }
            let mut need: Vec<ChangeHash> = (0..rng.below(4))
                .map(|_| all[rng.below(all.len())])
                .collect();
            need.push(ChangeHash([round as u8; 32]));
            let expected = owed(&mut doc, &have, &need);
            // A peer without the flags section speaks version 1: changes one
            // by one, never the whole document instead.
            let message = sync::Message {
                heads: Vec::new(),
                need: need.clone(),
                have: have.clone(),
                changes: sync::ChunkList::empty(),
                flags: None,
                version: sync::MessageVersion::V1,
            };
            let mut state = sync::State::new();
            doc.sync()
                .receive_sync_message(&mut state, message)
                .unwrap();
            let reply = doc
                .sync()
                .generate_sync_message(&mut state)
                .expect("a reply");
            assert_eq!(carried(&reply), expected, "seed {seed} round {round}");
            cases += usize::from(!expected.is_empty());
        }
    }
    assert!(cases > 100, "only {cases} replies carried changes");
}

/// The bits of a Bloom filter's `hash` by the sync protocol's definition:
/// three 32-bit little-endian words of the hash, reduced modulo the bit count,
/// then `x += y; y += z` (each modulo) for every further probe.
fn protocol_probes(hash: &ChangeHash, bits: u64, probes: u64) -> Vec<u64> {
    let word = |i: usize| u64::from(u32::from_le_bytes(hash.0[i..i + 4].try_into().unwrap()));
    let (mut x, mut y, z) = (word(0) % bits, word(4) % bits, word(8) % bits);
    let mut out = vec![x];
    for _ in 1..probes {
        x = (x + y) % bits;
        y = (y + z) % bits;
        out.push(x);
    }
    out
}

#[test]
fn a_bloom_filter_sets_and_finds_the_bits_the_protocol_defines() {
    // The fourth change also computes a filter's probes one at a time without a
    // division per step: the bits a filter sets (its bytes on the wire) and
    // what it says it holds must be the protocol's, for every size.
    let mut rng = Rng(0x5eed_b100);
    let random_hash = |rng: &mut Rng| {
        let mut h = [0u8; 32];
        for b in h.iter_mut() {
            *b = rng.next() as u8;
        }
        ChangeHash(h)
    };
    for entries in [1usize, 2, 3, 7, 50, 333, 4_000] {
        let held: Vec<ChangeHash> = (0..entries).map(|_| random_hash(&mut rng)).collect();
        let filter = sync::BloomFilter::from_hashes(held.iter());
        let bytes = filter.to_bytes();
        let mut at = 0;
        assert_eq!(read_leb128(&bytes, &mut at), entries as u64);
        let per_entry = read_leb128(&bytes, &mut at);
        let probes = read_leb128(&bytes, &mut at);
        let bits = &bytes[at..];
        let n = 8 * bits.len() as u64;
        let mut expected = vec![0u8; bits.len()];
        for h in &held {
            for p in protocol_probes(h, n, probes) {
                expected[(p / 8) as usize] |= 1 << (p % 8);
            }
        }
        assert_eq!(
            bits,
            &expected[..],
            "{entries} entries, {per_entry} bits each"
        );
        let decoded = sync::BloomFilter::try_from(&bytes[..]).unwrap();
        let mut false_positives = 0;
        for h in held
            .iter()
            .copied()
            .chain((0..2_000).map(|_| random_hash(&mut rng)))
        {
            let defined = protocol_probes(&h, n, probes)
                .iter()
                .all(|p| expected[(p / 8) as usize] & (1 << (p % 8)) != 0);
            assert_eq!(filter.contains_hash(&h), defined, "{entries} entries");
            assert_eq!(
                decoded.contains_hash(&h),
                defined,
                "{entries} entries, decoded"
            );
            false_positives += usize::from(defined && !held.contains(&h));
        }
        assert!(
            false_positives < 200,
            "{false_positives} of 2000 absent hashes found"
        );
    }
    // Filters a device may send (any bits per entry and probes the gate
    // admits, random bits): found as the protocol defines too.
    for _ in 0..300 {
        let filter = hostile_bloom(&mut rng);
        let bytes = filter.to_bytes();
        let mut at = 0;
        read_leb128(&bytes, &mut at);
        read_leb128(&bytes, &mut at);
        let probes = read_leb128(&bytes, &mut at);
        let bits = &bytes[at..];
        let n = 8 * bits.len() as u64;
        for _ in 0..50 {
            let h = random_hash(&mut rng);
            let defined = protocol_probes(&h, n, probes)
                .iter()
                .all(|p| bits[(p / 8) as usize] & (1 << (p % 8)) != 0);
            assert_eq!(
                filter.contains_hash(&h),
                defined,
                "{probes} probes over {n} bits"
            );
        }
    }
}

#[test]
fn changes_since_heads_stay_right_as_new_actors_arrive() {
    // The fourth change also keeps the clocks of the last heads asked for.
    // A clock is indexed by actor, and a new actor that sorts before the
    // others shifts every index: a kept clock must never outlive that.
    for seed in 1..=6u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let mut doc = AutoCommit::new().with_actor(ActorId::from(vec![0x80; 16]));
        doc.put(ROOT, "start", 0).unwrap();
        doc.commit();
        let mut seen = vec![doc.get_heads()];
        for round in 0..40 {
            let mut actor = vec![0u8; 16];
            for b in actor.iter_mut() {
                *b = rng.next() as u8;
            }
            let mut writer = doc.fork().with_actor(ActorId::from(actor));
            for i in 0..1 + rng.below(3) {
                writer
                    .put(ROOT, format!("k{}", rng.below(6)), i as i64)
                    .unwrap();
                writer.commit();
            }
            doc.merge(&mut writer).unwrap();
            let mut fresh = AutoCommit::load(&doc.save()).unwrap();
            for heads in seen.iter().rev().take(6) {
                let kept: Vec<ChangeHash> =
                    doc.get_changes(heads).iter().map(|c| c.hash()).collect();
                let made: Vec<ChangeHash> =
                    fresh.get_changes(heads).iter().map(|c| c.hash()).collect();
                assert_eq!(kept, made, "seed {seed} round {round}");
            }
            seen.push(doc.get_heads());
        }
    }
}

/// A Bloom filter as a device may send one past the relay's gate (entries,
/// bits per entry and probes within its limits), with random bits.
fn hostile_bloom(rng: &mut Rng) -> sync::BloomFilter {
    let entries = 1 + rng.below(300) as u64;
    let per_entry = 1 + rng.below(64) as u64;
    let probes = 1 + rng.below(64) as u64;
    let mut bytes = Vec::new();
    for n in [entries, per_entry, probes] {
        thidua_tests::wire::leb128(&mut bytes, n);
    }
    let len = (entries * per_entry).div_ceil(8);
    let fill = [0u8, 0xff, 0x55][rng.below(3)];
    bytes.extend((0..len).map(|_| {
        if rng.below(4) == 0 {
            rng.next() as u8
        } else {
            fill
        }
    }));
    sync::BloomFilter::try_from(&bytes[..]).expect("a well-formed filter")
}

#[test]
fn no_sync_message_a_reader_may_send_makes_the_document_fail() {
    // Any device of the cluster may send sync messages for every document:
    // heads, needs and filters of its choosing, in any order, repeated, known
    // or not. 0.12.0 panicked on a change asked for twice; no such message
    // may make the document fail to answer, and the document must not change.
    for seed in 1..=40u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let writers = 1 + rng.below(4);
        let steps = 30 + rng.below(150);
        let (mut doc, seen_heads) = random_history(&mut rng, writers, steps);
        let heads_before = doc.get_heads();
        let all: Vec<ChangeHash> = doc.get_changes(&[]).iter().map(|c| c.hash()).collect();
        let mut state = sync::State::new();
        for round in 0..100 {
            let pick = |rng: &mut Rng, most: usize| -> Vec<ChangeHash> {
                (0..rng.below(most + 1))
                    .map(|_| match rng.below(5) {
                        0 => ChangeHash([rng.next() as u8; 32]),
                        _ => all[rng.below(all.len())],
                    })
                    .collect()
            };
            let mut heads = match rng.below(3) {
                0 => seen_heads[rng.below(seen_heads.len())].clone(),
                _ => pick(&mut rng, 3),
            };
            let mut need = pick(&mut rng, 5);
            if rng.below(2) == 0 {
                heads.sort();
                need.sort();
            }
            if let Some(&h) = need.first()
                && rng.below(2) == 0
            {
                need.push(h);
            }
            let have = (0..rng.below(3))
                .map(|_| sync::Have {
                    last_sync: match rng.below(3) {
                        0 => Vec::new(),
                        1 => seen_heads[rng.below(seen_heads.len())].clone(),
                        _ => pick(&mut rng, 2),
                    },
                    bloom: match rng.below(3) {
                        0 => sync::BloomFilter::default(),
                        1 => sync::BloomFilter::from_hashes(
                            all.iter()
                                .filter(|_| rng.below(2) == 0)
                                .collect::<Vec<_>>()
                                .into_iter(),
                        ),
                        _ => hostile_bloom(&mut rng),
                    },
                })
                .collect();
            let flags = (rng.below(2) == 0).then(|| {
                let mut f = sync::MessageFlags::new();
                for bit in [
                    sync::MessageFlags::SYNC_RESET,
                    sync::MessageFlags::READ_ONLY,
                    sync::MessageFlags::SUPPORTS_SYNC_RESET,
                ] {
                    if rng.below(2) == 0 {
                        f.set(bit);
                    }
                }
                f
            });
            let message = sync::Message {
                heads,
                need,
                have,
                changes: sync::ChunkList::empty(),
                flags,
                version: if rng.below(2) == 0 {
                    sync::MessageVersion::V1
                } else {
                    sync::MessageVersion::V2
                },
            };
            if rng.below(10) == 0 {
                state = sync::State::new();
            }
            let shown = format!("{message:?}");
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let received = doc.sync().receive_sync_message(&mut state, message);
                let answer = doc.sync().generate_sync_message(&mut state);
                (received.is_ok(), answer.map(|m| m.encode().len()))
            }));
            assert!(
                outcome.is_ok(),
                "seed {seed} round {round}: the document failed on {shown}"
            );
            assert_eq!(doc.get_heads(), heads_before, "seed {seed} round {round}");
        }
    }
}

#[test]
fn a_document_whose_changes_depend_on_later_or_missing_changes_is_refused() {
    // A document chunk stores each change's dependencies as indexes into
    // its own list of changes. 0.12.0 trusted them: an index past the end,
    // or one pointing at the change itself or a later one, panicked while
    // loading. Any device may send a document (a whole-document sync
    // message); it must be refused with an error, and the receiver unharmed.
    let mut doc = AutoCommit::new().with_actor(ActorId::from(vec![3; 16]));
    for i in 0..3 {
        doc.put(ROOT, format!("k{i}"), i as i64).unwrap();
        doc.commit();
    }
    let saved = doc.document().save_nocompress();
    // The honest dependencies, rewritten as they are: still loads.
    let same = thidua_tests::wire::document_with_dependencies(&saved, &[0, 1]);
    assert_eq!(
        AutoCommit::load(&same).unwrap().get_heads(),
        doc.get_heads()
    );
    for deps in [[0u64, 9], [0, 2], [1, 1], [0, 1_000_000]] {
        let lying = thidua_tests::wire::document_with_dependencies(&saved, &deps);
        let loaded = std::panic::catch_unwind(|| AutoCommit::load(&lying).map(|_| ()));
        assert!(
            matches!(loaded, Ok(Err(_))),
            "dependencies {deps:?}: {loaded:?}"
        );
        let mut hub = AutoCommit::new();
        hub.put(ROOT, "own", 1).unwrap();
        hub.commit();
        let before = hub.get_heads();
        let taken = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            hub.load_incremental(&lying).map(|_| ())
        }));
        // (`load_incremental` drops a chunk it cannot load without an
        // error: nothing of it is taken.)
        assert!(taken.is_ok(), "dependencies {deps:?}: panicked");
        assert_eq!(hub.get_heads(), before, "dependencies {deps:?}");
    }
}

/// Everything a reader sees of `doc`, walked from the root: every key with
/// all its concurrent values, list elements, text, lengths.
fn dump<R: ReadDoc>(doc: &R) -> String {
    fn walk<R: ReadDoc>(doc: &R, obj: &automerge::ObjId, out: &mut String) {
        use std::fmt::Write as _;
        let kind = doc.object_type(obj).unwrap();
        let _ = write!(out, "{kind:?}[{}]", doc.length(obj));
        if kind == automerge::ObjType::Text {
            let _ = write!(out, "{:?}", doc.text(obj).unwrap());
            return;
        }
        let props: Vec<automerge::Prop> = match kind {
            automerge::ObjType::Map | automerge::ObjType::Table => {
                doc.keys(obj).map(automerge::Prop::Map).collect()
            }
            _ => (0..doc.length(obj)).map(automerge::Prop::Seq).collect(),
        };
        for prop in props {
            let _ = write!(out, " {prop:?}=");
            for (value, id) in doc.get_all(obj, prop.clone()).unwrap() {
                match value {
                    automerge::Value::Object(_) => walk(doc, &id, out),
                    automerge::Value::Scalar(s) => {
                        let _ = write!(out, "{s:?};");
                    }
                }
            }
        }
    }
    let mut out = String::new();
    walk(doc, &ROOT, &mut out);
    out
}

#[test]
fn a_transactions_pending_state_reads_like_the_transaction() {
    // Local edits are checked on the transaction's state read as a document
    // (one copy of the reading and validation code): it must be what the
    // transaction itself reads, after puts, deletions, nested objects, list
    // and text edits, over a history with concurrent values.
    use automerge::{Automerge, ObjType};
    for seed in 1..=40u64 {
        let mut rng = Rng(seed * 0x9e37_79b9);
        let mut doc = Automerge::new();
        let mut other = Automerge::new();
        for replica in [&mut doc, &mut other] {
            let mut tx = replica.transaction();
            for k in 0..4 {
                tx.put(ROOT, format!("k{k}"), rng.next() as i64 % 100)
                    .unwrap();
            }
            tx.commit();
        }
        doc.merge(&mut other).unwrap(); // concurrent values on k0..k3
        let before = dump(&doc);
        let mut tx = doc.transaction();
        let list = tx.put_object(ROOT, "list", ObjType::List).unwrap();
        let text = tx.put_object(ROOT, "text", ObjType::Text).unwrap();
        let map = tx.insert_object(&list, 0, ObjType::Map).unwrap();
        for _ in 0..30 {
            match rng.below(6) {
                0 => tx
                    .put(ROOT, format!("k{}", rng.below(6)), rng.below(1000) as i64)
                    .unwrap(),
                1 => {
                    let _ = tx.delete(ROOT, format!("k{}", rng.below(6)));
                }
                2 => {
                    let len = tx.length(&list);
                    tx.insert(&list, rng.below(len + 1), format!("v{}", rng.below(9)))
                        .unwrap();
                }
                3 => {
                    let len = tx.length(&text);
                    tx.splice_text(&text, rng.below(len + 1), 0, "ab").unwrap();
                }
                4 => tx
                    .put(&map, format!("m{}", rng.below(4)), rng.below(5) as i64)
                    .unwrap(),
                _ => {
                    let len = tx.length(&list);
                    if len > 1 {
                        tx.delete(&list, 1 + rng.below(len - 1)).unwrap();
                    }
                }
            }
            let state = tx.pending_state().expect("not isolated");
            assert_eq!(dump(state), dump(&tx), "seed {seed}");
        }
        assert_ne!(
            dump(tx.pending_state().unwrap()),
            before,
            "seed {seed}: the edits show"
        );
        let expected = dump(&tx);
        tx.commit();
        assert_eq!(
            dump(&doc),
            expected,
            "seed {seed}: what was read is what committed"
        );
        // An isolated transaction reads at its heads, not the document's state.
        let heads = doc.get_heads();
        let isolated = doc
            .transaction_at(automerge::PatchLog::inactive(), &heads)
            .unwrap();
        assert!(isolated.pending_state().is_none(), "seed {seed}");
    }
}

#[test]
fn changes_rebuilt_together_are_the_changes_rebuilt_one_at_a_time() {
    // The relay's gate rebuilds all the changes of a sync message in one
    // pass; each must be byte for byte the change `get_change_by_hash`
    // rebuilds alone, whatever subset of the history is asked for. A hash
    // the document does not hold is an error, not a short answer.
    for seed in 1..=30u64 {
        let mut rng = Rng(seed * 0x2545_f491);
        let (mut doc, seen) = random_history(&mut rng, 3, 60);
        let all: Vec<ChangeHash> = doc.get_changes(&[]).iter().map(|c| c.hash()).collect();
        for heads in &seen {
            let since: Vec<ChangeHash> = doc.get_changes(heads).iter().map(|c| c.hash()).collect();
            // Some random subset too, in a shuffled order.
            let mut subset: Vec<ChangeHash> =
                all.iter().copied().filter(|_| rng.below(3) == 0).collect();
            for i in (1..subset.len()).rev() {
                subset.swap(i, rng.below(i + 1));
            }
            for asked in [since, subset] {
                let together: BTreeMap<ChangeHash, Vec<u8>> = doc
                    .document()
                    .rebuild_changes(&asked)
                    .unwrap()
                    .into_iter()
                    .map(|mut c| (c.hash(), c.bytes().to_vec()))
                    .collect();
                let alone: BTreeMap<ChangeHash, Vec<u8>> = asked
                    .iter()
                    .map(|h| {
                        let mut c = doc.document().get_change_by_hash(h).unwrap();
                        (*h, c.bytes().to_vec())
                    })
                    .collect();
                assert_eq!(together, alone, "seed {seed}");
            }
        }
        let foreign = ChangeHash([7; 32]);
        assert!(
            doc.document().rebuild_changes(&[all[0], foreign]).is_err(),
            "seed {seed}"
        );
    }
}
