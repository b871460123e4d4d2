//! The relay serving the built app: routes get index.html, missing files a 404,
//! content-hashed files are immutable, everything else is revalidated; every
//! response carries the security headers, and the page's CSP allows exactly
//! its own inline scripts.

use relay::Limits;
use thidua_tests::{TestRelay, http_get, http_get_bytes, temp_dir};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_files_routes_and_cache_headers() {
    let site = temp_dir("site");
    std::fs::write(site.join("index.html"), "<html>Thi Đua</html>").unwrap();
    std::fs::write(site.join("app-0123456789abcdef.js"), "export {}").unwrap();
    std::fs::write(
        site.join("app-0123456789abcdef_bg.wasm"),
        [0u8, 97, 115, 109],
    )
    .unwrap();
    std::fs::write(site.join("sw.js"), "// worker").unwrap();
    // Page modules loaded on demand live in a directory named by the same hash.
    let split = site.join("split-0123456789abcdef");
    std::fs::create_dir_all(&split).unwrap();
    std::fs::write(split.join("split_office.wasm"), [0u8, 97, 115, 109]).unwrap();
    let relay = TestRelay::start_serving("static", Limits::default(), Some(site)).await;
    let addr = relay.running.addr;

    let (status, headers, body) = http_get(addr, "/", None).await;
    assert!(status.contains("200"), "{status}");
    assert!(body.contains("Thi Đua"));
    assert!(headers.contains("cache-control: no-cache"), "{headers}");
    assert!(!headers.contains("last-modified"), "{headers}");

    // An app route (no extension) is the app.
    let (status, _, body) = http_get(addr, "/dang-nhap", None).await;
    assert!(
        status.contains("200") && body.contains("Thi Đua"),
        "{status}"
    );

    // A missing file is a 404, never index.html.
    let (status, _, body) = http_get(addr, "/app-ffffffffffffffff.js", None).await;
    assert!(status.contains("404"), "{status}");
    assert!(!body.contains("<html>"));

    let (status, headers, _) = http_get(addr, "/app-0123456789abcdef.js", None).await;
    assert!(status.contains("200"));
    assert!(headers.contains("immutable"), "{headers}");
    assert!(headers.contains("javascript"), "{headers}");
    let (_, headers, _) = http_get(addr, "/app-0123456789abcdef_bg.wasm", None).await;
    assert!(
        headers.contains("content-type: application/wasm"),
        "{headers}"
    );
    let (_, headers, _) = http_get(addr, "/sw.js", None).await;
    assert!(headers.contains("cache-control: no-cache"), "{headers}");
    // A page module is fetched once (by the page or by the worker), not twice.
    let (status, headers, _) =
        http_get(addr, "/split-0123456789abcdef/split_office.wasm", None).await;
    assert!(status.contains("200"), "{status}");
    assert!(headers.contains("immutable"), "{headers}");
    assert!(headers.contains("application/wasm"), "{headers}");
}

/// `name: value` of a lower-cased header block, if present.
fn header<'a>(headers: &'a str, name: &str) -> Option<&'a str> {
    headers
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .map(str::trim)
}

/// The headers every response carries, whatever served it.
fn assert_security_headers(what: &str, headers: &str) {
    let csp = header(headers, "content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no content-security-policy in {headers}"));
    for directive in [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "connect-src 'self' ws: wss:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{what}: {directive} in {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "deny"),
        ("cross-origin-opener-policy", "same-origin"),
    ] {
        assert_eq!(
            header(headers, name),
            Some(value),
            "{what}: {name} in {headers}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_headers_on_everything_served() {
    let site = temp_dir("site-headers");
    let index = "<!doctype html><html><head>\r\n\
        <style>#b { color: red }</style>\r\n\
        <script type=\"module\">import init from \"./app-0123456789abcdef.js\";\r\ninit();</script>\r\n\
        <script src=\"other.js\"></script>\r\n\
        </head><body><script>register()</script></body></html>";
    std::fs::write(site.join("index.html"), index).unwrap();
    std::fs::write(site.join("app-0123456789abcdef.js"), "export default 1").unwrap();
    std::fs::write(site.join("style.css"), "body {}").unwrap();
    let relay = TestRelay::start_serving("static-headers", Limits::default(), Some(site)).await;
    let addr = relay.running.addr;
    let token = relay.token("LSN");

    // The page, at / and at an app route: its inline scripts and style by hash
    // (sha256 of the exact text, line breaks as the browser's parser sees
    // them), the external one not.
    for path in ["/", "/index.html", "/tong-hop"] {
        let (status, headers, _) = http_get(addr, path, None).await;
        assert!(status.contains("200"), "{path}: {status}");
        assert_security_headers(path, &headers);
        let csp = header(&headers, "content-security-policy").unwrap();
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
            "{path}: {csp}"
        );
        assert_eq!(csp.matches("'sha256-").count(), 3, "{path}: {csp}");
    }
    // sha256 of `import init from "./app-0123456789abcdef.js";\ninit();`, of
    // `register()` and of `#b { color: red }`, computed independently:
    // printf '…' | openssl sha256 -binary | base64
    let (_, headers, _) = http_get(addr, "/", None).await;
    let csp = header(&headers, "content-security-policy").unwrap();
    for hash in [
        "'sha256-M4vN7vwGrEZrNN98ieYvuyevHzioWjC8SBYDhl4usOo='",
        "'sha256-DRq5oY5RL/iABTJ0KXfclQfNm2lTo79duP1TVz878FE='",
        "'sha256-UyGh9yNyVSBYcgSFiYHYuJNgrmo1yfErauT3O2OFicw='",
    ] {
        // (http_get lower-cases the header block.)
        assert!(csp.contains(&hash.to_lowercase()), "{hash} in {csp}");
    }

    // Static files, a missing file, an unknown API path.
    for (path, code) in [
        ("/app-0123456789abcdef.js", "200"),
        ("/style.css", "200"),
        ("/app-ffffffffffffffff.js", "404"),
        ("/api/nope", "404"),
    ] {
        let (status, headers, body) = http_get(addr, path, None).await;
        assert!(status.contains(code), "{path}: {status}");
        assert_security_headers(path, &headers);
        assert!(!body.contains("<html"), "{path}: {body}");
    }
    let (_, _, body) = http_get(addr, "/api/nope", None).await;
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["error"], "not-found");

    // The API, answered or refused, is never cached.
    let (status, headers, _) = http_get(addr, "/api/directory", Some(&token)).await;
    assert!(status.contains("200"), "{status}");
    assert_security_headers("/api/directory", &headers);
    assert_eq!(header(&headers, "cache-control"), Some("no-store"));
    let (status, headers, body) = http_get(addr, "/api/directory", None).await;
    assert!(status.contains("401"), "{status}");
    assert_security_headers("/api/directory without a token", &headers);
    assert_eq!(header(&headers, "cache-control"), Some("no-store"));
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["error"], "token-missing");
    assert!(json["messageVi"].as_str().unwrap().contains("mã thiết bị"));
    let (_, headers, _) = http_get(addr, "/healthz", None).await;
    assert_security_headers("/healthz", &headers);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_headers_without_the_app() {
    let relay = TestRelay::start("no-site-headers").await;
    let (status, headers, body) = http_get(relay.running.addr, "/nothing-here", None).await;
    assert!(status.contains("404"), "{status}");
    assert_security_headers("a 404", &headers);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["error"], "not-found");
    assert!(json["messageVi"].is_string(), "{json}");
}

