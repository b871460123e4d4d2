//! Seeded runs of the whole system as the real shells run it, with faults,
//! and the invariants every run must keep.
//!
//! # The model
//!
//! - **The relay** is the hub of `server/src/hub/` ([`super::hub`]): 1–4
//!   shards, each its own core; documents spread by the hub's hash; frames
//!   routed by [`crate::protocol::Message::route`]; a connection's frames
//!   keep their order across shards; the cluster document's shard publishes
//!   a read-only copy the others read before each input; storage answers
//!   come back asynchronously and out of order; every shard ticks.
//! - **Devices** are the browser shell ([`super::device`]): the cluster
//!   policy on the device too, every document open, writes that land in
//!   order, rebuild after a refusal, reconnect with backoff.
//! - **The workload** ([`super::workload`]): 2–3 offices of the demo cluster,
//!   1–2 devices each, valid self-scores, the leader adding criteria and
//!   scoring them, and some invalid edits (a score above its maximum, a
//!   write to another office's document, a non-leader's write to the
//!   cluster document).
//! - **Scheduling**: each step the seed picks one thing that can happen: a
//!   frame moves on a link, the router hands a frame to a shard, a shard
//!   takes a turn, a storage operation completes (any of the relay's, the
//!   oldest of a device's), or a device edits. Each piece of work takes
//!   0–2 ms of simulated time, one in a hundred 50–500 ms (a slow hop, a
//!   pause); with nothing to do, 0.1–3 s pass. The relay's shards tick
//!   once a simulated second; devices retry storage and reconnect when
//!   their backoff allows.
//! - **Faults**, with rates drawn from the seed: a connection cut (each side
//!   notices on its own, later), a device partitioned for seconds to
//!   minutes, a device away for a week with many edits, a device crash
//!   (writes in flight lost from a point on, the core rebuilt from storage),
//!   a relay crash (each write in flight lands or is lost, every connection
//!   drops, the relay may stay down a few seconds), storage errors (retried),
//!   frames left in transit delivered later, once or twice, under the old
//!   connection id.
//!
//! After the faulty phase every fault heals (partitions end, devices come
//! back), and the run goes on with time passing until everything settles.
//!
//! # The invariants
//!
//! 1. **Acknowledged is durable**: every head the relay sent a device
//!    (`Event::RemoteHeads`, the heads `sync_status` counts from) is in the
//!    relay's storage, checked at every relay crash and at the end. At a
//!    device crash, none of its edits that the crash lost is on the relay
//!    (nothing leaves a device before it is durable there).
//! 2. **Convergence**: once healed, every device is connected, and every
//!    document has the same heads on every device, on its shard and in the
//!    relay's storage; every device's `sync_status` is in sync with nothing
//!    unacknowledged.
//! 3. **Refused is never stored**: nothing is in the relay's storage that
//!    no device made, no forbidden edit (a write to another office's
//!    document, a non-leader's to the cluster document) is ever stored, and
//!    no change a device set aside as refused (its drafts) is stored unless
//!    that device holds it in its document again (a crash undid the rebuild
//!    and it was sent anew with a change that repaired it). A rule-breaking
//!    edit may be stored when a later change of the same message repairs
//!    the state (the gate judges the state a message leaves): counted
//!    ([`Stats::absorbed`]); invariant 6 holds the result to the rules.
//! 4. **It settles**: no livelock (the nodes stop talking when nothing
//!    changes) and convergence within 30 simulated minutes.
//! 5. **Nothing valid is lost**: at the end every valid edit is in the
//!    relay's storage, or in its device's drafts (refused with an invalid
//!    edit it was sent with or built on), unless its device crashed before
//!    it was ever durable there. A device crash never loses an edit that
//!    was durable on the device (unless it was built on one whose write
//!    failed) nor one the device held as a draft. No device is refused
//!    without an invalid edit in its copy, except soon after a storage
//!    error on it, or after a crash lost its edits of another document
//!    before they were durable (a score for a criterion whose addition was
//!    lost is rightly refused; [`Stats::refused_after_storage_error`],
//!    counted).
//! 6. **The result is valid**: the relay's documents break no rule.
//!
//! A failing seed panics with the seed, its settings and the last events;
//! [`replay_command`] is the line that runs it again. A seed replays exactly:
//! one generator drives every choice, every core has a fixed automerge
//! actor, and nothing depends on the order of a hash map.
//!
//! # Running
//!
//! - `cargo test -p thidua-shared --lib sim::tests`: 300 seeds (three tests
//!   in parallel, about 20 s in a debug build), seeds of fixed bugs, and
//!   the seeds of known bugs as ignored tests.
//! - `THIDUA_SIM_SEED=N cargo test -p thidua-shared --lib sim::tests::chaos_seed -- --exact`:
//!   one seed; add `THIDUA_SIM_TRACE=1` to log every shard input, the
//!   heads it leaves, and devices' storage (the panic prints the log).
//! - `cargo run --release -p thidua-tests --bin soak_sim [FROM [TO]]`:
//!   seeds `FROM..TO` (default 0..10000), about 20 seeds a second.

