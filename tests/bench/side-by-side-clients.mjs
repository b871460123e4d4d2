// The clients of the side-by-side benchmark (`sync-side-by-side.mjs`): npm
// automerge-repo Repos with a WebSocket adapter and no storage, and the helpers
// the benchmark shares with them.
//
// Imported by the benchmark for its helpers; started by it as a worker thread
// (`workerData.role === "clients"`) to run a share of the clients, so that the
// clients of one run are not all squeezed into one JavaScript thread: real
// devices each have their own processor, and with every client in one thread
// the benchmark measures that thread as much as the server.
//
// A clients thread answers its parent, one request at a time:
//   {type: "find"}            -> {type: "found", heads: [[docIndex, headsKey], …]}
//   {type: "edit", startAt}   -> {type: "edited", lastEditAt, rejected}
//   {type: "heads"}           -> {type: "heads", heads: [[docIndex, headsKey], …]}
//   {type: "counts"}          -> {type: "counts", counts}
//   {type: "close"}           -> {type: "closed"}
// and {type: "error", message} when a request fails. Times are
// `performance.timeOrigin + performance.now()`: one clock for every thread.

import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { performance } from "node:perf_hooks";

import { Repo } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The same clock in every thread (ms). */
export const now = () => performance.timeOrigin + performance.now();

export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Heads as one comparable string. */
export const headsKey = (handle) => [...handle.heads()].sort().join(",");

/** A client Repo: npm automerge-repo, WebSocket, no storage. */
export function newClientRepo(wsUrl) {
  const repo = new Repo({ network: [new WebSocketClientAdapter(wsUrl)] });
  // Sync messages each way, counted at the client's network subsystem: how
  // much work a server's fan-out puts on its clients.
  const counts = { received: 0, receivedBytes: 0, sent: 0 };
  repo.networkSubsystem.on("message", (m) => {
    if (m.type !== "sync") return;
    counts.received += 1;
    counts.receivedBytes += m.data?.byteLength ?? 0;
  });
  const send = repo.networkSubsystem.send.bind(repo.networkSubsystem);
  repo.networkSubsystem.send = (m) => {
    if (m.type === "sync") counts.sent += 1;
    return send(m);
  };
  repo.syncCounts = counts;
  return repo;
}

/** The sum of sync message counts. */
export function sumCounts(counts) {
  const total = { received: 0, receivedBytes: 0, sent: 0 };
  for (const c of counts) {
    total.received += c.received;
    total.receivedBytes += c.receivedBytes;
    total.sent += c.sent;
  }
  return total;
}

/** Sync messages received and sent by `repos` so far. */
export const syncCounts = (repos) => sumCounts(repos.map((r) => r.syncCounts));

/**
 * `repo.find`, asked again (up to 5 times, 1 s apart) when a busy server
 * answers that the document is unavailable: a client would retry too.
 */
export async function findRetrying(repo, url, what) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withTimeout(repo.find(url), 60_000, what);
    } catch (e) {
      if (!String(e?.message ?? e).includes("unavailable")) throw e;
      if (attempt >= 5) throw new Error(`${what}, ${attempt} times: ${e?.message ?? e}`);
      // A handle found unavailable stays so in this Repo: forget it, then ask again.
      await Promise.resolve(repo.removeFromCache(url.replace(/^automerge:/, ""))).catch(() => {});
      await sleep(1_000);
    }
  }
}

const closedRepos = new WeakSet();

/** Disconnect and shut down Repos (each once: a second shutdown throws). */
export async function closeRepos(repos) {
  const open = repos.filter((repo) => !closedRepos.has(repo));
  for (const repo of open) closedRepos.add(repo);
  await Promise.allSettled(open.map((repo) => withTimeout(Promise.resolve().then(() => repo.shutdown()), 5_000, "repo shutdown")));
}

/** One paced writer: `edits` edits to its document's self-score, every `intervalMs`. */
async function writeEdits(client, startAt, edits, intervalMs) {
  const { handle, criterion, index } = client;
  const offset = (index * 7919) % intervalMs; // spread clients within the interval
  for (let e = 0; e < edits; e++) {
    const due = startAt + offset + e * intervalMs;
    const wait = due - now();
    if (wait > 0) await sleep(wait);
    handle.change((d) => {
      const score = d.reviews[criterion.round].selfScores[criterion.id];
      // Another whole number in [0, max]: always a real change, always valid.
      score.points = (Math.round(score.points) + 1) % (Math.floor(criterion.max) + 1);
    });
    client.lastEditAt = now();
  }
}

/** The worker's side: run the clients `workerData.clients` describes. */
async function serveClients() {
  const { edits, intervalMs } = workerData;
  const clients = workerData.clients.map((spec) => ({ ...spec, repo: newClientRepo(spec.wsUrl), rejected: 0 }));
  const heads = () => clients.map((c) => [c.docIndex, headsKey(c.handle)]);
  const handlers = {
    async find() {
      await Promise.all(
        clients.map(async (c) => {
          c.handle = await findRetrying(c.repo, c.url, `client ${c.office}/${c.slot} find`);
          // The relay's refusals arrive as ephemeral messages {thidua: "rejected", …}.
          c.handle.on("ephemeral-message", ({ message }) => {
            if (message && message.thidua === "rejected") c.rejected += 1;
          });
        }),
      );
      return { type: "found", heads: heads() };
    },
    async edit({ startAt }) {
      await Promise.all(clients.map((c) => writeEdits(c, startAt, edits, intervalMs)));
      return {
        type: "edited",
        lastEditAt: Math.max(...clients.map((c) => c.lastEditAt)),
        rejected: clients.reduce((n, c) => n + c.rejected, 0),
      };
    },
    heads: async () => ({ type: "heads", heads: heads() }),
    counts: async () => ({ type: "counts", counts: syncCounts(clients.map((c) => c.repo)) }),
    async close() {
      await closeRepos(clients.map((c) => c.repo));
      return { type: "closed" };
    },
  };
  parentPort.on("message", async (msg) => {
    try {
      parentPort.postMessage(await handlers[msg.type](msg));
    } catch (e) {
      parentPort.postMessage({ type: "error", message: String(e?.stack ?? e) });
    }
  });
}

if (!isMainThread && workerData?.role === "clients") await serveClients();