/// `GET path` with an `Accept-Encoding`, if any.
async fn get_encoded(
    addr: std::net::SocketAddr,
    path: &str,
    accept: Option<&str>,
) -> (String, String, Vec<u8>) {
    let headers: Vec<String> = accept
        .map(|a| format!("Accept-Encoding: {a}"))
        .into_iter()
        .collect();
    http_get_bytes(addr, path, &headers).await
}

/// The wasm travels compressed (brotli or gzip, whichever the browser
/// accepts, from the copies `scripts/build-app.sh` writes), decodes to the
/// same bytes, keeps its type and cache headers; a client that accepts
/// neither gets the plain file. (The browser tests load the real build this
/// way.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn big_files_are_served_precompressed() {
    use std::io::{Read, Write};
    let site = temp_dir("site-compressed");
    std::fs::write(site.join("index.html"), "<html>Thi Đua</html>").unwrap();
    let wasm: Vec<u8> = b"\0asm"
        .iter()
        .copied()
        .chain((0..20_000u32).map(|i| (i % 7) as u8))
        .collect();
    let name = "app-0123456789abcdef_bg.wasm";
    std::fs::write(site.join(name), &wasm).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&wasm).unwrap();
    let gz = gz.finish().unwrap();
    std::fs::write(site.join(format!("{name}.gz")), &gz).unwrap();
    // The relay picks the file by the name; the bytes of the .br copy are
    // what it must send as they are.
    let br = b"brotli-bytes-as-written".to_vec();
    std::fs::write(site.join(format!("{name}.br")), &br).unwrap();
    let relay = TestRelay::start_serving("static-compressed", Limits::default(), Some(site)).await;
    let addr = relay.running.addr;
    let path = format!("/{name}");

    let (status, headers, body) = get_encoded(addr, &path, Some("gzip, deflate, br")).await;
    assert!(status.contains("200"), "{status}");
    assert_eq!(
        header(&headers, "content-encoding"),
        Some("br"),
        "{headers}"
    );
    assert_eq!(body, br);
    assert_eq!(header(&headers, "content-type"), Some("application/wasm"));
    assert!(headers.contains("immutable"), "{headers}");
    assert!(header(&headers, "vary").is_some_and(|v| v.contains("accept-encoding")));

    let (_, headers, body) = get_encoded(addr, &path, Some("gzip")).await;
    assert_eq!(
        header(&headers, "content-encoding"),
        Some("gzip"),
        "{headers}"
    );
    assert!(body.len() < wasm.len() / 4, "{} bytes", body.len());
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_end(&mut decoded)
        .unwrap();
    assert_eq!(decoded, wasm);
    assert_security_headers("gzip wasm", &headers);

    let (_, headers, body) = get_encoded(addr, &path, None).await;
    assert_eq!(header(&headers, "content-encoding"), None, "{headers}");
    assert_eq!(body, wasm);
}

/// A WebSocket upgrade carries no document: the page security headers stay
/// off it (every reconnect of every device pays for them in bytes), and the
/// pages keep theirs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_websocket_upgrade_is_answered_without_page_headers() {
    let relay = TestRelay::start("upgrade-headers").await;
    let url = format!("{}?token={}", relay.ws_url(), relay.token("LSN"));
    let (_socket, response) = tokio_tungstenite::connect_async(url)
        .await
        .expect("the upgrade succeeds");
    assert_eq!(response.status().as_u16(), 101);
    for name in [
        "content-security-policy",
        "x-frame-options",
        "cross-origin-opener-policy",
    ] {
        assert!(
            response.headers().get(name).is_none(),
            "{name} on the 101: {:?}",
            response.headers()
        );
    }
    let (_, headers, _) = http_get(relay.running.addr, "/healthz", None).await;
    assert_security_headers("/healthz", &headers);
}
