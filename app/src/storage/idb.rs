//! [`ChunkStore`] over IndexedDB (cơ sở dữ liệu trong trình duyệt).
//!
//! One database per signed-in profile ([`db_name_for_profile`]), holding two
//! object stores:
//! - `chunks`: key = the chunk key text `<doc>/<snapshot|incremental>/<sha256>`
//!   ([`ChunkKey`]'s `Display`), value = the chunk bytes as a `Uint8Array`.
//!   All chunks of one document share the key prefix `<doc>/`, so a document
//!   loads with one key range.
//! - `settings`: key text → JSON text (sign-in info and other small metadata).
//!
//! Several tabs may open the same database at once. That is safe because
//! chunks are content addressed and only added (see [`shared::storage`]): no
//! write can overwrite another tab's data, and a compaction deletes only the
//! chunks it merged itself.
//!
//! `put` uses a transaction with `durability: "strict"` and resolves only after
//! the transaction's `complete` event, so a saved chunk survives a crash or a
//! closed tab.

use indexed_db_futures::KeyRange;
use indexed_db_futures::database::Database;
use indexed_db_futures::error::{
    DomException as IdbDomException, Error as IdbError, OpenDbError, UnexpectedDataError,
};
use indexed_db_futures::internals::SystemRepr;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{
    Transaction, TransactionDurability, TransactionMode, TransactionOptions,
};
use indexed_db_futures::typed_array::{Uint8Array, Uint8ArraySlice};
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::protocol::DocumentId;
use shared::storage::{Chunk, ChunkKey, ChunkStore};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::StorageError;

/// Object store of document chunks.
const CHUNKS: &str = "chunks";
/// Object store of settings (key text → JSON text).
const SETTINGS: &str = "settings";
/// Schema version of the database. Raise it (and extend `upgrade`) when the
/// stores change; tabs still on the old version close their connection when
/// they see the `versionchange` event.
const SCHEMA_VERSION: u32 = 1;

/// The IndexedDB database name of one signed-in profile (hồ sơ).
///
/// `profile` is any stable text naming the profile (e.g. the account id);
/// different profiles never share data.
pub fn db_name_for_profile(profile: &str) -> String {
    format!("thidua/{profile}")
}

/// Chunk and settings storage in one IndexedDB database.
pub struct IdbChunkStore {
    db: Database,
    name: String,
    /// This database's own id in the sync protocol (`storageId`): made once,
    /// kept in the settings store, so the relay keeps this replica's sync
    /// states under it and a reconnect resumes where the last visit ended.
    storage_id: String,
    /// Closes this connection when another tab upgrades the schema; kept alive
    /// as long as the store.
    _on_version_change: Closure<dyn FnMut()>,
}

impl std::fmt::Debug for IdbChunkStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdbChunkStore")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The setting that holds the database's `storageId`.
const STORAGE_ID_SETTING: &str = "storage-id";

