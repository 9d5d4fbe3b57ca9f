/**
 * aioscope in Chrome's own Performance panel, in real Chromium with the real extension: a demo
 * scenario recorded in the Async panel and exported as a Chrome trace loads through the
 * Performance panel's "Load profile" and shows one track per task in "aioscope tasks".
 * The screenshot is kept as artifacts/performance-panel.png. And with the Async panel's "Show in
 * Performance panel" on, a Performance recording of the demo (DevTools' own trace categories,
 * read by DevTools' trace engine) has the aioscope tracks; with it off (the default), it has none.
 * With it on, each task's steps also run inside the console task (`console.createTask`) made
 * where the task was created: the debugger's async stack trace of code in a step goes through
 * that console task, named after the task, to the spawner's stack.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, CDPSession, Frame, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startDemoServer, type DemoServer } from "../../demo/server.ts";
import { exportChrome, localIdOf } from "../../src/trace/index.ts";
import { taskTrackName } from "../../src/trace/performance-tracks.ts";
import {
  ARTIFACTS_DIR, POLL, clickWhenStill, closeBrowsers, launchBrowserWithExtension, openInspectedPage, screenshotPanel, serveFixturePage, setDevToolsColorScheme,
  startRecording, stopRecording, waitForTrace, type FixtureServer,
} from "./helpers.ts";
import { readWithDevTools, type ChromeEvent, type DevToolsView } from "../unit/trace/devtools-engine.ts";
import { clearTheView, expandGroup, loadTraceFile, screenshotDevTools, showPerformancePanel, undockDevTools } from "./performance-panel-driver.ts";

/**
 * A page using the runtime the extension injects: `spawnLinked()` runs a task "spawner" that
 * creates a task "linked child", which logs "aioscope-linked-step" from its second step.
 */
