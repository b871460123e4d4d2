//! Self-explaining results (kết quả có giải thích): every evaluation returns
//! the conditions it checked, each met or not, with a Vietnamese and an
//! English sentence and the article it comes from.

use serde::{Deserialize, Serialize};

use super::input::Title;
use super::ruleset::RuleSet;

/// One checked condition (điều kiện), e.g.
/// `vi`: "chưa đạt: ≥70% cá nhân đạt Lao động tiên tiến — hiện 6/10 = 60%",
/// `en`: "missing: ≥70% Advanced Workers — now 6/10 = 60%".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    /// Legal source: "Điều 23" (Law 06/2022/QH15) or a decree.
    pub article: String,
    pub met: bool,
    /// Vietnamese explanation, starting "đạt:" or "chưa đạt:".
    pub vi: String,
    /// English explanation, starting "met:" or "missing:".
    pub en: String,
    /// For an "any one of" condition: the alternatives, any of which meets it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<Condition>,
}

fn render(prefix: &str, requirement: &str, detail: &str) -> String {
    if detail.is_empty() {
        format!("{prefix}: {requirement}")
    } else {
        format!("{prefix}: {requirement} — {detail}")
    }
}

impl Condition {
    /// A condition with no text yet; add it with [`Condition::vi`] and
    /// [`Condition::en`].
    pub(crate) fn new(article: &str, met: bool) -> Condition {
        Condition {
            article: article.to_string(),
            met,
            vi: String::new(),
            en: String::new(),
            alternatives: Vec::new(),
        }
    }

    /// Sets the Vietnamese text from the requirement and the actual situation.
    pub(crate) fn vi(mut self, requirement: &str, detail: &str) -> Condition {
        let prefix = if self.met { "đạt" } else { "chưa đạt" };
        self.vi = render(prefix, requirement, detail);
        self
    }

    /// Sets the English text from the requirement and the actual situation.
    pub(crate) fn en(mut self, requirement: &str, detail: &str) -> Condition {
        let prefix = if self.met { "met" } else { "missing" };
        self.en = render(prefix, requirement, detail);
        self
    }

    /// A condition met when any one of `alternatives` is met.
    pub(crate) fn any_of(
        article: &str,
        requirement_vi: &str,
        requirement_en: &str,
        alternatives: Vec<Condition>,
    ) -> Condition {
        let met_count = alternatives.iter().filter(|c| c.met).count();
        let total = alternatives.len();
        let mut condition = Condition::new(article, met_count > 0)
            .vi(
                requirement_vi,
                &if met_count == 0 {
                    format!("chưa đạt điều kiện nào trong {total} điều kiện")
                } else {
                    format!("đạt {met_count} trong {total} điều kiện")
                },
            )
            .en(
                requirement_en,
                &if met_count == 0 {
                    format!("none of the {total} met")
                } else {
                    format!("{met_count} of {total} met")
                },
            );
        condition.alternatives = alternatives;
        condition
    }
}

/// The outcome of evaluating one title for one subject and year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub title: Title,
    /// The year evaluated (năm xét).
    pub year: i32,
    /// The rule set applied ([`RuleSet::id`]).
    pub rule_set_id: String,
    /// All conditions met (đủ điều kiện).
    pub eligible: bool,
    /// The proposal is frozen (tạm dừng xét) while the subject is under
    /// discipline review, inspection or complaint.
    pub frozen: bool,
    pub conditions: Vec<Condition>,
}

impl Evaluation {
    pub(crate) fn new(
        title: Title,
        year: i32,
        rules: &RuleSet,
        frozen: bool,
        conditions: Vec<Condition>,
    ) -> Evaluation {
        Evaluation {
            title,
            year,
            rule_set_id: rules.id.clone(),
            eligible: conditions.iter().all(|c| c.met),
            frozen,
            conditions,
        }
    }

    /// The conditions not met.
    pub fn unmet(&self) -> impl Iterator<Item = &Condition> {
        self.conditions.iter().filter(|c| !c.met)
    }

