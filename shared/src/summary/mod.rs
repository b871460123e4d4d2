//! The cluster summary (báo cáo tổng hợp của cụm thi đua): one pure
//! computation over the cluster document, the office documents and the
//! rule catalog, for one year. The relay serves it
//! (`GET /api/cluster/summary`) and exports it (XLSX, CSV); the app can
//! compute the very same value from its replicas, so both always agree.
//!
//! What it answers, per office and for the whole cluster:
//! - [`registrations`]: who registered for which title (đăng ký thi đua),
//!   the collective's target, registered before or after the deadline, and
//!   per title how many registered, were proposed and were awarded;
//! - [`scores`]: self-scores (tự chấm) and the average the OTHER offices
//!   gave (chấm chéo) per criterion, totals and rank, at the mid-year and
//!   at the year-end review; the vote for the leading office (suy tôn đơn
//!   vị dẫn đầu);
//! - [`warnings`]: proposals that break a rule (cảnh báo), with the rule
//!   evaluations' own Vietnamese and English explanations;
//! - [`pipeline`]: exemplary models per stage (gương điển hình) and the
//!   inspection recommendations still open (kiến nghị chưa thực hiện);
//! - [`commendations`]: how long commendations took, from proposal (tờ
//!   trình) to decision (quyết định), per decision, on average and at most;
//! - [`OfficeFreshness`]: how recent each office's data is.
//!
//! Ordering is deterministic: offices in the order given (the directory's
//! order), ranks by score, people by Vietnamese given-name collation.
//! Scores, peer reviews and votes are kept per year and review round
//! ([`crate::schema::review`]); the older top-level ones belong to the year
//! the office document pinned (else the cluster document's year).
//!
//! No clock and no I/O: each office's freshness (the newest change time in
//! its document, see [`newest_change_secs`]) is passed in by the caller.

pub mod codes;
pub mod commendations;
pub mod invariants;
pub mod pipeline;
pub mod registrations;
pub mod scores;
pub mod tasks;
pub mod warnings;

#[cfg(test)]
pub(crate) mod tests;

use automerge::{Automerge, ReadDoc};
use serde::{Deserialize, Serialize};

use crate::domain::rules::{Date, Evaluation, FlagCandidate, RuleCatalog, evaluate_co_thi_dua};
use crate::schema::{ClusterDoc, OfficeDoc, ReviewPeriod};

pub use commendations::{CommendationRow, DossierCounts, ProposalRef, TimingStats};
pub use pipeline::{FollowUpKind, FollowUpRow, ModelRow, StageCounts};
pub use registrations::{
    INDIVIDUAL_TITLES, OfficeRegistrations, PersonRegistration, RegistrationTiming, ShareTarget,
    TargetProgress, TitleCount, TitleTally, dossier_deadline_named, registration_deadline,
    registration_deadline_named,
};
pub use scores::{CriterionInfo, CriterionScores, OfficeScores, VoteSummary, VoteTally};
pub use tasks::{DeadlineDue, OfficeTasks, Task, TaskKind, likely_period, office_tasks};
pub use warnings::RuleWarning;

/// One office's document as the summary reads it.
#[derive(Clone, Copy, Debug)]
pub struct OfficeInput<'a> {
    /// The office code, e.g. `LSN`.
    pub code: &'a str,
    pub doc: &'a OfficeDoc,
    /// The newest change time in the office's document, in seconds since
    /// the epoch ([`newest_change_secs`]); `None` when unknown.
    pub last_change_secs: Option<i64>,
}

/// The whole summary for one year.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterSummary {
    /// The year summarised (năm).
    pub year: i32,
    /// The cluster document's year (the scoring table is its table).
    pub cluster_year: i32,
    pub cluster_name: String,
    /// The rule set applied ([`crate::domain::RuleSet::id`]), when one
    /// applies to the year.
    pub rule_set_id: Option<String>,
    /// The registration deadline (hạn đăng ký thi đua) of the year, if set.
    pub registration_deadline: Option<Date>,
    /// The scoring table in display order.
    pub criteria: Vec<CriterionInfo>,
    /// Sum of the criteria maxima (tổng điểm tối đa).
    pub max_total: f64,
    /// The offices, in the order given (the directory's order).
    pub offices: Vec<OfficeSummary>,
    /// Office codes by rank at the year-end review: ranked offices by peer
    /// total, then the others by self total, then in directory order.
    pub ranking: Vec<String>,
    /// The same order after the mid-year review (sơ kết 6 tháng).
    pub mid_year_ranking: Vec<String>,
    /// Totals over all offices.
    pub totals: ClusterTotals,
    /// Every rule warning, office by office in directory order.
    pub warnings: Vec<RuleWarning>,
    /// Exemplary models of the year, office by office, furthest stage first.
    pub models: Vec<ModelRow>,
    /// Inspection recommendations and shortcomings still open.
    pub follow_ups: Vec<FollowUpRow>,
    /// Commendation decisions of the year with their timing.
    pub commendations: Vec<CommendationRow>,
    /// The vote for the leading office.
    pub vote: VoteSummary,
    /// The emulation flag proposal that follows from the vote, when an
    /// office received votes.
    pub flag: Option<FlagProposal>,
}