use std::collections::BTreeMap;

use automerge::Automerge;

use crate::protocol::DocumentId;

use super::ledger::{check_valid, stored_doc};
use super::world::{Settings, Stats, World};

/// What one run did.
#[derive(Clone, Debug)]
pub struct Report {
    pub settings: Settings,
    pub stats: Stats,
    /// Simulated time, in ms.
    pub sim_ms: u64,
}

/// The command that replays one seed in the test suite.
pub fn replay_command(seed: u64) -> String {
    format!(
        "THIDUA_SIM_SEED={seed} cargo test -p thidua-shared --lib sim::tests::chaos_seed -- --exact"
    )
}

/// Steps a healed world may take without a clock tick before it counts as
/// a livelock.
const LIVELOCK_STEPS: usize = 200_000;
/// Simulated seconds a healed world has to converge.
const CONVERGE_SECS: usize = 1800;
const WEEK_MS: u64 = 7 * 24 * 3600 * 1000;

/// Run one seed; panics if an invariant breaks.
pub fn run_seed(seed: u64) -> Report {
    let mut w = World::new(seed);
    let start = w.now_ms;
    faulty_phase(&mut w);
    heal(&mut w);
    check(&mut w);
    Report {
        settings: w.settings.clone(),
        stats: w.stats.clone(),
        sim_ms: w.now_ms - start,
    }
}

fn faulty_phase(w: &mut World) {
    let n = w.devices.len() as u64;
    for _ in 0..w.settings.steps {
        let s = w.settings.clone();
        let dev = w.rng.below(n) as usize;
        if w.rng.below(1000) < s.relay_crash {
            let down = w.rng.below(4) * 2_500;
            w.crash_relay(down);
        }
        if w.rng.below(1000) < s.device_crash {
            w.crash_device(dev);
        }
        if w.rng.below(1000) < s.cut {
            w.cut(dev);
        }
        if w.rng.below(1000) < s.partition {
            let until = w.now_ms + 2_000 + w.rng.below(120_000);
            w.partition(dev, until);
        }
        if w.rng.below(1000) < s.away && w.devices[dev].offline_until_ms != u64::MAX {
            // Away for a week, editing all along.
            w.partition(dev, u64::MAX);
            for _ in 0..5 + w.rng.below(30) {
                w.edit(dev);
            }
        }
        if w.rng.below(1000) < 5 && w.devices.iter().any(|d| d.offline_until_ms == u64::MAX) {
            // Whatever was under way finishes first (in a week, it would),
            // and so does what waits on a timer: retries of failed writes,
            // messages the relay holds for a few seconds (a minute, in
            // steps, lets them happen in their natural order).
            drain(w);
            for _ in 0..60 {
                w.advance(1_000);
                drain(w);
            }
            w.stats.weeks_away += 1;
            w.note("a week passes".into());
            w.advance(WEEK_MS);
            for d in &mut w.devices {
                if d.offline_until_ms == u64::MAX {
                    d.offline_until_ms = w.now_ms;
                }
            }
        }
        w.prune();
        // Work takes a millisecond or two, now and then much longer (a
        // slow hop, a pause); with nothing to do, time passes until the
        // next thing (a user's edit, a tick, a reconnect).
        let work = w.work();
        if w.rng.below(100) < 8 {
            w.edit(dev);
        } else if work.is_empty() {
            let ms = 100 + w.rng.below(2900);
            w.advance(ms);
        } else {
            let ms = if w.rng.below(100) == 0 {
                50 + w.rng.below(450)
            } else {
                w.rng.below(3)
            };
            w.advance(ms);
            let pick = work[w.rng.below(work.len() as u64) as usize];
            w.do_work(pick);
        }
    }
}

