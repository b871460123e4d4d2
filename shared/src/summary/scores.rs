//! Scores (chấm điểm) and the vote for the leading office (bỏ phiếu đơn vị
//! dẫn đầu cụm).
//!
//! For every criterion of the cluster's scoring table: the office's own
//! score (tự chấm) and the average of the scores the OTHER offices gave it
//! at the year-end review (chấm chéo, each office's `peerReviews`; a review
//! of itself is ignored). The peer total is the sum of those averages; the
//! rank orders offices by peer total, ties sharing a rank (1, 2, 2, 4).
//! Offices nobody reviewed yet have no rank. Averages and totals are
//! rounded to hundredths ([`round_points`]). Scores belong to a year and a
//! review round ([`ReviewPeriod`]: the mid-year review, the year-end
//! review), read with [`crate::schema::OfficeDoc::review`]; the vote is
//! cast at the year end. The scoring table is the cluster's current one.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::OfficeInput;
use crate::schema::{ClusterDoc, ReviewPeriod, ReviewRound};

/// A criterion of the scoring table, as shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CriterionInfo {
    pub id: String,
    /// The section's title, e.g. "I. Công tác tham mưu".
    pub section: String,
    pub title: String,
    pub max_points: f64,
}

/// One criterion's scores for one office.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CriterionScores {
    pub criterion_id: String,
    /// The office's self-score (điểm tự chấm), if entered.
    pub self_score: Option<f64>,
    /// The average of the other offices' scores (điểm chấm chéo bình quân).
    pub peer_average: Option<f64>,
    /// How many other offices scored it.
    pub peer_count: u32,
}

/// An office's scores.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfficeScores {
    /// In the scoring table's order.
    pub criteria: Vec<CriterionScores>,
    /// Sum of the self-scores.
    pub self_total: f64,
    /// Sum of the peer averages; `None` until another office scored it.
    pub peer_total: Option<f64>,
    /// Codes of the offices that scored it, in directory order.
    pub reviewers: Vec<String>,
    /// Rank by peer total (hạng), ties sharing a rank.
    pub rank: Option<u32>,
    /// Rank by self total, for before the review.
    pub self_rank: Option<u32>,
}

/// Votes for one office.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoteTally {
    pub office_code: String,
    pub office_name: String,
    pub votes: u32,
}

/// The vote for the leading office of the cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoteSummary {
    /// Offices that may vote (those summarised).
    pub voters: u32,
    /// Ballots cast (offices with a vote).
    pub ballots_cast: u32,
    /// Every summarised office, then any other office voted for; most
    /// votes first, then in directory order.
    pub tallies: Vec<VoteTally>,
    /// The office(s) with the most votes (several on a tie; none without votes).
    pub leading: Vec<String>,
}

/// The scoring table in display order.
pub fn criteria(cluster: &ClusterDoc) -> Vec<CriterionInfo> {
    cluster
        .criteria_in_order()
        .into_iter()
        .map(|(id, c)| CriterionInfo {
            id: id.to_string(),
            section: cluster
                .sections
                .get(&c.section)
                .map_or_else(|| c.section.clone(), |s| s.title.clone()),
            title: c.title.clone(),
            max_points: c.max_points,
        })
        .collect()
}

/// Scores of every office, with ranks, and the ranking order.
pub struct Scoring {
    pub offices: Vec<OfficeScores>,
    pub ranking: Vec<String>,
}

