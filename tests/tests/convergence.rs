//! Devices edit offline and converge through a real relay on a real socket.

use std::time::Duration;

use shared::sim::SeededRng;
use thidua_tests::{PATIENCE, TestRelay, heads, root_text, set_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_of_one_office_converge_whichever_reconnects_first() {
    for first_back in [0usize, 1] {
        let relay = TestRelay::start("two-devices").await;
        let doc = relay.office_doc("LSN");
        let devices = [relay.device("LSN", "may-a"), relay.device("LSN", "may-b")];
        for d in &devices {
            d.open(doc);
            d.wait_synced(doc, PATIENCE).await.unwrap();
            d.set_online(false);
        }
        // Offline: different fields and the same field.
        set_text(&devices[0], doc, "ghiChuA", "Bản nháp của máy A").await;
        set_text(&devices[1], doc, "ghiChuB", "Bản nháp của máy B").await;
        set_text(&devices[0], doc, "tenKeHoach", "Kế hoạch A").await;
        set_text(&devices[1], doc, "tenKeHoach", "Kế hoạch B").await;

        let order = [first_back, 1 - first_back];
        for i in order {
            devices[i].set_online(true);
            devices[i].wait_synced(doc, PATIENCE).await.unwrap();
        }
        // The first device hears the second one's edits live.
        devices[order[0]]
            .wait_until("edits of both devices", PATIENCE, move |v| {
                v.core.doc(&doc).is_some_and(|d| {
                    shared::schema::read::text(d, &automerge::ROOT, "ghiChuB").is_some()
                        && shared::schema::read::text(d, &automerge::ROOT, "ghiChuA").is_some()
                })
            })
            .await
            .unwrap();
        devices[order[0]].wait_synced(doc, PATIENCE).await.unwrap();
        assert_eq!(heads(&devices[0], doc).await, heads(&devices[1], doc).await);
        for d in &devices {
            assert_eq!(
                root_text(d, doc, "ghiChuA").await.as_deref(),
                Some("Bản nháp của máy A")
            );
            assert_eq!(
                root_text(d, doc, "ghiChuB").await.as_deref(),
                Some("Bản nháp của máy B")
            );
        }
        // The same field: one winner everywhere, and both values kept as a conflict.
        let winner_a = root_text(&devices[0], doc, "tenKeHoach").await;
        assert_eq!(winner_a, root_text(&devices[1], doc, "tenKeHoach").await);
        let conflict = devices[0]
            .read(move |v| {
                v.core.doc(&doc).map(|d| {
                    automerge::ReadDoc::get_all(d, automerge::ROOT, "tenKeHoach")
                        .unwrap()
                        .len()
                })
            })
            .await;
        assert_eq!(conflict, Some(2));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_offices_two_devices_each_converge_on_seeded_random_schedules() {
    for seed in [3u64, 17, 42, 101, 2026] {
        let relay = TestRelay::start("random").await;
        let offices: Vec<String> = relay
            .directory()
            .offices
            .iter()
            .map(|o| o.code.clone())
            .collect();
        let all_docs = relay.directory().all_docs();
        let mut devices = Vec::new();
        for o in &offices {
            for n in 0..2 {
                let c = relay.device(o, &format!("{o}-{n}"));
                for d in &all_docs {
                    c.open(*d);
                }
                devices.push((c, relay.office_doc(o)));
            }
        }
        let mut rng = SeededRng::new(seed);
        let mut online = vec![true; devices.len()];
        let mut written = Vec::new();
        for step in 0..120 {
            let i = rng.below(devices.len() as u64) as usize;
            let (client, own) = &devices[i];
            match rng.below(5) {
                0 => {
                    online[i] = !online[i];
                    client.set_online(online[i]);
                }
                _ => {
                    let key = format!("buoc{step}");
                    set_text(client, *own, &key, &format!("thiết bị {i}")).await;
                    written.push((*own, key));
                }
            }
            if rng.below(4) == 0 {
                tokio::time::sleep(Duration::from_millis(rng.below(20))).await;
            }
        }
        for (c, _) in &devices {
            c.set_online(true);
        }
        for (c, _) in &devices {
            for d in &all_docs {
                if let Err(e) = c.wait_synced(*d, PATIENCE).await {
                    let d = *d;
                    let info = c
                        .read(move |v| {
                            format!(
                                "connected={} sync={:?} status={:?} heads={:?} events={:?}",
                                v.connected,
                                v.core.describe_sync(&d),
                                v.core.sync_status(&d),
                                v.core.doc(&d).map(|x| x.get_heads()),
                                v.events.iter().rev().take(0).collect::<Vec<_>>()
                            )
                        })
                        .await;
                    let rh = relay
                        .running
                        .hub
                        .copies(vec![d])
                        .await
                        .and_then(|mut c| c.remove(&d))
                        .map(|x| x.get_heads());
                    panic!("seed {seed}: {e}\n{info}\nrelay: {rh:?}");
                }
            }
        }
        // Everyone has what the relay has, and the relay has every edit.
        let docs = all_docs.clone();
        let relay_heads = relay
            .running
            .hub
            .copies(docs.clone())
            .await
            .map(|mut copies| {
                docs.iter()
                    .map(|d| copies.remove(d).unwrap().get_heads())
                    .collect::<Vec<_>>()
            })
            .unwrap();
        for (c, _) in &devices {
            for (d, expected) in all_docs.iter().zip(&relay_heads) {
                // Devices may still be receiving the last edits of others.
                let (d, expected) = (*d, expected.clone());
                c.wait_until("relay heads", PATIENCE, move |v| {
                    v.core
                        .doc(&d)
                        .is_some_and(|doc| doc.get_heads() == expected)
                })
                .await
                .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            }
        }
        let (c0, _) = &devices[0];
        for (doc, key) in written {
            let k: &'static str = Box::leak(key.into_boxed_str());
            assert!(
                root_text(c0, doc, k).await.is_some(),
                "seed {seed}: edit {k} lost"
            );
        }
    }
}
