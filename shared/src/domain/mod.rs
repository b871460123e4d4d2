//! The TĐKT domain (công tác thi đua, khen thưởng — emulation and
//! commendation work): pure logic, no I/O, no clock, so it runs the same in
//! the browser (wasm32) and on the relay.
//!
//! - [`names`]: Vietnamese personal names (họ, tên đệm, tên), Vietnamese
//!   alphabetical order (a < ă < â, d < đ, tones after letters), sorting
//!   people by given name, forms of address (Ông / Bà).
//! - [`rules`]: title rules as data with an effective period
//!   ([`RuleSet`], [`RuleCatalog`]) and evaluations that explain themselves
//!   ([`Evaluation`], [`Condition`]) for Lao động tiên tiến (Advanced
//!   Worker), Chiến sĩ thi đua cơ sở / cấp tỉnh / toàn quốc (Emulation
//!   Fighter at grassroots / provincial / national level), Bằng khen
//!   (certificate of merit) and the collective titles Tập thể lao động xuất
//!   sắc / tiên tiến (Excellent / Advanced Labour Collective), with the
//!   discipline rules of decree 152/2025/NĐ-CP.
//! - [`authority`]: who awards what for an office on a date (the National
//!   Assembly Office's system before the office merger, the province's
//!   after).

pub mod authority;
pub mod names;
pub mod rules;

pub use authority::AwardingSystem;
pub use names::{
    CollationKey, Gender, NameSortKey, PersonName, collation_key, compare_by_given_name,
    compare_vietnamese, form_of_address, lower_first, normalize_vietnamese, search_fold,
    search_matches, sort_people_by_given_name, sort_vietnamese, upper_first,
};
pub use rules::{
    AwardKind, CapCheck, CollectiveYear, Condition, Date, DisciplineLevel, DisciplineRecord,
    Evaluation, MemberResult, PerformanceRating, PersonHistory, RuleCatalog, RuleError, RuleSet,
    Title, YearRecord,
};
