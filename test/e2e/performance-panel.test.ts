/**
 * aioscope in Chrome's own Performance panel, in real Chromium with the real extension: a demo
 * scenario recorded in the Async panel and exported as a Chrome trace loads through the
 * Performance panel's "Load profile" and shows one track per task in "aioscope tasks".
 * The screenshot is kept as artifacts/performance-panel.png. And with the Async panel's "Show in
 * Performance panel" on, a Performance recording of the demo (DevTools' own trace categories,
 * read by DevTools' trace engine) has the aioscope tracks; with it off (the default), it has none.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Frame, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startDemoServer, type DemoServer } from "../../demo/server.ts";
import { exportChrome, localIdOf } from "../../src/trace/index.ts";
import { taskTrackName } from "../../src/trace/performance-tracks.ts";
import {
  ARTIFACTS_DIR, POLL, closeBrowsers, launchBrowserWithExtension, openInspectedPage, screenshotPanel, setDevToolsColorScheme, startRecording,
  stopRecording, waitForTrace,
} from "./helpers.ts";
import { readWithDevTools, type ChromeEvent, type DevToolsView } from "../unit/trace/devtools-engine.ts";
import { clearTheView, expandGroup, loadTraceFile, screenshotDevTools, showPerformancePanel, undockDevTools } from "./performance-panel-driver.ts";

describe("the Performance panel", () => {
  let browser: Browser;
  let demo: DemoServer;

  beforeAll(async () => {
    [demo, browser] = await Promise.all([startDemoServer({ port: 0 }), launchBrowserWithExtension()]);
  });

  afterAll(async () => {
    await Promise.all([closeBrowsers(), demo?.close()]);
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
});

/** The page's runtime has the Performance-panel instrument attached (the realm's instrument list, not a recorder). */
function showsPerformanceTracks(): boolean {
  const realm = (globalThis as unknown as Record<symbol, { instruments: { taskExited?: unknown; takeBatch?: unknown }[] } | undefined>)[Symbol.for("aioscope.realm.v1")];
  return realm?.instruments.some((instrument) => typeof instrument.taskExited === "function" && instrument.takeBatch === undefined) === true;
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
