// Helpers for the Playwright tests: a real relay serving the built app, a
// headless Chromium, artifacts, and cleanup of every process and temp dir we
// start, even when a test fails or the run is interrupted.

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import zlib from "node:zlib";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { cleanupSync, removeTempDir, tempDir as makeTempDir, track, untrack } from "./cleanup.mjs";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const DIST = process.env.THIDUA_DIST ? path.resolve(process.env.THIDUA_DIST) : path.join(ROOT, "dist");
export const ARTIFACTS = path.join(ROOT, "artifacts");
const TARGET = process.env.CARGO_TARGET_DIR
  ? path.resolve(ROOT, process.env.CARGO_TARGET_DIR)
  : path.join(ROOT, "target");
export const RELAY_BIN = process.env.THIDUA_RELAY_BIN || path.join(TARGET, "debug", "thidua-relay");
export const CHROMIUM = process.env.THIDUA_CHROMIUM || "/usr/bin/chromium";
// The flags that work on this machine (root, closed network): see
// /work/shared/toolchain.md. Playwright adds --headless and a fresh profile.
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

// ---------------------------------------------------------------- cleanup

const browsers = new Set();

/** Close every browser and stop every relay still running (async, graceful first). */
export async function cleanupAll() {
  await Promise.allSettled([...browsers].map((b) => b.close()));
  browsers.clear();
  cleanupSync();
}

/** A fresh temp dir, deleted when the run ends. */
export function tempDir(prefix = "thidua-e2e-") {
  return makeTempDir(prefix);
}

export { removeTempDir };

// ---------------------------------------------------------------- artifacts

/** Path of an artifact file under artifacts/ (the directory is created). */
export function artifact(name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const safe = String(name).replace(/[^\p{L}\p{N}._-]+/gu, "-");
  return path.join(ARTIFACTS, safe);
}

// ---------------------------------------------------------------- relay

/** A TCP port free right now on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

let relayCount = 0;

/**
 * Start `thidua-relay serve` on a free port with a fresh data dir, serving
 * `staticDir` (default dist/). Resolves once it printed its `Open ` line.
 *
 * Returns {url, port, tokens: {LSN: "td1…", …}, links: {LSN: url}, signInUrl(office),
 * dataDir, staticDir, logFile, stop(), kill9(), restart(), running()}.
 */
export async function startRelay({
  demo = true,
  staticDir = DIST,
  dataDir = null,
  args = [],
  timeoutMs = 30_000,
} = {}) {
  if (!fs.existsSync(RELAY_BIN)) {
    throw new Error(`${RELAY_BIN} is missing: run cargo build -p thidua-relay`);
  }
  if (staticDir && !fs.existsSync(path.join(staticDir, "index.html"))) {
    throw new Error(`${staticDir}/index.html is missing: run scripts/build-app.sh`);
  }
  const relay = {
    url: null,
    port: null,
    tokens: {},
    links: {},
    dataDir: dataDir || tempDir("thidua-e2e-data-"),
    staticDir,
    logFile: artifact(`relay-${process.pid}-${++relayCount}.log`),
    child: null,
    signInUrl(office) {
      const link = this.links[office];
      if (!link) throw new Error(`no sign-in link for office ${office}`);
      return link;
    },
    running() {
      return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
    },
    async stop(signal = "SIGTERM", graceMs = 10_000) {
      const child = this.child;
      if (!child) return;
      this.child = null;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill(signal);
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
      }
      untrack(child);
    },
    kill9() {
      return this.stop("SIGKILL");
    },
    /**
     * Stop (gracefully) and start again on the same port and data dir. The
     * demo relay prints fresh sign-in tokens on every start: `tokens` and
     * `links` are updated (earlier tokens stay valid).
     */
    async restart() {
      await this.stop();
      await launch(this.port);
      return this;
    },
  };

  const serveArgs = () => [
    "serve",
    ...(demo ? ["--demo"] : []),
    "--listen",
    `127.0.0.1:${relay.port}`,
    "--data-dir",
    relay.dataDir,
    ...(staticDir ? ["--static-dir", staticDir] : []),
    ...args,
  ];

  async function launch(port) {
    relay.port = port;
    const log = fs.createWriteStream(relay.logFile, { flags: "a" });
    log.write(`$ ${RELAY_BIN} ${serveArgs().join(" ")}\n`);
    const child = spawn(RELAY_BIN, serveArgs(), {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, RUST_LOG: process.env.RUST_LOG || "info,tower_http=warn" },
    });
    track(child);
    relay.child = child;
    const tail = [];
    const keep = (line) => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
    };
    child.stderr.on("data", (buf) => {
      log.write(buf);
      for (const line of buf.toString("utf8").split("\n")) if (line) keep(line);
    });
    child.on("close", () => log.end());
    await new Promise((resolve, reject) => {
      let pending = "";
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`relay did not start within ${timeoutMs} ms:\n${tail.join("\n")}`));
      }, timeoutMs);
      const onExit = (code, signal) => {
        clearTimeout(timer);
        const err = new Error(`relay exited (${signal || code}) before it was ready:\n${tail.join("\n")}`);
        err.addressInUse = tail.some((l) => /address already in use/i.test(l));
        reject(err);
      };
      child.once("exit", onExit);
      child.stdout.on("data", (buf) => {
        log.write(buf);
        pending += buf.toString("utf8");
        let nl;
        while ((nl = pending.indexOf("\n")) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          keep(line);
          // "  LSN  Lạng Sơn     http://127.0.0.1:8080/#/dang-nhap?token=td1...."
          const m = line.match(/^\s+([A-Z][A-Z0-9]{1,7})\s+.*?(https?:\/\/\S+[?&]token=(\S+))\s*$/u);
          if (m) {
            relay.links[m[1]] = m[2];
            relay.tokens[m[1]] = m[3];
          }
          const open = line.match(/^Open (\S+)/);
          if (open) {
            relay.url = open[1].replace(/\/$/, "");
            clearTimeout(timer);
            child.off("exit", onExit);
            resolve();
          }
        }
      });
    });
  }

  // The free port can be taken between probing and binding: retry a few times.
  for (let attempt = 1; ; attempt++) {
    try {
      await launch(await freePort());
      return relay;
    } catch (err) {
      if (!err.addressInUse || attempt >= 3) throw err;
    }
  }
}

