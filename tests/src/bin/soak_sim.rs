//! Soak run of the whole-system simulation (`shared::sim::chaos`): the relay's
//! sharded hub, browser devices, faults (crashes, partitions, a week away,
//! late and duplicated frames) and the invariants checked on every seed.
//!
//! Run: `cargo run --release -p thidua-tests --bin soak_sim [FROM [TO]]`
//! (seeds `FROM..TO`, default `0..10000`). Prints progress, seeds per second
//! and the total time; a failing seed prints the command that replays it
//! and the run goes on (the exit status counts the failures).
//! `SOAK_TWICE=1` runs every seed twice and reports any that differ (a
//! replay must be exact).

use std::time::Instant;

use shared::sim::chaos::{replay_command, run_seed};

fn main() {
    let twice = std::env::var("SOAK_TWICE").is_ok();
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("seeds are numbers"))
        .collect();
    let from = args.first().copied().unwrap_or(0);
    let to = args.get(1).copied().unwrap_or(10_000).max(from);
    // A failing seed's panic message is printed by the hook; keep it.
    let started = Instant::now();
    let mut failed = Vec::new();
    let (mut edits, mut refusals, mut relay_crashes, mut device_crashes, mut sim_ms) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut absorbed = 0u64;
    for seed in from..to {
        match std::panic::catch_unwind(|| run_seed(seed)) {
            Ok(r) => {
                if twice
                    && let Ok(again) = std::panic::catch_unwind(|| run_seed(seed))
                    && (format!("{:?}", again.stats) != format!("{:?}", r.stats)
                        || again.sim_ms != r.sim_ms)
                {
                    eprintln!(
                        "seed {seed} did not replay exactly:\n  {:?}\n  {:?}",
                        r.stats, again.stats
                    );
                    failed.push(seed);
                }
                edits += r.stats.edits;
                refusals += r.stats.refusals;
                relay_crashes += r.stats.relay_crashes;
                device_crashes += r.stats.device_crashes;
                absorbed += r.stats.absorbed;
                sim_ms += r.sim_ms;
            }
            Err(_) => {
                eprintln!("seed {seed} FAILED; replay: {}", replay_command(seed));
                failed.push(seed);
            }
        }
        let done = seed - from + 1;
        if done % 500 == 0 {
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "{done} seeds in {secs:.1} s ({:.1} seeds/s), {} failed",
                done as f64 / secs,
                failed.len()
            );
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let n = to - from;
    println!(
        "{n} seeds ({from}..{to}) in {secs:.1} s: {:.1} seeds/s; {} failed {failed:?}",
        n as f64 / secs.max(1e-9),
        failed.len()
    );
    println!(
        "edits {edits}, refusals {refusals}, relay crashes {relay_crashes}, device crashes {device_crashes}, invalid edits repaired in the same message {absorbed}, simulated time {:.1} h",
        sim_ms as f64 / 3_600_000.0
    );
    if !failed.is_empty() {
        std::process::exit(1);
    }
}
