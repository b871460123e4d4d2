//! Device tokens: random bearer secrets, stored only as SHA-256 hashes, revocable.
//!
//! A token reads `td1.<id>.<secret>`: the id finds the record, the secret is
//! checked against its stored hash. The file `<data>/tokens.json` is written
//! atomically; the relay re-reads it when it changes, so `thidua-relay token
//! issue|revoke` take effect on a running relay without a restart.
//!
//! Trust rules:
//! - **Fail closed.** A `tokens.json` that cannot be read or parsed accepts
//!   nobody: [`TokenStore::authenticate`] answers
//!   [`AuthError::TokensUnavailable`] and [`TokenStore::still_valid`] is false,
//!   so open connections close too. The reason is logged once per change of
//!   the file, not on every request.
//! - **No lost writes.** [`TokenStore::issue`] and [`TokenStore::revoke`]
//!   read, modify and write the file under an exclusive lock on the sidecar
//!   `<data>/tokens.lock`, so two `thidua-relay token …` at once (or a relay
//!   issuing demo tokens meanwhile) never drop each other's records.
//! - **Changes are seen at once.** The cache is keyed by the file's size,
//!   modification and change times and inode; a file changed less than
//!   [`RECENT`] ago is re-read on every check, since two writes within one
//!   timestamp tick can leave all of those equal.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

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

/// Why a token was not accepted. Messages say what the user should do;
/// [`AuthError::message_vi`] says it in Vietnamese.
#[derive(Clone, Copy, Debug, thiserror::Error, PartialEq, Eq)]
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
    /// The relay's token file cannot be read or is damaged: nobody is
    /// accepted until an administrator repairs it.
    #[error(
        "the relay cannot check device tokens right now because its token list (the file tokens.json, or its database) is unreadable or damaged: \
         contact the relay administrator, who must repair it or restore it from a backup (the relay's log says what is wrong)"
    )]
    TokensUnavailable,
}

impl AuthError {
    /// Stable code sent to clients.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Missing => "token-missing",
            AuthError::Malformed => "token-malformed",
            AuthError::Unknown => "token-unknown",
            AuthError::Revoked => "token-revoked",
            AuthError::TokensUnavailable => "tokens-unavailable",
        }
    }

    /// The message in Vietnamese.
    pub fn message_vi(&self) -> &'static str {
        match self {
            AuthError::Missing => {
                "Chưa có mã thiết bị (token). Hãy đăng nhập thiết bị bằng mã do quản trị viên máy chủ cấp."
            }
            AuthError::Malformed => {
                "Mã thiết bị không đúng dạng td1.<mã>.<khoá bí mật>. Hãy kiểm tra đã sao chép đầy đủ mã."
            }
            AuthError::Unknown => {
                "Máy chủ không nhận ra mã thiết bị này. Hãy đề nghị quản trị viên cấp mã mới."
            }
            AuthError::Revoked => {
                "Mã thiết bị đã bị thu hồi. Hãy đề nghị quản trị viên cấp mã mới."
            }
            AuthError::TokensUnavailable => {
                "Máy chủ tạm thời không kiểm tra được mã thiết bị do danh sách mã (tệp tokens.json hoặc cơ sở dữ liệu) không đọc được hoặc bị hỏng. \
                 Hãy liên hệ quản trị viên máy chủ để sửa hoặc khôi phục từ bản sao lưu."
            }
        }
    }
}

/// Errors of token administration.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the token file {path} is damaged ({error}); repair it or restore it from a backup")]
    Damaged { path: PathBuf, error: String },
    #[error("could not read {path}: {error}")]
    Read { path: PathBuf, error: String },
    #[error(
        "could not lock {path} ({error}); check that --data-dir names the relay's data directory and that it is writable"
    )]
    Lock { path: PathBuf, error: String },
    #[error("no token matches {0}")]
    NotFound(String),
    #[error("the system random number generator failed: {0}")]
    Random(String),
}

/// How long after a change the file is re-read on every check: two writes
/// within one timestamp tick (coarse on many file systems) can leave size,
/// times and even the inode number equal.
pub const RECENT: Duration = Duration::from_secs(2);

