#!/usr/bin/env bash
# Browser tests of the app crate (IndexedDB storage) in headless Chromium via
# wasm-bindgen-test. Runs scripts/setup.sh first (fast when all is present).
# Extra arguments go to `cargo test`, e.g. `scripts/test-wasm.sh -- two_tabs`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

"$ROOT/scripts/setup.sh"

# The runner is set in .cargo/config.toml; it drives Chromium through
# chromedriver, with the browser binary and flags from webdriver.json.
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/webdriver.json"
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}"
# (chromedriver starts Chromium with a fresh temporary profile each run.)

printf '[test-wasm] cargo test -p app --target wasm32-unknown-unknown\n'
cargo test -p app --target wasm32-unknown-unknown --tests "$@"
