//! Saved sync states on a real relay: a device that changed nothing since
//! its last visit learns it is up to date from where both sides left off,
//! also after the relay restarted.

use std::time::Duration;

use relay::client::{Client, ClientOptions, ClientStorage};
use thidua_tests::{PATIENCE, TestRelay, set_text, temp_dir};

/// Sync-state chunk files anywhere under a data directory.
fn state_files(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                state_files(&e.path())
            } else {
                usize::from(e.file_name().to_string_lossy().starts_with("syncstate-"))
            }
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_and_the_relay_keep_their_sync_states_across_visits_and_restarts() {
    let relay = TestRelay::start("sync-states").await;
    let doc = relay.office_doc("LSN");
    let storage = temp_dir("sync-states-device");
    let start = || {
        Client::start(ClientOptions {
            url: relay.ws_url(),
            token: relay.token("LSN"),
            name: "lsn-may-1".into(),
            storage: ClientStorage::Dir(storage.clone()),
            online: true,
        })
        .unwrap()
    };
    let device = start();
    device.open(doc);
    device.wait_synced(doc, PATIENCE).await.unwrap();
    for n in 0..50 {
        set_text(&device, doc, "ghiChu", &format!("lần {n}")).await;
    }
    device.wait_synced(doc, PATIENCE).await.unwrap();
    device.set_online(false);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while state_files(&relay.data_dir) == 0 || state_files(&storage) == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "relay {} / device {} saved states",
            state_files(&relay.data_dir),
            state_files(&storage)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Next visit, from a restarted app on the same storage: it resumes from
    // the saved states and converges with what another device did meanwhile.
    drop(device);
    let other = relay.device("LSN", "lsn-may-2");
    other.open(doc);
    other.wait_synced(doc, PATIENCE).await.unwrap();
    set_text(&other, doc, "ghiChu", "sửa trên máy khác").await;
    other.wait_synced(doc, PATIENCE).await.unwrap();
    let device = start();
    device.open(doc);
    device
        .wait_until("the other device's edit", PATIENCE, move |v| {
            v.core.doc(&doc).is_some_and(|d| {
                shared::schema::read::text(d, &automerge::ROOT, "ghiChu").as_deref()
                    == Some("sửa trên máy khác")
            })
        })
        .await
        .unwrap();
    device.wait_synced(doc, PATIENCE).await.unwrap();
    assert_eq!(
        thidua_tests::heads(&device, doc).await,
        thidua_tests::heads(&other, doc).await
    );
}