/// What identifies one version of the token file, short of reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    /// Unix: inode, and change time in nanoseconds (a rename changes both).
    #[cfg(unix)]
    ino: u64,
    #[cfg(unix)]
    changed_ns: i128,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Self {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Self {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            ino: meta.ino(),
            #[cfg(unix)]
            changed_ns: i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
        }
    }

    /// Changed less than [`RECENT`] ago (or in the future: a clock moved back).
    fn recent(&self, now: SystemTime) -> bool {
        let within = |t: SystemTime| now.duration_since(t).map_or(true, |d| d < RECENT);
        #[cfg(unix)]
        {
            let changed = if self.changed_ns >= 0 {
                u64::try_from(self.changed_ns)
                    .ok()
                    .map(|ns| SystemTime::UNIX_EPOCH + Duration::from_nanos(ns))
            } else {
                None
            };
            if changed.is_some_and(within) {
                return true;
            }
        }
        self.modified.is_none_or(within)
    }
}

/// Why the file could not be used (kept to answer later checks alike).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Failure {
    Damaged(String),
    Read(String),
}

/// The file as last read.
#[derive(Default)]
struct Cache {
    /// `None` before the first read.
    state: Option<Cached>,
    /// The failure last logged, so a damaged file is logged once per change.
    logged: Option<(Option<Stamp>, Failure)>,
}

struct Cached {
    /// `None`: there is no file (no token issued yet).
    stamp: Option<Stamp>,
    records: Result<Arc<Vec<TokenRecord>>, Failure>,
    /// Token id → revoked, for the re-checks of open connections (every
    /// connection every few seconds: a scan of every record each time cost
    /// a quarter of a core with 10,000 devices).
    revoked: Arc<HashMap<String, bool>>,
}

