/**
 * The extension's spine in real Chromium: page hook → bridge → background → panel, driven
 * through the real panel. Each test is one behaviour; every wait is for a condition.
 */
import type { Browser } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  ARTIFACTS_DIR, POLL, closeBrowsers, launchBrowserWithExtension, openInspectedPage, reloadAndRecord, serveFixturePage,
  startRecording, stopRecording, waitForTrace, type FixtureServer,
} from "./helpers.ts";
import { startDemoServer } from "../../demo/server.ts";
import { selectRow } from "./panel-driver.ts";
import type * as RuntimeModule from "../../src/runtime/index.ts";
import { byName } from "../unit/trace/helpers.ts";
import { RECORDED_LOAD_MARK } from "../../src/protocol/recorded-load.ts";

type Runtime = typeof RuntimeModule;

/**
 * A page that uses the runtime the extension injects (`globalThis.aioscope`): `startJobs(n,
 * prefix, spacingMs)` runs n short named tasks one after another and sets data-state=done.
 */
const JOBS_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>jobs</title></head><body>
<script>
window.startJobs = (n, prefix, spacingMs) => {
  document.documentElement.dataset.state = "running";
  const { run, sleep, createTask, gather } = globalThis.aioscope;
  return run(function* () {
    const jobs = [];
    for (let i = 0; i < n; i++) {
      jobs.push(createTask(function* () { yield* sleep(2); return i; }, { name: prefix + "-" + i }));
      yield* sleep(spacingMs);
    }
    yield* gather(jobs);
  }, { name: prefix + "-main" }).then(() => { document.documentElement.dataset.state = "done"; });
};
</script></body></html>`;

/**
 * A page whose first inline script starts a runtime task, before anything else happens; it
 * notes whether it could see the mark of a recorded load (protocol/recorded-load.ts).
 */
const STARTUP_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>startup</title><script>
window.sawRecordedLoadMark = Symbol.for(${JSON.stringify(RECORDED_LOAD_MARK)}) in globalThis;
globalThis.aioscope.run(function* () { yield* globalThis.aioscope.sleep(30); }, { name: "startup-task" })
  .then(() => { document.documentElement.dataset.state = "done"; });
</script></head><body>start-up</body></html>`;


