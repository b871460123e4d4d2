//! Scenario tests for the title rules. Each test names the article it
//! covers (Điều …) in its name or its first comment.

use super::*;
use PerformanceRating::{HoanThanh, HoanThanhTot, HoanThanhXuatSac, KhongHoanThanh};

fn d(year: i32, month: u32, day: u32) -> Date {
    Date::new(year, month, day).unwrap()
}

fn rules_for(year: i32) -> RuleSet {
    RuleCatalog::defaults().for_year(year).unwrap().clone()
}

fn rec(year: i32, rating: PerformanceRating) -> YearRecord {
    YearRecord::new(year, rating)
}

/// A year for which CSTĐCS was awarded.
fn cstdcs_awarded(year: i32) -> YearRecord {
    let mut r = rec(year, HoanThanhXuatSac);
    r.titles_awarded = vec![Title::LaoDongTienTien, Title::ChienSiThiDuaCoSo];
    r
}

fn history(records: Vec<YearRecord>) -> PersonHistory {
    PersonHistory::new(records)
}

/// The condition whose Vietnamese text contains `needle`.
fn condition<'a>(evaluation: &'a Evaluation, needle: &str) -> &'a Condition {
    evaluation
        .conditions
        .iter()
        .find(|c| c.vi.contains(needle))
        .unwrap_or_else(|| panic!("no condition with {needle:?} in {evaluation:#?}"))
}

fn discipline(level: DisciplineLevel, start: Date, end: Option<Date>) -> DisciplineRecord {
    DisciplineRecord { level, start, end }
}

// ---------------------------------------------------------------------------
// Lao động tiên tiến (Điều 24)
// ---------------------------------------------------------------------------

#[test]
fn dieu_24_good_rating_and_taking_part_is_eligible() {
    let rules = rules_for(2025);
    for rating in [HoanThanhTot, HoanThanhXuatSac] {
        let e = evaluate_lao_dong_tien_tien(&rules, &history(vec![rec(2025, rating)]), 2025);
        assert!(e.eligible, "{e:#?}");
        assert!(!e.frozen);
        assert_eq!(e.rule_set_id, "tdkt-2025-nd152");
        assert!(e.conditions.iter().any(|c| c.article == "Điều 24"));
        assert_eq!(e.summary_vi(), "Đủ điều kiện Lao động tiên tiến năm 2025");
    }
}

#[test]
fn dieu_24_rating_below_good_fails_with_reason() {
    let rules = rules_for(2025);
    for rating in [HoanThanh, KhongHoanThanh] {
        let e = evaluate_lao_dong_tien_tien(&rules, &history(vec![rec(2025, rating)]), 2025);
        assert!(!e.eligible);
        let c = condition(&e, "xếp loại");
        assert!(!c.met);
        assert_eq!(c.article, "Điều 24");
        assert_eq!(
            c.vi,
            format!(
                "chưa đạt: xếp loại từ hoàn thành tốt nhiệm vụ trở lên — hiện: {}",
                rating.name_vi()
            )
        );
        assert!(c.en.starts_with("missing: rated good completion of duties or better"));
    }
}

#[test]
fn dieu_24_not_taking_part_in_emulation_fails() {
    let mut r = rec(2025, HoanThanhXuatSac);
    r.takes_part_in_emulation = false;
    let e = evaluate_lao_dong_tien_tien(&rules_for(2025), &history(vec![r]), 2025);
    assert!(!e.eligible);
    assert_eq!(e.unmet().count(), 1);
    assert_eq!(
        condition(&e, "tham gia").vi,
        "chưa đạt: tham gia phong trào thi đua — không"
    );
    assert_eq!(
        e.summary_en(),
        "Not yet eligible for Advanced Worker 2025 (1 condition missing)"
    );
}

#[test]
fn dieu_24_missing_record_is_explained() {
    let e = evaluate_lao_dong_tien_tien(
        &rules_for(2025),
        &history(vec![rec(2024, HoanThanhTot)]),
        2025,
    );
    assert!(!e.eligible);
    assert!(
        condition(&e, "hồ sơ thành tích năm 2025")
            .vi
            .starts_with("chưa đạt:")
    );
}

// ---------------------------------------------------------------------------
// Chiến sĩ thi đua cơ sở (Điều 23)
// ---------------------------------------------------------------------------

#[test]
fn dieu_23_any_one_of_excellent_initiative_research() {
    let rules = rules_for(2025);
    let mut excellent = rec(2025, HoanThanhXuatSac);
    excellent.initiatives = 0;
    let mut initiative = rec(2025, HoanThanhTot);
    initiative.initiatives = 1;
    let mut research = rec(2025, HoanThanhTot);
    research.research_projects = 1;
    for (label, r) in [
        ("excellent", excellent),
        ("initiative", initiative),
        ("research", research),
    ] {
        let e = evaluate_chien_si_thi_dua_co_so(&rules, &history(vec![r]), 2025);
        assert!(e.eligible, "{label}: {e:#?}");
        let any = condition(&e, "một trong");
        assert_eq!(any.article, "Điều 23");
        assert_eq!(any.alternatives.len(), 3);
        assert_eq!(
            any.alternatives.iter().filter(|c| c.met).count(),
            1,
            "{label}"
        );
    }
}

#[test]
fn dieu_23_good_rating_alone_is_not_enough() {
    let e = evaluate_chien_si_thi_dua_co_so(
        &rules_for(2025),
        &history(vec![rec(2025, HoanThanhTot)]),
        2025,
    );
    assert!(!e.eligible);
    let any = condition(&e, "một trong");
    assert!(!any.met);
    assert!(
        any.vi.ends_with("chưa đạt điều kiện nào trong 3 điều kiện"),
        "{}",
        any.vi
    );
    assert_eq!(
        any.alternatives[1].vi,
        "chưa đạt: có sáng kiến được công nhận — hiện 0 sáng kiến"
    );
    // The Lao động tiên tiến part itself is met.
    assert!(condition(&e, "xếp loại từ").met);
}

#[test]
fn dieu_23_needs_lao_dong_tien_tien_first() {
    // An initiative does not make up for a rating below "hoàn thành tốt".
    let mut r = rec(2025, HoanThanh);
    r.initiatives = 2;
    let e = evaluate_chien_si_thi_dua_co_so(&rules_for(2025), &history(vec![r]), 2025);
    assert!(!e.eligible);
    assert!(condition(&e, "một trong").met);
    assert!(!condition(&e, "xếp loại từ").met);
}

