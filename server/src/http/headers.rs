//! Security headers on every response the relay serves: the API, the app's
//! static files, the index.html fallback, errors and 404s
//! ([`security_headers`], the outermost layer of [`super::router`]).
//!
//! # The Content-Security-Policy, and why
//!
//! The app is `index.html` (from `app/static/`, filled in by
//! `scripts/build-app.sh`), which loads `style.css`, the manifest and the
//! icon, preloads the content-hashed JS glue and wasm, and has two inline
//! scripts (the module that starts the wasm, the service-worker registration)
//! and one inline `<style>` (the update banner). The wasm app then talks to
//! the relay it came from (`fetch /api/directory`, WebSocket `/sync`) and
//! registers `sw.js`. So:
//!
//! - `default-src 'self'`: files, icons, manifest, worker from the relay only.
//! - `script-src 'self' 'wasm-unsafe-eval' 'sha256-…'`: the glue from the
//!   relay; `'wasm-unsafe-eval'` lets it compile the wasm (it allows
//!   WebAssembly only, not `eval`); the inline scripts by the hash of their
//!   exact text. The hashes are computed from the HTML being served, for
//!   each response, because a new build deployed into a running relay's
//!   `--static-dir` changes the module script (it names the hashed files).
//!   No `'unsafe-inline'`: injected markup cannot run script.
//! - `style-src 'self' 'sha256-…'`: `style.css` and index.html's `<style>`
//!   by hash. The Leptos views use no `style=` attribute (they use classes;
//!   the SVG charts use presentation attributes), so `'unsafe-inline'` is not
//!   needed. A view that adds a `style="…"` attribute will see it ignored
//!   (and a CSP report in the console): use a class in style.css instead, or
//!   set the property through CSSOM (`style:prop=` in Leptos), which CSP
//!   allows.
//! - `connect-src 'self' ws: wss:`: fetch to the relay, and its WebSocket.
//!   `'self'` covers `ws:`/`wss:` of the page's own host only in CSP Level 3
//!   browsers (not e.g. older Safari), and the relay cannot name its own
//!   public host (a reverse proxy may rewrite `Host`), so the schemes are
//!   allowed as such.
//! - `object-src 'none'`, `base-uri 'self'`, `form-action 'self'`,
//!   `frame-ancestors 'none'` (with `X-Frame-Options: DENY` for old browsers):
//!   no plugins, no `<base>` hijack, forms stay here (the sign-in form is
//!   handled in the app and never submitted), no framing (click-jacking).
//!
//! Plus `X-Content-Type-Options: nosniff` (a JSON error or a CSV is never run
//! as script or HTML), `Referrer-Policy: no-referrer` (sign-in links carry
//! the token in the URL fragment, which browsers never send, but paths and
//! `?token=` must not leak either), `Cross-Origin-Opener-Policy: same-origin`.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};

/// Largest HTML page whose inline scripts are hashed (index.html is ~6 KiB).
const MAX_HASHED_HTML: u64 = 1024 * 1024;

/// The policy for `scripts` and `styles` (CSP source expressions such as
/// `'sha256-…'`, for the inline elements of the page served).
pub fn content_security_policy(scripts: &[String], styles: &[String]) -> String {
    let with = |base: &str, extra: &[String]| {
        let mut s = base.to_string();
        for e in extra {
            s.push(' ');
            s.push_str(e);
        }
        s
    };
    format!(
        "default-src 'self'; {}; {}; connect-src 'self' ws: wss:; img-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        with("script-src 'self' 'wasm-unsafe-eval'", scripts),
        with("style-src 'self'", styles),
    )
}

/// The headers other than CSP, set on every response.
const FIXED: [(header::HeaderName, &str); 4] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (
        header::HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    ),
];

/// Middleware: the security headers on every response; for an HTML page,
/// the CSP allows its inline scripts and styles by hash. Not on a WebSocket
/// upgrade (`101`): no document is shown from it, and they were 353 of the
/// 1,460 bytes a device that changed nothing exchanged on a reconnect.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if res.status() == StatusCode::SWITCHING_PROTOCOLS {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let (body, csp) = if parts.status == StatusCode::NOT_MODIFIED {
        // No body: the browser keeps the page and the policy it stored with
        // it (a policy without the page's hashes would replace it).
        (body, None)
    } else if is_whole_html(&parts.status, &parts.headers) {
        match axum::body::to_bytes(body, MAX_HASHED_HTML as usize).await {
            Ok(bytes) => {
                let (scripts, styles) = inline_hashes(&String::from_utf8_lossy(&bytes));
                (
                    Body::from(bytes),
                    Some(content_security_policy(&scripts, &styles)),
                )
            }
            Err(e) => {
                tracing::error!("could not read an HTML response to hash its scripts: {e}");
                let mut res = Response::new(Body::from("could not read the page"));
                *res.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                let (p, b) = res.into_parts();
                parts = p;
                (b, Some(content_security_policy(&[], &[])))
            }
        }
    } else {
        (body, Some(content_security_policy(&[], &[])))
    };
    let h = &mut parts.headers;
    if let Some(csp) = csp
        && let Ok(v) = HeaderValue::from_str(&csp)
    {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    for (name, value) in FIXED {
        h.insert(name, HeaderValue::from_static(value));
    }
    Response::from_parts(parts, body)
}

