// The app shell and its service worker (app/static/sw.js): offline start, and
// updates that never mix two versions and never take over a page by themselves.
// Only shell-level signs of a started app are used (#app replaced its
// "Đang tải…" placeholder, no load error), not the real UI.

import fs from "node:fs";
import path from "node:path";
import {
  DIST,
  assert,
  assertEqual,
  cacheNames,
  checkForUpdate,
  makeNewVersion,
  pageVersion,
  waitForApp,
  waitForController,
} from "./lib.mjs";

const MARKER_ID = "e2e-version-marker";
const shellCache = (version) => `thidua-shell-${version}`;

function distVersion(dir = DIST) {
  return JSON.parse(fs.readFileSync(path.join(dir, "build.json"), "utf8")).version;
}

/** Fetch from the page, bypassing nothing: "failed" when the network refuses. */
function pageFetchStatus(page, url) {
  return page.evaluate(
    (u) =>
      fetch(u, { cache: "no-store" }).then(
        (r) => r.status,
        () => "failed",
      ),
    url,
  );
}

async function bannerVisible(page) {
  return page.getByTestId("new-version").isVisible();
}

async function firstVisitThenOffline(t) {
  const relay = await t.startRelay({ demo: true });
  const context = await t.newContext();
  const page = await context.newPage();
  const version = distVersion();

  await t.step("first visit online", async () => {
    await page.goto(`${relay.url}/`);
    await waitForApp(page);
    assertEqual(await pageVersion(page), version, "page version");
    // clients.claim() on the first install: this very load becomes controlled.
    await waitForController(page);
    assertEqual(await cacheNames(page), [shellCache(version)], "caches after install");
    assert(!(await bannerVisible(page)), "no update banner on a first install");
  });

  await t.step("reload offline", async () => {
    await context.setOffline(true);
    // The network is really gone for the page: /healthz is never answered by
    // the worker.
    assertEqual(await pageFetchStatus(page, "/healthz"), "failed", "GET /healthz offline");
    await page.reload(); // throws on net::ERR_INTERNET_DISCONNECTED
    await waitForApp(page);
    assertEqual(await pageVersion(page), version, "page version after offline reload");
    await page.screenshot({ path: t.artifact("service-worker-offline-reload.png"), fullPage: true });
  });

  await t.step("new page offline, relay stopped too", async () => {
    await page.close();
    await relay.stop();
    const again = await context.newPage();
    // A sign-in link (hash route), /index.html, and a path without extension
    // (one segment: index.html names its files relative to the root).
    await again.goto(relay.signInUrl("LSN"));
    await waitForApp(again);
    assertEqual(await pageVersion(again), version, "page version of a new offline page");
    for (const p of ["/index.html", "/dang-nhap?x=1"]) {
      await again.goto(`${relay.url}${p}`);
      await waitForApp(again);
    }
    // API paths are network-only: no index.html from the cache for them.
    assertEqual(await pageFetchStatus(again, "/api/directory"), "failed", "GET /api/directory offline");
  });
}

async function updateWithoutMixingVersions(t) {
  // A copy of dist/ we can "deploy" a new build into.
  const site = t.tempDir("thidua-e2e-site-");
  fs.cpSync(DIST, site, { recursive: true });
  const relay = await t.startRelay({ demo: true, staticDir: site });
  const context = await t.newContext();
  const page = await context.newPage();
  const oldVersion = distVersion(site);

  await t.step("first visit, controlled", async () => {
    await page.goto(`${relay.url}/`);
    await waitForApp(page);
    await waitForController(page);
    assertEqual(await pageVersion(page), oldVersion, "first version");
    // To tell later whether this page was reloaded behind our back.
    await page.evaluate(() => {
      window.__e2eSameDocument = true;
    });
  });

  const next = makeNewVersion(site, {
    markerHtml: `<p id="${MARKER_ID}">Phiên bản mới (e2e)</p>`,
  });
  t.log(`deployed ${next.version} over ${oldVersion}`);

  await t.step("the new version installs and waits; the open page keeps the old one", async () => {
    await checkForUpdate(page); // what the page's own timer does every 30 minutes
    await page.getByTestId("new-version").waitFor({ state: "visible", timeout: 20_000 });
    await page.getByText("Đã có phiên bản mới.").waitFor();
    assert(await page.evaluate(() => window.__e2eSameDocument === true), "page was not reloaded");
    assertEqual(await pageVersion(page), oldVersion, "running version");
    assertEqual(await page.locator(`#${MARKER_ID}`).count(), 0, "new marker in the old page");
    const state = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      return { waiting: !!reg.waiting, active: !!reg.active };
    });
    assertEqual(state, { waiting: true, active: true }, "registration");
    assertEqual(
      (await cacheNames(page)).sort(),
      [shellCache(oldVersion), shellCache(next.version)].sort(),
      "both versions cached while the new one waits",
    );
  });

  const second = await context.newPage();
  await t.step("while waiting, a new tab and a reload still get the whole old version", async () => {
    // The old JS/wasm are no longer on the server (the relay would answer
    // index.html for them), so this works only from the old version's cache.
    await second.goto(`${relay.url}/`);
    await waitForApp(second);
    assertEqual(await pageVersion(second), oldVersion, "second tab version");
    // A reload does not let the waiting worker take over either.
    await second.reload();
    await waitForApp(second);
    assertEqual(await pageVersion(second), oldVersion, "second tab version after a reload");
    assertEqual(await second.locator(`#${MARKER_ID}`).count(), 0, "new marker in the second tab");
    await second.getByTestId("new-version").waitFor({ state: "visible" });
    await second.evaluate(() => {
      window.__e2eSameDocument = true;
    });
  });

  await t.step("click Tải lại: this tab reloads into the new version", async () => {
    await page.getByTestId("reload-new-version").click();
    await page.locator(`#${MARKER_ID}`).waitFor({ state: "attached", timeout: 20_000 });
    await waitForApp(page);
    assertEqual(await pageVersion(page), next.version, "version after the reload");
    await waitForController(page);
    const controller = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const channel = new MessageChannel();
          channel.port1.onmessage = (e) => resolve(e.data.version);
          navigator.serviceWorker.controller.postMessage({ type: "GET_VERSION" }, [channel.port2]);
        }),
    );
    assertEqual(controller, next.version, "controlling worker's version");
    assert(!(await bannerVisible(page)), "no banner after the update");
    // The old version's cache is gone (deleted on activate of the new one).
    await page.waitForFunction(
      (old) => caches.keys().then((k) => !k.includes(old)),
      shellCache(oldVersion),
      { timeout: 10_000 },
    );
    assertEqual(await cacheNames(page), [shellCache(next.version)], "caches after the update");
  });

  await t.step("the other tab was not reloaded; it offers the reload", async () => {
    assert(await second.evaluate(() => window.__e2eSameDocument === true), "second tab was reloaded");
    assertEqual(await pageVersion(second), oldVersion, "second tab still runs the old version");
    await second.getByTestId("new-version").waitFor({ state: "visible" });
    await second.getByTestId("reload-new-version").click();
    await second.locator(`#${MARKER_ID}`).waitFor({ state: "attached", timeout: 20_000 });
    await waitForApp(second);
    assertEqual(await pageVersion(second), next.version, "second tab after its reload");
  });

  await t.step("the new version works offline", async () => {
    await context.setOffline(true);
    await page.reload();
    await waitForApp(page);
    assertEqual(await pageVersion(page), next.version, "offline version");
    await page.locator(`#${MARKER_ID}`).waitFor({ state: "attached" });
  });
}

export default [firstVisitThenOffline, updateWithoutMixingVersions];
