//! Chunk storage on disk: one directory per document.
//!
//! Why plain files rather than an embedded database: chunks are immutable and
//! named by the hash of their content, so the only operations are "add a
//! chunk", "read a document's chunks" and "delete chunks". Snapshots, saved
//! sync states and drafts are one file each, written as *temp file → fsync →
//! rename → fsync directory*, atomic on every POSIX file system; a person can
//! inspect or back up the data with `ls` and `cp`. A crash leaves at most a
//! stray temp file, cleaned at start.
//!
//! Incremental chunks (one per saved batch of changes, the hot path) are
//! appended to one log per document ([`log`]): an append and a data flush
//! instead of a new file, a rename and a directory flush. Creating and
//! deleting thousands of small files was most of the relay's time under load.
//! Chunks written by earlier versions as `incremental-<sha256>` files still
//! load and are deleted as before.
//!
//! Layout: `<data>/docs/<documentId>/<kind>-<sha256>` and
//! `<data>/docs/<documentId>/incremental.log`.

mod log;
mod pg;

pub use pg::{PgStore, listen};

use std::collections::{BTreeSet, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use shared::protocol::DocumentId;
use shared::storage::{Chunk, ChunkKey, ChunkKind, ChunkStore};

/// Errors of the disk store, naming the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "could not {action} {path}: {source} (check that the data directory exists, is writable and the disk is not full)"
    )]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error(
        "could not {action} PostgreSQL: {message} (check the --store address, that the server runs and that the user may write the database)"
    )]
    Postgres {
        action: &'static str,
        message: String,
    },
    #[error("the storage task stopped unexpectedly: {0}")]
    Task(String),
    /// A failure injected on purpose ([`crate::faults`]).
    #[error("{0} failed on purpose (fault injection)")]
    Injected(&'static str),
}

/// What the hub needs of a chunk store: the file store here, a store that
/// fails on command in tests ([`crate::faults::FaultyStore`]). `put` is
/// durable when it returns `Ok`; `delete` of a missing chunk is fine.
pub trait RelayStore: Clone + Send + Sync + 'static {
    fn load(
        &self,
        doc: DocumentId,
    ) -> impl std::future::Future<Output = Result<Vec<Chunk>, StoreError>> + Send;
    fn put(&self, chunk: Chunk)
    -> impl std::future::Future<Output = Result<(), StoreError>> + Send;
    fn delete(
        &self,
        keys: Vec<ChunkKey>,
    ) -> impl std::future::Future<Output = Result<(), StoreError>> + Send;
}

impl RelayStore for FileStore {
    async fn load(&self, doc: DocumentId) -> Result<Vec<Chunk>, StoreError> {
        let s = self.clone();
        blocking(move || s.load_blocking(&doc)).await
    }

    async fn put(&self, chunk: Chunk) -> Result<(), StoreError> {
        let s = self.clone();
        blocking(move || s.put_blocking(&chunk)).await
    }

    async fn delete(&self, keys: Vec<ChunkKey>) -> Result<(), StoreError> {
        let s = self.clone();
        blocking(move || s.delete_blocking(&keys)).await
    }
}

fn io_err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> StoreError + 'a {
    move |source| StoreError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// The on-disk chunk store (cheap to clone; all clones share the directory).
#[derive(Clone, Debug)]
pub struct FileStore {
    root: PathBuf,
    /// Per document: its log as last read or written (`None`: not read
    /// yet). The lock orders every change to a document's log.
    logs: Arc<Mutex<HashMap<DocumentId, DocLog>>>,
}

