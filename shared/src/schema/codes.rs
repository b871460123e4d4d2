//! The stable codes of [`Violation`](crate::core::Violation)s.
//!
//! A code names one way a document breaks the schema or a rule. Its text
//! ([`ViolationCode::as_str`]) goes over the wire to devices, which match on
//! it (the app's forms, the tests), so a code's text never changes once
//! released; add a new code instead. Two violations with the same path and
//! code are the same problem (see [`crate::core::new_violations`]).

use std::cmp::Ordering;
use std::fmt;

macro_rules! violation_codes {
    ($( $(#[$doc:meta])* $variant:ident => $code:literal, )+) => {
        /// Why a document is not valid, as a stable code (see the module docs).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ViolationCode {
            $( $(#[$doc])* $variant, )+
        }

        impl ViolationCode {
            /// Every code, in the order of this list.
            pub const ALL: &'static [ViolationCode] = &[$(ViolationCode::$variant),+];

            /// The code as sent to devices, e.g. `"score-above-maximum"`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( ViolationCode::$variant => $code, )+
                }
            }

            /// The code with this text; `None` for a code this build does
            /// not know (e.g. one added by a newer relay).
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $( $code => Some(ViolationCode::$variant), )+
                    _ => None,
                }
            }
        }
    };
}

violation_codes! {
    // The document as a whole.
    /// `kind` is not `"cluster"` / `"office"` as expected.
    WrongKind => "wrong-kind",
    /// `schemaVersion` is missing or not one this build reads.
    UnknownSchemaVersion => "unknown-schema-version",
    /// `officeCode` is not the office the document belongs to.
    WrongOffice => "wrong-office",
    /// A record or field has the wrong type and was skipped.
    Unreadable => "unreadable",
    /// A text is longer than its limit ([`super::limits`]).
    TextTooLong => "text-too-long",
    /// A list or map holds more records than the limit ([`super::limits`]).
    TooManyRecords => "too-many-records",
    // Values.
    /// A year outside 1900–2200.
    BadYear => "bad-year",
    /// A date that is not `YYYY-MM-DD`.
    BadDate => "bad-date",
    /// A required date is empty.
    MissingDate => "missing-date",
    /// A period ends before it starts.
    PeriodReversed => "period-reversed",
    /// A required name is empty.
    MissingName => "missing-name",
    // The cluster document.
    /// The leader (Cụm trưởng) is not an office of the cluster.
    UnknownLeader => "unknown-leader",
    /// The deputy (Cụm phó) is not an office of the cluster.
    UnknownDeputy => "unknown-deputy",
    /// The leader is not a member in the cluster's year.
    LeaderNotMember => "leader-not-member",
    /// The deputy is not a member in the cluster's year.
    DeputyNotMember => "deputy-not-member",
    /// The deputy is the leader.
    DeputyIsLeader => "deputy-is-leader",
    /// A member's `code` differs from its key.
    MemberCodeMismatch => "member-code-mismatch",
    /// A member's validity period ends before it starts.
    MemberPeriodReversed => "member-period-reversed",
    /// A member's predecessor is not another member.
    UnknownPredecessor => "unknown-predecessor",
    /// A criterion's maximum is not above zero.
    BadMaximum => "bad-maximum",
    /// A criterion's section does not exist.
    UnknownSection => "unknown-section",
    /// The cap on Chiến sĩ thi đua cơ sở is above 100%.
    BadCapPercent => "bad-cap-percent",
    /// An office's target (chỉ tiêu) is above 100% of its staff.
    BadTargetPercent => "bad-target-percent",
    /// A document number not of the form `123/QĐ-UBND`.
    BadDocumentNumber => "bad-document-number",
    // The office document.
    /// Points below zero (or not a number).
    ScoreNegative => "score-negative",
    /// Points above the criterion's maximum.
    ScoreAboveMaximum => "score-above-maximum",
    /// A score for a criterion not in the scoring table.
    UnknownCriterion => "unknown-criterion",
    /// An office code that is not a member of the cluster.
    UnknownOffice => "unknown-office",
    /// A follow-up of an inspection item the cluster did not record for
    /// this office.
    UnknownInspectionItem => "unknown-inspection-item",
    /// An office's peer review of itself.
    ReviewOfOwnOffice => "review-of-own-office",
    /// A review round keyed other than `<year>-midYear` / `<year>-yearEnd`.
    BadReviewKey => "bad-review-key",
    /// A vote for the leading office in a mid-year round.
    VoteAtMidYear => "vote-at-mid-year",
    /// A person id not on the staff roster.
    UnknownPerson => "unknown-person",
    /// A collective's title for a person, or the reverse.
    TitleSubjectMismatch => "title-subject-mismatch",
    /// More votes in favour than votes cast.
    VotesAboveTotal => "votes-above-total",
    /// Neither a person nor a collective's name.
    MissingSubject => "missing-subject",
    /// An exemplary model's stage dated before an earlier stage.
    StageDatesOutOfOrder => "stage-dates-out-of-order",
    /// A decision grants a proposal that does not exist.
    UnknownProposal => "unknown-proposal",
    /// A decision dated before the proposal it grants.
    DecisionBeforeProposal => "decision-before-proposal",
}

impl fmt::Display for ViolationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Ordered by the code's text, as violations were when codes were text.
impl Ord for ViolationCode {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for ViolationCode {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
