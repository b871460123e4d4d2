//! Device tokens: random bearer secrets, stored only as SHA-256 hashes, revocable.
//!
//! A token reads `td1.<id>.<secret>`: the id finds the record, the secret is
//! checked against its stored hash. The file `<data>/tokens.json` is written
//! atomically; the relay re-reads it when it changes, so `thidua-relay token
//! issue|revoke` take effect on a running relay without a restart.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shared::core::DeviceAuth;

use crate::store::{StoreError, write_atomically};

/// One issued token (never the secret itself).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TokenRecord {
    pub id: String,
    pub office: String,
    pub device: String,
    /// Hex SHA-256 of the secret part.
    pub secret_hash: String,
    /// Unix seconds.
    pub issued_at: u64,
    pub revoked_at: Option<u64>,
}

/// Why a token was not accepted. Messages say what the user should do.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error(
        "no token was given: sign this device in with the token your relay administrator issued (?token=... or Authorization: Bearer ...)"
    )]
    Missing,
    #[error(
        "the token is not in the expected form td1.<id>.<secret>: check that it was copied whole"
    )]
    Malformed,
    #[error("the token is not known to this relay: ask the administrator for a new one")]
    Unknown,
    #[error("the token was revoked: ask the administrator for a new one")]
    Revoked,
}

impl AuthError {
    /// Stable code sent to clients.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Missing => "token-missing",
            AuthError::Malformed => "token-malformed",
            AuthError::Unknown => "token-unknown",
            AuthError::Revoked => "token-revoked",
        }
    }
}

/// Errors of token administration.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the token file {path} is damaged ({error}); restore it from a backup")]
    Damaged { path: PathBuf, error: String },
    #[error("could not read {path}: {error}")]
    Read { path: PathBuf, error: String },
    #[error("no token matches {0}")]
    NotFound(String),
    #[error("the system random number generator failed: {0}")]
    Random(String),
}

#[derive(Default)]
struct Cache {
    modified: Option<SystemTime>,
    records: Vec<TokenRecord>,
}

/// The token file of a data directory.
pub struct TokenStore {
    path: PathBuf,
    cache: Mutex<Cache>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], TokenError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| TokenError::Random(e.to_string()))?;
    Ok(buf)
}

impl TokenStore {
    pub fn open(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join("tokens.json"),
            cache: Mutex::new(Cache::default()),
        }
    }

    fn read_records(&self) -> Result<Vec<TokenRecord>, TokenError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| TokenError::Damaged {
                path: self.path.clone(),
                error: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(TokenError::Read {
                path: self.path.clone(),
                error: e.to_string(),
            }),
        }
    }

    fn write_records(&self, records: &[TokenRecord]) -> Result<(), TokenError> {
        let json = serde_json::to_vec_pretty(records).expect("token records serialize");
        write_atomically(&self.path, &json)?;
        Ok(())
    }

    /// Current records, re-read when the file changed on disk.
    pub fn records(&self) -> Result<Vec<TokenRecord>, TokenError> {
        let modified = std::fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .ok();
        let mut cache = self.cache.lock().expect("token cache lock");
        if cache.modified != modified || modified.is_none() {
            cache.records = self.read_records()?;
            cache.modified = modified;
        }
        Ok(cache.records.clone())
    }

    /// Issue a new token; returns the full token text (shown once) and its record.
    pub fn issue(&self, office: &str, device: &str) -> Result<(String, TokenRecord), TokenError> {
        let id = hex::encode(random_bytes::<6>()?);
        let secret = bs58::encode(random_bytes::<24>()?).into_string();
        let record = TokenRecord {
            id: id.clone(),
            office: office.to_string(),
            device: device.to_string(),
            secret_hash: hash_secret(&secret),
            issued_at: now_secs(),
            revoked_at: None,
        };
        let mut records = self.read_records()?;
        records.push(record.clone());
        self.write_records(&records)?;
        Ok((format!("td1.{id}.{secret}"), record))
    }

    /// Revoke every token matching `what`: a token id, a full token, or `office/device`.
    /// Returns how many were revoked.
    pub fn revoke(&self, what: &str) -> Result<usize, TokenError> {
        let by_token_id = what
            .strip_prefix("td1.")
            .and_then(|r| r.split('.').next())
            .map(str::to_string);
        let mut records = self.read_records()?;
        let mut n = 0;
        for r in records.iter_mut().filter(|r| r.revoked_at.is_none()) {
            let matches = r.id == what
                || by_token_id.as_deref() == Some(r.id.as_str())
                || format!("{}/{}", r.office, r.device) == what;
            if matches {
                r.revoked_at = Some(now_secs());
                n += 1;
            }
        }
        if n == 0 {
            return Err(TokenError::NotFound(what.to_string()));
        }
        self.write_records(&records)?;
        Ok(n)
    }

    /// Check a presented token.
    pub fn authenticate(
        &self,
        token: Option<&str>,
    ) -> Result<(TokenRecord, DeviceAuth), AuthError> {
        let token = token
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AuthError::Missing)?;
        let mut parts = token.split('.');
        let (Some("td1"), Some(id), Some(secret), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(AuthError::Malformed);
        };
        let records = self.records().map_err(|_| AuthError::Unknown)?;
        let record = records
            .into_iter()
            .find(|r| r.id == id)
            .ok_or(AuthError::Unknown)?;
        if !constant_time_eq(
            record.secret_hash.as_bytes(),
            hash_secret(secret).as_bytes(),
        ) {
            return Err(AuthError::Unknown);
        }
        if record.revoked_at.is_some() {
            return Err(AuthError::Revoked);
        }
        let auth = DeviceAuth {
            office: record.office.clone(),
            device: record.device.clone(),
        };
        Ok((record, auth))
    }

    /// Whether a token id is still valid (for connections already open).
    pub fn still_valid(&self, id: &str) -> bool {
        self.records()
            .map(|rs| rs.iter().any(|r| r.id == id && r.revoked_at.is_none()))
            .unwrap_or(true)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_authenticate_revoke() {
        let dir = std::env::temp_dir().join(format!("thidua-tokens-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let store = TokenStore::open(&dir);
        let (token, record) = store.issue("LSN", "may-1").unwrap();
        let (_, auth) = store.authenticate(Some(&token)).unwrap();
        assert_eq!(auth.office, "LSN");
        assert!(
            !std::fs::read_to_string(dir.join("tokens.json"))
                .unwrap()
                .contains(token.split('.').nth(2).unwrap())
        );
        assert_eq!(store.authenticate(None).unwrap_err(), AuthError::Missing);
        assert_eq!(
            store.authenticate(Some("abc")).unwrap_err(),
            AuthError::Malformed
        );
        let forged = format!("td1.{}.wrong", record.id);
        assert_eq!(
            store.authenticate(Some(&forged)).unwrap_err(),
            AuthError::Unknown
        );
        assert_eq!(store.revoke(&token).unwrap(), 1);
        assert_eq!(
            store.authenticate(Some(&token)).unwrap_err(),
            AuthError::Revoked
        );
        assert!(!store.still_valid(&record.id));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
