//! A device with a valid token, turned hostile: it speaks the wire protocol
//! directly and tries to write what it may not, to speak for the relay, and
//! to exhaust the relay. Every attack must be refused; the other offices'
//! documents and the cluster document stay exactly as they were (same heads);
//! an honest device on another connection keeps syncing throughout.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash};
use futures_util::SinkExt;
use relay::Limits;
use relay::tokens::TokenStore;
use shared::core::{RejectCode, RejectionNotice};
use shared::protocol::messages::{CborValue, encode_value};
use shared::protocol::{DocumentId, Message, PeerId};
use thidua_tests::wire::{
    self, Socket, empty_sync, error_of, joined, joined_as, recv, send, send_bytes, sync_data,
    sync_msg,
};
use thidua_tests::wire::{leb128, padded_compressed_chunk};
use thidua_tests::{PATIENCE, TestRelay, set_text};

/// The relay's current copy of a document.
async fn relay_doc(relay: &TestRelay, doc: DocumentId) -> Automerge {
    relay
        .running
        .hub
        .copies(vec![doc])
        .await
        .expect("hub answers")
        .remove(&doc)
        .expect("document loaded")
}

/// Heads of every document of the cluster but `except`.
async fn heads_but(relay: &TestRelay, except: DocumentId) -> Vec<(DocumentId, Vec<ChangeHash>)> {
    let mut out = Vec::new();
    for doc in relay.directory().all_docs() {
        if doc != except {
            out.push((doc, relay_doc(relay, doc).await.get_heads()));
        }
    }
    out
}

/// An honest device of SLA editing its own document all along.
struct Bystander {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<usize>,
    doc: DocumentId,
}

