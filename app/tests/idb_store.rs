//! Browser tests of `IdbChunkStore` (IndexedDB) in headless Chromium.
//!
//! Run with `scripts/test-wasm.sh` (it sets the webdriver and runner
//! variables), or by hand:
//! `CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_WEBDRIVER_JSON=$PWD/webdriver.json \
//!  cargo test -p app --target wasm32-unknown-unknown --test idb_store`.
#![cfg(target_arch = "wasm32")]

use std::collections::{BTreeMap, BTreeSet};

use app::storage::{IdbChunkStore, StorageError, request_persistent_storage};
use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT, ReadDoc, ScalarValue, Value};
use shared::protocol::DocumentId;
use shared::storage::{Chunk, ChunkKey, ChunkKind, ChunkStore, merge_chunks};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn doc_id(n: u8) -> DocumentId {
    DocumentId::from_bytes([n; 16])
}

/// A database name no other test (or earlier run) uses.
fn unique_db(label: &str) -> String {
    let n = (js_sys::Math::random() * 1e12) as u64;
    format!("test-{label}-{n}")
}

fn sorted(mut chunks: Vec<Chunk>) -> Vec<Chunk> {
    chunks.sort_by(|a, b| a.key.cmp(&b.key));
    chunks
}

#[wasm_bindgen_test]
async fn round_trip_delete_and_reopen() {
    let name = unique_db("round-trip");
    let store = IdbChunkStore::open(&name).await.expect("open");
    assert_eq!(store.db_name(), name);
    let (a, b) = (doc_id(1), doc_id(2));

    let a1 = Chunk::new(a, ChunkKind::Incremental, vec![1, 2, 3]);
    let a2 = Chunk::new(a, ChunkKind::Snapshot, (0..=255).collect());
    let a3 = Chunk::new(a, ChunkKind::Incremental, vec![0; 100_000]);
    let b1 = Chunk::new(b, ChunkKind::Incremental, vec![9; 1000]);
    for c in [&a1, &a2, &a3, &b1] {
        store.put(c).await.expect("put");
    }
    // Content addressed: putting the same chunk again changes nothing.
    store.put(&a1).await.expect("put again");

    assert_eq!(
        sorted(store.load(&a).await.expect("load a")),
        sorted(vec![a1.clone(), a2.clone(), a3.clone()])
    );
    assert_eq!(store.load(&b).await.expect("load b"), vec![b1.clone()]);
    assert!(store.load(&doc_id(3)).await.expect("load c").is_empty());

    // Delete removes only the given keys; a missing key is not an error.
    let missing = ChunkKey::for_bytes(doc_id(3), ChunkKind::Snapshot, b"none");
    store
        .delete(&[a1.key.clone(), missing])
        .await
        .expect("delete");
    store.delete(&[]).await.expect("delete nothing");
    assert_eq!(
        sorted(store.load(&a).await.expect("load a")),
        sorted(vec![a2.clone(), a3.clone()])
    );
    assert_eq!(store.load(&b).await.expect("load b"), vec![b1.clone()]);

    // A fresh instance on the same database (a reload) sees the same chunks.
    drop(store);
    let store = IdbChunkStore::open(&name).await.expect("reopen");
    assert_eq!(
        sorted(store.load(&a).await.expect("load a")),
        sorted(vec![a2, a3])
    );
    assert_eq!(store.load(&b).await.expect("load b"), vec![b1]);

    // Another profile's database shares nothing.
    let other = IdbChunkStore::open(&unique_db("other-profile"))
        .await
        .expect("open other");
    assert!(other.load(&a).await.expect("load other").is_empty());

    drop(store);
    drop(other);
    IdbChunkStore::delete_database(&name)
        .await
        .expect("delete database");
}

