// A forged refusal notice changes nothing in the app.
//
// The relay tells a device that it refused a change with an `ephemeral`
// message whose data is `{thidua: "rejected", code, message, messageVi,
// heads}` (shared/src/core/notice.rs); the app then shows the reason, rebuilds
// its replica at `heads` and keeps the rest as a draft. Any device may send
// `ephemeral` messages, and the relay forwards them to every device syncing
// the document. So another office's device, with a valid token, sends such a
// notice for Lạng Sơn's document (`heads: []`: "go back to nothing"), once
// under its own name and once under the relay's. The relay must refuse both
// (`reserved-ephemeral`, `sender-mismatch`: README, "The trust boundary", step
// 6) and the Lạng Sơn page must show exactly what it showed before, and go
// on syncing.
//
// The app's own check (notices only from the peer id it handshook with,
// shared/src/core/peers.rs) stops a forwarded notice under the forger's
// name, not one under the relay's: for that one the relay's sender check is
// the only defence. (Without the relay's checks the page, handed the notice
// under the relay's name, shows the forged reason, keeps the whole document
// as a refused draft and stores an empty replica.)
//
// The forging device is a raw automerge-repo v1 client in Node (ws + cbor-x,
// what @automerge/automerge-repo itself speaks), not a browser: what a
// hostile device sends is not limited to what the app would send.

import * as Automerge from "@automerge/automerge";
import { Encoder, decode } from "cbor-x";
import WebSocket from "ws";
import { appStatus, assert, assertEqual, readChunks } from "./lib.mjs";

const SYNCED = '[data-testid="sync-state"][data-state="synced"]';
// automerge-repo's own CBOR settings (@automerge/automerge-repo/helpers/cbor):
// byte strings untagged, plain maps.
const cbor = new Encoder({ tagUint8Array: false, useRecords: false });

/**
 * A raw automerge-repo v1 connection to the relay's /sync: frames decoded
 * into a queue, `next(pred)` takes the first matching message (or fails
 * after a timeout), `closed` resolves with the close code.
 */
async function rawDevice(relay, token, senderId) {
  const url = `${relay.url.replace(/^http/, "ws")}/sync?token=${encodeURIComponent(token)}`;
  const ws = new WebSocket(url);
  ws.binaryType = "nodebuffer";
  const queue = [];
  const waiters = new Set();
  let closeCode = null;
  const closed = new Promise((resolve) => {
    ws.on("close", (code) => {
      closeCode = code;
      for (const w of waiters) w.check();
      resolve(code);
    });
  });
  ws.on("message", (buf) => {
    queue.push(decode(buf));
    for (const w of waiters) w.check();
  });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  ws.on("error", () => {}); // a refused connection is closed by the relay; "close" tells

  const device = {
    senderId,
    relayId: null,
    closed,
    isOpen: () => closeCode === null && ws.readyState === WebSocket.OPEN,
    send(msg) {
      ws.send(cbor.encode(msg));
    },
    /** The first queued or coming message `pred` accepts. */
    next(pred, what, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const w = {
          check() {
            const i = queue.findIndex(pred);
            if (i >= 0) {
              done();
              resolve(queue.splice(i, 1)[0]);
            } else if (closeCode !== null) {
              done();
              reject(new Error(`${what}: the relay closed the connection (${closeCode}); got ${describe(queue)}`));
            }
          },
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${what}: nothing within ${timeoutMs} ms; got ${describe(queue)}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(w);
        };
        waiters.add(w);
        w.check();
      });
    },
    close() {
      ws.terminate();
    },
  };

  device.send({ type: "join", senderId, supportedProtocolVersions: ["1"] });
  const peer = await device.next((m) => m.type === "peer" || m.type === "error", "handshake");
  assertEqual(peer.type, "peer", `the relay answers the join (${JSON.stringify(peer)})`);
  assertEqual(peer.targetId, senderId, "the relay's peer message is addressed to us");
  device.relayId = peer.senderId;
  return device;
}