#[test]
fn nd91_2017_cstdcs_needs_an_initiative_or_research_excellent_alone_does_not_qualify() {
    // Decree 91/2017 (rule sets tdkt-2017-nd91, tdkt-2020-tt12): Lao động
    // tiên tiến plus an initiative or an accepted research project; the 2022
    // law (Điều 23) added the excellent rating as a third way.
    let excellent_only = || rec(0, HoanThanhXuatSac);
    for year in [2018, 2021, 2023] {
        let rules = rules_for(year);
        assert!(
            !rules.individual.cstdcs_excellent_rating_qualifies,
            "{year}"
        );
        let mut r = excellent_only();
        r.year = year;
        let e = evaluate_chien_si_thi_dua_co_so(&rules, &history(vec![r.clone()]), year);
        assert!(!e.eligible, "{year}: {e:#?}");
        let any = condition(&e, "sáng kiến được công nhận hoặc đề tài");
        assert_eq!(any.alternatives.len(), 2);
        assert!(
            any.vi.contains("hoàn thành xuất sắc nhiệm vụ thì chưa đủ"),
            "{}",
            any.vi
        );
        r.initiatives = 1;
        let e = evaluate_chien_si_thi_dua_co_so(&rules, &history(vec![r]), year);
        assert!(e.eligible, "{year}: {e:#?}");
    }
    for year in [2024, 2025] {
        let mut r = excellent_only();
        r.year = year;
        let e = evaluate_chien_si_thi_dua_co_so(&rules_for(year), &history(vec![r]), year);
        assert!(e.eligible, "{year}: the 2022 law's Điều 23: {e:#?}");
    }
}

// ---------------------------------------------------------------------------
// The CSTĐCS cap: 15% of the Lao động tiên tiến (decree 91/2017), a unit
// target from 2024; higher titles count; rounding is data
// ---------------------------------------------------------------------------

#[test]
fn nd91_cap_base_is_the_lao_dong_tien_tien_count_not_the_staff() {
    // Decree 91/2017: at most 15% of the individuals awarded Lao động tiên
    // tiến. 20 Lao động tiên tiến → 3 allowed, whatever the staff size.
    let rules = rules_for(2019);
    let cap = rules.individual.cstdcs_cap.as_ref().unwrap();
    assert_eq!(cap.percent, 15);
    assert!(cap.basis.contains("Nghị định 91/2017"), "{}", cap.basis);
    let exactly = check_cstdcs_cap(&rules, 20, 3);
    assert_eq!(exactly.allowed, Some(3));
    assert!(!exactly.warning, "exactly 15% is within: {}", exactly.vi);
    assert!(exactly.vi.contains("(15% × 20 = 3)"), "{}", exactly.vi);
    let over = check_cstdcs_cap(&rules, 20, 4);
    assert!(over.warning);
    assert_eq!(
        over.vi,
        "cảnh báo: vượt tỷ lệ 15% Chiến sĩ thi đua cơ sở trên số cá nhân đạt Lao động tiên \
         tiến — 4 Chiến sĩ thi đua cơ sở trở lên / 20 người đạt Lao động tiên tiến = 20%; \
         tối đa 3 người (15% × 20 = 3); căn cứ: Nghị định 91/2017/NĐ-CP: không quá 15% số \
         cá nhân đạt danh hiệu Lao động tiên tiến"
    );
    assert!(
        over.en.starts_with("warning: over the 15% cap of Grassroots Emulation Fighters among Advanced Workers — 4 Grassroots Emulation Fighters or higher / 20 Advanced Workers = 20%; at most 3"),
        "{}",
        over.en
    );
}

#[test]
fn cap_rounds_down_with_at_least_one_so_a_six_person_office_can_reach_dieu_27() {
    // 15% × 6 = 0,9: rounded down that is 0, and Tập thể lao động xuất sắc
    // (Điều 27) needs one Chiến sĩ thi đua cơ sở. The built-in reading allows
    // at least one and says so.
    for year in [2018, 2022, 2025] {
        let rules = rules_for(year);
        let six = check_cstdcs_cap(&rules, 6, 1);
        assert_eq!(six.allowed, Some(1), "{year}");
        assert!(!six.warning, "{year}: {}", six.vi);
        assert!(
            six.vi
                .contains("15% × 6 = 0,9, làm tròn xuống 0; tối thiểu 1 người"),
            "{}",
            six.vi
        );
        assert!(
            six.en.contains("rounded down to 0; at least 1"),
            "{}",
            six.en
        );
        assert!(check_cstdcs_cap(&rules, 6, 2).warning, "{year}");
    }
    // Allowed for 1..=20 Lao động tiên tiến: ⌊n × 15%⌋, at least 1.
    let rules = rules_for(2025);
    let allowed: Vec<u32> = (1..=20)
        .map(|n| check_cstdcs_cap(&rules, n, 0).allowed.unwrap())
        .collect();
    assert_eq!(
        allowed,
        [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3]
    );
    // Nobody Lao động tiên tiến: nobody can be more.
    assert_eq!(check_cstdcs_cap(&rules, 0, 0).allowed, Some(0));
    assert!(check_cstdcs_cap(&rules, 0, 1).warning);
}

#[test]
fn cap_rounding_is_data_down_nearest_up_and_no_minimum() {
    let mut rules = rules_for(2025);
    let cap = rules.individual.cstdcs_cap.as_mut().unwrap();
    cap.minimum = 0;
    cap.rounding = CapRounding::Down;
    let six = check_cstdcs_cap(&rules, 6, 1);
    assert_eq!(six.allowed, Some(0));
    assert!(six.warning);
    assert!(!six.vi.contains("tối thiểu"), "{}", six.vi);
    let cap = rules.individual.cstdcs_cap.as_mut().unwrap();
    cap.rounding = CapRounding::Nearest;
    assert_eq!(check_cstdcs_cap(&rules, 10, 0).allowed, Some(2)); // 1,5 → 2
    assert_eq!(check_cstdcs_cap(&rules, 9, 0).allowed, Some(1)); // 1,35 → 1
    let cap = rules.individual.cstdcs_cap.as_mut().unwrap();
    cap.rounding = CapRounding::Up;
    let seven = check_cstdcs_cap(&rules, 7, 2);
    assert_eq!(seven.allowed, Some(2)); // 1,05 → 2
    assert!(
        seven.vi.contains("15% × 7 = 1,05, làm tròn lên 2"),
        "{}",
        seven.vi
    );
}

