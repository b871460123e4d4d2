//! The incremental chunks of one document, appended to one file
//! (`incremental.log`), so that saving a change costs an append and one
//! flush, not a new file, a rename and a directory flush.
//!
//! Record: `TDC1` · hash length (1 byte) · hex SHA-256 of the bytes · length
//! (4 bytes, little-endian) · the chunk's bytes. A record counts only when it
//! is whole and its bytes hash to its name. Nothing is ever cut: a crash in
//! the middle of an append leaves a torn record (never acknowledged) that the
//! reader skips, finding the next record by its marker; damaged bytes in the
//! middle are skipped the same way and every whole record after them still
//! loads. Deleting records (after a compaction) writes the survivors to a new
//! file that replaces the log atomically.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use shared::protocol::DocumentId;
use shared::storage::{Chunk, ChunkKind};

use super::{StoreError, io_err, sync_dir};

pub(super) const LOG_NAME: &str = "incremental.log";
const MAGIC: &[u8; 4] = b"TDC1";

/// What is known of one document's log (read once, then kept up to date).
#[derive(Debug, Default)]
pub(super) struct Log {
    /// Hashes of the chunks in the log.
    hashes: BTreeSet<String>,
    /// Whether the log file exists (as last read or written).
    exists: bool,
}

impl Log {
    /// Read the log of `dir` (missing: empty).
    pub(super) fn read(doc: &DocumentId, dir: &Path) -> Result<(Self, Vec<Chunk>), StoreError> {
        let path = dir.join(LOG_NAME);
        let mut bytes = Vec::new();
        let exists = match File::open(&path) {
            Ok(mut f) => {
                f.read_to_end(&mut bytes).map_err(io_err("read", &path))?;
                true
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => return Err(io_err("open", &path)(e)),
        };
        let (chunks, skipped) = parse(doc, &bytes);
        if skipped > 0 {
            tracing::warn!(
                path = %path.display(),
                skipped,
                "bytes of a chunk log that are not a whole record were skipped (a write cut short by a stop, or damage); every whole record loaded"
            );
        }
        let log = Self {
            hashes: chunks.iter().map(|c| c.key.hash.clone()).collect(),
            exists,
        };
        Ok((log, chunks))
    }

    pub(super) fn contains(&self, hash: &str) -> bool {
        self.hashes.contains(hash)
    }

    pub(super) fn exists(&self) -> bool {
        self.exists
    }

    /// Append one chunk durably. Returns whether the log file was created
    /// (its directory entry must then be flushed too).
    pub(super) fn append(&mut self, dir: &Path, chunk: &Chunk) -> Result<bool, StoreError> {
        let path = dir.join(LOG_NAME);
        let created = !self.exists;
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io_err("open", &path))?;
        // One write: a stop leaves at most this record torn.
        f.write_all(&encode(chunk))
            .and_then(|()| f.sync_data())
            .map_err(io_err("append to", &path))?;
        self.hashes.insert(chunk.key.hash.clone());
        self.exists = true;
        Ok(created)
    }

    /// Remove the records of `hashes`: the survivors go to a new log that
    /// replaces this one atomically (or the log goes when none survive).
    pub(super) fn remove(
        &mut self,
        doc: &DocumentId,
        dir: &Path,
        hashes: &BTreeSet<String>,
    ) -> Result<(), StoreError> {
        if !hashes.iter().any(|h| self.hashes.contains(h)) {
            return Ok(());
        }
        let path = dir.join(LOG_NAME);
        let (_, chunks) = Self::read(doc, dir)?;
        let keep: Vec<Chunk> = chunks
            .into_iter()
            .filter(|c| !hashes.contains(&c.key.hash))
            .collect();
        if keep.is_empty() {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err("delete", &path)(e)),
            }
        } else {
            let bytes: Vec<u8> = keep.iter().flat_map(encode).collect();
            let tmp: PathBuf = dir.join(format!(".tmp-{}-log", std::process::id()));
            {
                let mut f = File::create(&tmp).map_err(io_err("create", &tmp))?;
                f.write_all(&bytes).map_err(io_err("write", &tmp))?;
                f.sync_data().map_err(io_err("flush to disk", &tmp))?;
            }
            fs::rename(&tmp, &path).map_err(io_err("rename into place", &path))?;
        }
        sync_dir(dir)?;
        self.exists = !keep.is_empty();
        self.hashes = keep.into_iter().map(|c| c.key.hash).collect();
        Ok(())
    }
}

