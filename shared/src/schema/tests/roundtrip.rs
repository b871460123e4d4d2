//! Round trips and lenient reading.

use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT};

use super::*;

#[test]
fn a_full_office_document_round_trips_through_save_and_load() {
    let saved = office_doc().save();
    let loaded = Automerge::load(&saved).unwrap();
    let back: OfficeDoc = autosurgeon::hydrate(&loaded).unwrap();
    assert_eq!(back, office_value());
    let lenient = load_office(&loaded);
    assert_eq!(lenient.problems, vec![]);
    assert_eq!(lenient.doc, office_value());
}

#[test]
fn a_full_cluster_document_round_trips_through_save_and_load() {
    let loaded = Automerge::load(&cluster_doc().save()).unwrap();
    let back: ClusterDoc = autosurgeon::hydrate(&loaded).unwrap();
    assert_eq!(back, cluster_value());
    assert_eq!(load_cluster(&loaded).doc, cluster_value());
}

#[test]
fn full_and_fresh_documents_are_valid() {
    let cluster = cluster_doc();
    assert_eq!(validate_cluster(&cluster, &directory()), vec![]);
    assert_eq!(
        validate_office(&office_doc(), "LSN", Some(&cluster)),
        vec![]
    );
    let fresh = new_office_doc("CBG", "Văn phòng Đoàn ĐBQH và HĐND tỉnh Cao Bằng");
    assert_eq!(validate_office(&fresh, "CBG", Some(&cluster)), vec![]);
    assert_eq!(read::number(&fresh, &ROOT, "schemaVersion"), Some(5.0));
    // Every record map exists from the start, so devices never race to create one.
    for key in migrate::OFFICE_MAPS {
        assert!(read::map(&fresh, &ROOT, *key).is_some(), "{key}");
    }
}

#[test]
fn whole_points_are_stored_as_integers_and_fractions_as_floats() {
    let doc = office_doc();
    let c1 = read::path(&doc, &["selfScores", "C1"]).unwrap();
    assert_eq!(read::number(&doc, &c1, "points"), Some(23.5));
    let cluster = cluster_doc();
    let max = read::path(&cluster, &["criteria", "C1"]).unwrap();
    assert!(matches!(
        automerge::ReadDoc::get(&cluster, &max, "maxPoints").unwrap().unwrap().0,
        automerge::Value::Scalar(s) if matches!(s.as_ref(), automerge::ScalarValue::Int(25))
    ));
    assert_eq!(criterion_max(&cluster, "C1"), Some(25.0));
}

#[test]
fn counts_written_as_javascript_integers_or_floats_are_read() {
    let mut doc = office_doc();
    let mut tx = doc.transaction();
    let e = read::path(&tx, &["evaluations", "2026-p1"]).unwrap();
    tx.put(&e, "votesYes", automerge::ScalarValue::Uint(5))
        .unwrap();
    tx.put(&e, "votesTotal", 7.0).unwrap();
    tx.commit();
    let office = load_office(&doc);
    assert_eq!(office.problems, vec![]);
    let e = &office.doc.evaluations["2026-p1"];
    assert_eq!((e.votes_yes, e.votes_total), (5, 7));
}

#[test]
fn unknown_keys_are_kept_and_ignored() {
    let mut doc = office_doc();
    let mut tx = doc.transaction();
    tx.put(ROOT, "ghiChu", "ghi chú của công cụ khác").unwrap();
    let p1 = read::path(&tx, &["staff", "p1"]).unwrap();
    tx.put(&p1, "nickname", "Liên").unwrap();
    write::write_office(&mut tx, &office_value()).unwrap();
    tx.commit();
    assert_eq!(validate_office(&doc, "LSN", Some(&cluster_doc())), vec![]);
    assert!(read::text(&doc, &ROOT, "ghiChu").is_some());
    assert_eq!(read::text(&doc, &p1, "nickname").as_deref(), Some("Liên"));
}

#[test]
fn a_record_of_the_wrong_type_is_an_unreadable_violation_and_the_rest_still_loads() {
    let mut doc = office_doc();
    let mut tx = doc.transaction();
    let staff = read::map(&tx, &ROOT, "staff").unwrap();
    tx.put(&staff, "p9", "không phải một bản ghi").unwrap();
    let p2 = tx
        .put_object(&staff, "p8", automerge::ObjType::Map)
        .unwrap();
    tx.put(&p2, "gender", 7).unwrap();
    tx.put(ROOT, "evaluations", "hỏng").unwrap();
    let loaded = load_office(&tx);
    let paths: Vec<&str> = loaded.problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["staff/p8", "staff/p9", "evaluations"]);
    assert!(
        loaded
            .problems
            .iter()
            .all(|p| p.code == ViolationCode::Unreadable)
    );
    assert!(
        loaded.problems[0]
            .message_vi
            .contains("không đọc được staff/p8")
    );
    assert_eq!(loaded.doc.staff.len(), 2);
    assert!(loaded.doc.evaluations.is_empty());
    let v = validate_office(&tx, "LSN", Some(&cluster_doc()));
    assert!(codes(&v).contains(&"unreadable"));
}

