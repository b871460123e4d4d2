// Every screen of the app on a phone (390×844, touch), as Lạng Sơn's clerk
// on a demo relay, in Vietnamese and (the main screens) in English:
//
//   node tests/e2e/run.mjs phone
//
// Per screen, once it settled (its element shown, synced, network idle,
// fonts, two frames, 250 ms), with every <details> in the page opened:
// 1. the page does not scroll sideways: documentElement.scrollWidth <= 390
//    + 1 (390, not innerWidth: a mobile viewport widens innerWidth to fit
//    too-wide content); no visible element reaches past the viewport's edges
//    unless it sits in a horizontal scroll container (overflow-x auto/scroll)
//    whose own box fits the viewport — wide tables are fine in one, not on
//    the page; html/body must not hide overflow;
// 2. no clipped text: elements with overflow hidden/clip whose text is wider
//    than their box (an ellipsis is fine only with a title attribute); text
//    spilling out of its block's box (e.g. a nowrap header wider than its
//    column, overlapping or painted over by its neighbour); inputs and
//    selects narrower than the text they show (value, chosen option or
//    placeholder; canvas-measured in the element's font + padding + the
//    select's arrow). A field already >= 90% as wide as the page's column
//    cannot be wider on a phone: it is printed as a note, not a failure;
// 3. every nav.tabs link is inside the viewport or in a horizontally
//    scrollable nav that fits it; header.top is at most 120 px high.
// Every offending element of every screen (testid/selector and text) is
// listed in one failure, grouped by screen; page errors fail too. A
// full-page screenshot per screen: artifacts/phone-<screen>.png.

const VIEWPORT = { width: 390, height: 844 };
const MAX_HEADER_PX = 120;
const SYNCED = '[data-testid="sync-state"][data-state="synced"]';

const OFFICE_PAGES = ["can-bo", "dang-ky", "cham-diem", "kiem-tra", "dien-hinh", "binh-xet", "khen-thuong", "lich-su"];

/** [screen name, hash route, selector that shows the screen is there]. */
const SCREENS = [
  ["home", "/", '[data-testid="home"]'],
  ...OFFICE_PAGES.map((p) => [
    p,
    `/don-vi/LSN/${p}`,
    `[data-testid="office-page"][data-office="LSN"][data-page="${p}"]`,
  ]),
  ["CBG-cham-diem", "/don-vi/CBG/cham-diem", '[data-testid="office-page"][data-office="CBG"][data-page="cham-diem"]'],
  ["cum", "/cum", '[data-testid="cluster-page"]'],
  ["cum-thiet-lap", "/cum/thiet-lap", '[data-testid="cluster-setup"]'],
  ["tong-hop", "/tong-hop", '[data-testid="dashboard"]'],
  ["tong-hop-in", "/tong-hop/in", '[data-testid="print-page"]'],
  ["dong-bo", "/dong-bo", '[data-testid="sync-page"]'],
];
const ENGLISH = ["home", "cham-diem", "khen-thuong", "tong-hop"];

/**
 * Runs in the page: the layout problems of the current screen, as strings.
 * (Self-contained: serialized by page.evaluate.)
 */
