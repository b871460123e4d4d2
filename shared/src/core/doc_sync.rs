//! Syncing one document with one peer: rights and validation of incoming
//! changes (tried on a mirror first), durable-before-acknowledged sending.

use super::*;

impl<P: Policy> Core<P> {
    pub(super) fn on_doc_message(&mut self, conn: ConnId, doc_id: DocumentId, msg: Message) {
        let Some(peer) = self.peers.get(&conn) else {
            return;
        };
        let access = self.policy.access(&peer.auth, &doc_id, &Docs(&self.docs));
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
        match self.docs.get_mut(&doc_id) {
            None => {
                self.docs.insert(
                    doc_id,
                    Slot::Loading {
                        waiting: vec![(conn, msg)],
                        wanted: false,
                    },
                );
                self.actions.push_back(Action::Load { doc: doc_id });
                return;
            }
            Some(Slot::Loading { waiting, .. }) => {
                waiting.push((conn, msg));
                return;
            }
            Some(Slot::Ready(_)) => {}
        }
        let (is_request, data) = match msg {
            Message::Request { data, .. } => (true, data),
            Message::Sync { data, .. } => (false, data),
            _ => return,
        };
        let mut sync_msg = match sync::Message::decode(&data) {
            Ok(m) => m,
            Err(e) => {
                let message = format!(
                    "the data of a {} message for {doc_id} is not an automerge sync message ({e})",
                    if is_request { "request" } else { "sync" }
                );
                return self.fail(conn, "malformed-sync-data", message);
            }
        };
        let Some(Slot::Ready(mut st)) = self.docs.remove(&doc_id) else {
            return;
        };
        let trusted = self.cfg.role == Role::Client;
        let peer = self.peers.get_mut(&conn).expect("checked above");
        let pd = peer.docs.entry(doc_id).or_insert_with(PeerDoc::new);
        let mut refusal: Option<Rejection> = None;
        let mut checked_after = None;
        if !trusted && !sync_msg.changes.is_empty() {
            let unknown = has_unknown_changes(&st.doc, &sync_msg.changes);
            if unknown && pd.rejected {
                sync_msg.changes = sync::ChunkList::empty();
            } else if unknown && access != Access::Write {
                let name = self.policy.describe(&doc_id);
                refusal = Some(Rejection {
                    code: RejectCode::NotWritable,
                    message_en: format!(
                        "Your office may read \"{name}\" but not change it; the change was not saved on the relay."
                    ),
                    message_vi: format!(
                        "Đơn vị của bạn chỉ được xem \"{name}\", không được sửa; thay đổi không được lưu trên máy chủ."
                    ),
                });
            } else if unknown {
                let before = Self::violations_before(&self.policy, &self.docs, &doc_id, &mut st);
                let lookup = Docs(&self.docs);
                let mirror = st.mirror.get_or_insert_with(|| st.doc.clone());
                let mut unreadable = None;
                for chunk in sync_msg.changes.iter() {
                    if let Err(e) = mirror.load_incremental(chunk) {
                        unreadable = Some(e.to_string());
                        break;
                    }
                }
                refusal = match unreadable {
                    Some(e) => Some(Rejection {
                        code: RejectCode::SchemaViolation,
                        message_en: format!("The change could not be read ({e})."),
                        message_vi: format!("Không đọc được thay đổi ({e})."),
                    }),
                    None => {
                        let after = self.policy.violations(&doc_id, &*mirror, &lookup);
                        let introduced = new_violations(&before, after.clone());
                        checked_after =
                            Some((Self::validity_key(&self.policy, &self.docs, mirror), after));
                        (!introduced.is_empty()).then(|| Rejection::from_violations(&introduced))
                    }
                };
                if refusal.is_some() {
                    st.mirror = None;
                }
            }
        } else if pd.rejected
            && sync_msg
                .heads
                .iter()
                .all(|h| st.doc.get_change_by_hash(h).is_some())
        {
            // The peer dropped the refused changes: serve it normally again.
            pd.rejected = false;
            pd.sync.set_read_only(false);
        }
        if refusal.is_some() {
            sync_msg.changes = sync::ChunkList::empty();
            pd.rejected = true;
            pd.sync.set_read_only(true);
        }
        let before = st.doc.get_heads();
        let received = st.doc.receive_sync_message(&mut pd.sync, sync_msg);
        let changed = st.doc.get_heads() != before;
        if refusal.is_none()
            && let Some(checked) = checked_after
        {
            st.checked = Some(checked);
        }
        if changed
            && (trusted || st.mirror.as_ref().map(|m| m.get_heads()) != Some(st.doc.get_heads()))
        {
            st.mirror = None;
        }
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
        if let Err(e) = received {
            let message = format!("a change for {doc_id} could not be applied ({e})");
            return self.fail(conn, "bad-change", message);
        }
        if let Some(rejection) = refusal {
            self.event(Event::Rejected {
                conn,
                doc: doc_id,
                rejection: rejection.clone(),
            });
            self.send_notice(conn, doc_id, rejection, accepted_heads);
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
        } else if self.cfg.role == Role::Relay || changed {
            self.flush(&doc_id);
        } else {
            self.flush_one(conn, &doc_id);
        }
    }

