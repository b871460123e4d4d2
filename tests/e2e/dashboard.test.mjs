// The cluster dashboard (#/tong-hop) in headless Chromium against a real
// relay with the seeded demo year:
// 1. the summary the app computes from its replicas equals the relay's
//    GET /api/cluster/summary (deep equality of the JSON), for the cluster's
//    year and an earlier one, and again after an edit;
// 2. offline (signed in online first, service worker controlling, then the
//    network gone and a reload): the figures shown for Lào Cai match the
//    relay's summary fetched before going offline, its seeded violation
//    (Chiến sĩ thi đua cơ sở above the 15% cap) is explained, Điện Biên is
//    marked as behind; the Excel and CSV files downloaded offline are the
//    relay's files byte for byte; the print view is an administrative
//    report. Screenshots (dashboard, phone, print view) and a PDF of the
//    report land in artifacts/.

import fs from "node:fs";
import { assert, assertEqual, waitForController } from "./lib.mjs";

const SYNCED = '[data-testid="sync-state"][data-state="synced"]';
const OFFLINE = '[data-testid="sync-state"][data-state="offline"]';

async function signIn(context, relay, office) {
  const page = await context.newPage();
  await page.goto(relay.signInUrl(office));
  await page.getByTestId("office-name").waitFor({ timeout: 30_000 });
  await page.locator(SYNCED).waitFor({ timeout: 30_000 });
  return page;
}

/** Collects page errors (UI panics), except the transport's known dropped-closure error. */
function watchErrors(page) {
  const errors = [];
  page.on("pageerror", (e) => {
    if (!String(e).includes("closure invoked recursively or after being dropped")) errors.push(String(e));
  });
  return errors;
}

async function relayGet(relay, path, office = "LSN") {
  const res = await fetch(`${relay.url}${path}`, {
    headers: { Authorization: `Bearer ${relay.tokens[office]}` },
  });
  assert(res.ok, `${path}: HTTP ${res.status}`);
  return res;
}

const relaySummary = async (relay, query = "") => (await relayGet(relay, `/api/cluster/summary${query}`)).json();

/** The summary the app computes in the browser (debug hook thiduaDebugSummary). */
function appSummary(page, year = undefined) {
  return page.evaluate(async (y) => {
    const mod = await import(document.querySelector('link[rel="modulepreload"]').href);
    return JSON.parse(mod.thiduaDebugSummary(y));
  }, year);
}

/** The first path where two JSON values differ, or null. */
function firstDifference(a, b, path = "") {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: ${a.length} items vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}/${i}`);
      if (d) return d;
    }
    return null;
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(a[k] ?? null, b[k] ?? null, `${path}/${k}`);
      if (d) return d;
    }
    return null;
  }
  return a === b ? null : `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}

function assertSameSummary(app, relay, what) {
  const diff = firstDifference(app, relay);
  assert(diff === null, `${what}: the app's summary equals the relay's; first difference ${diff}`);
}

/** Numbers as the dashboard writes them (decimal comma, at most two decimals). */
function fmtNum(x) {
  const r = Math.round(x * 100) / 100;
  return Number.isInteger(r) ? String(r) : String(r).replace(".", ",");
}

async function text(page, testid) {
  return (await page.getByTestId(testid).textContent()).trim();
}

