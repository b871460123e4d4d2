//! Syncing one document with one peer: incoming sync messages go through the
//! [`gate`](super::gate) (relay) or apply directly (client, from its relay);
//! outgoing ones wait until what they advertise is durable.

use super::*;

/// How long a change we sent may stay in the peer's `need` before we send it
/// again (ms of [`Input::Tick`] time; see `flush_one_now`).
const RESEND_AFTER_MS: u64 = 3_000;
/// Or after the peer named it in `need` this many times since we sent it.
const RESEND_AFTER_ASKS: u32 = 16;

impl<P: Policy> Core<P> {
    pub(super) fn on_doc_message(&mut self, conn: ConnId, doc_id: DocumentId, msg: Message) {
        let Some(peer) = self.peers.get(&conn) else {
            return;
        };
        let access = self
            .policy
            .access(&peer.auth, &doc_id, &Docs(&self.docs, &self.external));
        if access == Access::None {
            let rejection = Rejection {
                code: RejectCode::NotInCluster,
                message_en: format!(
                    "Document {doc_id} is not part of your cluster: you cannot read or write it."
                ),
                message_vi: format!(
                    "Tài liệu {doc_id} không thuộc cụm thi đua của bạn: bạn không được đọc hay ghi."
                ),
            };
            self.send_unavailable(conn, doc_id);
            self.send_notice(conn, doc_id, rejection, Vec::new());
            return;
        }
        if !peer.docs.contains_key(&doc_id) && peer.docs.len() >= self.cfg.max_docs_per_connection {
            let message = format!(
                "this connection already syncs {} documents, the most one connection may; open another connection",
                peer.docs.len()
            );
            return self.fail(conn, "too-many-documents", message);
        }
        let trusted = self.cfg.role == Role::Client;
        let (is_request, data) = match &msg {
            Message::Request { data, .. } => (true, data),
            Message::Sync { data, .. } => (false, data),
            _ => return,
        };
        let kind = if is_request { "request" } else { "sync" };
        if !trusted && let Err(e) = gate::sync_shape::inspect(data, &self.cfg.limits) {
            let message = format!("{} ({kind} message for {doc_id})", e.message);
            return self.fail(conn, e.code, message);
        }
        let max_waiting = self.cfg.limits.max_waiting_messages;
        match self.docs.get_mut(&doc_id) {
            None => {
                self.docs.insert(
                    doc_id,
                    Slot::Loading {
                        waiting: vec![(conn, msg)],
                        wanted: false,
                        failure: None,
                        external: Vec::new(),
                    },
                );
                self.actions.push_back(Action::Load { doc: doc_id });
                return;
            }
            Some(Slot::Loading { waiting, .. })
                if waiting.len() < max_waiting
                    && (waiting.is_empty()
                        || held_bytes(waiting.iter().map(|(_, m)| m)) + data.len()
                            <= self.cfg.limits.max_held_bytes) =>
            {
                waiting.push((conn, msg));
                return;
            }
            Some(Slot::Loading { failure, .. }) => {
                let why = failure.as_ref().map_or(
                    "it is still loading",
                    |_| "it cannot be read from storage right now",
                );
                let message = format!(
                    "too many messages wait for document {doc_id}: {why}; the connection closes, reconnect in a moment"
                );
                return self.fail(conn, "document-not-ready", message);
            }
            Some(Slot::Ready(_)) => {}
        }
        let data = match msg {
            Message::Request { data, .. } | Message::Sync { data, .. } => data,
            _ => return,
        };
        // A message behind one of the same peer that waits for other
        // documents waits too: its changes may build on the waiting ones.
        let deadline_ms = self.now_ms + self.cfg.limits.defer_ms;
        let held = Deferred {
            conn,
            is_request,
            data,
            deadline_ms,
        };
        if matches!(self.docs.get(&doc_id), Some(Slot::Ready(st)) if st.deferred.iter().any(|d| d.conn == conn))
        {
            return self.hold(doc_id, held);
        }
        self.admit(conn, doc_id, held.is_request, held.data, deadline_ms);
    }

