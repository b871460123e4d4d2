//! Migration from version 1 (the small schema the relay shipped with).

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ROOT};

use super::*;
use crate::core::new_violations;

/// A version-1 office document, built the way version 1 built it.
fn v1_office() -> Automerge {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    tx.put(ROOT, "schemaVersion", 1).unwrap();
    tx.put(ROOT, "kind", "office").unwrap();
    tx.put(ROOT, "officeCode", "LSN").unwrap();
    tx.put(ROOT, "name", "Văn phòng Đoàn ĐBQH và HĐND tỉnh Lạng Sơn")
        .unwrap();
    let scores = tx.put_object(ROOT, "selfScores", ObjType::Map).unwrap();
    let c1 = tx.put_object(&scores, "C1", ObjType::Map).unwrap();
    tx.put(&c1, "points", 20).unwrap();
    tx.put(&c1, "note", "đủ minh chứng").unwrap();
    tx.commit();
    doc
}

/// A version-1 cluster document, built the way version 1 built it.
fn v1_cluster() -> Automerge {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    tx.put(ROOT, "schemaVersion", 1).unwrap();
    tx.put(ROOT, "kind", "cluster").unwrap();
    tx.put(ROOT, "name", "Cụm thi đua miền núi phía Bắc")
        .unwrap();
    tx.put(ROOT, "year", 2026).unwrap();
    tx.put(ROOT, "leader", "LSN").unwrap();
    tx.put(ROOT, "deputy", "CBG").unwrap();
    let table = tx.put_object(ROOT, "criteria", ObjType::Map).unwrap();
    for (id, section, max) in [
        ("C1", "I. Công tác tham mưu", 25),
        ("C2", "I. Công tác tham mưu", 15),
        ("C3", "II. Phong trào thi đua", 20),
    ] {
        let c = tx.put_object(&table, id, ObjType::Map).unwrap();
        tx.put(&c, "section", section).unwrap();
        tx.put(&c, "title", format!("Tiêu chí {id}")).unwrap();
        tx.put(&c, "maxPoints", max).unwrap();
    }
    tx.commit();
    doc
}

#[test]
fn version_1_documents_are_still_valid() {
    let cluster = v1_cluster();
    assert_eq!(validate_cluster(&cluster, &directory()), vec![]);
    assert_eq!(validate_office(&v1_office(), "LSN", Some(&cluster)), vec![]);
    assert!(migrate::needs_migration(&cluster));
    assert!(migrate::needs_migration(&v1_office()));
}

#[test]
fn a_version_1_office_document_becomes_a_valid_current_document_keeping_its_self_scores() {
    let cluster = v1_cluster();
    let mut doc = v1_office();
    let before = validate_office(&doc, "LSN", Some(&cluster));
    let mut tx = doc.transaction();
    let done = migrate::migrate(&mut tx, None).unwrap();
    assert_eq!(done, Some(migrate::Migrated { from: 1, to: 5 }));
    // The relay would accept this change: it introduces no violation.
    let after = validate_office(&tx, "LSN", Some(&cluster));
    assert_eq!(new_violations(&before, after.clone()), vec![]);
    assert_eq!(after, vec![]);
    tx.commit();

    let office: OfficeDoc = autosurgeon::hydrate(&doc).unwrap();
    assert_eq!(office.schema_version, 5);
    assert_eq!(office.office_code, "LSN");
    assert_eq!(
        office.self_scores["C1"],
        SelfScore {
            points: 20.0,
            note: "đủ minh chứng".into(),
            evidence: String::new(),
        }
    );
    assert!(office.staff.is_empty() && office.leading_vote.is_none());
    for key in migrate::OFFICE_MAPS {
        assert!(read::map(&doc, &ROOT, *key).is_some(), "{key}");
    }
    assert!(!migrate::needs_migration(&doc));
    // A second run changes nothing.
    let mut tx = doc.transaction();
    assert_eq!(migrate::migrate(&mut tx, None).unwrap(), None);
    assert_eq!(tx.pending_ops(), 0);
}

