//! Rule sets (bộ quy tắc) with an effective period, and the catalog that
//! picks the set in force for a date or an evaluation year.
//!
//! Rules change (decree 91/2017 → 98/2023 → 152/2025, amendments under way),
//! so every number the evaluations use lives here as data an administrator
//! can edit, never as a constant in the evaluation code.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::date::Date;
use super::input::{DisciplineLevel, Title};

/// How the cap's quota is rounded (cách làm tròn số người tối đa).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CapRounding {
    /// Làm tròn xuống: 15% × 9 = 1,35 → 1.
    Down,
    /// Làm tròn đến số gần nhất (0,5 lên): 15% × 10 = 1,5 → 2.
    Nearest,
    /// Làm tròn lên: 15% × 7 = 1,05 → 2.
    Up,
}

impl CapRounding {
    /// Rounds `hundredths / 100`.
    pub fn apply(self, hundredths: u64) -> u64 {
        match self {
            CapRounding::Down => hundredths / 100,
            CapRounding::Nearest => (hundredths + 50) / 100,
            CapRounding::Up => hundredths.div_ceil(100),
        }
    }

    pub fn name_vi(self) -> &'static str {
        match self {
            CapRounding::Down => "làm tròn xuống",
            CapRounding::Nearest => "làm tròn",
            CapRounding::Up => "làm tròn lên",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            CapRounding::Down => "rounded down",
            CapRounding::Nearest => "rounded",
            CapRounding::Up => "rounded up",
        }
    }
}

/// The cap on Chiến sĩ thi đua cơ sở (tỷ lệ Chiến sĩ thi đua cơ sở).
///
/// Under decree 91/2017 the title count may not exceed 15% of the
/// individuals awarded Lao động tiên tiến that year (not of the staff), and
/// higher titles count towards it ("trở lên"). From 2024 the law sets no
/// cap; units keep 15% as their own target. Exceeding the cap is warned
/// about, never silently blocked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CstdcsCap {
    /// Percentage of the individuals awarded (or proposed for) Lao động
    /// tiên tiến that year.
    pub percent: u32,
    /// How the quota is rounded. The decree does not say.
    pub rounding: CapRounding,
    /// At least this many whenever someone reaches Lao động tiên tiến: 15%
    /// of a 6-person office is 0,9, and with 0 allowed the office could never
    /// have the Chiến sĩ thi đua cơ sở that Tập thể lao động xuất sắc
    /// requires (Điều 27). 0 = no minimum.
    pub minimum: u32,
    /// Where the cap comes from, cited in the check.
    pub basis: String,
}

/// Parameters of the individual titles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndividualRules {
    /// Cap on Chiến sĩ thi đua cơ sở; `None` = no cap.
    pub cstdcs_cap: Option<CstdcsCap>,
    /// Điều 23 (Law 06/2022): an excellent rating alone qualifies a Lao
    /// động tiên tiến for Chiến sĩ thi đua cơ sở. Under decree 91/2017 it
    /// did not: an initiative or an accepted research project was required.
    pub cstdcs_excellent_rating_qualifies: bool,
    /// Newcomers (mới tuyển dụng) must have served this many whole months in
    /// the year to be Lao động tiên tiến; `None` = no minimum.
    pub ldtt_min_months: Option<u32>,
    /// Where the minimum comes from, cited in the condition.
    pub ldtt_min_months_basis: String,
    /// Whether ad-hoc (đột xuất) and themed (chuyên đề) awards count as a
    /// basis for merit awards (làm căn cứ khen thưởng theo công trạng). They
    /// do not under the built-in sets.
    pub special_awards_are_basis: bool,
    /// Where that rule comes from.
    pub special_awards_basis: String,
    /// Điều 22: consecutive years of Chiến sĩ thi đua cơ sở for the
    /// provincial title (3).
    pub provincial_cstdcs_years: u32,
    /// Điều 22: also needs an initiative applied at provincial scope.
    pub provincial_requires_provincial_initiative: bool,
    /// Điều 21: consecutive provincial titles for the national one (2).
    pub national_provincial_times: u32,
    /// Điều 21: also needs an initiative or research of nationwide scope.
    pub national_requires_nationwide_scope: bool,
    /// Điều 74: consecutive years of Chiến sĩ thi đua cơ sở for the
    /// provincial Bằng khen (2).
    pub bang_khen_cstdcs_years: u32,
    /// Điều 74, other route: consecutive years of excellent completion (2) …
    pub bang_khen_excellent_years: u32,
    /// … with this many recognised initiatives over those years (2).
    pub bang_khen_initiatives: u32,
}

