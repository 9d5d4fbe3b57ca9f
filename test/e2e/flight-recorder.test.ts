/**
 * The flight recorder in real Chromium with the real extension: turned on in the Async panel,
 * it stays on for the tab after DevTools closes and after the page reloads; the page's work
 * is kept on the page side without any panel; opened later, "Save last 30 s" makes a recording
 * of it — the tasks from before are there, work older than 30 s is not, and the recording's
 * start says so. Screenshots of the toolbar in light and dark are kept in artifacts/.
 */
import type { Browser, Frame, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  POLL, closeBrowsers, launchBrowserWithExtension, openDevTools, openInspectedPage, screenshotPanel, serveFixturePage, setDevToolsColorScheme,
  showAsyncPanel, waitForTrace, type FixtureServer,
} from "./helpers.ts";

/** `work(name)`: a runtime task `name` gathering three children, each waiting on a 1 ms timer. */
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>flight</title></head><body>
<script>
window.work = (name) => {
  const { run, sleep, createTask, gather } = globalThis.aioscope;
  return run(function* main() {
    yield* gather([0, 1, 2].map((k) => createTask(function* child() { yield* sleep(1); }, { name: name + " child " + k })));
  }, { name });
};
</script></body></html>`;

const WINDOW_MS = 30_000;

describe("the flight recorder", () => {
  let browser: Browser;
  let server: FixtureServer;

  beforeAll(async () => {
    [server, browser] = await Promise.all([serveFixturePage(PAGE), launchBrowserWithExtension()]);
  });

  afterAll(async () => {
    await Promise.all([closeBrowsers(), server?.close()]);
  });

  test("kept without the panel and across a reload; Save last 30 s shows the work from before, not what is older than 30 s", async () => {
    const first = await openInspectedPage(browser, server.url);
    const toggle = "[data-testid=flight-recorder-toggle]";
    const save = "[data-testid=flight-save-button]";
    // Off by default; saving needs it on.
    expect(await first.panel.$eval(toggle, (input) => (input as HTMLInputElement).checked)).toBe(false);
    expect(await first.panel.$eval(save, (button) => (button as HTMLButtonElement).disabled)).toBe(true);
    await first.panel.click(toggle);
    await first.panel.waitForFunction(() => !(document.querySelector("[data-testid=flight-save-button]") as HTMLButtonElement).disabled, POLL);
    await first.devtools.close();
    const page = first.page;

    // No DevTools from here on. The page reloads in the same tab: the new document keeps its
    // last 30 s too. Work, the window passes in the page's own time, newer work.
    await page.reload();
    await page.evaluate(() => (window as unknown as { work(name: string): Promise<void> }).work("old"));
    const oldDone = await page.evaluate(() => performance.now());
    await page.waitForFunction((since: number, windowMs: number) => performance.now() > since + windowMs + 1000, { polling: 500, timeout: 90_000 }, oldDone, WINDOW_MS);
    await page.evaluate(() => (window as unknown as { work(name: string): Promise<void> }).work("recent"));

    // DevTools opens later: the option is on, and saving makes a recording of what the page kept.
    const devtools = await openDevTools(page);
    const panel = await showAsyncPanel(devtools);
    await panel.waitForFunction(() => window.__aioscopePanel !== undefined, POLL);
    await panel.waitForFunction(() => (document.querySelector("[data-testid=flight-recorder-toggle]") as HTMLInputElement | null)?.checked === true, POLL);
    await panel.waitForFunction(() => !(document.querySelector("[data-testid=flight-save-button]") as HTMLButtonElement).disabled, POLL);
    await panel.click(save);
    const trace = await waitForTrace(panel, (t) => t.markers.some((m) => m.kind === "recordingStop"));
    expect(await panel.evaluate(() => window.__aioscopePanel?.snapshot().phase)).toBe("stopped");

    const names = trace.tasks.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["recent", "recent child 0", "recent child 1", "recent child 2"]));
    expect(names.filter((name) => name.startsWith("old"))).toEqual([]);
    // Native work is kept too: the children's 1 ms timers.
    expect(trace.nativeOps.length).toBeGreaterThan(0);
    // The start says what it is, and how much older work it let go.
    const start = trace.markers.find((m) => m.kind === "recordingStart")!;
    expect(start.label).toBe("flight recorder: last 30 s");
    const evicted = Number(/; (\d+) older events evicted, \d+ dropped in the window$/.exec(start.detail ?? "")?.[1]);
    expect(evicted).toBeGreaterThan(0);
    const recent = trace.tasks.find((t) => t.name === "recent")!;
    expect(recent.created).toBeGreaterThanOrEqual(start.time);
    expect(recent.created - start.time).toBeLessThanOrEqual(WINDOW_MS);
    await lookAt(devtools, panel);
  }, 180_000);
});

/** The toolbar after a save, in DevTools' light and dark themes (artifacts/flight-recorder-*.png). */
async function lookAt(devtools: Page, panel: Frame): Promise<void> {
  await setDevToolsColorScheme(devtools, "light");
  await panel.waitForFunction(() => document.documentElement.dataset.theme === "light", POLL);
  await screenshotPanel(devtools, panel, "flight-recorder-light");
  await setDevToolsColorScheme(devtools, "dark");
  await panel.waitForFunction(() => document.documentElement.dataset.theme === "dark", POLL);
  await screenshotPanel(devtools, panel, "flight-recorder-dark");
}
