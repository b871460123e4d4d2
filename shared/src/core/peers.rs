//! Connections: the automerge-repo handshake (`join`/`peer`), routing of
//! the messages of a connection that finished it, protocol errors, and the
//! messages the core sends on its own (errors, `doc-unavailable`, refusal notices).

use super::*;

impl<P: Policy> Core<P> {
    pub(super) fn on_connected(&mut self, conn: ConnId, auth: PeerAuth) {
        let handshake = match self.cfg.role {
            Role::Relay => Handshake::AwaitJoin,
            Role::Client => {
                let join = Message::Join {
                    sender_id: self.cfg.peer_id.clone(),
                    supported_protocol_versions: vec![PROTOCOL_V1.to_string()],
                    metadata: Some(self.metadata()),
                };
                self.send(conn, &join);
                Handshake::AwaitPeer
            }
        };
        self.peers.insert(
            conn,
            Peer {
                auth,
                storage_key: None,
                handshake,
                docs: BTreeMap::new(),
                ephemeral: Bucket {
                    tokens: f64::from(self.cfg.limits.ephemeral_burst),
                    at_ms: self.now_ms,
                    dropped: 0,
                },
            },
        );
    }

    pub(super) fn metadata(&self) -> PeerMetadata {
        PeerMetadata {
            storage_id: self.cfg.storage_id.clone(),
            is_ephemeral: self.cfg.storage_id.is_none(),
        }
    }

    pub(super) fn on_frame(&mut self, conn: ConnId, bytes: Vec<u8>) {
        if !self.peers.contains_key(&conn) {
            return;
        }
        if bytes.len() > self.cfg.max_frame_bytes {
            let message = format!(
                "frame of {} bytes is larger than the limit of {} bytes",
                bytes.len(),
                self.cfg.max_frame_bytes
            );
            return self.fail(conn, "frame-too-large", message);
        }
        let msg = match Message::decode_with(&bytes, self.cfg.limits.cbor) {
            Ok(m) => m,
            Err(e @ DecodeError::OverBudget(_)) => {
                return self.fail(conn, "over-budget", e.to_string());
            }
            Err(e) => return self.fail(conn, "malformed-message", e.to_string()),
        };
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        match (&peer.handshake, msg) {
            (
                Handshake::AwaitJoin,
                Message::Join {
                    sender_id,
                    supported_protocol_versions,
                    metadata,
                },
            ) => {
                let answers = self.cfg.answer_join;
                if !supported_protocol_versions.iter().any(|v| v == PROTOCOL_V1) {
                    if !answers {
                        // The part of the shell that answers refuses it.
                        return;
                    }
                    let message = format!(
                        "unsupported protocol versions {supported_protocol_versions:?}; this relay speaks version 1"
                    );
                    return self.fail(conn, "unsupported-protocol", message);
                }
                peer.handshake = Handshake::Ready {
                    remote: sender_id.clone(),
                };
                peer.storage_key = sync_states::peer_key(&peer.auth, metadata.as_ref());
                if !answers {
                    return;
                }
                let reply = Message::Peer {
                    sender_id: self.cfg.peer_id.clone(),
                    target_id: sender_id.clone(),
                    selected_protocol_version: PROTOCOL_V1.to_string(),
                    metadata: Some(self.metadata()),
                };
                self.send(conn, &reply);
                self.event(Event::PeerReady {
                    conn,
                    peer_id: sender_id,
                });
            }
            (Handshake::AwaitJoin, other) => {
                let message = format!(
                    "expected a \"join\" message first, got {:?}",
                    other.type_name()
                );
                self.fail(conn, "join-expected", message)
            }
            (
                Handshake::AwaitPeer,
                Message::Peer {
                    sender_id,
                    selected_protocol_version,
                    metadata,
                    ..
                },
            ) => {
                if selected_protocol_version != PROTOCOL_V1 {
                    let message = format!(
                        "relay selected protocol {selected_protocol_version:?}, we speak 1"
                    );
                    return self.fail(conn, "unsupported-protocol", message);
                }
                peer.handshake = Handshake::Ready {
                    remote: sender_id.clone(),
                };
                peer.storage_key = sync_states::peer_key(&peer.auth, metadata.as_ref());
                self.event(Event::PeerReady {
                    conn,
                    peer_id: sender_id,
                });
                let wanted: Vec<DocumentId> = self
                    .docs
                    .iter()
                    .filter(|(_, s)| matches!(s, Slot::Ready(st) if st.wanted))
                    .map(|(id, _)| *id)
                    .collect();
                for doc in wanted {
                    self.begin_sync(conn, doc);
                }
            }
            (_, Message::Error { message, code }) => {
                self.event(Event::ProtocolError {
                    conn,
                    code: code.unwrap_or_else(|| "remote-error".into()),
                    message,
                });
                self.actions.push_back(Action::Close { conn });
                self.peers.remove(&conn);
            }
            (Handshake::AwaitPeer, other) => {
                let message = format!(
                    "expected a \"peer\" message first, got {:?}",
                    other.type_name()
                );
                self.fail(conn, "peer-expected", message)
            }
            (Handshake::Ready { .. }, msg) => self.on_ready_message(conn, msg),
        }
    }

