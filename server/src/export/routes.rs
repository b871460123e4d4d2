//! The HTTP handlers of the summary and its exports, authenticated like
//! `/api/directory` (any device of the cluster, `?token=` or
//! `Authorization: Bearer`):
//! - `GET /api/cluster/summary[?year=YYYY]`: the summary as JSON;
//! - `GET /api/cluster/export.xlsx[?year=YYYY]`: every view as a workbook;
//! - `GET /api/cluster/export.csv?view=<name>[&year=YYYY]`: one view as CSV.
//!
//! Errors are JSON `{error, message}`: 401 without a valid token, 400 for
//! a bad year or an unknown view (the message lists the views), 503 when
//! the documents cannot be loaded in time.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use shared::summary::ClusterSummary;

use super::source::{SourceError, current_summary};
use crate::AppState;
use crate::http::{TokenQuery, authenticate, json_error, unauthorized};
use shared::export::View;

/// Query parameters of the summary routes.
#[derive(Deserialize)]
pub struct SummaryQuery {
    token: Option<String>,
    year: Option<String>,
    view: Option<String>,
}

/// Years the summary accepts.
const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

fn bad_request(code: &str, message: String) -> Response {
    json_error(StatusCode::BAD_REQUEST, code, message)
}

/// The `year` parameter; the error is the message for a 400 `bad-year`.
fn parse_year(text: Option<&str>) -> Result<Option<i32>, String> {
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    match text.parse::<i32>() {
        Ok(y) if YEARS.contains(&y) => Ok(Some(y)),
        _ => Err(format!(
            "year={text:?} is not a year; write it with four digits, e.g. year=2026 \
             (năm không hợp lệ, ví dụ year=2026)"
        )),
    }
}

/// Authenticates, parses the year and computes the summary.
async fn summary_for(
    app: &AppState,
    q: &SummaryQuery,
    headers: &HeaderMap,
) -> Result<ClusterSummary, Response> {
    let token = TokenQuery {
        token: q.token.clone(),
    };
    authenticate(app, &token, headers).map_err(unauthorized)?;
    let year = parse_year(q.year.as_deref()).map_err(|m| bad_request("bad-year", m))?;
    current_summary(&app.hub, &app.directory, year)
        .await
        .map_err(|e| {
            let status = match e {
                SourceError::Timeout(_) => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            json_error(status, "summary-unavailable", e.to_string())
        })
}

fn download(content_type: &'static str, file_name: &str, body: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{file_name}\"");
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// `GET /api/cluster/summary`.
pub async fn summary(
    State(app): State<Arc<AppState>>,
    Query(q): Query<SummaryQuery>,
    headers: HeaderMap,
) -> Response {
    match summary_for(&app, &q, &headers).await {
        Ok(s) => Json(s).into_response(),
        Err(res) => res,
    }
}

/// `GET /api/cluster/export.xlsx`.
pub async fn xlsx(
    State(app): State<Arc<AppState>>,
    Query(q): Query<SummaryQuery>,
    headers: HeaderMap,
) -> Response {
    let s = match summary_for(&app, &q, &headers).await {
        Ok(s) => s,
        Err(res) => return res,
    };
    let built = tokio::task::spawn_blocking(move || {
        shared::export::xlsx::workbook(&s).map(|bytes| (bytes, shared::export::xlsx::file_name(&s)))
    })
    .await;
    match built {
        Ok(Ok((bytes, name))) => download(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &name,
            bytes,
        ),
        Ok(Err(e)) => json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "export-failed",
            e.to_string(),
        ),
        Err(e) => json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "export-failed",
            e.to_string(),
        ),
    }
}

/// The names of the views, for error messages.
pub fn view_names() -> Vec<&'static str> {
    View::ALL.iter().map(|v| v.name()).collect()
}

/// `GET /api/cluster/export.csv?view=<name>`.
pub async fn csv(
    State(app): State<Arc<AppState>>,
    Query(q): Query<SummaryQuery>,
    headers: HeaderMap,
) -> Response {
    let token = TokenQuery {
        token: q.token.clone(),
    };
    if let Err(e) = authenticate(&app, &token, &headers) {
        return unauthorized(e);
    }
    let names = view_names().join(", ");
    let view = match q.view.as_deref() {
        None | Some("") => {
            return bad_request(
                "missing-view",
                format!("choose a view with ?view=<name>, one of: {names} (chọn bảng cần xuất)"),
            );
        }
        Some(name) => match View::parse(name) {
            Some(v) => v,
            None => {
                let body = serde_json::json!({
                    "error": "unknown-view",
                    "message": format!(
                        "there is no view {name:?}; use one of: {names} (không có bảng này)"
                    ),
                    "views": view_names(),
                });
                return (StatusCode::BAD_REQUEST, Json(body)).into_response();
            }
        },
    };
    let s = match summary_for(&app, &q, &headers).await {
        Ok(s) => s,
        Err(res) => return res,
    };
    let text = shared::export::csv::csv(&s, view);
    download(
        "text/csv; charset=utf-8",
        &shared::export::csv::file_name(&s, view),
        text.into_bytes(),
    )
}
