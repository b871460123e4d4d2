//! The relay serving the built app: routes get index.html, missing files a 404,
//! content-hashed files are immutable, everything else is revalidated.

use relay::Limits;
use thidua_tests::{TestRelay, http_get, temp_dir};

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
}
