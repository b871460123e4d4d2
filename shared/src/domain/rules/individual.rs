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
use super::ruleset::{CstdcsCap, RuleError, RuleSet};

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
            "không liên tục, thiếu năm {}",
            years_list(&missing)
        ));
        en.push(format!("not consecutive, missing {}", years_list(&missing)));
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

/// Awarded `title` for `year`; an ad-hoc or themed award counts only when
/// the rule set makes them a basis.
fn had_title(rules: &RuleSet, history: &PersonHistory, year: i32, title: Title) -> bool {
    history.year(year).is_some_and(|r| {
        r.has_title(title)
            || (rules.individual.special_awards_are_basis && r.special_awards.contains(&title))
    })
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
    conditions.extend(months_served_condition(rules, record));
    conditions.extend(full_year_condition(rules, history, year));
    conditions
}

/// A newcomer recruited in the year must have served the rule set's
/// minimum of whole months (10): recruited 01/03 serves 10, 02/03 serves 9.
fn months_served_condition(rules: &RuleSet, record: &YearRecord) -> Option<Condition> {
    let min = rules.individual.ldtt_min_months?;
    let start = record.recruited_on.filter(|d| d.year() == record.year)?;
    let served = start.whole_months_served_in(record.year);
    let basis = &rules.individual.ldtt_min_months_basis;
    Some(
        Condition::new(basis, served >= min)
            .vi(
                &format!("người mới tuyển dụng công tác từ {min} tháng trở lên trong năm"),
                &format!("tuyển dụng ngày {start}: {served} tháng"),
            )
            .en(
                &format!("a newcomer served at least {min} months of the year"),
                &format!("recruited on {start}: {served} months"),
            ),
    )
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

fn cstdcs_alternatives(rules: &RuleSet, article: &str, record: &YearRecord) -> Vec<Condition> {
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
    if rules.individual.cstdcs_excellent_rating_qualifies {
        vec![excellent, initiative, research]
    } else {
        vec![initiative, research]
    }
}

fn cstdcs_conditions(rules: &RuleSet, history: &PersonHistory, year: i32) -> Vec<Condition> {
    let mut conditions = ldtt_conditions(rules, history, year);
    if let Some(record) = history.year(year) {
        let article = rules.article(Title::ChienSiThiDuaCoSo);
        let (vi, en) = if rules.individual.cstdcs_excellent_rating_qualifies {
            (
                "đạt Lao động tiên tiến và có một trong các thành tích: hoàn thành xuất sắc \
                 nhiệm vụ, sáng kiến được công nhận, đề tài khoa học được nghiệm thu",
                "an Advanced Worker with one of: excellent rating, a recognised initiative, \
                 an accepted research project",
            )
        } else {
            (
                "đạt Lao động tiên tiến và có sáng kiến được công nhận hoặc đề tài khoa học \
                 được nghiệm thu (chỉ hoàn thành xuất sắc nhiệm vụ thì chưa đủ)",
                "an Advanced Worker with a recognised initiative or an accepted research \
                 project (an excellent rating alone is not enough)",
            )
        };
        conditions.push(Condition::any_of(
            article,
            vi,
            en,
            cstdcs_alternatives(rules, article, record),
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
    had_title(rules, history, year, Title::ChienSiThiDuaCoSo)
        || (year == evaluated && all_met(&cstdcs_conditions(rules, history, year)))
}

// ---------------------------------------------------------------------------
// The cap on Chiến sĩ thi đua cơ sở
// ---------------------------------------------------------------------------

/// The result of checking an office's Chiến sĩ thi đua cơ sở (and higher)
/// titles against the cap. A warning, never a block: the office decides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapCheck {
    pub rule_set_id: String,
    /// The cap in force; `None` = no cap.
    pub cap: Option<CstdcsCap>,
    /// The base: individuals awarded or proposed Lao động tiên tiến (or a
    /// higher title) this year.
    pub ldtt_count: u32,
    /// Chiến sĩ thi đua cơ sở or higher ("trở lên"), awarded or proposed.
    pub proposed: u32,
    /// Most allowed (see [`cstdcs_allowed`]).
    pub allowed: Option<u32>,
    /// More proposed than allowed: show the warning.
    pub warning: bool,
    /// Explanation with the exact numbers, "cảnh báo: …" when over the cap.
    pub vi: String,
    /// English explanation, "warning: …" when over the cap.
    pub en: String,
}

/// Most Chiến sĩ thi đua cơ sở allowed among `ldtt_count` Lao động tiên
/// tiến: `percent` of them, rounded as the cap says, and at least the cap's
/// minimum when there is any Lao động tiên tiến (never more than them).
pub fn cstdcs_allowed(ldtt_count: u32, cap: &CstdcsCap) -> u32 {
    let quota = cap
        .rounding
        .apply(u64::from(ldtt_count) * u64::from(cap.percent));
    let quota = u32::try_from(quota).unwrap_or(u32::MAX);
    if ldtt_count == 0 {
        0
    } else {
        quota.max(cap.minimum).min(ldtt_count)
    }
}

/// "15% × 9 = 1,35, làm tròn xuống 1" / "15% × 6 = 0,9, làm tròn xuống 0;
/// tối thiểu 1 người".
fn cap_arithmetic(ldtt: u32, cap: &CstdcsCap, allowed: u32) -> (String, String) {
    let pct = cap.percent;
    let product = u64::from(ldtt) * u64::from(pct);
    let rounded = cap.rounding.apply(product);
    let (exact_vi, exact_en) = (hundredths(product, ','), hundredths(product, '.'));
    let (mut vi, mut en) = if product % 100 == 0 {
        (
            format!("{pct}% × {ldtt} = {exact_vi}"),
            format!("{pct}% × {ldtt} = {exact_en}"),
        )
    } else {
        (
            format!(
                "{pct}% × {ldtt} = {exact_vi}, {} {rounded}",
                cap.rounding.name_vi()
            ),
            format!(
                "{pct}% × {ldtt} = {exact_en}, {} to {rounded}",
                cap.rounding.name_en()
            ),
        )
    };
    if u64::from(allowed) > rounded {
        vi.push_str(&format!("; tối thiểu {allowed} người"));
        en.push_str(&format!("; at least {allowed}"));
    }
    (vi, en)
}

/// Checks `proposed` Chiến sĩ thi đua cơ sở (or higher) against the rule
/// set's cap, whose base is the `ldtt_count` individuals awarded or proposed
/// Lao động tiên tiến (or higher) in the year.
pub fn check_cstdcs_cap(rules: &RuleSet, ldtt_count: u32, proposed: u32) -> CapCheck {
    let cap = rules.individual.cstdcs_cap.clone();
    let allowed = cap.as_ref().map(|c| cstdcs_allowed(ldtt_count, c));
    let warning = allowed.is_some_and(|a| proposed > a);
    let share_vi = percent(proposed.into(), ldtt_count.into(), ',');
    let share_en = percent(proposed.into(), ldtt_count.into(), '.');
    let counted_vi = format!(
        "{proposed} Chiến sĩ thi đua cơ sở trở lên / {ldtt_count} người đạt Lao động tiên tiến"
    );
    let counted_en = format!(
        "{proposed} Grassroots Emulation Fighters or higher / {ldtt_count} Advanced Workers"
    );
    let (vi, en) = match (&cap, allowed) {
        (Some(c), Some(allowed)) => {
            let (calc_vi, calc_en) = cap_arithmetic(ldtt_count, c, allowed);
            let pct = c.percent;
            let (head_vi, head_en) = if warning {
                (
                    format!(
                        "cảnh báo: vượt tỷ lệ {pct}% Chiến sĩ thi đua cơ sở trên số cá nhân \
                         đạt Lao động tiên tiến"
                    ),
                    format!(
                        "warning: over the {pct}% cap of Grassroots Emulation Fighters among \
                         Advanced Workers"
                    ),
                )
            } else {
                (
                    format!(
                        "đạt: Chiến sĩ thi đua cơ sở không quá {pct}% số cá nhân đạt Lao động \
                         tiên tiến"
                    ),
                    format!(
                        "within cap: Grassroots Emulation Fighters at most {pct}% of Advanced \
                         Workers"
                    ),
                )
            };
            (
                format!(
                    "{head_vi} — {counted_vi} = {share_vi}; tối đa {allowed} người ({calc_vi}); \
                     căn cứ: {}",
                    c.basis
                ),
                format!(
                    "{head_en} — {counted_en} = {share_en}; at most {allowed} ({calc_en}); \
                     basis: {}",
                    c.basis
                ),
            )
        }
        _ => (
            format!("không giới hạn tỷ lệ Chiến sĩ thi đua cơ sở — {counted_vi}"),
            format!("no cap on Grassroots Emulation Fighters — {counted_en}"),
        ),
    };
    CapCheck {
        rule_set_id: rules.id.clone(),
        cap,
        ldtt_count,
        proposed,
        allowed,
        warning,
        vi,
        en,
    }
}

// ---------------------------------------------------------------------------
// Chiến sĩ thi đua cấp tỉnh (Điều 22)
// ---------------------------------------------------------------------------

/// Which scope an initiative or research must reach (phạm vi ảnh hưởng).
#[derive(Clone, Copy)]
enum Scope {
    Provincial,
    Nationwide,
}

/// An initiative or research/scheme of `scope` in some year of `years`.
fn scope_condition(
    article: &str,
    history: &PersonHistory,
    years: &[i32],
    scope: Scope,
) -> Condition {
    let reached = |r: &YearRecord| match scope {
        // Nationwide scope is wider than provincial.
        Scope::Provincial => r.provincial_scope || r.nationwide_scope,
        Scope::Nationwide => r.nationwide_scope,
    };
    let applied: Vec<i32> = years
        .iter()
        .copied()
        .filter(|&y| history.year(y).is_some_and(reached))
        .collect();
    let (detail_vi, detail_en) = if applied.is_empty() {
        ("chưa có".to_string(), "none".to_string())
    } else {
        (
            format!("có (năm {})", years_list(&applied)),
            format!("yes ({})", years_list(&applied)),
        )
    };
    let (where_vi, where_en) = match scope {
        Scope::Provincial => ("trong tỉnh", "provincial"),
        Scope::Nationwide => ("toàn quốc", "nationwide"),
    };
    Condition::new(article, !applied.is_empty())
        .vi(
            &format!(
                "có sáng kiến, đề tài hoặc đề án khoa học được áp dụng hiệu quả, có phạm vi \
                 ảnh hưởng {where_vi} ({})",
                span(years)
            ),
            &detail_vi,
        )
        .en(
            &format!(
                "an initiative, research project or scheme applied with effect at {where_en} \
                 scope ({})",
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
        conditions.push(scope_condition(article, history, &years, Scope::Provincial));
    }
    conditions
}

/// Chiến sĩ thi đua cấp tỉnh (Provincial Emulation Fighter, Điều 22):
/// Chiến sĩ thi đua cơ sở in each of the consecutive years ending with
/// `year` (3 by default) and an initiative, or a research project or
/// scheme, applied at provincial scope.
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
        had_title(rules, history, y, Title::ChienSiThiDuaCapTinh)
            || (y == year && all_met(&provincial_conditions(rules, history, y)))
    });
    let mut conditions = vec![outcome_condition(
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
    )];
    if rules.individual.national_requires_nationwide_scope {
        conditions.push(scope_condition(
            article,
            history,
            &all_years,
            Scope::Nationwide,
        ));
    }
    conditions
}

/// Chiến sĩ thi đua toàn quốc (National Emulation Fighter, Điều 21): the
/// provincial title 2 consecutive times, i.e. in `year` and one provincial
/// cycle (3 years) before, with no disciplinary period in between, and an
/// initiative or research of nationwide scope in that time.
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