/**
 * One origin in front of several relays, each under a path prefix, as one
 * site serving two relays behind a reverse proxy: `<prefix>/…` goes to that
 * relay as `/…` (HTTP, and the WebSocket `/sync`), anything else to
 * `fallback` (a relay serving the app). Relays are looked up by port at each
 * request, so a relay stopped and restarted on its port is reached again.
 *
 * Returns {url, urlOf(prefix), close()}.
 */
export async function startPathProxy({ routes, fallback }) {
  const pick = (url) => {
    for (const [prefix, relay] of Object.entries(routes)) {
      if (url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`)) {
        const rest = url.slice(prefix.length);
        return { relay, path: rest.startsWith("/") ? rest : `/${rest}` };
      }
    }
    return { relay: fallback, path: url };
  };
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const { relay, path: target } = pick(req.url);
    const up = http.request(
      {
        host: "127.0.0.1",
        port: relay.port,
        method: req.method,
        path: target,
        headers: { ...req.headers, host: `127.0.0.1:${relay.port}` },
      },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      },
    );
    up.on("error", (err) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`proxy: ${err.message}`);
    });
    req.pipe(up);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("upgrade", (req, socket, head) => {
    const { relay, path: target } = pick(req.url);
    const up = net.connect(relay.port, "127.0.0.1", () => {
      const lines = [`${req.method} ${target} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i];
        const value = name.toLowerCase() === "host" ? `127.0.0.1:${relay.port}` : req.rawHeaders[i + 1];
        lines.push(`${name}: ${value}`);
      }
      up.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head && head.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    sockets.add(up);
    up.on("close", () => {
      sockets.delete(up);
      socket.destroy();
    });
    up.on("error", () => socket.destroy());
    socket.on("error", () => up.destroy());
    socket.on("close", () => up.destroy());
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    urlOf: (prefix) => `${url}${prefix}`,
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------- browser

/** Headless Debian Chromium through playwright-core. */
export async function launchBrowser(options = {}) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    ...options,
  });
  browsers.add(browser);
  browser.on("disconnected", () => browsers.delete(browser));
  return browser;
}

/** A fresh browser context (own storage, cache, service workers). */
export function newContext(browser, options = {}) {
  return browser.newContext({ serviceWorkers: "allow", locale: "vi-VN", ...options });
}

/** Screenshot every open page of a browser into artifacts/; returns the paths. */
export async function screenshotAll(browser, prefix) {
  const paths = [];
  if (!browser || !browser.isConnected()) return paths;
  let i = 0;
  for (const context of browser.contexts()) {
    for (const page of context.pages()) {
      i += 1;
      const file = artifact(`${prefix}-page${i}.png`);
      try {
        await page.screenshot({ path: file, fullPage: true, timeout: 5_000 });
        paths.push(file);
      } catch (err) {
        paths.push(`${file} (failed: ${err.message.split("\n")[0]})`);
      }
    }
  }
  return paths;
}

// ---------------------------------------------------------------- app helpers

export const LOAD_ERROR_TEXT = "Không tải được ứng dụng";

/**
 * Wait until the app started: the wasm ran `startApp`, which replaced the
 * static "Đang tải…" placeholder in #app, and no load error is shown.
 * (Only shell-level signs: the real UI is written elsewhere.)
 */