    /// One-line Vietnamese summary, e.g. "Chưa đủ điều kiện Chiến sĩ thi đua
    /// cơ sở năm 2025 (còn 1 điều kiện chưa đạt)".
    pub fn summary_vi(&self) -> String {
        let name = self.title.name_vi();
        match self.unmet().count() {
            0 => format!("Đủ điều kiện {name} năm {}", self.year),
            n => format!(
                "Chưa đủ điều kiện {name} năm {} (còn {n} điều kiện chưa đạt)",
                self.year
            ),
        }
    }

    /// One-line English summary.
    pub fn summary_en(&self) -> String {
        let name = self.title.name_en();
        match self.unmet().count() {
            0 => format!("Eligible for {name} {}", self.year),
            1 => format!(
                "Not yet eligible for {name} {} (1 condition missing)",
                self.year
            ),
            n => format!(
                "Not yet eligible for {name} {} ({n} conditions missing)",
                self.year
            ),
        }
    }
}

/// Formats `value / 100` with at most two decimals and the given decimal
/// separator: 90 → "0,9", 105 → "1,05", 300 → "3".
pub(crate) fn hundredths(value: u64, separator: char) -> String {
    let (whole, frac) = (value / 100, value % 100);
    match frac {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}{separator}{}", f / 10),
        f => format!("{whole}{separator}{f:02}"),
    }
}

/// `part / whole` as a percentage rounded to one decimal, with the given
/// decimal separator: (6, 10) → "60%", (2, 3) → "66,7%". An empty whole
/// gives "0%".
pub(crate) fn percent(part: u64, whole: u64, separator: char) -> String {
    if whole == 0 {
        return "0%".to_string();
    }
    let tenths = (part * 2000 + whole) / (2 * whole);
    let text = hundredths(tenths * 10, separator);
    format!("{text}%")
}

/// Vietnamese and English forms of "part/whole = p%".
pub(crate) fn ratio_text(part: u64, whole: u64) -> (String, String) {
    (
        format!("{part}/{whole} = {}", percent(part, whole, ',')),
        format!("{part}/{whole} = {}", percent(part, whole, '.')),
    )
}

/// A list of years for explanations: "2023, 2025".
pub(crate) fn years_list(years: &[i32]) -> String {
    years
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_decimals_both_ways() {
        assert_eq!(hundredths(90, ','), "0,9");
        assert_eq!(hundredths(105, ','), "1,05");
        assert_eq!(hundredths(105, '.'), "1.05");
        assert_eq!(hundredths(300, ','), "3");
        assert_eq!(percent(6, 10, ','), "60%");
        assert_eq!(percent(2, 3, ','), "66,7%");
        assert_eq!(percent(2, 3, '.'), "66.7%");
        assert_eq!(percent(1, 6, ','), "16,7%");
        assert_eq!(percent(7, 10, ','), "70%");
        assert_eq!(percent(0, 0, ','), "0%");
        assert_eq!(ratio_text(6, 10).0, "6/10 = 60%");
    }

    #[test]
    fn condition_text_says_met_or_missing() {
        let c = Condition::new("Điều 27", false)
            .vi("≥70% Lao động tiên tiến", "hiện 6/10 = 60%")
            .en("≥70% Advanced Workers", "now 6/10 = 60%");
        assert_eq!(c.vi, "chưa đạt: ≥70% Lao động tiên tiến — hiện 6/10 = 60%");
        assert_eq!(c.en, "missing: ≥70% Advanced Workers — now 6/10 = 60%");
        let ok = Condition::new("Điều 24", true).vi("tham gia thi đua", "");
        assert_eq!(ok.vi, "đạt: tham gia thi đua");
    }

    #[test]
    fn any_of_is_met_by_one_alternative() {
        let alternatives = vec![
            Condition::new("Điều 23", false),
            Condition::new("Điều 23", true),
        ];
        let c = Condition::any_of("Điều 23", "một trong", "one of", alternatives);
        assert!(c.met);
        assert!(c.vi.contains("đạt 1 trong 2 điều kiện"), "{}", c.vi);
        let none = Condition::any_of("Điều 23", "x", "x", vec![Condition::new("Điều 23", false)]);
        assert!(!none.met);
    }
}