/// One document's log, as last read or written (`None`: not read yet).
type DocLog = Arc<Mutex<Option<log::Log>>>;

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl FileStore {
    /// Open (and create) `<data_dir>/docs`, removing temp files a crash left behind.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        let root = data_dir.join("docs");
        fs::create_dir_all(&root).map_err(io_err("create", &root))?;
        let store = Self {
            root,
            logs: Arc::default(),
        };
        store.clean_temp_files()?;
        Ok(store)
    }

    fn doc_dir(&self, doc: &DocumentId) -> PathBuf {
        self.root.join(doc.to_string())
    }

    /// Run `f` on the document's log, read first if not known yet, under
    /// the document's lock.
    fn with_log<T>(
        &self,
        doc: &DocumentId,
        f: impl FnOnce(&mut log::Log, Option<Vec<Chunk>>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let lock = self
            .logs
            .lock()
            .expect("logs lock")
            .entry(*doc)
            .or_default()
            .clone();
        let mut known = lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut read = None;
        if known.is_none() {
            let (l, chunks) = log::Log::read(doc, &self.doc_dir(doc))?;
            *known = Some(l);
            read = Some(chunks);
        }
        f(known.as_mut().expect("set above"), read)
    }

    fn file_name(key: &ChunkKey) -> String {
        format!("{}-{}", key.kind.as_str(), key.hash)
    }

    fn clean_temp_files(&self) -> Result<(), StoreError> {
        let Ok(dirs) = fs::read_dir(&self.root) else {
            return Ok(());
        };
        for dir in dirs.flatten() {
            let Ok(files) = fs::read_dir(dir.path()) else {
                continue;
            };
            for f in files.flatten() {
                if f.file_name().to_string_lossy().starts_with(".tmp-") {
                    let _ = fs::remove_file(f.path());
                }
            }
        }
        Ok(())
    }

    /// Documents that have at least one chunk.
    pub fn documents(&self) -> Vec<DocumentId> {
        let Ok(dirs) = fs::read_dir(&self.root) else {
            return Vec::new();
        };
        dirs.flatten()
            .filter_map(|d| d.file_name().to_str()?.parse().ok())
            .collect()
    }

    /// Blocking load of every chunk of a document.
    pub fn load_blocking(&self, doc: &DocumentId) -> Result<Vec<Chunk>, StoreError> {
        let dir = self.doc_dir(doc);
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err("read directory", &dir)(e)),
        };
        let mut chunks = self.with_log(doc, |l, read| match read {
            Some(chunks) => Ok(chunks),
            None => {
                let (fresh, chunks) = log::Log::read(doc, &dir)?;
                *l = fresh;
                Ok(chunks)
            }
        })?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some((kind, hash)) = name.split_once('-') else {
                continue;
            };
            let Some(kind) = ChunkKind::parse(kind) else {
                continue;
            };
            let path = entry.path();
            let mut bytes = Vec::new();
            File::open(&path)
                .and_then(|mut f| f.read_to_end(&mut bytes))
                .map_err(io_err("read", &path))?;
            chunks.push(Chunk {
                key: ChunkKey {
                    doc: *doc,
                    kind,
                    hash: hash.to_string(),
                },
                bytes,
            });
        }
        Ok(chunks)
    }

    /// Blocking, durable write of one chunk (temp file, fsync, rename, fsync dir).
    pub fn put_blocking(&self, chunk: &Chunk) -> Result<(), StoreError> {
        let dir = self.doc_dir(&chunk.key.doc);
        if chunk.key.kind == ChunkKind::Incremental {
            return self.with_log(&chunk.key.doc, |l, _| {
                if l.contains(&chunk.key.hash) {
                    return Ok(()); // content-addressed: already durable
                }
                // (A chunk an earlier version wrote as its own file may be
                // written again here: the same bytes twice load as one.)
                let new_dir = !l.exists() && !dir.exists();
                if new_dir {
                    fs::create_dir_all(&dir).map_err(io_err("create", &dir))?;
                }
                if l.append(&dir, chunk)? {
                    sync_dir(&dir)?;
                }
                if new_dir {
                    sync_dir(&self.root)?;
                }
                Ok(())
            });
        }
        let target = dir.join(Self::file_name(&chunk.key));
        if target.exists() {
            return Ok(()); // content-addressed: same name, same bytes, already durable
        }
        let new_dir = !dir.exists();
        if new_dir {
            fs::create_dir_all(&dir).map_err(io_err("create", &dir))?;
        }
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(
            ".tmp-{}-{}-{n}",
            std::process::id(),
            chunk.key.hash
        ));
        {
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
                .map_err(io_err("create", &tmp))?;
            f.write_all(&chunk.bytes).map_err(io_err("write", &tmp))?;
            // The data and the size; the rename below is made durable by
            // the directory's flush.
            f.sync_data().map_err(io_err("flush to disk", &tmp))?;
        }
        fs::rename(&tmp, &target).map_err(io_err("rename into place", &target))?;
        sync_dir(&dir)?;
        if new_dir {
            // A new document directory must itself be durable in its parent.
            sync_dir(&self.root)?;
        }
        Ok(())
    }

    /// Blocking delete of chunks (missing files are fine).
    pub fn delete_blocking(&self, keys: &[ChunkKey]) -> Result<(), StoreError> {
        let mut in_logs: HashMap<DocumentId, BTreeSet<String>> = HashMap::new();
        for key in keys.iter().filter(|k| k.kind == ChunkKind::Incremental) {
            in_logs.entry(key.doc).or_default().insert(key.hash.clone());
        }
        for (doc, hashes) in in_logs {
            let dir = self.doc_dir(&doc);
            self.with_log(&doc, |l, _| l.remove(&doc, &dir, &hashes))?;
        }
        let mut dirs = BTreeSet::new();
        for key in keys {
            let dir = self.doc_dir(&key.doc);
            let path = dir.join(Self::file_name(key));
            match fs::remove_file(&path) {
                Ok(()) => {
                    dirs.insert(dir);
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err("delete", &path)(e)),
            }
        }
        for dir in dirs {
            sync_dir(&dir)?;
        }
        Ok(())
    }
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err("flush directory", dir))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
}

