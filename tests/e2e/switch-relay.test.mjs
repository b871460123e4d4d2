// Moving a signed-in device to another relay or cluster is an explicit,
// confirmed action: a sign-in link of another relay asks first (naming both
// relays and how many changes have not yet reached the current one);
// cancelling changes nothing; confirming moves the device, and each relay
// keeps its own local database, so coming back finds its replicas and the
// edits it had not received yet.
//
// The two relays sit under /a and /b of one origin (one site in front of two
// relays), so one page can reach both: the relay sends no CORS headers and
// its Content-Security-Policy lets a page fetch from its own origin only.

import { appStatus, assert, assertEqual, waitForController } from "./lib.mjs";

const SYNCED = '[data-testid="sync-state"][data-state="synced"]';

/** A sign-in link on the site's page for `relay` (an address under the site). */
function signInLink(site, token, relay) {
  return `${site.url}/#/dang-nhap?token=${encodeURIComponent(token)}&relay=${encodeURIComponent(relay)}`;
}

/**
 * Wait until the app runs signed in and `pred(status)` holds (across
 * reloads), and `inPage` (run in the page) too when given.
 */
async function waitForStatus(page, pred, what, timeout = 30_000, inPage = null) {
  const until = Date.now() + timeout;
  let last = null;
  while (Date.now() < until) {
    try {
      last = await appStatus(page);
      if (last && pred(last) && (!inPage || (await page.evaluate(inPage)))) return last;
    } catch {
      // the page is reloading
    }
    await page.waitForTimeout(100);
  }
  throw new Error(`${what}: status ${JSON.stringify(last)}`);
}

async function waitForUnacked(page, count) {
  await page.waitForFunction(
    (n) => document.querySelector('[data-testid="unacked"]')?.dataset.count === String(n),
    count,
    { timeout: 15_000 },
  );
}

/** Lạng Sơn's self-score on its scoring page (the app opens on the home page). */
async function waitForScore(page, criterion, value) {
  await page.evaluate(() => {
    if (window.location.hash !== "#/don-vi/LSN/cham-diem") window.location.hash = "#/don-vi/LSN/cham-diem";
  });
  await page.waitForFunction(
    ([c, v]) => document.querySelector(`[data-testid="score-input-${c}"]`)?.value === v,
    [criterion, String(value)],
    { timeout: 20_000 },
  );
}

/** LSN's self-score for a criterion, as relay A's summary has it. */
async function relaySelfScore(relay, criterion) {
  const res = await fetch(`${relay.url}/api/cluster/summary`, {
    headers: { Authorization: `Bearer ${relay.tokens.LSN}` },
  });
  const summary = await res.json();
  const lsn = summary.offices.find((o) => o.code === "LSN");
  return lsn.scores.criteria.find((c) => c.criterionId === criterion)?.selfScore ?? null;
}

