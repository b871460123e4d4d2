#!/usr/bin/env bash
# Release build of the browser app into dist/ (static files, git-ignored).
#
#   cargo rustc (profile wasm-release, --cfg thidua_split, linked with
#   --emit-relocs) -> wasm-split-cli (the pages of app/src/ui/lazy_pages.rs
#   become modules of their own) -> wasm-bindgen --target web on the main
#   module -> wasm-opt -Oz on every module (binaryen 132 from npm) ->
#   content-hashed file names -> dist/
#
# dist/ then holds:
#   index.html                 from app/static/index.html, with the hashed names filled in
#   app-<hash>.js              wasm-bindgen JS glue
#   app-<hash>_bg.wasm         the optimized main wasm (what the first screen needs)
#   split-<hash>/              the modules loaded on demand: split_<module>.wasm,
#                              chunk_<n>.wasm (code the modules share)
#                              and __wasm_split.js, their loader
#   build.json                 {"version": "<version>", "files": [...]} for the service worker
#   sw.js                      the service worker, with the version and file list baked in
#   *.br, *.gz                 precompressed copies of the JS, wasm, CSS and JSON (not in build.json)
#   everything else in app/static/ (CSS, icons, manifest), copied as is
#
# <hash> is the first 16 hex digits of the SHA-256 of the JS glue and every
# wasm module and loader, so a new build never reuses an old file name and JS
# and wasm of two builds cannot be mixed.
# <version> (in build.json, sw.js and index.html's thidua-build meta) is the
# same over the JS, the wasm and every file of app/static/.
#
# THIDUA_APP_FEATURES (optional): cargo features of the app crate, e.g.
# `THIDUA_APP_FEATURES=debug-hooks scripts/build-app.sh` adds the development
# hooks (thiduaDebugForceSet, thiduaDebugBenchSynthetic: app/src/debug.rs) that
# tests/e2e/bench-dashboard.mjs needs. Without it (the production build) they
# do not exist.
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
command -v wasm-split-cli >/dev/null || die "wasm-split-cli is missing: run scripts/setup.sh"

FEATURES="${THIDUA_APP_FEATURES:-}"
FEATURE_ARGS=()
if [ -n "$FEATURES" ]; then FEATURE_ARGS=(--features "$FEATURES"); fi

start=$(date +%s)
say "cargo rustc -p app (profile $PROFILE${FEATURES:+, features $FEATURES}, split build)"
# Only the app crate gets these flags (its dependencies stay as built):
# `thidua_split` turns the pages of app/src/ui/lazy_pages.rs into split
# points, and the relocations let wasm-split-cli move code between modules.
cargo rustc -p app --lib --target wasm32-unknown-unknown --profile "$PROFILE" "${FEATURE_ARGS[@]}" \
  -- --cfg thidua_split -C link-arg=--emit-relocs
built=$(date +%s)
RAW_WASM="$CARGO_TARGET_DIR/wasm32-unknown-unknown/$PROFILE/app.wasm"
[ -f "$RAW_WASM" ] || die "cargo produced no $RAW_WASM"

STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
SPLIT="$STAGE/split"
mkdir -p "$SPLIT"
say "wasm-split-cli (pages loaded on demand)"
wasm-split-cli "$RAW_WASM" "$SPLIT" --target web --out-name app
[ -f "$SPLIT/app.wasm" ] && [ -f "$SPLIT/__wasm_split.js" ] || die "wasm-split-cli wrote no main module or loader"
ls "$SPLIT"/split_*.wasm >/dev/null 2>&1 || die "wasm-split-cli found no split point (was --cfg thidua_split set?)"
mv "$SPLIT/app.wasm" "$STAGE/main.wasm"

say "wasm-bindgen --target web (main module)"
# --keep-lld-exports: the split modules use the main module's table, memory
# and stack pointer, exported by the linker.
wasm-bindgen --target web --no-typescript --keep-lld-exports --out-dir "$STAGE" --out-name app "$STAGE/main.wasm"
BINDGEN_SIZE=$(stat -c %s "$STAGE/app_bg.wasm")

