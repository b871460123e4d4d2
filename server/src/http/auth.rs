//! Who is asking: the bearer token of a request, from `?token=` (browsers
//! cannot set headers on a WebSocket) or `Authorization: Bearer`, checked by
//! [`crate::tokens::TokenStore::authenticate`].
//!
//! - [`Device`]: an authenticated device, or the request is refused with an
//!   [`ApiError`] (401, or 503 when the token file is unusable). For the JSON
//!   and download routes.
//! - [`TokenCheck`]: the outcome either way, never a refusal. For `/sync`,
//!   which answers a refused token inside the socket with a protocol `error`
//!   frame, so that browsers (which see no HTTP status of a failed upgrade)
//!   can show why.
//! - [`ApiQuery`]: `Query` whose refusal is an [`ApiError`] too.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Query};
use axum::http::header;
use axum::http::request::Parts;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use shared::core::DeviceAuth;

use super::error::ApiError;
use crate::AppState;
use crate::tokens::{AuthError, TokenRecord};

#[derive(Deserialize)]
struct TokenParam {
    token: Option<String>,
}

/// The token a request presents: a non-empty `?token=` first, then
/// `Authorization: Bearer` (scheme case-insensitive, RFC 7235). `Err(Malformed)` when the
/// query names a token that cannot be read and no header gives one.
pub fn presented_token(parts: &Parts) -> Result<Option<String>, AuthError> {
    let from_query = Query::<TokenParam>::try_from_uri(&parts.uri).map(|Query(p)| p.token);
    let from_header = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| rest.trim().to_string())
        });
    match from_query {
        Ok(Some(token)) if !token.trim().is_empty() => Ok(Some(token)),
        Ok(_) => Ok(from_header),
        Err(_) if from_header.is_some() => Ok(from_header),
        Err(_) if parts.uri.query().is_some_and(|q| q.contains("token")) => {
            Err(AuthError::Malformed)
        }
        Err(_) => Ok(None),
    }
}

/// Checks the token a request presents.
pub fn check(app: &AppState, parts: &Parts) -> Result<(TokenRecord, DeviceAuth), AuthError> {
    let token = presented_token(parts)?;
    app.tokens.authenticate(token.as_deref())
}

/// The outcome of checking the request's token, accepted or not (never
/// refuses the request itself).
pub struct TokenCheck(pub Result<(TokenRecord, DeviceAuth), AuthError>);

impl FromRequestParts<Arc<AppState>> for TokenCheck {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(check(app, parts)))
    }
}

/// An authenticated device of the cluster; requests without a valid token
/// are refused with the token's [`AuthError`] as JSON.
#[derive(Clone, Debug)]
pub struct Device {
    pub record: TokenRecord,
    pub auth: DeviceAuth,
}

impl FromRequestParts<Arc<AppState>> for Device {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        match check(app, parts) {
            Ok((record, auth)) => Ok(Self { record, auth }),
            Err(e) => {
                tracing::debug!(code = e.code(), path = %parts.uri.path(), "refused a request: {e}");
                Err(ApiError::Unauthorized(e))
            }
        }
    }
}

/// The query string as `T`; a query that does not fit is a JSON 400.
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Query(value) = Query::<T>::try_from_uri(&parts.uri)?;
        Ok(Self(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(uri: &str, auth: Option<&str>) -> Parts {
        let mut req = Request::builder().uri(uri);
        if let Some(a) = auth {
            req = req.header(header::AUTHORIZATION, a);
        }
        req.body(()).unwrap().into_parts().0
    }

    #[test]
    fn the_token_comes_from_the_query_or_the_bearer_header() {
        let t = |uri, auth| presented_token(&parts(uri, auth));
        assert_eq!(t("/sync?token=td1.a.b", None), Ok(Some("td1.a.b".into())));
        assert_eq!(
            t("/api/x?year=2026&token=td1.a.b", Some("Bearer td1.c.d")),
            Ok(Some("td1.a.b".into()))
        );
        assert_eq!(
            t("/api/x?year=2026", Some("Bearer td1.c.d")),
            Ok(Some("td1.c.d".into()))
        );
        assert_eq!(
            t("/api/x", Some("bearer td1.c.d")),
            Ok(Some("td1.c.d".into()))
        );
        assert_eq!(t("/api/x", Some("Basic dXNlcjpwdw==")), Ok(None));
        assert_eq!(t("/api/x", None), Ok(None));
        assert_eq!(
            t("/api/x?token=", Some("Bearer td1.c.d")),
            Ok(Some("td1.c.d".into()))
        );
        // Two tokens in the query: not guessed at.
        assert_eq!(t("/api/x?token=a&token=b", None), Err(AuthError::Malformed));
        assert_eq!(
            t("/api/x?token=a&token=b", Some("Bearer td1.c.d")),
            Ok(Some("td1.c.d".into()))
        );
    }
}
