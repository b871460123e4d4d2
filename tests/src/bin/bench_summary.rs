//! Benchmark of the cluster summary (`shared::summary::cluster_summary`)
//! on synthetic data from the demo's generator (`relay::demo_year`):
//! 8 offices × 1 year and 34 offices × 5 years (the cluster's year last).
//! Times the computation alone (typed documents in memory, what the app
//! does on every change) and reading the automerge documents first (what
//! the relay does per request). Prints the median and the minimum of
//! several runs. The relay's hub only copies the documents (the third
//! figure); reading and computing run on the blocking pool.
//!
//! Run: `cargo run --release -p thidua-tests --bin bench_summary [RUNS]`

use std::time::{Duration, Instant};

use automerge::Automerge;
use relay::demo_year::{office_automerge, synthetic};
use shared::domain::rules::RuleCatalog;
use shared::schema::load_cluster;
use shared::summary::{LoadedOffice, OfficeInput, cluster_summary, summarize_loaded};

fn stats(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    (times[times.len() / 2], times[0])
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn time(runs: usize, mut f: impl FnMut() -> usize) -> (Duration, Duration, usize) {
    let mut out = 0;
    for _ in 0..runs.div_ceil(5) {
        out = f(); // warm up
    }
    let times = (0..runs)
        .map(|_| {
            let start = Instant::now();
            out = std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    let (median, min) = stats(times);
    (median, min, out)
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(30);
    let catalog = RuleCatalog::defaults();
    println!("cluster summary, {runs} runs each (median / min)");
    for (offices, first_year) in [(8, 2026), (34, 2022)] {
        let (cluster, generated) = synthetic(offices, first_year..=2026);
        let year = cluster.year;
        let staff: usize = generated.iter().map(|g| g.doc.staff.len()).sum();
        let records: usize = generated
            .iter()
            .map(|g| g.doc.evaluations.len() + g.doc.proposals.len() + g.doc.decisions.len())
            .sum();
        let inputs: Vec<OfficeInput<'_>> = generated
            .iter()
            .map(|g| OfficeInput {
                code: &g.spec.code,
                doc: &g.doc,
                last_change_secs: None,
            })
            .collect();
        let (median, min, warnings) = time(runs, || {
            cluster_summary(&cluster, &inputs, &catalog, year)
                .warnings
                .len()
        });
        let years = 2026 - first_year + 1;
        println!(
            "{offices:>2} offices × {years} year(s) ({staff} staff, {records} evaluations/proposals/decisions, {warnings} warnings)"
        );
        println!("   summary only:           {} / {}", ms(median), ms(min));

        let cluster_doc: Automerge = shared::schema::new_cluster_doc(&cluster);
        let docs: Vec<(String, Automerge)> = generated
            .iter()
            .map(|g| {
                (
                    g.spec.code.clone(),
                    office_automerge(&g.doc, year, g.as_of, 0),
                )
            })
            .collect();
        let (median, min, _) = time(runs, || {
            let c = load_cluster(&cluster_doc).doc;
            let loaded: Vec<LoadedOffice> = docs
                .iter()
                .map(|(code, d)| LoadedOffice::load(code, d))
                .collect();
            summarize_loaded(&c, &loaded, &catalog, None).offices.len()
        });
        println!("   read documents + summary: {} / {}", ms(median), ms(min));
        let (median, min, _) = time(runs, || {
            let copies: Vec<Automerge> = docs.iter().map(|(_, d)| d.clone()).collect();
            copies.len()
        });
        println!(
            "   copy documents (relay's hub): {} / {}",
            ms(median),
            ms(min)
        );
    }
}