say "wasm-opt -Oz ($("$WASM_OPT" --version)), main module and $(ls "$SPLIT"/*.wasm | wc -l) split modules"
# The wasm-bindgen output uses these post-MVP features (Rust's default target
# features); wasm-opt must be told it may keep them.
OPT_FLAGS=(-Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-mutable-globals --enable-reference-types --enable-multivalue)
"$WASM_OPT" "${OPT_FLAGS[@]}" "$STAGE/app_bg.wasm" -o "$STAGE/app_bg.opt.wasm"
mv "$STAGE/app_bg.opt.wasm" "$STAGE/app_bg.wasm"
# The split modules, two at a time (this machine has 2 cores).
export WASM_OPT
ls "$SPLIT"/*.wasm | xargs -P 2 -I{} sh -c '"$WASM_OPT" "$@" "{}" -o "{}.opt" && mv "{}.opt" "{}"' _ "${OPT_FLAGS[@]}" \
  || die "wasm-opt failed on a split module"

HASH=$(cat "$STAGE/app.js" "$STAGE/app_bg.wasm" "$SPLIT/__wasm_split.js" $(ls "$SPLIT"/*.wasm | LC_ALL=C sort) | sha256sum | cut -c1-16)
JS="app-$HASH.js"
WASM="app-${HASH}_bg.wasm"
SPLIT_DIR="split-$HASH"
# The build version covers every shell file, not only JS and wasm: a change to
# index.html, the CSS or the service worker alone must also reach browsers as
# a new version (new sw.js bytes, new cache), or an old worker would keep
# serving the old shell, or two workers would share one cache.
VERSION=$(
  {
    cat "$STAGE/app.js" "$STAGE/app_bg.wasm" "$SPLIT/__wasm_split.js" $(ls "$SPLIT"/*.wasm | LC_ALL=C sort)
    (cd app/static && find . -type f | LC_ALL=C sort | while IFS= read -r f; do
      printf '%s\0' "$f"
      cat "$f"
    done)
  } | sha256sum | cut -c1-16
)

say "writing dist/ (files $HASH, version $VERSION)"
rm -rf dist
mkdir -p dist
# Copy the static assets (everything but the index.html template).
cp -R app/static/. dist/
rm dist/index.html
cp "$STAGE/app_bg.wasm" "dist/$WASM"
# The glue's default wasm URL (used only when init() gets no path) follows the
# rename, and its imports of the split loader point into split-<hash>/ (only
# the `import` lines: the keys of the wasm's import object stay as linked).
sed -e "s/'app_bg\.wasm'/'$WASM'/g" \
  -e "s|^\(import \* as [A-Za-z0-9_]* from \)\"\./__wasm_split\.js\"|\1\"./$SPLIT_DIR/__wasm_split.js\"|" \
  "$STAGE/app.js" >"dist/$JS"
grep -q "app_bg\.wasm" "dist/$JS" && die "the JS glue still names app_bg.wasm"
grep -qE "from ['\"]\./__wasm_split\.js['\"]" "dist/$JS" && die "the JS glue still imports ./__wasm_split.js (has wasm-bindgen changed its quoting?)"
# The split modules and their loader, which imports the glue (one module
# instance with the page's: the same URL) and fetches the modules beside it.
mkdir -p "dist/$SPLIT_DIR"
cp "$SPLIT"/*.wasm "dist/$SPLIT_DIR/"
sed "s|from \"\./app\.js\"|from \"../$JS\"|" "$SPLIT/__wasm_split.js" >"dist/$SPLIT_DIR/__wasm_split.js"
grep -q "from \"\.\./$JS\"" "dist/$SPLIT_DIR/__wasm_split.js" || die "the split loader does not import ../$JS"
sed -e "s/__APP_JS__/$JS/g" -e "s/__APP_WASM__/$WASM/g" -e "s/__BUILD_VERSION__/$VERSION/g" \
  -e "s|__SPLIT_JS__|$SPLIT_DIR/__wasm_split.js|g" \
  app/static/index.html >dist/index.html
grep -q "__APP_\|__SPLIT_JS__\|__BUILD_VERSION__" dist/index.html && die "dist/index.html has unreplaced placeholders"

# build.json: the service worker pre-caches exactly these files for this version
# (the worker script itself is not part of its own cache).
(
  cd dist
  find . -type f ! -name build.json ! -name sw.js | sed 's|^\./||' | LC_ALL=C sort |
    node -e '
      const files = require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean);
      process.stdout.write(JSON.stringify({ version: process.argv[1], files }, null, 2) + "\n");
    ' "$VERSION" >build.json
)

# sw.js: bake in the version and the file list, so every build changes the
# worker's bytes (the browser's update check compares them) and the worker
# pre-caches exactly this build.
[ -f dist/sw.js ] || die "app/static/sw.js is missing"
node -e '
  const fs = require("fs");
  const build = JSON.parse(fs.readFileSync("dist/build.json", "utf8"));
  let sw = fs.readFileSync("dist/sw.js", "utf8");
  const n = (s, t) => s.split(t).length - 1;
  if (n(sw, "\"__BUILD_VERSION__\"") !== 1 || n(sw, "[\"__BUILD_FILES__\"]") !== 1) {
    console.error("[build-app] error: sw.js must hold each placeholder exactly once");
    process.exit(1);
  }
  sw = sw
    .replace("\"__BUILD_VERSION__\"", () => JSON.stringify(build.version))
    .replace("[\"__BUILD_FILES__\"]", () => JSON.stringify(build.files));
  fs.writeFileSync("dist/sw.js", sw);
'
grep -q "__BUILD_" dist/sw.js && die "dist/sw.js has unreplaced placeholders"

# Precompressed copies of the big static files (brotli .br, gzip .gz) beside
# them: the relay serves the one the browser accepts, with Content-Encoding
# (tower-http ServeDir). Not index.html (the relay hashes its inline scripts
# for the CSP from the bytes it serves) and not listed in build.json (the
# service worker caches the files by their plain names; the browser decodes).
say "precompressing JS, wasm and CSS (brotli 11, gzip 9)"
(
  cd dist
  find . -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.json' -o -name '*.svg' \) | sed 's|^\./||' |
    node -e '
      const fs = require("fs"), zlib = require("zlib");
      const files = fs.readFileSync(0, "utf8").split("\n").filter(Boolean);
      for (const f of files) {
        const raw = fs.readFileSync(f);
        if (raw.length < 1024) continue;
        const br = zlib.brotliCompressSync(raw, { params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
          [zlib.constants.BROTLI_PARAM_LGWIN]: 24,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
        } });
        const gz = zlib.gzipSync(raw, { level: 9 });
        if (br.length < raw.length) fs.writeFileSync(f + ".br", br);
        if (gz.length < raw.length) fs.writeFileSync(f + ".gz", gz);
      }
    '
)

done_at=$(date +%s)
RAW_SIZE=$(stat -c %s "dist/$WASM")
GZ_SIZE=$(stat -c %s "dist/$WASM.gz")
BR_SIZE=$(stat -c %s "dist/$WASM.br")
JS_SIZE=$(stat -c %s "dist/$JS")
say "cargo $((built - start)) s, total $((done_at - start)) s"
if [ -n "$FEATURES" ]; then say "app features: $FEATURES (not a production build)"; fi
say "wasm after wasm-bindgen: $BINDGEN_SIZE bytes"
say "dist/$WASM: $RAW_SIZE bytes raw, $GZ_SIZE bytes gzip -9, $BR_SIZE bytes brotli 11 (served compressed)"
say "dist/$JS: $JS_SIZE bytes"
SPLIT_RAW=$(cat dist/"$SPLIT_DIR"/*.wasm | wc -c)
SPLIT_GZ=$({ cat dist/"$SPLIT_DIR"/*.wasm.gz 2>/dev/null || true; } | wc -c)
say "dist/$SPLIT_DIR: $(ls dist/"$SPLIT_DIR"/*.wasm | wc -l) modules loaded on demand, $SPLIT_RAW bytes raw, about $SPLIT_GZ bytes gzip -9 (small ones are served as they are)"