/// The token file of a data directory, or the records a relay on
/// PostgreSQL keeps up to date from the database ([`TokenStore::published`]).
pub struct TokenStore {
    path: PathBuf,
    lock_path: PathBuf,
    cache: Mutex<Cache>,
    /// Records come from [`TokenStore::replace`], not from `path`.
    published: bool,
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
            lock_path: data_dir.join("tokens.lock"),
            cache: Mutex::new(Cache::default()),
            published: false,
        }
    }

    /// Records kept up to date by the relay from its database
    /// ([`TokenStore::replace`]); none are accepted before the first.
    pub fn published() -> Self {
        Self {
            path: PathBuf::from("the database's token table"),
            lock_path: PathBuf::new(),
            cache: Mutex::new(Cache::default()),
            published: true,
        }
    }

    /// The records as the database holds them now, or why they cannot be
    /// read (then every device is refused, as with a damaged file).
    pub fn replace(&self, records: Result<Vec<TokenRecord>, String>) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let records = records.map(Arc::new).map_err(Failure::Read);
        match &records {
            Err(failure) => self.log_failure(&mut cache, None, failure),
            Ok(_) => cache.logged = None,
        }
        let revoked = match &records {
            Ok(r) => r
                .iter()
                .map(|t| (t.id.clone(), t.revoked_at.is_some()))
                .collect(),
            Err(_) => HashMap::new(),
        };
        cache.state = Some(Cached {
            stamp: None,
            records,
            revoked: Arc::new(revoked),
        });
    }

    /// The token file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn failure_error(&self, f: Failure) -> TokenError {
        match f {
            Failure::Damaged(error) => TokenError::Damaged {
                path: self.path.clone(),
                error,
            },
            Failure::Read(error) => TokenError::Read {
                path: self.path.clone(),
                error,
            },
        }
    }

    /// Reads and parses the file; a missing file is no tokens.
    fn read_file(&self) -> Result<Vec<TokenRecord>, Failure> {
        match std::fs::read(&self.path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|e| Failure::Damaged(e.to_string()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(Failure::Read(e.to_string())),
        }
    }

    fn read_records(&self) -> Result<Vec<TokenRecord>, TokenError> {
        self.read_file().map_err(|f| self.failure_error(f))
    }

    fn write_records(&self, records: &[TokenRecord]) -> Result<(), TokenError> {
        let json = serde_json::to_vec_pretty(records).expect("token records serialize");
        write_atomically(&self.path, &json)?;
        Ok(())
    }

    /// The records as they are on disk now, from the cache when the file has
    /// not changed. Logs a failure once per version of the file.
    fn current(&self) -> Result<Arc<Vec<TokenRecord>>, Failure> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if self.published {
            return match &cache.state {
                Some(c) => c.records.clone(),
                None => Err(Failure::Read("not read from the database yet".into())),
            };
        }
        let stamp = match std::fs::metadata(&self.path) {
            Ok(meta) => Some(Stamp::of(&meta)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                let failure = Failure::Read(e.to_string());
                self.log_failure(&mut cache, None, &failure);
                cache.state = None;
                return Err(failure);
            }
        };
        let fresh = match &cache.state {
            Some(c) => c.stamp == stamp && !stamp.is_some_and(|s| s.recent(SystemTime::now())),
            None => false,
        };
        if !fresh {
            // Metadata first, contents second: the contents are at least as new
            // as the stamp they are filed under, so a change is never missed.
            let records = match stamp {
                None => Ok(Arc::new(Vec::new())),
                Some(_) => self.read_file().map(Arc::new),
            };
            match &records {
                Err(failure) => self.log_failure(&mut cache, stamp, failure),
                Ok(_) => {
                    if cache.logged.take().is_some() {
                        tracing::info!(
                            path = %self.path.display(),
                            "the token file is readable again: devices are accepted again"
                        );
                    }
                }
            }
            let revoked = match &records {
                Ok(r) => r
                    .iter()
                    .map(|t| (t.id.clone(), t.revoked_at.is_some()))
                    .collect(),
                Err(_) => HashMap::new(),
            };
            cache.state = Some(Cached {
                stamp,
                records,
                revoked: Arc::new(revoked),
            });
        }
        let state = cache.state.as_ref().expect("just filled");
        state.records.clone()
    }

    /// Token id → revoked, as of the file now (see [`Self::current`]).
    fn current_revoked(&self) -> Result<Arc<HashMap<String, bool>>, Failure> {
        self.current()?;
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        Ok(cache
            .state
            .as_ref()
            .map(|c| c.revoked.clone())
            .unwrap_or_default())
    }

    fn log_failure(&self, cache: &mut Cache, stamp: Option<Stamp>, failure: &Failure) {
        let key = (stamp, failure.clone());
        if cache.logged.as_ref() == Some(&key) {
            return;
        }
        tracing::error!(
            path = %self.path.display(),
            "{}; every device is refused until it is fixed",
            self.failure_error(failure.clone())
        );
        cache.logged = Some(key);
    }

    /// Current records, re-read when the file changed on disk.
    pub fn records(&self) -> Result<Vec<TokenRecord>, TokenError> {
        self.current()
            .map(|rs| rs.as_ref().clone())
            .map_err(|f| self.failure_error(f))
    }

    /// Holds an exclusive lock on `tokens.lock` until dropped: across threads
    /// and processes (each call opens its own file description).
    fn lock(&self) -> Result<File, TokenError> {
        let error = |e: std::io::Error| TokenError::Lock {
            path: self.lock_path.clone(),
            error: e.to_string(),
        };
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.lock_path)
            .map_err(error)?;
        file.lock().map_err(error)?;
        Ok(file)
    }

    /// Issue a new token; returns the full token text (shown once) and its record.
    pub fn issue(&self, office: &str, device: &str) -> Result<(String, TokenRecord), TokenError> {
        let mut issued = self.issue_many(&[(office, device)])?;
        Ok(issued.remove(0))
    }

    /// Issue one token per `(office, device)` under one lock with one write
    /// (what [`TokenStore::issue`] does for each, without rewriting the file
    /// once per token: issuing thousands one by one is quadratic). Returns
    /// the tokens (shown once) and their records, in order.
    pub fn issue_many(
        &self,
        devices: &[(&str, &str)],
    ) -> Result<Vec<(String, TokenRecord)>, TokenError> {
        let issued = devices
            .iter()
            .map(|(office, device)| new_token(office, device))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| TokenError::Lock {
                path: self.lock_path.clone(),
                error: e.to_string(),
            })?;
        }
        let _lock = self.lock()?;
        // A damaged file is an error here too: writing over it would lose
        // every record it still holds.
        let mut records = self.read_records()?;
        records.extend(issued.iter().map(|(_, r)| r.clone()));
        self.write_records(&records)?;
        Ok(issued)
    }

    /// Add records as they are (`migrate-store`), under the lock; records
    /// whose id is there already are left as they are.
    pub fn import(&self, records: &[TokenRecord]) -> Result<(), TokenError> {
        let _lock = self.lock()?;
        let mut all = self.read_records()?;
        let known: std::collections::HashSet<String> = all.iter().map(|r| r.id.clone()).collect();
        all.extend(records.iter().filter(|r| !known.contains(&r.id)).cloned());
        self.write_records(&all)
    }

    /// Revoke every token matching `what`: a token id, a full token, or `office/device`.
    /// Returns how many were revoked.
    pub fn revoke(&self, what: &str) -> Result<usize, TokenError> {
        let _lock = self.lock()?;
        let mut records = self.read_records()?;
        let mut n = 0;
        let now = now_secs();
        for r in records.iter_mut().filter(|r| r.revoked_at.is_none()) {
            if r.matches(what) {
                r.revoked_at = Some(now);
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
        let records = self.current().map_err(|_| AuthError::TokensUnavailable)?;
        let record = records
            .iter()
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
        Ok((record.clone(), auth))
    }

    /// Re-checks an accepted token id (for connections already open): why it
    /// no longer holds, if it does not. Cheap: the file is read only when it
    /// changed (see [`RECENT`]).
    pub fn recheck(&self, id: &str) -> Result<(), AuthError> {
        let revoked = self
            .current_revoked()
            .map_err(|_| AuthError::TokensUnavailable)?;
        match revoked.get(id) {
            None => Err(AuthError::Unknown),
            Some(true) => Err(AuthError::Revoked),
            Some(false) => Ok(()),
        }
    }

    /// Whether a token id is still valid (for connections already open);
    /// false when the token file cannot be read. See [`TokenStore::recheck`]
    /// for the reason.
    pub fn still_valid(&self, id: &str) -> bool {
        self.recheck(id).is_ok()
    }
}

/// A new token for a device: the text shown once, and its record.
pub fn new_token(office: &str, device: &str) -> Result<(String, TokenRecord), TokenError> {
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
    Ok((format!("td1.{id}.{secret}"), record))
}

/// Unix seconds now.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl TokenRecord {
    /// Whether `what` names this token: its id, the whole token, or
    /// `office/device`.
    pub fn matches(&self, what: &str) -> bool {
        let by_token_id = what.strip_prefix("td1.").and_then(|r| r.split('.').next());
        self.id == what
            || by_token_id == Some(self.id.as_str())
            || format!("{}/{}", self.office, self.device) == what
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("thidua-tokens-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn issue_authenticate_revoke() {
        let dir = temp_dir("basic");
        let store = TokenStore::open(&dir);
        let (token, record) = store.issue("LSN", "may-1").unwrap();
        let (_, auth) = store.authenticate(Some(&token)).unwrap();
        assert_eq!(auth.office, "LSN");
        assert!(store.still_valid(&record.id));
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
        assert_eq!(store.recheck(&record.id), Err(AuthError::Revoked));
        assert_eq!(store.recheck("000000000000"), Err(AuthError::Unknown));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A revocation written by another process (another `TokenStore` on the
    /// same directory) right after a check is seen by the next check, even
    /// within the same timestamp tick.
    #[test]
    fn a_revocation_by_another_process_is_seen_at_once() {
        let dir = temp_dir("revoke-elsewhere");
        let relay = TokenStore::open(&dir);
        let admin = TokenStore::open(&dir);
        let (token, record) = admin.issue("CBG", "may-2").unwrap();
        for _ in 0..20 {
            assert!(relay.still_valid(&record.id));
        }
        admin.revoke("CBG/may-2").unwrap();
        assert!(!relay.still_valid(&record.id));
        assert_eq!(
            relay.authenticate(Some(&token)).unwrap_err(),
            AuthError::Revoked
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_damaged_token_file_refuses_everyone() {
        let dir = temp_dir("damaged");
        let store = TokenStore::open(&dir);
        let (token, record) = store.issue("LSN", "may-1").unwrap();
        assert!(store.still_valid(&record.id));
        let path = dir.join("tokens.json");
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.truncate(text.len() / 2);
        std::fs::write(&path, text).unwrap();
        for _ in 0..3 {
            assert_eq!(
                store.authenticate(Some(&token)).unwrap_err(),
                AuthError::TokensUnavailable
            );
            assert!(!store.still_valid(&record.id));
        }
        assert_eq!(store.recheck(&record.id), Err(AuthError::TokensUnavailable));
        assert!(matches!(store.records(), Err(TokenError::Damaged { .. })));
        // Issuing or revoking does not write over what is left of the file.
        assert!(matches!(
            store.issue("LSN", "may-2"),
            Err(TokenError::Damaged { .. })
        ));
        assert!(matches!(
            store.revoke("LSN/may-1"),
            Err(TokenError::Damaged { .. })
        ));
        // Empty is damaged too (not "no tokens").
        std::fs::write(&path, "").unwrap();
        assert!(!store.still_valid(&record.id));
        // A token file that is not a file cannot be read: refused as well.
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        assert_eq!(
            store.authenticate(Some(&token)).unwrap_err(),
            AuthError::TokensUnavailable
        );
        assert!(!store.still_valid(&record.id));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_repaired_token_file_is_used_again() {
        let dir = temp_dir("repaired");
        let store = TokenStore::open(&dir);
        let (token, _) = store.issue("LSN", "may-1").unwrap();
        let path = dir.join("tokens.json");
        let good = std::fs::read(&path).unwrap();
        std::fs::write(&path, b"{ not json").unwrap();
        assert_eq!(
            store.authenticate(Some(&token)).unwrap_err(),
            AuthError::TokensUnavailable
        );
        std::fs::write(&path, good).unwrap();
        assert!(store.authenticate(Some(&token)).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn issue_many_writes_once_and_every_token_works() {
        let dir = temp_dir("many");
        let store = TokenStore::open(&dir);
        store.issue("LSN", "first").unwrap();
        let issued = store
            .issue_many(&[("LSN", "a"), ("CBG", "b"), ("CBG", "c")])
            .unwrap();
        assert_eq!(issued.len(), 3);
        assert_eq!(store.records().unwrap().len(), 4);
        for (token, record) in &issued {
            let (found, _) = store.authenticate(Some(token)).unwrap();
            assert_eq!(&found, record);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn concurrent_issues_keep_every_record() {
        let dir = temp_dir("concurrent");
        let threads: Vec<_> = (0..6)
            .map(|t| {
                let dir = dir.clone();
                std::thread::spawn(move || {
                    // One store per thread, as separate processes would have.
                    let store = TokenStore::open(&dir);
                    (0..5)
                        .map(|i| store.issue("LSN", &format!("t{t}-{i}")).unwrap().0)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let tokens: Vec<String> = threads
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        let store = TokenStore::open(&dir);
        assert_eq!(store.records().unwrap().len(), 30);
        for t in &tokens {
            assert!(store.authenticate(Some(t)).is_ok());
        }
        // Revocations racing with issues lose nothing either.
        let revokers: Vec<_> = (0..3)
            .map(|t| {
                let dir = dir.clone();
                std::thread::spawn(move || {
                    let store = TokenStore::open(&dir);
                    for i in 0..5 {
                        store.revoke(&format!("LSN/t{t}-{i}")).unwrap();
                        store.issue("CBG", &format!("r{t}-{i}")).unwrap();
                    }
                })
            })
            .collect();
        for h in revokers {
            h.join().unwrap();
        }
        let records = store.records().unwrap();
        assert_eq!(records.len(), 45);
        assert_eq!(
            records.iter().filter(|r| r.revoked_at.is_some()).count(),
            15
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