const describe = (msgs) => JSON.stringify(msgs.map((m) => ({ type: m.type, code: m.code, message: m.message })));

/** A valid automerge sync message from a device that has nothing yet. */
function emptySyncMessage() {
  const [, message] = Automerge.generateSyncMessage(Automerge.init(), Automerge.initSyncState());
  return message;
}

/** Join, ask for a document the way automerge-repo does, and wait for the relay's answer. */
async function joinedWithDoc(relay, token, senderId, docId) {
  const device = await rawDevice(relay, token, senderId);
  device.send({
    type: "request",
    documentId: docId,
    senderId,
    targetId: device.relayId,
    data: emptySyncMessage(),
  });
  const answer = await device.next(
    (m) => m.documentId === docId || m.type === "error",
    `the relay's answer to the request for ${docId}`,
  );
  // Cao Bằng may read Lạng Sơn's document: the relay serves it. So nothing
  // but the relay's check of the ephemeral message itself stands between
  // what follows and the Lạng Sơn page.
  assertEqual(answer.type, "sync", `Cao Bằng's device is served Lạng Sơn's document (${describe([answer])})`);
  return device;
}

/**
 * Sync a document from the relay into an empty automerge doc (automerge's
 * own sync protocol, message by message) until it has `wantHeads`.
 */
async function syncFromRelay(device, docId, wantHeads) {
  let doc = Automerge.init();
  let state = Automerge.initSyncState();
  let out;
  [state, out] = Automerge.generateSyncMessage(doc, state);
  device.send({ type: "request", documentId: docId, senderId: device.senderId, targetId: device.relayId, data: out });
  const want = JSON.stringify([...wantHeads].sort());
  while (JSON.stringify(Automerge.getHeads(doc).sort()) !== want) {
    const msg = await device.next(
      (m) => (m.type === "sync" && m.documentId === docId) || m.type === "error" || m.type === "doc-unavailable",
      `the relay's copy of ${docId} reaching ${want}`,
    );
    assertEqual(msg.type, "sync", `sync from the relay (${describe([msg])})`);
    [doc, state] = Automerge.receiveSyncMessage(doc, state, msg.data);
    [state, out] = Automerge.generateSyncMessage(doc, state);
    if (out) {
      device.send({ type: "sync", documentId: docId, senderId: device.senderId, targetId: device.relayId, data: out });
    }
  }
  return doc;
}

let ephemeralCount = 0;
function ephemeral(device, { senderId, docId, data }) {
  ephemeralCount += 1;
  return {
    type: "ephemeral",
    senderId,
    targetId: device.relayId,
    count: ephemeralCount,
    sessionId: `${device.senderId}-session`,
    documentId: docId,
    data: cbor.encode(data),
  };
}

const FORGED = {
  thidua: "rejected",
  code: "schema-violation",
  message: "forged",
  messageVi: "giả mạo",
  heads: [],
};

/** The relay's refusal of a frame: an `error` with `code`, then the connection closes. */
async function expectRefused(device, code) {
  const err = await device.next((m) => m.type === "error", `the relay's error ${code}`);
  assertEqual(err.code, code, `error code (${err.message})`);
  const closedWith = await Promise.race([device.closed, new Promise((r) => setTimeout(() => r("open"), 10_000))]);
  assert(closedWith !== "open", "the relay closes the connection after refusing");
  return err;
}

/**
 * Go to a route of the app in the same page (a hash change, never a reload:
 * refusals shown are kept in the page's memory, a reload would forget them).
 */
async function go(page, route) {
  await page.evaluate((hash) => {
    window.location.hash = hash;
  }, `#${route}`);
}

