//! Document identifiers and `automerge:` URLs, as automerge-repo spells them.
//!
//! A document id is 16 random bytes (a UUID), written as bs58check text
//! (base58 of the bytes followed by the first four bytes of a double SHA-256).
//! The URL form is `automerge:<bs58check>`. Random bytes are passed in by the
//! caller so that this crate stays free of randomness and clocks.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The `automerge:` URL prefix.
pub const URL_PREFIX: &str = "automerge:";

/// A document id (mã tài liệu): 16 bytes, shown as bs58check text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentId([u8; 16]);

/// Why a piece of text is not a valid document id or URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentIdError {
    #[error("document id {0:?} is not valid base58check text")]
    NotBase58Check(String),
    #[error("document id {text:?} holds {len} bytes; automerge document ids hold 16")]
    WrongLength { text: String, len: usize },
    #[error("{0:?} is not an automerge URL (it must start with \"automerge:\")")]
    NotAUrl(String),
}

impl DocumentId {
    /// Build an id from 16 bytes (normally random bytes supplied by the shell).
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// A new id from 16 random bytes, shaped as a version 4 UUID as
    /// automerge-repo makes them (`uuid.v4()`): automerge-repo 1.x clients
    /// refuse any other id, 2.x clients accept both.
    pub fn new_v4(mut random: [u8; 16]) -> Self {
        random[6] = (random[6] & 0x0f) | 0x40;
        random[8] = (random[8] & 0x3f) | 0x80;
        Self(random)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The `automerge:` URL of this document.
    pub fn url(&self) -> String {
        format!("{URL_PREFIX}{self}")
    }

    /// Parse either a bare bs58check id or an `automerge:` URL.
    pub fn parse_any(text: &str) -> Result<Self, DocumentIdError> {
        match text.strip_prefix(URL_PREFIX) {
            Some(rest) => rest.split('#').next().unwrap_or(rest).parse(),
            None => text.parse(),
        }
    }

    /// Parse an `automerge:` URL only.
    pub fn from_url(url: &str) -> Result<Self, DocumentIdError> {
        if !url.starts_with(URL_PREFIX) {
            return Err(DocumentIdError::NotAUrl(url.to_string()));
        }
        Self::parse_any(url)
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut checked = [0u8; 20];
        checked[..16].copy_from_slice(&self.0);
        checked[16..].copy_from_slice(&checksum(&self.0));
        f.write_str(&bs58::encode(checked).into_string())
    }
}

/// The bs58check checksum: the first four bytes of SHA-256 twice. (Written
/// here rather than taken from bs58's `check` feature, which would bring a
/// second SHA-256 implementation, an older `sha2`, into the browser app.)
fn checksum(payload: &[u8]) -> [u8; 4] {
    use sha2::{Digest, Sha256};
    let twice = Sha256::digest(Sha256::digest(payload));
    [twice[0], twice[1], twice[2], twice[3]]
}

impl fmt::Debug for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentId({self})")
    }
}

impl FromStr for DocumentId {
    type Err = DocumentIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let not_check = || DocumentIdError::NotBase58Check(s.to_string());
        let mut bytes = bs58::decode(s).into_vec().map_err(|_| not_check())?;
        if bytes.len() < 4 {
            return Err(not_check());
        }
        let sum = bytes.split_off(bytes.len() - 4);
        if sum != checksum(&bytes) {
            return Err(not_check());
        }
        let len = bytes.len();
        let arr: [u8; 16] = bytes.try_into().map_err(|_| DocumentIdError::WrongLength {
            text: s.to_string(),
            len,
        })?;
        Ok(Self(arr))
    }
}

impl Serialize for DocumentId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for DocumentId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        DocumentId::parse_any(&text).map_err(serde::de::Error::custom)
    }
}

/// A peer id: opaque text chosen by each peer (ephemeral, one per tab or process).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
pub struct PeerId(pub String);

impl PeerId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for PeerId {
    fn from(s: &str) -> Self {
        Self(s.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_are_version_4_uuids_and_keep_their_randomness() {
        for random in [[0u8; 16], [0xff; 16], [0x5a; 16]] {
            let id = DocumentId::new_v4(random);
            let b = id.as_bytes();
            assert_eq!(b[6] >> 4, 4, "version 4");
            assert_eq!(b[8] >> 6, 0b10, "RFC 4122 variant");
            assert_eq!(b[6] & 0x0f, random[6] & 0x0f);
            assert_eq!(b[8] & 0x3f, random[8] & 0x3f);
            for i in (0..16).filter(|i| *i != 6 && *i != 8) {
                assert_eq!(b[i], random[i]);
            }
            assert_eq!(DocumentId::from_url(&id.url()), Ok(id));
        }
    }

    #[test]
    fn round_trips_through_text_and_url() {
        let id = DocumentId::from_bytes([7; 16]);
        let text = id.to_string();
        assert_eq!(text.parse::<DocumentId>().unwrap(), id);
        assert_eq!(DocumentId::from_url(&id.url()).unwrap(), id);
        assert!(id.url().starts_with("automerge:"));
    }

    #[test]
    fn rejects_a_corrupted_checksum() {
        let id = DocumentId::from_bytes([1; 16]);
        let mut text = id.to_string();
        let last = text.pop().unwrap();
        text.push(if last == '2' { '3' } else { '2' });
        assert!(matches!(
            text.parse::<DocumentId>(),
            Err(DocumentIdError::NotBase58Check(_))
        ));
    }

    #[test]
    fn rejects_wrong_length_and_non_urls() {
        let mut eight = vec![1u8; 8];
        eight.extend_from_slice(&checksum(&eight));
        let short = bs58::encode(eight).into_string();
        assert!(matches!(
            short.parse::<DocumentId>(),
            Err(DocumentIdError::WrongLength { len: 8, .. })
        ));
        assert!(DocumentId::from_url("http://x").is_err());
    }

    #[test]
    fn matches_the_javascript_bs58check_encoding() {
        // `bs58check.encode(Buffer.alloc(16, 42))` in the npm package automerge-repo uses.
        let id = DocumentId::from_bytes([42; 16]);
        assert_eq!(id.to_string(), "b56iBSEKUikofQ1eb4cGFkEf8dJ");
    }
}
