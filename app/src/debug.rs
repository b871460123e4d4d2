//! Hooks callable from the developer console (exports of the app's JS
//! module), in two groups:
//!
//! - **Support diagnostics**, in every build, read-only: `thiduaDebugStatus()`
//!   (sync state, changes not yet on the relay, documents open, the relay
//!   and the local database in use), `thiduaDebugSummary([year])` (the
//!   dashboard's summary as JSON) and `thiduaDebugSummaryTiming(runs)`. They
//!   read what the device already shows its user and change nothing.
//! - **Development hooks**, only with the cargo feature `debug-hooks` (off by
//!   default, so never in the production build that `scripts/build-app.sh`
//!   makes; `THIDUA_APP_FEATURES=debug-hooks scripts/build-app.sh` for
//!   benchmarks): `thiduaDebugForceSet(docUrl, key, value)` writes to any
//!   document around the app's rights and schema checks, and
//!   `thiduaDebugBenchSynthetic(offices, firstYear, runs)` builds synthetic
//!   clusters in the browser. A hook that changes data would let anyone at
//!   the console skip the checks every edit goes through, so it must not ship.

use wasm_bindgen::prelude::*;

use crate::ui::CURRENT;

/// Set a top-level text field of any document, skipping the app's rights and
/// schema checks (the relay still checks). Returns an error text on failure.
/// Feature `debug-hooks` only.
#[cfg(feature = "debug-hooks")]
#[wasm_bindgen(js_name = thiduaDebugForceSet)]
pub fn force_set(doc_url: &str, key: &str, value: &str) -> Result<(), JsValue> {
    use automerge::transaction::Transactable;
    use shared::protocol::DocumentId;

    let doc = DocumentId::parse_any(doc_url).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let driver = CURRENT
        .with(|c| c.borrow().clone())
        .ok_or_else(|| JsValue::from_str("not signed in"))?;
    let (k, v) = (key.to_string(), value.to_string());
    driver
        .force_change(&doc, move |tx| {
            tx.put(automerge::ROOT, k, v)?;
            Ok(())
        })
        .map_err(|e| JsValue::from_str(&e))
}

/// The sync summary as JSON text: state, changes not yet acknowledged,
/// documents loaded, the relay, and the local database in use.
#[wasm_bindgen(js_name = thiduaDebugStatus)]
pub fn status() -> String {
    CURRENT.with(|c| {
        c.borrow()
            .as_ref()
            .map(|d| {
                let v = leptos::prelude::GetUntracked::get_untracked(&d.signals.view);
                let inner = d.inner.borrow();
                serde_json::json!({
                    "state": v.state.code(),
                    "unacknowledged": v.unacknowledged,
                    "loaded": [v.loaded.0, v.loaded.1],
                    "relay": inner.session.relay,
                    "office": inner.session.office,
                    "database": inner.store.db_name(),
                })
                .to_string()
            })
            .unwrap_or_else(|| "null".into())
    })
}

fn driver() -> Result<crate::sync::Driver, JsValue> {
    CURRENT
        .with(|c| c.borrow().clone())
        .ok_or_else(|| JsValue::from_str("not signed in"))
}

