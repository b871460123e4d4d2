//! Tests of the demo year: valid, deterministic, and the summary shows
//! the seeded violations and the office that is weeks behind.
use super::year::*;
use crate::cluster::{Directory, OfficeEntry};
use crate::demo::{DEMO_PROVINCES, demo_documents};
use crate::domain::rules::{Date, RuleCatalog};
use crate::protocol::DocumentId;
use crate::schema::{new_cluster_doc, validate_cluster, validate_office};
use crate::summary::{OfficeInput, cluster_summary, newest_change_secs};

/// The demo's offices with made-up document ids.
pub(crate) fn entries() -> Vec<OfficeEntry> {
    DEMO_PROVINCES
        .iter()
        .enumerate()
        .map(|(i, (code, province))| OfficeEntry {
            code: code.to_string(),
            name: format!("Văn phòng Đoàn ĐBQH và HĐND tỉnh {province}"),
            province: province.to_string(),
            url: DocumentId::from_bytes([i as u8 + 2; 16]).url(),
        })
        .collect()
}

#[test]
fn the_demo_year_validates_and_is_deterministic() {
    let offices = entries();
    let (cluster, generated) = demo_documents(&offices);
    let directory = Directory {
        cluster: cluster.name.clone(),
        cluster_url: DocumentId::from_bytes([1; 16]).url(),
        former: Vec::new(),
        offices: offices.clone(),
    };
    let cluster_doc = new_cluster_doc(&cluster);
    assert_eq!(validate_cluster(&cluster_doc, &directory), []);
    for g in &generated {
        let doc = office_automerge(&g.doc, cluster.year, g.as_of, 0);
        let problems = validate_office(&doc, &g.spec.code, Some(&cluster_doc));
        assert!(problems.is_empty(), "{}: {problems:#?}", g.spec.code);
        assert!((9..=12).contains(&g.doc.staff.len()));
        assert_eq!(newest_change_secs(&doc), Some(commit_time(g.as_of)));
    }
    let (again_cluster, again) = demo_documents(&offices);
    assert_eq!(again_cluster, cluster);
    for (a, b) in again.iter().zip(&generated) {
        assert_eq!(a.doc, b.doc);
    }
}

#[test]
fn the_demo_summary_shows_the_seeded_violations_and_the_old_office() {
    let (cluster, generated) = demo_documents(&entries());
    let inputs: Vec<OfficeInput<'_>> = generated
        .iter()
        .map(|g| OfficeInput {
            code: &g.spec.code,
            doc: &g.doc,
            last_change_secs: Some(commit_time(g.as_of)),
        })
        .collect();
    let s = cluster_summary(&cluster, &inputs, &RuleCatalog::defaults(), cluster.year);
    let warnings: Vec<(&str, &str)> = s
        .warnings
        .iter()
        .map(|w| (w.office_code.as_str(), w.code.as_str()))
        .collect();
    assert_eq!(
        warnings,
        [
            ("LCI", "cstdcs-cap"),
            ("SLA", "collective-not-eligible"),
            ("LCU", "frozen"),
        ]
    );
    let dbn = s.offices.iter().find(|o| o.code == "DBN").unwrap();
    assert!(
        dbn.freshness.behind_newest_days.unwrap() >= 21,
        "{:?}",
        dbn.freshness
    );
    assert!(
        s.offices.iter().filter(|o| o.code != "DBN").all(|o| o
            .freshness
            .behind_newest_days
            .unwrap()
            < 10)
    );
    assert!(s.totals.registered_late >= 3);
    assert!(s.totals.recommendations_open >= 3);
    assert!(s.totals.models.total() >= 9);
    assert!(s.commendations.iter().any(|c| c.days.is_some()));
    assert_eq!(
        s.vote.ballots_cast, 8,
        "every office but the stale one voted"
    );
    assert!(s.offices.iter().all(|o| o.scores.peer_total.is_some()));
    assert!(
        s.offices
            .iter()
            .all(|o| (9..=12).contains(&o.registrations.staff_count))
    );
}

