//! Relays on PostgreSQL against the file store, on this machine: the relay
//! binary (`--store postgres://…` on a throwaway PostgreSQL server of the
//! benchmark's own, `thidua_tests::postgres`, with its default durability:
//! `fsync` and `synchronous_commit` on) and the same binary on a data
//! directory.
//!
//! (a) **Per-edit latency and throughput**: DEVICES devices (two per office
//!     of the demo, spread round robin over the relays), each making EDITS
//!     edits one after the other, each edit waited for until the relay
//!     acknowledged it (durable; the device's heads are the relay's). Latency
//!     is from the edit to its acknowledgement (median, p95); throughput is
//!     all edits over the wall time. With one relay on files, one relay on
//!     PostgreSQL, and three relays on one PostgreSQL database.
//! (b) **Across relays**: with three relays, the time from an edit on one
//!     relay until the other office device of the same office, connected to
//!     another relay, holds it (median, p95).
//! (c) **Resume after SIGKILL**: a device's relay is killed (`SIGKILL`) and
//!     another relay process takes its address (as a load balancer would
//!     send it to another relay): the time from the kill until an edit made
//!     right after it is acknowledged (the client's reconnect delay
//!     included).
//!
//! Run: `cargo build --release -p thidua-relay && cargo run --release -p
//! thidua-tests --bin bench_postgres [DEVICES] [EDITS]` (defaults 16 and 50).

use std::time::{Duration, Instant};

use shared::cluster::Directory;
use shared::protocol::DocumentId;
use thidua_tests::postgres::TestPostgres;
use thidua_tests::{device, free_port, set_text, spawn_relay_with, temp_dir};
use tokio::process::Child;

const PATIENCE: Duration = Duration::from_secs(60);

struct Relays {
    children: Vec<Child>,
    ports: Vec<u16>,
    /// Office code → a token (any relay's: they share the database, or the one relay).
    tokens: Vec<(String, String)>,
    directory: Directory,
}

async fn start(n: usize, store: Option<&str>, name: &str) -> Relays {
    let mut children = Vec::new();
    let mut ports = Vec::new();
    let mut tokens = Vec::new();
    let dir = temp_dir(name);
    for i in 0..n {
        let port = free_port();
        let more: Vec<&str> = match store {
            Some(url) => vec!["--store", url],
            None => vec![],
        };
        // Each relay its own directory (on PostgreSQL it holds nothing shared).
        let data = if store.is_some() {
            dir.join(format!("relay-{i}"))
        } else {
            dir.clone()
        };
        let (child, printed) = spawn_relay_with(&data, port, &more).await;
        children.push(child);
        ports.push(port);
        tokens = printed;
    }
    let directory = match store {
        None => serde_json::from_slice(&std::fs::read(dir.join("cluster.json")).unwrap()).unwrap(),
        Some(url) => relay::store::PgStore::open(url, "bench")
            .await
            .unwrap()
            .directory()
            .await
            .unwrap()
            .unwrap(),
    };
    Relays {
        children,
        ports,
        tokens,
        directory,
    }
}

