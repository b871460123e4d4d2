//! A shaping TCP proxy: a slow, distant, unreliable link between a device and
//! the relay, on real sockets.
//!
//! The model, per connection and per direction:
//!
//! - **Rate**: the link serialises bytes one after the other at
//!   `rate_bits_per_s`. A slice of bytes that reaches the proxy at `t` starts
//!   on the wire at `max(t, end of the previous slice)` and takes
//!   `len × 8 / rate` seconds; bytes queue behind each other as they do at the
//!   bottleneck of a real link. The two directions are independent (a full
//!   duplex link of that rate each way).
//! - **Delay**: each slice is then delivered `one_way_delay` later (the round
//!   trip is twice that).
//! - **Drops**: at random times (seeded: exponentially distributed around
//!   `mean_interval`, clamped to a tenth of it and four times it), the proxy
//!   cuts every open connection at once: both sockets closed, whatever the
//!   proxy held for delivery is lost. The next connections go through until the
//!   next drop, as after a mountain link comes back.
//! - **Bounded**: the proxy holds at most [`QUEUE_BYTES`] toward each side of a
//!   connection; past that it stops reading from the other side, so the sender
//!   meets TCP back-pressure instead of an unbounded buffer.
//!
//! [`ShaperStats`] counts, per direction, the bytes read from the sender (what
//! it spent on the link, lost or not) and the bytes delivered, plus the
//! connections accepted and the drops. "Up" is device → upstream (the relay).
//! With `record_up`, the proxy also keeps what each connection's device sent
//! ([`Shaper::recorded_up`], at most [`RECORD_BYTES`] in all), for tests that
//! look inside the frames.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The most a connection holds toward one side before it stops reading.
pub const QUEUE_BYTES: usize = 256 * 1024;
/// The most `record_up` keeps, over all connections.
pub const RECORD_BYTES: usize = 64 * 1024 * 1024;
/// Bytes read at once (one queue entry).
const CHUNK: usize = 1024;
/// Bytes released to the destination at once (the link's "packet").
const SLICE: usize = 512;

/// What the link does.
#[derive(Clone, Debug)]
pub struct ShapeConfig {
    /// Each direction; [`ShapeConfig::UNLIMITED`] (or 0) for no limit.
    pub rate_bits_per_s: u64,
    pub one_way_delay: Duration,
    pub drop: Option<DropPlan>,
    /// Keep the bytes each device sends (see [`Shaper::recorded_up`]).
    pub record_up: bool,
}

/// When the link drops.
#[derive(Clone, Debug)]
pub struct DropPlan {
    pub mean_interval: Duration,
    pub seed: u64,
}

impl ShapeConfig {
    pub const UNLIMITED: u64 = u64::MAX;

    /// No shaping at all: a proxy that only counts bytes.
    pub fn counting() -> Self {
        Self {
            rate_bits_per_s: Self::UNLIMITED,
            one_way_delay: Duration::ZERO,
            drop: None,
            record_up: false,
        }
    }

    /// How long `bytes` take on the wire.
    fn transmit_time(&self, bytes: usize) -> Duration {
        match self.rate_bits_per_s {
            0 | Self::UNLIMITED => Duration::ZERO,
            rate => Duration::from_nanos(
                (bytes as u128 * 8 * 1_000_000_000 / rate as u128).min(u64::MAX as u128) as u64,
            ),
        }
    }
}

/// A snapshot of the counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShaperStats {
    /// Bytes read from devices (device → relay), delivered or lost.
    pub up_read: u64,
    /// Bytes delivered to the relay.
    pub up_delivered: u64,
    /// Bytes read from the relay (relay → device), delivered or lost.
    pub down_read: u64,
    /// Bytes delivered to devices.
    pub down_delivered: u64,
    /// Connections accepted from devices.
    pub connections: u64,
    /// Drops that cut at least one open connection.
    pub drops: u64,
    /// Connections cut by drops.
    pub cut_connections: u64,
}

