/**
 * The flight recorder in real Chromium with the real extension: turned on in the Async panel,
 * it stays on for the tab after DevTools closes, the service worker is stopped and the page
 * reloads; the page's work
 * is kept on the page side without any panel; opened later, "Save last 30 s" makes a recording
 * of it — the tasks from before are there, work older than 30 s is not, and the recording's
 * start says so. Screenshots of the toolbar in light and dark are kept in artifacts/.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, CDPSession, Frame, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  ARTIFACTS_DIR, POLL, closeBrowsers, launchBrowserWithExtension, openDevTools, openInspectedPage, serveFixturePage, setDevToolsColorScheme,
  showAsyncPanel, waitForTrace, type FixtureServer,
} from "./helpers.ts";
import { painted } from "./panel-driver.ts";

/**
 * `work(name)`: a runtime task `name` gathering three children, each waiting on a 1 ms timer.
 * `thenAtStart`: `Promise.prototype.then` as the page's first script found it.
 */
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>flight</title></head><body>
<script>
window.thenAtStart = Promise.prototype.then;
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
    // Neither the start-up recording (before the extension says the tab is not recorded) nor the
    // flight recorder replaces Promise.prototype.then: V8 would take the slow path for the page's
    // promises for the rest of the document's life.
    expect(await first.page.evaluate(thenUntouched)).toBe(true);
    const toggle = "[data-testid=flight-recorder-toggle]";
    const save = "[data-testid=flight-save-button]";
    // Off by default; saving needs it on.
    expect(await first.panel.$eval(toggle, (input) => (input as HTMLInputElement).checked)).toBe(false);
    expect(await first.panel.$eval(save, (button) => (button as HTMLButtonElement).disabled)).toBe(true);
    await first.panel.click(toggle);
    await first.panel.waitForFunction(() => !(document.querySelector("[data-testid=flight-save-button]") as HTMLButtonElement).disabled, POLL);
    await first.devtools.close();
    const page = first.page;

    // No DevTools from here on. The browser stops the extension's service worker (as it does
    // after ~30 s without messages), then the page reloads in the same tab: the new document,
    // met by a fresh worker, keeps its last 30 s too. Work, the window passes in the page's
    // own time, newer work.
    const cdp = await browser.target().createCDPSession();
    const stopped = await extensionWorkerId(cdp);
    expect(stopped).not.toBeNull();
    await cdp.send("Target.closeTarget", { targetId: stopped! });
    await page.reload();
    // A new worker met the new document (the bridge's connection started it).
    for (let id = await extensionWorkerId(cdp); id === null || id === stopped; id = await extensionWorkerId(cdp)) {
      await new Promise((resolve) => setTimeout(resolve, POLL.polling));
    }
    await cdp.detach();
    await page.evaluate(() => (window as unknown as { work(name: string): Promise<void> }).work("old"));
    const oldDone = await page.evaluate(() => performance.now());
    await page.waitForFunction((since: number, windowMs: number) => performance.now() > since + windowMs + 1000, { polling: 500, timeout: 90_000 }, oldDone, WINDOW_MS);
    await page.evaluate(() => (window as unknown as { work(name: string): Promise<void> }).work("recent"));
    expect(await page.evaluate(thenUntouched)).toBe(true);

    // DevTools opens later: the option is on, and saving makes a recording of what the page kept.
    const devtools = await openDevTools(page);
    const panel = await showAsyncPanel(devtools);
    await panel.waitForFunction(() => window.__aioscopePanel !== undefined, POLL);
    await panel.waitForFunction(() => (document.querySelector("[data-testid=flight-recorder-toggle]") as HTMLInputElement | null)?.checked === true, POLL);
    await panel.waitForFunction(() => !(document.querySelector("[data-testid=flight-save-button]") as HTMLButtonElement).disabled, POLL);
    await panel.click(save);
    const trace = await waitForTrace(panel, (t) => t.markers.some((m) => m.kind === "recordingStop"));
    expect(await panel.evaluate(() => window.__aioscopePanel?.snapshot().phase)).toBe("stopped");
    // The saved session stopped and the flight recorder took over again: still the page's own.
    expect(await page.evaluate(thenUntouched)).toBe(true);

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
    // The toolbar says where the session came from; its title, how much older work it let go.
    await panel.waitForSelector("[data-testid=flight-session-label]");
    expect(await panel.$eval("[data-testid=flight-session-label]", (label) => [label.textContent, label.getAttribute("title")])).toEqual([start.label, start.detail]);
    await lookAt(devtools, panel);
  }, 180_000);
});

/** In the page: `Promise.prototype.then` is the function its first script found there. */
function thenUntouched(): boolean {
  return Promise.prototype.then === (window as unknown as { thenAtStart: unknown }).thenAtStart;
}

/**
 * The panel after a save, in DevTools' light and dark themes: the session from its start
 * (artifacts/flight-recorder-*.png), and the toolbar's end, where the flight recorder's
 * controls are, as a narrow DevTools shows it once scrolled there (flight-recorder-toolbar-*.png).
 */
async function lookAt(devtools: Page, panel: Frame): Promise<void> {
  for (const scheme of ["light", "dark"] as const) {
    await setDevToolsColorScheme(devtools, scheme);
    await panel.waitForFunction((want: string) => document.documentElement.dataset.theme === want, POLL, scheme);
    await scrollPanel(panel, "start");
    await screenshotOfPanel(devtools, panel, `flight-recorder-${scheme}`);
    await scrollPanel(panel, "end");
    await screenshotOfPanel(devtools, panel, `flight-recorder-toolbar-${scheme}`);
  }
}

/** Scrolls the panel's page to its left or right edge, and waits until that is drawn. */
async function scrollPanel(panel: Frame, edge: "start" | "end"): Promise<void> {
  await panel.evaluate((toEnd: boolean) => {
    const root = document.scrollingElement!;
    root.scrollLeft = toEnd ? root.scrollWidth : 0;
    for (const element of document.querySelectorAll(".panel, .toolbar")) element.scrollLeft = toEnd ? element.scrollWidth : 0;
  }, edge === "end");
  await painted(panel);
}

/** The DevTools tab strip and the panel under it, as artifacts/<name>.png. */
async function screenshotOfPanel(devtools: Page, panel: Frame, name: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const box = await (await panel.frameElement())?.boundingBox();
  if (!box) throw new Error("The Async panel's iframe is not laid out.");
  const top = Math.max(0, box.y - 28);
  await devtools.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`), clip: { x: box.x, y: top, width: box.width, height: box.y + box.height - top } });
}

/** The target id of the extension's service worker while it runs, else null. */
async function extensionWorkerId(cdp: CDPSession): Promise<string | null> {
  const { targetInfos } = await cdp.send("Target.getTargets");
  return targetInfos.find((t) => t.type === "service_worker" && t.url.startsWith("chrome-extension://"))?.targetId ?? null;
}
