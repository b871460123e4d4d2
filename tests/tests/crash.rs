//! Kill the relay with SIGKILL between a client's sync and its next edit:
//! every change the client saw acknowledged must survive the restart.

use std::time::Duration;

use thidua_tests::{PATIENCE, device, free_port, root_text, set_text, temp_dir};
use tokio::process::Child;

/// Start the relay binary; returns the child and the printed LSN token.
async fn spawn_relay(data_dir: &std::path::Path, port: u16) -> (Child, String) {
    let (child, tokens) = thidua_tests::spawn_relay(data_dir, port).await;
    let token = tokens
        .into_iter()
        .find(|(code, _)| code == "LSN")
        .map(|(_, t)| t)
        .expect("the relay printed a token for LSN");
    (child, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_changes_survive_sigkill_of_the_relay() {
    let data_dir = temp_dir("crash");
    let port = free_port();
    let url = format!("ws://127.0.0.1:{port}/sync");
    let (mut relay, token) = spawn_relay(&data_dir, port).await;
    let dir: shared::cluster::Directory =
        serde_json::from_slice(&std::fs::read(data_dir.join("cluster.json")).unwrap()).unwrap();
    let doc = dir.office_doc("LSN").unwrap();
    let client = device(&url, &token, "lsn-crash");
    client.open(doc);
    client.wait_synced(doc, PATIENCE).await.unwrap();

    let mut acknowledged = Vec::new();
    for round in 0..5 {
        // Edits the client sees acknowledged...
        for n in 0..4 {
            let key = format!("r{round}-da-xac-nhan-{n}");
            set_text(&client, doc, &key, "đã lưu").await;
            client.wait_synced(doc, PATIENCE).await.unwrap();
            acknowledged.push(key);
        }
        // ...then one more edit racing the kill.
        set_text(&client, doc, &format!("r{round}-dang-gui"), "đang gửi").await;
        relay.kill().await.expect("SIGKILL the relay");
        let (r, _) = spawn_relay(&data_dir, port).await;
        relay = r;
        // The client reconnects by itself and resends what was not acknowledged.
        client.wait_synced(doc, PATIENCE).await.unwrap();
    }

    // A fresh device reads the relay's copy: every acknowledged change is there.
    let fresh = device(&url, &token, "lsn-fresh");
    fresh.open(doc);
    fresh.wait_synced(doc, PATIENCE).await.unwrap();
    for key in &acknowledged {
        let k: &'static str = Box::leak(key.clone().into_boxed_str());
        assert_eq!(
            root_text(&fresh, doc, k).await.as_deref(),
            Some("đã lưu"),
            "{key} lost"
        );
    }
    // And nothing the client made was lost either (resent after each restart).
    for round in 0..5 {
        let k: &'static str = Box::leak(format!("r{round}-dang-gui").into_boxed_str());
        assert!(root_text(&fresh, doc, k).await.is_some(), "{k} lost");
    }
    relay.kill().await.ok();
    tokio::time::sleep(Duration::from_millis(10)).await;
}
