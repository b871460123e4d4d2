//! Benchmark of the sync core: the cost of one small edit going from a device
//! to the relay and back (validated against the cluster policy, stored,
//! acknowledged), as the document's history grows. The design promise is no
//! O(history) work per small change: the figures should stay flat while the
//! history grows a hundredfold.
//!
//! Everything runs in-process on the deterministic in-memory shell
//! (`shared::sim`), with the living demo's cluster and office documents and
//! the real `ClusterPolicy` (rights + schema validation) on the relay.
//!
//! Run: `cargo run --release -p thidua-tests --bin bench_sync [EDITS_PER_POINT]`
//! (`BENCH_POINTS=100,1000` picks the history lengths).

use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use relay::store::FileStore;
use shared::cluster::ClusterPolicy;
use shared::core::{CommitMeta, DeviceAuth, PeerAuth, TrustAll};
use shared::sim::Sim;

fn main() {
    let per_point: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    // The living demo, written to a scratch directory, then moved into memory.
    let dir = std::env::temp_dir().join(format!("thidua-bench-sync-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = FileStore::open(&dir).expect("scratch store");
    let directory = relay::demo::create(&store).expect("demo cluster");
    let mut sim: Sim<ClusterPolicy, TrustAll> = Sim::new(ClusterPolicy::new(directory.clone()));
    for doc in directory.all_docs() {
        for chunk in store.load_blocking(&doc).expect("demo chunks") {
            sim.relay.storage.chunks.insert(chunk.key, chunk.bytes);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let office = directory.office_doc("LSN").expect("LSN");
    let auth = PeerAuth::Device(DeviceAuth {
        office: "LSN".into(),
        device: "bench".into(),
    });
    let device = sim.add_client("bench", auth, TrustAll);
    sim.connect(device);
    for doc in directory.all_docs() {
        sim.clients[device].core.open(doc);
    }
    sim.run();

    println!(
        "one edit, device → relay (validated, stored) → acknowledged; {per_point} edits per point"
    );
    println!("{:>16} {:>14} {:>14}", "history (changes)", "median", "p90");
    let mut made = 0usize;
    let points: Vec<usize> = std::env::var("BENCH_POINTS")
        .ok()
        .map(|p| p.split(',').filter_map(|n| n.parse().ok()).collect())
        .unwrap_or_else(|| vec![100, 1_000, 10_000]);
    for target in points {
        // Grow the history to `target` changes without timing.
        while made < target {
            edit(&mut sim, device, office, made);
            made += 1;
        }
        let mut times: Vec<Duration> = (0..per_point)
            .map(|_| {
                let start = Instant::now();
                edit(&mut sim, device, office, made);
                made += 1;
                start.elapsed()
            })
            .collect();
        times.sort();
        if std::env::var("BENCH_BREAKDOWN").is_ok() {
            use shared::core::Policy;
            let doc = sim.relay.core.doc(&office).unwrap();
            let lookup = sim.relay.core.lookup();
            let policy = sim.relay.core.policy();
            let t = Instant::now();
            for _ in 0..20 {
                std::hint::black_box(policy.violations(&office, doc, &lookup));
            }
            let t_val = t.elapsed() / 20;
            let t = Instant::now();
            let heads = doc.get_heads();
            for _ in 0..20 {
                std::hint::black_box(doc.save_after(&heads));
            }
            let t_save_after = t.elapsed() / 20;
            let t = Instant::now();
            std::hint::black_box(doc.save());
            let t_save = t.elapsed();
            let t = Instant::now();
            std::hint::black_box(doc.clone());
            let t_clone = t.elapsed();
            let cluster_id = directory.cluster_doc().unwrap();
            let cdoc = sim.relay.core.doc(&cluster_id).unwrap();
            let t = Instant::now();
            for _ in 0..20 {
                std::hint::black_box(shared::schema::load_office(doc));
            }
            let t_lo = t.elapsed() / 20;
            let t = Instant::now();
            for _ in 0..20 {
                std::hint::black_box(shared::schema::load_cluster(cdoc));
            }
            let t_lc = t.elapsed() / 20;
            // The checks alone, on a document already read (what every
            // incoming change pays besides re-reading what it touched).
            let code = match directory.role_of(&office) {
                Some(shared::cluster::DocRole::Office(o)) => o.code.clone(),
                _ => unreachable!("the benchmark edits an office document"),
            };
            let (_, mut memo) = shared::schema::validate_office_since(doc, &code, Some(cdoc), None);
            let t = Instant::now();
            for _ in 0..200 {
                let (v, m) =
                    shared::schema::validate_office_since(doc, &code, Some(cdoc), Some(memo));
                std::hint::black_box(v);
                memo = m;
            }
            let t_checks = t.elapsed() / 200;
            println!(
                "   load_office {t_lo:?}  load_cluster {t_lc:?}  checks on the read document {t_checks:?}"
            );
            println!(
                "   validate {t_val:?}  save_after(heads) {t_save_after:?}  save {t_save:?}  clone {t_clone:?}"
            );
        }
        let status = sim.clients[device]
            .core
            .sync_status(&office)
            .expect("loaded");
        assert!(
            status.in_sync && status.unacknowledged == Some(0),
            "acknowledged"
        );
        println!(
            "{:>16} {:>14} {:>14}",
            target,
            format!("{:.3} ms", times[times.len() / 2].as_secs_f64() * 1e3),
            format!("{:.3} ms", times[times.len() * 9 / 10].as_secs_f64() * 1e3),
        );
    }
}

/// One small edit (a self-score's note) made on the device and synced.
fn edit(
    sim: &mut Sim<ClusterPolicy, TrustAll>,
    device: usize,
    office: shared::protocol::DocumentId,
    n: usize,
) {
    sim.clients[device]
        .core
        .change::<automerge::AutomergeError, _>(&office, None, CommitMeta::default(), |tx| {
            let scores =
                shared::schema::read::map(tx, &automerge::ROOT, "selfScores").expect("selfScores");
            let c1 = match shared::schema::read::map(tx, &scores, "C1") {
                Some(c) => c,
                None => {
                    // A score needs its points to be valid.
                    let c = tx.put_object(&scores, "C1", automerge::ObjType::Map)?;
                    tx.put(&c, "points", 0.0)?;
                    c
                }
            };
            tx.put(&c1, "note", format!("ghi chú {n}"))?;
            Ok(())
        })
        .expect("edit commits");
    sim.run();
}