function layoutProblems({ maxHeader, width }) {
  // The viewport's width. Not innerWidth: on a mobile viewport Chromium
  // widens the layout viewport (and innerWidth) to fit content that is too
  // wide, which would hide the very overflow looked for here.
  const vw = width;
  const problems = [];
  const notes = [];
  if (document.documentElement.clientWidth !== width) {
    problems.push(`documentElement.clientWidth is ${document.documentElement.clientWidth}, not ${width}`);
  }
  const TOL = 1;

  const clean = (s) => (s || "").replace(/\s+/g, " ").trim();
  const short = (s, n = 50) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  function textOf(el) {
    if (el.tagName === "SELECT") return el.selectedIndex >= 0 ? clean(el.options[el.selectedIndex].text) : "";
    if (el.tagName === "INPUT" || el.tagName === "TEXTAREA") return clean(el.value) || clean(el.placeholder);
    return clean(el.innerText ?? el.textContent);
  }
  function describe(el) {
    let s = el.tagName.toLowerCase();
    const testid = el.getAttribute("data-testid");
    if (testid) s += `[data-testid=${testid}]`;
    else {
      if (el.id) s += `#${el.id}`;
      const cls = [...el.classList].slice(0, 3);
      if (cls.length) s += `.${cls.join(".")}`;
      // Where it is: the closest ancestor with a testid.
      const owner = el.parentElement?.closest("[data-testid]");
      if (owner) s = `[data-testid=${owner.getAttribute("data-testid")}] ${s}`;
    }
    const text = short(textOf(el));
    return text ? `${s} "${text}"` : s;
  }
  const px = (v) => Math.round(v);

  function visible(el) {
    if (!el.getClientRects().length) return false;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return false;
    const cs = getComputedStyle(el);
    if (cs.visibility !== "visible" || Number(cs.opacity) === 0) return false;
    // Screen-reader-only text (clipped to nothing on purpose).
    if (el.closest(".sr-only")) return false;
    return true;
  }
  const clips = (v) => v === "hidden" || v === "clip";
  const scrolls = (v) => v === "auto" || v === "scroll";

  /** The nearest ancestor (below body) that does not let content overflow sideways. */
  function containerX(el) {
    for (let a = el.parentElement; a && a !== document.body && a !== document.documentElement; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      if (ox !== "visible") return { el: a, scrolls: scrolls(ox) };
    }
    return null;
  }
  const fitsViewport = (r) => r.left >= -TOL && r.right <= vw + TOL;

  // 1. The page itself does not scroll sideways.
  const sw = document.documentElement.scrollWidth;
  if (sw > vw + TOL) {
    problems.push(`page scrolls sideways: documentElement.scrollWidth ${sw} > ${vw} (innerWidth ${window.innerWidth})`);
  }
  const bodyOx = getComputedStyle(document.body).overflowX;
  const htmlOx = getComputedStyle(document.documentElement).overflowX;
  if (clips(bodyOx) || clips(htmlOx)) problems.push(`html/body overflow-x is ${htmlOx}/${bodyOx}: hides overflow instead of avoiding it`);

  const all = [...document.body.querySelectorAll("*")].filter(
    (el) =>
      !["SCRIPT", "STYLE", "OPTION", "BR"].includes(el.tagName) &&
      !(el instanceof SVGElement && !(el instanceof SVGSVGElement)) && // a drawing's parts: its <svg> box counts
      visible(el),
  );

  // Elements past the viewport's edges, outside a fitting scroll container
  // (the outermost of each such run only: its descendants are the same problem).
  const beyond = new Set();
  for (const el of all) {
    const r = el.getBoundingClientRect();
    if (fitsViewport(r)) continue;
    const box = containerX(el);
    if (box) {
      const br = box.el.getBoundingClientRect();
      // In a box that fits: it scrolls there (fine), or the box cuts it off
      // (a problem when it is text: check 2).
      if (fitsViewport(br)) continue;
    }
    beyond.add(el);
  }
  for (const el of beyond) {
    let a = el.parentElement;
    while (a && !beyond.has(a)) a = a.parentElement;
    if (a) continue;
    const r = el.getBoundingClientRect();
    problems.push(`beyond the viewport (x ${px(r.left)}…${px(r.right)} of ${vw}): ${describe(el)}`);
  }

  // 2. Clipped text.
  const main = document.querySelector("main.page");
  const mcs = main && getComputedStyle(main);
  const column = main ? main.clientWidth - parseFloat(mcs.paddingLeft) - parseFloat(mcs.paddingRight) : vw;
  const canvas = document.createElement("canvas").getContext("2d");
  const TEXTUAL =
    "input, select, textarea, button, label, td, th, h1, h2, h3, h4, h5, a, p, li, span, div, summary, dt, dd, strong, em, legend, figcaption";
  for (const el of all) {
    if (!el.matches(TEXTUAL)) continue;
    const cs = getComputedStyle(el);
    const tag = el.tagName;
    if (tag === "INPUT" && !["text", "search", "url", "email", "tel", "number", "password", ""].includes(el.type)) continue;
    const text = textOf(el);
    if (!text) continue;
    const ellipsisOk = cs.textOverflow === "ellipsis" && (el.title || el.closest("[title]"));
    if (tag === "SELECT" || tag === "INPUT") {
      canvas.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      const arrow = tag === "SELECT" && cs.appearance !== "none" ? 18 : 0;
      const need =
        canvas.measureText(text).width + parseFloat(cs.paddingLeft) + parseFloat(cs.paddingRight) + arrow;
      if (need > el.clientWidth + 2 && !ellipsisOk) {
        const what = `${tag.toLowerCase()} too narrow for its text (${px(el.clientWidth)} px < ${px(need)} px): ${describe(el)}`;
        // A field as wide as the page's column cannot be wider on a phone:
        // its long text scrolls (input) or shows in full in the picker
        // (select). Reported as a note, not a failure.
        if (el.getBoundingClientRect().width >= 0.9 * column) notes.push(`full-width ${what}`);
        else problems.push(what);
      }
      continue;
    }
    if (tag === "TEXTAREA") continue; // wraps
    // Only elements that hold text themselves (not just through children).
    const ownText = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (clips(cs.overflowX) && (ownText || el.matches("button, label, td, th, h1, h2, h3, h4, h5, a"))) {
      if (el.scrollWidth > el.clientWidth + TOL && !ellipsisOk) {
        problems.push(
          `clipped text (${el.scrollWidth} px in ${el.clientWidth} px, overflow ${cs.overflowX}${cs.textOverflow === "ellipsis" ? ", ellipsis without title" : ""}): ${describe(el)}`,
        );
      }
    }
    // Text cut off by a clipping ancestor that fits the viewport.
    if (ownText) {
      const box = containerX(el);
      if (box && !box.scrolls) {
        const r = el.getBoundingClientRect();
        const br = box.el.getBoundingClientRect();
        if (r.right > br.right + TOL || r.left < br.left - TOL) {
          if (!(getComputedStyle(box.el).textOverflow === "ellipsis" && box.el.closest("[title]"))) {
            problems.push(`text cut off by ${describe(box.el).split(" \"")[0]} (x ${px(r.left)}…${px(r.right)}, box ${px(br.left)}…${px(br.right)}): ${describe(el)}`);
          }
        }
      }
    }
  }

  // Text spilling out of its block's box (overlapping, or painted over by,
  // what is next to it), e.g. a nowrap header wider than its column. Per
  // text node, against its nearest non-inline ancestor's padding box.
  const seen = new Set();
  const shown = new Set(all);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim()) continue;
    let block = n.parentElement;
    while (block && ["inline", "contents"].includes(getComputedStyle(block).display)) block = block.parentElement;
    if (!block || seen.has(block) || !shown.has(block)) continue;
    if (["SELECT", "TEXTAREA", "OPTION", "SCRIPT", "STYLE"].includes(block.tagName) || block.closest("svg")) continue;
    range.selectNodeContents(n);
    const t = range.getBoundingClientRect();
    if (t.width < 1) continue;
    const b = block.getBoundingClientRect();
    const bcs = getComputedStyle(block);
    const left = b.left + parseFloat(bcs.borderLeftWidth);
    const right = b.right - parseFloat(bcs.borderRightWidth);
    // With pre-wrap, a space at the end of a line hangs past the box (unseen).
    let slack = TOL;
    if (/pre-wrap|break-spaces/.test(bcs.whiteSpace) || /pre-wrap|break-spaces/.test(getComputedStyle(n.parentElement).whiteSpace)) {
      canvas.font = `${bcs.fontStyle} ${bcs.fontWeight} ${bcs.fontSize} ${bcs.fontFamily}`;
      slack += canvas.measureText(" ").width;
    }
    if (t.right > right + slack || t.left < left - slack) {
      if (scrolls(bcs.overflowX)) continue; // scrolls: reachable
      if (clips(bcs.overflowX)) continue; // cut off, not spilling: "clipped text" above
      seen.add(block);
      problems.push(`text spills out of its box (text x ${px(t.left)}…${px(t.right)}, box ${px(left)}…${px(right)}): ${describe(block)}`);
    }
  }

  // 3. Navigation reachable, header compact.
  const nav = document.querySelector("nav.tabs");
  if (!nav) problems.push("no nav.tabs");
  else {
    const ncs = getComputedStyle(nav);
    const nr = nav.getBoundingClientRect();
    const navScrolls = scrolls(ncs.overflowX) && fitsViewport(nr);
    for (const a of nav.querySelectorAll("a")) {
      const r = a.getBoundingClientRect();
      if (!visible(a)) problems.push(`nav link hidden: ${describe(a)}`);
      else if (!fitsViewport(r) && !navScrolls) problems.push(`nav link out of reach (x ${px(r.left)}…${px(r.right)}): ${describe(a)}`);
    }
  }
  const header = document.querySelector("header.top");
  if (!header) problems.push("no header.top");
  else {
    const h = header.getBoundingClientRect().height;
    if (h > maxHeader) problems.push(`header.top is ${px(h)} px high (> ${maxHeader} px)`);
  }
  return { problems: [...new Set(problems)], notes: [...new Set(notes)] };
}