/// Every fault ends; run until everything settles (invariant 4).
fn heal(w: &mut World) {
    w.note("heal".into());
    for d in &mut w.devices {
        d.offline_until_ms = d.offline_until_ms.min(w.now_ms);
    }
    let steps_before = w.stats.steps;
    for secs in 0..CONVERGE_SECS {
        drain(w);
        if w.settled() {
            w.stats.heal_secs = secs as u64;
            w.stats.heal_steps = w.stats.steps - steps_before;
            return;
        }
        w.advance(1000);
    }
    let states: Vec<String> = (0..w.devices.len()).map(|d| w.describe(d)).collect();
    w.fail(&format!(
        "invariant 2/4: not converged {CONVERGE_SECS} s after healing\n{}",
        states.join("")
    ));
}

/// Do whatever can be done without time passing (but a millisecond or two
/// per step) or faults, until nothing is left (invariant 4: no livelock).
fn drain(w: &mut World) {
    let mut steps = 0;
    loop {
        w.prune();
        let work = w.work();
        if work.is_empty() {
            return;
        }
        let ms = w.rng.below(3);
        w.advance(ms);
        let pick = work[w.rng.below(work.len() as u64) as usize];
        w.do_work(pick);
        steps += 1;
        // When tracing, stop early enough for the trace to hold the start.
        let limit = if std::env::var("THIDUA_SIM_TRACE").is_ok() {
            3_000
        } else {
            LIVELOCK_STEPS
        };
        if steps > limit {
            let states: Vec<String> = (0..w.devices.len()).map(|d| w.describe(d)).collect();
            w.fail(&format!(
                "invariant 4: still busy after {LIVELOCK_STEPS} steps without time passing (livelock)\n{}{}",
                states.join(""),
                w.describe_relay()
            ));
        }
    }
}

/// The invariants at the end (see the module doc).
fn check(w: &mut World) {
    let fail = |e: String| {
        w.fail(&e);
    };
    let docs = w.fx.docs();
    let relay: BTreeMap<_, Automerge> = docs
        .iter()
        .map(|d| (*d, stored_doc(&w.hub.storage, d)))
        .collect();
    w.ledger.check_acked(&w.hub.storage).unwrap_or_else(fail);
    for doc in &docs {
        let heads = relay[doc].get_heads();
        let shard = w.hub.core_of(doc).doc(doc).map(|d| d.get_heads());
        if shard.as_ref() != Some(&heads) {
            fail(format!(
                "invariant 2: {doc}: the shard holds {shard:?}, its storage {heads:?}"
            ));
        }
        for (i, d) in w.devices.iter().enumerate() {
            let theirs = d.core.doc(doc).map(|d| d.get_heads());
            if theirs.as_ref() != Some(&heads) {
                fail(format!(
                    "invariant 2: {doc}: device {i} holds {theirs:?}, the relay {heads:?}"
                ));
            }
        }
        w.ledger.check_known(doc, &relay[doc]).unwrap_or_else(fail);
    }
    let drafts = w.drafts();
    let device_has =
        |d: usize, doc: &DocumentId, h: &automerge::ChangeHash| w.device_has(d, doc, h);
    w.ledger
        .check_drafts(&drafts, &relay, &device_has)
        .unwrap_or_else(fail);
    w.ledger
        .check_expected(&relay, &drafts)
        .unwrap_or_else(fail);
    if let Some(why) = w.ledger.wrongly_refused.first() {
        fail(format!("invariant 5: {why}"));
    }
    check_valid(&w.fx.policy, &relay).unwrap_or_else(fail);
    w.stats.absorbed = w.ledger.absorbed(&relay) as u64;
}