async function aLinkToAnotherRelayAsksFirstAndEachRelayKeepsItsData(t) {
  const relayA = await t.startRelay({ demo: true });
  const relayB = await t.startRelay({ demo: true });
  const site = await t.startPathProxy({ routes: { "/a": relayA, "/b": relayB }, fallback: relayB });
  const [A, B] = [site.urlOf("/a"), site.urlOf("/b")];
  const context = await t.newContext();
  const page = await context.newPage();
  let onA;

  await t.step("signed in on relay A, with an edit relay A has not received", async () => {
    await page.goto(signInLink(site, relayA.tokens.LSN, A));
    await page.getByTestId("office-name").waitFor({ timeout: 30_000 });
    await page.locator(SYNCED).waitFor({ timeout: 30_000 });
    await waitForController(page);
    onA = await appStatus(page);
    assertEqual([onA.relay, onA.office], [A, "LSN"], "signed in on A as Lạng Sơn");
    // Relay A is out of reach: the edit stays on the device, not acknowledged.
    await relayA.stop();
    await page.evaluate(() => {
      window.location.hash = "#/don-vi/LSN/cham-diem";
    });
    const input = page.getByTestId("score-input-C1");
    await input.fill("21");
    await input.press("Enter");
    await waitForUnacked(page, 1);
  });

  await t.step("a sign-in link to relay B asks first, naming both relays and the unsent change", async () => {
    await page.goto(signInLink(site, relayB.tokens.CBG, B));
    const dialog = page.getByTestId("switch-confirm");
    await dialog.waitFor({ timeout: 30_000 });
    assertEqual((await page.getByTestId("switch-from-relay").textContent()).trim(), A, "current relay");
    assertEqual((await page.getByTestId("switch-to-relay").textContent()).trim(), B, "link's relay");
    assert((await page.getByTestId("switch-to-office").textContent()).includes("CBG"), "link's office");
    await page.waitForFunction(
      () => document.querySelector('[data-testid="switch-unsent"]')?.dataset.count === "1",
      null,
      { timeout: 15_000 },
    );
    const text = await dialog.textContent();
    assert(text.includes("một máy chủ khác"), `says the relay differs: ${text}`);
    assert(text.includes("Còn 1 thay đổi chưa gửi lên máy chủ"), `says what is not sent: ${text}`);
    await page.screenshot({ path: t.artifact("switch-relay-question.png"), fullPage: true });
    await page.getByTestId("lang-toggle").click();
    const en = await dialog.textContent();
    assert(en.includes("Move this device to another relay or cluster?"), `English: ${en}`);
    assert(en.includes("1 change(s) have not yet reached the relay"), `English: ${en}`);
    await page.getByTestId("lang-toggle").click();
  });

  await t.step("cancel: still on relay A, its data and the unsent edit as they were", async () => {
    await page.getByTestId("switch-cancel").click();
    await page.getByTestId("switch-confirm").waitFor({ state: "detached" });
    const now = await appStatus(page);
    assertEqual([now.relay, now.office, now.database], [A, "LSN", onA.database], "relay, office, database");
    await waitForScore(page, "C1", 21);
    await waitForUnacked(page, 1);
    // And after a reload too: nothing was switched behind the scenes.
    await page.reload();
    await waitForStatus(page, (s) => s.relay === A, "on A after a reload");
    await waitForScore(page, "C1", 21);
    await waitForUnacked(page, 1);
  });

  await t.step("open it again and confirm: on relay B, with B's own data", async () => {
    await page.goto(signInLink(site, relayB.tokens.CBG, B));
    await page.getByTestId("switch-confirm").waitFor({ timeout: 30_000 });
    await page.getByTestId("switch-accept").click();
    const onB = await waitForStatus(page, (s) => s.relay === B, "on B after confirming");
    assertEqual(onB.office, "CBG", "Cao Bằng's device on B");
    assert(onB.database !== onA.database, `B has its own database (${onB.database} vs ${onA.database})`);
    await page.locator(SYNCED).waitFor({ timeout: 30_000 });
    assert((await page.getByTestId("office-name").textContent()).includes("Cao Bằng"), "office shown");
    assertEqual(await page.getByTestId("unacked").getAttribute("data-count"), "0", "nothing of A's sent to B");
  });

  await t.step("back to relay A: its replicas and the unsent edit are there, and reach A", async () => {
    await relayA.restart();
    await page.goto(signInLink(site, relayA.tokens.LSN, A));
    await page.getByTestId("switch-confirm").waitFor({ timeout: 30_000 });
    assertEqual((await page.getByTestId("switch-from-relay").textContent()).trim(), B, "from B");
    assertEqual((await page.getByTestId("switch-to-relay").textContent()).trim(), A, "to A");
    await page.getByTestId("switch-accept").click();
    const back = await waitForStatus(page, (s) => s.relay === A, "on A again");
    assertEqual([back.office, back.database], ["LSN", onA.database], "A's database again");
    await waitForScore(page, "C1", 21);
    await page.locator(SYNCED).waitFor({ timeout: 30_000 });
    await waitForUnacked(page, 0);
    assertEqual(await relaySelfScore(relayA, "C1"), 21, "relay A has the edit made while it was away");
  });
}

async function aNewTokenOfTheSameOfficeIsAPlainSignIn(t) {
  const relay = await t.startRelay({ demo: true });
  const context = await t.newContext();
  const page = await context.newPage();
  await page.goto(relay.signInUrl("LSN"));
  await page.locator(SYNCED).waitFor({ timeout: 30_000 });
  const before = await appStatus(page);
  // A restart of the demo relay prints fresh tokens (the old ones stay valid).
  await relay.restart();
  const fresh = relay.tokens.LSN;
  await page.evaluate(() => {
    window.thiduaBeforeSignIn = true;
  });
  await page.goto(`${relay.url}/#/dang-nhap?token=${encodeURIComponent(fresh)}`);
  // The app starts again with the new token (a reload: the mark is gone).
  const after = await waitForStatus(
    page,
    (s) => s.state === "synced" && s.relay === relay.url,
    "signed in again",
    30_000,
    () => window.thiduaBeforeSignIn === undefined,
  );
  assertEqual([after.office, after.database], ["LSN", before.database], "same office, same database");
  assertEqual(await page.getByTestId("switch-confirm").count(), 0, "no question");
  assertEqual(new URL(page.url()).hash, "#/", "back at the home page");
}

export default [aLinkToAnotherRelayAsksFirstAndEachRelayKeepsItsData, aNewTokenOfTheSameOfficeIsAPlainSignIn];