fn encode(chunk: &Chunk) -> Vec<u8> {
    let hash = chunk.key.hash.as_bytes();
    let mut out = Vec::with_capacity(4 + 1 + hash.len() + 4 + chunk.bytes.len());
    out.extend_from_slice(MAGIC);
    out.push(hash.len() as u8);
    out.extend_from_slice(hash);
    out.extend_from_slice(&(chunk.bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(&chunk.bytes);
    out
}

/// Every whole record in `bytes`, and how many bytes were skipped.
fn parse(doc: &DocumentId, bytes: &[u8]) -> (Vec<Chunk>, usize) {
    let mut chunks = Vec::new();
    let (mut at, mut skipped) = (0usize, 0usize);
    while at < bytes.len() {
        if let Some((chunk, len)) = parse_one(doc, &bytes[at..]) {
            chunks.push(chunk);
            at += len;
            continue;
        }
        // Not a whole record here: on to the next marker.
        let next = bytes[at + 1..]
            .windows(MAGIC.len())
            .position(|w| w == MAGIC)
            .map_or(bytes.len(), |p| at + 1 + p);
        skipped += next - at;
        at = next;
    }
    (chunks, skipped)
}

fn parse_one(doc: &DocumentId, b: &[u8]) -> Option<(Chunk, usize)> {
    if b.len() < 5 || &b[..4] != MAGIC {
        return None;
    }
    let hash_len = b[4] as usize;
    let hash_end = 5 + hash_len;
    let hash = std::str::from_utf8(b.get(5..hash_end)?).ok()?;
    let len = u32::from_le_bytes(b.get(hash_end..hash_end + 4)?.try_into().ok()?) as usize;
    let start = hash_end + 4;
    let data = b.get(start..start.checked_add(len)?)?;
    let chunk = Chunk::new(*doc, ChunkKind::Incremental, data.to_vec());
    (chunk.key.hash == hash).then_some((chunk, start + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(doc: DocumentId, s: &str) -> Chunk {
        Chunk::new(doc, ChunkKind::Incremental, s.as_bytes().to_vec())
    }

    #[test]
    fn torn_or_damaged_records_are_skipped_and_every_whole_one_loads() {
        let dir = std::env::temp_dir().join(format!("thidua-log-torn-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let doc = DocumentId::from_bytes([3; 16]);
        let (mut log, none) = Log::read(&doc, &dir).unwrap();
        assert!(none.is_empty());
        log.append(&dir, &chunk(doc, "one")).unwrap();
        // A stop in the middle of the second append: half a record.
        let half = encode(&chunk(doc, "two"));
        let mut f = OpenOptions::new()
            .append(true)
            .open(dir.join(LOG_NAME))
            .unwrap();
        f.write_all(&half[..half.len() / 2]).unwrap();
        drop(f);
        let (mut log, chunks) = Log::read(&doc, &dir).unwrap();
        assert_eq!(chunks, vec![chunk(doc, "one")]);
        log.append(&dir, &chunk(doc, "three")).unwrap();
        log.append(&dir, &chunk(doc, "four")).unwrap();
        let (_, chunks) = Log::read(&doc, &dir).unwrap();
        assert_eq!(
            chunks,
            vec![chunk(doc, "one"), chunk(doc, "three"), chunk(doc, "four")]
        );
        // A damaged byte inside "one": it is skipped, the others still load.
        let mut bytes = fs::read(dir.join(LOG_NAME)).unwrap();
        let first_end = encode(&chunk(doc, "one")).len();
        bytes[first_end - 1] ^= 0xff;
        fs::write(dir.join(LOG_NAME), &bytes).unwrap();
        let (mut log, chunks) = Log::read(&doc, &dir).unwrap();
        assert_eq!(chunks, vec![chunk(doc, "three"), chunk(doc, "four")]);
        // Removing records keeps the others (and drops the damage).
        log.remove(&doc, &dir, &[chunk(doc, "three").key.hash].into())
            .unwrap();
        let (_, chunks) = Log::read(&doc, &dir).unwrap();
        assert_eq!(chunks, vec![chunk(doc, "four")]);
        log.remove(&doc, &dir, &[chunk(doc, "four").key.hash].into())
            .unwrap();
        assert!(!dir.join(LOG_NAME).exists());
        let _ = fs::remove_dir_all(&dir);
    }
}
