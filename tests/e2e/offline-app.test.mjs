// The offline-first app end to end, in headless Chromium against a real relay:
// sign in once online, then work offline through reloads and closed pages;
// merge on reconnect; two tabs; rights (a change slipped into the browser's
// storage is refused by the relay); screenshots of the main screen.

import * as Automerge from "@automerge/automerge";
import { appStatus, assert, assertEqual, readChunks, waitForController, writeChunk } from "./lib.mjs";

const SYNCED = '[data-testid="sync-state"][data-state="synced"]';
const OFFLINE = '[data-testid="sync-state"][data-state="offline"]';

/** Sign a fresh page in with an office's link and wait until it is synced. */
async function signIn(context, relay, office) {
  const page = await context.newPage();
  await page.goto(relay.signInUrl(office));
  await page.getByTestId("office-name").waitFor({ timeout: 30_000 });
  await page.locator(SYNCED).waitFor({ timeout: 30_000 });
  // The app opens on the home page (việc cần làm); the scores are on the
  // office's scoring page.
  await page.evaluate((o) => {
    window.location.hash = `#/don-vi/${o}/cham-diem`;
  }, office);
  await page.getByTestId("scores").waitFor({ timeout: 20_000 });
  return page;
}

/** Type a self-score and commit it (Enter), as a user does. */
async function setScore(page, criterion, value) {
  const input = page.getByTestId(`score-input-${criterion}`);
  await input.fill(String(value));
  await input.press("Enter");
}

async function scoreInput(page, criterion) {
  return page.getByTestId(`score-input-${criterion}`).inputValue();
}

/** The value another office's device shows for an office's criterion (read-only view). */
async function readOnlyScore(page, relay, office, criterion, expected) {
  await page.goto(`${relay.url}/#/don-vi/${office}`);
  const cell = page.getByTestId(`score-value-${criterion}`);
  await page.waitForFunction(
    ([sel, want]) => document.querySelector(sel)?.textContent?.trim() === want,
    [`[data-testid="score-value-${criterion}"]`, String(expected)],
    { timeout: 20_000 },
  );
  return (await cell.textContent()).trim();
}

async function offlineReloadEditReopenThenSync(t) {
  const relay = await t.startRelay({ demo: true });
  const context = await t.newContext();
  let page = await signIn(context, relay, "LSN");
  await waitForController(page);
  await page.screenshot({ path: t.artifact("main-screen-online.png"), fullPage: true });

  await t.step("offline: reload starts from the service worker", async () => {
    await context.setOffline(true);
    await page.locator(OFFLINE).waitFor({ timeout: 10_000 });
    await page.reload();
    await page.getByTestId("office-name").waitFor({ timeout: 20_000 });
    await page.locator(OFFLINE).waitFor();
  });

  await t.step("offline: edit, saved locally at once", async () => {
    await setScore(page, "C1", 21);
    await page.waitForFunction(
      () => document.querySelector('[data-testid="unacked"]')?.dataset.count === "1",
      null,
      { timeout: 10_000 },
    );
    assertEqual(await scoreInput(page, "C1"), "21", "the edit is shown");
    await page.screenshot({ path: t.artifact("main-screen-offline.png"), fullPage: true });
  });

  await t.step("offline: close the page and open it again, the edit is there", async () => {
    await page.close();
    page = await context.newPage();
    await page.goto(`${relay.url}/#/don-vi/LSN/cham-diem`);
    await page.getByTestId("office-name").waitFor({ timeout: 20_000 });
    await page.waitForFunction(
      () => document.querySelector('[data-testid="score-input-C1"]')?.value === "21",
      null,
      { timeout: 20_000 },
    );
    assertEqual(await scoreInput(page, "C1"), "21", "C1 after reopening offline");
  });

  await t.step("online again: synced within seconds, another office sees the edit", async () => {
    await context.setOffline(false);
    await page.locator(SYNCED).waitFor({ timeout: 15_000 });
    assertEqual(
      await page.getByTestId("unacked").getAttribute("data-count"),
      "0",
      "nothing left unacknowledged",
    );
    const other = await t.newContext();
    const cbg = await signIn(other, relay, "CBG");
    assertEqual(await readOnlyScore(cbg, relay, "LSN", "C1", 21), "21", "Cao Bằng sees Lạng Sơn's C1");
  });
}

