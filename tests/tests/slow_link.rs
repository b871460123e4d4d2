//! A day's work through a mountain link: a device with its own storage,
//! behind 64 kbit/s each way, a 500 ms round trip and a link that drops every
//! few seconds, makes 200 edits without waiting for the relay. Every edit
//! reaches the relay's disk, a device in the office sees exactly the same
//! document, and the device does not send its changes again after each drop.

use std::time::Duration;

use automerge::ReadDoc;
use thidua_tests::links::{Day, changes_of, day_edit};
use thidua_tests::shaper::{DropPlan, ShapeConfig, Shaper, drop_schedule};
use thidua_tests::{PATIENCE, TestRelay, heads};

const EDITS: usize = 200;
const PACE: Duration = Duration::from_millis(75);

/// The most bytes the device may put on the link per byte of its changes.
/// Measured on today's relay and client (`bench_slow_link`, seeds 1–5 and
/// 2026, and this test): 3.3–3.7×. About 2.4× is the protocol itself, even on
/// an ideal link: each edit is a sync message of its ~165-byte change and
/// ~220 bytes of envelope, heads and bloom filter. The slow link adds the
/// rest: a change-less "my heads" message for about every other edit while
/// the relay's answers lag a round trip behind, a WebSocket handshake and a
/// fresh sync per connection, and, today, the whole document sent again
/// after most reconnections (see the ignored test below and BENCHMARKS.md,
/// "Slow links and reconnects"). With the relay's resync limit lifted it is
/// still 3.5–3.7× (fewer whole documents, more messages).
const MAX_UP_PER_CHANGE_BYTE: f64 = 4.5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_days_work_through_a_mountain_link_reaches_the_relay_whole() {
    let plan = DropPlan {
        mean_interval: Duration::from_secs(5),
        seed: 2026,
    };
    let day = Day {
        edits: EDITS,
        pace: PACE,
        link: ShapeConfig {
            rate_bits_per_s: 64_000,
            one_way_delay: Duration::from_millis(250),
            drop: Some(plan.clone()),
            record_up: true,
        },
        patience: Duration::from_secs(180),
        relay_limits: relay::Limits::default(),
    };
    let out = day.run("slow-link").await.unwrap_or_else(|e| panic!("{e}"));
    let doc = out.doc;
    let s = out.stats;
    let (sends, most_sends) = out.sent.sends_of(&out.changes);
    eprintln!(
        "synced {:?} after the first edit; link {s:?}; {} changes of {} bytes; \
         sent by themselves {sends} times (at most {most_sends} each), \
         {} whole documents ({} bytes), {} sync messages ({} without changes); \
         closed by the relay {} times {:?}",
        out.synced_after,
        out.changes.len(),
        out.change_bytes,
        out.sent.whole_documents,
        out.sent.whole_document_bytes,
        out.sent.sync_messages,
        out.sent.sync_without_changes,
        out.protocol_errors.len(),
        out.protocol_errors.first(),
    );

    // The link really went down while the device worked, and the device came
    // back each time.
    assert!(s.drops >= 3, "the link dropped only {} times", s.drops);
    assert!(s.connections > s.drops, "{s:?}");

    // Every edit is durable on the relay, with its value.
    let on_disk = out.relay.doc_on_disk(doc);
    for n in 0..EDITS {
        let (key, value) = day_edit(n);
        assert_eq!(
            shared::schema::read::text(&on_disk, &automerge::ROOT, key.as_str()).as_deref(),
            Some(value.as_str()),
            "edit {n} is not on the relay's disk"
        );
    }
    // Nothing the device made is missing: each of its changes is there, and
    // its actor has no other change there.
    assert_eq!(
        out.changes.len(),
        EDITS,
        "one change per edit on the device"
    );
    for h in &out.changes {
        assert!(
            on_disk.get_change_by_hash(h).is_some(),
            "change {h} is missing on the relay"
        );
    }
    let (on_relay, _) = changes_of(&on_disk, &out.actor);
    assert_eq!(on_relay.len(), EDITS, "the device's changes on the relay");

    // A device in the office, on a good link, sees exactly the same document.
    let office = out.relay.device("LSN", "may-van-phong");
    office.open(doc);
    office.wait_synced(doc, PATIENCE).await.unwrap();
    let device_heads = heads(&out.device, doc).await;
    assert_eq!(heads(&office, doc).await, device_heads);
    assert_eq!(on_disk.get_heads(), device_heads);

    // Resends, counted in what the device sent (decoded from the bytes the
    // proxy read from it). A change goes again only when the connection that
    // carried it was cut before the relay had it: rarely, and no more often
    // than the planned drops come within a second of each other (at most
    // twice here: measured today 0 resends; with the relay's resync limit
    // lifted up to 53 over 200 changes and 3 sends of one change). A client
    // that sent again what the relay already has after each reconnection
    // would send the early changes once per reconnection (6 or more times)
    // and, with the drops planned here, some 600 changes more in all.
    assert!(
        most_sends <= 4,
        "a change was sent {most_sends} times by itself"
    );
    assert!(
        sends <= EDITS + EDITS / 2,
        "{sends} sends for {EDITS} changes"
    );
    // Automerge sends the whole document instead when the relay lacks more
    // than a third of its changes; at most once per connection.
    assert!(
        out.sent.whole_documents as u64 <= s.connections,
        "{} whole documents over {} connections",
        out.sent.whole_documents,
        s.connections
    );

    // And in bytes: what the device put on the link (delivered or lost in a
    // drop) stays within a small multiple of its changes' own bytes.
    let ratio = s.up_read as f64 / out.change_bytes as f64;
    assert!(
        ratio <= MAX_UP_PER_CHANGE_BYTE,
        "the device put {} bytes on the link for {} bytes of changes ({ratio:.2}×)",
        s.up_read,
        out.change_bytes
    );
    // The bound is tight enough to catch a client that sends its history
    // again after each drop: the history it held at the drops planned while
    // it worked, on top of today's traffic, is past it. (Resent as whole
    // documents, which automerge compresses well, it would not be: the
    // counts of sends above are the precise check.)
    let per_change = out.change_bytes / EDITS as u64;
    let resent_history: u64 = drop_schedule(&plan, out.edits_at[EDITS - 1])
        .iter()
        .map(|t| out.edits_at.iter().filter(|at| *at < t).count() as u64 * per_change)
        .sum();
    assert!(
        (s.up_read + resent_history) as f64 > MAX_UP_PER_CHANGE_BYTE * out.change_bytes as f64,
        "the drop plan is too mild to tell resends apart: {resent_history} bytes of history at its drops"
    );
}

