/**
 * The Firefox build (dist/firefox) in headless Firefox ESR, through WebDriver BiDi: the page
 * hook and runtime are there before the page's first script, and a recording travels page →
 * bridge → background → the real panel code, which draws it.
 *
 * What this does not cover: the panel inside Firefox's DevTools toolbox (headless Firefox
 * cannot show it, and WebDriver BiDi cannot reach it), so devtools.ts — adding the panel and
 * following the theme — and the `devtools.inspectedWindow` side of panel-host.ts are not run
 * here. The panel page runs as a tab inspecting another tab (`panel.html?tab=<id>`).
 */
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ARTIFACTS_DIR, POLL, serveFixturePage, waitForTrace, type FixtureServer } from "./helpers.ts";
import { FIREFOX_EXTENSION_DIR, launchFirefoxWithExtension, openFirefoxPanel } from "./firefox-helpers.ts";
import { byName } from "../unit/trace/helpers.ts";

/** What the page's very first script saw of aioscope, before anything else of the page ran. */
interface FirstSight {
  readonly hook: string;
  readonly runtime: string;
  readonly run: string;
}

/** The first script in <head> notes what it finds; nothing of the page has run before it. */
const FIRST_SCRIPT_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>first</title><script>
window.firstSight = {
  hook: typeof globalThis.__AIOSCOPE_HOOK__,
  runtime: typeof globalThis.aioscope,
  run: typeof globalThis.aioscope?.run,
};
</script></head><body>first</body></html>`;

/** A page whose first inline script starts a runtime task, before anything else happens. */
const STARTUP_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>startup</title><script>
globalThis.aioscope.run(function* () { yield* globalThis.aioscope.sleep(30); }, { name: "startup-task" })
  .then(() => { document.documentElement.dataset.state = "done"; });
</script></head><body>start-up</body></html>`;

/** `startJobs(n, prefix)` runs n named tasks one after another under one parent. */
const JOBS_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>jobs</title></head><body>
<script>
window.startJobs = (n, prefix) => {
  const { run, sleep, createTask, gather } = globalThis.aioscope;
  return run(function* () {
    const jobs = [];
    for (let i = 0; i < n; i++) {
      jobs.push(createTask(function* () { yield* sleep(2); return i; }, { name: prefix + "-" + i }));
      yield* sleep(5);
    }
    yield* gather(jobs);
  }, { name: prefix + "-main" }).then(() => { document.documentElement.dataset.state = "done"; });
};
</script></body></html>`;


async function openPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(url);
  return page;
}

describe("the Firefox build in Firefox ESR", () => {
  let browser: Browser;
  let first: FixtureServer;
  let startup: FixtureServer;
  let jobs: FixtureServer;

  beforeAll(async () => {
    [first, startup, jobs] = await Promise.all([serveFixturePage(FIRST_SCRIPT_PAGE), serveFixturePage(STARTUP_PAGE), serveFixturePage(JOBS_PAGE)]);
    browser = await launchFirefoxWithExtension();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([first?.close(), startup?.close(), jobs?.close()]);
  });

  test("the hook and the runtime are there when the page's first script runs", async () => {
    const page = await openPage(browser, first.url);
    const sight = await page.evaluate(() => (window as unknown as { firstSight: FirstSight }).firstSight);
    expect(sight).toEqual({ hook: "object", runtime: "object", run: "function" });
    await page.close();
  });

  test("a recording made from the panel page reaches the panel, in the page's order", async () => {
    const page = await openPage(browser, jobs.url);
    const panel = await openFirefoxPanel(browser, jobs.url);
    // In front, as a page inspected in DevTools is: Firefox slows the timers of background tabs.
    await page.bringToFront();
    await panel.evaluate(() => window.__aioscopePanel!.record());
    await panel.waitForFunction(() => window.__aioscopePanel?.snapshot().phase === "recording", POLL);
    await page.evaluate(() => (window as unknown as { startJobs(n: number, prefix: string): Promise<void> }).startJobs(4, "ff"));
    const names = ["ff-0", "ff-1", "ff-2", "ff-3"];
    const trace = await waitForTrace(panel.mainFrame(), (t) => [...names, "ff-main"].every((name) => t.tasks.some((task) => task.name === name && task.outcome === "done")));
    await panel.evaluate(() => window.__aioscopePanel!.stop());
    await panel.waitForFunction(() => window.__aioscopePanel?.snapshot().phase === "stopped", POLL);

    const main = byName(trace, "ff-main");
    const children = names.map((name) => byName(trace, name));
    for (const child of children) expect(child.parent).toBe(main.id);
    // Created one after another, each after its parent, as the page ran them.
    const created = [main, ...children].map((task) => task.created);
    expect(created).toEqual([...created].sort((a, b) => a - b));
    expect(trace.steps.filter((step) => children.some((child) => child.id === step.task)).length).toBeGreaterThanOrEqual(children.length);

    // The panel's timeline draws that session, with rows for the tasks.
    await panel.waitForFunction(() => (window.__aioscopePanel?.drawnFrame()?.rows ?? 0) > 0, POLL);
    const drawn = await panel.evaluate(() => window.__aioscopePanel!.drawnFrame()!);
    expect(drawn.tasks).toBeGreaterThanOrEqual(names.length + 1);
    // The panel in front for its picture (Firefox does not paint a background tab), drawn
    // again now in case it was cleared meanwhile: the automation API draws synchronously.
    await panel.bringToFront();
    await panel.evaluate(() => window.__aioscopePanel!.drawTimeline());
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    await panel.screenshot({ path: join(ARTIFACTS_DIR, "firefox-panel.png") });
    await Promise.all([panel.close(), page.close()]);
  });

  test("recording with a reload from the panel sees the task the page's first script starts", async () => {
    const page = await openPage(browser, startup.url);
    await page.waitForFunction(() => document.documentElement.dataset.state === "done", POLL);
    const panel = await openFirefoxPanel(browser, startup.url);
    await page.bringToFront();
    // The reload empties the page's state: "done" again means the new document's task ended.
    await page.evaluate(() => { document.documentElement.dataset.state = "before reload"; });
    await panel.evaluate(() => window.__aioscopePanel!.record({ reload: true }));
    const trace = await waitForTrace(panel.mainFrame(), (t) => t.tasks.some((task) => task.name === "startup-task" && task.outcome === "done"));
    const task = byName(trace, "startup-task");
    expect(task.preexisting).toBe(false);
    expect(task.parent).toBeNull();
    await page.waitForFunction(() => document.documentElement.dataset.state === "done", POLL);
    await Promise.all([panel.close(), page.close()]);
  });

  // Linting the panel's bundle takes half a minute on a quiet machine.
  test("Mozilla's linter (web-ext lint) finds no errors in the build", { timeout: 240_000 }, async () => {
    // The package exports no bin path; its command sits beside its index.js.
    const webExt = join(dirname(fileURLToPath(import.meta.resolve("web-ext"))), "bin/web-ext.js");
    const { stdout } = await promisify(execFile)(process.execPath, [webExt, "lint", "--source-dir", FIREFOX_EXTENSION_DIR, "--output", "json"], { maxBuffer: 16 * 1024 * 1024 });
    const report = JSON.parse(stdout) as { summary: { errors: number }; errors: { code: string; message: string; file?: string }[] };
    expect(report.errors.map((error) => `${error.code} ${error.file ?? ""}: ${error.message}`)).toEqual([]);
    expect(report.summary.errors).toBe(0);
  });
});
