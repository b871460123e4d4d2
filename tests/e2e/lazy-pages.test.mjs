// Pages loaded on demand (app/src/ui/lazy_pages.rs): the production build
// keeps only what the first screen needs in the main wasm and fetches each
// other page's module when it first opens. What a user must never notice:
// a page that does not open offline, or an app that breaks when a module
// cannot be fetched.

import fs from "node:fs";

import { DIST, assert, assertEqual, makeNewVersion, pageVersion, waitForController } from "./lib.mjs";

const SYNCED = '[data-testid="sync-state"][data-state="synced"]';

/** Every page that lives in a module of its own, with what shows it is up. */
const SPLIT_PAGES = [
  ["/don-vi/LSN/dang-ky", '[data-testid="office-page"][data-page="dang-ky"]'],
  ["/don-vi/CBG/cham-diem", '[data-testid="office-page"][data-office="CBG"]'],
  ["/cum", '[data-testid="cluster-page"]'],
  ["/cum/thiet-lap", '[data-testid="cluster-setup"]'],
  ["/tong-hop", '[data-testid="dashboard"]'],
  ["/tong-hop/in", '[data-testid="print-page"]'],
  ["/dong-bo", '[data-testid="sync-page"]'],
];

const isSplitModule = (url) => /\/split-[0-9a-f]+\/[^/]+\.wasm$/.test(new URL(url).pathname);

