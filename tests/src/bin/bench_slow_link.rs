//! A day's work through a slow, dropping link (the scenario of
//! `tests/tests/slow_link.rs`): an in-process relay with the demo cluster; a
//! device with its own storage that downloaded its office document at the
//! office, then works through the shaping proxy (`thidua_tests::shaper`),
//! making EDITS edits 75 ms apart without waiting for acknowledgement.
//!
//! Per run: the time from the first edit until every edit is durable on the
//! relay and acknowledged to the device; the bytes each way per edit (what
//! each side put on the link, delivered or lost in a drop); drops and the
//! relay's closings; the ratio of the device → relay bytes to the bytes of
//! the device's changes themselves (1.0 would be the changes alone); and,
//! decoded from what the device sent, changes sent more than once, whole
//! documents sent, and sync messages per edit.
//!
//! Run: `cargo run --release -p thidua-tests --bin bench_slow_link
//! [EDITS] [RATE_BIT_S] [RTT_MS] [DROP_MEAN_S, 0 = never] [SEED,SEED,...]`
//! (defaults: 200 64000 500 5 1,2,3,4,5; one row per seed).
//! `BENCH_MAX_FULL_SYNCS=N` sets the relay's limit of "from scratch" sync
//! requests per connection and document (the relay's default otherwise);
//! `BENCH_DEBUG=1` prints what the device's messages carried.

use std::time::Duration;

use thidua_tests::links::Day;
use thidua_tests::shaper::{DropPlan, ShapeConfig};

fn relay_limits() -> relay::Limits {
    let mut limits = relay::Limits::default();
    if let Some(n) = std::env::var("BENCH_MAX_FULL_SYNCS")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        limits.gate.max_full_syncs = n;
    }
    limits
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or(default.to_string());
    let edits: usize = arg(0, "200").parse().expect("EDITS");
    let rate: u64 = arg(1, "64000").parse().expect("RATE_BIT_S");
    let rtt: u64 = arg(2, "500").parse().expect("RTT_MS");
    let drop_mean: f64 = arg(3, "5").parse().expect("DROP_MEAN_S");
    let seeds: Vec<u64> = arg(4, "1,2,3,4,5")
        .split(',')
        .map(|s| s.parse().expect("SEED"))
        .collect();
    let pace = Duration::from_millis(75);
    println!(
        "{edits} edits {pace:?} apart; link {} kbit/s each way, RTT {rtt} ms, drops {}",
        rate as f64 / 1000.0,
        if drop_mean > 0.0 {
            format!("every {drop_mean} s on average")
        } else {
            "never".to_string()
        }
    );
    let row = |cells: [String; 11]| {
        println!(
            "{:>6} {:>8} {:>8} {:>9} {:>6} {:>6} {:>7} {:>7} {:>12} {:>8} {:>11}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4],
            cells[5],
            cells[6],
            cells[7],
            cells[8],
            cells[9],
            cells[10]
        )
    };
    row([
        "seed",
        "synced",
        "up/edit",
        "down/edit",
        "drops",
        "closed",
        "up/chg",
        "resent",
        "whole docs",
        "sync/edit",
        "empty/edit",
    ]
    .map(String::from));
    let mut failures = 0;
    for seed in seeds {
        let day = Day {
            edits,
            pace,
            link: ShapeConfig {
                rate_bits_per_s: rate,
                one_way_delay: Duration::from_millis(rtt / 2),
                drop: (drop_mean > 0.0).then(|| DropPlan {
                    mean_interval: Duration::from_secs_f64(drop_mean),
                    seed,
                }),
                record_up: true,
            },
            patience: Duration::from_secs(600),
            relay_limits: relay_limits(),
        };
        match day.run("bench-slow-link").await {
            Ok(out) => {
                let s = out.stats;
                let (sends, _) = out.sent.sends_of(&out.changes);
                let distinct = out
                    .changes
                    .iter()
                    .filter(|h| out.sent.sends.contains_key(h))
                    .count();
                row([
                    seed.to_string(),
                    format!("{:.1} s", out.synced_after.as_secs_f64()),
                    format!("{:.0} B", s.up_read as f64 / edits as f64),
                    format!("{:.0} B", s.down_read as f64 / edits as f64),
                    s.drops.to_string(),
                    out.protocol_errors.len().to_string(),
                    format!("{:.2}×", s.up_read as f64 / out.change_bytes as f64),
                    (sends - distinct).to_string(),
                    format!(
                        "{} ({:.0} KB)",
                        out.sent.whole_documents,
                        out.sent.whole_document_bytes as f64 / 1000.0
                    ),
                    format!("{:.2}", out.sent.sync_messages as f64 / edits as f64),
                    format!("{:.2}", out.sent.sync_without_changes as f64 / edits as f64),
                ]);
                if std::env::var("BENCH_DEBUG").is_ok() {
                    println!(
                        "       {s:?}; changes {} ({} B)",
                        out.changes.len(),
                        out.change_bytes
                    );
                    for e in &out.protocol_errors {
                        println!("       closed by the relay: {e}");
                    }
                }
                let _ = std::fs::remove_dir_all(&out.relay.data_dir);
                let _ = std::fs::remove_dir_all(&out.storage);
            }
            Err(e) => {
                failures += 1;
                println!("{seed:>6} failed: {e}");
            }
        }
    }
    println!(
        "synced: first edit → every edit durable on the relay and acknowledged; up/down: bytes each \
         side put on the link per edit (delivered or lost); drops: link cuts; closed: closings by \
         the relay (protocol errors); up/chg: up bytes over the bytes of the device's changes; \
         resent: changes sent again by themselves; whole docs: sync messages carrying the whole \
         document; sync/edit, empty/edit: the device's sync messages per edit, and those without \
         a change"
    );
    std::process::exit(if failures > 0 { 1 } else { 0 });
}