#[test]
fn records_from_before_the_merger_show_the_predecessor_office_name() {
    let c = cluster_value();
    let date = |s: &str| s.parse().unwrap();
    assert_eq!(
        c.office_name_on("TQG", date("2024-05-01")),
        Some("Văn phòng Đoàn ĐBQH và HĐND tỉnh Hà Giang")
    );
    assert_eq!(
        c.office_name_on("TQG", date("2025-07-01")),
        Some("Văn phòng Đoàn ĐBQH và HĐND tỉnh Tuyên Quang")
    );
    assert_eq!(
        c.office_name_on("LSN", date("2020-01-01")),
        Some("Văn phòng Đoàn ĐBQH và HĐND tỉnh Lạng Sơn")
    );
    let codes: Vec<&str> = c.members_in_year(2026).map(|m| m.code.as_str()).collect();
    assert_eq!(codes, ["CBG", "LSN", "TQG"]);
}

#[test]
fn the_scoring_table_lists_criteria_in_section_order() {
    let c = cluster_value();
    let ids: Vec<&str> = c.criteria_in_order().iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, ["C1", "C2"]);
    assert_eq!(c.max_total(), 40.0);
    assert_eq!(c.sections["S1"].title, "I. Công tác tham mưu");
}

#[test]
fn text_codes_are_stable() {
    assert_eq!(Title::ChienSiThiDuaCoSo.code(), "chienSiThiDuaCoSo");
    assert_eq!(
        PerformanceRating::from_code("hoanThanhTot"),
        Some(PerformanceRating::HoanThanhTot)
    );
    assert_eq!(FollowUpStatus::InProgress.code(), "inProgress");
    assert_eq!(ModelStage::ALL.len(), 8);
    assert_eq!(ModelStage::Honoured.code(), "honoured");
    assert_eq!(AwardKind::Themed.code(), "themed");
    assert_eq!(DossierPart::BienBan.code(), "bienBan");
    let doc = office_doc();
    let r1 = read::path(&doc, &["registrations", "r1"]).unwrap();
    assert_eq!(
        read::text(&doc, &r1, "title").as_deref(),
        Some("chienSiThiDuaCoSo")
    );
}

/// Every scalar string of `doc` rewritten as a text object, as automerge 3's
/// JavaScript API stores a string (`doc.name = "…"`).
fn strings_as_text_objects(doc: &mut Automerge) -> usize {
    use automerge::{ObjId, ObjType, Prop, ReadDoc, ScalarValue, Value};
    fn walk(doc: &Automerge, obj: &ObjId, out: &mut Vec<(ObjId, Prop, String)>) {
        let props: Vec<Prop> = match doc.object_type(obj) {
            Ok(ObjType::Map | ObjType::Table) => doc.keys(obj).map(Prop::Map).collect(),
            Ok(ObjType::List) => (0..doc.length(obj)).map(Prop::Seq).collect(),
            _ => Vec::new(),
        };
        for prop in props {
            match doc.get(obj, prop.clone()).unwrap() {
                Some((Value::Object(_), child)) => walk(doc, &child, out),
                Some((Value::Scalar(s), _)) => {
                    if let ScalarValue::Str(t) = s.as_ref() {
                        out.push((obj.clone(), prop, t.to_string()));
                    }
                }
                None => {}
            }
        }
    }
    let mut strings = Vec::new();
    walk(doc, &ROOT, &mut strings);
    let mut tx = doc.transaction();
    for (obj, prop, text) in &strings {
        let id = tx.put_object(obj, prop.clone(), ObjType::Text).unwrap();
        tx.splice_text(&id, 0, 0, text).unwrap();
    }
    tx.commit();
    strings.len()
}

#[test]
fn strings_written_as_text_objects_by_a_standard_client_read_and_validate_alike() {
    let mut office = office_doc();
    let mut cluster = cluster_doc();
    assert!(strings_as_text_objects(&mut office) > 50);
    assert!(strings_as_text_objects(&mut cluster) > 20);
    let loaded = load_office(&office);
    assert_eq!(loaded.problems, vec![]);
    assert_eq!(loaded.doc, office_value());
    let loaded = load_cluster(&cluster);
    assert_eq!(loaded.problems, vec![]);
    assert_eq!(loaded.doc, cluster_value());
    assert_eq!(validate_cluster(&cluster, &directory()), vec![]);
    assert_eq!(validate_office(&office, "LSN", Some(&cluster)), vec![]);
    // A wrong value is still wrong as a text object: an overlong name is
    // refused as it would be as a plain string.
    let mut tx = office.transaction();
    let p1 = read::path(&tx, &["staff", "p1"]).unwrap();
    let name = tx
        .put_object(&p1, "fullName", automerge::ObjType::Text)
        .unwrap();
    tx.splice_text(&name, 0, 0, &"A".repeat(5_000)).unwrap();
    tx.commit();
    let found = validate_office(&office, "LSN", Some(&cluster));
    assert_eq!(codes(&found), vec!["text-too-long"], "{found:?}");
}
