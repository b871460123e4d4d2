#!/usr/bin/env node
// Benchmarks of the app in headless Chromium (not a test: prints figures for
// BENCHMARKS.md). Needs dist/ (scripts/build-app.sh) and the relay binary.
//
//   node tests/e2e/bench-app.mjs [runs]
//
// 0. First load on a throttled phone (390×844, 4× CPU slowdown, 1.6 Mbit/s
//    down, 750 kbit/s up, 150 ms latency: the mountain profile): a
//    fresh browser profile opens a sign-in link; time until the home page
//    (việc cần làm) is shown, and the bytes on the wire (compressed).
// 1. Offline cold start: a signed-in device, the network gone, a new page:
//    time from navigation start until the office page is interactive (the
//    first score input is in the DOM and enabled).
// 2. Reconnect to synced: 100 edits typed offline, then the network back:
//    time until the header reads "Đã đồng bộ" (synced, nothing unacknowledged).
//
// Times 0 and 1 are taken in the page: a MutationObserver installed before
// the page's own scripts notes `performance.now()` (ms since the navigation
// started) when the awaited element appears (enabled). Playwright's
// `waitFor` polls ever more slowly (0, 20, 50, 100, 100, then every 500 ms),
// so its wall-clock time can be up to half a second late; it is printed
// beside the in-page time.

import fs from "node:fs";
import path from "node:path";
import { DIST, cleanupAll, launchBrowser, newContext, startRelay } from "./lib.mjs";

const RUNS = Number(process.argv[2] || 5);
const SYNCED = '[data-testid="sync-state"][data-state="synced"]';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${ms.toFixed(0)} ms`;

/** Notes in the page, at the first DOM change that shows it, when `selector` is present and enabled. */
function watchFor(page, selector) {
  return page.addInitScript((sel) => {
    const ready = () => {
      const el = document.querySelector(sel);
      return el !== null && !el.disabled;
    };
    const observer = new MutationObserver(() => {
      if (window.__benchReadyAt === undefined && ready()) {
        window.__benchReadyAt = performance.now();
        observer.disconnect();
      }
    });
    observer.observe(document, { subtree: true, childList: true, attributes: true });
  }, selector);
}

/** The in-page time noted by `watchFor` (ms from navigation start). */
async function readyAt(page) {
  const at = await page.evaluate(() => window.__benchReadyAt);
  if (typeof at !== "number") throw new Error("the page did not note when it was ready");
  return at;
}

async function main() {
  const wasm = fs.readdirSync(DIST).find((f) => f.endsWith("_bg.wasm"));
  const relay = await startRelay({ demo: true });
  const browser = await launchBrowser();
  const results = { wasmBytes: fs.statSync(path.join(DIST, wasm)).size };
  try {
    const first = [];
    const firstWall = [];
    const wire = [];
    for (let i = 0; i < Math.min(RUNS, 3); i++) {
      const phone = await newContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
      const p = await phone.newPage();
      const cdp = await phone.newCDPSession(p);
      await cdp.send("Network.enable");
      await cdp.send("Network.emulateNetworkConditions", {
        offline: false,
        latency: 150,
        downloadThroughput: (1.6e6 / 8) | 0,
        uploadThroughput: (750e3 / 8) | 0,
      });
      await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
      let bytes = 0;
      cdp.on("Network.loadingFinished", (e) => {
        bytes += e.encodedDataLength;
      });
      await watchFor(p, '[data-testid="home"]');
      const t0 = Date.now();
      await p.goto(relay.signInUrl("LSN"));
      await p.getByTestId("home").waitFor({ timeout: 120_000 });
      firstWall.push(Date.now() - t0);
      first.push(await readyAt(p));
      wire.push(bytes);
      await phone.close();
    }
    results.firstLoadThrottledPhoneMs = { median: median(first), min: Math.min(...first), runs: first };
    results.firstLoadThrottledPhoneWallMs = { median: median(firstWall), runs: firstWall };
    results.firstLoadWireBytes = median(wire);

    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(relay.signInUrl("LSN"));
    await page.locator(SYNCED).waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
    await context.setOffline(true);
    await page.close();

    const cold = [];
    const coldWall = [];
    for (let i = 0; i < RUNS; i++) {
      const p = await context.newPage();
      await watchFor(p, '[data-testid="score-input-C1"]');
      const t0 = Date.now();
      await p.goto(`${relay.url}/#/don-vi/LSN/cham-diem`);
      await p.locator('[data-testid="score-input-C1"]:enabled').waitFor({ timeout: 30_000 });
      coldWall.push(Date.now() - t0);
      cold.push(await readyAt(p));
      await p.close();
    }
    results.offlineColdStartMs = { median: median(cold), min: Math.min(...cold), runs: cold };
    results.offlineColdStartWallMs = { median: median(coldWall), runs: coldWall };

    const reconnect = [];
    for (let i = 0; i < Math.min(RUNS, 3); i++) {
      const p = await context.newPage();
      await p.goto(`${relay.url}/#/don-vi/LSN/cham-diem`);
      const input = p.locator('[data-testid="score-input-C3"]');
      await input.waitFor({ timeout: 30_000 });
      for (let n = 0; n < 100; n++) {
        await input.fill(String(n % 20));
        await input.press("Enter");
      }
      await p.waitForFunction(
        () => Number(document.querySelector('[data-testid="unacked"]')?.dataset.count) >= 90,
        null,
        { timeout: 30_000 },
      );
      const t0 = Date.now();
      await context.setOffline(false);
      await p.locator(SYNCED).waitFor({ timeout: 60_000 });
      reconnect.push(Date.now() - t0);
      await context.setOffline(true);
      await p.close();
    }
    results.reconnectToSynced100EditsMs = { median: median(reconnect), min: Math.min(...reconnect), runs: reconnect };
  } finally {
    await browser.close().catch(() => {});
    await relay.stop();
    await cleanupAll();
  }
  console.log(`wasm: ${results.wasmBytes} bytes raw`);
  const runs = (r) => r.runs.map((x) => x.toFixed(0)).join(", ");
  console.log(`first load on a throttled phone to the home page: median ${fmt(results.firstLoadThrottledPhoneMs.median)}, min ${fmt(results.firstLoadThrottledPhoneMs.min)} (in the page; runs ${runs(results.firstLoadThrottledPhoneMs)}; Playwright's wall clock ${runs(results.firstLoadThrottledPhoneWallMs)}); ${results.firstLoadWireBytes} bytes on the wire`);
  console.log(`offline cold start to interactive: median ${fmt(results.offlineColdStartMs.median)}, min ${fmt(results.offlineColdStartMs.min)} (${RUNS} runs in the page: ${runs(results.offlineColdStartMs)}; Playwright's wall clock ${runs(results.offlineColdStartWallMs)})`);
  console.log(`reconnect to synced after 100 offline edits: median ${fmt(results.reconnectToSynced100EditsMs.median)}, min ${fmt(results.reconnectToSynced100EditsMs.min)}`);
  console.log(JSON.stringify(results));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
