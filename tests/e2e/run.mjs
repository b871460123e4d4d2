#!/usr/bin/env node
// A tiny test runner for the Playwright tests in tests/e2e/.
//
//   node tests/e2e/run.mjs [filter…]
//
// Runs every tests/e2e/*.test.mjs in name order. A test file exports either
// `default async function (t)` (one test, named after the file) or a list of
// tests: `export default [fnA, fnB]` / `export const tests = [...]`, where each
// item is a named async function or `{name, fn, timeout}`. Filters (optional)
// keep the tests whose "file › name" contains one of them.
//
// Each file gets one browser, launched on first use (`await t.browser()`) and
// closed after its last test. `t` offers:
//   t.name, t.file            names, for messages and artifact names
//   t.browser()               the file's Chromium (lib.launchBrowser)
//   t.newContext(options)     a fresh context in it, closed after the test
//   t.startRelay(options)     lib.startRelay, stopped after the test
//   t.startPathProxy(options) lib.startPathProxy (relays under path prefixes of
//                             one origin), closed after the test
//   t.tempDir(prefix)         a temp dir, deleted after the test
//   t.artifact(name)          a path under artifacts/
//   t.step(name, fn)          run fn, naming the step in a failure (and timing
//                             it with THIDUA_E2E_VERBOSE=1)
//   t.log(...)                print an indented note
// Prints `ok` / `FAIL` with the time per test; on a failure it saves a
// screenshot of every open page into artifacts/ and exits non-zero.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as lib from "./lib.mjs";

const DIR = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_TIMEOUT_MS = 120_000;
const filters = process.argv.slice(2);
// THIDUA_E2E_VERBOSE=1: print each step's time too.
const VERBOSE = !!process.env.THIDUA_E2E_VERBOSE;

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const slug = (s) => s.replace(/\.test\.mjs$/, "").replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-|-$/g, "");

function testsOf(mod, file) {
  const base = file.replace(/\.test\.mjs$/, "");
  let list = mod.tests ?? mod.default;
  if (typeof list === "function") list = [{ name: base, fn: list }];
  if (!Array.isArray(list)) throw new Error(`${file} exports no default function and no list of tests`);
  return list.map((item, i) => {
    const test = typeof item === "function" ? { name: item.name, fn: item } : { ...item };
    if (typeof test.fn !== "function") throw new Error(`${file}: test #${i + 1} has no function`);
    test.name ||= `${base} #${i + 1}`;
    return test;
  });
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${seconds(ms)}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

class FileScope {
  constructor(file) {
    this.file = file;
    this.browserPromise = null;
  }
  browser() {
    this.browserPromise ||= lib.launchBrowser();
    return this.browserPromise;
  }
  async close() {
    if (!this.browserPromise) return;
    const browser = await this.browserPromise.catch(() => null);
    this.browserPromise = null;
    if (browser) await browser.close().catch(() => {});
  }
}

class TestContext {
  constructor(scope, name) {
    this.scope = scope;
    this.file = scope.file;
    this.name = name;
    this.contexts = [];
    this.relays = [];
    this.proxies = [];
    this.dirs = [];
    this.currentStep = null;
  }
  browser() {
    return this.scope.browser();
  }
  async newContext(options) {
    const context = await lib.newContext(await this.browser(), options);
    this.contexts.push(context);
    return context;
  }
  async startRelay(options) {
    const relay = await lib.startRelay(options);
    this.relays.push(relay);
    return relay;
  }
  async startPathProxy(options) {
    const proxy = await lib.startPathProxy(options);
    this.proxies.push(proxy);
    return proxy;
  }
  tempDir(prefix) {
    const dir = lib.tempDir(prefix);
    this.dirs.push(dir);
    return dir;
  }
  artifact(name) {
    return lib.artifact(name);
  }
  log(...args) {
    console.log("    #", ...args);
  }
  async step(name, fn) {
    const outer = this.currentStep;
    this.currentStep = outer ? `${outer} › ${name}` : name;
    const t0 = Date.now();
    try {
      const result = await fn();
      if (VERBOSE) this.log(`step ${this.currentStep} (${seconds(Date.now() - t0)})`);
      return result;
    } catch (err) {
      if (err && !err.step) err.step = this.currentStep;
      throw err;
    } finally {
      this.currentStep = outer;
    }
  }
  async cleanup(passed) {
    for (const c of this.contexts) await c.close().catch(() => {});
    for (const p of this.proxies) await p.close().catch(() => {});
    for (const r of this.relays) await r.stop().catch(() => {});
    for (const d of this.dirs) lib.removeTempDir(d);
    // Relay logs are kept for failed tests only.
    if (passed) for (const r of this.relays) fs.rmSync(r.logFile, { force: true });
  }
}

async function main() {
  const files = fs
    .readdirSync(DIR)
    .filter((f) => f.endsWith(".test.mjs"))
    .sort();
  let passed = 0;
  const failed = [];
  const started = Date.now();

  for (const file of files) {
    const mod = await import(pathToFileURL(path.join(DIR, file)).href);
    const tests = testsOf(mod, file).filter(
      (test) => filters.length === 0 || filters.some((f) => `${file} › ${test.name}`.includes(f)),
    );
    if (tests.length === 0) continue;
    console.log(`# ${file}`);
    const scope = new FileScope(file);
    try {
      for (const test of tests) {
        const t = new TestContext(scope, test.name);
        const t0 = Date.now();
        let ok = false;
        try {
          await withTimeout(
            Promise.resolve().then(() => test.fn(t)),
            test.timeout ?? DEFAULT_TIMEOUT_MS,
            `test "${test.name}"`,
          );
          ok = true;
          passed += 1;
          console.log(`ok   ${test.name} (${seconds(Date.now() - t0)})`);
        } catch (err) {
          const elapsed = Date.now() - t0;
          failed.push(`${file} › ${test.name}`);
          console.log(`FAIL ${test.name} (${seconds(elapsed)})`);
          if (err?.step || t.currentStep) console.log(`    step: ${err?.step || t.currentStep}`);
          console.log(String(err?.stack || err).replace(/^/gm, "    "));
          const browser = scope.browserPromise ? await scope.browserPromise.catch(() => null) : null;
          const shots = await lib.screenshotAll(browser, `FAIL-${slug(file)}-${slug(test.name)}`);
          for (const s of shots) console.log(`    screenshot: ${path.relative(lib.ROOT, s)}`);
          for (const r of t.relays) console.log(`    relay log: ${path.relative(lib.ROOT, r.logFile)}`);
        } finally {
          await t.cleanup(ok);
        }
      }
    } finally {
      await scope.close();
    }
  }

  await lib.cleanupAll();
  const total = passed + failed.length;
  console.log(
    `\n# ${passed}/${total} passed in ${seconds(Date.now() - started)}` +
      (failed.length ? `; failed:\n${failed.map((f) => `#   ${f}`).join("\n")}` : ""),
  );
  if (total === 0) {
    console.log("# no tests matched");
    process.exitCode = 1;
  } else if (failed.length) {
    process.exitCode = 1;
  }
}

main().catch(async (err) => {
  console.error(err?.stack || err);
  await lib.cleanupAll();
  process.exitCode = 1;
});
