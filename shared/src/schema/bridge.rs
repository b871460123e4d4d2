//! Bridges from the documents to the TĐKT rules ([`crate::domain::rules`]):
//! an office's data for a year turned into the rule inputs, so the app can
//! show live rule checks while people type.
//!
//! - [`person_history`]: one person's [`PersonHistory`] up to a year, from
//!   the evaluations of that and earlier years in the same document and the
//!   titles awarded by recorded decisions.
//! - [`collective_year`]: the office as a [`CollectiveYear`].
//! - [`cap_input`] / [`check_cap`]: staff count and proposed Chiến sĩ thi
//!   đua cơ sở count, checked against the cap in force.
//! - [`effective_rule_set`]: the rule set for a year with the cluster's
//!   overrides applied; [`evaluate_person`] / [`evaluate_office`] run the
//!   evaluations with it.

use std::collections::{BTreeMap, BTreeSet};

use super::cluster_doc::ClusterDoc;
use super::office_doc::{OfficeDoc, Person};
use super::value::DateText;
use crate::domain::rules::{
    CapCheck, CapRounding, CstdcsCap, Evaluation, RuleCatalog, RuleError, RuleSet,
    check_cstdcs_cap, evaluate_collective, evaluate_individual,
};
use crate::domain::{
    AwardKind, CollectiveYear, MemberResult, PerformanceRating, PersonHistory, Title, YearRecord,
};

/// A title awarded to a person by a recorded decision.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Award {
    pub person_id: String,
    /// The year of the achievements (the proposal's `year`).
    pub year: i32,
    pub title: Title,
    pub decision_id: String,
    pub proposal_id: String,
    /// Ad-hoc and themed awards are not a basis for merit awards.
    pub kind: AwardKind,
}

/// Every individual title awarded through a decision linked to a proposal
/// that names a person, a title and a year.
pub fn awards(office: &OfficeDoc) -> Vec<Award> {
    let mut out: Vec<Award> = office
        .decisions
        .iter()
        .flat_map(|(decision_id, d)| {
            office.proposals_of(d).filter_map(move |(proposal_id, p)| {
                Some(Award {
                    person_id: p.person_id.clone()?,
                    year: p.year,
                    title: p.title?,
                    decision_id: decision_id.clone(),
                    proposal_id: proposal_id.to_string(),
                    kind: p.award_kind,
                })
            })
        })
        .collect();
    out.sort();
    out.dedup_by(|a, b| {
        a.person_id == b.person_id && a.year == b.year && a.title == b.title && a.kind == b.kind
    });
    out
}

/// One person's history up to and including `year`.
///
/// A year with an evaluation that has a rating gives a full record. A year
/// known only from a decision (history entered as awards) gives a record
/// with the rating "hoàn thành tốt nhiệm vụ" — the least the title
/// required — and no initiatives, so that consecutive-year chains see it.
/// Discipline records are attached to every year they touch; the
/// evaluated year's `under_review` comes from its evaluation. Titles
/// awarded ad hoc or for a themed movement go to `special_awards`, not
/// `titles_awarded`. A person who joined during a year (and was not
/// transferred in) is a newcomer that year (`recruited_on`).
pub fn person_history(office: &OfficeDoc, person_id: &str, year: i32) -> PersonHistory {
    let awards: Vec<Award> = awards(office)
        .into_iter()
        .filter(|a| a.person_id == person_id && a.year <= year)
        .collect();
    let person = office.staff.get(person_id);
    let discipline = person.map(|p| p.discipline_records()).unwrap_or_default();
    let joined = person
        .and_then(|p| p.joined_on.as_ref())
        .and_then(DateText::date);
    let mut years: BTreeSet<i32> = office
        .evaluations
        .values()
        .filter(|e| e.person_id == person_id && e.year <= year && e.rating.is_some())
        .map(|e| e.year)
        .collect();
    years.extend(awards.iter().map(|a| a.year));
    let records = years
        .into_iter()
        .map(|y| {
            let eval = office.evaluation(person_id, y);
            let rating = eval
                .and_then(|e| e.rating)
                .unwrap_or(PerformanceRating::HoanThanhTot);
            let mut record = YearRecord::new(y, rating);
            if let Some(e) = eval {
                record.takes_part_in_emulation = e.takes_part_in_emulation;
                record.initiatives = e.initiatives;
                record.provincial_scope = e.initiative_applied_provincially;
                record.nationwide_scope = e.nationwide_scope;
                record.research_projects = e.research_projects;
                record.under_review = e.under_review;
            }
            let transferred = eval.is_some_and(|e| e.transferred_in);
            record.recruited_on = joined.filter(|d| d.year() == y && !transferred);
            record.discipline = discipline
                .iter()
                .filter(|d| d.overlaps_year(y))
                .cloned()
                .collect();
            let of_year = |special: bool| {
                awards
                    .iter()
                    .filter(|a| a.year == y && a.kind.is_special() == special)
                    .map(|a| a.title)
                    .collect()
            };
            record.titles_awarded = of_year(false);
            record.special_awards = of_year(true);
            record
        })
        .collect();
    PersonHistory::new(records)
}

