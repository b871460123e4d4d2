//! Tests of the schema: round trips, migration, concurrent edits,
//! validation boundaries and the bridges to the rules.

mod bridge;
mod concurrency;
mod incremental;
mod limits;
mod migration;
mod reviews;
mod roundtrip;
mod validation;

use std::collections::BTreeMap;

use automerge::Automerge;

use super::*;
use crate::cluster::OfficeEntry;
use crate::domain::{AwardKind, DisciplineLevel, Gender, PerformanceRating, Title};
use crate::protocol::DocumentId;

pub(super) fn d(text: &str) -> DateText {
    DateText::from(text)
}

pub(super) fn directory() -> Directory {
    let entry = |code: &str, province: &str, n: u8| OfficeEntry {
        code: code.into(),
        name: format!("Văn phòng Đoàn ĐBQH và HĐND tỉnh {province}"),
        province: province.into(),
        url: DocumentId::from_bytes([n; 16]).url(),
    };
    Directory {
        cluster: "Cụm thi đua miền núi phía Bắc".into(),
        cluster_url: DocumentId::from_bytes([1; 16]).url(),
        former: Vec::new(),
        offices: vec![
            entry("LSN", "Lạng Sơn", 2),
            entry("CBG", "Cao Bằng", 3),
            entry("TQG", "Tuyên Quang", 4),
        ],
    }
}

fn member(code: &str, province: &str) -> Member {
    Member {
        code: code.into(),
        name: format!("Văn phòng Đoàn ĐBQH và HĐND tỉnh {province}"),
        province: province.into(),
        ..Member::default()
    }
}

/// A cluster document with one of everything: C1 (max 25) and C2 (max 15)
/// in section S1; Tuyên Quang succeeds Hà Giang on 1 July 2025.
pub(super) fn cluster_value() -> ClusterDoc {
    let mut c = ClusterDoc::new("Cụm thi đua miền núi phía Bắc", 2026, "LSN", "CBG");
    c.members.insert("LSN".into(), member("LSN", "Lạng Sơn"));
    c.members.insert("CBG".into(), member("CBG", "Cao Bằng"));
    let mut tqg = member("TQG", "Tuyên Quang");
    tqg.valid_from = Some(d("2025-07-01"));
    tqg.predecessors = vec!["HGG".into()];
    c.members.insert("TQG".into(), tqg);
    let mut hgg = member("HGG", "Hà Giang");
    hgg.valid_until = Some(d("2025-06-30"));
    c.members.insert("HGG".into(), hgg);
    c.add_criteria(&[
        CriterionSeed {
            id: "C1",
            section: "I. Công tác tham mưu",
            title: "Tham mưu tổ chức kỳ họp",
            max_points: 25,
        },
        CriterionSeed {
            id: "C2",
            section: "I. Công tác tham mưu",
            title: "Phục vụ tiếp xúc cử tri",
            max_points: 15,
        },
    ]);
    c.movements.insert(
        "m1".into(),
        Movement {
            name: "Cả nước chung tay vì người nghèo – Không để ai bị bỏ lại phía sau".into(),
            kind: MovementKind::Themed,
            start_date: Some(d("2026-01-15")),
            end_date: Some(d("2026-12-31")),
            description: String::new(),
        },
    );
    c.plans.insert(
        "k1".into(),
        Plan {
            number: "15/KH-CTĐ".into(),
            date: Some(d("2026-01-10")),
            title: "Kế hoạch thi đua năm 2026".into(),
        },
    );
    c.covenant = Covenant {
        title: "Giao ước thi đua năm 2026".into(),
        text: "Các đơn vị cam kết …".into(),
        date: Some(d("2026-02-20")),
    };
    c.deadlines.insert(
        "dk".into(),
        Deadline {
            name: "Đăng ký thi đua".into(),
            date: d("2026-03-25"),
            note: String::new(),
        },
    );
    c.rule_settings = RuleSettings {
        override_cstdcs_cap: true,
        cstdcs_cap_percent: Some(15),
        cstdcs_cap_rounding: None,
        cstdcs_cap_minimum: None,
        rule_set_id: None,
    };
    c
}

pub(super) fn person(name: &str, gender: Gender) -> Person {
    Person {
        full_name: name.into(),
        position: "Chuyên viên".into(),
        gender: Some(gender),
        kind: StaffKind::CongChuc,
        joined_on: None,
        left_on: None,
        discipline: BTreeMap::new(),
    }
}