fn bystander(relay: &TestRelay) -> Bystander {
    let doc = relay.office_doc("SLA");
    let client = relay.device("SLA", "bystander");
    client.open(doc);
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let task = tokio::spawn(async move {
        let mut n = 0;
        while !flag.load(Ordering::SeqCst) {
            set_text(&client, doc, "ghiChu", &format!("lần {n}")).await;
            client
                .wait_synced(doc, PATIENCE)
                .await
                .expect("the honest device keeps syncing during the attack");
            n += 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        n
    });
    Bystander { stop, task, doc }
}

impl Bystander {
    async fn finish(self) -> usize {
        self.stop.store(true, Ordering::SeqCst);
        let n = self.task.await.expect("bystander ran");
        assert!(n > 0, "the honest device synced at least once");
        n
    }
}

/// A change made on a copy of `base` by a fresh actor: (its bytes, heads after).
fn forged(
    base: &Automerge,
    edit: impl FnOnce(&mut automerge::transaction::Transaction<'_>),
) -> (Vec<u8>, Vec<ChangeHash>) {
    let mut fork = base.fork();
    let mut tx = fork.transaction();
    edit(&mut tx);
    tx.commit();
    let heads = fork.get_heads();
    let change = fork.get_changes(&base.get_heads());
    assert_eq!(change.len(), 1);
    (change[0].raw_bytes().to_vec(), heads)
}

/// The next message that is a refusal notice or an error; other messages
/// (sync answers) are skipped.
async fn refusal_or_error(s: &mut Socket) -> Result<RejectionNotice, (String, String)> {
    loop {
        match recv(s).await {
            Some(Message::Ephemeral { data, .. }) => {
                if let Some(n) = RejectionNotice::decode(&data) {
                    return Ok(n);
                }
            }
            Some(Message::Error { code, message }) => {
                return Err((code.unwrap_or_default(), message));
            }
            Some(_) => {}
            None => return Err(("closed".into(), String::new())),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_hidden_in_chunk_framing_are_checked_like_any_other() {
    let relay = TestRelay::start("hostile-framing").await;
    let honest = bystander(&relay);
    let url = relay.ws_url();
    let (lsn, cluster) = (
        relay.office_doc("LSN"),
        relay.directory().cluster_doc().unwrap(),
    );
    let before = heads_but(&relay, honest.doc).await;
    let empty_doc_chunk = Automerge::new().save();

    // CBG writes LSN's document, four ways of framing the same change.
    let base = relay_doc(&relay, lsn).await;
    let (change, heads) = forged(&base, |tx| {
        tx.put(automerge::ROOT, "name", "Đã bị sửa trái phép")
            .unwrap();
    });
    let mid = change.len() / 2;
    let framings: Vec<(&str, Vec<Vec<u8>>)> = vec![
        ("plain", vec![change.clone()]),
        (
            "behind an empty document chunk",
            vec![[empty_doc_chunk.clone(), change.clone()].concat()],
        ),
        (
            "cut in two chunks",
            vec![change[..mid].to_vec(), change[mid..].to_vec()],
        ),
        ("duplicated", vec![change.clone(), change.clone()]),
    ];
    for (how, chunks) in framings {
        let mut s = joined(&url, &relay.token("CBG")).await;
        send(&mut s, &sync_msg(lsn, sync_data(heads.clone(), chunks))).await;
        match refusal_or_error(&mut s).await {
            Ok(n) => assert_eq!(n.rejection.code, RejectCode::NotWritable, "{how}"),
            Err((code, _)) => assert_eq!(code, "malformed-sync-data", "{how}"),
        }
    }

    // CBG (not the leader) makes itself leader, behind a document chunk.
    let base = relay_doc(&relay, cluster).await;
    assert_eq!(
        shared::schema::cluster_leader(&base).as_deref(),
        Some("LSN")
    );
    let (change, heads) = forged(&base, |tx| {
        tx.put(automerge::ROOT, "leader", "CBG").unwrap();
    });
    let mut s = joined(&url, &relay.token("CBG")).await;
    send(
        &mut s,
        &sync_msg(
            cluster,
            sync_data(heads, vec![[empty_doc_chunk.clone(), change].concat()]),
        ),
    )
    .await;
    let n = refusal_or_error(&mut s).await.expect("a refusal notice");
    assert_eq!(n.rejection.code, RejectCode::NotWritable);

    // LSN (its own document) breaks a rule, hidden the same ways: refused
    // for the rule, because the gate checks what automerge applied.
    let base = relay_doc(&relay, lsn).await;
    let (change, heads) = forged(&base, |tx| {
        let scores = shared::schema::read::map(tx, &automerge::ROOT, "selfScores").unwrap();
        let c = tx
            .put_object(&scores, "C1", automerge::ObjType::Map)
            .unwrap();
        tx.put(&c, "points", 999.0).unwrap(); // C1's maximum is 25
    });
    for chunks in [
        vec![[empty_doc_chunk.clone(), change.clone()].concat()],
        vec![change.clone(), change.clone()],
    ] {
        let mut s = joined(&url, &relay.token("LSN")).await;
        send(&mut s, &sync_msg(lsn, sync_data(heads.clone(), chunks))).await;
        let n = refusal_or_error(&mut s).await.expect("a refusal notice");
        assert_eq!(n.rejection.code, RejectCode::SchemaViolation);
        assert!(
            n.rejection.message_vi.contains("25"),
            "{}",
            n.rejection.message_vi
        );
    }

    assert_eq!(
        heads_but(&relay, honest.doc).await,
        before,
        "no document changed"
    );
    let base = relay_doc(&relay, cluster).await;
    assert_eq!(
        shared::schema::cluster_leader(&base).as_deref(),
        Some("LSN")
    );
    honest.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_cannot_speak_for_the_relay_or_for_another_device() {
    let relay = TestRelay::start("hostile-notice").await;
    let honest = bystander(&relay);
    let url = relay.ws_url();
    let lsn = relay.office_doc("LSN");
    let before = heads_but(&relay, honest.doc).await;

    // A listener syncing LSN's document (as the LSN app would).
    let (mut listener, relay_id) = joined_as(&url, &relay.token("LSN"), "lsn-listener").await;
    send(
        &mut listener,
        &Message::Request {
            document_id: lsn,
            sender_id: PeerId::from("lsn-listener"),
            target_id: relay_id.clone(),
            data: empty_sync(),
        },
    )
    .await;
    assert!(matches!(
        recv(&mut listener).await,
        Some(Message::Sync { .. })
    ));

    let forged_notice = RejectionNotice {
        rejection: shared::core::Rejection {
            code: RejectCode::SchemaViolation,
            message_en: "forged".into(),
            message_vi: "giả mạo".into(),
        },
        accepted_heads: Vec::new(),
    }
    .encode();
    let ephemeral = |sender: &PeerId, data: Vec<u8>| Message::Ephemeral {
        document_id: lsn,
        sender_id: sender.clone(),
        target_id: PeerId::from("anyone"),
        count: 1,
        session_id: "s".into(),
        data,
    };

    // The relay's notice, sent by CBG under its own name: refused.
    let (mut cbg, _) = joined_as(&url, &relay.token("CBG"), "cbg-raw").await;
    send(
        &mut cbg,
        &ephemeral(&PeerId::from("cbg-raw"), forged_notice.clone()),
    )
    .await;
    assert_eq!(error_of(&mut cbg).await.0, "reserved-ephemeral");
    // Under the relay's name: refused.
    let (mut cbg, _) = joined_as(&url, &relay.token("CBG"), "cbg-raw").await;
    send(&mut cbg, &ephemeral(&relay_id, forged_notice)).await;
    assert_eq!(error_of(&mut cbg).await.0, "sender-mismatch");
    // Too large: refused.
    let (mut cbg, _) = joined_as(&url, &relay.token("CBG"), "cbg-raw").await;
    send(
        &mut cbg,
        &ephemeral(&PeerId::from("cbg-raw"), vec![0; 64 * 1024]),
    )
    .await;
    assert_eq!(error_of(&mut cbg).await.0, "ephemeral-too-large");

    // An ordinary ephemeral message (presence, a cursor) still goes through,
    // under its true sender.
    let (mut cbg, _) = joined_as(&url, &relay.token("CBG"), "cbg-raw").await;
    send(
        &mut cbg,
        &Message::Request {
            document_id: lsn,
            sender_id: PeerId::from("cbg-raw"),
            target_id: relay_id.clone(),
            data: empty_sync(),
        },
    )
    .await;
    let presence = encode_value(&CborValue::Map(vec![(
        CborValue::Text("dangXem".into()),
        CborValue::Text("Bình xét".into()),
    )]));
    send(
        &mut cbg,
        &ephemeral(&PeerId::from("cbg-raw"), presence.clone()),
    )
    .await;
    loop {
        match recv(&mut listener).await {
            Some(Message::Ephemeral {
                sender_id, data, ..
            }) => {
                assert_eq!(sender_id, PeerId::from("cbg-raw"));
                assert_eq!(data, presence);
                assert!(RejectionNotice::decode(&data).is_none());
                break;
            }
            Some(_) => continue,
            None => panic!("the listener was closed"),
        }
    }

    // A flood of ephemeral messages is cut off, not forwarded without end.
    let mut flood = 0;
    let cut = loop {
        flood += 1;
        let m = ephemeral(&PeerId::from("cbg-raw"), presence.clone());
        if cbg
            .send(tokio_tungstenite::tungstenite::Message::Binary(
                m.encode().into(),
            ))
            .await
            .is_err()
        {
            break true;
        }
        if flood > 5000 {
            break false;
        }
    };
    let closed = cut || matches!(error_of(&mut cbg).await.0.as_str(), "ephemeral-rate");
    assert!(closed, "the flooding connection is closed");

    assert_eq!(heads_but(&relay, honest.doc).await, before);
    honest.finish().await;
}

/// A compressed change chunk that inflates to `inflated` zero bytes.
fn deflate_bomb(inflated: usize) -> Vec<u8> {
    let packed = {
        use std::io::Write;
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        let block = vec![0u8; 1 << 20];
        for _ in 0..inflated.div_ceil(block.len()) {
            e.write_all(&block).expect("compress");
        }
        e.finish().expect("compress")
    };
    let mut chunk = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 2];
    leb128(&mut chunk, packed.len() as u64);
    chunk.extend(packed);
    chunk
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bombs_and_impossible_counts_are_refused_before_they_cost_anything() {
    let relay = TestRelay::start("hostile-bombs").await;
    let honest = bystander(&relay);
    let url = relay.ws_url();
    let lsn = relay.office_doc("LSN");
    let before = heads_but(&relay, honest.doc).await;

    // A deflate bomb from a device that may only read: over the budget
    // like anyone's (a reader's changes are metered too: it may echo
    // changes the relay already has, which are not refused).
    let bomb = deflate_bomb(128 << 20);
    let mut s = joined(&url, &relay.token("CBG")).await;
    send(
        &mut s,
        &sync_msg(lsn, sync_data(vec![], vec![bomb.clone()])),
    )
    .await;
    let (code, message) = error_of(&mut s).await;
    assert_eq!(code, "over-budget", "{message}");
    // From a writer: over the budget, with an error.
    let mut s = joined(&url, &relay.token("LSN")).await;
    send(&mut s, &sync_msg(lsn, sync_data(vec![], vec![bomb]))).await;
    let (code, message) = error_of(&mut s).await;
    assert_eq!(code, "over-budget", "{message}");

    // A change claiming a billion operations in a few bytes.
    let mut data = vec![0, 1, 0xaa, 1, 1, 0, 0, 0];
    let mut col = Vec::new();
    let mut n: i64 = 1_000_000_000;
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 && b & 0x40 == 0 {
            col.push(b);
            break;
        }
        col.push(b | 0x80);
    }
    col.push(1);
    data.extend([1, 0x42, col.len() as u8]);
    data.extend(&col);
    let mut chunk = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 1];
    leb128(&mut chunk, data.len() as u64);
    chunk.extend(data);
    let mut s = joined(&url, &relay.token("LSN")).await;
    send(&mut s, &sync_msg(lsn, sync_data(vec![], vec![chunk]))).await;
    assert_eq!(error_of(&mut s).await.0, "over-budget");

    // Bloom filters automerge would divide by zero with, or allocate 16 GB for.
    for bloom in [
        vec![1u8, 0, 7],
        vec![1, 10, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0],
    ] {
        let mut data = vec![0x42, 0, 0, 1, 0];
        leb128(&mut data, bloom.len() as u64);
        data.extend(bloom);
        data.push(0);
        let mut s = joined(&url, &relay.token("CBG")).await;
        send(&mut s, &sync_msg(lsn, data)).await;
        assert_eq!(error_of(&mut s).await.0, "malformed-sync-data");
    }

    // 2^40 heads in six bytes.
    let mut s = joined(&url, &relay.token("CBG")).await;
    send(
        &mut s,
        &sync_msg(lsn, vec![0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]),
    )
    .await;
    assert_eq!(error_of(&mut s).await.0, "malformed-sync-data");

    // CBOR nested 100,000 deep inside a valid-looking message.
    let mut frame = vec![0xa2];
    frame.extend(encode_value(&CborValue::Text("type".into())));
    frame.extend(encode_value(&CborValue::Text("sync".into())));
    frame.extend(encode_value(&CborValue::Text("x".into())));
    frame.extend(std::iter::repeat_n(0x81, 100_000));
    frame.push(0);
    let mut s = joined(&url, &relay.token("CBG")).await;
    send_bytes(&mut s, frame).await;
    assert_eq!(error_of(&mut s).await.0, "over-budget");

    assert_eq!(heads_but(&relay, honest.doc).await, before);
    honest.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asking_for_the_whole_document_again_and_again_is_cut_off() {
    let relay = TestRelay::start("hostile-resync").await;
    let honest = bystander(&relay);
    let url = relay.ws_url();
    let lsn = relay.office_doc("LSN");
    let mut s = joined(&url, &relay.token("CBG")).await;
    let mut full_answers = 0;
    let code = loop {
        // Ten bytes: "I have nothing".
        send(&mut s, &sync_msg(lsn, empty_sync())).await;
        match recv(&mut s).await {
            Some(Message::Sync { .. }) => full_answers += 1,
            Some(Message::Error { code, .. }) => break code.unwrap_or_default(),
            other => panic!("unexpected {other:?}"),
        }
        assert!(
            full_answers < 20,
            "the relay kept sending the whole document"
        );
    };
    assert_eq!(code, "resync-limit");
    assert!(full_answers <= Limits::default().gate.max_full_syncs as usize);
    honest.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_device_is_closed_even_when_silent_and_connections_are_limited() {
    let limits = Limits {
        max_connections_per_token: 2,
        ..Limits::default()
    };
    let relay = TestRelay::start_with("hostile-revoke", limits).await;
    let url = relay.ws_url();
    let lsn = relay.office_doc("LSN");
    let store = TokenStore::open(&relay.data_dir);
    let (token, _) = store.issue("LSN", "stolen-laptop").unwrap();

    let mut a = joined(&url, &token).await;
    send(&mut a, &sync_msg(lsn, empty_sync())).await;
    assert!(matches!(recv(&mut a).await, Some(Message::Sync { .. })));
    let _b = joined(&url, &token).await;
    // A third connection of the same device is refused with a reason.
    let mut c = wire::raw(&url, Some(&token)).await;
    assert_eq!(error_of(&mut c).await.0, "too-many-connections");

    // Revoked while silent: closed within seconds without sending anything.
    store.revoke("LSN/stolen-laptop").unwrap();
    let started = std::time::Instant::now();
    assert_eq!(error_of(&mut a).await.0, "token-revoked");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_with_missing_dependencies_wait_outside_the_document() {
    let relay = TestRelay::start("hostile-orphans").await;
    let url = relay.ws_url();
    let lsn = relay.office_doc("LSN");
    let base = relay_doc(&relay, lsn).await;
    let mut fork = base.fork();
    let mut chain = Vec::new();
    for i in 0..3 {
        let mut tx = fork.transaction();
        tx.put(automerge::ROOT, "ghiChu", format!("bước {i}"))
            .unwrap();
        tx.commit();
        chain.push(fork.get_last_local_change().unwrap().raw_bytes().to_vec());
    }
    let heads = fork.get_heads();
    let mut s = joined(&url, &relay.token("LSN")).await;
    // The last two without the first: nothing applies, nothing is refused.
    send(
        &mut s,
        &sync_msg(lsn, sync_data(heads.clone(), chain[1..].to_vec())),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(relay_doc(&relay, lsn).await.get_heads(), base.get_heads());
    // The missing one arrives: all three are checked and applied.
    send(
        &mut s,
        &sync_msg(lsn, sync_data(heads.clone(), chain[..1].to_vec())),
    )
    .await;
    let deadline = std::time::Instant::now() + PATIENCE;
    while relay_doc(&relay, lsn).await.get_heads() != heads {
        assert!(
            std::time::Instant::now() < deadline,
            "the completed chain was applied"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let doc = relay_doc(&relay, lsn).await;
    assert_eq!(
        shared::schema::read::text(&doc, &automerge::ROOT, "ghiChu").as_deref(),
        Some("bước 2")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_that_stops_reading_is_disconnected_and_others_go_on() {
    let limits = Limits {
        max_outbox_bytes: 256 * 1024,
        write_timeout: Duration::from_secs(2),
        ..Limits::default()
    };
    let relay = TestRelay::start_with("hostile-slow", limits).await;
    let honest = bystander(&relay);
    let lsn = relay.office_doc("LSN");
    // A socket with a tiny receive buffer that never reads after the handshake.
    let addr = relay.running.addr;
    let tcp = tokio::net::TcpSocket::new_v4().unwrap();
    tcp.set_recv_buffer_size(4096).unwrap();
    let stream = tcp.connect(addr).await.unwrap();
    let url = format!("ws://{addr}/sync?token={}", relay.token("CBG"));
    let stream = tokio_tungstenite::MaybeTlsStream::Plain(stream);
    let (mut slow, _) = tokio_tungstenite::client_async(url, stream).await.unwrap();
    send(
        &mut slow,
        &Message::Join {
            sender_id: PeerId::from("slow"),
            supported_protocol_versions: vec!["1".into()],
            metadata: None,
        },
    )
    .await;
    for doc in relay.directory().all_docs() {
        send(&mut slow, &sync_msg(doc, empty_sync())).await;
    }
    // LSN writes a lot; the relay owes the slow device every change.
    let writer = relay.device("LSN", "writer");
    writer.open(lsn);
    writer.wait_synced(lsn, PATIENCE).await.unwrap();
    let filler = "x".repeat(15_000);
    let peers = |relay: &TestRelay| {
        let hub = relay.running.hub.clone();
        async move { hub.ready_peers().await.unwrap_or(0) }
    };
    let with_slow = peers(&relay).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut n = 0;
    while peers(&relay).await >= with_slow {
        assert!(
            std::time::Instant::now() < deadline,
            "the slow device was never dropped"
        );
        set_text(
            &writer,
            lsn,
            &format!("ghiChu{}", n % 50),
            &format!("{filler}{n}"),
        )
        .await;
        writer.wait_synced(lsn, PATIENCE).await.unwrap();
        n += 1;
    }
    // The writer and the bystander were never held up for long.
    writer.wait_synced(lsn, PATIENCE).await.unwrap();
    honest.finish().await;
}

/// The relay as its own process: its peak memory is measurable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decompression_bomb_keeps_the_relay_small_and_responsive() {
    let data_dir = thidua_tests::temp_dir("hostile-memory");
    let port = thidua_tests::free_port();
    let (mut child, tokens) = thidua_tests::spawn_relay(&data_dir, port).await;
    let pid = child.id().expect("relay pid");
    let token = |office: &str| {
        tokens
            .iter()
            .find(|(c, _)| c == office)
            .map(|(_, t)| t.clone())
            .expect("token")
    };
    let url = format!("ws://127.0.0.1:{port}/sync");
    let dir: shared::cluster::Directory =
        serde_json::from_slice(&std::fs::read(data_dir.join("cluster.json")).unwrap()).unwrap();
    let (lsn, sla) = (
        dir.office_doc("LSN").unwrap(),
        dir.office_doc("SLA").unwrap(),
    );
    let honest = thidua_tests::device(&url, &token("SLA"), "honest");
    honest.open(sla);
    honest.wait_synced(sla, PATIENCE).await.unwrap();

    // ~2 MiB of DEFLATE that inflates to 2 GiB, from a reader and a writer.
    let bomb = deflate_bomb(2 << 30);
    assert!(bomb.len() < 15 << 20, "the frame fits the 16 MiB limit");
    for office in ["CBG", "LSN"] {
        let mut s = joined(&url, &token(office)).await;
        send(
            &mut s,
            &sync_msg(lsn, sync_data(vec![], vec![bomb.clone()])),
        )
        .await;
        set_text(&honest, sla, "ghiChu", office).await;
        honest
            .wait_synced(sla, PATIENCE)
            .await
            .expect("the honest edit goes through");
        let (code, message) = error_of(&mut s).await;
        assert_eq!(code, "over-budget", "{office}: {message}");
    }
    let peak = thidua_tests::peak_rss(pid).expect("relay memory");
    assert!(peak < 400 << 20, "relay peak memory {} MB", peak >> 20);
    assert!(child.try_wait().unwrap().is_none(), "the relay is alive");
    let _ = child.kill().await;
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deeply_nested_change_costs_the_relay_its_size_not_its_depth_squared() {
    // The gate finds the records a change touched from the path of each
    // operation's object: walked from the root for every operation, a chain
    // of 20,000 nested maps would cost 200 million steps and hold the hub.
    let relay = TestRelay::start("hostile-deep").await;
    let lsn = relay.office_doc("LSN");
    let honest = bystander(&relay);
    let base = relay_doc(&relay, lsn).await;
    let (change, heads) = forged(&base, |tx| {
        let mut obj = tx
            .put_object(automerge::ROOT, "ghiChuSau", automerge::ObjType::Map)
            .unwrap();
        for _ in 1..20_000 {
            obj = tx.put_object(&obj, "a", automerge::ObjType::Map).unwrap();
        }
        tx.put(&obj, "day", "sâu").unwrap();
    });
    let mut s = joined(&relay.ws_url(), &relay.token("LSN")).await;
    send(
        &mut s,
        &sync_msg(lsn, sync_data(heads.clone(), vec![change])),
    )
    .await;
    // An unknown key is kept and ignored: the change is valid and applied,
    // and the honest device's edits kept being acknowledged meanwhile.
    // A hub held by the check does not even answer this read: bound it.
    let applied = tokio::time::timeout(PATIENCE, async {
        while relay_doc(&relay, lsn).await.get_heads() != heads {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(
        applied.is_ok(),
        "the nested change was checked and applied in time"
    );
    honest.finish().await;
}

/// Changes only another document's rules object to (scores for criteria the
/// relay's copy of the cluster document does not have yet) are held for a
/// few seconds instead of refused at once. Held messages cost memory: a
/// device opening many connections, each sending a large such message, must
/// not make the relay hold them all. Past the bound the connection is told
/// to come back later (nothing of it was applied) and the honest device goes
/// on; what was held is refused once its time is up, and nothing is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_held_for_another_documents_rules_are_bounded() {
    let mut limits = Limits {
        max_connections_per_token: 16,
        ..Limits::default()
    };
    limits.gate.max_held_bytes = 256 * 1024;
    limits.gate.defer_ms = 3_000;
    let relay = TestRelay::start_with("hostile-held", limits).await;
    let honest = bystander(&relay);
    let url = relay.ws_url();
    let lsn = relay.office_doc("LSN");
    let base = relay_doc(&relay, lsn).await;
    let mut refused = 0;
    let mut told_to_wait = 0;
    let mut sockets = Vec::new();
    for conn in 0..8 {
        // ~100 KiB: scores for 2,000 criteria that do not exist (yet).
        let (change, heads) = forged(&base, |tx| {
            let scores = shared::schema::read::map(tx, &automerge::ROOT, "selfScores").unwrap();
            for n in 0..2_000 {
                let s = tx
                    .put_object(&scores, format!("Z{conn}-{n}"), automerge::ObjType::Map)
                    .unwrap();
                tx.put(&s, "points", 1).unwrap();
                tx.put(&s, "note", "điểm cho tiêu chí chưa có trong bảng")
                    .unwrap();
            }
        });
        let mut s = joined(&url, &relay.token("LSN")).await;
        send(&mut s, &sync_msg(lsn, sync_data(heads, vec![change]))).await;
        sockets.push(s);
    }
    for mut s in sockets {
        match refusal_or_error(&mut s).await {
            Ok(n) => {
                assert_eq!(n.rejection.code, RejectCode::SchemaViolation);
                refused += 1;
            }
            Err((code, message)) => {
                assert_eq!(code, "document-not-ready", "{message}");
                assert!(message.contains("reconnect"), "{message}");
                told_to_wait += 1;
            }
        }
    }
    assert!(refused >= 1, "the first messages were held, then refused");
    assert!(
        told_to_wait >= 4,
        "held messages are bounded: {refused} held, {told_to_wait} told to wait"
    );
    assert_eq!(relay_doc(&relay, lsn).await.get_heads(), base.get_heads());
    honest.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_padded_into_a_huge_compressed_chunk_costs_the_relay_only_the_change() {
    // Deflate allows padding: a device wraps a small, valid change of its
    // own document in a compressed chunk of two megabytes (a frame allows 16).
    // The relay takes the change; what it keeps of it (to forward and
    // store) must be the change, not the device's chunk.
    let relay = TestRelay::start("hostile-padded").await;
    let url = relay.ws_url();
    let lsn = relay.office_doc("LSN");
    let base = relay_doc(&relay, lsn).await;
    let mut fork = base.fork();
    let mut tx = fork.transaction();
    tx.put(automerge::ROOT, "name", "Văn phòng Lạng Sơn")
        .unwrap();
    tx.commit();
    let heads = fork.get_heads();
    let change = fork.get_changes(&base.get_heads()).pop().unwrap();
    let padded = padded_compressed_chunk(&change, 400_000);
    assert!(padded.len() > 1 << 20);

    let mut s = joined(&url, &relay.token("LSN")).await;
    send(
        &mut s,
        &sync_msg(lsn, sync_data(heads.clone(), vec![padded])),
    )
    .await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while relay_doc(&relay, lsn).await.get_heads() != heads {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the relay did not take the padded change"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut kept = relay_doc(&relay, lsn).await.get_changes(&base.get_heads());
    assert_eq!(kept.len(), 1);
    let held = kept[0].bytes().len();
    assert!(
        held <= change.raw_bytes().len(),
        "the relay holds {held} bytes for a change of {}",
        change.raw_bytes().len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asking_for_the_same_change_twice_gets_it_once_and_cuts_nobody_off() {
    // Any device of the cluster may read every document, so may ask for
    // changes by hash (a sync message's `need`). automerge 0.12.0 rebuilt
    // a change asked for twice from its columns twice in one batch, failed
    // and panicked: the relay survived, but closed the connection of
    // whichever device's message made it answer.
    let relay = TestRelay::start("hostile-need-twice").await;
    let honest = bystander(&relay);
    let url = relay.ws_url();
    let lsn = relay.office_doc("LSN");
    let history = relay_doc(&relay, lsn).await.get_changes(&[]);
    let oldest = history[0].hash();
    let mut s = joined(&url, &relay.token("CBG")).await;
    let mut need = vec![oldest, history[1].hash(), oldest];
    need.sort();
    let asking = automerge::sync::Message {
        heads: Vec::new(),
        need,
        have: Vec::new(),
        changes: automerge::sync::ChunkList::empty(),
        flags: None,
        version: automerge::sync::MessageVersion::V1,
    };
    send(&mut s, &sync_msg(lsn, asking.encode())).await;
    let answer = loop {
        match recv(&mut s).await {
            Some(Message::Sync { data, .. }) => {
                let m = automerge::sync::Message::decode(&data).expect("a sync message");
                if !m.changes.is_empty() {
                    break m;
                }
            }
            Some(Message::Error { code, message }) => {
                panic!("the relay closed the reader: {code:?} {message}")
            }
            Some(_) => {}
            None => panic!("the relay closed the reader's connection"),
        }
    };
    let mut carried: Vec<ChangeHash> = answer
        .changes
        .iter()
        .map(|c| automerge::Change::from_bytes(c.to_vec()).unwrap().hash())
        .collect();
    carried.sort();
    let mut asked = vec![oldest, history[1].hash()];
    asked.sort();
    assert_eq!(carried, asked, "each change asked for, once");
    // The reader goes on: it asks again (nothing this time) and is answered.
    send(&mut s, &sync_msg(lsn, empty_sync())).await;
    assert!(matches!(recv(&mut s).await, Some(Message::Sync { .. })));
    honest.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_that_lies_about_its_dependencies_cuts_nobody_off() {
    // A whole document stores each change's dependencies as indexes into its
    // own changes; automerge 0.12.0 trusted them and panicked on one past the
    // end. Any device may send a document in a sync message (a reader's is
    // refused only after it is read): the relay must read it as an error,
    // and the device and everyone else go on.
    let relay = TestRelay::start("hostile-deps").await;
    let honest = bystander(&relay);
    let url = relay.ws_url();
    let lsn = relay.office_doc("LSN");
    let mut doc = automerge::AutoCommit::new();
    for i in 0..3 {
        doc.put(automerge::ROOT, format!("k{i}"), i as i64).unwrap();
        doc.commit();
    }
    let saved = doc.document().save_nocompress();
    let lying = wire::document_with_dependencies(&saved, &[0, 9]);
    for token in [relay.token("CBG"), relay.token("LSN")] {
        let mut s = joined(&url, &token).await;
        send(
            &mut s,
            &sync_msg(lsn, sync_data(doc.get_heads(), vec![lying.clone()])),
        )
        .await;
        // Then an ordinary question: answered on the same connection.
        send(&mut s, &sync_msg(lsn, empty_sync())).await;
        loop {
            match recv(&mut s).await {
                Some(Message::Sync { .. }) => break,
                Some(Message::Error { code, message }) => {
                    panic!("the relay cut the device off: {code:?} {message}")
                }
                Some(_) => {}
                None => panic!("the relay closed the device's connection"),
            }
        }
    }
    let held = relay_doc(&relay, lsn).await;
    assert!(
        automerge::ReadDoc::get(&held, automerge::ROOT, "k0")
            .unwrap()
            .is_none()
    );
    honest.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_document_with_a_valid_checksum_gets_an_error_not_a_crash() {
    // A checksum proves nothing: anyone can compute one. automerge 0.12
    // panics reading some damaged documents (columns that end too early,
    // indexes past an end); the relay reads what a device sends on a copy,
    // so the device gets a clear error, and the document is not dropped.
    let mut doc = automerge::AutoCommit::new();
    let list = doc
        .put_object(automerge::ROOT, "list", automerge::ObjType::List)
        .unwrap();
    for i in 0..6 {
        doc.put(automerge::ROOT, format!("k{}", i % 3), i as i64)
            .unwrap();
        doc.insert(&list, 0, "x").unwrap();
        doc.commit();
    }
    let saved = doc.document().save_nocompress();
    // Find, by seeded byte changes, a damaged document automerge fails on.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let damaged = (0..50_000)
        .map(|_| {
            let mut body = wire::chunk_body(&saved).to_vec();
            let i = (next() % body.len() as u64) as usize;
            body[i] ^= 1 << (next() % 8);
            wire::with_body(&saved, &body)
        })
        .find(|c| {
            std::panic::catch_unwind(|| automerge::AutoCommit::new().load_incremental(c)).is_err()
        });
    std::panic::set_hook(quiet);
    let damaged = damaged.expect("a damaged document automerge fails on");

    let relay = TestRelay::start("hostile-damaged").await;
    let honest = bystander(&relay);
    let url = relay.ws_url();
    let lsn = relay.office_doc("LSN");
    let held = relay_doc(&relay, lsn).await.get_heads();
    for token in [relay.token("LSN"), relay.token("CBG")] {
        let mut s = joined(&url, &token).await;
        send(
            &mut s,
            &sync_msg(lsn, sync_data(doc.get_heads(), vec![damaged.clone()])),
        )
        .await;
        match refusal_or_error(&mut s).await {
            Err((code, message)) => {
                assert_eq!(code, "malformed-sync-data", "{message}");
                assert!(message.contains("damaged"), "{message}");
            }
            Ok(notice) => panic!("refused as a rule break, not as damaged: {notice:?}"),
        }
    }
    assert_eq!(relay_doc(&relay, lsn).await.get_heads(), held);
    honest.finish().await;
}