impl ShaperStats {
    /// The counts since an earlier snapshot.
    pub fn since(&self, before: &ShaperStats) -> ShaperStats {
        ShaperStats {
            up_read: self.up_read - before.up_read,
            up_delivered: self.up_delivered - before.up_delivered,
            down_read: self.down_read - before.down_read,
            down_delivered: self.down_delivered - before.down_delivered,
            connections: self.connections - before.connections,
            drops: self.drops - before.drops,
            cut_connections: self.cut_connections - before.cut_connections,
        }
    }
}

#[derive(Default)]
struct Counters {
    up_read: AtomicU64,
    up_delivered: AtomicU64,
    down_read: AtomicU64,
    down_delivered: AtomicU64,
    connections: AtomicU64,
    open: AtomicU64,
    drops: AtomicU64,
    cut_connections: AtomicU64,
}

struct Shared {
    cfg: ShapeConfig,
    counters: Counters,
    /// Bumped by every drop; each connection ends when it changes.
    cuts: watch::Sender<u64>,
    /// With `record_up`: what each connection's device sent, by connection.
    recorded: std::sync::Mutex<Recorded>,
}

#[derive(Default)]
struct Recorded {
    streams: Vec<Vec<u8>>,
    total: usize,
}

impl Shared {
    fn cut_all(&self) {
        let open = self.counters.open.load(Ordering::SeqCst);
        if open > 0 {
            self.counters.drops.fetch_add(1, Ordering::SeqCst);
            self.counters
                .cut_connections
                .fetch_add(open, Ordering::SeqCst);
        }
        self.cuts.send_modify(|n| *n += 1);
    }
}

/// A running proxy; stops (and cuts its connections) when dropped.
pub struct Shaper {
    addr: SocketAddr,
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
}

impl Shaper {
    /// Listen on a free localhost port and forward every connection to `upstream`.
    pub async fn start(upstream: SocketAddr, cfg: ShapeConfig) -> Shaper {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the shaper");
        let addr = listener.local_addr().expect("shaper address");
        let shared = Arc::new(Shared {
            cfg: cfg.clone(),
            counters: Counters::default(),
            cuts: watch::channel(0).0,
            recorded: Default::default(),
        });
        let mut tasks = vec![tokio::spawn(accept_loop(
            listener,
            upstream,
            shared.clone(),
        ))];
        if let Some(plan) = cfg.drop {
            tasks.push(tokio::spawn(drop_loop(plan, shared.clone())));
        }
        Shaper {
            addr,
            shared,
            tasks,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The relay's sync endpoint, through this proxy.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/sync", self.addr)
    }

    pub fn stats(&self) -> ShaperStats {
        let c = &self.shared.counters;
        let get = |a: &AtomicU64| a.load(Ordering::SeqCst);
        ShaperStats {
            up_read: get(&c.up_read),
            up_delivered: get(&c.up_delivered),
            down_read: get(&c.down_read),
            down_delivered: get(&c.down_delivered),
            connections: get(&c.connections),
            drops: get(&c.drops),
            cut_connections: get(&c.cut_connections),
        }
    }

    /// What the devices sent, one byte stream per connection in the order
    /// they were accepted (empty unless `record_up`; delivered or lost).
    pub fn recorded_up(&self) -> Vec<Vec<u8>> {
        self.shared
            .recorded
            .lock()
            .expect("recording")
            .streams
            .clone()
    }

    /// Cut every open connection now (counted as a drop if any was open).
    pub fn cut_all(&self) {
        self.shared.cut_all();
    }
}

impl Drop for Shaper {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
        self.shared.cuts.send_modify(|n| *n += 1);
    }
}

async fn accept_loop(listener: TcpListener, upstream: SocketAddr, shared: Arc<Shared>) {
    loop {
        let Ok((device, _)) = listener.accept().await else {
            continue;
        };
        // Subscribed now: a drop from here on cuts this connection too.
        let cut = shared.cuts.subscribe();
        let index = shared.counters.connections.fetch_add(1, Ordering::SeqCst) as usize;
        shared.counters.open.fetch_add(1, Ordering::SeqCst);
        if shared.cfg.record_up {
            let mut r = shared.recorded.lock().expect("recording");
            r.streams.resize(index + 1, Vec::new());
        }
        tokio::spawn(connection(device, upstream, shared.clone(), cut, index));
    }
}

