//! The automerge-repo v1 WebSocket protocol: ids, URLs and CBOR messages.

pub mod cbor;
pub mod ids;
pub mod messages;

pub use cbor::{CborBudget, CborError};
pub use ids::{DocumentId, DocumentIdError, PeerId};
pub use messages::{DecodeError, Message, PROTOCOL_V1, PeerMetadata, Route};
