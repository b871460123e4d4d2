//! Individual titles (danh hiệu cá nhân): Lao động tiên tiến (Điều 24),
//! Chiến sĩ thi đua cơ sở (Điều 23) and its cap, Chiến sĩ thi đua cấp tỉnh
//! (Điều 22), toàn quốc (Điều 21), and the provincial Bằng khen (Điều 74).
//!
//! Each `evaluate_*` function returns an [`Evaluation`] listing every
//! condition it checked. Consecutive-year chains count a past year when the
//! title was awarded for it ([`YearRecord::titles_awarded`]) and the
//! evaluated year when the title is awarded or its conditions are met now.

use serde::{Deserialize, Serialize};

use super::discipline::{
    freeze_condition, full_year_condition, not_full_year_text, spoiling_period,
};
use super::explain::{Condition, Evaluation, hundredths, percent, years_list};
use super::input::{PersonHistory, Title, YearRecord};
use super::ruleset::{RuleError, RuleSet};

// ---------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------

fn all_met(conditions: &[Condition]) -> bool {
    conditions.iter().all(|c| c.met)
}

/// Puts the freeze condition (if the rule set freezes) in front of the
/// title's own conditions.
fn finish(
    title: Title,
    rules: &RuleSet,
    history: &PersonHistory,
    year: i32,
    own: Vec<Condition>,
) -> Evaluation {
    let under_review = history.year(year).is_some_and(|r| r.under_review);
    let freeze = freeze_condition(rules, under_review);
    let frozen = freeze.as_ref().is_some_and(|c| !c.met);
    let conditions = freeze.into_iter().chain(own).collect();
    Evaluation::new(title, year, rules, frozen, conditions)
}

fn missing_record(article: &str, year: i32) -> Condition {
    Condition::new(article, false)
        .vi(
            &format!("có hồ sơ thành tích năm {year}"),
            "chưa có dữ liệu",
        )
        .en(&format!("a record for {year}"), "no data yet")
}

/// The years of a chain ending at `end`: `count` years, `step` apart.
fn chain_years(end: i32, count: u32, step: u32) -> Vec<i32> {
    let (count, step) = (count as i32, step as i32);
    (0..count).rev().map(|i| end - i * step).collect()
}

/// "2023–2025" for a run of years, "2025" for one.
fn span(years: &[i32]) -> String {
    match (years.first(), years.last()) {
        (Some(first), Some(last)) if first != last => format!("{first}–{last}"),
        (Some(only), _) => only.to_string(),
        _ => String::new(),
    }
}

/// Years in `years` that do not count in full because of discipline, with
/// the reason.
fn spoiled_years(rules: &RuleSet, history: &PersonHistory, years: &[i32]) -> Vec<(String, String)> {
    years
        .iter()
        .filter_map(|&y| spoiling_period(rules, history, y).map(|d| not_full_year_text(d, y)))
        .collect()
}

/// The outcome of a consecutive-year chain: met, and why in both languages.
struct Outcome {
    met: bool,
    vi: String,
    en: String,
}

/// Checks that `held` is true for every year of the chain and that no year
/// of `span_years` is spoiled by discipline.
fn chain_outcome(
    rules: &RuleSet,
    history: &PersonHistory,
    years: &[i32],
    span_years: &[i32],
    held: impl Fn(i32) -> bool,
) -> Outcome {
    let missing: Vec<i32> = years.iter().copied().filter(|&y| !held(y)).collect();
    let spoiled = spoiled_years(rules, history, span_years);
    if missing.is_empty() && spoiled.is_empty() {
        return Outcome {
            met: true,
            vi: format!("đạt các năm {}", years_list(years)),
            en: format!("held in {}", years_list(years)),
        };
    }
    let mut vi = Vec::new();
    let mut en = Vec::new();
    if !missing.is_empty() {
        vi.push(format!(
            "chuỗi bị gián đoạn, thiếu năm {}",
            years_list(&missing)
        ));
        en.push(format!("chain broken, missing {}", years_list(&missing)));
    }
    for (v, e) in spoiled {
        vi.push(v);
        en.push(e);
    }
    Outcome {
        met: false,
        vi: vi.join("; "),
        en: en.join("; "),
    }
}