async fn connection(
    device: TcpStream,
    upstream: SocketAddr,
    shared: Arc<Shared>,
    mut cut: watch::Receiver<u64>,
    index: usize,
) {
    let c = &shared.counters;
    let relay = tokio::select! {
        r = TcpStream::connect(upstream) => r,
        _ = cut.changed() => Err(std::io::ErrorKind::ConnectionAborted.into()),
    };
    if let Ok(relay) = relay {
        let _ = device.set_nodelay(true);
        let _ = relay.set_nodelay(true);
        let (device_r, device_w) = device.into_split();
        let (relay_r, relay_w) = relay.into_split();
        let record = |bytes: &[u8]| {
            if shared.cfg.record_up {
                let mut r = shared.recorded.lock().expect("recording");
                if r.total + bytes.len() <= RECORD_BYTES {
                    r.total += bytes.len();
                    r.streams[index].extend_from_slice(bytes);
                }
            }
        };
        let up = pipe(
            device_r,
            relay_w,
            &shared.cfg,
            &c.up_read,
            &c.up_delivered,
            &record,
        );
        let down = pipe(
            relay_r,
            device_w,
            &shared.cfg,
            &c.down_read,
            &c.down_delivered,
            &|_: &[u8]| {},
        );
        // Either side's error, or a drop, ends both directions: dropping the
        // halves closes both sockets and loses what the queues held.
        tokio::select! {
            _ = async { tokio::try_join!(up, down) } => {}
            _ = cut.changed() => {}
        }
    }
    c.open.fetch_sub(1, Ordering::SeqCst);
}

/// One direction: read as fast as the queue allows, release at the link's pace.
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    cfg: &ShapeConfig,
    read: &AtomicU64,
    delivered: &AtomicU64,
    record: &(dyn Fn(&[u8]) + Sync),
) -> std::io::Result<()> {
    let (tx, mut rx) = mpsc::channel::<(Instant, Vec<u8>)>(QUEUE_BYTES / CHUNK);
    let reader = async move {
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = from.read(&mut buf).await?;
            if n == 0 {
                return Ok::<(), std::io::Error>(());
            }
            read.fetch_add(n as u64, Ordering::SeqCst);
            record(&buf[..n]);
            // Waits while the queue is full: back-pressure toward the sender.
            if tx.send((Instant::now(), buf[..n].to_vec())).await.is_err() {
                return Ok(());
            }
        }
    };
    let writer = async {
        // When the link finishes serialising what it was given so far.
        let mut wire_free = Instant::now();
        while let Some((arrived, bytes)) = rx.recv().await {
            for slice in bytes.chunks(SLICE) {
                wire_free = wire_free.max(arrived) + cfg.transmit_time(slice.len());
                tokio::time::sleep_until(wire_free + cfg.one_way_delay).await;
                to.write_all(slice).await?;
                delivered.fetch_add(slice.len() as u64, Ordering::SeqCst);
            }
        }
        // The sender closed its side: pass the half-close on.
        to.shutdown().await
    };
    tokio::try_join!(reader, writer).map(|_| ())
}

async fn drop_loop(plan: DropPlan, shared: Arc<Shared>) {
    for wait in intervals(&plan) {
        tokio::time::sleep(wait).await;
        shared.cut_all();
    }
}

/// The times between drops: exponential around the mean (inverse transform),
/// clamped to [mean / 10, 4 × mean].
fn intervals(plan: &DropPlan) -> impl Iterator<Item = Duration> + use<> {
    let mut rng = XorShift::new(plan.seed);
    let mean = plan.mean_interval;
    std::iter::repeat_with(move || mean.mul_f64((-(1.0 - rng.unit()).ln()).clamp(0.1, 4.0)))
}

/// The drop times of a plan until `until`, from the proxy's start.
pub fn drop_schedule(plan: &DropPlan, until: Duration) -> Vec<Duration> {
    intervals(plan)
        .scan(Duration::ZERO, |t, wait| {
            *t += wait;
            Some(*t)
        })
        .take_while(|t| *t <= until)
        .collect()
}

/// xorshift64*: a seed repeats a drop schedule exactly.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> Self {
        // splitmix64 of the seed: neighbouring seeds start far apart.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Self((z ^ (z >> 31)) | 1)
    }

    /// A number in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}
