// Side-by-side benchmark: the Node sync server `@automerge/automerge-repo-sync-server`
// (0.2.8, automerge-repo 1.x) against our relay `thidua-relay`, in one run, on the
// same work.
//
// For each client count, each server gets a fresh process and a fresh copy of the
// same 8 office documents of the relay's demo cluster (same document ids, same
// history: the heads are checked before the edits start). The documents are made
// once by `thidua-relay serve --demo`, saved through a JS Repo, given UUID-shaped
// ids (automerge-repo 1.x, inside the Node server, accepts no other ids; see
// rekeyOfficeDocuments) and pushed into the Node server with `repo.import`. N clients, each a real
// npm automerge-repo `Repo` with a `WebSocketClientAdapter` and no storage, are
// spread round-robin over the 8 documents; on the relay each client signs in with a
// device token of the office that owns its document. Every client makes E paced
// edits to its document; an edit sets one existing self-score of the office
// of the cluster year's year-end review (`reviews/<year>-yearEnd/selfScores/<criterion>/points`) to another whole number between 0 and the
// criterion's maximum in the cluster's scoring table, a change the relay's schema
// accepts (numbers only: no text objects). One observer Repo (no edits) also
// opens all 8 documents, so even one client per document has someone to converge
// with.
//
// Measured per server and client count:
//   - CPU per edit: the server's utime+stime (/proc/<pid>/stat) from just before
//     the first edit to convergence, divided by the number of edits;
//   - peak memory: the server's VmHWM (/proc/<pid>/status) at the end of the run;
//   - convergence after the last write: from the last edit of the last client
//     until every client (and the observer) of every document shows the same heads.
//
// The clients run in worker threads (`side-by-side-clients.mjs`, `--client-threads`,
// 1 by default: every client in one JavaScript thread, as the issue measured);
// the observer runs in the main thread.
//
// usage:
//   node tests/bench/sync-side-by-side.mjs [--clients 8,32,64] [--edits 100]
//        [--interval-ms 20] [--timeout-s 120] [--servers node,relay]
//        [--client-threads 1]
// or the same through the environment: BENCH_CLIENTS, BENCH_EDITS,
// BENCH_INTERVAL_MS, BENCH_TIMEOUT_S, BENCH_SERVERS, BENCH_CLIENT_THREADS.
// THIDUA_RELAY_BIN: the relay binary (default target/release/thidua-relay).
// BENCH_RELAY_LOG: the relay's RUST_LOG filter (default warn); BENCH_RELAY_LOGFILE:
// a path where the relay's log is written and kept (for profiling runs).
//
// Output: a Markdown table, the relay/Node ratios per client count, and one JSON
// line with the raw figures (for BENCHMARKS.md). Linux only (/proc).

import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

import { Worker } from "node:worker_threads";

import { generateAutomergeUrl } from "@automerge/automerge-repo";
import { closeRepos, findRetrying, headsKey, newClientRepo, now, sleep, sumCounts, syncCounts, withTimeout } from "./side-by-side-clients.mjs";
import { cleanupSync, removeTempDir, tempDir, track, untrack } from "../e2e/cleanup.mjs";
import { freePort } from "../e2e/lib.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DOCS = 8; // office documents in play

// ---------------------------------------------------------------- configuration

/** `--name value` or `--name=value` from argv, else the environment variable, else the default. */
function option(name, envName, fallback) {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}` && i + 1 < argv.length) return argv[i + 1];
    if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
  }
  return process.env[envName] ?? fallback;
}

function positiveInt(text, what) {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${what} must be a positive whole number, not ${JSON.stringify(text)}`);
  return n;
}

const CONFIG = {
  clientCounts: String(option("clients", "BENCH_CLIENTS", "8,32,64"))
    .split(",")
    .map((s) => positiveInt(s.trim(), "--clients")),
  edits: positiveInt(option("edits", "BENCH_EDITS", "100"), "--edits"),
  intervalMs: positiveInt(option("interval-ms", "BENCH_INTERVAL_MS", "20"), "--interval-ms"),
  timeoutS: positiveInt(option("timeout-s", "BENCH_TIMEOUT_S", "120"), "--timeout-s"),
  // JavaScript threads the clients run in (the observer runs in the main thread).
  clientThreads: positiveInt(option("client-threads", "BENCH_CLIENT_THREADS", "1"), "--client-threads"),
  servers: String(option("servers", "BENCH_SERVERS", "node,relay"))
    .split(",")
    .map((s) => s.trim()),
  relayBin: path.resolve(ROOT, process.env.THIDUA_RELAY_BIN || "target/release/thidua-relay"),
  nodeServerEntry: path.join(ROOT, "node_modules/@automerge/automerge-repo-sync-server/src/index.js"),
};