#[test]
fn cap_can_be_switched_off() {
    let mut rules = rules_for(2025);
    rules.individual.cstdcs_cap = None;
    let c = check_cstdcs_cap(&rules, 6, 3);
    assert!(!c.warning);
    assert_eq!(c.allowed, None);
    assert!(c.vi.starts_with("không giới hạn"), "{}", c.vi);
}

#[test]
fn cap_from_2024_is_a_unit_target_not_law() {
    let rules = rules_for(2025);
    let basis = &rules.individual.cstdcs_cap.as_ref().unwrap().basis;
    assert!(basis.contains("không quy định tỷ lệ"), "{basis}");
}

#[test]
fn cap_through_catalog_uses_year_rules() {
    let mut catalog = RuleCatalog::defaults();
    let mut old = catalog.for_year(2023).unwrap().clone();
    old.individual.cstdcs_cap.as_mut().unwrap().percent = 40;
    catalog.upsert(old).unwrap();
    // 40% of 5 = 2 allowed in 2023; 15% of 5 (at least 1) = 1 in 2025.
    assert!(!catalog.check_cstdcs_cap(2023, 5, 2).unwrap().warning);
    assert!(catalog.check_cstdcs_cap(2025, 5, 2).unwrap().warning);
    assert!(catalog.check_cstdcs_cap(2010, 5, 1).is_err());
}

// ---------------------------------------------------------------------------
// Lao động tiên tiến: minimum months of service for newcomers
// ---------------------------------------------------------------------------

#[test]
fn ldtt_newcomer_recruited_1_march_has_10_months_recruited_2_march_does_not() {
    // Circular 12/2019/TT-BNV and decree 98/2023, 152/2025: a newcomer
    // recruited under 10 months before the year end is not Lao động tiên tiến.
    for (year, basis) in [
        (2021, "Thông tư 12/2019/TT-BNV"),
        (2024, "Nghị định 98/2023/NĐ-CP"),
        (2025, "Nghị định 152/2025/NĐ-CP"),
    ] {
        let rules = rules_for(year);
        let mut march_1 = rec(year, HoanThanhTot);
        march_1.recruited_on = Some(d(year, 3, 1));
        let e = evaluate_lao_dong_tien_tien(&rules, &history(vec![march_1]), year);
        assert!(e.eligible, "{year}: {e:#?}");
        let months = condition(&e, "người mới tuyển dụng");
        assert_eq!(months.article, basis);
        assert!(
            months
                .vi
                .ends_with(&format!("tuyển dụng ngày 01/03/{year}: 10 tháng"))
        );

        let mut march_2 = rec(year, HoanThanhXuatSac);
        march_2.recruited_on = Some(d(year, 3, 2));
        march_2.initiatives = 1;
        let e = evaluate_lao_dong_tien_tien(&rules, &history(vec![march_2.clone()]), year);
        assert!(!e.eligible);
        assert_eq!(
            condition(&e, "người mới tuyển dụng").vi,
            format!(
                "chưa đạt: người mới tuyển dụng công tác từ 10 tháng trở lên trong năm — \
                 tuyển dụng ngày 02/03/{year}: 9 tháng"
            )
        );
        // Chiến sĩ thi đua cơ sở starts from Lao động tiên tiến.
        let e = evaluate_chien_si_thi_dua_co_so(&rules, &history(vec![march_2]), year);
        assert!(!e.eligible);
    }
    // Recruited in an earlier year: no condition at all.
    let mut earlier = rec(2025, HoanThanhTot);
    earlier.recruited_on = Some(d(2024, 11, 20));
    let e = evaluate_lao_dong_tien_tien(&rules_for(2025), &history(vec![earlier]), 2025);
    assert!(e.eligible);
    assert!(e.conditions.iter().all(|c| !c.vi.contains("tuyển dụng")));
}

// ---------------------------------------------------------------------------
// Ad-hoc and themed awards are not a basis (decree 152/2025)
// ---------------------------------------------------------------------------

#[test]
fn nd152_themed_award_is_not_a_basis_for_a_merit_chain() {
    // Điều 74 (Bằng khen) route: Chiến sĩ thi đua cơ sở 2 consecutive
    // years. A 2024 title given for a themed movement does not count.
    let rules = rules_for(2025);
    assert!(!rules.individual.special_awards_are_basis);
    assert_eq!(
        rules.individual.special_awards_basis,
        "Nghị định 152/2025/NĐ-CP"
    );
    let mut themed_2024 = rec(2024, HoanThanhXuatSac);
    themed_2024.special_awards = vec![Title::ChienSiThiDuaCoSo];
    let now = rec(2025, HoanThanhXuatSac);
    let e = evaluate_bang_khen_cap_tinh(
        &rules,
        &history(vec![themed_2024.clone(), now.clone()]),
        2025,
    );
    assert!(!e.eligible, "{e:#?}");
    // The same title for regular achievements counts.
    let regular = cstdcs_awarded(2024);
    let e = evaluate_bang_khen_cap_tinh(&rules, &history(vec![regular, now.clone()]), 2025);
    assert!(e.eligible, "{e:#?}");
    // A rule set that made them a basis would count it.
    let mut lenient = rules.clone();
    lenient.individual.special_awards_are_basis = true;
    let e = evaluate_bang_khen_cap_tinh(&lenient, &history(vec![themed_2024, now]), 2025);
    assert!(e.eligible, "{e:#?}");
}

// ---------------------------------------------------------------------------
// Chiến sĩ thi đua cấp tỉnh (Điều 22)
// ---------------------------------------------------------------------------

fn with_provincial_initiative(mut r: YearRecord) -> YearRecord {
    r.initiatives = 1;
    r.provincial_scope = true;
    r
}