    /// What a document's validity depends on: its heads and those of the
    /// documents the policy reads (e.g. the cluster document's scoring table).
    pub(super) fn validity_key(
        policy: &P,
        docs: &HashMap<DocumentId, Slot>,
        doc: &Automerge,
    ) -> Vec<ChangeHash> {
        let mut key = doc.get_heads();
        for pinned in policy.pinned() {
            if let Some(Slot::Ready(p)) = docs.get(&pinned) {
                key.extend(p.doc.get_heads());
            }
        }
        key
    }

    /// The violations of a document's current state, from the cache when
    /// nothing it depends on changed since it was last checked.
    pub(super) fn violations_before(
        policy: &P,
        docs: &HashMap<DocumentId, Slot>,
        doc_id: &DocumentId,
        st: &mut DocState,
    ) -> Vec<Violation> {
        let key = Self::validity_key(policy, docs, &st.doc);
        if let Some((k, v)) = &st.checked
            && *k == key
        {
            return v.clone();
        }
        let v = policy.violations(doc_id, &st.doc, &Docs(docs));
        st.checked = Some((key, v.clone()));
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
        peer.docs.insert(doc, PeerDoc::new());
        self.flush_one(conn, &doc);
    }

    /// Send sync messages for `doc` to every peer syncing it, if durable.
    pub(super) fn flush(&mut self, doc: &DocumentId) {
        let conns: Vec<ConnId> = self
            .peers
            .iter()
            .filter(|(_, p)| p.docs.contains_key(doc))
            .map(|(c, _)| *c)
            .collect();
        for conn in conns {
            self.flush_one(conn, doc);
        }
    }

    pub(super) fn flush_one(&mut self, conn: ConnId, doc: &DocumentId) {
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
        let Some(sync_msg) = st.doc.generate_sync_message(&mut pd.sync) else {
            return;
        };
        pd.announced = Some(sync_msg.heads.clone());
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

/// Whether any chunk of a sync message holds a change `doc` does not have.
fn has_unknown_changes(doc: &Automerge, chunks: &sync::ChunkList) -> bool {
    for bytes in chunks.iter() {
        match automerge::Change::from_bytes(bytes.to_vec()) {
            Ok(change) => {
                if doc.get_change_by_hash(&change.hash()).is_none() {
                    return true;
                }
            }
            // Not a single change: a whole-document chunk (sync v2) or a run of
            // changes. Load it on its own and compare.
            Err(_) => match Automerge::load(bytes) {
                Ok(other) => {
                    if other
                        .get_heads()
                        .iter()
                        .any(|h| doc.get_change_by_hash(h).is_none())
                    {
                        return true;
                    }
                }
                Err(_) => return true, // unreadable: let validation refuse it
            },
        }
    }
    false
}