const SERVER_NAMES = {
  node: "Node automerge-repo-sync-server 0.2.8",
  relay: "thidua-relay",
};

// ---------------------------------------------------------------- helpers: cleanup

// A client shut down while its WebSocket is still reconnecting makes `ws`
// emit an 'error' nobody can listen for (the socket is internal to the
// adapter): it ends that client, not the run.
process.on("uncaughtException", (e) => {
  if (String(e?.message ?? e).includes("WebSocket was closed before the connection was established")) {
    console.error(`[bench] (a client closed while reconnecting: ${e.message})`);
    return;
  }
  console.error(e);
  cleanupSync();
  process.exit(1);
});

// ---------------------------------------------------------------- helpers: misc

const docIdOf = (url) => url.replace(/^automerge:/, "");

const log = (...args) => console.error("[bench]", ...args);

// ---------------------------------------------------------------- helpers: processes

/**
 * Spawn a long-running server and resolve once a line of its stdout matches
 * `readyPattern`. Its output (stdout and stderr) goes to `logFile`.
 * Returns {child, pid, match, stop()}.
 */
async function startProcess({ cmd, args, env, cwd, readyPattern, logFile, timeoutMs = 30_000 }) {
  const out = fs.openSync(logFile, "a");
  fs.writeSync(out, `$ ${cmd} ${args.join(" ")}\n`);
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", out] });
  track(child);
  const match = await new Promise((resolve, reject) => {
    let pending = "";
    let done = false;
    const finish = (fn, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      fn(value);
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish(reject, new Error(`${path.basename(cmd)} did not start within ${timeoutMs} ms (log: ${logFile})`));
    }, timeoutMs);
    child.once("exit", (code, signal) =>
      finish(reject, new Error(`${path.basename(cmd)} exited (${signal || code}) before it was ready (log: ${logFile})`)),
    );
    // Keep draining stdout for the life of the process.
    child.stdout.on("data", (buf) => {
      fs.writeSync(out, buf);
      if (done) return;
      pending += buf.toString("utf8");
      let nl;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const m = line.match(readyPattern);
        if (m) finish(resolve, m);
      }
    });
  });
  let stopped = false;
  return {
    child,
    pid: child.pid,
    match,
    /** SIGTERM, SIGKILL after `graceMs`; safe to call twice. */
    async stop(graceMs = 5_000) {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
      }
      untrack(child);
      fs.closeSync(out);
    },
  };
}