/// The emulation flag (Cờ thi đua) proposal that follows from the vote
/// (suy tôn): the leading office, evaluated against Điều 26, and the
/// runners-up, who are often proposed for a Bằng khen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlagProposal {
    pub office_code: String,
    pub office_name: String,
    pub evaluation: Evaluation,
    /// The next offices by votes (with at least one vote), at most two.
    pub runners_up: Vec<VoteTally>,
}

/// One office's part of the summary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfficeSummary {
    pub code: String,
    /// The name under which the office acted in the year (a predecessor's
    /// name before the 2025 merger).
    pub name: String,
    pub freshness: OfficeFreshness,
    pub registrations: OfficeRegistrations,
    /// Scores of the year-end review (tổng kết năm).
    pub scores: OfficeScores,
    /// Scores of the mid-year review (sơ kết 6 tháng đầu năm).
    pub mid_year_scores: OfficeScores,
    /// Rule warnings about this office.
    pub warning_count: u32,
    /// Exemplary models of the year by furthest stage.
    pub models: StageCounts,
    /// Recommendations of the year's inspections, and how many of all
    /// inspections so far are still open (kiến nghị chưa thực hiện xong).
    pub recommendations_total: u32,
    pub recommendations_open: u32,
    /// Shortcomings still open (hạn chế chưa khắc phục).
    pub shortcomings_open: u32,
    /// Timing of the year's commendations.
    pub commendations: TimingStats,
    /// Votes received for leading office.
    pub votes_received: u32,
}

/// How recent an office's data is (độ mới của dữ liệu).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfficeFreshness {
    /// The newest change time, seconds since the epoch.
    pub last_change_secs: Option<i64>,
    /// Its date in Vietnam (UTC+7).
    pub last_change_date: Option<Date>,
    /// Whole days behind the office with the newest data (0 for it).
    pub behind_newest_days: Option<i64>,
}

/// Totals over the cluster (toàn cụm).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterTotals {
    pub offices: u32,
    pub staff_count: u32,
    /// People with an individual registration.
    pub registered_count: u32,
    pub by_title: Vec<TitleCount>,
    /// Collective targets: how many offices registered each title.
    pub collective_targets: Vec<TitleTally>,
    pub registered_on_time: u32,
    pub registered_late: u32,
    pub registered_undated: u32,
    pub warnings: u32,
    pub models: StageCounts,
    pub recommendations_total: u32,
    pub recommendations_open: u32,
    pub shortcomings_open: u32,
    pub commendations: TimingStats,
}

/// The newest change time in a document (seconds since the epoch, as the
/// app and the demo commit them): the latest timestamp among its heads;
/// a head committed without a time (a clock-less tool) is looked through
/// to its timed ancestors. `None` for a document without timed changes.
pub fn newest_change_secs(doc: &Automerge) -> Option<i64> {
    let mut stack = doc.get_heads();
    let mut seen = std::collections::BTreeSet::new();
    let mut newest = None;
    while let Some(hash) = stack.pop() {
        if !seen.insert(hash) {
            continue;
        }
        let Some(change) = doc.get_change_by_hash(&hash) else {
            continue;
        };
        if change.timestamp() > 0 {
            newest = newest.max(Some(change.timestamp()));
        } else {
            stack.extend(change.deps().iter().copied());
        }
    }
    newest
}

/// An office document read from automerge (owned), with its freshness:
/// what a shell holds before calling [`cluster_summary`].
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedOffice {
    pub code: String,
    pub doc: OfficeDoc,
    pub last_change_secs: Option<i64>,
}

impl LoadedOffice {
    /// Reads an office document leniently ([`crate::schema::load_office`];
    /// unreadable records are left out) and its newest change time.
    pub fn load(code: &str, doc: &Automerge) -> LoadedOffice {
        LoadedOffice {
            code: code.to_string(),
            doc: crate::schema::load_office(doc).doc,
            last_change_secs: newest_change_secs(doc),
        }
    }