/// A complete, uncompressed HTML body of known, modest length.
fn is_whole_html(status: &StatusCode, headers: &HeaderMap) -> bool {
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("text/html"));
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    *status == StatusCode::OK
        && html
        && !headers.contains_key(header::CONTENT_ENCODING)
        && length.is_some_and(|n| n <= MAX_HASHED_HTML)
}

/// CSP hash sources (`'sha256-<base64>'`) of the inline `<script>` elements
/// (those without `src`) and the `<style>` elements of `html`, in order.
/// Comments are skipped. Like the HTML parser, line breaks are normalized to
/// `\n` before hashing.
pub fn inline_hashes(html: &str) -> (Vec<String>, Vec<String>) {
    let lower = html.to_ascii_lowercase(); // same byte offsets as `html`
    let (mut scripts, mut styles) = (Vec::new(), Vec::new());
    let mut i = 0;
    while let Some(off) = lower[i..].find('<') {
        i += off;
        let rest = &lower[i..];
        if rest.starts_with("<!--") {
            i = lower[i + 4..]
                .find("-->")
                .map_or(lower.len(), |e| i + 4 + e + 3);
            continue;
        }
        let tag = ["script", "style"].into_iter().find(|t| {
            rest[1..].starts_with(t)
                && rest[1 + t.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_whitespace() || c == '>' || c == '/')
        });
        let Some(tag) = tag else {
            i += 1;
            continue;
        };
        let attrs_start = i + 1 + tag.len();
        let Some(tag_end) = end_of_tag(&lower, attrs_start) else {
            break;
        };
        let content_start = tag_end + 1;
        let close = format!("</{tag}");
        let content_end = lower[content_start..]
            .find(&close)
            .map_or(lower.len(), |e| content_start + e);
        let content = &html[content_start..content_end];
        let hash = csp_hash(content);
        if tag == "style" {
            styles.push(hash);
        } else if !attribute_names(&lower[attrs_start..tag_end]).contains(&"src") {
            scripts.push(hash);
        }
        i = content_end;
    }
    (scripts, styles)
}

/// The index of the `>` closing the start tag whose attributes begin at `from`.
fn end_of_tag(lower: &str, from: usize) -> Option<usize> {
    let mut quote = None;
    for (k, c) in lower[from..].char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(from + k),
            _ => {}
        }
    }
    None
}

/// The attribute names of a start tag's attribute text.
fn attribute_names(attrs: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = attrs;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if rest.is_empty() {
            return names;
        }
        let end = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        names.push(&rest[..end]);
        rest = rest[end..].trim_start();
        if let Some(value) = rest.strip_prefix('=') {
            let value = value.trim_start();
            rest = match value.chars().next() {
                Some(q @ ('"' | '\'')) => value[1..].find(q).map_or("", |e| &value[1 + e + 1..]),
                _ => value
                    .find(|c: char| c.is_ascii_whitespace())
                    .map_or("", |e| &value[e..]),
            };
        }
    }
}

/// `'sha256-<base64>'` of an inline element's text, line breaks normalized.
fn csp_hash(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    format!("'sha256-{}'", base64(&Sha256::digest(text.as_bytes())))
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ABC[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        // The CSP spec's example: sha256 of `alert('Hello, world.');`.
        assert_eq!(
            csp_hash("alert('Hello, world.');"),
            "'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='"
        );
    }

    #[test]
    fn inline_scripts_and_styles_are_hashed_external_ones_not() {
        let html = "<!doctype html><html><head>\
            <!-- <script>not this</script> -->\
            <link rel=\"modulepreload\" href=\"app.js\">\
            <style>\r\n  b { color: red }\r\n</style>\
            <script type=\"module\">import init from \"./app.js\"; init();</script>\
            <script src=\"x.js\"></script>\
            <SCRIPT data-src=\"a>b\">go()</SCRIPT>\
            </head><body><scripts></scripts></body></html>";
        let (scripts, styles) = inline_hashes(html);
        assert_eq!(
            scripts,
            vec![
                csp_hash("import init from \"./app.js\"; init();"),
                csp_hash("go()")
            ]
        );
        assert_eq!(styles, vec![csp_hash("\n  b { color: red }\n")]);
    }

    #[test]
    fn the_policy_names_every_directive() {
        let csp = content_security_policy(&["'sha256-A'".into()], &["'sha256-B'".into()]);
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-A';"),
            "{csp}"
        );
        assert!(csp.contains("style-src 'self' 'sha256-B';"), "{csp}");
        for d in [
            "default-src 'self'",
            "connect-src 'self' ws: wss:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(d), "{d} in {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{csp}");
    }

    /// The app's real index.html: every inline script and style is found.
    #[test]
    fn every_inline_script_of_the_app_index_is_hashed() {
        let html = include_str!("../../../app/static/index.html");
        let (scripts, styles) = inline_hashes(html);
        let external = html.matches("<script src").count();
        assert_eq!(scripts.len(), html.matches("</script>").count() - external);
        assert_eq!(styles.len(), html.matches("</style>").count());
        assert!(!scripts.is_empty());
    }
}
