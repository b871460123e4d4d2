//! The automerge-repo v1 wire messages and their CBOR encoding.
//!
//! Every frame on the WebSocket is one CBOR map with a `type` field
//! (`join`, `peer`, `leave`, `request`, `sync`, `doc-unavailable`,
//! `ephemeral`, `error`, `remote-subscription-change`, `remote-heads-changed`).
//! Decoding ([`Message::decode`]) reads the frame straight into these typed
//! messages under a [`CborBudget`] (see [`super::cbor`]): strict about what
//! the protocol needs, lenient about extra fields, so newer clients keep
//! working; every failure names what was wrong.

use ciborium::value::Value;

/// The CBOR value type used on the wire (re-exported for tools and tests).
pub use ciborium::value::Value as CborValue;

use super::cbor::{CborBudget, CborError, Head, MapKey, Reader};
use super::ids::{DocumentId, DocumentIdError, PeerId};

/// The only protocol version there is.
pub const PROTOCOL_V1: &str = "1";

/// Optional metadata carried by `join` and `peer`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerMetadata {
    /// Id of the peer's persistent storage (shared by all tabs of one browser profile).
    pub storage_id: Option<String>,
    /// Whether the peer expects to come back with the same storage.
    pub is_ephemeral: bool,
}

/// One message of the automerge-repo v1 protocol.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    Join {
        sender_id: PeerId,
        supported_protocol_versions: Vec<String>,
        metadata: Option<PeerMetadata>,
    },
    Peer {
        sender_id: PeerId,
        target_id: PeerId,
        selected_protocol_version: String,
        metadata: Option<PeerMetadata>,
    },
    Leave {
        sender_id: PeerId,
    },
    /// Like `sync`, but the sender wants `doc-unavailable` if the receiver lacks the document.
    Request {
        document_id: DocumentId,
        sender_id: PeerId,
        target_id: PeerId,
        data: Vec<u8>,
    },
    Sync {
        document_id: DocumentId,
        sender_id: PeerId,
        target_id: PeerId,
        data: Vec<u8>,
    },
    DocUnavailable {
        document_id: DocumentId,
        sender_id: PeerId,
        target_id: PeerId,
    },
    Ephemeral {
        document_id: DocumentId,
        sender_id: PeerId,
        target_id: PeerId,
        count: u64,
        session_id: String,
        data: Vec<u8>,
    },
    /// A protocol error; the connection closes after it. `code` is our extension:
    /// a stable machine-readable reason that clients translate for the user.
    Error {
        message: String,
        code: Option<String>,
    },
    RemoteSubscriptionChange {
        sender_id: PeerId,
        target_id: PeerId,
        add: Vec<String>,
        remove: Vec<String>,
    },
    RemoteHeadsChanged {
        sender_id: PeerId,
        target_id: PeerId,
        document_id: DocumentId,
    },
}

/// Why a frame could not be understood. Each message says what a sender must fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the frame is not valid CBOR: {0}")]
    NotCbor(String),
    #[error(
        "the frame is CBOR but not a map; every message must be a CBOR map with a \"type\" field"
    )]
    NotAMap,
    #[error("the message has no \"type\" text field")]
    MissingType,
    #[error("unknown message type {0:?}; this relay speaks automerge-repo protocol version 1")]
    UnknownType(String),
    #[error("a {msg_type:?} message needs the field {field:?}")]
    MissingField {
        msg_type: &'static str,
        field: &'static str,
    },
    #[error("in a {msg_type:?} message the field {field:?} must be {expected}")]
    WrongFieldType {
        msg_type: &'static str,
        field: &'static str,
        expected: &'static str,
    },
    #[error("the frame is larger than this relay decodes: {0}")]
    OverBudget(String),
    #[error("in a {msg_type:?} message: {source}")]
    BadDocumentId {
        msg_type: &'static str,
        source: DocumentIdError,
    },
}

