import { launchBrowser } from "./lib.mjs";
const [,, src, out, y, h] = process.argv;
const b = await launchBrowser();
const p = await b.newPage({ viewport: { width: 390, height: Number(h) } });
await p.setContent(`<body style="margin:0"><img src="data:image/png;base64,${(await import("node:fs")).readFileSync(src).toString("base64")}"></body>`);
await p.evaluate((y) => window.scrollTo(0, y), Number(y));
await p.screenshot({ path: out });
await b.close();
process.exit(0);