/// An honest device on a slow link that keeps editing is never closed by the
/// relay. Today the relay closes it about once a second ("resync-limit"): on
/// a new connection the device's first sync messages carry a bloom filter with
/// no common heads yet (`have.last_sync` empty) until the relay's first answer
/// comes back a round trip later, and the relay counts each of them as a
/// request for the whole document (`asks_from_scratch`, limit
/// `max_full_syncs` = 4 per connection). Edits 75 ms apart over a 500 ms
/// round trip make five such messages before the answer arrives. The device
/// reconnects and resumes, so nothing is lost, but while it keeps editing its
/// changes mostly wait and then go up as whole documents.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_honest_device_on_a_slow_link_is_never_closed_by_the_relay() {
    let relay = TestRelay::start("slow-link-no-drops").await;
    let doc = relay.office_doc("LSN");
    let token = relay.token("LSN");
    let storage = thidua_tests::temp_dir("slow-link-no-drops-device");
    let yesterday = thidua_tests::links::dir_device(&relay.ws_url(), &token, "may", &storage, true);
    yesterday.open(doc);
    yesterday.wait_synced(doc, PATIENCE).await.unwrap();
    thidua_tests::links::stop(yesterday).await;

    let link = ShapeConfig {
        rate_bits_per_s: 64_000,
        one_way_delay: Duration::from_millis(250),
        drop: None,
        record_up: false,
    };
    let shaper = Shaper::start(relay.running.addr, link).await;
    let device = thidua_tests::links::dir_device(&shaper.ws_url(), &token, "may", &storage, true);
    device.open(doc);
    thidua_tests::links::wait_loaded(&device, doc).await;
    for n in 0..40 {
        thidua_tests::links::make_day_edit(&device, doc, n).await;
        tokio::time::sleep(PACE).await;
    }
    device
        .wait_synced(doc, Duration::from_secs(60))
        .await
        .unwrap();
    let errors = device
        .read(|v| {
            v.events
                .iter()
                .filter(|e| matches!(e, shared::core::Event::ProtocolError { .. }))
                .count()
        })
        .await;
    assert_eq!(errors, 0, "the relay closed the device {errors} times");
    assert_eq!(shaper.stats().connections, 1, "{:?}", shaper.stats());
}

/// The proxy itself: bytes take the one-way delay and leave no faster than
/// the rate, every byte is counted, and a cut closes the connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shaper_holds_its_rate_and_delay_and_counts_every_byte() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // An echo server upstream.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut r, mut w) = s.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
            });
        }
    });
    let shaper = Shaper::start(
        upstream,
        ShapeConfig {
            rate_bits_per_s: 64_000,
            one_way_delay: Duration::from_millis(250),
            drop: None,
            record_up: true,
        },
    )
    .await;
    let mut s = tokio::net::TcpStream::connect(shaper.addr()).await.unwrap();

    // One byte there and back: the round trip.
    let start = tokio::time::Instant::now();
    s.write_all(b"x").await.unwrap();
    let mut one = [0u8; 1];
    s.read_exact(&mut one).await.unwrap();
    let rtt = start.elapsed();
    assert!(
        rtt >= Duration::from_millis(500) && rtt < Duration::from_millis(800),
        "{rtt:?}"
    );

    // 16 000 bytes at 8 000 bytes/s each way: 2 s of serialisation, plus the
    // round trip (both directions serialise in parallel, one slice apart).
    let block = vec![7u8; 16_000];
    let start = tokio::time::Instant::now();
    let (mut r, mut w) = s.into_split();
    let writer = tokio::spawn(async move {
        w.write_all(&block).await.unwrap();
        w
    });
    let mut back = vec![0u8; 16_000];
    r.read_exact(&mut back).await.unwrap();
    let took = start.elapsed();
    assert!(back.iter().all(|b| *b == 7));
    assert!(
        took >= Duration::from_millis(2_400) && took < Duration::from_millis(3_500),
        "{took:?}"
    );
    let st = shaper.stats();
    assert_eq!((st.up_read, st.up_delivered), (16_001, 16_001), "{st:?}");
    assert_eq!(
        (st.down_read, st.down_delivered),
        (16_001, 16_001),
        "{st:?}"
    );
    assert_eq!(shaper.recorded_up()[0].len(), 16_001);

    // A cut: the connection ends, and it counts as a drop.
    shaper.cut_all();
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(PATIENCE, r.read_to_end(&mut rest))
        .await
        .expect("the cut closes the connection");
    assert_eq!(shaper.stats().drops, 1);
    drop(writer.await.unwrap());
}
