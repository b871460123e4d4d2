//! The storage side of the core: loading, write confirmations, compaction,
//! and chunks written by another writer of the same storage (another tab).

use super::*;

impl<P: Policy> Core<P> {
    pub(super) fn on_loaded(&mut self, doc: DocumentId, chunks: Result<Vec<Chunk>, String>) {
        let (waiting, wanted) = match self.docs.get_mut(&doc) {
            Some(Slot::Loading { waiting, wanted }) => (std::mem::take(waiting), *wanted),
            _ => return,
        };
        let (automerge, stored, drafts, problems) = match chunks {
            Ok(chunks) => {
                let (drafts, chunks): (Vec<Chunk>, Vec<Chunk>) = chunks
                    .into_iter()
                    .partition(|c| c.key.kind == ChunkKind::Draft);
                let loaded = merge_chunks(chunks);
                let problems: Vec<String> = loaded.problems.iter().map(|p| p.to_string()).collect();
                (loaded.doc, loaded.merged, drafts, problems)
            }
            Err(e) => (
                Automerge::new(),
                Default::default(),
                Vec::new(),
                vec![format!("could not load from storage: {e}")],
            ),
        };
        let mut st = DocState::new(doc, automerge, stored);
        st.drafts = drafts.into_iter().map(|c| (c.key, c.bytes)).collect();
        st.pinned = self.policy.pinned().contains(&doc);
        st.wanted = wanted;
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
    }

    pub(super) fn on_stored(&mut self, key: ChunkKey, result: Result<(), String>) {
        let doc = key.doc;
        let Some(Slot::Ready(st)) = self.docs.get_mut(&doc) else {
            return;
        };
        match result {
            Ok(()) => {
                if key.kind == ChunkKind::Draft {
                    return;
                }
                if let Some(keys) = st.stored_ok(&key) {
                    if !keys.is_empty() {
                        self.actions.push_back(Action::Delete { keys });
                    }
                } else if let Some(chunk) = st.maybe_compact(&self.cfg.compaction) {
                    self.actions.push_back(Action::Store { chunk });
                }
                if st.durable() {
                    self.flush(&doc);
                }
            }
            Err(e) => {
                st.stored_failed(&key);
                let message = format!(
                    "could not save changes to storage ({e}); they are kept in memory and will be saved again"
                );
                self.event(Event::StorageProblem { doc, message });
            }
        }
    }

    pub(super) fn on_external(&mut self, doc: DocumentId, chunks: Vec<Chunk>) {
        let Some(Slot::Ready(st)) = self.docs.get_mut(&doc) else {
            return;
        };
        let before = st.doc.get_heads();
        let all_saved = before == st.saved_heads;
        let mut problems = Vec::new();
        for chunk in chunks {
            match chunk.key.kind {
                ChunkKind::Draft => {
                    st.drafts.insert(chunk.key, chunk.bytes);
                }
                _ if st.stored.contains(&chunk.key) || st.pending.contains_key(&chunk.key) => {}
                _ => match st.doc.load_incremental(&chunk.bytes) {
                    Ok(_) => {
                        st.stored.insert(chunk.key);
                    }
                    Err(e) => problems.push(format!(
                        "chunk {} from another tab could not be read ({e})",
                        chunk.key
                    )),
                },
            }
        }
        let changed = st.doc.get_heads() != before;
        if changed {
            st.mirror = None;
            if all_saved {
                st.saved_heads = st.doc.get_heads();
            }
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
