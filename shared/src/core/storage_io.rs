//! The storage side of the core: loading, write confirmations, compaction,
//! and chunks written by another writer of the same storage (another tab).

use super::*;

impl<P: Policy> Core<P> {
    pub(super) fn on_loaded(&mut self, doc: DocumentId, chunks: Result<Vec<Chunk>, String>) {
        let mut chunks = match chunks {
            Ok(chunks) => chunks,
            Err(e) => return self.load_failed(doc, e),
        };
        let (waiting, wanted) = match self.docs.get_mut(&doc) {
            Some(Slot::Loading {
                waiting,
                wanted,
                external,
                ..
            }) => {
                // Announced while the load ran: merged with what it read.
                let known: std::collections::BTreeSet<ChunkKey> =
                    chunks.iter().map(|c| c.key.clone()).collect();
                chunks.extend(
                    std::mem::take(external)
                        .into_iter()
                        .filter(|c| !known.contains(&c.key)),
                );
                (std::mem::take(waiting), *wanted)
            }
            _ => return,
        };
        let (drafts, chunks): (Vec<Chunk>, Vec<Chunk>) = chunks
            .into_iter()
            .partition(|c| c.key.kind == ChunkKind::Draft);
        let (states, chunks): (Vec<Chunk>, Vec<Chunk>) = chunks
            .into_iter()
            .partition(|c| c.key.kind == ChunkKind::SyncState);
        let (sync_states, stale_states) = sync_states::load(states);
        if !stale_states.is_empty() {
            self.actions
                .push_back(Action::Delete { keys: stale_states });
        }
        let mut loaded = merge_chunks(chunks);
        if let Some(actor) = &self.cfg.actor {
            loaded.doc.set_actor(actor.clone());
        }
        let problems: Vec<String> = loaded.problems.iter().map(|p| p.to_string()).collect();
        let mut st = DocState::new(doc, loaded.doc, loaded.merged);
        st.drafts = drafts.into_iter().map(|c| (c.key, c.bytes)).collect();
        st.sync_states = sync_states;
        st.pinned = self.policy.pinned().contains(&doc);
        st.wanted = wanted;
        if self.cfg.role == Role::Relay {
            // The relay checks every change a device sends against what it
            // read of the document before (the memo): read it now, while
            // the document is read from storage, so the first change after
            // a load is checked as cheaply as the later ones (and the
            // device does not wait for a whole reading of the document).
            Self::violations_before(
                &self.policy,
                Docs(&self.docs, &self.external),
                &doc,
                &mut st,
            );
        }
        self.docs.insert(doc, Slot::Ready(Box::new(st)));
        for message in problems {
            self.event(Event::StorageProblem { doc, message });
        }
        self.event(Event::DocReady { doc });
        for (conn, msg) in waiting {
            self.on_doc_message(conn, doc, msg);
        }
        if wanted {
            self.begin_sync_all(doc);
        }
        if self.policy.pinned().contains(&doc) {
            // Changes held until the rules could read this document.
            self.retry_deferred(true);
        }
    }

    /// A load failed: the document is *not* served (an empty document would
    /// make devices' replicas look refused); messages for it keep waiting and
    /// the load is retried with backoff on [`Input::Tick`].
    fn load_failed(&mut self, doc: DocumentId, error: String) {
        let now = self.now_ms;
        let Some(Slot::Loading { failure, .. }) = self.docs.get_mut(&doc) else {
            return;
        };
        let attempts = failure.as_ref().map_or(0, |f| f.attempts) + 1;
        let message = format!(
            "could not load from storage ({error}); the document is not served until it loads, retrying (attempt {attempts})"
        );
        *failure = Some(LoadFailure {
            attempts,
            retry_at_ms: Some(now + backoff_ms(attempts)),
        });
        self.last_storage_error = Some(message.clone());
        self.event(Event::StorageProblem { doc, message });
    }

    /// Time passed: retry failed loads and writes whose time has come.
    pub(super) fn on_tick(&mut self, now_ms: u64) {
        self.now_ms = self.now_ms.max(now_ms);
        let now = self.now_ms;
        let mut loads = Vec::new();
        for (id, slot) in self.docs.iter_mut() {
            if let Slot::Loading {
                failure: Some(f), ..
            } = slot
                && f.retry_at_ms.is_some_and(|t| t <= now)
            {
                f.retry_at_ms = None;
                loads.push(*id);
            }
        }
        loads.sort(); // one order every run (the map's is random)
        for doc in loads {
            self.actions.push_back(Action::Load { doc });
        }
        self.save_sync_states_when_due();
        self.retry_deferred(false);
        if let Some((at, failures)) = self.write_retry
            && at <= now
        {
            // Until these writes answer, no further timed retry.
            self.write_retry = Some((u64::MAX, failures));
            self.retry_storage();
        }
    }

