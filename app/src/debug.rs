//! Diagnostics hooks for the browser tests and for support staff, callable
//! from the developer console. They go around the app's own checks on
//! purpose, to show what the relay does with a change the app never sends.

use automerge::transaction::Transactable;
use shared::protocol::DocumentId;
use wasm_bindgen::prelude::*;

use crate::ui::CURRENT;

/// Set a top-level text field of any document, skipping the app's rights and
/// schema checks (the relay still checks). Returns an error text on failure.
#[wasm_bindgen(js_name = thiduaDebugForceSet)]
pub fn force_set(doc_url: &str, key: &str, value: &str) -> Result<(), JsValue> {
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

/// The sync summary as JSON text.
#[wasm_bindgen(js_name = thiduaDebugStatus)]
pub fn status() -> String {
    CURRENT.with(|c| {
        c.borrow()
            .as_ref()
            .map(|d| {
                let v = leptos::prelude::GetUntracked::get_untracked(&d.signals.view);
                serde_json::json!({
                    "state": v.state.code(),
                    "unacknowledged": v.unacknowledged,
                    "loaded": [v.loaded.0, v.loaded.1],
                })
                .to_string()
            })
            .unwrap_or_else(|| "null".into())
    })
}
