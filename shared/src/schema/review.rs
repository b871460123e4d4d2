//! Review rounds (kỳ đánh giá): the mid-year review (sơ kết 6 tháng) and
//! the year-end review (tổng kết năm) of every year, each with the office's
//! self-scores, the scores it gives the other offices, its own findings
//! (ưu điểm, hạn chế) and, at the year end only, its vote for the leading
//! office. Rounds are kept in [`super::OfficeDoc::reviews`] under
//! [`review_key`], so next year's review never overwrites this year's.
//!
//! Documents written before rounds existed keep the self-scores, peer
//! reviews and vote at the top of the document. Those are read as the
//! year-end round of [`super::OfficeDoc::legacy_review_year`] (pinned the
//! first time this app writes a round; until then the cluster's year, as
//! the older apps meant it). A round's own entries take precedence over
//! the older ones, criterion by criterion and office by office, so an edit
//! an older app makes at the top of the document is still shown where the
//! newer app has not written that criterion.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{ROOT, ReadDoc};
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use super::office_doc::{OfficeDoc, PeerReview, SelfScore};
use super::read;

/// The two review periods of a year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ReviewPeriod {
    /// Sơ kết 6 tháng đầu năm.
    MidYear,
    /// Tổng kết năm: the peer scores, the ranking and the vote for the
    /// leading office.
    YearEnd,
}

impl ReviewPeriod {
    /// Both periods, in the order of the year.
    pub const ALL: [ReviewPeriod; 2] = [ReviewPeriod::MidYear, ReviewPeriod::YearEnd];

    /// The code used in keys (`midYear`, `yearEnd`).
    pub fn code(self) -> &'static str {
        match self {
            ReviewPeriod::MidYear => "midYear",
            ReviewPeriod::YearEnd => "yearEnd",
        }
    }

    /// The period with this code.
    pub fn from_code(code: &str) -> Option<ReviewPeriod> {
        ReviewPeriod::ALL.into_iter().find(|p| p.code() == code)
    }

    /// Its Vietnamese name, e.g. "Sơ kết 6 tháng đầu năm".
    pub fn name_vi(self) -> &'static str {
        match self {
            ReviewPeriod::MidYear => "Sơ kết 6 tháng đầu năm",
            ReviewPeriod::YearEnd => "Tổng kết năm",
        }
    }

    /// Its English name.
    pub fn name_en(self) -> &'static str {
        match self {
            ReviewPeriod::MidYear => "Mid-year review",
            ReviewPeriod::YearEnd => "Year-end review",
        }
    }
}

/// The key of a round in [`OfficeDoc::reviews`]: `"2026-midYear"`.
pub fn review_key(year: i32, period: ReviewPeriod) -> String {
    format!("{year}-{}", period.code())
}

/// The year and period of a [`review_key`]; `None` for anything else.
pub fn parse_review_key(key: &str) -> Option<(i32, ReviewPeriod)> {
    let (year, period) = key.split_once('-')?;
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((year.parse().ok()?, ReviewPeriod::from_code(period)?))
}

/// One office's part of one review round.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewRound {
    /// Self-scores (tự chấm điểm), keyed by criterion id.
    #[autosurgeon(rename = "selfScores", missing = "Default::default")]
    pub self_scores: BTreeMap<String, SelfScore>,
    /// Scores given to the other offices (chấm chéo), keyed by office code.
    #[autosurgeon(rename = "peerReviews", missing = "Default::default")]
    pub peer_reviews: BTreeMap<String, PeerReview>,
    /// The vote for the leading office (suy tôn đơn vị dẫn đầu); year end only.
    #[autosurgeon(rename = "leadingVote", missing = "Default::default")]
    pub leading_vote: Option<String>,
    /// Results and strengths of the period (kết quả, ưu điểm).
    #[autosurgeon(missing = "Default::default")]
    pub strengths: String,
    /// Shortcomings and their causes (hạn chế, nguyên nhân).
    #[autosurgeon(missing = "Default::default")]
    pub shortcomings: String,
}

impl ReviewRound {
    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.self_scores.is_empty()
            && self.peer_reviews.is_empty()
            && self.leading_vote.is_none()
            && self.strengths.trim().is_empty()
            && self.shortcomings.trim().is_empty()
    }
}

impl OfficeDoc {
    /// The year the top-level (older) self-scores, peer reviews and vote
    /// belong to: the pinned year, else the cluster's year.
    pub fn legacy_year(&self, cluster_year: i32) -> i32 {
        self.legacy_review_year
            .map_or(cluster_year, |y| i32::try_from(y).unwrap_or(cluster_year))
    }

    /// Whether the document has top-level scores or a vote.
    pub fn has_legacy_review(&self) -> bool {
        !self.self_scores.is_empty() || !self.peer_reviews.is_empty() || self.leading_vote.is_some()
    }

    /// The office's round of `year` and `period` as it reads: the round's
    /// own entries over the older top-level ones (see the module
    /// documentation). `cluster_year` is the cluster document's year.
    pub fn review(&self, year: i32, period: ReviewPeriod, cluster_year: i32) -> ReviewRound {
        let own = self.reviews.get(&review_key(year, period));
        if period != ReviewPeriod::YearEnd || year != self.legacy_year(cluster_year) {
            return own.cloned().unwrap_or_default();
        }
        let mut round = ReviewRound {
            self_scores: self.self_scores.clone(),
            peer_reviews: self.peer_reviews.clone(),
            leading_vote: self.leading_vote.clone(),
            ..ReviewRound::default()
        };
        if let Some(own) = own {
            round.self_scores.extend(own.self_scores.clone());
            for (office, review) in &own.peer_reviews {
                let merged = round.peer_reviews.entry(office.clone()).or_default();
                merged.scores.extend(review.scores.clone());
                if !review.comment.is_empty() {
                    merged.comment = review.comment.clone();
                }
            }
            if own.leading_vote.is_some() {
                round.leading_vote = own.leading_vote.clone();
            }
            round.strengths = own.strengths.clone();
            round.shortcomings = own.shortcomings.clone();
        }
        round
    }
}

/// Pins the top-level self-scores, peer reviews and vote of an office
/// document to `cluster_year` (`legacyReviewYear`), once: when the document
/// has some and no year pinned yet. The app does it when it opens a
/// document it may write and before it writes a round, so that when the
/// cluster moves on to the next year the older scores stay in theirs.
/// Returns whether it wrote.
pub fn pin_legacy_year<D: Transactable + ReadDoc>(
    tx: &mut D,
    cluster_year: i32,
) -> Result<bool, automerge::AutomergeError> {
    if !needs_pin(tx) {
        return Ok(false);
    }
    tx.put(ROOT, "legacyReviewYear", i64::from(cluster_year))?;
    Ok(true)
}

/// Whether [`pin_legacy_year`] would write: top-level scores or a vote and
/// no year pinned yet (a few reads, no loading of the document).
pub fn needs_pin<R: ReadDoc>(doc: &R) -> bool {
    if read::present(doc, &ROOT, "legacyReviewYear") {
        return false;
    }
    let non_empty =
        |key: &str| read::map(doc, &ROOT, key).is_some_and(|m| !read::keys(doc, &m).is_empty());
    non_empty("selfScores")
        || non_empty("peerReviews")
        || read::text(doc, &ROOT, "leadingVote").is_some()
}
