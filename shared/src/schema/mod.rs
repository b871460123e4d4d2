//! The document schema: what a cluster document and an office document hold,
//! and the checks the relay (and the app, before committing) runs on them.
//!
//! Version 1 is deliberately small; the domain screens grow it. Checks read the
//! document directly through [`ReadDoc`], so they work on a committed document
//! and on an open transaction alike, and cost time in the size of the current
//! state, not of the history.

pub mod read;

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ROOT, ReadDoc};

use crate::cluster::Directory;
use crate::core::Violation;

/// The newest schema version this build understands.
pub const SCHEMA_VERSION: i64 = 1;

fn violation(path: impl Into<String>, code: &str, en: String, vi: String) -> Violation {
    Violation {
        path: path.into(),
        code: code.to_string(),
        message_en: en,
        message_vi: vi,
    }
}

fn check_header<R: ReadDoc>(doc: &R, kind: &str, out: &mut Vec<Violation>) {
    let found = read::text(doc, &ROOT, "kind");
    if found.as_deref() != Some(kind) {
        out.push(violation(
            "kind",
            "wrong-kind",
            format!("this must be a {kind} document, but its kind is {found:?}"),
            format!("tài liệu này phải là loại {kind}, nhưng đang là {found:?}"),
        ));
    }
    match read::number(doc, &ROOT, "schemaVersion") {
        Some(v) if v >= 1.0 && v <= SCHEMA_VERSION as f64 && v.fract() == 0.0 => {}
        other => out.push(violation(
            "schemaVersion",
            "unknown-schema-version",
            format!(
                "schema version {other:?} is not one this relay knows (1..={SCHEMA_VERSION}); update the app"
            ),
            format!(
                "phiên bản dữ liệu {other:?} không được hỗ trợ (1..={SCHEMA_VERSION}); hãy cập nhật ứng dụng"
            ),
        )),
    }
}

/// The office code of the cluster leader (Cụm trưởng).
pub fn cluster_leader<R: ReadDoc>(doc: &R) -> Option<String> {
    read::text(doc, &ROOT, "leader")
}

/// The maximum points of a criterion in the cluster's scoring table.
pub fn criterion_max<R: ReadDoc>(cluster: &R, criterion: &str) -> Option<f64> {
    let criteria = read::map(cluster, &ROOT, "criteria")?;
    let c = read::map(cluster, &criteria, criterion)?;
    read::number(cluster, &c, "maxPoints")
}

/// Every violation in a cluster document.
pub fn validate_cluster<R: ReadDoc>(doc: &R, directory: &Directory) -> Vec<Violation> {
    let mut out = Vec::new();
    check_header(doc, "cluster", &mut out);
    match cluster_leader(doc) {
        Some(code) if directory.office(&code).is_some() => {}
        other => out.push(violation(
            "leader",
            "unknown-leader",
            format!("the leading office {other:?} is not a member of the cluster"),
            format!("đơn vị Cụm trưởng {other:?} không phải thành viên của cụm"),
        )),
    }
    if let Some(criteria) = read::map(doc, &ROOT, "criteria") {
        for id in read::keys(doc, &criteria) {
            let Some(c) = read::map(doc, &criteria, id.as_str()) else {
                continue;
            };
            match read::number(doc, &c, "maxPoints") {
                Some(m) if m > 0.0 && m.is_finite() => {}
                other => out.push(violation(
                    format!("criteria/{id}/maxPoints"),
                    "bad-maximum",
                    format!("criterion {id} needs a maximum above zero, found {other:?}"),
                    format!("tiêu chí {id} cần điểm tối đa lớn hơn 0, hiện là {other:?}"),
                )),
            }
        }
    }
    out
}

/// Every violation in an office document (`code` is the office it belongs to;
/// `cluster` the cluster document, for the scoring table).
pub fn validate_office<R: ReadDoc>(
    doc: &R,
    code: &str,
    cluster: Option<&Automerge>,
) -> Vec<Violation> {
    let mut out = Vec::new();
    check_header(doc, "office", &mut out);
    let found = read::text(doc, &ROOT, "officeCode");
    if found.as_deref() != Some(code) {
        out.push(violation(
            "officeCode",
            "wrong-office",
            format!("this document belongs to office {code}, not {found:?}"),
            format!("tài liệu này thuộc đơn vị {code}, không phải {found:?}"),
        ));
    }
    if let Some(scores) = read::map(doc, &ROOT, "selfScores") {
        for id in read::keys(doc, &scores) {
            let Some(s) = read::map(doc, &scores, id.as_str()) else {
                continue;
            };
            let Some(points) = read::number(doc, &s, "points") else {
                out.push(violation(
                    format!("selfScores/{id}/points"),
                    "score-not-a-number",
                    format!("the self-score for criterion {id} must be a number"),
                    format!("điểm tự chấm của tiêu chí {id} phải là một số"),
                ));
                continue;
            };
            if points < 0.0 {
                out.push(violation(
                    format!("selfScores/{id}/points"),
                    "score-negative",
                    format!("the self-score for criterion {id} cannot be negative ({points})"),
                    format!("điểm tự chấm của tiêu chí {id} không được âm ({points})"),
                ));
            }
            let max = cluster.and_then(|c| criterion_max(c, &id));
            match (cluster, max) {
                (Some(_), None) => out.push(violation(
                    format!("selfScores/{id}"),
                    "unknown-criterion",
                    format!("criterion {id} is not in the cluster's scoring table"),
                    format!("tiêu chí {id} không có trong bảng chấm điểm của cụm"),
                )),
                (_, Some(max)) if points > max => out.push(violation(
                    format!("selfScores/{id}/points"),
                    "score-above-maximum",
                    format!(
                        "the self-score {points} for criterion {id} is above its maximum {max}"
                    ),
                    format!("điểm tự chấm {points} của tiêu chí {id} vượt quá điểm tối đa {max}"),
                )),
                _ => {}
            }
        }
    }
    out
}

