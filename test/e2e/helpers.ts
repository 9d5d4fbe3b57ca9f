/**
 * Helpers for the end-to-end tests: they drive the built extension (dist/extension) in real
 * Chromium, in real DevTools, through puppeteer-core. Every wait here waits for a condition,
 * never for a fixed time. See /work/shared/notes/browser-testing.md for the facts behind them.
 */
import { existsSync, mkdirSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";
import type { Browser, Frame, Page } from "puppeteer-core";
import type { Trace } from "../../src/trace/model.ts";
import { enlargeWindow } from "./panel-driver.ts";
import { CHROMIUM_FLAGS, DEVTOOLS_PAGE, PANEL_PAGE, POLL } from "../../src/cli/browser.ts";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The unpacked extension that `npm run build:extension` writes. */
export const EXTENSION_DIR = join(REPO_ROOT, "dist/extension");

/** Screenshots and other things a person may want to look at after a run (gitignored). */
export const ARTIFACTS_DIR = join(REPO_ROOT, "artifacts");

// One definition of the extension's page names, Chromium's flags and how conditions are
// polled, shared with the CLI, which drives the same browser the same way.
export { CHROMIUM_FLAGS, DEVTOOLS_PAGE, PANEL_PAGE, POLL };

/** Several times more presses than DevTools has panels (about fifteen). */
const MAX_PANEL_SWITCHES = 50;

/** Where Chromium is: `CHROME_PATH` if set, else Debian's `/usr/bin/chromium`. */
export function chromiumPath(): string {
  const path = process.env.CHROME_PATH ?? "/usr/bin/chromium";
  if (!existsSync(path)) {
    throw new Error(`No Chromium at ${path}: install it (apt-get install -y chromium) or set CHROME_PATH.`);
  }
  return path;
}

const launchedBrowsers = new Set<Browser>();

/** Launches headless Chromium with the built extension loaded. Close it with `closeBrowsers`. */
export async function launchBrowserWithExtension(): Promise<Browser> {
  if (!existsSync(join(EXTENSION_DIR, "manifest.json"))) {
    throw new Error(`No built extension in ${EXTENSION_DIR}: run \`npm run build\` first.`);
  }
  const browser = await puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    pipe: true,
    enableExtensions: [EXTENSION_DIR],
    args: CHROMIUM_FLAGS,
  });
  launchedBrowsers.add(browser);
  return browser;
}

/** Closes every browser `launchBrowserWithExtension` opened; call it in `afterAll`. */
export async function closeBrowsers(): Promise<void> {
  const browsers = [...launchedBrowsers];
  launchedBrowsers.clear();
  await Promise.all(browsers.map((browser) => browser.close()));
}

export interface FixtureServer {
  /** The page's address, on 127.0.0.1 (the tests never need the internet). */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `html` at every path from an HTTP server on 127.0.0.1 and a free port. */
export async function serveFixturePage(html: string): Promise<FixtureServer> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(html);
  });
  await new Promise<void>((resolveListening, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolveListening);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolveClosed, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolveClosed()));
      }),
  };
}

/**
 * The ids of the selected tabs in the DevTools front-end joined by "|", or "" while they are
 * still `before` or not drawn yet; so `waitForFunction` with it waits for the selection to
 * change. DevTools builds its UI inside shadow roots, so this walks into every one.
 * It runs inside the DevTools page, so it must not refer to anything outside itself, and it
 * declares no inner functions (tsx would wrap them in a `__name` helper the page lacks).
 */
function selectedTabsOnceChanged(before: string): string {
  const ids: string[] = [];
  const roots: (Document | ShadowRoot)[] = [document];
  for (let root = roots.pop(); root; root = roots.pop()) {
    for (const tab of root.querySelectorAll('[role="tab"][aria-selected="true"]')) ids.push(tab.id);
    for (const element of root.querySelectorAll("*")) if (element.shadowRoot) roots.push(element.shadowRoot);
  }
  const selected = ids.join("|");
  return selected === before ? "" : selected;
}

/** Waits until DevTools' selected tabs differ from `before`, and returns them. */
async function waitForTabSelection(devtools: Page, before: string): Promise<string> {
  const handle = await devtools.waitForFunction(selectedTabsOnceChanged, POLL, before);
  try {
    return await handle.jsonValue();
  } finally {
    await handle.dispose();
  }
}

