//! The summary computed in the browser from the local replicas (tính tổng
//! hợp trên máy): the same [`shared::summary`] computation the relay runs
//! for `GET /api/cluster/summary`, over the same documents in the same
//! (directory) order, so a synced device and the relay agree exactly.
//!
//! Reading an automerge document into typed values (hydration) costs about
//! fifty times the summary itself (see BENCHMARKS.md), so the typed
//! documents are kept per document and read again only when that
//! document's heads changed: a keystroke in one office re-reads one
//! document, then the summary (milliseconds) is recomputed.

use std::cell::RefCell;
use std::collections::BTreeMap;

use automerge::{Automerge, ChangeHash};
use shared::domain::rules::RuleCatalog;
use shared::protocol::DocumentId;
use shared::schema::{ClusterDoc, load_cluster};
use shared::summary::{ClusterSummary, LoadedOffice, OfficeInput, cluster_summary};

use crate::sync::Driver;

/// Typed documents, each with the heads it was read at.
#[derive(Default)]
struct Cache {
    cluster: Option<(DocumentId, Vec<ChangeHash>, ClusterDoc)>,
    offices: BTreeMap<DocumentId, (Vec<ChangeHash>, LoadedOffice)>,
    catalog: Option<RuleCatalog>,
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
}

/// Milliseconds since the page started (sub-millisecond resolution).
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// Why there is no summary yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotReady {
    /// The cluster document is not on this device yet (first sync).
    NoClusterDocument,
}

/// A computed summary and what it cost. Two are equal when their
/// summaries are (the timings do not count), so an unchanged summary does
/// not redraw the page.
#[derive(Clone, Debug)]
pub struct Computed {
    pub summary: ClusterSummary,
    /// Offices of the directory without a document yet (left out).
    pub missing: Vec<String>,
    /// Offices whose document is not read yet from this device's storage
    /// (left out until read: after a reload they arrive one by one).
    pub loading: Vec<String>,
    /// Documents read again (hydrated) for this computation.
    pub hydrated: usize,
    /// Time spent reading documents, then computing, in milliseconds.
    pub hydrate_ms: f64,
    pub summary_ms: f64,
}

impl PartialEq for Computed {
    fn eq(&self, other: &Computed) -> bool {
        self.summary == other.summary
            && self.missing == other.missing
            && self.loading == other.loading
    }
}

fn same_heads(doc: &Automerge, heads: &[ChangeHash]) -> bool {
    doc.get_heads() == heads
}

/// The summary of `year` (default: the cluster's year) over this device's
/// replicas, reading again only the documents that changed.
pub fn compute(driver: &Driver, year: Option<i32>) -> Result<Computed, NotReady> {
    let directory = driver.session().directory;
    let cluster_id = directory.cluster_doc().ok_or(NotReady::NoClusterDocument)?;
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let t0 = now_ms();
        let mut hydrated = 0;
        // The cluster document.
        let fresh = cache
            .cluster
            .as_ref()
            .filter(|(id, _, _)| *id == cluster_id)
            .and_then(|(_, heads, _)| driver.with_doc(&cluster_id, |d| same_heads(d, heads)))
            .unwrap_or(false);
        if !fresh {
            let read = driver.with_doc(&cluster_id, |d| (d.get_heads(), load_cluster(d).doc));
            let Some((heads, doc)) = read else {
                return Err(NotReady::NoClusterDocument);
            };
            cache.cluster = Some((cluster_id, heads, doc));
            hydrated += 1;
        }
        // The office documents, in directory order.
        let mut order = Vec::new();
        let mut missing = Vec::new();
        let mut loading = Vec::new();
        // Former offices too: the summary keeps the offices of the year.
        for entry in directory.offices_with_former() {
            let Some(id) = directory.office_doc(&entry.code) else {
                missing.push(entry.code.clone());
                continue;
            };
            let cached = cache.offices.get(&id).and_then(|(heads, o)| {
                (o.code == entry.code)
                    .then(|| driver.with_doc(&id, |d| same_heads(d, heads)))
                    .flatten()
            });
            match cached {
                Some(true) => order.push(id),
                Some(false) | None => {
                    let read = driver
                        .with_doc(&id, |d| (d.get_heads(), LoadedOffice::load(&entry.code, d)));
                    match read {
                        Some(value) => {
                            cache.offices.insert(id, value);
                            hydrated += 1;
                            order.push(id);
                        }
                        // Not read yet: after a reload the documents are
                        // read from storage one by one.
                        None => loading.push(entry.name.clone()),
                    }
                }
            }
        }
        let t1 = now_ms();
        let cache = &mut *cache;
        let catalog = cache.catalog.get_or_insert_with(RuleCatalog::defaults);
        let offices: Vec<OfficeInput<'_>> = order
            .iter()
            .filter_map(|id| cache.offices.get(id).map(|(_, o)| o.input()))
            .collect();
        let (_, _, cluster) = cache.cluster.as_ref().expect("read above");
        let summary = cluster_summary(cluster, &offices, catalog, year.unwrap_or(cluster.year));
        let t2 = now_ms();
        Ok(Computed {
            summary,
            missing,
            loading,
            hydrated,
            hydrate_ms: t1 - t0,
            summary_ms: t2 - t1,
        })
    })
}

/// Forget every typed document (the next [`compute`] reads them all
/// again): for measuring a cold computation.
pub fn clear_cache() {
    CACHE.with(|c| *c.borrow_mut() = Cache::default());
}