export async function waitForApp(page, timeout = 20_000) {
  await page.waitForFunction(
    (errorText) => {
      const app = document.getElementById("app");
      if (!app) return false;
      if (document.body.innerText.includes(errorText)) return "error";
      const placeholder = app.querySelector(":scope > p.loading:only-child");
      return app.childElementCount > 0 && !placeholder;
    },
    LOAD_ERROR_TEXT,
    { timeout },
  );
  const text = await page.locator("body").innerText();
  if (text.includes(LOAD_ERROR_TEXT)) {
    throw new Error(`the app shows its load error: ${text.slice(0, 300)}`);
  }
}

/** Wait until a service worker controls the page. */
export async function waitForController(page, timeout = 20_000) {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout });
}

/** The build version the page runs (index.html's thidua-build meta). */
export function pageVersion(page) {
  return page.evaluate(() => document.querySelector('meta[name="thidua-build"]')?.content ?? null);
}

/** Cache Storage names of the page's origin. */
export function cacheNames(page) {
  return page.evaluate(() => caches.keys());
}

/** Ask the browser to check for a new service worker now (what the page's timer does). */
export function checkForUpdate(page) {
  return page.evaluate(async () => {
    const reg = await navigator.serviceWorker.getRegistration();
    await reg.update();
    return true;
  });
}

/**
 * The app's support diagnostics (thiduaDebugStatus, in every build): sync
 * state, unacknowledged changes, documents loaded, relay, office and the
 * IndexedDB database in use; null when not signed in.
 */
export function appStatus(page) {
  return page.evaluate(async () => {
    const mod = await import(document.querySelector('link[rel="modulepreload"]').href);
    return JSON.parse(mod.thiduaDebugStatus());
  });
}

/**
 * The stored chunks of one document in the app's IndexedDB database (store
 * `chunks`, keys `<documentId>/<snapshot|incremental|draft>/<sha256>`, see
 * app/src/storage/idb.rs), read straight from the browser's storage:
 * [{key, bytes: Uint8Array}], snapshots first.
 */
export async function readChunks(page, database, docId) {
  const rows = await page.evaluate(
    async ([database, docId]) => {
      const done = (req) =>
        new Promise((resolve, reject) => {
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        });
      const db = await done(indexedDB.open(database));
      try {
        const store = db.transaction("chunks", "readonly").objectStore("chunks");
        const range = IDBKeyRange.bound(`${docId}/`, `${docId}0`, false, true);
        const [keys, values] = await Promise.all([done(store.getAllKeys(range)), done(store.getAll(range))]);
        return keys.map((key, i) => ({ key, bytes: Array.from(values[i]) }));
      } finally {
        db.close();
      }
    },
    [database, docId],
  );
  const order = { snapshot: 0, incremental: 1, draft: 2 };
  return rows
    .map(({ key, bytes }) => ({ key, bytes: Uint8Array.from(bytes) }))
    .sort((a, b) => order[a.key.split("/")[1]] - order[b.key.split("/")[1]]);
}

/**
 * Keys of the chunks of one kind (`syncstate`, `draft`, …) in the app's
 * IndexedDB database, after deleting the keys in `remove` (one committed
 * transaction).
 */
export async function chunkKeys(page, database, kind, { remove = [] } = {}) {
  return page.evaluate(
    async ([database, kind, remove]) => {
      const done = (req) =>
        new Promise((resolve, reject) => {
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        });
      const db = await done(indexedDB.open(database));
      try {
        const tx = db.transaction("chunks", remove.length ? "readwrite" : "readonly");
        const committed = new Promise((resolve, reject) => {
          tx.oncomplete = resolve;
          tx.onerror = () => reject(tx.error);
          tx.onabort = () => reject(tx.error);
        });
        const store = tx.objectStore("chunks");
        for (const k of remove) store.delete(k);
        const keys = await done(store.getAllKeys());
        await committed;
        return keys.filter((k) => k.split("/")[1] === kind);
      } finally {
        db.close();
      }
    },
    [database, kind, remove],
  );
}

/**
 * Write one chunk into the app's IndexedDB database as the app itself does
 * (key `<documentId>/<kind>/<sha256 of the bytes>`, value a Uint8Array), in
 * a committed transaction. Returns the key.
 */