impl Relays {
    fn url(&self, i: usize) -> String {
        format!("ws://127.0.0.1:{}/sync", self.ports[i % self.ports.len()])
    }
    fn token(&self, office: &str) -> &str {
        &self.tokens.iter().find(|(c, _)| c == office).unwrap().1
    }
    async fn stop(mut self) {
        for c in &mut self.children {
            c.kill().await.ok();
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// (a): (median latency, p95, edits per second).
async fn edits(relays: &Relays, devices: usize, edits: usize) -> (Duration, Duration, f64) {
    let offices: Vec<String> = relays
        .directory
        .offices
        .iter()
        .map(|o| o.code.clone())
        .collect();
    let mut clients = Vec::new();
    for i in 0..devices {
        let office = &offices[i % offices.len()];
        let doc = relays.directory.office_doc(office).unwrap();
        let c = device(&relays.url(i), relays.token(office), &format!("bench-{i}"));
        c.open(doc);
        c.wait_synced(doc, PATIENCE).await.unwrap();
        clients.push((c, doc, i));
    }
    let started = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|(c, doc, i)| {
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                for e in 0..edits {
                    let t = Instant::now();
                    set_text(&c, doc, &format!("bench{i}"), &format!("lần {e}")).await;
                    c.wait_synced(doc, PATIENCE).await.unwrap();
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let wall = started.elapsed();
    all.sort();
    (
        percentile(&all, 0.5),
        percentile(&all, 0.95),
        all.len() as f64 / wall.as_secs_f64(),
    )
}

/// (b): an edit on relay 0, seen by a device of the same office on relay 1.
async fn across(relays: &Relays, rounds: usize) -> (Duration, Duration) {
    let doc: DocumentId = relays.directory.office_doc("LSN").unwrap();
    let writer = device(&relays.url(0), relays.token("LSN"), "across-w");
    let reader = device(&relays.url(1), relays.token("LSN"), "across-r");
    for c in [&writer, &reader] {
        c.open(doc);
        c.wait_synced(doc, PATIENCE).await.unwrap();
    }
    let mut times = Vec::new();
    for r in 0..rounds {
        let value = format!("vòng {r}");
        let t = Instant::now();
        set_text(&writer, doc, "across", &value).await;
        reader
            .wait_until("the edit from the other relay", PATIENCE, move |v| {
                v.core.doc(&doc).is_some_and(|d| {
                    shared::schema::read::text(d, &automerge::ROOT, "across").as_deref()
                        == Some(value.as_str())
                })
            })
            .await
            .unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    (percentile(&times, 0.5), percentile(&times, 0.95))
}

/// (c): kill the device's relay, another takes its address; time until an
/// edit made right after the kill is acknowledged.
async fn resume(url: &str, rounds: usize) -> Vec<Duration> {
    let dir = temp_dir("bench-pg-resume");
    let port = free_port();
    let (mut relay, printed) = spawn_relay_with(&dir.join("a"), port, &["--store", url]).await;
    let token = printed.into_iter().find(|(c, _)| c == "LSN").unwrap().1;
    let directory = relay::store::PgStore::open(url, "bench")
        .await
        .unwrap()
        .directory()
        .await
        .unwrap()
        .unwrap();
    let doc = directory.office_doc("LSN").unwrap();
    let c = device(&format!("ws://127.0.0.1:{port}/sync"), &token, "resume");
    c.open(doc);
    c.wait_synced(doc, PATIENCE).await.unwrap();
    let mut times = Vec::new();
    for r in 0..rounds {
        let t = Instant::now();
        relay.kill().await.unwrap();
        set_text(&c, doc, "resume", &format!("sau lần tắt {r}")).await;
        let (next, _) = spawn_relay_with(&dir.join(format!("b{r}")), port, &["--store", url]).await;
        relay = next;
        c.wait_synced(doc, PATIENCE).await.unwrap();
        times.push(t.elapsed());
    }
    relay.kill().await.ok();
    times
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let devices: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(16);
    let edit_count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(50);
    println!(
        "{devices} devices, {edit_count} edits each, every edit waited for until acknowledged"
    );
    println!("| store | relays | median latency | p95 | edits per second |");
    println!("| --- | --- | --- | --- | --- |");
    let pg = TestPostgres::start();
    let mut file_rate = 0.0;
    for (label, n, db) in [
        ("files", 1, None),
        ("PostgreSQL", 1, Some("one")),
        ("PostgreSQL", 3, Some("three")),
    ] {
        let url = db.map(|d| pg.database(d));
        let relays = start(n, url.as_deref(), &format!("bench-pg-{label}-{n}")).await;
        let (median, p95, rate) = edits(&relays, devices, edit_count).await;
        if url.is_none() {
            file_rate = rate;
        }
        println!(
            "| {label} | {n} | {} | {} | {rate:.0} ({:.2}× files) |",
            ms(median),
            ms(p95),
            rate / file_rate
        );
        if n == 3 {
            let (median, p95) = across(&relays, 50).await;
            println!(
                "\nacross relays (edit on relay 1, seen on relay 2): median {}, p95 {}",
                ms(median),
                ms(p95)
            );
        }
        relays.stop().await;
    }
    let url = pg.database("resume");
    let times = resume(&url, 5).await;
    let shown: Vec<String> = times.iter().map(|t| ms(*t)).collect();
    println!(
        "resume after SIGKILL (kill → another relay on the address → the edit acknowledged): {}",
        shown.join(", ")
    );
}
