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

/// `change` as a compressed change chunk whose deflate stream starts with
/// `padding` empty stored blocks (5 bytes each): valid, and as large as a
/// device likes, for a change of a few KB.
pub fn padded_compressed_chunk(change: &automerge::Change, padding: usize) -> Vec<u8> {
    let raw = change.raw_bytes();
    // magic (4), checksum (4), type 1 = change, LEB128 length, body.
    assert_eq!(raw[8], 1, "not an uncompressed change chunk");
    let mut at = 9;
    while raw[at] & 0x80 != 0 {
        at += 1;
    }
    let body = &raw[at + 1..];
    assert!(body.len() < 0xffff);
    let mut deflate = Vec::new();
    for _ in 0..padding {
        deflate.extend([0x00, 0x00, 0x00, 0xff, 0xff]);
    }
    let len = body.len() as u16;
    deflate.push(0x01);
    deflate.extend(len.to_le_bytes());
    deflate.extend((!len).to_le_bytes());
    deflate.extend(body);
    let mut chunk = raw[..8].to_vec();
    chunk.push(2); // compressed change
    leb128(&mut chunk, deflate.len() as u64);
    chunk.extend(deflate);
    chunk
}