fn outcome_condition(article: &str, outcome: Outcome, req_vi: &str, req_en: &str) -> Condition {
    Condition::new(article, outcome.met)
        .vi(req_vi, &outcome.vi)
        .en(req_en, &outcome.en)
}

fn had_title(history: &PersonHistory, year: i32, title: Title) -> bool {
    history.year(year).is_some_and(|r| r.has_title(title))
}

// ---------------------------------------------------------------------------
// Lao động tiên tiến (Điều 24)
// ---------------------------------------------------------------------------

fn rating_good_condition(article: &str, record: &YearRecord) -> Condition {
    Condition::new(article, record.rating.is_good_or_better())
        .vi(
            "xếp loại từ hoàn thành tốt nhiệm vụ trở lên",
            &format!("hiện: {}", record.rating.name_vi()),
        )
        .en(
            "rated good completion of duties or better",
            &format!("now: {}", record.rating.name_en()),
        )
}

fn takes_part_condition(article: &str, record: &YearRecord) -> Condition {
    let yes = record.takes_part_in_emulation;
    Condition::new(article, yes)
        .vi(
            "tham gia phong trào thi đua",
            if yes { "có" } else { "không" },
        )
        .en(
            "takes part in the emulation movement",
            if yes { "yes" } else { "no" },
        )
}

fn ldtt_conditions(rules: &RuleSet, history: &PersonHistory, year: i32) -> Vec<Condition> {
    let article = rules.article(Title::LaoDongTienTien);
    let Some(record) = history.year(year) else {
        return vec![missing_record(article, year)];
    };
    let mut conditions = vec![
        rating_good_condition(article, record),
        takes_part_condition(article, record),
    ];
    conditions.extend(full_year_condition(rules, history, year));
    conditions
}

/// Lao động tiên tiến (Advanced Worker, Điều 24): rated good or excellent
/// and takes part in emulation (and, under the discipline rules, the year
/// counts in full).
pub fn evaluate_lao_dong_tien_tien(
    rules: &RuleSet,
    history: &PersonHistory,
    year: i32,
) -> Evaluation {
    let own = ldtt_conditions(rules, history, year);
    finish(Title::LaoDongTienTien, rules, history, year, own)
}

// ---------------------------------------------------------------------------
// Chiến sĩ thi đua cơ sở (Điều 23)
// ---------------------------------------------------------------------------

fn cstdcs_alternatives(article: &str, record: &YearRecord) -> Vec<Condition> {
    let excellent = Condition::new(article, record.rating.is_excellent())
        .vi(
            "xếp loại hoàn thành xuất sắc nhiệm vụ",
            &format!("hiện: {}", record.rating.name_vi()),
        )
        .en(
            "rated excellent completion of duties",
            &format!("now: {}", record.rating.name_en()),
        );
    let n = record.initiatives;
    let initiative = Condition::new(article, n > 0)
        .vi(
            "có sáng kiến được công nhận",
            &format!("hiện {n} sáng kiến"),
        )
        .en("a recognised initiative", &format!("now {n}"));
    let r = record.research_projects;
    let research = Condition::new(article, r > 0)
        .vi(
            "có đề tài khoa học được nghiệm thu",
            &format!("hiện {r} đề tài"),
        )
        .en("an accepted research project", &format!("now {r}"));
    vec![excellent, initiative, research]
}

fn cstdcs_conditions(rules: &RuleSet, history: &PersonHistory, year: i32) -> Vec<Condition> {
    let mut conditions = ldtt_conditions(rules, history, year);
    if let Some(record) = history.year(year) {
        let article = rules.article(Title::ChienSiThiDuaCoSo);
        conditions.push(Condition::any_of(
            article,
            "đạt Lao động tiên tiến và có một trong: hoàn thành xuất sắc nhiệm vụ, \
             sáng kiến được công nhận, đề tài khoa học được nghiệm thu",
            "an Advanced Worker with one of: excellent rating, a recognised initiative, \
             an accepted research project",
            cstdcs_alternatives(article, record),
        ));
    }
    conditions
}

/// Chiến sĩ thi đua cơ sở (Grassroots Emulation Fighter, Điều 23): the
/// Lao động tiên tiến conditions plus one of: excellent rating, a
/// recognised initiative, an accepted research project.
pub fn evaluate_chien_si_thi_dua_co_so(
    rules: &RuleSet,
    history: &PersonHistory,
    year: i32,
) -> Evaluation {
    let own = cstdcs_conditions(rules, history, year);
    finish(Title::ChienSiThiDuaCoSo, rules, history, year, own)
}

