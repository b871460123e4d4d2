//! Inspections the cluster carries out (kiểm tra, khảo sát của Cụm): the
//! plan (which office, when, who), then the team's findings, conclusion,
//! shortcomings and recommendations. They live in the cluster document, so
//! only the leading office's devices write them: the inspected office
//! cannot edit the cluster's conclusions. The inspected office records its
//! follow-up of each item in its own document
//! ([`super::OfficeDoc::inspection_follow_ups`], keyed by
//! [`follow_up_key`]).

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use super::value::{DateText, FollowUpStatus, InspectionItemKind};

/// One inspection of the cluster's plan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterInspection {
    /// The office inspected (a member's code).
    #[autosurgeon(missing = "Default::default")]
    pub office: String,
    /// The planned or held date.
    #[autosurgeon(missing = "Default::default")]
    pub date: Option<DateText>,
    /// The team (đoàn kiểm tra): who, from which offices.
    #[autosurgeon(missing = "Default::default")]
    pub team: String,
    /// Results achieved (kết quả đạt được).
    #[autosurgeon(missing = "Default::default")]
    pub findings: String,
    /// The team's conclusion (kết luận).
    #[autosurgeon(missing = "Default::default")]
    pub conclusion: String,
    /// Shortcomings and recommendations, keyed by id.
    #[autosurgeon(missing = "Default::default")]
    pub items: BTreeMap<String, InspectionItem>,
}

/// A shortcoming (hạn chế) or recommendation (kiến nghị) of an inspection.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InspectionItem {
    pub kind: InspectionItemKind,
    #[autosurgeon(missing = "Default::default")]
    pub text: String,
    /// When it should be done (hạn thực hiện).
    #[autosurgeon(rename = "dueDate", missing = "Default::default")]
    pub due_date: Option<DateText>,
}

/// What the inspected office did about one item (kết quả thực hiện).
#[derive(Clone, Debug, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemFollowUp {
    #[autosurgeon(missing = "Default::default")]
    pub status: FollowUpStatus,
    #[autosurgeon(missing = "Default::default")]
    pub note: String,
    #[autosurgeon(rename = "doneOn", missing = "Default::default")]
    pub done_on: Option<DateText>,
}

/// The key of an item's follow-up in the office document:
/// `"<inspection id>.<item id>"`.
pub fn follow_up_key(inspection: &str, item: &str) -> String {
    format!("{inspection}.{item}")
}
