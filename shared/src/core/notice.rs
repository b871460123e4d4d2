//! The rejection notice a relay sends when it refuses a change.
//!
//! It travels as the `data` of a standard `ephemeral` message (CBOR map with
//! `thidua: "rejected"`), so the protocol needs no new message type: clients
//! that do not know it ignore it, ours shows it to the user. It carries the
//! relay's accepted heads so the client can rebuild its replica from them.

use automerge::ChangeHash;
use ciborium::value::Value;

use super::policy::{RejectCode, Rejection};
use crate::protocol::messages::encode_value;

/// A decoded rejection notice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectionNotice {
    pub rejection: Rejection,
    /// The relay's heads for the document when it refused (all durable).
    pub accepted_heads: Vec<ChangeHash>,
}

const MARKER: &str = "rejected";

impl RejectionNotice {
    pub fn encode(&self) -> Vec<u8> {
        let heads = self
            .accepted_heads
            .iter()
            .map(|h| Value::Text(h.to_string()))
            .collect();
        encode_value(&Value::Map(vec![
            (Value::Text("thidua".into()), Value::Text(MARKER.into())),
            (
                Value::Text("code".into()),
                Value::Text(self.rejection.code.as_str().into()),
            ),
            (
                Value::Text("message".into()),
                Value::Text(self.rejection.message_en.clone()),
            ),
            (
                Value::Text("messageVi".into()),
                Value::Text(self.rejection.message_vi.clone()),
            ),
            (Value::Text("heads".into()), Value::Array(heads)),
        ]))
    }

    /// `None` when the bytes are some other ephemeral payload.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let Value::Map(entries) = ciborium::de::from_reader::<Value, _>(bytes).ok()? else {
            return None;
        };
        let get = |k: &str| {
            entries.iter().find_map(|(key, v)| match key {
                Value::Text(t) if t == k => Some(v),
                _ => None,
            })
        };
        let text = |k: &str| match get(k) {
            Some(Value::Text(t)) => Some(t.clone()),
            _ => None,
        };
        if text("thidua")? != MARKER {
            return None;
        }
        let code = RejectCode::parse(&text("code")?)?;
        let accepted_heads = match get("heads") {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|i| match i {
                    Value::Text(t) => t.parse().ok(),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        Some(Self {
            rejection: Rejection {
                code,
                message_en: text("message").unwrap_or_default(),
                message_vi: text("messageVi").unwrap_or_default(),
            },
            accepted_heads,
        })
    }
}
