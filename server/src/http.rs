//! HTTP routes: `/sync` (WebSocket), `/healthz`, `/api/directory`, the
//! cluster summary and its exports (`/api/cluster/summary`,
//! `/api/cluster/export.xlsx`, `/api/cluster/export.csv`, handlers in
//! [`crate::export::routes`]), and the built app at `/` with cache headers
//! that never mix old and new files.
//!
//! The trust boundary: [`auth`] (who is asking: the [`Device`] extractor),
//! [`error`] (every refusal is an [`ApiError`], JSON `{error, message,
//! messageVi}`), [`headers`] (Content-Security-Policy and the other security
//! headers on everything served).

use std::path::PathBuf;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Request, State, WebSocketUpgrade};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::AppState;
use crate::export;

pub mod auth;
pub mod error;
pub mod headers;

pub use auth::{ApiQuery, Device, TokenCheck};
pub use error::{ApiError, Problem};

/// `GET /healthz`: 200 `{"status": "ok"}`, or 503 `{"status": "degraded",
/// failedWrites, failedLoads, message, messageVi}` while storage fails (writes
/// are retried and nothing unsaved is acknowledged; documents that cannot be
/// loaded are not served), or 503 `{"status": "degraded", message,
/// messageVi}` while a relay on PostgreSQL cannot listen to the others. On
/// PostgreSQL every answer has `hearsOtherRelays`.
async fn healthz(State(app): State<Arc<AppState>>) -> Response {
    let h = app.storage_health();
    let hears = app
        .hears_other_relays
        .as_ref()
        .map(|h| h.load(std::sync::atomic::Ordering::Acquire));
    let storage_ok = h.failed_writes == 0 && h.failed_loads == 0;
    let (status, mut body) = if storage_ok && hears != Some(false) {
        (
            axum::http::StatusCode::OK,
            serde_json::json!({ "status": "ok" }),
        )
    } else if storage_ok {
        (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({
                "status": "degraded",
                "message": "this relay cannot listen to the PostgreSQL database: its devices do not see what devices of the other relays write until it listens again (it keeps trying), and after 30 s it refuses devices (it cannot hear of revoked tokens); check the database and the network to it",
                "messageVi": "Máy chủ này không nhận được thông báo từ cơ sở dữ liệu PostgreSQL: thiết bị nối vào đây chưa thấy thay đổi từ các máy chủ khác cho đến khi kết nối lại (máy chủ vẫn đang thử lại); sau 30 giây máy chủ sẽ từ chối thiết bị (vì không biết mã nào bị thu hồi). Hãy kiểm tra cơ sở dữ liệu và đường mạng tới đó.",
            }),
        )
    } else {
        let detail = h.last_error.unwrap_or_default();
        (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({
                "status": "degraded",
                "failedWrites": h.failed_writes,
                "failedLoads": h.failed_loads,
                "message": format!(
                    "storage is failing: {} chunk writes wait to be retried (their changes are not acknowledged to any device yet), {} documents cannot be loaded; check the disk and the data directory (or the database). Last error: {detail}",
                    h.failed_writes, h.failed_loads
                ),
                "messageVi": format!(
                    "Lưu trữ đang gặp lỗi: {} lần ghi đang chờ ghi lại (các thay đổi này chưa được xác nhận với thiết bị nào), {} tài liệu không đọc được; hãy kiểm tra ổ đĩa và thư mục dữ liệu (hoặc cơ sở dữ liệu). Lỗi gần nhất: {detail}",
                    h.failed_writes, h.failed_loads
                ),
            }),
        )
    };
    if let Some(hears) = hears {
        body["hearsOtherRelays"] = hears.into();
    }
    (status, Json(body)).into_response()
}

/// `GET /api/directory`: the cluster directory and who the device is.
async fn directory(
    device: Device,
    State(app): State<Arc<AppState>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let mut body = serde_json::to_value(&app.directory).map_err(|e| {
        ApiError::internal(
            "directory-unavailable",
            "the relay could not write out the cluster directory; tell the relay administrator",
            "Máy chủ không xuất được danh mục của cụm; hãy báo quản trị viên máy chủ.",
            e,
        )
    })?;
    body["you"] = serde_json::json!({ "office": device.auth.office, "device": device.auth.device });
    Ok(Json(body))
}

/// `GET /sync`: the WebSocket. The token is checked here, but a refusal is
/// answered inside the socket (a protocol `error` frame, see
/// [`crate::ws::serve_socket`]), not with an HTTP status.
async fn sync(
    State(app): State<Arc<AppState>>,
    TokenCheck(auth): TokenCheck,
    ws: WebSocketUpgrade,
) -> Response {
    // A little headroom above the core's limit, so the core can answer an
    // oversized frame with a clear error instead of the socket just failing.
    let hard_limit = app
        .limits
        .max_frame_bytes
        .saturating_mul(2)
        .max(1024 * 1024);
    // Read buffers grow with what arrives: an idle connection holds 8 KiB,
    // not the 128 KiB default (1.3 GB for 10,000 idle devices).
    ws.read_buffer_size(8 * 1024)
        .max_message_size(hard_limit)
        .max_frame_size(hard_limit)
        .on_upgrade(move |socket| crate::ws::serve_socket(socket, app, auth))
}

/// Whether a path names a content-hashed build file (`app-<16 hex>.js`,
/// `app-<16 hex>_bg.wasm`, or anything in a page-module directory
/// `split-<16 hex>/`): those never change, everything else is revalidated.
fn is_hashed_asset(path: &str) -> bool {
    let is_hash = |s: &str| s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit());
    let mut parts = path.trim_start_matches('/').split('/');
    match (parts.next(), parts.next(), parts.next()) {
        // `app-<hash>` followed by the file's own suffix.
        (Some(name), None, _) => name
            .strip_prefix("app-")
            .is_some_and(|r| r.len() > 16 && r.get(..16).is_some_and(is_hash)),
        (Some(dir), Some(file), None) => {
            !file.is_empty() && dir.strip_prefix("split-").is_some_and(is_hash)
        }
        _ => false,
    }
}

