//! What a maximal hostile frame costs the relay: peak memory of the relay
//! process and how long an honest device's edit waits meanwhile (the hub's
//! stall), for a read-only device and for a device that may write.
//!
//! The frame is one sync message carrying one compressed change chunk of
//! `PACKED` bytes of DEFLATE data that inflates ~1000-fold (zeros).
//!
//! Run: `cargo run --release -p thidua-tests --bin bench_hostile [PACKED_KIB...]`
//! (default 512). `THIDUA_RELAY_BIN=path` measures another build of the relay
//! (e.g. an older commit) with the same frames.

use std::io::Write;
use std::time::{Duration, Instant};

use futures_util::SinkExt;
use shared::protocol::{Message, PeerId};
use thidua_tests::wire::{joined, leb128, send, sync_data, sync_msg};
use thidua_tests::{device, free_port, peak_rss, set_text, spawn_relay, temp_dir};

/// A compressed change chunk inflating to about `packed` × 1000 zero bytes.
fn bomb(packed: usize) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    let block = vec![0u8; 1 << 20];
    let mut out = Vec::new();
    while out.len() < packed {
        enc.write_all(&block).expect("compress");
        enc.flush().expect("flush");
        out = enc.get_ref().clone();
    }
    let packed = enc.finish().expect("compress");
    let mut chunk = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 2];
    leb128(&mut chunk, packed.len() as u64);
    chunk.extend(packed);
    chunk
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() { vec![512] } else { sizes };
    for kib in sizes {
        for role in ["read-only", "writer"] {
            measure(kib, role).await;
        }
    }
}

async fn measure(kib: usize, role: &str) {
    let data_dir = temp_dir("bench-hostile");
    let port = free_port();
    let (mut child, tokens) = spawn_relay(&data_dir, port).await;
    let pid = child.id().expect("relay pid");
    let token = |office: &str| {
        tokens
            .iter()
            .find(|(c, _)| c == office)
            .map(|(_, t)| t.clone())
            .expect("token")
    };
    let url = format!("ws://127.0.0.1:{port}/sync");
    let dir: shared::cluster::Directory = serde_json::from_slice(
        &std::fs::read(data_dir.join("cluster.json")).expect("cluster.json"),
    )
    .expect("directory");
    let target = dir.office_doc("LSN").expect("LSN");
    let own = dir.office_doc("SLA").expect("SLA");
    let honest = device(&url, &token("SLA"), "honest");
    honest.open(own);
    honest
        .wait_synced(own, Duration::from_secs(30))
        .await
        .expect("honest device syncs");
    set_text(&honest, own, "ghiChu", "trước").await;
    honest
        .wait_synced(own, Duration::from_secs(30))
        .await
        .expect("warm");
    let idle_rss = peak_rss(pid).unwrap_or(0);

    let chunk = bomb(kib * 1024);
    let frame = sync_msg(target, sync_data(vec![], vec![chunk]));
    let frame_len = frame.encode().len();
    let attacker_office = if role == "writer" { "LSN" } else { "CBG" };
    let mut s = joined(&url, &token(attacker_office)).await;
    let sent = Instant::now();
    send(&mut s, &frame).await;
    // The honest edit right behind it.
    set_text(&honest, own, "ghiChu", "trong lúc bị tấn công").await;
    let acked = honest.wait_synced(own, Duration::from_secs(120)).await;
    let stall = sent.elapsed();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let alive = child.try_wait().ok().flatten().is_none();
    let peak = peak_rss(pid).unwrap_or(0);
    let _ = s
        .send(tokio_tungstenite::tungstenite::Message::Binary(
            Message::Leave {
                sender_id: PeerId::from("raw-test"),
            }
            .encode()
            .into(),
        ))
        .await;
    println!(
        "{role:>9} device, {} KiB frame: relay peak memory {:.0} MB (idle {:.0} MB), honest edit acknowledged after {:.0} ms{}{}",
        frame_len / 1024,
        peak as f64 / 1e6,
        idle_rss as f64 / 1e6,
        stall.as_secs_f64() * 1000.0,
        if acked.is_ok() {
            ""
        } else {
            " (NOT acknowledged within 120 s)"
        },
        if alive { "" } else { "; the relay DIED" },
    );
    let _ = child.kill().await;
    let _ = std::fs::remove_dir_all(&data_dir);
}