    /// Hold a message until the documents its rules read change (see
    /// `retry_deferred`), within the bounds on what one document may hold:
    /// past them the connection is told to come back later (nothing of the
    /// message was applied; the device still has it).
    fn hold(&mut self, doc_id: DocumentId, held: Deferred) {
        let limits = &self.cfg.limits;
        let Some(Slot::Ready(st)) = self.docs.get_mut(&doc_id) else {
            return;
        };
        let bytes: usize = st.deferred.iter().map(|d| d.data.len()).sum();
        let full = st.deferred.len() >= limits.max_waiting_messages
            || (!st.deferred.is_empty() && bytes + held.data.len() > limits.max_held_bytes);
        if full {
            let message = format!(
                "too many changes wait for document {doc_id} to be judged ({} messages, {bytes} bytes); the connection closes, reconnect in a moment",
                st.deferred.len()
            );
            return self.fail(held.conn, "document-not-ready", message);
        }
        st.deferred.push_back(held);
    }

    /// Apply (client) or admit through the gate (relay) one sync message
    /// from a peer for a loaded document. `deadline_ms`: until when the gate
    /// may hold changes that only other documents' rules object to.
    pub(super) fn admit(
        &mut self,
        conn: ConnId,
        doc_id: DocumentId,
        is_request: bool,
        data: Vec<u8>,
        deadline_ms: u64,
    ) {
        let trusted = self.cfg.role == Role::Client;
        let kind = if is_request { "request" } else { "sync" };
        let Some(access) = self.peers.get(&conn).map(|p| {
            self.policy
                .access(&p.auth, &doc_id, &Docs(&self.docs, &self.external))
        }) else {
            return;
        };
        let sync_msg = match sync::Message::decode(&data) {
            Ok(m) => m,
            Err(e) => {
                let message = format!(
                    "the data of a {kind} message for {doc_id} is not an automerge sync message ({e})"
                );
                return self.fail(conn, "malformed-sync-data", message);
            }
        };
        if !trusted && !sync_msg.changes.is_empty() && !self.rules_can_read_all() {
            // The rules read documents not here yet (the cluster document's
            // scoring table while it loads, or before its shard published
            // it): judging now would skip those rules. Wait for them, as
            // long as a held message may; then ask the device to come back
            // (nothing was applied; it sends the changes again).
            if self.now_ms < deadline_ms {
                return self.hold(
                    doc_id,
                    Deferred {
                        conn,
                        is_request,
                        data,
                        deadline_ms,
                    },
                );
            }
            let message = format!(
                "the documents the rules for {doc_id} read are not loaded yet; the connection closes, reconnect in a moment"
            );
            return self.fail(conn, "document-not-ready", message);
        }
        let starting = self
            .peers
            .get(&conn)
            .is_some_and(|p| !p.docs.contains_key(&doc_id))
            .then(|| self.starting_sync_state(conn, &doc_id));
        let Some(Slot::Ready(mut st)) = self.docs.remove(&doc_id) else {
            return;
        };
        let peer = self.peers.get_mut(&conn).expect("checked above");
        let pd = peer.docs.entry(doc_id).or_insert_with(|| {
            let mut pd = PeerDoc::new();
            pd.sync = starting.unwrap_or_default();
            pd
        });
        if !trusted && (pd.answered || pd.full_syncs == 0) && asks_from_scratch(&st.doc, &sync_msg)
        {
            // Sending a whole document is the relay's most expensive answer:
            // an honest device asks once per connection (perhaps in several
            // messages before our answer reaches it, which count once).
            pd.answered = false;
            pd.full_syncs += 1;
            if pd.full_syncs > self.cfg.limits.max_full_syncs {
                self.docs.insert(doc_id, Slot::Ready(st));
                let message = format!(
                    "this connection asked for document {doc_id} from scratch {} times; reconnect to sync it again",
                    pd.full_syncs
                );
                return self.fail(conn, "resync-limit", message);
            }
        }
        let before = st.doc.get_heads();
        let outcome = if trusted {
            // Client: the relay is trusted; its messages apply directly.
            st.mirror = None;
            match st.doc.receive_sync_message(&mut pd.sync, sync_msg) {
                Ok(()) => Ok(gate::Admitted::Nothing),
                Err(e) => Err(gate::GateError::malformed(format!(
                    "a change for {doc_id} could not be applied ({e})"
                ))),
            }
        } else {
            let cx = gate::Context {
                policy: &self.policy,
                docs: Docs(&self.docs, &self.external),
                limits: &self.cfg.limits,
                doc_id,
                access,
                may_defer: self.now_ms < deadline_ms,
            };
            gate::admit_remote(&cx, &mut st, pd, sync_msg)
        };
        let changed = st.doc.get_heads() != before;
        if trusted {
            let theirs = pd.sync.their_heads.clone();
            if theirs.is_some() && theirs != st.remote_heads {
                st.remote_heads = theirs.clone();
                self.actions.push_back(Action::Event(Event::RemoteHeads {
                    doc: doc_id,
                    heads: theirs.unwrap_or_default(),
                }));
            }
        }
        let empty = st.doc.get_heads().is_empty();
        let accepted_heads = st.doc.get_heads();
        self.docs.insert(doc_id, Slot::Ready(st));
        match outcome {
            Err(e) => return self.fail(conn, e.code, e.message),
            Ok(gate::Admitted::Refused(rejection)) => {
                self.event(Event::Rejected {
                    conn,
                    doc: doc_id,
                    rejection: rejection.clone(),
                });
                self.send_notice(conn, doc_id, rejection, accepted_heads);
            }
            Ok(gate::Admitted::Deferred) => {
                // Judged again when the documents its rules read change, or
                // refused once the deadline passes (see `retry_deferred`).
                return self.hold(
                    doc_id,
                    Deferred {
                        conn,
                        is_request,
                        data,
                        deadline_ms,
                    },
                );
            }
            Ok(gate::Admitted::Nothing | gate::Admitted::Committed) => {}
        }
        if changed {
            self.event(Event::DocChanged {
                doc: doc_id,
                local: false,
            });
            self.persist(&doc_id);
        }
        if is_request && empty && self.cfg.role == Role::Relay {
            self.send_unavailable(conn, doc_id);
        } else if changed {
            // Every peer of the document may need the new changes.
            self.flush(&doc_id);
        } else {
            // Nothing new for the others: only the sender is owed an answer.
            self.flush_one(conn, &doc_id);
        }
        if trusted && changed {
            // The relay's changes a waiting rebuild needed may have arrived.
            self.resume_rebuild(&doc_id);
        }
        if changed && self.policy.pinned().contains(&doc_id) {
            // Changes held for the rules of other documents may pass now.
            self.retry_deferred(false);
        }
    }