#[test]
fn dieu_22_three_consecutive_years_and_provincial_initiative() {
    // 2023, 2024 awarded; 2025 meets CSTĐCS now (excellent rating).
    let h = history(vec![
        cstdcs_awarded(2023),
        with_provincial_initiative(cstdcs_awarded(2024)),
        rec(2025, HoanThanhXuatSac),
    ]);
    let e = evaluate_chien_si_thi_dua_cap_tinh(&rules_for(2025), &h, 2025);
    assert!(e.eligible, "{e:#?}");
    let chain = condition(&e, "3 năm liên tục");
    assert_eq!(chain.article, "Điều 22");
    assert_eq!(
        chain.vi,
        "đạt: Chiến sĩ thi đua cơ sở 3 năm liên tục (2023–2025) — đạt các năm 2023, 2024, 2025"
    );
    assert_eq!(
        condition(&e, "ảnh hưởng trong tỉnh").vi,
        "đạt: có sáng kiến, đề tài hoặc đề án khoa học được áp dụng hiệu quả, có phạm vi ảnh \
         hưởng trong tỉnh (2023–2025) — có (năm 2024)"
    );
}

#[test]
fn dieu_22_broken_chain_names_the_missing_year() {
    // 2024 is a gap year: rated good, no CSTĐCS.
    let mut gap = rec(2024, HoanThanhTot);
    gap.titles_awarded = vec![Title::LaoDongTienTien];
    let h = history(vec![
        with_provincial_initiative(cstdcs_awarded(2023)),
        gap,
        cstdcs_awarded(2025),
    ]);
    let e = evaluate_chien_si_thi_dua_cap_tinh(&rules_for(2025), &h, 2025);
    assert!(!e.eligible);
    let chain = condition(&e, "3 năm liên tục");
    assert!(!chain.met);
    assert!(
        chain.vi.ends_with("không liên tục, thiếu năm 2024"),
        "{}",
        chain.vi
    );
    assert!(
        chain.en.ends_with("not consecutive, missing 2024"),
        "{}",
        chain.en
    );
    // The initiative condition is still met: only the chain fails.
    assert_eq!(e.unmet().count(), 1);
}

#[test]
fn dieu_22_evaluated_year_must_meet_cstdcs_now() {
    let h = history(vec![
        cstdcs_awarded(2023),
        with_provincial_initiative(cstdcs_awarded(2024)),
        rec(2025, HoanThanhTot), // no initiative, not excellent: no CSTĐCS in 2025
    ]);
    let e = evaluate_chien_si_thi_dua_cap_tinh(&rules_for(2025), &h, 2025);
    assert!(!e.eligible);
    assert!(
        condition(&e, "3 năm liên tục")
            .vi
            .contains("thiếu năm 2025")
    );
}

#[test]
fn dieu_22_without_provincial_initiative_fails() {
    let h = history(vec![
        cstdcs_awarded(2023),
        cstdcs_awarded(2024),
        cstdcs_awarded(2025),
    ]);
    let e = evaluate_chien_si_thi_dua_cap_tinh(&rules_for(2025), &h, 2025);
    assert!(!e.eligible);
    assert_eq!(
        condition(&e, "ảnh hưởng trong tỉnh").vi,
        "chưa đạt: có sáng kiến, đề tài hoặc đề án khoa học được áp dụng hiệu quả, có phạm vi \
         ảnh hưởng trong tỉnh (2023–2025) — chưa có"
    );
}

#[test]
fn dieu_22_research_of_provincial_scope_is_enough_without_an_initiative() {
    // Điều 22: an initiative OR a research project/scheme of provincial scope.
    let mut research = cstdcs_awarded(2025);
    research.research_projects = 1;
    research.provincial_scope = true;
    let h = history(vec![cstdcs_awarded(2023), cstdcs_awarded(2024), research]);
    let e = evaluate_chien_si_thi_dua_cap_tinh(&rules_for(2025), &h, 2025);
    assert!(e.eligible, "{e:#?}");
    assert!(
        condition(&e, "ảnh hưởng trong tỉnh")
            .vi
            .ends_with("có (năm 2025)")
    );
}

// ---------------------------------------------------------------------------
// Chiến sĩ thi đua toàn quốc (Điều 21)
// ---------------------------------------------------------------------------

fn provincial_awarded(year: i32) -> YearRecord {
    let mut r = with_provincial_initiative(cstdcs_awarded(year));
    r.titles_awarded.push(Title::ChienSiThiDuaCapTinh);
    r
}

fn nationwide(mut r: YearRecord) -> YearRecord {
    r.nationwide_scope = true;
    r
}

#[test]
fn dieu_21_needs_an_initiative_or_research_of_nationwide_scope() {
    // Two consecutive provincial titles, but only provincial-scope work.
    let h = history(vec![
        provincial_awarded(2022),
        cstdcs_awarded(2023),
        cstdcs_awarded(2024),
        with_provincial_initiative(rec(2025, HoanThanhXuatSac)),
    ]);
    let e = evaluate_chien_si_thi_dua_toan_quoc(&rules_for(2025), &h, 2025);
    assert!(!e.eligible);
    assert!(condition(&e, "2 lần liên tục").met);
    let scope = condition(&e, "ảnh hưởng toàn quốc");
    assert!(!scope.met);
    assert_eq!(scope.article, "Điều 21");
    assert!(scope.vi.contains("(2020–2025)"), "{}", scope.vi);
}

#[test]
fn dieu_21_two_consecutive_provincial_titles() {
    let h = history(vec![
        provincial_awarded(2022),
        cstdcs_awarded(2023),
        cstdcs_awarded(2024),
        nationwide(with_provincial_initiative(rec(2025, HoanThanhXuatSac))),
    ]);
    let e = evaluate_chien_si_thi_dua_toan_quoc(&rules_for(2025), &h, 2025);
    assert!(e.eligible, "{e:#?}");
    let c = condition(&e, "2 lần liên tục");
    assert_eq!(c.article, "Điều 21");
    assert!(c.vi.contains("(các năm 2022, 2025)"), "{}", c.vi);
}

#[test]
fn dieu_21_one_provincial_title_is_not_enough() {
    let h = history(vec![
        cstdcs_awarded(2022),
        cstdcs_awarded(2023),
        cstdcs_awarded(2024),
        with_provincial_initiative(rec(2025, HoanThanhXuatSac)),
    ]);
    let e = evaluate_chien_si_thi_dua_toan_quoc(&rules_for(2025), &h, 2025);
    assert!(!e.eligible);
    assert!(
        condition(&e, "2 lần liên tục")
            .vi
            .contains("thiếu năm 2022")
    );
}

