/**
 * A page that hardens its built-ins, as SES `lockdown()` does (MetaMask, LavaMoat, Agoric):
 * once its first script ran, Object, Function, Promise, Error, Array and the DOM prototypes
 * aioscope wraps are frozen. The wrappers installed at document_start stay where they were
 * (they only pass calls through when nothing records), recording still works, the page does
 * what it does without the extension, and what a recording could not wrap is named: in the
 * page's console, in the trace and in the panel's warnings.
 */
import type { Browser } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  clickWhenStill, closeBrowsers, launchBrowserWithExtension, openInspectedPage, POLL, screenshotPanel, serveFixturePage, setDevToolsColorScheme, startRecording,
  stopRecording, waitForTrace, type FixtureServer,
} from "./helpers.ts";
import { painted } from "./panel-driver.ts";
import { withoutExtension } from "./native-fixtures.ts";

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>frozen</title><script>
for (const target of [Object, Object.prototype, Function, Function.prototype, Promise, Promise.prototype, Error, Error.prototype,
  Array, Array.prototype, AbortController.prototype, AbortSignal, AbortSignal.prototype, XMLHttpRequest.prototype, EventTarget.prototype]) Object.freeze(target);
window.go = async () => {
  const parts = [];
  await new Promise((resolve) => setTimeout(resolve, 5));
  parts.push("timeout");
  const text = await fetch("/data").then((r) => r.text());
  parts.push("fetch " + text.length);
  const both = await Promise.all([fetch("/data").then((r) => r.status), new Promise((resolve) => setTimeout(() => resolve(2), 1))]);
  parts.push("all " + both.join(","));
  const controller = new AbortController();
  controller.abort("why");
  parts.push("abort " + controller.signal.reason);
  parts.push("frozen " + Object.isFrozen(Promise.prototype) + " " + Object.isFrozen(Function.prototype));
  return parts.join("; ");
};
</script></head><body>frozen</body></html>`;

describe("a page that freezes its built-ins", () => {
  let server: FixtureServer;
  let browser: Browser;
  let expected: unknown;

  beforeAll(async () => {
    server = await serveFixturePage(PAGE);
    expected = await withoutExtension(server.url, (page) => page.evaluate("go()"));
    browser = await launchBrowserWithExtension();
  });

  afterAll(async () => {
    await Promise.all([closeBrowsers(), server?.close()]);
  });

  test("does its work without the extension", () => {
    expect(expected).toMatch(/^timeout; fetch \d+; all 200,2; abort why; frozen true true$/);
  });

  test("does the same with the extension installed, and while the panel records it, which shows its work", async () => {
    const installed = await browser.newPage();
    await installed.goto(server.url);
    expect(await installed.evaluate("go()")).toBe(expected);
    await installed.close();
    const { page, devtools, panel } = await openInspectedPage(browser, server.url);
    const warnings: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "warn") warnings.push(message.text());
    });
    await startRecording(panel);
    expect(await page.evaluate("go()")).toBe(expected);
    const trace = await waitForTrace(panel, (t) => t.nativeOps.some((op) => op.kind === "Promise.all" && op.end !== null));
    expect(trace.nativeOps.map((op) => op.kind)).toEqual(expect.arrayContaining(["setTimeout", "fetch", "Promise.all"]));
    // The wrappers frozen in place since start-up record; the one a recording adds (then, for
    // continuations' causes) cannot be put in place, and the page's console says so.
    expect(warnings).toEqual(["aioscope: Promise.prototype.then is read-only on this page (frozen), so what goes through it is not recorded."]);
    // So do the recording's source, in the trace, and the panel's warnings.
    expect(trace.sources.map((source) => source.notRecorded)).toEqual([["Promise.prototype.then"]]);
    await stopRecording(panel);
    await clickWhenStill(panel, '[data-testid="view-statistics"]');
    const warning = await panel.waitForSelector('[data-testid="warning"][data-kind="notRecorded"]');
    expect(await warning!.evaluate((item) => item.textContent)).toBe(
      "Not recorded" + "the page froze Promise.prototype.then before the recording could wrap it: .then, .catch and .finally continuations carry no cause (which operation's callback started what)",
    );
    await painted(panel);
    await screenshotPanel(devtools, panel, "panel-not-recorded-light");
    await setDevToolsColorScheme(devtools, "dark");
    await panel.waitForFunction(() => document.documentElement.dataset.theme === "dark", POLL);
    await painted(panel);
    await screenshotPanel(devtools, panel, "panel-not-recorded-dark");
    await page.close();
  });
});
