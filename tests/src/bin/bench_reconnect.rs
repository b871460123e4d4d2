//! What coming back costs a device: time and bytes on the wire when it
//! reconnects, counted by a proxy that does not shape
//! (`thidua_tests::shaper`, `ShapeConfig::counting()`) between an in-process
//! relay with the demo cluster and a device with its own storage (a
//! directory).
//!
//! (a) **Offline edits**: the device syncs its office document, goes offline,
//!     makes EDITS edits, comes back online: time from `set_online(true)`
//!     until the relay acknowledged everything (same heads, durable), bytes
//!     each way, and device → relay bytes over the bytes of the new changes
//!     themselves (target ≤ 1.3×).
//! (b) **Nothing changed**: a device synced, offline for a moment, online
//!     again: bytes until it knows it is up to date, per document (target
//!     < 1 KB), for a device that syncs only its office document and for one
//!     that opens every document of the cluster; and for the office
//!     document grown by 2,000 edits (the demo's documents have only a few
//!     changes each, and a fresh sync exchanges a bloom filter of the whole
//!     history).
//! (c) **After a restart**: the same with a new client on the same storage
//!     directory (the documents come from disk; what the client knew about
//!     the relay does not survive today: no persisted sync states).
//!
//! Bytes are what each side wrote on the connection (WebSocket handshake and
//! frames included); "synced" is when the relay had confirmed on the new
//! connection that it holds the device's heads of every document (and
//! acknowledged every change), "settled" one second later (messages still
//! under way included).
//!
//! Run: `cargo run --release -p thidua-tests --bin bench_reconnect [EDITS] [RUNS]`
//! (defaults 1000 and 3; medians of RUNS runs).

use std::time::{Duration, Instant};

use relay::client::Client;
use shared::protocol::DocumentId;
use thidua_tests::links::{
    Sent, actor, changes_of, dir_device, make_day_edit, stop, wait_confirmed, wait_loaded,
};
use thidua_tests::shaper::{ShapeConfig, Shaper, ShaperStats};
use thidua_tests::{TestRelay, heads, temp_dir};

const SYNCED: Duration = Duration::from_secs(300);
const SETTLE: Duration = Duration::from_secs(1);
/// Edits that grow the office document's history for the last case of (b)
/// and (c) (the demo's documents have only a few changes each).
const GROWN: usize = 2_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let edits: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let runs: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(3);

    println!("(a) {edits} edits made offline, then online (median of {runs})");
    println!(
        "{:<28} {:>8} {:>9} {:>9} {:>9} {:>13} {:>8} {:>9}",
        "history before", "changes", "synced", "up", "down", "change bytes", "up/chg", "messages"
    );
    for before in [0, 3 * edits] {
        let mut rows: Vec<OfflineRow> = Vec::new();
        for _ in 0..runs {
            rows.push(offline_edits(edits, before).await);
        }
        rows.sort_by_key(|r| r.time);
        let r = &rows[rows.len() / 2];
        println!(
            "{:<28} {:>8} {:>9} {:>9} {:>9} {:>13} {:>8} {:>9}",
            format!("demo document (+{before} edits)"),
            r.changes,
            format!("{:.0} ms", r.time.as_secs_f64() * 1e3),
            r.settled.up_read,
            r.settled.down_read,
            r.change_bytes,
            format!("{:.2}×", r.settled.up_read as f64 / r.change_bytes as f64),
            if r.whole_documents > 0 {
                format!("{} (whole document)", r.sync_messages)
            } else {
                r.sync_messages.to_string()
            },
        );
    }

    println!();
    println!(
        "(b) nothing changed, reconnect; (c) nothing changed, client restarted (median of {runs})"
    );
    println!(
        "{:<34} {:>5} {:>9} {:>9} {:>9} {:>11} {:>11} {:>11}",
        "case", "docs", "history", "synced", "up", "down", "total/doc", "settled/doc"
    );
    {
        let relay = TestRelay::start("bench-reconnect-conn").await;
        let mut conn = Vec::new();
        for _ in 0..runs {
            conn.push(connection_only(&relay).await);
        }
        conn.sort_by_key(|s| s.up_read + s.down_read);
        let s = &conn[conn.len() / 2];
        println!(
            "{:<34} {:>5} {:>9} {:>9} {:>9} {:>11} {:>11} {:>11}",
            "connection alone (handshake+join)", 0, "", "", s.up_read, s.down_read, "", ""
        );
        let _ = std::fs::remove_dir_all(&relay.data_dir);
    }
    for (all, grown) in [(false, 0), (true, 0), (false, GROWN)] {
        let mut reconnects = Vec::new();
        let mut restarts = Vec::new();
        for _ in 0..runs {
            let (a, b) = unchanged(all, grown).await;
            reconnects.push(a);
            restarts.push(b);
        }
        for (case, mut rows) in [("reconnect", reconnects), ("restart", restarts)] {
            rows.sort_by_key(|r| r.settled.up_read + r.settled.down_read);
            let r = &rows[rows.len() / 2];
            let per = |s: &ShaperStats| (s.up_read + s.down_read) as f64 / r.docs as f64;
            println!(
                "{:<34} {:>5} {:>9} {:>9} {:>9} {:>11} {:>11} {:>11}",
                format!(
                    "{case}, {}",
                    match (all, grown) {
                        (true, _) => "all documents",
                        (false, 0) => "own office document",
                        (false, _) => "own document, grown",
                    }
                ),
                r.docs,
                r.history,
                format!("{:.0} ms", r.time.as_secs_f64() * 1e3),
                r.at_synced.up_read,
                r.at_synced.down_read,
                format!("{:.0} B", per(&r.at_synced)),
                format!("{:.0} B", per(&r.settled)),
            );
        }
    }
}