#[test]
fn dieu_21_discipline_between_the_two_titles_breaks_the_chain() {
    let mut disciplined = cstdcs_awarded(2023);
    disciplined.discipline = vec![discipline(
        DisciplineLevel::KhienTrach,
        d(2023, 2, 1),
        Some(d(2023, 8, 1)),
    )];
    let h = history(vec![
        provincial_awarded(2022),
        disciplined,
        provincial_awarded(2025),
    ]);
    let e = evaluate_chien_si_thi_dua_toan_quoc(&rules_for(2025), &h, 2025);
    assert!(!e.eligible);
    let c = condition(&e, "2 lần liên tục");
    assert!(
        c.vi.contains("thành tích chỉ được tính từ ngày 01/08/2023"),
        "{}",
        c.vi
    );
}

// ---------------------------------------------------------------------------
// Bằng khen cấp tỉnh (Điều 74)
// ---------------------------------------------------------------------------

#[test]
fn dieu_74_two_consecutive_cstdcs_years() {
    let h = history(vec![cstdcs_awarded(2024), rec(2025, HoanThanhXuatSac)]);
    let e = evaluate_bang_khen_cap_tinh(&rules_for(2025), &h, 2025);
    assert!(e.eligible, "{e:#?}");
    let route = condition(&e, "một trong hai");
    assert_eq!(route.article, "Điều 74");
    assert!(route.alternatives[0].met);
}

#[test]
fn dieu_74_two_excellent_years_with_two_initiatives() {
    // CSTĐCS was not awarded in 2024 (e.g. the cap), so only the second route applies.
    let mut y2024 = rec(2024, HoanThanhXuatSac);
    y2024.initiatives = 1;
    let mut y2025 = rec(2025, HoanThanhXuatSac);
    y2025.initiatives = 1;
    let rules = rules_for(2025);
    let e = evaluate_bang_khen_cap_tinh(&rules, &history(vec![y2024.clone(), y2025.clone()]), 2025);
    assert!(e.eligible, "{e:#?}");
    let route = condition(&e, "một trong hai");
    assert!(!route.alternatives[0].met);
    assert!(route.alternatives[1].met);
    assert!(
        route.alternatives[1].vi.ends_with("sáng kiến: 2/2"),
        "{}",
        route.alternatives[1].vi
    );

    y2025.initiatives = 0;
    let e = evaluate_bang_khen_cap_tinh(&rules, &history(vec![y2024, y2025]), 2025);
    assert!(!e.eligible);
    let second = &condition(&e, "một trong hai").alternatives[1];
    assert!(second.vi.ends_with("sáng kiến: 1/2"), "{}", second.vi);
}

#[test]
fn dieu_74_one_excellent_year_is_not_enough() {
    let mut y2025 = rec(2025, HoanThanhXuatSac);
    y2025.initiatives = 2;
    let h = history(vec![rec(2024, HoanThanhTot), y2025]);
    let e = evaluate_bang_khen_cap_tinh(&rules_for(2025), &h, 2025);
    assert!(!e.eligible);
    assert!(
        condition(&e, "một trong hai")
            .vi
            .contains("chưa đạt điều kiện nào trong 2 điều kiện")
    );
}

// ---------------------------------------------------------------------------
// Tập thể lao động xuất sắc (Điều 27) and tiên tiến (Điều 28)
// ---------------------------------------------------------------------------

fn member(i: usize, ldtt: bool, cstdcs: bool) -> MemberResult {
    MemberResult {
        name: format!("Thành viên {i}"),
        rating: Some(if ldtt { HoanThanhTot } else { HoanThanh }),
        lao_dong_tien_tien: ldtt,
        chien_si_thi_dua_co_so: cstdcs,
        discipline: Vec::new(),
    }
}

/// `total` members, `ldtt` of them Lao động tiên tiến, the first one CSTĐCS.
fn collective(year: i32, rating: PerformanceRating, total: usize, ldtt: usize) -> CollectiveYear {
    CollectiveYear {
        year,
        rating,
        internal_unity: true,
        under_review: false,
        members: (0..total)
            .map(|i| member(i, i < ldtt, i == 0 && ldtt > 0))
            .collect(),
    }
}

#[test]
fn dieu_27_exactly_70_percent_passes() {
    let e = evaluate_tap_the_lao_dong_xuat_sac(
        &rules_for(2025),
        &collective(2025, HoanThanhXuatSac, 10, 7),
    );
    assert!(e.eligible, "{e:#?}");
    assert_eq!(
        condition(&e, "≥70%").vi,
        "đạt: ≥70% cá nhân đạt Lao động tiên tiến — hiện 7/10 = 70%"
    );
}

#[test]
fn dieu_27_below_70_percent_fails_with_numbers() {
    let e = evaluate_tap_the_lao_dong_xuat_sac(
        &rules_for(2025),
        &collective(2025, HoanThanhXuatSac, 10, 6),
    );
    assert!(!e.eligible);
    let c = condition(&e, "≥70%");
    assert_eq!(c.article, "Điều 27");
    assert_eq!(
        c.vi,
        "chưa đạt: ≥70% cá nhân đạt Lao động tiên tiến — hiện 6/10 = 60%"
    );
    assert_eq!(c.en, "missing: ≥70% Advanced Workers — now 6/10 = 60%");
    // 7 of 9 (77,8%) passes; 6 of 9 (66,7%) fails.
    let rules = rules_for(2025);
    assert!(
        condition(
            &evaluate_tap_the_lao_dong_xuat_sac(&rules, &collective(2025, HoanThanhXuatSac, 9, 7)),
            "≥70%"
        )
        .met
    );
    let c = evaluate_tap_the_lao_dong_xuat_sac(&rules, &collective(2025, HoanThanhXuatSac, 9, 6));
    assert_eq!(
        condition(&c, "≥70%").vi,
        "chưa đạt: ≥70% cá nhân đạt Lao động tiên tiến — hiện 6/9 = 66,7%"
    );
}

