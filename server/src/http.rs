//! HTTP routes: `/sync` (WebSocket), `/healthz`, `/api/directory`, the
//! cluster summary and its exports (`/api/cluster/summary`,
//! `/api/cluster/export.xlsx`, `/api/cluster/export.csv`, handlers in
//! [`crate::export::routes`]), and the built app at `/` with cache headers
//! that never mix old and new files.

use std::path::PathBuf;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Query, Request, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use tower_http::services::{ServeDir, ServeFile};

use crate::AppState;
use crate::export;
use crate::tokens::{AuthError, TokenRecord};
use shared::core::DeviceAuth;

#[derive(Deserialize)]
pub struct TokenQuery {
    pub(crate) token: Option<String>,
}

/// The token from `?token=` or `Authorization: Bearer`.
fn presented_token(q: &TokenQuery, headers: &HeaderMap) -> Option<String> {
    q.token.clone().or_else(|| {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_string)
    })
}

pub(crate) fn authenticate(
    app: &AppState,
    q: &TokenQuery,
    headers: &HeaderMap,
) -> Result<(TokenRecord, DeviceAuth), AuthError> {
    app.tokens
        .authenticate(presented_token(q, headers).as_deref())
}

/// A JSON error body: `{ "error": code, "message": text }`.
pub fn json_error(status: StatusCode, code: &str, message: String) -> Response {
    let body = serde_json::json!({ "error": code, "message": message });
    (status, Json(body)).into_response()
}

pub fn unauthorized(e: AuthError) -> Response {
    json_error(StatusCode::UNAUTHORIZED, e.code(), e.to_string())
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn directory(
    State(app): State<Arc<AppState>>,
    Query(q): Query<TokenQuery>,
    headers: HeaderMap,
) -> Response {
    match authenticate(&app, &q, &headers) {
        Ok((_, device)) => {
            let mut body = serde_json::to_value(&app.directory).expect("directory serializes");
            body["you"] = serde_json::json!({ "office": device.office, "device": device.device });
            Json(body).into_response()
        }
        Err(e) => unauthorized(e),
    }
}

async fn sync(
    State(app): State<Arc<AppState>>,
    Query(q): Query<TokenQuery>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let auth = authenticate(&app, &q, &headers);
    // A little headroom above the core's limit, so the core can answer an
    // oversized frame with a clear error instead of the socket just failing.
    let hard_limit = app
        .limits
        .max_frame_bytes
        .saturating_mul(2)
        .max(1024 * 1024);
    ws.max_message_size(hard_limit)
        .max_frame_size(hard_limit)
        .on_upgrade(move |socket| crate::ws::serve_socket(socket, app, auth))
}

/// Whether a path names a content-hashed build file (`app-<16 hex>.js`,
/// `app-<16 hex>_bg.wasm`): those never change, everything else is revalidated.
fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let Some(rest) = name.strip_prefix("app-") else {
        return false;
    };
    rest.len() > 16 && rest.as_bytes()[..16].iter().all(u8::is_ascii_hexdigit)
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
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    if !immutable {
        // Last-Modified has one-second resolution: a file rewritten within the
        // second of a browser's last fetch would be answered 304 and a new
        // sw.js missed. These files are small; always send them whole.
        res.headers_mut().remove(header::LAST_MODIFIED);
    }
    res
}

/// Paths without a file extension are app routes: answer with index.html.
/// A missing file (it has an extension) is a plain 404, never index.html,
/// so a stale `app-<hash>.js` can never be cached as HTML.
async fn app_fallback(index: PathBuf, req: Request) -> Response {
    let last = req.uri().path().rsplit('/').next().unwrap_or_default();
    if last.contains('.') {
        return json_error(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("no file {}", req.uri().path()),
        );
    }
    match tower::ServiceExt::oneshot(ServeFile::new(index), req).await {
        Ok(res) => res.into_response(),
        Err(e) => json_error(StatusCode::INTERNAL_SERVER_ERROR, "io", e.to_string()),
    }
}

/// All routes.
pub fn router(app: Arc<AppState>, static_dir: Option<PathBuf>) -> Router {
    let api = Router::new()
        .route("/healthz", get(healthz))
        .route("/api/directory", get(directory))
        .route("/api/cluster/summary", get(export::routes::summary))
        .route("/api/cluster/export.xlsx", get(export::routes::xlsx))
        .route("/api/cluster/export.csv", get(export::routes::csv))
        .route("/sync", get(sync))
        .with_state(app);
    match static_dir {
        Some(dir) => {
            let index = dir.join("index.html");
            let fallback = axum::routing::any(move |req: Request| app_fallback(index.clone(), req));
            let files = ServeDir::new(dir).fallback(fallback);
            api.fallback_service(files)
                .layer(middleware::from_fn(cache_headers))
        }
        None => api.fallback(|| async {
            json_error(
                StatusCode::NOT_FOUND,
                "not-found",
                "no such route; the app is not built into this relay (run the README's run command)"
                    .into(),
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn only_content_hashed_build_files_are_immutable() {
        assert!(is_hashed_asset("/app-0123456789abcdef.js"));
        assert!(is_hashed_asset("/app-0123456789abcdef_bg.wasm"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/sw.js"));
        assert!(!is_hashed_asset("/app-notahash.js"));
    }
}