    /// Judge again the messages held for other documents' rules: all of
    /// them (`all`: those documents changed) or only those past their
    /// deadline (which are refused if the objection remains).
    pub(super) fn retry_deferred(&mut self, all: bool) {
        let now = self.now_ms;
        let mut docs: Vec<DocumentId> = self
            .docs
            .iter()
            .filter(|(_, s)| {
                matches!(s, Slot::Ready(st) if st.deferred.iter().any(|d| all || d.deadline_ms <= now))
            })
            .map(|(id, _)| *id)
            .collect();
        // In one order every run (the map's is random): seeds replay.
        docs.sort();
        for doc in docs {
            let Some(Slot::Ready(st)) = self.docs.get_mut(&doc) else {
                continue;
            };
            let held = std::mem::take(&mut st.deferred);
            for d in held {
                let behind = matches!(self.docs.get(&doc), Some(Slot::Ready(st)) if st.deferred.iter().any(|x| x.conn == d.conn));
                if behind || !self.peers.contains_key(&d.conn) {
                    if behind && let Some(Slot::Ready(st)) = self.docs.get_mut(&doc) {
                        st.deferred.push_back(d);
                    }
                    continue;
                }
                self.admit(d.conn, doc, d.is_request, d.data, d.deadline_ms);
            }
        }
    }

    /// Whether every document the rules read ([`Policy::pinned`]) is here,
    /// loaded or as another core's published copy.
    fn rules_can_read_all(&self) -> bool {
        let docs = Docs(&self.docs, &self.external);
        self.policy.pinned().iter().all(|p| docs.doc(p).is_some())
    }

    /// What a document's validity depends on: its heads and those of the
    /// documents the policy reads (e.g. the cluster document's scoring table).
    pub(super) fn validity_key(policy: &P, docs: Docs<'_>, doc: &Automerge) -> Vec<ChangeHash> {
        let mut key = doc.get_heads();
        for pinned in policy.pinned() {
            if let Some(p) = docs.doc(&pinned) {
                key.extend(p.get_heads());
            }
        }
        key
    }

    /// The violations of a document's current state, from the cache when
    /// nothing it depends on changed since it was last checked.
    pub(super) fn violations_before(
        policy: &P,
        docs: Docs<'_>,
        doc_id: &DocumentId,
        st: &mut DocState,
    ) -> Vec<Violation> {
        let key = Self::validity_key(policy, docs, &st.doc);
        if let Some((k, v)) = &st.checked
            && *k == key
        {
            return v.clone();
        }
        let (v, memo) = policy.violations_since(doc_id, &st.doc, st.memo.take(), &docs);
        st.checked = Some((key, v.clone()));
        st.memo = memo;
        v
    }