/** Run a short command and return its trimmed stdout. */
function runCommand(cmd, args) {
  return execFileSync(cmd, args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

// ---------------------------------------------------------------- helpers: /proc

const CLOCK_TICKS = (() => {
  try {
    return Number(runCommand("getconf", ["CLK_TCK"])) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process, in ms. */
function cpuMs(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces: count fields after its ")".
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(rest[11]); // field 14
  const stime = Number(rest[12]); // field 15
  return ((utime + stime) * 1000) / CLOCK_TICKS;
}

/** Peak resident set size (VmHWM) of a process, in MB. */
function peakMemoryMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const m = status.match(/^VmHWM:\s+(\d+)\s+kB/m);
  if (!m) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}

// ---------------------------------------------------------------- helpers: repos

// ---------------------------------------------------------------- phase 1: the documents, from the relay's demo

/**
 * Start `thidua-relay serve --demo` on a fresh data dir, read its cluster
 * directory, pick 8 office documents that have self-scores, save them with a JS
 * Repo (automerge-repo `export`, i.e. `Automerge.save`), stop it, give them
 * UUID-shaped ids, and issue the device tokens the runs will use into that data
 * dir (each relay run starts from a copy of it, so it serves the very same
 * documents).
 */
async function prepareDocuments(maxClients) {
  const work = tempDir("thidua-bench-master-");
  const dataDir = path.join(work, "relay-data");
  const port = await freePort();
  const relay = await startProcess({
    cmd: CONFIG.relayBin,
    args: ["serve", "--demo", "--listen", `127.0.0.1:${port}`, "--data-dir", dataDir],
    env: { RUST_LOG: "warn" },
    cwd: work,
    readyPattern: /^Open (\S+)/,
    logFile: path.join(work, "relay-master.log"),
  });
  // The demo prints one sign-in link per office ("  LSN  Lạng Sơn  http://…?token=td1…");
  // any office may read every document of the cluster: take the first.
  const printed = fs.readFileSync(path.join(work, "relay-master.log"), "utf8");
  const token = printed.match(/[?&]token=(td1\.\S+)/)?.[1];
  if (!token) throw new Error(`the demo relay printed no sign-in token (log: ${work}/relay-master.log)`);
  const directory = JSON.parse(fs.readFileSync(path.join(dataDir, "cluster.json"), "utf8"));

  const repo = newClientRepo(`ws://127.0.0.1:${port}/sync?token=${token}`);
  try {
    // The scoring table: criterion id -> maximum points.
    const cluster = (await withTimeout(repo.find(directory.clusterUrl), 30_000, "find the cluster document")).doc();
    const maxPoints = Object.fromEntries(Object.entries(cluster.criteria ?? {}).map(([id, c]) => [id, Number(c.maxPoints)]));

    const docs = [];
    for (const office of directory.offices) {
      if (docs.length === DOCS) break;
      const handle = await withTimeout(repo.find(office.url), 30_000, `find ${office.code}'s document`);
      const doc = handle.doc();
      // Criteria this office scored itself on, that the table knows, with room to change.
      // Its year-end review of the cluster's year (sơ kết / tổng kết rounds are kept per year).
      const round = `${cluster.year}-yearEnd`;
      const own = doc.reviews?.[round]?.selfScores ?? {};
      const criteria = Object.keys(own)
        .filter((id) => maxPoints[id] >= 1 && typeof own[id].points === "number")
        .map((id) => ({ id, max: maxPoints[id], round }));
      if (criteria.length === 0) {
        log(`skipping ${office.code}: its document has no self-score to edit`);
        continue;
      }
      const bytes = await repo.export(office.url);
      docs.push({ office: office.code, url: office.url, docId: docIdOf(office.url), bytes, heads: headsKey(handle), criteria });
    }
    if (docs.length < DOCS) throw new Error(`the demo has only ${docs.length} office documents with self-scores (need ${DOCS})`);
    log(`documents: ${docs.map((d) => `${d.office} (${(d.bytes.length / 1024).toFixed(0)} KiB)`).join(", ")}`);

    await closeRepos([repo]);
    await relay.stop();
    rekeyOfficeDocuments(dataDir, docs);

    // Device tokens: one per client slot of each office, and one for the observer.
    const perOffice = Math.ceil(maxClients / DOCS);
    for (const d of docs) {
      d.tokens = [];
      for (let i = 0; i < perOffice; i++) {
        const args = ["token", "issue", "--data-dir", dataDir, "--office", d.office, "--device", `bench-${i + 1}`];
        d.tokens.push(runCommand(CONFIG.relayBin, args));
      }
    }
    const observerToken = runCommand(CONFIG.relayBin, [
      "token", "issue", "--data-dir", dataDir, "--office", docs[0].office, "--device", "bench-observer",
    ]);
    return { relayMasterDir: dataDir, docs, observerToken };
  } finally {
    await closeRepos([repo]);
    await relay.stop();
  }
}

/**
 * Give the office documents new, UUID-shaped document ids, in the stopped
 * relay's data dir (`docs/<documentId>/` renamed, `cluster.json` rewritten).
 *
 * Why: the relay's demo ids are 16 random bytes, but automerge-repo 1.x (which
 * the Node sync server 0.2.8 runs) refuses any document id whose bytes are not
 * a valid UUID ("Invalid AutomergeUrl"), so it could not hold the documents
 * under the relay's ids. With new ids both servers serve the very same
 * documents under the very same ids. The document bytes do not contain their
 * id, so the heads stay the same (each run checks them).
 */
function rekeyOfficeDocuments(dataDir, docs) {
  const clusterJson = path.join(dataDir, "cluster.json");
  const directory = JSON.parse(fs.readFileSync(clusterJson, "utf8"));
  for (const d of docs) {
    const url = generateAutomergeUrl();
    const docId = docIdOf(url);
    fs.renameSync(path.join(dataDir, "docs", d.docId), path.join(dataDir, "docs", docId));
    directory.offices.find((o) => o.code === d.office).url = url;
    Object.assign(d, { url, docId });
  }
  fs.writeFileSync(`${clusterJson}.tmp`, JSON.stringify(directory, null, 2));
  fs.renameSync(`${clusterJson}.tmp`, clusterJson);
}

// ---------------------------------------------------------------- phase 2: the same documents on the Node server

/**
 * Start the Node sync server on a fresh DATA_DIR, push the 8 saved documents
 * into it under the same document ids with a seeding Repo (`repo.import(bytes,
 * {docId})`), check with a fresh Repo that it serves them with the same heads,
 * wait until its storage holds them, and stop it. Each Node run starts from a
 * copy of that DATA_DIR.
 */
async function seedNodeServer(prepared) {
  const work = tempDir("thidua-bench-node-master-");
  const dataDir = path.join(work, "node-data");
  const server = await startNodeServer(work, dataDir);
  const seeder = newClientRepo(server.wsUrl);
  const checker = newClientRepo(server.wsUrl);
  try {
    for (const d of prepared.docs) seeder.import(d.bytes, { docId: d.docId });
    // A fresh Repo (knows nothing) must get each document, with the same heads.
    for (const d of prepared.docs) {
      const deadline = performance.now() + 30_000;
      for (;;) {
        let heads = null;
        try {
          const handle = await withTimeout(checker.find(d.url), 10_000, `find ${d.office} on the Node server`);
          heads = headsKey(handle);
        } catch {
          // not there yet: the seeder is still pushing it
        }
        if (heads === d.heads) break;
        if (performance.now() > deadline) throw new Error(`the Node server did not get ${d.office}'s document with the same heads`);
        // A handle found unavailable stays so in this Repo: ask again from a clean one.
        await checker.removeFromCache(d.docId).catch(() => {});
        await sleep(200);
      }
    }
    // Its storage writes are debounced: wait until every document has files on disk.
    const deadline = performance.now() + 30_000;
    for (;;) {
      const entries = fs.readdirSync(dataDir, { recursive: true }).map(String);
      const missing = prepared.docs.filter((d) => !entries.some((e) => e.includes(d.docId.slice(2))));
      if (missing.length === 0) break;
      if (performance.now() > deadline) throw new Error(`the Node server did not store ${missing.map((d) => d.office).join(", ")}`);
      await sleep(100);
    }
    await sleep(1_000); // let the last debounced writes land
  } finally {
    await closeRepos([seeder, checker]);
    await server.stop();
  }
  return dataDir;
}

// ---------------------------------------------------------------- phase 3: a fresh server for one run

/** The Node sync server as a child process (`node …/src/index.js`, PORT and DATA_DIR). */
async function startNodeServer(workDir, dataDir) {
  const port = await freePort();
  const server = await startProcess({
    cmd: process.execPath,
    args: [CONFIG.nodeServerEntry],
    env: { PORT: String(port), DATA_DIR: dataDir },
    cwd: workDir,
    readyPattern: /Listening on port/,
    logFile: path.join(workDir, "node-server.log"),
  });
  return { ...server, wsUrl: `ws://127.0.0.1:${port}`, urlFor: () => `ws://127.0.0.1:${port}` };
}

/** The relay as a child process, on its own copy of the prepared data dir. */
async function startRelay(workDir, dataDir) {
  const port = await freePort();
  const server = await startProcess({
    cmd: CONFIG.relayBin,
    args: ["serve", "--listen", `127.0.0.1:${port}`, "--data-dir", dataDir],
    // BENCH_RELAY_LOG: the relay's log filter; BENCH_RELAY_LOGFILE: where its log goes (kept).
    env: { RUST_LOG: process.env.BENCH_RELAY_LOG ?? "warn" },
    cwd: workDir,
    readyPattern: /^Open (\S+)/,
    logFile: process.env.BENCH_RELAY_LOGFILE ?? path.join(workDir, "relay.log"),
  });
  const base = `ws://127.0.0.1:${port}/sync`;
  return { ...server, urlFor: (token) => `${base}?token=${encodeURIComponent(token)}` };
}

/** How long a fresh server process is left alone after it says it listens. */
const SETTLE_MS = Number(process.env.THIDUA_BENCH_SETTLE_MS ?? 3_000);

/** A fresh process of `kind` ("node" | "relay") on a fresh copy of its prepared data. */
async function startFreshServer(kind, prepared) {
  const work = tempDir(`thidua-bench-${kind}-`);
  const dataDir = path.join(work, "data");
  if (kind === "node") {
    fs.cpSync(prepared.nodeMasterDir, dataDir, { recursive: true });
  } else {
    fs.cpSync(prepared.relayMasterDir, dataDir, { recursive: true });
  }
  const server = kind === "node" ? await startNodeServer(work, dataDir) : await startRelay(work, dataDir);
  // Both servers get a few seconds after they say they listen, outside the
  // measured window: the Node server, asked for a stored document in its
  // first second, often answers that it is unavailable, and then keeps
  // answering so (it failed 1 to 3 starts in a row without this wait).
  await sleep(SETTLE_MS);
  return { work, server };
}

// ---------------------------------------------------------------- phase 4: one measured run

/** True when, for every document, every client and the observer show the same heads. */
function converged(headsByDoc) {
  return headsByDoc.every((keys) => keys.every((k) => k === keys[0]));
}

/**
 * A thread running some of the clients (see `side-by-side-clients.mjs`), asked
 * one request at a time.
 */
function startClientThread(clients) {
  const worker = new Worker(new URL("./side-by-side-clients.mjs", import.meta.url), {
    workerData: { role: "clients", clients, edits: CONFIG.edits, intervalMs: CONFIG.intervalMs },
  });
  const waiting = [];
  let failure = null;
  const fail = (e) => {
    failure = e;
    for (const w of waiting.splice(0)) w.reject(e);
  };
  worker.on("message", (msg) => {
    const w = waiting.shift();
    if (!w) return;
    if (msg.type === "error") w.reject(new Error(`clients thread: ${msg.message}`));
    else w.resolve(msg);
  });
  worker.on("error", fail);
  worker.on("exit", (code) => fail(new Error(`clients thread exited (${code})`)));
  return {
    ask(msg) {
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        worker.postMessage(msg);
      });
    },
    async close() {
      await this.ask({ type: "close" }).catch(() => {});
      await worker.terminate();
    },
  };
}

async function runOne(kind, clientCount, prepared) {
  const { work, server } = await startFreshServer(kind, prepared);
  const threads = [];
  const repos = [];
  try {
    // Clients, round-robin over the documents; on the relay, each with a device
    // token of its office; spread round-robin over the clients threads.
    const specs = [];
    for (let i = 0; i < clientCount; i++) {
      const docIndex = i % DOCS;
      const doc = prepared.docs[docIndex];
      const slot = Math.floor(i / DOCS); // this client's index among its document's clients
      specs.push({
        index: i,
        slot,
        docIndex,
        office: doc.office,
        url: doc.url,
        wsUrl: server.urlFor(doc.tokens[slot]),
        criterion: doc.criteria[slot % doc.criteria.length],
      });
    }
    // The observer lives in this thread; it is connected before the clients start.
    const observer = newClientRepo(server.urlFor(prepared.observerToken));
    repos.push(observer);
    await withTimeout(observer.networkSubsystem.whenReady(), 30_000, "the observer connects");
    // The observer opens every document first, one at a time, while it is the
    // only peer: the Node server, asked for a document it has not loaded yet
    // while other peers are connected, asks them too and may answer
    // "unavailable" when they do not have it.
    const observed = [];
    for (const d of prepared.docs) observed.push(await findRetrying(observer, d.url, `observer find ${d.office}`));
    const threadCount = Math.min(CONFIG.clientThreads, clientCount);
    for (let t = 0; t < threadCount; t++) threads.push(startClientThread(specs.filter((s) => s.index % threadCount === t)));

    // Everyone opens its document(s); check both servers serve the same starting point.
    const found = (await Promise.all(threads.map((t) => t.ask({ type: "find" })))).flatMap((r) => r.heads);
    for (const [docIndex, heads] of found) {
      const doc = prepared.docs[docIndex];
      if (heads !== doc.heads) throw new Error(`${kind}: ${doc.office}'s document does not start at the prepared heads`);
    }
    await sleep(500); // let the connections settle

    /** Every replica's heads, by document (the observer's last). */
    const headsByDoc = async () => {
      const byDoc = prepared.docs.map(() => []);
      for (const r of await Promise.all(threads.map((t) => t.ask({ type: "heads" })))) {
        for (const [docIndex, heads] of r.heads) byDoc[docIndex].push(heads);
      }
      observed.forEach((h, i) => byDoc[i].push(headsKey(h)));
      return byDoc;
    };
    const countsOf = async () =>
      sumCounts([syncCounts(repos), ...(await Promise.all(threads.map((t) => t.ask({ type: "counts" })))).map((r) => r.counts)]);

    // Measure: CPU from just before the first edit, until convergence.
    const totalEdits = clientCount * CONFIG.edits;
    const countsBefore = await countsOf();
    const cpuBefore = cpuMs(server.pid);
    const clientCpuBefore = process.cpuUsage(); // the whole process: every clients thread
    const startAt = now() + 50;
    const edited = await Promise.all(threads.map((t) => t.ask({ type: "edit", startAt })));
    const lastEditAt = Math.max(...edited.map((e) => e.lastEditAt));

    const deadline = lastEditAt + CONFIG.timeoutS * 1000;
    let convergedAt = null;
    for (;;) {
      if (converged(await headsByDoc())) {
        convergedAt = now();
        break;
      }
      if (now() > deadline) break;
      await sleep(20);
    }
    const cpuAfter = cpuMs(server.pid);
    // The clients' own process: a share near 100 % of a core per clients
    // thread means the clients, not the server, set the pace.
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const windowMs = now() - startAt;
    const countsAfter = await countsOf();
    const peakMb = peakMemoryMb(server.pid);
    const rejected = edited.reduce((n, e) => n + e.rejected, 0);
    if (rejected > 0) log(`${kind}, ${clientCount} clients: the relay refused ${rejected} change(s) (see ${work}/relay.log)`);
    return {
      server: kind,
      clients: clientCount,
      clientThreads: threadCount,
      edits: totalEdits,
      cpuMsPerEdit: (cpuAfter - cpuBefore) / totalEdits,
      cpuMsTotal: cpuAfter - cpuBefore,
      peakMemoryMb: peakMb,
      convergedAfterLastWriteS: convergedAt === null ? null : (convergedAt - lastEditAt) / 1000,
      editPhaseS: (lastEditAt - startAt) / 1000,
      plannedEditPhaseS: ((CONFIG.edits - 1) * CONFIG.intervalMs) / 1000,
      clientCpuShare: (clientCpu.user + clientCpu.system) / 1000 / windowMs,
      // Per edit, over all clients and the observer.
      syncReceivedPerEdit: (countsAfter.received - countsBefore.received) / totalEdits,
      syncSentPerEdit: (countsAfter.sent - countsBefore.sent) / totalEdits,
      bytesReceivedPerEdit: (countsAfter.receivedBytes - countsBefore.receivedBytes) / totalEdits,
      rejected,
    };
  } finally {
    await Promise.allSettled(threads.map((t) => t.close()));
    await closeRepos(repos);
    await server.stop();
    if (process.env.THIDUA_BENCH_KEEP) log(`kept ${work}`);
    else removeTempDir(work);
  }
}

// ---------------------------------------------------------------- phase 5: the report

function report(results) {
  const fmt = (x, digits) => (x === null || x === undefined ? "–" : x.toFixed(digits));
  const lines = [
    "| server | clients | edits | CPU per edit (ms) | peak memory (MB) | converged after last write (s) | edit phase (planned) | clients' CPU (of one core) | sync messages to / from clients per edit |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of results) {
    if (r.failed) {
      lines.push(`| ${SERVER_NAMES[r.server]} | ${r.clients} | – | – | – | failed ${r.failures} times: ${r.failed} | – | – | – |`);
      continue;
    }
    const conv = r.convergedAfterLastWriteS === null ? `not within ${CONFIG.timeoutS} s` : fmt(r.convergedAfterLastWriteS, 2);
    const retried = r.failures ? ` (after ${r.failures} failed start${r.failures > 1 ? "s" : ""})` : "";
    lines.push(`| ${SERVER_NAMES[r.server]}${retried} | ${r.clients} | ${r.edits} | ${fmt(r.cpuMsPerEdit, 3)} | ${fmt(r.peakMemoryMb, 1)} | ${conv} | ${fmt(r.editPhaseS, 1)} s (${fmt(r.plannedEditPhaseS, 1)} s) | ${fmt(100 * r.clientCpuShare, 0)} % | ${fmt(r.syncReceivedPerEdit, 1)} / ${fmt(r.syncSentPerEdit, 1)} |`);
  }
  console.log(lines.join("\n"));

  const ratios = [];
  for (const n of CONFIG.clientCounts) {
    const node = results.find((r) => r.server === "node" && r.clients === n);
    const relay = results.find((r) => r.server === "relay" && r.clients === n);
    if (!node || !relay || node.failed || relay.failed) continue;
    const ratio = (a, b) => (b > 0 ? a / b : null);
    ratios.push({ clients: n, cpu: ratio(relay.cpuMsPerEdit, node.cpuMsPerEdit), memory: ratio(relay.peakMemoryMb, node.peakMemoryMb) });
  }
  if (ratios.length) {
    console.log("\nRatios relay / Node:\n");
    console.log("| clients | CPU per edit | peak memory |\n|---:|---:|---:|");
    for (const r of ratios) console.log(`| ${r.clients} | ${fmt(r.cpu, 2)} | ${fmt(r.memory, 2)} |`);
  }
  console.log("");
  console.log(
    JSON.stringify({
      bench: "sync-side-by-side",
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version },
      config: {
        clientCounts: CONFIG.clientCounts,
        editsPerClient: CONFIG.edits,
        clientThreads: CONFIG.clientThreads,
        intervalMs: CONFIG.intervalMs,
        timeoutS: CONFIG.timeoutS,
        documents: DOCS,
        relayBin: path.relative(ROOT, CONFIG.relayBin),
      },
      results,
      ratios,
    }),
  );
}

// ---------------------------------------------------------------- main

async function main() {
  if (!fs.existsSync(CONFIG.relayBin)) {
    console.error(`${CONFIG.relayBin} is missing: build it with\n  cargo build --release -p thidua-relay\n(or point THIDUA_RELAY_BIN at a thidua-relay binary)`);
    process.exit(2);
  }
  if (CONFIG.servers.includes("node") && !fs.existsSync(CONFIG.nodeServerEntry)) {
    console.error(`${CONFIG.nodeServerEntry} is missing: run npm install`);
    process.exit(2);
  }
  for (const s of CONFIG.servers) if (!SERVER_NAMES[s]) throw new Error(`unknown server ${JSON.stringify(s)} (node, relay)`);
  if (!fs.existsSync("/proc/self/stat")) throw new Error("this benchmark reads /proc: Linux only");
  for (const n of CONFIG.clientCounts) {
    if (n % DOCS !== 0) log(`note: ${n} clients do not spread evenly over ${DOCS} documents (round-robin)`);
  }

  log(`relay: ${CONFIG.relayBin}`);
  log(`clients ${CONFIG.clientCounts.join(",")}, ${CONFIG.edits} edits each, one every ${CONFIG.intervalMs} ms, in ${CONFIG.clientThreads} thread(s)`);
  const prepared = await prepareDocuments(Math.max(...CONFIG.clientCounts));
  if (CONFIG.servers.includes("node")) {
    prepared.nodeMasterDir = await seedNodeServer(prepared);
    log("the Node server holds the same documents (same ids, same heads)");
  }

  const results = [];
  for (const n of CONFIG.clientCounts) {
    for (const kind of CONFIG.servers) {
      log(`running ${kind} with ${n} clients…`);
      let r;
      const failures = [];
      // A server that fails the run is a result, not the end of the
      // benchmark: it is started again (fresh process, fresh copy of its
      // data), up to three times, and its failures are reported.
      while (!r && failures.length < 3) {
        try {
          r = await runOne(kind, n, prepared);
        } catch (e) {
          const failed = String(e?.message ?? e);
          log(`  failed: ${failed}`);
          failures.push(failed);
        }
      }
      if (!r) {
        results.push({ server: kind, clients: n, failed: failures[0], failures: failures.length });
        continue;
      }
      r.failures = failures.length;
      const conv = r.convergedAfterLastWriteS === null ? `not within ${CONFIG.timeoutS} s` : `${r.convergedAfterLastWriteS.toFixed(2)} s`;
      log(`  ${r.cpuMsPerEdit.toFixed(3)} ms CPU per edit, peak ${r.peakMemoryMb.toFixed(1)} MB, converged after ${conv}`);
      results.push(r);
    }
  }
  report(results);
}

try {
  await main();
  cleanupSync();
  process.exit(0);
} catch (err) {
  console.error(`sync-side-by-side: ${err.stack || err}`);
  cleanupSync();
  process.exit(1);
}
