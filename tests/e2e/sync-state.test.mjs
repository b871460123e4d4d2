// Saved sync states in the browser (automerge-repo's `sync-state/<storageId>`):
// a device that changed nothing learns it is up to date in a few hundred bytes
// per document, after a reload and after the relay restarted, because both
// sides start from what they last knew they share, not from a blank Bloom
// exchange (the demo's documents hold few changes, so a blank exchange is
// small too; the simulation tests show the difference on long histories). A
// lost state (storage cleared of it) still converges.

import fs from "node:fs";
import path from "node:path";
import { appStatus, assert, chunkKeys } from "./lib.mjs";

/** Sync-state chunk files in a relay's data directory. */
function relayStateFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) out.push(...relayStateFiles(path.join(dir, entry.name)));
    else if (entry.name.startsWith("syncstate-")) out.push(entry.name);
  }
  return out;
}

const SYNCED = '[data-testid="sync-state"][data-state="synced"]';

/** Counts the bytes of WebSocket frames a page sends and receives. */
function wireCounter(page) {
  const counter = { sent: 0, received: 0, frames: 0 };
  const size = (payload) => (typeof payload === "string" ? Buffer.byteLength(payload) : payload.length);
  page.on("websocket", (ws) => {
    ws.on("framesent", (f) => {
      counter.sent += size(f.payload);
      counter.frames += 1;
    });
    ws.on("framereceived", (f) => {
      counter.received += size(f.payload);
      counter.frames += 1;
    });
  });
  counter.total = () => counter.sent + counter.received;
  counter.reset = () => {
    counter.sent = 0;
    counter.received = 0;
    counter.frames = 0;
  };
  return counter;
}

/** Wait until synced, then until no frame moved for a second (the exchange is over). */
async function settled(page, counter) {
  await page.locator(SYNCED).waitFor({ timeout: 30_000 });
  let last = -1;
  while (last !== counter.frames) {
    last = counter.frames;
    await page.waitForTimeout(1000);
  }
}

export default async function aReloadAndARelayRestartResumeFromSavedSyncStates(t) {
  const relay = await t.startRelay({ demo: true });
  const context = await t.newContext();
  const page = await context.newPage();
  const wire = wireCounter(page);
  await page.goto(relay.signInUrl("LSN"));
  await page.getByTestId("office-name").waitFor({ timeout: 30_000 });
  await settled(page, wire);
  const firstVisit = wire.total();
  const { database, loaded } = await appStatus(page);
  const docs = loaded[1];
  assert(docs >= 2, `the cluster's documents are loaded (${JSON.stringify(loaded)})`);
  t.log(`first visit: ${firstVisit} bytes for ${docs} documents`);

  let reload = 0;
  await t.step("reload: the device saved the relay's states and resumes from them", async () => {
    // The page's disconnect saves both sides' states.
    wire.reset();
    await page.reload();
    await page.getByTestId("office-name").waitFor({ timeout: 30_000 });
    await settled(page, wire);
    // Saved on the core's next tick (every 2 s) once in sync.
    let keys = [];
    for (let i = 0; i < 20 && keys.length < docs; i++) {
      await page.waitForTimeout(500);
      keys = await chunkKeys(page, database, "syncstate");
    }
    assert(keys.length >= docs, `a saved sync state per document (${keys.length} for ${docs})`);
    // And once more: this time the exchange starts from saved states.
    wire.reset();
    await page.reload();
    await page.getByTestId("office-name").waitFor({ timeout: 30_000 });
    await settled(page, wire);
    reload = wire.total();
    t.log(`reload, nothing changed: ${reload} bytes (${Math.round(reload / docs)} per document)`);
    assert(reload / docs < 1024, `under 1 KB per document to learn it is up to date: ${reload} bytes for ${docs}`);
  });

  await t.step("relay restart: its saved states survive too", async () => {
    await page.reload(); // the relay saves this connection's states when it closes
    await settled(page, wire);
    await relay.restart();
    const files = relayStateFiles(relay.dataDir);
    assert(files.length >= docs, `the relay kept this device's states on disk (${files.length})`);
    wire.reset();
    await page.reload();
    await page.getByTestId("office-name").waitFor({ timeout: 30_000 });
    await settled(page, wire);
    const afterRestart = wire.total();
    t.log(`reload after a relay restart: ${afterRestart} bytes (${Math.round(afterRestart / docs)} per document)`);
    assert(
      afterRestart / docs < 1024,
      `under 1 KB per document after the relay restarted: ${afterRestart} bytes for ${docs}`,
    );
  });

  await t.step("a lost sync state still converges (with a longer exchange)", async () => {
    const keys = await chunkKeys(page, database, "syncstate");
    await context.setOffline(true);
    await chunkKeys(page, database, "syncstate", { remove: keys });
    await context.setOffline(false);
    wire.reset();
    await page.reload();
    await page.getByTestId("office-name").waitFor({ timeout: 30_000 });
    await settled(page, wire);
    const blank = wire.total();
    t.log(`reload without saved states: ${blank} bytes (vs ${reload} with them)`);
    const status = await appStatus(page);
    assert(status.unacknowledged === 0, `nothing left unacknowledged: ${JSON.stringify(status)}`);
  });
}