/** Everything the user sees that a forged notice could change, plus the stored replica. */
async function observe(page, lsnDocId) {
  await go(page, "/don-vi/LSN/cham-diem");
  await page.getByTestId("office-name").waitFor();
  await page.locator('[data-testid^="score-input-"]').first().waitFor({ timeout: 20_000 });
  const scores = await page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('[data-testid^="score-input-"]')].map((el) => [el.dataset.testid, el.value]),
    ),
  );
  const seen = {
    office: (await page.getByTestId("office-name").textContent()).trim(),
    syncState: await page.getByTestId("sync-state").getAttribute("data-state"),
    unacked: await page.getByTestId("unacked").getAttribute("data-count"),
    banners: await page.getByTestId("rejection-banner").count(),
    scores,
    scoreTotal: (await page.getByTestId("score-total").textContent()).trim(),
  };
  await go(page, "/don-vi/LSN/can-bo");
  await page.getByTestId("staff-count").waitFor();
  seen.staffCount = (await page.getByTestId("staff-count").textContent()).trim();
  seen.staffNames = await page.getByTestId("staff-name").allTextContents();
  await page.getByTestId("nav-sync").click();
  await page.getByTestId("sync-page").waitFor();
  seen.drafts = await page.getByTestId("draft").count();
  seen.rejections = await page.getByTestId("rejection").count();
  // The dashboard's numbers, computed on the device from its replicas.
  seen.lsnSummary = await page.evaluate(async () => {
    const mod = await import(document.querySelector('link[rel="modulepreload"]').href);
    const summary = JSON.parse(mod.thiduaDebugSummary());
    return JSON.stringify(summary.offices.find((o) => o.code === "LSN"));
  });
  // The replica as stored in the browser (what a rebuild would replace).
  const { database } = await appStatus(page);
  const chunks = await readChunks(page, database, lsnDocId);
  let doc = Automerge.init();
  for (const c of chunks.filter((c) => !c.key.includes("/draft/"))) doc = Automerge.loadIncremental(doc, c.bytes);
  seen.storedDrafts = chunks.filter((c) => c.key.includes("/draft/")).length;
  seen.storedHeads = Automerge.getHeads(doc).sort();
  seen.storedStaff = Object.keys(doc.staff ?? {}).length;
  seen.samePage = await page.evaluate(() => window.__forgedNoticeTest === true);
  await go(page, "/don-vi/LSN/cham-diem");
  await page.locator('[data-testid^="score-input-"]').first().waitFor();
  return seen;
}