#[wasm_bindgen_test]
async fn settings_round_trip() {
    let name = unique_db("settings");
    let store = IdbChunkStore::open(&name).await.expect("open");
    assert_eq!(store.get_setting("sign-in").await.expect("get"), None);
    store
        .put_setting("sign-in", r#"{"user":"Nguyễn Văn A"}"#)
        .await
        .expect("put");
    assert_eq!(
        store.get_setting("sign-in").await.expect("get").as_deref(),
        Some(r#"{"user":"Nguyễn Văn A"}"#)
    );
    store
        .put_setting_json("numbers", &vec![1, 2, 3])
        .await
        .expect("put json");
    drop(store);

    let store = IdbChunkStore::open(&name).await.expect("reopen");
    let numbers: Option<Vec<i32>> = store.get_setting_json("numbers").await.expect("get json");
    assert_eq!(numbers, Some(vec![1, 2, 3]));
    store.delete_setting("sign-in").await.expect("delete");
    store
        .delete_setting("never-set")
        .await
        .expect("delete missing");
    assert_eq!(store.get_setting("sign-in").await.expect("get"), None);

    // A setting that is not valid JSON of the asked type is reported, not hidden.
    store.put_setting("broken", "{not json").await.expect("put");
    let err = store
        .get_setting_json::<Vec<i32>>("broken")
        .await
        .expect_err("broken JSON");
    assert!(matches!(err, StorageError::Corrupt { .. }), "{err}");
}

/// Make one edit in a tab and store it as an incremental chunk.
async fn edit(store: &IdbChunkStore, id: DocumentId, doc: &mut Automerge, key: &str, value: i64) {
    let heads = doc.get_heads();
    let mut tx = doc.transaction();
    tx.put(ROOT, key, value).expect("put key");
    tx.commit();
    let chunk = Chunk::new(id, ChunkKind::Incremental, doc.save_after(&heads));
    store.put(&chunk).await.expect("put incremental");
}

/// Compact one document as a tab would: load everything, write one snapshot,
/// then delete the chunks that snapshot merged.
///
/// The new snapshot's own key is never deleted: when the merged set already
/// holds a snapshot with the same changes, `save()` yields the same bytes and
/// so the same key, and deleting it would lose the document.
async fn compact(store: &IdbChunkStore, id: DocumentId) -> usize {
    let loaded = merge_chunks(store.load(&id).await.expect("load for compaction"));
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    let snapshot = Chunk::new(id, ChunkKind::Snapshot, loaded.doc.save());
    store.put(&snapshot).await.expect("put snapshot");
    let mut merged: BTreeSet<ChunkKey> = loaded.merged;
    merged.remove(&snapshot.key);
    let merged: Vec<ChunkKey> = merged.into_iter().collect();
    store.delete(&merged).await.expect("delete merged");
    merged.len()
}

/// Merge what is on disk into a tab's document (as a tab does when another
/// tab announces a change).
async fn refresh(store: &IdbChunkStore, id: DocumentId, doc: &mut Automerge) {
    let mut loaded = merge_chunks(store.load(&id).await.expect("load")).doc;
    doc.merge(&mut loaded).expect("merge");
}

fn int_at(doc: &Automerge, key: &str) -> Option<i64> {
    match doc.get(ROOT, key).expect("get") {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Int(i) => Some(*i),
            _ => None,
        },
        _ => None,
    }
}

#[wasm_bindgen_test]
async fn two_tabs_edit_and_compact_concurrently() {
    let name = unique_db("two-tabs");
    let tab1 = IdbChunkStore::open(&name).await.expect("open tab 1");
    let tab2 = IdbChunkStore::open(&name).await.expect("open tab 2");
    let id = doc_id(7);
    let mut expected: BTreeMap<String, i64> = BTreeMap::new();

    // Tab 1 creates the document; tab 2 loads it from disk.
    let mut d1 = Automerge::new();
    edit(&tab1, id, &mut d1, "created", 1).await;
    expected.insert("created".into(), 1);
    let mut d2 = Automerge::new();
    refresh(&tab2, id, &mut d2).await;
    assert_eq!(int_at(&d2, "created"), Some(1));

    for round in 0..3i64 {
        // Each tab makes its own edits, interleaved.
        for i in 0..3i64 {
            let k1 = format!("tab1-r{round}-e{i}");
            let k2 = format!("tab2-r{round}-e{i}");
            edit(&tab1, id, &mut d1, &k1, round * 100 + i).await;
            edit(&tab2, id, &mut d2, &k2, -(round * 100 + i)).await;
            expected.insert(k1, round * 100 + i);
            expected.insert(k2, -(round * 100 + i));
        }

        // Both tabs compact at once while both keep writing edits.
        let writes1 = async {
            for i in 0..3i64 {
                edit(
                    &tab1,
                    id,
                    &mut d1,
                    &format!("tab1-r{round}-during{i}"),
                    1000 + i,
                )
                .await;
            }
        };
        let writes2 = async {
            for i in 0..3i64 {
                edit(
                    &tab2,
                    id,
                    &mut d2,
                    &format!("tab2-r{round}-during{i}"),
                    -1000 - i,
                )
                .await;
            }
        };
        let (deleted1, deleted2, (), ()) =
            futures::join!(compact(&tab1, id), compact(&tab2, id), writes1, writes2);
        assert!(
            deleted1 + deleted2 > 0,
            "round {round}: nothing was compacted"
        );
        for i in 0..3i64 {
            expected.insert(format!("tab1-r{round}-during{i}"), 1000 + i);
            expected.insert(format!("tab2-r{round}-during{i}"), -1000 - i);
        }

        // Each tab picks up the other's edits before the next round.
        refresh(&tab1, id, &mut d1).await;
        refresh(&tab2, id, &mut d2).await;
    }

    // Whatever the interleaving, the stored document holds every edit of both
    // tabs, as seen through a third connection (a reload).
    drop(tab1);
    drop(tab2);
    let reader = IdbChunkStore::open(&name).await.expect("open reader");
    let loaded = merge_chunks(reader.load(&id).await.expect("load"));
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    for (key, value) in &expected {
        assert_eq!(int_at(&loaded.doc, key), Some(*value), "key {key}");
    }
    assert_eq!(loaded.doc.keys(ROOT).count(), expected.len());

    // One more compaction leaves exactly one snapshot, and compacting an
    // already compacted document keeps it (same bytes, same key).
    compact(&reader, id).await;
    let chunks = reader.load(&id).await.expect("load");
    assert_eq!(chunks.len(), 1);
    assert_eq!(chunks[0].key.kind, ChunkKind::Snapshot);
    // Why `compact` must keep the key it just wrote: saving a loaded snapshot
    // gives the very same bytes, hence the same key as the merged snapshot.
    let resaved = Chunk::new(
        id,
        ChunkKind::Snapshot,
        merge_chunks(chunks.clone()).doc.save(),
    );
    assert_eq!(resaved.key, chunks[0].key);
    compact(&reader, id).await;
    let again = reader.load(&id).await.expect("load");
    assert_eq!(
        again.len(),
        1,
        "compacting twice must not lose the snapshot"
    );
    let loaded = merge_chunks(again);
    for (key, value) in &expected {
        assert_eq!(int_at(&loaded.doc, key), Some(*value), "key {key}");
    }
}

#[wasm_bindgen_test]
fn dom_exception_names_map_to_error_variants() {
    // Provoking a real QuotaExceededError would mean filling the disk quota, so
    // the mapping is checked with real DOMException objects instead.
    let quota = web_sys::DomException::new_with_message_and_name(
        "The quota has been exceeded.",
        "QuotaExceededError",
    )
    .expect("DOMException");
    let e = StorageError::from_js(&quota, "saving a document chunk");
    assert!(e.is_quota_exceeded(), "{e:?}");
    assert!(e.to_string().contains("storage is full"), "{e}");
    assert!(e.message_vi().contains("đầy"));

    let closing = web_sys::DomException::new_with_message_and_name("closing", "InvalidStateError")
        .expect("DOMException");
    let e = StorageError::from_js(&closing, "loading a document");
    assert!(matches!(e, StorageError::Closed { .. }), "{e:?}");
    assert!(!e.is_quota_exceeded());

    let unknown = web_sys::DomException::new_with_message_and_name("disk I/O", "UnknownError")
        .expect("DOMException");
    assert_eq!(
        StorageError::from_js(&unknown, "loading a document"),
        StorageError::Browser {
            action: "loading a document".into(),
            name: "UnknownError".into(),
            message: "disk I/O".into(),
        }
    );

    let plain = js_sys::Error::new("boom");
    assert!(matches!(
        StorageError::from_js(&plain, "loading a document"),
        StorageError::Browser { ref message, .. } if message == "boom"
    ));
}

#[wasm_bindgen_test]
async fn persistent_storage_request_answers() {
    // Headless Chromium may grant or refuse; it must answer, not throw.
    let _granted: bool = request_persistent_storage().await;
}