    pub(super) fn begin_sync_all(&mut self, doc: DocumentId) {
        let conns: Vec<ConnId> = self
            .peers
            .iter()
            .filter(|(_, p)| matches!(p.handshake, Handshake::Ready { .. }))
            .map(|(c, _)| *c)
            .collect();
        for conn in conns {
            self.begin_sync(conn, doc);
        }
    }

    /// Client: start syncing `doc` with the relay on `conn`.
    pub(super) fn begin_sync(&mut self, conn: ConnId, doc: DocumentId) {
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        if peer.docs.contains_key(&doc) {
            return;
        }
        let mut pd = PeerDoc::new();
        pd.sync = self.starting_sync_state(conn, &doc);
        if let Some(peer) = self.peers.get_mut(&conn) {
            peer.docs.insert(doc, pd);
        }
        self.flush_one(conn, &doc);
    }

    /// Owe a sync message for `doc` to every peer syncing it (sent when the
    /// shell next polls, if durable).
    pub(super) fn flush(&mut self, doc: &DocumentId) {
        self.flushes.insert(*doc, None);
    }

    /// Owe a sync message for `doc` to one peer.
    pub(super) fn flush_one(&mut self, conn: ConnId, doc: &DocumentId) {
        match self.flushes.entry(*doc) {
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(Some([conn].into()));
            }
            std::collections::btree_map::Entry::Occupied(mut e) => {
                if let Some(conns) = e.get_mut() {
                    conns.insert(conn);
                }
            }
        }
    }

    /// Generate the sync messages owed.
    pub(super) fn run_flushes(&mut self) {
        for (doc, conns) in std::mem::take(&mut self.flushes) {
            match conns {
                None => self.flush_now(&doc),
                Some(conns) => {
                    for conn in conns {
                        self.flush_one_now(conn, &doc);
                    }
                }
            }
        }
    }

    /// Send sync messages for `doc` to every peer syncing it, if durable.
    fn flush_now(&mut self, doc: &DocumentId) {
        let conns: Vec<ConnId> = self
            .peers
            .iter()
            .filter(|(_, p)| p.docs.contains_key(doc))
            .map(|(c, _)| *c)
            .collect();
        for conn in conns {
            self.flush_one_now(conn, doc);
        }
    }

    fn flush_one_now(&mut self, conn: ConnId, doc: &DocumentId) {
        let now = self.now_ms;
        let Some(Slot::Ready(st)) = self.docs.get(doc) else {
            return;
        };
        if !st.durable() {
            return; // sent from on_stored once durable
        }
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        let Handshake::Ready { remote } = &peer.handshake else {
            return;
        };
        let Some(pd) = peer.docs.get_mut(doc) else {
            return;
        };
        let first = !pd.sync.have_responded;
        let heads = st.doc.get_heads();
        if pd.announced.as_ref() != Some(&heads) {
            // Make sure the peer hears our current heads (see `PeerDoc::announced`).
            pd.sync.last_sent_heads.clear();
        }
        // Changes that wait for a missing dependency sit in the checked copy
        // (see the gate): the message must ask the peer for exactly that
        // dependency. The document itself does not know the waiting changes,
        // and a peer that believes we have the dependency (a bloom filter's
        // false positive) would never send it. What is sent still comes from
        // the document alone: a message generated from the checked copy can
        // carry the waiting changes along, unchecked, inside a whole-document
        // chunk (sim seeds 2770 and 5496: devices of other offices then held
        // changes the relay never accepted, and were refused for sending them
        // back).
        let waiting_for: Vec<automerge::ChangeHash> = match &st.mirror {
            Some(m) if m.get_heads() == heads => m.get_missing_deps(&[]),
            _ => Vec::new(),
        };
        // A peer that names a change in `need` lacks it, whatever we sent
        // before (its side dropped that message: held and dropped with a
        // disconnect, or its changes waited for a dependency that came
        // later); automerge never sends a change twice on one sync state,
        // so both sides would ask and answer forever without it. Only a
        // need that outlives a resend delay, or that the peer repeats many
        // times, counts: on a slow link the peer's messages name what is
        // still on its way to it.
        if let Some(need) = &pd.sync.their_need {
            for h in need {
                if !pd.sync.sent_hashes.contains(h) {
                    continue;
                }
                let asked = pd.asked_again.entry(*h).or_insert(0);
                *asked += 1;
                let sent = pd.sent_at.get(h).copied().unwrap_or(0);
                if now >= sent + RESEND_AFTER_MS || *asked >= RESEND_AFTER_ASKS {
                    pd.sync.sent_hashes.remove(h);
                    pd.asked_again.remove(h);
                }
            }
        }
        let before = pd.sync.sent_hashes.len();
        // automerge sends the whole document, compressed, to a peer that
        // lacks more than a third of its changes: a device back after a
        // long time away (or with many changes made offline) then moves far
        // fewer bytes. To a peer that was in sync on this connection, what
        // it lacks is only what arrived since the last message, and on a
        // short history a burst of edits soon makes that a third: each time
        // the sender saved the whole document and the peer rebuilt all of
        // it for a few new changes (half of the relay's CPU at 64 clients,
        // see BENCHMARKS.md). Such a peer gets the changes themselves (in a
        // version 1 message, which every automerge peer reads). Not while a
        // sync reset is due: that flag needs the peer's capabilities.
        if !heads.is_empty() && pd.sync.their_heads.as_ref() == Some(&heads) {
            pd.in_sync = true;
        }
        let live = pd.in_sync && !pd.sync.needs_reset;
        let capabilities = if live {
            pd.sync.their_capabilities.take()
        } else {
            None
        };
        let generated = st.doc.generate_sync_message(&mut pd.sync);
        if capabilities.is_some() {
            pd.sync.their_capabilities = capabilities;
        }
        let generated = match generated {
            None if !waiting_for.is_empty() => {
                // Nothing else to say: ask for the dependency on its own.
                let mirror = st.mirror.as_ref().expect("waiting_for comes from it");
                let mut probe = pd.sync.clone();
                mirror.generate_sync_message(&mut probe).map(|mut m| {
                    m.changes = sync::ChunkList::empty();
                    m
                })
            }
            other => other,
        };
        let Some(mut sync_msg) = generated else {
            return;
        };
        if !waiting_for.is_empty() {
            // automerge encodes `need` sorted.
            sync_msg.need.extend(waiting_for);
            sync_msg.need.sort();
            sync_msg.need.dedup();
        }
        if pd.sync.sent_hashes.len() != before {
            let sent = &pd.sync.sent_hashes;
            // When each hash still sent went out: one walk over both
            // sorted collections (not a lookup per hash each way: with
            // many changes in flight to a peer, this ran on every message).
            let mut known = std::mem::take(&mut pd.sent_at).into_iter().peekable();
            pd.sent_at = sent
                .iter()
                .map(|h| {
                    while known.next_if(|(k, _)| k < h).is_some() {}
                    (*h, known.next_if(|(k, _)| k == h).map_or(now, |(_, at)| at))
                })
                .collect();
            pd.asked_again.retain(|h, _| sent.contains(h));
        }
        pd.announced = Some(sync_msg.heads.clone());
        pd.answered = true;
        let data = sync_msg.encode();
        let msg = if first && self.cfg.role == Role::Client && st.doc.get_heads().is_empty() {
            Message::Request {
                document_id: *doc,
                sender_id: self.cfg.peer_id.clone(),
                target_id: remote.clone(),
                data,
            }
        } else {
            Message::Sync {
                document_id: *doc,
                sender_id: self.cfg.peer_id.clone(),
                target_id: remote.clone(),
                data,
            }
        };
        self.send(conn, &msg);
    }
}

/// Whether a sync message asks for the whole document: the peer claims no
/// heads, or no common base in any of its "have" entries, while we hold
/// changes.
fn asks_from_scratch(doc: &Automerge, msg: &sync::Message) -> bool {
    if doc.get_heads().is_empty() {
        return false;
    }
    msg.heads.is_empty()
        || (!msg.have.is_empty() && msg.have.iter().all(|h| h.last_sync.is_empty()))
}

/// Bytes of the sync data of messages waiting for a document to load.
fn held_bytes<'a>(msgs: impl Iterator<Item = &'a Message>) -> usize {
    msgs.map(|m| match m {
        Message::Request { data, .. } | Message::Sync { data, .. } => data.len(),
        _ => 0,
    })
    .sum()
}