    pub fn input(&self) -> OfficeInput<'_> {
        OfficeInput {
            code: &self.code,
            doc: &self.doc,
            last_change_secs: self.last_change_secs,
        }
    }
}

/// [`cluster_summary`] over loaded offices; `year` defaults to the cluster
/// document's year.
pub fn summarize_loaded(
    cluster: &ClusterDoc,
    offices: &[LoadedOffice],
    catalog: &RuleCatalog,
    year: Option<i32>,
) -> ClusterSummary {
    let inputs: Vec<OfficeInput<'_>> = offices.iter().map(LoadedOffice::input).collect();
    cluster_summary(cluster, &inputs, catalog, year.unwrap_or(cluster.year))
}

/// Whether office `code` was a member of the cluster on some day of `year`
/// (an office the cluster document does not list counts as a member): a
/// former office (Yên Bái before 1 July 2025) is summarised in its years
/// from its own document, its successor from the day it began.
fn member_in_year(cluster: &ClusterDoc, code: &str, year: i32) -> bool {
    cluster
        .members
        .get(code)
        .is_none_or(|m| m.is_valid_in_year(year))
}

/// The name of office `code` in `year`: the member's name then (or its
/// predecessor's before a merger), else the office document's own name.
fn office_name(cluster: &ClusterDoc, code: &str, doc: Option<&OfficeDoc>, year: i32) -> String {
    cluster
        .office_name_on(code, Date::last_of_year(year))
        .map(str::to_string)
        .or_else(|| doc.map(|d| d.name.clone()).filter(|n| !n.is_empty()))
        .unwrap_or_else(|| code.to_string())
}

