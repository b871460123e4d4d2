//! TĐKT title rules (tiêu chuẩn danh hiệu thi đua, hình thức khen thưởng)
//! as data with an effective period, and evaluations that explain
//! themselves.
//!
//! - [`RuleSet`] holds every parameter (percentages, consecutive years,
//!   discipline effects) with its legal basis and effective period;
//!   [`RuleCatalog`] picks the set in force for a date or an evaluation year
//!   ([`RuleCatalog::for_year`]): a 2023 evaluation uses the 2023 rules.
//! - Inputs are plain data: [`YearRecord`] / [`PersonHistory`] for a person,
//!   [`CollectiveYear`] / [`MemberResult`] for a collective.
//! - Every evaluation returns an [`Evaluation`]: `eligible`, `frozen`, and the
//!   list of [`Condition`]s checked, each met or not, with a Vietnamese and
//!   an English sentence and the article it comes from (Law 06/2022/QH15
//!   articles 21–28 and 74, or the decree for discipline rules).
//! - The cap on Chiến sĩ thi đua cơ sở is a warning ([`check_cstdcs_cap`]),
//!   never a silent block. Its base is the number of individuals awarded
//!   Lao động tiên tiến, higher titles count towards it, and how it rounds
//!   is data ([`CstdcsCap`]).

mod collective;
mod date;
mod discipline;
mod explain;
mod individual;
mod input;
mod ruleset;

#[cfg(test)]
mod tests;

pub use collective::{
    FlagCandidate, evaluate_co_thi_dua, evaluate_collective, evaluate_tap_the_lao_dong_tien_tien,
    evaluate_tap_the_lao_dong_xuat_sac,
};
pub use date::{Date, DateError};
pub use explain::{Condition, Evaluation};
pub use individual::{
    CapCheck, check_cstdcs_cap, cstdcs_allowed, evaluate_bang_khen_cap_tinh,
    evaluate_chien_si_thi_dua_cap_tinh, evaluate_chien_si_thi_dua_co_so,
    evaluate_chien_si_thi_dua_toan_quoc, evaluate_individual, evaluate_lao_dong_tien_tien,
};
pub use input::{
    AwardKind, CollectiveYear, DisciplineLevel, DisciplineRecord, MemberResult, PerformanceRating,
    PersonHistory, Title, YearRecord,
};
pub use ruleset::{
    CapRounding, CollectiveRules, CstdcsCap, DisciplineRules, IndividualRules, RuleCatalog,
    RuleError, RuleSet,
};

impl RuleCatalog {
    /// Evaluates an individual title for `year` under the rule set in force
    /// for that year.
    pub fn evaluate_individual(
        &self,
        title: Title,
        history: &PersonHistory,
        year: i32,
    ) -> Result<Evaluation, RuleError> {
        evaluate_individual(self.for_year(year)?, title, history, year)
    }

    /// Evaluates a collective title under the rule set in force for the
    /// collective's year.
    pub fn evaluate_collective(
        &self,
        title: Title,
        collective: &CollectiveYear,
    ) -> Result<Evaluation, RuleError> {
        evaluate_collective(self.for_year(collective.year)?, title, collective)
    }

    /// Checks Chiến sĩ thi đua cơ sở (or higher) proposals against the cap
    /// in force for `year`, among `ldtt_count` Lao động tiên tiến.
    pub fn check_cstdcs_cap(
        &self,
        year: i32,
        ldtt_count: u32,
        proposed: u32,
    ) -> Result<CapCheck, RuleError> {
        Ok(check_cstdcs_cap(self.for_year(year)?, ldtt_count, proposed))
    }
}
