//! Per-office write rights on a real relay.

use automerge::transaction::Transactable;
use shared::core::{Event, RejectCode};
use thidua_tests::{PATIENCE, TestRelay, heads, root_text, set_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_cannot_change_another_offices_document_but_keeps_syncing_its_own() {
    let relay = TestRelay::start("rights").await;
    let (lsn, cbg) = (relay.office_doc("LSN"), relay.office_doc("CBG"));
    let a = relay.device("LSN", "lsn-1");
    let b = relay.device("CBG", "cbg-1");
    for c in [&a, &b] {
        c.open(lsn);
        c.open(cbg);
        c.wait_synced(lsn, PATIENCE).await.unwrap();
        c.wait_synced(cbg, PATIENCE).await.unwrap();
    }
    let cbg_before = heads(&b, cbg).await;

    // A forces a change into CBG's document (the app would not let it).
    a.change(cbg, |tx| {
        tx.put(automerge::ROOT, "name", "Đã bị sửa trái phép")?;
        Ok(())
    })
    .await
    .unwrap();
    a.wait_until("the relay's refusal", PATIENCE, move |v| {
        v.events.iter().any(|e| matches!(e,
            Event::Rejected { doc, rejection, .. } if *doc == cbg && rejection.code == RejectCode::NotWritable))
    })
    .await
    .unwrap();
    let reason = a
        .read(move |v| {
            v.events.iter().find_map(|e| match e {
                Event::Rejected { rejection, .. } => Some(rejection.message_vi.clone()),
                _ => None,
            })
        })
        .await
        .unwrap();
    assert!(
        reason.contains("không được sửa"),
        "reason in Vietnamese: {reason}"
    );

    // A still syncs its own document on the same connection.
    set_text(&a, lsn, "ghiChu", "Lạng Sơn vẫn đồng bộ").await;
    a.wait_synced(lsn, PATIENCE).await.unwrap();
    b.wait_until("LSN's edit at CBG", PATIENCE, move |v| {
        v.core
            .doc(&lsn)
            .is_some_and(|d| shared::schema::read::text(d, &automerge::ROOT, "ghiChu").is_some())
    })
    .await
    .unwrap();

    // CBG's document is unchanged on the relay and at B.
    let relay_heads = relay
        .running
        .hub
        .copies(vec![cbg])
        .await
        .and_then(|mut c| c.remove(&cbg))
        .map(|doc| doc.get_heads())
        .unwrap();
    assert_eq!(relay_heads, cbg_before);
    assert_eq!(heads(&b, cbg).await, cbg_before);
    assert_eq!(
        root_text(&b, cbg, "name").await.as_deref(),
        Some("Văn phòng Đoàn ĐBQH và HĐND tỉnh Cao Bằng")
    );
    // Only one connection per device was ever needed: no reconnect storm.
    let connects = a
        .read(|v| {
            v.events
                .iter()
                .filter(|e| matches!(e, Event::PeerReady { .. }))
                .count()
        })
        .await;
    assert_eq!(connects, 1);

    // A rebuilds from the relay's state; its refused edit is kept as a draft.
    assert!(a.rebuild_from_relay(cbg).await);
    a.wait_synced(cbg, PATIENCE).await.unwrap();
    assert_eq!(heads(&a, cbg).await, cbg_before);
    let drafts = a.read(move |v| v.core.drafts(&cbg).len()).await;
    assert_eq!(drafts, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_leading_office_writes_the_cluster_document() {
    let relay = TestRelay::start("leader").await;
    let cluster = relay.directory().cluster_doc().unwrap();
    let leader = relay.device("LSN", "lsn-1");
    let member = relay.device("SLA", "sla-1");
    for c in [&leader, &member] {
        c.open(cluster);
        c.wait_synced(cluster, PATIENCE).await.unwrap();
    }
    set_text(
        &leader,
        cluster,
        "name",
        "Cụm thi đua miền núi phía Bắc 2026",
    )
    .await;
    leader.wait_synced(cluster, PATIENCE).await.unwrap();
    member
        .wait_until("the leader's edit", PATIENCE, move |v| {
            v.core.doc(&cluster).is_some_and(|d| {
                shared::schema::read::text(d, &automerge::ROOT, "name").as_deref()
                    == Some("Cụm thi đua miền núi phía Bắc 2026")
            })
        })
        .await
        .unwrap();
    set_text(&member, cluster, "name", "Sơn La tự đổi tên cụm").await;
    member
        .wait_until("refusal", PATIENCE, move |v| {
            v.events
                .iter()
                .any(|e| matches!(e, Event::Rejected { doc, .. } if *doc == cluster))
        })
        .await
        .unwrap();
    assert_eq!(
        root_text(&leader, cluster, "name").await.as_deref(),
        Some("Cụm thi đua miền núi phía Bắc 2026")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_score_above_the_criterion_maximum_is_refused_by_the_relay() {
    let relay = TestRelay::start("schema").await;
    let lsn = relay.office_doc("LSN");
    let cluster = relay.directory().cluster_doc().unwrap();
    let a = relay.device("LSN", "lsn-1");
    a.open(lsn);
    a.open(cluster);
    a.wait_synced(lsn, PATIENCE).await.unwrap();
    let before = heads(&a, lsn).await;
    // C1's maximum in the demo scoring table is 25.
    a.change(lsn, |tx| {
        let scores = shared::schema::read::map(tx, &automerge::ROOT, "selfScores").unwrap();
        let s = tx.put_object(&scores, "C1", automerge::ObjType::Map)?;
        tx.put(&s, "points", 30)?;
        Ok(())
    })
    .await
    .unwrap();
    a.wait_until("refusal", PATIENCE, move |v| {
        v.events.iter().any(|e| matches!(e,
            Event::Rejected { doc, rejection, .. } if *doc == lsn && rejection.code == RejectCode::SchemaViolation
                && rejection.message_vi.contains("vượt quá điểm tối đa 25")))
    })
    .await
    .unwrap();
    let relay_heads = relay
        .running
        .hub
        .copies(vec![lsn])
        .await
        .and_then(|mut c| c.remove(&lsn))
        .map(|doc| doc.get_heads())
        .unwrap();
    assert_eq!(relay_heads, before);
}
