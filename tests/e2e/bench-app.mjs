#!/usr/bin/env node
// Benchmarks of the app in headless Chromium (not a test: prints figures for
// BENCHMARKS.md). Needs dist/ (scripts/build-app.sh) and the relay binary.
//
//   node tests/e2e/bench-app.mjs [runs]
//
// 1. Offline cold start: a signed-in device, the network gone, a new page:
//    time from navigation start until the office page is interactive (the
//    first score input is in the DOM and enabled).
// 2. Reconnect to synced: 100 edits typed offline, then the network back:
//    time until the header reads "Đã đồng bộ" (synced, nothing unacknowledged).

import fs from "node:fs";
import path from "node:path";
import { DIST, cleanupAll, launchBrowser, newContext, startRelay } from "./lib.mjs";

const RUNS = Number(process.argv[2] || 5);
const SYNCED = '[data-testid="sync-state"][data-state="synced"]';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${ms.toFixed(0)} ms`;

async function main() {
  const wasm = fs.readdirSync(DIST).find((f) => f.endsWith("_bg.wasm"));
  const relay = await startRelay({ demo: true });
  const browser = await launchBrowser();
  const results = { wasmBytes: fs.statSync(path.join(DIST, wasm)).size };
  try {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(relay.signInUrl("LSN"));
    await page.locator(SYNCED).waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
    await context.setOffline(true);
    await page.close();

    const cold = [];
    for (let i = 0; i < RUNS; i++) {
      const p = await context.newPage();
      const t0 = Date.now();
      await p.goto(`${relay.url}/#/don-vi/LSN/cham-diem`);
      await p.locator('[data-testid="score-input-C1"]:enabled').waitFor({ timeout: 30_000 });
      cold.push(Date.now() - t0);
      await p.close();
    }
    results.offlineColdStartMs = { median: median(cold), min: Math.min(...cold), runs: cold };

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
  console.log(`offline cold start to interactive: median ${fmt(results.offlineColdStartMs.median)}, min ${fmt(results.offlineColdStartMs.min)} (${RUNS} runs)`);
  console.log(`reconnect to synced after 100 offline edits: median ${fmt(results.reconnectToSynced100EditsMs.median)}, min ${fmt(results.reconnectToSynced100EditsMs.min)}`);
  console.log(JSON.stringify(results));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