export async function writeChunk(page, database, docId, kind, bytes) {
  const key = `${docId}/${kind}/${createHash("sha256").update(bytes).digest("hex")}`;
  await page.evaluate(
    async ([database, key, bytes]) => {
      const db = await new Promise((resolve, reject) => {
        const req = indexedDB.open(database);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      try {
        const tx = db.transaction("chunks", "readwrite", { durability: "strict" });
        tx.objectStore("chunks").put(Uint8Array.from(bytes), key);
        await new Promise((resolve, reject) => {
          tx.oncomplete = resolve;
          tx.onerror = () => reject(tx.error);
          tx.onabort = () => reject(tx.error);
        });
      } finally {
        db.close();
      }
    },
    [database, key, Array.from(bytes)],
  );
  return key;
}

// ---------------------------------------------------------------- builds

const sha16 = (s) => createHash("sha256").update(s).digest("hex").slice(0, 16);

/**
 * Turn a copy of dist/ into a "new build", as scripts/build-app.sh would
 * produce it: a new version (build.json, sw.js, index.html's meta), new
 * content-hashed JS/wasm names (the old files are gone, as after `rm -rf
 * dist`), slightly different JS bytes, and `markerHtml` right after <body>
 * in index.html. Returns {oldVersion, version, oldFiles, files}.
 */
export function makeNewVersion(dir, { markerHtml = "", salt = "next" } = {}) {
  const read = (f) => fs.readFileSync(path.join(dir, f));
  const build = JSON.parse(read("build.json").toString("utf8"));
  const oldVersion = build.version;
  const js = build.files.find((f) => /^app-[0-9a-f]+\.js$/.test(f));
  if (!js) throw new Error(`no app-<hash>.js in ${dir}/build.json`);
  const oldHash = js.slice("app-".length, -".js".length);
  const hash = sha16(`${oldHash}/${salt}`);
  const version = sha16(`${oldVersion}/${salt}`);
  const rename = (s) => s.split(oldHash).join(hash).split(oldVersion).join(version);

  const files = build.files.map(rename);
  // Assets first, then the entry points (index.html, build.json, sw.js), like a deploy.
  for (const f of build.files) {
    if (f === "index.html") continue;
    let bytes = read(f);
    if (f.endsWith(".js")) {
      bytes = Buffer.from(`${rename(bytes.toString("utf8"))}\n// e2e: build ${version}\n`);
    }
    // The modules loaded on demand live in split-<hash>/: a new directory.
    fs.mkdirSync(path.dirname(path.join(dir, rename(f))), { recursive: true });
    fs.writeFileSync(path.join(dir, rename(f)), bytes);
    if (rename(f) !== f) fs.unlinkSync(path.join(dir, f));
  }
  let html = rename(read("index.html").toString("utf8"));
  if (markerHtml) html = html.replace(/<body([^>]*)>/, (m) => `${m}\n  ${markerHtml}`);
  fs.writeFileSync(path.join(dir, "index.html"), html);
  fs.writeFileSync(path.join(dir, "build.json"), `${JSON.stringify({ version, files }, null, 2)}\n`);
  const sw = read("sw.js").toString("utf8");
  if (!sw.includes(JSON.stringify(oldVersion))) throw new Error("sw.js does not name the old version");
  fs.writeFileSync(path.join(dir, "sw.js"), rename(sw));
  // The relay validates with Last-Modified only, at one-second resolution: a
  // file rewritten in the same second as the browser's last fetch would be
  // answered "304 Not Modified" to the update check. Move the new files'
  // times clearly past any earlier fetch.
  // The precompressed copies (.br, .gz) that scripts/build-app.sh writes
  // beside the files, which the relay serves first: the old names' go, the
  // rewritten files get new ones (a stale sw.js.br would hide the update).
  for (const f of build.files) {
    for (const ext of [".br", ".gz"]) fs.rmSync(path.join(dir, f + ext), { force: true });
  }
  for (const f of ["build.json", "sw.js"]) {
    for (const ext of [".br", ".gz"]) fs.rmSync(path.join(dir, f + ext), { force: true });
  }
  const precompressed = [];
  for (const f of [...files, "build.json", "sw.js"]) {
    if (f === "index.html" || !/\.(wasm|js|css|json|svg)$/.test(f)) continue;
    const raw = read(f);
    if (raw.length < 1024) continue;
    fs.writeFileSync(path.join(dir, `${f}.br`), zlib.brotliCompressSync(raw));
    fs.writeFileSync(path.join(dir, `${f}.gz`), zlib.gzipSync(raw));
    precompressed.push(`${f}.br`, `${f}.gz`);
  }
  // The old split-<hash>/ is gone with its files, as after `rm -rf dist`.
  for (const f of build.files) {
    const sub = path.dirname(f);
    if (sub !== "." && rename(sub) !== sub) fs.rmSync(path.join(dir, sub), { recursive: true, force: true });
  }
  const later = new Date(Date.now() + 2_000);
  for (const f of [...files, "build.json", "sw.js", ...precompressed]) fs.utimesSync(path.join(dir, f), later, later);
  return { oldVersion, version, oldFiles: build.files, files };
}

// ---------------------------------------------------------------- asserts

export function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}

export function assertEqual(actual, expected, message) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${message}: expected ${e}, got ${a}`);
}