/// Random hex from the browser's cryptographic generator (falls back to
/// `Math.random`: the id is not a secret, only unlikely to collide).
fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    let crypto = web_sys::window().and_then(|w| w.crypto().ok());
    if crypto
        .and_then(|c| c.get_random_values_with_u8_array(&mut buf).ok())
        .is_none()
    {
        for b in &mut buf {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

impl IdbChunkStore {
    /// Open (and create or upgrade when needed) the database `db_name`.
    pub async fn open(db_name: &str) -> Result<Self, StorageError> {
        let db = Database::open(db_name)
            .with_version(SCHEMA_VERSION)
            .with_on_upgrade_needed(|_event, db| upgrade(&db))
            .await
            .map_err(|e| open_error(e, db_name))?;

        // Another tab that needs a newer schema asks every open connection to
        // close; do so at once, or its upgrade would wait for this tab forever.
        let raw: web_sys::IdbDatabase = db.as_sys().clone().unchecked_into();
        let on_version_change = Closure::<dyn FnMut()>::new({
            let raw = raw.clone();
            move || raw.close()
        });
        raw.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));

        let mut store = Self {
            db,
            name: db_name.to_string(),
            storage_id: String::new(),
            _on_version_change: on_version_change,
        };
        store.storage_id = match store.get_setting_json::<String>(STORAGE_ID_SETTING).await? {
            Some(id) => id,
            None => {
                let id = format!("thidua-web-{}", random_hex(16));
                store.put_setting_json(STORAGE_ID_SETTING, &id).await?;
                id
            }
        };
        Ok(store)
    }

    /// This database's `storageId` in the sync protocol.
    pub fn storage_id(&self) -> &str {
        &self.storage_id
    }

    /// The database name this store was opened with.
    pub fn db_name(&self) -> &str {
        &self.name
    }

    /// Delete a whole database (e.g. when a profile signs out and asks to
    /// forget its data). Waits until no connection blocks the deletion.
    pub async fn delete_database(db_name: &str) -> Result<(), StorageError> {
        let action = "deleting the local database";
        Database::delete_by_name(db_name)
            .map_err(|e| open_error(e, db_name))?
            .await
            .map_err(|e| map_error(e, None, action))
    }

    /// The JSON text stored under `key` in the settings store, if any.
    pub async fn get_setting(&self, key: &str) -> Result<Option<String>, StorageError> {
        let action = "reading a setting";
        let tx = self.begin(SETTINGS, TransactionMode::Readonly, action)?;
        let store = tx
            .object_store(SETTINGS)
            .map_err(|e| map_error(e, None, action))?;
        let value: Option<String> = store
            .get(key)
            .primitive()
            .map_err(|e| map_error(e, None, action))?
            .await
            .map_err(|e| match e {
                IdbError::Serialisation(e) => StorageError::Corrupt {
                    key: format!("{SETTINGS}/{key}"),
                    detail: e.to_string(),
                },
                e => map_error(e, None, action),
            })?;
        Ok(value)
    }

    /// Store `json` (JSON text) under `key` in the settings store, durably.
    pub async fn put_setting(&self, key: &str, json: &str) -> Result<(), StorageError> {
        let action = "saving a setting";
        let tx = self.begin(SETTINGS, TransactionMode::Readwrite, action)?;
        let store = tx
            .object_store(SETTINGS)
            .map_err(|e| map_error(e, None, action))?;
        store
            .put(json)
            .with_key(key)
            .primitive()
            .map_err(|e| map_error(e, None, action))?;
        commit(tx, action).await
    }

    /// Delete `key` from the settings store (missing keys are not an error).
    pub async fn delete_setting(&self, key: &str) -> Result<(), StorageError> {
        let action = "deleting a setting";
        let tx = self.begin(SETTINGS, TransactionMode::Readwrite, action)?;
        let store = tx
            .object_store(SETTINGS)
            .map_err(|e| map_error(e, None, action))?;
        store
            .delete(key)
            .primitive()
            .map_err(|e| map_error(e, None, action))?;
        commit(tx, action).await
    }

    /// Read and parse the JSON setting `key`.
    pub async fn get_setting_json<T: DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, StorageError> {
        match self.get_setting(key).await? {
            None => Ok(None),
            Some(text) => {
                serde_json::from_str(&text)
                    .map(Some)
                    .map_err(|e| StorageError::Corrupt {
                        key: format!("{SETTINGS}/{key}"),
                        detail: e.to_string(),
                    })
            }
        }
    }

    /// Serialize `value` to JSON and store it under `key`.
    pub async fn put_setting_json<T: Serialize>(
        &self,
        key: &str,
        value: &T,
    ) -> Result<(), StorageError> {
        let text = serde_json::to_string(value).map_err(|e| StorageError::Browser {
            action: "saving a setting".into(),
            name: "SerializationError".into(),
            message: e.to_string(),
        })?;
        self.put_setting(key, &text).await
    }

    /// Start a transaction on one store. Writes use strict durability: the
    /// browser flushes to disk before reporting `complete`.
    fn begin(
        &self,
        store: &str,
        mode: TransactionMode,
        action: &str,
    ) -> Result<Transaction<'_>, StorageError> {
        let built = if mode == TransactionMode::Readwrite {
            self.db
                .transaction(store)
                .with_mode(mode)
                .with_options(
                    TransactionOptions::new().with_durability(TransactionDurability::Strict),
                )
                .build()
        } else {
            self.db.transaction(store).with_mode(mode).build()
        };
        built.map_err(|e| map_error(e, None, action))
    }
}