async function aForgedRefusalNoticeFromAnotherDeviceChangesNothing(t) {
  const relay = await t.startRelay({ demo: true });
  const context = await t.newContext();
  const page = await context.newPage();
  await page.goto(relay.signInUrl("LSN"));
  await page.getByTestId("office-name").waitFor({ timeout: 30_000 });
  await page.locator(SYNCED).waitFor({ timeout: 30_000 });
  // Marks this page's JavaScript session: observe() checks it never reloaded.
  await page.evaluate(() => {
    window.__forgedNoticeTest = true;
  });

  const directory = await (
    await fetch(`${relay.url}/api/directory`, { headers: { Authorization: `Bearer ${relay.tokens.CBG}` } })
  ).json();
  const lsnDocId = directory.offices.find((o) => o.code === "LSN").url.replace(/^automerge:/, "");

  const before = await t.step("what Lạng Sơn's device shows, synced", async () => {
    const seen = await observe(page, lsnDocId);
    assertEqual(seen.syncState, "synced", "synced");
    assertEqual(seen.unacked, "0", "nothing unsent");
    assert(seen.samePage, "the page was not reloaded");
    assertEqual([seen.banners, seen.rejections, seen.drafts, seen.storedDrafts], [0, 0, 0, 0], "no refusal, no draft");
    assert(Object.keys(seen.scores).length > 0, `self-scores shown: ${JSON.stringify(seen.scores)}`);
    assert(seen.storedStaff > 0 && seen.staffNames.length === seen.storedStaff, `staff shown: ${seen.staffCount}`);
    assert(seen.storedHeads.length > 0, "the replica is stored");
    assert(typeof seen.lsnSummary === "string" && seen.lsnSummary.includes("LSN"), "the summary has Lạng Sơn");
    t.log(`before: ${seen.office}, ${seen.staffCount}, scores ${JSON.stringify(seen.scores)}`);
    return seen;
  });

  let relayId;
  await t.step("Cao Bằng's device forges a notice under its own name: refused reserved-ephemeral", async () => {
    const forger = await joinedWithDoc(relay, relay.tokens.CBG, "cbg-forger", lsnDocId);
    relayId = forger.relayId;
    // An ordinary ephemeral message first (presence): it is not refused, so
    // the error that follows is about the forged notice and nothing else.
    forger.send(ephemeral(forger, { senderId: forger.senderId, docId: lsnDocId, data: { dangXem: "Bình xét" } }));
    forger.send(ephemeral(forger, { senderId: forger.senderId, docId: lsnDocId, data: FORGED }));
    await expectRefused(forger, "reserved-ephemeral");
  });

  await t.step("the same notice under the relay's peer id: refused sender-mismatch", async () => {
    const forger = await joinedWithDoc(relay, relay.tokens.CBG, "cbg-forger-2", lsnDocId);
    assertEqual(forger.relayId, relayId, "the relay's peer id");
    forger.send(ephemeral(forger, { senderId: relayId, docId: lsnDocId, data: FORGED }));
    await expectRefused(forger, "sender-mismatch");
  });

  await t.step("Lạng Sơn's device shows exactly what it showed before", async () => {
    // A forwarded notice would have arrived within milliseconds; give it time.
    await page.waitForTimeout(1_500);
    const after = await observe(page, lsnDocId);
    assertEqual(after, before, "what the device shows and stores");
  });

  await t.step("and goes on syncing: one more edit is acknowledged", async () => {
    const [criterion, value] = Object.entries(before.scores)[0];
    const id = criterion.replace(/^score-input-/, "");
    const next = value === "1" ? "2" : "1";
    // Every value the "changes not yet sent" counter takes from now on.
    await page.evaluate(() => {
      const el = document.querySelector('[data-testid="unacked"]');
      window.__unackedSeen = [];
      new MutationObserver(() => window.__unackedSeen.push(el.dataset.count)).observe(el, {
        attributes: true,
        attributeFilter: ["data-count"],
      });
    });
    const input = page.getByTestId(criterion);
    await input.fill(next);
    await input.press("Enter");
    // Counted as unsent, then sent and acknowledged (the acknowledgement
    // comes on the same socket after anything the relay forwarded earlier).
    await page.waitForFunction(
      () =>
        window.__unackedSeen.some((c) => c !== "0") &&
        document.querySelector('[data-testid="unacked"]')?.dataset.count === "0" &&
        document.querySelector('[data-testid="sync-state"]')?.dataset.state === "synced",
      null,
      { timeout: 15_000 },
    );
    const after = await observe(page, lsnDocId);
    assertEqual(after.scores[criterion], next, `${id} after the edit`);
    assertEqual(
      [after.banners, after.rejections, after.drafts, after.storedDrafts],
      [0, 0, 0, 0],
      "still no refusal, no draft",
    );
    assertEqual(after.staffNames, before.staffNames, "staff");
    assertEqual(after.office, before.office, "office");
    assert(
      JSON.stringify(after.storedHeads) !== JSON.stringify(before.storedHeads),
      "the edit is stored in the replica",
    );
    // The relay has it: Cao Bằng's device syncs Lạng Sơn's document from the
    // relay to exactly the heads Lạng Sơn's device stores.
    const reader = await rawDevice(relay, relay.tokens.CBG, "cbg-reader");
    const synced = await syncFromRelay(reader, lsnDocId, after.storedHeads);
    reader.close();
    assertEqual(Object.keys(synced.staff ?? {}).length, before.storedStaff, "the relay's copy has the staff");
    await page.screenshot({ path: t.artifact("forged-notice-changes-nothing.png"), fullPage: true });
  });
}

export default [aForgedRefusalNoticeFromAnotherDeviceChangesNothing];
