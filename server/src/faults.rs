//! A store that fails on command: storage-fault tests and drills.
//!
//! [`Faults`] holds three switches (loads, writes, deletes). While a switch
//! is on, that operation fails with [`StoreError::Injected`] without touching
//! the inner store; turning it off lets the next retry through. The relay
//! uses it only when [`crate::ServeOptions::faults`] is set.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use shared::protocol::DocumentId;
use shared::storage::{Chunk, ChunkKey};

use crate::store::{RelayStore, StoreError};

/// Switches for injected storage failures, shared with the test.
#[derive(Debug, Default)]
pub struct Faults {
    pub loads: AtomicBool,
    pub writes: AtomicBool,
    pub deletes: AtomicBool,
    /// How many operations failed on purpose so far.
    pub injected: AtomicU64,
}

impl Faults {
    pub fn set(&self, loads: bool, writes: bool, deletes: bool) {
        self.loads.store(loads, Ordering::SeqCst);
        self.writes.store(writes, Ordering::SeqCst);
        self.deletes.store(deletes, Ordering::SeqCst);
    }

    fn check(&self, switch: &AtomicBool, what: &'static str) -> Result<(), StoreError> {
        if switch.load(Ordering::SeqCst) {
            self.injected.fetch_add(1, Ordering::SeqCst);
            return Err(StoreError::Injected(what));
        }
        Ok(())
    }
}

/// A store whose operations fail while the matching [`Faults`] switch is on.
#[derive(Clone, Debug)]
pub struct FaultyStore<S> {
    inner: S,
    faults: Arc<Faults>,
}

impl<S> FaultyStore<S> {
    pub fn new(inner: S, faults: Arc<Faults>) -> Self {
        Self { inner, faults }
    }
}

impl<S: RelayStore> RelayStore for FaultyStore<S> {
    async fn load(&self, doc: DocumentId) -> Result<Vec<Chunk>, StoreError> {
        self.faults
            .check(&self.faults.loads, "loading a document")?;
        self.inner.load(doc).await
    }

    async fn put(&self, chunk: Chunk) -> Result<(), StoreError> {
        self.faults.check(&self.faults.writes, "writing a chunk")?;
        self.inner.put(chunk).await
    }

    async fn delete(&self, keys: Vec<ChunkKey>) -> Result<(), StoreError> {
        self.faults.check(&self.faults.deletes, "deleting chunks")?;
        self.inner.delete(keys).await
    }
}
