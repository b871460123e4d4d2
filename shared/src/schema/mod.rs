//! The document schema (version 2): what a cluster document and an office
//! document hold, the checks the relay (and the app, before committing) runs
//! on them, the migration from version 1, bridges from the documents to the
//! TĐKT rules, and helpers for concurrent values.
//!
//! Each office of the cluster owns one automerge document; the cluster has
//! one cluster document, written by the leading office (Cụm trưởng).
//!
//! - [`cluster_doc`]: [`ClusterDoc`] — members with validity periods and
//!   predecessors, leader/deputy, movements, plans, covenant, scoring
//!   table, deadlines, rule settings.
//! - [`office_doc`]: [`OfficeDoc`] — staff, registrations, covenant
//!   signatures, review rounds ([`review`]: self-scores, peer reviews,
//!   findings and vote per year and period), inspections,
//!   exemplary models, title evaluations, proposals and decisions.
//! - [`value`]: dates as text, tolerant numbers, enumerations as text codes.
//! - [`load`]: lenient, record-by-record reading ([`load_cluster`],
//!   [`load_office`]); damaged records become violations, never panics.
//! - [`limits`]: the longest text per field and the most records per
//!   list, checked while loading (`text-too-long`, `too-many-records`).
//! - [`write`]: writing a whole document or one record ([`write::put_entry`]).
//! - [`validate`]: [`validate_cluster`], [`validate_office`] — every
//!   [`Violation`] with a stable code, a path and bilingual messages.
//! - [`memo`] and [`touched`]: [`validate_office_since`], the same
//!   validation reading again only the records new changes touched (what
//!   the relay runs on every incoming change).
//! - [`codes`]: [`ViolationCode`], the stable codes of violations.
//! - [`migrate`]: version 1 → 2, inside a transaction.
//! - [`bridge`]: an office's data for a year as rule inputs
//!   ([`crate::domain::PersonHistory`], [`crate::domain::CollectiveYear`]).
//! - [`conflict`]: concurrent values of a field, and resolving them.
//! - [`docnum`]: document numbers such as `123/QĐ-UBND`.
//!
//! Checks read the document directly through [`ReadDoc`], so they work on a
//! committed document and on an open transaction alike, and cost time in the
//! size of the current state, not of the history (with a memo: in the size
//! of the change). Unknown keys are kept and
//! ignored, so older apps and tools can add fields without being refused.

pub mod bridge;
pub mod cluster_doc;
pub mod codes;
pub mod conflict;
pub mod docnum;
pub mod dossier;
pub mod inspection;
pub mod limits;
pub mod load;
pub mod memo;
pub mod migrate;
pub mod office_doc;
pub mod read;
pub mod review;
pub mod touched;
pub mod validate;
pub mod value;
pub mod write;

#[cfg(test)]
mod tests;

use automerge::{Automerge, ROOT, ReadDoc};

use crate::cluster::Directory;
use crate::core::Violation;

pub use cluster_doc::{
    ClusterDoc, Covenant, Criterion, Deadline, Member, Movement, Plan, RuleSettings, Section,
};
pub use codes::ViolationCode;
pub use dossier::{
    Dossier, DossierEvent, DossierStatus, dossier_status, first_sent, missing_parts, required_parts,
};
pub use inspection::{ClusterInspection, InspectionItem, ItemFollowUp, follow_up_key};
pub use load::{Loaded, load_cluster, load_office, reload_office};
pub use memo::{OfficeMemo, validate_office_since};
pub use office_doc::{
    CollectiveEvaluation, CovenantSignature, CriterionScore, Decision, DisciplineEntry,
    ExemplaryModel, FollowUp, Inspection, OfficeDoc, PeerReview, Person, Proposal, Registration,
    SelfScore, StageDates, TitleEvaluation, YearTargets, evaluation_key,
};
pub use review::{ReviewPeriod, ReviewRound, parse_review_key, review_key};
pub use touched::Touched;
pub use value::{
    DateText, DossierEventKind, DossierPart, FollowUpStatus, InspectionItemKind, ModelStage,
    MovementKind, StaffKind, TextCode,
};

/// The newest schema version this build understands (and writes).
pub const SCHEMA_VERSION: i64 = 5;

/// The oldest schema version this build still reads and validates.
pub const MIN_SCHEMA_VERSION: i64 = 1;

pub(crate) fn violation(
    path: impl Into<String>,
    code: ViolationCode,
    en: String,
    vi: String,
) -> Violation {
    Violation {
        path: path.into(),
        code,
        message_en: en,
        message_vi: vi,
    }
}

/// The office code of the cluster leader (Cụm trưởng).
pub fn cluster_leader<R: ReadDoc>(doc: &R) -> Option<String> {
    read::text(doc, &ROOT, "leader")
}

/// The maximum points of a criterion in the cluster's scoring table.
pub fn criterion_max<R: ReadDoc>(cluster: &R, criterion: &str) -> Option<f64> {
    let criteria = read::map(cluster, &ROOT, "criteria")?;
    let c = read::map(cluster, &criteria, criterion)?;
    read::number(cluster, &c, "maxPoints")
}

/// Every violation in a cluster document (see [`validate`]).
pub fn validate_cluster<R: ReadDoc>(doc: &R, directory: &Directory) -> Vec<Violation> {
    validate::cluster(doc, directory)
}

/// Every violation in an office document (`code` is the office it belongs
/// to; `cluster` the cluster document, for the scoring table and members).
pub fn validate_office<R: ReadDoc>(
    doc: &R,
    code: &str,
    cluster: Option<&Automerge>,
) -> Vec<Violation> {
    validate::office(doc, code, cluster)
}

/// A criterion of the scoring table (tiêu chí chấm điểm), for seeding.
#[derive(Clone, Debug)]
pub struct CriterionSeed<'a> {
    pub id: &'a str,
    /// Section title, e.g. "I. Công tác tham mưu".
    pub section: &'a str,
    pub title: &'a str,
    pub max_points: i64,
}

/// A new cluster document holding `cluster` (see [`ClusterDoc::new`]).
pub fn new_cluster_doc(cluster: &ClusterDoc) -> Automerge {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    autosurgeon::reconcile(&mut tx, cluster).expect("writing a fresh document cannot fail");
    tx.commit();
    doc
}

/// A new, empty office document of the current version.
pub fn new_office_doc(code: &str, name: &str) -> Automerge {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    autosurgeon::reconcile(&mut tx, OfficeDoc::new(code, name))
        .expect("writing a fresh document cannot fail");
    tx.commit();
    doc
}