/// An office document (LSN) with one of everything, valid against
/// [`cluster_value`].
pub(super) fn office_value() -> OfficeDoc {
    let mut o = OfficeDoc::new("LSN", "Văn phòng Đoàn ĐBQH và HĐND tỉnh Lạng Sơn");
    let mut lien = person("Trần Thị Liên", Gender::Female);
    lien.discipline.insert(
        "kl1".into(),
        DisciplineEntry {
            level: DisciplineLevel::KhienTrach,
            start: d("2023-03-01"),
            end: Some(d("2024-02-29")),
            decision_number: "5/QĐ-VP".into(),
            note: String::new(),
        },
    );
    o.staff.insert("p1".into(), lien);
    o.staff
        .insert("p2".into(), person("Nguyễn Văn An", Gender::Male));
    o.registrations.insert(
        "r1".into(),
        Registration {
            year: 2026,
            person_id: Some("p1".into()),
            title: Title::ChienSiThiDuaCoSo,
            date: Some(d("2026-03-20")),
            note: String::new(),
        },
    );
    o.registrations.insert(
        "r2".into(),
        Registration {
            year: 2026,
            person_id: None,
            title: Title::TapTheLaoDongXuatSac,
            date: Some(d("2026-03-20")),
            note: String::new(),
        },
    );
    o.covenant_signatures.insert(
        "2026".into(),
        CovenantSignature {
            year: 2026,
            signed_by: "Hoàng Văn Minh".into(),
            position: "Chánh Văn phòng".into(),
            date: Some(d("2026-02-20")),
        },
    );
    o.self_scores.insert(
        "C1".into(),
        SelfScore {
            points: 23.5,
            note: "Tham mưu đầy đủ".into(),
            evidence: "Báo cáo số 10/BC-VP".into(),
        },
    );
    o.peer_reviews.insert(
        "CBG".into(),
        PeerReview {
            scores: BTreeMap::from([(
                "C1".to_string(),
                CriterionScore {
                    points: 24.0,
                    note: String::new(),
                },
            )]),
            comment: "Tốt".into(),
        },
    );
    o.leading_vote = Some("CBG".into());
    o.inspections.insert(
        "i1".into(),
        Inspection {
            date: Some(d("2026-06-12")),
            team: "Đoàn kiểm tra của Cụm (CBG, TQG)".into(),
            findings: "Hoàn thành các chỉ tiêu".into(),
            shortcomings: BTreeMap::from([(
                "h1".to_string(),
                FollowUp {
                    text: "Chưa phát hiện, đăng ký gương điển hình".into(),
                    status: FollowUpStatus::InProgress,
                    note: String::new(),
                    due_date: Some(d("2026-09-30")),
                    done_on: None,
                },
            )]),
            recommendations: BTreeMap::from([(
                "k1".to_string(),
                FollowUp {
                    text: "Hướng dẫn tiêu chí rõ hơn".into(),
                    status: FollowUpStatus::Done,
                    note: "Đã có văn bản".into(),
                    due_date: None,
                    done_on: Some(d("2026-07-01")),
                },
            )]),
        },
    );
    o.exemplary_models.insert(
        "g1".into(),
        ExemplaryModel {
            person_id: Some("p1".into()),
            collective_name: String::new(),
            description: "Chuyển đổi số hồ sơ kỳ họp".into(),
            stage: ModelStage::Selected,
            stage_dates: StageDates {
                found: Some(d("2026-02-01")),
                nurtured: Some(d("2026-04-01")),
                selected: Some(d("2026-06-01")),
                ..StageDates::default()
            },
            proposal_id: Some("tt1".into()),
        },
    );
    let mut e = TitleEvaluation::new("p1", 2026);
    e.rating = Some(PerformanceRating::HoanThanhXuatSac);
    e.initiatives = 1;
    e.votes_yes = 6;
    e.votes_total = 7;
    e.proposed_title = Some(Title::ChienSiThiDuaCoSo);
    o.evaluations.insert(evaluation_key("p1", 2026), e);
    let mut ce = CollectiveEvaluation::new(2026);
    ce.rating = Some(PerformanceRating::HoanThanhXuatSac);
    ce.proposed_title = Some(Title::TapTheLaoDongXuatSac);
    o.collective_evaluations.insert("2026".into(), ce);
    o.proposals.insert(
        "tt1".into(),
        Proposal {
            number: "12/TTr-VP".into(),
            date: Some(d("2026-11-20")),
            proposing_office: "LSN".into(),
            signer: "Hoàng Văn Minh".into(),
            person_id: Some("p1".into()),
            subject_name: String::new(),
            year: 2026,
            title: Some(Title::ChienSiThiDuaCoSo),
            award_kind: AwardKind::Regular,
            award: String::new(),
            note: String::new(),
            dossier: Dossier::default(),
        },
    );
    o.decisions.insert(
        "qd1".into(),
        Decision {
            number: "123/QĐ-UBND".into(),
            date: Some(d("2026-12-15")),
            signer: "Chủ tịch UBND tỉnh Lạng Sơn".into(),
            citation: "Đã có thành tích xuất sắc năm 2026".into(),
            proposal_ids: vec!["tt1".into()],
        },
    );
    o
}

pub(super) fn cluster_doc() -> Automerge {
    new_cluster_doc(&cluster_value())
}

pub(super) fn office_doc() -> Automerge {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    write::write_office(&mut tx, &office_value()).unwrap();
    tx.commit();
    doc
}

pub(super) fn codes(v: &[crate::core::Violation]) -> Vec<&str> {
    v.iter().map(|v| v.code.as_str()).collect()
}