/// [`person_history`] for everyone on the staff in `year`, by person id.
pub fn person_histories(office: &OfficeDoc, year: i32) -> BTreeMap<String, PersonHistory> {
    office
        .staff_in(year)
        .map(|(id, _)| (id.clone(), person_history(office, id, year)))
        .collect()
}

/// Whether a title implies `wanted` in the ladder of individual emulation
/// titles (Lao động tiên tiến < Chiến sĩ thi đua cơ sở < cấp tỉnh < toàn
/// quốc): a Chiến sĩ thi đua cơ sở is also a Lao động tiên tiến.
pub fn title_implies(proposed: Option<Title>, wanted: Title) -> bool {
    let rank = |t: Title| match t {
        Title::LaoDongTienTien => Some(1),
        Title::ChienSiThiDuaCoSo => Some(2),
        Title::ChienSiThiDuaCapTinh => Some(3),
        Title::ChienSiThiDuaToanQuoc => Some(4),
        _ => None,
    };
    match (proposed.and_then(rank), rank(wanted)) {
        (Some(p), Some(w)) => p >= w,
        _ => false,
    }
}

/// Whether a member counts as Lao động tiên tiến / Chiến sĩ thi đua cơ
/// sở (`wanted`) in `year`: awarded it or a higher emulation title for
/// regular achievements by a decision, or proposed for it (or higher) in
/// the evaluation.
fn counts_as(office: &OfficeDoc, awards: &[Award], person: &str, year: i32, wanted: Title) -> bool {
    let awarded = awards.iter().any(|a| {
        a.person_id == person
            && a.year == year
            && !a.kind.is_special()
            && title_implies(Some(a.title), wanted)
    });
    // Proposed in the evaluation (bình xét) or by a regular proposal (tờ
    // trình): the rule checks count both, so proposing one more person
    // shows the cap where it is done.
    let proposed = office.proposals.values().any(|p| {
        p.year == year
            && p.person_id.as_deref() == Some(person)
            && !p.award_kind.is_special()
            && title_implies(p.title, wanted)
    });
    awarded
        || proposed
        || title_implies(
            office
                .evaluation(person, year)
                .and_then(|e| e.proposed_title),
            wanted,
        )
}

/// The office as a collective for `year`, or `None` until the collective's
/// own rating for the year is entered (`collectiveEvaluations`).
///
/// Members are the staff of the year (except those who left before the
/// year's end without an evaluation here); one without a rated evaluation
/// is a member with no rating (missing data the evaluation names), not
/// left out. A member counts as Lao động tiên tiến / Chiến sĩ thi đua cơ sở as
/// [`counts_as`] says.
pub fn collective_year(office: &OfficeDoc, year: i32) -> Option<CollectiveYear> {
    let ce = office.collective_evaluation(year)?;
    let rating = ce.rating?;
    let awards = awards(office);
    let members = members_of(office, year)
        .map(|(id, person)| MemberResult {
            name: person.full_name.clone(),
            rating: office.evaluation(id, year).and_then(|e| e.rating),
            lao_dong_tien_tien: counts_as(office, &awards, id, year, Title::LaoDongTienTien),
            chien_si_thi_dua_co_so: counts_as(office, &awards, id, year, Title::ChienSiThiDuaCoSo),
            discipline: person.discipline_records(),
        })
        .collect();
    Some(CollectiveYear {
        year,
        rating,
        internal_unity: ce.internal_unity,
        under_review: ce.under_review,
        members,
    })
}

/// The collective's members in `year`: the staff of the year, except who
/// left before its end without an evaluation here (their new unit
/// evaluates them).
fn members_of(office: &OfficeDoc, year: i32) -> impl Iterator<Item = (&String, &Person)> {
    let year_end = crate::domain::Date::last_of_year(year);
    office.staff_in(year).filter(move |(id, person)| {
        let left_before = person
            .left_on
            .as_ref()
            .and_then(DateText::date)
            .is_some_and(|left| left < year_end);
        !left_before || office.evaluation(id, year).is_some()
    })
}

