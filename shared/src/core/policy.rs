//! Who may read or write which document, and what a valid document is.
//!
//! The core asks a [`Policy`] on every document message and every change. The
//! relay plugs in the cluster policy (per-office rights + schema validation);
//! a client trusts its relay for incoming changes but runs the same validation
//! on its own edits before committing them, so a legitimate user never meets a
//! rejection.

use automerge::{Automerge, ReadDoc};

use crate::protocol::DocumentId;
use crate::schema::ViolationCode;

/// What a peer may do with a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// Not visible at all (outside the peer's cluster).
    None,
    /// May sync the document but not change it.
    Read,
    /// May change it.
    Write,
}

/// Who is on the other end of a connection, as established by the transport.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeerAuth {
    /// The other end is our relay (client side): trusted.
    Relay,
    /// A signed-in device of one office (relay side).
    Device(DeviceAuth),
}

/// A device authenticated by its token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceAuth {
    /// Office code, e.g. `LSN` for Lạng Sơn.
    pub office: String,
    /// Device name given when the token was issued.
    pub device: String,
}

/// One way a document breaks the schema or a rule.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Violation {
    /// Where in the document, e.g. `selfScores/C1`.
    pub path: String,
    /// Stable code, e.g. [`ViolationCode::ScoreAboveMaximum`]
    /// (`score-above-maximum` on the wire).
    pub code: ViolationCode,
    pub message_en: String,
    pub message_vi: String,
}

impl Violation {
    fn same_problem(&self, other: &Violation) -> bool {
        self.path == other.path && self.code == other.code
    }
}

/// The violations in `after` that were not already in `before`.
/// A change is refused only for problems it introduces, so a document that
/// became invalid through a rule change elsewhere can still be edited.
pub fn new_violations(before: &[Violation], after: Vec<Violation>) -> Vec<Violation> {
    after
        .into_iter()
        .filter(|a| !before.iter().any(|b| b.same_problem(a)))
        .collect()
}

/// Why a change or request was refused. Sent to the client, shown to the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub code: RejectCode,
    pub message_en: String,
    pub message_vi: String,
}

/// Stable reasons for a refusal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RejectCode {
    /// The device's office may read but not write this document.
    NotWritable,
    /// The document is not part of the device's cluster.
    NotInCluster,
    /// The change breaks the document schema or a rule.
    SchemaViolation,
    /// A change, or the document it would make, is larger than allowed.
    TooLarge,
}

impl RejectCode {
    pub fn as_str(self) -> &'static str {
        match self {
            RejectCode::NotWritable => "not-writable",
            RejectCode::NotInCluster => "not-in-cluster",
            RejectCode::SchemaViolation => "schema-violation",
            RejectCode::TooLarge => "too-large",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "not-writable" => Some(RejectCode::NotWritable),
            "not-in-cluster" => Some(RejectCode::NotInCluster),
            "schema-violation" => Some(RejectCode::SchemaViolation),
            "too-large" => Some(RejectCode::TooLarge),
            _ => None,
        }
    }
}

impl Rejection {
    /// A refusal listing the violations a change introduced.
    pub fn from_violations(violations: &[Violation]) -> Self {
        let en: Vec<&str> = violations.iter().map(|v| v.message_en.as_str()).collect();
        let vi: Vec<&str> = violations.iter().map(|v| v.message_vi.as_str()).collect();
        Rejection {
            code: RejectCode::SchemaViolation,
            message_en: format!("Change refused: {}", en.join("; ")),
            message_vi: format!("Thay đổi bị từ chối: {}", vi.join("; ")),
        }
    }
}

/// Read access to the documents the core has loaded (for cross-document checks,
/// e.g. a score against the cluster's scoring table).
pub trait DocLookup {
    fn doc(&self, id: &DocumentId) -> Option<&Automerge>;
}

/// What a policy keeps between validations of one document (see
/// [`Policy::violations_since`]); the core stores it beside the document.
pub type Memo = Box<dyn std::any::Any + Send + Sync>;

/// Rights and validation, plugged into the core.
pub trait Policy {
    /// What `peer` may do with `doc`.
    fn access(&self, peer: &PeerAuth, doc: &DocumentId, docs: &dyn DocLookup) -> Access;

    /// Every violation in `doc` (the core compares before and after a change).
    fn violations<R: ReadDoc>(
        &self,
        doc_id: &DocumentId,
        doc: &R,
        docs: &dyn DocLookup,
    ) -> Vec<Violation>;

    /// [`Policy::violations`] of `doc`, given the memo the previous call
    /// returned for an earlier state of the same document (or `None`; it is
    /// given, not lent, so the policy can update it in place); returns
    /// the memo of `doc`. A policy that keeps what it read (e.g. the document
    /// read into typed values) validates only what changed; the result must
    /// equal [`Policy::violations`]. The default keeps nothing.
    fn violations_since(
        &self,
        doc_id: &DocumentId,
        doc: &Automerge,
        memo: Option<Memo>,
        docs: &dyn DocLookup,
    ) -> (Vec<Violation>, Option<Memo>) {
        drop(memo);
        (self.violations(doc_id, doc, docs), None)
    }

    /// Whether a violation comes from a rule that reads another document
    /// (a score checked against the cluster's scoring table). Such a
    /// violation may vanish when that document's newer changes arrive, so
    /// the gate holds the change a while before refusing it.
    fn reads_other_docs(&self, _violation: &Violation) -> bool {
        false
    }

    /// Documents this policy needs loaded at all times (e.g. the cluster document).
    fn pinned(&self) -> Vec<DocumentId> {
        Vec::new()
    }

    /// A name a person recognises for a document, for refusal messages.
    fn describe(&self, doc: &DocumentId) -> String {
        doc.to_string()
    }
}

/// Allows everything: for tests and tools that sync without rules.
#[derive(Clone, Copy, Debug, Default)]
pub struct TrustAll;

impl Policy for TrustAll {
    fn access(&self, _: &PeerAuth, _: &DocumentId, _: &dyn DocLookup) -> Access {
        Access::Write
    }

    fn violations<R: ReadDoc>(&self, _: &DocumentId, _: &R, _: &dyn DocLookup) -> Vec<Violation> {
        Vec::new()
    }
}