/// CSTĐCS in `year`: awarded, or (for the evaluated year) conditions met now.
fn holds_cstdcs(rules: &RuleSet, history: &PersonHistory, year: i32, evaluated: i32) -> bool {
    had_title(history, year, Title::ChienSiThiDuaCoSo)
        || (year == evaluated && all_met(&cstdcs_conditions(rules, history, year)))
}

// ---------------------------------------------------------------------------
// The cap on Chiến sĩ thi đua cơ sở
// ---------------------------------------------------------------------------

/// The result of checking an office's CSTĐCS proposals against the cap.
/// A warning, never a block: the office decides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapCheck {
    pub rule_set_id: String,
    /// The cap in force; `None` = no cap.
    pub cap_percent: Option<u32>,
    pub staff_count: u32,
    pub proposed: u32,
    /// Most allowed: ⌊staff × percent / 100⌋ (15% of 6 = 0,9 → 0).
    pub allowed: Option<u32>,
    /// More proposed than allowed: show the warning.
    pub warning: bool,
    /// Where the cap comes from.
    pub basis: String,
    /// Explanation with the exact numbers, "cảnh báo: …" when over the cap.
    pub vi: String,
    /// English explanation, "warning: …" when over the cap.
    pub en: String,
}

/// Most CSTĐCS allowed: ⌊staff × percent / 100⌋.
pub fn cstdcs_allowed(staff_count: u32, cap_percent: u32) -> u32 {
    let allowed = u64::from(staff_count) * u64::from(cap_percent) / 100;
    u32::try_from(allowed).unwrap_or(u32::MAX)
}

/// "15% × 6 = 0,9, làm tròn xuống 0" / "15% × 6 = 0.9, rounded down to 0".
fn cap_arithmetic(staff: u32, cap: u32, allowed: u32) -> (String, String) {
    let product = u64::from(staff) * u64::from(cap);
    let (exact_vi, exact_en) = (hundredths(product, ','), hundredths(product, '.'));
    if product % 100 == 0 {
        (
            format!("{cap}% × {staff} = {exact_vi}"),
            format!("{cap}% × {staff} = {exact_en}"),
        )
    } else {
        (
            format!("{cap}% × {staff} = {exact_vi}, làm tròn xuống {allowed}"),
            format!("{cap}% × {staff} = {exact_en}, rounded down to {allowed}"),
        )
    }
}

/// Checks `proposed` CSTĐCS proposals in an office of `staff_count` people
/// against the rule set's cap.
pub fn check_cstdcs_cap(rules: &RuleSet, staff_count: u32, proposed: u32) -> CapCheck {
    let cap = rules.individual.cstdcs_cap_percent;
    let allowed = cap.map(|c| cstdcs_allowed(staff_count, c));
    let warning = allowed.is_some_and(|a| proposed > a);
    let share_vi = percent(proposed.into(), staff_count.into(), ',');
    let share_en = percent(proposed.into(), staff_count.into(), '.');
    let (vi, en) = match (cap, allowed) {
        (Some(cap), Some(allowed)) => {
            let (calc_vi, calc_en) = cap_arithmetic(staff_count, cap, allowed);
            let (head_vi, head_en) = if warning {
                (
                    format!("cảnh báo: vượt tỷ lệ {cap}% Chiến sĩ thi đua cơ sở"),
                    format!("warning: over the {cap}% cap on Grassroots Emulation Fighters"),
                )
            } else {
                (
                    format!("đạt: tỷ lệ Chiến sĩ thi đua cơ sở không quá {cap}%"),
                    format!("within cap: Grassroots Emulation Fighters at most {cap}%"),
                )
            };
            (
                format!(
                    "{head_vi} — đề nghị {proposed}/{staff_count} người = {share_vi}; \
                     tối đa {allowed} người ({calc_vi})"
                ),
                format!(
                    "{head_en} — {proposed} of {staff_count} proposed = {share_en}; \
                     at most {allowed} ({calc_en})"
                ),
            )
        }
        _ => (
            format!(
                "không giới hạn tỷ lệ Chiến sĩ thi đua cơ sở — đề nghị {proposed}/{staff_count} người"
            ),
            format!(
                "no cap on Grassroots Emulation Fighters — {proposed} of {staff_count} proposed"
            ),
        ),
    };
    CapCheck {
        rule_set_id: rules.id.clone(),
        cap_percent: cap,
        staff_count,
        proposed,
        allowed,
        warning,
        basis: rules.individual.cstdcs_cap_basis.clone(),
        vi,
        en,
    }
}

