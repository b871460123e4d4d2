//! Storage that fails on command (loads, writes, deletes): nothing
//! acknowledged is lost, a document that cannot be loaded is never served
//! as empty, the relay recovers when storage does, and `/healthz` tells the
//! truth all along.

use std::sync::Arc;
use std::time::{Duration, Instant};

use relay::faults::Faults;
use shared::protocol::DocumentId;
use thidua_tests::{PATIENCE, TestRelay, http_get, root_text, set_text};

/// `/healthz`: (status line, body).
async fn health(relay: &TestRelay) -> (String, serde_json::Value) {
    let (status, _, body) = http_get(relay.running.addr, "/healthz", None).await;
    let json = serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
    (status, json)
}

async fn wait_health(relay: &TestRelay, want: &str) -> serde_json::Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (status, body) = health(relay).await;
        if body["status"] == want {
            let code = if want == "ok" { "200" } else { "503" };
            assert!(status.contains(code), "{status} {body}");
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "healthz never said {want}: {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn has_key(doc: &automerge::Automerge, key: &str) -> bool {
    shared::schema::read::text(doc, &automerge::ROOT, key).is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_writes_are_never_acknowledged_and_are_retried_until_they_land() {
    let faults = Arc::new(Faults::default());
    let relay = TestRelay::start_faulty("faults-write", faults.clone()).await;
    let doc = relay.office_doc("LSN");
    let device = relay.device("LSN", "may-1");
    device.open(doc);
    device.wait_synced(doc, PATIENCE).await.unwrap();
    wait_health(&relay, "ok").await;

    faults.set(false, true, false);
    set_text(&device, doc, "ghiChu", "lưu khi đĩa hỏng").await;
    // Not acknowledged while the write fails: the device keeps it as unsent.
    assert!(
        device
            .wait_synced(doc, Duration::from_secs(3))
            .await
            .is_err()
    );
    let body = wait_health(&relay, "degraded").await;
    assert!(body["failedWrites"].as_u64().unwrap_or(0) >= 1, "{body}");
    assert!(
        body["messageVi"]
            .as_str()
            .unwrap_or_default()
            .contains("ghi"),
        "{body}"
    );
    assert!(!has_key(&relay.doc_on_disk(doc), "ghiChu"));

    // Storage works again: the retry lands, then the acknowledgement.
    faults.set(false, false, false);
    device.wait_synced(doc, PATIENCE).await.unwrap();
    wait_health(&relay, "ok").await;
    assert!(
        has_key(&relay.doc_on_disk(doc), "ghiChu"),
        "the change is on disk"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_that_cannot_be_loaded_is_not_served_as_empty() {
    let faults = Arc::new(Faults::default());
    let relay = TestRelay::start_faulty("faults-load", faults.clone()).await;
    let doc = relay.office_doc("LSN");
    let a = relay.device("LSN", "may-a");
    a.open(doc);
    a.wait_synced(doc, PATIENCE).await.unwrap();
    let name = root_text(&a, doc, "name").await.expect("the office's name");

    // A goes offline; nobody syncs the document, so the relay drops it from
    // memory. Then its storage stops answering loads.
    a.set_online(false);
    let idle = |relay: &TestRelay, doc: DocumentId| {
        let hub = relay.running.hub.clone();
        async move { hub.is_loaded(doc).await.is_some_and(|loaded| !loaded) }
    };
    let deadline = Instant::now() + PATIENCE;
    while !idle(&relay, doc).await {
        assert!(Instant::now() < deadline, "the idle document left memory");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    faults.set(true, false, false);
    set_text(&a, doc, "ghiChu", "soạn khi máy chủ không đọc được đĩa").await;
    a.set_online(true);
    // A fresh device asks for the document too.
    let b = relay.device("LSN", "may-b");
    b.open(doc);
    let body = wait_health(&relay, "degraded").await;
    assert!(body["failedLoads"].as_u64().unwrap_or(0) >= 1, "{body}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // Nothing was served: B has no (empty) copy, A was refused nothing.
    assert_eq!(root_text(&b, doc, "name").await, None);
    let refused = a
        .read(|v| {
            v.events.iter().any(|e| {
                matches!(
                    e,
                    shared::core::Event::Rejected { .. }
                        | shared::core::Event::DocUnavailable { .. }
                )
            })
        })
        .await;
    assert!(
        !refused,
        "A's replica was not refused or declared unavailable"
    );
    assert_eq!(
        root_text(&a, doc, "name").await.as_deref(),
        Some(name.as_str())
    );

    // Storage answers again: the retry loads the real document.
    faults.set(false, false, false);
    a.wait_synced(doc, PATIENCE).await.unwrap();
    b.wait_synced(doc, PATIENCE).await.unwrap();
    assert_eq!(
        root_text(&b, doc, "name").await.as_deref(),
        Some(name.as_str())
    );
    // B may have been in sync with the reloaded document just before A's
    // edit landed: the relay's next message brings it.
    let deadline = Instant::now() + PATIENCE;
    while root_text(&b, doc, "ghiChu").await.is_none() {
        assert!(Instant::now() < deadline, "A's edit reached B");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    wait_health(&relay, "ok").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compaction_that_cannot_delete_loses_nothing() {
    let faults = Arc::new(Faults::default());
    let relay = TestRelay::start_faulty("faults-delete", faults.clone()).await;
    let doc = relay.office_doc("LSN");
    let device = relay.device("LSN", "may-1");
    device.open(doc);
    device.wait_synced(doc, PATIENCE).await.unwrap();
    faults.set(false, false, true);
    // Enough acknowledged edits to compact (32 chunks) twice.
    for n in 0..80 {
        set_text(&device, doc, &format!("lan{n}"), "đã lưu").await;
        device.wait_synced(doc, PATIENCE).await.unwrap();
    }
    assert!(
        faults.injected.load(std::sync::atomic::Ordering::SeqCst) > 0,
        "a delete was refused"
    );
    let on_disk = relay.doc_on_disk(doc);
    for n in 0..80 {
        assert!(has_key(&on_disk, &format!("lan{n}")), "lan{n} is on disk");
    }
    // Deleting leftovers is housekeeping, not a fault anyone must act on.
    wait_health(&relay, "ok").await;
}
