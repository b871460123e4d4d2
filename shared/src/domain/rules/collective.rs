//! Collective titles (danh hiệu tập thể): Tập thể lao động xuất sắc
//! (Điều 27) and Tập thể lao động tiên tiến (Điều 28), evaluated over the
//! members' results of the year.

use super::discipline::freeze_condition;
use super::explain::{Condition, Evaluation, ratio_text};
use super::input::{CollectiveYear, DisciplineLevel, MemberResult, Title};
use super::ruleset::{RuleError, RuleSet};

/// Members counted as Lao động tiên tiến (a Chiến sĩ thi đua cơ sở is one too).
fn ldtt_count(members: &[MemberResult]) -> u64 {
    members
        .iter()
        .filter(|m| m.lao_dong_tien_tien || m.chien_si_thi_dua_co_so)
        .count() as u64
}

fn no_members_condition(article: &str) -> Condition {
    Condition::new(article, false)
        .vi("có danh sách thành viên", "chưa có thành viên")
        .en("a list of members", "no members yet")
}

fn excellent_rating_condition(article: &str, collective: &CollectiveYear) -> Condition {
    let rating = collective.rating;
    Condition::new(article, rating.is_excellent())
        .vi(
            "tập thể hoàn thành xuất sắc nhiệm vụ",
            &format!("hiện: {}", rating.name_vi()),
        )
        .en(
            "the collective completed its duties excellently",
            &format!("now: {}", rating.name_en()),
        )
}

fn good_rating_condition(article: &str, collective: &CollectiveYear) -> Condition {
    let rating = collective.rating;
    Condition::new(article, rating.is_good_or_better())
        .vi(
            "tập thể hoàn thành tốt nhiệm vụ trở lên",
            &format!("hiện: {}", rating.name_vi()),
        )
        .en(
            "the collective completed its duties well or better",
            &format!("now: {}", rating.name_en()),
        )
}

/// Every member has a rating: members without one are missing data, shown
/// by name, never dropped from the percentages.
fn ratings_complete_condition(article: &str, members: &[MemberResult]) -> Condition {
    let unrated: Vec<&str> = members
        .iter()
        .filter(|m| m.rating.is_none())
        .map(|m| m.name.as_str())
        .collect();
    let (detail_vi, detail_en) = if unrated.is_empty() {
        (
            format!("đủ {} người", members.len()),
            format!("all {}", members.len()),
        )
    } else {
        let names = unrated.join(", ");
        (
            format!("thiếu xếp loại của {} người: {names}", unrated.len()),
            format!("no rating yet for {}: {names}", unrated.len()),
        )
    };
    Condition::new(article, unrated.is_empty())
        .vi("có xếp loại của tất cả thành viên", &detail_vi)
        .en("every member has a rating", &detail_en)
}

fn all_completed_condition(article: &str, members: &[MemberResult]) -> Condition {
    let failed: Vec<&str> = members
        .iter()
        .filter(|m| m.rating.is_some_and(|r| !r.is_completed()))
        .map(|m| m.name.as_str())
        .collect();
    // A member without a rating is not known to have completed (named by
    // the ratings condition).
    let done = members
        .iter()
        .filter(|m| m.rating.is_some_and(|r| r.is_completed()))
        .count() as u64;
    let total = members.len() as u64;
    let (ratio_vi, ratio_en) = ratio_text(done, total);
    let (detail_vi, detail_en) = if failed.is_empty() {
        (format!("hiện {ratio_vi}"), format!("now {ratio_en}"))
    } else {
        let names = failed.join(", ");
        (
            format!("hiện {ratio_vi}; không hoàn thành nhiệm vụ: {names}"),
            format!("now {ratio_en}; not completed: {names}"),
        )
    };
    Condition::new(article, done == total)
        .vi("100% cá nhân hoàn thành nhiệm vụ", &detail_vi)
        .en("100% of members completed their duties", &detail_en)
}

/// At least `min_percent` of members Lao động tiên tiến (inclusive).
fn ldtt_at_least_condition(article: &str, members: &[MemberResult], min_percent: u32) -> Condition {
    let (count, total) = (ldtt_count(members), members.len() as u64);
    let met = count * 100 >= u64::from(min_percent) * total;
    let (ratio_vi, ratio_en) = ratio_text(count, total);
    Condition::new(article, met)
        .vi(
            &format!("≥{min_percent}% cá nhân đạt Lao động tiên tiến"),
            &format!("hiện {ratio_vi}"),
        )
        .en(
            &format!("≥{min_percent}% Advanced Workers"),
            &format!("now {ratio_en}"),
        )
}