// ---------------------------------------------------------------------------
// Chiến sĩ thi đua cấp tỉnh (Điều 22)
// ---------------------------------------------------------------------------

fn provincial_initiative_condition(
    article: &str,
    history: &PersonHistory,
    years: &[i32],
) -> Condition {
    let applied: Vec<i32> = years
        .iter()
        .copied()
        .filter(|&y| {
            history
                .year(y)
                .is_some_and(|r| r.initiative_applied_provincially)
        })
        .collect();
    let (detail_vi, detail_en) = if applied.is_empty() {
        ("không có".to_string(), "none".to_string())
    } else {
        (
            format!("có (năm {})", years_list(&applied)),
            format!("yes ({})", years_list(&applied)),
        )
    };
    Condition::new(article, !applied.is_empty())
        .vi(
            &format!(
                "có sáng kiến được áp dụng hiệu quả trong phạm vi tỉnh ({})",
                span(years)
            ),
            &detail_vi,
        )
        .en(
            &format!(
                "an initiative applied with effect at provincial scope ({})",
                span(years)
            ),
            &detail_en,
        )
}

fn provincial_conditions(rules: &RuleSet, history: &PersonHistory, year: i32) -> Vec<Condition> {
    let article = rules.article(Title::ChienSiThiDuaCapTinh);
    let n = rules.individual.provincial_cstdcs_years;
    let years = chain_years(year, n, 1);
    let outcome = chain_outcome(rules, history, &years, &years, |y| {
        holds_cstdcs(rules, history, y, year)
    });
    let mut conditions = vec![outcome_condition(
        article,
        outcome,
        &format!("Chiến sĩ thi đua cơ sở {n} năm liên tục ({})", span(&years)),
        &format!(
            "Grassroots Emulation Fighter {n} consecutive years ({})",
            span(&years)
        ),
    )];
    if rules.individual.provincial_requires_provincial_initiative {
        conditions.push(provincial_initiative_condition(article, history, &years));
    }
    conditions
}

/// Chiến sĩ thi đua cấp tỉnh (Provincial Emulation Fighter, Điều 22):
/// Chiến sĩ thi đua cơ sở in each of the consecutive years ending with
/// `year` (3 by default) and an initiative applied at provincial scope.
pub fn evaluate_chien_si_thi_dua_cap_tinh(
    rules: &RuleSet,
    history: &PersonHistory,
    year: i32,
) -> Evaluation {
    let own = provincial_conditions(rules, history, year);
    finish(Title::ChienSiThiDuaCapTinh, rules, history, year, own)
}

// ---------------------------------------------------------------------------
// Chiến sĩ thi đua toàn quốc (Điều 21)
// ---------------------------------------------------------------------------

fn national_conditions(rules: &RuleSet, history: &PersonHistory, year: i32) -> Vec<Condition> {
    let article = rules.article(Title::ChienSiThiDuaToanQuoc);
    let times = rules.individual.national_provincial_times;
    let cycle = rules.individual.provincial_cstdcs_years;
    let award_years = chain_years(year, times, cycle);
    let all_years = chain_years(year, times.saturating_mul(cycle), 1);
    let outcome = chain_outcome(rules, history, &award_years, &all_years, |y| {
        had_title(history, y, Title::ChienSiThiDuaCapTinh)
            || (y == year && all_met(&provincial_conditions(rules, history, y)))
    });
    vec![outcome_condition(
        article,
        outcome,
        &format!(
            "Chiến sĩ thi đua cấp tỉnh {times} lần liên tục (các năm {})",
            years_list(&award_years)
        ),
        &format!(
            "Provincial Emulation Fighter {times} consecutive times ({})",
            years_list(&award_years)
        ),
    )]
}

