#!/usr/bin/env bash
# Release build of the browser app into dist/ (static files, git-ignored).
#
#   cargo (profile wasm-release) -> wasm-bindgen --target web -> wasm-opt -Oz
#   (binaryen 132 from npm) -> content-hashed file names -> dist/
#
# dist/ then holds:
#   index.html                 from app/static/index.html, with the hashed names filled in
#   app-<hash>.js              wasm-bindgen JS glue
#   app-<hash>_bg.wasm         the optimized wasm
#   build.json                 {"version": "<hash>", "files": [...]} for the service worker
#   everything else in app/static/ (CSS, icons, manifest, service worker), copied as is
#
# <hash> is the first 16 hex digits of the SHA-256 of the JS glue and the wasm,
# so a new build never reuses an old file name and JS and wasm cannot be mixed.
# Run scripts/setup.sh once first.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

say() { printf '[build-app] %s\n' "$*"; }
die() { printf '[build-app] error: %s\n' "$*" >&2; exit 1; }

PROFILE=wasm-release
WASM_OPT="$ROOT/node_modules/.bin/wasm-opt"
[ -x "$WASM_OPT" ] || die "$WASM_OPT is missing: run scripts/setup.sh"
command -v wasm-bindgen >/dev/null || die "wasm-bindgen is missing: run scripts/setup.sh"

start=$(date +%s)
say "cargo build -p app (profile $PROFILE)"
cargo build -p app --target wasm32-unknown-unknown --profile "$PROFILE"
built=$(date +%s)
RAW_WASM="$CARGO_TARGET_DIR/wasm32-unknown-unknown/$PROFILE/app.wasm"
[ -f "$RAW_WASM" ] || die "cargo produced no $RAW_WASM"

STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
say "wasm-bindgen --target web"
wasm-bindgen --target web --no-typescript --out-dir "$STAGE" --out-name app "$RAW_WASM"
BINDGEN_SIZE=$(stat -c %s "$STAGE/app_bg.wasm")

say "wasm-opt -Oz ($("$WASM_OPT" --version))"
# The wasm-bindgen output uses these post-MVP features (Rust's default target
# features); wasm-opt must be told it may keep them.
"$WASM_OPT" -Oz \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$STAGE/app_bg.wasm" -o "$STAGE/app_bg.opt.wasm"
mv "$STAGE/app_bg.opt.wasm" "$STAGE/app_bg.wasm"

HASH=$(cat "$STAGE/app.js" "$STAGE/app_bg.wasm" | sha256sum | cut -c1-16)
JS="app-$HASH.js"
WASM="app-${HASH}_bg.wasm"

say "writing dist/ (version $HASH)"
rm -rf dist
mkdir -p dist
# Copy the static assets (everything but the index.html template).
cp -R app/static/. dist/
rm dist/index.html
cp "$STAGE/app_bg.wasm" "dist/$WASM"
# The glue's default wasm URL (used only when init() gets no path) follows the rename.
sed "s/'app_bg\.wasm'/'$WASM'/g" "$STAGE/app.js" >"dist/$JS"
grep -q "app_bg\.wasm" "dist/$JS" && die "the JS glue still names app_bg.wasm"
sed -e "s/__APP_JS__/$JS/g" -e "s/__APP_WASM__/$WASM/g" -e "s/__BUILD_VERSION__/$HASH/g" \
  app/static/index.html >dist/index.html
grep -q "__APP_\|__BUILD_VERSION__" dist/index.html && die "dist/index.html has unreplaced placeholders"

# build.json: the service worker pre-caches exactly these files for this version.
(
  cd dist
  find . -type f ! -name build.json | sed 's|^\./||' | LC_ALL=C sort |
    node -e '
      const files = require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean);
      process.stdout.write(JSON.stringify({ version: process.argv[1], files }, null, 2) + "\n");
    ' "$HASH" >build.json
)

done_at=$(date +%s)
RAW_SIZE=$(stat -c %s "dist/$WASM")
GZ_SIZE=$(gzip -9c "dist/$WASM" | wc -c)
JS_SIZE=$(stat -c %s "dist/$JS")
say "cargo $((built - start)) s, total $((done_at - start)) s"
say "wasm after wasm-bindgen: $BINDGEN_SIZE bytes"
say "dist/$WASM: $RAW_SIZE bytes raw, $GZ_SIZE bytes gzip -9"
say "dist/$JS: $JS_SIZE bytes"