/// The cluster summary this device computes from its replicas (the
/// dashboard's numbers), as JSON text: the same shape as the relay's
/// `GET /api/cluster/summary`. `year` defaults to the cluster's year.
#[wasm_bindgen(js_name = thiduaDebugSummary)]
pub fn summary(year: Option<i32>) -> Result<String, JsValue> {
    let computed = crate::ui::dashboard::source::compute(&driver()?, year)
        .map_err(|e| JsValue::from_str(&format!("{e:?}")))?;
    serde_json::to_string(&computed.summary).map_err(|e| JsValue::from_str(&e.to_string()))
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

fn min(xs: &[f64]) -> f64 {
    xs.iter().copied().fold(f64::INFINITY, f64::min)
}

fn stats(xs: Vec<f64>) -> serde_json::Value {
    serde_json::json!({ "median": median(xs.clone()), "min": min(&xs), "runs": xs })
}

/// Times the dashboard's computation on this device's replicas (in ms):
/// `cold` reads every document again (hydration) and computes, as the first
/// opening of the dashboard does; `warm` only computes, as after a change
/// in a document already read (plus re-reading that one document).
#[wasm_bindgen(js_name = thiduaDebugSummaryTiming)]
pub fn summary_timing(runs: u32) -> Result<String, JsValue> {
    use crate::ui::dashboard::source::{clear_cache, compute};
    let d = driver()?;
    let err = |e| JsValue::from_str(&format!("{e:?}"));
    let (mut cold_read, mut cold_total, mut warm) = (Vec::new(), Vec::new(), Vec::new());
    let mut offices = 0;
    for _ in 0..runs.max(1) {
        clear_cache();
        let c = compute(&d, None).map_err(err)?;
        offices = c.summary.offices.len();
        cold_read.push(c.hydrate_ms);
        cold_total.push(c.hydrate_ms + c.summary_ms);
        let w = compute(&d, None).map_err(err)?;
        warm.push(w.hydrate_ms + w.summary_ms);
    }
    Ok(serde_json::json!({
        "offices": offices,
        "coldReadMs": stats(cold_read),
        "coldTotalMs": stats(cold_total),
        "warmMs": stats(warm),
    })
    .to_string())
}

/// Builds a synthetic cluster in the browser with the demo's generator
/// (`shared::demo::year::synthetic`: `offices` offices, years
/// `first_year..=2026`, as automerge documents with dated commits) and
/// times, over `runs` runs (ms): reading every document into typed values
/// and computing the summary (`cold`), and the summary alone (`warm`).
/// Feature `debug-hooks` only.
#[cfg(feature = "debug-hooks")]
#[wasm_bindgen(js_name = thiduaDebugBenchSynthetic)]
pub fn bench_synthetic(offices: u32, first_year: i32, runs: u32) -> String {
    use crate::ui::dashboard::source::now_ms;
    use shared::demo::year::{office_automerge, synthetic};
    use shared::domain::rules::RuleCatalog;
    use shared::schema::{load_cluster, new_cluster_doc};
    use shared::summary::{LoadedOffice, OfficeInput, cluster_summary};

    let t0 = now_ms();
    let (cluster, generated) = synthetic(offices as usize, first_year..=2026);
    let cluster_am = new_cluster_doc(&cluster);
    let docs: Vec<(String, automerge::Automerge)> = generated
        .iter()
        .map(|g| {
            (
                g.spec.code.clone(),
                office_automerge(&g.doc, cluster.year, g.as_of, 0),
            )
        })
        .collect();
    let generate_ms = now_ms() - t0;
    let catalog = RuleCatalog::defaults();
    let (mut read, mut cold, mut warm) = (Vec::new(), Vec::new(), Vec::new());
    let mut summary = None;
    for _ in 0..runs.max(1) {
        let t0 = now_ms();
        let cluster = load_cluster(&cluster_am).doc;
        let loaded: Vec<LoadedOffice> = docs
            .iter()
            .map(|(code, doc)| LoadedOffice::load(code, doc))
            .collect();
        let t1 = now_ms();
        let inputs: Vec<OfficeInput<'_>> = loaded.iter().map(LoadedOffice::input).collect();
        let s = cluster_summary(&cluster, &inputs, &catalog, cluster.year);
        let t2 = now_ms();
        let again = cluster_summary(&cluster, &inputs, &catalog, cluster.year);
        let t3 = now_ms();
        read.push(t1 - t0);
        cold.push(t2 - t0);
        warm.push(t3 - t2);
        summary = Some((s.warnings.len(), again.offices.len()));
    }
    let staff: usize = generated.iter().map(|g| g.doc.staff.len()).sum();
    let records: usize = generated
        .iter()
        .map(|g| g.doc.evaluations.len() + g.doc.proposals.len() + g.doc.decisions.len())
        .sum();
    serde_json::json!({
        "offices": offices,
        "years": [first_year, 2026],
        "staff": staff,
        "records": records,
        "warnings": summary.map(|s| s.0),
        "generateMs": generate_ms,
        "readMs": stats(read),
        "coldTotalMs": stats(cold),
        "warmMs": stats(warm),
    })
    .to_string()
}
