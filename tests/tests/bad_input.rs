//! Bad input gets a clear error; other devices keep syncing.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use relay::Limits;
use relay::tokens::TokenStore;
use shared::protocol::messages::{CborValue, encode_value};
use shared::protocol::{DocumentId, Message, PeerId};
use thidua_tests::wire::{error_of, joined, raw, recv, send};
use thidua_tests::{PATIENCE, TestRelay, set_text};
use tokio_tungstenite::tungstenite::Message as Ws;

/// Another device edits and syncs while the bad input happens.
async fn others_still_sync(relay: &TestRelay, n: usize) {
    let doc = relay.office_doc("CBG");
    let c = relay.device("CBG", &format!("bystander-{n}"));
    c.open(doc);
    set_text(&c, doc, "ghiChu", &format!("vẫn đồng bộ {n}")).await;
    c.wait_synced(doc, PATIENCE).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_missing_unknown_or_revoked_are_refused_with_a_reason() {
    let relay = TestRelay::start("tokens").await;
    let url = relay.ws_url();
    let mut s = raw(&url, None).await;
    let (code, message) = error_of(&mut s).await;
    assert_eq!(code, "token-missing");
    assert!(message.contains("token"));

    let mut s = raw(&url, Some("td1.000000000000.nope")).await;
    assert_eq!(error_of(&mut s).await.0, "token-unknown");

    let store = TokenStore::open(&relay.data_dir);
    let (token, _) = store.issue("LSN", "stolen-laptop").unwrap();
    let mut ok = joined(&url, &token).await;
    store.revoke("LSN/stolen-laptop").unwrap();
    // The open connection is closed within seconds, even silent; new ones are refused.
    let (code, _) = error_of(&mut ok).await;
    assert_eq!(code, "token-revoked");
    let mut s = raw(&url, Some(&token)).await;
    assert_eq!(error_of(&mut s).await.0, "token-revoked");

    // HTTP too.
    let status = http_status(&relay, "/api/directory", Some(&token)).await;
    assert!(status.starts_with("HTTP/1.1 401"), "{status}");
    let status = http_status(&relay, "/api/directory", Some(&relay.token("LSN"))).await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    others_still_sync(&relay, 0).await;
}

/// A damaged token file accepts nobody, over HTTP or WebSocket, with a reason
/// that sends the user to the administrator (not "get a new token"); the
/// repaired file is used again at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_token_file_refuses_everyone_until_repaired() {
    let relay = TestRelay::start("tokens-damaged").await;
    let path = relay.data_dir.join("tokens.json");
    let good = std::fs::read(&path).unwrap();
    std::fs::write(&path, &good[..good.len() / 2]).unwrap();
    let token = relay.token("LSN");
    let (status, _, body) =
        thidua_tests::http_get(relay.running.addr, "/api/directory", Some(&token)).await;
    assert!(status.starts_with("HTTP/1.1 503"), "{status}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["error"], "tokens-unavailable");
    assert!(json["message"].as_str().unwrap().contains("administrator"));
    assert!(
        json["messageVi"]
            .as_str()
            .unwrap()
            .contains("quản trị viên")
    );
    let mut s = raw(&relay.ws_url(), Some(&token)).await;
    assert_eq!(error_of(&mut s).await.0, "tokens-unavailable");

    std::fs::write(&path, &good).unwrap();
    let status = http_status(&relay, "/api/directory", Some(&token)).await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    others_still_sync(&relay, 1).await;
}

async fn http_status(relay: &TestRelay, path: &str, token: Option<&str>) -> String {
    thidua_tests::http_get(relay.running.addr, path, token)
        .await
        .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_unknown_and_oversized_frames_get_clear_errors() {
    let limits = Limits {
        max_frame_bytes: 64 * 1024,
        ..Limits::default()
    };
    let relay = TestRelay::start_with("frames", limits).await;
    let url = relay.ws_url();
    let token = relay.token("LSN");

    let mut s = joined(&url, &token).await;
    s.send(Ws::Binary(vec![0xff, 0x13, 0x37].into()))
        .await
        .unwrap();
    let (code, message) = error_of(&mut s).await;
    assert_eq!(code, "malformed-message");
    assert!(message.contains("CBOR"), "{message}");
    others_still_sync(&relay, 1).await;

    let mut s = joined(&url, &token).await;
    let gossip = encode_value(&ciborium_map(&[
        ("type", "gossip"),
        ("senderId", "raw-test"),
    ]));
    s.send(Ws::Binary(gossip.into())).await.unwrap();
    let (code, message) = error_of(&mut s).await;
    assert_eq!(code, "malformed-message");
    assert!(
        message.contains("unknown message type \"gossip\""),
        "{message}"
    );
    others_still_sync(&relay, 2).await;

    let mut s = joined(&url, &token).await;
    let huge = Message::Sync {
        document_id: relay.office_doc("LSN"),
        sender_id: PeerId::from("raw-test"),
        target_id: PeerId::from("relay"),
        data: vec![0x42; 100 * 1024],
    };
    send(&mut s, &huge).await;
    let (code, message) = error_of(&mut s).await;
    assert_eq!(code, "frame-too-large");
    assert!(message.contains("65536"), "{message}");
    others_still_sync(&relay, 3).await;

    let mut s = joined(&url, &token).await;
    let garbage_sync = Message::Sync {
        document_id: relay.office_doc("LSN"),
        sender_id: PeerId::from("raw-test"),
        target_id: PeerId::from("relay"),
        data: vec![1, 2, 3],
    };
    send(&mut s, &garbage_sync).await;
    let (code, _) = error_of(&mut s).await;
    assert_eq!(code, "malformed-sync-data");

    // A message before `join`.
    let mut s = raw(&url, Some(&token)).await;
    send(
        &mut s,
        &Message::Leave {
            sender_id: PeerId::from("x"),
        },
    )
    .await;
    let (code, message) = error_of(&mut s).await;
    assert_eq!(code, "join-expected");
    assert!(message.contains("join"));
    others_still_sync(&relay, 4).await;
}

fn ciborium_map(pairs: &[(&str, &str)]) -> CborValue {
    CborValue::Map(
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    CborValue::Text(k.to_string()),
                    CborValue::Text(v.to_string()),
                )
            })
            .collect(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_outside_the_cluster_is_unavailable_and_the_connection_stays() {
    let relay = TestRelay::start("outside").await;
    let url = relay.ws_url();
    let mut s = joined(&url, &relay.token("LSN")).await;
    let stranger = DocumentId::from_bytes([42; 16]);
    let empty_sync = {
        let d = automerge::Automerge::new();
        let mut st = automerge::sync::State::new();
        automerge::sync::SyncDoc::generate_sync_message(&d, &mut st)
            .unwrap()
            .encode()
    };
    send(
        &mut s,
        &Message::Request {
            document_id: stranger,
            sender_id: PeerId::from("raw-test"),
            target_id: PeerId::from("relay"),
            data: empty_sync.clone(),
        },
    )
    .await;
    assert!(
        matches!(recv(&mut s).await, Some(Message::DocUnavailable { document_id, .. }) if document_id == stranger)
    );
    match recv(&mut s).await {
        Some(Message::Ephemeral {
            document_id, data, ..
        }) => {
            assert_eq!(document_id, stranger);
            let notice = shared::core::RejectionNotice::decode(&data).unwrap();
            assert_eq!(
                notice.rejection.code,
                shared::core::RejectCode::NotInCluster
            );
            assert!(notice.rejection.message_vi.contains("không thuộc cụm"));
        }
        other => panic!("expected a rejection notice, got {other:?}"),
    }
    // Still connected: the office's own document syncs on the same socket.
    send(
        &mut s,
        &Message::Request {
            document_id: relay.office_doc("LSN"),
            sender_id: PeerId::from("raw-test"),
            target_id: PeerId::from("relay"),
            data: empty_sync,
        },
    )
    .await;
    assert!(matches!(recv(&mut s).await, Some(Message::Sync { .. })));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_documents_and_idle_connections_are_closed_with_a_reason() {
    let limits = Limits {
        max_docs_per_connection: 2,
        idle_timeout: Duration::from_millis(900),
        ..Limits::default()
    };
    let relay = TestRelay::start_with("limits", limits).await;
    let url = relay.ws_url();
    let mut s = joined(&url, &relay.token("LSN")).await;
    let empty_sync = {
        let d = automerge::Automerge::new();
        let mut st = automerge::sync::State::new();
        automerge::sync::SyncDoc::generate_sync_message(&d, &mut st)
            .unwrap()
            .encode()
    };
    for code in ["LSN", "CBG", "SLA"] {
        send(
            &mut s,
            &Message::Request {
                document_id: relay.office_doc(code),
                sender_id: PeerId::from("raw-test"),
                target_id: PeerId::from("relay"),
                data: empty_sync.clone(),
            },
        )
        .await;
    }
    let (code, message) = error_of(&mut s).await;
    assert_eq!(code, "too-many-documents");
    assert!(message.contains("2 documents"), "{message}");

    // A silent peer (not even answering pings, like a laptop that went to
    // sleep) is closed; a live one that answers pings stays. The socket library
    // answers pings only while we read, so one socket reads and one sleeps.
    let mut silent = joined(&url, &relay.token("LSN")).await;
    let mut live = joined(&url, &relay.token("LSN")).await;
    let live_reader = tokio::spawn(async move {
        let until = tokio::time::Instant::now() + Duration::from_millis(2500);
        loop {
            match tokio::time::timeout_at(until, live.next()).await {
                Err(_) => return true, // still open when time was up
                Ok(Some(Ok(Ws::Ping(_) | Ws::Pong(_)))) => continue,
                Ok(_) => return false,
            }
        }
    });
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let mut codes = Vec::new();
    loop {
        match tokio::time::timeout(PATIENCE, silent.next())
            .await
            .expect("relay closed it")
        {
            Some(Ok(Ws::Binary(b))) => {
                if let Ok(Message::Error { code, .. }) = Message::decode(&b) {
                    codes.push(code.unwrap_or_default());
                }
            }
            Some(Ok(Ws::Close(_))) | None | Some(Err(_)) => break,
            Some(Ok(_)) => {}
        }
    }
    assert!(codes.iter().all(|c| c == "idle-timeout"), "{codes:?}");
    assert!(live_reader.await.unwrap(), "a live connection stays open");
}
