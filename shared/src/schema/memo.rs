//! Validation that reads only what changed: the relay validates the state
//! every incoming change makes, and reading a whole office document into
//! typed values is most of that cost. An [`OfficeMemo`] keeps the last
//! reading (and the cluster document's, which supplies the scoring table);
//! the next validation reads again only the records the new changes
//! touched ([`Touched`]), then runs the same checks as
//! [`validate_office`](super::validate_office) on the typed document: those
//! of the parts of the checks that read a root field the changes touched,
//! keeping what the others found (all of them when the cluster's scoring
//! table changed).
//!
//! The result is the same as a full validation (a property test checks it
//! on thousands of random edits, `tests::incremental`); only its cost
//! differs.

use std::sync::Arc;

use automerge::{Automerge, ChangeHash, ReadDoc};

use super::cluster_doc::ClusterDoc;
use super::load::{Loaded, load_cluster, load_office, reload_office};
use super::office_doc::OfficeDoc;
use super::touched::Touched;
use super::validate;
use crate::core::Violation;

/// What the last validation of one office document read (see the module
/// docs). Cheap to keep: the typed document and the cluster's, shared.
#[derive(Clone, Debug)]
pub struct OfficeMemo {
    heads: Vec<ChangeHash>,
    loaded: Loaded<OfficeDoc>,
    cluster: Option<(Vec<ChangeHash>, Arc<ClusterDoc>)>,
    /// What each part of the checks found in that state.
    parts: validate::OfficeParts,
}

impl OfficeMemo {
    /// The heads of the state this memo read.
    pub fn heads(&self) -> &[ChangeHash] {
        &self.heads
    }
}

/// [`validate_office`](super::validate_office), reading only what changed
/// since `memo` when `memo` is an earlier state of `doc`; returns the
/// violations and the memo of `doc` for the next time.
pub fn validate_office_since(
    doc: &Automerge,
    code: &str,
    cluster: Option<&Automerge>,
    memo: Option<OfficeMemo>,
) -> (Vec<Violation>, OfficeMemo) {
    let heads = doc.get_heads();
    // What the parts of the checks found before, and what changed since.
    let (loaded, known, since) = match memo {
        Some(m) if m.heads == heads => (m.loaded, m.cluster, Some((m.parts, Touched::default()))),
        Some(m) if has_changes(doc, &m.heads) => {
            let touched = Touched::since(doc, &m.heads);
            let loaded = reload_office(doc, m.loaded, &touched);
            (loaded, m.cluster, Some((m.parts, touched)))
        }
        Some(m) => (load_office(doc), m.cluster, None),
        None => (load_office(doc), None, None),
    };
    let cluster = cluster.map(|c| {
        let heads = c.get_heads();
        match known.as_ref() {
            Some((h, table)) if *h == heads => (heads, table.clone()),
            _ => (heads, Arc::new(load_cluster(c).doc)),
        }
    });
    // Every part may read the cluster's table: a new one checks them all.
    let same_table = match (&known, &cluster) {
        (None, None) => true,
        (Some((before, _)), Some((now, _))) => before == now,
        _ => false,
    };
    let (violations, parts) = validate::office_loaded_since(
        doc,
        code,
        &loaded,
        cluster.as_ref().map(|(_, t)| &**t),
        since.filter(|_| same_table),
    );
    let memo = OfficeMemo {
        heads,
        loaded,
        cluster,
        parts,
    };
    (violations, memo)
}

/// Whether `doc` holds (has applied) every change of `heads`.
fn has_changes(doc: &Automerge, heads: &[ChangeHash]) -> bool {
    if doc.get_missing_deps(&[]).is_empty() {
        // Nothing waits in the document: the hashes it lacks are exactly
        // those missing (a lookup each; `get_change_by_hash` rebuilds the
        // change).
        doc.get_missing_deps(heads).is_empty()
    } else {
        // A head may be among the waiting changes, not applied.
        heads.iter().all(|h| doc.get_change_by_hash(h).is_some())
    }
}