async function theBrowsersSummaryEqualsTheRelays(t) {
  const relay = await t.startRelay({ demo: true });
  const context = await t.newContext();
  const page = await signIn(context, relay, "LSN");
  const errors = watchErrors(page);

  await t.step("synced: the cluster's year", async () => {
    const [app, server] = [await appSummary(page), await relaySummary(relay)];
    assertEqual(app.offices.length, 9, "nine offices");
    assert(app.warnings.length >= 3, `the seeded violations are warned about: ${app.warnings.length}`);
    assertSameSummary(app, server, "year 2026");
  });

  await t.step("an earlier year (the seeded history)", async () => {
    const [app, server] = [await appSummary(page, 2025), await relaySummary(relay, "?year=2025")];
    assertEqual(app.year, 2025, "year");
    assertSameSummary(app, server, "year 2025");
  });

  await t.step("after an edit on this device, synced again", async () => {
    await page.goto(`${relay.url}/#/don-vi/LSN/cham-diem`);
    const input = page.getByTestId("score-input-C2");
    await input.waitFor();
    const value = (await input.inputValue()) === "7,5" ? 8 : 7.5;
    await input.fill(String(value));
    await input.press("Enter");
    // The app's own summary follows the edit at once (the edited document
    // is read again, the others come from the cache)…
    await page.waitForFunction(
      async (want) => {
        const mod = await import(document.querySelector('link[rel="modulepreload"]').href);
        const lsn = JSON.parse(mod.thiduaDebugSummary()).offices.find((o) => o.code === "LSN");
        return lsn.scores.criteria.find((c) => c.criterionId === "C2").selfScore === want;
      },
      value,
      { timeout: 10_000 },
    );
    // …and once the relay has it, both agree again.
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="sync-state"]')?.dataset.state === "synced" &&
        document.querySelector('[data-testid="unacked"]')?.dataset.count === "0",
      null,
      { timeout: 20_000 },
    );
    const [app, server] = [await appSummary(page), await relaySummary(relay)];
    const lsn = server.offices.find((o) => o.code === "LSN");
    assertEqual(lsn.scores.criteria.find((c) => c.criterionId === "C2").selfScore, value, "the relay has the edit");
    assertSameSummary(app, server, "after the edit");
  });
  assertEqual(errors, [], "no page errors");
}

