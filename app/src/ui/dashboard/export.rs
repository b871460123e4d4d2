//! Offline downloads of the summary (tải về, không cần mạng): the Excel
//! workbook and one view as CSV, built in the browser by
//! [`shared::export`] — the relay's export code — from the summary computed
//! on this device, and handed to the browser as a file (Blob, object URL,
//! `<a download>`).

use shared::export::View;
use shared::summary::ClusterSummary;
use wasm_bindgen::{JsCast, JsValue};

/// The workbook's MIME type.
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Offers `bytes` as a file named `file_name`.
pub fn download(file_name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let js = |e: JsValue| format!("{e:?}");
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let parts = js_sys::Array::new();
    parts.push(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob =
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(js)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js)?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(js)?
        .dyn_into()
        .map_err(|_| "not an anchor")?;
    a.set_href(&url);
    a.set_download(file_name);
    a.set_attribute("hidden", "").map_err(js)?;
    let body = document.body().ok_or("no body")?;
    body.append_child(&a).map_err(js)?;
    a.click();
    a.remove();
    // Let the browser start reading the blob before the URL goes away.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    let _ = window
        .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000);
    Ok(())
}

/// Downloads the Excel workbook of the summary.
pub fn download_xlsx(summary: &ClusterSummary) -> Result<(), String> {
    let bytes = shared::export::xlsx::workbook(summary).map_err(|e| e.to_string())?;
    download(&shared::export::xlsx::file_name(summary), XLSX_TYPE, &bytes)
}

/// Downloads one view as CSV.
pub fn download_csv(summary: &ClusterSummary, view: View) -> Result<(), String> {
    let text = shared::export::csv::csv(summary, view);
    download(
        &shared::export::csv::file_name(summary, view),
        "text/csv;charset=utf-8",
        text.as_bytes(),
    )
}