/// Members of `year` without a rated evaluation for it: the missing data
/// [`collective_year`]'s evaluations name.
pub fn unevaluated_staff(office: &OfficeDoc, year: i32) -> Vec<String> {
    members_of(office, year)
        .filter(|(id, _)| {
            office
                .evaluation(id, year)
                .is_none_or(|e| e.rating.is_none())
        })
        .map(|(id, _)| id.clone())
        .collect()
}

/// The numbers the cap on Chiến sĩ thi đua cơ sở is checked with: the
/// same counts the collective evaluation uses ([`counts_as`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapInput {
    pub year: i32,
    /// Staff on the roster on some day of the year.
    pub staff_count: u32,
    /// The cap's base: staff awarded or proposed Lao động tiên tiến or higher.
    pub ldtt_count: u32,
    /// Staff awarded or proposed Chiến sĩ thi đua cơ sở or higher.
    pub proposed_cstdcs: u32,
    /// Their ids.
    pub proposed_ids: Vec<String>,
}

/// The cap's counts for `year`.
pub fn cap_input(office: &OfficeDoc, year: i32) -> CapInput {
    let awards = awards(office);
    let staff: Vec<&String> = office.staff_in(year).map(|(id, _)| id).collect();
    let counting = |wanted: Title| -> Vec<String> {
        staff
            .iter()
            .filter(|id| counts_as(office, &awards, id, year, wanted))
            .map(|id| (*id).clone())
            .collect()
    };
    let proposed_ids = counting(Title::ChienSiThiDuaCoSo);
    CapInput {
        year,
        staff_count: staff.len() as u32,
        ldtt_count: counting(Title::LaoDongTienTien).len() as u32,
        proposed_cstdcs: proposed_ids.len() as u32,
        proposed_ids,
    }
}

/// The rule set for `year`: the one named in the cluster's rule settings,
/// or else the one in force for the year; with the cluster's cap on Chiến
/// sĩ thi đua cơ sở when it sets one.
pub fn effective_rule_set(
    cluster: Option<&ClusterDoc>,
    catalog: &RuleCatalog,
    year: i32,
) -> Result<RuleSet, RuleError> {
    let settings = cluster.map(|c| &c.rule_settings);
    let mut rules = match settings.and_then(|s| s.rule_set_id.as_deref()) {
        Some(id) => catalog.get(id).cloned().ok_or_else(|| RuleError::Invalid {
            id: id.to_string(),
            problem: "không có trong danh mục bộ quy tắc / not in the rule catalog".to_string(),
        })?,
        None => catalog.for_year(year)?.clone(),
    };
    if let Some(settings) = settings.filter(|s| s.override_cstdcs_cap) {
        let inherited = rules.individual.cstdcs_cap.clone();
        rules.individual.cstdcs_cap = settings.cstdcs_cap_percent.map(|percent| CstdcsCap {
            percent,
            rounding: settings
                .cstdcs_cap_rounding
                .or(inherited.as_ref().map(|c| c.rounding))
                .unwrap_or(CapRounding::Down),
            minimum: settings
                .cstdcs_cap_minimum
                .or(inherited.as_ref().map(|c| c.minimum))
                .unwrap_or(1),
            basis: "quy định của cụm thi đua".to_string(),
        });
    }
    Ok(rules)
}

/// The cap check for `year` with the effective rules.
pub fn check_cap(
    office: &OfficeDoc,
    cluster: Option<&ClusterDoc>,
    catalog: &RuleCatalog,
    year: i32,
) -> Result<CapCheck, RuleError> {
    let rules = effective_rule_set(cluster, catalog, year)?;
    let input = cap_input(office, year);
    Ok(check_cstdcs_cap(
        &rules,
        input.ldtt_count,
        input.proposed_cstdcs,
    ))
}

/// Evaluates an individual title for a person of the office.
pub fn evaluate_person(
    office: &OfficeDoc,
    cluster: Option<&ClusterDoc>,
    catalog: &RuleCatalog,
    person_id: &str,
    title: Title,
    year: i32,
) -> Result<Evaluation, RuleError> {
    let rules = effective_rule_set(cluster, catalog, year)?;
    evaluate_individual(
        &rules,
        title,
        &person_history(office, person_id, year),
        year,
    )
}

/// Evaluates a collective title for the office; `Ok(None)` until the
/// collective's rating for the year is entered.
pub fn evaluate_office(
    office: &OfficeDoc,
    cluster: Option<&ClusterDoc>,
    catalog: &RuleCatalog,
    title: Title,
    year: i32,
) -> Result<Option<Evaluation>, RuleError> {
    let Some(collective) = collective_year(office, year) else {
        return Ok(None);
    };
    let rules = effective_rule_set(cluster, catalog, year)?;
    evaluate_collective(&rules, title, &collective).map(Some)
}
