//! Bridges from an office document to the rule inputs.

use super::*;
use crate::domain::AwardKind;
use crate::domain::rules::{CapRounding, DisciplineRecord, RuleCatalog};
use crate::domain::{CollectiveYear, MemberResult, PersonHistory, YearRecord};
use crate::schema::bridge;

fn rated(person: &str, year: i32, rating: PerformanceRating) -> TitleEvaluation {
    let mut e = TitleEvaluation::new(person, year);
    e.rating = Some(rating);
    e
}

fn award(o: &mut OfficeDoc, id: &str, person: &str, year: i32, title: Title, date: &str) {
    o.proposals.insert(
        format!("tt-{id}"),
        Proposal {
            number: format!("{id}/TTr-VP"),
            date: Some(d(date)),
            proposing_office: "LSN".into(),
            person_id: Some(person.into()),
            year,
            title: Some(title),
            ..Proposal::default()
        },
    );
    o.decisions.insert(
        format!("qd-{id}"),
        Decision {
            number: format!("{id}/QĐ-UBND"),
            date: Some(d(date)),
            proposal_ids: vec![format!("tt-{id}")],
            ..Decision::default()
        },
    );
}

/// Liên (p1): CSTĐCS awarded for 2024 and 2025; 2024 and 2026 evaluated;
/// 2025 known only from its decision. A reprimand ran 01/03/2023–29/02/2024.
fn history_office() -> OfficeDoc {
    let mut o = office_value();
    o.proposals.clear();
    o.decisions.clear();
    let mut e24 = rated("p1", 2024, PerformanceRating::HoanThanhXuatSac);
    e24.initiatives = 1;
    o.evaluations.insert(evaluation_key("p1", 2024), e24);
    award(
        &mut o,
        "1",
        "p1",
        2024,
        Title::ChienSiThiDuaCoSo,
        "2025-01-20",
    );
    award(
        &mut o,
        "2",
        "p1",
        2025,
        Title::ChienSiThiDuaCoSo,
        "2026-01-18",
    );
    o
}

#[test]
fn person_history_uses_earlier_evaluations_and_titles_awarded_by_decisions() {
    let o = history_office();
    let h = bridge::person_history(&o, "p1", 2026);
    let reprimand = DisciplineRecord {
        level: DisciplineLevel::KhienTrach,
        start: "2023-03-01".parse().unwrap(),
        end: Some("2024-02-29".parse().unwrap()),
    };
    let mut y2024 = YearRecord::new(2024, PerformanceRating::HoanThanhXuatSac);
    y2024.initiatives = 1;
    y2024.discipline = vec![reprimand];
    y2024.titles_awarded = vec![Title::ChienSiThiDuaCoSo];
    // Known only from its decision: the least rating the title required.
    let mut y2025 = YearRecord::new(2025, PerformanceRating::HoanThanhTot);
    y2025.titles_awarded = vec![Title::ChienSiThiDuaCoSo];
    let mut y2026 = YearRecord::new(2026, PerformanceRating::HoanThanhXuatSac);
    y2026.initiatives = 1;
    assert_eq!(h, PersonHistory::new(vec![y2024, y2025, y2026]));
    // Later years are not part of an earlier year's history.
    assert_eq!(bridge::person_history(&o, "p1", 2024).records.len(), 1);
    // Nobody else has a history yet.
    assert_eq!(
        bridge::person_history(&o, "p2", 2026),
        PersonHistory::default()
    );
    assert_eq!(bridge::awards(&o).len(), 2);
}

#[test]
fn live_rule_checks_run_on_the_bridged_history() {
    let o = history_office();
    let catalog = RuleCatalog::defaults();
    let cluster = cluster_value();
    let cstdcs = bridge::evaluate_person(
        &o,
        Some(&cluster),
        &catalog,
        "p1",
        Title::ChienSiThiDuaCoSo,
        2026,
    )
    .unwrap();
    assert!(cstdcs.eligible, "{cstdcs:?}");
    // Bằng khen: CSTĐCS in 2025 and (met now) in 2026.
    let bang_khen = bridge::evaluate_person(
        &o,
        Some(&cluster),
        &catalog,
        "p1",
        Title::BangKhenCapTinh,
        2026,
    )
    .unwrap();
    assert!(bang_khen.eligible, "{bang_khen:?}");
    // The provincial title needs an initiative applied at provincial scope.
    let provincial = bridge::evaluate_person(
        &o,
        Some(&cluster),
        &catalog,
        "p1",
        Title::ChienSiThiDuaCapTinh,
        2026,
    )
    .unwrap();
    assert!(!provincial.eligible);
    // 2024 is spoiled by the reprimand that ended on 29/02/2024.
    let y2024 =
        bridge::evaluate_person(&o, None, &catalog, "p1", Title::LaoDongTienTien, 2024).unwrap();
    assert!(!y2024.eligible);
}