/// Strictly more than `over_percent` of members Lao động tiên tiến.
fn ldtt_over_condition(article: &str, members: &[MemberResult], over_percent: u32) -> Condition {
    let (count, total) = (ldtt_count(members), members.len() as u64);
    let met = count * 100 > u64::from(over_percent) * total;
    let (ratio_vi, ratio_en) = ratio_text(count, total);
    Condition::new(article, met)
        .vi(
            &format!("trên {over_percent}% cá nhân đạt Lao động tiên tiến"),
            &format!("hiện {ratio_vi}"),
        )
        .en(
            &format!("over {over_percent}% Advanced Workers"),
            &format!("now {ratio_en}"),
        )
}

fn cstdcs_condition(article: &str, members: &[MemberResult], min: u32) -> Condition {
    let count = members.iter().filter(|m| m.chien_si_thi_dua_co_so).count() as u64;
    Condition::new(article, count >= u64::from(min))
        .vi(
            &format!("có ít nhất {min} cá nhân đạt Chiến sĩ thi đua cơ sở"),
            &format!("hiện {count}"),
        )
        .en(
            &format!("at least {min} Grassroots Emulation Fighter(s)"),
            &format!("now {count}"),
        )
}

fn discipline_condition(rules: &RuleSet, article: &str, collective: &CollectiveYear) -> Condition {
    let level = rules.collective.blocking_discipline_level;
    let year = collective.year;
    let offenders: Vec<_> = collective
        .members
        .iter()
        .filter_map(|m| {
            m.discipline
                .iter()
                .filter(|d| d.level >= level && d.overlaps_year(year))
                .max_by_key(|d| d.level)
                .map(|d| (m.name.as_str(), d.level))
        })
        .collect();
    let (detail_vi, detail_en) = if offenders.is_empty() {
        (String::new(), "none".to_string())
    } else {
        let list = |name_of: fn(DisciplineLevel) -> &'static str| {
            offenders
                .iter()
                .map(|(name, l)| format!("{name} ({})", name_of(*l)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        (
            format!("bị kỷ luật: {}", list(DisciplineLevel::name_vi)),
            list(DisciplineLevel::name_en),
        )
    };
    Condition::new(article, offenders.is_empty())
        .vi(
            &format!(
                "không có cá nhân bị kỷ luật từ hình thức {} trở lên trong năm {year}",
                level.name_vi()
            ),
            &detail_vi,
        )
        .en(
            &format!(
                "no member disciplined at {} level or above in {year}",
                level.name_en()
            ),
            &detail_en,
        )
}

fn unity_condition(article: &str, collective: &CollectiveYear) -> Condition {
    let yes = collective.internal_unity;
    Condition::new(article, yes)
        .vi("nội bộ đoàn kết", if yes { "có" } else { "không" })
        .en("internal unity", if yes { "yes" } else { "no" })
}

fn finish(
    title: Title,
    rules: &RuleSet,
    collective: &CollectiveYear,
    own: Vec<Condition>,
) -> Evaluation {
    let freeze = freeze_condition(rules, collective.under_review);
    let frozen = freeze.as_ref().is_some_and(|c| !c.met);
    let conditions = freeze.into_iter().chain(own).collect();
    Evaluation::new(title, collective.year, rules, frozen, conditions)
}

/// Tập thể lao động xuất sắc (Excellent Labour Collective, Điều 27):
/// excellent completion; 100% of members completed duties, at least 70%
/// Lao động tiên tiến (exactly 70% passes); at least one Chiến sĩ thi đua
/// cơ sở; no member disciplined at warning level or above; internal unity.
pub fn evaluate_tap_the_lao_dong_xuat_sac(
    rules: &RuleSet,
    collective: &CollectiveYear,
) -> Evaluation {
    let article = rules.article(Title::TapTheLaoDongXuatSac);
    let members = collective.members.as_slice();
    let mut own = vec![excellent_rating_condition(article, collective)];
    if members.is_empty() {
        own.push(no_members_condition(article));
    } else {
        own.extend([
            ratings_complete_condition(article, members),
            all_completed_condition(article, members),
            ldtt_at_least_condition(
                article,
                members,
                rules.collective.excellent_min_ldtt_percent,
            ),
            cstdcs_condition(article, members, rules.collective.excellent_min_cstdcs),
            discipline_condition(rules, article, collective),
        ]);
    }
    own.push(unity_condition(article, collective));
    finish(Title::TapTheLaoDongXuatSac, rules, collective, own)
}

/// Tập thể lao động tiên tiến (Advanced Labour Collective, Điều 28):
/// completed duties well; over 50% Lao động tiên tiến (exactly 50% fails);
/// no member disciplined at warning level or above; internal unity.
/// Members without a rating are missing data: the percentage counts them
/// (they are not yet Lao động tiên tiến) and a condition names them.
pub fn evaluate_tap_the_lao_dong_tien_tien(
    rules: &RuleSet,
    collective: &CollectiveYear,
) -> Evaluation {
    let article = rules.article(Title::TapTheLaoDongTienTien);
    let members = collective.members.as_slice();
    let mut own = vec![good_rating_condition(article, collective)];
    if members.is_empty() {
        own.push(no_members_condition(article));
    } else {
        own.extend([
            ratings_complete_condition(article, members),
            ldtt_over_condition(
                article,
                members,
                rules.collective.advanced_ldtt_percent_over,
            ),
            discipline_condition(rules, article, collective),
        ]);
    }
    own.push(unity_condition(article, collective));
    finish(Title::TapTheLaoDongTienTien, rules, collective, own)
}

/// Evaluates a collective title; other titles are [`RuleError::NotSupported`].
pub fn evaluate_collective(
    rules: &RuleSet,
    title: Title,
    collective: &CollectiveYear,
) -> Result<Evaluation, RuleError> {
    match title {
        Title::TapTheLaoDongXuatSac => Ok(evaluate_tap_the_lao_dong_xuat_sac(rules, collective)),
        Title::TapTheLaoDongTienTien => Ok(evaluate_tap_the_lao_dong_tien_tien(rules, collective)),
        other => Err(RuleError::NotSupported(other)),
    }
}

/// An office as the candidate for the emulation flag (Cờ thi đua): the
/// cluster's vote (suy tôn) and what Điều 26 asks besides.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FlagCandidate {
    pub year: i32,
    /// Votes for this office as the cluster's leading office.
    pub votes: u32,
    /// Ballots cast in the cluster.
    pub ballots: u32,
    /// Offices with as many votes (a tie to settle); empty when it leads alone.
    pub tied_with: Vec<String>,
    /// The collective's own rating; `None` until entered.
    pub rating: Option<super::input::PerformanceRating>,
    pub internal_unity: bool,
    pub under_review: bool,
    /// Exemplary models (gương điển hình, mô hình mới) of the year that were
    /// introduced to others or went further.
    pub new_models: u32,
}

/// Cờ thi đua (emulation flag, Điều 26): the office the cluster voted its
/// leading office (suy tôn), with excellent completion, new factors or
/// models for others to learn from, and internal unity.
pub fn evaluate_co_thi_dua(rules: &RuleSet, c: &FlagCandidate) -> Evaluation {
    let article = rules.article(Title::CoThiDuaCapTinh);
    let leads = c.votes > 0 && c.tied_with.is_empty();
    let (vote_vi, vote_en) = if c.tied_with.is_empty() {
        (
            format!("{}/{} phiếu", c.votes, c.ballots),
            format!("{} of {} votes", c.votes, c.ballots),
        )
    } else {
        let others = c.tied_with.join(", ");
        (
            format!(
                "{}/{} phiếu, bằng số phiếu với {others}: cần suy tôn lại",
                c.votes, c.ballots
            ),
            format!(
                "{} of {} votes, tied with {others}: vote again",
                c.votes, c.ballots
            ),
        )
    };
    let vote = Condition::new(article, leads)
        .vi("được cụm thi đua suy tôn là đơn vị dẫn đầu", &vote_vi)
        .en("voted the cluster's leading office", &vote_en);
    let rating = match c.rating {
        Some(r) => Condition::new(article, r.is_excellent())
            .vi(
                "tập thể hoàn thành xuất sắc nhiệm vụ",
                &format!("hiện: {}", r.name_vi()),
            )
            .en(
                "the collective completed its duties excellently",
                &format!("now: {}", r.name_en()),
            ),
        None => Condition::new(article, false)
            .vi("tập thể hoàn thành xuất sắc nhiệm vụ", "chưa có xếp loại")
            .en(
                "the collective completed its duties excellently",
                "no rating yet",
            ),
    };
    let models = Condition::new(article, c.new_models > 0)
        .vi(
            "có nhân tố mới, mô hình mới để các tập thể khác học tập",
            &format!(
                "{} gương điển hình, mô hình được giới thiệu, nhân rộng trong năm",
                c.new_models
            ),
        )
        .en(
            "new factors or models for other collectives to learn from",
            &format!(
                "{} exemplary models introduced or replicated in the year",
                c.new_models
            ),
        );
    let unity = Condition::new(article, c.internal_unity)
        .vi(
            "nội bộ đoàn kết",
            if c.internal_unity { "có" } else { "không" },
        )
        .en(
            "internal unity",
            if c.internal_unity { "yes" } else { "no" },
        );
    let freeze = freeze_condition(rules, c.under_review);
    let frozen = freeze.as_ref().is_some_and(|f| !f.met);
    let conditions = freeze
        .into_iter()
        .chain([vote, rating, models, unity])
        .collect();
    Evaluation::new(Title::CoThiDuaCapTinh, c.year, rules, frozen, conditions)
}
