//! Sync states kept across connections, as automerge-repo keeps them under
//! `sync-state/<storageId>`: what this replica and one peer last knew they
//! share, so a reconnect starts from there instead of a blank Bloom exchange
//! (a device that changed nothing learns it is up to date in a few bytes).
//!
//! - **Whose state.** Only peers with storage of their own (a `storageId`
//!   in their handshake, not ephemeral) get one; on the relay the key is the
//!   device's identity *and* its storage id, so one device cannot overwrite
//!   another's. A storage id longer than [`MAX_STORAGE_ID`] gets none.
//! - **Only what is durable.** A state is saved only while every change of
//!   the document is durable and every shared head is in the document: a
//!   saved state never claims a change that a crash could lose (a peer that
//!   believed it would never send that change again).
//! - **Cheap and bounded.** States are saved when the peer disconnects, when
//!   the shell stops ([`Core::save_sync_states_now`]) and, when they moved,
//!   every `Config::save_sync_states_every_ms` while it stays (a relay every
//!   30 s, a client every 2 s: a page can be closed at any moment); at most
//!   [`MAX_STATES_PER_DOC`] per document. A lost or stale state costs only a longer exchange:
//!   automerge resets when a state names changes the other side lacks.
//! - Stored as content-addressed [`ChunkKind::SyncState`] chunks (peer key +
//!   `sync::State::encode`), never merged into the document; the previous
//!   chunk of the same peer is deleted when a new one is written.

use super::*;

/// Longest storage id that gets a saved sync state.
pub const MAX_STORAGE_ID: usize = 128;
/// Most saved sync states per document (further peers sync from scratch).
pub const MAX_STATES_PER_DOC: usize = 1024;

const MAGIC: &[u8] = b"thidua-sync-state-1\n";

/// A sync state as stored.
#[derive(Debug, Clone)]
pub(crate) struct SavedState {
    pub key: ChunkKey,
    /// The shared heads it holds.
    pub heads: Vec<ChangeHash>,
    /// `sync::State::encode`.
    pub state: Vec<u8>,
}

/// The key a peer's sync states are saved under, if it has storage.
pub(super) fn peer_key(auth: &PeerAuth, metadata: Option<&PeerMetadata>) -> Option<String> {
    let md = metadata?;
    let storage = md.storage_id.as_deref()?;
    if md.is_ephemeral || storage.is_empty() || storage.len() > MAX_STORAGE_ID {
        return None;
    }
    Some(match auth {
        PeerAuth::Relay => format!("relay\n{storage}"),
        PeerAuth::Device(d) => format!("device\n{}\n{}\n{storage}", d.office, d.device),
    })
}

fn encode(peer: &str, state: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(MAGIC.len() + 4 + peer.len() + state.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(peer.len() as u32).to_be_bytes());
    out.extend_from_slice(peer.as_bytes());
    out.extend_from_slice(state);
    out
}

fn decode(bytes: &[u8]) -> Option<(String, Vec<u8>)> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    let peer = std::str::from_utf8(rest.get(4..4 + len)?).ok()?.to_string();
    Some((peer, rest[4 + len..].to_vec()))
}

/// Read the saved sync states among a document's chunks. Returns them by
/// peer, and the keys of chunks to delete (unreadable, or a second state of
/// the same peer left by an interrupted save).
pub(super) fn load(chunks: Vec<Chunk>) -> (BTreeMap<String, SavedState>, Vec<ChunkKey>) {
    let mut states = BTreeMap::new();
    let mut stale = Vec::new();
    for chunk in chunks {
        let parsed = decode(&chunk.bytes).and_then(|(peer, state)| {
            let heads = sync::State::decode(&state).ok()?.shared_heads;
            Some((peer, state, heads))
        });
        match parsed {
            Some((peer, state, heads)) if !states.contains_key(&peer) => {
                states.insert(
                    peer,
                    SavedState {
                        key: chunk.key,
                        heads,
                        state,
                    },
                );
            }
            _ => stale.push(chunk.key),
        }
    }
    (states, stale)
}

impl<P: Policy> Core<P> {
    /// The sync state to start from with the peer on `conn` for `doc`.
    pub(super) fn starting_sync_state(&self, conn: ConnId, doc: &DocumentId) -> sync::State {
        let saved = self
            .peers
            .get(&conn)
            .and_then(|p| p.storage_key.as_ref())
            .zip(match self.docs.get(doc) {
                Some(Slot::Ready(st)) => Some(st),
                _ => None,
            })
            .and_then(|(key, st)| st.sync_states.get(key));
        saved
            .and_then(|s| sync::State::decode(&s.state).ok())
            .unwrap_or_default()
    }