impl Message {
    /// The wire name of this message's type.
    pub fn type_name(&self) -> &'static str {
        match self {
            Message::Join { .. } => "join",
            Message::Peer { .. } => "peer",
            Message::Leave { .. } => "leave",
            Message::Request { .. } => "request",
            Message::Sync { .. } => "sync",
            Message::DocUnavailable { .. } => "doc-unavailable",
            Message::Ephemeral { .. } => "ephemeral",
            Message::Error { .. } => "error",
            Message::RemoteSubscriptionChange { .. } => "remote-subscription-change",
            Message::RemoteHeadsChanged { .. } => "remote-heads-changed",
        }
    }

    /// The document this message is about, if any.
    pub fn document_id(&self) -> Option<DocumentId> {
        match self {
            Message::Request { document_id, .. }
            | Message::Sync { document_id, .. }
            | Message::DocUnavailable { document_id, .. }
            | Message::Ephemeral { document_id, .. }
            | Message::RemoteHeadsChanged { document_id, .. } => Some(*document_id),
            _ => None,
        }
    }

    /// Encode as one CBOR frame.
    pub fn encode(&self) -> Vec<u8> {
        let mut m: Vec<(Value, Value)> = vec![(text("type"), text(self.type_name()))];
        let mut put = |k: &str, v: Value| m.push((text(k), v));
        match self {
            Message::Join {
                sender_id,
                supported_protocol_versions,
                metadata,
            } => {
                put("senderId", text(sender_id.as_str()));
                put(
                    "supportedProtocolVersions",
                    Value::Array(
                        supported_protocol_versions
                            .iter()
                            .map(|v| text(v))
                            .collect(),
                    ),
                );
                if let Some(md) = metadata {
                    put("peerMetadata", encode_metadata(md));
                }
            }
            Message::Peer {
                sender_id,
                target_id,
                selected_protocol_version,
                metadata,
            } => {
                put("senderId", text(sender_id.as_str()));
                put("targetId", text(target_id.as_str()));
                put("selectedProtocolVersion", text(selected_protocol_version));
                if let Some(md) = metadata {
                    put("peerMetadata", encode_metadata(md));
                }
            }
            Message::Leave { sender_id } => put("senderId", text(sender_id.as_str())),
            Message::Request {
                document_id,
                sender_id,
                target_id,
                data,
            }
            | Message::Sync {
                document_id,
                sender_id,
                target_id,
                data,
            } => {
                put("documentId", text(&document_id.to_string()));
                put("senderId", text(sender_id.as_str()));
                put("targetId", text(target_id.as_str()));
                put("data", Value::Bytes(data.clone()));
            }
            Message::DocUnavailable {
                document_id,
                sender_id,
                target_id,
            }
            | Message::RemoteHeadsChanged {
                document_id,
                sender_id,
                target_id,
            } => {
                put("documentId", text(&document_id.to_string()));
                put("senderId", text(sender_id.as_str()));
                put("targetId", text(target_id.as_str()));
                if matches!(self, Message::RemoteHeadsChanged { .. }) {
                    put("newHeads", Value::Map(vec![]));
                }
            }
            Message::Ephemeral {
                document_id,
                sender_id,
                target_id,
                count,
                session_id,
                data,
            } => {
                put("documentId", text(&document_id.to_string()));
                put("senderId", text(sender_id.as_str()));
                put("targetId", text(target_id.as_str()));
                put("count", Value::Integer((*count).into()));
                put("sessionId", text(session_id));
                put("data", Value::Bytes(data.clone()));
            }
            Message::Error { message, code } => {
                put("message", text(message));
                if let Some(code) = code {
                    put("code", text(code));
                }
            }
            Message::RemoteSubscriptionChange {
                sender_id,
                target_id,
                add,
                remove,
            } => {
                put("senderId", text(sender_id.as_str()));
                put("targetId", text(target_id.as_str()));
                put("add", Value::Array(add.iter().map(|s| text(s)).collect()));
                put(
                    "remove",
                    Value::Array(remove.iter().map(|s| text(s)).collect()),
                );
            }
        }
        encode_value(&Value::Map(m))
    }

    /// Decode one CBOR frame with the default [`CborBudget`].
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::decode_with(bytes, CborBudget::default())
    }

    /// Decode one CBOR frame straight into a message: no value tree is
    /// built, nesting and item counts are bounded by `budget`, unknown
    /// fields are skipped.
    pub fn decode_with(bytes: &[u8], budget: CborBudget) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes, budget);
        let len = match r.head()? {
            Head::Map(len) => len,
            Head::Break => {
                return Err(CborError::Invalid("a break code where a value starts").into());
            }
            _ => return Err(DecodeError::NotAMap),
        };
        let mut fields = Fields::default();
        r.map_entries(len, |r, key| match key {
            MapKey::Text(k) => fields.read(r, k),
            MapKey::Other => r.skip_value(),
        })?;
        if !r.at_end() {
            return Err(DecodeError::NotCbor(
                "there are bytes after the message's map".into(),
            ));
        }
        fields.into_message()
    }
}