fn office_scores(
    cluster: &ClusterDoc,
    offices: &[OfficeInput<'_>],
    rounds: &[ReviewRound],
    me: usize,
) -> OfficeScores {
    let code = offices[me].code;
    let own = &rounds[me];
    let reviews: Vec<(&str, &crate::schema::PeerReview)> = offices
        .iter()
        .zip(rounds)
        .filter(|(o, _)| o.code != code)
        .filter_map(|(o, r)| r.peer_reviews.get(code).map(|r| (o.code, r)))
        .collect();
    let mut reviewers = Vec::new();
    let mut rows = Vec::new();
    let (mut self_total, mut peer_total, mut any_peer) = (0.0, 0.0, false);
    for (id, _) in cluster.criteria_in_order() {
        let self_score = own.self_scores.get(id).map(|s| s.points);
        let given: Vec<(&str, f64)> = reviews
            .iter()
            .filter_map(|(by, r)| r.scores.get(id).map(|s| (*by, s.points)))
            .collect();
        for (by, _) in &given {
            if !reviewers.contains(by) {
                reviewers.push(*by);
            }
        }
        let peer_average = (!given.is_empty())
            .then(|| round_points(given.iter().map(|(_, p)| p).sum::<f64>() / given.len() as f64));
        self_total += self_score.unwrap_or(0.0);
        if let Some(a) = peer_average {
            peer_total += a;
            any_peer = true;
        }
        rows.push(CriterionScores {
            criterion_id: id.to_string(),
            self_score,
            peer_average,
            peer_count: given.len() as u32,
        });
    }
    let reviewers = offices
        .iter()
        .filter(|o| reviewers.contains(&o.code))
        .map(|o| o.code.to_string())
        .collect();
    OfficeScores {
        criteria: rows,
        self_total: round_points(self_total),
        peer_total: any_peer.then_some(round_points(peer_total)),
        reviewers,
        rank: None,
        self_rank: None,
    }
}

/// Points rounded to hundredths (làm tròn đến hai chữ số thập phân), so
/// that sums carry no float noise (79.50000000000001) and every value
/// survives a JSON round trip exactly: the app and the relay agree.
pub fn round_points(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Higher first; equal values compare equal.
fn desc(a: f64, b: f64) -> Ordering {
    b.partial_cmp(&a).unwrap_or(Ordering::Equal)
}

/// Competition ranks (1, 2, 2, 4) of the offices that have a value.
fn ranks(values: &[Option<f64>]) -> Vec<Option<u32>> {
    values
        .iter()
        .map(|v| v.map(|v| 1 + values.iter().flatten().filter(|o| **o > v).count() as u32))
        .collect()
}

/// Every office's round of `year` and `period`, in the order of `offices`.
pub fn rounds(
    cluster: &ClusterDoc,
    offices: &[OfficeInput<'_>],
    year: i32,
    period: ReviewPeriod,
) -> Vec<ReviewRound> {
    offices
        .iter()
        .map(|o| o.doc.review(year, period, cluster.year))
        .collect()
}

/// Scores for every office in the rounds of one year and period
/// ([`rounds`]).
pub fn score_offices(
    cluster: &ClusterDoc,
    offices: &[OfficeInput<'_>],
    rounds: &[ReviewRound],
) -> Scoring {
    let mut scores: Vec<OfficeScores> = (0..offices.len())
        .map(|i| office_scores(cluster, offices, rounds, i))
        .collect();
    let peer: Vec<Option<f64>> = scores.iter().map(|s| s.peer_total).collect();
    let own: Vec<Option<f64>> = scores.iter().map(|s| Some(s.self_total)).collect();
    for ((s, rank), self_rank) in scores.iter_mut().zip(ranks(&peer)).zip(ranks(&own)) {
        s.rank = rank;
        s.self_rank = self_rank;
    }
    let mut order: Vec<usize> = (0..offices.len()).collect();
    order.sort_by(|&a, &b| {
        let (sa, sb) = (&scores[a], &scores[b]);
        match (sa.peer_total, sb.peer_total) {
            (Some(x), Some(y)) => desc(x, y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
        .then_with(|| desc(sa.self_total, sb.self_total))
        .then(a.cmp(&b))
    });
    Scoring {
        ranking: order.iter().map(|&i| offices[i].code.to_string()).collect(),
        offices: scores,
    }
}

/// The vote for the leading office, from the year-end rounds of `year`.
pub fn vote(
    cluster: &ClusterDoc,
    offices: &[OfficeInput<'_>],
    year_end: &[ReviewRound],
    names: &[String],
    year: i32,
) -> VoteSummary {
    let mut tallies: Vec<VoteTally> = offices
        .iter()
        .zip(names)
        .map(|(o, name)| VoteTally {
            office_code: o.code.to_string(),
            office_name: name.clone(),
            votes: 0,
        })
        .collect();
    let mut cast = 0;
    {
        for vote in year_end.iter().filter_map(|r| r.leading_vote.as_deref()) {
            cast += 1;
            match tallies.iter_mut().find(|t| t.office_code == vote) {
                Some(t) => t.votes += 1,
                None => tallies.push(VoteTally {
                    office_code: vote.to_string(),
                    office_name: super::office_name(cluster, vote, None, year),
                    votes: 1,
                }),
            }
        }
    }
    tallies.sort_by_key(|t| std::cmp::Reverse(t.votes)); // stable: directory order on ties
    let top = tallies.first().map_or(0, |t| t.votes);
    let leading = tallies
        .iter()
        .filter(|t| top > 0 && t.votes == top)
        .map(|t| t.office_code.clone())
        .collect();
    VoteSummary {
        voters: offices.len() as u32,
        ballots_cast: cast,
        tallies,
        leading,
    }
}
