// Accessibility (axe-core) in headless Chromium against a demo relay:
// 1. axe-core runs on every screen of the app, in Vietnamese and then in
//    English (the header's lang-toggle; the sign-in screen, which has no
//    toggle, in a fresh context each with the stored language), and the test
//    fails on any violation of impact "serious" or "critical" (listed per
//    screen: rule, impact, help, target selectors of up to 3 nodes);
// 2. keyboard: on the scoring page (cham-diem), Tab from the top of the page
//    reaches the first score input within a bounded number of presses, and
//    each of the first 15 controls Tab reaches shows a visible focus
//    indicator (its computed outline or box-shadow differs when focused).
//
// axe is injected by evaluating axe.min.js's text through the DevTools
// protocol (page.evaluate), which the page's Content-Security-Policy does
// not apply to: page.addScriptTag inserts an inline <script>, which the
// relay's CSP (script-src 'self' 'wasm-unsafe-eval' + hashes, no
// 'unsafe-inline') blocks. The page keeps its real CSP (no bypassCSP).

import fs from "node:fs";
import { createRequire } from "node:module";
import { assert } from "./lib.mjs";

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve("axe-core/axe.min.js");
const AXE_SOURCE = fs.readFileSync(AXE_PATH, "utf8");

const SYNCED = '[data-testid="sync-state"][data-state="synced"]';
const VIEWPORT = { width: 1366, height: 768 };
const SETTLE_MS = 300;
const MAX_TABS = 60;
const FOCUS_SAMPLE = 15;

const officePage = (office, page) => ({
  name: `don-vi/${office}/${page}`,
  hash: `#/don-vi/${office}/${page}`,
  ready: `[data-testid="office-page"][data-office="${office}"][data-page="${page}"]`,
});

/** The signed-in screens: hash route and an element that shows the screen is there. */
const SCREENS = [
  { name: "home", hash: "#/", ready: '[data-testid="home"]' },
  ...["can-bo", "dang-ky", "cham-diem", "kiem-tra", "dien-hinh", "binh-xet", "khen-thuong", "lich-su"].map((p) =>
    officePage("LSN", p),
  ),
  { ...officePage("CBG", "cham-diem"), name: "don-vi/CBG/cham-diem (read-only)" },
  { name: "cum", hash: "#/cum", ready: '[data-testid="cluster-page"]' },
  { name: "cum/thiet-lap", hash: "#/cum/thiet-lap", ready: '[data-testid="cluster-setup"]' },
  { name: "tong-hop", hash: "#/tong-hop", ready: '[data-testid="dashboard"]' },
  { name: "tong-hop/in", hash: "#/tong-hop/in", ready: '[data-testid="print-page"]' },
  { name: "dong-bo", hash: "#/dong-bo", ready: '[data-testid="sync-page"]' },
];

/** Load axe into the page (once per document). */
async function injectAxe(page) {
  const present = await page.evaluate(() => typeof window.axe === "object");
  if (!present) await page.evaluate(AXE_SOURCE);
  assert(await page.evaluate(() => typeof window.axe?.run === "function"), "axe-core loaded into the page");
}

/** The serious and critical violations axe finds in the page now, as plain data. */
async function seriousViolations(page) {
  await injectAxe(page);
  return page.evaluate(async () => {
    const results = await window.axe.run(document, { resultTypes: ["violations"] });
    return results.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        count: v.nodes.length,
        nodes: v.nodes.slice(0, 3).map((n) => ({
          target: n.target.map(String).join(" "),
          why: (n.any[0] || n.all[0] || n.none[0])?.message ?? "",
        })),
      }));
  });
}

function formatViolations(screen, lang, violations) {
  const lines = [`${screen} [${lang}]:`];
  for (const v of violations) {
    lines.push(`  ${v.id} (${v.impact}, ${v.count} node${v.count === 1 ? "" : "s"}): ${v.help}`);
    for (const n of v.nodes) lines.push(`    ${n.target}${n.why ? ` — ${n.why}` : ""}`);
  }
  return lines.join("\n");
}

async function settle(page, selector) {
  await page.locator(selector).first().waitFor({ state: "visible", timeout: 20_000 });
  await page.waitForTimeout(SETTLE_MS);
}

/** The language the app shows (<html lang>, set from the stored choice). */
const htmlLang = (page) => page.evaluate(() => document.documentElement.lang);