async function theDashboardWorksOfflineWithDownloadsAndAPrintView(t) {
  const relay = await t.startRelay({ demo: true });
  const context = await t.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await signIn(context, relay, "LSN");
  const errors = watchErrors(page);
  await waitForController(page);

  // What the relay says while online.
  const server = await relaySummary(relay);
  const serverXlsx = Buffer.from(await (await relayGet(relay, "/api/cluster/export.xlsx")).arrayBuffer());
  const serverCsv = Buffer.from(await (await relayGet(relay, "/api/cluster/export.csv?view=warnings")).arrayBuffer());

  await t.step("offline: the dashboard opens after a reload from the service worker", async () => {
    await context.setOffline(true);
    await page.locator(OFFLINE).waitFor({ timeout: 10_000 });
    await page.getByTestId("nav-dashboard").click();
    await page.getByTestId("dashboard").waitFor();
    await page.reload();
    await page.getByTestId("dash-offices").waitFor({ timeout: 20_000 });
    await page.locator('[data-testid="chart-scores"] .chart-wide svg').waitFor();
    // After a reload the replicas are read from IndexedDB one by one; until
    // the last one is read the page says which offices it is still reading
    // ("Đang đọc dữ liệu đã lưu trên máy của …"), and its figures are incomplete.
    await page.getByTestId("dash-loading").waitFor({ state: "detached", timeout: 20_000 });
    // Every office's document is on this device: none is reported missing.
    assertEqual(await page.getByTestId("dash-missing").count(), 0, "offices reported without data");
    await page.locator(OFFLINE).waitFor();
    assert(
      (await page.getByTestId("nav-dashboard").getAttribute("class")).includes("active"),
      "the Tổng hợp tab is active",
    );
  });

  await t.step("Lào Cai's figures are the relay's", async () => {
    const lci = server.offices.find((o) => o.code === "LCI");
    assertEqual(await text(page, "dash-rank-LCI"), lci.scores.rank === null ? "—" : String(lci.scores.rank), "rank");
    assertEqual(await text(page, "dash-self-LCI"), fmtNum(lci.scores.selfTotal), "self-score total");
    assertEqual(await text(page, "dash-peer-LCI"), fmtNum(lci.scores.peerTotal), "peer average total");
    assertEqual(await text(page, "dash-mid-LCI"), fmtNum(lci.midYearScores.selfTotal), "mid-year self-score total");
    assertEqual(await text(page, "dash-warnings-LCI"), String(lci.warningCount), "warning count");
    assert(lci.warningCount >= 1, "Lào Cai has a warning");
    assertEqual(
      await text(page, "dash-registered-LCI"),
      `${lci.registrations.registeredCount}/${lci.registrations.staffCount}`,
      "registered / staff",
    );
    assertEqual(await page.locator('[data-testid^="dash-warning-"][data-code]').count(), server.warnings.length, "warnings listed");
  });

  await t.step("the figures reconcile: rows in rank order, counts that add up, no internal timings", async () => {
    const rows = await page.locator('[data-testid^="dash-office-"]').evaluateAll((trs) => trs.map((tr) => tr.dataset.testid.slice("dash-office-".length)));
    assertEqual(rows, server.ranking, "the offices' rows follow the ranking");
    const ranks = (await page.locator('[data-testid^="dash-rank-"]').allTextContents()).map((r) => r.trim());
    const numeric = ranks.filter((r) => r !== "—").map(Number);
    assert(numeric.every((r, i) => i === 0 || numeric[i - 1] <= r), `ranks ascending: ${ranks}`);
    assert(ranks.indexOf("—") === -1 || ranks.slice(ranks.indexOf("—")).every((r) => r === "—"), `unranked last: ${ranks}`);
    const head = await text(page, "dash-followups-head");
    const t = server.totals;
    assert(head.includes(`${t.recommendationsOpen} kiến nghị, ${t.shortcomingsOpen} hạn chế`), head);
    assertEqual(
      await page.locator('[data-testid^="dash-followup-"]:not([data-testid="dash-followups-head"])').count(),
      t.recommendationsOpen + t.shortcomingsOpen,
      "the list has what the heading counts",
    );
    const body = await page.locator("main").innerText();
    assert(!/\d ms\)/.test(body), "no computation time shown");
  });

  await t.step("the charts are SVG with the names and values written on them", async () => {
    const lci = server.offices.find((o) => o.code === "LCI");
    for (const chart of ["chart-scores", "chart-registrations", "chart-warnings"]) {
      const svg = page.locator(`[data-testid="${chart}"] .chart-wide svg`);
      assert(await svg.isVisible(), `${chart} is shown`);
      const words = await svg.textContent();
      assert(words.includes("Lào Cai"), `${chart} names the offices: ${words.slice(0, 200)}`);
    }
    const scores = await page.locator('[data-testid="chart-scores"] .chart-wide svg').textContent();
    assert(scores.includes(`tự chấm: ${fmtNum(lci.scores.selfTotal)}`), "self-scores written on the bars");
    assert(scores.includes(`chấm chéo: ${fmtNum(lci.scores.peerTotal)}`), "peer averages written on the bars");
    assert(scores.includes(`Tối đa ${fmtNum(server.maxTotal)}`), "the criteria maximum total is marked");
    assert(
      (await page.locator('[data-testid="chart-scores"] pattern').count()) >= 1,
      "the second series is hatched, not only coloured",
    );
  });

  await t.step("the seeded violation is explained", async () => {
    const item = page.locator('[data-testid^="dash-warning-"][data-office="LCI"][data-code="cstdcs-cap"]');
    await item.waitFor();
    const words = await item.textContent();
    assert(words.includes("Lào Cai"), `names the office: ${words}`);
    assert(words.includes("vượt tỷ lệ 15%"), `says the cap is exceeded: ${words}`);
    assert(words.includes("Chiến sĩ thi đua cơ sở"), `names the title: ${words}`);
  });

  await t.step("targets against results, and the flag proposal from the vote", async () => {
    const lci = server.offices.find((o) => o.code === "LCI");
    const target = lci.registrations.targets;
    assert(target && target.ldtt && target.cstdcs, "the demo office set its targets");
    const row = await text(page, "dash-target-LCI");
    assert(row.includes(`${target.ldtt.reached}/${target.ldtt.needed} (chỉ tiêu 100%)`), `Lao động tiên tiến: ${row}`);
    assert(row.includes(`${target.cstdcs.reached}/${target.cstdcs.needed} (chỉ tiêu 15%)`), `Chiến sĩ thi đua cơ sở: ${row}`);
    const flag = page.getByTestId("dash-flag");
    await flag.waitFor();
    if (server.flag) {
      assertEqual(await flag.getAttribute("data-office"), server.flag.officeCode, "the relay's leading office");
      const words = await flag.textContent();
      assert(words.includes("Đề nghị Cờ thi đua") && words.includes("Điều 26"), `cites the article: ${words}`);
    }
  });

  await t.step("Điện Biên, weeks behind, is marked in words", async () => {
    const row = page.getByTestId("dash-office-DBN");
    assert((await row.getAttribute("class")).includes("behind"), "row marked");
    const fresh = await text(page, "dash-fresh-DBN");
    assert(fresh.includes("cập nhật đến") && fresh.includes("chậm"), `freshness says it is behind: ${fresh}`);
    assert((await text(page, "dash-fresh-LSN")).includes("cập nhật đến"), "every office says how fresh it is");
    await page.getByTestId("dash-behind").waitFor();
  });

  await t.step("overdue recommendations are marked against today's date", async () => {
    const count = await text(page, "dash-overdue-count");
    assert(/\d+ mục quá hạn/.test(count), count);
    const overdue = await page.locator('[data-testid^="dash-followup-"][data-overdue]').count();
    const marks = await page.locator(".overdue-mark").count();
    assertEqual(marks, overdue, "every overdue row says so in words");
  });

  await page.screenshot({ path: t.artifact("dashboard-offline.png"), fullPage: true });

  await t.step("the Excel file downloaded offline is the relay's, byte for byte", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-xlsx").click()]);
    assertEqual(download.suggestedFilename(), "tong-hop-cum-thi-dua-2026.xlsx", "file name");
    const bytes = fs.readFileSync(await download.path());
    assertEqual(bytes.subarray(0, 2).toString("latin1"), "PK", "a zip file");
    assert(bytes.length > 5_000 && bytes.length < 2_000_000, `reasonable size: ${bytes.length} bytes`);
    assert(bytes.equals(serverXlsx), `same bytes as /api/cluster/export.xlsx (${bytes.length} vs ${serverXlsx.length})`);
  });

  await t.step("a CSV view downloaded offline is the relay's too", async () => {
    await page.getByTestId("csv-view").selectOption("warnings");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-csv").click()]);
    assertEqual(download.suggestedFilename(), "tong-hop-cum-thi-dua-2026-canh-bao.csv", "file name");
    const bytes = fs.readFileSync(await download.path());
    assert(bytes.toString("utf8").startsWith("\ufeff"), "UTF-8 with a byte-order mark");
    assert(bytes.toString("utf8").includes("Lào Cai"), "Vietnamese text");
    assert(bytes.equals(serverCsv), "same bytes as /api/cluster/export.csv?view=warnings");
  });

  await t.step("on a phone the page does not scroll sideways", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId("dash-offices").waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 1, `page wider than the phone by ${overflow}px`);
    assert(
      await page.locator('[data-testid="chart-scores"] .chart-narrow svg').isVisible(),
      "phones get the narrow chart",
    );
    await page.screenshot({ path: t.artifact("dashboard-phone.png"), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  await t.step("the print view is an administrative report", async () => {
    await page.getByTestId("open-print").click();
    await page.getByTestId("report").waitFor({ timeout: 10_000 });
    assertEqual(await text(page, "report-issuer"), "VĂN PHÒNG ĐOÀN ĐBQH VÀ HĐND TỈNH LẠNG SƠN", "issuing body");
    const report = await page.getByTestId("report").textContent();
    for (const words of [
      "CỤM THI ĐUA VĂN PHÒNG ĐOÀN ĐBQH",
      "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
      "Độc lập - Tự do - Hạnh phúc",
      "Số: …/BC-CTĐ",
      "BÁO CÁO",
      "Tổng hợp kết quả thi đua năm 2026",
      "Nơi nhận:",
      "CỤM TRƯỞNG",
    ]) {
      assert(report.includes(words), `the report says "${words}"`);
    }
    assert(/^Lạng Sơn, ngày \d{2} tháng \d{1,2} năm \d{4}$/.test(await text(page, "report-date")), "place and date line");
    await page.locator(".print-controls summary").click();
    await page.getByTestId("print-number").fill("27");
    await page.getByTestId("print-signer").fill("Hoàng Văn Thử");
    assertEqual(await text(page, "report-number"), "Số: 27/BC-CTĐ", "number filled in");
    assert((await text(page, "report-signature")).includes("Hoàng Văn Thử"), "signer filled in");
    await page.screenshot({ path: t.artifact("dashboard-print-view.png"), fullPage: true });

    await page.emulateMedia({ media: "print" });
    assert(!(await page.locator("header.top").isVisible()), "the app's header is not printed");
    assert(!(await page.locator("nav.tabs").isVisible()), "the tabs are not printed");
    assert(!(await page.getByTestId("print-button").isVisible()), "the page's own controls are not printed");
    await page.screenshot({ path: t.artifact("dashboard-print.png"), fullPage: true });
    await page.pdf({ path: t.artifact("dashboard-report.pdf"), format: "A4", preferCSSPageSize: true });
    await page.emulateMedia({ media: "screen" });
  });
  assertEqual(errors, [], "no page errors");
}

export default [theBrowsersSummaryEqualsTheRelays, theDashboardWorksOfflineWithDownloadsAndAPrintView];