/// Which document a frame is about, read without decoding the rest: what a
/// shell that spreads documents over workers needs to pick one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// A message about one document (`request`, `sync`, `ephemeral`, …).
    Doc(DocumentId),
    /// `join`: every part of the shell that serves the connection must see it.
    Join,
    /// Any other message about the connection itself (`leave`, …), or a
    /// frame that cannot be read (the part that answers refuses it).
    Connection,
}

impl Message {
    /// Where a frame goes (see [`Route`]): only the `documentId` field is
    /// read; every other value is skipped under `budget` without copying.
    pub fn route(bytes: &[u8], budget: CborBudget) -> Route {
        let mut r = Reader::new(bytes, budget);
        let Ok(Head::Map(len)) = r.head() else {
            return Route::Connection;
        };
        let (mut doc, mut join) = (None, false);
        let read = r.map_entries(len, |r, key| {
            let MapKey::Text(k) = key else {
                return r.skip_value();
            };
            if k != "documentId" && k != "type" {
                return r.skip_value();
            }
            match r.head()? {
                Head::Text(l) => {
                    let t = r.text_body(l)?;
                    if k == "type" {
                        join = t == "join";
                    } else {
                        doc = DocumentId::parse_any(&t).ok();
                    }
                    Ok(())
                }
                other => r.skip_body(other),
            }
        });
        match (read, doc, join) {
            (Ok(()), _, true) => Route::Join,
            (Ok(()), Some(d), false) => Route::Doc(d),
            _ => Route::Connection,
        }
    }
}

