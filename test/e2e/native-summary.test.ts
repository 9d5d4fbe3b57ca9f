/**
 * A page with no aioscope code, recorded by the real CLI through the real extension: its
 * summary tells what the page did — a busy loop that froze the main thread is a warning, its
 * requests and timers are counted — rather than "0 tasks, 0% busy, no warnings".
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { importTrace } from "../../src/trace/import.ts";
import { analyze } from "../../src/trace/analysis.ts";
import { CLI_TIMEOUT_MS, describeRun, runCli, scratchDir, servePage, type PageServer } from "./cli-helpers.ts";

/** A click-free plain page: two requests, a cleared timer, then 160 ms of busy work in a timer. */
const PLAIN_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>plain</title></head><body>
<script>
  Promise.all([fetch("/"), fetch("/?second")]).then(() => {
    clearTimeout(setTimeout(() => {}, 60000));
    setTimeout(() => {
      const until = performance.now() + 160;
      while (performance.now() < until) {}
      document.title = "plain: done";
    }, 50);
  });
</script></body></html>`;

describe("the summary of a page without runtime tasks", () => {
  let page: PageServer;

  beforeAll(async () => {
    page = await servePage(PLAIN_PAGE);
  });

  afterAll(async () => {
    await page?.close();
  });

  test("warns of the busy loop as a long task and counts the requests and timers", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    const run = await runCli(["record", page.url, "--reload", "--duration", "3s", "--out", "trace.json"], { cwd: dir });
    expect(run.status, describeRun(run)).toBe(0);
    expect(run.stdout).toMatch(/^Tasks +0 tasks$/m);
    expect(run.stdout).not.toMatch(/^Event loop/m);
    expect(run.stdout).toMatch(/^Main thread +blocked [\d.]+ m?s \([\d.]+%\) in \d+ long tasks?; longest/m);
    expect(run.stdout).toMatch(/^Requests +2: 2 ok/m);
    expect(run.stdout).toMatch(/^Timers +2: 1 fired · 1 cancelled$/m);
    expect(run.stdout).toMatch(/^ {2}! the main thread was blocked for [\d.]+ ms at [\d.]+ ms \(a long task, more than 100 ms\)/m);

    // The warning is the analysis' own, found again in the written trace; its span holds the
    // whole busy loop, whatever the machine's load made of the timings around it.
    const imported = importTrace(readFileSync(join(dir, "trace.json")));
    if (!imported.ok) throw new Error(imported.error.message);
    const long = analyze(imported.trace).warnings.filter((w) => w.kind === "longTask");
    expect(long.length).toBeGreaterThanOrEqual(1);
    expect(Math.max(...long.map((w) => (w.kind === "longTask" ? w.duration : 0)))).toBeGreaterThanOrEqual(160);
  });
});
