//! Validation boundaries: each check at the edge where it starts to fail.

use automerge::transaction::{Transactable, Transaction};
use automerge::{Automerge, ObjType, ROOT};

use super::*;
use crate::core::new_violations;

/// Runs `f` in a transaction on the full office document and returns the
/// violations the change introduces, as the core would.
fn office_change(f: impl FnOnce(&mut Transaction<'_>)) -> Vec<crate::core::Violation> {
    let cluster = cluster_doc();
    let mut doc = office_doc();
    let before = validate_office(&doc, "LSN", Some(&cluster));
    let mut tx = doc.transaction();
    f(&mut tx);
    new_violations(&before, validate_office(&tx, "LSN", Some(&cluster)))
}

fn cluster_change(f: impl FnOnce(&mut Transaction<'_>)) -> Vec<crate::core::Violation> {
    let mut doc = cluster_doc();
    let before = validate_cluster(&doc, &directory());
    let mut tx = doc.transaction();
    f(&mut tx);
    new_violations(&before, validate_cluster(&tx, &directory()))
}

fn set_score(tx: &mut Transaction<'_>, criterion: &str, points: f64) {
    let s = SelfScore {
        points,
        ..SelfScore::default()
    };
    write::put_entry(tx, &["selfScores"], criterion, &s).unwrap();
}

#[test]
fn a_self_score_exactly_at_the_maximum_passes_and_above_it_fails() {
    assert_eq!(office_change(|tx| set_score(tx, "C1", 25.0)), vec![]);
    let v = office_change(|tx| set_score(tx, "C1", 25.5));
    assert_eq!(codes(&v), ["score-above-maximum"]);
    assert_eq!(v[0].path, "selfScores/C1/points");
    assert!(
        v[0].message_vi.contains("vượt quá điểm tối đa 25"),
        "{}",
        v[0].message_vi
    );
    assert!(v[0].message_vi.contains("25,5"));
    assert!(v[0].message_en.contains("above its maximum 25"));
}

#[test]
fn a_raw_version_1_style_score_write_is_checked_the_same_way() {
    // What the relay test does: put_object + put of an integer.
    let v = office_change(|tx| {
        let scores = read::map(tx, &ROOT, "selfScores").unwrap();
        let s = tx.put_object(&scores, "C2", ObjType::Map).unwrap();
        tx.put(&s, "points", 30).unwrap();
    });
    assert_eq!(codes(&v), ["score-above-maximum"]);
    assert!(v[0].message_vi.contains("vượt quá điểm tối đa 15"));
}

#[test]
fn negative_scores_and_unknown_criteria_fail() {
    assert_eq!(
        codes(&office_change(|tx| set_score(tx, "C2", -1.0))),
        ["score-negative"]
    );
    assert_eq!(office_change(|tx| set_score(tx, "C2", 0.0)), vec![]);
    let v = office_change(|tx| set_score(tx, "C9", 3.0));
    assert_eq!(codes(&v), ["unknown-criterion"]);
    assert_eq!(v[0].path, "selfScores/C9");
    assert!(v[0].message_vi.contains("không có trong bảng chấm điểm"));
    // Without the cluster document only the sign can be checked.
    let mut doc = office_doc();
    let mut tx = doc.transaction();
    set_score(&mut tx, "C9", 99.0);
    assert_eq!(validate_office(&tx, "LSN", None), vec![]);
}

#[test]
fn peer_scores_follow_the_table_and_go_to_other_member_offices() {
    let give = |office: &str, points: f64| {
        office_change(move |tx| {
            let review = PeerReview {
                scores: BTreeMap::from([(
                    "C2".to_string(),
                    CriterionScore {
                        points,
                        note: String::new(),
                    },
                )]),
                comment: String::new(),
            };
            write::put_entry(tx, &["peerReviews"], office, &review).unwrap();
        })
    };
    assert_eq!(give("TQG", 15.0), vec![]);
    let v = give("TQG", 16.0);
    assert_eq!(codes(&v), ["score-above-maximum"]);
    assert_eq!(v[0].path, "peerReviews/TQG/scores/C2/points");
    assert_eq!(codes(&give("LSN", 10.0)), ["review-of-own-office"]);
    assert_eq!(codes(&give("XYZ", 10.0)), ["unknown-office"]);
    let v = office_change(|tx| write::put_field(tx, &[], "leadingVote", &"XYZ").unwrap());
    assert_eq!(codes(&v), ["unknown-office"]);
}

#[test]
fn more_yes_votes_than_votes_cast_fail() {
    let vote = |yes: u32, total: u32| {
        office_change(move |tx| {
            let path = ["evaluations", "2026-p1"];
            write::put_field(tx, &path, "votesYes", &(yes as i64)).unwrap();
            write::put_field(tx, &path, "votesTotal", &(total as i64)).unwrap();
        })
    };
    assert_eq!(vote(7, 7), vec![]);
    let v = vote(8, 7);
    assert_eq!(codes(&v), ["votes-above-total"]);
    assert_eq!(v[0].path, "evaluations/2026-p1/votesYes");
    assert!(
        v[0].message_vi
            .contains("số phiếu đồng ý (8) lớn hơn tổng số phiếu (7)")
    );
    let v = office_change(|tx| {
        write::put_field(tx, &["collectiveEvaluations", "2026"], "votesYes", &3i64).unwrap();
    });
    assert_eq!(codes(&v), ["votes-above-total"]);
}

#[test]
fn malformed_decision_and_proposal_numbers_fail() {
    let number = |path: [&'static str; 2], n: &'static str| {
        office_change(move |tx| write::put_field(tx, &path, "number", &n).unwrap())
    };
    assert_eq!(number(["decisions", "qd1"], "124/QĐ-UBND"), vec![]);
    assert_eq!(number(["decisions", "qd1"], ""), vec![]);
    let v = number(["decisions", "qd1"], "QĐ-UBND/123");
    assert_eq!(codes(&v), ["bad-document-number"]);
    assert_eq!(v[0].path, "decisions/qd1/number");
    assert!(v[0].message_vi.contains("ví dụ 123/QĐ-UBND"));
    assert_eq!(
        codes(&number(["decisions", "qd1"], "123/QĐ UBND")),
        ["bad-document-number"]
    );
    assert_eq!(
        codes(&number(["proposals", "tt1"], "12-TTr-VP")),
        ["bad-document-number"]
    );
    assert_eq!(number(["proposals", "tt1"], "13/TTr-VP"), vec![]);
}

#[test]
fn a_decision_dated_before_its_proposal_fails() {
    let dated = |date: &'static str| {
        office_change(move |tx| {
            write::put_field(tx, &["decisions", "qd1"], "date", &d(date)).unwrap();
        })
    };
    assert_eq!(dated("2026-11-20"), vec![]);
    let v = dated("2026-11-19");
    assert_eq!(codes(&v), ["decision-before-proposal"]);
    assert!(
        v[0].message_vi
            .contains("trước ngày 20/11/2026 của tờ trình 12/TTr-VP")
    );
    let v = office_change(|tx| {
        let ids = vec!["tt1".to_string(), "tt9".to_string()];
        write::put_field(tx, &["decisions", "qd1"], "proposalIds", &ids).unwrap();
    });
    assert_eq!(codes(&v), ["unknown-proposal"]);
}

#[test]
fn invalid_dates_and_reversed_periods_fail() {
    let v = office_change(|tx| {
        write::put_field(tx, &["proposals", "tt1"], "date", &d("2026-02-30")).unwrap();
    });
    assert_eq!(codes(&v), ["bad-date"]);
    assert!(v[0].message_vi.contains("không phải ngày hợp lệ"));
    let v = office_change(|tx| {
        let path = ["staff", "p1", "discipline", "kl1"];
        write::put_field(tx, &path, "end", &d("2023-01-01")).unwrap();
    });
    assert_eq!(codes(&v), ["period-reversed"]);
    let v = office_change(|tx| {
        let path = ["exemplaryModels", "g1", "stageDates"];
        write::put_field(tx, &path, "selected", &d("2026-03-01")).unwrap();
    });
    assert_eq!(codes(&v), ["stage-dates-out-of-order"]);
}

#[test]
fn references_to_people_must_exist_and_titles_must_fit_the_subject() {
    let v = office_change(|tx| {
        write::put_field(tx, &["registrations", "r1"], "personId", &"p404").unwrap();
    });
    assert_eq!(codes(&v), ["unknown-person"]);
    let v = office_change(|tx| {
        write::put_field(
            tx,
            &["registrations", "r1"],
            "title",
            &Title::TapTheLaoDongXuatSac,
        )
        .unwrap();
    });
    assert_eq!(codes(&v), ["title-subject-mismatch"]);
    let v = office_change(|tx| {
        write::put_field(tx, &["staff", "p2"], "fullName", &" ").unwrap();
    });
    assert_eq!(codes(&v), ["missing-name"]);
}

#[test]
fn a_change_that_is_fine_passes() {
    let v = office_change(|tx| {
        let mut p = person("Lường Thị Hoa", Gender::Female);
        p.joined_on = Some(d("2026-04-01"));
        write::put_entry(tx, &["staff"], "p3", &p).unwrap();
        let mut e = TitleEvaluation::new("p3", 2026);
        e.rating = Some(PerformanceRating::HoanThanhTot);
        e.votes_yes = 7;
        e.votes_total = 7;
        e.proposed_title = Some(Title::LaoDongTienTien);
        write::put_entry(tx, &["evaluations"], &evaluation_key("p3", 2026), &e).unwrap();
        set_score(tx, "C2", 14.5);
        tx.put(ROOT, "ghiChu", "không thuộc lược đồ").unwrap();
    });
    assert_eq!(v, vec![]);
}

#[test]
fn an_existing_violation_does_not_block_other_edits() {
    // The cluster lowers C1's maximum below an existing self-score: the
    // office can still edit other things.
    let mut cluster = cluster_doc();
    let mut tx = cluster.transaction();
    write::put_field(&mut tx, &["criteria", "C1"], "maxPoints", &20i64).unwrap();
    tx.commit();
    let mut doc = office_doc();
    let before = validate_office(&doc, "LSN", Some(&cluster));
    // The self-score (23,5) and the score given to Cao Bằng (24) are now too high.
    assert_eq!(
        codes(&before),
        ["score-above-maximum", "score-above-maximum"]
    );
    let mut tx = doc.transaction();
    write::put_field(&mut tx, &["staff", "p2"], "position", &"Chuyên viên chính").unwrap();
    assert_eq!(
        new_violations(&before, validate_office(&tx, "LSN", Some(&cluster))),
        vec![]
    );
}

#[test]
fn the_wrong_kind_or_office_code_fails() {
    let office = new_office_doc("CBG", "Văn phòng Đoàn ĐBQH và HĐND tỉnh Cao Bằng");
    assert_eq!(
        codes(&validate_office(&office, "LSN", None)),
        ["wrong-office"]
    );
    assert_eq!(
        codes(&validate_cluster(&office, &directory())),
        ["wrong-kind", "unknown-leader"]
    );
}

#[test]
fn leader_and_deputy_must_be_distinct_current_members() {
    let v = cluster_change(|tx| tx.put(ROOT, "leader", "XXX").unwrap());
    assert_eq!(codes(&v), ["unknown-leader"]);
    let v = cluster_change(|tx| tx.put(ROOT, "deputy", "LSN").unwrap());
    assert_eq!(codes(&v), ["deputy-is-leader"]);
    let v = cluster_change(|tx| {
        write::put_field(
            tx,
            &["members", "LSN"],
            "validUntil",
            &Some(d("2025-12-31")),
        )
        .unwrap();
    });
    assert_eq!(codes(&v), ["leader-not-member"]);
    assert!(v[0].message_vi.contains("Cụm trưởng"));
    let v = cluster_change(|tx| {
        write::delete_entry(tx, &["members"], "CBG").unwrap();
    });
    assert_eq!(codes(&v), ["deputy-not-member"]);
}

#[test]
fn member_validity_periods_and_predecessors_must_be_sane() {
    let v = cluster_change(|tx| {
        write::put_field(tx, &["members", "HGG"], "validFrom", &Some(d("2025-07-01"))).unwrap();
    });
    assert_eq!(codes(&v), ["member-period-reversed"]);
    let v = cluster_change(|tx| {
        let preds = vec!["HGG".to_string(), "YBI".to_string()];
        write::put_field(tx, &["members", "TQG"], "predecessors", &preds).unwrap();
    });
    assert_eq!(codes(&v), ["unknown-predecessor"]);
    let v = cluster_change(|tx| {
        write::put_field(tx, &["members", "TQG"], "code", &"TQ").unwrap();
    });
    assert_eq!(codes(&v), ["member-code-mismatch"]);
}

#[test]
fn the_scoring_table_and_cluster_settings_are_checked() {
    let v = cluster_change(|tx| {
        write::put_field(tx, &["criteria", "C2"], "maxPoints", &0i64).unwrap();
    });
    assert_eq!(codes(&v), ["bad-maximum"]);
    let v = cluster_change(|tx| {
        write::put_field(tx, &["criteria", "C2"], "section", &"S9").unwrap();
    });
    assert_eq!(codes(&v), ["unknown-section"]);
    let v = cluster_change(|tx| {
        write::put_field(tx, &["ruleSettings"], "cstdcsCapPercent", &101i64).unwrap();
    });
    assert_eq!(codes(&v), ["bad-cap-percent"]);
    let v = cluster_change(|tx| {
        write::put_field(tx, &["plans", "k1"], "number", &"15/kh").unwrap();
        write::put_field(tx, &["deadlines", "dk"], "date", &"").unwrap();
        tx.put(ROOT, "year", 26).unwrap();
    });
    assert_eq!(
        codes(&v),
        ["bad-year", "bad-document-number", "missing-date"]
    );
}

#[test]
fn validation_reads_an_open_transaction_and_a_committed_document_alike() {
    let mut doc: Automerge = office_doc();
    let mut tx = doc.transaction();
    set_score(&mut tx, "C1", 26.0);
    let in_tx = validate_office(&tx, "LSN", Some(&cluster_doc()));
    tx.commit();
    assert_eq!(in_tx, validate_office(&doc, "LSN", Some(&cluster_doc())));
    assert_eq!(codes(&in_tx), ["score-above-maximum"]);
}

#[test]
fn targets_are_checked_and_explained() {
    let mut t = YearTargets::new(2026);
    t.collective_title = Some(Title::TapTheLaoDongXuatSac);
    t.ldtt_percent = Some(100);
    t.cstdcs_percent = Some(15);
    let ok = office_change(|tx| {
        write::put_entry(tx, &["targets"], "2026", &t).unwrap();
    });
    assert_eq!(codes(&ok), Vec::<&str>::new());
    t.ldtt_percent = Some(110);
    t.collective_title = Some(Title::LaoDongTienTien);
    let v = office_change(|tx| {
        write::put_entry(tx, &["targets"], "2026", &t).unwrap();
    });
    assert_eq!(codes(&v), ["title-subject-mismatch", "bad-target-percent"]);
    let percent = &v[1];
    assert_eq!(percent.path, "targets/2026/ldttPercent");
    assert!(
        percent.message_vi.contains("chỉ tiêu phải từ 0 đến 100%"),
        "{}",
        percent.message_vi
    );
}

#[test]
fn an_exemplary_model_links_to_an_existing_proposal_and_reaches_the_last_stages() {
    // The source article's last stages: tôn vinh, nhân rộng.
    let ok = office_change(|tx| {
        write::put_field(
            tx,
            &["exemplaryModels", "g1"],
            "stage",
            &ModelStage::Replicated,
        )
        .unwrap();
        write::put_field(
            tx,
            &["exemplaryModels", "g1", "stageDates"],
            "honoured",
            &Some(d("2026-12-20")),
        )
        .unwrap();
        write::put_field(
            tx,
            &["exemplaryModels", "g1", "stageDates"],
            "replicated",
            &Some(d("2027-03-01")),
        )
        .unwrap();
    });
    assert_eq!(codes(&ok), Vec::<&str>::new());
    let v = office_change(|tx| {
        write::put_field(
            tx,
            &["exemplaryModels", "g1", "stageDates"],
            "replicated",
            &Some(d("2026-01-01")),
        )
        .unwrap();
        write::put_field(
            tx,
            &["exemplaryModels", "g1"],
            "proposalId",
            &Some("khong-co"),
        )
        .unwrap();
    });
    assert_eq!(codes(&v), ["unknown-proposal", "stage-dates-out-of-order"]);
}

#[test]
fn a_form_of_commendation_beside_the_title_is_checked_like_one() {
    let ok = office_change(|tx| {
        let path = ["evaluations", "2026-p1"];
        write::put_field(tx, &path, "proposedAward", &Title::BangKhenCapTinh).unwrap();
        write::put_field(tx, &path, "awardVotesYes", &5i64).unwrap();
        write::put_field(tx, &path, "awardVotesTotal", &7i64).unwrap();
    });
    assert_eq!(codes(&ok), Vec::<&str>::new());
    let v = office_change(|tx| {
        let path = ["evaluations", "2026-p1"];
        write::put_field(tx, &path, "proposedAward", &Title::TapTheLaoDongXuatSac).unwrap();
        write::put_field(tx, &path, "awardVotesYes", &8i64).unwrap();
        write::put_field(tx, &path, "awardVotesTotal", &7i64).unwrap();
    });
    assert_eq!(codes(&v), ["title-subject-mismatch", "votes-above-total"]);
    assert_eq!(v[1].path, "evaluations/2026-p1/awardVotesYes");
}

/// The cluster's inspection of LSN with one recommendation, and the cluster
/// document holding it.
fn cluster_with_inspection() -> Automerge {
    let mut doc = cluster_doc();
    let mut tx = doc.transaction();
    let insp = ClusterInspection {
        office: "LSN".into(),
        date: Some(d("2026-06-12")),
        team: "Đoàn kiểm tra của Cụm (CBG, TQG)".into(),
        conclusion: "Hoàn thành tốt; cần phát hiện gương điển hình".into(),
        items: BTreeMap::from([(
            "k1".to_string(),
            InspectionItem {
                kind: InspectionItemKind::Recommendation,
                text: "Phát hiện, đăng ký gương điển hình".into(),
                due_date: Some(d("2026-09-30")),
            },
        )]),
        ..ClusterInspection::default()
    };
    write::put_entry(&mut tx, &["inspections"], "kt1", &insp).unwrap();
    tx.commit();
    doc
}

#[test]
fn the_cluster_owns_its_inspections_and_the_office_follows_them_up() {
    let cluster = cluster_with_inspection();
    assert_eq!(validate_cluster(&cluster, &directory()), vec![]);
    // An inspection of an office outside the cluster is refused.
    let v = cluster_change(|tx| {
        let insp = ClusterInspection {
            office: "XYZ".into(),
            ..ClusterInspection::default()
        };
        write::put_entry(tx, &["inspections"], "kt9", &insp).unwrap();
    });
    assert_eq!(codes(&v), ["unknown-office"]);
    // The office records what it did about the cluster's recommendation…
    let mut doc = office_doc();
    let before = validate_office(&doc, "LSN", Some(&cluster));
    let mut tx = doc.transaction();
    let done = ItemFollowUp {
        status: FollowUpStatus::Done,
        note: "Đã đăng ký 2 gương điển hình".into(),
        done_on: Some(d("2026-09-01")),
    };
    write::put_entry(
        &mut tx,
        &["inspectionFollowUps"],
        &follow_up_key("kt1", "k1"),
        &done,
    )
    .unwrap();
    assert_eq!(
        new_violations(&before, validate_office(&tx, "LSN", Some(&cluster))),
        vec![]
    );
    // … but not about items the cluster never recorded for it.
    write::put_entry(
        &mut tx,
        &["inspectionFollowUps"],
        &follow_up_key("kt1", "k9"),
        &done,
    )
    .unwrap();
    let v = new_violations(&before, validate_office(&tx, "LSN", Some(&cluster)));
    assert_eq!(codes(&v), ["unknown-inspection-item"]);
    assert!(
        v[0].message_vi.contains("Cụm đã ghi nhận"),
        "{}",
        v[0].message_vi
    );
    // Another office cannot follow up LSN's inspection.
    assert_eq!(
        codes(&validate_office(&tx, "CBG", Some(&cluster)))
            .into_iter()
            .filter(|c| *c == "unknown-inspection-item")
            .count(),
        2
    );
}

#[test]
fn an_inspection_conclusion_may_run_to_pages() {
    // A conclusion is free text (several paragraphs), not a one-line field.
    let long = "Đoàn kiểm tra kết luận: đơn vị hoàn thành tốt nhiệm vụ. ".repeat(40);
    assert!(long.chars().count() > crate::schema::limits::MAX_LINE_CHARS);
    let v = cluster_change(|tx| {
        let insp = ClusterInspection {
            office: "LSN".into(),
            conclusion: long.clone(),
            ..ClusterInspection::default()
        };
        write::put_entry(tx, &["inspections"], "kt2", &insp).unwrap();
    });
    assert_eq!(codes(&v), Vec::<&str>::new());
}