#[test]
fn lao_cai_continues_itself_and_yen_bai_tuyen_quang_continues_ha_giang() {
    // After 1 July 2025 the Lào Cai office continues both the former Lào Cai
    // office (a member already) and the Yên Bái office; Tuyên Quang, new to
    // the cluster, continues Hà Giang's.
    let cluster = crate::demo::demo_cluster(&entries());
    let before = Date::new(2024, 12, 31).unwrap();
    let after = Date::new(2025, 12, 31).unwrap();
    let lci = &cluster.members["LCI"];
    assert_eq!(lci.predecessors, ["YBI"]);
    assert!(lci.is_valid_on(before));
    assert!(
        cluster
            .office_name_on("LCI", before)
            .unwrap()
            .ends_with("Lào Cai")
    );
    assert!(
        cluster
            .office_name_on("YBI", before)
            .unwrap()
            .ends_with("Yên Bái")
    );
    assert!(
        cluster
            .office_name_on("TQG", before)
            .unwrap()
            .ends_with("Hà Giang")
    );
    assert!(
        cluster
            .office_name_on("TQG", after)
            .unwrap()
            .ends_with("Tuyên Quang")
    );
}

#[test]
fn synthetic_clusters_validate_too() {
    let (cluster, generated) = synthetic(6, 2022..=2026);
    let cluster_doc = new_cluster_doc(&cluster);
    for g in &generated {
        let doc = office_automerge(&g.doc, cluster.year, g.as_of, 0);
        let problems = validate_office(&doc, &g.spec.code, Some(&cluster_doc));
        assert!(problems.is_empty(), "{}: {problems:#?}", g.spec.code);
    }
}

#[test]
fn each_former_office_keeps_its_own_records_up_to_its_last_day() {
    use crate::schema::{ReviewPeriod, review_key};
    let (cluster, _) = demo_documents(&entries());
    let cluster_doc = new_cluster_doc(&cluster);
    let former: Vec<OfficeEntry> = crate::demo::DEMO_FORMER_PROVINCES
        .iter()
        .enumerate()
        .map(|(i, (code, _, _))| {
            let url = DocumentId::from_bytes([i as u8 + 40; 16]).url();
            crate::demo::demo_former_entry(code, url).unwrap().entry
        })
        .collect();
    let generated = crate::demo::demo_former_documents(&cluster, &former);
    let last_day = Date::new(2025, 6, 30).unwrap();
    assert_eq!(generated.len(), 4);
    for g in &generated {
        assert_eq!(g.as_of, last_day, "{}", g.spec.code);
        let doc = office_automerge(&g.doc, 2025, g.as_of, 0);
        let problems = validate_office(&doc, &g.spec.code, Some(&cluster_doc));
        assert!(problems.is_empty(), "{}: {problems:#?}", g.spec.code);
        assert_eq!(newest_change_secs(&doc), Some(commit_time(last_day)));
        let o = &g.doc;
        assert!(o.name.contains(&g.spec.province));
        // 2024 whole; 2025 up to the mid-year review; nothing after.
        assert!(o.evaluations.values().any(|e| e.year == 2024));
        assert!(o.decisions.len() >= 2, "{}: 2024's decisions", g.spec.code);
        assert!(o.registrations.values().all(|r| r.year == 2025));
        assert!(!o.registrations.is_empty());
        assert!(
            o.reviews
                .contains_key(&review_key(2024, ReviewPeriod::YearEnd))
        );
        assert!(
            o.reviews
                .contains_key(&review_key(2025, ReviewPeriod::MidYear))
        );
        assert!(
            !o.reviews
                .contains_key(&review_key(2025, ReviewPeriod::YearEnd))
        );
        assert!(o.evaluations.values().all(|e| e.year < 2025));
    }
}