struct OfflineRow {
    time: Duration,
    settled: ShaperStats,
    changes: usize,
    change_bytes: u64,
    sync_messages: usize,
    whole_documents: usize,
}

/// (a): offline edits, then online; `before` edits synced first (a longer
/// history: automerge sends the whole document instead of the changes when
/// the relay lacks more than a third of them).
async fn offline_edits(edits: usize, before: usize) -> OfflineRow {
    let relay = TestRelay::start("bench-reconnect-a").await;
    let link = ShapeConfig {
        record_up: true,
        ..ShapeConfig::counting()
    };
    let proxy = Shaper::start(relay.running.addr, link).await;
    let doc = relay.office_doc("LSN");
    let storage = temp_dir("bench-reconnect-a-device");
    let device = dir_device(
        &proxy.ws_url(),
        &relay.token("LSN"),
        "may-a",
        &storage,
        true,
    );
    device.open(doc);
    device.wait_synced(doc, SYNCED).await.expect("first sync");
    if before > 0 {
        device.set_online(false);
        for n in 0..before {
            make_day_edit(&device, doc, edits + n).await;
        }
        device.set_online(true);
        wait_confirmed(&device, doc, SYNCED).await.expect("synced");
    }
    tokio::time::sleep(SETTLE).await;
    device.set_online(false);
    // A new actor for the offline edits (as after a restart of the app), so
    // that they are told apart from the earlier ones.
    stop(device).await;
    let device = dir_device(
        &proxy.ws_url(),
        &relay.token("LSN"),
        "may-a",
        &storage,
        false,
    );
    device.open(doc);
    wait_loaded(&device, doc).await;
    let me = actor(&device, doc).await;
    for n in 0..edits {
        make_day_edit(&device, doc, n).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let connections_before = proxy.stats().connections as usize;
    let stats_before = proxy.stats();
    let start = Instant::now();
    device.set_online(true);
    wait_confirmed(&device, doc, SYNCED).await.expect("synced");
    let time = start.elapsed();
    let device_heads = heads(&device, doc).await;
    assert_eq!(
        relay.doc_on_disk(doc).get_heads(),
        device_heads,
        "the relay holds what the device has"
    );
    tokio::time::sleep(SETTLE).await;
    let settled = proxy.stats().since(&stats_before);
    let sent = Sent::decode(&proxy.recorded_up()[connections_before..]);
    if std::env::var("BENCH_DEBUG").is_ok() {
        eprintln!(
            "sent: {} messages, {} sync, {} whole documents ({} B), {} changes by themselves",
            sent.messages,
            sent.sync_messages,
            sent.whole_documents,
            sent.whole_document_bytes,
            sent.sends.values().sum::<usize>()
        );
    }
    let (changes, change_bytes) = device
        .read(move |v| v.core.doc(&doc).map(|d| changes_of(d, &me)))
        .await
        .expect("loaded");
    assert_eq!(changes.len(), edits, "one change per edit");
    stop(device).await;
    drop(proxy);
    let _ = std::fs::remove_dir_all(&relay.data_dir);
    let _ = std::fs::remove_dir_all(&storage);
    OfflineRow {
        time,
        settled,
        changes: changes.len(),
        change_bytes,
        sync_messages: sent.sync_messages,
        whole_documents: sent.whole_documents,
    }
}

/// A device that opens nothing: the bytes of a connection by itself.
async fn connection_only(relay: &TestRelay) -> ShaperStats {
    let proxy = Shaper::start(relay.running.addr, ShapeConfig::counting()).await;
    let storage = temp_dir("bench-reconnect-conn-device");
    let device = dir_device(
        &proxy.ws_url(),
        &relay.token("LSN"),
        "may-c",
        &storage,
        true,
    );
    device
        .wait_until("connected", SYNCED, |v| v.connected)
        .await
        .expect("connects");
    tokio::time::sleep(SETTLE).await;
    let s = proxy.stats();
    stop(device).await;
    let _ = std::fs::remove_dir_all(&storage);
    s
}

struct UnchangedRow {
    docs: usize,
    /// Changes in the documents, in total.
    history: usize,
    time: Duration,
    at_synced: ShaperStats,
    settled: ShaperStats,
}

/// (b) and (c): a synced device comes back with nothing new, first as the
/// same client, then as a new client on the same storage.
async fn unchanged(all: bool, grown: usize) -> (UnchangedRow, UnchangedRow) {
    let relay = TestRelay::start("bench-reconnect-b").await;
    let proxy = Shaper::start(relay.running.addr, ShapeConfig::counting()).await;
    let docs: Vec<DocumentId> = if all {
        relay.directory().all_docs()
    } else {
        vec![relay.office_doc("LSN")]
    };
    let storage = temp_dir("bench-reconnect-b-device");
    let token = relay.token("LSN");
    let device = dir_device(&proxy.ws_url(), &token, "may-b", &storage, true);
    for d in &docs {
        device.open(*d);
    }
    wait_all(&device, &docs).await;
    if grown > 0 {
        // A longer history: the office document after many edits.
        device.set_online(false);
        for n in 0..grown {
            make_day_edit(&device, docs[0], n).await;
        }
        device.set_online(true);
        wait_all(&device, &docs).await;
    }
    tokio::time::sleep(SETTLE).await;
    let history: usize = docs
        .iter()
        .map(|d| relay.doc_on_disk(*d).get_changes(&[]).len())
        .sum();

    // (b) Offline for a moment, nothing changed anywhere.
    device.set_online(false);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = proxy.stats();
    let start = Instant::now();
    device.set_online(true);
    wait_all(&device, &docs).await;
    let time = start.elapsed();
    let at_synced = proxy.stats().since(&before);
    tokio::time::sleep(SETTLE).await;
    let settled = proxy.stats().since(&before);
    let reconnect = UnchangedRow {
        docs: docs.len(),
        history,
        time,
        at_synced,
        settled,
    };

    // (c) A new client on the same storage (the app restarted).
    stop(device).await;
    let before = proxy.stats();
    let start = Instant::now();
    let device = dir_device(&proxy.ws_url(), &token, "may-b", &storage, true);
    for d in &docs {
        device.open(*d);
    }
    for d in &docs {
        wait_loaded(&device, *d).await;
    }
    wait_all(&device, &docs).await;
    let time = start.elapsed();
    let at_synced = proxy.stats().since(&before);
    tokio::time::sleep(SETTLE).await;
    let settled = proxy.stats().since(&before);
    let restart = UnchangedRow {
        docs: docs.len(),
        history,
        time,
        at_synced,
        settled,
    };
    stop(device).await;
    drop(proxy);
    let _ = std::fs::remove_dir_all(&relay.data_dir);
    let _ = std::fs::remove_dir_all(&storage);
    (reconnect, restart)
}

/// Until the relay confirmed, on this connection, every document's heads.
async fn wait_all(device: &Client, docs: &[DocumentId]) {
    for d in docs {
        wait_confirmed(device, *d, SYNCED).await.expect("in sync");
    }
}
