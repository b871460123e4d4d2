//! Local edits and what the user interface asks of the core (client side):
//! validated commits, sync status, refused-edit drafts and rebuilding from
//! the relay's accepted state.

use super::*;

impl<P: Policy> Core<P> {
    /// Make a local edit. The edit runs in a transaction that passes the
    /// [`gate`](super::gate) before it commits: `as_peer` must be allowed to
    /// write the document, the change and the document must stay within the
    /// limits, and the result must introduce no schema violation. Then it is
    /// stored and (once durable) sent to the relay. `None` skips the gate
    /// (diagnostics only).
    pub fn change<E, F>(
        &mut self,
        doc: &DocumentId,
        as_peer: Option<&PeerAuth>,
        meta: CommitMeta,
        edit: F,
    ) -> Result<Option<ChangeHash>, ChangeError<E>>
    where
        F: FnOnce(&mut Transaction<'_>) -> Result<(), E>,
    {
        let access = match as_peer {
            Some(auth) => self
                .policy
                .access(auth, doc, &Docs(&self.docs, &self.external)),
            None => Access::Write,
        };
        if access != Access::Write {
            return Err(ChangeError::NotWritable(*doc));
        }
        let Some(Slot::Ready(mut st)) = self.docs.remove(doc) else {
            return Err(ChangeError::NotLoaded(*doc));
        };
        let before =
            Self::violations_before(&self.policy, Docs(&self.docs, &self.external), doc, &mut st);
        let doc_ops = st.doc.stats().num_ops;
        let gated = as_peer.is_some();
        let mut after_all = Vec::new();
        let result = (|| {
            let cx = gate::Context {
                policy: &self.policy,
                docs: Docs(&self.docs, &self.external),
                limits: &self.cfg.limits,
                doc_id: *doc,
                access,
                // The user sees the refusal at once, with this replica's
                // copy of the other documents.
                may_defer: false,
            };
            let mut tx = st.doc.transaction();
            if let Err(e) = edit(&mut tx) {
                tx.rollback();
                return Err(ChangeError::Edit(e));
            }
            if gated {
                let message_bytes = meta.message.as_ref().map_or(0, String::len);
                let pending = automerge::transaction::Transactable::pending_ops(&tx);
                // The state after the edit, read as a document: the same
                // reading and validation code as every other check (no
                // second copy of it compiled for transactions).
                let after = tx
                    .pending_state()
                    .expect("a transaction made by `transaction()` is not isolated");
                match gate::check_local(&cx, &before, doc_ops, pending, message_bytes, after) {
                    Ok(all) => after_all = all,
                    Err(refusal) => {
                        tx.rollback();
                        return Err(match refusal {
                            gate::LocalRefusal::NotWritable => ChangeError::NotWritable(*doc),
                            gate::LocalRefusal::TooLarge(r) => ChangeError::TooLarge(r),
                            gate::LocalRefusal::Invalid(v) => ChangeError::Invalid(v),
                        });
                    }
                }
            }
            let mut opts = CommitOptions::default();
            if let Some(m) = meta.message {
                opts = opts.with_message(m);
            }
            if let Some(t) = meta.time_secs {
                opts = opts.with_time(t);
            }
            Ok(tx.commit_with(opts).0)
        })();
        let changed = matches!(result, Ok(Some(_)));
        if changed {
            st.mirror = None;
            st.checked = gated.then(|| {
                (
                    Self::validity_key(&self.policy, Docs(&self.docs, &self.external), &st.doc),
                    after_all,
                )
            });
        }
        self.docs.insert(*doc, Slot::Ready(st));
        if changed {
            self.event(Event::DocChanged {
                doc: *doc,
                local: true,
            });
            self.persist(doc);
        }
        result
    }

    /// Client: where this document stands with the relay.
    pub fn sync_status(&self, doc: &DocumentId) -> Option<SyncStatus> {
        let Some(Slot::Ready(st)) = self.docs.get(doc) else {
            return None;
        };
        let connected = self
            .peers
            .values()
            .any(|p| matches!(p.handshake, Handshake::Ready { .. }) && p.docs.contains_key(doc));
        let unacknowledged = st.remote_heads.as_ref().map(|heads| {
            let known: Vec<ChangeHash> = heads
                .iter()
                .filter(|h| st.doc.get_change_by_hash(h).is_some())
                .copied()
                .collect();
            if known.len() == heads.len() && known == st.doc.get_heads() {
                0
            } else {
                st.doc.get_changes(&known).len()
            }
        });
        let in_sync = st.remote_heads.as_deref() == Some(&st.doc.get_heads()[..]);
        Some(SyncStatus {
            connected,
            unacknowledged,
            in_sync,
        })
    }

    /// A one-line summary per connection of its sync state for `doc` (diagnostics).
    pub fn describe_sync(&self, doc: &DocumentId) -> Vec<String> {
        self.peers
            .iter()
            .filter_map(|(c, p)| {
                let pd = p.docs.get(doc)?;
                let s = &pd.sync;
                Some(format!(
                    "conn {}: their_heads={:?} last_sent={:?} shared={:?} in_flight={} responded={} rejected={} sent={:?} their_need={:?}",
                    c.0, s.their_heads, s.last_sent_heads, s.shared_heads, s.in_flight, s.have_responded, pd.rejected, s.sent_hashes, s.their_need
                ))
            })
            .collect()
    }

    /// Client: restore the relay heads remembered from an earlier session, so
    /// the unacknowledged count is right before the first sync.
    pub fn set_remote_heads(&mut self, doc: &DocumentId, heads: Vec<ChangeHash>) {
        if let Some(Slot::Ready(st)) = self.docs.get_mut(doc)
            && st.remote_heads.is_none()
        {
            st.remote_heads = Some(heads);
        }
    }

    /// Rejected edits kept for this document.
    pub fn drafts(&self, doc: &DocumentId) -> Vec<Draft> {
        match self.docs.get(doc) {
            Some(Slot::Ready(st)) => st
                .drafts
                .iter()
                .map(|(k, b)| Draft {
                    key: k.clone(),
                    bytes: b.clone(),
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Forget a draft (the user discarded it).
    pub fn discard_draft(&mut self, key: &ChunkKey) {
        if let Some(Slot::Ready(st)) = self.docs.get_mut(&key.doc)
            && st.drafts.remove(key).is_some()
        {
            self.actions.push_back(Action::Delete {
                keys: vec![key.clone()],
            });
        }
    }

    /// Client, after the relay refused our changes: go back to the relay's
    /// accepted state, keep the refused changes as a draft (stored first, so
    /// nothing is lost), and resume syncing from a clean state.
    ///
    /// The rebuild waits (and happens by itself later) until this replica
    /// has every change the relay accepted (the relay sends them), and until
    /// no write or compaction of the document is under way: a rebuild from a
    /// partial base would drop accepted changes, and one racing a write could
    /// leave refused changes on disk. Returns the draft, or `None` when there
    /// was nothing to set aside or the rebuild waits.
    pub fn rebuild_from_relay(&mut self, doc: &DocumentId) -> Option<Draft> {
        let accepted = self.peers.values().find_map(|p| {
            p.docs
                .get(doc)
                .and_then(|pd| pd.notice.as_ref())
                .map(|n| n.accepted_heads.clone())
        })?;
        let Some(Slot::Ready(st)) = self.docs.get_mut(doc) else {
            return None;
        };
        let all_known = accepted
            .iter()
            .all(|h| st.doc.get_change_by_hash(h).is_some());
        if !all_known || !st.durable() || st.compaction.is_some() {
            st.rebuild_wanted = true;
            return None;
        }
        st.rebuild_wanted = false;
        // The relay's heads it announced since (durable there, so accepted)
        // are part of the base too: while the rebuild waited it may have
        // accepted other devices' changes and sent them along. They are
        // not ours to set aside, nor to drop from the rebuilt copy.
        let mut base = accepted;
        if let Some(remote) = &st.remote_heads {
            for h in remote {
                if !base.contains(h) && st.doc.get_change_by_hash(h).is_some() {
                    base.push(*h);
                }
            }
        }
        let refused = st.doc.get_changes(&base);
        if refused.is_empty() {
            return None;
        }
        let mut bytes = Vec::new();
        for c in &refused {
            bytes.extend_from_slice(c.raw_bytes());
        }
        // A new author id, never the old one: the next edit must not reuse
        // the sequence number of a refused change, which stays on disk
        // until the snapshot below is durable and the old chunks are
        // deleted (for good if that write fails or the app stops first), and
        // a load holding both would refuse the chunk of the later one. Taken
        // from the last refused change's hash: unique, and the same on
        // every run of a simulation.
        let actor = automerge::ActorId::from(&refused[refused.len() - 1].hash().0[..16]);
        let rebuilt = match st.doc.fork_at(&base) {
            Ok(d) => d.with_actor(actor),
            Err(e) => {
                let message = format!("could not rebuild from the relay's state: {e}");
                self.event(Event::StorageProblem { doc: *doc, message });
                return None;
            }
        };
        let draft = Chunk::new(*doc, ChunkKind::Draft, bytes);
        let snapshot = Chunk::new(*doc, ChunkKind::Snapshot, rebuilt.save());
        // Every chunk so far goes once the snapshot is durable, except a
        // chunk written again meanwhile (the snapshot does not hold what the
        // old chunks held, so it does not cover them).
        let mut old: Vec<ChunkKey> = std::mem::take(&mut st.stored).into_iter().collect();
        old.retain(|k| k != &snapshot.key);
        st.doc = rebuilt;
        st.mirror = None;
        // Saved sync states may name the refused changes: start over.
        let states: Vec<ChunkKey> = std::mem::take(&mut st.sync_states)
            .into_values()
            .map(|s| s.key)
            .collect();
        if !states.is_empty() {
            self.actions.push_back(Action::Delete { keys: states });
        }
        st.compaction = Some(doc_state::Compaction {
            snapshot: snapshot.key.clone(),
            merged: old.into_iter().collect(),
            covers_merged: false,
        });
        st.saved_heads = st.doc.get_heads();
        st.drafts.insert(draft.key.clone(), draft.bytes.clone());
        let result = Draft {
            key: draft.key.clone(),
            bytes: draft.bytes.clone(),
        };
        // The draft first; the snapshot once the draft is durable (a failed
        // draft write is retried first); the old chunks, which still hold
        // the refused changes, go only once the snapshot is durable.
        st.draft_writes.insert(
            draft.key.clone(),
            (draft.clone(), doc_state::WriteState::InFlight),
        );
        st.snapshot_after_drafts = Some(snapshot);
        self.actions.push_back(Action::Store { chunk: draft });
        for peer in self.peers.values_mut() {
            if let Some(pd) = peer.docs.get_mut(doc) {
                *pd = PeerDoc::new();
            }
        }
        self.event(Event::DocChanged {
            doc: *doc,
            local: true,
        });
        self.flush(doc);
        Some(result)
    }

    /// Carry out a rebuild that was waiting, if it can happen now.
    pub(super) fn resume_rebuild(&mut self, doc: &DocumentId) {
        if matches!(self.docs.get(doc), Some(Slot::Ready(st)) if st.rebuild_wanted) {
            self.rebuild_from_relay(doc);
        }
    }
}
