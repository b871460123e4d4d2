//! The rejection notice a relay sends when it refuses a change.
//!
//! It travels as the `data` of a standard `ephemeral` message (CBOR map with
//! `thidua: "rejected"`), so the protocol needs no new message type: clients
//! that do not know it ignore it, ours shows it to the user. It carries the
//! relay's accepted heads so the client can rebuild its replica from them.

use automerge::ChangeHash;
use ciborium::value::Value;

use super::policy::{RejectCode, Rejection};
use crate::protocol::cbor::{Head, MapKey, Reader};
use crate::protocol::messages::encode_value;
use crate::protocol::{CborBudget, CborError};

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
        let mut fields = NoticeFields::default();
        read_map(bytes, CborBudget::default(), |r, key| {
            let target = match key.as_str() {
                "thidua" => &mut fields.marker,
                "code" => &mut fields.code,
                "message" => &mut fields.message,
                "messageVi" => &mut fields.message_vi,
                "heads" => {
                    let Head::Array(len) = r.head()? else {
                        return Ok(());
                    };
                    return r.array_items(len, |r, h| {
                        if let Head::Text(l) = h {
                            if let Ok(hash) = r.text_body(l)?.parse() {
                                fields.heads.push(hash);
                            }
                        } else {
                            r.skip_body(h)?;
                        }
                        Ok(())
                    });
                }
                _ => return r.skip_value(),
            };
            match r.head()? {
                Head::Text(l) => *target = Some(r.text_body(l)?),
                other => r.skip_body(other)?,
            }
            Ok(())
        })
        .ok()?;
        if fields.marker.as_deref() != Some(MARKER) {
            return None;
        }
        Some(Self {
            rejection: Rejection {
                code: RejectCode::parse(fields.code.as_deref()?)?,
                message_en: fields.message.unwrap_or_default(),
                message_vi: fields.message_vi.unwrap_or_default(),
            },
            accepted_heads: fields.heads,
        })
    }
}

#[derive(Default)]
struct NoticeFields {
    marker: Option<String>,
    code: Option<String>,
    message: Option<String>,
    message_vi: Option<String>,
    heads: Vec<ChangeHash>,
}

/// Visit the text keys of a CBOR map (`Err` when the bytes are not one).
fn read_map(
    bytes: &[u8],
    budget: CborBudget,
    mut f: impl FnMut(&mut Reader<'_>, String) -> Result<(), CborError>,
) -> Result<(), CborError> {
    let mut r = Reader::new(bytes, budget);
    let Head::Map(len) = r.head()? else {
        return Err(CborError::Invalid("not a map"));
    };
    r.map_entries(len, |r, key| match key {
        MapKey::Text(k) => f(r, k),
        MapKey::Other => r.skip_value(),
    })
}

/// Whether an ephemeral payload claims to be the relay's notice: a CBOR map
/// with a `thidua` key. Devices may not send such payloads (the relay
/// refuses them rather than forward a forged refusal).
pub fn is_reserved(bytes: &[u8], budget: CborBudget) -> bool {
    let mut found = false;
    let _ = read_map(bytes, budget, |r, key| {
        found |= key == "thidua";
        r.skip_value()
    });
    found
}
