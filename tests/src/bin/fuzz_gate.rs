//! Many more cases of the gate's property test and of the decoder fuzz than
//! the test suite runs (`shared::core::gate::fuzz`): seeded hostile sync
//! messages against a relay core, then random and mutated frames. A failure
//! panics with the seed and step that reproduce it.
//!
//! Run: `cargo run --release -p thidua-tests --bin fuzz_gate [SEEDS] [STEPS_PER_SEED] [FRAMES]`
//! (defaults 200 × 1,000 messages and 1,000,000 frames).

use std::time::Instant;

use shared::core::gate::fuzz;

fn main() {
    let arg = |n: usize, default: usize| {
        std::env::args()
            .nth(n)
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    };
    let (seeds, steps, frames) = (arg(1, 200), arg(2, 1000), arg(3, 1_000_000));
    let started = Instant::now();
    let mut total = fuzz::Report::default();
    for seed in 1..=seeds as u64 {
        let r = fuzz::run(seed, steps);
        total.messages += r.messages;
        total.committed += r.committed;
        total.refused += r.refused;
        total.closed += r.closed;
    }
    let took = started.elapsed();
    println!(
        "gate: {} hostile sync messages over {seeds} seeds in {:.1} s ({:.0}/s): {} committed, {} refused with a notice, {} connections closed with an error; no reader change or invalid state ever admitted",
        total.messages,
        took.as_secs_f64(),
        total.messages as f64 / took.as_secs_f64(),
        total.committed,
        total.refused,
        total.closed
    );
    let started = Instant::now();
    let decoded = fuzz::decode(1, frames);
    let took = started.elapsed();
    println!(
        "decoder: {frames} random and mutated frames in {:.1} s ({:.0}/s), {decoded} still decoded; no panic",
        took.as_secs_f64(),
        frames as f64 / took.as_secs_f64()
    );
}