    /// Save the sync states that moved since they were last saved: of the
    /// peer on `conn` (it is leaving), or of every peer.
    pub(super) fn save_sync_states(&mut self, only: Option<ConnId>) {
        let mut writes = Vec::new();
        for (conn, peer) in &self.peers {
            if only.is_some_and(|c| c != *conn) {
                continue;
            }
            let Some(key) = &peer.storage_key else {
                continue;
            };
            for (doc, pd) in &peer.docs {
                let Some(Slot::Ready(st)) = self.docs.get(doc) else {
                    continue;
                };
                let heads = &pd.sync.shared_heads;
                let known = st.sync_states.get(key);
                if heads.is_empty()
                    || known.is_some_and(|s| s.heads == *heads)
                    || (known.is_none() && st.sync_states.len() >= MAX_STATES_PER_DOC)
                    || !st.durable()
                    || heads.iter().any(|h| st.doc.get_change_by_hash(h).is_none())
                {
                    continue;
                }
                writes.push((*doc, key.clone(), heads.clone(), pd.sync.encode()));
            }
        }
        for (doc, peer, heads, state) in writes {
            let chunk = Chunk::new(doc, ChunkKind::SyncState, encode(&peer, &state));
            let Some(Slot::Ready(st)) = self.docs.get_mut(&doc) else {
                continue;
            };
            let saved = SavedState {
                key: chunk.key.clone(),
                heads,
                state,
            };
            if let Some(old) = st.sync_states.insert(peer, saved)
                && old.key != chunk.key
            {
                // A crash between the two loses at most this peer's state.
                self.actions.push_back(Action::Delete {
                    keys: vec![old.key],
                });
            }
            self.actions.push_back(Action::Store { chunk });
        }
    }

    /// On [`Input::Tick`]: save the states of peers that stay connected.
    pub(super) fn save_sync_states_when_due(&mut self) {
        if self.now_ms >= self.next_state_save_ms {
            self.next_state_save_ms = self.now_ms + self.cfg.save_sync_states_every_ms;
            self.save_sync_states(None);
        }
    }

    /// Save every peer's sync state that moved, now (a shell about to stop).
    pub fn save_sync_states_now(&mut self) {
        self.save_sync_states(None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_state_reads_back_and_garbage_is_set_aside() {
        let doc = DocumentId::from_bytes([1; 16]);
        let mut state = sync::State::new();
        let mut am = Automerge::new();
        let mut tx = am.transaction();
        automerge::transaction::Transactable::put(&mut tx, automerge::ROOT, "k", 1).unwrap();
        tx.commit();
        state.shared_heads = am.get_heads();
        let good = Chunk::new(
            doc,
            ChunkKind::SyncState,
            encode("relay\nx", &state.encode()),
        );
        let twice = Chunk::new(
            doc,
            ChunkKind::SyncState,
            encode("relay\nx", &sync::State::new().encode()),
        );
        let garbage = Chunk::new(doc, ChunkKind::SyncState, b"not a state".to_vec());
        let (states, stale) = load(vec![good.clone(), twice.clone(), garbage.clone()]);
        assert_eq!(states.len(), 1);
        assert_eq!(states["relay\nx"].heads, am.get_heads());
        assert_eq!(stale, vec![twice.key, garbage.key]);
    }

    #[test]
    fn only_peers_with_their_own_storage_get_a_saved_state() {
        let device = PeerAuth::Device(DeviceAuth {
            office: "LSN".into(),
            device: "may-1".into(),
        });
        let md = |id: &str, eph| PeerMetadata {
            storage_id: Some(id.into()),
            is_ephemeral: eph,
        };
        assert!(peer_key(&device, Some(&md("abc", false))).is_some());
        assert_eq!(peer_key(&device, Some(&md("abc", true))), None);
        assert_eq!(peer_key(&device, None), None);
        assert_eq!(peer_key(&device, Some(&md(&"x".repeat(200), false))), None);
        // Two devices with the same storage id do not share a state.
        let other = PeerAuth::Device(DeviceAuth {
            office: "CBG".into(),
            device: "may-1".into(),
        });
        assert_ne!(
            peer_key(&device, Some(&md("abc", false))),
            peer_key(&other, Some(&md("abc", false)))
        );
    }
}