    pub(super) fn on_ready_message(&mut self, conn: ConnId, msg: Message) {
        match msg {
            Message::Request { document_id, .. } | Message::Sync { document_id, .. } => {
                self.on_doc_message(conn, document_id, msg)
            }
            Message::DocUnavailable { document_id, .. } => {
                self.event(Event::DocUnavailable { doc: document_id })
            }
            Message::Ephemeral {
                document_id,
                sender_id,
                data,
                ..
            } if self.cfg.role == Role::Client => {
                // Only the relay we handshook with speaks for the relay.
                let from_relay = matches!(
                    self.peers.get(&conn).map(|p| &p.handshake),
                    Some(Handshake::Ready { remote }) if *remote == sender_id
                );
                if !from_relay {
                    return;
                }
                if let Some(notice) = RejectionNotice::decode(&data) {
                    self.event(Event::Rejected {
                        conn,
                        doc: document_id,
                        rejection: notice.rejection.clone(),
                    });
                    if let Some(pd) = self
                        .peers
                        .get_mut(&conn)
                        .and_then(|p| p.docs.get_mut(&document_id))
                    {
                        pd.notice = Some(notice);
                    }
                }
            }
            Message::Ephemeral { .. } => self.on_ephemeral(conn, msg),
            Message::Leave { .. } => {
                self.save_sync_states(Some(conn));
                self.actions.push_back(Action::Close { conn });
                self.peers.remove(&conn);
            }
            Message::Join { .. } | Message::Peer { .. } => {
                // A repeated handshake message: harmless, ignore.
            }
            Message::Error { .. } => unreachable!("handled before"),
            Message::RemoteSubscriptionChange { .. } | Message::RemoteHeadsChanged { .. } => {
                // Remote-heads gossip is optional in the protocol; not used here.
            }
        }
    }

