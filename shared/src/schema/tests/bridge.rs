//! Bridges from an office document to the rule inputs.

use super::*;
use crate::domain::rules::{DisciplineRecord, RuleCatalog};
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
fn the_collective_year_counts_proposed_titles_and_leaves_out_unrated_staff() {
    let mut o = office_value();
    let mut an = rated("p2", 2026, PerformanceRating::HoanThanhTot);
    an.proposed_title = Some(Title::LaoDongTienTien);
    o.evaluations.insert(evaluation_key("p2", 2026), an);
    o.staff
        .insert("p3".into(), person("Lò Văn Sáng", Gender::Male));
    let mut left = person("Đinh Văn Cũ", Gender::Male);
    left.left_on = Some(d("2025-12-31"));
    o.staff.insert("p4".into(), left);

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
                    rating: PerformanceRating::HoanThanhXuatSac,
                    lao_dong_tien_tien: true,
                    chien_si_thi_dua_co_so: true,
                    discipline: lien.discipline_records(),
                },
                MemberResult {
                    name: "Nguyễn Văn An".into(),
                    rating: PerformanceRating::HoanThanhTot,
                    lao_dong_tien_tien: true,
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
    let e = bridge::evaluate_office(&o, None, &catalog, Title::TapTheLaoDongXuatSac, 2026)
        .unwrap()
        .unwrap();
    assert!(e.eligible, "{e:?}");
}

#[test]
fn the_cap_input_counts_the_years_staff_and_cstdcs_proposals() {
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
    tu.proposed_title = Some(Title::ChienSiThiDuaCoSo);
    o.evaluations.insert(evaluation_key("p5", 2026), tu);

    let input = bridge::cap_input(&o, 2026);
    assert_eq!(
        input,
        bridge::CapInput {
            year: 2026,
            staff_count: 5,
            proposed_cstdcs: 2,
            proposed_ids: vec!["p1".into(), "p5".into()],
        }
    );
    let catalog = RuleCatalog::defaults();
    // The cluster caps at 15%: 15% × 5 = 0,75 → 0 allowed, 2 proposed.
    let mut cluster = cluster_value();
    let check = bridge::check_cap(&o, Some(&cluster), &catalog, 2026).unwrap();
    assert!(check.warning, "{check:?}");
    assert_eq!(check.allowed, Some(0));
    assert!(check.basis.contains("cụm thi đua"));
    // The cluster lifts the cap.
    cluster.rule_settings.cstdcs_cap_percent = None;
    let check = bridge::check_cap(&o, Some(&cluster), &catalog, 2026).unwrap();
    assert!(!check.warning);
    assert_eq!(check.cap_percent, None);
    // No override: the rule set's default cap applies.
    cluster.rule_settings.override_cstdcs_cap = false;
    let rules = bridge::effective_rule_set(Some(&cluster), &catalog, 2026).unwrap();
    assert_eq!(rules.id, "tdkt-2025-nd152");
    assert_eq!(rules.individual.cstdcs_cap_percent, Some(15));
    // A named rule set replaces the one in force.
    cluster.rule_settings.rule_set_id = Some("tdkt-2024-nd98".into());
    let rules = bridge::effective_rule_set(Some(&cluster), &catalog, 2026).unwrap();
    assert_eq!(rules.id, "tdkt-2024-nd98");
    cluster.rule_settings.rule_set_id = Some("khong-co".into());
    assert!(bridge::effective_rule_set(Some(&cluster), &catalog, 2026).is_err());
}