/// Parameters of the collective titles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectiveRules {
    /// Điều 27: at least this percentage of members Lao động tiên tiến (70).
    pub excellent_min_ldtt_percent: u32,
    /// Điều 27: at least this many Chiến sĩ thi đua cơ sở (1).
    pub excellent_min_cstdcs: u32,
    /// Điều 28: strictly more than this percentage Lao động tiên tiến (50).
    pub advanced_ldtt_percent_over: u32,
    /// Điều 27, 28: a member disciplined at this level or above in the year
    /// bars the collective (cảnh cáo — warning).
    pub blocking_discipline_level: DisciplineLevel,
}

/// How discipline and reviews affect proposals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisciplineRules {
    /// Where these rules come from, cited in the conditions.
    pub basis: String,
    /// A subject under discipline review, inspection or complaint cannot be
    /// proposed (tạm dừng xét khen thưởng).
    pub freeze_while_under_review: bool,
    /// After a disciplinary period ends, achievements count only from its
    /// end: a year touched by a disciplinary period is not a full year.
    pub achievements_count_from_period_end: bool,
}

/// One set of rules and the period it is in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSet {
    /// Stable identifier, e.g. "tdkt-2025-nd152".
    pub id: String,
    /// Display name (Vietnamese).
    pub name: String,
    /// Legal basis (căn cứ pháp lý), e.g.
    /// "Luật Thi đua, khen thưởng 2022; Nghị định 152/2025/NĐ-CP".
    pub legal_basis: String,
    /// First day in force (ngày có hiệu lực).
    pub effective_from: Date,
    /// Last day in force; `None` = still in force.
    pub effective_until: Option<Date>,
    pub individual: IndividualRules,
    pub collective: CollectiveRules,
    pub discipline: DisciplineRules,
    /// Article cited for a title when it differs from Law 06/2022/QH15
    /// ([`Title::article`]), e.g. for rule sets under the previous law.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub citations: BTreeMap<Title, String>,
}

/// Errors of the rule catalog.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("không có bộ quy tắc nào có hiệu lực ngày {date} / no rule set in force on {date}")]
    NoneInForceOn { date: Date },
    #[error(
        "không có bộ quy tắc cho năm {year} (xét theo ngày {date}) / \
         no rule set for the year {year} (rules in force on {date})"
    )]
    NoneForYear { year: i32, date: Date },
    #[error(
        "bộ quy tắc {first} và {second} có hiệu lực chồng lấn / rule sets {first} and {second} overlap"
    )]
    Overlap { first: String, second: String },
    #[error("mã bộ quy tắc bị trùng / duplicate rule set id: {0}")]
    DuplicateId(String),
    #[error("bộ quy tắc {id}: {problem}")]
    Invalid { id: String, problem: String },
    #[error(
        "chưa hỗ trợ xét tự động danh hiệu {} / automatic evaluation not supported for {}",
        .0.name_vi(),
        .0.name_en()
    )]
    NotSupported(Title),
}

impl RuleSet {
    /// Whether the set is in force on `date` (both ends inclusive).
    pub fn in_force_on(&self, date: Date) -> bool {
        self.effective_from <= date && self.effective_until.is_none_or(|until| date <= until)
    }

    /// The article cited for a title under this rule set.
    pub fn article(&self, title: Title) -> &str {
        self.citations
            .get(&title)
            .map_or(title.article(), String::as_str)
    }

    /// Checks the period and the parameters.
    pub fn validate(&self) -> Result<(), RuleError> {
        let invalid = |problem: &str| {
            Err(RuleError::Invalid {
                id: self.id.clone(),
                problem: problem.to_string(),
            })
        };
        if self.id.trim().is_empty() {
            return invalid("thiếu mã / missing id");
        }
        if self
            .effective_until
            .is_some_and(|until| until < self.effective_from)
        {
            return invalid("ngày hết hiệu lực trước ngày có hiệu lực / ends before it starts");
        }
        let i = &self.individual;
        let c = &self.collective;
        if i.ldtt_min_months.is_some_and(|m| m > 12) {
            return invalid("số tháng công tác tối thiểu quá 12 / minimum months above 12");
        }
        if i.cstdcs_cap.as_ref().is_some_and(|cap| cap.percent > 100)
            || c.excellent_min_ldtt_percent > 100
            || c.advanced_ldtt_percent_over >= 100
        {
            return invalid("tỷ lệ phần trăm không hợp lệ / percentage out of range");
        }
        let counts = [
            i.provincial_cstdcs_years,
            i.national_provincial_times,
            i.bang_khen_cstdcs_years,
            i.bang_khen_excellent_years,
        ];
        if counts.iter().any(|n| !(1..=MAX_YEARS).contains(n)) {
            return invalid("số năm / số lần phải từ 1 đến 30 / year counts must be 1 to 30");
        }
        Ok(())
    }
}

