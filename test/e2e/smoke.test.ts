/**
 * Smoke test of the built extension in real Chromium and real DevTools: the "Async" panel
 * exists, renders, and follows the DevTools theme. `npm run test:e2e` builds first.
 */
import type { Browser, Page } from "puppeteer-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import {
  closeBrowsers,
  launchBrowserWithExtension,
  openDevTools,
  panelTheme,
  POLL,
  screenshotPanel,
  serveFixturePage,
  setDevToolsColorScheme,
  showAsyncPanel,
} from "./helpers.ts";
import type { FixtureServer } from "./helpers.ts";

const FIXTURE_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>aioscope smoke page</title></head>
<body><h1>aioscope smoke page</h1></body></html>`;

describe("the Async DevTools panel", () => {
  let browser: Browser;
  let server: FixtureServer;
  let page: Page | undefined;

  beforeAll(async () => {
    server = await serveFixturePage(FIXTURE_PAGE);
    browser = await launchBrowserWithExtension();
  });

  afterAll(async () => {
    await Promise.all([closeBrowsers(), server?.close()]);
  });

  afterEach(async () => {
    // Closing the inspected page closes its DevTools too, so every test starts afresh.
    await page?.close();
    page = undefined;
  });

  async function inspectFixturePage(): Promise<Page> {
    const inspected = await browser.newPage();
    page = inspected;
    await inspected.goto(server.url);
    return openDevTools(inspected);
  }

  test("shows its empty state in the light theme", async () => {
    const devtools = await inspectFixturePage();
    const panel = await showAsyncPanel(devtools);

    const emptyState = await panel.$eval('[data-testid="empty-state-text"]', (element) => element.textContent?.trim());
    expect(emptyState).toMatch(/^No recording\. Press record \(Ctrl\+E\) to capture async activity/);
    expect(await panel.$('[data-testid="toolbar"]')).not.toBeNull();
    expect(await panelTheme(panel)).toBe("light");
    // DevTools docked at its usual width is narrower than the toolbar: it wraps, and no control
    // is left past the panel's edge.
    const outOfReach = await panel.$$eval('[data-testid="toolbar"] :is(button, input, label)', (controls) => controls
      .filter((control) => {
        const box = control.getBoundingClientRect();
        return box.width > 0 && (box.right > window.innerWidth || box.bottom > window.innerHeight);
      })
      .map((control) => control.getAttribute("data-testid") ?? control.textContent));
    expect(outOfReach).toEqual([]);

    await screenshotPanel(devtools, panel, "panel-smoke-light");
  });

  test("follows DevTools when it switches to the dark theme", async () => {
    const devtools = await inspectFixturePage();
    const panel = await showAsyncPanel(devtools);
    expect(await panelTheme(panel)).toBe("light");

    await setDevToolsColorScheme(devtools, "dark");
    await panel.waitForFunction(() => document.documentElement.dataset.theme === "dark", POLL);

    await screenshotPanel(devtools, panel, "panel-smoke-dark");
  });

  test("is dark when first shown after DevTools turned dark", async () => {
    // DevTools fixed chrome.devtools.panels.themeName into the extension's API when it opened,
    // so the panel's own themeName still says "default" here; the devtools page corrects it.
    const devtools = await inspectFixturePage();
    await setDevToolsColorScheme(devtools, "dark");

    const panel = await showAsyncPanel(devtools);

    await panel.waitForFunction(() => document.documentElement.dataset.theme === "dark", POLL);
  });
});
