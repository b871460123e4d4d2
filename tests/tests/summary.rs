//! The cluster summary on a real relay with the seeded demo year:
//! `GET /api/cluster/summary` equals the shared computation over the same
//! documents fetched by a device, warnings follow fixes made on a device,
//! and every summary route wants a token.

use automerge::ReadDoc;
use automerge::transaction::Transactable;
use relay::client::Client;
use serde_json::Value;
use shared::domain::rules::RuleCatalog;
use shared::schema::{load_cluster, load_office};
use shared::summary::{LoadedOffice, summarize_loaded};
use thidua_tests::{PATIENCE, TestRelay, http_get};

/// Opens every document of the cluster on `device` and waits until synced.
async fn sync_all(relay: &TestRelay, device: &Client) {
    let docs = relay.directory().all_docs();
    for d in &docs {
        device.open(*d);
    }
    for d in docs {
        device.wait_synced(d, PATIENCE).await.unwrap();
    }
}

/// The summary computed on the device from its replicas.
async fn local_summary(relay: &TestRelay, device: &Client, year: Option<i32>) -> Value {
    let directory = relay.directory().clone();
    let summary = device
        .read(move |v| {
            let cluster_id = directory.cluster_doc().unwrap();
            let cluster = load_cluster(v.core.doc(&cluster_id).unwrap()).doc;
            let offices: Vec<LoadedOffice> = directory
                .offices_with_former()
                .map(|o| {
                    let id = directory.office_doc(&o.code).unwrap();
                    LoadedOffice::load(&o.code, v.core.doc(&id).unwrap())
                })
                .collect();
            summarize_loaded(&cluster, &offices, &RuleCatalog::defaults(), year)
        })
        .await;
    serde_json::to_value(summary).unwrap()
}

/// `GET path` with the token of `office`: status line and JSON body.
async fn get_json(relay: &TestRelay, path: &str, office: Option<&str>) -> (String, Value) {
    let token = office.map(|o| relay.token(o));
    let (status, _, body) = http_get(relay.running.addr, path, token.as_deref()).await;
    let json = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"));
    (status, json)
}

/// The first path where two JSON values differ, with both values.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                let (va, vb) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                first_difference(va, vb, &format!("{path}/{k}"))
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (va, vb))| first_difference(va, vb, &format!("{path}/{i}"))),
        _ if a == b => None,
        _ => Some(format!("{path}: {a} vs {b}")),
    }
}