/// The flag proposal of the year from the vote (see [`FlagProposal`]).
fn flag_proposal(
    summary: &ClusterSummary,
    offices: &[OfficeInput<'_>],
    rules: &crate::domain::RuleSet,
    year: i32,
) -> Option<FlagProposal> {
    let vote = &summary.vote;
    let code = vote.leading.first()?;
    let tally = vote.tallies.iter().find(|t| &t.office_code == code)?;
    let doc = offices
        .iter()
        .find(|o| o.code == code.as_str())
        .map(|o| o.doc);
    let collective = doc.and_then(|d| d.collective_evaluation(year));
    let name_of = |c: &str| {
        vote.tallies
            .iter()
            .find(|t| t.office_code == c)
            .map_or_else(|| c.to_string(), |t| t.office_name.clone())
    };
    let new_models = summary
        .models
        .iter()
        .filter(|m| &m.office_code == code && m.stage >= crate::schema::ModelStage::Introduced)
        .count() as u32;
    let candidate = FlagCandidate {
        year,
        votes: tally.votes,
        ballots: vote.ballots_cast,
        tied_with: vote.leading[1..].iter().map(|c| name_of(c)).collect(),
        rating: collective.and_then(|c| c.rating),
        internal_unity: collective.is_some_and(|c| c.internal_unity),
        under_review: collective.is_some_and(|c| c.under_review),
        new_models,
    };
    Some(FlagProposal {
        office_code: code.clone(),
        office_name: tally.office_name.clone(),
        evaluation: evaluate_co_thi_dua(rules, &candidate),
        runners_up: vote
            .tallies
            .iter()
            .filter(|t| t.votes > 0 && !vote.leading.contains(&t.office_code))
            .take(2)
            .cloned()
            .collect(),
    })
}

/// Computes the summary of `year` (see the module documentation).
///
/// `offices` are the office documents in display (directory) order, the
/// former offices' too; an office listed twice is counted once, and one
/// that was not a member in `year` is left out. `catalog` gives the rule sets; the
/// cluster's rule settings (cap override, chosen rule set) apply.
pub fn cluster_summary(
    cluster: &ClusterDoc,
    offices: &[OfficeInput<'_>],
    catalog: &RuleCatalog,
    year: i32,
) -> ClusterSummary {
    let mut seen = std::collections::BTreeSet::new();
    let offices: Vec<OfficeInput<'_>> = offices
        .iter()
        .filter(|o| seen.insert(o.code))
        .filter(|o| member_in_year(cluster, o.code, year))
        .copied()
        .collect();
    let names: Vec<String> = offices
        .iter()
        .map(|o| office_name(cluster, o.code, Some(o.doc), year))
        .collect();
    let deadline = registrations::registration_deadline(cluster, year);
    let dossier_deadline = registrations::dossier_deadline_named(cluster, year).map(|(_, d)| d);
    let rules = crate::schema::bridge::effective_rule_set(Some(cluster), catalog, year);
    let year_end = scores::rounds(cluster, &offices, year, ReviewPeriod::YearEnd);
    let mid_year = scores::rounds(cluster, &offices, year, ReviewPeriod::MidYear);
    let scoring = scores::score_offices(cluster, &offices, &year_end);
    let mid_scoring = scores::score_offices(cluster, &offices, &mid_year);
    let vote = scores::vote(cluster, &offices, &year_end, &names, year);
    let newest = offices.iter().filter_map(|o| o.last_change_secs).max();

    let mut summary = ClusterSummary {
        year,
        cluster_year: cluster.year,
        cluster_name: cluster.name.clone(),
        rule_set_id: rules.as_ref().ok().map(|r| r.id.clone()),
        registration_deadline: deadline,
        criteria: scores::criteria(cluster),
        max_total: cluster.max_total(),
        offices: Vec::with_capacity(offices.len()),
        ranking: scoring.ranking,
        mid_year_ranking: mid_scoring.ranking,
        totals: ClusterTotals {
            offices: offices.len() as u32,
            ..ClusterTotals::default()
        },
        warnings: Vec::new(),
        models: Vec::new(),
        follow_ups: Vec::new(),
        commendations: Vec::new(),
        vote,
        flag: None,
    };
    if let Err(e) = &rules {
        summary.warnings.push(warnings::no_rule_set(e, year));
    }

    let both = scoring.offices.into_iter().zip(mid_scoring.offices);
    for ((input, name), (office_scores, mid_year_scores)) in offices.iter().zip(&names).zip(both) {
        let doc = input.doc;
        let regs = registrations::office_registrations(doc, year, deadline);
        let office_warnings = match &rules {
            Ok(rules) => warnings::office_warnings(doc, input.code, name, rules, year),
            Err(_) => Vec::new(),
        };
        let models = pipeline::models(doc, input.code, name, year, cluster.year);
        let follow = pipeline::follow_ups(doc, cluster, input.code, name, year);
        let decisions = commendations::decisions(doc, input.code, name, year);
        let timing = commendations::timing(
            &decisions,
            commendations::pending(doc, year),
            commendations::dossiers(doc, year, dossier_deadline),
        );
        let votes_received = summary
            .vote
            .tallies
            .iter()
            .find(|t| t.office_code == input.code)
            .map_or(0, |t| t.votes);
        let freshness = OfficeFreshness {
            last_change_secs: input.last_change_secs,
            last_change_date: input.last_change_secs.and_then(codes::vietnam_date_of),
            behind_newest_days: input
                .last_change_secs
                .zip(newest)
                .map(|(t, n)| (n - t).div_euclid(86_400)),
        };
        let office = OfficeSummary {
            code: input.code.to_string(),
            name: name.clone(),
            freshness,
            warning_count: office_warnings.len() as u32,
            models: StageCounts::of(&models),
            recommendations_total: follow.recommendations_total,
            recommendations_open: follow.recommendations_open,
            shortcomings_open: follow.shortcomings_open,
            commendations: timing,
            votes_received,
            registrations: regs,
            scores: office_scores,
            mid_year_scores,
        };
        add_to_totals(&mut summary.totals, &office);
        summary.warnings.extend(office_warnings);
        summary.models.extend(models);
        summary.follow_ups.extend(follow.rows);
        summary.commendations.extend(decisions);
        summary.offices.push(office);
    }
    if let Ok(rules) = &rules {
        summary.flag = flag_proposal(&summary, &offices, rules, year);
    }
    summary.totals.warnings = summary.warnings.len() as u32;
    let mut dossiers = DossierCounts::default();
    for o in &summary.offices {
        dossiers.add(&o.commendations.dossiers);
    }
    summary.totals.commendations = commendations::timing(
        &summary.commendations,
        summary
            .offices
            .iter()
            .map(|o| o.commendations.pending_proposals)
            .sum(),
        dossiers,
    );
    summary.totals.collective_targets = registrations::collective_targets(&summary.offices);
    summary
}

fn add_to_totals(t: &mut ClusterTotals, o: &OfficeSummary) {
    let r = &o.registrations;
    t.staff_count += r.staff_count;
    t.registered_count += r.registered_count;
    t.registered_on_time += r.on_time;
    t.registered_late += r.late;
    t.registered_undated += r.undated;
    registrations::add_title_counts(&mut t.by_title, &r.by_title);
    t.models.add(&o.models);
    t.recommendations_total += o.recommendations_total;
    t.recommendations_open += o.recommendations_open;
    t.shortcomings_open += o.shortcomings_open;
}