/// Upper bound on the year counts, so a typo cannot ask for a huge chain.
const MAX_YEARS: u32 = 30;

fn date(year: i32, month: u32, day: u32) -> Date {
    Date::new(year, month, day).expect("built-in dates are valid")
}

/// The 15% cap: rounded down, but at least one person, so that a small
/// office can still reach Tập thể lao động xuất sắc. The decree does not
/// say how to round: this is the built-in reading, which a cluster changes
/// in its rule settings.
fn cap_15(basis: &str) -> Option<CstdcsCap> {
    Some(CstdcsCap {
        percent: 15,
        rounding: CapRounding::Down,
        minimum: 1,
        basis: basis.to_string(),
    })
}

/// Defaults shared by the built-in sets; the sets differ where the law did.
/// `basis` names the decree or circular of the set, cited for the minimum
/// months of service and for ad-hoc and themed awards.
fn default_individual(cap_basis: &str, basis: &str) -> IndividualRules {
    IndividualRules {
        cstdcs_cap: cap_15(cap_basis),
        cstdcs_excellent_rating_qualifies: true,
        ldtt_min_months: Some(10),
        ldtt_min_months_basis: basis.to_string(),
        special_awards_are_basis: false,
        special_awards_basis: basis.to_string(),
        provincial_cstdcs_years: 3,
        provincial_requires_provincial_initiative: true,
        national_provincial_times: 2,
        national_requires_nationwide_scope: true,
        bang_khen_cstdcs_years: 2,
        bang_khen_excellent_years: 2,
        bang_khen_initiatives: 2,
    }
}

fn default_collective() -> CollectiveRules {
    CollectiveRules {
        excellent_min_ldtt_percent: 70,
        excellent_min_cstdcs: 1,
        advanced_ldtt_percent_over: 50,
        blocking_discipline_level: DisciplineLevel::CanhCao,
    }
}

fn default_discipline(basis: &str) -> DisciplineRules {
    DisciplineRules {
        basis: basis.to_string(),
        freeze_while_under_review: true,
        achievements_count_from_period_end: true,
    }
}

/// The old law's rule sets (Law 2003, amended 2013, with decree 91/2017):
/// Chiến sĩ thi đua cơ sở needs an initiative or research (an excellent
/// rating alone does not qualify) and is capped at 15% of the Lao động
/// tiên tiến.
fn old_law_individual(basis: &str) -> IndividualRules {
    IndividualRules {
        cstdcs_excellent_rating_qualifies: false,
        ..default_individual(
            "Nghị định 91/2017/NĐ-CP: không quá 15% số cá nhân đạt danh hiệu \
             Lao động tiên tiến",
            basis,
        )
    }
}

/// Decree 91/2017 (in force from 01/10/2017) with circular 08/2017/TT-BNV.
fn rules_2017_nd91() -> RuleSet {
    RuleSet {
        id: "tdkt-2017-nd91".to_string(),
        name: "Luật Thi đua, khen thưởng 2003 (sửa đổi, bổ sung 2013), Nghị định 91/2017/NĐ-CP"
            .to_string(),
        legal_basis: "Luật Thi đua, khen thưởng 2003, sửa đổi, bổ sung 2013; \
                      Nghị định 91/2017/NĐ-CP; Thông tư 08/2017/TT-BNV"
            .to_string(),
        effective_from: date(2017, 10, 1),
        effective_until: Some(date(2019, 12, 31)),
        individual: old_law_individual("Thông tư 08/2017/TT-BNV"),
        collective: default_collective(),
        discipline: default_discipline("Nghị định 91/2017/NĐ-CP"),
        citations: old_law_citations(),
    }
}

