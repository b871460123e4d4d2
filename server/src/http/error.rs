//! [`ApiError`]: the one error type of the HTTP API. Every JSON handler
//! returns `Result<_, ApiError>`, and every refusal has the same JSON shape:
//!
//! ```json
//! { "error": "bad-year", "message": "…English…", "messageVi": "…tiếng Việt…" }
//! ```
//!
//! `error` is a stable code clients can match on; the messages say what the
//! user (or the administrator) can do about it. Some errors add fields (the
//! unknown view lists the `views`). Statuses: 401 for a refused token, 400 for
//! a bad request, 404, 503 when the relay cannot answer now (try again, or an
//! administrator must repair something), 500 for a bug, whose details go to
//! the log rather than to the client.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::tokens::AuthError;

/// What a refusal says, besides its status.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// Stable code, e.g. `bad-year`.
    pub code: &'static str,
    /// English: what happened and what to do.
    pub message: String,
    /// The same in Vietnamese.
    pub message_vi: String,
    /// More fields of the JSON body (e.g. `views`).
    pub extra: Map<String, Value>,
}

impl Problem {
    pub fn new(
        code: &'static str,
        message: impl Into<String>,
        message_vi: impl Into<String>,
    ) -> Self {
        Self {
            code,
            message: message.into(),
            message_vi: message_vi.into(),
            extra: Map::new(),
        }
    }
}

/// An HTTP API refusal; the variant decides the status.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// 401 with the token's error code; 503 for
    /// [`AuthError::TokensUnavailable`], which is the relay's fault, not the
    /// token's (the app must not tell the user to get a new token).
    #[error(transparent)]
    Unauthorized(#[from] AuthError),
    /// 400.
    #[error("{}", .0.message)]
    BadRequest(Problem),
    /// 404.
    #[error("{}", .0.message)]
    NotFound(Problem),
    /// 503: the relay cannot answer now.
    #[error("{}", .0.message)]
    Unavailable(Problem),
    /// 500: a bug or an I/O failure on the relay.
    #[error("{}", .0.message)]
    Internal(Problem),
}

impl ApiError {
    pub fn bad_request(code: &'static str, en: impl Into<String>, vi: impl Into<String>) -> Self {
        Self::BadRequest(Problem::new(code, en, vi))
    }

    pub fn not_found(code: &'static str, en: impl Into<String>, vi: impl Into<String>) -> Self {
        Self::NotFound(Problem::new(code, en, vi))
    }

    pub fn unavailable(code: &'static str, en: impl Into<String>, vi: impl Into<String>) -> Self {
        Self::Unavailable(Problem::new(code, en, vi))
    }

    /// A 500. `detail` (the underlying error) is logged, not sent: the client
    /// gets `en` / `vi`.
    pub fn internal(
        code: &'static str,
        en: impl Into<String>,
        vi: impl Into<String>,
        detail: impl std::fmt::Display,
    ) -> Self {
        let problem = Problem::new(code, en, vi);
        tracing::error!(code, "{}: {detail}", problem.message);
        Self::Internal(problem)
    }

    /// Adds a field to the JSON body (not for [`ApiError::Unauthorized`]).
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        if let Self::BadRequest(p) | Self::NotFound(p) | Self::Unavailable(p) | Self::Internal(p) =
            &mut self
        {
            p.extra.insert(key.to_string(), value.into());
        }
        self
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized(AuthError::TokensUnavailable) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code (`error` in the body).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized(e) => e.code(),
            Self::BadRequest(p) | Self::NotFound(p) | Self::Unavailable(p) | Self::Internal(p) => {
                p.code
            }
        }
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut body = Map::new();
        body.insert("error".into(), self.code().into());
        match self {
            Self::Unauthorized(e) => {
                body.insert("message".into(), e.to_string().into());
                body.insert("messageVi".into(), e.message_vi().into());
            }
            Self::BadRequest(p) | Self::NotFound(p) | Self::Unavailable(p) | Self::Internal(p) => {
                body.insert("message".into(), p.message.clone().into());
                body.insert("messageVi".into(), p.message_vi.clone().into());
                for (k, v) in &p.extra {
                    body.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        }
        Value::Object(body)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status(), Json(self.body())).into_response();
        let headers = res.headers_mut();
        if self.status() == StatusCode::UNAUTHORIZED {
            // RFC 6750: how to authenticate. (Bearer: browsers show no dialog.)
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"thidua\""),
            );
        }
        // Refusals are about this request: never reuse them.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    }
}

/// A query string that does not fit the route's parameters.
impl From<QueryRejection> for ApiError {
    fn from(e: QueryRejection) -> Self {
        ApiError::bad_request(
            "bad-query",
            format!("the query string could not be read: {}", e.body_text()),
            "Không đọc được các tham số trên địa chỉ (phần sau dấu ?). Hãy kiểm tra lại đường dẫn.",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_bodies() {
        let e = ApiError::from(AuthError::Revoked);
        assert_eq!(e.status(), StatusCode::UNAUTHORIZED);
        let body = e.body();
        assert_eq!(body["error"], "token-revoked");
        assert!(body["message"].as_str().unwrap().contains("revoked"));
        assert!(body["messageVi"].as_str().unwrap().contains("thu hồi"));

        let e = ApiError::from(AuthError::TokensUnavailable);
        assert_eq!(e.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(e.body()["error"], "tokens-unavailable");

        let e = ApiError::bad_request("unknown-view", "no such view", "không có bảng này")
            .with("views", vec!["overview"]);
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        let body = e.body();
        assert_eq!(body["views"][0], "overview");
        assert_eq!(body["messageVi"], "không có bảng này");
        // Extra fields never replace the standard ones.
        let e = ApiError::not_found("not-found", "gone", "không có").with("error", "other");
        assert_eq!(e.body()["error"], "not-found");
        assert_eq!(e.status(), StatusCode::NOT_FOUND);

        let e = ApiError::unavailable("summary-unavailable", "later", "để sau");
        assert_eq!(e.status(), StatusCode::SERVICE_UNAVAILABLE);
        let e = ApiError::internal("export-failed", "failed", "lỗi", "disk on fire");
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!e.body().to_string().contains("disk on fire"));
    }

    #[test]
    fn a_refused_token_says_how_to_authenticate() {
        let res = ApiError::from(AuthError::Missing).into_response();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert!(res.headers().contains_key(header::WWW_AUTHENTICATE));
        assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
        let res = ApiError::from(AuthError::TokensUnavailable).into_response();
        assert!(!res.headers().contains_key(header::WWW_AUTHENTICATE));
    }
}