async function twoTabsEditOfflineBothReachTheRelay(t) {
  const relay = await t.startRelay({ demo: true });
  const context = await t.newContext();
  const tab1 = await signIn(context, relay, "LSN");
  await waitForController(tab1);
  const tab2 = await context.newPage();
  await tab2.goto(`${relay.url}/#/don-vi/LSN/cham-diem`);
  await tab2.locator(SYNCED).waitFor({ timeout: 20_000 });

  await context.setOffline(true);
  await tab1.locator(OFFLINE).waitFor({ timeout: 10_000 });
  await tab2.locator(OFFLINE).waitFor({ timeout: 10_000 });
  await setScore(tab1, "C1", 10);
  await setScore(tab2, "C2", 12);

  await t.step("tabs see each other's edits while offline", async () => {
    await tab2.waitForFunction(
      () => document.querySelector('[data-testid="score-input-C1"]')?.value === "10",
      null,
      { timeout: 10_000 },
    );
    await tab1.waitForFunction(
      () => document.querySelector('[data-testid="score-input-C2"]')?.value === "12",
      null,
      { timeout: 10_000 },
    );
  });

  await t.step("after reconnecting, both edits are on the relay", async () => {
    await context.setOffline(false);
    await tab1.locator(SYNCED).waitFor({ timeout: 15_000 });
    await tab2.locator(SYNCED).waitFor({ timeout: 15_000 });
    const other = await t.newContext();
    const sla = await signIn(other, relay, "SLA");
    assertEqual(await readOnlyScore(sla, relay, "LSN", "C1", 10), "10", "C1 from tab 1");
    assertEqual(await readOnlyScore(sla, relay, "LSN", "C2", 12), "12", "C2 from tab 2");
  });
}

async function anotherOfficesDataIsReadOnlyAndATamperedChangeIsRefused(t) {
  const relay = await t.startRelay({ demo: true });
  const context = await t.newContext();
  const page = await signIn(context, relay, "LSN");

  await t.step("the UI shows Cao Bằng's data read-only", async () => {
    await page.goto(`${relay.url}/#/don-vi/CBG`);
    await page.getByTestId("readonly").waitFor();
    assertEqual(await page.locator('[data-testid^="score-input-"]').count(), 0, "no inputs");
    assertEqual(await page.locator('[data-testid^="score-value-"]').count(), 6, "values shown");
  });

  await t.step("a change to Cao Bằng's document written into this device's storage is refused by the relay, with its reason", async () => {
    // What someone holding the device can do without any hook in the app:
    // take Cao Bằng's replica out of the app's IndexedDB, make a real
    // automerge change on top of it (here in Node), put it back as an
    // incremental chunk, and start the app again. The app loads it like any
    // stored change and sends it; only the relay stands in the way.
    const url = (await relayDirectory(relay)).offices.find((o) => o.code === "CBG").url;
    const docId = url.replace(/^automerge:/, "");
    const { database } = await appStatus(page);
    const chunks = await readChunks(page, database, docId);
    assert(chunks.length > 0, `Cao Bằng's replica is stored in ${database}`);
    let doc = Automerge.init();
    for (const c of chunks.filter((c) => !c.key.includes("/draft/"))) {
      doc = Automerge.loadIncremental(doc, c.bytes);
    }
    const tampered = Automerge.change(doc, (d) => {
      d.name = "Sửa trái phép";
    });
    const change = Automerge.getLastLocalChange(tampered);
    await writeChunk(page, database, docId, "incremental", change);
    await page.reload();

    const banner = page.getByTestId("rejection-banner");
    await banner.waitFor({ timeout: 15_000 });
    const text = await banner.textContent();
    assert(text.includes("chỉ được xem"), `reason shown in Vietnamese: ${text}`);
    assert(text.includes("Cao Bằng"), `names the office: ${text}`);
    await page.getByTestId("nav-sync").click();
    await page.getByTestId("rejection-reason").first().waitFor();
    await page.getByTestId("draft").first().waitFor({ timeout: 10_000 });
    await page.screenshot({ path: t.artifact("rejected-change.png"), fullPage: true });
  });

  await t.step("the replica returned to the relay's state: nothing left waiting", async () => {
    // The refused change would otherwise stay unacknowledged forever.
    await page.locator(SYNCED).waitFor({ timeout: 15_000 });
    assertEqual(await page.getByTestId("unacked").getAttribute("data-count"), "0", "unacknowledged");
  });

  await t.step("the production build has no hook that writes around the app's checks", async () => {
    const hooks = await page.evaluate(async () => {
      const mod = await import(document.querySelector('link[rel="modulepreload"]').href);
      return Object.keys(mod).filter((k) => k.startsWith("thiduaDebug")).sort();
    });
    const rebuild = "(dist/ built with THIDUA_APP_FEATURES=debug-hooks? run scripts/build-app.sh)";
    assert(!hooks.includes("thiduaDebugForceSet"), `no thiduaDebugForceSet: ${hooks} ${rebuild}`);
    assert(!hooks.includes("thiduaDebugBenchSynthetic"), `no thiduaDebugBenchSynthetic: ${hooks} ${rebuild}`);
    assert(hooks.includes("thiduaDebugStatus"), `support diagnostics stay: ${hooks}`);
  });
}