/// Chiến sĩ thi đua toàn quốc (National Emulation Fighter, Điều 21): the
/// provincial title 2 consecutive times, i.e. in `year` and one provincial
/// cycle (3 years) before, with no disciplinary period in between.
pub fn evaluate_chien_si_thi_dua_toan_quoc(
    rules: &RuleSet,
    history: &PersonHistory,
    year: i32,
) -> Evaluation {
    let own = national_conditions(rules, history, year);
    finish(Title::ChienSiThiDuaToanQuoc, rules, history, year, own)
}

// ---------------------------------------------------------------------------
// Bằng khen cấp tỉnh (Điều 74)
// ---------------------------------------------------------------------------

fn bang_khen_cstdcs_route(rules: &RuleSet, history: &PersonHistory, year: i32) -> Condition {
    let article = rules.article(Title::BangKhenCapTinh);
    let n = rules.individual.bang_khen_cstdcs_years;
    let years = chain_years(year, n, 1);
    let outcome = chain_outcome(rules, history, &years, &years, |y| {
        holds_cstdcs(rules, history, y, year)
    });
    outcome_condition(
        article,
        outcome,
        &format!("Chiến sĩ thi đua cơ sở {n} năm liên tục ({})", span(&years)),
        &format!(
            "Grassroots Emulation Fighter {n} consecutive years ({})",
            span(&years)
        ),
    )
}

fn bang_khen_excellent_route(rules: &RuleSet, history: &PersonHistory, year: i32) -> Condition {
    let article = rules.article(Title::BangKhenCapTinh);
    let (n, needed) = (
        rules.individual.bang_khen_excellent_years,
        rules.individual.bang_khen_initiatives,
    );
    let years = chain_years(year, n, 1);
    let mut outcome = chain_outcome(rules, history, &years, &years, |y| {
        history.year(y).is_some_and(|r| r.rating.is_excellent())
    });
    let initiatives: u32 = years
        .iter()
        .filter_map(|&y| history.year(y))
        .map(|r| r.initiatives)
        .sum();
    outcome.met &= initiatives >= needed;
    outcome.vi = format!("{}; sáng kiến: {initiatives}/{needed}", outcome.vi);
    outcome.en = format!("{}; initiatives: {initiatives}/{needed}", outcome.en);
    outcome_condition(
        article,
        outcome,
        &format!(
            "hoàn thành xuất sắc nhiệm vụ {n} năm liên tục ({}) và có {needed} sáng kiến \
             được công nhận trong thời gian đó",
            span(&years)
        ),
        &format!(
            "excellent completion {n} consecutive years ({}) with {needed} recognised \
             initiatives in that time",
            span(&years)
        ),
    )
}

/// Bằng khen của Chủ tịch UBND tỉnh (provincial certificate of merit,
/// Điều 74): Chiến sĩ thi đua cơ sở 2 consecutive years, or 2 consecutive
/// years of excellent completion with 2 initiatives.
pub fn evaluate_bang_khen_cap_tinh(
    rules: &RuleSet,
    history: &PersonHistory,
    year: i32,
) -> Evaluation {
    let article = rules.article(Title::BangKhenCapTinh);
    let route = Condition::any_of(
        article,
        "một trong hai tiêu chuẩn",
        "one of two routes",
        vec![
            bang_khen_cstdcs_route(rules, history, year),
            bang_khen_excellent_route(rules, history, year),
        ],
    );
    finish(Title::BangKhenCapTinh, rules, history, year, vec![route])
}

// ---------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------

/// Evaluates an individual title; collective titles and titles whose
/// standards the province sets (Giấy khen) are [`RuleError::NotSupported`].
pub fn evaluate_individual(
    rules: &RuleSet,
    title: Title,
    history: &PersonHistory,
    year: i32,
) -> Result<Evaluation, RuleError> {
    let evaluate = match title {
        Title::LaoDongTienTien => evaluate_lao_dong_tien_tien,
        Title::ChienSiThiDuaCoSo => evaluate_chien_si_thi_dua_co_so,
        Title::ChienSiThiDuaCapTinh => evaluate_chien_si_thi_dua_cap_tinh,
        Title::ChienSiThiDuaToanQuoc => evaluate_chien_si_thi_dua_toan_quoc,
        Title::BangKhenCapTinh => evaluate_bang_khen_cap_tinh,
        other => return Err(RuleError::NotSupported(other)),
    };
    Ok(evaluate(rules, history, year))
}