async function settle(page, selector) {
  await page.locator(selector).first().waitFor({ timeout: 15_000 });
  await page.locator(SYNCED).waitFor({ timeout: 15_000 });
  await page.waitForLoadState("networkidle", { timeout: 5_000 }).catch(() => {});
  await page.evaluate(() => document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))));
  await page.waitForTimeout(250);
}

export default async function phone(t) {
  const relay = await t.startRelay({ demo: true });
  const context = await t.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => {
    if (!String(e).includes("closure invoked recursively or after being dropped")) errors.push(String(e));
  });
  await t.step("sign in as Lạng Sơn", async () => {
    await page.goto(relay.signInUrl("LSN"));
    await page.getByTestId("office-name").waitFor({ timeout: 30_000 });
    await page.locator(SYNCED).waitFor({ timeout: 30_000 });
  });

  const report = [];
  const notes = new Map(); // note → screens
  let screens = 0;
  async function check(name, route, selector) {
    await t.step(name, async () => {
      await page.goto(`${relay.url}/#${route}`);
      await settle(page, selector);
      // What is folded away (<details>) is checked too.
      const opened = await page.evaluate(() => {
        const closed = [...document.querySelectorAll("main details:not([open])")];
        for (const d of closed) d.open = true;
        return closed.length;
      });
      if (opened) await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const found = await page.evaluate(layoutProblems, { maxHeader: MAX_HEADER_PX, width: VIEWPORT.width });
      await page.screenshot({ path: t.artifact(`phone-${name}.png`), fullPage: true });
      screens += 1;
      for (const n of found.notes) notes.set(n, [...(notes.get(n) ?? []), name]);
      if (found.problems.length) {
        report.push(
          `${name} (#${route}): ${found.problems.length} problem(s)\n${found.problems.map((p) => `      - ${p}`).join("\n")}`,
        );
      }
    });
  }

  for (const [name, route, selector] of SCREENS) await check(name, route, selector);

  await t.step("switch to English", async () => {
    await page.goto(`${relay.url}/#/`);
    await page.getByTestId("lang-toggle").click();
    await page.waitForFunction(() => document.documentElement.lang === "en");
  });
  for (const [name, route, selector] of SCREENS.filter(([n]) => ENGLISH.includes(n))) {
    await check(`en-${name}`, route, selector);
  }

  for (const [n, where] of notes) t.log(`note (${where.join(", ")}): ${n}`);
  if (errors.length) report.push(`page errors:\n${errors.map((e) => `      - ${e}`).join("\n")}`);
  if (report.length) {
    throw new Error(
      `layout problems at ${VIEWPORT.width}×${VIEWPORT.height} on ${report.length} of ${screens} screens ` +
        `(screenshots: artifacts/phone-<screen>.png):\n    ${report.join("\n    ")}`,
    );
  }
  t.log(`${screens} screens, no layout problems`);
}
