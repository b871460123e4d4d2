// Cleanup of what a Node test or benchmark starts: child processes are
// killed and temp dirs removed when the process exits or is interrupted,
// even after a failure. Shared by the Playwright helpers (lib.mjs) and the
// benchmarks in tests/bench/.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const children = new Set(); // live child processes
const tempDirs = new Set(); // temp dirs to delete on exit

/** Kill `child` (SIGKILL) if it is still running when the run ends. */
export function track(child) {
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

/** Forget `child` (it was stopped on purpose). */
export function untrack(child) {
  children.delete(child);
}

/** Kill every tracked child and remove every temp dir, now. */
export function cleanupSync() {
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  children.clear();
  for (const dir of tempDirs) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
  tempDirs.clear();
}

/** A fresh temp dir, deleted when the run ends. */
export function tempDir(prefix = "thidua-") {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** Remove a temp dir now (it is forgotten by the exit cleanup). */
export function removeTempDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

process.on("exit", cleanupSync);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    console.error(`\ninterrupted (${signal}): stopping child processes, removing temp dirs`);
    cleanupSync();
    // Playwright kills the browsers it launched on exit.
    process.exit(128 + (os.constants.signals[signal] || 1));
  });
}
