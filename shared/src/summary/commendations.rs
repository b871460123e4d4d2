//! Timely commendation (khen thưởng kịp thời): for every decision of the
//! year, the days from its proposal (tờ trình) to the decision (quyết
//! định); per office and for the cluster, the average and the longest.
//!
//! A decision belongs to the year of the achievements it commends (its
//! proposals' `year`), or, when its proposals name no year, to the year of
//! its date. Its days count from the day the earliest of its proposals'
//! dossiers was first sent to the awarding authority, or, when no sending
//! is recorded, from the earliest proposal date.
//!
//! The year's undecided proposals are counted by where their dossier stands
//! ([`DossierCounts`]).
//! A decision dated before its proposal is listed (and warned about) but
//! left out of the average and maximum.

use serde::{Deserialize, Serialize};

use super::codes::{days_between, opt_code};
use crate::domain::Title;
use crate::domain::rules::Date;
use crate::schema::{
    DateText, DossierStatus, OfficeDoc, dossier_status, first_sent, missing_parts,
};

/// A proposal granted by a decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProposalRef {
    pub proposal_id: String,
    /// e.g. `12/TTr-VP`.
    pub number: String,
    pub date: Option<Date>,
    /// The person's full name or the collective's name.
    pub subject: String,
    #[serde(with = "opt_code")]
    pub title: Option<Title>,
    /// Another award, as text (e.g. "Huân chương Lao động hạng Ba").
    pub award: String,
    /// The day its dossier was first sent, when recorded.
    #[serde(default)]
    pub sent_date: Option<Date>,
}

/// One decision and how long it took.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommendationRow {
    pub office_code: String,
    pub office_name: String,
    pub decision_id: String,
    /// e.g. `123/QĐ-UBND`.
    pub decision_number: String,
    pub decision_date: Option<Date>,
    pub signer: String,
    pub proposals: Vec<ProposalRef>,
    /// The earliest proposal date.
    pub proposal_date: Option<Date>,
    /// The earliest day one of its dossiers was sent, when recorded.
    #[serde(default)]
    pub dossier_date: Option<Date>,
    /// Days from `dossier_date` (else `proposal_date`) to `decision_date`.
    pub days: Option<i64>,
}

/// The year's undecided proposals by where their dossier stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DossierCounts {
    /// Đang chuẩn bị: not sent yet.
    pub preparing: u32,
    /// Đã gửi, waiting for the decision.
    pub sent: u32,
    /// Bị trả lại and not sent again yet.
    pub returned: u32,
    /// First sent after the cluster's dossier deadline.
    pub sent_late: u32,
    /// Sent without every required component (see
    /// [`crate::schema::required_parts`]).
    pub sent_incomplete: u32,
}

impl DossierCounts {
    pub fn add(&mut self, other: &DossierCounts) {
        self.preparing += other.preparing;
        self.sent += other.sent;
        self.returned += other.returned;
        self.sent_late += other.sent_late;
        self.sent_incomplete += other.sent_incomplete;
    }
}

/// Where the dossiers of the office's undecided proposals of `year` stand;
/// `deadline` is the cluster's dossier deadline.
pub fn dossiers(office: &OfficeDoc, year: i32, deadline: Option<Date>) -> DossierCounts {
    let mut c = DossierCounts::default();
    for (id, p) in office.proposals.iter().filter(|(_, p)| p.year == year) {
        match dossier_status(office, id, p) {
            DossierStatus::Decided => continue,
            DossierStatus::Preparing => c.preparing += 1,
            DossierStatus::Sent => c.sent += 1,
            DossierStatus::Returned => c.returned += 1,
        }
        if let Some(sent) = first_sent(p) {
            if deadline.is_some_and(|d| sent > d) {
                c.sent_late += 1;
            }
            if !missing_parts(p).is_empty() {
                c.sent_incomplete += 1;
            }
        }
    }
    c
}

/// How long commendations took.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimingStats {
    /// Decisions of the year.
    pub decisions: u32,
    /// Of them, those with both dates in order (counted below).
    pub timed: u32,
    pub average_days: Option<f64>,
    pub max_days: Option<i64>,
    /// Proposals of the year no decision grants yet (chờ quyết định).
    pub pending_proposals: u32,
    /// Their dossiers, by where they stand.
    #[serde(default)]
    pub dossiers: DossierCounts,
}

fn date(d: Option<&DateText>) -> Option<Date> {
    d.and_then(DateText::date)
}

/// The office's decisions of `year`, by decision date, then number.
pub fn decisions(office: &OfficeDoc, code: &str, name: &str, year: i32) -> Vec<CommendationRow> {
    let mut rows: Vec<CommendationRow> = office
        .decisions
        .iter()
        .filter_map(|(id, d)| {
            let decided = date(d.date.as_ref());
            let proposals: Vec<_> = office.proposals_of(d).collect();
            let years: Vec<i32> = proposals
                .iter()
                .map(|(_, p)| p.year)
                .filter(|y| *y != 0)
                .collect();
            let in_year = if years.is_empty() {
                decided.is_some_and(|d| d.year() == year)
            } else {
                years.contains(&year)
            };
            if !in_year {
                return None;
            }
            let refs: Vec<ProposalRef> = proposals
                .iter()
                .map(|(pid, p)| ProposalRef {
                    proposal_id: pid.to_string(),
                    number: p.number.clone(),
                    date: date(p.date.as_ref()),
                    subject: p
                        .person_id
                        .as_ref()
                        .and_then(|id| office.staff.get(id))
                        .map_or_else(|| p.subject_name.clone(), |s| s.full_name.clone()),
                    title: p.title,
                    award: p.award.clone(),
                    sent_date: first_sent(p),
                })
                .collect();
            let proposal_date = refs.iter().filter_map(|r| r.date).min();
            let dossier_date = refs.iter().filter_map(|r| r.sent_date).min();
            Some(CommendationRow {
                office_code: code.to_string(),
                office_name: name.to_string(),
                decision_id: id.clone(),
                decision_number: d.number.clone(),
                decision_date: decided,
                signer: d.signer.clone(),
                days: dossier_date
                    .or(proposal_date)
                    .zip(decided)
                    .map(|(p, d)| days_between(p, d)),
                proposal_date,
                dossier_date,
                proposals: refs,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.decision_date, &a.decision_number, &a.decision_id).cmp(&(
            b.decision_date,
            &b.decision_number,
            &b.decision_id,
        ))
    });
    rows
}

/// Proposals of `year` that no decision grants.
pub fn pending(office: &OfficeDoc, year: i32) -> u32 {
    let granted: std::collections::BTreeSet<&str> = office
        .decisions
        .values()
        .flat_map(|d| d.proposal_ids.iter().map(String::as_str))
        .collect();
    office
        .proposals
        .iter()
        .filter(|(id, p)| p.year == year && !granted.contains(id.as_str()))
        .count() as u32
}

/// Average and maximum days over `rows` (negative days left out).
pub fn timing(
    rows: &[CommendationRow],
    pending_proposals: u32,
    dossiers: DossierCounts,
) -> TimingStats {
    let days: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.days)
        .filter(|d| *d >= 0)
        .collect();
    TimingStats {
        decisions: rows.len() as u32,
        timed: days.len() as u32,
        average_days: (!days.is_empty()).then(|| {
            super::scores::round_points(days.iter().sum::<i64>() as f64 / days.len() as f64)
        }),
        max_days: days.iter().copied().max(),
        pending_proposals,
        dossiers,
    }
}