/** An extension panel's tab id is "tab-" + the extension's origin + the panel title. */
function isAsyncPanelSelected(selectedTabs: string): boolean {
  return selectedTabs.split("|").some((id) => /^tab-chrome-extension:\/\/[a-p]{32}Async$/.test(id));
}

/**
 * Opens DevTools for `page` and waits until its front-end has drawn its panel tabs and the
 * extension's devtools page has finished starting up (see `waitForExtensionDevToolsPage`).
 */
export async function openDevTools(page: Page): Promise<Page> {
  const devtools = await page.openDevTools();
  // Taller than the default 800x600, for the screenshots. (Wider would not help: DevTools lays
  // itself out as if docked to the right of the page and keeps its own width, about 550 px.)
  await devtools.setViewport({ width: 800, height: 720 });
  await waitForTabSelection(devtools, "");
  await waitForExtensionDevToolsPage(devtools);
  return devtools;
}

/**
 * Waits until the extension's devtools page has run and DevTools has handled every request it
 * made while starting (adding the Async panel, taking over theme changes). Those requests go
 * to DevTools over one message port, which DevTools handles in order, so once a later request
 * on the same port has been answered, they have all been handled. Without this, a test that
 * changes the theme straight away can race the registration of the theme handler.
 */
async function waitForExtensionDevToolsPage(devtools: Page): Promise<void> {
  const devtoolsPage = await devtools.waitForFrame((frame) => frame.url().endsWith(DEVTOOLS_PAGE));
  // Module scripts have run by the time the load event has.
  await devtoolsPage.waitForFunction(() => document.readyState === "complete", POLL);
  await devtoolsPage.evaluate(
    () => new Promise<void>((answered) => chrome.devtools.inspectedWindow.getResources(() => answered())),
  );
}

/**
 * Shows the "Async" panel in `devtools` and returns the panel's frame once its root has
 * rendered. DevTools only creates an extension panel's iframe when the panel is first shown,
 * and a headless DevTools has no clickable overflow menu to reach it, so this presses
 * Control+[ (previous panel) until the Async tab is the selected one, waiting after each
 * press for the selection to change.
 */
export async function showAsyncPanel(devtools: Page): Promise<Frame> {
  let selected = await waitForTabSelection(devtools, "");
  for (let switches = 0; switches <= MAX_PANEL_SWITCHES; switches++) {
    if (isAsyncPanelSelected(selected)) {
      const panel = await devtools.waitForFrame((frame) => frame.url().endsWith(PANEL_PAGE));
      await panel.waitForSelector('[data-testid="panel-root"]');
      return panel;
    }
    await devtools.keyboard.down("Control");
    await devtools.keyboard.press("BracketLeft");
    await devtools.keyboard.up("Control");
    selected = await waitForTabSelection(devtools, selected);
  }
  throw new Error(`The Async panel did not appear after ${MAX_PANEL_SWITCHES} panel switches.`);
}

/**
 * Switches DevTools to its light or dark theme the way the operating system would: DevTools'
 * default theme setting ("System preference") follows `prefers-color-scheme`. Resolves once
 * the DevTools front-end has redrawn itself in that theme.
 */
export async function setDevToolsColorScheme(devtools: Page, scheme: "light" | "dark"): Promise<void> {
  await devtools.emulateMediaFeatures([{ name: "prefers-color-scheme", value: scheme }]);
  // DevTools marks its own root with this class while its dark theme is applied.
  await devtools.waitForFunction(
    (dark: boolean) => document.documentElement.classList.contains("theme-with-dark-background") === dark,
    POLL,
    scheme === "dark",
  );
}

/** The panel's `data-theme` attribute: "light" or "dark". */
export function panelTheme(panel: Frame): Promise<string | undefined> {
  return panel.evaluate(() => document.documentElement.dataset.theme);
}

/**
 * Saves a screenshot of the DevTools window, cut to the DevTools tab strip and the Async
 * panel below it, as artifacts/<name>.png, and returns the file's path.
 */
export async function screenshotPanel(devtools: Page, panel: Frame, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const frameElement = await panel.frameElement();
  const box = await frameElement?.boundingBox();
  if (!box) throw new Error("The Async panel's iframe is not laid out, so it cannot be photographed.");
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  // Only what is on screen: capturing beyond the viewport (puppeteer's default) makes Chromium
  // lay the DevTools page out again for the capture, and the panel's frame with it.
  await devtools.screenshot({ path, clip: { x: box.x, y: 0, width: box.width, height: box.y + box.height }, captureBeyondViewport: false });
  return path;
}

