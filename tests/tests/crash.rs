//! Kill the relay with SIGKILL between a client's sync and its next edit:
//! every change the client saw acknowledged must survive the restart.

use std::process::Stdio;
use std::time::Duration;

use thidua_tests::{PATIENCE, device, relay_binary, root_text, set_text, temp_dir};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Start the relay binary; returns the child and the printed LSN token.
async fn spawn_relay(data_dir: &std::path::Path, port: u16) -> (Child, String) {
    let mut child = Command::new(relay_binary())
        .args([
            "serve",
            "--demo",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("relay binary runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut token = None;
    while let Ok(Some(line)) = tokio::time::timeout(PATIENCE, lines.next_line())
        .await
        .unwrap()
    {
        if line.trim_start().starts_with("LSN") {
            token = line.split("token=").nth(1).map(str::to_string);
        }
        if line.starts_with("Open ") {
            break;
        }
    }
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, token.expect("the relay printed a token for LSN"))
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