impl Drop for IdbChunkStore {
    fn drop(&mut self) {
        // Let other tabs upgrade or delete the database without waiting for us.
        let raw: &web_sys::IdbDatabase = self.db.as_sys().unchecked_ref();
        raw.set_onversionchange(None);
        raw.close();
    }
}

impl ChunkStore for IdbChunkStore {
    type Error = StorageError;

    async fn load(&self, doc: &DocumentId) -> Result<Vec<Chunk>, StorageError> {
        let action = "loading a document";
        let tx = self.begin(CHUNKS, TransactionMode::Readonly, action)?;
        let store = tx
            .object_store(CHUNKS)
            .map_err(|e| map_error(e, None, action))?;
        // Every key of the document starts with "<doc>/"; '0' is the character
        // right after '/', so [<doc>/, <doc>0) holds exactly those keys.
        let range: KeyRange<String> =
            KeyRange::Bound(format!("{doc}/"), false, format!("{doc}0"), true);
        // Both requests go out now, in one transaction, so they see the same
        // state and come back in the same (key) order.
        let keys = store
            .get_all_keys::<String>()
            .with_query::<String, _>(range.clone())
            .primitive()
            .map_err(|e| map_error(e, None, action))?;
        let values = store
            .get_all::<Uint8Array>()
            .with_query::<String, _>(range)
            .primitive()
            .map_err(|e| map_error(e, None, action))?;
        let keys: Vec<_> = keys
            .await
            .map_err(|e| map_error(e, None, action))?
            .collect();
        let values: Vec<_> = values
            .await
            .map_err(|e| map_error(e, None, action))?
            .collect();
        if keys.len() != values.len() {
            return Err(StorageError::Browser {
                action: action.into(),
                name: "InconsistentRead".into(),
                message: format!(
                    "{} keys but {} values in one transaction",
                    keys.len(),
                    values.len()
                ),
            });
        }

        // A damaged record is skipped (and left on disk), like a damaged chunk
        // in `merge_chunks`: one bad record must not hide the rest.
        let mut chunks = Vec::with_capacity(keys.len());
        for (key, value) in keys.into_iter().zip(values) {
            let key_text = match key {
                Ok(k) => k,
                Err(e) => {
                    warn(&format!("skipping a chunk with an unreadable key: {e}"));
                    continue;
                }
            };
            let Some(key) = ChunkKey::parse(&key_text) else {
                warn(&format!(
                    "skipping stored chunk {key_text:?}: not a chunk key"
                ));
                continue;
            };
            match value {
                Ok(bytes) => chunks.push(Chunk {
                    key,
                    bytes: bytes.into(),
                }),
                Err(e) => warn(&format!(
                    "skipping stored chunk {key_text}: its value is not bytes ({e})"
                )),
            }
        }
        Ok(chunks)
    }

    async fn put(&self, chunk: &Chunk) -> Result<(), StorageError> {
        let action = "saving a document chunk";
        let tx = self.begin(CHUNKS, TransactionMode::Readwrite, action)?;
        let store = tx
            .object_store(CHUNKS)
            .map_err(|e| map_error(e, None, action))?;
        store
            .put(Uint8ArraySlice::new(&chunk.bytes))
            .with_key(chunk.key.to_string())
            .primitive()
            .map_err(|e| map_error(e, None, action))?;
        commit(tx, action).await
    }