#[test]
fn the_collective_year_counts_proposed_titles_and_shows_unrated_staff_as_missing_data() {
    // Điều 27, 28: members without a rating are missing data, not members
    // dropped from the percentages.
    let mut o = office_value();
    let mut an = rated("p2", 2026, PerformanceRating::HoanThanhTot);
    an.proposed_title = Some(Title::LaoDongTienTien);
    o.evaluations.insert(evaluation_key("p2", 2026), an);
    o.staff
        .insert("p3".into(), person("Lò Văn Sáng", Gender::Male));
    let mut left = person("Đinh Văn Cũ", Gender::Male);
    left.left_on = Some(d("2025-12-31"));
    o.staff.insert("p4".into(), left);
    // Moved to another unit in March, not evaluated here: not a member.
    let mut moved = person("Hà Văn Chuyển", Gender::Male);
    moved.left_on = Some(d("2026-03-31"));
    o.staff.insert("p5".into(), moved);

    let c = bridge::collective_year(&o, 2026).unwrap();
    let lien = &o.staff["p1"];
    assert_eq!(
        c,
        CollectiveYear {
            year: 2026,
            rating: PerformanceRating::HoanThanhXuatSac,
            internal_unity: true,
            under_review: false,
            members: vec![
                MemberResult {
                    name: "Trần Thị Liên".into(),
                    rating: Some(PerformanceRating::HoanThanhXuatSac),
                    lao_dong_tien_tien: true,
                    chien_si_thi_dua_co_so: true,
                    discipline: lien.discipline_records(),
                },
                MemberResult {
                    name: "Nguyễn Văn An".into(),
                    rating: Some(PerformanceRating::HoanThanhTot),
                    lao_dong_tien_tien: true,
                    chien_si_thi_dua_co_so: false,
                    discipline: vec![],
                },
                MemberResult {
                    name: "Lò Văn Sáng".into(),
                    rating: None,
                    lao_dong_tien_tien: false,
                    chien_si_thi_dua_co_so: false,
                    discipline: vec![],
                },
            ],
        }
    );
    assert_eq!(bridge::unevaluated_staff(&o, 2026), ["p3"]);
    // No collective rating for 2025 yet: no input.
    assert_eq!(bridge::collective_year(&o, 2025), None);
    let catalog = RuleCatalog::defaults();
    let evaluate = |o: &OfficeDoc| {
        bridge::evaluate_office(o, None, &catalog, Title::TapTheLaoDongXuatSac, 2026)
            .unwrap()
            .unwrap()
    };
    let e = evaluate(&o);
    assert!(!e.eligible, "{e:?}");
    let missing = e
        .unmet()
        .find(|c| c.vi.contains("có xếp loại của tất cả thành viên"))
        .expect("the unrated member is named");
    assert!(missing.vi.ends_with("Lò Văn Sáng"), "{}", missing.vi);
    // Rated and proposed Lao động tiên tiến: 3/3, eligible.
    let mut sang = rated("p3", 2026, PerformanceRating::HoanThanhTot);
    sang.proposed_title = Some(Title::LaoDongTienTien);
    o.evaluations.insert(evaluation_key("p3", 2026), sang);
    let e = evaluate(&o);
    assert!(e.eligible, "{e:?}");
}

#[test]
fn the_cap_counts_cstdcs_or_higher_among_the_lao_dong_tien_tien() {
    // Decree 91/2017's base (the Lao động tiên tiến, not the staff), kept
    // by the cluster's 15% setting; "trở lên": higher titles count.
    let mut o = office_value();
    for (id, name) in [
        ("p3", "Lò Văn Sáng"),
        ("p4", "Hà Thị Mai"),
        ("p5", "Vi Văn Tú"),
    ] {
        o.staff.insert(id.into(), person(name, Gender::Male));
    }
    let mut gone = person("Đinh Văn Cũ", Gender::Male);
    gone.left_on = Some(d("2025-06-30"));
    o.staff.insert("p6".into(), gone);
    let mut tu = rated("p5", 2026, PerformanceRating::HoanThanhXuatSac);
    tu.proposed_title = Some(Title::ChienSiThiDuaCapTinh);
    o.evaluations.insert(evaluation_key("p5", 2026), tu);
    let mut mai = rated("p4", 2026, PerformanceRating::HoanThanhTot);
    mai.proposed_title = Some(Title::LaoDongTienTien);
    o.evaluations.insert(evaluation_key("p4", 2026), mai);

    let input = bridge::cap_input(&o, 2026);
    assert_eq!(
        input,
        bridge::CapInput {
            year: 2026,
            staff_count: 5,
            ldtt_count: 3,
            proposed_cstdcs: 2,
            proposed_ids: vec!["p1".into(), "p5".into()],
        }
    );
    let catalog = RuleCatalog::defaults();
    // The cluster caps at 15%: 15% × 3 = 0,45 → 0, at least 1; 2 proposed.
    let mut cluster = cluster_value();
    let check = bridge::check_cap(&o, Some(&cluster), &catalog, 2026).unwrap();
    assert!(check.warning, "{check:?}");
    assert_eq!(check.allowed, Some(1));
    assert!(
        check.vi.contains("căn cứ: quy định của cụm thi đua"),
        "{}",
        check.vi
    );
    assert!(
        check
            .vi
            .contains("2 Chiến sĩ thi đua cơ sở trở lên / 3 người"),
        "{}",
        check.vi
    );
    // The cluster sets 50%, rounded up: 1,5 → 2 allowed.
    cluster.rule_settings.cstdcs_cap_percent = Some(50);
    cluster.rule_settings.cstdcs_cap_rounding = Some(CapRounding::Up);
    let check = bridge::check_cap(&o, Some(&cluster), &catalog, 2026).unwrap();
    assert_eq!(check.allowed, Some(2));
    assert!(!check.warning, "{}", check.vi);
    assert!(
        check.vi.contains("50% × 3 = 1,5, làm tròn lên 2"),
        "{}",
        check.vi
    );
    // The cluster lifts the cap.
    cluster.rule_settings.cstdcs_cap_percent = None;
    let check = bridge::check_cap(&o, Some(&cluster), &catalog, 2026).unwrap();
    assert!(!check.warning);
    assert_eq!(check.cap, None);
    // No override: the rule set's default cap applies.
    cluster.rule_settings.override_cstdcs_cap = false;
    let rules = bridge::effective_rule_set(Some(&cluster), &catalog, 2026).unwrap();
    assert_eq!(rules.id, "tdkt-2025-nd152");
    assert_eq!(
        rules.individual.cstdcs_cap.as_ref().map(|c| c.percent),
        Some(15)
    );
    // A named rule set replaces the one in force.
    cluster.rule_settings.rule_set_id = Some("tdkt-2024-nd98".into());
    let rules = bridge::effective_rule_set(Some(&cluster), &catalog, 2026).unwrap();
    assert_eq!(rules.id, "tdkt-2024-nd98");
    cluster.rule_settings.rule_set_id = Some("khong-co".into());
    assert!(bridge::effective_rule_set(Some(&cluster), &catalog, 2026).is_err());
}

