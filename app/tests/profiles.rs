//! Browser tests of the per-profile databases (`app::storage::profiles`,
//! `app::session::{open_current, keep}`) in headless Chromium: each relay +
//! cluster + office keeps its own database, switching back finds the old one
//! with its chunks, and an install from before profiles keeps its database.
//!
//! One test function: the registry database has a fixed name, so the steps
//! must not run concurrently. Run with `scripts/test-wasm.sh --test profiles`.
#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use app::session::{SESSION_KEY, Session, keep, open_current};
use app::storage::profiles::{LEGACY_DB, REGISTRY_DB, normalize_relay};
use app::storage::{IdbChunkStore, ProfileId, db_name_for_profile};
use shared::cluster::{Directory, OfficeEntry};
use shared::protocol::DocumentId;
use shared::storage::{Chunk, ChunkKind, ChunkStore};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn session(relay: &str, cluster_byte: u8, office: &str) -> Session {
    let url = |n: u8| DocumentId::from_bytes([n; 16]).url();
    Session {
        relay: relay.into(),
        token: format!("td1.{office}.secret"),
        office: office.into(),
        device: "may-1".into(),
        device_name: String::new(),
        directory: Directory {
            cluster: format!("Cụm {cluster_byte}"),
            cluster_url: url(cluster_byte),
            former: Vec::new(),
            offices: vec![OfficeEntry {
                code: office.into(),
                name: format!("Văn phòng {office}"),
                province: office.into(),
                url: url(cluster_byte + 100),
            }],
        },
        signed_in_at: 0.0,
    }
}

async fn clear() {
    for db in [REGISTRY_DB, LEGACY_DB] {
        IdbChunkStore::delete_database(db).await.expect("delete");
    }
}

#[wasm_bindgen_test]
fn relays_are_named_one_way() {
    assert_eq!(
        normalize_relay(" HTTP://Relay.Example:8080/ "),
        "http://relay.example:8080"
    );
    assert_eq!(
        normalize_relay("https://relay.example/thidua/"),
        "https://relay.example/thidua"
    );
    let a = ProfileId::new("http://a.example/", "automerge:x", "LSN");
    assert_eq!(a, ProfileId::new("http://a.example", "automerge:x", "LSN"));
    assert_eq!(a.key().len(), 16);
    for other in [
        ProfileId::new("http://b.example", "automerge:x", "LSN"),
        ProfileId::new("http://a.example", "automerge:y", "LSN"),
        ProfileId::new("http://a.example", "automerge:x", "CBG"),
    ] {
        assert_ne!(a.key(), other.key(), "{other:?}");
    }
}

#[wasm_bindgen_test]
async fn each_profile_keeps_its_own_database() {
    // An install from before profiles: a session and a chunk in thidua/main,
    // no registry. It keeps its database.
    clear().await;
    let a = session("http://relay-a.example", 1, "LSN");
    let legacy = IdbChunkStore::open(LEGACY_DB).await.expect("open legacy");
    legacy
        .put_setting_json(SESSION_KEY, &a)
        .await
        .expect("session");
    let doc = DocumentId::from_bytes([101; 16]);
    let unsent = Chunk::new(doc, ChunkKind::Incremental, vec![7; 64]);
    legacy.put(&unsent).await.expect("chunk");
    drop(legacy);

    let (store, found) = open_current().await.expect("start");
    assert_eq!(store.db_name(), LEGACY_DB);
    assert_eq!(found.as_ref(), Some(&a));

    // Another relay: its own database, named after its profile.
    let b = session("http://relay-b.example", 2, "CBG");
    let on_b = keep(&b, store).await.expect("keep b");
    assert_eq!(on_b.db_name(), db_name_for_profile(&b.profile().key()));
    assert!(
        on_b.load(&doc).await.expect("load").is_empty(),
        "nothing of A's in B's database"
    );
    drop(on_b);
    let (store, found) = open_current().await.expect("start on b");
    assert_eq!(store.db_name(), db_name_for_profile(&b.profile().key()));
    assert_eq!(found.as_ref(), Some(&b));

    // A new token of the same relay, cluster and office: the same database.
    let mut b2 = b.clone();
    b2.token = "td1.CBG.new".into();
    let again = keep(&b2, store).await.expect("keep b2");
    assert_eq!(again.db_name(), db_name_for_profile(&b.profile().key()));

    // Back to A: the legacy database, with its chunk.
    let mut a2 = a.clone();
    a2.token = "td1.LSN.new".into();
    let back = keep(&a2, again).await.expect("keep a");
    assert_eq!(back.db_name(), LEGACY_DB);
    assert_eq!(back.load(&doc).await.expect("load"), vec![unsent.clone()]);
    drop(back);
    let (store, found) = open_current().await.expect("start on a");
    assert_eq!(store.db_name(), LEGACY_DB);
    assert_eq!(found.map(|s| s.token), Some("td1.LSN.new".to_string()));

    // Another office of A's cluster is another identity: another database.
    let other = session("http://relay-a.example", 1, "CBG");
    let on_other = keep(&other, Rc::clone(&store)).await.expect("keep other");
    assert_ne!(on_other.db_name(), LEGACY_DB);
    drop((store, on_other));

    // A fresh install: the first sign-in takes thidua/main.
    clear().await;
    let fresh = IdbChunkStore::open(LEGACY_DB).await.expect("open");
    let (store, found) = (Rc::new(fresh), None::<Session>);
    assert!(found.is_none());
    let first = keep(&b, store).await.expect("first sign-in");
    assert_eq!(first.db_name(), LEGACY_DB);
}
