//! How discipline and reviews affect proposals (decree 152/2025/NĐ-CP):
//! - a subject under discipline review, inspection or complaint cannot be
//!   proposed — the proposal is frozen (tạm dừng xét);
//! - after a disciplinary period ends, achievements count only from its end,
//!   so a year touched by a disciplinary period is not a full year, and it
//!   breaks any consecutive-year chain (chuỗi năm liên tục).

use super::date::Date;
use super::explain::Condition;
use super::input::{DisciplineRecord, PersonHistory};
use super::ruleset::RuleSet;

/// Whether `record` keeps `year` from counting in full: the period starts
/// on or before 31/12 and ends after 01/01 (a period ending exactly on 01/01
/// lets the whole year count, as achievements count from that day).
fn spoils_year(record: &DisciplineRecord, year: i32) -> bool {
    record.start <= Date::last_of_year(year)
        && record.end.is_none_or(|end| end > Date::first_of_year(year))
}

/// The disciplinary period that keeps `year` from counting in full (the one
/// ending last), or `None` if the year counts in full or the rule set does
/// not apply this rule.
pub(crate) fn spoiling_period<'a>(
    rules: &RuleSet,
    history: &'a PersonHistory,
    year: i32,
) -> Option<&'a DisciplineRecord> {
    if !rules.discipline.achievements_count_from_period_end {
        return None;
    }
    history
        .discipline()
        .filter(|d| spoils_year(d, year))
        .max_by_key(|d| d.end.unwrap_or(Date::last_of_year(9999)))
}

/// Why `year` does not count in full, in Vietnamese and English.
pub(crate) fn not_full_year_text(record: &DisciplineRecord, year: i32) -> (String, String) {
    let (level_vi, level_en) = (record.level.name_vi(), record.level.name_en());
    let start = record.start;
    match record.end {
        Some(end) if end <= Date::last_of_year(year) => (
            format!(
                "kỷ luật {level_vi} từ {start} đến {end}: thành tích chỉ được tính từ ngày {end}, \
                 năm {year} không được tính là năm trọn vẹn"
            ),
            format!(
                "{level_en} from {start} to {end}: achievements count only from {end}, \
                 so {year} is not a full year"
            ),
        ),
        Some(end) => (
            format!(
                "kỷ luật {level_vi} từ {start} đến {end}: năm {year} nằm trong thời hạn kỷ luật, \
                 thành tích chỉ được tính từ ngày {end}"
            ),
            format!(
                "{level_en} from {start} to {end}: {year} falls within the disciplinary period, \
                 achievements count only from {end}"
            ),
        ),
        None => (
            format!(
                "kỷ luật {level_vi} từ {start}, chưa hết thời hạn: năm {year} chưa được tính thành tích"
            ),
            format!(
                "{level_en} since {start}, period not yet ended: no achievements count for {year}"
            ),
        ),
    }
}

/// Condition "the year counts in full" for the yearly titles, or `None`
/// when the rule set does not apply the rule.
pub(crate) fn full_year_condition(
    rules: &RuleSet,
    history: &PersonHistory,
    year: i32,
) -> Option<Condition> {
    if !rules.discipline.achievements_count_from_period_end {
        return None;
    }
    let basis = rules.discipline.basis.as_str();
    let requirement_vi = format!("thành tích năm {year} được tính trọn năm");
    let requirement_en = format!("achievements of {year} count in full");
    let condition = match spoiling_period(rules, history, year) {
        None => Condition::new(basis, true)
            .vi(&requirement_vi, "trong năm không có thời hạn kỷ luật")
            .en(&requirement_en, "no disciplinary period in the year"),
        Some(record) => {
            let (vi, en) = not_full_year_text(record, year);
            Condition::new(basis, false)
                .vi(&requirement_vi, &vi)
                .en(&requirement_en, &en)
        }
    };
    Some(condition)
}

/// Condition "not under review" (freeze), or `None` when the rule set does
/// not freeze proposals.
pub(crate) fn freeze_condition(rules: &RuleSet, under_review: bool) -> Option<Condition> {
    if !rules.discipline.freeze_while_under_review {
        return None;
    }
    // One negation only: "no review under way", met or not.
    let requirement_vi = "không có việc xem xét kỷ luật, thanh tra, kiểm tra, giải quyết khiếu nại, tố cáo \
         đang tiến hành";
    let requirement_en = "no discipline review, inspection or complaint handling under way";
    let condition = if under_review {
        Condition::new(&rules.discipline.basis, false)
            .vi(
                requirement_vi,
                "đang có việc xem xét: tạm dừng xét khen thưởng đến khi có kết luận",
            )
            .en(
                requirement_en,
                "one is under way: proposal frozen until it concludes",
            )
    } else {
        Condition::new(&rules.discipline.basis, true)
            .vi(requirement_vi, "")
            .en(requirement_en, "")
    };
    Some(condition)
}