/// Decree 91/2017 with circular 12/2019/TT-BNV (from 01/01/2020), until
/// the new law.
fn rules_2020_tt12() -> RuleSet {
    RuleSet {
        id: "tdkt-2020-tt12".to_string(),
        name: "Luật Thi đua, khen thưởng 2003 (sửa đổi, bổ sung 2013), Nghị định 91/2017/NĐ-CP, \
               Thông tư 12/2019/TT-BNV"
            .to_string(),
        legal_basis: "Luật Thi đua, khen thưởng 2003, sửa đổi, bổ sung 2013; \
                      Nghị định 91/2017/NĐ-CP; Thông tư 12/2019/TT-BNV"
            .to_string(),
        effective_from: date(2020, 1, 1),
        effective_until: Some(date(2023, 12, 31)),
        individual: old_law_individual("Thông tư 12/2019/TT-BNV"),
        collective: default_collective(),
        discipline: default_discipline("Thông tư 12/2019/TT-BNV"),
        citations: old_law_citations(),
    }
}

/// Articles of the old law (2003, amended 2013) where they differ.
fn old_law_citations() -> BTreeMap<Title, String> {
    BTreeMap::from([(Title::BangKhenCapTinh, "Điều 72".to_string())])
}

/// Under Law 06/2022 the cap is not law: a unit's own target.
const UNIT_CAP_BASIS: &str =
    "chỉ tiêu của cụm, đơn vị (Luật Thi đua, khen thưởng 2022 không quy định tỷ lệ)";

/// Law 06/2022/QH15 with decree 98/2023/NĐ-CP.
fn rules_2024_nd98() -> RuleSet {
    RuleSet {
        id: "tdkt-2024-nd98".to_string(),
        name: "Luật Thi đua, khen thưởng 2022 và Nghị định 98/2023/NĐ-CP".to_string(),
        legal_basis: "Luật Thi đua, khen thưởng 2022 (số 06/2022/QH15); Nghị định 98/2023/NĐ-CP"
            .to_string(),
        effective_from: date(2024, 1, 1),
        effective_until: Some(date(2025, 6, 30)),
        individual: default_individual(UNIT_CAP_BASIS, "Nghị định 98/2023/NĐ-CP"),
        collective: default_collective(),
        discipline: default_discipline("Nghị định 98/2023/NĐ-CP"),
        citations: BTreeMap::new(),
    }
}

/// Law 06/2022/QH15 with decree 152/2025/NĐ-CP.
fn rules_2025_nd152() -> RuleSet {
    RuleSet {
        id: "tdkt-2025-nd152".to_string(),
        name: "Luật Thi đua, khen thưởng 2022 và Nghị định 152/2025/NĐ-CP".to_string(),
        legal_basis: "Luật Thi đua, khen thưởng 2022 (số 06/2022/QH15); Nghị định 152/2025/NĐ-CP"
            .to_string(),
        effective_from: date(2025, 7, 1),
        effective_until: None,
        individual: default_individual(UNIT_CAP_BASIS, "Nghị định 152/2025/NĐ-CP"),
        collective: default_collective(),
        discipline: default_discipline("Nghị định 152/2025/NĐ-CP"),
        citations: BTreeMap::new(),
    }
}

/// All rule sets, validated, non-overlapping, ordered by start date.
/// Serialised as a plain list of [`RuleSet`]s (validated on the way in).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<RuleSet>", into = "Vec<RuleSet>")]
pub struct RuleCatalog {
    sets: Vec<RuleSet>,
}

impl RuleCatalog {
    /// Validates each set and checks that no two periods overlap.
    pub fn new(mut sets: Vec<RuleSet>) -> Result<RuleCatalog, RuleError> {
        for set in &sets {
            set.validate()?;
        }
        sets.sort_by_key(|s| s.effective_from);
        for pair in sets.windows(2) {
            let (first, second) = (&pair[0], &pair[1]);
            if first
                .effective_until
                .is_none_or(|until| until >= second.effective_from)
            {
                return Err(RuleError::Overlap {
                    first: first.id.clone(),
                    second: second.id.clone(),
                });
            }
        }
        let mut ids: Vec<&str> = sets.iter().map(|s| s.id.as_str()).collect();
        ids.sort_unstable();
        if let Some(pair) = ids.windows(2).find(|p| p[0] == p[1]) {
            return Err(RuleError::DuplicateId(pair[0].to_string()));
        }
        Ok(RuleCatalog { sets })
    }

