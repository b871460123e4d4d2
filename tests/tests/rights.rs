//! Per-office write rights on a real relay.

use automerge::ReadDoc;
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

/// The leader's device changes the cluster's scoring table and scores the
/// new criterion in its own office document while offline; back online, it
/// sends both at once. The two documents are served by different worker
/// threads of the relay: the office document's rules must see the new
/// criterion (a connection's frames keep their order across workers), or
/// the score would be refused as "not in the cluster's scoring table".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_criterion_and_its_score_sent_together_are_both_accepted() {
    // Demo documents get random ids: start until the two land apart.
    let mut attempt = 0;
    let relay = loop {
        let relay = TestRelay::start("criterion-order").await;
        let cluster = relay.directory().cluster_doc().unwrap();
        let hub = &relay.running.hub;
        if hub.shard_of(&cluster) != hub.shard_of(&relay.office_doc("LSN")) {
            break relay;
        }
        attempt += 1;
        assert!(attempt < 30, "documents always on one shard");
    };
    let cluster = relay.directory().cluster_doc().unwrap();
    let lsn = relay.office_doc("LSN");
    let leader = relay.device("LSN", "lsn-1");
    for d in [cluster, lsn] {
        leader.open(d);
        leader.wait_synced(d, PATIENCE).await.unwrap();
    }
    // Several visits: which worker goes first is up to the scheduler, so
    // one visit alone might pass by luck.
    for visit in 0..6 {
        leader.set_online(false);
        let round = visit;
        let id = format!("CX{round}");
        let criterion = id.clone();
        leader
            .change(cluster, move |tx| {
                let criteria =
                    shared::schema::read::map(tx, &automerge::ROOT, "criteria").expect("criteria");
                let first = tx.keys(&criteria).next().expect("a criterion");
                let some = shared::schema::read::map(tx, &criteria, first).expect("a criterion");
                let section = shared::schema::read::text(tx, &some, "section").unwrap_or_default();
                let c = tx.put_object(&criteria, &criterion, automerge::ObjType::Map)?;
                tx.put(&c, "section", section)?;
                tx.put(&c, "title", format!("Tiêu chí bổ sung {round}"))?;
                tx.put(&c, "maxPoints", 10)?;
                tx.put(&c, "order", 100 + round)?;
                Ok(())
            })
            .await
            .expect("the leader may add a criterion");
        leader
            .change(lsn, move |tx| {
                let scores = shared::schema::read::map(tx, &automerge::ROOT, "selfScores")
                    .expect("selfScores");
                let s = tx.put_object(&scores, &id, automerge::ObjType::Map)?;
                tx.put(&s, "points", 7)?;
                tx.put(&s, "note", "chấm theo tiêu chí mới")?;
                Ok(())
            })
            .await
            .expect("the score is valid on the device");
        leader.set_online(true);
        for d in [cluster, lsn] {
            if let Err(e) = leader.wait_synced(d, PATIENCE).await {
                let info = leader
                    .read(move |v| {
                        format!(
                            "{:?} {:?}",
                            v.core.describe_sync(&d),
                            v.events.iter().rev().take(5).collect::<Vec<_>>()
                        )
                    })
                    .await;
                panic!("visit {visit}: {e}\n{info}");
            }
        }
    }
    let refused = leader
        .read(|v| {
            v.events
                .iter()
                .filter(|e| matches!(e, Event::Rejected { .. }))
                .count()
        })
        .await;
    assert_eq!(refused, 0, "nothing was refused");
    let on_disk = relay.doc_on_disk(lsn);
    let scores = shared::schema::read::map(&on_disk, &automerge::ROOT, "selfScores").unwrap();
    for round in 0..6 {
        assert!(
            shared::schema::read::map(&on_disk, &scores, format!("CX{round}")).is_some(),
            "score CX{round} stored"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_former_offices_document_is_continued_by_its_successor_and_read_by_the_others() {
    let relay = TestRelay::start("former").await;
    let ybi = relay.office_doc("YBI");
    let lci = relay.device("LCI", "lci-1");
    let cbg = relay.device("CBG", "cbg-1");
    for c in [&lci, &cbg] {
        c.open(ybi);
        c.wait_synced(ybi, PATIENCE).await.unwrap();
    }
    // Everyone reads Yên Bái's records under its own name.
    assert_eq!(
        root_text(&cbg, ybi, "name").await.as_deref(),
        Some("Văn phòng Đoàn ĐBQH và HĐND tỉnh Yên Bái")
    );
    // Lào Cai's office, its successor, continues them.
    set_text(&lci, ybi, "ghiChu", "Lào Cai bổ sung hồ sơ").await;
    lci.wait_synced(ybi, PATIENCE).await.unwrap();
    cbg.wait_until("Lào Cai's addition at Cao Bằng", PATIENCE, move |v| {
        v.core.doc(&ybi).is_some_and(|d| {
            shared::schema::read::text(d, &automerge::ROOT, "ghiChu").as_deref()
                == Some("Lào Cai bổ sung hồ sơ")
        })
    })
    .await
    .unwrap();
    // Any other office may not.
    set_text(&cbg, ybi, "ghiChu", "Cao Bằng sửa hồ sơ Yên Bái").await;
    cbg.wait_until("the relay's refusal", PATIENCE, move |v| {
        v.events.iter().any(|e| matches!(e,
            Event::Rejected { doc, rejection, .. } if *doc == ybi && rejection.code == RejectCode::NotWritable))
    })
    .await
    .unwrap();
    assert_eq!(
        root_text(&lci, ybi, "ghiChu").await.as_deref(),
        Some("Lào Cai bổ sung hồ sơ")
    );
}