// ── Recording through the real panel ────────────────────────────────────────────────────────

/** A page with DevTools open on the Async panel. */
export interface InspectedPage {
  readonly page: Page;
  readonly devtools: Page;
  readonly panel: Frame;
}

/** Opens `url` in a new tab of `browser`, with DevTools showing the Async panel. */
export async function openInspectedPage(browser: Browser, url: string): Promise<InspectedPage> {
  const page = await browser.newPage();
  await enlargeWindow(page);
  await page.goto(url);
  const devtools = await openDevTools(page);
  const panel = await showAsyncPanel(devtools);
  await panel.waitForFunction(() => window.__aioscopePanel !== undefined, POLL);
  return { page, devtools, panel };
}

/**
 * Clicks a control of the panel as a person does, once it has stopped moving: a real click is
 * aimed at where the control is when it is sent, and DevTools, on a busy machine, may still be
 * laying itself out around the panel (a click aimed at where the control was is lost).
 */
export async function clickWhenStill(panel: Frame, selector: string): Promise<void> {
  const control = await panel.waitForSelector(selector);
  if (control === null) throw new Error(`No ${selector} in the panel.`);
  let last = "";
  for (let still = 0; still < 3;) {
    const box = JSON.stringify(await control.boundingBox());
    still = box === last && box !== "null" ? still + 1 : 0;
    last = box;
    await panel.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)));
  }
  await control.click();
}

/** The panel's phase becomes `phase` after a press of `selector`, or the press is said to have done nothing. */
async function pressFor(panel: Frame, selector: string, phase: string): Promise<void> {
  await clickWhenStill(panel, selector);
  await panel.waitForFunction((wanted: string) => window.__aioscopePanel?.snapshot().phase === wanted, POLL, phase).catch(async () => {
    const now = await panel.evaluate(() => window.__aioscopePanel?.snapshot().phase);
    throw new Error(`Pressing ${selector} left the panel ${now ?? "without a store"}, not ${phase}.`);
  });
}

/** Presses the panel's record button, as a person does, and waits until it records. */
export async function startRecording(panel: Frame): Promise<void> {
  await pressFor(panel, "[data-testid=record-button]", "recording");
}

/** Presses "Reload and record", as a person does, and waits until the panel records. */
export async function reloadAndRecord(panel: Frame): Promise<void> {
  await pressFor(panel, "[data-testid=reload-record-button]", "recording");
}

/** Presses stop and waits until the panel has stopped. */
export async function stopRecording(panel: Frame): Promise<void> {
  await pressFor(panel, "[data-testid=record-button]", "stopped");
}

/** The panel's session as it holds it now (a structured clone of the Trace). */
export async function panelTrace(panel: Frame): Promise<Trace> {
  const trace = await panel.evaluate(() => window.__aioscopePanel?.trace() ?? null);
  if (trace === null) throw new Error("The panel has no session yet.");
  return trace;
}

/** Waits until the panel's session satisfies `predicate` (checked in the test, on each poll). */
export async function waitForTrace(panel: Frame, predicate: (trace: Trace) => boolean, timeoutMs = 20_000): Promise<Trace> {
  const deadline = Date.now() + timeoutMs;
  let last: Trace | null = null;
  for (;;) {
    last = await panel.evaluate(() => window.__aioscopePanel?.trace() ?? null);
    if (last !== null && predicate(last)) return last;
    if (Date.now() > deadline) {
      const snapshot = await panel.evaluate(() => window.__aioscopePanel?.snapshot() ?? null);
      const tasks = last === null ? "no session" : summariseTasks(last);
      throw new Error(`The panel's session did not reach the expected state in ${timeoutMs} ms. Tasks: ${tasks}. Store: ${JSON.stringify(snapshot)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL.polling));
  }
}

/** "12 tasks: 10 done, 2 pending (main, worker-3)": short enough for an error message. */
function summariseTasks(trace: Trace): string {
  const byOutcome = new Map<string, string[]>();
  for (const task of trace.tasks) byOutcome.set(task.outcome, [...(byOutcome.get(task.outcome) ?? []), task.name]);
  const parts = [...byOutcome].map(([outcome, names]) => `${names.length} ${outcome}${outcome !== "done" ? ` (${names.slice(0, 5).join(", ")}${names.length > 5 ? ", …" : ""})` : ""}`);
  return `${trace.tasks.length} tasks: ${parts.join(", ")}`;
}