    /// The built-in sets. Their dates and parameters are DEFAULTS that an
    /// administrator reviews and edits (they are data, not law):
    /// - `tdkt-2017-nd91`: 01/10/2017 – 31/12/2019, Law 2003/2013 + decree
    ///   91/2017 + circular 08/2017/TT-BNV;
    /// - `tdkt-2020-tt12`: 01/01/2020 – 31/12/2023, the same with circular
    ///   12/2019/TT-BNV;
    /// - `tdkt-2024-nd98`: 01/01/2024 – 30/06/2025, Law 06/2022 + decree 98/2023;
    /// - `tdkt-2025-nd152`: from 01/07/2025, Law 06/2022 + decree 152/2025.
    ///
    /// The 15% cap on Chiến sĩ thi đua cơ sở (of the Lao động tiên tiến)
    /// was binding under decree 91/2017; under the new law it is kept as a
    /// default unit target.
    pub fn defaults() -> RuleCatalog {
        RuleCatalog::new(vec![
            rules_2017_nd91(),
            rules_2020_tt12(),
            rules_2024_nd98(),
            rules_2025_nd152(),
        ])
        .expect("built-in rule sets are valid")
    }

    pub fn rule_sets(&self) -> &[RuleSet] {
        &self.sets
    }

    pub fn get(&self, id: &str) -> Option<&RuleSet> {
        self.sets.iter().find(|s| s.id == id)
    }

    /// Adds a set, or replaces the one with the same id; the catalog is
    /// left unchanged if the result would be invalid.
    pub fn upsert(&mut self, set: RuleSet) -> Result<(), RuleError> {
        let mut sets: Vec<RuleSet> = self
            .sets
            .iter()
            .filter(|s| s.id != set.id)
            .cloned()
            .collect();
        sets.push(set);
        *self = RuleCatalog::new(sets)?;
        Ok(())
    }

    /// The set in force on a date.
    pub fn for_date(&self, date: Date) -> Result<&RuleSet, RuleError> {
        self.sets
            .iter()
            .find(|s| s.in_force_on(date))
            .ok_or(RuleError::NoneInForceOn { date })
    }

    /// The set for evaluating a year: the one in force on 31 December of
    /// that year, when the year-end evaluation (bình xét cuối năm) is held.
    /// A 2023 evaluation therefore uses the rules in force in 2023.
    pub fn for_year(&self, year: i32) -> Result<&RuleSet, RuleError> {
        let date = Date::last_of_year(year);
        self.for_date(date)
            .map_err(|_| RuleError::NoneForYear { year, date })
    }
}

impl Default for RuleCatalog {
    fn default() -> RuleCatalog {
        RuleCatalog::defaults()
    }
}

impl TryFrom<Vec<RuleSet>> for RuleCatalog {
    type Error = RuleError;

    fn try_from(sets: Vec<RuleSet>) -> Result<RuleCatalog, RuleError> {
        RuleCatalog::new(sets)
    }
}