async function concurrentValuesAreMarkedAndTheUserPicksOne(t) {
  const relay = await t.startRelay({ demo: true });
  // Two devices of one office (two browser profiles, same office token).
  const [ctxA, ctxB] = [await t.newContext(), await t.newContext()];
  const a = await signIn(ctxA, relay, "LSN");
  const b = await signIn(ctxB, relay, "LSN");
  await waitForController(a);
  await waitForController(b);
  await ctxA.setOffline(true);
  await ctxB.setOffline(true);
  await setScore(a, "C4", 11);
  await setScore(b, "C4", 13);
  await ctxA.setOffline(false);
  await ctxB.setOffline(false);

  await t.step("both devices mark the field and show both values", async () => {
    for (const page of [a, b]) {
      const note = page.getByTestId("score-row-C4").getByTestId("conflict");
      await note.waitFor({ timeout: 20_000 });
      const text = await note.textContent();
      assert(text.includes("11") && text.includes("13"), `both values offered: ${text}`);
    }
    await a.screenshot({ path: t.artifact("conflict-marked.png"), fullPage: true });
  });

  await t.step("picking a value resolves the conflict everywhere", async () => {
    await a.getByTestId("score-row-C4").getByRole("button", { name: "13" }).click();
    for (const page of [a, b]) {
      await page.getByTestId("score-row-C4").getByTestId("conflict").waitFor({ state: "detached", timeout: 20_000 });
      await page.waitForFunction(
        () => document.querySelector('[data-testid="score-input-C4"]')?.value === "13",
        null,
        { timeout: 20_000 },
      );
    }
  });
}

/** Names the device on the home page, as its people would. */
async function nameDevice(page, name) {
  await page.evaluate(() => {
    window.location.hash = "#/";
  });
  await page.getByTestId("device-name-input").fill(name);
  await page.getByTestId("device-name-save").click();
  await page.waitForFunction((n) => document.querySelector('[data-testid="device-name"]')?.textContent === n, name);
  await page.evaluate(() => {
    window.location.hash = "#/don-vi/LSN/cham-diem";
  });
  await page.getByTestId("scores").waitFor();
}

async function aConflictIsSettledFromTheSyncPageNamingEachDevice(t) {
  const relay = await t.startRelay({ demo: true });
  const [ctxA, ctxB] = [await t.newContext(), await t.newContext()];
  const a = await signIn(ctxA, relay, "LSN");
  const b = await signIn(ctxB, relay, "LSN");
  await nameDevice(a, "Máy chị Lan");
  await nameDevice(b, "Máy anh Nam");
  await ctxA.setOffline(true);
  await ctxB.setOffline(true);
  await setScore(a, "C5", 9);
  await setScore(b, "C5", 12);
  await ctxA.setOffline(false);
  await ctxB.setOffline(false);

  await t.step("the header counts the conflict; the sync page lists each value with its device", async () => {
    const count = a.getByTestId("conflict-count");
    await count.waitFor({ timeout: 20_000 });
    assertEqual(await count.getAttribute("data-count"), "1", "one conflicted field");
    await count.click();
    const item = a.locator('[data-testid="conflict-item"]');
    await item.waitFor();
    const values = await item.locator('[data-testid="conflict-value"]').allTextContents();
    assertEqual(values.length, 2, `two values: ${values}`);
    assert(values.some((v) => v.includes("9") && v.includes("Máy chị Lan")), `Lan's value: ${values}`);
    assert(values.some((v) => v.includes("12") && v.includes("Máy anh Nam")), `Nam's value: ${values}`);
    assertEqual(await item.locator('[data-shown="true"]').count(), 1, "the value shown now is marked");
    assert((await item.textContent()).includes("Chấm điểm"), "the place is named");
    await a.screenshot({ path: t.artifact("conflicts-sync-page.png"), fullPage: true });
  });

  await t.step("keeping Nam's value settles it on both devices", async () => {
    await a
      .locator('[data-testid="conflict-value"]', { hasText: "Máy anh Nam" })
      .getByTestId("conflict-keep")
      .click();
    await a.getByTestId("no-conflicts").waitFor({ timeout: 20_000 });
    assertEqual(await a.getByTestId("conflict-count").count(), 0, "no count in the header");
    await b.waitForFunction(
      () => document.querySelector('[data-testid="score-input-C5"]')?.value === "12",
      null,
      { timeout: 20_000 },
    );
    await b.getByTestId("conflict-count").waitFor({ state: "detached", timeout: 20_000 });
  });

  await t.step("the history names the devices as their people named them", async () => {
    await b.evaluate(() => {
      window.location.hash = "#/don-vi/LSN/lich-su";
    });
    const history = b.locator("table.history");
    await history.waitFor();
    const text = await history.textContent();
    assert(text.includes("Máy chị Lan") && text.includes("Máy anh Nam"), "both devices named in the history");
    assert(text.includes("Chọn giá trị giữ lại"), "the settling is in the history");
  });
}

async function relayDirectory(relay) {
  const res = await fetch(`${relay.url}/api/directory`, {
    headers: { Authorization: `Bearer ${relay.tokens.LSN}` },
  });
  return res.json();
}

export default [
  offlineReloadEditReopenThenSync,
  twoTabsEditOfflineBothReachTheRelay,
  anotherOfficesDataIsReadOnlyAndATamperedChangeIsRefused,
  concurrentValuesAreMarkedAndTheUserPicksOne,
  aConflictIsSettledFromTheSyncPageNamingEachDevice,
];