    async fn delete(&self, keys: &[ChunkKey]) -> Result<(), StorageError> {
        if keys.is_empty() {
            return Ok(());
        }
        let action = "deleting merged document chunks";
        let tx = self.begin(CHUNKS, TransactionMode::Readwrite, action)?;
        let store = tx
            .object_store(CHUNKS)
            .map_err(|e| map_error(e, None, action))?;
        for key in keys {
            store
                .delete(key.to_string())
                .primitive()
                .map_err(|e| map_error(e, None, action))?;
        }
        commit(tx, action).await
    }
}

/// Create the stores that do not exist yet (works from any older version).
fn upgrade(db: &Database) -> indexed_db_futures::Result<()> {
    let existing: Vec<String> = db.object_store_names().collect();
    for store in [CHUNKS, SETTINGS] {
        if !existing.iter().any(|s| s == store) {
            db.create_object_store(store).build()?;
        }
    }
    Ok(())
}

/// Commit and wait for `complete`. When the browser aborts the transaction
/// (quota exceeded, disk error), the cause is read from `transaction.error`.
async fn commit(tx: Transaction<'_>, action: &str) -> Result<(), StorageError> {
    let raw: web_sys::IdbTransaction = tx.as_sys().clone().unchecked_into();
    tx.commit()
        .await
        .map_err(|e| map_error(e, Some(&raw), action))
}

/// Map an indexed_db_futures error to a [`StorageError`].
fn map_error(e: IdbError, tx: Option<&web_sys::IdbTransaction>, action: &str) -> StorageError {
    match e {
        IdbError::DomException(e) => dom_error(&e, action),
        IdbError::MissingData(UnexpectedDataError::TransactionAborted) => {
            match tx.and_then(|tx| tx.error()) {
                Some(cause) => StorageError::from_js(&cause, action),
                None => StorageError::Browser {
                    action: action.into(),
                    name: "AbortError".into(),
                    message: "the browser aborted the transaction without giving a reason".into(),
                },
            }
        }
        other => StorageError::Browser {
            action: action.into(),
            name: "Error".into(),
            message: other.to_string(),
        },
    }
}

fn dom_error(e: &IdbDomException, action: &str) -> StorageError {
    StorageError::from_js(e.as_ref(), action)
}

/// Map an error met while opening or deleting the database `db`.
fn open_error(e: OpenDbError, db: &str) -> StorageError {
    match e {
        OpenDbError::UnsupportedEnvironment | OpenDbError::NullFactory => {
            StorageError::Unavailable {
                detail: "IndexedDB is missing".into(),
            }
        }
        OpenDbError::Base(IdbError::DomException(e))
            if e.as_ref().unchecked_ref::<web_sys::DomException>().name() == "VersionError" =>
        {
            StorageError::NewerVersion { db: db.to_string() }
        }
        OpenDbError::Base(e) => map_error(e, None, "opening the local database"),
        other => StorageError::Browser {
            action: "opening the local database".into(),
            name: "Error".into(),
            message: other.to_string(),
        },
    }
}

fn warn(message: &str) {
    web_sys::console::warn_1(&JsValue::from_str(&format!("[storage] {message}")));
}

/// Ask the browser to keep this site's data even under storage pressure
/// (`navigator.storage.persist()`). Returns whether storage is persistent.
/// Never fails: a browser without the API simply gives `false`.
pub async fn request_persistent_storage() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    // Through Reflect, so a browser without `navigator.storage` returns false
    // instead of throwing.
    let storage = match js_sys::Reflect::get(&window.navigator(), &JsValue::from_str("storage")) {
        Ok(s) if s.is_object() => s,
        _ => return false,
    };
    let persist = match js_sys::Reflect::get(&storage, &JsValue::from_str("persist")) {
        Ok(f) => match f.dyn_into::<js_sys::Function>() {
            Ok(f) => f,
            Err(_) => return false,
        },
        Err(_) => return false,
    };
    let promise = match persist.call0(&storage) {
        Ok(p) => match p.dyn_into::<js_sys::Promise>() {
            Ok(p) => p,
            Err(_) => return false,
        },
        Err(_) => return false,
    };
    matches!(
        wasm_bindgen_futures::JsFuture::from(promise).await,
        Ok(v) if v.as_bool() == Some(true)
    )
}
