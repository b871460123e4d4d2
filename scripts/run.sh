#!/usr/bin/env bash
# Build and start Thi Đua: the relay with its embedded storage in ./data, the
# app served at /, and a demo cluster. Prints the URL and one sign-in link per
# office. Installs what is missing first (scripts/setup.sh).
#   THIDUA_LISTEN=0.0.0.0:8080 ./scripts/run.sh   to serve a local network
#   THIDUA_DATA=./somewhere ./scripts/run.sh      to keep data elsewhere
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

"$ROOT/scripts/setup.sh"
"$ROOT/scripts/build-app.sh"
printf '[run] building the relay (release)\n'
cargo build --release -p thidua-relay
exec "$CARGO_TARGET_DIR/release/thidua-relay" serve --demo \
  --listen "${THIDUA_LISTEN:-127.0.0.1:8080}" \
  --data-dir "${THIDUA_DATA:-$ROOT/data}" \
  --static-dir "$ROOT/dist"