/// A criterion of the scoring table (tiêu chí chấm điểm).
#[derive(Clone, Debug)]
pub struct CriterionSeed<'a> {
    pub id: &'a str,
    pub section: &'a str,
    pub title: &'a str,
    pub max_points: i64,
}

/// A new cluster document.
pub fn new_cluster_doc(
    name: &str,
    year: i64,
    leader: &str,
    deputy: &str,
    criteria: &[CriterionSeed<'_>],
) -> Automerge {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    let ok = (|| -> Result<(), automerge::AutomergeError> {
        tx.put(ROOT, "schemaVersion", SCHEMA_VERSION)?;
        tx.put(ROOT, "kind", "cluster")?;
        tx.put(ROOT, "name", name)?;
        tx.put(ROOT, "year", year)?;
        tx.put(ROOT, "leader", leader)?;
        tx.put(ROOT, "deputy", deputy)?;
        let table = tx.put_object(ROOT, "criteria", ObjType::Map)?;
        for c in criteria {
            let o = tx.put_object(&table, c.id, ObjType::Map)?;
            tx.put(&o, "section", c.section)?;
            tx.put(&o, "title", c.title)?;
            tx.put(&o, "maxPoints", c.max_points)?;
        }
        Ok(())
    })();
    ok.expect("writing a fresh document cannot fail");
    tx.commit();
    doc
}

/// A new office document.
pub fn new_office_doc(code: &str, name: &str) -> Automerge {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    let ok = (|| -> Result<(), automerge::AutomergeError> {
        tx.put(ROOT, "schemaVersion", SCHEMA_VERSION)?;
        tx.put(ROOT, "kind", "office")?;
        tx.put(ROOT, "officeCode", code)?;
        tx.put(ROOT, "name", name)?;
        tx.put_object(ROOT, "selfScores", ObjType::Map)?;
        Ok(())
    })();
    ok.expect("writing a fresh document cannot fail");
    tx.commit();
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::OfficeEntry;
    use crate::protocol::DocumentId;

    fn directory() -> Directory {
        Directory {
            cluster: "Cụm".into(),
            cluster_url: DocumentId::from_bytes([1; 16]).url(),
            offices: vec![OfficeEntry {
                code: "LSN".into(),
                name: "VP Lạng Sơn".into(),
                province: "Lạng Sơn".into(),
                url: DocumentId::from_bytes([2; 16]).url(),
            }],
        }
    }

    fn cluster() -> Automerge {
        new_cluster_doc(
            "Cụm",
            2026,
            "LSN",
            "LSN",
            &[CriterionSeed {
                id: "C1",
                section: "I",
                title: "Tổ chức phong trào",
                max_points: 10,
            }],
        )
    }

    #[test]
    fn fresh_documents_are_valid() {
        assert_eq!(validate_cluster(&cluster(), &directory()), vec![]);
        let office = new_office_doc("LSN", "VP Lạng Sơn");
        assert_eq!(validate_office(&office, "LSN", Some(&cluster())), vec![]);
    }

    #[test]
    fn a_score_above_the_criterion_maximum_is_a_violation() {
        let mut office = new_office_doc("LSN", "VP Lạng Sơn");
        let mut tx = office.transaction();
        let scores = read::map(&tx, &ROOT, "selfScores").unwrap();
        let s = tx.put_object(&scores, "C1", ObjType::Map).unwrap();
        tx.put(&s, "points", 11).unwrap();
        let v = validate_office(&tx, "LSN", Some(&cluster()));
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].code, "score-above-maximum");
        assert!(v[0].message_vi.contains("vượt quá điểm tối đa 10"));
        tx.put(&s, "points", 10).unwrap();
        assert_eq!(validate_office(&tx, "LSN", Some(&cluster())), vec![]);
    }

    #[test]
    fn another_offices_code_and_an_unknown_leader_are_violations() {
        let office = new_office_doc("CBG", "VP Cao Bằng");
        assert_eq!(
            validate_office(&office, "LSN", None)[0].code,
            "wrong-office"
        );
        let c = new_cluster_doc("Cụm", 2026, "XXX", "LSN", &[]);
        assert_eq!(validate_cluster(&c, &directory())[0].code, "unknown-leader");
    }
}
