//! Speaking the wire protocol directly, as a hostile (or merely unusual)
//! client would: raw WebSocket frames, hand-built sync messages.

use futures_util::{SinkExt, StreamExt};
use shared::protocol::{DocumentId, Message, PeerId};
use tokio_tungstenite::tungstenite::Message as Ws;

use crate::PATIENCE;

/// A raw client socket.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Open a socket to `url` (`ws://…/sync`), with `?token=` when given.
pub async fn raw(url: &str, token: Option<&str>) -> Socket {
    let url = match token {
        Some(t) => format!("{url}?token={t}"),
        None => url.to_string(),
    };
    tokio_tungstenite::connect_async(url)
        .await
        .expect("socket opens")
        .0
}

/// Send one protocol message.
pub async fn send(s: &mut Socket, m: &Message) {
    send_bytes(s, m.encode()).await;
}

/// Send one binary frame as is.
pub async fn send_bytes(s: &mut Socket, bytes: Vec<u8>) {
    s.send(Ws::Binary(bytes.into())).await.expect("frame sent");
}

/// The next protocol message, or None when the socket closed.
pub async fn recv(s: &mut Socket) -> Option<Message> {
    loop {
        match tokio::time::timeout(PATIENCE, s.next())
            .await
            .expect("relay answers")
        {
            Some(Ok(Ws::Binary(b))) => {
                return Some(Message::decode(&b).expect("relay sends valid CBOR"));
            }
            Some(Ok(Ws::Close(_))) | None => return None,
            Some(Err(e)) => {
                eprintln!("socket error: {e}");
                return None;
            }
            Some(Ok(_)) => continue,
        }
    }
}

/// A socket that finished the handshake as peer `raw-test`.
pub async fn joined(url: &str, token: &str) -> Socket {
    joined_as(url, token, "raw-test").await.0
}

/// A socket that finished the handshake as `peer`; also the relay's peer id.
pub async fn joined_as(url: &str, token: &str, peer: &str) -> (Socket, PeerId) {
    let mut s = raw(url, Some(token)).await;
    send(
        &mut s,
        &Message::Join {
            sender_id: PeerId::from(peer),
            supported_protocol_versions: vec!["1".into()],
            metadata: None,
        },
    )
    .await;
    match recv(&mut s).await {
        Some(Message::Peer { sender_id, .. }) => (s, sender_id),
        other => panic!("expected the relay's peer message, got {other:?}"),
    }
}

/// The error a socket gets before it closes: (code, message).
pub async fn error_of(s: &mut Socket) -> (String, String) {
    loop {
        match recv(s).await {
            Some(Message::Error { message, code }) => {
                assert!(recv(s).await.is_none(), "the relay closes after an error");
                return (code.unwrap_or_default(), message);
            }
            Some(_) => continue,
            None => panic!("closed without an error message"),
        }
    }
}

/// A first sync message of a device that has nothing yet.
pub fn empty_sync() -> Vec<u8> {
    let d = automerge::Automerge::new();
    let mut st = automerge::sync::State::new();
    automerge::sync::SyncDoc::generate_sync_message(&d, &mut st)
        .expect("a first message")
        .encode()
}

/// A `sync` message for `doc` from `raw-test` carrying `data`.
pub fn sync_msg(doc: DocumentId, data: Vec<u8>) -> Message {
    Message::Sync {
        document_id: doc,
        sender_id: PeerId::from("raw-test"),
        target_id: PeerId::from("relay"),
        data,
    }
}

/// An automerge sync message (its bytes) claiming `heads` and carrying
/// `chunks` as its change list, framed however the caller likes.
pub fn sync_data(heads: Vec<automerge::ChangeHash>, chunks: Vec<Vec<u8>>) -> Vec<u8> {
    automerge::sync::Message {
        heads,
        need: Vec::new(),
        have: Vec::new(),
        changes: automerge::sync::ChunkList::from(chunks),
        flags: None,
        version: automerge::sync::MessageVersion::V1,
    }
    .encode()
}

/// Appends `value` as unsigned LEB128 (the integers of automerge's chunk
/// headers), for tests that build chunks by hand.
pub fn leb128(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}
