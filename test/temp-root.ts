/**
 * One temporary folder for a whole test run, removed when the run ends. Tests make scratch
 * folders, the CLI writes its fallback traces, puppeteer and Chromium make profiles and
 * sockets — all under `os.tmpdir()`, which reads TMPDIR. Pointing TMPDIR here before any test
 * process starts (workers and the programs they spawn inherit it) keeps a run from leaving
 * anything in the machine's /tmp, and no test has to remember to clean up after itself.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), "aioscope-tests-"));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    // A browser a failed test left running may still be writing: retry rather than leave it.
    rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  };
}