    /// Relay: an `ephemeral` message from a device, forwarded to the other
    /// devices syncing its document if it passes: the sender is the peer of
    /// this connection, the device may read the document, the data is small,
    /// not shaped like the relay's own notices, and within the rate.
    pub(super) fn on_ephemeral(&mut self, from: ConnId, msg: Message) {
        let Message::Ephemeral {
            document_id,
            sender_id,
            count,
            session_id,
            data,
            ..
        } = msg
        else {
            return;
        };
        let limits = &self.cfg.limits;
        let Some(peer) = self.peers.get_mut(&from) else {
            return;
        };
        let Handshake::Ready { remote } = &peer.handshake else {
            return;
        };
        if *remote != sender_id {
            let message = format!(
                "an ephemeral message names {sender_id} as its sender, but this connection is {remote}; \
                 a device may only speak for itself"
            );
            return self.fail(from, "sender-mismatch", message);
        }
        if data.len() > limits.max_ephemeral_bytes {
            let message = format!(
                "an ephemeral message carries {} bytes, more than the {} this relay forwards",
                data.len(),
                limits.max_ephemeral_bytes
            );
            return self.fail(from, "ephemeral-too-large", message);
        }
        if notice::is_reserved(&data, limits.cbor) {
            let message = "an ephemeral message is shaped like the relay's refusal notice \
                           (a map with a \"thidua\" field); only the relay sends those"
                .to_string();
            return self.fail(from, "reserved-ephemeral", message);
        }
        // Token bucket, refilled by the shell's time.
        let b = &mut peer.ephemeral;
        let elapsed = self.now_ms.saturating_sub(b.at_ms) as f64 / 1000.0;
        b.at_ms = self.now_ms;
        b.tokens = (b.tokens + elapsed * f64::from(limits.ephemeral_per_second))
            .min(f64::from(limits.ephemeral_burst));
        if b.tokens < 1.0 {
            b.dropped += 1;
            if b.dropped > limits.ephemeral_burst.saturating_mul(10) {
                let message = format!(
                    "this connection sends ephemeral messages faster than {} a second; slow down",
                    limits.ephemeral_per_second
                );
                return self.fail(from, "ephemeral-rate", message);
            }
            return; // dropped: ephemeral messages may be lost by design
        }
        b.tokens -= 1.0;
        let auth = peer.auth.clone();
        if self
            .policy
            .access(&auth, &document_id, &Docs(&self.docs, &self.external))
            == Access::None
        {
            return;
        }
        let targets: Vec<(ConnId, PeerId)> = self
            .peers
            .iter()
            .filter(|(c, p)| **c != from && p.docs.contains_key(&document_id))
            .filter_map(|(c, p)| match &p.handshake {
                Handshake::Ready { remote } => Some((*c, remote.clone())),
                _ => None,
            })
            .collect();
        for (conn, remote) in targets {
            let out = Message::Ephemeral {
                document_id,
                sender_id: sender_id.clone(),
                target_id: remote,
                count,
                session_id: session_id.clone(),
                data: data.clone(),
            };
            self.send(conn, &out);
        }
    }

    pub(super) fn send(&mut self, conn: ConnId, msg: &Message) {
        self.actions.push_back(Action::Send {
            conn,
            bytes: msg.encode(),
        });
    }

    pub(super) fn send_unavailable(&mut self, conn: ConnId, doc: DocumentId) {
        if let Some(Handshake::Ready { remote }) = self.peers.get(&conn).map(|p| &p.handshake) {
            let msg = Message::DocUnavailable {
                document_id: doc,
                sender_id: self.cfg.peer_id.clone(),
                target_id: remote.clone(),
            };
            self.send(conn, &msg);
        }
    }

    pub(super) fn send_notice(
        &mut self,
        conn: ConnId,
        doc: DocumentId,
        rejection: Rejection,
        accepted_heads: Vec<ChangeHash>,
    ) {
        let Some(Handshake::Ready { remote }) = self.peers.get(&conn).map(|p| &p.handshake) else {
            return;
        };
        let remote = remote.clone();
        self.ephemeral_count += 1;
        let notice = RejectionNotice {
            rejection,
            accepted_heads,
        };
        let msg = Message::Ephemeral {
            document_id: doc,
            sender_id: self.cfg.peer_id.clone(),
            target_id: remote,
            count: self.ephemeral_count,
            session_id: self.cfg.peer_id.to_string(),
            data: notice.encode(),
        };
        self.send(conn, &msg);
    }

    /// Refuse a frame: tell the peer why, close the connection, log it.
    pub(super) fn fail(&mut self, conn: ConnId, code: &str, message: String) {
        let err = Message::Error {
            message: message.clone(),
            code: Some(code.to_string()),
        };
        self.send(conn, &err);
        self.actions.push_back(Action::Close { conn });
        self.peers.remove(&conn);
        self.event(Event::ProtocolError {
            conn,
            code: code.to_string(),
            message,
        });
    }
}