async function everyPageOpensOfflineInAFreshPage(t) {
  const relay = await t.startRelay({ demo: true });
  const context = await t.newContext();
  const first = await context.newPage();
  await t.step("first visit online: signed in, the worker installed", async () => {
    await first.goto(relay.signInUrl("LSN"));
    await first.getByTestId("office-name").waitFor({ timeout: 30_000 });
    await first.locator(SYNCED).waitFor({ timeout: 30_000 });
    await waitForController(first);
  });

  await t.step("offline, relay stopped: a new page opens every page", async () => {
    await context.setOffline(true);
    await first.close();
    await relay.stop();
    const page = await context.newPage();
    const modules = [];
    const failed = [];
    page.on("requestfinished", (r) => {
      if (isSplitModule(r.url())) modules.push(r.url());
    });
    page.on("requestfailed", (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
    // Straight to the home page, then each page in turn (hash routes).
    await page.goto(`${relay.url}/#/`);
    await page.getByTestId("home").waitFor({ timeout: 20_000 });
    for (const [route, ready] of SPLIT_PAGES) {
      await page.evaluate((r) => {
        window.location.hash = `#${r}`;
      }, route);
      await page.locator(ready).first().waitFor({ timeout: 20_000 });
      assertEqual(await page.getByTestId("page-not-loaded").count(), 0, `${route}: no "not loaded" message`);
    }
    assertEqual(failed, [], "no request failed");
    // The pages did come from modules of their own (from the worker's cache).
    assert(modules.length > 0, "the pages were fetched as separate modules");
    t.log(`${new Set(modules).size} modules fetched offline from the worker's cache`);
  });
}

async function aModuleThatCannotBeFetchedSaysSoAndOpensOnRetry(t) {
  const relay = await t.startRelay({ demo: true });
  // No service worker: what a browser that has not cached the modules sees.
  const context = await t.newContext({ serviceWorkers: "block" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // Every attempt to fetch a module (file name), in order.
  const asked = [];
  const modules = (url) => isSplitModule(url.href);
  await context.route(modules, (route) => {
    asked.push(new URL(route.request().url()).pathname.split("/").pop());
    return route.abort("internetdisconnected");
  });
  const askedSince = (mark, file) => asked.slice(mark).includes(file);

  await t.step("the first screen works without any page module", async () => {
    await page.goto(relay.signInUrl("LSN"));
    await page.getByTestId("office-name").waitFor({ timeout: 30_000 });
    await page.getByTestId("home").waitFor({ timeout: 20_000 });
    await page.locator(SYNCED).waitFor({ timeout: 30_000 });
    // The background load of every module tries, fails quietly and ends
    // (the overview module comes after the office one).
    const until = Date.now() + 20_000;
    while (!asked.includes("split_overview.wasm")) {
      assert(Date.now() < until, `the background load asked for: ${asked.join(", ")}`);
      await page.waitForTimeout(100);
    }
    assertEqual(await page.getByTestId("page-not-loaded").count(), 0, "a failed background load shows nothing");
  });

  await t.step("the office page says what happened, in Vietnamese", async () => {
    const mark = asked.length;
    await page.evaluate(() => {
      window.location.hash = "#/don-vi/LSN/dang-ky";
    });
    const message = page.getByTestId("page-not-loaded");
    await message.waitFor({ timeout: 20_000 });
    const text = await message.innerText();
    assert(text.includes("Chưa mở được trang này"), `message: ${text}`);
    assert(text.includes("Dữ liệu trên máy vẫn còn nguyên"), `message says the data is safe: ${text}`);
    assert(askedSince(mark, "split_office.wasm"), `the office module was asked for: ${asked.join(", ")}`);
    // The rest of the app still works: the header, the navigation, home.
    await page.getByTestId("office-name").waitFor();
    await page.getByTestId("nav-home").click();
    await page.getByTestId("home").waitFor({ timeout: 10_000 });
    await page.screenshot({ path: t.artifact("lazy-page-not-loaded.png") });
  });

  await t.step("back online, \"Thử lại\" opens the page", async () => {
    // Coming back to the page tries again (and fails again, still offline).
    const mark = asked.length;
    await page.evaluate(() => {
      window.location.hash = "#/don-vi/LSN/dang-ky";
    });
    await page.getByTestId("page-not-loaded").waitFor({ timeout: 20_000 });
    assert(askedSince(mark, "split_office.wasm"), "coming back asked for the module again");
    await context.unroute(modules);
    await page.getByTestId("page-not-loaded").getByRole("button", { name: "Thử lại" }).click();
    await page.locator('[data-testid="office-page"][data-page="dang-ky"]').waitFor({ timeout: 20_000 });
    await page.getByTestId("reg-add-form").waitFor({ timeout: 10_000 });
    assertEqual(await page.getByTestId("page-not-loaded").count(), 0, "the message is gone");
  });
  assertEqual(errors, [], "no page error (a failed module load must not abort the app)");
}

async function aPageOfABuildNoLongerServedOffersTheNewVersion(t) {
  // A copy of dist/ we can "deploy" a new build into.
  const site = t.tempDir("thidua-e2e-site-");
  fs.cpSync(DIST, site, { recursive: true });
  const relay = await t.startRelay({ demo: true, staticDir: site });
  // No service worker: nothing keeps the old build's files once they are gone.
  const context = await t.newContext({ serviceWorkers: "block" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // The page has not fetched its modules before the deploy (held back here,
  // as on a slow link).
  const modules = (url) => isSplitModule(url.href);
  await context.route(modules, (route) => route.abort("internetdisconnected"));
  let oldVersion;

  await t.step("signed in on the build served first", async () => {
    await page.goto(relay.signInUrl("LSN"));
    await page.getByTestId("office-name").waitFor({ timeout: 30_000 });
    await page.getByTestId("home").waitFor({ timeout: 20_000 });
    await page.locator(SYNCED).waitFor({ timeout: 30_000 });
    oldVersion = await pageVersion(page);
    assert(oldVersion, "the page names its build");
  });

  const next = makeNewVersion(site);
  assertEqual(next.oldVersion, oldVersion, "the page ran the build that was replaced");
  await context.unroute(modules);

  await t.step("the office page says the app was updated, not that the network failed", async () => {
    await page.evaluate(() => {
      window.location.hash = "#/don-vi/LSN/dang-ky";
    });
    const message = page.getByTestId("page-not-loaded");
    await message.waitFor({ timeout: 20_000 });
    assertEqual(await message.getAttribute("data-reason"), "new-version", "why the page did not open");
    const text = await message.innerText();
    assert(text.includes("phiên bản mới"), `message names the new version: ${text}`);
    assert(text.includes("Dữ liệu trên máy vẫn còn nguyên"), `message says the data is safe: ${text}`);
    assert(!text.includes("kết nối mạng"), `message does not blame the network: ${text}`);
    await page.screenshot({ path: t.artifact("lazy-page-new-version.png") });
  });

  await t.step("\"Tải lại\" opens the page in the new build", async () => {
    await page.getByTestId("page-not-loaded").getByRole("button", { name: "Tải lại" }).click();
    await page.locator('[data-testid="office-page"][data-page="dang-ky"]').waitFor({ timeout: 30_000 });
    await page.getByTestId("reg-add-form").waitFor({ timeout: 10_000 });
    assertEqual(await pageVersion(page), next.version, "the page runs the new build");
    assertEqual(await page.getByTestId("page-not-loaded").count(), 0, "the message is gone");
  });
  assertEqual(errors, [], "no page error");
}

export default [
  everyPageOpensOfflineInAFreshPage,
  aModuleThatCannotBeFetchedSaysSoAndOpensOnRetry,
  aPageOfABuildNoLongerServedOffersTheNewVersion,
];
