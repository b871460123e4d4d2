//! Interop with a client nobody here wrote: automerge-repo's own JavaScript
//! packages (Node, installed by the test command) against our relay.

use std::process::Stdio;
use std::time::Duration;

use shared::core::Event;
use thidua_tests::{PATIENCE, TestRelay, root_text};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automerge_repo_javascript_client_reads_writes_and_is_refused_where_it_must_be() {
    let root = repo_root();
    assert!(
        root.join("node_modules/@automerge/automerge-repo").exists(),
        "npm packages are missing: run scripts/setup.sh (the README's test command does)"
    );
    let relay = TestRelay::start("interop").await;
    let (lsn, cbg, sla) = (
        relay.office_doc("LSN"),
        relay.office_doc("CBG"),
        relay.office_doc("SLA"),
    );
    // A Rust device of the same office watches for the JavaScript client's change.
    let watcher = relay.device("LSN", "rust-watcher");
    watcher.open(lsn);
    watcher.wait_synced(lsn, PATIENCE).await.unwrap();

    let url = format!("{}?token={}", relay.ws_url(), relay.token("LSN"));
    let mut node = Command::new("node")
        .arg(root.join("tests/interop/automerge-repo-client.mjs"))
        .args([url, cbg.url(), lsn.url(), sla.url()])
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs (Node 20 is installed by scripts/setup.sh)");
    let mut lines = BufReader::new(node.stdout.take().unwrap()).lines();
    let mut steps = Vec::new();
    while steps.len() < 4 {
        let line = tokio::time::timeout(PATIENCE, lines.next_line())
            .await
            .expect("the JavaScript client makes progress")
            .unwrap()
            .expect("the JavaScript client keeps running");
        let v: serde_json::Value = serde_json::from_str(&line).expect("one JSON object per line");
        assert_ne!(v["step"], "error", "JavaScript client failed: {v}");
        steps.push(v);
    }
    // It read another office's document as stored by the relay.
    assert_eq!(steps[0]["step"], "read");
    assert_eq!(steps[0]["officeCode"], "CBG");
    assert_eq!(
        steps[0]["name"],
        "Văn phòng Đoàn ĐBQH và HĐND tỉnh Cao Bằng"
    );
    // Its write to its own office's document (strings as text objects, as
    // automerge 3 writes them) was accepted and reached the Rust device,
    // which reads the new staff member like any other.
    assert_eq!(steps[1]["step"], "wrote");
    watcher
        .wait_until("the JavaScript change", PATIENCE, move |v| {
            v.core.doc(&lsn).is_some_and(|d| {
                shared::schema::read::text(d, &automerge::ROOT, "interop").as_deref()
                    == Some("ghi từ automerge-repo (JavaScript)")
            })
        })
        .await
        .unwrap();
    let (staff, problems, refused) = watcher
        .read(move |v| {
            let loaded = shared::schema::load_office(v.core.doc(&lsn).unwrap());
            let refused = v.events.iter().any(|e| matches!(e, Event::Rejected { .. }));
            (
                loaded.doc.staff.get("js1").cloned(),
                loaded.problems,
                refused,
            )
        })
        .await;
    let staff = staff.expect("the JavaScript client's staff member is in the document");
    assert_eq!(staff.full_name, "Nông Thị Hoa");
    assert_eq!(staff.position, "Chuyên viên");
    assert_eq!(staff.joined_on.map(|d| d.0).as_deref(), Some("2021-03-01"));
    assert_eq!(problems, vec![], "text objects read as strings");
    assert!(!refused);
    // A document outside the cluster is unavailable to it.
    assert_eq!(steps[3]["step"], "unknown-doc");
    assert_eq!(steps[3]["result"], "unavailable");
    // Its write to Sơn La's document was refused: give it time to arrive, then
    // check with a Sơn La device that nothing changed.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sla_device = relay.device("SLA", "sla-check");
    sla_device.open(sla);
    sla_device.wait_synced(sla, PATIENCE).await.unwrap();
    assert_eq!(root_text(&sla_device, sla, "interop").await, None);
    let refused = sla_device
        .read(|v| v.events.iter().any(|e| matches!(e, Event::Rejected { .. })))
        .await;
    assert!(
        !refused,
        "the Sơn La device itself was not refused anything"
    );
    drop(node.stdin.take());
    let _ = tokio::time::timeout(Duration::from_secs(5), node.wait()).await;
}
