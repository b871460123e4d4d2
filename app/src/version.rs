//! The build this page runs (phiên bản đang chạy) and the one the server
//! now serves.
//!
//! `scripts/build-app.sh` writes the build version into `index.html` (the
//! `thidua-build` meta) and into `build.json`. A page that stays open across
//! a deploy keeps running its own build; the service worker keeps that
//! build's files until the user reloads (see `app/static/sw.js`). A file of
//! the old build that is gone (no worker, or another tab switched every tab
//! to the new build) is then not a network problem, and the page says so.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The build version of this page (`None` outside a built page, e.g. in
/// the unit tests' page).
pub fn page_version() -> Option<String> {
    let meta = web_sys::window()?
        .document()?
        .query_selector(r#"meta[name="thidua-build"]"#)
        .ok()??;
    let version = meta.get_attribute("content")?;
    // The template's placeholder: not a built page.
    (!version.is_empty() && !version.starts_with("__")).then_some(version)
}

/// Whether the server now serves another build than this page's (it reads
/// `build.json`, past every cache). `false` when that cannot be told:
/// offline, no server, or not a built page.
pub async fn newer_on_server() -> bool {
    let Some(ours) = page_version() else {
        return false;
    };
    match server_version().await {
        Some(theirs) => theirs != ours,
        None => false,
    }
}

async fn server_version() -> Option<String> {
    let window = web_sys::window()?;
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    init.set_cache(web_sys::RequestCache::NoStore);
    // Relative to the page: the app may be served under a path.
    let response = JsFuture::from(window.fetch_with_str_and_init("build.json", &init))
        .await
        .ok()?;
    let response: web_sys::Response = response.dyn_into().ok()?;
    if !response.ok() {
        return None;
    }
    let text = JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()?;
    #[derive(serde::Deserialize)]
    struct Build {
        version: String,
    }
    serde_json::from_str::<Build>(&text).ok().map(|b| b.version)
}

/// Reload into the newest build: through the page's update banner logic
/// (`thiduaReloadToNewVersion` in `index.html`: a waiting service worker
/// takes over first), or a plain reload where there is none.
pub fn reload_to_new_version() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hook = js_sys::Reflect::get(&window, &JsValue::from_str("thiduaReloadToNewVersion"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    match hook {
        Some(f) => {
            let _ = f.call0(&window);
        }
        None => {
            let _ = window.location().reload();
        }
    }
}