/// Hashed assets never change; everything else is revalidated every time
/// (index.html, sw.js, build.json), so a new build is seen at once.
async fn cache_headers(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let mut res = next.run(req).await;
    let immutable = is_hashed_asset(&path) && res.status().is_success();
    let value = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    // A handler's own choice (the API's `no-store`) stands.
    res.headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static(value));
    if !immutable {
        // Last-Modified has one-second resolution: a file rewritten within the
        // second of a browser's last fetch would be answered 304 and a new
        // sw.js missed. These files are small; always send them whole.
        res.headers_mut().remove(header::LAST_MODIFIED);
    }
    // The same URL is sent brotli, gzip or plain by the request's
    // Accept-Encoding (precompressed copies): caches must key on it.
    if !res.headers().contains_key(header::VARY) {
        res.headers_mut()
            .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    res
}

/// The relay's own paths (API, sync, health): never answered with the app.
fn is_relay_path(path: &str) -> bool {
    ["/api", "/sync", "/healthz"]
        .iter()
        .any(|p| path == *p || path.strip_prefix(p).is_some_and(|r| r.starts_with('/')))
}

/// A JSON 404 for `path`.
fn not_found(path: &str) -> ApiError {
    ApiError::not_found(
        "not-found",
        format!("no file or route {path} on this relay"),
        format!("Máy chủ không có tệp hoặc đường dẫn {path}."),
    )
}

/// Paths without a file extension are app routes: answer with index.html.
/// A missing file (it has an extension) is a plain 404, never index.html,
/// so a stale `app-<hash>.js` can never be cached as HTML; so is an unknown
/// API path.
async fn app_fallback(index: PathBuf, req: Request) -> Result<Response, ApiError> {
    let path = req.uri().path().to_string();
    let last = path.rsplit('/').next().unwrap_or_default();
    if last.contains('.') || is_relay_path(&path) {
        return Err(not_found(&path));
    }
    match tower::ServiceExt::oneshot(ServeFile::new(index), req).await {
        Ok(res) => Ok(res.into_response()),
        Err(e) => Err(ApiError::internal(
            "io",
            "the relay could not read the app's index.html; tell the relay administrator",
            "Máy chủ không đọc được tệp index.html của ứng dụng; hãy báo quản trị viên máy chủ.",
            e,
        )),
    }
}

/// All routes. Every response carries the security headers
/// ([`headers::security_headers`]); API answers are never cached
/// (`Cache-Control: no-store`: they are per device and change).
pub fn router(app: Arc<AppState>, static_dir: Option<PathBuf>) -> Router {
    let api = Router::new()
        .route("/api/directory", get(directory))
        .route("/api/cluster/summary", get(export::routes::summary))
        .route("/api/cluster/export.xlsx", get(export::routes::xlsx))
        .route("/api/cluster/export.csv", get(export::routes::csv))
        .route_layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .route("/healthz", get(healthz))
        .route("/sync", get(sync))
        .with_state(app);
    let routed = match static_dir {
        Some(dir) => {
            let index = dir.join("index.html");
            let fallback = axum::routing::any(move |req: Request| app_fallback(index.clone(), req));
            // `scripts/build-app.sh` writes `.br` and `.gz` copies beside the
            // big files; the one the browser accepts is served with
            // `Content-Encoding` (the wasm: ~1/3 of its size over the wire).
            let files = ServeDir::new(dir)
                .precompressed_br()
                .precompressed_gzip()
                .fallback(fallback);
            api.fallback_service(files)
                .layer(middleware::from_fn(cache_headers))
        }
        None => api.fallback(|req: Request| async move {
            ApiError::not_found(
                "not-found",
                format!(
                    "no route {}; the app is not built into this relay (the administrator starts it with --static-dir dist)",
                    req.uri().path()
                ),
                format!(
                    "Máy chủ không có đường dẫn {}; máy chủ này không kèm ứng dụng (quản trị viên cần khởi động với --static-dir dist).",
                    req.uri().path()
                ),
            )
        }),
    };
    routed.layer(middleware::from_fn(headers::security_headers))
}

#[cfg(test)]
mod tests {
    use super::{is_hashed_asset, is_relay_path};

    #[test]
    fn relay_paths_are_never_the_app() {
        assert!(is_relay_path("/api"));
        assert!(is_relay_path("/api/nope"));
        assert!(is_relay_path("/sync/x"));
        assert!(!is_relay_path("/apis"));
        assert!(!is_relay_path("/dang-nhap"));
    }

    #[test]
    fn only_content_hashed_build_files_are_immutable() {
        assert!(is_hashed_asset("/app-0123456789abcdef.js"));
        assert!(is_hashed_asset("/app-0123456789abcdef_bg.wasm"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/sw.js"));
        assert!(!is_hashed_asset("/app-notahash.js"));
        assert!(is_hashed_asset("/split-0123456789abcdef/split_office.wasm"));
        assert!(is_hashed_asset("/split-0123456789abcdef/__wasm_split.js"));
        assert!(!is_hashed_asset("/split-0123456789abcdef/"));
        assert!(!is_hashed_asset("/split-notahash/split_office.wasm"));
        assert!(!is_hashed_asset("/split-0123456789abcdef0/x.wasm"));
        assert!(!is_hashed_asset("/split-0123456789abcdef/a/b.wasm"));
        assert!(!is_hashed_asset("/icons/app-0123456789abcdef.js"));
    }
}