#[test]
fn dieu_27_needs_a_cstdcs_and_excellent_collective_rating() {
    let rules = rules_for(2025);
    let mut c = collective(2025, HoanThanhXuatSac, 10, 10);
    c.members
        .iter_mut()
        .for_each(|m| m.chien_si_thi_dua_co_so = false);
    let e = evaluate_tap_the_lao_dong_xuat_sac(&rules, &c);
    assert!(!e.eligible);
    assert_eq!(
        condition(&e, "Chiến sĩ thi đua cơ sở").vi,
        "chưa đạt: có ít nhất 1 cá nhân đạt Chiến sĩ thi đua cơ sở — hiện 0"
    );

    let e = evaluate_tap_the_lao_dong_xuat_sac(&rules, &collective(2025, HoanThanhTot, 10, 10));
    assert!(!e.eligible);
    assert!(!condition(&e, "tập thể hoàn thành xuất sắc").met);
}

#[test]
fn dieu_27_every_member_must_complete_duties() {
    let mut c = collective(2025, HoanThanhXuatSac, 10, 9);
    c.members[9].rating = Some(KhongHoanThanh);
    let e = evaluate_tap_the_lao_dong_xuat_sac(&rules_for(2025), &c);
    assert!(!e.eligible);
    assert_eq!(
        condition(&e, "100%").vi,
        "chưa đạt: 100% cá nhân hoàn thành nhiệm vụ — hiện 9/10 = 90%; không hoàn thành nhiệm \
         vụ: Thành viên 9"
    );
}

#[test]
fn dieu_27_28_members_without_a_rating_are_missing_data_not_left_out() {
    // 6 members, 4 Lao động tiên tiến, 2 not rated yet. Dropping the two
    // would show 4/4 = 100%; they are counted and named.
    let rules = rules_for(2025);
    let mut c = collective(2025, HoanThanhXuatSac, 6, 4);
    c.members[4].rating = None;
    c.members[5].rating = None;
    let e = evaluate_tap_the_lao_dong_tien_tien(&rules, &c);
    assert!(!e.eligible);
    let missing = condition(&e, "có xếp loại của tất cả thành viên");
    assert_eq!(missing.article, "Điều 28");
    assert_eq!(
        missing.vi,
        "chưa đạt: có xếp loại của tất cả thành viên — thiếu xếp loại của 2 người: Thành viên 4, \
         Thành viên 5"
    );
    assert_eq!(
        condition(&e, "trên 50%").vi,
        "đạt: trên 50% cá nhân đạt Lao động tiên tiến — hiện 4/6 = 66,7%"
    );
    let e = evaluate_tap_the_lao_dong_xuat_sac(&rules, &c);
    assert!(!e.eligible);
    assert!(!condition(&e, "có xếp loại của tất cả").met);
    assert_eq!(
        condition(&e, "≥70%").vi,
        "chưa đạt: ≥70% cá nhân đạt Lao động tiên tiến — hiện 4/6 = 66,7%"
    );
    assert_eq!(
        condition(&e, "100% cá nhân").vi,
        "chưa đạt: 100% cá nhân hoàn thành nhiệm vụ — hiện 4/6 = 66,7%"
    );
    // Rated, all conditions met again.
    c.members[4].rating = Some(HoanThanhTot);
    c.members[5].rating = Some(HoanThanhTot);
    assert!(evaluate_tap_the_lao_dong_tien_tien(&rules, &c).eligible);
}

#[test]
fn dieu_28_needs_internal_unity() {
    let rules = rules_for(2025);
    let mut c = collective(2025, HoanThanhTot, 10, 8);
    assert!(evaluate_tap_the_lao_dong_tien_tien(&rules, &c).eligible);
    c.internal_unity = false;
    let e = evaluate_tap_the_lao_dong_tien_tien(&rules, &c);
    assert!(!e.eligible);
    let unity = condition(&e, "nội bộ đoàn kết");
    assert_eq!(unity.article, "Điều 28");
    assert!(!unity.met);
}

#[test]
fn dieu_27_28_warning_level_discipline_bars_the_collective_reprimand_does_not() {
    let rules = rules_for(2025);
    let mut c = collective(2025, HoanThanhXuatSac, 10, 10);
    c.members[3].discipline = vec![discipline(
        DisciplineLevel::KhienTrach,
        d(2025, 3, 1),
        Some(d(2025, 9, 1)),
    )];
    assert!(evaluate_tap_the_lao_dong_xuat_sac(&rules, &c).eligible);

    c.members[4].discipline = vec![discipline(
        DisciplineLevel::CanhCao,
        d(2024, 10, 1),
        Some(d(2025, 4, 1)),
    )];
    for e in [
        evaluate_tap_the_lao_dong_xuat_sac(&rules, &c),
        evaluate_tap_the_lao_dong_tien_tien(&rules, &c),
    ] {
        assert!(!e.eligible, "{:?}", e.title);
        let k = condition(&e, "cảnh cáo trở lên");
        assert_eq!(
            k.vi,
            "chưa đạt: không có cá nhân bị kỷ luật từ hình thức cảnh cáo trở lên trong năm \
             2025 — bị kỷ luật: Thành viên 4 (cảnh cáo)"
        );
    }
    // A warning that ended before the year does not count against it.
    c.members[4].discipline[0].end = Some(d(2024, 12, 31));
    assert!(evaluate_tap_the_lao_dong_xuat_sac(&rules, &c).eligible);
}

#[test]
fn dieu_28_exactly_50_percent_fails_over_50_passes() {
    let rules = rules_for(2025);
    let half = evaluate_tap_the_lao_dong_tien_tien(&rules, &collective(2025, HoanThanhTot, 10, 5));
    assert!(!half.eligible);
    let c = condition(&half, "trên 50%");
    assert_eq!(c.article, "Điều 28");
    assert_eq!(
        c.vi,
        "chưa đạt: trên 50% cá nhân đạt Lao động tiên tiến — hiện 5/10 = 50%"
    );
    assert!(
        evaluate_tap_the_lao_dong_tien_tien(&rules, &collective(2025, HoanThanhTot, 10, 6))
            .eligible
    );
    // 4 of 7 = 57,1% passes; 3 of 6 = 50% fails.
    assert!(
        evaluate_tap_the_lao_dong_tien_tien(&rules, &collective(2025, HoanThanhTot, 7, 4)).eligible
    );
    assert!(
        !evaluate_tap_the_lao_dong_tien_tien(&rules, &collective(2025, HoanThanhTot, 6, 3))
            .eligible
    );
    // The collective itself must have completed its duties well.
    assert!(
        !evaluate_tap_the_lao_dong_tien_tien(&rules, &collective(2025, HoanThanh, 10, 10)).eligible
    );
}

