//! The HTTP handlers of the summary and its exports, authenticated like
//! `/api/directory` (any device of the cluster, `?token=` or
//! `Authorization: Bearer`, the [`Device`] extractor):
//! - `GET /api/cluster/summary[?year=YYYY]`: the summary as JSON;
//! - `GET /api/cluster/export.xlsx[?year=YYYY]`: every view as a workbook;
//! - `GET /api/cluster/export.csv?view=<name>[&year=YYYY]`: one view as CSV.
//!
//! Errors are [`ApiError`]s, JSON `{error, message, messageVi}`: 401 without
//! a valid token, 400 for a bad year (`bad-year`) or a missing or unknown
//! view (`missing-view`, `unknown-view`; the message lists the views, and
//! `unknown-view` adds them as `views`), 503 (`summary-unavailable`) when the
//! documents cannot be loaded in time.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use shared::summary::ClusterSummary;

use super::source::{SourceError, current_summary};
use crate::AppState;
use crate::http::{ApiError, ApiQuery, Device};
use shared::export::View;

/// Query parameters of the summary routes (the token, if given as
/// `?token=`, is the [`Device`] extractor's).
#[derive(Deserialize)]
pub struct SummaryQuery {
    year: Option<String>,
    view: Option<String>,
}

/// Years the summary accepts.
const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// The `year` parameter.
fn parse_year(text: Option<&str>) -> Result<Option<i32>, ApiError> {
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    match text.parse::<i32>() {
        Ok(y) if YEARS.contains(&y) => Ok(Some(y)),
        _ => Err(ApiError::bad_request(
            "bad-year",
            format!("year={text:?} is not a year; write it with four digits, e.g. year=2026"),
            format!("Năm {text:?} không hợp lệ; hãy ghi năm bằng bốn chữ số, ví dụ year=2026."),
        )),
    }
}

impl From<SourceError> for ApiError {
    fn from(e: SourceError) -> Self {
        match e {
            SourceError::Timeout(d) => ApiError::unavailable(
                "summary-unavailable",
                e.to_string(),
                format!(
                    "Máy chủ chưa tải được dữ liệu của cụm trong {} giây, có thể do đang quá tải. \
                     Hãy thử lại sau ít phút; nếu vẫn không được, hãy báo quản trị viên máy chủ.",
                    d.as_secs()
                ),
            ),
            SourceError::NoClusterDocument => ApiError::internal(
                "summary-unavailable",
                e.to_string(),
                "Dữ liệu trên máy chủ thiếu tài liệu của cụm; quản trị viên máy chủ cần khôi phục từ bản sao lưu.",
                "no cluster document",
            ),
            SourceError::Failed(ref detail) => ApiError::internal(
                "summary-unavailable",
                "the summary could not be computed because of an error on the relay; tell the relay administrator",
                "Máy chủ gặp lỗi khi tổng hợp số liệu; hãy báo quản trị viên máy chủ.",
                detail,
            ),
        }
    }
}

/// Parses the year and computes the summary.
async fn summary_for(app: &AppState, q: &SummaryQuery) -> Result<ClusterSummary, ApiError> {
    let year = parse_year(q.year.as_deref())?;
    Ok(current_summary(&app.hub, &app.directory, year).await?)
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
    _: Device,
    State(app): State<Arc<AppState>>,
    ApiQuery(q): ApiQuery<SummaryQuery>,
) -> Result<Json<ClusterSummary>, ApiError> {
    Ok(Json(summary_for(&app, &q).await?))
}

/// `GET /api/cluster/export.xlsx`.
pub async fn xlsx(
    _: Device,
    State(app): State<Arc<AppState>>,
    ApiQuery(q): ApiQuery<SummaryQuery>,
) -> Result<Response, ApiError> {
    let s = summary_for(&app, &q).await?;
    let failed = |detail: String| {
        ApiError::internal(
            "export-failed",
            "the workbook could not be written because of an error on the relay; \
             try again, or download it in the app (Overview, \"Tải Excel\"), which works offline",
            "Máy chủ gặp lỗi khi tạo tệp Excel. Hãy thử lại, hoặc tải tệp ngay trong ứng dụng \
             (trang Tổng hợp, nút \"Tải Excel\"), cách này không cần mạng.",
            detail,
        )
    };
    let (bytes, name) = tokio::task::spawn_blocking(move || {
        shared::export::xlsx::workbook(&s).map(|bytes| (bytes, shared::export::xlsx::file_name(&s)))
    })
    .await
    .map_err(|e| failed(e.to_string()))?
    .map_err(|e| failed(e.to_string()))?;
    Ok(download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &name,
        bytes,
    ))
}

/// The names of the views, for error messages.
pub fn view_names() -> Vec<&'static str> {
    View::ALL.iter().map(|v| v.name()).collect()
}

/// The view a request names (`?view=`).
fn parse_view(name: Option<&str>) -> Result<View, ApiError> {
    let names = view_names().join(", ");
    let names_vi = View::ALL
        .iter()
        .map(|v| format!("{} ({})", v.name(), v.sheet()))
        .collect::<Vec<_>>()
        .join(", ");
    match name {
        None | Some("") => Err(ApiError::bad_request(
            "missing-view",
            format!("choose a view with ?view=<name>, one of: {names}"),
            format!(
                "Hãy chọn bảng cần xuất bằng ?view=<tên bảng>, một trong các bảng: {names_vi}."
            ),
        )),
        Some(name) => View::parse(name).ok_or_else(|| {
            ApiError::bad_request(
                "unknown-view",
                format!("there is no view {name:?}; use one of: {names}"),
                format!("Không có bảng {name:?}; hãy dùng một trong các bảng: {names_vi}."),
            )
            .with("views", view_names())
        }),
    }
}

/// `GET /api/cluster/export.csv?view=<name>`.
pub async fn csv(
    _: Device,
    State(app): State<Arc<AppState>>,
    ApiQuery(q): ApiQuery<SummaryQuery>,
) -> Result<Response, ApiError> {
    let view = parse_view(q.view.as_deref())?;
    let s = summary_for(&app, &q).await?;
    let text = shared::export::csv::csv(&s, view);
    Ok(download(
        "text/csv; charset=utf-8",
        &shared::export::csv::file_name(&s, view),
        text.into_bytes(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_and_views_are_checked_with_a_reason() {
        assert_eq!(parse_year(None), Ok(None));
        assert_eq!(parse_year(Some("2026")), Ok(Some(2026)));
        let e = parse_year(Some("20x6")).unwrap_err();
        assert_eq!(e.code(), "bad-year");
        assert!(
            e.body()["messageVi"]
                .as_str()
                .unwrap()
                .contains("year=2026")
        );
        assert_eq!(
            parse_view(Some("warnings")),
            Ok(View::parse("warnings").unwrap())
        );
        let e = parse_view(Some("bogus")).unwrap_err();
        assert_eq!(e.code(), "unknown-view");
        assert_eq!(e.body()["views"].as_array().unwrap().len(), View::ALL.len());
        let e = parse_view(None).unwrap_err();
        assert_eq!(e.code(), "missing-view");
        for v in View::ALL {
            assert!(e.body()["message"].as_str().unwrap().contains(v.name()));
            assert!(e.body()["messageVi"].as_str().unwrap().contains(v.sheet()));
        }
    }
}
