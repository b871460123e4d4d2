#!/usr/bin/env node
// Benchmarks of the cluster dashboard in headless Chromium (not a test:
// prints figures for BENCHMARKS.md). Needs the relay binary and dist/ built
// WITH the development hooks (thiduaDebugBenchSynthetic is not in the
// production build):
//
//   THIDUA_APP_FEATURES=debug-hooks scripts/build-app.sh
//
//   node tests/e2e/bench-dashboard.mjs [runs]
//
// 1. The summary computed in the browser (wasm) from the demo cluster's
//    replicas (9 offices × 3 seeded years): cold (read every automerge
//    document into typed values, then compute) and warm (compute only).
// 2. The same on synthetic clusters built in the browser by the demo's
//    generator (shared::demo): 8 offices × 1 year and 34 offices × 5 years.
// 3. The dashboard's render time offline: (a) a new page opened straight at
//    #/tong-hop (wasm start, replicas from IndexedDB, summary, DOM), until
//    its tables and its three charts are in the DOM; (b) in a running app,
//    a click on the "Tổng hợp" tab until the same (first open: the typed
//    documents are read then; again: they are cached).

import { DIST, cleanupAll, launchBrowser, newContext, startRelay } from "./lib.mjs";
import fs from "node:fs";
import path from "node:path";

const RUNS = Number(process.argv[2] || 5);
const SYNCED = '[data-testid="sync-state"][data-state="synced"]';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${ms.toFixed(1)} ms`;
const READY = () =>
  document.querySelector('[data-testid="dash-offices"] tbody tr') !== null &&
  document.querySelectorAll('[data-testid^="chart-"] .chart-wide svg').length === 3;

async function hook(page, name, ...args) {
  return page.evaluate(
    async ([name, args]) => {
      const mod = await import(document.querySelector('link[rel="modulepreload"]').href);
      return JSON.parse(mod[name](...args));
    },
    [name, args],
  );
}

/** Click a tab and time (in the page) until the dashboard is in the DOM. */
function clickAndTime(page, testid) {
  return page.evaluate(
    ([testid, ready]) =>
      new Promise((resolve) => {
        const isReady = new Function(`return (${ready})()`);
        const t0 = performance.now();
        const observer = new MutationObserver(() => {
          if (isReady()) {
            observer.disconnect();
            resolve(performance.now() - t0);
          }
        });
        observer.observe(document.body, { childList: true, subtree: true });
        document.querySelector(`[data-testid="${testid}"]`).click();
      }),
    [testid, READY.toString()],
  );
}

async function main() {
  const wasm = fs.readdirSync(DIST).find((f) => f.endsWith("_bg.wasm"));
  const relay = await startRelay({ demo: true });
  const browser = await launchBrowser();
  const out = { wasmBytes: fs.statSync(path.join(DIST, wasm)).size };
  try {
    const context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(relay.signInUrl("LSN"));
    await page.locator(SYNCED).waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });

    const hasHooks = await page.evaluate(async () => {
      const mod = await import(document.querySelector('link[rel="modulepreload"]').href);
      return typeof mod.thiduaDebugBenchSynthetic === "function";
    });
    if (!hasHooks) {
      throw new Error(
        "dist/ is a production build without the development hooks (thiduaDebugBenchSynthetic).\n" +
          "Build it with them first:  THIDUA_APP_FEATURES=debug-hooks scripts/build-app.sh\n" +
          "(and run scripts/build-app.sh again afterwards for the production build).",
      );
    }
    out.demo = await hook(page, "thiduaDebugSummaryTiming", Math.max(RUNS, 5));
    out.synthetic8x1 = await hook(page, "thiduaDebugBenchSynthetic", 8, 2026, Math.max(RUNS, 5));
    out.synthetic34x5 = await hook(page, "thiduaDebugBenchSynthetic", 34, 2022, Math.max(3, Math.min(RUNS, 5)));

    await context.setOffline(true);
    await page.close();

    const cold = [];
    for (let i = 0; i < RUNS; i++) {
      const p = await context.newPage();
      const t0 = Date.now();
      await p.goto(`${relay.url}/#/tong-hop`);
      await p.waitForFunction(READY, null, { timeout: 60_000, polling: 10 });
      cold.push(Date.now() - t0);
      await p.close();
    }
    out.offlineOpenAtDashboardMs = { median: median(cold), min: Math.min(...cold), runs: cold };

    const first = [];
    const again = [];
    for (let i = 0; i < RUNS; i++) {
      const p = await context.newPage();
      await p.goto(`${relay.url}/#/cum`);
      await p.getByTestId("cluster-page").waitFor({ timeout: 30_000 });
      // Let the replicas finish loading from IndexedDB.
      await p.waitForFunction(
        async () => {
          const mod = await import(document.querySelector('link[rel="modulepreload"]').href);
          const s = JSON.parse(mod.thiduaDebugStatus());
          return s && s.loaded[0] === s.loaded[1];
        },
        null,
        { timeout: 30_000 },
      );
      first.push(await clickAndTime(p, "nav-dashboard"));
      await p.getByTestId("nav-cluster").click();
      await p.getByTestId("cluster-page").waitFor();
      again.push(await clickAndTime(p, "nav-dashboard"));
      await p.close();
    }
    out.tabFirstOpenMs = { median: median(first), min: Math.min(...first), runs: first };
    out.tabAgainMs = { median: median(again), min: Math.min(...again), runs: again };
  } finally {
    await browser.close().catch(() => {});
    await relay.stop();
    await cleanupAll();
  }
  const s = (x) => `median ${fmt(x.median)}, min ${fmt(x.min)}`;
  console.log(`wasm: ${out.wasmBytes} bytes raw (a debug-hooks build: the production build is smaller)`);
  console.log(`demo cluster (${out.demo.offices} offices × 3 years): cold ${s(out.demo.coldTotalMs)} (reading ${s(out.demo.coldReadMs)}); warm ${s(out.demo.warmMs)}`);
  for (const [name, r] of [["8 × 1", out.synthetic8x1], ["34 × 5", out.synthetic34x5]]) {
    console.log(
      `synthetic ${name} (${r.staff} staff, ${r.records} records, ${r.warnings} warnings; generated in ${fmt(r.generateMs)}): ` +
        `cold ${s(r.coldTotalMs)} (reading ${s(r.readMs)}); warm ${s(r.warmMs)}`,
    );
  }
  console.log(`offline: new page at #/tong-hop until tables and charts: ${s(out.offlineOpenAtDashboardMs)}`);
  console.log(`tab click, first open: ${s(out.tabFirstOpenMs)}; again: ${s(out.tabAgainMs)}`);
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