#[test]
fn a_version_1_cluster_document_gets_sections_and_members_from_the_directory() {
    let mut doc = v1_cluster();
    let mut tx = doc.transaction();
    migrate::migrate(&mut tx, Some(&directory())).unwrap();
    assert_eq!(validate_cluster(&tx, &directory()), vec![]);
    tx.commit();
    let cluster: ClusterDoc = autosurgeon::hydrate(&doc).unwrap();
    assert_eq!(cluster.schema_version, 5);
    assert_eq!(cluster.sections.len(), 2);
    assert_eq!(cluster.sections["S1"].title, "I. Công tác tham mưu");
    assert_eq!(cluster.sections["S2"].title, "II. Phong trào thi đua");
    assert_eq!(cluster.criteria["C2"].section, "S1");
    assert_eq!(cluster.criteria["C3"].section, "S2");
    assert_eq!(cluster.criteria["C3"].order, 3);
    assert_eq!(cluster.criterion_max("C1"), Some(25.0));
    let codes: Vec<&String> = cluster.members.keys().collect();
    assert_eq!(codes, ["CBG", "LSN", "TQG"]);
    assert_eq!(cluster.leader, "LSN");
    // An office document still validates against the migrated table.
    assert_eq!(validate_office(&v1_office(), "LSN", Some(&doc)), vec![]);
}

#[test]
fn a_newer_schema_version_asks_to_update_the_app() {
    let mut doc = v1_office();
    let mut tx = doc.transaction();
    tx.put(ROOT, "schemaVersion", 6).unwrap();
    let v = validate_office(&tx, "LSN", None);
    assert_eq!(codes(&v), ["unknown-schema-version"]);
    assert!(v[0].message_en.contains("update the app"));
    assert!(v[0].message_vi.contains("hãy cập nhật ứng dụng"));
    assert!(matches!(
        migrate::migrate(&mut tx, None),
        Err(migrate::MigrateError::TooNew(6))
    ));
    tx.put(ROOT, "schemaVersion", "hai").unwrap();
    assert_eq!(
        codes(&validate_office(&tx, "LSN", None)),
        ["unknown-schema-version"]
    );
}

/// Yesterday's (version 2) office document: the full test office as
/// version 2 wrote it, without the `targets` and `inspectionFollowUps` maps.
fn v2_office() -> Automerge {
    let mut doc = office_doc();
    let mut tx = doc.transaction();
    tx.put(ROOT, "schemaVersion", 2).unwrap();
    tx.delete(ROOT, "targets").unwrap();
    tx.delete(ROOT, "inspectionFollowUps").unwrap();
    tx.delete(ROOT, "reviews").unwrap();
    tx.commit();
    doc
}

#[test]
fn a_version_2_office_document_gets_the_new_maps_and_loses_nothing() {
    let cluster = cluster_doc();
    let mut doc = v2_office();
    let before: OfficeDoc = autosurgeon::hydrate(&doc).unwrap();
    assert_eq!(before.schema_version, 2);
    assert!(migrate::needs_migration(&doc));
    let violations_before = validate_office(&doc, "LSN", Some(&cluster));
    assert_eq!(violations_before, vec![]);
    let mut tx = doc.transaction();
    let done = migrate::migrate(&mut tx, None).unwrap();
    assert_eq!(done, Some(migrate::Migrated { from: 2, to: 5 }));
    // The relay would accept the migration: it introduces no violation.
    let after = validate_office(&tx, "LSN", Some(&cluster));
    assert_eq!(new_violations(&violations_before, after.clone()), vec![]);
    assert_eq!(after, vec![]);
    tx.commit();
    for key in migrate::OFFICE_MAPS {
        assert!(read::map(&doc, &ROOT, *key).is_some(), "{key}");
    }
    // Every record of version 2 is still there, unchanged.
    let migrated: OfficeDoc = autosurgeon::hydrate(&doc).unwrap();
    assert_eq!(
        migrated,
        OfficeDoc {
            schema_version: 5,
            ..before
        }
    );
    assert_eq!(migrated, office_value());
    assert!(!migrate::needs_migration(&doc));
}

#[test]
fn a_version_3_cluster_document_gets_the_inspections_map() {
    let mut doc = cluster_doc();
    let mut tx = doc.transaction();
    tx.put(ROOT, "schemaVersion", 3).unwrap();
    tx.delete(ROOT, "inspections").unwrap();
    tx.commit();
    let before: ClusterDoc = autosurgeon::hydrate(&doc).unwrap();
    let mut tx = doc.transaction();
    let done = migrate::migrate(&mut tx, Some(&directory())).unwrap();
    assert_eq!(done, Some(migrate::Migrated { from: 3, to: 5 }));
    assert_eq!(validate_cluster(&tx, &directory()), vec![]);
    tx.commit();
    assert!(read::map(&doc, &ROOT, "inspections").is_some());
    let after: ClusterDoc = autosurgeon::hydrate(&doc).unwrap();
    assert_eq!(
        after,
        ClusterDoc {
            schema_version: 5,
            ..before
        }
    );
}