impl ChunkStore for FileStore {
    type Error = StoreError;

    async fn load(&self, doc: &DocumentId) -> Result<Vec<Chunk>, StoreError> {
        let (s, d) = (self.clone(), *doc);
        blocking(move || s.load_blocking(&d)).await
    }

    async fn put(&self, chunk: &Chunk) -> Result<(), StoreError> {
        let (s, c) = (self.clone(), chunk.clone());
        blocking(move || s.put_blocking(&c)).await
    }

    async fn delete(&self, keys: &[ChunkKey]) -> Result<(), StoreError> {
        let (s, k) = (self.clone(), keys.to_vec());
        blocking(move || s.delete_blocking(&k)).await
    }
}

/// Write a small file atomically (temp, fsync, rename, fsync dir).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io_err("create", dir))?;
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".tmp-{}-{n}", std::process::id()));
    {
        let mut f = File::create(&tmp).map_err(io_err("create", &tmp))?;
        f.write_all(bytes).map_err(io_err("write", &tmp))?;
        f.sync_all().map_err(io_err("flush to disk", &tmp))?;
    }
    fs::rename(&tmp, path).map_err(io_err("rename into place", path))?;
    sync_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("thidua-store-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn chunks_round_trip_and_delete_only_what_is_named() {
        let dir = temp_dir("rt");
        let store = FileStore::open(&dir).unwrap();
        let doc = DocumentId::from_bytes([4; 16]);
        let a = Chunk::new(doc, ChunkKind::Incremental, b"one".to_vec());
        let b = Chunk::new(doc, ChunkKind::Snapshot, b"two".to_vec());
        store.put_blocking(&a).unwrap();
        store.put_blocking(&b).unwrap();
        store.put_blocking(&a).unwrap(); // idempotent
        let mut loaded = store.load_blocking(&doc).unwrap();
        loaded.sort_by(|x, y| x.key.cmp(&y.key));
        let mut expected = vec![a.clone(), b.clone()];
        expected.sort_by(|x, y| x.key.cmp(&y.key));
        assert_eq!(loaded, expected);
        store.delete_blocking(std::slice::from_ref(&a.key)).unwrap();
        assert_eq!(store.load_blocking(&doc).unwrap(), vec![b.clone()]);
        assert_eq!(store.documents(), vec![doc]);
        // A chunk an earlier version wrote as its own file loads, and goes.
        let old = Chunk::new(doc, ChunkKind::Incremental, b"old".to_vec());
        fs::write(
            store.doc_dir(&doc).join(FileStore::file_name(&old.key)),
            b"old",
        )
        .unwrap();
        let mut loaded = store.load_blocking(&doc).unwrap();
        loaded.sort_by(|x, y| x.key.cmp(&y.key));
        let mut expected = vec![old.clone(), b.clone()];
        expected.sort_by(|x, y| x.key.cmp(&y.key));
        assert_eq!(loaded, expected);
        store
            .delete_blocking(std::slice::from_ref(&old.key))
            .unwrap();
        assert_eq!(store.load_blocking(&doc).unwrap(), vec![b]);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn stray_temp_files_from_a_crash_are_ignored_and_cleaned() {
        let dir = temp_dir("tmp");
        let store = FileStore::open(&dir).unwrap();
        let doc = DocumentId::from_bytes([5; 16]);
        let a = Chunk::new(doc, ChunkKind::Incremental, b"one".to_vec());
        store.put_blocking(&a).unwrap();
        let stray = store.doc_dir(&doc).join(".tmp-1-abc-0");
        fs::write(&stray, b"half a chunk").unwrap();
        assert_eq!(store.load_blocking(&doc).unwrap(), vec![a]);
        FileStore::open(&dir).unwrap();
        assert!(!stray.exists());
        let _ = fs::remove_dir_all(&dir);
    }
}
