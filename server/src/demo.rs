//! The demo cluster: the northern mountain provinces after the 1 July 2025
//! merger, led by Lạng Sơn, created on the first `serve --demo` with a
//! full year of realistic work in every office. The data itself is
//! [`shared::demo`] (pure and deterministic, also used by the app's
//! benchmark hook); this module gives it document ids, stores it and keeps
//! the data directory's `cluster.json`.

use std::path::Path;

use automerge::Automerge;
use shared::cluster::{Directory, OfficeEntry};
use shared::protocol::DocumentId;
use shared::schema;
use shared::storage::{Chunk, ChunkKind};

pub use shared::demo::{
    DEMO_CLUSTER_NAME, DEMO_CRITERIA, DEMO_FORMER_PROVINCES, DEMO_PROVINCES, DEMO_YEARS,
    demo_cluster, demo_documents, demo_former_documents, demo_former_entry,
};

use crate::demo_year;
use crate::store::{FileStore, StoreError};
use crate::tokens::{TokenError, random_bytes};

/// Errors while creating the demo cluster.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Token(#[from] TokenError),
}

/// A new random document id.
pub fn new_doc_id() -> Result<DocumentId, TokenError> {
    Ok(DocumentId::new_v4(random_bytes::<16>()?))
}

/// A seeded document as one snapshot chunk.
pub fn snapshot(id: DocumentId, doc: &Automerge) -> Chunk {
    Chunk::new(id, ChunkKind::Snapshot, doc.save())
}

/// Create the demo cluster's documents in a file store and return its
/// directory (see [`generate`]).
pub fn create(store: &FileStore) -> Result<Directory, DemoError> {
    let (directory, chunks) = generate()?;
    for chunk in &chunks {
        store.put_blocking(chunk)?;
    }
    Ok(directory)
}

/// The demo cluster: its directory and its documents, seeded with a full
/// year of work ([`crate::demo_year`]), one snapshot chunk each.
pub fn generate() -> Result<(Directory, Vec<Chunk>), TokenError> {
    let mut chunks = Vec::new();
    let cluster_id = new_doc_id()?;
    let mut offices = Vec::new();
    let mut ids = Vec::new();
    for (code, province) in DEMO_PROVINCES {
        let id = new_doc_id()?;
        offices.push(OfficeEntry {
            code: code.to_string(),
            name: format!("Văn phòng Đoàn ĐBQH và HĐND tỉnh {province}"),
            province: province.to_string(),
            url: id.url(),
        });
        ids.push(id);
    }
    let (cluster, generated) = demo_documents(&offices);
    let shift = commit_time_shift(&generated);
    for (id, office) in ids.into_iter().zip(&generated) {
        let doc = demo_year::office_automerge(&office.doc, cluster.year, office.as_of, shift);
        chunks.push(snapshot(id, &doc));
    }
    // The former offices (before the 1 July 2025 merger), each in its own
    // document under its own name.
    let mut former = Vec::new();
    for (code, _, _) in DEMO_FORMER_PROVINCES {
        let id = new_doc_id()?;
        former.extend(demo_former_entry(code, id.url()));
    }
    let entries: Vec<OfficeEntry> = former.iter().map(|f| f.entry.clone()).collect();
    for (f, office) in former.iter().zip(demo_former_documents(&cluster, &entries)) {
        let id = DocumentId::from_url(&f.entry.url).expect("made above");
        let doc = demo_year::office_automerge(&office.doc, 2025, office.as_of, shift);
        chunks.push(snapshot(id, &doc));
    }
    chunks.push(snapshot(cluster_id, &schema::new_cluster_doc(&cluster)));
    let directory = Directory {
        cluster: DEMO_CLUSTER_NAME.to_string(),
        cluster_url: cluster_id.url(),
        former,
        offices,
    };
    Ok((directory, chunks))
}

/// How far to move the seeded commit times so that the newest is an hour
/// ago: the offices keep their gaps (one weeks behind the others), and
/// whatever is typed after the demo starts is newer than the seed.
/// How far to move seeded commit times so that the newest is an hour ago.
pub fn commit_time_shift(generated: &[demo_year::GeneratedOffice]) -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let newest = generated
        .iter()
        .map(|g| demo_year::commit_time(g.as_of))
        .max()
        .unwrap_or(now);
    if now == 0 { 0 } else { now - 3600 - newest }
}

/// Read the directory of a data directory, if one was set up.
pub fn read_directory(data_dir: &Path) -> Result<Option<Directory>, String> {
    let path = data_dir.join("cluster.json");
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            format!(
                "{} is damaged ({e}); restore it from a backup",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("could not read {}: {e}", path.display())),
    }
}

/// Write the directory of a data directory atomically.
pub fn write_directory(data_dir: &Path, dir: &Directory) -> Result<(), StoreError> {
    let json = serde_json::to_vec_pretty(dir).expect("directory serializes");
    crate::store::write_atomically(&data_dir.join("cluster.json"), &json)
}