describe("recording through the extension", () => {
  let browser: Browser;
  let demo: { url: string; close(): Promise<void> };
  let jobs: FixtureServer;
  let startup: FixtureServer;

  beforeAll(async () => {
    // The first test leaves a screenshot there; a clean checkout has no such folder yet.
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    [demo, jobs, startup] = await Promise.all([startDemoServer({ port: 0 }), serveFixturePage(JOBS_PAGE), serveFixturePage(STARTUP_PAGE)]);
    browser = await launchBrowserWithExtension();
  });

  afterAll(async () => {
    await Promise.all([closeBrowsers(), demo?.close(), jobs?.close(), startup?.close()]);
  });

  test("a recorded demo scenario arrives with its tasks, awaits, cancellation, timeouts and outcomes", async () => {
    const { page, devtools, panel } = await openInspectedPage(browser, demo.url);
    await startRecording(panel);
    await page.evaluate(() => { location.search = "?scenario=wait-for-timeout"; });
    await page.waitForFunction(() => document.documentElement.dataset.scenarioState === "done", POLL);
    const trace = await waitForTrace(panel, (t) => t.tasks.some((task) => task.name === "scenario wait-for-timeout" && task.outcome !== "pending"));
    await stopRecording(panel);

    const main = byName(trace, "scenario wait-for-timeout");
    const fast = byName(trace, "fast fetch");
    const slow = byName(trace, "slow fetch");
    expect([main.outcome, fast.outcome, slow.outcome]).toEqual(["done", "done", "cancelled"]);
    expect([fast.parent, slow.parent]).toEqual([main.id, main.id]);
    // Both waitFor calls armed a timeout on main; only the second expired.
    const mainTimeouts = trace.timeouts.filter((t) => t.task === main.id).sort((x, y) => x.armed - y.armed);
    expect(mainTimeouts).toHaveLength(2);
    expect(mainTimeouts.map((t) => t.expired !== null)).toEqual([false, true]);
    // The expiry cancelled main's await, which cancelled the slow fetch: both are recorded.
    expect(trace.cancellations.filter((c) => c.task === slow.id)).toHaveLength(1);
    const mainAwaits = trace.awaits.filter((a) => a.task === main.id).map((a) => a.kind);
    expect(mainAwaits).toEqual(expect.arrayContaining(["waitFor"]));
    const slowAwait = trace.awaits.find((a) => a.task === slow.id && a.kind === "promise");
    expect(slowAwait?.outcome).toBe("cancelled");
    expect(trace.markers.map((m) => m.kind)).toEqual(expect.arrayContaining(["navigation", "recordingStart"]));
    await devtools.screenshot({ path: join(ARTIFACTS_DIR, "pipeline-recording.png") });
    await page.close();
  });

  test("the page's own bundled runtime copy registers with the hook, is recorded, and its data stays marked as the page's", async () => {
    const { page, devtools, panel } = await openInspectedPage(browser, demo.url);
    await startRecording(panel);
    await page.evaluate(() => { location.search = "?scenario=gather"; });
    await page.waitForFunction(() => document.documentElement.dataset.scenarioState === "done", POLL);
    // The demo imports the runtime itself; the extension's copy is the other one.
    const runtimes = await page.evaluate(() => (globalThis as { __AIOSCOPE_HOOK__?: { runtimes: unknown[] } }).__AIOSCOPE_HOOK__?.runtimes.length);
    expect(runtimes).toBe(2);
    const trace = await waitForTrace(panel, (t) => t.tasks.filter((task) => task.name.startsWith("raise: item") && task.outcome !== "pending").length === 3);
    expect(trace.tasks.filter((t) => t.name.startsWith("raise: item")).map((t) => t.outcome).sort()).toEqual(["done", "done", "error"]);
    // The trace says which copies reported into the page's source: aioscope's first, then the
    // page's own, which is page code speaking through the hook.
    const raised = trace.tasks.find((t) => t.name.startsWith("raise: item"))!;
    const source = trace.sources[raised.source]!;
    expect(source.runtimes?.map((copy) => copy.origin)).toEqual(["aioscope", "page"]);
    // So do the panel's details of a task.
    await selectRow({ frame: panel, mousePage: devtools }, raised.name);
    await devtools.screenshot({ path: join(ARTIFACTS_DIR, "pipeline-bundled-runtime.png") });
    expect(await panel.$eval('[data-testid="details-runtime"]', (element) => element.textContent ?? "")).toMatch(/^page-bundled runtime \(\d+\.\d+\.\d+\), reporting through the page hook; aioscope's injected runtime/);
    await stopRecording(panel);
    await page.close();
  });

  test("reload-and-record keeps what the page did from its first script on", async () => {
    const { page, panel } = await openInspectedPage(browser, startup.url);
    await page.waitForFunction(() => document.documentElement.dataset.state === "done", POLL);
    await reloadAndRecord(panel);
    const trace = await waitForTrace(panel, (t) => t.tasks.some((task) => task.name === "startup-task" && task.outcome === "done"));
    // The task is made by an inline script in <head>, while the page is still being parsed:
    // before the extension could possibly have said "record". It is there from its creation.
    const task = byName(trace, "startup-task");
    // The reloaded document's own start: the old one may have begun recording too before the
    // reload replaced it, and its marker comes first.
    const start = trace.markers.find((m) => m.kind === "recordingStart" && m.source === task.source);
    expect(start).toBeDefined();
    expect(task.created).toBeLessThan(start!.time);
    expect(task.preexisting).toBe(false);
    expect(trace.markers.map((m) => m.kind)).toEqual(expect.arrayContaining(["navigation", "recordingStart"]));
    // DevTools marked the reloaded load before any script, and the page agent took the mark away.
    expect(await page.evaluate(() => (window as unknown as { sawRecordedLoadMark: boolean }).sawRecordedLoadMark)).toBe(false);
    await stopRecording(panel);
    await page.close();
  });

  test("stopping the service worker mid-recording loses and duplicates nothing", async () => {
    const { page, panel } = await openInspectedPage(browser, jobs.url);
    await startRecording(panel);
    // The panel says "recording" when it asks; the page starts when the ask reaches it. A job
    // spawned before would be recorded as preexisting, with its spawn missing.
    await waitForTrace(panel, (t) => t.markers.some((m) => m.kind === "recordingStart"));
    const done = page.evaluate(() => (window as unknown as { startJobs(n: number, p: string, s: number): Promise<void> }).startJobs(300, "job", 8));
    await waitForTrace(panel, (t) => t.tasks.length > 60);
    const session = await browser.target().createCDPSession();
    const { targetInfos } = await session.send("Target.getTargets");
    const worker = targetInfos.find((t) => t.type === "service_worker" && t.url.startsWith("chrome-extension://"));
    expect(worker).toBeDefined();
    await session.send("Target.closeTarget", { targetId: worker!.targetId });
    await done;
    const trace = await waitForTrace(panel, (t) => t.tasks.some((task) => task.name === "job-main" && task.outcome === "done"));
    await stopRecording(panel);
    const jobTasks = trace.tasks.filter((t) => /^job-\d+$/.test(t.name));
    const seen = new Map<string, number>();
    for (const t of jobTasks) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
    expect([...seen].filter(([, n]) => n > 1).map(([name]) => jobTasks.filter((t) => t.name === name).map((t) => JSON.stringify(t)))).toEqual([]);
    expect(jobTasks).toHaveLength(300);
    expect(new Set(jobTasks.map((t) => t.name)).size).toBe(300);
    // One recorder throughout: the restart never made the page stop and start again.
    expect(trace.sources).toHaveLength(1);
    expect(jobTasks.filter((t) => t.outcome !== "done").map((t) => `${t.name} ${t.outcome}`)).toEqual([]);
    // Every job ran exactly its two steps: a duplicated batch would add steps, a lost one remove them.
    const stepsPerJob = new Map<number, number>();
    for (const step of trace.steps) stepsPerJob.set(step.task, (stepsPerJob.get(step.task) ?? 0) + 1);
    expect(jobTasks.filter((t) => stepsPerJob.get(t.id) !== 2)).toEqual([]);
    const snapshot = await panel.evaluate(() => window.__aioscopePanel!.snapshot());
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.droppedEvents).toBe(0);
    await page.close();
  });

  test("two tabs recording at once never mix", async () => {
    // One at a time: finding the panel presses keys in the DevTools window that has focus.
    const a = await openInspectedPage(browser, jobs.url);
    await startRecording(a.panel);
    const b = await openInspectedPage(browser, jobs.url);
    await startRecording(b.panel);
    type JobsWindow = { startJobs(n: number, p: string, s: number): Promise<void> };
    await Promise.all([
      a.page.evaluate(() => (window as unknown as JobsWindow).startJobs(30, "left", 2)),
      b.page.evaluate(() => (window as unknown as JobsWindow).startJobs(20, "right", 3)),
    ]);
    const [left, right] = await Promise.all([
      waitForTrace(a.panel, (t) => t.tasks.some((task) => task.name === "left-main" && task.outcome === "done")),
      waitForTrace(b.panel, (t) => t.tasks.some((task) => task.name === "right-main" && task.outcome === "done")),
    ]);
    expect(left.tasks.map((t) => t.name.split("-")[0])).toEqual(new Array(31).fill("left"));
    expect(right.tasks.map((t) => t.name.split("-")[0])).toEqual(new Array(21).fill("right"));
    await Promise.all([a.page.close(), b.page.close()]);
  });

  test("a hostile page cannot crash, confuse or script the panel", async () => {
    const { page, devtools, panel } = await openInspectedPage(browser, jobs.url);
    await startRecording(panel);
    await page.evaluate(() => {
      const post = (message: unknown) => window.postMessage({ tag: "aioscope:page", message }, "*");
      // Oversized, malformed and mistyped messages, a forged hello, and a flood of junk.
      post({ kind: "batch", data: { session: "x".repeat(10_000), batch: {} } });
      post({ kind: "batch", data: { session: "s", batch: { format: "aioscope-batch", version: 1, seq: 0, count: 1e9 } } });
      post({ kind: "hello", data: { protocol: 1, url: "x".repeat(100_000), title: "t", userAgent: "u", timeOrigin: 1, runtimes: [], isTopFrame: true, session: null } });
      post({ kind: "evil", data: {} });
      for (let i = 0; i < 5000; i++) post({ kind: "status", data: { session: null, recorded: -i, droppedEvents: "many" } });
      // A runtime task whose name is markup: it must be shown as text.
      const { run, sleep } = (globalThis as unknown as { aioscope: Runtime }).aioscope;
      void run(function* () { yield* sleep(1); }, { name: `<img src=x onerror="window.__pwned=1">` });
    });
    const trace = await waitForTrace(panel, (t) => t.tasks.some((task) => task.name.startsWith("<img") && task.outcome === "done"));
    expect(trace.tasks).toHaveLength(1);
    // A person selects the task: its name is shown as text, nothing of it runs.
    await selectRow({ frame: panel, mousePage: devtools }, `<img src=x onerror="window.__pwned=1">`);
    const shown = await panel.evaluate(() => ({
      text: document.querySelector("[data-testid=details-name]")?.textContent ?? "",
      images: document.querySelectorAll("img").length,
      pwned: (window as unknown as { __pwned?: number }).__pwned,
    }));
    expect(shown.text).toBe(`<img src=x onerror="window.__pwned=1">`);
    expect(shown.images).toBe(0);
    expect(shown.pwned).toBeUndefined();
    // The panel still records the page's real work afterwards.
    await page.evaluate(() => (window as unknown as { startJobs(n: number, p: string, s: number): Promise<void> }).startJobs(3, "after", 1));
    await waitForTrace(panel, (t) => t.tasks.some((task) => task.name === "after-main" && task.outcome === "done"));
    await stopRecording(panel);
    await page.close();
  });
});

