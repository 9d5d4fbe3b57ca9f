/**
 * aioscope in Chrome's own Performance panel, in real Chromium with the real extension: a demo
 * scenario recorded in the Async panel and exported as a Chrome trace loads through the
 * Performance panel's "Load profile" and shows one track per task in "aioscope tasks".
 * The screenshot is kept as artifacts/performance-panel.png.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startDemoServer, type DemoServer } from "../../demo/server.ts";
import { exportChrome, localIdOf } from "../../src/trace/index.ts";
import { taskTrackName } from "../../src/trace/performance-tracks.ts";
import {
  ARTIFACTS_DIR, POLL, closeBrowsers, launchBrowserWithExtension, openInspectedPage, startRecording, stopRecording, waitForTrace,
} from "./helpers.ts";
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
});
