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
    assert_eq!(raw[8], 1, "not an uncompressed change chunk");
    let body = chunk_body(raw);
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

/// Reads an unsigned LEB128 number at `at`, moving past it.
pub fn read_leb128(bytes: &[u8], at: &mut usize) -> u64 {
    let (mut value, mut shift) = (0u64, 0);
    loop {
        let b = bytes[*at];
        *at += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return value;
        }
        shift += 7;
    }
}

/// A document chunk like `saved` (an uncompressed save, `save_nocompress`)
/// whose changes' dependencies are `deps` instead (each an index into the
/// document's changes, as the format stores them), with a valid checksum:
/// a well-formed chunk a device may send that lies about its history.
pub fn document_with_dependencies(saved: &[u8], deps: &[u64]) -> Vec<u8> {
    assert_eq!(saved[8], 0, "not a document chunk");
    let body = chunk_body(saved);
    // The body: actors, heads, change columns' specs and lengths, op
    // columns' specs and lengths, the change columns, the op columns, the
    // heads' indexes.
    let mut at = 0;
    let actors = read_leb128(body, &mut at);
    for _ in 0..actors {
        let n = read_leb128(body, &mut at) as usize;
        at += n;
    }
    let heads = read_leb128(body, &mut at) as usize;
    at += 32 * heads;
    let columns_at = at;
    let mut change_columns = Vec::new();
    for _ in 0..read_leb128(body, &mut at) {
        let spec = read_leb128(body, &mut at);
        let len = read_leb128(body, &mut at) as usize;
        assert_eq!(
            spec & 0x08,
            0,
            "a compressed column: save with save_nocompress"
        );
        change_columns.push((spec, len));
    }
    let rest = &body[at..]; // op columns' specs, then the data
    let mut ops_at = 0;
    for _ in 0..read_leb128(rest, &mut ops_at) {
        read_leb128(rest, &mut ops_at);
        read_leb128(rest, &mut ops_at);
    }
    let (ops_meta, data) = rest.split_at(ops_at);
    // The dependency values: column 4, delta-encoded integers (type 3),
    // written as one literal run of signed LEB128 deltas.
    const DEPS_VALUES: u64 = (4 << 4) | 3;
    let mut values = Vec::new();
    leb128_signed(&mut values, -(deps.len() as i64));
    let mut last = 0i64;
    for &d in deps {
        leb128_signed(&mut values, d as i64 - last);
        last = d as i64;
    }
    let mut new_body = body[..columns_at].to_vec();
    leb128(&mut new_body, change_columns.len() as u64);
    let mut column_data = Vec::new();
    let mut offset = 0;
    for (spec, len) in &change_columns {
        let old = &data[offset..offset + len];
        offset += len;
        let new = if *spec == DEPS_VALUES {
            &values[..]
        } else {
            old
        };
        leb128(&mut new_body, *spec);
        leb128(&mut new_body, new.len() as u64);
        column_data.extend_from_slice(new);
    }
    new_body.extend_from_slice(ops_meta);
    new_body.extend(column_data);
    new_body.extend_from_slice(&data[offset..]);
    with_body(saved, &new_body)
}

/// The body of a chunk: after its magic bytes (4), checksum (4), type and
/// LEB128 length.
pub fn chunk_body(chunk: &[u8]) -> &[u8] {
    let mut at = 9;
    let len = read_leb128(chunk, &mut at) as usize;
    &chunk[at..at + len]
}

/// A chunk of `chunk`'s type with `body`, and the checksum that body has:
/// what any device can make of any bytes.
pub fn with_body(chunk: &[u8], body: &[u8]) -> Vec<u8> {
    let mut typed = vec![chunk[8]];
    leb128(&mut typed, body.len() as u64);
    use sha2::Digest;
    let hash = sha2::Sha256::new()
        .chain_update(&typed)
        .chain_update(body)
        .finalize();
    let mut out = chunk[..4].to_vec();
    out.extend_from_slice(&hash[..4]);
    out.extend(typed);
    out.extend_from_slice(body);
    out
}

/// Appends `value` as signed LEB128.
fn leb128_signed(out: &mut Vec<u8>, mut value: i64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        let done = (value == 0 && byte & 0x40 == 0) || (value == -1 && byte & 0x40 != 0);
        out.push(if done { byte } else { byte | 0x80 });
        if done {
            return;
        }
    }
}