export default async function a11y(t) {
  const relay = await t.startRelay({ demo: true });
  const browser = await t.browser();
  const failures = [];
  const check = async (page, screen, lang) => {
    const found = await seriousViolations(page);
    t.log(`${screen} [${lang}]: ${found.length ? found.map((v) => `${v.id}×${v.count}`).join(", ") : "no serious/critical violations"}`);
    if (found.length) failures.push(formatViolations(screen, lang, found));
  };

  await t.step("sign-in screen, both languages", async () => {
    for (const lang of ["vi", "en"]) {
      const context = await t.newContext({ viewport: VIEWPORT });
      await context.addInitScript((l) => localStorage.setItem("thidua-lang", l), lang);
      const page = await context.newPage();
      await page.goto(`${relay.url}/`);
      await settle(page, '[data-testid="signin-form"]');
      assert((await htmlLang(page)) === lang, `sign-in screen shows language ${lang}`);
      await check(page, "sign-in", lang);
      await context.close();
    }
  });

  const context = await t.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  await t.step("sign in as LSN", async () => {
    await page.goto(relay.signInUrl("LSN"));
    await page.getByTestId("office-name").waitFor({ timeout: 30_000 });
    await page.locator(SYNCED).waitFor({ timeout: 30_000 });
  });

  for (const lang of ["vi", "en"]) {
    await t.step(`every screen in ${lang}`, async () => {
      if ((await htmlLang(page)) !== lang) {
        await page.getByTestId("lang-toggle").click();
        await page.waitForFunction((l) => document.documentElement.lang === l, lang);
      }
      for (const screen of SCREENS) {
        await page.evaluate((h) => (location.hash = h), screen.hash);
        await settle(page, screen.ready);
        await check(page, screen.name, lang);
      }
    });
  }

  await t.step("keyboard on the scoring page", async () => {
    await page.evaluate(() => (location.hash = "#/don-vi/LSN/cham-diem"));
    await page.reload();
    await settle(page, officePage("LSN", "cham-diem").ready);
    await page.locator('[data-testid^="score-input-"]').first().waitFor({ timeout: 20_000 });
    // Start from the top: nothing focused, focus navigation from the document start.
    await page.evaluate(() => {
      document.activeElement?.blur?.();
      window.scrollTo(0, 0);
    });

    const styleOf = () => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      if (!el.dataset.a11yTab) el.dataset.a11yTab = String(document.querySelectorAll("[data-a11y-tab]").length + 1);
      const cs = getComputedStyle(el);
      const label = `${el.tagName.toLowerCase()}${el.dataset.testid ? `[data-testid="${el.dataset.testid}"]` : ""}${
        el.className && typeof el.className === "string" ? `.${el.className.trim().split(/\s+/).join(".")}` : ""
      } "${(el.innerText || el.value || el.getAttribute("aria-label") || "").replace(/\s+/g, " ").trim().slice(0, 30)}"`;
      return {
        id: el.dataset.a11yTab,
        label,
        testid: el.dataset.testid || "",
        look: { outline: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`, boxShadow: cs.boxShadow },
      };
    };
    const unfocusedLook = (id) => {
      const el = document.querySelector(`[data-a11y-tab="${id}"]`);
      const cs = getComputedStyle(el);
      return { outline: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`, boxShadow: cs.boxShadow };
    };

    const visited = [];
    let reachedScore = 0;
    for (let i = 1; i <= MAX_TABS; i++) {
      await page.keyboard.press("Tab");
      const now = await page.evaluate(styleOf);
      // The one before lost focus: its look without focus.
      const prev = visited[visited.length - 1];
      if (prev && !prev.plain) prev.plain = await page.evaluate(unfocusedLook, prev.id);
      if (!now) continue;
      if (visited.length < FOCUS_SAMPLE || (!reachedScore && now.testid.startsWith("score-input-"))) visited.push(now);
      if (!reachedScore && now.testid.startsWith("score-input-")) reachedScore = i;
      if (reachedScore && visited.length >= FOCUS_SAMPLE) {
        // Move on once more so the last sampled element's unfocused look is known.
        await page.keyboard.press("Tab");
        const last = visited[visited.length - 1];
        if (!last.plain) last.plain = await page.evaluate(unfocusedLook, last.id);
        break;
      }
    }
    t.log(`Tab reaches the first score input after ${reachedScore || `more than ${MAX_TABS}`} presses`);
    if (!reachedScore) failures.push(`keyboard: Tab did not reach a score input within ${MAX_TABS} presses`);

    if (process.env.THIDUA_E2E_VERBOSE) {
      for (const v of visited) t.log(`  tab ${v.id}: ${v.label} — focused ${v.look.outline} / ${v.look.boxShadow}; unfocused ${v.plain?.outline} / ${v.plain?.boxShadow}`);
    }
    const noRing = [];
    for (const v of visited.slice(0, FOCUS_SAMPLE)) {
      const same = v.plain && v.plain.outline === v.look.outline && v.plain.boxShadow === v.look.boxShadow;
      if (same || !v.plain) noRing.push(`${v.label}: focused outline ${v.look.outline}, box-shadow ${v.look.boxShadow}`);
    }
    t.log(`focus indicator visible on ${Math.min(visited.length, FOCUS_SAMPLE) - noRing.length}/${Math.min(visited.length, FOCUS_SAMPLE)} sampled controls`);
    if (noRing.length) failures.push(`keyboard: no visible focus indicator on:\n  ${noRing.join("\n  ")}`);
  });

  assert(
    failures.length === 0,
    `${failures.length} accessibility problem group(s) (serious/critical axe violations, keyboard):\n${failures.join("\n")}`,
  );
}
