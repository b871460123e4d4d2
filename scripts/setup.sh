#!/usr/bin/env bash
# Install what building and testing the Thi Đua app needs. Idempotent: each step
# checks first, so a second run takes a second or two.
#
#   - rustup target wasm32-unknown-unknown
#   - wasm-bindgen-cli (wasm-bindgen + wasm-bindgen-test-runner) at exactly the
#     version of the wasm-bindgen crate in Cargo.lock
#   - wasm-split-cli (wasm_split_cli_support, pinned) for the pages loaded on demand
#   - Debian chromium + chromium-driver (headless browser tests)
#   - npm tools from package.json (binaryen@132 for wasm-opt, playwright-core,
#     automerge-repo for interop tests)
#
# Only package registries are used (crates.io, Debian, npm): nothing is
# downloaded from anywhere else. Debian's own `binaryen` package is never used:
# its wasm-opt (108) produces a wasm that fails in Chromium.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi

command -v cargo >/dev/null || die "cargo is missing: install Rust with rustup first"

# 1. The wasm target.
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "rust target wasm32-unknown-unknown: present"
else
  say "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# 2. wasm-bindgen-cli at the exact version of the crate in Cargo.lock.
WB_VERSION="$(awk '
  /^\[\[package\]\]/ { name = "" }
  /^name = "wasm-bindgen"$/ { name = "wasm-bindgen" }
  name == "wasm-bindgen" && /^version = / { gsub(/"/, "", $3); print $3; exit }
' Cargo.lock)"
[ -n "$WB_VERSION" ] || die "no wasm-bindgen crate in Cargo.lock (run: cargo generate-lockfile)"
have_wb() {
  command -v wasm-bindgen >/dev/null &&
    command -v wasm-bindgen-test-runner >/dev/null &&
    [ "$(wasm-bindgen --version | awk '{print $2}')" = "$WB_VERSION" ] &&
    [ "$(wasm-bindgen-test-runner --version | awk '{print $2}')" = "$WB_VERSION" ]
}
export PATH="$HOME/.cargo/bin:$PATH"
if have_wb; then
  say "wasm-bindgen-cli $WB_VERSION: present"
else
  # Without --locked on purpose: with --locked the install fails when the
  # registry mirror lags one of the CLI's pinned dependencies.
  say "installing wasm-bindgen-cli $WB_VERSION (takes a few minutes)"
  cargo install wasm-bindgen-cli --version "$WB_VERSION" --force
  have_wb || die "wasm-bindgen-cli $WB_VERSION did not install"
fi

# 2b. wasm-split-cli (crates.io wasm_split_cli_support): splits the release
# wasm into the main module and the pages loaded on demand
# (scripts/build-app.sh). Pinned: its output must match the loader of the
# wasm_split_helpers crate Leptos brings in (Cargo.lock).
WS_VERSION=0.2.4
if cargo install --list | grep -qx "wasm_split_cli_support v$WS_VERSION:" && command -v wasm-split-cli >/dev/null; then
  say "wasm-split-cli $WS_VERSION: present"
else
  say "installing wasm-split-cli $WS_VERSION (about a minute)"
  cargo install --locked wasm_split_cli_support --version "$WS_VERSION" --features build-binary --force
  command -v wasm-split-cli >/dev/null || die "wasm-split-cli $WS_VERSION did not install"
fi

# 3. Chromium and its webdriver from Debian.
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  say "chromium + chromedriver: present"
else
  say "installing chromium and chromium-driver (apt-get)"
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# 3b. PostgreSQL from Debian (the tests start throwaway servers of their own;
# the package's own cluster is not needed and is not started here).
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  say "postgresql: present"
else
  say "installing postgresql (apt-get)"
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq postgresql >/dev/null
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || die "postgresql did not install (no /usr/lib/postgresql/*/bin/initdb)"
fi

# 4. npm tools.
command -v npm >/dev/null || {
  say "installing nodejs and npm (apt-get)"
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq nodejs npm >/dev/null
}
# A stamp of package.json + package-lock.json marks a finished install.
npm_stamp() { cat package.json package-lock.json 2>/dev/null | sha256sum | cut -c1-64; }
npm_ok() {
  [ -x node_modules/.bin/wasm-opt ] &&
    [ "$(cat node_modules/.thidua-npm-stamp 2>/dev/null)" = "$(npm_stamp)" ] &&
    node_modules/.bin/wasm-opt --version | grep -q 'version 132'
}
if npm_ok; then
  say "npm packages: present ($(node_modules/.bin/wasm-opt --version))"
else
  if [ -f package-lock.json ]; then
    say "installing npm packages (npm ci)"
    NPM_LOG="$(mktemp)"
    if ! npm ci --no-audit --no-fund --loglevel=error >"$NPM_LOG" 2>&1; then
      # The registry mirror lacks cbor-x's optional native prebuilds
      # (@cbor-extract/*: 404), so the lock file cannot list them and `npm ci`
      # calls it out of sync. `npm install` follows the same lock file, skips
      # the missing optional packages (cbor-x then uses its pure-JS path) and
      # leaves package-lock.json unchanged.
      if grep -q 'EUSAGE' "$NPM_LOG"; then
        say "npm ci refused the lock file (optional packages missing from the registry); using npm install"
        npm install --no-audit --no-fund --loglevel=error
      else
        cat "$NPM_LOG" >&2
        rm -f "$NPM_LOG"
        die "npm ci failed"
      fi
    fi
    rm -f "$NPM_LOG"
  else
    say "installing npm packages (npm install)"
    npm install --no-audit --no-fund --loglevel=error
  fi
  npm_stamp >node_modules/.thidua-npm-stamp
fi
npm_ok || die "node_modules/.bin/wasm-opt (binaryen 132) is missing after npm install"

say "ok"