#[test]
fn dieu_27_28_empty_collective_is_not_eligible() {
    let rules = rules_for(2025);
    let empty = collective(2025, HoanThanhXuatSac, 0, 0);
    assert!(!evaluate_tap_the_lao_dong_xuat_sac(&rules, &empty).eligible);
    let e = evaluate_tap_the_lao_dong_tien_tien(&rules, &empty);
    assert!(!e.eligible);
    assert!(
        condition(&e, "danh sách thành viên")
            .vi
            .starts_with("chưa đạt:")
    );
}

// ---------------------------------------------------------------------------
// Discipline (Nghị định 152/2025/NĐ-CP)
// ---------------------------------------------------------------------------

#[test]
fn nd152_under_review_freezes_every_proposal() {
    let rules = rules_for(2025);
    let mut r = rec(2025, HoanThanhXuatSac);
    r.under_review = true;
    let h = history(vec![r]);
    for title in [
        Title::LaoDongTienTien,
        Title::ChienSiThiDuaCoSo,
        Title::BangKhenCapTinh,
    ] {
        let e = evaluate_individual(&rules, title, &h, 2025).unwrap();
        assert!(e.frozen, "{title:?}");
        assert!(!e.eligible, "{title:?}");
        let c = &e.conditions[0];
        assert_eq!(c.article, "Nghị định 152/2025/NĐ-CP");
        assert!(c.vi.contains("tạm dừng xét khen thưởng"), "{}", c.vi);
        assert!(c.en.contains("proposal frozen"), "{}", c.en);
    }
    let mut c = collective(2025, HoanThanhXuatSac, 10, 10);
    c.under_review = true;
    let e = evaluate_tap_the_lao_dong_xuat_sac(&rules, &c);
    assert!(e.frozen && !e.eligible);
}

#[test]
fn nd152_freeze_is_a_rule_set_setting() {
    let mut rules = rules_for(2025);
    rules.discipline.freeze_while_under_review = false;
    let mut r = rec(2025, HoanThanhTot);
    r.under_review = true;
    let e = evaluate_lao_dong_tien_tien(&rules, &history(vec![r]), 2025);
    assert!(e.eligible && !e.frozen);
}

/// A reprimand from 01/03/2024 to 30/06/2024, recorded in 2024.
fn reprimanded_2024(mut r: YearRecord) -> YearRecord {
    r.discipline = vec![discipline(
        DisciplineLevel::KhienTrach,
        d(2024, 3, 1),
        Some(d(2024, 6, 30)),
    )];
    r
}

#[test]
fn nd152_discipline_ending_mid_year_spoils_that_year() {
    let rules = rules_for(2025);
    let h = history(vec![reprimanded_2024(rec(2024, HoanThanhXuatSac))]);
    let e = evaluate_lao_dong_tien_tien(&rules, &h, 2024);
    assert!(!e.eligible);
    let c = condition(&e, "được tính trọn");
    assert_eq!(c.article, rules.discipline.basis);
    assert!(
        c.vi.ends_with(
            "kỷ luật khiển trách từ 01/03/2024 đến 30/06/2024: thành tích chỉ được tính từ ngày \
             30/06/2024, năm 2024 không được tính là năm trọn vẹn"
        ),
        "{}",
        c.vi
    );
    assert!(c.en.contains("achievements count only from 30/06/2024, so 2024 is not a full year"));
}

#[test]
fn nd152_discipline_ending_mid_year_breaks_the_consecutive_chain() {
    // Điều 22 chain 2023–2025: 2024 was even recorded as CSTĐCS, but the
    // reprimand ending 30/06/2024 keeps 2024 from counting as a full year.
    let h = history(vec![
        cstdcs_awarded(2023),
        reprimanded_2024(with_provincial_initiative(cstdcs_awarded(2024))),
        cstdcs_awarded(2025),
    ]);
    let rules = rules_for(2025);
    let e = evaluate_chien_si_thi_dua_cap_tinh(&rules, &h, 2025);
    assert!(!e.eligible);
    let chain = condition(&e, "3 năm liên tục");
    assert!(
        chain
            .vi
            .contains("năm 2024 không được tính là năm trọn vẹn"),
        "{}",
        chain.vi
    );
    assert!(chain.vi.contains("từ ngày 30/06/2024"), "{}", chain.vi);
    assert!(!chain.vi.contains("thiếu năm"), "{}", chain.vi);

    // Counting restarts after the period: 2025–2027 is a full chain.
    let h = history(vec![
        reprimanded_2024(cstdcs_awarded(2024)),
        with_provincial_initiative(cstdcs_awarded(2025)),
        cstdcs_awarded(2026),
        cstdcs_awarded(2027),
    ]);
    assert!(evaluate_chien_si_thi_dua_cap_tinh(&rules, &h, 2027).eligible);
}

#[test]
fn nd152_period_ending_on_1_january_lets_the_year_count() {
    let mut r = rec(2025, HoanThanhTot);
    r.discipline = vec![discipline(
        DisciplineLevel::CanhCao,
        d(2024, 1, 2),
        Some(d(2025, 1, 1)),
    )];
    let e = evaluate_lao_dong_tien_tien(&rules_for(2025), &history(vec![r.clone()]), 2025);
    assert!(e.eligible, "{e:#?}");
    r.discipline[0].end = Some(d(2025, 1, 2));
    assert!(!evaluate_lao_dong_tien_tien(&rules_for(2025), &history(vec![r]), 2025).eligible);
}

#[test]
fn nd152_ongoing_discipline_is_explained() {
    let mut r = rec(2025, HoanThanhXuatSac);
    r.discipline = vec![discipline(DisciplineLevel::CanhCao, d(2025, 10, 15), None)];
    let e = evaluate_chien_si_thi_dua_co_so(&rules_for(2025), &history(vec![r]), 2025);
    assert!(!e.eligible);
    let c = condition(&e, "được tính trọn");
    assert!(
        c.vi.ends_with(
            "kỷ luật cảnh cáo từ 15/10/2025, chưa hết thời hạn: năm 2025 chưa được tính thành tích"
        ),
        "{}",
        c.vi
    );
}

