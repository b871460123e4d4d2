#!/usr/bin/env bash
# Every test of Thi Đua, from a fresh machine: installs what is missing
# (scripts/setup.sh), then
#   1. formatting and lints (rustfmt, clippy -D warnings, native and wasm32),
#   2. Rust tests: shared core/schema/rules, relay, cross-crate tests against a
#      real relay (convergence, SIGKILL recovery, rights, bad input, npm interop,
#      relays on a throwaway PostgreSQL),
#   3. browser tests in headless Chromium: wasm-bindgen-test (IndexedDB) and
#      Playwright against a real relay serving the release build of the app.
# Artifacts (screenshots) go to ./artifacts.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
step() { printf '\n[test] == %s\n' "$*"; }

step "setup"
"$ROOT/scripts/setup.sh"

step "format and lints"
cargo fmt --all -- --check
cargo clippy -p thidua-shared -p thidua-relay -p thidua-tests --all-targets -- -D warnings
cargo clippy -p app --target wasm32-unknown-unknown --all-targets -- -D warnings

step "Rust tests (shared, relay, cross-crate against a real relay)"
# The crash test runs the relay binary as a child process: build it first.
cargo build -p thidua-relay
cargo test -p thidua-shared -p thidua-relay -p thidua-tests

step "the same convergence and rights tests, the relay's documents in PostgreSQL"
# Each relay of these tests gets a throwaway PostgreSQL server of its own
# (tests/src/postgres.rs); tests/tests/postgres.rs above covered several
# relays on one database, SIGKILL, tokens and migrate-store.
THIDUA_TEST_STORE=postgres cargo test -p thidua-tests --test convergence --test rights

step "browser: wasm-bindgen-test in headless Chromium"
"$ROOT/scripts/test-wasm.sh"

if [ -d "$ROOT/tests/e2e" ]; then
  step "browser: Playwright against a real relay and the release app"
  "$ROOT/scripts/build-app.sh"
  node "$ROOT/tests/e2e/run.mjs"
fi

printf '\n[test] all tests passed\n'
