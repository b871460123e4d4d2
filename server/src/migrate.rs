//! `thidua-relay migrate-store --from <A> --to <B>`: copy a whole store — a
//! data directory or a PostgreSQL database, either way — into an empty one:
//! every chunk of every document, the device tokens (hashes), and last the
//! cluster directory. Then every document is read back from both sides and
//! must have the same heads, or the command fails naming it.
//!
//! The directory goes last, so a copy cut short leaves a target without a
//! cluster: running the command again completes it (chunks are keyed by
//! their content, so copying one twice is harmless). A target that already
//! holds a cluster is refused: nothing is ever written over. The relays
//! that write the source must be stopped first: what they write during the
//! copy is not in it.

use std::path::PathBuf;

use automerge::ChangeHash;
use shared::cluster::Directory;
use shared::protocol::DocumentId;
use shared::storage::{Chunk, merge_chunks};

use crate::store::{FileStore, PgStore, RelayStore, StoreError};
use crate::tokens::{TokenRecord, TokenStore};

/// Where a store is: `postgres://…` (or `postgresql://…`), else a data directory.
#[derive(Clone, Debug)]
pub enum Location {
    Dir(PathBuf),
    Postgres(String),
}

impl Location {
    pub fn parse(text: &str) -> Self {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Location::Postgres(text.to_string())
        } else {
            Location::Dir(PathBuf::from(text))
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Dir(d) => write!(f, "the data directory {}", d.display()),
            Location::Postgres(_) => f.write_str("the PostgreSQL database"),
        }
    }
}

/// What was copied.
#[derive(Debug, PartialEq, Eq)]
pub struct Copied {
    pub documents: usize,
    pub chunks: usize,
    pub tokens: usize,
}

/// An opened store, of either kind.
enum Opened {
    Dir(PathBuf, FileStore),
    Postgres(PgStore),
}

impl Opened {
    async fn open(at: &Location) -> Result<Self, String> {
        Ok(match at {
            Location::Dir(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("could not create {}: {e}", dir.display()))?;
                Opened::Dir(
                    dir.clone(),
                    FileStore::open(dir).map_err(|e| e.to_string())?,
                )
            }
            Location::Postgres(url) => Opened::Postgres(
                PgStore::open(url, "migrate-store")
                    .await
                    .map_err(|e| e.to_string())?,
            ),
        })
    }

    async fn directory(&self) -> Result<Option<Directory>, String> {
        match self {
            Opened::Dir(dir, _) => crate::demo::read_directory(dir),
            Opened::Postgres(pg) => pg.directory().await.map_err(|e| e.to_string()),
        }
    }

    async fn documents(&self) -> Result<Vec<DocumentId>, StoreError> {
        match self {
            Opened::Dir(_, files) => Ok(files.documents()),
            Opened::Postgres(pg) => pg.documents().await,
        }
    }

    async fn load(&self, doc: DocumentId) -> Result<Vec<Chunk>, StoreError> {
        match self {
            Opened::Dir(_, files) => files.load(doc).await,
            Opened::Postgres(pg) => pg.load(doc).await,
        }
    }

    async fn put(&self, chunk: Chunk) -> Result<(), StoreError> {
        match self {
            Opened::Dir(_, files) => files.put(chunk).await,
            Opened::Postgres(pg) => pg.put(chunk).await,
        }
    }

    async fn tokens(&self) -> Result<Vec<TokenRecord>, String> {
        match self {
            Opened::Dir(dir, _) => TokenStore::open(dir).records().map_err(|e| e.to_string()),
            Opened::Postgres(pg) => pg.token_records().await.map_err(|e| e.to_string()),
        }
    }

    async fn import_tokens(&self, records: &[TokenRecord]) -> Result<(), String> {
        match self {
            Opened::Dir(dir, _) => TokenStore::open(dir)
                .import(records)
                .map_err(|e| e.to_string()),
            Opened::Postgres(pg) => pg.import_tokens(records).await.map_err(|e| e.to_string()),
        }
    }

    async fn set_directory(&self, directory: &Directory) -> Result<(), String> {
        match self {
            Opened::Dir(dir, _) => {
                crate::demo::write_directory(dir, directory).map_err(|e| e.to_string())
            }
            Opened::Postgres(pg) => pg.set_directory(directory).await.map_err(|e| e.to_string()),
        }
    }

    /// The heads of a document as its chunks here merge.
    async fn heads(&self, doc: DocumentId) -> Result<Vec<ChangeHash>, String> {
        let chunks = self.load(doc).await.map_err(|e| e.to_string())?;
        let loaded = merge_chunks(chunks);
        if let Some(problem) = loaded.problems.first() {
            return Err(format!("document {doc}: {problem}"));
        }
        Ok(loaded.doc.get_heads())
    }
}

/// Copy everything from `from` into `to` (see the module doc).
pub async fn migrate(from: &Location, to: &Location) -> Result<Copied, String> {
    let source = Opened::open(from).await?;
    let target = Opened::open(to).await?;
    let Some(directory) = source.directory().await? else {
        return Err(format!("{from} holds no cluster: nothing to copy"));
    };
    if target.directory().await?.is_some() {
        return Err(format!(
            "{to} already holds a cluster; copy into an empty data directory or database (nothing was written)"
        ));
    }
    let documents = source.documents().await.map_err(|e| e.to_string())?;
    let mut chunks = 0;
    for doc in &documents {
        for chunk in source.load(*doc).await.map_err(|e| e.to_string())? {
            target.put(chunk).await.map_err(|e| e.to_string())?;
            chunks += 1;
        }
    }
    for doc in &documents {
        let (before, after) = (source.heads(*doc).await?, target.heads(*doc).await?);
        if before != after {
            return Err(format!(
                "document {doc} does not read the same in {to} as in {from} (heads differ); the cluster directory was not copied, so no relay will use {to}"
            ));
        }
    }
    let tokens = source.tokens().await?;
    target.import_tokens(&tokens).await?;
    target.set_directory(&directory).await?;
    Ok(Copied {
        documents: documents.len(),
        chunks,
        tokens: tokens.len(),
    })
}