#[test]
fn nd152_counting_from_period_end_is_a_rule_set_setting() {
    let mut rules = rules_for(2025);
    rules.discipline.achievements_count_from_period_end = false;
    let h = history(vec![reprimanded_2024(rec(2024, HoanThanhTot))]);
    let e = evaluate_lao_dong_tien_tien(&rules, &h, 2024);
    assert!(e.eligible, "{e:#?}");
    assert!(
        e.conditions
            .iter()
            .all(|c| !c.vi.contains("được tính trọn"))
    );
}

// ---------------------------------------------------------------------------
// Rule sets by year
// ---------------------------------------------------------------------------

#[test]
fn evaluation_for_2023_uses_the_rules_in_force_in_2023() {
    // Give the 2023 rules a different threshold to show which set was used.
    let mut catalog = RuleCatalog::defaults();
    let mut old = catalog.for_year(2023).unwrap().clone();
    old.collective.excellent_min_ldtt_percent = 60;
    catalog.upsert(old).unwrap();

    let in_2023 = catalog
        .evaluate_collective(
            Title::TapTheLaoDongXuatSac,
            &collective(2023, HoanThanhXuatSac, 10, 6),
        )
        .unwrap();
    assert_eq!(in_2023.rule_set_id, "tdkt-2020-tt12");
    assert!(in_2023.eligible, "{in_2023:#?}");
    assert_eq!(
        condition(&in_2023, "≥60%").vi,
        "đạt: ≥60% cá nhân đạt Lao động tiên tiến — hiện 6/10 = 60%"
    );

    let in_2025 = catalog
        .evaluate_collective(
            Title::TapTheLaoDongXuatSac,
            &collective(2025, HoanThanhXuatSac, 10, 6),
        )
        .unwrap();
    assert_eq!(in_2025.rule_set_id, "tdkt-2025-nd152");
    assert!(!in_2025.eligible);
}

#[test]
fn evaluation_for_2023_cites_that_rule_sets_articles() {
    let catalog = RuleCatalog::defaults();
    // Under decree 91/2017 the 2023 Chiến sĩ thi đua cơ sở needs the initiative.
    let mut y2023 = rec(2023, HoanThanhXuatSac);
    y2023.initiatives = 1;
    let h = history(vec![cstdcs_awarded(2022), y2023]);
    let e = catalog
        .evaluate_individual(Title::BangKhenCapTinh, &h, 2023)
        .unwrap();
    assert_eq!(e.rule_set_id, "tdkt-2020-tt12");
    assert!(e.eligible, "{e:#?}");
    assert_eq!(condition(&e, "một trong hai").article, "Điều 72");
    assert_eq!(e.conditions[0].article, "Thông tư 12/2019/TT-BNV");
}

#[test]
fn evaluation_before_any_rule_set_is_an_error() {
    let catalog = RuleCatalog::defaults();
    let h = history(vec![rec(2015, HoanThanhTot)]);
    let err = catalog
        .evaluate_individual(Title::LaoDongTienTien, &h, 2015)
        .unwrap_err();
    assert!(matches!(err, RuleError::NoneForYear { year: 2015, .. }));
}

#[test]
fn titles_without_automatic_rules_are_reported() {
    let rules = rules_for(2025);
    let err =
        evaluate_individual(&rules, Title::GiayKhen, &PersonHistory::default(), 2025).unwrap_err();
    assert_eq!(err, RuleError::NotSupported(Title::GiayKhen));
    assert!(err.to_string().contains("Giấy khen"));
    let c = collective(2025, HoanThanhXuatSac, 3, 3);
    assert!(evaluate_collective(&rules, Title::LaoDongTienTien, &c).is_err());
}

#[test]
fn evaluations_serialize_for_the_ui() {
    let e = evaluate_chien_si_thi_dua_co_so(
        &rules_for(2025),
        &history(vec![rec(2025, HoanThanhTot)]),
        2025,
    );
    let mut bytes = Vec::new();
    ciborium::into_writer(&e, &mut bytes).unwrap();
    let back: Evaluation = ciborium::from_reader(bytes.as_slice()).unwrap();
    assert_eq!(back, e);
}

// ---------------------------------------------------------------------------
// Cờ thi đua (Điều 26)
// ---------------------------------------------------------------------------

fn flag_candidate() -> FlagCandidate {
    FlagCandidate {
        year: 2025,
        votes: 5,
        ballots: 8,
        tied_with: Vec::new(),
        rating: Some(HoanThanhXuatSac),
        internal_unity: true,
        under_review: false,
        new_models: 1,
    }
}

#[test]
fn dieu_26_the_voted_leading_office_with_excellent_work_and_a_new_model_qualifies() {
    let rules = rules_for(2025);
    let e = evaluate_co_thi_dua(&rules, &flag_candidate());
    assert!(e.eligible, "{e:#?}");
    let vote = condition(&e, "suy tôn");
    assert_eq!(vote.article, "Điều 26");
    assert_eq!(
        vote.vi,
        "đạt: được cụm thi đua suy tôn là đơn vị dẫn đầu — 5/8 phiếu"
    );
}

#[test]
fn dieu_26_a_tie_no_new_model_or_no_rating_is_explained() {
    let rules = rules_for(2025);
    let mut tie = flag_candidate();
    tie.tied_with = vec!["Cao Bằng".into()];
    let e = evaluate_co_thi_dua(&rules, &tie);
    assert!(!e.eligible);
    assert!(
        condition(&e, "suy tôn")
            .vi
            .ends_with("bằng số phiếu với Cao Bằng: cần suy tôn lại")
    );
    let mut plain = flag_candidate();
    plain.new_models = 0;
    plain.rating = None;
    let e = evaluate_co_thi_dua(&rules, &plain);
    assert!(!e.eligible);
    assert!(!condition(&e, "mô hình mới").met);
    assert_eq!(
        condition(&e, "hoàn thành xuất sắc").vi,
        "chưa đạt: tập thể hoàn thành xuất sắc nhiệm vụ — chưa có xếp loại"
    );
}
