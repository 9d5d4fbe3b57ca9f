/**
 * Angular's zone.js replaces the same functions aioscope wraps (timers, fetch, XHR, Promise,
 * addEventListener) with its own, which call what it found there when it loaded. An app loads
 * it early (the start-up recording's wrappers are then in its chain) or late (after they are
 * gone). Either way, a recording started from the panel afterwards shows the app's timers and
 * fetches, once each, and the app's zones behave as without the extension.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { closeBrowsers, launchBrowserWithExtension, openInspectedPage, startRecording, stopRecording, waitForTrace } from "./helpers.ts";
import { startNativeServer, withoutExtension, type NativeServer } from "./native-fixtures.ts";

const ZONE = readFileSync(createRequire(import.meta.url).resolve("zone.js"), "utf8");

/** The app's work, in a zone of its own: what ran in which zone, and what it got. */
const WORK = `
window.go = () => new Promise((resolve) => {
  const seen = [];
  const zone = Zone.current.fork({ name: "app", onInvokeTask: (delegate, current, target, task, self, args) => { seen.push("task " + task.source); return delegate.invokeTask(target, task, self, args); } });
  zone.run(() => {
    setTimeout(async () => {
      seen.push("timer in " + Zone.current.name);
      const response = await fetch("/data?id=zone&bytes=64");
      seen.push("fetch " + (await response.text()).length + " in " + Zone.current.name);
      const both = await Promise.all([fetch("/data?id=zone2&bytes=8").then((r) => r.status), new Promise((r) => setTimeout(() => r("late"), 1))]);
      seen.push("all " + both.join(",") + " in " + Zone.current.name);
      resolve(seen.join("; "));
    }, 2);
  });
});`;

const pageWith = (zoneLoading: string): string => `<!doctype html><html><head><meta charset="utf-8"><title>zone</title>
<script>const ZONE_SOURCE = ${JSON.stringify(ZONE).replace(/<\//g, "<\\/")};</script>
<script>${zoneLoading}
${WORK}</script></head><body>zone</body></html>`;

/** Loads zone.js, and keeps its setTimeout and fetch to compare with what the page has later. */
const LOAD_ZONE = "(0, eval)(ZONE_SOURCE); window.zoneFunctions = [window.setTimeout, window.fetch];";
const EARLY = pageWith(`${LOAD_ZONE} window.zoneReady = Promise.resolve();`);
const LATE = pageWith(`window.zoneReady = new Promise((resolve) => setTimeout(() => { ${LOAD_ZONE} resolve(); }, 500));`);

/** Whether the page's setTimeout and fetch are zone.js's again, and look like them now. */
const ZONE_FUNCTIONS_BACK = `window.setTimeout === zoneFunctions[0] && window.fetch === zoneFunctions[1]`;
const LOOK_LIKE_ZONE = `String(window.setTimeout) === Function.prototype.toString.call(zoneFunctions[0]) && window.fetch.name === zoneFunctions[1].name`;

async function runWork(page: Page): Promise<unknown> {
  await page.evaluate("window.zoneReady");
  return page.evaluate("go()");
}

describe.each([["early", EARLY], ["late", LATE]])("an app that loads zone.js %s", (_when, html) => {
  let server: NativeServer;
  let browser: Browser;
  let expected: unknown;

  beforeAll(async () => {
    server = await startNativeServer({ "/": html });
    expected = await withoutExtension(`${server.origin}/`, runWork);
    browser = await launchBrowserWithExtension();
  });

  afterAll(async () => {
    await Promise.all([closeBrowsers(), server?.close()]);
  });

  test("runs its zones as without the extension", () => {
    // (Code after an `await` of a native promise leaves the zone: zone.js cannot see it.)
    expect(expected).toMatch(/^task setTimeout; timer in app; fetch 64 in \S+; all 200,late in \S+$/);
  });

  test("is recorded from the panel: its timers and fetches, once each, and its zones work the same", async () => {
    const { page, panel } = await openInspectedPage(browser, `${server.origin}/`);
    await page.evaluate("window.zoneReady");
    await startRecording(panel);
    expect(await runWork(page)).toBe(expected);
    const trace = await waitForTrace(panel, (t) => t.nativeOps.filter((op) => op.kind === "fetch" && op.end !== null).length >= 2);
    const fetches = trace.nativeOps.filter((op) => op.kind === "fetch").map((op) => op.label);
    expect(fetches).toEqual([`GET ${server.origin}/data?id=zone&bytes=64`, `GET ${server.origin}/data?id=zone2&bytes=8`]);
    const timers = trace.nativeOps.filter((op) => op.kind === "setTimeout").map((op) => op.label);
    expect(timers).toEqual(["setTimeout(2)", "setTimeout(1)"]);
    expect(await page.evaluate(LOOK_LIKE_ZONE)).toBe(true);
    await stopRecording(panel);
    expect(await page.evaluate(ZONE_FUNCTIONS_BACK)).toBe(true);
    await page.close();
  });
});