#[test]
fn a_person_who_joined_in_march_is_a_newcomer_unless_transferred_in() {
    // The minimum months for newcomers (Nghị định 152/2025/NĐ-CP rule set),
    // from Person.joined_on.
    let catalog = RuleCatalog::defaults();
    let mut o = office_value();
    let mut hoa = person("Lường Thị Hoa", Gender::Female);
    hoa.joined_on = Some(d("2026-03-16"));
    o.staff.insert("p7".into(), hoa);
    o.evaluations.insert(
        evaluation_key("p7", 2026),
        rated("p7", 2026, PerformanceRating::HoanThanhTot),
    );
    let ldtt = |o: &OfficeDoc| {
        bridge::evaluate_person(o, None, &catalog, "p7", Title::LaoDongTienTien, 2026).unwrap()
    };
    let e = ldtt(&o);
    assert!(!e.eligible);
    let months = e.unmet().next().unwrap();
    assert!(
        months.vi.ends_with("tuyển dụng ngày 16/03/2026: 9 tháng"),
        "{}",
        months.vi
    );
    o.staff.get_mut("p7").unwrap().joined_on = Some(d("2026-03-01"));
    assert!(ldtt(&o).eligible);
    o.staff.get_mut("p7").unwrap().joined_on = Some(d("2026-03-16"));
    o.evaluations
        .get_mut(&evaluation_key("p7", 2026))
        .unwrap()
        .transferred_in = true;
    assert!(ldtt(&o).eligible, "service before the transfer counts");
    // The next year is a whole year.
    o.evaluations.insert(
        evaluation_key("p7", 2027),
        rated("p7", 2027, PerformanceRating::HoanThanhTot),
    );
    let next =
        bridge::evaluate_person(&o, None, &catalog, "p7", Title::LaoDongTienTien, 2027).unwrap();
    assert!(next.eligible);
}

#[test]
fn themed_and_ad_hoc_awards_stay_out_of_the_merit_history() {
    // Nghị định 152/2025/NĐ-CP: not a basis for merit awards.
    let mut o = history_office();
    o.proposals.get_mut("tt-1").unwrap().award_kind = AwardKind::Themed;
    let h = bridge::person_history(&o, "p1", 2026);
    let y2024 = h.year(2024).unwrap();
    assert!(y2024.titles_awarded.is_empty());
    assert_eq!(y2024.special_awards, [Title::ChienSiThiDuaCoSo]);
    // The Bằng khen chain 2025–2026 still holds (2025 is regular) …
    let catalog = RuleCatalog::defaults();
    let e =
        bridge::evaluate_person(&o, None, &catalog, "p1", Title::BangKhenCapTinh, 2026).unwrap();
    assert!(e.eligible, "{e:?}");
    // … but a 2025 ad-hoc award breaks it.
    o.proposals.get_mut("tt-2").unwrap().award_kind = AwardKind::AdHoc;
    let e =
        bridge::evaluate_person(&o, None, &catalog, "p1", Title::BangKhenCapTinh, 2026).unwrap();
    let route = e.unmet().next().expect("no route met");
    assert!(!route.alternatives[0].met, "{}", route.alternatives[0].vi);
}