const SPAWN_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>spawn</title></head><body>
<script>
window.spawnLinked = () => {
  const { run, sleep, createTask } = globalThis.aioscope;
  return run(function* spawner() {
    const child = createTask(function* linkedChild() {
      yield* sleep(1);
      console.log("aioscope-linked-step");
    }, { name: "linked child" });
    yield* child;
  }, { name: "spawner" });
};
</script></body></html>`;

describe("the Performance panel", () => {
  let browser: Browser;
  let demo: DemoServer;
  let spawnPage: FixtureServer;

  beforeAll(async () => {
    [demo, spawnPage, browser] = await Promise.all([startDemoServer({ port: 0 }), serveFixturePage(SPAWN_PAGE), launchBrowserWithExtension()]);
  });

  afterAll(async () => {
    await Promise.all([closeBrowsers(), demo?.close(), spawnPage?.close()]);
  });

  test("an exported recording of the demo loads with one track per task in the group aioscope tasks", async () => {
    const { page, devtools, panel } = await openInspectedPage(browser, demo.url);
    await startRecording(panel);
    await page.evaluate(() => { location.search = "?scenario=gather"; });
    await page.waitForFunction(() => document.documentElement.dataset.scenarioState === "done", POLL);
    const trace = await waitForTrace(panel, (t) => t.tasks.some((task) => task.name === "scenario gather" && task.outcome !== "pending"));
    await stopRecording(panel);
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    const file = join(ARTIFACTS_DIR, "demo-gather.chrome.json");
    writeFileSync(file, exportChrome(trace));

    await undockDevTools(devtools);
    await showPerformancePanel(devtools);
    const groups = await loadTraceFile(devtools, file, "aioscope tasks");
    const names = groups.map((g) => g.name);
    // The group, then exactly one track per task of the session (DevTools orders them by their first entry).
    const tracks = trace.tasks.map((t) => taskTrackName(t.name, localIdOf(t.id), null));
    const start = names.indexOf("aioscope tasks");
    expect(names.slice(start + 1, start + 1 + tracks.length).sort()).toEqual([...tracks].sort());
    expect(tracks).toContain(taskTrackName("scenario gather", localIdOf(trace.tasks.find((t) => t.name === "scenario gather")!.id), null));

    await clearTheView(devtools);
    await expandGroup(devtools, "aioscope tasks");
    // A task's track opens onto its lifetime with its awaits nested below it.
    for (const name of ["scenario gather", "raise: item 2 (fails)", "return: item 2 (fails)"]) {
      await expandGroup(devtools, taskTrackName(name, localIdOf(trace.tasks.find((t) => t.name === name)!.id), null));
    }
    await screenshotDevTools(devtools, "performance-panel");
  });

  test("with Show in Performance panel on, a Performance recording of the demo shows a track per task; off, none", async () => {
    const { page, devtools, panel } = await openInspectedPage(browser, demo.url);
    const toggle = '[data-testid="performance-tracks-toggle"]';
    expect(await panel.$eval(toggle, (input) => (input as HTMLInputElement).checked)).toBe(false);

    const off = await recordPerformance(page, "sequential-vs-concurrent");
    expect(off.generic).toBe(false);
    expect(off.groups.has("aioscope tasks")).toBe(false);

    await panel.click(toggle);
    await page.waitForFunction(showsPerformanceTracks, POLL);
    const on = await recordPerformance(page, "gather");
    const tracks = [...(on.groups.get("aioscope tasks")?.keys() ?? [])];
    expect(tracks.some((track) => /^scenario gather #\d+$/.test(track))).toBe(true);
    expect(tracks.filter((track) => /^(raise|return): item \d/.test(track))).toHaveLength(6);
    // The scenario's lifetime holds its three awaits (gather, wait, gather), nested by time.
    const scenario = [...on.groups.get("aioscope tasks")!.entries()].find(([track]) => track.startsWith("scenario gather #"))![1];
    const lifetime = scenario.find(([name]) => name === "scenario gather")!;
    const awaits = scenario.filter((entry) => entry !== lifetime);
    expect(awaits.length).toBeGreaterThanOrEqual(3);
    for (const [, start, duration] of awaits) {
      expect(start).toBeGreaterThanOrEqual(lifetime[1]);
      expect(start + duration).toBeLessThanOrEqual(lifetime[1] + lifetime[2]);
    }

    await lookAtToggle(devtools, panel);
    // Remembered: a new DevTools session starts with it on.
    await devtools.close();
    const again = await openInspectedPage(browser, demo.url);
    expect(await again.panel.$eval(toggle, (input) => (input as HTMLInputElement).checked)).toBe(true);
  });

  test("with Show in Performance panel on, a task's step runs in a console task made at its creation; off, it does not", async () => {
    const { page, panel } = await openInspectedPage(browser, spawnPage.url);
    const toggle = '[data-testid="performance-tracks-toggle"]';
    if (!(await panel.$eval(toggle, (input) => (input as HTMLInputElement).checked))) await clickWhenStill(panel, toggle);
    await page.waitForFunction(showsPerformanceTracks, POLL);
    const cdp = await page.createCDPSession();
    await cdp.send("Runtime.enable");
    await cdp.send("Debugger.enable");
    await cdp.send("Debugger.setAsyncCallStackDepth", { maxDepth: 32 });

    const on = await asyncStackOfLinkedStep(page, cdp);
    // The step's async parent is the console task named after the task, made in the spawner's step.
    const consoleTask = on.find((stack) => stack.description === "linked child");
    expect(consoleTask, JSON.stringify(on.map((stack) => stack.description))).toBeDefined();
    expect(consoleTask!.functions).toContain("spawner");

    // Aimed once the toolbar is still (DevTools may still be laying the panel out), and seen
    // to take in the panel before the page is asked whether it followed.
    await clickWhenStill(panel, toggle);
    await panel.waitForFunction((selector: string) => !(document.querySelector(selector) as HTMLInputElement).checked, POLL, toggle);
    await page.waitForFunction(hidesPerformanceTracks, POLL);
    const off = await asyncStackOfLinkedStep(page, cdp);
    expect(off.map((stack) => stack.description)).not.toContain("linked child");
    await cdp.detach();
  });
});

interface AsyncStack {
  readonly description: string | undefined;
  /** The function names of its frames. */
  readonly functions: string[];
}

interface StackTrace {
  readonly description?: string;
  readonly callFrames: { readonly functionName: string }[];
  readonly parent?: StackTrace;
  readonly parentId?: { readonly id: string; readonly debuggerId?: string };
}

/** Runs the page's spawnLinked() and returns the async stacks above the console.log of the child's second step. */
async function asyncStackOfLinkedStep(page: Page, cdp: CDPSession): Promise<AsyncStack[]> {
  const logged = new Promise<StackTrace | undefined>((resolve) => {
    const listener = (event: { args: { value?: unknown }[]; stackTrace?: StackTrace }): void => {
      if (event.args[0]?.value !== "aioscope-linked-step") return;
      cdp.off("Runtime.consoleAPICalled", listener);
      resolve(event.stackTrace);
    };
    cdp.on("Runtime.consoleAPICalled", listener);
  });
  await page.evaluate(() => (window as unknown as { spawnLinked(): Promise<void> }).spawnLinked());
  const stacks: AsyncStack[] = [];
  // Async parents come inline or by id (Debugger.getStackTrace fetches those).
  let next = await logged;
  for (let depth = 0; depth < 32 && next !== undefined; depth++) {
    let parent = next.parent;
    if (parent === undefined && next.parentId !== undefined) parent = (await cdp.send("Debugger.getStackTrace", { stackTraceId: next.parentId })).stackTrace as StackTrace;
    if (parent === undefined) break;
    stacks.push({ description: parent.description, functions: parent.callFrames.map((frame) => frame.functionName) });
    next = parent;
  }
  return stacks;
}

/** The page's runtime has the Performance-panel instrument attached (the realm's instrument list, not a recorder). */
function showsPerformanceTracks(): boolean {
  const realm = (globalThis as unknown as Record<symbol, { instruments: { taskExited?: unknown; takeBatch?: unknown }[] } | undefined>)[Symbol.for("aioscope.realm.v1")];
  return realm?.instruments.some((instrument) => typeof instrument.taskExited === "function" && instrument.takeBatch === undefined) === true;
}

/** The opposite of showsPerformanceTracks, self-contained (it runs in the page). */
function hidesPerformanceTracks(): boolean {
  const realm = (globalThis as unknown as Record<symbol, { instruments: { taskExited?: unknown; takeBatch?: unknown }[] } | undefined>)[Symbol.for("aioscope.realm.v1")];
  return realm?.instruments.some((instrument) => typeof instrument.taskExited === "function" && instrument.takeBatch === undefined) !== true;
}

/**
 * Records the page with DevTools' own trace categories (what the Performance panel's record
 * button turns on, for what this test reads) while the demo runs `scenario` from its button,
 * and reads the result with DevTools' trace engine.
 */
async function recordPerformance(page: Page, scenario: string): Promise<DevToolsView> {
  await page.tracing.start({ categories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "blink.user_timing", "blink.console", "v8.execute", "toplevel"] });
  await page.click(`[data-testid="run-${scenario}"]`);
  await page.waitForFunction((name: string) => document.documentElement.dataset.scenario === name && document.documentElement.dataset.scenarioState === "done", POLL, scenario);
  const buffer = await page.tracing.stop();
  if (buffer === undefined) throw new Error("the Performance recording returned no trace");
  const file = join(ARTIFACTS_DIR, `performance-recording-${scenario}.json`);
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  writeFileSync(file, buffer);
  const parsed = JSON.parse(Buffer.from(buffer).toString("utf8")) as { traceEvents: ChromeEvent[] } | ChromeEvent[];
  return readWithDevTools(Array.isArray(parsed) ? parsed : parsed.traceEvents);
}

/** Screenshots of the toolbar with the switch on, in DevTools' light and dark themes (artifacts/). */
async function lookAtToggle(devtools: Page, panel: Frame): Promise<void> {
  await setDevToolsColorScheme(devtools, "light");
  await screenshotPanel(devtools, panel, "performance-tracks-toggle-light");
  await setDevToolsColorScheme(devtools, "dark");
  await panel.waitForFunction(() => document.documentElement.dataset.theme === "dark", POLL);
  await screenshotPanel(devtools, panel, "performance-tracks-toggle-dark");
}