fn warnings(summary: &Value) -> Vec<(String, String)> {
    summary["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["officeCode"].as_str().unwrap().to_string(),
                w["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relays_summary_equals_the_shared_computation_over_the_same_documents() {
    let relay = TestRelay::start("summary-equal").await;
    let device = relay.device("SLA", "sla-1");
    sync_all(&relay, &device).await;
    for (query, year) in [
        ("", None),
        ("?year=2024", Some(2024)),
        ("?year=2025", Some(2025)),
        ("?year=2026", Some(2026)),
    ] {
        let (status, served) =
            get_json(&relay, &format!("/api/cluster/summary{query}"), Some("SLA")).await;
        assert!(status.contains("200"), "{status}: {served}");
        let local = local_summary(&relay, &device, year).await;
        assert_eq!(
            first_difference(&served, &local, ""),
            None,
            "summary{query}: served vs local"
        );
    }
    let (_, s) = get_json(&relay, "/api/cluster/summary", Some("TNN")).await;
    assert_eq!(s["year"], 2026);
    assert_eq!(s["offices"].as_array().unwrap().len(), 9);
    assert_eq!(
        s["offices"][0]["name"],
        "Văn phòng Đoàn ĐBQH và HĐND tỉnh Lạng Sơn"
    );
    assert_eq!(s["ranking"].as_array().unwrap().len(), 9);
    // Before the merger (1 July 2025) Hà Giang's office was the member, with
    // its own document; Tuyên Quang's office begins on the merger day, Lào
    // Cai's (a member throughout) continues.
    let (_, old) = get_json(&relay, "/api/cluster/summary?year=2024", Some("TNN")).await;
    let codes: Vec<&str> = old["offices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "LSN", "CBG", "LCI", "SLA", "DBN", "LCU", "HGG", "YBI", "BKN", "HBH"
        ]
    );
    let hgg = &old["offices"][6];
    assert_eq!(hgg["name"], "Văn phòng Đoàn ĐBQH và HĐND tỉnh Hà Giang");
    assert!(hgg["scores"]["selfTotal"].as_f64().unwrap() > 0.0, "{hgg}");
    assert!(hgg["scores"]["peerTotal"].as_f64().is_some(), "{hgg}");
    // In the merger year both are listed; after it, only the successors.
    let (_, merger) = get_json(&relay, "/api/cluster/summary?year=2025", Some("TNN")).await;
    assert_eq!(merger["offices"].as_array().unwrap().len(), 13);
    assert!(
        s["offices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["code"] != "YBI")
    );
    // Điện Biên's data is weeks older than the others'.
    let dbn = s["offices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == "DBN")
        .unwrap();
    assert!(
        dbn["freshness"]["behindNewestDays"].as_i64().unwrap() >= 21,
        "{dbn}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_warnings_appear_and_go_when_fixed_on_a_device() {
    let relay = TestRelay::start("summary-warnings").await;
    let (_, before) = get_json(&relay, "/api/cluster/summary", Some("CBG")).await;
    let found = warnings(&before);
    for expected in [
        ("LCI", "cstdcs-cap"),
        ("SLA", "collective-not-eligible"),
        ("LCU", "frozen"),
    ] {
        assert!(
            found
                .iter()
                .any(|(o, c)| o == expected.0 && c == expected.1),
            "{expected:?} in {found:?}"
        );
    }
    let cap = before["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "cstdcs-cap")
        .unwrap();
    assert!(
        cap["messageVi"]
            .as_str()
            .unwrap()
            .contains("vượt tỷ lệ 15%"),
        "{cap}"
    );
    assert!(
        cap["messageEn"]
            .as_str()
            .unwrap()
            .contains("over the 15% cap"),
        "{cap}"
    );
    let collective = before["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "collective-not-eligible")
        .unwrap();
    let texts: Vec<&str> = collective["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["vi"].as_str().unwrap())
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("≥70% cá nhân đạt Lao động tiên tiến")),
        "{texts:?}"
    );

    // Lào Cai's TĐKT officer keeps one Chiến sĩ thi đua cơ sở and proposes
    // the two others as Lao động tiên tiến, in the evaluation and in any
    // tờ trình already made for them (both count toward the cap).
    let lci = relay.office_doc("LCI");
    let device = relay.device("LCI", "lci-1");
    device.open(lci);
    device.wait_synced(lci, PATIENCE).await.unwrap();
    // (evaluation key, person) and (proposal key, person).
    type Pairs = Vec<(String, String)>;
    let (keys, proposals): (Pairs, Pairs) = device
        .read(move |v| {
            let office = load_office(v.core.doc(&lci).unwrap()).doc;
            let keys: Vec<(String, String)> = office
                .evaluations
                .iter()
                .filter(|(_, e)| {
                    e.year == 2026
                        && e.proposed_title == Some(shared::domain::Title::ChienSiThiDuaCoSo)
                })
                .map(|(k, e)| (k.clone(), e.person_id.clone()))
                .collect();
            let proposals = office
                .proposals
                .iter()
                .filter(|(_, p)| {
                    p.year == 2026 && p.title == Some(shared::domain::Title::ChienSiThiDuaCoSo)
                })
                .filter_map(|(k, p)| Some((k.clone(), p.person_id.clone()?)))
                .collect();
            (keys, proposals)
        })
        .await;
    assert_eq!(keys.len(), 3, "the seed proposes three");
    device
        .change(lci, move |tx| {
            let evaluations = shared::schema::read::map(tx, &automerge::ROOT, "evaluations")
                .expect("evaluations");
            for (key, person) in &keys[1..] {
                let e = shared::schema::read::map(tx, &evaluations, key).expect("evaluation");
                assert!(tx.get(&e, "proposedTitle")?.is_some());
                tx.put(&e, "proposedTitle", "laoDongTienTien")?;
                for (pkey, _) in proposals.iter().filter(|(_, p)| p == person) {
                    let all = shared::schema::read::map(tx, &automerge::ROOT, "proposals")
                        .expect("proposals");
                    let p = shared::schema::read::map(tx, &all, pkey).expect("proposal");
                    tx.put(&p, "title", "laoDongTienTien")?;
                }
            }
            Ok(())
        })
        .await
        .expect("the fix commits");
    device.wait_synced(lci, PATIENCE).await.unwrap();

    let (_, after) = get_json(&relay, "/api/cluster/summary", Some("CBG")).await;
    let left = warnings(&after);
    assert!(
        !left.iter().any(|(o, c)| o == "LCI" && c == "cstdcs-cap"),
        "{left:?} {:#}",
        after["warnings"]
    );
    assert_eq!(left.len(), found.len() - 1, "{left:?}");
    let lci_row = after["offices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == "LCI")
        .unwrap();
    assert_eq!(lci_row["warningCount"], 0);
    // The native client commits without a time: freshness looks through it.
    assert!(lci_row["freshness"]["lastChangeSecs"].as_i64().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn summary_routes_want_a_token_and_a_real_year() {
    let relay = TestRelay::start("summary-auth").await;
    for path in [
        "/api/cluster/summary",
        "/api/cluster/export.xlsx",
        "/api/cluster/export.csv?view=overview",
    ] {
        let (status, _, body) = http_get(relay.running.addr, path, None).await;
        assert!(status.contains("401"), "{path}: {status}");
        let json: Value = serde_json::from_str(&body).unwrap();
        assert!(
            json["error"].is_string() && json["message"].is_string(),
            "{json}"
        );
        let (status, _, _) = http_get(relay.running.addr, path, Some("td1.nope.nope")).await;
        assert!(status.contains("401"), "{path} with a bad token: {status}");
    }
    let (status, json) = get_json(&relay, "/api/cluster/summary?year=20x6", Some("LSN")).await;
    assert!(status.contains("400"), "{status}");
    assert_eq!(json["error"], "bad-year");
    assert!(json["message"].as_str().unwrap().contains("year=2026"));
}