    pub(super) fn on_stored(&mut self, key: ChunkKey, result: Result<(), String>) {
        let doc = key.doc;
        if let Err(e) = result {
            let failures = self.write_retry.map_or(0, |(_, n)| n) + 1;
            self.write_retry = Some((self.now_ms + backoff_ms(failures), failures));
            let message = format!(
                "could not save changes to storage ({e}); they are kept in memory, not acknowledged to anyone, and saved again (attempt {failures})"
            );
            self.last_storage_error = Some(message.clone());
            if let Some(Slot::Ready(st)) = self.docs.get_mut(&doc) {
                st.stored_failed(&key);
            }
            self.event(Event::StorageProblem { doc, message });
            return;
        }
        if self.write_retry.is_some() && self.storage_health().failed_writes == 0 {
            self.write_retry = None; // storage works again
        }
        let Some(Slot::Ready(st)) = self.docs.get_mut(&doc) else {
            return;
        };
        if key.kind == ChunkKind::Draft
            && let Some(chunk) = st.draft_stored(&key)
        {
            self.actions.push_back(Action::Store { chunk });
        }
        if !key.kind.is_content() {
            return;
        }
        if let Some(keys) = st.stored_ok(&key) {
            if !keys.is_empty() {
                self.actions.push_back(Action::Delete { keys });
            }
        } else if let Some(chunk) = st.maybe_compact(&self.cfg.compaction) {
            self.actions.push_back(Action::Store { chunk });
        }
        // Changes made while that write was under way (group commit).
        if let Some(chunk) = st.persist() {
            self.actions.push_back(Action::Store { chunk });
        }
        if st.durable() {
            self.flush(&doc);
            self.resume_rebuild(&doc);
        }
    }

    pub(super) fn on_external(&mut self, doc: DocumentId, chunks: Vec<Chunk>) {
        let st = match self.docs.get_mut(&doc) {
            Some(Slot::Ready(st)) => st,
            Some(Slot::Loading { external, .. }) => {
                let room = MAX_EXTERNAL_WHILE_LOADING.saturating_sub(external.len());
                if chunks.len() > room {
                    tracing::warn!(%doc, "chunks announced while the document loads were dropped (too many): it misses them until it is loaded again");
                }
                external.extend(chunks.into_iter().take(room));
                return;
            }
            None => return,
        };
        let before = st.doc.get_heads();
        let all_saved = before == st.saved_heads;
        let mut problems = Vec::new();
        let mut read = false;
        for chunk in chunks {
            match chunk.key.kind {
                ChunkKind::Draft => {
                    st.drafts.insert(chunk.key, chunk.bytes);
                }
                // Another tab's sync states are its own.
                ChunkKind::SyncState => {}
                _ if st.stored.contains(&chunk.key) || st.pending.contains_key(&chunk.key) => {}
                _ => match st.doc.load_incremental(&chunk.bytes) {
                    Ok(_) => {
                        st.stored.insert(chunk.key);
                        read = true;
                    }
                    Err(e) => problems.push(format!(
                        "chunk {} from another tab could not be read ({e})",
                        chunk.key
                    )),
                },
            }
        }
        let changed = st.doc.get_heads() != before;
        if read {
            // Even without new heads (changes that wait for a dependency):
            // the gate's scratch copy no longer holds what the document does.
            st.mirror = None;
        }
        if changed && all_saved {
            st.saved_heads = st.doc.get_heads();
        }
        for message in problems {
            self.event(Event::StorageProblem { doc, message });
        }
        if changed {
            self.event(Event::DocChanged { doc, local: false });
            self.persist(&doc);
            self.flush(&doc);
        }
    }

    pub(super) fn ensure_loading(&mut self, doc: DocumentId) {
        if let std::collections::hash_map::Entry::Vacant(e) = self.docs.entry(doc) {
            e.insert(Slot::Loading {
                waiting: Vec::new(),
                wanted: false,
                failure: None,
                external: Vec::new(),
            });
            self.actions.push_back(Action::Load { doc });
        }
    }

    pub(super) fn persist(&mut self, doc: &DocumentId) {
        if let Some(Slot::Ready(st)) = self.docs.get_mut(doc)
            && let Some(chunk) = st.persist()
        {
            self.actions.push_back(Action::Store { chunk });
        }
    }
}
