//! Browser storage (lưu trữ trên trình duyệt).
//!
//! Documents live in IndexedDB as content-addressed chunks (see
//! [`shared::storage`]); [`IdbChunkStore`] implements
//! [`shared::storage::ChunkStore`] over one IndexedDB database per signed-in
//! profile and also keeps a small settings store (key → JSON text).
//!
//! Every failure is a [`StorageError`]. Its `Display` text (English, for logs
//! and bug reports) says what happened and what a person can do about it;
//! [`StorageError::message_vi`] gives the Vietnamese text for the UI. A full
//! disk is its own variant, [`StorageError::QuotaExceeded`], because the UI
//! must tell the user to free space: nothing can be saved until they do.
//!
//! Each relay + cluster + office has its own database ([`profiles`]), so
//! switching between them never mixes or loses data.

mod error;
pub mod idb;
pub mod profiles;

pub use error::StorageError;
pub use idb::{IdbChunkStore, db_name_for_profile, request_persistent_storage};
pub use profiles::{ProfileId, Profiles};