impl From<CborError> for DecodeError {
    fn from(e: CborError) -> Self {
        match e {
            CborError::TooDeep(_) | CborError::TooManyItems(_) => {
                DecodeError::OverBudget(e.to_string())
            }
            _ => DecodeError::NotCbor(e.to_string()),
        }
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// Encode any CBOR value to bytes (writing to a `Vec` cannot fail).
pub fn encode_value(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(value, &mut out).expect("writing CBOR to a Vec cannot fail");
    out
}

fn encode_metadata(md: &PeerMetadata) -> Value {
    let mut m = vec![(text("isEphemeral"), Value::Bool(md.is_ephemeral))];
    if let Some(s) = &md.storage_id {
        m.push((text("storageId"), text(s)));
    }
    Value::Map(m)
}

/// One field's value as read from the frame: only the shapes the protocol
/// uses are kept, anything else is remembered as "of another type".
#[derive(Debug)]
enum Val {
    Text(String),
    Bytes(Vec<u8>),
    UInt(u64),
    Bool(bool),
    Null,
    TextList(Vec<String>),
    Meta(PeerMetadata),
    Other,
}

/// The fields of a message, each read once.
#[derive(Default)]
struct Fields {
    values: Vec<(&'static str, Val)>,
}

/// Every field name the protocol defines; others are skipped unread.
const KNOWN: &[&str] = &[
    "type",
    "senderId",
    "targetId",
    "documentId",
    "data",
    "count",
    "sessionId",
    "message",
    "code",
    "supportedProtocolVersions",
    "selectedProtocolVersion",
    "peerMetadata",
    "metadata",
    "add",
    "remove",
];

/// Read any value in the shapes [`Val`] keeps; others are skipped.
fn read_val(r: &mut Reader<'_>) -> Result<Val, CborError> {
    let head = r.head()?;
    Ok(match head {
        Head::Text(len) => Val::Text(r.text_body(len)?),
        Head::Bytes(len) => Val::Bytes(r.bytes_body(len)?),
        Head::UInt(n) => Val::UInt(n),
        Head::Simple(20) => Val::Bool(false),
        Head::Simple(21) => Val::Bool(true),
        Head::Simple(22 | 23) => Val::Null,
        // RFC 8746 typed array (tag 64 = uint8 array): some encoders send bytes so.
        Head::Tag(64) => match read_val(r)? {
            Val::Bytes(b) => Val::Bytes(b),
            _ => Val::Other,
        },
        Head::Array(len) => {
            let mut items = Vec::new();
            let mut all_text = true;
            r.array_items(len, |r, h| {
                match h {
                    Head::Text(l) => items.push(r.text_body(l)?),
                    other => {
                        all_text = false;
                        r.skip_body(other)?;
                    }
                }
                Ok(())
            })?;
            if all_text {
                Val::TextList(items)
            } else {
                Val::Other
            }
        }
        Head::Map(len) => {
            let mut md = PeerMetadata::default();
            r.map_entries(len, |r, key| {
                match key {
                    MapKey::Text(k) if k == "storageId" => {
                        if let Val::Text(t) = read_val(r)? {
                            md.storage_id = Some(t);
                        }
                    }
                    MapKey::Text(k) if k == "isEphemeral" => {
                        md.is_ephemeral = matches!(read_val(r)?, Val::Bool(true));
                    }
                    _ => r.skip_value()?,
                }
                Ok(())
            })?;
            Val::Meta(md)
        }
        other => {
            r.skip_body(other)?;
            Val::Other
        }
    })
}

impl Fields {
    fn read(&mut self, r: &mut Reader<'_>, key: String) -> Result<(), CborError> {
        let Some(name) = KNOWN.iter().find(|k| **k == key) else {
            return r.skip_value();
        };
        if self.values.iter().any(|(k, _)| k == name) {
            return Err(CborError::Invalid("a field appears twice in one message"));
        }
        let v = read_val(r)?;
        self.values.push((name, v));
        Ok(())
    }

    fn get(&self, key: &str) -> Option<&Val> {
        self.values.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    fn take(&mut self, key: &str) -> Option<Val> {
        let i = self.values.iter().position(|(k, _)| *k == key)?;
        Some(self.values.swap_remove(i).1)
    }

    fn opt_text(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(Val::Text(t)) => Some(t.as_str()),
            _ => None,
        }
    }

    fn text(&mut self, msg_type: &'static str, field: &'static str) -> Result<String, DecodeError> {
        match self.take(field) {
            None | Some(Val::Null) => Err(DecodeError::MissingField { msg_type, field }),
            Some(Val::Text(t)) => Ok(t),
            Some(_) => Err(DecodeError::WrongFieldType {
                msg_type,
                field,
                expected: "text",
            }),
        }
    }

    fn peer(&mut self, msg_type: &'static str, field: &'static str) -> Result<PeerId, DecodeError> {
        self.text(msg_type, field).map(PeerId)
    }

    fn document(&mut self, msg_type: &'static str) -> Result<DocumentId, DecodeError> {
        let t = self.text(msg_type, "documentId")?;
        DocumentId::parse_any(&t).map_err(|source| DecodeError::BadDocumentId { msg_type, source })
    }

    fn bytes(
        &mut self,
        msg_type: &'static str,
        field: &'static str,
    ) -> Result<Vec<u8>, DecodeError> {
        match self.take(field) {
            None | Some(Val::Null) => Err(DecodeError::MissingField { msg_type, field }),
            Some(Val::Bytes(b)) => Ok(b),
            Some(_) => Err(DecodeError::WrongFieldType {
                msg_type,
                field,
                expected: "a byte string",
            }),
        }
    }

    fn uint(&mut self, msg_type: &'static str, field: &'static str) -> Result<u64, DecodeError> {
        match self.take(field) {
            None => Err(DecodeError::MissingField { msg_type, field }),
            Some(Val::UInt(n)) => Ok(n),
            Some(_) => Err(DecodeError::WrongFieldType {
                msg_type,
                field,
                expected: "an unsigned integer",
            }),
        }
    }

    fn text_list(&mut self, field: &str) -> Vec<String> {
        match self.take(field) {
            Some(Val::TextList(items)) => items,
            _ => Vec::new(),
        }
    }

    fn metadata(&mut self) -> Option<PeerMetadata> {
        // Current automerge-repo sends `peerMetadata`; the written spec says `metadata`.
        let v = self
            .take("peerMetadata")
            .or_else(|| self.take("metadata"))?;
        match v {
            Val::Meta(md) => Some(md),
            _ => None,
        }
    }

    fn into_message(mut self) -> Result<Message, DecodeError> {
        let ty = self
            .opt_text("type")
            .ok_or(DecodeError::MissingType)?
            .to_string();
        let msg = match ty.as_str() {
            "join" => {
                const T: &str = "join";
                let versions = match self.take("supportedProtocolVersions") {
                    None => vec![PROTOCOL_V1.to_string()],
                    Some(Val::Text(v)) => vec![v],
                    Some(Val::TextList(items)) => items,
                    Some(_) => {
                        return Err(DecodeError::WrongFieldType {
                            msg_type: T,
                            field: "supportedProtocolVersions",
                            expected: "a list of text",
                        });
                    }
                };
                Message::Join {
                    sender_id: self.peer(T, "senderId")?,
                    supported_protocol_versions: versions,
                    metadata: self.metadata(),
                }
            }
            "peer" => {
                const T: &str = "peer";
                Message::Peer {
                    sender_id: self.peer(T, "senderId")?,
                    target_id: self.peer(T, "targetId")?,
                    selected_protocol_version: self.text(T, "selectedProtocolVersion")?,
                    metadata: self.metadata(),
                }
            }
            "leave" => Message::Leave {
                sender_id: self.peer("leave", "senderId")?,
            },
            "request" | "sync" => {
                let t: &'static str = if ty == "request" { "request" } else { "sync" };
                let document_id = self.document(t)?;
                let sender_id = self.peer(t, "senderId")?;
                let target_id = self.peer(t, "targetId")?;
                let data = self.bytes(t, "data")?;
                if t == "request" {
                    Message::Request {
                        document_id,
                        sender_id,
                        target_id,
                        data,
                    }
                } else {
                    Message::Sync {
                        document_id,
                        sender_id,
                        target_id,
                        data,
                    }
                }
            }
            "doc-unavailable" => {
                const T: &str = "doc-unavailable";
                Message::DocUnavailable {
                    document_id: self.document(T)?,
                    sender_id: self.peer(T, "senderId")?,
                    target_id: self.peer(T, "targetId")?,
                }
            }
            "ephemeral" => {
                const T: &str = "ephemeral";
                Message::Ephemeral {
                    document_id: self.document(T)?,
                    sender_id: self.peer(T, "senderId")?,
                    target_id: self.peer(T, "targetId")?,
                    count: self.uint(T, "count")?,
                    session_id: self.text(T, "sessionId")?,
                    data: self.bytes(T, "data")?,
                }
            }
            "error" => Message::Error {
                code: self.opt_text("code").map(str::to_string),
                message: self.text("error", "message")?,
            },
            "remote-subscription-change" => {
                const T: &str = "remote-subscription-change";
                Message::RemoteSubscriptionChange {
                    sender_id: self.peer(T, "senderId")?,
                    target_id: self.peer(T, "targetId")?,
                    add: self.text_list("add"),
                    remove: self.text_list("remove"),
                }
            }
            "remote-heads-changed" => {
                const T: &str = "remote-heads-changed";
                Message::RemoteHeadsChanged {
                    document_id: self.document(T)?,
                    sender_id: self.peer(T, "senderId")?,
                    target_id: self.peer(T, "targetId")?,
                }
            }
            other => return Err(DecodeError::UnknownType(other.to_string())),
        };
        Ok(msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> DocumentId {
        DocumentId::from_bytes([3; 16])
    }

    fn round_trip(m: Message) {
        let bytes = m.encode();
        assert_eq!(Message::decode(&bytes).unwrap(), m);
    }

    #[test]
    fn frames_route_to_their_document_or_to_the_connection() {
        let a = PeerId::from("a");
        let budget = CborBudget::default();
        let join = Message::Join {
            sender_id: a.clone(),
            supported_protocol_versions: vec!["1".into()],
            metadata: None,
        };
        assert_eq!(Message::route(&join.encode(), budget), Route::Join);
        let sync = Message::Sync {
            document_id: doc(),
            sender_id: a.clone(),
            target_id: PeerId::from("b"),
            data: vec![7; 100_000],
        };
        assert_eq!(Message::route(&sync.encode(), budget), Route::Doc(doc()));
        let leave = Message::Leave { sender_id: a };
        assert_eq!(Message::route(&leave.encode(), budget), Route::Connection);
        // Unreadable frames go to the part that answers the connection.
        assert_eq!(Message::route(b"\xff\x00", budget), Route::Connection);
        let bad_id = encode_value(&Value::Map(vec![
            (text("type"), text("sync")),
            (text("documentId"), text("not-a-document")),
        ]));
        assert_eq!(Message::route(&bad_id, budget), Route::Connection);
    }

    #[test]
    fn every_message_round_trips() {
        let a = PeerId::from("a");
        let b = PeerId::from("b");
        round_trip(Message::Join {
            sender_id: a.clone(),
            supported_protocol_versions: vec!["1".into()],
            metadata: Some(PeerMetadata {
                storage_id: Some("s".into()),
                is_ephemeral: false,
            }),
        });
        round_trip(Message::Peer {
            sender_id: b.clone(),
            target_id: a.clone(),
            selected_protocol_version: "1".into(),
            metadata: None,
        });
        round_trip(Message::Leave {
            sender_id: a.clone(),
        });
        round_trip(Message::Request {
            document_id: doc(),
            sender_id: a.clone(),
            target_id: b.clone(),
            data: vec![1, 2, 3],
        });
        round_trip(Message::Sync {
            document_id: doc(),
            sender_id: a.clone(),
            target_id: b.clone(),
            data: vec![0x42],
        });
        round_trip(Message::DocUnavailable {
            document_id: doc(),
            sender_id: a.clone(),
            target_id: b.clone(),
        });
        round_trip(Message::Ephemeral {
            document_id: doc(),
            sender_id: a.clone(),
            target_id: b.clone(),
            count: 4,
            session_id: "x".into(),
            data: vec![9],
        });
        round_trip(Message::Error {
            message: "no".into(),
            code: Some("c".into()),
        });
        round_trip(Message::RemoteSubscriptionChange {
            sender_id: a.clone(),
            target_id: b.clone(),
            add: vec!["s1".into()],
            remove: vec![],
        });
    }

    #[test]
    fn garbage_is_not_cbor() {
        assert!(matches!(
            Message::decode(&[0xff, 0x00, 0x13]),
            Err(DecodeError::NotCbor(_))
        ));
    }

    #[test]
    fn unknown_type_is_named_in_the_error() {
        let bytes = encode_value(&Value::Map(vec![(text("type"), text("gossip"))]));
        let err = Message::decode(&bytes).unwrap_err();
        assert_eq!(err, DecodeError::UnknownType("gossip".into()));
        assert!(err.to_string().contains("gossip"));
    }

    #[test]
    fn missing_data_field_is_named() {
        let bytes = encode_value(&Value::Map(vec![
            (text("type"), text("sync")),
            (text("documentId"), text(&doc().to_string())),
            (text("senderId"), text("a")),
            (text("targetId"), text("b")),
        ]));
        assert_eq!(
            Message::decode(&bytes).unwrap_err(),
            DecodeError::MissingField {
                msg_type: "sync",
                field: "data"
            }
        );
    }

    #[test]
    fn join_accepts_the_spec_and_the_js_spelling() {
        // The written spec has a single version string; automerge-repo sends a list.
        let bytes = encode_value(&Value::Map(vec![
            (text("type"), text("join")),
            (text("senderId"), text("a")),
            (text("supportedProtocolVersions"), text("1")),
            (
                text("metadata"),
                Value::Map(vec![(text("isEphemeral"), Value::Bool(true))]),
            ),
        ]));
        let Message::Join {
            supported_protocol_versions,
            metadata,
            ..
        } = Message::decode(&bytes).unwrap()
        else {
            panic!("not a join")
        };
        assert_eq!(supported_protocol_versions, vec!["1".to_string()]);
        assert!(metadata.unwrap().is_ephemeral);
    }
}