impl From<RuleCatalog> for Vec<RuleSet> {
    fn from(catalog: RuleCatalog) -> Vec<RuleSet> {
        catalog.sets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_ordered() {
        let catalog = RuleCatalog::defaults();
        let ids: Vec<&str> = catalog.rule_sets().iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "tdkt-2017-nd91",
                "tdkt-2020-tt12",
                "tdkt-2024-nd98",
                "tdkt-2025-nd152"
            ]
        );
    }

    #[test]
    fn for_date_picks_the_set_in_force_at_both_edges() {
        let catalog = RuleCatalog::defaults();
        let id = |y, m, d| catalog.for_date(date(y, m, d)).unwrap().id.clone();
        // Decree 91/2017 is in force from 01/10/2017; circular 12/2019 from 2020.
        assert!(catalog.for_date(date(2017, 9, 30)).is_err());
        assert_eq!(id(2017, 10, 1), "tdkt-2017-nd91");
        assert_eq!(id(2019, 12, 31), "tdkt-2017-nd91");
        assert_eq!(id(2020, 1, 1), "tdkt-2020-tt12");
        assert_eq!(id(2023, 12, 31), "tdkt-2020-tt12");
        assert_eq!(id(2024, 1, 1), "tdkt-2024-nd98");
        assert_eq!(id(2025, 6, 30), "tdkt-2024-nd98");
        assert_eq!(id(2025, 7, 1), "tdkt-2025-nd152");
        assert_eq!(id(2031, 1, 1), "tdkt-2025-nd152");
    }

    #[test]
    fn for_year_uses_the_rules_in_force_that_year() {
        let catalog = RuleCatalog::defaults();
        assert_eq!(catalog.for_year(2017).unwrap().id, "tdkt-2017-nd91");
        assert_eq!(catalog.for_year(2023).unwrap().id, "tdkt-2020-tt12");
        assert_eq!(catalog.for_year(2024).unwrap().id, "tdkt-2024-nd98");
        assert_eq!(catalog.for_year(2025).unwrap().id, "tdkt-2025-nd152");
    }

    #[test]
    fn year_before_any_set_is_a_clear_error() {
        let catalog = RuleCatalog::defaults();
        let err = catalog.for_year(2016).unwrap_err();
        assert_eq!(
            err,
            RuleError::NoneForYear {
                year: 2016,
                date: date(2016, 12, 31)
            }
        );
        let text = err.to_string();
        assert!(
            text.contains("năm 2016") && text.contains("31/12/2016"),
            "{text}"
        );
        assert!(catalog.for_date(date(2017, 9, 30)).is_err());
    }

    #[test]
    fn overlapping_or_duplicate_sets_are_rejected() {
        let mut late = rules_2025_nd152();
        late.effective_from = date(2025, 6, 30);
        assert!(matches!(
            RuleCatalog::new(vec![rules_2024_nd98(), late]),
            Err(RuleError::Overlap { .. })
        ));
        let mut open_ended = rules_2024_nd98();
        open_ended.effective_until = None;
        assert!(RuleCatalog::new(vec![open_ended, rules_2025_nd152()]).is_err());
        let mut same_id = rules_2020_tt12();
        same_id.id = "tdkt-2025-nd152".to_string();
        assert_eq!(
            RuleCatalog::new(vec![same_id, rules_2025_nd152()]),
            Err(RuleError::DuplicateId("tdkt-2025-nd152".to_string()))
        );
    }

    #[test]
    fn invalid_parameters_are_rejected() {
        let mut set = rules_2025_nd152();
        set.individual.cstdcs_cap.as_mut().unwrap().percent = 150;
        assert!(set.validate().is_err());
        let mut set = rules_2025_nd152();
        set.individual.ldtt_min_months = Some(13);
        assert!(set.validate().is_err());
        let mut set = rules_2025_nd152();
        set.individual.provincial_cstdcs_years = 0;
        assert!(set.validate().is_err());
        set.individual.provincial_cstdcs_years = 1000;
        assert!(set.validate().is_err());
        let mut set = rules_2025_nd152();
        set.effective_until = Some(date(2025, 1, 1));
        assert!(set.validate().is_err());
    }

    #[test]
    fn upsert_replaces_by_id_and_keeps_catalog_on_error() {
        let mut catalog = RuleCatalog::defaults();
        let mut edited = rules_2025_nd152();
        edited.individual.cstdcs_cap = None;
        catalog.upsert(edited).unwrap();
        let set = catalog.get("tdkt-2025-nd152").unwrap();
        assert_eq!(set.individual.cstdcs_cap, None);
        assert_eq!(catalog.rule_sets().len(), 4);
        let mut bad = rules_2025_nd152();
        bad.id = "new".to_string();
        assert!(catalog.upsert(bad).is_err());
        assert_eq!(catalog.rule_sets().len(), 4);
    }

    #[test]
    fn citations_can_differ_per_rule_set() {
        let catalog = RuleCatalog::defaults();
        let old = catalog.for_year(2023).unwrap();
        let new = catalog.for_year(2025).unwrap();
        assert_eq!(old.article(Title::BangKhenCapTinh), "Điều 72");
        assert_eq!(new.article(Title::BangKhenCapTinh), "Điều 74");
        assert_eq!(new.article(Title::TapTheLaoDongXuatSac), "Điều 27");
    }

    #[test]
    fn catalog_round_trips_through_serde_and_validates() {
        let catalog = RuleCatalog::defaults();
        let mut bytes = Vec::new();
        ciborium::into_writer(&catalog, &mut bytes).unwrap();
        let back: RuleCatalog = ciborium::from_reader(bytes.as_slice()).unwrap();
        assert_eq!(back, catalog);
        let mut overlapping = catalog.rule_sets().to_vec();
        overlapping[1].effective_until = None;
        let mut bytes = Vec::new();
        ciborium::into_writer(&overlapping, &mut bytes).unwrap();
        assert!(ciborium::from_reader::<RuleCatalog, _>(bytes.as_slice()).is_err());
    }
}
