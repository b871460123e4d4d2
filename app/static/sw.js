// Thi Đua service worker: the app shell offline, one version at a time.
//
// scripts/build-app.sh bakes the build version and the shell's file list (the
// `files` of dist/build.json) into the copy of this file in dist/, so every
// build changes these bytes and the browser sees an update.
//
// Rules:
// - install pre-caches every shell file of this version into its own cache,
//   `thidua-shell-<version>`; a half-filled cache is deleted, never used;
// - navigations (`/`, `/index.html`, any page load of a path without a file
//   extension) get this version's cached index.html; other shell files are
//   cache-first from this version's cache only, so old JS never meets new wasm;
// - `/sync`, `/api/*`, `/healthz` and everything else go to the network;
// - an update installs and waits. It takes over only when the page asks for
//   it (the user clicked "Tải lại" in the update banner): message
//   {type: "SKIP_WAITING"}. Old caches are deleted on activate;
// - `clients.claim()` only when no earlier version was ever active, so the very
//   first page load works offline without a reload, and a page running an
//   older version is never switched under its feet.

"use strict";

const VERSION = "__BUILD_VERSION__";
// Relative to the worker's scope. Replaced by build-app.sh.
const FILES = ["__BUILD_FILES__"];

const CACHE_PREFIX = "thidua-shell-";
const CACHE = CACHE_PREFIX + VERSION;

// Paths (relative to the scope, without leading slash) the worker never answers.
const NETWORK_ONLY = [/^sync(\/|$)/, /^api(\/|$)/, /^healthz(\/|$)/];

// Set when this worker installed with no active worker before it: a first
// install. (Re-derived on activate from the caches in case the worker was
// stopped between install and activate.)
let firstInstall = false;

function scopeUrl(path) {
  return new URL(path, self.registration.scope).href;
}

// Path of a same-origin URL relative to the scope ("" for the scope itself),
// or null when the URL is outside the scope.
function scopedPath(url) {
  const scope = new URL(self.registration.scope);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) {
    return null;
  }
  try {
    return decodeURIComponent(url.pathname.slice(scope.pathname.length));
  } catch {
    return null;
  }
}

// A redirected response cannot answer a navigation: copy it into a plain one.
async function plain(res) {
  if (!res.redirected) return res;
  const body = await res.blob();
  return new Response(body, {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  });
}

async function precache() {
  const cache = await caches.open(CACHE);
  try {
    // index.html last: it names the version, checked below.
    const files = FILES.filter((f) => f !== "index.html").concat("index.html");
    for (const file of files) {
      // `no-cache`: always ask the server, but let it answer "304 Not
      // Modified" for what the page has just downloaded (the wasm, on a first
      // visit), so a slow link does not carry it twice.
      const res = await fetch(new Request(scopeUrl(file), { cache: "no-cache" }));
      if (!res.ok) throw new Error(`${file}: HTTP ${res.status}`);
      // The relay answers a missing file with index.html (client-side
      // routes): a JS or wasm file of another build that is gone already.
      const type = res.headers.get("content-type") || "";
      if (file !== "index.html" && type.startsWith("text/html")) {
        throw new Error(`${file}: got HTML, the file is not on the server`);
      }
      await cache.put(scopeUrl(file), await plain(res));
    }
    // If a newer build was deployed while we were fetching, index.html names
    // another version: refuse to install a mixed shell. The next update check
    // installs the newer build whole. (JS and wasm names carry their own
    // content hash, so they cannot be of another build.)
    const index = await cache.match(scopeUrl("index.html"));
    const html = index ? await index.text() : "";
    if (!html.includes(`content="${VERSION}"`)) {
      throw new Error(`index.html is not version ${VERSION}`);
    }
  } catch (err) {
    await caches.delete(CACHE);
    throw err;
  }
}

self.addEventListener("install", (event) => {
  firstInstall = !self.registration.active;
  // No skipWaiting(): with an active worker, this version waits for the page
  // to ask. With none (first install), it activates right away anyway.
  event.waitUntil(precache());
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const keys = await caches.keys();
      const older = keys.filter((k) => k.startsWith(CACHE_PREFIX) && k !== CACHE);
      const claim = firstInstall || older.length === 0;
      await Promise.all(older.map((k) => caches.delete(k)));
      if (claim) {
        // First install: control the page that registered us, so it works
        // offline without a reload. No page runs an older version of ours.
        await self.clients.claim();
      }
    })(),
  );
});

// Messages from pages. A page of an older version talks to a newer worker
// (and the other way round): keep these two messages as they are.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "SKIP_WAITING") {
    self.skipWaiting();
  } else if (data.type === "GET_VERSION") {
    const port = event.ports && event.ports[0];
    const reply = { type: "VERSION", version: VERSION };
    if (port) port.postMessage(reply);
    else if (event.source) event.source.postMessage(reply);
  }
});

async function fromCache(path, request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(scopeUrl(path));
  if (hit) return hit;
  // Not in this version's cache (evicted, or install raced): the network.
  return fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  const path = scopedPath(url);
  if (path === null) return;
  if (NETWORK_ONLY.some((re) => re.test(path))) return;

  // The relay answers any unknown path with index.html too (client-side routes).
  // Only for page loads: a fetch() of an extension-less path is data, e.g.
  // `<prefix>/api/directory` of a relay served under a path of this origin.
  const last = path.split("/").pop();
  const navigation =
    path === "" || path === "index.html" || (request.mode === "navigate" && !last.includes("."));
  if (navigation) {
    event.respondWith(fromCache("index.html", request));
  } else if (FILES.includes(path)) {
    event.respondWith(fromCache(path, request));
  }
  // Anything else: not ours, the browser goes to the network.
});
